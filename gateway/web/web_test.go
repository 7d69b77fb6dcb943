package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestHandlerServesThePagesWithTheirHeaders: the index at /, assets under
// /web/ with their types, a 304 for an unchanged file, 404 for anything else.
func TestHandlerServesThePagesWithTheirHeaders(t *testing.T) {
	h := Handler()
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	idx := get("/")
	if idx.Code != 200 || !strings.Contains(idx.Body.String(), `/js/main.js"`) || !strings.HasPrefix(idx.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("index: %d %q %.200s", idx.Code, idx.Header().Get("Content-Type"), idx.Body.String())
	}
	if !strings.Contains(idx.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("index CSP = %q", idx.Header().Get("Content-Security-Policy"))
	}
	// The index names its assets under the version; those may be cached for good.
	m := regexp.MustCompile(`src="(/web/[0-9a-f]{12}/)js/main.js"`).FindStringSubmatch(idx.Body.String())
	if m == nil {
		t.Fatalf("index does not name main.js under a version: %.400s", idx.Body.String())
	}
	if v := get(m[1] + "js/main.js"); v.Code != 200 || !strings.Contains(v.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("versioned main.js: %d, Cache-Control %q", v.Code, v.Header().Get("Cache-Control"))
	}
	js := get("/web/js/main.js")
	if js.Code != 200 || !strings.Contains(js.Header().Get("Content-Type"), "javascript") || js.Header().Get("ETag") == "" ||
		js.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("main.js: %d %q etag %q cache %q", js.Code, js.Header().Get("Content-Type"), js.Header().Get("ETag"), js.Header().Get("Cache-Control"))
	}
	if again := get("/web/js/main.js", "If-None-Match", js.Header().Get("ETag")); again.Code != http.StatusNotModified {
		t.Errorf("unchanged main.js: %d, want 304", again.Code)
	}
	if css := get("/web/app.css"); css.Code != 200 || !strings.Contains(css.Body.String(), "@media print") {
		t.Errorf("app.css: %d, want the print stylesheet in it", css.Code)
	}
	if again := get("/", "If-None-Match", idx.Header().Get("ETag")); again.Code != http.StatusNotModified {
		t.Errorf("unchanged index: %d, want 304", again.Code)
	}
	if missing := get("/web/js/nope.js"); missing.Code != 404 {
		t.Errorf("missing asset: %d, want 404", missing.Code)
	}
}
