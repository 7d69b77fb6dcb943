package app

import (
	"context"
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"strings"
	"time"

	"github.com/kehou/kehou/services/billing/domain/institution"
	"github.com/kehou/kehou/services/billing/domain/payrun"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
)

// SettlementStore is what an institution settlement reads.
type SettlementStore interface {
	// InstitutionStatements returns, per school, the institution's
	// instructors' pay statements of a district's month.
	InstitutionStatements(ctx context.Context, districtID, institutionID string, year, month int) (map[string][]payrun.Statement, error)
}

// InstitutionSettlement is an institution's month (机构结算) across the
// schools of a district: its instructors' sessions as the pay runs paid
// them, and the fees billed on its behalf less what was passed on.
func (r *Reconciliation) InstitutionSettlement(ctx context.Context, districtID, institutionID string, year, month int) (institution.Settlement, error) {
	v := fault.ValidationError{Subject: "settlement"}
	if strings.TrimSpace(institutionID) == "" {
		v.Addf("institution_id", "is required")
	}
	if year < 2000 || year > 2100 {
		v.Addf("year", "must be 2000–2100")
	}
	if month < 1 || month > 12 {
		v.Addf("month", "must be 1–12")
	}
	if err := v.Err(); err != nil {
		return institution.Settlement{}, err
	}
	if err := r.feed.CheckDistrict(ctx, districtID); err != nil {
		return institution.Settlement{}, err
	}
	sts, err := r.settle.InstitutionStatements(ctx, districtID, institutionID, year, month)
	if err != nil {
		return institution.Settlement{}, err
	}
	schools, err := r.feed.Schools(ctx, districtID)
	if err != nil {
		return institution.Settlement{}, err
	}
	from := civil.New(year, time.Month(month), 1)
	to := from.AddMonths(1).AddDays(-1)
	provider := "payable:provider:" + institutionID
	var months []institution.SchoolMonth
	for _, sc := range schools {
		sm := institution.SchoolMonth{SchoolID: sc.ID, Statements: sts[sc.ID]}
		sums, err := r.store.LedgerSums(ctx, districtID, sc.ID, from, to)
		if err != nil {
			return institution.Settlement{}, err
		}
		for _, s := range sums {
			if s.Account != provider {
				continue
			}
			switch s.Kind {
			case "charge", "adjustment":
				sm.Billed = sm.Billed.Sub(s.Amount)
			case "provider_payout":
				sm.PaidOut = sm.PaidOut.Add(s.Amount)
			}
		}
		months = append(months, sm)
	}
	return institution.Settle(institutionID, year, month, months), nil
}

// ExportInstitutionSettlement writes the settlement as a file: sheet 机构结算
// (one row per school, 合计), sheet 课时明细 (every session line).
func (r *Reconciliation) ExportInstitutionSettlement(ctx context.Context, districtID, institutionID string, year, month int, format string, open Open) error {
	f, ok := sheet.ParseFormat(format)
	if !ok {
		return fault.Invalid("format", fmt.Sprintf("must be xlsx, csv or csv-gb18030, not %q", format))
	}
	s, err := r.InstitutionSettlement(ctx, districtID, institutionID, year, month)
	if err != nil {
		return err
	}
	out, err := open(File{Name: fmt.Sprintf("机构结算-%s-%04d-%02d%s", institutionID, year, month, f.Ext()), ContentType: f.ContentType()})
	if err != nil {
		return err
	}
	w, err := sheet.NewWriter(out, f)
	if err != nil {
		return err
	}
	if err := w.Sheet("机构结算", []sheet.Column{{Header: "学校", Kind: sheet.Text, Width: 18}, {Header: "课酬", Kind: sheet.Amount},
		{Header: "封顶扣减", Kind: sheet.Amount}, {Header: "应付劳务费", Kind: sheet.Amount}, {Header: "代收费用", Kind: sheet.Amount},
		{Header: "已转付", Kind: sheet.Amount}, {Header: "应付合计", Kind: sheet.Amount}}); err != nil {
		return err
	}
	for _, t := range s.Schools {
		if err := w.Row(sheet.S(t.SchoolID), sheet.A(t.Earned), sheet.A(t.HeldBack), sheet.A(t.Labour), sheet.A(t.CollectedOnBehalf),
			sheet.A(t.PaidOut), sheet.A(t.Due)); err != nil {
			return err
		}
	}
	if err := w.Total("合计"); err != nil {
		return err
	}
	if err := w.Sheet("课时明细", []sheet.Column{{Header: "学校", Kind: sheet.Text, Width: 18}, {Header: "工号", Kind: sheet.Text, Width: 16},
		{Header: "单据号", Kind: sheet.Text, Width: 24}, {Header: "版次", Kind: sheet.Count}, {Header: "课时记录", Kind: sheet.Text, Width: 20},
		{Header: "日期", Kind: sheet.Date}, {Header: "开始", Kind: sheet.Text}, {Header: "结束", Kind: sheet.Text},
		{Header: "职责", Kind: sheet.Text}, {Header: "课时", Kind: sheet.Text}, {Header: "单价", Kind: sheet.Text},
		{Header: "金额", Kind: sheet.Amount}, {Header: "文号", Kind: sheet.Text, Width: 20}}); err != nil {
		return err
	}
	for _, l := range s.Lines {
		date := sheet.Blank()
		if !l.Date.IsZero() {
			date = sheet.D(time.Date(l.Date.Year, l.Date.Month, l.Date.Day, 0, 0, 0, 0, time.UTC))
		}
		if err := w.Row(sheet.S(l.SchoolID), sheet.S(l.StaffID), sheet.S(l.StatementID), sheet.N(int64(l.Revision)), sheet.S(l.RecordID),
			date, sheet.S(clock(l.StartMinute)), sheet.S(clock(l.EndMinute)), sheet.S(label(duties, l.Duty)),
			sheet.S(l.Periods.StringFixed(4)), sheet.S(l.Rate.String()), sheet.A(l.Amount), sheet.S(l.DocumentNo)); err != nil {
			return err
		}
	}
	if err := w.Total("合计"); err != nil {
		return err
	}
	return w.Close()
}
