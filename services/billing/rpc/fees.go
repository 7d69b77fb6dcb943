package rpc

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/billing/domain/runs"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// parser collects field violations while converting a request.
type parser struct{ c fault.Collector }

func (p *parser) dec(s, field string, required bool) decimal.Decimal {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			p.c.Add(field, "is required: a decimal number")
		}
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		p.c.Add(field, fmt.Sprintf("%q is not a decimal number", s))
		return decimal.Zero
	}
	// Rates, caps, amounts, ratios and calendar constants all end up in
	// money columns or multiply into them: one magnitude bound for all, the
	// range of a money field. A product still beyond a column (a rate near
	// the bound times many periods) is refused by the store as out of range.
	if d.Abs().GreaterThan(pbconv.MaxMoney) {
		p.c.Add(field, "must be at most "+pbconv.MaxMoney.StringFixed(2)+" in absolute value")
		return decimal.Zero
	}
	return d
}

func (p *parser) nullDec(s, field string) decimal.NullDecimal {
	if strings.TrimSpace(s) == "" {
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: p.dec(s, field, true), Valid: true}
}

func (p *parser) date(d *commonv1.Date, field string, required bool) civil.Date {
	if d == nil {
		if required {
			p.c.Add(field, "is required")
		}
		return civil.Date{}
	}
	day, err := pbconv.CivilDate(d, field)
	if err != nil {
		p.c.Add(field, "is not a calendar date")
		return civil.Date{}
	}
	return day
}

func scheduleFromProto(districtID string, s *billingv1.FeeSchedule) (fee.Schedule, error) {
	var p parser
	out := fee.Schedule{
		ID: s.GetScheduleId(), Version: int(s.GetVersion()), Scope: fee.Scope{DistrictID: districtID, SchoolID: s.GetSchoolId()},
		EffectiveFrom: p.date(s.GetEffectiveFrom(), "effective_from", true), EffectiveTo: p.date(s.GetEffectiveTo(), "effective_to", false),
		DocumentNo: s.GetDocumentNo(), RoundingRule: money.RoundingRule(s.GetRoundingRule()), BillingMode: fee.BillingMode(s.GetBillingMode()),
		Calendar: fee.Calendar{DaysPerMonth: p.dec(s.GetCalendar().GetDaysPerMonth(), "calendar.days_per_month", true),
			MonthsPerTerm: p.dec(s.GetCalendar().GetMonthsPerTerm(), "calendar.months_per_term", true),
			TermsPerYear:  int(s.GetCalendar().GetTermsPerYear())},
	}
	if out.RoundingRule == "" {
		out.RoundingRule = money.HalfUp
	}
	pr := s.GetProration()
	out.Proration = fee.ProrationPolicy{RuleID: pr.GetRuleId(), Kind: fee.ProrationKind(pr.GetKind()), ChargeLeave: pr.GetChargeLeave(),
		WithdrawalMonths: int(pr.GetWithdrawalMonths()), WithdrawalRefund: p.dec(pr.GetWithdrawalRefund(), "proration.withdrawal_refund", false),
		Boundary: fee.Boundary(pr.GetBoundary()), MonthWeight: fee.MonthWeight(pr.GetMonthWeight())}
	for i, it := range s.GetItems() {
		f := fmt.Sprintf("items[%d].", i)
		out.Items = append(out.Items, fee.Item{RuleID: it.GetRuleId(), Name: it.GetName(), Kind: fee.ServiceKind(it.GetKind()),
			Unit: fee.ChargingUnit(it.GetUnit()), Rate: p.dec(it.GetRate(), f+"rate", !it.GetFree() && !it.GetMealPassThrough()),
			WeekendHolidayRate:  p.nullDec(it.GetWeekendHolidayRate(), f+"weekend_holiday_rate"),
			EnrichmentSurcharge: p.dec(it.GetEnrichmentSurcharge(), f+"enrichment_surcharge", false),
			CapPerDay:           p.nullDec(it.GetCapPerDay(), f+"cap_per_day"), CapPerMonth: p.nullDec(it.GetCapPerMonth(), f+"cap_per_month"),
			CapPerTerm: p.nullDec(it.GetCapPerTerm(), f+"cap_per_term"), Free: it.GetFree(), MealPassThrough: it.GetMealPassThrough(),
			CollectedOnBehalf: it.GetCollectedOnBehalf(), ProviderID: it.GetProviderId(), TimetableItems: it.GetTimetableItems()})
	}
	for i, r := range s.GetSubsidies() {
		f := fmt.Sprintf("subsidies[%d].", i)
		sr := fee.SubsidyRule{RuleID: r.GetRuleId(), Kind: fee.SubsidyKind(r.GetKind()), Amount: p.dec(r.GetAmount(), f+"amount", false),
			Percent: p.dec(r.GetPercent(), f+"percent", false), Items: r.GetItems(), RatioWhole: p.dec(r.GetRatioWhole(), f+"ratio_whole", false)}
		for j, pay := range r.GetPayers() {
			sr.Payers = append(sr.Payers, fee.PayerRatio{PayerID: pay.GetPayerId(), Ratio: p.dec(pay.GetRatio(), fmt.Sprintf("%spayers[%d].ratio", f, j), true)})
		}
		out.Subsidies = append(out.Subsidies, sr)
	}
	for i, w := range s.GetWaivers() {
		f := fmt.Sprintf("waivers[%d].", i)
		out.Waivers = append(out.Waivers, fee.WaiverRule{RuleID: w.GetRuleId(), Category: fee.HardshipCategory(w.GetCategory()),
			Percent: p.dec(w.GetPercent(), f+"percent", true), RequiresApproval: w.GetRequiresApproval(), PayerID: w.GetPayerId(), Items: w.GetItems()})
	}
	return out, p.c.Err()
}

func str(d decimal.Decimal) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func nullStr(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

func pdate(d civil.Date) *commonv1.Date { return pbconv.FromCivilDate(d) }

func scheduleToProto(s fee.Schedule) *billingv1.FeeSchedule {
	out := &billingv1.FeeSchedule{ScheduleId: s.ID, Version: int32(s.Version), DistrictId: s.Scope.DistrictID, SchoolId: s.Scope.SchoolID,
		EffectiveFrom: pdate(s.EffectiveFrom), EffectiveTo: pdate(s.EffectiveTo), DocumentNo: s.DocumentNo, RoundingRule: string(s.RoundingRule),
		BillingMode: string(s.BillingMode),
		Calendar: &billingv1.FeeCalendar{DaysPerMonth: s.Calendar.DaysPerMonth.String(), MonthsPerTerm: s.Calendar.MonthsPerTerm.String(),
			TermsPerYear: int32(s.Calendar.TermsPerYear)},
		Proration: &billingv1.ProrationPolicy{RuleId: s.Proration.RuleID, Kind: string(s.Proration.Kind), ChargeLeave: s.Proration.ChargeLeave,
			WithdrawalMonths: int32(s.Proration.WithdrawalMonths), WithdrawalRefund: str(s.Proration.WithdrawalRefund),
			Boundary: string(s.Proration.Boundary), MonthWeight: string(s.Proration.MonthWeight)}}
	for _, it := range s.Items {
		out.Items = append(out.Items, &billingv1.FeeItem{RuleId: it.RuleID, Name: it.Name, Kind: string(it.Kind), Unit: string(it.Unit),
			Rate: it.Rate.String(), WeekendHolidayRate: nullStr(it.WeekendHolidayRate), EnrichmentSurcharge: str(it.EnrichmentSurcharge),
			CapPerDay: nullStr(it.CapPerDay), CapPerMonth: nullStr(it.CapPerMonth), CapPerTerm: nullStr(it.CapPerTerm), Free: it.Free,
			MealPassThrough: it.MealPassThrough, CollectedOnBehalf: it.CollectedOnBehalf, ProviderId: it.ProviderID, TimetableItems: it.TimetableItems})
	}
	for _, r := range s.Subsidies {
		sr := &billingv1.SubsidyRule{RuleId: r.RuleID, Kind: string(r.Kind), Amount: str(r.Amount), Percent: str(r.Percent), Items: r.Items,
			RatioWhole: str(r.RatioWhole)}
		for _, p := range r.Payers {
			sr.Payers = append(sr.Payers, &billingv1.PayerRatio{PayerId: p.PayerID, Ratio: p.Ratio.String()})
		}
		out.Subsidies = append(out.Subsidies, sr)
	}
	for _, w := range s.Waivers {
		out.Waivers = append(out.Waivers, &billingv1.WaiverRule{RuleId: w.RuleID, Category: string(w.Category), Percent: w.Percent.String(),
			RequiresApproval: w.RequiresApproval, PayerId: w.PayerID, Items: w.Items})
	}
	return out
}

// CreateFeeSchedule implements the RPC.
func (s *Server) CreateFeeSchedule(ctx context.Context, req *billingv1.CreateFeeScheduleRequest) (*billingv1.CreateFeeScheduleResponse, error) {
	sc, err := scheduleFromProto(req.GetDistrictId(), req.GetSchedule())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	sc.Version = 0 // assigned by the store
	out, err := s.fees.CreateSchedule(ctx, sc)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.CreateFeeScheduleResponse{Schedule: scheduleToProto(out)}, nil
}

// GetFeeSchedule implements the RPC: the schedule as published (收费公示), with the ceilings
// that bind it.
func (s *Server) GetFeeSchedule(ctx context.Context, req *billingv1.GetFeeScheduleRequest) (*billingv1.GetFeeScheduleResponse, error) {
	out, err := s.fees.PublishedSchedule(ctx, req.GetDistrictId(), req.GetScheduleId(), int(req.GetVersion()))
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.GetFeeScheduleResponse{Schedule: scheduleToProto(out.Schedule)}
	for _, c := range out.Ceilings {
		resp.Ceilings = append(resp.Ceilings, ceilingToProto(c))
	}
	return resp, nil
}

func ceilingFromProto(districtID string, c *billingv1.PriceCeiling) (fee.PriceCeiling, error) {
	var p parser
	out := fee.PriceCeiling{ID: c.GetCeilingId(), DistrictID: districtID, DocumentNo: c.GetDocumentNo(),
		EffectiveFrom: p.date(c.GetEffectiveFrom(), "effective_from", true), EffectiveTo: p.date(c.GetEffectiveTo(), "effective_to", false),
		SchoolCategory: c.GetSchoolCategory()}
	for i, l := range c.GetLimits() {
		out.Limits = append(out.Limits, fee.CeilingLimit{Kind: fee.ServiceKind(l.GetKind()), Unit: fee.ChargingUnit(l.GetUnit()),
			Max: p.dec(l.GetMax(), fmt.Sprintf("limits[%d].max", i), true)})
	}
	return out, p.c.Err()
}

func ceilingToProto(c fee.PriceCeiling) *billingv1.PriceCeiling {
	out := &billingv1.PriceCeiling{CeilingId: c.ID, DistrictId: c.DistrictID, DocumentNo: c.DocumentNo,
		EffectiveFrom: pdate(c.EffectiveFrom), EffectiveTo: pdate(c.EffectiveTo), SchoolCategory: c.SchoolCategory}
	for _, l := range c.Limits {
		out.Limits = append(out.Limits, &billingv1.CeilingLimit{Kind: string(l.Kind), Unit: string(l.Unit), Max: l.Max.String()})
	}
	return out
}

// CreatePriceCeiling implements the RPC.
func (s *Server) CreatePriceCeiling(ctx context.Context, req *billingv1.CreatePriceCeilingRequest) (*billingv1.CreatePriceCeilingResponse, error) {
	c, err := ceilingFromProto(req.GetDistrictId(), req.GetCeiling())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	out, err := s.fees.CreateCeiling(ctx, c)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.CreatePriceCeilingResponse{Ceiling: ceilingToProto(out)}, nil
}

// ListPriceCeilings implements the RPC.
func (s *Server) ListPriceCeilings(ctx context.Context, req *billingv1.ListPriceCeilingsRequest) (*billingv1.ListPriceCeilingsResponse, error) {
	cs, err := s.fees.ListCeilings(ctx, req.GetDistrictId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.ListPriceCeilingsResponse{}
	for _, c := range cs {
		resp.Ceilings = append(resp.Ceilings, ceilingToProto(c))
	}
	return resp, nil
}

// ListFeeSchedules implements the RPC.
func (s *Server) ListFeeSchedules(ctx context.Context, req *billingv1.ListFeeSchedulesRequest) (*billingv1.ListFeeSchedulesResponse, error) {
	all, err := s.fees.ListSchedules(ctx, req.GetDistrictId(), req.GetSchoolId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.ListFeeSchedulesResponse{}
	for _, sc := range all {
		resp.Schedules = append(resp.Schedules, scheduleToProto(sc))
	}
	return resp, nil
}

func costSheetFromProto(schoolID, termID string, c *billingv1.CostSheet) (fee.CostSheet, error) {
	var p parser
	out := fee.CostSheet{SchoolID: schoolID, TermID: termID, Students: int(c.GetStudents()),
		PeriodsPerStudent: p.dec(c.GetPeriodsPerStudent(), "periods_per_student", true)}
	for i, it := range c.GetItems() {
		amt, err := pbconv.Decimal(it.GetAmount(), fmt.Sprintf("items[%d].amount", i))
		if err != nil {
			p.c.Add(fmt.Sprintf("items[%d].amount", i), "must be a decimal amount in yuan with at most two places")
		}
		out.Items = append(out.Items, fee.CostItem{Kind: fee.CostKind(it.GetKind()), Amount: amt, Note: it.GetNote()})
	}
	return out, p.c.Err()
}

func costViewToProto(v app.CostView) (*billingv1.CostSheet, []*billingv1.PriceComparison) {
	c := &billingv1.CostSheet{SchoolId: v.Sheet.SchoolID, TermId: v.Sheet.TermID, Students: int32(v.Sheet.Students),
		PeriodsPerStudent: v.Sheet.PeriodsPerStudent.String(), Total: pbconv.Money(v.Total), CostPerStudentPeriod: pbconv.Money(v.PerPeriod)}
	for _, it := range v.Sheet.Items {
		c.Items = append(c.Items, &billingv1.CostItem{Kind: string(it.Kind), Amount: pbconv.Money(it.Amount), Note: it.Note})
	}
	var cmp []*billingv1.PriceComparison
	for _, pc := range v.Comparisons {
		cmp = append(cmp, &billingv1.PriceComparison{ItemRuleId: pc.ItemRuleID, PricePerPeriod: pbconv.Money(pc.PricePerPeriod),
			CostPerStudentPeriod: pbconv.Money(pc.CostPerStudentPeriod), Coverage: pc.Coverage.StringFixed(4)})
	}
	return c, cmp
}

// PutCostSheet implements the RPC.
func (s *Server) PutCostSheet(ctx context.Context, req *billingv1.PutCostSheetRequest) (*billingv1.PutCostSheetResponse, error) {
	c, err := costSheetFromProto(req.GetSchoolId(), req.GetTermId(), req.GetCostSheet())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	v, err := s.fees.PutCostSheet(ctx, c)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	sheet, cmp := costViewToProto(v)
	return &billingv1.PutCostSheetResponse{CostSheet: sheet, Comparisons: cmp}, nil
}

// GetCostSheet implements the RPC.
func (s *Server) GetCostSheet(ctx context.Context, req *billingv1.GetCostSheetRequest) (*billingv1.GetCostSheetResponse, error) {
	v, err := s.fees.GetCostSheet(ctx, req.GetSchoolId(), req.GetTermId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	sheet, cmp := costViewToProto(v)
	return &billingv1.GetCostSheetResponse{CostSheet: sheet, Comparisons: cmp}, nil
}

func runRequestFromProto(r *billingv1.CreateFeeRunRequest) (app.RunRequest, error) {
	var p parser
	out := app.RunRequest{DistrictID: r.GetDistrictId(), RequestID: r.GetRequestId(), SchoolID: r.GetSchoolId(), TermID: r.GetTermId(),
		PeriodKind: fee.PeriodKind(r.GetPeriodKind()), On: p.date(r.GetOn(), "on", false)}
	if out.PeriodKind == "" {
		out.PeriodKind = fee.TermPeriod
	}
	if m := r.GetMonth(); m != "" {
		t, err := time.Parse("2006-01", m)
		if err != nil {
			p.c.Add("month", fmt.Sprintf("%q is not a month as YYYY-MM", m))
		} else {
			out.Month = civil.Date{Year: t.Year(), Month: t.Month(), Day: 1}
		}
	}
	return out, p.c.Err()
}

func runToProto(r runs.Run) *billingv1.FeeRun {
	return &billingv1.FeeRun{RunId: r.ID, RequestId: r.RequestID, DistrictId: r.DistrictID, SchoolId: r.SchoolID, TermId: r.TermID,
		PeriodKind: string(r.PeriodKind), PeriodStart: pdate(r.From), PeriodEnd: pdate(r.To), Status: r.Status, InputsHash: r.InputsHash,
		Statements: int32(r.Statements), Adjustments: int32(r.Adjustments), Unchanged: int32(r.Unchanged),
		ParentTotal: pbconv.Money(r.ParentTotal), CreateTime: timestamppb.New(r.CreateTime)}
}

// CreateFeeRun implements the RPC.
func (s *Server) CreateFeeRun(ctx context.Context, req *billingv1.CreateFeeRunRequest) (*billingv1.CreateFeeRunResponse, error) {
	rr, err := runRequestFromProto(req)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	run, err := s.fees.CreateRun(ctx, rr)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.CreateFeeRunResponse{Run: runToProto(run)}, nil
}

// GetFeeRun implements the RPC.
func (s *Server) GetFeeRun(ctx context.Context, req *billingv1.GetFeeRunRequest) (*billingv1.GetFeeRunResponse, error) {
	run, err := s.fees.GetRun(ctx, req.GetDistrictId(), req.GetRunId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.GetFeeRunResponse{Run: runToProto(run)}, nil
}

// ListFeeRuns implements the RPC. A school's finance officer (a finance
// role with a school) sees that school's runs only.
func (s *Server) ListFeeRuns(ctx context.Context, req *billingv1.ListFeeRunsRequest) (*billingv1.ListFeeRunsResponse, error) {
	school := req.GetSchoolId()
	if p, ok := auth.FromContext(ctx); ok && p.SchoolID != "" {
		school = p.SchoolID
	}
	all, err := s.fees.ListRuns(ctx, req.GetDistrictId(), school, req.GetTermId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.ListFeeRunsResponse{}
	for _, r := range all {
		resp.Runs = append(resp.Runs, runToProto(r))
	}
	return resp, nil
}

func parties(ps []fee.PartyAmount) []*billingv1.PartyAmount {
	var out []*billingv1.PartyAmount
	for _, p := range ps {
		out = append(out, &billingv1.PartyAmount{PartyId: p.PartyID, Amount: pbconv.Money(p.Amount)})
	}
	return out
}

func partyMap(m map[string]decimal.Decimal) []*billingv1.PartyAmount {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []*billingv1.PartyAmount
	for _, k := range keys {
		out = append(out, &billingv1.PartyAmount{PartyId: k, Amount: pbconv.Money(m[k])})
	}
	return out
}

func totalsToProto(t fee.Totals) *billingv1.FeeTotals {
	return &billingv1.FeeTotals{Gross: pbconv.Money(t.Gross), Net: pbconv.Money(t.Net), Parent: pbconv.Money(t.Parent),
		Subsidies: parties(t.Subsidies), Waivers: parties(t.Waivers), CollectedOnBehalf: parties(t.CollectedOnBehalf)}
}

func changeToProto(c fee.Change) *billingv1.FeeChange {
	return &billingv1.FeeChange{BaseStatements: int32(c.BaseStatements), CandidateStatements: int32(c.CandidateStatements),
		Base: totalsToProto(c.Base), Candidate: totalsToProto(c.Candidate), Delta: totalsToProto(c.Delta)}
}

// PreviewFeeRun implements the RPC.
func (s *Server) PreviewFeeRun(ctx context.Context, req *billingv1.PreviewFeeRunRequest) (*billingv1.PreviewFeeRunResponse, error) {
	rr, err := runRequestFromProto(req.GetRun())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	cand, err := scheduleFromProtoLoose(req.GetRun().GetDistrictId(), req.GetCandidate())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	rep, err := s.fees.Preview(ctx, rr, cand)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.PreviewFeeRunResponse{Total: changeToProto(rep.Total)}
	for _, sd := range rep.Schools {
		resp.Schools = append(resp.Schools, &billingv1.SchoolFeeChange{SchoolId: sd.SchoolID, Change: changeToProto(sd.Change)})
	}
	return resp, nil
}

// scheduleFromProtoLoose converts a what-if schedule, whose effective dates may be left out.
func scheduleFromProtoLoose(districtID string, s *billingv1.FeeSchedule) (fee.Schedule, error) {
	if s.GetEffectiveFrom() == nil {
		c, _ := proto.Clone(s).(*billingv1.FeeSchedule)
		if c == nil {
			c = &billingv1.FeeSchedule{}
		}
		c.EffectiveFrom = &commonv1.Date{Year: 2000, Month: 1, Day: 1}
		out, err := scheduleFromProto(districtID, c)
		out.EffectiveFrom = civil.Date{}
		return out, err
	}
	return scheduleFromProto(districtID, s)
}

func statementToProto(st statement.Issued) *billingv1.Statement {
	out := &billingv1.Statement{StatementId: st.StatementID, RunId: st.RunID, SchoolId: st.SchoolID, StudentId: st.StudentID,
		TermId: st.TermID, PeriodStart: pdate(st.From), PeriodEnd: pdate(st.To), Kind: st.Kind, CorrectsStatementId: st.Corrects,
		ScheduleId: st.Schedule.ScheduleID, ScheduleVersion: int32(st.Schedule.Version), DocumentNo: st.Schedule.DocumentNo,
		IssuedAt: timestamppb.New(st.IssuedAt), Revision: int32(st.Revision),
		Totals: &billingv1.FeeTotals{Gross: pbconv.Money(st.Totals.Gross), Net: pbconv.Money(st.Totals.Net), Parent: pbconv.Money(st.Totals.Parent),
			Subsidies: partyMap(st.Totals.Subsidies), Waivers: partyMap(st.Totals.Waivers), CollectedOnBehalf: partyMap(st.Totals.CollectedOnBehalf)}}
	for i, l := range st.Lines {
		pl := &billingv1.StatementLine{LineNo: int32(i + 1), LineType: l.LineType, RuleId: l.RuleID, DocumentNo: l.DocumentNo, Name: l.Name,
			Unit: l.Unit, Quantity: l.Quantity.String(), UnitRate: l.UnitRate.String(), Gross: pbconv.Money(l.Gross), Net: pbconv.Money(l.Net),
			Parent: pbconv.Money(l.Parent), ProviderId: l.ProviderID, ServiceKind: l.ServiceKind,
			DaysScheduled: int32(l.Detail.DaysScheduled), DaysEnrolled: int32(l.Detail.DaysEnrolled), DaysCancelled: int32(l.Detail.DaysCancelled),
			DaysShort: int32(l.Detail.DaysShort), DaysLeave: int32(l.Detail.DaysLeave), DaysServed: int32(l.Detail.DaysServed),
			HolidayQuantity: str(l.Detail.HolidayQuantity), HolidayRate: str(l.Detail.HolidayRate), Surcharge: str(l.Detail.Surcharge)}
		for _, a := range l.Adjustments {
			pl.Adjustments = append(pl.Adjustments, &billingv1.StatementAdjustment{Kind: a.Kind, Amount: pbconv.Money(a.Amount), RuleId: a.RuleID, DocumentNo: a.DocumentNo})
		}
		for _, sh := range l.Subsidies {
			pl.Subsidies = append(pl.Subsidies, &billingv1.StatementShare{PayerId: sh.PayerID, Amount: pbconv.Money(sh.Amount), RuleId: sh.RuleID, DocumentNo: sh.DocumentNo})
		}
		for _, sh := range l.Waivers {
			pl.Waivers = append(pl.Waivers, &billingv1.StatementShare{PayerId: sh.PayerID, Amount: pbconv.Money(sh.Amount), RuleId: sh.RuleID,
				DocumentNo: sh.DocumentNo, Category: sh.Category})
		}
		out.Lines = append(out.Lines, pl)
	}
	return out
}

// ListStudentStatements implements the RPC.
func (s *Server) ListStudentStatements(ctx context.Context, req *billingv1.ListStudentStatementsRequest) (*billingv1.ListStudentStatementsResponse, error) {
	if err := s.fees.CheckTerm(ctx, req.GetSchoolId(), req.GetTermId()); err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	sts, total, err := s.fees.StudentStatements(ctx, req.GetSchoolId(), req.GetStudentId(), req.GetTermId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.ListStudentStatementsResponse{ParentTotal: pbconv.Money(total)}
	for _, st := range sts {
		resp.Statements = append(resp.Statements, statementToProto(st))
	}
	return resp, nil
}

// ListClaims implements the RPC.
func (s *Server) ListClaims(ctx context.Context, req *billingv1.ListClaimsRequest) (*billingv1.ListClaimsResponse, error) {
	var p parser
	from, to := p.date(req.GetFrom(), "from", true), p.date(req.GetTo(), "to", true)
	if err := p.c.Err(); err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	if err := s.fees.CheckDistrict(ctx, req.GetDistrictId()); err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	c, err := s.fees.Claims(ctx, req.GetDistrictId(), req.GetSchoolId(), from, to)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.ListClaimsResponse{Subsidies: partyMap(c.Subsidies), Waivers: partyMap(c.Waivers), Parent: pbconv.Money(c.Parent),
		Statements: int32(c.Statements)}, nil
}

// VerifyFeeRun implements the RPC: it replays a run from its stored inputs.
func (s *Server) VerifyFeeRun(ctx context.Context, req *billingv1.VerifyFeeRunRequest) (*billingv1.VerifyFeeRunResponse, error) {
	v, err := s.fees.VerifyRun(ctx, req.GetDistrictId(), req.GetRunId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.VerifyFeeRunResponse{Run: runToProto(v.Run), Schools: int32(v.Schools), Students: int32(v.Students),
		InputsHashMatches: v.HashMatches, RecomputedInputsHash: v.RecomputedHash, SchoolsHashDiffering: v.SchoolsHashDiffering,
		StatementsChecked: int32(v.StatementsChecked), StatementsIdentical: int32(v.StatementsIdentical),
		StatementsDiffering: v.StatementsDiffering, UnchangedChecked: int32(v.UnchangedChecked),
		UnchangedDiffering: v.UnchangedDiffering, Identical: v.Identical()}, nil
}
