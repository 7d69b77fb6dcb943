package solver

import "github.com/kehou/kehou/services/platform/civil"

// Rule names a hard rule, so a violation can be mapped to a clear message
// (and, in the service, to FailedPrecondition).
type Rule string

// Hard rules. Each is defined by one package-level function below, used by
// the solver, by Check and by Conflicts alike.
const (
	// RuleQualified: supervisors are teachers; instructors hold the club's
	// activity kind; extra adults and patrols are teachers or admins.
	RuleQualified Rule = "qualified"
	// RuleAvailable: the person is available at that weekday, segment and time.
	RuleAvailable Rule = "available"
	// RuleOptedIn: the person opted in for after-school service this term.
	RuleOptedIn Rule = "opted_in"
	// RuleNoOverlap: nobody is in two places at once (overlapping times on
	// the same date).
	RuleNoOverlap Rule = "no_overlap"
	// RuleWeeklyPeriods: periods per ISO week within Limits.MaxPeriodsPerWeek.
	RuleWeeklyPeriods Rule = "weekly_periods"
	// RuleDailyPeriods: periods per date within Limits.MaxPeriodsPerDay.
	RuleDailyPeriods Rule = "daily_periods"
	// RuleDaysPerWeek: working days per ISO week within Limits.MaxDaysPerWeek.
	RuleDaysPerWeek Rule = "days_per_week"
	// RuleInstitutionMatch: an outside instructor only teaches clubs of their
	// own institution, and an institution's club is taught only by that
	// institution's instructors.
	RuleInstitutionMatch Rule = "institution_match"
	// RuleInstitutionApproved: the club's institution is approved, its
	// licence valid on the date and the course kind approved.
	RuleInstitutionApproved Rule = "institution_approved"
	// RuleRatio: a demand has fewer people than its Count (for extended care,
	// the students-per-adult ratio is not met).
	RuleRatio Rule = "ratio"
	// RuleOverAssigned: a demand has more people than its Count.
	RuleOverAssigned Rule = "over_assigned"
	// RuleDuplicate: the same person is assigned twice to the same demand.
	RuleDuplicate Rule = "duplicate"
	// RuleUnknownReference: an assignment names a demand or staff member that
	// does not exist.
	RuleUnknownReference Rule = "unknown_reference"
)

// Violation is one breach of a hard rule by a plan or a proposed assignment.
type Violation struct {
	Rule     Rule
	DemandID string
	StaffID  string
	// OtherDemandID is the clashing demand for RuleNoOverlap and RuleDuplicate.
	OtherDemandID string
	Detail        string
}

// qualified is RuleQualified.
func qualified(s *Staff, d *Demand) bool {
	switch d.Role {
	case RoleSupervisor:
		return s.Kind == KindTeacher
	case RoleInstructor:
		return containsKind(s.Qualifications, d.ActivityKind)
	case RoleExtraAdult, RolePatrol:
		return s.Kind == KindTeacher || s.Kind == KindAdmin
	}
	return false
}

// optedIn is RuleOptedIn.
func optedIn(s *Staff) bool { return s.OptedIn }

// available is RuleAvailable: some availability slot covers the demand's
// weekday, segment and time; no slots at all means always available.
func available(s *Staff, d *Demand) bool {
	if len(s.Availability) == 0 {
		return true
	}
	wd := d.Weekday()
	for _, sl := range s.Availability {
		if sl.Weekday != wd || (sl.Segment != "" && sl.Segment != d.Segment) {
			continue
		}
		if sl.Window.isZero() || sl.Window.contains(d.Start, d.End) {
			return true
		}
	}
	return false
}

// institutionMatch is RuleInstitutionMatch. School staff are never the
// instructor of an institution's club: the institution provides (and is paid
// for) the teacher; a school adult who should also be there is a separate
// extra_adult demand.
func institutionMatch(s *Staff, d *Demand) bool {
	if s.Kind == KindOutsideInstructor {
		return d.Role == RoleInstructor && d.InstitutionID == s.InstitutionID
	}
	return d.InstitutionID == ""
}

// institutionApproved is RuleInstitutionApproved; nil when the demand has no
// institution or the institution may provide it on its date.
func institutionApproved(insts map[string]*Institution, d *Demand) error {
	if d.InstitutionID == "" {
		return nil
	}
	in, ok := insts[d.InstitutionID]
	if !ok {
		return ErrInstitutionNotApproved
	}
	return CheckInstitution(*in, d.Date, d.ActivityKind)
}

// overlaps is RuleNoOverlap: it reports whether two sessions clash, that is
// share a date and overlapping times. Back-to-back sessions do not clash.
func overlaps(aDate civil.Date, aStart, aEnd TimeOfDay, bDate civil.Date, bStart, bEnd TimeOfDay) bool {
	return aDate == bDate && aStart < bEnd && bStart < aEnd
}

// withinWeeklyPeriods is RuleWeeklyPeriods for a week that would hold
// periods in total.
func withinWeeklyPeriods(l Limits, periods int) bool {
	return l.MaxPeriodsPerWeek == 0 || periods <= l.MaxPeriodsPerWeek
}

// withinDailyPeriods is RuleDailyPeriods for a date that would hold periods
// in total.
func withinDailyPeriods(l Limits, periods int) bool {
	return l.MaxPeriodsPerDay == 0 || periods <= l.MaxPeriodsPerDay
}

// withinDaysPerWeek is RuleDaysPerWeek for a week that would have days
// working days.
func withinDaysPerWeek(l Limits, days int) bool {
	return l.MaxDaysPerWeek == 0 || days <= l.MaxDaysPerWeek
}

// ratioMet is RuleRatio together with RuleOverAssigned: it returns -1 when
// the demand has too few people, +1 when too many and 0 when exactly Count.
func ratioMet(d *Demand, assigned int) int {
	switch {
	case assigned < d.Count:
		return -1
	case assigned > d.Count:
		return 1
	}
	return 0
}

// Weights of the soft goals. They are costs (lower is better) added per
// assignment, except WeightFairness which multiplies the unfairness of the
// whole plan. The own-class costs are the largest because a familiar teacher
// matters most to students; continuity comes next; preferences are wishes.
const (
	// WeightOtherTeacher is the cost of a homework supervisor who does not
	// teach the class at all (its class teacher costs 0).
	WeightOtherTeacher = 10
	// WeightSubjectTeacher is the cost of a supervisor who teaches the class
	// but is not its class teacher (班主任).
	WeightSubjectTeacher = 4
	// WeightContinuity is the cost of giving a class's or club's session to
	// someone other than who had it on that weekday in the previous weeks.
	WeightContinuity = 6
	// WeightPreference is the cost of each unmet preference (weekday,
	// segment, class) the person stated.
	WeightPreference = 2
	// WeightFairness multiplies Metrics.Unfairness (periods²); moving one
	// period from someone 3 periods above a colleague to that colleague
	// saves 2×4 = 8, about one own-class cost.
	WeightFairness = 2.0
)

type prevKey struct {
	role    Role
	classID string
	clubID  string
	weekday int
}

// previousIndex maps a continuity key to the people who held it before.
type previousIndex map[prevKey][]string

func newPreviousIndex(prev []PreviousAssignment) previousIndex {
	idx := make(previousIndex)
	for _, pa := range prev {
		if pa.ClassID == "" && pa.ClubID == "" {
			continue
		}
		k := prevKey{role: pa.Role, classID: pa.ClassID, clubID: pa.ClubID, weekday: int(pa.Weekday)}
		if !containsString(idx[k], pa.StaffID) {
			idx[k] = append(idx[k], pa.StaffID)
		}
	}
	return idx
}

// softCost is the cost of putting s on d, the sum of the per-assignment soft
// goals: own class, continuity and preferences.
func softCost(s *Staff, d *Demand, prev previousIndex) int {
	c := 0
	if d.Role == RoleSupervisor {
		switch {
		case s.ClassTeacherOf == d.ClassID:
		case containsString(s.ClassesTaught, d.ClassID):
			c += WeightSubjectTeacher
		default:
			c += WeightOtherTeacher
		}
	}
	if d.ClassID != "" || d.ClubID != "" {
		k := prevKey{role: d.Role, classID: d.ClassID, clubID: d.ClubID, weekday: int(d.Weekday())}
		if who := prev[k]; len(who) > 0 && !containsString(who, s.ID) {
			c += WeightContinuity
		}
	}
	pr := &s.Preferences
	if len(pr.Weekdays) > 0 {
		wd, ok := d.Weekday(), false
		for _, w := range pr.Weekdays {
			ok = ok || w == wd
		}
		if !ok {
			c += WeightPreference
		}
	}
	if len(pr.Segments) > 0 {
		ok := false
		for _, sg := range pr.Segments {
			ok = ok || sg == d.Segment
		}
		if !ok {
			c += WeightPreference
		}
	}
	if len(pr.Classes) > 0 && d.ClassID != "" && !containsString(pr.Classes, d.ClassID) {
		c += WeightPreference
	}
	return c
}
