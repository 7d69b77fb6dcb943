package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/runs"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// schoolPlan loads one school's inputs for a run: term, period, schedule, cost sheet and facts.
func (f *Fees) schoolPlan(ctx context.Context, req RunRequest, sc facts.School, override *fee.Schedule) (*schoolInputs, error) {
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
	byStudent := map[string][]facts.Interval{}
	err := f.feed.Intervals(ctx, in.school.ID, in.term.ID, func(batch []facts.Interval) error {
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
	size := max(f.Options.BatchSize, 1)
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
func (f *Fees) produce(ctx context.Context, req RunRequest, run runs.Run, schools []facts.School, issuedAt time.Time, tw runs.Writer) (runs.Result, error) {
	w := &pipelinedWriter{Writer: tw}
	if f.Options.Timing != nil {
		w.pipe.Spent = &f.Options.Timing.Write
	}
	res, err := f.produceWith(ctx, req, run, schools, issuedAt, w)
	if err == nil {
		err = w.writeQueuedInputs(ctx)
	}
	if ferr := w.flush(); err == nil {
		err = ferr
	}
	return res, err
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
// school's facts hash and its gzip-compressed inputs snapshot
// (billing.run_inputs), by a runs.Snapshot.
type schoolWork struct {
	sc   facts.School
	in   *schoolInputs
	sn   *runs.Snapshot
	snap schoolSnap
}

// newSchoolWork starts a school's snapshot stream with its header.
func newSchoolWork(sc facts.School, in *schoolInputs) *schoolWork {
	return &schoolWork{sc: sc, in: in, sn: runs.NewSnapshot(snapHeader{in.sched, in.period, in.cost})}
}

// inputs closes the school's snapshot stream and returns its stored form.
func (sw *schoolWork) inputs(runID string) (runs.Inputs, error) {
	data, sha, err := sw.sn.Close()
	if err != nil {
		return runs.Inputs{}, fmt.Errorf("school %s: %w", sw.sc.ID, err)
	}
	return runs.Inputs{SchoolID: sw.sc.ID, RunID: runID, TermID: sw.in.term.ID, From: sw.in.period.From, To: sw.in.period.To,
		Students: sw.snap.Students, SHA256: sha, Data: data}, nil
}

// computed is one student's engine result in stored form.
type computed struct {
	studentID string
	lines     []statement.Line
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
func (f *Fees) computeSchools(ctx context.Context, req RunRequest, schools []facts.School, out chan<- workItem) {
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
		// A school's statements are computed whole before any is issued: the payers' claims are
		// split across them in student order (fee.CarryClaims), so each claim is its share of the
		// total rounded once.
		var all []fee.Statement
		err = f.students(ctx, in, func(batch []fee.StudentFacts) error {
			for _, sf := range batch {
				sw.sn.Add(sf)
				sw.snap.Students++
				t0 := time.Now()
				st, err := in.engine.Compute(sf)
				if f.Options.Timing != nil {
					f.Options.Timing.Engine += time.Since(t0)
					f.Options.Timing.Students++
				}
				if err != nil {
					return fmt.Errorf("student %s: %w", sf.StudentID, err)
				}
				all = append(all, st)
			}
			return nil
		})
		if err == nil {
			err = fee.CarryClaims(in.sched, all)
		}
		if err != nil {
			send(workItem{err: err})
			return
		}
		size := max(f.Options.BatchSize, 1)
		for len(all) > 0 {
			n := min(size, len(all))
			cs := make([]computed, 0, n)
			for _, st := range all[:n] {
				cs = append(cs, computed{studentID: st.StudentID, lines: statement.FromEngine(st).Lines})
			}
			all = all[n:]
			if !send(workItem{school: sw, students: cs}) {
				return
			}
		}
		if !send(workItem{school: sw, end: true}) {
			return
		}
	}
}

func (f *Fees) produceWith(ctx context.Context, req RunRequest, run runs.Run, schools []facts.School, issuedAt time.Time, w runs.Writer) (runs.Result, error) {
	var res runs.Result
	res.ParentTotal = decimal.New(0, -2)
	total := runs.NewInputsHash()
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
		current              map[string]statement.Current
		seen                 map[string]bool
		charges, adjustments *ledger.RunPosting
	)
	for it := range work {
		if it.err != nil {
			return runs.Result{}, it.err
		}
		sw := it.school
		sc, in := sw.sc, sw.in
		// issue turns one student's computed lines into a charge, an adjustment or nothing.
		issue := func(studentID string, lines []statement.Line, sts []statement.Issued) ([]statement.Issued, error) {
			is := statement.Issued{SchoolID: sc.ID, StudentID: studentID, PeriodKind: in.period.Kind, From: in.period.From, To: in.period.To,
				Schedule: fee.RuleRef{ScheduleID: in.sched.ID, Version: in.sched.Version, DocumentNo: in.sched.DocumentNo}, Lines: lines}
			is.ContentHash = statement.ContentHash(is.Lines)
			cur, had := current[studentID]
			rev := runs.Revise(cur, had, is.ContentHash, len(lines) == 0)
			switch rev {
			case runs.Unchanged:
				res.Unchanged++
				return sts, nil
			case runs.Skip:
				return sts, nil
			}
			seq++
			is.StatementID = fmt.Sprintf("st-%s-%06d", strings.TrimPrefix(run.ID, "run-"), seq)
			is.RunID, is.DistrictID, is.TermID, is.IssuedAt = run.ID, sc.DistrictID, in.term.ID, issuedAt
			is.Kind, is.Revision = statement.KindCharge, 1
			if rev == runs.Adjust {
				prev, err := w.Effective(ctx, sc.ID, studentID, in.term.ID, in.period.From, in.period.To)
				if err != nil {
					return nil, err
				}
				is.Lines = statement.DiffLines(is.Lines, prev)
				is.Kind, is.Corrects, is.Revision = statement.KindAdjustment, cur.StatementID, cur.Revision+1
				res.Adjustments++
			} else {
				res.Statements++
			}
			is.Totals = statement.TotalsOf(is.Lines)
			res.ParentTotal = res.ParentTotal.Add(is.Totals.Parent)
			sts = append(sts, is)
			if is.Kind == statement.KindAdjustment {
				adjustments.Add(is)
			} else {
				charges.Add(is)
			}
			return sts, nil
		}
		switch {
		case it.students == nil && !it.end: // the school starts
			t0 := time.Now()
			if err := w.LockPeriod(ctx, sc.ID, in.term.ID, in.period.From, in.period.To); err != nil {
				return runs.Result{}, err
			}
			var err error
			if current, err = w.Current(ctx, sc.ID, in.term.ID, in.period.From, in.period.To); err != nil {
				return runs.Result{}, err
			}
			if f.Options.Timing != nil {
				f.Options.Timing.Lookup += time.Since(t0)
			}
			seen = make(map[string]bool, len(current))
			// The school's charges and adjustments of this run each become one posting (ledger.RunPosting).
			charges, adjustments = &ledger.RunPosting{}, &ledger.RunPosting{}
		case !it.end: // a batch of computed students
			var sts []statement.Issued
			for _, c := range it.students {
				seen[c.studentID] = true
				var err error
				if sts, err = issue(c.studentID, c.lines, sts); err != nil {
					return runs.Result{}, err
				}
			}
			if len(sts) > 0 {
				if err := w.Write(ctx, sts, nil); err != nil {
					return runs.Result{}, err
				}
			}
			batches++
			if f.Options.FailAfter > 0 && batches >= f.Options.FailAfter {
				return runs.Result{}, ErrInjected
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
			var sts []statement.Issued
			for _, id := range gone {
				sw.sn.Add(id)
				var err error
				if sts, err = issue(id, nil, sts); err != nil {
					return runs.Result{}, err
				}
			}
			var posts []ledger.Posting
			if p, ok := charges.Posting(sc.DistrictID, sc.ID, run.ID, ledger.KindCharge, issuedAt); ok {
				posts = append(posts, p)
			}
			if p, ok := adjustments.Posting(sc.DistrictID, sc.ID, run.ID, ledger.KindAdjustment, issuedAt); ok {
				posts = append(posts, p)
			}
			if len(sts) > 0 || len(posts) > 0 {
				if err := w.Write(ctx, sts, posts); err != nil {
					return runs.Result{}, err
				}
			}
			ri, err := sw.inputs(run.ID)
			if err != nil {
				return runs.Result{}, err
			}
			ri.DistrictID, ri.RunSchoolID = sc.DistrictID, run.SchoolID
			if err := w.WriteInputs(ctx, ri); err != nil {
				return runs.Result{}, err
			}
			sw.snap.FactsHash = ri.SHA256
			total.Add(sc.ID, sw.snap.FactsHash)
			snaps = append(snaps, sw.snap)
		}
	}
	if err := ctx.Err(); err != nil {
		return runs.Result{}, err
	}
	res.InputsHash = total.Sum()
	inputs, err := json.Marshal(struct {
		Request RunRequest   `json:"request"`
		Schools []schoolSnap `json:"schools"`
	}{req, snaps})
	if err != nil {
		return runs.Result{}, err
	}
	res.Inputs = inputs
	return res, nil
}
