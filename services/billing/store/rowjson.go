package store

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/shopspring/decimal"
)

// The jsonb columns of statements and statement lines are written for every
// row of a fee run: a city's run writes 300,000 statements and their lines.
// encoding/json spends most of its time in reflection and in sorting map
// keys; these appenders write the same bytes directly (rowjson_test.go
// checks them against encoding/json), so the run's COPY stays near the
// database's floor.

// appendJSONString appends s as encoding/json would quote it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendDecimal appends d as decimal.Decimal marshals itself: a quoted string.
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	b = append(b, '"')
	b = append(b, d.String()...)
	return append(b, '"')
}

func appendField(b []byte, first bool, name string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

func appendAmounts(b []byte, name string, m map[string]decimal.Decimal) []byte {
	if len(m) == 0 {
		return b
	}
	b = appendField(b, false, name)
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendDecimal(b, m[k])
	}
	return append(b, '}')
}

// appendTotals appends json.Marshal(t).
func appendTotals(b []byte, t statement.Totals) []byte {
	b = append(b, '{')
	b = appendField(b, true, "gross")
	b = appendDecimal(b, t.Gross)
	b = appendField(b, false, "net")
	b = appendDecimal(b, t.Net)
	b = appendField(b, false, "parent")
	b = appendDecimal(b, t.Parent)
	b = appendAmounts(b, "subsidies", t.Subsidies)
	b = appendAmounts(b, "waivers", t.Waivers)
	b = appendAmounts(b, "collected_on_behalf", t.CollectedOnBehalf)
	return append(b, '}')
}

// appendAdjustments appends marshalList(as).
func appendAdjustments(b []byte, as []statement.Adjustment) []byte {
	b = append(b, '[')
	for i, a := range as {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = appendField(b, true, "kind")
		b = appendJSONString(b, a.Kind)
		b = appendField(b, false, "amount")
		b = appendDecimal(b, a.Amount)
		b = appendField(b, false, "rule_id")
		b = appendJSONString(b, a.RuleID)
		b = appendField(b, false, "document_no")
		b = appendJSONString(b, a.DocumentNo)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendShares appends marshalList(ss).
func appendShares(b []byte, ss []statement.Share) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = appendField(b, true, "payer_id")
		b = appendJSONString(b, s.PayerID)
		b = appendField(b, false, "amount")
		b = appendDecimal(b, s.Amount)
		b = appendField(b, false, "rule_id")
		b = appendJSONString(b, s.RuleID)
		b = appendField(b, false, "document_no")
		b = appendJSONString(b, s.DocumentNo)
		if s.Category != "" {
			b = appendField(b, false, "category")
			b = appendJSONString(b, s.Category)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendDetail appends json.Marshal(d).
func appendDetail(b []byte, d statement.LineDetail) []byte {
	b = append(b, '{')
	for i, f := range [...]struct {
		name string
		n    int
	}{{"days_scheduled", d.DaysScheduled}, {"days_enrolled", d.DaysEnrolled}, {"days_cancelled", d.DaysCancelled},
		{"days_short", d.DaysShort}, {"days_leave", d.DaysLeave}, {"days_served", d.DaysServed}} {
		b = appendField(b, i == 0, f.name)
		b = strconv.AppendInt(b, int64(f.n), 10)
	}
	b = appendField(b, false, "holiday_quantity")
	b = appendDecimal(b, d.HolidayQuantity)
	b = appendField(b, false, "holiday_rate")
	b = appendDecimal(b, d.HolidayRate)
	b = appendField(b, false, "surcharge")
	b = appendDecimal(b, d.Surcharge)
	return append(b, '}')
}
