package rpc

import (
	"context"
	"slices"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/paging"
)

// rosterAll bounds a lookup of named students: a school's whole roster.
const rosterAll = 20_000

// ListRosterContacts implements the RPC: identity's feed of a roster with
// the guardians' full phone numbers (the only answer that carries them,
// open only to identity's service credential: rpc.Policy).
func (s *Server) ListRosterContacts(ctx context.Context, req *timetablev1.ListRosterContactsRequest) (*timetablev1.ListRosterContactsResponse, error) {
	resp := &timetablev1.ListRosterContactsResponse{}
	if ids := req.GetStudentIds(); len(ids) > 0 {
		sts, err := s.app.ListStudents(ctx, req.GetSchoolId(), "", "", rosterAll)
		if err != nil {
			return nil, s.toStatus(ctx, err)
		}
		for _, st := range sts {
			if slices.Contains(ids, st.ID) {
				pb := studentProto(st, req.GetSchoolId())
				resp.Contacts = append(resp.Contacts, &timetablev1.RosterContact{StudentId: st.ID, Name: st.Name, Guardians: pb.Guardians})
			}
		}
		return resp, nil
	}
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	size := paging.Size(req.GetPageSize())
	sts, err := s.app.ListStudents(ctx, req.GetSchoolId(), "", after, size+1)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	if len(sts) > size {
		sts = sts[:size]
		resp.NextPageToken = paging.Encode(sts[size-1].ID)
	}
	for _, st := range sts {
		pb := studentProto(st, req.GetSchoolId())
		resp.Contacts = append(resp.Contacts, &timetablev1.RosterContact{StudentId: st.ID, Name: st.Name, Guardians: pb.Guardians})
	}
	return resp, nil
}
