package pay

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func nd(s string) decimal.NullDecimal { return decimal.NewNullDecimal(d(s)) }

// policyTable is the table the hand-computed tests use (its figures are the
// kinds of DOMAIN.md §3: 1.7 元/min for the first hour, higher after; 50 on
// weekdays, 80 at weekends; supervision only ×0.5; a class-size bonus).
func policyTable() RateTable {
	return RateTable{
		ID: "kc2026", Version: 1, Scope: fee.Scope{DistrictID: "d1"}, Name: "课后服务课酬标准", DocumentNo: "三教〔2026〕12号",
		EffectiveFrom: civil.New(2026, 9, 1),
		Rules: []Rule{
			{RuleID: "outside", StaffKinds: []string{"outside_instructor"}, Unit: PerPeriod, Rate: d("80"), WeekendHolidayRate: nd("100"), Treatment: LabourFee},
			{RuleID: "club", Roles: []string{"instructor"}, Unit: PerPeriod, Rate: d("50"), WeekendHolidayRate: nd("80"),
				ClassSizeThreshold: 30, ExtraPerStudent: d("1"), Treatment: OutsideTotal},
			{RuleID: "care", Roles: []string{"supervisor"}, Unit: PerMinute, WindowFrom: 930, WindowTo: 1110,
				Blocks:    []Block{{From: 930, To: 990, Rate: d("1.7"), WeekendHolidayRate: nd("2.5")}, {From: 990, To: 1110, Rate: d("2")}},
				Treatment: OutsideTotal},
			{RuleID: "patrol", Roles: []string{"patrol"}, Unit: PerDay, Rate: d("30"), Treatment: SeparateIncrement},
		},
		Multipliers:  map[string]decimal.Decimal{DutySupervisionOnly: d("0.5"), DutySubstituteCover: d("1"), DutyPatrol: d("1")},
		ClassTeacher: &ClassTeacherAllowance{RuleID: "bzr", PerMonth: d("100"), PerStudent: d("2"), Treatment: OutsideTotal},
		Management:   &ManagementShare{RuleID: "mgmt", Share: d("0.05"), Treatment: OutsideTotal},
		Caps:         []Cap{{RuleID: "cap_teacher", StaffKind: "teacher", PerMonth: nd("500")}},
	}
}

func sess(id, staff, kind, role, duty string, day, start, minutes int, periods string, students int) Session {
	return Session{RecordID: "r_" + id, AssignmentID: "a_" + id, StaffID: staff, StaffKind: kind, Date: civil.New(2026, 9, day),
		StartMinute: start, EndMinute: start + minutes, Role: role, Duty: duty, CreditedMinutes: minutes, Periods: d(periods),
		Students: students, WeekendHoliday: civil.New(2026, 9, day).Weekday()%6 == 0}
}

func policyInput() Input {
	return Input{DistrictID: "d1", SchoolID: "s1", Year: 2026, Month: 9, Tables: []RateTable{policyTable()},
		Sessions: []Session{
			// 15:30–17:00 crosses 16:30: 60 min × 1.7 + 30 min × 2 = 162.00
			sess("1", "t1", "teacher", "supervisor", "taught", 7, 930, 90, "2.25", 40),
			// supervision only, 60 min × 1.7 × 0.5 = 51.00
			sess("2", "t1", "teacher", "supervisor", "supervision_only", 8, 930, 60, "1.5", 40),
			// club of 35 (threshold 30), 1.5 periods: (50 × 1.5 + 5 × 1 × 1.5) × 1 = 82.50
			sess("3", "t2", "teacher", "instructor", "substitute_cover", 9, 990, 60, "1.5", 35),
			// Saturday 12 Sept: 80 × 2 = 160.00
			sess("4", "t2", "teacher", "instructor", "taught", 12, 540, 80, "2", 20),
			// outside instructor: first rule, 80 × 1 = 80.00, no class-size extra
			sess("5", "o1", "outside_instructor", "instructor", "taught", 9, 990, 40, "1", 40),
			// patrol twice on one day: one day, 30.00, then 0
			sess("6", "a1", "admin", "patrol", "taught", 7, 930, 60, "1.5", 0),
			sess("7", "a1", "admin", "patrol", "taught", 7, 990, 60, "1.5", 0),
			// two full windows: 60 × 1.7 + 120 × 2 = 342.00 each, 684.00 > cap 500
			sess("8", "t3", "teacher", "supervisor", "taught", 10, 930, 180, "4.5", 30),
			sess("9", "t3", "teacher", "supervisor", "taught", 11, 930, 180, "4.5", 30),
		},
		ClassTeachers: []ClassTeacher{{StaffID: "t1", StaffKind: "teacher", ClassID: "c1", Students: 40}}, // 100 + 2 × 40 = 180.00
		Managers:      []Person{{StaffID: "a1", StaffKind: "admin"}},                                      // 5% of 1249.50 = 62.475 → 62.48
	}
}

type personWant struct {
	earned, paid, held string
	lines              []string
	tags               map[Treatment]string
}

func TestComputePolicyTableByHand(t *testing.T) {
	res, err := Compute(policyInput())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]personWant{
		"a1": {earned: "92.48", paid: "92.48", held: "0.00", lines: []string{"30.00", "0.00", "62.48"},
			tags: map[Treatment]string{OutsideTotal: "62.48", SeparateIncrement: "30.00"}},
		"o1": {earned: "80.00", paid: "80.00", held: "0.00", lines: []string{"80.00"}, tags: map[Treatment]string{LabourFee: "80.00"}},
		"t1": {earned: "393.00", paid: "393.00", held: "0.00", lines: []string{"162.00", "51.00", "180.00"},
			tags: map[Treatment]string{OutsideTotal: "393.00"}},
		"t2": {earned: "242.50", paid: "242.50", held: "0.00", lines: []string{"82.50", "160.00"}, tags: map[Treatment]string{OutsideTotal: "242.50"}},
		"t3": {earned: "684.00", paid: "500.00", held: "184.00", lines: []string{"342.00", "342.00"}, tags: map[Treatment]string{OutsideTotal: "500.00"}},
	}
	got := map[string]personWant{}
	for _, st := range res.Statements {
		p := personWant{earned: st.Earned.StringFixed(2), paid: st.Paid.StringFixed(2), held: st.HeldBack.StringFixed(2), tags: map[Treatment]string{}}
		for _, l := range st.Lines {
			p.lines = append(p.lines, l.Amount.StringFixed(2))
		}
		for _, ta := range st.ByTreatment {
			p.tags[ta.Treatment] = ta.Amount.StringFixed(2)
		}
		got[st.StaffID] = p
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(personWant{})); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
	if res.Pool.StringFixed(2) != "1249.50" || res.Earned.StringFixed(2) != "1491.98" || res.Paid.StringFixed(2) != "1307.98" || res.HeldBack.StringFixed(2) != "184.00" {
		t.Errorf("totals pool %s earned %s paid %s held %s, want 1249.50 1491.98 1307.98 184.00", res.Pool, res.Earned, res.Paid, res.HeldBack)
	}
	tags := map[Treatment]string{}
	for _, ta := range res.ByTreatment {
		tags[ta.Treatment] = ta.Amount.StringFixed(2)
	}
	if diff := cmp.Diff(map[Treatment]string{OutsideTotal: "1197.98", SeparateIncrement: "30.00", LabourFee: "80.00"}, tags); diff != "" {
		t.Errorf("totals by treatment (-want +got):\n%s", diff)
	}
	// The boundary crossing is shown piece by piece, and the cap names its rule.
	for _, st := range res.Statements {
		if st.StaffID == "t1" {
			ps := st.Lines[0].Pieces
			if len(ps) != 2 || ps[0].Minutes != 60 || !ps[0].Rate.Equal(d("1.7")) || ps[1].Minutes != 30 || !ps[1].Rate.Equal(d("2")) {
				t.Errorf("pieces = %+v, want 60 min at 1.7 and 30 at 2", ps)
			}
		}
		if st.StaffID == "t3" && (st.CapRuleID != "cap_teacher" || !st.CapLimit.Decimal.Equal(d("500"))) {
			t.Errorf("t3 cap = %s %v, want cap_teacher 500", st.CapRuleID, st.CapLimit)
		}
	}
}

func TestComputeWeekendMinuteBlocksAndTermCap(t *testing.T) {
	tb := policyTable()
	tb.Caps = []Cap{{RuleID: "cap_term", PerTerm: nd("1000")}}
	in := Input{DistrictID: "d1", SchoolID: "s1", Year: 2026, Month: 10, Tables: []RateTable{tb},
		Sessions: []Session{
			// Saturday 3 Oct, 15:30–17:30: 60 × 2.5 (weekend block rate) + 60 × 2 (no weekend rate: weekday one) = 270.00
			sess("1", "t1", "teacher", "supervisor", "taught", 3, 930, 120, "3", 10),
		},
		PriorTermPaid: map[string]decimal.Decimal{"t1": d("800")},
	}
	in.Sessions[0].Date = civil.New(2026, 10, 3)
	in.Sessions[0].WeekendHoliday = true
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	st := res.Statements[0]
	if st.Earned.StringFixed(2) != "270.00" || st.Paid.StringFixed(2) != "200.00" || st.HeldBack.StringFixed(2) != "70.00" || st.CapRuleID != "cap_term" {
		t.Errorf("earned %s paid %s held %s cap %s, want 270.00 200.00 70.00 cap_term (1000 − 800 already paid)", st.Earned, st.Paid, st.HeldBack, st.CapRuleID)
	}
}

func TestComputeCapSplitsPaidOverTreatments(t *testing.T) {
	tb := policyTable()
	tb.Caps = []Cap{{RuleID: "cap", StaffKind: "admin", PerMonth: nd("100")}}
	tb.Rules[3].Rate = d("30")
	in := Input{DistrictID: "d1", SchoolID: "s1", Year: 2026, Month: 9, Tables: []RateTable{tb},
		Sessions: []Session{
			sess("1", "a1", "admin", "patrol", "taught", 7, 930, 60, "1.5", 0), // 30 separate
			sess("2", "a1", "admin", "patrol", "taught", 8, 930, 60, "1.5", 0), // 30 separate
			sess("3", "a1", "admin", "patrol", "taught", 9, 930, 60, "1.5", 0), // 30 separate
			sess("4", "t1", "teacher", "supervisor", "taught", 7, 930, 60, "1.5", 0),
		},
		Managers: []Person{{StaffID: "a1", StaffKind: "admin"}}, // 5% of (90 + 102) = 9.60 outside
	}
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range res.Statements {
		if st.StaffID != "a1" {
			continue
		}
		// earned 99.60: under the cap.
		if st.Paid.StringFixed(2) != "99.60" {
			t.Fatalf("a1 paid %s, want 99.60", st.Paid)
		}
	}
	in.Sessions = append(in.Sessions, sess("5", "a1", "admin", "patrol", "taught", 10, 930, 60, "1.5", 0))
	res, err = Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range res.Statements {
		if st.StaffID != "a1" {
			continue
		}
		// pool 120 + 102 = 222, 5% = 11.10; earned 131.10, paid 100: separate 100 × 120/131.10 = 91.533… → 91.53,
		// outside 100 × 11.10/131.10 = 8.466… → 8.47 (largest remainder).
		got := map[Treatment]string{}
		for _, ta := range st.ByTreatment {
			got[ta.Treatment] = ta.Amount.StringFixed(2)
		}
		if diff := cmp.Diff(map[Treatment]string{SeparateIncrement: "91.53", OutsideTotal: "8.47"}, got); diff != "" || st.HeldBack.StringFixed(2) != "31.10" {
			t.Errorf("a1 split (-want +got):\n%s held %s", diff, st.HeldBack)
		}
	}
}

func TestComputeRoundsOncePerLineByTheNamedRule(t *testing.T) {
	tests := []struct {
		rule money.RoundingRule
		want string
	}{
		{"half_up", "0.63"}, {"half_even", "0.62"}, {"down", "0.62"}, {"up", "0.63"},
	}
	for _, tt := range tests {
		tb := policyTable()
		tb.Rounding = tt.rule
		tb.Rules = []Rule{{RuleID: "p", Unit: PerPeriod, Rate: d("1.25"), Treatment: OutsideTotal}}
		tb.Caps, tb.ClassTeacher, tb.Management = nil, nil, nil
		// 1.25 × 0.5 periods = 0.625: rounded once, at the line.
		in := Input{DistrictID: "d1", SchoolID: "s1", Year: 2026, Month: 9, Tables: []RateTable{tb},
			Sessions: []Session{sess("1", "t1", "teacher", "supervisor", "taught", 7, 930, 20, "0.5", 0)}}
		res, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Statements[0].Lines[0].Amount.StringFixed(2); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.rule, got, tt.want)
		}
	}
}

func TestComputeRefusesWhatItCannotPay(t *testing.T) {
	tests := []struct {
		name string
		give func(*Input)
		want string
	}{
		{"no rule", func(in *Input) {
			in.Sessions = []Session{sess("1", "x", "admin", "extra_adult", "taught", 7, 930, 60, "1.5", 0)}
		}, "no rule"},
		{"outside window", func(in *Input) {
			in.Sessions = []Session{sess("1", "t1", "teacher", "supervisor", "taught", 7, 900, 60, "1.5", 0)}
		}, "outside the time blocks"},
		{"twice", func(in *Input) {
			s := sess("1", "t1", "teacher", "supervisor", "taught", 7, 930, 60, "1.5", 0)
			s2 := s
			s2.RecordID = "r_other"
			in.Sessions = []Session{s, s2}
		}, "paid once"},
		{"no table", func(in *Input) {
			in.Sessions = []Session{sess("1", "t1", "teacher", "supervisor", "taught", 7, 930, 60, "1.5", 0)}
			in.Sessions[0].Date = civil.New(2026, 8, 31)
		}, "no rate table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := policyInput()
			tt.give(&in)
			_, err := Compute(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestComputeProperties checks, on random months, what must hold for any
// input: the result does not depend on input order; every person's lines sum
// to what they earned; paid = earned − held back, never above the cap, never
// negative; paid splits exactly over the treatments; school totals are the
// sums of the statements.
func TestComputeProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 13))
	kinds := []string{"teacher", "teacher", "outside_instructor", "admin"}
	roleOf := map[string]string{"teacher": "supervisor", "outside_instructor": "instructor", "admin": "patrol"}
	dutiesOf := []string{"taught", "substitute_cover", "supervision_only"}
	for iter := 0; iter < 300; iter++ {
		in := Input{DistrictID: "d1", SchoolID: "s1", Year: 2026, Month: 9, Tables: []RateTable{policyTable()}}
		n := 1 + rng.IntN(40)
		for i := 0; i < n; i++ {
			staff := rng.IntN(8)
			kind := kinds[staff%len(kinds)]
			role := roleOf[kind]
			if kind == "teacher" && rng.IntN(3) == 0 {
				role = "instructor"
			}
			start := 930 + rng.IntN(120)
			minutes := 1 + rng.IntN(1110-start)
			s := sess(string(rune('a'+i%26))+string(rune('a'+i/26)), "p"+string(rune('0'+staff)), kind, role, dutiesOf[rng.IntN(3)],
				1+rng.IntN(30), start, minutes, decimal.NewFromInt(int64(minutes)).Div(decimal.NewFromInt(40)).Round(4).String(), rng.IntN(60))
			in.Sessions = append(in.Sessions, s)
		}
		in.Managers = []Person{{StaffID: "p3", StaffKind: "admin"}, {StaffID: "p7", StaffKind: "admin"}}
		in.ClassTeachers = []ClassTeacher{{StaffID: "p0", StaffKind: "teacher", ClassID: "c", Students: rng.IntN(50)}}
		res, err := Compute(in)
		if err != nil {
			t.Fatalf("iter %d: %v", iter, err)
		}
		shuffled := in
		shuffled.Sessions = append([]Session(nil), in.Sessions...)
		rng.Shuffle(len(shuffled.Sessions), func(i, j int) {
			shuffled.Sessions[i], shuffled.Sessions[j] = shuffled.Sessions[j], shuffled.Sessions[i]
		})
		again, err := Compute(shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(res, again, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
			t.Fatalf("iter %d: order changed the result:\n%s", iter, diff)
		}
		var earned, paid, held decimal.Decimal
		for _, st := range res.Statements {
			sum := decimal.Zero
			for _, l := range st.Lines {
				if l.Amount.IsNegative() || !l.Amount.Equal(l.Amount.Round(2)) {
					t.Fatalf("line %+v: negative or not whole fen", l)
				}
				sum = sum.Add(l.Amount)
			}
			tags := decimal.Zero
			for _, ta := range st.ByTreatment {
				tags = tags.Add(ta.Amount)
			}
			if !sum.Equal(st.Earned) || !st.Paid.Add(st.HeldBack).Equal(st.Earned) || !tags.Equal(st.Paid) || st.Paid.IsNegative() || st.HeldBack.IsNegative() {
				t.Fatalf("iter %d %s: lines %s earned %s paid %s held %s tags %s", iter, st.StaffID, sum, st.Earned, st.Paid, st.HeldBack, tags)
			}
			if st.StaffKind == "teacher" && st.Paid.GreaterThan(d("500")) {
				t.Fatalf("iter %d %s: paid %s above the cap", iter, st.StaffID, st.Paid)
			}
			earned, paid, held = earned.Add(st.Earned), paid.Add(st.Paid), held.Add(st.HeldBack)
		}
		if !earned.Equal(res.Earned) || !paid.Equal(res.Paid) || !held.Equal(res.HeldBack) {
			t.Fatalf("iter %d: totals differ from the statements", iter)
		}
	}
}

func TestValidateRefusesBadTables(t *testing.T) {
	tests := []struct {
		name  string
		give  func(*RateTable)
		field string
		want  string
	}{
		{"negative rate", func(tb *RateTable) { tb.Rules[0].Rate = d("-1") }, "rules[0].rate", "negative"},
		{"negative multiplier", func(tb *RateTable) { tb.Multipliers[DutySupervisionOnly] = d("-0.5") }, "multipliers.supervision_only", "negative"},
		{"overlapping blocks", func(tb *RateTable) { tb.Rules[2].Blocks[1].From = 980 }, "rules[2].blocks", "overlap"},
		{"gap in window", func(tb *RateTable) { tb.Rules[2].Blocks[1].From = 1000 }, "rules[2].blocks", "gap 16:30–16:40"},
		{"gap at window end", func(tb *RateTable) { tb.Rules[2].WindowTo = 1140 }, "rules[2].blocks", "gap 18:30–19:00 at the end"},
		{"cap below a session", func(tb *RateTable) { tb.Caps[0].PerMonth = nd("300") }, "caps[0].per_month", "below one session's pay 390.00 under rule care"},
		{"unknown treatment", func(tb *RateTable) { tb.Rules[0].Treatment = "bonus" }, "rules[0].treatment", "must be"},
		{"no document", func(tb *RateTable) { tb.DocumentNo = "" }, "document_no", "文号"},
	}
	if err := policyTable().Validate(); err != nil {
		t.Fatalf("policy table: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := policyTable()
			tt.give(&tb)
			err := tb.Validate()
			var ve *fault.ValidationError
			if !asValidation(err, &ve) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			for _, v := range ve.Violations {
				if v.Field == tt.field && strings.Contains(v.Reason, tt.want) {
					return
				}
			}
			t.Errorf("violations %+v, want %s: …%s…", ve.Violations, tt.field, tt.want)
		})
	}
}

func TestCheckOverlap(t *testing.T) {
	a := policyTable()
	a.EffectiveTo = civil.New(2027, 1, 31)
	tests := []struct {
		name  string
		give  RateTable
		field string
	}{
		{"later overlapping", RateTable{ID: "b", Scope: a.Scope, EffectiveFrom: civil.New(2027, 1, 1)}, "effective_from"},
		{"earlier running into", RateTable{ID: "b", Scope: a.Scope, EffectiveFrom: civil.New(2026, 3, 1), EffectiveTo: civil.New(2026, 9, 1)}, "effective_to"},
		{"after", RateTable{ID: "b", Scope: a.Scope, EffectiveFrom: civil.New(2027, 2, 1)}, ""},
		{"new version of itself", RateTable{ID: a.ID, Scope: a.Scope, EffectiveFrom: civil.New(2026, 9, 1)}, ""},
		{"a school's own", RateTable{ID: "b", Scope: fee.Scope{DistrictID: "d1", SchoolID: "s1"}, EffectiveFrom: civil.New(2026, 9, 1)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckOverlap([]RateTable{a}, tt.give)
			var ve *fault.ValidationError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case tt.field != "" && (!asValidation(err, &ve) || ve.Violations[0].Field != tt.field || !strings.Contains(ve.Violations[0].Reason, a.DocumentNo)):
				t.Fatalf("err = %v, want %s naming %s", err, tt.field, a.DocumentNo)
			}
		})
	}
}

func asValidation(err error, ve **fault.ValidationError) bool { return errors.As(err, ve) }
