package importjob

import (
	"io"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
)

// ExportFile names the file an export of kind writes and its media type.
func ExportFile(kind, format string, template bool) (name, contentType string) {
	what := kind
	if template {
		what += "-template"
	}
	f, _ := sheet.ParseFormat(format)
	return what + f.Ext(), f.ContentType()
}

// WriteLayout writes rows of text cells under a kind's layout (the import's
// headers, so what it writes imports back unchanged) to out in format
// ("xlsx", "csv" or "csv-gb18030"; "" is xlsx). A template's .xlsx has a
// second sheet, 说明, listing each column, whether it is required and
// help[its Chinese header], what it may hold.
func WriteLayout(out io.Writer, format string, cols []sheet.Field, rows [][]string, template bool, help map[string]string) error {
	if format == "" {
		format = "xlsx"
	}
	f, ok := sheet.ParseFormat(format)
	if !ok {
		return fault.Invalid("format", "must be xlsx, csv or csv-gb18030")
	}
	w, err := sheet.NewWriter(out, f)
	if err != nil {
		return err
	}
	sc := make([]sheet.Column, len(cols))
	for i, c := range cols {
		sc[i] = sheet.Column{Header: c.Chinese}
	}
	if err := w.Sheet("数据", sc); err != nil {
		return err
	}
	for _, r := range rows {
		vals := make([]sheet.Value, len(r))
		for i, c := range r {
			vals[i] = sheet.S(c)
			if c == "" {
				vals[i] = sheet.Blank()
			}
		}
		if err := w.Row(vals...); err != nil {
			return err
		}
	}
	if template && f == sheet.XLSX { // a second block would break a CSV template's import
		hc := []sheet.Column{{Header: "列", Width: 30}, {Header: "Column", Width: 30}, {Header: "必填", Width: 30}, {Header: "可填的值 / Allowed values", Width: 30}}
		if err := w.Sheet("说明", hc); err != nil {
			return err
		}
		for _, c := range cols {
			req := "否"
			if c.Required {
				req = "是"
			}
			if err := w.Row(sheet.S(c.Chinese), sheet.S(c.English), sheet.S(req), sheet.S(help[c.Chinese])); err != nil {
				return err
			}
		}
		if err := w.Row(sheet.Blank(), sheet.Blank(), sheet.Blank(),
			sheet.S("第一张表第 2 行是示例，导入前请删除 / row 2 of the first sheet is an example: delete it before importing")); err != nil {
			return err
		}
	}
	return w.Close()
}

// ChunkWriter sends what an export writes as stream messages of up to
// 256 KiB through send (first is true for the first, which names the
// file); Flush sends the rest, and at least one message.
type ChunkWriter struct {
	send func(b []byte, first bool) error
	sent bool
	buf  []byte
}

// NewChunkWriter returns a writer over send.
func NewChunkWriter(send func(b []byte, first bool) error) *ChunkWriter {
	return &ChunkWriter{send: send}
}

const chunkSize = 256 << 10

func (w *ChunkWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for len(w.buf) >= chunkSize {
		if err := w.emit(w.buf[:chunkSize]); err != nil {
			return 0, err
		}
		w.buf = w.buf[chunkSize:]
	}
	return len(p), nil
}

func (w *ChunkWriter) emit(b []byte) error {
	first := !w.sent
	w.sent = true
	return w.send(append([]byte(nil), b...), first)
}

// Flush sends what is buffered (an empty first message when nothing was written).
func (w *ChunkWriter) Flush() error {
	if len(w.buf) == 0 && w.sent {
		return nil
	}
	err := w.emit(w.buf)
	w.buf = nil
	return err
}
