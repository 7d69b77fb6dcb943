package solver

import (
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"math/rand/v2"
	"time"
)

// Generate builds a realistic school week (Monday 2025-03-03 to Friday) for
// benchmarks, tests and demos: staff people (about 1/10 outside instructors
// in institutions of four, 1/15 admins, the rest teachers), classes classes
// each with a class teacher and three subject teachers, and clubs clubs
// (some run by institutions). Each day has a homework segment (a supervisor
// per class and a patrol), a club segment (an instructor per club and a
// patrol) and extended care (extra adults at 30 students per adult). With
// staff at least about 1.5 × classes + clubs/2 the week can be fully staffed
// (TestSolveGeneratedIsFeasible checks the benchmark size); fewer staff give
// a realistic shortage. The same seed always gives the same problem. Counts
// below the minimum (3 staff, 0 classes or clubs) are raised to it.
func Generate(seed uint64, staff, classes, clubs int) Problem {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	kinds := ActivityKinds()
	var p Problem
	staff, classes, clubs = max(staff, 3), max(classes, 0), max(clubs, 0)

	nInstr := max(1, staff/10)
	nAdmin := max(1, staff/15)
	nTeach := staff - nInstr - nAdmin
	nInst := (nInstr + 3) / 4

	classID := func(c int) string { return fmt.Sprintf("c%02d", c+1) }
	clubID := func(k int) string { return fmt.Sprintf("k%02d", k+1) }
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

	// Institutions: approved, licensed for the term, two course kinds each.
	instKinds := make([][]ActivityKind, nInst)
	for i := range nInst {
		a := rng.IntN(len(kinds))
		b := (a + 1 + rng.IntN(len(kinds)-1)) % len(kinds)
		instKinds[i] = []ActivityKind{kinds[a], kinds[b]}
		p.Institutions = append(p.Institutions, Institution{
			ID: fmt.Sprintf("inst%d", i+1), Approved: true, LicenceNo: fmt.Sprintf("JY-%04d", 1000+i),
			LicenceFrom: civil.New(2024, time.September, 1), LicenceUntil: civil.New(2026, time.August, 31),
			ApprovedKinds: instKinds[i],
		})
	}
	instrOf := make([]int, nInst)
	for i := range nInstr {
		inst := i % nInst
		instrOf[inst]++
		p.Staff = append(p.Staff, Staff{
			ID: fmt.Sprintf("i%03d", i+1), Kind: KindOutsideInstructor, InstitutionID: p.Institutions[inst].ID,
			OptedIn: true, Qualifications: instKinds[inst],
			Availability: everyDay(weekdays, Window{Clock(16, 0), Clock(19, 0)}),
			Limits:       Limits{MaxPeriodsPerWeek: 8, MaxDaysPerWeek: 5, MaxPeriodsPerDay: 2},
		})
	}
	for i := range nAdmin {
		p.Staff = append(p.Staff, Staff{
			ID: fmt.Sprintf("a%03d", i+1), Kind: KindAdmin, OptedIn: true,
			Qualifications: []ActivityKind{kinds[rng.IntN(len(kinds))]},
			Availability:   everyDay(weekdays, Window{Clock(15, 0), Clock(18, 30)}),
			Limits:         Limits{MaxPeriodsPerWeek: 8, MaxDaysPerWeek: 5, MaxPeriodsPerDay: 3},
		})
	}
	// Teachers: the first ones are class teachers; every class also has
	// three subject teachers.
	taught := make([][]string, nTeach)
	for c := range classes {
		for j := range 3 {
			t := (c*3 + j + classes) % nTeach
			taught[t] = append(taught[t], classID(c))
		}
	}
	for i := range nTeach {
		s := Staff{
			ID: fmt.Sprintf("t%03d", i+1), Kind: KindTeacher, OptedIn: rng.IntN(100) < 93,
			Subjects: []string{[]string{"chinese", "maths", "english", "pe", "music", "art", "science"}[rng.IntN(7)]},
			Limits:   Limits{MaxPeriodsPerWeek: 10, MaxDaysPerWeek: 5, MaxPeriodsPerDay: 3},
		}
		if i < classes {
			s.ClassTeacherOf = classID(i)
			s.ClassesTaught = append(s.ClassesTaught, classID(i))
		}
		s.ClassesTaught = append(s.ClassesTaught, taught[i]...)
		for range 1 + rng.IntN(2) {
			if k := kinds[rng.IntN(len(kinds))]; !containsKind(s.Qualifications, k) {
				s.Qualifications = append(s.Qualifications, k)
			}
		}
		switch r := rng.IntN(100); {
		case r < 15: // a weekly meeting: one weekday off
			off := weekdays[rng.IntN(len(weekdays))]
			for _, wd := range weekdays {
				if wd != off {
					s.Availability = append(s.Availability, Slot{Weekday: wd})
				}
			}
		case r < 20: // leaves before extended care
			s.Availability = everyDay(weekdays, Window{Clock(15, 0), Clock(17, 45)})
		}
		if rng.IntN(100) < 15 {
			s.Limits.MaxPeriodsPerWeek = 6
		}
		if rng.IntN(100) < 25 {
			s.Preferences.Weekdays = []time.Weekday{weekdays[rng.IntN(5)], weekdays[rng.IntN(5)], weekdays[rng.IntN(5)]}
		}
		if rng.IntN(100) < 15 {
			s.Preferences.Segments = []Segment{SegmentClub}
		}
		p.Staff = append(p.Staff, s)
	}

	// Clubs: institutions run one fewer club than they have instructors, so
	// each day has a spare; the rest are school clubs.
	type club struct {
		kind ActivityKind
		inst string
	}
	var cl []club
	for i := range nInst {
		for j := 0; j < instrOf[i]-1 && len(cl) < clubs/3; j++ {
			cl = append(cl, club{kind: instKinds[i][j%2], inst: p.Institutions[i].ID})
		}
	}
	for len(cl) < clubs {
		cl = append(cl, club{kind: kinds[rng.IntN(len(kinds))]})
	}

	for di, wd := range weekdays {
		date := civil.New(2025, time.March, 3+di)
		prefix := date.String()
		for c := range classes {
			p.Demands = append(p.Demands, Demand{
				ID: fmt.Sprintf("%s-hw-%s", prefix, classID(c)), Date: date, Segment: SegmentHomework,
				Start: Clock(15, 30), End: Clock(16, 30), Periods: 1, Role: RoleSupervisor, ClassID: classID(c), Count: 1,
			})
			prevTeacher := c
			if rng.IntN(100) < 30 && len(taught) > 0 {
				prevTeacher = (c*3 + rng.IntN(3) + classes) % nTeach
			}
			if prevTeacher < nTeach {
				p.Previous = append(p.Previous, PreviousAssignment{
					StaffID: fmt.Sprintf("t%03d", prevTeacher+1), Role: RoleSupervisor, ClassID: classID(c), Weekday: wd,
				})
			}
		}
		for k, c := range cl {
			p.Demands = append(p.Demands, Demand{
				ID: fmt.Sprintf("%s-club-%s", prefix, clubID(k)), Date: date, Segment: SegmentClub,
				Start: Clock(16, 40), End: Clock(17, 40), Periods: 1, Role: RoleInstructor,
				ActivityKind: c.kind, InstitutionID: c.inst, ClubID: clubID(k), Count: 1,
			})
		}
		for i, seg := range []Segment{SegmentHomework, SegmentClub} {
			start := []TimeOfDay{Clock(15, 30), Clock(16, 40)}[i]
			p.Demands = append(p.Demands, Demand{
				ID: fmt.Sprintf("%s-patrol-%s", prefix, seg), Date: date, Segment: seg,
				Start: start, End: start + 60, Periods: 1, Role: RolePatrol, Count: 1,
			})
		}
		adults, _ := AdultsNeeded(classes*(3+rng.IntN(4)), 30)
		if adults > 0 {
			p.Demands = append(p.Demands, Demand{
				ID: fmt.Sprintf("%s-ext", prefix), Date: date, Segment: SegmentExtended,
				Start: Clock(17, 45), End: Clock(18, 30), Periods: 1, Role: RoleExtraAdult, Count: adults,
			})
		}
	}
	return p
}

func everyDay(days []time.Weekday, w Window) []Slot {
	out := make([]Slot, len(days))
	for i, d := range days {
		out[i] = Slot{Weekday: d, Window: w}
	}
	return out
}
