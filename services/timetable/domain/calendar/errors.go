package calendar

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is the sentinel every ValidationError unwraps to, so callers can
// test errors.Is(err, calendar.ErrInvalid) without knowing the concrete type.
var ErrInvalid = errors.New("invalid input")

// FieldError is one problem with one input field. Field is a path in the
// request's own snake_case names (e.g. "holidays[2].date"), so the gRPC layer
// can turn it into a field violation of an InvalidArgument status unchanged.
type FieldError struct {
	Field  string
	Reason string
}

// Error returns "field: reason".
func (e FieldError) Error() string { return e.Field + ": " + e.Reason }

// ValidationError lists every problem found in one input, not just the first,
// so a caller can fix them all in one round trip. All timetable engines
// (calendar, planner, allocator, compliance) return this one type, so the
// transport maps a single type to InvalidArgument.
type ValidationError struct {
	Violations []FieldError
}

// Error joins the violations into one lowercase line.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Error()
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Add records a violation of field with a reason formatted like fmt.Sprintf.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Violations = append(e.Violations, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Err returns e as an error when it holds violations and nil otherwise, so
// validators can end with `return v.Err()`.
func (e *ValidationError) Err() error {
	if len(e.Violations) == 0 {
		return nil
	}
	return e
}
