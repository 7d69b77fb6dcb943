package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The lean client must read whole responses of either framing, send the
// token, and count anything but 200 with a body as an error (a route that
// answered 404 fast would otherwise be measured as fast).
func TestLeanHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", "5")
			fmt.Fprint(w, "hello")
		case "/chunked":
			for i := range 3 {
				fmt.Fprintf(w, "part %d %s;", i, strings.Repeat("x", 5000))
				w.(http.Flusher).Flush()
			}
		case "/empty":
			w.Header().Set("Content-Length", "0")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	h := newLeanHTTP(strings.TrimPrefix(srv.URL, "http://"), 1)
	defer h.close()
	ctx := context.Background()
	for range 3 { // the same connection, kept alive, each time
		for _, p := range []string{"/length", "/chunked"} {
			if err := h.get(ctx, 0, p, "tok"); err != nil {
				t.Fatalf("GET %s: %v", p, err)
			}
		}
	}
	for _, tt := range []struct{ path, tok, want string }{
		{"/missing", "tok", "status 404"},
		{"/empty", "tok", "status 200"},
		{"/length", "other", "status 401"},
	} {
		if err := h.get(ctx, 0, tt.path, tt.tok); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("GET %s with %q: %v, want an error containing %q", tt.path, tt.tok, err, tt.want)
		}
		if err := h.get(ctx, 0, "/length", "tok"); err != nil { // the connection is still good after an error answer
			t.Errorf("GET /length after %s: %v", tt.path, err)
		}
	}
}
