package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// Errors returned by Allocate and AllocateInt. They are wrapped with the offending part
// ("parts[2] (key \"city\"): negative weight") so a caller can name the field; test with errors.Is.
var (
	// ErrNoParts means there is nothing to allocate to.
	ErrNoParts = errors.New("no parts to allocate to")
	// ErrNegativeWeight means a part's weight is below zero; a payer cannot owe a negative ratio.
	ErrNegativeWeight = errors.New("negative weight")
	// ErrZeroWeights means every weight is zero, so no split is defined.
	ErrZeroWeights = errors.New("all weights are zero")
	// ErrNotFen means the total has digits below the fen, so it cannot be split into whole fen.
	ErrNotFen = errors.New("total is not a whole number of fen")
)

// Part is one recipient of an allocation: a payer, a line or a provider, named by a Key that makes
// the split independent of the order the parts are listed in.
type Part struct {
	// Key identifies the part; it breaks ties between equal remainders (smaller key first).
	Key string
	// Weight is the part's share of the whole, relative to the other weights (4 and 6 split like 0.4
	// and 0.6). It must not be negative.
	Weight decimal.Decimal
}

// IntPart is a Part with an integer weight, for callers that already hold integers (fen amounts,
// scaled ratios) and want AllocateInt's allocation-free path.
type IntPart struct {
	// Key identifies the part and breaks ties, as in Part.
	Key string
	// Weight is the non-negative integer weight.
	Weight int64
}

// Allocate splits total (in yuan, a whole number of fen) between parts in proportion to their
// weights, by the largest remainder method in fen, so that a subsidy split between city and district
// or a charge split between lines never gains or loses a fen:
//
//   - every part gets the floor of its exact share weight/Σweights × total, in fen;
//   - the fen left over (fewer than the number of parts) go one each to the parts with the largest
//     remainders; equal remainders are ordered by Key, then (only for equal keys) by position;
//   - a negative total (an adjustment) is split as its absolute value and negated, by symmetry.
//
// Hence the shares always sum exactly to total, each share is within less than one fen of its exact
// value, a part with zero weight gets zero, no share is negative when total is not, and the share of
// each key does not depend on the order of parts. The result is in the order of parts, each with
// exactly two decimal places.
func Allocate(total decimal.Decimal, parts []Part) ([]decimal.Decimal, error) {
	if len(parts) == 0 {
		return nil, ErrNoParts
	}
	totalFen, err := fenOf(total)
	if err != nil {
		return nil, err
	}
	weights, err := scaledWeights(parts)
	if err != nil {
		return nil, err
	}
	out := make([]decimal.Decimal, len(parts))
	if totalFen.IsInt64() && allInt64(weights) {
		ip := make([]IntPart, len(parts))
		for i, p := range parts {
			ip[i] = IntPart{Key: p.Key, Weight: weights[i].Int64()}
		}
		shares, err := AllocateInt(totalFen.Int64(), ip, nil)
		if err != nil {
			return nil, err
		}
		for i, s := range shares {
			out[i] = decimal.New(s, -2)
		}
		return out, nil
	}
	keys := make([]string, len(parts))
	for i, p := range parts {
		keys[i] = p.Key
	}
	for i, s := range allocBig(totalFen, weights, keys) {
		out[i] = decimal.NewFromBigInt(s, -2)
	}
	return out, nil
}

// AllocateInt is Allocate for integer amounts (typically fen) and integer weights. It appends the
// shares to dst[:0] and returns it, so a caller that reuses dst allocates nothing for up to 64 parts.
// The rules, the tie-break and the guarantees are exactly those of Allocate: Allocate calls it
// whenever the numbers fit in int64.
func AllocateInt(total int64, parts []IntPart, dst []int64) ([]int64, error) {
	n := len(parts)
	if n == 0 {
		return dst[:0], ErrNoParts
	}
	var sum uint64
	overflow := false
	for i, p := range parts {
		if p.Weight < 0 {
			return dst[:0], fmt.Errorf("parts[%d] (key %q): %w", i, p.Key, ErrNegativeWeight)
		}
		var carry uint64
		sum, carry = bits.Add64(sum, uint64(p.Weight), 0)
		overflow = overflow || carry != 0
	}
	if sum == 0 && !overflow {
		return dst[:0], ErrZeroWeights
	}
	dst = slices.Grow(dst[:0], n)[:n]
	if overflow {
		weights := make([]*big.Int, n)
		keys := make([]string, n)
		for i, p := range parts {
			weights[i], keys[i] = big.NewInt(p.Weight), p.Key
		}
		for i, s := range allocBig(big.NewInt(total), weights, keys) {
			dst[i] = s.Int64()
		}
		return dst, nil
	}

	neg := total < 0
	t := uint64(total)
	if neg {
		t = -t // two's complement: exact even for math.MinInt64
	}
	var remBuf [16]uint64
	rems := remBuf[:0]
	if n > len(remBuf) {
		rems = make([]uint64, 0, n)
	}
	var given uint64
	for i, p := range parts {
		// t·w < W·2^64 because t < 2^64 and w ≤ W, so the 128-bit quotient fits in 64 bits.
		hi, lo := bits.Mul64(t, uint64(p.Weight))
		q, r := bits.Div64(hi, lo, sum)
		dst[i] = int64(q) // wraps only for a share of 2^63, which the negation below restores
		rems = append(rems, r)
		given += q
	}
	distributeLeftover(dst, rems, parts, t-given)
	if neg {
		for i := range dst {
			dst[i] = -dst[i]
		}
	}
	return dst, nil
}

// distributeLeftover gives one more unit to each of the left parts with the largest remainders,
// ordered by (remainder descending, key ascending, index ascending).
func distributeLeftover(dst []int64, rems []uint64, parts []IntPart, left uint64) {
	if left == 0 {
		return
	}
	before := func(i, j int) bool {
		if rems[i] != rems[j] {
			return rems[i] > rems[j]
		}
		if c := strings.Compare(parts[i].Key, parts[j].Key); c != 0 {
			return c < 0
		}
		return i < j
	}
	n := len(parts)
	if n <= 64 {
		// Pick the best unchosen part left times; n is small, and nothing is allocated.
		var chosen uint64
		for ; left > 0; left-- {
			best := -1
			for i := 0; i < n; i++ {
				if chosen&(1<<i) == 0 && (best < 0 || before(i, best)) {
					best = i
				}
			}
			chosen |= 1 << best
			dst[best]++
		}
		return
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		if before(i, j) {
			return -1
		}
		if before(j, i) {
			return 1
		}
		return 0
	})
	for _, i := range order[:left] {
		dst[i]++
	}
}

// allocBig is the same algorithm as AllocateInt in arbitrary precision, for totals or weights that do
// not fit in 64 bits. weights must be non-negative and not all zero.
func allocBig(total *big.Int, weights []*big.Int, keys []string) []*big.Int {
	n := len(weights)
	t := new(big.Int).Abs(total)
	sum := new(big.Int)
	for _, w := range weights {
		sum.Add(sum, w)
	}
	shares := make([]*big.Int, n)
	rems := make([]*big.Int, n)
	given := new(big.Int)
	for i, w := range weights {
		shares[i], rems[i] = new(big.Int).QuoRem(new(big.Int).Mul(t, w), sum, new(big.Int))
		given.Add(given, shares[i])
	}
	left := new(big.Int).Sub(t, given).Int64() // fewer than n
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		if c := rems[j].Cmp(rems[i]); c != 0 {
			return c
		}
		if c := strings.Compare(keys[i], keys[j]); c != 0 {
			return c
		}
		return i - j
	})
	for _, i := range order[:left] {
		shares[i].Add(shares[i], big.NewInt(1))
	}
	if total.Sign() < 0 {
		for _, s := range shares {
			s.Neg(s)
		}
	}
	return shares
}

// fenOf returns total × 100 as an integer, or ErrNotFen.
func fenOf(total decimal.Decimal) (*big.Int, error) {
	c := total.Coefficient()
	exp := int64(total.Exponent()) + 2
	if exp >= 0 {
		return c.Mul(c, pow10(exp)), nil
	}
	q, r := new(big.Int).QuoRem(c, pow10(-exp), new(big.Int))
	if r.Sign() != 0 {
		return nil, fmt.Errorf("total %s: %w", total.String(), ErrNotFen)
	}
	return q, nil
}

// scaledWeights brings the weights to integers on one common scale (4 and 0.6 become 40 and 6).
func scaledWeights(parts []Part) ([]*big.Int, error) {
	minExp := int32(math.MaxInt32)
	anyPositive := false
	for i, p := range parts {
		switch p.Weight.Sign() {
		case -1:
			return nil, fmt.Errorf("parts[%d] (key %q): weight %s: %w", i, p.Key, p.Weight.String(), ErrNegativeWeight)
		case 1:
			anyPositive = true
			minExp = min(minExp, p.Weight.Exponent())
		}
	}
	if !anyPositive {
		return nil, ErrZeroWeights
	}
	out := make([]*big.Int, len(parts))
	for i, p := range parts {
		c := p.Weight.Coefficient()
		if c.Sign() != 0 {
			c.Mul(c, pow10(int64(p.Weight.Exponent())-int64(minExp)))
		}
		out[i] = c
	}
	return out, nil
}

func allInt64(xs []*big.Int) bool {
	for _, x := range xs {
		if !x.IsInt64() {
			return false
		}
	}
	return true
}
