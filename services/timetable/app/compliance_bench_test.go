package app_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/timetable/app"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/org"
	"github.com/kehou/kehou/services/timetable/domain/school"
	"github.com/kehou/kehou/services/timetable/store"
)

// BenchmarkCompliance is the "5+2" report of the load test's school (see
// cmd/kehouload seedSchool) with ten classes: September 2024 with a
// holiday, basic care 16:00–17:20 every weekday, so every class ends
// before the 17:30 off-work time every school day (190 violations). It
// runs the whole use case against the database: load, derive, check.
func BenchmarkCompliance(b *testing.B) {
	a := app.New(store.New(pgtest.Pool(b)), nil)
	if _, err := a.CreateDistrict(ctx, org.District{ID: "350403", Name: "沙县区", Policy: org.Policy{OffWork: 17*60 + 30,
		MinMinutesPerDay: 80, ServiceDaysPerWeek: 5, PeriodMinutesPrimary: 40, PeriodMinutesJuniorMiddle: 45}}); err != nil {
		b.Fatal(err)
	}
	sc, err := a.CreateSchool(ctx, org.School{DistrictID: "350403", Name: "压测小学", Stage: org.StagePrimary})
	if err != nil {
		b.Fatal(err)
	}
	for k := range 10 {
		r, err := a.CreateRoom(ctx, sc.ID, school.Room{Name: fmt.Sprintf("%d教室", 101+k), Kind: school.RoomClassroom, Capacity: 50})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.CreateClass(ctx, sc.ID, school.Class{Grade: k%6 + 1, Name: fmt.Sprintf("%d年级%d班", k%6+1, k/6+1), Size: 40, HomeRoomID: r.ID}); err != nil {
			b.Fatal(err)
		}
	}
	sept := func(d int) civil.Date { return civil.New(2024, time.September, d) }
	term, _, err := a.CreateTerm(ctx, sc.ID, school.Term{Calendar: calendar.Term{Name: "2024秋", Start: sept(2), End: sept(27)},
		Holidays: []calendar.Holiday{{Date: sept(16), Name: "中秋节"}}})
	if err != nil {
		b.Fatal(err)
	}
	var windows []school.Window
	for wd := calendar.Monday; wd <= calendar.Friday; wd++ {
		windows = append(windows, school.Window{Weekday: wd, Start: calendar.Clock(16, 0), End: calendar.Clock(17, 20)})
	}
	if _, _, err := a.CreateItem(ctx, sc.ID, term.ID, school.Item{Kind: school.ItemBasicCare, Name: "课后基础托管", Segment: 1, Windows: windows}); err != nil {
		b.Fatal(err)
	}
	if _, err := a.GeneratePlan(ctx, sc.ID, term.ID, 1, nil); err != nil {
		b.Fatal(err)
	}
	rep, err := a.Compliance(ctx, sc.ID, term.ID, civil.Date{})
	if err != nil {
		b.Fatal(err)
	}
	if n := len(rep.Violations()); n != 190 {
		b.Fatalf("%d violations, want 190", n)
	}
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		if _, err := a.Compliance(ctx, sc.ID, term.ID, civil.Date{}); err != nil {
			b.Fatal(err)
		}
	}
	// The process's CPU time (user and system, GC included) per report:
	// what the report costs this service, without the database's share
	// and the waiting, which ns/op includes.
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
