// Package rpc is staffing's gRPC transport.
package rpc

import (
	"context"
	"log/slog"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/platform/paging"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"github.com/kehou/kehou/services/staffing/app"
	"github.com/kehou/kehou/services/staffing/domain/staff"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Server implements staffingv1.StaffingServiceServer.
type Server struct {
	staffingv1.UnimplementedStaffingServiceServer
	app *app.App
	log *slog.Logger
}

// New returns the transport over the use cases.
func New(a *app.App, log *slog.Logger) *Server { return &Server{app: a, log: log} }

// toStatus is staffing's one mapping from domain errors to status codes.
func (s *Server) toStatus(ctx context.Context, err error) error {
	return rpcserver.StatusFromFault(ctx, s.log, err)
}

var kindToProto = map[staff.Kind]staffingv1.StaffKind{
	staff.KindTeacher:           staffingv1.StaffKind_STAFF_KIND_TEACHER,
	staff.KindOutsideInstructor: staffingv1.StaffKind_STAFF_KIND_OUTSIDE_INSTRUCTOR,
	staff.KindAdmin:             staffingv1.StaffKind_STAFF_KIND_ADMIN,
}

func kindFromProto(k staffingv1.StaffKind) staff.Kind {
	for d, p := range kindToProto {
		if p == k {
			return d
		}
	}
	return ""
}

func memberToProto(m staff.Member) *staffingv1.StaffMember {
	return &staffingv1.StaffMember{
		StaffId:    m.ID,
		SchoolId:   m.SchoolID,
		DistrictId: m.DistrictID,
		Name:       m.Name,
		Kind:       kindToProto[m.Kind],
		CreateTime: timestamppb.New(m.CreateTime),
	}
}

// CreateStaffMember implements the RPC.
func (s *Server) CreateStaffMember(ctx context.Context, req *staffingv1.CreateStaffMemberRequest) (*staffingv1.CreateStaffMemberResponse, error) {
	in := req.GetStaffMember()
	m, err := s.app.CreateMember(ctx, req.GetSchoolId(), staff.Member{Name: in.GetName(), Kind: kindFromProto(in.GetKind())})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.CreateStaffMemberResponse{StaffMember: memberToProto(m)}, nil
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
