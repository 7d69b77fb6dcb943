package timetable_test

import (
	"context"
	"testing"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestBatchesAllOrNothing: students, enrolments and club choices in
// batches. A batch with bad rows is refused
// whole, naming each bad row's field, and writes nothing; a duplicate
// student and item in one batch is refused whole too; a good batch is
// written at once, approved when asked, pending otherwise.
func TestBatchesAllOrNothing(t *testing.T) {
	t.Parallel()
	c := timetablev1.NewTimetableServiceClient(serveGRPC(t))
	ctx := context.Background()
	must(c.CreateDistrict(ctx, &timetablev1.CreateDistrictRequest{District: &timetablev1.District{DistrictId: "350432", Name: "三元区",
		Policy: &timetablev1.DistrictPolicy{OffWorkTime: clock(17, 30), MinMinutesPerDay: 120, ServiceDaysPerWeek: 5,
			PeriodMinutesPrimary: 40, PeriodMinutesJuniorMiddle: 45, MaxPeriodsPerDay: 3, EveningCareEnd: clock(18, 30), OutsideShareCapPercent: 50}}}))
	sc := must(c.CreateSchool(ctx, &timetablev1.CreateSchoolRequest{School: &timetablev1.School{DistrictId: "350432", Name: "城关小学",
		Stage: timetablev1.SchoolStage_SCHOOL_STAGE_PRIMARY}})).GetSchool().GetSchoolId()
	term := must(c.CreateTerm(ctx, &timetablev1.CreateTermRequest{SchoolId: sc, Term: &timetablev1.Term{Name: "秋季学期",
		StartDate: day(2026, 9, 1), EndDate: day(2027, 1, 22)}})).GetTerm().GetTermId()
	room := must(c.CreateRoom(ctx, &timetablev1.CreateRoomRequest{SchoolId: sc, Room: &timetablev1.Room{Name: "一(1)班",
		Kind: timetablev1.RoomKind_ROOM_KIND_CLASSROOM, Capacity: 50}})).GetRoom().GetRoomId()
	class := must(c.CreateClass(ctx, &timetablev1.CreateClassRequest{SchoolId: sc, Class: &timetablev1.Class{Grade: 1, Name: "一年级1班",
		Size: 40, HomeRoomId: room}})).GetClass().GetClassId()
	basic := must(c.CreateServiceItem(ctx, &timetablev1.CreateServiceItemRequest{SchoolId: sc, TermId: term, Item: &timetablev1.ServiceItem{
		Kind: timetablev1.ItemKind_ITEM_KIND_BASIC_CARE, Name: "基础托管", Segment: 1, Windows: weekdays(15, 30, 16, 30)}})).GetItem().GetItemId()
	enrich := must(c.CreateServiceItem(ctx, &timetablev1.CreateServiceItemRequest{SchoolId: sc, TermId: term, Item: &timetablev1.ServiceItem{
		Kind: timetablev1.ItemKind_ITEM_KIND_ENRICHMENT, Name: "兴趣拓展", Segment: 2, Windows: weekdays(16, 30, 17, 30)}})).GetItem().GetItemId()
	pupil := func(name, class string) *timetablev1.Student {
		return &timetablev1.Student{ClassId: class, Name: name, Guardians: []*timetablev1.Guardian{{Name: name + "妈妈", Phone: "13900000000"}}}
	}
	// Students in a batch: a blank name and a class of no school refuse it whole.
	_, err := c.BatchCreateStudents(ctx, &timetablev1.BatchCreateStudentsRequest{SchoolId: sc, Students: []*timetablev1.Student{
		pupil("陈一", class), pupil("  ", class), pupil("林二", "cls_elsewhere")}})
	if f := violations(err); status.Code(err) != codes.InvalidArgument || len(f) != 2 || !f["students[1].name"] || !f["students[2].class_id"] {
		t.Errorf("students with a blank name and a foreign class: %v, fields %v", err, f)
	}
	if n := len(must(c.ListStudents(ctx, &timetablev1.ListStudentsRequest{SchoolId: sc})).GetStudents()); n != 0 {
		t.Errorf("the refused batch wrote %d students", n)
	}
	var students []string
	for _, st := range must(c.BatchCreateStudents(ctx, &timetablev1.BatchCreateStudentsRequest{SchoolId: sc, Students: []*timetablev1.Student{
		pupil("陈一", class), pupil("林二", class), pupil("黄三", class)}})).GetStudents() {
		students = append(students, st.GetStudentId())
	}
	if n := len(must(c.ListStudents(ctx, &timetablev1.ListStudentsRequest{SchoolId: sc})).GetStudents()); n != 3 || len(students) != 3 {
		t.Fatalf("after a batch of three: %d students listed, %d returned", n, len(students))
	}
	enr := func(st, item string, m int32) *timetablev1.Enrolment {
		return &timetablev1.Enrolment{StudentId: st, ItemId: item, StartDate: day(2026, m, 1)}
	}
	count := func() (approved, pending int) {
		for _, e := range must(c.ListEnrolments(ctx, &timetablev1.ListEnrolmentsRequest{SchoolId: sc, TermId: term})).GetEnrolments() {
			switch e.GetStatus() {
			case timetablev1.EnrolmentStatus_ENROLMENT_STATUS_APPROVED:
				approved++
			case timetablev1.EnrolmentStatus_ENROLMENT_STATUS_PENDING:
				pending++
			}
		}
		return approved, pending
	}

	// Bad rows: a start before the term, a student of no school, an item of none.
	_, err = c.BatchCreateEnrolments(ctx, &timetablev1.BatchCreateEnrolmentsRequest{SchoolId: sc, Approve: true, Enrolments: []*timetablev1.Enrolment{
		enr(students[0], basic, 9), enr(students[1], basic, 8), enr("stu_nobody", basic, 9), enr(students[2], "item_nothing", 9)}})
	fields := violations(err)
	if status.Code(err) != codes.InvalidArgument || len(fields) != 3 || !fields["enrolments[1].start_date"] ||
		!fields["enrolments[2].student_id"] || !fields["enrolments[3].item_id"] {
		t.Errorf("a batch with three bad rows: %v, fields %v; want InvalidArgument naming rows 1, 2 and 3", err, fields)
	}
	if a, p := count(); a+p != 0 {
		t.Errorf("the refused batch wrote %d approved and %d pending enrolments", a, p)
	}

	// A student twice in one item: refused whole at the database.
	_, err = c.BatchCreateEnrolments(ctx, &timetablev1.BatchCreateEnrolmentsRequest{SchoolId: sc, Enrolments: []*timetablev1.Enrolment{
		enr(students[0], basic, 9), enr(students[1], basic, 9), enr(students[1], basic, 10)}})
	if status.Code(err) != codes.AlreadyExists {
		t.Errorf("a batch with a duplicate: %v, want AlreadyExists", err)
	}
	if a, p := count(); a+p != 0 {
		t.Errorf("the duplicate batch wrote %d approved and %d pending enrolments", a, p)
	}

	// A good batch approved, and one left pending.
	got, err := c.BatchCreateEnrolments(ctx, &timetablev1.BatchCreateEnrolmentsRequest{SchoolId: sc, Approve: true, Enrolments: []*timetablev1.Enrolment{
		enr(students[0], basic, 9), enr(students[1], basic, 9), enr(students[0], enrich, 10)}})
	if err != nil || len(got.GetEnrolments()) != 3 || got.GetEnrolments()[2].GetStudentId() != students[0] ||
		got.GetEnrolments()[2].GetStatus() != timetablev1.EnrolmentStatus_ENROLMENT_STATUS_APPROVED || got.GetEnrolments()[0].GetClassId() != class {
		t.Fatalf("an approved batch: %v, %v", got, err)
	}
	if _, err := c.BatchCreateEnrolments(ctx, &timetablev1.BatchCreateEnrolmentsRequest{SchoolId: sc,
		Enrolments: []*timetablev1.Enrolment{enr(students[2], basic, 9)}}); err != nil {
		t.Fatal(err)
	}
	if a, p := count(); a != 3 || p != 1 {
		t.Errorf("after the good batches: %d approved, %d pending; want 3 and 1", a, p)
	}
	// Club choices in a batch: a bad row refuses the batch whole; a good
	// one records every student's choices, which the allocation then uses.
	club := func(name string, grades ...int32) string {
		return must(c.CreateClub(ctx, &timetablev1.CreateClubRequest{SchoolId: sc, TermId: term, Club: &timetablev1.Club{Name: name,
			ActivityKind: timetablev1.ActivityKind_ACTIVITY_KIND_READING, ProviderKind: timetablev1.ProviderKind_PROVIDER_KIND_SCHOOL,
			Capacity: 30, Grades: grades, RoomKind: timetablev1.RoomKind_ROOM_KIND_CLASSROOM, MeetingsPerWeek: 2}})).GetClub().GetClubId()
	}
	reading, older := club("绘本阅读", 1, 2), club("经典诵读", 3, 4)
	_, err = c.BatchSubmitClubChoices(ctx, &timetablev1.BatchSubmitClubChoicesRequest{SchoolId: sc, TermId: term, Choices: []*timetablev1.StudentClubChoices{
		{StudentId: students[0], ClubIds: []string{reading}}, {StudentId: students[1], ClubIds: []string{reading, older}},
		{StudentId: students[0], ClubIds: []string{reading}}}})
	fields = violations(err)
	if status.Code(err) != codes.InvalidArgument || len(fields) != 2 || !fields["choices[1].club_ids[1]"] || !fields["choices[2].student_id"] {
		t.Errorf("choices with a club of other grades and a student twice: %v, fields %v", err, fields)
	}
	if al := must(c.AllocateClubs(ctx, &timetablev1.AllocateClubsRequest{SchoolId: sc, TermId: term, Seed: 1})); al.GetReport().GetStudents() != 0 {
		t.Errorf("the refused choices were recorded: %v", al.GetReport())
	}
	got2 := must(c.BatchSubmitClubChoices(ctx, &timetablev1.BatchSubmitClubChoicesRequest{SchoolId: sc, TermId: term, Choices: []*timetablev1.StudentClubChoices{
		{StudentId: students[0], ClubIds: []string{reading}}, {StudentId: students[1], ClubIds: []string{reading}}, {StudentId: students[2], ClubIds: []string{reading}}}}))
	if got2.GetChoices() != 3 {
		t.Errorf("choices recorded = %d, want 3", got2.GetChoices())
	}
	if al := must(c.AllocateClubs(ctx, &timetablev1.AllocateClubsRequest{SchoolId: sc, TermId: term, Seed: 1})); al.GetReport().GetStudents() != 3 ||
		al.GetReport().GetFirstChoice() != 3 {
		t.Errorf("allocation after the batch: %v, want the three students placed first choice", al.GetReport())
	}

	// Empty and oversized batches are bad requests.
	if _, err := c.BatchCreateEnrolments(ctx, &timetablev1.BatchCreateEnrolmentsRequest{SchoolId: sc}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("an empty batch: %v", err)
	}
	big := make([]*timetablev1.Enrolment, 1001)
	for i := range big {
		big[i] = enr(students[0], basic, 9)
	}
	if _, err := c.BatchCreateEnrolments(ctx, &timetablev1.BatchCreateEnrolmentsRequest{SchoolId: sc, Enrolments: big}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("a batch of 1001: %v", err)
	}
}

// violations are the fields an InvalidArgument error names.
func violations(err error) map[string]bool {
	out := map[string]bool{}
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out[v.GetField()] = true
			}
		}
	}
	return out
}
