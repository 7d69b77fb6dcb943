// Package pgdb holds what every service does with PostgreSQL the same way:
// opening a pool, running one transaction per change, applying embedded
// migrations under an advisory lock, and turning driver errors into kinds
// the services understand.
package pgdb

import (
	"context"
	"errors"
	"fmt"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/platform/audit"
)

// Open connects a pool to url, registers decimal support on every
// connection (so numeric travels in binary, not text), lets the audit
// trail's triggers know the caller of each change (audit.Pool) and pings once so a
// wrong address fails at start-up rather than on the first request.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		pgxdecimal.Register(c.TypeMap())
		return nil
	}
	audit.Pool(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return pool, nil
}

// Beginner is what InTx needs: a pool, a connection or an outer transaction.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// InTx runs fn in one transaction and commits it, or rolls it back when fn
// or the commit fails, so a change is written whole or not at all.
func InTx(ctx context.Context, db Beginner, fn func(pgx.Tx) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx) // the cause is err; a rollback error adds nothing
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Error kinds that stores translate into their service's domain errors.
var (
	// ErrUniqueViolation reports a duplicate key (SQLSTATE 23505).
	ErrUniqueViolation = errors.New("unique violation")
	// ErrForeignKeyViolation reports a missing referenced row (23503).
	ErrForeignKeyViolation = errors.New("foreign key violation")
	// ErrCheckViolation reports a failed CHECK or exclusion constraint (23514, 23P01).
	ErrCheckViolation = errors.New("check violation")
	// ErrSerialization reports a conflict the client may retry (40001, 40P01).
	ErrSerialization = errors.New("serialization conflict")
	// ErrOutOfRange reports a number too large for its column (22003), e.g.
	// a computed amount beyond numeric(14,2).
	ErrOutOfRange = errors.New("numeric value out of range")
)

// ConstraintError is a driver error classified into one of the kinds
// above, keeping the constraint name so a store can say which rule failed.
type ConstraintError struct {
	Kind       error
	Constraint string
	Err        error
}

// Error returns the driver's message.
func (e *ConstraintError) Error() string { return e.Err.Error() }

// Is matches the classified kind.
func (e *ConstraintError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the driver error.
func (e *ConstraintError) Unwrap() error { return e.Err }

// Classify is the one place that reads PostgreSQL error codes. It returns
// a *ConstraintError for the codes above and err unchanged otherwise.
func Classify(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	var kind error
	switch pgErr.Code {
	case "23505":
		kind = ErrUniqueViolation
	case "23503":
		kind = ErrForeignKeyViolation
	case "23514", "23P01":
		kind = ErrCheckViolation
	case "40001", "40P01":
		kind = ErrSerialization
	case "22003":
		kind = ErrOutOfRange
	default:
		return err
	}
	return &ConstraintError{Kind: kind, Constraint: pgErr.ConstraintName, Err: err}
}
