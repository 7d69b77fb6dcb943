// Package calendar holds the school calendar of the timetable service: ISO
// weekdays and times of day, terms (学期) with their holidays, swapped
// working days (调休) and closures, the school days derived from them, and
// the dated occurrences of a weekly plan. Dates are the house's civil.Date.
// It is pure: no storage, no network, no clock.
package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kehou/kehou/services/platform/civil"
)

// ErrBadTime is returned when a text is not a valid "HH:MM" time of day.
var ErrBadTime = errors.New("bad time of day")

// WeekdayOfDate returns the ISO weekday of d (Monday is 1, Sunday 7).
func WeekdayOfDate(d civil.Date) Weekday { return WeekdayOf(d.Weekday()) }

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
	return string(t.AppendClock(make([]byte, 0, 5)))
}

// AppendClock appends t as "HH:MM" (as String) without fmt, so reports that
// format a time per line stay cheap.
func (t TimeOfDay) AppendClock(b []byte) []byte {
	if !t.Valid() {
		return append(b, t.String()...)
	}
	h, m := int(t)/60, int(t)%60
	return append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10))
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
