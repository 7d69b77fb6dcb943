package sheet

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var cols = []Field{
	{Chinese: "学籍号", English: "Student number", Required: true},
	{Chinese: "姓名", English: "Name", Required: true},
	{Chinese: "出生日期", English: "Birth date"},
}

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func readAll(t *testing.T, path string, opts ReadOptions) (*Reader, []Row) {
	t.Helper()
	r, err := Open(path, cols, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer r.Close()
	var rows []Row
	for r.Next() {
		rows = append(rows, r.Row())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if f := r.Fraction(); f != 1 {
		t.Errorf("fraction at the end = %v, want 1", f)
	}
	return r, rows
}

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCSVEncodings(t *testing.T) {
	text := "学籍号,姓名\nG350402201601010011,张三\n\nG350402201601010012,\"李,四\"\n"
	cases := []struct {
		name, enc string
		body      []byte
		want      string
	}{
		{"utf-8", "", []byte(text), EncodingUTF8},
		{"utf-8 with BOM", "", append([]byte{0xEF, 0xBB, 0xBF}, text...), EncodingUTF8},
		{"gbk detected", "", gbk(t, text), EncodingGB18030},
		{"gbk declared", "GBK", gbk(t, text), EncodingGB18030},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, rows := readAll(t, write(t, "a.csv", c.body), ReadOptions{Encoding: c.enc})
			if r.Encoding != c.want || r.Format != "csv" {
				t.Errorf("read as %s %s, want csv %s", r.Format, r.Encoding, c.want)
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2 (the blank line skipped): %v", len(rows), rows)
			}
			if rows[0].Line != 2 || rows[1].Line != 4 {
				t.Errorf("lines %d, %d, want 2, 4", rows[0].Line, rows[1].Line)
			}
			if rows[0].Values[1] != "张三" || rows[1].Values[1] != "李,四" || rows[1].Values[2] != "" {
				t.Errorf("values %q %q", rows[0].Values, rows[1].Values)
			}
		})
	}
}

// A GBK file whose only non-ASCII bytes come late still reads as GBK when
// declared; undeclared, the detection window decides.
func TestGBKNameAfterManyRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("Student number,name,BIRTH_DATE\n")
	for range 5000 {
		b.WriteString("G1,Zhang San,2016-09-01\n")
	}
	b.WriteString("G2,王小明,2016/9/1\n")
	r, rows := readAll(t, write(t, "late.csv", gbk(t, b.String())), ReadOptions{Encoding: "gb18030"})
	if got := rows[len(rows)-1].Values[1]; got != "王小明" || r.Encoding != EncodingGB18030 {
		t.Errorf("last name %q (%s)", got, r.Encoding)
	}
}

func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"姓名", "学籍号 *", "Birth Date"})
	_ = sw.SetRow("A2", []any{"张三", "G350402201601010011", 42614})
	_ = sw.SetRow("A4", []any{"李四", 13812341234, "2016-09-01"})
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "a.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	r, rows := readAll(t, p, ReadOptions{})
	if r.Format != "xlsx" || len(rows) != 2 {
		t.Fatalf("%s, %d rows: %v", r.Format, len(rows), rows)
	}
	if rows[0].Values[0] != "G350402201601010011" || rows[0].Values[1] != "张三" || rows[1].Line != 4 {
		t.Errorf("rows %v", rows)
	}
	if rows[1].Values[0] != "13812341234" {
		t.Errorf("a number cell lost digits: %q", rows[1].Values[0])
	}
	d, ok := ParseDate(rows[0].Values[2])
	if !ok || d.Format(time.DateOnly) != "2016-09-01" {
		t.Errorf("date cell %q read as %v %v", rows[0].Values[2], d, ok)
	}
}

func TestRefusals(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
	cases := []struct {
		name string
		body []byte
		kind error
		says string
	}{
		{"empty", nil, ErrEmpty, "empty"},
		{"only a BOM and blank lines", []byte("\xEF\xBB\xBF\n\n"), ErrEmpty, "no header"},
		{"header only", []byte("学籍号,姓名\n"), ErrEmpty, "no data rows"},
		{"png", png, ErrNotSpreadsheet, "not a spreadsheet"},
		{"old xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), ErrNotSpreadsheet, ".xls"},
		{"broken zip", []byte("PK\x03\x04garbage"), ErrNotSpreadsheet, ".xlsx"},
		{"missing column", []byte("学籍号,年级\nG1,3\n"), ErrHeader, "missing column(s) Name"},
		{"unknown column", []byte("学籍号,姓名,身高\nG1,张三,130\n"), ErrHeader, "unknown column(s) 身高"},
		{"repeated column", []byte("学籍号,姓名,Name\nG1,张三,张三\n"), ErrHeader, "repeated column(s) Name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(write(t, "f", c.body), cols, ReadOptions{})
			var se *Error
			if !errors.Is(err, c.kind) || !errors.As(err, &se) || !strings.Contains(err.Error(), c.says) || se.ReasonZh == "" {
				t.Fatalf("err = %v, want %v saying %q with a Chinese reason", err, c.kind, c.says)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{"2016-09-01": "2016-09-01", "2016/9/1": "2016-09-01", "2016.9.1": "2016-09-01",
		"20160901": "2016-09-01", "2016年9月1日": "2016-09-01", "42614": "2016-09-01"} {
		if d, ok := ParseDate(in); !ok || d.Format(time.DateOnly) != want {
			t.Errorf("ParseDate(%q) = %v %v, want %s", in, d, ok, want)
		}
	}
	for _, in := range []string{"", "2016-13-01", "2016-02-30", "九月一日", "0", "01/09/2016x", "20161301"} {
		if d, ok := ParseDate(in); ok {
			t.Errorf("ParseDate(%q) = %v, want refused", in, d)
		}
	}
}

// Undeclared, a GBK name after the detection window is not silently
// garbled: the row is refused with advice to declare the encoding.
func TestLateGBKUndeclared(t *testing.T) {
	var b strings.Builder
	b.WriteString("学籍号,姓名\n")
	for range 6000 { // past the 64 KiB detection window
		b.WriteString("G1,Zhang San\n")
	}
	b.WriteString("G2,")
	body := append([]byte(b.String()), gbk(t, "王小明\n")...)
	r, err := Open(write(t, "late.csv", body), cols, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
	}
	if err := r.Err(); !errors.Is(err, ErrNotSpreadsheet) || !strings.Contains(err.Error(), "row 6002") {
		t.Fatalf("err = %v, want row 6002 refused as not UTF-8", err)
	}
}
