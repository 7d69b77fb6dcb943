// Package timetablefeed is billing's one adapter to timetable: schools and
// districts, the calendar, service items, enrolment intervals with leave,
// and occurrences with cancellations and delivered minutes. It calls the
// generated contract (proto/gen) only, bounds every call and maps
// timetable's status codes through platform/rpcclient, and answers in
// billing's vocabulary (domain/facts), so billing never reads timetable's
// tables or Go packages and the use cases never see proto. The facts that
// never change (a school's district, a term) are remembered here, inside
// Feed (remember.go).
package timetablefeed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/platform/rpcclient"
	"google.golang.org/grpc"
)

// Deadlines: resolving a school or district is a quick lookup; a term's
// feeds take longer a call, and a stream of a whole term longer still.
const (
	LookupTimeout = 3 * time.Second
	Timeout       = 5 * time.Second
	StreamTimeout = 2 * time.Minute
)

// Feed calls timetable over its generated client.
type Feed struct {
	api    timetablev1.TimetableServiceClient
	lookup rpcclient.Peer
	peer   rpcclient.Peer
	mem    memory // what never changes (remember.go)
}

// New returns a feed over a connection to timetable.
func New(conn grpc.ClientConnInterface) *Feed {
	return &Feed{api: timetablev1.NewTimetableServiceClient(conn),
		lookup: rpcclient.Peer{Name: "timetable", Timeout: LookupTimeout}, peer: rpcclient.Peer{Name: "timetable", Timeout: Timeout}}
}

// School resolves a school id to its district and name.
func (f *Feed) School(ctx context.Context, schoolID string) (facts.School, error) {
	ctx, cancel := f.lookup.Call(ctx)
	defer cancel()
	resp, err := f.api.GetSchool(ctx, &timetablev1.GetSchoolRequest{SchoolId: schoolID})
	if err != nil {
		return facts.School{}, f.lookup.Err(err, "school "+schoolID)
	}
	return schoolOf(resp.GetSchool()), nil
}

// CheckDistrict returns NotFound unless timetable knows the district
// (timetable owns districts), so billing never stores or lists data under
// a district that does not exist.
func (f *Feed) CheckDistrict(ctx context.Context, districtID string) error {
	ctx, cancel := f.lookup.Call(ctx)
	defer cancel()
	if _, err := f.api.GetDistrict(ctx, &timetablev1.GetDistrictRequest{DistrictId: districtID}); err != nil {
		return f.lookup.Err(err, "district "+districtID)
	}
	return nil
}

var stages = map[timetablev1.SchoolStage]string{
	timetablev1.SchoolStage_SCHOOL_STAGE_PRIMARY:       "primary",
	timetablev1.SchoolStage_SCHOOL_STAGE_JUNIOR_MIDDLE: "junior_middle",
	timetablev1.SchoolStage_SCHOOL_STAGE_NINE_YEAR:     "nine_year",
}

func schoolOf(s *timetablev1.School) facts.School {
	return facts.School{ID: s.GetSchoolId(), DistrictID: s.GetDistrictId(), Name: s.GetName(), Stage: stages[s.GetStage()], Category: s.GetCategory()}
}

// Schools lists every school of a district, in timetable's order.
func (f *Feed) Schools(ctx context.Context, districtID string) ([]facts.School, error) {
	var out []facts.School
	token := ""
	for {
		cctx, cancel := f.peer.Call(ctx)
		resp, err := f.api.ListSchools(cctx, &timetablev1.ListSchoolsRequest{DistrictId: districtID, PageSize: 500, PageToken: token})
		cancel()
		if err != nil {
			return nil, f.peer.Err(err, "schools of district "+districtID)
		}
		for _, s := range resp.GetSchools() {
			out = append(out, schoolOf(s))
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// Terms lists a school's terms.
func (f *Feed) Terms(ctx context.Context, schoolID string) ([]facts.Term, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	resp, err := f.api.ListTerms(ctx, &timetablev1.ListTermsRequest{SchoolId: schoolID})
	if err != nil {
		return nil, f.peer.Err(err, "terms of school "+schoolID)
	}
	var out []facts.Term
	for _, t := range resp.GetTerms() {
		out = append(out, facts.Term{ID: t.GetTermId(), SchoolID: schoolID, Name: t.GetName(), Start: pbconv.CivilDateOf(t.GetStartDate()), End: pbconv.CivilDateOf(t.GetEndDate())})
	}
	return out, nil
}

// Calendar returns every day of a term.
func (f *Feed) Calendar(ctx context.Context, schoolID, termID string) ([]facts.Day, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	resp, err := f.api.GetCalendar(ctx, &timetablev1.GetCalendarRequest{SchoolId: schoolID, TermId: termID})
	if err != nil {
		return nil, f.peer.Err(err, "calendar of term "+termID)
	}
	out := make([]facts.Day, 0, len(resp.GetDays()))
	for _, d := range resp.GetDays() {
		out = append(out, facts.Day{Date: pbconv.CivilDateOf(d.GetDate()), SchoolDay: d.GetSchoolDay(), WeekendHoliday: d.GetWeekend() || d.GetHoliday(), Closed: d.GetClosed()})
	}
	return out, nil
}

// Items lists a term's service items with their period length.
func (f *Feed) Items(ctx context.Context, schoolID, termID string) ([]facts.Item, error) {
	ctx, cancel := f.peer.Call(ctx)
	defer cancel()
	resp, err := f.api.ListServiceItems(ctx, &timetablev1.ListServiceItemsRequest{SchoolId: schoolID, TermId: termID})
	if err != nil {
		return nil, f.peer.Err(err, "items of term "+termID)
	}
	var out []facts.Item
	for _, it := range resp.GetItems() {
		out = append(out, facts.Item{ID: it.GetItemId(), Kind: ServiceKind(it.GetKind()), Name: it.GetName(), PeriodMinutes: int(it.GetPeriodMinutes())})
	}
	return out, nil
}

// Intervals streams a term's enrolment intervals to fn, batch by batch.
func (f *Feed) Intervals(ctx context.Context, schoolID, termID string, fn func([]facts.Interval) error) error {
	ctx, cancel := f.peer.Stream(ctx, StreamTimeout)
	defer cancel()
	stream, err := f.api.StreamEnrolmentIntervals(ctx, &timetablev1.StreamEnrolmentIntervalsRequest{SchoolId: schoolID, TermId: termID})
	if err != nil {
		return f.peer.Err(err, "enrolment intervals of term "+termID)
	}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return f.peer.Err(err, "enrolment intervals of term "+termID)
		}
		batch := make([]facts.Interval, 0, len(resp.GetIntervals()))
		for _, iv := range resp.GetIntervals() {
			out := facts.Interval{StudentID: iv.GetStudentId(), ClassID: iv.GetClassId(), ClubID: iv.GetClubId(), ItemID: iv.GetItemId(),
				ItemKind: ServiceKind(iv.GetItemKind()), Start: pbconv.CivilDateOf(iv.GetStartDate()), End: pbconv.CivilDateOf(iv.GetEndDate()),
				Hardship: Hardship(iv.GetHardshipCategory()), Verified: iv.GetHardshipVerified()}
			for _, l := range iv.GetLeaves() {
				out.Leave = append(out.Leave, fee.DateRange{From: pbconv.CivilDateOf(l.GetStartDate()), To: pbconv.CivilDateOf(l.GetEndDate())})
			}
			batch = append(batch, out)
		}
		if err := fn(batch); err != nil {
			return err
		}
	}
}

// Occurrences streams a term's occurrences between from and to (inclusive) to fn.
func (f *Feed) Occurrences(ctx context.Context, schoolID, termID string, from, to civil.Date, fn func([]facts.Occurrence) error) error {
	ctx, cancel := f.peer.Stream(ctx, StreamTimeout)
	defer cancel()
	stream, err := f.api.StreamOccurrences(ctx, &timetablev1.StreamOccurrencesRequest{SchoolId: schoolID, TermId: termID, From: pbconv.FromCivilDate(from), To: pbconv.FromCivilDate(to)})
	if err != nil {
		return f.peer.Err(err, "occurrences of term "+termID)
	}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return f.peer.Err(err, "occurrences of term "+termID)
		}
		batch := make([]facts.Occurrence, 0, len(resp.GetOccurrences()))
		for _, o := range resp.GetOccurrences() {
			batch = append(batch, facts.Occurrence{Date: pbconv.CivilDateOf(o.GetDate()), ClassID: o.GetClassId(), ClubID: o.GetClubId(), ItemID: o.GetItemId(),
				Minutes: int(o.GetMinutes()), Cancelled: o.GetStatus() == timetablev1.OccurrenceStatus_OCCURRENCE_STATUS_CANCELLED,
				DeliveredMinutes: int(o.GetDeliveredMinutes()), DeliveredRecorded: o.GetDeliveredRecorded()})
		}
		if err := fn(batch); err != nil {
			return err
		}
	}
}

// ServiceKind maps timetable's item kind to the fee engine's service kind.
func ServiceKind(k timetablev1.ItemKind) fee.ServiceKind {
	switch k {
	case timetablev1.ItemKind_ITEM_KIND_BASIC_CARE:
		return fee.BasicCare
	case timetablev1.ItemKind_ITEM_KIND_ENRICHMENT:
		return fee.Enrichment
	case timetablev1.ItemKind_ITEM_KIND_LUNCH_CARE:
		return fee.LunchCare
	case timetablev1.ItemKind_ITEM_KIND_EXTENDED_CARE:
		return fee.ExtendedCare
	case timetablev1.ItemKind_ITEM_KIND_EVENING_STUDY:
		return fee.EveningStudy
	case timetablev1.ItemKind_ITEM_KIND_WEEKEND_CARE:
		return fee.WeekendCare
	}
	return fee.ServiceKind(fmt.Sprintf("unknown_%d", k))
}

// Hardship maps timetable's hardship category to the fee engine's.
func Hardship(h timetablev1.HardshipCategory) fee.HardshipCategory {
	switch h {
	case timetablev1.HardshipCategory_HARDSHIP_CATEGORY_JIANDANG_LIKA:
		return fee.JiandangLika
	case timetablev1.HardshipCategory_HARDSHIP_CATEGORY_DIBAO:
		return fee.Dibao
	case timetablev1.HardshipCategory_HARDSHIP_CATEGORY_TEKUN:
		return fee.Tekun
	case timetablev1.HardshipCategory_HARDSHIP_CATEGORY_ORPHAN:
		return fee.Orphan
	case timetablev1.HardshipCategory_HARDSHIP_CATEGORY_DISABLED:
		return fee.Disabled
	case timetablev1.HardshipCategory_HARDSHIP_CATEGORY_POVERTY_RISK:
		return fee.PovertyRisk
	case timetablev1.HardshipCategory_HARDSHIP_CATEGORY_SUDDEN_HARDSHIP:
		return fee.SuddenHardship
	}
	return ""
}
