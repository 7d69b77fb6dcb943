package timetable_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
)

// ttSchool is a school set up over HTTP for the timetable tests.
type ttSchool struct {
	env    *httpEnv
	id     string
	termID string
}

// num reads a JSON number (int32 fields arrive as numbers).
func num(v any, path ...any) int {
	f, _ := jGet(v, path...).(float64)
	return int(f)
}

func window(weekday, h1, m1, h2, m2 int) map[string]any {
	return map[string]any{"weekday": weekday, "start": jTime(h1, m1), "end": jTime(h2, m2)}
}

// weekWindows is the same window Monday to Friday.
func weekWindows(h1, m1, h2, m2 int) []any {
	var out []any
	for w := 1; w <= 5; w++ {
		out = append(out, window(w, h1, m1, h2, m2))
	}
	return out
}

func (s ttSchool) path(format string, args ...any) string {
	return fmt.Sprintf("/v1/schools/%s"+format, append([]any{s.id}, args...)...)
}

func (s ttSchool) termPath(format string, args ...any) string {
	return fmt.Sprintf("/v1/schools/%s/terms/%s"+format, append([]any{s.id, s.termID}, args...)...)
}

func (s ttSchool) room(t *testing.T, name, kind string, capacity int) string {
	t.Helper()
	b := s.env.MustDo(t, "POST", s.path("/rooms"), map[string]any{"name": name, "kind": kind, "capacity": capacity})
	return jStr(b, "room", "room_id")
}

func (s ttSchool) class(t *testing.T, grade int, name string, size int, homeRoom string) string {
	t.Helper()
	b := s.env.MustDo(t, "POST", s.path("/classes"), map[string]any{"grade": grade, "name": name, "size": size, "home_room_id": homeRoom})
	return jStr(b, "class", "class_id")
}

func (s ttSchool) student(t *testing.T, classID, name string) string {
	t.Helper()
	b := s.env.MustDo(t, "POST", s.path("/students"), map[string]any{"class_id": classID, "name": name,
		"guardians": []any{map[string]any{"name": name + "妈妈", "phone": "13800000000", "relation": "母亲"}}})
	return jStr(b, "student", "student_id")
}

func (s ttSchool) item(t *testing.T, kind, name string, segment int, windows []any) string {
	t.Helper()
	b := s.env.MustDo(t, "POST", s.termPath("/items"), map[string]any{"kind": kind, "name": name, "segment": segment, "windows": windows})
	return jStr(b, "item", "item_id")
}

func (s ttSchool) club(t *testing.T, name, activity, roomKind string, capacity, meetings int, grades ...int) string {
	t.Helper()
	b := s.env.MustDo(t, "POST", s.termPath("/clubs"), map[string]any{"name": name, "activity_kind": activity,
		"provider_kind": "PROVIDER_KIND_SCHOOL", "capacity": capacity, "grades": grades, "room_kind": roomKind,
		"meetings_per_week": meetings})
	return jStr(b, "club", "club_id")
}

// ttTerm is the autumn term used throughout: 2026-09-21 (Mon) to
// 2026-10-16 (Fri), 20 weekdays; National Day holidays on five weekdays
// (Oct 1, 2, 5, 6, 7) and the Saturday Oct 3; two working Saturdays (调休):
// Sep 26 following Monday, Oct 10 following Friday; Friday Oct 9 swapped off.
// School days: 20 − 5 − 1 + 2 = 16.
func ttTerm() map[string]any {
	return map[string]any{
		"name":       "2026-2027学年第一学期",
		"start_date": jDate(2026, 9, 21),
		"end_date":   jDate(2026, 10, 16),
		"holidays": []any{
			map[string]any{"date": jDate(2026, 10, 1), "name": "国庆节"},
			map[string]any{"date": jDate(2026, 10, 2), "name": "国庆节"},
			map[string]any{"date": jDate(2026, 10, 3), "name": "国庆节"},
			map[string]any{"date": jDate(2026, 10, 5), "name": "国庆节"},
			map[string]any{"date": jDate(2026, 10, 6), "name": "国庆节"},
			map[string]any{"date": jDate(2026, 10, 7), "name": "国庆节"},
		},
		"swaps": []any{
			map[string]any{"date": jDate(2026, 9, 26), "working": true, "name": "国庆调休"},
			map[string]any{"date": jDate(2026, 10, 10), "working": true, "follows_weekday": 5, "name": "国庆调休"},
			map[string]any{"date": jDate(2026, 10, 9), "working": false, "name": "调休放假"},
		},
	}
}

const ttSchoolDays = 16

// newTTSchool creates a school of the given stage with the autumn term.
func newTTSchool(t *testing.T, env *httpEnv, districtID, name, stage string) ttSchool {
	t.Helper()
	s := ttSchool{env: env, id: env.School(t, districtID, name, stage)}
	b := env.MustDo(t, "POST", s.path("/terms"), ttTerm())
	s.termID = jStr(b, "term", "term_id")
	if got := num(b, "school_days"); got != ttSchoolDays {
		t.Fatalf("school_days = %d, want %d", got, ttSchoolDays)
	}
	return s
}

func dateKey(v any) string {
	return fmt.Sprintf("%04d-%02d-%02d", num(v, "year"), num(v, "month"), num(v, "day"))
}

func occurrences(t *testing.T, s ttSchool) (all []map[string]any, scheduled, cancelled int) {
	t.Helper()
	b := s.env.MustDo(t, "GET", s.termPath("/occurrences"), nil)
	for _, o := range b["occurrences"].([]any) {
		all = append(all, o.(map[string]any))
	}
	return all, num(b, "scheduled"), num(b, "cancelled")
}

// TestTimetableTermEndToEnd walks issue 3's first acceptance test over HTTP:
// a term with holidays and swapped days, rooms, classes, items, clubs and a
// generated plan; the occurrences match school days × daily sessions, minus
// what was cancelled (recorded, never deleted); a short day's delivered
// minutes and a roll-call are recorded.
func TestTimetableTermEndToEnd(t *testing.T) {
	t.Parallel()
	env := startHTTP(t)
	d := env.District(t, "350421")
	s := newTTSchool(t, env, d, "三明市实验小学", "SCHOOL_STAGE_PRIMARY")

	// The calendar: the swapped Saturday is a school day following Monday,
	// the holiday is not, the swapped-off Friday is not.
	cal := env.MustDo(t, "GET", s.termPath("/calendar"), nil)
	if got := num(cal, "open_days"); got != ttSchoolDays {
		t.Fatalf("open_days = %d, want %d", got, ttSchoolDays)
	}
	days := map[string]any{}
	for _, day := range cal["days"].([]any) {
		days[dateKey(jGet(day, "date"))] = day
	}
	if len(days) != 26 {
		t.Fatalf("calendar has %d days, want 26", len(days))
	}
	for _, tc := range []struct {
		give    string
		school  bool
		follows int
	}{
		{"2026-09-26", true, 1}, {"2026-10-10", true, 5}, {"2026-10-01", false, 0}, {"2026-10-09", false, 0}, {"2026-09-27", false, 0},
	} {
		day := days[tc.give]
		if got := jGet(day, "school_day") == true; got != tc.school {
			t.Errorf("%s school_day = %v, want %v", tc.give, got, tc.school)
		}
		if tc.school && num(day, "follows_weekday") != tc.follows {
			t.Errorf("%s follows %d, want %d", tc.give, num(day, "follows_weekday"), tc.follows)
		}
	}

	// Rooms, classes, items, clubs.
	r1 := s.room(t, "三(1)班教室", "ROOM_KIND_CLASSROOM", 50)
	r2 := s.room(t, "三(2)班教室", "ROOM_KIND_CLASSROOM", 50)
	s.room(t, "体育馆", "ROOM_KIND_GYM", 80)
	s.room(t, "美术室", "ROOM_KIND_ART_ROOM", 45)
	c1 := s.class(t, 3, "三年级1班", 40, r1)
	c2 := s.class(t, 3, "三年级2班", 38, r2)
	basic := s.item(t, "ITEM_KIND_BASIC_CARE", "课后基础托管", 1, weekWindows(15, 30, 16, 30))
	s.item(t, "ITEM_KIND_ENRICHMENT", "兴趣拓展", 2, weekWindows(16, 30, 17, 30))
	s.item(t, "ITEM_KIND_EXTENDED_CARE", "延时托管", 3, weekWindows(17, 30, 18, 20))
	items := env.MustDo(t, "GET", s.termPath("/items"), nil)
	if got := num(items, "items", 0, "period_minutes"); got != 40 {
		t.Errorf("period_minutes = %d, want the district's primary 40", got)
	}
	calli := s.club(t, "硬笔书法", "ACTIVITY_KIND_CALLIGRAPHY", "ROOM_KIND_ART_ROOM", 40, 5, 3)
	ball := s.club(t, "篮球", "ACTIVITY_KIND_SPORTS", "ROOM_KIND_GYM", 40, 5, 3)

	// The plan: both clubs meet every weekday in segment 2, no room twice.
	plan := env.MustDo(t, "POST", s.termPath("/plan:generate"), map[string]any{"seed": "7"})
	pls := jGet(plan, "plan", "placements").([]any)
	if len(pls) != 10 || len(jGet(plan, "plan", "unplaced").([]any)) != 0 {
		t.Fatalf("plan = %v, want 10 placements and nothing unplaced", plan)
	}
	used := map[string]bool{}
	for _, p := range pls {
		k := fmt.Sprint(num(p, "weekday"), num(p, "segment"), jStr(p, "room_id"))
		if used[k] {
			t.Fatalf("room double-booked at %s", k)
		}
		used[k] = true
	}
	again := env.MustDo(t, "POST", s.termPath("/plan:generate"), map[string]any{"seed": "7"})
	if fmt.Sprint(jGet(again, "plan")) != fmt.Sprint(jGet(plan, "plan")) {
		t.Errorf("same seed gave another plan:\n%v\n%v", again, plan)
	}
	if got := env.MustDo(t, "GET", s.termPath("/plan"), nil); len(jGet(got, "plan", "placements").([]any)) != 10 {
		t.Errorf("stored plan = %v", got)
	}

	// Occurrences: 16 school days × (2 classes × 2 class items + 2 clubs).
	const daily = 6
	all, scheduled, cancelled := occurrences(t, s)
	if len(all) != ttSchoolDays*daily || scheduled != ttSchoolDays*daily || cancelled != 0 {
		t.Fatalf("occurrences = %d (%d scheduled, %d cancelled), want %d", len(all), scheduled, cancelled, ttSchoolDays*daily)
	}
	perDate := map[string]int{}
	for _, o := range all {
		perDate[dateKey(o["date"])]++
	}
	if perDate["2026-09-26"] != daily || perDate["2026-10-10"] != daily {
		t.Errorf("swapped Saturdays have %d and %d sessions, want %d", perDate["2026-09-26"], perDate["2026-10-10"], daily)
	}
	for _, off := range []string{"2026-10-01", "2026-10-05", "2026-10-09", "2026-09-27"} {
		if perDate[off] != 0 {
			t.Errorf("%s (no school day) has %d sessions", off, perDate[off])
		}
	}
	for _, o := range all {
		if dateKey(o["date"]) == "2026-09-26" {
			if num(o, "weekday") != 6 || num(o, "follows_weekday") != 1 {
				t.Errorf("swapped Saturday occurrence weekday %d follows %d, want 6 and 1", num(o, "weekday"), num(o, "follows_weekday"))
			}
		}
		if o["club_id"] == ball && (o["activity_kind"] != "ACTIVITY_KIND_SPORTS" || o["item_kind"] != "ITEM_KIND_ENRICHMENT") {
			t.Errorf("club occurrence lacks its kinds: %v", o)
		}
		if o["class_id"] == c1 && o["item_id"] == basic && num(o, "students") != 40 {
			t.Errorf("class occurrence students = %d, want class size 40", num(o, "students"))
		}
	}

	// Cancellations: a closure (weather, district-wide), a whole day, one
	// class's session and one club's session.
	env.MustDo(t, "POST", "/v1/districts/"+d+"/closures", map[string]any{"start_date": jDate(2026, 10, 14),
		"end_date": jDate(2026, 10, 14), "reason": "CLOSURE_REASON_WEATHER", "note": "台风红色预警"})
	cancel := func(body map[string]any, want int) {
		t.Helper()
		b := env.MustDo(t, "POST", s.termPath("/cancellations"), body)
		if got := num(b, "cancelled"); got != want {
			t.Errorf("cancellation %v cancelled %d, want %d", body, got, want)
		}
	}
	cancel(map[string]any{"date": jDate(2026, 9, 22), "reason": "秋季运动会"}, daily)
	cancel(map[string]any{"date": jDate(2026, 9, 23), "class_id": c1, "segment": 1, "reason": "班级外出研学"}, 1)
	cancel(map[string]any{"date": jDate(2026, 9, 24), "club_id": calli, "segment": 2, "reason": "书法老师病假"}, 1)
	cancel(map[string]any{"date": jDate(2026, 9, 22), "reason": "重复登记"}, 0) // already cancelled: recorded, counts nothing
	wantCancelled := daily + daily + 1 + 1
	all, scheduled, cancelled = occurrences(t, s)
	if len(all) != ttSchoolDays*daily || cancelled != wantCancelled || scheduled != ttSchoolDays*daily-wantCancelled {
		t.Fatalf("after cancelling: %d occurrences (%d scheduled, %d cancelled), want %d (%d, %d)",
			len(all), scheduled, cancelled, ttSchoolDays*daily, ttSchoolDays*daily-wantCancelled, wantCancelled)
	}
	reasons := map[string]int{}
	for _, o := range all {
		if o["status"] == "OCCURRENCE_STATUS_CANCELLED" {
			reasons[jStr(o, "cancel_reason")]++
			if num(o, "delivered_minutes") != 0 {
				t.Errorf("cancelled occurrence delivered %d minutes", num(o, "delivered_minutes"))
			}
		}
	}
	if reasons["秋季运动会"] != daily || reasons["班级外出研学"] != 1 || reasons["书法老师病假"] != 1 || len(reasons) != 4 {
		t.Errorf("cancel reasons = %v", reasons)
	}

	// A short day: class 1 was sent home after 40 of 60 minutes.
	b := env.MustDo(t, "POST", s.termPath("/deliveries"), map[string]any{"date": jDate(2026, 9, 25),
		"class_id": c1, "segment": 1, "minutes": 40})
	if num(b, "occurrence", "delivered_minutes") != 40 || jGet(b, "occurrence", "delivered_recorded") != true ||
		num(b, "occurrence", "minutes") != 60 || b["occurrence"].(map[string]any)["item_kind"] != "ITEM_KIND_BASIC_CARE" {
		t.Errorf("delivery = %v", b)
	}
	// A correction replaces the figure.
	env.MustDo(t, "POST", s.termPath("/deliveries"), map[string]any{"date": jDate(2026, 9, 25),
		"class_id": c1, "segment": 1, "minutes": 45})
	if r := env.Do(t, "POST", s.termPath("/deliveries"), map[string]any{"date": jDate(2026, 9, 25),
		"class_id": c1, "segment": 1, "minutes": 61}); r.Code != 400 || !strings.Contains(r.Raw, `"field":"minutes"`) {
		t.Errorf("more than planned: %d %s", r.Code, r.Raw)
	}
	if r := env.Do(t, "POST", s.termPath("/deliveries"), map[string]any{"date": jDate(2026, 9, 22),
		"class_id": c1, "segment": 1, "minutes": 30}); r.Code != 400 {
		t.Errorf("delivery for a cancelled session: %d %s", r.Code, r.Raw)
	}
	week := env.MustDo(t, "GET", s.termPath("/occurrences?from.year=2026&from.month=9&from.day=25&to.year=2026&to.month=9&to.day=25"), nil)
	found := false
	for _, o := range week["occurrences"].([]any) {
		if jStr(o, "class_id") == c1 && num(o, "segment") == 1 {
			found = true
			if num(o, "delivered_minutes") != 45 {
				t.Errorf("delivered = %d, want 45", num(o, "delivered_minutes"))
			}
		}
	}
	if !found || len(week["occurrences"].([]any)) != daily {
		t.Errorf("occurrences of 2026-09-25 = %v", week)
	}

	// Roll-call of class 1's basic care on Monday.
	st1, st2, st3 := s.student(t, c1, "王小明"), s.student(t, c1, "李小红"), s.student(t, c1, "张小刚")
	env.MustDo(t, "POST", s.path("/students/%s/leaves", st3), map[string]any{"start_date": jDate(2026, 9, 21),
		"end_date": jDate(2026, 9, 21), "reason": "发烧"})
	occID := ""
	for _, o := range all {
		if dateKey(o["date"]) == "2026-09-21" && o["class_id"] == c1 && o["item_id"] == basic {
			occID = jStr(o, "occurrence_id")
		}
	}
	b = env.MustDo(t, "POST", s.termPath("/attendance"), map[string]any{"occurrence_id": occID, "marks": []any{
		map[string]any{"student_id": st1, "status": "ATTENDANCE_STATUS_PRESENT"},
		map[string]any{"student_id": st2, "status": "ATTENDANCE_STATUS_ABSENT"},
		map[string]any{"student_id": st3, "status": "ATTENDANCE_STATUS_ON_LEAVE"},
	}})
	if num(b, "recorded") != 3 {
		t.Errorf("attendance = %v", b)
	}
	roll := env.MustDo(t, "GET", s.termPath("/attendance?occurrence_id=%s", occID), nil)
	marks := map[string]string{}
	for _, m := range roll["marks"].([]any) {
		marks[jStr(m, "student_id")] = jStr(m, "status")
	}
	if marks[st1] != "ATTENDANCE_STATUS_PRESENT" || marks[st2] != "ATTENDANCE_STATUS_ABSENT" || marks[st3] != "ATTENDANCE_STATUS_ON_LEAVE" {
		t.Errorf("roll-call = %v", roll)
	}
	// A student of class 2 is not in class 1's session; a cancelled
	// session takes no roll-call; an unknown session is not found.
	other := s.student(t, c2, "赵小二")
	if r := env.Do(t, "POST", s.termPath("/attendance"), map[string]any{"occurrence_id": occID, "marks": []any{
		map[string]any{"student_id": other, "status": "ATTENDANCE_STATUS_PRESENT"}}}); r.Code != 400 || !strings.Contains(r.Raw, `"field":"marks[0].student_id"`) {
		t.Errorf("student of another class: %d %s", r.Code, r.Raw)
	}
	cancelledID := strings.Replace(occID, "2026-09-21", "2026-09-22", 1)
	if r := env.Do(t, "POST", s.termPath("/attendance"), map[string]any{"occurrence_id": cancelledID, "marks": []any{
		map[string]any{"student_id": st1, "status": "ATTENDANCE_STATUS_PRESENT"}}}); r.Code != 400 || !strings.Contains(r.Raw, `"code":9`) {
		t.Errorf("roll-call of a cancelled session: %d %s", r.Code, r.Raw)
	}
	if r := env.Do(t, "POST", s.termPath("/attendance"), map[string]any{"occurrence_id": "2026-09-21/9/class:x", "marks": []any{
		map[string]any{"student_id": st1, "status": "ATTENDANCE_STATUS_PRESENT"}}}); r.Code != http.StatusNotFound {
		t.Errorf("unknown session: %d %s", r.Code, r.Raw)
	}
	_ = c2
}

// complianceOf returns a school's term report and its violations by rule.
func complianceOf(t *testing.T, s ttSchool, query string) (map[string]any, map[string][]map[string]any) {
	t.Helper()
	b := s.env.MustDo(t, "GET", s.termPath("/compliance"+query), nil)
	rep := b["report"].(map[string]any)
	byRule := map[string][]map[string]any{}
	for _, v := range rep["violations"].([]any) {
		m := v.(map[string]any)
		byRule[m["rule"].(string)] = append(byRule[m["rule"].(string)], m)
	}
	return rep, byRule
}

// TestTimetableComplianceReport is issue 3's second acceptance test: the
// "5+2" report flags, with numbers, a 100-minute Wednesday, service ending
// at 16:50 when off-work time is 17:30, and extended care past the evening
// cap (18:30); a compliant school has a clean report.
func TestTimetableComplianceReport(t *testing.T) {
	t.Parallel()
	env := startHTTP(t)
	d := env.District(t, "350422")
	setupSchool := func(name string, windows ...[]any) ttSchool {
		s := newTTSchool(t, env, d, name, "SCHOOL_STAGE_PRIMARY")
		r := s.room(t, "教室", "ROOM_KIND_CLASSROOM", 50)
		s.class(t, 4, "四年级1班", 45, r)
		s.item(t, "ITEM_KIND_BASIC_CARE", "课后基础托管", 1, windows[0])
		if len(windows) > 1 {
			s.item(t, "ITEM_KIND_EXTENDED_CARE", "延时托管", 2, windows[1])
		}
		return s
	}
	wednesdayShort := weekWindows(15, 30, 17, 30)
	wednesdayShort[2] = window(3, 15, 50, 17, 30)
	short := setupSchool("周三缩短小学", wednesdayShort)
	early := setupSchool("提前放学小学", weekWindows(14, 50, 16, 50))
	late := setupSchool("延时过晚小学", weekWindows(15, 30, 17, 30), weekWindows(17, 30, 19, 0))
	good := setupSchool("合规小学", weekWindows(15, 30, 17, 30), weekWindows(17, 30, 18, 30))

	// 100 minutes on each Wednesday school day of the term: Sep 23, Sep 30
	// and Oct 14 (Oct 7 is a holiday).
	rep, byRule := complianceOf(t, short, "")
	if rep["compliant"] != false || len(byRule) != 1 || len(byRule["min_minutes"]) != 3 {
		t.Fatalf("short Wednesday report = %v", rep)
	}
	for _, v := range byRule["min_minutes"] {
		if v["got"] != "100" || v["limit"] != "120" || v["unit"] != "minutes" || num(v, "weekday") != 3 || v["class_id"] == "" {
			t.Errorf("min_minutes violation = %v", v)
		}
	}
	// One week: only that week's Wednesday.
	rep, byRule = complianceOf(t, short, "?week_of.year=2026&week_of.month=9&week_of.day=24")
	if len(byRule["min_minutes"]) != 1 || dateKey(byRule["min_minutes"][0]["date"]) != "2026-09-23" ||
		dateKey(rep["from"]) != "2026-09-21" || dateKey(rep["to"]) != "2026-09-27" || num(rep, "school_days") != 6 {
		t.Errorf("week report = %v", rep)
	}

	// Ends at 16:50 (1010 minutes after midnight) against 17:30 (1050), every school day.
	rep, byRule = complianceOf(t, early, "")
	if rep["compliant"] != false || len(byRule["end_time"]) != ttSchoolDays {
		t.Fatalf("early school report = %v", rep)
	}
	for _, v := range byRule["end_time"] {
		if v["got"] != "1010" || v["limit"] != "1050" || v["unit"] != "time_of_day" {
			t.Errorf("end_time violation = %v", v)
		}
	}

	// Extended care until 19:00 (1140) against the 18:30 cap (1110).
	rep, byRule = complianceOf(t, late, "")
	if rep["compliant"] != false || len(byRule["extended_care_cap"]) == 0 {
		t.Fatalf("late extended care report = %v", rep)
	}
	for _, v := range byRule["extended_care_cap"] {
		if v["got"] != "1140" || v["limit"] != "1110" || v["unit"] != "time_of_day" {
			t.Errorf("extended_care_cap violation = %v", v)
		}
	}
	for rule := range byRule {
		if rule != "extended_care_cap" {
			t.Errorf("late school also flagged for %s: %v", rule, byRule[rule])
		}
	}

	// Every club run by an outside institution (第三方机构): share 1 against the 50% cap.
	outside := newTTSchool(t, env, d, "机构托管小学", "SCHOOL_STAGE_PRIMARY")
	or := outside.room(t, "教室", "ROOM_KIND_CLASSROOM", 50)
	outside.room(t, "操场", "ROOM_KIND_PLAYGROUND", 200)
	outside.class(t, 4, "四年级1班", 45, or)
	outside.item(t, "ITEM_KIND_BASIC_CARE", "课后基础托管", 1, weekWindows(15, 30, 16, 30))
	outside.item(t, "ITEM_KIND_ENRICHMENT", "兴趣拓展", 2, weekWindows(16, 30, 17, 30))
	env.MustDo(t, "POST", outside.termPath("/clubs"), map[string]any{"name": "武术", "activity_kind": "ACTIVITY_KIND_SPORTS",
		"provider_kind": "PROVIDER_KIND_INSTITUTION", "institution_id": "inst_wushu", "capacity": 45, "grades": []int{4},
		"room_kind": "ROOM_KIND_PLAYGROUND", "meetings_per_week": 5})
	env.MustDo(t, "POST", outside.termPath("/plan:generate"), map[string]any{"seed": "1"})
	rep, byRule = complianceOf(t, outside, "")
	if rep["compliant"] != false || len(byRule["outside_share"]) == 0 || len(byRule) != 1 {
		t.Fatalf("outside institution report = %v", rep)
	}
	for _, v := range byRule["outside_share"] {
		if v["got"] != "1" || v["limit"] != "0.5" || v["unit"] != "share" {
			t.Errorf("outside_share violation = %v", v)
		}
	}

	// The compliant school: clean.
	rep, _ = complianceOf(t, good, "")
	if rep["compliant"] != true || len(rep["violations"].([]any)) != 0 || num(rep, "school_days") != ttSchoolDays {
		t.Errorf("compliant school report = %v", rep)
	}
	// A closed day is not a missed service day.
	env.MustDo(t, "POST", "/v1/districts/"+d+"/closures", map[string]any{"school_id": good.id, "start_date": jDate(2026, 9, 28),
		"end_date": jDate(2026, 9, 28), "reason": "CLOSURE_REASON_EXAM"})
	if rep, _ = complianceOf(t, good, ""); rep["compliant"] != true {
		t.Errorf("compliant school after a closure = %v", rep)
	}
	// A day the school itself cancels is.
	env.MustDo(t, "POST", good.termPath("/cancellations"), map[string]any{"date": jDate(2026, 9, 29), "reason": "教师培训"})
	if rep, byRule = complianceOf(t, good, ""); rep["compliant"] != false || len(byRule["service_days"]) == 0 {
		t.Errorf("after a cancelled day = %v", rep)
	}
}

// TestTimetableBadInput is issue 3's fifth acceptance test: each bad input
// gets a 400 that names its field.
func TestTimetableBadInput(t *testing.T) {
	t.Parallel()
	env := startHTTP(t)
	d := env.District(t, "350423")
	s := newTTSchool(t, env, d, "校验小学", "SCHOOL_STAGE_PRIMARY")
	other := newTTSchool(t, env, d, "隔壁小学", "SCHOOL_STAGE_PRIMARY")
	r := s.room(t, "教室", "ROOM_KIND_CLASSROOM", 50)
	c := s.class(t, 3, "三年级1班", 40, r)
	st := s.student(t, c, "王小明")
	basic := s.item(t, "ITEM_KIND_BASIC_CARE", "课后基础托管", 1, weekWindows(15, 30, 17, 30))
	or := other.room(t, "教室", "ROOM_KIND_CLASSROOM", 50)
	stranger := other.student(t, other.class(t, 3, "三年级1班", 40, or), "外校学生")
	enr := env.MustDo(t, "POST", s.path("/enrolments"), map[string]any{"student_id": st, "item_id": basic, "start_date": jDate(2026, 9, 28)})
	enrID := jStr(enr, "enrolment", "enrolment_id")
	env.MustDo(t, "POST", s.path("/enrolments/%s:approve", enrID), map[string]any{})

	term := ttTerm()
	term["name"] = "倒序学期"
	term["start_date"], term["end_date"] = jDate(2027, 1, 20), jDate(2026, 9, 1)
	term["holidays"], term["swaps"] = nil, nil

	tests := []struct {
		name      string
		method    string
		path      string
		give      any
		wantField string
	}{
		{"term ends before it starts", "POST", s.path("/terms"), term, "term.end_date"},
		{"closure ends before it starts", "POST", "/v1/districts/" + d + "/closures", map[string]any{"start_date": jDate(2026, 10, 2),
			"end_date": jDate(2026, 10, 1), "reason": "CLOSURE_REASON_WEATHER"}, "closure.end_date"},
		{"window ends before it starts", "POST", s.termPath("/items"), map[string]any{"kind": "ITEM_KIND_LUNCH_CARE", "name": "午托", "segment": 2,
			"windows": []any{window(1, 13, 0, 12, 0)}}, "item.windows[0].end"},
		{"leave ends before it starts", "POST", s.path("/students/%s/leaves", st), map[string]any{"start_date": jDate(2026, 10, 2),
			"end_date": jDate(2026, 10, 1)}, "leave.end_date"},
		{"session cancelled outside the term", "POST", s.termPath("/cancellations"), map[string]any{"date": jDate(2026, 11, 2), "reason": "x"}, "date"},
		{"delivery outside the term", "POST", s.termPath("/deliveries"), map[string]any{"date": jDate(2026, 9, 1), "class_id": c, "segment": 1, "minutes": 30}, "date"},
		{"occurrences from outside the term", "GET", s.termPath("/occurrences?from.year=2026&from.month=8&from.day=1"), nil, "from"},
		{"cancellation of a session that does not exist", "POST", s.termPath("/cancellations"), map[string]any{"date": jDate(2026, 9, 21), "segment": 5, "reason": "x"}, "segment"},
		{"cancellation on a holiday", "POST", s.termPath("/cancellations"), map[string]any{"date": jDate(2026, 10, 1), "reason": "x"}, "date"},
		{"club in a room kind the school lacks", "POST", s.termPath("/clubs"), map[string]any{"name": "机器人", "activity_kind": "ACTIVITY_KIND_SCIENCE",
			"provider_kind": "PROVIDER_KIND_SCHOOL", "capacity": 20, "grades": []int{3}, "room_kind": "ROOM_KIND_LAB", "meetings_per_week": 1}, "club.room_kind"},
		{"evening study in a primary school", "POST", s.termPath("/items"), map[string]any{"kind": "ITEM_KIND_EVENING_STUDY", "name": "晚自习", "segment": 3,
			"windows": []any{window(1, 19, 0, 20, 30)}}, "item.kind"},
		{"enrolment for a student of another school", "POST", s.path("/enrolments"), map[string]any{"student_id": stranger, "item_id": basic,
			"start_date": jDate(2026, 9, 21)}, "enrolment.student_id"},
		{"enrolment starting outside the term", "POST", s.path("/enrolments"), map[string]any{"student_id": st, "item_id": basic,
			"start_date": jDate(2026, 12, 1)}, "enrolment.start_date"},
		{"withdrawal before the start", "POST", s.path("/enrolments/%s:withdraw", enrID), map[string]any{"end_date": jDate(2026, 9, 25)}, "end_date"},
		{"class of a grade the school does not teach", "POST", s.path("/classes"), map[string]any{"grade": 8, "name": "初二1班", "size": 40}, "class.grade"},
		{"student in a class of another school", "POST", s.path("/students"), map[string]any{"class_id": "cls_nope", "name": "x",
			"guardians": []any{map[string]any{"name": "y", "phone": "13800000000"}}}, "student.class_id"},
		{"locked placement of an unknown club", "POST", s.termPath("/plan:generate"), map[string]any{"locked": []any{map[string]any{"club_id": "club_x",
			"weekday": 1, "segment": 1, "room_id": r}}}, "locked[0].club_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := env.Do(t, tt.method, tt.path, tt.give)
			if got.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400: %s", got.Code, got.Raw)
			}
			if !strings.Contains(got.Raw, `"field":"`+tt.wantField+`"`) {
				t.Errorf("field %s not named in %s", tt.wantField, got.Raw)
			}
		})
	}
	// Nothing was half-written: the enrolment is still approved, with no end.
	list := env.MustDo(t, "GET", s.termPath("/enrolments"), nil)
	if es := list["enrolments"].([]any); len(es) != 1 || jStr(es[0], "status") != "ENROLMENT_STATUS_APPROVED" || jGet(es[0], "end_date") != nil {
		t.Errorf("enrolments after bad input = %v", list)
	}
}

// TestTimetableEnrolment covers sign-up, approval, withdrawal, leave, club
// choices with an allocation, and a late change: a freed seat goes to the
// next in line. The last free seat of a club is fought over by 20 callers
// at once; exactly one wins.
func TestTimetableEnrolment(t *testing.T) {
	t.Parallel()
	env := startHTTP(t)
	d := env.District(t, "350424")
	s := newTTSchool(t, env, d, "报名小学", "SCHOOL_STAGE_PRIMARY")
	r := s.room(t, "教室", "ROOM_KIND_CLASSROOM", 60)
	s.room(t, "美术室", "ROOM_KIND_ART_ROOM", 40)
	s.room(t, "体育馆", "ROOM_KIND_GYM", 100)
	c3 := s.class(t, 3, "三年级1班", 45, r)
	c5 := s.class(t, 5, "五年级1班", 45, "")
	basic := s.item(t, "ITEM_KIND_BASIC_CARE", "课后基础托管", 1, weekWindows(15, 30, 16, 30))
	enrich := s.item(t, "ITEM_KIND_ENRICHMENT", "兴趣拓展", 2, weekWindows(16, 30, 17, 30))

	// Sign-up → approval → withdrawal; a rejected one; a duplicate.
	st := s.student(t, c3, "王小明")
	e := env.MustDo(t, "POST", s.path("/enrolments"), map[string]any{"student_id": st, "item_id": basic, "start_date": jDate(2026, 9, 21)})
	id := jStr(e, "enrolment", "enrolment_id")
	if jStr(e, "enrolment", "status") != "ENROLMENT_STATUS_PENDING" || jStr(e, "enrolment", "class_id") != c3 ||
		jStr(e, "enrolment", "term_id") != s.termID {
		t.Fatalf("created = %v", e)
	}
	if r := env.Do(t, "POST", s.path("/enrolments"), map[string]any{"student_id": st, "item_id": basic, "start_date": jDate(2026, 9, 22)}); r.Code != http.StatusConflict {
		t.Errorf("second live sign-up: %d %s", r.Code, r.Raw)
	}
	if r := env.Do(t, "POST", s.path("/enrolments/%s:withdraw", id), map[string]any{"end_date": jDate(2026, 10, 30)}); r.Code != 400 ||
		!strings.Contains(r.Raw, `"field":"end_date"`) {
		t.Errorf("withdrawal after the term: %d %s", r.Code, r.Raw)
	}
	e = env.MustDo(t, "POST", s.path("/enrolments/%s:approve", id), map[string]any{})
	if jStr(e, "enrolment", "status") != "ENROLMENT_STATUS_APPROVED" {
		t.Fatalf("approved = %v", e)
	}
	if r := env.Do(t, "POST", s.path("/enrolments/%s:approve", id), map[string]any{}); r.Code != 400 || !strings.Contains(r.Raw, `"code":9`) {
		t.Errorf("second approval: %d %s", r.Code, r.Raw)
	}
	e = env.MustDo(t, "POST", s.path("/enrolments/%s:withdraw", id), map[string]any{"end_date": jDate(2026, 10, 9)})
	if jStr(e, "enrolment", "status") != "ENROLMENT_STATUS_WITHDRAWN" || dateKey(jGet(e, "enrolment", "end_date")) != "2026-10-09" {
		t.Fatalf("withdrawn = %v", e)
	}
	st2 := s.student(t, c3, "李小红")
	e = env.MustDo(t, "POST", s.path("/enrolments"), map[string]any{"student_id": st2, "item_id": basic, "start_date": jDate(2026, 9, 28)})
	if r := env.Do(t, "POST", s.path("/enrolments/%s:withdraw", jStr(e, "enrolment", "enrolment_id")), map[string]any{"end_date": jDate(2026, 10, 9)}); r.Code != 400 ||
		!strings.Contains(r.Raw, `"code":9`) {
		t.Errorf("withdrawing a pending sign-up: %d %s", r.Code, r.Raw)
	}
	e = env.MustDo(t, "POST", s.path("/enrolments/%s:approve", jStr(e, "enrolment", "enrolment_id")), map[string]any{"reject": true})
	if jStr(e, "enrolment", "status") != "ENROLMENT_STATUS_REJECTED" {
		t.Errorf("rejected = %v", e)
	}
	// After the withdrawal the student may sign up again.
	e = env.MustDo(t, "POST", s.path("/enrolments"), map[string]any{"student_id": st, "item_id": enrich, "start_date": jDate(2026, 9, 21)})
	env.MustDo(t, "POST", s.path("/enrolments/%s:approve", jStr(e, "enrolment", "enrolment_id")), map[string]any{})
	env.MustDo(t, "POST", s.path("/students/%s/leaves", st), map[string]any{"start_date": jDate(2026, 9, 28),
		"end_date": jDate(2026, 9, 30), "reason": "探亲"})
	if r := env.Do(t, "POST", s.path("/students/%s/leaves", "stu_nobody"), map[string]any{"start_date": jDate(2026, 9, 28),
		"end_date": jDate(2026, 9, 30)}); r.Code != 400 || !strings.Contains(r.Raw, `"field":"student_id"`) {
		t.Errorf("leave of an unknown student: %d %s", r.Code, r.Raw)
	}
	list := env.MustDo(t, "GET", s.termPath("/enrolments?student_id=%s", st), nil)
	if n := len(list["enrolments"].([]any)); n != 2 {
		t.Errorf("student's enrolments = %d, want 2", n)
	}

	// Club choices and allocation: art (1 seat) is everybody's first choice,
	// ball (2 seats) the second; a grade-5-only club refuses grade 3.
	art := s.club(t, "国画", "ACTIVITY_KIND_ARTS", "ROOM_KIND_ART_ROOM", 1, 1, 3, 5)
	ball := s.club(t, "足球", "ACTIVITY_KIND_SPORTS", "ROOM_KIND_GYM", 2, 1, 3, 5)
	senior := s.club(t, "科创", "ACTIVITY_KIND_SCIENCE", "ROOM_KIND_CLASSROOM", 30, 1, 5)
	kids := []string{st, st2, s.student(t, c3, "张小刚")}
	for _, k := range kids {
		env.MustDo(t, "POST", s.termPath("/club-choices"), map[string]any{"student_id": k, "club_ids": []string{art, ball}})
	}
	if r := env.Do(t, "POST", s.termPath("/club-choices"), map[string]any{"student_id": st, "club_ids": []string{senior}}); r.Code != 400 ||
		!strings.Contains(r.Raw, `"field":"club_ids[0]"`) {
		t.Errorf("ineligible choice: %d %s", r.Code, r.Raw)
	}
	rep := env.MustDo(t, "POST", s.termPath("/clubs:allocate"), map[string]any{"seed": "42"})
	if num(rep, "report", "students") != 3 || num(rep, "report", "first_choice") != 1 || num(rep, "report", "second_choice") != 2 ||
		num(rep, "report", "unplaced") != 0 {
		t.Fatalf("allocation = %v", rep)
	}
	members := func(club string) []string {
		b := env.MustDo(t, "GET", s.termPath("/clubs/%s/members", club), nil)
		var out []string
		for _, m := range b["members"].([]any) {
			out = append(out, jStr(m, "student_id"))
		}
		slices.Sort(out)
		return out
	}
	artHolder := members(art)
	if len(artHolder) != 1 || len(members(ball)) != 2 {
		t.Fatalf("seats: art %v, ball %v", artHolder, members(ball))
	}
	// Late change: the art student leaves; the next in line gets the seat,
	// and the ball seat that frees goes to nobody (no one else wants it more).
	lv := env.MustDo(t, "POST", s.termPath("/clubs/%s/members/%s:leave", art, artHolder[0]), map[string]any{})
	if len(lv["moves"].([]any)) < 2 {
		t.Fatalf("moves = %v", lv)
	}
	newArt := members(art)
	if len(newArt) != 1 || newArt[0] == artHolder[0] {
		t.Fatalf("art after leave = %v (was %v)", newArt, artHolder)
	}
	if b := members(ball); len(b) != 1 || slices.Contains(b, newArt[0]) || slices.Contains(b, artHolder[0]) {
		t.Errorf("ball after leave = %v", b)
	}
	clubs := env.MustDo(t, "GET", s.termPath("/clubs"), nil)
	for _, cl := range clubs["clubs"].([]any) {
		if jStr(cl, "club_id") == art && num(cl, "members") != 1 {
			t.Errorf("art members = %d", num(cl, "members"))
		}
	}

	// Concurrent joins into the last seat: ball has one seat left.
	var racers []string
	for i := range 20 {
		racers = append(racers, s.student(t, c5, fmt.Sprintf("五年级学生%02d", i)))
	}
	codes := make([]int, len(racers))
	raws := make([]string, len(racers))
	var wg sync.WaitGroup
	for i, k := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := env.Do(t, "POST", s.termPath("/clubs/%s/members", ball), map[string]any{"student_id": k})
			codes[i], raws[i] = r.Code, r.Raw
		}()
	}
	wg.Wait()
	wins := 0
	for i, code := range codes {
		switch {
		case code == http.StatusOK:
			wins++
		case code == http.StatusBadRequest && strings.Contains(raws[i], `"code":9`) && strings.Contains(raws[i], "full"):
		case code == http.StatusConflict && strings.Contains(raws[i], `"code":10`):
		default:
			t.Errorf("racer %d: %d %s", i, code, raws[i])
		}
	}
	if wins != 1 || len(members(ball)) != 2 {
		t.Errorf("%d racers won the last seat, ball has %v; want exactly 1 and 2 seats", wins, members(ball))
	}
	// The winner leaves again: the student who left art earlier has left
	// the club round and is not pulled back in; the seat stays free.
	winner := ""
	for i, code := range codes {
		if code == http.StatusOK {
			winner = racers[i]
		}
	}
	lv = env.MustDo(t, "POST", s.termPath("/clubs/%s/members/%s:leave", ball, winner), map[string]any{})
	if b := members(ball); len(lv["moves"].([]any)) != 1 || len(b) != 1 || slices.Contains(b, artHolder[0]) {
		t.Errorf("after the winner left: moves %v, ball %v", lv, b)
	}
	if r := env.Do(t, "POST", s.termPath("/clubs/%s/members/%s:leave", ball, winner), map[string]any{}); r.Code != http.StatusNotFound {
		t.Errorf("leaving twice: %d %s", r.Code, r.Raw)
	}
	if r := env.Do(t, "POST", s.termPath("/clubs/%s/members", senior), map[string]any{"student_id": kids[2]}); r.Code != 400 {
		t.Errorf("grade 3 joining a grade-5 club: %d %s", r.Code, r.Raw)
	}
}

// TestTimetableWeekendCare checks weekend care (周末托管): it runs on the
// term's Saturdays and Sundays that are neither school days nor holidays,
// and stays outside the "5+2" report.
func TestTimetableWeekendCare(t *testing.T) {
	t.Parallel()
	env := startHTTP(t)
	d := env.District(t, "350425")
	s := newTTSchool(t, env, d, "周末托管小学", "SCHOOL_STAGE_PRIMARY")
	r := s.room(t, "教室", "ROOM_KIND_CLASSROOM", 50)
	c := s.class(t, 2, "二年级1班", 40, r)
	s.item(t, "ITEM_KIND_BASIC_CARE", "课后基础托管", 1, weekWindows(15, 30, 17, 30))
	care := s.item(t, "ITEM_KIND_WEEKEND_CARE", "周末托管", 2, []any{window(6, 9, 0, 11, 0), window(7, 9, 0, 11, 0)})
	if r := env.Do(t, "POST", s.termPath("/items"), map[string]any{"kind": "ITEM_KIND_LUNCH_CARE", "name": "午托", "segment": 2,
		"windows": []any{window(1, 12, 0, 13, 0)}}); r.Code != 400 || !strings.Contains(r.Raw, `"field":"item.segment"`) {
		t.Errorf("second item in segment 2: %d %s", r.Code, r.Raw)
	}
	// Saturdays Sep 26 and Oct 10 are working days, Oct 3 a holiday; the
	// Sundays Sep 27, Oct 4 and Oct 11 get weekend care.
	env.MustDo(t, "POST", "/v1/districts/"+d+"/closures", map[string]any{"start_date": jDate(2026, 10, 11),
		"end_date": jDate(2026, 10, 11), "reason": "CLOSURE_REASON_WEATHER"})
	all, scheduled, cancelled := occurrences(t, s)
	var got []string
	for _, o := range all {
		if o["item_id"] == care {
			got = append(got, dateKey(o["date"])+" "+jStr(o, "status"))
			if o["class_id"] != c || num(o, "minutes") != 120 {
				t.Errorf("weekend care occurrence = %v", o)
			}
		}
	}
	want := []string{"2026-09-27 OCCURRENCE_STATUS_SCHEDULED", "2026-10-04 OCCURRENCE_STATUS_SCHEDULED", "2026-10-11 OCCURRENCE_STATUS_CANCELLED"}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(all) != ttSchoolDays+3 || scheduled != ttSchoolDays+2 || cancelled != 1 {
		t.Errorf("weekend care = %v (%d occurrences, %d scheduled, %d cancelled), want %v", got, len(all), scheduled, cancelled, want)
	}
	env.MustDo(t, "POST", s.termPath("/deliveries"), map[string]any{"date": jDate(2026, 10, 4), "class_id": c, "segment": 2, "minutes": 90})
	// A closure added after a delivery was recorded: the day is cancelled,
	// delivers nothing, and the term stays readable.
	env.MustDo(t, "POST", "/v1/districts/"+d+"/closures", map[string]any{"school_id": s.id, "start_date": jDate(2026, 10, 4),
		"end_date": jDate(2026, 10, 4), "reason": "CLOSURE_REASON_OTHER", "note": "停电"})
	all, scheduled, cancelled = occurrences(t, s)
	if scheduled != ttSchoolDays+1 || cancelled != 2 {
		t.Errorf("after closing a delivered day: %d scheduled, %d cancelled", scheduled, cancelled)
	}
	for _, o := range all {
		if dateKey(o["date"]) == "2026-10-04" && (o["status"] != "OCCURRENCE_STATUS_CANCELLED" || num(o, "delivered_minutes") != 0) {
			t.Errorf("closed delivered day = %v", o)
		}
	}
	if rep, _ := complianceOf(t, s, ""); rep["compliant"] != true {
		t.Errorf("report with weekend care = %v", rep)
	}
}

// TestTimetablePlanOverfullAndLocked checks that an over-full school is
// answered with the clubs that cannot be placed and why, and that a
// placement locked by hand is kept.
func TestTimetablePlanOverfullAndLocked(t *testing.T) {
	t.Parallel()
	env := startHTTP(t)
	d := env.District(t, "350426")
	s := newTTSchool(t, env, d, "场地紧张小学", "SCHOOL_STAGE_PRIMARY")
	r := s.room(t, "教室", "ROOM_KIND_CLASSROOM", 50)
	gym := s.room(t, "体育馆", "ROOM_KIND_GYM", 60)
	s.class(t, 4, "四年级1班", 40, r)
	s.item(t, "ITEM_KIND_BASIC_CARE", "课后基础托管", 1, weekWindows(15, 30, 16, 30))
	s.item(t, "ITEM_KIND_ENRICHMENT", "兴趣拓展", 2, weekWindows(16, 30, 17, 30))
	a := s.club(t, "篮球", "ACTIVITY_KIND_SPORTS", "ROOM_KIND_GYM", 30, 5, 4)
	b := s.club(t, "羽毛球", "ACTIVITY_KIND_SPORTS", "ROOM_KIND_GYM", 30, 5, 4)

	// Ten gym meetings, five gym slots.
	p := env.MustDo(t, "POST", s.termPath("/plan:generate"), map[string]any{"seed": "3"})
	missing, placed := 0, 0
	for _, u := range jGet(p, "plan", "unplaced").([]any) {
		missing += num(u, "missing_meetings")
		if jStr(u, "reason") != "rooms_taken" || jStr(u, "detail") == "" {
			t.Errorf("unplaced = %v", u)
		}
	}
	placed = len(jGet(p, "plan", "placements").([]any))
	if missing != 5 || placed != 5 {
		t.Fatalf("plan = %v, want 5 placed and 5 meetings missing", p)
	}

	// Lock badminton on Monday: kept, and basketball loses Monday.
	p = env.MustDo(t, "POST", s.termPath("/plan:generate"), map[string]any{"seed": "3",
		"locked": []any{map[string]any{"club_id": b, "weekday": 1, "segment": 2, "room_id": gym}}})
	kept := false
	for _, pl := range jGet(p, "plan", "placements").([]any) {
		if num(pl, "weekday") == 1 {
			kept = jStr(pl, "club_id") == b && jGet(pl, "locked") == true
		}
	}
	if !kept {
		t.Errorf("locked placement not kept: %v", p)
	}
	if r := env.Do(t, "POST", s.termPath("/plan:generate"), map[string]any{"locked": []any{map[string]any{"club_id": a,
		"weekday": 1, "segment": 1, "room_id": gym}}}); r.Code != 400 || !strings.Contains(r.Raw, `"field":"locked[0].segment"`) {
		t.Errorf("lock into the homework segment: %d %s", r.Code, r.Raw)
	}
	// A class without a home room (optional) takes no room and plans fine;
	// a home room too small, or another class's, is refused up front.
	s.class(t, 4, "四年级2班", 40, "")
	env.MustDo(t, "POST", s.termPath("/plan:generate"), map[string]any{})
	small := s.room(t, "小教室", "ROOM_KIND_CLASSROOM", 20)
	for _, give := range []map[string]any{{"grade": 4, "name": "四年级3班", "size": 40, "home_room_id": small},
		{"grade": 4, "name": "四年级4班", "size": 10, "home_room_id": r}} {
		if r := env.Do(t, "POST", s.path("/classes"), give); r.Code != 400 || !strings.Contains(r.Raw, `"field":"class.home_room_id"`) {
			t.Errorf("class %v: %d %s", give, r.Code, r.Raw)
		}
	}
}

// TestTimetableEveningStudyNineYear checks that evening self-study (晚自习)
// in a nine-year school (九年一贯制) serves only the junior middle grades it
// names, and that the "5+2" report then has nothing to flag about it.
func TestTimetableEveningStudyNineYear(t *testing.T) {
	t.Parallel()
	env := startHTTP(t)
	d := env.District(t, "350427")
	s := newTTSchool(t, env, d, "九年一贯制学校", "SCHOOL_STAGE_NINE_YEAR")
	r4 := s.room(t, "四(1)班", "ROOM_KIND_CLASSROOM", 50)
	r8 := s.room(t, "初二(1)班", "ROOM_KIND_CLASSROOM", 50)
	primary := s.class(t, 4, "四年级1班", 45, r4)
	junior := s.class(t, 8, "初二1班", 45, r8)
	s.item(t, "ITEM_KIND_BASIC_CARE", "课后基础托管", 1, weekWindows(15, 30, 17, 30))
	evening := func(grades []int) systemtest.Response {
		return env.Do(t, "POST", s.termPath("/items"), map[string]any{"kind": "ITEM_KIND_EVENING_STUDY", "name": "晚自习", "segment": 3,
			"windows": weekWindows(19, 0, 20, 30), "grades": grades})
	}
	for _, tt := range []struct {
		give  []int
		field string
	}{{nil, "item.grades"}, {[]int{8, 4}, "item.grades[1]"}} {
		if r := evening(tt.give); r.Code != 400 || !strings.Contains(r.Raw, `"field":"`+tt.field+`"`) {
			t.Errorf("evening study for grades %v: %d %s", tt.give, r.Code, r.Raw)
		}
	}
	r := evening([]int{7, 8, 9})
	if r.Code != 200 || fmt.Sprint(jGet(r.Body, "item", "grades")) != "[7 8 9]" {
		t.Fatalf("evening study for 7–9: %d %s", r.Code, r.Raw)
	}
	all, _, _ := occurrences(t, s)
	perClass := map[string]int{}
	for _, o := range all {
		perClass[jStr(o, "class_id")]++
	}
	if perClass[primary] != ttSchoolDays || perClass[junior] != 2*ttSchoolDays {
		t.Errorf("occurrences per class = %v, want %d for grade 4 and %d for grade 8", perClass, ttSchoolDays, 2*ttSchoolDays)
	}
	// A grade-4 student cannot sign up for it; a grade-8 one can.
	item := jStr(r.Body, "item", "item_id")
	if r := env.Do(t, "POST", s.path("/enrolments"), map[string]any{"student_id": s.student(t, primary, "小学生"), "item_id": item,
		"start_date": jDate(2026, 9, 21)}); r.Code != 400 || !strings.Contains(r.Raw, `"field":"enrolment.item_id"`) {
		t.Errorf("grade 4 signing up for evening study: %d %s", r.Code, r.Raw)
	}
	env.MustDo(t, "POST", s.path("/enrolments"), map[string]any{"student_id": s.student(t, junior, "初中生"), "item_id": item, "start_date": jDate(2026, 9, 21)})
	if r := env.Do(t, "GET", s.path("/terms/term_nope/items"), nil); r.Code != http.StatusNotFound {
		t.Errorf("items of an unknown term: %d %s", r.Code, r.Raw)
	}
	if rep, _ := complianceOf(t, s, ""); rep["compliant"] != true {
		t.Errorf("nine-year report = %v", rep)
	}
}

// TestTimetableClubAllocationModes: four children rank 国画 (1 seat) then 足球 (2 seats); 围棋 (2
// seats) is ranked by nobody. The lottery leaves one child out beside two empty seats;
// lottery_fill and most_placed place that child in 围棋 by the second round, and the report shows
// the mode's shares beside the optimum's. An unknown mode is a 400 naming mode.
func TestTimetableClubAllocationModes(t *testing.T) {
	t.Parallel()
	env := startHTTP(t)
	d := env.District(t, "351110")
	s := newTTSchool(t, env, d, "社团小学", "SCHOOL_STAGE_PRIMARY")
	r := s.room(t, "教室", "ROOM_KIND_CLASSROOM", 60)
	s.room(t, "美术室", "ROOM_KIND_ART_ROOM", 40)
	s.room(t, "体育馆", "ROOM_KIND_GYM", 100)
	c3 := s.class(t, 3, "三年级1班", 45, r)
	art := s.club(t, "国画", "ACTIVITY_KIND_ARTS", "ROOM_KIND_ART_ROOM", 1, 1, 3)
	ball := s.club(t, "足球", "ACTIVITY_KIND_SPORTS", "ROOM_KIND_GYM", 2, 1, 3)
	chess := s.club(t, "围棋", "ACTIVITY_KIND_OTHER", "ROOM_KIND_CLASSROOM", 2, 1, 3)
	for i := range 4 {
		k := s.student(t, c3, fmt.Sprintf("三年级学生%d", i))
		env.MustDo(t, "POST", s.termPath("/club-choices"), map[string]any{"student_id": k, "club_ids": []string{art, ball}})
	}
	members := func(club string) int {
		return len(env.MustDo(t, "GET", s.termPath("/clubs/%s/members", club), nil)["members"].([]any))
	}
	tests := []struct {
		mode                                string
		first, second, secondRound, none    int
		wantMode, firstShare, noneShare     string
		optFirst, optSecond, optNone, chess string
	}{
		{"", 1, 2, 0, 1, "lottery", "0.2500", "0.2500", "0.2500", "0.5000", "0.2500", "0"},
		{"lottery_fill", 1, 2, 1, 0, "lottery_fill", "0.2500", "0.0000", "0.2500", "0.5000", "0.2500", "1"},
		{"most_placed", 1, 2, 1, 0, "most_placed", "0.2500", "0.0000", "0.2500", "0.5000", "0.2500", "1"},
	}
	for _, tt := range tests {
		rep := env.MustDo(t, "POST", s.termPath("/clubs:allocate"), map[string]any{"seed": "7", "mode": tt.mode})
		if num(rep, "report", "first_choice") != tt.first || num(rep, "report", "second_choice") != tt.second ||
			num(rep, "report", "second_round") != tt.secondRound || num(rep, "report", "unplaced") != tt.none ||
			jStr(rep, "report", "mode") != tt.wantMode {
			t.Errorf("mode %q: report = %v", tt.mode, rep)
		}
		if jStr(rep, "report", "shares", "first") != tt.firstShare || jStr(rep, "report", "shares", "none") != tt.noneShare ||
			jStr(rep, "report", "optimum", "first") != tt.optFirst || jStr(rep, "report", "optimum", "second") != tt.optSecond ||
			jStr(rep, "report", "optimum", "none") != tt.optNone {
			t.Errorf("mode %q: shares %v beside optimum %v", tt.mode, jGet(rep, "report", "shares"), jGet(rep, "report", "optimum"))
		}
		if got := fmt.Sprint(members(chess)); got != tt.chess || members(art) != 1 || members(ball) != 2 {
			t.Errorf("mode %q: members art %d ball %d chess %s, want 1 2 %s", tt.mode, members(art), members(ball), got, tt.chess)
		}
	}
	if r := env.Do(t, "POST", s.termPath("/clubs:allocate"), map[string]any{"seed": "7", "mode": "fair"}); r.Code != 400 ||
		!strings.Contains(r.Raw, `"field":"mode"`) {
		t.Errorf("unknown mode: %d %s, want 400 naming mode", r.Code, r.Raw)
	}
}
