package fee

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/shopspring/decimal"
)

// RuleRef traces a number to the published rule it came from: the schedule, its version, the
// document number (文号) and the rule inside it. RuleID is empty when the reference is to the
// schedule as a whole.
type RuleRef struct {
	ScheduleID string
	Version    int
	DocumentNo string
	RuleID     string
}

// LineType tells a charge line from a subsidy top-up line.
type LineType string

// The line types.
const (
	// ChargeLine is a charge for an item of the schedule.
	ChargeLine LineType = "charge"
	// ShortfallLine is a shortfall subsidy: the student's cost minus the charges that cover it,
	// billed in full to government payers; the parent share is always zero.
	ShortfallLine LineType = "cost_shortfall"
)

// AdjustmentKind names why an amount was taken off a line's gross.
type AdjustmentKind string

// The adjustment kinds, in the order they are applied (README.md).
const (
	// AdjustCapDay brings each day's charge down to the item's per-day ceiling.
	AdjustCapDay AdjustmentKind = "cap_day"
	// AdjustCapMonth brings each calendar month's charge down to the item's per-month ceiling.
	AdjustCapMonth AdjustmentKind = "cap_month"
	// AdjustCapTerm brings the term's charge down to the item's per-term ceiling.
	AdjustCapTerm AdjustmentKind = "cap_term"
	// AdjustEnrolment removes the days the student was not enrolled (late join, withdrawal), as the
	// proration policy counts them.
	AdjustEnrolment AdjustmentKind = "enrolment"
	// AdjustSchoolShortfall removes days the school cancelled or fell short of the required
	// minutes, and cancelled sessions.
	AdjustSchoolShortfall AdjustmentKind = "school_shortfall"
	// AdjustLeave removes leave (absence) days under the exact policy, and for meals.
	AdjustLeave AdjustmentKind = "leave"
	// AdjustHalfMonth is the half_month policy's whole-, half- or no-month billing.
	AdjustHalfMonth AdjustmentKind = "half_month"
	// AdjustAbsenceRefund is the continuous_absence policy's refund of whole and half months.
	AdjustAbsenceRefund AdjustmentKind = "absence_refund"
	// AdjustWithdrawalRefund is the early_withdrawal policy's fixed-share refund.
	AdjustWithdrawalRefund AdjustmentKind = "withdrawal_refund"
	// AdjustCoveredByCharges takes the student's charges off a shortfall line's cost.
	AdjustCoveredByCharges AdjustmentKind = "covered_by_charges"
)

// Adjustment is one change applied to a line's gross, with the rule that caused it. Amount is zero
// or negative and a whole number of fen.
type Adjustment struct {
	Kind   AdjustmentKind
	Amount decimal.Decimal
	Rule   RuleRef
}

// SubsidyShare is one government payer's share of a line, under one subsidy rule.
type SubsidyShare struct {
	Rule    RuleRef
	PayerID string
	Amount  decimal.Decimal
}

// WaiverShare is the waived part of a line's parent share, billed to the payer that funds it.
type WaiverShare struct {
	Rule     RuleRef
	Category HardshipCategory
	PayerID  string
	Amount   decimal.Decimal
}

// DayCounts explains a line's proration in days: the item's service days in the period, and of
// those the days the student was enrolled, and of those the cancelled, short, leave and served days.
type DayCounts struct {
	Scheduled int
	Enrolled  int
	Cancelled int
	Short     int
	Leave     int
	// Served days: enrolled, not on leave, not cancelled and not short.
	Served int
}

// Line is one line of a parent's statement. Every amount is a whole number of fen and
//
//	Net = Gross + Σ Adjustments.Amount = Parent + Σ Subsidies.Amount + Σ Waivers.Amount.
type Line struct {
	Type LineType
	// Rule is the item's rule (or the shortfall subsidy's rule, for a ShortfallLine).
	Rule RuleRef
	Name string
	Kind ServiceKind
	Unit ChargingUnit
	// Quantity is the units of the whole period at UnitRate (plus Surcharge), rounded half-up to
	// four decimal places for display; the gross is computed from the exact quantity.
	Quantity decimal.Decimal
	UnitRate decimal.Decimal
	// HolidayQuantity units were charged at HolidayRate (weekend and holiday days); zero if none.
	HolidayQuantity decimal.Decimal
	HolidayRate     decimal.Decimal
	// Surcharge is the enrichment surcharge per unit, on top of UnitRate or HolidayRate.
	Surcharge decimal.Decimal
	Days      DayCounts
	// Gross is the charge for the whole period before any adjustment.
	Gross       decimal.Decimal
	Adjustments []Adjustment
	// Net is the charge after caps and proration: what the payers below share.
	Net       decimal.Decimal
	Subsidies []SubsidyShare
	Waivers   []WaiverShare
	Parent    decimal.Decimal
	// Free marks a free item; PassThrough a meal charged at actual cost.
	Free        bool
	PassThrough bool
	// ProviderID is set when the line is collected on behalf of a provider (代收代付).
	ProviderID string
}

// PartyAmount is an amount owed by a payer or to a provider.
type PartyAmount struct {
	PartyID string
	Amount  decimal.Decimal
}

// Totals sums a statement's lines (or several statements, in a DiffReport). Party lists are sorted
// by party id.
type Totals struct {
	Gross  decimal.Decimal
	Net    decimal.Decimal
	Parent decimal.Decimal
	// Subsidies and Waivers are per payer: what each government payer is billed.
	Subsidies []PartyAmount
	Waivers   []PartyAmount
	// CollectedOnBehalf is the net of collected-on-behalf lines per provider: money owed onward,
	// not school income.
	CollectedOnBehalf []PartyAmount
}

// PeriodRef identifies the billing period of a statement.
type PeriodRef struct {
	Kind PeriodKind
	From civil.Date
	To   civil.Date
}

// Statement is one student's bill for one period under one schedule version: its lines and totals.
type Statement struct {
	StudentID   string
	SchoolID    string
	Schedule    RuleRef
	BillingMode BillingMode
	Period      PeriodRef
	Lines       []Line
	Totals      Totals
}

// Verify checks a statement's arithmetic: every amount a whole number of fen, no negative amount
// (adjustments are never positive), each line adding up both ways, and the totals equal to the sums
// of the lines. The engine's output always passes; callers can verify statements read back from
// storage before acting on them.
func (s Statement) Verify() error {
	var want totalsAcc
	for i, l := range s.Lines {
		if err := l.verify(); err != nil {
			return fmt.Errorf("lines[%d] (%s): %w", i, l.Rule.RuleID, err)
		}
		want.addLine(l)
	}
	if got, w := s.Totals, want.totals(); !totalsEqual(got, w) {
		return fmt.Errorf("totals %s do not equal the sum of the lines %s", formatTotals(got), formatTotals(w))
	}
	return nil
}

func (l Line) verify() error {
	amounts := []decimal.Decimal{l.Gross, l.Net, l.Parent}
	net := l.Gross
	for _, a := range l.Adjustments {
		if a.Amount.Sign() > 0 {
			return fmt.Errorf("adjustment %s is positive: %s", a.Kind, a.Amount)
		}
		if !hasPlaces(a.Amount, 2) {
			return fmt.Errorf("adjustment %s is not whole fen: %s", a.Kind, a.Amount)
		}
		net = net.Add(a.Amount)
	}
	if !net.Equal(l.Net) {
		return fmt.Errorf("gross %s plus adjustments is %s, net says %s", l.Gross, net, l.Net)
	}
	paid := l.Parent
	for _, s := range l.Subsidies {
		amounts = append(amounts, s.Amount)
		paid = paid.Add(s.Amount)
	}
	for _, w := range l.Waivers {
		amounts = append(amounts, w.Amount)
		paid = paid.Add(w.Amount)
	}
	if !paid.Equal(l.Net) {
		return fmt.Errorf("parent, subsidies and waivers add up to %s, net is %s", paid, l.Net)
	}
	for _, a := range amounts {
		if a.Sign() < 0 {
			return fmt.Errorf("negative amount %s", a)
		}
		if !hasPlaces(a, 2) {
			return fmt.Errorf("amount %s is not whole fen", a)
		}
	}
	return nil
}

// totalsAcc accumulates totals in fen-exact decimals, on the one
// accumulator stored statements use too (money.Sums).
type totalsAcc struct{ money.Sums }

func (t *totalsAcc) addLine(l Line) {
	t.AddLine(l.Gross, l.Net, l.Parent, l.ProviderID)
	for _, s := range l.Subsidies {
		t.AddSubsidy(s.PayerID, s.Amount)
	}
	for _, w := range l.Waivers {
		t.AddWaiver(w.PayerID, w.Amount)
	}
}

func (t *totalsAcc) addTotals(o Totals) {
	t.Gross, t.Net, t.Parent = t.Gross.Add(o.Gross), t.Net.Add(o.Net), t.Parent.Add(o.Parent)
	for _, p := range o.Subsidies {
		t.AddSubsidy(p.PartyID, p.Amount)
	}
	for _, p := range o.Waivers {
		t.AddWaiver(p.PartyID, p.Amount)
	}
	for _, p := range o.CollectedOnBehalf {
		t.CollectedOnBehalf = money.AddParty(t.CollectedOnBehalf, p.PartyID, p.Amount)
	}
}

func (t *totalsAcc) totals() Totals {
	return Totals{
		Gross:             fen2(t.Gross),
		Net:               fen2(t.Net),
		Parent:            fen2(t.Parent),
		Subsidies:         partyList(t.Subsidies),
		Waivers:           partyList(t.Waivers),
		CollectedOnBehalf: partyList(t.CollectedOnBehalf),
	}
}

// fen2 gives an amount that is already whole fen exactly two decimal places.
func fen2(d decimal.Decimal) decimal.Decimal {
	f, _ := scaled(d, 2)
	return decimal.New(f, -2)
}

func partyList(m map[string]decimal.Decimal) []PartyAmount {
	if len(m) == 0 {
		return nil
	}
	out := make([]PartyAmount, 0, len(m))
	for id, a := range m {
		out = append(out, PartyAmount{PartyID: id, Amount: fen2(a)})
	}
	slices.SortFunc(out, func(a, b PartyAmount) int { return cmp.Compare(a.PartyID, b.PartyID) })
	return out
}

func totalsEqual(a, b Totals) bool {
	return a.Gross.Equal(b.Gross) && a.Net.Equal(b.Net) && a.Parent.Equal(b.Parent) &&
		partiesEqual(a.Subsidies, b.Subsidies) && partiesEqual(a.Waivers, b.Waivers) &&
		partiesEqual(a.CollectedOnBehalf, b.CollectedOnBehalf)
}

func partiesEqual(a, b []PartyAmount) bool {
	return slices.EqualFunc(a, b, func(x, y PartyAmount) bool { return x.PartyID == y.PartyID && x.Amount.Equal(y.Amount) })
}

func formatTotals(t Totals) string {
	return fmt.Sprintf("{gross %s net %s parent %s subsidies %v waivers %v cob %v}",
		t.Gross, t.Net, t.Parent, t.Subsidies, t.Waivers, t.CollectedOnBehalf)
}
