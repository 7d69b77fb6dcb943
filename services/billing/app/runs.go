package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/ttfeed"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Statement kinds.
const (
	// KindCharge is a first statement of a student and period.
	KindCharge = "charge"
	// KindAdjustment corrects the statements before it: its lines are the differences.
	KindAdjustment = "adjustment"
)

// RunRequest asks for a fee run.
type RunRequest struct {
	DistrictID string
	RequestID  string
	// SchoolID empty runs every school of the district.
	SchoolID   string
	TermID     string
	PeriodKind fee.PeriodKind
	// Month is any day of the billed month (month runs).
	Month fee.Date
	// On is a day inside the term; it picks each school's term when TermID is empty.
	On fee.Date
}

// Run is an issued fee run.
type Run struct {
	ID          string
	RequestID   string
	DistrictID  string
	SchoolID    string
	TermID      string
	PeriodKind  fee.PeriodKind
	From, To    fee.Date
	Status      string
	Inputs      json.RawMessage
	InputsHash  string
	RequestHash string
	Statements  int
	Adjustments int
	Unchanged   int
	ParentTotal decimal.Decimal
	CreateTime  time.Time
}

// RunResult is what a run's producer reports when it has written everything.
type RunResult struct {
	Inputs      json.RawMessage
	InputsHash  string
	Statements  int
	Adjustments int
	Unchanged   int
	ParentTotal decimal.Decimal
}

// CurrentStatement is the latest statement of a student and period.
type CurrentStatement struct {
	StatementID string
	Revision    int
	ContentHash string
}

// Issued is a stored statement: a charge, or an adjustment whose amounts are
// differences (negative where it reduces).
type Issued struct {
	StatementID string
	RunID       string
	DistrictID  string
	SchoolID    string
	StudentID   string
	TermID      string
	PeriodKind  fee.PeriodKind
	From, To    fee.Date
	Kind        string
	Corrects    string
	Revision    int
	Schedule    fee.RuleRef
	Lines       []IssuedLine
	Totals      IssuedTotals
	ContentHash string
	IssuedAt    time.Time
	// ParentAmount and TotalAmount are the statement's own columns as read
	// back (what balances and claims sum). A run writes Totals.Parent and
	// Totals.Net there; they are kept apart so VerifyFeeRun can catch a
	// column changed behind the API while the totals document stayed.
	ParentAmount, TotalAmount decimal.Decimal
}

// IssuedLine is a stored statement line.
type IssuedLine struct {
	LineType    string
	RuleID      string
	DocumentNo  string
	Name        string
	ServiceKind string
	Unit        string
	Quantity    decimal.Decimal
	UnitRate    decimal.Decimal
	Gross       decimal.Decimal
	Adjustments []IssuedAdjustment
	Net         decimal.Decimal
	Subsidies   []IssuedShare
	Waivers     []IssuedShare
	Parent      decimal.Decimal
	ProviderID  string
	// Detail explains the quantity: the item's service days and how many of them the student
	// was enrolled, served, on leave, or lost to cancellations and short days; holiday units.
	Detail LineDetail
}

// LineDetail is the day count behind a line (of the latest computation, on an adjustment).
type LineDetail struct {
	DaysScheduled   int             `json:"days_scheduled"`
	DaysEnrolled    int             `json:"days_enrolled"`
	DaysCancelled   int             `json:"days_cancelled"`
	DaysShort       int             `json:"days_short"`
	DaysLeave       int             `json:"days_leave"`
	DaysServed      int             `json:"days_served"`
	HolidayQuantity decimal.Decimal `json:"holiday_quantity"`
	HolidayRate     decimal.Decimal `json:"holiday_rate"`
	Surcharge       decimal.Decimal `json:"surcharge"`
}

// IssuedAdjustment is a cap or proration adjustment of a line.
type IssuedAdjustment struct {
	Kind       string          `json:"kind"`
	Amount     decimal.Decimal `json:"amount"`
	RuleID     string          `json:"rule_id"`
	DocumentNo string          `json:"document_no"`
}

// IssuedShare is a payer's share of a line.
type IssuedShare struct {
	PayerID    string          `json:"payer_id"`
	Amount     decimal.Decimal `json:"amount"`
	RuleID     string          `json:"rule_id"`
	DocumentNo string          `json:"document_no"`
	Category   string          `json:"category,omitempty"`
}

// IssuedTotals sums a stored statement.
type IssuedTotals struct {
	Gross             decimal.Decimal            `json:"gross"`
	Net               decimal.Decimal            `json:"net"`
	Parent            decimal.Decimal            `json:"parent"`
	Subsidies         map[string]decimal.Decimal `json:"subsidies,omitempty"`
	Waivers           map[string]decimal.Decimal `json:"waivers,omitempty"`
	CollectedOnBehalf map[string]decimal.Decimal `json:"collected_on_behalf,omitempty"`
}

// Claims are what each payer is billed, summed from statements.
type Claims struct {
	Subsidies  map[string]decimal.Decimal
	Waivers    map[string]decimal.Decimal
	Parent     decimal.Decimal
	Statements int
}

// ErrInjected is the failure the FailAfter test hook raises.
var ErrInjected = errors.New("injected failure in the middle of a fee run")

func (f *Fees) validateRun(req RunRequest) error {
	var c fault.Collector
	c.Check(req.DistrictID != "", "district_id", "is required")
	switch req.PeriodKind {
	case fee.TermPeriod:
	case fee.MonthPeriod:
		c.Check(!req.Month.IsZero(), "month", "is required for a month run, as YYYY-MM")
	default:
		c.Add("period_kind", "must be term or month")
	}
	if req.SchoolID != "" {
		c.Check(req.TermID != "", "term_id", "is required for a school run")
	} else if req.TermID == "" {
		c.Check(!req.On.IsZero() || !req.Month.IsZero(), "on", "a district run needs a day inside the term (or a month)")
	}
	return c.Err()
}

func requestHash(req RunRequest) string {
	b, _ := json.Marshal(req)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// CreateRun computes and issues a fee run, idempotently by request id and
// atomically: the run, its statements, lines and postings are committed
// together or not at all.
func (f *Fees) CreateRun(ctx context.Context, req RunRequest) (Run, error) {
	req.RequestID = strings.TrimSpace(req.RequestID)
	if err := f.validateRun(req); err != nil {
		return Run{}, err
	}
	if req.RequestID == "" {
		return Run{}, fault.Invalid("request_id", "is required: it makes the run idempotent")
	}
	key := req.DistrictID + "\x00" + req.RequestID
	f.mu.Lock()
	if c, ok := f.inflight[key]; ok {
		f.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return Run{}, ctx.Err()
		}
		if c.err != nil {
			return f.createRun(ctx, req) // the first failed (e.g. cancelled): try on our own
		}
		return sameRequest(c.run, requestHash(req))
	}
	c := &runCall{done: make(chan struct{})}
	f.inflight[key] = c
	f.mu.Unlock()
	c.run, c.err = f.createRun(ctx, req)
	f.mu.Lock()
	delete(f.inflight, key)
	f.mu.Unlock()
	close(c.done)
	return c.run, c.err
}

func (f *Fees) createRun(ctx context.Context, req RunRequest) (Run, error) {
	rh := requestHash(req)
	select {
	case f.runSlots <- struct{}{}:
		defer func() { <-f.runSlots }()
	case <-ctx.Done():
		return Run{}, ctx.Err()
	}
	if r, ok, err := f.store.RunByRequest(ctx, req.DistrictID, req.RequestID); err != nil {
		return Run{}, err
	} else if ok {
		return sameRequest(r, rh)
	}
	schools, err := f.schools(ctx, req)
	if err != nil {
		return Run{}, err
	}
	run := Run{ID: newID("run"), RequestID: req.RequestID, DistrictID: req.DistrictID, SchoolID: req.SchoolID,
		TermID: req.TermID, PeriodKind: req.PeriodKind, Status: "issued", RequestHash: rh}
	issuedAt := f.now().UTC()
	if run.From, run.To, err = f.runPeriod(ctx, req, schools); err != nil {
		return Run{}, err
	}
	got, created, err := f.store.IssueRun(ctx, run, func(ctx context.Context, w RunWriter) (RunResult, error) {
		return f.produce(ctx, req, run, schools, issuedAt, w)
	})
	if err != nil {
		return Run{}, err
	}
	if !created {
		return sameRequest(got, rh)
	}
	return got, nil
}

// sameRequest returns an existing run, unless the request id was reused for a different request.
func sameRequest(r Run, rh string) (Run, error) {
	if r.RequestHash != "" && r.RequestHash != rh {
		return Run{}, fault.AlreadyExists("request_id " + r.RequestID + " was used by run " + r.ID + " for a different request")
	}
	return r, nil
}

// runPeriod gives the run's period as recorded on the run: for a school run
// its term or month; for a district run the month, or the term of the first school.
func (f *Fees) runPeriod(ctx context.Context, req RunRequest, schools []ttfeed.School) (fee.Date, fee.Date, error) {
	if len(schools) == 0 {
		return fee.Date{}, fee.Date{}, fault.Precondition("district " + req.DistrictID + " has no schools")
	}
	term, err := f.term(ctx, schools[0].ID, req.TermID, f.termDay(req))
	if err != nil {
		return fee.Date{}, fee.Date{}, err
	}
	return periodFor(term, req.PeriodKind, req.Month)
}

func (f *Fees) termDay(req RunRequest) fee.Date {
	if !req.On.IsZero() {
		return req.On
	}
	return req.Month
}

// schools lists the schools of a run, sorted by id.
func (f *Fees) schools(ctx context.Context, req RunRequest) ([]ttfeed.School, error) {
	if req.SchoolID != "" {
		sc, err := f.feed.School(ctx, req.SchoolID)
		if err != nil {
			return nil, err
		}
		if sc.DistrictID != req.DistrictID {
			return nil, fault.Invalid("school_id", "school "+req.SchoolID+" is not in district "+req.DistrictID)
		}
		return []ttfeed.School{sc}, nil
	}
	all, err := f.feed.Schools(ctx, req.DistrictID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b ttfeed.School) int { return strings.Compare(a.ID, b.ID) })
	return all, nil
}

// schoolPlan loads one school's inputs for a run: term, period, schedule, cost sheet and facts.
func (f *Fees) schoolPlan(ctx context.Context, req RunRequest, sc ttfeed.School, override *fee.Schedule) (*schoolInputs, error) {
	term, err := f.term(ctx, sc.ID, req.TermID, f.termDay(req))
	if err != nil {
		return nil, err
	}
	from, to, err := periodFor(term, req.PeriodKind, req.Month)
	if err != nil {
		return nil, err
	}
	all, err := f.store.ListSchedules(ctx, sc.DistrictID, sc.ID, true)
	if err != nil {
		return nil, err
	}
	sched, err := fee.Applicable(all, sc.DistrictID, sc.ID, from)
	if errors.Is(err, fee.ErrNoSchedule) {
		return nil, fault.Precondition("no fee schedule in force for school " + sc.ID + " on " + from.String())
	}
	if err != nil {
		return nil, err
	}
	if override != nil {
		sched = *override
	}
	cost, err := f.store.CostSheet(ctx, sc.DistrictID, sc.ID, term.ID)
	if err != nil {
		return nil, err
	}
	return f.loadSchool(ctx, sc, term, req.PeriodKind, from, to, sched, cost)
}

// students streams a school's students in id order, in batches, with their facts.
func (f *Fees) students(ctx context.Context, in *schoolInputs, fn func([]fee.StudentFacts) error) error {
	byStudent := map[string][]ttfeed.Interval{}
	err := f.feed.Intervals(ctx, in.school.ID, in.term.ID, func(batch []ttfeed.Interval) error {
		for _, iv := range batch {
			byStudent[iv.StudentID] = append(byStudent[iv.StudentID], iv)
		}
		return nil
	})
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(byStudent))
	for id := range byStudent {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	size := max(f.BatchSize, 1)
	batch := make([]fee.StudentFacts, 0, min(size, len(ids)))
	for _, id := range ids {
		sf, err := in.studentFacts(id, byStudent[id])
		if err != nil {
			return err
		}
		delete(byStudent, id)
		if len(sf.Enrolments) == 0 {
			continue
		}
		batch = append(batch, sf)
		if len(batch) == size {
			if err := fn(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// produce computes and writes every statement of a run inside its transaction.
func (f *Fees) produce(ctx context.Context, req RunRequest, run Run, schools []ttfeed.School, issuedAt time.Time, tw RunWriter) (RunResult, error) {
	w := &pipelinedWriter{RunWriter: tw, timing: f.Timing}
	res, err := f.produceWith(ctx, req, run, schools, issuedAt, w)
	if err == nil {
		err = w.writeQueuedInputs(ctx)
	}
	if ferr := w.flush(); err == nil {
		err = ferr
	}
	return res, err
}

// pipelinedWriter writes one batch in the background while the next is
// issued (computeSchools computes further ahead), so the run's transaction
// side overlaps its own COPY. The
// transaction is used by one goroutine at a time: every other call waits
// for the batch being written first.
type pipelinedWriter struct {
	RunWriter
	timing  *RunTiming
	pending chan error
	// inputs are school snapshots waiting to be written behind the next batch.
	inputs []RunInputs
}

func (p *pipelinedWriter) flush() error {
	if p.pending == nil {
		return nil
	}
	err := <-p.pending
	p.pending = nil
	return err
}

// Write hands a batch to the background writer, first collecting the
// previous batch's result; the snapshots of schools finished since are
// written after it, by the same goroutine.
func (p *pipelinedWriter) Write(ctx context.Context, sts []Issued, posts []ledger.Posting) error {
	inputs := p.inputs
	p.inputs = nil
	return p.async(func() error {
		if err := p.RunWriter.Write(ctx, sts, posts); err != nil {
			return err
		}
		return writeInputs(ctx, p.RunWriter, inputs)
	})
}

// WriteInputs queues a school's inputs snapshot to go out with the next
// batch (or at the end of the run), so its insert does not hold up the
// transaction side. A run that writes no batches (nothing changed) sends the
// queue on its own once two snapshots wait, so memory holds at most two.
func (p *pipelinedWriter) WriteInputs(ctx context.Context, in RunInputs) error {
	p.inputs = append(p.inputs, in)
	if len(p.inputs) >= 2 {
		return p.writeQueuedInputs(ctx)
	}
	return nil
}

// writeQueuedInputs writes the snapshots still queued when the run's statements are done.
func (p *pipelinedWriter) writeQueuedInputs(ctx context.Context) error {
	inputs := p.inputs
	p.inputs = nil
	if len(inputs) == 0 {
		return nil
	}
	return p.async(func() error { return writeInputs(ctx, p.RunWriter, inputs) })
}

func writeInputs(ctx context.Context, w RunWriter, inputs []RunInputs) error {
	for _, in := range inputs {
		if err := w.WriteInputs(ctx, in); err != nil {
			return err
		}
	}
	return nil
}

func (p *pipelinedWriter) async(write func() error) error {
	if err := p.flush(); err != nil {
		return err
	}
	p.pending = make(chan error, 1)
	go func() {
		t0 := time.Now()
		err := write()
		if p.timing != nil {
			p.timing.Write += time.Since(t0)
		}
		p.pending <- err
	}()
	return nil
}

func (p *pipelinedWriter) LockPeriod(ctx context.Context, schoolID, termID string, from, to fee.Date) error {
	if err := p.flush(); err != nil {
		return err
	}
	return p.RunWriter.LockPeriod(ctx, schoolID, termID, from, to)
}

func (p *pipelinedWriter) Current(ctx context.Context, schoolID, termID string, from, to fee.Date) (map[string]CurrentStatement, error) {
	if err := p.flush(); err != nil {
		return nil, err
	}
	return p.RunWriter.Current(ctx, schoolID, termID, from, to)
}

func (p *pipelinedWriter) Effective(ctx context.Context, schoolID, studentID, termID string, from, to fee.Date) ([]IssuedLine, error) {
	if err := p.flush(); err != nil {
		return nil, err
	}
	return p.RunWriter.Effective(ctx, schoolID, studentID, termID, from, to)
}

// schoolSnap is one school's part of a run's inputs snapshot.
type schoolSnap struct {
	SchoolID   string            `json:"school_id"`
	TermID     string            `json:"term_id"`
	From       string            `json:"from"`
	To         string            `json:"to"`
	ScheduleID string            `json:"schedule_id"`
	Version    int               `json:"schedule_version"`
	DocumentNo string            `json:"document_no"`
	Students   int               `json:"students"`
	FactsHash  string            `json:"facts_hash"`
	CostSheet  *fee.CostSheet    `json:"cost_sheet,omitempty"`
	Calendar   []fee.CalendarDay `json:"calendar"`
}

// snapHeader is the first value of a school's inputs snapshot: what every
// student of the school shares (the schedule version, the period with its
// calendar, the cost sheet).
type snapHeader struct {
	S fee.Schedule
	P fee.Period
	C *fee.CostSheet
}

// schoolWork is one school of a run as the compute side hands it to the writing side.
// Everything the engine reads is encoded once, as JSON lines, into both the
// school's facts hash and its gzip-compressed inputs snapshot (billing.run_inputs).
type schoolWork struct {
	sc    ttfeed.School
	in    *schoolInputs
	facts hash.Hash
	gz    *gzip.Writer
	buf   bytes.Buffer
	enc   *json.Encoder
	snap  schoolSnap
}

// gzipWriters are reused across schools: a flate compressor holds about a
// megabyte of tables, and a city's run compresses a few hundred snapshots.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // a valid level: no error
	return w
}}

// newSchoolWork starts a school's snapshot stream with its header.
func newSchoolWork(sc ttfeed.School, in *schoolInputs) *schoolWork {
	sw := &schoolWork{sc: sc, in: in, facts: sha256.New()}
	sw.gz = gzipWriters.Get().(*gzip.Writer)
	sw.gz.Reset(&sw.buf)
	sw.enc = json.NewEncoder(io.MultiWriter(sw.facts, sw.gz))
	_ = sw.enc.Encode(snapHeader{in.sched, in.period, in.cost})
	return sw
}

// inputs closes the school's snapshot stream and returns its stored form.
func (sw *schoolWork) inputs(runID string) (RunInputs, error) {
	if err := sw.gz.Close(); err != nil {
		return RunInputs{}, fmt.Errorf("compress inputs of school %s: %w", sw.sc.ID, err)
	}
	gzipWriters.Put(sw.gz)
	sw.gz = nil
	return RunInputs{SchoolID: sw.sc.ID, RunID: runID, TermID: sw.in.term.ID, From: sw.in.period.From, To: sw.in.period.To,
		Students: sw.snap.Students, SHA256: hex.EncodeToString(sw.facts.Sum(nil)), Data: sw.buf.Bytes()}, nil
}

// computed is one student's engine result in stored form.
type computed struct {
	studentID string
	lines     []IssuedLine
}

// workItem is what the compute side sends: a school's start (its inputs are
// loaded), a batch of its computed students, its end, or an error.
type workItem struct {
	school   *schoolWork
	students []computed
	end      bool
	err      error
}

// computeSchools loads each school's inputs and computes its students, in
// order, sending them to out; it closes out when done or when ctx ends. It
// touches no transaction (schedules, cost sheets and facts come from the
// pool and the feed), so it runs ahead of the writing side: the engine and
// the timetable feed overlap the COPY of the batches before.
func (f *Fees) computeSchools(ctx context.Context, req RunRequest, schools []ttfeed.School, out chan<- workItem) {
	defer close(out)
	send := func(it workItem) bool {
		select {
		case out <- it:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, sc := range schools {
		in, err := f.schoolPlan(ctx, req, sc, nil)
		if err != nil {
			send(workItem{err: fmt.Errorf("school %s: %w", sc.ID, err)})
			return
		}
		sw := newSchoolWork(sc, in)
		sw.snap = schoolSnap{SchoolID: sc.ID, TermID: in.term.ID, From: in.period.From.String(), To: in.period.To.String(),
			ScheduleID: in.sched.ID, Version: in.sched.Version, DocumentNo: in.sched.DocumentNo, CostSheet: in.cost, Calendar: in.period.Days}
		if !send(workItem{school: sw}) {
			return
		}
		err = f.students(ctx, in, func(batch []fee.StudentFacts) error {
			cs := make([]computed, 0, len(batch))
			for _, sf := range batch {
				_ = sw.enc.Encode(sf)
				sw.snap.Students++
				t0 := time.Now()
				st, err := in.engine.Compute(sf)
				if f.Timing != nil {
					f.Timing.Engine += time.Since(t0)
					f.Timing.Students++
				}
				if err != nil {
					return fmt.Errorf("student %s: %w", sf.StudentID, err)
				}
				cs = append(cs, computed{studentID: sf.StudentID, lines: issuedFrom(st, in).Lines})
			}
			if !send(workItem{school: sw, students: cs}) {
				return ctx.Err()
			}
			return nil
		})
		if err != nil {
			send(workItem{err: err})
			return
		}
		if !send(workItem{school: sw, end: true}) {
			return
		}
	}
}

func (f *Fees) produceWith(ctx context.Context, req RunRequest, run Run, schools []ttfeed.School, issuedAt time.Time, w RunWriter) (RunResult, error) {
	var res RunResult
	res.ParentTotal = decimal.New(0, -2)
	total := sha256.New()
	var snaps []schoolSnap
	seq, batches := 0, 0

	cctx, cancel := context.WithCancel(ctx)
	work := make(chan workItem, 2)
	go f.computeSchools(cctx, req, schools, work)
	defer func() {
		cancel()
		for range work { // wait for the compute side to stop
		}
	}()

	// Per school: what was issued before, who was seen, and the run's two postings.
	var (
		current              map[string]CurrentStatement
		seen                 map[string]bool
		charges, adjustments *schoolPosting
	)
	for it := range work {
		if it.err != nil {
			return RunResult{}, it.err
		}
		sw := it.school
		sc, in := sw.sc, sw.in
		// issue turns one student's computed lines into a charge, an adjustment or nothing.
		issue := func(studentID string, lines []IssuedLine, sts []Issued) ([]Issued, error) {
			is := Issued{SchoolID: sc.ID, StudentID: studentID, PeriodKind: in.period.Kind, From: in.period.From, To: in.period.To,
				Schedule: fee.RuleRef{ScheduleID: in.sched.ID, Version: in.sched.Version, DocumentNo: in.sched.DocumentNo}, Lines: lines}
			is.ContentHash = contentHash(is.Lines)
			cur, had := current[studentID]
			if had && cur.ContentHash == is.ContentHash {
				res.Unchanged++
				return sts, nil
			}
			if !had && len(lines) == 0 {
				return sts, nil
			}
			seq++
			is.StatementID = fmt.Sprintf("st-%s-%06d", strings.TrimPrefix(run.ID, "run-"), seq)
			is.RunID, is.DistrictID, is.TermID, is.IssuedAt = run.ID, sc.DistrictID, in.term.ID, issuedAt
			is.Kind, is.Revision = KindCharge, 1
			if had {
				prev, err := w.Effective(ctx, sc.ID, studentID, in.term.ID, in.period.From, in.period.To)
				if err != nil {
					return nil, err
				}
				is.Lines = diffLines(is.Lines, prev)
				is.Kind, is.Corrects, is.Revision = KindAdjustment, cur.StatementID, cur.Revision+1
				res.Adjustments++
			} else {
				res.Statements++
			}
			is.Totals = totalsOf(is.Lines)
			res.ParentTotal = res.ParentTotal.Add(is.Totals.Parent)
			sts = append(sts, is)
			if is.Kind == KindAdjustment {
				adjustments.add(is)
			} else {
				charges.add(is)
			}
			return sts, nil
		}
		switch {
		case it.students == nil && !it.end: // the school starts
			t0 := time.Now()
			if err := w.LockPeriod(ctx, sc.ID, in.term.ID, in.period.From, in.period.To); err != nil {
				return RunResult{}, err
			}
			var err error
			if current, err = w.Current(ctx, sc.ID, in.term.ID, in.period.From, in.period.To); err != nil {
				return RunResult{}, err
			}
			if f.Timing != nil {
				f.Timing.Lookup += time.Since(t0)
			}
			seen = make(map[string]bool, len(current))
			// The school's charges and adjustments of this run each become one posting (schoolPosting).
			charges, adjustments = newSchoolPosting(), newSchoolPosting()
		case !it.end: // a batch of computed students
			var sts []Issued
			for _, c := range it.students {
				seen[c.studentID] = true
				var err error
				if sts, err = issue(c.studentID, c.lines, sts); err != nil {
					return RunResult{}, err
				}
			}
			if len(sts) > 0 {
				if err := w.Write(ctx, sts, nil); err != nil {
					return RunResult{}, err
				}
			}
			batches++
			if f.FailAfter > 0 && batches >= f.FailAfter {
				return RunResult{}, ErrInjected
			}
		default: // the school's students are done
			// Students billed before but no longer enrolled in the period: reverse what they were billed.
			gone := make([]string, 0)
			for id := range current {
				if !seen[id] {
					gone = append(gone, id)
				}
			}
			slices.Sort(gone)
			var sts []Issued
			for _, id := range gone {
				_ = sw.enc.Encode(id)
				var err error
				if sts, err = issue(id, nil, sts); err != nil {
					return RunResult{}, err
				}
			}
			var posts []ledger.Posting
			if p, ok := charges.posting(sc.DistrictID, sc.ID, run.ID, ledger.KindCharge, issuedAt); ok {
				posts = append(posts, p)
			}
			if p, ok := adjustments.posting(sc.DistrictID, sc.ID, run.ID, ledger.KindAdjustment, issuedAt); ok {
				posts = append(posts, p)
			}
			if len(sts) > 0 || len(posts) > 0 {
				if err := w.Write(ctx, sts, posts); err != nil {
					return RunResult{}, err
				}
			}
			ri, err := sw.inputs(run.ID)
			if err != nil {
				return RunResult{}, err
			}
			ri.DistrictID, ri.RunSchoolID = sc.DistrictID, run.SchoolID
			if err := w.WriteInputs(ctx, ri); err != nil {
				return RunResult{}, err
			}
			sw.snap.FactsHash = ri.SHA256
			total.Write([]byte(sc.ID + ":" + sw.snap.FactsHash + "\n"))
			snaps = append(snaps, sw.snap)
		}
	}
	if err := ctx.Err(); err != nil {
		return RunResult{}, err
	}
	res.InputsHash = hex.EncodeToString(total.Sum(nil))
	inputs, err := json.Marshal(struct {
		Request RunRequest   `json:"request"`
		Schools []schoolSnap `json:"schools"`
	}{req, snaps})
	if err != nil {
		return RunResult{}, err
	}
	res.Inputs = inputs
	return res, nil
}

// issuedFrom converts an engine statement to its stored form.
func issuedFrom(st fee.Statement, in *schoolInputs) Issued {
	is := Issued{SchoolID: st.SchoolID, StudentID: st.StudentID, PeriodKind: st.Period.Kind, From: st.Period.From, To: st.Period.To,
		Schedule: st.Schedule, Lines: make([]IssuedLine, 0, len(st.Lines))}
	for _, l := range st.Lines {
		il := IssuedLine{LineType: string(l.Type), RuleID: l.Rule.RuleID, DocumentNo: l.Rule.DocumentNo, Name: l.Name,
			ServiceKind: string(l.Kind), Unit: string(l.Unit), Quantity: l.Quantity, UnitRate: l.UnitRate, Gross: l.Gross,
			Net: l.Net, Parent: l.Parent, ProviderID: l.ProviderID,
			Detail: LineDetail{DaysScheduled: l.Days.Scheduled, DaysEnrolled: l.Days.Enrolled, DaysCancelled: l.Days.Cancelled,
				DaysShort: l.Days.Short, DaysLeave: l.Days.Leave, DaysServed: l.Days.Served, HolidayQuantity: l.HolidayQuantity,
				HolidayRate: l.HolidayRate, Surcharge: l.Surcharge}}
		for _, a := range l.Adjustments {
			il.Adjustments = append(il.Adjustments, IssuedAdjustment{Kind: string(a.Kind), Amount: a.Amount, RuleID: a.Rule.RuleID, DocumentNo: a.Rule.DocumentNo})
		}
		for _, s := range l.Subsidies {
			il.Subsidies = append(il.Subsidies, IssuedShare{PayerID: s.PayerID, Amount: s.Amount, RuleID: s.Rule.RuleID, DocumentNo: s.Rule.DocumentNo})
		}
		for _, w := range l.Waivers {
			il.Waivers = append(il.Waivers, IssuedShare{PayerID: w.PayerID, Amount: w.Amount, RuleID: w.Rule.RuleID, DocumentNo: w.Rule.DocumentNo, Category: string(w.Category)})
		}
		is.Lines = append(is.Lines, il)
	}
	return is
}

// contentHash fingerprints a statement's lines, so a repeated run can tell a
// student whose bill is unchanged. It runs for every student of a run, so it
// appends the fingerprinted text (one "|"-separated record per line, then one
// per adjustment, subsidy and waiver) without fmt.
func contentHash(lines []IssuedLine) string {
	h := sha256.New()
	var buf []byte
	for _, l := range lines {
		buf = appendLine(buf[:0], l)
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func appendLine(b []byte, l IssuedLine) []byte {
	for i, f := range [...]string{l.LineType, l.RuleID, l.DocumentNo, l.Name, l.Unit, l.Quantity.String(), l.UnitRate.String(),
		l.Gross.StringFixed(2), l.Net.StringFixed(2), l.Parent.StringFixed(2), l.ProviderID, l.ServiceKind} {
		if i > 0 {
			b = append(b, '|')
		}
		b = append(b, f...)
	}
	b = append(b, '\n')
	for _, a := range l.Adjustments {
		b = append(append(append(append(append(append(append(b, "a|"...), a.Kind...), '|'), a.RuleID...), '|'), a.Amount.StringFixed(2)...), '\n')
	}
	for _, s := range l.Subsidies {
		b = append(append(append(append(append(append(append(b, "s|"...), s.RuleID...), '|'), s.PayerID...), '|'), s.Amount.StringFixed(2)...), '\n')
	}
	for _, s := range l.Waivers {
		b = append(append(append(append(append(append(append(b, "w|"...), s.RuleID...), '|'), s.PayerID...), '|'), s.Amount.StringFixed(2)...), '\n')
	}
	return b
}

// SumLines adds statements' lines per (line type, rule): what a student has
// been billed over a charge and its adjustments.
func SumLines(groups ...[]IssuedLine) []IssuedLine {
	var out []IssuedLine
	index := map[string]int{}
	for _, lines := range groups {
		for _, l := range lines {
			k := l.LineType + "|" + l.RuleID
			i, ok := index[k]
			if !ok {
				index[k] = len(out)
				c := l
				c.Adjustments, c.Subsidies, c.Waivers = slices.Clone(l.Adjustments), slices.Clone(l.Subsidies), slices.Clone(l.Waivers)
				out = append(out, c)
				continue
			}
			o := &out[i]
			o.Quantity = o.Quantity.Add(l.Quantity)
			o.Gross, o.Net, o.Parent = o.Gross.Add(l.Gross), o.Net.Add(l.Net), o.Parent.Add(l.Parent)
			o.UnitRate, o.Name, o.DocumentNo = l.UnitRate, l.Name, l.DocumentNo
			o.Adjustments = addAdjustments(o.Adjustments, l.Adjustments, 1)
			o.Subsidies = addShares(o.Subsidies, l.Subsidies, 1)
			o.Waivers = addShares(o.Waivers, l.Waivers, 1)
		}
	}
	return out
}

// diffLines returns next − prev per line, dropping lines that did not change:
// the lines of an adjustment statement.
func diffLines(next, prev []IssuedLine) []IssuedLine {
	var out []IssuedLine
	seen := map[string]bool{}
	prevBy := map[string]IssuedLine{}
	for _, p := range prev {
		prevBy[p.LineType+"|"+p.RuleID] = p
	}
	for _, n := range next {
		k := n.LineType + "|" + n.RuleID
		seen[k] = true
		p, ok := prevBy[k]
		if !ok {
			out = append(out, n)
			continue
		}
		d := n
		d.Quantity = n.Quantity.Sub(p.Quantity)
		d.Gross, d.Net, d.Parent = n.Gross.Sub(p.Gross), n.Net.Sub(p.Net), n.Parent.Sub(p.Parent)
		d.Adjustments = addAdjustments(slices.Clone(n.Adjustments), p.Adjustments, -1)
		d.Subsidies = addShares(slices.Clone(n.Subsidies), p.Subsidies, -1)
		d.Waivers = addShares(slices.Clone(n.Waivers), p.Waivers, -1)
		if !lineIsZero(d) {
			out = append(out, d)
		}
	}
	for _, p := range prev {
		if seen[p.LineType+"|"+p.RuleID] {
			continue
		}
		d := negate(p)
		if !lineIsZero(d) {
			out = append(out, d)
		}
	}
	return out
}

func negate(l IssuedLine) IssuedLine {
	d := l
	d.Quantity, d.Gross, d.Net, d.Parent = l.Quantity.Neg(), l.Gross.Neg(), l.Net.Neg(), l.Parent.Neg()
	d.Adjustments = addAdjustments(nil, l.Adjustments, -1)
	d.Subsidies = addShares(nil, l.Subsidies, -1)
	d.Waivers = addShares(nil, l.Waivers, -1)
	return d
}

func lineIsZero(l IssuedLine) bool {
	if !l.Quantity.IsZero() || !l.Gross.IsZero() || !l.Net.IsZero() || !l.Parent.IsZero() {
		return false
	}
	for _, a := range l.Adjustments {
		if !a.Amount.IsZero() {
			return false
		}
	}
	for _, s := range append(slices.Clone(l.Subsidies), l.Waivers...) {
		if !s.Amount.IsZero() {
			return false
		}
	}
	return true
}

func addAdjustments(dst, src []IssuedAdjustment, sign int64) []IssuedAdjustment {
	for _, a := range src {
		amt := a.Amount.Mul(decimal.NewFromInt(sign))
		i := slices.IndexFunc(dst, func(d IssuedAdjustment) bool { return d.Kind == a.Kind && d.RuleID == a.RuleID })
		if i < 0 {
			a.Amount = amt
			dst = append(dst, a)
			continue
		}
		dst[i].Amount = dst[i].Amount.Add(amt)
	}
	return slices.DeleteFunc(dst, func(d IssuedAdjustment) bool { return d.Amount.IsZero() })
}

func addShares(dst, src []IssuedShare, sign int64) []IssuedShare {
	for _, s := range src {
		amt := s.Amount.Mul(decimal.NewFromInt(sign))
		i := slices.IndexFunc(dst, func(d IssuedShare) bool { return d.RuleID == s.RuleID && d.PayerID == s.PayerID })
		if i < 0 {
			s.Amount = amt
			dst = append(dst, s)
			continue
		}
		dst[i].Amount = dst[i].Amount.Add(amt)
	}
	return slices.DeleteFunc(dst, func(d IssuedShare) bool { return d.Amount.IsZero() })
}

// totalsOf sums lines.
func totalsOf(lines []IssuedLine) IssuedTotals {
	t := IssuedTotals{Gross: decimal.New(0, -2), Net: decimal.New(0, -2), Parent: decimal.New(0, -2)}
	add := func(m map[string]decimal.Decimal, k string, v decimal.Decimal) map[string]decimal.Decimal {
		if m == nil {
			m = map[string]decimal.Decimal{}
		}
		m[k] = m[k].Add(v)
		return m
	}
	for _, l := range lines {
		t.Gross, t.Net, t.Parent = t.Gross.Add(l.Gross), t.Net.Add(l.Net), t.Parent.Add(l.Parent)
		for _, s := range l.Subsidies {
			t.Subsidies = add(t.Subsidies, s.PayerID, s.Amount)
		}
		for _, s := range l.Waivers {
			t.Waivers = add(t.Waivers, s.PayerID, s.Amount)
		}
		if l.ProviderID != "" {
			t.CollectedOnBehalf = add(t.CollectedOnBehalf, l.ProviderID, l.Net)
		}
	}
	return t
}

// schoolPosting collects one school's statements of one kind in a run into
// the run's single ledger posting for that school (one posting per run,
// school, kind and effective date rather than one per statement: a city's
// run writes a few hundred postings instead of 300,000, and its entries
// drop from about four per student to one). Each statement contributes, as
// in billing_shared.md: Dr ParentReceivable(student) for the parent share,
// Dr PayerReceivable(payer) for each subsidy and waiver share, Cr
// SchoolIncome for school items and Cr ProviderPayable(provider) for
// collected-on-behalf items. Parent entries stay one per student (the
// statement behind one is the run's statement of that student, found by
// (run_id, student_id) in billing.statements); payer, income and provider
// entries are summed over the school. An adjustment posts its differences
// the same way.
type schoolPosting struct {
	parents, others ledger.Builder
}

func newSchoolPosting() *schoolPosting { return &schoolPosting{} }

// add adds one statement's amounts.
func (p *schoolPosting) add(is Issued) {
	p.parents.Add(ledger.ParentReceivable(is.StudentID), is.Totals.Parent)
	for _, l := range is.Lines {
		for _, s := range l.Subsidies {
			p.others.Add(ledger.PayerReceivable(s.PayerID), s.Amount)
		}
		for _, s := range l.Waivers {
			p.others.Add(ledger.PayerReceivable(s.PayerID), s.Amount)
		}
		if l.ProviderID != "" {
			p.others.Add(ledger.ProviderPayable(l.ProviderID), l.Net.Neg())
		} else {
			p.others.Add(ledger.SchoolIncome, l.Net.Neg())
		}
	}
}

// posting returns the balanced posting, referencing the run; false when its
// statements moved no money. Its id is the run id and the kind, unique in
// the school.
func (p *schoolPosting) posting(districtID, schoolID, runID string, kind ledger.Kind, at time.Time) (ledger.Posting, bool) {
	entries := append(p.parents.Entries(), p.others.Entries()...)
	if len(entries) < 2 {
		return ledger.Posting{}, false
	}
	return ledger.Posting{DistrictID: districtID, SchoolID: schoolID, PostingID: runID + "-" + string(kind), Kind: kind,
		Reference: runID, Memo: "fee run " + runID, EffectiveDate: at, Entries: entries}, true
}

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// GetRun returns a run.
func (f *Fees) GetRun(ctx context.Context, districtID, runID string) (Run, error) {
	return f.store.GetRun(ctx, districtID, runID)
}

// StudentStatements returns a student's statements of a term with every line
// and what the family owes on them together.
func (f *Fees) StudentStatements(ctx context.Context, schoolID, studentID, termID string) ([]Issued, decimal.Decimal, error) {
	sc, err := f.feed.School(ctx, schoolID)
	if err != nil {
		return nil, decimal.Decimal{}, err
	}
	sts, err := f.store.StudentStatements(ctx, sc.DistrictID, schoolID, studentID, termID)
	if err != nil {
		return nil, decimal.Decimal{}, err
	}
	total := decimal.New(0, -2)
	for _, s := range sts {
		total = total.Add(s.Totals.Parent)
	}
	return sts, total, nil
}

// Claims sums subsidy and waiver claims per payer from the statements of a
// district (or a school) whose periods lie within [from, to].
func (f *Fees) Claims(ctx context.Context, districtID, schoolID string, from, to fee.Date) (Claims, error) {
	if to.Before(from) {
		return Claims{}, fault.Invalid("to", "is before from")
	}
	return f.store.Claims(ctx, districtID, schoolID, from, to)
}

// Preview computes a run under a hypothetical schedule (candidate) beside the
// schedule in force, issuing nothing, and compares them per school and in total.
func (f *Fees) Preview(ctx context.Context, req RunRequest, candidate fee.Schedule) (fee.DiffReport, error) {
	req.RequestID = "preview"
	if err := f.validateRun(req); err != nil {
		return fee.DiffReport{}, err
	}
	schools, err := f.schools(ctx, req)
	if err != nil {
		return fee.DiffReport{}, err
	}
	// Statements are compared school by school, so memory holds one school's totals at a time;
	// the district total sums the schools' totals.
	var report fee.DiffReport
	var schoolBase, schoolCand []fee.Statement
	nb, nc := 0, 0
	for _, sc := range schools {
		var base, cand []fee.Statement
		in, err := f.schoolPlan(ctx, req, sc, nil)
		if err != nil {
			return fee.DiffReport{}, fmt.Errorf("school %s: %w", sc.ID, err)
		}
		c := candidate
		c.Scope = in.sched.Scope
		if c.ID == "" {
			c.ID = in.sched.ID + "-what-if"
		}
		if c.Version == 0 {
			c.Version = 1
		}
		if c.EffectiveFrom.IsZero() {
			c.EffectiveFrom, c.EffectiveTo = in.sched.EffectiveFrom, in.sched.EffectiveTo
		}
		if c.DocumentNo == "" {
			c.DocumentNo = "what-if"
		}
		if err := c.Validate(); err != nil {
			return fee.DiffReport{}, err
		}
		baseEngine := in.engine
		err = f.students(ctx, in, func(batch []fee.StudentFacts) error {
			for _, sf := range batch {
				st, err := baseEngine.Compute(sf)
				if err != nil {
					return err
				}
				base = append(base, fee.Statement{SchoolID: st.SchoolID, StudentID: st.StudentID, Totals: st.Totals})
			}
			return nil
		})
		if err != nil {
			return fee.DiffReport{}, err
		}
		if err := in.setSchedule(c, in.cost); err != nil {
			return fee.DiffReport{}, err
		}
		err = f.students(ctx, in, func(batch []fee.StudentFacts) error {
			for _, sf := range batch {
				st, err := in.engine.Compute(sf)
				if err != nil {
					return err
				}
				cand = append(cand, fee.Statement{SchoolID: st.SchoolID, StudentID: st.StudentID, Totals: st.Totals})
			}
			return nil
		})
		if err != nil {
			return fee.DiffReport{}, err
		}
		rep := fee.Diff(base, cand)
		report.Schools = append(report.Schools, rep.Schools...)
		schoolBase = append(schoolBase, fee.Statement{SchoolID: sc.ID, Totals: rep.Total.Base})
		schoolCand = append(schoolCand, fee.Statement{SchoolID: sc.ID, Totals: rep.Total.Candidate})
		nb, nc = nb+rep.Total.BaseStatements, nc+rep.Total.CandidateStatements
	}
	report.Total = fee.Diff(schoolBase, schoolCand).Total
	report.Total.BaseStatements, report.Total.CandidateStatements = nb, nc
	return report, nil
}
