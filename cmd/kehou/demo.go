package main

import (
	"context"
	"fmt"
	"log/slog"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/system"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// DemoDistrictID is the demo district (三元区, Sanming), loaded by --demo.
const DemoDistrictID = "350402"

// loadDemo creates the demo district, its schools and a few staff through
// the public gRPC API, skipping what already exists, so it is safe to run
// at every start.
func loadDemo(ctx context.Context, r *system.Running, log *slog.Logger) error {
	dial := func(addr string) (*grpc.ClientConn, error) {
		return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	ttConn, err := dial(r.TimetableAddr)
	if err != nil {
		return err
	}
	defer ttConn.Close()
	tt := timetablev1.NewTimetableServiceClient(ttConn)

	_, err = tt.CreateDistrict(ctx, &timetablev1.CreateDistrictRequest{District: &timetablev1.District{
		DistrictId: DemoDistrictID,
		Name:       "三元区（演示）",
		Policy: &timetablev1.DistrictPolicy{
			OffWorkTime:               &commonv1.TimeOfDay{Hours: 17, Minutes: 30},
			MinMinutesPerDay:          120,
			ServiceDaysPerWeek:        5,
			PeriodMinutesPrimary:      40,
			PeriodMinutesJuniorMiddle: 45,
			MaxPeriodsPerDay:          3,
			EveningCareEnd:            &commonv1.TimeOfDay{Hours: 18, Minutes: 30},
			EveningStudyEnd:           &commonv1.TimeOfDay{Hours: 20, Minutes: 30},
			OutsideShareCapPercent:    50,
			StudentsPerAdult:          20,
		},
	}})
	if err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("create demo district: %w", err)
	}

	existing := map[string]string{}
	list, err := tt.ListSchools(ctx, &timetablev1.ListSchoolsRequest{DistrictId: DemoDistrictID, PageSize: 500})
	if err != nil {
		return fmt.Errorf("list demo schools: %w", err)
	}
	for _, s := range list.GetSchools() {
		existing[s.GetName()] = s.GetSchoolId()
	}
	schools := []struct {
		name  string
		stage timetablev1.SchoolStage
		staff []string
	}{
		{"三元区第一实验小学", timetablev1.SchoolStage_SCHOOL_STAGE_PRIMARY, []string{"林老师", "陈老师", "黄老师"}},
		{"三元区列东中学", timetablev1.SchoolStage_SCHOOL_STAGE_JUNIOR_MIDDLE, []string{"张老师", "王老师"}},
		{"三元区九年一贯制学校", timetablev1.SchoolStage_SCHOOL_STAGE_NINE_YEAR, []string{"李老师", "吴老师"}},
	}
	var stConn *grpc.ClientConn
	if r.StaffingAddr != "" {
		if stConn, err = dial(r.StaffingAddr); err != nil {
			return err
		}
		defer stConn.Close()
	}
	created := 0
	for _, s := range schools {
		if _, ok := existing[s.name]; ok {
			continue
		}
		resp, err := tt.CreateSchool(ctx, &timetablev1.CreateSchoolRequest{School: &timetablev1.School{
			DistrictId: DemoDistrictID, Name: s.name, Stage: s.stage,
		}})
		if err != nil {
			return fmt.Errorf("create demo school %s: %w", s.name, err)
		}
		created++
		if stConn == nil {
			continue
		}
		st := staffingv1.NewStaffingServiceClient(stConn)
		for _, name := range s.staff {
			_, err := st.CreateStaffMember(ctx, &staffingv1.CreateStaffMemberRequest{
				SchoolId:    resp.GetSchool().GetSchoolId(),
				StaffMember: &staffingv1.StaffMember{Name: name, Kind: staffingv1.StaffKind_STAFF_KIND_TEACHER},
			})
			if err != nil {
				return fmt.Errorf("create demo staff %s: %w", name, err)
			}
		}
	}
	log.Info("demo data ready", "district", DemoDistrictID, "schools_created", created)
	return nil
}
