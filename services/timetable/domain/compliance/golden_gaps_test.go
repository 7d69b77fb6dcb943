package compliance

import (
	"testing"

	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// gappy is a check whose days leave out a whole week (the second) and a
// day of the third, with club sessions and sessions in the gaps: the
// clubs of the missing week count in the first week and their share
// violation goes last there; sessions on missing days are in no rule.
// It also checks the error Check gives for overlapping sessions, on a
// checked day and on a missing one.
func gappy(t testing.TB) Input {
	in := rich(t)
	var days []calendar.Day
	for _, d := range in.Days {
		if d.Date.StartOfWeek() == day(8) || d.Date == day(17) {
			continue
		}
		days = append(days, d)
	}
	in.Days = days
	return in
}

func TestCheckGoldenGaps(t *testing.T) {
	in := gappy(t)
	rep, err := Check(in)
	if err != nil {
		t.Fatal(err)
	}
	got := dumpReport(rep)
	bad := gappy(t)
	bad.Sessions = append(bad.Sessions,
		Session{Date: day(9), ClassID: "1A", Kind: ItemBasicCare, Start: at(15, 0), End: at(16, 0)},
		Session{Date: day(3), ClassID: "2A", Kind: ItemBasicCare, Start: at(15, 0), End: at(16, 0)},
		Session{Date: day(9), ClassID: "1A", Kind: ItemExtendedCare, Start: at(17, 45), End: at(18, 0)},
	)
	_, err = Check(bad)
	got += "---- overlaps\n" + err.Error() + "\n"
	matchGolden(t, "testdata/check_golden_gaps.txt", got)
}
