// Package staffingfeed is billing's one adapter to staffing: a month's
// approved delivered hours (with the records still pending) and the people
// paid without hours. It calls the generated contract (proto/gen) only,
// bounds every call and maps staffing's status codes through
// platform/rpcclient, and answers in billing's vocabulary (domain/facts).
package staffingfeed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/platform/rpcclient"
	"github.com/shopspring/decimal"
	"google.golang.org/grpc"
)

// DefaultTimeout bounds reading one month's feed.
const DefaultTimeout = 10 * time.Second

// Feed calls staffing over its generated client.
type Feed struct {
	api  staffingv1.StaffingServiceClient
	peer rpcclient.Peer
}

// New returns a feed over an established connection to staffing.
func New(conn grpc.ClientConnInterface) *Feed {
	return &Feed{api: staffingv1.NewStaffingServiceClient(conn), peer: rpcclient.Peer{Name: "staffing", Timeout: DefaultTimeout}}
}

var kinds = map[staffingv1.StaffKind]string{
	staffingv1.StaffKind_STAFF_KIND_TEACHER:            "teacher",
	staffingv1.StaffKind_STAFF_KIND_OUTSIDE_INSTRUCTOR: "outside_instructor",
	staffingv1.StaffKind_STAFF_KIND_ADMIN:              "admin",
}

// ApprovedHours reads the approved hours of a school and month.
func (f *Feed) ApprovedHours(ctx context.Context, schoolID string, year int, month time.Month) ([]facts.Hours, error) {
	out, _, err := f.read(ctx, schoolID, year, month, false)
	return out, err
}

// MonthHours reads the approved hours of a school and month and the
// month's pending records, which a pay run must refuse or leave.
func (f *Feed) MonthHours(ctx context.Context, schoolID string, year int, month time.Month) ([]facts.Hours, []facts.Pending, error) {
	return f.read(ctx, schoolID, year, month, true)
}

func (f *Feed) read(ctx context.Context, schoolID string, year int, month time.Month, pending bool) ([]facts.Hours, []facts.Pending, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	what := fmt.Sprintf("approved hours of school %s in %04d-%02d", schoolID, year, int(month))
	stream, err := f.api.StreamApprovedHours(ctx, &staffingv1.StreamApprovedHoursRequest{SchoolId: schoolID, Year: int32(year), Month: int32(month), IncludePending: pending})
	if err != nil {
		return nil, nil, f.peer.Err(err, what)
	}
	var out []facts.Hours
	var pend []facts.Pending
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, pend, nil
		}
		if err != nil {
			return nil, nil, f.peer.Err(err, what)
		}
		for _, p := range resp.GetPending() {
			d := p.GetDate()
			pend = append(pend, facts.Pending{RecordID: p.GetRecordId(), AssignmentID: p.GetAssignmentId(), StaffID: p.GetStaffId(),
				Date: time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC), Status: p.GetStatus()})
		}
		for _, h := range resp.GetHours() {
			p, err := decimal.NewFromString(h.GetPeriods())
			if err != nil {
				return nil, nil, fmt.Errorf("%s: record %s: periods %q: %w", what, h.GetRecordId(), h.GetPeriods(), err)
			}
			d := h.GetDate()
			out = append(out, facts.Hours{
				RecordID: h.GetRecordId(), AssignmentID: h.GetAssignmentId(), StaffID: h.GetStaffId(), StaffKind: kinds[h.GetStaffKind()],
				InstitutionID: h.GetInstitutionId(), DistrictID: h.GetDistrictId(), SchoolID: h.GetSchoolId(),
				Date: time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC),
				Role: h.GetRole(), Duty: h.GetDuty(), Status: h.GetStatus(),
				ScheduledMinutes: int(h.GetScheduledMinutes()), ActualMinutes: int(h.GetActualMinutes()), CreditedMinutes: int(h.GetCreditedMinutes()),
				Periods: p, PeriodMinutes: int(h.GetPeriodMinutes()), Students: int(h.GetStudents()), ClassID: h.GetClassId(), ClubID: h.GetClubId(),
				StartMinute: int(h.GetStartMinute()), EndMinute: int(h.GetEndMinute()),
			})
		}
	}
}

// StaffMember reads one person of a school.
func (f *Feed) StaffMember(ctx context.Context, schoolID, staffID string) (facts.Member, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	resp, err := f.api.GetStaffMember(ctx, &staffingv1.GetStaffMemberRequest{SchoolId: schoolID, StaffId: staffID})
	if err != nil {
		return facts.Member{}, f.peer.Err(err, "staff member "+staffID)
	}
	m := resp.GetStaffMember()
	return facts.Member{StaffID: m.GetStaffId(), StaffKind: kinds[m.GetKind()], InstitutionID: m.GetInstitutionId()}, nil
}

// Identities reads the names and ID card numbers of a school's staff (those
// of staffIDs, or all) for the pay sheet, by staff id.
func (f *Feed) Identities(ctx context.Context, schoolID string, staffIDs []string) (map[string]facts.Identity, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	resp, err := f.api.ListStaffIdentities(ctx, &staffingv1.ListStaffIdentitiesRequest{SchoolId: schoolID, StaffIds: staffIDs})
	if err != nil {
		return nil, f.peer.Err(err, "staff identities of school "+schoolID)
	}
	out := make(map[string]facts.Identity, len(resp.GetIdentities()))
	for _, id := range resp.GetIdentities() {
		out[id.GetStaffId()] = facts.Identity{StaffID: id.GetStaffId(), Name: id.GetName(), IDCardNumber: id.GetIdCardNumber()}
	}
	return out, nil
}
