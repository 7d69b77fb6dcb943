// Package staffing wires the staffing service: store, use cases, its
// adapter to timetable and the gRPC transport.
package staffing

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/staffing/app"
	"github.com/kehou/kehou/services/staffing/rpc"
	"github.com/kehou/kehou/services/staffing/store"
	"github.com/kehou/kehou/services/staffing/timetablefeed"
	"google.golang.org/grpc"
)

// Register adds the staffing service to s; timetable is a connection to
// the timetable service.
func Register(s grpc.ServiceRegistrar, pool *pgxpool.Pool, timetable grpc.ClientConnInterface, log *slog.Logger) {
	staffingv1.RegisterStaffingServiceServer(s, rpc.New(app.New(store.New(pool), timetablefeed.New(timetable)), log))
}

// The adapter answers what the use cases ask of timetable.
var _ app.Timetable = (*timetablefeed.Feed)(nil)
