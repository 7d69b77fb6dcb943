// Package password hashes and checks passwords with argon2id (RFC 9106),
// storing each hash in the PHC string form with its parameters and salt,
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>, so parameters can be
// raised without invalidating existing hashes: a hash made with older
// parameters still verifies and is replaced at the next sign-in.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	// Memory in KiB.
	Memory uint32
	// Time is the number of passes.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
}

// Default is the production cost: 64 MiB, 3 passes, 2 lanes (about 0.1 s
// on one core of the reference machine), RFC 9106's second recommended
// option with the lanes set to the machine's cores.
var Default = Params{Memory: 64 * 1024, Time: 3, Threads: 2}

// Fast is a cheap cost for tests, where hundreds of accounts are made.
var Fast = Params{Memory: 1024, Time: 1, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of pw under p with a fresh random salt.
func Hash(pw string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrMalformed reports a stored hash this package cannot read.
var ErrMalformed = errors.New("malformed password hash")

// Verify reports whether pw matches the PHC string, and whether the hash
// was made with parameters other than want (so the caller should rehash).
// The comparison takes constant time.
func Verify(pw, phc string, want Params) (ok, stale bool, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory < 8 || p.Memory > 1<<22 || p.Time < 1 || p.Time > 20 || p.Threads < 1 {
		return false, false, ErrMalformed
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return false, false, ErrMalformed
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, p != want, nil
}
