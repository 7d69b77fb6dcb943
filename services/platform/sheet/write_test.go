package sheet_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kehou/kehou/services/platform/sheet"
)

var payCols = []sheet.Column{
	{Header: "工号", Kind: sheet.Text},
	{Header: "姓名", Kind: sheet.Text},
	{Header: "日期", Kind: sheet.Date},
	{Header: "课时", Kind: sheet.Count},
	{Header: "金额", Kind: sheet.Amount},
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// writeSample writes two sheets: pay lines with a total, and a summary.
func writeSample(t *testing.T, f sheet.Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := sheet.NewWriter(&buf, f)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Sheet("课酬明细", payCols))
	must(w.Row(sheet.S("0012"), sheet.S("张老师"), sheet.D(day("2026-03-02")), sheet.N(2), sheet.A(dec("120.10"))))
	must(w.Row(sheet.S("0013"), sheet.S("李老师"), sheet.D(day("2026-03-07")), sheet.N(3), sheet.A(dec("0.20"))))
	must(w.Row(sheet.S("0014"), sheet.S("王,\"外聘\""), sheet.Blank(), sheet.N(1), sheet.A(dec("99999999999.99"))))
	must(w.Total("合计"))
	must(w.Sheet("汇总", []sheet.Column{{Header: "项目", Kind: sheet.Text}, {Header: "金额", Kind: sheet.Amount}}))
	must(w.Row(sheet.S("课酬"), sheet.A(dec("100000000120.29"))))
	must(w.Total("合计"))
	must(w.Close())
	return buf.Bytes()
}

func TestXLSXReadsBack(t *testing.T) {
	data := writeSample(t, sheet.XLSX)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	if diff := cmp.Diff([]string{"课酬明细", "汇总"}, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	rows, err := f.GetRows("课酬明细")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"工号", "姓名", "日期", "课时", "金额"},
		{"0012", "张老师", "2026-03-02", "2", "120.10"},
		{"0013", "李老师", "2026-03-07", "3", "0.20"},
		{"0014", "王,\"外聘\"", "", "1", "99999999999.99"},
		{"合计", "", "", "6", "100000000120.29"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("formatted rows (-want +got):\n%s", diff)
	}
	// The stored values: amounts and counts are numbers with the decimal's
	// digits, dates are date serials, IDs stay text.
	raw, err := f.GetRows("课酬明细", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := raw[1][2]; got != "46083" { // 2026-03-02 as an Excel serial
		t.Errorf("date cell raw = %q, want the serial 46083", got)
	}
	if got := raw[1][4]; got != "120.1" {
		t.Errorf("amount raw = %q, want 120.1", got)
	}
	if got := raw[4][4]; got != "100000000120.29" {
		t.Errorf("total raw = %q", got)
	}
	for cell, want := range map[string]excelize.CellType{
		"A2": excelize.CellTypeInlineString, "C2": excelize.CellTypeUnset,
		"D2": excelize.CellTypeUnset, "E2": excelize.CellTypeUnset,
	} {
		got, err := f.GetCellType("课酬明细", cell)
		if err != nil || got != want {
			t.Errorf("type of %s = %v (%v), want %v", cell, got, err, want)
		}
	}
	for cell, want := range map[string]string{"E2": "0.00", "E5": "0.00", "C2": "yyyy-mm-dd"} {
		id, err := f.GetCellStyle("课酬明细", cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if st.CustomNumFmt != nil {
			got = *st.CustomNumFmt
		} else if st.NumFmt == 2 {
			got = "0.00"
		}
		if got != want {
			t.Errorf("number format of %s = %q (NumFmt %d), want %q", cell, got, st.NumFmt, want)
		}
	}
	for _, name := range f.GetSheetList() {
		p, err := f.GetPanes(name)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("sheet %s panes = %+v, want the header row frozen", name, p)
		}
	}
	sum, err := f.GetRows("汇总")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{{"项目", "金额"}, {"课酬", "100000000120.29"}, {"合计", "100000000120.29"}}, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	openWithLibreOffice(t, data)
}

// openWithLibreOffice converts the workbook to CSV with LibreOffice when it
// is installed (apt-get install libreoffice-calc-nogui): a real office
// program must read it. Without it the check says so in the log.
func openWithLibreOffice(t *testing.T, data []byte) {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Log("LibreOffice not installed: the workbook was read back with excelize only")
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "pay.xlsx")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+dir+"/profile",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("LibreOffice: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "pay.csv"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no CSV: %v", err)
	}
	if !strings.Contains(string(got), "合计") || !strings.Contains(string(got), "100000000120.29") {
		t.Errorf("LibreOffice read:\n%s", got)
	}
}

func TestCSV(t *testing.T) {
	want := strings.Join([]string{
		"工号,姓名,日期,课时,金额",
		"0012,张老师,2026-03-02,2,120.10",
		"0013,李老师,2026-03-07,3,0.20",
		`0014,"王,""外聘""",,1,99999999999.99`,
		"合计,,,6,100000000120.29",
		"",
		"汇总",
		"项目,金额",
		"课酬,100000000120.29",
		"合计,100000000120.29",
		"",
	}, "\n")
	t.Run("utf8 with BOM", func(t *testing.T) {
		got := writeSample(t, sheet.CSV)
		if !bytes.HasPrefix(got, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("no BOM: % x", got[:3])
		}
		if diff := cmp.Diff(want, string(got[3:])); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("gb18030", func(t *testing.T) {
		got := writeSample(t, sheet.CSVGB18030)
		if bytes.HasPrefix(got, []byte("\xEF\xBB\xBF")) {
			t.Error("GB18030 file starts with a UTF-8 BOM")
		}
		if !bytes.Contains(got, []byte{0xD5, 0xC5}) { // 张 in GB18030
			t.Errorf("张 not encoded as GB18030: % x", got[:40])
		}
		text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(got)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, string(text)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func TestRowShape(t *testing.T) {
	for _, f := range []sheet.Format{sheet.XLSX, sheet.CSV} {
		var buf bytes.Buffer
		w, err := sheet.NewWriter(&buf, f)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Row(sheet.S("x")); !errors.Is(err, sheet.ErrShape) {
			t.Errorf("format %d: row before a sheet: %v", f, err)
		}
		if err := w.Sheet("s", payCols); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			give []sheet.Value
		}{
			{"too few", []sheet.Value{sheet.S("a")}},
			{"amount in a text column", []sheet.Value{sheet.A(dec("1")), sheet.S("b"), sheet.Blank(), sheet.N(1), sheet.A(dec("1"))}},
			{"text in an amount column", []sheet.Value{sheet.S("a"), sheet.S("b"), sheet.Blank(), sheet.N(1), sheet.S("1.00")}},
		}
		for _, tt := range tests {
			if err := w.Row(tt.give...); !errors.Is(err, sheet.ErrShape) {
				t.Errorf("format %d, %s: err = %v, want ErrShape", f, tt.name, err)
			}
		}
		// Refused rows do not count in the totals.
		if err := w.Total("合计"); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if f == sheet.CSV && !strings.HasSuffix(buf.String(), "合计,,,0,0.00\n") {
			t.Errorf("totals after refused rows: %q", buf.String())
		}
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		give string
		want sheet.Format
		ok   bool
	}{
		{"", sheet.XLSX, true}, {"xlsx", sheet.XLSX, true}, {"csv", sheet.CSV, true},
		{"csv-gb18030", sheet.CSVGB18030, true}, {"pdf", 0, false},
	}
	for _, tt := range tests {
		got, ok := sheet.ParseFormat(tt.give)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v, %v", tt.give, got, ok, tt.want, tt.ok)
		}
	}
	if ct := sheet.CSVGB18030.ContentType(); ct != "text/csv; charset=GB18030" {
		t.Errorf("content type %q", ct)
	}
}
