package app_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/timetable/app"
	"github.com/kehou/kehou/services/timetable/domain/org"
	"github.com/kehou/kehou/services/timetable/domain/school"
	"github.com/kehou/kehou/services/timetable/store"
	"github.com/xuri/excelize/v2"
)

// rosterRow is row i of a generated roster: 40 classes, real-looking
// names, phones and dates, every tenth student with a hardship category.
func rosterRow(i int) []any {
	h := ""
	if i%10 == 0 {
		h = "低保"
	}
	return []any{fmt.Sprintf("G3504022016%08d", i), fmt.Sprintf("学生%05d", i), fmt.Sprintf("三(%d)班", i%40+1),
		fmt.Sprintf("2016-%02d-%02d", i%12+1, i%28+1), h, "否", fmt.Sprintf("家长%05d", i), fmt.Sprintf("138%08d", i), "母亲", "", "", ""}
}

// writeRoster streams an n-row roster to an .xlsx file and returns its path.
func writeRoster(b *testing.B, n int) string {
	b.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	head := []any{"学籍号", "姓名", "班级", "出生日期", "困难类别", "困难已核实", "监护人1姓名", "监护人1电话", "监护人1关系", "监护人2姓名", "监护人2电话", "监护人2关系"}
	if err := sw.SetRow("A1", head); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, rosterRow(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), fmt.Sprintf("roster-%d.xlsx", n))
	if err := f.SaveAs(p); err != nil {
		b.Fatal(err)
	}
	return p
}

// peakHeap samples the heap in use every millisecond until stop is called,
// and returns the highest value above the starting one.
func peakHeap() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		if p := peak.Load(); p > base {
			return p - base
		}
		return 0
	}
}

// BenchmarkImportRoster imports a generated roster (.xlsx) into an empty
// school and, in the same run, COPYs the same rows, already parsed, straight
// into the students table of another school: the floor no import can beat. It reports rows/s of
// both, their ratio, and the heap the import used above its start (GC
// at 20% so the peak tracks live memory) against the file's size; run
// with -bench ImportRoster -benchtime 1x to compare 10k with 50k rows.
func BenchmarkImportRoster(b *testing.B) {
	pool := pgtest.Pool(b)
	a := app.New(store.New(pool), nil)
	if _, err := a.CreateDistrict(ctx, org.District{ID: "350402", Name: "三元区", Policy: org.Policy{OffWork: 17 * 60,
		ServiceDaysPerWeek: 5, PeriodMinutesPrimary: 40, PeriodMinutesJuniorMiddle: 45}}); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10000, 50000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			path := writeRoster(b, n)
			st, _ := os.Stat(path)
			var importSec, copySec float64
			var peak uint64
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				sc, err := a.CreateSchool(ctx, org.School{DistrictID: "350402", Name: fmt.Sprintf("学校%d-%d", n, i), Stage: org.StagePrimary})
				if err != nil {
					b.Fatal(err)
				}
				for c := 1; c <= 40; c++ {
					if _, err := a.CreateClass(ctx, sc.ID, school.Class{Grade: 3, Name: fmt.Sprintf("三(%d)班", c), Size: 45}); err != nil {
						b.Fatal(err)
					}
				}
				// The floor: the same rows, already parsed and given ids,
				// COPYed into the students table (same indexes and keys) of a
				// second school in one transaction.
				floor, err := a.CreateSchool(ctx, org.School{DistrictID: "350402", Name: fmt.Sprintf("对照%d-%d", n, i), Stage: org.StagePrimary})
				if err != nil {
					b.Fatal(err)
				}
				cls, err := a.CreateClass(ctx, floor.ID, school.Class{Grade: 3, Name: "三(1)班", Size: 45})
				if err != nil {
					b.Fatal(err)
				}
				rows := make([][]any, n)
				for r := range n {
					v := rosterRow(r)
					rows[r] = []any{"350402", floor.ID, fmt.Sprintf("stu_%012d", r), v[0], cls.ID, v[1],
						[]byte(`[{"name":"` + v[6].(string) + `","phone":"` + v[7].(string) + `","relation":"母亲"}]`), v[4], false,
						time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)}
				}
				t0 := time.Now()
				tx, err := pool.Begin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{"timetable", "students"}, []string{"district_id", "school_id", "student_id",
					"student_number", "class_id", "name", "guardians", "hardship_category", "hardship_verified", "birth_date"}, pgx.CopyFromRows(rows)); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(ctx); err != nil {
					b.Fatal(err)
				}
				copySec += time.Since(t0).Seconds()
				rows = nil
				old := debug.SetGCPercent(20)
				stop := peakHeap()
				b.StartTimer()
				t1 := time.Now()
				rep, err := a.Import(ctx, sc.ID, path, app.ImportOptions{Kind: app.KindStudents}, nil)
				importSec += time.Since(t1).Seconds()
				b.StopTimer()
				peak = max(peak, stop())
				debug.SetGCPercent(old)
				if err != nil || !rep.Applied || rep.New != n {
					b.Fatalf("import: %v %+v", err, rep.Errors)
				}
				b.StartTimer()
			}
			runs := float64(b.N)
			b.ReportMetric(float64(n)*runs/importSec, "import-rows/s")
			b.ReportMetric(float64(n)*runs/copySec, "copy-rows/s")
			b.ReportMetric(copySec/importSec, "import/copy-speed")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(st.Size())/(1<<20), "file-MiB")
		})
	}
}
