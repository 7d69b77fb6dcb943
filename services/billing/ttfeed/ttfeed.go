// Package ttfeed is billing's adapter over timetable's gRPC feeds: the
// calendar, service items, enrolment intervals with leave, occurrences with
// cancellations and delivered minutes, and schools. It turns timetable's
// contract into plain values in the fee engine's vocabulary, so billing never
// reads timetable's tables and the fee run layer never sees proto.
package ttfeed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/timetable/ttclient"
	"google.golang.org/grpc"
)

// Timeout bounds each unary call; streams get StreamTimeout.
const (
	Timeout       = 5 * time.Second
	StreamTimeout = 2 * time.Minute
)

// School is a school as billing needs it.
type School = ttclient.School

// Term is a school's term (学期).
type Term struct {
	ID       string
	SchoolID string
	Name     string
	Start    fee.Date
	End      fee.Date
}

// Day is one calendar day of a term.
type Day struct {
	Date fee.Date
	// SchoolDay: service is planned (a swapped working Saturday included).
	SchoolDay bool
	// WeekendHoliday: a weekend or a holiday.
	WeekendHoliday bool
	// Closed: a closure cancels the day.
	Closed bool
}

// Item is a timetable service item of a term.
type Item struct {
	ID            string
	Kind          fee.ServiceKind
	Name          string
	PeriodMinutes int
}

// Interval is one enrolment of a student with the leave overlapping it.
type Interval struct {
	StudentID string
	ClassID   string
	ClubID    string
	ItemID    string
	ItemKind  fee.ServiceKind
	Start     fee.Date
	End       fee.Date // zero while enrolled
	Leave     []fee.DateRange
	Hardship  fee.HardshipCategory
	Verified  bool
}

// Occurrence is one dated session of a class or club.
type Occurrence struct {
	Date              fee.Date
	ClassID           string
	ClubID            string
	ItemID            string
	Minutes           int
	Cancelled         bool
	DeliveredMinutes  int
	DeliveredRecorded bool
}

// Feed calls timetable. Resolving a school is ttclient's, which it embeds.
type Feed struct {
	*ttclient.Client
	api timetablev1.TimetableServiceClient
}

// New returns a feed over a connection to timetable.
func New(conn grpc.ClientConnInterface) *Feed {
	c := ttclient.New(conn)
	return &Feed{Client: c, api: c.API()}
}

// Schools lists every school of a district, in timetable's order.
func (f *Feed) Schools(ctx context.Context, districtID string) ([]School, error) {
	var out []School
	token := ""
	for {
		cctx, cancel := context.WithTimeout(ctx, Timeout)
		resp, err := f.api.ListSchools(cctx, &timetablev1.ListSchoolsRequest{DistrictId: districtID, PageSize: 500, PageToken: token})
		cancel()
		if err != nil {
			return nil, ttclient.Interpret(err, "schools of district "+districtID)
		}
		for _, s := range resp.GetSchools() {
			out = append(out, ttclient.SchoolOf(s))
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// Terms lists a school's terms.
func (f *Feed) Terms(ctx context.Context, schoolID string) ([]Term, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	resp, err := f.api.ListTerms(ctx, &timetablev1.ListTermsRequest{SchoolId: schoolID})
	if err != nil {
		return nil, ttclient.Interpret(err, "terms of school "+schoolID)
	}
	var out []Term
	for _, t := range resp.GetTerms() {
		out = append(out, Term{ID: t.GetTermId(), SchoolID: schoolID, Name: t.GetName(), Start: date(t.GetStartDate()), End: date(t.GetEndDate())})
	}
	return out, nil
}

// Calendar returns every day of a term.
func (f *Feed) Calendar(ctx context.Context, schoolID, termID string) ([]Day, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	resp, err := f.api.GetCalendar(ctx, &timetablev1.GetCalendarRequest{SchoolId: schoolID, TermId: termID})
	if err != nil {
		return nil, ttclient.Interpret(err, "calendar of term "+termID)
	}
	out := make([]Day, 0, len(resp.GetDays()))
	for _, d := range resp.GetDays() {
		out = append(out, Day{Date: date(d.GetDate()), SchoolDay: d.GetSchoolDay(), WeekendHoliday: d.GetWeekend() || d.GetHoliday(), Closed: d.GetClosed()})
	}
	return out, nil
}

// Items lists a term's service items with their period length.
func (f *Feed) Items(ctx context.Context, schoolID, termID string) ([]Item, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	resp, err := f.api.ListServiceItems(ctx, &timetablev1.ListServiceItemsRequest{SchoolId: schoolID, TermId: termID})
	if err != nil {
		return nil, ttclient.Interpret(err, "items of term "+termID)
	}
	var out []Item
	for _, it := range resp.GetItems() {
		out = append(out, Item{ID: it.GetItemId(), Kind: ServiceKind(it.GetKind()), Name: it.GetName(), PeriodMinutes: int(it.GetPeriodMinutes())})
	}
	return out, nil
}

// Intervals streams a term's enrolment intervals to fn, batch by batch.
func (f *Feed) Intervals(ctx context.Context, schoolID, termID string, fn func([]Interval) error) error {
	ctx, cancel := context.WithTimeout(ctx, StreamTimeout)
	defer cancel()
	stream, err := f.api.StreamEnrolmentIntervals(ctx, &timetablev1.StreamEnrolmentIntervalsRequest{SchoolId: schoolID, TermId: termID})
	if err != nil {
		return ttclient.Interpret(err, "enrolment intervals of term "+termID)
	}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return ttclient.Interpret(err, "enrolment intervals of term "+termID)
		}
		batch := make([]Interval, 0, len(resp.GetIntervals()))
		for _, iv := range resp.GetIntervals() {
			out := Interval{StudentID: iv.GetStudentId(), ClassID: iv.GetClassId(), ClubID: iv.GetClubId(), ItemID: iv.GetItemId(),
				ItemKind: ServiceKind(iv.GetItemKind()), Start: date(iv.GetStartDate()), End: date(iv.GetEndDate()),
				Hardship: Hardship(iv.GetHardshipCategory()), Verified: iv.GetHardshipVerified()}
			for _, l := range iv.GetLeaves() {
				out.Leave = append(out.Leave, fee.DateRange{From: date(l.GetStartDate()), To: date(l.GetEndDate())})
			}
			batch = append(batch, out)
		}
		if err := fn(batch); err != nil {
			return err
		}
	}
}

// Occurrences streams a term's occurrences between from and to (inclusive) to fn.
func (f *Feed) Occurrences(ctx context.Context, schoolID, termID string, from, to fee.Date, fn func([]Occurrence) error) error {
	ctx, cancel := context.WithTimeout(ctx, StreamTimeout)
	defer cancel()
	stream, err := f.api.StreamOccurrences(ctx, &timetablev1.StreamOccurrencesRequest{SchoolId: schoolID, TermId: termID, From: pdate(from), To: pdate(to)})
	if err != nil {
		return ttclient.Interpret(err, "occurrences of term "+termID)
	}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return ttclient.Interpret(err, "occurrences of term "+termID)
		}
		batch := make([]Occurrence, 0, len(resp.GetOccurrences()))
		for _, o := range resp.GetOccurrences() {
			batch = append(batch, Occurrence{Date: date(o.GetDate()), ClassID: o.GetClassId(), ClubID: o.GetClubId(), ItemID: o.GetItemId(),
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

func date(d *commonv1.Date) fee.Date {
	if d == nil {
		return fee.Date{}
	}
	return fee.Date{Year: int(d.GetYear()), Month: time.Month(d.GetMonth()), Day: int(d.GetDay())}
}

func pdate(d fee.Date) *commonv1.Date {
	if d.IsZero() {
		return nil
	}
	return &commonv1.Date{Year: int32(d.Year), Month: int32(d.Month), Day: int32(d.Day)}
}
