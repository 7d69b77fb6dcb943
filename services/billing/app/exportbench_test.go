package app_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/store"
	"github.com/kehou/kehou/services/platform/pgtest"
)

// countingWriter counts the bytes an export writes, and drops them.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// BenchmarkPaySheetExport streams a school month's pay sheet (课酬发放表:
// one row a person, then one row a pay line) from the database to a
// discarding writer, as xlsx and as CSV, for a month of 1,000 and of
// 10,000 people (20,000 and 200,000 lines; the second is the size of a
// 300-school district's month of about 34 staff with 20 sessions each),
// and reports the peak live heap while writing. Bounded memory shows as a
// peak that does not grow tenfold with the rows. The month is issued by a
// pay run first, outside the timing.
//
//	go test -run '^$' -bench PaySheetExport -benchtime 1x -timeout 30m ./services/billing/app
func BenchmarkPaySheetExport(b *testing.B) {
	for _, staff := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("staff=%d", staff), func(b *testing.B) {
			for range b.N {
				exportMonth(b, staff)
			}
		})
	}
}

// exportMonth issues a month of staff people (not timed) and times its
// pay sheet's export in each format.
func exportMonth(b *testing.B, staff int) {
	b.StopTimer()
	db := pgtest.Pool(b)
	st := store.New(db)
	feed := &fakeFeed{district: "350501", schools: 1, students: 1}
	school := feed.schoolID(0)
	if _, err := st.CreateRateTable(context.Background(), benchPayTable("350501")); err != nil {
		b.Fatal(err)
	}
	runs := app.NewPayRuns(st, feed, feed, newFakeHours("350501", staff, 20))
	if _, _, err := runs.CreateRun(context.Background(), app.PayRunRequest{SchoolID: school, RequestID: "bench", Year: 2024, Month: 9}); err != nil {
		b.Fatal(err)
	}
	ex := app.NewExports(st, feed, noDirectory{})
	rows := staff + staff*20
	b.StartTimer()
	defer b.StopTimer()
	for _, format := range []string{"xlsx", "csv"} {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		stop := make(chan struct{})
		go peakHeap(stop, &peak)
		out := &countingWriter{}
		t0 := time.Now()
		err := ex.PaySheet(context.Background(), school, 2024, 9, "", format, false, func(app.File) (io.Writer, error) { return out, nil })
		d := time.Since(t0)
		close(stop)
		if err != nil {
			b.Fatal(err)
		}
		peakMB := float64(peak.Load()) / (1 << 20)
		b.ReportMetric(peakMB, format+"-peak-heap-MB")
		b.ReportMetric(d.Seconds(), format+"-s")
		b.ReportMetric(float64(out.n)/(1<<20), format+"-MB")
		b.Logf("%s: %d rows (%d people, %d lines), %.1f MB written in %s; live heap before %.1f MB, peak %.1f MB",
			format, rows, staff, staff*20, float64(out.n)/(1<<20), d, float64(base.HeapAlloc)/(1<<20), peakMB)
	}
}

// noDirectory answers no names: the benchmark measures the streamed rows,
// not staffing's feed (the pay sheet reads it once per school, before the file).
type noDirectory struct{}

func (noDirectory) Identities(context.Context, string, []string) (map[string]facts.Identity, error) {
	return nil, nil
}
