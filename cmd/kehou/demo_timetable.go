package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// demoTermName names every demo school's autumn term; later starts find
// the term by it.
const demoTermName = "2026-2027学年第一学期"

// demoInstitutionName is the outside institution (第三方机构) that runs the
// ball games and sends its instructors; it is found by its licence number.
const (
	demoInstitutionName    = "三明阳光体育培训中心"
	demoInstitutionLicence = "JY-350402-0018"
)

// demoLoaded is what the loader knows of a school once its data exists.
type demoLoaded struct {
	spec     demoSchool
	school   string
	term     string
	classes  map[string]string // name → id
	students map[string]string // name → id
	staff    map[string]string // name → id
}

// demoSchoolData makes sure one school's data exists, step by step; each
// step reads what is there and adds what is missing.
func demoSchoolData(ctx context.Context, c *demoClients, s demoSchool, institution string, log *slog.Logger) (demoLoaded, error) {
	l := demoLoaded{spec: s, school: s.id}
	var (
		rooms  map[string]string
		roster = s.roster()
		items  map[timetablev1.ItemKind]string
		clubs  []demoClub
	)
	steps := []demoStep{
		{"term", func() (err error) { l.term, err = demoEnsureTerm(ctx, c, s.id); return err }},
		{"rooms", func() (err error) { rooms, err = demoEnsureRooms(ctx, c, s); return err }},
		{"classes", func() (err error) { l.classes, err = demoEnsureClasses(ctx, c, s, rooms); return err }},
		{"students", func() (err error) { l.students, err = demoEnsureStudents(ctx, c, s, roster, l.classes); return err }},
		{"items", func() (err error) { items, err = demoEnsureItems(ctx, c, s, l.term); return err }},
		{"clubs", func() (err error) { clubs, err = demoEnsureClubs(ctx, c, s, l.term, institution); return err }},
		{"plan", func() error { return demoEnsurePlan(ctx, c, s.id, l.term) }},
		{"enrolments", func() error { return demoEnsureEnrolments(ctx, c, s, l.term, roster, l.students, items) }},
		{"allocation", func() error { return demoEnsureAllocation(ctx, c, s.id, l.term, roster, l.students, clubs) }},
	}
	if c.st != nil {
		steps = append(steps, demoStep{"staff", func() (err error) {
			l.staff, err = demoEnsureStaff(ctx, c, s, l.term, l.classes, institution)
			return err
		}},
			demoStep{"weeks", func() error { return demoEnsureWeeks(ctx, c, s.id, l.term, s.month) }})
		if s.month {
			steps = append(steps, demoStep{"hours", func() error { return demoEnsureHours(ctx, c, s.id, l.staff) }})
		}
	}
	if c.fees != nil {
		steps = append(steps, demoStep{"fee run", func() error { return demoFeeRun(ctx, c, s, l.term, log) }})
	}
	for _, st := range steps {
		began, calls := time.Now(), c.calls.Load()
		if err := st.run(); err != nil {
			return l, err
		}
		log.Debug("demo step", "school", s.id, "step", st.name, "seconds", fmt.Sprintf("%.2f", time.Since(began).Seconds()),
			"calls", c.calls.Load()-calls)
	}
	return l, nil
}

// demoStep is one step of a school's load.
type demoStep struct {
	name string
	run  func() error
}

// demoEnsureTerm finds or creates the autumn term 2026: 1 September 2026
// to 22 January 2027 with the holidays and working days of the State
// Council's notice on the 2026 holidays (国办, 4 November 2025): 中秋节
// Friday 25 September; 国庆节 1–7 October (its weekdays are holidays);
// Sunday 20 September and Saturday 10 October are working days (调休),
// which the school runs on Monday's and Wednesday's timetables; and
// 元旦 Friday 1 January 2027.
func demoEnsureTerm(ctx context.Context, c *demoClients, school string) (string, error) {
	if id, err := findDemoTerm(ctx, c, school); err != nil || id != "" {
		return id, err
	}
	holidays := []*timetablev1.Holiday{{Date: day(2026, 9, 25), Name: "中秋节"}}
	for _, d := range []int{1, 2, 5, 6, 7} {
		holidays = append(holidays, &timetablev1.Holiday{Date: day(2026, 10, d), Name: "国庆节"})
	}
	holidays = append(holidays, &timetablev1.Holiday{Date: day(2027, 1, 1), Name: "元旦"})
	term, err := c.tt.CreateTerm(ctx, &timetablev1.CreateTermRequest{SchoolId: school, Term: &timetablev1.Term{
		Name: demoTermName, StartDate: day(2026, 9, 1), EndDate: day(2027, 1, 22), Holidays: holidays,
		Swaps: []*timetablev1.Swap{
			{Date: day(2026, 9, 20), Working: true, FollowsWeekday: 1, Name: "国庆调休"},
			{Date: day(2026, 10, 10), Working: true, FollowsWeekday: 3, Name: "国庆调休"},
		},
	}})
	if err != nil {
		return "", fmt.Errorf("create term: %w", err)
	}
	return term.GetTerm().GetTermId(), nil
}

// findDemoTerm returns the school's demo term id, or "" when it has none.
func findDemoTerm(ctx context.Context, c *demoClients, school string) (string, error) {
	resp, err := c.tt.ListTerms(ctx, &timetablev1.ListTermsRequest{SchoolId: school})
	if err != nil {
		return "", fmt.Errorf("list demo terms: %w", err)
	}
	for _, t := range resp.GetTerms() {
		if t.GetName() == demoTermName {
			return t.GetTermId(), nil
		}
	}
	return "", nil
}

// demoEnsureRooms makes the classrooms (one per class) and the special
// rooms; it returns room ids by name.
func demoEnsureRooms(ctx context.Context, c *demoClients, s demoSchool) (map[string]string, error) {
	want := []demoRoom{}
	for _, g := range s.grades {
		for n := 1; n <= s.classesPerGrade; n++ {
			want = append(want, demoRoom{homeRoom(g, n), timetablev1.RoomKind_ROOM_KIND_CLASSROOM, int32(s.classSize + 5)})
		}
	}
	want = append(want, s.rooms...)
	list, err := c.tt.ListRooms(ctx, &timetablev1.ListRoomsRequest{SchoolId: s.id})
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	ids := map[string]string{}
	for _, r := range list.GetRooms() {
		ids[r.GetName()] = r.GetRoomId()
	}
	missing := missingOf(want, func(r demoRoom) bool { return ids[r.name] == "" })
	var mu sync.Mutex
	return ids, c.each(ctx, len(missing), func(ctx context.Context, i int) error {
		r := missing[i]
		resp, err := c.tt.CreateRoom(ctx, &timetablev1.CreateRoomRequest{SchoolId: s.id,
			Room: &timetablev1.Room{Name: r.name, Kind: r.kind, Capacity: r.capacity}})
		if err != nil {
			return fmt.Errorf("create room %s: %w", r.name, err)
		}
		mu.Lock()
		ids[r.name] = resp.GetRoom().GetRoomId()
		mu.Unlock()
		return nil
	})
}

// demoEnsureClasses makes the classes, each in its home room; the class
// size is its roster's.
func demoEnsureClasses(ctx context.Context, c *demoClients, s demoSchool, rooms map[string]string) (map[string]string, error) {
	list, err := c.tt.ListClasses(ctx, &timetablev1.ListClassesRequest{SchoolId: s.id})
	if err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	ids := map[string]string{}
	for _, cl := range list.GetClasses() {
		ids[cl.GetName()] = cl.GetClassId()
	}
	type class struct{ grade, n int }
	var missing []class
	for _, g := range s.grades {
		for n := 1; n <= s.classesPerGrade; n++ {
			if ids[className(g, n)] == "" {
				missing = append(missing, class{g, n})
			}
		}
	}
	var mu sync.Mutex
	return ids, c.each(ctx, len(missing), func(ctx context.Context, i int) error {
		cl := missing[i]
		name := className(cl.grade, cl.n)
		resp, err := c.tt.CreateClass(ctx, &timetablev1.CreateClassRequest{SchoolId: s.id, Class: &timetablev1.Class{
			Grade: int32(cl.grade), Name: name, Size: int32(s.classSize), HomeRoomId: rooms[homeRoom(cl.grade, cl.n)]}})
		if err != nil {
			return fmt.Errorf("create class %s: %w", name, err)
		}
		mu.Lock()
		ids[name] = resp.GetClass().GetClassId()
		mu.Unlock()
		return nil
	})
}

// demoStudents lists a school's students, every page.
func demoStudents(ctx context.Context, c *demoClients, school string) ([]*timetablev1.Student, error) {
	var out []*timetablev1.Student
	token := ""
	for {
		page, err := c.tt.ListStudents(ctx, &timetablev1.ListStudentsRequest{SchoolId: school, PageSize: 500, PageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list students: %w", err)
		}
		out = append(out, page.GetStudents()...)
		if token = page.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// demoEnsureStudents registers the roster's missing students, five
// hundred a call (each call all or nothing); it returns
// student ids by name (names are unique in a demo school).
func demoEnsureStudents(ctx context.Context, c *demoClients, s demoSchool, roster []demoPupil, classes map[string]string) (map[string]string, error) {
	have, err := demoStudents(ctx, c, s.id)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, st := range have {
		ids[st.GetName()] = st.GetStudentId()
	}
	missing := missingOf(roster, func(p demoPupil) bool { return ids[p.name] == "" })
	const batch = 500
	var mu sync.Mutex
	return ids, c.each(ctx, (len(missing)+batch-1)/batch, func(ctx context.Context, i int) error {
		req := &timetablev1.BatchCreateStudentsRequest{SchoolId: s.id}
		for _, p := range missing[i*batch : min(len(missing), (i+1)*batch)] {
			relation := "母亲"
			if p.index%3 == 1 || p.phone == demoFamilyPhone {
				relation = "父亲"
			}
			req.Students = append(req.Students, &timetablev1.Student{
				ClassId: classes[p.class], Name: p.name, HardshipCategory: p.hardship,
				HardshipVerified: p.hardship != timetablev1.HardshipCategory_HARDSHIP_CATEGORY_UNSPECIFIED,
				Guardians:        []*timetablev1.Guardian{{Name: p.guardian, Phone: p.phone, Relation: relation}},
			})
		}
		resp, err := c.tt.BatchCreateStudents(ctx, req)
		if err != nil {
			return fmt.Errorf("register %d students: %w", len(req.Students), err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, st := range resp.GetStudents() {
			ids[st.GetName()] = st.GetStudentId()
		}
		return nil
	})
}

// demoEnsureItems makes the school's service items, Monday to Friday;
// it returns item ids by kind.
func demoEnsureItems(ctx context.Context, c *demoClients, s demoSchool, term string) (map[timetablev1.ItemKind]string, error) {
	list, err := c.tt.ListServiceItems(ctx, &timetablev1.ListServiceItemsRequest{SchoolId: s.id, TermId: term})
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	ids := map[timetablev1.ItemKind]string{}
	for _, it := range list.GetItems() {
		ids[it.GetKind()] = it.GetItemId()
	}
	for _, it := range s.items {
		if ids[it.kind] != "" {
			continue
		}
		var windows []*timetablev1.Window
		for w := int32(1); w <= 5; w++ {
			windows = append(windows, &timetablev1.Window{Weekday: w, Start: clock(it.start[0], it.start[1]), End: clock(it.end[0], it.end[1])})
		}
		resp, err := c.tt.CreateServiceItem(ctx, &timetablev1.CreateServiceItemRequest{SchoolId: s.id, TermId: term,
			Item: &timetablev1.ServiceItem{Kind: it.kind, Name: it.name, Segment: it.segment, Windows: windows, Grades: it.grades}})
		if err != nil {
			return nil, fmt.Errorf("create item %s: %w", it.name, err)
		}
		ids[it.kind] = resp.GetItem().GetItemId()
	}
	return ids, nil
}

// demoClub is a club of the term and the grades it admits.
type demoClub struct {
	id     string
	grades []int32
}

func (c demoClub) admits(grade int) bool {
	for _, g := range c.grades {
		if int(g) == grade {
			return true
		}
	}
	return false
}

// demoEnsureClubs makes the school's clubs, meeting every weekday; the
// ball games are the outside institution's when it is there.
func demoEnsureClubs(ctx context.Context, c *demoClients, s demoSchool, term, institution string) ([]demoClub, error) {
	list, err := c.tt.ListClubs(ctx, &timetablev1.ListClubsRequest{SchoolId: s.id, TermId: term})
	if err != nil {
		return nil, fmt.Errorf("list clubs: %w", err)
	}
	have := map[string]*timetablev1.Club{}
	for _, cl := range list.GetClubs() {
		have[cl.GetName()] = cl
	}
	var out []demoClub
	for _, spec := range s.clubs {
		for _, name := range spec.names() {
			if cl := have[name]; cl != nil {
				out = append(out, demoClub{id: cl.GetClubId(), grades: cl.GetGrades()})
				continue
			}
			club := &timetablev1.Club{Name: name, ActivityKind: spec.activity, ProviderKind: timetablev1.ProviderKind_PROVIDER_KIND_SCHOOL,
				Capacity: spec.capacity, Grades: spec.grades, RoomKind: spec.room, MeetingsPerWeek: 5}
			if spec.institution && institution != "" {
				club.ProviderKind, club.InstitutionId = timetablev1.ProviderKind_PROVIDER_KIND_INSTITUTION, institution
			}
			resp, err := c.tt.CreateClub(ctx, &timetablev1.CreateClubRequest{SchoolId: s.id, TermId: term, Club: club})
			if err != nil {
				return nil, fmt.Errorf("create club %s: %w", name, err)
			}
			out = append(out, demoClub{id: resp.GetClub().GetClubId(), grades: spec.grades})
		}
	}
	return out, nil
}

// demoEnsurePlan generates the term's weekly plan unless it has one.
func demoEnsurePlan(ctx context.Context, c *demoClients, school, term string) error {
	plan, err := c.tt.GetPlan(ctx, &timetablev1.GetPlanRequest{SchoolId: school, TermId: term})
	switch {
	case err == nil && len(plan.GetPlan().GetPlacements()) > 0:
		return nil
	case err != nil && status.Code(err) != codes.NotFound:
		return fmt.Errorf("read plan: %w", err)
	}
	if _, err := c.tt.GeneratePlan(ctx, &timetablev1.GeneratePlanRequest{SchoolId: school, TermId: term, Seed: 2026}); err != nil {
		return fmt.Errorf("generate plan: %w", err)
	}
	return nil
}

// demoEnsureEnrolments enrols the students in their items from the first
// day and approves the applications; the last student's last application
// stays pending (demoPending: the school has not decided yet).
func demoEnsureEnrolments(ctx context.Context, c *demoClients, spec demoSchool, term string, roster []demoPupil,
	students map[string]string, items map[timetablev1.ItemKind]string) error {
	school := spec.id
	list, err := c.tt.ListEnrolments(ctx, &timetablev1.ListEnrolmentsRequest{SchoolId: school, TermId: term})
	if err != nil {
		return fmt.Errorf("list enrolments: %w", err)
	}
	type key struct{ student, item string }
	have := map[key]*timetablev1.Enrolment{}
	for _, e := range list.GetEnrolments() {
		have[key{e.GetStudentId(), e.GetItemId()}] = e
	}
	type job struct {
		student, item string
		create        bool
		pending       bool
	}
	var jobs []job
	pendingName, pendingKind := demoPending(roster, spec.items)
	for _, p := range roster {
		for _, it := range spec.items {
			if !p.services(it.kind) {
				continue
			}
			pending := p.name == pendingName && it.kind == pendingKind
			e := have[key{students[p.name], items[it.kind]}]
			switch {
			case e == nil:
				jobs = append(jobs, job{students[p.name], items[it.kind], true, pending})
			case !pending && e.GetStatus() == timetablev1.EnrolmentStatus_ENROLMENT_STATUS_PENDING:
				jobs = append(jobs, job{students[p.name], items[it.kind], false, false})
			}
		}
	}
	// New enrolments go in batches of a thousand, approved as they are
	// created (each batch all or nothing); the pending one alone; older
	// pending ones are approved one by one.
	var fresh, single []job
	for _, j := range jobs {
		if j.create && !j.pending {
			fresh = append(fresh, j)
		} else {
			single = append(single, j)
		}
	}
	const batch = 1000
	err = c.each(ctx, (len(fresh)+batch-1)/batch, func(ctx context.Context, i int) error {
		req := &timetablev1.BatchCreateEnrolmentsRequest{SchoolId: school, Approve: true}
		for _, j := range fresh[i*batch : min(len(fresh), (i+1)*batch)] {
			req.Enrolments = append(req.Enrolments, &timetablev1.Enrolment{StudentId: j.student, ItemId: j.item, StartDate: day(2026, 9, 1)})
		}
		if _, err := c.tt.BatchCreateEnrolments(ctx, req); err != nil {
			return fmt.Errorf("enrol %d students: %w", len(req.Enrolments), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.each(ctx, len(single), func(ctx context.Context, i int) error {
		j := single[i]
		if j.create {
			_, err := c.tt.CreateEnrolment(ctx, &timetablev1.CreateEnrolmentRequest{SchoolId: school,
				Enrolment: &timetablev1.Enrolment{StudentId: j.student, ItemId: j.item, StartDate: day(2026, 9, 1)}})
			if err != nil {
				return fmt.Errorf("enrol %s: %w", j.student, err)
			}
			return nil
		}
		id := have[key{j.student, j.item}].GetEnrolmentId()
		if _, err := c.tt.ApproveEnrolment(ctx, &timetablev1.ApproveEnrolmentRequest{SchoolId: school, EnrolmentId: id}); err != nil {
			return fmt.Errorf("approve enrolment of %s: %w", j.student, err)
		}
		return nil
	})
}

// demoEnsureAllocation submits the club choices of the students in
// clubs (three among the clubs of their grade), a thousand students a
// call, and allocates the seats, unless the clubs have members already.
// Choices are replaced on resubmission, so a start cut off among them
// submits them again.
func demoEnsureAllocation(ctx context.Context, c *demoClients, school, term string, roster []demoPupil,
	students map[string]string, clubs []demoClub) error {
	list, err := c.tt.ListClubs(ctx, &timetablev1.ListClubsRequest{SchoolId: school, TermId: term})
	if err != nil {
		return fmt.Errorf("list clubs: %w", err)
	}
	for _, cl := range list.GetClubs() {
		if cl.GetMembers() > 0 {
			return nil
		}
	}
	var all []*timetablev1.StudentClubChoices
	for _, p := range roster {
		if !p.services(timetablev1.ItemKind_ITEM_KIND_ENRICHMENT) {
			continue
		}
		var eligible []string
		for _, cl := range clubs {
			if cl.admits(p.grade) {
				eligible = append(eligible, cl.id)
			}
		}
		choices := make([]string, 0, 3)
		for j := 0; j < len(eligible) && len(choices) < 3; j++ {
			if id := eligible[(p.index+j*5)%len(eligible)]; !slices.Contains(choices, id) {
				choices = append(choices, id)
			}
		}
		for j := 0; j < len(eligible) && len(choices) < 3; j++ {
			if !slices.Contains(choices, eligible[j]) {
				choices = append(choices, eligible[j])
			}
		}
		all = append(all, &timetablev1.StudentClubChoices{StudentId: students[p.name], ClubIds: choices})
	}
	const batch = 1000
	err = c.each(ctx, (len(all)+batch-1)/batch, func(ctx context.Context, i int) error {
		if _, err := c.tt.BatchSubmitClubChoices(ctx, &timetablev1.BatchSubmitClubChoicesRequest{SchoolId: school, TermId: term,
			Choices: all[i*batch : min(len(all), (i+1)*batch)]}); err != nil {
			return fmt.Errorf("club choices: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := c.tt.AllocateClubs(ctx, &timetablev1.AllocateClubsRequest{SchoolId: school, TermId: term, Seed: 2026}); err != nil {
		return fmt.Errorf("allocate clubs: %w", err)
	}
	return nil
}

// missingOf returns the elements of all for which keep is true.
func missingOf[T any](all []T, keep func(T) bool) []T {
	var out []T
	for _, x := range all {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// demoWeek is the first full week of the term (Monday 7 September; the
// term starts on Tuesday 1 September and staffing solves whole weeks
// inside the term), the week the banner links.
func demoWeek() *commonv1.Date { return day(2026, 9, 7) }

// demoWeeks are the Mondays of the weeks the demo staffs: the first full
// week, or September's whole weeks, whose hours are the month's.
func demoWeeks(month bool) []*commonv1.Date {
	if !month {
		return []*commonv1.Date{demoWeek()}
	}
	return []*commonv1.Date{day(2026, 9, 7), day(2026, 9, 14), day(2026, 9, 21), day(2026, 9, 28)}
}
