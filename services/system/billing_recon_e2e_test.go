package system_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/xuri/excelize/v2"
)

// TestReconciliationEndToEnd is acceptance 3 over HTTP: a term with fees
// (parent shares and a city subsidy), payments, a prepayment refunded, a
// write-off, remuneration of approved hours (one outside instructor's,
// owed to the institution) paid out — zero difference; then an approved
// hour no run paid, a pay line without an hour, a labour share above its
// limit and an unpaid fee, each listed with its amount, and nothing else.
// On the way, the leave-pending path of a pay run (acceptance 6): a month
// with an unapproved hour is refused with the record listed, and a run that
// says to leave it pays the rest and lists it.
func TestReconciliationEndToEnd(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350406")
	g := s.solve(t, "7")
	demands := map[string]any{}
	for _, d := range g["demands"].([]any) {
		demands[systemtest.Str(d, "demand_id")] = d
	}
	// Weekday homework supervision (111.00 taught) and the outside
	// instructor's session (120.00), as in the pay run's hand figures.
	type slot struct {
		asg, staff          string
		day, h1, m1, h2, m2 int
	}
	var homework, outside []slot
	inst := ""
	for _, a := range g["assignments"].([]any) {
		d := demands[systemtest.Str(a, "demand_id")]
		sl := slot{asg: systemtest.Str(a, "assignment_id"), staff: systemtest.Str(a, "staff_id"), day: stNum(d, "date", "day"),
			h1: stNum(d, "start", "hours"), m1: stNum(d, "start", "minutes"), h2: stNum(d, "end", "hours"), m2: stNum(d, "end", "minutes")}
		switch {
		case sl.day == 12:
		case systemtest.Str(d, "role") == "supervisor":
			homework = append(homework, sl)
		case systemtest.Str(d, "institution_id") != "" && systemtest.Str(d, "role") == "instructor":
			outside = append(outside, sl)
			inst = systemtest.Str(d, "institution_id")
		}
	}
	slices.SortFunc(homework, func(a, b slot) int {
		return strings.Compare(fmt.Sprint(a.day, a.h1, a.asg), fmt.Sprint(b.day, b.h1, b.asg))
	})
	if len(homework) < 3 || len(outside) < 1 {
		t.Fatalf("the week has %d homework and %d outside sessions, want 3 and 1", len(homework), len(outside))
	}
	checkOut := func(sl slot) string {
		in := env.MustDo(t, "POST", s.path("/assignments/%s:checkIn", sl.asg), map[string]any{"time": stAt(sl.day, sl.h1, sl.m1)})
		rec := systemtest.Str(in, "record", "record_id")
		env.MustDo(t, "POST", s.path("/hour-records/%s:checkOut", rec), map[string]any{"time": stAt(sl.day, sl.h2, sl.m2), "duty": "taught"})
		return rec
	}
	approve := func(rec string) {
		env.MustDo(t, "POST", s.path("/hour-records/%s:approve", rec), map[string]any{"approved_by": "周主任"})
		env.MustDo(t, "POST", s.path("/hour-records/%s:lock", rec), map[string]any{})
	}
	approve(checkOut(homework[0]))
	approve(checkOut(homework[1]))
	approve(checkOut(outside[0]))
	// A third session is checked out but not yet approved: the run is
	// refused with that record listed, unless the request leaves it.
	late := checkOut(homework[2])
	env.MustDo(t, "POST", "/v1/districts/"+s.district+"/rate-tables", e2ePayTable())
	runReq := map[string]any{"request_id": "recon-sep", "year": 2026, "month": 9}
	if r := env.Do(t, "POST", s.path("/pay-runs"), runReq); r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"hours"`) ||
		!strings.Contains(r.Raw, late) {
		t.Fatalf("run with an unapproved hour: %d %.400s, want 400 naming hours and %s", r.Code, r.Raw, late)
	}
	runReq["leave_pending"] = true
	run := env.MustDo(t, "POST", s.path("/pay-runs"), runReq)
	if got := systemtest.Str(run, "run", "paid"); got != "342.00" {
		t.Fatalf("pay run paid %s, want 111 + 111 + 120 = 342.00", got)
	}
	if left := systemtest.Get(run, "run", "left_pending").([]any); len(left) != 1 || left[0] != late {
		t.Fatalf("left pending %v, want [%s]", left, late)
	}
	env.MustDo(t, "POST", s.path("/pay-months:pay"), map[string]any{"request_id": "recon-pay-sep", "year": 2026, "month": 9})

	// Fees of the term: three families billed 600 each (plus 400 from the
	// city); one pays, one overpays 50 as a prepayment that is refunded,
	// one pays 500 and 100 is written off.
	db, err := pgx.Connect(context.Background(), env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	statement := func(id, student, parent, total string) {
		t.Helper()
		ctx := context.Background()
		_, err := db.Exec(ctx, `INSERT INTO billing.statements (district_id, school_id, statement_id, run_id, student_id, term_id,
			period_start, period_end, kind, parent_amount, total_amount)
			VALUES ($1, $2, $3, 'run_fixture', $4, $5, '2026-09-07', '2026-09-30', 'charge', $6, $7)`,
			s.district, s.id, id, student, s.term, parent, total)
		if err == nil {
			_, err = db.Exec(ctx, `INSERT INTO billing.postings (district_id, school_id, posting_id, kind, reference, effective_date)
				VALUES ($1, $2, $3, 'charge', $3, '2026-09-07')`, s.district, s.id, id)
		}
		if err == nil {
			_, err = db.Exec(ctx, `INSERT INTO billing.entries (district_id, school_id, posting_id, line, account, amount) VALUES
				($1, $2, $3, 1, 'receivable:parent:' || $4, $5::numeric),
				($1, $2, $3, 2, 'receivable:payer:city', $6::numeric - $5::numeric),
				($1, $2, $3, 3, 'income:school', -$6::numeric)`, s.district, s.id, id, student, parent, total)
		}
		if err != nil {
			t.Fatalf("fixture statement %s: %v", id, err)
		}
	}
	statement("st_a", "stu_a", "600.00", "1000.00")
	statement("st_b", "stu_b", "600.00", "1000.00")
	statement("st_c", "stu_c", "600.00", "1000.00")
	env.MustDo(t, "POST", s.path("/payments"), payment("st_a", "600.00", "PAYMENT_CHANNEL_WECHAT", "ra", "2026-09-10T02:00:00Z"))
	over := payment("st_b", "650.00", "PAYMENT_CHANNEL_BANK", "rb", "2026-09-11T02:00:00Z")
	over["prepayment"] = true
	pb := env.MustDo(t, "POST", s.path("/payments"), over)
	env.MustDo(t, "POST", s.path("/refunds"), map[string]any{"payment_id": systemtest.Str(pb, "payment", "payment_id"),
		"amount": map[string]any{"amount": "50.00"}, "method": "REFUND_METHOD_ORIGINAL", "reason": "多缴退回", "idempotency_key": "rf-b", "refunded_on": systemtest.Date(2026, 9, 20)})
	env.MustDo(t, "POST", s.path("/payments"), payment("st_c", "500.00", "PAYMENT_CHANNEL_CASH", "rc", "2026-09-12T02:00:00Z"))
	env.MustDo(t, "POST", s.path("/write-offs"), map[string]any{"student_id": "stu_c", "term_id": s.term,
		"amount": map[string]any{"amount": "100.00"}, "reason": "困难家庭核销", "idempotency_key": "wo-c", "written_on": systemtest.Date(2026, 9, 25)})

	recon := func(query string) map[string]any {
		t.Helper()
		return env.MustDo(t, "GET", s.path("/reconciliation?term_id=%s%s", s.term, query), nil)["reconciliation"].(map[string]any)
	}
	r := recon("")
	if r["balanced"] != true || len(r["discrepancies"].([]any)) != 0 {
		t.Fatalf("a consistent term has discrepancies: %v", r["discrepancies"])
	}
	for path, want := range map[string]string{
		"income.fees_billed": "1800.00", "income.collected": "1750.00", "income.refunded": "50.00", "income.written_off": "100.00",
		"income.outstanding": "0.00", "income.total": "1700.00", "spending.pay": "342.00", "spending.institutions": "120.00",
		"spending.total": "342.00",
	} {
		p := strings.Split(path, ".")
		if got := systemtest.Str(r, p[0], p[1]); got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}
	if p := systemtest.Get(r, "income", "payers").([]any); len(p) != 1 || systemtest.Str(p[0], "payer_id") != "city" || systemtest.Str(p[0], "billed") != "1200.00" {
		t.Errorf("payers %v, want the city billed 1200.00", p)
	}

	// The term's public statement 收支公示: a print-ready page shown inline.
	pub := env.Do(t, "GET", s.path("/terms/%s/public-statement", s.term), nil)
	if pub.Code != http.StatusOK || pub.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
		!strings.HasPrefix(pub.Header.Get("Content-Disposition"), "inline;") {
		t.Fatalf("public statement: %d %q %q %.200s", pub.Code, pub.Header.Get("Content-Type"), pub.Header.Get("Content-Disposition"), pub.Raw)
	}
	for _, want := range []string{"课后服务收支公示", "@page { size: A4", "<td>收入合计</td><td class=\"amount\">1700.00</td>",
		"<td>支出合计</td><td class=\"amount\">342.00</td>", "<td>结余（收入合计 − 支出合计）</td><td class=\"amount\">1358.00</td>",
		"<td>　其中：机构结算</td><td class=\"amount\">120.00</td>"} {
		if !strings.Contains(pub.Raw, want) {
			t.Errorf("public statement lacks %q:\n%s", want, pub.Raw)
		}
	}
	if strings.Contains(pub.Raw, "stu_a") || strings.Contains(pub.Raw, "stf_") {
		t.Error("the public statement names a family or a person")
	}

	// The injections.
	unpaid := late // approved and locked after the run that left it
	approve(unpaid)
	var stmt string
	// A school teacher's statement: the ghost line must not land on the outside
	// instructor's, whose settlement below counts its lines (ids are random, so
	// ordering by id alone picked it about one run in six).
	if err := db.QueryRow(context.Background(), `SELECT statement_id FROM billing.pay_statements
		WHERE school_id = $1 AND staff_kind <> 'outside_instructor' ORDER BY statement_id LIMIT 1`, s.id).Scan(&stmt); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(context.Background(), `INSERT INTO billing.pay_lines (district_id, school_id, statement_id, line_no, kind, record_id, assignment_id, treatment, amount, body)
		VALUES ($1, $2, $3, 999, 'session', 'rec_ghost', 'asg_ghost', 'outside_performance_total', 25.00, '{}')`, s.district, s.id, stmt); err != nil {
		t.Fatal(err)
	}
	statement("st_d", "stu_d", "300.00", "500.00")

	r = recon("&labour_share_limit=0.10")
	type found struct{ rule, record, statement, student, amount string }
	var got []found
	for _, d := range r["discrepancies"].([]any) {
		got = append(got, found{systemtest.Str(d, "rule"), systemtest.Str(d, "record_id"), systemtest.Str(d, "statement_id"),
			systemtest.Str(d, "student_id"), systemtest.Str(d, "amount")})
	}
	// Income is still 1700.00 (stu_d paid nothing): 10% is 170.00, so
	// labour of 342.00 is 172.00 over.
	want := []found{
		{"fee_outstanding", "", "", "stu_d", "300.00"},
		{"hour_unpaid", unpaid, "", "", "111.00"},
		{"labour_share", "", "", "", "172.00"},
		{"pay_without_hour", "rec_ghost", stmt, "", "25.00"},
	}
	if !slices.Equal(want, got) {
		t.Errorf("discrepancies\n got %v\nwant %v", got, want)
	}
	if r["balanced"] != false || systemtest.Str(r, "labour_share_limit") != "0.1" {
		t.Errorf("balanced %v, labour limit %v", r["balanced"], r["labour_share_limit"])
	}
	// The same limit stored as the school's setting (对账比例) gives the same
	// discrepancies without the parameter; the parameter still overrides it.
	env.MustDo(t, "POST", "/v1/districts/"+s.district+"/share-limits", map[string]any{"school_id": s.id,
		"labour_share_limit": "0.10", "management_share_limit": "0.10", "effective_from": systemtest.Date(2026, 9, 1), "request_id": "recon-limits"})
	stored := recon("")
	var gotStored []found
	for _, d := range stored["discrepancies"].([]any) {
		gotStored = append(gotStored, found{systemtest.Str(d, "rule"), systemtest.Str(d, "record_id"), systemtest.Str(d, "statement_id"),
			systemtest.Str(d, "student_id"), systemtest.Str(d, "amount")})
	}
	if !slices.Equal(want, gotStored) || systemtest.Str(stored, "limits_source") != "school" {
		t.Errorf("with the stored limit (%s)\n got %v\nwant %v", systemtest.Str(stored, "limits_source"), gotStored, want)
	}
	for _, d := range recon("&labour_share_limit=0.60")["discrepancies"].([]any) {
		if systemtest.Str(d, "rule") == "labour_share" {
			t.Errorf("labour_share listed with the request's 0.60 over the stored 0.10: %v", d)
		}
	}

	// The same reconciliation as a workbook: its totals are the API's.
	x := env.Do(t, "GET", s.path("/reconciliation:export?term_id=%s&labour_share_limit=0.10", s.term), nil)
	if x.Code != http.StatusOK {
		t.Fatalf("reconciliation export: %d %.300s", x.Code, x.Raw)
	}
	wb, err := excelize.OpenReader(strings.NewReader(x.Raw))
	if err != nil {
		t.Fatalf("reconciliation export is not a workbook: %v", err)
	}
	defer wb.Close()
	if got := wb.GetSheetList(); !slices.Equal(got, []string{"收入", "支出", "其他", "差异"}) {
		t.Errorf("reconciliation sheets %v", got)
	}
	last := func(sheetName string) []string {
		rows, err := wb.GetRows(sheetName)
		if err != nil || len(rows) == 0 {
			t.Fatalf("sheet %s: %v", sheetName, err)
		}
		return rows[len(rows)-1]
	}
	if got := last("收入"); got[0] != "合计" || got[1] != systemtest.Str(r, "income", "total") {
		t.Errorf("收入 total %v, want %s", got, systemtest.Str(r, "income", "total"))
	}
	if text := systemtest.OpenWithLibreOffice(t, []byte(x.Raw)); text != "" && !strings.Contains(text, "合计,"+systemtest.Str(r, "income", "total")) {
		t.Errorf("LibreOffice read the reconciliation's 收入 as:\n%.400s\nwant 合计 %s", text, systemtest.Str(r, "income", "total"))
	}
	if got := last("支出"); got[0] != "合计" || got[1] != systemtest.Str(r, "spending", "total") {
		t.Errorf("支出 total %v, want %s", got, systemtest.Str(r, "spending", "total"))
	}
	diffRows, _ := wb.GetRows("差异")
	if len(diffRows) != len(want)+2 || diffRows[0][0] != "规则" || last("差异")[6] != "608.00" {
		t.Errorf("差异 sheet %v, want %d discrepancies totalling 300 + 111 + 172 + 25 = 608.00", diffRows, len(want))
	}

	// Bad input: 400 naming the field.
	if r := env.Do(t, "GET", s.path("/reconciliation?term_id=%s&labour_share_limit=1.5", s.term), nil); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Raw, `"field":"labour_share_limit"`) {
		t.Errorf("limit 1.5: %d %.300s", r.Code, r.Raw)
	}
	if r := env.Do(t, "GET", s.path("/reconciliation"), nil); r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"term_id"`) {
		t.Errorf("no period: %d %.300s", r.Code, r.Raw)
	}

	// The district's month rolls the school up.
	dr := env.MustDo(t, "GET", "/v1/districts/"+s.district+"/reconciliation?year=2026&month=9&labour_share_limit=0.10", nil)
	if n := len(systemtest.Get(dr, "total", "discrepancies").([]any)); n != 4 || systemtest.Str(dr, "total", "spending", "pay") != "342.00" {
		t.Errorf("district month: %d discrepancies, pay %s: %v", n, systemtest.Str(dr, "total", "spending", "pay"), dr["total"])
	}

	// The institution's month (机构结算): the outside instructor's session as
	// paid, plus 200.00 a school statement billed on its behalf (代收); the
	// labour was paid by the month's PayMonth above, so 200.00 is due.
	if _, err := db.Exec(context.Background(), `INSERT INTO billing.postings (district_id, school_id, posting_id, kind, reference, effective_date)
		VALUES ($1, $2, 'chg-inst', 'charge', 'chg-inst', '2026-09-08')`, s.district, s.id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(context.Background(), `INSERT INTO billing.entries (district_id, school_id, posting_id, line, account, amount) VALUES
		($1, $2, 'chg-inst', 1, 'receivable:parent:stu_e', 200.00), ($1, $2, 'chg-inst', 2, 'payable:provider:' || $3, -200.00)`,
		s.district, s.id, inst); err != nil {
		t.Fatal(err)
	}
	settlementPath := fmt.Sprintf("/v1/districts/%s/institutions/%s/settlement", s.district, inst)
	st := env.MustDo(t, "GET", settlementPath+"?year=2026&month=9", nil)["settlement"].(map[string]any)
	if systemtest.Str(st, "total", "labour") != "120.00" || systemtest.Str(st, "total", "collected_on_behalf") != "200.00" ||
		systemtest.Str(st, "total", "labour_paid") != "120.00" || systemtest.Str(st, "total", "due") != "200.00" || len(systemtest.Get(st, "lines").([]any)) != 1 ||
		systemtest.Str(st, "lines", 0, "school_id") != s.id || systemtest.Str(st, "lines", 0, "line", "amount") != "120.00" {
		t.Errorf("institution settlement %v, want labour 120.00 (paid) + collected 200.00 = 200.00 due over one line", st)
	}
	manager := env.As(env.Minter.Token(auth.Principal{AccountID: "acc_mgr", Role: auth.RoleInstitutionManager, DistrictID: s.district, InstitutionID: inst}))
	if r := manager.Do(t, "GET", settlementPath+":export?year=2026&month=9", nil); r.Code != http.StatusOK {
		t.Errorf("the institution's manager exporting its settlement: %d %.300s", r.Code, r.Raw)
	} else if sf, err := excelize.OpenReader(strings.NewReader(r.Raw)); err != nil {
		t.Errorf("settlement export is not a workbook: %v", err)
	} else {
		rows, _ := sf.GetRows("机构结算")
		if len(rows) != 3 || rows[0][7] != "应付合计" || rows[0][4] != "已付劳务费" || rows[2][0] != "合计" || rows[2][4] != "120.00" || rows[2][7] != "200.00" {
			t.Errorf("机构结算 sheet %v, want one school, 已付劳务费 120.00 and 合计 200.00", rows)
		}
		sf.Close()
	}
	other := fmt.Sprintf("/v1/districts/%s/institutions/inst_other/settlement?year=2026&month=9", s.district)
	if r := manager.Do(t, "GET", other, nil); r.Code != http.StatusNotFound {
		t.Errorf("a manager reading another institution's settlement: %d, want 404", r.Code)
	}
}
