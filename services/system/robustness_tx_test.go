package system_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
)

// TestFailedWritesLeaveNoRows sends multi-row writes whose later rows are
// bad (a term's second holiday, a schedule's second item, an institution's
// second course, a student's second guardian, a week to solve outside the
// term) and checks through the public list APIs that nothing was written.
func TestFailedWritesLeaveNoRows(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350473")
	s.solve(t, "1")
	count := func(path string, keys ...any) int {
		b := env.MustDo(t, "GET", path, nil)
		a, _ := systemtest.Get(b, keys...).([]any)
		return len(a)
	}
	holiday := func(y, m, d int, name string) map[string]any {
		return map[string]any{"date": date(y, m, d), "name": name}
	}
	term := func(holidays ...any) map[string]any {
		return map[string]any{"name": "2027春季学期", "start_date": date(2027, 2, 15), "end_date": date(2027, 6, 30), "holidays": holidays}
	}
	sched := schedule2026("sy-atomic", "三教〔2026〕9号")
	sched["items"] = append(sched["items"].([]any), map[string]any{"rule_id": "basic-care", "name": "重复", "kind": "basic_care",
		"unit": "per_period", "rate": "3"})
	inst := institution("原子机构", "JY-3504-0777", true, systemtest.Date(2024, 1, 1), systemtest.Date(2030, 12, 31))
	inst["courses"] = append(inst["courses"].([]any), map[string]any{"name": "烹饪", "activity_kind": "cooking",
		"price_per_period": map[string]any{"amount": "30.00"}})
	student := map[string]any{"class_id": s.c1, "name": "赵六", "guardians": []any{
		map[string]any{"name": "赵六妈妈", "phone": "13800000003", "relation": "母亲"},
		map[string]any{"name": "", "phone": "not a phone", "relation": "父亲"}}}
	grid := s.path("/staffing-grid?week_start.year=2026&week_start.month=9&week_start.day=7")

	tests := []struct {
		name       string
		list       string
		keys       []any
		method     string
		path       string
		give       any
		wantFields string
	}{
		{"term whose second holiday repeats the first", s.path("/terms"), []any{"terms"}, "POST", s.path("/terms"),
			term(holiday(2027, 5, 3, "劳动节"), holiday(2027, 5, 3, "劳动节2")), "holidays"},
		{"term whose second holiday is outside it", s.path("/terms"), []any{"terms"}, "POST", s.path("/terms"),
			term(holiday(2027, 5, 3, "劳动节"), holiday(2027, 8, 1, "暑假")), "holidays[1]"},
		{"fee schedule whose second item repeats a rule id", "/v1/districts/" + s.district + "/fee-schedules", []any{"schedules"},
			"POST", "/v1/districts/" + s.district + "/fee-schedules", sched, "items[1]"},
		{"institution whose second course is unknown", "/v1/districts/" + s.district + "/institutions", []any{"institutions"},
			"POST", "/v1/districts/" + s.district + "/institutions", inst, "courses[1]"},
		{"student whose second guardian is bad", s.path("/students"), []any{"students"}, "POST", s.path("/students"), student, "guardians[1]"},
		{"week solved outside the term", grid, []any{"grid", "assignments"}, "POST", s.path("/staffing-plans:solve"),
			map[string]any{"term_id": s.term, "week_start": date(2026, 10, 5), "seed": "9"}, "week_start"},
		{"week solved for an unknown term", grid, []any{"grid", "assignments"}, "POST", s.path("/staffing-plans:solve"),
			map[string]any{"term_id": "term_000000000000", "week_start": date(2026, 9, 7), "seed": "9"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := count(tt.list, tt.keys...)
			r := env.Do(t, tt.method, tt.path, tt.give)
			t.Logf("%d %.300s", r.Code, r.Raw)
			if r.Code < 400 || r.Code >= 500 || !strings.Contains(r.Raw, tt.wantFields) {
				t.Errorf("%s %s: %d %s, want a 4xx naming %q", tt.method, tt.path, r.Code, r.Raw, tt.wantFields)
			}
			if after := count(tt.list, tt.keys...); after != before {
				t.Errorf("a failed write changed %s: %d rows, want %d", tt.list, after, before)
			}
		})
	}
}

// TestMidWriteFailureRollsBack makes the database itself fail in the
// middle of three multi-row writes (a trigger on the second table written)
// and checks through the public APIs that each write left nothing behind:
// an institution with its courses, a re-solved staffing week (demands and
// assignments replaced), and a fee run (statements, lines, postings).
func TestMidWriteFailureRollsBack(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	authCfg, mint := systemtest.NewAuth(t)
	r, err := system.Start(context.Background(), system.Config{
		Auth: authCfg, Parts: system.AllParts, DatabaseURL: dbURL, DBMaxConns: 8,
		HTTPAddr: "127.0.0.1:0", TimetableAddr: "127.0.0.1:0", StaffingAddr: "127.0.0.1:0", BillingAddr: "127.0.0.1:0",
		ShutdownGrace: 5 * time.Second, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	env := &systemtest.Env{Client: systemtest.NewClient("http://"+r.HTTPAddr, mint), Run: r}
	db, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	exec := func(sql string) {
		t.Helper()
		if _, err := db.Exec(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`CREATE FUNCTION public.robust_fail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected failure'; END $$`)
	// failOn makes inserts into table fail (when cond holds) until the
	// returned function drops the trigger.
	failOn := func(table, cond string) func() {
		exec(`CREATE TRIGGER robust_fail BEFORE INSERT ON ` + table + ` FOR EACH ROW WHEN (` + cond + `) EXECUTE FUNCTION public.robust_fail()`)
		return func() { exec(`DROP TRIGGER robust_fail ON ` + table) }
	}
	wantFailed := func(t *testing.T, r systemtest.Response) {
		t.Helper()
		if r.Code != http.StatusInternalServerError || systemtest.Str(r.Body, "message") != "internal error" {
			t.Errorf("write under an injected database failure: %d %s, want 500 internal error", r.Code, r.Raw)
		}
	}

	s := newStaffingSchool(t, env, "350474")
	st := env.MustDo(t, "POST", s.path("/students"), map[string]any{"class_id": s.c1, "name": "张三",
		"guardians": []any{map[string]any{"name": "张三家长", "phone": "13800000000", "relation": "母亲"}}})
	student := systemtest.Str(st, "student", "student_id")
	item := systemtest.Str(env.MustDo(t, "GET", s.path("/terms/%s/items", s.term), nil), "items", 0, "item_id")
	en := env.MustDo(t, "POST", s.path("/enrolments"), map[string]any{"student_id": student, "item_id": item, "start_date": date(2026, 9, 7)})
	env.MustDo(t, "POST", s.path("/enrolments/%s:approve", systemtest.Str(en, "enrolment", "enrolment_id")), map[string]any{})

	t.Run("institution with courses", func(t *testing.T) {
		list := "/v1/districts/" + s.district + "/institutions"
		before := len(env.MustDo(t, "GET", list, nil)["institutions"].([]any))
		inst := institution("回滚机构", "JY-3504-0888", true, systemtest.Date(2024, 1, 1), systemtest.Date(2030, 12, 31))
		inst["courses"] = append(inst["courses"].([]any), map[string]any{"name": "回滚课程", "activity_kind": "arts",
			"price_per_period": map[string]any{"amount": "30.00"}})
		drop := failOn("staffing.institution_courses", `NEW.name = '回滚课程'`)
		wantFailed(t, env.Do(t, "POST", list, inst))
		drop()
		if after := len(env.MustDo(t, "GET", list, nil)["institutions"].([]any)); after != before {
			t.Errorf("institutions: %d after the failed create, want %d", after, before)
		}
	})

	t.Run("staffing week re-solve", func(t *testing.T) {
		before := pairs(s.solve(t, "1"))
		drop := failOn("staffing.assignments", `true`)
		wantFailed(t, env.Do(t, "POST", s.path("/staffing-plans:solve"), map[string]any{"term_id": s.term,
			"week_start": systemtest.Date(2026, 9, 7), "seed": "2"}))
		drop()
		if after := pairs(s.grid(t)); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("the failed re-solve changed the grid: %d assignments, want the %d before", len(after), len(before))
		}
	})

	t.Run("fee run", func(t *testing.T) {
		env.MustDo(t, "POST", "/v1/districts/"+s.district+"/fee-schedules", schedule2026("sy-2026", "三教〔2026〕1号"))
		statements := s.path("/students/%s/terms/%s/statements", student, s.term)
		tb := s.path("/ledger/trial-balance")
		postings := systemtest.Get(env.MustDo(t, "GET", tb, nil), "postings")
		drop := failOn("billing.statement_lines", `true`)
		wantFailed(t, env.Do(t, "POST", "/v1/districts/"+s.district+"/fee-runs", map[string]any{
			"request_id": "rollback-1", "school_id": s.id, "term_id": s.term, "period_kind": "term"}))
		drop()
		if got := env.MustDo(t, "GET", statements, nil)["statements"].([]any); len(got) != 0 {
			t.Errorf("the failed run left %d statements", len(got))
		}
		if got := systemtest.Get(env.MustDo(t, "GET", tb, nil), "postings"); got != postings {
			t.Errorf("the failed run left postings: %v, want %v", got, postings)
		}
		// The same request succeeds once the database is healthy again.
		env.MustDo(t, "POST", "/v1/districts/"+s.district+"/fee-runs", map[string]any{
			"request_id": "rollback-1", "school_id": s.id, "term_id": s.term, "period_kind": "term"})
		if got := env.MustDo(t, "GET", statements, nil)["statements"].([]any); len(got) != 1 {
			t.Errorf("after the retried run: %d statements, want 1", len(got))
		}
	})
}
