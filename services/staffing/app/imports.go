package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/kehou/kehou/services/staffing/domain/solver"
	"github.com/kehou/kehou/services/staffing/domain/staff"
)

// ImportPrefix starts staffing's import ids; the gateway routes GetImport by it.
const ImportPrefix = "simp"

// KindStaff is staffing's import kind: a school's staff list.
const KindStaff = "staff"

// staffColumns is the staff list layout: import template, export and the
// headers an upload must have (Chinese, or the English name).
var staffColumns = []sheet.Field{
	{Chinese: "工号", English: "Staff number", Required: true},
	{Chinese: "姓名", English: "Name", Required: true},
	{Chinese: "类型", English: "Kind", Required: true},
	{Chinese: "机构编号", English: "Institution id"},
	{Chinese: "任教学科", English: "Subjects"},
	{Chinese: "资质", English: "Qualifications"},
	{Chinese: "可上岗时间", English: "Availability"},
}

const (
	colNumber = iota
	colName
	colKind
	colInstitution
	colSubjects
	colQualifications
	colAvailability
)

// Columns returns a kind's layout, or an error naming the kinds there are.
func Columns(kind string) ([]sheet.Field, error) {
	switch kind {
	case KindStaff:
		return staffColumns, nil
	case KindInstitutions:
		return institutionColumns, nil
	}
	return nil, fault.Invalid("kind", fmt.Sprintf("unknown import kind %q: staffing takes %s (of a school) or %s (of a district)",
		kind, KindStaff, KindInstitutions))
}

// Target is where an import or export goes: a school (staff) or a
// district (institutions).
type Target struct {
	SchoolID, DistrictID string
}

// scope resolves t for kind: staff need the school (which timetable
// knows), institutions the district.
func (a *App) scope(ctx context.Context, kind string, t Target) (importjob.Scope, error) {
	if kind == KindInstitutions {
		if t.DistrictID == "" {
			return importjob.Scope{}, fault.Invalid("district_id", "must be set for institutions")
		}
		if err := a.district(ctx, t.DistrictID); err != nil {
			return importjob.Scope{}, err
		}
		return importjob.Scope{DistrictID: t.DistrictID}, nil
	}
	if t.SchoolID == "" {
		return importjob.Scope{}, fault.Invalid("school_id", "must be set for "+kind)
	}
	sc, err := a.tt.School(ctx, t.SchoolID)
	if err != nil {
		return importjob.Scope{}, err
	}
	return importjob.Scope{DistrictID: sc.DistrictID, SchoolID: sc.ID}, nil
}

// importRows runs kind's import over rd.
func (a *App) importRows(ctx context.Context, sc importjob.Scope, rd *sheet.Reader, o ImportOptions, progress func(float64)) (importjob.Report, error) {
	if o.Kind == KindInstitutions {
		return a.importInstitutions(ctx, sc.DistrictID, rd, o, progress)
	}
	return a.importStaff(ctx, sc.SchoolID, sc.DistrictID, rd, o, progress)
}

var kindNames = []struct {
	kind staff.Kind
	zh   string
}{{staff.KindTeacher, "校内教师"}, {staff.KindOutsideInstructor, "第三方机构人员"}, {staff.KindAdmin, "行政人员"}}

var activityNames = map[solver.ActivityKind]string{
	solver.ActivityReading: "阅读", solver.ActivityCalligraphy: "书法", solver.ActivitySports: "体育", solver.ActivityArts: "艺术",
	solver.ActivityScience: "科技", solver.ActivitySocialPractice: "社会实践", solver.ActivityOther: "其他",
}

var segmentNames = map[solver.Segment]string{
	solver.SegmentLunch: "午托", solver.SegmentHomework: "作业辅导", solver.SegmentClub: "社团",
	solver.SegmentExtended: "延时", solver.SegmentEvening: "晚自习",
}

var weekdayNames = []string{"", "周一", "周二", "周三", "周四", "周五", "周六", "周日"}

func kindOf(s string) staff.Kind {
	for _, k := range kindNames {
		if s == k.zh || strings.EqualFold(s, string(k.kind)) {
			return k.kind
		}
	}
	return staff.Kind(s) // for Validate to refuse
}

func kindChinese(k staff.Kind) string {
	for _, x := range kindNames {
		if x.kind == k {
			return x.zh
		}
	}
	return string(k)
}

// list splits "语文、数学" (or commas, semicolons, spaces).
func list(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == ' '
	})
}

func activityOf(s string) string {
	for k, zh := range activityNames {
		if s == zh || strings.EqualFold(s, string(k)) {
			return string(k)
		}
	}
	return s
}

var window = regexp.MustCompile(`^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$`)

// slotsOf reads 可上岗时间: slots separated by ；or ;, each a weekday (周一,
// 星期一 or 1) with optionally a segment (社团 or club) and a window
// (15:30-17:00), e.g. "周一 社团；周三；周五 作业辅导 16:00-17:00".
// Empty means the whole service day every day, as in the API.
func slotsOf(s string) ([]staff.Slot, string) {
	var out []staff.Slot
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' }) {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		var sl staff.Slot
		day := strings.Replace(f[0], "星期", "周", 1)
		if d := slices.Index(weekdayNames, day); d > 0 {
			sl.Weekday = d
		} else if d, err := strconv.Atoi(day); err == nil {
			sl.Weekday = d // 1..7 checked by Validate
		} else {
			return nil, fmt.Sprintf("%q is not a weekday", f[0])
		}
		for _, x := range f[1:] {
			if m := window.FindStringSubmatch(x); m != nil {
				h1, _ := strconv.Atoi(m[1])
				m1, _ := strconv.Atoi(m[2])
				h2, _ := strconv.Atoi(m[3])
				m2, _ := strconv.Atoi(m[4])
				sl.Start, sl.End = h1*60+m1, h2*60+m2
				continue
			}
			seg := x
			for k, zh := range segmentNames {
				if x == zh {
					seg = string(k)
				}
			}
			sl.Segment = strings.ToLower(seg) // an unknown one is Validate's to refuse
		}
		out = append(out, sl)
	}
	return out, ""
}

func slotsCell(ss []staff.Slot) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		p := strconv.Itoa(s.Weekday)
		if s.Weekday >= 1 && s.Weekday <= 7 {
			p = weekdayNames[s.Weekday]
		}
		if s.Segment != "" {
			p += " " + segmentNames[solver.Segment(s.Segment)]
		}
		if s.Start != 0 || s.End != 0 {
			p += fmt.Sprintf(" %d:%02d-%d:%02d", s.Start/60, s.Start%60, s.End/60, s.End%60)
		}
		parts[i] = p
	}
	return strings.Join(parts, "；")
}

// memberCells is a person as the staff list's cells, for export and diffs.
func memberCells(m staff.Member) []string {
	qs := make([]string, len(m.Qualifications))
	for i, q := range m.Qualifications {
		qs[i] = q
		if zh, ok := activityNames[solver.ActivityKind(q)]; ok {
			qs[i] = zh
		}
	}
	return []string{m.Number, m.Name, kindChinese(m.Kind), m.InstitutionID, strings.Join(m.Subjects, "、"),
		strings.Join(qs, "、"), slotsCell(m.Availability)}
}

// reasonsZh are the Chinese of the staff rules' English reasons.
var reasonsZh = map[string]string{
	"must not be blank":                                         "不能为空",
	"must be teacher, outside_instructor or admin":              "应为 校内教师、第三方机构人员 或 行政人员",
	"required for an outside instructor":                        "第三方机构人员须填写机构编号",
	"only outside instructors belong to an institution":         "只有第三方机构人员填写机构编号",
	"must be 1 (Monday) to 7 (Sunday)":                          "星期应为周一到周日（1–7）",
	"must be after start":                                       "结束时间应晚于开始时间",
	"only a teacher can be class teacher":                       "只有校内教师可以当班主任",
	"must be at most 32 characters, without surrounding spaces": "不能超过 32 个字，前后不能有空格",
}

func reasonZh(reason string) string {
	if zh, ok := reasonsZh[reason]; ok {
		return zh
	}
	switch {
	case strings.HasPrefix(reason, "unknown activity kind"):
		names := make([]string, 0, len(activityNames))
		for _, k := range solver.ActivityKinds() {
			names = append(names, activityNames[k])
		}
		return "不是已知的资质（可选：" + strings.Join(names, "、") + "）"
	case strings.HasPrefix(reason, "unknown segment"):
		return "不是已知的时段（可选：午托、作业辅导、社团、延时、晚自习）"
	case strings.Contains(reason, "outside the service day"):
		return "时间不在服务时段内"
	case strings.HasPrefix(reason, "unknown institution"):
		return "本区没有这个机构"
	case strings.HasPrefix(reason, "institution_approved"):
		return "机构未获教育局批准，或执照不在有效期内"
	case strings.HasPrefix(reason, "institution_serves_school"):
		return "该机构不为本校服务"
	}
	return reason
}

// memberColumn maps a validation field of staff.Member to its column.
func memberColumn(field string) int {
	switch {
	case field == "staff_member.staff_number":
		return colNumber
	case field == "staff_member.name":
		return colName
	case field == "staff_member.kind", field == "staff_member.class_teacher_of":
		return colKind
	case field == "staff_member.institution_id":
		return colInstitution
	case strings.HasPrefix(field, "staff_member.qualifications"):
		return colQualifications
	case strings.HasPrefix(field, "staff_member.availability"):
		return colAvailability
	}
	return colNumber
}

// ImportOptions are what the uploader chose.
type ImportOptions struct {
	Kind     string
	DryRun   bool
	FileName string
	Encoding string // a CSV's declared encoding; "" detects
	By       string // account id, for the job
}

// StartImport opens the uploaded file at path (which the job then owns and
// removes), refuses it at once when it is not a spreadsheet of the kind,
// and runs the import in the background (importjob.Runner).
func (a *App) StartImport(ctx context.Context, to Target, path string, o ImportOptions, log *slog.Logger) (importjob.Job, error) {
	remove := true
	defer func() {
		if remove {
			_ = os.Remove(path)
		}
	}()
	cols, err := Columns(o.Kind)
	if err != nil {
		return importjob.Job{}, err
	}
	sc, err := a.scope(ctx, o.Kind, to)
	if err != nil {
		return importjob.Job{}, err
	}
	rd, err := sheet.Open(path, cols, sheet.ReadOptions{Encoding: o.Encoding})
	if err != nil {
		return importjob.Job{}, importjob.FileError(err)
	}
	job := importjob.Job{Scope: sc, Kind: o.Kind, DryRun: o.DryRun, FileName: o.FileName, CreatedBy: o.By}
	job, err = a.jobs.Start(ctx, log, job, func(bg context.Context, progress func(float64)) (importjob.Report, error) {
		defer os.Remove(path)
		defer rd.Close()
		return a.importRows(bg, sc, rd, o, progress)
	})
	if err != nil {
		_ = rd.Close()
		return importjob.Job{}, err
	}
	remove = false
	return job, nil
}

// Imports is the runner of staffing's import jobs, for the service's
// start (Recover) and shutdown (Shutdown).
func (a *App) Imports() *importjob.Runner { return a.jobs }

// GetImport reads a job of the school, or (no school) of the district.
func (a *App) GetImport(ctx context.Context, at Target, id string) (importjob.Job, error) {
	kind := KindStaff
	if at.SchoolID == "" {
		kind = KindInstitutions
	}
	sc, err := a.scope(ctx, kind, at)
	if err != nil {
		return importjob.Job{}, err
	}
	return a.store.ImportJobs().Get(ctx, sc, id)
}

// Import runs an import to the end in the caller's goroutine (tests).
func (a *App) Import(ctx context.Context, to Target, path string, o ImportOptions) (importjob.Report, error) {
	cols, err := Columns(o.Kind)
	if err != nil {
		return importjob.Report{}, err
	}
	sc, err := a.scope(ctx, o.Kind, to)
	if err != nil {
		return importjob.Report{}, err
	}
	rd, err := sheet.Open(path, cols, sheet.ReadOptions{Encoding: o.Encoding})
	if err != nil {
		return importjob.Report{}, importjob.FileError(err)
	}
	defer rd.Close()
	return importjob.Run(ctx, func(ctx context.Context, progress func(float64)) (importjob.Report, error) {
		return a.importRows(ctx, sc, rd, o, progress)
	}, nil)
}

// importStaff checks every row with CreateStaffMember's and
// UpdateStaffMember's rules (staff.Member.Validate, checkInstructor),
// matches people by 工号 and writes them all in one transaction. A row sets
// the columns it has; what the list does not carry (classes, limits,
// preferences) stays as recorded.
func (a *App) importStaff(ctx context.Context, schoolID, districtID string, rd *sheet.Reader, o ImportOptions, progress func(float64)) (importjob.Report, error) {
	rep := importjob.Report{Encoding: importjob.Encoding(rd)}
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return rep, err
	}
	existing, err := a.store.ListMembers(ctx, districtID, schoolID, "", 0)
	if err != nil {
		return rep, err
	}
	byNumber := map[string]staff.Member{}
	for _, m := range existing {
		if m.Number != "" {
			byNumber[m.Number] = m
		}
	}
	seen := map[string]int{}
	var write []staff.Member
	for rd.Next() {
		row := rd.Row()
		rep.Rows++
		if rep.Rows > 5000 {
			return rep, &sheet.Error{Kind: sheet.ErrNotSpreadsheet, Reason: "a staff list has at most 5000 rows", ReasonZh: "教职工表最多 5000 行"}
		}
		if rep.Rows%50 == 0 {
			progress(rd.Fraction())
		}
		v := row.Values
		reject := func(col int, reason, zh string) {
			rep.Reject(importjob.RowError{Row: row.Line, Column: staffColumns[col].Chinese, Value: v[col], Reason: reason, ReasonZh: zh})
		}
		m := staff.Member{Number: v[colNumber], Name: v[colName], Kind: kindOf(v[colKind]), InstitutionID: v[colInstitution],
			Subjects: list(v[colSubjects])}
		for _, q := range list(v[colQualifications]) {
			m.Qualifications = append(m.Qualifications, activityOf(q))
		}
		ok := true
		if m.Number == "" {
			reject(colNumber, "must not be blank: rows are matched by it", "不能为空：按工号匹配记录")
			ok = false
		} else if first, dup := seen[m.Number]; dup {
			reject(colNumber, fmt.Sprintf("the same staff number as row %d", first), fmt.Sprintf("与第 %d 行的工号重复", first))
			ok = false
		}
		seen[m.Number] = row.Line
		slots, bad := slotsOf(v[colAvailability])
		if bad != "" {
			reject(colAvailability, bad+`: write slots as "周一 社团；周三"`, "无法识别的星期：请写成“周一 社团；周三”")
			ok = false
		}
		m.Availability = slots
		old, found := byNumber[m.Number]
		if found {
			// The profile's other parts stay; the kind never changes (as UpdateStaffMember).
			m.ID, m.ClassesTaught, m.ClassTeacherOf, m.Limits, m.Preferences = old.ID, old.ClassesTaught, old.ClassTeacherOf, old.Limits, old.Preferences
			if m.Kind != old.Kind && kindOf(v[colKind]) != "" {
				reject(colKind, "cannot change from "+string(old.Kind), "人员类型不能改（原为"+kindChinese(old.Kind)+"）")
				ok = false
			}
		}
		m.SchoolID, m.DistrictID = sc.ID, sc.DistrictID
		if err := m.Validate(); err != nil {
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				return rep, err
			}
			for _, viol := range ve.Violations {
				col := memberColumn(viol.Field)
				if (col == colNumber && m.Number == "") || (col == colAvailability && bad != "") {
					continue // already said
				}
				reject(col, viol.Reason, reasonZh(viol.Reason))
			}
			ok = false
		}
		if ok && (!found || m.InstitutionID != old.InstitutionID) {
			if err := a.checkInstructor(ctx, sc, m); err != nil {
				var ve *fault.ValidationError
				switch {
				case errors.As(err, &ve):
					for _, viol := range ve.Violations {
						reject(memberColumn(viol.Field), viol.Reason, reasonZh(viol.Reason))
					}
				case errors.Is(err, fault.ErrFailedPrecondition):
					reject(colInstitution, err.Error(), reasonZh(err.Error()))
				default:
					return rep, err
				}
				ok = false
			}
		}
		if !ok {
			continue
		}
		switch {
		case !found:
			rep.New++
			m.ID = staff.NewID("stf")
			write = append(write, m)
		case slices.Equal(memberCells(old), memberCells(m)):
			rep.Unchanged++
		default:
			rep.Change(importjob.RowChange{Row: row.Line, Key: m.Number, Fields: importjob.Diff(staffColumns, memberCells(old), memberCells(m))})
			write = append(write, m)
		}
	}
	if err := rd.Err(); err != nil {
		return rep, err
	}
	progress(0.9)
	rep.SortErrors()
	rep.Applied = rep.Rejected == 0 && !o.DryRun
	if !rep.Applied || len(write) == 0 {
		return rep, nil
	}
	return rep, a.store.MergeMembers(ctx, write)
}

// Export writes the school's staff in the import layout (so exporting and
// importing again changes nothing), or, with template, the headers, one
// example row and the allowed values.
func (a *App) Export(ctx context.Context, at Target, kind, format string, template bool, out io.Writer) error {
	cols, err := Columns(kind)
	if err != nil {
		return err
	}
	sc, err := a.scope(ctx, kind, at)
	if err != nil {
		return err
	}
	if kind == KindInstitutions {
		rows := [][]string{{"91350402MA2Y000001", "阳光体育培训中心", "2024-01-01", "2028-12-31", "是", "", ""}}
		if !template {
			if rows, err = a.exportInstitutions(ctx, sc.DistrictID); err != nil {
				return err
			}
		}
		return importjob.WriteLayout(out, format, cols, rows, template, institutionHelp)
	}
	var rows [][]string
	if template {
		rows = [][]string{{"T2016001", "王老师", "校内教师", "", "语文、数学", "阅读、书法", "周一 社团；周三；周五 作业辅导"}}
	} else {
		ms, err := a.store.ListMembers(ctx, sc.DistrictID, sc.SchoolID, "", 0)
		if err != nil {
			return err
		}
		slices.SortFunc(ms, func(x, y staff.Member) int { return strings.Compare(x.Number, y.Number) })
		for _, m := range ms {
			rows = append(rows, memberCells(m))
		}
	}
	acts := make([]string, 0, len(activityNames))
	for _, k := range solver.ActivityKinds() {
		acts = append(acts, activityNames[k])
	}
	help := map[string]string{
		"工号":    "本校唯一；按它匹配已有人员 / unique in the school; rows are matched by it",
		"类型":    "校内教师、第三方机构人员、行政人员（已有人员不能改）/ teacher, outside_instructor, admin",
		"机构编号":  "第三方机构人员必填：本区已批准、为本校服务的机构编号（inst_…）；其他人留空",
		"任教学科":  "如 语文、数学",
		"资质":    "可带的活动：" + strings.Join(acts, "、"),
		"可上岗时间": "如“周一 社团；周三；周五 作业辅导 16:00-17:00”，时段可选 午托、作业辅导、社团、延时、晚自习；留空为每天全时段",
	}
	return importjob.WriteLayout(out, format, staffColumns, rows, template, help)
}
