package pay

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Session is one approved, locked delivered-hours record with the facts pay
// rules need: who, when (date and clock), what duty, how long, how many
// students.
type Session struct {
	RecordID      string
	AssignmentID  string
	StaffID       string
	StaffKind     string
	InstitutionID string
	Date          civil.Date
	// StartMinute and EndMinute are the scheduled clock times (minutes after
	// midnight). The credited minutes are taken from the start: a per-minute
	// rule pays [StartMinute, StartMinute+CreditedMinutes).
	StartMinute, EndMinute int
	Role                   string
	Duty                   string
	CreditedMinutes        int
	// Periods are the credited periods (课时), pro rata.
	Periods decimal.Decimal
	// Students is the class or club size timetable serves.
	Students int
	ClassID  string
	ClubID   string
	// WeekendHoliday: the day is a weekend or (school) holiday day, paid at
	// the weekend/holiday rates.
	WeekendHoliday bool
}

// ClassTeacher names a class teacher (班主任) of the month and the size of
// the class, for the class-teacher allowance.
type ClassTeacher struct {
	StaffID   string
	StaffKind string
	ClassID   string
	Students  int
}

// Input is one school's month for the pay engine.
type Input struct {
	DistrictID string
	SchoolID   string
	Year       int
	Month      int
	// Tables are the rate tables that may apply (every version is fine:
	// only each ID's latest counts); each session is paid by the table in
	// force on its date, month-level items (allowances, management, caps)
	// by the table in force on the month's last day, or else on its first.
	Tables        []RateTable
	Sessions      []Session
	ClassTeachers []ClassTeacher
	// Managers share the management allowance equally.
	Managers []Person
	// PriorTermPaid is what each person was already paid in the term's
	// earlier months, for the term cap.
	PriorTermPaid map[string]decimal.Decimal
}

// Person is a staff member with their kind.
type Person struct {
	StaffID       string
	StaffKind     string
	InstitutionID string
}

// LineKind says what a statement line pays.
type LineKind string

// The line kinds.
const (
	LineSession      LineKind = "session"
	LineClassTeacher LineKind = "class_teacher"
	LineManagement   LineKind = "management"
)

// Piece is the part of a per-minute session inside one time block.
type Piece struct {
	From, To int
	Minutes  int
	Rate     decimal.Decimal
}

// Line is one line of a pay statement: a session, an allowance or the
// management share, with everything a teacher needs to check it.
type Line struct {
	Kind         LineKind
	RecordID     string
	AssignmentID string
	Date         civil.Date
	StartMinute  int
	EndMinute    int
	Role         string
	Duty         string
	Minutes      int
	Periods      decimal.Decimal
	// Days is 1 on the line that carries a per-day rule's day, else 0.
	Days int
	Unit Unit
	// Rate is the unit rate (per period, per day; per minute when the whole
	// session lies in one block); Pieces break a per-minute session down.
	Rate       decimal.Decimal
	Pieces     []Piece
	Multiplier decimal.Decimal
	Students   int
	// ExtraStudents above the class-size threshold, each paid ExtraPerStudent.
	ExtraStudents   int
	ExtraPerStudent decimal.Decimal
	WeekendHoliday  bool
	Amount          decimal.Decimal
	RuleID          string
	DocumentNo      string
	Treatment       Treatment
}

// TagAmount is an amount of one treatment.
type TagAmount struct {
	Treatment Treatment
	Amount    decimal.Decimal
}

// Statement is one person's pay of the month: every line, what was earned,
// what the cap let through and what it held back, and the paid amount by
// treatment.
type Statement struct {
	StaffID       string
	StaffKind     string
	InstitutionID string
	Lines         []Line
	Earned        decimal.Decimal
	Paid          decimal.Decimal
	HeldBack      decimal.Decimal
	// CapRuleID names the cap that held something back ("" when none did);
	// CapLimit is what it allowed this month.
	CapRuleID string
	CapLimit  decimal.NullDecimal
	// ByTreatment splits Paid by treatment (largest remainder over the
	// earned amounts), in Treatments order, zero tags left out.
	ByTreatment []TagAmount
}

// Result is a school's month: statements by staff id and totals.
type Result struct {
	Statements []Statement
	// Pool is the sum of session lines before caps (the management base).
	Pool        decimal.Decimal
	Earned      decimal.Decimal
	Paid        decimal.Decimal
	HeldBack    decimal.Decimal
	ByTreatment []TagAmount
}

// Compute pays one school's month. Rounding happens once per stage, by the
// table's named rule: each session line is rounded once (rate × quantity ×
// multiplier, class-size extras included), each allowance once, the
// management share once before its equal split (largest remainder, exact);
// the cap and the treatment split work on whole fen. The result does not
// depend on the order of the input. A session no rule pays, a session outside
// a per-minute rule's window or a repeated assignment is refused, so no hour
// is silently unpaid or paid twice.
func Compute(in Input) (Result, error) {
	sessions := slices.Clone(in.Sessions)
	slices.SortFunc(sessions, func(a, b Session) int {
		return cmp.Or(cmp.Compare(a.StaffID, b.StaffID), a.Date.Compare(b.Date), cmp.Compare(a.StartMinute, b.StartMinute), cmp.Compare(a.AssignmentID, b.AssignmentID))
	})
	seen := map[string]string{}
	by := map[string]*Statement{}
	person := func(id, kind, inst string) *Statement {
		st := by[id]
		if st == nil {
			st = &Statement{StaffID: id, StaffKind: kind, InstitutionID: inst}
			by[id] = st
		}
		return st
	}
	type dayKey struct {
		staff, rule string
		date        civil.Date
	}
	days := map[dayKey]bool{}
	type applicable struct {
		t  RateTable
		ok bool
	}
	tableOn := map[civil.Date]applicable{} // the table in force, looked up once per date
	pool := decimal.Zero
	for _, s := range sessions {
		if prev, ok := seen[s.AssignmentID]; ok {
			return Result{}, fault.Precondition(fmt.Sprintf("assignment %s is reported twice (records %s and %s): an hour is paid once", s.AssignmentID, prev, s.RecordID))
		}
		seen[s.AssignmentID] = s.RecordID
		if s.CreditedMinutes < 0 || s.Periods.IsNegative() || s.Students < 0 {
			return Result{}, fault.Precondition(fmt.Sprintf("record %s has negative hours or students", s.RecordID))
		}
		at, cached := tableOn[s.Date]
		if !cached {
			at.t, at.ok = Applicable(in.Tables, in.DistrictID, in.SchoolID, s.Date)
			tableOn[s.Date] = at
		}
		t, ok := at.t, at.ok
		if !ok {
			return Result{}, fault.Precondition(fmt.Sprintf("no rate table (课酬标准) is in force on %s for record %s", s.Date, s.RecordID))
		}
		r, ok := t.match(s)
		if !ok {
			return Result{}, fault.Precondition(fmt.Sprintf("no rule of rate table %s pays record %s (%s as %s)", t.ID, s.RecordID, s.StaffKind, s.Role))
		}
		firstOfDay := false
		if r.Unit == PerDay {
			k := dayKey{s.StaffID, t.ID + "/" + r.RuleID, s.Date}
			firstOfDay = !days[k]
			days[k] = true
		}
		l, err := t.sessionLine(r, s, firstOfDay)
		if err != nil {
			return Result{}, err
		}
		st := person(s.StaffID, s.StaffKind, s.InstitutionID)
		st.Lines = append(st.Lines, l)
		pool = pool.Add(l.Amount)
	}
	res := Result{Pool: pool}
	monthTable, haveTable := monthTable(in)
	if haveTable {
		if a := monthTable.ClassTeacher; a != nil {
			cts := slices.Clone(in.ClassTeachers)
			slices.SortFunc(cts, func(x, y ClassTeacher) int {
				return cmp.Or(cmp.Compare(x.StaffID, y.StaffID), cmp.Compare(x.ClassID, y.ClassID))
			})
			for _, ct := range cts {
				amt := money.Round(a.PerMonth.Add(a.PerStudent.Mul(decimal.NewFromInt(int64(ct.Students)))), monthTable.Rounding)
				st := person(ct.StaffID, ct.StaffKind, "")
				st.Lines = append(st.Lines, Line{Kind: LineClassTeacher, Students: ct.Students, Rate: a.PerStudent, Amount: amt,
					RuleID: a.RuleID, DocumentNo: monthTable.DocumentNo, Treatment: a.Treatment, Multiplier: decimal.NewFromInt(1),
					AssignmentID: ct.ClassID})
			}
		}
		if m := monthTable.Management; m != nil && len(in.Managers) > 0 {
			total := money.Round(pool.Mul(m.Share), monthTable.Rounding)
			mgrs := slices.Clone(in.Managers)
			slices.SortFunc(mgrs, func(x, y Person) int { return cmp.Compare(x.StaffID, y.StaffID) })
			parts := make([]money.Part, len(mgrs))
			for i, p := range mgrs {
				parts[i] = money.Part{Key: p.StaffID, Weight: decimal.NewFromInt(1)}
			}
			shares, err := money.Allocate(total, parts)
			if err != nil {
				return Result{}, fmt.Errorf("split management share: %w", err)
			}
			for i, p := range mgrs {
				st := person(p.StaffID, p.StaffKind, p.InstitutionID)
				st.Lines = append(st.Lines, Line{Kind: LineManagement, Rate: m.Share, Amount: shares[i], RuleID: m.RuleID,
					DocumentNo: monthTable.DocumentNo, Treatment: m.Treatment, Multiplier: decimal.NewFromInt(1)})
			}
		}
	}
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	totals := map[Treatment]decimal.Decimal{}
	for _, id := range ids {
		st := by[id]
		earned := map[Treatment]decimal.Decimal{}
		for _, l := range st.Lines {
			st.Earned = st.Earned.Add(l.Amount)
			earned[l.Treatment] = earned[l.Treatment].Add(l.Amount)
		}
		st.Paid = st.Earned
		if haveTable {
			if cp, ok := monthTable.capFor(st.StaffKind); ok {
				limit, capped := capLimit(cp, in.PriorTermPaid[st.StaffID])
				if capped && st.Earned.GreaterThan(limit) {
					st.Paid = limit
					st.CapRuleID = cp.RuleID
					st.CapLimit = decimal.NewNullDecimal(limit)
				}
			}
		}
		st.HeldBack = st.Earned.Sub(st.Paid)
		split, err := splitByTreatment(st.Paid, earned)
		if err != nil {
			return Result{}, err
		}
		st.ByTreatment = split
		for _, ta := range split {
			totals[ta.Treatment] = totals[ta.Treatment].Add(ta.Amount)
		}
		res.Earned = res.Earned.Add(st.Earned)
		res.Paid = res.Paid.Add(st.Paid)
		res.HeldBack = res.HeldBack.Add(st.HeldBack)
		res.Statements = append(res.Statements, *st)
	}
	for _, tg := range Treatments {
		if v, ok := totals[tg]; ok && !v.IsZero() {
			res.ByTreatment = append(res.ByTreatment, TagAmount{Treatment: tg, Amount: v})
		}
	}
	return res, nil
}

// capLimit is what the cap allows this month: the monthly cap, and the term
// cap less what the term already paid (never below zero).
func capLimit(cp Cap, prior decimal.Decimal) (decimal.Decimal, bool) {
	var limit decimal.Decimal
	set := false
	if cp.PerMonth.Valid {
		limit, set = cp.PerMonth.Decimal, true
	}
	if cp.PerTerm.Valid {
		left := decimal.Max(decimal.Zero, cp.PerTerm.Decimal.Sub(prior))
		if !set || left.LessThan(limit) {
			limit, set = left, true
		}
	}
	return limit, set
}

// splitByTreatment splits paid over the treatments in proportion to what
// each earned (largest remainder, exact to the fen).
func splitByTreatment(paid decimal.Decimal, earned map[Treatment]decimal.Decimal) ([]TagAmount, error) {
	var parts []money.Part
	var tags []Treatment
	for _, tg := range Treatments {
		if v, ok := earned[tg]; ok && v.IsPositive() {
			parts = append(parts, money.Part{Key: string(tg), Weight: v})
			tags = append(tags, tg)
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	shares, err := money.Allocate(paid, parts)
	if err != nil {
		return nil, fmt.Errorf("split pay by treatment: %w", err)
	}
	var out []TagAmount
	for i, tg := range tags {
		if !shares[i].IsZero() {
			out = append(out, TagAmount{Treatment: tg, Amount: shares[i]})
		}
	}
	return out, nil
}

// monthTable is the table whose month-level items apply: the one in force
// on the month's last day, else on its first.
func monthTable(in Input) (RateTable, bool) {
	first := civil.New(in.Year, time.Month(in.Month), 1)
	last := first.AddMonths(1).AddDays(-1)
	if t, ok := Applicable(in.Tables, in.DistrictID, in.SchoolID, last); ok {
		return t, true
	}
	return Applicable(in.Tables, in.DistrictID, in.SchoolID, first)
}

// capFor returns the cap of the staff kind, else the table's cap for any kind.
func (t RateTable) capFor(kind string) (Cap, bool) {
	var fallback *Cap
	for i, c := range t.Caps {
		if c.StaffKind == kind {
			return c, true
		}
		if c.StaffKind == "" {
			fallback = &t.Caps[i]
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return Cap{}, false
}

// match returns the first rule (in table order) whose staff kinds and roles
// admit the session.
func (t RateTable) match(s Session) (Rule, bool) {
	for _, r := range t.Rules {
		if len(r.StaffKinds) > 0 && !slices.Contains(r.StaffKinds, s.StaffKind) {
			continue
		}
		if len(r.Roles) > 0 && !slices.Contains(r.Roles, s.Role) {
			continue
		}
		return r, true
	}
	return Rule{}, false
}

// multiplier is the duty's multiplier (patrol sessions use the patrol key
// when the table has one); unlisted duties pay ×1.
func (t RateTable) multiplier(s Session) decimal.Decimal {
	if s.Role == "patrol" {
		if m, ok := t.Multipliers[DutyPatrol]; ok {
			return m
		}
	}
	if m, ok := t.Multipliers[s.Duty]; ok {
		return m
	}
	return decimal.NewFromInt(1)
}

func rateOn(rate decimal.Decimal, weekend decimal.NullDecimal, wh bool) decimal.Decimal {
	if wh && weekend.Valid {
		return weekend.Decimal
	}
	return rate
}

// sessionLine prices one session under rule r; the amount is rounded once.
func (t RateTable) sessionLine(r Rule, s Session, firstOfDay bool) (Line, error) {
	l := Line{Kind: LineSession, RecordID: s.RecordID, AssignmentID: s.AssignmentID, Date: s.Date,
		StartMinute: s.StartMinute, EndMinute: s.EndMinute, Role: s.Role, Duty: s.Duty, Minutes: s.CreditedMinutes,
		Periods: s.Periods, Unit: r.Unit, Multiplier: t.multiplier(s), Students: s.Students, WeekendHoliday: s.WeekendHoliday,
		RuleID: r.RuleID, DocumentNo: t.DocumentNo, Treatment: r.Treatment}
	extraQty := s.Periods // class-size extras are per period, or per day for per_day
	var base decimal.Decimal
	switch r.Unit {
	case PerPeriod:
		l.Rate = rateOn(r.Rate, r.WeekendHolidayRate, s.WeekendHoliday)
		base = l.Rate.Mul(s.Periods)
	case PerDay:
		l.Rate = rateOn(r.Rate, r.WeekendHolidayRate, s.WeekendHoliday)
		extraQty = decimal.Zero
		if firstOfDay {
			l.Days = 1
			base = l.Rate
			extraQty = decimal.NewFromInt(1)
		}
	case PerMinute:
		from, to := s.StartMinute, s.StartMinute+s.CreditedMinutes
		if s.CreditedMinutes > 0 && (from < r.WindowFrom || to > r.WindowTo) {
			return Line{}, fault.Precondition(fmt.Sprintf("record %s (%s) lies outside the time blocks %s of rule %s", s.RecordID, clock(from, to), clock(r.WindowFrom, r.WindowTo), r.RuleID))
		}
		blocks := r.Blocks
		if !slices.IsSortedFunc(blocks, func(a, b Block) int { return cmp.Compare(a.From, b.From) }) {
			blocks = slices.Clone(r.Blocks)
			slices.SortFunc(blocks, func(a, b Block) int { return cmp.Compare(a.From, b.From) })
		}
		for _, b := range blocks {
			lo, hi := max(from, b.From), min(to, b.To)
			if lo >= hi {
				continue
			}
			rate := rateOn(b.Rate, b.WeekendHolidayRate, s.WeekendHoliday)
			l.Pieces = append(l.Pieces, Piece{From: lo, To: hi, Minutes: hi - lo, Rate: rate})
			base = base.Add(rate.Mul(decimal.NewFromInt(int64(hi - lo))))
		}
		if len(l.Pieces) == 1 {
			l.Rate = l.Pieces[0].Rate
		}
	}
	if r.ClassSizeThreshold > 0 && s.Students > r.ClassSizeThreshold {
		l.ExtraStudents = s.Students - r.ClassSizeThreshold
		l.ExtraPerStudent = r.ExtraPerStudent
		base = base.Add(r.ExtraPerStudent.Mul(decimal.NewFromInt(int64(l.ExtraStudents))).Mul(extraQty))
	}
	l.Amount = money.Round(base.Mul(l.Multiplier), t.Rounding)
	return l, nil
}
