package pay

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// Key identifies a line across the revisions of a person's month: a session
// by its assignment (a corrected hour keeps its assignment and gets a new
// record), the class-teacher allowance by class, the management share once.
func (l Line) Key() string {
	switch l.Kind {
	case LineSession:
		return "session|" + l.AssignmentID
	case LineClassTeacher:
		return "class_teacher|" + l.AssignmentID
	default:
		return string(l.Kind)
	}
}

// ContentHash fingerprints what a statement pays: every line in a fixed
// text form (amounts to the fen, quantities to four places) and the paid,
// held-back and per-treatment amounts. A rerun whose recomputation hashes
// the same issues nothing for the person.
func ContentHash(st Statement) string {
	var b strings.Builder
	lines := slices.Clone(st.Lines)
	slices.SortFunc(lines, func(x, y Line) int { return cmp.Compare(x.Key(), y.Key()) })
	for _, l := range lines {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%d|%d|%s|%s|%d|%s|%d|%s|%s|%d|%d|%s|%t|%s|%s|%s|%s\n",
			l.Key(), l.RecordID, l.Date, l.Unit, l.StartMinute, l.EndMinute, l.Role, l.Duty, l.Minutes, l.Periods.StringFixed(4),
			l.Days, l.Rate.StringFixed(4), l.Multiplier.StringFixed(4), l.Students, l.ExtraStudents, l.ExtraPerStudent.StringFixed(4),
			l.WeekendHoliday, l.Amount.StringFixed(2), l.RuleID, l.DocumentNo, l.Treatment)
		for _, p := range l.Pieces {
			fmt.Fprintf(&b, " %d-%d:%s\n", p.From, p.To, p.Rate.StringFixed(4))
		}
	}
	fmt.Fprintf(&b, "earned %s paid %s held %s cap %s\n", st.Earned.StringFixed(2), st.Paid.StringFixed(2), st.HeldBack.StringFixed(2), st.CapRuleID)
	for _, ta := range st.ByTreatment {
		fmt.Fprintf(&b, "%s %s\n", ta.Treatment, ta.Amount.StringFixed(2))
	}
	h := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(h[:])
}

// IssuedLine is a stored line with the statement it belongs to.
type IssuedLine struct {
	Line
	StatementID string
	// CorrectsRecordID and CorrectsStatementID, on an adjustment line, name
	// the record and statement of the line it corrects.
	CorrectsRecordID    string
	CorrectsStatementID string
}

// Prior is what a person's month has been paid so far: every line of every
// earlier statement, and the sums of their paid, held-back and
// per-treatment amounts.
type Prior struct {
	Lines       []IssuedLine
	Earned      decimal.Decimal
	Paid        decimal.Decimal
	HeldBack    decimal.Decimal
	ByTreatment map[Treatment]decimal.Decimal
}

// Adjustment is what a rerun issues for a person whose recomputation
// differs from what they were paid: one difference line per changed line
// (referencing the line it corrects), and the differences of the totals.
type Adjustment struct {
	Lines       []IssuedLine
	Earned      decimal.Decimal
	Paid        decimal.Decimal
	HeldBack    decimal.Decimal
	ByTreatment []TagAmount
}

// Diff returns next minus prior: for every line key whose amount or record
// changed, a line carrying the new facts (or the old ones when the line is
// gone) with the difference as its amount, referencing the record and
// statement it corrects; unchanged lines are left out. Amounts are whole fen
// on both sides, so differences are exact.
func Diff(next Statement, prior Prior) Adjustment {
	type agg struct {
		amount decimal.Decimal
		last   IssuedLine
	}
	before := map[string]*agg{}
	var keys []string
	for _, l := range prior.Lines {
		k := l.Key()
		a := before[k]
		if a == nil {
			a = &agg{}
			before[k] = a
			keys = append(keys, k)
		}
		a.amount = a.amount.Add(l.Amount)
		a.last = l
	}
	now := map[string]Line{}
	for _, l := range next.Lines {
		k := l.Key()
		now[k] = l
		if before[k] == nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var out Adjustment
	for _, k := range keys {
		n, has := now[k]
		b := before[k]
		switch {
		case has && b == nil:
			out.Lines = append(out.Lines, IssuedLine{Line: n})
		case has:
			if n.Amount.Equal(b.amount) && n.RecordID == b.last.RecordID && n.Duty == b.last.Duty && n.Minutes == b.last.Minutes {
				continue
			}
			l := IssuedLine{Line: n, CorrectsRecordID: b.last.RecordID, CorrectsStatementID: b.last.StatementID}
			if b.last.CorrectsRecordID != "" && b.last.RecordID == "" {
				l.CorrectsRecordID = b.last.CorrectsRecordID
			}
			l.Amount = n.Amount.Sub(b.amount)
			out.Lines = append(out.Lines, l)
		default:
			if b.amount.IsZero() {
				continue
			}
			l := IssuedLine{Line: b.last.Line, CorrectsRecordID: b.last.RecordID, CorrectsStatementID: b.last.StatementID}
			l.Amount = b.amount.Neg()
			out.Lines = append(out.Lines, l)
		}
	}
	out.Earned = next.Earned.Sub(prior.Earned)
	out.Paid = next.Paid.Sub(prior.Paid)
	out.HeldBack = next.HeldBack.Sub(prior.HeldBack)
	seen := map[Treatment]bool{}
	for _, ta := range next.ByTreatment {
		seen[ta.Treatment] = true
	}
	for tg := range prior.ByTreatment {
		seen[tg] = true
	}
	for _, tg := range Treatments {
		if !seen[tg] {
			continue
		}
		var n decimal.Decimal
		for _, ta := range next.ByTreatment {
			if ta.Treatment == tg {
				n = ta.Amount
			}
		}
		if d := n.Sub(prior.ByTreatment[tg]); !d.IsZero() {
			out.ByTreatment = append(out.ByTreatment, TagAmount{Treatment: tg, Amount: d})
		}
	}
	return out
}
