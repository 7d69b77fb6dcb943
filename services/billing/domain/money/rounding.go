// Package money holds the two money primitives every billing rule shares: rounding to the fen (分)
// by a named rule, and splitting a total between parts by weight so that the parts always add up.
//
// Amounts are decimal.Decimal in yuan (元) at the API; a fen is 0.01 元. Nothing in this package uses
// floating point. Both primitives are pure and deterministic: the same input gives the same output,
// byte for byte.
package money

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/shopspring/decimal"
)

// RoundingRule names how an exact amount becomes a whole number of fen. Fee schedules (收费标准) name
// their rule, so the rule is data, never a code constant; the zero value "" means HalfUp.
type RoundingRule string

// The named rounding rules. Each rounds to two decimal places (the fen).
const (
	// HalfUp is 四舍五入, the default: a tie goes away from zero, so 0.125 → 0.13 and −0.125 → −0.13.
	HalfUp RoundingRule = "half_up"
	// HalfEven is banker's rounding: a tie goes to the even fen, so 0.125 → 0.12 and 0.135 → 0.14.
	HalfEven RoundingRule = "half_even"
	// Down truncates toward zero: 0.129 → 0.12 and −0.129 → −0.12.
	Down RoundingRule = "down"
	// Up rounds away from zero: 0.121 → 0.13 and −0.121 → −0.13.
	Up RoundingRule = "up"
)

// DefaultRoundingRule is the rule used when a schedule names none, because 四舍五入 is what the
// published fee notices use unless they say otherwise.
const DefaultRoundingRule = HalfUp

// ErrUnknownRoundingRule is returned for a rule name that is not one of the named rules.
var ErrUnknownRoundingRule = errors.New("unknown rounding rule")

// ParseRoundingRule turns a rule name from storage or the API into a RoundingRule, so that a
// misspelt rule is rejected where it enters rather than silently rounding some other way. The empty
// string yields DefaultRoundingRule.
func ParseRoundingRule(s string) (RoundingRule, error) {
	r := RoundingRule(s)
	if r == "" {
		return DefaultRoundingRule, nil
	}
	if !r.Valid() {
		return "", fmt.Errorf("%w %q (want half_up, half_even, down or up)", ErrUnknownRoundingRule, s)
	}
	return r, nil
}

// Valid reports whether r is a named rule or empty (the default), so validators can check a rule
// without parsing it.
func (r RoundingRule) Valid() bool {
	switch r {
	case "", HalfUp, HalfEven, Down, Up:
		return true
	}
	return false
}

// orDefault maps the empty rule to the default and panics on a rule that was never validated.
func (r RoundingRule) orDefault() RoundingRule {
	switch r {
	case "":
		return DefaultRoundingRule
	case HalfUp, HalfEven, Down, Up:
		return r
	}
	panic(fmt.Sprintf("money: unknown rounding rule %q (validate rules with ParseRoundingRule)", string(r)))
}

// Round rounds d to the fen (two decimal places) by rule, so every amount that leaves the billing
// engine is a whole number of fen. The empty rule means HalfUp. Round panics on a rule that is not
// named, because rules are validated where they enter (ParseRoundingRule, schedule validation) and
// rounding some other way would silently misbill.
func Round(d decimal.Decimal, rule RoundingRule) decimal.Decimal {
	rule = rule.orDefault()
	exp := d.Exponent()
	if exp >= -2 {
		// Already whole fen: only the representation changes, to exactly two places, so equal
		// amounts always print the same ("12.50").
		c := d.Coefficient()
		return decimal.NewFromBigInt(c.Mul(c, pow10(int64(exp)+2)), -2)
	}
	return decimal.NewFromBigInt(roundBigQuo(d.Coefficient(), pow10(-2-int64(exp)), rule), -2)
}

// RoundRat rounds the exact rational r (in yuan) to the fen by rule, for amounts such as a cost per
// student-period that are exact quotients with no finite decimal form.
func RoundRat(r *big.Rat, rule RoundingRule) decimal.Decimal {
	rule = rule.orDefault()
	num := new(big.Int).Mul(r.Num(), big.NewInt(100))
	return decimal.NewFromBigInt(roundBigQuo(num, r.Denom(), rule), -2)
}

// RoundQuotient rounds the exact quotient num/den to an integer by rule. Callers that keep amounts
// as integer numerators (for instance in fen, or in fen times a common denominator) use it to round
// once, at the end, exactly as Round would round the same value. It panics if den is not positive.
func RoundQuotient(num, den int64, rule RoundingRule) int64 {
	rule = rule.orDefault()
	if den <= 0 {
		panic("money: RoundQuotient with a non-positive denominator")
	}
	q, r := num/den, num%den // q truncated toward zero; r has the sign of num
	if r == 0 {
		return q
	}
	sign := int64(1)
	ar := r
	if r < 0 {
		sign, ar = -1, -r
	}
	if bumpAway(rule, ar, den-ar, q&1 != 0) {
		q += sign
	}
	return q
}

// bumpAway decides, for a non-zero remainder rem and gap = den − rem, whether the truncated quotient
// moves one step away from zero. It compares rem with gap rather than 2·rem with den, so nothing
// overflows.
func bumpAway(rule RoundingRule, rem, gap int64, odd bool) bool {
	switch rule {
	case Down:
		return false
	case Up:
		return true
	case HalfUp:
		return rem >= gap
	default: // HalfEven
		return rem > gap || (rem == gap && odd)
	}
}

// pow10 returns 10^n as a new big.Int.
func pow10(n int64) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil)
}

// roundBigQuo is RoundQuotient for big integers; den must be positive.
func roundBigQuo(num, den *big.Int, rule RoundingRule) *big.Int {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() == 0 {
		return q
	}
	sign := r.Sign()
	ar := r.Abs(r)
	gap := new(big.Int).Sub(den, ar)
	var away bool
	switch rule {
	case Down:
	case Up:
		away = true
	case HalfUp:
		away = ar.Cmp(gap) >= 0
	default: // HalfEven
		c := ar.Cmp(gap)
		away = c > 0 || (c == 0 && q.Bit(0) == 1)
	}
	if away {
		q.Add(q, big.NewInt(int64(sign)))
	}
	return q
}
