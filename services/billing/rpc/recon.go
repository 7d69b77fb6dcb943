package rpc

import (
	"context"
	"log/slog"
	"sort"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/institution"
	"github.com/kehou/kehou/services/billing/domain/recon"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/pbconv"
)

// ReconServer implements billingv1.ReconciliationServiceServer.
type ReconServer struct {
	billingv1.UnimplementedReconciliationServiceServer
	app *app.Reconciliation
	log *slog.Logger
}

// NewReconServer returns the transport over the reconciliation use cases.
func NewReconServer(a *app.Reconciliation, log *slog.Logger) *ReconServer {
	return &ReconServer{app: a, log: log}
}

// GetReconciliation implements the RPC.
func (s *ReconServer) GetReconciliation(ctx context.Context, req *billingv1.GetReconciliationRequest) (*billingv1.GetReconciliationResponse, error) {
	limits, err := app.ParseLimits(req.GetLabourShareLimit(), req.GetManagementShareLimit())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	r, err := s.app.School(ctx, app.ReconRequest{SchoolID: req.GetSchoolId(), TermID: req.GetTermId(),
		Year: int(req.GetYear()), Month: int(req.GetMonth()), Override: limits})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.GetReconciliationResponse{Reconciliation: reconToProto(r)}, nil
}

// GetDistrictReconciliation implements the RPC.
func (s *ReconServer) GetDistrictReconciliation(ctx context.Context, req *billingv1.GetDistrictReconciliationRequest) (*billingv1.GetDistrictReconciliationResponse, error) {
	limits, err := app.ParseLimits(req.GetLabourShareLimit(), req.GetManagementShareLimit())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	total, schools, err := s.app.District(ctx, req.GetDistrictId(), int(req.GetYear()), int(req.GetMonth()), limits)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	out := &billingv1.GetDistrictReconciliationResponse{Total: reconToProto(total)}
	for _, sr := range schools {
		out.Schools = append(out.Schools, reconToProto(sr))
	}
	return out, nil
}

// GetInstitutionSettlement implements the RPC.
func (s *ReconServer) GetInstitutionSettlement(ctx context.Context, req *billingv1.GetInstitutionSettlementRequest) (*billingv1.GetInstitutionSettlementResponse, error) {
	st, err := s.app.InstitutionSettlement(ctx, req.GetDistrictId(), req.GetInstitutionId(), int(req.GetYear()), int(req.GetMonth()))
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	school := func(t institution.SchoolTotal) *billingv1.InstitutionSettlementSchool {
		return &billingv1.InstitutionSettlementSchool{SchoolId: t.SchoolID, Earned: t.Earned.StringFixed(2), HeldBack: t.HeldBack.StringFixed(2),
			Labour: t.Labour.StringFixed(2), LabourPaid: t.LabourPaid.StringFixed(2), CollectedOnBehalf: t.CollectedOnBehalf.StringFixed(2), PaidOut: t.PaidOut.StringFixed(2), Due: t.Due.StringFixed(2)}
	}
	out := &billingv1.InstitutionSettlement{InstitutionId: st.InstitutionID, Year: int32(st.Year), Month: int32(st.Month), Total: school(st.Total)}
	for _, t := range st.Schools {
		out.Schools = append(out.Schools, school(t))
	}
	for _, l := range st.Lines {
		out.Lines = append(out.Lines, &billingv1.InstitutionSettlementLine{SchoolId: l.SchoolID, StaffId: l.StaffID, StatementId: l.StatementID,
			Revision: int32(l.Revision), Line: payLineToProto(l.IssuedLine)})
	}
	return &billingv1.GetInstitutionSettlementResponse{Settlement: out}, nil
}

func reconToProto(r app.SchoolRecon) *billingv1.Reconciliation {
	in, sp := r.Report.Income, r.Report.Spending
	out := &billingv1.Reconciliation{
		SchoolId: r.SchoolID, From: r.From.String(), To: r.To.String(), Balanced: r.Report.Balanced(),
		LabourShareLimit: r.Limits.LabourShare.String(), ManagementShareLimit: r.Limits.ManagementShare.String(),
		LimitsSource: r.LimitsSource, LimitsVersion: int32(r.LimitsVersion),
		Income: &billingv1.ReconIncome{FeesBilled: in.FeesBilled.StringFixed(2), Collected: in.Collected.StringFixed(2),
			Refunded: in.Refunded.StringFixed(2), WrittenOff: in.WrittenOff.StringFixed(2), Outstanding: in.Outstanding.StringFixed(2),
			Total: in.Total.StringFixed(2)},
		Spending: &billingv1.ReconSpending{Pay: sp.Pay.StringFixed(2), Institutions: sp.Institutions.StringFixed(2),
			InstitutionsPaid: sp.InstitutionsPaid.StringFixed(2),
			Management:       sp.Management.StringFixed(2), Total: sp.Total.StringFixed(2)},
		Discrepancies: []*billingv1.Discrepancy{},
	}
	for _, p := range in.Payers {
		out.Income.Payers = append(out.Income.Payers, &billingv1.PayerIncome{PayerId: p.PayerID, Billed: p.Billed.StringFixed(2), Received: p.Received.StringFixed(2),
			Outstanding: p.Outstanding.StringFixed(2)})
	}
	tags := make([]string, 0, len(sp.ByTreatment))
	for t := range sp.ByTreatment {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	for _, t := range tags {
		out.Spending.ByTreatment = append(out.Spending.ByTreatment, &billingv1.TreatmentAmount{Treatment: t, Amount: sp.ByTreatment[t].StringFixed(2)})
	}
	for _, c := range sp.Costs {
		out.Spending.Costs = append(out.Spending.Costs, &billingv1.CostAmount{Kind: c.Kind, Amount: c.Amount.StringFixed(2)})
	}
	for _, d := range r.Report.Discrepancies {
		out.Discrepancies = append(out.Discrepancies, discrepancyToProto(d))
	}
	return out
}

func discrepancyToProto(d recon.Discrepancy) *billingv1.Discrepancy {
	return &billingv1.Discrepancy{Rule: string(d.Rule), SchoolId: d.SchoolID, RecordId: d.RecordID, StaffId: d.StaffID,
		StatementId: d.StatementID, StudentId: d.StudentID, PayerId: d.PayerID, Amount: d.Amount.StringFixed(2)}
}

func shareLimitsProto(s recon.Setting) *billingv1.ShareLimits {
	return &billingv1.ShareLimits{DistrictId: s.DistrictID, SchoolId: s.SchoolID, Version: int32(s.Version),
		LabourShareLimit: s.Limits.LabourShare.String(), ManagementShareLimit: s.Limits.ManagementShare.String(),
		EffectiveFrom: pbconv.FromDate(s.EffectiveFrom.Time()), DocumentNo: s.DocumentNo, Note: s.Note, RequestId: s.RequestID}
}

// SetShareLimits implements the RPC.
func (s *ReconServer) SetShareLimits(ctx context.Context, req *billingv1.SetShareLimitsRequest) (*billingv1.SetShareLimitsResponse, error) {
	o, err := app.ParseLimits(req.GetLabourShareLimit(), req.GetManagementShareLimit())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	from, err := optDate(req.GetEffectiveFrom(), "effective_from")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	set := recon.Setting{DistrictID: req.GetDistrictId(), SchoolID: req.GetSchoolId(), DocumentNo: req.GetDocumentNo(),
		Note: req.GetNote(), RequestID: req.GetRequestId()}
	if !from.IsZero() {
		set.EffectiveFrom = civil.Of(from)
	}
	// Both are required by the contract, so ParseLimits set both.
	set.Limits.LabourShare, set.Limits.ManagementShare = *o.Labour, *o.Management
	got, replayed, err := s.app.SetShareLimits(ctx, set)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.SetShareLimitsResponse{Limits: shareLimitsProto(got), Replayed: replayed}, nil
}

// GetShareLimits implements the RPC.
func (s *ReconServer) GetShareLimits(ctx context.Context, req *billingv1.GetShareLimitsRequest) (*billingv1.GetShareLimitsResponse, error) {
	on, err := optDate(req.GetAsOf(), "as_of")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	var day civil.Date
	if !on.IsZero() {
		day = civil.Of(on)
	}
	sl, err := s.app.ShareLimits(ctx, req.GetDistrictId(), req.GetSchoolId(), day)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	out := &billingv1.GetShareLimitsResponse{LabourShareLimit: sl.Limits.LabourShare.String(),
		ManagementShareLimit: sl.Limits.ManagementShare.String(), Source: sl.Source, Versions: []*billingv1.ShareLimits{}}
	if sl.Version > 0 {
		out.InForce = shareLimitsProto(sl.InForce)
	}
	for _, v := range sl.Versions {
		out.Versions = append(out.Versions, shareLimitsProto(v))
	}
	return out, nil
}

// PayInstitutionSettlement implements the RPC.
func (s *ReconServer) PayInstitutionSettlement(ctx context.Context, req *billingv1.PayInstitutionSettlementRequest) (*billingv1.PayInstitutionSettlementResponse, error) {
	amount, err := pbconv.Decimal(req.GetAmount(), "amount")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	on, err := optDate(req.GetPaidOn(), "paid_on")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	p, replayed, err := s.app.PayInstitutionSettlement(ctx, institution.Payment{RequestID: req.GetRequestId(), DistrictID: req.GetDistrictId(),
		InstitutionID: req.GetInstitutionId(), Year: int(req.GetYear()), Month: int(req.GetMonth()), Channel: req.GetChannel(),
		PaidOn: on, Amount: amount})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	out := &billingv1.InstitutionPayment{PaymentId: p.ID, InstitutionId: p.InstitutionID, Year: int32(p.Year), Month: int32(p.Month),
		Amount: pbconv.Money(p.Amount), PaidOn: optDateProto(p.PaidOn), Channel: p.Channel}
	for _, sp := range p.Schools {
		out.Schools = append(out.Schools, &billingv1.InstitutionPaymentSchool{SchoolId: sp.SchoolID, DisbursementId: sp.DisbursementID,
			Labour: pbconv.Money(sp.Labour), CollectedOnBehalf: pbconv.Money(sp.Collected)})
	}
	return &billingv1.PayInstitutionSettlementResponse{Payment: out, Replayed: replayed}, nil
}
