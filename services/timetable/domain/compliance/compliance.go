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
//
// The report lists violations by week, date, class and rule code. Check
// produces them in that order (week-level rules first in their week, then
// day by day, class by class, the day rules in code order) so nothing needs
// sorting; TestCheckGolden holds the order to the one of the former sort.
func Check(in Input) (Report, error) {
	ds, err := newDataset(in)
	if err != nil {
		return Report{}, err
	}
	rep := Report{SchoolID: in.School.ID}
	if len(ds.days) > 0 {
		rep.From, rep.To = ds.days[0].Date, ds.days[len(ds.days)-1].Date
	}
	rep.Weeks = make([]WeekReport, len(ds.weeks))
	for i, w := range ds.weeks {
		rep.Weeks[i] = WeekReport{Start: w.start, SchoolDays: w.open}
		rep.SchoolDays += w.open
	}
	for _, cs := range ds.clubSessions {
		i := ds.weekOf(cs.Date)
		rep.Weeks[i].ClubSessions++
		rep.ClubSessions++
		if cs.Provider == ProviderOutside {
			rep.Weeks[i].OutsideSessions++
			rep.OutsideSessions++
		}
	}
	var count [len(ruleOrder)]int
	// A week of club sessions that no checked day falls in is counted in
	// the first week; its share violation goes last there.
	var stray []Violation
	share := checkOutsideShare(ds)
	for _, v := range share {
		if _, ok := ds.weekAt[v.Week]; !ok {
			stray = append(stray, v)
		}
	}
	// Every week's violations go into one slice, with their messages in
	// one string; the weeks take their runs of it. The slice starts with
	// room for one violation per class and day of the first week (the
	// usual failure: a plan that ends early), and after each week grows
	// to what the weeks so far predict for the rest.
	if len(ds.weeks) > 0 {
		ds.reserve = len(ds.classes)*ds.weeks[0].n + 1
	}
	var all []Violation
	ends := make([]int, len(ds.weeks)+1)
	sh := 0
	for wi := range ds.weeks {
		w := &ds.weeks[wi]
		if wi > 0 && len(all) > 0 {
			all = slices.Grow(all, len(all)*(len(ds.weeks)-wi)/wi+len(ds.classes))
			ds.buf = slices.Grow(ds.buf, len(ds.buf)*(len(ds.weeks)-wi)/wi+len(ds.classes)*msgBytes)
		}
		for sh < len(share) && share[sh].Week.Before(w.start) {
			sh++
		}
		if sh < len(share) && share[sh].Week == w.start {
			v := share[sh]
			ds.buf = append(ds.buf, v.Message...)
			all = ds.add(all, v)
			count[ruleIndex(RuleOutsideShare)]++
		}
		for di := w.first; di < w.first+w.n; di++ {
			for ci := range ds.classes {
				for ri, rule := range cellRules {
					n := len(all)
					all = rule(ds, ci, di, all)
					count[ri] += len(all) - n
				}
			}
		}
		ends[wi+1] = len(all)
	}
	ds.messages(all)
	for wi := range ds.weeks {
		if a, b := ends[wi], ends[wi+1]; b > a {
			rep.Weeks[wi].Violations = all[a:b:b]
		}
	}
	if len(stray) > 0 {
		rep.Weeks[0].Violations = append(rep.Weeks[0].Violations, stray...)
		count[ruleIndex(RuleOutsideShare)] += len(stray)
	}
	rep.Term = ds.outsideShareTerm(rep.ClubSessions, rep.OutsideSessions)
	count[ruleIndex(RuleOutsideShare)] += len(rep.Term)
	for i, n := range count {
		if n > 0 {
			rep.Counts = append(rep.Counts, RuleCount{Rule: ruleOrder[i], Count: n})
		}
	}
	return rep, nil
}

// ruleOrder is every rule by code, the report's order within a class's day
// and of Counts.
var ruleOrder = [...]Rule{RuleEndTime, RuleEveningStudyCap, RuleEveningStudyStage, RuleExtendedCareCap,
	RuleMaxPeriods, RuleMinMinutes, RuleOutsideShare, RuleServiceDays}

func ruleIndex(r Rule) int {
	for i, o := range ruleOrder {
		if o == r {
			return i
		}
	}
	panic("compliance: unknown rule " + string(r))
}

// dataset is a validated input indexed for the rules: days by position,
// classes by position, and one cell of sessions per class and day.
type dataset struct {
	policy       Policy
	stage        Stage
	days         []calendar.Day // sorted by date
	text         []dayText      // per day, for messages
	dayIdx       map[civil.Date]int
	weeks        []week // in order; each a run of days
	weekAt       map[civil.Date]int
	classes      []Class       // sorted by id
	cells        []cell        // class i, day j at i*len(days)+j
	served       []int         // class i, week k at i*len(weeks)+k: days with regular service
	clubSessions []ClubSession // held ones, in the period
	decs         map[int]decimal.Decimal
	// buf holds the messages of the violations made so far, one after
	// another, ends[i] the end of the i-th; messages turns them into one
	// string and gives each violation its part (one allocation, not one
	// per violation).
	buf     []byte
	ends    []int
	reserve int // violations to make room for at the first one
}

// dayText is a day's date and weekday as messages show them, made once per
// day rather than once per violation.
type dayText struct {
	date    string // "2025-09-01"
	zh, en  string // the day's weekday, e.g. 星期一, Monday
	weekday calendar.Weekday
	week    civil.Date
}

// week is a run of ds.days in one Monday-to-Sunday week.
type week struct {
	start    civil.Date
	first, n int // ds.days[first:first+n]
	open     int // open school days
	need     int // min(ServiceDaysPerWeek, open)
}

// cell is one class's sessions on one day, sorted by start, with the
// regular-service figures the rules share.
type cell struct {
	sessions   []Session
	regular    int                // regular minutes (delivered when recorded)
	regularEnd calendar.TimeOfDay // end of the last held regular session
	held       bool               // some regular session was held
}

func (ds *dataset) cell(ci, di int) *cell { return &ds.cells[ci*len(ds.days)+di] }

// weekOf is the index of the week holding d, or 0 when no checked day is
// in it.
func (ds *dataset) weekOf(d civil.Date) int { return ds.weekAt[d.StartOfWeek()] }

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
	ds := &dataset{policy: p, stage: in.School.Stage, dayIdx: make(map[civil.Date]int, len(in.Days)),
		days: make([]calendar.Day, 0, len(in.Days))}
	for i, d := range in.Days {
		if d.Date.IsZero() {
			v.Addf("days["+strconv.Itoa(i)+"].date", "required")
			continue
		}
		if _, dup := ds.dayIdx[d.Date]; dup {
			v.Addf("days["+strconv.Itoa(i)+"].date", "duplicate day %s", d.Date)
			continue
		}
		ds.dayIdx[d.Date] = i
		ds.days = append(ds.days, d)
	}
	if !slices.IsSortedFunc(ds.days, func(a, b calendar.Day) int { return a.Date.Compare(b.Date) }) {
		slices.SortFunc(ds.days, func(a, b calendar.Day) int { return a.Date.Compare(b.Date) })
	}
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
	classIdx := make(map[string]int, len(in.Classes))
	ds.classes = make([]Class, 0, len(in.Classes))
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
	for i, s := range in.Sessions {
		if _, ok := classIdx[s.ClassID]; !ok {
			v.Addf("sessions["+strconv.Itoa(i)+"].class_id", "unknown class %q", s.ClassID)
		}
		switch {
		case s.Date.IsZero():
			v.Addf("sessions["+strconv.Itoa(i)+"].date", "required")
		case !inPeriod(s.Date):
			v.Addf("sessions["+strconv.Itoa(i)+"].date", "%s is outside the checked days", s.Date)
		}
		if s.Kind < ItemBasicCare || s.Kind > ItemWeekendCare {
			v.Addf("sessions["+strconv.Itoa(i)+"].kind", "unknown item kind %d", int(s.Kind))
		}
		if !s.Start.Valid() {
			v.Addf("sessions["+strconv.Itoa(i)+"].start", "time of day out of range")
		}
		if !s.End.Valid() || s.End <= s.Start {
			v.Addf("sessions["+strconv.Itoa(i)+"].end", "%s is not after start %s", s.End, s.Start)
		}
		if s.Recorded && (s.Delivered < 0 || s.Delivered > int(s.End-s.Start)) {
			v.Addf("sessions["+strconv.Itoa(i)+"].delivered", "%d is not 0 to the planned %d minutes", s.Delivered, int(s.End-s.Start))
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
	slices.SortFunc(ds.classes, func(a, b Class) int { return cmp.Compare(a.ID, b.ID) })
	for i, c := range ds.classes {
		classIdx[c.ID] = i
	}
	ds.text = make([]dayText, len(ds.days))
	ds.weekAt = map[civil.Date]int{}
	for i, d := range ds.days {
		ds.dayIdx[d.Date] = i
		wk := d.Date.StartOfWeek()
		ds.text[i] = dayText{date: d.Date.String(), zh: d.Weekday.Chinese(), en: d.Weekday.String(),
			weekday: calendar.WeekdayOfDate(d.Date), week: wk}
		if n := len(ds.weeks); n == 0 || ds.weeks[n-1].start != wk {
			ds.weekAt[wk] = n
			ds.weeks = append(ds.weeks, week{start: wk, first: i})
		}
		w := &ds.weeks[len(ds.weeks)-1]
		w.n++
		if d.Open() {
			w.open++
		}
	}
	for i := range ds.weeks {
		ds.weeks[i].need = min(p.ServiceDaysPerWeek, ds.weeks[i].open)
	}
	// Sessions by cell in input order (a counting sort), so the overlap
	// check names the earlier session as before.
	nd := len(ds.days)
	ds.cells = make([]cell, len(ds.classes)*nd)
	at := make([]int, len(in.Sessions)) // session i's cell; -1 on a date between checked days
	start := make([]int, len(ds.cells)+1)
	var orphans []int // sessions of no cell, for the overlap check only
	for i, s := range in.Sessions {
		di, ok := ds.dayIdx[s.Date]
		if !ok {
			at[i] = -1
			orphans = append(orphans, i)
			continue
		}
		at[i] = classIdx[s.ClassID]*nd + di
		start[at[i]+1]++
	}
	for k := range ds.cells {
		start[k+1] += start[k]
	}
	order := make([]int, start[len(ds.cells)])
	store := make([]Session, len(order))
	fill := slices.Clone(start[:len(ds.cells)])
	for i, k := range at {
		if k >= 0 {
			order[fill[k]] = i
			store[fill[k]] = in.Sessions[i]
			fill[k]++
		}
	}
	// A class cannot be in two sessions at once.
	for i, s := range in.Sessions {
		others := orphans
		if k := at[i]; k >= 0 {
			others = order[start[k]:start[k+1]]
		}
		for _, j := range others {
			if j >= i {
				break
			}
			o := in.Sessions[j]
			if o.ClassID != s.ClassID || o.Date != s.Date {
				continue
			}
			if !s.Cancelled && !o.Cancelled && s.Start < o.End && o.Start < s.End {
				v.Addf("sessions["+strconv.Itoa(i)+"].start", "overlaps sessions[%d] of class %q on %s", j, s.ClassID, s.Date)
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	for k := range ds.cells {
		ds.cells[k].sessions = store[start[k]:start[k+1]:start[k+1]]
	}
	ds.served = make([]int, len(ds.classes)*len(ds.weeks))
	for k := range ds.cells {
		c := &ds.cells[k]
		if len(c.sessions) > 1 {
			slices.SortFunc(c.sessions, func(a, b Session) int { return cmp.Compare(a.Start, b.Start) })
		}
		for _, s := range c.sessions {
			if s.Kind.regular() {
				c.regular += s.minutes()
				if !s.Cancelled {
					c.regularEnd, c.held = max(c.regularEnd, s.End), true
				}
			}
		}
		if ci, di := k/max(nd, 1), k%max(nd, 1); c.regular > 0 && ds.days[di].Open() {
			ds.served[ci*len(ds.weeks)+ds.weekAt[ds.text[di].week]]++
		}
	}
	for _, c := range in.ClubSessions {
		if !c.Cancelled {
			ds.clubSessions = append(ds.clubSessions, c)
		}
	}
	slices.SortStableFunc(ds.clubSessions, func(a, b ClubSession) int { return a.Date.Compare(b.Date) })
	return ds, nil
}

func (ds *dataset) periodMinutes(c Class) int {
	if ds.stage == StageJuniorMiddle || (ds.stage == StageNineYear && c.junior()) {
		return ds.policy.PeriodMinutes.JuniorMiddle
	}
	return ds.policy.PeriodMinutes.Primary
}

// dec is n as a decimal, one value per distinct n in a check: reports
// repeat the same few limits and times, and decimals are immutable.
func (ds *dataset) dec(n int) decimal.Decimal {
	if d, ok := ds.decs[n]; ok {
		return d
	}
	if ds.decs == nil {
		ds.decs = map[int]decimal.Decimal{}
	}
	d := decimal.NewFromInt(int64(n))
	ds.decs[n] = d
	return d
}
