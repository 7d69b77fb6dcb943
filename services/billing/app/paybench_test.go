package app_test

import (
	"context"
	"fmt"
	"github.com/kehou/kehou/services/platform/civil"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/store"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/shopspring/decimal"
)

// fakeHours is staffing's approved-hours feed, made up: every school has
// staff people with sessions each in September 2024, all approved and
// locked (care 15:30–17:00, split at 16:30 by the bench table's blocks,
// 162.00 each; every tenth person an outside instructor, 180.00).
type fakeHours struct {
	district        string
	staff, sessions int
}

func newFakeHours(district string, staff, sessions int) *fakeHours {
	return &fakeHours{district: district, staff: staff, sessions: sessions}
}

func (f *fakeHours) hours(school string) []facts.Hours {
	out := make([]facts.Hours, 0, f.staff*f.sessions)
	for p := range f.staff {
		kind, role := "teacher", "supervisor"
		if p%10 == 9 {
			kind, role = "outside_instructor", "instructor"
		}
		for i := range f.sessions {
			day := 2 + i%20
			out = append(out, facts.Hours{RecordID: fmt.Sprintf("hr-%05d-%02d", p, i), AssignmentID: fmt.Sprintf("asg-%05d-%02d", p, i),
				StaffID: fmt.Sprintf("stf-%05d", p), StaffKind: kind, DistrictID: f.district, SchoolID: school,
				Date: time.Date(2024, 9, day, 0, 0, 0, 0, time.UTC), Role: role, Duty: "taught", Status: "locked",
				ScheduledMinutes: 90, ActualMinutes: 90, CreditedMinutes: 90, Periods: decimal.RequireFromString("2.25"), PeriodMinutes: 40,
				Students: 35, StartMinute: 930, EndMinute: 1020})
		}
	}
	return out
}

func (f *fakeHours) MonthHours(_ context.Context, school string, _ int, _ time.Month) ([]facts.Hours, []facts.Pending, error) {
	return f.hours(school), nil, nil
}

func (f *fakeHours) StaffMember(_ context.Context, _, staffID string) (facts.Member, error) {
	return facts.Member{StaffID: staffID, StaffKind: "teacher"}, nil
}

func benchPayTable(district string) pay.RateTable {
	d := decimal.RequireFromString
	return pay.RateTable{ID: "kc-bench", Version: 1, Scope: fee.Scope{DistrictID: district}, Name: "课后服务课酬标准", DocumentNo: "基准〔2024〕1号",
		EffectiveFrom: civil.New(2024, 9, 1),
		Rules: []pay.Rule{
			{RuleID: "outside", StaffKinds: []string{"outside_instructor"}, Unit: pay.PerPeriod, Rate: d("80"), Treatment: pay.LabourFee},
			{RuleID: "care", Roles: []string{"supervisor"}, Unit: pay.PerMinute, WindowFrom: 930, WindowTo: 1110,
				Blocks: []pay.Block{{From: 930, To: 990, Rate: d("1.7")}, {From: 990, To: 1110, Rate: d("2")}}, Treatment: pay.OutsideTotal},
		},
		Caps: []pay.Cap{{RuleID: "cap-teacher", StaffKind: "teacher", PerMonth: decimal.NewNullDecimal(d("3000"))}},
	}
}

// benchStaff is the number of people of BenchmarkPayRun:
// KEHOU_BENCH_STAFF, default 10,000 (acceptance 5: 10,000 staff-months).
func benchStaff(b *testing.B) int {
	n := 10000
	if v := os.Getenv("KEHOU_BENCH_STAFF"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("KEHOU_BENCH_STAFF=%q: want a positive number", v)
		}
	}
	return n
}

// BenchmarkPayRun issues a remuneration run of N staff-months (20 sessions
// each, a time-block split on every session, a tenth outside instructors)
// into a fresh database through the use case and the real store, then, in
// the same database, measures the floor: reading back the rows the run
// wrote (statements and lines: as many rows as its input records, decoded
// as the store decodes them) and COPY of as many rows of the same shape
// into each table it wrote (statements, lines, postings, entries), rolled
// back. Reported as ratios of the same run (docs/scaling.md):
//
//	make bench-pay    # KEHOU_BENCH_STAFF=10000 go test -run '^$' -bench PayRun -benchtime 1x -timeout 30m ./services/billing/app
func BenchmarkPayRun(b *testing.B) {
	n := benchStaff(b)
	for range b.N {
		b.StopTimer()
		db := pgtest.Pool(b)
		st := store.New(db)
		feed := &fakeFeed{district: "350501", schools: 1, students: 1}
		school := feed.schoolID(0)
		if _, err := st.CreateRateTable(context.Background(), benchPayTable("350501")); err != nil {
			b.Fatal(err)
		}
		runs := app.NewPayRuns(st, feed, feed, newFakeHours("350501", n, 20))
		runtime.GC()
		var peak atomic.Uint64
		stop := make(chan struct{})
		go peakHeap(stop, &peak)
		b.StartTimer()
		t0 := time.Now()
		run, _, err := runs.CreateRun(context.Background(), app.PayRunRequest{SchoolID: school, RequestID: "bench", Year: 2024, Month: 9})
		e2e := time.Since(t0)
		b.StopTimer()
		close(stop)
		if err != nil {
			b.Fatal(err)
		}
		if run.Statements != n {
			b.Fatalf("issued %d statements, want %d", run.Statements, n)
		}
		read := readFloor(b, db)
		write := payCopyFloor(b, db)
		// The replay of the run from its stored inputs (VerifyPayRun), outside the timed run.
		t1 := time.Now()
		v, err := runs.VerifyRun(context.Background(), school, run.ID)
		verify := time.Since(t1)
		if err != nil {
			b.Fatal(err)
		}
		if !v.Identical() {
			b.Fatalf("verify of the %d-person run: hash matches %v, %d differing", n, v.HashMatches, len(v.Differing))
		}
		b.ReportMetric(verify.Seconds(), "verify-s")
		// Paying the month (a disbursement line a person and the payment's
		// posting, an entry a person), after the floors so they do not count it.
		t2 := time.Now()
		d, _, err := runs.PayMonth(context.Background(), school, "bench-pay", 2024, 9, "bank")
		payMonth := time.Since(t2)
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Payments) != n || !d.Total.Equal(run.Paid) {
			b.Fatalf("paid %d people %s, want %d and the run's %s", len(d.Payments), d.Total, n, run.Paid)
		}
		b.ReportMetric(payMonth.Seconds(), "pay-month-s")
		b.ReportMetric(e2e.Seconds(), "e2e-s")
		b.ReportMetric(read.Seconds(), "read-s")
		b.ReportMetric(write.Seconds(), "copy-s")
		b.ReportMetric(e2e.Seconds()/(read+write).Seconds(), "x-read+copy")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(e2e.Nanoseconds())/float64(n), "e2e-ns/staff-month")
		b.Logf("N=%d staff-months, %d lines, %d entries: run %s; floor: read %s + COPY %s = %s (%.2fx); peak heap %.1f MB; verify by replay %s, identical; paying the month %s",
			n, n*20, run.Statements+2, e2e, read, write, read+write, e2e.Seconds()/(read+write).Seconds(), float64(peak.Load())/(1<<20), verify, payMonth)
	}
}

// readFloor reads every pay statement and line the run wrote, decoding the
// columns the run writes (numerics into decimals, the line bodies as bytes).
func readFloor(b *testing.B, db *pgxpool.Pool) time.Duration {
	ctx := context.Background()
	t0 := time.Now()
	var n int
	for _, q := range []string{
		`SELECT statement_id, staff_id, earned, paid, held_back, by_treatment FROM billing.pay_statements`,
		`SELECT statement_id, line_no, record_id, amount, body FROM billing.pay_lines`,
	} {
		rows, err := db.Query(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		var s1, s2 string
		var d1, d2, d3 decimal.Decimal
		var raw []byte
		var ln int
		for rows.Next() {
			if len(rows.FieldDescriptions()) == 6 {
				err = rows.Scan(&s1, &s2, &d1, &d2, &d3, &raw)
			} else {
				err = rows.Scan(&s1, &ln, &s2, &d1, &raw)
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
	}
	if n == 0 {
		b.Fatal("read nothing")
	}
	return time.Since(t0)
}

// payCopyFloor times COPY of as many rows as the run wrote into its
// tables — pay statements and lines, and the ledger's postings and entries
// (the accrual) — each a copy of one it wrote with a fresh key, children
// spread over the floor's parents as the run's were, rolled back.
func payCopyFloor(b *testing.B, db *pgxpool.Pool) time.Duration {
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var total time.Duration
	// parent is the table whose rows a child's rows are spread over; key
	// names the key column, sub the per-parent number, other a second
	// unique column (a statement's staff id) to refresh.
	tables := []struct{ name, order, parent, key, sub, other string }{
		{"pay_statements", "statement_id", "", "statement_id", "", "staff_id"},
		{"pay_lines", "statement_id, line_no", "pay_statements", "statement_id", "line_no", ""},
		{"postings", "posting_id", "", "posting_id", "", ""},
		{"entries", "posting_id, line", "postings", "posting_id", "line", ""},
	}
	counts := map[string]int{}
	for _, t := range tables {
		var count int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM billing."+t.name).Scan(&count); err != nil {
			b.Fatal(err)
		}
		counts[t.name] = count
		if count == 0 {
			b.Fatalf("the run wrote no rows into %s", t.name)
		}
		rows, err := tx.Query(ctx, "SELECT * FROM billing."+t.name+" ORDER BY "+t.order+" LIMIT 1")
		if err != nil {
			b.Fatal(err)
		}
		var cols []string
		idx := map[string]int{}
		for i, fd := range rows.FieldDescriptions() {
			cols = append(cols, fd.Name)
			idx[fd.Name] = i
		}
		if !rows.Next() {
			b.Fatalf("no rows in %s", t.name)
		}
		tmpl, err := rows.Values()
		rows.Close()
		if err != nil {
			b.Fatal(err)
		}
		perParent := 1
		if t.parent != "" {
			perParent = (count + counts[t.parent] - 1) / counts[t.parent]
		}
		row := make([]any, len(tmpl))
		k := 0
		t0 := time.Now()
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"billing", t.name}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if k == count {
				return nil, nil
			}
			copy(row, tmpl)
			row[idx[t.key]] = "floor-" + strconv.Itoa(k/perParent)
			if t.sub != "" {
				row[idx[t.sub]] = int32(k%perParent + 1)
			}
			if t.other != "" {
				row[idx[t.other]] = "floor-" + strconv.Itoa(k)
			}
			k++
			return row, nil
		}))
		if err != nil {
			b.Fatalf("copy %s: %v", t.name, err)
		}
		total += time.Since(t0)
	}
	return total
}
