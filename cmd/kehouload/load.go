package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
)

// report is what one load run measured.
type report struct {
	District string `json:"district"`
	Schools  int    `json:"schools"`
	Students int    `json:"students"`
	// Seeding: every request through the gateway.
	SeedRequests       int64   `json:"seed_requests"`
	SeedSeconds        float64 `json:"seed_seconds"`
	SeedStudentsPerSec float64 `json:"seed_students_per_second"`
	SeedRequestsPerSec float64 `json:"seed_requests_per_second"`
	// The district fee run over HTTP.
	RunID              string  `json:"run_id"`
	RunSeconds         float64 `json:"run_seconds"`
	RunMicrosPerStudnt float64 `json:"run_microseconds_per_student"`
	RunStatements      int     `json:"run_statements_reported"`
	// Counted in the database for the run.
	Statements int `json:"statements"`
	Lines      int `json:"lines"`
	// The floor: COPY of as many statement and line rows into scratch tables.
	FloorSeconds float64 `json:"floor_seconds"`
	FloorShape   string  `json:"floor_shape"`
	Ratio        float64 `json:"ratio_end_to_end_over_floor"`
	// The lean floor: the same counts COPYed as narrow rows, amounts as numeric columns.
	LeanFloorSeconds float64 `json:"lean_floor_seconds"`
	LeanFloorShape   string  `json:"lean_floor_shape"`
	LeanRatio        float64 `json:"ratio_end_to_end_over_lean_floor"`
	// The same request again.
	RepeatSeconds float64 `json:"repeat_seconds"`
	RepeatSameRun bool    `json:"repeat_same_run"`
	// Peak Go heap of this process during the run (includes the system when --start).
	PeakHeapMB float64 `json:"peak_heap_mb"`
	// Whether the database was analyzed between seeding and the run (--analyze).
	Analyzed bool `json:"analyzed"`
}

func (r report) print(w io.Writer) {
	fmt.Fprintf(w, "district %s: %d schools, %d students\n", r.District, r.Schools, r.Students)
	fmt.Fprintf(w, "seeding:        %8.2f s  (%d requests, %.0f students/s, %.0f requests/s)\n", r.SeedSeconds, r.SeedRequests, r.SeedStudentsPerSec, r.SeedRequestsPerSec)
	fmt.Fprintf(w, "fee run (HTTP): %8.2f s  (%.1f µs per student, run %s, analyzed first: %v)\n", r.RunSeconds, r.RunMicrosPerStudnt, r.RunID, r.Analyzed)
	fmt.Fprintf(w, "written:        %d statements, %d lines (counted in the database)\n", r.Statements, r.Lines)
	fmt.Fprintf(w, "floor (COPY):   %8.2f s  (%s)\n", r.FloorSeconds, r.FloorShape)
	fmt.Fprintf(w, "end to end ÷ floor: %.2f×\n", r.Ratio)
	fmt.Fprintf(w, "lean floor (COPY): %8.2f s  (%s)\n", r.LeanFloorSeconds, r.LeanFloorShape)
	fmt.Fprintf(w, "end to end ÷ lean floor: %.2f×   (stored shape ÷ lean shape: %.2f×)\n", r.LeanRatio, r.FloorSeconds/r.LeanFloorSeconds)
	fmt.Fprintf(w, "repeat request: %8.3f s  (same run: %v)\n", r.RepeatSeconds, r.RepeatSameRun)
	if r.PeakHeapMB > 0 {
		fmt.Fprintf(w, "peak Go heap during the run: %.1f MB (this process)\n", r.PeakHeapMB)
	}
}

// client speaks the gateway's JSON.
type client struct {
	// token is the bureau administrator's; opToken the operator's, for creating the district.
	token, opToken string
	base           string
	hc             *http.Client
	requests       atomic.Int64
}

// do sends one request and decodes the JSON answer; anything but 200 is an error naming the call.
func (c *client) do(ctx context.Context, method, path string, body any) (map[string]any, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	tok := c.token
	if method == "POST" && path == "/v1/districts" {
		tok = c.opToken
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	c.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: status %d: %.500s", method, path, resp.StatusCode, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s %s: decode: %w", method, path, err)
	}
	return out, nil
}

// str walks decoded JSON by keys and returns the string there ("" if none).
func str(v any, keys ...string) string {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

func num(v any, keys ...string) float64 {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	f, _ := v.(float64)
	return f
}

func date(y, m, d int) map[string]any { return map[string]any{"year": y, "month": m, "day": d} }

// schoolSeed is one seeded school: its term, item and classes with their sizes.
type schoolSeed struct {
	id, term, item string
	classes        []string
	sizes          []int
}

// studentsAt spreads n over k as evenly as possible: part i of k.
func studentsAt(n, k, i int) int {
	if i < n%k {
		return n/k + 1
	}
	return n / k
}

// parallel runs f(i) for i in [0, n) on workers goroutines and returns the first error; the
// others stop at their next item once one fails.
func parallel(ctx context.Context, n, workers int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// feeSchedule is issue 5's schedule: 2 元 per 40-minute period, a 2.5 元 per day subsidy split 4:6
// between city and district, and a 50% 低保 waiver billed to the district's civil affairs.
func feeSchedule() map[string]any {
	return map[string]any{
		"schedule_id": "load-2024", "document_no": "压测〔2024〕1号", "effective_from": date(2024, 9, 1), "effective_to": date(2025, 1, 31),
		"billing_mode": "prepaid_term", "calendar": map[string]any{"days_per_month": "22", "months_per_term": "4.5"},
		"proration": map[string]any{"rule_id": "proration-exact", "kind": "exact"},
		"items":     []any{map[string]any{"rule_id": "basic-care", "name": "基础托管服务费", "kind": "basic_care", "unit": "per_period", "rate": "2"}},
		"subsidies": []any{map[string]any{"rule_id": "subsidy-day", "kind": "per_student_day", "amount": "2.5", "ratio_whole": "10",
			"payers": []any{map[string]any{"payer_id": "city_finance", "ratio": "4"}, map[string]any{"payer_id": "district_finance", "ratio": "6"}}}},
		"waivers": []any{map[string]any{"rule_id": "waiver-dibao", "category": "dibao", "percent": "0.5", "requires_approval": true,
			"payer_id": "district_civil_affairs"}},
	}
}

// seedSchool creates one school with its classes (and their home rooms), a September 2024 term
// (2–27 September, 中秋节 on the 16th: 19 school days), a basic-care item of two 40-minute
// periods every weekday, and its plan.
func seedSchool(ctx context.Context, c *client, district string, i, students int) (schoolSeed, error) {
	sc, err := c.do(ctx, "POST", "/v1/schools", map[string]any{"district_id": district, "name": fmt.Sprintf("压测第%d小学", i+1), "stage": "SCHOOL_STAGE_PRIMARY"})
	if err != nil {
		return schoolSeed{}, err
	}
	s := schoolSeed{id: str(sc, "school", "school_id")}
	base := "/v1/schools/" + s.id
	nc := (students + studentsPerClass - 1) / studentsPerClass
	for k := range nc {
		size := studentsAt(students, nc, k)
		room, err := c.do(ctx, "POST", base+"/rooms", map[string]any{"name": fmt.Sprintf("%d教室", 101+k), "kind": "ROOM_KIND_CLASSROOM", "capacity": 50})
		if err != nil {
			return s, err
		}
		cl, err := c.do(ctx, "POST", base+"/classes", map[string]any{"grade": k%6 + 1, "name": fmt.Sprintf("%d年级%d班", k%6+1, k/6+1), "size": size,
			"home_room_id": str(room, "room", "room_id")})
		if err != nil {
			return s, err
		}
		s.classes = append(s.classes, str(cl, "class", "class_id"))
		s.sizes = append(s.sizes, size)
	}
	tm, err := c.do(ctx, "POST", base+"/terms", map[string]any{
		"name": "2024-2025学年第一学期（九月）", "start_date": date(2024, 9, 2), "end_date": date(2024, 9, 27),
		"holidays": []any{map[string]any{"date": date(2024, 9, 16), "name": "中秋节"}},
	})
	if err != nil {
		return s, err
	}
	s.term = str(tm, "term", "term_id")
	var windows []any
	for wd := 1; wd <= 5; wd++ { // 16:00–17:20: two 40-minute periods
		windows = append(windows, map[string]any{"weekday": wd, "start": map[string]any{"hours": 16}, "end": map[string]any{"hours": 17, "minutes": 20}})
	}
	it, err := c.do(ctx, "POST", base+"/terms/"+s.term+"/items", map[string]any{"kind": "ITEM_KIND_BASIC_CARE", "name": "课后基础托管", "segment": 1, "windows": windows})
	if err != nil {
		return s, err
	}
	s.item = str(it, "item", "item_id")
	if _, err := c.do(ctx, "POST", base+"/terms/"+s.term+"/plan:generate", map[string]any{"seed": 1}); err != nil {
		return s, err
	}
	return s, nil
}

// studentSlot names the school and class of student number i.
type studentSlot struct{ school, class int }

// seed creates the district, its schedule, the schools and the students, enrolled and approved.
func seed(ctx context.Context, c *client, cfg config) error {
	_, _, err := seedDistrict(ctx, c, cfg)
	return err
}

// seedDistrict is seed, returning the schools and the students' ids in seeding order.
func seedDistrict(ctx context.Context, c *client, cfg config) ([]schoolSeed, []string, error) {
	if _, err := c.do(ctx, "POST", "/v1/districts", map[string]any{
		"district_id": cfg.District, "name": "压测区",
		"policy": map[string]any{
			"off_work_time": map[string]any{"hours": 17, "minutes": 30}, "min_minutes_per_day": 80,
			"service_days_per_week": 5, "period_minutes_primary": 40, "period_minutes_junior_middle": 45,
			"max_periods_per_day": 3, "evening_care_end": map[string]any{"hours": 18, "minutes": 30}, "outside_share_cap_percent": 50,
		},
	}); err != nil {
		return nil, nil, fmt.Errorf("%w (choose another --district on a reused database)", err)
	}
	if _, err := c.do(ctx, "POST", "/v1/districts/"+cfg.District+"/fee-schedules", feeSchedule()); err != nil {
		return nil, nil, err
	}
	schools := make([]schoolSeed, cfg.Schools)
	if err := parallel(ctx, cfg.Schools, cfg.Workers, func(ctx context.Context, i int) error {
		s, err := seedSchool(ctx, c, cfg.District, i, studentsAt(cfg.Students, cfg.Schools, i))
		schools[i] = s
		return err
	}); err != nil {
		return nil, nil, err
	}
	slots := make([]studentSlot, 0, cfg.Students)
	for si, s := range schools {
		for ci, size := range s.sizes {
			for range size {
				slots = append(slots, studentSlot{si, ci})
			}
		}
	}
	ids := make([]string, len(slots))
	err := parallel(ctx, len(slots), cfg.Workers, func(ctx context.Context, i int) error {
		s := schools[slots[i].school]
		name := "学生" + strconv.Itoa(i+1)
		body := map[string]any{"class_id": s.classes[slots[i].class], "name": name,
			"guardians": []any{map[string]any{"name": name + "家长", "phone": "13800000000", "relation": "母亲"}}}
		if i%20 == 0 { // one student in twenty is a verified 低保 family
			body["hardship_category"], body["hardship_verified"] = "HARDSHIP_CATEGORY_DIBAO", true
		}
		base := "/v1/schools/" + s.id
		st, err := c.do(ctx, "POST", base+"/students", body)
		if err != nil {
			return err
		}
		ids[i] = str(st, "student", "student_id")
		en, err := c.do(ctx, "POST", base+"/enrolments", map[string]any{"student_id": str(st, "student", "student_id"), "item_id": s.item, "start_date": date(2024, 9, 2)})
		if err != nil {
			return err
		}
		_, err = c.do(ctx, "POST", base+"/enrolments/"+str(en, "enrolment", "enrolment_id")+":approve", map[string]any{})
		return err
	})
	return schools, ids, err
}

// startProfile starts a CPU profile into path (nothing when path is empty) and returns what stops it.
func startProfile(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// startAllocProfile samples allocations from now (one in 64 KiB rather
// than the runtime's 512 KiB) and returns what writes them to path; with
// an empty path it does nothing. The profile holds the seeding's
// allocations too only if they were sampled, i.e. none before this call.
func startAllocProfile(path string) func() error {
	if path == "" {
		return func() error { return nil }
	}
	runtime.MemProfileRate = 64 << 10
	return func() error {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		runtime.GC() // the profile is as of the last collection
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}

// peakHeap samples this process's live heap until stop is closed.
func peakHeap(stop <-chan struct{}, peak *atomic.Uint64, done chan<- struct{}) {
	defer close(done)
	var ms runtime.MemStats
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > peak.Load() {
			peak.Store(ms.HeapAlloc)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// load seeds, runs, repeats, counts and measures the floor.
func load(ctx context.Context, cfg config, gateway string, progress io.Writer) (report, error) {
	rep := report{District: cfg.District, Schools: cfg.Schools, Students: cfg.Students}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = cfg.Workers*2, cfg.Workers*2
	c := &client{base: gateway, hc: &http.Client{Transport: tr}, token: cfg.Token, opToken: cfg.OperatorToken}
	defer tr.CloseIdleConnections()
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return rep, err
	}
	defer pool.Close()

	fmt.Fprintf(progress, "seeding district %s: %d schools, %d students, %d workers via %s\n", cfg.District, cfg.Schools, cfg.Students, cfg.Workers, gateway)
	t0 := time.Now()
	if err := seed(ctx, c, cfg); err != nil {
		return rep, fmt.Errorf("seed: %w", err)
	}
	seedTime := time.Since(t0)
	rep.SeedRequests = c.requests.Load()
	rep.SeedSeconds = seedTime.Seconds()
	rep.SeedStudentsPerSec = float64(cfg.Students) / seedTime.Seconds()
	rep.SeedRequestsPerSec = float64(rep.SeedRequests) / seedTime.Seconds()

	fmt.Fprintf(progress, "seeded in %s; running the district fee run\n", seedTime.Round(time.Millisecond))
	if cfg.Analyze {
		if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
			return rep, fmt.Errorf("analyze: %w", err)
		}
		rep.Analyzed = true
	}
	runBody := map[string]any{"request_id": "load-" + cfg.District, "period_kind": "term", "on": date(2024, 9, 10)}
	runtime.GC()
	var peak atomic.Uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go peakHeap(stop, &peak, sampled)
	stopProfile, err := startProfile(cfg.CPUProfile)
	if err != nil {
		return rep, err
	}
	t0 = time.Now()
	run, err := c.do(ctx, "POST", "/v1/districts/"+cfg.District+"/fee-runs", runBody)
	runTime := time.Since(t0)
	if perr := stopProfile(); perr != nil && err == nil {
		err = perr
	}
	close(stop)
	<-sampled
	if err != nil {
		return rep, fmt.Errorf("fee run: %w", err)
	}
	rep.RunID = str(run, "run", "run_id")
	rep.RunSeconds = runTime.Seconds()
	rep.RunMicrosPerStudnt = float64(runTime.Microseconds()) / float64(cfg.Students)
	rep.RunStatements = int(num(run, "run", "statements"))
	rep.PeakHeapMB = float64(peak.Load()) / (1 << 20)
	// The run answers synchronously; a GET confirms it is issued as a whole.
	got, err := c.do(ctx, "GET", "/v1/districts/"+cfg.District+"/fee-runs/"+rep.RunID, nil)
	if err != nil {
		return rep, err
	}
	if s := str(got, "run", "status"); s != "issued" {
		return rep, fmt.Errorf("run %s status %q, want issued", rep.RunID, s)
	}

	t0 = time.Now()
	again, err := c.do(ctx, "POST", "/v1/districts/"+cfg.District+"/fee-runs", runBody)
	rep.RepeatSeconds = time.Since(t0).Seconds()
	if err != nil {
		return rep, fmt.Errorf("repeated fee run: %w", err)
	}
	rep.RepeatSameRun = str(again, "run", "run_id") == rep.RunID && num(again, "run", "statements") == float64(rep.RunStatements)

	if err := pool.QueryRow(ctx, `SELECT count(*) FROM billing.statements WHERE district_id = $1 AND run_id = $2`, cfg.District, rep.RunID).Scan(&rep.Statements); err != nil {
		return rep, err
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM billing.statement_lines l JOIN billing.statements s USING (district_id, school_id, statement_id)
		WHERE s.district_id = $1 AND s.run_id = $2`, cfg.District, rep.RunID).Scan(&rep.Lines); err != nil {
		return rep, err
	}
	fmt.Fprintf(progress, "fee run took %s (%d statements, %d lines); timing the COPY floor\n", runTime.Round(time.Millisecond), rep.Statements, rep.Lines)
	floor, err := copyFloor(ctx, pool, cfg.District, rep.RunID, rep.Statements, rep.Lines)
	if err != nil {
		return rep, fmt.Errorf("floor: %w", err)
	}
	rep.FloorSeconds = floor.Seconds()
	rep.FloorShape = floorShape
	rep.Ratio = runTime.Seconds() / floor.Seconds()
	lean, err := leanFloor(ctx, pool, rep.Statements, rep.Lines)
	if err != nil {
		return rep, fmt.Errorf("lean floor: %w", err)
	}
	rep.LeanFloorSeconds = lean.Seconds()
	rep.LeanFloorShape = leanShape
	rep.LeanRatio = runTime.Seconds() / lean.Seconds()
	return rep, nil
}

// leanShape says what the lean floor writes.
const leanShape = "scratch logged tables: a statement is (district, school, statement, student, parent and total amount numeric), a line (district, school, statement, line no, quantity, rate, gross, net, parent share numeric), primary keys and the lines → statements foreign key; rolled back"

// leanFloor times COPY of as many statements and lines as the run wrote in
// the leanest shape that still holds a statement's money: one narrow row per
// statement and per line, amounts as numeric columns (no jsonb, no hashes,
// no per-payer totals), so what the stored shape costs beyond it is visible.
func leanFloor(ctx context.Context, pool *pgxpool.Pool, statements, lines int) (time.Duration, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // rolled back on purpose
	for _, q := range []string{
		`CREATE SCHEMA kehouload_lean`,
		`CREATE TABLE kehouload_lean.statements (district_id text, school_id text, statement_id text, student_id text,
			parent_amount numeric(14,2) NOT NULL, total_amount numeric(14,2) NOT NULL, PRIMARY KEY (district_id, school_id, statement_id))`,
		`CREATE TABLE kehouload_lean.lines (district_id text, school_id text, statement_id text, line_no int,
			quantity numeric(14,4) NOT NULL, unit_rate numeric(14,4) NOT NULL, gross numeric(14,2) NOT NULL, net numeric(14,2) NOT NULL,
			parent_share numeric(14,2) NOT NULL, PRIMARY KEY (district_id, school_id, statement_id, line_no),
			FOREIGN KEY (district_id, school_id, statement_id) REFERENCES kehouload_lean.statements)`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	perStatement := (lines + statements - 1) / statements
	amount, qty := decimal.RequireFromString("76.00"), decimal.RequireFromString("38.0000")
	rate := decimal.RequireFromString("2.0000")
	t0 := time.Now()
	k := 0
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"kehouload_lean", "statements"},
		[]string{"district_id", "school_id", "statement_id", "student_id", "parent_amount", "total_amount"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if k == statements {
				return nil, nil
			}
			id := "lean-" + strconv.Itoa(k)
			k++
			return []any{"900000", "sch_lean", id, id, amount, amount}, nil
		})); err != nil {
		return 0, fmt.Errorf("copy statements: %w", err)
	}
	k = 0
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"kehouload_lean", "lines"},
		[]string{"district_id", "school_id", "statement_id", "line_no", "quantity", "unit_rate", "gross", "net", "parent_share"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if k == lines {
				return nil, nil
			}
			row := []any{"900000", "sch_lean", "lean-" + strconv.Itoa(k/perStatement), int32(k%perStatement + 1), qty, rate, amount, amount, amount}
			k++
			return row, nil
		})); err != nil {
		return 0, fmt.Errorf("copy lines: %w", err)
	}
	return time.Since(t0), nil
}

// floorShape says what the scratch tables keep of the real ones.
const floorShape = "scratch logged tables LIKE billing.statements / statement_lines INCLUDING ALL (primary keys, unique key, checks, defaults) plus the lines → statements foreign key; rolled back"

// copyFloor times COPY of statements rows, then lines rows, each a copy of one row the run wrote
// with a fresh key, into scratch tables of the same shape in a schema created in a transaction
// that is rolled back, so nothing is left behind. The tables are ordinary (WAL-logged), not
// TEMP, so the floor pays what the run's writes pay.
func copyFloor(ctx context.Context, pool *pgxpool.Pool, district, runID string, statements, lines int) (time.Duration, error) {
	if statements == 0 || lines == 0 {
		return 0, fmt.Errorf("the run wrote %d statements and %d lines: nothing to compare", statements, lines)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // rolled back on purpose
	for _, q := range []string{
		`CREATE SCHEMA kehouload_floor`,
		`CREATE TABLE kehouload_floor.statements (LIKE billing.statements INCLUDING ALL)`,
		`CREATE TABLE kehouload_floor.statement_lines (LIKE billing.statement_lines INCLUDING ALL)`,
		`ALTER TABLE kehouload_floor.statement_lines ADD FOREIGN KEY (district_id, school_id, statement_id)
			REFERENCES kehouload_floor.statements (district_id, school_id, statement_id)`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	stTmpl, stCols, err := templateRow(ctx, tx, `SELECT * FROM billing.statements WHERE district_id = $1 AND run_id = $2 LIMIT 1`, district, runID)
	if err != nil {
		return 0, err
	}
	lnTmpl, lnCols, err := templateRow(ctx, tx, `SELECT l.* FROM billing.statement_lines l JOIN billing.statements s USING (district_id, school_id, statement_id)
		WHERE s.district_id = $1 AND s.run_id = $2 LIMIT 1`, district, runID)
	if err != nil {
		return 0, err
	}
	stID, stStudent, lnID, lnNo := column(stCols, "statement_id"), column(stCols, "student_id"), column(lnCols, "statement_id"), column(lnCols, "line_no")
	if stID < 0 || stStudent < 0 || lnID < 0 || lnNo < 0 {
		return 0, fmt.Errorf("unexpected columns %v / %v", stCols, lnCols)
	}
	perStatement := (lines + statements - 1) / statements
	t0 := time.Now()
	k := 0
	row := make([]any, len(stTmpl))
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"kehouload_floor", "statements"}, stCols, pgx.CopyFromFunc(func() ([]any, error) {
		if k == statements {
			return nil, nil
		}
		copy(row, stTmpl)
		row[stID] = "floor-" + strconv.Itoa(k)
		row[stStudent] = "floor-" + strconv.Itoa(k) // for the unique revision key
		k++
		return row, nil
	})); err != nil {
		return 0, fmt.Errorf("copy statements: %w", err)
	}
	k = 0
	row = make([]any, len(lnTmpl))
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"kehouload_floor", "statement_lines"}, lnCols, pgx.CopyFromFunc(func() ([]any, error) {
		if k == lines {
			return nil, nil
		}
		copy(row, lnTmpl)
		row[lnID] = "floor-" + strconv.Itoa(k/perStatement)
		row[lnNo] = int32(k%perStatement + 1)
		k++
		return row, nil
	})); err != nil {
		return 0, fmt.Errorf("copy lines: %w", err)
	}
	return time.Since(t0), nil
}

// templateRow reads one row and its column names.
func templateRow(ctx context.Context, tx pgx.Tx, q string, args ...any) ([]any, []string, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var cols []string
	for _, fd := range rows.FieldDescriptions() {
		cols = append(cols, fd.Name)
	}
	if !rows.Next() {
		return nil, nil, fmt.Errorf("no row for %q", q)
	}
	vals, err := rows.Values()
	if err != nil {
		return nil, nil, err
	}
	return vals, cols, rows.Err()
}

// column returns the index of name in cols, or -1.
func column(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	return -1
}
