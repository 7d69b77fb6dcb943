package school_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// TestMatchSessionNamesTheMostSpecificField checks the pure session match
// behind cancellations and deliveries: each miss names its own field.
func TestMatchSessionNamesTheMostSpecificField(t *testing.T) {
	day := civil.New(2024, time.September, 2)
	occ := []calendar.Occurrence{
		{Date: day, ClassID: "c1", Segment: 1, Status: calendar.StatusScheduled},
		{Date: day, ClubID: "k1", Segment: 2, Status: calendar.StatusCancelled},
	}
	tests := []struct {
		name          string
		date          civil.Date
		class, club   string
		segment       int
		wantField     string
		wantCancelled int
	}{
		{name: "class matches", date: day, class: "c1", segment: 1},
		{name: "any session", date: day},
		{name: "no session that day", date: day.AddDays(1), wantField: "date"},
		{name: "unknown class", date: day, class: "c2", wantField: "class_id"},
		{name: "unknown club", date: day, club: "k2", wantField: "club_id"},
		{name: "wrong segment", date: day, class: "c1", segment: 2, wantField: "segment"},
	}
	for _, tt := range tests {
		err := school.MatchSession(occ, tt.date, tt.class, tt.club, tt.segment)
		var ve *fault.ValidationError
		switch {
		case tt.wantField == "" && err != nil:
			t.Errorf("%s: %v, want a match", tt.name, err)
		case tt.wantField != "" && (!errors.As(err, &ve) || ve.Violations[0].Field != tt.wantField):
			t.Errorf("%s: %v, want a violation of %s", tt.name, err, tt.wantField)
		}
	}
	if n := school.CountCancelled(occ); n != 1 {
		t.Errorf("CountCancelled = %d, want 1", n)
	}
	if got, want := school.OccurrenceID(occ[1]), "2024-09-02/2/club:k1"; got != want {
		t.Errorf("OccurrenceID = %q, want %q", got, want)
	}
}
