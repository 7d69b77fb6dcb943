package main

import (
	"context"
	"fmt"
	"time"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// demoRateTableID is the district's remuneration standard (课酬标准) of the
// demo; demoPayRunRequest keys the primary school's September pay run, so
// a repeated `kehou demo` finds both instead of adding versions or runs.
const (
	demoRateTableID   = "demo-kc-2026"
	demoPayRunRequest = "demo-pay-2026-09-primary"
)

// demoRateTable is the demo district's remuneration standard: care by the
// minute in two blocks, clubs per period with a class-size supplement,
// patrol per day, the class-teacher allowance and a teacher's monthly cap
// low enough that the demo teacher's September shows pay held back.
func demoRateTable() *billingv1.RateTable {
	return &billingv1.RateTable{RateTableId: demoRateTableID, Name: "三元区课后服务课酬标准（演示）", DocumentNo: "三教〔2026〕21号",
		EffectiveFrom: day(2026, 9, 1), EffectiveTo: day(2027, 1, 31),
		Rules: []*billingv1.PayRule{
			{RuleId: "outside", Name: "校外教练课时费", StaffKinds: []string{"outside_instructor"}, Unit: "per_period", Rate: "80", WeekendHolidayRate: "100", Treatment: "labour_fee"},
			{RuleId: "club", Name: "社团授课", Roles: []string{"instructor"}, Unit: "per_period", Rate: "50", WeekendHolidayRate: "80",
				ClassSizeThreshold: 30, ExtraPerStudent: "1", Treatment: "outside_performance_total"},
			{RuleId: "care", Name: "看护（按分钟）", Roles: []string{"supervisor", "extra_adult"}, Unit: "per_minute", WindowStart: "15:30", WindowEnd: "18:30",
				Blocks:    []*billingv1.TimeBlock{{Start: "15:30", End: "16:30", Rate: "1.7", WeekendHolidayRate: "2.5"}, {Start: "16:30", End: "18:30", Rate: "2"}},
				Treatment: "outside_performance_total"},
			{RuleId: "patrol", Name: "巡课", Roles: []string{"patrol"}, Unit: "per_day", Rate: "30", Treatment: "separate_increment"},
		},
		Multipliers:  map[string]string{"supervision_only": "0.5", "substitute_cover": "1", "patrol": "1"},
		ClassTeacher: &billingv1.ClassTeacherAllowance{RuleId: "bzr", PerMonth: "100", PerStudent: "2", Treatment: "outside_performance_total"},
		Caps:         []*billingv1.PayCap{{RuleId: "cap-teacher", StaffKind: "teacher", PerMonth: "400"}},
	}
}

// demoPayRun gives the demo teacher (the class teacher of the demo
// family's class at the primary school) a September pay statement: the
// district's rate table (once), their sessions of the first full week (7
// to 11 September) worked, approved and locked, and the school's September
// pay run with them as class teacher, leaving everyone else's records for
// a later run; the sessions and the allowance pass the teacher's cap, so
// the statement shows pay held back. Each piece is found when it exists.
func demoPayRun(ctx context.Context, c *demoClients, primary demoLoaded) error {
	tables, err := c.rem.ListRateTables(ctx, &billingv1.ListRateTablesRequest{DistrictId: DemoDistrictID})
	if err != nil {
		return fmt.Errorf("list rate tables: %w", err)
	}
	have := false
	for _, rt := range tables.GetRateTables() {
		have = have || rt.GetRateTableId() == demoRateTableID
	}
	if !have {
		if _, err := c.rem.CreateRateTable(ctx, &billingv1.CreateRateTableRequest{DistrictId: DemoDistrictID, RateTable: demoRateTable()}); err != nil {
			return fmt.Errorf("create rate table: %w", err)
		}
	}
	teacher := ""
	for _, m := range primary.spec.staff() {
		if m.classTeacherOf == demoFamilyClassPrimary {
			teacher = primary.staff[m.name]
		}
	}
	class := primary.classes[demoFamilyClassPrimary]
	if teacher == "" || class == "" {
		return fmt.Errorf("the primary school has no class teacher of %s", demoFamilyClassPrimary)
	}
	tt, err := c.st.GetStaffTimetable(ctx, &staffingv1.GetStaffTimetableRequest{SchoolId: primary.school, StaffId: teacher,
		From: day(2026, 9, 7), To: day(2026, 9, 11)})
	if err != nil {
		return fmt.Errorf("the demo teacher's timetable: %w", err)
	}
	cst := time.FixedZone("CST", 8*3600)
	at := func(a *staffingv1.Assignment, h, m int32) *timestamppb.Timestamp {
		d := a.GetDate()
		return timestamppb.New(time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), int(h), int(m), 0, 0, cst))
	}
	for _, e := range tt.GetEntries() {
		a, rec := e.GetAssignment(), e.GetRecord()
		if a.GetStatus() != "active" {
			continue
		}
		id, state := rec.GetRecordId(), rec.GetStatus()
		if state == "" {
			in, err := c.st.CheckIn(ctx, &staffingv1.CheckInRequest{SchoolId: primary.school, AssignmentId: a.GetAssignmentId(),
				Time: at(a, a.GetStart().GetHours(), a.GetStart().GetMinutes()-2)})
			if err != nil {
				return fmt.Errorf("check in: %w", err)
			}
			id, state = in.GetRecord().GetRecordId(), in.GetRecord().GetStatus()
		}
		if state == "draft" {
			if _, err := c.st.CheckOut(ctx, &staffingv1.CheckOutRequest{SchoolId: primary.school, RecordId: id,
				Time: at(a, a.GetEnd().GetHours(), a.GetEnd().GetMinutes())}); err != nil {
				return fmt.Errorf("check out: %w", err)
			}
			state = "checked_out"
		}
		if state == "checked_out" {
			if _, err := c.st.ApproveHourRecord(ctx, &staffingv1.ApproveHourRecordRequest{SchoolId: primary.school, RecordId: id, ApprovedBy: "教务处"}); err != nil {
				return fmt.Errorf("approve hours: %w", err)
			}
			state = "approved"
		}
		if state == "approved" {
			if _, err := c.st.LockHourRecord(ctx, &staffingv1.LockHourRecordRequest{SchoolId: primary.school, RecordId: id}); err != nil {
				return fmt.Errorf("lock hours: %w", err)
			}
		}
	}
	if _, err := c.rem.CreatePayRun(ctx, &billingv1.CreatePayRunRequest{SchoolId: primary.school, RequestId: demoPayRunRequest,
		Year: 2026, Month: 9, Mode: "full", LeavePending: true,
		ClassTeachers: []*billingv1.ClassTeacherRef{{StaffId: teacher, ClassId: class}}}); err != nil {
		return fmt.Errorf("pay run of September: %w", err)
	}
	return nil
}
