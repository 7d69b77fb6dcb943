package pay

import (
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"testing"

	"github.com/shopspring/decimal"
)

// FuzzCompute feeds the engine arbitrary sessions under the policy table:
// whatever it accepts, lines are whole fen and never negative, each person's
// lines sum to what they earned, paid + held back = earned, paid never
// exceeds the teacher cap, and paid splits exactly over the treatments.
func FuzzCompute(f *testing.F) {
	f.Add(uint8(3), uint16(930), uint16(90), uint8(35), uint8(1), uint8(0))
	f.Add(uint8(12), uint16(990), uint16(120), uint8(0), uint8(2), uint8(3))
	f.Fuzz(func(t *testing.T, day uint8, start, minutes uint16, students, duty, who uint8) {
		kinds := []string{"teacher", "outside_instructor", "admin", "teacher"}
		roles := []string{"supervisor", "instructor", "patrol", "instructor"}
		duties := []string{"taught", "substitute_cover", "supervision_only"}
		var in Input = Input{DistrictID: "d1", SchoolID: "s1", Year: 2026, Month: 9, Tables: []RateTable{policyTable()}}
		for i := range 3 {
			k := int(who+uint8(i)) % len(kinds)
			st := 930 + int(start+uint16(i*37))%180
			m := 1 + int(minutes+uint16(i*11))%(1110-st)
			d := 1 + int(day+uint8(i))%30
			s := Session{RecordID: fmt.Sprint("r", i), AssignmentID: fmt.Sprint("a", i), StaffID: fmt.Sprint("p", k), StaffKind: kinds[k],
				Date: civil.New(2026, 9, d), StartMinute: st, EndMinute: st + m, Role: roles[k], Duty: duties[int(duty)%3],
				CreditedMinutes: m, Periods: decimal.NewFromInt(int64(m)).Div(decimal.NewFromInt(40)).Round(4), Students: int(students),
				WeekendHoliday: civil.New(2026, 9, d).Weekday()%6 == 0}
			in.Sessions = append(in.Sessions, s)
		}
		res, err := Compute(in)
		if err != nil {
			return // refused input (e.g. a session outside the window) writes nothing
		}
		for _, st := range res.Statements {
			sum, tags := decimal.Zero, decimal.Zero
			for _, l := range st.Lines {
				if l.Amount.IsNegative() || !l.Amount.Equal(l.Amount.Round(2)) {
					t.Fatalf("line %+v", l)
				}
				sum = sum.Add(l.Amount)
			}
			for _, ta := range st.ByTreatment {
				tags = tags.Add(ta.Amount)
			}
			if !sum.Equal(st.Earned) || !st.Paid.Add(st.HeldBack).Equal(st.Earned) || !tags.Equal(st.Paid) ||
				(st.StaffKind == "teacher" && st.Paid.GreaterThan(decimal.NewFromInt(500))) {
				t.Fatalf("statement %+v", st)
			}
		}
	})
}

// BenchmarkCompute10000StaffMonths times the pure engine on a month of
// 10,000 people with 20 sessions each (200,000 session lines), the engine
// part of a city's pay run.
func BenchmarkCompute10000StaffMonths(b *testing.B) {
	in := Input{DistrictID: "d1", SchoolID: "s1", Year: 2026, Month: 9, Tables: []RateTable{policyTable()}}
	for p := range 10000 {
		for i := range 20 {
			role, kind := "supervisor", "teacher"
			if i%4 == 3 {
				role = "instructor"
			}
			d := 1 + i%28
			in.Sessions = append(in.Sessions, Session{RecordID: fmt.Sprintf("r%d-%d", p, i), AssignmentID: fmt.Sprintf("a%d-%d", p, i),
				StaffID: fmt.Sprintf("p%05d", p), StaffKind: kind, Date: civil.New(2026, 9, d), StartMinute: 930, EndMinute: 1020,
				Role: role, Duty: "taught", CreditedMinutes: 90, Periods: decimal.RequireFromString("2.25"), Students: 35})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(in); err != nil {
			b.Fatal(err)
		}
	}
}
