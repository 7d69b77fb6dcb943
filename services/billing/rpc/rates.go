package rpc

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/shopspring/decimal"
)

// clockMinutes parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
func (p *parser) clock(s, field string, required bool) int {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			p.c.Add(field, `is required: a clock time "HH:MM"`)
		}
		return 0
	}
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		p.c.Add(field, fmt.Sprintf(`%q is not a clock time "HH:MM" from 00:00 to 24:00`, s))
		return 0
	}
	return hh*60 + mm
}

func clockString(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func nullString(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

func rateTableFromProto(districtID string, t *billingv1.RateTable) (pay.RateTable, error) {
	var p parser
	out := pay.RateTable{
		ID: t.GetRateTableId(), Scope: fee.Scope{DistrictID: districtID, SchoolID: t.GetSchoolId()}, Name: t.GetName(),
		DocumentNo: t.GetDocumentNo(), EffectiveFrom: p.date(t.GetEffectiveFrom(), "effective_from", true),
		EffectiveTo: p.date(t.GetEffectiveTo(), "effective_to", false), Rounding: money.RoundingRule(t.GetRoundingRule()),
	}
	if out.Rounding == "" {
		out.Rounding = money.HalfUp
	}
	for i, r := range t.GetRules() {
		f := fmt.Sprintf("rules[%d].", i)
		pr := pay.Rule{RuleID: r.GetRuleId(), Name: r.GetName(), StaffKinds: r.GetStaffKinds(), Roles: r.GetRoles(),
			Unit: pay.Unit(r.GetUnit()), Rate: p.dec(r.GetRate(), f+"rate", r.GetUnit() != string(pay.PerMinute)),
			WeekendHolidayRate: p.nullDec(r.GetWeekendHolidayRate(), f+"weekend_holiday_rate"),
			ClassSizeThreshold: int(r.GetClassSizeThreshold()), ExtraPerStudent: p.dec(r.GetExtraPerStudent(), f+"extra_per_student", false),
			Treatment: pay.Treatment(r.GetTreatment())}
		if pr.Unit == pay.PerMinute {
			pr.WindowFrom = p.clock(r.GetWindowStart(), f+"window_start", true)
			pr.WindowTo = p.clock(r.GetWindowEnd(), f+"window_end", true)
		}
		for j, b := range r.GetBlocks() {
			bf := fmt.Sprintf("%sblocks[%d].", f, j)
			pr.Blocks = append(pr.Blocks, pay.Block{From: p.clock(b.GetStart(), bf+"start", true), To: p.clock(b.GetEnd(), bf+"end", true),
				Rate: p.dec(b.GetRate(), bf+"rate", true), WeekendHolidayRate: p.nullDec(b.GetWeekendHolidayRate(), bf+"weekend_holiday_rate")})
		}
		out.Rules = append(out.Rules, pr)
	}
	if len(t.GetMultipliers()) > 0 {
		out.Multipliers = map[string]decimal.Decimal{}
		for _, k := range slices.Sorted(maps.Keys(t.GetMultipliers())) {
			out.Multipliers[k] = p.dec(t.GetMultipliers()[k], "multipliers."+k, true)
		}
	}
	if a := t.GetClassTeacher(); a != nil {
		out.ClassTeacher = &pay.ClassTeacherAllowance{RuleID: a.GetRuleId(), PerMonth: p.dec(a.GetPerMonth(), "class_teacher.per_month", false),
			PerStudent: p.dec(a.GetPerStudent(), "class_teacher.per_student", false), Treatment: pay.Treatment(a.GetTreatment())}
	}
	if m := t.GetManagement(); m != nil {
		out.Management = &pay.ManagementShare{RuleID: m.GetRuleId(), Share: p.dec(m.GetShare(), "management.share", true), Treatment: pay.Treatment(m.GetTreatment())}
	}
	for i, c := range t.GetCaps() {
		f := fmt.Sprintf("caps[%d].", i)
		out.Caps = append(out.Caps, pay.Cap{RuleID: c.GetRuleId(), StaffKind: c.GetStaffKind(),
			PerMonth: p.nullDec(c.GetPerMonth(), f+"per_month"), PerTerm: p.nullDec(c.GetPerTerm(), f+"per_term")})
	}
	return out, p.c.Err()
}

func rateTableToProto(t pay.RateTable) *billingv1.RateTable {
	out := &billingv1.RateTable{RateTableId: t.ID, Version: int32(t.Version), DistrictId: t.Scope.DistrictID, SchoolId: t.Scope.SchoolID,
		Name: t.Name, DocumentNo: t.DocumentNo, EffectiveFrom: pdate(t.EffectiveFrom), EffectiveTo: pdate(t.EffectiveTo),
		RoundingRule: string(t.Rounding)}
	for _, r := range t.Rules {
		pr := &billingv1.PayRule{RuleId: r.RuleID, Name: r.Name, StaffKinds: r.StaffKinds, Roles: r.Roles, Unit: string(r.Unit),
			WeekendHolidayRate: nullString(r.WeekendHolidayRate), ClassSizeThreshold: int32(r.ClassSizeThreshold), Treatment: string(r.Treatment)}
		if r.Unit != pay.PerMinute {
			pr.Rate = r.Rate.String()
		} else {
			pr.WindowStart, pr.WindowEnd = clockString(r.WindowFrom), clockString(r.WindowTo)
		}
		if r.ClassSizeThreshold > 0 {
			pr.ExtraPerStudent = r.ExtraPerStudent.String()
		}
		for _, b := range r.Blocks {
			pr.Blocks = append(pr.Blocks, &billingv1.TimeBlock{Start: clockString(b.From), End: clockString(b.To), Rate: b.Rate.String(),
				WeekendHolidayRate: nullString(b.WeekendHolidayRate)})
		}
		out.Rules = append(out.Rules, pr)
	}
	if len(t.Multipliers) > 0 {
		out.Multipliers = map[string]string{}
		for k, v := range t.Multipliers {
			out.Multipliers[k] = v.String()
		}
	}
	if a := t.ClassTeacher; a != nil {
		out.ClassTeacher = &billingv1.ClassTeacherAllowance{RuleId: a.RuleID, PerMonth: a.PerMonth.String(), PerStudent: a.PerStudent.String(), Treatment: string(a.Treatment)}
	}
	if m := t.Management; m != nil {
		out.Management = &billingv1.ManagementShare{RuleId: m.RuleID, Share: m.Share.String(), Treatment: string(m.Treatment)}
	}
	for _, c := range t.Caps {
		out.Caps = append(out.Caps, &billingv1.PayCap{RuleId: c.RuleID, StaffKind: c.StaffKind, PerMonth: nullString(c.PerMonth), PerTerm: nullString(c.PerTerm)})
	}
	return out
}

// CreateRateTable implements the RPC.
func (s *RemunerationServer) CreateRateTable(ctx context.Context, req *billingv1.CreateRateTableRequest) (*billingv1.CreateRateTableResponse, error) {
	t, err := rateTableFromProto(req.GetDistrictId(), req.GetRateTable())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	out, err := s.app.CreateRateTable(ctx, t)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.CreateRateTableResponse{RateTable: rateTableToProto(out)}, nil
}

// GetRateTable implements the RPC.
func (s *RemunerationServer) GetRateTable(ctx context.Context, req *billingv1.GetRateTableRequest) (*billingv1.GetRateTableResponse, error) {
	out, err := s.app.GetRateTable(ctx, req.GetDistrictId(), req.GetRateTableId(), int(req.GetVersion()))
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.GetRateTableResponse{RateTable: rateTableToProto(out)}, nil
}

// ListRateTables implements the RPC.
func (s *RemunerationServer) ListRateTables(ctx context.Context, req *billingv1.ListRateTablesRequest) (*billingv1.ListRateTablesResponse, error) {
	all, err := s.app.ListRateTables(ctx, req.GetDistrictId(), req.GetSchoolId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.ListRateTablesResponse{}
	for _, t := range all {
		resp.RateTables = append(resp.RateTables, rateTableToProto(t))
	}
	return resp, nil
}
