package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/runs"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/fault"
)

// Verification is what replaying a run from its stored inputs found: a
// finance office's evidence that the issued numbers follow from the inputs.
type Verification struct {
	Run                  runs.Run
	Schools              int
	Students             int
	HashMatches          bool
	RecomputedHash       string
	SchoolsHashDiffering []string
	StatementsChecked    int
	StatementsIdentical  int
	StatementsDiffering  []string
	UnchangedChecked     int
	UnchangedDiffering   []string
}

// Identical reports whether the snapshot is intact and every statement follows from it.
func (v Verification) Identical() bool {
	return v.HashMatches && len(v.SchoolsHashDiffering) == 0 && len(v.StatementsDiffering) == 0 && len(v.UnchangedDiffering) == 0
}

// VerifyRun replays a run from its stored inputs snapshot with the pure
// engine (no timetable call) and compares the result with what the run
// issued. One school is held in memory at a time.
func (f *Fees) VerifyRun(ctx context.Context, districtID, runID string) (Verification, error) {
	run, err := f.store.GetRun(ctx, districtID, runID)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{Run: run}
	total := runs.NewInputsHash()
	err = f.store.RunInputs(ctx, districtID, runID, func(ri runs.Inputs) error {
		v.Schools++
		snap, err := decodeInputs(ri.Data)
		if err != nil {
			return fmt.Errorf("inputs of school %s: %w", ri.SchoolID, err)
		}
		if snap.sha256 != ri.SHA256 {
			v.SchoolsHashDiffering = append(v.SchoolsHashDiffering, ri.SchoolID)
		}
		total.Add(ri.SchoolID, snap.sha256)
		recomputed, err := snap.recompute()
		if err != nil {
			return fmt.Errorf("replay school %s: %w", ri.SchoolID, err)
		}
		v.Students += len(snap.students)
		sts, err := f.store.PeriodStatements(ctx, districtID, ri.SchoolID, ri.TermID, ri.From, ri.To, runID)
		if err != nil {
			return err
		}
		compareSchool(&v, runID, recomputed, sts)
		return nil
	})
	if err != nil {
		return Verification{}, err
	}
	if v.Schools == 0 {
		return Verification{}, fault.Precondition("fee run " + runID + " has no stored inputs snapshot")
	}
	v.RecomputedHash = total.Sum()
	v.HashMatches = v.RecomputedHash == run.InputsHash
	return v, nil
}

// schoolReplay is a decoded school snapshot.
type schoolReplay struct {
	header   snapHeader
	students []fee.StudentFacts
	gone     []string
	sha256   string
}

// decodeInputs reads a school's snapshot, hashing the uncompressed stream as it goes.
func decodeInputs(data []byte) (*schoolReplay, error) {
	r := &schoolReplay{}
	sha, err := runs.ReadSnapshot(data, &r.header, func(raw json.RawMessage) error {
		var sf fee.StudentFacts
		if err := json.Unmarshal(raw, &sf); err != nil {
			return fmt.Errorf("student %d: %w", len(r.students)+1, err)
		}
		r.students = append(r.students, sf)
		return nil
	}, func(id string) { r.gone = append(r.gone, id) })
	if err != nil {
		return nil, err
	}
	r.sha256 = sha
	return r, nil
}

// recompute runs the engine over the snapshot: each student's lines in
// stored form; a student billed before and gone has no lines.
func (r *schoolReplay) recompute() (map[string][]statement.Line, error) {
	e, err := fee.NewEngine(r.header.S, r.header.P, r.header.C)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]statement.Line, len(r.students)+len(r.gone))
	sts := make([]fee.Statement, 0, len(r.students))
	for _, sf := range r.students {
		st, err := e.Compute(sf)
		if err != nil {
			return nil, fmt.Errorf("student %s: %w", sf.StudentID, err)
		}
		sts = append(sts, st)
	}
	// The run split claims across the school's statements in snapshot order; so does the replay.
	if err := fee.CarryClaims(r.header.S, sts); err != nil {
		return nil, err
	}
	for _, st := range sts {
		out[st.StudentID] = statement.FromEngine(st).Lines
	}
	for _, id := range r.gone {
		out[id] = nil
	}
	return out, nil
}

// compareSchool checks one school's statements of run runID against the
// recomputed lines, the way the run issued them: a charge must carry exactly
// the recomputed lines; an adjustment the difference between them and the
// student's earlier revisions; both the recomputation's content hash and its
// totals. A student of the snapshot the run issued nothing for must have an
// earlier statement with the recomputation's content hash. sts are the
// school's statements of the period in revision order per student.
func compareSchool(v *Verification, runID string, recomputed map[string][]statement.Line, sts []statement.Issued) {
	byStudent := map[string][]statement.Issued{}
	for _, s := range sts {
		byStudent[s.StudentID] = append(byStudent[s.StudentID], s)
	}
	issued := map[string]bool{}
	for _, s := range sts {
		if s.RunID != runID {
			continue
		}
		issued[s.StudentID] = true
		v.StatementsChecked++
		rec, ok := recomputed[s.StudentID]
		if !ok {
			v.StatementsDiffering = append(v.StatementsDiffering, s.StatementID)
			continue
		}
		var earlier [][]statement.Line
		for _, p := range byStudent[s.StudentID] {
			if p.Revision < s.Revision {
				earlier = append(earlier, p.Lines)
			}
		}
		want := rec
		if len(earlier) > 0 {
			want = statement.DiffLines(rec, statement.SumLines(earlier...))
		}
		wantTotals := statement.TotalsOf(want)
		// The stored columns count, not only the hash and the totals
		// document: a balance sums parent_amount, so a changed amount must
		// name its statement even when every other field was left alone.
		if s.ContentHash == statement.ContentHash(rec) && statement.LinesEqual(s.Lines, want) && statement.TotalsEqual(s.Totals, wantTotals) &&
			s.ParentAmount.Equal(wantTotals.Parent) && s.TotalAmount.Equal(wantTotals.Net) {
			v.StatementsIdentical++
		} else {
			v.StatementsDiffering = append(v.StatementsDiffering, s.StatementID)
		}
	}
	ids := make([]string, 0, len(recomputed))
	for id := range recomputed {
		if !issued[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		rec := recomputed[id]
		var latest *statement.Issued
		for i, p := range byStudent[id] {
			if p.RunID != runID {
				latest = &byStudent[id][i]
			}
		}
		if latest == nil && len(rec) == 0 {
			continue // nothing to bill and nothing billed: the run rightly issued nothing
		}
		v.UnchangedChecked++
		if latest == nil || latest.ContentHash != statement.ContentHash(rec) {
			v.UnchangedDiffering = append(v.UnchangedDiffering, id)
		}
	}
}
