package compliance

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

var update = flag.Bool("update", false, "rewrite testdata/check_golden.txt from the current Check")

// rich is a nine-year school over five weeks that breaks every rule: a
// holiday, a swapped working Saturday and a swapped day off, a closure, days
// without service, short days, days ending early, too many periods, care and
// evening study past their caps, evening study for primary grades and
// outside clubs above the share cap in some weeks and over the term.
func rich(t testing.TB) Input {
	t.Helper()
	term := calendar.Term{SchoolID: "s1", Name: "2025秋", Start: day(1), End: day(35)}
	cal, err := calendar.Days(term,
		[]calendar.Holiday{{Date: day(10), Name: "教师节"}},
		[]calendar.Swap{{Date: day(13), Working: true, Follows: calendar.Wednesday, Name: "调休"}, {Date: day(19), Working: false, Name: "调休"}},
		[]calendar.Closure{{ID: "c1", Start: day(23), End: day(24), Scope: calendar.ScopeSchool, SchoolID: "s1", Reason: calendar.ReasonWeather}})
	if err != nil {
		t.Fatal(err)
	}
	in := Input{
		Policy: policy(),
		School: School{ID: "s1", Stage: StageNineYear},
		Days:   cal,
		Classes: []Class{{ID: "8B", Grade: 8}, {ID: "1A", Grade: 1}, {ID: "3C", Grade: 3}, {ID: "7A", Grade: 7},
			{ID: "2A", Grade: 2}},
	}
	for i, d := range cal {
		if !d.SchoolDay {
			continue
		}
		for j, c := range in.Classes {
			k := (i + j) % 11
			if k == 3 { // no service at all
				continue
			}
			basicStart, enrichEnd := at(15, 30), at(17, 30)
			switch k {
			case 1:
				basicStart = at(15, 50) // 100 minutes
			case 2, 6:
				enrichEnd = at(16, 50) // ends early
			case 5:
				basicStart = at(14, 0) // 4.5 periods
			}
			in.Sessions = append(in.Sessions,
				Session{Date: d.Date, ClassID: c.ID, Kind: ItemLunchCare, Start: at(12, 0), End: at(13, 30)},
				Session{Date: d.Date, ClassID: c.ID, Kind: ItemBasicCare, Start: basicStart, End: at(16, 30)},
				Session{Date: d.Date, ClassID: c.ID, Kind: ItemEnrichment, Start: at(16, 30), End: enrichEnd,
					Cancelled: k == 7, Recorded: k == 8, Delivered: 35},
			)
			careEnd := at(18, 30)
			if k == 4 {
				careEnd = at(19, 5)
			}
			in.Sessions = append(in.Sessions, Session{Date: d.Date, ClassID: c.ID, Kind: ItemExtendedCare, Start: at(17, 30), End: careEnd})
			if k%2 == 0 {
				in.Sessions = append(in.Sessions, Session{Date: d.Date, ClassID: c.ID, Kind: ItemEveningStudy, Start: at(19, 10), End: at(20, 30+k)})
			}
		}
		in.ClubSessions = append(in.ClubSessions,
			ClubSession{Date: d.Date, ClubID: "chess", Provider: ProviderSchool, Cancelled: i%4 == 0},
			ClubSession{Date: d.Date, ClubID: "robots", Provider: ProviderOutside},
			ClubSession{Date: d.Date, ClubID: "art", Provider: ProviderOutside, Cancelled: i%3 == 0},
		)
	}
	return in
}

// dumpReport writes every field of a report, messages and decimals as text,
// so the golden file catches any change in content or order.
func dumpReport(rep Report) string {
	var b strings.Builder
	dv := func(v Violation) {
		fmt.Fprintf(&b, "  %s|%s|%d|%s|%s|%s|%s|%s|%s|%s\n", v.Rule, v.Date, v.Weekday, v.Week, v.ClassID, v.ClubID,
			v.Got.String(), v.Limit.String(), v.Unit, v.Message)
	}
	fmt.Fprintf(&b, "school %s %s..%s days %d clubs %d outside %d\n", rep.SchoolID, rep.From, rep.To, rep.SchoolDays, rep.ClubSessions, rep.OutsideSessions)
	for _, w := range rep.Weeks {
		fmt.Fprintf(&b, "week %s days %d clubs %d outside %d violations %d\n", w.Start, w.SchoolDays, w.ClubSessions, w.OutsideSessions, len(w.Violations))
		for _, v := range w.Violations {
			dv(v)
		}
	}
	fmt.Fprintf(&b, "term %d\n", len(rep.Term))
	for _, v := range rep.Term {
		dv(v)
	}
	for _, c := range rep.Counts {
		fmt.Fprintf(&b, "count %s %d\n", c.Rule, c.Count)
	}
	return b.String()
}

// TestCheckGolden compares Check on a rich term with the output recorded
// before Check was made cheaper (testdata/check_golden.txt): same
// violations, same messages, same order, byte for byte.
func TestCheckGolden(t *testing.T) {
	in := rich(t)
	rep, err := Check(in)
	if err != nil {
		t.Fatal(err)
	}
	// A week-only check of the same input, as the app does for week_of.
	var week []calendar.Day
	for _, d := range in.Days {
		if d.Date.StartOfWeek() == day(8) {
			week = append(week, d)
		}
	}
	wk := in
	wk.Days = week
	wk.Sessions, wk.ClubSessions = nil, nil
	for _, s := range in.Sessions {
		if s.Date.StartOfWeek() == day(8) {
			wk.Sessions = append(wk.Sessions, s)
		}
	}
	for _, c := range in.ClubSessions {
		if c.Date.StartOfWeek() == day(8) {
			wk.ClubSessions = append(wk.ClubSessions, c)
		}
	}
	wrep, err := Check(wk)
	if err != nil {
		t.Fatal(err)
	}
	got := dumpReport(rep) + "---- week of " + day(8).String() + "\n" + dumpReport(wrep)
	matchGolden(t, "testdata/check_golden.txt", got)
	for _, r := range []Rule{RuleServiceDays, RuleMinMinutes, RuleEndTime, RuleExtendedCareCap, RuleEveningStudyStage,
		RuleEveningStudyCap, RuleMaxPeriods, RuleOutsideShare} {
		if !strings.Contains(got, "count "+string(r)+" ") {
			t.Errorf("the rich term does not break %s", r)
		}
	}
}

// matchGolden compares got with the golden file (rewritten with -update)
// and names the first line that differs.
func matchGolden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("report differs from %s at line %d:\n got %q\nwant %q", file, i+1, g, w)
		}
	}
}
