package rpc

import (
	"context"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/domain/payrun"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"github.com/shopspring/decimal"
)

func tagsToProto(ts []pay.TagAmount) []*billingv1.TreatmentAmount {
	var out []*billingv1.TreatmentAmount
	for _, t := range ts {
		out = append(out, &billingv1.TreatmentAmount{Treatment: string(t.Treatment), Amount: t.Amount.StringFixed(2)})
	}
	return out
}

func payLineToProto(l pay.IssuedLine) *billingv1.PayLine {
	out := &billingv1.PayLine{Kind: string(l.Kind), RecordId: l.RecordID, AssignmentId: l.AssignmentID, Role: l.Role, Duty: l.Duty,
		Minutes: int32(l.Minutes), Periods: l.Periods.StringFixed(4), Days: int32(l.Days), Unit: string(l.Unit), Rate: l.Rate.String(),
		Multiplier: l.Multiplier.String(), Students: int32(l.Students), ExtraStudents: int32(l.ExtraStudents),
		WeekendHoliday: l.WeekendHoliday, Amount: l.Amount.StringFixed(2), RuleId: l.RuleID, DocumentNo: l.DocumentNo,
		Treatment: string(l.Treatment), CorrectsRecordId: l.CorrectsRecordID, CorrectsStatementId: l.CorrectsStatementID}
	if l.Kind == pay.LineSession {
		out.Date, out.Start, out.End = pdate(l.Date), clockString(l.StartMinute), clockString(l.EndMinute)
	}
	if l.ExtraStudents > 0 {
		out.ExtraPerStudent = l.ExtraPerStudent.String()
	}
	for _, p := range l.Pieces {
		out.Pieces = append(out.Pieces, &billingv1.PayPiece{Start: clockString(p.From), End: clockString(p.To), Minutes: int32(p.Minutes), Rate: p.Rate.String()})
	}
	return out
}

func payStatementToProto(st payrun.Statement) *billingv1.PayStatement {
	out := &billingv1.PayStatement{StatementId: st.StatementID, RunId: st.RunID, StaffId: st.StaffID, StaffKind: st.StaffKind,
		InstitutionId: st.InstitutionID, Year: int32(st.Year), Month: int32(st.Month), Revision: int32(st.Revision), Kind: st.Kind,
		CorrectsStatementId: st.Corrects, Earned: st.Earned.StringFixed(2), Paid: st.Paid.StringFixed(2), HeldBack: st.HeldBack.StringFixed(2),
		CapRuleId: st.CapRuleID, ByTreatment: tagsToProto(st.ByTreatment)}
	if st.CapLimit.Valid {
		out.CapLimit = st.CapLimit.Decimal.StringFixed(2)
	}
	for _, l := range st.Lines {
		out.Lines = append(out.Lines, payLineToProto(l))
	}
	return out
}

func payRunToProto(r payrun.Run) *billingv1.PayRun {
	out := &billingv1.PayRun{RunId: r.ID, RequestId: r.RequestID, SchoolId: r.SchoolID, DistrictId: r.DistrictID, Year: int32(r.Year),
		Month: int32(r.Month), Mode: r.Mode, InputsHash: r.InputsHash, StatementCount: int32(r.Statements), AdjustmentCount: int32(r.Adjustments),
		UnchangedCount: int32(r.Unchanged), Earned: r.Earned.StringFixed(2), Paid: r.Paid.StringFixed(2), HeldBack: r.HeldBack.StringFixed(2),
		ByTreatment: tagsToProto(r.ByTreatment), LeftPending: r.LeftPending}
	for _, st := range r.Issued {
		out.Statements = append(out.Statements, payStatementToProto(st))
	}
	return out
}

// CreatePayRun implements the RPC.
func (s *RemunerationServer) CreatePayRun(ctx context.Context, req *billingv1.CreatePayRunRequest) (*billingv1.CreatePayRunResponse, error) {
	r := app.PayRunRequest{SchoolID: req.GetSchoolId(), RequestID: req.GetRequestId(), Year: int(req.GetYear()), Month: int(req.GetMonth()),
		Mode: req.GetMode(), LeavePending: req.GetLeavePending(), Managers: req.GetManagers()}
	for _, ct := range req.GetClassTeachers() {
		r.ClassTeachers = append(r.ClassTeachers, app.ClassTeacherRef{StaffID: ct.GetStaffId(), ClassID: ct.GetClassId()})
	}
	run, created, err := s.runs.CreateRun(ctx, r)
	if err != nil {
		return nil, rpcserver.StatusFromFault(ctx, s.log, err)
	}
	return &billingv1.CreatePayRunResponse{Run: payRunToProto(run), Created: created}, nil
}

// GetPayRun implements the RPC.
func (s *RemunerationServer) GetPayRun(ctx context.Context, req *billingv1.GetPayRunRequest) (*billingv1.GetPayRunResponse, error) {
	run, err := s.runs.GetRun(ctx, req.GetSchoolId(), req.GetRunId())
	if err != nil {
		return nil, rpcserver.StatusFromFault(ctx, s.log, err)
	}
	return &billingv1.GetPayRunResponse{Run: payRunToProto(run)}, nil
}

// ListPayRuns implements the RPC.
func (s *RemunerationServer) ListPayRuns(ctx context.Context, req *billingv1.ListPayRunsRequest) (*billingv1.ListPayRunsResponse, error) {
	all, err := s.runs.ListRuns(ctx, req.GetSchoolId(), int(req.GetYear()), int(req.GetMonth()))
	if err != nil {
		return nil, rpcserver.StatusFromFault(ctx, s.log, err)
	}
	resp := &billingv1.ListPayRunsResponse{}
	for _, r := range all {
		resp.Runs = append(resp.Runs, payRunToProto(r))
	}
	return resp, nil
}

// VerifyPayRun implements the RPC.
func (s *RemunerationServer) VerifyPayRun(ctx context.Context, req *billingv1.VerifyPayRunRequest) (*billingv1.VerifyPayRunResponse, error) {
	v, err := s.runs.VerifyRun(ctx, req.GetSchoolId(), req.GetRunId())
	if err != nil {
		return nil, rpcserver.StatusFromFault(ctx, s.log, err)
	}
	return &billingv1.VerifyPayRunResponse{InputsHashMatches: v.HashMatches, RecomputedInputsHash: v.RecomputedHash,
		PeopleChecked: int32(v.PeopleChecked), PeopleDiffering: v.Differing, Identical: v.Identical()}, nil
}

// PayMonth implements the RPC.
func (s *RemunerationServer) PayMonth(ctx context.Context, req *billingv1.PayMonthRequest) (*billingv1.PayMonthResponse, error) {
	d, created, err := s.runs.PayMonth(ctx, req.GetSchoolId(), req.GetRequestId(), int(req.GetYear()), int(req.GetMonth()), req.GetChannel())
	if err != nil {
		return nil, rpcserver.StatusFromFault(ctx, s.log, err)
	}
	out := &billingv1.PayMonthResponse{DisbursementId: d.ID, Total: d.Total.StringFixed(2), Created: created}
	for _, p := range d.Payments {
		out.Payments = append(out.Payments, &billingv1.StaffPayment{StaffId: p.StaffID, Amount: p.Amount.StringFixed(2)})
	}
	return out, nil
}

// ListStaffPayStatements implements the RPC.
func (s *RemunerationServer) ListStaffPayStatements(ctx context.Context, req *billingv1.ListStaffPayStatementsRequest) (*billingv1.ListStaffPayStatementsResponse, error) {
	sts, err := s.runs.StaffStatements(ctx, req.GetSchoolId(), req.GetStaffId(), int(req.GetYear()), int(req.GetMonth()))
	if err != nil {
		return nil, rpcserver.StatusFromFault(ctx, s.log, err)
	}
	out := &billingv1.ListStaffPayStatementsResponse{}
	var paid, held decimal.Decimal
	for _, st := range sts {
		out.Statements = append(out.Statements, payStatementToProto(st))
		paid, held = paid.Add(st.Paid), held.Add(st.HeldBack)
	}
	out.PaidTotal, out.HeldBackTotal = paid.StringFixed(2), held.StringFixed(2)
	return out, nil
}
