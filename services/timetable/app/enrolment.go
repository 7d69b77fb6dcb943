package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/allocator"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// EnrolmentStore keeps sign-ups, leaves, club choices and seats.
type EnrolmentStore interface {
	CreateEnrolment(ctx context.Context, sc school.Scope, e school.Enrolment) error
	// CreateEnrolments writes all of es in one transaction, or none.
	CreateEnrolments(ctx context.Context, sc school.Scope, es []school.Enrolment) error
	UpdateEnrolment(ctx context.Context, sc school.Scope, id string, fn func(*school.Enrolment) error) (school.Enrolment, error)
	ListEnrolments(ctx context.Context, sc school.Scope, termID, studentID string) ([]school.Enrolment, error)
	CreateLeave(ctx context.Context, sc school.Scope, l school.Leave) error
	Leaves(ctx context.Context, sc school.Scope, from, to civil.Date) ([]school.Leave, error)
	// SaveChoices replaces each student's choices (student → clubs, best first) in one transaction.
	SaveChoices(ctx context.Context, sc school.Scope, termID string, choices map[string][]string) error
	Choices(ctx context.Context, sc school.Scope, termID string) (map[string][]string, error)
	Members(ctx context.Context, sc school.Scope, termID, clubID string) ([]school.Seat, error)
	SaveAllocation(ctx context.Context, sc school.Scope, termID string, seed uint64, priority []string, seats []school.Seat) error
	Priority(ctx context.Context, sc school.Scope, termID string) ([]string, error)
	JoinClub(ctx context.Context, sc school.Scope, termID, clubID, studentID string, rank int) error
	ApplyMoves(ctx context.Context, sc school.Scope, termID string, moves []school.Seat, removed string) error
}

// studentOf reads a student of the school, reporting a student of another
// school (or none) as a bad field.
func (a *App) studentOf(ctx context.Context, t Tenant, id, field string) (school.Student, error) {
	st, err := a.store.GetStudent(ctx, t.Scope, id)
	if isNotFound(err) {
		return st, fault.Invalid(field, "student "+id+" is not a student of school "+t.Scope.SchoolID)
	}
	return st, err
}

// CreateEnrolment signs a student of the school up for an item of one of
// its terms, from a start date inside that term; it waits for approval.
func (a *App) CreateEnrolment(ctx context.Context, schoolID string, e school.Enrolment) (school.Enrolment, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return e, err
	}
	ck := a.enrolmentChecker(t)
	if e, err = ck.check(ctx, e, "enrolment."); err != nil {
		return e, err
	}
	return e, a.store.CreateEnrolment(ctx, t.Scope, e)
}

// BatchCreateEnrolments signs many students of the school up with
// CreateEnrolment's checks, reporting every bad one (enrolments[i].…), and
// writes them in one transaction, approved when approve is set: a school
// entering its sign-up sheet makes one call, not two per student.
func (a *App) BatchCreateEnrolments(ctx context.Context, schoolID string, es []school.Enrolment, approve bool) ([]school.Enrolment, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	ck := a.enrolmentChecker(t)
	out := make([]school.Enrolment, len(es))
	var bad []fault.Violation
	for i, e := range es {
		e, err := ck.check(ctx, e, fmt.Sprintf("enrolments[%d].", i))
		var verr *fault.ValidationError
		switch {
		case errors.As(err, &verr):
			bad = append(bad, verr.Violations...)
			continue
		case err != nil:
			return nil, err
		}
		if approve {
			if err := e.Approve(false); err != nil {
				return nil, err
			}
		}
		out[i] = e
	}
	if len(bad) > 0 {
		return nil, &fault.ValidationError{Violations: bad}
	}
	return out, a.store.CreateEnrolments(ctx, t.Scope, out)
}

// enrolmentChecker checks new enrolments of one school, reading each
// student, item and term once and the classes once.
type enrolmentChecker struct {
	a       *App
	t       Tenant
	classes []school.Class
	items   map[string]school.Item
	terms   map[string]school.Term
}

func (a *App) enrolmentChecker(t Tenant) *enrolmentChecker {
	return &enrolmentChecker{a: a, t: t, items: map[string]school.Item{}, terms: map[string]school.Term{}}
}

// check validates e (field names under prefix) and returns it ready to
// store: a new id, its term and class, pending.
func (k *enrolmentChecker) check(ctx context.Context, e school.Enrolment, prefix string) (school.Enrolment, error) {
	st, err := k.a.studentOf(ctx, k.t, e.StudentID, prefix+"student_id")
	if err != nil {
		return e, err
	}
	it, ok := k.items[e.ItemID]
	if !ok {
		it, err = k.a.store.GetItem(ctx, k.t.Scope, e.ItemID)
		if isNotFound(err) {
			return e, fault.Invalid(prefix+"item_id", "item "+e.ItemID+" is not a service item of this school")
		}
		if err != nil {
			return e, err
		}
		k.items[e.ItemID] = it
	}
	term, ok := k.terms[it.TermID]
	if !ok {
		if term, err = k.a.store.GetTerm(ctx, k.t.Scope, it.TermID); err != nil {
			return e, err
		}
		k.terms[it.TermID] = term
	}
	if err := school.CheckStart(term, e.Start); err != nil {
		return e, renameFields(err, "enrolment.", prefix)
	}
	if k.classes == nil {
		if k.classes, err = k.a.store.ListClasses(ctx, k.t.Scope); err != nil {
			return e, err
		}
	}
	if g := gradeOf(k.classes, st.ClassID); !it.Serves(g) {
		return e, fault.Invalid(prefix+"item_id", fmt.Sprintf("item %s (%s) does not serve grade %d", it.ID, it.Name, g))
	}
	e.ID, e.TermID, e.ClassID, e.Status, e.End = school.NewID("enr"), term.ID, st.ClassID, school.EnrolmentPending, nil
	return e, nil
}

// renameFields moves a validation error's fields from one prefix to
// another (enrolment.start_date → enrolments[3].start_date).
func renameFields(err error, from, to string) error {
	var verr *fault.ValidationError
	if from == to || !errors.As(err, &verr) {
		return err
	}
	out := &fault.ValidationError{}
	for _, v := range verr.Violations {
		if rest, ok := strings.CutPrefix(v.Field, from); ok {
			v.Field = to + rest
		}
		out.Violations = append(out.Violations, v)
	}
	return out
}

// ApproveEnrolment approves or rejects a pending enrolment.
func (a *App) ApproveEnrolment(ctx context.Context, schoolID, id string, reject bool) (school.Enrolment, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return school.Enrolment{}, err
	}
	return a.store.UpdateEnrolment(ctx, t.Scope, id, func(e *school.Enrolment) error { return e.Approve(reject) })
}

// WithdrawEnrolment ends an enrolment on its last day of service.
func (a *App) WithdrawEnrolment(ctx context.Context, schoolID, id string, end civil.Date) (school.Enrolment, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return school.Enrolment{}, err
	}
	return a.store.UpdateEnrolment(ctx, t.Scope, id, func(e *school.Enrolment) error {
		term, err := a.store.GetTerm(ctx, t.Scope, e.TermID)
		if err != nil {
			return err
		}
		return e.Withdraw(term, end)
	})
}

// ListEnrolments lists a term's enrolments.
func (a *App) ListEnrolments(ctx context.Context, schoolID, termID, studentID string) ([]school.Enrolment, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
		return nil, err
	}
	return a.store.ListEnrolments(ctx, t.Scope, termID, studentID)
}

// CreateLeave files an absence for a student of the school.
func (a *App) CreateLeave(ctx context.Context, schoolID string, l school.Leave) (school.Leave, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return l, err
	}
	if _, err := a.studentOf(ctx, t, l.StudentID, "student_id"); err != nil {
		return l, err
	}
	if err := l.Validate(); err != nil {
		return l, err
	}
	l.ID = school.NewID("lv")
	return l, a.store.CreateLeave(ctx, t.Scope, l)
}

// SubmitClubChoices records a student's ranked choices; every club must be
// of the term and admit the student's grade.
func (a *App) SubmitClubChoices(ctx context.Context, schoolID, termID, studentID string, clubIDs []string) error {
	return a.BatchSubmitClubChoices(ctx, schoolID, termID, []StudentChoices{{StudentID: studentID, ClubIDs: clubIDs}}, "")
}

// StudentChoices are one student's ranked club choices.
type StudentChoices struct {
	StudentID string
	ClubIDs   []string
}

// BatchSubmitClubChoices records many students' choices with
// SubmitClubChoices' checks, reporting every bad one under prefix
// (choices[i].…; empty for a single submission), in one transaction.
func (a *App) BatchSubmitClubChoices(ctx context.Context, schoolID, termID string, all []StudentChoices, prefix string) error {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return err
	}
	clubs, err := a.store.ListClubs(ctx, t.Scope, termID)
	if err != nil {
		return err
	}
	classes, err := a.store.ListClasses(ctx, t.Scope)
	if err != nil {
		return err
	}
	var c fault.Collector
	seen := make(map[string]bool, len(all))
	for k, sc := range all {
		p := ""
		if prefix != "" {
			p = fmt.Sprintf("%s[%d].", prefix, k)
		}
		if seen[sc.StudentID] {
			c.Add(p+"student_id", "student "+sc.StudentID+" appears twice")
			continue
		}
		seen[sc.StudentID] = true
		st, err := a.studentOf(ctx, t, sc.StudentID, p+"student_id")
		var verr *fault.ValidationError
		if errors.As(err, &verr) {
			for _, v := range verr.Violations {
				c.Add(v.Field, v.Reason)
			}
			continue
		}
		if err != nil {
			return err
		}
		grade := gradeOf(classes, st.ClassID)
		for i, id := range sc.ClubIDs {
			j := slices.IndexFunc(clubs, func(cl school.Club) bool { return cl.ID == id })
			switch {
			case j < 0:
				c.Add(fmt.Sprintf("%sclub_ids[%d]", p, i), "club "+id+" is not a club of this term")
			case !clubs[j].EligibleGrade(grade):
				c.Add(fmt.Sprintf("%sclub_ids[%d]", p, i), fmt.Sprintf("club %s does not admit grade %d", id, grade))
			}
		}
	}
	if err := c.Err(); err != nil {
		return err
	}
	byStudent := make(map[string][]string, len(all))
	for _, sc := range all {
		byStudent[sc.StudentID] = sc.ClubIDs
	}
	return a.store.SaveChoices(ctx, t.Scope, termID, byStudent)
}

// gradeOf is the grade of a class of classes, 0 when it is none of them.
func gradeOf(classes []school.Class, classID string) int {
	for _, c := range classes {
		if c.ID == classID {
			return c.Grade
		}
	}
	return 0
}

// allocationInput builds the allocator's input from the stored choices.
func (a *App) allocationInput(ctx context.Context, t Tenant, termID string) (allocator.Input, error) {
	var in allocator.Input
	choices, err := a.store.Choices(ctx, t.Scope, termID)
	if err != nil {
		return in, err
	}
	clubs, err := a.store.ListClubs(ctx, t.Scope, termID)
	if err != nil {
		return in, err
	}
	classes, err := a.store.ListClasses(ctx, t.Scope)
	if err != nil {
		return in, err
	}
	for _, c := range clubs {
		in.Clubs = append(in.Clubs, allocator.Club{ID: c.ID, Capacity: c.Capacity, Grades: c.Grades})
	}
	ids := make([]string, 0, len(choices))
	for id := range choices {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	students, err := a.store.StudentsByID(ctx, t.Scope, ids)
	if err != nil {
		return in, err
	}
	for _, id := range ids {
		st, ok := students[id]
		if !ok {
			return in, fault.NotFound("student " + id + " not found")
		}
		in.Students = append(in.Students, allocator.Student{ID: id, Grade: gradeOf(classes, st.ClassID), Choices: choices[id]})
	}
	return in, nil
}

// AllocateClubs fills club seats from the ranked choices by mode (seeded;
// see allocator.Mode: the lottery, the lottery with a second round, or the
// most placed) and replaces the term's seats whole. The result carries the
// exact optimum's outcome beside the mode's, for the school's report.
func (a *App) AllocateClubs(ctx context.Context, schoolID, termID string, seed uint64, mode string) (allocator.Allocation, error) {
	m, err := allocator.ParseMode(mode, "mode")
	if err != nil {
		return allocator.Allocation{}, translate(err, "")
	}
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return allocator.Allocation{}, err
	}
	in, err := a.allocationInput(ctx, t, termID)
	if err != nil {
		return allocator.Allocation{}, err
	}
	al, err := allocator.AllocateMode(in, seed, m)
	if err != nil {
		return allocator.Allocation{}, translate(err, "")
	}
	var seats []school.Seat
	for _, as := range al.Assignments {
		if as.ClubID != "" {
			seats = append(seats, school.Seat{StudentID: as.StudentID, ClubID: as.ClubID, Rank: as.Rank})
		}
	}
	return al, a.store.SaveAllocation(ctx, t.Scope, termID, seed, al.Order, seats)
}

// JoinClub gives a student a free seat directly (a late sign-up). When
// several ask for the last seat at once, exactly one gets it.
func (a *App) JoinClub(ctx context.Context, schoolID, termID, clubID, studentID string) (school.Seat, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return school.Seat{}, err
	}
	st, err := a.studentOf(ctx, t, studentID, "student_id")
	if err != nil {
		return school.Seat{}, err
	}
	club, err := a.clubOfTerm(ctx, t.Scope, termID, clubID)
	if err != nil {
		return school.Seat{}, err
	}
	classes, err := a.store.ListClasses(ctx, t.Scope)
	if err != nil {
		return school.Seat{}, err
	}
	if g := gradeOf(classes, st.ClassID); !club.EligibleGrade(g) {
		return school.Seat{}, fault.Invalid("club_id", fmt.Sprintf("club %s does not admit grade %d", clubID, g))
	}
	seat := school.Seat{StudentID: studentID, ClubID: clubID}
	return seat, a.store.JoinClub(ctx, t.Scope, termID, clubID, studentID, 0)
}

// LeaveClub frees a student's seat and takes the student out of the club
// round (their ranked choices are dropped, so no later chain pulls them
// back in). When the term was allocated, the freed seat goes to the first
// student in the allocation's priority order who ranked that club above
// what they hold, whose own seat then goes on down the chain. A seat taken
// by a direct join (JoinClub) is refilled the same way.
func (a *App) LeaveClub(ctx context.Context, schoolID, termID, clubID, studentID string) ([]school.Seat, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	seats, err := a.store.Members(ctx, t.Scope, termID, "")
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(seats, func(s school.Seat) bool { return s.StudentID == studentID && s.ClubID == clubID }) {
		return nil, fault.NotFound("student " + studentID + " holds no seat in club " + clubID)
	}
	freed := []school.Seat{{StudentID: studentID, ClubID: ""}}
	order, err := a.store.Priority(ctx, t.Scope, termID)
	if err != nil {
		return nil, err
	}
	if order == nil {
		return freed, a.store.ApplyMoves(ctx, t.Scope, termID, nil, studentID)
	}
	in, err := a.allocationInput(ctx, t, termID)
	if err != nil {
		return nil, err
	}
	// The chain runs over the students of the allocation, in its order;
	// students who chose later are not in line.
	inOrder := map[string]bool{}
	for _, id := range order {
		inOrder[id] = true
	}
	in.Students = slices.DeleteFunc(in.Students, func(s allocator.Student) bool { return !inOrder[s.ID] })
	present := map[string]bool{}
	for _, s := range in.Students {
		present[s.ID] = true
	}
	order = slices.DeleteFunc(slices.Clone(order), func(id string) bool { return !present[id] })
	held := map[string]school.Seat{}
	for _, s := range seats {
		held[s.StudentID] = s
	}
	if !present[studentID] {
		// A direct joiner leaves: stand them in line last, holding the
		// seat as their only choice, so the chain starts from that seat.
		classes, err := a.store.ListClasses(ctx, t.Scope)
		if err != nil {
			return nil, err
		}
		st, err := a.store.GetStudent(ctx, t.Scope, studentID)
		if err != nil {
			return nil, err
		}
		in.Students = append(in.Students, allocator.Student{ID: studentID, Grade: gradeOf(classes, st.ClassID), Choices: []string{clubID}})
		order = append(order, studentID)
		held[studentID] = school.Seat{StudentID: studentID, ClubID: clubID, Rank: 1}
	}
	al := allocator.Allocation{Order: order}
	for _, s := range in.Students {
		h := held[s.ID]
		al.Assignments = append(al.Assignments, allocator.Assignment{StudentID: s.ID, ClubID: h.ClubID, Rank: h.Rank})
	}
	_, moves, err := allocator.Withdraw(in, al, studentID)
	if err != nil {
		if errors.Is(err, allocator.ErrMismatch) || errors.Is(err, allocator.ErrNoPriorityOrder) {
			// Choices or seats changed by hand since the allocation: free
			// the seat without a chain rather than guess.
			return freed, a.store.ApplyMoves(ctx, t.Scope, termID, nil, studentID)
		}
		return nil, translate(err, "")
	}
	var out []school.Seat
	for _, m := range moves {
		out = append(out, school.Seat{StudentID: m.StudentID, ClubID: m.To, Rank: m.Rank})
	}
	return out, a.store.ApplyMoves(ctx, t.Scope, termID, out, studentID)
}

// ClubMembers lists a club's seats.
func (a *App) ClubMembers(ctx context.Context, schoolID, termID, clubID string) ([]school.Seat, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	if _, err := a.clubOfTerm(ctx, t.Scope, termID, clubID); err != nil {
		return nil, err
	}
	return a.store.Members(ctx, t.Scope, termID, clubID)
}

// clubOfTerm reads a club of the term in the path: an unknown club, or one
// of another term, is NotFound rather than an empty list or a seat filed
// under the wrong term.
func (a *App) clubOfTerm(ctx context.Context, sc school.Scope, termID, clubID string) (school.Club, error) {
	club, err := a.store.GetClub(ctx, sc, clubID)
	if err != nil {
		return school.Club{}, err
	}
	if club.TermID != termID {
		return school.Club{}, fault.NotFound(fmt.Sprintf("club %s of term %s", clubID, termID))
	}
	return club, nil
}

// Interval is an enrolment as billing reads it: who, what, when, the
// leaves inside, and the facts that decide waivers.
type Interval struct {
	Enrolment school.Enrolment
	Student   school.Student
	ItemKind  school.ItemKind
	ClubID    string
	Leaves    []school.Leave
}

// EnrolmentIntervals lists a term's approved and withdrawn enrolments with
// their students' leaves, for the fee engine.
func (a *App) EnrolmentIntervals(ctx context.Context, schoolID, termID string) ([]Interval, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	term, err := a.store.GetTerm(ctx, t.Scope, termID)
	if err != nil {
		return nil, err
	}
	ens, err := a.store.ListEnrolments(ctx, t.Scope, termID, "")
	if err != nil {
		return nil, err
	}
	items, err := a.store.ListItems(ctx, t.Scope, termID)
	if err != nil {
		return nil, err
	}
	kind := map[string]school.ItemKind{}
	for _, it := range items {
		kind[it.ID] = it.Kind
	}
	leaves, err := a.store.Leaves(ctx, t.Scope, term.Calendar.Start, term.Calendar.End)
	if err != nil {
		return nil, err
	}
	byStudent := map[string][]school.Leave{}
	for _, l := range leaves {
		byStudent[l.StudentID] = append(byStudent[l.StudentID], l)
	}
	seats, err := a.store.Members(ctx, t.Scope, termID, "")
	if err != nil {
		return nil, err
	}
	clubOf := map[string]string{}
	for _, s := range seats {
		clubOf[s.StudentID] = s.ClubID
	}
	// One query for every student the feed names, not one per enrolment.
	var ids []string
	for _, e := range ens {
		if e.Status == school.EnrolmentApproved || e.Status == school.EnrolmentWithdrawn {
			ids = append(ids, e.StudentID)
		}
	}
	students, err := a.store.StudentsByID(ctx, t.Scope, ids)
	if err != nil {
		return nil, err
	}
	var out []Interval
	for _, e := range ens {
		if e.Status != school.EnrolmentApproved && e.Status != school.EnrolmentWithdrawn {
			continue
		}
		st, ok := students[e.StudentID]
		if !ok {
			return nil, fault.NotFound("student " + e.StudentID + " not found")
		}
		end := term.Calendar.End
		if e.End != nil {
			end = *e.End
		}
		iv := Interval{Enrolment: e, Student: st, ItemKind: kind[e.ItemID]}
		for _, l := range byStudent[e.StudentID] {
			if !l.End.Before(e.Start) && !l.Start.After(end) {
				iv.Leaves = append(iv.Leaves, l)
			}
		}
		if iv.ItemKind == school.ItemEnrichment {
			iv.ClubID = clubOf[e.StudentID]
		}
		out = append(out, iv)
	}
	return out, nil
}
