// Package timetablefeed is identity's one adapter to timetable: whether a
// district or a school exists (and the school's district), and a school's
// roster with its guardians' full phone numbers (timetable's
// ListRosterContacts, open only to identity's service credential). It
// calls the generated contract only, bounds every call and maps
// timetable's status codes through platform/rpcclient, and answers in
// identity's vocabulary (domain/account).
package timetablefeed

import (
	"context"
	"errors"
	"time"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/identity/domain/account"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/rpcclient"
	"google.golang.org/grpc"
)

// DefaultTimeout bounds one call.
const DefaultTimeout = 5 * time.Second

// Feed calls timetable over its generated client.
type Feed struct {
	api  timetablev1.TimetableServiceClient
	peer rpcclient.Peer
}

// New returns a feed over an established connection to timetable.
func New(conn grpc.ClientConnInterface) *Feed {
	return &Feed{api: timetablev1.NewTimetableServiceClient(conn), peer: rpcclient.Peer{Name: "timetable", Timeout: DefaultTimeout}}
}

// District reports whether the district exists (fault.ErrNotFound otherwise).
func (f *Feed) District(ctx context.Context, districtID string) error {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	_, err := f.api.GetDistrict(ctx, &timetablev1.GetDistrictRequest{DistrictId: districtID})
	return f.err(err, "district")
}

// SchoolDistrict returns the district of an existing school.
func (f *Feed) SchoolDistrict(ctx context.Context, schoolID string) (string, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	r, err := f.api.GetSchool(ctx, &timetablev1.GetSchoolRequest{SchoolId: schoolID})
	if err != nil {
		return "", f.err(err, "school")
	}
	return r.GetSchool().GetDistrictId(), nil
}

// Contacts returns the school's students (only those named, when any are)
// with their guardians' full phone numbers.
func (f *Feed) Contacts(ctx context.Context, schoolID string, studentIDs []string) ([]account.Contact, error) {
	var out []account.Contact
	token := ""
	for {
		cctx, cancel := f.peer.Call(ctx)
		r, err := f.api.ListRosterContacts(cctx, &timetablev1.ListRosterContactsRequest{SchoolId: schoolID, StudentIds: studentIDs,
			PageSize: 500, PageToken: token})
		cancel()
		if err != nil {
			return nil, f.err(err, "roster")
		}
		for _, c := range r.GetContacts() {
			ct := account.Contact{StudentID: c.GetStudentId(), Name: c.GetName()}
			for _, g := range c.GetGuardians() {
				ct.Guardians = append(ct.Guardians, account.Guardian{Name: g.GetName(), Phone: g.GetPhone()})
			}
			out = append(out, ct)
		}
		if token = r.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
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
