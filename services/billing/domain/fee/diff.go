package fee

import (
	"cmp"
	"slices"

	"github.com/shopspring/decimal"
)

// Change compares two sets of statements: their totals, their counts, and candidate minus base.
// Delta lists every party found on either side (zero where unchanged), so a payer that disappears
// shows a negative delta rather than vanishing.
type Change struct {
	BaseStatements      int
	CandidateStatements int
	Base                Totals
	Candidate           Totals
	Delta               Totals
}

// SchoolDiff is the change for one school.
type SchoolDiff struct {
	SchoolID string
	Change
}

// DiffReport is a what-if preview: how a hypothetical schedule or subsidy change (candidate) moves
// parents' and each payer's amounts against the current one (base), per school and in total.
type DiffReport struct {
	// Schools is sorted by school id and includes every school on either side.
	Schools []SchoolDiff
	Total   Change
}

// Diff compares base and candidate statements (typically the same students computed under two
// schedules) per school and in total. It does not match students one to one: it sums. The result
// does not depend on the order of either slice.
func Diff(base, candidate []Statement) DiffReport {
	type acc struct {
		base, cand totalsAcc
		nb, nc     int
	}
	schools := map[string]*acc{}
	get := func(id string) *acc {
		a := schools[id]
		if a == nil {
			a = &acc{}
			schools[id] = a
		}
		return a
	}
	var total acc
	for _, s := range base {
		get(s.SchoolID).base.addTotals(s.Totals)
		get(s.SchoolID).nb++
		total.base.addTotals(s.Totals)
		total.nb++
	}
	for _, s := range candidate {
		get(s.SchoolID).cand.addTotals(s.Totals)
		get(s.SchoolID).nc++
		total.cand.addTotals(s.Totals)
		total.nc++
	}
	change := func(a *acc) Change {
		b, c := a.base.totals(), a.cand.totals()
		return Change{BaseStatements: a.nb, CandidateStatements: a.nc, Base: b, Candidate: c, Delta: delta(b, c)}
	}
	var r DiffReport
	for id, a := range schools {
		r.Schools = append(r.Schools, SchoolDiff{SchoolID: id, Change: change(a)})
	}
	slices.SortFunc(r.Schools, func(a, b SchoolDiff) int { return cmp.Compare(a.SchoolID, b.SchoolID) })
	r.Total = change(&total)
	return r
}

// delta returns c − b, party by party.
func delta(b, c Totals) Totals {
	return Totals{
		Gross:             fen2(c.Gross.Sub(b.Gross)),
		Net:               fen2(c.Net.Sub(b.Net)),
		Parent:            fen2(c.Parent.Sub(b.Parent)),
		Subsidies:         partyDelta(b.Subsidies, c.Subsidies),
		Waivers:           partyDelta(b.Waivers, c.Waivers),
		CollectedOnBehalf: partyDelta(b.CollectedOnBehalf, c.CollectedOnBehalf),
	}
}

func partyDelta(b, c []PartyAmount) []PartyAmount {
	m := map[string]decimal.Decimal{}
	for _, p := range b {
		m[p.PartyID] = m[p.PartyID].Sub(p.Amount)
	}
	for _, p := range c {
		m[p.PartyID] = m[p.PartyID].Add(p.Amount)
	}
	return partyList(m)
}
