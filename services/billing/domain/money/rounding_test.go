package money

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestRound(t *testing.T) {
	tests := []struct {
		give string
		rule RoundingRule
		want string // printed with String(), so "0.10" checks that exactly two places come back
	}{
		{give: "0.125", rule: HalfUp, want: "0.13"},
		{give: "-0.125", rule: HalfUp, want: "-0.13"},
		{give: "0.1249999", rule: HalfUp, want: "0.12"},
		{give: "2.675", rule: "", want: "2.68"}, // empty rule is HalfUp
		{give: "0.125", rule: HalfEven, want: "0.12"},
		{give: "0.135", rule: HalfEven, want: "0.14"},
		{give: "-0.125", rule: HalfEven, want: "-0.12"},
		{give: "0.1250001", rule: HalfEven, want: "0.13"},
		{give: "0.129", rule: Down, want: "0.12"},
		{give: "-0.129", rule: Down, want: "-0.12"},
		{give: "0.121", rule: Up, want: "0.13"},
		{give: "-0.121", rule: Up, want: "-0.13"},
		{give: "0.12", rule: Up, want: "0.12"},
		{give: "0.1", rule: HalfUp, want: "0.10"},
		{give: "7", rule: Down, want: "7.00"},
		{give: "1.2E3", rule: HalfUp, want: "1200.00"},
		{give: "0", rule: Up, want: "0.00"},
		{give: "-0.001", rule: HalfUp, want: "0.00"},
		{give: "-0.005", rule: HalfUp, want: "-0.01"},
	}
	for _, tt := range tests {
		got := Round(decimal.RequireFromString(tt.give), tt.rule).StringFixed(2)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Round(%s, %q) mismatch (-want +got):\n%s", tt.give, tt.rule, diff)
		}
		if e := Round(decimal.RequireFromString(tt.give), tt.rule).Exponent(); e != -2 {
			t.Errorf("Round(%s, %q) exponent = %d, want -2", tt.give, tt.rule, e)
		}
	}
}

func TestRoundPanicsOnUnknownRule(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Round with an unknown rule did not panic")
		}
	}()
	Round(decimal.RequireFromString("1.005"), "nearest")
}

func TestParseRoundingRule(t *testing.T) {
	tests := []struct {
		give    string
		want    RoundingRule
		wantErr bool
	}{
		{give: "", want: HalfUp},
		{give: "half_up", want: HalfUp},
		{give: "half_even", want: HalfEven},
		{give: "down", want: Down},
		{give: "up", want: Up},
		{give: "HALF_UP", wantErr: true},
		{give: "bankers", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseRoundingRule(tt.give)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseRoundingRule(%q) error = %v, wantErr %v", tt.give, err, tt.wantErr)
			continue
		}
		if err != nil && !errors.Is(err, ErrUnknownRoundingRule) {
			t.Errorf("ParseRoundingRule(%q) error = %v, want ErrUnknownRoundingRule", tt.give, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseRoundingRule(%q) mismatch (-want +got):\n%s", tt.give, diff)
		}
	}
}

func TestRoundQuotient(t *testing.T) {
	tests := []struct {
		num, den int64
		rule     RoundingRule
		want     int64
	}{
		{num: 5, den: 2, rule: HalfUp, want: 3},
		{num: -5, den: 2, rule: HalfUp, want: -3},
		{num: 5, den: 2, rule: HalfEven, want: 2},
		{num: 7, den: 2, rule: HalfEven, want: 4},
		{num: -7, den: 2, rule: HalfEven, want: -4},
		{num: 1, den: 3, rule: Up, want: 1},
		{num: -1, den: 3, rule: Up, want: -1},
		{num: 2, den: 3, rule: Down, want: 0},
		{num: 2, den: 3, rule: HalfUp, want: 1},
		{num: 9, den: 3, rule: Up, want: 3},
		{num: 1<<62 + 1, den: 1 << 62, rule: HalfUp, want: 1}, // no overflow in the half test
		{num: 3 << 61, den: 1 << 62, rule: HalfEven, want: 2},
	}
	for _, tt := range tests {
		if got := RoundQuotient(tt.num, tt.den, tt.rule); got != tt.want {
			t.Errorf("RoundQuotient(%d, %d, %q) = %d, want %d", tt.num, tt.den, tt.rule, got, tt.want)
		}
	}
}

var allRules = []RoundingRule{HalfUp, HalfEven, Down, Up}

// TestRoundAgreesWithDecimal checks Round against shopspring/decimal's own rounding methods, an
// independent implementation of the same four rules.
func TestRoundAgreesWithDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		d := decimal.New(rng.Int64N(2_000_000)-1_000_000, -int32(rng.IntN(6)))
		for _, rule := range allRules {
			var want decimal.Decimal
			switch rule {
			case HalfUp:
				want = d.Round(2)
			case HalfEven:
				want = d.RoundBank(2)
			case Down:
				want = d.RoundDown(2)
			case Up:
				want = d.RoundUp(2)
			}
			if got := Round(d, rule); !got.Equal(want) {
				t.Fatalf("Round(%s, %s) = %s, decimal says %s", d, rule, got, want)
			}
		}
	}
}

// TestRoundQuotientAgreesWithRoundRat checks the int64 path against the big.Int path.
func TestRoundQuotientAgreesWithRoundRat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		num := rng.Int64N(1_000_000) - 500_000
		den := rng.Int64N(999) + 1
		for _, rule := range allRules {
			checkRoundQuotient(t, num, den, rule)
		}
	}
}

func checkRoundQuotient(t *testing.T, num, den int64, rule RoundingRule) {
	t.Helper()
	got := RoundQuotient(num, den, rule)
	// RoundRat rounds yuan to fen, so num/den fen is num/(100·den) yuan.
	want := RoundRat(big.NewRat(num, 100*den), rule)
	if !decimal.New(got, -2).Equal(want) {
		t.Fatalf("RoundQuotient(%d, %d, %s) = %d fen, RoundRat says %s", num, den, rule, got, want)
	}
	if d := got*den - num; d <= -den || d >= den {
		t.Fatalf("RoundQuotient(%d, %d, %s) = %d is a whole unit or more off", num, den, rule, got)
	}
}

func FuzzRoundQuotient(f *testing.F) {
	f.Add(int64(5), int64(2))
	f.Add(int64(-7), int64(2))
	f.Add(int64(1<<62+1), int64(1<<62))
	f.Fuzz(func(t *testing.T, num, den int64) {
		if den <= 0 || den > 1<<40 || num > 1<<50 || num < -(1<<50) {
			return // keep 100·den and the checks within int64
		}
		for _, rule := range allRules {
			checkRoundQuotient(t, num, den, rule)
		}
	})
}
