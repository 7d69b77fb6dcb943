package system_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/system/systemtest"
)

// TestTermFactsKeptAndRenewed: timetable keeps a term's facts in memory for
// the weekly plan, the dated sessions and the "5+2" report. Every change
// made through the API — to the plan, the sessions, the school's or the
// district's closures, the district's policy — is seen by the very next
// read. A change behind the API (an operator at psql, another replica)
// is seen as soon as its notice arrives; and a row changed with the
// notices switched off shows that reads really are answered from memory,
// until a notice names the school or the feed's connection breaks.
func TestTermFactsKeptAndRenewed(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	d := env.District(t, "350481")
	sc := env.School(t, d, "缓存小学", "SCHOOL_STAGE_PRIMARY")
	base := "/v1/schools/" + sc
	// Mon 2026-11-02 to Fri 2026-11-13: 10 school days.
	tm := env.MustDo(t, "POST", base+"/terms", map[string]any{"name": "缓存学期", "start_date": systemtest.Date(2026, 11, 2),
		"end_date": systemtest.Date(2026, 11, 13)})
	termID := systemtest.Str(tm, "term", "term_id")
	term := base + "/terms/" + termID
	class := furnishTerm(t, env, base, term)

	// No plan yet: 404, and the next read after generating one finds it.
	if r := env.Do(t, "GET", term+"/plan", nil); r.Code != 404 {
		t.Fatalf("plan before generating: %d %s, want 404", r.Code, r.Raw)
	}
	env.MustDo(t, "POST", term+"/plan:generate", map[string]any{"seed": "1"})
	seed := func() string { return systemtest.Str(env.MustDo(t, "GET", term+"/plan", nil), "plan", "seed") }
	if got := seed(); got != "1" {
		t.Fatalf("plan seed = %q, want 1", got)
	}
	sessions := func() (scheduled, cancelled float64) {
		occ := env.MustDo(t, "GET", term+"/occurrences", nil)
		return occ["scheduled"].(float64), occ["cancelled"].(float64)
	}
	compliant := func(query string) bool {
		return systemtest.Get(env.MustDo(t, "GET", term+"/compliance"+query, nil), "report", "compliant") == true
	}
	const firstWeek = "?week_of.year=2026&week_of.month=11&week_of.day=4"
	for range 2 { // the second read of each is derived from the kept term
		if s, c := sessions(); s != 20 || c != 0 || !compliant("") || !compliant(firstWeek) {
			t.Fatalf("start: %v scheduled, %v cancelled, compliant %v (first week %v); want 20, 0, true, true", s, c, compliant(""), compliant(firstWeek))
		}
	}

	// Through the API: each change is seen by the very next read (many
	// times over: without the feed's catching up at the end of a change,
	// a read races the notice).
	for i := 2; i <= 60; i++ {
		env.MustDo(t, "POST", term+"/plan:generate", map[string]any{"seed": fmt.Sprint(i)})
		if got := seed(); got != fmt.Sprint(i) {
			t.Fatalf("plan regenerated with seed %d: the next read has seed %q", i, got)
		}
	}
	env.MustDo(t, "POST", term+"/cancellations", map[string]any{"date": systemtest.Date(2026, 11, 9), "class_id": class, "segment": 1, "reason": "体检"})
	if s, c := sessions(); s != 19 || c != 1 {
		t.Errorf("after a cancellation: %v scheduled, %v cancelled; want 19, 1", s, c)
	}
	// A closure of the whole district (no school named) reaches the school's kept term.
	env.MustDo(t, "POST", "/v1/districts/"+d+"/closures", map[string]any{"start_date": systemtest.Date(2026, 11, 13),
		"end_date": systemtest.Date(2026, 11, 13), "reason": "CLOSURE_REASON_WEATHER"})
	if s, c := sessions(); s != 17 || c != 3 {
		t.Errorf("after a district closure of a day: %v scheduled, %v cancelled; want 17, 3", s, c)
	}
	pol := systemtest.Policy()
	pol["min_minutes_per_day"] = 150 // more than the two hours a day the items give
	env.MustDo(t, "PATCH", "/v1/districts/"+d+"?update_mask=policy", map[string]any{"district_id": d, "policy": pol})
	if compliant("") || compliant(firstWeek) {
		t.Errorf("the district now asks 150 minutes a day: the report (term %v, first week %v) still says compliant", compliant(""), compliant(firstWeek))
	}

	// Behind the API, as another replica writes: seen once the notice arrives.
	db, err := pgx.Connect(context.Background(), env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Exec(context.Background(), sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	setSeed := func(s int) {
		exec(`UPDATE timetable.plans SET seed = $1 WHERE district_id = $2 AND school_id = $3 AND term_id = $4`, s, d, sc, termID)
	}
	eventually := func(what, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := seed()
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: seed still %q after 10 s, want %q", what, got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	setSeed(3)
	eventually("changed at psql", "3")

	// With the notices off (replica role skips triggers) the kept plan is
	// answered: reads come from memory...
	exec(`SET session_replication_role = replica`)
	setSeed(4)
	for range 3 {
		if got := seed(); got != "3" {
			t.Fatalf("changed without a notice: read seed %q, want the kept 3 (reads are not from memory)", got)
		}
	}
	// ...until a notice names the school,
	exec(`SELECT pg_notify('kehou_timetable_changes', $1)`, d+"/"+sc)
	eventually("after a notice for the school", "4")
	// or the district,
	setSeed(5)
	exec(`SELECT pg_notify('kehou_timetable_changes', $1)`, d+"/")
	eventually("after a notice for the district", "5")
	// a notice for another school changes nothing,
	setSeed(6)
	exec(`SELECT pg_notify('kehou_timetable_changes', $1)`, d+"/sch_other")
	time.Sleep(200 * time.Millisecond)
	if got := seed(); got != "5" {
		t.Errorf("after a notice for another school: read seed %q, want the kept 5", got)
	}
	// and when the feed's connection breaks, nothing kept before is used
	// again, also once it listens anew.
	listener := func() (pid int) {
		t.Helper()
		err := db.QueryRow(context.Background(), `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
			WHERE query LIKE 'LISTEN %kehou_timetable_changes%' AND datname = current_database()`).Scan(&pid)
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	old := listener()
	if old == 0 {
		t.Fatal("no connection listens for timetable's changes")
	}
	exec(`SELECT pg_terminate_backend($1)`, old)
	deadline := time.Now().Add(10 * time.Second)
	for p := listener(); p == 0 || p == old; p = listener() {
		if time.Now().After(deadline) {
			t.Fatal("the feed did not listen again within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // it has listened: the feed counts itself live
	for range 3 {
		if got := seed(); got != "6" {
			t.Fatalf("after the feed's connection broke and came back: read seed %q, want 6 (a term kept before the break was used)", got)
		}
	}
	exec(`RESET session_replication_role`)
	setSeed(7)
	eventually("after the feed listens again", "7")
}

// TestStaffingGridKeptAndRenewed: staffing keeps a week's grid in memory.
// A week solved again, and each of 25 assignments un-assigned and assigned
// back by hand, through the API is the very next read's grid; an assignment removed behind the API
// with the notices off is still shown (the grid is from memory) until a
// notice names the school.
func TestStaffingGridKeptAndRenewed(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350482")
	holds := func(asg string) bool {
		for _, a := range s.grid(t)["assignments"].([]any) {
			if systemtest.Str(a, "assignment_id") == asg {
				return true
			}
		}
		return false
	}
	for i := 1; i <= 3; i++ {
		solved := s.solve(t, fmt.Sprint(i))
		for range 2 { // the second read is from memory
			if got, want := fmt.Sprint(pairs(s.grid(t))), fmt.Sprint(pairs(solved)); got != want {
				t.Fatalf("seed %d: the next grid read differs from the solved week:\n got %s\nwant %s", i, got, want)
			}
		}
	}
	// Un-assigning, then assigning the same person back by hand: without
	// the feed catching up at the end of each call, the next read would
	// race the notice. (An un-assignment re-reads the week after its commit
	// to answer the freed demand's gap, which gives the notice time to
	// arrive; a hand assignment answers at once.)
	for _, a := range asList(s.grid(t)["assignments"])[:25] {
		asg, dem, who := systemtest.Str(a, "assignment_id"), systemtest.Str(a, "demand_id"), systemtest.Str(a, "staff_id")
		s.env.MustDo(t, "POST", s.path("/assignments/%s:unassign", asg), map[string]any{"reason": "调课"})
		if holds(asg) {
			t.Fatalf("assignment %s un-assigned: the next grid read still shows it", asg)
		}
		s.env.MustDo(t, "POST", s.path("/assignments"), map[string]any{"demand_id": dem, "staff_id": who})
		if _, ok := pairs(s.grid(t))[dem+"|"+who]; !ok {
			t.Fatalf("%s assigned back to %s by hand: the next grid read does not show it", who, dem)
		}
	}
	asg := systemtest.Str(s.grid(t), "assignments", 0, "assignment_id")
	held := func() bool { return holds(asg) }
	db, err := pgx.Connect(context.Background(), env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	for _, sql := range []string{`SET session_replication_role = replica`,
		`UPDATE staffing.assignments SET status = 'removed', remove_time = now() WHERE assignment_id = '` + asg + `'`} {
		if _, err := db.Exec(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if !held() {
		t.Fatal("an assignment removed without a notice is gone from the next read: the grid is not kept")
	}
	if _, err := db.Exec(context.Background(), `SELECT pg_notify('kehou_staffing_changes', $1)`, s.district+"/"+s.id); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for held() {
		if time.Now().After(deadline) {
			t.Fatal("a notice for the school: the removed assignment is still shown after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
