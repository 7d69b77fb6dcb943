package app

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	imports "github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/shopspring/decimal"
)

// sheetOf writes rows under the layout's headers as a CSV and opens it
// with the shared reader, as an upload is read.
func sheetOf(t *testing.T, cols []column, rows []keyed) *sheet.Reader {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.Chinese
	}
	_ = w.Write(head)
	for _, r := range rows {
		_ = w.Write(r.cells)
	}
	w.Flush()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	rd, err := sheet.Open(path, fields(cols), sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rd.Close() })
	return rd
}

// The template's example schedule reads back as itself, and passes the
// schedule's own validation.
func TestFeeRowsReadBack(t *testing.T) {
	want := exampleSchedule("350402", "")
	rows := feeRows(want)
	var rep imports.Report
	groups, err := groupRows(sheetOf(t, feeColumns, rows), feeColumns, []int{fcSchool, fcFrom, fcDoc}, &rep, 100, "fee schedule", "收费标准")
	if err != nil || len(groups) != 1 {
		t.Fatalf("groups %d, %v", len(groups), err)
	}
	v, clean, ok := readFeeVersion(&rep, groups[0], ImportOptions{DistrictID: "350402"})
	if !clean || !ok || rep.Rejected != 0 {
		t.Fatalf("read: %+v", rep.Errors)
	}
	v.s.Version = 1
	if err := v.s.Validate(); err != nil {
		t.Fatalf("example does not validate: %v", err)
	}
	if !slices.EqualFunc(feeRows(v.s), rows, func(a, b keyed) bool { return a.id == b.id && slices.Equal(a.cells, b.cells) }) {
		t.Errorf("read back differs:\n%q\n%q", feeRows(v.s), rows)
	}
}

// The rate example likewise, blocks joined to their rule.
func TestRateRowsReadBack(t *testing.T) {
	want := exampleRateTable("350402", "s1")
	rows := rateRows(want)
	var rep imports.Report
	groups, err := groupRows(sheetOf(t, rateColumns, rows), rateColumns, []int{rcSchool, rcFrom, rcDoc}, &rep, 100, "rate table", "课酬标准")
	if err != nil || len(groups) != 1 {
		t.Fatalf("groups %d, %v", len(groups), err)
	}
	v, clean, ok := readRateVersion(&rep, groups[0], ImportOptions{DistrictID: "350402", SchoolID: "s1"})
	if !clean || !ok {
		t.Fatalf("read: %+v", rep.Errors)
	}
	if err := v.t.Validate(); err != nil {
		t.Fatalf("example does not validate: %v", err)
	}
	if len(v.t.Rules[1].Blocks) != 2 || !slices.EqualFunc(rateRows(v.t), rows, func(a, b keyed) bool { return a.id == b.id && slices.Equal(a.cells, b.cells) }) {
		t.Errorf("read back differs:\n%q\n%q", rateRows(v.t), rows)
	}
}

// A version-wide cell filled differently on two rows of a version is an
// error on the later row, and keeps the version from being written.
func TestVersionCellsMustAgree(t *testing.T) {
	rows := feeRows(exampleSchedule("350402", ""))
	rows[2].cells[fcTo] = "2027-06-30"
	var rep imports.Report
	groups, _ := groupRows(sheetOf(t, feeColumns, rows), feeColumns, []int{fcSchool, fcFrom, fcDoc}, &rep, 100, "fee schedule", "收费标准")
	if len(rep.Errors) != 1 || rep.Errors[0].Row != 4 || rep.Errors[0].Column != "失效日期" || !strings.Contains(rep.Errors[0].ReasonZh, "第 2 行") {
		t.Fatalf("errors %+v", rep.Errors)
	}
	if _, clean, _ := readFeeVersion(&rep, groups[0], ImportOptions{DistrictID: "350402"}); clean {
		t.Error("a version with disagreeing cells reads as clean")
	}
}

// Every field the validators name lands on the column that holds it, not
// on the row-type column the mapping falls back to.
func TestViolationsLandOnTheirColumns(t *testing.T) {
	d := decimal.RequireFromString
	s := exampleSchedule("350402", "")
	s.BillingMode, s.RoundingRule, s.Calendar.DaysPerMonth, s.Proration.Boundary = "weekly", "x", d("40"), "z"
	s.Items[0].Unit, s.Items[0].Rate, s.Items[0].CapPerDay = "per_week", d("-1"), decimal.NewNullDecimal(d("0"))
	s.Subsidies[0].Payers[1].Ratio, s.Subsidies[0].Items = d("5"), []string{"nope"}
	s.Waivers[0].Category, s.Waivers[0].Percent, s.Waivers[0].PayerID = "rich", d("2"), ""
	g := &rowSet{rows: []sheet.Row{{Line: 2, Values: make([]string, len(feeColumns))}, {Line: 3, Values: make([]string, len(feeColumns))},
		{Line: 4, Values: make([]string, len(feeColumns))}}, headAt: []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}}
	for len(g.headAt) < len(feeColumns) {
		g.headAt = append(g.headAt, 2)
	}
	v := &feeVersion{g: g, s: s, items: []int{2}, subsidies: []int{3}, waivers: []int{4}}
	var rep imports.Report
	v.reject(&rep, s.Validate())
	if len(rep.Errors) < 10 {
		t.Fatalf("only %d errors: %+v", len(rep.Errors), rep.Errors)
	}
	for _, e := range rep.Errors {
		if e.Column == "记录类型" || e.ReasonZh == "" {
			t.Errorf("%+v landed on no column of its own", e)
		}
	}
	rt := exampleRateTable("350402", "")
	rt.Rules[0].Unit, rt.Rules[1].Blocks[1].Rate, rt.Multipliers["taught"] = "per_week", d("-1"), d("20")
	rt.Caps[0].PerMonth = decimal.NewNullDecimal(d("-5"))
	lines := func(n int) []sheet.Row {
		out := make([]sheet.Row, n)
		for i := range out {
			out[i] = sheet.Row{Line: i + 2, Values: make([]string, len(rateColumns))}
		}
		return out
	}
	rg := &rowSet{rows: lines(9), headAt: make([]int, len(rateColumns))}
	rv := &rateVersion{g: rg, t: rt, rules: []int{2, 3}, blocks: [][]int{nil, {4, 5}}, multipliers: map[string]int{"supervision_only": 6, "taught": 10},
		teacher: 7, mgr: 8, caps: []int{9}}
	rep = imports.Report{}
	rv.reject(&rep, rt.Validate())
	want := map[int]string{2: "计酬单位", 5: "单价", 10: "系数", 9: "每月上限"}
	for _, e := range rep.Errors {
		if want[e.Row] != e.Column {
			t.Errorf("%+v, want row %d on %s", e, e.Row, want[e.Row])
		}
	}
	if len(rep.Errors) != len(want) {
		t.Errorf("errors %+v, want %v", rep.Errors, want)
	}
}
