package solver

import (
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"time"
)

// mon is the Monday all hand-written test weeks start on.
var mon = civil.New(2025, time.March, 3)

// staffOpt sets an optional field of a test staff member.
type staffOpt func(*Staff)

func newTeacher(id string, opts ...staffOpt) Staff {
	s := Staff{ID: id, Kind: KindTeacher, OptedIn: true}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func newAdmin(id string, opts ...staffOpt) Staff {
	s := Staff{ID: id, Kind: KindAdmin, OptedIn: true}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func newInstructor(id, inst string, opts ...staffOpt) Staff {
	s := Staff{ID: id, Kind: KindOutsideInstructor, InstitutionID: inst, OptedIn: true}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func qualifiedFor(ks ...ActivityKind) staffOpt {
	return func(s *Staff) { s.Qualifications = append(s.Qualifications, ks...) }
}

func classTeacherOf(c string) staffOpt {
	return func(s *Staff) { s.ClassTeacherOf = c; s.ClassesTaught = append(s.ClassesTaught, c) }
}

func teaches(cs ...string) staffOpt {
	return func(s *Staff) { s.ClassesTaught = append(s.ClassesTaught, cs...) }
}

func notOptedIn() staffOpt { return func(s *Staff) { s.OptedIn = false } }

func limits(l Limits) staffOpt { return func(s *Staff) { s.Limits = l } }

func availableOn(sl ...Slot) staffOpt {
	return func(s *Staff) { s.Availability = append(s.Availability, sl...) }
}

// demandOpt sets an optional field of a test demand.
type demandOpt func(*Demand)

// homework is a class's homework segment on day (0 = Monday), 15:30-16:30.
func homework(id string, day int, class string, opts ...demandOpt) Demand {
	d := Demand{ID: id, Date: mon.AddDays(day), Segment: SegmentHomework, Start: Clock(15, 30), End: Clock(16, 30),
		Periods: 1, Role: RoleSupervisor, ClassID: class, Count: 1}
	for _, o := range opts {
		o(&d)
	}
	return d
}

// club is a club session on day (0 = Monday), 16:40-17:40.
func club(id string, day int, kind ActivityKind, opts ...demandOpt) Demand {
	d := Demand{ID: id, Date: mon.AddDays(day), Segment: SegmentClub, Start: Clock(16, 40), End: Clock(17, 40),
		Periods: 1, Role: RoleInstructor, ActivityKind: kind, ClubID: "club-" + id, Count: 1}
	for _, o := range opts {
		o(&d)
	}
	return d
}

// patrol is a patrol duty on day (0 = Monday), 15:30-16:30.
func patrol(id string, day int, opts ...demandOpt) Demand {
	d := Demand{ID: id, Date: mon.AddDays(day), Segment: SegmentHomework, Start: Clock(15, 30), End: Clock(16, 30),
		Periods: 1, Role: RolePatrol, Count: 1}
	for _, o := range opts {
		o(&d)
	}
	return d
}

func byInstitution(inst string) demandOpt { return func(d *Demand) { d.InstitutionID = inst } }

func count(n int) demandOpt { return func(d *Demand) { d.Count = n } }

func at(start, end TimeOfDay) demandOpt { return func(d *Demand) { d.Start, d.End = start, end } }

func approvedInstitution(id string, kinds ...ActivityKind) Institution {
	return Institution{ID: id, Approved: true, LicenceNo: "L-" + id,
		LicenceFrom: civil.New(2024, time.September, 1), LicenceUntil: civil.New(2026, time.August, 31), ApprovedKinds: kinds}
}

func assign(pairs ...string) []Assignment {
	if len(pairs)%2 != 0 {
		panic(fmt.Sprintf("assign needs demand/staff pairs, got %d values", len(pairs)))
	}
	var as []Assignment
	for i := 0; i < len(pairs); i += 2 {
		as = append(as, Assignment{DemandID: pairs[i], StaffID: pairs[i+1]})
	}
	return as
}
