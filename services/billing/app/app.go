// Package app holds billing's use cases; it declares what it needs from
// storage and from timetable as interfaces.
package app

import (
	"context"

	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/platform/audit"
	"github.com/shopspring/decimal"
)

// Store is the storage billing's use cases need; every method is scoped by
// district and school.
type Store interface {
	// AuditEvents reads the audit trail (操作日志).
	audit.Reader

	SchoolTotals(ctx context.Context, districtID, schoolID string) (ledger.Totals, error)
}

// Schools resolves schools; timetable owns them.
type Schools interface {
	School(ctx context.Context, schoolID string) (facts.School, error)
}

// App is billing's use cases.
type App struct {
	store   Store
	schools Schools
}

// New returns the use cases.
func New(store Store, schools Schools) *App { return &App{store: store, schools: schools} }

// Balance is a school's ledger position.
type Balance struct {
	School      facts.School
	Charged     decimal.Decimal
	Received    decimal.Decimal
	Outstanding decimal.Decimal
}

// SchoolBalance resolves the school through timetable, then sums its ledger.
func (a *App) SchoolBalance(ctx context.Context, schoolID string) (Balance, error) {
	sc, err := a.schools.School(ctx, schoolID)
	if err != nil {
		return Balance{}, err
	}
	t, err := a.store.SchoolTotals(ctx, sc.DistrictID, sc.ID)
	if err != nil {
		return Balance{}, err
	}
	return Balance{School: sc, Charged: t.Charged, Received: t.Received, Outstanding: t.Charged.Sub(t.Received)}, nil
}

// AuditEvents pages through billing's audit trail (操作日志) within the
// caller's scope.
func (a *App) AuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, string, error) {
	return audit.Read(ctx, a.store, f)
}
