package calendar

import (
	"fmt"
	"strconv"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

// MaxTermDays bounds a term's length. A school term (学期) is about five
// months; a longer range is almost certainly a typo in a year, and the bound
// keeps every derived list small.
const MaxTermDays = 366

// Term is a school term (学期) of one school: the inclusive date range in
// which after-school service runs and the weekdays that are school days by
// default. Holidays, swaps and closures then adjust single dates.
type Term struct {
	SchoolID string
	Name     string
	Start    civil.Date // first day, inclusive
	End      civil.Date // last day, inclusive
	// Weekdays are the default school days of a week; empty means Monday to
	// Friday.
	Weekdays []Weekday
}

// Contains reports whether d lies within the term (both ends inclusive).
func (t Term) Contains(d civil.Date) bool { return !d.Before(t.Start) && !d.After(t.End) }

// SchoolWeekdays returns the term's default school weekdays (Monday to Friday
// when the term names none).
func (t Term) SchoolWeekdays() []Weekday {
	if len(t.Weekdays) == 0 {
		return DefaultWeekdays()
	}
	return t.Weekdays
}

func (t Term) isSchoolWeekday(w Weekday) bool {
	for _, x := range t.SchoolWeekdays() {
		if x == w {
			return true
		}
	}
	return false
}

// Validate checks the term on its own: ids, an end not before the start, a
// bounded length and distinct valid weekdays.
func (t Term) Validate() error {
	var v fault.ValidationError
	t.validate(&v, "term.")
	return v.Err()
}

func (t Term) validate(v *fault.ValidationError, prefix string) {
	if t.SchoolID == "" {
		v.Addf(prefix+"school_id", "required")
	}
	if t.Name == "" {
		v.Addf(prefix+"name", "required")
	}
	if t.Start.IsZero() {
		v.Addf(prefix+"start", "required")
	}
	if t.End.IsZero() {
		v.Addf(prefix+"end", "required")
	}
	if !t.Start.IsZero() && !t.End.IsZero() {
		if t.End.Before(t.Start) {
			v.Addf(prefix+"end", "%s is before start %s", t.End, t.Start)
		} else if n := t.End.Sub(t.Start) + 1; n > MaxTermDays {
			v.Addf(prefix+"end", "term of %d days is longer than %d days", n, MaxTermDays)
		}
	}
	seen := map[Weekday]bool{}
	for i, w := range t.Weekdays {
		f := prefix + "weekdays[" + strconv.Itoa(i) + "]"
		switch {
		case !w.Valid():
			v.Addf(f, "weekday %d is not 1 (Monday) to 7 (Sunday)", int(w))
		case seen[w]:
			v.Addf(f, "duplicate weekday %s", w)
		}
		seen[w] = true
	}
}

// Holiday is a public holiday (法定节假日) or school holiday inside a term: no
// service and no occurrences on that date.
type Holiday struct {
	Date civil.Date
	Name string // e.g. "国庆节 National Day"
}

// Swap is a swapped working day (调休). Working true makes a weekend day a
// school day that follows the timetable of weekday Follows; Working false
// makes a default school weekday a day off. Chinese public-holiday notices
// always pair the two, but each record stands alone here.
type Swap struct {
	Date    civil.Date
	Working bool
	// Follows is the weekday whose timetable a working swap day uses
	// ("按星期X课表"). Unspecified means Monday, the start of the regular
	// week; it must be unspecified on a day off.
	Follows Weekday
	Name    string // e.g. "国庆调休"
}

// ClosureScope says whom a closure affects.
type ClosureScope int

// Closure scopes.
const (
	ScopeUnspecified ClosureScope = iota
	// ScopeDistrict closes every school of the district (e.g. a typhoon).
	ScopeDistrict
	// ScopeSchool closes one school (e.g. an exam held in its buildings).
	ScopeSchool
)

// String returns "district" or "school".
func (s ClosureScope) String() string {
	switch s {
	case ScopeDistrict:
		return "district"
	case ScopeSchool:
		return "school"
	}
	return "unspecified"
}

// ClosureReason says why service was closed; reports and refunds show it.
type ClosureReason int

// Closure reasons.
const (
	ReasonUnspecified ClosureReason = iota
	ReasonWeather
	ReasonExam
	ReasonOther
)

// String returns "weather", "exam" or "other".
func (r ClosureReason) String() string {
	switch r {
	case ReasonWeather:
		return "weather"
	case ReasonExam:
		return "exam"
	case ReasonOther:
		return "other"
	}
	return "unspecified"
}

// Closure is a range of days on which service does not run although they are
// school days (停课: weather, exams). Unlike a holiday it can be added at any
// time, even after occurrences exist, so its days stay school days and their
// occurrences turn cancelled rather than disappear (fees and pay then see the
// cancellation).
type Closure struct {
	ID       string
	Start    civil.Date // inclusive
	End      civil.Date // inclusive
	Scope    ClosureScope
	SchoolID string // required for ScopeSchool
	Reason   ClosureReason
	Note     string
}

// Day is one calendar date of a term with the facts derived for it.
type Day struct {
	Date    civil.Date
	Weekday Weekday // the real day of the week
	// Follows is the weekday whose timetable applies: Weekday itself, or the
	// weekday named by a working swap.
	Follows   Weekday
	SchoolDay bool // service is planned (possibly closed, see Closed)
	Weekend   bool // Saturday or Sunday
	Holiday   bool // a public or school holiday
	Swapped   bool // a swap record changed whether this is a school day
	// Name is the holiday's or the swap's name, for display.
	Name string
	// Closed reports a closure on this day; Closure and ClosureNote say why.
	Closed      bool
	Closure     ClosureReason
	ClosureNote string
}

// Open reports whether service runs on the day: a school day not closed.
func (d Day) Open() bool { return d.SchoolDay && !d.Closed }

// Days returns every date of the term in order with its derived flags.
// Holidays and swaps must lie inside the term; closures are clipped to it,
// and closures of other schools are ignored so callers can pass the whole
// district's list. A date is a school day when its weekday is a term weekday,
// or a working swap names it, and it is neither a holiday nor a swapped day
// off. Invalid input gives a *fault.ValidationError naming every offending field.
func Days(term Term, holidays []Holiday, swaps []Swap, closures []Closure) ([]Day, error) {
	var v fault.ValidationError
	term.validate(&v, "term.")
	if len(v.Violations) > 0 {
		return nil, v.Err()
	}
	holidayAt := map[civil.Date]int{}
	for i, h := range holidays {
		f := "holidays[" + strconv.Itoa(i) + "]"
		switch {
		case h.Date.IsZero():
			v.Addf(f+".date", "required")
		case !term.Contains(h.Date):
			v.Addf(f+".date", "%s is outside the term %s..%s", h.Date, term.Start, term.End)
		default:
			if j, dup := holidayAt[h.Date]; dup {
				v.Addf(f+".date", "%s duplicates holidays[%d]", h.Date, j)
			} else {
				holidayAt[h.Date] = i
			}
		}
		if h.Name == "" {
			v.Addf(f+".name", "required")
		}
	}
	swapAt := map[civil.Date]int{}
	for i, s := range swaps {
		f := "swaps[" + strconv.Itoa(i) + "]"
		if s.Date.IsZero() {
			v.Addf(f+".date", "required")
			continue
		}
		if !term.Contains(s.Date) {
			v.Addf(f+".date", "%s is outside the term %s..%s", s.Date, term.Start, term.End)
			continue
		}
		if j, dup := swapAt[s.Date]; dup {
			v.Addf(f+".date", "%s duplicates swaps[%d]", s.Date, j)
			continue
		}
		swapAt[s.Date] = i
		if j, ok := holidayAt[s.Date]; ok {
			v.Addf(f+".date", "%s is also holidays[%d]", s.Date, j)
		}
		regular := term.isSchoolWeekday(WeekdayOfDate(s.Date))
		if s.Working {
			if regular {
				v.Addf(f+".date", "%s (%s) is already a school day", s.Date, WeekdayOfDate(s.Date))
			}
			if s.Follows != WeekdayUnspecified && !term.isSchoolWeekday(s.Follows) {
				v.Addf(f+".follows", "%s is not a school weekday of the term", s.Follows)
			}
		} else {
			if !regular {
				v.Addf(f+".date", "%s (%s) is not a school day to give off", s.Date, WeekdayOfDate(s.Date))
			}
			if s.Follows != WeekdayUnspecified {
				v.Addf(f+".follows", "only a working swap follows a timetable")
			}
		}
	}
	for i, c := range closures {
		f := "closures[" + strconv.Itoa(i) + "]"
		if c.Start.IsZero() {
			v.Addf(f+".start", "required")
		}
		if c.End.IsZero() {
			v.Addf(f+".end", "required")
		}
		if !c.Start.IsZero() && !c.End.IsZero() && c.End.Before(c.Start) {
			v.Addf(f+".end", "%s is before start %s", c.End, c.Start)
		}
		switch c.Scope {
		case ScopeDistrict:
		case ScopeSchool:
			if c.SchoolID == "" {
				v.Addf(f+".school_id", "required for a school closure")
			}
		default:
			v.Addf(f+".scope", "must be district or school")
		}
		if c.Reason < ReasonWeather || c.Reason > ReasonOther {
			v.Addf(f+".reason", "must be weather, exam or other")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}

	n := term.End.Sub(term.Start) + 1
	days := make([]Day, n)
	for i := range days {
		d := term.Start.AddDays(i)
		w := WeekdayOfDate(d)
		day := Day{Date: d, Weekday: w, Follows: w, Weekend: w.IsWeekend(), SchoolDay: term.isSchoolWeekday(w)}
		if j, ok := holidayAt[d]; ok {
			day.Holiday, day.SchoolDay, day.Name = true, false, holidays[j].Name
		}
		if j, ok := swapAt[d]; ok {
			s := swaps[j]
			day.Swapped, day.SchoolDay, day.Name = true, s.Working, s.Name
			if s.Working {
				day.Follows = s.Follows
				if day.Follows == WeekdayUnspecified {
					day.Follows = Monday
				}
			}
		}
		days[i] = day
	}
	// Closures in input order; the first closure covering a day names it.
	for _, c := range closures {
		if c.Scope == ScopeSchool && c.SchoolID != term.SchoolID {
			continue
		}
		for d := maxDate(c.Start, term.Start); !d.After(minDate(c.End, term.End)); d = d.AddDays(1) {
			day := &days[d.Sub(term.Start)]
			if day.Closed {
				continue
			}
			day.Closed, day.Closure, day.ClosureNote = true, c.Reason, c.Note
		}
	}
	return days, nil
}

// SchoolDays returns the term's school days in order (Day.SchoolDay true,
// closed days included with Closed set): the days the weekly plan runs on.
// It validates like Days.
func SchoolDays(term Term, holidays []Holiday, swaps []Swap, closures []Closure) ([]Day, error) {
	all, err := Days(term, holidays, swaps, closures)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, d := range all {
		if d.SchoolDay {
			out = append(out, d)
		}
	}
	return out, nil
}

func maxDate(a, b civil.Date) civil.Date {
	if a.After(b) {
		return a
	}
	return b
}

func minDate(a, b civil.Date) civil.Date {
	if a.Before(b) {
		return a
	}
	return b
}

// closureReasonText is the cancellation reason written on occurrences of a
// closed day.
func closureReasonText(d Day) string {
	s := fmt.Sprintf("closure: %s", d.Closure)
	if d.ClosureNote != "" {
		s += " (" + d.ClosureNote + ")"
	}
	return s
}
