package app

import (
	"context"
	"html/template"
	"slices"

	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// PublicStatement writes a term's public statement of income and spending
// (收支公示) as a print-ready HTML page: the reconciliation's income and
// spending with Chinese labels and the balance, for the notice board and
// the school's website. It names no family and no person.
func (r *Reconciliation) PublicStatement(ctx context.Context, schoolID, termID string, open Open) error {
	if termID == "" {
		return fault.Invalid("term_id", "is required")
	}
	sc, err := r.feed.School(ctx, schoolID)
	if err != nil {
		return err
	}
	terms, err := r.feed.Terms(ctx, sc.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(terms, func(t facts.Term) bool { return t.ID == termID })
	if i < 0 {
		return fault.NotFound("term " + termID + " not found")
	}
	term := terms[i]
	sr, err := r.reconcile(ctx, sc.DistrictID, sc.ID, term.ID, term.Start, term.End, LimitOverride{})
	if err != nil {
		return err
	}
	in, sp := sr.Report.Income, sr.Report.Spending
	page := publicPage{School: sc.Name, Term: term.Name, From: term.Start.String(), To: term.End.String()}
	add := func(rows *[]publicRow, label string, v decimal.Decimal) {
		*rows = append(*rows, publicRow{label, v.StringFixed(2)})
	}
	add(&page.Income, "家长缴费（已收）", in.Collected)
	add(&page.Income, "减：退费", in.Refunded)
	for _, p := range in.Payers {
		add(&page.Income, "财政补助及减免（"+p.PayerID+"）已到账", p.Received)
	}
	page.IncomeTotal = in.Total.StringFixed(2)
	for _, t := range []string{"outside_performance_total", "separate_increment", "labour_fee"} {
		if v, ok := sp.ByTreatment[t]; ok {
			add(&page.Spending, "劳务报酬（"+treatments[t]+"）", v)
		}
	}
	if !sp.Institutions.IsZero() {
		add(&page.Spending, "　其中：机构结算", sp.Institutions)
	}
	if !sp.Management.IsZero() {
		add(&page.Spending, "　其中：管理费", sp.Management)
	}
	for _, c := range sp.Costs {
		add(&page.Spending, costNames[c.Kind], c.Amount)
	}
	page.SpendingTotal = sp.Total.StringFixed(2)
	page.Balance = in.Total.Sub(sp.Total).StringFixed(2)
	add(&page.Receivable, "应收家长费用", in.FeesBilled)
	add(&page.Receivable, "核销", in.WrittenOff)
	add(&page.Receivable, "未收", in.Outstanding)
	out, err := open(File{Name: "收支公示-" + sc.ID + "-" + term.ID + ".html", ContentType: "text/html; charset=utf-8", Inline: true})
	if err != nil {
		return err
	}
	return publicTemplate.Execute(out, page)
}

var costNames = map[string]string{
	string(fee.Materials): "教学及活动材料", string(fee.Utilities): "水电等运行费用", string(fee.Insurance): "保险",
}

type publicRow struct{ Label, Amount string }

type publicPage struct {
	School, Term, From, To              string
	Income, Spending, Receivable        []publicRow
	IncomeTotal, SpendingTotal, Balance string
}

// publicTemplate is the page: A4, black on white, tables with ruled cells,
// amounts right-aligned in yuan to the fen (html/template escapes every
// value).
var publicTemplate = template.Must(template.New("public").Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.School}} {{.Term}} 课后服务收支公示</title>
<style>
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "Noto Serif CJK SC", "Songti SC", SimSun, serif; color: #000; background: #fff; font-size: 11pt; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 4mm; }
p.period { text-align: center; margin: 0 0 6mm; }
table { width: 100%; border-collapse: collapse; margin-bottom: 6mm; page-break-inside: avoid; }
th, td { border: 0.3mm solid #000; padding: 1.5mm 2mm; }
th { background: #eee; }
td.amount, th.amount { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: bold; }
p.note { font-size: 9pt; }
@media print { a { color: #000; text-decoration: none; } }
</style>
</head>
<body>
<h1>{{.School}} 课后服务收支公示</h1>
<p class="period">{{.Term}}（{{.From}} 至 {{.To}}）　单位：元</p>
<table id="income">
<thead><tr><th>收入项目</th><th class="amount">金额</th></tr></thead>
<tbody>
{{range .Income}}<tr><td>{{.Label}}</td><td class="amount">{{.Amount}}</td></tr>
{{end}}<tr class="total"><td>收入合计</td><td class="amount">{{.IncomeTotal}}</td></tr>
</tbody>
</table>
<table id="spending">
<thead><tr><th>支出项目</th><th class="amount">金额</th></tr></thead>
<tbody>
{{range .Spending}}<tr><td>{{.Label}}</td><td class="amount">{{.Amount}}</td></tr>
{{end}}<tr class="total"><td>支出合计</td><td class="amount">{{.SpendingTotal}}</td></tr>
</tbody>
</table>
<table id="balance">
<tbody>
<tr class="total"><td>结余（收入合计 − 支出合计）</td><td class="amount">{{.Balance}}</td></tr>
</tbody>
</table>
<table id="receivable">
<thead><tr><th>家长费用</th><th class="amount">金额</th></tr></thead>
<tbody>
{{range .Receivable}}<tr><td>{{.Label}}</td><td class="amount">{{.Amount}}</td></tr>
{{end}}</tbody>
</table>
<p class="note">课后服务坚持成本核算、家长收取、政府补助，以收定支。本表由课后服务管理系统根据总账与劳务报酬发放记录生成。</p>
</body>
</html>
`))
