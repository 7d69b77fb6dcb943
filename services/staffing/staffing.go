// Package staffing wires the staffing service: store, use cases, its
// adapter to timetable and the gRPC transport.
package staffing

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/platform/changes"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/staffing/app"
	"github.com/kehou/kehou/services/staffing/rpc"
	"github.com/kehou/kehou/services/staffing/store"
	"github.com/kehou/kehou/services/staffing/timetablefeed"
	"google.golang.org/grpc"
)

// Register adds the staffing service to s; timetable is a connection to
// the timetable service. It fails the import jobs a previous run left
// running and returns the runner of import jobs, whose Shutdown the
// caller calls when it stops.
// feed (of app.ChangesChannel, run by the caller; nil for none) lets
// staffing grids be kept in memory.
func Register(s grpc.ServiceRegistrar, pool *pgxpool.Pool, timetable grpc.ClientConnInterface, feed *changes.Feed, log *slog.Logger) *importjob.Runner {
	a := app.New(store.New(pool), timetablefeed.New(timetable), feed)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if n, err := a.Imports().Recover(ctx); err != nil {
		log.Error("fail interrupted imports", "service", "staffing", "err", err)
	} else if n > 0 {
		log.Warn("failed imports interrupted by the last shutdown", "service", "staffing", "count", n)
	}
	staffingv1.RegisterStaffingServiceServer(s, rpc.New(a, log))
	return a.Imports()
}

// The adapter answers what the use cases ask of timetable.
var _ app.Timetable = (*timetablefeed.Feed)(nil)
