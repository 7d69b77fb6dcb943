package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/migrations"
	"github.com/kehou/kehou/services/platform/auth/token"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/system/systemtest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kehou-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "kehou")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build kehou: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestConfigIsValidatedAtStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad grace", []string{"serve", "--shutdown-grace", "soon"}, nil, "shutdown-grace"},
		{"bad address", []string{"serve"}, map[string]string{"KEHOU_HTTP_ADDR": "8080"}, "http-addr"},
		{"bad bool env", []string{"serve"}, map[string]string{"KEHOU_MIGRATE": "perhaps"}, "KEHOU_MIGRATE"},
		{"bad log format", []string{"migrate", "--log-format", "xml"}, nil, "log-format"},
		{"unknown part", []string{"serve", "payroll"}, map[string]string{"KEHOU_DATABASE_URL": "postgres://x"}, "unknown part"},
		{"no database", []string{"serve", "timetable"}, nil, "database-url"},
		{"unknown command", []string{"frobnicate"}, nil, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			err := run(context.Background(), tt.args, getenv, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// proc is a kehou process under test.
type proc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited; err is then set
	err  error
}

// wait blocks until the process has exited and returns its exit error. Any
// number of callers may wait, so a test that fails after waiting can never
// hang its cleanup.
func (p *proc) wait() error {
	<-p.done
	return p.err
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, out: out, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = p.wait()
		if t.Failed() {
			t.Logf("output of %v:\n%s", args, out.String())
		}
	})
	return p
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", base)
}

func post(t *testing.T, url, token string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func district(id string) map[string]any {
	return map[string]any{"district_id": id, "name": "测试区", "policy": map[string]any{
		"off_work_time": map[string]any{"hours": 17, "minutes": 30}, "min_minutes_per_day": 120,
		"service_days_per_week": 5, "period_minutes_primary": 40, "period_minutes_junior_middle": 45,
	}}
}

func TestMigrationsApplyOnceWithThreeProcessesAtOnce(t *testing.T) {
	t.Parallel()
	url := pgtest.EmptyURL(t)
	var procs []*proc
	for range 3 {
		procs = append(procs, start(t, []string{"KEHOU_DATABASE_URL=" + url}, "migrate"))
	}
	applied := 0
	for _, p := range procs {
		if err := p.wait(); err != nil {
			t.Fatalf("migrate failed: %v\n%s", err, p.out.String())
		}
		for _, line := range strings.Split(p.out.String(), "\n") {
			var rec struct {
				Msg     string `json:"msg"`
				Applied int    `json:"applied"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "migrations applied" {
				applied += rec.Applied
			}
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	want := 0
	for _, schema := range migrations.Schemas {
		ms, err := pgdb.LoadMigrations(migrations.FS, schema)
		if err != nil {
			t.Fatal(err)
		}
		want += len(ms)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+schema+".schema_migrations").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(ms) {
			t.Errorf("%s: %d migrations recorded, want %d", schema, n, len(ms))
		}
	}
	if applied != want {
		t.Errorf("the three processes applied %d migrations in all, want exactly %d", applied, want)
	}
}

func TestSIGTERMLetsTheRequestInFlightFinish(t *testing.T) {
	t.Parallel()
	httpAddr := freeAddr(t)
	auth, mint := systemtest.NewAuth(t)
	env := []string{
		"KEHOU_AUTH_KEYS=" + auth.KeysPEM, "KEHOU_IDENTITY_ADDR=" + freeAddr(t),
		"KEHOU_DATABASE_URL=" + pgtest.URL(t), "KEHOU_HTTP_ADDR=" + httpAddr,
		"KEHOU_TIMETABLE_ADDR=" + freeAddr(t), "KEHOU_STAFFING_ADDR=" + freeAddr(t), "KEHOU_BILLING_ADDR=" + freeAddr(t), "KEHOU_IDENTITY_ADDR=" + freeAddr(t),
		"KEHOU_FAULT_INJECTION=true", "KEHOU_SHUTDOWN_GRACE=10s",
	}
	p := start(t, env, "serve")
	base := "http://" + httpAddr
	waitReady(t, base)

	type result struct {
		code int
		err  error
	}
	res := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("GET", base+"/v1/districts", nil)
		req.Header.Set("X-Kehou-Fault", "delay=1500ms")
		req.Header.Set("Authorization", "Bearer "+mint.Token(systemtest.OperatorPrincipal))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		resp.Body.Close()
		res <- result{code: resp.StatusCode}
	}()
	time.Sleep(400 * time.Millisecond) // the request is now inside the handler
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-res
	if r.err != nil || r.code != 200 {
		t.Fatalf("request in flight: code %d, err %v", r.code, r.err)
	}
	select {
	case <-p.done:
		if err := p.err; err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("process did not exit within the shutdown deadline")
	}
}

func TestEachPartAsItsOwnProcess(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	tt, st, bl, id, gw := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	// One key set for every process: identity signs, each service verifies.
	auth, mint := systemtest.NewAuth(t)
	// The services' own keys, each named by its service: every process
	// verifies the others' calls (a host would hold only its own private key).
	var svcKeys string
	for _, s := range []string{"timetable", "staffing", "billing", "identity"} {
		pem, err := token.NewPrivateKeyPEM(s)
		if err != nil {
			t.Fatal(err)
		}
		svcKeys += string(pem)
	}
	env := []string{
		"KEHOU_DATABASE_URL=" + db, "KEHOU_HTTP_ADDR=" + gw, "KEHOU_AUTH_KEYS=" + auth.KeysPEM, "KEHOU_SERVICE_KEYS=" + svcKeys,
		"KEHOU_TIMETABLE_ADDR=" + tt, "KEHOU_STAFFING_ADDR=" + st, "KEHOU_BILLING_ADDR=" + bl, "KEHOU_IDENTITY_ADDR=" + id,
	}
	for _, part := range []string{"timetable", "staffing", "billing", "identity", "gateway"} {
		start(t, env, "serve", part)
	}
	base := "http://" + gw
	waitReady(t, base)

	bureau := mint.Token(systemtest.Bureau("350405"))
	if code, body := post(t, base+"/v1/districts", mint.Token(systemtest.OperatorPrincipal), district("350405")); code != 200 {
		t.Fatalf("create district: %d %v", code, body)
	}
	code, body := post(t, base+"/v1/schools", bureau, map[string]any{"district_id": "350405", "name": "分进程小学", "stage": "SCHOOL_STAGE_PRIMARY"})
	if code != 200 {
		t.Fatalf("create school: %d %v", code, body)
	}
	school := body["school"].(map[string]any)["school_id"].(string)

	// gateway → billing → timetable → PostgreSQL, each in its own process.
	breq, _ := http.NewRequest("GET", base+"/v1/schools/"+school+"/balance", nil)
	breq.Header.Set("Authorization", "Bearer "+bureau)
	resp, err := http.DefaultClient.Do(breq)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var bal map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&bal)
	if resp.StatusCode != 200 || bal["balance"].(map[string]any)["school_name"] != "分进程小学" {
		t.Fatalf("balance: %d %v", resp.StatusCode, bal)
	}
}
