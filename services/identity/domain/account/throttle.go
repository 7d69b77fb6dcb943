package account

import "time"

// The sign-in throttle (documented in docs/policies.md). Each wrong
// password adds one to the account's consecutive failures; a correct one
// resets them. The first FreeFailures cost nothing; from then on every
// failure locks the account for ShortLock, and the LockoutFailures-th
// locks it for LongLock (an administrator's password reset unlocks it
// sooner). While locked, sign-in is refused without checking the password,
// so a guesser learns nothing and the attempt does not count.
const (
	FreeFailures    = 5
	LockoutFailures = 20
	ShortLock       = 30 * time.Second
	LongLock        = 30 * time.Minute
)

// LockAfterFailure returns until when an account is locked after its
// failures-th consecutive wrong password (zero: not locked).
func LockAfterFailure(failures int, now time.Time) time.Time {
	switch {
	case failures >= LockoutFailures:
		return now.Add(LongLock)
	case failures >= FreeFailures:
		return now.Add(ShortLock)
	}
	return time.Time{}
}
