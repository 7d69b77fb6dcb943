package fee

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/billing/domain/money"
)

// chooser drives the random case generator: math/rand for property tests, the fuzzer's bytes for
// FuzzCompute (so coverage guidance steers the choices).
type chooser interface {
	// intn returns a number in [0, n); n > 0.
	intn(n int) int
}

type randChooser struct{ r *rand.Rand }

func (c randChooser) intn(n int) int { return c.r.IntN(n) }

type byteChooser struct {
	b []byte
	i int
}

func (c *byteChooser) intn(n int) int {
	v := 0
	for range 1 + boolInt(n > 256) + boolInt(n > 65536) {
		v <<= 8
		if c.i < len(c.b) {
			v |= int(c.b[c.i])
			c.i++
		}
	}
	return v % n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func pickOne[T any](c chooser, xs ...T) T { return xs[c.intn(len(xs))] }

// genAmount returns a random amount with up to places decimal places, below max yuan.
func genAmount(c chooser, max int, places int32) decimal.Decimal {
	scale := 1
	for range places {
		scale *= 10
	}
	return decimal.New(int64(c.intn(max*scale)), -places)
}

// genCase builds a random valid case: schedule, period, student facts and maybe a cost sheet.
func genCase(c chooser) (Schedule, Period, StudentFacts, *CostSheet) {
	mode := pickOne(c, PrepaidTerm, Monthly, AfterService)
	start := day(9, 1).AddDays(c.intn(60))
	var p Period
	if mode == Monthly || (mode == AfterService && c.intn(2) == 0) {
		first := civil.New(start.Year, start.Month, 1)
		last := civil.New(start.Year, start.Month+1, 0)
		p = Period{Kind: MonthPeriod, From: first.AddDays(c.intn(5)), To: last.AddDays(-c.intn(5))}
	} else {
		p = Period{Kind: TermPeriod, From: start, To: start.AddDays(20 + c.intn(130))}
	}
	for d := p.From; !d.After(p.To); d = d.AddDays(1) {
		if c.intn(30) == 0 {
			continue // an unlisted date: no service
		}
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		school := !weekend && c.intn(12) != 0 || weekend && c.intn(20) == 0
		p.Days = append(p.Days, CalendarDay{Date: d, SchoolDay: school, WeekendHoliday: !school && c.intn(8) != 0})
	}

	s := Schedule{
		ID: "gen", Version: 1, Scope: Scope{DistrictID: "d", SchoolID: pickOne(c, "", "school-1")},
		EffectiveFrom: day(9, 1), DocumentNo: "doc",
		RoundingRule: pickOne(c, money.HalfUp, money.HalfEven, money.Down, money.Up, ""),
		Calendar: Calendar{DaysPerMonth: pickOne(c, dec("22"), dec("21.75"), dec("20"), dec("23")),
			MonthsPerTerm: pickOne(c, dec("4.5"), dec("4"), dec("5"), dec("4.25")), TermsPerYear: 2},
		BillingMode: mode,
	}
	var ids []string
	for k := range 1 + c.intn(4) {
		id := string(rune('a' + k))
		ids = append(ids, id)
		s.Items = append(s.Items, genItem(c, id, mode))
	}
	s.Proration = genPolicy(c, mode)

	var cost *CostSheet
	if c.intn(2) == 0 {
		cost = &CostSheet{SchoolID: "school-1", TermID: "t", Students: 1 + c.intn(500), PeriodsPerStudent: decimal.NewFromInt(int64(10 + c.intn(200))),
			Items: []CostItem{{Kind: Remuneration, Amount: genAmount(c, 200000, 2)}, {Kind: pickOne(c, Materials, Management), Amount: genAmount(c, 5000, 2)}}}
	}
	subset := func() []string {
		var out []string
		for _, id := range ids {
			if c.intn(3) == 0 {
				out = append(out, id)
			}
		}
		return out
	}
	for k := range c.intn(4) {
		kinds := []SubsidyKind{PerStudentDay, PerStudentTerm, PerStudentYear, PerStudentMonth, PerStudentPeriod}
		if cost != nil {
			kinds = append(kinds, PercentOfCost, Shortfall)
		}
		r := SubsidyRule{RuleID: "s" + string(rune('0'+k)), Kind: pickOne(c, kinds...), Items: subset()}
		switch r.Kind {
		case PercentOfCost:
			r.Percent = decimal.New(int64(1+c.intn(10000)), -4)
		case Shortfall:
		default:
			r.Amount = decimal.New(int64(1+c.intn(50000)), -int32(c.intn(5)))
		}
		for j := range 1 + c.intn(3) {
			r.Payers = append(r.Payers, PayerRatio{PayerID: pickOne(c, "city", "district", "province")[:4] + string(rune('0'+j)),
				Ratio: decimal.New(int64(1+c.intn(100)), -int32(c.intn(3)))})
		}
		s.Subsidies = append(s.Subsidies, r)
	}
	cats := []HardshipCategory{JiandangLika, Dibao, Tekun, Orphan, Disabled, PovertyRisk, SuddenHardship}
	for k := range c.intn(3) {
		s.Waivers = append(s.Waivers, WaiverRule{RuleID: "w" + string(rune('0'+k)), Category: pickOne(c, cats...),
			Percent: pickOne(c, dec("1"), dec("0.5"), dec("0.3333"), dec("0.75")), RequiresApproval: c.intn(2) == 0,
			PayerID: pickOne(c, "civil", "education"), Items: subset()})
	}

	f := StudentFacts{StudentID: "stu", SchoolID: "school-1", HardshipApproved: c.intn(2) == 0}
	if c.intn(2) == 0 {
		f.Hardship = pickOne(c, cats...)
	}
	span := int(p.To.Days() - p.From.Days())
	randomDay := func() civil.Date { return p.From.AddDays(c.intn(span+20) - 10) }
	for _, it := range s.Items {
		for range c.intn(4) {
			en := Enrolment{ItemRuleID: it.RuleID, Start: randomDay()}
			if c.intn(2) == 0 {
				en.End = en.Start.AddDays(c.intn(60))
			}
			f.Enrolments = append(f.Enrolments, en)
		}
		sf := ServiceFacts{ItemRuleID: it.RuleID, PeriodMinutes: pickOne(c, 40, 45), SessionsPerDay: 1 + c.intn(3),
			MinutesPerSession: pickOne(c, 20, 30, 35, 40, 45, 60, 90)}
		if c.intn(4) == 0 {
			sf.Weekdays = []time.Weekday{pickOne(c, time.Monday, time.Tuesday), pickOne(c, time.Thursday, time.Saturday)}
		}
		for range c.intn(4) {
			sf.Cancellations = append(sf.Cancellations, Cancellation{Date: randomDay(), Sessions: c.intn(4)})
		}
		for range c.intn(4) {
			sf.ShortDays = append(sf.ShortDays, ShortDay{Date: randomDay(), RequiredMinutes: 90, DeliveredMinutes: 30 + c.intn(90)})
		}
		if it.MealPassThrough {
			for range c.intn(40) {
				sf.MealCosts = append(sf.MealCosts, MealCost{Date: randomDay(), Amount: genAmount(c, 30, pickOne[int32](c, 2, 4))})
			}
		}
		f.Services = append(f.Services, sf)
	}
	for range c.intn(4) {
		from := randomDay()
		f.Leave = append(f.Leave, DateRange{From: from, To: from.AddDays(c.intn(40))})
	}
	return s, p, f, cost
}

func genItem(c chooser, id string, mode BillingMode) Item {
	it := Item{RuleID: id, Kind: pickOne(c, BasicCare, Enrichment, LunchCare, ExtendedCare, EveningStudy, WeekendCare),
		Unit: pickOne(c, PerPeriod, PerSession, PerDay, PerMonth, PerTerm)}
	switch c.intn(8) {
	case 0:
		it.Unit, it.MealPassThrough, it.CollectedOnBehalf, it.ProviderID = PerDay, true, true, "canteen"
		return it
	case 1:
		it.Free = true
		return it
	}
	it.Rate = genAmount(c, pickOne(c, 5, 50, 500), pickOne[int32](c, 0, 2, 4))
	single := it.Rate
	if it.Unit.counted() && c.intn(3) == 0 {
		it.WeekendHolidayRate = decimal.NewNullDecimal(genAmount(c, 10, 2))
		single = decimal.Max(single, it.WeekendHolidayRate.Decimal)
	}
	if it.Kind == Enrichment && c.intn(2) == 0 {
		it.EnrichmentSurcharge = genAmount(c, 20, 1)
		single = single.Add(it.EnrichmentSurcharge)
	}
	capAbove := func(times int) decimal.NullDecimal {
		return decimal.NewNullDecimal(single.Mul(decimal.NewFromInt(int64(1 + c.intn(times)))).Add(decimal.New(int64(1+c.intn(500)), -2)))
	}
	if it.Unit.counted() {
		if c.intn(3) == 0 {
			it.CapPerDay = capAbove(3)
		}
		if c.intn(3) == 0 {
			it.CapPerMonth = capAbove(40)
		}
	}
	if (it.Unit.counted() || it.Unit == PerMonth) && mode != Monthly && c.intn(3) == 0 {
		it.CapPerTerm = capAbove(150)
	}
	if c.intn(5) == 0 {
		it.CollectedOnBehalf, it.ProviderID = true, "institution"
	}
	return it
}

func genPolicy(c chooser, mode BillingMode) ProrationPolicy {
	p := ProrationPolicy{RuleID: "policy", Kind: pickOne(c, Exact, HalfMonth, ContinuousAbsence, EarlyWithdrawal, FirstMonthOnly)}
	switch {
	case mode == AfterService:
		p.Kind = Exact
	case p.Kind == EarlyWithdrawal && mode != PrepaidTerm:
		p.Kind = FirstMonthOnly
	}
	switch p.Kind {
	case Exact:
		p.ChargeLeave = mode != AfterService && c.intn(3) == 0
	case EarlyWithdrawal:
		p.WithdrawalMonths = 1 + c.intn(4)
		p.WithdrawalRefund = pickOne(c, dec("0.5"), dec("1"), dec("0.3333"))
	}
	if p.Kind.takesBoundary() {
		p.Boundary = pickOne(c, "", Inclusive, Exclusive)
	}
	if p.Kind == HalfMonth {
		p.MonthWeight = pickOne(c, "", MonthlyRate, SchoolDays)
	}
	return p
}

// shuffled returns a copy of f with every list in a random order.
func shuffled(c chooser, f StudentFacts) StudentFacts {
	shuffle := func(n int, swap func(i, j int)) {
		for i := n - 1; i > 0; i-- {
			swap(i, c.intn(i+1))
		}
	}
	g := f
	g.Enrolments = append([]Enrolment(nil), f.Enrolments...)
	shuffle(len(g.Enrolments), func(i, j int) { g.Enrolments[i], g.Enrolments[j] = g.Enrolments[j], g.Enrolments[i] })
	g.Leave = append([]DateRange(nil), f.Leave...)
	shuffle(len(g.Leave), func(i, j int) { g.Leave[i], g.Leave[j] = g.Leave[j], g.Leave[i] })
	g.Services = append([]ServiceFacts(nil), f.Services...)
	shuffle(len(g.Services), func(i, j int) { g.Services[i], g.Services[j] = g.Services[j], g.Services[i] })
	for k := range g.Services {
		sf := &g.Services[k]
		sf.Cancellations = append([]Cancellation(nil), sf.Cancellations...)
		shuffle(len(sf.Cancellations), func(i, j int) { sf.Cancellations[i], sf.Cancellations[j] = sf.Cancellations[j], sf.Cancellations[i] })
		sf.ShortDays = append([]ShortDay(nil), sf.ShortDays...)
		shuffle(len(sf.ShortDays), func(i, j int) { sf.ShortDays[i], sf.ShortDays[j] = sf.ShortDays[j], sf.ShortDays[i] })
		sf.MealCosts = append([]MealCost(nil), sf.MealCosts...)
		shuffle(len(sf.MealCosts), func(i, j int) { sf.MealCosts[i], sf.MealCosts[j] = sf.MealCosts[j], sf.MealCosts[i] })
	}
	return g
}

// checkCase asserts the engine's properties on one generated case: the input is accepted; the
// statement verifies (every line adds up both ways, no negative amount, totals are the sums of the
// lines, all in whole fen); computing again gives the same statement byte for byte; and the same
// facts in any order give the same statement.
func checkCase(t *testing.T, c chooser, s Schedule, p Period, f StudentFacts, cost *CostSheet) Statement {
	t.Helper()
	st, err := Compute(s, f, p, cost)
	if err != nil {
		t.Fatalf("generated case rejected: %v", err)
	}
	if err := st.Verify(); err != nil {
		t.Fatalf("Verify: %v\nschedule %+v", err, s)
	}
	for _, l := range st.Lines {
		if l.Type == ChargeLine && l.Net.GreaterThan(l.Gross) {
			t.Fatalf("line %s: net %s above gross %s", l.Rule.RuleID, l.Net, l.Gross)
		}
	}
	again, err := Compute(s, shuffled(c, f), p, cost)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(st, again, decimalIdentical); diff != "" {
		t.Fatalf("statement depends on the order of the facts (-first +shuffled):\n%s", diff)
	}
	return st
}

// TestComputeProperties runs 20,000 random cases (fixed seed) through checkCase. With the
// allocator's property tests in package money this makes well over 100,000 random cases per run.
func TestComputeProperties(t *testing.T) {
	c := randChooser{rand.New(rand.NewPCG(2024, 9))}
	lines := 0
	for range 20_000 {
		s, p, f, cost := genCase(c)
		lines += len(checkCase(t, c, s, p, f, cost).Lines)
	}
	if lines < 20_000 {
		t.Errorf("only %d lines in 20,000 cases: the generator rarely enrols anyone", lines)
	}
}

func FuzzCompute(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 200, 150, 3, 3, 3, 1, 0, 0, 7})
	f.Add([]byte("kehou after-school fee engine fuzz seed with enough bytes to enrol someone"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &byteChooser{b: data}
		s, p, facts, cost := genCase(c)
		checkCase(t, c, s, p, facts, cost)
	})
}
