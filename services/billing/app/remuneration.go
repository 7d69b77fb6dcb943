package app

import (
	"context"
	"fmt"
	"time"

	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/staffing/stclient"
	"github.com/kehou/kehou/services/timetable/ttclient"
)

// DeliveredHours is what remuneration needs from staffing: the approved
// delivered hours of a school and month (staffing owns them).
type DeliveredHours interface {
	ApprovedHours(ctx context.Context, schoolID string, year int, month time.Month) ([]stclient.Hours, error)
}

// Remuneration is billing's remuneration (劳务报酬) use cases. Today it reads
// and sums the approved hours; pay runs over rate tables build on it.
type Remuneration struct {
	schools Schools
	hours   DeliveredHours
}

// NewRemuneration returns the remuneration use cases.
func NewRemuneration(schools Schools, hours DeliveredHours) *Remuneration {
	return &Remuneration{schools: schools, hours: hours}
}

// PayBasis is a school's approved hours of a month, per person.
type PayBasis struct {
	School ttclient.School
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
