package system_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/shopspring/decimal"
)

// addYuan adds two amounts given as strings, to two places.
func addYuan(t *testing.T, a, b string) string {
	t.Helper()
	x, err1 := decimal.NewFromString(a)
	y, err2 := decimal.NewFromString(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("amounts %q %q", a, b)
	}
	return x.Add(y).StringFixed(2)
}

// payerIncome returns the reconciliation's figures of one payer.
func payerIncome(t *testing.T, rec map[string]any, payer string) (billed, received, outstanding string) {
	t.Helper()
	ps, _ := systemtest.Get(rec, "reconciliation", "income", "payers").([]any)
	for _, p := range ps {
		if systemtest.Str(p, "payer_id") == payer {
			return systemtest.Str(p, "billed"), systemtest.Str(p, "received"), systemtest.Str(p, "outstanding")
		}
	}
	t.Fatalf("no payer %s in the reconciliation: %v", payer, rec)
	return "", "", ""
}

// TestPayerReceiptsHTTP: two statements bill the city 60.00 + 80.00 of
// subsidies; a receipt of 100.00 (财政补助到账) shows in the month's
// reconciliation as received with 40.00 still outstanding, and in income;
// the same request again is the same receipt; bad input is a 400 naming
// the field and writes nothing.
func TestPayerReceiptsHTTP(t *testing.T) {
	e := paySetup(t)
	e.statement(t, "st_1", "stu_1", "2026-spring", "240.00", "300.00", "2026-06-30")
	e.statement(t, "st_2", "stu_2", "2026-spring", "100.00", "180.00", "2026-06-30")
	recPath := "/v1/schools/" + e.school + "/reconciliation?year=2026&month=3"
	before := e.MustDo(t, "GET", recPath, nil)
	if b, r, o := payerIncome(t, before, "city"); b != "140.00" || r != "0.00" || o != "140.00" {
		t.Fatalf("before the receipt: billed %s received %s outstanding %s, want 140.00 0.00 140.00", b, r, o)
	}
	incomeBefore := systemtest.Str(before, "reconciliation", "income", "total")

	path := "/v1/districts/350402/payers/city/receipts"
	receipt := func(key, amount string) map[string]any {
		return map[string]any{"school_id": e.school, "amount": map[string]any{"amount": amount},
			"received_on": systemtest.Date(2026, 3, 20), "claim_references": []string{"2026春季补助申报-01"},
			"voucher_number": "记-0320-7", "idempotency_key": key}
	}
	got := e.MustDo(t, "POST", path, receipt("city-0320", "100.00"))
	id := systemtest.Str(got, "receipt", "receipt_id")
	if id == "" || systemtest.Str(got, "outstanding", "amount") != "40.00" || systemtest.Get(got, "replayed") == true {
		t.Fatalf("receipt: %v", got)
	}
	again := e.MustDo(t, "POST", path, receipt("city-0320", "100.00"))
	if systemtest.Str(again, "receipt", "receipt_id") != id || systemtest.Get(again, "replayed") != true {
		t.Fatalf("replay: %v, want receipt %s replayed", again, id)
	}
	wantField(t, e.Do(t, "POST", path, receipt("city-0320", "90.00")), "idempotency_key")

	after := e.MustDo(t, "GET", recPath, nil)
	if b, r, o := payerIncome(t, after, "city"); b != "140.00" || r != "100.00" || o != "40.00" {
		t.Fatalf("after the receipt: billed %s received %s outstanding %s, want 140.00 100.00 40.00", b, r, o)
	}
	if total := systemtest.Str(after, "reconciliation", "income", "total"); total != addYuan(t, incomeBefore, "100.00") {
		t.Fatalf("income total %s after the receipt, was %s: want it 100.00 higher", total, incomeBefore)
	}

	// Refused, each naming its field, and nothing written.
	wantField(t, e.Do(t, "POST", path, receipt("k-over", "40.01")), "amount")
	wantField(t, e.Do(t, "POST", path, receipt("k-zero", "0.00")), "amount")
	wantField(t, e.Do(t, "POST", path, receipt("k-neg", "-5.00")), "amount")
	wantField(t, e.Do(t, "POST", path, receipt("k-fen", "1.005")), "amount.amount")
	wantField(t, e.Do(t, "POST", "/v1/districts/350402/payers/province/receipts", receipt("k-payer", "1.00")), "payer_id")
	noVoucher := receipt("k-voucher", "1.00")
	delete(noVoucher, "voucher_number")
	wantField(t, e.Do(t, "POST", path, noVoucher), "voucher_number")
	noClaims := receipt("k-claims", "1.00")
	noClaims["claim_references"] = []string{}
	wantField(t, e.Do(t, "POST", path, noClaims), "claim_references")
	future := receipt("k-future", "1.00")
	future["received_on"] = systemtest.Date(2099, 1, 1)
	wantField(t, e.Do(t, "POST", path, future), "received_on")
	noDate := receipt("k-nodate", "1.00")
	delete(noDate, "received_on")
	wantField(t, e.Do(t, "POST", path, noDate), "received_on")
	if r := e.Do(t, "POST", path, map[string]any{"school_id": "sch_nope", "amount": map[string]any{"amount": "1.00"},
		"received_on": systemtest.Date(2026, 3, 20), "claim_references": []string{"x"}, "voucher_number": "v", "idempotency_key": "k-school"}); r.Code != http.StatusNotFound {
		t.Fatalf("unknown school: %d %s", r.Code, r.Raw)
	}
	var receipts, postings int
	ctx := context.Background()
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM billing.payer_receipts`).Scan(&receipts); err != nil || receipts != 1 {
		t.Fatalf("%d receipts (%v), want 1", receipts, err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM billing.postings WHERE kind = 'payer_receipt'`).Scan(&postings); err != nil || postings != 1 {
		t.Fatalf("%d payer_receipt postings (%v), want 1", postings, err)
	}

	// The rest of the claims, then the list: newest first, nothing owed.
	rest := receipt("city-0325", "40.00")
	rest["received_on"] = systemtest.Date(2026, 3, 25)
	last := e.MustDo(t, "POST", path, rest)
	if systemtest.Str(last, "outstanding", "amount") != "0.00" {
		t.Fatalf("second receipt: %v", last)
	}
	list := e.MustDo(t, "GET", path+"?school_id="+e.school+"&page_size=1", nil)
	rs, _ := list["receipts"].([]any)
	if len(rs) != 1 || systemtest.Str(rs[0], "amount", "amount") != "40.00" || systemtest.Str(list, "outstanding", "amount") != "0.00" ||
		systemtest.Str(list, "next_page_token") == "" {
		t.Fatalf("first page: %v", list)
	}
	next := e.MustDo(t, "GET", path+"?page_size=1&page_token="+url.QueryEscape(systemtest.Str(list, "next_page_token")), nil)
	if rs, _ := next["receipts"].([]any); len(rs) != 1 || systemtest.Str(rs[0], "receipt_id") != id ||
		systemtest.Str(rs[0], "claim_references", 0) != "2026春季补助申报-01" || systemtest.Str(rs[0], "voucher_number") != "记-0320-7" {
		t.Fatalf("second page: %v", next)
	}
	wantField(t, e.Do(t, "POST", path, receipt("k-after", "0.01")), "amount")
	// The audit trail records each receipt.
	var audited int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM billing.audit_log WHERE object_kind = 'payer_receipt' AND operation = 'insert'`).Scan(&audited); err != nil || audited != 2 {
		t.Fatalf("%d audited receipts (%v), want 2", audited, err)
	}
}
