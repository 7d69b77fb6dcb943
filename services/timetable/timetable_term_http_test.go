package timetable_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

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
