package gateway

// The gateway's answers are JSON written by protojson
// (UseProtoNames, EmitUnpopulated). A CPU profile of the parent's statement
// route put protojson at ~60 µs a request, the largest single gateway cost:
// it is generic, so per message it ranges fields through closures, wraps the
// message to add the unpopulated ones, sorts them by index and allocates as
// it goes. This file writes the same JSON value from a plan compiled once
// per message type (field names pre-quoted, kinds resolved, enum names
// looked up) into a pooled buffer.
//
// Guarantee: for every message it accepts, the output decodes to the same
// JSON value, with the keys in the same order, as protojson's with the
// gateway's options; TestJSONEncoderMatchesProtojson checks that over every
// kehou.* message type with random contents. Only the white space may
// differ (protojson inserts a random space to stop callers depending on its
// bytes).
//
// Fallback: a message type that reaches anything the plan does not model —
// a well-known type other than Timestamp (Any, Struct, Value, wrappers,
// Duration, FieldMask, Empty...), a float or double, a group, a required
// field, extensions — is written by protojson unchanged, and so is any value
// whose encoding fails (invalid UTF-8, a Timestamp out of range), so the
// error and its text are protojson's own.

import (
	"encoding/base64"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// jsonEncoder writes proto messages as opts would, through a compiled plan
// where it can and through opts itself where it cannot.
type jsonEncoder struct {
	opts protojson.MarshalOptions
}

// gatewayJSON is the encoder with the gateway's options (gateway.go).
var gatewayJSON = jsonEncoder{opts: protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}}

// jsonPlans caches *msgPlan by message full name; a nil *msgPlan means the
// type falls back to protojson.
var jsonPlans sync.Map

var jsonWriterPool = sync.Pool{New: func() any { return &jsonWriter{buf: make([]byte, 0, 8192)} }}

// Marshal returns m as JSON: the compiled plan's output when m's type has
// one and encodes without error, otherwise protojson's (and its error).
func (e jsonEncoder) Marshal(m proto.Message) ([]byte, error) {
	if m == nil {
		return e.opts.Marshal(m)
	}
	r := m.ProtoReflect()
	if !e.planned() {
		return e.opts.Marshal(m)
	}
	p := planFor(r.Descriptor())
	if p == nil {
		return e.opts.Marshal(m)
	}
	w := jsonWriterPool.Get().(*jsonWriter)
	ok := w.message(p, r, 0)
	var out []byte
	if ok {
		out = slices.Clone(w.buf)
	}
	if cap(w.buf) <= 1<<20 { // do not keep a huge export's buffer alive
		w.buf = w.buf[:0]
		jsonWriterPool.Put(w)
	}
	if !ok {
		return e.opts.Marshal(m)
	}
	return out, nil
}

// planned: the plans write the gateway's options only (proto names, every
// field, enums by name, compact); other options go to protojson.
func (e jsonEncoder) planned() bool {
	o := e.opts
	return o.UseProtoNames && o.EmitUnpopulated && !o.UseEnumNumbers && !o.Multiline && o.Indent == ""
}

// fastJSON reports whether messages of type md take the compiled path.
func fastJSON(md protoreflect.MessageDescriptor) bool { return planFor(md) != nil }

func planFor(md protoreflect.MessageDescriptor) *msgPlan {
	if p, ok := jsonPlans.Load(md.FullName()); ok {
		return p.(*msgPlan)
	}
	b := planBuilder{plans: map[protoreflect.FullName]*msgPlan{}}
	p := b.build(md)
	if b.unsupported {
		p = nil
	}
	jsonPlans.Store(md.FullName(), p)
	return p
}

type valueKind uint8

const (
	vBool valueKind = iota
	vString
	vInt32  // int32, sint32, sfixed32: a number
	vUint32 // uint32, fixed32: a number
	vInt64  // int64, sint64, sfixed64: a quoted number
	vUint64 // uint64, fixed64: a quoted number
	vBytes
	vEnum
	vMessage
	vTimestamp
)

type msgPlan struct {
	fields []fieldPlan
}

type fieldPlan struct {
	fd   protoreflect.FieldDescriptor
	name []byte // `"name":`
	// oneof: a member of a oneof (real or the synthetic one of a proto3
	// optional field); protojson writes it only when set.
	oneof bool
	// unset is the name and value written when the field is unpopulated:
	// null for a field with presence (a message, a proto2 scalar), [] and
	// {} for a list and a map, the zero value for a proto3 scalar.
	unset []byte
	list  bool
	isMap bool
	val   valuePlan // the element's for a list, the value's for a map
	key   protoreflect.Kind
}

type valuePlan struct {
	kind  valueKind
	enum  map[protoreflect.EnumNumber][]byte // quoted names
	msg   *msgPlan
	tsSec protoreflect.FieldDescriptor
	tsNs  protoreflect.FieldDescriptor
}

type planBuilder struct {
	plans       map[protoreflect.FullName]*msgPlan
	unsupported bool
}

func (b *planBuilder) build(md protoreflect.MessageDescriptor) *msgPlan {
	if p, ok := b.plans[md.FullName()]; ok {
		return p // already built or being built (a recursive type)
	}
	p := &msgPlan{}
	b.plans[md.FullName()] = p
	if md.ExtensionRanges().Len() > 0 || isMessageSet(md) || isWellKnown(md) {
		b.unsupported = true
		return p
	}
	fds := md.Fields()
	p.fields = make([]fieldPlan, 0, fds.Len())
	for i := 0; i < fds.Len(); i++ {
		fd := fds.Get(i)
		if fd.Cardinality() == protoreflect.Required {
			b.unsupported = true
		}
		f := fieldPlan{
			fd:    fd,
			name:  append(strconv.AppendQuote(nil, fd.TextName()), ':'),
			oneof: fd.ContainingOneof() != nil,
			list:  fd.IsList(),
			isMap: fd.IsMap(),
		}
		if f.isMap {
			f.key = fd.MapKey().Kind()
			f.val = b.value(fd.MapValue())
		} else {
			f.val = b.value(fd)
		}
		f.unset = append(slices.Clone(f.name), unsetJSON(fd, f.val)...)
		p.fields = append(p.fields, f)
	}
	return p
}

// isWellKnown: the google.protobuf messages have their own JSON forms
// (Timestamp's is written by appendTimestamp, where a field holds one).
func isWellKnown(md protoreflect.MessageDescriptor) bool {
	return md.ParentFile() != nil && md.ParentFile().Package() == "google.protobuf"
}

// unsetJSON is protojson's value for an unpopulated field with EmitUnpopulated
// (implicit-presence fields cannot declare a default, so it is the zero value).
func unsetJSON(fd protoreflect.FieldDescriptor, v valuePlan) string {
	switch {
	case fd.IsList():
		return "[]"
	case fd.IsMap():
		return "{}"
	case fd.HasPresence():
		return "null"
	}
	switch v.kind {
	case vBool:
		return "false"
	case vString, vBytes:
		return `""`
	case vInt64, vUint64:
		return `"0"`
	case vEnum:
		if name, ok := v.enum[0]; ok {
			return string(name)
		}
	}
	return "0"
}

func isMessageSet(md protoreflect.MessageDescriptor) bool {
	type messageSetter interface{ IsMessageSet() bool }
	ms, ok := md.(messageSetter)
	return ok && ms.IsMessageSet()
}

func (b *planBuilder) value(fd protoreflect.FieldDescriptor) valuePlan {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return valuePlan{kind: vBool}
	case protoreflect.StringKind:
		return valuePlan{kind: vString}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return valuePlan{kind: vInt32}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return valuePlan{kind: vUint32}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return valuePlan{kind: vInt64}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return valuePlan{kind: vUint64}
	case protoreflect.BytesKind:
		return valuePlan{kind: vBytes}
	case protoreflect.EnumKind:
		ed := fd.Enum()
		if ed.FullName() == "google.protobuf.NullValue" {
			b.unsupported = true
			return valuePlan{}
		}
		names := map[protoreflect.EnumNumber][]byte{}
		vals := ed.Values()
		for i := 0; i < vals.Len(); i++ {
			v := vals.Get(i)
			if _, dup := names[v.Number()]; !dup { // ByNumber gives the first alias
				names[v.Number()] = strconv.AppendQuote(nil, string(v.Name()))
			}
		}
		return valuePlan{kind: vEnum, enum: names}
	case protoreflect.MessageKind:
		md := fd.Message()
		if md.FullName() == "google.protobuf.Timestamp" {
			return valuePlan{kind: vTimestamp, tsSec: md.Fields().ByNumber(1), tsNs: md.Fields().ByNumber(2)}
		}
		return valuePlan{kind: vMessage, msg: b.build(md)}
	default: // float, double, group
		b.unsupported = true
		return valuePlan{}
	}
}

// jsonWriter is one encoding's output and, per nesting depth, the fields
// Range found set (filled before the fields are written, so a frame is free
// again when its message is done).
type jsonWriter struct {
	buf    []byte
	frames []*rangeFrame
}

type rangeFrame struct {
	vals []protoreflect.Value // by field index
	set  []bool
	// collect is bound once, so Range costs no closure per message.
	collect func(protoreflect.FieldDescriptor, protoreflect.Value) bool
}

func (w *jsonWriter) frame(depth, n int) *rangeFrame {
	for len(w.frames) <= depth {
		f := &rangeFrame{}
		f.collect = func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			f.vals[fd.Index()] = v
			f.set[fd.Index()] = true
			return true
		}
		w.frames = append(w.frames, f)
	}
	f := w.frames[depth]
	if len(f.vals) < n {
		f.vals = make([]protoreflect.Value, n)
		f.set = make([]bool, n)
	}
	return f
}

// message appends m as a JSON object; false means a value protojson
// rejects (the caller falls back to protojson for its error).
func (w *jsonWriter) message(p *msgPlan, m protoreflect.Message, depth int) bool {
	// One Range visits the populated fields, cheaper than Has and Get per
	// field; the rest are written from the plan without touching m.
	fr := w.frame(depth, len(p.fields))
	m.Range(fr.collect)
	w.buf = append(w.buf, '{')
	first := true
	ok := true
	for i := range p.fields {
		f := &p.fields[i]
		if !fr.set[i] {
			if f.oneof {
				continue
			}
			if !first {
				w.buf = append(w.buf, ',')
			}
			first = false
			w.buf = append(w.buf, f.unset...)
			continue
		}
		v := fr.vals[i]
		fr.set[i], fr.vals[i] = false, protoreflect.Value{}
		if !ok {
			continue // clear the rest of the frame, then report
		}
		if !first {
			w.buf = append(w.buf, ',')
		}
		first = false
		w.buf = append(w.buf, f.name...)
		switch {
		case f.list:
			l := v.List()
			w.buf = append(w.buf, '[')
			for j := 0; j < l.Len() && ok; j++ {
				if j > 0 {
					w.buf = append(w.buf, ',')
				}
				ok = w.value(&f.val, l.Get(j), depth)
			}
			w.buf = append(w.buf, ']')
		case f.isMap:
			ok = w.mapValue(f, v.Map(), depth)
		default:
			ok = w.value(&f.val, v, depth)
		}
	}
	w.buf = append(w.buf, '}')
	return ok
}

// appendMap writes the entries in protojson's order: false before true,
// numbers ascending, strings by byte order.
func (w *jsonWriter) mapValue(f *fieldPlan, mp protoreflect.Map, depth int) bool {
	w.buf = append(w.buf, '{')
	if mp.Len() == 0 {
		w.buf = append(w.buf, '}')
		return true
	}
	keys := make([]protoreflect.MapKey, 0, mp.Len())
	mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	switch f.key {
	case protoreflect.BoolKind:
		slices.SortFunc(keys, func(x, y protoreflect.MapKey) int {
			switch {
			case x.Bool() == y.Bool():
				return 0
			case !x.Bool():
				return -1
			}
			return 1
		})
	case protoreflect.StringKind:
		slices.SortFunc(keys, func(x, y protoreflect.MapKey) int { return cmpOrdered(x.String(), y.String()) })
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		slices.SortFunc(keys, func(x, y protoreflect.MapKey) int { return cmpOrdered(x.Uint(), y.Uint()) })
	default:
		slices.SortFunc(keys, func(x, y protoreflect.MapKey) int { return cmpOrdered(x.Int(), y.Int()) })
	}
	var ok bool
	for i, k := range keys {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		if w.buf, ok = appendJSONString(w.buf, k.String()); !ok {
			return false
		}
		w.buf = append(w.buf, ':')
		if !w.value(&f.val, mp.Get(k), depth) {
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}

func cmpOrdered[T int64 | uint64 | string](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// value appends one singular value (a field's, a list element, a map
// value) of a message at depth.
func (w *jsonWriter) value(v *valuePlan, val protoreflect.Value, depth int) bool {
	buf := w.buf
	ok := true
	switch v.kind {
	case vBool:
		if val.Bool() {
			buf = append(buf, "true"...)
		} else {
			buf = append(buf, "false"...)
		}
	case vString:
		buf, ok = appendJSONString(buf, val.String())
	case vInt32:
		buf = strconv.AppendInt(buf, val.Int(), 10)
	case vUint32:
		buf = strconv.AppendUint(buf, val.Uint(), 10)
	case vInt64:
		buf = append(strconv.AppendInt(append(buf, '"'), val.Int(), 10), '"')
	case vUint64:
		buf = append(strconv.AppendUint(append(buf, '"'), val.Uint(), 10), '"')
	case vBytes:
		buf = append(base64.StdEncoding.AppendEncode(append(buf, '"'), val.Bytes()), '"')
	case vEnum:
		if name, known := v.enum[val.Enum()]; known {
			buf = append(buf, name...)
		} else {
			buf = strconv.AppendInt(buf, int64(val.Enum()), 10)
		}
	case vTimestamp:
		m := val.Message()
		if ts, generated := m.Interface().(*timestamppb.Timestamp); generated {
			buf, ok = appendTimestamp(buf, ts.GetSeconds(), int64(ts.GetNanos()))
		} else {
			buf, ok = appendTimestamp(buf, m.Get(v.tsSec).Int(), m.Get(v.tsNs).Int())
		}
	default: // vMessage
		return w.message(v.msg, val.Message(), depth+1)
	}
	w.buf = buf
	return ok
}

// The range protojson accepts for a Timestamp: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z.
const (
	minTimestampSeconds = -62135596800
	maxTimestampSeconds = 253402300799
)

// appendTimestamp writes RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits,
// with protojson's range checks (seconds within years 1 to 9999, nanos 0 to
// 999999999).
func appendTimestamp(buf []byte, secs, nanos int64) ([]byte, bool) {
	if secs < minTimestampSeconds || secs > maxTimestampSeconds || nanos < 0 || nanos > 999999999 {
		return buf, false
	}
	buf = append(buf, '"')
	start := len(buf)
	buf = time.Unix(secs, nanos).UTC().AppendFormat(buf, "2006-01-02T15:04:05.000000000")
	for range 2 {
		if n := len(buf); n-start > 19 && string(buf[n-3:]) == "000" {
			buf = buf[:n-3]
		}
	}
	if n := len(buf); string(buf[n-4:]) == ".000" {
		buf = buf[:n-4]
	}
	return append(buf, 'Z', '"'), true
}

// appendJSONString escapes as protojson does: `"`, `\` and control
// characters only (<, >, &, U+2028 stay as they are); false on invalid
// UTF-8.
func appendJSONString(buf []byte, s string) ([]byte, bool) {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				return buf, false
			}
			i += n
			continue
		}
		if c >= ' ' && c != '"' && c != '\\' {
			i++
			continue
		}
		buf = append(buf, s[start:i]...)
		buf = append(buf, '\\')
		switch c {
		case '"', '\\':
			buf = append(buf, c)
		case '\b':
			buf = append(buf, 'b')
		case '\f':
			buf = append(buf, 'f')
		case '\n':
			buf = append(buf, 'n')
		case '\r':
			buf = append(buf, 'r')
		case '\t':
			buf = append(buf, 't')
		default:
			buf = append(buf, 'u')
			buf = append(buf, "0000"[1+(bits.Len32(uint32(c))-1)/4:]...)
			buf = strconv.AppendUint(buf, uint64(c), 16)
		}
		i++
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"'), true
}
