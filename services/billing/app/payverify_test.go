package app_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/store"
	"github.com/kehou/kehou/services/platform/pgtest"
)

// TestPayRunVerifiesByReplay issues a pay run of 30 people, replays it
// from its stored inputs (identical, everyone checked), then changes one
// person's paid amount behind the guards and expects the replay to name
// that person and no one else.
func TestPayRunVerifiesByReplay(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Pool(t)
	st := store.New(db)
	feed := &fakeFeed{district: "350501", schools: 1, students: 1}
	school := feed.schoolID(0)
	if _, err := st.CreateRateTable(ctx, benchPayTable("350501")); err != nil {
		t.Fatal(err)
	}
	runs := app.NewPayRuns(st, feed, feed, newFakeHours("350501", 30, 20))
	run, created, err := runs.CreateRun(ctx, app.PayRunRequest{SchoolID: school, RequestID: "verify", Year: 2024, Month: 9})
	if err != nil || !created || run.Statements != 30 {
		t.Fatalf("run: %d statements, created %v, %v", run.Statements, created, err)
	}
	v, err := runs.VerifyRun(ctx, school, run.ID)
	if err != nil || !v.Identical() || v.PeopleChecked != 30 {
		t.Fatalf("verify = %+v, %v; want identical for 30 people", v, err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	// Only a superuser can step around the guard (replica mode skips ordinary triggers).
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE billing.pay_statements SET paid = paid + 1 WHERE run_id = $1 AND staff_id = 'stf-00003'`, run.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	v, err = runs.VerifyRun(ctx, school, run.ID)
	if err != nil || v.Identical() || !v.HashMatches || !slices.Equal(v.Differing, []string{"stf-00003"}) {
		t.Errorf("verify after a change behind the API = %+v, %v; want stf-00003 alone named, the inputs hash still matching", v, err)
	}
}
