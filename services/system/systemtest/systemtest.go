// Package systemtest starts the whole system for end-to-end tests: every
// part on its own loopback port, talking over real gRPC, on a fresh
// database, with a small HTTP client that speaks the gateway's JSON.
package systemtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kehou/kehou/services/identity/password"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/auth/token"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/system"
	"google.golang.org/grpc/metadata"
)

// Client speaks the gateway's JSON over HTTP. Env embeds one; tests that
// start only part of the system (a service and the gateway) use it alone.
type Client struct {
	// Base is the gateway's URL, e.g. http://127.0.0.1:41234.
	Base string
	// Token, when set, is sent as the bearer token of every request.
	Token string
	// Mint signs access tokens with the system's key (nil: the client
	// cannot act for others).
	Mint func(auth.Principal) string
	// acting is shared by copies of a client made by NewClient: the token
	// of the bureau administrator of the first district the client
	// created, which requests without a Token of their own carry.
	acting *string
}

// Minter signs test access tokens with the key a test system was started
// with, so a test acts as any role without creating accounts first (the
// sign-in path itself is tested in services/identity).
type Minter struct{ signer, past *token.Signer }

// NewAuth returns an identity set-up with a fresh key (TestAuth otherwise)
// and the minter for it.
func NewAuth(t testing.TB) (system.AuthConfig, Minter) {
	t.Helper()
	pem, err := token.NewPrivateKeyPEM("test")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.LoadKeys("", string(pem), "")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := token.NewSigner(keys, time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	past, err := token.NewSigner(keys, time.Minute, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	cfg := TestAuth()
	cfg.KeysPEM = string(pem)
	return cfg, Minter{signer: signer, past: past}
}

// Token returns a signed access token for p.
func (m Minter) Token(p auth.Principal) string {
	tok, _, err := m.signer.Sign(p)
	if err != nil {
		panic(err) // Sign fails only without a private key, which NewAuth always has
	}
	return tok
}

// Expired returns a token for p, signed with the right key, that expired
// two hours ago.
func (m Minter) Expired(p auth.Principal) string {
	tok, _, err := m.past.Sign(p)
	if err != nil {
		panic(err)
	}
	return tok
}

// Bureau is the principal of a district's bureau administrator.
func Bureau(districtID string) auth.Principal {
	return auth.Principal{AccountID: "acc_bureau_" + districtID, Role: auth.RoleBureauAdmin, DistrictID: districtID}
}

// OperatorPrincipal is the platform operator.
var OperatorPrincipal = auth.Principal{AccountID: "acc_operator", Role: auth.RoleOperator}

// NewClient is a client of the gateway at base that can mint tokens.
func NewClient(base string, m Minter) Client {
	return Client{Base: base, Mint: m.Token, acting: new(string)}
}

// Ctx returns a context whose outgoing gRPC metadata carries the client's
// token, for tests that call a service's gRPC port directly.
func (e Client) Ctx() context.Context {
	ctx := context.Background()
	tok := e.Token
	if tok == "" && e.acting != nil {
		tok = *e.acting
	}
	if tok != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	}
	return ctx
}

// As returns a client that sends token as its bearer token.
func (e Client) As(token string) Client {
	e.Token = token
	e.acting = nil // As("") is a client without a token
	return e
}

// Operator is the platform operator account every system started by
// Start has (see Start).
const (
	OperatorUserName = "operator"
	OperatorPassword = "operator-pass-1"
)

// SignIn signs in through the gateway and returns the access token,
// failing the test unless sign-in succeeds with tokens.
func (e Client) SignIn(t testing.TB, login, password string) string {
	t.Helper()
	r := e.Do(t, "POST", "/v1/auth/sign-in", map[string]any{"login": login, "password": password})
	tok := Str(r.Body, "tokens", "access_token")
	if r.Code != http.StatusOK || tok == "" {
		t.Fatalf("sign in as %s: status %d: %s", login, r.Code, r.Raw)
	}
	return tok
}

// Env is a running system.
type Env struct {
	Client
	// Run gives the parts' addresses, for gRPC clients.
	Run *system.Running
	// Minter signs tokens with the system's key.
	Minter Minter
	// DatabaseURL is the test's database as the superuser that created it,
	// for tests that change rows behind the API the way an intruder would.
	DatabaseURL string
	logs        *syncBuffer
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

// Logs returns everything logged so far (JSON lines).
func (e *Env) Logs() string {
	e.logs.mu.Lock()
	defer e.logs.mu.Unlock()
	return e.logs.b.String()
}

// Start runs every part against a fresh migrated database and stops it
// when the test ends. Fault injection is on.
func Start(t testing.TB) *Env {
	t.Helper()
	return StartWith(t, nil)
}

// StartWith is Start with the configuration changed by edit first (limits,
// timeouts, another database), for tests of the system's edges.
func StartWith(t testing.TB, edit func(*system.Config)) *Env {
	t.Helper()
	logs := &syncBuffer{}
	dbURL := pgtest.URL(t)
	authCfg, minter := NewAuth(t)
	cfg := system.Config{
		Parts:          system.AllParts,
		DatabaseURL:    dbURL,
		DBMaxConns:     8,
		HTTPAddr:       "127.0.0.1:0",
		TimetableAddr:  "127.0.0.1:0",
		StaffingAddr:   "127.0.0.1:0",
		BillingAddr:    "127.0.0.1:0",
		ShutdownGrace:  5 * time.Second,
		CORSOrigins:    []string{"https://app.example.cn"},
		FaultInjection: true,
		Auth:           authCfg,
		Logger:         slog.New(slog.NewJSONHandler(logs, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	r, err := system.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start system: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("stop system: %v", err)
		}
	})
	return &Env{Client: NewClient("http://"+r.HTTPAddr, minter), Minter: minter, Run: r, DatabaseURL: cfg.DatabaseURL, logs: logs}
}

// TestAuth is the identity set-up of test systems: an ephemeral signing
// key, cheap password hashing and the operator account.
func TestAuth() system.AuthConfig {
	return system.AuthConfig{Hashing: password.Fast, OperatorUserName: OperatorUserName, OperatorPassword: OperatorPassword}
}

// Response is a decoded gateway response.
type Response struct {
	Code   int
	Body   map[string]any
	Raw    string
	Header http.Header
}

// Do sends a JSON request (body may be nil, a string, or any value to
// marshal) with optional header name/value pairs.
func (e Client) Do(t testing.TB, method, path string, body any, headers ...string) Response {
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
	req, err := http.NewRequest(method, e.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	// Who the request is from: the client's own Token; else, for a client
	// from NewClient, the operator when it creates a district, the
	// district's bureau administrator when it creates a school, the
	// bureau administrator of the first district it created otherwise, and
	// the operator before it created one.
	tok := e.Token
	creatingDistrict := false
	if tok == "" && e.acting != nil && e.Mint != nil {
		if tok = *e.acting; tok == "" {
			tok = e.Mint(OperatorPrincipal) // no district yet: the operator
		}
		if creatingDistrict = method == "POST" && path == "/v1/districts"; creatingDistrict {
			tok = e.Mint(OperatorPrincipal)
		}
		if m, ok := body.(map[string]any); ok && method == "POST" && path == "/v1/schools" {
			if d, _ := m["district_id"].(string); d != "" {
				tok = e.Mint(Bureau(d)) // a school is created by its district's bureau
			}
		}
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := Response{Code: resp.StatusCode, Raw: string(raw), Header: resp.Header}
	_ = json.Unmarshal(raw, &out.Body)
	if creatingDistrict && out.Code == http.StatusOK && *e.acting == "" {
		*e.acting = e.Mint(Bureau(Str(out.Body, "district", "district_id")))
	}
	return out
}

// MustDo is Do that fails the test unless the status is 200, returning
// the body.
func (e Client) MustDo(t testing.TB, method, path string, body any) map[string]any {
	t.Helper()
	r := e.Do(t, method, path, body)
	if r.Code != http.StatusOK {
		t.Fatalf("%s %s: status %d: %s", method, path, r.Code, r.Raw)
	}
	return r.Body
}

// Get walks a decoded JSON value by keys and indexes ("school", "name").
func Get(v any, path ...any) any {
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

// Str is Get as a string.
func Str(v any, path ...any) string {
	s, _ := Get(v, path...).(string)
	return s
}

// Policy is a typical district policy: off-work 17:30, 120 minutes a day,
// 5 days, 40/45-minute periods, at most 3 periods, evening care by 18:30,
// evening study by 20:30, outside share 50%, 20 students per adult.
func Policy() map[string]any {
	return map[string]any{
		"off_work_time":                map[string]any{"hours": 17, "minutes": 30},
		"min_minutes_per_day":          120,
		"service_days_per_week":        5,
		"period_minutes_primary":       40,
		"period_minutes_junior_middle": 45,
		"max_periods_per_day":          3,
		"evening_care_end":             map[string]any{"hours": 18, "minutes": 30},
		"evening_study_end":            map[string]any{"hours": 20, "minutes": 30},
		"outside_share_cap_percent":    50,
		"students_per_adult":           20,
	}
}

// District creates a district with Policy and returns its id (see Do for
// who the client acts as).
func (e Client) District(t testing.TB, id string) string {
	t.Helper()
	e.MustDo(t, "POST", "/v1/districts", map[string]any{"district_id": id, "name": "测试区" + id, "policy": Policy()})
	return id
}

// School creates a school (stage "SCHOOL_STAGE_PRIMARY" etc.) and returns its id.
func (e Client) School(t testing.TB, districtID, name, stage string) string {
	t.Helper()
	b := e.MustDo(t, "POST", "/v1/schools", map[string]any{"district_id": districtID, "name": name, "stage": stage})
	return Str(b, "school", "school_id")
}

// Date is a contract date.
func Date(y, m, d int) map[string]any { return map[string]any{"year": y, "month": m, "day": d} }

// Time is a contract time of day.
func Time(h, m int) map[string]any { return map[string]any{"hours": h, "minutes": m} }
