package planner

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// ClashKind names a rule a weekly plan breaks.
type ClashKind int

// Clash kinds.
const (
	ClashUnspecified ClashKind = iota
	// ClashUnknown: a placement or care session names an unknown club,
	// class or room.
	ClashUnknown
	// ClashBadSlot: a meeting outside a club segment of a school weekday, or
	// care outside a homework segment.
	ClashBadSlot
	// ClashRoomDoubleBooked: two uses of one room in one (weekday, segment).
	ClashRoomDoubleBooked
	// ClashRoomKind: a club in a room of another kind.
	ClashRoomKind
	// ClashRoomTooSmall: a club in a room holding fewer than its seats.
	ClashRoomTooSmall
	// ClashClubSameDay: a club meets twice on one weekday.
	ClashClubSameDay
	// ClashGroupOverlap: two clubs of one group meet at the same time.
	ClashGroupOverlap
	// ClashMeetings: placed plus reported-missing meetings differ from the
	// club's meetings per week.
	ClashMeetings
	// ClashLockMoved: a locked placement is missing from the plan.
	ClashLockMoved
	// ClashCare: a class lacks its basic care in its home room, or has it
	// twice, in a homework segment.
	ClashCare
)

var clashNames = [...]string{"unspecified", "unknown", "bad_slot", "room_double_booked", "room_kind", "room_too_small",
	"club_same_day", "group_overlap", "meetings", "lock_moved", "care"}

// String returns the snake_case code, e.g. "room_double_booked".
func (k ClashKind) String() string {
	if k < 0 || int(k) >= len(clashNames) {
		return "ClashKind(" + strconv.Itoa(int(k)) + ")"
	}
	return clashNames[k]
}

// Clash is one broken rule in a weekly plan.
type Clash struct {
	Kind    ClashKind
	Weekday calendar.Weekday
	Segment int
	RoomID  string
	ClubID  string
	ClassID string
	Detail  string
}

// Validate checks a weekly plan against its (valid) input and returns every
// clash, sorted; none means the plan is clash-free and complete up to its
// reported Unplaced clubs. The service runs it on plans edited by hand, and
// the tests run it on every plan the planner returns.
func Validate(in Input, p WeeklyPlan) []Clash {
	var out []Clash
	add := func(c Clash, format string, args ...any) {
		c.Detail = fmt.Sprintf(format, args...)
		out = append(out, c)
	}
	segs := map[int]Segment{}
	for _, s := range in.Segments {
		segs[s.Index] = s
	}
	weekdays := map[calendar.Weekday]bool{}
	for _, w := range in.weekdays() {
		weekdays[w] = true
	}
	rooms := map[string]Room{}
	for _, r := range in.Rooms {
		rooms[r.ID] = r
	}
	clubs := map[string]Club{}
	for _, c := range in.Clubs {
		clubs[c.ID] = c
	}
	classes := map[string]Class{}
	for _, c := range in.Classes {
		classes[c.ID] = c
	}
	slotOK := func(w calendar.Weekday, seg int, kind SegmentKind) bool {
		s, ok := segs[seg]
		return ok && weekdays[w] && s.Kind == kind && s.on(w)
	}

	type cell struct {
		w   calendar.Weekday
		seg int
		key string
	}
	roomUse := map[cell]string{}
	useRoom := func(w calendar.Weekday, seg int, room, who string, c Clash) {
		k := cell{w, seg, room}
		if prev, ok := roomUse[k]; ok {
			add(c, "room %q on %s segment %d used by %s and %s", room, w, seg, prev, who)
			return
		}
		roomUse[k] = who
	}

	care := map[cell]int{}
	for _, cs := range p.Care {
		base := Clash{Weekday: cs.Weekday, Segment: cs.Segment, RoomID: cs.RoomID, ClassID: cs.ClassID}
		class, ok := classes[cs.ClassID]
		if !ok {
			base.Kind = ClashUnknown
			add(base, "unknown class %q", cs.ClassID)
			continue
		}
		if !slotOK(cs.Weekday, cs.Segment, SegmentHomework) {
			base.Kind = ClashBadSlot
			add(base, "care on %s segment %d, which is no homework segment", cs.Weekday, cs.Segment)
			continue
		}
		if cs.RoomID != class.HomeRoom {
			base.Kind = ClashCare
			add(base, "care in room %q, home room is %q", cs.RoomID, class.HomeRoom)
		}
		care[cell{cs.Weekday, cs.Segment, cs.ClassID}]++
		base.Kind = ClashRoomDoubleBooked
		useRoom(cs.Weekday, cs.Segment, cs.RoomID, "class "+cs.ClassID, base)
	}
	for _, w := range in.weekdays() {
		for _, s := range in.Segments {
			if s.Kind != SegmentHomework || !s.on(w) {
				continue
			}
			for _, c := range in.Classes {
				if n := care[cell{w, s.Index, c.ID}]; n != 1 {
					add(Clash{Kind: ClashCare, Weekday: w, Segment: s.Index, ClassID: c.ID, RoomID: c.HomeRoom},
						"class has %d care sessions on %s segment %d, want 1", n, w, s.Index)
				}
			}
		}
	}

	placed := map[string]int{}
	clubDay := map[cell]bool{}
	groupAt := map[cell]string{}
	lockedAt := map[Placement]bool{}
	for _, pl := range p.Placements {
		base := Clash{Weekday: pl.Weekday, Segment: pl.Segment, RoomID: pl.RoomID, ClubID: pl.ClubID}
		club, okClub := clubs[pl.ClubID]
		room, okRoom := rooms[pl.RoomID]
		if !okClub || !okRoom {
			base.Kind = ClashUnknown
			add(base, "unknown club %q or room %q", pl.ClubID, pl.RoomID)
			continue
		}
		placed[club.ID]++
		if pl.Locked {
			lockedAt[Placement{ClubID: pl.ClubID, Weekday: pl.Weekday, Segment: pl.Segment, RoomID: pl.RoomID}] = true
		}
		if !slotOK(pl.Weekday, pl.Segment, SegmentClub) {
			base.Kind = ClashBadSlot
			add(base, "meeting on %s segment %d, which is no club segment", pl.Weekday, pl.Segment)
		}
		if room.Kind != club.RoomKind {
			base.Kind = ClashRoomKind
			add(base, "room is a %s, club needs a %s", room.Kind, club.RoomKind)
		}
		if room.Capacity < club.Capacity {
			base.Kind = ClashRoomTooSmall
			add(base, "room holds %d, club has %d seats", room.Capacity, club.Capacity)
		}
		base.Kind = ClashRoomDoubleBooked
		useRoom(pl.Weekday, pl.Segment, pl.RoomID, "club "+pl.ClubID, base)
		if k := (cell{pl.Weekday, 0, club.ID}); clubDay[k] {
			base.Kind = ClashClubSameDay
			add(base, "club meets twice on %s", pl.Weekday)
		} else {
			clubDay[k] = true
		}
		if club.Group != "" {
			k := cell{pl.Weekday, pl.Segment, club.Group}
			if other, ok := groupAt[k]; ok {
				base.Kind = ClashGroupOverlap
				add(base, "clubs %q and %q of group %q meet together", other, club.ID, club.Group)
			} else {
				groupAt[k] = club.ID
			}
		}
	}
	missing := map[string]int{}
	for _, u := range p.Unplaced {
		missing[u.ClubID] += u.Missing
	}
	for _, c := range in.Clubs {
		if got := placed[c.ID] + missing[c.ID]; got != c.MeetingsPerWeek {
			add(Clash{Kind: ClashMeetings, ClubID: c.ID}, "%d placed + %d reported missing, want %d meetings",
				placed[c.ID], missing[c.ID], c.MeetingsPerWeek)
		}
	}
	for _, l := range in.Locked {
		l.Locked = false
		if !lockedAt[l] {
			add(Clash{Kind: ClashLockMoved, Weekday: l.Weekday, Segment: l.Segment, RoomID: l.RoomID, ClubID: l.ClubID},
				"locked placement missing from the plan")
		}
	}
	slices.SortStableFunc(out, func(a, b Clash) int {
		return cmp.Or(cmp.Compare(a.Weekday, b.Weekday), cmp.Compare(a.Segment, b.Segment), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.RoomID, b.RoomID), cmp.Compare(a.ClubID, b.ClubID), cmp.Compare(a.ClassID, b.ClassID))
	})
	return out
}
