package system_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
)

// num is a JSON number of a response as text ("" when absent).
func num(v any, path ...any) string {
	if n, ok := systemtest.Get(v, path...).(float64); ok {
		return fmt.Sprint(n)
	}
	return ""
}

// TestShareLimitsHTTP: the shares a reconciliation checks (对账比例) are
// stored versions of the district, with a school override: defaults while
// nothing is stored, the version in force on a date, the school's override
// before the district's, a request parameter over both ("what if"); the
// same request id again is the same version; bad input is a 400 naming
// the field and writes nothing; each version is in the audit trail with
// the one it supersedes.
func TestShareLimitsHTTP(t *testing.T) {
	e := paySetup(t)
	path := "/v1/districts/350402/share-limits"
	get := func(query string) map[string]any { t.Helper(); return e.MustDo(t, "GET", path+query, nil) }
	in := func(r map[string]any, labour, management, source string) {
		t.Helper()
		if systemtest.Str(r, "labour_share_limit") != labour || systemtest.Str(r, "management_share_limit") != management ||
			systemtest.Str(r, "source") != source {
			t.Fatalf("in force %v, want labour %s management %s from %s", r, labour, management, source)
		}
	}
	put := func(school, labour, management string, from map[string]any, req string) systemtest.Response {
		body := map[string]any{"labour_share_limit": labour, "management_share_limit": management, "effective_from": from,
			"document_no": "三教〔2026〕12号", "request_id": req}
		if school != "" {
			body["school_id"] = school
		}
		return e.Do(t, "POST", path, body)
	}

	in(get(""), "0.6", "0.1", "default")
	first := put("", "0.55", "0.08", systemtest.Date(2026, 1, 1), "d1")
	if first.Code != http.StatusOK || num(first.Body, "limits", "version") != "1" || systemtest.Get(first.Body, "replayed") == true {
		t.Fatalf("first version: %d %s", first.Code, first.Raw)
	}
	if again := put("", "0.55", "0.08", systemtest.Date(2026, 1, 1), "d1"); again.Code != http.StatusOK ||
		num(again.Body, "limits", "version") != "1" || systemtest.Get(again.Body, "replayed") != true {
		t.Fatalf("replay: %d %s", again.Code, again.Raw)
	}
	wantField(t, put("", "0.50", "0.08", systemtest.Date(2026, 1, 1), "d1"), "request_id")
	if r := put("", "0.50", "0.10", systemtest.Date(2026, 9, 1), "d2"); r.Code != http.StatusOK || num(r.Body, "limits", "version") != "2" {
		t.Fatalf("second version: %d %s", r.Code, r.Raw)
	}
	in(get("?as_of.year=2026&as_of.month=6&as_of.day=30"), "0.55", "0.08", "district")
	district := get("?as_of.year=2026&as_of.month=10&as_of.day=1")
	in(district, "0.5", "0.1", "district")
	if vs := systemtest.Get(district, "versions").([]any); len(vs) != 2 || num(vs[0], "version") != "2" ||
		systemtest.Str(vs[1], "document_no") != "三教〔2026〕12号" {
		t.Fatalf("versions %v, want 2 then 1", vs)
	}
	in(get("?as_of.year=2025&as_of.month=12&as_of.day=31"), "0.6", "0.1", "default")

	// The school without an override reads the district's; with one, its own.
	schoolQ := "?school_id=" + e.school + "&as_of.year=2026&as_of.month=10&as_of.day=1"
	in(get(schoolQ), "0.5", "0.1", "district")
	if r := put(e.school, "0.7", "0.1", systemtest.Date(2026, 9, 1), "s1"); r.Code != http.StatusOK ||
		systemtest.Str(r.Body, "limits", "school_id") != e.school || num(r.Body, "limits", "version") != "1" {
		t.Fatalf("school override: %d %s", r.Code, r.Raw)
	}
	school := get(schoolQ)
	in(school, "0.7", "0.1", "school")
	if vs := systemtest.Get(school, "versions").([]any); len(vs) != 1 {
		t.Fatalf("school versions %v, want its one override", vs)
	}
	in(get("?as_of.year=2026&as_of.month=10&as_of.day=1"), "0.5", "0.1", "district")

	// The reconciliation uses the stored limits in force on the period's
	// last day; a request parameter overrides one of them for that request.
	rec := e.MustDo(t, "GET", "/v1/schools/"+e.school+"/reconciliation?year=2026&month=10", nil)["reconciliation"]
	if systemtest.Str(rec, "labour_share_limit") != "0.7" || systemtest.Str(rec, "management_share_limit") != "0.1" ||
		systemtest.Str(rec, "limits_source") != "school" || num(rec, "limits_version") != "1" {
		t.Fatalf("reconciliation limits %v, want the school's 0.7 / 0.1 (version 1)", rec)
	}
	rec = e.MustDo(t, "GET", "/v1/schools/"+e.school+"/reconciliation?year=2026&month=6", nil)["reconciliation"]
	if systemtest.Str(rec, "labour_share_limit") != "0.55" || systemtest.Str(rec, "limits_source") != "district" {
		t.Fatalf("June reconciliation limits %v, want the district's first version 0.55", rec)
	}
	rec = e.MustDo(t, "GET", "/v1/schools/"+e.school+"/reconciliation?year=2026&month=10&management_share_limit=0.2", nil)["reconciliation"]
	if systemtest.Str(rec, "labour_share_limit") != "0.7" || systemtest.Str(rec, "management_share_limit") != "0.2" ||
		systemtest.Str(rec, "limits_source") != "request" {
		t.Fatalf("what-if limits %v, want labour 0.7 stored and management 0.2 from the request", rec)
	}
	dr := e.MustDo(t, "GET", "/v1/districts/350402/reconciliation?year=2026&month=10", nil)
	if systemtest.Str(dr, "total", "labour_share_limit") != "0.5" || systemtest.Str(dr, "schools", 0, "labour_share_limit") != "0.7" {
		t.Fatalf("district month limits: total %v, school %v", systemtest.Get(dr, "total", "labour_share_limit"), systemtest.Get(dr, "schools", 0, "labour_share_limit"))
	}

	// Refused, naming the field; nothing written.
	wantField(t, put("", "1.5", "0.1", systemtest.Date(2026, 9, 1), "b1"), "labour_share_limit")
	wantField(t, put("", "-0.1", "0.1", systemtest.Date(2026, 9, 1), "b2"), "labour_share_limit")
	wantField(t, put("", "0.12345", "0.1", systemtest.Date(2026, 9, 1), "b3"), "labour_share_limit")
	wantField(t, put("", "0.6", "abc", systemtest.Date(2026, 9, 1), "b4"), "management_share_limit")
	wantField(t, put("", "0.6", "", systemtest.Date(2026, 9, 1), "b5"), "management_share_limit")
	wantField(t, put("", "0.6", "0.1", nil, "b6"), "effective_from")
	wantField(t, put("", "0.6", "0.1", systemtest.Date(2026, 2, 30), "b7"), "effective_from")
	if r := put("sch_nope", "0.6", "0.1", systemtest.Date(2026, 9, 1), "b8"); r.Code != http.StatusNotFound {
		t.Fatalf("unknown school: %d %s", r.Code, r.Raw)
	}
	ctx := context.Background()
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM billing.share_limits`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d stored versions (%v), want 3", n, err)
	}
	// The audit trail has each version, the district's second with the first as before.
	var audited int
	var before string
	if err := e.pool.QueryRow(ctx, `SELECT count(*), coalesce(max(before->>'labour_share') FILTER (WHERE after->>'version' = '2'), '')
		FROM billing.audit_log WHERE object_kind = 'share_limits' AND operation = 'insert'`).Scan(&audited, &before); err != nil || audited != 3 || before != "0.5500" {
		t.Fatalf("%d audited versions, second's before labour %q (%v); want 3 and 0.5500", audited, before, err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE billing.share_limits SET labour_share = 1`); err == nil {
		t.Fatal("a stored version was changed in place")
	}
}
