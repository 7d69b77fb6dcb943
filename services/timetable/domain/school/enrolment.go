package school

import (
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

// EnrolmentStatus is where a sign-up (报名) stands.
type EnrolmentStatus string

// Enrolment statuses: pending → approved → withdrawn, or pending → rejected.
const (
	EnrolmentPending   EnrolmentStatus = "pending"
	EnrolmentApproved  EnrolmentStatus = "approved"
	EnrolmentWithdrawn EnrolmentStatus = "withdrawn"
	EnrolmentRejected  EnrolmentStatus = "rejected"
)

// Enrolment is a student's sign-up for one service item of a term.
type Enrolment struct {
	ID        string
	TermID    string
	StudentID string
	ClassID   string
	ItemID    string
	Start     civil.Date
	End       *civil.Date // last day after a withdrawal
	Status    EnrolmentStatus
}

// CheckStart checks that an enrolment starts inside its term.
func CheckStart(t Term, start civil.Date) error {
	if !t.Calendar.Contains(start) {
		return fault.Invalid("enrolment.start_date", "must be inside the term "+t.Calendar.Start.String()+" to "+t.Calendar.End.String())
	}
	return nil
}

// Approve moves a pending enrolment to approved, or rejected when reject.
func (e *Enrolment) Approve(reject bool) error {
	if e.Status != EnrolmentPending {
		return fault.Precondition("enrolment " + e.ID + " is " + string(e.Status) + ", not pending")
	}
	e.Status = EnrolmentApproved
	if reject {
		e.Status = EnrolmentRejected
	}
	return nil
}

// Withdraw ends an approved enrolment on its last day of service. The end
// may not precede the start, nor fall after the term. A pending sign-up is
// not withdrawn but rejected, so that billing, which reads approved and
// withdrawn enrolments, never sees a service that was never granted.
func (e *Enrolment) Withdraw(t Term, end civil.Date) error {
	if end.Before(e.Start) {
		return fault.Invalid("end_date", "withdrawal "+end.String()+" is before the start "+e.Start.String())
	}
	if end.After(t.Calendar.End) {
		return fault.Invalid("end_date", "must not be after the term's end "+t.Calendar.End.String())
	}
	if e.Status != EnrolmentApproved {
		return fault.Precondition("enrolment " + e.ID + " is " + string(e.Status) + "; only an approved enrolment can be withdrawn")
	}
	e.End = &end
	e.Status = EnrolmentWithdrawn
	return nil
}

// Leave is an absence (请假) filed by a parent.
type Leave struct {
	ID        string
	StudentID string
	Start     civil.Date
	End       civil.Date
	Reason    string
}

// Validate checks that a leave ends on or after its start.
func (l Leave) Validate() error {
	if l.End.Before(l.Start) {
		return fault.Invalid("leave.end_date", "must not be before start_date")
	}
	return nil
}

// Seat is a student's place in a club; Rank is the choice it fulfilled (1
// = first) or 0 when the student joined directly.
type Seat struct {
	StudentID string
	ClubID    string
	Rank      int
}
