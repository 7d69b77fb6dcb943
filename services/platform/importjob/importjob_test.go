package importjob

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/platform/sheet"
)

// jobsTable gives the test its own import_jobs, shaped like timetable's
// (the services' tables are the same shape) but without the school key.
func jobsTable(t *testing.T) *Store {
	t.Helper()
	pool := pgtest.Pool(t)
	if _, err := pool.Exec(context.Background(), `CREATE SCHEMA jobs_test;
		CREATE TABLE jobs_test.import_jobs (LIKE timetable.import_jobs INCLUDING ALL)`); err != nil {
		t.Fatal(err)
	}
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
