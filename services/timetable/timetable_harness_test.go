package timetable_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kehou/kehou/gateway"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"github.com/kehou/kehou/services/timetable"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// serveGRPC serves timetable, with the full interceptor chain, on a real
// loopback listener over a fresh migrated database and returns a client
// connection to it.
func serveGRPC(t *testing.T) *grpc.ClientConn {
	t.Helper()
	pool := pgtest.Pool(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := rpcserver.New(rpcserver.Options{Service: "timetable", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	timetable.Register(srv, pool, log)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis, time.Second) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return conn
}

// httpEnv is the real gateway in front of a real timetable gRPC server on
// a real database: HTTP end to end, without the other services, so these
// tests depend on nothing but timetable.
type httpEnv struct {
	base string
}

// startHTTP starts the gateway over serveGRPC. Staffing and billing routes
// are pointed at the same connection and unused here.
func startHTTP(t *testing.T) *httpEnv {
	t.Helper()
	conn := serveGRPC(t)
	h, err := gateway.New(context.Background(), gateway.Config{
		Backends: gateway.Backends{Timetable: conn, Staffing: conn, Billing: conn},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &httpEnv{base: srv.URL}
}

// httpResponse is a decoded gateway response.
type httpResponse struct {
	Code int
	Body map[string]any
	Raw  string
}

// Do sends a JSON request; body may be nil, a string or a value to marshal.
func (e *httpEnv) Do(t testing.TB, method, path string, body any) httpResponse {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := httpResponse{Code: resp.StatusCode, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// MustDo is Do that fails the test unless the status is 200.
func (e *httpEnv) MustDo(t testing.TB, method, path string, body any) map[string]any {
	t.Helper()
	r := e.Do(t, method, path, body)
	if r.Code != http.StatusOK {
		t.Fatalf("%s %s: status %d: %s", method, path, r.Code, r.Raw)
	}
	return r.Body
}

// District creates a district with the typical policy: off-work 17:30,
// 120 minutes a day, 5 days, 40/45-minute periods, at most 3 periods,
// extended care by 18:30, evening study by 20:30, outside share 50%.
func (e *httpEnv) District(t testing.TB, id string) string {
	t.Helper()
	e.MustDo(t, "POST", "/v1/districts", map[string]any{"district_id": id, "name": "测试区" + id, "policy": map[string]any{
		"off_work_time":                jTime(17, 30),
		"min_minutes_per_day":          120,
		"service_days_per_week":        5,
		"period_minutes_primary":       40,
		"period_minutes_junior_middle": 45,
		"max_periods_per_day":          3,
		"evening_care_end":             jTime(18, 30),
		"evening_study_end":            jTime(20, 30),
		"outside_share_cap_percent":    50,
		"students_per_adult":           20,
	}})
	return id
}

// School creates a school of a stage ("SCHOOL_STAGE_PRIMARY" …) and returns its id.
func (e *httpEnv) School(t testing.TB, districtID, name, stage string) string {
	t.Helper()
	b := e.MustDo(t, "POST", "/v1/schools", map[string]any{"district_id": districtID, "name": name, "stage": stage})
	return jStr(b, "school", "school_id")
}

// jGet walks decoded JSON by keys and indexes.
func jGet(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// jStr is jGet as a string.
func jStr(v any, path ...any) string {
	s, _ := jGet(v, path...).(string)
	return s
}

// jDate is a contract date.
func jDate(y, m, d int) map[string]any { return map[string]any{"year": y, "month": m, "day": d} }

// jTime is a contract time of day.
func jTime(h, m int) map[string]any { return map[string]any{"hours": h, "minutes": m} }
