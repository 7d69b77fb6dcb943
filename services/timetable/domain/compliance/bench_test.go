package compliance

import (
	"strconv"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// loadInput is the input the app builds for the load test's school (see
// cmd/kehouload seedSchool): September 2024 with a holiday, basic care
// 16:00–17:20 every school day, ending before the 17:30 off-work time, so
// every class breaks the end-time rule every day; here for ten classes.
func loadInput(b *testing.B) Input {
	term := calendar.Term{SchoolID: "s1", Name: "2024秋", Start: civil.New(2024, time.September, 2), End: civil.New(2024, time.September, 27)}
	cal, err := calendar.Days(term, []calendar.Holiday{{Date: civil.New(2024, time.September, 16), Name: "中秋节"}}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	p := policy()
	p.MinMinutesPerDay = 80
	in := Input{Policy: p, School: School{ID: "s1", Stage: StagePrimary}, Days: cal}
	for k := range 10 {
		in.Classes = append(in.Classes, Class{ID: "c" + strconv.Itoa(k), Grade: k%6 + 1})
	}
	for _, d := range cal {
		if !d.SchoolDay {
			continue
		}
		for _, c := range in.Classes {
			in.Sessions = append(in.Sessions, Session{Date: d.Date, ClassID: c.ID, Kind: ItemBasicCare, Start: at(16, 0), End: at(17, 20)})
		}
	}
	return in
}

func BenchmarkCheckLoad(b *testing.B) {
	in := loadInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Check(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckRich(b *testing.B) {
	in := rich(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Check(in); err != nil {
			b.Fatal(err)
		}
	}
}
