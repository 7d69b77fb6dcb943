// Package timetablefeed is staffing's one adapter to timetable: schools,
// terms and classes, the district policy and the dated sessions
// (occurrences) staffing derives its demands from. It calls the generated
// contract (proto/gen) only, bounds every call and maps timetable's status
// codes through platform/rpcclient, and answers in staffing's vocabulary
// (domain/facts, domain/demand).
package timetablefeed

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/platform/rpcclient"
	"github.com/kehou/kehou/services/staffing/domain/demand"
	"github.com/kehou/kehou/services/staffing/domain/facts"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// StreamTimeout bounds reading a week's occurrence stream; it is longer
// than a unary call because a term can hold thousands of sessions.
const StreamTimeout = 10 * time.Second

// Timeout bounds each unary call to timetable.
const Timeout = 3 * time.Second

// Feed reads from timetable over its generated client.
type Feed struct {
	api  timetablev1.TimetableServiceClient
	peer rpcclient.Peer
	mem  memory // what never changes (remember.go)
}

// New returns a feed over an established connection to timetable.
func New(conn grpc.ClientConnInterface) *Feed {
	return &Feed{api: timetablev1.NewTimetableServiceClient(conn), peer: rpcclient.Peer{Name: "timetable", Timeout: Timeout}}
}

// School resolves a school id to its district, name and stage.
func (f *Feed) School(ctx context.Context, schoolID string) (facts.School, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	resp, err := f.api.GetSchool(ctx, &timetablev1.GetSchoolRequest{SchoolId: schoolID})
	if err != nil {
		return facts.School{}, f.peer.Err(err, "school "+schoolID)
	}
	s := resp.GetSchool()
	return facts.School{ID: s.GetSchoolId(), DistrictID: s.GetDistrictId(), Name: s.GetName(), Stage: stages[s.GetStage()], Category: s.GetCategory()}, nil
}

var stages = map[timetablev1.SchoolStage]string{
	timetablev1.SchoolStage_SCHOOL_STAGE_PRIMARY:       "primary",
	timetablev1.SchoolStage_SCHOOL_STAGE_JUNIOR_MIDDLE: "junior_middle",
	timetablev1.SchoolStage_SCHOOL_STAGE_NINE_YEAR:     "nine_year",
}

// Classes returns the ids of a school's classes, so that a teacher's
// classes are checked against the classes timetable knows.
func (f *Feed) Classes(ctx context.Context, schoolID string) ([]string, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	resp, err := f.api.ListClasses(ctx, &timetablev1.ListClassesRequest{SchoolId: schoolID})
	if err != nil {
		return nil, f.peer.Err(err, "classes of school "+schoolID)
	}
	out := make([]string, 0, len(resp.GetClasses()))
	for _, c := range resp.GetClasses() {
		out = append(out, c.GetClassId())
	}
	return out, nil
}

// CheckTerm returns NotFound unless termID is a term of the school, so
// that staff never opt in to a term that is not their school's.
func (f *Feed) CheckTerm(ctx context.Context, schoolID, termID string) error {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	if _, err := f.api.GetTerm(ctx, &timetablev1.GetTermRequest{SchoolId: schoolID, TermId: termID}); err != nil {
		return f.peer.Err(err, "term "+termID+" of school "+schoolID)
	}
	return nil
}

// Policy returns the district's staffing-relevant policy for a school of
// stage: the students-per-adult ratio and the period length (nine-year
// schools count primary periods, the stricter of the two).
func (f *Feed) Policy(ctx context.Context, districtID, stage string) (demand.Policy, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	resp, err := f.api.GetDistrict(ctx, &timetablev1.GetDistrictRequest{DistrictId: districtID})
	if err != nil {
		return demand.Policy{}, f.peer.Err(err, "district "+districtID)
	}
	p := resp.GetDistrict().GetPolicy()
	out := demand.Policy{StudentsPerAdult: int(p.GetStudentsPerAdult()), PeriodMinutes: int(p.GetPeriodMinutesPrimary())}
	if stage == "junior_middle" {
		out.PeriodMinutes = int(p.GetPeriodMinutesJuniorMiddle())
	}
	return out, nil
}

var itemKinds = map[timetablev1.ItemKind]string{
	timetablev1.ItemKind_ITEM_KIND_BASIC_CARE:    demand.ItemBasicCare,
	timetablev1.ItemKind_ITEM_KIND_ENRICHMENT:    demand.ItemEnrichment,
	timetablev1.ItemKind_ITEM_KIND_LUNCH_CARE:    demand.ItemLunchCare,
	timetablev1.ItemKind_ITEM_KIND_EXTENDED_CARE: demand.ItemExtendedCare,
	timetablev1.ItemKind_ITEM_KIND_EVENING_STUDY: demand.ItemEveningStudy,
	timetablev1.ItemKind_ITEM_KIND_WEEKEND_CARE:  demand.ItemWeekendCare,
}

// Convert maps one timetable occurrence to what staffing derives demands from.
func Convert(o *timetablev1.Occurrence) demand.Occurrence {
	out := demand.Occurrence{
		ID: o.GetOccurrenceId(), Date: pbconv.CivilDateOf(o.GetDate()), ItemKind: itemKinds[o.GetItemKind()], Segment: int(o.GetSegment()),
		ClassID: o.GetClassId(), ClubID: o.GetClubId(),
		Start: pbconv.MinuteOfDay(o.GetStart()), End: pbconv.MinuteOfDay(o.GetEnd()),
		Cancelled: o.GetStatus() == timetablev1.OccurrenceStatus_OCCURRENCE_STATUS_CANCELLED,
		Students:  int(o.GetStudents()),
	}
	if out.ItemKind == "" {
		out.ItemKind = strings.ToLower(o.GetItemKind().String())
	}
	if k := o.GetActivityKind(); k != timetablev1.ActivityKind_ACTIVITY_KIND_UNSPECIFIED {
		out.ActivityKind = strings.ToLower(strings.TrimPrefix(k.String(), "ACTIVITY_KIND_"))
	}
	if o.GetProviderKind() == timetablev1.ProviderKind_PROVIDER_KIND_INSTITUTION {
		out.InstitutionID = o.GetInstitutionId()
	}
	return out
}

// Occurrences streams a term's sessions on days in [from, to].
func (f *Feed) Occurrences(ctx context.Context, schoolID, termID string, from, to civil.Date) ([]demand.Occurrence, error) {
	ctx, cancel := f.peer.Stream(ctx, StreamTimeout)
	defer cancel()
	stream, err := f.api.StreamOccurrences(ctx, &timetablev1.StreamOccurrencesRequest{
		SchoolId: schoolID, TermId: termID, From: pbconv.FromCivilDate(from), To: pbconv.FromCivilDate(to)})
	if err != nil {
		return nil, f.peer.Err(err, "occurrences of term "+termID)
	}
	var out []demand.Occurrence
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, f.peer.Err(err, "occurrences of term "+termID)
		}
		for _, o := range resp.GetOccurrences() {
			out = append(out, Convert(o))
		}
	}
}

// StudentSessions returns the occurrence ids of a child's sessions in the
// week holding weekOf, asked with the caller's own token: timetable decides
// whose child it is, so a guardian never learns of another child's sessions.
func (f *Feed) StudentSessions(ctx context.Context, schoolID, studentID, termID string, weekOf civil.Date) ([]string, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	resp, err := f.api.GetStudentWeek(ctx, &timetablev1.GetStudentWeekRequest{SchoolId: schoolID, StudentId: studentID,
		TermId: termID, WeekOf: pbconv.FromCivilDate(weekOf)})
	if status.Code(err) == codes.InvalidArgument {
		// Every other field was checked here first: timetable's only
		// complaint left is a week outside the term.
		return nil, fault.Invalid("week_of", status.Convert(err).Message())
	}
	if err != nil {
		return nil, f.peer.Err(err, "week of student "+studentID)
	}
	out := make([]string, 0, len(resp.GetSessions()))
	for _, s := range resp.GetSessions() {
		out = append(out, s.GetOccurrenceId())
	}
	return out, nil
}
