package system_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/shopspring/decimal"
)

// feeWorld is a district with one primary school, one class of three
// students enrolled in basic care for September 2024, its plan generated.
type feeWorld struct {
	env                    *systemtest.Env
	district, school, term string
	students               map[string]string // name → id
}

func date(y, m, d int) map[string]any { return map[string]any{"year": y, "month": m, "day": d} }

func newFeeWorld(t *testing.T, districtID string) feeWorld {
	t.Helper()
	env := systemtest.Start(t)
	w := feeWorld{env: env, district: districtID, students: map[string]string{}}
	env.MustDo(t, "POST", "/v1/districts", map[string]any{
		"district_id": districtID, "name": "三元区",
		"policy": map[string]any{
			"off_work_time": map[string]any{"hours": 17, "minutes": 30}, "min_minutes_per_day": 80,
			"service_days_per_week": 5, "period_minutes_primary": 40, "period_minutes_junior_middle": 45,
			"max_periods_per_day": 3, "evening_care_end": map[string]any{"hours": 18, "minutes": 30}, "outside_share_cap_percent": 50,
		},
	})
	sc := env.MustDo(t, "POST", "/v1/schools", map[string]any{"district_id": districtID, "name": "实验小学", "stage": "SCHOOL_STAGE_PRIMARY"})
	w.school = systemtest.Str(sc, "school", "school_id")
	room := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/rooms", map[string]any{"name": "301教室", "kind": "ROOM_KIND_CLASSROOM", "capacity": 50})
	cl := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/classes", map[string]any{"grade": 3, "name": "三年级1班", "size": 3,
		"home_room_id": systemtest.Str(room, "room", "room_id")})
	classID := systemtest.Str(cl, "class", "class_id")
	for _, s := range []struct {
		name     string
		hardship string
	}{{"张三", ""}, {"李四", "HARDSHIP_CATEGORY_DIBAO"}, {"王五", ""}} {
		body := map[string]any{"class_id": classID, "name": s.name,
			"guardians": []any{map[string]any{"name": s.name + "家长", "phone": "13800000000", "relation": "母亲"}}}
		if s.hardship != "" {
			body["hardship_category"], body["hardship_verified"] = s.hardship, true
		}
		st := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/students", body)
		w.students[s.name] = systemtest.Str(st, "student", "student_id")
	}
	// Term: 2 September – 27 September 2024 (four Monday–Friday weeks) with
	// 中秋节 on Monday 16 September: 19 school days.
	tm := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/terms", map[string]any{
		"name": "2024-2025学年第一学期（九月）", "start_date": date(2024, 9, 2), "end_date": date(2024, 9, 27),
		"holidays": []any{map[string]any{"date": date(2024, 9, 16), "name": "中秋节"}},
	})
	w.term = systemtest.Str(tm, "term", "term_id")
	var windows []any
	for wd := 1; wd <= 5; wd++ { // 16:00–17:20: one 80-minute session, two 40-minute periods
		windows = append(windows, map[string]any{"weekday": wd, "start": map[string]any{"hours": 16}, "end": map[string]any{"hours": 17, "minutes": 20}})
	}
	it := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/terms/"+w.term+"/items", map[string]any{
		"kind": "ITEM_KIND_BASIC_CARE", "name": "课后基础托管", "segment": 1, "windows": windows})
	itemID := systemtest.Str(it, "item", "item_id")
	env.MustDo(t, "POST", "/v1/schools/"+w.school+"/terms/"+w.term+"/plan:generate", map[string]any{"seed": 1})
	for _, id := range w.students {
		en := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/enrolments", map[string]any{"student_id": id, "item_id": itemID, "start_date": date(2024, 9, 2)})
		env.MustDo(t, "POST", "/v1/schools/"+w.school+"/enrolments/"+systemtest.Str(en, "enrolment", "enrolment_id")+":approve", map[string]any{})
	}
	// 王五 is on leave Thursday 5 and Friday 6 September.
	env.MustDo(t, "POST", "/v1/schools/"+w.school+"/students/"+w.students["王五"]+"/leaves",
		map[string]any{"start_date": date(2024, 9, 5), "end_date": date(2024, 9, 6), "reason": "病假"})
	return w
}

// acceptanceSchedule is issue 5's schedule: 2 元 per 40-minute period, 2.5 元 per served day
// subsidy split 4:6 city:district, and a 50% 低保 waiver billed to the district's civil affairs.
func acceptanceSchedule(doc string) map[string]any {
	return map[string]any{
		"schedule_id": "sy-2024", "document_no": doc, "effective_from": date(2024, 9, 1), "effective_to": date(2025, 1, 31),
		"billing_mode": "prepaid_term", "calendar": map[string]any{"days_per_month": "22", "months_per_term": "4.5"},
		"proration": map[string]any{"rule_id": "proration-exact", "kind": "exact"},
		"items":     []any{map[string]any{"rule_id": "basic-care", "name": "基础托管服务费", "kind": "basic_care", "unit": "per_period", "rate": "2"}},
		"subsidies": []any{map[string]any{"rule_id": "subsidy-day", "kind": "per_student_day", "amount": "2.5", "ratio_whole": "10",
			"payers": []any{map[string]any{"payer_id": "city_finance", "ratio": "4"}, map[string]any{"payer_id": "district_finance", "ratio": "6"}}}},
		"waivers": []any{map[string]any{"rule_id": "waiver-dibao", "category": "dibao", "percent": "0.5", "requires_approval": true,
			"payer_id": "district_civil_affairs"}},
	}
}

func money(t *testing.T, v any) decimal.Decimal {
	t.Helper()
	m, _ := v.(map[string]any)
	s, _ := m["amount"].(string)
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("not money: %v", v)
	}
	return d
}

func wantMoney(t *testing.T, what string, got any, want string) {
	t.Helper()
	if g := money(t, got); !g.Equal(decimal.RequireFromString(want)) {
		t.Errorf("%s = %s, want %s", what, g.StringFixed(2), want)
	}
}

// checkTrialBalance asks billing's ledger (PaymentService) for the school's trial balance: debits
// must equal credits, and there must be postings.
func checkTrialBalance(t *testing.T, w feeWorld, wantPostings int) {
	t.Helper()
	tb := w.env.MustDo(t, "GET", "/v1/schools/"+w.school+"/ledger/trial-balance", nil)
	if tb["balanced"] != true || !money(t, tb["total_debits"]).Equal(money(t, tb["total_credits"])) {
		t.Errorf("trial balance = %v, want debits = credits", tb)
	}
	if n := systemtest.Str(tb, "postings"); n != fmt.Sprint(wantPostings) {
		t.Errorf("postings = %s, want %d", n, wantPostings)
	}
}

func TestFeeRunEndToEnd(t *testing.T) {
	t.Parallel()
	w := newFeeWorld(t, "350403")
	env := w.env
	const doc = "三教〔2024〕18号"
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", acceptanceSchedule(doc))

	// The calendar the expected figures come from: 19 school days.
	cal := env.MustDo(t, "GET", "/v1/schools/"+w.school+"/terms/"+w.term+"/calendar", nil)
	if got := systemtest.Get(cal, "open_days"); got != float64(19) {
		t.Fatalf("open days = %v, want 19 (20 weekdays less 中秋节)", got)
	}

	run := env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-2024", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	if systemtest.Get(run, "run", "statements") != float64(3) || systemtest.Str(run, "run", "inputs_hash") == "" {
		t.Fatalf("run = %v", run)
	}

	// By hand, per student: 19 days × 2 periods × 2 元 = 76.00 gross. Subsidy 2.5 元 × served days,
	// split 4:6. 张三: 19 days, subsidy 47.50 (city 19.00, district 28.50), parent 28.50.
	// 李四 (低保, verified): the same, then half of 28.50 waived: waiver 14.25, parent 14.25.
	// 王五: two leave days deducted (exact): leave −8.00, net 68.00; 17 served days: subsidy
	// 42.50 (city 17.00, district 25.50), parent 25.50.
	tests := []struct {
		name                                       string
		net, leave, city, district, waiver, parent string
		served, onLeave                            float64
	}{
		{"张三", "76.00", "", "19.00", "28.50", "", "28.50", 19, 0},
		{"李四", "76.00", "", "19.00", "28.50", "14.25", "14.25", 19, 0},
		{"王五", "68.00", "-8.00", "17.00", "25.50", "", "25.50", 17, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := env.MustDo(t, "GET", "/v1/schools/"+w.school+"/students/"+w.students[tt.name]+"/terms/"+w.term+"/statements", nil)
			sts, _ := got["statements"].([]any)
			if len(sts) != 1 {
				t.Fatalf("statements = %v", got)
			}
			st := sts[0]
			if systemtest.Str(st, "kind") != "charge" || systemtest.Str(st, "document_no") != doc {
				t.Errorf("statement = %v", st)
			}
			lines, _ := systemtest.Get(st, "lines").([]any)
			if len(lines) != 1 {
				t.Fatalf("lines = %v", lines)
			}
			l := lines[0]
			if systemtest.Str(l, "rule_id") != "basic-care" || systemtest.Str(l, "document_no") != doc {
				t.Errorf("line rule = %s %s", systemtest.Str(l, "rule_id"), systemtest.Str(l, "document_no"))
			}
			if q := systemtest.Str(l, "quantity"); !decimal.RequireFromString(q).Equal(decimal.NewFromInt(38)) || systemtest.Str(l, "unit_rate") != "2" {
				t.Errorf("quantity %s × rate %s, want 38 × 2", q, systemtest.Str(l, "unit_rate"))
			}
			if d := [3]any{systemtest.Get(l, "days_scheduled"), systemtest.Get(l, "days_served"), systemtest.Get(l, "days_leave")}; d[0] != float64(19) ||
				d[1] != tt.served || (tt.onLeave > 0 && d[2] != tt.onLeave) {
				t.Errorf("days scheduled, served, leave = %v, want 19, %v, %v", d, tt.served, tt.onLeave)
			}
			wantMoney(t, "gross", systemtest.Get(l, "gross"), "76.00")
			wantMoney(t, "net", systemtest.Get(l, "net"), tt.net)
			wantMoney(t, "parent", systemtest.Get(l, "parent"), tt.parent)
			adjs, _ := systemtest.Get(l, "adjustments").([]any)
			leave := decimal.Zero
			for _, a := range adjs {
				if systemtest.Str(a, "kind") == "leave" {
					leave = leave.Add(money(t, systemtest.Get(a, "amount")))
					if systemtest.Str(a, "rule_id") != "proration-exact" || systemtest.Str(a, "document_no") != doc {
						t.Errorf("leave adjustment rule = %v", a)
					}
				}
			}
			if want := tt.leave; want != "" && !leave.Equal(decimal.RequireFromString(want)) || want == "" && !leave.IsZero() {
				t.Errorf("leave adjustment = %s, want %q", leave, want)
			}
			shares := map[string]decimal.Decimal{}
			for _, s := range systemtest.Get(l, "subsidies").([]any) {
				if systemtest.Str(s, "rule_id") != "subsidy-day" || systemtest.Str(s, "document_no") != doc {
					t.Errorf("subsidy share rule = %v", s)
				}
				shares[systemtest.Str(s, "payer_id")] = money(t, systemtest.Get(s, "amount"))
			}
			if !shares["city_finance"].Equal(decimal.RequireFromString(tt.city)) || !shares["district_finance"].Equal(decimal.RequireFromString(tt.district)) {
				t.Errorf("subsidy shares = %v, want city %s district %s", shares, tt.city, tt.district)
			}
			waivers, _ := systemtest.Get(l, "waivers").([]any)
			if tt.waiver == "" && len(waivers) != 0 {
				t.Errorf("waivers = %v, want none", waivers)
			}
			if tt.waiver != "" {
				if len(waivers) != 1 || systemtest.Str(waivers[0], "rule_id") != "waiver-dibao" || systemtest.Str(waivers[0], "payer_id") != "district_civil_affairs" {
					t.Fatalf("waivers = %v", waivers)
				}
				wantMoney(t, "waiver", systemtest.Get(waivers[0], "amount"), tt.waiver)
			}
			wantMoney(t, "statement parent", systemtest.Get(st, "totals", "parent"), tt.parent)
			wantMoney(t, "parent_total", got["parent_total"], tt.parent)
		})
	}

	// Claims equal the sums of the statements: city 19 + 19 + 17, district 28.50 + 28.50 + 25.50,
	// the 低保 waiver 14.25, parents 28.50 + 14.25 + 25.50.
	claims := env.MustDo(t, "GET", fmt.Sprintf("/v1/districts/%s/claims?from.year=2024&from.month=9&from.day=1&to.year=2024&to.month=9&to.day=30", w.district), nil)
	claim := func(kind, payer string) string {
		for _, p := range claims[kind].([]any) {
			if systemtest.Str(p, "party_id") == payer {
				return money(t, systemtest.Get(p, "amount")).StringFixed(2)
			}
		}
		return "none"
	}
	if c, d, wv := claim("subsidies", "city_finance"), claim("subsidies", "district_finance"), claim("waivers", "district_civil_affairs"); c != "55.00" || d != "82.50" || wv != "14.25" {
		t.Errorf("claims city %s district %s waiver %s, want 55.00 82.50 14.25", c, d, wv)
	}
	wantMoney(t, "claims parent", claims["parent"], "68.25")
	wantMoney(t, "run parent total", systemtest.Get(run, "run", "parent_total"), "68.25")

	// Re-running the same period with unchanged facts issues nothing new.
	again := env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-2024-rerun", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	if systemtest.Get(again, "run", "unchanged") != float64(3) || systemtest.Get(again, "run", "statements") != float64(0) ||
		systemtest.Str(again, "run", "inputs_hash") != systemtest.Str(run, "run", "inputs_hash") {
		t.Errorf("re-run = %v, want 3 unchanged and the same inputs hash", again)
	}

	// Cost accounting (成本核算): 342 元 over 3 students × 38 periods = 3.00 per student-period,
	// beside the price of 2.00 per period: the schedule covers 0.6667 of the cost.
	cs := env.MustDo(t, "PUT", "/v1/schools/"+w.school+"/terms/"+w.term+"/cost-sheet", map[string]any{
		"students": 3, "periods_per_student": "38", "items": []any{
			map[string]any{"kind": "remuneration", "amount": map[string]any{"amount": "300.00"}},
			map[string]any{"kind": "materials", "amount": map[string]any{"amount": "42.00"}}}})
	wantMoney(t, "cost per student-period", systemtest.Get(cs, "cost_sheet", "cost_per_student_period"), "3.00")
	if systemtest.Str(cs, "comparisons", 0, "item_rule_id") != "basic-care" || systemtest.Str(cs, "comparisons", 0, "coverage") != "0.6667" {
		t.Errorf("price comparison = %v", cs["comparisons"])
	}
	wantMoney(t, "price per period", systemtest.Get(cs, "comparisons", 0, "price_per_period"), "2.00")

	// What-if: 2.5 元 per period instead of 2. By hand: 张三 95.00 − 47.50 = 47.50 (+19.00), 李四
	// 47.50 less half waived = 23.75 (+9.50, waiver +9.50), 王五 85.00 − 42.50 = 42.50 (+17.00).
	cand := acceptanceSchedule(doc)
	cand["items"].([]any)[0].(map[string]any)["rate"] = "2.5"
	pv := env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs:preview", map[string]any{
		"run":       map[string]any{"school_id": w.school, "term_id": w.term, "period_kind": "term"},
		"candidate": cand})
	wantMoney(t, "preview base parent", systemtest.Get(pv, "total", "base", "parent"), "68.25")
	wantMoney(t, "preview candidate parent", systemtest.Get(pv, "total", "candidate", "parent"), "113.75")
	wantMoney(t, "preview parent delta", systemtest.Get(pv, "total", "delta", "parent"), "45.50")
	wantMoney(t, "preview waiver delta", systemtest.Get(pv, "total", "delta", "waivers", 0, "amount"), "9.50")
	if systemtest.Str(pv, "schools", 0, "school_id") != w.school {
		t.Errorf("preview schools = %v", pv["schools"])
	}
	if r := env.MustDo(t, "GET", "/v1/districts/"+w.district+"/fee-runs/"+systemtest.Str(run, "run", "run_id"), nil); systemtest.Get(r, "run", "statements") != float64(3) {
		t.Errorf("get run = %v", r)
	}

	// Changed facts: 张三 takes leave on 23–24 September; the next run issues an adjustment that
	// references the charge and takes 2 days off: −8.00 leave, −5.00 subsidy (city −2, district −3),
	// parent −3.00.
	env.MustDo(t, "POST", "/v1/schools/"+w.school+"/students/"+w.students["张三"]+"/leaves",
		map[string]any{"start_date": date(2024, 9, 23), "end_date": date(2024, 9, 24), "reason": "事假"})
	adj := env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-2024-settle", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	if systemtest.Get(adj, "run", "adjustments") != float64(1) || systemtest.Get(adj, "run", "unchanged") != float64(2) {
		t.Fatalf("adjusting run = %v", adj)
	}
	got := env.MustDo(t, "GET", "/v1/schools/"+w.school+"/students/"+w.students["张三"]+"/terms/"+w.term+"/statements", nil)
	sts := got["statements"].([]any)
	if len(sts) != 2 || systemtest.Str(sts[1], "kind") != "adjustment" || systemtest.Str(sts[1], "corrects_statement_id") != systemtest.Str(sts[0], "statement_id") {
		t.Fatalf("statements after adjustment = %v", got)
	}
	// The district's run list: the three runs (first, unchanged rerun,
	// adjusting), newest first, with their counts, filtered by school and
	// term; another term has none.
	list := env.MustDo(t, "GET", "/v1/districts/"+w.district+"/fee-runs?school_id="+w.school+"&term_id="+w.term, nil)
	if rs, _ := list["runs"].([]any); len(rs) != 3 || systemtest.Str(rs[0], "run_id") != systemtest.Str(adj, "run", "run_id") ||
		systemtest.Str(rs[2], "run_id") != systemtest.Str(run, "run", "run_id") || systemtest.Get(rs[2], "statements") != float64(3) ||
		systemtest.Get(rs[0], "adjustments") != float64(1) || systemtest.Get(rs[1], "statements") != float64(0) {
		t.Errorf("fee run list = %v, want the adjusting run, the rerun, then the first", list)
	}
	if rs, _ := env.MustDo(t, "GET", "/v1/districts/"+w.district+"/fee-runs?term_id=term_none", nil)["runs"].([]any); len(rs) != 0 {
		t.Errorf("fee runs of an unknown term = %v, want none", rs)
	}
	wantMoney(t, "adjustment parent", systemtest.Get(sts[1], "totals", "parent"), "-3.00")
	wantMoney(t, "original parent (unchanged)", systemtest.Get(sts[0], "totals", "parent"), "28.50")
	wantMoney(t, "parent owes in all", got["parent_total"], "25.50")
	claims = env.MustDo(t, "GET", fmt.Sprintf("/v1/districts/%s/claims?from.year=2024&from.month=9&from.day=1&to.year=2024&to.month=9&to.day=30", w.district), nil)
	if c, d := claim("subsidies", "city_finance"), claim("subsidies", "district_finance"); c != "53.00" || d != "79.50" {
		t.Errorf("claims after adjustment city %s district %s, want 53.00 79.50", c, d)
	}
	// Two postings: the first run's charge posting for the school (its three statements, one
	// ParentReceivable entry each) and the adjusting run's adjustment posting. The charges debited
	// receivables with the three nets (76.00 + 76.00 + 68.00: parents, subsidy and waiver payers);
	// the adjustment's −8.00 credits them.
	checkTrialBalance(t, w, 2)
	bal := env.MustDo(t, "GET", "/v1/schools/"+w.school+"/balance", nil)
	wantMoney(t, "school balance charged", systemtest.Get(bal, "balance", "charged"), "220.00")
	wantMoney(t, "school balance outstanding", systemtest.Get(bal, "balance", "outstanding"), "212.00")
}

func TestFeeRunFiftyIdenticalRequestsMakeOneRun(t *testing.T) {
	t.Parallel()
	w := newFeeWorld(t, "350404")
	w.env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", acceptanceSchedule("三教〔2024〕18号"))
	body := map[string]any{"request_id": "same-key", "school_id": w.school, "term_id": w.term, "period_kind": "term"}
	var wg sync.WaitGroup
	ids := make([]string, 50)
	codes := make([]int, 50)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := w.env.Do(t, "POST", "/v1/districts/"+w.district+"/fee-runs", body)
			codes[i] = r.Code
			ids[i] = systemtest.Str(r.Body, "run", "run_id")
		}()
	}
	wg.Wait()
	for i := range ids {
		if codes[i] != http.StatusOK || ids[i] != ids[0] || ids[0] == "" {
			t.Fatalf("request %d: status %d run %q, want 200 and run %q", i, codes[i], ids[i], ids[0])
		}
	}
	for name, id := range w.students {
		got := w.env.MustDo(t, "GET", "/v1/schools/"+w.school+"/students/"+id+"/terms/"+w.term+"/statements", nil)
		if n := len(got["statements"].([]any)); n != 1 {
			t.Errorf("%s has %d statements, want 1", name, n)
		}
	}
	checkTrialBalance(t, w, 1) // one run of one school: one charge posting for its three statements
	// The same key with a different request is refused, naming the key.
	other := map[string]any{"request_id": "same-key", "school_id": w.school, "term_id": w.term, "period_kind": "month", "month": "2024-09"}
	if r := w.env.Do(t, "POST", "/v1/districts/"+w.district+"/fee-runs", other); r.Code != http.StatusConflict || !strings.Contains(r.Raw, "request_id") {
		t.Errorf("reused key: %d %s, want 409 naming request_id", r.Code, r.Raw)
	}
}

func TestFeeScheduleBadInput(t *testing.T) {
	t.Parallel()
	w := newFeeWorld(t, "350405")
	env := w.env
	path := "/v1/districts/" + w.district + "/fee-schedules"
	env.MustDo(t, "POST", path, acceptanceSchedule("三教〔2024〕18号"))
	with := func(edit func(s map[string]any)) map[string]any {
		s := acceptanceSchedule("三教〔2024〕20号")
		s["schedule_id"] = "other"
		s["effective_from"], s["effective_to"] = date(2025, 2, 1), date(2025, 7, 31)
		edit(s)
		return s
	}
	item := func(s map[string]any) map[string]any { return s["items"].([]any)[0].(map[string]any) }
	tests := []struct {
		name        string
		give        map[string]any
		field, rule string
	}{
		{"overlapping effective dates", with(func(s map[string]any) { s["effective_from"] = date(2024, 12, 1) }), "effective_from", "overlap"},
		{"negative rate", with(func(s map[string]any) { item(s)["rate"] = "-2" }), "items[0].rate", "must not be negative"},
		{"cap below a single charge", with(func(s map[string]any) { item(s)["cap_per_day"] = "1.5" }), "items[0].cap_per_day", "below a single charge"},
		{"subsidy ratio not the whole", with(func(s map[string]any) {
			s["subsidies"].([]any)[0].(map[string]any)["payers"].([]any)[1].(map[string]any)["ratio"] = "5"
		}), "subsidies[0].payers", "ratios sum to 9, want ratio_whole 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do(t, "POST", path, tt.give)
			t.Logf("%d %s", r.Code, r.Raw)
			if r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, tt.field) || !strings.Contains(r.Raw, tt.rule) {
				t.Errorf("status %d body %s, want 400 naming %q and %q", r.Code, r.Raw, tt.field, tt.rule)
			}
		})
	}
	runs := "/v1/districts/" + w.district + "/fee-runs"
	for _, tt := range []struct {
		name  string
		give  map[string]any
		field string
	}{
		{"run without request id", map[string]any{"school_id": w.school, "term_id": w.term, "period_kind": "term"}, "request_id"},
		{"run with a bad month", map[string]any{"request_id": "m", "school_id": w.school, "term_id": w.term, "period_kind": "month", "month": "2024-13"}, "month"},
		{"run of an unknown period kind", map[string]any{"request_id": "k", "school_id": w.school, "term_id": w.term, "period_kind": "week"}, "period_kind"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := env.Do(t, "POST", runs, tt.give); r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"`+tt.field+`"`) {
				t.Errorf("status %d body %s, want 400 naming %s", r.Code, r.Raw, tt.field)
			}
		})
	}
}
