package app_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/store"
	"github.com/kehou/kehou/services/platform/pgtest"
)

// benchStudents is N for BenchmarkFeeRun: KEHOU_BENCH_STUDENTS, default 2,000 so
// that `go test -bench` stays small; the load measurement sets 300000.
func benchStudents(b *testing.B) int {
	n := 2000
	if v := os.Getenv("KEHOU_BENCH_STUDENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("KEHOU_BENCH_STUDENTS=%q: want a positive number", v)
		}
	}
	return n
}

// peakHeap samples the live heap until stop is closed.
func peakHeap(stop <-chan struct{}, peak *atomic.Uint64) {
	var ms runtime.MemStats
	t := time.NewTicker(20 * time.Millisecond)
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

// BenchmarkFeeRun issues a district fee run of N students (1,000 per school,
// facts generated on the fly by fakeFeed in place of timetable's gRPC streams)
// into a fresh database, then measures the floor in the same database: COPY
// of as many statement and line rows of the same shape (and, separately,
// postings and entries), rolled back. Run the city-size measurement with
//
//	KEHOU_BENCH_STUDENTS=300000 go test -run x -bench FeeRun -benchtime 1x -timeout 30m ./services/billing/app
func BenchmarkFeeRun(b *testing.B) {
	n := benchStudents(b)
	perSchool := min(n, 1000)
	schools := (n + perSchool - 1) / perSchool
	for range b.N {
		b.StopTimer()
		db := pgtest.Pool(b)
		feed := &fakeFeed{district: "350501", schools: schools, students: perSchool}
		st := store.New(db)
		if _, err := st.CreateSchedule(context.Background(), acceptanceSchedule("350501"), ""); err != nil {
			b.Fatal(err)
		}
		f := app.NewFees(st, feed)
		f.Options.Timing = &app.RunTiming{}
		runtime.GC()
		var peak atomic.Uint64
		stop := make(chan struct{})
		go peakHeap(stop, &peak)
		b.StartTimer()
		t0 := time.Now()
		run, err := f.CreateRun(context.Background(), districtRun("bench"))
		e2e := time.Since(t0)
		b.StopTimer()
		close(stop)
		if err != nil {
			b.Fatal(err)
		}
		if run.Statements != schools*perSchool {
			b.Fatalf("issued %d statements, want %d", run.Statements, schools*perSchool)
		}
		floor, floorAll := copyFloor(b, db)
		var snapshotBytes int64
		if err := db.QueryRow(context.Background(), `SELECT coalesce(sum(octet_length(inputs)), 0) FROM billing.run_inputs`).Scan(&snapshotBytes); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(snapshotBytes)/(1<<20), "snapshot-MB")
		// The replay of the run from its stored inputs (VerifyFeeRun), outside the timed run.
		t1 := time.Now()
		v, err := f.VerifyRun(context.Background(), "350501", run.ID)
		verify := time.Since(t1)
		if err != nil {
			b.Fatal(err)
		}
		if !v.Identical() || v.StatementsIdentical != run.Statements {
			b.Fatalf("verify: %d of %d statements identical, hash matches %v", v.StatementsIdentical, run.Statements, v.HashMatches)
		}
		b.ReportMetric(verify.Seconds(), "verify-s")
		students := float64(f.Options.Timing.Students)
		b.ReportMetric(float64(f.Options.Timing.Engine.Nanoseconds())/students, "engine-ns/student")
		b.ReportMetric(float64(e2e.Nanoseconds())/students, "e2e-ns/student")
		b.ReportMetric(e2e.Seconds(), "e2e-s")
		b.ReportMetric(f.Options.Timing.Write.Seconds(), "write-s")
		b.ReportMetric(f.Options.Timing.Lookup.Seconds(), "lookup-s")
		b.ReportMetric(floor.Seconds(), "floor-s")
		b.ReportMetric(floorAll.Seconds(), "floor+ledger-s")
		b.ReportMetric(e2e.Seconds()/floor.Seconds(), "x-floor")
		b.ReportMetric(e2e.Seconds()/floorAll.Seconds(), "x-floor+ledger")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
		b.Logf("N=%d schools=%d e2e=%s engine=%s write=%s lookup=%s floor(statements+lines)=%s floor(+postings+entries)=%s peak heap %.1f MB",
			int(students), schools, e2e, f.Options.Timing.Engine, f.Options.Timing.Write, f.Options.Timing.Lookup, floor, floorAll, float64(peak.Load())/(1<<20))
	}
}

// copyFloor times COPY of as many rows as the run wrote into statements and
// statement_lines (then also postings and entries), each row a copy of one
// the run wrote with a fresh key, in one transaction that is rolled back.
func copyFloor(b *testing.B, db *pgxpool.Pool) (floor, withLedger time.Duration) {
	ctx := context.Background()
	type table struct {
		name, key string
		keyCol    int
	}
	tables := []table{{"statements", "statement_id", 2}, {"statement_lines", "statement_id", 2}, {"postings", "posting_id", 2}, {"entries", "posting_id", 2}}
	tx, err := db.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var total time.Duration
	counts := map[string]int{}
	for i, t := range tables {
		var count int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM billing."+t.name).Scan(&count); err != nil {
			b.Fatal(err)
		}
		counts[t.name] = count
		// Entries are spread evenly over the floor's postings, as many a posting as the run wrote.
		perPosting := 1
		if t.name == "entries" {
			perPosting = (count + counts["postings"] - 1) / counts["postings"]
		}
		rows, err := tx.Query(ctx, "SELECT * FROM billing."+t.name+" ORDER BY district_id, school_id, "+t.key+" LIMIT 1")
		if err != nil {
			b.Fatal(err)
		}
		var cols []string
		for _, fd := range rows.FieldDescriptions() {
			cols = append(cols, fd.Name)
		}
		if !rows.Next() {
			b.Fatalf("no rows in %s", t.name)
		}
		tmpl, err := rows.Values()
		rows.Close()
		if err != nil {
			b.Fatal(err)
		}
		k := 0
		row := make([]any, len(tmpl))
		t0 := time.Now()
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"billing", t.name}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if k == count {
				return nil, nil
			}
			copy(row, tmpl)
			row[t.keyCol] = "floor-" + strconv.Itoa(k)
			if t.name == "statements" {
				row[4] = "floor-" + strconv.Itoa(k) // student_id, for the unique revision key
			}
			if t.name == "entries" {
				row[t.keyCol] = "floor-" + strconv.Itoa(k/perPosting)
				row[3] = int32(k%perPosting + 1)
			}
			k++
			return row, nil
		}))
		d := time.Since(t0)
		if err != nil {
			b.Fatal(fmt.Errorf("copy %s: %w", t.name, err))
		}
		total += d
		if i == 1 {
			floor = total
		}
	}
	return floor, total
}
