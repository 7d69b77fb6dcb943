package school

import (
	"slices"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/compliance"
	"github.com/kehou/kehou/services/timetable/domain/org"
	"github.com/kehou/kehou/services/timetable/domain/planner"
	"github.com/shopspring/decimal"
)

// Sessions is the weekly timetable the calendar multiplies out: every
// class gets each non-club item's window in its home room, and each club
// placement gets the window of the enrichment item of its segment.
func Sessions(items []Item, classes []Class, placements []Placement) []calendar.Session {
	var out []calendar.Session
	clubItem := map[int]Item{}
	for _, it := range items {
		if it.Kind == ItemEnrichment {
			clubItem[it.Segment] = it
			continue
		}
		for _, c := range classes {
			if !it.Serves(c.Grade) {
				continue
			}
			for _, w := range it.Windows {
				if !w.For(c.Grade) {
					continue
				}
				out = append(out, calendar.Session{Weekday: w.Weekday, ClassID: c.ID, ItemID: it.ID,
					Segment: it.Segment, Start: w.Start, End: w.End, RoomID: c.HomeRoomID})
			}
		}
	}
	for _, p := range placements {
		it, ok := clubItem[p.Segment]
		if !ok {
			continue
		}
		w, ok := it.Window(p.Weekday)
		if !ok {
			continue
		}
		out = append(out, calendar.Session{Weekday: p.Weekday, ClubID: p.ClubID, ItemID: it.ID,
			Segment: p.Segment, Start: w.Start, End: w.End, RoomID: p.RoomID})
	}
	return out
}

var roomKinds = map[RoomKind]planner.RoomKind{
	RoomClassroom: planner.RoomClassroom, RoomGym: planner.RoomGym, RoomArtRoom: planner.RoomArtRoom,
	RoomLab: planner.RoomLab, RoomLibrary: planner.RoomLibrary, RoomPlayground: planner.RoomPlayground,
	RoomCanteen: planner.RoomCanteen,
}

// PlannerInput builds the planner's input: basic-care items become
// homework segments, enrichment items club segments (on the weekdays they
// have windows); the other items do not compete for rooms, and neither do
// classes without a home room or without students.
func PlannerInput(items []Item, classes []Class, rooms []Room, clubs []Club, locked []Placement) planner.Input {
	var in planner.Input
	for _, it := range items {
		kind := planner.SegmentKind(0)
		switch it.Kind {
		case ItemBasicCare:
			kind = planner.SegmentHomework
		case ItemEnrichment:
			kind = planner.SegmentClub
		default:
			continue
		}
		if len(it.Windows) == 0 || slices.ContainsFunc(in.Segments, func(s planner.Segment) bool { return s.Index == it.Segment }) {
			continue
		}
		seg := planner.Segment{Index: it.Segment, Kind: kind, Start: it.Windows[0].Start, End: it.Windows[0].End}
		for _, w := range it.Windows {
			if !slices.Contains(seg.Weekdays, w.Weekday) { // per-grade windows share a weekday
				seg.Weekdays = append(seg.Weekdays, w.Weekday)
			}
		}
		in.Segments = append(in.Segments, seg)
	}
	for _, c := range classes {
		// A class without a home room (the contract makes it optional) or
		// without students takes no room the planner must keep free.
		if c.HomeRoomID == "" || c.Size < 1 {
			continue
		}
		in.Classes = append(in.Classes, planner.Class{ID: c.ID, Grade: c.Grade, Size: c.Size, HomeRoom: c.HomeRoomID})
	}
	for _, r := range rooms {
		in.Rooms = append(in.Rooms, planner.Room{ID: r.ID, Kind: roomKinds[r.Kind], Capacity: r.Capacity})
	}
	for _, c := range clubs {
		prov := planner.ProviderSchool
		if c.Provider == ProviderInstitution {
			prov = planner.ProviderOutside
		}
		in.Clubs = append(in.Clubs, planner.Club{ID: c.ID, Provider: prov, ProviderID: c.InstitutionID,
			Capacity: c.Capacity, Grades: c.Grades, RoomKind: roomKinds[c.RoomKind], MeetingsPerWeek: c.MeetingsPerWeek,
			Activity: planner.ActivityOther})
	}
	for _, l := range locked {
		in.Locked = append(in.Locked, planner.Placement{ClubID: l.ClubID, Weekday: l.Weekday, Segment: l.Segment, RoomID: l.RoomID, Locked: true})
	}
	return in
}

var complianceKinds = map[ItemKind]compliance.ItemKind{
	ItemBasicCare: compliance.ItemBasicCare, ItemEnrichment: compliance.ItemEnrichment,
	ItemLunchCare: compliance.ItemLunchCare, ItemExtendedCare: compliance.ItemExtendedCare,
	ItemEveningStudy: compliance.ItemEveningStudy, ItemWeekendCare: compliance.ItemWeekendCare,
}

var complianceStages = map[org.Stage]compliance.Stage{
	org.StagePrimary: compliance.StagePrimary, org.StageJuniorMiddle: compliance.StageJuniorMiddle,
	org.StageNineYear: compliance.StageNineYear,
}

// ComplianceInput builds the "5+2" checker's input from a school's days
// and occurrences. Club sessions count toward each eligible class's day
// only through the enrichment item's class-level minutes, so a club's
// time is attributed to every class whose grade it serves.
func ComplianceInput(d org.District, sc org.School, days []calendar.Day, classes []Class, items []Item, clubs []Club, occ []calendar.Occurrence) compliance.Input {
	p := d.Policy
	pol := compliance.Policy{
		OffWork:            calendar.TimeOfDay(p.OffWork),
		MinMinutesPerDay:   p.MinMinutesPerDay,
		ServiceDaysPerWeek: p.ServiceDaysPerWeek,
		MaxPeriodsPerDay:   p.MaxPeriodsPerDay,
		PeriodMinutes:      compliance.PeriodMinutes{Primary: p.PeriodMinutesPrimary, JuniorMiddle: p.PeriodMinutesJuniorMiddle},
		OutsideShareCap:    percent(p.OutsideShareCapPercent),
	}
	if p.EveningCareEnd != nil {
		pol.EveningCareCap = calendar.TimeOfDay(*p.EveningCareEnd)
	}
	if p.EveningStudyEnd != nil {
		pol.EveningStudyCap = calendar.TimeOfDay(*p.EveningStudyEnd)
	}
	in := compliance.Input{Policy: pol, School: compliance.School{ID: sc.ID, Stage: complianceStages[sc.Stage]}, Days: days,
		Classes: make([]compliance.Class, 0, len(classes)), Sessions: make([]compliance.Session, 0, len(occ))}
	for _, c := range classes {
		in.Classes = append(in.Classes, compliance.Class{ID: c.ID, Grade: c.Grade})
	}
	kind := map[string]ItemKind{}
	for _, it := range items {
		kind[it.ID] = it.Kind
	}
	clubByID := map[string]Club{}
	for _, c := range clubs {
		clubByID[c.ID] = c
	}
	// The enrichment segment is a class-level service: every class has it
	// when at least one club meets for its grade that day.
	clubGrades := map[civil.Date]map[int][]calendar.Occurrence{}
	for _, o := range occ {
		if o.ClubID == "" {
			in.Sessions = append(in.Sessions, compliance.Session{Date: o.Date, ClassID: o.ClassID, Kind: complianceKinds[kind[o.ItemID]],
				Start: o.Start, End: o.End, Cancelled: o.Status == calendar.StatusCancelled, Delivered: o.Delivered, Recorded: o.Recorded})
			continue
		}
		cl := clubByID[o.ClubID]
		prov := compliance.ProviderSchool
		if cl.Provider == ProviderInstitution {
			prov = compliance.ProviderOutside
		}
		in.ClubSessions = append(in.ClubSessions, compliance.ClubSession{Date: o.Date, ClubID: o.ClubID, Provider: prov,
			Cancelled: o.Status == calendar.StatusCancelled})
		if clubGrades[o.Date] == nil {
			clubGrades[o.Date] = map[int][]calendar.Occurrence{}
		}
		for _, g := range cl.Grades {
			clubGrades[o.Date][g] = append(clubGrades[o.Date][g], o)
		}
	}
	for _, c := range classes {
		for date, byGrade := range clubGrades {
			os := byGrade[c.Grade]
			if len(os) == 0 {
				continue
			}
			// One class-level enrichment session per segment: the earliest
			// start to the latest end of the held club meetings.
			o := os[0]
			start, end, held := o.Start, o.End, false
			for _, x := range os {
				start, end = min(start, x.Start), max(end, x.End)
				held = held || x.Status != calendar.StatusCancelled
			}
			in.Sessions = append(in.Sessions, compliance.Session{Date: date, ClassID: c.ID, Kind: compliance.ItemEnrichment,
				Start: start, End: end, Cancelled: !held})
		}
	}
	slices.SortFunc(in.Sessions, func(a, b compliance.Session) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		if a.ClassID != b.ClassID {
			if a.ClassID < b.ClassID {
				return -1
			}
			return 1
		}
		return int(a.Start - b.Start)
	})
	return in
}

func percent(p int) decimal.Decimal { return decimal.New(int64(p), -2) }
