package token

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Service tokens say which Kehou service makes a call to another, beside
// the end user's access token. Each service signs its own with its own
// Ed25519 key, whose kid is the service's name (billing.pem signs
// "svc:billing"); a callee accepts a service token only when the key that
// signed it is the key of the service it names, so a service cannot speak
// as another without the other's private key. Keys come from files or the
// environment like the access-token keys (docs/operations.md).
const (
	// ServiceIssuer is the iss of every service token.
	ServiceIssuer = "kehou-service"
	// ServicePrefix begins the subject of a service token: svc:billing.
	ServicePrefix = "svc:"
	// ServiceTokenTTL is how long a service token is accepted.
	ServiceTokenTTL = 5 * time.Minute
)

// ErrBadServiceToken is the one answer to a bad service token.
var ErrBadServiceToken = errors.New("invalid or expired service credential")

// ServiceSigner mints the service tokens of one service and reuses each
// until a minute before it expires, so a call costs no signature.
type ServiceSigner struct {
	service string
	keys    *KeySet
	now     func() time.Time

	mu  sync.Mutex
	tok string
	exp time.Time
}

// NewServiceSigner returns the signer of service, whose private key must be
// in keys under the service's name.
func NewServiceSigner(keys *KeySet, service string, now func() time.Time) (*ServiceSigner, error) {
	if _, ok := keys.private[service]; !ok {
		return nil, fmt.Errorf("no private service key %q: give %s.pem in the service key directory", service, service)
	}
	return &ServiceSigner{service: service, keys: keys, now: now}, nil
}

// Service is the name the signer speaks for.
func (s *ServiceSigner) Service() string { return s.service }

// Token returns a valid service token.
func (s *ServiceSigner) Token() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.tok != "" && now.Before(s.exp.Add(-time.Minute)) {
		return s.tok, nil
	}
	exp := now.Add(ServiceTokenTTL).Truncate(time.Second)
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.RegisteredClaims{
		Issuer:    ServiceIssuer,
		Subject:   ServicePrefix + s.service,
		Audience:  jwt.ClaimStrings{Audience},
		ExpiresAt: jwt.NewNumericDate(exp),
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
	})
	t.Header["kid"] = s.service
	signed, err := t.SignedString(s.keys.private[s.service])
	if err != nil {
		return "", fmt.Errorf("sign service token: %w", err)
	}
	s.tok, s.exp = signed, exp
	return signed, nil
}

// ServiceVerifier checks service tokens against the services' public keys.
type ServiceVerifier struct {
	keys   *KeySet
	parser *jwt.Parser
}

// NewServiceVerifier returns a verifier over the services' keys.
func NewServiceVerifier(keys *KeySet, now func() time.Time) *ServiceVerifier {
	return &ServiceVerifier{keys: keys, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(ServiceIssuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithTimeFunc(now),
	)}
}

// Verify returns the name of the service a valid token speaks for.
func (v *ServiceVerifier) Verify(token string) (string, error) {
	var c jwt.RegisteredClaims
	var kid string
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		pub, ok := v.keys.public[kid]
		if !ok {
			return nil, errors.New("unknown key id")
		}
		return pub, nil
	})
	if err != nil || c.Subject != ServicePrefix+kid || !strings.HasPrefix(c.Subject, ServicePrefix) || kid == "" {
		return "", ErrBadServiceToken
	}
	return kid, nil
}

// EnsureServiceKeys creates dir and, for each named service without a key
// file yet, an Ed25519 key <service>.pem readable by its owner only, so
// `make run` needs no set-up. It returns the services it wrote keys for.
// Production keys are provisioned: each host gets its own service's
// private key and the others' public keys (docs/operations.md).
func EnsureServiceKeys(dir string, services []string) ([]string, error) {
	if err := mkdirPrivate(dir); err != nil {
		return nil, err
	}
	var wrote []string
	for _, s := range services {
		name := dir + "/" + s + ".pem"
		if exists(name) {
			continue
		}
		block, err := NewPrivateKeyPEM("")
		if err != nil {
			return wrote, err
		}
		if err := writePrivate(name, block); err != nil {
			return wrote, err
		}
		wrote = append(wrote, s)
	}
	return wrote, nil
}
