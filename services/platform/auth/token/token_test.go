package token

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/auth"
)

func mustKey(t *testing.T, kid string) string {
	t.Helper()
	b, err := NewPrivateKeyPEM(kid)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func publicOf(t *testing.T, privPEM, kid string) string {
	t.Helper()
	k, err := LoadKeys("", privPEM, "")
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(k.public[k.active])
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Headers: map[string]string{"Kid": kid}, Bytes: der}))
}

// TestRotation: during a rotation both keys verify; the newest signs; a
// set without the old key refuses its tokens; a public-only set verifies.
func TestRotation(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	old, next := mustKey(t, "2026-01"), mustKey(t, "2026-09")
	p := auth.Principal{AccountID: "acc_1", Role: auth.RoleParent, DistrictID: "350402",
		Students: []auth.StudentRef{{SchoolID: "sch_a", StudentID: "stu_1"}}, SessionID: "s1"}

	before, _ := LoadKeys("", old, "")
	oldSigner, _ := NewSigner(before, 15*time.Minute, clock)
	oldTok, exp, err := oldSigner.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(15 * time.Minute)) {
		t.Errorf("expiry %v, want 15 minutes on", exp)
	}
	during, err := LoadKeys("", old+next, "")
	if err != nil {
		t.Fatal(err)
	}
	if during.ActiveKID() != "2026-09" {
		t.Fatalf("active key %q, want the newest 2026-09", during.ActiveKID())
	}
	newSigner, _ := NewSigner(during, 15*time.Minute, clock)
	newTok, _, _ := newSigner.Sign(p)
	v := NewVerifier(during, clock)
	for name, tok := range map[string]string{"old": oldTok, "new": newTok} {
		got, err := v.Verify(tok)
		if err != nil || got.AccountID != "acc_1" || !got.GuardianOf("sch_a", "stu_1") || got.SessionID != "s1" {
			t.Errorf("%s token during rotation: %+v, %v", name, got, err)
		}
	}
	after, _ := LoadKeys("", next, "")
	if _, err := NewVerifier(after, clock).Verify(oldTok); !errors.Is(err, ErrBadToken) {
		t.Errorf("old token after the old key is gone: %v, want ErrBadToken", err)
	}
	pubOnly, err := LoadKeys("", publicOf(t, next, "2026-09"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewVerifier(pubOnly, clock).Verify(newTok); err != nil {
		t.Errorf("public-only set: %v", err)
	}
	if _, err := NewSigner(pubOnly, time.Minute, clock); err == nil {
		t.Error("a public-only set signed")
	}
	later := func() time.Time { return now.Add(16 * time.Minute) }
	if _, err := NewVerifier(during, later).Verify(newTok); !errors.Is(err, ErrBadToken) {
		t.Errorf("expired token: %v, want ErrBadToken", err)
	}
}

func TestLoadKeysFromDirAndDevKey(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "keys")
	wrote, err := EnsureDevKey(dir, time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	if err != nil || !wrote {
		t.Fatalf("EnsureDevKey = %v, %v", wrote, err)
	}
	if wrote, _ := EnsureDevKey(dir, time.Now()); wrote {
		t.Error("a second EnsureDevKey wrote another key")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pem"))
	if len(files) != 1 {
		t.Fatalf("key files %v", files)
	}
	if fi, _ := os.Stat(files[0]); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k, err := LoadKeys(dir, "", "")
	if err != nil || k.ActiveKID() != "dev-20261203T120000" {
		t.Fatalf("LoadKeys = %v, %v", k, err)
	}
	if _, err := LoadKeys(dir, "", "missing"); err == nil {
		t.Error("an unknown signing key id was accepted")
	}
	if _, err := LoadKeys(t.TempDir(), "", ""); err == nil {
		t.Error("an empty key directory was accepted")
	}
}

// TestVerifiedTokensRemembered: a token verified once is answered from
// memory with the same principal, still refused once it expires, and
// never stands in for an altered copy of itself; the memory is bounded.
func TestVerifiedTokensRemembered(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	keys, err := LoadKeys("", mustKey(t, "2026-09"), "")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := NewSigner(keys, 15*time.Minute, clock)
	v := NewVerifier(keys, clock)
	p := auth.Principal{AccountID: "acc_1", Role: auth.RoleParent, DistrictID: "350402",
		Students: []auth.StudentRef{{SchoolID: "sch_a", StudentID: "stu_1"}}}
	tok, _, err := signer.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	first, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.verified) != 1 {
		t.Fatalf("%d tokens remembered after one verification, want 1", len(v.verified))
	}
	first.Students[0].StudentID = "stu_changed_by_caller"
	again, err := v.Verify(tok)
	if err != nil || again.AccountID != "acc_1" || again.Students[0].StudentID != "stu_1" {
		t.Fatalf("remembered token: %+v, %v; want the first principal unchanged", again, err)
	}
	// An altered token (one character of the signature) is not the remembered one.
	bad := tok[:len(tok)-2] + map[bool]string{true: "A", false: "B"}[tok[len(tok)-2] != 'A'] + tok[len(tok)-1:]
	if _, err := v.Verify(bad); !errors.Is(err, ErrBadToken) {
		t.Fatalf("altered token: %v, want ErrBadToken", err)
	}
	if _, ok := v.verified[bad]; ok {
		t.Fatal("a refused token was remembered")
	}
	// Past its expiry (and the leeway) the remembered token is refused and forgotten.
	now = now.Add(15*time.Minute + leeway + time.Second)
	if _, err := v.Verify(tok); !errors.Is(err, ErrBadToken) {
		t.Fatalf("expired remembered token: %v, want ErrBadToken", err)
	}
	if len(v.verified) != 0 {
		t.Fatalf("%d tokens remembered after expiry, want 0", len(v.verified))
	}
	// The memory never holds more than its bound.
	now = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	v.max = 50
	for i := range v.max + 5 {
		p.AccountID = fmt.Sprintf("acc_%d", i)
		tk, _, err := signer.Sign(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(tk); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(v.verified); n > v.max || n == 0 {
		t.Fatalf("%d tokens remembered, want 1 to %d", n, v.max)
	}
}
