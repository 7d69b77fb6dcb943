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
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
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
