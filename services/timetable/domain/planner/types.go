// Package planner builds a school's weekly plan (周课表) for after-school
// service: each class's basic-care (基础托管) segment in its home room every
// school day, and the enrichment clubs (社团) placed into (weekday, segment,
// room) without clashes. It is a pure, deterministic engine: the same input
// and seed give the same plan, and a bounded search means it always returns,
// with the clubs it could not place and why.
package planner

import (
	"strconv"

	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// RoomKind is the kind of a room; a club needs one kind (a choir needs an art
// room, basketball a gym or playground listed as its kind).
type RoomKind int

// Room kinds.
const (
	RoomKindUnspecified RoomKind = iota
	RoomClassroom                // 教室
	RoomGym                      // 体育馆
	RoomArtRoom                  // 艺术室 (music, dance, painting)
	RoomLab                      // 实验室
	RoomLibrary                  // 图书室
	RoomPlayground               // 操场
	RoomCanteen                  // 食堂
)

var roomKindNames = [...]string{"unspecified", "classroom", "gym", "art_room", "lab", "library", "playground", "canteen"}

// String returns the snake_case name, e.g. "art_room".
func (k RoomKind) String() string {
	if k < 0 || int(k) >= len(roomKindNames) {
		return "RoomKind(" + strconv.Itoa(int(k)) + ")"
	}
	return roomKindNames[k]
}

func (k RoomKind) valid() bool { return k > RoomKindUnspecified && int(k) < len(roomKindNames) }

// ActivityKind is what a club does; the planner only carries it, reports and
// parents' choice screens group by it.
type ActivityKind int

// Activity kinds.
const (
	ActivityUnspecified    ActivityKind = iota
	ActivityReading                     // 阅读
	ActivityCalligraphy                 // 书法
	ActivitySports                      // 体育
	ActivityArts                        // 艺术
	ActivityScience                     // 科技
	ActivitySocialPractice              // 社会实践
	ActivityOther
)

// ProviderKind says who runs a club: the school's own staff or an outside
// institution (第三方机构), whose share the district caps.
type ProviderKind int

// Provider kinds.
const (
	ProviderUnspecified ProviderKind = iota
	ProviderSchool
	ProviderOutside
)

// SegmentKind says what happens in a segment of the day.
type SegmentKind int

// Segment kinds.
const (
	SegmentUnspecified SegmentKind = iota
	// SegmentHomework is basic care with homework supervision (作业辅导): every
	// class in its own home room.
	SegmentHomework
	// SegmentClub is the club segment: clubs meet in rooms of their kind.
	SegmentClub
)

// Segment is one time block (时段) of the service day, e.g. segment 1
// homework 15:40–16:40, segment 2 clubs 16:50–17:50.
type Segment struct {
	Index int // 1-based, unique
	Kind  SegmentKind
	Start calendar.TimeOfDay
	End   calendar.TimeOfDay
	// Weekdays limits the segment to some weekdays (e.g. an extra club
	// segment on Wednesday); empty means every school weekday.
	Weekdays []calendar.Weekday
}

func (s Segment) on(w calendar.Weekday) bool {
	if len(s.Weekdays) == 0 {
		return true
	}
	for _, x := range s.Weekdays {
		if x == w {
			return true
		}
	}
	return false
}

// Class is a teaching class (班级) with its students and home room.
type Class struct {
	ID       string
	Grade    int // 1..9 across compulsory education (初一 is 7)
	Size     int
	HomeRoom string
}

// Room is a room of the school. Home rooms are rooms too: in club segments a
// class's home room is free for clubs needing a classroom (students go to
// their clubs, 走班).
type Room struct {
	ID       string
	Kind     RoomKind
	Capacity int
}

// Club is an enrichment club (兴趣社团) to place into the week.
type Club struct {
	ID         string
	Activity   ActivityKind
	Provider   ProviderKind
	ProviderID string // the institution's id for ProviderOutside
	Capacity   int    // seats; the room must hold them
	Grades     []int  // eligible grades
	RoomKind   RoomKind
	// MeetingsPerWeek is how many times a week the club meets, each time on a
	// different weekday.
	MeetingsPerWeek int
	// Group names a student group the club draws on; clubs of one group never
	// meet at the same time (see Input).
	Group string
}

// Placement puts one meeting of a club in a (weekday, segment, room). In the
// input it is a lock the school set by hand; in a plan Locked says so.
type Placement struct {
	ClubID  string
	Weekday calendar.Weekday
	Segment int
	RoomID  string
	Locked  bool
}

// Input is one school's planning problem.
//
// The student-group rule: the allocator gives each student at most one club,
// so two clubs never share a student and clubs may meet in parallel; a class
// is in its home room in homework segments and clubs meet only in club
// segments, so no class is in two places at once either. When a school lets
// students join several clubs (or runs teams that share members), it puts
// those clubs in one Group, and the planner keeps a group's clubs in
// different (weekday, segment) slots.
type Input struct {
	Weekdays []calendar.Weekday // school weekdays of the week; empty means Monday–Friday
	Segments []Segment
	Classes  []Class
	Rooms    []Room
	Clubs    []Club
	Locked   []Placement
}

func (in Input) weekdays() []calendar.Weekday {
	if len(in.Weekdays) == 0 {
		return calendar.DefaultWeekdays()
	}
	return in.Weekdays
}

// Options tune a planning run.
type Options struct {
	// Seed drives every tie-break; the same input and seed give the same plan.
	Seed uint64
	// MaxIterations bounds the repair search (0 means DefaultMaxIterations),
	// so an over-full school is answered, not timed out.
	MaxIterations int
	// StallIterations ends the repair early after this many iterations
	// without improvement (0 means DefaultStallIterations).
	StallIterations int
}

// Search bounds used when Options leaves them zero.
const (
	DefaultMaxIterations   = 50000
	DefaultStallIterations = 5000
)

// CareSession is a class's basic care in one homework segment of a weekday.
type CareSession struct {
	ClassID string
	Weekday calendar.Weekday
	Segment int
	RoomID  string
}

// Reason says why a club could not be (fully) placed.
type Reason int

// Reasons a club stays unplaced, checked in this order.
const (
	ReasonUnspecified Reason = iota
	// ReasonNoRoomKind: the school has no room of the club's kind.
	ReasonNoRoomKind
	// ReasonNoRoomBigEnough: rooms of the kind exist, none holds the club.
	ReasonNoRoomBigEnough
	// ReasonTooFewWeekdays: more meetings than weekdays with a club segment.
	ReasonTooFewWeekdays
	// ReasonGroupConflict: a matching room is free on a weekday the club
	// does not use yet, but only when another club of its group meets.
	ReasonGroupConflict
	// ReasonRoomsTaken: every matching room is taken in every club segment of
	// every weekday the club could still use.
	ReasonRoomsTaken
)

var reasonNames = [...]string{"unspecified", "no_room_kind", "no_room_big_enough", "too_few_weekdays", "group_conflict", "rooms_taken"}

// String returns the snake_case code, e.g. "rooms_taken".
func (r Reason) String() string {
	if r < 0 || int(r) >= len(reasonNames) {
		return "Reason(" + strconv.Itoa(int(r)) + ")"
	}
	return reasonNames[r]
}

// Unplaced is a club with meetings the planner could not place.
type Unplaced struct {
	ClubID  string
	Missing int // meetings not placed (the placed ones stay in the plan)
	Reason  Reason
	Detail  string // the numbers behind Reason, in English
}

// WeeklyPlan is the planner's answer: the best plan found, clash-free, and
// the clubs it could not place in full.
type WeeklyPlan struct {
	Care       []CareSession // sorted by weekday, segment, class
	Placements []Placement   // sorted by weekday, segment, room, club
	Unplaced   []Unplaced    // sorted by club
	// Iterations is the number of repair steps used (0 when greedy placement
	// already placed everything).
	Iterations int
}

// Complete reports whether every club meeting was placed.
func (p WeeklyPlan) Complete() bool { return len(p.Unplaced) == 0 }

// Sessions turns the plan into the weekly sessions the calendar expands into
// dated occurrences: basic care under careItemID, club meetings under
// clubItemID, with the segment times of in.
func (p WeeklyPlan) Sessions(in Input, careItemID, clubItemID string) []calendar.Session {
	seg := map[int]Segment{}
	for _, s := range in.Segments {
		seg[s.Index] = s
	}
	out := make([]calendar.Session, 0, len(p.Care)+len(p.Placements))
	for _, c := range p.Care {
		s := seg[c.Segment]
		out = append(out, calendar.Session{Weekday: c.Weekday, ClassID: c.ClassID, ItemID: careItemID,
			Segment: c.Segment, Start: s.Start, End: s.End, RoomID: c.RoomID})
	}
	for _, pl := range p.Placements {
		s := seg[pl.Segment]
		out = append(out, calendar.Session{Weekday: pl.Weekday, ClubID: pl.ClubID, ItemID: clubItemID,
			Segment: pl.Segment, Start: s.Start, End: s.End, RoomID: pl.RoomID})
	}
	return out
}
