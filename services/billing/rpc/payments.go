package rpc

import (
	"context"
	"log/slog"
	"time"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/payment"
	"github.com/kehou/kehou/services/billing/domain/settle"
	"github.com/kehou/kehou/services/platform/paging"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// PaymentServer implements billingv1.PaymentServiceServer over the payment use cases.
type PaymentServer struct {
	billingv1.UnimplementedPaymentServiceServer
	app *app.Payments
	log *slog.Logger
}

// NewPaymentServer returns the payments transport.
func NewPaymentServer(a *app.Payments, log *slog.Logger) *PaymentServer {
	return &PaymentServer{app: a, log: log}
}

var channelNames = map[billingv1.PaymentChannel]string{
	billingv1.PaymentChannel_PAYMENT_CHANNEL_WECHAT: "wechat",
	billingv1.PaymentChannel_PAYMENT_CHANNEL_ALIPAY: "alipay",
	billingv1.PaymentChannel_PAYMENT_CHANNEL_BANK:   "bank",
	billingv1.PaymentChannel_PAYMENT_CHANNEL_CASH:   "cash",
	billingv1.PaymentChannel_PAYMENT_CHANNEL_OTHER:  "other",
}

func channelProto(name string) billingv1.PaymentChannel {
	for k, v := range channelNames {
		if v == name {
			return k
		}
	}
	return billingv1.PaymentChannel_PAYMENT_CHANNEL_UNSPECIFIED
}

func optDate(d *commonv1.Date, field string) (time.Time, error) {
	if d == nil {
		return time.Time{}, nil
	}
	return pbconv.Date(d, field)
}

func optDateProto(t time.Time) *commonv1.Date {
	if t.IsZero() {
		return nil
	}
	return pbconv.FromDate(t)
}

func paymentProto(schoolID string, p payment.Payment) *billingv1.Payment {
	return &billingv1.Payment{PaymentId: p.ID, SchoolId: schoolID, StatementId: p.StatementID, StudentId: p.StudentID,
		TermId: p.TermID, Amount: pbconv.Money(p.Amount), Channel: channelProto(p.Channel), ExternalReference: p.ExternalReference,
		PaidAt: timestamppb.New(p.PaidAt), IdempotencyKey: p.IdempotencyKey, Refunded: pbconv.Money(p.Refunded)}
}

// RecordPayment implements the RPC.
func (s *PaymentServer) RecordPayment(ctx context.Context, req *billingv1.RecordPaymentRequest) (*billingv1.RecordPaymentResponse, error) {
	amount, err := pbconv.Decimal(req.GetAmount(), "amount")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	p, replayed, err := s.app.RecordPayment(ctx, req.GetSchoolId(), payment.Payment{StatementID: req.GetStatementId(),
		StudentID: req.GetStudentId(), Amount: amount, Channel: channelNames[req.GetChannel()],
		ExternalReference: req.GetExternalReference(), PaidAt: req.GetPaidAt().AsTime(), IdempotencyKey: req.GetIdempotencyKey(),
		Prepayment: req.GetPrepayment()})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.RecordPaymentResponse{Payment: paymentProto(req.GetSchoolId(), p), Replayed: replayed}, nil
}

// ListPayments implements the RPC.
func (s *PaymentServer) ListPayments(ctx context.Context, req *billingv1.ListPaymentsRequest) (*billingv1.ListPaymentsResponse, error) {
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	size := paging.Size(req.GetPageSize())
	ps, err := s.app.ListPayments(ctx, req.GetSchoolId(), req.GetStudentId(), req.GetTermId(), after, size+1)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.ListPaymentsResponse{}
	if len(ps) > size {
		ps = ps[:size]
		resp.NextPageToken = paging.Encode(payment.PaymentPageKey(ps[size-1]))
	}
	for _, p := range ps {
		resp.Payments = append(resp.Payments, paymentProto(req.GetSchoolId(), p))
	}
	return resp, nil
}

var refundMethods = map[billingv1.RefundMethod]string{
	billingv1.RefundMethod_REFUND_METHOD_ORIGINAL: payment.RefundOriginal,
	billingv1.RefundMethod_REFUND_METHOD_CREDIT:   payment.RefundCredit,
}

func refundProto(schoolID string, r payment.Refund) *billingv1.Refund {
	m := billingv1.RefundMethod_REFUND_METHOD_ORIGINAL
	if r.Method == payment.RefundCredit {
		m = billingv1.RefundMethod_REFUND_METHOD_CREDIT
	}
	return &billingv1.Refund{RefundId: r.ID, SchoolId: schoolID, PaymentId: r.PaymentID, StudentId: r.StudentID, TermId: r.TermID,
		Method: m, Amount: pbconv.Money(r.Amount), CreditTermId: r.CreditTermID, Reason: r.Reason,
		RefundedOn: optDateProto(r.RefundedOn), SettlementId: r.SettlementID}
}

// CreateRefund implements the RPC.
func (s *PaymentServer) CreateRefund(ctx context.Context, req *billingv1.CreateRefundRequest) (*billingv1.CreateRefundResponse, error) {
	amount, err := pbconv.Decimal(req.GetAmount(), "amount")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	on, err := optDate(req.GetRefundedOn(), "refunded_on")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	r, replayed, err := s.app.CreateRefund(ctx, req.GetSchoolId(), payment.Refund{PaymentID: req.GetPaymentId(), Amount: amount,
		Method: refundMethods[req.GetMethod()], CreditTermID: req.GetCreditTermId(), Reason: req.GetReason(), RefundedOn: on,
		IdempotencyKey: req.GetIdempotencyKey()})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.CreateRefundResponse{Refund: refundProto(req.GetSchoolId(), r), Replayed: replayed}, nil
}

// ApplyCredit implements the RPC.
func (s *PaymentServer) ApplyCredit(ctx context.Context, req *billingv1.ApplyCreditRequest) (*billingv1.ApplyCreditResponse, error) {
	amount, err := pbconv.Decimal(req.GetAmount(), "amount")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	on, err := optDate(req.GetAppliedOn(), "applied_on")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	c, replayed, err := s.app.ApplyCredit(ctx, req.GetSchoolId(), payment.CreditApplication{StudentID: req.GetStudentId(),
		TermID: req.GetTermId(), Amount: amount, AppliedOn: on, IdempotencyKey: req.GetIdempotencyKey()})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.ApplyCreditResponse{Replayed: replayed, CreditApplication: &billingv1.CreditApplication{
		CreditApplicationId: c.ID, SchoolId: req.GetSchoolId(), StudentId: c.StudentID, TermId: c.TermID,
		Amount: pbconv.Money(c.Amount), AppliedOn: optDateProto(c.AppliedOn)}}, nil
}

// CreateWriteOff implements the RPC.
func (s *PaymentServer) CreateWriteOff(ctx context.Context, req *billingv1.CreateWriteOffRequest) (*billingv1.CreateWriteOffResponse, error) {
	amount, err := pbconv.Decimal(req.GetAmount(), "amount")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	on, err := optDate(req.GetWrittenOn(), "written_on")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	w, replayed, err := s.app.CreateWriteOff(ctx, req.GetSchoolId(), payment.WriteOff{StudentID: req.GetStudentId(),
		TermID: req.GetTermId(), Amount: amount, Reason: req.GetReason(), WrittenOn: on, IdempotencyKey: req.GetIdempotencyKey()})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.CreateWriteOffResponse{Replayed: replayed, WriteOff: &billingv1.WriteOff{WriteOffId: w.ID,
		SchoolId: req.GetSchoolId(), StudentId: w.StudentID, TermId: w.TermID, Amount: pbconv.Money(w.Amount),
		Reason: w.Reason, WrittenOn: optDateProto(w.WrittenOn)}}, nil
}

func familyProto(f payment.FamilyBalance) *billingv1.FamilyBalance {
	return &billingv1.FamilyBalance{StudentId: f.StudentID, TermId: f.TermID, Charged: pbconv.Money(f.Charged),
		PayerShare: pbconv.Money(f.PayerShare), Paid: pbconv.Money(f.Paid), Refunded: pbconv.Money(f.Refunded),
		Credited: pbconv.Money(f.Credited), CreditApplied: pbconv.Money(f.CreditApplied), WrittenOff: pbconv.Money(f.WrittenOff),
		Balance: pbconv.Money(f.Balance()), CreditAvailable: pbconv.Money(f.CreditAvailable), DueDate: optDateProto(f.DueDate)}
}

// SettleTerm implements the RPC.
func (s *PaymentServer) SettleTerm(ctx context.Context, req *billingv1.SettleTermRequest) (*billingv1.SettleTermResponse, error) {
	on, err := optDate(req.GetSettledOn(), "settled_on")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	policy := map[billingv1.OverpaymentPolicy]settle.Policy{
		billingv1.OverpaymentPolicy_OVERPAYMENT_POLICY_REFUND: settle.PolicyRefund,
		billingv1.OverpaymentPolicy_OVERPAYMENT_POLICY_CREDIT: settle.PolicyCredit,
	}[req.GetOverpaymentPolicy()]
	st, replayed, err := s.app.SettleTerm(ctx, req.GetSchoolId(), payment.Settlement{ID: req.GetRequestId(), TermID: req.GetTermId(),
		Policy: policy, NextTermID: req.GetNextTermId(), SettledOn: on})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	out := &billingv1.Settlement{SettlementId: st.ID, SchoolId: req.GetSchoolId(), TermId: st.TermID,
		NextTermId: st.NextTermID, SettledOn: optDateProto(st.SettledOn),
		TotalDue: pbconv.Money(st.TotalDue), TotalRefunded: pbconv.Money(st.TotalRefunded), TotalCredited: pbconv.Money(st.TotalCredited)}
	if st.Policy == settle.PolicyCredit {
		out.OverpaymentPolicy = billingv1.OverpaymentPolicy_OVERPAYMENT_POLICY_CREDIT
	} else {
		out.OverpaymentPolicy = billingv1.OverpaymentPolicy_OVERPAYMENT_POLICY_REFUND
	}
	for _, l := range st.Lines {
		out.Lines = append(out.Lines, &billingv1.SettlementLine{Before: familyProto(l.Before), Action: string(l.Action),
			ActionAmount: pbconv.Money(l.ActionAmount), BalanceAfter: pbconv.Money(l.BalanceAfter)})
	}
	for _, r := range st.Refunds {
		out.Refunds = append(out.Refunds, refundProto(req.GetSchoolId(), r))
	}
	return &billingv1.SettleTermResponse{Settlement: out, Replayed: replayed}, nil
}

// ListBalances implements the RPC.
func (s *PaymentServer) ListBalances(ctx context.Context, req *billingv1.ListBalancesRequest) (*billingv1.ListBalancesResponse, error) {
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	size := paging.Size(req.GetPageSize())
	page, err := s.app.ListBalances(ctx, req.GetSchoolId(), req.GetTermId(), req.GetStudentId(), after, size+1)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.ListBalancesResponse{SchoolTotal: familyProto(page.Total)}
	fs := page.Families
	if len(fs) > size {
		fs = fs[:size]
		resp.NextPageToken = paging.Encode(fs[size-1].StudentID)
	}
	for _, f := range fs {
		resp.Balances = append(resp.Balances, familyProto(f))
	}
	return resp, nil
}

// ListOverdue implements the RPC.
func (s *PaymentServer) ListOverdue(ctx context.Context, req *billingv1.ListOverdueRequest) (*billingv1.ListOverdueResponse, error) {
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	asOf, err := optDate(req.GetAsOf(), "as_of")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	var due *time.Time
	if req.GetDueDate() != nil {
		d, err := pbconv.Date(req.GetDueDate(), "due_date")
		if err != nil {
			return nil, toStatus(ctx, s.log, err)
		}
		due = &d
	}
	afterTerm, afterStudent := splitKey(after)
	size := paging.Size(req.GetPageSize())
	fs, err := s.app.ListOverdue(ctx, req.GetSchoolId(), req.GetTermId(), asOf, due, afterTerm, afterStudent, size+1)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.ListOverdueResponse{}
	if len(fs) > size {
		fs = fs[:size]
		resp.NextPageToken = paging.Encode(fs[size-1].TermID + "\x00" + fs[size-1].StudentID)
	}
	for _, f := range fs {
		resp.Overdue = append(resp.Overdue, familyProto(f))
	}
	return resp, nil
}

func splitKey(k string) (string, string) {
	for i := 0; i < len(k); i++ {
		if k[i] == 0 {
			return k[:i], k[i+1:]
		}
	}
	return "", k
}

func accountProto(a ledger.AccountBalance) *billingv1.LedgerAccountBalance {
	return &billingv1.LedgerAccountBalance{Account: a.Account, Debits: pbconv.Money(a.Debits), Credits: pbconv.Money(a.Credits),
		Balance: pbconv.Money(a.Balance())}
}

// GetLedgerBalances implements the RPC.
func (s *PaymentServer) GetLedgerBalances(ctx context.Context, req *billingv1.GetLedgerBalancesRequest) (*billingv1.GetLedgerBalancesResponse, error) {
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	asOf, err := optDate(req.GetAsOf(), "as_of")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	size := paging.Size(req.GetPageSize())
	accs, err := s.app.LedgerBalances(ctx, req.GetSchoolId(), asOf, req.GetAccountPrefix(), after, size+1)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.GetLedgerBalancesResponse{}
	if len(accs) > size {
		accs = accs[:size]
		resp.NextPageToken = paging.Encode(accs[size-1].Account)
	}
	for _, a := range accs {
		resp.Accounts = append(resp.Accounts, accountProto(a))
	}
	return resp, nil
}

// GetTrialBalance implements the RPC.
func (s *PaymentServer) GetTrialBalance(ctx context.Context, req *billingv1.GetTrialBalanceRequest) (*billingv1.GetTrialBalanceResponse, error) {
	asOf, err := optDate(req.GetAsOf(), "as_of")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	tb, err := s.app.TrialBalance(ctx, req.GetSchoolId(), asOf)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.GetTrialBalanceResponse{TotalDebits: pbconv.Money(tb.Debits), TotalCredits: pbconv.Money(tb.Credits),
		Balanced: tb.Debits.Equal(tb.Credits) && tb.Unbalanced == 0, Postings: tb.Postings}
	for _, c := range tb.Classes {
		resp.Classes = append(resp.Classes, accountProto(c))
	}
	return resp, nil
}

// ListProviderPayables implements the RPC.
func (s *PaymentServer) ListProviderPayables(ctx context.Context, req *billingv1.ListProviderPayablesRequest) (*billingv1.ListProviderPayablesResponse, error) {
	asOf, err := optDate(req.GetAsOf(), "as_of")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	ps, err := s.app.ProviderPayables(ctx, req.GetSchoolId(), asOf)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.ListProviderPayablesResponse{}
	total := decimal.Zero
	for _, p := range ps {
		resp.Payables = append(resp.Payables, &billingv1.ProviderPayable{ProviderId: p.ProviderID, Owed: pbconv.Money(p.Owed)})
		total = total.Add(p.Owed)
	}
	resp.Total = pbconv.Money(total)
	return resp, nil
}

func payerReceiptProto(r payment.PayerReceipt) *billingv1.PayerReceipt {
	return &billingv1.PayerReceipt{ReceiptId: r.ID, DistrictId: r.DistrictID, SchoolId: r.SchoolID, PayerId: r.PayerID,
		Amount: pbconv.Money(r.Amount), ReceivedOn: optDateProto(r.ReceivedOn), ClaimReferences: r.ClaimReferences,
		VoucherNumber: r.VoucherNumber, Memo: r.Memo, IdempotencyKey: r.IdempotencyKey}
}

// RecordPayerReceipt implements the RPC.
func (s *PaymentServer) RecordPayerReceipt(ctx context.Context, req *billingv1.RecordPayerReceiptRequest) (*billingv1.RecordPayerReceiptResponse, error) {
	amount, err := pbconv.Decimal(req.GetAmount(), "amount")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	on, err := optDate(req.GetReceivedOn(), "received_on")
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	r, replayed, err := s.app.RecordPayerReceipt(ctx, req.GetDistrictId(), payment.PayerReceipt{SchoolID: req.GetSchoolId(),
		PayerID: req.GetPayerId(), Amount: amount, ReceivedOn: on, ClaimReferences: req.GetClaimReferences(),
		VoucherNumber: req.GetVoucherNumber(), Memo: req.GetMemo(), IdempotencyKey: req.GetIdempotencyKey()})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	page, err := s.app.ListPayerReceipts(ctx, req.GetDistrictId(), r.SchoolID, r.PayerID, "", 1)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.RecordPayerReceiptResponse{Receipt: payerReceiptProto(r), Replayed: replayed, Outstanding: pbconv.Money(page.Owed)}, nil
}

// ListPayerReceipts implements the RPC.
func (s *PaymentServer) ListPayerReceipts(ctx context.Context, req *billingv1.ListPayerReceiptsRequest) (*billingv1.ListPayerReceiptsResponse, error) {
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	size := paging.Size(req.GetPageSize())
	page, err := s.app.ListPayerReceipts(ctx, req.GetDistrictId(), req.GetSchoolId(), req.GetPayerId(), after, size+1)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &billingv1.ListPayerReceiptsResponse{Outstanding: pbconv.Money(page.Owed)}
	rs := page.Receipts
	if len(rs) > size {
		rs = rs[:size]
		resp.NextPageToken = paging.Encode(payment.PayerReceiptPageKey(rs[size-1]))
	}
	for _, r := range rs {
		resp.Receipts = append(resp.Receipts, payerReceiptProto(r))
	}
	return resp, nil
}
