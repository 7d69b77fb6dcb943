// Package civil is the house's one calendar date: a day with no time of day
// and no time zone (Postgres `date`, proto kehou.common.v1.Date), because
// school days, effective dates, leave, licences and pay months are all
// counted in whole days. Domain packages may import it, like platform/fault;
// its proto conversions are in platform/pbconv.
//
// A Date is the plain triple (Year, Month, Day), comparable with == and
// usable as a map key; the zero Date means "not set" (an open end, a
// missing date). Its JSON form is that of the struct,
// {"Year":2026,"Month":9,"Day":1}: billing's run snapshots, request hashes
// and stored schedules were written that way, and their hashes must not
// move. UnmarshalJSON also reads the ISO text "2026-09-01" that timetable's
// stored holidays and swaps used.
package civil

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrBadDate is returned when a text is not a valid "2006-01-02" date, so
// callers can tell a malformed date from other failures.
var ErrBadDate = errors.New("bad date")

// Date is a civil date; see the package comment.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// New returns the Date for year, month and day, normalising out-of-range
// values the way time.Date does (January 32 is February 1), which keeps
// date arithmetic in tests and generators short. Use Parse, or Valid, to
// refuse such input.
func New(year int, month time.Month, day int) Date {
	return FromDays(daysFromCivil(year, month, day))
}

// Of returns the civil date of t in t's own location, so a time stamp taken
// in the school's time zone maps to the school's date.
func Of(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Parse parses an ISO 8601 calendar date ("2024-09-02") strictly: input
// such as "2026-02-30" is refused, not moved.
func Parse(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, ErrBadDate)
	}
	return Of(t), nil
}

// String formats d as "2006-01-02", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date ("not set").
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d names a real calendar day (not the zero Date, not
// February 30, a year in 1..9999).
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= DaysIn(d.Year, d.Month)
}

// DaysIn returns the number of days in month of year.
func DaysIn(year int, month time.Month) int {
	switch month {
	case time.April, time.June, time.September, time.November:
		return 30
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

// Time returns midnight UTC of d, for storage drivers and the standard library.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Days returns the number of days from 1970-01-01 to d, an ordinal that
// engines counting days in a period can index by.
func (d Date) Days() int64 { return daysFromCivil(d.Year, d.Month, d.Day) }

// FromDays is the inverse of Days.
func FromDays(z int64) Date { return dateFromDays(z) }

// Sub returns the number of days from e to d (d − e), so
// d.Sub(d.AddDays(-3)) is 3.
func (d Date) Sub(e Date) int { return int(d.Days() - e.Days()) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e, for
// slices.SortFunc.
func (d Date) Compare(e Date) int {
	a, b := d.Days(), e.Days()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Days() < e.Days() }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Days() > e.Days() }

// AddDays returns the date n days after d (before, for negative n).
func (d Date) AddDays(n int) Date { return dateFromDays(d.Days() + int64(n)) }

// AddMonths returns the date n calendar months after d, normalised like
// time.AddDate (January 31 plus one month is March 2 or 3), which is how
// "within the first N months" is measured.
func (d Date) AddMonths(n int) Date { return New(d.Year, d.Month+time.Month(n), d.Day) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	return time.Weekday((d.Days()%7 + 7 + 4) % 7)
}

// StartOfWeek returns the Monday of d's week (weeks start on Monday, as in
// ISO 8601 and Chinese usage); weekly reports group days by it.
func (d Date) StartOfWeek() Date { return d.AddDays(-((int(d.Weekday()) + 6) % 7)) }

// ISOWeek returns the ISO 8601 year and week of d; weekly limits count per
// ISO week.
func (d Date) ISOWeek() (year, week int) { return d.Time().ISOWeek() }

// UnmarshalJSON reads the struct form {"Year":..,"Month":..,"Day":..} and
// also the ISO text "2006-01-02" ("" and null give the zero Date).
func (d *Date) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*d = Date{}
			return nil
		}
		v, err := Parse(s)
		if err != nil {
			return err
		}
		*d = v
		return nil
	}
	type plain Date // without methods, so decoding does not recurse
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*d = Date(p)
	return nil
}

// daysFromCivil is Howard Hinnant's days_from_civil, extended to normalise
// month and day.
func daysFromCivil(year int, month time.Month, day int) int64 {
	y, m := int64(year), int64(month)-1
	y += m / 12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	m++ // 1..12
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp + 2) / 5 // day of the year before this month, counted from March 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468 + int64(day) - 1
}

// dateFromDays is Howard Hinnant's civil_from_days.
func dateFromDays(z int64) Date {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{int(y), time.Month(m), int(d)}
}
