package compliance

import (
	"fmt"
	"strconv"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// A cellRule judges one class on one day (class ci, day di), appending its
// violations to out. Check runs cellRules for every class and day; each
// check* function runs one of them over the whole period, class by class.
type cellRule func(ds *dataset, ci, di int, out []Violation) []Violation

// cellRules are the per-day rules in rule-code order (ruleOrder without the
// week- and term-level outside share), the order of a class's day in the
// report; Check adds the outside share itself.
var cellRules = [len(ruleOrder)]cellRule{
	endTimeCell,
	eveningStudyCapCell,
	eveningStudyStageCell,
	extendedCareCapCell,
	maxPeriodsCell,
	minMinutesCell,
	func(_ *dataset, _, _ int, out []Violation) []Violation { return out }, // outside share: per week
	serviceDaysCell,
}

// overPeriod runs rule over every class and day, class by class.
func overPeriod(ds *dataset, rule cellRule) []Violation {
	var out []Violation
	for ci := range ds.classes {
		for di := range ds.days {
			out = rule(ds, ci, di, out)
		}
	}
	ds.messages(out)
	return out
}

// violation is a day-level violation of class ci on day di, without its
// message, which the message functions have appended to ds.buf.
func (ds *dataset) violation(rule Rule, ci, di, got, limit int, unit Unit) Violation {
	t := &ds.text[di]
	return Violation{Rule: rule, Date: ds.days[di].Date, Weekday: t.weekday, Week: t.week, ClassID: ds.classes[ci].ID,
		Got: ds.dec(got), Limit: ds.dec(limit), Unit: unit}
}

// add appends v, whose message ends ds.buf, to out.
func (ds *dataset) add(out []Violation, v Violation) []Violation {
	if out == nil {
		out = make([]Violation, 0, max(ds.reserve, 4))
	}
	ds.ends = append(ds.ends, len(ds.buf))
	return append(out, v)
}

// messages sets the messages of out, every violation made since the last
// call, from ds.buf.
func (ds *dataset) messages(out []Violation) {
	if len(out) != len(ds.ends) {
		panic("compliance: violations and messages out of step")
	}
	all, start := string(ds.buf), 0
	for i, end := range ds.ends {
		out[i].Message = all[start:end]
		start = end
	}
	ds.buf, ds.ends = ds.buf[:0], ds.ends[:0]
}

// msgBytes is about the length of a day-level message (Chinese, then
// English), for sizing ds.buf.
const msgBytes = 224

// head starts a message in ds.buf with "2025-09-01 星期一 班级 1A".
func (ds *dataset) head(ci, di int) {
	if ds.buf == nil {
		ds.buf = make([]byte, 0, max(ds.reserve, 4)*msgBytes)
	}
	t := &ds.text[di]
	ds.buf = append(append(append(append(append(ds.buf, t.date...), ' '), t.zh...), " 班级 "...), ds.classes[ci].ID...)
}

// on appends "on Monday 2025-09-01".
func (ds *dataset) on(di int) {
	t := &ds.text[di]
	ds.buf = append(append(append(append(ds.buf, " on "...), t.en...), ' '), t.date...)
}

func (ds *dataset) str(ss ...string) {
	for _, s := range ss {
		ds.buf = append(ds.buf, s...)
	}
}

func (ds *dataset) num(n int) { ds.buf = strconv.AppendInt(ds.buf, int64(n), 10) }

func (ds *dataset) clock(t calendar.TimeOfDay) { ds.buf = t.AppendClock(ds.buf) }

// checkServiceDays: each class has regular service on the open school days
// of every week, at least min(ServiceDaysPerWeek, open days of the week)
// days; when it falls short, every open day without service is named. (A
// week with a working Saturday therefore passes with service Monday to
// Friday when the policy asks for 5 days.)
func checkServiceDays(ds *dataset) []Violation { return overPeriod(ds, serviceDaysCell) }

func serviceDaysCell(ds *dataset, ci, di int, out []Violation) []Violation {
	if !ds.days[di].Open() || ds.cell(ci, di).regular > 0 {
		return out
	}
	wi := ds.weekAt[ds.text[di].week]
	served, need := ds.served[ci*len(ds.weeks)+wi], ds.weeks[wi].need
	if served >= need {
		return out
	}
	// "%s %s 班级 %s 无课后服务（本周 %d/%d 天）/ class %s has no service on %s %s (%d of %d days this week)"
	c := ds.classes[ci].ID
	ds.head(ci, di)
	ds.str(" 无课后服务（本周 ")
	ds.num(served)
	ds.str("/")
	ds.num(need)
	ds.str(" 天）/ class ", c, " has no service")
	ds.on(di)
	ds.str(" (")
	ds.num(served)
	ds.str(" of ")
	ds.num(need)
	ds.str(" days this week)")
	return ds.add(out, ds.violation(RuleServiceDays, ci, di, served, need, UnitDays))
}

// checkMinMinutes: on each open school day with service, a class gets at
// least MinMinutesPerDay minutes of regular service (basic care and
// enrichment; delivered minutes when recorded). Lunch care, extended care and
// evening study do not count. Days without any service are left to
// checkServiceDays.
func checkMinMinutes(ds *dataset) []Violation { return overPeriod(ds, minMinutesCell) }

func minMinutesCell(ds *dataset, ci, di int, out []Violation) []Violation {
	limit := ds.policy.MinMinutesPerDay
	if limit == 0 || !ds.days[di].Open() {
		return out
	}
	m := ds.cell(ci, di).regular
	if m == 0 || m >= limit {
		return out
	}
	// "%s %s 班级 %s 课后服务 %d 分钟，少于 %d 分钟 / class %s had %d minutes of service on %s %s, less than %d"
	c := ds.classes[ci].ID
	ds.head(ci, di)
	ds.str(" 课后服务 ")
	ds.num(m)
	ds.str(" 分钟，少于 ")
	ds.num(limit)
	ds.str(" 分钟 / class ", c, " had ")
	ds.num(m)
	ds.str(" minutes of service")
	ds.on(di)
	ds.str(", less than ")
	ds.num(limit)
	return ds.add(out, ds.violation(RuleMinMinutes, ci, di, m, limit, UnitMinutes))
}

// checkEndTime: on each open school day with service, a class's regular
// service ends no earlier than the off-work time (the planned end of its last
// held regular session).
func checkEndTime(ds *dataset) []Violation { return overPeriod(ds, endTimeCell) }

func endTimeCell(ds *dataset, ci, di int, out []Violation) []Violation {
	off := ds.policy.OffWork
	cl := ds.cell(ci, di)
	if !ds.days[di].Open() || !cl.held || cl.regularEnd >= off {
		return out
	}
	end := cl.regularEnd
	// "%s %s 班级 %s 课后服务 %s 结束，早于下班时间 %s / class %s's service ended at %s on %s %s, before the off-work time %s"
	ds.head(ci, di)
	ds.str(" 课后服务 ")
	ds.clock(end)
	ds.str(" 结束，早于下班时间 ")
	ds.clock(off)
	ds.str(" / class ", ds.classes[ci].ID, "'s service ended at ")
	ds.clock(end)
	ds.on(di)
	ds.str(", before the off-work time ")
	ds.clock(off)
	return ds.add(out, ds.violation(RuleEndTime, ci, di, int(end), int(off), UnitTimeOfDay))
}

// capViolations reports held sessions of kind that end after limit (00:00
// means no cap), on any checked day.
func capViolations(ds *dataset, ci, di int, out []Violation, kind ItemKind, limit calendar.TimeOfDay, rule Rule, zh, en string) []Violation {
	if limit == 0 {
		return out
	}
	for _, s := range ds.cell(ci, di).sessions {
		if s.Kind != kind || s.Cancelled || s.End <= limit {
			continue
		}
		// "%s %s 班级 %s %s %s 结束，晚于 %s / class %s's %s ended at %s on %s %s, after the cap %s"
		ds.head(ci, di)
		ds.str(" ", zh, " ")
		ds.clock(s.End)
		ds.str(" 结束，晚于 ")
		ds.clock(limit)
		ds.str(" / class ", ds.classes[ci].ID, "'s ", en, " ended at ")
		ds.clock(s.End)
		ds.on(di)
		ds.str(", after the cap ")
		ds.clock(limit)
		out = ds.add(out, ds.violation(rule, ci, di, int(s.End), int(limit), UnitTimeOfDay))
	}
	return out
}

// checkExtendedCareCap: extended care (延时) ends by the evening care cap.
// Ending exactly at the cap is allowed.
func checkExtendedCareCap(ds *dataset) []Violation { return overPeriod(ds, extendedCareCapCell) }

func extendedCareCapCell(ds *dataset, ci, di int, out []Violation) []Violation {
	return capViolations(ds, ci, di, out, ItemExtendedCare, ds.policy.EveningCareCap, RuleExtendedCareCap, "延时托管", "extended care")
}

// checkEveningStudyCap: evening study (晚自习) ends by its cap.
func checkEveningStudyCap(ds *dataset) []Violation { return overPeriod(ds, eveningStudyCapCell) }

func eveningStudyCapCell(ds *dataset, ci, di int, out []Violation) []Violation {
	return capViolations(ds, ci, di, out, ItemEveningStudy, ds.policy.EveningStudyCap, RuleEveningStudyCap, "晚自习", "evening study")
}

// checkEveningStudyStage: evening study is only for junior middle grades (a
// junior middle school, or grades 7–9 of a nine-year school); one violation
// per class and date.
func checkEveningStudyStage(ds *dataset) []Violation { return overPeriod(ds, eveningStudyStageCell) }

func eveningStudyStageCell(ds *dataset, ci, di int, out []Violation) []Violation {
	c := ds.classes[ci]
	if ds.stage == StageJuniorMiddle || (ds.stage == StageNineYear && c.junior()) {
		return out
	}
	for _, s := range ds.cell(ci, di).sessions {
		if s.Kind != ItemEveningStudy || s.Cancelled {
			continue
		}
		// "%s %s 班级 %s（%d 年级）安排了晚自习，晚自习仅限初中 / class %s (grade %d) has evening study on %s %s; evening study is for junior middle grades only"
		ds.head(ci, di)
		ds.str("（")
		ds.num(c.Grade)
		ds.str(" 年级）安排了晚自习，晚自习仅限初中 / class ", c.ID, " (grade ")
		ds.num(c.Grade)
		ds.str(") has evening study")
		ds.on(di)
		ds.str("; evening study is for junior middle grades only")
		return ds.add(out, ds.violation(RuleEveningStudyStage, ci, di, c.Grade, 7, UnitGrade))
	}
	return out
}

// checkMaxPeriods: a class's regular service on a day is at most
// MaxPeriodsPerDay periods, counting minutes pro rata by the stage's period
// length (0 means no cap). Extended care, lunch care and evening study are
// capped by time instead and do not count.
func checkMaxPeriods(ds *dataset) []Violation { return overPeriod(ds, maxPeriodsCell) }

func maxPeriodsCell(ds *dataset, ci, di int, out []Violation) []Violation {
	limit := ds.policy.MaxPeriodsPerDay
	if limit == 0 || !ds.days[di].Open() {
		return out
	}
	c := ds.classes[ci]
	per := ds.periodMinutes(c)
	m := ds.cell(ci, di).regular
	if m <= limit*per {
		return out
	}
	got := ds.dec(m).DivRound(ds.dec(per), 2)
	gs := got.String()
	// "%s %s 班级 %s 课后服务 %s 课时（每课时 %d 分钟），超过 %d 课时 / class %s had %s periods of %d minutes on %s %s, more than %d"
	ds.head(ci, di)
	ds.str(" 课后服务 ", gs, " 课时（每课时 ")
	ds.num(per)
	ds.str(" 分钟），超过 ")
	ds.num(limit)
	ds.str(" 课时 / class ", c.ID, " had ", gs, " periods of ")
	ds.num(per)
	ds.str(" minutes")
	ds.on(di)
	ds.str(", more than ")
	ds.num(limit)
	v := ds.violation(RuleMaxPeriods, ci, di, 0, limit, UnitPeriods)
	v.Got = got
	return ds.add(out, v)
}

// checkOutsideShare: in each week with club sessions, the share of held club
// sessions run by outside institutions is at most OutsideShareCap.
func checkOutsideShare(ds *dataset) []Violation {
	type tally struct{ total, outside int }
	weeks := map[civil.Date]*tally{}
	var order []civil.Date
	for _, cs := range ds.clubSessions {
		wk := cs.Date.StartOfWeek()
		t, ok := weeks[wk]
		if !ok {
			t = &tally{}
			weeks[wk] = t
			order = append(order, wk)
		}
		t.total++
		if cs.Provider == ProviderOutside {
			t.outside++
		}
	}
	var out []Violation
	for _, wk := range order {
		if v, ok := ds.shareViolation(weeks[wk].total, weeks[wk].outside, wk.String()+" 起一周", "week of "+wk.String()); ok {
			v.Week = wk
			out = append(out, v)
		}
	}
	return out
}

// outsideShareTerm is the outside-share rule over the whole period.
func (ds *dataset) outsideShareTerm(total, outside int) []Violation {
	if v, ok := ds.shareViolation(total, outside, "全期", "whole period"); ok {
		return []Violation{v}
	}
	return nil
}

func (ds *dataset) shareViolation(total, outside int, zh, en string) (Violation, bool) {
	limit := ds.policy.OutsideShareCap
	if total == 0 || !ds.dec(outside).GreaterThan(limit.Mul(ds.dec(total))) {
		return Violation{}, false
	}
	got := ds.dec(outside).DivRound(ds.dec(total), 4)
	return Violation{Rule: RuleOutsideShare, Got: got, Limit: limit, Unit: UnitShare,
		Message: fmt.Sprintf("%s：第三方机构承担 %d/%d 节社团课（%s），超过上限 %s / %s: outside institutions ran %d of %d club sessions (%s), above the cap %s",
			zh, outside, total, got, limit, en, outside, total, got, limit)}, true
}
