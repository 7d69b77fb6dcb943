package system_test

import (
	"net/http"
	"testing"

	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system/systemtest"
)

// TestStatementRouteSeesNewTerms: billing remembers a school's district and
// its terms (facts timetable never changes), so the parent's statement
// route asks timetable nothing on a repeat; but what it has not seen it
// always asks. A term that did not exist answers 404, and once created
// through the API the very next read finds it; a term of another school
// stays 404 for this school even after billing has remembered it there.
func TestStatementRouteSeesNewTerms(t *testing.T) {
	t.Parallel()
	w := newFeeWorld(t, "351601")
	env := w.env
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", acceptanceSchedule("三教〔2024〕18号"))
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-2024", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	student := w.students["张三"]
	parent := env.As(env.Mint(auth.Principal{AccountID: "acc_parent_zhang", Role: auth.RoleParent, DistrictID: w.district,
		Students: []auth.StudentRef{{SchoolID: w.school, StudentID: student}}}))
	path := func(school, term string) string {
		return "/v1/schools/" + school + "/students/" + student + "/terms/" + term + "/statements"
	}
	for range 2 { // the second read is answered from what billing remembers
		got := parent.MustDo(t, "GET", path(w.school, w.term), nil)
		if sts, _ := got["statements"].([]any); len(sts) != 1 {
			t.Fatalf("statements of the billed term = %v, want one", got)
		}
	}

	// October's term does not exist yet: 404. Created through the API, the next read finds it.
	octID := "term_oct_missing"
	if r := parent.Do(t, "GET", path(w.school, octID), nil); r.Code != http.StatusNotFound {
		t.Fatalf("unknown term: status %d, want 404", r.Code)
	}
	oct := env.MustDo(t, "POST", "/v1/schools/"+w.school+"/terms", map[string]any{
		"name": "2024-2025学年第一学期（十月）", "start_date": date(2024, 10, 8), "end_date": date(2024, 10, 31)})
	octID = systemtest.Str(oct, "term", "term_id")
	if r := parent.Do(t, "GET", path(w.school, octID), nil); r.Code != http.StatusOK {
		t.Fatalf("term created a moment ago: status %d (%s), want 200", r.Code, r.Raw)
	}
	got := parent.MustDo(t, "GET", path(w.school, octID), nil)
	if sts, _ := got["statements"].([]any); len(sts) != 0 {
		t.Fatalf("statements of the unbilled term = %v, want none", got)
	}

	// A second school's term, remembered by billing there, is no term of the first school.
	other := env.School(t, w.district, "第二小学", "SCHOOL_STAGE_PRIMARY")
	tm := env.MustDo(t, "POST", "/v1/schools/"+other+"/terms", map[string]any{
		"name": "2024秋", "start_date": date(2024, 9, 2), "end_date": date(2024, 9, 27)})
	otherTerm := systemtest.Str(tm, "term", "term_id")
	env.MustDo(t, "GET", "/v1/schools/"+other+"/students/stu_nobody/terms/"+otherTerm+"/statements", nil)
	if r := parent.Do(t, "GET", path(w.school, otherTerm), nil); r.Code != http.StatusNotFound {
		t.Fatalf("another school's term: status %d, want 404", r.Code)
	}
}
