package app_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// fakeFeed generates a district's timetable facts on the fly, so runs of any
// size can be tested and measured without holding a city in memory: every
// school has the same September 2024 term (19 school days, 中秋节 off), one
// basic-care item of one 80-minute session a day in classes of 40; every
// 10th student is 低保 (verified), every 7th is on leave for two days.
type fakeFeed struct {
	district string
	schools  int
	students int // per school
	// hook, if set, runs when a school's intervals are streamed (inside the run's transaction).
	hook    func(ctx context.Context) error
	streams atomic.Int64
}

var (
	termStart = civil.New(2024, time.September, 2)
	termEnd   = civil.New(2024, time.September, 27)
	holiday   = civil.New(2024, time.September, 16)
)

func (f *fakeFeed) schoolID(i int) string { return fmt.Sprintf("sch-%04d", i) }

func (f *fakeFeed) School(_ context.Context, id string) (facts.School, error) {
	for i := range f.schools {
		if f.schoolID(i) == id {
			return facts.School{ID: id, DistrictID: f.district, Name: id}, nil
		}
	}
	return facts.School{}, fault.NotFound("school " + id + " not found")
}

func (f *fakeFeed) SchoolDistrict(ctx context.Context, id string) (string, error) {
	sc, err := f.School(ctx, id)
	return sc.DistrictID, err
}

func (f *fakeFeed) Term(ctx context.Context, schoolID, termID string) (facts.Term, error) {
	terms, _ := f.Terms(ctx, schoolID)
	for _, t := range terms {
		if t.ID == termID {
			return t, nil
		}
	}
	return facts.Term{}, fault.NotFound("term " + termID + " not found")
}

func (f *fakeFeed) CheckDistrict(_ context.Context, districtID string) error {
	if districtID != f.district {
		return fault.NotFound("district " + districtID + " not found")
	}
	return nil
}

func (f *fakeFeed) Schools(_ context.Context, _ string) ([]facts.School, error) {
	out := make([]facts.School, f.schools)
	for i := range out {
		out[i] = facts.School{ID: f.schoolID(i), DistrictID: f.district, Name: f.schoolID(i)}
	}
	return out, nil
}

func (f *fakeFeed) Terms(_ context.Context, schoolID string) ([]facts.Term, error) {
	return []facts.Term{{ID: "term-2024-1", SchoolID: schoolID, Start: termStart, End: termEnd}}, nil
}

func (f *fakeFeed) Calendar(_ context.Context, _, _ string) ([]facts.Day, error) {
	var out []facts.Day
	for d := termStart; !d.After(termEnd); d = d.AddDays(1) {
		wd := d.Weekday()
		weekend := wd == time.Saturday || wd == time.Sunday
		out = append(out, facts.Day{Date: d, SchoolDay: !weekend && d != holiday, WeekendHoliday: weekend || d == holiday})
	}
	return out, nil
}

func (f *fakeFeed) Items(_ context.Context, _, _ string) ([]facts.Item, error) {
	return []facts.Item{{ID: "item-basic", Kind: fee.BasicCare, Name: "课后基础托管", PeriodMinutes: 40}}, nil
}

func (f *fakeFeed) classes() int { return (f.students + 39) / 40 }

func (f *fakeFeed) Intervals(ctx context.Context, schoolID, _ string, fn func([]facts.Interval) error) error {
	if f.streams.Add(1); f.hook != nil {
		if err := f.hook(ctx); err != nil {
			return err
		}
	}
	batch := make([]facts.Interval, 0, 500)
	for i := range f.students {
		iv := facts.Interval{StudentID: fmt.Sprintf("%s-stu-%06d", schoolID, i), ClassID: fmt.Sprintf("cls-%03d", i/40),
			ItemID: "item-basic", ItemKind: fee.BasicCare, Start: termStart}
		if i%10 == 3 {
			iv.Hardship, iv.Verified = fee.Dibao, true
		}
		if i%7 == 5 {
			iv.Leave = []fee.DateRange{{From: civil.New(2024, time.September, 5), To: civil.New(2024, time.September, 6)}}
		}
		batch = append(batch, iv)
		if len(batch) == cap(batch) {
			if err := fn(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

func (f *fakeFeed) Occurrences(_ context.Context, _, _ string, from, to civil.Date, fn func([]facts.Occurrence) error) error {
	days, _ := f.Calendar(context.Background(), "", "")
	for _, d := range days {
		if !d.SchoolDay || d.Date.Before(from) || d.Date.After(to) {
			continue
		}
		batch := make([]facts.Occurrence, 0, f.classes())
		for c := range f.classes() {
			batch = append(batch, facts.Occurrence{Date: d.Date, ClassID: fmt.Sprintf("cls-%03d", c), ItemID: "item-basic", Minutes: 80, DeliveredMinutes: 80})
		}
		if err := fn(batch); err != nil {
			return err
		}
	}
	return nil
}

// acceptanceSchedule is issue 5's schedule for the fake district.
func acceptanceSchedule(district string) fee.Schedule {
	return fee.Schedule{
		ID: "sy-2024", Version: 1, Scope: fee.Scope{DistrictID: district}, EffectiveFrom: civil.New(2024, time.September, 1),
		DocumentNo: "三教〔2024〕18号", RoundingRule: "half_up", BillingMode: fee.PrepaidTerm,
		Calendar:  fee.Calendar{DaysPerMonth: decimal.NewFromInt(22), MonthsPerTerm: decimal.RequireFromString("4.5")},
		Proration: fee.ProrationPolicy{RuleID: "proration-exact", Kind: fee.Exact},
		Items:     []fee.Item{{RuleID: "basic-care", Name: "基础托管服务费", Kind: fee.BasicCare, Unit: fee.PerPeriod, Rate: decimal.NewFromInt(2)}},
		Subsidies: []fee.SubsidyRule{{RuleID: "subsidy-day", Kind: fee.PerStudentDay, Amount: decimal.RequireFromString("2.5"),
			Payers: []fee.PayerRatio{{PayerID: "city_finance", Ratio: decimal.NewFromInt(4)}, {PayerID: "district_finance", Ratio: decimal.NewFromInt(6)}}}},
		Waivers: []fee.WaiverRule{{RuleID: "waiver-dibao", Category: fee.Dibao, Percent: decimal.RequireFromString("0.5"), RequiresApproval: true,
			PayerID: "district_civil_affairs"}},
	}
}
