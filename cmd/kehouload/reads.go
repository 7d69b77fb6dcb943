package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	blstore "github.com/kehou/kehou/services/billing/store"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/civil"
	ststore "github.com/kehou/kehou/services/staffing/store"
	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/timetable/domain/school"
	ttstore "github.com/kehou/kehou/services/timetable/store"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// readsConfig is the flags of `kehouload reads`.
type readsConfig struct {
	DatabaseURL string
	DBMaxConns  int
	Rounds      int
	Students    int
	Duration    time.Duration
	Warmup      time.Duration
	Concurrency []int
	Routes      []string
	NoAuth      bool
	InProcess   bool
	JSON        bool
	Timeout     time.Duration
	CPUProfile  string
	MemProfile  string
	// Only, when set, drives only the targets whose names contain it
	// (a profile of one target).
	Only string
	// DriveAt, when set, is the wall-clock time driving starts (seeding
	// must be done by then), so two runs started together — old and new
	// code, or with and without authorization — drive the same target in
	// the same seconds and share whatever else loads the machine.
	DriveAt time.Time
}

// The read routes `reads` drives, in the order it drives them.
var readRoutes = []string{"trivial", "statements", "plan", "staffing", "compliance"}

func parseReadsFlags(args []string, stderr io.Writer) (readsConfig, error) {
	fs := flag.NewFlagSet("kehouload reads", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c readsConfig
	var conc, routes string
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL (loopback only) the in-process system runs on (migrated)")
	fs.IntVar(&c.Rounds, "rounds", 1, "times each target is driven, in rotation with the others; the rounds are pooled")
	fs.IntVar(&c.DBMaxConns, "db-max-conns", 10, "database connections of each service's pool (kehou serve's default is 10)")
	fs.IntVar(&c.Students, "students", 400, "students of the one seeded school (40 a class, one teacher a class)")
	fs.DurationVar(&c.Duration, "duration", 5*time.Second, "how long each target is driven at each concurrency")
	fs.DurationVar(&c.Warmup, "warmup", 500*time.Millisecond, "unmeasured driving before each target")
	fs.StringVar(&conc, "concurrency", "16,64", "comma-separated concurrent clients")
	fs.StringVar(&routes, "routes", strings.Join(readRoutes, ","), "comma-separated routes to drive (of "+strings.Join(readRoutes, ",")+")")
	fs.BoolVar(&c.InProcess, "in-process", true, "the gateway reaches the services in process, as `kehou serve` does by default (false: over loopback gRPC)")
	fs.BoolVar(&c.NoAuth, "no-authorization", false, "start the system without token verification and authorization (the before-authorization comparison)")
	fs.BoolVar(&c.JSON, "json", false, "print the results as JSON")
	fs.DurationVar(&c.Timeout, "timeout", 20*time.Minute, "the whole command's deadline")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the driving (not the seeding) to this file")
	fs.StringVar(&c.MemProfile, "memprofile", "", "write a profile of what the driving allocated (go tool pprof -sample_index=alloc_space) to this file")
	fs.StringVar(&c.Only, "only", "", "drive only the targets whose names contain this (for a profile of one target)")
	var driveAt int64
	fs.Int64Var(&driveAt, "drive-at", 0, "Unix time (seconds) to start driving at, after seeding: runs started together then drive the same targets at the same moments (0: at once)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.Rounds < 1 || c.Rounds > 100 {
		return c, fmt.Errorf("--rounds %d: want 1 to 100", c.Rounds)
	}
	if c.DBMaxConns < 1 || c.DBMaxConns > 100 {
		return c, fmt.Errorf("--db-max-conns %d: want 1 to 100", c.DBMaxConns)
	}
	if c.Students < 1 || c.Students > 20_000 {
		return c, fmt.Errorf("--students %d: want 1 to 20000", c.Students)
	}
	if c.Duration <= 0 || c.Duration > 5*time.Minute || c.Warmup < 0 {
		return c, fmt.Errorf("--duration %s: want (0, 5m], --warmup ≥ 0", c.Duration)
	}
	for _, s := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > maxWorkers {
			return c, fmt.Errorf("--concurrency %q: want numbers 1 to %d", conc, maxWorkers)
		}
		c.Concurrency = append(c.Concurrency, n)
	}
	for _, r := range strings.Split(routes, ",") {
		if r = strings.TrimSpace(r); !slices.Contains(readRoutes, r) {
			return c, fmt.Errorf("--routes: unknown route %q", r)
		}
		c.Routes = append(c.Routes, r)
	}
	if c.Timeout <= 0 {
		return c, fmt.Errorf("--timeout %s: want a positive duration", c.Timeout)
	}
	if driveAt != 0 {
		c.DriveAt = time.Unix(driveAt, 0)
		if time.Until(c.DriveAt) > c.Timeout {
			return c, fmt.Errorf("--drive-at %d is beyond --timeout", driveAt)
		}
	}
	if c.DatabaseURL == "" {
		return c, errors.New("--database-url is required")
	}
	return c, checkDatabaseLoopback(c.DatabaseURL)
}

// readsFixture is what seeding made and the drivers read.
type readsFixture struct {
	district, school, term string
	students               []string
	week                   date3
	// Tokens: parents (one per student, rotated), the school's administrator.
	parents []string
	admin   string
}

type date3 struct{ y, m, d int }

func (d date3) query(name string) string {
	return fmt.Sprintf("%s.year=%d&%s.month=%d&%s.day=%d", name, d.y, name, d.m, name, d.d)
}

// runReads is `kehouload reads`: start a system, seed one school through
// the API, then drive each read route beside its floors.
func runReads(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseReadsFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	maxConc := slices.Max(cfg.Concurrency)
	sys, err := system.Start(ctx, system.Config{
		Parts: system.AllParts, DatabaseURL: cfg.DatabaseURL, DBMaxConns: int32(cfg.DBMaxConns),
		HTTPAddr: "127.0.0.1:0", TimetableAddr: "127.0.0.1:0", StaffingAddr: "127.0.0.1:0", BillingAddr: "127.0.0.1:0",
		ShutdownGrace: 10 * time.Second, Migrate: true, Auth: system.AuthConfig{AccessTokenTTL: cfg.Timeout}, WithoutAuthorization: cfg.NoAuth, InProcess: cfg.InProcess,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return fmt.Errorf("start system: %w", err)
	}
	defer func() {
		if serr := sys.Stop(); serr != nil && err == nil {
			err = fmt.Errorf("stop system: %w", serr)
		}
	}()
	district := fmt.Sprintf("8%05d", time.Now().Unix()%100_000)
	op, err := sys.MintToken(auth.Principal{AccountID: "acc_operator", Role: auth.RoleOperator})
	if err != nil {
		return err
	}
	bureau, err := sys.MintToken(auth.Principal{AccountID: "acc_load_bureau", Role: auth.RoleBureauAdmin, DistrictID: district})
	if err != nil {
		return err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 2*maxWorkers, 2*maxWorkers
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	c := &client{base: "http://" + sys.HTTPAddr, hc: hc, token: bureau, opToken: op}
	fmt.Fprintf(stderr, "seeding district %s: one school of %d students through %s\n", district, cfg.Students, c.base)
	fx, err := seedReads(ctx, c, district, cfg.Students)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	// The parents' tokens: each names one child, as identity's would.
	for i, st := range fx.students[:min(len(fx.students), 256)] {
		tok, err := sys.MintToken(auth.Principal{AccountID: "acc_load_parent_" + strconv.Itoa(i), Role: auth.RoleParent, DistrictID: district,
			Students: []auth.StudentRef{{SchoolID: fx.school, StudentID: st}}})
		if err != nil {
			return err
		}
		fx.parents = append(fx.parents, tok)
	}
	if fx.admin, err = sys.MintToken(auth.Principal{AccountID: "acc_load_admin", Role: auth.RoleSchoolAdmin, DistrictID: district, SchoolID: fx.school}); err != nil {
		return err
	}
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	pc.MaxConns = int32(maxConc + 4) // the floors run at the routes' concurrency
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return err
	}
	defer pool.Close()
	conn, err := grpc.NewClient(sys.BillingAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	// The same gateway over HTTP/2 in clear (h2c): many calls share one
	// connection, as they do on billing's gRPC port.
	var h2 http.Protocols
	h2.SetUnencryptedHTTP2(true)
	tr2 := &http.Transport{Protocols: &h2, MaxIdleConnsPerHost: 2 * maxWorkers}
	defer tr2.CloseIdleConnections()
	lean := newLeanHTTP(sys.HTTPAddr, maxConc)
	defer lean.close()
	targets := readTargets(fx, hc, &http.Client{Transport: tr2}, lean, c.base, pool, billingv1.NewBillingServiceClient(conn), cfg.Routes)
	if cfg.Only != "" {
		targets = slices.DeleteFunc(targets, func(t target) bool { return !strings.Contains(t.name, cfg.Only) })
		if len(targets) == 0 {
			return fmt.Errorf("--only %q: no target's name contains it", cfg.Only)
		}
	}
	for _, t := range targets {
		if err := t.call(ctx, 0, 0); err != nil {
			return fmt.Errorf("%s: first call: %w", t.name, err)
		}
	}
	if !cfg.DriveAt.IsZero() {
		wait := time.Until(cfg.DriveAt)
		if wait < 0 {
			return fmt.Errorf("seeding finished %s after --drive-at: choose a later time", (-wait).Round(time.Second))
		}
		fmt.Fprintf(stderr, "seeded; driving at %s (in %s)\n", cfg.DriveAt.Format(time.TimeOnly), wait.Round(time.Second))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	stopProfile, err := startProfile(cfg.CPUProfile)
	if err != nil {
		return err
	}
	stopAllocs := startAllocProfile(cfg.MemProfile)
	// Each target is driven --rounds times in rotation and its rounds are
	// pooled: a target compared with another (the gateway with the direct
	// call) then meets the same drift of a shared, noisy machine.
	samples := make([]sample, len(cfg.Concurrency)*len(targets)) // by concurrency, then target
	// With --drive-at every target has its own slot of wall-clock time
	// (warm-up, duration and a 2 s gap for calls still in flight), so
	// runs started together stay in step target by target.
	slot, k := cfg.Warmup+cfg.Duration+2*time.Second, 0
	for round := range cfg.Rounds {
		for ci, n := range cfg.Concurrency {
			for ti, t := range targets {
				if !cfg.DriveAt.IsZero() {
					time.Sleep(time.Until(cfg.DriveAt.Add(time.Duration(k) * slot)))
					k++
				}
				if cfg.Warmup > 0 {
					drive(ctx, n, cfg.Warmup, t.call)
				}
				sm := drive(ctx, n, cfg.Duration, t.call)
				fmt.Fprintf(stderr, "  round %d %-12s %-34s c=%-3d %8.0f req/s\n", round+1, t.route, t.name, n, sm.perSecond())
				samples[ci*len(targets)+ti].add(sm)
			}
		}
	}
	var results []readResult
	for ci, n := range cfg.Concurrency {
		for ti, t := range targets {
			r := samples[ci*len(targets)+ti].result()
			r.Route, r.Target, r.Concurrency = t.route, t.name, n
			results = append(results, r)
		}
	}
	if err := stopProfile(); err != nil {
		return err
	}
	if err := stopAllocs(); err != nil {
		return err
	}
	rep := readsReport{District: district, Students: cfg.Students, Authorization: !cfg.NoAuth, Seconds: cfg.Duration.Seconds(), Rounds: cfg.Rounds, Results: results}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.print(stdout)
	return nil
}

// seedReads creates a district with its fee schedule and one school (the
// fee-run load's school: classes, a term, a basic-care item and its plan,
// students enrolled and approved), runs the term's fees, then adds one
// teacher per class and solves the first week's staffing.
func seedReads(ctx context.Context, c *client, district string, students int) (readsFixture, error) {
	fx := readsFixture{district: district, week: date3{2024, 9, 2}}
	cfg := config{District: district, Schools: 1, Students: students, Workers: 16}
	schools, ids, err := seedDistrict(ctx, c, cfg)
	if err != nil {
		return fx, err
	}
	s := schools[0]
	fx.school, fx.term, fx.students = s.id, s.term, ids
	if _, err := c.do(ctx, "POST", "/v1/districts/"+district+"/fee-runs", map[string]any{"request_id": "reads-" + district, "period_kind": "term", "on": date(2024, 9, 10)}); err != nil {
		return fx, err
	}
	base := "/v1/schools/" + s.id
	err = parallel(ctx, len(s.classes), 16, func(ctx context.Context, k int) error {
		st, err := c.do(ctx, "POST", base+"/staff", map[string]any{"name": fmt.Sprintf("教师%d", k+1), "kind": "STAFF_KIND_TEACHER",
			"class_teacher_of": s.classes[k], "classes_taught": []string{s.classes[k]}, "subjects": []string{"语文"}})
		if err != nil {
			return err
		}
		_, err = c.do(ctx, "POST", base+"/staff/"+str(st, "staff_member", "staff_id")+"/participation", map[string]any{"term_id": s.term, "opted_in": true})
		return err
	})
	if err != nil {
		return fx, err
	}
	_, err = c.do(ctx, "POST", base+"/staffing-plans:solve", map[string]any{"term_id": s.term, "week_start": date(2024, 9, 2), "seed": "1"})
	return fx, err
}

// target is one thing driven: a route through the gateway, the same call
// on billing's gRPC port, or a floor.
type target struct {
	route, name string
	call        func(ctx context.Context, worker, i int) error
}

func readTargets(fx readsFixture, hc, hc2 *http.Client, lean *leanHTTP, base string, pool *pgxpool.Pool, bl billingv1.BillingServiceClient, routes []string) []target {
	get := func(path func(w, i int) string, tok func(w, i int) string) func(ctx context.Context, w, i int) error {
		return func(ctx context.Context, w, i int) error { return httpGet(ctx, hc, base+path(w, i), tok(w, i)) }
	}
	parent := func(w, i int) string { return fx.parents[(w*31+i)%len(fx.parents)] }
	student := func(w, i int) string { return fx.students[(w*31+i)%len(fx.parents)] }
	admin := func(int, int) string { return fx.admin }
	path := func(s string) func(int, int) string { return func(int, int) string { return s } }
	sc := "/v1/schools/" + fx.school
	tt, st, bs := ttstore.New(pool), ststore.New(pool), blstore.New(pool)
	scope := school.Scope{DistrictID: fx.district, SchoolID: fx.school}
	var out []target
	for _, r := range routes {
		switch r {
		case "trivial":
			out = append(out, target{r, "gateway: GET /v1/districts/{id}", get(path("/v1/districts/"+fx.district), admin)},
				target{r, "gateway, lean client: same", func(ctx context.Context, w, i int) error {
					return lean.get(ctx, w, "/v1/districts/"+fx.district, fx.admin)
				}})
		case "statements":
			out = append(out,
				target{r, "gateway (parent token)", get(func(w, i int) string {
					return sc + "/students/" + student(w, i) + "/terms/" + fx.term + "/statements"
				}, parent)},
				target{r, "gateway, lean client (parent token)", func(ctx context.Context, w, i int) error {
					return lean.get(ctx, w, sc+"/students/"+student(w, i)+"/terms/"+fx.term+"/statements", parent(w, i))
				}},
				target{r, "gateway HTTP/2 h2c (parent token)", func(ctx context.Context, w, i int) error {
					return httpGet(ctx, hc2, base+sc+"/students/"+student(w, i)+"/terms/"+fx.term+"/statements", parent(w, i))
				}},
				target{r, "billing gRPC direct (parent token)", func(ctx context.Context, w, i int) error {
					ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+parent(w, i))
					resp, err := bl.ListStudentStatements(ctx, &billingv1.ListStudentStatementsRequest{SchoolId: fx.school, StudentId: student(w, i), TermId: fx.term})
					if err == nil && len(resp.GetStatements()) == 0 {
						err = errors.New("no statements")
					}
					return err
				}},
				target{r, "floor: store SQL (pgx)", func(ctx context.Context, w, i int) error {
					sts, err := bs.StudentStatements(ctx, fx.district, fx.school, student(w, i), fx.term)
					if err == nil && len(sts) == 0 {
						err = errors.New("no statements")
					}
					return err
				}})
		case "plan":
			out = append(out,
				target{r, "gateway (school admin)", get(path(sc+"/terms/"+fx.term+"/plan"), admin)},
				target{r, "floor: store SQL (pgx)", func(ctx context.Context, _, _ int) error {
					_, err := tt.GetPlan(ctx, scope, fx.term)
					return err
				}})
		case "staffing":
			out = append(out,
				target{r, "gateway (school admin)", get(path(sc+"/staffing-grid?"+fx.week.query("week_start")), admin)},
				target{r, "floor: store SQL (pgx)", func(ctx context.Context, _, _ int) error {
					w, err := st.LoadWeek(ctx, fx.district, fx.school, civil.New(fx.week.y, time.Month(fx.week.m), fx.week.d))
					if err == nil && len(w.Demands) == 0 {
						err = errors.New("no demands")
					}
					return err
				}})
		case "compliance":
			out = append(out,
				target{r, "gateway (school admin)", get(path(sc+"/terms/"+fx.term+"/compliance"), admin)},
				target{r, "floor: store SQL (pgx), the term's facts", func(ctx context.Context, _, _ int) error {
					return termFacts(ctx, tt, scope, fx.term)
				}})
		}
	}
	return out
}

// termFacts reads what the compliance report is computed from: the term,
// its closures, items, classes, clubs, plan, cancellations and deliveries.
func termFacts(ctx context.Context, tt *ttstore.Store, sc school.Scope, termID string) error {
	t, err := tt.GetTerm(ctx, sc, termID)
	if err != nil {
		return err
	}
	if _, err := tt.Closures(ctx, sc, t.Calendar.Start, t.Calendar.End); err != nil {
		return err
	}
	if _, err := tt.ListItems(ctx, sc, termID); err != nil {
		return err
	}
	if _, err := tt.ListClasses(ctx, sc); err != nil {
		return err
	}
	if _, err := tt.ListClubs(ctx, sc, termID); err != nil {
		return err
	}
	if _, err := tt.GetPlan(ctx, sc, termID); err != nil {
		return err
	}
	if _, err := tt.Cancellations(ctx, sc, termID); err != nil {
		return err
	}
	_, err = tt.Deliveries(ctx, sc, termID)
	return err
}

// httpGet sends one GET; anything but 200 with a body is an error.
func httpGet(ctx context.Context, hc *http.Client, url, tok string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || n == 0 {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return nil
}

// readResult is one target at one concurrency.
type readResult struct {
	Route       string  `json:"route"`
	Target      string  `json:"target"`
	Concurrency int     `json:"concurrency"`
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	PerSecond   float64 `json:"requests_per_second"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	FirstError  string  `json:"first_error,omitempty"`
	// RoundPerSecond is each round's requests/s; PerSecond pools them.
	RoundPerSecond []float64 `json:"round_requests_per_second,omitempty"`
	// KBPerRequest is the heap this process allocated per request (the
	// load's own clients and, in process, the whole system) and
	// GCPerSecond its garbage collections per second, while driving.
	KBPerRequest float64 `json:"kb_allocated_per_request"`
	GCPerSecond  float64 `json:"gc_per_second"`
}

// sample is what driving a target measured: every call's latency, the
// errors and the time it took. Rounds of one target add up.
type sample struct {
	lat     []time.Duration
	errs    int64
	first   string
	elapsed time.Duration
	rounds  []float64 // requests/s of each round
	alloc   uint64    // bytes allocated while driving
	gcs     uint32    // garbage collections while driving
}

func (s sample) perSecond() float64 { return float64(len(s.lat)) / s.elapsed.Seconds() }

func (s *sample) add(o sample) {
	s.lat = append(s.lat, o.lat...)
	s.errs += o.errs
	if s.first == "" {
		s.first = o.first
	}
	s.elapsed += o.elapsed
	s.rounds = append(s.rounds, o.perSecond())
	s.alloc += o.alloc
	s.gcs += o.gcs
}

// result is the pooled rounds: all calls over all the time, percentiles of
// every call.
func (s sample) result() readResult {
	slices.Sort(s.lat)
	r := readResult{Requests: int64(len(s.lat)), Errors: s.errs, PerSecond: s.perSecond(), FirstError: s.first, RoundPerSecond: s.rounds}
	if len(s.lat) > 0 {
		r.P50ms = ms(s.lat[len(s.lat)/2])
		r.P99ms = ms(s.lat[min(len(s.lat)-1, len(s.lat)*99/100)])
		r.KBPerRequest = float64(s.alloc) / 1024 / float64(len(s.lat))
	}
	if s.elapsed > 0 {
		r.GCPerSecond = float64(s.gcs) / s.elapsed.Seconds()
	}
	return r
}

// drive calls f from n workers for d and measures every call.
func drive(ctx context.Context, n int, d time.Duration, f func(ctx context.Context, worker, i int) error) sample {
	ctx, cancel := context.WithTimeout(ctx, d+10*time.Second)
	defer cancel()
	lat := make([][]time.Duration, n)
	var errs atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	end := start.Add(d)
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				err := f(ctx, w, i)
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					errs.Add(1)
					first.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	sm := sample{lat: slices.Concat(lat...), errs: errs.Load(), elapsed: elapsed,
		alloc: after.TotalAlloc - before.TotalAlloc, gcs: after.NumGC - before.NumGC}
	if e, ok := first.Load().(string); ok {
		sm.first = e
	}
	return sm
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type readsReport struct {
	District      string       `json:"district"`
	Students      int          `json:"students"`
	Authorization bool         `json:"authorization"`
	Seconds       float64      `json:"seconds_per_target"`
	Rounds        int          `json:"rounds"`
	Results       []readResult `json:"results"`
}

func (r readsReport) print(w io.Writer) {
	fmt.Fprintf(w, "district %s, one school of %d students; authorization %v; %.1f s per target and round, %d rounds in rotation\n", r.District, r.Students, r.Authorization, r.Seconds, r.Rounds)
	fmt.Fprintf(w, "%-11s %-42s %4s %9s %8s %8s %6s %6s %5s %-7s %s\n", "route", "target", "conc", "req/s", "p50 ms", "p99 ms", "errors", "KB/req", "GC/s", "÷ floor", "÷ gRPC")
	for _, x := range r.Results {
		ratio, direct := "", ""
		if f, ok := r.floor(x); ok && f > 0 && !strings.HasPrefix(x.Target, "floor") {
			ratio = fmt.Sprintf("%.2f×", x.PerSecond/f)
		}
		if g, ok := r.result(x, "billing gRPC direct"); ok && g.PerSecond > 0 && strings.HasPrefix(x.Target, "gateway") {
			direct = fmt.Sprintf("%.2f×", x.PerSecond/g.PerSecond)
			if lo, hi, ok := roundRatios(x, g); ok {
				direct += fmt.Sprintf(" (rounds %.2f–%.2f)", lo, hi)
			}
		}
		fmt.Fprintf(w, "%-11s %-42s %4d %9.0f %8.2f %8.2f %6d %6.1f %5.1f %-7s %s\n", x.Route, x.Target, x.Concurrency, x.PerSecond, x.P50ms, x.P99ms, x.Errors, x.KBPerRequest, x.GCPerSecond, ratio, direct)
		if x.FirstError != "" {
			fmt.Fprintf(w, "            first error: %.300s\n", x.FirstError)
		}
	}
}

// floor returns the requests/s of x's route's SQL floor at x's concurrency.
func (r readsReport) floor(x readResult) (float64, bool) { return r.find(x, "floor") }

// find returns the requests/s of the target of x's route and concurrency
// whose name starts with prefix (the floor, billing's gRPC port).
func (r readsReport) find(x readResult, prefix string) (float64, bool) {
	y, ok := r.result(x, prefix)
	return y.PerSecond, ok
}

// result returns the result of the target of x's route and concurrency
// whose name starts with prefix.
func (r readsReport) result(x readResult, prefix string) (readResult, bool) {
	for _, y := range r.Results {
		if y.Route == x.Route && y.Concurrency == x.Concurrency && strings.HasPrefix(y.Target, prefix) {
			return y, true
		}
	}
	return readResult{}, false
}

// roundRatios is the lowest and highest ratio of x to y round by round
// (the rounds ran next to each other), when there was more than one.
func roundRatios(x, y readResult) (lo, hi float64, ok bool) {
	if len(x.RoundPerSecond) < 2 || len(x.RoundPerSecond) != len(y.RoundPerSecond) {
		return 0, 0, false
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for i, a := range x.RoundPerSecond {
		if y.RoundPerSecond[i] <= 0 {
			return 0, 0, false
		}
		lo, hi = min(lo, a/y.RoundPerSecond[i]), max(hi, a/y.RoundPerSecond[i])
	}
	return lo, hi, true
}
