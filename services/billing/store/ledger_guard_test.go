package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/platform/pgtest"
)

// TestEntriesNeedTheirPosting checks the statement-level guard that replaced
// the entries → postings foreign key: an entry whose posting does not exist
// is refused, by INSERT and by COPY, as a foreign-key violation; entries of
// an existing posting are accepted.
func TestEntriesNeedTheirPosting(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO billing.postings (district_id, school_id, posting_id, kind, effective_date)
		VALUES ('350400', 'sch_a', 'p1', 'charge', '2026-03-01')`); err != nil {
		t.Fatal(err)
	}
	_, err := pool.Exec(ctx, `INSERT INTO billing.entries VALUES ('350400', 'sch_a', 'p1', 1, 'cash:cash', 1.00),
		('350400', 'sch_a', 'p1', 2, 'income:school', -1.00)`)
	if err != nil {
		t.Fatalf("entries of an existing posting: %v", err)
	}
	for name, insert := range map[string]func(pgx.Tx) error{
		"insert": func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO billing.entries VALUES ('350400', 'sch_a', 'p1', 3, 'cash:cash', 1.00),
				('350400', 'sch_b', 'p1', 1, 'income:school', -1.00)`) // same posting id, other school
			return err
		},
		"copy": func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"billing", "entries"}, []string{"district_id", "school_id", "posting_id", "line", "account", "amount"},
				pgx.CopyFromRows([][]any{{"350400", "sch_a", "nope", int32(1), "cash:cash", "1.00"}}))
			return err
		},
	} {
		err := pgx.BeginFunc(ctx, pool, insert)
		if !errors.Is(pgdb.Classify(err), pgdb.ErrForeignKeyViolation) {
			t.Errorf("%s of an entry without its posting: %v, want a foreign-key violation", name, err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM billing.entries`).Scan(&n); err != nil || n != 2 {
		t.Errorf("entries = %d (err %v), want the 2 of the existing posting", n, err)
	}
}

// TestPayLinesNeedTheirStatement checks the statement-level guard that
// replaced the pay_lines → pay_statements foreign key (migration 0012): a
// line whose statement does not exist in its school is refused, by INSERT
// and by COPY, as a foreign-key violation; lines of an existing statement
// are accepted.
func TestPayLinesNeedTheirStatement(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO billing.pay_runs (district_id, school_id, run_id, request_id, request_hash, year, month, mode)
		VALUES ('350400', 'sch_a', 'r1', 'q1', 'h', 2024, 9, 'full')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO billing.pay_statements (district_id, school_id, statement_id, run_id, staff_id, staff_kind,
		year, month, revision, kind, earned, paid, held_back, by_treatment, content_hash)
		VALUES ('350400', 'sch_a', 's1', 'r1', 'stf1', 'teacher', 2024, 9, 1, 'pay', 1, 1, 0, '[]', 'h')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO billing.pay_lines (district_id, school_id, statement_id, line_no, kind, treatment, amount, body)
		VALUES ('350400', 'sch_a', 's1', 1, 'session', 'labour_fee', 1.00, '{}'), ('350400', 'sch_a', 's1', 2, 'session', 'labour_fee', 1.00, '{}')`); err != nil {
		t.Fatalf("lines of an existing statement: %v", err)
	}
	for name, insert := range map[string]func(pgx.Tx) error{
		"insert": func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO billing.pay_lines (district_id, school_id, statement_id, line_no, kind, treatment, amount, body)
				VALUES ('350400', 'sch_a', 's1', 3, 'session', 'labour_fee', 1.00, '{}'),
				('350400', 'sch_b', 's1', 1, 'session', 'labour_fee', 1.00, '{}')`) // same statement id, other school
			return err
		},
		"copy": func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"billing", "pay_lines"}, []string{"district_id", "school_id", "statement_id", "line_no", "kind", "treatment", "amount", "body"},
				pgx.CopyFromRows([][]any{{"350400", "sch_a", "nope", int32(1), "session", "labour_fee", "1.00", []byte("{}")}}))
			return err
		},
	} {
		err := pgx.BeginFunc(ctx, pool, insert)
		if !errors.Is(pgdb.Classify(err), pgdb.ErrForeignKeyViolation) {
			t.Errorf("%s of a pay line without its statement: %v, want a foreign-key violation", name, err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM billing.pay_lines`).Scan(&n); err != nil || n != 2 {
		t.Errorf("pay lines = %d (err %v), want the 2 of the existing statement", n, err)
	}
}
