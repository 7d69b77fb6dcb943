package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// demoInstitution registers the outside institution (approved, licensed
// until 2030) with a course, lets it serve up to three schools and links
// it to the demo school; it returns the institution id.
func demoInstitution(ctx context.Context, c *demoClients, school string) (string, error) {
	if _, err := c.st.SetDistrictStaffingPolicy(ctx, &staffingv1.SetDistrictStaffingPolicyRequest{
		DistrictId: DemoDistrictID, MaxSchoolsPerInstitution: 3}); err != nil {
		return "", fmt.Errorf("staffing policy: %w", err)
	}
	resp, err := c.st.CreateInstitution(ctx, &staffingv1.CreateInstitutionRequest{DistrictId: DemoDistrictID,
		Institution: &staffingv1.Institution{Name: demoInstitutionName, LicenceNo: "JY-350402-0018", Approved: true,
			LicenceValidFrom: day(2024, 1, 1), LicenceValidUntil: day(2030, 12, 31),
			Courses: []*staffingv1.Course{{Name: "少儿篮球", ActivityKind: "sports", PricePerPeriod: yuan("45.00")}}}})
	if err != nil {
		return "", fmt.Errorf("create institution: %w", err)
	}
	id := resp.GetInstitution().GetInstitutionId()
	if _, err := c.st.AddInstitutionSchool(ctx, &staffingv1.AddInstitutionSchoolRequest{DistrictId: DemoDistrictID,
		InstitutionId: id, SchoolId: school}); err != nil {
		return "", fmt.Errorf("link institution: %w", err)
	}
	return id, nil
}

// demoStaffing registers the school's staff with their subjects,
// qualifications, availability and limits, opts them in for the term,
// solves the first full week and checks in, out and approves three
// sessions of its Monday.
func demoStaffing(ctx context.Context, c *demoClients, school string) error {
	term, err := findDemoTerm(ctx, c, school)
	if err != nil {
		return err
	}
	if term == "" {
		return errors.New("the demo term is missing")
	}
	classes, err := c.tt.ListClasses(ctx, &timetablev1.ListClassesRequest{SchoolId: school})
	if err != nil {
		return fmt.Errorf("list classes: %w", err)
	}
	classOf := map[int32]string{}
	for _, cl := range classes.GetClasses() {
		classOf[cl.GetGrade()] = cl.GetClassId()
	}
	inst, err := c.st.ListInstitutions(ctx, &staffingv1.ListInstitutionsRequest{DistrictId: DemoDistrictID})
	if err != nil {
		return fmt.Errorf("list institutions: %w", err)
	}
	institution := ""
	for _, in := range inst.GetInstitutions() {
		if in.GetName() == demoInstitutionName {
			institution = in.GetInstitutionId()
		}
	}
	teacher := staffingv1.StaffKind_STAFF_KIND_TEACHER
	days := func(ws ...int32) []*staffingv1.AvailabilitySlot {
		var out []*staffingv1.AvailabilitySlot
		for _, w := range ws {
			out = append(out, &staffingv1.AvailabilitySlot{Weekday: w})
		}
		return out
	}
	staff := []*staffingv1.StaffMember{
		{Name: "林老师", Kind: teacher, ClassTeacherOf: classOf[1], ClassesTaught: []string{classOf[1]}, Subjects: []string{"语文"}, Qualifications: []string{"reading"}},
		{Name: "陈老师", Kind: teacher, ClassTeacherOf: classOf[2], ClassesTaught: []string{classOf[2]}, Subjects: []string{"数学"}, Qualifications: []string{"science"}},
		{Name: "黄老师", Kind: teacher, ClassTeacherOf: classOf[3], ClassesTaught: []string{classOf[3]}, Subjects: []string{"语文"}, Qualifications: []string{"arts", "calligraphy"}},
		{Name: "郑老师", Kind: teacher, ClassTeacherOf: classOf[4], ClassesTaught: []string{classOf[4]}, Subjects: []string{"英语"}, Qualifications: []string{"reading"}},
		{Name: "吴老师", Kind: teacher, ClassesTaught: []string{classOf[3], classOf[4]}, Subjects: []string{"科学"}, Qualifications: []string{"science"}},
		{Name: "何老师", Kind: teacher, ClassesTaught: []string{classOf[1], classOf[2]}, Subjects: []string{"书法"}, Qualifications: []string{"calligraphy", "arts"}},
		{Name: "罗老师", Kind: teacher, Subjects: []string{"体育"}, Qualifications: []string{"sports"}},
		{Name: "许老师", Kind: teacher, Subjects: []string{"数学"}, Availability: days(1, 3, 5)},
		{Name: "谢老师", Kind: teacher, Subjects: []string{"音乐"}, Qualifications: []string{"arts"}},
		{Name: "周主任", Kind: staffingv1.StaffKind_STAFF_KIND_ADMIN, Limits: &staffingv1.StaffLimits{MaxPeriodsPerWeek: 20}},
	}
	if institution != "" {
		staff = append(staff, &staffingv1.StaffMember{Name: "孙教练", Kind: staffingv1.StaffKind_STAFF_KIND_OUTSIDE_INSTRUCTOR,
			InstitutionId: institution, Qualifications: []string{"sports"}})
	}
	for _, m := range staff {
		resp, err := c.st.CreateStaffMember(ctx, &staffingv1.CreateStaffMemberRequest{SchoolId: school, StaffMember: m})
		if err != nil {
			return fmt.Errorf("create staff %s: %w", m.GetName(), err)
		}
		if _, err := c.st.SetTermParticipation(ctx, &staffingv1.SetTermParticipationRequest{SchoolId: school,
			StaffId: resp.GetStaffMember().GetStaffId(), TermId: term, OptedIn: true}); err != nil {
			return fmt.Errorf("opt in %s: %w", m.GetName(), err)
		}
	}
	grid, err := c.st.SolveWeek(ctx, &staffingv1.SolveWeekRequest{SchoolId: school, TermId: term, WeekStart: demoWeek(), Seed: 2026})
	if err != nil {
		return fmt.Errorf("solve week: %w", err)
	}
	return demoHours(ctx, c, school, grid.GetGrid())
}

// demoHours records the first three sessions of Monday 7 September as
// worked: checked in two minutes early, out on time, approved by 周主任.
func demoHours(ctx context.Context, c *demoClients, school string, grid *staffingv1.StaffingGrid) error {
	cst := time.FixedZone("CST", 8*3600)
	at := func(a *staffingv1.Assignment, h, m int32) *timestamppb.Timestamp {
		d := a.GetDate()
		return timestamppb.New(time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), int(h), int(m), 0, 0, cst))
	}
	done := 0
	for _, a := range grid.GetAssignments() {
		if done == 3 {
			break
		}
		if a.GetDate().GetMonth() != 9 || a.GetDate().GetDay() != 7 {
			continue
		}
		in, err := c.st.CheckIn(ctx, &staffingv1.CheckInRequest{SchoolId: school, AssignmentId: a.GetAssignmentId(),
			Time: at(a, a.GetStart().GetHours(), a.GetStart().GetMinutes()-2)})
		if err != nil {
			return fmt.Errorf("check in: %w", err)
		}
		rec := in.GetRecord().GetRecordId()
		if _, err := c.st.CheckOut(ctx, &staffingv1.CheckOutRequest{SchoolId: school, RecordId: rec,
			Time: at(a, a.GetEnd().GetHours(), a.GetEnd().GetMinutes()), Duty: "taught"}); err != nil {
			return fmt.Errorf("check out: %w", err)
		}
		if _, err := c.st.ApproveHourRecord(ctx, &staffingv1.ApproveHourRecordRequest{SchoolId: school, RecordId: rec,
			ApprovedBy: "周主任"}); err != nil {
			return fmt.Errorf("approve hours: %w", err)
		}
		done++
	}
	return nil
}
