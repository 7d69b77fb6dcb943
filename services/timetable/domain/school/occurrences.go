package school

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// TermFacts is everything about a term that its dated sessions derive
// from: the term and its days (closures applied), items, classes, clubs,
// the weekly plan, and the cancellations and deliveries recorded. The use
// cases load it; the derivations here are pure.
type TermFacts struct {
	Term    Term
	Days    []calendar.Day
	Items   []Item
	Classes []Class
	Clubs   []Club
	Plan    Plan
	// PlanStored says whether a plan was generated; Plan is empty if not.
	PlanStored bool
	Cancels    []calendar.Cancellation
	Deliveries []calendar.Delivery
	// PeriodMinutes is the period (课时) length of the school's stage,
	// which every occurrence view carries.
	PeriodMinutes int
}

// Occurrences derives the term's dated sessions, optionally with one more
// cancellation or delivery (to check it before it is stored). School days
// get the plan of the weekday they follow; weekend care (周末托管) runs on
// the term's other Saturdays and Sundays that are no holiday.
func (f TermFacts) Occurrences(extraCancel *calendar.Cancellation, extraDelivery *calendar.Delivery) ([]calendar.Occurrence, error) {
	cancels, deliv := f.Cancels, f.Deliveries
	if extraCancel != nil {
		cancels = append(cancels[:len(cancels):len(cancels)], *extraCancel)
	}
	if extraDelivery != nil {
		deliv = append(deliv[:len(deliv):len(deliv)], *extraDelivery)
	}
	sessions := Sessions(f.Items, f.Classes, f.Plan.Placements)
	weekendItem := map[string]bool{}
	for _, it := range f.Items {
		weekendItem[it.ID] = it.Kind == ItemWeekendCare
	}
	var weekendSessions []calendar.Session
	for _, s := range sessions {
		if weekendItem[s.ItemID] {
			weekendSessions = append(weekendSessions, s)
		}
	}
	var schoolDays, careDays []calendar.Day
	careDate := map[civil.Date]bool{}
	for _, d := range f.Days {
		switch {
		case d.SchoolDay:
			schoolDays = append(schoolDays, d)
		case weekendCareDay(d) && len(weekendSessions) > 0:
			d.SchoolDay, d.Follows = true, d.Weekday
			careDays = append(careDays, d)
			careDate[d.Date] = true
		}
	}
	split := func(date civil.Date) bool { return careDate[date] }
	var cs, ccare []calendar.Cancellation
	for _, c := range cancels {
		if split(c.Date) {
			ccare = append(ccare, c)
		} else {
			cs = append(cs, c)
		}
	}
	var ds, dcare []calendar.Delivery
	for _, d := range deliv {
		if split(d.Date) {
			dcare = append(dcare, d)
		} else {
			ds = append(ds, d)
		}
	}
	occ, err := derive(schoolDays, sessions, cs, ds)
	if err != nil {
		return nil, err
	}
	if len(careDays) > 0 {
		more, err := derive(careDays, weekendSessions, ccare, dcare)
		if err != nil {
			return nil, err
		}
		occ = append(occ, more...)
		slices.SortFunc(occ, func(a, b calendar.Occurrence) int {
			return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Start, b.Start), cmp.Compare(a.Segment, b.Segment),
				cmp.Compare(a.ClassID, b.ClassID), cmp.Compare(a.ClubID, b.ClubID))
		})
	}
	return occ, nil
}

// derive runs the calendar engine over records that still apply. A
// cancellation or delivery recorded earlier can go stale when the plan is
// regenerated (a club moved to another weekday) or a closure is added later
// (a delivery on a day now closed); such records stay stored but no longer
// match a held session, and are left out rather than making the whole
// term unreadable. New records are checked against the sessions before
// they are stored, so nothing stale is accepted.
func derive(days []calendar.Day, sessions []calendar.Session, cancels []calendar.Cancellation, deliv []calendar.Delivery) ([]calendar.Occurrence, error) {
	bare, err := calendar.Occurrences(days, sessions, nil, nil)
	if err != nil {
		return nil, err
	}
	// Without cancellations the sessions held are the bare ones: derive
	// once, not twice (most terms, and every compliance report of them).
	held := bare
	if len(cancels) > 0 {
		byDate := map[civil.Date][]calendar.Occurrence{}
		for _, o := range bare {
			byDate[o.Date] = append(byDate[o.Date], o)
		}
		var keptCancels []calendar.Cancellation
		for _, c := range cancels {
			if slices.ContainsFunc(byDate[c.Date], func(o calendar.Occurrence) bool {
				return (c.ClassID == "" || c.ClassID == o.ClassID) && (c.ClubID == "" || c.ClubID == o.ClubID) && (c.Segment == 0 || c.Segment == o.Segment)
			}) {
				keptCancels = append(keptCancels, c)
			}
		}
		cancels = keptCancels
		if len(keptCancels) > 0 {
			if held, err = calendar.Occurrences(days, sessions, keptCancels, nil); err != nil {
				return nil, err
			}
		}
	}
	var keptDeliv []calendar.Delivery
	for _, d := range deliv {
		if slices.ContainsFunc(held, func(o calendar.Occurrence) bool {
			return o.Date == d.Date && o.ClassID == d.ClassID && o.ClubID == d.ClubID && o.Segment == d.Segment &&
				o.Status == calendar.StatusScheduled && d.Minutes <= o.Minutes
		}) {
			keptDeliv = append(keptDeliv, d)
		}
	}
	if len(keptDeliv) == 0 {
		return held, nil
	}
	occ, err := calendar.Occurrences(days, sessions, cancels, keptDeliv)
	if err != nil {
		return nil, err
	}
	return occ, nil
}

// weekendCareDay reports whether weekend care may run on d: a Saturday or
// Sunday of the term that is neither a school day nor a holiday.
func weekendCareDay(d calendar.Day) bool {
	return d.Weekend && !d.SchoolDay && !d.Holiday
}

// OccurrenceView is an occurrence with what other services need to know
// about it.
type OccurrenceView struct {
	calendar.Occurrence
	ItemKind ItemKind
	Students int
	Grade    int
	Club     *Club
	// PeriodMinutes is the period (课时) length of the school's stage, so
	// consumers count a short session pro rata.
	PeriodMinutes int
}

// OccurrenceID is the occurrence's stable id: date/segment/class-or-club.
func OccurrenceID(o calendar.Occurrence) string {
	who := "class:" + o.ClassID
	if o.ClubID != "" {
		who = "club:" + o.ClubID
	}
	return fmt.Sprintf("%s/%d/%s", o.Date, o.Segment, who)
}

// Views adds to occurrences what other services need: item kind, class
// size or club members, grade, the club and the period length.
func (f TermFacts) Views(occ []calendar.Occurrence) []OccurrenceView {
	kind := map[string]ItemKind{}
	for _, it := range f.Items {
		kind[it.ID] = it.Kind
	}
	classes := map[string]Class{}
	for _, c := range f.Classes {
		classes[c.ID] = c
	}
	clubs := map[string]*Club{}
	for i := range f.Clubs {
		clubs[f.Clubs[i].ID] = &f.Clubs[i]
	}
	period := f.PeriodMinutes
	out := make([]OccurrenceView, 0, len(occ))
	for _, o := range occ {
		v := OccurrenceView{Occurrence: o, ItemKind: kind[o.ItemID], PeriodMinutes: period}
		if o.ClubID != "" {
			v.Club = clubs[o.ClubID]
			if v.Club != nil {
				v.Students = v.Club.Members
				if len(v.Club.Grades) > 0 {
					v.Grade = v.Club.Grades[0]
				}
			}
		} else {
			v.Students, v.Grade = classes[o.ClassID].Size, classes[o.ClassID].Grade
		}
		out = append(out, v)
	}
	return out
}

// Bounds gives a date range inside the term: zero dates are the term's
// own bounds; a range outside the term, or reversed, names the field.
func (f TermFacts) Bounds(from, to civil.Date) (civil.Date, civil.Date, error) {
	if from.IsZero() {
		from = f.Term.Calendar.Start
	}
	if to.IsZero() {
		to = f.Term.Calendar.End
	}
	var c fault.Collector
	c.Check(!to.Before(from), "to", "must not be before from")
	c.Check(f.Term.Calendar.Contains(from), "from", "must be inside the term")
	c.Check(f.Term.Calendar.Contains(to), "to", "must be inside the term")
	return from, to, c.Err()
}

// CheckSchoolDay checks that d is a school day of the term, naming field.
func (f TermFacts) CheckSchoolDay(d civil.Date, field string) error {
	if !f.Term.Calendar.Contains(d) {
		return fault.Invalid(field, d.String()+" is outside the term "+f.Term.Calendar.Start.String()+" to "+f.Term.Calendar.End.String())
	}
	hasWeekendCare := slices.ContainsFunc(f.Items, func(it Item) bool { return it.Kind == ItemWeekendCare })
	for _, day := range f.Days {
		if day.Date == d && !day.SchoolDay && !(hasWeekendCare && weekendCareDay(day)) {
			why := "not a school day"
			if day.Name != "" {
				why += " (" + day.Name + ")"
			}
			return fault.Invalid(field, d.String()+" is "+why)
		}
	}
	return nil
}

// MatchSession reports, naming the most specific field, when no session of
// the date matches the class, club and segment (empty and 0 match any).
func MatchSession(occ []calendar.Occurrence, d civil.Date, classID, clubID string, segment int) error {
	var day []calendar.Occurrence
	for _, o := range occ {
		if o.Date == d {
			day = append(day, o)
		}
	}
	has := func(ok func(calendar.Occurrence) bool) bool { return slices.ContainsFunc(day, ok) }
	switch {
	case len(day) == 0:
		return fault.Invalid("date", "no session is planned on "+d.String())
	case classID != "" && !has(func(o calendar.Occurrence) bool { return o.ClassID == classID }):
		return fault.Invalid("class_id", "class "+classID+" has no session on "+d.String())
	case clubID != "" && !has(func(o calendar.Occurrence) bool { return o.ClubID == clubID }):
		return fault.Invalid("club_id", "club "+clubID+" has no session on "+d.String())
	case !has(func(o calendar.Occurrence) bool {
		return (classID == "" || o.ClassID == classID) && (clubID == "" || o.ClubID == clubID) && (segment == 0 || o.Segment == segment)
	}):
		return fault.Invalid("segment", fmt.Sprintf("no session in segment %d on %s matches", segment, d))
	}
	return nil
}

// CountCancelled counts the cancelled occurrences.
func CountCancelled(occ []calendar.Occurrence) int {
	n := 0
	for _, o := range occ {
		if o.Status == calendar.StatusCancelled {
			n++
		}
	}
	return n
}
