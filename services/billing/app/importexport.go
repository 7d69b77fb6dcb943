package app

import (
	"cmp"
	"context"
	"io"
	"slices"
	"time"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/shopspring/decimal"
)

// ExportFile names the file an export writes and its media type.
func ExportFile(kind, format string, template bool) (name, contentType string) {
	what := kind
	if template {
		what += "-template"
	}
	f, _ := sheet.ParseFormat(format)
	return what + f.Ext(), f.ContentType()
}

// Export writes the latest version of every fee schedule or rate table of
// the district (with schoolID, of that school's own only, so importing the
// file back under the same school changes nothing) in the import layout,
// or, with template, the headers, example rows and (xlsx) the allowed
// values on a second sheet.
func (im *Imports) Export(ctx context.Context, districtID, schoolID, kind, format string, template bool, out io.Writer) error {
	if _, err := ImportColumns(kind); err != nil {
		return err
	}
	f, ok := sheet.ParseFormat(format)
	if !ok {
		return fault.Invalid("format", "must be xlsx, csv or csv-gb18030")
	}
	if err := im.fees.CheckDistrict(ctx, districtID); err != nil {
		return err
	}
	cols := feeColumns
	if kind == KindRateTables {
		cols = rateColumns
	}
	var rows []keyed
	switch {
	case template && kind == KindFeeSchedules:
		rows = feeRows(exampleSchedule(districtID, schoolID))
	case template:
		rows = rateRows(exampleRateTable(districtID, schoolID))
	case kind == KindFeeSchedules:
		all, err := im.fees.store.ListSchedules(ctx, districtID, schoolID, false)
		if err != nil {
			return err
		}
		for _, s := range latestSchedules(all) {
			if schoolID == "" || s.Scope.SchoolID == schoolID {
				rows = append(rows, feeRows(s)...)
			}
		}
	default:
		all, err := im.rates.store.ListRateTables(ctx, districtID, schoolID)
		if err != nil {
			return err
		}
		for _, t := range pay.LatestVersions(all) {
			if schoolID == "" || t.Scope.SchoolID == schoolID {
				rows = append(rows, rateRows(t)...)
			}
		}
	}
	w, err := sheet.NewWriter(out, f)
	if err != nil {
		return err
	}
	// Every cell is text: a rate written as a number would come back from
	// Excel as 2.5000000001, a 文号 or id could lose its zeros.
	sc := make([]sheet.Column, len(cols))
	for i, c := range cols {
		sc[i] = sheet.Column{Header: c.Chinese}
	}
	if err := w.Sheet("数据", sc); err != nil {
		return err
	}
	for _, r := range rows {
		vals := make([]sheet.Value, len(r.cells))
		for i, c := range r.cells {
			vals[i] = sheet.S(c)
			if c == "" {
				vals[i] = sheet.Blank()
			}
		}
		if err := w.Row(vals...); err != nil {
			return err
		}
	}
	if template && f == sheet.XLSX { // a second block would break a CSV template's import
		if err := w.Sheet("说明", []sheet.Column{{Header: "列", Width: 16}, {Header: "Column", Width: 22}, {Header: "必填", Width: 8},
			{Header: "每个版本填一次", Width: 10}, {Header: "可填的值 / Allowed values", Width: 80}}); err != nil {
			return err
		}
		for _, c := range cols {
			req, once := "", ""
			if c.Required {
				req = "是"
			}
			if c.version {
				once = "是"
			}
			if err := w.Row(sheet.S(c.Chinese), sheet.S(c.English), sheet.S(req), sheet.S(once), sheet.S(c.allowed)); err != nil {
				return err
			}
		}
	}
	return w.Close()
}

// latestSchedules keeps the highest version of each schedule id, by scope and id.
func latestSchedules(all []fee.Schedule) []fee.Schedule {
	best := map[string]fee.Schedule{}
	for _, s := range all {
		if b, ok := best[s.ID]; !ok || s.Version > b.Version {
			best[s.ID] = s
		}
	}
	out := make([]fee.Schedule, 0, len(best))
	for _, s := range best {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b fee.Schedule) int {
		return cmp.Or(cmp.Compare(a.Scope.SchoolID, b.Scope.SchoolID), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// exampleSchedule is the template's example: one row of each type.
func exampleSchedule(districtID, schoolID string) fee.Schedule {
	d := decimal.RequireFromString
	return fee.Schedule{ID: "fs-2026-autumn", Version: 1, Scope: fee.Scope{DistrictID: districtID, SchoolID: schoolID},
		EffectiveFrom: civil.New(2026, time.September, 1), EffectiveTo: civil.New(2027, time.January, 31),
		DocumentNo: "X价〔2026〕12号", RoundingRule: money.HalfUp, BillingMode: fee.PrepaidTerm,
		Calendar:  fee.Calendar{DaysPerMonth: d("22"), MonthsPerTerm: d("4.5")},
		Proration: fee.ProrationPolicy{RuleID: "proration", Kind: fee.HalfMonth},
		Items: []fee.Item{{RuleID: "basic", Name: "基础托管服务费", Kind: fee.BasicCare, Unit: fee.PerPeriod, Rate: d("2.5"),
			CapPerMonth: decimal.NewNullDecimal(d("100"))}},
		Subsidies: []fee.SubsidyRule{{RuleID: "gov", Kind: fee.PerStudentTerm, Amount: d("100"), RatioWhole: d("10"),
			Payers: []fee.PayerRatio{{PayerID: "city-finance", Ratio: d("4")}, {PayerID: "district-finance", Ratio: d("6")}}}},
		Waivers: []fee.WaiverRule{{RuleID: "dibao", Category: fee.Dibao, Percent: d("1"), RequiresApproval: true, PayerID: "district-finance"}},
	}
}

// exampleRateTable is the rate template's example: a rule per period, a
// rule per minute with its two blocks, a multiplier, both allowances and a cap.
func exampleRateTable(districtID, schoolID string) pay.RateTable {
	d := decimal.RequireFromString
	return pay.RateTable{ID: "rt-2026", Version: 1, Scope: fee.Scope{DistrictID: districtID, SchoolID: schoolID}, Name: "课后服务课酬标准",
		DocumentNo: "X教〔2026〕8号", EffectiveFrom: civil.New(2026, time.September, 1), Rounding: money.HalfUp,
		Rules: []pay.Rule{
			{RuleID: "period", Name: "课后服务课酬", StaffKinds: []string{"teacher"}, Unit: pay.PerPeriod, Rate: d("50"), Treatment: pay.OutsideTotal},
			{RuleID: "late", Name: "延时看护", Unit: pay.PerMinute, WindowFrom: 16*60 + 30, WindowTo: 18 * 60, Treatment: pay.OutsideTotal,
				Blocks: []pay.Block{{From: 16*60 + 30, To: 17*60 + 30, Rate: d("0.8")}, {From: 17*60 + 30, To: 18 * 60, Rate: d("1")}}},
		},
		Multipliers:  map[string]decimal.Decimal{pay.DutySupervisionOnly: d("0.8")},
		ClassTeacher: &pay.ClassTeacherAllowance{RuleID: "class-teacher", PerMonth: d("200"), PerStudent: d("2"), Treatment: pay.OutsideTotal},
		Management:   &pay.ManagementShare{RuleID: "management", Share: d("0.05"), Treatment: pay.SeparateIncrement},
		Caps:         []pay.Cap{{RuleID: "cap-teacher", StaffKind: "teacher", PerMonth: decimal.NewNullDecimal(d("3000"))}},
	}
}
