package compliance

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/shopspring/decimal"
)

type ruleTest struct {
	name string
	give func(*Input)
	want []Violation
}

func runRule(t *testing.T, rule func(*dataset) []Violation, tests []ruleTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := compliant(t, 1)
			tt.give(&in)
			got := noMessages(rule(mustDataset(t, in)))
			if diff := cmp.Diff(tt.want, got, cmpOpts...); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckServiceDays(t *testing.T) {
	runRule(t, checkServiceDays, []ruleTest{
		{"every day served", func(*Input) {}, nil},
		{"Thursday missing", func(in *Input) { drop(in, "1A", day(4)) },
			[]Violation{v(RuleServiceDays, day(4), "1A", d(4), d(5), UnitDays)}},
		{"only lunch care is no service", func(in *Input) {
			edit(in, "2A", day(2), ItemBasicCare, func(s *Session) { s.Cancelled = true })
			edit(in, "2A", day(2), ItemEnrichment, func(s *Session) { s.Cancelled = true })
		}, []Violation{v(RuleServiceDays, day(2), "2A", d(4), d(5), UnitDays)}},
		{"closed day needs no service", func(in *Input) {
			in.Days[2].Closed = true
			drop(in, "1A", day(3))
			drop(in, "2A", day(3))
		}, nil},
		{"working Saturday without service, 5 days served", func(in *Input) {
			in.Days[5].SchoolDay = true
		}, nil},
		{"policy of 4 days tolerates a missing day", func(in *Input) {
			in.Policy.ServiceDaysPerWeek = 4
			drop(in, "1A", day(4))
		}, nil},
	})
}

func TestCheckMinMinutes(t *testing.T) {
	runRule(t, checkMinMinutes, []ruleTest{
		{"120 minutes", func(*Input) {}, nil},
		{"Wednesday 100 minutes", func(in *Input) {
			edit(in, "1A", day(3), ItemBasicCare, func(s *Session) { s.Start = at(15, 50) })
		}, []Violation{v(RuleMinMinutes, day(3), "1A", d(100), d(120), UnitMinutes)}},
		{"lunch and extended care do not count", func(in *Input) {
			edit(in, "1A", day(1), ItemEnrichment, func(s *Session) { s.Cancelled = true })
		}, []Violation{v(RuleMinMinutes, day(1), "1A", d(60), d(120), UnitMinutes)}},
		{"recorded delivery counts", func(in *Input) {
			edit(in, "2A", day(5), ItemEnrichment, func(s *Session) { s.Recorded, s.Delivered = true, 45 })
		}, []Violation{v(RuleMinMinutes, day(5), "2A", d(105), d(120), UnitMinutes)}},
		{"rule off", func(in *Input) {
			in.Policy.MinMinutesPerDay = 0
			edit(in, "1A", day(3), ItemBasicCare, func(s *Session) { s.Start = at(15, 50) })
		}, nil},
	})
}

func TestCheckEndTime(t *testing.T) {
	runRule(t, checkEndTime, []ruleTest{
		{"ends at off-work time", func(*Input) {}, nil},
		{"ends 16:50", func(in *Input) {
			edit(in, "2A", day(2), ItemBasicCare, func(s *Session) { s.Start, s.End = at(14, 50), at(15, 50) })
			edit(in, "2A", day(2), ItemEnrichment, func(s *Session) { s.Start, s.End = at(15, 50), at(16, 50) })
		}, []Violation{v(RuleEndTime, day(2), "2A", d(16*60+50), d(17*60+30), UnitTimeOfDay)}},
		{"cancelled last session", func(in *Input) {
			edit(in, "1A", day(1), ItemEnrichment, func(s *Session) { s.Cancelled = true })
		}, []Violation{v(RuleEndTime, day(1), "1A", d(16*60+30), d(17*60+30), UnitTimeOfDay)}},
		{"extended care does not make up", func(in *Input) {
			edit(in, "1A", day(5), ItemEnrichment, func(s *Session) { s.Kind = ItemExtendedCare })
			edit(in, "1A", day(5), ItemBasicCare, func(s *Session) { s.Start = at(14, 30) })
		}, []Violation{v(RuleEndTime, day(5), "1A", d(16*60+30), d(17*60+30), UnitTimeOfDay)}},
	})
}

func TestCheckExtendedCareCap(t *testing.T) {
	runRule(t, checkExtendedCareCap, []ruleTest{
		{"ends at the cap", func(*Input) {}, nil},
		{"ends 19:00", func(in *Input) {
			edit(in, "2A", day(2), ItemExtendedCare, func(s *Session) { s.End = at(19, 0) })
		}, []Violation{v(RuleExtendedCareCap, day(2), "2A", d(19*60), d(18*60+30), UnitTimeOfDay)}},
		{"cancelled late session", func(in *Input) {
			edit(in, "2A", day(2), ItemExtendedCare, func(s *Session) { s.End, s.Cancelled = at(19, 0), true })
		}, nil},
		{"no cap", func(in *Input) {
			in.Policy.EveningCareCap = 0
			edit(in, "2A", day(2), ItemExtendedCare, func(s *Session) { s.End = at(19, 0) })
		}, nil},
	})
}

func eveningStudy(in *Input, class string, date civil.Date, end calendar.TimeOfDay) {
	in.Sessions = append(in.Sessions, Session{Date: date, ClassID: class, Kind: ItemEveningStudy, Start: at(19, 0), End: end})
}

func TestCheckEveningStudyStage(t *testing.T) {
	runRule(t, checkEveningStudyStage, []ruleTest{
		{"none", func(*Input) {}, nil},
		{"primary school", func(in *Input) { eveningStudy(in, "2A", day(3), at(20, 0)) },
			[]Violation{v(RuleEveningStudyStage, day(3), "2A", d(2), d(7), UnitGrade)}},
		{"junior middle school", func(in *Input) {
			in.School.Stage = StageJuniorMiddle
			in.Classes = []Class{{ID: "1A", Grade: 7}, {ID: "2A", Grade: 8}}
			eveningStudy(in, "2A", day(3), at(20, 0))
		}, nil},
		{"nine-year school, junior grade", func(in *Input) {
			in.School.Stage = StageNineYear
			in.Classes = []Class{{ID: "1A", Grade: 5}, {ID: "2A", Grade: 8}}
			eveningStudy(in, "2A", day(3), at(20, 0))
		}, nil},
		{"nine-year school, primary grade", func(in *Input) {
			in.School.Stage = StageNineYear
			in.Classes = []Class{{ID: "1A", Grade: 5}, {ID: "2A", Grade: 8}}
			eveningStudy(in, "1A", day(3), at(20, 0))
		}, []Violation{v(RuleEveningStudyStage, day(3), "1A", d(5), d(7), UnitGrade)}},
	})
}

func TestCheckEveningStudyCap(t *testing.T) {
	junior := func(in *Input) {
		in.School.Stage = StageJuniorMiddle
		in.Classes = []Class{{ID: "1A", Grade: 7}, {ID: "2A", Grade: 8}}
	}
	runRule(t, checkEveningStudyCap, []ruleTest{
		{"ends at the cap", func(in *Input) { junior(in); eveningStudy(in, "1A", day(1), at(20, 30)) }, nil},
		{"ends 21:00", func(in *Input) { junior(in); eveningStudy(in, "1A", day(1), at(21, 0)) },
			[]Violation{v(RuleEveningStudyCap, day(1), "1A", d(21*60), d(20*60+30), UnitTimeOfDay)}},
	})
}

func TestCheckMaxPeriods(t *testing.T) {
	runRule(t, checkMaxPeriods, []ruleTest{
		{"3 periods of 40 minutes", func(*Input) {}, nil},
		{"130 minutes in primary", func(in *Input) {
			edit(in, "1A", day(4), ItemBasicCare, func(s *Session) { s.Start = at(15, 20) })
		}, []Violation{v(RuleMaxPeriods, day(4), "1A", decimal.RequireFromString("3.25"), d(3), UnitPeriods)}},
		{"135 minutes in junior middle is 3 periods of 45", func(in *Input) {
			in.School.Stage = StageJuniorMiddle
			in.Classes = []Class{{ID: "1A", Grade: 7}, {ID: "2A", Grade: 8}}
			edit(in, "1A", day(4), ItemBasicCare, func(s *Session) { s.Start = at(15, 15) })
		}, nil},
		{"140 minutes in junior middle", func(in *Input) {
			in.School.Stage = StageJuniorMiddle
			in.Classes = []Class{{ID: "1A", Grade: 7}, {ID: "2A", Grade: 8}}
			edit(in, "1A", day(4), ItemBasicCare, func(s *Session) { s.Start = at(15, 10) })
		}, []Violation{v(RuleMaxPeriods, day(4), "1A", decimal.RequireFromString("3.11"), d(3), UnitPeriods)}},
		{"no cap", func(in *Input) {
			in.Policy.MaxPeriodsPerDay = 0
			edit(in, "1A", day(4), ItemBasicCare, func(s *Session) { s.Start = at(15, 0) })
		}, nil},
	})
}

func TestCheckOutsideShare(t *testing.T) {
	week := day(1)
	runRule(t, checkOutsideShare, []ruleTest{
		{"half", func(*Input) {}, nil},
		{"6 of 10", func(in *Input) { in.ClubSessions[0].Provider = ProviderOutside },
			[]Violation{{Rule: RuleOutsideShare, Week: week, Got: decimal.RequireFromString("0.6"), Limit: decimal.RequireFromString("0.5"), Unit: UnitShare}}},
		{"cancelled school sessions do not count", func(in *Input) {
			in.ClubSessions[0].Cancelled = true
			in.ClubSessions[2].Cancelled = true
		}, []Violation{{Rule: RuleOutsideShare, Week: week, Got: decimal.RequireFromString("0.625"), Limit: decimal.RequireFromString("0.5"), Unit: UnitShare}}},
		{"a third allowed, 3 of 10", func(in *Input) {
			in.Policy.OutsideShareCap = decimal.RequireFromString("0.3333")
			in.ClubSessions[1].Provider = ProviderSchool
			in.ClubSessions[3].Provider = ProviderSchool
		}, nil},
		{"a third allowed, 4 of 10", func(in *Input) {
			in.Policy.OutsideShareCap = decimal.RequireFromString("0.3333")
			in.ClubSessions[1].Provider = ProviderSchool
		}, []Violation{{Rule: RuleOutsideShare, Week: week, Got: decimal.RequireFromString("0.4"), Limit: decimal.RequireFromString("0.3333"), Unit: UnitShare}}},
	})
}
