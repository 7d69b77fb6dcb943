package fee

import (
	"fmt"
	"math/big"

	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/billing/domain/money"
)

// CostKind is a category of after-school service cost in a school's cost accounting.
type CostKind string

// The cost categories of 成本核算.
const (
	// Remuneration is the estimated teacher remuneration (劳务报酬).
	Remuneration CostKind = "remuneration"
	// InstitutionFees are fees paid to outside institutions (第三方机构).
	InstitutionFees CostKind = "institution_fees"
	// Materials are teaching and activity materials.
	Materials CostKind = "materials"
	// Utilities are water, electricity and similar running costs.
	Utilities CostKind = "utilities"
	// Insurance is student and staff insurance.
	Insurance CostKind = "insurance"
	// Management is administration and management cost.
	Management CostKind = "management"
)

// CostItem is one cost of a school's after-school service in a term.
type CostItem struct {
	Kind   CostKind
	Amount decimal.Decimal
	Note   string
}

// CostSheet is a school's cost accounting (成本核算) for a term: "成本核算，家长收取，政府补助" starts
// from cost. It gives the cost per student-period that percent_of_cost and shortfall subsidies use
// and that the bureau compares with the schedule's price.
type CostSheet struct {
	SchoolID string
	TermID   string
	// Students is the number of students expected to take part.
	Students int
	// PeriodsPerStudent is the periods (课时) each student is planned to receive in the term (e.g.
	// 2 a day × 88 days = 176).
	PeriodsPerStudent decimal.Decimal
	Items             []CostItem
}

// maxCostTotal bounds a cost sheet's total, in yuan.
const maxCostTotal = 10_000_000_000

// Validate checks the cost sheet and returns a *fault.ValidationError naming every invalid field.
func (c CostSheet) Validate() error {
	v := &violations{subject: "cost sheet"}
	if c.SchoolID == "" {
		v.add("school_id", "required")
	}
	if c.TermID == "" {
		v.add("term_id", "required")
	}
	if c.Students < 1 {
		v.add("students", "must be at least 1, got %d", c.Students)
	}
	if c.PeriodsPerStudent.Sign() <= 0 || !hasPlaces(c.PeriodsPerStudent, CalendarPlaces) ||
		c.PeriodsPerStudent.GreaterThan(decimal.NewFromInt(10000)) {
		v.add("periods_per_student", "must be positive, at most 10000, with at most %d decimal places, got %s", CalendarPlaces, c.PeriodsPerStudent)
	}
	if len(c.Items) == 0 {
		v.add("items", "at least one cost item is required")
	}
	for i, it := range c.Items {
		f := fmt.Sprintf("items[%d]", i)
		switch it.Kind {
		case Remuneration, InstitutionFees, Materials, Utilities, Insurance, Management:
		default:
			v.add(f+".kind", "unknown cost kind %q", it.Kind)
		}
		switch {
		case it.Amount.Sign() < 0:
			v.add(f+".amount", "must not be negative, got %s", it.Amount)
		case !hasPlaces(it.Amount, 2):
			v.add(f+".amount", "must be whole fen, got %s", it.Amount)
		}
	}
	if c.Total().GreaterThan(decimal.NewFromInt(maxCostTotal)) {
		v.add("items", "total %s is more than %d", c.Total(), int64(maxCostTotal))
	}
	if len(v.list) == 0 {
		if per, _ := c.perStudentPeriod(money.Up); per.GreaterThan(decimal.NewFromInt(MaxAmount)) {
			v.add("students", "cost per student-period %s is more than %d: check students and periods", per, MaxAmount)
		}
	}
	return v.err()
}

// Total returns the sum of the cost items.
func (c CostSheet) Total() decimal.Decimal {
	t := decimal.New(0, -2)
	for _, it := range c.Items {
		t = t.Add(it.Amount)
	}
	return t
}

// CostPerStudentPeriod returns the published cost per student-period: Total / (Students ×
// PeriodsPerStudent), rounded once to the fen by rule. The fen figure is the one published and the
// one subsidies use, so anyone can recompute a subsidy from the published numbers.
func (c CostSheet) CostPerStudentPeriod(rule money.RoundingRule) (decimal.Decimal, error) {
	if err := c.Validate(); err != nil {
		return decimal.Decimal{}, err
	}
	return c.perStudentPeriod(rule)
}

func (c CostSheet) perStudentPeriod(rule money.RoundingRule) (decimal.Decimal, error) {
	den := new(big.Rat).Mul(big.NewRat(int64(c.Students), 1), c.PeriodsPerStudent.Rat())
	return money.RoundRat(new(big.Rat).Quo(c.Total().Rat(), den), rule), nil
}

// PriceComparison shows an item's price per period beside the cost per student-period, so the bureau
// sees how much of the cost the schedule covers.
type PriceComparison struct {
	ItemRuleID string
	Kind       ServiceKind
	Unit       ChargingUnit
	// PricePerPeriod is the item's rate (plus surcharge) converted to one period, rounded to the
	// fen by the schedule's rule.
	PricePerPeriod       decimal.Decimal
	CostPerStudentPeriod decimal.Decimal
	// Coverage is PricePerPeriod / CostPerStudentPeriod to four places (1 = price covers cost);
	// zero when the cost is zero.
	Coverage decimal.Decimal
}

// ComparePrice returns, for each priced item of the schedule (meals passed through at cost are
// left out), its price per period beside the cost sheet's cost per student-period. Converting a
// per_session, per_day, per_month or per_term rate to a period needs the item's ServiceFacts
// (periods per session and per day); a month is Calendar.DaysPerMonth days and a term
// Calendar.MonthsPerTerm months.
func ComparePrice(s Schedule, c CostSheet, services []ServiceFacts) ([]PriceComparison, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	cost, err := c.CostPerStudentPeriod(s.RoundingRule)
	if err != nil {
		return nil, err
	}
	v := &violations{subject: "service facts"}
	var out []PriceComparison
	for _, it := range s.Items {
		if it.MealPassThrough {
			continue
		}
		price := new(big.Rat).Add(it.Rate.Rat(), it.EnrichmentSurcharge.Rat())
		if it.Unit != PerPeriod {
			sf := findService(services, it.RuleID)
			if sf == nil {
				v.add("services", "no service facts for item %q (needed to convert a %s rate)", it.RuleID, it.Unit)
				continue
			}
			perSession := big.NewRat(int64(sf.MinutesPerSession), int64(max(sf.PeriodMinutes, 1)))
			periods := perSession // per_session
			if it.Unit != PerSession {
				periods = new(big.Rat).Mul(perSession, big.NewRat(int64(sf.SessionsPerDay), 1))
			}
			if it.Unit == PerMonth || it.Unit == PerTerm {
				periods.Mul(periods, s.Calendar.DaysPerMonth.Rat())
			}
			if it.Unit == PerTerm {
				periods.Mul(periods, s.Calendar.MonthsPerTerm.Rat())
			}
			if periods.Sign() == 0 {
				v.add("services", "item %q has no periods per unit", it.RuleID)
				continue
			}
			price.Quo(price, periods)
		}
		pc := PriceComparison{
			ItemRuleID:           it.RuleID,
			Kind:                 it.Kind,
			Unit:                 it.Unit,
			PricePerPeriod:       money.RoundRat(price, s.RoundingRule),
			CostPerStudentPeriod: cost,
			Coverage:             decimal.New(0, -4),
		}
		if cost.Sign() > 0 {
			pc.Coverage = pc.PricePerPeriod.DivRound(cost, 4)
		}
		out = append(out, pc)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return out, nil
}

func findService(services []ServiceFacts, ruleID string) *ServiceFacts {
	for i := range services {
		if services[i].ItemRuleID == ruleID {
			return &services[i]
		}
	}
	return nil
}
