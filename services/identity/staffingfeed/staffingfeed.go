// Package staffingfeed is identity's one adapter to staffing: whether a
// staff record or an institution an account names exists. It calls the
// generated contract only, bounds every call and maps staffing's status
// codes through platform/rpcclient.
package staffingfeed

import (
	"context"
	"errors"
	"time"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/rpcclient"
	"google.golang.org/grpc"
)

// DefaultTimeout bounds one call.
const DefaultTimeout = 5 * time.Second

// Feed calls staffing over its generated client.
type Feed struct {
	api  staffingv1.StaffingServiceClient
	peer rpcclient.Peer
}

// New returns a feed over an established connection to staffing.
func New(conn grpc.ClientConnInterface) *Feed {
	return &Feed{api: staffingv1.NewStaffingServiceClient(conn), peer: rpcclient.Peer{Name: "staffing", Timeout: DefaultTimeout}}
}

// StaffMember reports whether the school has the staff record.
func (f *Feed) StaffMember(ctx context.Context, schoolID, staffID string) error {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	_, err := f.api.GetStaffMember(ctx, &staffingv1.GetStaffMemberRequest{SchoolId: schoolID, StaffId: staffID})
	return f.err(err, "staff member")
}

// Institution reports whether the district has the institution.
func (f *Feed) Institution(ctx context.Context, districtID, institutionID string) error {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	_, err := f.api.GetInstitution(ctx, &staffingv1.GetInstitutionRequest{DistrictId: districtID, InstitutionId: institutionID})
	return f.err(err, "institution")
}

func (f *Feed) err(err error, what string) error {
	if err == nil {
		return nil
	}
	err = f.peer.Err(err, what)
	if errors.Is(err, fault.ErrNotFound) {
		return fault.NotFound(what + " not found")
	}
	return err
}
