// Package rpc is staffing's gRPC transport: it converts messages to domain
// values, calls the use cases and maps their errors in one place.
package rpc

import (
	"context"
	"errors"
	"log/slog"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/paging"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"github.com/kehou/kehou/services/staffing/app"
	"github.com/kehou/kehou/services/staffing/domain/hours"
	"github.com/kehou/kehou/services/staffing/domain/solver"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Server implements staffingv1.StaffingServiceServer.
type Server struct {
	staffingv1.UnimplementedStaffingServiceServer
	app *app.App
	log *slog.Logger
}

// New returns the transport over the use cases.
func New(a *app.App, log *slog.Logger) *Server { return &Server{app: a, log: log} }

// toStatus is staffing's one mapping from domain errors to status codes:
// a locked hour record or a forbidden status change becomes a failed
// precondition naming the rule; everything else, validation errors
// included, goes through the shared fault mapping.
func (s *Server) toStatus(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, hours.ErrLocked):
		return status.Error(codes.FailedPrecondition, "record_locked: "+err.Error()+"; a locked record changes only by a correcting record")
	case errors.Is(err, hours.ErrInvalidTransition):
		return status.Error(codes.FailedPrecondition, "record_status: "+err.Error())
	}
	return rpcserver.StatusFromFault(ctx, s.log, err)
}

// CreateStaffMember implements the RPC.
func (s *Server) CreateStaffMember(ctx context.Context, req *staffingv1.CreateStaffMemberRequest) (*staffingv1.CreateStaffMemberResponse, error) {
	m, err := s.app.CreateMember(ctx, req.GetSchoolId(), memberFromProto(req.GetStaffMember()))
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.CreateStaffMemberResponse{StaffMember: memberToProto(m)}, nil
}

// GetStaffMember implements the RPC.
func (s *Server) GetStaffMember(ctx context.Context, req *staffingv1.GetStaffMemberRequest) (*staffingv1.GetStaffMemberResponse, error) {
	m, err := s.app.GetMember(ctx, req.GetSchoolId(), req.GetStaffId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.GetStaffMemberResponse{StaffMember: memberToProto(m)}, nil
}

// UpdateStaffMember implements the RPC.
func (s *Server) UpdateStaffMember(ctx context.Context, req *staffingv1.UpdateStaffMemberRequest) (*staffingv1.UpdateStaffMemberResponse, error) {
	in := memberFromProto(req.GetStaffMember())
	in.ID = req.GetStaffMember().GetStaffId()
	m, err := s.app.UpdateMember(ctx, req.GetSchoolId(), in)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.UpdateStaffMemberResponse{StaffMember: memberToProto(m)}, nil
}

// ListStaff implements the RPC.
func (s *Server) ListStaff(ctx context.Context, req *staffingv1.ListStaffRequest) (*staffingv1.ListStaffResponse, error) {
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	size := paging.Size(req.GetPageSize())
	ms, sc, err := s.app.ListMembers(ctx, req.GetSchoolId(), after, size+1)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &staffingv1.ListStaffResponse{SchoolName: sc.Name}
	if len(ms) > size {
		ms = ms[:size]
		resp.NextPageToken = paging.Encode(ms[size-1].ID)
	}
	for _, m := range ms {
		resp.Staff = append(resp.Staff, memberToProto(m))
	}
	return resp, nil
}

// SetTermParticipation implements the RPC.
func (s *Server) SetTermParticipation(ctx context.Context, req *staffingv1.SetTermParticipationRequest) (*staffingv1.SetTermParticipationResponse, error) {
	m, err := s.app.SetParticipation(ctx, req.GetSchoolId(), req.GetStaffId(), req.GetTermId(), req.GetOptedIn())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.SetTermParticipationResponse{StaffMember: memberToProto(m)}, nil
}

// SetDistrictStaffingPolicy implements the RPC.
func (s *Server) SetDistrictStaffingPolicy(ctx context.Context, req *staffingv1.SetDistrictStaffingPolicyRequest) (*staffingv1.SetDistrictStaffingPolicyResponse, error) {
	if err := s.app.SetDistrictPolicy(ctx, req.GetDistrictId(), int(req.GetMaxSchoolsPerInstitution())); err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.SetDistrictStaffingPolicyResponse{DistrictId: req.GetDistrictId(), MaxSchoolsPerInstitution: req.GetMaxSchoolsPerInstitution()}, nil
}

// CreateInstitution implements the RPC.
func (s *Server) CreateInstitution(ctx context.Context, req *staffingv1.CreateInstitutionRequest) (*staffingv1.CreateInstitutionResponse, error) {
	in, err := institutionFromProto(req.GetInstitution())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	in.DistrictID = req.GetDistrictId()
	out, err := s.app.CreateInstitution(ctx, in)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.CreateInstitutionResponse{Institution: institutionToProto(out)}, nil
}

// GetInstitution implements the RPC.
func (s *Server) GetInstitution(ctx context.Context, req *staffingv1.GetInstitutionRequest) (*staffingv1.GetInstitutionResponse, error) {
	out, err := s.app.GetInstitution(ctx, req.GetDistrictId(), req.GetInstitutionId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.GetInstitutionResponse{Institution: institutionToProto(out)}, nil
}

// ListInstitutions implements the RPC.
func (s *Server) ListInstitutions(ctx context.Context, req *staffingv1.ListInstitutionsRequest) (*staffingv1.ListInstitutionsResponse, error) {
	ins, err := s.app.ListInstitutions(ctx, req.GetDistrictId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &staffingv1.ListInstitutionsResponse{}
	for _, in := range ins {
		resp.Institutions = append(resp.Institutions, institutionToProto(in))
	}
	return resp, nil
}

// AddInstitutionSchool implements the RPC.
func (s *Server) AddInstitutionSchool(ctx context.Context, req *staffingv1.AddInstitutionSchoolRequest) (*staffingv1.AddInstitutionSchoolResponse, error) {
	out, err := s.app.AddInstitutionSchool(ctx, req.GetDistrictId(), req.GetInstitutionId(), req.GetSchoolId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.AddInstitutionSchoolResponse{Institution: institutionToProto(out)}, nil
}

// SolveWeek implements the RPC.
func (s *Server) SolveWeek(ctx context.Context, req *staffingv1.SolveWeekRequest) (*staffingv1.SolveWeekResponse, error) {
	ws, err := pbconv.CivilDate(req.GetWeekStart(), "week_start")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	g, err := s.app.SolveWeek(ctx, req.GetSchoolId(), req.GetTermId(), ws, req.GetSeed())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.SolveWeekResponse{Grid: gridToProto(g)}, nil
}

// GetStaffingGrid implements the RPC.
func (s *Server) GetStaffingGrid(ctx context.Context, req *staffingv1.GetStaffingGridRequest) (*staffingv1.GetStaffingGridResponse, error) {
	ws, err := pbconv.CivilDate(req.GetWeekStart(), "week_start")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	g, err := s.app.StaffingGrid(ctx, req.GetSchoolId(), ws)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.GetStaffingGridResponse{Grid: gridToProto(g)}, nil
}

// AssignStaff implements the RPC.
func (s *Server) AssignStaff(ctx context.Context, req *staffingv1.AssignStaffRequest) (*staffingv1.AssignStaffResponse, error) {
	a, replaced, err := s.app.AssignStaff(ctx, req.GetSchoolId(), req.GetDemandId(), req.GetStaffId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.AssignStaffResponse{Assignment: assignmentToProto(a, nil), ReplacedStaffId: replaced}, nil
}

// ReportAbsence implements the RPC.
func (s *Server) ReportAbsence(ctx context.Context, req *staffingv1.ReportAbsenceRequest) (*staffingv1.ReportAbsenceResponse, error) {
	ab, err := absenceFromProto(req.GetAbsence())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	r, err := s.app.ReportAbsence(ctx, req.GetSchoolId(), ab)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &staffingv1.ReportAbsenceResponse{Absence: absenceToProto(r.Absence), ChangedAssignments: int32(len(r.Changes))}
	for _, c := range r.Changes {
		resp.Changes = append(resp.Changes, &staffingv1.AssignmentChange{Kind: string(c.Kind), DemandId: c.DemandID,
			FromStaffId: c.FromStaffID, ToStaffId: c.ToStaffID, MovedFromDemandId: c.MovedFrom})
	}
	resp.Uncovered = uncoveredToProto(r.Uncovered)
	for _, e := range r.Kept {
		resp.Kept = append(resp.Kept, assignmentToProto(e.Assignment, &e.Demand))
	}
	return resp, nil
}

// UnassignStaff implements the RPC.
func (s *Server) UnassignStaff(ctx context.Context, req *staffingv1.UnassignStaffRequest) (*staffingv1.UnassignStaffResponse, error) {
	e, u, err := s.app.Unassign(ctx, req.GetSchoolId(), req.GetAssignmentId(), req.GetReason())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &staffingv1.UnassignStaffResponse{Assignment: assignmentToProto(e.Assignment, &e.Demand)}
	if u != nil {
		resp.Uncovered = uncoveredToProto([]solver.Uncovered{*u})[0]
	}
	return resp, nil
}

// GetStaffTimetable implements the RPC.
func (s *Server) GetStaffTimetable(ctx context.Context, req *staffingv1.GetStaffTimetableRequest) (*staffingv1.GetStaffTimetableResponse, error) {
	from, err1 := pbconv.CivilDate(req.GetFrom(), "from")
	to, err2 := pbconv.CivilDate(req.GetTo(), "to")
	if err := errors.Join(err1, err2); err != nil {
		return nil, s.toStatus(ctx, firstErr(err1, err2))
	}
	t, err := s.app.Timetable(ctx, req.GetSchoolId(), req.GetStaffId(), from, to)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &staffingv1.GetStaffTimetableResponse{StaffMember: memberToProto(t.Member), ScheduledPeriods: int32(t.ScheduledPeriods),
		ApprovedMinutes: int32(t.ApprovedMinutes), ApprovedPeriods: t.ApprovedPeriods.String()}
	for _, e := range t.Entries {
		te := &staffingv1.TimetableEntry{Assignment: assignmentToProto(e.Assignment, &e.Demand), Demand: demandToProto(e.Demand)}
		if e.Record != nil {
			te.Record = recordToProto(*e.Record)
		}
		resp.Entries = append(resp.Entries, te)
	}
	return resp, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// CheckIn implements the RPC.
func (s *Server) CheckIn(ctx context.Context, req *staffingv1.CheckInRequest) (*staffingv1.CheckInResponse, error) {
	r, err := s.app.CheckIn(ctx, req.GetSchoolId(), req.GetAssignmentId(), req.GetTime().AsTime())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.CheckInResponse{Record: recordToProto(r)}, nil
}

// CheckOut implements the RPC.
func (s *Server) CheckOut(ctx context.Context, req *staffingv1.CheckOutRequest) (*staffingv1.CheckOutResponse, error) {
	r, err := s.app.CheckOut(ctx, req.GetSchoolId(), req.GetRecordId(), req.GetTime().AsTime(), hours.Duty(req.GetDuty()))
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.CheckOutResponse{Record: recordToProto(r)}, nil
}

// AmendHourRecord implements the RPC.
func (s *Server) AmendHourRecord(ctx context.Context, req *staffingv1.AmendHourRecordRequest) (*staffingv1.AmendHourRecordResponse, error) {
	r, err := s.app.Amend(ctx, req.GetSchoolId(), req.GetRecordId(), hours.Edit{CheckIn: req.GetCheckIn().AsTime(),
		CheckOut: req.GetCheckOut().AsTime(), Duty: hours.Duty(req.GetDuty())})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.AmendHourRecordResponse{Record: recordToProto(r)}, nil
}

// ApproveHourRecord implements the RPC.
func (s *Server) ApproveHourRecord(ctx context.Context, req *staffingv1.ApproveHourRecordRequest) (*staffingv1.ApproveHourRecordResponse, error) {
	r, err := s.app.Approve(ctx, req.GetSchoolId(), req.GetRecordId(), req.GetApprovedBy())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.ApproveHourRecordResponse{Record: recordToProto(r)}, nil
}

// LockHourRecord implements the RPC.
func (s *Server) LockHourRecord(ctx context.Context, req *staffingv1.LockHourRecordRequest) (*staffingv1.LockHourRecordResponse, error) {
	r, err := s.app.Lock(ctx, req.GetSchoolId(), req.GetRecordId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.LockHourRecordResponse{Record: recordToProto(r)}, nil
}

// CorrectHourRecord implements the RPC.
func (s *Server) CorrectHourRecord(ctx context.Context, req *staffingv1.CorrectHourRecordRequest) (*staffingv1.CorrectHourRecordResponse, error) {
	r, err := s.app.Correct(ctx, req.GetSchoolId(), req.GetRecordId(), hours.Correction{CheckIn: req.GetCheckIn().AsTime(),
		CheckOut: req.GetCheckOut().AsTime(), Duty: hours.Duty(req.GetDuty()), Reason: req.GetReason()})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.CorrectHourRecordResponse{Record: recordToProto(r)}, nil
}

// feedBatch is how many entries one stream message carries.
const feedBatch = 500

// StreamApprovedHours implements the RPC: the month's approved hours in
// batches, the feed billing pays from.
func (s *Server) StreamApprovedHours(req *staffingv1.StreamApprovedHoursRequest, stream staffingv1.StaffingService_StreamApprovedHoursServer) error {
	ctx := stream.Context()
	hs, pending, err := s.app.MonthHours(ctx, req.GetSchoolId(), int(req.GetYear()), monthOf(req.GetMonth()))
	if err != nil {
		return s.toStatus(ctx, err)
	}
	for i := 0; i < len(hs); i += feedBatch {
		resp := &staffingv1.StreamApprovedHoursResponse{}
		for _, h := range hs[i:min(i+feedBatch, len(hs))] {
			resp.Hours = append(resp.Hours, approvedToProto(h))
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
	if !req.GetIncludePending() {
		return nil
	}
	for i := 0; i < len(pending); i += feedBatch {
		resp := &staffingv1.StreamApprovedHoursResponse{}
		for _, p := range pending[i:min(i+feedBatch, len(pending))] {
			resp.Pending = append(resp.Pending, pendingToProto(p))
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
	return nil
}

// ListStudentTeachers implements the RPC.
func (s *Server) ListStudentTeachers(ctx context.Context, req *staffingv1.ListStudentTeachersRequest) (*staffingv1.ListStudentTeachersResponse, error) {
	weekOf, err := pbconv.CivilDate(req.GetWeekOf(), "week_of")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	ts, err := s.app.StudentTeachers(ctx, req.GetSchoolId(), req.GetStudentId(), req.GetTermId(), weekOf)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &staffingv1.ListStudentTeachersResponse{}
	for _, t := range ts {
		resp.Teachers = append(resp.Teachers, &staffingv1.SessionTeacher{OccurrenceId: t.OccurrenceID, Name: t.Name, Role: t.Role})
	}
	return resp, nil
}

// ListStaffIdentities implements the RPC: billing's feed for the pay sheet.
// The numbers are whole only for the bureau and finance officers, the
// roles that export the pay sheet for the payroll office.
func (s *Server) ListStaffIdentities(ctx context.Context, req *staffingv1.ListStaffIdentitiesRequest) (*staffingv1.ListStaffIdentitiesResponse, error) {
	p, _ := auth.FromContext(ctx)
	full := p.Role == auth.RoleBureauAdmin || p.Role == auth.RoleFinanceOfficer
	ms, err := s.app.Identities(ctx, req.GetSchoolId(), req.GetStaffIds(), full)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	out := &staffingv1.ListStaffIdentitiesResponse{}
	for _, m := range ms {
		out.Identities = append(out.Identities, &staffingv1.StaffIdentity{StaffId: m.ID, Name: m.Name, IdCardNumber: m.IDCardNumber})
	}
	return out, nil
}
