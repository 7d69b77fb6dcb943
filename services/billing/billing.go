// Package billing wires the billing service: store, use cases, its
// adapters to timetable and staffing, and the gRPC transport.
package billing

import (
	"context"
	"time"

	"github.com/kehou/kehou/services/platform/importjob"
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
// connections to those services (billing reads their facts, never their
// tables). It fails the import jobs a previous run left running and
// returns the runner of import jobs, whose Shutdown the caller calls when
// it stops.
func Register(s grpc.ServiceRegistrar, pool *pgxpool.Pool, timetable, staffing grpc.ClientConnInterface, log *slog.Logger, opts Options) *importjob.Runner {
	st, feed, stc := store.New(pool), timetablefeed.New(timetable), staffingfeed.New(staffing)
	payments := app.NewPayments(st, feed)
	if opts.MaxPrepayment != nil {
		payments.WithMaxPrepayment(*opts.MaxPrepayment)
	}
	fees, rem := app.NewFees(st, feed), app.NewRemuneration(st, feed, feed, stc)
	imports := app.NewImports(st, fees, rem)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if n, err := imports.Jobs().Recover(ctx); err != nil {
		log.Error("fail interrupted imports", "service", "billing", "err", err)
	} else if n > 0 {
		log.Warn("failed imports interrupted by the last shutdown", "service", "billing", "count", n)
	}
	billingv1.RegisterBillingServiceServer(s, rpc.New(app.New(st, feed), fees, imports, log))
	billingv1.RegisterPaymentServiceServer(s, rpc.NewPaymentServer(payments, log))
	payRuns := app.NewPayRuns(st, feed, feed, stc)
	billingv1.RegisterRemunerationServiceServer(s, rpc.NewRemunerationServer(rem, payRuns, log))
	rc := app.NewReconciliation(st, feed, payRuns)
	billingv1.RegisterExportServiceServer(s, rpc.NewExportServer(app.NewExports(st, feed, stc), rc, log))
	billingv1.RegisterReconciliationServiceServer(s, rpc.NewReconServer(rc, log))
	return imports.Jobs()
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
