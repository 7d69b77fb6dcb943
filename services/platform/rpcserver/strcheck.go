package rpcserver

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kehou/kehou/services/platform/fault"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// MaxStringChars is the longest string any request field may hold. No
// name, reason, id or token of the contract comes near it; anything longer
// is hostile input, refused before it is stored or echoed back.
const MaxStringChars = 4096

// stringViolations names every string field of a request that holds a NUL
// character (U+0000) or more than MaxStringChars characters. Protobuf
// allows NUL, but PostgreSQL text cannot store it, so without this check
// such input reaches the database and fails there as an internal error
// instead of a 400 naming the field.
func stringViolations(m protoreflect.Message) []fault.Violation {
	var out []fault.Violation
	walkNul(m, "", &out, 0)
	return out
}

func checkString(s, path string, out *[]fault.Violation) {
	switch {
	case strings.ContainsRune(s, 0):
		*out = append(*out, fault.Violation{Field: path, Reason: "must not contain a NUL character"})
	case len(s) > MaxStringChars && utf8.RuneCountInString(s) > MaxStringChars:
		*out = append(*out, fault.Violation{Field: path, Reason: fmt.Sprintf("must be at most %d characters", MaxStringChars)})
	}
}

func walkNul(m protoreflect.Message, prefix string, out *[]fault.Violation, depth int) {
	if depth > 32 {
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := prefix + string(fd.Name())
		switch {
		case fd.IsList():
			l := v.List()
			for i := range l.Len() {
				nulValue(fd, l.Get(i), fmt.Sprintf("%s[%d]", path, i), out, depth)
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				key := k.String()
				checkString(key, path, out)
				nulValue(fd.MapValue(), mv, fmt.Sprintf("%s[%q]", path, key), out, depth)
				return true
			})
		default:
			nulValue(fd, v, path, out, depth)
		}
		return true
	})
}

func nulValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, path string, out *[]fault.Violation, depth int) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		checkString(v.String(), path, out)
	case protoreflect.MessageKind, protoreflect.GroupKind:
		walkNul(v.Message(), path+".", out, depth+1)
	}
}
