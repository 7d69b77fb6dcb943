package identity_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	identityv1 "github.com/kehou/kehou/proto/gen/kehou/identity/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/system/systemtest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const district = "350402"

type bundle struct {
	*systemtest.Env
	operator string // operator's access token
}

func setup(t *testing.T) bundle {
	t.Helper()
	env := systemtest.Start(t)
	return bundle{Env: env, operator: env.SignIn(t, systemtest.OperatorUserName, systemtest.OperatorPassword)}
}

// newAccount creates an account as creator and completes its first
// sign-in (one-time password → own password), returning its access token
// and account id.
func (b bundle) newAccount(t *testing.T, creator string, body map[string]any, login, ownPassword string) (string, string) {
	t.Helper()
	body["one_time_password"] = "one-time-pass-1"
	r := b.As(creator).Do(t, "POST", "/v1/districts/"+district+"/accounts", body)
	if r.Code != http.StatusOK {
		t.Fatalf("create account %v: %d %s", body, r.Code, r.Raw)
	}
	id := systemtest.Str(r.Body, "account", "account_id")
	first := b.Do(t, "POST", "/v1/auth/sign-in", map[string]any{"login": login, "password": "one-time-pass-1"})
	if first.Code != http.StatusOK || first.Body["must_change_password"] != true || first.Body["tokens"] != nil {
		t.Fatalf("first sign-in with a one-time password: %d %s; want must_change_password and no tokens", first.Code, first.Raw)
	}
	ch := b.Do(t, "POST", "/v1/auth/password", map[string]any{"login": login, "current_password": "one-time-pass-1", "new_password": ownPassword})
	tok := systemtest.Str(ch.Body, "tokens", "access_token")
	if ch.Code != http.StatusOK || tok == "" {
		t.Fatalf("change one-time password: %d %s", ch.Code, ch.Raw)
	}
	return tok, id
}

func TestAccountsByScope(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// The records the accounts name exist: identity asks timetable.
	b.District(t, district)
	schA := b.School(t, district, "实验小学", "SCHOOL_STAGE_PRIMARY")
	class := systemtest.Str(b.MustDo(t, "POST", "/v1/schools/"+schA+"/classes", map[string]any{"grade": 1, "name": "一(1)班", "size": 30}), "class", "class_id")
	student := func(name string) string {
		return systemtest.Str(b.MustDo(t, "POST", "/v1/schools/"+schA+"/students", map[string]any{"class_id": class, "name": name,
			"guardians": []any{map[string]any{"name": name + "家长", "phone": "13700000000", "relation": "母亲"}}}), "student", "student_id")
	}
	stu1, stu3, stu7 := student("张一"), student("张三"), student("张七")
	me := b.As(b.operator).MustDo(t, "GET", "/v1/me", nil)
	if systemtest.Str(me, "account", "role") != "ROLE_OPERATOR" {
		t.Fatalf("operator's /v1/me = %v", me)
	}
	bureau, _ := b.newAccount(t, b.operator, map[string]any{"role": "ROLE_BUREAU_ADMIN", "user_name": "bureau.sm",
		"display_name": "教育局管理员"}, "bureau.sm", "bureau-pass-22")
	school, _ := b.newAccount(t, bureau, map[string]any{"role": "ROLE_SCHOOL_ADMIN", "user_name": "admin.sy",
		"display_name": "实验小学管理员", "school_id": schA}, "admin.sy", "school-pass-33")
	parent, parentID := b.newAccount(t, school, map[string]any{"role": "ROLE_PARENT", "phone": "13812341234",
		"display_name": "张家长", "students": []any{map[string]any{"school_id": schA, "student_id": stu1}}},
		"13812341234", "parent-pass-44")

	tests := []struct {
		name    string
		creator string
		body    map[string]any
		want    int
	}{
		{"operator makes no school admins", b.operator, map[string]any{"role": "ROLE_SCHOOL_ADMIN", "user_name": "x.one", "display_name": "x", "school_id": schA}, 403},
		{"bureau makes no teachers", bureau, map[string]any{"role": "ROLE_TEACHER", "user_name": "x.two", "display_name": "x", "school_id": schA, "staff_id": "stf_1"}, 403},
		{"school admin makes no parents of another school", school, map[string]any{"role": "ROLE_PARENT", "phone": "13900001111", "display_name": "x",
			"students": []any{map[string]any{"school_id": "sch_b", "student_id": "stu_9"}}}, 403},
		{"parents make nobody", parent, map[string]any{"role": "ROLE_PARENT", "phone": "13900002222", "display_name": "x",
			"students": []any{map[string]any{"school_id": schA, "student_id": "stu_2"}}}, 403},
		{"no token", "", map[string]any{"role": "ROLE_BUREAU_ADMIN", "user_name": "x.three", "display_name": "x"}, 401},
		{"a teacher needs a staff record", school, map[string]any{"role": "ROLE_TEACHER", "user_name": "x.four", "display_name": "x", "school_id": schA}, 400},
		{"the same phone twice", school, map[string]any{"role": "ROLE_PARENT", "phone": "13812341234", "display_name": "x",
			"students": []any{map[string]any{"school_id": schA, "student_id": stu3}}}, 409},
	}
	for _, tt := range tests {
		tt.body["one_time_password"] = "one-time-pass-1"
		r := b.As(tt.creator).Do(t, "POST", "/v1/districts/"+district+"/accounts", tt.body)
		if r.Code != tt.want {
			t.Errorf("%s: status %d, want %d: %s", tt.name, r.Code, tt.want, r.Raw)
		}
	}
	weak := b.As(school).Do(t, "POST", "/v1/districts/"+district+"/accounts", map[string]any{"role": "ROLE_TEACHER",
		"user_name": "t.weak", "display_name": "x", "school_id": schA, "staff_id": "stf_1", "one_time_password": "short"})
	if weak.Code != 400 || !strings.Contains(weak.Raw, "one_time_password") {
		t.Errorf("weak one-time password: %d %s, want 400 naming one_time_password", weak.Code, weak.Raw)
	}

	// The bureau sees the district with phones masked; the operator sees bureau admins only.
	list := b.As(bureau).MustDo(t, "GET", "/v1/districts/"+district+"/accounts", nil)
	accounts, _ := list["accounts"].([]any)
	if len(accounts) != 3 {
		t.Fatalf("bureau lists %d accounts, want 3: %v", len(accounts), list)
	}
	raw := b.As(bureau).Do(t, "GET", "/v1/districts/"+district+"/accounts", nil).Raw
	if strings.Contains(raw, "13812341234") || !strings.Contains(raw, "138****1234") {
		t.Errorf("list shows a full phone number or no masked one: %s", raw)
	}
	op := b.As(b.operator).MustDo(t, "GET", "/v1/districts/"+district+"/accounts", nil)
	if n := len(op["accounts"].([]any)); n != 1 {
		t.Errorf("operator lists %d accounts, want only the bureau admin: %v", n, op)
	}
	pl := b.As(parent).MustDo(t, "GET", "/v1/districts/"+district+"/accounts", nil)
	if got := pl["accounts"].([]any); len(got) != 1 || systemtest.Str(got[0], "account_id") != parentID {
		t.Errorf("a parent lists %v, want only themselves", got)
	}
	// Linking a second child; another school's child is refused.
	link := b.As(school).MustDo(t, "POST", "/v1/districts/"+district+"/accounts/"+parentID+"/students",
		map[string]any{"student": map[string]any{"school_id": schA, "student_id": stu7}})
	if n := len(systemtest.Get(link, "account", "students").([]any)); n != 2 {
		t.Errorf("after linking, the parent has %d students, want 2", n)
	}
	if r := b.As(school).Do(t, "POST", "/v1/districts/"+district+"/accounts/"+parentID+"/students",
		map[string]any{"student": map[string]any{"school_id": "sch_b", "student_id": "stu_8"}}); r.Code != 403 {
		t.Errorf("linking another school's student: %d, want 403: %s", r.Code, r.Raw)
	}
	if strings.Contains(b.Logs(), "argon2id") {
		t.Error("a password hash reached the log")
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	signIn := func() map[string]any {
		return b.MustDo(t, "POST", "/v1/auth/sign-in", map[string]any{"login": systemtest.OperatorUserName, "password": systemtest.OperatorPassword})
	}
	s1 := signIn()
	refresh1 := systemtest.Str(s1, "tokens", "refresh_token")
	if strings.Contains(systemtest.Get(s1, "account").(map[string]any)["user_name"].(string), "$") {
		t.Fatal("odd account")
	}
	for _, key := range []string{"password", "password_hash", "hash"} {
		if _, ok := systemtest.Get(s1, "account").(map[string]any)[key]; ok {
			t.Errorf("sign-in returns the account's %s", key)
		}
	}
	// Refresh rotates: the new refresh token works, the spent one revokes the session.
	r2 := b.MustDo(t, "POST", "/v1/auth/refresh", map[string]any{"refresh_token": refresh1})
	refresh2 := systemtest.Str(r2, "tokens", "refresh_token")
	access2 := systemtest.Str(r2, "tokens", "access_token")
	if refresh2 == refresh1 || access2 == "" {
		t.Fatalf("refresh did not rotate: %v", r2)
	}
	if r := b.Do(t, "POST", "/v1/auth/refresh", map[string]any{"refresh_token": refresh1}); r.Code != 401 {
		t.Errorf("reusing a spent refresh token: %d, want 401", r.Code)
	}
	if r := b.Do(t, "POST", "/v1/auth/refresh", map[string]any{"refresh_token": refresh2}); r.Code != 401 {
		t.Errorf("after a reuse the whole session is revoked, but its newest refresh token gave %d", r.Code)
	}
	if r := b.As(access2).Do(t, "GET", "/v1/me", nil); r.Code != 401 {
		t.Errorf("/v1/me on a revoked session: %d, want 401", r.Code)
	}
	// Sign-out revokes.
	s3 := signIn()
	refresh3, access3 := systemtest.Str(s3, "tokens", "refresh_token"), systemtest.Str(s3, "tokens", "access_token")
	b.As(access3).MustDo(t, "GET", "/v1/me", nil)
	b.MustDo(t, "POST", "/v1/auth/sign-out", map[string]any{"refresh_token": refresh3})
	if r := b.Do(t, "POST", "/v1/auth/refresh", map[string]any{"refresh_token": refresh3}); r.Code != 401 {
		t.Errorf("refresh after sign-out: %d, want 401", r.Code)
	}
	if r := b.As(access3).Do(t, "GET", "/v1/me", nil); r.Code != 401 {
		t.Errorf("/v1/me after sign-out: %d, want 401", r.Code)
	}
	// A password change revokes every other session.
	s4 := signIn()
	refresh4 := systemtest.Str(s4, "tokens", "refresh_token")
	b.MustDo(t, "POST", "/v1/auth/password", map[string]any{"login": systemtest.OperatorUserName,
		"current_password": systemtest.OperatorPassword, "new_password": "operator-pass-2"})
	if r := b.Do(t, "POST", "/v1/auth/refresh", map[string]any{"refresh_token": refresh4}); r.Code != 401 {
		t.Errorf("refresh of a session from before a password change: %d, want 401", r.Code)
	}
	if r := b.Do(t, "POST", "/v1/auth/sign-in", map[string]any{"login": systemtest.OperatorUserName, "password": systemtest.OperatorPassword}); r.Code != 401 {
		t.Errorf("sign-in with the old password: %d, want 401", r.Code)
	}
	b.SignIn(t, systemtest.OperatorUserName, "operator-pass-2")
	if r := b.Do(t, "POST", "/v1/auth/password", map[string]any{"login": systemtest.OperatorUserName,
		"current_password": "operator-pass-2", "new_password": "short"}); r.Code != 400 || !strings.Contains(r.Raw, "new_password") {
		t.Errorf("weak new password: %d %s, want 400 naming new_password", r.Code, r.Raw)
	}
	logs := b.Logs()
	for _, secret := range []string{systemtest.OperatorPassword, "operator-pass-2", refresh1, refresh3, access2, access3} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a secret (%.12s...)", secret)
		}
	}
}

// forge signs claims like identity's with a key of its own.
func forge(t *testing.T, kid string, exp time.Time) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"iss": "kehou-identity", "aud": "kehou", "sub": "acc_operator",
		"role": "operator", "iat": time.Now().Unix(), "exp": exp.Unix()})
	tok.Header["kid"] = kid
	s, err := tok.SignedString(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBadTokensRefusedEverywhere: a token signed with another key, an
// altered one, an expired one or garbage is 401 at every service, through
// the gateway and on each gRPC port directly; no token is anonymous.
func TestBadTokensRefusedEverywhere(t *testing.T) {
	t.Parallel()
	b := setup(t)
	good := b.operator
	parts := strings.Split(good, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	altered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload),
		`"role":"operator"`, `"role":"bureau_admin"`, 1))) + "." + parts[2]
	if altered == good {
		t.Fatal("the alteration changed nothing")
	}
	bad := map[string]string{
		"another key":  forge(t, "ephemeral", time.Now().Add(time.Hour)),
		"unknown kid":  forge(t, "nope", time.Now().Add(time.Hour)),
		"altered":      altered,
		"garbage":      "not-a-token",
		"alg none":     "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhY2Nfb3BlcmF0b3IiLCJyb2xlIjoib3BlcmF0b3IifQ.",
		"expired(ish)": forge(t, "ephemeral", time.Now().Add(-time.Hour)),
	}
	for name, tok := range bad {
		for _, path := range []string{"/v1/me", "/v1/districts", "/v1/schools/x/staff", "/v1/schools/x/balance"} {
			if r := b.As(tok).Do(t, "GET", path, nil); r.Code != 401 {
				t.Errorf("%s token on %s: %d, want 401: %s", name, path, r.Code, r.Raw)
			}
		}
	}
	if r := b.As(good).Do(t, "GET", "/v1/me", nil); r.Code != 200 {
		t.Errorf("good token: %d", r.Code)
	}
	// Straight to the gRPC ports.
	for _, addr := range []string{b.Run.TimetableAddr, b.Run.IdentityAddr} {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+bad["altered"])
		var gotErr error
		if addr == b.Run.IdentityAddr {
			_, gotErr = identityv1.NewIdentityServiceClient(conn).GetCurrentAccount(ctx, &identityv1.GetCurrentAccountRequest{})
		} else {
			_, gotErr = timetablev1.NewTimetableServiceClient(conn).ListDistricts(ctx, &timetablev1.ListDistrictsRequest{})
		}
		if status.Code(gotErr) != codes.Unauthenticated {
			t.Errorf("altered token on gRPC %s: %v, want Unauthenticated", addr, gotErr)
		}
	}
}
