package fee

import (
	"fmt"
	"time"
)

// Date is a calendar day with no time of day and no time zone, because fee rules speak of school
// days, effective dates and leave in whole days (Postgres `date`, proto google.type.Date). The zero
// Date means "not set" (an open end, a missing date).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the Date for year, month and day, normalising out-of-range values the way
// time.Date does (January 32 is February 1).
func NewDate(year int, month time.Month, day int) Date {
	return dateFromDays(daysFromCivil(year, month, day))
}

// ParseDate parses an ISO 8601 calendar date ("2024-09-02"), the form used in JSON and CSV.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, err)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
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

// Valid reports whether d names a real calendar day (not the zero Date, not February 30).
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

// daysIn returns the number of days in month of year.
func daysIn(year int, month time.Month) int {
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

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	a, b := d.days(), e.days()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.days() < e.days() }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.days() > e.days() }

// AddDays returns the date n days after d (before, for negative n).
func (d Date) AddDays(n int) Date { return dateFromDays(d.days() + int64(n)) }

// AddMonths returns the date n calendar months after d, normalised like time.AddDate (January 31
// plus one month is March 2 or 3), which is how "within the first N months" is measured.
func (d Date) AddMonths(n int) Date {
	return NewDate(d.Year, d.Month+time.Month(n), d.Day)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	return time.Weekday((d.days()%7 + 7 + 4) % 7)
}

// days returns the number of days since 1970-01-01.
func (d Date) days() int64 { return daysFromCivil(d.Year, d.Month, d.Day) }

// daysFromCivil is Howard Hinnant's days_from_civil, extended to normalise month and day.
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
