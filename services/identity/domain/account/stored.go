package account

import (
	"errors"
	"time"

	"github.com/kehou/kehou/services/platform/auth"
)

// The stored records of sign-in: declared here, not in the app, so the
// store that keeps them never depends on the use cases.

// ErrBadRefresh answers a refresh token that is unknown, spent, revoked or
// expired (Unauthenticated).
var ErrBadRefresh = errors.New("invalid or expired refresh token")

// Credentials is an account with what sign-in checks; it goes no further
// than the app.
type Credentials struct {
	Account      Account
	PasswordHash string
	LockedUntil  time.Time
}

// Session is a sign-in session as stored.
type Session struct {
	DistrictID  string
	ID          string
	AccountID   string
	RefreshHash []byte
	Address     string
	CreateTime  time.Time
	ExpireTime  time.Time
}

// ListFilter narrows ListAccounts; the app fills it from the caller's scope.
type ListFilter struct {
	DistrictID string
	Role       auth.Role
	SchoolID   string
	// AccountID limits the list to one account (roles that see only themselves).
	AccountID string
	After     string
	Limit     int
}
