package system_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
)

// Issue 11 (fee fidelity), end to end over HTTP: the configuration a school or bureau enters, the
// run, and the statements and claims to the fen against figures computed by hand here.

// autumnWorld is a district with one primary school whose term runs 2 September – 15 November
// 2024 with 中秋节 (16 September) and 国庆 (1–4 and 7 October) off: 20 school days in September,
// 18 in October and 11 in November, so its months are as uneven as a real term's. One class of
// three students is enrolled in basic care (two 40-minute periods a day) from start, which may
// differ per student.
type autumnWorld struct {
	env                    *systemtest.Env
	district, school, term string
	item                   string
	students               map[string]string // name → id
}

func newAutumnWorld(t *testing.T, districtID string, start map[string]map[string]any) autumnWorld {
	t.Helper()
	env := systemtest.Start(t)
	w := autumnWorld{env: env, district: districtID, students: map[string]string{}}
	env.MustDo(t, "POST", "/v1/districts", map[string]any{
		"district_id": districtID, "name": "梅列区",
		"policy": map[string]any{
			"off_work_time": map[string]any{"hours": 17, "minutes": 30}, "min_minutes_per_day": 80,
			"service_days_per_week": 5, "period_minutes_primary": 40, "period_minutes_junior_middle": 45,
			"max_periods_per_day": 3, "evening_care_end": map[string]any{"hours": 18, "minutes": 30}, "outside_share_cap_percent": 50,
		},
	})
	sc := env.MustDo(t, "POST", "/v1/schools", map[string]any{"district_id": districtID, "name": "列东小学", "stage": "SCHOOL_STAGE_PRIMARY"})
	w.school = systemtest.Str(sc, "school", "school_id")
	room := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/rooms", map[string]any{"name": "201教室", "kind": "ROOM_KIND_CLASSROOM", "capacity": 50})
	cl := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/classes", map[string]any{"grade": 2, "name": "二年级1班", "size": 3,
		"home_room_id": systemtest.Str(room, "room", "room_id")})
	classID := systemtest.Str(cl, "class", "class_id")
	for _, name := range []string{"张三", "李四", "王五"} {
		st := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/students", map[string]any{"class_id": classID, "name": name,
			"guardians": []any{map[string]any{"name": name + "家长", "phone": "13800000000", "relation": "父亲"}}})
		w.students[name] = systemtest.Str(st, "student", "student_id")
	}
	var holidays []any
	for _, d := range [][2]int{{9, 16}, {10, 1}, {10, 2}, {10, 3}, {10, 4}, {10, 7}} {
		holidays = append(holidays, map[string]any{"date": date(2024, d[0], d[1]), "name": "节假日"})
	}
	tm := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/terms", map[string]any{
		"name": "2024-2025学年第一学期（秋）", "start_date": date(2024, 9, 2), "end_date": date(2024, 11, 15), "holidays": holidays})
	w.term = systemtest.Str(tm, "term", "term_id")
	var windows []any
	for wd := 1; wd <= 5; wd++ {
		windows = append(windows, map[string]any{"weekday": wd, "start": map[string]any{"hours": 16}, "end": map[string]any{"hours": 17, "minutes": 20}})
	}
	it := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/terms/"+w.term+"/items", map[string]any{
		"kind": "ITEM_KIND_BASIC_CARE", "name": "课后基础托管", "segment": 1, "windows": windows})
	w.item = systemtest.Str(it, "item", "item_id")
	env.MustDo(t, "POST", "/v1/schools/"+w.school+"/terms/"+w.term+"/plan:generate", map[string]any{"seed": 1})
	for name, id := range w.students {
		from := date(2024, 9, 2)
		if d, ok := start[name]; ok {
			from = d
		}
		en := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/enrolments", map[string]any{"student_id": id, "item_id": w.item, "start_date": from})
		env.MustDo(t, "POST", "/v1/schools/"+w.school+"/enrolments/"+systemtest.Str(en, "enrolment", "enrolment_id")+":approve", map[string]any{})
	}
	return w
}

func (w autumnWorld) leave(t *testing.T, name string, from, to map[string]any) {
	t.Helper()
	w.env.MustDo(t, "POST", "/v1/schools/"+w.school+"/students/"+w.students[name]+"/leaves",
		map[string]any{"start_date": from, "end_date": to, "reason": "病假"})
}

// run runs the term and returns each student's single charge line by name.
func (w autumnWorld) run(t *testing.T, requestID string) map[string]any {
	t.Helper()
	run := w.env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": requestID, "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	if systemtest.Get(run, "run", "statements") != float64(len(w.students)) {
		t.Fatalf("run = %v", run)
	}
	lines := map[string]any{}
	for name, id := range w.students {
		got := w.env.MustDo(t, "GET", "/v1/schools/"+w.school+"/students/"+id+"/terms/"+w.term+"/statements", nil)
		sts, _ := got["statements"].([]any)
		if len(sts) != 1 {
			t.Fatalf("%s statements = %v", name, got)
		}
		ls, _ := systemtest.Get(sts[0], "lines").([]any)
		if len(ls) != 1 {
			t.Fatalf("%s lines = %v", name, ls)
		}
		lines[name] = ls[0]
	}
	return lines
}

// monthlySchedule is a notice of "60 元/月，每学期按 2.5 个月计，不足半月按半月计，超过半月按全月计".
func monthlySchedule(proration map[string]any) map[string]any {
	return map[string]any{
		"schedule_id": "ml-2024", "document_no": "梅教〔2024〕9号", "effective_from": date(2024, 9, 1), "effective_to": date(2025, 1, 31),
		"billing_mode": "prepaid_term", "calendar": map[string]any{"days_per_month": "20", "months_per_term": "2.5"},
		"proration": proration,
		"items":     []any{map[string]any{"rule_id": "basic-care", "name": "基础托管服务费", "kind": "basic_care", "unit": "per_month", "rate": "60"}},
	}
}

func parentOf(t *testing.T, l any) string {
	t.Helper()
	return money(t, systemtest.Get(l, "parent")).StringFixed(2)
}

// TestHalfMonthMonthlyRateEndToEnd is item 2: 60 元 a month bills 60.00 per full month and 30.00
// per half month whatever each month's school days (20, 18, 11), where weighting by school days
// (the old reading, still available explicitly) bills other figures.
func TestHalfMonthMonthlyRateEndToEnd(t *testing.T) {
	t.Parallel()
	// 李四 joins 21 October: 9 of October's 18 days, exactly half. 王五 is away 2–13 September (10
	// of 20 days attended: exactly half) and all of November.
	w := newAutumnWorld(t, "351101", map[string]map[string]any{"李四": date(2024, 10, 21)})
	w.leave(t, "王五", date(2024, 9, 2), date(2024, 9, 13))
	w.leave(t, "王五", date(2024, 11, 1), date(2024, 11, 15))
	w.env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", monthlySchedule(map[string]any{"rule_id": "half-month", "kind": "half_month"}))
	lines := w.run(t, "autumn")
	// By hand, the term fee is 60 × 2.5 = 150.00 (the gross of every line).
	// 张三: all three months in full, 180.00, held to the term's 150.00.
	// 李四: October exactly half (the default boundary is exclusive: half) 30.00 + November 60.00 = 90.00.
	// 王五: September exactly half 30.00 + October 60.00 + November nothing = 90.00.
	for name, want := range map[string]string{"张三": "150.00", "李四": "90.00", "王五": "90.00"} {
		wantMoney(t, name+" gross", systemtest.Get(lines[name], "gross"), "150.00")
		if got := parentOf(t, lines[name]); got != want {
			t.Errorf("%s parent = %s, want %s", name, got, want)
		}
	}

	// The same notice weighted by school days (explicit): 150 over 49 days; October is worth
	// 150 × 18/49 = 55.102…, November 150 × 11/49 = 33.673…, September 150 × 20/49 = 61.224….
	// 李四: 55.102…/2 + 33.673… = 61.224… → 61.22; 王五: 61.224…/2 + 55.102… = 85.714… → 85.71.
	v2 := monthlySchedule(map[string]any{"rule_id": "half-month", "kind": "half_month", "month_weight": "school_days"})
	w.env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", v2)
	preview := w.env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs:preview", map[string]any{
		"run": map[string]any{"school_id": w.school, "term_id": w.term, "period_kind": "term"}, "candidate": v2})
	// The preview's base is the schedule in force (now v2, weighted by school days) and so is the
	// candidate: 150.00 + 61.22 + 85.71 = 296.93 either way.
	wantMoney(t, "school-days total", systemtest.Get(preview, "total", "candidate", "parent"), "296.93")
}

// TestThresholdBoundariesEndToEnd is item 3: the same term and students under "满半月按全月计"
// (inclusive), and under continuous absence "满一个月退一个月" with an exclusive boundary; a boundary
// given to a policy without a threshold is a 400 naming the field.
func TestThresholdBoundariesEndToEnd(t *testing.T) {
	t.Parallel()
	w := newAutumnWorld(t, "351102", map[string]map[string]any{"李四": date(2024, 10, 21)})
	w.leave(t, "王五", date(2024, 9, 2), date(2024, 9, 13))
	w.leave(t, "王五", date(2024, 11, 1), date(2024, 11, 15))
	path := "/v1/districts/" + w.district + "/fee-schedules"
	bad := monthlySchedule(map[string]any{"rule_id": "exact", "kind": "exact", "boundary": "inclusive"})
	if r := w.env.Do(t, "POST", path, bad); r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"proration.boundary"`) {
		t.Errorf("boundary on exact: %d %s, want 400 naming proration.boundary", r.Code, r.Raw)
	}
	bad = monthlySchedule(map[string]any{"rule_id": "half", "kind": "half_month", "boundary": "at_least"})
	if r := w.env.Do(t, "POST", path, bad); r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"proration.boundary"`) {
		t.Errorf("unknown boundary: %d %s, want 400 naming proration.boundary", r.Code, r.Raw)
	}
	w.env.MustDo(t, "POST", path, monthlySchedule(map[string]any{"rule_id": "half-month", "kind": "half_month", "boundary": "inclusive"}))
	lines := w.run(t, "autumn-inclusive")
	// Inclusive: exactly half a month bills the whole month. 李四: October 60 + November 60 =
	// 120.00; 王五: September 60 + October 60 = 120.00; 张三 150.00.
	for name, want := range map[string]string{"张三": "150.00", "李四": "120.00", "王五": "120.00"} {
		if got := parentOf(t, lines[name]); got != want {
			t.Errorf("%s parent = %s, want %s", name, got, want)
		}
	}
	got := w.env.MustDo(t, "GET", path+"/ml-2024", nil)
	if b := systemtest.Str(got, "schedule", "proration", "boundary"); b != "inclusive" {
		t.Errorf("stored boundary = %q, want inclusive", b)
	}
}

// TestContinuousAbsenceBoundaryEndToEnd: "连续请假满半月退半月" with a 20-day month: 王五 away
// exactly 10 school days (2–13 September) gets half a month back when inclusive, nothing when
// exclusive ("超过半月").
func TestContinuousAbsenceBoundaryEndToEnd(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		boundary, want string
	}{
		// 150.00 for the term; half a month is 150 / 2.5 / 2 = 30.00.
		{"inclusive", "120.00"},
		{"exclusive", "150.00"},
	} {
		t.Run(tt.boundary, func(t *testing.T) {
			t.Parallel()
			w := newAutumnWorld(t, map[string]string{"inclusive": "351103", "exclusive": "351104"}[tt.boundary], nil)
			w.leave(t, "王五", date(2024, 9, 2), date(2024, 9, 13))
			w.env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules",
				monthlySchedule(map[string]any{"rule_id": "absence", "kind": "continuous_absence", "boundary": tt.boundary}))
			lines := w.run(t, "autumn-"+tt.boundary)
			if got := parentOf(t, lines["王五"]); got != tt.want {
				t.Errorf("王五 parent = %s, want %s", got, tt.want)
			}
			if got := parentOf(t, lines["张三"]); got != "150.00" {
				t.Errorf("张三 parent = %s, want 150.00", got)
			}
		})
	}
}

// TestSubsidyPerMonthAndPeriodEndToEnd is item 5 on issue 5's September world (19 school days,
// 38 periods, 2 元 a period): 6 元 per student per month (4.5 months a term, split 4:6 city:district)
// and 0.25 元 per period served (province).
func TestSubsidyPerMonthAndPeriodEndToEnd(t *testing.T) {
	t.Parallel()
	w := newFeeWorld(t, "351105")
	env := w.env
	s := acceptanceSchedule("三教〔2024〕21号")
	s["subsidies"] = []any{
		map[string]any{"rule_id": "subsidy-month", "kind": "per_student_month", "amount": "6", "ratio_whole": "10",
			"payers": []any{map[string]any{"payer_id": "city_finance", "ratio": "4"}, map[string]any{"payer_id": "district_finance", "ratio": "6"}}},
		map[string]any{"rule_id": "subsidy-period", "kind": "per_student_period", "amount": "0.25",
			"payers": []any{map[string]any{"payer_id": "province_finance", "ratio": "1"}}},
	}
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", s)
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-subsidies", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	// By hand: the month subsidy is 6 × 4.5 = 27.00 for a student enrolled all term (city 10.80,
	// district 16.20); the period subsidy 0.25 × 38 = 9.50, or 0.25 × 34 = 8.50 for 王五 (two days
	// of leave). 张三 76.00 − 27.00 − 9.50 = 39.50; 李四 the same less half waived: 19.75; 王五
	// 68.00 − 27.00 − 8.50 = 32.50.
	for name, want := range map[string][4]string{
		"张三": {"10.80", "16.20", "9.50", "39.50"}, "李四": {"10.80", "16.20", "9.50", "19.75"}, "王五": {"10.80", "16.20", "8.50", "32.50"},
	} {
		got := env.MustDo(t, "GET", "/v1/schools/"+w.school+"/students/"+w.students[name]+"/terms/"+w.term+"/statements", nil)
		l := systemtest.Get(got, "statements", 0, "lines", 0)
		shares := map[string]string{}
		for _, sh := range systemtest.Get(l, "subsidies").([]any) {
			shares[systemtest.Str(sh, "rule_id")+" "+systemtest.Str(sh, "payer_id")] = money(t, systemtest.Get(sh, "amount")).StringFixed(2)
		}
		wantShares := map[string]string{"subsidy-month city_finance": want[0], "subsidy-month district_finance": want[1], "subsidy-period province_finance": want[2]}
		if fmt.Sprint(shares) != fmt.Sprint(wantShares) {
			t.Errorf("%s subsidy shares = %v, want %v", name, shares, wantShares)
		}
		if got := parentOf(t, l); got != want[3] {
			t.Errorf("%s parent = %s, want %s", name, got, want[3])
		}
	}
	// Claims: city 3 × 10.80 = 32.40, district 3 × 16.20 = 48.60, province 9.50 + 9.50 + 8.50 = 27.50.
	claims := env.MustDo(t, "GET", fmt.Sprintf("/v1/districts/%s/claims?from.year=2024&from.month=9&from.day=1&to.year=2024&to.month=9&to.day=30", w.district), nil)
	want := map[string]string{"city_finance": "32.40", "district_finance": "48.60", "province_finance": "27.50"}
	for _, p := range claims["subsidies"].([]any) {
		id := systemtest.Str(p, "party_id")
		if got := money(t, systemtest.Get(p, "amount")).StringFixed(2); got != want[id] {
			t.Errorf("claim %s = %s, want %s", id, got, want[id])
		}
		delete(want, id)
	}
	if len(want) != 0 {
		t.Errorf("claims missing %v: %v", want, claims)
	}
}

// TestTwoBasicCareSegmentsEndToEnd is item 1: a school whose older grades stay one period longer
// models basic care as two timetable items (segment 1 for every grade, segment 2 for grade 3
// only), both charged by the schedule's one basic-care fee item. A grade-3 student enrolled in
// both is billed both; a timetable item no fee item (or several) can charge refuses the run
// naming the items; a timetable item listed by two fee items is a 400 naming the field.
func TestTwoBasicCareSegmentsEndToEnd(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	const district = "351106"
	env.MustDo(t, "POST", "/v1/districts", map[string]any{
		"district_id": district, "name": "三元区",
		"policy": map[string]any{
			"off_work_time": map[string]any{"hours": 17, "minutes": 30}, "min_minutes_per_day": 80,
			"service_days_per_week": 5, "period_minutes_primary": 40, "period_minutes_junior_middle": 45,
			"max_periods_per_day": 3, "evening_care_end": map[string]any{"hours": 18, "minutes": 30}, "outside_share_cap_percent": 50,
		},
	})
	school := systemtest.Str(env.MustDo(t, "POST", "/v1/schools", map[string]any{"district_id": district, "name": "城关小学", "stage": "SCHOOL_STAGE_PRIMARY"}), "school", "school_id")
	sp := "/v1/schools/" + school
	room2 := systemtest.Str(env.MustDo(t, "POST", sp+"/rooms", map[string]any{"name": "101教室", "kind": "ROOM_KIND_CLASSROOM", "capacity": 50}), "room", "room_id")
	room3 := systemtest.Str(env.MustDo(t, "POST", sp+"/rooms", map[string]any{"name": "102教室", "kind": "ROOM_KIND_CLASSROOM", "capacity": 50}), "room", "room_id")
	c2 := systemtest.Str(env.MustDo(t, "POST", sp+"/classes", map[string]any{"grade": 2, "name": "二年级1班", "size": 1, "home_room_id": room2}), "class", "class_id")
	c3 := systemtest.Str(env.MustDo(t, "POST", sp+"/classes", map[string]any{"grade": 3, "name": "三年级1班", "size": 1, "home_room_id": room3}), "class", "class_id")
	students := map[string]string{}
	for name, class := range map[string]string{"张三": c3, "李四": c2} {
		st := env.MustDo(t, "POST", sp+"/students", map[string]any{"class_id": class, "name": name,
			"guardians": []any{map[string]any{"name": name + "家长", "phone": "13800000000", "relation": "母亲"}}})
		students[name] = systemtest.Str(st, "student", "student_id")
	}
	// 2–27 September 2024 less 中秋节 (16 September): 19 school days.
	term := systemtest.Str(env.MustDo(t, "POST", sp+"/terms", map[string]any{
		"name": "2024-2025学年第一学期（九月）", "start_date": date(2024, 9, 2), "end_date": date(2024, 9, 27),
		"holidays": []any{map[string]any{"date": date(2024, 9, 16), "name": "中秋节"}},
	}), "term", "term_id")
	windows := func(h1, m1, h2, m2 int) []any {
		var out []any
		for wd := 1; wd <= 5; wd++ {
			out = append(out, map[string]any{"weekday": wd, "start": map[string]any{"hours": h1, "minutes": m1}, "end": map[string]any{"hours": h2, "minutes": m2}})
		}
		return out
	}
	tp := sp + "/terms/" + term
	// Segment 1, 16:00–17:20 (two periods), every grade; segment 2, 17:20–18:00 (one period), grade 3.
	seg1 := systemtest.Str(env.MustDo(t, "POST", tp+"/items", map[string]any{
		"kind": "ITEM_KIND_BASIC_CARE", "name": "基础托管（第一段）", "segment": 1, "windows": windows(16, 0, 17, 20)}), "item", "item_id")
	seg2 := systemtest.Str(env.MustDo(t, "POST", tp+"/items", map[string]any{
		"kind": "ITEM_KIND_BASIC_CARE", "name": "基础托管（第二段）", "segment": 2, "windows": windows(17, 20, 18, 0), "grades": []int{3}}), "item", "item_id")
	env.MustDo(t, "POST", tp+"/plan:generate", map[string]any{"seed": 1})
	enrol := func(name, item string) {
		en := env.MustDo(t, "POST", sp+"/enrolments", map[string]any{"student_id": students[name], "item_id": item, "start_date": date(2024, 9, 2)})
		env.MustDo(t, "POST", sp+"/enrolments/"+systemtest.Str(en, "enrolment", "enrolment_id")+":approve", map[string]any{})
	}
	enrol("张三", seg1)
	enrol("张三", seg2)
	enrol("李四", seg1)

	schedules := "/v1/districts/" + district + "/fee-schedules"
	// Bad input: one timetable item listed by two fee items.
	two := acceptanceSchedule("三教〔2024〕30号")
	two["schedule_id"], two["subsidies"], two["waivers"] = "two-items", nil, nil
	two["items"] = []any{
		map[string]any{"rule_id": "care-a", "name": "基础托管服务费", "kind": "basic_care", "unit": "per_period", "rate": "2", "timetable_items": []string{seg1, seg2}},
		map[string]any{"rule_id": "care-b", "name": "延长托管服务费", "kind": "basic_care", "unit": "per_period", "rate": "3", "timetable_items": []string{seg2}},
	}
	if r := env.Do(t, "POST", schedules, two); r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"items[1].timetable_items[0]"`) {
		t.Errorf("a timetable item in two fee items: %d %s, want 400 naming items[1].timetable_items[0]", r.Code, r.Raw)
	}
	// Two basic-care fee items and neither names the segments: the run is refused naming both
	// timetable items and both fee items, and nothing is issued.
	ambiguous := acceptanceSchedule("三教〔2024〕31号")
	ambiguous["schedule_id"], ambiguous["subsidies"], ambiguous["waivers"] = "ambiguous", nil, nil
	ambiguous["effective_from"], ambiguous["effective_to"] = date(2024, 9, 1), date(2024, 9, 30)
	ambiguous["items"] = []any{
		map[string]any{"rule_id": "care-a", "name": "基础托管服务费", "kind": "basic_care", "unit": "per_period", "rate": "2"},
		map[string]any{"rule_id": "care-b", "name": "延长托管服务费", "kind": "basic_care", "unit": "per_period", "rate": "3"},
	}
	env.MustDo(t, "POST", schedules, ambiguous)
	runs := "/v1/districts/" + district + "/fee-runs"
	r := env.Do(t, "POST", runs, map[string]any{"request_id": "sept-ambiguous", "school_id": school, "term_id": term, "period_kind": "term"})
	if r.Code == http.StatusOK || !strings.Contains(r.Raw, seg1) || !strings.Contains(r.Raw, seg2) || !strings.Contains(r.Raw, "care-a, care-b") {
		t.Errorf("ambiguous mapping: %d %s, want a refusal naming %s, %s and care-a, care-b", r.Code, r.Raw, seg1, seg2)
	}
	got := env.MustDo(t, "GET", sp+"/students/"+students["张三"]+"/terms/"+term+"/statements", nil)
	if sts, _ := got["statements"].([]any); len(sts) != 0 {
		t.Errorf("refused run issued %v", sts)
	}

	// The school's one basic-care fee item (a new version, so it replaces the ambiguous one)
	// charges both segments.
	one := acceptanceSchedule("三教〔2024〕32号")
	one["schedule_id"], one["subsidies"], one["waivers"] = "ambiguous", nil, nil
	one["effective_from"], one["effective_to"] = date(2024, 9, 1), date(2024, 9, 30)
	env.MustDo(t, "POST", schedules, one)
	run := env.MustDo(t, "POST", runs, map[string]any{"request_id": "sept", "school_id": school, "term_id": term, "period_kind": "term"})
	if systemtest.Get(run, "run", "statements") != float64(2) {
		t.Fatalf("run = %v", run)
	}
	// By hand: 张三 19 days × (2 + 1) periods × 2 元 = 114.00; 李四 19 × 2 × 2 = 76.00. The run
	// total is 190.00 (before, 张三 was billed one segment only and the run was short).
	for name, want := range map[string]string{"张三": "114.00", "李四": "76.00"} {
		got := env.MustDo(t, "GET", sp+"/students/"+students[name]+"/terms/"+term+"/statements", nil)
		st := systemtest.Get(got, "statements", 0)
		wantMoney(t, name+" parent", systemtest.Get(st, "totals", "parent"), want)
		if n := len(systemtest.Get(st, "lines").([]any)); n != 1 {
			t.Errorf("%s has %d lines, want 1 (one fee item)", name, n)
		}
	}
	wantMoney(t, "run parent total", systemtest.Get(run, "run", "parent_total"), "190.00")
	// The run verifies from its stored inputs alone.
	v := env.MustDo(t, "POST", runs+"/"+systemtest.Str(run, "run", "run_id")+":verify", map[string]any{})
	if v["identical"] != true || v["inputs_hash_matches"] != true || systemtest.Get(v, "statements_identical") != float64(2) {
		t.Errorf("verify = %v", v)
	}
}

// TestPriceCeilingEndToEnd is item 6: the bureau publishes a ceiling (最高限价) of 1.8 元 a period
// for urban schools' basic care under 明价〔2024〕3号; an urban school's schedule at 2 元 (and a
// district-wide one, which binds urban schools too) is refused naming the field and the notice;
// at 1.8 元 it is accepted, the published schedule (收费公示) shows the ceiling beside the price,
// and the run bills to the fen.
func TestPriceCeilingEndToEnd(t *testing.T) {
	t.Parallel()
	w := newFeeWorld(t, "351107")
	env := w.env
	env.MustDo(t, "PATCH", "/v1/schools/"+w.school, map[string]any{"school_id": w.school, "district_id": w.district, "category": "urban"})
	if r := env.Do(t, "PATCH", "/v1/schools/"+w.school, map[string]any{"school_id": w.school, "district_id": w.district, "category": "city"}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Raw, "category") {
		t.Errorf("unknown school category: %d %s, want 400 naming category", r.Code, r.Raw)
	}
	const notice = "明价〔2024〕3号"
	ceilings := "/v1/districts/" + w.district + "/price-ceilings"
	env.MustDo(t, "POST", ceilings, map[string]any{"ceiling_id": "sm-2024", "document_no": notice, "effective_from": date(2024, 9, 1),
		"school_category": "urban", "limits": []any{map[string]any{"kind": "basic_care", "unit": "per_period", "max": "1.8"}}})
	if r := env.Do(t, "POST", ceilings, map[string]any{"ceiling_id": "bad", "document_no": "", "effective_from": date(2024, 9, 1),
		"limits": []any{map[string]any{"unit": "per_day", "max": "1"}}}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Raw, `"field":"document_no"`) || !strings.Contains(r.Raw, `"field":"limits[0].unit"`) {
		t.Errorf("bad ceiling: %d %s", r.Code, r.Raw)
	}
	schedule := func(rate string, school bool) map[string]any {
		s := acceptanceSchedule("三教〔2024〕40号")
		s["subsidies"], s["waivers"] = nil, nil
		s["items"].([]any)[0].(map[string]any)["rate"] = rate
		if school {
			s["school_id"] = w.school
		}
		return s
	}
	path := "/v1/districts/" + w.district + "/fee-schedules"
	for _, school := range []bool{true, false} {
		r := env.Do(t, "POST", path, schedule("2", school))
		if r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"items[0].rate"`) || !strings.Contains(r.Raw, notice) {
			t.Errorf("above the ceiling (school %v): %d %s, want 400 naming items[0].rate and %s", school, r.Code, r.Raw, notice)
		}
	}
	env.MustDo(t, "POST", path, schedule("1.8", true))
	pub := env.MustDo(t, "GET", path+"/sy-2024", nil)
	if systemtest.Str(pub, "schedule", "items", 0, "rate") != "1.8" || systemtest.Str(pub, "ceilings", 0, "document_no") != notice ||
		systemtest.Str(pub, "ceilings", 0, "limits", 0, "max") != "1.8" {
		t.Errorf("published schedule = %v, want the rate beside the ceiling of %s", pub, notice)
	}
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-ceiling", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	// By hand: 19 days × 2 periods × 1.8 元 = 68.40; 王五's two days of leave take 7.20 off: 61.20.
	for name, want := range map[string]string{"张三": "68.40", "李四": "68.40", "王五": "61.20"} {
		got := env.MustDo(t, "GET", "/v1/schools/"+w.school+"/students/"+w.students[name]+"/terms/"+w.term+"/statements", nil)
		wantMoney(t, name+" parent", systemtest.Get(got, "statements", 0, "totals", "parent"), want)
	}
}

// TestPerGradeWindowsEndToEnd is item 1's other half: one basic-care item whose windows end
// earlier for the younger grades (低年级早放学: grade 2 16:00–17:20, two periods; grade 3
// 16:00–18:00, three periods), so the school needs no second item; each class is billed its own
// grade's periods.
func TestPerGradeWindowsEndToEnd(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	const district = "351108"
	env.MustDo(t, "POST", "/v1/districts", map[string]any{
		"district_id": district, "name": "三元区",
		"policy": map[string]any{
			"off_work_time": map[string]any{"hours": 17, "minutes": 30}, "min_minutes_per_day": 80,
			"service_days_per_week": 5, "period_minutes_primary": 40, "period_minutes_junior_middle": 45,
			"max_periods_per_day": 3, "evening_care_end": map[string]any{"hours": 18, "minutes": 30}, "outside_share_cap_percent": 50,
		},
	})
	school := systemtest.Str(env.MustDo(t, "POST", "/v1/schools", map[string]any{"district_id": district, "name": "江滨小学", "stage": "SCHOOL_STAGE_PRIMARY"}), "school", "school_id")
	sp := "/v1/schools/" + school
	students := map[string]string{}
	for _, c := range []struct {
		grade      int
		name, room string
	}{{2, "李四", "101教室"}, {3, "张三", "102教室"}} {
		room := systemtest.Str(env.MustDo(t, "POST", sp+"/rooms", map[string]any{"name": c.room, "kind": "ROOM_KIND_CLASSROOM", "capacity": 50}), "room", "room_id")
		class := systemtest.Str(env.MustDo(t, "POST", sp+"/classes", map[string]any{"grade": c.grade, "name": fmt.Sprintf("%d年级1班", c.grade), "size": 1, "home_room_id": room}), "class", "class_id")
		st := env.MustDo(t, "POST", sp+"/students", map[string]any{"class_id": class, "name": c.name,
			"guardians": []any{map[string]any{"name": c.name + "家长", "phone": "13800000000", "relation": "母亲"}}})
		students[c.name] = systemtest.Str(st, "student", "student_id")
	}
	term := systemtest.Str(env.MustDo(t, "POST", sp+"/terms", map[string]any{
		"name": "2024-2025学年第一学期（九月）", "start_date": date(2024, 9, 2), "end_date": date(2024, 9, 27),
		"holidays": []any{map[string]any{"date": date(2024, 9, 16), "name": "中秋节"}},
	}), "term", "term_id")
	var windows []any
	for wd := 1; wd <= 5; wd++ {
		windows = append(windows,
			map[string]any{"weekday": wd, "start": map[string]any{"hours": 16}, "end": map[string]any{"hours": 17, "minutes": 20}, "grades": []int{1, 2}},
			map[string]any{"weekday": wd, "start": map[string]any{"hours": 16}, "end": map[string]any{"hours": 18}, "grades": []int{3, 4, 5, 6}})
	}
	tp := sp + "/terms/" + term
	if r := env.Do(t, "POST", tp+"/items", map[string]any{"kind": "ITEM_KIND_BASIC_CARE", "name": "基础托管", "segment": 1,
		"windows": append(windows[:2:2], map[string]any{"weekday": 1, "start": map[string]any{"hours": 16}, "end": map[string]any{"hours": 17}, "grades": []int{2}})}); r.Code != http.StatusBadRequest ||
		!strings.Contains(r.Raw, `"field":"item.windows[2].grades"`) {
		t.Errorf("two windows for grade 2 on Monday: %d %s, want 400 naming item.windows[2].grades", r.Code, r.Raw)
	}
	item := systemtest.Str(env.MustDo(t, "POST", tp+"/items", map[string]any{"kind": "ITEM_KIND_BASIC_CARE", "name": "基础托管", "segment": 1, "windows": windows}), "item", "item_id")
	env.MustDo(t, "POST", tp+"/plan:generate", map[string]any{"seed": 1})
	for _, id := range students {
		en := env.MustDo(t, "POST", sp+"/enrolments", map[string]any{"student_id": id, "item_id": item, "start_date": date(2024, 9, 2)})
		env.MustDo(t, "POST", sp+"/enrolments/"+systemtest.Str(en, "enrolment", "enrolment_id")+":approve", map[string]any{})
	}
	s := acceptanceSchedule("三教〔2024〕50号")
	s["subsidies"], s["waivers"] = nil, nil
	env.MustDo(t, "POST", "/v1/districts/"+district+"/fee-schedules", s)
	env.MustDo(t, "POST", "/v1/districts/"+district+"/fee-runs", map[string]any{"request_id": "sept", "school_id": school, "term_id": term, "period_kind": "term"})
	// By hand: 19 days × 2 periods × 2 元 = 76.00 for grade 2; 19 × 3 × 2 = 114.00 for grade 3.
	for name, want := range map[string][2]string{"李四": {"38", "76.00"}, "张三": {"57", "114.00"}} {
		got := env.MustDo(t, "GET", sp+"/students/"+students[name]+"/terms/"+term+"/statements", nil)
		l := systemtest.Get(got, "statements", 0, "lines", 0)
		if q := systemtest.Str(l, "quantity"); q != want[0] {
			t.Errorf("%s quantity %s, want %s periods", name, q, want[0])
		}
		wantMoney(t, name+" parent", systemtest.Get(got, "statements", 0, "totals", "parent"), want[1])
	}
}
