package rpc

import (
	"context"
	"log/slog"
	"time"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/platform/pbconv"
)

// RemunerationServer implements billingv1.RemunerationServiceServer.
type RemunerationServer struct {
	billingv1.UnimplementedRemunerationServiceServer
	app  *app.Remuneration
	runs *app.PayRuns
	log  *slog.Logger
}

// NewRemunerationServer returns the transport over the remuneration use
// cases: rate tables and the pay basis, and pay runs.
func NewRemunerationServer(a *app.Remuneration, runs *app.PayRuns, log *slog.Logger) *RemunerationServer {
	return &RemunerationServer{app: a, runs: runs, log: log}
}

// GetPayBasis implements the RPC.
func (s *RemunerationServer) GetPayBasis(ctx context.Context, req *billingv1.GetPayBasisRequest) (*billingv1.GetPayBasisResponse, error) {
	b, err := s.app.PayBasis(ctx, req.GetSchoolId(), int(req.GetYear()), time.Month(req.GetMonth()))
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	out := &billingv1.PayBasis{
		SchoolId: b.School.ID, DistrictId: b.School.DistrictID, Year: int32(b.Year), Month: int32(b.Month),
		TotalPeriods: b.TotalPeriods.StringFixed(4), RecordCount: int32(b.Records),
	}
	for _, sb := range b.Staff {
		ps := &billingv1.StaffPayBasis{
			StaffId: sb.StaffID, StaffKind: sb.StaffKind, InstitutionId: sb.InstitutionID,
			Periods: sb.Periods.StringFixed(4), CreditedMinutes: int32(sb.CreditedMinutes), Sessions: int32(len(sb.Records)),
		}
		for _, r := range sb.Records {
			ps.Records = append(ps.Records, &billingv1.PayRecord{
				RecordId: r.RecordID, AssignmentId: r.AssignmentID,
				Date: pbconv.FromDate(r.Date),
				Role: r.Role, Duty: r.Duty, CreditedMinutes: int32(r.CreditedMinutes), Periods: r.Periods.StringFixed(4),
			})
		}
		out.Staff = append(out.Staff, ps)
	}
	return &billingv1.GetPayBasisResponse{Basis: out}, nil
}
