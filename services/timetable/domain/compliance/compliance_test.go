package compliance

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/shopspring/decimal"
)

func TestCheckCompliantSchool(t *testing.T) {
	rep, err := Check(compliant(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	want := Report{
		SchoolID: "s1", From: day(1), To: day(7), SchoolDays: 5, ClubSessions: 10, OutsideSessions: 5,
		Weeks: []WeekReport{{Start: day(1), SchoolDays: 5, ClubSessions: 10, OutsideSessions: 5}},
	}
	if diff := cmp.Diff(want, rep, cmpOpts...); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if !rep.Clean() || len(rep.Violations()) != 0 {
		t.Errorf("Clean() = %v, violations %v", rep.Clean(), rep.Violations())
	}
}

// TestCheckAcceptance covers the acceptance cases: a Wednesday of
// 100 minutes, a school ending at 16:50 with off-work at 17:30, and extended
// care past the evening cap, each flagged with its numbers and nothing else.
func TestCheckAcceptance(t *testing.T) {
	var endsEarly []Violation
	for n := 1; n <= 5; n++ {
		for _, c := range []string{"1A", "2A"} {
			endsEarly = append(endsEarly, v(RuleEndTime, day(n), c, d(16*60+50), d(17*60+30), UnitTimeOfDay))
		}
	}
	tests := []struct {
		name string
		give func(*Input)
		want []Violation
	}{
		{
			name: "Wednesday 100 minutes",
			give: func(in *Input) {
				edit(in, "1A", day(3), ItemBasicCare, func(s *Session) { s.Start = at(15, 50) })
			},
			want: []Violation{{
				Rule: RuleMinMinutes, Date: day(3), Weekday: calendar.Wednesday, Week: day(1), ClassID: "1A",
				Got: d(100), Limit: d(120), Unit: UnitMinutes,
				Message: "2025-09-03 星期三 班级 1A 课后服务 100 分钟，少于 120 分钟 / class 1A had 100 minutes of service on Wednesday 2025-09-03, less than 120",
			}},
		},
		{
			name: "ends at 16:50",
			give: func(in *Input) {
				for i := range in.Sessions {
					s := &in.Sessions[i]
					if s.Kind.regular() || s.Kind == ItemExtendedCare {
						s.Start, s.End = s.Start-40, s.End-40
					}
				}
			},
			want: endsEarly,
		},
		{
			name: "extended care past the evening cap",
			give: func(in *Input) {
				edit(in, "2A", day(2), ItemExtendedCare, func(s *Session) { s.End = at(19, 0) })
			},
			want: []Violation{{
				Rule: RuleExtendedCareCap, Date: day(2), Weekday: calendar.Tuesday, Week: day(1), ClassID: "2A",
				Got: d(19 * 60), Limit: d(18*60 + 30), Unit: UnitTimeOfDay,
				Message: "2025-09-02 星期二 班级 2A 延时托管 19:00 结束，晚于 18:30 / class 2A's extended care ended at 19:00 on Tuesday 2025-09-02, after the cap 18:30",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := compliant(t, 1)
			tt.give(&in)
			rep, err := Check(in)
			if err != nil {
				t.Fatal(err)
			}
			got := rep.Violations()
			if tt.want[0].Message == "" {
				got = noMessages(got)
			}
			if diff := cmp.Diff(tt.want, got, cmpOpts...); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
			if rep.Clean() {
				t.Errorf("Clean() = true")
			}
		})
	}
}

func TestCheckTerm(t *testing.T) {
	half := decimal.RequireFromString("0.5")
	tests := []struct {
		name       string
		give       []int // club sessions switched to outside, by index
		wantWeeks  [][]Violation
		wantTerm   []Violation
		wantCounts []RuleCount
	}{
		{
			name:       "one week over, term at the cap",
			give:       []int{10}, // week 2: 6 of 10; week 1 gets one back below
			wantWeeks:  [][]Violation{nil, {{Rule: RuleOutsideShare, Week: day(8), Got: decimal.RequireFromString("0.6"), Limit: half, Unit: UnitShare}}},
			wantCounts: []RuleCount{{RuleOutsideShare, 1}},
		},
		{
			name: "both weeks over",
			give: []int{0, 10},
			wantWeeks: [][]Violation{
				{{Rule: RuleOutsideShare, Week: day(1), Got: decimal.RequireFromString("0.6"), Limit: half, Unit: UnitShare}},
				{{Rule: RuleOutsideShare, Week: day(8), Got: decimal.RequireFromString("0.6"), Limit: half, Unit: UnitShare}},
			},
			wantTerm:   []Violation{{Rule: RuleOutsideShare, Got: decimal.RequireFromString("0.6"), Limit: half, Unit: UnitShare}},
			wantCounts: []RuleCount{{RuleOutsideShare, 3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := compliant(t, 2)
			for _, i := range tt.give {
				in.ClubSessions[i].Provider = ProviderOutside
			}
			if len(tt.give) == 1 {
				in.ClubSessions[1].Provider = ProviderSchool // week 1: 4 of 10
			}
			rep, err := Check(in)
			if err != nil {
				t.Fatal(err)
			}
			var weeks [][]Violation
			for _, w := range rep.Weeks {
				weeks = append(weeks, noMessages(w.Violations))
			}
			if diff := cmp.Diff(tt.wantWeeks, weeks, cmpOpts...); diff != "" {
				t.Errorf("weeks (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantTerm, noMessages(rep.Term), cmpOpts...); diff != "" {
				t.Errorf("term (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCounts, rep.Counts); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			if rep.SchoolDays != 10 || len(rep.Weeks) != 2 || rep.Weeks[1].Start != day(8) || rep.To != day(14) {
				t.Errorf("report = %d days, %d weeks, to %s", rep.SchoolDays, len(rep.Weeks), rep.To)
			}
		})
	}
}

func TestCheckValidation(t *testing.T) {
	tests := []struct {
		name string
		give func(*Input)
		want []string
	}{
		{"bad policy", func(in *Input) {
			in.Policy = Policy{OffWork: -1, MinMinutesPerDay: -5, MaxPeriodsPerDay: -1, EveningCareCap: 24 * 60, OutsideShareCap: decimal.NewFromInt(2)}
		}, []string{
			"policy.off_work", "policy.min_minutes_per_day", "policy.service_days_per_week", "policy.max_periods_per_day",
			"policy.period_minutes.primary", "policy.period_minutes.junior_middle", "policy.evening_care_cap", "policy.outside_share_cap",
		}},
		{"bad school and classes", func(in *Input) {
			in.School = School{}
			in.Classes = append(in.Classes, Class{ID: "1A", Grade: 3})
		}, []string{"school.id", "school.stage", "classes[2].id"}},
		{"grade of another stage", func(in *Input) {
			in.Classes[1].Grade = 8
		}, []string{"classes[1].grade"}},
		{"bad sessions", func(in *Input) {
			in.Sessions = append(in.Sessions,
				Session{Date: day(20), ClassID: "9Z", Start: at(17, 0), End: at(16, 0)},
				Session{Date: day(2), ClassID: "1A", Kind: ItemEnrichment, Start: at(16, 0), End: at(17, 0), Recorded: true, Delivered: 61},
			)
			in.ClubSessions = append(in.ClubSessions, ClubSession{Date: day(30)})
		}, []string{
			"sessions[40].class_id", "sessions[40].date", "sessions[40].kind", "sessions[40].end", "sessions[41].delivered",
			"club_sessions[10].club_id", "club_sessions[10].date", "club_sessions[10].provider",
		}},
		{"overlapping sessions", func(in *Input) {
			in.Sessions = append(in.Sessions, Session{Date: day(2), ClassID: "1A", Kind: ItemEnrichment, Start: at(16, 0), End: at(17, 0)})
		}, []string{"sessions[40].start", "sessions[40].start"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := compliant(t, 1)
			tt.give(&in)
			_, err := Check(in)
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Check error = %v, want *fault.ValidationError", err)
			}
			var got []string
			for _, f := range ve.Violations {
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}
