package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/system/systemtest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestDemoLoadsEverythingAndIsIdempotent loads the demo twice into one
// running system (what two `kehou serve --demo` starts on one database
// do) and checks the facts a newcomer sees: a plan with placements,
// enrolments and allocated clubs, a staffed first week without hard
// violations, September's statements and a payment — and that the second
// load duplicated nothing.
func TestDemoLoadsEverythingAndIsIdempotent(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	ctx := context.Background()
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	first, err := loadDemo(context.Background(), env.Run, log)
	if err != nil {
		t.Fatalf("first load: %v", err)
	}
	// The checks read as the demo district's bureau administrator.
	c, err := dialDemo(env.Run, env.Mint(systemtest.Bureau(DemoDistrictID)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	school := findSchool(t, c)
	term, err := findDemoTerm(ctx, c, school)
	if err != nil || term == "" {
		t.Fatalf("demo term = %q, %v", term, err)
	}
	counts := demoCounts(t, c, school, term)
	t.Logf("after the first load: %+v; banner %v", counts, first.Paths)

	second, err := loadDemo(context.Background(), env.Run, log)
	if err != nil {
		t.Fatalf("second load: %v", err)
	}
	if again := demoCounts(t, c, school, term); again != counts {
		t.Errorf("second load changed the data: %+v, was %+v", again, counts)
	}
	if strings.Join(second.Paths, " ") != strings.Join(first.Paths, " ") || len(first.Paths) != 3 {
		t.Errorf("banner paths %v then %v, want the same three", first.Paths, second.Paths)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("demo warned: %s", logs.String())
	}

	// One sign-in per role; as the demo parent the family's statement is
	// readable with the bureau's totals, every other child's is 404.
	if len(second.Accounts) != 4 {
		t.Errorf("demo accounts %v, want one per demo role (4)", second.Accounts)
	}
	parent := env.As(env.SignIn(t, "demo.parent", demoPassword))
	bureau := env.As(env.SignIn(t, "demo.bureau", demoPassword))
	statement := first.Paths[len(first.Paths)-1]
	mine, all := parent.Do(t, "GET", statement, nil), bureau.Do(t, "GET", statement, nil)
	if mine.Code != 200 || systemtest.Str(mine.Body, "parent_total", "amount") == "" ||
		systemtest.Str(mine.Body, "parent_total", "amount") != systemtest.Str(all.Body, "parent_total", "amount") {
		t.Errorf("the parent's statement: %d %.300s; the bureau sees %.300s", mine.Code, mine.Raw, all.Raw)
	}
	roster, err := c.tt.ListStudents(ctx, &timetablev1.ListStudentsRequest{SchoolId: school, PageSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	others := 0
	for _, st := range roster.GetStudents() {
		if strings.Contains(statement, st.GetStudentId()) {
			continue
		}
		others++
		path := "/v1/schools/" + school + "/students/" + st.GetStudentId() + "/terms/" + term + "/statements"
		if r := parent.Do(t, "GET", path, nil); r.Code != 404 {
			t.Errorf("the demo parent reading another child's statements: %d, want 404", r.Code)
		}
	}
	if others == 0 {
		t.Error("no other child to check")
	}

	// Timetable: a plan, enrolments, clubs allocated, a compliant first full week.
	plan, err := c.tt.GetPlan(ctx, &timetablev1.GetPlanRequest{SchoolId: school, TermId: term})
	if err != nil || len(plan.GetPlan().GetPlacements()) == 0 {
		t.Fatalf("plan = %v, %v; want placements", plan, err)
	}
	if counts.students < 20 || counts.approved < counts.students {
		t.Errorf("counts = %+v, want 20+ students and an approved enrolment per student or more", counts)
	}
	if counts.clubs < 4 || counts.members == 0 {
		t.Errorf("counts = %+v, want 4+ clubs with members", counts)
	}
	cal, err := c.tt.GetCalendar(ctx, &timetablev1.GetCalendarRequest{SchoolId: school, TermId: term})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cal.GetDays() {
		if d.GetDate().GetMonth() == 10 && d.GetDate().GetDay() == 10 && !d.GetSchoolDay() {
			t.Errorf("the 调休 Saturday is not a school day: %v", d)
		}
		if d.GetDate().GetMonth() == 10 && d.GetDate().GetDay() == 5 && d.GetSchoolDay() {
			t.Errorf("国庆 Monday is a school day: %v", d)
		}
	}
	rep, err := c.tt.GetComplianceReport(ctx, &timetablev1.GetComplianceReportRequest{SchoolId: school, TermId: term, WeekOf: day(2026, 9, 7)})
	if err != nil || !rep.GetReport().GetCompliant() {
		t.Errorf("compliance of the week of 7 September = %v, %v; want compliant", rep, err)
	}

	// Staffing: the first week is staffed without hard violations; hours approved.
	grid, err := c.st.GetStaffingGrid(ctx, &staffingv1.GetStaffingGridRequest{SchoolId: school, WeekStart: demoWeek()})
	if err != nil {
		t.Fatal(err)
	}
	f := grid.GetGrid().GetFairness()
	t.Logf("plan: %d placements, %d unplaced; first week: %d assignments, fairness needed %d covered %d hard %d",
		len(plan.GetPlan().GetPlacements()), len(plan.GetPlan().GetUnplaced()), len(grid.GetGrid().GetAssignments()),
		f.GetNeeded(), f.GetCovered(), f.GetHardViolations())
	if len(grid.GetGrid().GetAssignments()) == 0 || f.GetHardViolations() != 0 || f.GetCovered() != f.GetNeeded() {
		t.Errorf("first week: %d assignments, fairness %v, uncovered %v; want assignments, all covered, 0 hard violations",
			len(grid.GetGrid().GetAssignments()), f, grid.GetGrid().GetUncovered())
	}

	// Billing: September's statements and one payment.
	if counts.statements == 0 || counts.payments != 1 {
		t.Errorf("counts = %+v, want statements and exactly one payment", counts)
	}
	claims, err := c.fees.ListClaims(ctx, &billingv1.ListClaimsRequest{DistrictId: DemoDistrictID, From: day(2026, 9, 1), To: day(2026, 9, 30)})
	if err != nil {
		t.Fatal(err)
	}
	if len(claims.GetSubsidies()) != 2 || len(claims.GetWaivers()) != 1 || claims.GetWaivers()[0].GetPartyId() != "district_civil_affairs" {
		t.Errorf("September claims = %v, want city and district subsidies and the civil affairs waivers (低保, 特困)", claims)
	}
	t.Logf("September claims: %v", claims)
}

func findSchool(t *testing.T, c *demoClients) string {
	t.Helper()
	list, err := c.tt.ListSchools(context.Background(), &timetablev1.ListSchoolsRequest{DistrictId: DemoDistrictID, PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetSchools()) != 3 {
		t.Errorf("demo schools = %d, want 3", len(list.GetSchools()))
	}
	for _, s := range list.GetSchools() {
		if s.GetName() == demoPrimarySchool {
			return s.GetSchoolId()
		}
	}
	t.Fatalf("no %s in %v", demoPrimarySchool, list)
	return ""
}

// demoFacts counts what a repeated load must not duplicate.
type demoFacts struct {
	students, approved, clubs, members, staff, rooms, terms int
	statements, payments, schedules                         int
}

func demoCounts(t *testing.T, c *demoClients, school, term string) demoFacts {
	t.Helper()
	ctx := context.Background()
	var f demoFacts
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sts, err := c.tt.ListStudents(ctx, &timetablev1.ListStudentsRequest{SchoolId: school, PageSize: 500})
	must(err)
	f.students = len(sts.GetStudents())
	enr, err := c.tt.ListEnrolments(ctx, &timetablev1.ListEnrolmentsRequest{SchoolId: school, TermId: term})
	must(err)
	for _, e := range enr.GetEnrolments() {
		if e.GetStatus() == timetablev1.EnrolmentStatus_ENROLMENT_STATUS_APPROVED {
			f.approved++
		}
	}
	clubs, err := c.tt.ListClubs(ctx, &timetablev1.ListClubsRequest{SchoolId: school, TermId: term})
	must(err)
	f.clubs = len(clubs.GetClubs())
	for _, cl := range clubs.GetClubs() {
		f.members += int(cl.GetMembers())
	}
	staff, err := c.st.ListStaff(ctx, &staffingv1.ListStaffRequest{SchoolId: school, PageSize: 500})
	must(err)
	f.staff = len(staff.GetStaff())
	rooms, err := c.tt.ListRooms(ctx, &timetablev1.ListRoomsRequest{SchoolId: school})
	must(err)
	f.rooms = len(rooms.GetRooms())
	terms, err := c.tt.ListTerms(ctx, &timetablev1.ListTermsRequest{SchoolId: school})
	must(err)
	f.terms = len(terms.GetTerms())
	for _, s := range sts.GetStudents() {
		got, err := c.fees.ListStudentStatements(ctx, &billingv1.ListStudentStatementsRequest{SchoolId: school, StudentId: s.GetStudentId(), TermId: term})
		must(err)
		f.statements += len(got.GetStatements())
	}
	pays, err := c.pay.ListPayments(ctx, &billingv1.ListPaymentsRequest{SchoolId: school})
	must(err)
	f.payments = len(pays.GetPayments())
	sch, err := c.fees.ListFeeSchedules(ctx, &billingv1.ListFeeSchedulesRequest{DistrictId: DemoDistrictID})
	must(err)
	f.schedules = len(sch.GetSchedules())
	return f
}

// TestDemoStartsAfterItsDataWasEdited renames the demo's primary school
// and its institution (what a user trying the demo does) and loads the
// demo again, as the next `make run` would: it finds its schools by their
// stable ids, creates nothing twice and does not fail.
func TestDemoStartsAfterItsDataWasEdited(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	ctx := context.Background()
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if _, err := loadDemo(ctx, env.Run, log); err != nil {
		t.Fatalf("first load: %v", err)
	}
	c, err := dialDemo(env.Run, env.Mint(systemtest.Bureau(DemoDistrictID)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	primary := findSchool(t, c)
	if _, err := c.tt.UpdateSchool(ctx, &timetablev1.UpdateSchoolRequest{
		School:     &timetablev1.School{SchoolId: primary, Name: "三元区实验小学（改名）"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}}); err != nil {
		t.Fatalf("rename the primary school: %v", err)
	}
	inst, err := c.st.ListInstitutions(ctx, &staffingv1.ListInstitutionsRequest{DistrictId: DemoDistrictID})
	if err != nil || len(inst.GetInstitutions()) == 0 {
		t.Fatalf("institutions: %v, %v", inst, err)
	}
	in := inst.GetInstitutions()[0]
	if _, err := c.st.UpdateInstitution(ctx, &staffingv1.UpdateInstitutionRequest{
		Institution: &staffingv1.Institution{DistrictId: DemoDistrictID, InstitutionId: in.GetInstitutionId(), Name: in.GetName() + "（改名）"},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"name"}}}); err != nil {
		t.Fatalf("rename the institution: %v", err)
	}
	res, err := loadDemo(ctx, env.Run, log)
	if err != nil {
		t.Fatalf("load after the renames: %v", err)
	}
	list, err := c.tt.ListSchools(ctx, &timetablev1.ListSchoolsRequest{DistrictId: DemoDistrictID, PageSize: 500})
	if err != nil || len(list.GetSchools()) != 3 {
		t.Fatalf("schools after the renames: %d (%v), want the same 3", len(list.GetSchools()), err)
	}
	if len(res.Paths) != 3 || !strings.Contains(strings.Join(res.Paths, " "), primary) {
		t.Errorf("banner paths %v, want three on %s", res.Paths, primary)
	}
	if inst, _ := c.st.ListInstitutions(ctx, &staffingv1.ListInstitutionsRequest{DistrictId: DemoDistrictID}); len(inst.GetInstitutions()) != 1 {
		t.Errorf("%d institutions after the renames, want 1", len(inst.GetInstitutions()))
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("demo warned: %s", logs.String())
	}
}
