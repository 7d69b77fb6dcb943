package token

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/auth"
)

func serviceKeys(t *testing.T, names ...string) *KeySet {
	t.Helper()
	var pems []byte
	for _, n := range names {
		p, err := NewPrivateKeyPEM(n)
		if err != nil {
			t.Fatal(err)
		}
		pems = append(pems, p...)
	}
	k, err := LoadKeys("", string(pems), "")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestServiceTokens: a service's token names it; a token signed with
// another service's key, with a key the callee does not know, or expired
// is refused.
func TestServiceTokens(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	keys := serviceKeys(t, "billing", "staffing")
	v := NewServiceVerifier(keys, clock)

	billing, err := NewServiceSigner(keys, "billing", clock)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := billing.Token()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Verify(tok); err != nil || got != "billing" {
		t.Fatalf("billing's token verifies as %q, %v", got, err)
	}
	if again, _ := billing.Token(); again != tok {
		t.Error("a fresh token is not reused")
	}

	// staffing's key, claiming to be billing.
	forger := &ServiceSigner{service: "billing", now: clock,
		keys: &KeySet{private: map[string]ed25519.PrivateKey{"billing": keys.private["staffing"]}}}
	forged, err := forger.Token()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(forged); err == nil {
		t.Error("a token for billing signed with staffing's key verified")
	}
	// A key the callee does not hold.
	other := serviceKeys(t, "billing")
	outsider, _ := NewServiceSigner(other, "billing", clock)
	otok, _ := outsider.Token()
	if _, err := v.Verify(otok); err == nil {
		t.Error("a token signed with an unknown billing key verified")
	}
	// Expired.
	now = now.Add(ServiceTokenTTL + time.Minute)
	if _, err := v.Verify(tok); err == nil {
		t.Error("an expired service token verified")
	}
	// An access token signed with the same kind of key is not a service token.
	user, _ := NewSigner(keys, time.Hour, clock)
	utok, _, _ := user.Sign(auth.Principal{AccountID: "svc:staffing", Role: auth.RoleBureauAdmin})
	if _, err := v.Verify(utok); err == nil {
		t.Error("an access token verified as a service token")
	}
	if _, err := NewServiceSigner(keys, "timetable", clock); err == nil {
		t.Error("a signer without its private key was made")
	}
}
