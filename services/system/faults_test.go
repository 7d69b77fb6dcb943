package system_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
)

// ownPostgres starts a private PostgreSQL cluster for a test that stops
// and starts the server (the shared test cluster must stay up), and
// returns its URL and a function that runs scripts/pg.sh start or stop.
func ownPostgres(t *testing.T) (url string, pg func(action string)) {
	t.Helper()
	data, err := os.MkdirTemp("/tmp", "kehou-fault-pg-") // traversable by the postgres user, unlike t.TempDir
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)
	_ = lis.Close()
	pg = func(action string) {
		t.Helper()
		args := []string{action, data}
		if action == "start" {
			args = append(args, port)
		}
		if out, err := exec.Command("../../scripts/pg.sh", args...).CombinedOutput(); err != nil {
			t.Fatalf("pg.sh %s: %v\n%s", action, err, out)
		}
	}
	pg("start")
	t.Cleanup(func() {
		_ = exec.Command("../../scripts/pg.sh", "stop", data).Run()
		_ = os.RemoveAll(data)
		_ = os.Remove(data + ".initdb.log")
	})
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable", port), pg
}

// TestPostgresStoppedMidTraffic stops PostgreSQL while clients read and
// write through the gateway: every failed answer is 503 (retryable, never a
// 500), and once PostgreSQL is back the same process answers 200 again
// without a restart.
func TestPostgresStoppedMidTraffic(t *testing.T) {
	t.Parallel()
	url, pg := ownPostgres(t)
	env := systemtest.StartWith(t, func(c *system.Config) { c.DatabaseURL, c.Migrate = url, true })
	district := env.District(t, "350495")
	school := env.School(t, district, "故障小学", "SCHOOL_STAGE_PRIMARY")

	type answer struct {
		sent, at time.Time // when the request was sent and answered
		code     int
		raw      string
	}
	var mu sync.Mutex
	var answers []answer
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var r systemtest.Response
				sent := time.Now()
				if w%2 == 0 {
					r = env.Do(t, "GET", "/v1/schools/"+school, nil)
				} else { // a write
					r = env.Do(t, "POST", "/v1/schools/"+school+"/rooms", map[string]any{
						"name": fmt.Sprintf("教室%d-%d", w, i), "kind": "ROOM_KIND_CLASSROOM", "capacity": 40})
				}
				mu.Lock()
				answers = append(answers, answer{sent, time.Now(), r.Code, r.Raw})
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	pg("stop") // returns once the server is down
	stopped := time.Now()
	time.Sleep(2 * time.Second)
	if r := env.Do(t, "GET", "/readyz", nil); r.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with PostgreSQL stopped: %d %s, want 503", r.Code, r.Raw)
	}
	restarted := time.Now()
	pg("start")
	// Recovery: the same process answers 200 again within a few seconds.
	deadline := time.Now().Add(20 * time.Second)
	var recovered time.Time
	for time.Now().Before(deadline) {
		mu.Lock()
		for _, a := range answers {
			if a.at.After(restarted) && a.code == http.StatusOK && recovered.IsZero() {
				recovered = a.at
			}
		}
		mu.Unlock()
		if !recovered.IsZero() && time.Since(recovered) > time.Second {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	counts := map[int]int{}
	down, downUnavailable := 0, 0
	var afterRecovery []answer
	for _, a := range answers {
		counts[a.code]++
		if a.code != http.StatusOK && a.code != http.StatusServiceUnavailable {
			t.Errorf("answer %d at +%v: %.200s, want only 200 or 503", a.code, a.at.Sub(stopped), a.raw)
		}
		if a.sent.After(stopped) && a.at.Before(restarted) { // sent and answered while the server was down
			down++
			if a.code == http.StatusServiceUnavailable {
				downUnavailable++
				errorShape(t, "503", a.raw)
			}
		}
		if !recovered.IsZero() && a.at.After(recovered) {
			afterRecovery = append(afterRecovery, a)
		}
	}
	t.Logf("answers by status: %v; while down %d of %d were 503; recovered %v after the restart", counts, downUnavailable, down, recovered.Sub(restarted))
	if down == 0 || downUnavailable != down {
		t.Errorf("while PostgreSQL was down %d of %d answers were 503, want all", downUnavailable, down)
	}
	if recovered.IsZero() {
		t.Fatalf("no 200 within 20s of PostgreSQL coming back")
	}
	for _, a := range afterRecovery {
		if a.code != http.StatusOK {
			t.Errorf("after recovery: %d %.200s", a.code, a.raw)
		}
	}
	if r := env.Do(t, "GET", "/readyz", nil); r.Code != http.StatusOK {
		t.Errorf("/readyz after recovery: %d %s", r.Code, r.Raw)
	}
}
