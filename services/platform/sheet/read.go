package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Kinds of unreadable file, matched with errors.Is on an *Error.
var (
	// ErrNotSpreadsheet: the bytes are neither .xlsx nor text CSV.
	ErrNotSpreadsheet = errors.New("not a spreadsheet")
	// ErrEmpty: no header row, or a header and no data rows.
	ErrEmpty = errors.New("empty file")
	// ErrHeader: a required column is missing, or a column is unknown or repeated.
	ErrHeader = errors.New("wrong headers")
)

// Error says why a file cannot be read, in English and Chinese, so an
// import report can show it to the school as it is.
type Error struct {
	Kind     error
	Reason   string
	ReasonZh string
}

func (e *Error) Error() string        { return e.Reason }
func (e *Error) Is(target error) bool { return target == e.Kind }

func fail(kind error, zh, format string, args ...any) error {
	return &Error{Kind: kind, Reason: fmt.Sprintf(format, args...), ReasonZh: zh}
}

// Field is one column an imported file has: its Chinese header, the English
// one also accepted, and whether a file may leave it out.
type Field struct {
	Chinese  string
	English  string
	Required bool
}

// Encodings a CSV may be declared in; "" detects (a UTF-8 BOM or valid
// UTF-8 is UTF-8, anything else is read as GB18030, which covers GBK).
const (
	EncodingAuto    = ""
	EncodingUTF8    = "utf-8"
	EncodingGB18030 = "gb18030"
)

// ReadOptions tune Open.
type ReadOptions struct {
	// Encoding of a CSV file (ignored for .xlsx): EncodingAuto, UTF8 or
	// GB18030 ("gbk" and "gb2312" mean GB18030).
	Encoding string
	// TmpDir is where excelize unpacks large worksheets; "" is os.TempDir.
	TmpDir string
}

// Row is one data row, its cells in the order of the columns Open was
// given ("" for a column the file leaves out).
type Row struct {
	// Line is the row number the school sees in Excel (the header is 1).
	Line   int
	Values []string
}

// Reader streams the data rows of a file; it holds one row at a time.
type Reader struct {
	Format string // "xlsx" or "csv"
	// Encoding is what a CSV was read as ("utf-8" or "gb18030").
	Encoding string

	index []int // file column → wanted column, -1 to drop
	width int
	line  int
	row   Row
	err   error

	next    func() ([]string, int, error) // cells and line number; io.EOF at the end
	closers []func() error
	// progress
	total   int64 // rows (xlsx) or bytes (csv); 0 unknown
	counter func() int64
	pending []string // the first data row, read ahead to tell an empty file
	pendAt  int
}

// xlsxUnzipLimit keeps excelize from unpacking a worksheet or shared
// string table bigger than this into memory: it goes to a temporary file,
// so reading a 50,000-row roster holds a row, not the sheet.
const xlsxUnzipLimit = 1 << 20

// Open reads the header of the file at path (an .xlsx workbook's first
// sheet, or a CSV) and matches it to cols by Chinese or English name.
func Open(path string, cols []Field, opts ReadOptions) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, err
	}
	r := &Reader{width: len(cols)}
	switch {
	case n == 0:
		_ = f.Close()
		return nil, fail(ErrEmpty, "文件是空的", "the file is empty")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		_ = f.Close()
		err = r.openXLSX(path, opts)
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		_ = f.Close()
		return nil, fail(ErrNotSpreadsheet, "这是旧版 Excel（.xls）或加密的文件：请另存为 .xlsx 或 CSV",
			"this is an old Excel (.xls) or encrypted file: save it as .xlsx or CSV")
	default:
		err = r.openCSV(f, st.Size(), opts)
	}
	if err != nil {
		_ = r.Close()
		return nil, err
	}
	if err := r.readHeader(cols); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Reader) openXLSX(path string, opts ReadOptions) error {
	r.Format = "xlsx"
	total, err := countXLSXRows(path)
	if err != nil {
		return fail(ErrNotSpreadsheet, "文件无法作为 .xlsx 读取", "the file cannot be read as .xlsx: %v", err)
	}
	x, err := excelize.OpenFile(path, excelize.Options{UnzipXMLSizeLimit: xlsxUnzipLimit, TmpDir: opts.TmpDir})
	if err != nil {
		return fail(ErrNotSpreadsheet, "文件无法作为 .xlsx 读取", "the file cannot be read as .xlsx: %v", err)
	}
	r.closers = append(r.closers, x.Close)
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return fail(ErrEmpty, "工作簿中没有工作表", "the workbook has no sheet")
	}
	rows, err := x.Rows(sheets[0])
	if err != nil {
		return fail(ErrNotSpreadsheet, "文件无法作为 .xlsx 读取", "the first sheet cannot be read: %v", err)
	}
	r.closers = append(r.closers, rows.Close)
	r.total = total
	seen := 0
	r.counter = func() int64 { return int64(seen) }
	r.next = func() ([]string, int, error) {
		if !rows.Next() {
			if err := rows.Error(); err != nil {
				return nil, 0, fail(ErrNotSpreadsheet, "工作表无法读取", "the sheet cannot be read: %v", err)
			}
			return nil, 0, io.EOF
		}
		seen++
		// Raw values: a phone number or 学籍号 stored as a number keeps all
		// its digits, and a date cell is its serial number (see ParseDate).
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, 0, fail(ErrNotSpreadsheet, "工作表无法读取", "the sheet cannot be read: %v", err)
		}
		return cells, seen, nil
	}
	return nil
}

// countXLSXRows counts the <row> elements of the first worksheet by
// scanning its XML without parsing it, so progress has a denominator
// (excelize's stream writer writes no dimension).
func countXLSXRows(path string) (int64, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return 0, err
	}
	defer z.Close()
	var sheet *zip.File
	for _, f := range z.File {
		if strings.EqualFold(f.Name, "xl/worksheets/sheet1.xml") {
			sheet = f
		}
	}
	if sheet == nil {
		return 0, nil // unusual naming: progress unknown, excelize still reads it
	}
	rc, err := sheet.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	var n int64
	buf := make([]byte, 64<<10)
	var carry []byte // a tag is 5 bytes: one split across reads starts in the last 4
	for {
		k, err := rc.Read(buf)
		chunk := append(carry, buf[:k]...)
		n += int64(bytes.Count(chunk, []byte("<row ")) + bytes.Count(chunk, []byte("<row>")))
		carry = append([]byte(nil), chunk[max(0, len(chunk)-4):]...)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// countingReader counts the bytes read through it, for CSV progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// sniffSize is how much of a CSV decides its encoding and delimiter.
const sniffSize = 64 << 10

func (r *Reader) openCSV(f *os.File, size int64, opts ReadOptions) error {
	r.Format = "csv"
	r.closers = append(r.closers, f.Close)
	cr := &countingReader{r: f}
	br := bufio.NewReaderSize(cr, sniffSize)
	peek, _ := br.Peek(sniffSize)
	body := peek
	utf8BOM := bytes.HasPrefix(peek, []byte{0xEF, 0xBB, 0xBF})
	if utf8BOM {
		_, _ = br.Discard(3)
		body = peek[3:]
	}
	if bytes.HasPrefix(peek, []byte{0xFF, 0xFE}) || bytes.HasPrefix(peek, []byte{0xFE, 0xFF}) {
		return fail(ErrNotSpreadsheet, "不支持 UTF-16 文本：请另存为 CSV（UTF-8 或 GBK）",
			"UTF-16 text is not supported: save as CSV (UTF-8 or GBK)")
	}
	if bytes.IndexByte(body, 0) >= 0 {
		return fail(ErrNotSpreadsheet, "文件不是电子表格（.xlsx 或 CSV）", "the file is not a spreadsheet (.xlsx or CSV)")
	}
	enc := strings.ToLower(strings.TrimSpace(opts.Encoding))
	switch enc {
	case "gbk", "gb2312", "gb18030":
		enc = EncodingGB18030
	case "utf8", "utf-8":
		enc = EncodingUTF8
	case EncodingAuto:
		enc = EncodingUTF8
		if !utf8BOM && !validUTF8Prefix(body, int64(len(peek)) < size) {
			enc = EncodingGB18030
		}
	default:
		return fail(ErrNotSpreadsheet, "不支持的编码："+opts.Encoding, "unsupported encoding %q: use utf-8 or gb18030", opts.Encoding)
	}
	r.Encoding = enc
	var text io.Reader = br
	decoded := body
	if enc == EncodingGB18030 {
		text = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		decoded, _, _ = transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), body)
	}
	if binaryText(decoded) {
		return fail(ErrNotSpreadsheet, "文件不是电子表格（.xlsx 或 CSV）", "the file is not a spreadsheet (.xlsx or CSV)")
	}
	c := csv.NewReader(text)
	c.Comma = delimiter(decoded)
	c.FieldsPerRecord = -1
	c.LazyQuotes = true
	r.total, r.counter = size, func() int64 { return cr.n }
	r.next = func() ([]string, int, error) {
		rec, err := c.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, fail(ErrNotSpreadsheet, "CSV 格式错误", "the CSV cannot be read: %v", err)
		}
		line, _ := c.FieldPos(0)
		if enc == EncodingUTF8 {
			for _, f := range rec {
				if !utf8.ValidString(f) {
					return nil, 0, fail(ErrNotSpreadsheet, fmt.Sprintf("第 %d 行不是 UTF-8 文本：请注明编码（如 GBK）后重新导入", line),
						"row %d is not UTF-8 text: declare the file's encoding (e.g. gb18030) and import again", line)
				}
			}
		}
		return rec, line, nil
	}
	return nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut at the
// end of the sniffed window when the file goes on.
func validUTF8Prefix(b []byte, cut bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if !cut {
		return false
	}
	for i := 1; i <= utf8.UTFMax && i < len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) {
			return true
		}
	}
	return false
}

// binaryText reports text with control characters no CSV holds: an image,
// an archive or a PDF sent by mistake.
func binaryText(b []byte) bool {
	bad := 0
	for _, r := range string(b) {
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\t' && r != '\r' && r != '\n') {
			bad++
		}
	}
	return bad > 0 && bad*100 > len(b)
}

// delimiter picks tab for a tab-separated export, else comma.
func delimiter(b []byte) rune {
	first, _, _ := bytes.Cut(b, []byte("\n"))
	if bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte(",")) {
		return '\t'
	}
	return ','
}

// normalize makes header cells comparable: no spaces (half or full width),
// no required-column star, case-folded, "_" as " ".
func normalize(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.TrimSuffix(strings.TrimSpace(strings.ReplaceAll(s, "\u3000", " ")), "*")
	s = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", " ")
	return strings.Join(strings.Fields(s), " ")
}

func (r *Reader) readHeader(cols []Field) error {
	var head []string
	for {
		cells, line, err := r.next()
		if err == io.EOF {
			return fail(ErrEmpty, "文件是空的：没有表头", "the file is empty: no header row")
		}
		if err != nil {
			return err
		}
		if !blank(cells) {
			head, r.line = cells, line
			break
		}
	}
	names := map[string]int{}
	for i, c := range cols {
		names[normalize(c.Chinese)] = i
		if c.English != "" {
			names[normalize(c.English)] = i
		}
	}
	r.index = make([]int, len(head))
	found := make([]bool, len(cols))
	var unknown, repeated []string
	for i, h := range head {
		r.index[i] = -1
		if strings.TrimSpace(h) == "" {
			continue
		}
		j, ok := names[normalize(h)]
		switch {
		case !ok:
			unknown = append(unknown, strings.TrimSpace(h))
		case found[j]:
			repeated = append(repeated, strings.TrimSpace(h))
		default:
			found[j], r.index[i] = true, j
		}
	}
	var missing, missingZh []string
	for i, c := range cols {
		if c.Required && !found[i] {
			missing, missingZh = append(missing, c.English), append(missingZh, c.Chinese)
		}
	}
	var en, zh []string
	if len(missing) > 0 {
		en = append(en, "missing column(s) "+strings.Join(missing, ", "))
		zh = append(zh, "缺少列："+strings.Join(missingZh, "、"))
	}
	if len(unknown) > 0 {
		en = append(en, "unknown column(s) "+strings.Join(unknown, ", "))
		zh = append(zh, "无法识别的列："+strings.Join(unknown, "、"))
	}
	if len(repeated) > 0 {
		en = append(en, "repeated column(s) "+strings.Join(repeated, ", "))
		zh = append(zh, "重复的列："+strings.Join(repeated, "、"))
	}
	if len(en) > 0 {
		want := make([]string, len(cols))
		for i, c := range cols {
			want[i] = c.Chinese
		}
		return &Error{Kind: ErrHeader,
			Reason:   "wrong headers: " + strings.Join(en, "; ") + " (expected: " + strings.Join(want, ", ") + ")",
			ReasonZh: "表头不对：" + strings.Join(zh, "；") + "（应为：" + strings.Join(want, "、") + "）"}
	}
	// Read ahead one row so a header-only file is an error at Open.
	cells, line, err := r.nextData()
	if err == io.EOF {
		return fail(ErrEmpty, "文件只有表头，没有数据行", "the file has a header but no data rows")
	}
	if err != nil {
		return err
	}
	r.pending, r.pendAt = cells, line
	return nil
}

func (r *Reader) nextData() ([]string, int, error) {
	for {
		cells, line, err := r.next()
		if err != nil {
			return nil, 0, err
		}
		if !blank(cells) {
			return cells, line, nil
		}
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Next moves to the next non-blank data row; false at the end or on error.
func (r *Reader) Next() bool {
	if r.err != nil {
		return false
	}
	cells, line := r.pending, r.pendAt
	if cells == nil {
		var err error
		cells, line, err = r.nextData()
		if err != nil {
			if err != io.EOF {
				r.err = err
			}
			return false
		}
	}
	r.pending = nil
	vals := make([]string, r.width)
	for i, c := range cells {
		if i < len(r.index) && r.index[i] >= 0 {
			vals[r.index[i]] = strings.TrimSpace(c)
		}
	}
	r.row = Row{Line: line, Values: vals}
	return true
}

// Row is the current row.
func (r *Reader) Row() Row { return r.row }

// Err is the error that stopped Next, if any.
func (r *Reader) Err() error { return r.err }

// Fraction is how much of the file has been read, 0 to 1 (0 when unknown).
func (r *Reader) Fraction() float64 {
	if r.total <= 0 || r.counter == nil {
		return 0
	}
	return min(1, float64(r.counter())/float64(r.total))
}

// Close releases the file and excelize's temporary files.
func (r *Reader) Close() error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i]())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// ParseDate reads a date as schools write it: 2016-09-01, 2016/9/1,
// 2016.9.1, 20160901, 2016年9月1日, or an Excel date cell's serial number
// (days since 1899-12-30).
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if strings.Trim(s, "0123456789") == "" {
		if len(s) == 8 {
			t, err := time.Parse("20060102", s)
			return t, err == nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 2958465 { // 9999-12-31
			return time.Time{}, false
		}
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n), true
	}
	for _, layout := range []string{"2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
