// Package rpc is billing's gRPC transport.
package rpc

import (
	"context"
	"log/slog"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/platform/rpcserver"
)

// Server implements billingv1.BillingServiceServer.
type Server struct {
	billingv1.UnimplementedBillingServiceServer
	app     *app.App
	fees    *app.Fees
	imports *app.Imports
	log     *slog.Logger
}

// New returns the transport over the use cases: the ledger balance, the
// fee use cases (schedules, cost sheets, runs, statements, claims) and the
// imports and exports of fee schedules and rate tables.
func New(a *app.App, fees *app.Fees, imports *app.Imports, log *slog.Logger) *Server {
	return &Server{app: a, fees: fees, imports: imports, log: log}
}

// toStatus is billing's one mapping from errors to status codes, for all
// three of its gRPC services (billing, payments, remuneration). The fee
// engine's validation errors, and a schedule overlapping another (which
// reads as a validation error of its field), are fault.ValidationErrors:
// the shared mapping turns them into InvalidArgument naming each field,
// and every other kind as rpcserver.StatusFromFault documents.
func toStatus(ctx context.Context, log *slog.Logger, err error) error {
	return rpcserver.StatusFromFault(ctx, log, err)
}

// GetSchoolBalance implements the RPC.
func (s *Server) GetSchoolBalance(ctx context.Context, req *billingv1.GetSchoolBalanceRequest) (*billingv1.GetSchoolBalanceResponse, error) {
	b, err := s.app.SchoolBalance(ctx, req.GetSchoolId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.GetSchoolBalanceResponse{Balance: &billingv1.SchoolBalance{
		SchoolId:    b.School.ID,
		DistrictId:  b.School.DistrictID,
		SchoolName:  b.School.Name,
		Charged:     pbconv.Money(b.Charged),
		Received:    pbconv.Money(b.Received),
		Outstanding: pbconv.Money(b.Outstanding),
	}}, nil
}
