// Package rpc is timetable's gRPC transport: it converts messages to
// domain values, calls the use cases and maps their errors in one place.
package rpc

import (
	"context"
	"log/slog"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/paging"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"github.com/kehou/kehou/services/timetable/app"
	"github.com/kehou/kehou/services/timetable/domain/org"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Server implements timetablev1.TimetableServiceServer.
type Server struct {
	timetablev1.UnimplementedTimetableServiceServer
	app *app.App
	log *slog.Logger
}

// New returns the transport over the use cases.
func New(a *app.App, log *slog.Logger) *Server { return &Server{app: a, log: log} }

// toStatus is timetable's one mapping from domain errors to status codes.
func (s *Server) toStatus(ctx context.Context, err error) error {
	return rpcserver.StatusFromFault(ctx, s.log, err)
}

var stageToProto = map[org.Stage]timetablev1.SchoolStage{
	org.StagePrimary:      timetablev1.SchoolStage_SCHOOL_STAGE_PRIMARY,
	org.StageJuniorMiddle: timetablev1.SchoolStage_SCHOOL_STAGE_JUNIOR_MIDDLE,
	org.StageNineYear:     timetablev1.SchoolStage_SCHOOL_STAGE_NINE_YEAR,
}

func stageFromProto(s timetablev1.SchoolStage) org.Stage {
	for k, v := range stageToProto {
		if v == s {
			return k
		}
	}
	return ""
}

func optionalMinute(m int) *org.Minute {
	if m < 0 {
		return nil
	}
	v := org.Minute(m)
	return &v
}

func policyFromProto(p *timetablev1.DistrictPolicy) org.Policy {
	return org.Policy{
		OffWork:                   org.Minute(pbconv.MinuteOfDay(p.GetOffWorkTime())),
		MinMinutesPerDay:          int(p.GetMinMinutesPerDay()),
		ServiceDaysPerWeek:        int(p.GetServiceDaysPerWeek()),
		PeriodMinutesPrimary:      int(p.GetPeriodMinutesPrimary()),
		PeriodMinutesJuniorMiddle: int(p.GetPeriodMinutesJuniorMiddle()),
		MaxPeriodsPerDay:          int(p.GetMaxPeriodsPerDay()),
		EveningCareEnd:            optionalMinute(pbconv.MinuteOfDay(p.GetEveningCareEnd())),
		EveningStudyEnd:           optionalMinute(pbconv.MinuteOfDay(p.GetEveningStudyEnd())),
		OutsideShareCapPercent:    int(p.GetOutsideShareCapPercent()),
		StudentsPerAdult:          int(p.GetStudentsPerAdult()),
	}
}

func districtToProto(d org.District) *timetablev1.District {
	p := &timetablev1.DistrictPolicy{
		OffWorkTime:               pbconv.TimeOfDay(int(d.Policy.OffWork)),
		MinMinutesPerDay:          int32(d.Policy.MinMinutesPerDay),
		ServiceDaysPerWeek:        int32(d.Policy.ServiceDaysPerWeek),
		PeriodMinutesPrimary:      int32(d.Policy.PeriodMinutesPrimary),
		PeriodMinutesJuniorMiddle: int32(d.Policy.PeriodMinutesJuniorMiddle),
		MaxPeriodsPerDay:          int32(d.Policy.MaxPeriodsPerDay),
		OutsideShareCapPercent:    int32(d.Policy.OutsideShareCapPercent),
		StudentsPerAdult:          int32(d.Policy.StudentsPerAdult),
	}
	if d.Policy.EveningCareEnd != nil {
		p.EveningCareEnd = pbconv.TimeOfDay(int(*d.Policy.EveningCareEnd))
	}
	if d.Policy.EveningStudyEnd != nil {
		p.EveningStudyEnd = pbconv.TimeOfDay(int(*d.Policy.EveningStudyEnd))
	}
	return &timetablev1.District{
		DistrictId: d.ID,
		Name:       d.Name,
		Policy:     p,
		CreateTime: timestamppb.New(d.CreateTime),
		UpdateTime: timestamppb.New(d.UpdateTime),
	}
}

func schoolToProto(s org.School) *timetablev1.School {
	return &timetablev1.School{
		SchoolId:   s.ID,
		DistrictId: s.DistrictID,
		Name:       s.Name,
		Stage:      stageToProto[s.Stage],
		Category:   string(s.Category),
		CreateTime: timestamppb.New(s.CreateTime),
		UpdateTime: timestamppb.New(s.UpdateTime),
	}
}

// CreateDistrict implements the RPC.
func (s *Server) CreateDistrict(ctx context.Context, req *timetablev1.CreateDistrictRequest) (*timetablev1.CreateDistrictResponse, error) {
	d := req.GetDistrict()
	out, err := s.app.CreateDistrict(ctx, org.District{ID: d.GetDistrictId(), Name: d.GetName(), Policy: policyFromProto(d.GetPolicy())})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateDistrictResponse{District: districtToProto(out)}, nil
}

// GetDistrict implements the RPC.
func (s *Server) GetDistrict(ctx context.Context, req *timetablev1.GetDistrictRequest) (*timetablev1.GetDistrictResponse, error) {
	out, err := s.app.GetDistrict(ctx, req.GetDistrictId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.GetDistrictResponse{District: districtToProto(out)}, nil
}

// ListDistricts implements the RPC.
func (s *Server) ListDistricts(ctx context.Context, req *timetablev1.ListDistrictsRequest) (*timetablev1.ListDistrictsResponse, error) {
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	size := paging.Size(req.GetPageSize())
	ds, err := s.app.ListDistricts(ctx, after, size+1)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListDistrictsResponse{}
	if len(ds) > size {
		ds = ds[:size]
		resp.NextPageToken = paging.Encode(ds[size-1].ID)
	}
	for _, d := range ds {
		resp.Districts = append(resp.Districts, districtToProto(d))
	}
	return resp, nil
}

// UpdateDistrict implements the RPC.
func (s *Server) UpdateDistrict(ctx context.Context, req *timetablev1.UpdateDistrictRequest) (*timetablev1.UpdateDistrictResponse, error) {
	in := req.GetDistrict()
	paths, err := pbconv.MaskPaths(req.GetUpdateMask().GetPaths(), []string{"name", "policy"}, []string{"district_id", "create_time", "update_time"})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	out, err := s.app.UpdateDistrict(ctx, in.GetDistrictId(), func(d *org.District) {
		if paths["name"] {
			d.Name = in.GetName()
		}
		if paths["policy"] {
			d.Policy = policyFromProto(in.GetPolicy())
		}
	})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.UpdateDistrictResponse{District: districtToProto(out)}, nil
}

// CreateSchool implements the RPC.
func (s *Server) CreateSchool(ctx context.Context, req *timetablev1.CreateSchoolRequest) (*timetablev1.CreateSchoolResponse, error) {
	sc := req.GetSchool()
	out, err := s.app.CreateSchool(ctx, org.School{ID: sc.GetSchoolId(), DistrictID: sc.GetDistrictId(), Name: sc.GetName(), Stage: stageFromProto(sc.GetStage()),
		Category: org.Category(sc.GetCategory())})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateSchoolResponse{School: schoolToProto(out)}, nil
}

// GetSchool implements the RPC.
func (s *Server) GetSchool(ctx context.Context, req *timetablev1.GetSchoolRequest) (*timetablev1.GetSchoolResponse, error) {
	sc, d, err := s.app.GetSchool(ctx, req.GetSchoolId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.GetSchoolResponse{School: schoolToProto(sc), District: districtToProto(d)}, nil
}

// ListSchools implements the RPC.
func (s *Server) ListSchools(ctx context.Context, req *timetablev1.ListSchoolsRequest) (*timetablev1.ListSchoolsResponse, error) {
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	size := paging.Size(req.GetPageSize())
	ss, err := s.app.ListSchools(ctx, req.GetDistrictId(), after, size+1)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListSchoolsResponse{}
	if len(ss) > size {
		ss = ss[:size]
		resp.NextPageToken = paging.Encode(ss[size-1].ID)
	}
	for _, sc := range ss {
		resp.Schools = append(resp.Schools, schoolToProto(sc))
	}
	return resp, nil
}

// UpdateSchool implements the RPC.
func (s *Server) UpdateSchool(ctx context.Context, req *timetablev1.UpdateSchoolRequest) (*timetablev1.UpdateSchoolResponse, error) {
	in := req.GetSchool()
	paths, err := pbconv.MaskPaths(req.GetUpdateMask().GetPaths(), []string{"name", "stage", "category"}, []string{"school_id", "district_id", "create_time", "update_time"})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	out, err := s.app.UpdateSchool(ctx, in.GetSchoolId(), in.GetDistrictId(), func(sc *org.School) {
		if paths["name"] {
			sc.Name = in.GetName()
		}
		if paths["stage"] {
			sc.Stage = stageFromProto(in.GetStage())
		}
		if paths["category"] {
			sc.Category = org.Category(in.GetCategory())
		}
	})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.UpdateSchoolResponse{School: schoolToProto(out)}, nil
}
