package app

import (
	"context"
	"errors"
	imports "github.com/kehou/kehou/services/platform/importjob"
	"slices"
	"strings"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/money"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/shopspring/decimal"
)

// The fee schedule layout's columns. A file has one row per item, subsidy
// and waiver of each schedule version (记录类型); the rows of a version
// share its natural key (学校编号, 生效日期, 文号) and the version-wide
// cells are filled once, on its first row.
const (
	fcType = iota
	fcID
	fcSchool
	fcFrom
	fcDoc
	fcTo
	fcBilling
	fcRounding
	fcDaysPerMonth
	fcMonthsPerTerm
	fcTermsPerYear
	fcProrationID
	fcProration
	fcChargeLeave
	fcWithdrawalMonths
	fcWithdrawalRefund
	fcBoundary
	fcMonthWeight
	fcRule
	fcName
	fcKind
	fcUnit
	fcRate
	fcWeekendRate
	fcSurcharge
	fcCapDay
	fcCapMonth
	fcCapTerm
	fcFree
	fcMeal
	fcOnBehalf
	fcProvider
	fcTimetable
	fcSubsidyKind
	fcAmount
	fcPercent
	fcItems
	fcPayers
	fcRatioWhole
	fcCategory
	fcApproval
	fcPayer
)

var (
	feeRowTypes   = []choice{{"item", "收费项目"}, {"subsidy", "补助"}, {"waiver", "减免"}}
	billingModes  = []choice{{string(fee.PrepaidTerm), "按学期预收"}, {string(fee.Monthly), "按月收费"}, {string(fee.AfterService), "服务后结算"}}
	roundingRules = []choice{{string(money.HalfUp), "四舍五入"}, {string(money.HalfEven), "银行家舍入"}, {string(money.Down), "舍去"}, {string(money.Up), "进一"}}
	prorations    = []choice{{string(fee.Exact), "据实计费"}, {string(fee.HalfMonth), "满半月"}, {string(fee.ContinuousAbsence), "连续缺勤"},
		{string(fee.EarlyWithdrawal), "提前退出"}, {string(fee.FirstMonthOnly), "仅首月"}}
	boundaries   = []choice{{string(fee.Inclusive), "含临界值"}, {string(fee.Exclusive), "不含临界值"}}
	monthWeights = []choice{{string(fee.MonthlyRate), "按月价"}, {string(fee.SchoolDays), "按上学天数"}}
	serviceKinds = []choice{{string(fee.BasicCare), "基础托管"}, {string(fee.Enrichment), "兴趣拓展"}, {string(fee.LunchCare), "午托"},
		{string(fee.ExtendedCare), "延时托管"}, {string(fee.EveningStudy), "晚自习"}, {string(fee.WeekendCare), "周末托管"}}
	chargingUnits = []choice{{string(fee.PerPeriod), "每课时"}, {string(fee.PerSession), "每次"}, {string(fee.PerDay), "每天"},
		{string(fee.PerMonth), "每月"}, {string(fee.PerTerm), "每学期"}}
	subsidyKinds = []choice{{string(fee.PerStudentDay), "每生每天"}, {string(fee.PerStudentMonth), "每生每月"}, {string(fee.PerStudentTerm), "每生每学期"},
		{string(fee.PerStudentYear), "每生每学年"}, {string(fee.PerStudentPeriod), "每生每课时"}, {string(fee.PercentOfCost), "按成本比例"},
		{string(fee.Shortfall), "补足成本"}}
	hardships = []choice{{string(fee.JiandangLika), "建档立卡"}, {string(fee.Dibao), "低保"}, {string(fee.Tekun), "特困"},
		{string(fee.Orphan), "孤儿"}, {string(fee.Disabled), "残疾"}, {string(fee.PovertyRisk), "防返贫监测"}, {string(fee.SuddenHardship), "突发困难"}}
)

func col(zh, en string, required, version bool, allowed string) column {
	return column{Field: sheet.Field{Chinese: zh, English: en, Required: required}, version: version, allowed: allowed}
}

// feeColumns is the fee schedule (收费标准) layout: import template, export
// and the headers an upload must have (Chinese, or the English name).
var feeColumns = []column{
	col("记录类型", "Row type", true, false, choicesText(feeRowTypes)),
	col("标准编号", "Schedule id", false, true, "本区县唯一；新标准必填，已有标准可留空（按学校、生效日期和文号匹配） / unique in the district; required for a new schedule"),
	col("学校编号", "School id", false, false, "留空为全区县标准 / empty for a district-wide schedule"),
	col("生效日期", "Effective from", true, false, "2026-09-01"),
	col("文号", "Document number", true, false, "发布文件的文号 / the notice's document number"),
	col("失效日期", "Effective to", false, true, "留空为长期有效 / empty for open-ended"),
	col("计费方式", "Billing mode", false, true, choicesText(billingModes)),
	col("舍入规则", "Rounding rule", false, true, "留空为四舍五入 / empty is half_up: "+choicesText(roundingRules)),
	col("每月服务天数", "Days per month", false, true, "如 22 / e.g. 22"),
	col("每学期月数", "Months per term", false, true, "如 4.5 / e.g. 4.5"),
	col("每学年学期数", "Terms per year", false, true, "1–4，按学年补助时必填 / 1-4, required by a per-year subsidy"),
	col("退费规则编号", "Proration rule id", false, true, "如 proration / e.g. proration"),
	col("退费规则", "Proration", false, true, choicesText(prorations)),
	col("请假计费", "Charge leave", false, true, "是 / 否（仅据实计费）"),
	col("退出月数", "Withdrawal months", false, true, "1–12（仅提前退出）"),
	col("退费比例", "Withdrawal refund", false, true, "0–1（仅提前退出）"),
	col("临界值", "Boundary", false, true, "留空为默认 / empty is the default: "+choicesText(boundaries)),
	col("月份计价", "Month weight", false, true, "留空为按月价（仅满半月）: "+choicesText(monthWeights)),
	col("规则编号", "Rule id", true, false, "本标准内唯一 / unique in the schedule"),
	col("名称", "Name", false, false, "如 基础托管服务费"),
	col("服务类型", "Service kind", false, false, choicesText(serviceKinds)),
	col("计费单位", "Unit", false, false, choicesText(chargingUnits)),
	col("单价", "Rate", false, false, "元，最多 4 位小数；免费或餐费据实可留空 / yuan"),
	col("节假日单价", "Weekend holiday rate", false, false, "留空同单价 / empty: the rate"),
	col("兴趣课附加费", "Enrichment surcharge", false, false, "元（仅兴趣拓展）"),
	col("每日上限", "Cap per day", false, false, "元，留空为不封顶"),
	col("每月上限", "Cap per month", false, false, "元，留空为不封顶"),
	col("每学期上限", "Cap per term", false, false, "元，留空为不封顶"),
	col("免费", "Free", false, false, "是 / 否"),
	col("餐费据实", "Meal pass through", false, false, "是 / 否"),
	col("代收代付", "Collected on behalf", false, false, "是 / 否"),
	col("收款方", "Provider id", false, false, "代收代付的收款方编号"),
	col("对应课程", "Timetable items", false, false, "课表服务项目编号，多个用、分隔"),
	col("补助类型", "Subsidy kind", false, false, choicesText(subsidyKinds)),
	col("金额", "Amount", false, false, "元/生（按人补助）"),
	col("比例", "Percent", false, false, "0–1：按成本比例补助的比例，或减免比例"),
	col("适用项目", "Items", false, false, "收费项目的规则编号，多个用、分隔；留空为全部"),
	col("分担方", "Payers", false, false, "分担方编号:比例，多个用、分隔，如 city-finance:4、district-finance:6"),
	col("比例合计", "Ratio whole", false, false, "填写时各比例之和须等于它，如 10"),
	col("困难类别", "Hardship category", false, false, choicesText(hardships)),
	col("需审核", "Requires approval", false, false, "是 / 否"),
	col("承担方", "Payer id", false, false, "承担减免金额的政府付款方编号"),
}

// feeFields maps the validators' field names to the layout's columns: the
// version-wide fields, then those of an item, a subsidy and a waiver.
var (
	feeVersionFields = map[string]int{"id": fcID, "version": fcID, "scope.district_id": fcSchool, "school_id": fcSchool,
		"document_no": fcDoc, "effective_from": fcFrom, "effective_to": fcTo, "rounding_rule": fcRounding, "billing_mode": fcBilling,
		"calendar.days_per_month": fcDaysPerMonth, "calendar.months_per_term": fcMonthsPerTerm, "calendar.terms_per_year": fcTermsPerYear,
		"proration.rule_id": fcProrationID, "proration.kind": fcProration, "proration.charge_leave": fcChargeLeave,
		"proration.withdrawal_months": fcWithdrawalMonths, "proration.withdrawal_refund": fcWithdrawalRefund,
		"proration.boundary": fcBoundary, "proration.month_weight": fcMonthWeight, "items": fcType}
	feeItemFields = map[string]int{"rule_id": fcRule, "name": fcName, "kind": fcKind, "unit": fcUnit, "rate": fcRate,
		"weekend_holiday_rate": fcWeekendRate, "enrichment_surcharge": fcSurcharge, "cap_per_day": fcCapDay, "cap_per_month": fcCapMonth,
		"cap_per_term": fcCapTerm, "free": fcFree, "meal_pass_through": fcMeal, "collected_on_behalf": fcOnBehalf, "provider_id": fcProvider,
		"timetable_items": fcTimetable}
	feeSubsidyFields = map[string]int{"rule_id": fcRule, "kind": fcSubsidyKind, "amount": fcAmount, "percent": fcPercent, "items": fcItems,
		"payers": fcPayers, "payers.payer_id": fcPayers, "payers.ratio": fcPayers, "ratio_whole": fcRatioWhole}
	feeWaiverFields = map[string]int{"rule_id": fcRule, "category": fcCategory, "percent": fcPercent, "requires_approval": fcApproval,
		"payer_id": fcPayer, "items": fcItems}
)

// feeVersion is a schedule version read from a file: the schedule and the
// line of each of its items, subsidies and waivers.
type feeVersion struct {
	g                         *rowSet
	s                         fee.Schedule
	items, subsidies, waivers []int
	old                       *fee.Schedule
	category                  string
	lines                     map[string]int
}

// readFeeVersion turns a version's rows into the schedule the single-record
// API would build from the same values (CreateFeeSchedule's conversion:
// rounding half_up by default, a rate required unless free or a meal);
// what a cell cannot say (a number that is no number) is reported here,
// everything else by the schedule's own validation later.
func readFeeVersion(rep *imports.Report, g *rowSet, o ImportOptions) (v *feeVersion, clean, ok bool) {
	h := headCells(rep, feeColumns, g)
	start := rep.Rejected
	first := rowCells(rep, feeColumns, g.rows[0])
	v = &feeVersion{g: g, lines: map[string]int{}}
	s := &v.s
	s.ID = h.str(fcID)
	s.Scope = fee.Scope{DistrictID: o.DistrictID, SchoolID: first.str(fcSchool)}
	s.EffectiveFrom, s.DocumentNo = first.date(fcFrom), first.str(fcDoc)
	s.EffectiveTo = h.date(fcTo)
	s.RoundingRule = money.RoundingRule(h.code(fcRounding, roundingRules))
	if s.RoundingRule == "" {
		s.RoundingRule = money.HalfUp
	}
	s.BillingMode = fee.BillingMode(h.code(fcBilling, billingModes))
	s.Calendar = fee.Calendar{DaysPerMonth: h.dec(fcDaysPerMonth), MonthsPerTerm: h.dec(fcMonthsPerTerm), TermsPerYear: h.integer(fcTermsPerYear)}
	s.Proration = fee.ProrationPolicy{RuleID: h.str(fcProrationID), Kind: fee.ProrationKind(h.code(fcProration, prorations)),
		ChargeLeave: h.boolean(fcChargeLeave), WithdrawalMonths: h.integer(fcWithdrawalMonths), WithdrawalRefund: h.dec(fcWithdrawalRefund),
		Boundary: fee.Boundary(h.code(fcBoundary, boundaries)), MonthWeight: fee.MonthWeight(h.code(fcMonthWeight, monthWeights))}
	school, ok := schoolInUpload(first, fcSchool, o)
	if !ok {
		return v, false, false
	}
	s.Scope.SchoolID = school
	for _, r := range g.rows {
		c := rowCells(rep, feeColumns, r)
		id := c.str(fcRule)
		typ, known := choiceOf(feeRowTypes, c.str(fcType))
		switch {
		case !known:
			c.reject(fcType, "must be "+choicesText(feeRowTypes), "应为："+choicesText(feeRowTypes))
		case typ == "item":
			it := fee.Item{RuleID: id, Name: c.str(fcName), Kind: fee.ServiceKind(c.code(fcKind, serviceKinds)),
				Unit: fee.ChargingUnit(c.code(fcUnit, chargingUnits)), Rate: c.dec(fcRate), WeekendHolidayRate: c.nullDec(fcWeekendRate),
				EnrichmentSurcharge: c.dec(fcSurcharge), CapPerDay: c.nullDec(fcCapDay), CapPerMonth: c.nullDec(fcCapMonth),
				CapPerTerm: c.nullDec(fcCapTerm), Free: c.boolean(fcFree), MealPassThrough: c.boolean(fcMeal),
				CollectedOnBehalf: c.boolean(fcOnBehalf), ProviderID: c.str(fcProvider), TimetableItems: c.list(fcTimetable)}
			if c.str(fcRate) == "" && !it.Free && !it.MealPassThrough {
				c.reject(fcRate, "is required: a decimal number", "必填：单价（免费或餐费据实的项目除外）")
			}
			s.Items = append(s.Items, it)
			v.items = append(v.items, r.Line)
		case typ == "subsidy":
			sr := fee.SubsidyRule{RuleID: id, Kind: fee.SubsidyKind(c.code(fcSubsidyKind, subsidyKinds)), Amount: c.dec(fcAmount),
				Percent: c.dec(fcPercent), Items: c.list(fcItems), RatioWhole: c.dec(fcRatioWhole)}
			sr.Payers = payersOf(c)
			s.Subsidies = append(s.Subsidies, sr)
			v.subsidies = append(v.subsidies, r.Line)
		case typ == "waiver":
			cat, _ := choiceOf(hardships, c.str(fcCategory))
			s.Waivers = append(s.Waivers, fee.WaiverRule{RuleID: id, Category: fee.HardshipCategory(cat), Percent: c.dec(fcPercent),
				RequiresApproval: c.boolean(fcApproval), PayerID: c.str(fcPayer), Items: c.list(fcItems)})
			v.waivers = append(v.waivers, r.Line)
		}
		if known {
			v.lines[typ+":"+id] = r.Line
		}
	}
	return v, rep.Rejected == start && !g.conflict, true
}

// schoolInUpload holds a version to the upload's school: an upload for a
// school (a school's finance officer's) imports that school's versions
// only, and a blank school cell means it.
func schoolInUpload(c *cells, col int, o ImportOptions) (string, bool) {
	s := c.str(col)
	switch {
	case o.SchoolID == "":
		return s, true
	case s == "" || s == o.SchoolID:
		return o.SchoolID, true
	}
	c.reject(col, "this upload is for school "+o.SchoolID+" only", "本次导入只能导入学校 "+o.SchoolID+" 的标准")
	return s, false
}

// payersOf reads "city-finance:4、district-finance:6".
func payersOf(c *cells) []fee.PayerRatio {
	var out []fee.PayerRatio
	for _, part := range splitList(c.str(fcPayers)) {
		id, ratio, ok := strings.Cut(strings.ReplaceAll(strings.ReplaceAll(part, "：", ":"), "=", ":"), ":")
		d, err := decimal.NewFromString(strings.TrimSpace(ratio))
		if !ok || err != nil {
			c.reject(fcPayers, "write each payer as id:ratio, e.g. city-finance:4、district-finance:6", "每个分担方写成 编号:比例，如 city-finance:4、district-finance:6")
			return out
		}
		out = append(out, fee.PayerRatio{PayerID: strings.TrimSpace(id), Ratio: d})
	}
	return out
}

// feeRows is a schedule as the layout's rows (export, and the diff of a
// re-import): items, then subsidies, then waivers, the version-wide cells
// on the first.
func feeRows(s fee.Schedule) []keyed {
	head := make([]string, len(feeColumns))
	head[fcID], head[fcTo] = s.ID, s.EffectiveTo.String()
	head[fcBilling], head[fcRounding] = choiceZh(billingModes, string(s.BillingMode)), choiceZh(roundingRules, string(s.RoundingRule))
	head[fcDaysPerMonth], head[fcMonthsPerTerm] = decCell(s.Calendar.DaysPerMonth), decCell(s.Calendar.MonthsPerTerm)
	head[fcTermsPerYear] = intCell(s.Calendar.TermsPerYear)
	p := s.Proration
	head[fcProrationID], head[fcProration] = p.RuleID, choiceZh(prorations, string(p.Kind))
	head[fcChargeLeave], head[fcWithdrawalMonths], head[fcWithdrawalRefund] = yesNo(p.ChargeLeave), intCell(p.WithdrawalMonths), decCell(p.WithdrawalRefund)
	head[fcBoundary], head[fcMonthWeight] = choiceZh(boundaries, string(p.Boundary)), choiceZh(monthWeights, string(p.MonthWeight))
	base := func(typ string) []string {
		out := make([]string, len(feeColumns))
		out[fcType], out[fcSchool], out[fcFrom], out[fcDoc] = choiceZh(feeRowTypes, typ), s.Scope.SchoolID, s.EffectiveFrom.String(), s.DocumentNo
		return out
	}
	var rows []keyed
	for _, it := range s.Items {
		r := base("item")
		r[fcRule], r[fcName], r[fcKind], r[fcUnit] = it.RuleID, it.Name, choiceZh(serviceKinds, string(it.Kind)), choiceZh(chargingUnits, string(it.Unit))
		r[fcRate], r[fcWeekendRate], r[fcSurcharge] = it.Rate.String(), nullDecCell(it.WeekendHolidayRate), decCell(it.EnrichmentSurcharge)
		if (it.Free || it.MealPassThrough) && it.Rate.IsZero() {
			r[fcRate] = ""
		}
		r[fcCapDay], r[fcCapMonth], r[fcCapTerm] = nullDecCell(it.CapPerDay), nullDecCell(it.CapPerMonth), nullDecCell(it.CapPerTerm)
		r[fcFree], r[fcMeal], r[fcOnBehalf], r[fcProvider] = yesNo(it.Free), yesNo(it.MealPassThrough), yesNo(it.CollectedOnBehalf), it.ProviderID
		r[fcTimetable] = strings.Join(it.TimetableItems, "、")
		rows = append(rows, keyed{id: "item:" + it.RuleID, cells: r})
	}
	for _, sr := range s.Subsidies {
		r := base("subsidy")
		r[fcRule], r[fcSubsidyKind], r[fcAmount], r[fcPercent] = sr.RuleID, choiceZh(subsidyKinds, string(sr.Kind)), decCell(sr.Amount), decCell(sr.Percent)
		r[fcItems], r[fcRatioWhole] = strings.Join(sr.Items, "、"), decCell(sr.RatioWhole)
		ps := make([]string, len(sr.Payers))
		for i, p := range sr.Payers {
			ps[i] = p.PayerID + ":" + p.Ratio.String()
		}
		r[fcPayers] = strings.Join(ps, "、")
		rows = append(rows, keyed{id: "subsidy:" + sr.RuleID, cells: r})
	}
	for _, w := range s.Waivers {
		r := base("waiver")
		r[fcRule], r[fcCategory], r[fcPercent], r[fcApproval] = w.RuleID, choiceZh(hardships, string(w.Category)), decCell(w.Percent), yesNo(w.RequiresApproval)
		r[fcPayer], r[fcItems] = w.PayerID, strings.Join(w.Items, "、")
		rows = append(rows, keyed{id: "waiver:" + w.RuleID, cells: r})
	}
	if len(rows) > 0 {
		for i, c := range feeColumns {
			if c.version {
				rows[0].cells[i] = head[i]
			}
		}
	}
	return rows
}

// rejectFee reports a validation error of a version on the row and column
// of each field it names.
func (v *feeVersion) reject(rep *imports.Report, err error) {
	vs, ok := violationsOf(err)
	if !ok {
		first := v.g.rows[0]
		reason := err.Error()
		zh := "不符合规则：" + reason
		if errors.Is(err, fault.ErrNotFound) {
			reason, zh = "no such school in the district", "本区县没有这所学校"
		}
		rep.Reject(imports.RowError{Row: first.Line, Column: feeColumns[fcSchool].Chinese, Value: first.Values[fcSchool], Reason: reason, ReasonZh: zh})
		return
	}
	for _, viol := range vs {
		line, c := v.g.rows[0].Line, fcType
		list, i, rest := splitField(viol.Field)
		var lines []int
		var by map[string]int
		switch list {
		case "items":
			lines, by = v.items, feeItemFields
		case "subsidies":
			lines, by = v.subsidies, feeSubsidyFields
		case "waivers":
			lines, by = v.waivers, feeWaiverFields
		default:
			if k, found := feeVersionFields[rest]; found {
				c = k
				line = v.g.headAt[k]
				if !feeColumns[k].version {
					line = v.g.rows[0].Line
				}
			}
		}
		if lines != nil && i < len(lines) {
			line = lines[i]
			if k, found := by[rest]; found {
				c = k
			} else {
				c = fcRule
			}
		}
		if !reported(rep, line, feeColumns[c].Chinese) {
			rep.Reject(imports.RowError{Row: line, Column: feeColumns[c].Chinese, Value: cellAt(v.g, line, c), Reason: viol.Reason, ReasonZh: reasonZh(viol.Reason)})
		}
	}
}

func cellAt(g *rowSet, line, col int) string {
	for _, r := range g.rows {
		if r.Line == line {
			return r.Values[col]
		}
	}
	return ""
}

// importFees reads a fee schedule file and checks every version with the
// single-record API's rules (Fees.checkSchedule, then in the store the
// overlap and ceiling checks of CreateSchedule under the same locks), then
// writes the new and changed versions in one transaction, or none.
func (im *Imports) importFees(ctx context.Context, rd *sheet.Reader, o ImportOptions, rep *imports.Report, progress func(float64)) error {
	groups, err := groupRows(rd, feeColumns, []int{fcSchool, fcFrom, fcDoc}, rep, maxImportRows, "fee schedule", "收费标准")
	if err != nil {
		return err
	}
	progress(0.5)
	all, err := im.fees.store.ListSchedules(ctx, o.DistrictID, "", false)
	if err != nil {
		return err
	}
	match := newVersionMatch(all, func(s fee.Schedule) versionMeta {
		return versionMeta{ID: s.ID, Version: s.Version, Scope: s.Scope, From: s.EffectiveFrom, Document: s.DocumentNo}
	}, "schedule", feeColumns[fcID].Chinese, feeColumns[fcSchool].Chinese)
	var writes []*feeVersion
	for _, g := range groups {
		v, clean, ok := readFeeVersion(rep, g, o)
		if !ok {
			continue
		}
		old, ok := match.continues(rep, g.rows[0].Line, v.s, &v.s.ID)
		if !ok {
			continue
		}
		v.old = old
		category, err := im.fees.checkSchedule(ctx, &v.s)
		if err != nil {
			if _, ok := violationsOf(err); !ok && !errors.Is(err, fault.ErrNotFound) {
				return err
			}
			v.reject(rep, err)
			continue
		}
		if !clean {
			continue
		}
		v.category = category
		if old != nil && slices.EqualFunc(feeRows(*old), feeRows(v.s), func(a, b keyed) bool { return a.id == b.id && slices.Equal(a.cells, b.cells) }) {
			rep.Unchanged += len(g.rows)
			continue
		}
		writes = append(writes, v)
	}
	progress(0.8)
	ss := make([]fee.Schedule, len(writes))
	cats := make([]string, len(writes))
	for i, v := range writes {
		ss[i], cats[i] = v.s, v.category
	}
	_, err = im.store.MergeSchedules(ctx, ss, cats, func(errs []error) bool {
		for i, e := range errs {
			if e != nil {
				writes[i].reject(rep, e)
			}
		}
		for i, v := range writes {
			if errs[i] != nil {
				continue
			}
			if v.old == nil {
				rep.New += len(v.g.rows)
				continue
			}
			diffVersion(rep, feeColumns, v.s.ID, feeRows(*v.old), feeRows(v.s), v.lines, v.g.rows[0].Line)
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
