package store

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/shopspring/decimal"
)

// The jsonb columns of statements and their lines are read for every
// statement a parent or a school looks at. encoding/json validates each
// value, then decodes it by reflection and calls decimal.UnmarshalJSON per
// amount; that was a quarter of the statement read's time in the store.
// These scan targets decode the shapes the appenders of rowjson.go write
// (as PostgreSQL gives them back: jsonb's own key order and spacing)
// straight from pgx's buffer, and hand anything else (JSON null, a string
// with an escape, an unquoted or odd amount, a key they do not know) to
// json.Unmarshal, so the result is always what json.Unmarshal gives
// (rowjson_read_test.go checks both on the same bytes).

// A jsonb scan target receives the value in pgx's buffer (pgtype.BytesScanner:
// no copy; nothing is kept past the call). NULL (the LEFT JOIN's missing
// line) leaves the zero value.
type (
	totalsJSON      statement.Totals
	adjustmentsJSON []statement.Adjustment
	sharesJSON      []statement.Share
	detailJSON      statement.LineDetail
)

// ScanBytes implements pgtype.BytesScanner.
func (t *totalsJSON) ScanBytes(b []byte) error {
	*t = totalsJSON{}
	if b == nil {
		return nil
	}
	if r := (jsonReader{b: b}); r.totals((*statement.Totals)(t)) {
		return nil
	}
	*t = totalsJSON{}
	return json.Unmarshal(b, (*statement.Totals)(t))
}

// ScanBytes implements pgtype.BytesScanner.
func (a *adjustmentsJSON) ScanBytes(b []byte) error {
	*a = nil
	if b == nil {
		return nil
	}
	if r := (jsonReader{b: b}); r.adjustments((*[]statement.Adjustment)(a)) {
		return nil
	}
	*a = nil
	return json.Unmarshal(b, (*[]statement.Adjustment)(a))
}

// ScanBytes implements pgtype.BytesScanner.
func (s *sharesJSON) ScanBytes(b []byte) error {
	*s = nil
	if b == nil {
		return nil
	}
	if r := (jsonReader{b: b}); r.shares((*[]statement.Share)(s)) {
		return nil
	}
	*s = nil
	return json.Unmarshal(b, (*[]statement.Share)(s))
}

// ScanBytes implements pgtype.BytesScanner.
func (d *detailJSON) ScanBytes(b []byte) error {
	*d = detailJSON{}
	if b == nil {
		return nil
	}
	if r := (jsonReader{b: b}); r.detail((*statement.LineDetail)(d)) {
		return nil
	}
	*d = detailJSON{}
	return json.Unmarshal(b, (*statement.LineDetail)(d))
}

// jsonReader reads one JSON value of a known shape. Every method reports
// false (and the reader is then useless) when the input is not exactly that
// shape in the forms it knows; the caller starts again with json.Unmarshal.
type jsonReader struct {
	b []byte
	i int
}

func (r *jsonReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// next consumes c after white space, if it is there.
func (r *jsonReader) next(c byte) bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// end is true when only white space is left.
func (r *jsonReader) end() bool {
	r.space()
	return r.i == len(r.b)
}

// raw returns the content of a string without escapes, in valid UTF-8 (what
// encoding/json would give back unchanged).
func (r *jsonReader) raw() ([]byte, bool) {
	r.space()
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false
	}
	start, high := r.i+1, false
	for j := start; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			if high && !utf8.Valid(r.b[start:j]) {
				return nil, false
			}
			r.i = j + 1
			return r.b[start:j], true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			high = true
		}
	}
	return nil, false
}

func (r *jsonReader) str(dst *string) bool {
	s, ok := r.raw()
	if ok {
		*dst = string(s)
	}
	return ok
}

// amount reads a quoted decimal, as decimal.UnmarshalJSON reads it
// (decimal.NewFromString of the quoted text). A plain -?digits[.digits] of
// at most 18 digits is parsed here, to the same value and exponent.
func (r *jsonReader) amount(dst *decimal.Decimal) bool {
	s, ok := r.raw()
	if !ok || len(s) == 0 {
		return false
	}
	if d, ok := plainDecimal(s); ok {
		*dst = d
		return true
	}
	d, err := decimal.NewFromString(string(s))
	if err != nil {
		return false
	}
	*dst = d
	return true
}

// plainDecimal parses -?[0-9]+(\.[0-9]+)? of at most 18 digits.
func plainDecimal(s []byte) (decimal.Decimal, bool) {
	i, neg := 0, false
	if s[0] == '-' {
		i, neg = 1, true
	}
	var v int64
	digits, exp, point := 0, int32(0), false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + int64(c-'0')
			digits++
			if point {
				exp--
			}
		case c == '.' && !point && digits > 0:
			point = true
		default:
			return decimal.Decimal{}, false
		}
	}
	if digits == 0 || digits > 18 || (point && exp == 0) {
		return decimal.Decimal{}, false
	}
	if neg {
		v = -v
	}
	return decimal.New(v, exp), true
}

// integer reads a JSON integer that fits an int (encoding/json rejects a
// fraction or exponent for an int field; those go to it).
func (r *jsonReader) integer(dst *int) bool {
	r.space()
	i, neg := r.i, false
	if i < len(r.b) && r.b[i] == '-' {
		i, neg = i+1, true
	}
	start := i
	var v int
	for ; i < len(r.b) && r.b[i] >= '0' && r.b[i] <= '9'; i++ {
		v = v*10 + int(r.b[i]-'0')
	}
	if n := i - start; n == 0 || n > 18 || (n > 1 && r.b[start] == '0') {
		return false
	}
	if i < len(r.b) && (r.b[i] == '.' || r.b[i] == 'e' || r.b[i] == 'E') {
		return false
	}
	if neg {
		v = -v
	}
	*dst, r.i = v, i
	return true
}

// object reads an object, calling member for each key with the reader at
// the key's value; member reports whether it read the value.
func (r *jsonReader) object(member func(key []byte) bool) bool {
	if !r.next('{') {
		return false
	}
	if r.next('}') {
		return true
	}
	for {
		key, ok := r.raw()
		if !ok || !r.next(':') || !member(key) {
			return false
		}
		if r.next(',') {
			continue
		}
		return r.next('}')
	}
}

// array reads an array, calling elem for each element.
func (r *jsonReader) array(elem func() bool) bool {
	if !r.next('[') {
		return false
	}
	if r.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if r.next(',') {
			continue
		}
		return r.next(']')
	}
}

// elements guesses a list's length for its capacity: one object per '{'.
func elements(b []byte) int { return bytes.Count(b, []byte{'{'}) }

func (r *jsonReader) totals(t *statement.Totals) bool {
	return r.object(func(key []byte) bool {
		switch string(key) {
		case "gross":
			return r.amount(&t.Gross)
		case "net":
			return r.amount(&t.Net)
		case "parent":
			return r.amount(&t.Parent)
		case "subsidies":
			return r.amounts(&t.Subsidies)
		case "waivers":
			return r.amounts(&t.Waivers)
		case "collected_on_behalf":
			return r.amounts(&t.CollectedOnBehalf)
		}
		return false
	}) && r.end()
}

// amounts reads an object of amounts by payer into a new map (an empty
// object gives an empty map, as encoding/json does).
func (r *jsonReader) amounts(dst *map[string]decimal.Decimal) bool {
	m := map[string]decimal.Decimal{}
	ok := r.object(func(key []byte) bool {
		var d decimal.Decimal
		if !r.amount(&d) {
			return false
		}
		m[string(key)] = d
		return true
	})
	*dst = m
	return ok
}

func (r *jsonReader) adjustments(dst *[]statement.Adjustment) bool {
	out := make([]statement.Adjustment, 0, elements(r.b))
	ok := r.array(func() bool {
		var a statement.Adjustment
		if !r.object(func(key []byte) bool {
			switch string(key) {
			case "kind":
				return r.str(&a.Kind)
			case "amount":
				return r.amount(&a.Amount)
			case "rule_id":
				return r.str(&a.RuleID)
			case "document_no":
				return r.str(&a.DocumentNo)
			}
			return false
		}) {
			return false
		}
		out = append(out, a)
		return true
	}) && r.end()
	*dst = out
	return ok
}

func (r *jsonReader) shares(dst *[]statement.Share) bool {
	out := make([]statement.Share, 0, elements(r.b))
	ok := r.array(func() bool {
		var s statement.Share
		if !r.object(func(key []byte) bool {
			switch string(key) {
			case "payer_id":
				return r.str(&s.PayerID)
			case "amount":
				return r.amount(&s.Amount)
			case "rule_id":
				return r.str(&s.RuleID)
			case "document_no":
				return r.str(&s.DocumentNo)
			case "category":
				return r.str(&s.Category)
			}
			return false
		}) {
			return false
		}
		out = append(out, s)
		return true
	}) && r.end()
	*dst = out
	return ok
}

func (r *jsonReader) detail(d *statement.LineDetail) bool {
	return r.object(func(key []byte) bool {
		switch string(key) {
		case "days_scheduled":
			return r.integer(&d.DaysScheduled)
		case "days_enrolled":
			return r.integer(&d.DaysEnrolled)
		case "days_cancelled":
			return r.integer(&d.DaysCancelled)
		case "days_short":
			return r.integer(&d.DaysShort)
		case "days_leave":
			return r.integer(&d.DaysLeave)
		case "days_served":
			return r.integer(&d.DaysServed)
		case "holiday_quantity":
			return r.amount(&d.HolidayQuantity)
		case "holiday_rate":
			return r.amount(&d.HolidayRate)
		case "surcharge":
			return r.amount(&d.Surcharge)
		}
		return false
	}) && r.end()
}
