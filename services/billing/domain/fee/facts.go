package fee

import (
	"fmt"
	"time"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/shopspring/decimal"
)

// PeriodKind is whether a billing period is a term or a calendar month.
type PeriodKind string

// The period kinds.
const (
	// TermPeriod is a 学期; prepaid_term schedules bill by term.
	TermPeriod PeriodKind = "term"
	// MonthPeriod is one calendar month (or part of one); monthly schedules bill by month.
	MonthPeriod PeriodKind = "month"
)

// CalendarDay is one day of the school calendar as timetable supplies it.
type CalendarDay struct {
	Date civil.Date
	// SchoolDay is a day with normal school and after-school service, including a swapped working
	// Saturday (调休).
	SchoolDay bool
	// WeekendHoliday marks weekends and public or school holidays: weekend_care runs on such days
	// that are not school days, and an item's WeekendHolidayRate applies on them.
	WeekendHoliday bool
}

// Period is the billing period and its calendar. Days lists calendar days in ascending order, each
// at most once, all within [From, To]; a date not listed has no service (neither a school day nor a
// weekend or holiday).
type Period struct {
	Kind PeriodKind
	From civil.Date
	To   civil.Date
	Days []CalendarDay
}

// Validate checks the period on its own; the engine also checks it against the schedule.
func (p Period) Validate() error {
	v := &violations{subject: "period"}
	p.validate(v)
	return v.err()
}

func (p Period) validate(v *violations) {
	switch p.Kind {
	case TermPeriod, MonthPeriod:
	default:
		v.add("kind", "unknown period kind %q (want term or month)", p.Kind)
	}
	if !p.From.Valid() {
		v.add("from", "required: a valid date")
	}
	if !p.To.Valid() {
		v.add("to", "required: a valid date")
	}
	if !p.From.Valid() || !p.To.Valid() {
		return
	}
	if p.To.Before(p.From) {
		v.add("to", "%s is before from %s", p.To, p.From)
		return
	}
	if n := p.To.Days() - p.From.Days() + 1; n > MaxPeriodDays {
		v.add("to", "period of %d days is longer than %d", n, MaxPeriodDays)
	}
	if p.Kind == MonthPeriod && (p.From.Year != p.To.Year || p.From.Month != p.To.Month) {
		v.add("to", "a month period ends in the month it starts (%s to %s)", p.From, p.To)
	}
	for i, d := range p.Days {
		f := fmt.Sprintf("days[%d].date", i)
		switch {
		case !d.Date.Valid():
			v.add(f, "not a valid date")
		case d.Date.Before(p.From) || d.Date.After(p.To):
			v.add(f, "%s is outside the period %s to %s", d.Date, p.From, p.To)
		case i > 0 && p.Days[i-1].Date.Valid() && !d.Date.After(p.Days[i-1].Date):
			v.add(f, "%s is not after the previous day %s: days must be ascending and unique", d.Date, p.Days[i-1].Date)
		}
	}
}

// DateRange is an inclusive range of days.
type DateRange struct {
	From civil.Date
	To   civil.Date
}

// Enrolment is one interval in which a student takes an item. Start and End are inclusive; End is
// the last day enrolled (a withdrawal's last day) and zero while the enrolment is open.
type Enrolment struct {
	ItemRuleID string
	// Source is the timetable item (服务项目) the enrolment is in, when one fee item charges several
	// timetable items (two basic-care segments, the second for the older grades only); it picks the
	// ServiceFacts with the same Source. Empty when the fee item has one source.
	Source string `json:",omitempty"`
	Start  civil.Date
	End    civil.Date
}

// Cancellation records sessions of an item the school cancelled on a day.
type Cancellation struct {
	Date civil.Date
	// Sessions cancelled that day; zero (or at least SessionsPerDay) cancels the whole day. Several
	// entries for one day add up.
	Sessions int
}

// ShortDay records a day the school delivered fewer minutes than required. A day with
// DeliveredMinutes < RequiredMinutes is not charged (DOMAIN.md §2: days the school fell short of
// the required hours are deducted); other entries are ignored, and one short entry for a day is
// enough.
type ShortDay struct {
	Date             civil.Date
	RequiredMinutes  int
	DeliveredMinutes int
}

// MealCost is the actual cost of one student's meals on a day, passed through at cost. Several
// entries for one day add up.
type MealCost struct {
	Date   civil.Date
	Amount decimal.Decimal
}

// ServiceFacts describe how an item was delivered to the student's class or club over the period:
// the timetable facts the engine needs. Students of one class can share one value (its slices are
// only read).
type ServiceFacts struct {
	ItemRuleID string
	// Source is the timetable item these facts describe (see Enrolment.Source). A per_period or
	// per_session fee item charging several sources bills each source's sessions on the days the
	// student is enrolled in it, so every enrolled session is billed exactly once; a per_day,
	// per_month or per_term item bills a day or a month once however many sources deliver it
	// (the union of the enrolments, with the first source's delivery facts).
	Source string `json:",omitempty"`
	// PeriodMinutes is the length of a 课时: 40 in primary, 45 in junior middle school.
	PeriodMinutes int
	// SessionsPerDay and MinutesPerSession describe a planned service day. A session shorter than
	// a period counts pro rata (30 of 40 minutes is 0.75 period), a longer one likewise.
	SessionsPerDay    int
	MinutesPerSession int
	// Weekdays, if not empty, are the only weekdays the item runs (a club on Tuesday and Thursday).
	// Otherwise it runs on every school day, or every weekend and holiday day for weekend_care.
	Weekdays      []time.Weekday
	Cancellations []Cancellation
	ShortDays     []ShortDay
	// MealCosts are the per-day actual meal costs, for a meal item passed through at cost.
	MealCosts []MealCost
}

// StudentFacts are everything about one student the engine needs for one period. Enrolment and
// leave intervals may overlap and come in any order: the engine uses their union.
type StudentFacts struct {
	StudentID string
	SchoolID  string
	// Hardship is the student's hardship category, empty if none; HardshipApproved says whether
	// the school approved it (needed by waivers that require approval).
	Hardship         HardshipCategory
	HardshipApproved bool
	Enrolments       []Enrolment
	// Leave lists approved absences (请假), inclusive date ranges.
	Leave []DateRange
	// Services holds the delivery facts of each item the student is enrolled in, one per item and
	// source.
	Services []ServiceFacts
}

// Limits on service facts, so that per-day arithmetic stays exact in 64 bits.
const (
	maxPeriodMinutes  = 240
	maxSessionsPerDay = 24
	maxSessionMinutes = 720
)

// validateFacts checks a student's facts against the schedule's items. Facts dated outside the
// period are allowed and ignored, so a term's class facts can serve each month's run. Field names
// are formatted only for violations: valid facts cost no allocation here.
func (e *Engine) validateFacts(f StudentFacts) error {
	v := &violations{subject: "facts"}
	if f.StudentID == "" {
		v.add("student_id", "required")
	}
	if f.SchoolID == "" {
		v.add("school_id", "required")
	} else if e.s.Scope.SchoolID != "" && f.SchoolID != e.s.Scope.SchoolID {
		v.add("school_id", "school %s is not in the scope of schedule %s (school %s)", f.SchoolID, e.s.ID, e.s.Scope.SchoolID)
	}
	if f.Hardship != "" {
		switch f.Hardship {
		case JiandangLika, Dibao, Tekun, Orphan, Disabled, PovertyRisk, SuddenHardship:
		default:
			v.add("hardship", "unknown hardship category %q", f.Hardship)
		}
	}
	for i, en := range f.Enrolments {
		if k := e.itemIndex(en.ItemRuleID); k < 0 {
			v.add(fmt.Sprintf("enrolments[%d].item_rule_id", i), "no item with rule id %q in schedule %s version %d", en.ItemRuleID, e.s.ID, e.s.Version)
		} else if !hasService(f.Services, en.ItemRuleID, en.Source) {
			if en.Source == "" {
				v.add("services", "no service facts for enrolled item %q", en.ItemRuleID)
			} else {
				v.add("services", "no service facts for enrolled item %q source %q", en.ItemRuleID, en.Source)
			}
		}
		if !en.Start.Valid() {
			v.add(fmt.Sprintf("enrolments[%d].start", i), "required: a valid date")
		}
		if !en.End.IsZero() && (!en.End.Valid() || (en.Start.Valid() && en.End.Before(en.Start))) {
			v.add(fmt.Sprintf("enrolments[%d].end", i), "must be a valid date not before start %s", en.Start)
		}
	}
	for i, l := range f.Leave {
		if !l.From.Valid() {
			v.add(fmt.Sprintf("leave[%d].from", i), "required: a valid date")
		}
		if !l.To.Valid() || (l.From.Valid() && l.To.Before(l.From)) {
			v.add(fmt.Sprintf("leave[%d].to", i), "must be a valid date not before from %s", l.From)
		}
	}
	for i, sf := range f.Services {
		k := e.itemIndex(sf.ItemRuleID)
		if k < 0 {
			v.add(fmt.Sprintf("services[%d].item_rule_id", i), "no item with rule id %q", sf.ItemRuleID)
		}
		for j, prev := range f.Services[:i] {
			if prev.ItemRuleID != sf.ItemRuleID {
				continue
			}
			switch {
			case prev.Source == sf.Source && sf.Source == "":
				v.add(fmt.Sprintf("services[%d].item_rule_id", i), "facts for item %q given twice", sf.ItemRuleID)
			case prev.Source == sf.Source:
				v.add(fmt.Sprintf("services[%d].source", i), "facts for item %q source %q given twice", sf.ItemRuleID, sf.Source)
			case k >= 0 && e.items[k].capped():
				v.add(fmt.Sprintf("services[%d].source", i), "item %q has caps, which cannot be shared between timetable items %q and %q: give each its own fee item",
					sf.ItemRuleID, prev.Source, sf.Source)
			case k >= 0 && e.items[k].it.Unit == PerPeriod && prev.PeriodMinutes != sf.PeriodMinutes:
				v.add(fmt.Sprintf("services[%d].period_minutes", i), "%d differs from services[%d] (%d) of the same item %q", sf.PeriodMinutes, j, prev.PeriodMinutes, sf.ItemRuleID)
			}
		}
		validateService(v, i, sf)
	}
	return v.err()
}

// hasService reports whether services hold the facts of item ruleID and source.
func hasService(services []ServiceFacts, ruleID, source string) bool {
	for i := range services {
		if services[i].ItemRuleID == ruleID && services[i].Source == source {
			return true
		}
	}
	return false
}

func validateService(v *violations, i int, sf ServiceFacts) {
	field := func(format string, args ...any) string {
		return fmt.Sprintf("services[%d].", i) + fmt.Sprintf(format, args...)
	}
	if sf.PeriodMinutes < 1 || sf.PeriodMinutes > maxPeriodMinutes {
		v.add(field("period_minutes"), "must be between 1 and %d, got %d", maxPeriodMinutes, sf.PeriodMinutes)
	}
	if sf.SessionsPerDay < 1 || sf.SessionsPerDay > maxSessionsPerDay {
		v.add(field("sessions_per_day"), "must be between 1 and %d, got %d", maxSessionsPerDay, sf.SessionsPerDay)
	}
	if sf.MinutesPerSession < 1 || sf.MinutesPerSession > maxSessionMinutes {
		v.add(field("minutes_per_session"), "must be between 1 and %d, got %d", maxSessionMinutes, sf.MinutesPerSession)
	}
	var days [7]bool
	for j, w := range sf.Weekdays {
		if w < time.Sunday || w > time.Saturday || days[w] {
			v.add(field("weekdays[%d]", j), "invalid or repeated weekday %d", int(w))
			continue
		}
		days[w] = true
	}
	// Repeated dates are allowed and add up (two cancellations, two meals), so the order of the
	// entries never matters.
	for j, c := range sf.Cancellations {
		if !c.Date.Valid() {
			v.add(field("cancellations[%d].date", j), "not a valid date")
		}
		if c.Sessions < 0 {
			v.add(field("cancellations[%d].sessions", j), "must not be negative, got %d", c.Sessions)
		}
	}
	for j, s := range sf.ShortDays {
		if !s.Date.Valid() {
			v.add(field("short_days[%d].date", j), "not a valid date")
		}
		if s.RequiredMinutes < 0 || s.DeliveredMinutes < 0 {
			v.add(field("short_days[%d]", j), "minutes must not be negative")
		}
	}
	for j, m := range sf.MealCosts {
		if !m.Date.Valid() {
			v.add(field("meal_costs[%d].date", j), "not a valid date")
		}
		if _, ok := amountUnits(m.Amount); !ok {
			checkAmount(v, field("meal_costs[%d].amount", j), m.Amount)
		}
	}
}
