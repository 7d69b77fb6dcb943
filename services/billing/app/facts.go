package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

// defaultPeriodMinutes is used when timetable gives an item no period length.
const defaultPeriodMinutes = 40

// groupKey names the class or club whose sessions a student attends for an item.
type groupKey struct {
	group  string // "class:<id>" or "club:<id>"
	itemID string
}

// schoolInputs are the facts of one school and period that every student shares.
type schoolInputs struct {
	school   facts.School
	term     facts.Term
	period   fee.Period
	sched    fee.Schedule
	cost     *fee.CostSheet
	engine   *fee.Engine
	items    map[string]facts.Item
	itemRule map[string]string // timetable item id → schedule rule id
	// unmapped holds the timetable items no fee item charges, or several could, with the
	// schedule's fee items of the item's kind: a run that needs one is refused naming them.
	unmapped map[string][]string
	groups   map[groupKey]*fee.ServiceFacts
	// byItem is, per timetable item, the facts of its first class or club (by id): used for a
	// student whose own class or club has no sessions of the item (an enrichment sign-up not
	// yet placed in a club).
	byItem map[string]*fee.ServiceFacts
}

// periodFor returns the billing period of a term: the whole term, or one
// month of it (clipped to the term).
func periodFor(term facts.Term, kind fee.PeriodKind, month civil.Date) (civil.Date, civil.Date, error) {
	if kind == fee.TermPeriod {
		return term.Start, term.End, nil
	}
	from := civil.New(month.Year, month.Month, 1)
	to := from.AddMonths(1).AddDays(-1)
	if from.Before(term.Start) {
		from = term.Start
	}
	if to.After(term.End) {
		to = term.End
	}
	if to.Before(from) {
		return civil.Date{}, civil.Date{}, fault.Invalid("month", "month "+month.String()[:7]+" is outside term "+term.ID)
	}
	return from, to, nil
}

// loadSchool fetches a school's shared facts for the period from timetable
// and prepares the engine for sched.
func (f *Fees) loadSchool(ctx context.Context, sc facts.School, term facts.Term, kind fee.PeriodKind, from, to civil.Date, sched fee.Schedule, cost *fee.CostSheet) (*schoolInputs, error) {
	in := &schoolInputs{school: sc, term: term, sched: sched, cost: cost, items: map[string]facts.Item{},
		itemRule: map[string]string{}, groups: map[groupKey]*fee.ServiceFacts{}, byItem: map[string]*fee.ServiceFacts{}}
	days, err := f.feed.Calendar(ctx, sc.ID, term.ID)
	if err != nil {
		return nil, err
	}
	in.period = fee.Period{Kind: kind, From: from, To: to}
	var closed []civil.Date
	schoolWeekdays := map[time.Weekday]bool{}
	for _, d := range days {
		if d.Date.Before(from) || d.Date.After(to) {
			continue
		}
		in.period.Days = append(in.period.Days, fee.CalendarDay{Date: d.Date, SchoolDay: d.SchoolDay, WeekendHoliday: d.WeekendHoliday})
		if d.Closed {
			closed = append(closed, d.Date)
		}
		if d.SchoolDay {
			schoolWeekdays[d.Date.Weekday()] = true
		}
	}
	items, err := f.feed.Items(ctx, sc.ID, term.ID)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		in.items[it.ID] = it
	}
	type dayAcc struct {
		planned, cancelled, minutes, plannedMins, delivered int
		recorded                                            bool
	}
	type groupAcc struct {
		days     map[civil.Date]*dayAcc
		order    []civil.Date
		weekdays map[time.Weekday]bool
	}
	accs := map[groupKey]*groupAcc{}
	var keys []groupKey
	err = f.feed.Occurrences(ctx, sc.ID, term.ID, from, to, func(batch []facts.Occurrence) error {
		for _, o := range batch {
			k := groupKey{group: "class:" + o.ClassID, itemID: o.ItemID}
			if o.ClubID != "" {
				k.group = "club:" + o.ClubID
			}
			g := accs[k]
			if g == nil {
				g = &groupAcc{days: map[civil.Date]*dayAcc{}, weekdays: map[time.Weekday]bool{}}
				accs[k] = g
				keys = append(keys, k)
			}
			d := g.days[o.Date]
			if d == nil {
				d = &dayAcc{minutes: o.Minutes}
				g.days[o.Date] = d
				g.order = append(g.order, o.Date)
			}
			g.weekdays[o.Date.Weekday()] = true
			d.planned++
			if o.Cancelled {
				d.cancelled++
				continue
			}
			d.plannedMins += o.Minutes
			d.delivered += o.DeliveredMinutes
			d.recorded = d.recorded || o.DeliveredRecorded
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	firstGroup := map[string]string{}
	for _, k := range keys {
		g := accs[k]
		pm := in.items[k.itemID].PeriodMinutes
		if pm <= 0 {
			pm = defaultPeriodMinutes
		}
		sf := &fee.ServiceFacts{PeriodMinutes: pm}
		slices.SortFunc(g.order, func(a, b civil.Date) int { return a.Compare(b) })
		for _, day := range g.order {
			d := g.days[day]
			if d.planned > sf.SessionsPerDay {
				sf.SessionsPerDay = d.planned
			}
			if sf.MinutesPerSession == 0 && d.minutes > 0 {
				sf.MinutesPerSession = d.minutes
			}
			switch {
			case d.cancelled > 0 && d.cancelled == d.planned:
				sf.Cancellations = append(sf.Cancellations, fee.Cancellation{Date: day})
			case d.cancelled > 0:
				sf.Cancellations = append(sf.Cancellations, fee.Cancellation{Date: day, Sessions: d.cancelled})
			}
			if d.recorded && d.delivered < d.plannedMins {
				sf.ShortDays = append(sf.ShortDays, fee.ShortDay{Date: day, RequiredMinutes: d.plannedMins, DeliveredMinutes: d.delivered})
			}
		}
		for _, c := range closed {
			sf.Cancellations = append(sf.Cancellations, fee.Cancellation{Date: c})
		}
		strict := false
		for w := range schoolWeekdays {
			strict = strict || !g.weekdays[w]
		}
		if strict {
			for w := time.Sunday; w <= time.Saturday; w++ {
				if g.weekdays[w] {
					sf.Weekdays = append(sf.Weekdays, w)
				}
			}
		}
		in.groups[k] = sf
		if _, ok := in.byItem[k.itemID]; !ok || k.group < firstGroup[k.itemID] {
			in.byItem[k.itemID] = sf
			firstGroup[k.itemID] = k.group
		}
	}
	if err := in.setSchedule(sched, cost); err != nil {
		return nil, err
	}
	return in, nil
}

// setSchedule maps timetable items to the schedule's items and prepares its engine.
func (in *schoolInputs) setSchedule(sched fee.Schedule, cost *fee.CostSheet) error {
	in.sched, in.cost = sched, cost
	in.itemRule = map[string]string{}
	in.unmapped = map[string][]string{}
	for id, it := range in.items {
		if rule, candidates := mapItem(sched, id, it.Kind); rule != "" {
			in.itemRule[id] = rule
		} else {
			in.unmapped[id] = candidates
		}
	}
	e, err := fee.NewEngine(sched, in.period, cost)
	if err != nil {
		return err
	}
	in.engine = e
	return nil
}

// mapItem finds the schedule item that charges a timetable item: the one that lists it in
// TimetableItems or whose rule id is the item's id (validation lets only one do so), else the only
// non-meal item of the same service kind. When none or several match it returns "" and the fee
// items of the kind, for the refusal.
func mapItem(s fee.Schedule, itemID string, kind fee.ServiceKind) (string, []string) {
	var candidates []string
	for _, it := range s.Items {
		if it.RuleID == itemID || slices.Contains(it.TimetableItems, itemID) {
			return it.RuleID, nil
		}
		if it.Kind == kind && !it.MealPassThrough {
			candidates = append(candidates, it.RuleID)
		}
	}
	if len(candidates) == 1 {
		return candidates[0], nil
	}
	return "", candidates
}

// studentFacts turns one student's intervals into the engine's facts.
func (in *schoolInputs) studentFacts(studentID string, ivs []facts.Interval) (fee.StudentFacts, error) {
	f := fee.StudentFacts{StudentID: studentID, SchoolID: in.school.ID}
	seenItem := map[string]bool{}
	seenLeave := map[fee.DateRange]bool{}
	for _, iv := range ivs {
		if iv.Hardship != "" {
			f.Hardship, f.HardshipApproved = iv.Hardship, iv.Verified
		}
		for _, l := range iv.Leave {
			if !seenLeave[l] {
				seenLeave[l] = true
				f.Leave = append(f.Leave, l)
			}
		}
		if (!iv.End.IsZero() && iv.End.Before(in.period.From)) || iv.Start.After(in.period.To) {
			continue // not enrolled in this period
		}
		rule, ok := in.itemRule[iv.ItemID]
		if !ok {
			return fee.StudentFacts{}, in.unmappedError()
		}
		// Every enrolled timetable item is its own source: one fee item charging two of them
		// bills both (fee.ServiceFacts.Source), never one for the other.
		if seenItem[iv.ItemID] {
			f.Enrolments = append(f.Enrolments, fee.Enrolment{ItemRuleID: rule, Source: iv.ItemID, Start: iv.Start, End: iv.End})
			continue
		}
		k := groupKey{group: "class:" + iv.ClassID, itemID: iv.ItemID}
		if iv.ClubID != "" {
			k.group = "club:" + iv.ClubID
		}
		sf := in.groups[k]
		if sf == nil {
			sf = in.byItem[iv.ItemID]
		}
		if sf == nil {
			// The item had no sessions at all in the period (no plan, or nothing scheduled):
			// nothing was delivered, so nothing is charged for it.
			continue
		}
		f.Enrolments = append(f.Enrolments, fee.Enrolment{ItemRuleID: rule, Source: iv.ItemID, Start: iv.Start, End: iv.End})
		seenItem[iv.ItemID] = true
		s := *sf
		s.ItemRuleID, s.Source = rule, iv.ItemID
		f.Services = append(f.Services, s)
	}
	return f, nil
}

// unmappedError refuses a run for a timetable item no fee item charges, or that several could
// charge, naming every such item of the school's (in id order) and the fee items of the kind.
func (in *schoolInputs) unmappedError() error {
	ids := make([]string, 0, len(in.unmapped))
	for id := range in.unmapped {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var parts []string
	for _, id := range ids {
		c := in.unmapped[id]
		k := string(in.items[id].Kind)
		switch len(c) {
		case 0:
			parts = append(parts, "timetable item "+id+" ("+k+") matches no fee item")
		default:
			parts = append(parts, "timetable item "+id+" ("+k+") matches fee items "+strings.Join(c, ", "))
		}
	}
	return fault.Precondition("schedule " + in.sched.ID + ": " + strings.Join(parts, "; ") +
		": give the fee item the timetable item's id as rule_id or list it in the fee item's timetable_items")
}

// representativeServices returns, for each schedule item, the delivery facts of one class or club
// taking it in the term (for the price comparison of a cost sheet).
func (f *Fees) representativeServices(ctx context.Context, sc facts.School, termID string, sched fee.Schedule) ([]fee.ServiceFacts, error) {
	term, err := f.term(ctx, sc.ID, termID, civil.Date{})
	if err != nil {
		return nil, err
	}
	in, err := f.loadSchool(ctx, sc, term, fee.TermPeriod, term.Start, term.End, sched, nil)
	if err != nil {
		// The comparison needs only the items; a term the schedule does not cover shows none.
		return nil, nil
	}
	var out []fee.ServiceFacts
	seen := map[string]bool{}
	keys := make([]groupKey, 0, len(in.groups))
	for k := range in.groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b groupKey) int {
		if a.group != b.group {
			if a.group < b.group {
				return -1
			}
			return 1
		}
		if a.itemID < b.itemID {
			return -1
		}
		if a.itemID > b.itemID {
			return 1
		}
		return 0
	})
	for _, k := range keys {
		rule, ok := in.itemRule[k.itemID]
		if !ok || seen[rule] {
			continue
		}
		seen[rule] = true
		s := *in.groups[k]
		s.ItemRuleID = rule
		out = append(out, s)
	}
	return out, nil
}
