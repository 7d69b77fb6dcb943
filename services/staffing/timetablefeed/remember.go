package timetablefeed

import (
	"context"
	"sync"

	"github.com/kehou/kehou/services/platform/authz"
)

// MaxRemembered bounds the schools whose district the feed remembers.
const MaxRemembered = 100_000

// memory is what the feed remembers of timetable: the district of each
// school (a school never moves; bounded, failures not remembered), so a
// read such as the staffing grid asks timetable nothing after the first
// time. The zero value is ready.
type memory struct {
	once      sync.Once
	districts authz.Schools
}

// SchoolDistrict returns the district of a school (remembered).
func (f *Feed) SchoolDistrict(ctx context.Context, schoolID string) (string, error) {
	f.mem.once.Do(func() {
		f.mem.districts = authz.Cached(func(ctx context.Context, id string) (string, error) {
			sc, err := f.School(ctx, id)
			return sc.DistrictID, err
		}, MaxRemembered)
	})
	return f.mem.districts(ctx, schoolID)
}
