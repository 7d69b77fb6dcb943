// Package timetable wires the timetable service: store, use cases and
// gRPC transport, registered on a server built by rpcserver.
package timetable

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/changes"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/timetable/app"
	"github.com/kehou/kehou/services/timetable/rpc"
	"github.com/kehou/kehou/services/timetable/store"
	"google.golang.org/grpc"
)

// Register adds the timetable service to s. It fails the import jobs a
// previous run left running (a crash: Shutdown fails its own) and returns
// the runner of import jobs, whose Shutdown the caller calls when it stops.
// feed (of app.ChangesChannel, run by the caller; nil for none) lets reads
// of a term's facts be kept in memory.
func Register(s grpc.ServiceRegistrar, pool *pgxpool.Pool, feed *changes.Feed, log *slog.Logger) *importjob.Runner {
	a := app.New(store.New(pool), feed)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if n, err := a.Imports().Recover(ctx); err != nil {
		log.Error("fail interrupted imports", "service", "timetable", "err", err)
	} else if n > 0 {
		log.Warn("failed imports interrupted by the last shutdown", "service", "timetable", "count", n)
	}
	timetablev1.RegisterTimetableServiceServer(s, rpc.New(a, log))
	return a.Imports()
}
