package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/org"
)

// TestPlanReadSeesNewSchools: the plan read remembers a school's district,
// but never a school it did not find: created after a miss, the very next
// read finds it (the term asked for, which does not exist, is then what is
// missing).
func TestPlanReadSeesNewSchools(t *testing.T) {
	a, existing, _ := newWorld(t)
	const id = "sch_scope_later"
	_, err := a.GetPlan(ctx, id, "term_x")
	if !errors.Is(err, fault.ErrNotFound) || !strings.Contains(err.Error(), "school") {
		t.Fatalf("unknown school: %v, want the school not found", err)
	}
	if _, err := a.CreateSchool(ctx, org.School{ID: id, DistrictID: "350402", Name: "新校区小学", Stage: org.StagePrimary}); err != nil {
		t.Fatal(err)
	}
	for _, sc := range []string{id, existing, id} {
		_, err = a.GetPlan(ctx, sc, "term_x")
		if !errors.Is(err, fault.ErrNotFound) || !strings.Contains(err.Error(), "term term_x") {
			t.Fatalf("school %s: %v, want its term not found", sc, err)
		}
	}
}
