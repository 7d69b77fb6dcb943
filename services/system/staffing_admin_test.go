package system_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
)

// The gaps a school administrator hits after the first plan: editing an
// institution, taking someone off a session, an absence after a check-in,
// and the grid's reasons after hand changes. All over HTTP (gateway → real
// gRPC → real PostgreSQL).

func (s *stSchool) instPath() string {
	return "/v1/districts/" + s.district + "/institutions/" + s.institution
}

// uncoveredBy returns demand id → uncovered entry of a grid.
func uncoveredBy(grid map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, u := range asList(grid["uncovered"]) {
		m := u.(map[string]any)
		out[systemtest.Str(m, "demand_id")] = m
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// clubDemands returns the ids of the institution's club demands of a grid.
func (s *stSchool) clubDemands(grid map[string]any) []string {
	var out []string
	for _, d := range asList(grid["demands"]) {
		if systemtest.Str(d, "institution_id") == s.institution {
			out = append(out, systemtest.Str(d, "demand_id"))
		}
	}
	return out
}

// heldBy counts the assignments of a grid held by staffID on demands.
func heldBy(grid map[string]any, staffID string, demands []string) int {
	n := 0
	for _, a := range asList(grid["assignments"]) {
		for _, d := range demands {
			if systemtest.Str(a, "demand_id") == d && systemtest.Str(a, "staff_id") == staffID {
				n++
			}
		}
	}
	return n
}

// TestStaffingUpdateInstitution: an institution's approval, licence,
// courses and schools are edited with PATCH; withdrawing the approval or
// letting the licence expire makes its instructor unassignable (solver and
// hand assignment), renewing makes them assignable again; bad input is a
// 400 naming the field and writes nothing.
func TestStaffingUpdateInstitution(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350406")
	coach := s.staff["孙教练"]

	g := s.solve(t, "5")
	clubs := s.clubDemands(g)
	if len(clubs) != 5 || heldBy(g, coach, clubs) != 5 {
		t.Fatalf("institution clubs %v held by the coach %d times, want 5 of 5", clubs, heldBy(g, coach, clubs))
	}

	// Withdraw the approval: the re-solve leaves the clubs uncovered, naming the rule.
	up := env.MustDo(t, "PATCH", s.instPath(), map[string]any{"approved": false})
	if systemtest.Get(up, "institution", "approved") == true || systemtest.Str(up, "institution", "name") != "三明阳光体育" {
		t.Fatalf("after PATCH approved=false: %v, want unapproved with the name unchanged", up)
	}
	g = s.solve(t, "5")
	unc := uncoveredBy(g)
	for _, d := range clubs {
		if systemtest.Str(unc[d], "reason") != "institution_not_approved" {
			t.Errorf("club %s uncovered = %v, want institution_not_approved", d, unc[d])
		}
	}
	if heldBy(g, coach, clubs) != 0 {
		t.Errorf("coach still holds clubs of an unapproved institution")
	}
	if r := env.Do(t, "POST", s.path("/assignments"), map[string]any{"demand_id": clubs[0], "staff_id": coach}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Raw, "institution") {
		t.Errorf("hand-assign an unapproved institution's coach: %d %s, want 400 naming the institution rule", r.Code, r.Raw)
	}

	// Approve again but with a licence that expired: still not assignable.
	env.MustDo(t, "PATCH", s.instPath()+"?update_mask=approved,licence_valid_until",
		map[string]any{"approved": true, "licence_valid_until": systemtest.Date(2026, 8, 31), "name": "ignored, not in the mask"})
	got := env.MustDo(t, "GET", s.instPath(), nil)
	if systemtest.Str(got, "institution", "name") != "三明阳光体育" || stNum(got, "institution", "licence_valid_until", "year") != 2026 {
		t.Errorf("masked PATCH: %v, want the name untouched and the licence until 2026-08-31", got)
	}
	g = s.solve(t, "5")
	if n := heldBy(g, coach, clubs); n != 0 {
		t.Errorf("coach of an expired licence holds %d clubs, want 0", n)
	}
	if r := env.Do(t, "POST", s.path("/assignments"), map[string]any{"demand_id": clubs[0], "staff_id": coach}); r.Code != http.StatusBadRequest {
		t.Errorf("hand-assign the coach of an expired licence: %d %s, want 400", r.Code, r.Raw)
	}

	// Renew the licence: assignable again, by the solver and by hand.
	env.MustDo(t, "PATCH", s.instPath(), map[string]any{"licence_valid_until": systemtest.Date(2031, 12, 31)})
	g = s.solve(t, "5")
	if n := heldBy(g, coach, clubs); n != 5 {
		t.Errorf("after renewal the coach holds %d clubs, want 5; uncovered %v", n, g["uncovered"])
	}

	// Courses: replace the list, keeping the existing course's id.
	courseID := systemtest.Str(got, "institution", "courses", 0, "course_id")
	up = env.MustDo(t, "PATCH", s.instPath(), map[string]any{"courses": []any{
		map[string]any{"course_id": courseID, "name": "少儿篮球", "activity_kind": "sports", "price_per_period": map[string]any{"amount": "50.00"}},
		map[string]any{"name": "少儿足球", "activity_kind": "sports", "price_per_period": map[string]any{"amount": "40.00"}},
	}})
	cs := asList(systemtest.Get(up, "institution", "courses"))
	if len(cs) != 2 {
		t.Fatalf("courses = %v, want 2", cs)
	}
	prices := map[string]string{}
	for _, c := range cs {
		prices[systemtest.Str(c, "course_id")] = systemtest.Str(c, "price_per_period", "amount")
	}
	if !strings.HasPrefix(prices[courseID], "50") {
		t.Errorf("courses %v: want %s kept with price 50.00", cs, courseID)
	}

	// Schools: stop serving the school, and the coach is not assignable there.
	up = env.MustDo(t, "PATCH", s.instPath(), map[string]any{"school_ids": []string{}})
	if len(asList(systemtest.Get(up, "institution", "school_ids"))) != 0 {
		t.Errorf("school_ids after clearing: %v", up)
	}
	if n := heldBy(s.solve(t, "5"), coach, clubs); n != 0 {
		t.Errorf("coach holds %d clubs of a school the institution no longer serves", n)
	}
	env.MustDo(t, "PATCH", s.instPath(), map[string]any{"school_ids": []string{s.id}})

	// Bad input: each a 400 naming the field or rule, and nothing written.
	before := env.MustDo(t, "GET", s.instPath(), nil)
	other := env.School(t, s.district, "三明市第二小学", "SCHOOL_STAGE_PRIMARY")
	foreign := env.School(t, env.District(t, "350500"), "泉州小学", "SCHOOL_STAGE_PRIMARY")
	env.MustDo(t, "PUT", "/v1/districts/"+s.district+"/staffing-policy", map[string]any{"max_schools_per_institution": 1})
	tests := []struct {
		name string
		path string
		body map[string]any
		code int
		want string
	}{
		{"licence ends before it starts", s.instPath(), map[string]any{"licence_valid_until": systemtest.Date(2023, 1, 1)},
			400, "institution.licence_valid_until"},
		{"invalid date", s.instPath(), map[string]any{"licence_valid_from": systemtest.Date(2026, 2, 30)}, 400, "institution.licence_valid_from"},
		{"blank name", s.instPath(), map[string]any{"name": "  "}, 400, "institution.name"},
		{"unknown activity kind", s.instPath(), map[string]any{"courses": []any{map[string]any{"name": "烹饪", "activity_kind": "cooking",
			"price_per_period": map[string]any{"amount": "30.00"}}}}, 400, "institution.courses[0].activity_kind"},
		{"negative price", s.instPath(), map[string]any{"courses": []any{map[string]any{"name": "篮球", "activity_kind": "sports",
			"price_per_period": map[string]any{"amount": "-1.00"}}}}, 400, "institution.courses[0].price_per_period"},
		{"unknown course id", s.instPath(), map[string]any{"courses": []any{map[string]any{"course_id": "crs_nope", "name": "篮球",
			"activity_kind": "sports", "price_per_period": map[string]any{"amount": "30.00"}}}}, 400, "institution.courses[0].course_id"},
		{"unknown school", s.instPath(), map[string]any{"school_ids": []string{s.id, "sch_nope"}}, 400, "institution.school_ids[1]"},
		{"school of another district", s.instPath(), map[string]any{"school_ids": []string{foreign}}, 400, "institution.school_ids[0]"},
		{"school listed twice", s.instPath(), map[string]any{"school_ids": []string{s.id, s.id}}, 400, "institution.school_ids[1]"},
		{"over the district cap", s.instPath(), map[string]any{"school_ids": []string{s.id, other}}, 400, "institution_school_cap"},
		{"unknown mask field", s.instPath() + "?update_mask=colour", map[string]any{"name": "x"}, 400, "update_mask"},
		// A malformed district id is another district: refused before any field is read.
		{"bad district", "/v1/districts/35/institutions/" + s.institution, map[string]any{"name": "x"}, 403, "permission denied"},
		{"unknown institution", "/v1/districts/" + s.district + "/institutions/inst_nope", map[string]any{"name": "x"}, 404, "not found"},
		{"unapproved institution gains a school", "/v1/districts/" + s.district + "/institutions/" + s.unapprovedInst,
			map[string]any{"school_ids": []string{s.id}}, 400, "institution_approved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do(t, "PATCH", tt.path, tt.body)
			if r.Code != tt.code || !strings.Contains(r.Raw, tt.want) {
				t.Errorf("PATCH %s %v: %d %s, want %d naming %q", tt.path, tt.body, r.Code, r.Raw, tt.code, tt.want)
			}
		})
	}
	after := env.MustDo(t, "GET", s.instPath(), nil)
	if systemtest.Str(after, "institution", "licence_valid_until", "year") != systemtest.Str(before, "institution", "licence_valid_until", "year") ||
		len(asList(systemtest.Get(after, "institution", "courses"))) != 2 || len(asList(systemtest.Get(after, "institution", "school_ids"))) != 1 {
		t.Errorf("bad input changed the institution:\nbefore %v\nafter  %v", before, after)
	}
}

// TestStaffingUnassign: a solved or hand-made assignment not yet checked
// in can be removed; the row stays as removed, the demand shows uncovered
// with a current reason, the person can be booked again at that time, and
// an assignment with hours is refused with FailedPrecondition.
func TestStaffingUnassign(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350407")
	g := s.solve(t, "9")
	var asg, dem, who string
	var checked string
	for _, a := range asList(g["assignments"]) {
		if systemtest.Str(a, "role") != "supervisor" {
			continue
		}
		if asg == "" {
			asg, dem, who = systemtest.Str(a, "assignment_id"), systemtest.Str(a, "demand_id"), systemtest.Str(a, "staff_id")
		} else if checked == "" && systemtest.Str(a, "staff_id") != who {
			checked = systemtest.Str(a, "assignment_id")
		}
	}
	if asg == "" || checked == "" {
		t.Fatalf("no two supervisor assignments in %v", g["assignments"])
	}

	r := env.MustDo(t, "POST", s.path("/assignments/%s:unassign", asg), map[string]any{"reason": "临时调课"})
	if systemtest.Str(r, "assignment", "status") != "removed" || systemtest.Str(r, "assignment", "assignment_id") != asg {
		t.Errorf("unassign = %v, want the assignment removed", r)
	}
	if systemtest.Str(r, "uncovered", "demand_id") != dem || stNum(r, "uncovered", "missing") != 1 ||
		systemtest.Str(r, "uncovered", "reason") != "unfilled" {
		t.Errorf("unassign uncovered = %v, want %s missing 1, reason unfilled (free people exist)", r["uncovered"], dem)
	}
	g = s.grid(t)
	if _, held := pairs(g)[dem+"|"+who]; held {
		t.Errorf("grid still shows %s on %s", who, dem)
	}
	if u := uncoveredBy(g)[dem]; systemtest.Str(u, "reason") != "unfilled" || systemtest.Str(u, "detail") == "" {
		t.Errorf("grid uncovered %s = %v, want reason unfilled with a detail", dem, u)
	}
	if f := g["fairness"]; stNum(f, "covered") != 49 {
		t.Errorf("covered = %d after un-assigning one of 50, want 49", stNum(f, "covered"))
	}

	// A removed assignment is final: no second removal, no check-in.
	if r := env.Do(t, "POST", s.path("/assignments/%s:unassign", asg), map[string]any{}); r.Code != 400 || !strings.Contains(r.Raw, "assignment_removed") {
		t.Errorf("second unassign: %d %s, want 400 assignment_removed", r.Code, r.Raw)
	}
	if r := env.Do(t, "POST", s.path("/assignments/%s:checkIn", asg), map[string]any{"time": stAt(7, 15, 30)}); r.Code != 400 ||
		!strings.Contains(r.Raw, "assignment_removed") {
		t.Errorf("check-in on a removed assignment: %d %s, want 400 assignment_removed", r.Code, r.Raw)
	}
	// The same person can be put back by hand: removed rows hold nobody
	// (the double-booking guard and the one-holder rule ignore them).
	back := env.MustDo(t, "POST", s.path("/assignments"), map[string]any{"demand_id": dem, "staff_id": who})
	if systemtest.Str(back, "assignment", "assignment_id") == asg || systemtest.Str(back, "assignment", "status") != "active" {
		t.Errorf("re-assign = %v, want a new active assignment", back)
	}
	if _, still := uncoveredBy(s.grid(t))[dem]; still {
		t.Errorf("demand %s still uncovered after re-assigning", dem)
	}
	// A hand-made assignment can be removed too.
	env.MustDo(t, "POST", s.path("/assignments/%s:unassign", systemtest.Str(back, "assignment", "assignment_id")), map[string]any{})

	// Hours recorded: refused, naming the session.
	env.MustDo(t, "POST", s.path("/assignments/%s:checkIn", checked), map[string]any{"time": stAt(7, 15, 30)})
	if r := env.Do(t, "POST", s.path("/assignments/%s:unassign", checked), map[string]any{}); r.Code != 400 ||
		!strings.Contains(r.Raw, "hours_recorded") || !strings.Contains(r.Raw, "2026-09-") {
		t.Errorf("unassign with hours: %d %s, want 400 hours_recorded naming the date", r.Code, r.Raw)
	}
	// A re-solve refills the freed demand and keeps the checked-in one.
	g = s.solve(t, "9")
	if _, open := uncoveredBy(g)[dem]; open {
		t.Errorf("re-solve left %s open", dem)
	}
	found := false
	for _, a := range asList(g["assignments"]) {
		found = found || systemtest.Str(a, "assignment_id") == checked
	}
	if !found {
		t.Errorf("re-solve dropped the checked-in assignment %s", checked)
	}

	// Bad input.
	for _, tt := range []struct {
		name, path string
		body       any
		code       int
		want       string
	}{
		{"unknown assignment", s.path("/assignments/asg_nope:unassign"), map[string]any{}, 404, "not found"},
		{"reason too long", s.path("/assignments/%s:unassign", checked), map[string]any{"reason": strings.Repeat("因", 201)}, 400, "reason"},
		{"unknown school", "/v1/schools/sch_nope/assignments/" + checked + ":unassign", map[string]any{}, 404, "not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do(t, "POST", tt.path, tt.body)
			if r.Code != tt.code || !strings.Contains(r.Raw, tt.want) {
				t.Errorf("POST %s: %d %s, want %d naming %q", tt.path, r.Code, r.Raw, tt.code, tt.want)
			}
		})
	}
}

// TestStaffingAbsenceAfterCheckIn: an absence covering a session the
// person already checked in for keeps that session with them (their hour
// record shows they were there) and substitutes only the others; a
// re-solve of the week keeps it too. Before, this failed with not found.
func TestStaffingAbsenceAfterCheckIn(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350408")
	g := s.solve(t, "7")
	wang := s.staff["王老师"]
	var tuesday []map[string]any
	for _, a := range asList(g["assignments"]) {
		if systemtest.Str(a, "staff_id") == wang && stNum(a, "date", "day") == 8 {
			tuesday = append(tuesday, a.(map[string]any))
		}
	}
	if len(tuesday) == 0 {
		t.Fatalf("王老师 has nothing on Tuesday: %v", g["assignments"])
	}
	first := tuesday[0]
	asg, dem := systemtest.Str(first, "assignment_id"), systemtest.Str(first, "demand_id")
	env.MustDo(t, "POST", s.path("/assignments/%s:checkIn", asg), map[string]any{"time": stAt(8, 15, 25)})

	ab := env.MustDo(t, "POST", s.path("/absences"), map[string]any{"absence": map[string]any{"staff_id": wang,
		"from": systemtest.Date(2026, 9, 8), "reason": "下午病假"}})
	kept := asList(ab["kept"])
	if len(kept) != 1 || systemtest.Str(kept, 0, "assignment_id") != asg {
		t.Errorf("kept = %v, want the checked-in %s", kept, asg)
	}
	if got := stNum(ab, "changed_assignments"); got != len(tuesday)-1 {
		t.Errorf("changed %d, want %d (her other Tuesday sessions only); changes %v", got, len(tuesday)-1, ab["changes"])
	}
	check := func(g map[string]any, when string) {
		t.Helper()
		p := pairs(g)
		if _, ok := p[dem+"|"+wang]; !ok {
			t.Errorf("%s: 王老师 lost the checked-in session %s", when, dem)
		}
		for _, a := range tuesday[1:] {
			if _, ok := p[systemtest.Str(a, "demand_id")+"|"+wang]; ok {
				t.Errorf("%s: absent 王老师 still holds %s", when, systemtest.Str(a, "demand_id"))
			}
		}
	}
	check(s.grid(t), "after the absence")
	check(s.solve(t, "7"), "after a re-solve")
}

// TestStaffingGridReasonsAfterHandChanges: the grid's uncovered reasons
// follow the plan as it is, not the last solve: clubs left open because
// the institution was unapproved show why they are open now once it is
// approved again, and a hand assignment removes its demand from the list.
func TestStaffingGridReasonsAfterHandChanges(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350409")
	coach := s.staff["孙教练"]
	env.MustDo(t, "PATCH", s.instPath(), map[string]any{"approved": false})
	g := s.solve(t, "2")
	clubs := s.clubDemands(g)
	for _, d := range clubs {
		if systemtest.Str(uncoveredBy(g)[d], "reason") != "institution_not_approved" {
			t.Fatalf("after the solve %s = %v, want institution_not_approved", d, uncoveredBy(g)[d])
		}
	}
	env.MustDo(t, "PATCH", s.instPath(), map[string]any{"approved": true})
	g = s.grid(t)
	for _, d := range clubs {
		if u := uncoveredBy(g)[d]; systemtest.Str(u, "reason") != "unfilled" {
			t.Errorf("grid %s = %v, want unfilled (the coach is free now), not the stale reason", d, u)
		}
	}
	env.MustDo(t, "POST", s.path("/assignments"), map[string]any{"demand_id": clubs[0], "staff_id": coach})
	unc := uncoveredBy(s.grid(t))
	if _, ok := unc[clubs[0]]; ok {
		t.Errorf("%s still uncovered after the hand assignment", clubs[0])
	}
	if systemtest.Str(unc[clubs[1]], "reason") != "unfilled" {
		t.Errorf("%s = %v, want still unfilled", clubs[1], unc[clubs[1]])
	}
}
