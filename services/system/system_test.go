package system_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
)

// logBuffer collects log lines so tests can assert what was logged.
type logBuffer struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func newLogBuffer() *logBuffer { return &logBuffer{mu: make(chan struct{}, 1)} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.buf.String()
}

type bundle struct {
	base  string
	logs  *logBuffer
	run   *system.Running
	mint  systemtest.Minter
	token string
}

// do sends a request as the operator until a district is created, then as
// the first district's bureau administrator; districts are always created
// as the operator. A caller's own Authorization header wins.
func (b *bundle) do(t *testing.T, method, url string, body any, headers ...string) response {
	t.Helper()
	tok := b.token
	creating := method == "POST" && strings.HasSuffix(url, "/v1/districts")
	if tok == "" || creating {
		tok = b.mint.Token(systemtest.OperatorPrincipal)
	}
	r := do(t, method, url, body, append([]string{"Authorization", "Bearer " + tok}, headers...)...)
	if d, ok := body.(map[string]any); ok && creating && r.code == 200 && b.token == "" {
		b.token = b.mint.Token(systemtest.Bureau(d["district_id"].(string)))
	}
	return r
}

// setup starts every part on its own loopback port (separate gRPC servers
// talking over real connections) against a fresh database.
func setup(t *testing.T) bundle {
	t.Helper()
	logs := newLogBuffer()
	authCfg, mint := systemtest.NewAuth(t)
	r, err := system.Start(context.Background(), system.Config{
		Auth:           authCfg,
		Parts:          system.AllParts,
		DatabaseURL:    pgtest.URL(t),
		DBMaxConns:     8,
		HTTPAddr:       "127.0.0.1:0",
		TimetableAddr:  "127.0.0.1:0",
		StaffingAddr:   "127.0.0.1:0",
		BillingAddr:    "127.0.0.1:0",
		ShutdownGrace:  5 * time.Second,
		CORSOrigins:    []string{"https://app.example.cn"},
		Migrate:        false, // the template is migrated already
		FaultInjection: true,
		Logger:         slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return bundle{base: "http://" + r.HTTPAddr, logs: logs, run: r, mint: mint}
}

type response struct {
	code   int
	body   map[string]any
	raw    string
	header http.Header
}

func do(t *testing.T, method, url string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{code: resp.StatusCode, raw: string(raw), header: resp.Header}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

func demoDistrict(id string) map[string]any {
	return map[string]any{
		"district_id": id,
		"name":        "三元区",
		"policy": map[string]any{
			"off_work_time":                map[string]any{"hours": 17, "minutes": 30},
			"min_minutes_per_day":          120,
			"service_days_per_week":        5,
			"period_minutes_primary":       40,
			"period_minutes_junior_middle": 45,
			"max_periods_per_day":          3,
			"evening_care_end":             map[string]any{"hours": 18, "minutes": 30},
			"outside_share_cap_percent":    50,
		},
	}
}

func TestSchoolRoundTripThroughEveryService(t *testing.T) {
	t.Parallel()
	b := setup(t)

	if r := b.do(t, "POST", b.base+"/v1/districts", demoDistrict("350402")); r.code != 200 {
		t.Fatalf("create district: %d %s", r.code, r.raw)
	}
	r := b.do(t, "POST", b.base+"/v1/schools", map[string]any{"district_id": "350402", "name": "第一实验小学", "stage": "SCHOOL_STAGE_PRIMARY"})
	if r.code != 200 {
		t.Fatalf("create school: %d %s", r.code, r.raw)
	}
	school := r.body["school"].(map[string]any)
	id := school["school_id"].(string)

	got := b.do(t, "GET", b.base+"/v1/schools/"+id, nil)
	if got.code != 200 || got.body["school"].(map[string]any)["name"] != "第一实验小学" {
		t.Fatalf("get school: %d %s", got.code, got.raw)
	}
	if got.body["district"].(map[string]any)["policy"].(map[string]any)["min_minutes_per_day"] != float64(120) {
		t.Errorf("district policy not returned: %s", got.raw)
	}

	// HTTP → gateway → billing → timetable → PostgreSQL and back.
	bal := b.do(t, "GET", b.base+"/v1/schools/"+id+"/balance", nil, "X-Request-Id", "trace-billing-1")
	if bal.code != 200 {
		t.Fatalf("balance: %d %s", bal.code, bal.raw)
	}
	balance := bal.body["balance"].(map[string]any)
	if balance["school_name"] != "第一实验小学" || balance["district_id"] != "350402" || balance["outstanding"].(map[string]any)["amount"] != "0.00" {
		t.Errorf("balance = %s", bal.raw)
	}
	// The one request id reached billing and, through it, timetable.
	logs := b.logs.String()
	for _, svc := range []string{`"service":"billing"`, `"service":"timetable"`} {
		found := false
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, svc) && strings.Contains(line, `"request_id":"trace-billing-1"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s log line with the request id", svc)
		}
	}

	// Staffing resolves the school through timetable too.
	st := b.do(t, "POST", b.base+"/v1/schools/"+id+"/staff", map[string]any{"name": "林老师", "kind": "STAFF_KIND_TEACHER"})
	if st.code != 200 || st.body["staff_member"].(map[string]any)["district_id"] != "350402" {
		t.Fatalf("create staff: %d %s", st.code, st.raw)
	}
	list := b.do(t, "GET", b.base+"/v1/schools/"+id+"/staff", nil)
	if list.code != 200 || list.body["school_name"] != "第一实验小学" || len(list.body["staff"].([]any)) != 1 {
		t.Fatalf("list staff: %d %s", list.code, list.raw)
	}

	// Update, then list with paging.
	up := b.do(t, "PATCH", b.base+"/v1/schools/"+id, map[string]any{"school_id": id, "district_id": "350402", "name": "第一实验小学（本部）"})
	if up.code != 200 || up.body["school"].(map[string]any)["name"] != "第一实验小学（本部）" {
		t.Fatalf("update school: %d %s", up.code, up.raw)
	}
}

func TestListSchoolsPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.do(t, "POST", b.base+"/v1/districts", demoDistrict("350403"))
	for _, n := range []string{"甲", "乙", "丙", "丁", "戊"} {
		if r := b.do(t, "POST", b.base+"/v1/schools", map[string]any{"district_id": "350403", "name": n + "小学", "stage": "SCHOOL_STAGE_PRIMARY"}); r.code != 200 {
			t.Fatalf("create: %s", r.raw)
		}
	}
	seen := map[string]bool{}
	token := ""
	pages := 0
	for {
		r := b.do(t, "GET", b.base+"/v1/districts/350403/schools?page_size=2&page_token="+token, nil)
		if r.code != 200 {
			t.Fatalf("list: %s", r.raw)
		}
		pages++
		for _, s := range r.body["schools"].([]any) {
			seen[s.(map[string]any)["school_id"].(string)] = true
		}
		token, _ = r.body["next_page_token"].(string)
		if token == "" {
			break
		}
	}
	if len(seen) != 5 || pages != 3 {
		t.Errorf("saw %d schools in %d pages, want 5 in 3", len(seen), pages)
	}
}

func TestBadInputGetsClearErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.do(t, "POST", b.base+"/v1/districts", demoDistrict("350404"))

	tests := []struct {
		name       string
		method     string
		path       string
		give       any
		wantCode   int
		wantFields []string
	}{
		// (A malformed district id is out of every caller's scope: 403 before any field is read.)
		{"invalid fields", "POST", "/v1/schools", map[string]any{"district_id": "350404", "name": "", "stage": "SCHOOL_STAGE_UNSPECIFIED"}, 400, []string{"school.name", "school.stage"}},
		{"invalid district policy", "POST", "/v1/districts", map[string]any{"district_id": "350499", "name": "x", "policy": map[string]any{"off_work_time": map[string]any{"hours": 25}, "service_days_per_week": 9}}, 400, []string{"district.policy.off_work_time.hours", "district.policy.service_days_per_week"}},
		{"domain rule", "POST", "/v1/districts", map[string]any{"district_id": "350498", "name": "  ", "policy": map[string]any{"off_work_time": map[string]any{"hours": 17}, "service_days_per_week": 5, "period_minutes_primary": 40, "period_minutes_junior_middle": 45, "evening_care_end": map[string]any{"hours": 16}}}, 400, []string{"district.name", "district.policy.evening_care_end"}},
		{"malformed json", "POST", "/v1/schools", `{"school": `, 400, nil},
		{"unknown json field", "POST", "/v1/schools", map[string]any{"district_id": "350404", "name": "x", "stage": "SCHOOL_STAGE_PRIMARY", "colour": "red"}, 400, nil},
		{"bad page token", "GET", "/v1/districts/350404/schools?page_token=zzz", nil, 400, []string{"page_token"}},
		{"unknown route", "GET", "/v1/nowhere", nil, 404, nil},
		{"unknown top-level route", "GET", "/nothing/here", nil, 404, nil},
		{"missing school", "GET", "/v1/schools/sch_000000000000", nil, 404, nil},
		{"missing school via billing", "GET", "/v1/schools/sch_000000000000/balance", nil, 404, nil},
		{"missing district", "GET", "/v1/districts/999999/schools", nil, 404, nil},
		{"duplicate district", "POST", "/v1/districts", demoDistrict("350404"), 409, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.do(t, tt.method, b.base+tt.path, tt.give)
			if r.code != tt.wantCode {
				t.Fatalf("status = %d, want %d: %s", r.code, tt.wantCode, r.raw)
			}
			if _, ok := r.body["code"]; !ok {
				t.Fatalf("body lacks code: %s", r.raw)
			}
			if _, ok := r.body["message"]; !ok {
				t.Fatalf("body lacks message: %s", r.raw)
			}
			if _, ok := r.body["details"]; !ok {
				t.Fatalf("body lacks details: %s", r.raw)
			}
			for _, f := range tt.wantFields {
				if !strings.Contains(r.raw, `"field":"`+f+`"`) {
					t.Errorf("field %s not named in %s", f, r.raw)
				}
			}
		})
	}

	// A duplicate school name in one district is a conflict too, and the
	// failed create left nothing behind.
	mk := map[string]any{"district_id": "350404", "name": "重名小学", "stage": "SCHOOL_STAGE_PRIMARY"}
	if r := b.do(t, "POST", b.base+"/v1/schools", mk); r.code != 200 {
		t.Fatalf("create: %s", r.raw)
	}
	if r := b.do(t, "POST", b.base+"/v1/schools", mk); r.code != 409 {
		t.Fatalf("duplicate school: %d %s", r.code, r.raw)
	}
	r := b.do(t, "GET", b.base+"/v1/districts/350404/schools", nil)
	if n := len(r.body["schools"].([]any)); n != 1 {
		t.Errorf("%d schools after a duplicate create, want 1", n)
	}
}

func TestPanicIsContained(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, "GET", b.base+"/v1/districts", nil, "X-Kehou-Fault", "panic", "X-Request-Id", "panic-req-1")
	if r.code != 500 {
		t.Fatalf("status = %d, want 500: %s", r.code, r.raw)
	}
	if r.body["message"] != "internal error" {
		t.Errorf("message = %v, want a generic one", r.body["message"])
	}
	if strings.Contains(r.raw, "injected") {
		t.Errorf("panic value leaked to the client: %s", r.raw)
	}
	logs := b.logs.String()
	if !strings.Contains(logs, "panic in handler") || !strings.Contains(logs, "goroutine") || !strings.Contains(logs, "panic-req-1") {
		t.Errorf("panic not logged with its stack and request id")
	}
	// And the process keeps serving.
	if r := b.do(t, "GET", b.base+"/v1/districts", nil); r.code != 200 {
		t.Fatalf("after panic: %d %s", r.code, r.raw)
	}
}

func TestOperationalEndpoints(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if r := b.do(t, "GET", b.base+"/healthz", nil); r.code != 200 {
		t.Errorf("healthz = %d", r.code)
	}
	if r := b.do(t, "GET", b.base+"/readyz", nil); r.code != 200 || r.body["status"] != "ready" {
		t.Errorf("readyz = %d %s", r.code, r.raw)
	}
	b.do(t, "GET", b.base+"/v1/districts", nil)
	m := b.do(t, "GET", b.base+"/metrics", nil)
	for _, want := range []string{"kehou_grpc_server_calls_total", "kehou_http_requests_total", `service="timetable"`} {
		if !strings.Contains(m.raw, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	r := b.do(t, "GET", b.base+"/v1/districts", nil)
	if r.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on the response")
	}

	// CORS: the allowed origin gets headers, another does not.
	pre := b.do(t, "OPTIONS", b.base+"/v1/schools", nil, "Origin", "https://app.example.cn", "Access-Control-Request-Method", "POST")
	if pre.code != 204 || pre.header.Get("Access-Control-Allow-Origin") != "https://app.example.cn" {
		t.Errorf("preflight from allowed origin: %d %v", pre.code, pre.header)
	}
	other := b.do(t, "GET", b.base+"/v1/districts", nil, "Origin", "https://evil.example.com")
	if other.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS header sent to a foreign origin")
	}
}

func TestOpenAPIListsEveryRoute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, "GET", b.base+"/openapi.json", nil)
	if r.code != 200 {
		t.Fatalf("openapi: %d", r.code)
	}
	paths, _ := r.body["paths"].(map[string]any)
	want := map[string][]string{
		"/v1/districts":                        {"get", "post"},
		"/v1/districts/{district_id}":          {"get"},
		"/v1/districts/{district.district_id}": {"patch"},
		"/v1/districts/{district_id}/schools":  {"get"},
		"/v1/schools":                          {"post"},
		"/v1/schools/{school_id}":              {"get"},
		"/v1/schools/{school.school_id}":       {"patch"},
		"/v1/schools/{school_id}/staff":        {"get", "post"},
		"/v1/schools/{school_id}/balance":      {"get"},
	}
	for p, methods := range want {
		ops, ok := paths[p].(map[string]any)
		if !ok {
			t.Errorf("openapi lacks %s", p)
			continue
		}
		for _, m := range methods {
			if _, ok := ops[m]; !ok {
				t.Errorf("openapi lacks %s %s", m, p)
			}
		}
	}
}

func TestReadyzFailsWhenAServiceIsDown(t *testing.T) {
	t.Parallel()
	logs := newLogBuffer()
	// A gateway alone, pointed at services that are not running.
	r, err := system.Start(context.Background(), system.Config{
		Parts: []system.Part{system.Gateway}, HTTPAddr: "127.0.0.1:0",
		TimetableAddr: "127.0.0.1:1", StaffingAddr: "127.0.0.1:1", BillingAddr: "127.0.0.1:1",
		ShutdownGrace: time.Second, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	if resp := do(t, "GET", "http://"+r.HTTPAddr+"/healthz", nil); resp.code != 200 {
		t.Errorf("healthz = %d, want 200 (alive)", resp.code)
	}
	resp := do(t, "GET", "http://"+r.HTTPAddr+"/readyz", nil)
	if resp.code != 503 {
		t.Errorf("readyz = %d, want 503: %s", resp.code, resp.raw)
	}
	if resp := do(t, "GET", "http://"+r.HTTPAddr+"/v1/schools/x", nil); resp.code != 503 {
		t.Errorf("call to a down service = %d, want 503: %s", resp.code, resp.raw)
	}
}
