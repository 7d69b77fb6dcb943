package fee

import (
	"testing"
)

// TestCarryClaims: three students' per-day subsidy of 0.01 元 split 1:1:1 (19, 19 and 17 fen) is
// claimed 19, 18, 18 fen — the total's shares rounded once — where per-statement splits claim 20,
// 18, 17; every statement still verifies.
func TestCarryClaims(t *testing.T) {
	s := testSchedule(func(s *Schedule) {
		s.Subsidies = []SubsidyRule{{RuleID: "s", Kind: PerStudentDay, Amount: dec("0.01"),
			Payers: []PayerRatio{{PayerID: "city", Ratio: dec("1")}, {PayerID: "district", Ratio: dec("1")}, {PayerID: "province", Ratio: dec("1")}}}}
	})
	p := policyTerm()
	// 35 service days; 16, 16 and 18 days of leave leave 19, 19 and 17 served days.
	facts := []StudentFacts{
		student(func(f *StudentFacts) { f.StudentID = "a" }, leave(day(9, 2), day(9, 23))),
		student(func(f *StudentFacts) { f.StudentID = "b" }, leave(day(9, 2), day(9, 23))),
		student(func(f *StudentFacts) { f.StudentID = "c" }, leave(day(9, 2), day(9, 25))),
	}
	var sts []Statement
	naive := map[string]int64{}
	for _, f := range facts {
		st := mustCompute(t, s, f, p, nil)
		for _, sh := range st.Lines[0].Subsidies {
			naive[sh.PayerID] += sh.Amount.Shift(2).IntPart()
		}
		sts = append(sts, st)
	}
	if err := CarryClaims(s, sts); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, st := range sts {
		if err := st.Verify(); err != nil {
			t.Errorf("%s: %v", st.StudentID, err)
		}
		for _, pa := range st.Totals.Subsidies {
			got[pa.PartyID] += pa.Amount.Shift(2).IntPart()
		}
	}
	if want := map[string]int64{"city": 19, "district": 18, "province": 18}; got["city"] != want["city"] || got["district"] != want["district"] || got["province"] != want["province"] {
		t.Errorf("claims %v, want %v (per-statement: %v)", got, want, naive)
	}
	if naive["city"] != 20 || naive["province"] != 17 {
		t.Errorf("per-statement claims %v, want city 20 and province 17 (the drift this fixes)", naive)
	}
}
