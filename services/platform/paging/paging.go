// Package paging encodes list cursors as opaque page tokens, so clients
// page with next_page_token and never build offsets themselves.
package paging

import (
	"encoding/base64"

	"github.com/kehou/kehou/services/platform/fault"
)

// DefaultSize is the page size used when a request asks for 0.
const DefaultSize = 50

// Size returns the effective page size for a requested one.
func Size(requested int32) int {
	if requested <= 0 {
		return DefaultSize
	}
	return int(requested)
}

// Encode turns the last key of a page into the next page's token.
func Encode(lastKey string) string {
	if lastKey == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("k1:" + lastKey))
}

// Decode returns the key after which the next page starts ("" for the
// first page) or a validation error naming page_token.
func Decode(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 4 || string(b[:3]) != "k1:" {
		return "", fault.Invalid("page_token", "not a token from a previous response")
	}
	return string(b[3:]), nil
}
