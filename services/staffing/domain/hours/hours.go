// Package hours records the hours staff actually delivered, the basis of
// their pay (劳务报酬): check-in and check-out per assignment, scheduled
// against actual minutes, the duty actually done, school approval, then a
// lock. A locked record never changes; a mistake is fixed by a new record
// that corrects it, with a reason, so every paid minute has a trail.
//
// The package is pure: functions take a Record and return a new one (or an
// error) and never touch storage. Every record moves
// draft → checked_out → approved → locked.
package hours

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Duty is what the person actually did in the session; pay rules rate the
// duties differently (e.g. supervision only at half the rate).
type Duty string

// Duties.
const (
	// DutyTaught: the person taught or ran the session as planned.
	DutyTaught Duty = "taught"
	// DutySubstituteCover: the person covered for an absent colleague (代课).
	DutySubstituteCover Duty = "substitute_cover"
	// DutySupervisionOnly: the person only supervised (看护), no teaching.
	DutySupervisionOnly Duty = "supervision_only"
)

func (d Duty) valid() bool {
	return d == DutyTaught || d == DutySubstituteCover || d == DutySupervisionOnly
}

// Status is where a record is in its life; only approved and locked records
// count for pay.
type Status string

// Statuses, in order.
const (
	// StatusDraft: scheduled, possibly checked in, not yet checked out.
	StatusDraft Status = "draft"
	// StatusCheckedOut: checked out (or a correction), waiting for approval.
	StatusCheckedOut Status = "checked_out"
	// StatusApproved: approved by the school; it counts for pay.
	StatusApproved Status = "approved"
	// StatusLocked: closed for pay; it changes only by a correcting record.
	StatusLocked Status = "locked"
)

// ErrLocked is returned for any change to a locked record; the only way to
// change what it says is Correct.
var ErrLocked = errors.New("record is locked")

// ErrInvalidTransition is matched (errors.Is) by every TransitionError.
var ErrInvalidTransition = errors.New("invalid status transition")

// ErrInconsistent is returned by Effective when the records contradict each
// other (a duplicate ID, a correction of an unknown record or of another
// assignment, a correction cycle): a data fault, not a user error.
var ErrInconsistent = errors.New("inconsistent hour records")

// TransitionError says an action is not allowed in the record's status (for
// example approving a record that is not checked out), a business rule the
// service maps to FailedPrecondition.
type TransitionError struct {
	Action string
	From   Status
}

// Error implements error.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("cannot %s a %s record", e.Action, e.From)
}

// Is makes errors.Is(err, ErrInvalidTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

type fieldErrors []fault.Violation

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, fault.Violation{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &fault.ValidationError{Subject: "input", Violations: fe}
}

// Record is the delivered-hours record of one assignment (or a correction of
// an earlier record).
type Record struct {
	ID           string
	AssignmentID string
	StaffID      string
	SchoolID     string
	// ScheduledStart and ScheduledEnd are the planned session; the date of
	// the record is the date of ScheduledStart.
	ScheduledStart time.Time
	ScheduledEnd   time.Time
	// CheckIn and CheckOut are the actual times; zero until recorded.
	CheckIn  time.Time
	CheckOut time.Time
	Duty     Duty
	Status   Status
	// Corrects is the ID of the record this one corrects; empty for an
	// original record.
	Corrects string
	// Reason says why a correction was made; required for corrections.
	Reason     string
	CreatedAt  time.Time
	ApprovedBy string
	ApprovedAt time.Time
	LockedAt   time.Time
}

// Date returns the day of the session (midnight of ScheduledStart in its own
// location), the day pay and billing months follow.
func (r Record) Date() time.Time {
	y, m, d := r.ScheduledStart.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, r.ScheduledStart.Location())
}

// ScheduledMinutes is the planned length in whole minutes.
func (r Record) ScheduledMinutes() int { return minutes(r.ScheduledStart, r.ScheduledEnd) }

// ActualMinutes is the checked-in time in whole minutes (seconds dropped),
// 0 until both check-in and check-out are recorded.
func (r Record) ActualMinutes() int {
	if r.CheckIn.IsZero() || r.CheckOut.IsZero() {
		return 0
	}
	return minutes(r.CheckIn, r.CheckOut)
}

// CreditedMinutes is what counts for pay: the actual minutes, at most the
// scheduled minutes. Staying longer than planned is not paid automatically;
// the school changes the schedule instead, so pay never exceeds the plan.
func (r Record) CreditedMinutes() int { return min(r.ActualMinutes(), r.ScheduledMinutes()) }

func minutes(from, to time.Time) int { return int(to.Sub(from) / time.Minute) }

// Schedule is what the service knows when it creates a record for an
// assignment.
type Schedule struct {
	ID           string
	AssignmentID string
	StaffID      string
	SchoolID     string
	Start        time.Time
	End          time.Time
	// Duty is the planned duty; check-out may record a different one.
	Duty      Duty
	CreatedAt time.Time
}

// New returns the draft record of a scheduled assignment.
func New(s Schedule) (Record, error) {
	var fe fieldErrors
	for _, f := range []struct{ name, v string }{
		{"id", s.ID}, {"assignment_id", s.AssignmentID}, {"staff_id", s.StaffID}, {"school_id", s.SchoolID},
	} {
		if f.v == "" {
			fe.add(f.name, "required")
		}
	}
	if s.Start.IsZero() {
		fe.add("scheduled_start", "required")
	}
	if !s.End.After(s.Start) {
		fe.add("scheduled_end", "must be after scheduled_start")
	}
	if !s.Duty.valid() {
		fe.add("duty", "unknown duty %q", s.Duty)
	}
	if s.CreatedAt.IsZero() {
		fe.add("create_time", "required")
	}
	if err := fe.err(); err != nil {
		return Record{}, err
	}
	return Record{
		ID: s.ID, AssignmentID: s.AssignmentID, StaffID: s.StaffID, SchoolID: s.SchoolID,
		ScheduledStart: s.Start, ScheduledEnd: s.End, Duty: s.Duty, Status: StatusDraft, CreatedAt: s.CreatedAt,
	}, nil
}

// mutable reports whether r may still be changed by action directly.
func mutable(r Record, action string, allowed ...Status) error {
	if r.Status == StatusLocked {
		return fmt.Errorf("%s record %s: %w", action, r.ID, ErrLocked)
	}
	if !slices.Contains(allowed, r.Status) {
		return &TransitionError{Action: action, From: r.Status}
	}
	return nil
}

// CheckIn records the arrival at on a draft record.
func CheckIn(r Record, at time.Time) (Record, error) {
	if err := mutable(r, "check in", StatusDraft); err != nil {
		return Record{}, err
	}
	var fe fieldErrors
	switch {
	case at.IsZero():
		fe.add("check_in", "required")
	case !r.CheckIn.IsZero():
		fe.add("check_in", "already checked in at %s", r.CheckIn.Format(time.DateTime))
	}
	if err := fe.err(); err != nil {
		return Record{}, err
	}
	r.CheckIn = at
	return r, nil
}

func validateTimes(fe *fieldErrors, in, out time.Time) {
	switch {
	case in.IsZero():
		fe.add("check_in", "required: check in first")
	case out.IsZero():
		fe.add("check_out", "required")
	case !out.After(in):
		fe.add("check_out", "%s is not after check-in %s", out.Format(time.DateTime), in.Format(time.DateTime))
	}
}

// CheckOut records the departure at and the duty actually done, and sends
// the record for approval. A check-out not after the check-in is an error
// naming the check_out field.
func CheckOut(r Record, at time.Time, duty Duty) (Record, error) {
	if err := mutable(r, "check out", StatusDraft); err != nil {
		return Record{}, err
	}
	var fe fieldErrors
	validateTimes(&fe, r.CheckIn, at)
	if !duty.valid() {
		fe.add("duty", "unknown duty %q", duty)
	}
	if err := fe.err(); err != nil {
		return Record{}, err
	}
	r.CheckOut, r.Duty, r.Status = at, duty, StatusCheckedOut
	return r, nil
}

// Edit is a direct change to a record not yet approved: the times or duty
// were entered wrong.
type Edit struct {
	CheckIn  time.Time
	CheckOut time.Time
	Duty     Duty
}

// Amend changes a draft or checked-out record in place. An approved record
// must be corrected instead (Correct), and a locked record returns ErrLocked.
func Amend(r Record, e Edit) (Record, error) {
	if err := mutable(r, "edit", StatusDraft, StatusCheckedOut); err != nil {
		return Record{}, err
	}
	var fe fieldErrors
	validateTimes(&fe, e.CheckIn, e.CheckOut)
	if !e.Duty.valid() {
		fe.add("duty", "unknown duty %q", e.Duty)
	}
	if err := fe.err(); err != nil {
		return Record{}, err
	}
	r.CheckIn, r.CheckOut, r.Duty, r.Status = e.CheckIn, e.CheckOut, e.Duty, StatusCheckedOut
	return r, nil
}

// Approve marks a checked-out record approved by the school; from then on
// it counts for pay.
func Approve(r Record, by string, at time.Time) (Record, error) {
	if err := mutable(r, "approve", StatusCheckedOut); err != nil {
		return Record{}, err
	}
	var fe fieldErrors
	if by == "" {
		fe.add("approved_by", "required")
	}
	if at.IsZero() {
		fe.add("approve_time", "required")
	}
	if err := fe.err(); err != nil {
		return Record{}, err
	}
	r.ApprovedBy, r.ApprovedAt, r.Status = by, at, StatusApproved
	return r, nil
}

// Lock closes an approved record for pay; it never changes again.
func Lock(r Record, at time.Time) (Record, error) {
	if err := mutable(r, "lock", StatusApproved); err != nil {
		return Record{}, err
	}
	if at.IsZero() {
		return Record{}, &fault.ValidationError{Subject: "input", Violations: []fault.Violation{{Field: "lock_time", Reason: "required"}}}
	}
	r.LockedAt, r.Status = at, StatusLocked
	return r, nil
}

// Correction is what a correcting record says instead of the record it
// corrects, and why.
type Correction struct {
	ID        string
	CheckIn   time.Time
	CheckOut  time.Time
	Duty      Duty
	Reason    string
	CreatedAt time.Time
}

// Correct returns a new record that corrects orig, an approved or locked
// record (one not yet approved is amended instead). orig itself is not
// changed. The correction starts checked out and, once approved, replaces
// orig in Effective.
func Correct(orig Record, c Correction) (Record, error) {
	if orig.Status != StatusApproved && orig.Status != StatusLocked {
		return Record{}, &TransitionError{Action: "correct", From: orig.Status}
	}
	var fe fieldErrors
	switch {
	case c.ID == "":
		fe.add("id", "required")
	case c.ID == orig.ID:
		fe.add("id", "must differ from the corrected record")
	}
	validateTimes(&fe, c.CheckIn, c.CheckOut)
	if !c.Duty.valid() {
		fe.add("duty", "unknown duty %q", c.Duty)
	}
	if strings.TrimSpace(c.Reason) == "" {
		fe.add("reason", "required for a correction")
	}
	if c.CreatedAt.IsZero() {
		fe.add("create_time", "required")
	}
	if err := fe.err(); err != nil {
		return Record{}, err
	}
	return Record{
		ID: c.ID, AssignmentID: orig.AssignmentID, StaffID: orig.StaffID, SchoolID: orig.SchoolID,
		ScheduledStart: orig.ScheduledStart, ScheduledEnd: orig.ScheduledEnd,
		CheckIn: c.CheckIn, CheckOut: c.CheckOut, Duty: c.Duty, Status: StatusCheckedOut,
		Corrects: orig.ID, Reason: c.Reason, CreatedAt: c.CreatedAt,
	}, nil
}

// EffectiveHours is the record that counts for pay for one assignment,
// after corrections.
type EffectiveHours struct {
	AssignmentID     string
	RecordID         string
	StaffID          string
	SchoolID         string
	Duty             Duty
	Status           Status
	ScheduledMinutes int
	ActualMinutes    int
	CreditedMinutes  int
}

// Effective returns, per assignment (sorted by assignment ID), the
// record that counts for pay. Only approved and locked records count; a
// counting correction replaces the record it corrects. If several counting
// records of an assignment remain (two corrections of the same record, or a
// duplicate original), the latest created wins (then the greater ID), so an
// hour is paid once. Assignments with no counting record are left out.
// Contradictory records return an error wrapping ErrInconsistent.
func Effective(records []Record) ([]EffectiveHours, error) {
	byID := make(map[string]*Record, len(records))
	for i := range records {
		r := &records[i]
		if byID[r.ID] != nil {
			return nil, fmt.Errorf("duplicate record %s: %w", r.ID, ErrInconsistent)
		}
		byID[r.ID] = r
	}
	counts := func(r *Record) bool { return r.Status == StatusApproved || r.Status == StatusLocked }
	superseded := make(map[string]bool)
	for i := range records {
		r := &records[i]
		if r.Corrects == "" {
			continue
		}
		orig := byID[r.Corrects]
		if orig == nil {
			return nil, fmt.Errorf("record %s corrects unknown record %s: %w", r.ID, r.Corrects, ErrInconsistent)
		}
		if orig.AssignmentID != r.AssignmentID {
			return nil, fmt.Errorf("record %s corrects record %s of another assignment: %w", r.ID, orig.ID, ErrInconsistent)
		}
		// Walk up the chain; more steps than records means a cycle.
		for p, n := orig, 0; p.Corrects != ""; n++ {
			if n > len(records) || byID[p.Corrects] == nil {
				return nil, fmt.Errorf("record %s has a broken correction chain: %w", r.ID, ErrInconsistent)
			}
			p = byID[p.Corrects]
		}
		if counts(r) {
			superseded[orig.ID] = true
		}
	}
	best := make(map[string]*Record)
	for i := range records {
		r := &records[i]
		if !counts(r) || superseded[r.ID] {
			continue
		}
		b := best[r.AssignmentID]
		if b == nil || r.CreatedAt.After(b.CreatedAt) || (r.CreatedAt.Equal(b.CreatedAt) && r.ID > b.ID) {
			best[r.AssignmentID] = r
		}
	}
	ids := make([]string, 0, len(best))
	for id := range best {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]EffectiveHours, 0, len(best))
	for _, id := range ids {
		r := best[id]
		out = append(out, EffectiveHours{
			AssignmentID: r.AssignmentID, RecordID: r.ID, StaffID: r.StaffID, SchoolID: r.SchoolID,
			Duty: r.Duty, Status: r.Status,
			ScheduledMinutes: r.ScheduledMinutes(), ActualMinutes: r.ActualMinutes(), CreditedMinutes: r.CreditedMinutes(),
		})
	}
	return out, nil
}

// PeriodPlaces is the number of decimal places periods are rounded to (half
// away from zero), the single rounding point before pay multiplies periods
// by a rate; four places keep the error under 0.01 元 at any real rate.
const PeriodPlaces = 4

// Periods converts minutes to periods (课时) pro rata for a period length
// set by the district or school stage (e.g. 40 minutes in primary, 45 in
// junior middle): 60 minutes at 40 a period are 1.5 periods.
func Periods(minutes, periodMinutes int) (decimal.Decimal, error) {
	var fe fieldErrors
	if minutes < 0 {
		fe.add("minutes", "must not be negative")
	}
	if periodMinutes <= 0 {
		fe.add("period_minutes", "must be positive")
	}
	if err := fe.err(); err != nil {
		return decimal.Decimal{}, err
	}
	return decimal.NewFromInt(int64(minutes)).DivRound(decimal.NewFromInt(int64(periodMinutes)), PeriodPlaces), nil
}
