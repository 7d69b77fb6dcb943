package system_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kehou/kehou/gateway"
	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
)

// errorShape decodes the one error shape and fails unless the body is
// exactly {"code", "message", "details"}.
func errorShape(t *testing.T, what, raw string) (code int, message string) {
	t.Helper()
	var body map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		t.Fatalf("%s: body is not JSON: %q", what, raw)
	}
	if len(body) != 3 || body["code"] == nil || body["message"] == nil || body["details"] == nil {
		t.Fatalf("%s: body %s is not {code, message, details}", what, raw)
	}
	if err := json.Unmarshal(body["code"], &code); err != nil {
		t.Fatalf("%s: code: %v", what, err)
	}
	_ = json.Unmarshal(body["message"], &message)
	return code, message
}

// raw sends one request with the given content type and body.
func raw(t *testing.T, env *systemtest.Env, method, path, contentType string, body io.Reader, length int64) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, env.Base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if length >= 0 {
		req.ContentLength = length
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	// These requests are about the transport, made as the platform operator.
	req.Header.Set("Authorization", "Bearer "+env.Mint(systemtest.OperatorPrincipal))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// endless is a body that never ends (no declared length: chunked).
type endless struct{ sent int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	e.sent += int64(len(p))
	return len(p), nil
}

// TestBodyLimit: a body above the limit answers 413 in the one error
// shape, whether its length is declared or it is chunked (then it is cut
// off at the limit instead of read whole), and a route listed as an upload
// route takes the larger limit.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	env := systemtest.StartWith(t, func(c *system.Config) {
		c.HTTP.Gateway = gateway.Limits{MaxBodyBytes: 64 << 10, MaxUploadBytes: 256 << 10,
			UploadRoutes: []string{"POST /v1/districts/{district_id}/fee-schedules"}}
	})
	district := env.District(t, "350490")
	big := `{"district": {"district_id": "350491", "name": "` + strings.Repeat("区", 40<<10) + `"}}` // ~120 KB
	code, _, body := raw(t, env, "POST", "/v1/districts", "application/json", strings.NewReader(big), int64(len(big)))
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("declared 120 KB body: %d %s, want 413", code, body)
	}
	if c, msg := errorShape(t, "413", body); c != 3 || !strings.Contains(msg, "65536") {
		t.Errorf("413 body code %d message %q, want InvalidArgument naming the limit", c, msg)
	}
	e := &endless{}
	code, _, body = raw(t, env, "POST", "/v1/districts", "application/json", io.MultiReader(strings.NewReader(`{"district": {"name": "`), e), -1)
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("endless chunked body: %d %s, want 413", code, body)
	}
	errorShape(t, "chunked 413", body)
	// The request came back at all: the gateway stopped reading the endless
	// body. What the client pushed into the socket's buffers before the
	// connection closed is a few MB at most, never the whole stream.
	if e.sent > 64<<20 {
		t.Errorf("the client pushed %d bytes of an endless body before the gateway cut it off, want a few MB at most", e.sent)
	}
	// The upload route takes 256 KB: a 120 KB schedule reaches the service (and is refused there for its content).
	sched := `{"schedule_id": "big", "document_no": "` + strings.Repeat("文", 40<<10) + `"}`
	code, _, body = raw(t, env, "POST", "/v1/districts/"+district+"/fee-schedules", "application/json", strings.NewReader(sched), int64(len(sched)))
	if code == http.StatusRequestEntityTooLarge || code >= 500 {
		t.Errorf("120 KB body on the upload route: %d %s, want it read (a 4xx from the service at most)", code, body)
	}
	if r := env.Do(t, "GET", "/v1/districts/"+district, nil); r.Code != http.StatusOK {
		t.Errorf("a normal request after the refusals: %d %s", r.Code, r.Raw)
	}
}

// TestSlowBodyIsCutOff: a client that sends its headers and then trickles
// the body is disconnected when the read timeout passes.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	env := systemtest.StartWith(t, func(c *system.Config) { c.HTTP.ReadTimeout = time.Second })
	conn, err := net.Dial("tcp", strings.TrimPrefix(env.Base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /v1/districts HTTP/1.1\r\nHost: kehou\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"district\":")
	// Trickle a byte every 300 ms in the background until the server hangs up.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(conn)
	for {
		if _, err := rd.ReadByte(); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("connection still open after %v: the slow body was not cut off", time.Since(start))
			}
			break // closed by the server
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("slow body cut off after %v, want about the 1s read timeout", d)
	}
}

// TestRateLimitPerAddress: past its burst a client address gets 429 with
// Retry-After in the one error shape; health probes are not counted.
func TestRateLimitPerAddress(t *testing.T) {
	t.Parallel()
	env := systemtest.StartWith(t, func(c *system.Config) {
		c.HTTP.Gateway = gateway.Limits{RatePerSecond: 0.5, RateBurst: 5}
	})
	ok, limited := 0, 0
	var last systemtest.Response
	for range 8 {
		r := env.Do(t, "GET", "/v1/districts", nil)
		switch r.Code {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
			last = r
		default:
			t.Fatalf("status %d %s", r.Code, r.Raw)
		}
	}
	if ok != 5 || limited != 3 {
		t.Fatalf("%d ok and %d limited, want 5 (the burst) and 3", ok, limited)
	}
	if secs, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 2 {
		t.Errorf("Retry-After %q, want 1 or 2 seconds at 0.5 requests a second", last.Header.Get("Retry-After"))
	}
	if c, _ := errorShape(t, "429", last.Raw); c != 8 {
		t.Errorf("429 code %d, want 8 (ResourceExhausted)", c)
	}
	if r := env.Do(t, "GET", "/healthz", nil); r.Code != http.StatusOK {
		t.Errorf("healthz while limited: %d", r.Code)
	}
}

// TestStrictRequests: a body must be JSON sent as JSON, with nothing after
// the JSON value; a method a route does not have answers 405 with Allow.
func TestStrictRequests(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	district := `{"district_id": "350492", "name": "新区", "policy": ` + mustJSON(t, systemtest.Policy()) + `}`
	tests := []struct {
		name, method, path, contentType, body string
		want                                  int
	}{
		{"trailing object", "POST", "/v1/districts", "application/json", district + `{"district_id": "350493"}`, 400},
		{"trailing garbage", "POST", "/v1/districts", "application/json", district + ` x`, 400},
		{"form content type", "POST", "/v1/districts", "application/x-www-form-urlencoded", district, 415},
		{"text content type", "POST", "/v1/districts", "text/plain", district, 415},
		{"no content type", "POST", "/v1/districts", "", district, 415},
		{"undefined method", "DELETE", "/v1/districts", "", "", 405},
		{"undefined method with id", "PUT", "/v1/districts/350402", "application/json", `{}`, 405},
	}
	for _, tt := range tests {
		var body io.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
		}
		code, h, got := raw(t, env, tt.method, tt.path, tt.contentType, body, -2)
		if code != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, code, got, tt.want)
			continue
		}
		_, msg := errorShape(t, tt.name, got)
		if code == 400 && !strings.Contains(msg, "after the JSON value") {
			t.Errorf("%s: message %q does not say what is wrong", tt.name, msg)
		}
		if code == 405 && h.Get("Allow") == "" {
			t.Errorf("%s: 405 without Allow", tt.name)
		}
	}
	if _, h, _ := raw(t, env, "DELETE", "/v1/districts", "", nil, -2); h.Get("Allow") != "GET, POST" {
		t.Errorf("Allow of /v1/districts = %q, want \"GET, POST\"", h.Get("Allow"))
	}
	if _, h, _ := raw(t, env, "PUT", "/v1/districts/350402", "application/json", strings.NewReader(`{}`), -2); h.Get("Allow") != "GET, PATCH" {
		t.Errorf("Allow of /v1/districts/{id} = %q, want \"GET, PATCH\"", h.Get("Allow"))
	}
	// The same body sent properly is created: the refusals above wrote nothing.
	if code, _, got := raw(t, env, "POST", "/v1/districts", "application/json; charset=utf-8", strings.NewReader(district), -2); code != 200 {
		t.Errorf("the district itself: %d %s", code, got)
	}
	// A streaming route's error has the same shape.
	code, _, got := raw(t, env, "GET", "/v1/schools/sch_nope/approved-hours:stream?month.year=2026&month.month=13", "", nil, -2)
	if code < 400 || code >= 500 {
		t.Fatalf("bad stream request: %d %s, want a 4xx", code, got)
	}
	errorShape(t, "stream error", strings.TrimSpace(got))
}

// TestEveryCallHasADeadline: a call slower than the call timeout answers
// 504 in the one error shape instead of holding the connection.
func TestEveryCallHasADeadline(t *testing.T) {
	t.Parallel()
	env := systemtest.StartWith(t, func(c *system.Config) { c.HTTP.Gateway = gateway.Limits{CallTimeout: 300 * time.Millisecond} })
	start := time.Now()
	r := env.Do(t, "GET", "/v1/districts", nil, "X-Kehou-Fault", "delay=3s")
	if r.Code != http.StatusGatewayTimeout || time.Since(start) > 2*time.Second {
		t.Fatalf("slow call: %d %s after %v, want 504 at about 300ms", r.Code, r.Raw, time.Since(start))
	}
	if c, _ := errorShape(t, "504", r.Raw); c != 4 {
		t.Errorf("504 code %d, want 4 (DeadlineExceeded)", c)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
