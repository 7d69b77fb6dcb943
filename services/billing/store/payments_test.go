package store_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/payment"
	"github.com/kehou/kehou/services/billing/domain/settle"
	"github.com/kehou/kehou/services/billing/store"
	"github.com/kehou/kehou/services/billing/store/ledgertest"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/shopspring/decimal"
)

// schools stands in for timetable: every school is in district 350400.
type schools struct{}

func (schools) School(_ context.Context, id string) (facts.School, error) {
	if id == "missing" {
		return facts.School{}, fault.NotFound("school missing not found")
	}
	return facts.School{ID: id, DistrictID: "350400", Name: id}, nil
}

type bundle struct {
	pool *pgxpool.Pool
	pay  *app.Payments
	ctx  context.Context
}

// setup gives each test its own migrated database and checks, after the
// test, that the ledger's debits equal its credits.
func setup(t *testing.T) bundle {
	t.Helper()
	pool := pgtest.Pool(t)
	t.Cleanup(func() { ledgertest.AssertBalanced(t, pool) })
	return bundle{pool: pool, pay: app.NewPayments(store.New(pool), schools{}), ctx: context.Background()}
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func day(y, m, dd int) time.Time { return time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC) }

// statement issues a statement row the way a fee run does (agreed columns),
// with its charge posting: Dr ParentReceivable parent share, Dr
// PayerReceivable the rest, Cr SchoolIncome the total.
func (b bundle) statement(t *testing.T, school, id, student, term string, parent, total string, periodEnd time.Time) {
	t.Helper()
	_, err := b.pool.Exec(b.ctx, `INSERT INTO billing.statements (district_id, school_id, statement_id, run_id, student_id, term_id,
		period_start, period_end, kind, parent_amount, total_amount) VALUES ('350400', $1, $2, 'run_fixture', $3, $4, $5, $6, 'charge', $7, $8)`,
		school, id, student, term, periodEnd.AddDate(0, -4, 0), periodEnd, d(parent), d(total))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.pool.Exec(b.ctx, `INSERT INTO billing.postings (district_id, school_id, posting_id, kind, reference, effective_date)
		VALUES ('350400', $1, $2, 'charge', $2, $3)`, school, id, periodEnd.AddDate(0, -4, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.pool.Exec(b.ctx, `INSERT INTO billing.entries (district_id, school_id, posting_id, line, account, amount) VALUES
		('350400', $1, $2, 1, 'receivable:parent:' || $3, $4),
		('350400', $1, $2, 2, 'receivable:payer:city', $5),
		('350400', $1, $2, 3, 'income:school', $6)`, school, id, student, d(parent), d(total).Sub(d(parent)), d(total).Neg())
	if err != nil {
		t.Fatal(err)
	}
}

func (b bundle) pay1(t *testing.T, school, statement, amount, channel, key string, at time.Time) payment.Payment {
	t.Helper()
	p, _, err := b.pay.RecordPayment(b.ctx, school, payment.Payment{StatementID: statement, Amount: d(amount), Channel: channel,
		PaidAt: at, IdempotencyKey: key, ExternalReference: "ext-" + key})
	if err != nil {
		t.Fatalf("record payment %s: %v", key, err)
	}
	return p
}

func (b bundle) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(b.ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantViolation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *fault.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v, want a validation error naming %s", err, field)
	}
	for _, v := range ve.Violations {
		if v.Field == field {
			return
		}
	}
	t.Fatalf("violations %v do not name %s", ve.Violations, field)
}

func TestRecordPaymentConcurrentDuplicates(t *testing.T) {
	b := setup(t)
	b.statement(t, "sch_a", "st_1", "stu_1", "term_1", "240.00", "300.00", day(2026, 6, 30))
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	const n = 50
	ids := make([]string, n)
	replays := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p, rep, err := b.pay.RecordPayment(b.ctx, "sch_a", payment.Payment{StatementID: "st_1", Amount: d("240.00"),
				Channel: "wechat", PaidAt: at, IdempotencyKey: "key-1", ExternalReference: "wx-1"})
			ids[i], replays[i], errs[i] = p.ID, rep, err
		}()
	}
	close(start)
	wg.Wait()
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("request %d got payment %s, request 0 got %s", i, ids[i], ids[0])
		}
		if !replays[i] {
			fresh++
		}
	}
	if fresh != 1 {
		t.Fatalf("%d requests recorded a new payment, want 1", fresh)
	}
	if got := b.count(t, `SELECT count(*) FROM billing.payments`); got != 1 {
		t.Fatalf("%d payments, want 1", got)
	}
	if got := b.count(t, `SELECT count(*) FROM billing.postings WHERE kind = 'payment'`); got != 1 {
		t.Fatalf("%d payment postings, want 1", got)
	}
	// The same key with other content is a clear error.
	_, _, err := b.pay.RecordPayment(b.ctx, "sch_a", payment.Payment{StatementID: "st_1", Amount: d("200.00"),
		Channel: "wechat", PaidAt: at, IdempotencyKey: "key-1", ExternalReference: "wx-1"})
	wantViolation(t, err, "idempotency_key")
}

func TestRecordPaymentBadInput(t *testing.T) {
	b := setup(t)
	b.statement(t, "sch_a", "st_1", "stu_1", "term_1", "240.00", "300.00", day(2026, 6, 30))
	b.statement(t, "sch_b", "st_b", "stu_9", "term_1", "240.00", "300.00", day(2026, 6, 30))
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		give  payment.Payment
		field string
	}{
		{"unknown statement", payment.Payment{StatementID: "st_nope", Amount: d("1"), Channel: "cash", PaidAt: at, IdempotencyKey: "k1"}, "statement_id"},
		{"statement of another school", payment.Payment{StatementID: "st_b", Amount: d("1"), Channel: "cash", PaidAt: at, IdempotencyKey: "k2"}, "statement_id"},
		{"another student", payment.Payment{StatementID: "st_1", StudentID: "stu_2", Amount: d("1"), Channel: "cash", PaidAt: at, IdempotencyKey: "k3"}, "student_id"},
		{"zero amount", payment.Payment{StatementID: "st_1", Amount: d("0"), Channel: "cash", PaidAt: at, IdempotencyKey: "k4"}, "amount"},
		{"negative amount", payment.Payment{StatementID: "st_1", Amount: d("-5"), Channel: "cash", PaidAt: at, IdempotencyKey: "k5"}, "amount"},
		{"unknown channel", payment.Payment{StatementID: "st_1", Amount: d("5"), Channel: "paypal", PaidAt: at, IdempotencyKey: "k6"}, "channel"},
		{"no time", payment.Payment{StatementID: "st_1", Amount: d("5"), Channel: "cash", IdempotencyKey: "k7"}, "paid_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := b.pay.RecordPayment(b.ctx, "sch_a", tt.give)
			wantViolation(t, err, tt.field)
		})
	}
	if got := b.count(t, `SELECT count(*) FROM billing.payments`); got != 0 {
		t.Fatalf("bad input wrote %d payments", got)
	}
	_, _, err := b.pay.RecordPayment(b.ctx, "missing", payment.Payment{StatementID: "st_1", Amount: d("5"), Channel: "cash", PaidAt: at, IdempotencyKey: "k8"})
	if !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("unknown school: %v, want not found", err)
	}
}

func TestRefunds(t *testing.T) {
	b := setup(t)
	b.statement(t, "sch_a", "st_1", "stu_1", "term_1", "240.00", "300.00", day(2026, 6, 30))
	p := b.pay1(t, "sch_a", "st_1", "240.00", "alipay", "p1", time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	refund := func(key, amount, method string) (payment.Refund, bool, error) {
		return b.pay.CreateRefund(b.ctx, "sch_a", payment.Refund{PaymentID: p.ID, Amount: d(amount), Method: method,
			IdempotencyKey: key, RefundedOn: day(2026, 4, 1)})
	}
	_, _, err := refund("r0", "240.01", payment.RefundOriginal)
	wantViolation(t, err, "amount")
	r1, _, err := refund("r1", "40.00", payment.RefundOriginal)
	if err != nil {
		t.Fatal(err)
	}
	if r1.StudentID != "stu_1" || r1.TermID != "term_1" {
		t.Fatalf("refund %+v, want student and term of the payment", r1)
	}
	if _, rep, err := refund("r1", "40.00", payment.RefundOriginal); err != nil || !rep {
		t.Fatalf("replay: replayed=%v err=%v", rep, err)
	}
	if _, _, err := refund("r2", "200.01", payment.RefundCredit); err == nil {
		t.Fatal("credit beyond the unrefunded 200.00 was accepted")
	} else {
		wantViolation(t, err, "amount")
	}
	if _, _, err := refund("r3", "200.00", payment.RefundCredit); err != nil {
		t.Fatal(err)
	}
	_, _, err = refund("r4", "0.01", payment.RefundOriginal)
	wantViolation(t, err, "amount")
	_, _, err = b.pay.CreateRefund(b.ctx, "sch_a", payment.Refund{PaymentID: "pay_nope", Amount: d("1"), Method: payment.RefundOriginal, IdempotencyKey: "r5"})
	wantViolation(t, err, "payment_id")

	page, err := b.pay.ListBalances(b.ctx, "sch_a", "term_1", "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	f := page.Families[0]
	// 240 charged − 240 paid + 40 refunded + 200 credited = 240 owed again; 200 credit held.
	if !f.Balance().Equal(d("240")) || !f.Refunded.Equal(d("40")) || !f.Credited.Equal(d("200")) || !f.CreditAvailable.Equal(d("200")) {
		t.Fatalf("balance %+v", f)
	}
	if !f.PayerShare.Equal(d("60")) {
		t.Fatalf("payer share %s, want 60", f.PayerShare)
	}
}

func TestSettlementRefundsAndCredit(t *testing.T) {
	b := setup(t)
	end := day(2026, 6, 30)
	b.statement(t, "sch_a", "st_a", "stu_a", "term_1", "100.00", "160.00", end) // pays 60: 40 due
	b.statement(t, "sch_a", "st_b", "stu_b", "term_1", "100.00", "160.00", end) // pays 130 in two: 30 over
	b.statement(t, "sch_a", "st_c", "stu_c", "term_1", "100.00", "160.00", end) // pays 100: even
	b.statement(t, "sch_a", "st_b2", "stu_b", "term_2", "100.00", "160.00", day(2026, 12, 31))
	b.pay1(t, "sch_a", "st_a", "60.00", "cash", "a1", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	b.pay1(t, "sch_a", "st_b", "100.00", "wechat", "b1", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	// 30 above what stu_b owes: refused unless marked as a prepayment.
	_, _, err := b.pay.RecordPayment(b.ctx, "sch_a", payment.Payment{StatementID: "st_b", Amount: d("30.00"), Channel: "bank",
		PaidAt: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), IdempotencyKey: "b2", ExternalReference: "ext-b2"})
	wantViolation(t, err, "amount")
	late, _, err := b.pay.RecordPayment(b.ctx, "sch_a", payment.Payment{StatementID: "st_b", Amount: d("30.00"), Channel: "bank",
		PaidAt: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), IdempotencyKey: "b2", ExternalReference: "ext-b2", Prepayment: true})
	if err != nil {
		t.Fatalf("record prepayment b2: %v", err)
	}
	b.pay1(t, "sch_a", "st_c", "100.00", "alipay", "c1", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))

	// Credit policy needs the next term.
	_, _, err = b.pay.SettleTerm(b.ctx, "sch_a", payment.Settlement{ID: "s0", TermID: "term_1", Policy: settle.PolicyCredit})
	wantViolation(t, err, "next_term_id")

	s, rep, err := b.pay.SettleTerm(b.ctx, "sch_a", payment.Settlement{ID: "s1", TermID: "term_1", Policy: settle.PolicyRefund, SettledOn: day(2026, 7, 1)})
	if err != nil || rep {
		t.Fatalf("settle: replayed=%v err=%v", rep, err)
	}
	if !s.TotalDue.Equal(d("40")) || !s.TotalRefunded.Equal(d("30")) || !s.TotalCredited.IsZero() {
		t.Fatalf("totals due %s refunded %s credited %s", s.TotalDue, s.TotalRefunded, s.TotalCredited)
	}
	acts := map[string]settle.Action{}
	for _, l := range s.Lines {
		acts[l.Before.StudentID] = l.Action
	}
	if acts["stu_a"] != settle.ActionDue || acts["stu_b"] != settle.ActionRefund || acts["stu_c"] != settle.ActionNone {
		t.Fatalf("actions %v", acts)
	}
	if len(s.Refunds) != 1 || s.Refunds[0].PaymentID != late.ID || !s.Refunds[0].Amount.Equal(d("30")) {
		t.Fatalf("refunds %+v, want 30.00 back on the newest payment %s", s.Refunds, late.ID)
	}
	// Replay returns the same settlement; the same id with other content is rejected.
	again, rep, err := b.pay.SettleTerm(b.ctx, "sch_a", payment.Settlement{ID: "s1", TermID: "term_1", Policy: settle.PolicyRefund, SettledOn: day(2026, 7, 1)})
	if err != nil || !rep || len(again.Lines) != 3 || len(again.Refunds) != 1 || !again.TotalRefunded.Equal(d("30")) {
		t.Fatalf("replay: replayed=%v err=%v %+v", rep, err, again)
	}
	_, _, err = b.pay.SettleTerm(b.ctx, "sch_a", payment.Settlement{ID: "s1", TermID: "term_1", Policy: settle.PolicyCredit, NextTermID: "term_2", SettledOn: day(2026, 7, 1)})
	wantViolation(t, err, "request_id")
	if got := b.count(t, `SELECT count(*) FROM billing.refunds`); got != 1 {
		t.Fatalf("%d refunds after replays, want 1", got)
	}

	// Term 2: stu_b overpays 20, the school carries it as credit, and it is
	// used in term 3. stu_a's 40 due in term 1 is not carried.
	if _, _, err := b.pay.RecordPayment(b.ctx, "sch_a", payment.Payment{StatementID: "st_b2", Amount: d("120.00"), Channel: "wechat",
		PaidAt: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), IdempotencyKey: "b3", Prepayment: true}); err != nil {
		t.Fatalf("record prepayment b3: %v", err)
	}
	s2, _, err := b.pay.SettleTerm(b.ctx, "sch_a", payment.Settlement{ID: "s2", TermID: "term_2", Policy: settle.PolicyCredit, NextTermID: "term_3", SettledOn: day(2027, 1, 15)})
	if err != nil {
		t.Fatal(err)
	}
	if !s2.TotalCredited.Equal(d("20")) || len(s2.Lines) != 1 || s2.Refunds[0].Method != payment.RefundCredit || s2.Refunds[0].CreditTermID != "term_3" {
		t.Fatalf("settlement 2 %+v", s2)
	}
	b.statement(t, "sch_a", "st_b3", "stu_b", "term_3", "100.00", "160.00", day(2027, 6, 30))
	_, _, err = b.pay.ApplyCredit(b.ctx, "sch_a", payment.CreditApplication{StudentID: "stu_b", TermID: "term_3", Amount: d("20.01"), IdempotencyKey: "c1"})
	wantViolation(t, err, "amount")
	if _, _, err := b.pay.ApplyCredit(b.ctx, "sch_a", payment.CreditApplication{StudentID: "stu_b", TermID: "term_3", Amount: d("20.00"), IdempotencyKey: "c1"}); err != nil {
		t.Fatal(err)
	}
	page, err := b.pay.ListBalances(b.ctx, "sch_a", "term_3", "stu_b", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if f := page.Families[0]; !f.Balance().Equal(d("80")) || !f.CreditAvailable.IsZero() {
		t.Fatalf("term 3 %+v, want 80 owed and no credit left", f)
	}
	t1, err := b.pay.ListBalances(b.ctx, "sch_a", "term_1", "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !t1.Total.Balance().Equal(d("40")) {
		t.Fatalf("term 1 school balance %s, want 40", t1.Total.Balance())
	}
	// The ledger agrees: stu_b's receivable is 80 (term 3) and stu_a's 40.
	accs, err := b.pay.LedgerBalances(b.ctx, "sch_a", day(2030, 1, 1), "receivable:parent:", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range accs {
		got[a.Account] = a.Balance().StringFixed(2)
	}
	if got["receivable:parent:stu_a"] != "40.00" || got["receivable:parent:stu_b"] != "80.00" || got["receivable:parent:stu_c"] != "0.00" {
		t.Fatalf("receivables %v", got)
	}
}

func TestWriteOffAndOverdue(t *testing.T) {
	b := setup(t)
	b.statement(t, "sch_a", "st_a", "stu_a", "term_1", "100.00", "100.00", day(2026, 6, 30))
	b.statement(t, "sch_a", "st_b", "stu_b", "term_1", "100.00", "100.00", day(2026, 6, 30))
	b.statement(t, "sch_a", "st_c", "stu_c", "term_1", "100.00", "100.00", day(2026, 6, 30))
	b.pay1(t, "sch_a", "st_c", "100.00", "cash", "c1", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	wo := func(key, amount, reason string) error {
		_, _, err := b.pay.CreateWriteOff(b.ctx, "sch_a", payment.WriteOff{StudentID: "stu_b", TermID: "term_1", Amount: d(amount),
			Reason: reason, IdempotencyKey: key, WrittenOn: day(2026, 7, 10)})
		return err
	}
	wantViolation(t, wo("w0", "100.01", "特困 family"), "amount")
	wantViolation(t, wo("w1", "10", " "), "reason")
	if err := wo("w2", "100.00", "特困 family, approved by the principal"); err != nil {
		t.Fatal(err)
	}
	wantViolation(t, wo("w3", "0.01", "again"), "amount")

	overdue := func(asOf time.Time, due *time.Time, after string, limit int) []payment.FamilyBalance {
		t.Helper()
		fs, err := b.pay.ListOverdue(b.ctx, "sch_a", "term_1", asOf, due, "term_1", after, limit)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	if fs := overdue(day(2026, 6, 30), nil, "", 0); len(fs) != 0 {
		t.Fatalf("overdue on the due date itself: %+v", fs)
	}
	fs := overdue(day(2026, 7, 1), nil, "", 0)
	if len(fs) != 1 || fs[0].StudentID != "stu_a" || !fs[0].Balance().Equal(d("100")) {
		t.Fatalf("overdue %+v, want only stu_a", fs)
	}
	early := day(2026, 3, 15)
	if fs := overdue(day(2026, 4, 1), &early, "", 0); len(fs) != 1 {
		t.Fatalf("with a due date in the request: %+v", fs)
	}
	if fs := overdue(day(2026, 7, 1), nil, "stu_a", 0); len(fs) != 0 {
		t.Fatalf("page after stu_a: %+v", fs)
	}
}

func TestLedgerBalancesAtPastDates(t *testing.T) {
	b := setup(t)
	b.statement(t, "sch_a", "st_1", "stu_1", "term_1", "240.00", "300.00", day(2026, 6, 30))             // effective 2026-02-28
	b.pay1(t, "sch_a", "st_1", "100.00", "wechat", "p1", time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC)) // 3-11 in China
	p2 := b.pay1(t, "sch_a", "st_1", "140.00", "wechat", "p2", time.Date(2026, 4, 10, 2, 0, 0, 0, time.UTC))
	if _, _, err := b.pay.CreateRefund(b.ctx, "sch_a", payment.Refund{PaymentID: p2.ID, Amount: d("15.50"), Method: payment.RefundOriginal,
		IdempotencyKey: "r1", RefundedOn: day(2026, 5, 1)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		asOf       time.Time
		receivable string
		cash       string
	}{
		{day(2026, 2, 27), "", ""},
		{day(2026, 3, 10), "240.00", ""},
		{day(2026, 3, 11), "140.00", "100.00"},
		{day(2026, 4, 30), "0.00", "240.00"},
		{day(2026, 5, 1), "15.50", "224.50"},
	}
	for _, tt := range tests {
		t.Run(tt.asOf.Format(time.DateOnly), func(t *testing.T) {
			accs, err := b.pay.LedgerBalances(b.ctx, "sch_a", tt.asOf, "", "", 0)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, a := range accs {
				got[a.Account] = a.Balance().StringFixed(2)
			}
			if got["receivable:parent:stu_1"] != tt.receivable || got["cash:wechat"] != tt.cash {
				t.Fatalf("balances %v, want receivable %q cash %q", got, tt.receivable, tt.cash)
			}
			tb, err := b.pay.TrialBalance(b.ctx, "sch_a", tt.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if !tb.Debits.Equal(tb.Credits) || tb.Unbalanced != 0 {
				t.Fatalf("trial balance %+v", tb)
			}
		})
	}
	page, err := b.pay.LedgerBalances(b.ctx, "sch_a", day(2026, 12, 31), "", "", 2)
	if err != nil || len(page) != 2 {
		t.Fatalf("page of 2: %v %v", page, err)
	}
	rest, err := b.pay.LedgerBalances(b.ctx, "sch_a", day(2026, 12, 31), "", page[1].Account, 0)
	if err != nil || len(rest) != 2 || rest[0].Account <= page[1].Account {
		t.Fatalf("rest after %s: %v %v", page[1].Account, rest, err)
	}
}

func TestProviderPayables(t *testing.T) {
	b := setup(t)
	_, err := b.pool.Exec(b.ctx, `INSERT INTO billing.postings (district_id, school_id, posting_id, kind, reference, effective_date)
		VALUES ('350400', 'sch_a', 'st_x', 'charge', 'st_x', '2026-03-01');
		INSERT INTO billing.entries (district_id, school_id, posting_id, line, account, amount) VALUES
		('350400', 'sch_a', 'st_x', 1, 'receivable:parent:stu_1', 130.00),
		('350400', 'sch_a', 'st_x', 2, 'income:school', -80.00),
		('350400', 'sch_a', 'st_x', 3, 'payable:provider:meals_co', -50.00)`)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := b.pay.ProviderPayables(b.ctx, "sch_a", day(2026, 3, 1))
	if err != nil || len(ps) != 1 || ps[0].ProviderID != "meals_co" || !ps[0].Owed.Equal(d("50")) {
		t.Fatalf("payables %+v %v", ps, err)
	}
	if ps, _ := b.pay.ProviderPayables(b.ctx, "sch_a", day(2026, 2, 28)); len(ps) != 0 {
		t.Fatalf("payables before the charge: %+v", ps)
	}
}

// TestAppendOnly: the database itself refuses to change or remove
// postings, entries and money records.
func TestAppendOnly(t *testing.T) {
	b := setup(t)
	b.statement(t, "sch_a", "st_1", "stu_1", "term_1", "240.00", "300.00", day(2026, 6, 30))
	b.pay1(t, "sch_a", "st_1", "10.00", "cash", "p1", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	for _, q := range []string{
		`UPDATE billing.entries SET amount = amount * 2`,
		`DELETE FROM billing.entries`,
		`UPDATE billing.postings SET memo = 'x'`,
		`DELETE FROM billing.postings`,
		`TRUNCATE billing.entries CASCADE`,
		`TRUNCATE billing.postings CASCADE`,
		`UPDATE billing.payments SET amount = 1`,
		`DELETE FROM billing.payments`,
	} {
		t.Run(q, func(t *testing.T) {
			_, err := b.pool.Exec(b.ctx, q)
			if err == nil {
				t.Fatalf("%s was allowed", q)
			}
			if want := "append-only"; !contains(err.Error(), want) {
				t.Fatalf("%s: %v, want %q", q, err, want)
			}
		})
	}
	if got := b.count(t, `SELECT count(*) FROM billing.entries`); got != 5 {
		t.Fatalf("%d entries left, want 5", got)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestCheckLedgerFails shows the after-test assertion can fail: an
// unbalanced posting written around InsertPostings is reported.
func TestCheckLedgerFails(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	if err := store.CheckLedger(ctx, pool); err != nil {
		t.Fatalf("empty ledger: %v", err)
	}
	_, err := pool.Exec(ctx, `INSERT INTO billing.postings (district_id, school_id, posting_id, kind, effective_date)
		VALUES ('350400', 'sch_a', 'bad', 'charge', '2026-03-01');
		INSERT INTO billing.entries VALUES ('350400', 'sch_a', 'bad', 1, 'cash:cash', 1.00), ('350400', 'sch_a', 'bad', 2, 'income:school', -0.99)`)
	if err != nil {
		t.Fatal(err)
	}
	err = store.CheckLedger(ctx, pool)
	if err == nil || !contains(err.Error(), "sch_a/bad") {
		t.Fatalf("CheckLedger = %v, want the unbalanced posting named", err)
	}
}

// BenchmarkRecordPayment measures one payment (idempotency check,
// statement read, family lock, insert, posting) end to end against
// PostgreSQL; in parallel, families do not wait for each other.
func BenchmarkRecordPayment(b *testing.B) {
	pool := pgtest.Pool(b)
	ctx := context.Background()
	const students = 200
	_, err := pool.Exec(ctx, `INSERT INTO billing.statements (district_id, school_id, statement_id, run_id, student_id, term_id,
		period_start, period_end, kind, parent_amount, total_amount)
		SELECT '350400', 'sch_a', 'st_' || i, 'run_b', 'stu_' || i, 'term_1', '2026-03-01', '2026-06-30', 'charge', 240, 300
		FROM generate_series(1, $1) i`, students)
	if err != nil {
		b.Fatal(err)
	}
	pay := app.NewPayments(store.New(pool), schools{})
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	var seq sync.Mutex
	n := 0
	next := func() int {
		seq.Lock()
		defer seq.Unlock()
		n++
		return n
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			i := next()
			if _, _, err := pay.RecordPayment(ctx, "sch_a", payment.Payment{StatementID: "st_" + strconv.Itoa(i%students+1), Amount: d("1.00"),
				Channel: "wechat", PaidAt: at, IdempotencyKey: "bench-" + strconv.Itoa(i)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next()
				if _, _, err := pay.RecordPayment(ctx, "sch_a", payment.Payment{StatementID: "st_" + strconv.Itoa(i%students+1), Amount: d("1.00"),
					Channel: "wechat", PaidAt: at, IdempotencyKey: "bench-" + strconv.Itoa(i)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("replay", func(b *testing.B) {
		for b.Loop() {
			if _, rep, err := pay.RecordPayment(ctx, "sch_a", payment.Payment{StatementID: "st_2", Amount: d("1.00"),
				Channel: "wechat", PaidAt: at, IdempotencyKey: "bench-1"}); err != nil || !rep {
				b.Fatal(err, rep)
			}
		}
	})
	if err := store.CheckLedger(ctx, pool); err != nil {
		b.Fatal(err)
	}
}
