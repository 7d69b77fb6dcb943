package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func parts(kv ...string) []Part {
	var ps []Part
	for i := 0; i < len(kv); i += 2 {
		ps = append(ps, Part{Key: kv[i], Weight: d(kv[i+1])})
	}
	return ps
}

func strs(ds []decimal.Decimal) []string {
	out := make([]string, len(ds))
	for i, x := range ds {
		out[i] = x.StringFixed(2)
	}
	return out
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name  string
		total string
		give  []Part
		want  []string
	}{
		{
			// 2.50 × 4/10 = 1.00 and 2.50 × 6/10 = 1.50: exact, nothing left over.
			name: "city district 4:6", total: "2.50", give: parts("city", "4", "district", "6"),
			want: []string{"1.00", "1.50"},
		},
		{
			// 100.00 / 3 = 33.333…: floors 33.33 ×3 = 99.99, 1 fen left, all remainders equal, so the
			// smallest key ("a") gets it wherever it is listed.
			name: "thirds tie by key", total: "100", give: parts("c", "1", "a", "1", "b", "1"),
			want: []string{"33.33", "33.34", "33.33"},
		},
		{
			// 0.05 × 1/3 = 0.0166…, × 2/3 = 0.0333…: floors 1 + 3 = 4 fen; remainders 2/3 and 1/3 of a
			// fen, so the larger remainder ("x", weight 1) gets the fifth fen.
			name: "largest remainder wins", total: "0.05", give: parts("y", "2", "x", "1"),
			want: []string{"0.03", "0.02"},
		},
		{
			// By symmetry: −100.00 splits like 100.00, negated.
			name: "negative total", total: "-100", give: parts("c", "1", "a", "1", "b", "1"),
			want: []string{"-33.33", "-33.34", "-33.33"},
		},
		{
			// Weights 0.4 and 6 are brought to one scale (4 and 60): 11.00 × 4/64 = 0.6875 → 0.68,
			// 11.00 × 60/64 = 10.3125 → 10.31; 1 fen left goes to the larger remainder (0.75 fen vs
			// 0.25 fen), the first part.
			name: "mixed scales", total: "11", give: parts("p", "0.4", "q", "6"),
			want: []string{"0.69", "10.31"},
		},
		{
			name: "zero weight gets zero", total: "0.03", give: parts("a", "0", "b", "1", "c", "1"),
			// 3 fen / 2 = 1.5 each: floors 1+1, 1 fen left, tie between b and c, b wins by key.
			want: []string{"0.00", "0.02", "0.01"},
		},
		{
			name: "zero total", total: "0", give: parts("a", "1", "b", "3"),
			want: []string{"0.00", "0.00"},
		},
		{
			// Equal keys fall back to position: the first listed wins the tie.
			name: "duplicate keys by index", total: "0.01", give: parts("k", "1", "k", "1"),
			want: []string{"0.01", "0.00"},
		},
		{
			// A total beyond int64 fen takes the big-integer path: 10^20 fen / 3.
			name: "big total", total: "1000000000000000000.01", give: parts("a", "1", "b", "1", "c", "1"),
			want: []string{"333333333333333333.34", "333333333333333333.34", "333333333333333333.33"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Allocate(d(tt.total), tt.give)
			if err != nil {
				t.Fatalf("Allocate: %v", err)
			}
			if diff := cmp.Diff(tt.want, strs(got)); diff != "" {
				t.Errorf("Allocate(%s) mismatch (-want +got):\n%s", tt.total, diff)
			}
		})
	}
}

func TestAllocateErrors(t *testing.T) {
	tests := []struct {
		name     string
		total    string
		give     []Part
		want     error
		wantText string
	}{
		{name: "no parts", total: "1", give: nil, want: ErrNoParts, wantText: "no parts to allocate to"},
		{
			name: "negative weight", total: "1", give: parts("city", "4", "district", "-6"), want: ErrNegativeWeight,
			wantText: `parts[1] (key "district"): weight -6: negative weight`,
		},
		{name: "all zero", total: "1", give: parts("a", "0", "b", "0"), want: ErrZeroWeights, wantText: "all weights are zero"},
		{name: "sub-fen total", total: "1.005", give: parts("a", "1"), want: ErrNotFen, wantText: "total 1.005: total is not a whole number of fen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Allocate(d(tt.total), tt.give)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Allocate error = %v, want %v", err, tt.want)
			}
			if diff := cmp.Diff(tt.wantText, err.Error()); diff != "" {
				t.Errorf("error text mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAllocateIntEdges(t *testing.T) {
	tests := []struct {
		name  string
		total int64
		give  []IntPart
		want  []int64
	}{
		{name: "min int64", total: math.MinInt64, give: []IntPart{{"a", 1}}, want: []int64{math.MinInt64}},
		{name: "max int64 halves", total: math.MaxInt64, give: []IntPart{{"b", 1}, {"a", 1}}, want: []int64{math.MaxInt64 / 2, math.MaxInt64/2 + 1}},
		{
			// The weights' sum overflows uint64, so the big path runs; result as for weights 1:1.
			name: "weight sum overflow", total: 3, give: []IntPart{{"b", math.MaxInt64}, {"a", math.MaxInt64}, {"c", 0}},
			want: []int64{1, 2, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AllocateInt(tt.total, tt.give, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("AllocateInt mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAllocateIntNoAllocs(t *testing.T) {
	ps := []IntPart{{"city", 4}, {"district", 6}, {"province", 3}}
	dst := make([]int64, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		dst, _ = AllocateInt(12345, ps, dst)
	})
	if allocs != 0 {
		t.Errorf("AllocateInt allocates %.0f times per call, want 0", allocs)
	}
}

// checkShares asserts every allocator property for one case: parts sum to the whole, no share has
// the wrong sign, a zero weight gets zero, and every share is less than one fen from its exact value
// total·w/W (checked exactly: |share·W − total·w| < W).
func checkShares(total int64, weights []int64, shares []int64) error {
	if len(shares) != len(weights) {
		return fmt.Errorf("%d shares for %d parts", len(shares), len(weights))
	}
	W, sum := new(big.Int), new(big.Int)
	for i, w := range weights {
		W.Add(W, big.NewInt(w))
		sum.Add(sum, big.NewInt(shares[i]))
	}
	if sum.Cmp(big.NewInt(total)) != 0 {
		return fmt.Errorf("shares %v sum to %s, want %d", shares, sum, total)
	}
	for i, w := range weights {
		s := shares[i]
		if (total >= 0 && s < 0) || (total <= 0 && s > 0) {
			return fmt.Errorf("share %d = %d has the wrong sign for total %d", i, s, total)
		}
		if w == 0 && s != 0 {
			return fmt.Errorf("zero weight %d got %d", i, s)
		}
		off := new(big.Int).Mul(big.NewInt(s), W)
		off.Sub(off, new(big.Int).Mul(big.NewInt(total), big.NewInt(w)))
		if off.Abs(off).Cmp(W) >= 0 {
			return fmt.Errorf("share %d = %d is a fen or more from %d·%d/%s", i, s, total, w, W)
		}
	}
	return nil
}

// checkOrderIndependent shuffles parts and checks each key keeps its share (keys must be unique).
func checkOrderIndependent(rng *rand.Rand, total int64, ps []IntPart, shares []int64) error {
	perm := rng.Perm(len(ps))
	shuffled := make([]IntPart, len(ps))
	for i, j := range perm {
		shuffled[i] = ps[j]
	}
	got, err := AllocateInt(total, shuffled, nil)
	if err != nil {
		return err
	}
	for i, j := range perm {
		if got[i] != shares[j] {
			return fmt.Errorf("key %q got %d listed at %d but %d listed at %d", ps[j].Key, got[i], i, shares[j], j)
		}
	}
	return nil
}

func randomParts(rng *rand.Rand) []IntPart {
	n := 1 + rng.IntN(8)
	if rng.IntN(50) == 0 {
		n = 65 + rng.IntN(40) // exercise the sorting path too
	}
	ps := make([]IntPart, n)
	for i := range ps {
		var w int64
		switch rng.IntN(4) {
		case 0:
			w = 0
		case 1:
			w = 1 + rng.Int64N(10)
		case 2:
			w = rng.Int64N(1_000_000)
		default:
			w = rng.Int64N(math.MaxInt64 / int64(n))
		}
		ps[i] = IntPart{Key: fmt.Sprintf("payer-%03d", rng.IntN(1000)*n+i), Weight: w}
	}
	if allZero(ps) {
		ps[rng.IntN(n)].Weight = 1
	}
	return ps
}

func allZero(ps []IntPart) bool {
	for _, p := range ps {
		if p.Weight != 0 {
			return false
		}
	}
	return true
}

func randomTotal(rng *rand.Rand) int64 {
	switch rng.IntN(4) {
	case 0:
		return rng.Int64N(100) - 50
	case 1:
		return rng.Int64N(10_000_000) - 5_000_000
	case 2:
		return rng.Int64() - math.MaxInt64/2
	default:
		return rng.Int64N(1000)
	}
}

// TestAllocateIntProperties runs 100,000 random cases through every allocator property.
func TestAllocateIntProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240901, 1))
	var dst []int64
	for i := range 100_000 {
		ps := randomParts(rng)
		total := randomTotal(rng)
		var err error
		dst, err = AllocateInt(total, ps, dst)
		if err != nil {
			t.Fatalf("case %d: AllocateInt(%d, %v): %v", i, total, ps, err)
		}
		weights := make([]int64, len(ps))
		for j, p := range ps {
			weights[j] = p.Weight
		}
		if err := checkShares(total, weights, dst); err != nil {
			t.Fatalf("case %d: AllocateInt(%d, %v): %v", i, total, ps, err)
		}
		if err := checkOrderIndependent(rng, total, ps, dst); err != nil {
			t.Fatalf("case %d: AllocateInt(%d, %v): %v", i, total, ps, err)
		}
		neg, _ := AllocateInt(-total, ps, nil)
		for j := range neg {
			if neg[j] != -dst[j] {
				t.Fatalf("case %d: AllocateInt(%d) is not the negation of AllocateInt(%d)", i, -total, total)
			}
		}
	}
}

// TestAllocateMatchesBigPath checks the 64-bit path against the arbitrary-precision path.
func TestAllocateMatchesBigPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 20_000 {
		ps := randomParts(rng)
		total := randomTotal(rng)
		fast, err := AllocateInt(total, ps, nil)
		if err != nil {
			t.Fatal(err)
		}
		weights := make([]*big.Int, len(ps))
		keys := make([]string, len(ps))
		for j, p := range ps {
			weights[j], keys[j] = big.NewInt(p.Weight), p.Key
		}
		slow := allocBig(big.NewInt(total), weights, keys)
		for j := range fast {
			if slow[j].Int64() != fast[j] {
				t.Fatalf("case %d: part %d: fast %d, big %s", i, j, fast[j], slow[j])
			}
		}
	}
}

// TestAllocateDecimalProperties runs decimal totals and weights with mixed scales through Allocate.
func TestAllocateDecimalProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	for i := range 20_000 {
		n := 1 + rng.IntN(5)
		ps := make([]Part, n)
		for j := range ps {
			ps[j] = Part{Key: fmt.Sprintf("k%d", j), Weight: decimal.New(rng.Int64N(10_000), -int32(rng.IntN(5)))}
		}
		if ps[0].Weight.IsZero() {
			ps[0].Weight = decimal.New(1, -int32(rng.IntN(3)))
		}
		total := decimal.New(rng.Int64N(2_000_000)-1_000_000, -2)
		got, err := Allocate(total, ps)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		sum := decimal.Zero
		for j, s := range got {
			sum = sum.Add(s)
			exact := total.Mul(ps[j].Weight).Rat()
			W := decimal.Zero
			for _, p := range ps {
				W = W.Add(p.Weight)
			}
			exact.Quo(exact, W.Rat())
			off := new(big.Rat).Sub(s.Rat(), exact)
			if off.Abs(off).Cmp(big.NewRat(1, 100)) >= 0 {
				t.Fatalf("case %d: share %s is a fen or more from %s", i, s, exact.FloatString(6))
			}
			if total.Sign() >= 0 && s.Sign() < 0 {
				t.Fatalf("case %d: negative share %s", i, s)
			}
		}
		if !sum.Equal(total) {
			t.Fatalf("case %d: shares sum to %s, want %s", i, sum, total)
		}
	}
}

func FuzzAllocate(f *testing.F) {
	f.Add(int64(250), []byte{4, 6}, "city,district")
	f.Add(int64(-10000), []byte{1, 1, 1}, "c,a,b")
	f.Add(int64(1), []byte{0, 0, 9}, "a,a,a")
	f.Fuzz(func(t *testing.T, total int64, weights []byte, keys string) {
		if len(weights) == 0 || len(weights) > 100 {
			return
		}
		ps := make([]IntPart, len(weights))
		ws := make([]int64, len(weights))
		seen := map[string]bool{}
		unique := true
		for i, w := range weights {
			key := fmt.Sprintf("%s#%d", keys, int(w)%7)
			unique = unique && !seen[key]
			seen[key] = true
			// Spread the byte over a wide range so big weights are fuzzed too.
			ws[i] = int64(w) * int64(w) * int64(w) * 1_000_003
			ps[i] = IntPart{Key: key, Weight: ws[i]}
		}
		shares, err := AllocateInt(total, ps, nil)
		if allZero(ps) {
			if !errors.Is(err, ErrZeroWeights) {
				t.Fatalf("all-zero weights: err = %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := checkShares(total, ws, shares); err != nil {
			t.Fatal(err)
		}
		if unique {
			if err := checkOrderIndependent(rand.New(rand.NewPCG(uint64(total), 0)), total, ps, shares); err != nil {
				t.Fatal(err)
			}
		}
		// The decimal entry point must agree with the integer one.
		dps := make([]Part, len(ps))
		for i, p := range ps {
			dps[i] = Part{Key: p.Key, Weight: decimal.NewFromInt(p.Weight)}
		}
		dec, err := Allocate(decimal.New(total, -2), dps)
		if err != nil {
			t.Fatal(err)
		}
		for i := range dec {
			if !dec[i].Equal(decimal.New(shares[i], -2)) {
				t.Fatalf("part %d: Allocate %s, AllocateInt %d fen", i, dec[i], shares[i])
			}
		}
	})
}

func ExampleAllocate() {
	// A 2.5 元 subsidy for three days split city : district = 4 : 6.
	shares, _ := Allocate(decimal.RequireFromString("7.50"), []Part{
		{Key: "city", Weight: decimal.NewFromInt(4)},
		{Key: "district", Weight: decimal.NewFromInt(6)},
	})
	fmt.Println(shares[0].StringFixed(2), shares[1].StringFixed(2))
	// Output: 3.00 4.50
}

func ExampleRound() {
	x := decimal.RequireFromString("2.345")
	fmt.Println(Round(x, HalfUp).StringFixed(2), Round(x, HalfEven).StringFixed(2), Round(x, Down).StringFixed(2), Round(x, Up).StringFixed(2))
	// Output: 2.35 2.34 2.34 2.35
}
