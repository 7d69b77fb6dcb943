package school

import "github.com/kehou/kehou/services/timetable/domain/calendar"

// Placement puts one weekly meeting of a club into a weekday, segment and room.
type Placement struct {
	ClubID  string
	Weekday calendar.Weekday
	Segment int
	RoomID  string
	Locked  bool
}

// Unplaced is a club the planner could not place fully, and why.
type Unplaced struct {
	ClubID  string `json:"club_id"`
	Missing int    `json:"missing"`
	Reason  string `json:"reason"`
	Detail  string `json:"detail"`
}

// Plan is a term's stored weekly plan.
type Plan struct {
	TermID     string
	Seed       uint64
	Placements []Placement
	Unplaced   []Unplaced
}

// Mark is one roll-call mark (点名): present, absent or on_leave.
type Mark struct {
	StudentID string
	Status    string
}
