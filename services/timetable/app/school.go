package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/org"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// PlanningStore keeps organisation, calendars, items, clubs, plans and
// what happened; every method is scoped by district and school.
type PlanningStore interface {
	CreateRoom(ctx context.Context, sc school.Scope, r school.Room) error
	ListRooms(ctx context.Context, sc school.Scope) ([]school.Room, error)
	CreateClass(ctx context.Context, sc school.Scope, c school.Class) error
	ListClasses(ctx context.Context, sc school.Scope) ([]school.Class, error)
	CreateStudent(ctx context.Context, sc school.Scope, st school.Student) error
	// CreateStudents writes all of sts in one transaction, or none.
	CreateStudents(ctx context.Context, sc school.Scope, sts []school.Student) error
	GetStudent(ctx context.Context, sc school.Scope, id string) (school.Student, error)
	StudentsByID(ctx context.Context, sc school.Scope, ids []string) (map[string]school.Student, error)
	ListStudents(ctx context.Context, sc school.Scope, classID, after string, limit int) ([]school.Student, error)
	CreateTerm(ctx context.Context, sc school.Scope, t school.Term) error
	GetTerm(ctx context.Context, sc school.Scope, id string) (school.Term, error)
	ListTerms(ctx context.Context, sc school.Scope) ([]school.Term, error)
	CreateClosure(ctx context.Context, districtID string, c calendar.Closure) error
	Closures(ctx context.Context, sc school.Scope, from, to civil.Date) ([]calendar.Closure, error)
	CreateItem(ctx context.Context, sc school.Scope, it school.Item) error
	GetItem(ctx context.Context, sc school.Scope, id string) (school.Item, error)
	ListItems(ctx context.Context, sc school.Scope, termID string) ([]school.Item, error)
	CreateClub(ctx context.Context, sc school.Scope, c school.Club) error
	GetClub(ctx context.Context, sc school.Scope, id string) (school.Club, error)
	ListClubs(ctx context.Context, sc school.Scope, termID string) ([]school.Club, error)
	SavePlan(ctx context.Context, sc school.Scope, p school.Plan) error
	// TermFacts reads a term's facts (all but Days and PeriodMinutes) and
	// the closures touching it in one round trip.
	TermFacts(ctx context.Context, sc school.Scope, termID string) (school.TermFacts, []calendar.Closure, error)
	AddCancellation(ctx context.Context, sc school.Scope, termID, id string, c calendar.Cancellation) error
	Cancellations(ctx context.Context, sc school.Scope, termID string) ([]calendar.Cancellation, error)
	RecordDelivery(ctx context.Context, sc school.Scope, termID string, d calendar.Delivery) error
	Deliveries(ctx context.Context, sc school.Scope, termID string) ([]calendar.Delivery, error)
	RecordAttendance(ctx context.Context, sc school.Scope, occurrenceID string, marks []school.Mark) error
	Attendance(ctx context.Context, sc school.Scope, occurrenceID string) ([]school.Mark, error)
}

// Tenant is a school resolved to its scope, with its district's policy.
type Tenant struct {
	Scope    school.Scope
	School   org.School
	District org.District
}

// Tenant resolves a school id; every school-scoped use case starts here.
func (a *App) Tenant(ctx context.Context, schoolID string) (Tenant, error) {
	sc, d, err := a.GetSchool(ctx, schoolID)
	if err != nil {
		return Tenant{}, err
	}
	return Tenant{Scope: school.Scope{DistrictID: sc.DistrictID, SchoolID: sc.ID}, School: sc, District: d}, nil
}

// CreateRoom adds a room.
func (a *App) CreateRoom(ctx context.Context, schoolID string, r school.Room) (school.Room, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return r, err
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	r.ID = school.NewID("room")
	return r, a.store.CreateRoom(ctx, t.Scope, r)
}

// ListRooms lists a school's rooms.
func (a *App) ListRooms(ctx context.Context, schoolID string) ([]school.Room, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return a.store.ListRooms(ctx, t.Scope)
}

// CreateClass adds a class of a grade the school teaches; its home room,
// when named, must be one of the school's rooms.
func (a *App) CreateClass(ctx context.Context, schoolID string, c school.Class) (school.Class, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	var rooms []school.Room
	var classes []school.Class
	if c.HomeRoomID != "" {
		if rooms, err = a.store.ListRooms(ctx, t.Scope); err != nil {
			return c, err
		}
		if classes, err = a.store.ListClasses(ctx, t.Scope); err != nil {
			return c, err
		}
	}
	if err := a.checkClass(t, c, rooms, classes); err != nil {
		return c, err
	}
	c.ID = school.NewID("cls")
	return c, a.store.CreateClass(ctx, t.Scope, c)
}

// checkClass is CreateClass's rules over the school's rooms and classes
// (needed only when c names a home room), shared with class imports: the
// class itself (same ID) does not count as another class using the room.
func (a *App) checkClass(t Tenant, c school.Class, rooms []school.Room, classes []school.Class) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if !school.GradeAllowed(t.School.Stage, c.Grade) {
		return fault.Invalid("class.grade", fmt.Sprintf("grade %d is not taught at a %s school", c.Grade, t.School.Stage))
	}
	if c.HomeRoomID == "" {
		return nil
	}
	i := slices.IndexFunc(rooms, func(r school.Room) bool { return r.ID == c.HomeRoomID })
	if i < 0 {
		return fault.Invalid("class.home_room_id", "room "+c.HomeRoomID+" is not a room of this school")
	}
	if rooms[i].Capacity < c.Size {
		return fault.Invalid("class.home_room_id", fmt.Sprintf("room %s holds %d, the class has %d students", rooms[i].Name, rooms[i].Capacity, c.Size))
	}
	if j := slices.IndexFunc(classes, func(x school.Class) bool { return x.HomeRoomID == c.HomeRoomID && (c.ID == "" || x.ID != c.ID) }); j >= 0 {
		return fault.Invalid("class.home_room_id", "room "+rooms[i].Name+" is already the home room of "+classes[j].Name)
	}
	return nil
}

// ListClasses lists a school's classes with their sizes.
func (a *App) ListClasses(ctx context.Context, schoolID string) ([]school.Class, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return a.store.ListClasses(ctx, t.Scope)
}

// CreateStudent adds a student to one of the school's classes.
func (a *App) CreateStudent(ctx context.Context, schoolID string, st school.Student) (school.Student, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return st, err
	}
	if err := st.Validate(); err != nil {
		return st, err
	}
	st.ID = school.NewID("stu")
	return st, a.store.CreateStudent(ctx, t.Scope, st)
}

// BatchCreateStudents registers many students of the school with
// CreateStudent's checks and a check that each class is the school's,
// reporting every bad one as students[i].…, in one transaction.
func (a *App) BatchCreateStudents(ctx context.Context, schoolID string, sts []school.Student) ([]school.Student, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	classes, err := a.store.ListClasses(ctx, t.Scope)
	if err != nil {
		return nil, err
	}
	var bad []fault.Violation
	out := make([]school.Student, len(sts))
	for i, st := range sts {
		prefix := fmt.Sprintf("students[%d].", i)
		var verr *fault.ValidationError
		if err := st.Validate(); errors.As(err, &verr) {
			for _, v := range verr.Violations {
				v.Field = prefix + strings.TrimPrefix(v.Field, "student.")
				bad = append(bad, v)
			}
			continue
		} else if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(classes, func(c school.Class) bool { return c.ID == st.ClassID }) {
			bad = append(bad, fault.Violation{Field: prefix + "class_id", Reason: "class " + st.ClassID + " is not a class of this school"})
			continue
		}
		st.ID = school.NewID("stu")
		out[i] = st
	}
	if len(bad) > 0 {
		return nil, &fault.ValidationError{Violations: bad}
	}
	return out, a.store.CreateStudents(ctx, t.Scope, out)
}

// ListStudents pages through a school's students.
func (a *App) ListStudents(ctx context.Context, schoolID, classID, after string, limit int) ([]school.Student, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return a.store.ListStudents(ctx, t.Scope, classID, after, limit)
}
