package fee

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

// violations collects field violations while validating.
type violations struct {
	subject string
	list    []fault.Violation
}

func (v *violations) add(field, format string, args ...any) {
	v.list = append(v.list, fault.Violation{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// err returns nil or a *fault.ValidationError holding every violation,
// its message naming the input ("invalid schedule: items[0].rate: ...").
func (v *violations) err() error {
	if len(v.list) == 0 {
		return nil
	}
	return &fault.ValidationError{Subject: v.subject, Violations: v.list}
}

// ErrOverlap is the sentinel inside an *OverlapError, for errors.Is.
var ErrOverlap = errors.New("effective dates overlap another schedule in the same scope")

// OverlapError reports that a schedule's effective dates overlap another schedule in the same scope,
// so two fee standards would apply to one day. It names the field and the schedule it collides with.
type OverlapError struct {
	// Field is the field the user should change: "effective_from" or "effective_to".
	Field string
	// Other is the schedule already in force, and its dates.
	OtherID       string
	OtherVersion  int
	OtherFrom     civil.Date
	OtherTo       civil.Date // zero: open-ended
	OtherDocument string
}

// Error names the colliding schedule and its dates.
func (e *OverlapError) Error() string {
	to := e.OtherTo.String()
	if to == "" {
		to = "open end"
	}
	return fmt.Sprintf("%s: %v: schedule %s version %d (%s, %s to %s)",
		e.Field, ErrOverlap, e.OtherID, e.OtherVersion, e.OtherDocument, e.OtherFrom, to)
}

// Unwrap returns ErrOverlap.
func (e *OverlapError) Unwrap() error { return ErrOverlap }

// As lets errors.As read an overlap as a *fault.ValidationError of its one
// field, so the one status mapping returns it as InvalidArgument naming
// the field, like any other bad input.
func (e *OverlapError) As(target any) bool {
	ve, ok := target.(**fault.ValidationError)
	if !ok {
		return false
	}
	*ve = &fault.ValidationError{Violations: []fault.Violation{{Field: e.Field, Reason: strings.TrimPrefix(e.Error(), e.Field+": ")}}}
	return true
}

// ErrNoSchedule is returned by Applicable when no schedule covers the scope and day.
var ErrNoSchedule = errors.New("no fee schedule in force")
