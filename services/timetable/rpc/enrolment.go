package rpc

import (
	"context"
	"fmt"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/timetable/app"
	"github.com/kehou/kehou/services/timetable/domain/allocator"
	"github.com/kehou/kehou/services/timetable/domain/school"
	"google.golang.org/grpc"
)

// CreateEnrolment implements the RPC.
func (s *Server) CreateEnrolment(ctx context.Context, req *timetablev1.CreateEnrolmentRequest) (*timetablev1.CreateEnrolmentResponse, error) {
	in := req.GetEnrolment()
	start, err := date(in.GetStartDate(), "enrolment.start_date")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	e, err := s.app.CreateEnrolment(ctx, req.GetSchoolId(), school.Enrolment{StudentID: in.GetStudentId(), ItemID: in.GetItemId(), Start: start})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateEnrolmentResponse{Enrolment: enrolmentProto(e, req.GetSchoolId())}, nil
}

// BatchCreateEnrolments implements the RPC.
func (s *Server) BatchCreateEnrolments(ctx context.Context, req *timetablev1.BatchCreateEnrolmentsRequest) (*timetablev1.BatchCreateEnrolmentsResponse, error) {
	in := make([]school.Enrolment, len(req.GetEnrolments()))
	for i, e := range req.GetEnrolments() {
		start, err := date(e.GetStartDate(), fmt.Sprintf("enrolments[%d].start_date", i))
		if err != nil {
			return nil, s.toStatus(ctx, err)
		}
		in[i] = school.Enrolment{StudentID: e.GetStudentId(), ItemID: e.GetItemId(), Start: start}
	}
	es, err := s.app.BatchCreateEnrolments(ctx, req.GetSchoolId(), in, req.GetApprove())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.BatchCreateEnrolmentsResponse{}
	for _, e := range es {
		resp.Enrolments = append(resp.Enrolments, enrolmentProto(e, req.GetSchoolId()))
	}
	return resp, nil
}

// ApproveEnrolment implements the RPC.
func (s *Server) ApproveEnrolment(ctx context.Context, req *timetablev1.ApproveEnrolmentRequest) (*timetablev1.ApproveEnrolmentResponse, error) {
	e, err := s.app.ApproveEnrolment(ctx, req.GetSchoolId(), req.GetEnrolmentId(), req.GetReject())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.ApproveEnrolmentResponse{Enrolment: enrolmentProto(e, req.GetSchoolId())}, nil
}

// WithdrawEnrolment implements the RPC.
func (s *Server) WithdrawEnrolment(ctx context.Context, req *timetablev1.WithdrawEnrolmentRequest) (*timetablev1.WithdrawEnrolmentResponse, error) {
	end, err := date(req.GetEndDate(), "end_date")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	e, err := s.app.WithdrawEnrolment(ctx, req.GetSchoolId(), req.GetEnrolmentId(), end)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.WithdrawEnrolmentResponse{Enrolment: enrolmentProto(e, req.GetSchoolId())}, nil
}

// ListEnrolments implements the RPC.
func (s *Server) ListEnrolments(ctx context.Context, req *timetablev1.ListEnrolmentsRequest) (*timetablev1.ListEnrolmentsResponse, error) {
	es, err := s.app.ListEnrolments(ctx, req.GetSchoolId(), req.GetTermId(), req.GetStudentId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListEnrolmentsResponse{}
	for _, e := range es {
		resp.Enrolments = append(resp.Enrolments, enrolmentProto(e, req.GetSchoolId()))
	}
	return resp, nil
}

// CreateLeave implements the RPC.
func (s *Server) CreateLeave(ctx context.Context, req *timetablev1.CreateLeaveRequest) (*timetablev1.CreateLeaveResponse, error) {
	in := req.GetLeave()
	start, err := date(in.GetStartDate(), "leave.start_date")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	end, err := date(in.GetEndDate(), "leave.end_date")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	l, err := s.app.CreateLeave(ctx, req.GetSchoolId(), school.Leave{StudentID: req.GetStudentId(), Start: start, End: end, Reason: in.GetReason()})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateLeaveResponse{Leave: &timetablev1.Leave{LeaveId: l.ID, SchoolId: req.GetSchoolId(), StudentId: l.StudentID,
		StartDate: dateProto(l.Start), EndDate: dateProto(l.End), Reason: l.Reason}}, nil
}

// SubmitClubChoices implements the RPC.
func (s *Server) SubmitClubChoices(ctx context.Context, req *timetablev1.SubmitClubChoicesRequest) (*timetablev1.SubmitClubChoicesResponse, error) {
	if err := s.app.SubmitClubChoices(ctx, req.GetSchoolId(), req.GetTermId(), req.GetStudentId(), req.GetClubIds()); err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.SubmitClubChoicesResponse{Choices: int32(len(req.GetClubIds()))}, nil
}

// BatchSubmitClubChoices implements the RPC.
func (s *Server) BatchSubmitClubChoices(ctx context.Context, req *timetablev1.BatchSubmitClubChoicesRequest) (*timetablev1.BatchSubmitClubChoicesResponse, error) {
	all := make([]app.StudentChoices, len(req.GetChoices()))
	n := 0
	for i, c := range req.GetChoices() {
		all[i] = app.StudentChoices{StudentID: c.GetStudentId(), ClubIDs: c.GetClubIds()}
		n += len(c.GetClubIds())
	}
	if err := s.app.BatchSubmitClubChoices(ctx, req.GetSchoolId(), req.GetTermId(), all, "choices"); err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.BatchSubmitClubChoicesResponse{Choices: int32(n)}, nil
}

// AllocateClubs implements the RPC.
func (s *Server) AllocateClubs(ctx context.Context, req *timetablev1.AllocateClubsRequest) (*timetablev1.AllocateClubsResponse, error) {
	al, err := s.app.AllocateClubs(ctx, req.GetSchoolId(), req.GetTermId(), req.GetSeed(), req.GetMode())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	st := al.Stats
	return &timetablev1.AllocateClubsResponse{Report: &timetablev1.AllocationReport{Seed: req.GetSeed(), Students: int32(st.Students),
		FirstChoice: int32(st.First), SecondChoice: int32(st.Second), ThirdChoice: int32(st.Third), LowerChoice: int32(st.Lower),
		Unplaced: int32(st.None), Mode: string(al.Mode), SecondRound: int32(st.SecondRound),
		Shares: sharesOf(st), Optimum: sharesOf(al.OptimumStats)}}, nil
}

// sharesOf gives an allocation's outcomes as shares of its students, four places, rounded half up
// in integers (shares are reported, never summed into money).
func sharesOf(st allocator.Stats) *timetablev1.AllocationShares {
	share := func(n int) string {
		if st.Students == 0 {
			return "0.0000"
		}
		q := (int64(n)*20000/int64(st.Students) + 1) / 2 // ten-thousandths, half up
		return fmt.Sprintf("%d.%04d", q/10000, q%10000)
	}
	return &timetablev1.AllocationShares{First: share(st.First), Second: share(st.Second), Third: share(st.Third), Lower: share(st.Lower),
		SecondRound: share(st.SecondRound), None: share(st.None), Unplaced: int32(st.None)}
}

// JoinClub implements the RPC.
func (s *Server) JoinClub(ctx context.Context, req *timetablev1.JoinClubRequest) (*timetablev1.JoinClubResponse, error) {
	seat, err := s.app.JoinClub(ctx, req.GetSchoolId(), req.GetTermId(), req.GetClubId(), req.GetStudentId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.JoinClubResponse{Membership: &timetablev1.ClubMembership{ClubId: seat.ClubID, StudentId: seat.StudentID, Rank: int32(seat.Rank)}}, nil
}

// LeaveClub implements the RPC.
func (s *Server) LeaveClub(ctx context.Context, req *timetablev1.LeaveClubRequest) (*timetablev1.LeaveClubResponse, error) {
	moves, err := s.app.LeaveClub(ctx, req.GetSchoolId(), req.GetTermId(), req.GetClubId(), req.GetStudentId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.LeaveClubResponse{}
	for _, m := range moves {
		resp.Moves = append(resp.Moves, &timetablev1.ClubMembership{ClubId: m.ClubID, StudentId: m.StudentID, Rank: int32(m.Rank)})
	}
	return resp, nil
}

// ListClubMembers implements the RPC.
func (s *Server) ListClubMembers(ctx context.Context, req *timetablev1.ListClubMembersRequest) (*timetablev1.ListClubMembersResponse, error) {
	seats, err := s.app.ClubMembers(ctx, req.GetSchoolId(), req.GetTermId(), req.GetClubId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListClubMembersResponse{}
	for _, m := range seats {
		resp.Members = append(resp.Members, &timetablev1.ClubMembership{ClubId: m.ClubID, StudentId: m.StudentID, Rank: int32(m.Rank)})
	}
	return resp, nil
}

// StreamEnrolmentIntervals implements the RPC in batches of 500.
func (s *Server) StreamEnrolmentIntervals(req *timetablev1.StreamEnrolmentIntervalsRequest, stream grpc.ServerStreamingServer[timetablev1.StreamEnrolmentIntervalsResponse]) error {
	ctx := stream.Context()
	ivs, err := s.app.EnrolmentIntervals(ctx, req.GetSchoolId(), req.GetTermId())
	if err != nil {
		return s.toStatus(ctx, err)
	}
	const batchSize = 500
	batch := &timetablev1.StreamEnrolmentIntervalsResponse{}
	for i, iv := range ivs {
		e := iv.Enrolment
		out := &timetablev1.EnrolmentInterval{EnrolmentId: e.ID, StudentId: e.StudentID, ClassId: e.ClassID, ItemId: e.ItemID,
			ItemKind: itemKindProto(iv.ItemKind), StartDate: dateProto(e.Start), HardshipCategory: hardshipProto(iv.Student.Hardship),
			HardshipVerified: iv.Student.Verified, StudentName: iv.Student.Name, ClubId: iv.ClubID}
		if e.End != nil {
			out.EndDate = dateProto(*e.End)
		}
		for _, l := range iv.Leaves {
			out.Leaves = append(out.Leaves, &timetablev1.LeavePeriod{StartDate: dateProto(l.Start), EndDate: dateProto(l.End)})
		}
		batch.Intervals = append(batch.Intervals, out)
		if len(batch.Intervals) == batchSize || i == len(ivs)-1 {
			if err := stream.Send(batch); err != nil {
				return err
			}
			batch = &timetablev1.StreamEnrolmentIntervalsResponse{}
		}
	}
	return nil
}

// GetStudentWeek implements the RPC.
func (s *Server) GetStudentWeek(ctx context.Context, req *timetablev1.GetStudentWeekRequest) (*timetablev1.GetStudentWeekResponse, error) {
	weekOf, err := date(req.GetWeekOf(), "week_of")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	w, err := s.app.StudentWeek(ctx, req.GetSchoolId(), req.GetStudentId(), req.GetTermId(), weekOf)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.GetStudentWeekResponse{StudentId: w.Student.ID, Name: w.Student.Name, ClassId: w.Student.ClassID,
		ClassName: w.Class.Name, Grade: int32(w.Class.Grade), From: dateProto(w.From), To: dateProto(w.To)}
	for _, v := range w.Sessions {
		o := occurrenceProto(v.OccurrenceView)
		resp.Sessions = append(resp.Sessions, &timetablev1.StudentSession{OccurrenceId: o.OccurrenceId, Date: o.Date, Weekday: o.Weekday,
			Segment: o.Segment, Start: o.Start, End: o.End, ItemId: o.ItemId, ItemName: v.ItemName, ItemKind: o.ItemKind,
			ClubId: o.ClubId, ClubName: v.ClubName, RoomId: o.RoomId, RoomName: v.RoomName, Status: o.Status,
			CancelReason: o.CancelReason, Pending: v.Pending})
	}
	return resp, nil
}
