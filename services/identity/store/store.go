// Package store keeps identity's accounts, sign-in names, guardianships
// and sessions in its own PostgreSQL schema. Password hashes are read here
// and handed to the app for checking; they never go further.
package store

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/identity/domain/account"
	"github.com/kehou/kehou/services/platform/audit"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
)

// Store is the PostgreSQL implementation of the app's Store (checked in
// the wiring).
type Store struct {
	db *pgxpool.Pool
}

// New returns a store over pool.
func New(pool *pgxpool.Pool) *Store { return &Store{db: pool} }

// interpretError is the one place that turns driver errors into domain
// errors for this schema.
func interpretError(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.NotFound(what + " not found")
	}
	err = pgdb.Classify(err)
	var ce *pgdb.ConstraintError
	if errors.As(err, &ce) {
		switch {
		case errors.Is(err, pgdb.ErrUniqueViolation) && ce.Constraint == "logins_pkey":
			return fault.AlreadyExists("the user name or phone number is already in use")
		case errors.Is(err, pgdb.ErrUniqueViolation):
			return fault.AlreadyExists(what + " already exists")
		case errors.Is(err, pgdb.ErrForeignKeyViolation):
			return fault.NotFound("a referenced record of " + what + " does not exist")
		case errors.Is(err, pgdb.ErrSerialization):
			return fmt.Errorf("%s: %w", what, fault.ErrConflict)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CreateAccount inserts the account, its sign-in names and its students in one transaction.
func (s *Store) CreateAccount(ctx context.Context, a account.Account, hash string) (account.Account, error) {
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO identity.accounts (district_id, account_id, role, user_name, phone,
			display_name, scope_school_id, staff_id, institution_id, password_hash, must_change_password,
			password_change_time, create_time, update_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12)`,
			a.DistrictID, a.ID, string(a.Role), nullable(a.UserName), nullable(a.Phone), a.DisplayName, a.SchoolID,
			a.StaffID, a.InstitutionID, hash, a.MustChangePassword, a.CreateTime); err != nil {
			return err
		}
		for _, login := range []string{a.UserName, a.Phone} {
			if login == "" {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO identity.logins (login, district_id, account_id) VALUES ($1, $2, $3)`,
				login, a.DistrictID, a.ID); err != nil {
				return err
			}
		}
		for _, st := range a.Students {
			if _, err := tx.Exec(ctx, `INSERT INTO identity.guardianships (district_id, school_id, student_id, account_id, create_time)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, a.DistrictID, st.SchoolID, st.StudentID, a.ID, a.CreateTime); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return account.Account{}, interpretError(err, "account")
	}
	return s.Account(ctx, a.DistrictID, a.ID)
}

const accountCols = `a.district_id, a.account_id, a.role, coalesce(a.user_name, ''), coalesce(a.phone, ''),
	a.display_name, a.scope_school_id, a.staff_id, a.institution_id, a.must_change_password, a.create_time,
	coalesce((SELECT jsonb_agg(jsonb_build_object('school', g.school_id, 'student', g.student_id)
		ORDER BY g.school_id, g.student_id) FROM identity.guardianships g
		WHERE g.district_id = a.district_id AND g.account_id = a.account_id), '[]'::jsonb)`

func scanAccount(row pgx.Row, extra ...any) (account.Account, error) {
	var a account.Account
	var role string
	dest := append([]any{&a.DistrictID, &a.ID, &role, &a.UserName, &a.Phone, &a.DisplayName, &a.SchoolID,
		&a.StaffID, &a.InstitutionID, &a.MustChangePassword, &a.CreateTime, &a.Students}, extra...)
	err := row.Scan(dest...)
	a.Role = auth.Role(role)
	if len(a.Students) == 0 {
		a.Students = nil
	}
	return a, err
}

// CredentialsByLogin finds the account of a sign-in name.
func (s *Store) CredentialsByLogin(ctx context.Context, login string) (account.Credentials, error) {
	var c account.Credentials
	var locked *time.Time
	a, err := scanAccount(s.db.QueryRow(ctx, `SELECT `+accountCols+`, a.password_hash, a.locked_until
		FROM identity.logins l JOIN identity.accounts a ON a.district_id = l.district_id AND a.account_id = l.account_id
		WHERE l.login = $1`, login), &c.PasswordHash, &locked)
	if err != nil {
		return account.Credentials{}, interpretError(err, "account")
	}
	c.Account = a
	if locked != nil {
		c.LockedUntil = *locked
	}
	return c, nil
}

// Account returns one account with its students.
func (s *Store) Account(ctx context.Context, districtID, accountID string) (account.Account, error) {
	a, err := scanAccount(s.db.QueryRow(ctx, `SELECT `+accountCols+` FROM identity.accounts a
		WHERE a.district_id = $1 AND a.account_id = $2`, districtID, accountID))
	if err != nil {
		return account.Account{}, interpretError(err, "account")
	}
	return a, nil
}

// ListAccounts pages through accounts by id. A school filter keeps the
// school's staff and the parents with a child there.
func (s *Store) ListAccounts(ctx context.Context, f account.ListFilter) ([]account.Account, error) {
	rows, err := s.db.Query(ctx, `SELECT `+accountCols+` FROM identity.accounts a
		WHERE a.district_id = $1 AND ($2 = '' OR a.role = $2) AND ($4 = '' OR a.account_id = $4)
		AND ($3 = '' OR a.scope_school_id = $3 OR EXISTS (SELECT 1 FROM identity.guardianships g
			WHERE g.district_id = a.district_id AND g.account_id = a.account_id AND g.school_id = $3))
		AND a.account_id > $5
		ORDER BY a.account_id LIMIT $6`,
		f.DistrictID, string(f.Role), f.SchoolID, f.AccountID, f.After, f.Limit)
	if err != nil {
		return nil, interpretError(err, "accounts")
	}
	defer rows.Close()
	var out []account.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, interpretError(err, "accounts")
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, interpretError(err, "accounts")
	}
	return out, nil
}

// RecordFailure adds one consecutive failure and sets the lock for the new count.
func (s *Store) RecordFailure(ctx context.Context, districtID, accountID string, lock func(int) time.Time) error {
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `UPDATE identity.accounts SET failed_sign_ins = failed_sign_ins + 1
			WHERE district_id = $1 AND account_id = $2 RETURNING failed_sign_ins`, districtID, accountID).Scan(&n); err != nil {
			return err
		}
		until := lock(n)
		if until.IsZero() {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE identity.accounts SET locked_until = $3 WHERE district_id = $1 AND account_id = $2`,
			districtID, accountID, until)
		return err
	})
	if err != nil {
		return interpretError(err, "account")
	}
	return nil
}

// RecordSuccess clears the failures and replaces a stale hash.
func (s *Store) RecordSuccess(ctx context.Context, districtID, accountID, rehash string, now time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE identity.accounts SET failed_sign_ins = 0, locked_until = NULL,
		password_hash = CASE WHEN $3 = '' THEN password_hash ELSE $3 END,
		update_time = CASE WHEN $3 = '' THEN update_time ELSE $4 END
		WHERE district_id = $1 AND account_id = $2 AND (failed_sign_ins > 0 OR locked_until IS NOT NULL OR $3 <> '')`,
		districtID, accountID, rehash, now)
	if err != nil {
		return interpretError(err, "account")
	}
	return nil
}

// SetPassword replaces the hash, clears failures and locks, and revokes every session, in one transaction.
func (s *Store) SetPassword(ctx context.Context, districtID, accountID, hash string, mustChange bool, now time.Time) error {
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE identity.accounts SET password_hash = $3, must_change_password = $4,
			failed_sign_ins = 0, locked_until = NULL, password_change_time = $5, update_time = $5
			WHERE district_id = $1 AND account_id = $2`, districtID, accountID, hash, mustChange, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		_, err = tx.Exec(ctx, `UPDATE identity.sessions SET revoke_time = $3, revoke_reason = 'password change'
			WHERE district_id = $1 AND account_id = $2 AND revoke_time IS NULL`, districtID, accountID, now)
		return err
	})
	if err != nil {
		return interpretError(err, "account")
	}
	return nil
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, ss account.Session) error {
	_, err := s.db.Exec(ctx, `INSERT INTO identity.sessions (district_id, session_id, account_id, refresh_hash,
		address, create_time, refresh_time, expire_time) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
		ss.DistrictID, ss.ID, ss.AccountID, ss.RefreshHash, ss.Address, ss.CreateTime, ss.ExpireTime)
	if err != nil {
		return interpretError(err, "session")
	}
	return nil
}

// RotateSession swaps the refresh hash of a live session. A hash that is
// not the current one (a refresh token used twice) revokes the session.
func (s *Store) RotateSession(ctx context.Context, districtID, sessionID string, oldHash, newHash []byte, now, expire time.Time) (string, error) {
	var accountID string
	reused := false
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var current []byte
		var revoked *time.Time
		var expires time.Time
		err := tx.QueryRow(ctx, `SELECT account_id, refresh_hash, revoke_time, expire_time FROM identity.sessions
			WHERE district_id = $1 AND session_id = $2 FOR UPDATE`, districtID, sessionID).Scan(&accountID, &current, &revoked, &expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return account.ErrBadRefresh
		}
		if err != nil {
			return err
		}
		if revoked != nil || !now.Before(expires) {
			return account.ErrBadRefresh
		}
		if subtle.ConstantTimeCompare(current, oldHash) != 1 {
			reused = true
			_, err := tx.Exec(ctx, `UPDATE identity.sessions SET revoke_time = $3, revoke_reason = 'refresh token reused'
				WHERE district_id = $1 AND session_id = $2`, districtID, sessionID, now)
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE identity.sessions SET refresh_hash = $3, generation = generation + 1,
			refresh_time = $4, expire_time = $5 WHERE district_id = $1 AND session_id = $2`,
			districtID, sessionID, newHash, now, expire)
		return err
	})
	if errors.Is(err, account.ErrBadRefresh) {
		return "", err
	}
	if err != nil {
		return "", interpretError(err, "session")
	}
	if reused {
		return "", account.ErrBadRefresh
	}
	return accountID, nil
}

// RevokeSession ends the session whose current refresh hash is given.
func (s *Store) RevokeSession(ctx context.Context, districtID, sessionID string, hash []byte, now time.Time, reason string) error {
	tag, err := s.db.Exec(ctx, `UPDATE identity.sessions SET revoke_time = $4, revoke_reason = $5
		WHERE district_id = $1 AND session_id = $2 AND refresh_hash = $3 AND revoke_time IS NULL`,
		districtID, sessionID, hash, now, reason)
	if err != nil {
		return interpretError(err, "session")
	}
	if tag.RowsAffected() == 0 {
		return account.ErrBadRefresh
	}
	return nil
}

// SessionLive reports whether a session is neither revoked nor expired.
func (s *Store) SessionLive(ctx context.Context, districtID, sessionID string, now time.Time) (bool, error) {
	var live bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM identity.sessions WHERE district_id = $1
		AND session_id = $2 AND revoke_time IS NULL AND expire_time > $3)`, districtID, sessionID, now).Scan(&live)
	if err != nil {
		return false, interpretError(err, "session")
	}
	return live, nil
}

// LinkGuardian adds a student to a parent's account (again is harmless).
func (s *Store) LinkGuardian(ctx context.Context, districtID, accountID string, st auth.StudentRef, now time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO identity.guardianships (district_id, school_id, student_id, account_id, create_time)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, districtID, st.SchoolID, st.StudentID, accountID, now)
	if err != nil {
		return interpretError(err, "guardianship")
	}
	return nil
}

// AuditEvents reads a page of identity.audit_log.
func (s *Store) AuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, string, error) {
	return audit.List(ctx, s.db, "identity", f)
}
