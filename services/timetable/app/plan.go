package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/compliance"
	"github.com/kehou/kehou/services/timetable/domain/planner"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// CreateItem adds a service item to a term; its period length follows the
// district policy for the school's stage.
func (a *App) CreateItem(ctx context.Context, schoolID, termID string, it school.Item) (school.Item, int, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return it, 0, err
	}
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
		return it, 0, err
	}
	if err := it.Validate(t.School.Stage); err != nil {
		return it, 0, err
	}
	existing, err := a.store.ListItems(ctx, t.Scope, termID)
	if err != nil {
		return it, 0, err
	}
	for _, x := range existing {
		if x.Segment == it.Segment {
			// Two items in one segment would put a class in two places at once.
			return it, 0, fault.Invalid("item.segment", fmt.Sprintf("segment %d is already used by item %s (%s)", it.Segment, x.ID, x.Name))
		}
	}
	it.ID, it.TermID = school.NewID("item"), termID
	return it, t.District.Policy.PeriodMinutes(t.School.Stage), a.store.CreateItem(ctx, t.Scope, it)
}

// ListItems lists a term's items and the period length that applies.
func (a *App) ListItems(ctx context.Context, schoolID, termID string) ([]school.Item, int, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, 0, err
	}
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
		return nil, 0, err
	}
	items, err := a.store.ListItems(ctx, t.Scope, termID)
	return items, t.District.Policy.PeriodMinutes(t.School.Stage), err
}

// CreateClub adds a club; the school must have a room of its kind that
// holds it.
func (a *App) CreateClub(ctx context.Context, schoolID, termID string, c school.Club) (school.Club, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return c, err
	}
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
		return c, err
	}
	rooms, err := a.store.ListRooms(ctx, t.Scope)
	if err != nil {
		return c, err
	}
	if err := c.Validate(t.School.Stage, rooms); err != nil {
		return c, err
	}
	c.ID, c.TermID = school.NewID("club"), termID
	return c, a.store.CreateClub(ctx, t.Scope, c)
}

// ListClubs lists a term's clubs.
func (a *App) ListClubs(ctx context.Context, schoolID, termID string) ([]school.Club, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
		return nil, err
	}
	return a.store.ListClubs(ctx, t.Scope, termID)
}

// GeneratePlan runs the planner over the term's items, classes, rooms and
// clubs, keeping the locked placements, and stores the result whole.
func (a *App) GeneratePlan(ctx context.Context, schoolID, termID string, seed uint64, locked []school.Placement) (school.Plan, error) {
	f, err := a.loadTerm(ctx, schoolID, termID)
	if err != nil {
		return school.Plan{}, err
	}
	rooms, err := a.store.ListRooms(ctx, f.tenant.Scope)
	if err != nil {
		return school.Plan{}, err
	}
	in := school.PlannerInput(f.Items, f.Classes, rooms, f.Clubs, locked)
	p := school.Plan{TermID: termID, Seed: seed}
	if len(in.Segments) == 0 {
		// No basic-care or enrichment item yet: nothing to place.
		if len(locked) > 0 {
			return school.Plan{}, fault.Invalid("locked", "the term has no enrichment item, so no club segment to lock into")
		}
		if len(f.Clubs) > 0 {
			return school.Plan{}, fault.Precondition("the term has clubs but no enrichment (兴趣拓展) item to give them a segment")
		}
		return p, a.store.SavePlan(ctx, f.tenant.Scope, p)
	}
	wp, err := planner.Plan(in, planner.Options{Seed: seed})
	if err != nil {
		return school.Plan{}, planError(err, in)
	}
	for _, pl := range wp.Placements {
		p.Placements = append(p.Placements, school.Placement{ClubID: pl.ClubID, Weekday: pl.Weekday, Segment: pl.Segment, RoomID: pl.RoomID, Locked: pl.Locked})
	}
	for _, u := range wp.Unplaced {
		p.Unplaced = append(p.Unplaced, school.Unplaced{ClubID: u.ClubID, Missing: u.Missing, Reason: u.Reason.String(), Detail: u.Detail})
	}
	return p, a.store.SavePlan(ctx, f.tenant.Scope, p)
}

// GetPlan returns the term's stored plan.
func (a *App) GetPlan(ctx context.Context, schoolID, termID string) (school.Plan, error) {
	f, err := a.readTerm(ctx, schoolID, termID)
	if err != nil {
		return school.Plan{}, err
	}
	if !f.PlanStored {
		return school.Plan{}, fault.NotFound("plan of term " + termID + " not found")
	}
	return f.Plan, nil
}

// Compliance checks "5+2" for the week containing weekOf, or for the
// whole term when weekOf is zero.
func (a *App) Compliance(ctx context.Context, schoolID, termID string, weekOf civil.Date) (compliance.Report, error) {
	f, err := a.readTerm(ctx, schoolID, termID)
	if err != nil {
		return compliance.Report{}, err
	}
	from, to := f.Term.Calendar.Start, f.Term.Calendar.End
	var week civil.Date // the report's key among a kept term's: zero for the whole term
	if !weekOf.IsZero() {
		if !f.Term.Calendar.Contains(weekOf) {
			return compliance.Report{}, fault.Invalid("week_of", "must be inside the term")
		}
		from = weekOf.StartOfWeek()
		to = from.AddDays(6)
		week = from
	}
	return f.report(week, func() (compliance.Report, error) {
		occ, err := f.occurrences()
		if err != nil {
			return compliance.Report{}, err
		}
		var days []calendar.Day
		for _, d := range f.Days {
			if !d.Date.Before(from) && !d.Date.After(to) {
				days = append(days, d)
			}
		}
		schoolDay := make(map[civil.Date]bool, len(f.Days))
		for _, d := range f.Days {
			schoolDay[d.Date] = d.SchoolDay
		}
		var inRange []calendar.Occurrence
		for _, o := range occ {
			// Weekend care on days off is an extra, outside the "5+2" rules.
			if schoolDay[o.Date] && !o.Date.Before(from) && !o.Date.After(to) {
				inRange = append(inRange, o)
			}
		}
		in := school.ComplianceInput(f.tenant.District, f.tenant.School, days, f.Classes, f.Items, f.Clubs, inRange)
		rep, err := compliance.Check(in)
		if err != nil {
			return rep, translate(err, "")
		}
		return rep, nil
	})
}

var plannerIndex = regexp.MustCompile(`^(classes|clubs|rooms)\[(\d+)\]`)

// planError turns the planner's validation error into the contract's
// terms: a bad locked placement is the request's own field; anything else
// is the state of the term (a class without a home room, no segment to
// plan), a failed precondition naming the class, club or room.
func planError(err error, in planner.Input) error {
	var ve *fault.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var c fault.Collector
	var state []string
	for _, v := range ve.Violations {
		if strings.HasPrefix(v.Field, "locked[") {
			c.Add(v.Field, v.Reason)
			continue
		}
		what := v.Field
		if m := plannerIndex.FindStringSubmatch(v.Field); m != nil {
			i, _ := strconv.Atoi(m[2])
			id := ""
			switch m[1] {
			case "classes":
				id = "class " + in.Classes[i].ID
			case "clubs":
				id = "club " + in.Clubs[i].ID
			case "rooms":
				id = "room " + in.Rooms[i].ID
			}
			what = id + strings.TrimPrefix(v.Field, m[0])
		}
		state = append(state, what+": "+v.Reason)
	}
	if err := c.Err(); err != nil {
		return err
	}
	return fault.Precondition("the term cannot be planned: " + strings.Join(state, "; "))
}
