package planner

import (
	"fmt"
	"math/rand/v2"

	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// Generate returns a synthetic primary school for benchmarks, load tests and
// demos: classes with one home classroom each (so the school has classes +
// rooms rooms in all), rooms shared activity rooms of mixed kinds, and clubs
// meeting one to three times a week, on Monday–Friday with a homework segment
// (15:40–16:40) and a club segment (16:50–17:50). It plants a hidden
// clash-free placement while generating the clubs, so the instance is
// solvable whenever every club could be planted (always, when there are
// classes: home rooms take what activity rooms cannot); a club that could not
// be planted is still added, as a gym club (an over-full school). Some clubs share a Group and two meetings
// are locked, so every rule of the planner is exercised. The same arguments
// give the same school.
func Generate(seed uint64, classes, clubs, rooms int) Input {
	in, _ := generate(seed, classes, clubs, rooms)
	return in
}

// generate is Generate that also reports whether every club was planted, i.e.
// whether a complete clash-free plan is known to exist.
func generate(seed uint64, classes, clubs, rooms int) (Input, bool) {
	rng := rand.New(rand.NewPCG(seed, 0x67656e7363686f6f))
	in := Input{
		Weekdays: calendar.DefaultWeekdays(),
		Segments: []Segment{
			{Index: 1, Kind: SegmentHomework, Start: calendar.Clock(15, 40), End: calendar.Clock(16, 40)},
			{Index: 2, Kind: SegmentClub, Start: calendar.Clock(16, 50), End: calendar.Clock(17, 50)},
		},
	}
	for i := range classes {
		grade := 1 + i*6/max(classes, 1)
		id := fmt.Sprintf("class-%03d", i+1)
		home := fmt.Sprintf("home-%03d", i+1)
		in.Classes = append(in.Classes, Class{ID: id, Grade: grade, Size: 38 + rng.IntN(13), HomeRoom: home})
		in.Rooms = append(in.Rooms, Room{ID: home, Kind: RoomClassroom, Capacity: 50})
	}
	base := []RoomKind{RoomArtRoom, RoomGym, RoomLab, RoomLibrary, RoomPlayground, RoomClassroom, RoomArtRoom, RoomLab, RoomGym, RoomCanteen}
	capRange := map[RoomKind][2]int{
		RoomClassroom: {40, 50}, RoomGym: {60, 120}, RoomArtRoom: {30, 45}, RoomLab: {30, 45},
		RoomLibrary: {40, 80}, RoomPlayground: {100, 200}, RoomCanteen: {100, 200},
	}
	shared := len(in.Rooms)
	for i := range rooms {
		kind := base[i%len(base)]
		if i >= len(base) {
			kind = base[rng.IntN(len(base))]
		}
		cr := capRange[kind]
		in.Rooms = append(in.Rooms, Room{ID: fmt.Sprintf("%s-%02d", kind, i+1), Kind: kind, Capacity: cr[0] + rng.IntN(cr[1]-cr[0]+1)})
	}

	const days = 5
	busy := make([][days]bool, len(in.Rooms))
	activity := map[RoomKind][]ActivityKind{
		RoomClassroom:  {ActivityReading, ActivityCalligraphy, ActivityOther},
		RoomGym:        {ActivitySports},
		RoomArtRoom:    {ActivityArts},
		RoomLab:        {ActivityScience},
		RoomLibrary:    {ActivityReading},
		RoomPlayground: {ActivitySports},
		RoomCanteen:    {ActivitySocialPractice},
	}
	type planted struct {
		room int
		days []int
	}
	plant := make([]planted, clubs)
	for j := range clubs {
		meetings := 1
		switch x := rng.IntN(10); {
		case x >= 8:
			meetings = 3
		case x >= 3:
			meetings = 2
		}
		// A quarter of the clubs want a classroom (a home room is free in the
		// club segment); the others an activity room, falling back to a
		// classroom when every activity room is full.
		homes := rng.Perm(shared)
		var activityRooms []int
		for _, k := range rng.Perm(len(in.Rooms) - shared) {
			activityRooms = append(activityRooms, shared+k)
		}
		order := append(activityRooms, homes...)
		if rng.IntN(4) == 0 {
			order = append(homes, activityRooms...)
		}
		plant[j] = planted{room: -1}
		for _, r := range order {
			var free []int
			for d := range days {
				if !busy[r][d] {
					free = append(free, d)
				}
			}
			if len(free) < meetings {
				continue
			}
			rng.Shuffle(len(free), func(a, b int) { free[a], free[b] = free[b], free[a] })
			plant[j] = planted{room: r, days: free[:meetings]}
			for _, d := range free[:meetings] {
				busy[r][d] = true
			}
			break
		}
		club := Club{ID: fmt.Sprintf("club-%03d", j+1), MeetingsPerWeek: meetings, Provider: ProviderSchool}
		if plant[j].room >= 0 {
			room := in.Rooms[plant[j].room]
			club.RoomKind = room.Kind
			lo := max(10, room.Capacity/2)
			club.Capacity = lo + rng.IntN(room.Capacity-lo+1)
		} else {
			club.RoomKind, club.Capacity = RoomGym, 40
		}
		acts := activity[club.RoomKind]
		club.Activity = acts[rng.IntN(len(acts))]
		if rng.IntN(10) < 4 {
			club.Provider, club.ProviderID = ProviderOutside, fmt.Sprintf("inst-%d", 1+rng.IntN(5))
		}
		g0, span := 1+rng.IntN(6), 1+rng.IntN(3)
		for g := g0; g < g0+span && g <= 6; g++ {
			club.Grades = append(club.Grades, g)
		}
		in.Clubs = append(in.Clubs, club)
	}

	// Groups: clubs whose planted days are disjoint, up to three per group.
	groups := make([][days]bool, max(1, clubs/8))
	size := make([]int, len(groups))
	for _, j := range rng.Perm(clubs) {
		if plant[j].room < 0 || rng.IntN(10) >= 4 {
			continue
		}
		for g := range groups {
			ok := size[g] < 3
			for _, d := range plant[j].days {
				ok = ok && !groups[g][d]
			}
			if !ok {
				continue
			}
			for _, d := range plant[j].days {
				groups[g][d] = true
			}
			size[g]++
			in.Clubs[j].Group = fmt.Sprintf("group-%d", g+1)
			break
		}
	}
	// Lock the first meeting of the first two planted clubs.
	for j := 0; j < clubs && len(in.Locked) < 2; j++ {
		if plant[j].room < 0 {
			continue
		}
		in.Locked = append(in.Locked, Placement{ClubID: in.Clubs[j].ID, Weekday: calendar.Weekday(1 + plant[j].days[0]),
			Segment: 2, RoomID: in.Rooms[plant[j].room].ID, Locked: true})
	}
	all := true
	for _, pl := range plant {
		all = all && pl.room >= 0
	}
	return in, all
}
