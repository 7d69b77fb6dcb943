package store

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/shopspring/decimal"
)

// TestRowJSONMatchesEncodingJSON checks the hand-written appenders write
// exactly what encoding/json writes for the same values, so rows written by
// either read back the same (and the jsonb queries see the same keys).
func TestRowJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	words := []string{"", "city_finance", "三教〔2024〕18号", `q"uo\te`, "a<b>&c", "tab\there", "low\x01", "basic-care"}
	word := func() string { return words[r.IntN(len(words))] }
	dec := func() decimal.Decimal { return decimal.New(r.Int64N(200001)-100000, -int32(r.IntN(5))) }
	amounts := func() map[string]decimal.Decimal {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return map[string]decimal.Decimal{}
		}
		m := map[string]decimal.Decimal{}
		for range r.IntN(4) + 1 {
			m[word()] = dec()
		}
		return m
	}
	for i := range 2000 {
		tot := statement.Totals{Gross: dec(), Net: dec(), Parent: dec(), Subsidies: amounts(), Waivers: amounts(), CollectedOnBehalf: amounts()}
		var adj []statement.Adjustment
		var shares []statement.Share
		for range r.IntN(3) {
			adj = append(adj, statement.Adjustment{Kind: word(), Amount: dec(), RuleID: word(), DocumentNo: word()})
			shares = append(shares, statement.Share{PayerID: word(), Amount: dec(), RuleID: word(), DocumentNo: word(), Category: word()})
		}
		det := statement.LineDetail{DaysScheduled: r.IntN(30), DaysEnrolled: r.IntN(30), DaysCancelled: r.IntN(3), DaysShort: r.IntN(3),
			DaysLeave: r.IntN(5), DaysServed: r.IntN(30) - 2, HolidayQuantity: dec(), HolidayRate: dec(), Surcharge: dec()}
		want, _ := json.Marshal(tot)
		if i == 0 {
			tot.Subsidies = map[string]decimal.Decimal{"b": decimal.New(1, 0), "a": decimal.New(-25, -1)} // keys sorted as encoding/json sorts them
			want, _ = json.Marshal(tot)
		}
		wantAdj, _ := marshalList(adj)
		wantShares, _ := marshalList(shares)
		wantDet, _ := json.Marshal(det)
		for _, c := range []struct{ got, want []byte }{
			{appendTotals(nil, tot), want}, {appendAdjustments(nil, adj), wantAdj},
			{appendShares(nil, shares), wantShares}, {appendDetail(nil, det), wantDet},
		} {
			if string(c.got) != string(c.want) {
				t.Fatalf("case %d: wrote %s, encoding/json writes %s", i, c.got, c.want)
			}
		}
	}
}

// marshalList is how the list columns were written before the appenders:
// "[]" for none, else encoding/json.
func marshalList[T any](v []T) ([]byte, error) {
	if len(v) == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal(v)
}
