package app_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/billing/domain/recon"
	"github.com/kehou/kehou/services/billing/store"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/shopspring/decimal"
)

func envInt(b *testing.B, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive number", name, v)
		}
		return n
	}
	return def
}

// BenchmarkReconcileDistrictTerm reconciles every school of a district for
// its term (KEHOU_BENCH_SCHOOLS, default 300; per school 200 families
// billed and paid — 5 ledger entries each — and 20 staff with 20 approved
// hours each, paid: 400 pay lines) and rolls them up, against the floor of
// reading the same rows (the term's postings and entries, pay statements
// and lines) from the same database. The fixture is written with COPY,
// outside the timing.
//
//	go test -run x -bench ReconcileDistrictTerm -benchtime 1x -timeout 30m ./services/billing/app
func BenchmarkReconcileDistrictTerm(b *testing.B) {
	schools := envInt(b, "KEHOU_BENCH_SCHOOLS", 300)
	const students, staff, sessions = 200, 20, 20
	for range b.N {
		b.StopTimer()
		db := pgtest.Pool(b)
		st := store.New(db)
		feed := &fakeFeed{district: "350501", schools: schools, students: 1}
		if _, err := st.CreateRateTable(context.Background(), benchPayTable("350501")); err != nil {
			b.Fatal(err)
		}
		hours := newFakeHours("350501", staff, sessions)
		reconFixture(b, db, feed, hours, students)
		rc := app.NewReconciliation(st, feed, app.NewPayRuns(st, feed, feed, hours))
		b.StartTimer()
		t0 := time.Now()
		reports := make([]recon.Report, 0, schools)
		for i := range schools {
			r, err := rc.School(context.Background(), app.ReconRequest{SchoolID: feed.schoolID(i), TermID: "term-2024-1"})
			if err != nil {
				b.Fatal(err)
			}
			reports = append(reports, r.Report)
		}
		total := recon.RollUp(reports)
		e2e := time.Since(t0)
		b.StopTimer()
		if len(total.Discrepancies) != 0 {
			b.Fatalf("%d discrepancies in a consistent district, first %+v", len(total.Discrepancies), total.Discrepancies[0])
		}
		wantPay := decimal.NewFromInt(int64(schools) * (18*3000 + 2*3600))
		if !total.Spending.Pay.Equal(wantPay) || !total.Income.Total.Equal(decimal.NewFromInt(int64(schools*students*600))) {
			b.Fatalf("roll-up pay %s income %s, want %s and %d", total.Spending.Pay, total.Income.Total, wantPay, schools*students*600)
		}
		read := reconReadFloor(b, db)
		b.ReportMetric(e2e.Seconds(), "e2e-s")
		b.ReportMetric(read.Seconds(), "read-s")
		b.ReportMetric(e2e.Seconds()/read.Seconds(), "x-read")
		b.Logf("%d schools (%d entries, %d pay lines): reconcile %s; floor: read the rows %s (%.2fx)",
			schools, schools*students*5, schools*staff*sessions, e2e, read, e2e.Seconds()/read.Seconds())
	}
}

// reconFixture COPYs a consistent term for every school: the charge and
// payment postings of each family, and a paid pay run of the approved hours
// the fake feed reports (the amounts the bench table pays them).
func reconFixture(b *testing.B, db *pgxpool.Pool, feed *fakeFeed, hours *fakeHours, students int) {
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	copyRows := func(table string, cols []string, rows [][]any) {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"billing", table}, cols, pgx.CopyFromRows(rows)); err != nil {
			b.Fatalf("copy %s: %v", table, err)
		}
	}
	d := "350501"
	charge, paid := time.Date(2024, 9, 2, 0, 0, 0, 0, time.UTC), time.Date(2024, 9, 10, 0, 0, 0, 0, time.UTC)
	for i := range feed.schools {
		sch := feed.schoolID(i)
		var postings, entries, runs, sts, lines [][]any
		for s := range students {
			stu := fmt.Sprintf("stu-%04d-%04d", i, s)
			postings = append(postings, []any{d, sch, "chg-" + stu, "charge", "chg-" + stu, charge}, []any{d, sch, "pay-" + stu, "payment", "pay-" + stu, paid})
			entries = append(entries,
				[]any{d, sch, "chg-" + stu, int32(1), "receivable:parent:" + stu, "600.00"},
				[]any{d, sch, "chg-" + stu, int32(2), "receivable:payer:city", "400.00"},
				[]any{d, sch, "chg-" + stu, int32(3), "income:school", "-1000.00"},
				[]any{d, sch, "pay-" + stu, int32(1), "cash:wechat", "600.00"},
				[]any{d, sch, "pay-" + stu, int32(2), "receivable:parent:" + stu, "-600.00"})
		}
		run := "payrun-" + sch
		runs = append(runs, []any{d, sch, run, run, "h", int32(2024), int32(9), "full"})
		byStaff := map[string][]int{}
		hs := hours.hours(sch)
		for k, h := range hs {
			byStaff[h.StaffID] = append(byStaff[h.StaffID], k)
		}
		for p := range hours.staff {
			id := fmt.Sprintf("stf-%05d", p)
			stmt := "ps-" + sch + "-" + id
			kind, tag, earned, pay, held, amount := "teacher", "outside_performance_total", "3240.00", "3000.00", "240.00", "162.00"
			if p%10 == 9 {
				kind, tag, earned, pay, held, amount = "outside_instructor", "labour_fee", "3600.00", "3600.00", "0.00", "180.00"
			}
			sts = append(sts, []any{d, sch, stmt, run, id, kind, int32(2024), int32(9), int32(1), "pay", earned, pay, held,
				fmt.Sprintf(`[{"Treatment":%q,"Amount":%q}]`, tag, pay), "hash"})
			for n, k := range byStaff[id] {
				h := hs[k]
				lines = append(lines, []any{d, sch, stmt, int32(n + 1), "session", h.RecordID, h.AssignmentID, tag, amount, "{}"})
			}
		}
		copyRows("postings", []string{"district_id", "school_id", "posting_id", "kind", "reference", "effective_date"}, postings)
		copyRows("entries", []string{"district_id", "school_id", "posting_id", "line", "account", "amount"}, entries)
		copyRows("pay_runs", []string{"district_id", "school_id", "run_id", "request_id", "request_hash", "year", "month", "mode"}, runs)
		copyRows("pay_statements", []string{"district_id", "school_id", "statement_id", "run_id", "staff_id", "staff_kind", "year", "month",
			"revision", "kind", "earned", "paid", "held_back", "by_treatment", "content_hash"}, sts)
		copyRows("pay_lines", []string{"district_id", "school_id", "statement_id", "line_no", "kind", "record_id", "assignment_id",
			"treatment", "amount", "body"}, lines)
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE billing.postings, billing.entries, billing.pay_statements, billing.pay_lines`); err != nil {
		b.Fatal(err)
	}
}

// reconReadFloor reads every row a district term's reconciliation reads:
// the postings with their entries, the pay statements and the pay lines,
// amounts decoded into decimals as the store decodes them.
func reconReadFloor(b *testing.B, db *pgxpool.Pool) time.Duration {
	ctx := context.Background()
	var s1, s2, s3, s4 string
	var amt decimal.Decimal
	var raw []byte
	queries := []struct {
		sql  string
		dest []any
	}{
		{`SELECT p.kind, e.account, e.amount FROM billing.postings p JOIN billing.entries e
			ON e.district_id = p.district_id AND e.school_id = p.school_id AND e.posting_id = p.posting_id
			WHERE p.district_id = '350501' AND p.effective_date BETWEEN '2024-09-02' AND '2024-09-27'`, []any{&s1, &s2, &amt}},
		{`SELECT statement_id, staff_id, staff_kind, paid, by_treatment FROM billing.pay_statements WHERE district_id = '350501'`,
			[]any{&s1, &s2, &s3, &amt, &raw}},
		{`SELECT statement_id, kind, record_id, assignment_id, amount FROM billing.pay_lines WHERE district_id = '350501'`,
			[]any{&s1, &s2, &s3, &s4, &amt}},
	}
	t0 := time.Now()
	for _, q := range queries {
		rows, err := db.Query(ctx, q.sql)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		if _, err := pgx.ForEachRow(rows, q.dest, func() error { n++; return nil }); err != nil || n == 0 {
			b.Fatalf("floor read %d rows: %v", n, err)
		}
	}
	return time.Since(t0)
}
