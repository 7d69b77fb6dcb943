// Package pbconv converts the shared contract types (kehou.common.v1) to
// and from Go values, so every service reads money, dates and times of day
// the same way.
package pbconv

import (
	"fmt"
	"slices"
	"strings"
	"time"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// MinuteOfDay returns t as minutes since midnight; nil gives -1.
func MinuteOfDay(t *commonv1.TimeOfDay) int {
	if t == nil {
		return -1
	}
	return int(t.GetHours())*60 + int(t.GetMinutes())
}

// TimeOfDay returns minutes since midnight as a TimeOfDay.
func TimeOfDay(m int) *commonv1.TimeOfDay {
	return &commonv1.TimeOfDay{Hours: int32(m / 60), Minutes: int32(m % 60)}
}

// MaxMoney is the largest amount in yuan one money field takes, the range
// of kehou.common.v1.Money: 10 integer digits. The database's money columns
// (numeric(14,2)) hold 12, so that sums of such amounts fit as well.
var MaxMoney = decimal.RequireFromString("9999999999.99")

// CheckMoney says why d is not an amount a money field takes, or "".
func CheckMoney(d decimal.Decimal) string {
	if !d.Equal(d.Round(2)) {
		return "must have at most two decimal places"
	}
	if d.Abs().GreaterThan(MaxMoney) {
		return "must be at most " + MaxMoney.StringFixed(2) + " in absolute value"
	}
	return ""
}

// Money formats an amount in yuan with exactly two places.
func Money(d decimal.Decimal) *commonv1.Money {
	return &commonv1.Money{Amount: d.StringFixed(2)}
}

// Decimal parses a Money; field names the input for the error.
func Decimal(m *commonv1.Money, field string) (decimal.Decimal, error) {
	if m == nil {
		return decimal.Zero, fault.Invalid(field, "is required")
	}
	d, err := decimal.NewFromString(m.GetAmount())
	if err != nil {
		return decimal.Zero, fault.Invalid(field, "must be a decimal amount in yuan")
	}
	if why := CheckMoney(d); why != "" {
		return decimal.Zero, fault.Invalid(field, why)
	}
	return d, nil
}

// Date converts a calendar date to a time.Time at midnight UTC; field
// names the input for the error (e.g. 31 February is rejected).
func Date(d *commonv1.Date, field string) (time.Time, error) {
	if d == nil {
		return time.Time{}, fault.Invalid(field, "is required")
	}
	t := time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC)
	if t.Year() != int(d.GetYear()) || int(t.Month()) != int(d.GetMonth()) || t.Day() != int(d.GetDay()) {
		return time.Time{}, fault.Invalid(field, fmt.Sprintf("%04d-%02d-%02d is not a calendar date", d.GetYear(), d.GetMonth(), d.GetDay()))
	}
	return t, nil
}

// FromDate converts a time.Time's calendar date to the contract type.
func FromDate(t time.Time) *commonv1.Date {
	return &commonv1.Date{Year: int32(t.Year()), Month: int32(t.Month()), Day: int32(t.Day())}
}

// CivilDate converts a required contract date to the civil date; field
// names the input for the error (a missing date, 31 February).
func CivilDate(d *commonv1.Date, field string) (civil.Date, error) {
	t, err := Date(d, field)
	if err != nil {
		return civil.Date{}, err
	}
	return civil.Of(t), nil
}

// OptionalCivilDate converts an optional contract date; nil gives the zero
// (unset) Date.
func OptionalCivilDate(d *commonv1.Date, field string) (civil.Date, error) {
	if d == nil {
		return civil.Date{}, nil
	}
	return CivilDate(d, field)
}

// CivilDateOf reads a date another service sent (already checked there):
// the triple as given, nil as the zero Date.
func CivilDateOf(d *commonv1.Date) civil.Date {
	if d == nil {
		return civil.Date{}
	}
	return civil.Date{Year: int(d.GetYear()), Month: time.Month(d.GetMonth()), Day: int(d.GetDay())}
}

// FromCivilDate converts a civil date to the contract type; the zero
// (unset) Date gives nil.
func FromCivilDate(d civil.Date) *commonv1.Date {
	if d.IsZero() {
		return nil
	}
	return &commonv1.Date{Year: int32(d.Year), Month: int32(d.Month), Day: int32(d.Day)}
}

// MaskPaths turns an update mask into the set of fields to change. An empty
// mask means every updatable field. The gateway derives a mask from a PATCH
// body, so identity and output-only fields may appear and are ignored; a
// path is matched on its first segment ("policy.off_work_time" changes
// "policy"); anything else is a validation error naming update_mask.
func MaskPaths(paths []string, updatable, ignored []string) (map[string]bool, error) {
	set := map[string]bool{}
	if len(paths) == 0 {
		for _, a := range updatable {
			set[a] = true
		}
		return set, nil
	}
	for _, p := range paths {
		head, _, _ := strings.Cut(p, ".")
		switch {
		case slices.Contains(updatable, head):
			set[head] = true
		case slices.Contains(ignored, head):
		default:
			return nil, fault.Invalid("update_mask", "unknown or read-only field "+p)
		}
	}
	return set, nil
}
