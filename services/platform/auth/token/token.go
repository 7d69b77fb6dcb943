// Package token signs and verifies Kehou's access tokens: Ed25519 JWTs
// (alg EdDSA) naming their key in the kid header, issued by the identity
// service and checked by every service with the same key set.
package token

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/kehou/kehou/services/platform/auth"
)

// Issuer and Audience are the iss and aud of every access token.
const (
	Issuer   = "kehou-identity"
	Audience = "kehou"
)

// ErrBadToken is the one answer to a token that is malformed, expired,
// signed with an unknown key or altered; the details go nowhere, so a
// caller learns nothing about why.
var ErrBadToken = errors.New("invalid or expired access token")

type claims struct {
	jwt.RegisteredClaims
	Role        auth.Role         `json:"role"`
	District    string            `json:"dst,omitempty"`
	School      string            `json:"sch,omitempty"`
	Staff       string            `json:"stf,omitempty"`
	Institution string            `json:"ins,omitempty"`
	Students    []auth.StudentRef `json:"stu,omitempty"`
	Session     string            `json:"sid,omitempty"`
}

// Signer issues access tokens with a key set's active key.
type Signer struct {
	keys *KeySet
	ttl  time.Duration
	now  func() time.Time
}

// NewSigner returns a signer whose tokens live for ttl; now is the clock
// (time.Now in production).
func NewSigner(keys *KeySet, ttl time.Duration, now func() time.Time) (*Signer, error) {
	if keys.active == "" {
		return nil, errors.New("token keys hold no private key to sign with")
	}
	if ttl <= 0 || ttl > 24*time.Hour {
		return nil, fmt.Errorf("access token lifetime %s must be between 0 and 24h", ttl)
	}
	return &Signer{keys: keys, ttl: ttl, now: now}, nil
}

// Sign returns a token for p (its ExpiresAt is ignored) and when it expires.
func (s *Signer) Sign(p auth.Principal) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(s.ttl).Truncate(time.Second)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   p.AccountID,
			Audience:  jwt.ClaimStrings{Audience},
			ExpiresAt: jwt.NewNumericDate(exp),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
		},
		Role: p.Role, District: p.DistrictID, School: p.SchoolID, Staff: p.StaffID,
		Institution: p.InstitutionID, Students: p.Students, Session: p.SessionID,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = s.keys.active
	signed, err := t.SignedString(s.keys.private[s.keys.active])
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return signed, exp, nil
}

// Verifier checks access tokens against every key of a key set.
//
// A token is verified once: the principal of a token that passed is
// remembered (the exact token string is the key) until the token expires,
// so the next call carrying it — the same parent's next request, or the
// same request's next hop to another service — costs a map lookup instead
// of an Ed25519 verification. This is safe because a verification depends
// only on the token, the key set (fixed for the Verifier's life: a rotation
// restarts the service with the new set) and the clock, and the expiry is
// checked again on every use. A token that failed is never remembered.
type Verifier struct {
	keys   *KeySet
	parser *jwt.Parser
	now    func() time.Time

	mu       sync.Mutex
	verified map[string]auth.Principal
	max      int // MaxVerified; tests lower it
}

// MaxVerified bounds the remembered tokens of one Verifier; past it the
// memory starts afresh (a few thousand signed-in users fit many times).
const MaxVerified = 20_000

// leeway is the clock skew tolerated on exp, nbf and iat.
const leeway = 5 * time.Second

// NewVerifier returns a verifier over keys; now is the clock.
func NewVerifier(keys *KeySet, now func() time.Time) *Verifier {
	return &Verifier{keys: keys, now: now, verified: map[string]auth.Principal{}, max: MaxVerified, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
	)}
}

// Verify returns the principal of a valid token, or ErrBadToken.
func (v *Verifier) Verify(token string) (auth.Principal, error) {
	v.mu.Lock()
	p, ok := v.verified[token]
	v.mu.Unlock()
	if ok {
		if v.now().After(p.ExpiresAt.Add(leeway)) {
			v.mu.Lock()
			delete(v.verified, token)
			v.mu.Unlock()
			return auth.Principal{}, ErrBadToken
		}
		p.Students = slices.Clone(p.Students)
		return p, nil
	}
	p, err := v.verify(token)
	if err != nil {
		return p, err
	}
	v.mu.Lock()
	if len(v.verified) >= v.max {
		clear(v.verified)
	}
	v.verified[token] = p
	v.mu.Unlock()
	p.Students = slices.Clone(p.Students)
	return p, nil
}

// verify checks a token's signature and claims.
func (v *Verifier) verify(token string) (auth.Principal, error) {
	var c claims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		pub, ok := v.keys.public[kid]
		if !ok {
			return nil, errors.New("unknown key id")
		}
		return pub, nil
	})
	if err != nil || c.Subject == "" || !c.Role.Valid() || c.ExpiresAt == nil {
		return auth.Principal{}, ErrBadToken
	}
	return auth.Principal{
		AccountID: c.Subject, Role: c.Role, DistrictID: c.District, SchoolID: c.School, StaffID: c.Staff,
		InstitutionID: c.Institution, Students: c.Students, SessionID: c.Session, ExpiresAt: c.ExpiresAt.Time,
	}, nil
}
