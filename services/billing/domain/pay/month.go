package pay

import "github.com/shopspring/decimal"

// PersonMonth is what a person was issued for one month over all their
// statements (the first and every adjustment): a row of the month's pay
// sheet (课酬发放表). Adjustments carry differences, so the sums are what the
// person is owed for the month now.
type PersonMonth struct {
	StaffID       string
	StaffKind     string
	InstitutionID string
	Statements    int
	Earned        decimal.Decimal
	Paid          decimal.Decimal
	HeldBack      decimal.Decimal
	// ByTreatment is Paid by treatment tag, every tag of Treatments present.
	ByTreatment map[Treatment]decimal.Decimal
}

// Add folds one more statement of the same person into m.
func (m *PersonMonth) Add(staffKind, institutionID string, earned, paid, held decimal.Decimal, tags []TagAmount) {
	if m.ByTreatment == nil {
		m.ByTreatment = make(map[Treatment]decimal.Decimal, len(Treatments))
		for _, t := range Treatments {
			m.ByTreatment[t] = decimal.Zero
		}
	}
	m.StaffKind, m.InstitutionID = staffKind, institutionID
	m.Statements++
	m.Earned, m.Paid, m.HeldBack = m.Earned.Add(earned), m.Paid.Add(paid), m.HeldBack.Add(held)
	for _, t := range tags {
		m.ByTreatment[t.Treatment] = m.ByTreatment[t.Treatment].Add(t.Amount)
	}
}
