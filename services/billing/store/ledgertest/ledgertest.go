// Package ledgertest gives billing's tests one assertion on the ledger:
// after every test, every posting balances and debits equal credits.
package ledgertest

import (
	"context"
	"testing"

	"github.com/kehou/kehou/services/billing/store"
)

// AssertBalanced fails t unless the ledger of db is balanced. Call it at
// the end of a test, or register it with t.Cleanup(func() { AssertBalanced(t, pool) })
// before the pool's own cleanup closes it.
func AssertBalanced(t testing.TB, db store.Querier) {
	t.Helper()
	if err := store.CheckLedger(context.Background(), db); err != nil {
		t.Error(err)
	}
}
