package system_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
)

// TestImportInterruptedByShutdown: a staff import running when the system
// stops ends failed, "interrupted by shutdown", with nothing written; one
// a crash left running (a row nobody finishes) is failed when the service
// next starts on the same database. No job stays running for ever.
func TestImportInterruptedByShutdown(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	district := env.District(t, "350404")
	school := env.School(t, district, "戊小学", "SCHOOL_STAGE_PRIMARY")
	inst := systemtest.Str(env.MustDo(t, "POST", "/v1/districts/"+district+"/institutions",
		institution("晨光体育", "91350404MA2XYZ0002", true, systemtest.Date(2024, 1, 1), systemtest.Date(2030, 12, 31))), "institution", "institution_id")
	env.MustDo(t, "POST", "/v1/districts/"+district+"/institutions/"+inst+"/schools", map[string]any{"school_id": school})
	admin := env.Mint(auth.Principal{AccountID: "acc_sa", Role: auth.RoleSchoolAdmin, DistrictID: district, SchoolID: school})

	var big bytes.Buffer
	big.WriteString(staffHeader)
	for i := range 5000 {
		fmt.Fprintf(&big, "B%04d,教练%d,第三方机构人员,%s,,体育,周二\n", i, i, inst)
	}
	code, body, raw := upload(t, env, admin, school, "staff", false, bytes.NewReader(big.Bytes()), int64(big.Len()))
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %s", code, raw)
	}
	id := systemtest.Str(body, "import", "import_id")
	if err := env.Run.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	ctx := context.Background()
	db, err := pgx.Connect(ctx, env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	var state, failure string
	var staff int
	if err := db.QueryRow(ctx, `SELECT state, coalesce(report->>'failure', '') FROM staffing.import_jobs WHERE import_id = $1`, id).
		Scan(&state, &failure); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT count(*) FROM staffing.staff`).Scan(&staff); err != nil {
		t.Fatal(err)
	}
	if state != "failed" || !strings.Contains(failure, "interrupted by shutdown") || staff != 0 {
		t.Fatalf("after shutdown: job %s %q, %d staff written", state, failure, staff)
	}

	// A crash: a job row says running and no process has it.
	if _, err := db.Exec(ctx, `INSERT INTO staffing.import_jobs (district_id, school_id, import_id, kind, dry_run, state)
		VALUES ($1, $2, 'simp_crashed0001', 'staff', false, 'running')`, district, school); err != nil {
		t.Fatal(err)
	}
	// Billing's jobs are kept by the same machinery: its crashed job too.
	if _, err := db.Exec(ctx, `INSERT INTO billing.import_jobs (district_id, school_id, import_id, kind, dry_run, state)
		VALUES ($1, '', 'bimp_crashed0001', 'fee_schedules', false, 'running')`, district); err != nil {
		t.Fatal(err)
	}
	again := systemtest.StartWith(t, func(c *system.Config) { c.DatabaseURL = env.DatabaseURL })
	job := finished(t, again.As(again.Mint(auth.Principal{AccountID: "acc_sa", Role: auth.RoleSchoolAdmin, DistrictID: district, SchoolID: school})),
		school, "simp_crashed0001")
	if job["state"] != "IMPORT_STATE_FAILED" || !strings.Contains(fmt.Sprint(systemtest.Get(job, "report", "failure_zh")), "服务停止") {
		t.Fatalf("after a restart: %v", job)
	}
	var bstate, bfailure string
	if err := db.QueryRow(ctx, `SELECT state, coalesce(report->>'failure', '') FROM billing.import_jobs WHERE import_id = 'bimp_crashed0001'`).Scan(&bstate, &bfailure); err != nil {
		t.Fatal(err)
	}
	if bstate != "failed" || !strings.Contains(bfailure, "interrupted by shutdown") {
		t.Errorf("billing's crashed job after a restart: %s %q, want failed, interrupted by shutdown", bstate, bfailure)
	}
	if !strings.Contains(again.Logs(), "failed imports interrupted by the last shutdown") {
		t.Error("the restart did not log the interrupted imports")
	}
}
