package system_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
)

// mobile is an 11-digit mainland number standing alone: not inside a
// longer run of letters and digits (a request id such as 8d14076942544e98
// is hex, not a phone).
var mobile = regexp.MustCompile(`(^|[^0-9A-Za-z])1[3-9][0-9]{9}([^0-9A-Za-z]|$)`)

// TestLogsHoldNoSecrets is the rest of issue 12's fourth acceptance test: a
// run of the whole system through sign-ins, wrong passwords, a one-time
// password and its change, token use, refresh and sign-out, accounts and a
// roster with guardians' phone numbers — and then the whole log of the run
// is scanned: no password, one-time password, access or refresh token,
// password hash or full phone number may appear in it. The scan is shown to
// catch each of them by planting one.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	env := systemtest.StartWith(t, func(c *system.Config) { c.InProcess = true }) // as `kehou serve` runs
	district := env.District(t, "350431")
	school := env.School(t, district, "日志小学", "SCHOOL_STAGE_PRIMARY")
	const (
		adminPhone   = "13912345678"
		guardianA    = "13812341234"
		guardianB    = "15987654321"
		oneTime      = "first-Time-9183"
		newPassword  = "new-Secret-4471"
		wrongPrefix  = "wrong-Guess-"
		parentPhone  = "18600001111"
		parentOneOff = "parent-Once-5521"
	)
	secrets := []string{adminPhone, guardianA, guardianB, parentPhone, oneTime, newPassword, parentOneOff}

	// The bureau creates a school administrator signing in by phone with a
	// one-time password.
	env.MustDo(t, "POST", "/v1/districts/"+district+"/accounts", map[string]any{"role": "ROLE_SCHOOL_ADMIN", "phone": adminPhone,
		"display_name": "校管理员", "school_id": school, "one_time_password": oneTime})
	// Wrong passwords, twenty in a row: slowed, then locked.
	for i := 0; i < 20; i++ {
		pw := wrongPrefix + string(rune('a'+i))
		secrets = append(secrets, pw)
		r := env.As("").Do(t, "POST", "/v1/auth/sign-in", map[string]any{"login": adminPhone, "password": pw})
		if r.Code == http.StatusOK {
			t.Fatalf("wrong password %d signed in", i)
		}
	}
	// An administrator's reset unlocks it; the one-time password must be changed.
	accs := env.MustDo(t, "GET", "/v1/districts/"+district+"/accounts?role=ROLE_SCHOOL_ADMIN", nil)
	adminID := systemtest.Str(accs, "accounts", 0, "account_id")
	env.MustDo(t, "POST", "/v1/districts/"+district+"/accounts/"+adminID+"/password-reset", map[string]any{"one_time_password": oneTime})
	first := env.As("").Do(t, "POST", "/v1/auth/sign-in", map[string]any{"login": adminPhone, "password": oneTime})
	if first.Code != http.StatusOK || first.Body["must_change_password"] != true {
		t.Fatalf("one-time sign-in: %d %s", first.Code, first.Raw)
	}
	ch := env.As("").Do(t, "POST", "/v1/auth/password", map[string]any{"login": adminPhone, "current_password": oneTime, "new_password": newPassword})
	if ch.Code != http.StatusOK {
		t.Fatalf("change password: %d %s", ch.Code, ch.Raw)
	}
	access := env.SignIn(t, adminPhone, newPassword)
	secrets = append(secrets, access, systemtest.Str(ch.Body, "tokens", "access_token"), systemtest.Str(ch.Body, "tokens", "refresh_token"))
	admin := env.As(access)

	// Token use: a roster with guardians' phones, read back; a parent account.
	class := systemtest.Str(admin.MustDo(t, "POST", "/v1/schools/"+school+"/classes", map[string]any{"grade": 2, "name": "二(1)班", "size": 30}), "class", "class_id")
	var student string
	for i, phone := range []string{guardianA, guardianB} {
		st := admin.MustDo(t, "POST", "/v1/schools/"+school+"/students", map[string]any{"class_id": class, "name": []string{"陈一", "陈二"}[i],
			"guardians": []any{map[string]any{"name": "家长", "phone": phone, "relation": "母亲"}}})
		student = systemtest.Str(st, "student", "student_id")
	}
	admin.MustDo(t, "GET", "/v1/schools/"+school+"/students", nil)
	admin.MustDo(t, "POST", "/v1/districts/"+district+"/accounts", map[string]any{"role": "ROLE_PARENT", "phone": parentPhone,
		"display_name": "陈家长", "one_time_password": parentOneOff,
		"students": []any{map[string]any{"school_id": school, "student_id": student}}})
	// A bad token and a token in the wrong place are refused (and logged as such).
	if r := env.As(access+"x").Do(t, "GET", "/v1/me", nil); r.Code != http.StatusUnauthorized {
		t.Errorf("altered token: %d", r.Code)
	}
	env.As("").Do(t, "GET", "/v1/me?access_token="+access, nil)
	// Refresh and sign out.
	sign := env.As("").Do(t, "POST", "/v1/auth/sign-in", map[string]any{"login": adminPhone, "password": newPassword})
	refresh := systemtest.Str(sign.Body, "tokens", "refresh_token")
	secrets = append(secrets, refresh, systemtest.Str(sign.Body, "tokens", "access_token"))
	re := env.As("").MustDo(t, "POST", "/v1/auth/refresh", map[string]any{"refresh_token": refresh})
	secrets = append(secrets, systemtest.Str(re, "tokens", "access_token"), systemtest.Str(re, "tokens", "refresh_token"))
	env.As("").MustDo(t, "POST", "/v1/auth/sign-out", map[string]any{"refresh_token": systemtest.Str(re, "tokens", "refresh_token")})
	// The spent refresh token again (revokes the session; logged as a failure).
	env.As("").Do(t, "POST", "/v1/auth/refresh", map[string]any{"refresh_token": refresh})

	logs := env.Logs()
	if strings.Count(logs, "\n") < 50 {
		t.Fatalf("the run logged only %d lines: nothing to scan", strings.Count(logs, "\n"))
	}
	for _, want := range []string{"/kehou.identity.v1.IdentityService/SignIn", "/kehou.identity.v1.IdentityService/ChangePassword",
		"/kehou.identity.v1.IdentityService/RefreshSession", "/kehou.timetable.v1.TimetableService/CreateStudent", "/v1/auth/sign-in"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log has no line of %s: the scan would prove nothing about it", want)
		}
	}
	leaks := scanLogs(logs, secrets)
	for _, l := range leaks {
		t.Errorf("the log holds %s", l)
	}

	// The scan catches what it looks for: each planted secret is found.
	for _, planted := range []string{oneTime, access, refresh, `"phone":"` + guardianB + `"`, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"} {
		if got := scanLogs(logs+`{"msg":"oops","value":"`+planted+`"}`+"\n", secrets); len(got) == 0 {
			t.Errorf("the scan misses a planted %.20s…", planted)
		}
	}
}

// scanLogs lists what of secrets, which full mobile numbers, JWTs and
// password hashes appear in logs.
func scanLogs(logs string, secrets []string) []string {
	var out []string
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			out = append(out, "a secret: "+s[:min(len(s), 12)]+"…")
		}
	}
	for _, line := range strings.Split(logs, "\n") {
		switch {
		case mobile.MatchString(line):
			out = append(out, "a full phone number: "+line)
		case strings.Contains(line, "eyJ"):
			out = append(out, "something like a token: "+line)
		case strings.Contains(line, "$argon2id$"):
			out = append(out, "a password hash: "+line)
		}
	}
	return out
}
