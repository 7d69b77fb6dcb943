package fee

import (
	"errors"
	"fmt"
	"strings"
)

// FieldViolation names one invalid field and why, in the shape of google.rpc.BadRequest's field
// violations, so the gRPC layer can return InvalidArgument with the exact field. Field is a path
// in snake_case with indexes ("items[1].cap_per_day").
type FieldViolation struct {
	Field  string
	Reason string
}

// ValidationError lists every invalid field of one input (a schedule, a period, a student's facts,
// a cost sheet), so a user fixes all of them in one round rather than one per request.
type ValidationError struct {
	// Subject names the input: "schedule", "period", "facts", "cost sheet".
	Subject    string
	Violations []FieldViolation
}

// Error joins the violations: "invalid schedule: items[0].rate: must not be negative; ...".
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid %s: ", e.Subject)
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.Field)
		b.WriteString(": ")
		b.WriteString(v.Reason)
	}
	return b.String()
}

// violations collects field violations while validating.
type violations struct {
	subject string
	list    []FieldViolation
}

func (v *violations) add(field, format string, args ...any) {
	v.list = append(v.list, FieldViolation{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// err returns nil or a *ValidationError holding every violation.
func (v *violations) err() error {
	if len(v.list) == 0 {
		return nil
	}
	return &ValidationError{Subject: v.subject, Violations: v.list}
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
	OtherFrom     Date
	OtherTo       Date // zero: open-ended
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

// FieldViolations returns the overlap as one field violation, like a ValidationError's.
func (e *OverlapError) FieldViolations() []FieldViolation {
	return []FieldViolation{{Field: e.Field, Reason: strings.TrimPrefix(e.Error(), e.Field+": ")}}
}

// ErrNoSchedule is returned by Applicable when no schedule covers the scope and day.
var ErrNoSchedule = errors.New("no fee schedule in force")
