package money

import (
	"errors"
	"math/big"
)

// ErrNegativeAmount is returned by SplitClaims for a negative amount: the statements of a claim
// are charges; adjustments are split against the claim they correct.
var ErrNegativeAmount = errors.New("money: negative amount in a claim split")

// SplitClaims splits each of a sequence of amounts (a subsidy's part of each statement, in fen,
// in a fixed order) between payers so that every payer's claim — the sum of its shares over the
// sequence — is exactly its share of the total, AllocateInt(Σ amounts, parts): rounded once, by the
// largest remainder, however many statements make it up. Splitting each statement on its own
// instead rounds every statement and lets the same payer gain the spare fen statement after
// statement (the drift a city's claims showed).
//
// Every row sums exactly to its amount and no share is negative. The remainders are carried in
// the fixed order: after k rows each payer holds the floor or the ceiling of its exact
// cumulative share C_p × T_k / T (C_p its final claim, T_k the amounts so far, T their total), so
// no prefix of the sequence favours a payer by a fen or more, and at the last row it holds C_p
// exactly. Within a row the spare fen go, as in AllocateInt, to the largest remainders (ties by
// Key), among payers still below the ceiling of their cumulative share.
//
// It returns one row of shares per amount, in the order of parts.
func SplitClaims(amounts []int64, parts []IntPart) ([][]int64, error) {
	var total int64
	for _, a := range amounts {
		if a < 0 {
			return nil, ErrNegativeAmount
		}
		total += a
	}
	claims, err := AllocateInt(total, parts, nil)
	if err != nil {
		return nil, err
	}
	n := len(parts)
	out := make([][]int64, len(amounts))
	held := make([]int64, n)
	T := big.NewInt(total)
	var cum int64
	num, q, r := new(big.Int), new(big.Int), new(big.Int)
	floor := make([]int64, n)
	rem := make([]*big.Int, n)
	for i := range rem {
		rem[i] = new(big.Int)
	}
	for k, a := range amounts {
		row := make([]int64, n)
		out[k] = row
		if a == 0 {
			continue
		}
		cum += a
		left := a
		// The floor of each payer's exact cumulative share C_p × cum / T; what it lacks of it
		// first.
		for p := range n {
			num.Mul(big.NewInt(claims[p]), big.NewInt(cum))
			q.QuoRem(num, T, r)
			floor[p] = q.Int64()
			rem[p].Set(r)
			if d := floor[p] - held[p]; d > 0 {
				row[p] = d
				left -= d
			}
		}
		// Holding the quota keeps Σ lacks ≤ a; if it ever did not, take back from the largest
		// holdings so the row still sums to a and stays non-negative.
		for left < 0 {
			best := -1
			for p := range n {
				if row[p] > 0 && (best < 0 || rem[p].Cmp(rem[best]) < 0) {
					best = p
				}
			}
			row[best]--
			left++
		}
		// The spare fen: one each to the largest remainders of payers below their ceiling.
		for left > 0 {
			best := -1
			for p := range n {
				if held[p]+row[p] > floor[p] || (rem[p].Sign() == 0 && held[p]+row[p] >= floor[p]) {
					continue // at its ceiling already
				}
				if best < 0 || rem[p].Cmp(rem[best]) > 0 || (rem[p].Cmp(rem[best]) == 0 && parts[p].Key < parts[best].Key) {
					best = p
				}
			}
			if best < 0 { // cannot happen while the quota holds; keep the row exact regardless
				best = 0
				for p := range n {
					if parts[p].Weight > parts[best].Weight {
						best = p
					}
				}
			}
			row[best]++
			left--
		}
		for p := range n {
			held[p] += row[p]
		}
	}
	return out, nil
}
