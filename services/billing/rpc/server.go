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
	app *app.App
	log *slog.Logger
}

// New returns the transport over the use cases.
func New(a *app.App, log *slog.Logger) *Server { return &Server{app: a, log: log} }

// toStatus is billing's one mapping from domain errors to status codes.
func (s *Server) toStatus(ctx context.Context, err error) error {
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
