package app

import (
	"context"
	"fmt"
	"time"

	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/platform/fault"
)

// DeliveredHours is what remuneration needs from staffing: the approved
// delivered hours of a school and month (staffing owns them).
type DeliveredHours interface {
	ApprovedHours(ctx context.Context, schoolID string, year int, month time.Month) ([]facts.Hours, error)
}

// RateStore is the storage of rate tables (课酬标准), scoped by district.
type RateStore interface {
	// CreateRateTable stores t as the next version of its id after checking,
	// under a lock on the scope, that no other table of the scope overlaps
	// it (pay.CheckOverlap). It returns the stored version.
	CreateRateTable(ctx context.Context, t pay.RateTable) (pay.RateTable, error)
	// GetRateTable returns a version (0: the latest).
	GetRateTable(ctx context.Context, districtID, tableID string, version int) (pay.RateTable, error)
	// ListRateTables returns every version in the district, or the school's
	// own and the district-wide ones when schoolID is set.
	ListRateTables(ctx context.Context, districtID, schoolID string) ([]pay.RateTable, error)
}

// Remuneration is billing's remuneration (劳务报酬) use cases: rate tables,
// the month's pay basis and pay runs over them.
type Remuneration struct {
	store   RateStore
	schools Schools
	feed    Feed
	hours   DeliveredHours
}

// NewRemuneration returns the remuneration use cases.
func NewRemuneration(store RateStore, schools Schools, feed Feed, hours DeliveredHours) *Remuneration {
	return &Remuneration{store: store, schools: schools, feed: feed, hours: hours}
}

// CreateRateTable validates and stores a new rate-table version; the scope
// must exist (the district, and the school in it).
func (r *Remuneration) CreateRateTable(ctx context.Context, t pay.RateTable) (pay.RateTable, error) {
	if err := r.checkRateTable(ctx, t); err != nil {
		return pay.RateTable{}, err
	}
	return r.store.CreateRateTable(ctx, t)
}

// checkRateTable is every check of a new rate-table version before the
// store's overlap check: the district, the school in it, and
// RateTable.Validate. CreateRateTable and the rate table import both call it.
func (r *Remuneration) checkRateTable(ctx context.Context, t pay.RateTable) error {
	if err := r.feed.CheckDistrict(ctx, t.Scope.DistrictID); err != nil {
		return err
	}
	if t.Scope.SchoolID != "" {
		sc, err := r.schools.School(ctx, t.Scope.SchoolID)
		if err != nil {
			return err
		}
		if sc.DistrictID != t.Scope.DistrictID {
			return fault.Invalid("school_id", "school "+t.Scope.SchoolID+" is not in district "+t.Scope.DistrictID)
		}
	}
	return t.Validate()
}

// GetRateTable returns a rate-table version (0: the latest).
func (r *Remuneration) GetRateTable(ctx context.Context, districtID, id string, version int) (pay.RateTable, error) {
	return r.store.GetRateTable(ctx, districtID, id, version)
}

// ListRateTables lists rate-table versions of a district (or of a school
// and its district).
func (r *Remuneration) ListRateTables(ctx context.Context, districtID, schoolID string) ([]pay.RateTable, error) {
	if err := r.feed.CheckDistrict(ctx, districtID); err != nil {
		return nil, err
	}
	return r.store.ListRateTables(ctx, districtID, schoolID)
}

// PayBasis is a school's approved hours of a month, per person.
type PayBasis struct {
	School facts.School
	Year   int
	Month  time.Month
	pay.Basis
}

// PayBasis resolves the school through timetable, reads the month's approved
// hours from staffing and sums them per person.
func (r *Remuneration) PayBasis(ctx context.Context, schoolID string, year int, month time.Month) (PayBasis, error) {
	sc, err := r.schools.School(ctx, schoolID)
	if err != nil {
		return PayBasis{}, err
	}
	hs, err := r.hours.ApprovedHours(ctx, sc.ID, year, month)
	if err != nil {
		return PayBasis{}, err
	}
	recs := make([]pay.Record, 0, len(hs))
	for _, h := range hs {
		if h.SchoolID != sc.ID || h.DistrictID != sc.DistrictID {
			return PayBasis{}, fmt.Errorf("staffing returned record %s of school %s for school %s", h.RecordID, h.SchoolID, sc.ID)
		}
		recs = append(recs, pay.Record{
			RecordID: h.RecordID, AssignmentID: h.AssignmentID, StaffID: h.StaffID, StaffKind: h.StaffKind,
			InstitutionID: h.InstitutionID, Date: h.Date, Role: h.Role, Duty: h.Duty,
			CreditedMinutes: h.CreditedMinutes, Periods: h.Periods,
		})
	}
	b, err := pay.Summarise(recs)
	if err != nil {
		return PayBasis{}, err
	}
	return PayBasis{School: sc, Year: year, Month: month, Basis: b}, nil
}
