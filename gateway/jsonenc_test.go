package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	_ "github.com/kehou/kehou/proto/gen/kehou/identity/v1"
	_ "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	_ "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// gatewayProtojson is what the gateway wrote before the compiled encoder.
var gatewayProtojson = protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}

// TestJSONEncoderMatchesProtojson fills every kehou.* message type with
// random values and checks the compiled encoder gives protojson's JSON
// value with the keys in protojson's order (or protojson's error).
func TestJSONEncoderMatchesProtojson(t *testing.T) {
	perType := 300
	if testing.Short() {
		perType = 30
	}
	var types []protoreflect.MessageType
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		if strings.HasPrefix(string(mt.Descriptor().FullName()), "kehou.") {
			types = append(types, mt)
		}
		return true
	})
	sort.Slice(types, func(i, j int) bool { return types[i].Descriptor().FullName() < types[j].Descriptor().FullName() })
	if len(types) < 100 {
		t.Fatalf("only %d kehou.* message types registered; the generated packages are not linked", len(types))
	}
	var fast, fallback []string
	for _, mt := range types {
		name := string(mt.Descriptor().FullName())
		if fastJSON(mt.Descriptor()) {
			fast = append(fast, name)
		} else {
			fallback = append(fallback, name)
		}
		r := rand.New(rand.NewSource(int64(len(name)) * 7919))
		compareJSON(t, name+" empty", mt.New().Interface())
		compareJSON(t, name+" nil", mt.Zero().Interface())
		for i := 0; i < perType; i++ {
			m := mt.New()
			fillRandom(r, m, 0)
			if !compareJSON(t, fmt.Sprintf("%s #%d", name, i), m.Interface()) {
				break // one report per type is enough
			}
		}
	}
	t.Logf("%d kehou.* message types: %d on the compiled path, %d fall back to protojson %v",
		len(types), len(fast), len(fallback), fallback)
	if len(fast) < len(types)/2 {
		t.Errorf("only %d of %d types take the compiled path", len(fast), len(types))
	}
}

// compareJSON reports whether the two encoders agree on m.
func compareJSON(t *testing.T, what string, m proto.Message) bool {
	t.Helper()
	want, werr := gatewayProtojson.Marshal(m)
	got, gerr := gatewayJSON.Marshal(m)
	switch {
	case werr != nil || gerr != nil:
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Errorf("%s: error %v, protojson's %v", what, gerr, werr)
			return false
		}
		return true
	}
	var wv, gv any
	if err := decodeNumbers(want, &wv); err != nil {
		t.Fatalf("%s: protojson wrote bad JSON: %v", what, err)
	}
	if err := decodeNumbers(got, &gv); err != nil {
		t.Errorf("%s: bad JSON %v:\n%s", what, err, got)
		return false
	}
	if !reflect.DeepEqual(wv, gv) {
		t.Errorf("%s: value differs\n got %s\nwant %s", what, got, want)
		return false
	}
	if wt, gt := jsonTokens(t, want), jsonTokens(t, got); !reflect.DeepEqual(wt, gt) {
		t.Errorf("%s: key order differs\n got %s\nwant %s", what, got, want)
		return false
	}
	return true
}

func decodeNumbers(b []byte, v *any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the value")
	}
	return nil
}

// jsonTokens lists b's tokens (keys and values in the order written).
func jsonTokens(t *testing.T, b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("tokens of %s: %v", b, err)
		}
		out = append(out, fmt.Sprintf("%T:%v", tok, tok))
	}
}

var randomStrings = []string{
	"", "a", "Lucy O'Neil", "王小明", "课后服务", `say "hi"`, `back\slash`, "tab\tnew\nline\r",
	"\x00\x01\x1f\x7f", "<script>&amp;</script>", "line\u2028sep\u2029para", "emoji 😀", "\ufffd",
	"2026-09-07", "12.50", "-0.01",
}

var randomInts = []int64{0, 1, -1, 42, -42, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64, 1 << 53, -(1 << 53) - 1}

func randInt(r *rand.Rand) int64 {
	if r.Intn(3) == 0 {
		return r.Int63() - r.Int63()
	}
	return randomInts[r.Intn(len(randomInts))]
}

// fillRandom sets a random subset of m's fields: one member (or none) per
// oneof, lists of 0-3, maps of 0-3, messages to depth 3.
func fillRandom(r *rand.Rand, m protoreflect.Message, depth int) {
	md := m.Descriptor()
	if md.FullName() == "google.protobuf.Timestamp" {
		fillTimestamp(r, m)
		return
	}
	chosen := map[protoreflect.FullName]protoreflect.FieldDescriptor{}
	oneofs := md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		od := oneofs.Get(i)
		if od.IsSynthetic() {
			continue
		}
		if k := r.Intn(od.Fields().Len() + 1); k < od.Fields().Len() {
			chosen[od.FullName()] = od.Fields().Get(k)
		}
	}
	fds := md.Fields()
	for i := 0; i < fds.Len(); i++ {
		fd := fds.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if chosen[od.FullName()] != fd {
				continue
			}
		} else if r.Intn(5) == 0 {
			continue // leave some unpopulated
		}
		switch {
		case fd.IsList():
			l := m.Mutable(fd).List()
			for n := r.Intn(4); n > 0; n-- {
				if fd.Kind() == protoreflect.MessageKind {
					if depth >= 3 {
						break
					}
					e := l.NewElement()
					fillRandom(r, e.Message(), depth+1)
					l.Append(e)
				} else {
					l.Append(randomScalar(r, fd))
				}
			}
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for n := r.Intn(4); n > 0; n-- {
				k := randomScalar(r, fd.MapKey()).MapKey()
				if fd.MapValue().Kind() == protoreflect.MessageKind {
					if depth >= 3 {
						break
					}
					v := mp.NewValue()
					fillRandom(r, v.Message(), depth+1)
					mp.Set(k, v)
				} else {
					mp.Set(k, randomScalar(r, fd.MapValue()))
				}
			}
		case fd.Kind() == protoreflect.MessageKind:
			if depth < 3 {
				fillRandom(r, m.Mutable(fd).Message(), depth+1)
			}
		default:
			m.Set(fd, randomScalar(r, fd))
		}
	}
}

// fillTimestamp sets a valid Timestamp with 0, 3, 6 or 9 significant
// fractional digits (or a random nanos).
func fillTimestamp(r *rand.Rand, m protoreflect.Message) {
	fds := m.Descriptor().Fields()
	secs := []int64{0, -1, 1, minTimestampSeconds, maxTimestampSeconds, 1788739200}[r.Intn(6)]
	if r.Intn(2) == 0 {
		secs = minTimestampSeconds + r.Int63n(maxTimestampSeconds-minTimestampSeconds+1)
	}
	var nanos int64
	switch r.Intn(5) {
	case 1:
		nanos = int64(r.Intn(1000)) * 1e6
	case 2:
		nanos = int64(r.Intn(1e6)) * 1e3
	case 3:
		nanos = int64(r.Intn(1e9))
	case 4:
		nanos = []int64{1, 999999999, 1e6, 1e3, 100}[r.Intn(5)]
	}
	m.Set(fds.ByNumber(1), protoreflect.ValueOfInt64(secs))
	m.Set(fds.ByNumber(2), protoreflect.ValueOfInt32(int32(nanos)))
}

func randomScalar(r *rand.Rand, fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.Intn(2) == 0)
	case protoreflect.StringKind:
		s := randomStrings[r.Intn(len(randomStrings))]
		if r.Intn(2) == 0 {
			s += randomStrings[r.Intn(len(randomStrings))]
		}
		return protoreflect.ValueOfString(s)
	case protoreflect.BytesKind:
		b := make([]byte, r.Intn(9))
		r.Read(b)
		return protoreflect.ValueOfBytes(b)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(randInt(r)))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(randInt(r)))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(randInt(r))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(randInt(r)))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(r.NormFloat64()))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(r.NormFloat64() * 1e6)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if k := r.Intn(vals.Len() + 1); k < vals.Len() {
			return protoreflect.ValueOfEnum(vals.Get(k).Number())
		}
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(900 + r.Intn(100))) // unknown: a bare number
	}
	panic(fmt.Sprintf("no random value for %v", fd.Kind()))
}

// TestJSONEncoderErrorsAreProtojsons: a value protojson rejects gets
// protojson's error, word for word.
func TestJSONEncoderErrorsAreProtojsons(t *testing.T) {
	tests := map[string]proto.Message{
		"invalid UTF-8": &billingv1.ListStudentStatementsResponse{
			Statements: []*billingv1.Statement{{StatementId: "st\xff1"}},
		},
		"invalid UTF-8 map key":   nil,
		"seconds out of range":    timestampHolder(t, &timestamppb.Timestamp{Seconds: maxTimestampSeconds + 1}),
		"negative nanos":          timestampHolder(t, &timestamppb.Timestamp{Seconds: 1, Nanos: -1}),
		"nanos of a whole second": timestampHolder(t, &timestamppb.Timestamp{Seconds: 1, Nanos: 1e9}),
		"seconds before year one": timestampHolder(t, &timestamppb.Timestamp{Seconds: minTimestampSeconds - 1}),
	}
	if m := messageWithStringMap(); m != nil {
		tests["invalid UTF-8 map key"] = m
	} else {
		delete(tests, "invalid UTF-8 map key")
	}
	for name, m := range tests {
		t.Run(name, func(t *testing.T) {
			if !fastJSON(m.ProtoReflect().Descriptor()) {
				t.Fatalf("%s is not on the compiled path; the test would prove nothing", m.ProtoReflect().Descriptor().FullName())
			}
			_, werr := gatewayProtojson.Marshal(m)
			got, gerr := gatewayJSON.Marshal(m)
			if werr == nil {
				t.Fatalf("protojson accepted it; pick a value it rejects")
			}
			if gerr == nil || gerr.Error() != werr.Error() {
				t.Fatalf("got %s, %v; want protojson's error %v", got, gerr, werr)
			}
			t.Logf("%v", gerr)
		})
	}
	compareJSON(t, "the last nanosecond", timestampHolder(t, &timestamppb.Timestamp{Seconds: maxTimestampSeconds, Nanos: 999999999}))
	compareJSON(t, "the first second", timestampHolder(t, &timestamppb.Timestamp{Seconds: minTimestampSeconds}))
}

// timestampHolder returns a kehou message on the compiled path whose first
// Timestamp field holds ts.
func timestampHolder(t *testing.T, ts *timestamppb.Timestamp) proto.Message {
	var out proto.Message
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		md := mt.Descriptor()
		if !strings.HasPrefix(string(md.FullName()), "kehou.") || !fastJSON(md) {
			return true
		}
		for i := 0; i < md.Fields().Len(); i++ {
			fd := md.Fields().Get(i)
			if fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Timestamp" && !fd.IsList() && fd.ContainingOneof() == nil {
				m := mt.New()
				m.Set(fd, protoreflect.ValueOfMessage(ts.ProtoReflect()))
				out = m.Interface()
				return false
			}
		}
		return true
	})
	if out == nil {
		t.Fatal("no kehou message with a Timestamp field on the compiled path")
	}
	return out
}

// messageWithStringMap returns a kehou message on the compiled path with an
// invalid UTF-8 key in a string-keyed map, or nil when there is none.
func messageWithStringMap() proto.Message {
	var out proto.Message
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		md := mt.Descriptor()
		if !strings.HasPrefix(string(md.FullName()), "kehou.") || !fastJSON(md) {
			return true
		}
		for i := 0; i < md.Fields().Len(); i++ {
			fd := md.Fields().Get(i)
			if fd.IsMap() && fd.MapKey().Kind() == protoreflect.StringKind && fd.MapValue().Kind() != protoreflect.MessageKind {
				m := mt.New()
				m.Mutable(fd).Map().Set(protoreflect.ValueOfString("k\xfe").MapKey(), randomScalar(rand.New(rand.NewSource(1)), fd.MapValue()))
				out = m.Interface()
				return false
			}
		}
		return true
	})
	return out
}

// TestGatewayMarshalUsesTheCompiledEncoder: the gateway's marshaler writes
// a proto answer through the encoder, and keeps the stream error chunk and
// non-message values as before.
func TestGatewayMarshalUsesTheCompiledEncoder(t *testing.T) {
	m := fieldNamingJSONPb{newTestJSONPb()}
	msg := statementsResponse()
	got, err := m.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := gatewayJSON.Marshal(msg)
	if !bytes.Equal(got, want) {
		t.Errorf("Marshal wrote\n%s\nnot the compiled encoder's\n%s", got, want)
	}
	compareJSON(t, "statements", msg)
	chunk, err := m.Marshal(map[string]proto.Message{"result": &commonv1.Date{Year: 2026, Month: 9, Day: 7}})
	if err != nil || !strings.Contains(string(chunk), `"result"`) {
		t.Errorf("stream chunk: %s, %v", chunk, err)
	}
	if b, err := m.Marshal("plain"); err != nil || string(b) != `"plain"` {
		t.Errorf("non-message: %s, %v", b, err)
	}
}

// TestJSONEncoderShapesKehouLacks runs the differential test on built-in
// descriptors for what the kehou protos do not use (yet): oneofs, proto3
// optional, maps of every key kind, enum aliases and negative numbers,
// proto2 presence and defaults; and checks what must fall back does.
func TestJSONEncoderShapesKehouLacks(t *testing.T) {
	lookup := testJSONFile(t)
	perType := 300
	if testing.Short() {
		perType = 50
	}
	wantFast := map[string]bool{"All": true, "Two": true, "Required": false, "Extendable": false, "Floats": false, "HasDuration": false, "HoldsFloats": false}
	for name, fast := range wantFast {
		md := lookup(name)
		if got := fastJSON(md); got != fast {
			t.Errorf("%s: compiled path %v, want %v", name, got, fast)
		}
		mt := dynamicpb.NewMessageType(md)
		r := rand.New(rand.NewSource(int64(len(name))))
		compareJSON(t, name+" empty", mt.New().Interface())
		for i := 0; i < perType; i++ {
			m := mt.New()
			fillRandom(r, m, 1) // All nests in seven ways: two levels are plenty
			if !compareJSON(t, fmt.Sprintf("%s #%d", name, i), m.Interface()) {
				break
			}
		}
	}
}

// testJSONFile builds kehoutest.jsonenc (messages with every shape) and
// returns its message lookup.
func testJSONFile(t *testing.T) func(name string) protoreflect.MessageDescriptor {
	t.Helper()
	type field = descriptorpb.FieldDescriptorProto
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	f := func(name string, num int32, typ descriptorpb.FieldDescriptorProto_Type, typeName string) *field {
		fd := &field{Name: proto.String(name), Number: proto.Int32(num), Label: opt, Type: typ.Enum()}
		if typeName != "" {
			fd.TypeName = proto.String(typeName)
		}
		return fd
	}
	scalars := []descriptorpb.FieldDescriptorProto_Type{
		descriptorpb.FieldDescriptorProto_TYPE_BOOL, descriptorpb.FieldDescriptorProto_TYPE_STRING,
		descriptorpb.FieldDescriptorProto_TYPE_BYTES, descriptorpb.FieldDescriptorProto_TYPE_INT32,
		descriptorpb.FieldDescriptorProto_TYPE_SINT32, descriptorpb.FieldDescriptorProto_TYPE_SFIXED32,
		descriptorpb.FieldDescriptorProto_TYPE_UINT32, descriptorpb.FieldDescriptorProto_TYPE_FIXED32,
		descriptorpb.FieldDescriptorProto_TYPE_INT64, descriptorpb.FieldDescriptorProto_TYPE_SINT64,
		descriptorpb.FieldDescriptorProto_TYPE_SFIXED64, descriptorpb.FieldDescriptorProto_TYPE_UINT64,
		descriptorpb.FieldDescriptorProto_TYPE_FIXED64,
	}
	const (
		tEnum = descriptorpb.FieldDescriptorProto_TYPE_ENUM
		tMsg  = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
	)
	all := &descriptorpb.DescriptorProto{Name: proto.String("All")}
	n := int32(1)
	add := func(fd *field) *field { fd.Number = proto.Int32(n); n++; all.Field = append(all.Field, fd); return fd }
	for _, typ := range scalars {
		name := strings.ToLower(strings.TrimPrefix(typ.String(), "TYPE_"))
		add(f("s_"+name, 0, typ, ""))
		add(f("r_"+name, 0, typ, "")).Label = rep
	}
	add(f("e", 0, tEnum, ".kehoutest.jsonenc.E"))
	add(f("r_e", 0, tEnum, ".kehoutest.jsonenc.E")).Label = rep
	add(f("child", 0, tMsg, ".kehoutest.jsonenc.All"))
	add(f("children", 0, tMsg, ".kehoutest.jsonenc.All")).Label = rep
	add(f("at", 0, tMsg, ".google.protobuf.Timestamp"))
	add(f("ats", 0, tMsg, ".google.protobuf.Timestamp")).Label = rep
	add(f("two", 0, tMsg, ".kehoutest.jsonenc.Two"))
	// A real oneof of four, declared between other fields.
	all.OneofDecl = append(all.OneofDecl, &descriptorpb.OneofDescriptorProto{Name: proto.String("choice")})
	for _, c := range []*field{
		f("c_string", 0, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
		f("c_int64", 0, descriptorpb.FieldDescriptorProto_TYPE_INT64, ""),
		f("c_all", 0, tMsg, ".kehoutest.jsonenc.All"),
		f("c_at", 0, tMsg, ".google.protobuf.Timestamp"),
	} {
		c.OneofIndex = proto.Int32(0)
		add(c)
	}
	add(f("after_oneof", 0, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""))
	// proto3 optional: each in its synthetic oneof.
	for _, o := range []*field{
		f("o_string", 0, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
		f("o_int32", 0, descriptorpb.FieldDescriptorProto_TYPE_INT32, ""),
		f("o_e", 0, tEnum, ".kehoutest.jsonenc.E"),
		f("o_all", 0, tMsg, ".kehoutest.jsonenc.All"),
	} {
		all.OneofDecl = append(all.OneofDecl, &descriptorpb.OneofDescriptorProto{Name: proto.String("_" + o.GetName())})
		o.OneofIndex = proto.Int32(int32(len(all.OneofDecl) - 1))
		o.Proto3Optional = proto.Bool(true)
		add(o)
	}
	// A map for every key kind.
	keys := []descriptorpb.FieldDescriptorProto_Type{
		descriptorpb.FieldDescriptorProto_TYPE_STRING, descriptorpb.FieldDescriptorProto_TYPE_BOOL,
		descriptorpb.FieldDescriptorProto_TYPE_INT32, descriptorpb.FieldDescriptorProto_TYPE_SINT64,
		descriptorpb.FieldDescriptorProto_TYPE_UINT32, descriptorpb.FieldDescriptorProto_TYPE_FIXED64,
		descriptorpb.FieldDescriptorProto_TYPE_SFIXED32,
	}
	values := []*field{
		f("value", 2, descriptorpb.FieldDescriptorProto_TYPE_INT64, ""),
		f("value", 2, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
		f("value", 2, tMsg, ".kehoutest.jsonenc.All"),
		f("value", 2, tEnum, ".kehoutest.jsonenc.E"),
		f("value", 2, descriptorpb.FieldDescriptorProto_TYPE_BYTES, ""),
		f("value", 2, tMsg, ".google.protobuf.Timestamp"),
		f("value", 2, descriptorpb.FieldDescriptorProto_TYPE_BOOL, ""),
	}
	for i, k := range keys {
		entry := fmt.Sprintf("M%dEntry", i)
		all.NestedType = append(all.NestedType, &descriptorpb.DescriptorProto{
			Name:    proto.String(entry),
			Field:   []*field{f("key", 1, k, ""), values[i]},
			Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
		})
		add(f(fmt.Sprintf("m%d", i), 0, tMsg, ".kehoutest.jsonenc.All."+entry)).Label = rep
	}
	enum := &descriptorpb.EnumDescriptorProto{
		Name:    proto.String("E"),
		Options: &descriptorpb.EnumOptions{AllowAlias: proto.Bool(true)},
	}
	for _, v := range []struct {
		name string
		num  int32
	}{{"E_ZERO", 0}, {"E_ONE", 1}, {"E_UNO", 1}, {"E_NEG", -5}, {"E_BIG", math.MaxInt32}} {
		enum.Value = append(enum.Value, &descriptorpb.EnumValueDescriptorProto{Name: proto.String(v.name), Number: proto.Int32(v.num)})
	}
	msg := func(name string, fields ...*field) *descriptorpb.DescriptorProto {
		for i, fd := range fields {
			fd.Number = proto.Int32(int32(i + 1))
		}
		return &descriptorpb.DescriptorProto{Name: proto.String(name), Field: fields}
	}
	// proto3 file: All, and the ones that must fall back.
	p3 := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("kehoutest/jsonenc.proto"),
		Package:    proto.String("kehoutest.jsonenc"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"google/protobuf/timestamp.proto", "google/protobuf/duration.proto", "kehoutest/jsonenc2.proto"},
		EnumType:   []*descriptorpb.EnumDescriptorProto{enum},
		MessageType: []*descriptorpb.DescriptorProto{
			all,
			msg("Floats", f("name", 0, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""), f("x", 0, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, "")),
			msg("HoldsFloats", f("name", 0, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""), f("f", 0, tMsg, ".kehoutest.jsonenc.Floats")),
			msg("HasDuration", f("d", 0, tMsg, ".google.protobuf.Duration")),
		},
	}
	// proto2 file: presence (unset scalars are null), defaults, required,
	// extension ranges.
	withDefault := f("d_int32", 0, descriptorpb.FieldDescriptorProto_TYPE_INT32, "")
	withDefault.DefaultValue = proto.String("7")
	required := f("must", 0, descriptorpb.FieldDescriptorProto_TYPE_STRING, "")
	required.Label = descriptorpb.FieldDescriptorProto_LABEL_REQUIRED.Enum()
	ext := msg("Extendable", f("name", 0, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""))
	ext.ExtensionRange = []*descriptorpb.DescriptorProto_ExtensionRange{{Start: proto.Int32(100), End: proto.Int32(200)}}
	p2 := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("kehoutest/jsonenc2.proto"),
		Package:    proto.String("kehoutest.jsonenc"),
		Syntax:     proto.String("proto2"),
		Dependency: []string{"google/protobuf/timestamp.proto"},
		MessageType: []*descriptorpb.DescriptorProto{
			msg("Two",
				f("s", 0, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
				withDefault,
				f("u64", 0, descriptorpb.FieldDescriptorProto_TYPE_UINT64, ""),
				f("b", 0, descriptorpb.FieldDescriptorProto_TYPE_BYTES, ""),
				f("at", 0, tMsg, ".google.protobuf.Timestamp"),
				f("next", 0, tMsg, ".kehoutest.jsonenc.Two"),
			),
			msg("Required", f("name", 0, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""), required),
			ext,
		},
	}
	files := new(protoregistry.Files)
	for _, dep := range []protoreflect.FileDescriptor{timestamppb.File_google_protobuf_timestamp_proto, durationpb.File_google_protobuf_duration_proto} {
		if err := files.RegisterFile(dep); err != nil {
			t.Fatal(err)
		}
	}
	two, err := protodesc.NewFile(p2, files)
	if err != nil {
		t.Fatal(err)
	}
	if err := files.RegisterFile(two); err != nil {
		t.Fatal(err)
	}
	fd, err := protodesc.NewFile(p3, files)
	if err != nil {
		t.Fatal(err)
	}
	return func(name string) protoreflect.MessageDescriptor {
		if md := fd.Messages().ByName(protoreflect.Name(name)); md != nil {
			return md
		}
		return two.Messages().ByName(protoreflect.Name(name))
	}
}
