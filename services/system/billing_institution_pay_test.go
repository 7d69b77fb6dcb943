package system_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/system/systemtest"
)

// TestInstitutionSettlementPaymentHTTP: an outside institution's September
// (机构结算) — its instructor's session (120.00 of labour) and 200.00 a
// school statement billed on its behalf (代收) — is paid over HTTP: the
// wrong amount is a 400 naming amount with nothing written; the right one
// posts Dr payable:institution 120.00 and Dr payable:provider 200.00 against
// cash; the same request again is the same payment, a second payment is
// refused, the settlement then shows nothing due, the school's PayMonth
// pays its own teacher only, and the reconciliation counts the 120.00 as
// paid to institutions.
func TestInstitutionSettlementPaymentHTTP(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350407")
	g := s.solve(t, "7")
	demands := map[string]any{}
	for _, d := range g["demands"].([]any) {
		demands[systemtest.Str(d, "demand_id")] = d
	}
	type slot struct {
		asg                 string
		day, h1, m1, h2, m2 int
	}
	var homework, outside *slot
	inst := ""
	for _, a := range g["assignments"].([]any) {
		d := demands[systemtest.Str(a, "demand_id")]
		sl := &slot{asg: systemtest.Str(a, "assignment_id"), day: stNum(d, "date", "day"),
			h1: stNum(d, "start", "hours"), m1: stNum(d, "start", "minutes"), h2: stNum(d, "end", "hours"), m2: stNum(d, "end", "minutes")}
		switch {
		case sl.day == 12:
		case systemtest.Str(d, "role") == "supervisor" && homework == nil:
			homework = sl
		case systemtest.Str(d, "institution_id") != "" && systemtest.Str(d, "role") == "instructor" && outside == nil:
			outside = sl
			inst = systemtest.Str(d, "institution_id")
		}
	}
	if homework == nil || outside == nil {
		t.Fatal("the week has no homework or no outside session")
	}
	for _, sl := range []*slot{homework, outside} {
		in := env.MustDo(t, "POST", s.path("/assignments/%s:checkIn", sl.asg), map[string]any{"time": stAt(sl.day, sl.h1, sl.m1)})
		rec := systemtest.Str(in, "record", "record_id")
		env.MustDo(t, "POST", s.path("/hour-records/%s:checkOut", rec), map[string]any{"time": stAt(sl.day, sl.h2, sl.m2), "duty": "taught"})
		env.MustDo(t, "POST", s.path("/hour-records/%s:approve", rec), map[string]any{"approved_by": "周主任"})
		env.MustDo(t, "POST", s.path("/hour-records/%s:lock", rec), map[string]any{})
	}
	env.MustDo(t, "POST", "/v1/districts/"+s.district+"/rate-tables", e2ePayTable())
	run := env.MustDo(t, "POST", s.path("/pay-runs"), map[string]any{"request_id": "inst-run-sep", "year": 2026, "month": 9})
	if got := systemtest.Str(run, "run", "paid"); got != "231.00" {
		t.Fatalf("pay run paid %s, want 111.00 + 120.00 = 231.00", got)
	}
	ctx := context.Background()
	db, err := pgx.Connect(ctx, env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	// 200.00 billed to a family on the institution's behalf (代收).
	if _, err := db.Exec(ctx, `INSERT INTO billing.postings (district_id, school_id, posting_id, kind, reference, effective_date)
		VALUES ($1, $2, 'chg-inst', 'charge', 'chg-inst', '2026-09-08')`, s.district, s.id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO billing.entries (district_id, school_id, posting_id, line, account, amount) VALUES
		($1, $2, 'chg-inst', 1, 'receivable:parent:stu_e', 200.00), ($1, $2, 'chg-inst', 2, 'payable:provider:' || $3, -200.00)`,
		s.district, s.id, inst); err != nil {
		t.Fatal(err)
	}
	settlement := fmt.Sprintf("/v1/districts/%s/institutions/%s/settlement", s.district, inst)
	st := env.MustDo(t, "GET", settlement+"?year=2026&month=9", nil)["settlement"]
	if systemtest.Str(st, "total", "labour") != "120.00" || systemtest.Str(st, "total", "labour_paid") != "0.00" ||
		systemtest.Str(st, "total", "collected_on_behalf") != "200.00" || systemtest.Str(st, "total", "due") != "320.00" {
		t.Fatalf("settlement before payment %v, want labour 120.00 + collected 200.00 = 320.00 due", systemtest.Get(st, "total"))
	}

	pay := func(req, amount string) systemtest.Response {
		return env.Do(t, "POST", settlement+":pay", map[string]any{"year": 2026, "month": 9, "amount": map[string]any{"amount": amount},
			"paid_on": systemtest.Date(2026, 10, 5), "request_id": req})
	}
	wantField(t, pay("inst-over", "320.01"), "amount")
	wantField(t, pay("inst-part", "300.00"), "amount")
	wantField(t, pay("inst-neg", "-320.00"), "amount")
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, q, s.district).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM billing.institution_payments WHERE district_id = $1`); n != 0 {
		t.Fatalf("%d payments after refused requests, want 0", n)
	}

	first := pay("inst-sep", "320.00")
	if first.Code != http.StatusOK {
		t.Fatalf("payment: %d %s", first.Code, first.Raw)
	}
	id := systemtest.Str(first.Body, "payment", "payment_id")
	sch := systemtest.Get(first.Body, "payment", "schools", 0)
	if id == "" || systemtest.Str(sch, "school_id") != s.id || systemtest.Str(sch, "labour", "amount") != "120.00" ||
		systemtest.Str(sch, "collected_on_behalf", "amount") != "200.00" || systemtest.Str(first.Body, "payment", "amount", "amount") != "320.00" {
		t.Fatalf("payment %s", first.Raw)
	}
	if again := pay("inst-sep", "320.00"); again.Code != http.StatusOK || systemtest.Str(again.Body, "payment", "payment_id") != id ||
		systemtest.Get(again.Body, "replayed") != true {
		t.Fatalf("replay: %d %s", again.Code, again.Raw)
	}
	wantField(t, pay("inst-sep", "100.00"), "request_id")
	if twice := pay("inst-sep-2", "320.00"); twice.Code != http.StatusBadRequest {
		t.Fatalf("a second payment of the paid month: %d %s, want 400", twice.Code, twice.Raw)
	}
	st = env.MustDo(t, "GET", settlement+"?year=2026&month=9", nil)["settlement"]
	if systemtest.Str(st, "total", "labour_paid") != "120.00" || systemtest.Str(st, "total", "paid_out") != "200.00" ||
		systemtest.Str(st, "total", "due") != "0.00" {
		t.Fatalf("settlement after payment %v, want labour paid 120.00, paid out 200.00, nothing due", systemtest.Get(st, "total"))
	}
	// The ledger: the institution's and provider payables are settled, cash went out.
	var instBal, provBal, cash string
	if err := db.QueryRow(ctx, `SELECT
			coalesce(sum(amount) FILTER (WHERE account = 'payable:institution:' || $3), 0)::text,
			coalesce(sum(amount) FILTER (WHERE account = 'payable:provider:' || $3), 0)::text,
			coalesce(sum(e.amount) FILTER (WHERE account = 'cash:bank' AND posting_id LIKE $4), 0)::text
		FROM billing.entries e WHERE district_id = $1 AND school_id = $2`, s.district, s.id, inst, id+"%").Scan(&instBal, &provBal, &cash); err != nil {
		t.Fatal(err)
	}
	if instBal != "0.00" || provBal != "0.00" || cash != "-320.00" {
		t.Fatalf("institution payable %s, provider payable %s, cash %s; want 0.00, 0.00, -320.00", instBal, provBal, cash)
	}

	// The school's PayMonth pays its own teacher only: the instructor was paid.
	pm := env.MustDo(t, "POST", s.path("/pay-months:pay"), map[string]any{"request_id": "inst-paymonth", "year": 2026, "month": 9})
	if systemtest.Str(pm, "total") != "111.00" || len(systemtest.Get(pm, "payments").([]any)) != 1 {
		t.Fatalf("PayMonth after the settlement payment: %v, want 111.00 to one person", pm)
	}
	// The reconciliation of October (the payment's date) counts it as paid to institutions.
	rec := env.MustDo(t, "GET", s.path("/reconciliation?year=2026&month=10"), nil)["reconciliation"]
	if got := systemtest.Str(rec, "spending", "institutions_paid"); got != "120.00" {
		t.Fatalf("institutions_paid %s in October, want 120.00", got)
	}
	if n := count(`SELECT count(*) FROM billing.audit_log WHERE district_id = $1 AND object_kind = 'institution_payment'`); n != 1 {
		t.Fatalf("%d audited institution payments, want 1", n)
	}
	var sum string
	if err := db.QueryRow(ctx, `SELECT coalesce(sum(amount), 0)::text FROM billing.entries WHERE district_id = $1`, s.district).Scan(&sum); err != nil || sum != "0.00" {
		t.Fatalf("ledger sums to %s (%v), want 0.00", sum, err)
	}
}
