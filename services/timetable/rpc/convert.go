package rpc

import (
	"strconv"
	"strings"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// enumName turns a proto enum value name into the domain's snake_case
// name: ROOM_KIND_ART_ROOM with prefix ROOM_KIND_ becomes art_room.
func enumName(s, prefix string) string {
	if !strings.HasPrefix(s, prefix) || s == prefix+"UNSPECIFIED" {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(s, prefix))
}

// enumValue is enumName's inverse.
func enumValue(name, prefix string, values map[string]int32) int32 {
	return values[prefix+strings.ToUpper(name)]
}

func roomKind(k timetablev1.RoomKind) school.RoomKind {
	return school.RoomKind(enumName(k.String(), "ROOM_KIND_"))
}

func roomKindProto(k school.RoomKind) timetablev1.RoomKind {
	return timetablev1.RoomKind(enumValue(string(k), "ROOM_KIND_", timetablev1.RoomKind_value))
}

func itemKind(k timetablev1.ItemKind) school.ItemKind {
	return school.ItemKind(enumName(k.String(), "ITEM_KIND_"))
}

func itemKindProto(k school.ItemKind) timetablev1.ItemKind {
	return timetablev1.ItemKind(enumValue(string(k), "ITEM_KIND_", timetablev1.ItemKind_value))
}

func activityKind(k timetablev1.ActivityKind) school.ActivityKind {
	return school.ActivityKind(enumName(k.String(), "ACTIVITY_KIND_"))
}

func activityKindProto(k school.ActivityKind) timetablev1.ActivityKind {
	return timetablev1.ActivityKind(enumValue(string(k), "ACTIVITY_KIND_", timetablev1.ActivityKind_value))
}

func providerKind(k timetablev1.ProviderKind) school.ProviderKind {
	return school.ProviderKind(enumName(k.String(), "PROVIDER_KIND_"))
}

func providerKindProto(k school.ProviderKind) timetablev1.ProviderKind {
	return timetablev1.ProviderKind(enumValue(string(k), "PROVIDER_KIND_", timetablev1.ProviderKind_value))
}

func hardship(k timetablev1.HardshipCategory) school.Hardship {
	return school.Hardship(enumName(k.String(), "HARDSHIP_CATEGORY_"))
}

func hardshipProto(h school.Hardship) timetablev1.HardshipCategory {
	return timetablev1.HardshipCategory(enumValue(string(h), "HARDSHIP_CATEGORY_", timetablev1.HardshipCategory_value))
}

func enrolmentStatusProto(s school.EnrolmentStatus) timetablev1.EnrolmentStatus {
	return timetablev1.EnrolmentStatus(enumValue(string(s), "ENROLMENT_STATUS_", timetablev1.EnrolmentStatus_value))
}

func attendanceStatus(s timetablev1.AttendanceStatus) string {
	return enumName(s.String(), "ATTENDANCE_STATUS_")
}

func attendanceStatusProto(s string) timetablev1.AttendanceStatus {
	return timetablev1.AttendanceStatus(enumValue(s, "ATTENDANCE_STATUS_", timetablev1.AttendanceStatus_value))
}

// date converts a required contract date; a bad one names its field.
func date(d *commonv1.Date, field string) (civil.Date, error) {
	if d == nil {
		return civil.Date{}, fault.Invalid(field, "is required")
	}
	t := pbconv.CivilDateOf(d)
	if !t.Valid() {
		return civil.Date{}, fault.Invalid(field, "is not a calendar date")
	}
	return t, nil
}

// optionalDate converts an optional date; nil gives the zero Date.
func optionalDate(d *commonv1.Date, field string) (civil.Date, error) {
	if d == nil {
		return civil.Date{}, nil
	}
	return date(d, field)
}

func dateProto(d civil.Date) *commonv1.Date { return pbconv.FromCivilDate(d) }

func timeProto(t calendar.TimeOfDay) *commonv1.TimeOfDay {
	return &commonv1.TimeOfDay{Hours: int32(t / 60), Minutes: int32(t % 60)}
}

func timeOf(t *commonv1.TimeOfDay) calendar.TimeOfDay {
	return calendar.Clock(int(t.GetHours()), int(t.GetMinutes()))
}

func roomProto(r school.Room, schoolID string) *timetablev1.Room {
	return &timetablev1.Room{RoomId: r.ID, SchoolId: schoolID, Name: r.Name, Kind: roomKindProto(r.Kind), Capacity: int32(r.Capacity)}
}

func classProto(c school.Class, schoolID string) *timetablev1.Class {
	return &timetablev1.Class{ClassId: c.ID, SchoolId: schoolID, Grade: int32(c.Grade), Name: c.Name, Size: int32(c.Size), HomeRoomId: c.HomeRoomID}
}

func studentProto(s school.Student, schoolID string) *timetablev1.Student {
	out := &timetablev1.Student{StudentId: s.ID, SchoolId: schoolID, ClassId: s.ClassID, Name: s.Name,
		HardshipCategory: hardshipProto(s.Hardship), HardshipVerified: s.Verified, StudentNumber: s.Number}
	if !s.BirthDate.IsZero() {
		out.BirthDate = pbconv.FromDate(s.BirthDate.Time())
	}
	for _, g := range s.Guardians {
		out.Guardians = append(out.Guardians, &timetablev1.Guardian{Name: g.Name, Phone: g.Phone, Relation: g.Relation})
	}
	return out
}

func termFromProto(t *timetablev1.Term) (school.Term, error) {
	var c fault.Collector
	out := school.Term{Calendar: calendar.Term{Name: t.GetName()}}
	var err error
	if out.Calendar.Start, err = date(t.GetStartDate(), "term.start_date"); err != nil {
		c.Add("term.start_date", "is not a calendar date")
	}
	if out.Calendar.End, err = date(t.GetEndDate(), "term.end_date"); err != nil {
		c.Add("term.end_date", "is not a calendar date")
	}
	for _, w := range t.GetWeekdays() {
		out.Calendar.Weekdays = append(out.Calendar.Weekdays, calendar.Weekday(w))
	}
	for i, h := range t.GetHolidays() {
		d, err := date(h.GetDate(), "")
		if err != nil {
			c.Add(fieldIndex("term.holidays", i)+".date", "is not a calendar date")
		}
		out.Holidays = append(out.Holidays, calendar.Holiday{Date: d, Name: h.GetName()})
	}
	for i, s := range t.GetSwaps() {
		d, err := date(s.GetDate(), "")
		if err != nil {
			c.Add(fieldIndex("term.swaps", i)+".date", "is not a calendar date")
		}
		out.Swaps = append(out.Swaps, calendar.Swap{Date: d, Working: s.GetWorking(), Follows: calendar.Weekday(s.GetFollowsWeekday()), Name: s.GetName()})
	}
	return out, c.Err()
}

func termProto(t school.Term, schoolID string) *timetablev1.Term {
	out := &timetablev1.Term{TermId: t.ID, SchoolId: schoolID, Name: t.Calendar.Name,
		StartDate: dateProto(t.Calendar.Start), EndDate: dateProto(t.Calendar.End)}
	for _, w := range t.Calendar.Weekdays {
		out.Weekdays = append(out.Weekdays, int32(w))
	}
	for _, h := range t.Holidays {
		out.Holidays = append(out.Holidays, &timetablev1.Holiday{Date: dateProto(h.Date), Name: h.Name})
	}
	for _, s := range t.Swaps {
		out.Swaps = append(out.Swaps, &timetablev1.Swap{Date: dateProto(s.Date), Working: s.Working, FollowsWeekday: int32(s.Follows), Name: s.Name})
	}
	return out
}

func dayProto(d calendar.Day) *timetablev1.CalendarDay {
	return &timetablev1.CalendarDay{Date: dateProto(d.Date), Weekday: int32(d.Weekday), FollowsWeekday: int32(d.Follows),
		SchoolDay: d.SchoolDay, Weekend: d.Weekend, Holiday: d.Holiday, Swapped: d.Swapped, Name: d.Name,
		Closed: d.Closed, ClosureReason: timetablev1.ClosureReason(d.Closure), ClosureNote: d.ClosureNote}
}

func itemFromProto(it *timetablev1.ServiceItem) school.Item {
	out := school.Item{Kind: itemKind(it.GetKind()), Name: it.GetName(), Segment: int(it.GetSegment())}
	for _, g := range it.GetGrades() {
		out.Grades = append(out.Grades, int(g))
	}
	for _, w := range it.GetWindows() {
		win := school.Window{Weekday: calendar.Weekday(w.GetWeekday()), Start: timeOf(w.GetStart()), End: timeOf(w.GetEnd())}
		for _, g := range w.GetGrades() {
			win.Grades = append(win.Grades, int(g))
		}
		out.Windows = append(out.Windows, win)
	}
	return out
}

func itemProto(it school.Item, schoolID string, periodMinutes int) *timetablev1.ServiceItem {
	out := &timetablev1.ServiceItem{ItemId: it.ID, SchoolId: schoolID, TermId: it.TermID, Kind: itemKindProto(it.Kind),
		Name: it.Name, Segment: int32(it.Segment), PeriodMinutes: int32(periodMinutes)}
	for _, g := range it.Grades {
		out.Grades = append(out.Grades, int32(g))
	}
	for _, w := range it.Windows {
		win := &timetablev1.Window{Weekday: int32(w.Weekday), Start: timeProto(w.Start), End: timeProto(w.End)}
		for _, g := range w.Grades {
			win.Grades = append(win.Grades, int32(g))
		}
		out.Windows = append(out.Windows, win)
	}
	return out
}

func clubFromProto(c *timetablev1.Club) school.Club {
	out := school.Club{Name: c.GetName(), Activity: activityKind(c.GetActivityKind()), Provider: providerKind(c.GetProviderKind()),
		InstitutionID: c.GetInstitutionId(), Capacity: int(c.GetCapacity()), RoomKind: roomKind(c.GetRoomKind()),
		MeetingsPerWeek: int(c.GetMeetingsPerWeek())}
	for _, g := range c.GetGrades() {
		out.Grades = append(out.Grades, int(g))
	}
	return out
}

func clubProto(c school.Club, schoolID string) *timetablev1.Club {
	out := &timetablev1.Club{ClubId: c.ID, SchoolId: schoolID, TermId: c.TermID, Name: c.Name,
		ActivityKind: activityKindProto(c.Activity), ProviderKind: providerKindProto(c.Provider),
		InstitutionId: c.InstitutionID, Capacity: int32(c.Capacity), RoomKind: roomKindProto(c.RoomKind),
		MeetingsPerWeek: int32(c.MeetingsPerWeek), Members: int32(c.Members)}
	for _, g := range c.Grades {
		out.Grades = append(out.Grades, int32(g))
	}
	return out
}

func planProto(p school.Plan, schoolID string) *timetablev1.WeeklyPlan {
	out := &timetablev1.WeeklyPlan{SchoolId: schoolID, TermId: p.TermID, Seed: p.Seed}
	for _, pl := range p.Placements {
		out.Placements = append(out.Placements, &timetablev1.Placement{ClubId: pl.ClubID, Weekday: int32(pl.Weekday),
			Segment: int32(pl.Segment), RoomId: pl.RoomID, Locked: pl.Locked})
	}
	for _, u := range p.Unplaced {
		out.Unplaced = append(out.Unplaced, &timetablev1.UnplacedClub{ClubId: u.ClubID, MissingMeetings: int32(u.Missing), Reason: u.Reason, Detail: u.Detail})
	}
	return out
}

func enrolmentProto(e school.Enrolment, schoolID string) *timetablev1.Enrolment {
	out := &timetablev1.Enrolment{EnrolmentId: e.ID, SchoolId: schoolID, StudentId: e.StudentID, ItemId: e.ItemID,
		StartDate: dateProto(e.Start), Status: enrolmentStatusProto(e.Status), TermId: e.TermID, ClassId: e.ClassID}
	if e.End != nil {
		out.EndDate = dateProto(*e.End)
	}
	return out
}

func fieldIndex(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
