package ledger

import "github.com/shopspring/decimal"

// The entries of the money a family moves, agreed with the fee runs so that
// ParentReceivable(student) always reads "what the family owes" (a negative
// balance is money paid in advance). amount is positive in every builder.

// PaymentEntries records money received: Dr Cash(channel), Cr ParentReceivable.
func PaymentEntries(studentID, channel string, amount decimal.Decimal) []Entry {
	return []Entry{{Account: Cash(channel), Amount: amount}, {Account: ParentReceivable(studentID), Amount: amount.Neg()}}
}

// RefundEntries records money paid back through a channel (退费):
// Dr ParentReceivable, Cr Cash(channel).
func RefundEntries(studentID, channel string, amount decimal.Decimal) []Entry {
	return []Entry{{Account: ParentReceivable(studentID), Amount: amount}, {Account: Cash(channel), Amount: amount.Neg()}}
}

// CreditTransferEntries moves money a family paid into credit for a later
// term (结转): Dr ParentReceivable, Cr ParentCredit.
func CreditTransferEntries(studentID string, amount decimal.Decimal) []Entry {
	return []Entry{{Account: ParentReceivable(studentID), Amount: amount}, {Account: ParentCredit(studentID), Amount: amount.Neg()}}
}

// CreditApplyEntries uses carried credit against what a family owes:
// Dr ParentCredit, Cr ParentReceivable.
func CreditApplyEntries(studentID string, amount decimal.Decimal) []Entry {
	return []Entry{{Account: ParentCredit(studentID), Amount: amount}, {Account: ParentReceivable(studentID), Amount: amount.Neg()}}
}

// WriteOffEntries gives up a receivable (核销): Dr WriteOffExpense, Cr ParentReceivable.
func WriteOffEntries(studentID string, amount decimal.Decimal) []Entry {
	return []Entry{{Account: WriteOffExpense, Amount: amount}, {Account: ParentReceivable(studentID), Amount: amount.Neg()}}
}

// KindCreditApply is a posting that uses carried credit against a later term.
const KindCreditApply Kind = "credit_apply"

// Class returns the class of an account, the part before its first colon
// ("receivable", "cash", "income", "payable", "credit", "expense").
func Class(account string) string {
	for i := 0; i < len(account); i++ {
		if account[i] == ':' {
			return account[:i]
		}
	}
	return account
}

// PayerReceiptEntries records a government payer's transfer against its
// claims (财政补助到账): Dr Cash(bank), Cr PayerReceivable, so the payer's
// receivable always reads what it still owes the school.
func PayerReceiptEntries(payerID string, amount decimal.Decimal) []Entry {
	return []Entry{{Account: Cash("bank"), Amount: amount}, {Account: PayerReceivable(payerID), Amount: amount.Neg()}}
}
