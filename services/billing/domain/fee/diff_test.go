package fee

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	// Base: the acceptance schedule (2.50 a day, 4:6). Candidate: the subsidy raised to 3.00 a day.
	// Each ordinary student: 21 days; base subsidy 52.50 (21.00 + 31.50), parent 31.50; candidate
	// 63.00 (25.20 + 37.80), parent 21.00. The 低保 student's parent share is waived either way:
	// waiver 31.50 → 21.00.
	base := acceptanceSchedule()
	cand := acceptanceSchedule()
	cand.Subsidies[0].Amount = dec("3")
	students := []StudentFacts{
		student(func(f *StudentFacts) { f.StudentID, f.SchoolID = "a", "school-1" }),
		student(func(f *StudentFacts) { f.StudentID, f.SchoolID, f.Hardship = "b", "school-1", Dibao }),
		student(func(f *StudentFacts) { f.StudentID, f.SchoolID = "c", "school-2" }),
	}
	var bs, cs []Statement
	for _, f := range students {
		bs = append(bs, mustCompute(t, base, f, acceptancePeriod(), nil))
		cs = append(cs, mustCompute(t, cand, f, acceptancePeriod(), nil))
	}
	// Reverse one side: the report must not depend on order.
	cs[0], cs[2] = cs[2], cs[0]
	r := Diff(bs, cs)
	type row struct {
		School, Parent, City, District, Waiver string
	}
	summary := func(school string, c Change) row {
		return row{school, c.Delta.Parent.StringFixed(2), c.Delta.Subsidies[0].Amount.StringFixed(2), c.Delta.Subsidies[1].Amount.StringFixed(2),
			func() string {
				if len(c.Delta.Waivers) == 0 {
					return "-"
				}
				return c.Delta.Waivers[0].Amount.StringFixed(2)
			}()}
	}
	var got []row
	for _, s := range r.Schools {
		got = append(got, summary(s.SchoolID, s.Change))
	}
	got = append(got, summary("total", r.Total))
	want := []row{
		{"school-1", "-10.50", "8.40", "12.60", "-10.50"},
		{"school-2", "-10.50", "4.20", "6.30", "-"},
		{"total", "-21.00", "12.60", "18.90", "-10.50"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
	if r.Total.BaseStatements != 3 || r.Total.CandidateStatements != 3 {
		t.Errorf("statement counts %d, %d", r.Total.BaseStatements, r.Total.CandidateStatements)
	}
	if !r.Total.Delta.Gross.IsZero() || !r.Total.Base.Gross.Equal(dec("252")) {
		t.Errorf("gross base %s delta %s, want 252.00 and 0", r.Total.Base.Gross, r.Total.Delta.Gross)
	}
}
