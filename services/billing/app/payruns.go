package app

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kehou/kehou/services/billing/app/runexec"
	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/domain/payrun"
	"github.com/kehou/kehou/services/billing/domain/runs"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Pay run modes.
const (
	// PayModeFull computes the month; refused once the month is paid.
	PayModeFull = "full"
	// PayModeAdjustments issues only differences; the way to change a paid month.
	PayModeAdjustments = "adjustments"
)

// Pay statement kinds.
const (
	PayKindPay        = "pay"
	PayKindAdjustment = "adjustment"
)

// ClassTeacherRef names a class teacher (班主任) of the month.
type ClassTeacherRef struct {
	StaffID string `json:"staff_id"`
	ClassID string `json:"class_id"`
}

// PayRunRequest asks for a school's remuneration run of a month.
type PayRunRequest struct {
	SchoolID      string            `json:"school_id"`
	RequestID     string            `json:"request_id"`
	Year          int               `json:"year"`
	Month         int               `json:"month"`
	Mode          string            `json:"mode"`
	LeavePending  bool              `json:"leave_pending"`
	ClassTeachers []ClassTeacherRef `json:"class_teachers"`
	Managers      []string          `json:"managers"`
}

// PayStore is the storage of pay runs, statements and disbursements.
type PayStore interface {
	RateStore
	PayRunByRequest(ctx context.Context, districtID, requestID string) (payrun.Run, bool, error)
	// GetPayRun returns a run with the statements it issued.
	GetPayRun(ctx context.Context, districtID, schoolID, runID string) (payrun.Run, error)
	// GetPayRunSummary returns a run without its statements.
	GetPayRunSummary(ctx context.Context, districtID, schoolID, runID string) (payrun.Run, error)
	// ListPayRuns returns a school's runs without statements, newest first,
	// at most limit, of one year (and month) when not zero.
	ListPayRuns(ctx context.Context, districtID, schoolID string, year, month, limit int) ([]payrun.Run, error)
	// IssuePayRun inserts run and lets produce write the rest in the same
	// transaction and returns the created run as produce returned it (with
	// the statements it wrote) and its create time; a run with the same
	// request id (committed first) is returned instead, without
	// statements, with created=false and nothing else written.
	IssuePayRun(ctx context.Context, run payrun.Run, produce func(ctx context.Context, w payrun.Writer) (payrun.Run, error)) (payrun.Run, bool, error)
	// PayRunInputs returns a run's stored snapshot and its sha256.
	PayRunInputs(ctx context.Context, districtID, schoolID, runID string) (sha string, data []byte, err error)
	// MonthStates returns every person's state of a school's month, counting
	// only statements of runs created no later than upToRun ("" = all):
	// hashes and sums, without the lines.
	MonthStates(ctx context.Context, districtID, schoolID string, year, month int, upToRun string) (map[string]payrun.State, error)
	// StaffPayStatements returns a person's statements of a month in revision order.
	StaffPayStatements(ctx context.Context, districtID, schoolID, staffID string, year, month int) ([]payrun.Statement, error)
	// PayMonth pays what each person of the month is owed and not yet paid,
	// in one transaction with its posting (idempotent by request id).
	PayMonth(ctx context.Context, d payrun.Disbursement, postingFor func(payrun.Disbursement) (ledger.Posting, error)) (payrun.Disbursement, bool, error)
}

// MonthHours is what a pay run reads from staffing: the approved hours and
// the pending records of a month, and the people paid without hours.
type MonthHours interface {
	MonthHours(ctx context.Context, schoolID string, year int, month time.Month) ([]facts.Hours, []facts.Pending, error)
	StaffMember(ctx context.Context, schoolID, staffID string) (facts.Member, error)
}

// PayRuns is the remuneration run use cases.
type PayRuns struct {
	store   PayStore
	schools Schools
	feed    Feed
	hours   MonthHours
	now     func() time.Time
	flight  *runexec.Flight[payrun.Run]
}

// NewPayRuns returns the pay run use cases.
func NewPayRuns(store PayStore, schools Schools, feed Feed, hours MonthHours) *PayRuns {
	return &PayRuns{store: store, schools: schools, feed: feed, hours: hours, now: time.Now, flight: runexec.NewFlight[payrun.Run](MaxConcurrentRuns)}
}

// payHeader is the snapshot header: everything of the engine input but the
// sessions, which follow one a line.
type payHeader struct {
	Input pay.Input
}

func validatePayRun(req *PayRunRequest) error {
	var c fault.Collector
	c.Check(strings.TrimSpace(req.RequestID) != "", "request_id", "is required")
	c.Check(req.Month >= 1 && req.Month <= 12, "month", "must be 1 to 12")
	c.Check(req.Year >= 2000 && req.Year <= 2100, "year", "must be 2000 to 2100")
	if req.Mode == "" {
		req.Mode = PayModeFull
	}
	c.Check(req.Mode == PayModeFull || req.Mode == PayModeAdjustments, "mode", "must be full or adjustments")
	for i, ct := range req.ClassTeachers {
		c.Check(ct.StaffID != "" && ct.ClassID != "", fmt.Sprintf("class_teachers[%d]", i), "needs staff_id and class_id")
	}
	return c.Err()
}

// CreateRun computes and issues a school's pay of a month, idempotently by
// request id and atomically. It returns the run and whether this call
// created it.
func (p *PayRuns) CreateRun(ctx context.Context, req PayRunRequest) (payrun.Run, bool, error) {
	if err := validatePayRun(&req); err != nil {
		return payrun.Run{}, false, err
	}
	sc, err := p.schools.School(ctx, req.SchoolID)
	if err != nil {
		return payrun.Run{}, false, err
	}
	rh := runs.RequestHash(req)
	created := false
	run, _, err := p.flight.Do(ctx, sc.DistrictID+"/"+req.RequestID, func(ctx context.Context) (payrun.Run, error) {
		if r, ok, err := p.store.PayRunByRequest(ctx, sc.DistrictID, req.RequestID); err != nil || ok {
			if err == nil {
				err = runs.SameRequest(r.ID, r.RequestID, r.RequestHash, rh)
			}
			return r, err
		}
		r, c, err := p.createRun(ctx, sc.DistrictID, req, rh)
		created = c
		return r, err
	})
	if err != nil {
		return payrun.Run{}, false, err
	}
	if created {
		return run, true, nil // with the statements it wrote
	}
	if err := runs.SameRequest(run.ID, run.RequestID, run.RequestHash, rh); err != nil {
		return payrun.Run{}, false, err
	}
	full, err := p.store.GetPayRun(ctx, run.DistrictID, run.SchoolID, run.ID)
	return full, false, err
}

func (p *PayRuns) createRun(ctx context.Context, districtID string, req PayRunRequest, rh string) (payrun.Run, bool, error) {
	hs, pending, err := p.hours.MonthHours(ctx, req.SchoolID, req.Year, time.Month(req.Month))
	if err != nil {
		return payrun.Run{}, false, err
	}
	var left []string
	if len(pending) > 0 {
		if !req.LeavePending {
			return payrun.Run{}, false, pendingError(pending)
		}
		for _, pr := range pending {
			left = append(left, pr.RecordID)
		}
	}
	in, err := p.input(ctx, districtID, req, hs, left)
	if err != nil {
		return payrun.Run{}, false, err
	}
	run := payrun.Run{ID: runs.NewID("pay"), RequestID: req.RequestID, RequestHash: rh, DistrictID: districtID, SchoolID: req.SchoolID,
		Year: req.Year, Month: req.Month, Mode: req.Mode, LeftPending: left}
	termFrom, termTo := p.termMonths(ctx, req)
	out, created, err := p.store.IssuePayRun(ctx, run, func(ctx context.Context, w payrun.Writer) (payrun.Run, error) {
		if err := w.LockMonth(ctx, req.SchoolID, req.Year, req.Month); err != nil {
			return payrun.Run{}, err
		}
		paid, err := w.MonthPaid(ctx, req.SchoolID, req.Year, req.Month)
		if err != nil {
			return payrun.Run{}, err
		}
		if paid && req.Mode == PayModeFull {
			return payrun.Run{}, fault.Invalid("mode", fmt.Sprintf("%04d-%02d of school %s is already paid: a full run is refused, only mode adjustments may change a paid month", req.Year, req.Month, req.SchoolID))
		}
		if termTo > termFrom {
			prior, err := w.TermPaid(ctx, req.SchoolID, termFrom, termTo)
			if err != nil {
				return payrun.Run{}, err
			}
			in.PriorTermPaid = prior
		}
		states, err := w.States(ctx, req.SchoolID, req.Year, req.Month)
		if err != nil {
			return payrun.Run{}, err
		}
		return p.produce(ctx, w, run, in, states)
	})
	return out, created, err
}

// pendingError lists the month's records not yet approved or locked, one
// field violation each, so the school can see what to approve and lock.
func pendingError(pending []facts.Pending) error {
	var c fault.Collector
	const most = 200
	for i, pr := range pending {
		if i == most {
			c.Add("hours", fmt.Sprintf("and %d more records not approved and locked", len(pending)-most))
			break
		}
		what := "not approved"
		if pr.Status == "approved" {
			what = "approved but not locked"
		}
		c.Add("hours", fmt.Sprintf("record %s (staff %s, %s) is %s (%s); approve and lock it, or set leave_pending to pay it in a later run",
			pr.RecordID, pr.StaffID, pr.Date.Format(time.DateOnly), what, pr.Status))
	}
	return c.Err()
}

// termMonths returns the months of the term before this one, as
// year*12+month-1 numbers [from, to), for the term cap; empty when no term
// covers the month.
func (p *PayRuns) termMonths(ctx context.Context, req PayRunRequest) (int, int) {
	terms, err := p.feed.Terms(ctx, req.SchoolID)
	if err != nil {
		return 0, 0
	}
	first := civil.New(req.Year, time.Month(req.Month), 1)
	last := first.AddMonths(1).AddDays(-1)
	this := req.Year*12 + req.Month - 1
	for _, t := range terms {
		if t.Start.After(last) || t.End.Before(first) {
			continue
		}
		return t.Start.Year*12 + int(t.Start.Month) - 1, this
	}
	return 0, 0
}

// input builds the engine input: sessions with their weekend/holiday flag
// from the school calendar, the rate tables of the school, the class
// teachers with their class size (from the month's sessions of the class)
// and the managers.
func (p *PayRuns) input(ctx context.Context, districtID string, req PayRunRequest, hs []facts.Hours, left []string) (pay.Input, error) {
	tables, err := p.store.ListRateTables(ctx, districtID, req.SchoolID)
	if err != nil {
		return pay.Input{}, err
	}
	days, err := p.calendar(ctx, req)
	if err != nil {
		return pay.Input{}, err
	}
	skip := map[string]bool{}
	for _, id := range left {
		skip[id] = true
	}
	in := pay.Input{DistrictID: districtID, SchoolID: req.SchoolID, Year: req.Year, Month: req.Month, Tables: tables}
	kinds := map[string]facts.Member{}
	classSize := map[string]int{}
	for _, h := range hs {
		if h.SchoolID != req.SchoolID || h.DistrictID != districtID {
			return pay.Input{}, fmt.Errorf("staffing returned record %s of school %s for school %s", h.RecordID, h.SchoolID, req.SchoolID)
		}
		if skip[h.RecordID] {
			continue
		}
		d := civil.Date{Year: h.Date.Year(), Month: h.Date.Month(), Day: h.Date.Day()}
		in.Sessions = append(in.Sessions, pay.Session{RecordID: h.RecordID, AssignmentID: h.AssignmentID, StaffID: h.StaffID,
			StaffKind: h.StaffKind, InstitutionID: h.InstitutionID, Date: d, StartMinute: h.StartMinute, EndMinute: h.EndMinute,
			Role: h.Role, Duty: h.Duty, CreditedMinutes: h.CreditedMinutes, Periods: h.Periods, Students: h.Students,
			ClassID: h.ClassID, ClubID: h.ClubID, WeekendHoliday: weekendHoliday(days, d)})
		kinds[h.StaffID] = facts.Member{StaffID: h.StaffID, StaffKind: h.StaffKind, InstitutionID: h.InstitutionID}
		if h.ClassID != "" && h.Students > classSize[h.ClassID] {
			classSize[h.ClassID] = h.Students
		}
	}
	slices.SortFunc(in.Sessions, func(a, b pay.Session) int {
		return cmp.Or(cmp.Compare(a.StaffID, b.StaffID), a.Date.Compare(b.Date), cmp.Compare(a.StartMinute, b.StartMinute), cmp.Compare(a.AssignmentID, b.AssignmentID))
	})
	member := func(id string) (facts.Member, error) {
		if m, ok := kinds[id]; ok {
			return m, nil
		}
		m, err := p.hours.StaffMember(ctx, req.SchoolID, id)
		if err != nil {
			return facts.Member{}, err
		}
		kinds[id] = m
		return m, nil
	}
	for _, ct := range req.ClassTeachers {
		m, err := member(ct.StaffID)
		if err != nil {
			return pay.Input{}, err
		}
		in.ClassTeachers = append(in.ClassTeachers, pay.ClassTeacher{StaffID: m.StaffID, StaffKind: m.StaffKind, ClassID: ct.ClassID, Students: classSize[ct.ClassID]})
	}
	for _, id := range req.Managers {
		m, err := member(id)
		if err != nil {
			return pay.Input{}, err
		}
		in.Managers = append(in.Managers, pay.Person{StaffID: m.StaffID, StaffKind: m.StaffKind, InstitutionID: m.InstitutionID})
	}
	return in, nil
}

// calendar reads the calendar days of the terms overlapping the month.
func (p *PayRuns) calendar(ctx context.Context, req PayRunRequest) (map[civil.Date]facts.Day, error) {
	terms, err := p.feed.Terms(ctx, req.SchoolID)
	if err != nil {
		return nil, err
	}
	first := civil.New(req.Year, time.Month(req.Month), 1)
	last := first.AddMonths(1).AddDays(-1)
	out := map[civil.Date]facts.Day{}
	for _, t := range terms {
		if t.Start.After(last) || t.End.Before(first) {
			continue
		}
		ds, err := p.feed.Calendar(ctx, req.SchoolID, t.ID)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			out[d.Date] = d
		}
	}
	return out, nil
}

// weekendHoliday: a weekend or holiday day of the calendar that is no
// school day (a 调休 Saturday is a school day), or a day outside every term
// that falls on a weekend.
func weekendHoliday(days map[civil.Date]facts.Day, d civil.Date) bool {
	if day, ok := days[d]; ok {
		return day.WeekendHoliday && !day.SchoolDay
	}
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// produce computes the month, decides per person what to issue, and writes
// statements, lines, the accrual posting and the inputs snapshot.
func (p *PayRuns) produce(ctx context.Context, w payrun.Writer, run payrun.Run, in pay.Input, states map[string]payrun.State) (payrun.Run, error) {
	snap := runs.NewSnapshot(payHeader{Input: pay.Input{DistrictID: in.DistrictID, SchoolID: in.SchoolID, Year: in.Year, Month: in.Month,
		Tables: in.Tables, ClassTeachers: in.ClassTeachers, Managers: in.Managers, PriorTermPaid: in.PriorTermPaid}})
	for _, s := range in.Sessions {
		snap.Add(s)
	}
	data, sha, err := snap.Close()
	if err != nil {
		return payrun.Run{}, err
	}
	res, err := pay.Compute(in)
	if err != nil {
		return payrun.Run{}, err
	}
	sts, unchanged := Revisions(run, res, states)
	out := run
	out.InputsHash = sha
	out.Unchanged = unchanged
	tags := map[pay.Treatment]decimal.Decimal{}
	for _, st := range sts {
		if st.Kind == PayKindPay {
			out.Statements++
		} else {
			out.Adjustments++
		}
		out.Earned = out.Earned.Add(st.Earned)
		out.Paid = out.Paid.Add(st.Paid)
		out.HeldBack = out.HeldBack.Add(st.HeldBack)
		for _, ta := range st.ByTreatment {
			tags[ta.Treatment] = tags[ta.Treatment].Add(ta.Amount)
		}
	}
	for _, tg := range pay.Treatments {
		if v, ok := tags[tg]; ok && !v.IsZero() {
			out.ByTreatment = append(out.ByTreatment, pay.TagAmount{Treatment: tg, Amount: v})
		}
	}
	var postings []ledger.Posting
	if ps, ok := accrual(out, sts, p.now()); ok {
		postings = append(postings, ps)
	}
	if err := w.Write(ctx, sts, postings); err != nil {
		return payrun.Run{}, err
	}
	if err := w.WriteInputs(ctx, run.SchoolID, run.ID, sha, data); err != nil {
		return payrun.Run{}, err
	}
	// The run's answer is what it wrote, as GetPayRun would read it back
	// (lines name their statement; bodies were stored without it).
	for i := range sts {
		for j := range sts[i].Lines {
			sts[i].Lines[j].StatementID = sts[i].StatementID
		}
	}
	out.Issued = sts
	return out, nil
}

// Revisions decides, per person, what a run issues against the month's
// state so far: a first statement, an adjustment with the differences
// (one line per changed session, referencing the line it corrects), or
// nothing when the recomputation is unchanged. A person paid before and
// absent now gets an adjustment to zero. It returns the statements in
// staff-id order and the number of unchanged people.
func Revisions(run payrun.Run, res pay.Result, states map[string]payrun.State) ([]payrun.Statement, int) {
	var out []payrun.Statement
	unchanged := 0
	seen := map[string]bool{}
	issue := func(st pay.Statement) {
		seen[st.StaffID] = true
		hash := pay.ContentHash(st)
		cur, had := states[st.StaffID]
		switch {
		case had && cur.Current.ContentHash == hash:
			unchanged++
		case !had && len(st.Lines) == 0:
		case !had:
			lines := make([]pay.IssuedLine, len(st.Lines))
			for i, l := range st.Lines {
				lines[i] = pay.IssuedLine{Line: l}
			}
			out = append(out, payrun.Statement{RunID: run.ID, StaffID: st.StaffID, StaffKind: st.StaffKind, InstitutionID: st.InstitutionID,
				Year: run.Year, Month: run.Month, Revision: 1, Kind: PayKindPay, Earned: st.Earned, Paid: st.Paid, HeldBack: st.HeldBack,
				CapRuleID: st.CapRuleID, CapLimit: st.CapLimit, ByTreatment: st.ByTreatment, ContentHash: hash, Lines: lines})
		default:
			adj := pay.Diff(st, cur.Prior)
			kind, inst := st.StaffKind, st.InstitutionID
			if kind == "" {
				kind, inst = cur.StaffKind, cur.InstitutionID
			}
			out = append(out, payrun.Statement{RunID: run.ID, StaffID: st.StaffID, StaffKind: kind, InstitutionID: inst,
				Year: run.Year, Month: run.Month, Revision: cur.Current.Revision + 1, Kind: PayKindAdjustment, Corrects: cur.Current.StatementID,
				Earned: adj.Earned, Paid: adj.Paid, HeldBack: adj.HeldBack, CapRuleID: st.CapRuleID, CapLimit: st.CapLimit,
				ByTreatment: adj.ByTreatment, ContentHash: hash, Lines: adj.Lines})
		}
	}
	for _, st := range res.Statements {
		issue(st)
	}
	var gone []string
	for id := range states {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		issue(pay.Statement{StaffID: id})
	}
	slices.SortStableFunc(out, func(a, b payrun.Statement) int { return cmp.Compare(a.StaffID, b.StaffID) })
	for i := range out {
		out[i].StatementID = fmt.Sprintf("%s-%s-r%d", run.ID, out[i].StaffID, out[i].Revision)
	}
	return out, unchanged
}

// payableAccount is where a person's pay is owed: an outside instructor's
// labour fee to their institution, everyone else's to them.
func payableAccount(staffKind, institutionID, staffID string) string {
	if staffKind == "outside_instructor" && institutionID != "" {
		return ledger.InstitutionPayable(institutionID)
	}
	return ledger.PayPayable(staffID)
}

// accrual is a run's one posting: Dr remuneration expense per treatment,
// Cr each person's (or institution's) pay payable, by what was paid after
// caps (differences for adjustments).
func accrual(run payrun.Run, sts []payrun.Statement, now time.Time) (ledger.Posting, bool) {
	var b ledger.Builder
	for _, st := range sts {
		for _, ta := range st.ByTreatment {
			b.Add(ledger.RemunerationExpense(string(ta.Treatment)), ta.Amount)
		}
		b.Add(payableAccount(st.StaffKind, st.InstitutionID, st.StaffID), st.Paid.Neg())
	}
	es := b.Entries()
	if len(es) < 2 {
		return ledger.Posting{}, false
	}
	return ledger.Posting{DistrictID: run.DistrictID, SchoolID: run.SchoolID, PostingID: run.ID + "-accrual", Kind: ledger.KindPayAccrual,
		Reference: run.ID, Memo: fmt.Sprintf("劳务报酬 %04d-%02d", run.Year, run.Month), EffectiveDate: now.UTC(), Entries: es}, true
}

// GetRun returns a run with its statements.
func (p *PayRuns) GetRun(ctx context.Context, schoolID, runID string) (payrun.Run, error) {
	sc, err := p.schools.School(ctx, schoolID)
	if err != nil {
		return payrun.Run{}, err
	}
	return p.store.GetPayRun(ctx, sc.DistrictID, sc.ID, runID)
}

// ListRuns lists a school's runs without their statements, newest first
// (RunListLimit at most); a month needs its year.
func (p *PayRuns) ListRuns(ctx context.Context, schoolID string, year, month int) ([]payrun.Run, error) {
	if month != 0 && year == 0 {
		return nil, fault.Invalid("year", "is needed with month")
	}
	sc, err := p.schools.School(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return p.store.ListPayRuns(ctx, sc.DistrictID, sc.ID, year, month, RunListLimit)
}

// StaffStatements returns a person's statements of a month.
func (p *PayRuns) StaffStatements(ctx context.Context, schoolID, staffID string, year, month int) ([]payrun.Statement, error) {
	sc, err := p.schools.School(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return p.store.StaffPayStatements(ctx, sc.DistrictID, sc.ID, staffID, year, month)
}

// PayVerification is what replaying a pay run found.
type PayVerification struct {
	HashMatches    bool
	RecomputedHash string
	PeopleChecked  int
	Differing      []string
}

// Identical reports whether the snapshot is intact and every person's
// state follows from it.
func (v PayVerification) Identical() bool { return v.HashMatches && len(v.Differing) == 0 }

// VerifyRun replays a run from its stored snapshot with the pure engine (no
// staffing or timetable call): the snapshot's sha256 must be the run's
// inputs hash, and every person's recomputation must hash like their latest
// statement as of the run.
func (p *PayRuns) VerifyRun(ctx context.Context, schoolID, runID string) (PayVerification, error) {
	sc, err := p.schools.School(ctx, schoolID)
	if err != nil {
		return PayVerification{}, err
	}
	run, err := p.store.GetPayRunSummary(ctx, sc.DistrictID, sc.ID, runID)
	if err != nil {
		return PayVerification{}, err
	}
	_, data, err := p.store.PayRunInputs(ctx, sc.DistrictID, sc.ID, runID)
	if err != nil {
		return PayVerification{}, err
	}
	var h payHeader
	var sessions []pay.Session
	sha, err := runs.ReadSnapshot(data, &h, func(raw json.RawMessage) error {
		var s pay.Session
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		sessions = append(sessions, s)
		return nil
	}, func(string) {})
	if err != nil {
		return PayVerification{}, fmt.Errorf("read inputs of run %s: %w", runID, err)
	}
	v := PayVerification{HashMatches: sha == run.InputsHash, RecomputedHash: sha}
	in := h.Input
	in.Sessions = sessions
	res, err := pay.Compute(in)
	if err != nil {
		return PayVerification{}, fmt.Errorf("replay run %s: %w", runID, err)
	}
	states, err := p.store.MonthStates(ctx, sc.DistrictID, sc.ID, run.Year, run.Month, runID)
	if err != nil {
		return PayVerification{}, err
	}
	seen := map[string]bool{}
	for _, st := range res.Statements {
		seen[st.StaffID] = true
		v.PeopleChecked++
		cur, ok := states[st.StaffID]
		if (!ok && len(st.Lines) > 0) || (ok && cur.Current.ContentHash != pay.ContentHash(st)) || (ok && !cur.Prior.Paid.Equal(st.Paid)) {
			v.Differing = append(v.Differing, st.StaffID)
		}
	}
	for id, cur := range states {
		if seen[id] {
			continue
		}
		v.PeopleChecked++
		if cur.Current.ContentHash != pay.ContentHash(pay.Statement{StaffID: id}) {
			v.Differing = append(v.Differing, id)
		}
	}
	slices.Sort(v.Differing)
	return v, nil
}

// PayMonth pays a school's month: each person's issued, not yet paid
// amount, idempotently by request id.
func (p *PayRuns) PayMonth(ctx context.Context, schoolID, requestID string, year, month int, channel string) (payrun.Disbursement, bool, error) {
	var c fault.Collector
	c.Check(strings.TrimSpace(requestID) != "", "request_id", "is required")
	c.Check(month >= 1 && month <= 12, "month", "must be 1 to 12")
	if err := c.Err(); err != nil {
		return payrun.Disbursement{}, false, err
	}
	if channel == "" {
		channel = "bank"
	}
	sc, err := p.schools.School(ctx, schoolID)
	if err != nil {
		return payrun.Disbursement{}, false, err
	}
	d := payrun.Disbursement{ID: runs.NewID("payout"), RequestID: requestID, DistrictID: sc.DistrictID, SchoolID: sc.ID, Year: year, Month: month, Channel: channel}
	now := p.now().UTC()
	return p.store.PayMonth(ctx, d, func(d payrun.Disbursement) (ledger.Posting, error) {
		var b ledger.Builder
		for _, pm := range d.Payments {
			b.Add(payableAccount(pm.StaffKind, pm.InstitutionID, pm.StaffID), pm.Amount)
		}
		b.Add(ledger.Cash(d.Channel), d.Total.Neg())
		return ledger.Posting{DistrictID: d.DistrictID, SchoolID: d.SchoolID, PostingID: d.ID, Kind: ledger.KindPayPayment, Reference: d.ID,
			Memo: fmt.Sprintf("劳务报酬发放 %04d-%02d", d.Year, d.Month), EffectiveDate: now, Entries: b.Entries()}, nil
	})
}
