package sheet

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Format is the file kind of an export.
type Format int

// The formats an export can be written in. CSV is UTF-8 with a byte-order
// mark, because Excel on Chinese Windows reads a BOM-less CSV as GB18030 and
// garbles it; CSVGB18030 is for the older payroll and treasury programs that
// read only GB18030.
const (
	XLSX Format = iota + 1
	CSV
	CSVGB18030
)

// ParseFormat reads a request's format name: "xlsx" (or empty), "csv", or
// "csv-gb18030" ("gb18030" too). The bool is false for anything else.
func ParseFormat(s string) (Format, bool) {
	switch s {
	case "", "xlsx":
		return XLSX, true
	case "csv":
		return CSV, true
	case "csv-gb18030", "gb18030":
		return CSVGB18030, true
	}
	return 0, false
}

// ContentType is the HTTP Content-Type of a file in this format.
func (f Format) ContentType() string {
	switch f {
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case CSVGB18030:
		return "text/csv; charset=GB18030"
	default:
		return "text/csv; charset=utf-8"
	}
}

// Ext is the file name extension, with its dot.
func (f Format) Ext() string {
	if f == XLSX {
		return ".xlsx"
	}
	return ".csv"
}

// Kind says how a column's values are written.
type Kind int

// Column kinds. Amounts are numbers with the `0.00` format (a decimal's own
// digits in the file, so a sum in Excel equals the API's), dates are real
// dates (`yyyy-mm-dd`), counts are integers, and text is text — also for
// IDs and 身份证 numbers, which must not become numbers.
const (
	Text Kind = iota
	Amount
	Date
	Count
)

// Column is one column of a report: its (Chinese) header, its kind and an
// optional width in characters.
type Column struct {
	Header string
	Kind   Kind
	Width  float64
}

// Value is one cell. Build it with S, A, D, N or Blank; its kind must match
// its column's (Blank fits every column).
type Value struct {
	kind  Kind
	blank bool
	s     string
	a     decimal.Decimal
	d     time.Time
	n     int64
}

// S is a text cell.
func S(s string) Value { return Value{kind: Text, s: s} }

// A is an amount cell.
func A(a decimal.Decimal) Value { return Value{kind: Amount, a: a} }

// D is a date cell; only the calendar date of d is written.
func D(d time.Time) Value { return Value{kind: Date, d: d} }

// N is a count cell.
func N(n int64) Value { return Value{kind: Count, n: n} }

// Blank is an empty cell of any column.
func Blank() Value { return Value{blank: true} }

// ErrShape is what a row that does not fit its sheet matches: a wrong number
// of cells, a cell of another kind than its column, or a row before a sheet.
var ErrShape = errors.New("sheet: row does not fit the sheet")

// Writer streams one report file: one or more sheets, each a header row,
// data rows and total rows. Amount and count columns are summed as rows are
// written, so a total row always equals the rows above it.
type Writer interface {
	// Sheet starts a new sheet (CSV: a new block) with these columns.
	Sheet(name string, cols []Column) error
	// Row writes one data row.
	Row(vals ...Value) error
	// Total writes a totals row: label in the first column, the sums of the
	// amount and count columns since the sheet (or the last Total) began,
	// and resets those sums.
	Total(label string) error
	// Close finishes the file and writes what remains to the output. It does
	// not close the output.
	Close() error
}

// NewWriter returns a writer of f onto w.
func NewWriter(w io.Writer, f Format) (Writer, error) {
	switch f {
	case XLSX:
		return newXLSX(w)
	case CSV:
		bw := bufio.NewWriter(w)
		if _, err := bw.WriteString("\uFEFF"); err != nil {
			return nil, err
		}
		return &csvWriter{buf: bw, out: csv.NewWriter(bw)}, nil
	case CSVGB18030:
		bw := bufio.NewWriter(w)
		enc := transform.NewWriter(bw, simplifiedchinese.GB18030.NewEncoder())
		return &csvWriter{buf: bw, enc: enc, out: csv.NewWriter(enc)}, nil
	}
	return nil, fmt.Errorf("sheet: unknown format %d", f)
}

// table is what both formats share: the columns of the current sheet and
// the running sums.
type table struct {
	cols []Column
	sums []decimal.Decimal
	cnts []int64
}

func (t *table) start(cols []Column) {
	t.cols = cols
	t.sums = make([]decimal.Decimal, len(cols))
	t.cnts = make([]int64, len(cols))
}

// check validates a row against the columns and, only when all of it
// fits, adds it to the sums.
func (t *table) check(vals []Value) error {
	if t.cols == nil {
		return fmt.Errorf("%w: no sheet started", ErrShape)
	}
	if len(vals) != len(t.cols) {
		return fmt.Errorf("%w: %d cells for %d columns", ErrShape, len(vals), len(t.cols))
	}
	for i, v := range vals {
		if v.blank {
			continue
		}
		if v.kind != t.cols[i].Kind {
			return fmt.Errorf("%w: column %d (%s)", ErrShape, i+1, t.cols[i].Header)
		}
	}
	for i, v := range vals {
		if v.blank {
			continue
		}
		switch v.kind {
		case Amount:
			t.sums[i] = t.sums[i].Add(v.a)
		case Count:
			t.cnts[i] += v.n
		}
	}
	return nil
}

// totals is the totals row, and resets the sums.
func (t *table) totals(label string) ([]Value, error) {
	if t.cols == nil {
		return nil, fmt.Errorf("%w: no sheet started", ErrShape)
	}
	row := make([]Value, len(t.cols))
	for i, c := range t.cols {
		switch c.Kind {
		case Amount:
			row[i] = A(t.sums[i])
		case Count:
			row[i] = N(t.cnts[i])
		default:
			row[i] = Blank()
		}
		t.sums[i], t.cnts[i] = decimal.Zero, 0
	}
	if t.cols[0].Kind == Text {
		row[0] = S(label)
	}
	return row, nil
}

// csvWriter writes text cells; amounts with two decimals, dates as
// yyyy-mm-dd. Sheets after the first are separated by an empty line and a
// line holding the sheet's name.
type csvWriter struct {
	table
	buf    *bufio.Writer
	enc    io.WriteCloser
	out    *csv.Writer
	sheets int
}

func (c *csvWriter) Sheet(name string, cols []Column) error {
	if len(cols) == 0 {
		return fmt.Errorf("%w: sheet %q has no columns", ErrShape, name)
	}
	if c.sheets > 0 {
		if err := c.out.Write([]string{""}); err != nil {
			return err
		}
		if err := c.out.Write([]string{name}); err != nil {
			return err
		}
	}
	c.sheets++
	c.start(cols)
	head := make([]string, len(cols))
	for i, col := range cols {
		head[i] = col.Header
	}
	return c.out.Write(head)
}

func (c *csvWriter) Row(vals ...Value) error {
	if err := c.check(vals); err != nil {
		return err
	}
	return c.write(vals)
}

func (c *csvWriter) Total(label string) error {
	row, err := c.totals(label)
	if err != nil {
		return err
	}
	return c.write(row)
}

func (c *csvWriter) write(vals []Value) error {
	rec := make([]string, len(vals))
	for i, v := range vals {
		rec[i] = v.text()
	}
	return c.out.Write(rec)
}

func (c *csvWriter) Close() error {
	c.out.Flush()
	if err := c.out.Error(); err != nil {
		return err
	}
	if c.enc != nil {
		if err := c.enc.Close(); err != nil {
			return err
		}
	}
	return c.buf.Flush()
}

// text is a cell as CSV writes it.
func (v Value) text() string {
	if v.blank {
		return ""
	}
	switch v.kind {
	case Amount:
		return v.a.StringFixed(2)
	case Date:
		return v.d.Format(time.DateOnly)
	case Count:
		return strconv.FormatInt(v.n, 10)
	}
	return v.s
}

// xlsxWriter writes through excelize's StreamWriter, which keeps a sheet's
// rows in a bounded buffer spilled to a temporary file, so memory does not
// grow with the rows.
type xlsxWriter struct {
	table
	out    io.Writer
	file   *excelize.File
	sw     *excelize.StreamWriter
	row    int
	sheets int
	bold   int // header and totals
	money  int // 0.00
	date   int // yyyy-mm-dd
	moneyB int // totals' amounts
}

func newXLSX(w io.Writer) (*xlsxWriter, error) {
	f := excelize.NewFile()
	x := &xlsxWriter{out: w, file: f}
	var err error
	ymd := "yyyy-mm-dd"
	if x.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	if x.money, err = f.NewStyle(&excelize.Style{NumFmt: 2}); err != nil { // built-in 2 is "0.00"
		return nil, err
	}
	if x.moneyB, err = f.NewStyle(&excelize.Style{NumFmt: 2, Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	if x.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &ymd}); err != nil {
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) Sheet(name string, cols []Column) error {
	if len(cols) == 0 {
		return fmt.Errorf("%w: sheet %q has no columns", ErrShape, name)
	}
	if err := x.flush(); err != nil {
		return err
	}
	if x.sheets == 0 {
		if err := x.file.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := x.file.NewSheet(name); err != nil {
		return err
	}
	x.sheets++
	sw, err := x.file.NewStreamWriter(name)
	if err != nil {
		return err
	}
	x.sw, x.row = sw, 1
	x.start(cols)
	for i, c := range cols {
		w := c.Width
		if w == 0 {
			w = defaultWidth(c)
		}
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = excelize.Cell{StyleID: x.bold, Value: c.Header}
	}
	return x.put(head)
}

// defaultWidth fits typical values: Chinese headers are about two
// characters wide per rune.
func defaultWidth(c Column) float64 {
	w := 2*float64(len([]rune(c.Header))) + 2
	switch c.Kind {
	case Amount:
		w = max(w, 12)
	case Date:
		w = max(w, 12)
	case Text:
		w = max(w, 10)
	}
	return w
}

func (x *xlsxWriter) Row(vals ...Value) error {
	if err := x.check(vals); err != nil {
		return err
	}
	return x.put(x.cells(vals, false))
}

func (x *xlsxWriter) Total(label string) error {
	row, err := x.totals(label)
	if err != nil {
		return err
	}
	return x.put(x.cells(row, true))
}

func (x *xlsxWriter) cells(vals []Value, total bool) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		if v.blank {
			out[i] = nil
			continue
		}
		switch v.kind {
		case Amount:
			style := x.money
			if total {
				style = x.moneyB
			}
			// The decimal's own digits: a two-place decimal below 10^13
			// round-trips through float64 and is written back as the same
			// shortest digits.
			f, _ := v.a.Round(2).Float64()
			out[i] = excelize.Cell{StyleID: style, Value: f}
		case Date:
			d := time.Date(v.d.Year(), v.d.Month(), v.d.Day(), 0, 0, 0, 0, time.UTC)
			out[i] = excelize.Cell{StyleID: x.date, Value: d}
		case Count:
			out[i] = v.n
		default:
			if total {
				out[i] = excelize.Cell{StyleID: x.bold, Value: v.s}
			} else {
				out[i] = v.s
			}
		}
	}
	return out
}

func (x *xlsxWriter) put(cells []any) error {
	ref, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	x.row++
	return x.sw.SetRow(ref, cells)
}

func (x *xlsxWriter) flush() error {
	if x.sw == nil {
		return nil
	}
	err := x.sw.Flush()
	x.sw = nil
	return err
}

func (x *xlsxWriter) Close() error {
	defer x.file.Close()
	if x.sheets == 0 {
		return fmt.Errorf("%w: a workbook needs a sheet", ErrShape)
	}
	if err := x.flush(); err != nil {
		return err
	}
	// excelize's WriteTo builds the whole zip in a bytes.Buffer; handing it a
	// zip writer on the output instead streams each part (the sheets from
	// their spill files) straight out. The buffer it returns stays empty.
	// What is lost is excelize's ZIP64 header fix-up, needed only for a part
	// over 4 GB.
	x.file.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(x.out) })
	_, err := x.file.WriteToBuffer()
	return err
}
