// Package rpc is billing's gRPC transport.
package rpc

import (
	"context"
	"errors"
	"log/slog"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/platform/rpcserver"
)

// Server implements billingv1.BillingServiceServer.
type Server struct {
	billingv1.UnimplementedBillingServiceServer
	app  *app.App
	fees *app.Fees
	log  *slog.Logger
}

// New returns the transport over the use cases: the ledger balance and the
// fee use cases (schedules, cost sheets, runs, statements, claims).
func New(a *app.App, fees *app.Fees, log *slog.Logger) *Server {
	return &Server{app: a, fees: fees, log: log}
}

// toStatus is billing's one mapping from domain errors to status codes: the
// fee engine's validation and overlap errors become InvalidArgument naming
// each field, the shared kinds follow rpcserver.StatusFromFault.
func (s *Server) toStatus(ctx context.Context, err error) error {
	var verr *fee.ValidationError
	var overlap *fee.OverlapError
	switch {
	case errors.As(err, &verr):
		fvs := make([]rpcserver.FieldViolation, len(verr.Violations))
		for i, v := range verr.Violations {
			fvs[i] = rpcserver.FieldViolation{Field: v.Field, Reason: v.Reason}
		}
		return rpcserver.InvalidArgument(fvs...)
	case errors.As(err, &overlap):
		var fvs []rpcserver.FieldViolation
		for _, v := range overlap.FieldViolations() {
			fvs = append(fvs, rpcserver.FieldViolation{Field: v.Field, Reason: v.Reason})
		}
		return rpcserver.InvalidArgument(fvs...)
	}
	return rpcserver.StatusFromFault(ctx, s.log, err)
}

// GetSchoolBalance implements the RPC.
func (s *Server) GetSchoolBalance(ctx context.Context, req *billingv1.GetSchoolBalanceRequest) (*billingv1.GetSchoolBalanceResponse, error) {
	b, err := s.app.SchoolBalance(ctx, req.GetSchoolId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
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
