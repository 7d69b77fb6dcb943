package compliance

import (
	"fmt"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/shopspring/decimal"
)

// rules are the per-day and per-week rules Check runs, in report order; the
// term-level outside share is added by Check itself.
var rules = []func(*dataset) []Violation{
	checkServiceDays,
	checkMinMinutes,
	checkEndTime,
	checkExtendedCareCap,
	checkEveningStudyStage,
	checkEveningStudyCap,
	checkMaxPeriods,
	checkOutsideShare,
}

func dayViolation(rule Rule, d civil.Date, class string, got, limit decimal.Decimal, unit Unit, msg string) Violation {
	return Violation{Rule: rule, Date: d, Weekday: calendar.WeekdayOfDate(d), Week: d.StartOfWeek(), ClassID: class,
		Got: got, Limit: limit, Unit: unit, Message: msg}
}

func dec(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }

func tod(t calendar.TimeOfDay) decimal.Decimal { return dec(int(t)) }

// checkServiceDays: each class has regular service on the open school days
// of every week, at least min(ServiceDaysPerWeek, open days of the week)
// days; when it falls short, every open day without service is named. (A
// week with a working Saturday therefore passes with service Monday to
// Friday when the policy asks for 5 days.)
func checkServiceDays(ds *dataset) []Violation {
	var out []Violation
	weeks := map[civil.Date][]calendar.Day{}
	var order []civil.Date
	for _, d := range ds.openDays() {
		wk := d.Date.StartOfWeek()
		if _, ok := weeks[wk]; !ok {
			order = append(order, wk)
		}
		weeks[wk] = append(weeks[wk], d)
	}
	for _, c := range ds.classes {
		for _, wk := range order {
			days := weeks[wk]
			need := min(ds.policy.ServiceDaysPerWeek, len(days))
			served := 0
			var without []calendar.Day
			for _, d := range days {
				if ds.regularMinutes(c.ID, d.Date) > 0 {
					served++
				} else {
					without = append(without, d)
				}
			}
			if served >= need {
				continue
			}
			for _, d := range without {
				out = append(out, dayViolation(RuleServiceDays, d.Date, c.ID, dec(served), dec(need), UnitDays,
					fmt.Sprintf("%s %s 班级 %s 无课后服务（本周 %d/%d 天）/ class %s has no service on %s %s (%d of %d days this week)",
						d.Date, d.Weekday.Chinese(), c.ID, served, need, c.ID, d.Weekday, d.Date, served, need)))
			}
		}
	}
	return out
}

// checkMinMinutes: on each open school day with service, a class gets at
// least MinMinutesPerDay minutes of regular service (basic care and
// enrichment; delivered minutes when recorded). Lunch care, extended care and
// evening study do not count. Days without any service are left to
// checkServiceDays.
func checkMinMinutes(ds *dataset) []Violation {
	limit := ds.policy.MinMinutesPerDay
	if limit == 0 {
		return nil
	}
	var out []Violation
	for _, c := range ds.classes {
		for _, d := range ds.openDays() {
			m := ds.regularMinutes(c.ID, d.Date)
			if m == 0 || m >= limit {
				continue
			}
			out = append(out, dayViolation(RuleMinMinutes, d.Date, c.ID, dec(m), dec(limit), UnitMinutes,
				fmt.Sprintf("%s %s 班级 %s 课后服务 %d 分钟，少于 %d 分钟 / class %s had %d minutes of service on %s %s, less than %d",
					d.Date, d.Weekday.Chinese(), c.ID, m, limit, c.ID, m, d.Weekday, d.Date, limit)))
		}
	}
	return out
}

// checkEndTime: on each open school day with service, a class's regular
// service ends no earlier than the off-work time (the planned end of its last
// held regular session).
func checkEndTime(ds *dataset) []Violation {
	var out []Violation
	off := ds.policy.OffWork
	for _, c := range ds.classes {
		for _, d := range ds.openDays() {
			end, held := calendar.TimeOfDay(0), false
			for _, s := range ds.sessions[classDay{c.ID, d.Date}] {
				if s.Kind.regular() && !s.Cancelled {
					end, held = max(end, s.End), true
				}
			}
			if !held || end >= off {
				continue
			}
			out = append(out, dayViolation(RuleEndTime, d.Date, c.ID, tod(end), tod(off), UnitTimeOfDay,
				fmt.Sprintf("%s %s 班级 %s 课后服务 %s 结束，早于下班时间 %s / class %s's service ended at %s on %s %s, before the off-work time %s",
					d.Date, d.Weekday.Chinese(), c.ID, end, off, c.ID, end, d.Weekday, d.Date, off)))
		}
	}
	return out
}

// capViolations reports held sessions of kind that end after limit (00:00
// means no cap).
func capViolations(ds *dataset, kind ItemKind, limit calendar.TimeOfDay, rule Rule, zh, en string) []Violation {
	if limit == 0 {
		return nil
	}
	var out []Violation
	for _, c := range ds.classes {
		for _, d := range ds.days {
			for _, s := range ds.sessions[classDay{c.ID, d.Date}] {
				if s.Kind != kind || s.Cancelled || s.End <= limit {
					continue
				}
				out = append(out, dayViolation(rule, d.Date, c.ID, tod(s.End), tod(limit), UnitTimeOfDay,
					fmt.Sprintf("%s %s 班级 %s %s %s 结束，晚于 %s / class %s's %s ended at %s on %s %s, after the cap %s",
						d.Date, d.Weekday.Chinese(), c.ID, zh, s.End, limit, c.ID, en, s.End, d.Weekday, d.Date, limit)))
			}
		}
	}
	return out
}

// checkExtendedCareCap: extended care (延时) ends by the evening care cap.
// Ending exactly at the cap is allowed.
func checkExtendedCareCap(ds *dataset) []Violation {
	return capViolations(ds, ItemExtendedCare, ds.policy.EveningCareCap, RuleExtendedCareCap, "延时托管", "extended care")
}

// checkEveningStudyCap: evening study (晚自习) ends by its cap.
func checkEveningStudyCap(ds *dataset) []Violation {
	return capViolations(ds, ItemEveningStudy, ds.policy.EveningStudyCap, RuleEveningStudyCap, "晚自习", "evening study")
}

// checkEveningStudyStage: evening study is only for junior middle grades (a
// junior middle school, or grades 7–9 of a nine-year school); one violation
// per class and date.
func checkEveningStudyStage(ds *dataset) []Violation {
	var out []Violation
	for _, c := range ds.classes {
		if ds.stage == StageJuniorMiddle || (ds.stage == StageNineYear && c.junior()) {
			continue
		}
		for _, d := range ds.days {
			for _, s := range ds.sessions[classDay{c.ID, d.Date}] {
				if s.Kind != ItemEveningStudy || s.Cancelled {
					continue
				}
				out = append(out, dayViolation(RuleEveningStudyStage, d.Date, c.ID, dec(c.Grade), dec(7), UnitGrade,
					fmt.Sprintf("%s %s 班级 %s（%d 年级）安排了晚自习，晚自习仅限初中 / class %s (grade %d) has evening study on %s %s; evening study is for junior middle grades only",
						d.Date, d.Weekday.Chinese(), c.ID, c.Grade, c.ID, c.Grade, d.Weekday, d.Date)))
				break
			}
		}
	}
	return out
}

// checkMaxPeriods: a class's regular service on a day is at most
// MaxPeriodsPerDay periods, counting minutes pro rata by the stage's period
// length (0 means no cap). Extended care, lunch care and evening study are
// capped by time instead and do not count.
func checkMaxPeriods(ds *dataset) []Violation {
	limit := ds.policy.MaxPeriodsPerDay
	if limit == 0 {
		return nil
	}
	var out []Violation
	for _, c := range ds.classes {
		per := ds.periodMinutes(c)
		for _, d := range ds.openDays() {
			m := ds.regularMinutes(c.ID, d.Date)
			if m <= limit*per {
				continue
			}
			got := dec(m).DivRound(dec(per), 2)
			out = append(out, dayViolation(RuleMaxPeriods, d.Date, c.ID, got, dec(limit), UnitPeriods,
				fmt.Sprintf("%s %s 班级 %s 课后服务 %s 课时（每课时 %d 分钟），超过 %d 课时 / class %s had %s periods of %d minutes on %s %s, more than %d",
					d.Date, d.Weekday.Chinese(), c.ID, got, per, limit, c.ID, got, per, d.Weekday, d.Date, limit)))
		}
	}
	return out
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
	if total == 0 || !dec(outside).GreaterThan(limit.Mul(dec(total))) {
		return Violation{}, false
	}
	got := dec(outside).DivRound(dec(total), 4)
	return Violation{Rule: RuleOutsideShare, Got: got, Limit: limit, Unit: UnitShare,
		Message: fmt.Sprintf("%s：第三方机构承担 %d/%d 节社团课（%s），超过上限 %s / %s: outside institutions ran %d of %d club sessions (%s), above the cap %s",
			zh, outside, total, got, limit, en, outside, total, got, limit)}, true
}
