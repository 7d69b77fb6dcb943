package sheet_test

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/kehou/kehou/services/platform/sheet"
)

// BenchmarkStream writes session lines of a district's month to io.Discard
// and reports the peak live heap while writing (peak-heap-MB, sampled every
// 5,000 rows and after Close). 144,000 rows is a 300-school month (30 staff
// a school, 16 sessions each); bounded memory shows as the same peak at 10×
// fewer rows.
func BenchmarkStream(b *testing.B) {
	for _, f := range []struct {
		name string
		f    sheet.Format
	}{{"xlsx", sheet.XLSX}, {"csv", sheet.CSV}} {
		for _, rows := range []int{14_400, 144_000} {
			b.Run(fmt.Sprintf("%s/rows=%d", f.name, rows), func(b *testing.B) {
				var peak uint64
				for b.Loop() {
					runtime.GC()
					if p := writeRows(b, f.f, rows); p > peak {
						peak = p
					}
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			})
		}
	}
}

func writeRows(b *testing.B, f sheet.Format, rows int) uint64 {
	var ms runtime.MemStats
	var peak uint64
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	w, err := sheet.NewWriter(io.Discard, f)
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Sheet("课酬明细", payCols); err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		err := w.Row(sheet.S(strconv.Itoa(100000+i/16)), sheet.S("张老师"), sheet.D(start.AddDate(0, 0, i%28)),
			sheet.N(int64(1+i%3)), sheet.A(decimal.New(int64(4000+i%977), -2)))
		if err != nil {
			b.Fatal(err)
		}
		if i%5000 == 0 {
			sample()
		}
	}
	if err := w.Total("合计"); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	sample()
	return peak
}
