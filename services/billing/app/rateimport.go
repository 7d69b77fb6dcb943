package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	imports "github.com/kehou/kehou/services/platform/importjob"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/shopspring/decimal"
)

// The rate table layout's columns: one row per rule (课酬规则), per time
// block of a per-minute rule (时段), per duty multiplier (职责系数), and
// for the class-teacher allowance (班主任津贴), the management share (管理费)
// and each cap (封顶); the rows of a version share its natural key
// (学校编号, 生效日期, 文号).
const (
	rcType = iota
	rcID
	rcSchool
	rcFrom
	rcDoc
	rcTo
	rcName
	rcRounding
	rcRule
	rcRuleName
	rcStaffKinds
	rcRoles
	rcUnit
	rcRate
	rcWeekendRate
	rcStart
	rcEnd
	rcThreshold
	rcExtra
	rcTreatment
	rcDuty
	rcMultiplier
	rcPerMonth
	rcPerStudent
	rcShare
	rcCapMonth
	rcCapTerm
)

var (
	rateRowTypes = []choice{{"rule", "课酬规则"}, {"block", "时段"}, {"multiplier", "职责系数"}, {"class_teacher", "班主任津贴"},
		{"management", "管理费"}, {"cap", "封顶"}}
	staffKindChoices = []choice{{"teacher", "校内教师"}, {"outside_instructor", "校外人员"}, {"admin", "管理人员"}}
	roleChoices      = []choice{{"supervisor", "看护教师"}, {"instructor", "授课教师"}, {"extra_adult", "辅助人员"}, {"patrol", "巡查人员"}}
	payUnits         = []choice{{string(pay.PerPeriod), "每课时"}, {string(pay.PerMinute), "每分钟"}, {string(pay.PerDay), "每天"}}
	treatmentChoices = []choice{{string(pay.OutsideTotal), "不纳入绩效工资总量"}, {string(pay.SeparateIncrement), "单独核定增量"}, {string(pay.LabourFee), "劳务费"}}
	dutyChoices      = []choice{{pay.DutyTaught, "授课"}, {pay.DutySubstituteCover, "代课"}, {pay.DutySupervisionOnly, "看护"}, {pay.DutyPatrol, "巡查"}}
)

// rateColumns is the rate table (课酬标准) layout.
var rateColumns = []column{
	col("记录类型", "Row type", true, false, choicesText(rateRowTypes)),
	col("标准编号", "Rate table id", false, true, "本区县唯一；新标准必填，已有标准可留空（按学校、生效日期和文号匹配） / unique in the district; required for a new table"),
	col("学校编号", "School id", false, false, "留空为全区县标准 / empty for a district-wide table"),
	col("生效日期", "Effective from", true, false, "2026-09-01"),
	col("文号", "Document number", true, false, "发布文件的文号 / the notice's document number"),
	col("失效日期", "Effective to", false, true, "留空为长期有效 / empty for open-ended"),
	col("标准名称", "Name", false, true, "如 课后服务课酬标准"),
	col("舍入规则", "Rounding rule", false, true, "留空为四舍五入 / empty is half_up: "+choicesText(roundingRules)),
	col("规则编号", "Rule id", true, false, "本标准内唯一；时段行填所属课酬规则的编号 / unique in the table; a block row names its rule"),
	col("规则名称", "Rule name", false, false, "如 课后服务课酬"),
	col("人员类别", "Staff kinds", false, false, "留空为全部，多个用、分隔；封顶行填一个: "+choicesText(staffKindChoices)),
	col("岗位", "Roles", false, false, "留空为全部，多个用、分隔: "+choicesText(roleChoices)),
	col("计酬单位", "Unit", false, false, choicesText(payUnits)),
	col("单价", "Rate", false, false, "元/课时、元/天，或时段行的元/分钟"),
	col("节假日单价", "Weekend holiday rate", false, false, "留空同单价 / empty: the rate"),
	col("开始时间", "Start", false, false, "HH:MM：按分钟规则的时间窗，或时段的开始"),
	col("结束时间", "End", false, false, "HH:MM（可为 24:00）"),
	col("班额基数", "Class size threshold", false, false, "超过此人数的每名学生加价"),
	col("超额每生加价", "Extra per student", false, false, "元/生/课时（按天规则为元/生/天）"),
	col("列支类别", "Treatment", false, false, choicesText(treatmentChoices)),
	col("职责", "Duty", false, false, "职责系数行: "+choicesText(dutyChoices)),
	col("系数", "Multiplier", false, false, "0–10，如 0.5；未列出的职责为 1"),
	col("每月金额", "Per month", false, false, "班主任津贴每月金额（元）"),
	col("每生每月", "Per student", false, false, "班主任津贴每生每月（元）"),
	col("管理费比例", "Share", false, false, "0–1，如 0.05"),
	col("每月上限", "Cap per month", false, false, "封顶：每人每月（元）"),
	col("每学期上限", "Cap per term", false, false, "封顶：每人每学期（元）"),
}

var (
	rateVersionFields = map[string]int{"rate_table_id": rcID, "district_id": rcSchool, "school_id": rcSchool, "document_no": rcDoc,
		"effective_from": rcFrom, "effective_to": rcTo, "rounding": rcRounding, "rules": rcType}
	rateRuleFields = map[string]int{"rule_id": rcRule, "staff_kinds": rcStaffKinds, "roles": rcRoles, "treatment": rcTreatment,
		"extra_per_student": rcExtra, "class_size_threshold": rcThreshold, "rate": rcRate, "weekend_holiday_rate": rcWeekendRate,
		"blocks": rcStart, "window": rcStart, "unit": rcUnit}
	rateBlockFields   = map[string]int{"": rcStart, "rate": rcRate, "weekend_holiday_rate": rcWeekendRate}
	rateTeacherFields = map[string]int{"rule_id": rcRule, "per_month": rcPerMonth, "per_student": rcPerStudent, "treatment": rcTreatment}
	rateManagerFields = map[string]int{"rule_id": rcRule, "share": rcShare, "treatment": rcTreatment}
	rateCapFields     = map[string]int{"": rcCapMonth, "rule_id": rcRule, "staff_kind": rcStaffKinds, "per_month": rcCapMonth, "per_term": rcCapTerm}
	blockField        = regexp.MustCompile(`^rules\[(\d+)\]\.blocks\[(\d+)\]\.?(.*)$`)
	multiplierField   = regexp.MustCompile(`^multipliers\.(.*)$`)
	sectionField      = regexp.MustCompile(`^(class_teacher|management)\.(.*)$`)
)

// rateVersion is a rate table read from a file with the line of each part.
type rateVersion struct {
	g            *rowSet
	t            pay.RateTable
	rules        []int
	blocks       [][]int // per rule, in start order
	multipliers  map[string]int
	teacher, mgr int
	caps         []int
	old          *pay.RateTable
	lines        map[string]int
}

// clockOf parses "HH:MM" (or "HH:MM:SS") from 00:00 to 24:00, the
// CreateRateTable conversion's clock.
func clockOf(c *cells, col int, required bool) int {
	s := c.str(col)
	if s == "" {
		if required {
			c.reject(col, `is required: a clock time "HH:MM"`, "必填：时间，写成 15:30")
		}
		return 0
	}
	if len(s) == 8 && strings.HasSuffix(s, ":00") {
		s = s[:5]
	}
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		c.reject(col, `not a clock time "HH:MM" from 00:00 to 24:00`, "不是有效时间：请写成 15:30（00:00 到 24:00）")
		return 0
	}
	return hh*60 + mm
}

func clockCell(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func codes(c *cells, col int, cs []choice) []string {
	var out []string
	for _, s := range c.list(col) {
		v, _ := choiceOf(cs, s)
		out = append(out, v)
	}
	return out
}

func codesZh(cs []choice, vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = choiceZh(cs, v)
	}
	return strings.Join(out, "、")
}

// readRateVersion turns a version's rows into the rate table
// CreateRateTable would build from the same values (half_up by default, a
// rate required unless per minute, a per-minute rule's window and its
// blocks' times and rates required).
func readRateVersion(rep *imports.Report, g *rowSet, o ImportOptions) (v *rateVersion, clean, ok bool) {
	h := headCells(rep, rateColumns, g)
	start := rep.Rejected
	first := rowCells(rep, rateColumns, g.rows[0])
	v = &rateVersion{g: g, multipliers: map[string]int{}, lines: map[string]int{}}
	t := &v.t
	t.ID, t.Name = h.str(rcID), h.str(rcName)
	t.Scope = fee.Scope{DistrictID: o.DistrictID}
	t.EffectiveFrom, t.DocumentNo, t.EffectiveTo = first.date(rcFrom), first.str(rcDoc), h.date(rcTo)
	t.Rounding = money.RoundingRule(h.code(rcRounding, roundingRules))
	if t.Rounding == "" {
		t.Rounding = money.HalfUp
	}
	school, ok := schoolInUpload(first, rcSchool, o)
	if !ok {
		return v, false, false
	}
	t.Scope.SchoolID = school
	type pending struct {
		c    *cells
		line int
		b    pay.Block
	}
	var blocks []pending
	for _, r := range g.rows {
		c := rowCells(rep, rateColumns, r)
		id := c.str(rcRule)
		typ, known := choiceOf(rateRowTypes, c.str(rcType))
		key := typ + ":" + id
		switch {
		case !known:
			c.reject(rcType, "must be "+choicesText(rateRowTypes), "应为："+choicesText(rateRowTypes))
		case typ == "rule":
			pr := pay.Rule{RuleID: id, Name: c.str(rcRuleName), StaffKinds: codes(c, rcStaffKinds, staffKindChoices),
				Roles: codes(c, rcRoles, roleChoices), Unit: pay.Unit(c.code(rcUnit, payUnits)), Rate: c.dec(rcRate),
				WeekendHolidayRate: c.nullDec(rcWeekendRate), ClassSizeThreshold: c.integer(rcThreshold), ExtraPerStudent: c.dec(rcExtra),
				Treatment: pay.Treatment(c.code(rcTreatment, treatmentChoices))}
			if pr.Unit == pay.PerMinute {
				pr.WindowFrom, pr.WindowTo = clockOf(c, rcStart, true), clockOf(c, rcEnd, true)
			} else if c.str(rcRate) == "" {
				c.reject(rcRate, "is required: a decimal number", "必填：单价（按分钟的规则除外）")
			}
			t.Rules = append(t.Rules, pr)
			v.rules = append(v.rules, r.Line)
		case typ == "block":
			b := pay.Block{From: clockOf(c, rcStart, true), To: clockOf(c, rcEnd, true), WeekendHolidayRate: c.nullDec(rcWeekendRate)}
			if c.str(rcRate) == "" {
				c.reject(rcRate, "is required: a decimal number", "必填：每分钟单价")
			}
			b.Rate = c.dec(rcRate)
			blocks = append(blocks, pending{c: c, line: r.Line, b: b})
			key = "block:" + id + "@" + clockCell(b.From)
		case typ == "multiplier":
			duty, _ := choiceOf(dutyChoices, c.str(rcDuty))
			key = "multiplier:" + duty
			if prev, dup := v.multipliers[duty]; dup {
				c.reject(rcDuty, fmt.Sprintf("the same duty as row %d", prev), fmt.Sprintf("与第 %d 行的职责重复", prev))
				break
			}
			if t.Multipliers == nil {
				t.Multipliers = map[string]decimal.Decimal{}
			}
			if c.str(rcMultiplier) == "" {
				c.reject(rcMultiplier, "is required: a decimal number", "必填：系数")
			}
			t.Multipliers[duty], v.multipliers[duty] = c.dec(rcMultiplier), r.Line
		case typ == "class_teacher":
			if v.teacher != 0 {
				c.reject(rcType, fmt.Sprintf("a table has one class-teacher allowance (row %d)", v.teacher), fmt.Sprintf("每个标准只有一项班主任津贴（第 %d 行）", v.teacher))
				break
			}
			t.ClassTeacher = &pay.ClassTeacherAllowance{RuleID: id, PerMonth: c.dec(rcPerMonth), PerStudent: c.dec(rcPerStudent),
				Treatment: pay.Treatment(c.code(rcTreatment, treatmentChoices))}
			v.teacher = r.Line
		case typ == "management":
			if v.mgr != 0 {
				c.reject(rcType, fmt.Sprintf("a table has one management share (row %d)", v.mgr), fmt.Sprintf("每个标准只有一项管理费（第 %d 行）", v.mgr))
				break
			}
			if c.str(rcShare) == "" {
				c.reject(rcShare, "is required: a decimal number", "必填：管理费比例")
			}
			t.Management = &pay.ManagementShare{RuleID: id, Share: c.dec(rcShare), Treatment: pay.Treatment(c.code(rcTreatment, treatmentChoices))}
			v.mgr = r.Line
		case typ == "cap":
			kind, _ := choiceOf(staffKindChoices, c.str(rcStaffKinds))
			t.Caps = append(t.Caps, pay.Cap{RuleID: id, StaffKind: kind, PerMonth: c.nullDec(rcCapMonth), PerTerm: c.nullDec(rcCapTerm)})
			v.caps = append(v.caps, r.Line)
		}
		if known {
			v.lines[key] = r.Line
		}
	}
	// Blocks join their rule, in start order (the order the validation
	// names them in).
	slices.SortStableFunc(blocks, func(a, b pending) int { return cmp.Compare(a.b.From, b.b.From) })
	v.blocks = make([][]int, len(t.Rules))
	for _, b := range blocks {
		i := slices.IndexFunc(t.Rules, func(r pay.Rule) bool { return r.RuleID == b.c.str(rcRule) && r.Unit == pay.PerMinute })
		if i < 0 {
			b.c.reject(rcRule, "no per-minute rule with this id in the table", "本标准没有这个编号的按分钟课酬规则")
			continue
		}
		t.Rules[i].Blocks = append(t.Rules[i].Blocks, b.b)
		v.blocks[i] = append(v.blocks[i], b.line)
	}
	return v, rep.Rejected == start && !g.conflict, true
}

// rateRows is a rate table as the layout's rows: rules (each per-minute
// rule followed by its blocks), multipliers, the allowances and the caps.
func rateRows(t pay.RateTable) []keyed {
	base := func(typ, id string) []string {
		out := make([]string, len(rateColumns))
		out[rcType], out[rcSchool], out[rcFrom], out[rcDoc], out[rcRule] = choiceZh(rateRowTypes, typ), t.Scope.SchoolID, t.EffectiveFrom.String(), t.DocumentNo, id
		return out
	}
	var rows []keyed
	for _, r := range t.Rules {
		c := base("rule", r.RuleID)
		c[rcRuleName], c[rcStaffKinds], c[rcRoles] = r.Name, codesZh(staffKindChoices, r.StaffKinds), codesZh(roleChoices, r.Roles)
		c[rcUnit], c[rcWeekendRate], c[rcTreatment] = choiceZh(payUnits, string(r.Unit)), nullDecCell(r.WeekendHolidayRate), choiceZh(treatmentChoices, string(r.Treatment))
		if r.Unit == pay.PerMinute {
			c[rcStart], c[rcEnd] = clockCell(r.WindowFrom), clockCell(r.WindowTo)
		} else {
			c[rcRate] = r.Rate.String()
		}
		c[rcThreshold], c[rcExtra] = intCell(r.ClassSizeThreshold), decCell(r.ExtraPerStudent)
		rows = append(rows, keyed{id: "rule:" + r.RuleID, cells: c})
		bs := slices.Clone(r.Blocks)
		slices.SortStableFunc(bs, func(a, b pay.Block) int { return cmp.Compare(a.From, b.From) })
		for _, b := range bs {
			c := base("block", r.RuleID)
			c[rcStart], c[rcEnd], c[rcRate], c[rcWeekendRate] = clockCell(b.From), clockCell(b.To), b.Rate.String(), nullDecCell(b.WeekendHolidayRate)
			rows = append(rows, keyed{id: "block:" + r.RuleID + "@" + clockCell(b.From), cells: c})
		}
	}
	for _, d := range slices.Sorted(func(yield func(string) bool) {
		for k := range t.Multipliers {
			if !yield(k) {
				return
			}
		}
	}) {
		c := base("multiplier", "")
		c[rcDuty], c[rcMultiplier] = choiceZh(dutyChoices, d), t.Multipliers[d].String()
		rows = append(rows, keyed{id: "multiplier:" + d, cells: c})
	}
	if a := t.ClassTeacher; a != nil {
		c := base("class_teacher", a.RuleID)
		c[rcPerMonth], c[rcPerStudent], c[rcTreatment] = a.PerMonth.String(), a.PerStudent.String(), choiceZh(treatmentChoices, string(a.Treatment))
		rows = append(rows, keyed{id: "class_teacher:" + a.RuleID, cells: c})
	}
	if m := t.Management; m != nil {
		c := base("management", m.RuleID)
		c[rcShare], c[rcTreatment] = m.Share.String(), choiceZh(treatmentChoices, string(m.Treatment))
		rows = append(rows, keyed{id: "management:" + m.RuleID, cells: c})
	}
	for _, cp := range t.Caps {
		c := base("cap", cp.RuleID)
		c[rcStaffKinds], c[rcCapMonth], c[rcCapTerm] = choiceZh(staffKindChoices, cp.StaffKind), nullDecCell(cp.PerMonth), nullDecCell(cp.PerTerm)
		rows = append(rows, keyed{id: "cap:" + cp.RuleID, cells: c})
	}
	if len(rows) > 0 {
		rows[0].cells[rcID], rows[0].cells[rcTo], rows[0].cells[rcName] = t.ID, t.EffectiveTo.String(), t.Name
		rows[0].cells[rcRounding] = choiceZh(roundingRules, string(t.Rounding))
	}
	return rows
}

// reject reports a validation error of a version on the row and column of
// each field it names.
func (v *rateVersion) reject(rep *imports.Report, err error) {
	first := v.g.rows[0].Line
	vs, ok := violationsOf(err)
	if !ok {
		reason, zh := err.Error(), "不符合规则："+err.Error()
		if errors.Is(err, fault.ErrNotFound) {
			reason, zh = "no such school in the district", "本区县没有这所学校"
		}
		rep.Reject(imports.RowError{Row: first, Column: rateColumns[rcSchool].Chinese, Value: cellAt(v.g, first, rcSchool), Reason: reason, ReasonZh: zh})
		return
	}
	for _, viol := range vs {
		line, c := first, rcType
		at := func(lines []int, i int, by map[string]int, rest string) {
			if i < len(lines) {
				line = lines[i]
			}
			if k, found := by[rest]; found {
				c = k
			} else {
				c = rcRule
			}
		}
		if m := blockField.FindStringSubmatch(viol.Field); m != nil {
			i, _ := strconv.Atoi(m[1])
			j, _ := strconv.Atoi(m[2])
			if i < len(v.blocks) {
				at(v.blocks[i], j, rateBlockFields, m[3])
			}
		} else if m := multiplierField.FindStringSubmatch(viol.Field); m != nil {
			line, c = v.multipliers[m[1]], rcMultiplier
		} else if m := sectionField.FindStringSubmatch(viol.Field); m != nil {
			if m[1] == "class_teacher" {
				at([]int{v.teacher}, 0, rateTeacherFields, m[2])
			} else {
				at([]int{v.mgr}, 0, rateManagerFields, m[2])
			}
		} else {
			list, i, rest := splitField(viol.Field)
			switch list {
			case "rules":
				at(v.rules, i, rateRuleFields, rest)
			case "caps":
				at(v.caps, i, rateCapFields, rest)
			default:
				if k, found := rateVersionFields[rest]; found {
					c = k
					if rateColumns[k].version {
						line = v.g.headAt[k]
					}
				}
			}
		}
		if line == 0 {
			line = first
		}
		if !reported(rep, line, rateColumns[c].Chinese) {
			rep.Reject(imports.RowError{Row: line, Column: rateColumns[c].Chinese, Value: cellAt(v.g, line, c), Reason: viol.Reason, ReasonZh: reasonZh(viol.Reason)})
		}
	}
}

// importRates reads a rate table file, checks every version with
// CreateRateTable's rules (Remuneration.checkRateTable, then the store's
// overlap check under the same lock) and writes the new and changed
// versions in one transaction, or none.
func (im *Imports) importRates(ctx context.Context, rd *sheet.Reader, o ImportOptions, rep *imports.Report, progress func(float64)) error {
	groups, err := groupRows(rd, rateColumns, []int{rcSchool, rcFrom, rcDoc}, rep, maxImportRows, "rate table", "课酬标准")
	if err != nil {
		return err
	}
	progress(0.5)
	all, err := im.rates.store.ListRateTables(ctx, o.DistrictID, "")
	if err != nil {
		return err
	}
	match := newVersionMatch(all, func(t pay.RateTable) versionMeta {
		return versionMeta{ID: t.ID, Version: t.Version, Scope: t.Scope, From: t.EffectiveFrom, Document: t.DocumentNo}
	}, "rate table", rateColumns[rcID].Chinese, rateColumns[rcSchool].Chinese)
	same := func(a, b pay.RateTable) bool {
		return slices.EqualFunc(rateRows(a), rateRows(b), func(x, y keyed) bool { return x.id == y.id && slices.Equal(x.cells, y.cells) })
	}
	var writes []*rateVersion
	for _, g := range groups {
		v, clean, ok := readRateVersion(rep, g, o)
		if !ok {
			continue
		}
		old, ok := match.continues(rep, g.rows[0].Line, v.t, &v.t.ID)
		if !ok {
			continue
		}
		v.old = old
		if err := im.rates.checkRateTable(ctx, v.t); err != nil {
			if _, ok := violationsOf(err); !ok && !errors.Is(err, fault.ErrNotFound) {
				return err
			}
			v.reject(rep, err)
			continue
		}
		if !clean {
			continue
		}
		if old != nil && same(*old, v.t) {
			rep.Unchanged += len(g.rows)
			continue
		}
		writes = append(writes, v)
	}
	progress(0.8)
	ts := make([]pay.RateTable, len(writes))
	for i, v := range writes {
		ts[i] = v.t
	}
	_, err = im.store.MergeRateTables(ctx, ts, func(errs []error) bool {
		for i, v := range writes {
			if errs[i] != nil {
				v.reject(rep, errs[i])
				continue
			}
			if v.old == nil {
				rep.New += len(v.g.rows)
				continue
			}
			diffVersion(rep, rateColumns, v.t.ID, rateRows(*v.old), rateRows(v.t), v.lines, v.g.rows[0].Line)
		}
		return rep.Rejected == 0 && !o.DryRun
	})
	if err != nil {
		return err
	}
	slices.SortFunc(rep.Errors, func(x, y imports.RowError) int { return x.Row - y.Row })
	rep.Applied = rep.Rejected == 0 && !o.DryRun
	return nil
}
