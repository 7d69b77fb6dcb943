// Package ttclient is how other services ask timetable for facts: a thin
// adapter over the generated gRPC client that sets a deadline on every call
// and turns timetable's status codes back into shared error kinds.
package ttclient

import (
	"context"
	"time"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/rpcclient"
	"google.golang.org/grpc"
)

// DefaultTimeout bounds each call to timetable when the caller's context
// has a later (or no) deadline.
const DefaultTimeout = 3 * time.Second

// School is what other services need to know about a school.
type School struct {
	ID         string
	DistrictID string
	Name       string
	Stage      string // primary, junior_middle or nine_year
	// Category is the school's 学校类别 (urban, county, rural or empty), which price ceilings
	// can depend on.
	Category string
}

// Client calls timetable.
type Client struct {
	api     timetablev1.TimetableServiceClient
	timeout time.Duration
}

// New returns a client over an established connection to timetable.
func New(conn grpc.ClientConnInterface) *Client {
	return &Client{api: timetablev1.NewTimetableServiceClient(conn), timeout: DefaultTimeout}
}

// API exposes the generated client for calls this adapter does not wrap.
func (c *Client) API() timetablev1.TimetableServiceClient { return c.api }

// School resolves a school id to its district and name.
func (c *Client) School(ctx context.Context, schoolID string) (School, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.api.GetSchool(ctx, &timetablev1.GetSchoolRequest{SchoolId: schoolID})
	if err != nil {
		return School{}, Interpret(err, "school "+schoolID)
	}
	return SchoolOf(resp.GetSchool()), nil
}

// CheckDistrict returns NotFound unless timetable knows the district
// (timetable owns districts), so other services never store or list data
// under a district that does not exist.
func (c *Client) CheckDistrict(ctx context.Context, districtID string) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if _, err := c.api.GetDistrict(ctx, &timetablev1.GetDistrictRequest{DistrictId: districtID}); err != nil {
		return Interpret(err, "district "+districtID)
	}
	return nil
}

var stages = map[timetablev1.SchoolStage]string{
	timetablev1.SchoolStage_SCHOOL_STAGE_PRIMARY:       "primary",
	timetablev1.SchoolStage_SCHOOL_STAGE_JUNIOR_MIDDLE: "junior_middle",
	timetablev1.SchoolStage_SCHOOL_STAGE_NINE_YEAR:     "nine_year",
}

// SchoolOf converts timetable's school message, for adapters that list
// schools through API.
func SchoolOf(s *timetablev1.School) School {
	return School{ID: s.GetSchoolId(), DistrictID: s.GetDistrictId(), Name: s.GetName(), Stage: stages[s.GetStage()], Category: s.GetCategory()}
}

// Interpret maps a status from timetable to a shared error kind, so the
// calling service reports "school not found" as its own NotFound and an
// unreachable timetable as Unavailable, not as an internal error.
func Interpret(err error, what string) error { return rpcclient.Interpret("timetable", err, what) }
