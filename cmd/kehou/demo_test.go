package main

import (
	"context"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestDemoLoadsResumesAndRepeats loads the demo district the way starts
// do on one database: two starts cut off after a number of calls (as if
// the process died there), a third that must complete it, and a fourth
// after a user renamed a school and the institution, which must change
// nothing. The end state is checked against the district's description
// (every student, class, room, club, staff member and enrolment exactly
// once), and as its users see it: the demo parent's two statements through
// the gateway with consistent totals, another child's 404, the calendar
// of the 2026 notice, a compliant and fully staffed first week, a month
// of approved hours and September's claims.
func TestDemoLoadsResumesAndRepeats(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	ctx := context.Background()
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// Two starts cut off: the first among the staff, the second (which
	// first reads what is there) further on, among the hours.
	const cut = 600
	for range 2 {
		if _, err := loadDemoWith(ctx, env.Run, log, demoOptions{failAfter: cut}); err == nil {
			t.Fatalf("a load cut off after %d calls succeeded; the demo is smaller than the test thinks", cut)
		}
	}
	began := time.Now()
	first, err := loadDemo(ctx, env.Run, log)
	took := time.Since(began)
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "demo step") || strings.Contains(line, "demo data ready") {
			t.Log(line)
		}
	}
	if err != nil {
		t.Fatalf("the load after the cut: %v", err)
	}
	t.Logf("the load after two cuts at %d calls: %d calls in %v", cut, first.Calls, took.Round(time.Millisecond))

	c, err := dialDemo(env.Run, env.Mint(systemtest.Bureau(DemoDistrictID)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	counts := demoCounts(t, c)
	for _, s := range demoDistrictSchools() {
		if got, want := counts[s.id], demoExpected(s); got != want {
			t.Errorf("%s: %+v, want %+v", s.name, got, want)
		}
	}

	// A user renames the primary school and the institution; the next
	// start finds them by their stable id and licence and changes nothing.
	primary := demoPrimarySchoolID
	if _, err := c.tt.UpdateSchool(ctx, &timetablev1.UpdateSchoolRequest{
		School:     &timetablev1.School{SchoolId: primary, Name: "三元区实验小学（改名）"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}}); err != nil {
		t.Fatalf("rename the primary school: %v", err)
	}
	inst, err := c.st.ListInstitutions(ctx, &staffingv1.ListInstitutionsRequest{DistrictId: DemoDistrictID})
	if err != nil || len(inst.GetInstitutions()) != 1 {
		t.Fatalf("institutions: %v, %v", inst, err)
	}
	in := inst.GetInstitutions()[0]
	if _, err := c.st.UpdateInstitution(ctx, &staffingv1.UpdateInstitutionRequest{
		Institution: &staffingv1.Institution{DistrictId: DemoDistrictID, InstitutionId: in.GetInstitutionId(), Name: in.GetName() + "（改名）"},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"name"}}}); err != nil {
		t.Fatalf("rename the institution: %v", err)
	}
	began = time.Now()
	second, err := loadDemo(ctx, env.Run, log)
	if err != nil {
		t.Fatalf("the repeated load: %v", err)
	}
	t.Logf("the repeated load: %d calls in %v", second.Calls, time.Since(began).Round(time.Millisecond))
	if again := demoCounts(t, c); !maps.Equal(again, counts) {
		t.Errorf("the repeated load changed the data: %+v, was %+v", again, counts)
	}
	if strings.Join(second.Paths, " ") != strings.Join(first.Paths, " ") || len(first.Paths) != 4 {
		t.Errorf("banner paths %v then %v, want the same four", first.Paths, second.Paths)
	}
	if list, _ := c.tt.ListSchools(ctx, &timetablev1.ListSchoolsRequest{DistrictId: DemoDistrictID}); len(list.GetSchools()) != 3 {
		t.Errorf("%d schools, want 3", len(list.GetSchools()))
	}
	if inst, _ := c.st.ListInstitutions(ctx, &staffingv1.ListInstitutionsRequest{DistrictId: DemoDistrictID}); len(inst.GetInstitutions()) != 1 {
		t.Errorf("%d institutions after the renames, want 1", len(inst.GetInstitutions()))
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("demo warned: %s", logs.String())
	}

	demoCheckAccounts(t, env, c, second)
	demoCheckCalendarAndWeek(t, c)
	demoCheckHoursAndClaims(t, c)
}

// demoCheckAccounts signs in as every demo account and, as the parent,
// reads both children's statements through the gateway: the totals are the
// bureau's, each statement's parent total is its lines' sum and the
// route's parent_total their sum; other children's statements are 404.
func demoCheckAccounts(t *testing.T, env *systemtest.Env, c *demoClients, res demoResult) {
	t.Helper()
	if len(res.Accounts) != 7 {
		t.Errorf("demo accounts %v, want one per role (7)", res.Accounts)
	}
	for _, a := range res.Accounts {
		env.SignIn(t, a.Login, demoPassword) // fails the test unless it signs in
	}
	parent := env.As(env.SignIn(t, "demo.parent", demoPassword))
	bureau := env.As(env.SignIn(t, "demo.bureau", demoPassword))
	for _, path := range res.Paths[2:] {
		mine, all := parent.Do(t, "GET", path, nil), bureau.Do(t, "GET", path, nil)
		total := systemtest.Str(mine.Body, "parent_total", "amount")
		if mine.Code != 200 || total == "" || total != systemtest.Str(all.Body, "parent_total", "amount") {
			t.Errorf("the parent's %s: %d %.300s; the bureau sees %.300s", path, mine.Code, mine.Raw, all.Raw)
			continue
		}
		sum := decimal.Zero
		sts, _ := systemtest.Get(mine.Body, "statements").([]any)
		for _, st := range sts {
			lines := decimal.Zero
			ls, _ := systemtest.Get(st, "lines").([]any)
			for _, l := range ls {
				lines = lines.Add(demoDec(t, systemtest.Str(l, "parent", "amount")))
			}
			own := demoDec(t, systemtest.Str(st, "totals", "parent", "amount"))
			if !lines.Equal(own) || len(ls) == 0 {
				t.Errorf("statement %s: lines sum to %s, totals.parent %s", systemtest.Str(st, "statement_id"), lines, own)
			}
			sum = sum.Add(own)
		}
		if len(sts) == 0 || !sum.Equal(demoDec(t, total)) {
			t.Errorf("%s: %d statements summing to %s, parent_total %s", path, len(sts), sum, total)
		}
		t.Logf("the demo parent's %s: %d statements, parent_total %s", path, len(sts), total)
	}
	others := 0
	for _, school := range []string{demoPrimarySchoolID, demoMiddleSchoolID, demoRuralSchoolID} {
		term, err := findDemoTerm(context.Background(), c, school)
		if err != nil {
			t.Fatal(err)
		}
		roster, err := c.tt.ListStudents(context.Background(), &timetablev1.ListStudentsRequest{SchoolId: school, PageSize: 8})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range roster.GetStudents() {
			if st.GetName() == demoChildPrimary || st.GetName() == demoChildMiddle {
				continue
			}
			others++
			path := "/v1/schools/" + school + "/students/" + st.GetStudentId() + "/terms/" + term + "/statements"
			if r := parent.Do(t, "GET", path, nil); r.Code != 404 {
				t.Errorf("the demo parent reading another child's statements: %d, want 404", r.Code)
			}
		}
	}
	if others < 20 {
		t.Errorf("only %d other children checked", others)
	}
}

func demoCheckCalendarAndWeek(t *testing.T, c *demoClients) {
	t.Helper()
	ctx := context.Background()
	for _, s := range demoDistrictSchools() {
		term, err := findDemoTerm(ctx, c, s.id)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := c.tt.GetCalendar(ctx, &timetablev1.GetCalendarRequest{SchoolId: s.id, TermId: term})
		if err != nil {
			t.Fatal(err)
		}
		want := map[[2]int32]bool{{9, 20}: true, {9, 25}: false, {10, 1}: false, {10, 5}: false, {10, 7}: false, {10, 8}: true, {10, 10}: true}
		for _, d := range cal.GetDays() {
			k := [2]int32{d.GetDate().GetMonth(), d.GetDate().GetDay()}
			if w, ok := want[k]; ok && d.GetDate().GetYear() == 2026 {
				if d.GetSchoolDay() != w {
					t.Errorf("%s: %v school day = %v, want %v (the 2026 holiday notice)", s.name, k, d.GetSchoolDay(), w)
				}
				delete(want, k)
			}
		}
		if len(want) > 0 {
			t.Errorf("%s: the calendar lacks %v", s.name, want)
		}
		rep, err := c.tt.GetComplianceReport(ctx, &timetablev1.GetComplianceReportRequest{SchoolId: s.id, TermId: term, WeekOf: demoWeek()})
		if err != nil || !rep.GetReport().GetCompliant() {
			t.Errorf("%s: compliance of the week of 7 September = %v, %v; want compliant", s.name, rep, err)
		}
		plan, err := c.tt.GetPlan(ctx, &timetablev1.GetPlanRequest{SchoolId: s.id, TermId: term})
		if err != nil || len(plan.GetPlan().GetPlacements()) == 0 {
			t.Errorf("%s: plan = %v, %v; want placements", s.name, plan, err)
		}
		grid, err := c.st.GetStaffingGrid(ctx, &staffingv1.GetStaffingGridRequest{SchoolId: s.id, WeekStart: demoWeek()})
		if err != nil {
			t.Fatal(err)
		}
		f := grid.GetGrid().GetFairness()
		t.Logf("%s: plan %d placements, %d unplaced; first week %d assignments, needed %d covered %d hard %d",
			s.name, len(plan.GetPlan().GetPlacements()), len(plan.GetPlan().GetUnplaced()), len(grid.GetGrid().GetAssignments()),
			f.GetNeeded(), f.GetCovered(), f.GetHardViolations())
		if len(grid.GetGrid().GetAssignments()) == 0 || f.GetHardViolations() != 0 || f.GetCovered() != f.GetNeeded() {
			t.Errorf("%s: first week %d assignments, uncovered %.1500v; want all covered, no hard violation",
				s.name, len(grid.GetGrid().GetAssignments()), grid.GetGrid().GetUncovered())
		}
	}
}

// demoCheckHoursAndClaims: the rural school's September hours are all
// approved, and September's claims name both subsidy payers and the civil
// affairs office for the waivers.
func demoCheckHoursAndClaims(t *testing.T, c *demoClients) {
	t.Helper()
	ctx := context.Background()
	staff, err := c.st.ListStaff(ctx, &staffingv1.ListStaffRequest{SchoolId: demoRuralSchoolID, PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	entries, approved := 0, 0
	for _, m := range staff.GetStaff() {
		tt, err := c.st.GetStaffTimetable(ctx, &staffingv1.GetStaffTimetableRequest{SchoolId: demoRuralSchoolID, StaffId: m.GetStaffId(),
			From: day(2026, 9, 7), To: day(2026, 9, 30)})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range tt.GetEntries() {
			if e.GetAssignment().GetStatus() != "active" {
				continue
			}
			entries++
			if e.GetRecord().GetStatus() == "approved" {
				approved++
			}
		}
	}
	if entries < 200 || approved != entries {
		t.Errorf("rural school, 7-30 September: %d of %d assignments approved; want all of a month's", approved, entries)
	}
	t.Logf("rural school, 7-30 September: %d assignments, all approved", entries)
	claims, err := c.fees.ListClaims(ctx, &billingv1.ListClaimsRequest{DistrictId: DemoDistrictID, From: day(2026, 9, 1), To: day(2026, 9, 30)})
	if err != nil {
		t.Fatal(err)
	}
	if len(claims.GetSubsidies()) != 2 || len(claims.GetWaivers()) != 1 || claims.GetWaivers()[0].GetPartyId() != "district_civil_affairs" {
		t.Errorf("September claims = %v, want city and district subsidies and the civil affairs waivers (低保, 特困)", claims)
	}
	t.Logf("September claims: %v", claims)
}

func demoDec(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return d
}

// demoFacts counts what a load must make exactly once.
type demoFacts struct {
	students, classes, rooms, clubs, staff, terms int
	approved, pending, statements, payments       int
}

// demoExpected is what the description of a school says it has.
func demoExpected(s demoSchool) demoFacts {
	f := demoFacts{classes: len(s.grades) * s.classesPerGrade, terms: 1, pending: 1}
	roster := s.roster()
	f.students = len(roster)
	f.rooms = f.classes + len(s.rooms)
	for _, c := range s.clubs {
		f.clubs += len(c.names())
	}
	f.staff = len(s.staff())
	pendingName, pendingKind := demoPending(roster, s.items)
	for _, p := range roster {
		served := false
		for _, it := range s.items {
			if !p.services(it.kind) {
				continue
			}
			if p.name == pendingName && it.kind == pendingKind {
				continue
			}
			f.approved++
			served = true
		}
		if served {
			f.statements++
		}
	}
	if s.id == demoPrimarySchoolID {
		f.payments = 1
	}
	return f
}

func demoCounts(t *testing.T, c *demoClients) map[string]demoFacts {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]demoFacts{}
	for _, s := range demoDistrictSchools() {
		var f demoFacts
		term, err := findDemoTerm(ctx, c, s.id)
		must(err)
		sts, err := demoStudents(ctx, c, s.id)
		must(err)
		f.students = len(sts)
		classes, err := c.tt.ListClasses(ctx, &timetablev1.ListClassesRequest{SchoolId: s.id})
		must(err)
		f.classes = len(classes.GetClasses())
		rooms, err := c.tt.ListRooms(ctx, &timetablev1.ListRoomsRequest{SchoolId: s.id})
		must(err)
		f.rooms = len(rooms.GetRooms())
		clubs, err := c.tt.ListClubs(ctx, &timetablev1.ListClubsRequest{SchoolId: s.id, TermId: term})
		must(err)
		f.clubs = len(clubs.GetClubs())
		staff, err := c.st.ListStaff(ctx, &staffingv1.ListStaffRequest{SchoolId: s.id, PageSize: 500})
		must(err)
		f.staff = len(staff.GetStaff())
		terms, err := c.tt.ListTerms(ctx, &timetablev1.ListTermsRequest{SchoolId: s.id})
		must(err)
		f.terms = len(terms.GetTerms())
		enr, err := c.tt.ListEnrolments(ctx, &timetablev1.ListEnrolmentsRequest{SchoolId: s.id, TermId: term})
		must(err)
		for _, e := range enr.GetEnrolments() {
			switch e.GetStatus() {
			case timetablev1.EnrolmentStatus_ENROLMENT_STATUS_APPROVED:
				f.approved++
			case timetablev1.EnrolmentStatus_ENROLMENT_STATUS_PENDING:
				f.pending++
			}
		}
		claims, err := c.fees.ListClaims(ctx, &billingv1.ListClaimsRequest{DistrictId: DemoDistrictID, SchoolId: s.id,
			From: day(2026, 9, 1), To: day(2026, 9, 30)})
		must(err)
		f.statements = int(claims.GetStatements())
		pays, err := c.pay.ListPayments(ctx, &billingv1.ListPaymentsRequest{SchoolId: s.id})
		must(err)
		f.payments = len(pays.GetPayments())
		out[s.id] = f
	}
	return out
}
