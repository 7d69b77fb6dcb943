package app_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/billing/store"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/shopspring/decimal"
)

type bundle struct {
	db    *pgxpool.Pool
	feed  *fakeFeed
	store *store.Store
}

func setup(t *testing.T, schools, students int) bundle {
	t.Helper()
	db := pgtest.Pool(t)
	b := bundle{db: db, feed: &fakeFeed{district: "350501", schools: schools, students: students}, store: store.New(db)}
	if _, err := b.store.CreateSchedule(context.Background(), acceptanceSchedule("350501"), ""); err != nil {
		t.Fatal(err)
	}
	return b
}

func districtRun(id string) app.RunRequest {
	return app.RunRequest{DistrictID: "350501", RequestID: id, PeriodKind: fee.TermPeriod, On: termStart}
}

// counts returns how many runs, statements, lines, postings and entries are visible.
func counts(t *testing.T, db *pgxpool.Pool) [5]int {
	t.Helper()
	var c [5]int
	err := db.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM billing.fee_runs), (SELECT count(*) FROM billing.statements),
		(SELECT count(*) FROM billing.statement_lines), (SELECT count(*) FROM billing.postings),
		(SELECT count(*) FROM billing.entries)`).Scan(&c[0], &c[1], &c[2], &c[3], &c[4])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// snapshotRows counts the stored inputs snapshots (one per run and school).
func snapshotRows(t *testing.T, db *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM billing.run_inputs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkLedgerBalanced checks that the ledger's debits equal its credits,
// overall and posting by posting.
func checkLedgerBalanced(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	var debits, credits string
	var unbalanced int
	err := db.QueryRow(context.Background(), `SELECT
		coalesce(sum(amount) FILTER (WHERE amount > 0), 0)::text, coalesce(-sum(amount) FILTER (WHERE amount < 0), 0)::text,
		(SELECT count(*) FROM (SELECT 1 FROM billing.entries GROUP BY district_id, school_id, posting_id HAVING sum(amount) <> 0) u)
		FROM billing.entries`).Scan(&debits, &credits, &unbalanced)
	if err != nil {
		t.Fatal(err)
	}
	if debits != credits || unbalanced != 0 {
		t.Errorf("ledger debits %s, credits %s, %d unbalanced postings", debits, credits, unbalanced)
	}
}

// checkRunPostings checks the ledger shape of fee runs: one posting per run,
// school and kind, referencing the run, and in it one ParentReceivable entry
// per statement equal to the statement's parent amount.
func checkRunPostings(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	var postings, want, mismatched int
	err := db.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM billing.postings WHERE kind IN ('charge', 'adjustment')),
		(SELECT count(DISTINCT (district_id, school_id, run_id, kind)) FROM billing.statements),
		(SELECT count(*) FROM billing.statements s
			LEFT JOIN billing.postings p ON (p.district_id, p.school_id, p.reference, p.kind) = (s.district_id, s.school_id, s.run_id, s.kind)
			LEFT JOIN billing.entries e ON (e.district_id, e.school_id, e.posting_id) = (p.district_id, p.school_id, p.posting_id)
				AND e.account = 'receivable:parent:' || s.student_id
			WHERE s.parent_amount <> 0 AND e.amount IS DISTINCT FROM s.parent_amount)`).Scan(&postings, &want, &mismatched)
	if err != nil {
		t.Fatal(err)
	}
	if postings != want || mismatched != 0 {
		t.Errorf("%d fee-run postings, want %d (one per run, school and kind); %d statements without their parent entry", postings, want, mismatched)
	}
}

func TestConcurrentIdenticalRunsAcrossProcessesMakeOneRun(t *testing.T) {
	t.Parallel()
	b := setup(t, 2, 30)
	// Two Fees are two processes: their in-memory de-duplication is separate, so the database's
	// unique request key has to keep the 50 requests to one run.
	procs := []*app.Fees{app.NewFees(b.store, b.feed), app.NewFees(b.store, b.feed)}
	var wg sync.WaitGroup
	ids := make([]string, 50)
	errs := make([]error, 50)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := procs[i%2].CreateRun(context.Background(), districtRun("one-key"))
			ids[i], errs[i] = r.ID, err
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("request %d: run %q err %v, want run %q", i, ids[i], errs[i], ids[0])
		}
	}
	// Two schools: one charge posting each, with 30 parent entries and 4 summed ones (two
	// subsidy payers, the waiver payer, school income).
	if c := counts(t, b.db); c != [5]int{1, 60, 60, 2, 68} {
		t.Errorf("runs, statements, lines, postings, entries = %v, want [1 60 60 2 68]: 1 run, 60 statements, a posting per school", c)
	}
	checkLedgerBalanced(t, b.db)
	checkRunPostings(t, b.db)
}

func TestInterruptedRunLeavesNothingAndCompletesWhenRepeated(t *testing.T) {
	t.Parallel()
	b := setup(t, 3, 45)
	f := app.NewFees(b.store, b.feed)
	f.Options.BatchSize, f.Options.FailAfter = 20, 4 // fails after writing four batches, in the second school
	_, err := f.CreateRun(context.Background(), districtRun("interrupted"))
	if !errors.Is(err, app.ErrInjected) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	if c := counts(t, b.db); c != [5]int{} {
		t.Fatalf("after the interrupted run: runs, statements, lines, postings, entries = %v, want nothing", c)
	}
	if n := snapshotRows(t, b.db); n != 0 {
		t.Fatalf("after the interrupted run: %d inputs snapshot rows, want none", n)
	}
	f.Options.FailAfter = 0
	r, err := f.CreateRun(context.Background(), districtRun("interrupted"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Statements != 135 {
		t.Errorf("repeated run issued %d statements, want 135", r.Statements)
	}
	if c := counts(t, b.db); c != [5]int{1, 135, 135, 3, 147} {
		t.Errorf("after the repeat: %v, want 1 run, 135 statements and lines, 3 postings (one a school), 135+3×4 entries", c)
	}
	if n := snapshotRows(t, b.db); n != 3 {
		t.Errorf("after the repeat: %d inputs snapshot rows, want one a school (3)", n)
	}
	checkLedgerBalanced(t, b.db)
	checkRunPostings(t, b.db)
}

func TestRunWhoseConnectionIsKilledLeavesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, 3, 30)
	killed := false
	b.feed.hook = func(context.Context) error {
		if killed || b.feed.streams.Load() < 2 {
			return nil
		}
		killed = true
		// The run's transaction is open (idle, or writing the first school while the second is
		// computed): drop its connection from outside. The query has its own context: the kill
		// makes the run fail and cancel the run's context, possibly before this answer arrives.
		var n int
		err := b.db.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("terminated %d backends (err %v), want the run's one", n, err)
		}
		return nil
	}
	f := app.NewFees(b.store, b.feed)
	f.Options.BatchSize = 10
	if _, err := f.CreateRun(context.Background(), districtRun("killed")); err == nil {
		t.Fatal("the run whose connection was killed succeeded")
	}
	if c := counts(t, b.db); c != [5]int{} {
		t.Fatalf("after the killed run: %v, want nothing", c)
	}
	r, err := f.CreateRun(context.Background(), districtRun("killed"))
	if err != nil {
		t.Fatal(err)
	}
	if c := counts(t, b.db); r.Statements != 90 || c != [5]int{1, 90, 90, 3, 102} {
		t.Errorf("repeat issued %d statements, visible %v, want 90 statements and lines, 3 postings, 102 entries", r.Statements, c)
	}
	checkLedgerBalanced(t, b.db)
	checkRunPostings(t, b.db)
}

func TestRerunIsReproducibleAndChangedFactsAdjust(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, 20)
	f := app.NewFees(b.store, b.feed)
	first, err := f.CreateRun(context.Background(), districtRun("first"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.CreateRun(context.Background(), districtRun("again"))
	if err != nil {
		t.Fatal(err)
	}
	if again.InputsHash != first.InputsHash || again.Unchanged != 20 || again.Statements+again.Adjustments != 0 {
		t.Errorf("re-run = %+v, want the same inputs hash and 20 unchanged", again)
	}
	b.feed.students = 19 // one student's enrolment is gone: the next run reverses her charge
	third, err := f.CreateRun(context.Background(), districtRun("third"))
	if err != nil {
		t.Fatal(err)
	}
	if third.InputsHash == first.InputsHash || third.Unchanged != 19 || third.Adjustments != 1 || third.Statements != 0 {
		t.Errorf("third run = %+v, want 19 unchanged and 1 adjustment", third)
	}
	sts, owed, err := f.StudentStatements(context.Background(), "sch-0000", "sch-0000-stu-000019", "term-2024-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 2 || sts[1].Kind != statement.KindAdjustment || sts[1].Corrects != sts[0].StatementID || !owed.IsZero() ||
		!sts[1].Totals.Parent.Equal(sts[0].Totals.Parent.Neg()) || sts[0].Totals.Parent.IsZero() {
		t.Errorf("statements of the withdrawn student = %+v, owed %s, want a charge and its full reversal", sts, owed)
	}
	// The reversal is the third run's adjustment posting; it cancels the first run's charge entry.
	var balance decimal.Decimal
	var adjPostings int
	err = b.db.QueryRow(context.Background(), `SELECT (SELECT sum(amount) FROM billing.entries WHERE account = 'receivable:parent:sch-0000-stu-000019'),
		(SELECT count(*) FROM billing.postings WHERE kind = 'adjustment' AND reference = $1)`, third.ID).Scan(&balance, &adjPostings)
	if err != nil || !balance.IsZero() || adjPostings != 1 {
		t.Errorf("withdrawn student's receivable = %s, adjustment postings of the third run = %d (err %v), want 0 and 1", balance, adjPostings, err)
	}
	checkLedgerBalanced(t, b.db)
	checkRunPostings(t, b.db)
}

func TestMonthRunAndBadRequests(t *testing.T) {
	t.Parallel()
	b := setup(t, 2, 10)
	f := app.NewFees(b.store, b.feed)
	// School sch-0001 bills monthly under its own schedule, which overrides the district's.
	monthly := acceptanceSchedule("350501")
	monthly.ID, monthly.Scope.SchoolID, monthly.BillingMode = "sch-0001-monthly", "sch-0001", fee.Monthly
	if _, err := b.store.CreateSchedule(context.Background(), monthly, ""); err != nil {
		t.Fatal(err)
	}
	r, err := f.CreateRun(context.Background(), app.RunRequest{DistrictID: "350501", RequestID: "sept", PeriodKind: fee.MonthPeriod,
		SchoolID: "sch-0001", TermID: "term-2024-1", Month: termStart})
	if err != nil {
		t.Fatal(err)
	}
	if r.Statements != 10 || r.PeriodKind != fee.MonthPeriod || r.From != termStart || r.To != termEnd {
		t.Errorf("month run = %+v, want 10 statements for 2–27 September", r)
	}
	// 张三-like student 0: 19 days × 2 periods × 2 元 − 19 × 2.5 元 subsidy = 28.50.
	sts, owed, err := f.StudentStatements(context.Background(), "sch-0001", "sch-0001-stu-000000", "term-2024-1")
	if err != nil || len(sts) != 1 || owed.String() != "28.5" || sts[0].PeriodKind != fee.MonthPeriod || sts[0].Schedule.ScheduleID != "sch-0001-monthly" {
		t.Errorf("statements = %+v owed %s err %v", sts, owed, err)
	}
	tests := []struct {
		name  string
		give  app.RunRequest
		field string
	}{
		{"no period kind", app.RunRequest{DistrictID: "350501", RequestID: "x", On: termStart}, "period_kind"},
		{"month run without month", app.RunRequest{DistrictID: "350501", RequestID: "x", PeriodKind: fee.MonthPeriod, SchoolID: "sch-0000", TermID: "term-2024-1"}, "month"},
		{"school run without term", app.RunRequest{DistrictID: "350501", RequestID: "x", PeriodKind: fee.TermPeriod, SchoolID: "sch-0000"}, "term_id"},
		{"no request id", app.RunRequest{DistrictID: "350501", PeriodKind: fee.TermPeriod, On: termStart}, "request_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.CreateRun(context.Background(), tt.give)
			var verr *fault.ValidationError
			if !errors.As(err, &verr) || len(verr.Violations) == 0 || verr.Violations[0].Field != tt.field {
				t.Errorf("err = %v, want a violation of %s", err, tt.field)
			}
		})
	}
}

func TestDistrictPreviewSumsSchools(t *testing.T) {
	t.Parallel()
	b := setup(t, 2, 10)
	f := app.NewFees(b.store, b.feed)
	cand := acceptanceSchedule("350501")
	cand.Items[0].Rate = decimal.RequireFromString("2.5")
	rep, err := f.Preview(context.Background(), districtRun(""), cand)
	if err != nil {
		t.Fatal(err)
	}
	// Per school, by hand: 38 periods × 0.50 more = +19.00 for each of 8 students; student 5
	// (two days' leave) +17.00; student 3 (低保, half waived) +9.50: 178.50; the district 357.00.
	if len(rep.Schools) != 2 || !rep.Schools[1].Delta.Parent.Equal(decimal.RequireFromString("178.5")) ||
		!rep.Total.Delta.Parent.Equal(decimal.NewFromInt(357)) || rep.Total.BaseStatements != 20 || rep.Total.CandidateStatements != 20 {
		t.Errorf("preview = %+v", rep)
	}
	if c := counts(t, b.db); c != [5]int{} {
		t.Errorf("a preview wrote %v", c)
	}
}
