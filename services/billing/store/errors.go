package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
)

// interpretError is the one place that turns driver errors into domain
// errors for billing's schema; what names the record for the message.
func interpretError(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.NotFound(what + " not found")
	}
	err = pgdb.Classify(err)
	switch {
	case errors.Is(err, pgdb.ErrUniqueViolation):
		return fault.AlreadyExists(what + " already exists")
	case errors.Is(err, pgdb.ErrForeignKeyViolation):
		return fault.NotFound("a record " + what + " refers to does not exist")
	case errors.Is(err, pgdb.ErrCheckViolation):
		return fault.Precondition(what + " breaks a rule of the ledger")
	case errors.Is(err, pgdb.ErrOutOfRange):
		return fault.Precondition(what + ": an amount is beyond what the ledger holds (999999999999.99)")
	case errors.Is(err, pgdb.ErrSerialization):
		return fmt.Errorf("%s: %w", what, fault.ErrConflict)
	}
	return fmt.Errorf("%s: %w", what, err)
}
