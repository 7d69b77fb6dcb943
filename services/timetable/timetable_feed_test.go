package timetable_test

import (
	"context"
	"errors"
	"io"
	"testing"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func day(y, m, d int32) *commonv1.Date { return &commonv1.Date{Year: y, Month: m, Day: d} }

func clock(h, m int32) *commonv1.TimeOfDay { return &commonv1.TimeOfDay{Hours: h, Minutes: m} }

func weekdays(h1, m1, h2, m2 int32) []*timetablev1.Window {
	var out []*timetablev1.Window
	for w := int32(1); w <= 5; w++ {
		out = append(out, &timetablev1.Window{Weekday: w, Start: clock(h1, m1), End: clock(h2, m2)})
	}
	return out
}

// must unwraps a call that the test expects to succeed; a failure panics,
// which fails the test with the call's stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestFeedsOverGRPC checks what staffing and billing read: the calendar,
// class sizes, the dated occurrences (with status, delivered minutes and
// the swapped Saturday) and the enrolment intervals (with withdrawal end,
// the leaves inside, hardship and club seat), all through the generated
// client on a real connection.
func TestFeedsOverGRPC(t *testing.T) {
	t.Parallel()
	c := timetablev1.NewTimetableServiceClient(serveGRPC(t))
	ctx := context.Background()
	must(c.CreateDistrict(ctx, &timetablev1.CreateDistrictRequest{District: &timetablev1.District{DistrictId: "350431", Name: "梅列区",
		Policy: &timetablev1.DistrictPolicy{OffWorkTime: clock(17, 30), MinMinutesPerDay: 120, ServiceDaysPerWeek: 5,
			PeriodMinutesPrimary: 40, PeriodMinutesJuniorMiddle: 45, MaxPeriodsPerDay: 3, EveningCareEnd: clock(18, 30), OutsideShareCapPercent: 50}}}))
	sc := must(c.CreateSchool(ctx, &timetablev1.CreateSchoolRequest{School: &timetablev1.School{DistrictId: "350431", Name: "列东小学",
		Stage: timetablev1.SchoolStage_SCHOOL_STAGE_PRIMARY}})).GetSchool().GetSchoolId()
	// Two weeks, Mon 2026-11-02 to Fri 2026-11-13; Wed Nov 4 a holiday,
	// Sat Nov 7 a working day following Wednesday: 10 school days.
	tr := must(c.CreateTerm(ctx, &timetablev1.CreateTermRequest{SchoolId: sc, Term: &timetablev1.Term{Name: "秋季短学期",
		StartDate: day(2026, 11, 2), EndDate: day(2026, 11, 13),
		Holidays: []*timetablev1.Holiday{{Date: day(2026, 11, 4), Name: "校庆"}},
		Swaps:    []*timetablev1.Swap{{Date: day(2026, 11, 7), Working: true, FollowsWeekday: 3, Name: "校庆调休"}}}}))
	if tr.GetSchoolDays() != 10 {
		t.Fatalf("school days = %d, want 10", tr.GetSchoolDays())
	}
	term := tr.GetTerm().GetTermId()
	room := must(c.CreateRoom(ctx, &timetablev1.CreateRoomRequest{SchoolId: sc, Room: &timetablev1.Room{Name: "一(1)班",
		Kind: timetablev1.RoomKind_ROOM_KIND_CLASSROOM, Capacity: 50}})).GetRoom().GetRoomId()
	must(c.CreateRoom(ctx, &timetablev1.CreateRoomRequest{SchoolId: sc, Room: &timetablev1.Room{Name: "图书室",
		Kind: timetablev1.RoomKind_ROOM_KIND_LIBRARY, Capacity: 40}}))
	class := must(c.CreateClass(ctx, &timetablev1.CreateClassRequest{SchoolId: sc, Class: &timetablev1.Class{Grade: 1, Name: "一年级1班",
		Size: 42, HomeRoomId: room}})).GetClass().GetClassId()
	basic := must(c.CreateServiceItem(ctx, &timetablev1.CreateServiceItemRequest{SchoolId: sc, TermId: term, Item: &timetablev1.ServiceItem{
		Kind: timetablev1.ItemKind_ITEM_KIND_BASIC_CARE, Name: "基础托管", Segment: 1, Windows: weekdays(15, 30, 16, 30)}})).GetItem().GetItemId()
	enrich := must(c.CreateServiceItem(ctx, &timetablev1.CreateServiceItemRequest{SchoolId: sc, TermId: term, Item: &timetablev1.ServiceItem{
		Kind: timetablev1.ItemKind_ITEM_KIND_ENRICHMENT, Name: "兴趣拓展", Segment: 2, Windows: weekdays(16, 30, 17, 30)}})).GetItem().GetItemId()
	club := must(c.CreateClub(ctx, &timetablev1.CreateClubRequest{SchoolId: sc, TermId: term, Club: &timetablev1.Club{Name: "绘本阅读",
		ActivityKind: timetablev1.ActivityKind_ACTIVITY_KIND_READING, ProviderKind: timetablev1.ProviderKind_PROVIDER_KIND_INSTITUTION,
		InstitutionId: "inst_42", Capacity: 30, Grades: []int32{1}, RoomKind: timetablev1.RoomKind_ROOM_KIND_LIBRARY, MeetingsPerWeek: 2}})).GetClub().GetClubId()
	plan := must(c.GeneratePlan(ctx, &timetablev1.GeneratePlanRequest{SchoolId: sc, TermId: term, Seed: 1})).GetPlan()
	if len(plan.GetPlacements()) != 2 {
		t.Fatalf("plan = %v", plan)
	}
	clubDays := map[int32]bool{}
	for _, p := range plan.GetPlacements() {
		clubDays[p.GetWeekday()] = true
	}

	// A cancelled session and a short one.
	must(c.CancelSessions(ctx, &timetablev1.CancelSessionsRequest{SchoolId: sc, TermId: term, Date: day(2026, 11, 12), ClassId: class,
		Segment: 1, Reason: "体检"}))
	must(c.RecordDelivery(ctx, &timetablev1.RecordDeliveryRequest{SchoolId: sc, TermId: term, Date: day(2026, 11, 3), ClassId: class,
		Segment: 1, Minutes: 30}))

	// Calendar and class sizes.
	cal := must(c.GetCalendar(ctx, &timetablev1.GetCalendarRequest{SchoolId: sc, TermId: term}))
	if cal.GetOpenDays() != 10 || len(cal.GetDays()) != 12 {
		t.Errorf("calendar: %d open of %d days", cal.GetOpenDays(), len(cal.GetDays()))
	}
	classes := must(c.ListClasses(ctx, &timetablev1.ListClassesRequest{SchoolId: sc})).GetClasses()
	if len(classes) != 1 || classes[0].GetSize() != 42 {
		t.Errorf("classes = %v", classes)
	}

	// StreamOccurrences: one message per date, every school day once.
	stream := must(c.StreamOccurrences(ctx, &timetablev1.StreamOccurrencesRequest{SchoolId: sc, TermId: term}))
	dates := map[string]int{}
	var total, cancelled, clubSessions int
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		first := msg.GetOccurrences()[0].GetDate()
		for _, o := range msg.GetOccurrences() {
			if o.GetDate().String() != first.String() {
				t.Errorf("batch mixes dates %v and %v", first, o.GetDate())
			}
			dates[o.GetDate().String()]++
			total++
			if o.GetPeriodMinutes() != 40 {
				t.Errorf("period_minutes = %d", o.GetPeriodMinutes())
			}
			switch {
			case o.GetStatus() == timetablev1.OccurrenceStatus_OCCURRENCE_STATUS_CANCELLED:
				cancelled++
				if o.GetCancelReason() != "体检" || o.GetDeliveredMinutes() != 0 {
					t.Errorf("cancelled occurrence = %v", o)
				}
			case o.GetDate().GetDay() == 3 && o.GetClassId() == class:
				if o.GetDeliveredMinutes() != 30 || !o.GetDeliveredRecorded() || o.GetMinutes() != 60 || o.GetItemId() != basic {
					t.Errorf("short session = %v", o)
				}
			case o.GetClassId() == class:
				if o.GetDeliveredMinutes() != 60 || o.GetStudents() != 42 || o.GetGrade() != 1 ||
					o.GetItemKind() != timetablev1.ItemKind_ITEM_KIND_BASIC_CARE {
					t.Errorf("class occurrence = %v", o)
				}
			}
			if o.GetClubId() != "" {
				clubSessions++
				if o.GetClubId() != club || o.GetItemId() != enrich || o.GetProviderKind() != timetablev1.ProviderKind_PROVIDER_KIND_INSTITUTION ||
					o.GetInstitutionId() != "inst_42" || !clubDays[o.GetFollowsWeekday()] {
					t.Errorf("club occurrence = %v", o)
				}
			}
			if o.GetDate().GetDay() == 7 && (o.GetWeekday() != 6 || o.GetFollowsWeekday() != 3) {
				t.Errorf("swapped Saturday occurrence = %v", o)
			}
		}
	}
	// Club meetings: each placed weekday's dates, the Saturday counting as a Wednesday.
	wantClub := 0
	for _, d := range cal.GetDays() {
		if d.GetSchoolDay() && clubDays[d.GetFollowsWeekday()] {
			wantClub++
		}
	}
	if len(dates) != 10 || total != 10+wantClub || cancelled != 1 || clubSessions != wantClub {
		t.Errorf("stream: %d dates, %d occurrences (%d cancelled, %d club), want 10, %d (1, %d)", len(dates), total, cancelled, clubSessions,
			10+wantClub, wantClub)
	}
	if dates[day(2026, 11, 4).String()] != 0 || dates[day(2026, 11, 7).String()] == 0 {
		t.Errorf("holiday or swapped Saturday wrong: %v", dates)
	}
	// A range outside the term is refused with the field.
	bad := must(c.StreamOccurrences(ctx, &timetablev1.StreamOccurrencesRequest{SchoolId: sc, TermId: term, From: day(2026, 10, 1)}))
	if _, err := bad.Recv(); status.Code(err) != codes.InvalidArgument {
		t.Errorf("stream from outside the term: %v", err)
	}

	// Enrolments: one withdrawn with a leave inside and one outside its
	// interval, one approved with a hardship category and a club seat, one
	// pending (not in the feed).
	student := func(name string, h timetablev1.HardshipCategory) string {
		return must(c.CreateStudent(ctx, &timetablev1.CreateStudentRequest{SchoolId: sc, Student: &timetablev1.Student{ClassId: class, Name: name,
			Guardians: []*timetablev1.Guardian{{Name: name + "爸爸", Phone: "13900000000"}}, HardshipCategory: h, HardshipVerified: h != 0}})).GetStudent().GetStudentId()
	}
	enrol := func(st, item string, start *commonv1.Date, approve bool) string {
		id := must(c.CreateEnrolment(ctx, &timetablev1.CreateEnrolmentRequest{SchoolId: sc, Enrolment: &timetablev1.Enrolment{
			StudentId: st, ItemId: item, StartDate: start}})).GetEnrolment().GetEnrolmentId()
		if approve {
			must(c.ApproveEnrolment(ctx, &timetablev1.ApproveEnrolmentRequest{SchoolId: sc, EnrolmentId: id}))
		}
		return id
	}
	a := student("陈一", 0)
	b := student("林二", timetablev1.HardshipCategory_HARDSHIP_CATEGORY_DIBAO)
	p := student("黄三", 0)
	ea := enrol(a, basic, day(2026, 11, 2), true)
	must(c.WithdrawEnrolment(ctx, &timetablev1.WithdrawEnrolmentRequest{SchoolId: sc, EnrolmentId: ea, EndDate: day(2026, 11, 6)}))
	must(c.CreateLeave(ctx, &timetablev1.CreateLeaveRequest{SchoolId: sc, StudentId: a, Leave: &timetablev1.Leave{StartDate: day(2026, 11, 3), EndDate: day(2026, 11, 3)}}))
	must(c.CreateLeave(ctx, &timetablev1.CreateLeaveRequest{SchoolId: sc, StudentId: a, Leave: &timetablev1.Leave{StartDate: day(2026, 11, 10), EndDate: day(2026, 11, 11)}}))
	eb := enrol(b, enrich, day(2026, 11, 5), true)
	must(c.JoinClub(ctx, &timetablev1.JoinClubRequest{SchoolId: sc, TermId: term, ClubId: club, StudentId: b}))
	enrol(p, basic, day(2026, 11, 2), false)

	is := must(c.StreamEnrolmentIntervals(ctx, &timetablev1.StreamEnrolmentIntervalsRequest{SchoolId: sc, TermId: term}))
	got := map[string]*timetablev1.EnrolmentInterval{}
	for {
		msg, err := is.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, iv := range msg.GetIntervals() {
			got[iv.GetEnrolmentId()] = iv
		}
	}
	if len(got) != 2 {
		t.Fatalf("intervals = %v, want the withdrawn and the approved one", got)
	}
	if iv := got[ea]; iv.GetStudentId() != a || iv.GetClassId() != class || iv.GetItemKind() != timetablev1.ItemKind_ITEM_KIND_BASIC_CARE ||
		iv.GetStartDate().GetDay() != 2 || iv.GetEndDate().GetDay() != 6 || len(iv.GetLeaves()) != 1 || iv.GetLeaves()[0].GetStartDate().GetDay() != 3 ||
		iv.GetStudentName() != "陈一" || iv.GetClubId() != "" {
		t.Errorf("withdrawn interval = %v", iv)
	}
	if iv := got[eb]; iv.GetStudentId() != b || iv.GetEndDate() != nil || iv.GetClubId() != club ||
		iv.GetHardshipCategory() != timetablev1.HardshipCategory_HARDSHIP_CATEGORY_DIBAO || !iv.GetHardshipVerified() ||
		iv.GetItemKind() != timetablev1.ItemKind_ITEM_KIND_ENRICHMENT {
		t.Errorf("approved interval = %v", iv)
	}

	// An unknown term is NotFound on both feeds.
	miss := must(c.StreamEnrolmentIntervals(ctx, &timetablev1.StreamEnrolmentIntervalsRequest{SchoolId: sc, TermId: "term_nope"}))
	if _, err := miss.Recv(); status.Code(err) != codes.NotFound {
		t.Errorf("unknown term: %v", err)
	}
}
