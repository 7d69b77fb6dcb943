package planner

import (
	"fmt"
	"math/rand/v2"

	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// tight returns a small school whose club slots are filled to load (0..1) by
// a planted clash-free placement, with a second club segment on three days,
// groups, and club capacities within 5% of their planted room's, so greedy
// placement alone sometimes fails and the repair search must work.
func tight(seed uint64, rooms int, load float64) Input {
	rng := rand.New(rand.NewPCG(seed, 7))
	in := Input{
		Segments: []Segment{
			{Index: 1, Kind: SegmentHomework, Start: calendar.Clock(15, 0), End: calendar.Clock(16, 0)},
			{Index: 2, Kind: SegmentClub, Start: calendar.Clock(16, 0), End: calendar.Clock(17, 0)},
			{Index: 3, Kind: SegmentClub, Start: calendar.Clock(17, 0), End: calendar.Clock(17, 40),
				Weekdays: []calendar.Weekday{calendar.Monday, calendar.Wednesday, calendar.Thursday}},
		},
		Classes: []Class{{ID: "c1", Grade: 1, Size: 30, HomeRoom: "home"}},
		Rooms:   []Room{{ID: "home", Kind: RoomLibrary, Capacity: 30}},
	}
	kinds := []RoomKind{RoomGym, RoomArtRoom}
	for i := range rooms {
		in.Rooms = append(in.Rooms, Room{ID: fmt.Sprintf("r%d", i), Kind: kinds[i%2], Capacity: 20 + rng.IntN(60)})
	}
	type cell struct{ slot, room int }
	// the slots as newProblem builds them: by weekday, then segment
	var slots []slot
	for d, w := range calendar.DefaultWeekdays() {
		slots = append(slots, slot{day: d, weekday: w, segment: 2})
		if w == calendar.Monday || w == calendar.Wednesday || w == calendar.Thursday {
			slots = append(slots, slot{day: d, weekday: w, segment: 3})
		}
	}
	busy := map[cell]bool{}
	total := int(load * float64(len(slots)*rooms))
	groupSlots := map[string]map[int]bool{}
	for j := 0; total > 0 && j < 500; j++ {
		r := 1 + rng.IntN(rooms)
		m := 1 + rng.IntN(3)
		var picked []int
		days := map[int]bool{}
		for _, s := range rng.Perm(len(slots)) {
			if len(picked) < m && !busy[cell{s, r}] && !days[slots[s].day] {
				picked = append(picked, s)
				days[slots[s].day] = true
			}
		}
		if len(picked) == 0 {
			continue
		}
		room := in.Rooms[r]
		club := Club{ID: fmt.Sprintf("k%02d", j), Provider: ProviderSchool, Grades: []int{1}, RoomKind: room.Kind,
			Capacity: room.Capacity - rng.IntN(max(1, room.Capacity*5/100)), MeetingsPerWeek: len(picked)}
		g := fmt.Sprintf("g%d", rng.IntN(4))
		ok := rng.IntN(2) == 0
		for _, s := range picked {
			ok = ok && !groupSlots[g][s]
		}
		if ok {
			if groupSlots[g] == nil {
				groupSlots[g] = map[int]bool{}
			}
			for _, s := range picked {
				groupSlots[g][s] = true
			}
			club.Group = g
		}
		for _, s := range picked {
			busy[cell{s, r}] = true
		}
		total -= len(picked)
		in.Clubs = append(in.Clubs, club)
	}
	return in
}
