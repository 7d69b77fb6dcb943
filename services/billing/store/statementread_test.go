package store

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/shopspring/decimal"
)

// readStatementsOld is readStatementsJoin as it was before the numeric scan
// targets and the jsonb decoders: numerics scanned into *decimal.Decimal
// (pgx's text round trip), jsonb through json.Unmarshal. The equivalence
// test and the benchmark's baseline run it on the same rows.
func readStatementsOld(ctx context.Context, q rowsQuerier, where string, args ...any) ([]statement.Issued, error) {
	rows, err := q.Query(ctx, `SELECT s.district_id, s.school_id, s.statement_id, s.run_id, s.student_id, s.term_id, s.period_kind,
			s.period_start, s.period_end, s.kind, coalesce(s.corrects_statement_id, ''), s.revision, s.schedule_id, s.schedule_version,
			s.document_no, s.totals, s.content_hash, s.issued_at, s.parent_amount, s.total_amount,
			l.line_no, l.line_type, l.rule_id, l.document_no, l.name, l.service_kind, l.unit, l.quantity, l.unit_rate, l.gross,
			l.adjustments, l.net, l.subsidies, l.waivers, l.parent, l.provider_id, l.detail
		FROM billing.statements s
		`+withLines+` `+where+`
		ORDER BY s.period_start, s.revision, s.statement_id, l.line_no`, args...)
	if err != nil {
		return nil, fmt.Errorf("read statements: %w", err)
	}
	defer rows.Close()
	var out []statement.Issued
	for rows.Next() {
		var s statement.Issued
		var kind string
		var from, to, issued time.Time
		var version int32
		var revision int32
		var totals []byte
		var lineNo *int32
		var lt, rule, doc, name, sk, unit, prov *string
		var qty, rate, gross, net, parent *decimal.Decimal
		var adj, subs, wv, detail []byte
		if err := rows.Scan(&s.DistrictID, &s.SchoolID, &s.StatementID, &s.RunID, &s.StudentID, &s.TermID, &kind, &from, &to,
			&s.Kind, &s.Corrects, &revision, &s.Schedule.ScheduleID, &version, &s.Schedule.DocumentNo, &totals, &s.ContentHash, &issued, &s.ParentAmount, &s.TotalAmount,
			&lineNo, &lt, &rule, &doc, &name, &sk, &unit, &qty, &rate, &gross, &adj, &net, &subs, &wv, &parent, &prov, &detail); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].StatementID != s.StatementID {
			s.PeriodKind, s.From, s.To, s.IssuedAt = fee.PeriodKind(kind), feeDate(&from), feeDate(&to), issued
			s.Revision, s.Schedule.Version = int(revision), int(version)
			if err := json.Unmarshal(totals, &s.Totals); err != nil {
				return nil, fmt.Errorf("decode totals: %w", err)
			}
			out = append(out, s)
		}
		if lineNo == nil {
			continue
		}
		l := statement.Line{LineType: *lt, RuleID: *rule, DocumentNo: *doc, Name: *name, ServiceKind: *sk, Unit: *unit,
			Quantity: *qty, UnitRate: *rate, Gross: *gross, Net: *net, Parent: *parent, ProviderID: *prov}
		if err := json.Unmarshal(adj, &l.Adjustments); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(subs, &l.Subsidies); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(wv, &l.Waivers); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(detail, &l.Detail); err != nil {
			return nil, err
		}
		last := &out[len(out)-1]
		last.Lines = append(last.Lines, l)
	}
	return out, rows.Err()
}

// exactDecimal compares decimals by representation: the same coefficient
// and exponent, hence the same string the gateway writes ("12.30", not "12.3").
var exactDecimal = cmp.Comparer(func(a, b decimal.Decimal) bool {
	return a.String() == b.String() && a.Exponent() == b.Exponent() && a.Coefficient().Cmp(b.Coefficient()) == 0
})

const (
	seedDistrict = "350400"
	seedSchool   = "school-1"
	seedStudent  = "stu-0001"
	seedTerm     = "2026-autumn"
)

// seedTermStatements writes, the way a fee run does (runWriter.Write), a
// student's autumn term of months monthly charge statements of six lines
// each (charge lines with city and district subsidies, a waiver, leave and
// cap adjustments with negative amounts, a provider's line collected on
// behalf, a cost-shortfall line with no shares), then an adjustment
// statement of the first month, and returns them.
func seedTermStatements(t testing.TB, pool *pgxpool.Pool, months int) []statement.Issued {
	t.Helper()
	ctx := context.Background()
	d := decimal.RequireFromString
	var sts []statement.Issued
	issued := time.Date(2026, 9, 1, 8, 0, 0, 123456000, time.UTC)
	for m := range months {
		from := civil.Date{Year: 2026, Month: time.Month(9 + m), Day: 1}
		if from.Month > 12 {
			from = civil.Date{Year: 2027, Month: from.Month - 12, Day: 1}
		}
		to := civil.Date{Year: from.Year, Month: from.Month, Day: 28}
		var lines []statement.Line
		for i := range 6 {
			l := statement.Line{LineType: "charge", RuleID: fmt.Sprintf("rule-%d", i), DocumentNo: "闽教〔2024〕18号", Name: fmt.Sprintf("课后服务 %d", i),
				ServiceKind: "after_school", Unit: "day", Quantity: d("20.0000"), UnitRate: d("12.5000"), Gross: d("250.00"),
				Net: d("250.00"), Parent: d("150.00"),
				Subsidies: []statement.Share{
					{PayerID: "city_finance", Amount: d("60.00"), RuleID: "sub-city", DocumentNo: "榕财〔2025〕3号", Category: "basic"},
					{PayerID: "district_finance", Amount: d("40.00"), RuleID: "sub-district", DocumentNo: ""},
				},
				Waivers: []statement.Share{},
				Detail: statement.LineDetail{DaysScheduled: 22, DaysEnrolled: 21, DaysCancelled: 1, DaysServed: 20,
					HolidayQuantity: d("0.0000"), HolidayRate: d("0.0000"), Surcharge: d("0.00")},
			}
			switch i {
			case 1: // leave and a cap: net below gross
				l.Adjustments = []statement.Adjustment{{Kind: "leave", Amount: d("-25.00"), RuleID: "leave-1", DocumentNo: "d-1"},
					{Kind: "cap", Amount: d("-10.50"), RuleID: "cap-1", DocumentNo: ""}}
				l.Net, l.Parent = d("214.50"), d("114.50")
				l.Detail.DaysLeave = 2
			case 2: // a waiver for a low-income family
				l.Waivers = []statement.Share{{PayerID: "school_waiver", Amount: d("150.00"), RuleID: "waive-dibao", DocumentNo: "w-1", Category: "dibao"}}
				l.Parent = d("0.00")
			case 3: // a provider's line: collected on behalf
				l.ProviderID, l.Unit, l.Quantity, l.UnitRate = "provider-art", "lesson", d("8.0000"), d("31.2500")
				l.Detail = statement.LineDetail{DaysScheduled: 8, DaysEnrolled: 8, DaysServed: 8, HolidayQuantity: d("1.5000"),
					HolidayRate: d("1.5000"), Surcharge: d("3.75")}
			case 4: // cost shortfall: no shares, day counts all zero
				l.LineType, l.Subsidies, l.Gross, l.Net, l.Parent = "cost_shortfall", nil, d("12.30"), d("12.30"), d("12.30")
				l.Quantity, l.UnitRate = d("1.0000"), d("12.3000")
				l.Detail = statement.LineDetail{}
			}
			lines = append(lines, l)
		}
		tot := statement.Totals{Gross: d("1262.30"), Net: d("1226.80"), Parent: d("576.80"),
			Subsidies:         map[string]decimal.Decimal{"city_finance": d("300.00"), "district_finance": d("200.00")},
			Waivers:           map[string]decimal.Decimal{"school_waiver": d("150.00")},
			CollectedOnBehalf: map[string]decimal.Decimal{"provider-art": d("250.00")}}
		sts = append(sts, statement.Issued{StatementID: fmt.Sprintf("st-%02d", m), RunID: fmt.Sprintf("run-%02d", m), DistrictID: seedDistrict,
			SchoolID: seedSchool, StudentID: seedStudent, TermID: seedTerm, PeriodKind: fee.PeriodKind("month"), From: from, To: to,
			Kind: "charge", Revision: 1, Schedule: fee.RuleRef{ScheduleID: "sched-1", Version: 3, DocumentNo: "闽价〔2024〕7号"},
			Lines: lines, Totals: tot, ContentHash: fmt.Sprintf("hash-%02d", m), IssuedAt: issued.AddDate(0, m, 0)})
	}
	if months > 0 {
		first := sts[0]
		adj := statement.Issued{StatementID: "st-00-r2", RunID: "run-adj", DistrictID: seedDistrict, SchoolID: seedSchool, StudentID: seedStudent,
			TermID: seedTerm, PeriodKind: first.PeriodKind, From: first.From, To: first.To, Kind: statement.KindAdjustment, Corrects: first.StatementID,
			Revision: 2, Schedule: first.Schedule, ContentHash: "hash-adj", IssuedAt: issued.AddDate(0, months, 0),
			Lines: []statement.Line{{LineType: "charge", RuleID: "rule-0", DocumentNo: "", Name: "课后服务 0", ServiceKind: "after_school", Unit: "day",
				Quantity: d("-2.0000"), UnitRate: d("12.5000"), Gross: d("-25.00"), Net: d("-25.00"), Parent: d("-15.00"),
				Adjustments: []statement.Adjustment{}, Subsidies: []statement.Share{{PayerID: "city_finance", Amount: d("-6.00"), RuleID: "sub-city"},
					{PayerID: "district_finance", Amount: d("-4.00"), RuleID: "sub-district"}},
				Detail: statement.LineDetail{DaysScheduled: 22, DaysEnrolled: 19, DaysServed: 18, DaysShort: 1, HolidayQuantity: d("0.0000"),
					HolidayRate: d("0.0000"), Surcharge: d("-0.50")}}},
			Totals: statement.Totals{Gross: d("-25.00"), Net: d("-25.00"), Parent: d("-15.00"),
				Subsidies: map[string]decimal.Decimal{"city_finance": d("-6.00"), "district_finance": d("-4.00")}}}
		sts = append(sts, adj)
	}
	err := pgdb.InTx(ctx, pool, func(tx pgx.Tx) error {
		return (&runWriter{tx: tx, districtID: seedDistrict}).Write(ctx, sts, nil)
	})
	if err != nil {
		t.Fatalf("seed statements: %v", err)
	}
	return sts
}

// seedOddRows writes rows the appenders never write but the columns allow
// (older writers, hand fixes): JSON null lists, an empty totals document,
// a detail with fields left out, keys in another order, numbers not
// quoted, escaped and non-ASCII strings, empty maps, numerics of odd scale.
func seedOddRows(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO billing.statements (district_id, school_id, statement_id, run_id, student_id, term_id,
			period_start, period_end, kind, parent_amount, total_amount, totals, revision) VALUES
		($1, $2, 'odd-1', 'run-odd', $3, $4, '2027-03-01', '2027-03-31', 'charge', 0, 0.10, '{}', 1),
		($1, $2, 'odd-2', 'run-odd', $3, $4, '2027-04-01', '2027-04-30', 'charge', -0, 1e2,
			'{"parent": "1", "gross": 2.50, "net": "2.5", "subsidies": {}, "waivers": {"a\"b": "1.00", "\u00e9": "-0.01"}, "collected_on_behalf": null}', 1),
		($1, $2, 'odd-3', 'run-odd', $3, $4, '2027-05-01', '2027-05-31', 'charge', 1, 1, 'null', 1)`,
		seedDistrict, seedSchool, seedStudent, seedTerm)
	if err != nil {
		t.Fatalf("seed odd statements: %v", err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO billing.statement_lines (district_id, school_id, statement_id, line_no, line_type, rule_id,
			document_no, name, service_kind, unit, quantity, unit_rate, gross, adjustments, net, subsidies, waivers, parent, provider_id, detail) VALUES
		($1, $2, 'odd-2', 1, 'charge', 'r', '', 'tab\there', 'k', 'day', 0, 0, 0, 'null', 0, 'null', '[]', 0, '', '{}'),
		($1, $2, 'odd-2', 2, 'charge', 'r', '', 'n', 'k', 'day', 1.5, 2.25, 3.38, '[{"amount": "-1.20", "kind": "cap"}]', 2.18,
			'[{"document_no": "x\ny", "rule_id": "s", "amount": -2, "payer_id": "p\u4e2d"}, {"payer_id": "q", "amount": "0", "category": ""}]',
			'[{"payer_id": "w", "amount": "1E1", "rule_id": "", "document_no": "", "category": "c"}]', 0.18, '', '{"days_served": 3, "surcharge": "0.5"}'),
		($1, $2, 'odd-2', 3, 'charge', 'r', '', 'n', 'k', 'day', 1, 1, 1, '[]', 1, '[]', '[]', 1, '',
			'{"days_scheduled": 1, "days_enrolled": 1, "days_cancelled": 0, "days_short": 0, "days_leave": 0, "days_served": 1, "holiday_quantity": "0", "holiday_rate": "0", "surcharge": "0", "extra": true}')`,
		seedDistrict, seedSchool)
	if err != nil {
		t.Fatalf("seed odd lines: %v", err)
	}
}

// TestReadStatementsMatchesOldDecoding reads a student's term, written by
// runWriter and by hand, with the current decoding and with the old one,
// and wants the same statements: every field, nil and empty lists and maps
// apart, decimals with the same coefficient and exponent.
func TestReadStatementsMatchesOldDecoding(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	written := seedTermStatements(t, pool, 5)
	seedOddRows(t, pool)
	where := `WHERE s.district_id = $1 AND s.school_id = $2 AND s.student_id = $3 AND s.term_id = $4`
	old, err := readStatementsOld(ctx, pool, where, seedDistrict, seedSchool, seedStudent, seedTerm)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readStatements(ctx, pool, where, seedDistrict, seedSchool, seedStudent, seedTerm)
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != len(written)+3 {
		t.Fatalf("old decoding read %d statements, want %d", len(old), len(written)+3)
	}
	if diff := cmp.Diff(old, got, exactDecimal); diff != "" {
		t.Errorf("statements differ from the old decoding (-old +new):\n%s", diff)
	}
	// The round trip itself: what a run wrote is what is read (the
	// statement's columns are its totals' parent and net).
	for i := range written {
		written[i].ParentAmount, written[i].TotalAmount = written[i].Totals.Parent, written[i].Totals.Net
	}
	byID := map[string]statement.Issued{}
	for _, s := range got {
		byID[s.StatementID] = s
	}
	for _, w := range written {
		// jsonb amounts are written with decimal.String, which drops
		// trailing zeros ("-25.00" is stored "-25"): equal values, not scales.
		if diff := cmp.Diff(w, byID[w.StatementID], cmp.Comparer(decimal.Decimal.Equal), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
			// a run writes no lists as [] and reads them back empty, not nil
			cmp.FilterPath(func(p cmp.Path) bool {
				s := p.String()
				return s == "Lines.Adjustments" || s == "Lines.Subsidies" || s == "Lines.Waivers"
			}, cmpopts.EquateEmpty())); diff != "" {
			t.Errorf("statement %s read back differs from what was written (-written +read):\n%s", w.StatementID, diff)
		}
	}
	// The odd rows: the scale of what was stored survives (0.10 stays 0.10,
	// 1e2 in numeric(14,2) is 100.00).
	odd2 := byID["odd-2"]
	if odd2.TotalAmount.String() != "100" || odd2.TotalAmount.Exponent() != -2 {
		t.Errorf("odd-2 total %s e%d, want 100.00 (exponent -2)", odd2.TotalAmount, odd2.TotalAmount.Exponent())
	}
	if l := odd2.Lines[1]; l.Gross.Exponent() != -2 || l.Quantity.Exponent() != -4 || l.Quantity.String() != "1.5" {
		t.Errorf("odd-2 line 2 gross e%d, quantity %s e%d; want exponents -2 and -4", l.Gross.Exponent(), l.Quantity, l.Quantity.Exponent())
	}
}

// TestPeriodStatementsMatchesOldDecoding: the replay's reader (statements,
// then their lines by key) decodes the same columns with the same targets;
// it too must give what the old decoding gives, for the first month (a
// charge and its adjustment statement).
func TestPeriodStatementsMatchesOldDecoding(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	written := seedTermStatements(t, pool, 2)
	_, err := pool.Exec(ctx, `INSERT INTO billing.fee_runs (district_id, school_id, run_id, request_id, term_id, period_kind,
			period_start, period_end, status, inputs, inputs_hash, create_time)
		SELECT DISTINCT $1, school_id, run_id, run_id, term_id, 'month', period_start, period_end, 'issued', '{}'::jsonb, '', issued_at
		FROM billing.statements`, seedDistrict)
	if err != nil {
		t.Fatal(err)
	}
	first := written[0]
	old, err := readStatementsOld(ctx, pool, `WHERE s.district_id = $1 AND s.school_id = $2 AND s.period_start = $3 AND s.period_end = $4`,
		seedDistrict, seedSchool, dateArg(first.From), dateArg(first.To))
	if err != nil {
		t.Fatal(err)
	}
	got, err := New(pool).PeriodStatements(ctx, seedDistrict, seedSchool, seedTerm, first.From, first.To, "run-adj")
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != 2 || len(old[0].Lines) != 6 || len(old[1].Lines) != 1 {
		t.Fatalf("old decoding read %d statements, want the charge and its adjustment", len(old))
	}
	if diff := cmp.Diff(old, got, exactDecimal); diff != "" {
		t.Errorf("period statements differ from the old decoding (-old +new):\n%s", diff)
	}
}

// BenchmarkStudentStatements reads a student's term (five monthly
// statements of six lines and a one-line adjustment statement: 31 rows) the way
// ListStudentStatements does, with the current decoding ("new") and with
// the old one ("old") on the same rows, one query per op:
//
//	go test -run x -bench StudentStatements -benchmem ./services/billing/store
func BenchmarkStudentStatements(b *testing.B) {
	pool := pgtest.Pool(b)
	seedTermStatements(b, pool, 5)
	ctx := context.Background()
	where := `WHERE s.district_id = $1 AND s.school_id = $2 AND s.student_id = $3 AND s.term_id = $4`
	for _, bc := range []struct {
		name string
		read func(context.Context, rowsQuerier, string, ...any) ([]statement.Issued, error)
	}{{"old", readStatementsOld}, {"new", readStatements}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sts, err := bc.read(ctx, pool, where, seedDistrict, seedSchool, seedStudent, seedTerm)
				if err != nil || len(sts) != 6 || len(sts[1].Lines) != 1 || len(sts[5].Lines) != 6 {
					b.Fatalf("read %d statements, %v", len(sts), err)
				}
			}
		})
	}
}
