// Package app holds timetable's use cases. It declares the storage it
// needs as an interface and keeps transport and SQL out of the rules.
package app

import (
	"context"

	"github.com/kehou/kehou/services/platform/audit"
	"github.com/kehou/kehou/services/platform/authz"
	"github.com/kehou/kehou/services/platform/changes"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/timetable/domain/org"
)

// Store is the storage timetable's use cases need. Every method acts in
// one transaction; Update* run fn on the current row inside it.
type Store interface {
	// AuditEvents reads the audit trail (操作日志).
	audit.Reader

	CreateDistrict(ctx context.Context, d org.District) (org.District, error)
	GetDistrict(ctx context.Context, id string) (org.District, error)
	ListDistricts(ctx context.Context, after string, limit int) ([]org.District, error)
	UpdateDistrict(ctx context.Context, id string, fn func(*org.District) error) (org.District, error)

	CreateSchool(ctx context.Context, s org.School) (org.School, error)
	// GetSchool finds a school by id alone, through the school directory.
	GetSchool(ctx context.Context, schoolID string) (org.School, error)
	// SchoolDistrict is the district of a school, through the directory.
	SchoolDistrict(ctx context.Context, schoolID string) (string, error)
	// SchoolAndDistrict is GetSchool and GetDistrict in one round trip.
	SchoolAndDistrict(ctx context.Context, schoolID string) (org.School, org.District, error)
	ListSchools(ctx context.Context, districtID, after string, limit int) ([]org.School, error)
	UpdateSchool(ctx context.Context, districtID, schoolID string, fn func(*org.School) error) (org.School, error)

	PlanningStore
	EnrolmentStore
	ImportStore
}

// App is timetable's use cases.
type App struct {
	store Store
	jobs  *importjob.Runner
	// schools remembers each school's district (a school never moves), for
	// the kept terms' keys: one round trip fewer per request.
	schools authz.Schools
	// facts keeps terms' facts for the reads derived from them, under the
	// change feed (factscache.go).
	facts *changes.Cache[factsKey, termFacts]
}

// New returns the use cases over store. With feed (the change feed of
// ChangesChannel), reads of a term's facts are kept in memory until a
// change to the school or district is committed; nil keeps nothing.
func New(store Store, feed *changes.Feed) *App {
	a := &App{store: store, jobs: importjob.NewRunner(store.ImportJobs(), ImportPrefix), schools: authz.Cached(store.SchoolDistrict, 100_000),
		facts: changes.NewCache[factsKey, termFacts](feed, maxKeptTerms)}
	if feed != nil {
		a.jobs.Settle = feed.Sync
	}
	return a
}

// CreateDistrict validates and stores a new district.
func (a *App) CreateDistrict(ctx context.Context, d org.District) (org.District, error) {
	if err := d.Validate(); err != nil {
		return org.District{}, err
	}
	return a.store.CreateDistrict(ctx, d)
}

// GetDistrict returns one district.
func (a *App) GetDistrict(ctx context.Context, id string) (org.District, error) {
	return a.store.GetDistrict(ctx, id)
}

// ListDistricts returns up to limit districts after the given id.
func (a *App) ListDistricts(ctx context.Context, after string, limit int) ([]org.District, error) {
	return a.store.ListDistricts(ctx, after, limit)
}

// UpdateDistrict applies change to a district and validates the result.
func (a *App) UpdateDistrict(ctx context.Context, id string, change func(*org.District)) (org.District, error) {
	return a.store.UpdateDistrict(ctx, id, func(d *org.District) error {
		change(d)
		return d.Validate()
	})
}

// CreateSchool validates and stores a new school in an existing district.
func (a *App) CreateSchool(ctx context.Context, s org.School) (org.School, error) {
	if s.ID == "" {
		s.ID = org.NewSchoolID()
	} else if err := org.CheckChosenID(s.ID); err != nil {
		return org.School{}, err
	}
	if err := s.Validate(); err != nil {
		return org.School{}, err
	}
	return a.store.CreateSchool(ctx, s)
}

// GetSchool returns a school and its district.
func (a *App) GetSchool(ctx context.Context, id string) (org.School, org.District, error) {
	return a.store.SchoolAndDistrict(ctx, id)
}

// ListSchools returns up to limit schools of a district after the given id.
func (a *App) ListSchools(ctx context.Context, districtID, after string, limit int) ([]org.School, error) {
	if _, err := a.store.GetDistrict(ctx, districtID); err != nil {
		return nil, err
	}
	return a.store.ListSchools(ctx, districtID, after, limit)
}

// UpdateSchool applies change to a school and validates the result. A
// school never moves to another district.
func (a *App) UpdateSchool(ctx context.Context, id, districtID string, change func(*org.School)) (org.School, error) {
	cur, err := a.store.GetSchool(ctx, id)
	if err != nil {
		return org.School{}, err
	}
	if districtID != "" && districtID != cur.DistrictID {
		return org.School{}, fault.Invalid("school.district_id", "a school cannot move to another district")
	}
	return a.store.UpdateSchool(ctx, cur.DistrictID, id, func(s *org.School) error {
		change(s)
		return s.Validate()
	})
}

// AuditEvents pages through timetable's audit trail (操作日志) within the
// caller's scope.
func (a *App) AuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, string, error) {
	return audit.Read(ctx, a.store, f)
}
