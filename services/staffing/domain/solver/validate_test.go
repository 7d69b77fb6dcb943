package solver

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

func TestValidate(t *testing.T) {
	base := func() Problem {
		return Problem{
			Institutions: []Institution{approvedInstitution("inst1", ActivityArts)},
			Staff:        []Staff{newTeacher("t1"), newInstructor("i1", "inst1", qualifiedFor(ActivityArts))},
			Demands:      []Demand{homework("h1", 0, "c1"), club("k1", 0, ActivityArts, byInstitution("inst1"))},
		}
	}
	tests := []struct {
		name string
		give func(*Problem)
		want []fault.Violation
	}{
		{"valid", func(*Problem) {}, nil},
		{"unknown activity kind in a qualification", func(p *Problem) { p.Staff[0].Qualifications = []ActivityKind{"knitting"} },
			[]fault.Violation{{Field: "staff[0].qualifications[0]", Reason: `unknown activity kind "knitting"`}}},
		{"unknown activity kind in a demand", func(p *Problem) { p.Demands[1].ActivityKind = "knitting" },
			[]fault.Violation{{Field: "demands[1].activity_kind", Reason: `unknown activity kind "knitting"`}}},
		{"availability outside the service day", func(p *Problem) {
			p.Staff[0].Availability = []Slot{{Weekday: time.Monday, Window: Window{Clock(6, 0), Clock(22, 0)}}}
		}, []fault.Violation{
			{Field: "staff[0].availability[0].window.start", Reason: "06:00 is outside the service day 07:00-21:00"},
			{Field: "staff[0].availability[0].window.end", Reason: "22:00 is outside the service day 07:00-21:00"},
		}},
		{"availability ends before it starts", func(p *Problem) {
			p.Staff[0].Availability = []Slot{{Weekday: time.Monday, Window: Window{Clock(17, 0), Clock(16, 0)}}}
		}, []fault.Violation{{Field: "staff[0].availability[0].window.end", Reason: "must be after start 17:00"}}},
		{"instructor of an unknown institution", func(p *Problem) { p.Staff[1].InstitutionID = "ghost" },
			[]fault.Violation{{Field: "staff[1].institution_id", Reason: `unknown institution "ghost"`}}},
		{"instructor without institution", func(p *Problem) { p.Staff[1].InstitutionID = "" },
			[]fault.Violation{{Field: "staff[1].institution_id", Reason: "required for an outside instructor"}}},
		{"duplicate staff and bad kind", func(p *Problem) { p.Staff[1] = Staff{ID: "t1", Kind: "janitor"} },
			[]fault.Violation{{Field: "staff[1].id", Reason: `duplicate id "t1"`}, {Field: "staff[1].kind", Reason: `unknown staff kind "janitor"`}}},
		{"demand without class, count or periods", func(p *Problem) {
			p.Demands[0].ClassID, p.Demands[0].Count, p.Demands[0].Periods = "", 0, 0
		}, []fault.Violation{
			{Field: "demands[0].periods", Reason: "must be at least 1"},
			{Field: "demands[0].count", Reason: "must be at least 1"},
			{Field: "demands[0].class_id", Reason: "required for a supervisor demand"},
		}},
		{"demand on a date that does not exist", func(p *Problem) { p.Demands[0].Date = civil.Date{Year: 2025, Month: time.February, Day: 30} },
			[]fault.Violation{{Field: "demands[0].date", Reason: "not a calendar date"}}},
		{"demand ends before it starts", func(p *Problem) { p.Demands[0].End = Clock(15, 0) },
			[]fault.Violation{{Field: "demands[0].end", Reason: "must be after start 15:30"}}},
		{"locked assignment to unknown staff", func(p *Problem) { p.Locked = assign("h1", "ghost") },
			[]fault.Violation{{Field: "locked[0].staff_id", Reason: `unknown staff "ghost"`}}},
		{"negative limit", func(p *Problem) { p.Staff[0].Limits.MaxPeriodsPerWeek = -1 },
			[]fault.Violation{{Field: "staff[0].limits.max_periods_per_week", Reason: "must not be negative"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.give(&p)
			err := p.Validate()
			var got []fault.Violation
			var ve *fault.ValidationError
			if errors.As(err, &ve) {
				got = ve.Violations
				if !errors.Is(err, fault.ErrInvalid) {
					t.Errorf("errors.Is(%v, fault.ErrInvalid) = false", err)
				}
			} else if err != nil {
				t.Fatalf("Validate() = %v, want a *fault.ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() field errors (-want +got):\n%s", diff)
			}
			if _, err := Solve(p, Options{}); (err != nil) != (tt.want != nil) {
				t.Errorf("Solve() error = %v, want error %v", err, tt.want != nil)
			}
		})
	}
}

func TestSolveRejectsNegativeIterations(t *testing.T) {
	_, err := Solve(Problem{}, Options{MaxIterations: -1})
	var ve *fault.ValidationError
	if !errors.As(err, &ve) || ve.Violations[0].Field != "options.max_iterations" {
		t.Errorf("Solve(MaxIterations: -1) error = %v, want a field error on options.max_iterations", err)
	}
}

func TestDate(t *testing.T) {
	tests := []struct {
		give civil.Date
		want string
		ok   bool
		wd   time.Weekday
	}{
		{civil.New(2025, time.March, 3), "2025-03-03", true, time.Monday},
		{civil.New(2025, time.February, 29), "2025-03-01", true, time.Saturday},
		{civil.Date{Year: 2025, Month: time.February, Day: 29}, "2025-02-29", false, time.Saturday},
		{civil.Date{}, "", false, time.Thursday}, // the zero (unset) Date formats as "", as everywhere
	}
	for _, tt := range tests {
		if got := tt.give.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if got := tt.give.Valid(); got != tt.ok {
			t.Errorf("%v.Valid() = %v, want %v", tt.give, got, tt.ok)
		}
		if tt.ok {
			if got := tt.give.Weekday(); got != tt.wd {
				t.Errorf("%v.Weekday() = %v, want %v", tt.give, got, tt.wd)
			}
		}
	}
	if got := mon.AddDays(7).Compare(mon); got != 1 {
		t.Errorf("Compare = %d, want 1", got)
	}
}
