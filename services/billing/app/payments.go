package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/payment"
	"github.com/kehou/kehou/services/billing/domain/settle"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// PaymentStore is the storage payments need. Each change runs in one
// transaction that first returns the record already stored under the same
// idempotency key (replayed = true), then serialises the family's money
// changes, reads the facts fn needs, lets fn check them and build the
// posting, and writes record and posting together.
type PaymentStore interface {
	// RecordPayment calls fn with the statement paid and its family's
	// balance in the statement's term, both read under the family's lock.
	RecordPayment(ctx context.Context, sc payment.Tenant, p payment.Payment, fn func(payment.StatementRef, payment.FamilyBalance, *payment.Payment) (ledger.Posting, error)) (payment.Payment, bool, error)
	ListPayments(ctx context.Context, sc payment.Tenant, studentID, termID, after string, limit int) ([]payment.Payment, error)
	CreateRefund(ctx context.Context, sc payment.Tenant, r payment.Refund, fn func(p payment.Payment, refundable decimal.Decimal, r *payment.Refund) (ledger.Posting, error)) (payment.Refund, bool, error)
	ApplyCredit(ctx context.Context, sc payment.Tenant, a payment.CreditApplication, fn func(available decimal.Decimal, fam payment.FamilyBalance) (ledger.Posting, error)) (payment.CreditApplication, bool, error)
	CreateWriteOff(ctx context.Context, sc payment.Tenant, w payment.WriteOff, fn func(fam payment.FamilyBalance) (ledger.Posting, error)) (payment.WriteOff, bool, error)
	SettleTerm(ctx context.Context, sc payment.Tenant, s payment.Settlement, fn func([]payment.FamilyState) (payment.Settlement, []ledger.Posting, error)) (payment.Settlement, bool, error)
	FamilyBalances(ctx context.Context, sc payment.Tenant, f payment.BalanceFilter) ([]payment.FamilyBalance, error)
	AccountBalances(ctx context.Context, sc payment.Tenant, asOf time.Time, prefix, after string, limit int) ([]ledger.AccountBalance, error)
	TrialBalance(ctx context.Context, sc payment.Tenant, asOf time.Time) (ledger.TrialBalance, error)
	// RecordPayerReceipt calls fn with whether the payer was ever billed in
	// the school and what it owes there now, read under the payer's lock.
	RecordPayerReceipt(ctx context.Context, sc payment.Tenant, r payment.PayerReceipt, fn func(billed bool, owed decimal.Decimal) (ledger.Posting, error)) (payment.PayerReceipt, bool, error)
	ListPayerReceipts(ctx context.Context, districtID, schoolID, payerID, after string, limit int) ([]payment.PayerReceipt, error)
	// PayerOwes is what a payer owes a school (every school of the
	// district when schoolID is empty): claims billed less receipts.
	PayerOwes(ctx context.Context, districtID, schoolID, payerID string) (decimal.Decimal, error)
}

// Payments is the use cases of payments, refunds, credit, write-offs,
// settlement, balances and ledger queries.
type Payments struct {
	store         PaymentStore
	schools       Schools
	now           func() time.Time
	maxPrepayment decimal.Decimal
}

// DefaultMaxPrepayment is how far above what a family owes in a term a
// payment marked as a prepayment may go, in yuan, unless configured: a
// term's after-school fees are hundreds of yuan, so this covers paying a
// whole year ahead without letting a mistyped amount through.
var DefaultMaxPrepayment = decimal.NewFromInt(5000)

// NewPayments returns the payment use cases; schools resolves a school to
// its district through timetable.
func NewPayments(store PaymentStore, schools Schools) *Payments {
	return &Payments{store: store, schools: schools, now: time.Now, maxPrepayment: DefaultMaxPrepayment}
}

// WithMaxPrepayment sets how far above what a family owes a prepayment
// may go (see DefaultMaxPrepayment); a negative value counts as zero.
func (a *Payments) WithMaxPrepayment(d decimal.Decimal) *Payments {
	if d.IsNegative() {
		d = decimal.Zero
	}
	a.maxPrepayment = d
	return a
}

func (a *Payments) scope(ctx context.Context, schoolID string) (payment.Tenant, error) {
	sc, err := a.schools.School(ctx, schoolID)
	if err != nil {
		return payment.Tenant{}, err
	}
	return payment.Tenant{DistrictID: sc.DistrictID, SchoolID: sc.ID}, nil
}

// today is the current date in China.
func (a *Payments) today() time.Time { return payment.DateInChina(a.now()) }

// NewMoneyID returns a random id with a readable prefix.
func NewMoneyID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func moneyFingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	return hex.EncodeToString(h[:])
}

func keyReused(what string) error {
	return fault.Invalid("idempotency_key", "was already used for a different "+what+"; use a new key for a new "+what)
}

func moneyPosting(sc payment.Tenant, id string, kind ledger.Kind, ref, memo string, on time.Time, es []ledger.Entry) ledger.Posting {
	return ledger.Posting{DistrictID: sc.DistrictID, SchoolID: sc.SchoolID, PostingID: id, Kind: kind,
		Reference: ref, Memo: memo, EffectiveDate: on, Entries: es}
}

// RecordPayment records a payment against a statement. An unknown
// statement is a validation error naming statement_id; a payment beyond
// what is owed is accepted and shows as a negative balance (paid in
// advance) until settlement refunds or carries it.
func (a *Payments) RecordPayment(ctx context.Context, schoolID string, p payment.Payment) (payment.Payment, bool, error) {
	var c fault.Collector
	if err := settle.CheckAmount("amount", p.Amount); err != nil {
		c.Add("amount", err.(*fault.ValidationError).Violations[0].Reason)
	}
	c.Check(validMoneyChannel(p.Channel), "channel", "must be one of "+strings.Join(payment.Channels, ", "))
	c.Check(!p.PaidAt.IsZero(), "paid_at", "is required")
	c.Check(p.PaidAt.Before(a.now().Add(24*time.Hour)), "paid_at", "is in the future")
	c.Check(p.IdempotencyKey != "", "idempotency_key", "is required")
	c.Check(p.StatementID != "", "statement_id", "is required")
	if err := c.Err(); err != nil {
		return payment.Payment{}, false, err
	}
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return payment.Payment{}, false, err
	}
	p.ID = NewMoneyID("pay_")
	p.PaidAt = p.PaidAt.UTC().Truncate(time.Microsecond)
	p.Fingerprint = moneyFingerprint("payment", p.StatementID, p.StudentID, p.Amount.StringFixed(2), p.Channel, p.ExternalReference, p.PaidAt.Format(time.RFC3339Nano))
	got, replayed, err := a.store.RecordPayment(ctx, sc, p, func(st payment.StatementRef, fam payment.FamilyBalance, p *payment.Payment) (ledger.Posting, error) {
		if p.StudentID != "" && p.StudentID != st.StudentID {
			return ledger.Posting{}, fault.Invalid("student_id", "statement "+st.StatementID+" belongs to another student")
		}
		if err := settle.CheckPayment(p.Amount, fam.Balance(), p.Prepayment, a.maxPrepayment); err != nil {
			return ledger.Posting{}, err
		}
		p.StudentID, p.TermID = st.StudentID, st.TermID
		return moneyPosting(sc, p.ID, ledger.KindPayment, p.ID, "payment of statement "+st.StatementID+" via "+p.Channel,
			payment.DateInChina(p.PaidAt), ledger.PaymentEntries(st.StudentID, p.Channel, p.Amount)), nil
	})
	if err != nil {
		return payment.Payment{}, false, err
	}
	if replayed && got.Fingerprint != p.Fingerprint {
		return payment.Payment{}, false, keyReused("payment")
	}
	return got, replayed, nil
}

func validMoneyChannel(ch string) bool {
	for _, c := range payment.Channels {
		if c == ch {
			return true
		}
	}
	return false
}

// ListPayments pages through a school's payments, newest first.
func (a *Payments) ListPayments(ctx context.Context, schoolID, studentID, termID, after string, limit int) ([]payment.Payment, error) {
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return a.store.ListPayments(ctx, sc, studentID, termID, after, limit)
}

// CreateRefund refunds part of a payment, at most what it still has
// unrefunded, to its channel or as credit for a later term.
func (a *Payments) CreateRefund(ctx context.Context, schoolID string, r payment.Refund) (payment.Refund, bool, error) {
	var c fault.Collector
	c.Check(r.Method == payment.RefundOriginal || r.Method == payment.RefundCredit, "method", "must be original or credit")
	c.Check(r.PaymentID != "", "payment_id", "is required")
	c.Check(r.IdempotencyKey != "", "idempotency_key", "is required")
	c.Check(r.Method == payment.RefundCredit || r.CreditTermID == "", "credit_term_id", "is only for a refund as credit")
	if !r.Amount.IsPositive() || !r.Amount.Equal(r.Amount.Round(2)) {
		c.Add("amount", "must be more than zero, in whole fen")
	}
	if err := c.Err(); err != nil {
		return payment.Refund{}, false, err
	}
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return payment.Refund{}, false, err
	}
	if r.RefundedOn.IsZero() {
		r.RefundedOn = a.today()
	}
	r.ID = NewMoneyID("ref_")
	r.Fingerprint = moneyFingerprint("refund", r.PaymentID, r.Method, r.Amount.StringFixed(2), r.CreditTermID, r.Reason, r.RefundedOn.Format(time.DateOnly))
	got, replayed, err := a.store.CreateRefund(ctx, sc, r, func(p payment.Payment, refundable decimal.Decimal, r *payment.Refund) (ledger.Posting, error) {
		if err := settle.CheckRefund(r.Amount, refundable); err != nil {
			return ledger.Posting{}, err
		}
		r.StudentID, r.TermID = p.StudentID, p.TermID
		return refundPosting(sc, *r, p.Channel), nil
	})
	if err != nil {
		return payment.Refund{}, false, err
	}
	if replayed && got.Fingerprint != r.Fingerprint {
		return payment.Refund{}, false, keyReused("refund")
	}
	return got, replayed, nil
}

func refundPosting(sc payment.Tenant, r payment.Refund, channel string) ledger.Posting {
	if r.Method == payment.RefundCredit {
		memo := "credit carried from term " + r.TermID
		if r.CreditTermID != "" {
			memo += " to term " + r.CreditTermID
		}
		return moneyPosting(sc, r.ID, ledger.KindCreditTransfer, r.ID, memo, r.RefundedOn, ledger.CreditTransferEntries(r.StudentID, r.Amount))
	}
	return moneyPosting(sc, r.ID, ledger.KindRefund, r.ID, "refund of payment "+r.PaymentID+" via "+channel, r.RefundedOn,
		ledger.RefundEntries(r.StudentID, channel, r.Amount))
}

// ApplyCredit uses a family's carried credit against what it owes in a term.
func (a *Payments) ApplyCredit(ctx context.Context, schoolID string, ca payment.CreditApplication) (payment.CreditApplication, bool, error) {
	var c fault.Collector
	c.Check(ca.StudentID != "", "student_id", "is required")
	c.Check(ca.TermID != "", "term_id", "is required")
	c.Check(ca.IdempotencyKey != "", "idempotency_key", "is required")
	if err := c.Err(); err != nil {
		return payment.CreditApplication{}, false, err
	}
	if err := settle.CheckAmount("amount", ca.Amount); err != nil {
		return payment.CreditApplication{}, false, err
	}
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return payment.CreditApplication{}, false, err
	}
	if ca.AppliedOn.IsZero() {
		ca.AppliedOn = a.today()
	}
	ca.ID = NewMoneyID("cra_")
	ca.Fingerprint = moneyFingerprint("credit", ca.StudentID, ca.TermID, ca.Amount.StringFixed(2), ca.AppliedOn.Format(time.DateOnly))
	got, replayed, err := a.store.ApplyCredit(ctx, sc, ca, func(available decimal.Decimal, fam payment.FamilyBalance) (ledger.Posting, error) {
		if err := settle.CheckCreditApply(ca.Amount, available, fam.Balance()); err != nil {
			return ledger.Posting{}, err
		}
		return moneyPosting(sc, ca.ID, ledger.KindCreditApply, ca.ID, "credit applied to term "+ca.TermID, ca.AppliedOn,
			ledger.CreditApplyEntries(ca.StudentID, ca.Amount)), nil
	})
	if err != nil {
		return payment.CreditApplication{}, false, err
	}
	if replayed && got.Fingerprint != ca.Fingerprint {
		return payment.CreditApplication{}, false, keyReused("credit application")
	}
	return got, replayed, nil
}

// CreateWriteOff gives up (核销) at most what a family owes in a term.
func (a *Payments) CreateWriteOff(ctx context.Context, schoolID string, w payment.WriteOff) (payment.WriteOff, bool, error) {
	var c fault.Collector
	c.Check(w.StudentID != "", "student_id", "is required")
	c.Check(w.TermID != "", "term_id", "is required")
	c.Check(strings.TrimSpace(w.Reason) != "", "reason", "is required")
	c.Check(w.IdempotencyKey != "", "idempotency_key", "is required")
	if err := c.Err(); err != nil {
		return payment.WriteOff{}, false, err
	}
	if err := settle.CheckAmount("amount", w.Amount); err != nil {
		return payment.WriteOff{}, false, err
	}
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return payment.WriteOff{}, false, err
	}
	if w.WrittenOn.IsZero() {
		w.WrittenOn = a.today()
	}
	w.ID = NewMoneyID("wof_")
	w.Fingerprint = moneyFingerprint("write_off", w.StudentID, w.TermID, w.Amount.StringFixed(2), w.Reason, w.WrittenOn.Format(time.DateOnly))
	got, replayed, err := a.store.CreateWriteOff(ctx, sc, w, func(fam payment.FamilyBalance) (ledger.Posting, error) {
		if err := settle.CheckWriteOff(w.Amount, fam.Balance()); err != nil {
			return ledger.Posting{}, err
		}
		return moneyPosting(sc, w.ID, ledger.KindWriteOff, w.ID, "write-off: "+w.Reason, w.WrittenOn, ledger.WriteOffEntries(w.StudentID, w.Amount)), nil
	})
	if err != nil {
		return payment.WriteOff{}, false, err
	}
	if replayed && got.Fingerprint != w.Fingerprint {
		return payment.WriteOff{}, false, keyReused("write-off")
	}
	return got, replayed, nil
}

// SettleTerm runs the term-end settlement (一期一结) of a school: every
// family's balance is computed; positive balances are listed as due and
// stay in this term; overpayments are refunded or carried as credit per
// the school's policy, each with its refund record and posting.
func (a *Payments) SettleTerm(ctx context.Context, schoolID string, s payment.Settlement) (payment.Settlement, bool, error) {
	var c fault.Collector
	c.Check(s.ID != "", "request_id", "is required")
	c.Check(s.TermID != "", "term_id", "is required")
	c.Check(s.Policy == settle.PolicyRefund || s.Policy == settle.PolicyCredit, "overpayment_policy", "must be refund or credit")
	c.Check(s.Policy != settle.PolicyCredit || s.NextTermID != "", "next_term_id", "is required to carry credit")
	c.Check(s.NextTermID != s.TermID, "next_term_id", "must differ from term_id")
	if err := c.Err(); err != nil {
		return payment.Settlement{}, false, err
	}
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return payment.Settlement{}, false, err
	}
	if s.SettledOn.IsZero() {
		s.SettledOn = a.today()
	}
	s.Fingerprint = moneyFingerprint("settlement", s.TermID, string(s.Policy), s.NextTermID, s.SettledOn.Format(time.DateOnly))
	got, replayed, err := a.store.SettleTerm(ctx, sc, s, func(fams []payment.FamilyState) (payment.Settlement, []ledger.Posting, error) {
		return planSettlement(sc, s, fams)
	})
	if err != nil {
		return payment.Settlement{}, false, err
	}
	if replayed && got.Fingerprint != s.Fingerprint {
		return payment.Settlement{}, false, fault.Invalid("request_id", "was already used for a different settlement")
	}
	return got, replayed, nil
}

// planSettlement turns each family's plan into lines, refund records and postings.
func planSettlement(sc payment.Tenant, s payment.Settlement, fams []payment.FamilyState) (payment.Settlement, []ledger.Posting, error) {
	out := s
	out.TotalDue, out.TotalRefunded, out.TotalCredited = decimal.Zero, decimal.Zero, decimal.Zero
	var ps []ledger.Posting
	for _, f := range fams {
		plan := settle.PlanFamily(f.Figures, s.Policy, f.Refundable)
		out.Lines = append(out.Lines, payment.SettlementLine{Before: f.FamilyBalance, Action: plan.Action, ActionAmount: plan.Amount, BalanceAfter: plan.BalanceAfter})
		if plan.Action == settle.ActionDue {
			out.TotalDue = out.TotalDue.Add(plan.BalanceAfter)
		}
		channels := map[string]string{}
		for _, r := range f.Refundable {
			channels[r.PaymentID] = r.Channel
		}
		add := func(r payment.Refund) {
			n := len(out.Refunds) + 1
			r.ID = fmt.Sprintf("ref_%s_%d", s.ID, n)
			r.StudentID, r.TermID, r.RefundedOn, r.SettlementID = f.StudentID, s.TermID, s.SettledOn, s.ID
			r.IdempotencyKey = "settlement:" + s.ID + ":" + fmt.Sprint(n)
			r.Fingerprint = moneyFingerprint("settlement", s.ID, fmt.Sprint(n))
			r.Reason = "term-end settlement " + s.ID
			out.Refunds = append(out.Refunds, r)
			ps = append(ps, refundPosting(sc, r, channels[r.PaymentID]))
		}
		for _, part := range plan.Refunds {
			add(payment.Refund{PaymentID: part.PaymentID, Method: payment.RefundOriginal, Amount: part.Amount})
			out.TotalRefunded = out.TotalRefunded.Add(part.Amount)
		}
		if plan.Credit.IsPositive() {
			add(payment.Refund{Method: payment.RefundCredit, Amount: plan.Credit, CreditTermID: s.NextTermID})
			out.TotalCredited = out.TotalCredited.Add(plan.Credit)
		}
	}
	return out, ps, nil
}

// BalancePage is a page of family balances and the school's total.
type BalancePage struct {
	Families []payment.FamilyBalance
	Total    payment.FamilyBalance
}

// ListBalances returns families of a term ordered by student, after the
// given student, and the whole school's total for the term.
func (a *Payments) ListBalances(ctx context.Context, schoolID, termID, studentID, after string, limit int) (BalancePage, error) {
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return BalancePage{}, err
	}
	f := payment.BalanceFilter{TermID: termID, StudentID: studentID, Limit: limit}
	if after != "" {
		f.AfterTerm, f.AfterStudent = termID, after
	}
	page, err := a.store.FamilyBalances(ctx, sc, f)
	if err != nil {
		return BalancePage{}, err
	}
	all, err := a.store.FamilyBalances(ctx, sc, payment.BalanceFilter{TermID: termID, StudentID: studentID})
	if err != nil {
		return BalancePage{}, err
	}
	total := payment.FamilyBalance{TermID: termID}
	for _, f := range all {
		total.Figures = total.Figures.Add(f.Figures)
		total.CreditAvailable = total.CreditAvailable.Add(f.CreditAvailable)
		if f.DueDate.After(total.DueDate) {
			total.DueDate = f.DueDate
		}
	}
	return BalancePage{Families: page, Total: total}, nil
}

// ListOverdue returns families with a positive balance whose due date (the
// request's, else their statements' latest period end) is before asOf.
func (a *Payments) ListOverdue(ctx context.Context, schoolID, termID string, asOf time.Time, due *time.Time, afterTerm, afterStudent string, limit int) ([]payment.FamilyBalance, error) {
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	if asOf.IsZero() {
		asOf = a.today()
	}
	return a.store.FamilyBalances(ctx, sc, payment.BalanceFilter{TermID: termID, AfterTerm: afterTerm, AfterStudent: afterStudent,
		Limit: limit, Overdue: true, DueDate: due, AsOf: asOf})
}

// LedgerBalances returns account balances at the end of asOf (today when zero).
func (a *Payments) LedgerBalances(ctx context.Context, schoolID string, asOf time.Time, prefix, after string, limit int) ([]ledger.AccountBalance, error) {
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	if asOf.IsZero() {
		asOf = a.today()
	}
	return a.store.AccountBalances(ctx, sc, asOf, prefix, after, limit)
}

// TrialBalance sums a school's ledger at the end of asOf by account class.
func (a *Payments) TrialBalance(ctx context.Context, schoolID string, asOf time.Time) (ledger.TrialBalance, error) {
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return ledger.TrialBalance{}, err
	}
	if asOf.IsZero() {
		asOf = a.today()
	}
	return a.store.TrialBalance(ctx, sc, asOf)
}

// ProviderPayable is what the school owes one provider (代收代付).
type ProviderPayable struct {
	ProviderID string
	Owed       decimal.Decimal
}

// ProviderPayables lists what the school owes each provider at asOf.
func (a *Payments) ProviderPayables(ctx context.Context, schoolID string, asOf time.Time) ([]ProviderPayable, error) {
	sc, err := a.scope(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	if asOf.IsZero() {
		asOf = a.today()
	}
	const prefix = "payable:provider:"
	accs, err := a.store.AccountBalances(ctx, sc, asOf, prefix, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]ProviderPayable, 0, len(accs))
	for _, acc := range accs {
		out = append(out, ProviderPayable{ProviderID: strings.TrimPrefix(acc.Account, prefix), Owed: acc.Balance().Neg()})
	}
	return out, nil
}

// RecordPayerReceipt records money a government payer transferred against
// its subsidy and waiver claims on one school (财政补助到账), posting
// Dr cash:bank, Cr receivable:payer:<payer>. A payer the school never
// billed is refused (naming payer_id), and so is more than the payer still
// owes the school on all its claims together: claims are the payer's
// shares of statements, not records a receipt could be matched to one by
// one, so the references are kept as the payer's transfer names them.
func (a *Payments) RecordPayerReceipt(ctx context.Context, districtID string, r payment.PayerReceipt) (payment.PayerReceipt, bool, error) {
	var c fault.Collector
	if err := settle.CheckAmount("amount", r.Amount); err != nil {
		c.Add("amount", err.(*fault.ValidationError).Violations[0].Reason)
	}
	c.Check(r.PayerID != "", "payer_id", "is required")
	c.Check(r.SchoolID != "", "school_id", "is required")
	c.Check(!r.ReceivedOn.IsZero(), "received_on", "is required")
	c.Check(!r.ReceivedOn.After(a.today()), "received_on", "is in the future")
	c.Check(strings.TrimSpace(r.VoucherNumber) != "", "voucher_number", "is required")
	c.Check(len(r.ClaimReferences) > 0, "claim_references", "name at least one claim the payer settles")
	for i, ref := range r.ClaimReferences {
		c.Check(strings.TrimSpace(ref) != "", fmt.Sprintf("claim_references[%d]", i), "is empty")
	}
	c.Check(r.IdempotencyKey != "", "idempotency_key", "is required")
	if err := c.Err(); err != nil {
		return payment.PayerReceipt{}, false, err
	}
	sc, err := a.scope(ctx, r.SchoolID)
	if err != nil {
		return payment.PayerReceipt{}, false, err
	}
	if sc.DistrictID != districtID {
		return payment.PayerReceipt{}, false, fault.Invalid("school_id", "school "+r.SchoolID+" is not in district "+districtID)
	}
	r.ID = NewMoneyID("prc_")
	r.Fingerprint = moneyFingerprint(append([]string{"payer_receipt", r.PayerID, r.Amount.StringFixed(2),
		r.ReceivedOn.Format(time.DateOnly), r.VoucherNumber, r.Memo}, r.ClaimReferences...)...)
	got, replayed, err := a.store.RecordPayerReceipt(ctx, sc, r, func(billed bool, owed decimal.Decimal) (ledger.Posting, error) {
		if !billed {
			return ledger.Posting{}, fault.Invalid("payer_id", "payer "+r.PayerID+" has no subsidy or waiver claims on school "+r.SchoolID)
		}
		if err := settle.CheckPayerReceipt(r.Amount, owed); err != nil {
			return ledger.Posting{}, err
		}
		return moneyPosting(sc, r.ID, ledger.KindPayerReceipt, r.ID, "receipt from payer "+r.PayerID+" voucher "+r.VoucherNumber+
			" for claims "+strings.Join(r.ClaimReferences, ", "), r.ReceivedOn, ledger.PayerReceiptEntries(r.PayerID, r.Amount)), nil
	})
	if err != nil {
		return payment.PayerReceipt{}, false, err
	}
	if replayed && got.Fingerprint != r.Fingerprint {
		return payment.PayerReceipt{}, false, keyReused("payer receipt")
	}
	return got, replayed, nil
}

// PayerReceipts is a page of a payer's receipts and what it still owes.
type PayerReceipts struct {
	Receipts []payment.PayerReceipt
	// Owed is what the payer owes now on its claims (the school's, or the
	// district's schools' together).
	Owed decimal.Decimal
}

// ListPayerReceipts pages through a payer's receipts in a district (or one
// of its schools), newest first, with what the payer still owes.
func (a *Payments) ListPayerReceipts(ctx context.Context, districtID, schoolID, payerID, after string, limit int) (PayerReceipts, error) {
	if schoolID != "" {
		sc, err := a.scope(ctx, schoolID)
		if err != nil {
			return PayerReceipts{}, err
		}
		if sc.DistrictID != districtID {
			return PayerReceipts{}, fault.Invalid("school_id", "school "+schoolID+" is not in district "+districtID)
		}
	}
	rs, err := a.store.ListPayerReceipts(ctx, districtID, schoolID, payerID, after, limit)
	if err != nil {
		return PayerReceipts{}, err
	}
	owed, err := a.store.PayerOwes(ctx, districtID, schoolID, payerID)
	if err != nil {
		return PayerReceipts{}, err
	}
	return PayerReceipts{Receipts: rs, Owed: owed}, nil
}
