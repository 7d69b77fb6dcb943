package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/timetable/app"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/org"
	"github.com/kehou/kehou/services/timetable/domain/school"
	"github.com/kehou/kehou/services/timetable/store"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var ctx = context.Background()

func newWorld(t testing.TB) (*app.App, string, func(t testing.TB) string) {
	t.Helper()
	pool := pgtest.Pool(t)
	a := app.New(store.New(pool), nil)
	if _, err := a.CreateDistrict(ctx, org.District{ID: "350402", Name: "三元区", Policy: org.Policy{OffWork: 17 * 60,
		ServiceDaysPerWeek: 5, PeriodMinutesPrimary: 40, PeriodMinutesJuniorMiddle: 45}}); err != nil {
		t.Fatal(err)
	}
	sc, err := a.CreateSchool(ctx, org.School{DistrictID: "350402", Name: "实验小学", Stage: org.StagePrimary})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []school.Class{{Grade: 3, Name: "三(1)班", Size: 45}, {Grade: 3, Name: "三(2)班", Size: 44}} {
		if _, err := a.CreateClass(ctx, sc.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	// dump is every student row of the school, as the database has it.
	dump := func(t testing.TB) string {
		var s string
		err := pool.QueryRow(ctx, `SELECT coalesce(string_agg(concat_ws('|', student_id, student_number, class_id, name,
			guardians::text, hardship_category, hardship_verified, birth_date), E'\n' ORDER BY student_number), '')
			FROM timetable.students WHERE school_id = $1`, sc.ID).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return a, sc.ID, dump
}

const header = "学籍号,姓名,班级,出生日期,困难类别,困难已核实,监护人1姓名,监护人1电话,监护人1关系,监护人2姓名,监护人2电话,监护人2关系\n"

func file(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func gbk(t testing.TB, s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func importFile(t testing.TB, a *app.App, schoolID, path string, dry bool) school.ImportReport {
	t.Helper()
	rep, err := a.Import(ctx, schoolID, path, app.ImportOptions{Kind: app.KindStudents, DryRun: dry}, nil)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

// Acceptance 2: one bad file, one line per bad row, the GBK name read
// correctly, and nothing written.
func TestBadRosterRejectedWhole(t *testing.T) {
	a, sch, dump := newWorld(t)
	good := importFile(t, a, sch, file(t, "first.csv", []byte(header+
		"G350402201601010001,李四,三(1)班,2016-01-01,,否,李父,13800000001,父亲,,,\n")), false)
	if !good.Applied || good.New != 1 {
		t.Fatalf("first import: %+v", good)
	}
	before := dump(t)
	body := header +
		"G350402201601010011,王小明,三(1)班,2016-03-15,低保,是,王丽,13812345678,母亲,,,\n" + // row 2: good, GBK name
		"G350402201601010011,王小红,三(1)班,2016-03-15,,否,王丽,13812345678,母亲,,,\n" + // row 3: duplicate 学籍号
		"G350402201601010012,张三,五(9)班,2016-04-01,,否,张父,13812345679,父亲,,,\n" + // row 4: no such class
		"G350402201601010013,赵六,三(2)班,2016-13-45,,否,赵母,13812345670,母亲,,,\n" + // row 5: bad date
		"G350402201601010014,钱七,三(2)班,2016-05-01,,否,钱母,1381234abcd,母亲,,,\n" + // row 6: phone with letters
		"G350402201601010015,孙八,三(2)班,2016-06-01,贫困户,否,孙母,13812345671,母亲,,,\n" + // row 7: unknown hardship
		"G350402201601010001,李四,三(2)班,2016-01-01,,否,李父,13800000001,父亲,,,\n" // row 8: a valid change
	rep := importFile(t, a, sch, file(t, "bad.csv", gbk(t, body)), false)
	if rep.Encoding != "gb18030" {
		t.Errorf("read as %q, want gb18030 detected", rep.Encoding)
	}
	want := map[int]string{3: "学籍号", 4: "班级", 5: "出生日期", 6: "监护人1电话", 7: "困难类别"}
	if rep.Rejected != len(want) || len(rep.Errors) != len(want) || rep.Applied {
		t.Fatalf("rejected %d with %d lines (applied %v), want %d lines: %+v", rep.Rejected, len(rep.Errors), rep.Applied, len(want), rep.Errors)
	}
	for _, e := range rep.Errors {
		if want[e.Row] != e.Column || e.Reason == "" || e.ReasonZh == "" {
			t.Errorf("row %d: column %q (%q / %q), want column %q with both reasons", e.Row, e.Column, e.Reason, e.ReasonZh, want[e.Row])
		}
	}
	if rep.Errors[0].Value != "G350402201601010011" || !strings.Contains(rep.Errors[0].ReasonZh, "第 2 行") {
		t.Errorf("duplicate line %+v", rep.Errors[0])
	}
	if rep.New != 1 || rep.Changed != 1 || len(rep.Changes) != 1 || rep.Changes[0].Row != 8 {
		t.Errorf("counts new %d changed %d, changes %+v", rep.New, rep.Changed, rep.Changes)
	}
	if after := dump(t); after != before {
		t.Fatalf("a rejected file wrote:\nbefore %s\nafter  %s", before, after)
	}
	// The good rows alone import, and the GBK name arrives intact.
	fixed := strings.Join([]string{strings.TrimSuffix(header, "\n"), strings.Split(body, "\n")[1]}, "\n") + "\n"
	if rep := importFile(t, a, sch, file(t, "fixed.csv", gbk(t, fixed)), false); !rep.Applied || rep.New != 1 {
		t.Fatalf("fixed file: %+v", rep)
	}
	if d := dump(t); !strings.Contains(d, "|王小明|") || !strings.Contains(d, "|dibao|t|2016-03-15") {
		t.Errorf("GBK row stored as:\n%s", d)
	}
}

func export(t testing.TB, a *app.App, sch, format string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := a.Export(ctx, sch, app.KindStudents, "", format, false, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Acceptance 3: export → import changes nothing; one edited cell changes
// exactly that field, and the report says which.
func TestRoundTrip(t *testing.T) {
	a, sch, dump := newWorld(t)
	rep := importFile(t, a, sch, file(t, "r.csv", []byte(header+
		"G350402201601010001,李四,三(1)班,2016-01-01,特困,是,李父,13800000001,父亲,李母,13800000002,母亲\n"+
		"G350402201601010002,周五,三(2)班,,,否,周父,+86 138-0000-0003,,,,\n")), false)
	if rep.New != 2 || !rep.Applied {
		t.Fatalf("seed: %+v", rep)
	}
	before := dump(t)
	for _, format := range []string{app.FormatXLSX, app.FormatCSV, "csv-gb18030"} {
		out := file(t, "export."+format, export(t, a, sch, format))
		again := importFile(t, a, sch, out, false)
		if again.Unchanged != 2 || again.New+again.Changed+again.Rejected != 0 || len(again.Changes) != 0 {
			t.Fatalf("%s round trip: %+v", format, again)
		}
		if after := dump(t); after != before {
			t.Fatalf("%s round trip wrote:\n%s\n%s", format, before, after)
		}
	}
	// Change one cell of the CSV export: 周五's guardian phone.
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(export(t, a, sch, app.FormatCSV), []byte{0xEF, 0xBB, 0xBF}))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[2][1] != "周五" {
		t.Fatalf("export order: %v", recs)
	}
	recs[2][7] = "13900000009"
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(recs)
	rep = importFile(t, a, sch, file(t, "edited.csv", b.Bytes()), false)
	if rep.Changed != 1 || rep.Unchanged != 1 || len(rep.Changes) != 1 || !rep.Applied {
		t.Fatalf("edited import: %+v", rep)
	}
	c := rep.Changes[0]
	if c.Row != 3 || c.Key != "G350402201601010002" || len(c.Fields) != 1 || c.Fields[0].Column != "监护人1电话" ||
		c.Fields[0].Old != "+86 138-0000-0003" || c.Fields[0].New != "13900000009" {
		t.Fatalf("change %+v", c)
	}
	after := dump(t)
	if strings.Replace(before, "+86 138-0000-0003", "13900000009", 1) != after {
		t.Fatalf("more than the phone changed:\n%s\n%s", before, after)
	}
}

// A dry run reports and writes nothing; the same file applied twice writes once.
func TestDryRunAndReimport(t *testing.T) {
	a, sch, dump := newWorld(t)
	p := file(t, "r.csv", []byte(header+"G350402201601010001,李四,三(1)班,2016-01-01,,否,李父,13800000001,父亲,,,\n"))
	if rep := importFile(t, a, sch, p, true); rep.New != 1 || rep.Applied {
		t.Fatalf("dry run: %+v", rep)
	}
	if d := dump(t); d != "" {
		t.Fatalf("dry run wrote %s", d)
	}
	importFile(t, a, sch, p, false)
	first := dump(t)
	if rep := importFile(t, a, sch, p, false); rep.Unchanged != 1 || rep.New != 0 || rep.Changed != 0 {
		t.Fatalf("re-import: %+v", rep)
	}
	if dump(t) != first {
		t.Fatal("re-import changed the database")
	}
}

// The template reads back as a valid one-row roster of the kind.
func TestTemplate(t *testing.T) {
	a, sch, dump := newWorld(t)
	for _, kind := range []string{app.KindStudents, app.KindClasses, app.KindRooms} {
		var b bytes.Buffer
		if err := a.Export(ctx, sch, kind, "", app.FormatXLSX, true, &b); err != nil {
			t.Fatal(err)
		}
		rep, err := a.Import(ctx, sch, file(t, "t.xlsx", b.Bytes()), app.ImportOptions{Kind: kind, DryRun: true}, nil)
		if err != nil || rep.Rejected != 0 || rep.Rows != 1 {
			t.Fatalf("%s template: %+v %v", kind, rep, err)
		}
	}
	if dump(t) != "" {
		t.Fatal("a dry run wrote")
	}
}

func TestClassesImport(t *testing.T) {
	a, sch, _ := newWorld(t)
	p := file(t, "c.csv", []byte("班级名称,年级,班额,教室\n三(1)班,3,46,\n四(1)班,4,40,\n四(2)班,12,40,\n"))
	rep, err := a.Import(ctx, sch, p, app.ImportOptions{Kind: app.KindClasses}, nil)
	if err != nil || rep.Rejected != 1 || rep.Errors[0].Row != 4 || rep.Errors[0].Column != "年级" || rep.Applied {
		t.Fatalf("bad grade: %+v %v", rep, err)
	}
	p = file(t, "c.csv", []byte("班级名称,年级,班额,教室\n三(1)班,3,46,\n四(1)班,4,40,\n三(2)班,3,44,\n"))
	rep, err = a.Import(ctx, sch, p, app.ImportOptions{Kind: app.KindClasses}, nil)
	if err != nil || !rep.Applied || rep.New != 1 || rep.Changed != 1 || rep.Unchanged != 1 ||
		rep.Changes[0].Fields[0] != (school.FieldChange{Column: "班额", Old: "45", New: "46"}) {
		t.Fatalf("classes: %+v %v", rep, err)
	}
	cs, _ := a.ListClasses(ctx, sch)
	if len(cs) != 3 {
		t.Fatalf("classes after import: %+v", cs)
	}
}

func TestRoomsImport(t *testing.T) {
	a, sch, _ := newWorld(t)
	bad := file(t, "r.csv", []byte("教室名称,类型,座位数\n体育馆,gym,200\n体育馆,体育馆,100\n琴房,音乐室,30\n实验室1,实验室,很多\n"))
	rep, err := a.Import(ctx, sch, bad, app.ImportOptions{Kind: app.KindRooms}, nil)
	if err != nil || rep.Rejected != 3 || rep.Applied || rep.Errors[0].Row != 3 || rep.Errors[1].Column != "类型" || rep.Errors[2].Column != "座位数" {
		t.Fatalf("bad rooms: %+v %v", rep, err)
	}
	if rs, _ := a.ListRooms(ctx, sch); len(rs) != 0 {
		t.Fatalf("a rejected file wrote rooms: %+v", rs)
	}
	good := file(t, "r.csv", []byte("Room name,Kind,Capacity\n体育馆,gym,200\n实验室1,实验室,40\n"))
	if rep, err := a.Import(ctx, sch, good, app.ImportOptions{Kind: app.KindRooms}, nil); err != nil || rep.New != 2 || !rep.Applied {
		t.Fatalf("rooms: %+v %v", rep, err)
	}
	var b bytes.Buffer
	if err := a.Export(ctx, sch, app.KindRooms, "", app.FormatCSV, false, &b); err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(b.String(), "实验室1,实验室,40", "实验室1,实验室,48", 1)
	rep, err = a.Import(ctx, sch, file(t, "e.csv", []byte(edited)), app.ImportOptions{Kind: app.KindRooms}, nil)
	if err != nil || rep.Changed != 1 || rep.Unchanged != 1 || rep.Changes[0].Fields[0] != (school.FieldChange{Column: "座位数", Old: "40", New: "48"}) {
		t.Fatalf("edited rooms: %+v %v", rep, err)
	}
}

// Clubs of a term: CreateClub's rules per row (a room of the kind, big
// enough), matched by name; seats never below the members.
func TestClubsImport(t *testing.T) {
	a, sch, _ := newWorld(t)
	start, _ := civil.Parse("2026-09-01")
	end, _ := civil.Parse("2027-01-20")
	term, _, err := a.CreateTerm(ctx, sch, school.Term{Calendar: calendar.Term{Name: "2026秋", Start: start, End: end}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateRoom(ctx, sch, school.Room{Name: "体育馆", Kind: school.RoomGym, Capacity: 100}); err != nil {
		t.Fatal(err)
	}
	head := "社团名称,活动类型,提供方,机构编号,人数上限,年级,教室类型,每周次数\n"
	bad := file(t, "c.csv", []byte(head+"篮球社,体育,学校,,30,3、4,体育馆,2\n书法社,书法,学校,,30,3,教室,1\n围棋社,棋类,学校,,300,3,体育馆,9\n"))
	rep, err := a.Import(ctx, sch, bad, app.ImportOptions{Kind: app.KindClubs, TermID: term.ID}, nil)
	if err != nil || rep.Rejected != 2 || rep.Applied {
		t.Fatalf("bad clubs: %+v %v", rep, err)
	}
	cols := map[string]bool{}
	for _, e := range rep.Errors {
		cols[fmt.Sprint(e.Row, e.Column)] = true
	}
	for _, want := range []string{"3教室类型", "4活动类型", "4人数上限", "4每周次数"} {
		if !cols[want] {
			t.Errorf("no error %s in %+v", want, rep.Errors)
		}
	}
	good := file(t, "c.csv", []byte(head+"篮球社,体育,学校,,30,3、4,体育馆,2\n"))
	if rep, err := a.Import(ctx, sch, good, app.ImportOptions{Kind: app.KindClubs, TermID: term.ID}, nil); err != nil || rep.New != 1 || !rep.Applied {
		t.Fatalf("clubs: %+v %v", rep, err)
	}
	var b bytes.Buffer
	if err := a.Export(ctx, sch, app.KindClubs, term.ID, app.FormatXLSX, false, &b); err != nil {
		t.Fatal(err)
	}
	rep, err = a.Import(ctx, sch, file(t, "e.xlsx", b.Bytes()), app.ImportOptions{Kind: app.KindClubs, TermID: term.ID}, nil)
	if err != nil || rep.Unchanged != 1 || rep.New+rep.Changed+rep.Rejected != 0 {
		t.Fatalf("club round trip: %+v %v", rep, err)
	}
	b.Reset()
	if err := a.Export(ctx, sch, app.KindClubs, term.ID, app.FormatXLSX, true, &b); err != nil {
		t.Fatal(err)
	}
	if rep, err := a.Import(ctx, sch, file(t, "t.xlsx", b.Bytes()), app.ImportOptions{Kind: app.KindClubs, TermID: term.ID, DryRun: true}, nil); err != nil || rep.Rejected != 0 {
		t.Fatalf("club template: %+v %v", rep, err)
	}
}
