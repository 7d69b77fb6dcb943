package system_test

import (
	"strings"
	"testing"

	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system/systemtest"
)

// TestStudentWeekForGuardians: a parent reads their child's week — name,
// class, the sessions of the items the child is signed up for and of the
// club the child sits in, with item, club and room names — and who staffs
// each session by name, exactly the people the staffing grid assigns to
// those sessions; another family's child is a 404 on both routes, a bad
// week is a 400 naming week_of.
func TestStudentWeekForGuardians(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350406")
	student := func(name string) string {
		return systemtest.Str(env.MustDo(t, "POST", s.path("/students"), map[string]any{"class_id": s.c1, "name": name,
			"guardians": []any{map[string]any{"name": name + "妈妈", "phone": "13800001111", "relation": "母亲"}}}), "student", "student_id")
	}
	child, other := student("林小雨"), student("陈小川")
	items := map[string]string{}
	for _, it := range systemtest.Get(env.MustDo(t, "GET", s.path("/terms/%s/items", s.term), nil), "items").([]any) {
		items[systemtest.Str(it, "name")] = systemtest.Str(it, "item_id")
	}
	// The child: basic care approved, extended care pending; the other
	// child basic care only.
	enrol := func(st, item string, approve bool) {
		e := env.MustDo(t, "POST", s.path("/enrolments"), map[string]any{"student_id": st, "item_id": item, "start_date": systemtest.Date(2026, 9, 7)})
		if approve {
			env.MustDo(t, "POST", s.path("/enrolments/%s:approve", systemtest.Str(e, "enrolment", "enrolment_id")), map[string]any{})
		}
	}
	enrol(child, items["课后基础托管"], true)
	enrol(child, items["延时托管"], false)
	enrol(other, items["课后基础托管"], true)
	clubs := systemtest.Get(env.MustDo(t, "GET", s.path("/terms/%s/clubs", s.term), nil), "clubs").([]any)
	club, clubName := "", ""
	for _, c := range clubs {
		if systemtest.Str(c, "name") == "硬笔书法" {
			club, clubName = systemtest.Str(c, "club_id"), "硬笔书法"
		}
	}
	env.MustDo(t, "POST", s.path("/terms/%s/clubs/%s/members", s.term, club), map[string]any{"student_id": child})
	grid := s.solve(t, "11")

	parent := env.As(env.Mint(auth.Principal{AccountID: "acc_lin", Role: auth.RoleParent, DistrictID: s.district,
		Students: []auth.StudentRef{{SchoolID: s.id, StudentID: child}}}))
	week := parent.MustDo(t, "GET", s.path("/students/%s/terms/%s/week?week_of.year=2026&week_of.month=9&week_of.day=9", child, s.term), nil)
	if systemtest.Str(week, "name") != "林小雨" || systemtest.Str(week, "class_name") != "三年级1班" {
		t.Fatalf("the child's week names %q of %q", systemtest.Str(week, "name"), systemtest.Str(week, "class_name"))
	}
	sessions := systemtest.Get(week, "sessions").([]any)
	// Five school days × (basic care, pending extended care, the club).
	count := map[string]int{}
	for _, x := range sessions {
		key := systemtest.Str(x, "item_name") + "|" + systemtest.Str(x, "club_name")
		count[key]++
		if systemtest.Str(x, "room_name") == "" {
			t.Errorf("session %s has no room name", systemtest.Str(x, "occurrence_id"))
		}
		if strings.HasSuffix(systemtest.Str(x, "occurrence_id"), "class:"+s.c2) {
			t.Errorf("a session of the other class: %v", x)
		}
		pending, _ := systemtest.Get(x, "pending").(bool)
		if pending != (systemtest.Str(x, "item_name") == "延时托管") {
			t.Errorf("session %s pending=%v", systemtest.Str(x, "occurrence_id"), pending)
		}
		if systemtest.Str(x, "item_name") == "课后基础托管" && systemtest.Str(x, "room_name") != "一(1)班教室" {
			t.Errorf("basic care in %q, want the class's home room", systemtest.Str(x, "room_name"))
		}
	}
	if len(count) != 3 || count["课后基础托管|"] != 5 || count["延时托管|"] != 5 || count["|"+clubName]+count["兴趣拓展|"+clubName] != 5 {
		t.Errorf("the child's sessions: %v, want 5 basic care, 5 extended care and 5 of the club", count)
	}

	// Teachers: for every session of the child, the grid's active
	// assignments on that occurrence, by name.
	names := map[string]string{}
	for n, id := range s.staff {
		names[id] = n
	}
	demandOcc := map[string]string{}
	for _, d := range systemtest.Get(grid, "demands").([]any) {
		demandOcc[systemtest.Str(d, "demand_id")] = systemtest.Str(d, "occurrence_id")
	}
	mine := map[string]bool{}
	for _, x := range sessions {
		mine[systemtest.Str(x, "occurrence_id")] = true
	}
	want := map[string]int{}
	for _, a := range systemtest.Get(grid, "assignments").([]any) {
		if occ := demandOcc[systemtest.Str(a, "demand_id")]; mine[occ] && systemtest.Str(a, "status") != "removed" {
			want[occ+"|"+names[systemtest.Str(a, "staff_id")]]++
		}
	}
	teachers := parent.MustDo(t, "GET", s.path("/students/%s/terms/%s/teachers?week_of.year=2026&week_of.month=9&week_of.day=9", child, s.term), nil)
	got := map[string]int{}
	for _, x := range systemtest.Get(teachers, "teachers").([]any) {
		got[systemtest.Str(x, "occurrence_id")+"|"+systemtest.Str(x, "name")]++
		if _, leak := x.(map[string]any)["staff_id"]; leak {
			t.Errorf("a teacher entry carries a staff id: %v", x)
		}
	}
	t.Logf("the child's sessions %v; %d staffed places on them", count, len(got))
	if len(want) == 0 || len(got) != len(want) {
		t.Errorf("teachers of the child's sessions: %d from the route, %d in the grid: %v", len(got), len(want), got)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("teacher %s: %d on the route, %d in the grid", k, got[k], n)
		}
	}

	// Another family's child, and a week outside the term.
	for _, p := range []string{"/week", "/teachers"} {
		r := parent.Do(t, "GET", s.path("/students/%s/terms/%s%s?week_of.year=2026&week_of.month=9&week_of.day=9", other, s.term, p), nil)
		if r.Code != 404 {
			t.Errorf("the parent on another child's %s: %d, want 404: %.200s", p, r.Code, r.Raw)
		}
		r = parent.Do(t, "GET", s.path("/students/%s/terms/%s%s?week_of.year=2027&week_of.month=3&week_of.day=1", child, s.term, p), nil)
		if r.Code != 400 || !strings.Contains(r.Raw, "week_of") {
			t.Errorf("a week outside the term on %s: %d, want a 400 naming week_of: %.300s", p, r.Code, r.Raw)
		}
	}
}
