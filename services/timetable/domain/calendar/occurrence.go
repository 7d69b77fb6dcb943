package calendar

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

// Session is one entry of a weekly plan (周课表): what a class or a club does
// in one segment (时段) of one weekday. A class session has ClassID (e.g.
// basic care in the home room); a club session has ClubID; a club reserved
// for one class has both.
type Session struct {
	Weekday Weekday
	ClassID string
	ClubID  string
	ItemID  string // the service item (基础托管, 兴趣拓展, …) the session belongs to
	Segment int    // 1-based segment of the day
	Start   TimeOfDay
	End     TimeOfDay
	RoomID  string
}

// Status is an occurrence's state. Occurrences are never deleted: fees, pay
// and compliance need to see what was cancelled and why.
type Status int

// Occurrence states.
const (
	StatusUnspecified Status = iota
	StatusScheduled
	StatusCancelled
)

// String returns "scheduled" or "cancelled".
func (s Status) String() string {
	switch s {
	case StatusScheduled:
		return "scheduled"
	case StatusCancelled:
		return "cancelled"
	}
	return "unspecified"
}

// Cancellation cancels occurrences of one date with a reason. Empty ClassID,
// empty ClubID and Segment 0 are wildcards, so a Cancellation with only Date
// cancels the whole day, one with Date and ClassID cancels that class's day,
// and one naming the class or club and the segment cancels a single session.
type Cancellation struct {
	Date    civil.Date
	ClassID string
	ClubID  string
	Segment int
	Reason  string
}

func (c Cancellation) matches(o *Occurrence) bool {
	return c.Date == o.Date &&
		(c.ClassID == "" || c.ClassID == o.ClassID) &&
		(c.ClubID == "" || c.ClubID == o.ClubID) &&
		(c.Segment == 0 || c.Segment == o.Segment)
}

// Delivery records the minutes actually delivered by one session when it fell
// short of the plan (e.g. sent home early). It must name exactly one
// scheduled occurrence: the date, the class or club, and the segment.
type Delivery struct {
	Date    civil.Date
	ClassID string
	ClubID  string
	Segment int
	Minutes int
}

// Occurrence is one dated session of the term (课次), derived from the weekly
// plan and the calendar. Billing and pay read Delivered; Minutes stays the
// planned length.
type Occurrence struct {
	Date    civil.Date
	Weekday Weekday // the real day of the week
	Follows Weekday // the timetable weekday used (differs on a working swap day)
	ClassID string
	ClubID  string
	ItemID  string
	Segment int
	RoomID  string
	Start   TimeOfDay
	End     TimeOfDay
	Minutes int // planned: End − Start
	Status  Status
	// CancelReason says why a cancelled occurrence did not take place.
	CancelReason string
	// Delivered is the minutes delivered: Minutes when scheduled and nothing
	// was recorded, the recorded figure when Recorded, 0 when cancelled.
	Delivered int
	Recorded  bool
}

type sessionKey struct {
	w       Weekday
	class   string
	club    string
	segment int
}

// Occurrences derives the dated sessions of a term: for every school day, the
// plan sessions of the weekday it follows (so a working Saturday that follows
// Monday gets Monday's sessions). Holidays and other non-school days produce
// nothing. Closed days and cancellations produce cancelled occurrences with a
// reason (the first reason applied wins: closure, then cancellations in
// order). Deliveries then set delivered minutes. The result is sorted by
// date, start, segment, class and club. Invalid input, a cancellation or
// delivery that matches no session, or a delivery for a cancelled session
// give a *fault.ValidationError.
func Occurrences(days []Day, plan []Session, cancellations []Cancellation, deliveries []Delivery) ([]Occurrence, error) {
	var v fault.ValidationError
	seenDay := map[civil.Date]int{}
	for i, d := range days {
		f := "days[" + strconv.Itoa(i) + "]"
		if d.Date.IsZero() {
			v.Addf(f+".date", "required")
			continue
		}
		if j, dup := seenDay[d.Date]; dup {
			v.Addf(f+".date", "%s duplicates days[%d]", d.Date, j)
		}
		seenDay[d.Date] = i
		if d.SchoolDay && !d.Follows.Valid() {
			v.Addf(f+".follows", "school day %s follows no weekday", d.Date)
		}
	}
	seen := map[sessionKey]int{}
	for i, s := range plan {
		f := "sessions[" + strconv.Itoa(i) + "]"
		if !s.Weekday.Valid() {
			v.Addf(f+".weekday", "weekday %d is not 1 (Monday) to 7 (Sunday)", int(s.Weekday))
		}
		if s.ClassID == "" && s.ClubID == "" {
			v.Addf(f+".class_id", "a session needs a class or a club")
		}
		if s.ItemID == "" {
			v.Addf(f+".item_id", "required")
		}
		if s.Segment < 1 {
			v.Addf(f+".segment", "segment %d must be 1 or more", s.Segment)
		}
		if !s.Start.Valid() {
			v.Addf(f+".start", "time of day out of range")
		}
		if !s.End.Valid() {
			v.Addf(f+".end", "time of day out of range")
		} else if s.End <= s.Start {
			v.Addf(f+".end", "%s is not after start %s", s.End, s.Start)
		}
		k := sessionKey{s.Weekday, s.ClassID, s.ClubID, s.Segment}
		if j, dup := seen[k]; dup {
			v.Addf(f+".segment", "duplicates sessions[%d]", j)
		}
		seen[k] = i
	}
	for i, c := range cancellations {
		f := "cancellations[" + strconv.Itoa(i) + "]"
		if c.Date.IsZero() {
			v.Addf(f+".date", "required")
		}
		if c.Segment < 0 {
			v.Addf(f+".segment", "segment %d is negative", c.Segment)
		}
		if c.Reason == "" {
			v.Addf(f+".reason", "required")
		}
	}
	for i, d := range deliveries {
		f := "deliveries[" + strconv.Itoa(i) + "]"
		if d.Date.IsZero() {
			v.Addf(f+".date", "required")
		}
		if d.ClassID == "" && d.ClubID == "" {
			v.Addf(f+".class_id", "a delivery names a class or a club")
		}
		if d.Segment < 1 {
			v.Addf(f+".segment", "segment %d must be 1 or more", d.Segment)
		}
		if d.Minutes < 0 {
			v.Addf(f+".minutes", "%d is negative", d.Minutes)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}

	// Each weekday's sessions sorted once by start, segment, class and club:
	// days in date order then give the result in order without sorting the
	// term (a day's sessions come from one weekday, whose class, club and
	// segment are unique, so the order is the same as sorting everything).
	var byWeekday [Sunday + 1][]Session
	for _, s := range plan {
		byWeekday[s.Weekday] = append(byWeekday[s.Weekday], s)
	}
	for _, list := range byWeekday {
		slices.SortFunc(list, func(a, b Session) int {
			return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.Segment, b.Segment),
				cmp.Compare(a.ClassID, b.ClassID), cmp.Compare(a.ClubID, b.ClubID))
		})
	}
	n, inOrder := 0, true
	for i, d := range days {
		if d.SchoolDay {
			n += len(byWeekday[d.Follows])
		}
		if i > 0 && !days[i-1].Date.Before(d.Date) {
			inOrder = false
		}
	}
	out := make([]Occurrence, 0, n)
	for _, d := range days {
		if !d.SchoolDay {
			continue
		}
		reason := ""
		if d.Closed {
			reason = closureReasonText(d)
		}
		for _, s := range byWeekday[d.Follows] {
			o := Occurrence{
				Date: d.Date, Weekday: d.Weekday, Follows: d.Follows,
				ClassID: s.ClassID, ClubID: s.ClubID, ItemID: s.ItemID, Segment: s.Segment, RoomID: s.RoomID,
				Start: s.Start, End: s.End, Minutes: int(s.End - s.Start),
				Status: StatusScheduled,
			}
			if d.Closed {
				o.Status, o.CancelReason = StatusCancelled, reason
			}
			out = append(out, o)
		}
	}
	if !inOrder {
		slices.SortFunc(out, func(a, b Occurrence) int {
			return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Start, b.Start), cmp.Compare(a.Segment, b.Segment),
				cmp.Compare(a.ClassID, b.ClassID), cmp.Compare(a.ClubID, b.ClubID))
		})
	}
	if len(cancellations) == 0 && len(deliveries) == 0 {
		for i := range out {
			if o := &out[i]; o.Status == StatusScheduled {
				o.Delivered = o.Minutes
			}
		}
		return out, nil
	}
	byDate := map[civil.Date][]int{}
	for i := range out {
		byDate[out[i].Date] = append(byDate[out[i].Date], i)
	}

	for i, c := range cancellations {
		matched := 0
		for _, j := range byDate[c.Date] {
			o := &out[j]
			if !c.matches(o) {
				continue
			}
			matched++
			if o.Status == StatusScheduled {
				o.Status, o.CancelReason = StatusCancelled, c.Reason
			}
		}
		if matched == 0 {
			v.Addf("cancellations["+strconv.Itoa(i)+"]", "matches no session on %s", c.Date)
		}
	}
	for i, d := range deliveries {
		f := "deliveries[" + strconv.Itoa(i) + "]"
		var hit []int
		for _, j := range byDate[d.Date] {
			o := &out[j]
			if o.ClassID == d.ClassID && o.ClubID == d.ClubID && o.Segment == d.Segment {
				hit = append(hit, j)
			}
		}
		switch {
		case len(hit) == 0:
			v.Addf(f, "matches no session on %s", d.Date)
		case out[hit[0]].Status != StatusScheduled:
			v.Addf(f, "session on %s is cancelled (%s)", d.Date, out[hit[0]].CancelReason)
		case d.Minutes > out[hit[0]].Minutes:
			v.Addf(f+".minutes", "%d is more than the planned %d", d.Minutes, out[hit[0]].Minutes)
		case out[hit[0]].Recorded:
			v.Addf(f, "session on %s already has a delivery", d.Date)
		default:
			out[hit[0]].Delivered, out[hit[0]].Recorded = d.Minutes, true
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		o := &out[i]
		switch {
		case o.Status == StatusCancelled:
			o.Delivered = 0
		case !o.Recorded:
			o.Delivered = o.Minutes
		}
	}
	return out, nil
}
