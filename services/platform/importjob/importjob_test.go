package importjob

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/platform/audit"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/platform/sheet"
)

// jobsTable gives the test its own import_jobs, shaped like timetable's
// (the services' tables are the same shape) but without the school key.
func jobsTable(t *testing.T) *Store {
	t.Helper()
	pool := pgtest.Pool(t)
	if _, err := pool.Exec(context.Background(), `CREATE SCHEMA jobs_test;
		CREATE TABLE jobs_test.import_jobs (LIKE timetable.import_jobs INCLUDING ALL);
		CREATE TABLE jobs_test.audit_log (LIKE timetable.audit_log INCLUDING ALL)`); err != nil {
		t.Fatal(err)
	}
	testPool = pool
	return NewStore(pool, "jobs_test")
}

// wait polls the job until it has left running.
func wait(t *testing.T, s *Store, j Job) Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := s.Get(context.Background(), j.Scope, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != Running {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still running", j.ID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var testPool *pgxpool.Pool

func TestRunnerStates(t *testing.T) {
	ctx := context.Background()
	s := jobsTable(t)
	r := NewRunner(s, "tst")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sc := Scope{DistrictID: "d1", SchoolID: "s1"}
	cases := []struct {
		name, state, failure string
		work                 Work
	}{
		{"applied", Succeeded, "", func(context.Context, func(float64)) (Report, error) {
			return Report{Rows: 2, New: 2, Applied: true}, nil
		}},
		{"rejected", Rejected, "", func(context.Context, func(float64)) (Report, error) {
			var rep Report
			rep.Reject(RowError{Row: 2, Column: "姓名", Reason: "must not be blank", ReasonZh: "不能为空"})
			rep.Reject(RowError{Row: 2, Column: "班级", Reason: "no class", ReasonZh: "没有班级"})
			return rep, nil
		}},
		{"unreadable", Failed, "the file ends early", func(context.Context, func(float64)) (Report, error) {
			return Report{Rows: 5}, &sheet.Error{Kind: sheet.ErrNotSpreadsheet, Reason: "the file ends early", ReasonZh: "文件不完整"}
		}},
		{"broken", Failed, "the import failed; nothing was written", func(context.Context, func(float64)) (Report, error) {
			return Report{Applied: true}, errors.New("connection reset")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j, err := r.Start(ctx, log, Job{Scope: sc, Kind: c.name, FileName: c.name + ".csv", CreatedBy: "acc_1"}, c.work)
			if err != nil {
				t.Fatal(err)
			}
			if j.State != Running || len(j.ID) != len("tst_")+12 || j.ID[:4] != "tst_" {
				t.Fatalf("started %+v", j)
			}
			got := wait(t, s, j)
			if got.State != c.state || got.Percent != 100 || got.Report == nil || got.FinishTime.IsZero() {
				t.Fatalf("ended %+v", got)
			}
			if got.Report.Failure != c.failure {
				t.Errorf("failure %q, want %q", got.Report.Failure, c.failure)
			}
			if c.state == Failed && got.Report.Applied {
				t.Error("a failed job says applied")
			}
			if c.state == Rejected && (got.Report.Rejected != 1 || len(got.Report.Errors) != 2) {
				t.Errorf("rejected report %+v", got.Report)
			}
			if p := Proto(got); p.GetImportId() != j.ID || p.GetSchoolId() != "s1" || p.GetReport().GetFailure() != c.failure {
				t.Errorf("proto %v", p)
			}
		})
	}
	if _, err := s.Get(ctx, Scope{DistrictID: "d1", SchoolID: "s2"}, "tst_x"); err == nil {
		t.Error("another school's job read")
	}
}

// TestPercentMoves watches a running job's percent between 0 and 100.
func TestPercentMoves(t *testing.T) {
	ctx := context.Background()
	s := jobsTable(t)
	r := NewRunner(s, "tst")
	step, done := make(chan float64), make(chan struct{})
	j, err := r.Start(ctx, slog.Default(), Job{Scope: Scope{DistrictID: "d1", SchoolID: "s1"}, Kind: "staff"},
		func(_ context.Context, progress func(float64)) (Report, error) {
			for f := range step {
				progress(f)
				done <- struct{}{}
			}
			return Report{}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	var seen []int
	for _, f := range []float64{0.2, 0.5, 0.8} {
		step <- f
		<-done
		got, err := s.Get(ctx, j.Scope, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != Running || got.Percent <= 0 || got.Percent >= 100 {
			t.Fatalf("after %v: %s %d%%", f, got.State, got.Percent)
		}
		seen = append(seen, got.Percent)
	}
	close(step)
	if !(seen[0] < seen[1] && seen[1] < seen[2]) {
		t.Errorf("percent did not move: %v", seen)
	}
	if got := wait(t, s, j); got.Percent != 100 || got.State != Succeeded {
		t.Errorf("ended %s %d%%", got.State, got.Percent)
	}
}

type chunk []byte

func (c chunk) GetChunk() []byte { return c }

func TestSpool(t *testing.T) {
	parts := []chunk{chunk("学籍号,姓名\n"), chunk("G1,张三\n"), nil, chunk("G2,李四\n")}
	i := 0
	path, err := Spool(parts[0], func() (chunk, error) {
		i++
		if i == len(parts) {
			return nil, io.EOF
		}
		return parts[i], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(path)
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "学籍号,姓名\nG1,张三\nG2,李四\n" {
		t.Fatalf("%q %v", b, err)
	}
	// A failed receive leaves nothing behind.
	path, err = Spool(chunk("x"), func() (chunk, error) { return nil, errors.New("reset") })
	if err == nil || path != "" {
		t.Fatalf("spool after a broken stream: %q %v", path, err)
	}
}

// blocked starts a job whose work runs until its context ends.
func blocked(t *testing.T, r *Runner, sc Scope, kind string, dry bool) (Job, chan struct{}) {
	t.Helper()
	started := make(chan struct{})
	j, err := r.Start(context.Background(), slog.Default(), Job{Scope: sc, Kind: kind, DryRun: dry},
		func(ctx context.Context, progress func(float64)) (Report, error) {
			progress(0.3)
			close(started)
			<-ctx.Done()
			return Report{Rows: 10}, ctx.Err()
		})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	return j, started
}

// TestOneRunningImport: a second import of the same school and kind while
// one runs is refused clearly; another kind, another school or a dry run
// may run beside it.
func TestOneRunningImport(t *testing.T) {
	ctx := context.Background()
	s := jobsTable(t)
	r := NewRunner(s, "tst")
	sc := Scope{DistrictID: "d1", SchoolID: "s1"}
	first, _ := blocked(t, r, sc, "staff", false)
	_, err := r.Start(ctx, slog.Default(), Job{Scope: sc, Kind: "staff"}, func(context.Context, func(float64)) (Report, error) {
		t.Error("the second import ran")
		return Report{}, nil
	})
	if !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "already running") || !strings.Contains(err.Error(), "正在进行") {
		t.Fatalf("second import: %v", err)
	}
	blocked(t, r, sc, "institutions", false)
	blocked(t, r, Scope{DistrictID: "d1", SchoolID: "s2"}, "staff", false)
	blocked(t, r, sc, "staff", true)
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := wait(t, s, first); got.State != Failed || got.Report.Failure != Interrupted || got.Report.FailureZh != InterruptedZh {
		t.Fatalf("after shutdown: %s %+v", got.State, got.Report)
	}
	var running int
	if err := testPool.QueryRow(ctx, `SELECT count(*) FROM jobs_test.import_jobs WHERE state = 'running'`).Scan(&running); err != nil || running != 0 {
		t.Fatalf("%d jobs still running (%v)", running, err)
	}
	// A stopping runner takes no new job.
	if _, err := r.Start(ctx, slog.Default(), Job{Scope: sc, Kind: "staff"}, nil); !errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("start while stopping: %v", err)
	}
	// After it, the kind may be imported again.
	r2 := NewRunner(s, "tst")
	if _, err := r2.Start(ctx, slog.Default(), Job{Scope: sc, Kind: "staff"}, func(context.Context, func(float64)) (Report, error) {
		return Report{}, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownDeadline: a job that ignores its cancellation is marked
// failed when the shutdown's time is up, and Recover fails what a crashed
// run left running.
func TestShutdownDeadline(t *testing.T) {
	ctx := context.Background()
	s := jobsTable(t)
	r := NewRunner(s, "tst")
	release := make(chan struct{})
	defer close(release)
	j, err := r.Start(ctx, slog.Default(), Job{Scope: Scope{DistrictID: "d1", SchoolID: "s1"}, Kind: "staff"},
		func(context.Context, func(float64)) (Report, error) {
			<-release
			return Report{}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := r.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, j.Scope, j.ID); err != nil || got.State != Failed || got.Report.Failure != Interrupted {
		t.Fatalf("after a shutdown out of time: %+v %v", got, err)
	}
	// A crash: the row says running and no runner has it.
	crashed := Job{Scope: Scope{DistrictID: "d1", SchoolID: "s3"}, ID: NewID("tst"), Kind: "staff", State: Running, CreateTime: time.Now()}
	if err := s.Create(ctx, crashed); err != nil {
		t.Fatal(err)
	}
	n, err := NewRunner(s, "tst").Recover(ctx)
	if err != nil || n != 1 {
		t.Fatalf("recover: %d %v", n, err)
	}
	if got, _ := s.Get(ctx, crashed.Scope, crashed.ID); got.State != Failed || got.Report.FailureZh != InterruptedZh {
		t.Fatalf("after recover: %+v", got)
	}
}

// TestAppliedImportAudited: an applied import is one audit event naming
// who, the file, the kind and the counts; a dry run and a rejected file
// leave none.
func TestAppliedImportAudited(t *testing.T) {
	s := jobsTable(t)
	r := NewRunner(s, "tst")
	ctx := audit.WithCaller(context.Background(), audit.Caller{AccountID: "acc_admin", Role: "school_admin",
		Action: "/kehou.staffing.v1.StaffingService/UploadImport", Mutating: true})
	sc := Scope{DistrictID: "d1", SchoolID: "s1"}
	var ids []string
	for _, c := range []struct {
		dry    bool
		reject bool
	}{{false, false}, {true, false}, {false, true}} {
		j, err := r.Start(ctx, slog.Default(), Job{Scope: sc, Kind: "staff", DryRun: c.dry, FileName: "教师.xlsx"},
			func(context.Context, func(float64)) (Report, error) {
				rep := Report{Rows: 3, New: 1, Changed: 1, Unchanged: 1, Applied: !c.dry && !c.reject, Encoding: "xlsx"}
				if c.reject {
					rep.Reject(RowError{Row: 2})
				}
				return rep, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		wait(t, s, j)
		ids = append(ids, j.ID)
	}
	evs, _, err := audit.List(context.Background(), testPool, "jobs_test", audit.Filter{DistrictID: "d1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("%d audit events, want 1: %+v", len(evs), evs)
	}
	ev := evs[0]
	if ev.Operation != "import" || ev.ObjectKind != "import_staff" || ev.ObjectID != ids[0] || ev.AccountID != "acc_admin" ||
		ev.Role != "school_admin" || ev.SchoolID != "s1" {
		t.Fatalf("event %+v", ev)
	}
	var after map[string]any
	if err := json.Unmarshal(ev.After, &after); err != nil {
		t.Fatal(err)
	}
	if after["file_name"] != "教师.xlsx" || after["kind"] != "staff" || after["new"] != 1.0 || after["changed"] != 1.0 || after["rows"] != 3.0 {
		t.Fatalf("event after %v", after)
	}
}
