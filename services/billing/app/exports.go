package app

import (
	"context"
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"io"
	"slices"
	"time"

	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/shopspring/decimal"
)

// ExportStore is what exports read: rows handed on straight from the
// database cursor, so no export holds a month in memory.
type ExportStore interface {
	// EachPersonMonth calls fn with each person's month of a school (all
	// statements summed), in staff order; staffID "" means everyone.
	EachPersonMonth(ctx context.Context, districtID, schoolID string, year, month int, staffID string, fn func(pay.PersonMonth) error) error
	// EachPayLine calls fn with every line of a school month's statements
	// in staff, revision and line order; staffID "" means everyone.
	EachPayLine(ctx context.Context, districtID, schoolID string, year, month int, staffID string, fn func(staffID string, revision int, l pay.IssuedLine) error) error
	// Claims sums the subsidy and waiver claims per payer of the statements
	// whose periods lie in [from, to]; EachClaim hands on one row per
	// statement, payer and kind, in payer order.
	Claims(ctx context.Context, districtID, schoolID string, from, to civil.Date) (statement.Claims, error)
	// EachFeeStatement hands on a school term's issued statements in
	// student and issue order.
	EachFeeStatement(ctx context.Context, districtID, schoolID, termID string, fn func(statement.Summary) error) error
	EachClaim(ctx context.Context, districtID, schoolID, payerID string, from, to civil.Date, fn func(statement.ClaimRow) error) error
}

// StaffDirectory is what the pay sheet reads from staffing (over
// billing's staffingfeed adapter): the people's names and ID card numbers,
// whole or masked as staffing decides for the caller.
type StaffDirectory interface {
	Identities(ctx context.Context, schoolID string, staffIDs []string) (map[string]facts.Identity, error)
}

// Exports is the export use cases (导出): the files finance offices file,
// print and hand to the payroll office.
type Exports struct {
	store   ExportStore
	schools Feed
	staff   StaffDirectory
}

// NewExports returns the export use cases; staff answers the pay sheet's
// names and ID card numbers.
func NewExports(store ExportStore, schools Feed, staff StaffDirectory) *Exports {
	return &Exports{store: store, schools: schools, staff: staff}
}

// Claims writes the subsidy and waiver claims (补助/减免申报) of a
// district (or one school) per payer: sheet 汇总 one row per payer and kind
// with 合计 (the figures ListClaims answers), sheet 明细 one row per
// statement, payer and kind, streamed from the cursor.
func (e *Exports) Claims(ctx context.Context, districtID, schoolID, payerID string, from, to civil.Date, format string, open Open) error {
	f, ok := sheet.ParseFormat(format)
	if !ok {
		return fault.Invalid("format", fmt.Sprintf("must be xlsx, csv or csv-gb18030, not %q", format))
	}
	if to.Before(from) {
		return fault.Invalid("to", "is before from")
	}
	if err := e.schools.CheckDistrict(ctx, districtID); err != nil {
		return err
	}
	c, err := e.store.Claims(ctx, districtID, schoolID, from, to)
	if err != nil {
		return err
	}
	out, err := open(File{Name: fmt.Sprintf("补助减免申报-%s-%s-%s%s", districtID, from, to, f.Ext()), ContentType: f.ContentType()})
	if err != nil {
		return err
	}
	w, err := sheet.NewWriter(out, f)
	if err != nil {
		return err
	}
	if err := w.Sheet("汇总", []sheet.Column{{Header: "付款方", Kind: sheet.Text, Width: 18}, {Header: "类别", Kind: sheet.Text},
		{Header: "金额", Kind: sheet.Amount}}); err != nil {
		return err
	}
	for _, kind := range []struct {
		name string
		m    map[string]decimal.Decimal
	}{{"财政补助", c.Subsidies}, {"减免", c.Waivers}} {
		payers := make([]string, 0, len(kind.m))
		for p := range kind.m {
			if payerID == "" || p == payerID {
				payers = append(payers, p)
			}
		}
		slices.Sort(payers)
		for _, p := range payers {
			if err := w.Row(sheet.S(p), sheet.S(kind.name), sheet.A(kind.m[p])); err != nil {
				return err
			}
		}
	}
	if err := w.Total("合计"); err != nil {
		return err
	}
	if err := w.Sheet("明细", []sheet.Column{{Header: "付款方", Kind: sheet.Text, Width: 18}, {Header: "类别", Kind: sheet.Text},
		{Header: "学校", Kind: sheet.Text, Width: 18}, {Header: "学生", Kind: sheet.Text, Width: 18}, {Header: "单据号", Kind: sheet.Text, Width: 24},
		{Header: "期间起", Kind: sheet.Date}, {Header: "期间止", Kind: sheet.Date}, {Header: "金额", Kind: sheet.Amount}}); err != nil {
		return err
	}
	day := func(d civil.Date) sheet.Value {
		return sheet.D(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC))
	}
	err = e.store.EachClaim(ctx, districtID, schoolID, payerID, from, to, func(r statement.ClaimRow) error {
		kind := "财政补助"
		if r.Waiver {
			kind = "减免"
		}
		return w.Row(sheet.S(r.PayerID), sheet.S(kind), sheet.S(r.SchoolID), sheet.S(r.StudentID), sheet.S(r.StatementID),
			day(r.From), day(r.To), sheet.A(r.Amount))
	})
	if err != nil {
		return err
	}
	if err := w.Total("合计"); err != nil {
		return err
	}
	return w.Close()
}

// File names an export about to be written: its content type and a
// suggested file name. Inline files (a page to print) open in the browser
// instead of downloading.
type File struct {
	Name        string
	ContentType string
	Inline      bool
}

// Open is how a caller supplies the output once the export knows it can be
// made (school found, format known): nothing reaches the output before the
// input is checked, so a refused export is an error, never half a file.
type Open func(File) (io.Writer, error)

// PaySheet writes a school month's pay sheet (课酬发放表); staffID, when
// not empty, narrows it to one person's statement (课酬单). With
// identities, each row carries the person's name and ID card number (身份证号)
// read from staffing once for the school, before the file opens: whole for
// the bureau and finance officers, masked for a school administrator
// (staffing decides). A person's own statement goes without (staffing
// answers names and numbers to the school's roles only).
func (e *Exports) PaySheet(ctx context.Context, schoolID string, year, month int, staffID, format string, identities bool, open Open) error {
	f, ok := sheet.ParseFormat(format)
	v := fault.ValidationError{Subject: "export"}
	if !ok {
		v.Addf("format", "must be xlsx, csv or csv-gb18030, not %q", format)
	}
	if year < 2000 || year > 2100 {
		v.Addf("year", "must be 2000–2100")
	}
	if month < 1 || month > 12 {
		v.Addf("month", "must be 1–12")
	}
	if err := v.Err(); err != nil {
		return err
	}
	sc, err := e.schools.School(ctx, schoolID)
	if err != nil {
		return err
	}
	ids := map[string]facts.Identity{}
	if identities {
		var only []string
		if staffID != "" {
			only = []string{staffID}
		}
		if ids, err = e.staff.Identities(ctx, sc.ID, only); err != nil {
			return err
		}
	}
	name := fmt.Sprintf("课酬发放表-%s-%04d-%02d%s", sc.ID, year, month, f.Ext())
	if staffID != "" {
		name = fmt.Sprintf("课酬单-%s-%s-%04d-%02d%s", sc.ID, staffID, year, month, f.Ext())
	}
	out, err := open(File{Name: name, ContentType: f.ContentType()})
	if err != nil {
		return err
	}
	w, err := sheet.NewWriter(out, f)
	if err != nil {
		return err
	}
	ym := fmt.Sprintf("%04d-%02d", year, month)
	if err := w.Sheet("课酬发放表", paySheetCols); err != nil {
		return err
	}
	err = e.store.EachPersonMonth(ctx, sc.DistrictID, sc.ID, year, month, staffID, func(m pay.PersonMonth) error {
		who := ids[m.StaffID]
		return w.Row(sheet.S(m.StaffID), sheet.S(who.Name), sheet.S(who.IDCardNumber), sheet.S(label(staffKinds, m.StaffKind)),
			sheet.S(m.InstitutionID), sheet.S(sc.ID), sheet.S(ym),
			sheet.N(int64(m.Statements)), sheet.A(m.Earned), sheet.A(m.HeldBack), sheet.A(m.Paid),
			sheet.A(m.ByTreatment[pay.OutsideTotal]), sheet.A(m.ByTreatment[pay.SeparateIncrement]), sheet.A(m.ByTreatment[pay.LabourFee]))
	})
	if err != nil {
		return err
	}
	if err := w.Total("合计"); err != nil {
		return err
	}
	if err := w.Sheet("课酬明细", payLineCols); err != nil {
		return err
	}
	err = e.store.EachPayLine(ctx, sc.DistrictID, sc.ID, year, month, staffID, func(staff string, rev int, l pay.IssuedLine) error {
		date, start, end := sheet.Blank(), "", ""
		if l.Kind == pay.LineSession {
			date, start, end = sheet.D(time.Date(l.Date.Year, l.Date.Month, l.Date.Day, 0, 0, 0, 0, time.UTC)), clock(l.StartMinute), clock(l.EndMinute)
		}
		return w.Row(sheet.S(staff), sheet.N(int64(rev)), sheet.S(l.StatementID), sheet.S(label(lineKinds, string(l.Kind))),
			sheet.S(l.RecordID), date, sheet.S(start), sheet.S(end), sheet.S(label(duties, l.Duty)), sheet.N(int64(l.Minutes)),
			sheet.S(l.Periods.StringFixed(4)), sheet.S(l.Rate.String()), sheet.S(l.Multiplier.String()), sheet.N(int64(l.Students)),
			sheet.A(l.Amount), sheet.S(l.RuleID), sheet.S(l.DocumentNo), sheet.S(label(treatments, string(l.Treatment))),
			sheet.S(l.CorrectsStatementID))
	})
	if err != nil {
		return err
	}
	if err := w.Total("合计"); err != nil {
		return err
	}
	return w.Close()
}

// The pay sheet's columns: the ID columns a payroll office keys on (工号,
// 姓名, 身份证号 — text, so Excel keeps all 18 characters —, 人员类别, 所属机构,
// 学校, 所属期), then the amounts.
var paySheetCols = []sheet.Column{
	{Header: "工号", Kind: sheet.Text, Width: 16}, {Header: "姓名", Kind: sheet.Text, Width: 12},
	{Header: "身份证号", Kind: sheet.Text, Width: 22}, {Header: "人员类别", Kind: sheet.Text}, {Header: "所属机构", Kind: sheet.Text},
	{Header: "学校", Kind: sheet.Text, Width: 16}, {Header: "所属期", Kind: sheet.Text}, {Header: "单据数", Kind: sheet.Count},
	{Header: "应发金额", Kind: sheet.Amount}, {Header: "封顶扣减", Kind: sheet.Amount}, {Header: "实发金额", Kind: sheet.Amount},
	{Header: "不纳入绩效工资总量", Kind: sheet.Amount}, {Header: "单独核定增量", Kind: sheet.Amount}, {Header: "劳务费", Kind: sheet.Amount},
}

var payLineCols = []sheet.Column{
	{Header: "工号", Kind: sheet.Text, Width: 16}, {Header: "版次", Kind: sheet.Count}, {Header: "单据号", Kind: sheet.Text, Width: 24},
	{Header: "类型", Kind: sheet.Text}, {Header: "课时记录", Kind: sheet.Text, Width: 20}, {Header: "日期", Kind: sheet.Date},
	{Header: "开始", Kind: sheet.Text}, {Header: "结束", Kind: sheet.Text}, {Header: "职责", Kind: sheet.Text},
	{Header: "分钟", Kind: sheet.Count}, {Header: "课时", Kind: sheet.Text}, {Header: "单价", Kind: sheet.Text},
	{Header: "系数", Kind: sheet.Text}, {Header: "人数", Kind: sheet.Count}, {Header: "金额", Kind: sheet.Amount},
	{Header: "规则", Kind: sheet.Text}, {Header: "文号", Kind: sheet.Text, Width: 20}, {Header: "待遇类别", Kind: sheet.Text, Width: 20},
	{Header: "更正单据", Kind: sheet.Text, Width: 24},
}

// Chinese names of the codes the sheets show (docs/policies.md).
var (
	staffKinds = map[string]string{"teacher": "校内教师", "outside_instructor": "校外人员", "admin": "管理人员"}
	lineKinds  = map[string]string{"session": "课时", "class_teacher": "班主任津贴", "management": "管理津贴"}
	duties     = map[string]string{"taught": "授课", "substitute_cover": "代课", "supervision_only": "看护", "patrol": "巡查"}
	treatments = map[string]string{
		string(pay.OutsideTotal): "不纳入绩效工资总量", string(pay.SeparateIncrement): "单独核定增量", string(pay.LabourFee): "劳务费",
	}
)

func label(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// clock is minutes after midnight as HH:MM.
func clock(m int) string {
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// FeeStatements writes a school term's fee statements (收费明细): one row
// per issued statement — charges and the adjustments that correct them —
// with the parent's share, the total and the payers' part, and a 合计 row.
func (e *Exports) FeeStatements(ctx context.Context, schoolID, termID, format string, open Open) error {
	f, ok := sheet.ParseFormat(format)
	if !ok {
		return fault.Invalid("format", fmt.Sprintf("must be xlsx, csv or csv-gb18030, not %q", format))
	}
	sc, err := e.schools.School(ctx, schoolID)
	if err != nil {
		return err
	}
	out, err := open(File{Name: fmt.Sprintf("收费明细-%s-%s%s", sc.ID, termID, f.Ext()), ContentType: f.ContentType()})
	if err != nil {
		return err
	}
	w, err := sheet.NewWriter(out, f)
	if err != nil {
		return err
	}
	if err := w.Sheet("收费明细", []sheet.Column{{Header: "单据号", Kind: sheet.Text, Width: 24}, {Header: "学生", Kind: sheet.Text, Width: 18},
		{Header: "类别", Kind: sheet.Text}, {Header: "期间起", Kind: sheet.Date}, {Header: "期间止", Kind: sheet.Date},
		{Header: "收费标准文号", Kind: sheet.Text, Width: 20}, {Header: "家长应缴", Kind: sheet.Amount}, {Header: "费用合计", Kind: sheet.Amount},
		{Header: "财政及减免承担", Kind: sheet.Amount}}); err != nil {
		return err
	}
	kinds := map[string]string{"charge": "收费", "adjustment": "调整"}
	err = e.store.EachFeeStatement(ctx, sc.DistrictID, sc.ID, termID, func(s statement.Summary) error {
		return w.Row(sheet.S(s.StatementID), sheet.S(s.StudentID), sheet.S(label(kinds, s.Kind)), sheet.D(s.From.Time()), sheet.D(s.To.Time()),
			sheet.S(s.DocumentNo), sheet.A(s.Parent), sheet.A(s.Total), sheet.A(s.Total.Sub(s.Parent)))
	})
	if err != nil {
		return err
	}
	if err := w.Total("合计"); err != nil {
		return err
	}
	return w.Close()
}
