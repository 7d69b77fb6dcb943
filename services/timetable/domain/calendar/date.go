// Package calendar holds the school calendar of the timetable service: civil
// dates and times of day, terms (学期) with their holidays, swapped working
// days (调休) and closures, the school days derived from them, and the dated
// occurrences of a weekly plan. It is pure: no storage, no network, no clock.
package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrBadDate is returned when a text is not a valid "2006-01-02" date, so that
// callers can tell a malformed date from other failures.
var ErrBadDate = errors.New("bad date")

// ErrBadTime is returned when a text is not a valid "HH:MM" time of day.
var ErrBadTime = errors.New("bad time of day")

// unixOrdinal is the ordinal of 1970-01-01 when 0001-01-01 is 1; ordinals
// start at 1 so that the zero Date is distinct from every real date.
const unixOrdinal = 719163

// Date is a civil date (year, month, day) without a time zone: the school's
// local date. Schools, fees and pay all count in whole days, so a Date never
// carries a clock time or a location that could shift it. The zero Date means
// "unset"; Dates are comparable with == and usable as map keys.
type Date struct {
	ord int32 // days since 0000-12-31; 0 is the zero Date
}

// NewDate returns the date y-m-d, normalising out-of-range months and days the
// way time.Date does (so NewDate(2026, 1, 32) is 2026-02-01), which keeps date
// arithmetic in tests and generators short. Years outside 1..9999 give the
// zero Date; use ParseDate for strict parsing of input.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the civil date of t in t's own location, so a time stamp
// taken in the school's time zone maps to the school's date.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	if y < 1 || y > 9999 {
		return Date{}
	}
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	return Date{ord: int32(u + unixOrdinal)}
}

// ParseDate parses a "2006-01-02" date strictly (no normalisation), so that
// input such as "2026-02-30" is rejected instead of silently moved.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, ErrBadDate)
	}
	d := DateOf(t)
	if d.IsZero() {
		return Date{}, fmt.Errorf("parse date %q: %w", s, ErrBadDate)
	}
	return d, nil
}

// IsZero reports whether d is the zero (unset) Date.
func (d Date) IsZero() bool { return d.ord == 0 }

// Time returns midnight UTC of d, for storage drivers and proto conversion.
func (d Date) Time() time.Time {
	return time.Unix((int64(d.ord)-unixOrdinal)*86400, 0).UTC()
}

// Year returns the year of d.
func (d Date) Year() int { return d.Time().Year() }

// Month returns the month of d.
func (d Date) Month() time.Month { return d.Time().Month() }

// Day returns the day of the month of d.
func (d Date) Day() int { return d.Time().Day() }

// Weekday returns the day of the week of d (Monday is 1, Sunday 7).
func (d Date) Weekday() Weekday { return WeekdayOf(d.Time().Weekday()) }

// AddDays returns d moved by n days (n may be negative).
func (d Date) AddDays(n int) Date { return Date{ord: d.ord + int32(n)} }

// Sub returns the number of days from e to d (d − e), so
// d.Sub(d.AddDays(-3)) is 3.
func (d Date) Sub(e Date) int { return int(d.ord - e.ord) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.ord < e.ord }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.ord > e.ord }

// Compare returns -1, 0 or +1 as d is before, equal to or after e, for use
// with slices.SortFunc.
func (d Date) Compare(e Date) int {
	switch {
	case d.ord < e.ord:
		return -1
	case d.ord > e.ord:
		return 1
	}
	return 0
}

// StartOfWeek returns the Monday of d's week; weekly reports group days by it.
func (d Date) StartOfWeek() Date { return d.AddDays(1 - int(d.Weekday())) }

// String formats d as "2006-01-02"; the zero Date formats as "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(time.DateOnly)
}

// MarshalText implements encoding.TextMarshaler so Dates read and write as
// "2006-01-02" in JSON.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; "" gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Weekday is a day of the week numbered as in ISO 8601 and in Chinese usage
// (星期一 is 1 … 星期日 is 7). Zero is WeekdayUnspecified, so an unset field
// is never mistaken for Sunday (as time.Weekday's zero would be).
type Weekday int

// Weekdays, Monday first.
const (
	WeekdayUnspecified Weekday = iota
	Monday
	Tuesday
	Wednesday
	Thursday
	Friday
	Saturday
	Sunday
)

var weekdayNames = [...]string{"unspecified", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

var weekdayChinese = [...]string{"", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"}

// WeekdayOf converts a time.Weekday (Sunday 0) to a Weekday (Sunday 7).
func WeekdayOf(w time.Weekday) Weekday {
	if w == time.Sunday {
		return Sunday
	}
	return Weekday(w)
}

// DefaultWeekdays returns Monday to Friday, the school days of a week unless a
// term says otherwise.
func DefaultWeekdays() []Weekday { return []Weekday{Monday, Tuesday, Wednesday, Thursday, Friday} }

// Valid reports whether w is Monday..Sunday.
func (w Weekday) Valid() bool { return w >= Monday && w <= Sunday }

// IsWeekend reports whether w is Saturday or Sunday.
func (w Weekday) IsWeekend() bool { return w == Saturday || w == Sunday }

// String returns the English name, e.g. "Monday".
func (w Weekday) String() string {
	if w < 0 || int(w) >= len(weekdayNames) {
		return "Weekday(" + strconv.Itoa(int(w)) + ")"
	}
	return weekdayNames[w]
}

// Chinese returns the Chinese name, e.g. "星期一", for bilingual messages.
func (w Weekday) Chinese() string {
	if !w.Valid() {
		return w.String()
	}
	return weekdayChinese[w]
}

// TimeOfDay is a local wall-clock time in minutes since midnight (00:00 is 0,
// 23:59 is 1439). Sessions, off-work times and caps are minute-precise, and
// integer minutes make durations exact.
type TimeOfDay int

// Clock returns the TimeOfDay h:m; it does not check ranges (see Valid).
func Clock(h, m int) TimeOfDay { return TimeOfDay(h*60 + m) }

// ParseTimeOfDay parses "HH:MM" (00:00 to 23:59, two digits each).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("parse time of day %q: %w", s, ErrBadTime)
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("parse time of day %q: %w", s, ErrBadTime)
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 23 || m > 59 {
		return 0, fmt.Errorf("parse time of day %q: %w", s, ErrBadTime)
	}
	return Clock(h, m), nil
}

// Valid reports whether t is between 00:00 and 23:59.
func (t TimeOfDay) Valid() bool { return t >= 0 && t < 24*60 }

// String formats t as "HH:MM".
func (t TimeOfDay) String() string {
	if !t.Valid() {
		return "TimeOfDay(" + strconv.Itoa(int(t)) + ")"
	}
	return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60)
}

// MarshalText implements encoding.TextMarshaler ("HH:MM").
func (t TimeOfDay) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, fmt.Errorf("marshal %d: %w", int(t), ErrBadTime)
	}
	return []byte(t.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler ("HH:MM").
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := ParseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}
