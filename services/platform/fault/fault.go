// Package fault is the small vocabulary of error kinds the services' rules
// and stores share, so that each service's transport can map them to status
// codes in one place. It imports only the standard library.
package fault

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of failure. Wrap them with fmt.Errorf("...: %w", fault.ErrNotFound)
// or use the constructors below.
var (
	// ErrNotFound means the named thing does not exist (in the caller's scope).
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists means a create collided with an existing thing.
	ErrAlreadyExists = errors.New("already exists")
	// ErrFailedPrecondition means a business rule blocks the action now
	// (term closed, seat taken, teacher double-booked, record locked).
	ErrFailedPrecondition = errors.New("failed precondition")
	// ErrConflict means a concurrent change won; the caller may retry.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means a service this one depends on did not answer.
	ErrUnavailable = errors.New("unavailable")
)

// ErrInvalid is what every ValidationError matches (errors.Is), so a caller
// can tell bad input without knowing the details.
var ErrInvalid = errors.New("invalid input")

// Violation names one bad input field and why it is bad. Field is a path in
// the request's own snake_case names, with indexes ("items[1].cap_per_day",
// "holidays[2].date"), so the transport returns it unchanged as a field
// violation of an InvalidArgument status.
type Violation struct {
	Field  string
	Reason string
}

// ValidationError lists every bad field of one input, not just the first,
// so a caller fixes them all in one round trip. It is the one validation
// error of every service: the engines (calendar, planner, fee, solver,
// hours) and the use cases return it, and the one status mapping
// (rpcserver.StatusFromFault) reads it.
type ValidationError struct {
	// Subject optionally names the input ("schedule", "input"): the message
	// then starts "invalid <subject>: ".
	Subject    string
	Violations []Violation
}

// Error joins the violations as "invalid[ subject]: field: reason; ...".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid")
	if e.Subject != "" {
		b.WriteString(" " + e.Subject)
	}
	b.WriteString(": ")
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.Field + ": " + v.Reason)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Addf records a violation of field with a reason formatted like fmt.Sprintf.
func (e *ValidationError) Addf(field, format string, args ...any) {
	e.Violations = append(e.Violations, Violation{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Err returns e as an error when it holds violations and nil otherwise, so
// validators can end with `return v.Err()`.
func (e *ValidationError) Err() error {
	if len(e.Violations) == 0 {
		return nil
	}
	return e
}

// Invalid returns a ValidationError for one field.
func Invalid(field, reason string) error {
	return &ValidationError{Violations: []Violation{{Field: field, Reason: reason}}}
}

// Collector gathers violations while checking a whole input, so a client
// hears about every bad field at once.
type Collector struct{ vs []Violation }

// Add records that field is bad for reason.
func (c *Collector) Add(field, reason string) { c.vs = append(c.vs, Violation{field, reason}) }

// Check records field as bad for reason when ok is false.
func (c *Collector) Check(ok bool, field, reason string) {
	if !ok {
		c.Add(field, reason)
	}
}

// Err returns the ValidationError, or nil when nothing was added.
func (c *Collector) Err() error {
	if len(c.vs) == 0 {
		return nil
	}
	return &ValidationError{Violations: c.vs}
}

// Precondition returns an ErrFailedPrecondition-kind error with a message.
func Precondition(msg string) error { return &kindError{kind: ErrFailedPrecondition, msg: msg} }

// NotFound returns an ErrNotFound-kind error with a message.
func NotFound(msg string) error { return &kindError{kind: ErrNotFound, msg: msg} }

// AlreadyExists returns an ErrAlreadyExists-kind error with a message.
func AlreadyExists(msg string) error { return &kindError{kind: ErrAlreadyExists, msg: msg} }

type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }
