// Package app holds staffing's use cases; it declares what it needs from
// storage and from timetable as interfaces.
package app

import (
	"context"

	"github.com/kehou/kehou/services/staffing/domain/staff"
	"github.com/kehou/kehou/services/timetable/ttclient"
)

// Store is the storage staffing's use cases need; every method is scoped
// by district and school.
type Store interface {
	CreateMember(ctx context.Context, m staff.Member) (staff.Member, error)
	ListMembers(ctx context.Context, districtID, schoolID, after string, limit int) ([]staff.Member, error)
}

// Schools resolves schools; timetable owns them.
type Schools interface {
	School(ctx context.Context, schoolID string) (ttclient.School, error)
}

// App is staffing's use cases.
type App struct {
	store   Store
	schools Schools
}

// New returns the use cases.
func New(store Store, schools Schools) *App { return &App{store: store, schools: schools} }

// CreateMember registers a person at a school that timetable knows.
func (a *App) CreateMember(ctx context.Context, schoolID string, m staff.Member) (staff.Member, error) {
	if err := m.Validate(); err != nil {
		return staff.Member{}, err
	}
	sc, err := a.schools.School(ctx, schoolID)
	if err != nil {
		return staff.Member{}, err
	}
	m.ID, m.SchoolID, m.DistrictID = staff.NewID(), sc.ID, sc.DistrictID
	return a.store.CreateMember(ctx, m)
}

// ListMembers returns a page of a school's staff and the school itself.
func (a *App) ListMembers(ctx context.Context, schoolID, after string, limit int) ([]staff.Member, ttclient.School, error) {
	sc, err := a.schools.School(ctx, schoolID)
	if err != nil {
		return nil, ttclient.School{}, err
	}
	ms, err := a.store.ListMembers(ctx, sc.DistrictID, sc.ID, after, limit)
	return ms, sc, err
}
