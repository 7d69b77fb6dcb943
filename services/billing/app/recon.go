package app

import (
	"context"
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"time"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/domain/recon"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/shopspring/decimal"
)

// ReconStore is what a reconciliation reads from billing's own tables.
type ReconStore interface {
	// LedgerSums sums a school's ledger entries effective in [from, to] by
	// posting kind and account.
	LedgerSums(ctx context.Context, districtID, schoolID string, from, to civil.Date) ([]recon.Sum, error)
	// ReconLines returns the pay lines of a school's months [from, to]
	// (year*12+month-1 numbers).
	ReconLines(ctx context.Context, districtID, schoolID string, from, to int) ([]recon.Line, error)
	// ReconPay returns the pay statements of those months.
	ReconPay(ctx context.Context, districtID, schoolID string, from, to int) ([]recon.Pay, error)
	CostSheet(ctx context.Context, districtID, schoolID, termID string) (*fee.CostSheet, error)
	// PutShareLimits writes the next version of a scope's share limits, or
	// returns the one an earlier request with the same id wrote (replayed).
	PutShareLimits(ctx context.Context, s recon.Setting) (recon.Setting, bool, error)
	// ShareLimitsInForce is the school's version in force on day, else the
	// district's; ok is false when neither has one.
	ShareLimitsInForce(ctx context.Context, districtID, schoolID string, day civil.Date) (recon.Setting, bool, error)
	// ShareLimitVersions is every version of one scope, newest first.
	ShareLimitVersions(ctx context.Context, districtID, schoolID string) ([]recon.Setting, error)
}

// Reconciliation is the reconciliation use cases (对账).
type Reconciliation struct {
	store  ReconStore
	settle SettlementStore
	feed   Feed
	runs   *PayRuns
}

// NewReconciliation returns the reconciliation use cases (and institution
// settlements); runs supplies what the rate tables pay for each approved hour.
func NewReconciliation(store interface {
	ReconStore
	SettlementStore
}, feed Feed, runs *PayRuns) *Reconciliation {
	return &Reconciliation{store: store, settle: store, feed: feed, runs: runs}
}

// ReconRequest names a period: a term, or a month (Year, Month), and
// optionally share limits that override the stored ones ("what if").
type ReconRequest struct {
	SchoolID    string
	TermID      string
	Year, Month int
	Override    LimitOverride
}

// LimitOverride is a request's own share limits; a nil field keeps the
// stored setting (or the default when none is stored).
type LimitOverride struct {
	Labour, Management *decimal.Decimal
}

// SchoolRecon is a school's reconciliation of a period.
type SchoolRecon struct {
	SchoolID string
	From, To civil.Date
	Limits   recon.Limits
	// LimitsSource says where Limits came from (recon.SourceDefault,
	// SourceDistrict, SourceSchool or SourceRequest) and LimitsVersion is
	// the stored version used (0 when none).
	LimitsSource  string
	LimitsVersion int
	Report        recon.Report
}

// ParseLimits reads the share limits of a request ("" keeps the stored
// setting); each must be a fraction in [0, 1].
func ParseLimits(labour, management string) (LimitOverride, error) {
	var o LimitOverride
	v := fault.ValidationError{Subject: "reconciliation"}
	for _, f := range []struct {
		field, s string
		dst      **decimal.Decimal
	}{{"labour_share_limit", labour, &o.Labour}, {"management_share_limit", management, &o.Management}} {
		if f.s == "" {
			continue
		}
		d, err := decimal.NewFromString(f.s)
		if err != nil || d.IsNegative() || d.GreaterThan(decimal.NewFromInt(1)) {
			v.Addf(f.field, "must be a fraction from 0 to 1, like 0.60, not %q", f.s)
			continue
		}
		*f.dst = &d
	}
	return o, v.Err()
}

// limitsFor is the share limits a school's (or, with schoolID empty, the
// district's) period ending on day is checked against: the stored version
// in force that day (the school's override, else the district's, else
// recon.DefaultLimits), then the request's override field by field.
func (r *Reconciliation) limitsFor(ctx context.Context, districtID, schoolID string, day civil.Date, o LimitOverride) (recon.Limits, string, int, error) {
	set, ok, err := r.store.ShareLimitsInForce(ctx, districtID, schoolID, day)
	if err != nil {
		return recon.Limits{}, "", 0, err
	}
	if !ok {
		set = recon.Setting{Limits: recon.DefaultLimits()}
	}
	l, source := set.Limits, set.Source()
	if o.Labour != nil {
		l.LabourShare, source = *o.Labour, recon.SourceRequest
	}
	if o.Management != nil {
		l.ManagementShare, source = *o.Management, recon.SourceRequest
	}
	return l, source, set.Version, nil
}

// SetShareLimits stores a new version of a district's share limits, or of
// one school's override (SchoolID set), effective from its date; the same
// request id again returns the version it wrote.
func (r *Reconciliation) SetShareLimits(ctx context.Context, s recon.Setting) (recon.Setting, bool, error) {
	var c fault.Collector
	c.Check(s.RequestID != "", "request_id", "is required")
	c.Check(!s.EffectiveFrom.IsZero(), "effective_from", "is required")
	if err := c.Err(); err != nil {
		return recon.Setting{}, false, err
	}
	if err := recon.CheckLimits(s.Limits, "labour_share_limit", "management_share_limit"); err != nil {
		return recon.Setting{}, false, err
	}
	if err := r.feed.CheckDistrict(ctx, s.DistrictID); err != nil {
		return recon.Setting{}, false, err
	}
	if s.SchoolID != "" {
		sc, err := r.feed.School(ctx, s.SchoolID)
		if err != nil {
			return recon.Setting{}, false, err
		}
		if sc.DistrictID != s.DistrictID {
			return recon.Setting{}, false, fault.Invalid("school_id", "school "+s.SchoolID+" is not in district "+s.DistrictID)
		}
	}
	s.Fingerprint = moneyFingerprint("share_limits", s.SchoolID, s.Limits.LabourShare.String(), s.Limits.ManagementShare.String(),
		s.EffectiveFrom.String(), s.DocumentNo, s.Note)
	got, replayed, err := r.store.PutShareLimits(ctx, s)
	if err != nil {
		return recon.Setting{}, false, err
	}
	if replayed && got.Fingerprint != s.Fingerprint {
		return recon.Setting{}, false, fault.Invalid("request_id", "was already used for other share limits; use a new id for a new version")
	}
	return got, replayed, nil
}

// ShareLimits is the share limits in force for a scope on a day and the
// scope's stored versions.
type ShareLimits struct {
	Limits   recon.Limits
	Source   string
	Version  int
	InForce  recon.Setting
	Versions []recon.Setting
}

// ShareLimits returns what a reconciliation of a period ending on day
// (today when zero) would use for a district (or one school), and the
// scope's versions, newest first.
func (r *Reconciliation) ShareLimits(ctx context.Context, districtID, schoolID string, day civil.Date) (ShareLimits, error) {
	if err := r.feed.CheckDistrict(ctx, districtID); err != nil {
		return ShareLimits{}, err
	}
	if schoolID != "" {
		sc, err := r.feed.School(ctx, schoolID)
		if err != nil {
			return ShareLimits{}, err
		}
		if sc.DistrictID != districtID {
			return ShareLimits{}, fault.Invalid("school_id", "school "+schoolID+" is not in district "+districtID)
		}
	}
	if day.IsZero() {
		day = civil.Of(time.Now().In(time.FixedZone("CST", 8*3600)))
	}
	set, ok, err := r.store.ShareLimitsInForce(ctx, districtID, schoolID, day)
	if err != nil {
		return ShareLimits{}, err
	}
	if !ok {
		set = recon.Setting{Limits: recon.DefaultLimits()}
	}
	vs, err := r.store.ShareLimitVersions(ctx, districtID, schoolID)
	if err != nil {
		return ShareLimits{}, err
	}
	return ShareLimits{Limits: set.Limits, Source: set.Source(), Version: set.Version, InForce: set, Versions: vs}, nil
}

// School reconciles one school's term or month.
func (r *Reconciliation) School(ctx context.Context, req ReconRequest) (SchoolRecon, error) {
	v := fault.ValidationError{Subject: "reconciliation"}
	month := req.Year != 0 || req.Month != 0
	switch {
	case req.TermID == "" && !month:
		v.Addf("term_id", "name a term, or a year and month")
	case req.TermID != "" && month:
		v.Addf("term_id", "name a term or a month, not both")
	case month && (req.Year < 2000 || req.Month < 1 || req.Month > 12):
		v.Addf("month", "a month reconciliation needs year 2000–2100 and month 1–12")
	}
	if err := v.Err(); err != nil {
		return SchoolRecon{}, err
	}
	sc, err := r.feed.School(ctx, req.SchoolID)
	if err != nil {
		return SchoolRecon{}, err
	}
	var from, to civil.Date
	if month {
		from = civil.New(req.Year, time.Month(req.Month), 1)
		to = from.AddMonths(1).AddDays(-1)
	} else {
		terms, err := r.feed.Terms(ctx, sc.ID)
		if err != nil {
			return SchoolRecon{}, err
		}
		for _, t := range terms {
			if t.ID == req.TermID {
				from, to = t.Start, t.End
			}
		}
		if from.IsZero() {
			return SchoolRecon{}, fault.NotFound("term " + req.TermID + " not found")
		}
	}
	return r.reconcile(ctx, sc.DistrictID, sc.ID, req.TermID, from, to, req.Override)
}

// District reconciles each school of a district for a month, each against
// its own share limits, and rolls them up; the total shows the district's.
func (r *Reconciliation) District(ctx context.Context, districtID string, year, month int, o LimitOverride) (SchoolRecon, []SchoolRecon, error) {
	if err := r.feed.CheckDistrict(ctx, districtID); err != nil {
		return SchoolRecon{}, nil, err
	}
	schools, err := r.feed.Schools(ctx, districtID)
	if err != nil {
		return SchoolRecon{}, nil, err
	}
	from := civil.New(year, time.Month(month), 1)
	to := from.AddMonths(1).AddDays(-1)
	var out []SchoolRecon
	reports := make([]recon.Report, 0, len(schools))
	for _, sc := range schools {
		sr, err := r.reconcile(ctx, districtID, sc.ID, "", from, to, o)
		if err != nil {
			return SchoolRecon{}, nil, fmt.Errorf("reconcile school %s: %w", sc.ID, err)
		}
		out = append(out, sr)
		reports = append(reports, sr.Report)
	}
	limits, source, version, err := r.limitsFor(ctx, districtID, "", to, o)
	if err != nil {
		return SchoolRecon{}, nil, err
	}
	return SchoolRecon{From: from, To: to, Limits: limits, LimitsSource: source, LimitsVersion: version, Report: recon.RollUp(reports)}, out, nil
}

func (r *Reconciliation) reconcile(ctx context.Context, districtID, schoolID, termID string, from, to civil.Date, o LimitOverride) (SchoolRecon, error) {
	limits, source, version, err := r.limitsFor(ctx, districtID, schoolID, to, o)
	if err != nil {
		return SchoolRecon{}, err
	}
	in := recon.Input{SchoolID: schoolID, Limits: limits}
	if in.Sums, err = r.store.LedgerSums(ctx, districtID, schoolID, from, to); err != nil {
		return SchoolRecon{}, err
	}
	m0, m1 := from.Year*12+int(from.Month)-1, to.Year*12+int(to.Month)-1
	if in.Lines, err = r.store.ReconLines(ctx, districtID, schoolID, m0, m1); err != nil {
		return SchoolRecon{}, err
	}
	if in.Pay, err = r.store.ReconPay(ctx, districtID, schoolID, m0, m1); err != nil {
		return SchoolRecon{}, err
	}
	for m := m0; m <= m1; m++ {
		hs, err := r.runs.expectedHours(ctx, districtID, schoolID, m/12, m%12+1)
		if err != nil {
			return SchoolRecon{}, err
		}
		in.Hours = append(in.Hours, hs...)
	}
	if termID != "" {
		cs, err := r.store.CostSheet(ctx, districtID, schoolID, termID)
		if err != nil {
			return SchoolRecon{}, err
		}
		if cs != nil {
			for _, it := range cs.Items {
				// Remuneration, institution fees and management are counted
				// from what was actually paid, not the cost sheet's estimate.
				switch it.Kind {
				case fee.Remuneration, fee.InstitutionFees, fee.Management:
					continue
				}
				in.Costs = append(in.Costs, recon.Cost{Kind: string(it.Kind), Amount: it.Amount})
			}
		}
	}
	return SchoolRecon{SchoolID: schoolID, From: from, To: to, Limits: limits, LimitsSource: source, LimitsVersion: version,
		Report: recon.Reconcile(in)}, nil
}

// expectedHours is a school month's approved hours with what the rate
// tables pay for each (the session lines of the engine, before caps).
func (p *PayRuns) expectedHours(ctx context.Context, districtID, schoolID string, year, month int) ([]recon.Hour, error) {
	hs, _, err := p.hours.MonthHours(ctx, schoolID, year, time.Month(month))
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return nil, nil
	}
	in, err := p.input(ctx, districtID, PayRunRequest{SchoolID: schoolID, Year: year, Month: month}, hs, nil)
	if err != nil {
		return nil, err
	}
	expected := map[string]decimal.Decimal{}
	if res, err := pay.Compute(in); err == nil {
		for _, st := range res.Statements {
			for _, l := range st.Lines {
				if l.Kind == pay.LineSession {
					expected[l.RecordID] = expected[l.RecordID].Add(l.Amount)
				}
			}
		}
	}
	// An hour no rate table pays (Compute refuses the month) is still an
	// approved hour: it shows with no expected amount rather than hiding.
	out := make([]recon.Hour, 0, len(hs))
	for _, h := range hs {
		out = append(out, recon.Hour{RecordID: h.RecordID, AssignmentID: h.AssignmentID, StaffID: h.StaffID, Expected: expected[h.RecordID]})
	}
	return out, nil
}

// Export writes a school's reconciliation as a file: sheets 收入 (income),
// 支出 (spending) and 差异 (every discrepancy), Chinese headers, totals rows.
func (r *Reconciliation) Export(ctx context.Context, req ReconRequest, format string, open Open) error {
	f, ok := sheet.ParseFormat(format)
	if !ok {
		return fault.Invalid("format", fmt.Sprintf("must be xlsx, csv or csv-gb18030, not %q", format))
	}
	sr, err := r.School(ctx, req)
	if err != nil {
		return err
	}
	out, err := open(File{Name: fmt.Sprintf("对账表-%s-%s-%s%s", sr.SchoolID, sr.From, sr.To, f.Ext()), ContentType: f.ContentType()})
	if err != nil {
		return err
	}
	w, err := sheet.NewWriter(out, f)
	if err != nil {
		return err
	}
	in, sp := sr.Report.Income, sr.Report.Spending
	item := []sheet.Column{{Header: "项目", Kind: sheet.Text, Width: 36}, {Header: "金额", Kind: sheet.Amount}}
	rows := func(name string, vals [][2]any, total bool) error {
		if err := w.Sheet(name, item); err != nil {
			return err
		}
		for _, v := range vals {
			if err := w.Row(sheet.S(v[0].(string)), sheet.A(v[1].(decimal.Decimal))); err != nil {
				return err
			}
		}
		if total {
			return w.Total("合计")
		}
		return nil
	}
	income := [][2]any{{"家长缴费（已收）", in.Collected}, {"退费（负数）", in.Refunded.Neg()}}
	for _, p := range in.Payers {
		income = append(income, [2]any{"财政补助及减免已到账（" + p.PayerID + "）", p.Received})
	}
	if err := rows("收入", income, true); err != nil {
		return err
	}
	var spending [][2]any
	for _, t := range []string{string(pay.OutsideTotal), string(pay.SeparateIncrement), string(pay.LabourFee)} {
		if v, ok := sp.ByTreatment[t]; ok {
			spending = append(spending, [2]any{"劳务报酬（" + treatments[t] + "）", v})
		}
	}
	for _, c := range sp.Costs {
		spending = append(spending, [2]any{label(costNames, c.Kind), c.Amount})
	}
	if err := rows("支出", spending, true); err != nil {
		return err
	}
	if err := rows("其他", [][2]any{{"应收家长费用", in.FeesBilled}, {"核销", in.WrittenOff}, {"未收", in.Outstanding},
		{"其中：机构结算", sp.Institutions}, {"其中：管理费", sp.Management}, {"结余（收入 − 支出）", in.Total.Sub(sp.Total)}}, false); err != nil {
		return err
	}
	if err := w.Sheet("差异", []sheet.Column{{Header: "规则", Kind: sheet.Text, Width: 24}, {Header: "说明", Kind: sheet.Text, Width: 20},
		{Header: "课时记录", Kind: sheet.Text, Width: 20}, {Header: "人员", Kind: sheet.Text, Width: 18}, {Header: "单据", Kind: sheet.Text, Width: 24},
		{Header: "学生", Kind: sheet.Text, Width: 18}, {Header: "金额", Kind: sheet.Amount}}); err != nil {
		return err
	}
	for _, d := range sr.Report.Discrepancies {
		if err := w.Row(sheet.S(string(d.Rule)), sheet.S(label(ruleNames, string(d.Rule))), sheet.S(d.RecordID), sheet.S(d.StaffID),
			sheet.S(d.StatementID), sheet.S(d.StudentID), sheet.A(d.Amount)); err != nil {
			return err
		}
	}
	if err := w.Total("合计"); err != nil {
		return err
	}
	return w.Close()
}

// ruleNames are the checks as a finance office says them.
var ruleNames = map[string]string{
	string(recon.HourUnpaid): "已审核课时未发放", string(recon.HourPayDiffers): "发放金额与课时不符", string(recon.HourPaidTwice): "课时重复发放",
	string(recon.PayWithoutHour): "无课时记录的发放", string(recon.FeeOutstanding): "家长费用未收", string(recon.SpendingOverIncome): "支出超过收入（以收定支）",
	string(recon.LabourShare): "劳务报酬超过比例", string(recon.ManagementShare): "管理费超过比例", string(recon.LedgerUnbalanced): "总账不平",
}
