package app

import (
	"context"
	"fmt"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/compliance"
	"github.com/kehou/kehou/services/timetable/domain/org"
	"github.com/kehou/kehou/services/timetable/domain/planner"
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
	GetStudent(ctx context.Context, sc school.Scope, id string) (school.Student, error)
	ListStudents(ctx context.Context, sc school.Scope, classID, after string, limit int) ([]school.Student, error)
	CreateTerm(ctx context.Context, sc school.Scope, t school.Term) error
	GetTerm(ctx context.Context, sc school.Scope, id string) (school.Term, error)
	ListTerms(ctx context.Context, sc school.Scope) ([]school.Term, error)
	CreateClosure(ctx context.Context, districtID string, c calendar.Closure) error
	Closures(ctx context.Context, sc school.Scope, from, to calendar.Date) ([]calendar.Closure, error)
	CreateItem(ctx context.Context, sc school.Scope, it school.Item) error
	GetItem(ctx context.Context, sc school.Scope, id string) (school.Item, error)
	ListItems(ctx context.Context, sc school.Scope, termID string) ([]school.Item, error)
	CreateClub(ctx context.Context, sc school.Scope, c school.Club) error
	GetClub(ctx context.Context, sc school.Scope, id string) (school.Club, error)
	ListClubs(ctx context.Context, sc school.Scope, termID string) ([]school.Club, error)
	SavePlan(ctx context.Context, sc school.Scope, p school.Plan) error
	GetPlan(ctx context.Context, sc school.Scope, termID string) (school.Plan, error)
	AddCancellation(ctx context.Context, sc school.Scope, termID, id string, c calendar.Cancellation) error
	Cancellations(ctx context.Context, sc school.Scope, termID string) ([]calendar.Cancellation, error)
	RecordDelivery(ctx context.Context, sc school.Scope, termID string, d calendar.Delivery) error
	Deliveries(ctx context.Context, sc school.Scope, termID string) ([]calendar.Delivery, error)
	RecordAttendance(ctx context.Context, sc school.Scope, occurrenceID string, marks []school.Mark) error
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
	if !school.GradeAllowed(t.School.Stage, c.Grade) {
		return c, fault.Invalid("class.grade", fmt.Sprintf("grade %d is not taught at a %s school", c.Grade, t.School.Stage))
	}
	if c.HomeRoomID != "" {
		rooms, err := a.store.ListRooms(ctx, t.Scope)
		if err != nil {
			return c, err
		}
		if !containsRoom(rooms, c.HomeRoomID) {
			return c, fault.Invalid("class.home_room_id", "room "+c.HomeRoomID+" is not a room of this school")
		}
	}
	c.ID = school.NewID("cls")
	return c, a.store.CreateClass(ctx, t.Scope, c)
}

func containsRoom(rooms []school.Room, id string) bool {
	for _, r := range rooms {
		if r.ID == id {
			return true
		}
	}
	return false
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

// ListStudents pages through a school's students.
func (a *App) ListStudents(ctx context.Context, schoolID, classID, after string, limit int) ([]school.Student, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return a.store.ListStudents(ctx, t.Scope, classID, after, limit)
}

// CreateTerm validates a term's calendar and stores it; it returns the
// number of school days (before closures).
func (a *App) CreateTerm(ctx context.Context, schoolID string, term school.Term) (school.Term, int, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return term, 0, err
	}
	term.Calendar.SchoolID = t.Scope.SchoolID
	if err := term.Validate(); err != nil {
		return term, 0, err
	}
	days, err := calendar.SchoolDays(term.Calendar, term.Holidays, term.Swaps, nil)
	if err != nil {
		return term, 0, translate(err, "term")
	}
	term.ID = school.NewID("term")
	return term, len(days), a.store.CreateTerm(ctx, t.Scope, term)
}

// GetTerm returns a term of the school.
func (a *App) GetTerm(ctx context.Context, schoolID, termID string) (school.Term, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return school.Term{}, err
	}
	return a.store.GetTerm(ctx, t.Scope, termID)
}

// ListTerms lists a school's terms.
func (a *App) ListTerms(ctx context.Context, schoolID string) ([]school.Term, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return a.store.ListTerms(ctx, t.Scope)
}

// CreateClosure closes days for one school of the district or, with no
// school, the whole district. It may be added at any time.
func (a *App) CreateClosure(ctx context.Context, districtID string, c calendar.Closure) (calendar.Closure, error) {
	if _, err := a.store.GetDistrict(ctx, districtID); err != nil {
		return c, err
	}
	if c.End.Before(c.Start) {
		return c, fault.Invalid("closure.end_date", "must not be before start_date")
	}
	c.Scope = calendar.ScopeDistrict
	if c.SchoolID != "" {
		sc, err := a.store.GetSchool(ctx, c.SchoolID)
		if err != nil {
			return c, err
		}
		if sc.DistrictID != districtID {
			return c, fault.Invalid("closure.school_id", "school "+c.SchoolID+" is not in district "+districtID)
		}
		c.Scope = calendar.ScopeSchool
	}
	c.ID = school.NewID("clo")
	return c, a.store.CreateClosure(ctx, districtID, c)
}

// termFacts is everything about a term that occurrences are derived from.
type termFacts struct {
	tenant  Tenant
	term    school.Term
	days    []calendar.Day
	items   []school.Item
	classes []school.Class
	clubs   []school.Club
	plan    school.Plan
	cancels []calendar.Cancellation
	deliv   []calendar.Delivery
}

func (a *App) loadTerm(ctx context.Context, schoolID, termID string) (termFacts, error) {
	var f termFacts
	var err error
	if f.tenant, err = a.Tenant(ctx, schoolID); err != nil {
		return f, err
	}
	sc := f.tenant.Scope
	if f.term, err = a.store.GetTerm(ctx, sc, termID); err != nil {
		return f, err
	}
	closures, err := a.store.Closures(ctx, sc, f.term.Calendar.Start, f.term.Calendar.End)
	if err != nil {
		return f, err
	}
	if f.days, err = calendar.Days(f.term.Calendar, f.term.Holidays, f.term.Swaps, closures); err != nil {
		return f, fmt.Errorf("days of term %s: %w", termID, err)
	}
	if f.items, err = a.store.ListItems(ctx, sc, termID); err != nil {
		return f, err
	}
	if f.classes, err = a.store.ListClasses(ctx, sc); err != nil {
		return f, err
	}
	if f.clubs, err = a.store.ListClubs(ctx, sc, termID); err != nil {
		return f, err
	}
	f.plan, err = a.store.GetPlan(ctx, sc, termID)
	if err != nil && !isNotFound(err) {
		return f, err
	}
	if f.cancels, err = a.store.Cancellations(ctx, sc, termID); err != nil {
		return f, err
	}
	f.deliv, err = a.store.Deliveries(ctx, sc, termID)
	return f, err
}

// occurrences derives the term's dated sessions, optionally with one more
// cancellation or delivery (to check it before it is stored).
func (f termFacts) occurrences(extraCancel *calendar.Cancellation, extraDelivery *calendar.Delivery) ([]calendar.Occurrence, error) {
	cancels, deliv := f.cancels, f.deliv
	if extraCancel != nil {
		cancels = append(cancels[:len(cancels):len(cancels)], *extraCancel)
	}
	if extraDelivery != nil {
		deliv = append(deliv[:len(deliv):len(deliv)], *extraDelivery)
	}
	var school0 []calendar.Day
	for _, d := range f.days {
		if d.SchoolDay {
			school0 = append(school0, d)
		}
	}
	occ, err := calendar.Occurrences(school0, school.Sessions(f.items, f.classes, f.plan.Placements), cancels, deliv)
	if err != nil {
		return nil, translate(err, "")
	}
	return occ, nil
}

// Calendar returns every day of a term, closures applied.
func (a *App) Calendar(ctx context.Context, schoolID, termID string) ([]calendar.Day, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	return f.days, err
}

// CreateItem adds a service item to a term; its period length follows the
// district policy for the school's stage.
func (a *App) CreateItem(ctx context.Context, schoolID, termID string, it school.Item) (school.Item, int, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return it, 0, err
	}
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
		return it, 0, err
	}
	if err := it.Validate(t.School.Stage); err != nil {
		return it, 0, err
	}
	it.ID, it.TermID = school.NewID("item"), termID
	return it, t.District.Policy.PeriodMinutes(t.School.Stage), a.store.CreateItem(ctx, t.Scope, it)
}

// ListItems lists a term's items and the period length that applies.
func (a *App) ListItems(ctx context.Context, schoolID, termID string) ([]school.Item, int, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, 0, err
	}
	items, err := a.store.ListItems(ctx, t.Scope, termID)
	return items, t.District.Policy.PeriodMinutes(t.School.Stage), err
}

// CreateClub adds a club; the school must have a room of its kind that
// holds it.
func (a *App) CreateClub(ctx context.Context, schoolID, termID string, c school.Club) (school.Club, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return c, err
	}
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
		return c, err
	}
	rooms, err := a.store.ListRooms(ctx, t.Scope)
	if err != nil {
		return c, err
	}
	if err := c.Validate(t.School.Stage, rooms); err != nil {
		return c, err
	}
	c.ID, c.TermID = school.NewID("club"), termID
	return c, a.store.CreateClub(ctx, t.Scope, c)
}

// ListClubs lists a term's clubs.
func (a *App) ListClubs(ctx context.Context, schoolID, termID string) ([]school.Club, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return a.store.ListClubs(ctx, t.Scope, termID)
}

// GeneratePlan runs the planner over the term's items, classes, rooms and
// clubs, keeping the locked placements, and stores the result whole.
func (a *App) GeneratePlan(ctx context.Context, schoolID, termID string, seed uint64, locked []school.Placement) (school.Plan, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return school.Plan{}, err
	}
	rooms, err := a.store.ListRooms(ctx, f.tenant.Scope)
	if err != nil {
		return school.Plan{}, err
	}
	in := school.PlannerInput(f.items, f.classes, rooms, f.clubs, locked)
	wp, err := planner.Plan(in, planner.Options{Seed: seed})
	if err != nil {
		return school.Plan{}, translate(err, "")
	}
	p := school.Plan{TermID: termID, Seed: seed}
	for _, pl := range wp.Placements {
		p.Placements = append(p.Placements, school.Placement{ClubID: pl.ClubID, Weekday: pl.Weekday, Segment: pl.Segment, RoomID: pl.RoomID, Locked: pl.Locked})
	}
	for _, u := range wp.Unplaced {
		p.Unplaced = append(p.Unplaced, school.Unplaced{ClubID: u.ClubID, Missing: u.Missing, Reason: u.Reason.String(), Detail: u.Detail})
	}
	return p, a.store.SavePlan(ctx, f.tenant.Scope, p)
}

// GetPlan returns the term's stored plan.
func (a *App) GetPlan(ctx context.Context, schoolID, termID string) (school.Plan, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return school.Plan{}, err
	}
	return a.store.GetPlan(ctx, t.Scope, termID)
}

// OccurrenceView is an occurrence with what other services need to know
// about it.
type OccurrenceView struct {
	calendar.Occurrence
	ItemKind school.ItemKind
	Students int
	Grade    int
	Club     *school.Club
}

// ID is the occurrence's stable id: date/segment/class-or-club.
func OccurrenceID(o calendar.Occurrence) string {
	who := "class:" + o.ClassID
	if o.ClubID != "" {
		who = "club:" + o.ClubID
	}
	return fmt.Sprintf("%s/%d/%s", o.Date, o.Segment, who)
}

// Occurrences lists a term's dated sessions between from and to
// (inclusive; zero dates mean the term's bounds).
func (a *App) Occurrences(ctx context.Context, schoolID, termID string, from, to calendar.Date) ([]OccurrenceView, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return nil, err
	}
	from, to, err = f.bounds(from, to)
	if err != nil {
		return nil, err
	}
	occ, err := f.occurrences(nil, nil)
	if err != nil {
		return nil, err
	}
	kind := map[string]school.ItemKind{}
	for _, it := range f.items {
		kind[it.ID] = it.Kind
	}
	classes := map[string]school.Class{}
	for _, c := range f.classes {
		classes[c.ID] = c
	}
	clubs := map[string]*school.Club{}
	for i := range f.clubs {
		clubs[f.clubs[i].ID] = &f.clubs[i]
	}
	var out []OccurrenceView
	for _, o := range occ {
		if o.Date.Before(from) || o.Date.After(to) {
			continue
		}
		v := OccurrenceView{Occurrence: o, ItemKind: kind[o.ItemID]}
		if o.ClubID != "" {
			v.Club = clubs[o.ClubID]
			if v.Club != nil {
				v.Students = v.Club.Members
				if len(v.Club.Grades) > 0 {
					v.Grade = v.Club.Grades[0]
				}
			}
		} else {
			v.Students, v.Grade = classes[o.ClassID].Size, classes[o.ClassID].Grade
		}
		out = append(out, v)
	}
	return out, nil
}

func (f termFacts) bounds(from, to calendar.Date) (calendar.Date, calendar.Date, error) {
	if from.IsZero() {
		from = f.term.Calendar.Start
	}
	if to.IsZero() {
		to = f.term.Calendar.End
	}
	var c fault.Collector
	c.Check(!to.Before(from), "to", "must not be before from")
	c.Check(f.term.Calendar.Contains(from), "from", "must be inside the term")
	c.Check(f.term.Calendar.Contains(to), "to", "must be inside the term")
	return from, to, c.Err()
}

// CancelSessions records a cancellation after checking that the day is a
// school day of the term and that it matches at least one session.
func (a *App) CancelSessions(ctx context.Context, schoolID, termID string, c calendar.Cancellation) (int, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return 0, err
	}
	if !f.term.Calendar.Contains(c.Date) {
		return 0, fault.Invalid("date", c.Date.String()+" is outside the term "+f.term.Calendar.Start.String()+" to "+f.term.Calendar.End.String())
	}
	before, err := f.occurrences(nil, nil)
	if err != nil {
		return 0, err
	}
	after, err := f.occurrences(&c, nil)
	if err != nil {
		return 0, err
	}
	n := countCancelled(after) - countCancelled(before)
	if err := a.store.AddCancellation(ctx, f.tenant.Scope, termID, school.NewID("can"), c); err != nil {
		return 0, err
	}
	return n, nil
}

func countCancelled(occ []calendar.Occurrence) int {
	n := 0
	for _, o := range occ {
		if o.Status == calendar.StatusCancelled {
			n++
		}
	}
	return n
}

// RecordDelivery records delivered minutes after checking that they name
// one scheduled session and do not exceed its planned minutes.
func (a *App) RecordDelivery(ctx context.Context, schoolID, termID string, d calendar.Delivery) (OccurrenceView, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return OccurrenceView{}, err
	}
	if !f.term.Calendar.Contains(d.Date) {
		return OccurrenceView{}, fault.Invalid("date", d.Date.String()+" is outside the term")
	}
	occ, err := f.occurrences(nil, &d)
	if err != nil {
		return OccurrenceView{}, err
	}
	if err := a.store.RecordDelivery(ctx, f.tenant.Scope, termID, d); err != nil {
		return OccurrenceView{}, err
	}
	for _, o := range occ {
		if o.Date == d.Date && o.Segment == d.Segment && o.ClassID == d.ClassID && o.ClubID == d.ClubID {
			return OccurrenceView{Occurrence: o}, nil
		}
	}
	return OccurrenceView{}, fault.Invalid("segment", "no session matches")
}

// RecordAttendance stores the roll-call of a session of the term; every
// student must be a student of the school.
func (a *App) RecordAttendance(ctx context.Context, schoolID, termID, occurrenceID string, marks []school.Mark) (int, error) {
	occ, err := a.Occurrences(ctx, schoolID, termID, calendar.Date{}, calendar.Date{})
	if err != nil {
		return 0, err
	}
	found := false
	for _, o := range occ {
		if OccurrenceID(o.Occurrence) == occurrenceID {
			found = true
			if o.Status == calendar.StatusCancelled {
				return 0, fault.Precondition("session " + occurrenceID + " was cancelled: " + o.CancelReason)
			}
		}
	}
	if !found {
		return 0, fault.NotFound("session " + occurrenceID + " not found in the term")
	}
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return 0, err
	}
	for i, m := range marks {
		if _, err := a.store.GetStudent(ctx, t.Scope, m.StudentID); err != nil {
			if isNotFound(err) {
				return 0, fault.Invalid(fmt.Sprintf("marks[%d].student_id", i), "not a student of this school")
			}
			return 0, err
		}
	}
	return len(marks), a.store.RecordAttendance(ctx, t.Scope, occurrenceID, marks)
}

// Compliance checks "5+2" for the week containing weekOf, or for the
// whole term when weekOf is zero.
func (a *App) Compliance(ctx context.Context, schoolID, termID string, weekOf calendar.Date) (compliance.Report, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return compliance.Report{}, err
	}
	from, to := f.term.Calendar.Start, f.term.Calendar.End
	if !weekOf.IsZero() {
		if !f.term.Calendar.Contains(weekOf) {
			return compliance.Report{}, fault.Invalid("week_of", "must be inside the term")
		}
		from = weekOf.StartOfWeek()
		to = from.AddDays(6)
	}
	occ, err := f.occurrences(nil, nil)
	if err != nil {
		return compliance.Report{}, err
	}
	var days []calendar.Day
	for _, d := range f.days {
		if !d.Date.Before(from) && !d.Date.After(to) {
			days = append(days, d)
		}
	}
	var inRange []calendar.Occurrence
	for _, o := range occ {
		if !o.Date.Before(from) && !o.Date.After(to) {
			inRange = append(inRange, o)
		}
	}
	in := school.ComplianceInput(f.tenant.District, f.tenant.School, days, f.classes, f.items, f.clubs, inRange)
	rep, err := compliance.Check(in)
	if err != nil {
		return rep, translate(err, "")
	}
	return rep, nil
}
