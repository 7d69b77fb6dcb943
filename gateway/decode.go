package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
)

// fieldNamingJSONPb is the gateway's JSON marshaler with one change: when a
// request body does not decode (a string where a number belongs, an object
// where a string belongs, broken JSON), the error names the body field at
// fault instead of only a line and column, so a 400 always says which field
// to fix.
type fieldNamingJSONPb struct {
	*runtime.JSONPb
}

// NewDecoder reads the whole body, decodes it as the JSONPb marshaler does
// and, on failure, prefixes the error with the path of the offending field.
func (m fieldNamingJSONPb) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		err = m.JSONPb.NewDecoder(bytes.NewReader(data)).Decode(v)
		if err == nil {
			if off := trailingData(data); off >= 0 {
				return fmt.Errorf("invalid JSON for field body: unexpected data at byte %d after the JSON value", off)
			}
			return nil
		}
		if errors.Is(err, io.EOF) {
			return err
		}
		path := "body"
		if p := fieldAt(data, errorOffset(data, err)); p != "" {
			path = p
		}
		return fmt.Errorf("invalid JSON for field %s: %w", path, err)
	})
}

// trailingData returns the offset of anything but white space after the
// first JSON value of data, or -1. The decoder reads one value and would
// silently ignore a second one ({"a":1}{"b":2}) or stray bytes.
func trailingData(data []byte) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	var first json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return -1 // the value itself decoded; nothing more to say here
	}
	off := int(dec.InputOffset())
	if len(bytes.TrimLeft(data[off:], " \t\r\n")) == 0 {
		return -1
	}
	return off
}

// Marshal writes what JSONPb writes, except a server stream's error chunk
// {"error": status}: it is the status itself, so a streaming route reports
// errors in the same {"code", "message", "details"} shape as every other.
// A proto message is written by the compiled encoder (jsonenc.go), which
// gives protojson's JSON value and falls back to protojson where it cannot;
// everything else (stream chunks, non-message bodies) goes to JSONPb.
func (m fieldNamingJSONPb) Marshal(v any) ([]byte, error) {
	if chunk, ok := v.(map[string]proto.Message); ok && len(chunk) == 1 {
		if st, ok := chunk["error"].(*spb.Status); ok {
			return m.JSONPb.Marshal(st)
		}
	}
	if pm, ok := v.(proto.Message); ok {
		return jsonEncoder{opts: m.MarshalOptions}.Marshal(pm)
	}
	return m.JSONPb.Marshal(v)
}

var protojsonPosition = regexp.MustCompile(`\(line (\d+):(\d+)\)`)

// errorOffset turns the "(line L:C)" of a protojson error (C counts runes)
// or the offset of an encoding/json syntax error into a byte offset, or -1.
func errorOffset(data []byte, err error) int {
	var serr *json.SyntaxError
	if errors.As(err, &serr) {
		return int(serr.Offset)
	}
	m := protojsonPosition.FindStringSubmatch(err.Error())
	if m == nil {
		return -1
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	// protojson counts from the value's first byte, after leading space.
	off := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(data); c++ {
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off
}

// fieldAt returns the path (a.b[2].c) of the JSON value or key that spans
// byte offset off, or "" when off is outside every field.
func fieldAt(data []byte, off int) string {
	if off < 0 {
		return ""
	}
	type frame struct {
		path      string
		object    bool
		expectKey bool
		key       string
		index     int
	}
	var stack []*frame
	child := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			if f.path == "" {
				return f.key
			}
			return f.path + "." + f.key
		}
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	done := func() { // a value ended: the parent moves on
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.expectKey = true
		} else {
			f.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	last := ""
	for {
		tok, err := dec.Token()
		end := int(dec.InputOffset())
		if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey {
			if k, ok := tok.(string); ok && err == nil {
				stack[len(stack)-1].key = k
			}
		}
		here := child()
		if err != nil {
			if last != "" {
				return last
			}
			return here
		}
		if end > off {
			return here
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &frame{path: here, object: t == '{', expectKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
		default:
			if f := stack; len(f) > 0 && f[len(f)-1].object && f[len(f)-1].expectKey {
				f[len(f)-1].expectKey = false
			} else {
				done()
			}
		}
		last = here
	}
}
