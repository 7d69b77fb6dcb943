package money

import "github.com/shopspring/decimal"

// Sums accumulates a bill's totals: gross, net and parent share, and per
// party the subsidy and waiver shares and what was collected on a
// provider's behalf (代收代付). It is the one accumulator behind both the
// engine's statement totals and the totals of stored statements, so the two
// can never add up differently. The zero value is ready to use; amounts are
// added exactly (no rounding happens here).
type Sums struct {
	Gross, Net, Parent decimal.Decimal
	// Subsidies, Waivers and CollectedOnBehalf are keyed by party id; nil until a share is added.
	Subsidies, Waivers, CollectedOnBehalf map[string]decimal.Decimal
}

// AddLine adds one line's gross, net and parent share; a line with a
// provider also adds its net to what is collected on that provider's behalf.
func (s *Sums) AddLine(gross, net, parent decimal.Decimal, providerID string) {
	s.Gross, s.Net, s.Parent = s.Gross.Add(gross), s.Net.Add(net), s.Parent.Add(parent)
	if providerID != "" {
		s.CollectedOnBehalf = AddParty(s.CollectedOnBehalf, providerID, net)
	}
}

// AddSubsidy adds a payer's subsidy share.
func (s *Sums) AddSubsidy(payerID string, amount decimal.Decimal) {
	s.Subsidies = AddParty(s.Subsidies, payerID, amount)
}

// AddWaiver adds the waived amount billed to a payer.
func (s *Sums) AddWaiver(payerID string, amount decimal.Decimal) {
	s.Waivers = AddParty(s.Waivers, payerID, amount)
}

// AddParty adds amount to m[id], making m when it is nil.
func AddParty(m map[string]decimal.Decimal, id string, amount decimal.Decimal) map[string]decimal.Decimal {
	if m == nil {
		m = map[string]decimal.Decimal{}
	}
	m[id] = m[id].Add(amount)
	return m
}
