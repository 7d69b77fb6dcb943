package app

import (
	"context"
	"slices"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// StudentSession is one session of a child's week with the names a
// guardian reads (item, club, room).
type StudentSession struct {
	school.OccurrenceView
	ItemName, ClubName, RoomName string
	// Pending is true while the sign-up for the item awaits approval.
	Pending bool
}

// StudentWeek is one child's week: who the child is and the sessions the
// child attends.
type StudentWeek struct {
	Student  school.Student
	Class    school.Class
	From, To civil.Date
	Sessions []StudentSession
}

// StudentWeek returns the sessions of the week holding weekOf (clipped to
// the term) that the student attends: their class's sessions of an item
// they are signed up for on that day (pending or approved, a withdrawal
// counting to its last day), and the sessions of clubs they hold a seat
// in. It reads only the child's own class, clubs and the rooms of their
// sessions, so a guardian learns nothing of other children.
func (a *App) StudentWeek(ctx context.Context, schoolID, studentID, termID string, weekOf civil.Date) (StudentWeek, error) {
	f, err := a.readTerm(ctx, schoolID, termID)
	if err != nil {
		return StudentWeek{}, err
	}
	st, err := a.store.GetStudent(ctx, f.tenant.Scope, studentID)
	if err != nil {
		return StudentWeek{}, err
	}
	w := StudentWeek{Student: st, From: weekOf.StartOfWeek(), To: weekOf.StartOfWeek().AddDays(6)}
	cal := f.Term.Calendar
	if w.From.Before(cal.Start) {
		w.From = cal.Start
	}
	if w.To.After(cal.End) {
		w.To = cal.End
	}
	if w.To.Before(w.From) {
		return StudentWeek{}, fault.Invalid("week_of", "the week of "+weekOf.String()+" is outside the term "+cal.Start.String()+" to "+cal.End.String())
	}
	if i := slices.IndexFunc(f.Classes, func(c school.Class) bool { return c.ID == st.ClassID }); i >= 0 {
		w.Class = f.Classes[i]
	}
	enrolments, err := a.store.ListEnrolments(ctx, f.tenant.Scope, termID, studentID)
	if err != nil {
		return StudentWeek{}, err
	}
	// enrolled reports whether an enrolment puts the child in the item on
	// day d, and whether it still waits for approval.
	enrolled := func(itemID string, d civil.Date) (in, pending bool) {
		for _, e := range enrolments {
			if e.ItemID != itemID || d.Before(e.Start) {
				continue
			}
			switch {
			case e.Status == school.EnrolmentApproved:
				return true, false
			case e.Status == school.EnrolmentPending:
				in, pending = true, true
			case e.Status == school.EnrolmentWithdrawn && e.End != nil && !d.After(*e.End):
				return true, false
			}
		}
		return in, pending
	}
	occ, err := f.occurrences()
	if err != nil {
		return StudentWeek{}, err
	}
	var mine []calendar.Occurrence
	pending := map[string]bool{}
	seats := map[string]bool{} // club id → the child holds a seat
	for _, o := range occ {
		if o.Date.Before(w.From) || o.Date.After(w.To) {
			continue
		}
		if o.ClubID != "" {
			seated, asked := seats[o.ClubID]
			if !asked {
				members, err := a.store.Members(ctx, f.tenant.Scope, termID, o.ClubID)
				if err != nil {
					return StudentWeek{}, err
				}
				seated = slices.ContainsFunc(members, func(s school.Seat) bool { return s.StudentID == studentID })
				seats[o.ClubID] = seated
			}
			if seated {
				mine = append(mine, o)
			}
			continue
		}
		if o.ClassID != st.ClassID {
			continue
		}
		if in, p := enrolled(o.ItemID, o.Date); in {
			mine = append(mine, o)
			pending[school.OccurrenceID(o)] = p
		}
	}
	slices.SortFunc(mine, func(x, y calendar.Occurrence) int {
		if c := x.Date.Compare(y.Date); c != 0 {
			return c
		}
		return int(x.Start) - int(y.Start)
	})
	rooms, err := a.store.ListRooms(ctx, f.tenant.Scope)
	if err != nil {
		return StudentWeek{}, err
	}
	roomName := map[string]string{}
	for _, r := range rooms {
		roomName[r.ID] = r.Name
	}
	itemName := map[string]string{}
	for _, it := range f.Items {
		itemName[it.ID] = it.Name
	}
	for _, v := range f.Views(mine) {
		s := StudentSession{OccurrenceView: v, ItemName: itemName[v.ItemID], RoomName: roomName[v.RoomID], Pending: pending[school.OccurrenceID(v.Occurrence)]}
		if v.Club != nil {
			s.ClubName = v.Club.Name
		}
		w.Sessions = append(w.Sessions, s)
	}
	return w, nil
}
