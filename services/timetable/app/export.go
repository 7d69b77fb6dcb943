package app

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// Export formats (sheet.ParseFormat's names; csv-gb18030 for software that
// wants GBK).
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// ExportFile names the file an export writes and its media type.
func ExportFile(kind, format string, template bool) (name, contentType string) {
	what := kind
	if template {
		what += "-template"
	}
	f, _ := sheet.ParseFormat(format)
	return what + f.Ext(), f.ContentType()
}

// Export writes the school's records of a kind (clubs: of the term) to out
// in the import layout (so exporting and importing again changes nothing),
// or, with template, the headers, one example row and the allowed values.
func (a *App) Export(ctx context.Context, schoolID, kind, termID, format string, template bool, out io.Writer) error {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return err
	}
	cols, err := Columns(kind)
	if err != nil {
		return err
	}
	f, ok := sheet.ParseFormat(format)
	if !ok {
		return fault.Invalid("format", "must be xlsx, csv or csv-gb18030")
	}
	classes, err := a.store.ListClasses(ctx, t.Scope)
	if err != nil {
		return err
	}
	w, err := sheet.NewWriter(out, f)
	if err != nil {
		return err
	}
	// The shared writer's kinds: text for every cell a school types (a
	// 学籍号 or a phone must not become a number), a real date for the
	// birth date, counts for grade and size; what it writes, the reader
	// reads back the same (ParseDate takes a date cell's serial).
	kinds := map[string]sheet.Kind{"出生日期": sheet.Date, "班额": sheet.Count, "座位数": sheet.Count, "人数上限": sheet.Count, "每周次数": sheet.Count}
	if kind == KindClasses {
		kinds["年级"] = sheet.Count // a club's 年级 is a list, text
	}
	sc := make([]sheet.Column, len(cols))
	for i, c := range cols {
		sc[i] = sheet.Column{Header: c.Chinese, Kind: kinds[c.Chinese]}
	}
	if err := w.Sheet("数据", sc); err != nil {
		return err
	}
	row := func(cells []string) error {
		vals := make([]sheet.Value, len(cells))
		for i, c := range cells {
			switch k := sc[i].Kind; {
			case c == "":
				vals[i] = sheet.Blank()
			case k == sheet.Date:
				d, ok := sheet.ParseDate(c)
				if !ok {
					return fmt.Errorf("export: %q is not a date", c)
				}
				vals[i] = sheet.D(d)
			case k == sheet.Count:
				n, err := strconv.ParseInt(c, 10, 64)
				if err != nil {
					return fmt.Errorf("export: %q is not a count: %w", c, err)
				}
				vals[i] = sheet.N(n)
			default:
				vals[i] = sheet.S(c)
			}
		}
		return w.Row(vals...)
	}
	className := map[string]string{}
	for _, c := range classes {
		className[c.ID] = c.Name
	}
	switch {
	case template:
		if err := row(templateExample(kind, classes)); err != nil {
			return err
		}
	case kind == KindStudents:
		if err := a.store.EachStudent(ctx, t.Scope, func(st school.Student) error {
			return row(studentCells(st, className))
		}); err != nil {
			return err
		}
	case kind == KindClubs:
		if _, err := a.store.GetTerm(ctx, t.Scope, termID); err != nil {
			return err
		}
		clubs, err := a.store.ListClubs(ctx, t.Scope, termID)
		if err != nil {
			return err
		}
		for _, c := range clubs {
			if err := row(clubCells(c)); err != nil {
				return err
			}
		}
	case kind == KindRooms:
		rooms, err := a.store.ListRooms(ctx, t.Scope)
		if err != nil {
			return err
		}
		for _, r := range rooms {
			if err := row(roomCells(r)); err != nil {
				return err
			}
		}
	case kind == KindClasses:
		rooms, err := a.store.ListRooms(ctx, t.Scope)
		if err != nil {
			return err
		}
		roomName := map[string]string{}
		for _, r := range rooms {
			roomName[r.ID] = r.Name
		}
		for _, c := range classes {
			if err := row([]string{c.Name, strconv.Itoa(c.Grade), strconv.Itoa(c.Size), roomName[c.HomeRoomID]}); err != nil {
				return err
			}
		}
	}
	if template && f == sheet.XLSX { // a second block would break a CSV template's import
		help := templateHelp(kind, classes)
		hc := make([]sheet.Column, len(help[0]))
		for i, h := range help[0] {
			hc[i] = sheet.Column{Header: h, Width: 30}
		}
		if err := w.Sheet("说明", hc); err != nil {
			return err
		}
		for _, r := range help[1:] {
			vals := make([]sheet.Value, len(r))
			for i, c := range r {
				vals[i] = sheet.S(c)
			}
			if err := w.Row(vals...); err != nil {
				return err
			}
		}
	}
	return w.Close()
}

func templateExample(kind string, classes []school.Class) []string {
	switch kind {
	case KindClasses:
		return []string{"三年级2班", "3", "45", ""}
	case KindRooms:
		return []string{"体育馆", "体育馆", "200"}
	case KindClubs:
		return []string{"篮球社", "体育", "学校", "", "30", "3、4、5", "体育馆", "2"}
	}
	class := "三年级2班"
	if len(classes) > 0 {
		class = classes[0].Name
	}
	return []string{"G350402201603150021", "王小明", class, "2016-03-15", "低保", "是", "王丽", "13812345678", "母亲", "", "", ""}
}

// templateHelp is the template's second sheet: each column, whether it is
// required, and what it may hold.
func templateHelp(kind string, classes []school.Class) [][]string {
	out := [][]string{{"列", "Column", "必填", "可填的值 / Allowed values"}}
	cols, _ := Columns(kind)
	var allowed map[string]string
	if kind == KindStudents {
		names := ""
		for i, c := range classes {
			if i > 0 {
				names += "、"
			}
			names += c.Name
		}
		allowed = map[string]string{
			"学籍号":    "6–32 位字母或数字，本校唯一；按它匹配已有学生 / 6-32 letters and digits, unique in the school; rows are matched by it",
			"班级":     "本校已有的班级 / a class of the school: " + names,
			"出生日期":   "2016-09-01、2016/9/1 或 Excel 日期 / a date",
			"困难类别":   "留空或 / empty or: " + hardshipChoices(),
			"困难已核实":  "是 / 否",
			"监护人1电话": "5–20 位数字，可含 +、- 或空格 / 5-20 digits, +, - or spaces",
			"监护人2电话": "同上 / as above",
		}
	} else if kind == KindClubs {
		acts := make([]string, len(school.ActivityKinds))
		for i, k := range school.ActivityKinds {
			acts[i] = k.Chinese
		}
		names := make([]string, len(school.RoomKinds))
		for i, k := range school.RoomKinds {
			names[i] = k.Chinese
		}
		allowed = map[string]string{"社团名称": "本学期唯一；按它匹配已有社团 / unique in the term; rows are matched by it",
			"活动类型": strings.Join(acts, "、"), "提供方": "学校 / 校外机构", "机构编号": "校外机构的编号（inst_…），学校自办留空",
			"人数上限": "1–500，不低于已报名人数", "年级": "如 3、4、5", "教室类型": strings.Join(names, "、") + "（本校须有此类教室）",
			"每周次数": "1–7"}
	} else if kind == KindRooms {
		names := make([]string, len(school.RoomKinds))
		for i, k := range school.RoomKinds {
			names[i] = k.Chinese
		}
		allowed = map[string]string{"教室名称": "本校唯一；按它匹配已有教室 / unique in the school; rows are matched by it",
			"类型": strings.Join(names, "、"), "座位数": "1–2000"}
	} else {
		allowed = map[string]string{"年级": "1–9（小学 1–6，初中 7–9）", "班额": "0–120", "教室": "本校已有的教室名称，可留空 / a room of the school, or empty"}
	}
	for _, c := range cols {
		req := "否"
		if c.Required {
			req = "是"
		}
		out = append(out, []string{c.Chinese, c.English, req, allowed[c.Chinese]})
	}
	return append(out, []string{"", "", "", "第一张表第 2 行是示例，导入前请删除 / row 2 of the first sheet is an example: delete it before importing"})
}
