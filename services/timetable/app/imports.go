package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/kehou/kehou/services/timetable/domain/school"
)

// ImportStore is what roster imports need: a merge of a whole file in one
// transaction, the jobs and the records to export.
type ImportStore interface {
	// MergeStudents copies every student feed yields into the database in
	// one transaction, reports each against the school's record of the same
	// 学籍号 (new, changed, unchanged) and duplicates within the file, then
	// commits when apply, called after the copy with the duplicates, says
	// so, and rolls back otherwise.
	MergeStudents(ctx context.Context, sc school.Scope, feed school.StudentFeed, apply func(dups []school.Duplicate) bool) (school.StudentMerge, error)
	// MergeClasses writes classes (new ones with fresh IDs) in one transaction.
	MergeClasses(ctx context.Context, sc school.Scope, classes []school.Class) error
	// MergeRooms writes rooms (new ones with fresh IDs) in one transaction.
	MergeRooms(ctx context.Context, sc school.Scope, rooms []school.Room) error
	// MergeClubs writes a term's clubs (new ones with fresh IDs) in one transaction.
	MergeClubs(ctx context.Context, sc school.Scope, clubs []school.Club) error
	// EachStudent calls fn for the school's students in 学籍号 order.
	EachStudent(ctx context.Context, sc school.Scope, fn func(school.Student) error) error
	// ImportJobs is timetable's table of import jobs (timetable.import_jobs).
	ImportJobs() *importjob.Store
}

// ImportPrefix starts timetable's import ids; the gateway routes GetImport by it.
const ImportPrefix = "imp"

// Import kinds.
const (
	KindStudents = "students"
	KindClasses  = "classes"
	KindRooms    = "rooms"
	KindClubs    = "clubs"
)

// studentColumns is the roster layout: import template, export and the
// headers an upload must have (Chinese, or the English name).
var studentColumns = []sheet.Field{
	{Chinese: "学籍号", English: "Student number", Required: true},
	{Chinese: "姓名", English: "Name", Required: true},
	{Chinese: "班级", English: "Class", Required: true},
	{Chinese: "出生日期", English: "Birth date"},
	{Chinese: "困难类别", English: "Hardship category"},
	{Chinese: "困难已核实", English: "Hardship verified"},
	{Chinese: "监护人1姓名", English: "Guardian 1 name", Required: true},
	{Chinese: "监护人1电话", English: "Guardian 1 phone", Required: true},
	{Chinese: "监护人1关系", English: "Guardian 1 relation"},
	{Chinese: "监护人2姓名", English: "Guardian 2 name"},
	{Chinese: "监护人2电话", English: "Guardian 2 phone"},
	{Chinese: "监护人2关系", English: "Guardian 2 relation"},
}

const (
	colNumber = iota
	colName
	colClass
	colBirth
	colHardship
	colVerified
	colG1Name
	colG1Phone
	colG1Relation
	colG2Name
	colG2Phone
	colG2Relation
)

// classColumns is the class list layout.
var classColumns = []sheet.Field{
	{Chinese: "班级名称", English: "Class name", Required: true},
	{Chinese: "年级", English: "Grade", Required: true},
	{Chinese: "班额", English: "Size", Required: true},
	{Chinese: "教室", English: "Home room"},
}

// roomColumns is the room list layout.
var roomColumns = []sheet.Field{
	{Chinese: "教室名称", English: "Room name", Required: true},
	{Chinese: "类型", English: "Kind", Required: true},
	{Chinese: "座位数", English: "Capacity", Required: true},
}

// clubColumns is a term's club list layout.
var clubColumns = []sheet.Field{
	{Chinese: "社团名称", English: "Club name", Required: true},
	{Chinese: "活动类型", English: "Activity", Required: true},
	{Chinese: "提供方", English: "Provider", Required: true},
	{Chinese: "机构编号", English: "Institution id"},
	{Chinese: "人数上限", English: "Capacity", Required: true},
	{Chinese: "年级", English: "Grades", Required: true},
	{Chinese: "教室类型", English: "Room kind", Required: true},
	{Chinese: "每周次数", English: "Meetings per week", Required: true},
}

// Columns returns a kind's layout, or an error naming the kinds there are.
func Columns(kind string) ([]sheet.Field, error) {
	switch kind {
	case KindStudents:
		return studentColumns, nil
	case KindClasses:
		return classColumns, nil
	case KindRooms:
		return roomColumns, nil
	case KindClubs:
		return clubColumns, nil
	}
	return nil, fault.Invalid("kind", fmt.Sprintf("unknown import kind %q: use %s, %s, %s or %s (timetable's), "+
		"staff or institutions (staffing's), fee_schedules or rate_tables (billing's)", kind, KindStudents, KindClasses, KindRooms, KindClubs))
}

// ImportOptions are what the uploader chose.
type ImportOptions struct {
	Kind     string
	DryRun   bool
	FileName string
	Encoding string // a CSV's declared encoding; "" detects
	TermID   string // the term, for clubs
	By       string // account id, for the job and the audit trail
}

// StartImport opens the uploaded file at path (which the job then owns and
// removes), refuses it at once when it is not a spreadsheet of the kind,
// and runs the import in the background (importjob.Runner): the job's
// percent moves while rows are read, and its report is there when it ends.
func (a *App) StartImport(ctx context.Context, schoolID, path string, o ImportOptions, log *slog.Logger) (school.ImportJob, error) {
	remove := true
	defer func() {
		if remove {
			_ = os.Remove(path)
		}
	}()
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return school.ImportJob{}, err
	}
	cols, err := Columns(o.Kind)
	if err != nil {
		return school.ImportJob{}, err
	}
	rd, err := sheet.Open(path, cols, sheet.ReadOptions{Encoding: o.Encoding})
	if err != nil {
		return school.ImportJob{}, importjob.FileError(err)
	}
	job := importjob.Job{Scope: importjob.Scope{DistrictID: t.Scope.DistrictID, SchoolID: t.Scope.SchoolID},
		Kind: o.Kind, DryRun: o.DryRun, FileName: o.FileName, CreatedBy: o.By}
	job, err = a.jobs.Start(ctx, log, job, func(bg context.Context, progress func(float64)) (school.ImportReport, error) {
		defer os.Remove(path)
		defer rd.Close()
		return a.importRows(bg, t, rd, o, progress)
	})
	if err != nil {
		_ = rd.Close()
		return school.ImportJob{}, err
	}
	remove = false
	return job, nil
}

// Imports is the runner of timetable's import jobs, for the service's
// start (Recover) and shutdown (Shutdown).
func (a *App) Imports() *importjob.Runner { return a.jobs }

// GetImport reads a job of the school.
func (a *App) GetImport(ctx context.Context, schoolID, id string) (school.ImportJob, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return school.ImportJob{}, err
	}
	return a.store.ImportJobs().Get(ctx, importjob.Scope{DistrictID: t.Scope.DistrictID, SchoolID: t.Scope.SchoolID}, id)
}

// Import runs an import to the end in the caller's goroutine (StartImport
// runs it in the background; tests and benchmarks call it directly).
func (a *App) Import(ctx context.Context, schoolID, path string, o ImportOptions, progress func(float64)) (school.ImportReport, error) {
	t, err := a.Tenant(ctx, schoolID)
	if err != nil {
		return school.ImportReport{}, err
	}
	cols, err := Columns(o.Kind)
	if err != nil {
		return school.ImportReport{}, err
	}
	rd, err := sheet.Open(path, cols, sheet.ReadOptions{Encoding: o.Encoding})
	if err != nil {
		return school.ImportReport{}, importjob.FileError(err)
	}
	defer rd.Close()
	return importjob.Run(ctx, func(ctx context.Context, progress func(float64)) (school.ImportReport, error) {
		return a.importRows(ctx, t, rd, o, progress)
	}, progress)
}

func (a *App) importRows(ctx context.Context, t Tenant, rd *sheet.Reader, o ImportOptions, progress func(float64)) (school.ImportReport, error) {
	rep := school.ImportReport{Encoding: importjob.Encoding(rd)}
	var err error
	switch o.Kind {
	case KindStudents:
		err = a.importStudents(ctx, t, rd, o, &rep, progress)
	case KindClasses:
		err = a.importClasses(ctx, t, rd, o, &rep, progress)
	case KindRooms:
		err = a.importRooms(ctx, t, rd, o, &rep, progress)
	case KindClubs:
		err = a.importClubs(ctx, t, rd, o, &rep, progress)
	}
	return rep, err
}

// studentFeed reads rows, turns each into a student with the single-record
// API's own validation (school.Student.Validate), reports the bad ones and
// yields the good ones to the store's COPY.
type studentFeed struct {
	rd       *sheet.Reader
	rep      *school.ImportReport
	classes  map[string]school.Class // by name
	progress func(float64)
	row      int
	st       school.Student
	err      error
}

func (f *studentFeed) Next() bool {
	for f.rd.Next() {
		r := f.rd.Row()
		f.rep.Rows++
		if f.rep.Rows%500 == 0 {
			f.progress(f.rd.Fraction())
		}
		st, ok := f.student(r)
		if ok {
			f.row, f.st = r.Line, st
			return true
		}
	}
	f.err = f.rd.Err()
	return false
}

func (f *studentFeed) Student() (int, school.Student) { return f.row, f.st }

func (f *studentFeed) reject(r sheet.Row, col int, reason, zh string) {
	f.rep.Reject(school.RowError{Row: r.Line, Column: studentColumns[col].Chinese, Value: r.Values[col], Reason: reason, ReasonZh: zh})
}

var yes = map[string]bool{"是": true, "已核实": true, "y": true, "yes": true, "true": true, "1": true}
var no = map[string]bool{"": true, "否": true, "未核实": true, "n": true, "no": true, "false": true, "0": true}

// student converts one row; what the row cannot say (an unknown class, a
// date that is no date) is reported here, everything else by Validate.
func (f *studentFeed) student(r sheet.Row) (school.Student, bool) {
	v := r.Values
	st := school.Student{Number: v[colNumber], Name: v[colName], Hardship: hardshipOf(v[colHardship])}
	ok := true
	if c, found := f.classes[v[colClass]]; found {
		st.ClassID = c.ID
	} else if v[colClass] != "" {
		f.reject(r, colClass, "no class of this name in the school", "本校没有这个班级")
		ok = false
	}
	if v[colBirth] != "" {
		d, good := sheet.ParseDate(v[colBirth])
		if !good {
			f.reject(r, colBirth, "not a date: write it as 2016-09-01", "不是有效日期：请写成 2016-09-01")
			ok = false
		} else {
			st.BirthDate = civil.Of(d)
		}
	}
	switch low := strings.ToLower(v[colVerified]); {
	case yes[low]:
		st.Verified = true
	case !no[low]:
		f.reject(r, colVerified, "must be 是 or 否", "应为“是”或“否”")
		ok = false
	}
	for i, base := range []int{colG1Name, colG2Name} {
		if i > 0 && v[base] == "" && v[base+1] == "" && v[base+2] == "" {
			continue
		}
		st.Guardians = append(st.Guardians, school.Guardian{Name: v[base], Phone: v[base+1], Relation: v[base+2]})
	}
	if st.Number == "" {
		f.reject(r, colNumber, "must not be blank: rows are matched by it", "不能为空：按学籍号匹配记录")
		ok = false
	}
	if err := st.Validate(); err != nil {
		var ve *fault.ValidationError
		if !errors.As(err, &ve) {
			f.reject(r, colNumber, err.Error(), err.Error())
			return st, false
		}
		for _, viol := range ve.Violations {
			col, skip := studentColumn(viol.Field, st.ClassID == "" && v[colClass] != "")
			if skip || (col == colNumber && st.Number == "") {
				continue // already said
			}
			zh := school.ReasonZh(viol.Reason)
			if zh == "" {
				zh = viol.Reason
			}
			if col == colHardship {
				zh += "（可选：" + hardshipChoices() + "）"
			}
			f.reject(r, col, viol.Reason, zh)
		}
		ok = false
	}
	return st, ok
}

var guardianField = regexp.MustCompile(`^student\.guardians\[(\d)\]\.(name|phone|relation)$`)

// studentColumn maps a validation field to its column; skip when the
// violation repeats one the row already has (no class id for an unknown class).
func studentColumn(field string, classReported bool) (col int, skip bool) {
	switch field {
	case "student.student_number":
		return colNumber, false
	case "student.name":
		return colName, false
	case "student.class_id":
		return colClass, classReported
	case "student.birth_date":
		return colBirth, false
	case "student.hardship_category":
		return colHardship, false
	case "student.guardians":
		return colG1Name, false
	}
	if m := guardianField.FindStringSubmatch(field); m != nil {
		i, _ := strconv.Atoi(m[1])
		off := map[string]int{"name": 0, "phone": 1, "relation": 2}[m[2]]
		if i > 1 {
			return colG2Name + off, false
		}
		return colG1Name + 3*i + off, false
	}
	return colNumber, false
}

// hardshipOf reads a hardship cell: the Chinese name (低保) or the code
// (dibao); anything else is kept as written, for Validate to refuse.
func hardshipOf(s string) school.Hardship {
	s = strings.TrimSpace(s)
	if s == "" || s == "无" {
		return ""
	}
	for _, h := range school.Hardships {
		if s == h.Chinese || strings.EqualFold(s, string(h.Category)) {
			return h.Category
		}
	}
	return school.Hardship(s)
}

func hardshipChinese(h school.Hardship) string {
	for _, x := range school.Hardships {
		if x.Category == h {
			return x.Chinese
		}
	}
	return string(h)
}

func hardshipChoices() string {
	names := make([]string, len(school.Hardships))
	for i, h := range school.Hardships {
		names[i] = h.Chinese
	}
	return strings.Join(names, "、")
}

func (a *App) importStudents(ctx context.Context, t Tenant, rd *sheet.Reader, o ImportOptions, rep *school.ImportReport, progress func(float64)) error {
	classes, err := a.store.ListClasses(ctx, t.Scope)
	if err != nil {
		return err
	}
	byName := make(map[string]school.Class, len(classes))
	byID := make(map[string]string, len(classes))
	for _, c := range classes {
		byName[c.Name], byID[c.ID] = c, c.Name
	}
	feed := &studentFeed{rd: rd, rep: rep, classes: byName, progress: progress}
	m, err := a.store.MergeStudents(ctx, t.Scope, feed, func(dups []school.Duplicate) bool {
		for _, d := range dups {
			rep.Reject(school.RowError{Row: d.Row, Column: studentColumns[colNumber].Chinese, Value: d.Number,
				Reason:   fmt.Sprintf("the same 学籍号 as row %d", d.FirstRow),
				ReasonZh: fmt.Sprintf("与第 %d 行的学籍号重复", d.FirstRow)})
		}
		return feed.err == nil && rep.Rejected == 0 && !o.DryRun
	})
	if err == nil {
		err = feed.err
	}
	if err != nil {
		return err
	}
	rep.New, rep.Unchanged = m.New, m.Unchanged
	rep.Applied = rep.Rejected == 0 && !o.DryRun
	rep.SortErrors()
	for _, c := range m.Changes {
		rep.Change(school.RowChange{Row: c.Row, Key: c.New.Number, Fields: studentDiff(c.Old, c.New, byID)})
	}
	rep.Changed = m.Changed
	return nil
}

// studentCells is a student as the roster's cells, for export and diffs.
func studentCells(st school.Student, className map[string]string) []string {
	out := make([]string, len(studentColumns))
	out[colNumber], out[colName], out[colClass] = st.Number, st.Name, className[st.ClassID]
	if !st.BirthDate.IsZero() {
		out[colBirth] = st.BirthDate.String()
	}
	if st.Hardship != "" {
		out[colHardship] = hardshipChinese(st.Hardship)
	}
	out[colVerified] = "否"
	if st.Verified {
		out[colVerified] = "是"
	}
	for i, g := range st.Guardians {
		if i > 1 {
			break
		}
		base := colG1Name + 3*i
		out[base], out[base+1], out[base+2] = g.Name, g.Phone, g.Relation
	}
	return out
}

func studentDiff(old, new school.Student, className map[string]string) []school.FieldChange {
	a, b := studentCells(old, className), studentCells(new, className)
	var out []school.FieldChange
	for i := range a {
		if a[i] != b[i] {
			out = append(out, school.FieldChange{Column: studentColumns[i].Chinese, Old: a[i], New: b[i]})
		}
	}
	return out
}

// importClasses checks every row with CreateClass's rules (checkClass) and
// writes them all in one transaction; a class list is at most a few
// hundred rows, so it is held whole.
func (a *App) importClasses(ctx context.Context, t Tenant, rd *sheet.Reader, o ImportOptions, rep *school.ImportReport, progress func(float64)) error {
	rooms, err := a.store.ListRooms(ctx, t.Scope)
	if err != nil {
		return err
	}
	existing, err := a.store.ListClasses(ctx, t.Scope)
	if err != nil {
		return err
	}
	roomName := map[string]string{}
	roomID := map[string]string{}
	for _, r := range rooms {
		roomName[r.ID], roomID[r.Name] = r.Name, r.ID
	}
	byName := map[string]school.Class{}
	for _, c := range existing {
		byName[c.Name] = c
	}
	seen := map[string]int{}
	var out []school.Class
	after := slices.Clone(existing) // the school's classes as the file leaves them
	reject := func(r sheet.Row, col int, reason, zh string) {
		rep.Reject(school.RowError{Row: r.Line, Column: classColumns[col].Chinese, Value: r.Values[col], Reason: reason, ReasonZh: zh})
	}
	var rows []sheet.Row
	for rd.Next() {
		r := rd.Row()
		rep.Rows++
		if rep.Rows > 5000 {
			return &sheet.Error{Kind: sheet.ErrNotSpreadsheet, Reason: "a class list has at most 5000 rows", ReasonZh: "班级表最多 5000 行"}
		}
		rows = append(rows, r)
		v := r.Values
		c := school.Class{Name: v[0]}
		ok := true
		if first, dup := seen[c.Name]; dup && c.Name != "" {
			reject(r, 0, fmt.Sprintf("the same class name as row %d", first), fmt.Sprintf("与第 %d 行的班级名称重复", first))
			ok = false
		}
		seen[c.Name] = r.Line
		for i, p := range []*int{&c.Grade, &c.Size} {
			n, err := strconv.Atoi(v[i+1])
			if err != nil {
				reject(r, i+1, "must be a whole number", "应为整数")
				ok = false
			}
			*p = n
		}
		if v[3] != "" {
			id, found := roomID[v[3]]
			if !found {
				reject(r, 3, "no room of this name in the school", "本校没有这个教室")
				ok = false
			}
			c.HomeRoomID = id
		}
		if old, found := byName[c.Name]; found {
			c.ID = old.ID
		}
		if !ok {
			continue
		}
		if err := a.checkClass(t, c, rooms, after); err != nil {
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			for _, viol := range ve.Violations {
				col := map[string]int{"class.name": 0, "class.grade": 1, "class.size": 2, "class.home_room_id": 3}[viol.Field]
				zh := school.ReasonZh(viol.Reason)
				if zh == "" {
					zh = viol.Reason
				}
				reject(r, col, viol.Reason, zh)
			}
			continue
		}
		if i := slices.IndexFunc(after, func(x school.Class) bool { return x.ID == c.ID && c.ID != "" }); i >= 0 {
			after[i] = c
		} else {
			after = append(after, c)
		}
		out = append(out, c)
	}
	if err := rd.Err(); err != nil {
		return err
	}
	progress(0.9)
	cells := func(c school.Class) []string {
		return []string{c.Name, strconv.Itoa(c.Grade), strconv.Itoa(c.Size), roomName[c.HomeRoomID]}
	}
	line := map[string]int{}
	for _, r := range rows {
		line[r.Values[0]] = r.Line
	}
	var write []school.Class
	for _, c := range out {
		old, found := byName[c.Name]
		switch {
		case !found:
			rep.New++
			c.ID = school.NewID("cls")
			write = append(write, c)
		case old == c:
			rep.Unchanged++
		default:
			var fs []school.FieldChange
			for i, x := range cells(old) {
				if y := cells(c)[i]; x != y {
					fs = append(fs, school.FieldChange{Column: classColumns[i].Chinese, Old: x, New: y})
				}
			}
			rep.Change(school.RowChange{Row: line[c.Name], Key: c.Name, Fields: fs})
			write = append(write, c)
		}
	}
	rep.SortErrors()
	if rep.Rejected > 0 || o.DryRun || len(write) == 0 {
		rep.Applied = rep.Rejected == 0 && !o.DryRun
		return nil
	}
	if err := a.store.MergeClasses(ctx, t.Scope, write); err != nil {
		return err
	}
	rep.Applied = true
	return nil
}

// roomKindOf reads a kind cell: the Chinese name (体育馆) or the code (gym);
// anything else is kept for Validate to refuse.
func roomKindOf(s string) school.RoomKind {
	for _, k := range school.RoomKinds {
		if s == k.Chinese || strings.EqualFold(s, string(k.Kind)) {
			return k.Kind
		}
	}
	return school.RoomKind(s)
}

func roomKindChinese(k school.RoomKind) string {
	for _, x := range school.RoomKinds {
		if x.Kind == k {
			return x.Chinese
		}
	}
	return string(k)
}

func roomCells(r school.Room) []string {
	return []string{r.Name, roomKindChinese(r.Kind), strconv.Itoa(r.Capacity)}
}

// importRooms checks every row with CreateRoom's rules (Room.Validate),
// matches rooms by name and writes them all in one transaction.
func (a *App) importRooms(ctx context.Context, t Tenant, rd *sheet.Reader, o ImportOptions, rep *school.ImportReport, progress func(float64)) error {
	existing, err := a.store.ListRooms(ctx, t.Scope)
	if err != nil {
		return err
	}
	byName := map[string]school.Room{}
	for _, r := range existing {
		byName[r.Name] = r
	}
	seen := map[string]int{}
	var write []school.Room
	for rd.Next() {
		row := rd.Row()
		rep.Rows++
		if rep.Rows > 5000 {
			return &sheet.Error{Kind: sheet.ErrNotSpreadsheet, Reason: "a room list has at most 5000 rows", ReasonZh: "教室表最多 5000 行"}
		}
		v := row.Values
		reject := func(col int, reason, zh string) {
			rep.Reject(school.RowError{Row: row.Line, Column: roomColumns[col].Chinese, Value: v[col], Reason: reason, ReasonZh: zh})
		}
		r := school.Room{Name: v[0], Kind: roomKindOf(v[1])}
		ok := true
		if first, dup := seen[r.Name]; dup && r.Name != "" {
			reject(0, fmt.Sprintf("the same room name as row %d", first), fmt.Sprintf("与第 %d 行的教室名称重复", first))
			ok = false
		}
		seen[r.Name] = row.Line
		n, err := strconv.Atoi(v[2])
		if err != nil {
			reject(2, "must be a whole number", "应为整数")
			ok = false
		}
		r.Capacity = n
		if err := r.Validate(); err != nil {
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			for _, viol := range ve.Violations {
				col := map[string]int{"room.name": 0, "room.kind": 1, "room.capacity": 2}[viol.Field]
				if col == 2 && !ok && v[2] != "" && n == 0 {
					continue // already said: not a number
				}
				zh := school.ReasonZh(viol.Reason)
				if zh == "" {
					zh = viol.Reason
				}
				if col == 1 {
					names := make([]string, len(school.RoomKinds))
					for i, k := range school.RoomKinds {
						names[i] = k.Chinese
					}
					zh += "（可选：" + strings.Join(names, "、") + "）"
				}
				reject(col, viol.Reason, zh)
			}
			ok = false
		}
		if !ok {
			continue
		}
		old, found := byName[r.Name]
		switch {
		case !found:
			rep.New++
			r.ID = school.NewID("room")
			write = append(write, r)
		case old.Kind == r.Kind && old.Capacity == r.Capacity:
			rep.Unchanged++
		default:
			r.ID = old.ID
			var fs []school.FieldChange
			for i, x := range roomCells(old) {
				if y := roomCells(r)[i]; x != y {
					fs = append(fs, school.FieldChange{Column: roomColumns[i].Chinese, Old: x, New: y})
				}
			}
			rep.Change(school.RowChange{Row: row.Line, Key: r.Name, Fields: fs})
			write = append(write, r)
		}
	}
	if err := rd.Err(); err != nil {
		return err
	}
	progress(0.9)
	rep.SortErrors()
	rep.Applied = rep.Rejected == 0 && !o.DryRun
	if !rep.Applied || len(write) == 0 {
		return nil
	}
	return a.store.MergeRooms(ctx, t.Scope, write)
}

func activityOf(s string) school.ActivityKind {
	for _, k := range school.ActivityKinds {
		if s == k.Chinese || strings.EqualFold(s, string(k.Kind)) {
			return k.Kind
		}
	}
	return school.ActivityKind(s)
}

func activityChinese(k school.ActivityKind) string {
	for _, x := range school.ActivityKinds {
		if x.Kind == k {
			return x.Chinese
		}
	}
	return string(k)
}

var providerNames = map[school.ProviderKind]string{school.ProviderSchool: "学校", school.ProviderInstitution: "校外机构"}

func providerOf(s string) school.ProviderKind {
	for k, zh := range providerNames {
		if s == zh || strings.EqualFold(s, string(k)) {
			return k
		}
	}
	return school.ProviderKind(s)
}

// gradesOf reads "3、4、5", "3,4,5" or "3 4 5".
func gradesOf(s string) ([]int, bool) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ' ' || r == ';' }) {
		g, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		out = append(out, g)
	}
	return out, true
}

func clubCells(c school.Club) []string {
	gs := make([]string, len(c.Grades))
	for i, g := range c.Grades {
		gs[i] = strconv.Itoa(g)
	}
	return []string{c.Name, activityChinese(c.Activity), providerNames[c.Provider], c.InstitutionID, strconv.Itoa(c.Capacity),
		strings.Join(gs, "、"), roomKindChinese(c.RoomKind), strconv.Itoa(c.MeetingsPerWeek)}
}

// importClubs checks every row with CreateClub's rules (Club.Validate
// against the school's rooms), matches a term's clubs by name and writes
// them in one transaction; a club's seats may not drop below its members.
func (a *App) importClubs(ctx context.Context, t Tenant, rd *sheet.Reader, o ImportOptions, rep *school.ImportReport, progress func(float64)) error {
	if _, err := a.store.GetTerm(ctx, t.Scope, o.TermID); err != nil {
		return err
	}
	rooms, err := a.store.ListRooms(ctx, t.Scope)
	if err != nil {
		return err
	}
	existing, err := a.store.ListClubs(ctx, t.Scope, o.TermID)
	if err != nil {
		return err
	}
	byName := map[string]school.Club{}
	for _, c := range existing {
		byName[c.Name] = c
	}
	seen := map[string]int{}
	var write []school.Club
	for rd.Next() {
		row := rd.Row()
		rep.Rows++
		if rep.Rows > 5000 {
			return &sheet.Error{Kind: sheet.ErrNotSpreadsheet, Reason: "a club list has at most 5000 rows", ReasonZh: "社团表最多 5000 行"}
		}
		v := row.Values
		reject := func(col int, reason, zh string) {
			rep.Reject(school.RowError{Row: row.Line, Column: clubColumns[col].Chinese, Value: v[col], Reason: reason, ReasonZh: zh})
		}
		c := school.Club{Name: v[0], Activity: activityOf(v[1]), Provider: providerOf(v[2]), InstitutionID: v[3],
			RoomKind: roomKindOf(v[6]), TermID: o.TermID}
		ok := true
		if first, dup := seen[c.Name]; dup && c.Name != "" {
			reject(0, fmt.Sprintf("the same club name as row %d", first), fmt.Sprintf("与第 %d 行的社团名称重复", first))
			ok = false
		}
		seen[c.Name] = row.Line
		said := map[int]bool{}
		for col, p := range map[int]*int{4: &c.Capacity, 7: &c.MeetingsPerWeek} {
			n, err := strconv.Atoi(v[col])
			if err != nil {
				reject(col, "must be a whole number", "应为整数")
				ok, said[col] = false, true
			}
			*p = n
		}
		if gs, good := gradesOf(v[5]); good {
			c.Grades = gs
		} else {
			reject(5, "grades are numbers such as 3、4、5", "年级应写成 3、4、5")
			ok, said[5] = false, true
		}
		if err := c.Validate(t.School.Stage, rooms); err != nil {
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			fields := map[string]int{"club.name": 0, "club.activity_kind": 1, "club.provider_kind": 2, "club.institution_id": 3,
				"club.capacity": 4, "club.grades": 5, "club.room_kind": 6, "club.meetings_per_week": 7}
			for _, viol := range ve.Violations {
				col, found := fields[viol.Field]
				if !found {
					col = 5 // club.grades[i]
				}
				if said[col] {
					continue
				}
				zh := school.ReasonZh(viol.Reason)
				if zh == "" {
					zh = viol.Reason
				}
				reject(col, viol.Reason, zh)
			}
			ok = false
		}
		old, found := byName[c.Name]
		if found && ok && c.Capacity < old.Members {
			reject(4, fmt.Sprintf("the club has %d members", old.Members), fmt.Sprintf("已有 %d 名成员，人数上限不能更低", old.Members))
			ok = false
		}
		if !ok {
			continue
		}
		switch {
		case !found:
			rep.New++
			c.ID = school.NewID("club")
			write = append(write, c)
		case slices.Equal(clubCells(old), clubCells(c)):
			rep.Unchanged++
		default:
			c.ID = old.ID
			var fs []school.FieldChange
			for i, x := range clubCells(old) {
				if y := clubCells(c)[i]; x != y {
					fs = append(fs, school.FieldChange{Column: clubColumns[i].Chinese, Old: x, New: y})
				}
			}
			rep.Change(school.RowChange{Row: row.Line, Key: c.Name, Fields: fs})
			write = append(write, c)
		}
	}
	if err := rd.Err(); err != nil {
		return err
	}
	progress(0.9)
	rep.SortErrors()
	rep.Applied = rep.Rejected == 0 && !o.DryRun
	if !rep.Applied || len(write) == 0 {
		return nil
	}
	return a.store.MergeClubs(ctx, t.Scope, write)
}
