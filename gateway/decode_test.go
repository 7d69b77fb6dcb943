package gateway

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

func TestDecodeErrorNamesTheField(t *testing.T) {
	m := fieldNamingJSONPb{&runtime.JSONPb{UnmarshalOptions: protojson.UnmarshalOptions{}}}
	tests := []struct {
		give string
		want string // "" = decodes
	}{
		{`{"year": 2026, "month": 9, "day": 7}`, ""},
		{`{"year": "abc", "month": 9}`, "field year:"},
		{`{"year": 2026, "month": {"a": 1}}`, "field month:"},
		{"  \n {\"year\": 2026,\n \"day\": [1]}", "field day:"},
		{`{"year": 2026, "colour": 1}`, "field colour:"},
		{`{"year": 20`, "field "},
		{`not json`, "field body:"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			var d commonv1.Date
			err := m.NewDecoder(strings.NewReader(tt.give)).Decode(&d)
			t.Logf("%v", err)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("decode: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if err := m.NewDecoder(strings.NewReader("")).Decode(&commonv1.Date{}); err != nil && !errors.Is(err, io.EOF) {
		t.Errorf("empty body: %v, want io.EOF as before", err)
	}
}
