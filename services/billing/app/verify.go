package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// RunInputs is one school's inputs snapshot of a run (billing.run_inputs):
// the gzip-compressed JSON lines of everything the engine read, so the run
// can be replayed without timetable. SHA256 is over the uncompressed stream.
type RunInputs struct {
	DistrictID  string
	SchoolID    string
	RunID       string
	RunSchoolID string
	TermID      string
	From, To    fee.Date
	Students    int
	SHA256      string
	Data        []byte
}

// Verification is what replaying a run from its stored inputs found: a
// finance office's evidence that the issued numbers follow from the inputs.
type Verification struct {
	Run                  Run
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
	total := sha256.New()
	err = f.store.RunInputs(ctx, districtID, runID, func(ri RunInputs) error {
		v.Schools++
		snap, err := decodeInputs(ri.Data)
		if err != nil {
			return fmt.Errorf("inputs of school %s: %w", ri.SchoolID, err)
		}
		if snap.sha256 != ri.SHA256 {
			v.SchoolsHashDiffering = append(v.SchoolsHashDiffering, ri.SchoolID)
		}
		total.Write([]byte(ri.SchoolID + ":" + snap.sha256 + "\n"))
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
	v.RecomputedHash = hex.EncodeToString(total.Sum(nil))
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
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	h := sha256.New()
	dec := json.NewDecoder(io.TeeReader(zr, h))
	r := &schoolReplay{}
	if err := dec.Decode(&r.header); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", len(r.students)+len(r.gone)+1, err)
		}
		if len(raw) > 0 && raw[0] == '"' {
			var id string
			if err := json.Unmarshal(raw, &id); err != nil {
				return nil, err
			}
			r.gone = append(r.gone, id)
			continue
		}
		var sf fee.StudentFacts
		if err := json.Unmarshal(raw, &sf); err != nil {
			return nil, fmt.Errorf("student %d: %w", len(r.students)+1, err)
		}
		r.students = append(r.students, sf)
	}
	if _, err := io.Copy(h, zr); err != nil { // the decoder stopped at EOF; nothing is left, but hash it if so
		return nil, err
	}
	r.sha256 = hex.EncodeToString(h.Sum(nil))
	return r, nil
}

// recompute runs the engine over the snapshot: each student's lines in
// stored form; a student billed before and gone has no lines.
func (r *schoolReplay) recompute() (map[string][]IssuedLine, error) {
	e, err := fee.NewEngine(r.header.S, r.header.P, r.header.C)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]IssuedLine, len(r.students)+len(r.gone))
	for _, sf := range r.students {
		st, err := e.Compute(sf)
		if err != nil {
			return nil, fmt.Errorf("student %s: %w", sf.StudentID, err)
		}
		out[sf.StudentID] = issuedFrom(st, nil).Lines
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
func compareSchool(v *Verification, runID string, recomputed map[string][]IssuedLine, sts []Issued) {
	byStudent := map[string][]Issued{}
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
		var earlier [][]IssuedLine
		for _, p := range byStudent[s.StudentID] {
			if p.Revision < s.Revision {
				earlier = append(earlier, p.Lines)
			}
		}
		want := rec
		if len(earlier) > 0 {
			want = diffLines(rec, SumLines(earlier...))
		}
		wantTotals := totalsOf(want)
		// The stored columns count, not only the hash and the totals
		// document: a balance sums parent_amount, so a changed amount must
		// name its statement even when every other field was left alone.
		if s.ContentHash == contentHash(rec) && linesEqual(s.Lines, want) && totalsEqual(s.Totals, wantTotals) &&
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
		var latest *Issued
		for i, p := range byStudent[id] {
			if p.RunID != runID {
				latest = &byStudent[id][i]
			}
		}
		if latest == nil && len(rec) == 0 {
			continue // nothing to bill and nothing billed: the run rightly issued nothing
		}
		v.UnchangedChecked++
		if latest == nil || latest.ContentHash != contentHash(rec) {
			v.UnchangedDiffering = append(v.UnchangedDiffering, id)
		}
	}
}

// linesEqual compares stored lines with computed ones field by field,
// the day counts included (numbers by value, not by scale).
func linesEqual(a, b []IssuedLine) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if string(appendLine(nil, a[i])) != string(appendLine(nil, b[i])) || !detailEqual(a[i].Detail, b[i].Detail) {
			return false
		}
	}
	return true
}

func detailEqual(a, b LineDetail) bool {
	return a.DaysScheduled == b.DaysScheduled && a.DaysEnrolled == b.DaysEnrolled && a.DaysCancelled == b.DaysCancelled &&
		a.DaysShort == b.DaysShort && a.DaysLeave == b.DaysLeave && a.DaysServed == b.DaysServed &&
		a.HolidayQuantity.Equal(b.HolidayQuantity) && a.HolidayRate.Equal(b.HolidayRate) && a.Surcharge.Equal(b.Surcharge)
}

func totalsEqual(a, b IssuedTotals) bool {
	return a.Gross.Equal(b.Gross) && a.Net.Equal(b.Net) && a.Parent.Equal(b.Parent) &&
		amountsEqual(a.Subsidies, b.Subsidies) && amountsEqual(a.Waivers, b.Waivers) && amountsEqual(a.CollectedOnBehalf, b.CollectedOnBehalf)
}

// amountsEqual compares per-party sums, a missing party counting as zero.
func amountsEqual(a, b map[string]decimal.Decimal) bool {
	for k, x := range a {
		if !x.Equal(b[k]) {
			return false
		}
	}
	for k, y := range b {
		if !y.Equal(a[k]) {
			return false
		}
	}
	return true
}
