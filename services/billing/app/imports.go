package app

import (
	"errors"
	"fmt"
	imports "github.com/kehou/kehou/services/platform/importjob"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/shopspring/decimal"
)

// Import kinds billing owns: fee schedules (收费标准) and rate tables (课酬标准).
const (
	KindFeeSchedules = "fee_schedules"
	KindRateTables   = "rate_tables"
)

// ImportColumns returns a kind's layout, or an error naming the kinds there are.
func ImportColumns(kind string) ([]sheet.Field, error) {
	switch kind {
	case KindFeeSchedules:
		return fields(feeColumns), nil
	case KindRateTables:
		return fields(rateColumns), nil
	}
	return nil, fault.Invalid("kind", fmt.Sprintf("unknown import kind %q: billing imports %s and %s", kind, KindFeeSchedules, KindRateTables))
}

// column is one column of a billing layout: its headers, whether it belongs
// to the version as a whole (filled on the version's first row; any other
// row may leave it blank or must repeat it) and what it may hold, for the
// template's second sheet.
type column struct {
	sheet.Field
	version bool
	allowed string
}

func fields(cs []column) []sheet.Field {
	out := make([]sheet.Field, len(cs))
	for i, c := range cs {
		out[i] = c.Field
	}
	return out
}

// choice is one allowed value of a coded cell: the code the API takes and
// the Chinese a school writes; a cell may hold either.
type choice struct{ code, zh string }

func choiceOf(cs []choice, s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, c := range cs {
		if s == c.zh || strings.EqualFold(s, c.code) {
			return c.code, true
		}
	}
	return s, false
}

func choiceZh(cs []choice, code string) string {
	for _, c := range cs {
		if c.code == code {
			return c.zh
		}
	}
	return code
}

func choicesText(cs []choice) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.zh + "（" + c.code + "）"
	}
	return strings.Join(out, "、")
}

// rowSet is the rows of one version in a file (a schedule or a table,
// grouped by its natural key: scope, effective date and 文号) and its
// version-wide cells, each with the row it came from.
type rowSet struct {
	key  string
	rows []sheet.Row
	head []string // version-wide cells as the group's rows fill them
	// conflict: two rows fill a version-wide cell differently
	conflict bool
	headAt   []int // the line each head cell came from (the first row's when blank)
}

// groupRows reads every row of rd into versions by natural key (the key
// columns' values), in the order they first appear. A version-wide cell
// filled differently on two rows of a version is reported on the later row.
// Reading stops with an error past maxRows.
func groupRows(rd *sheet.Reader, cols []column, keyCols []int, rep *imports.Report, maxRows int, what, whatZh string) ([]*rowSet, error) {
	var out []*rowSet
	by := map[string]*rowSet{}
	for rd.Next() {
		r := rd.Row()
		rep.Rows++
		if rep.Rows > maxRows {
			return nil, &sheet.Error{Kind: sheet.ErrNotSpreadsheet, Reason: fmt.Sprintf("a %s file has at most %d rows", what, maxRows),
				ReasonZh: fmt.Sprintf("%s文件最多 %d 行", whatZh, maxRows)}
		}
		parts := make([]string, len(keyCols))
		for i, c := range keyCols {
			parts[i] = normalKey(r.Values[c])
		}
		key := strings.Join(parts, "\x00")
		g := by[key]
		if g == nil {
			g = &rowSet{key: key, head: make([]string, len(cols)), headAt: make([]int, len(cols))}
			for i := range g.headAt {
				g.headAt[i] = r.Line
			}
			by[key] = g
			out = append(out, g)
		}
		g.rows = append(g.rows, r)
		for i, c := range cols {
			v := strings.TrimSpace(r.Values[i])
			if !c.version || v == "" {
				continue
			}
			switch {
			case g.head[i] == "":
				g.head[i], g.headAt[i] = v, r.Line
			case g.head[i] != v:
				g.conflict = true
				rep.Reject(imports.RowError{Row: r.Line, Column: c.Chinese, Value: v,
					Reason:   fmt.Sprintf("differs from row %d of the same version (%q): fill it once, on the version's first row", g.headAt[i], g.head[i]),
					ReasonZh: fmt.Sprintf("与同一版本第 %d 行的值（%s）不一致：每个版本只填一次", g.headAt[i], g.head[i])})
			}
		}
	}
	return out, rd.Err()
}

// normalKey makes a key cell comparable: dates as YYYY-MM-DD, the rest trimmed.
func normalKey(s string) string {
	s = strings.TrimSpace(s)
	if d, ok := sheet.ParseDate(s); ok {
		return civil.Of(d).String()
	}
	return s
}

// cells reads the typed values of one row, or of a version's head, and
// reports each cell that is not of its type on the row it came from.
type cells struct {
	rep  *imports.Report
	cols []column
	val  func(col int) string
	line func(col int) int
	bad  map[int]bool // columns already reported
}

func rowCells(rep *imports.Report, cols []column, r sheet.Row) *cells {
	return &cells{rep: rep, cols: cols, val: func(c int) string { return strings.TrimSpace(r.Values[c]) },
		line: func(int) int { return r.Line }, bad: map[int]bool{}}
}

func headCells(rep *imports.Report, cols []column, g *rowSet) *cells {
	return &cells{rep: rep, cols: cols, val: func(c int) string { return g.head[c] },
		line: func(c int) int { return g.headAt[c] }, bad: map[int]bool{}}
}

func (c *cells) reject(col int, reason, zh string) {
	if c.bad[col] {
		return
	}
	c.bad[col] = true
	c.rep.Reject(imports.RowError{Row: c.line(col), Column: c.cols[col].Chinese, Value: c.val(col), Reason: reason, ReasonZh: zh})
}

func (c *cells) str(col int) string { return c.val(col) }

func (c *cells) dec(col int) decimal.Decimal {
	s := c.val(col)
	if s == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		c.reject(col, "not a number: write it as 2 or 2.5", "不是有效数字：请写成 2 或 2.5")
		return decimal.Zero
	}
	return d
}

func (c *cells) nullDec(col int) decimal.NullDecimal {
	if c.val(col) == "" {
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: c.dec(col), Valid: true}
}

func (c *cells) integer(col int) int {
	s := c.val(col)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		c.reject(col, "must be a whole number", "应为整数")
	}
	return n
}

func (c *cells) date(col int) civil.Date {
	s := c.val(col)
	if s == "" {
		return civil.Date{}
	}
	d, ok := sheet.ParseDate(s)
	if !ok {
		c.reject(col, "not a date: write it as 2026-09-01", "不是有效日期：请写成 2026-09-01")
		return civil.Date{}
	}
	return civil.Of(d)
}

var (
	yesCells = map[string]bool{"是": true, "y": true, "yes": true, "true": true, "1": true}
	noCells  = map[string]bool{"": true, "否": true, "n": true, "no": true, "false": true, "0": true}
)

func (c *cells) boolean(col int) bool {
	s := strings.ToLower(c.val(col))
	switch {
	case yesCells[s]:
		return true
	case !noCells[s]:
		c.reject(col, "must be 是 or 否", "应为“是”或“否”")
	}
	return false
}

// code reads a coded cell: the code or its Chinese; anything else is kept
// as written, for the validation to refuse it as the API does.
func (c *cells) code(col int, cs []choice) string {
	v, _ := choiceOf(cs, c.val(col))
	return v
}

// list reads "a、b、c" (or commas, semicolons, spaces).
func (c *cells) list(col int) []string {
	return splitList(c.val(col))
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == ' ' })
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func decCell(d decimal.Decimal) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func nullDecCell(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

func intCell(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// indexed strips list indexes from a violation field: "items[2].rate" is
// ("items", 2, "rate"); "payers[0].ratio" keeps only the first index.
var indexed = regexp.MustCompile(`^([a-z_]+)\[(\d+)\]\.?(.*)$`)

var bracket = regexp.MustCompile(`\[\d+\]`)

// splitField reads a validation field as the part of the version it is in:
// a list (items, rules, …) and index, and the field within it, indexes
// removed ("payers[1].ratio" → "payers.ratio").
func splitField(field string) (list string, index int, rest string) {
	if m := indexed.FindStringSubmatch(field); m != nil {
		i, _ := strconv.Atoi(m[2])
		return m[1], i, bracket.ReplaceAllString(m[3], "")
	}
	return "", -1, bracket.ReplaceAllString(field, "")
}

// reasonsZh translates the validators' English reasons by their start, so a
// school reads each line in Chinese; the English detail (ids, numbers) follows.
var reasonsZh = []struct{ prefix, zh string }{
	{"required", "必填"},
	{"is required", "必填"},
	{"must not be negative", "不能为负数"},
	{"must be positive", "应为正数"},
	{"must be at most", "超出允许的最大值"},
	{"must be between", "超出允许的范围"},
	{"must be in (0, 1]", "应大于 0 且不超过 1"},
	{"at most", "超出允许的位数或数量"},
	{"must have at most", "小数位数过多"},
	{"between 1 and", "数量不符合要求"},
	{"unknown", "不是可选的值"},
	{"must be teacher", "不是可选的人员类别"},
	{"must be supervisor", "不是可选的岗位"},
	{"must be per_period", "不是可选的计酬单位"},
	{"must be taught", "不是可选的职责"},
	{"must be outside_performance_total", "不是可选的列支类别"},
	{"must be half_up", "不是可选的舍入规则"},
	{"must be a date", "不是有效日期"},
	{"must be a clock window", "时间段无效：开始须早于结束，在 00:00 到 24:00 之间"},
	{"must start before it ends", "开始时间须早于结束时间"},
	{"must not be before effective_from", "早于生效日期"},
	{"effective dates overlap", "与同一范围内已有标准的生效期重叠"},
	{"overlaps", "与同一范围内已有标准的生效期重叠"},
	{"only for", "此项不适用于该类型"},
	{"only a per_minute", "只有按分钟计酬的规则有时段"},
	{"a per_minute rule", "按分钟计酬的规则按时段定价"},
	{"does not apply", "此项不适用于该计费单位"},
	{"not used by", "此项不适用于该补助类型"},
	{"rule id", "规则编号重复"},
	{"is used twice", "规则编号重复"},
	{"has two caps", "同一人员类别有两个封顶"},
	{"listed twice", "重复填写"},
	{"payer", "分担方重复"},
	{"ratios sum to", "分担比例之和不等于比例合计"},
	{"no item with rule id", "没有这个规则编号的收费项目"},
	{"timetable item", "该课程已由另一收费项目收费"},
	{"cap", "封顶低于一次课的课酬"},
	{"gap", "时段之间有空档"},
	{"blocks", "时段重叠或超出时间窗"},
	{"needs", "缺少必需的配套项"},
	{"a free item", "免费项目不能有单价、附加费或上限"},
	{"a meal passed", "据实收取的餐费不能同时免费"},
	{"meals", "餐费须按天据实代收代付"},
	{"cannot be enforced", "按月收费时无法执行学期上限"},
	{"after_service", "服务后结算须按实际课时计费"},
	{"early_withdrawal needs", "提前退出退费须按学期预收"},
	{"the ", "不符合规则"},
	{"school ", "学校不在本区县"},
}

// reasonZh is the Chinese of a validator's reason, with the English after it.
func reasonZh(reason string) string {
	for _, r := range reasonsZh {
		if strings.HasPrefix(reason, r.prefix) {
			return r.zh + "：" + reason
		}
	}
	if strings.Contains(reason, "above the ceiling") {
		return "超过最高限价：" + reason
	}
	if strings.Contains(reason, "below a single charge") {
		return "上限低于一次收费：" + reason
	}
	return "不符合规则：" + reason
}

// violations reads a validator's error as its field violations; ok is
// false for any other error.
func violationsOf(err error) ([]fault.Violation, bool) {
	var ve *fault.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	return ve.Violations, true
}

// keyed is one row of a version as export writes it: its identity within
// the version (row type and rule id, or duty, or block start) and cells.
type keyed struct {
	id    string
	cells []string
}

// diffVersion compares a version as stored (old) with the same version as
// the file has it (now, rendered back from what was read, so "2.50" and
// "2.5" are the same), row by row: the report's changes for each row of
// the file that differs and its new/changed/unchanged counts. lines gives
// each row id's line in the file; first is the version's first line, where
// version-wide changes and removed rows are reported.
func diffVersion(rep *imports.Report, cols []column, key string, old, now []keyed, lines map[string]int, first int) {
	oldBy := map[string][]string{}
	for _, k := range old {
		oldBy[k.id] = k.cells
	}
	nowIDs := map[string]bool{}
	changes := map[int][]imports.FieldChange{}
	if len(old) > 0 && len(now) > 0 {
		for i, c := range cols {
			if c.version && old[0].cells[i] != now[0].cells[i] {
				changes[first] = append(changes[first], imports.FieldChange{Column: c.Chinese, Old: old[0].cells[i], New: now[0].cells[i]})
			}
		}
	}
	idCol := ruleIDColumn(cols)
	for _, k := range now {
		nowIDs[k.id] = true
		line := lines[k.id]
		before, found := oldBy[k.id]
		if !found {
			changes[line] = append(changes[line], imports.FieldChange{Column: cols[0].Chinese, Old: "", New: strings.TrimSpace(k.cells[0] + " " + k.cells[idCol])})
			continue
		}
		for i, c := range cols {
			if !c.version && before[i] != k.cells[i] {
				changes[line] = append(changes[line], imports.FieldChange{Column: c.Chinese, Old: before[i], New: k.cells[i]})
			}
		}
	}
	for _, k := range old {
		if !nowIDs[k.id] {
			changes[first] = append(changes[first], imports.FieldChange{Column: cols[0].Chinese, Old: strings.TrimSpace(k.cells[0] + " " + k.cells[idCol]), New: ""})
		}
	}
	seen := map[int]bool{}
	for _, k := range now {
		line := lines[k.id]
		if seen[line] {
			continue
		}
		seen[line] = true
		if fs := changes[line]; len(fs) > 0 {
			rep.Change(imports.RowChange{Row: line, Key: key, Fields: fs})
		} else {
			rep.Unchanged++
		}
	}
	if fs := changes[first]; len(fs) > 0 && !seen[first] {
		rep.Change(imports.RowChange{Row: first, Key: key, Fields: fs})
	}
	slices.SortFunc(rep.Changes, func(a, b imports.RowChange) int { return a.Row - b.Row })
}

// ruleIDColumn is the layout's 规则编号 column.
func ruleIDColumn(cols []column) int {
	for i, c := range cols {
		if c.Chinese == "规则编号" {
			return i
		}
	}
	return 0
}

// reported tells whether a cell already has an error: a cell that is no
// number is not reported again as a zero the validation refuses.
func reported(rep *imports.Report, line int, column string) bool {
	for _, e := range rep.Errors {
		if e.Row == line && e.Column == column {
			return true
		}
	}
	return false
}
