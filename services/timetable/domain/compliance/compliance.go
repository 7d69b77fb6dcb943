// Package compliance checks a school's after-school service against the
// district's "5+2" policy (五天全覆盖、每天不少于两小时、结束时间不早于下班时间):
// service on every school day, at least the minimum minutes a day, ending no
// earlier than the off-work time, extended care and evening study within
// their caps, at most the daily periods, and outside institutions' share of
// club sessions within the cap. Each rule is a separate function; Check runs
// them all and reports per week and for the whole period (a term).
package compliance

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/shopspring/decimal"
)

// Stage is a school's stage, which sets the period length (课时) and whether
// evening self-study is allowed.
type Stage int

// School stages.
const (
	StageUnspecified  Stage = iota
	StagePrimary            // 小学, grades 1–6
	StageJuniorMiddle       // 初中, grades 7–9
	StageNineYear           // 九年一贯制, grades 1–9
)

// ItemKind is the kind of a service item (服务项目) a session belongs to.
type ItemKind int

// Item kinds.
const (
	ItemUnspecified  ItemKind = iota
	ItemBasicCare             // 基础托管 / 作业辅导: counts toward the daily minimum
	ItemEnrichment            // 兴趣拓展 / 社团: counts toward the daily minimum
	ItemLunchCare             // 午托: never counts toward the daily minimum
	ItemExtendedCare          // 延时: after regular service, capped by the evening cap
	ItemEveningStudy          // 晚自习: junior middle grades only, capped
	ItemWeekendCare           // 周末/假期托管
)

// regular reports whether the kind is regular service: the part that must
// cover every school day for at least the minimum minutes, end no earlier
// than the off-work time and stay within the periods cap. Lunch care is at
// noon and extended care and evening study are optional extras for some
// students, so none of them may make up a short day.
func (k ItemKind) regular() bool { return k == ItemBasicCare || k == ItemEnrichment }

// ProviderKind says who runs a club session.
type ProviderKind int

// Provider kinds.
const (
	ProviderUnspecified ProviderKind = iota
	ProviderSchool
	ProviderOutside // 第三方机构
)

// Policy is the district's "5+2" settings; the figures are data from the
// education bureau, never constants in code.
type Policy struct {
	OffWork            calendar.TimeOfDay // regular service ends no earlier (e.g. 17:30)
	MinMinutesPerDay   int                // e.g. 120; 0 disables the rule
	ServiceDaysPerWeek int                // e.g. 5
	MaxPeriodsPerDay   int                // e.g. 3; 0 means no cap
	PeriodMinutes      PeriodMinutes
	EveningCareCap     calendar.TimeOfDay // extended care ends by (e.g. 18:30); 00:00 means no cap
	EveningStudyCap    calendar.TimeOfDay // evening study ends by (e.g. 20:30); 00:00 means no cap
	// OutsideShareCap is the largest share (0..1) of club sessions run by
	// outside institutions, e.g. 0.5 for "at most half".
	OutsideShareCap decimal.Decimal
}

// PeriodMinutes is the period (课时) length per stage.
type PeriodMinutes struct {
	Primary      int // e.g. 40
	JuniorMiddle int // e.g. 45
}

// School is the school under check.
type School struct {
	ID    string
	Stage Stage
}

// Class is a class with its grade (1..9 across compulsory education; 初一 is
// 7), which decides its period length and evening-study eligibility in a
// nine-year school.
type Class struct {
	ID    string
	Grade int
}

func (c Class) junior() bool { return c.Grade >= 7 }

// Session is one class's session on one date, as derived from occurrences:
// for a club segment, the class's students are in clubs, so the class gets an
// enrichment session for that window.
type Session struct {
	Date      civil.Date
	ClassID   string
	Kind      ItemKind
	Start     calendar.TimeOfDay
	End       calendar.TimeOfDay
	Cancelled bool // cancelled sessions count for nothing
	// Delivered is the minutes delivered when Recorded (a day that fell
	// short); otherwise End − Start counts.
	Delivered int
	Recorded  bool
}

func (s Session) minutes() int {
	if s.Cancelled {
		return 0
	}
	if s.Recorded {
		return s.Delivered
	}
	return int(s.End - s.Start)
}

// ClubSession is one club meeting on one date, for the outside-share rule.
type ClubSession struct {
	Date      civil.Date
	ClubID    string
	Provider  ProviderKind
	Cancelled bool
}

// Input is what Check needs for one school over a period (a week or a term).
type Input struct {
	Policy       Policy
	School       School
	Days         []calendar.Day // the period's days (calendar.Days or SchoolDays)
	Classes      []Class
	Sessions     []Session
	ClubSessions []ClubSession
}

// Rule is the code of a compliance rule; the gRPC layer and reports use the
// strings.
type Rule string

// Rules.
const (
	RuleServiceDays       Rule = "service_days"        // service on every school day
	RuleMinMinutes        Rule = "min_minutes"         // at least the minimum minutes a day
	RuleEndTime           Rule = "end_time"            // regular service ends no earlier than off-work time
	RuleExtendedCareCap   Rule = "extended_care_cap"   // extended care ends by the evening cap
	RuleEveningStudyStage Rule = "evening_study_stage" // evening study only for junior middle grades
	RuleEveningStudyCap   Rule = "evening_study_cap"   // evening study ends by its cap
	RuleMaxPeriods        Rule = "max_periods"         // at most the periods per day
	RuleOutsideShare      Rule = "outside_share"       // outside institutions' share of club sessions
)

// Unit says how to read a Violation's Got and Limit.
type Unit string

// Units.
const (
	UnitDays      Unit = "days"        // school days with service in the week
	UnitMinutes   Unit = "minutes"     // minutes of service
	UnitTimeOfDay Unit = "time_of_day" // minutes since midnight; show as HH:MM
	UnitPeriods   Unit = "periods"     // periods (课时), pro rata
	UnitGrade     Unit = "grade"       // a class's grade
	UnitShare     Unit = "share"       // a share between 0 and 1
)

// Violation is one broken rule: where, what, and the numbers.
type Violation struct {
	Rule    Rule
	Date    civil.Date       // the day; zero for a week- or term-level rule
	Weekday calendar.Weekday // Date's weekday
	Week    civil.Date       // Monday of the week; zero for a term-level rule
	ClassID string
	ClubID  string
	Got     decimal.Decimal
	Limit   decimal.Decimal
	Unit    Unit
	Message string // Chinese, then English
}

// WeekReport is one week of a report.
type WeekReport struct {
	Start           civil.Date // Monday
	SchoolDays      int        // open school days (not closed)
	ClubSessions    int        // held club sessions
	OutsideSessions int        // of which by outside institutions
	Violations      []Violation
}

// RuleCount is how often a rule was broken.
type RuleCount struct {
	Rule  Rule
	Count int
}

// Report is the compliance report of one school over a period: per week,
// plus the period-level (term) checks and totals.
type Report struct {
	SchoolID        string
	From, To        civil.Date
	SchoolDays      int
	ClubSessions    int
	OutsideSessions int
	Weeks           []WeekReport
	Term            []Violation // rules judged over the whole period
	Counts          []RuleCount // per rule, over weeks and term, by rule code
}

// Clean reports whether nothing was violated.
func (r Report) Clean() bool {
	if len(r.Term) > 0 {
		return false
	}
	for _, w := range r.Weeks {
		if len(w.Violations) > 0 {
			return false
		}
	}
	return true
}

// Violations returns every violation, week by week, then the term's.
func (r Report) Violations() []Violation {
	var out []Violation
	for _, w := range r.Weeks {
		out = append(out, w.Violations...)
	}
	return append(out, r.Term...)
}

// Check validates the input and runs every rule. Days outside Input.Days are
// not checked; only open school days (school days not closed) need service.
// Invalid input gives a *fault.ValidationError.
func Check(in Input) (Report, error) {
	ds, err := newDataset(in)
	if err != nil {
		return Report{}, err
	}
	var all []Violation
	for _, rule := range rules {
		all = append(all, rule(ds)...)
	}
	rep := Report{SchoolID: in.School.ID}
	if len(ds.days) > 0 {
		rep.From, rep.To = ds.days[0].Date, ds.days[len(ds.days)-1].Date
	}
	weekIdx := map[civil.Date]int{}
	for _, d := range ds.days {
		wk := d.Date.StartOfWeek()
		i, ok := weekIdx[wk]
		if !ok {
			i = len(rep.Weeks)
			weekIdx[wk] = i
			rep.Weeks = append(rep.Weeks, WeekReport{Start: wk})
		}
		if d.Open() {
			rep.Weeks[i].SchoolDays++
			rep.SchoolDays++
		}
	}
	for _, cs := range ds.clubSessions {
		i := weekIdx[cs.Date.StartOfWeek()]
		rep.Weeks[i].ClubSessions++
		rep.ClubSessions++
		if cs.Provider == ProviderOutside {
			rep.Weeks[i].OutsideSessions++
			rep.OutsideSessions++
		}
	}
	all = append(all, ds.outsideShareTerm(rep.ClubSessions, rep.OutsideSessions)...)
	sortViolations(all)
	count := map[Rule]int{}
	for _, v := range all {
		count[v.Rule]++
		if v.Week.IsZero() {
			rep.Term = append(rep.Term, v)
			continue
		}
		i := weekIdx[v.Week]
		rep.Weeks[i].Violations = append(rep.Weeks[i].Violations, v)
	}
	for r, n := range count {
		rep.Counts = append(rep.Counts, RuleCount{Rule: r, Count: n})
	}
	slices.SortFunc(rep.Counts, func(a, b RuleCount) int { return cmp.Compare(a.Rule, b.Rule) })
	return rep, nil
}

func sortViolations(vs []Violation) {
	slices.SortStableFunc(vs, func(a, b Violation) int {
		return cmp.Or(a.Week.Compare(b.Week), a.Date.Compare(b.Date), cmp.Compare(a.ClassID, b.ClassID),
			cmp.Compare(a.ClubID, b.ClubID), cmp.Compare(a.Rule, b.Rule))
	})
}

// dataset is a validated input indexed for the rules.
type dataset struct {
	policy       Policy
	stage        Stage
	days         []calendar.Day // sorted by date
	dayAt        map[civil.Date]calendar.Day
	classes      []Class // sorted by id
	sessions     map[classDay][]Session
	overlapIdx   map[classDay][]int // input indexes, for validation only
	clubSessions []ClubSession      // held ones, in the period
}

type classDay struct {
	class string
	date  civil.Date
}

func newDataset(in Input) (*dataset, error) {
	var v fault.ValidationError
	p := in.Policy
	if !p.OffWork.Valid() {
		v.Addf("policy.off_work", "time of day out of range")
	}
	if p.MinMinutesPerDay < 0 || p.MinMinutesPerDay > 24*60 {
		v.Addf("policy.min_minutes_per_day", "%d is not 0 to 1440", p.MinMinutesPerDay)
	}
	if p.ServiceDaysPerWeek < 1 || p.ServiceDaysPerWeek > 7 {
		v.Addf("policy.service_days_per_week", "%d is not 1 to 7", p.ServiceDaysPerWeek)
	}
	if p.MaxPeriodsPerDay < 0 {
		v.Addf("policy.max_periods_per_day", "%d is negative", p.MaxPeriodsPerDay)
	}
	if p.PeriodMinutes.Primary < 1 {
		v.Addf("policy.period_minutes.primary", "%d must be 1 or more", p.PeriodMinutes.Primary)
	}
	if p.PeriodMinutes.JuniorMiddle < 1 {
		v.Addf("policy.period_minutes.junior_middle", "%d must be 1 or more", p.PeriodMinutes.JuniorMiddle)
	}
	if !p.EveningCareCap.Valid() {
		v.Addf("policy.evening_care_cap", "time of day out of range")
	}
	if !p.EveningStudyCap.Valid() {
		v.Addf("policy.evening_study_cap", "time of day out of range")
	}
	if p.OutsideShareCap.IsNegative() || p.OutsideShareCap.GreaterThan(decimal.NewFromInt(1)) {
		v.Addf("policy.outside_share_cap", "%s is not between 0 and 1", p.OutsideShareCap)
	}
	if in.School.ID == "" {
		v.Addf("school.id", "required")
	}
	if in.School.Stage < StagePrimary || in.School.Stage > StageNineYear {
		v.Addf("school.stage", "must be primary, junior_middle or nine_year")
	}
	ds := &dataset{policy: p, stage: in.School.Stage, dayAt: map[civil.Date]calendar.Day{}, sessions: map[classDay][]Session{},
		overlapIdx: map[classDay][]int{}}
	for i, d := range in.Days {
		f := "days[" + strconv.Itoa(i) + "].date"
		if d.Date.IsZero() {
			v.Addf(f, "required")
			continue
		}
		if _, dup := ds.dayAt[d.Date]; dup {
			v.Addf(f, "duplicate day %s", d.Date)
			continue
		}
		ds.dayAt[d.Date] = d
		ds.days = append(ds.days, d)
	}
	slices.SortFunc(ds.days, func(a, b calendar.Day) int { return a.Date.Compare(b.Date) })
	inPeriod := func(d civil.Date) bool {
		return len(ds.days) > 0 && !d.Before(ds.days[0].Date) && !d.After(ds.days[len(ds.days)-1].Date)
	}
	lo, hi := 1, 9
	switch in.School.Stage {
	case StagePrimary:
		hi = 6
	case StageJuniorMiddle:
		lo = 7
	}
	classIdx := map[string]int{}
	for i, c := range in.Classes {
		f := "classes[" + strconv.Itoa(i) + "]"
		if c.ID == "" {
			v.Addf(f+".id", "required")
		} else if j, dup := classIdx[c.ID]; dup {
			v.Addf(f+".id", "%q duplicates classes[%d]", c.ID, j)
		} else {
			classIdx[c.ID] = i
			ds.classes = append(ds.classes, c)
		}
		if c.Grade < lo || c.Grade > hi {
			v.Addf(f+".grade", "grade %d is not %d to %d for this school stage", c.Grade, lo, hi)
		}
	}
	slices.SortFunc(ds.classes, func(a, b Class) int { return cmp.Compare(a.ID, b.ID) })
	for i, s := range in.Sessions {
		f := "sessions[" + strconv.Itoa(i) + "]"
		if _, ok := classIdx[s.ClassID]; !ok {
			v.Addf(f+".class_id", "unknown class %q", s.ClassID)
		}
		switch {
		case s.Date.IsZero():
			v.Addf(f+".date", "required")
		case !inPeriod(s.Date):
			v.Addf(f+".date", "%s is outside the checked days", s.Date)
		}
		if s.Kind < ItemBasicCare || s.Kind > ItemWeekendCare {
			v.Addf(f+".kind", "unknown item kind %d", int(s.Kind))
		}
		if !s.Start.Valid() {
			v.Addf(f+".start", "time of day out of range")
		}
		if !s.End.Valid() || s.End <= s.Start {
			v.Addf(f+".end", "%s is not after start %s", s.End, s.Start)
		}
		if s.Recorded && (s.Delivered < 0 || s.Delivered > int(s.End-s.Start)) {
			v.Addf(f+".delivered", "%d is not 0 to the planned %d minutes", s.Delivered, int(s.End-s.Start))
		}
	}
	for i, c := range in.ClubSessions {
		f := "club_sessions[" + strconv.Itoa(i) + "]"
		if c.ClubID == "" {
			v.Addf(f+".club_id", "required")
		}
		switch {
		case c.Date.IsZero():
			v.Addf(f+".date", "required")
		case !inPeriod(c.Date):
			v.Addf(f+".date", "%s is outside the checked days", c.Date)
		}
		if c.Provider != ProviderSchool && c.Provider != ProviderOutside {
			v.Addf(f+".provider", "must be school or outside")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// A class cannot be in two sessions at once.
	for i, s := range in.Sessions {
		k := classDay{s.ClassID, s.Date}
		for _, j := range ds.overlapIdx[k] {
			o := in.Sessions[j]
			if !s.Cancelled && !o.Cancelled && s.Start < o.End && o.Start < s.End {
				v.Addf("sessions["+strconv.Itoa(i)+"].start", "overlaps sessions[%d] of class %q on %s", j, s.ClassID, s.Date)
			}
		}
		ds.overlapIdx[k] = append(ds.overlapIdx[k], i)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	for _, s := range in.Sessions {
		k := classDay{s.ClassID, s.Date}
		ds.sessions[k] = append(ds.sessions[k], s)
	}
	for _, list := range ds.sessions {
		slices.SortFunc(list, func(a, b Session) int { return cmp.Compare(a.Start, b.Start) })
	}
	for _, c := range in.ClubSessions {
		if !c.Cancelled {
			ds.clubSessions = append(ds.clubSessions, c)
		}
	}
	slices.SortStableFunc(ds.clubSessions, func(a, b ClubSession) int { return a.Date.Compare(b.Date) })
	return ds, nil
}

// regularMinutes is a class's regular service minutes on a date.
func (ds *dataset) regularMinutes(class string, d civil.Date) int {
	n := 0
	for _, s := range ds.sessions[classDay{class, d}] {
		if s.Kind.regular() {
			n += s.minutes()
		}
	}
	return n
}

func (ds *dataset) periodMinutes(c Class) int {
	if ds.stage == StageJuniorMiddle || (ds.stage == StageNineYear && c.junior()) {
		return ds.policy.PeriodMinutes.JuniorMiddle
	}
	return ds.policy.PeriodMinutes.Primary
}

// openDays are the days that need service.
func (ds *dataset) openDays() []calendar.Day {
	var out []calendar.Day
	for _, d := range ds.days {
		if d.Open() {
			out = append(out, d)
		}
	}
	return out
}
