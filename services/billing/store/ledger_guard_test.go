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
