package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// KeySet holds the Ed25519 keys access tokens are signed and verified with,
// each named by a key id (kid). One private key signs; every key in the set
// verifies, so during a rotation tokens signed with the old key stay valid
// until they expire (see docs/operations.md).
type KeySet struct {
	active  string
	private map[string]ed25519.PrivateKey
	public  map[string]ed25519.PublicKey
}

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ParseKeys reads PEM blocks: "PRIVATE KEY" (PKCS #8 Ed25519) blocks can
// sign and verify, "PUBLIC KEY" (PKIX) blocks only verify. A block's kid is
// its "Kid" PEM header, or defaultKID for a single block without one.
func (k *KeySet) parse(data []byte, defaultKID string) error {
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		n++
		kid := b.Headers["Kid"]
		if kid == "" {
			kid = defaultKID
		}
		if !kidPattern.MatchString(kid) {
			return fmt.Errorf("key %d: key id %q must be 1-64 of A-Z a-z 0-9 . _ -", n, kid)
		}
		if _, dup := k.public[kid]; dup {
			return fmt.Errorf("key id %q appears twice", kid)
		}
		switch b.Type {
		case "PRIVATE KEY":
			key, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return fmt.Errorf("key %q: %w", kid, err)
			}
			priv, ok := key.(ed25519.PrivateKey)
			if !ok {
				return fmt.Errorf("key %q: not an Ed25519 key", kid)
			}
			k.private[kid] = priv
			k.public[kid] = priv.Public().(ed25519.PublicKey)
		case "PUBLIC KEY":
			key, err := x509.ParsePKIXPublicKey(b.Bytes)
			if err != nil {
				return fmt.Errorf("key %q: %w", kid, err)
			}
			pub, ok := key.(ed25519.PublicKey)
			if !ok {
				return fmt.Errorf("key %q: not an Ed25519 key", kid)
			}
			k.public[kid] = pub
		default:
			return fmt.Errorf("key %q: PEM block %q is neither PRIVATE KEY nor PUBLIC KEY", kid, b.Type)
		}
	}
	if n == 0 {
		return errors.New("no PEM block")
	}
	return nil
}

// LoadKeys builds a key set from the *.pem files of dir (each file's kid is
// its name without .pem, unless a Kid header says otherwise) and from
// pemText (PEM blocks with Kid headers, e.g. from an environment variable).
// active names the signing key; when empty, the greatest kid among the
// private keys signs, so naming keys by date (2026-12-03) makes the newest
// one sign. A set with public keys only can verify but not sign.
func LoadKeys(dir, pemText, active string) (*KeySet, error) {
	k := &KeySet{private: map[string]ed25519.PrivateKey{}, public: map[string]ed25519.PublicKey{}}
	if dir != "" {
		files, err := filepath.Glob(filepath.Join(dir, "*.pem"))
		if err != nil {
			return nil, fmt.Errorf("list keys in %s: %w", dir, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read key: %w", err)
			}
			if err := k.parse(data, strings.TrimSuffix(filepath.Base(f), ".pem")); err != nil {
				return nil, fmt.Errorf("key file %s: %w", filepath.Base(f), err)
			}
		}
	}
	if strings.TrimSpace(pemText) != "" {
		if err := k.parse([]byte(pemText), ""); err != nil {
			return nil, fmt.Errorf("keys from the environment: %w", err)
		}
	}
	if len(k.public) == 0 {
		return nil, errors.New("no token keys: give a key directory or key PEM text")
	}
	if active != "" {
		if _, ok := k.private[active]; !ok {
			return nil, fmt.Errorf("signing key %q is not among the private keys", active)
		}
		k.active = active
	} else {
		for kid := range k.private {
			if kid > k.active {
				k.active = kid
			}
		}
	}
	return k, nil
}

// KIDs returns the ids of every key that verifies, sorted.
func (k *KeySet) KIDs() []string {
	out := make([]string, 0, len(k.public))
	for kid := range k.public {
		out = append(out, kid)
	}
	slices.Sort(out)
	return out
}

// ActiveKID is the id of the signing key, "" when the set cannot sign.
func (k *KeySet) ActiveKID() string { return k.active }

// EnsureDevKey creates dir and an Ed25519 key in it when it holds no *.pem
// file yet, so `make run` needs no set-up and a restart keeps every token
// valid. It returns whether it wrote a key. The file is readable by its
// owner only. Production keys are provisioned, not generated here.
func EnsureDevKey(dir string, now time.Time) (bool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("create key directory: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		return false, fmt.Errorf("list keys: %w", err)
	}
	if len(files) > 0 {
		return false, nil
	}
	block, err := NewPrivateKeyPEM("")
	if err != nil {
		return false, err
	}
	name := filepath.Join(dir, "dev-"+now.UTC().Format("20060102T150405")+".pem")
	if err := os.WriteFile(name, block, 0o600); err != nil {
		return false, fmt.Errorf("write key: %w", err)
	}
	return true, nil
}

// NewPrivateKeyPEM generates an Ed25519 key as a PKCS #8 PEM block, with a
// Kid header when kid is not empty.
func NewPrivateKeyPEM(kid string) ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	b := &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	if kid != "" {
		b.Headers = map[string]string{"Kid": kid}
	}
	return pem.EncodeToMemory(b), nil
}

func mkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create key directory: %w", err)
	}
	return nil
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

func writePrivate(name string, data []byte) error {
	if err := os.WriteFile(name, data, 0o600); err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	return nil
}
