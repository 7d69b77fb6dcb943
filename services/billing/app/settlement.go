package app

import (
	"context"
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"strings"
	"time"

	"github.com/kehou/kehou/services/billing/domain/institution"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/payrun"
	"github.com/kehou/kehou/services/billing/domain/runs"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
)

// SettlementStore is what an institution settlement reads.
type SettlementStore interface {
	// InstitutionStatements returns, per school, the institution's
	// instructors' pay statements of a district's month.
	InstitutionStatements(ctx context.Context, districtID, institutionID string, year, month int) (map[string][]payrun.Statement, error)
	// InstitutionPaid is, per school, what pay disbursements paid the
	// institution's instructors for the month and what the month's
	// settlement payments passed on of the fees collected on its behalf.
	InstitutionPaid(ctx context.Context, districtID, institutionID string, year, month int) (map[string]institution.Paid, error)
	// PayInstitution reads, under the locks of the institution's month and
	// of each school's pay month, what every school still owes it for the
	// month into p.Schools, lets fn check the payment and build the
	// postings, and writes them with the payment; a request id seen before
	// returns the payment it wrote (replayed).
	PayInstitution(ctx context.Context, p institution.Payment, fn func(*institution.Payment) ([]ledger.Posting, error)) (institution.Payment, bool, error)
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
	paid, err := r.settle.InstitutionPaid(ctx, districtID, institutionID, year, month)
	if err != nil {
		return institution.Settlement{}, err
	}
	from := civil.New(year, time.Month(month), 1)
	to := from.AddMonths(1).AddDays(-1)
	provider := "payable:provider:" + institutionID
	var months []institution.SchoolMonth
	for _, sc := range schools {
		sm := institution.SchoolMonth{SchoolID: sc.ID, Statements: sts[sc.ID], LabourPaid: paid[sc.ID].Labour,
			PaidOut: paid[sc.ID].Collected}
		sums, err := r.store.LedgerSums(ctx, districtID, sc.ID, from, to)
		if err != nil {
			return institution.Settlement{}, err
		}
		for _, s := range sums {
			if s.Account != provider {
				continue
			}
			// What was passed on is counted by the month it settles (above),
			// not by the payout's date.
			if s.Kind == "charge" || s.Kind == "adjustment" {
				sm.Billed = sm.Billed.Sub(s.Amount)
			}
		}
		months = append(months, sm)
	}
	return institution.Settle(institutionID, year, month, months), nil
}

// PayInstitutionSettlement pays an institution's month (机构结算付款): in each
// school, its instructors' labour not yet paid (a pay disbursement of the
// school's month: Dr payable:institution, Cr cash) and the fees collected
// on its behalf in the month not yet passed on (a provider payout: Dr
// payable:provider, Cr cash), all in one transaction. The amount must be
// what the settlement says is due; nothing due (paid already) is refused.
// The same request id returns the first payment. Paying a school's month
// for its instructors counts as paying the month: a later pay run of that
// month issues adjustments only, as after PayMonth.
func (r *Reconciliation) PayInstitutionSettlement(ctx context.Context, p institution.Payment) (institution.Payment, bool, error) {
	var c fault.Collector
	c.Check(strings.TrimSpace(p.RequestID) != "", "request_id", "is required")
	c.Check(strings.TrimSpace(p.InstitutionID) != "", "institution_id", "is required")
	c.Check(p.Year >= 2000 && p.Year <= 2100, "year", "must be 2000–2100")
	c.Check(p.Month >= 1 && p.Month <= 12, "month", "must be 1–12")
	c.Check(p.Amount.IsPositive() && p.Amount.Equal(p.Amount.Round(2)), "amount", "must be more than zero, in whole fen")
	today := civil.Of(time.Now().In(time.FixedZone("CST", 8*3600))).Time()
	if p.PaidOn.IsZero() {
		p.PaidOn = today
	}
	c.Check(!p.PaidOn.After(today), "paid_on", "is in the future")
	if err := c.Err(); err != nil {
		return institution.Payment{}, false, err
	}
	if err := r.feed.CheckDistrict(ctx, p.DistrictID); err != nil {
		return institution.Payment{}, false, err
	}
	if p.Channel == "" {
		p.Channel = "bank"
	}
	p.ID = runs.NewID("instpay")
	p.Fingerprint = moneyFingerprint("institution_payment", p.InstitutionID, fmt.Sprintf("%04d-%02d", p.Year, p.Month),
		p.Amount.StringFixed(2), p.Channel, p.PaidOn.Format(time.DateOnly))
	got, replayed, err := r.settle.PayInstitution(ctx, p, func(p *institution.Payment) ([]ledger.Posting, error) {
		if err := institution.CheckPayment(p.Amount, p.Total()); err != nil {
			return nil, err
		}
		var posts []ledger.Posting
		month := fmt.Sprintf("%04d-%02d", p.Year, p.Month)
		for i := range p.Schools {
			sp := &p.Schools[i]
			if sp.Labour.IsPositive() {
				sp.DisbursementID = fmt.Sprintf("%s_%d", p.ID, i+1)
				posts = append(posts, ledger.Posting{DistrictID: p.DistrictID, SchoolID: sp.SchoolID, PostingID: sp.DisbursementID,
					Kind: ledger.KindPayPayment, Reference: p.ID, Memo: "机构结算付款（劳务费） " + p.InstitutionID + " " + month,
					EffectiveDate: p.PaidOn, Entries: []ledger.Entry{{Account: ledger.InstitutionPayable(p.InstitutionID), Amount: sp.Labour},
						{Account: ledger.Cash(p.Channel), Amount: sp.Labour.Neg()}}})
			}
			if sp.Collected.IsPositive() {
				posts = append(posts, ledger.Posting{DistrictID: p.DistrictID, SchoolID: sp.SchoolID, PostingID: fmt.Sprintf("%s_%d_payout", p.ID, i+1),
					Kind: ledger.KindProviderPayout, Reference: p.ID, Memo: "机构结算付款（代收转付） " + p.InstitutionID + " " + month,
					EffectiveDate: p.PaidOn, Entries: []ledger.Entry{{Account: ledger.ProviderPayable(p.InstitutionID), Amount: sp.Collected},
						{Account: ledger.Cash(p.Channel), Amount: sp.Collected.Neg()}}})
			}
		}
		return posts, nil
	})
	if err != nil {
		return institution.Payment{}, false, err
	}
	if replayed && got.Fingerprint != p.Fingerprint {
		return institution.Payment{}, false, fault.Invalid("request_id", "was already used for another payment; use a new id for a new payment")
	}
	return got, replayed, nil
}

// ExportInstitutionSettlement writes the settlement as a file: sheet 机构结算
// (one row per school: 课酬, 封顶扣减, 应付劳务费, 已付劳务费, 代收费用, 已转付,
// 应付合计 = 应付劳务费 − 已付劳务费 + 代收费用 − 已转付; 合计), sheet 课时明细 (every session line).
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
		{Header: "封顶扣减", Kind: sheet.Amount}, {Header: "应付劳务费", Kind: sheet.Amount}, {Header: "已付劳务费", Kind: sheet.Amount},
		{Header: "代收费用", Kind: sheet.Amount},
		{Header: "已转付", Kind: sheet.Amount}, {Header: "应付合计", Kind: sheet.Amount}}); err != nil {
		return err
	}
	for _, t := range s.Schools {
		if err := w.Row(sheet.S(t.SchoolID), sheet.A(t.Earned), sheet.A(t.HeldBack), sheet.A(t.Labour), sheet.A(t.LabourPaid), sheet.A(t.CollectedOnBehalf),
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
