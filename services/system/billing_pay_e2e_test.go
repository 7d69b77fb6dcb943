package system_test

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/shopspring/decimal"
)

// e2ePayTable is the remuneration standard of the end-to-end pay test. Its
// care rule has a block boundary at 16:00, so homework (15:30–16:30)
// crosses it: 30 min × 1.7 + 30 min × 2 = 111.00.
func e2ePayTable() map[string]any {
	m := payTable("梅教〔2026〕15号")
	care := m["rules"].([]any)[2].(map[string]any)
	care["blocks"] = []any{
		map[string]any{"start": "15:30", "end": "16:00", "rate": "1.7", "weekend_holiday_rate": "2.5"},
		map[string]any{"start": "16:00", "end": "18:30", "rate": "2"},
	}
	delete(m, "management")
	return m
}

// session is one recorded hour of the test with its pay worked out by hand.
type session struct {
	asg, staff, kind, duty string
	day                    int
	h1, m1, h2, m2         int // check-in and check-out (the scheduled session)
	amount                 string
	record                 string
}

// handPay is each kind of session's pay under e2ePayTable, by hand:
//
//	homework 15:30–16:30 weekday:      30 × 1.7 + 30 × 2            = 111.00 (×0.5 supervision only = 55.50)
//	extended care 17:30–18:20 weekday: 50 × 2                       = 100.00 (×0.5 = 50.00)
//	calligraphy club 16:30–17:30, 33 students (threshold 30), 1.5 periods:
//	                                   50 × 1.5 + 3 × 1 × 1.5       =  79.50
//	basketball club, outside instructor: 80 × 1.5                   = 120.00 (劳务费)
//	weekend care Saturday 15:30–17:30: 30 × 2.5 + 90 × 2            = 255.00
//	patrol: one day                                                  =  30.00 (单列增量)
var handPay = map[string]string{
	"homework/taught": "111.00", "homework/substitute_cover": "111.00", "homework/supervision_only": "55.50",
	"extended/taught": "100.00", "extended/substitute_cover": "100.00", "extended/supervision_only": "50.00",
	"club/taught": "79.50", "club/substitute_cover": "79.50", "club/supervision_only": "39.75",
	"outside/taught": "120.00", "weekend/taught": "255.00", "weekend/supervision_only": "127.50",
	"patrol/taught": "30.00",
}

func TestPayRunEndToEnd(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350404")
	// 33 students in the calligraphy club (threshold 30), and weekend care on
	// Saturday 12 September 15:30–17:30, before the week is solved.
	clubs := env.MustDo(t, "GET", s.path("/terms/%s/clubs", s.term), nil)
	var calligraphy string
	for _, c := range systemtest.Get(clubs, "clubs").([]any) {
		if systemtest.Str(c, "name") == "硬笔书法" {
			calligraphy = systemtest.Str(c, "club_id")
		}
	}
	for i := range 33 {
		st := env.MustDo(t, "POST", s.path("/students"), map[string]any{"class_id": s.c1, "name": fmt.Sprintf("学生%02d", i),
			"guardians": []any{map[string]any{"name": "家长", "phone": "13800000000", "relation": "母亲"}}})
		env.MustDo(t, "POST", s.path("/terms/%s/clubs/%s/members", s.term, calligraphy), map[string]any{"student_id": systemtest.Str(st, "student", "student_id")})
	}
	env.MustDo(t, "POST", s.path("/terms/%s/items", s.term), map[string]any{"kind": "ITEM_KIND_WEEKEND_CARE", "name": "周末托管", "segment": 4,
		"windows": []any{map[string]any{"weekday": 6, "start": systemtest.Time(15, 30), "end": systemtest.Time(17, 30)}}})
	env.MustDo(t, "POST", s.path("/terms/%s/plan:generate", s.term), map[string]any{"seed": "7"})
	g := s.solve(t, "7")

	kindOf := map[string]string{}
	for name, id := range s.staff {
		switch {
		case name == "孙教练":
			kindOf[id] = "outside_instructor"
		case name == "周主任":
			kindOf[id] = "admin"
		default:
			kindOf[id] = "teacher"
		}
	}
	demands := map[string]any{}
	for _, d := range g["demands"].([]any) {
		demands[systemtest.Str(d, "demand_id")] = d
	}
	// Every assignment of the week as a session kind with its clock.
	type slot struct {
		asg, staff, what    string
		day, h1, m1, h2, m2 int
	}
	var slots []slot
	for _, a := range g["assignments"].([]any) {
		d := demands[systemtest.Str(a, "demand_id")]
		sl := slot{asg: systemtest.Str(a, "assignment_id"), staff: systemtest.Str(a, "staff_id"), day: stNum(d, "date", "day"),
			h1: stNum(d, "start", "hours"), m1: stNum(d, "start", "minutes"), h2: stNum(d, "end", "hours"), m2: stNum(d, "end", "minutes")}
		switch role := systemtest.Str(d, "role"); {
		case role == "patrol":
			sl.what = "patrol"
		case sl.day == 12:
			sl.what = "weekend"
		case role == "supervisor":
			sl.what = "homework"
		case role == "extra_adult":
			sl.what = "extended"
		case systemtest.Str(d, "institution_id") != "":
			sl.what = "outside"
		case role == "instructor" && systemtest.Str(d, "club_id") == calligraphy:
			sl.what = "club"
		default:
			continue
		}
		if sl.what == "club" && stNum(d, "students") != 33 {
			t.Fatalf("calligraphy club demand has %d students, want 33", stNum(d, "students"))
		}
		slots = append(slots, sl)
	}
	slices.SortFunc(slots, func(a, b slot) int {
		return strings.Compare(fmt.Sprint(a.day, a.h1, a.asg), fmt.Sprint(b.day, b.h1, b.asg))
	})
	// The teacher with the most sessions works all of them: over the cap.
	count := map[string]int{}
	for _, sl := range slots {
		if kindOf[sl.staff] == "teacher" && sl.what != "patrol" {
			count[sl.staff]++
		}
	}
	wang := s.staff["王老师"]
	heavy := ""
	for id, n := range count {
		if heavy == "" || n > count[heavy] || (n == count[heavy] && id < heavy) {
			heavy = id
		}
	}
	var worked []session
	taken := map[string]bool{}
	add := func(sl slot, duty string) {
		if taken[sl.asg] {
			return
		}
		taken[sl.asg] = true
		amt, ok := handPay[sl.what+"/"+duty]
		if !ok {
			t.Fatalf("no hand figure for %s/%s", sl.what, duty)
		}
		worked = append(worked, session{asg: sl.asg, staff: sl.staff, kind: sl.what, duty: duty, day: sl.day,
			h1: sl.h1, m1: sl.m1, h2: sl.h2, m2: sl.m2, amount: amt})
	}
	for _, sl := range slots {
		if sl.staff == heavy && sl.what != "patrol" { // one treatment tag for the capped person
			add(sl, "taught")
		}
	}
	// One of each kind by someone else: substitute cover, supervision only,
	// the club above the threshold, the outside instructor, the weekend, patrol.
	want := []struct{ what, duty string }{{"homework", "substitute_cover"}, {"extended", "supervision_only"}, {"club", "taught"},
		{"outside", "taught"}, {"weekend", "taught"}, {"patrol", "taught"}, {"homework", "taught"}}
	busy := map[string]bool{heavy: true, wang: true}
	for _, w := range want {
		found := false
		for pass := 0; pass < 2 && !found; pass++ { // someone not yet working first
			for _, sl := range slots {
				if sl.what == w.what && sl.staff != heavy && !taken[sl.asg] && (pass == 1 || !busy[sl.staff]) {
					add(sl, w.duty)
					busy[sl.staff] = true
					found = true
					break
				}
			}
		}
		if !found {
			t.Fatalf("no %s session to work: %+v", w.what, slots)
		}
	}
	for i, w := range worked {
		in := env.MustDo(t, "POST", s.path("/assignments/%s:checkIn", w.asg), map[string]any{"time": stAt(w.day, w.h1, w.m1)})
		worked[i].record = systemtest.Str(in, "record", "record_id")
		env.MustDo(t, "POST", s.path("/hour-records/%s:checkOut", worked[i].record), map[string]any{"time": stAt(w.day, w.h2, w.m2), "duty": w.duty})
		env.MustDo(t, "POST", s.path("/hour-records/%s:approve", worked[i].record), map[string]any{"approved_by": "周主任"})
	}
	env.MustDo(t, "POST", "/v1/districts/"+s.district+"/rate-tables", e2ePayTable())
	runBody := func(id, mode string) map[string]any {
		return map[string]any{"request_id": id, "year": 2026, "month": 9, "mode": mode,
			"class_teachers": []any{map[string]any{"staff_id": wang, "class_id": s.c1}}}
	}
	runs := s.path("/pay-runs")

	// Approved but not locked: refused, every record listed, nothing written.
	r := env.Do(t, "POST", runs, runBody("sep-1", "full"))
	if r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"hours"`) {
		t.Fatalf("run with unlocked hours: %d %s, want 400 naming hours", r.Code, r.Raw)
	}
	for _, w := range worked {
		if !strings.Contains(r.Raw, w.record) {
			t.Errorf("the refusal does not list record %s", w.record)
		}
	}
	if got := env.MustDo(t, "GET", s.path("/staff/%s/pay-statements?year=2026&month=9", heavy), nil); len(systemtest.Get(got, "statements").([]any)) != 0 {
		t.Errorf("refused run wrote statements: %v", got)
	}
	for _, w := range worked {
		env.MustDo(t, "POST", s.path("/hour-records/%s:lock", w.record), map[string]any{})
	}

	// The run, checked against the hand figures person by person.
	first := env.MustDo(t, "POST", runs, runBody("sep-1", "full"))
	run := first["run"].(map[string]any)
	runID := systemtest.Str(run, "run_id")
	earned := map[string]decimal.Decimal{}
	personTags := map[string]map[string]decimal.Decimal{}
	lineWant := map[string]string{}
	tagOf := func(kind string) string {
		switch kind {
		case "patrol":
			return "separate_increment"
		case "outside":
			return "labour_fee"
		}
		return "outside_performance_total"
	}
	earn := func(staff, tag, amount string) {
		earned[staff] = earned[staff].Add(decimal.RequireFromString(amount))
		if personTags[staff] == nil {
			personTags[staff] = map[string]decimal.Decimal{}
		}
		personTags[staff][tag] = personTags[staff][tag].Add(decimal.RequireFromString(amount))
	}
	for _, w := range worked {
		earn(w.staff, tagOf(w.kind), w.amount)
		lineWant[w.record] = w.amount
	}
	// 王老师 is class teacher of class 1 (40 students): 100 + 2 × 40 = 180.00.
	earn(wang, "outside_performance_total", "180.00")
	tagWant := map[string]decimal.Decimal{}
	capped := 0
	for id, e := range earned {
		if kindOf[id] == "teacher" && e.GreaterThan(decimal.NewFromInt(500)) {
			capped++
			if len(personTags[id]) != 1 {
				t.Fatalf("capped %s has pay under several tags %v: the hand figures assume one", id, personTags[id])
			}
			for tag := range personTags[id] {
				personTags[id][tag] = decimal.NewFromInt(500)
			}
		}
		for tag, v := range personTags[id] {
			tagWant[tag] = tagWant[tag].Add(v)
		}
	}
	if capped != 1 {
		t.Fatalf("%d people over the 500 cap, want the one heavy teacher: %v", capped, earned)
	}
	sts := systemtest.Get(run, "statements").([]any)
	if len(sts) != len(earned) {
		t.Fatalf("%d statements, want %d (one per person paid)", len(sts), len(earned))
	}
	for _, st := range sts {
		id := systemtest.Str(st, "staff_id")
		e := earned[id]
		paid, held := e, decimal.Zero
		if kindOf[id] == "teacher" && e.GreaterThan(decimal.NewFromInt(500)) {
			paid, held = decimal.NewFromInt(500), e.Sub(decimal.NewFromInt(500))
		}
		if systemtest.Str(st, "earned") != e.StringFixed(2) || systemtest.Str(st, "paid") != paid.StringFixed(2) || systemtest.Str(st, "held_back") != held.StringFixed(2) {
			t.Errorf("%s: earned %s paid %s held %s, want %s %s %s", id, systemtest.Str(st, "earned"), systemtest.Str(st, "paid"),
				systemtest.Str(st, "held_back"), e.StringFixed(2), paid.StringFixed(2), held.StringFixed(2))
		}
		if held.IsPositive() && systemtest.Str(st, "cap_rule_id") != "cap-teacher" {
			t.Errorf("%s: capped without naming the cap: %v", id, st)
		}
		for _, l := range systemtest.Get(st, "lines").([]any) {
			rec := systemtest.Str(l, "record_id")
			if rec == "" {
				continue
			}
			if systemtest.Str(l, "amount") != lineWant[rec] || systemtest.Str(l, "document_no") != "梅教〔2026〕15号" {
				t.Errorf("line %s: %s (%s), want %s", rec, systemtest.Str(l, "amount"), systemtest.Str(l, "document_no"), lineWant[rec])
			}
		}
	}
	gotTags := map[string]string{}
	for _, ta := range systemtest.Get(run, "by_treatment").([]any) {
		gotTags[systemtest.Str(ta, "treatment")] = systemtest.Str(ta, "amount")
	}
	for tag, v := range tagWant {
		if gotTags[tag] != v.StringFixed(2) {
			t.Errorf("total %s = %s, want %s", tag, gotTags[tag], v.StringFixed(2))
		}
	}
	// The session crossing 16:00 is shown in two pieces.
	for _, st := range sts {
		for _, l := range systemtest.Get(st, "lines").([]any) {
			if systemtest.Str(l, "start") == "15:30" && systemtest.Str(l, "end") == "16:30" && systemtest.Str(l, "unit") == "per_minute" {
				if p := systemtest.Get(l, "pieces").([]any); len(p) != 2 || stNum(p[0], "minutes") != 30 || systemtest.Str(p[1], "start") != "16:00" {
					t.Errorf("homework pieces = %v, want 30 min to 16:00 and 30 after", p)
				}
			}
		}
	}

	// The same request again: the same run. Verify by replay: identical.
	again := env.MustDo(t, "POST", runs, runBody("sep-1", "full"))
	if systemtest.Str(again, "run", "run_id") != runID || again["created"] == true {
		t.Errorf("same request: %v, want run %s again", systemtest.Str(again, "run", "run_id"), runID)
	}
	// The creating call answers with what it wrote, not read back: it must
	// say exactly what the stored run says, statement by statement.
	if stored := env.MustDo(t, "GET", s.path("/pay-runs/%s", runID), nil); !reflect.DeepEqual(stored["run"], run) || !reflect.DeepEqual(again["run"], run) {
		t.Errorf("the created run's answer differs from the stored run:\ncreated %v\nstored  %v\nagain   %v", run, stored["run"], again["run"])
	}
	v := env.MustDo(t, "POST", s.path("/pay-runs/%s:verify", runID), map[string]any{})
	if v["identical"] != true || v["inputs_hash_matches"] != true || stNum(v, "people_checked") != len(earned) {
		t.Errorf("verify = %v, want identical for %d people", v, len(earned))
	}
	// A teacher sees their own statement with every line.
	mine := env.MustDo(t, "GET", s.path("/staff/%s/pay-statements?year=2026&month=9", heavy), nil)
	wantLines := count[heavy]
	if heavy == wang { // the class-teacher allowance is a line of its own
		wantLines++
	}
	if systemtest.Str(mine, "paid_total") != "500.00" || len(systemtest.Get(mine, "statements", 0, "lines").([]any)) != wantLines {
		t.Errorf("heavy teacher's statements = %v, want 500.00 paid over %d lines", mine, wantLines)
	}

	// Pay the month; ledger balances.
	paidOut := env.MustDo(t, "POST", s.path("/pay-months:pay"), map[string]any{"request_id": "pay-sep", "year": 2026, "month": 9})
	if systemtest.Str(paidOut, "total") != systemtest.Str(run, "paid") {
		t.Errorf("paid out %s, want the run's %s", systemtest.Str(paidOut, "total"), systemtest.Str(run, "paid"))
	}
	tb := env.MustDo(t, "GET", s.path("/ledger/trial-balance"), nil)
	if tb["balanced"] != true {
		t.Errorf("trial balance = %v", tb)
	}

	// A correction after payment: the homework session of someone uncapped
	// ends at 16:10 instead: 30 × 1.7 + 10 × 2 = 71.00, 40.00 less.
	var fix session
	for _, w := range worked {
		if w.kind == "homework" && w.staff != heavy && earned[w.staff].LessThanOrEqual(decimal.NewFromInt(500)) {
			fix = w
			break
		}
	}
	if fix.record == "" {
		t.Fatal("no uncapped homework session to correct")
	}
	cor := env.MustDo(t, "POST", s.path("/hour-records/%s:correct", fix.record), map[string]any{"check_in": stAt(fix.day, 15, 30),
		"check_out": stAt(fix.day, 16, 10), "duty": fix.duty, "reason": "提前离校，签退时间更正"})
	corID := systemtest.Str(cor, "record", "record_id")
	env.MustDo(t, "POST", s.path("/hour-records/%s:approve", corID), map[string]any{"approved_by": "周主任"})
	env.MustDo(t, "POST", s.path("/hour-records/%s:lock", corID), map[string]any{})
	// A second full run of a paid month is refused.
	if r := env.Do(t, "POST", runs, runBody("sep-2", "full")); r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"mode"`) ||
		!strings.Contains(r.Raw, "already paid") {
		t.Errorf("full run of a paid month: %d %s, want 400 naming mode", r.Code, r.Raw)
	}
	adj := env.MustDo(t, "POST", runs, runBody("sep-2", "adjustments"))
	ar := adj["run"].(map[string]any)
	if stNum(ar, "adjustment_count") != 1 || stNum(ar, "statement_count") != 0 || stNum(ar, "unchanged_count") != len(earned)-1 {
		t.Fatalf("adjustments run = %v, want exactly one adjustment", ar)
	}
	ast := systemtest.Get(ar, "statements", 0).(map[string]any)
	lines := systemtest.Get(ast, "lines").([]any)
	if systemtest.Str(ast, "staff_id") != fix.staff || systemtest.Str(ast, "kind") != "adjustment" || systemtest.Str(ast, "paid") != "-40.00" || len(lines) != 1 {
		t.Fatalf("adjustment = %v, want one line of -40.00 for %s", ast, fix.staff)
	}
	if l := lines[0]; systemtest.Str(l, "amount") != "-40.00" || systemtest.Str(l, "record_id") != corID || systemtest.Str(l, "corrects_record_id") != fix.record ||
		systemtest.Str(l, "corrects_statement_id") == "" {
		t.Errorf("difference line = %v, want -40.00 for %s correcting %s", l, corID, fix.record)
	}
	if v := env.MustDo(t, "POST", s.path("/pay-runs/%s:verify", systemtest.Str(ar, "run_id")), map[string]any{}); v["identical"] != true {
		t.Errorf("verify adjustments run = %v", v)
	}
	// The school's run list: the adjustments run first, then the full
	// run, without statements; another month has none; a month without
	// its year is a 400 naming year.
	list := env.MustDo(t, "GET", s.path("/pay-runs?year=2026&month=9"), nil)
	if rs, _ := list["runs"].([]any); len(rs) != 2 || systemtest.Str(rs[0], "run_id") != systemtest.Str(ar, "run_id") ||
		systemtest.Str(rs[1], "run_id") != runID || systemtest.Str(rs[0], "mode") != "adjustments" || systemtest.Get(rs[1], "statements") != nil && len(systemtest.Get(rs[1], "statements").([]any)) != 0 {
		t.Errorf("pay run list = %v, want the adjustments run then %s, without statements", list, runID)
	}
	if rs, _ := env.MustDo(t, "GET", s.path("/pay-runs?year=2026&month=10"), nil)["runs"].([]any); len(rs) != 0 {
		t.Errorf("pay runs of October = %v, want none", rs)
	}
	if r := env.Do(t, "GET", s.path("/pay-runs?month=9"), nil); r.Code != 400 || !strings.Contains(r.Raw, "year") {
		t.Errorf("pay runs of a month without its year: %d %s, want 400 naming year", r.Code, r.Raw)
	}
	// Paying the month again settles only the difference: what the
	// statements now say less what the first payment paid, for the one
	// person the adjustment concerns.
	again2 := env.MustDo(t, "POST", s.path("/pay-months:pay"), map[string]any{"request_id": "pay-sep-2", "year": 2026, "month": 9})
	if ps, _ := systemtest.Get(again2, "payments").([]any); systemtest.Str(again2, "total") != "-40.00" || len(ps) != 1 ||
		systemtest.Str(ps[0], "staff_id") != fix.staff || systemtest.Str(ps[0], "amount") != "-40.00" {
		t.Errorf("second payment of the month = %v, want -40.00 for %s alone", again2, fix.staff)
	}

	// The month's pay sheet and a teacher's own statement as files, with
	// the adjustment in them (billing_export_e2e_test.go).
	people := make([]string, 0, len(earned))
	for id := range earned {
		people = append(people, id)
	}
	checkPaySheetExport(t, env, s, people, heavy)
}
