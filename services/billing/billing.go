// Package billing wires the billing service: store, use cases, its
// timetable client and the gRPC transport.
package billing

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/rpc"
	"github.com/kehou/kehou/services/billing/store"
	"github.com/kehou/kehou/services/timetable/ttclient"
	"google.golang.org/grpc"
)

// Register adds the billing service to s; timetable is a connection to the
// timetable service.
func Register(s grpc.ServiceRegistrar, pool *pgxpool.Pool, timetable grpc.ClientConnInterface, log *slog.Logger) {
	billingv1.RegisterBillingServiceServer(s, rpc.New(app.New(store.New(pool), ttclient.New(timetable)), log))
}
