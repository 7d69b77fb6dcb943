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

var jsonBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

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
	bp := jsonBufPool.Get().(*[]byte)
	buf, ok := p.appendMessage((*bp)[:0], r)
	var out []byte
	if ok {
		out = slices.Clone(buf)
	}
	if cap(buf) <= 1<<20 { // do not keep a huge export's buffer alive
		*bp = buf
		jsonBufPool.Put(bp)
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
	// null: an unset field with presence (a message) is written as null.
	null  bool
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
		f.null = !f.oneof && !f.list && !f.isMap && fd.HasPresence()
		if f.isMap {
			f.key = fd.MapKey().Kind()
			f.val = b.value(fd.MapValue())
		} else {
			f.val = b.value(fd)
		}
		p.fields = append(p.fields, f)
	}
	return p
}

// isWellKnown: the google.protobuf messages have their own JSON forms
// (Timestamp's is written by appendTimestamp, where a field holds one).
func isWellKnown(md protoreflect.MessageDescriptor) bool {
	return md.ParentFile() != nil && md.ParentFile().Package() == "google.protobuf"
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

// appendMessage appends m as a JSON object; false means a value protojson
// rejects (the caller falls back to protojson for its error).
func (p *msgPlan) appendMessage(buf []byte, m protoreflect.Message) ([]byte, bool) {
	buf = append(buf, '{')
	first := true
	var ok bool
	for i := range p.fields {
		f := &p.fields[i]
		if f.oneof && !m.Has(f.fd) {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, f.name...)
		switch {
		case f.list:
			l := m.Get(f.fd).List()
			buf = append(buf, '[')
			for j := 0; j < l.Len(); j++ {
				if j > 0 {
					buf = append(buf, ',')
				}
				if buf, ok = f.val.appendValue(buf, l.Get(j)); !ok {
					return buf, false
				}
			}
			buf = append(buf, ']')
		case f.isMap:
			if buf, ok = f.appendMap(buf, m.Get(f.fd).Map()); !ok {
				return buf, false
			}
		case f.null && !m.Has(f.fd):
			buf = append(buf, "null"...)
		default:
			if buf, ok = f.val.appendValue(buf, m.Get(f.fd)); !ok {
				return buf, false
			}
		}
	}
	return append(buf, '}'), true
}

// appendMap writes the entries in protojson's order: false before true,
// numbers ascending, strings by byte order.
func (f *fieldPlan) appendMap(buf []byte, mp protoreflect.Map) ([]byte, bool) {
	buf = append(buf, '{')
	if mp.Len() == 0 {
		return append(buf, '}'), true
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
			buf = append(buf, ',')
		}
		if buf, ok = appendJSONString(buf, k.String()); !ok {
			return buf, false
		}
		buf = append(buf, ':')
		if buf, ok = f.val.appendValue(buf, mp.Get(k)); !ok {
			return buf, false
		}
	}
	return append(buf, '}'), true
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

func (v *valuePlan) appendValue(buf []byte, val protoreflect.Value) ([]byte, bool) {
	switch v.kind {
	case vBool:
		if val.Bool() {
			return append(buf, "true"...), true
		}
		return append(buf, "false"...), true
	case vString:
		return appendJSONString(buf, val.String())
	case vInt32:
		return strconv.AppendInt(buf, val.Int(), 10), true
	case vUint32:
		return strconv.AppendUint(buf, val.Uint(), 10), true
	case vInt64:
		buf = append(buf, '"')
		return append(strconv.AppendInt(buf, val.Int(), 10), '"'), true
	case vUint64:
		buf = append(buf, '"')
		return append(strconv.AppendUint(buf, val.Uint(), 10), '"'), true
	case vBytes:
		b := val.Bytes()
		buf = append(buf, '"')
		buf = base64.StdEncoding.AppendEncode(buf, b)
		return append(buf, '"'), true
	case vEnum:
		n := val.Enum()
		if name, ok := v.enum[n]; ok {
			return append(buf, name...), true
		}
		return strconv.AppendInt(buf, int64(n), 10), true
	case vTimestamp:
		m := val.Message()
		return appendTimestamp(buf, m.Get(v.tsSec).Int(), m.Get(v.tsNs).Int())
	default: // vMessage
		return v.msg.appendMessage(buf, val.Message())
	}
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
