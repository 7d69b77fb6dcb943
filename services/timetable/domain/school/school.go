// Package school holds what a school plans with: rooms, classes, students,
// terms, service items, clubs and enrolments, with the rules that check
// them. Calendars, plans, allocation and compliance are the engines in the
// sibling packages; this package feeds them.
package school

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/org"
)

// NewID returns a fresh random id with a prefix naming its kind.
func NewID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return prefix + "_" + hex.EncodeToString(b)
}

// Scope is the tenant every record belongs to.
type Scope struct {
	DistrictID string
	SchoolID   string
}

// RoomKind is what a room is for (教室, 体育馆, …).
type RoomKind string

// Room kinds.
const (
	RoomClassroom  RoomKind = "classroom"
	RoomGym        RoomKind = "gym"
	RoomArtRoom    RoomKind = "art_room"
	RoomLab        RoomKind = "lab"
	RoomLibrary    RoomKind = "library"
	RoomPlayground RoomKind = "playground"
	RoomCanteen    RoomKind = "canteen"
)

// RoomKindName is a room kind with its Chinese name.
type RoomKindName struct {
	Kind    RoomKind
	Chinese string
}

// RoomKinds are the kinds with their Chinese names (what room lists say).
var RoomKinds = []RoomKindName{
	{RoomClassroom, "教室"}, {RoomGym, "体育馆"}, {RoomArtRoom, "艺术室"}, {RoomLab, "实验室"},
	{RoomLibrary, "图书室"}, {RoomPlayground, "操场"}, {RoomCanteen, "食堂"},
}

func knownRoomKind(k RoomKind) bool {
	for _, x := range RoomKinds {
		if x.Kind == k {
			return true
		}
	}
	return false
}

// Room is a room or space of a school.
type Room struct {
	ID       string
	Name     string
	Kind     RoomKind
	Capacity int
}

// Validate checks a room.
func (r Room) Validate() error {
	var c fault.Collector
	c.Check(strings.TrimSpace(r.Name) != "", "room.name", "must not be blank")
	c.Check(utf8.RuneCountInString(r.Name) <= MaxNameRunes, "room.name", "must be at most 50 characters")
	c.Check(r.Kind != "", "room.kind", "must be set")
	c.Check(r.Kind == "" || knownRoomKind(r.Kind), "room.kind", "is not a known room kind")
	c.Check(r.Capacity > 0, "room.capacity", "must be positive")
	c.Check(r.Capacity <= 2000, "room.capacity", "must be at most 2000")
	return c.Err()
}

// Class is a teaching class (班级).
type Class struct {
	ID         string
	Grade      int
	Name       string
	Size       int
	HomeRoomID string
}

// Validate checks a class.
func (c Class) Validate() error {
	var v fault.Collector
	v.Check(c.Grade >= 1 && c.Grade <= 9, "class.grade", "must be 1 to 9")
	v.Check(strings.TrimSpace(c.Name) != "", "class.name", "must not be blank")
	v.Check(c.Size >= 0, "class.size", "must not be negative")
	return v.Err()
}

// GradeAllowed reports whether a grade fits the school's stage: primary
// 1–6, junior middle 7–9, nine-year 1–9.
func GradeAllowed(stage org.Stage, grade int) bool {
	switch stage {
	case org.StagePrimary:
		return grade >= 1 && grade <= 6
	case org.StageJuniorMiddle:
		return grade >= 7 && grade <= 9
	}
	return grade >= 1 && grade <= 9
}

// Guardian is a parent or guardian (监护人).
type Guardian struct {
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Relation string `json:"relation"`
}

// Hardship is a family hardship category; "" means none.
type Hardship string

// Hardships are the categories a school records, with their Chinese names
// (the names rosters use).
var Hardships = []HardshipName{
	{"jiandang_lika", "建档立卡"}, {"dibao", "低保"}, {"tekun", "特困"}, {"orphan", "孤儿"},
	{"disabled", "残疾学生"}, {"poverty_risk", "防返贫监测"}, {"sudden_hardship", "突发困难"},
}

// KnownHardship reports whether h is "" or one of Hardships.
func KnownHardship(h Hardship) bool {
	return h == "" || slices.ContainsFunc(Hardships, func(x HardshipName) bool { return x.Category == h })
}

// HardshipName is a category with its Chinese name.
type HardshipName struct {
	Category Hardship
	Chinese  string
}

// Student is a pupil of one class.
type Student struct {
	ID string
	// Number is the 学籍号 (national student number), the key a roster
	// import matches by; "" when not recorded.
	Number    string
	ClassID   string
	Name      string
	BirthDate civil.Date // zero when not recorded
	Guardians []Guardian
	Hardship  Hardship
	Verified  bool
}

// Student limits, shared by the single-record API and roster imports.
const (
	MaxNameRunes     = 50
	MaxGuardians     = 4
	MaxRelationRunes = 20
)

// phone is what a guardian's phone number may hold: digits, +, - and
// spaces, 5 to 20 of them (a mobile, a landline with area code).
func phoneOK(p string) bool {
	if n := len(p); n < 5 || n > 20 {
		return false
	}
	return strings.Trim(p, "0123456789+- ") == ""
}

// numberOK is a 学籍号: letters and digits, 6 to 32 (the national form is
// G or L and 18 more).
func numberOK(n string) bool {
	if len(n) < 6 || len(n) > 32 {
		return false
	}
	for _, r := range n {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// Validate checks a student: the one set of rules for CreateStudent and
// for every row of a roster import.
func (s Student) Validate() error {
	var c fault.Collector
	c.Check(strings.TrimSpace(s.Name) != "", "student.name", "must not be blank")
	c.Check(utf8.RuneCountInString(s.Name) <= MaxNameRunes, "student.name", "must be at most 50 characters")
	c.Check(s.Number == "" || numberOK(s.Number), "student.student_number", "must be 6 to 32 letters and digits")
	c.Check(s.ClassID != "", "student.class_id", "must be set")
	c.Check(len(s.Guardians) > 0, "student.guardians", "at least one guardian is required")
	c.Check(len(s.Guardians) <= MaxGuardians, "student.guardians", "at most 4 guardians")
	for i, g := range s.Guardians {
		f := fmt.Sprintf("student.guardians[%d].", i)
		c.Check(strings.TrimSpace(g.Name) != "", f+"name", "must not be blank")
		c.Check(utf8.RuneCountInString(g.Name) <= MaxNameRunes, f+"name", "must be at most 50 characters")
		c.Check(phoneOK(g.Phone), f+"phone", "must be 5 to 20 digits, +, - or spaces")
		c.Check(utf8.RuneCountInString(g.Relation) <= MaxRelationRunes, f+"relation", "must be at most 20 characters")
	}
	c.Check(KnownHardship(s.Hardship), "student.hardship_category", "is not a known hardship category")
	c.Check(s.BirthDate.IsZero() || s.BirthDate.Year >= 2000 && s.BirthDate.Year <= 2100, "student.birth_date", "must be between 2000 and 2100")
	return c.Err()
}

// Term is a 学期 with its holidays and swapped days.
type Term struct {
	ID       string
	Calendar calendar.Term
	Holidays []calendar.Holiday
	Swaps    []calendar.Swap
}

// Validate checks the term with the calendar engine's own rules (dates in
// order, holidays and swaps inside the term).
func (t Term) Validate() error {
	if _, err := calendar.Days(t.Calendar, t.Holidays, t.Swaps, nil); err != nil {
		return translate(err, "term")
	}
	return nil
}

// translate turns a calendar validation error into the shared kind, with
// its field paths renamed to the contract's (term.end becomes
// term.end_date) under prefix.
func translate(err error, prefix string) error {
	var ve *fault.ValidationError
	if errors.As(err, &ve) {
		var c fault.Collector
		for _, fe := range ve.Violations {
			c.Add(prefix+"."+TermField(fe.Field), fe.Reason)
		}
		return c.Err()
	}
	return err
}

// TermField renames a calendar engine's field path to the contract's Term
// message: start/end become start_date/end_date, follows becomes
// follows_weekday, and the engine's own "term." prefix is dropped, so a
// client is told about the field it actually sent.
func TermField(f string) string {
	f = strings.TrimPrefix(f, "term.")
	switch {
	case f == "start":
		return "start_date"
	case f == "end":
		return "end_date"
	case strings.HasSuffix(f, ".follows"):
		return f + "_weekday"
	}
	return f
}

// ItemKind is a kind of service (基础托管, 兴趣拓展, …).
type ItemKind string

// Item kinds.
const (
	ItemBasicCare    ItemKind = "basic_care"    // 基础托管
	ItemEnrichment   ItemKind = "enrichment"    // 兴趣拓展
	ItemLunchCare    ItemKind = "lunch_care"    // 午托
	ItemExtendedCare ItemKind = "extended_care" // 延时
	ItemEveningStudy ItemKind = "evening_study" // 晚自习
	ItemWeekendCare  ItemKind = "weekend_care"  // 周末/假期托管
)

// Window is when an item runs on one weekday.
type Window struct {
	Weekday calendar.Weekday   `json:"weekday"`
	Start   calendar.TimeOfDay `json:"start"`
	End     calendar.TimeOfDay `json:"end"`
	// Grades, if not empty, are the only grades the window is for, so one item can end earlier
	// for the younger grades (低年级早放学) instead of being split into two items; windows of one
	// weekday then name disjoint grades.
	Grades []int `json:"grades,omitempty"`
}

// For reports whether the window applies to a class of grade g.
func (w Window) For(g int) bool { return len(w.Grades) == 0 || slices.Contains(w.Grades, g) }

// Item is a service item of a term.
type Item struct {
	ID      string
	TermID  string
	Kind    ItemKind
	Name    string
	Segment int
	Windows []Window
	// Grades the item serves; empty means every class.
	Grades []int
}

// Serves reports whether the item runs for a class of grade g.
func (it Item) Serves(g int) bool { return len(it.Grades) == 0 || slices.Contains(it.Grades, g) }

// Window returns the item's window on a weekday (an enrichment item's, whose windows name no
// grades).
func (it Item) Window(w calendar.Weekday) (Window, bool) {
	for _, win := range it.Windows {
		if win.Weekday == w {
			return win, true
		}
	}
	return Window{}, false
}

// Validate checks an item against the school's stage: windows end after
// they start, one per weekday, and evening self-study only where junior
// middle grades are taught.
func (it Item) Validate(stage org.Stage) error {
	var c fault.Collector
	c.Check(strings.TrimSpace(it.Name) != "", "item.name", "must not be blank")
	c.Check(it.Segment >= 1, "item.segment", "must be at least 1")
	if it.Kind == ItemEveningStudy && stage == org.StagePrimary {
		c.Add("item.kind", "evening self-study (晚自习) is only for junior middle schools")
	}
	for i, g := range it.Grades {
		f := fmt.Sprintf("item.grades[%d]", i)
		switch {
		case !GradeAllowed(stage, g):
			c.Add(f, fmt.Sprintf("grade %d is not taught at a %s school", g, stage))
		case it.Kind == ItemEveningStudy && g < 7:
			c.Add(f, fmt.Sprintf("evening self-study (晚自习) is only for junior middle grades 7 to 9, not grade %d", g))
		}
	}
	if it.Kind == ItemEveningStudy && stage == org.StageNineYear && len(it.Grades) == 0 {
		c.Add("item.grades", "a nine-year school names the junior middle grades (7 to 9) its evening self-study serves")
	}
	for i, w := range it.Windows {
		f := fmt.Sprintf("item.windows[%d]", i)
		c.Check(w.Weekday.Valid(), f+".weekday", "must be 1 (Monday) to 7 (Sunday)")
		for j, prev := range it.Windows[:i] {
			if prev.Weekday != w.Weekday {
				continue
			}
			switch {
			case len(prev.Grades) == 0 || len(w.Grades) == 0:
				c.Add(f+".weekday", fmt.Sprintf("one window per weekday, unless the windows name disjoint grades (windows[%d] is the same weekday)", j))
			case slices.ContainsFunc(w.Grades, func(g int) bool { return slices.Contains(prev.Grades, g) }):
				c.Add(f+".grades", fmt.Sprintf("a grade has two windows on weekday %d (windows[%d])", w.Weekday, j))
			}
		}
		for k, g := range w.Grades {
			if !it.Serves(g) || !GradeAllowed(stage, g) {
				c.Add(fmt.Sprintf("%s.grades[%d]", f, k), fmt.Sprintf("grade %d is not served by the item", g))
			}
		}
		if len(w.Grades) > 0 && it.Kind == ItemEnrichment {
			c.Add(f+".grades", "club windows serve every grade of their clubs: per-grade windows are for class items")
		}
		c.Check(w.Start.Valid() && w.End.Valid(), f, "times must be within the day")
		c.Check(w.End > w.Start, f+".end", "must be after start")
		if it.Kind != ItemWeekendCare && w.Weekday.IsWeekend() {
			// Weekend windows serve swapped working days only through Follows.
			c.Add(f+".weekday", "only weekend care runs on Saturday or Sunday; a swapped working day follows a weekday's timetable")
		}
	}
	return c.Err()
}

// ActivityKind is what a club does.
type ActivityKind string

// ActivityName is an activity kind with its Chinese name.
type ActivityName struct {
	Kind    ActivityKind
	Chinese string
}

// ActivityKinds are the kinds with their Chinese names.
var ActivityKinds = []ActivityName{
	{"reading", "阅读"}, {"calligraphy", "书法"}, {"sports", "体育"}, {"arts", "艺术"},
	{"science", "科技"}, {"social_practice", "社会实践"}, {"other", "其他"},
}

// ProviderKind is who runs a club: "school" or "institution".
type ProviderKind string

// Provider kinds.
const (
	ProviderSchool      ProviderKind = "school"
	ProviderInstitution ProviderKind = "institution"
)

// Club is a 社团 of a term.
type Club struct {
	ID              string
	TermID          string
	Name            string
	Activity        ActivityKind
	Provider        ProviderKind
	InstitutionID   string
	Capacity        int
	Grades          []int
	RoomKind        RoomKind
	MeetingsPerWeek int
	Members         int
}

// Validate checks a club against the school's rooms: the school must have
// a room of the needed kind, and one big enough.
func (cl Club) Validate(stage org.Stage, rooms []Room) error {
	var c fault.Collector
	c.Check(strings.TrimSpace(cl.Name) != "", "club.name", "must not be blank")
	c.Check(utf8.RuneCountInString(cl.Name) <= MaxNameRunes, "club.name", "must be at most 50 characters")
	c.Check(slices.ContainsFunc(ActivityKinds, func(a ActivityName) bool { return a.Kind == cl.Activity }),
		"club.activity_kind", "is not a known activity kind")
	c.Check(cl.Provider == ProviderSchool || cl.Provider == ProviderInstitution, "club.provider_kind", "must be school or institution")
	c.Check(cl.Capacity > 0, "club.capacity", "must be positive")
	c.Check(cl.Capacity <= 500, "club.capacity", "must be at most 500")
	c.Check(len(cl.Grades) > 0, "club.grades", "at least one grade")
	c.Check(cl.MeetingsPerWeek >= 1 && cl.MeetingsPerWeek <= 7, "club.meetings_per_week", "must be 1 to 7")
	if cl.Provider == ProviderInstitution {
		c.Check(cl.InstitutionID != "", "club.institution_id", "is required for an institution's club")
	} else {
		c.Check(cl.InstitutionID == "", "club.institution_id", "must be empty for a school's own club")
	}
	for i, g := range cl.Grades {
		c.Check(GradeAllowed(stage, g), fmt.Sprintf("club.grades[%d]", i), fmt.Sprintf("grade %d is not taught at a %s school", g, stage))
	}
	hasKind, bigEnough := false, false
	for _, r := range rooms {
		if r.Kind == cl.RoomKind {
			hasKind = true
			bigEnough = bigEnough || r.Capacity >= cl.Capacity
		}
	}
	switch {
	case !hasKind:
		c.Add("club.room_kind", fmt.Sprintf("the school has no room of kind %s", cl.RoomKind))
	case !bigEnough:
		c.Add("club.capacity", fmt.Sprintf("no %s room holds %d students", cl.RoomKind, cl.Capacity))
	}
	return c.Err()
}

// EligibleGrade reports whether students of grade g may join the club.
func (cl Club) EligibleGrade(g int) bool { return slices.Contains(cl.Grades, g) }
