package system_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kehou/kehou/services/system/systemtest"
)

// TestFeeRunVerifiesFromItsStoredInputs replays runs over HTTP from the
// inputs they stored: a first run, then (after timetable's facts change) an
// adjusting run; the first still verifies identical because the replay reads
// only the snapshot, never timetable's current facts.
func TestFeeRunVerifiesFromItsStoredInputs(t *testing.T) {
	t.Parallel()
	w := newFeeWorld(t, "350406")
	env := w.env
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", acceptanceSchedule("三教〔2024〕18号"))
	runs := "/v1/districts/" + w.district + "/fee-runs/"
	run := env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-2024", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	firstID := systemtest.Str(run, "run", "run_id")

	v := env.MustDo(t, "POST", runs+firstID+":verify", map[string]any{})
	if v["identical"] != true || v["inputs_hash_matches"] != true || systemtest.Get(v, "statements_checked") != float64(3) ||
		systemtest.Get(v, "statements_identical") != float64(3) || systemtest.Get(v, "students") != float64(3) ||
		systemtest.Get(v, "schools") != float64(1) || v["recomputed_inputs_hash"] != systemtest.Str(run, "run", "inputs_hash") {
		t.Fatalf("verify first run = %v", v)
	}
	if d, _ := v["statements_differing"].([]any); len(d) != 0 {
		t.Errorf("verify first run lists differing statements: %v", v["statements_differing"])
	}

	// 张三 takes leave: the settling run issues one adjustment, two students unchanged.
	env.MustDo(t, "POST", "/v1/schools/"+w.school+"/students/"+w.students["张三"]+"/leaves",
		map[string]any{"start_date": date(2024, 9, 23), "end_date": date(2024, 9, 24), "reason": "事假"})
	adj := env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-2024-settle", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	v = env.MustDo(t, "POST", runs+systemtest.Str(adj, "run", "run_id")+":verify", map[string]any{})
	if v["identical"] != true || systemtest.Get(v, "statements_checked") != float64(1) || systemtest.Get(v, "statements_identical") != float64(1) ||
		systemtest.Get(v, "unchanged_checked") != float64(2) {
		t.Errorf("verify adjusting run = %v", v)
	}
	if v := env.MustDo(t, "POST", runs+firstID+":verify", map[string]any{}); v["identical"] != true || systemtest.Get(v, "statements_identical") != float64(3) {
		t.Errorf("verify first run after the facts changed = %v", v)
	}

	if r := env.Do(t, "POST", runs+"run-unknown:verify", map[string]any{}); r.Code != http.StatusNotFound {
		t.Errorf("verify unknown run: %d %s, want 404", r.Code, r.Raw)
	}
	other := env.District(t, "350407")
	if r := env.Do(t, "POST", "/v1/districts/"+other+"/fee-runs/"+firstID+":verify", map[string]any{}); r.Code != http.StatusNotFound {
		t.Errorf("verify another district's run: %d %s, want 404", r.Code, r.Raw)
	}
}

// TestVerifyNamesAStatementChangedBehindTheAPI changes a statement's
// parent_amount past the append-only guard (as a superuser in replica mode,
// the only way left) and shows that :verify names that statement.
func TestVerifyNamesAStatementChangedBehindTheAPI(t *testing.T) {
	t.Parallel()
	w := newFeeWorld(t, "350408")
	env := w.env
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", acceptanceSchedule("三教〔2024〕18号"))
	run := env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-2024", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	runID := systemtest.Str(run, "run", "run_id")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var victim string
	if err := conn.QueryRow(ctx, `SELECT statement_id FROM billing.statements WHERE run_id = $1 ORDER BY statement_id LIMIT 1`, runID).Scan(&victim); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE billing.statements SET parent_amount = 0.01 WHERE statement_id = $1`, victim); err == nil ||
		!strings.Contains(err.Error(), "append-only") {
		t.Fatalf("plain update of an issued statement: err = %v, want the append-only guard", err)
	}
	if _, err := conn.Exec(ctx, `BEGIN; SET LOCAL session_replication_role = replica;
		UPDATE billing.statements SET parent_amount = 0.01 WHERE statement_id = '`+victim+`'; COMMIT`); err != nil {
		t.Fatal(err)
	}
	v := env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs/"+runID+":verify", map[string]any{})
	var differing []string
	for _, d := range v["statements_differing"].([]any) {
		differing = append(differing, d.(string))
	}
	if v["identical"] != false || v["inputs_hash_matches"] != true || systemtest.Get(v, "statements_identical") != float64(2) ||
		!slices.Equal(differing, []string{victim}) {
		t.Errorf("verify after %s was changed = %v, want it named alone", victim, v)
	}
}
