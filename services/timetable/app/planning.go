package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

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
	StudentsByID(ctx context.Context, sc school.Scope, ids []string) (map[string]school.Student, error)
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
	if !school.GradeAllowed(t.School.Stage, c.Grade) {
		return c, fault.Invalid("class.grade", fmt.Sprintf("grade %d is not taught at a %s school", c.Grade, t.School.Stage))
	}
	if c.HomeRoomID != "" {
		rooms, err := a.store.ListRooms(ctx, t.Scope)
		if err != nil {
			return c, err
		}
		i := slices.IndexFunc(rooms, func(r school.Room) bool { return r.ID == c.HomeRoomID })
		if i < 0 {
			return c, fault.Invalid("class.home_room_id", "room "+c.HomeRoomID+" is not a room of this school")
		}
		if rooms[i].Capacity < c.Size {
			return c, fault.Invalid("class.home_room_id", fmt.Sprintf("room %s holds %d, the class has %d students", rooms[i].Name, rooms[i].Capacity, c.Size))
		}
		classes, err := a.store.ListClasses(ctx, t.Scope)
		if err != nil {
			return c, err
		}
		if j := slices.IndexFunc(classes, func(x school.Class) bool { return x.HomeRoomID == c.HomeRoomID }); j >= 0 {
			return c, fault.Invalid("class.home_room_id", "room "+rooms[i].Name+" is already the home room of "+classes[j].Name)
		}
	}
	c.ID = school.NewID("cls")
	return c, a.store.CreateClass(ctx, t.Scope, c)
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
// cancellation or delivery (to check it before it is stored). School days
// get the plan of the weekday they follow; weekend care (周末托管) runs on
// the term's other Saturdays and Sundays that are no holiday.
func (f termFacts) occurrences(extraCancel *calendar.Cancellation, extraDelivery *calendar.Delivery) ([]calendar.Occurrence, error) {
	cancels, deliv := f.cancels, f.deliv
	if extraCancel != nil {
		cancels = append(cancels[:len(cancels):len(cancels)], *extraCancel)
	}
	if extraDelivery != nil {
		deliv = append(deliv[:len(deliv):len(deliv)], *extraDelivery)
	}
	sessions := school.Sessions(f.items, f.classes, f.plan.Placements)
	weekendItem := map[string]bool{}
	for _, it := range f.items {
		weekendItem[it.ID] = it.Kind == school.ItemWeekendCare
	}
	var weekendSessions []calendar.Session
	for _, s := range sessions {
		if weekendItem[s.ItemID] {
			weekendSessions = append(weekendSessions, s)
		}
	}
	var schoolDays, careDays []calendar.Day
	careDate := map[calendar.Date]bool{}
	for _, d := range f.days {
		switch {
		case d.SchoolDay:
			schoolDays = append(schoolDays, d)
		case f.weekendCareDay(d) && len(weekendSessions) > 0:
			d.SchoolDay, d.Follows = true, d.Weekday
			careDays = append(careDays, d)
			careDate[d.Date] = true
		}
	}
	split := func(date calendar.Date) bool { return careDate[date] }
	var cs, ccare []calendar.Cancellation
	for _, c := range cancels {
		if split(c.Date) {
			ccare = append(ccare, c)
		} else {
			cs = append(cs, c)
		}
	}
	var ds, dcare []calendar.Delivery
	for _, d := range deliv {
		if split(d.Date) {
			dcare = append(dcare, d)
		} else {
			ds = append(ds, d)
		}
	}
	occ, err := derive(schoolDays, sessions, cs, ds)
	if err != nil {
		return nil, err
	}
	if len(careDays) > 0 {
		more, err := derive(careDays, weekendSessions, ccare, dcare)
		if err != nil {
			return nil, err
		}
		occ = append(occ, more...)
		slices.SortFunc(occ, func(a, b calendar.Occurrence) int {
			return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Start, b.Start), cmp.Compare(a.Segment, b.Segment),
				cmp.Compare(a.ClassID, b.ClassID), cmp.Compare(a.ClubID, b.ClubID))
		})
	}
	return occ, nil
}

// derive runs the calendar engine over records that still apply. A
// cancellation or delivery recorded earlier can go stale when the plan is
// regenerated (a club moved to another weekday) or a closure is added later
// (a delivery on a day now closed); such records stay stored but no longer
// match a held session, and are left out rather than making the whole
// term unreadable. New records are checked against the sessions before
// they are stored, so nothing stale is accepted.
func derive(days []calendar.Day, sessions []calendar.Session, cancels []calendar.Cancellation, deliv []calendar.Delivery) ([]calendar.Occurrence, error) {
	bare, err := calendar.Occurrences(days, sessions, nil, nil)
	if err != nil {
		return nil, translate(err, "")
	}
	byDate := map[calendar.Date][]calendar.Occurrence{}
	for _, o := range bare {
		byDate[o.Date] = append(byDate[o.Date], o)
	}
	var keptCancels []calendar.Cancellation
	for _, c := range cancels {
		if slices.ContainsFunc(byDate[c.Date], func(o calendar.Occurrence) bool {
			return (c.ClassID == "" || c.ClassID == o.ClassID) && (c.ClubID == "" || c.ClubID == o.ClubID) && (c.Segment == 0 || c.Segment == o.Segment)
		}) {
			keptCancels = append(keptCancels, c)
		}
	}
	held, err := calendar.Occurrences(days, sessions, keptCancels, nil)
	if err != nil {
		return nil, translate(err, "")
	}
	var keptDeliv []calendar.Delivery
	for _, d := range deliv {
		if slices.ContainsFunc(held, func(o calendar.Occurrence) bool {
			return o.Date == d.Date && o.ClassID == d.ClassID && o.ClubID == d.ClubID && o.Segment == d.Segment &&
				o.Status == calendar.StatusScheduled && d.Minutes <= o.Minutes
		}) {
			keptDeliv = append(keptDeliv, d)
		}
	}
	if len(keptDeliv) == 0 {
		return held, nil
	}
	occ, err := calendar.Occurrences(days, sessions, keptCancels, keptDeliv)
	if err != nil {
		return nil, translate(err, "")
	}
	return occ, nil
}

// weekendCareDay reports whether weekend care may run on d: a Saturday or
// Sunday of the term that is neither a school day nor a holiday.
func (f termFacts) weekendCareDay(d calendar.Day) bool {
	return d.Weekend && !d.SchoolDay && !d.Holiday
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
	existing, err := a.store.ListItems(ctx, t.Scope, termID)
	if err != nil {
		return it, 0, err
	}
	for _, x := range existing {
		if x.Segment == it.Segment {
			// Two items in one segment would put a class in two places at once.
			return it, 0, fault.Invalid("item.segment", fmt.Sprintf("segment %d is already used by item %s (%s)", it.Segment, x.ID, x.Name))
		}
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
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
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
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
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
	p := school.Plan{TermID: termID, Seed: seed}
	if len(in.Segments) == 0 {
		// No basic-care or enrichment item yet: nothing to place.
		if len(locked) > 0 {
			return school.Plan{}, fault.Invalid("locked", "the term has no enrichment item, so no club segment to lock into")
		}
		if len(f.clubs) > 0 {
			return school.Plan{}, fault.Precondition("the term has clubs but no enrichment (兴趣拓展) item to give them a segment")
		}
		return p, a.store.SavePlan(ctx, f.tenant.Scope, p)
	}
	wp, err := planner.Plan(in, planner.Options{Seed: seed})
	if err != nil {
		return school.Plan{}, planError(err, in)
	}
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
	// PeriodMinutes is the period (课时) length of the school's stage, so
	// consumers count a short session pro rata.
	PeriodMinutes int
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
	var in []calendar.Occurrence
	for _, o := range occ {
		if !o.Date.Before(from) && !o.Date.After(to) {
			in = append(in, o)
		}
	}
	return f.views(in), nil
}

// views adds to occurrences what other services need: item kind, class
// size or club members, grade, the club and the period length.
func (f termFacts) views(occ []calendar.Occurrence) []OccurrenceView {
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
	period := f.tenant.District.Policy.PeriodMinutes(f.tenant.School.Stage)
	out := make([]OccurrenceView, 0, len(occ))
	for _, o := range occ {
		v := OccurrenceView{Occurrence: o, ItemKind: kind[o.ItemID], PeriodMinutes: period}
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
	return out
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
// school day of the term and that it matches at least one session; a
// cancellation of sessions already cancelled is recorded and counts 0.
func (a *App) CancelSessions(ctx context.Context, schoolID, termID string, c calendar.Cancellation) (int, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return 0, err
	}
	if err := f.schoolDay(c.Date, "date"); err != nil {
		return 0, err
	}
	before, err := f.occurrences(nil, nil)
	if err != nil {
		return 0, err
	}
	if err := matchField(before, c.Date, c.ClassID, c.ClubID, c.Segment); err != nil {
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

// schoolDay checks that d is a school day of the term, naming field.
func (f termFacts) schoolDay(d calendar.Date, field string) error {
	if !f.term.Calendar.Contains(d) {
		return fault.Invalid(field, d.String()+" is outside the term "+f.term.Calendar.Start.String()+" to "+f.term.Calendar.End.String())
	}
	hasWeekendCare := slices.ContainsFunc(f.items, func(it school.Item) bool { return it.Kind == school.ItemWeekendCare })
	for _, day := range f.days {
		if day.Date == d && !day.SchoolDay && !(hasWeekendCare && f.weekendCareDay(day)) {
			why := "not a school day"
			if day.Name != "" {
				why += " (" + day.Name + ")"
			}
			return fault.Invalid(field, d.String()+" is "+why)
		}
	}
	return nil
}

// matchField reports, naming the most specific field, when no session of
// the date matches the class, club and segment (empty and 0 match any).
func matchField(occ []calendar.Occurrence, d calendar.Date, classID, clubID string, segment int) error {
	var day []calendar.Occurrence
	for _, o := range occ {
		if o.Date == d {
			day = append(day, o)
		}
	}
	has := func(ok func(calendar.Occurrence) bool) bool { return slices.ContainsFunc(day, ok) }
	switch {
	case len(day) == 0:
		return fault.Invalid("date", "no session is planned on "+d.String())
	case classID != "" && !has(func(o calendar.Occurrence) bool { return o.ClassID == classID }):
		return fault.Invalid("class_id", "class "+classID+" has no session on "+d.String())
	case clubID != "" && !has(func(o calendar.Occurrence) bool { return o.ClubID == clubID }):
		return fault.Invalid("club_id", "club "+clubID+" has no session on "+d.String())
	case !has(func(o calendar.Occurrence) bool {
		return (classID == "" || o.ClassID == classID) && (clubID == "" || o.ClubID == clubID) && (segment == 0 || o.Segment == segment)
	}):
		return fault.Invalid("segment", fmt.Sprintf("no session in segment %d on %s matches", segment, d))
	}
	return nil
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
// one scheduled session and do not exceed its planned minutes. Recording
// again for the same session corrects the figure.
func (a *App) RecordDelivery(ctx context.Context, schoolID, termID string, d calendar.Delivery) (OccurrenceView, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return OccurrenceView{}, err
	}
	if err := f.schoolDay(d.Date, "date"); err != nil {
		return OccurrenceView{}, err
	}
	if (d.ClassID == "") == (d.ClubID == "") {
		return OccurrenceView{}, fault.Invalid("class_id", "name exactly one of class_id and club_id")
	}
	same := func(x calendar.Delivery) bool {
		return x.Date == d.Date && x.ClassID == d.ClassID && x.ClubID == d.ClubID && x.Segment == d.Segment
	}
	f.deliv = slices.DeleteFunc(slices.Clone(f.deliv), same)
	before, err := f.occurrences(nil, nil)
	if err != nil {
		return OccurrenceView{}, err
	}
	if err := matchField(before, d.Date, d.ClassID, d.ClubID, d.Segment); err != nil {
		return OccurrenceView{}, err
	}
	i := slices.IndexFunc(before, func(o calendar.Occurrence) bool {
		return o.Date == d.Date && o.ClassID == d.ClassID && o.ClubID == d.ClubID && o.Segment == d.Segment
	})
	switch o := before[i]; {
	case o.Status == calendar.StatusCancelled:
		return OccurrenceView{}, fault.Precondition("session " + OccurrenceID(o) + " was cancelled (" + o.CancelReason + "); nothing was delivered")
	case d.Minutes > o.Minutes:
		return OccurrenceView{}, fault.Invalid("minutes", fmt.Sprintf("%d is more than the planned %d", d.Minutes, o.Minutes))
	}
	occ, err := f.occurrences(nil, &d)
	if err != nil {
		return OccurrenceView{}, err
	}
	if err := a.store.RecordDelivery(ctx, f.tenant.Scope, termID, d); err != nil {
		return OccurrenceView{}, err
	}
	return f.views(occ[i : i+1])[0], nil
}

// RecordAttendance stores the roll-call (点名) of a session of the term;
// every student must belong to the session: a student of the class for a
// class session, a member of the club for a club session.
func (a *App) RecordAttendance(ctx context.Context, schoolID, termID, occurrenceID string, marks []school.Mark) (int, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return 0, err
	}
	occ, err := f.occurrences(nil, nil)
	if err != nil {
		return 0, err
	}
	i := slices.IndexFunc(occ, func(o calendar.Occurrence) bool { return OccurrenceID(o) == occurrenceID })
	if i < 0 {
		return 0, fault.NotFound("session " + occurrenceID + " not found in the term")
	}
	o := occ[i]
	if o.Status == calendar.StatusCancelled {
		return 0, fault.Precondition("session " + occurrenceID + " was cancelled: " + o.CancelReason)
	}
	members := map[string]bool{}
	if o.ClubID != "" {
		seats, err := a.store.Members(ctx, f.tenant.Scope, termID, o.ClubID)
		if err != nil {
			return 0, err
		}
		for _, s := range seats {
			members[s.StudentID] = true
		}
	}
	var c fault.Collector
	seen := map[string]bool{}
	for i, m := range marks {
		field := fmt.Sprintf("marks[%d].student_id", i)
		st, err := a.store.GetStudent(ctx, f.tenant.Scope, m.StudentID)
		switch {
		case isNotFound(err):
			c.Add(field, "not a student of this school")
		case err != nil:
			return 0, err
		case seen[m.StudentID]:
			c.Add(field, "student "+m.StudentID+" is marked twice")
		case o.ClubID == "" && st.ClassID != o.ClassID:
			c.Add(field, "student "+m.StudentID+" is not in class "+o.ClassID)
		case o.ClubID != "" && !members[m.StudentID]:
			c.Add(field, "student "+m.StudentID+" holds no seat in club "+o.ClubID)
		}
		seen[m.StudentID] = true
	}
	if err := c.Err(); err != nil {
		return 0, err
	}
	return len(marks), a.store.RecordAttendance(ctx, f.tenant.Scope, occurrenceID, marks)
}

// Attendance returns the roll-call recorded for a session of the term.
func (a *App) Attendance(ctx context.Context, schoolID, termID, occurrenceID string) ([]school.Mark, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
		return nil, err
	}
	return a.store.Attendance(ctx, t.Scope, occurrenceID)
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
	schoolDay := map[calendar.Date]bool{}
	for _, d := range f.days {
		schoolDay[d.Date] = d.SchoolDay
	}
	var inRange []calendar.Occurrence
	for _, o := range occ {
		// Weekend care on days off is an extra, outside the "5+2" rules.
		if schoolDay[o.Date] && !o.Date.Before(from) && !o.Date.After(to) {
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

var plannerIndex = regexp.MustCompile(`^(classes|clubs|rooms)\[(\d+)\]`)

// planError turns the planner's validation error into the contract's
// terms: a bad locked placement is the request's own field; anything else
// is the state of the term (a class without a home room, no segment to
// plan), a failed precondition naming the class, club or room.
func planError(err error, in planner.Input) error {
	var ve *fault.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var c fault.Collector
	var state []string
	for _, v := range ve.Violations {
		if strings.HasPrefix(v.Field, "locked[") {
			c.Add(v.Field, v.Reason)
			continue
		}
		what := v.Field
		if m := plannerIndex.FindStringSubmatch(v.Field); m != nil {
			i, _ := strconv.Atoi(m[2])
			id := ""
			switch m[1] {
			case "classes":
				id = "class " + in.Classes[i].ID
			case "clubs":
				id = "club " + in.Clubs[i].ID
			case "rooms":
				id = "room " + in.Rooms[i].ID
			}
			what = id + strings.TrimPrefix(v.Field, m[0])
		}
		state = append(state, what+": "+v.Reason)
	}
	if err := c.Err(); err != nil {
		return err
	}
	return fault.Precondition("the term cannot be planned: " + strings.Join(state, "; "))
}
