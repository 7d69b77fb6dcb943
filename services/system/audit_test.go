package system_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/system/systemtest"
)

// auditEvents reads a service's audit trail through the gateway as c,
// filtered by query (already escaped), newest first.
func auditEvents(t *testing.T, c systemtest.Client, district, service, query string) []map[string]any {
	t.Helper()
	b := c.MustDo(t, "GET", "/v1/districts/"+district+"/audit/"+service+"?"+query, nil)
	raw, _ := b["events"].([]any)
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		out[i] = e.(map[string]any)
	}
	return out
}

// rowJSON decodes an event's before or after.
func rowJSON(t *testing.T, ev map[string]any, field string) map[string]any {
	t.Helper()
	s, _ := ev[field].(string)
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%s of event %v is not JSON: %v", field, ev["event_id"], err)
	}
	return m
}

// wantWho checks who, from where and under which request an event was made.
func wantWho(t *testing.T, what string, ev map[string]any, account, role, requestID string) {
	t.Helper()
	if ev["account_id"] != account || ev["role"] != role {
		t.Errorf("%s: by %v (%v), want %s (%s)", what, ev["account_id"], ev["role"], account, role)
	}
	if ev["address"] != "127.0.0.1" {
		t.Errorf("%s: address %v, want the HTTP client's 127.0.0.1", what, ev["address"])
	}
	if requestID != "" && ev["request_id"] != requestID {
		t.Errorf("%s: request id %v, want %s", what, ev["request_id"], requestID)
	}
	at, err := time.Parse(time.RFC3339Nano, systemtest.Str(ev, "time"))
	if err != nil || time.Since(at) > 10*time.Minute || time.Until(at) > time.Minute {
		t.Errorf("%s: time %v, want just now", what, ev["time"])
	}
}

// TestAuditTrail is issue 12's second acceptance test: a fee schedule, a
// payment, an enrolment and an assignment are changed through the gateway
// by different people, and each service's audit trail answers who, when,
// from where, the request id, and the row before and after; audit rows
// cannot be changed or removed by the services' database roles, nor by
// the owner; and the trail is held to the reader's scope.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	w := newFeeWorld(t, "350421")
	env := w.env
	finance := env.As(env.Minter.Token(auth.Principal{AccountID: "acc_fin_audit", Role: auth.RoleFinanceOfficer, DistrictID: w.district}))
	admin := env.As(env.Minter.Token(auth.Principal{AccountID: "acc_sa_audit", Role: auth.RoleSchoolAdmin, DistrictID: w.district, SchoolID: w.school}))

	// A fee schedule and its second version (a change: 文号 and rate).
	v1 := acceptanceSchedule("三教〔2024〕18号")
	finance.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", v1)
	v2 := acceptanceSchedule("三教〔2024〕19号")
	v2["items"].([]any)[0].(map[string]any)["rate"] = "2.5"
	if r := finance.Do(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", v2, "X-Request-Id", "req-fee-v2"); r.Code != http.StatusOK {
		t.Fatalf("second version: %d %s", r.Code, r.Raw)
	}
	evs := auditEvents(t, finance, w.district, "billing", "object_kind=fee_schedule")
	if len(evs) != 2 {
		t.Fatalf("fee schedule events = %d, want 2 (two versions): %v", len(evs), evs)
	}
	wantWho(t, "fee schedule v2", evs[0], "acc_fin_audit", "finance_officer", "req-fee-v2")
	if evs[0]["action"] != "/kehou.billing.v1.BillingService/CreateFeeSchedule" || evs[0]["object_id"] != "sy-2024" {
		t.Errorf("fee schedule event names %v %v", evs[0]["action"], evs[0]["object_id"])
	}
	before, after := rowJSON(t, evs[0], "before"), rowJSON(t, evs[0], "after")
	if before["document_no"] != "三教〔2024〕18号" || after["document_no"] != "三教〔2024〕19号" || after["version"] != float64(2) {
		t.Errorf("fee schedule v2: before %v, after %v; want version 1 → version 2", before["document_no"], after)
	}
	if rowJSON(t, evs[1], "before") != nil || rowJSON(t, evs[1], "after")["version"] != float64(1) {
		t.Errorf("fee schedule v1: want no before and version 1 after: %v", evs[1])
	}

	// A payment of a statement of a fee run.
	finance.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-2024", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	student := w.students["张三"]
	got := finance.MustDo(t, "GET", "/v1/schools/"+w.school+"/students/"+student+"/terms/"+w.term+"/statements", nil)
	stID := systemtest.Str(got, "statements", 0, "statement_id")
	p := finance.MustDo(t, "POST", "/v1/schools/"+w.school+"/payments", payment(stID, "10.00", "PAYMENT_CHANNEL_WECHAT", "wx-audit", "2024-09-03T02:00:00Z"))
	payID := systemtest.Str(p, "payment", "payment_id")
	evs = auditEvents(t, finance, w.district, "billing", "object_kind=payment&object_id="+payID)
	if len(evs) != 1 {
		t.Fatalf("payment events = %d, want 1: %v", len(evs), evs)
	}
	wantWho(t, "payment", evs[0], "acc_fin_audit", "finance_officer", "")
	if a := rowJSON(t, evs[0], "after"); evs[0]["operation"] != "insert" || rowJSON(t, evs[0], "before") != nil ||
		a["statement_id"] != stID || a["amount"] != 10.0 || a["school_id"] != w.school {
		t.Errorf("payment event: %v", evs[0])
	}
	if runs := auditEvents(t, finance, w.district, "billing", "object_kind=fee_run"); len(runs) == 0 {
		t.Error("the fee run left no audit event")
	}

	// An enrolment: created, approved and withdrawn by the school administrator.
	cl := env.MustDo(t, "GET", "/v1/schools/"+w.school+"/classes", nil)
	st := admin.MustDo(t, "POST", "/v1/schools/"+w.school+"/students", map[string]any{
		"class_id": systemtest.Str(cl, "classes", 0, "class_id"), "name": "赵六",
		"guardians": []any{map[string]any{"name": "赵六家长", "phone": "13900000001", "relation": "父亲"}}})
	items := env.MustDo(t, "GET", "/v1/schools/"+w.school+"/terms/"+w.term+"/items", nil)
	en := admin.MustDo(t, "POST", "/v1/schools/"+w.school+"/enrolments", map[string]any{
		"student_id": systemtest.Str(st, "student", "student_id"), "item_id": systemtest.Str(items, "items", 0, "item_id"), "start_date": date(2024, 9, 2)})
	enID := systemtest.Str(en, "enrolment", "enrolment_id")
	base := "/v1/schools/" + w.school + "/enrolments/" + enID
	admin.MustDo(t, "POST", base+":approve", map[string]any{})
	if r := admin.Do(t, "POST", base+":withdraw", map[string]any{"end_date": date(2024, 9, 20)}, "X-Request-Id", "req-withdraw"); r.Code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.Code, r.Raw)
	}
	evs = auditEvents(t, finance, w.district, "timetable", "object_kind=enrolment&object_id="+enID)
	if len(evs) != 3 {
		t.Fatalf("enrolment events = %d, want 3 (create, approve, withdraw): %v", len(evs), evs)
	}
	wantWho(t, "withdrawal", evs[0], "acc_sa_audit", "school_admin", "req-withdraw")
	if evs[0]["action"] != "/kehou.timetable.v1.TimetableService/WithdrawEnrolment" || evs[0]["operation"] != "update" {
		t.Errorf("withdrawal event: %v %v", evs[0]["action"], evs[0]["operation"])
	}
	before, after = rowJSON(t, evs[0], "before"), rowJSON(t, evs[0], "after")
	if before["end_date"] == after["end_date"] || after["end_date"] != "2024-09-20" {
		t.Errorf("withdrawal: end_date %v → %v, want → 2024-09-20", before["end_date"], after["end_date"])
	}
	if evs[2]["operation"] != "insert" || rowJSON(t, evs[2], "before") != nil {
		t.Errorf("creation event: %v", evs[2])
	}

	// A bulk read of the roster is recorded too.
	admin.MustDo(t, "GET", "/v1/schools/"+w.school+"/students", nil)
	reads := auditEvents(t, finance, w.district, "timetable", "object_kind=student&account_id=acc_sa_audit")
	var sawRead bool
	for _, e := range reads {
		sawRead = sawRead || (e["operation"] == "read" && e["action"] == "/kehou.timetable.v1.TimetableService/ListStudents")
	}
	if !sawRead {
		t.Errorf("the roster listing left no read event: %v", reads)
	}

	// Scope: a finance officer of another district reads nothing of this
	// one's; a school administrator cannot read the trail at all.
	other := env.As(env.Minter.Token(auth.Principal{AccountID: "acc_fin_x", Role: auth.RoleFinanceOfficer, DistrictID: "350499"}))
	if r := other.Do(t, "GET", "/v1/districts/"+w.district+"/audit/billing", nil); r.Code != http.StatusNotFound {
		t.Errorf("another district's finance officer: %d, want 404", r.Code)
	}
	if r := admin.Do(t, "GET", "/v1/districts/"+w.district+"/audit/timetable", nil); r.Code != http.StatusNotFound {
		t.Errorf("school administrator: %d, want 404", r.Code)
	}

	// Append-only: every service's role may not change or remove a row;
	// the trigger refuses even the owner.
	ctx := context.Background()
	for schema, role := range map[string]string{"billing": "kehou_billing", "timetable": "kehou_timetable", "staffing": "kehou_staffing", "identity": "kehou_identity"} {
		u, err := pgdb.RoleURL(env.DatabaseURL, role)
		if err != nil {
			t.Fatal(err)
		}
		pool, err := pgxpool.New(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"UPDATE %s.audit_log SET account_id = 'someone else'", "DELETE FROM %s.audit_log", "TRUNCATE %s.audit_log"} {
			q = strings.ReplaceAll(q, "%s", schema)
			if _, err := pool.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "permission denied") {
				t.Errorf("%s as %s: %v, want permission denied", q, role, err)
			}
		}
		pool.Close()
	}
	owner, err := pgxpool.New(ctx, env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	for _, q := range []string{"UPDATE billing.audit_log SET account_id = 'x'", "DELETE FROM billing.audit_log", "TRUNCATE billing.audit_log"} {
		if _, err := owner.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s as superuser: %v, want the append-only trigger's refusal", q, err)
		}
	}
	if evs := auditEvents(t, finance, w.district, "billing", "object_kind=payment&object_id="+payID); len(evs) != 1 || evs[0]["account_id"] != "acc_fin_audit" {
		t.Errorf("after the attempts the payment's event reads %v", evs)
	}
}

// TestAuditTrailAssignment changes a staff assignment (the solver's, then
// removed by the school administrator) and reads it back from staffing's
// audit trail with who, when, before and after.
func TestAuditTrailAssignment(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	s := newStaffingSchool(t, env, "350422")
	g := s.solve(t, "7")
	asgs, _ := g["assignments"].([]any)
	if len(asgs) == 0 {
		t.Fatalf("the solver assigned nobody: %v", g)
	}
	asg := systemtest.Str(asgs[0], "assignment_id")
	admin := env.As(env.Minter.Token(auth.Principal{AccountID: "acc_sa_staff", Role: auth.RoleSchoolAdmin, DistrictID: s.district, SchoolID: s.id}))
	if r := admin.Do(t, "POST", s.path("/assignments/%s:unassign", asg), map[string]any{"reason": "调课"}, "X-Request-Id", "req-unassign"); r.Code != http.StatusOK {
		t.Fatalf("unassign: %d %s", r.Code, r.Raw)
	}
	bureau := env.As(env.Minter.Token(systemtest.Bureau(s.district)))
	evs := auditEvents(t, bureau, s.district, "staffing", "object_kind=assignment&object_id="+asg)
	if len(evs) < 2 {
		t.Fatalf("assignment events = %d, want its creation and its removal: %v", len(evs), evs)
	}
	wantWho(t, "unassign", evs[0], "acc_sa_staff", "school_admin", "req-unassign")
	if evs[0]["action"] != "/kehou.staffing.v1.StaffingService/UnassignStaff" {
		t.Errorf("unassign event action %v", evs[0]["action"])
	}
	if b := rowJSON(t, evs[0], "before"); b == nil || b["assignment_id"] != asg {
		t.Errorf("unassign event before = %v, want the assignment as it was", b)
	}
	last := evs[len(evs)-1]
	wantWho(t, "solve", last, "acc_bureau_"+s.district, "bureau_admin", "")
	if last["operation"] != "insert" || last["action"] != "/kehou.staffing.v1.StaffingService/SolveWeek" || rowJSON(t, last, "after")["assignment_id"] != asg {
		t.Errorf("creation event: %v", last)
	}
}
