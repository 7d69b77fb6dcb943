package store

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/shopspring/decimal"
)

// sameAsUnmarshal decodes b with the scan targets and with json.Unmarshal
// and reports a difference: in the values (nil and empty apart, decimals by
// coefficient and exponent) or in whether decoding failed.
func sameAsUnmarshal(t *testing.T, kind string, b []byte) {
	t.Helper()
	var gotErr, wantErr error
	var got, want any
	switch kind {
	case "totals":
		var g, w statement.Totals
		gotErr, wantErr = (*totalsJSON)(&g).ScanBytes(b), json.Unmarshal(b, &w)
		got, want = g, w
	case "adjustments":
		var g, w []statement.Adjustment
		gotErr, wantErr = (*adjustmentsJSON)(&g).ScanBytes(b), json.Unmarshal(b, &w)
		got, want = g, w
	case "shares":
		var g, w []statement.Share
		gotErr, wantErr = (*sharesJSON)(&g).ScanBytes(b), json.Unmarshal(b, &w)
		got, want = g, w
	case "detail":
		var g, w statement.LineDetail
		gotErr, wantErr = (*detailJSON)(&g).ScanBytes(b), json.Unmarshal(b, &w)
		got, want = g, w
	default:
		t.Fatalf("unknown kind %s", kind)
	}
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%s %q: error %v, json.Unmarshal's %v", kind, b, gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	if diff := cmp.Diff(want, got, exactDecimal); diff != "" {
		t.Fatalf("%s %q differs from json.Unmarshal (-unmarshal +read):\n%s", kind, b, diff)
	}
}

// TestRowJSONReadsWhatTheAppendersWrite round-trips random values through
// the appenders and PostgreSQL's jsonb (which reorders keys and adds
// spaces) and wants the fast path to take every one of them (no fallback
// to encoding/json) and to give what json.Unmarshal gives.
func TestRowJSONReadsWhatTheAppendersWrite(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(16, 164))
	words := []string{"", "city_finance", "三教〔2024〕18号", "basic-care", "school_waiver", "p1"}
	word := func() string { return words[r.IntN(len(words))] }
	dec := func() decimal.Decimal { return decimal.New(r.Int64N(2000001)-1000000, -int32(r.IntN(5))) }
	amounts := func() map[string]decimal.Decimal {
		if r.IntN(3) == 0 {
			return nil
		}
		m := map[string]decimal.Decimal{}
		for range r.IntN(4) + 1 {
			m[word()] = dec()
		}
		return m
	}
	for i := range 300 {
		tot := statement.Totals{Gross: dec(), Net: dec(), Parent: dec(), Subsidies: amounts(), Waivers: amounts(), CollectedOnBehalf: amounts()}
		var adj []statement.Adjustment
		var shares []statement.Share
		for range r.IntN(4) {
			adj = append(adj, statement.Adjustment{Kind: word(), Amount: dec(), RuleID: word(), DocumentNo: word()})
			shares = append(shares, statement.Share{PayerID: word(), Amount: dec(), RuleID: word(), DocumentNo: word(), Category: word()})
		}
		det := statement.LineDetail{DaysScheduled: r.IntN(30), DaysEnrolled: r.IntN(30), DaysCancelled: r.IntN(3), DaysShort: r.IntN(3),
			DaysLeave: r.IntN(5), DaysServed: r.IntN(30) - 2, HolidayQuantity: dec(), HolidayRate: dec(), Surcharge: dec()}
		if i == 0 {
			det = statement.LineDetail{}
		}
		var jt, ja, js, jd []byte
		if err := pool.QueryRow(ctx, `SELECT $1::jsonb, $2::jsonb, $3::jsonb, $4::jsonb`,
			string(appendTotals(nil, tot)), string(appendAdjustments(nil, adj)), string(appendShares(nil, shares)), string(appendDetail(nil, det))).
			Scan(&jt, &ja, &js, &jd); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			kind string
			b    []byte
			fast func(*jsonReader) bool
		}{
			{"totals", jt, func(r *jsonReader) bool { var v statement.Totals; return r.totals(&v) }},
			{"adjustments", ja, func(r *jsonReader) bool { var v []statement.Adjustment; return r.adjustments(&v) }},
			{"shares", js, func(r *jsonReader) bool { var v []statement.Share; return r.shares(&v) }},
			{"detail", jd, func(r *jsonReader) bool { var v statement.LineDetail; return r.detail(&v) }},
		} {
			if !c.fast(&jsonReader{b: c.b}) {
				t.Fatalf("case %d: %s %s went to encoding/json", i, c.kind, c.b)
			}
			sameAsUnmarshal(t, c.kind, c.b)
		}
	}
}

// rowJSONOdd are values the appenders never write: the fallback's inputs,
// and near misses of the fast path's forms.
var rowJSONOdd = []struct{ kind, give string }{
	{"totals", `{}`}, {"totals", `null`}, {"totals", ` {"net": "1.10" , "gross":"2"} `},
	{"totals", `{"gross": 2.50, "net": "-0.00", "parent": "1e3"}`},
	{"totals", `{"gross": "1", "subsidies": {}, "waivers": null, "collected_on_behalf": {"a\"b": "1", "é": "-0.01"}}`},
	{"totals", `{"Gross": "1"}`}, {"totals", `{"gross": null}`}, {"totals", `{"gross": ""}`}, {"totals", `{"gross": "x"}`},
	{"totals", `{"gross": "1", "extra": [1, {"a": 2}]}`}, {"totals", `{"gross": "1"} x`}, {"totals", `{"gross": "1",}`},
	{"totals", `{"subsidies": {"p": "1", "p": "2"}}`}, {"totals", `{"gross": ".5", "net": "5.", "parent": "+5"}`},
	{"totals", `{"gross": "1234567890123456789.5", "net": "-123456789012345678", "parent": "−5"}`}, {"totals", ``}, {"totals", `[]`},
	{"adjustments", `[]`}, {"adjustments", `null`}, {"adjustments", `[null]`}, {"adjustments", `[{}]`}, {"adjustments", `{}`},
	{"adjustments", `[{"amount": "-5.00", "kind": "cap"}, {"kind": "leave", "amount": -2, "rule_id": "r\u00e9", "document_no": "d\n"}]`},
	{"adjustments", `[{"kind": "cap", "amount": "1"},]`}, {"adjustments", `[{"kind": 5}]`}, {"adjustments", `[{"kind": "a"} {"kind": "b"}]`},
	{"adjustments", "[{\"kind\": \"\xff\"}]"}, {"adjustments", "[{\"kind\": \"tab\there\"}]"}, {"adjustments", `[{"kind": "a", "KIND": "b"}]`},
	{"shares", `[]`}, {"shares", `null`}, {"shares", `[{"payer_id": "p", "amount": "0", "category": ""}]`},
	{"shares", `[{"payer_id": "w", "amount": "1E1", "rule_id": "", "document_no": "", "category": "c"}, {"amount": "0.10"}]`},
	{"shares", `[{"payer_id": "p", "amount": "12.30", "extra": 1}]`}, {"shares", `[{"payer_id": "p", "amount": "12.30"}`},
	{"detail", `{}`}, {"detail", `null`}, {"detail", `{"days_served": 3, "surcharge": "0.5"}`}, {"detail", `{"days_served": -0}`},
	{"detail", `{"days_served": 1.0}`}, {"detail", `{"days_served": 1e2}`}, {"detail", `{"days_served": 01}`}, {"detail", `{"days_served": "1"}`},
	{"detail", `{"days_served": 99999999999999999999}`}, {"detail", `{"days_served": -}`}, {"detail", `{"days_leave": 2, "holiday_rate": 1.5}`},
}

// TestRowJSONOddValuesAsUnmarshal wants the odd values decoded exactly as
// json.Unmarshal decodes them, failures included.
func TestRowJSONOddValuesAsUnmarshal(t *testing.T) {
	for _, c := range rowJSONOdd {
		sameAsUnmarshal(t, c.kind, []byte(c.give))
	}
}

// FuzzRowJSONRead: whatever the bytes, the scan targets agree with json.Unmarshal.
func FuzzRowJSONRead(f *testing.F) {
	kinds := []string{"totals", "adjustments", "shares", "detail"}
	for _, c := range rowJSONOdd {
		for i, k := range kinds {
			if k == c.kind {
				f.Add(uint8(i), c.give)
			}
		}
	}
	f.Fuzz(func(t *testing.T, kind uint8, give string) {
		sameAsUnmarshal(t, kinds[int(kind)%len(kinds)], []byte(give))
	})
}

// BenchmarkRowJSONRead decodes the jsonb of a seeded student's term (every
// line's adjustments, subsidies, waivers and detail, every statement's
// totals, as PostgreSQL sends them) with json.Unmarshal and with the scan
// targets: the decoding alone, without the query.
func BenchmarkRowJSONRead(b *testing.B) {
	pool := pgtest.Pool(b)
	seedTermStatements(b, pool, 5)
	ctx := context.Background()
	var lines [][4][]byte
	var totals [][]byte
	rows, err := pool.Query(ctx, `SELECT adjustments, subsidies, waivers, detail FROM billing.statement_lines ORDER BY statement_id, line_no`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var l [4][]byte
		if err := rows.Scan(&l[0], &l[1], &l[2], &l[3]); err != nil {
			b.Fatal(err)
		}
		lines = append(lines, l)
	}
	if err := pool.QueryRow(ctx, `SELECT array_agg(totals::text ORDER BY statement_id) FROM billing.statements`).Scan(&totals); err != nil {
		b.Fatal(err)
	}
	b.Run("unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				var v statement.Line
				for i, dst := range []any{&v.Adjustments, &v.Subsidies, &v.Waivers, &v.Detail} {
					if err := json.Unmarshal(l[i], dst); err != nil {
						b.Fatal(err)
					}
				}
			}
			for _, t := range totals {
				var v statement.Totals
				if err := json.Unmarshal(t, &v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("reader", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				var v statement.Line
				if (*adjustmentsJSON)(&v.Adjustments).ScanBytes(l[0]) != nil || (*sharesJSON)(&v.Subsidies).ScanBytes(l[1]) != nil ||
					(*sharesJSON)(&v.Waivers).ScanBytes(l[2]) != nil || (*detailJSON)(&v.Detail).ScanBytes(l[3]) != nil {
					b.Fatal("decode failed")
				}
			}
			for _, t := range totals {
				var v statement.Totals
				if err := (*totalsJSON)(&v).ScanBytes(t); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkLineListsDecoding compares, on a seeded student's 31 lines, the
// jsonb columns decoded by the scan targets ("jsonb") with the other
// candidate: PostgreSQL turning each list into typed arrays
// (jsonb_array_elements, ->> and casts) that pgx decodes in binary
// ("pg_arrays"). Each op is one query of the lines' lists and detail.
func BenchmarkLineListsDecoding(b *testing.B) {
	pool := pgtest.Pool(b)
	seedTermStatements(b, pool, 5)
	ctx := context.Background()
	const where = `WHERE district_id = $1 AND school_id = $2 ORDER BY statement_id, line_no`
	b.Run("jsonb", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rows, err := pool.Query(ctx, `SELECT adjustments, subsidies, waivers, detail FROM billing.statement_lines `+where, seedDistrict, seedSchool)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var l statement.Line
				if err := rows.Scan((*adjustmentsJSON)(&l.Adjustments), (*sharesJSON)(&l.Subsidies), (*sharesJSON)(&l.Waivers), (*detailJSON)(&l.Detail)); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if rows.Err() != nil || n != 31 {
				b.Fatal(n, rows.Err())
			}
		}
	})
	list := func(col string, fields ...string) string {
		var s string
		for _, f := range fields {
			cast := ""
			if f == "amount" {
				cast = "::numeric"
			}
			s += `, ARRAY(SELECT (e->>'` + f + `')` + cast + ` FROM jsonb_array_elements(` + col + `) WITH ORDINALITY a(e, o) ORDER BY o)`
		}
		return s
	}
	q := `SELECT line_no` + list("adjustments", "kind", "amount", "rule_id", "document_no") +
		list("subsidies", "payer_id", "amount", "rule_id", "document_no", "category") +
		list("waivers", "payer_id", "amount", "rule_id", "document_no", "category") +
		`, (detail->>'days_scheduled')::int, (detail->>'days_enrolled')::int, (detail->>'days_cancelled')::int, (detail->>'days_short')::int,
		(detail->>'days_leave')::int, (detail->>'days_served')::int, (detail->>'holiday_quantity')::numeric, (detail->>'holiday_rate')::numeric,
		(detail->>'surcharge')::numeric FROM billing.statement_lines ` + where
	b.Run("pg_arrays", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rows, err := pool.Query(ctx, q, seedDistrict, seedSchool)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var l statement.Line
				var no int32
				var ak, ar, ad, sp, sr, sd, sc, wp, wr, wd, wc []pgtype.Text
				var aa, sa, wa []pgdb.Decimal
				var d [6]int32
				if err := rows.Scan(&no, &ak, &aa, &ar, &ad, &sp, &sa, &sr, &sd, &sc, &wp, &wa, &wr, &wd, &wc,
					&d[0], &d[1], &d[2], &d[3], &d[4], &d[5], (*pgdb.Decimal)(&l.Detail.HolidayQuantity), (*pgdb.Decimal)(&l.Detail.HolidayRate),
					(*pgdb.Decimal)(&l.Detail.Surcharge)); err != nil {
					b.Fatal(err)
				}
				l.Adjustments = make([]statement.Adjustment, len(ak))
				for i := range ak {
					l.Adjustments[i] = statement.Adjustment{Kind: ak[i].String, Amount: decimal.Decimal(aa[i]), RuleID: ar[i].String, DocumentNo: ad[i].String}
				}
				for _, sh := range []struct {
					dst           *[]statement.Share
					p, r, dn, cat []pgtype.Text
					amounts       []pgdb.Decimal
				}{{&l.Subsidies, sp, sr, sd, sc, sa}, {&l.Waivers, wp, wr, wd, wc, wa}} {
					*sh.dst = make([]statement.Share, len(sh.p))
					for i := range sh.p {
						(*sh.dst)[i] = statement.Share{PayerID: sh.p[i].String, Amount: decimal.Decimal(sh.amounts[i]), RuleID: sh.r[i].String,
							DocumentNo: sh.dn[i].String, Category: sh.cat[i].String}
					}
				}
				l.Detail.DaysScheduled, l.Detail.DaysEnrolled, l.Detail.DaysCancelled = int(d[0]), int(d[1]), int(d[2])
				l.Detail.DaysShort, l.Detail.DaysLeave, l.Detail.DaysServed = int(d[3]), int(d[4]), int(d[5])
				n++
			}
			if rows.Err() != nil || n != 31 {
				b.Fatal(n, rows.Err())
			}
		}
	})
}
