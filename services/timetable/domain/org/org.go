// Package org holds the organisation facts timetable owns: districts with
// their "5+2" policy settings, and schools. Pure rules, no storage.
package org

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	"github.com/kehou/kehou/services/platform/fault"
)

// Stage is a school's level (学段), which sets the period length and
// whether evening self-study is allowed.
type Stage string

// The school stages.
const (
	StagePrimary      Stage = "primary"       // 小学
	StageJuniorMiddle Stage = "junior_middle" // 初中
	StageNineYear     Stage = "nine_year"     // 九年一贯制
)

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	return s == StagePrimary || s == StageJuniorMiddle || s == StageNineYear
}

// Minute is a time of day as minutes since midnight (17:30 is 1050).
type Minute int

// Policy is a district's "5+2" settings, set by its education bureau.
type Policy struct {
	OffWork                   Minute // 下班时间: regular service ends no earlier
	MinMinutesPerDay          int    // e.g. 120
	ServiceDaysPerWeek        int    // the "5" of "5+2"
	PeriodMinutesPrimary      int    // 课时 length in primary schools, e.g. 40
	PeriodMinutesJuniorMiddle int    // 课时 length in junior middle, e.g. 45
	MaxPeriodsPerDay          int    // 0 means no cap
	EveningCareEnd            *Minute
	EveningStudyEnd           *Minute
	OutsideShareCapPercent    int
	StudentsPerAdult          int
}

// PeriodMinutes returns the period length for a stage; nine-year schools
// use the primary length unless a grade says otherwise (a later refinement).
func (p Policy) PeriodMinutes(s Stage) int {
	if s == StageJuniorMiddle {
		return p.PeriodMinutesJuniorMiddle
	}
	return p.PeriodMinutesPrimary
}

// District is a county-level area (区县) and the tenant key of all data.
type District struct {
	ID         string
	Name       string
	Policy     Policy
	CreateTime time.Time
	UpdateTime time.Time
}

var districtIDPattern = regexp.MustCompile(`^[0-9]{6}$`)

// Validate checks the rules the contract cannot express.
func (d District) Validate() error {
	var c fault.Collector
	c.Check(districtIDPattern.MatchString(d.ID), "district.district_id", "must be a six-digit division code")
	c.Check(strings.TrimSpace(d.Name) != "", "district.name", "must not be blank")
	p := d.Policy
	c.Check(p.OffWork >= 0 && p.OffWork < 24*60, "district.policy.off_work_time", "must be a time of day")
	c.Check(p.MinMinutesPerDay >= 0 && p.MinMinutesPerDay <= 720, "district.policy.min_minutes_per_day", "must be 0 to 720")
	c.Check(p.MaxPeriodsPerDay >= 0 && p.MaxPeriodsPerDay <= 12, "district.policy.max_periods_per_day", "must be 0 to 12")
	c.Check(p.OutsideShareCapPercent >= 0 && p.OutsideShareCapPercent <= 100, "district.policy.outside_share_cap_percent", "must be 0 to 100")
	c.Check(p.StudentsPerAdult >= 0 && p.StudentsPerAdult <= 200, "district.policy.students_per_adult", "must be 0 to 200")
	c.Check(p.ServiceDaysPerWeek >= 1 && p.ServiceDaysPerWeek <= 7, "district.policy.service_days_per_week", "must be 1 to 7")
	c.Check(p.PeriodMinutesPrimary >= 10 && p.PeriodMinutesPrimary <= 120, "district.policy.period_minutes_primary", "must be 10 to 120")
	c.Check(p.PeriodMinutesJuniorMiddle >= 10 && p.PeriodMinutesJuniorMiddle <= 120, "district.policy.period_minutes_junior_middle", "must be 10 to 120")
	if p.EveningCareEnd != nil {
		c.Check(*p.EveningCareEnd > p.OffWork && *p.EveningCareEnd < 24*60, "district.policy.evening_care_end", "must be a time of day after off_work_time")
	}
	if p.EveningStudyEnd != nil {
		c.Check(*p.EveningStudyEnd > p.OffWork && *p.EveningStudyEnd < 24*60, "district.policy.evening_study_end", "must be a time of day after off_work_time")
	}
	return c.Err()
}

// School is a school in one district.
type School struct {
	ID         string
	DistrictID string
	Name       string
	Stage      Stage
	// Category is the school's 学校类别 (urban, county or rural; empty when not recorded): a
	// bureau's price ceilings (最高限价) can differ by it.
	Category   Category
	CreateTime time.Time
	UpdateTime time.Time
}

// Category is a school category (学校类别), by which price ceilings differ.
type Category string

// The school categories.
const (
	// CategoryUrban is 城区.
	CategoryUrban Category = "urban"
	// CategoryCounty is 县镇.
	CategoryCounty Category = "county"
	// CategoryRural is 农村.
	CategoryRural Category = "rural"
)

// Valid reports whether c is a known category or empty (not recorded).
func (c Category) Valid() bool {
	return c == "" || c == CategoryUrban || c == CategoryCounty || c == CategoryRural
}

// Validate checks the rules the contract cannot express.
func (s School) Validate() error {
	var c fault.Collector
	c.Check(districtIDPattern.MatchString(s.DistrictID), "school.district_id", "must be a six-digit division code")
	c.Check(strings.TrimSpace(s.Name) != "", "school.name", "must not be blank")
	c.Check(s.Stage.Valid(), "school.stage", "must be primary, junior_middle or nine_year")
	c.Check(s.Category.Valid(), "school.category", "must be urban, county or rural")
	return c.Err()
}

var schoolIDPattern = regexp.MustCompile(`^sch_[a-z0-9_]{4,60}$`)

// CheckChosenID validates a school id a client chose on create (the demo
// loader does, to find its schools by a stable id, not by a name that may
// have been edited since).
func CheckChosenID(id string) error {
	if !schoolIDPattern.MatchString(id) {
		return fault.Invalid("school.school_id", "a chosen id must be sch_ and 4 to 60 of a-z, 0-9 and _")
	}
	return nil
}

// NewSchoolID returns a fresh school id. Ids are random, not sequential, so
// they reveal nothing and never collide across database shards.
func NewSchoolID() string { return "sch_" + randomHex(6) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}
