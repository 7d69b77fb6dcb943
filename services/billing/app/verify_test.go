package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/fault"
)

// verify replays a run and fails the test unless the call itself succeeds.
func verify(t *testing.T, f *app.Fees, runID string) app.Verification {
	t.Helper()
	v, err := f.VerifyRun(context.Background(), "350501", runID)
	if err != nil {
		t.Fatalf("verify %s: %v", runID, err)
	}
	return v
}

// TestRunsReplayIdenticallyFromTheirStoredInputs issues a first run, an
// unchanged re-run and an adjusting run, and replays each from its stored
// snapshot without asking the feed.
func TestRunsReplayIdenticallyFromTheirStoredInputs(t *testing.T) {
	t.Parallel()
	b := setup(t, 2, 20)
	f := app.NewFees(b.store, b.feed)
	ctx := context.Background()
	first, err := f.CreateRun(ctx, districtRun("first"))
	if err != nil {
		t.Fatal(err)
	}
	var rows, students int
	if err := b.db.QueryRow(ctx, `SELECT count(*), sum(students) FROM billing.run_inputs WHERE run_id = $1`, first.ID).Scan(&rows, &students); err != nil {
		t.Fatal(err)
	}
	if rows != 2 || students != 40 {
		t.Fatalf("snapshot rows %d with %d students, want 2 schools and 40", rows, students)
	}
	streams := b.feed.streams.Load()
	v := verify(t, f, first.ID)
	if b.feed.streams.Load() != streams {
		t.Errorf("verify read the feed: a replay must use only the stored inputs")
	}
	if !v.Identical() || !v.HashMatches || v.RecomputedHash != first.InputsHash || v.Schools != 2 || v.Students != 40 ||
		v.StatementsChecked != 40 || v.StatementsIdentical != 40 || v.UnchangedChecked != 0 {
		t.Errorf("verify first run = %+v, want 2 schools, 40 statements identical, hash %s", v, first.InputsHash)
	}

	again, err := f.CreateRun(ctx, districtRun("again"))
	if err != nil {
		t.Fatal(err)
	}
	if v := verify(t, f, again.ID); !v.Identical() || v.StatementsChecked != 0 || v.UnchangedChecked != 40 {
		t.Errorf("verify unchanged re-run = %+v, want 40 unchanged students confirmed", v)
	}

	b.feed.students = 19 // each school's last student is gone: the run reverses her charge
	third, err := f.CreateRun(ctx, districtRun("third"))
	if err != nil {
		t.Fatal(err)
	}
	if v := verify(t, f, third.ID); !v.Identical() || v.StatementsChecked != 2 || v.StatementsIdentical != 2 || v.UnchangedChecked != 38 {
		t.Errorf("verify adjusting run = %+v, want 2 adjustments identical and 38 unchanged", v)
	}
	// The first run still verifies: the later adjustments do not change what it issued.
	if v := verify(t, f, first.ID); !v.Identical() || v.StatementsIdentical != 40 {
		t.Errorf("verify first run after adjustments = %+v", v)
	}

	if _, err := f.VerifyRun(ctx, "350501", "run-nonexistent"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("verify of an unknown run: err = %v, want not found", err)
	}
}

// TestTamperedSnapshotIsCaught shows that the stored inputs are append-only,
// and that a snapshot changed behind the guard (hash recomputed, so only the
// run's inputs hash betrays it) is reported with the statement it no longer
// explains.
func TestTamperedSnapshotIsCaught(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, 20)
	f := app.NewFees(b.store, b.feed)
	ctx := context.Background()
	run, err := f.CreateRun(ctx, districtRun("first"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(ctx, `UPDATE billing.run_inputs SET students = 0`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("update of stored inputs: err = %v, want the append-only guard", err)
	}
	var data []byte
	if err := b.db.QueryRow(ctx, `SELECT inputs FROM billing.run_inputs WHERE run_id = $1`, run.ID).Scan(&data); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	// Student 3 is 低保 with a 50% waiver; the forged inputs drop the hardship.
	const victim = "sch-0000-stu-000003"
	lines := bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n"))
	found := false
	for i, l := range lines {
		var sf fee.StudentFacts
		if i == 0 || json.Unmarshal(l, &sf) != nil || sf.StudentID != victim {
			continue
		}
		if sf.Hardship == "" {
			t.Fatalf("%s has no hardship in the snapshot: %s", victim, l)
		}
		sf.Hardship, sf.HardshipApproved = "", false
		if lines[i], err = json.Marshal(sf); err != nil {
			t.Fatal(err)
		}
		found = true
	}
	if !found {
		t.Fatalf("%s not in the snapshot", victim)
	}
	forged := append(bytes.Join(lines, []byte("\n")), '\n')
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(forged); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(forged)
	tx, err := b.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	// Only a superuser can step around the guard (replica mode skips ordinary triggers).
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE billing.run_inputs SET inputs = $2, inputs_sha256 = $3 WHERE run_id = $1`,
		run.ID, z.Bytes(), hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	sts, _, err := f.StudentStatements(ctx, "sch-0000", victim, "term-2024-1")
	if err != nil || len(sts) != 1 {
		t.Fatalf("statements of %s = %v, %v", victim, sts, err)
	}
	v := verify(t, f, run.ID)
	if v.Identical() || v.HashMatches || len(v.SchoolsHashDiffering) != 0 || v.StatementsChecked != 20 || v.StatementsIdentical != 19 ||
		!slices.Equal(v.StatementsDiffering, []string{sts[0].StatementID}) {
		t.Errorf("verify forged snapshot = %+v, want the run hash to differ and only %s's statement %s", v, victim, sts[0].StatementID)
	}
	// A snapshot whose bytes no longer match its recorded sha256 is named as such.
	if _, err := b.db.Exec(ctx, `BEGIN; SET LOCAL session_replication_role = replica;
		UPDATE billing.run_inputs SET inputs_sha256 = 'x' WHERE run_id = '`+run.ID+`'; COMMIT`); err != nil {
		t.Fatal(err)
	}
	if v := verify(t, f, run.ID); v.Identical() || !slices.Equal(v.SchoolsHashDiffering, []string{"sch-0000"}) {
		t.Errorf("verify with a wrong recorded sha256 = %+v, want sch-0000 named", v)
	}
}

// TestChangedStatementIsCaught shows that issued statements and their lines
// are append-only in the database, and that a statement changed past the
// guard (by a superuser in replica mode) is named by VerifyRun: its
// parent_amount column, which balances sum, and a line's quantity.
func TestChangedStatementIsCaught(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, 20)
	f := app.NewFees(b.store, b.feed)
	ctx := context.Background()
	run, err := f.CreateRun(ctx, districtRun("first"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE billing.statements SET parent_amount = 0.01`,
		`DELETE FROM billing.statements`,
		`UPDATE billing.statement_lines SET quantity = quantity + 1`,
		`DELETE FROM billing.statement_lines`,
		`TRUNCATE billing.statement_lines`,
	} {
		if _, err := b.db.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only guard", q, err)
		}
	}
	const parentVictim, lineVictim = "sch-0000-stu-000005", "sch-0000-stu-000007"
	ids := map[string]string{}
	for _, student := range []string{parentVictim, lineVictim} {
		sts, _, err := f.StudentStatements(ctx, "sch-0000", student, "term-2024-1")
		if err != nil || len(sts) != 1 {
			t.Fatalf("statements of %s = %v, %v", student, sts, err)
		}
		ids[student] = sts[0].StatementID
	}
	if _, err := b.db.Exec(ctx, `BEGIN; SET LOCAL session_replication_role = replica;
		UPDATE billing.statements SET parent_amount = 0.01 WHERE statement_id = '`+ids[parentVictim]+`';
		UPDATE billing.statement_lines SET quantity = quantity + 1 WHERE statement_id = '`+ids[lineVictim]+`' AND line_no = 1;
		COMMIT`); err != nil {
		t.Fatal(err)
	}
	v := verify(t, f, run.ID)
	want := []string{ids[parentVictim], ids[lineVictim]}
	slices.Sort(want)
	got := slices.Clone(v.StatementsDiffering)
	slices.Sort(got)
	if v.Identical() || !v.HashMatches || v.StatementsChecked != 20 || v.StatementsIdentical != 18 || !slices.Equal(got, want) {
		t.Errorf("verify changed statements: identical %v, hash matches %v, checked %d, identical %d, differing %v; want exactly %v named",
			v.Identical(), v.HashMatches, v.StatementsChecked, v.StatementsIdentical, got, want)
	}
}
