// Package timetable wires the timetable service: store, use cases and
// gRPC transport, registered on a server built by rpcserver.
package timetable

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/timetable/app"
	"github.com/kehou/kehou/services/timetable/rpc"
	"github.com/kehou/kehou/services/timetable/store"
	"google.golang.org/grpc"
)

// Register adds the timetable service to s.
func Register(s grpc.ServiceRegistrar, pool *pgxpool.Pool, log *slog.Logger) {
	timetablev1.RegisterTimetableServiceServer(s, rpc.New(app.New(store.New(pool)), log))
}
