// Package stclient is how other services (billing) ask staffing for facts:
// a thin adapter over the generated gRPC client that sets a deadline on
// every call and turns staffing's status codes back into shared error
// kinds, so a caller reports "school not found" as its own NotFound and an
// unreachable staffing as Unavailable.
package stclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/platform/rpcclient"
	"github.com/shopspring/decimal"
	"google.golang.org/grpc"
)

// DefaultTimeout bounds reading one month's feed.
const DefaultTimeout = 10 * time.Second

// Hours is one assignment's approved delivered hours of a month, after
// corrections: what remuneration (劳务报酬) is computed from. Each
// assignment appears once, so an hour is never paid twice.
type Hours struct {
	RecordID                                         string
	AssignmentID                                     string
	StaffID                                          string
	StaffKind                                        string // teacher, outside_instructor or admin
	InstitutionID                                    string
	DistrictID                                       string
	SchoolID                                         string
	Date                                             time.Time // midnight UTC of the civil date
	Role                                             string    // supervisor, instructor, extra_adult, patrol
	Duty                                             string    // taught, substitute_cover, supervision_only
	Status                                           string    // approved or locked
	ScheduledMinutes, ActualMinutes, CreditedMinutes int
	// Periods are the credited periods (课时), pro rata, four places.
	Periods       decimal.Decimal
	PeriodMinutes int
	Students      int
	ClassID       string
	ClubID        string
	// StartMinute and EndMinute are the scheduled clock times of the
	// session, minutes after local midnight (for time-block pay rules).
	StartMinute, EndMinute int
}

// Pending is a record of the month that does not count for pay yet (draft,
// checked out, a correction awaiting approval) or counts but is not locked.
type Pending struct {
	RecordID     string
	AssignmentID string
	StaffID      string
	Date         time.Time // midnight UTC of the civil date
	Status       string    // draft, checked_out or approved
}

// Client calls staffing.
type Client struct {
	api     staffingv1.StaffingServiceClient
	timeout time.Duration
}

// New returns a client over an established connection to staffing.
func New(conn grpc.ClientConnInterface) *Client {
	return &Client{api: staffingv1.NewStaffingServiceClient(conn), timeout: DefaultTimeout}
}

// API exposes the generated client for calls this adapter does not wrap.
func (c *Client) API() staffingv1.StaffingServiceClient { return c.api }

var kinds = map[staffingv1.StaffKind]string{
	staffingv1.StaffKind_STAFF_KIND_TEACHER:            "teacher",
	staffingv1.StaffKind_STAFF_KIND_OUTSIDE_INSTRUCTOR: "outside_instructor",
	staffingv1.StaffKind_STAFF_KIND_ADMIN:              "admin",
}

// ApprovedHours reads the approved hours of a school and month.
func (c *Client) ApprovedHours(ctx context.Context, schoolID string, year int, month time.Month) ([]Hours, error) {
	out, _, err := c.read(ctx, schoolID, year, month, false)
	return out, err
}

// MonthHours reads the approved hours of a school and month and the
// month's pending records, which a pay run must refuse or leave.
func (c *Client) MonthHours(ctx context.Context, schoolID string, year int, month time.Month) ([]Hours, []Pending, error) {
	return c.read(ctx, schoolID, year, month, true)
}

func (c *Client) read(ctx context.Context, schoolID string, year int, month time.Month, pending bool) ([]Hours, []Pending, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	what := fmt.Sprintf("approved hours of school %s in %04d-%02d", schoolID, year, int(month))
	stream, err := c.api.StreamApprovedHours(ctx, &staffingv1.StreamApprovedHoursRequest{SchoolId: schoolID, Year: int32(year), Month: int32(month), IncludePending: pending})
	if err != nil {
		return nil, nil, Interpret(err, what)
	}
	var out []Hours
	var pend []Pending
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, pend, nil
		}
		if err != nil {
			return nil, nil, Interpret(err, what)
		}
		for _, p := range resp.GetPending() {
			d := p.GetDate()
			pend = append(pend, Pending{RecordID: p.GetRecordId(), AssignmentID: p.GetAssignmentId(), StaffID: p.GetStaffId(),
				Date: time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC), Status: p.GetStatus()})
		}
		for _, h := range resp.GetHours() {
			p, err := decimal.NewFromString(h.GetPeriods())
			if err != nil {
				return nil, nil, fmt.Errorf("%s: record %s: periods %q: %w", what, h.GetRecordId(), h.GetPeriods(), err)
			}
			d := h.GetDate()
			out = append(out, Hours{
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

// Interpret maps a status from staffing to a shared error kind.
func Interpret(err error, what string) error { return rpcclient.Interpret("staffing", err, what) }

// Member is what billing needs to know of a person who is paid without
// delivered hours (a class teacher's or manager's allowance): their kind
// and institution.
type Member struct {
	StaffID       string
	StaffKind     string // teacher, outside_instructor or admin
	InstitutionID string
}

// StaffMember reads one person of a school.
func (c *Client) StaffMember(ctx context.Context, schoolID, staffID string) (Member, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.api.GetStaffMember(ctx, &staffingv1.GetStaffMemberRequest{SchoolId: schoolID, StaffId: staffID})
	if err != nil {
		return Member{}, Interpret(err, "staff member "+staffID)
	}
	m := resp.GetStaffMember()
	return Member{StaffID: m.GetStaffId(), StaffKind: kinds[m.GetKind()], InstitutionID: m.GetInstitutionId()}, nil
}
