package system_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/billing/store/ledgertest"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
)

// payEnv is a running system plus a pool on its database, for statement
// fixtures and the after-test ledger check.
type payEnv struct {
	*systemtest.Env
	pool   *pgxpool.Pool
	school string
}

// paySetup starts every part over real gRPC and HTTP on a fresh database,
// creates a district and a school, and checks after the test that the
// ledger's debits equal its credits.
func paySetup(t *testing.T) payEnv {
	t.Helper()
	url := pgtest.URL(t)
	authCfg, mint := systemtest.NewAuth(t)
	r, err := system.Start(context.Background(), system.Config{
		Auth: authCfg, Parts: system.AllParts, DatabaseURL: url, DBMaxConns: 8,
		HTTPAddr: "127.0.0.1:0", TimetableAddr: "127.0.0.1:0", StaffingAddr: "127.0.0.1:0", BillingAddr: "127.0.0.1:0",
		ShutdownGrace: 5 * time.Second, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("start system: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("stop system: %v", err)
		}
	})
	pool, err := pgdb.Open(context.Background(), url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	t.Cleanup(func() { ledgertest.AssertBalanced(t, pool) })
	env := &systemtest.Env{Client: systemtest.NewClient("http://"+r.HTTPAddr, mint), Run: r}
	env.District(t, "350402")
	school := env.School(t, "350402", "三明实验小学", "SCHOOL_STAGE_PRIMARY")
	return payEnv{Env: env, pool: pool, school: school}
}

// statement writes a statement row and its charge posting as a fee run
// would (the agreed billing.statements columns).
func (e payEnv) statement(t *testing.T, id, student, term, parent, total, periodEnd string) {
	t.Helper()
	ctx := context.Background()
	_, err := e.pool.Exec(ctx, `INSERT INTO billing.statements (district_id, school_id, statement_id, run_id, student_id, term_id,
		period_start, period_end, kind, parent_amount, total_amount)
		VALUES ('350402', $1, $2, 'run_fixture', $3, $4, $5::date - 120, $5::date, 'charge', $6, $7)`,
		e.school, id, student, term, periodEnd, parent, total)
	if err == nil {
		_, err = e.pool.Exec(ctx, `INSERT INTO billing.postings (district_id, school_id, posting_id, kind, reference, effective_date)
			VALUES ('350402', $1, $2, 'charge', $2, $3::date - 120)`, e.school, id, periodEnd)
	}
	if err == nil {
		_, err = e.pool.Exec(ctx, `INSERT INTO billing.entries (district_id, school_id, posting_id, line, account, amount) VALUES
			('350402', $1, $2, 1, 'receivable:parent:' || $3, $4::numeric),
			('350402', $1, $2, 2, 'receivable:payer:city', $5::numeric - $4::numeric),
			('350402', $1, $2, 3, 'income:school', -$5::numeric)`, e.school, id, student, parent, total)
	}
	if err != nil {
		t.Fatalf("fixture statement %s: %v", id, err)
	}
}

// fields lists the field names of a 400 response's violations.
func fields(r systemtest.Response) []string {
	var out []string
	ds, _ := systemtest.Get(r.Body, "details").([]any)
	for _, d := range ds {
		fvs, _ := systemtest.Get(d, "field_violations").([]any)
		for _, fv := range fvs {
			out = append(out, systemtest.Str(fv, "field"))
		}
	}
	return out
}

func wantField(t *testing.T, r systemtest.Response, field string) {
	t.Helper()
	if r.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", r.Code, r.Raw)
	}
	for _, f := range fields(r) {
		if f == field {
			return
		}
	}
	t.Fatalf("400 does not name %s: %s", field, r.Raw)
}

func payment(statement, amount, channel, key, paidAt string) map[string]any {
	return map[string]any{"statement_id": statement, "amount": map[string]any{"amount": amount}, "channel": channel,
		"external_reference": "ext-" + key, "paid_at": paidAt, "idempotency_key": key}
}

func TestPaymentsHTTPConcurrentDuplicates(t *testing.T) {
	e := paySetup(t)
	e.statement(t, "st_1", "stu_1", "2026-spring", "240.00", "300.00", "2026-06-30")
	path := "/v1/schools/" + e.school + "/payments"
	const n = 50
	ids := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do(t, "POST", path, payment("st_1", "240.00", "PAYMENT_CHANNEL_WECHAT", "wx-order-1", "2026-03-10T09:00:00Z"))
			codes[i], ids[i] = r.Code, systemtest.Str(r.Body, "payment", "payment_id")
		}()
	}
	wg.Wait()
	for i := range n {
		if codes[i] != http.StatusOK || ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("request %d: status %d payment %q (first %q)", i, codes[i], ids[i], ids[0])
		}
	}
	list := e.MustDo(t, "GET", path+"?student_id=stu_1", nil)
	if ps, _ := list["payments"].([]any); len(ps) != 1 {
		t.Fatalf("%d payments listed, want 1: %v", len(ps), list)
	}
	var postings int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM billing.postings WHERE kind = 'payment'`).Scan(&postings); err != nil || postings != 1 {
		t.Fatalf("%d payment postings (%v), want 1", postings, err)
	}
	r := e.Do(t, "POST", path, payment("st_1", "200.00", "PAYMENT_CHANNEL_WECHAT", "wx-order-1", "2026-03-10T09:00:00Z"))
	wantField(t, r, "idempotency_key")
}

func TestPaymentsHTTPBadInput(t *testing.T) {
	e := paySetup(t)
	e.statement(t, "st_1", "stu_1", "2026-spring", "240.00", "300.00", "2026-06-30")
	base := "/v1/schools/" + e.school
	wantField(t, e.Do(t, "POST", base+"/payments", payment("st_unknown", "10.00", "PAYMENT_CHANNEL_CASH", "k1", "2026-03-10T09:00:00Z")), "statement_id")
	wantField(t, e.Do(t, "POST", base+"/payments", payment("st_1", "-1.00", "PAYMENT_CHANNEL_CASH", "k2", "2026-03-10T09:00:00Z")), "amount")
	wantField(t, e.Do(t, "POST", base+"/payments", payment("st_1", "1.005", "PAYMENT_CHANNEL_CASH", "k3", "2026-03-10T09:00:00Z")), "amount.amount")
	wantField(t, e.Do(t, "POST", base+"/payments", payment("st_1", "1.00", "PAYMENT_CHANNEL_UNSPECIFIED", "k4", "2026-03-10T09:00:00Z")), "channel")
	if r := e.Do(t, "POST", "/v1/schools/sch_nope/payments", payment("st_1", "1.00", "PAYMENT_CHANNEL_CASH", "k5", "2026-03-10T09:00:00Z")); r.Code != http.StatusNotFound {
		t.Fatalf("unknown school: %d %s", r.Code, r.Raw)
	}
	// One range for money: 10 integer digits in the contract, within the
	// 12 of the columns; beyond it a 400 names the field, never a 500.
	wantField(t, e.Do(t, "POST", base+"/payments", payment("st_1", "99999999999.00", "PAYMENT_CHANNEL_CASH", "k7", "2026-03-10T09:00:00Z")), "amount.amount")
	wantField(t, e.Do(t, "POST", base+"/payments", payment("st_1", "999999999999999.99", "PAYMENT_CHANNEL_CASH", "k8", "2026-03-10T09:00:00Z")), "amount.amount")
	// Far above what the family owes (240.00): refused, and as a prepayment
	// refused beyond the configured maximum (5000.00 above what is owed).
	huge := payment("st_1", "9999999999.99", "PAYMENT_CHANNEL_CASH", "k9", "2026-03-10T09:00:00Z")
	wantField(t, e.Do(t, "POST", base+"/payments", huge), "amount")
	huge["prepayment"] = true
	wantField(t, e.Do(t, "POST", base+"/payments", huge), "amount")
	ahead := payment("st_1", "5240.01", "PAYMENT_CHANNEL_CASH", "k10", "2026-03-10T09:00:00Z")
	ahead["prepayment"] = true
	wantField(t, e.Do(t, "POST", base+"/payments", ahead), "amount")
	var payments int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM billing.payments`).Scan(&payments); err != nil || payments != 0 {
		t.Fatalf("%d payments (%v) after refused ones, want 0", payments, err)
	}
	p := e.MustDo(t, "POST", base+"/payments", payment("st_1", "240.00", "PAYMENT_CHANNEL_ALIPAY", "k6", "2026-03-10T09:00:00Z"))
	pid := systemtest.Str(p, "payment", "payment_id")
	refund := func(key, amount string) systemtest.Response {
		return e.Do(t, "POST", base+"/refunds", map[string]any{"payment_id": pid, "amount": map[string]any{"amount": amount},
			"method": "REFUND_METHOD_ORIGINAL", "idempotency_key": key, "refunded_on": systemtest.Date(2026, 4, 1)})
	}
	wantField(t, refund("r1", "240.01"), "amount")
	if r := refund("r2", "40.00"); r.Code != http.StatusOK || systemtest.Str(r.Body, "refund", "amount", "amount") != "40.00" {
		t.Fatalf("refund: %d %s", r.Code, r.Raw)
	}
	wantField(t, refund("r3", "200.01"), "amount")
	wantField(t, e.Do(t, "POST", base+"/write-offs", map[string]any{"student_id": "stu_1", "term_id": "2026-spring",
		"amount": map[string]any{"amount": "40.01"}, "reason": "特困", "idempotency_key": "w1"}), "amount")
	wantField(t, e.Do(t, "POST", base+"/terms/2026-spring/settlements", map[string]any{"request_id": "s1",
		"overpayment_policy": "OVERPAYMENT_POLICY_CREDIT"}), "next_term_id")
	wantField(t, e.Do(t, "GET", base+"/ledger/balances?as_of.year=2026&as_of.month=2&as_of.day=30", nil), "as_of")
}

// TestPaymentsHTTPTermFlow: pay, overpay, refund, write off, settle the
// term (一期一结) with credit carried to the next term, use the credit, and
// read balances, the overdue list and the ledger at past dates.
func TestPaymentsHTTPTermFlow(t *testing.T) {
	e := paySetup(t)
	base := "/v1/schools/" + e.school
	e.statement(t, "st_a", "stu_a", "2026-spring", "240.00", "300.00", "2026-06-30")
	e.statement(t, "st_b", "stu_b", "2026-spring", "240.00", "300.00", "2026-06-30")
	e.statement(t, "st_c", "stu_c", "2026-spring", "240.00", "300.00", "2026-06-30")
	e.MustDo(t, "POST", base+"/payments", payment("st_a", "100.00", "PAYMENT_CHANNEL_CASH", "a1", "2026-03-02T01:00:00Z"))
	overpay := payment("st_b", "250.00", "PAYMENT_CHANNEL_WECHAT", "b1", "2026-03-04T17:00:00Z")
	wantField(t, e.Do(t, "POST", base+"/payments", overpay), "amount") // 10 above what is owed: only as a prepayment
	overpay["prepayment"] = true
	e.MustDo(t, "POST", base+"/payments", overpay)
	e.MustDo(t, "POST", base+"/payments", payment("st_c", "240.00", "PAYMENT_CHANNEL_BANK", "c1", "2026-03-03T01:00:00Z"))
	e.MustDo(t, "POST", base+"/write-offs", map[string]any{"student_id": "stu_a", "term_id": "2026-spring",
		"amount": map[string]any{"amount": "40.00"}, "reason": "低保 family, approved", "idempotency_key": "w1", "written_on": systemtest.Date(2026, 6, 20)})

	bal := e.MustDo(t, "GET", base+"/balances?term_id=2026-spring&page_size=2", nil)
	if n := len(bal["balances"].([]any)); n != 2 || systemtest.Str(bal, "next_page_token") == "" {
		t.Fatalf("first page: %v", bal)
	}
	// 720 charged − 590 paid − 40 written off = 90 (stu_a 100 owed, stu_b 10 overpaid).
	if got := systemtest.Str(bal, "school_total", "balance", "amount"); got != "90.00" {
		t.Fatalf("school balance %s, want 90.00: %v", got, bal)
	}
	if got := systemtest.Str(bal, "school_total", "payer_share", "amount"); got != "180.00" {
		t.Fatalf("payer share %s, want 180.00", got)
	}
	next := e.MustDo(t, "GET", base+"/balances?term_id=2026-spring&page_size=2&page_token="+systemtest.Str(bal, "next_page_token"), nil)
	if systemtest.Str(next, "balances", 0, "student_id") != "stu_c" || systemtest.Str(next, "next_page_token") != "" {
		t.Fatalf("second page: %v", next)
	}

	over := e.MustDo(t, "GET", base+"/overdue?as_of.year=2026&as_of.month=7&as_of.day=1", nil)
	if o := over["overdue"].([]any); len(o) != 1 || systemtest.Str(o[0], "student_id") != "stu_a" || systemtest.Str(o[0], "balance", "amount") != "100.00" {
		t.Fatalf("overdue: %v", over)
	}

	settle := map[string]any{"request_id": "settle-2026-spring", "overpayment_policy": "OVERPAYMENT_POLICY_CREDIT",
		"next_term_id": "2026-autumn", "settled_on": systemtest.Date(2026, 7, 5)}
	s := e.MustDo(t, "POST", base+"/terms/2026-spring/settlements", settle)
	if systemtest.Str(s, "settlement", "total_due", "amount") != "100.00" || systemtest.Str(s, "settlement", "total_credited", "amount") != "10.00" {
		t.Fatalf("settlement: %v", s)
	}
	again := e.MustDo(t, "POST", base+"/terms/2026-spring/settlements", settle)
	if again["replayed"] != true || len(systemtest.Get(again, "settlement", "lines").([]any)) != 3 {
		t.Fatalf("replayed settlement: %v", again)
	}

	// The carried credit is visible in autumn at once, before autumn's first statement: stu_b is
	// listed with nothing charged, balance 0.00 and 10.00 credit available.
	early := e.MustDo(t, "GET", base+"/balances?term_id=2026-autumn", nil)
	if b := early["balances"].([]any); len(b) != 1 || systemtest.Str(b[0], "student_id") != "stu_b" ||
		systemtest.Str(b[0], "credit_available", "amount") != "10.00" || systemtest.Str(b[0], "balance", "amount") != "0.00" ||
		systemtest.Str(b[0], "charged", "amount") != "0.00" {
		t.Fatalf("autumn before its first statement: %v", early)
	}
	if got := systemtest.Str(early, "school_total", "credit_available", "amount"); got != "10.00" {
		t.Errorf("autumn school credit available %s, want 10.00", got)
	}

	// Autumn: stu_b's 10.00 credit pays part of the new statement.
	e.statement(t, "st_b2", "stu_b", "2026-autumn", "240.00", "300.00", "2026-12-31")
	credit := func(amount string) systemtest.Response {
		return e.Do(t, "POST", base+"/credits", map[string]any{"student_id": "stu_b", "term_id": "2026-autumn",
			"amount": map[string]any{"amount": amount}, "idempotency_key": "cr-" + amount, "applied_on": systemtest.Date(2026, 9, 1)})
	}
	wantField(t, credit("10.01"), "amount")
	if r := credit("10.00"); r.Code != http.StatusOK {
		t.Fatalf("apply credit: %d %s", r.Code, r.Raw)
	}
	aut := e.MustDo(t, "GET", base+"/balances?term_id=2026-autumn&student_id=stu_b", nil)
	if systemtest.Str(aut, "balances", 0, "balance", "amount") != "230.00" || systemtest.Str(aut, "balances", 0, "credit_available", "amount") != "0.00" {
		t.Fatalf("autumn: %v", aut)
	}
	// Spring's 100.00 due stays in spring: no receivable carried over.
	spring := e.MustDo(t, "GET", base+"/balances?term_id=2026-spring&student_id=stu_a", nil)
	if systemtest.Str(spring, "balances", 0, "balance", "amount") != "100.00" {
		t.Fatalf("spring stu_a: %v", spring)
	}

	// The ledger at past dates.
	at := func(y, m, dd int) map[string]string {
		t.Helper()
		r := e.MustDo(t, "GET", fmt.Sprintf("%s/ledger/balances?as_of.year=%d&as_of.month=%d&as_of.day=%d", base, y, m, dd), nil)
		out := map[string]string{}
		for _, a := range r["accounts"].([]any) {
			out[systemtest.Str(a, "account")] = systemtest.Str(a, "balance", "amount")
		}
		return out
	}
	if got := at(2026, 3, 1); len(got) != 0 {
		t.Fatalf("1 March, before the statements: %v", got)
	}
	// stu_b paid at 01:00 on 5 March China time (17:00 UTC on the 4th).
	if got := at(2026, 3, 4); got["receivable:parent:stu_b"] != "240.00" || got["cash:wechat"] != "" {
		t.Fatalf("4 March: %v", got)
	}
	if got := at(2026, 3, 5); got["receivable:parent:stu_b"] != "-10.00" || got["cash:wechat"] != "250.00" {
		t.Fatalf("5 March: %v", got)
	}
	if got := at(2026, 7, 5); got["receivable:parent:stu_b"] != "0.00" || got["credit:parent:stu_b"] != "-10.00" || got["expense:write_off"] != "40.00" {
		t.Fatalf("5 July: %v", got)
	}
	if got := at(2026, 9, 2); got["credit:parent:stu_b"] != "0.00" || got["receivable:parent:stu_b"] != "230.00" {
		t.Fatalf("2 September (autumn statement issued): %v", got)
	}
	tb := e.MustDo(t, "GET", base+"/ledger/trial-balance", nil)
	if tb["balanced"] != true || systemtest.Str(tb, "total_debits", "amount") != systemtest.Str(tb, "total_credits", "amount") {
		t.Fatalf("trial balance: %v", tb)
	}
	pp := e.MustDo(t, "GET", base+"/ledger/provider-payables", nil)
	if systemtest.Str(pp, "total", "amount") != "0.00" {
		t.Fatalf("provider payables: %v", pp)
	}
}

// TestPaymentsPayFeeRunStatement pays a statement issued by a real fee run
// (the fees helper's world and schedule: 张三 owes 28.50 of 76.00).
func TestPaymentsPayFeeRunStatement(t *testing.T) {
	w := newFeeWorld(t, "350409")
	env := w.env
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", acceptanceSchedule("三教〔2024〕18号"))
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-2024", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	student := w.students["张三"]
	got := env.MustDo(t, "GET", "/v1/schools/"+w.school+"/students/"+student+"/terms/"+w.term+"/statements", nil)
	stID := systemtest.Str(got, "statements", 0, "statement_id")
	if stID == "" {
		t.Fatalf("no statement: %v", got)
	}
	base := "/v1/schools/" + w.school
	before := env.MustDo(t, "GET", base+"/balances?term_id="+w.term+"&student_id="+student, nil)
	if systemtest.Str(before, "balances", 0, "charged", "amount") != "28.50" || systemtest.Str(before, "balances", 0, "payer_share", "amount") != "47.50" {
		t.Fatalf("before paying: %v", before)
	}
	p := env.MustDo(t, "POST", base+"/payments", payment(stID, "28.50", "PAYMENT_CHANNEL_WECHAT", "wx-zs", "2024-09-03T02:00:00Z"))
	if systemtest.Str(p, "payment", "student_id") != student || systemtest.Str(p, "payment", "term_id") != w.term {
		t.Fatalf("payment: %v", p)
	}
	after := env.MustDo(t, "GET", base+"/balances?term_id="+w.term+"&student_id="+student, nil)
	if systemtest.Str(after, "balances", 0, "balance", "amount") != "0.00" {
		t.Fatalf("after paying: %v", after)
	}
	acc := env.MustDo(t, "GET", base+"/ledger/balances?account_prefix=receivable:parent:"+student, nil)
	if systemtest.Str(acc, "accounts", 0, "balance", "amount") != "0.00" {
		t.Fatalf("parent receivable: %v", acc)
	}
	if tb := env.MustDo(t, "GET", base+"/ledger/trial-balance", nil); tb["balanced"] != true {
		t.Fatalf("trial balance: %v", tb)
	}
}
