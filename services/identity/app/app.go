// Package app holds identity's use cases: sign-in with its throttles,
// sessions and refresh tokens, password changes, and the creation and
// listing of accounts within the caller's scope. It declares the store it
// needs; tokens are signed by a platform token.Signer.
package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kehou/kehou/services/identity/domain/account"
	"github.com/kehou/kehou/services/identity/password"
	"github.com/kehou/kehou/services/platform/audit"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/fault"
)

// Errors the transport maps to their own codes.
var (
	// ErrBadCredentials is the one answer to a wrong login or password
	// (Unauthenticated): it does not say which was wrong.
	ErrBadCredentials = errors.New("wrong login or password")
	// ErrThrottled refuses a sign-in from a locked account or a blocked
	// address (ResourceExhausted, HTTP 429).
	ErrThrottled = errors.New("too many failed sign-ins: try again later")
	// ErrBadRefresh answers a refresh token that is unknown, spent,
	// revoked or expired (Unauthenticated); the store returns it.
	ErrBadRefresh = account.ErrBadRefresh
	// ErrUnauthenticated answers a call that needs an access token and has none.
	ErrUnauthenticated = errors.New("sign in first")
)

// Store is what identity keeps in PostgreSQL.
type Store interface {
	// AuditEvents reads the audit trail (操作日志).
	audit.Reader

	// CreateAccount inserts the account, its sign-in names and students in one transaction.
	CreateAccount(ctx context.Context, a account.Account, hash string) (account.Account, error)
	// CredentialsByLogin finds the account of a sign-in name (fault.ErrNotFound when none).
	CredentialsByLogin(ctx context.Context, login string) (account.Credentials, error)
	// Account returns one account with its students.
	Account(ctx context.Context, districtID, accountID string) (account.Account, error)
	// ListAccounts pages through accounts by id.
	ListAccounts(ctx context.Context, f account.ListFilter) ([]account.Account, error)
	// RecordFailure adds one consecutive failure and sets the lock lock(n) gives for the new count.
	RecordFailure(ctx context.Context, districtID, accountID string, lock func(failures int) time.Time) error
	// RecordSuccess clears the failures; a non-empty rehash replaces the password hash.
	RecordSuccess(ctx context.Context, districtID, accountID, rehash string, now time.Time) error
	// SetPassword replaces the hash, clears failures and locks and revokes every session.
	SetPassword(ctx context.Context, districtID, accountID, hash string, mustChange bool, now time.Time) error
	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s account.Session) error
	// RotateSession swaps the refresh hash of a live session; a hash that is
	// not the current one revokes the session and returns ErrBadRefresh.
	RotateSession(ctx context.Context, districtID, sessionID string, oldHash, newHash []byte, now, expire time.Time) (accountID string, err error)
	// RevokeSession ends the session whose current refresh hash is given.
	RevokeSession(ctx context.Context, districtID, sessionID string, hash []byte, now time.Time, reason string) error
	// SessionLive reports whether a session is neither revoked nor expired.
	SessionLive(ctx context.Context, districtID, sessionID string, now time.Time) (bool, error)
	// LinkGuardian adds a student to a parent's account.
	LinkGuardian(ctx context.Context, districtID, accountID string, s auth.StudentRef, now time.Time) error
}

// TokenSigner signs access tokens (a *token.Signer).
type TokenSigner interface {
	Sign(p auth.Principal) (string, time.Time, error)
}

// Config holds identity's tunables.
type Config struct {
	// Hashing is the argon2id cost of new hashes.
	Hashing password.Params
	// RefreshTTL is how long a session lives without a refresh.
	RefreshTTL time.Duration
	// Now is the clock.
	Now func() time.Time
	// Timetable and Staffing confirm the records a new account names, and
	// Timetable reads rosters for LinkRosterGuardians; the system always
	// sets them (nil only in identity's own tests, which check no records).
	Timetable Timetable
	Staffing  Staffing
}

// App is identity's use cases.
type App struct {
	store  Store
	signer TokenSigner
	cfg    Config
	guard  *sprayGuard
	// dummyHash is verified against when a login is unknown, so an unknown
	// login costs as long as a wrong password and reveals nothing.
	dummyHash string
}

// New returns the use cases.
func New(st Store, signer TokenSigner, cfg Config) (*App, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 30 * 24 * time.Hour
	}
	if cfg.Hashing == (password.Params{}) {
		cfg.Hashing = password.Default
	}
	dummy, err := password.Hash(randomToken(12), cfg.Hashing)
	if err != nil {
		return nil, err
	}
	return &App{store: st, signer: signer, cfg: cfg, guard: newSprayGuard(), dummyHash: dummy}, nil
}

// Tokens is a signed-in session's pair of tokens.
type Tokens struct {
	Access        string
	AccessExpire  time.Time
	Refresh       string
	RefreshExpire time.Time
}

// SignInResult is what SignIn returns: tokens, or MustChangePassword.
type SignInResult struct {
	Account            account.Account
	Tokens             *Tokens
	MustChangePassword bool
}

// checkPassword is sign-in's gate, shared by SignIn and ChangePassword:
// address block, account lock, then the password, recording the outcome.
func (a *App) checkPassword(ctx context.Context, login, pw, addr string) (account.Account, error) {
	now := a.cfg.Now()
	if a.guard.blocked(addr, now) {
		return account.Account{}, ErrThrottled
	}
	login = account.NormalizeLogin(login)
	cred, err := a.store.CredentialsByLogin(ctx, login)
	if errors.Is(err, fault.ErrNotFound) {
		_, _, _ = password.Verify(pw, a.dummyHash, a.cfg.Hashing)
		a.guard.fail(addr, login, now)
		return account.Account{}, ErrBadCredentials
	}
	if err != nil {
		return account.Account{}, err
	}
	if now.Before(cred.LockedUntil) {
		return account.Account{}, ErrThrottled
	}
	ok, stale, err := password.Verify(pw, cred.PasswordHash, a.cfg.Hashing)
	if err != nil {
		return account.Account{}, fmt.Errorf("account %s: %w", cred.Account.ID, err)
	}
	acc := cred.Account
	if !ok {
		a.guard.fail(addr, login, now)
		if err := a.store.RecordFailure(ctx, acc.DistrictID, acc.ID, func(n int) time.Time {
			return account.LockAfterFailure(n, now)
		}); err != nil {
			return account.Account{}, err
		}
		return account.Account{}, ErrBadCredentials
	}
	rehash := ""
	if stale {
		if rehash, err = password.Hash(pw, a.cfg.Hashing); err != nil {
			return account.Account{}, err
		}
	}
	if err := a.store.RecordSuccess(ctx, acc.DistrictID, acc.ID, rehash, now); err != nil {
		return account.Account{}, err
	}
	return acc, nil
}

// SignIn checks a login and password from addr (the client's address).
func (a *App) SignIn(ctx context.Context, login, pw, addr string) (SignInResult, error) {
	acc, err := a.checkPassword(ctx, login, pw, addr)
	if err != nil {
		return SignInResult{}, err
	}
	if acc.MustChangePassword {
		return SignInResult{Account: acc, MustChangePassword: true}, nil
	}
	t, err := a.startSession(ctx, acc, addr)
	if err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Account: acc, Tokens: &t}, nil
}

// ChangePassword checks the current (or one-time) password, sets the new
// one, revokes every session of the account and starts a fresh one.
func (a *App) ChangePassword(ctx context.Context, login, current, next, addr string) (SignInResult, error) {
	var c fault.Collector
	account.CheckPassword(&c, "new_password", next)
	c.Check(next != current, "new_password", "must differ from the current password")
	if err := c.Err(); err != nil {
		return SignInResult{}, err
	}
	acc, err := a.checkPassword(ctx, login, current, addr)
	if err != nil {
		return SignInResult{}, err
	}
	hash, err := password.Hash(next, a.cfg.Hashing)
	if err != nil {
		return SignInResult{}, err
	}
	if err := a.store.SetPassword(ctx, acc.DistrictID, acc.ID, hash, false, a.cfg.Now()); err != nil {
		return SignInResult{}, err
	}
	acc.MustChangePassword = false
	t, err := a.startSession(ctx, acc, addr)
	if err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Account: acc, Tokens: &t}, nil
}

func (a *App) startSession(ctx context.Context, acc account.Account, addr string) (Tokens, error) {
	now := a.cfg.Now()
	s := account.Session{DistrictID: acc.DistrictID, ID: randomHex(16), AccountID: acc.ID, Address: addr,
		CreateTime: now, ExpireTime: now.Add(a.cfg.RefreshTTL)}
	refresh := refreshToken(s.DistrictID, s.ID)
	s.RefreshHash = hashToken(refresh)
	if err := a.store.CreateSession(ctx, s); err != nil {
		return Tokens{}, err
	}
	return a.tokens(acc, s.ID, refresh, s.ExpireTime)
}

func (a *App) tokens(acc account.Account, sessionID, refresh string, refreshExpire time.Time) (Tokens, error) {
	access, exp, err := a.signer.Sign(acc.Principal(sessionID))
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{Access: access, AccessExpire: exp, Refresh: refresh, RefreshExpire: refreshExpire}, nil
}

// Refresh trades a refresh token for a new pair, reading the account
// afresh so a changed scope shows in the new access token.
func (a *App) Refresh(ctx context.Context, refresh string) (Tokens, error) {
	district, sid, ok := parseRefreshToken(refresh)
	if !ok {
		return Tokens{}, ErrBadRefresh
	}
	now := a.cfg.Now()
	next := refreshToken(district, sid)
	expire := now.Add(a.cfg.RefreshTTL)
	accountID, err := a.store.RotateSession(ctx, district, sid, hashToken(refresh), hashToken(next), now, expire)
	if err != nil {
		return Tokens{}, err
	}
	acc, err := a.store.Account(ctx, district, accountID)
	if err != nil {
		return Tokens{}, err
	}
	return a.tokens(acc, sid, next, expire)
}

// SignOut revokes the session of a refresh token.
func (a *App) SignOut(ctx context.Context, refresh string) error {
	district, sid, ok := parseRefreshToken(refresh)
	if !ok {
		return ErrBadRefresh
	}
	return a.store.RevokeSession(ctx, district, sid, hashToken(refresh), a.cfg.Now(), "sign-out")
}

// CurrentAccount returns the caller's account while its session is live.
func (a *App) CurrentAccount(ctx context.Context) (account.Account, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return account.Account{}, ErrUnauthenticated
	}
	if p.SessionID != "" {
		live, err := a.store.SessionLive(ctx, p.DistrictID, p.SessionID, a.cfg.Now())
		if err != nil {
			return account.Account{}, err
		}
		if !live {
			return account.Account{}, ErrUnauthenticated
		}
	}
	return a.store.Account(ctx, p.DistrictID, p.AccountID)
}

// CreateAccount creates acc with a one-time password, if the caller's
// scope is the one above it.
func (a *App) CreateAccount(ctx context.Context, acc account.Account, oneTime string) (account.Account, error) {
	caller, ok := auth.FromContext(ctx)
	if !ok {
		return account.Account{}, ErrUnauthenticated
	}
	acc.UserName = account.NormalizeLogin(acc.UserName)
	acc.Phone = strings.TrimSpace(acc.Phone)
	err := account.Validate(acc)
	var c fault.Collector
	account.CheckPassword(&c, "one_time_password", oneTime)
	if perr := c.Err(); perr != nil {
		err = joinViolations(err, perr)
	}
	if err != nil {
		return account.Account{}, err
	}
	if err := account.CanCreate(caller, acc); err != nil {
		return account.Account{}, err
	}
	if err := a.checkRecords(ctx, acc); err != nil {
		return account.Account{}, err
	}
	hash, err := password.Hash(oneTime, a.cfg.Hashing)
	if err != nil {
		return account.Account{}, err
	}
	now := a.cfg.Now()
	acc.ID = "acc_" + randomHex(6)
	acc.MustChangePassword = true
	acc.CreateTime = now
	return a.store.CreateAccount(ctx, acc, hash)
}

// EnsureOperator creates the platform operator account when no account
// has the user name yet (first start), with a password that needs no
// change; it does nothing when the account exists. It is how a new
// installation gets its first account, which then provisions districts.
func (a *App) EnsureOperator(ctx context.Context, userName, pw string) (bool, error) {
	userName = account.NormalizeLogin(userName)
	if _, err := a.store.CredentialsByLogin(ctx, userName); err == nil {
		return false, nil
	} else if !errors.Is(err, fault.ErrNotFound) {
		return false, err
	}
	var c fault.Collector
	account.CheckPassword(&c, "operator password", pw)
	if err := c.Err(); err != nil {
		return false, err
	}
	hash, err := password.Hash(pw, a.cfg.Hashing)
	if err != nil {
		return false, err
	}
	now := a.cfg.Now()
	_, err = a.store.CreateAccount(ctx, account.Account{ID: "acc_operator", Role: auth.RoleOperator,
		UserName: userName, DisplayName: "平台运维", CreateTime: now}, hash)
	if errors.Is(err, fault.ErrAlreadyExists) {
		return false, nil // another replica made it first
	}
	return err == nil, err
}

// ListAccounts pages through the accounts the caller may see.
func (a *App) ListAccounts(ctx context.Context, f account.ListFilter) ([]account.Account, error) {
	caller, ok := auth.FromContext(ctx)
	if !ok {
		return nil, ErrUnauthenticated
	}
	switch caller.Role {
	case auth.RoleOperator:
		if f.Role != "" && f.Role != auth.RoleBureauAdmin {
			return nil, nil
		}
		f.Role = auth.RoleBureauAdmin
	case auth.RoleBureauAdmin:
		if f.DistrictID != caller.DistrictID {
			return nil, nil
		}
	case auth.RoleSchoolAdmin:
		if f.DistrictID != caller.DistrictID || (f.SchoolID != "" && f.SchoolID != caller.SchoolID) {
			return nil, nil
		}
		f.SchoolID = caller.SchoolID
	default:
		if f.DistrictID != caller.DistrictID {
			return nil, nil
		}
		f.AccountID = caller.AccountID
	}
	return a.store.ListAccounts(ctx, f)
}

// visibleAccount reads an account the caller may see, NotFound otherwise
// (no existence leak).
func (a *App) visibleAccount(ctx context.Context, caller auth.Principal, districtID, accountID string) (account.Account, error) {
	acc, err := a.store.Account(ctx, districtID, accountID)
	if err != nil {
		return account.Account{}, err
	}
	if !account.CanSee(caller, acc) {
		return account.Account{}, fault.NotFound("account not found")
	}
	return acc, nil
}

// LinkGuardian adds a student of the caller's school to a parent account.
func (a *App) LinkGuardian(ctx context.Context, districtID, accountID string, s auth.StudentRef) (account.Account, error) {
	caller, ok := auth.FromContext(ctx)
	if !ok {
		return account.Account{}, ErrUnauthenticated
	}
	acc, err := a.store.Account(ctx, districtID, accountID)
	if err != nil {
		return account.Account{}, err
	}
	if caller.Role != auth.RoleSchoolAdmin && !account.CanSee(caller, acc) {
		return account.Account{}, fault.NotFound("account not found")
	}
	if acc.Role != auth.RoleParent {
		return account.Account{}, fault.Precondition("only a parent's account has students")
	}
	probe := acc
	probe.Students = []auth.StudentRef{s}
	if err := account.CanCreate(caller, probe); err != nil {
		return account.Account{}, err
	}
	if err := a.checkRecords(ctx, probe); err != nil {
		return account.Account{}, err
	}
	if err := a.store.LinkGuardian(ctx, districtID, accountID, s, a.cfg.Now()); err != nil {
		return account.Account{}, err
	}
	return a.store.Account(ctx, districtID, accountID)
}

// ResetPassword gives an account in the caller's scope a new one-time
// password, unlocks it and revokes its sessions.
func (a *App) ResetPassword(ctx context.Context, districtID, accountID, oneTime string) (account.Account, error) {
	caller, ok := auth.FromContext(ctx)
	if !ok {
		return account.Account{}, ErrUnauthenticated
	}
	acc, err := a.visibleAccount(ctx, caller, districtID, accountID)
	if err != nil {
		return account.Account{}, err
	}
	if err := account.CanCreate(caller, acc); err != nil {
		return account.Account{}, err
	}
	var c fault.Collector
	account.CheckPassword(&c, "one_time_password", oneTime)
	if err := c.Err(); err != nil {
		return account.Account{}, err
	}
	hash, err := password.Hash(oneTime, a.cfg.Hashing)
	if err != nil {
		return account.Account{}, err
	}
	if err := a.store.SetPassword(ctx, districtID, accountID, hash, true, a.cfg.Now()); err != nil {
		return account.Account{}, err
	}
	acc.MustChangePassword = true
	return acc, nil
}

func joinViolations(a, b error) error {
	var va, vb *fault.ValidationError
	if errors.As(a, &va) && errors.As(b, &vb) {
		return &fault.ValidationError{Violations: append(append([]fault.Violation{}, va.Violations...), vb.Violations...)}
	}
	if a != nil {
		return a
	}
	return b
}

// A refresh token is "kr1.<district, base64url>.<session id>.<secret>";
// only its SHA-256 is stored. The district and session let the store find
// the session by its primary key; the secret makes it unguessable.
const refreshPrefix = "kr1"

func refreshToken(districtID, sessionID string) string {
	return refreshPrefix + "." + base64.RawURLEncoding.EncodeToString([]byte(districtID)) + "." + sessionID + "." + randomToken(32)
}

func parseRefreshToken(t string) (district, session string, ok bool) {
	parts := strings.Split(t, ".")
	if len(parts) != 4 || parts[0] != refreshPrefix || len(parts[2]) != 32 || len(parts[3]) < 40 {
		return "", "", false
	}
	d, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || len(d) > 64 {
		return "", "", false
	}
	if _, err := hex.DecodeString(parts[2]); err != nil {
		return "", "", false
	}
	return string(d), parts[2], true
}

func hashToken(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// AuditEvents pages through identity's audit trail (操作日志) within the
// caller's scope.
func (a *App) AuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, string, error) {
	return audit.Read(ctx, a.store, f)
}
