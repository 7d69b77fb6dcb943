package main

import (
	"context"
	"fmt"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
)

// demoTermName names the primary school's autumn term; later starts find
// the term by it.
const demoTermName = "2026-2027学年第一学期"

// demoInstitutionName is the outside institution (第三方机构) that runs the
// basketball club and sends its instructor.
const demoInstitutionName = "三明阳光体育培训中心"

// demoClass is one class of the demo school and the students in it.
type demoClass struct {
	grade    int
	name     string
	students []demoStudent
}

// demoStudent is a student; hardship marks a verified 困难 family.
type demoStudent struct {
	name     string
	hardship timetablev1.HardshipCategory
}

func demoRoster() []demoClass {
	plain := func(names ...string) []demoStudent {
		out := make([]demoStudent, len(names))
		for i, n := range names {
			out[i] = demoStudent{name: n}
		}
		return out
	}
	dibao := timetablev1.HardshipCategory_HARDSHIP_CATEGORY_DIBAO
	tekun := timetablev1.HardshipCategory_HARDSHIP_CATEGORY_TEKUN
	// The first student of a class takes every service (see demoTimetable),
	// so the hardship families are first: their waivers show on a statement.
	return []demoClass{
		{1, "一年级1班", append([]demoStudent{{"吴欣怡", dibao}}, plain("林小雨", "陈子涵", "黄一诺", "张浩然", "王思琪", "刘宇轩")...)},
		{2, "二年级1班", append([]demoStudent{{"罗诗涵", tekun}}, plain("李俊熙", "郑雨桐", "周梓萱", "赵子墨", "孙佳怡", "何明轩")...)},
		{3, "三年级1班", append([]demoStudent{{"蔡俊杰", dibao}}, plain("许博文", "谢雨萱", "邓嘉豪", "冯可馨", "曾天佑", "彭欣妍")...)},
		{4, "四年级1班", plain("肖子轩", "田雅琪", "董浩宇", "袁梦瑶", "潘文博", "蒋若曦", "韩志强")},
	}
}

// demoTimetable builds the primary school's autumn term: rooms, classes
// and students, the three service items, clubs (one by an outside
// institution), a generated plan, approved enrolments and an allocation of
// club choices. It needs the institution first (clubs name it), so it
// registers it with staffing when staffing runs here.
func demoTimetable(ctx context.Context, c *demoClients, school string) error {
	tt := c.tt
	// 国庆 Thursday 1 – Wednesday 7 October (the weekdays of it are
	// holidays) and 元旦 Friday 1 January; Saturday 10 October is a working
	// day (调休) that follows Wednesday's timetable.
	var holidays []*timetablev1.Holiday
	for _, d := range []int{1, 2, 5, 6, 7} {
		holidays = append(holidays, &timetablev1.Holiday{Date: day(2026, 10, d), Name: "国庆节"})
	}
	holidays = append(holidays, &timetablev1.Holiday{Date: day(2027, 1, 1), Name: "元旦"})
	term, err := tt.CreateTerm(ctx, &timetablev1.CreateTermRequest{SchoolId: school, Term: &timetablev1.Term{
		Name: demoTermName, StartDate: day(2026, 9, 1), EndDate: day(2027, 1, 22), Holidays: holidays,
		Swaps: []*timetablev1.Swap{{Date: day(2026, 10, 10), Working: true, FollowsWeekday: 3, Name: "国庆调休"}},
	}})
	if err != nil {
		return fmt.Errorf("create term: %w", err)
	}
	termID := term.GetTerm().GetTermId()

	roomIDs := []string{}
	for _, r := range []struct {
		name     string
		kind     timetablev1.RoomKind
		capacity int32
	}{
		{"一(1)班教室", timetablev1.RoomKind_ROOM_KIND_CLASSROOM, 50},
		{"二(1)班教室", timetablev1.RoomKind_ROOM_KIND_CLASSROOM, 50},
		{"三(1)班教室", timetablev1.RoomKind_ROOM_KIND_CLASSROOM, 50},
		{"四(1)班教室", timetablev1.RoomKind_ROOM_KIND_CLASSROOM, 50},
		{"科学教室", timetablev1.RoomKind_ROOM_KIND_CLASSROOM, 45},
		{"体育馆", timetablev1.RoomKind_ROOM_KIND_GYM, 80},
		{"美术室", timetablev1.RoomKind_ROOM_KIND_ART_ROOM, 45},
		{"书法教室", timetablev1.RoomKind_ROOM_KIND_ART_ROOM, 45},
		{"图书室", timetablev1.RoomKind_ROOM_KIND_LIBRARY, 60},
	} {
		resp, err := tt.CreateRoom(ctx, &timetablev1.CreateRoomRequest{SchoolId: school,
			Room: &timetablev1.Room{Name: r.name, Kind: r.kind, Capacity: r.capacity}})
		if err != nil {
			return fmt.Errorf("create room %s: %w", r.name, err)
		}
		roomIDs = append(roomIDs, resp.GetRoom().GetRoomId())
	}

	// Classes and students; the class size is the students registered.
	type student struct{ id, class string }
	var students []student
	grade := map[string]int{}
	for i, cl := range demoRoster() {
		resp, err := tt.CreateClass(ctx, &timetablev1.CreateClassRequest{SchoolId: school, Class: &timetablev1.Class{
			Grade: int32(cl.grade), Name: cl.name, Size: int32(len(cl.students)), HomeRoomId: roomIDs[i]}})
		if err != nil {
			return fmt.Errorf("create class %s: %w", cl.name, err)
		}
		classID := resp.GetClass().GetClassId()
		for _, s := range cl.students {
			resp, err := tt.CreateStudent(ctx, &timetablev1.CreateStudentRequest{SchoolId: school, Student: &timetablev1.Student{
				ClassId: classID, Name: s.name, HardshipCategory: s.hardship,
				HardshipVerified: s.hardship != timetablev1.HardshipCategory_HARDSHIP_CATEGORY_UNSPECIFIED,
				Guardians:        []*timetablev1.Guardian{{Name: string([]rune(s.name)[:1]) + "家长", Phone: "13905980000", Relation: "母亲"}},
			}})
			if err != nil {
				return fmt.Errorf("create student %s: %w", s.name, err)
			}
			id := resp.GetStudent().GetStudentId()
			students = append(students, student{id, classID})
			grade[id] = cl.grade
		}
	}

	// Service items: 基础托管 (homework care) 15:30–16:30, 兴趣拓展 (clubs)
	// 16:30–17:30, 延时托管 (extended care) 17:30–18:20, Monday to Friday.
	week := func(h1, m1, h2, m2 int) []*timetablev1.Window {
		var out []*timetablev1.Window
		for w := int32(1); w <= 5; w++ {
			out = append(out, &timetablev1.Window{Weekday: w, Start: clock(h1, m1), End: clock(h2, m2)})
		}
		return out
	}
	items := map[timetablev1.ItemKind]string{}
	for _, it := range []struct {
		kind    timetablev1.ItemKind
		name    string
		segment int32
		windows []*timetablev1.Window
	}{
		{timetablev1.ItemKind_ITEM_KIND_BASIC_CARE, "基础托管（作业辅导）", 1, week(15, 30, 16, 30)},
		{timetablev1.ItemKind_ITEM_KIND_ENRICHMENT, "兴趣拓展", 2, week(16, 30, 17, 30)},
		{timetablev1.ItemKind_ITEM_KIND_EXTENDED_CARE, "延时托管", 3, week(17, 30, 18, 20)},
	} {
		resp, err := tt.CreateServiceItem(ctx, &timetablev1.CreateServiceItemRequest{SchoolId: school, TermId: termID,
			Item: &timetablev1.ServiceItem{Kind: it.kind, Name: it.name, Segment: it.segment, Windows: it.windows}})
		if err != nil {
			return fmt.Errorf("create item %s: %w", it.name, err)
		}
		items[it.kind] = resp.GetItem().GetItemId()
	}

	institution := ""
	if c.st != nil {
		if institution, err = demoInstitution(ctx, c, school); err != nil {
			return err
		}
	}
	clubs, err := demoClubs(ctx, tt, school, termID, institution)
	if err != nil {
		return err
	}
	if _, err := tt.GeneratePlan(ctx, &timetablev1.GeneratePlanRequest{SchoolId: school, TermId: termID, Seed: 2026}); err != nil {
		return fmt.Errorf("generate plan: %w", err)
	}

	// Enrolments from the first day: everybody but the last student of
	// each class (every class has seven) in homework care and clubs; every
	// other student also in extended care. One family's extended-care
	// application stays pending.
	for i, s := range students {
		kinds := []timetablev1.ItemKind{}
		if i%7 != 6 {
			kinds = append(kinds, timetablev1.ItemKind_ITEM_KIND_BASIC_CARE, timetablev1.ItemKind_ITEM_KIND_ENRICHMENT)
		}
		if i%2 == 0 {
			kinds = append(kinds, timetablev1.ItemKind_ITEM_KIND_EXTENDED_CARE)
		}
		for _, k := range kinds {
			resp, err := tt.CreateEnrolment(ctx, &timetablev1.CreateEnrolmentRequest{SchoolId: school,
				Enrolment: &timetablev1.Enrolment{StudentId: s.id, ItemId: items[k], StartDate: day(2026, 9, 1)}})
			if err != nil {
				return fmt.Errorf("enrol %s: %w", s.id, err)
			}
			if i == len(students)-2 && k == timetablev1.ItemKind_ITEM_KIND_EXTENDED_CARE {
				continue // pending: the school has not decided yet
			}
			if _, err := tt.ApproveEnrolment(ctx, &timetablev1.ApproveEnrolmentRequest{SchoolId: school,
				EnrolmentId: resp.GetEnrolment().GetEnrolmentId()}); err != nil {
				return fmt.Errorf("approve enrolment of %s: %w", s.id, err)
			}
		}
		// Club choices of the students in clubs: first, second and third choice among the clubs of their grade.
		if i%7 == 6 {
			continue
		}
		var eligible []string
		for _, cl := range clubs {
			if cl.admits(grade[s.id]) {
				eligible = append(eligible, cl.id)
			}
		}
		choices := make([]string, 0, 3)
		for j := 0; j < len(eligible) && j < 3; j++ {
			choices = append(choices, eligible[(i+j)%len(eligible)])
		}
		if _, err := tt.SubmitClubChoices(ctx, &timetablev1.SubmitClubChoicesRequest{SchoolId: school, TermId: termID,
			StudentId: s.id, ClubIds: choices}); err != nil {
			return fmt.Errorf("club choices of %s: %w", s.id, err)
		}
	}
	if _, err := tt.AllocateClubs(ctx, &timetablev1.AllocateClubsRequest{SchoolId: school, TermId: termID, Seed: 2026}); err != nil {
		return fmt.Errorf("allocate clubs: %w", err)
	}
	// A leave (请假): a family trip in the second week.
	if _, err := tt.CreateLeave(ctx, &timetablev1.CreateLeaveRequest{SchoolId: school, StudentId: students[1].id,
		Leave: &timetablev1.Leave{StartDate: day(2026, 9, 10), EndDate: day(2026, 9, 11), Reason: "探亲"}}); err != nil {
		return fmt.Errorf("create leave: %w", err)
	}
	return nil
}

// demoClub is a created club and the grades it admits.
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

// demoClubs creates five clubs meeting every weekday in segment 2; the
// basketball club is run by the outside institution when there is one.
func demoClubs(ctx context.Context, tt timetablev1.TimetableServiceClient, school, term, institution string) ([]demoClub, error) {
	type spec struct {
		name     string
		activity timetablev1.ActivityKind
		room     timetablev1.RoomKind
		capacity int32
		grades   []int32
	}
	specs := []spec{
		{"绘本阅读", timetablev1.ActivityKind_ACTIVITY_KIND_READING, timetablev1.RoomKind_ROOM_KIND_LIBRARY, 15, []int32{1, 2}},
		{"硬笔书法", timetablev1.ActivityKind_ACTIVITY_KIND_CALLIGRAPHY, timetablev1.RoomKind_ROOM_KIND_ART_ROOM, 12, []int32{1, 2, 3, 4}},
		{"儿童画", timetablev1.ActivityKind_ACTIVITY_KIND_ARTS, timetablev1.RoomKind_ROOM_KIND_ART_ROOM, 12, []int32{1, 2, 3}},
		{"科学小实验", timetablev1.ActivityKind_ACTIVITY_KIND_SCIENCE, timetablev1.RoomKind_ROOM_KIND_CLASSROOM, 12, []int32{3, 4}},
		{"篮球", timetablev1.ActivityKind_ACTIVITY_KIND_SPORTS, timetablev1.RoomKind_ROOM_KIND_GYM, 15, []int32{2, 3, 4}},
	}
	var out []demoClub
	for _, s := range specs {
		club := &timetablev1.Club{Name: s.name, ActivityKind: s.activity, ProviderKind: timetablev1.ProviderKind_PROVIDER_KIND_SCHOOL,
			Capacity: s.capacity, Grades: s.grades, RoomKind: s.room, MeetingsPerWeek: 5}
		if s.activity == timetablev1.ActivityKind_ACTIVITY_KIND_SPORTS && institution != "" {
			club.ProviderKind, club.InstitutionId = timetablev1.ProviderKind_PROVIDER_KIND_INSTITUTION, institution
		}
		resp, err := tt.CreateClub(ctx, &timetablev1.CreateClubRequest{SchoolId: school, TermId: term, Club: club})
		if err != nil {
			return nil, fmt.Errorf("create club %s: %w", s.name, err)
		}
		out = append(out, demoClub{id: resp.GetClub().GetClubId(), grades: s.grades})
	}
	return out, nil
}

// findDemoTerm returns the primary school's demo term id, or "" when the
// school has none (it was created by an older demo).
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

// demoWeek is the first full week of the term (Monday 7 September; the
// term starts on Tuesday 1 September and staffing solves whole weeks
// inside the term), the week the demo staffs.
func demoWeek() *commonv1.Date { return day(2026, 9, 7) }
