// Package billing wires the billing service: store, use cases, its
// adapters to timetable and staffing, and the gRPC transport.
package billing

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/rpc"
	"github.com/kehou/kehou/services/billing/staffingfeed"
	"github.com/kehou/kehou/services/billing/store"
	"github.com/kehou/kehou/services/billing/timetablefeed"
	"github.com/shopspring/decimal"
	"google.golang.org/grpc"
)

// Options are billing's settings; the zero value means the defaults.
type Options struct {
	// MaxPrepayment is how far above what a family owes a payment marked as
	// a prepayment may go; nil means app.DefaultMaxPrepayment.
	MaxPrepayment *decimal.Decimal
}

// Register adds the billing services to s; timetable and staffing are
// connections to those services (billing reads their facts, never their tables).
func Register(s grpc.ServiceRegistrar, pool *pgxpool.Pool, timetable, staffing grpc.ClientConnInterface, log *slog.Logger, opts Options) {
	st, feed, stc := store.New(pool), timetablefeed.New(timetable), staffingfeed.New(staffing)
	payments := app.NewPayments(st, feed)
	if opts.MaxPrepayment != nil {
		payments.WithMaxPrepayment(*opts.MaxPrepayment)
	}
	fees, rem := app.NewFees(st, feed), app.NewRemuneration(st, feed, feed, stc)
	billingv1.RegisterBillingServiceServer(s, rpc.New(app.New(st, feed), fees, app.NewImports(st, fees, rem), log))
	billingv1.RegisterPaymentServiceServer(s, rpc.NewPaymentServer(payments, log))
	payRuns := app.NewPayRuns(st, feed, feed, stc)
	billingv1.RegisterRemunerationServiceServer(s, rpc.NewRemunerationServer(rem, payRuns, log))
	rc := app.NewReconciliation(st, feed, payRuns)
	billingv1.RegisterExportServiceServer(s, rpc.NewExportServer(app.NewExports(st, feed, stc), rc, log))
	billingv1.RegisterReconciliationServiceServer(s, rpc.NewReconServer(rc, log))
}

// The store implements every storage interface billing's use cases declare;
// the check lives here, in the wiring, so the store never imports app.
var (
	_ app.Store        = (*store.Store)(nil)
	_ app.FeeStore     = (*store.Store)(nil)
	_ app.PaymentStore = (*store.Store)(nil)
	_ app.RateStore    = (*store.Store)(nil)
	_ app.PayStore     = (*store.Store)(nil)
	_ app.ExportStore  = (*store.Store)(nil)
	_ app.ReconStore   = (*store.Store)(nil)
	_ app.ImportStore  = (*store.Store)(nil)
)

// Each adapter answers what the use cases ask of the service it calls.
var (
	_ app.Schools        = (*timetablefeed.Feed)(nil)
	_ app.Feed           = (*timetablefeed.Feed)(nil)
	_ app.DeliveredHours = (*staffingfeed.Feed)(nil)
	_ app.MonthHours     = (*staffingfeed.Feed)(nil)
	_ app.StaffDirectory = (*staffingfeed.Feed)(nil)
)
