package system_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
)

// TestTimetableThroughTheWholeSystem runs a term through every part
// started together (the deployment `kehou serve` makes): a term with a
// holiday and a working Saturday (调休), a class, basic care and a club, a
// generated plan, occurrences that match school days × sessions minus a
// cancellation, a clean "5+2" report and a field-naming 400. The full
// acceptance suite is services/timetable/timetable_http_test.go.
func TestTimetableThroughTheWholeSystem(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	d := env.District(t, "350441")
	sc := env.School(t, d, "系统小学", "SCHOOL_STAGE_PRIMARY")
	base := "/v1/schools/" + sc
	// Mon 2026-11-02 to Fri 2026-11-13; Wed Nov 4 a holiday; Sat Nov 7 works as a Wednesday: 10 school days.
	tm := env.MustDo(t, "POST", base+"/terms", map[string]any{"name": "系统学期", "start_date": systemtest.Date(2026, 11, 2),
		"end_date": systemtest.Date(2026, 11, 13), "holidays": []any{map[string]any{"date": systemtest.Date(2026, 11, 4), "name": "校庆"}},
		"swaps": []any{map[string]any{"date": systemtest.Date(2026, 11, 7), "working": true, "follows_weekday": 3, "name": "调休"}}})
	if got := systemtest.Get(tm, "school_days"); got != float64(10) {
		t.Fatalf("school_days = %v, want 10", got)
	}
	term := base + "/terms/" + systemtest.Str(tm, "term", "term_id")
	class := furnishTerm(t, env, base, term)
	plan := env.MustDo(t, "POST", term+"/plan:generate", map[string]any{"seed": "1"})
	if n := len(systemtest.Get(plan, "plan", "placements").([]any)); n != 5 {
		t.Fatalf("placements = %d, want 5", n)
	}
	env.MustDo(t, "POST", term+"/cancellations", map[string]any{"date": systemtest.Date(2026, 11, 9), "class_id": class, "segment": 1, "reason": "体检"})
	occ := env.MustDo(t, "GET", term+"/occurrences", nil)
	all := occ["occurrences"].([]any)
	if len(all) != 10*2 || occ["scheduled"] != float64(10*2-1) || occ["cancelled"] != float64(1) {
		t.Errorf("occurrences: %d (%v scheduled, %v cancelled), want 20 (19, 1)", len(all), occ["scheduled"], occ["cancelled"])
	}
	saturday := 0
	for _, o := range all {
		if systemtest.Get(o, "date", "day") == float64(7) {
			saturday++
		}
		if systemtest.Get(o, "date", "day") == float64(4) {
			t.Errorf("holiday has an occurrence: %v", o)
		}
	}
	if saturday != 2 {
		t.Errorf("working Saturday has %d occurrences, want 2", saturday)
	}
	rep := env.MustDo(t, "GET", term+"/compliance?week_of.year=2026&week_of.month=11&week_of.day=2", nil)
	if systemtest.Get(rep, "report", "compliant") != true {
		t.Errorf("first week = %v, want compliant", rep)
	}
	r := env.Do(t, "POST", term+"/items", map[string]any{"kind": "ITEM_KIND_EVENING_STUDY", "name": "晚自习", "segment": 3,
		"windows": []any{map[string]any{"weekday": 1, "start": systemtest.Time(19, 0), "end": systemtest.Time(20, 0)}}})
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"item.kind"`) {
		t.Errorf("evening study in a primary school: %d %s", r.Code, r.Raw)
	}
}

// furnishTerm gives a school (base, its path) a classroom and a
// playground, one grade-2 class, and gives the term (its path) basic care
// 15:30–16:30 and enrichment 16:30–17:30 on weekdays with a skipping club
// meeting five times a week; it returns the class's id.
func furnishTerm(t *testing.T, env *systemtest.Env, base, term string) string {
	t.Helper()
	room := systemtest.Str(env.MustDo(t, "POST", base+"/rooms", map[string]any{"name": "教室", "kind": "ROOM_KIND_CLASSROOM", "capacity": 50}), "room", "room_id")
	env.MustDo(t, "POST", base+"/rooms", map[string]any{"name": "操场", "kind": "ROOM_KIND_PLAYGROUND", "capacity": 200})
	class := systemtest.Str(env.MustDo(t, "POST", base+"/classes", map[string]any{"grade": 2, "name": "二年级1班", "size": 40, "home_room_id": room}), "class", "class_id")
	var basic, clubs []any
	for w := 1; w <= 5; w++ {
		basic = append(basic, map[string]any{"weekday": w, "start": systemtest.Time(15, 30), "end": systemtest.Time(16, 30)})
		clubs = append(clubs, map[string]any{"weekday": w, "start": systemtest.Time(16, 30), "end": systemtest.Time(17, 30)})
	}
	env.MustDo(t, "POST", term+"/items", map[string]any{"kind": "ITEM_KIND_BASIC_CARE", "name": "基础托管", "segment": 1, "windows": basic})
	env.MustDo(t, "POST", term+"/items", map[string]any{"kind": "ITEM_KIND_ENRICHMENT", "name": "兴趣拓展", "segment": 2, "windows": clubs})
	env.MustDo(t, "POST", term+"/clubs", map[string]any{"name": "跳绳", "activity_kind": "ACTIVITY_KIND_SPORTS", "provider_kind": "PROVIDER_KIND_SCHOOL",
		"capacity": 40, "grades": []int{2}, "room_kind": "ROOM_KIND_PLAYGROUND", "meetings_per_week": 5})
	return class
}
