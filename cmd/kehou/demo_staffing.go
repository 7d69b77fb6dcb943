package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// demoInstitution makes sure the outside institution exists (approved,
// licensed until 2030, found by its licence number so a rename keeps it),
// may serve the three schools and is linked to each; it returns its id.
func demoInstitution(ctx context.Context, c *demoClients, schools []demoSchool) (string, error) {
	if _, err := c.st.SetDistrictStaffingPolicy(ctx, &staffingv1.SetDistrictStaffingPolicyRequest{
		DistrictId: DemoDistrictID, MaxSchoolsPerInstitution: 3}); err != nil {
		return "", fmt.Errorf("staffing policy: %w", err)
	}
	list, err := c.st.ListInstitutions(ctx, &staffingv1.ListInstitutionsRequest{DistrictId: DemoDistrictID})
	if err != nil {
		return "", fmt.Errorf("list institutions: %w", err)
	}
	var inst *staffingv1.Institution
	for _, in := range list.GetInstitutions() {
		if in.GetLicenceNo() == demoInstitutionLicence {
			inst = in
		}
	}
	if inst == nil {
		resp, err := c.st.CreateInstitution(ctx, &staffingv1.CreateInstitutionRequest{DistrictId: DemoDistrictID,
			Institution: &staffingv1.Institution{Name: demoInstitutionName, LicenceNo: demoInstitutionLicence, Approved: true,
				LicenceValidFrom: day(2024, 1, 1), LicenceValidUntil: day(2030, 12, 31),
				Courses: []*staffingv1.Course{
					{Name: "少儿篮球", ActivityKind: "sports", PricePerPeriod: yuan("45.00")},
					{Name: "校园足球", ActivityKind: "sports", PricePerPeriod: yuan("40.00")},
				}}})
		if err != nil {
			return "", fmt.Errorf("create institution: %w", err)
		}
		inst = resp.GetInstitution()
	}
	for _, s := range schools {
		if slices.Contains(inst.GetSchoolIds(), s.id) {
			continue
		}
		if _, err := c.st.AddInstitutionSchool(ctx, &staffingv1.AddInstitutionSchoolRequest{DistrictId: DemoDistrictID,
			InstitutionId: inst.GetInstitutionId(), SchoolId: s.id}); err != nil {
			return "", fmt.Errorf("link institution to %s: %w", s.name, err)
		}
	}
	return inst.GetInstitutionId(), nil
}

// demoEnsureStaff registers the school's missing staff and opts everyone
// in for the term (setting it again changes nothing); it returns staff
// ids by name.
func demoEnsureStaff(ctx context.Context, c *demoClients, s demoSchool, term string, classes map[string]string, institution string) (map[string]string, error) {
	ids := map[string]string{}
	token := ""
	for {
		page, err := c.st.ListStaff(ctx, &staffingv1.ListStaffRequest{SchoolId: s.id, PageSize: 500, PageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list staff: %w", err)
		}
		for _, m := range page.GetStaff() {
			ids[m.GetName()] = m.GetStaffId()
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	specs := missingOf(s.staff(), func(m demoStaffSpec) bool { return !m.institution || institution != "" })
	var mu sync.Mutex
	return ids, c.each(ctx, len(specs), func(ctx context.Context, i int) error {
		m := specs[i]
		mu.Lock()
		id := ids[m.name]
		mu.Unlock()
		if id == "" {
			member := &staffingv1.StaffMember{Name: m.name, Kind: m.kind, ClassTeacherOf: classes[m.classTeacherOf],
				Subjects: m.subjects, Qualifications: m.qualifications, Limits: m.limits}
			for _, cl := range m.classesTaught {
				member.ClassesTaught = append(member.ClassesTaught, classes[cl])
			}
			if m.institution {
				member.InstitutionId = institution
			}
			resp, err := c.st.CreateStaffMember(ctx, &staffingv1.CreateStaffMemberRequest{SchoolId: s.id, StaffMember: member})
			if err != nil {
				return fmt.Errorf("create staff %s: %w", m.name, err)
			}
			id = resp.GetStaffMember().GetStaffId()
			mu.Lock()
			ids[m.name] = id
			mu.Unlock()
		}
		if _, err := c.st.SetTermParticipation(ctx, &staffingv1.SetTermParticipationRequest{SchoolId: s.id,
			StaffId: id, TermId: term, OptedIn: true}); err != nil {
			return fmt.Errorf("opt in %s: %w", m.name, err)
		}
		return nil
	})
}

// demoEnsureWeeks solves the demo's weeks that have no assignments yet.
func demoEnsureWeeks(ctx context.Context, c *demoClients, school, term string, month bool) error {
	for _, w := range demoWeeks(month) {
		grid, err := c.st.GetStaffingGrid(ctx, &staffingv1.GetStaffingGridRequest{SchoolId: school, WeekStart: w})
		if err != nil && status.Code(err) != codes.NotFound {
			return fmt.Errorf("read staffing grid of %v: %w", w, err)
		}
		if len(grid.GetGrid().GetAssignments()) > 0 {
			continue
		}
		if _, err := c.st.SolveWeek(ctx, &staffingv1.SolveWeekRequest{SchoolId: school, TermId: term, WeekStart: w, Seed: 2026}); err != nil {
			return fmt.Errorf("solve week of %v: %w", w, err)
		}
	}
	return nil
}

// demoEnsureHours records September's delivered hours (7 to 30
// September) as worked and approved: every assignment checked in two
// minutes early, out on time and approved by the school. Each record is
// taken from where an earlier start left it.
func demoEnsureHours(ctx context.Context, c *demoClients, school string, staff map[string]string) error {
	cst := time.FixedZone("CST", 8*3600)
	ids := make([]string, 0, len(staff))
	for _, id := range staff {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	type job struct {
		a   *staffingv1.Assignment
		rec *staffingv1.HourRecord
	}
	var mu sync.Mutex
	var jobs []job
	err := c.each(ctx, len(ids), func(ctx context.Context, i int) error {
		tt, err := c.st.GetStaffTimetable(ctx, &staffingv1.GetStaffTimetableRequest{SchoolId: school, StaffId: ids[i],
			From: day(2026, 9, 7), To: day(2026, 9, 30)})
		if err != nil {
			return fmt.Errorf("staff timetable: %w", err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, e := range tt.GetEntries() {
			if e.GetAssignment().GetStatus() == "active" && e.GetRecord().GetStatus() != "approved" && e.GetRecord().GetStatus() != "locked" {
				jobs = append(jobs, job{e.GetAssignment(), e.GetRecord()})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	at := func(a *staffingv1.Assignment, h, m int32) *timestamppb.Timestamp {
		d := a.GetDate()
		return timestamppb.New(time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), int(h), int(m), 0, 0, cst))
	}
	return c.each(ctx, len(jobs), func(ctx context.Context, i int) error {
		a, rec := jobs[i].a, jobs[i].rec
		id, state := rec.GetRecordId(), rec.GetStatus()
		if state == "" { // no record yet
			in, err := c.st.CheckIn(ctx, &staffingv1.CheckInRequest{SchoolId: school, AssignmentId: a.GetAssignmentId(),
				Time: at(a, a.GetStart().GetHours(), a.GetStart().GetMinutes()-2)})
			if err != nil {
				return fmt.Errorf("check in: %w", err)
			}
			id, state = in.GetRecord().GetRecordId(), in.GetRecord().GetStatus()
		}
		if state == "draft" { // checked in
			if _, err := c.st.CheckOut(ctx, &staffingv1.CheckOutRequest{SchoolId: school, RecordId: id,
				Time: at(a, a.GetEnd().GetHours(), a.GetEnd().GetMinutes())}); err != nil {
				return fmt.Errorf("check out: %w", err)
			}
		}
		if _, err := c.st.ApproveHourRecord(ctx, &staffingv1.ApproveHourRecordRequest{SchoolId: school, RecordId: id,
			ApprovedBy: "教务处"}); err != nil {
			return fmt.Errorf("approve hours: %w", err)
		}
		return nil
	})
}
