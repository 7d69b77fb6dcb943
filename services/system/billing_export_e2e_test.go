package system_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// checkPaySheetExport downloads the month's pay sheet (课酬发放表) over HTTP
// as .xlsx, CSV and GB18030 CSV, reads each back and holds it against the
// API: one row per person with the paid amount of their statements, totals
// equal to the API's sums, every line on the second sheet; and a teacher
// downloads only their own statement.
func checkPaySheetExport(t *testing.T, env *systemtest.Env, s *stSchool, people []string, heavy string) {
	t.Helper()
	people = slices.Clone(people)
	slices.Sort(people)
	paid := map[string]string{}
	var paidSum, earnedSum decimal.Decimal
	lines := 0
	for _, id := range people {
		got := env.MustDo(t, "GET", s.path("/staff/%s/pay-statements?year=2026&month=9", id), nil)
		paid[id] = systemtest.Str(got, "paid_total")
		paidSum = paidSum.Add(decimal.RequireFromString(paid[id]))
		for _, st := range systemtest.Get(got, "statements").([]any) {
			earnedSum = earnedSum.Add(decimal.RequireFromString(systemtest.Str(st, "earned")))
			lines += len(systemtest.Get(st, "lines").([]any))
		}
	}

	r := env.Do(t, "GET", s.path("/pay-sheet?year=2026&month=9"), nil)
	if r.Code != http.StatusOK {
		t.Fatalf("pay sheet: %d %.300s", r.Code, r.Raw)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("pay sheet content type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "%E8%AF%BE%E9%85%AC") || !strings.Contains(cd, ".xlsx") {
		t.Errorf("pay sheet content disposition %q, want an attachment named 课酬发放表….xlsx", cd)
	}
	f, err := excelize.OpenReader(strings.NewReader(r.Raw))
	if err != nil {
		t.Fatalf("pay sheet is not a workbook: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"课酬发放表", "课酬明细"}) {
		t.Errorf("sheets %v", got)
	}
	rows, err := f.GetRows("课酬发放表")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(people)+2 {
		t.Fatalf("pay sheet has %d rows, want a header, %d people and a total: %v", len(rows), len(people), rows)
	}
	head := rows[0]
	if !slices.Equal(head[:5], []string{"工号", "姓名", "身份证号", "人员类别", "所属机构"}) || head[10] != "实发金额" {
		t.Errorf("pay sheet headers %v", head)
	}
	// Names and ID card numbers come from staffing; to the bureau the
	// numbers are whole (the second one entered with a lower-case x).
	names := map[string]string{}
	for name, id := range s.staff {
		names[id] = name
	}
	cards := map[string]string{s.staff["王老师"]: "350402198506123018", s.staff["孙教练"]: "35040219900307102X"}
	for i, id := range people {
		row := append(rows[i+1], "", "", "")
		if row[0] != id || row[10] != paid[id] || row[1] != names[id] || row[2] != cards[id] {
			t.Errorf("pay sheet row %d = %v, want %s %s %q paid %s", i+1, row, id, names[id], cards[id], paid[id])
		}
	}
	if typ, err := f.GetCellType("课酬发放表", "C2"); err != nil || (typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString && typ != excelize.CellTypeUnset) {
		t.Errorf("身份证号 cell type %v (%v), want text so all 18 characters stay", typ, err)
	}
	if total := rows[len(rows)-1]; total[0] != "合计" || total[10] != paidSum.StringFixed(2) {
		t.Errorf("pay sheet total row %v, want 合计 paid %s (the API's)", total, paidSum.StringFixed(2))
	}
	detail, err := f.GetRows("课酬明细")
	if err != nil {
		t.Fatal(err)
	}
	if len(detail) != lines+2 {
		t.Errorf("line sheet has %d rows, want %d lines + header + total", len(detail), lines)
	}
	if total := detail[len(detail)-1]; total[0] != "合计" || total[14] != earnedSum.StringFixed(2) {
		t.Errorf("line sheet total %v, want earned %s", total, earnedSum.StringFixed(2))
	}
	if p, err := f.GetPanes("课酬发放表"); err != nil || !p.Freeze || p.YSplit != 1 {
		t.Errorf("pay sheet header row not frozen: %+v %v", p, err)
	}
	// A real office program reads it too, with the same total.
	if text := systemtest.OpenWithLibreOffice(t, []byte(r.Raw)); text != "" &&
		(!strings.HasPrefix(text, "工号,姓名,身份证号") || !strings.Contains(text, "\n合计,") || !strings.Contains(text, ","+paidSum.StringFixed(2))) {
		t.Errorf("LibreOffice read the pay sheet as:\n%.600s\nwant the Chinese header and the total %s", text, paidSum.StringFixed(2))
	}

	for _, tt := range []struct {
		format, ct string
		decode     func([]byte) string
	}{
		{"csv", "text/csv; charset=utf-8", func(b []byte) string {
			if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
				t.Error("CSV without a BOM")
			}
			return string(bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF")))
		}},
		{"csv-gb18030", "text/csv; charset=GB18030", func(b []byte) string {
			s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
			if err != nil {
				t.Fatal(err)
			}
			return string(s)
		}},
	} {
		r := env.Do(t, "GET", s.path("/pay-sheet?year=2026&month=9&format=%s", tt.format), nil)
		if r.Code != http.StatusOK || r.Header.Get("Content-Type") != tt.ct {
			t.Fatalf("%s: %d %q %.200s", tt.format, r.Code, r.Header.Get("Content-Type"), r.Raw)
		}
		text := tt.decode([]byte(r.Raw))
		if !strings.HasPrefix(text, "工号,姓名,身份证号,人员类别,所属机构") || !strings.Contains(text, "\n合计,,,,,") ||
			!strings.Contains(text, ","+paidSum.StringFixed(2)+",") {
			t.Errorf("%s pay sheet lacks the Chinese header or the total %s:\n%.600s", tt.format, paidSum.StringFixed(2), text)
		}
	}

	// A finance officer gets the numbers whole too; a school administrator
	// gets them masked, and staffing's own reads always mask them.
	wang := s.staff["王老师"]
	for _, who := range []struct {
		p    auth.Principal
		want string
	}{
		{auth.Principal{AccountID: "acc_fin", Role: auth.RoleFinanceOfficer, DistrictID: s.district}, "350402198506123018"},
		{auth.Principal{AccountID: "acc_admin", Role: auth.RoleSchoolAdmin, DistrictID: s.district, SchoolID: s.id}, "3504**********3018"},
	} {
		r := env.As(env.Minter.Token(who.p)).Do(t, "GET", s.path("/pay-sheet?year=2026&month=9"), nil)
		if r.Code != http.StatusOK {
			t.Fatalf("pay sheet as %s: %d %.300s", who.p.Role, r.Code, r.Raw)
		}
		wf, err := excelize.OpenReader(strings.NewReader(r.Raw))
		if err != nil {
			t.Fatal(err)
		}
		wr, _ := wf.GetRows("课酬发放表")
		wf.Close()
		for _, row := range wr {
			if row[0] == wang && (len(row) < 3 || row[1] != "王老师" || row[2] != who.want) {
				t.Errorf("pay sheet as %s: row %v, want 王老师 %s", who.p.Role, row, who.want)
			}
		}
	}
	got := env.MustDo(t, "GET", s.path("/staff/%s", wang), nil)
	if c := systemtest.Str(got, "staff_member", "id_card_number"); c != "3504**********3018" {
		t.Errorf("staffing answers the ID card number %q, want it masked", c)
	}
	list := env.MustDo(t, "GET", s.path("/staff?page_size=100"), nil)
	for _, m := range systemtest.Get(list, "staff").([]any) {
		if c := systemtest.Str(m, "id_card_number"); c != "" && !strings.Contains(c, "**********") {
			t.Errorf("the staff list shows an ID card number whole: %v", m)
		}
	}
	// Each pay sheet read is in both audit trails: billing's export and staffing's feed.
	db, err := pgx.Connect(context.Background(), env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var sheets, feeds int
	if err := db.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM billing.audit_log WHERE district_id = $1 AND operation = 'read' AND object_kind = 'pay_sheet'),
			(SELECT count(*) FROM staffing.audit_log WHERE district_id = $1 AND operation = 'read' AND object_kind = 'staff_identity')`,
		s.district).Scan(&sheets, &feeds); err != nil || sheets < 3 || feeds < 3 {
		t.Errorf("audited reads: %d pay sheets, %d identity feeds (%v); want at least 3 of each (bureau, finance, school admin)", sheets, feeds, err)
	}

	// Bad input: a 400 naming the field; nothing sent as a file.
	if r := env.Do(t, "GET", s.path("/pay-sheet?year=2026&month=9&format=pdf"), nil); r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"format"`) {
		t.Errorf("format=pdf: %d %.300s, want 400 naming format", r.Code, r.Raw)
	}
	if r := env.Do(t, "GET", s.path("/pay-sheet?year=2026&month=13"), nil); r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"month"`) {
		t.Errorf("month=13: %d %.300s, want 400 naming month", r.Code, r.Raw)
	}

	// The heavy teacher downloads their own statement, and no one else's.
	teacher := env.As(env.Minter.Token(auth.Principal{AccountID: "acc_heavy", Role: auth.RoleTeacher, DistrictID: s.district, SchoolID: s.id, StaffID: heavy}))
	mine := teacher.Do(t, "GET", s.path("/staff/%s/pay-statements:export?year=2026&month=9", heavy), nil)
	if mine.Code != http.StatusOK {
		t.Fatalf("own statement export: %d %.300s", mine.Code, mine.Raw)
	}
	mf, err := excelize.OpenReader(strings.NewReader(mine.Raw))
	if err != nil {
		t.Fatalf("own statement is not a workbook: %v", err)
	}
	defer mf.Close()
	own, err := mf.GetRows("课酬发放表")
	if err != nil {
		t.Fatal(err)
	}
	if len(own) != 3 || own[1][0] != heavy || own[1][10] != paid[heavy] || own[2][10] != paid[heavy] {
		t.Errorf("own statement rows %v, want %s paid %s", own, heavy, paid[heavy])
	}
	if text := systemtest.OpenWithLibreOffice(t, []byte(mine.Raw)); text != "" && (!strings.Contains(text, heavy) || !strings.Contains(text, ","+paid[heavy])) {
		t.Errorf("LibreOffice read the own statement as:\n%.400s\nwant %s paid %s", text, heavy, paid[heavy])
	}
	other := people[0]
	if other == heavy {
		other = people[1]
	}
	if r := teacher.Do(t, "GET", s.path("/staff/%s/pay-statements:export?year=2026&month=9", other), nil); r.Code != http.StatusNotFound {
		t.Errorf("a teacher exporting a colleague's statement: %d, want 404", r.Code)
	}
}
