package system_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system/systemtest"
)

// fetchFile fetches an export as token and returns its status and body.
func fetchFile(t *testing.T, env *systemtest.Env, token, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", env.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// importCSV uploads a CSV staff list and waits for the job's end.
func importCSV(t *testing.T, env *systemtest.Env, token, schoolID, kind string, dry bool, csv string) map[string]any {
	t.Helper()
	code, body, raw := upload(t, env, token, schoolID, kind, dry, strings.NewReader(csv), int64(len(csv)))
	if code != http.StatusAccepted {
		t.Fatalf("upload %s: %d %s", kind, code, raw)
	}
	id := systemtest.Str(body, "import", "import_id")
	if !strings.HasPrefix(id, "simp_") {
		t.Fatalf("a staff import's id %q is not staffing's", id)
	}
	return finished(t, env.As(token), schoolID, id)
}

const staffHeader = "工号,姓名,类型,机构编号,任教学科,资质,可上岗时间\n"

// TestStaffImportOverHTTP: a school's staff list through the one upload
// route, routed to staffing by kind: dry run, apply, re-import, export
// round trip, one changed cell, a bad file rejected whole, another
// school refused, a second import while one runs refused, and the audit
// event of an applied import.
func TestStaffImportOverHTTP(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	district := env.District(t, "350403")
	schoolA := env.School(t, district, "丙小学", "SCHOOL_STAGE_PRIMARY")
	schoolB := env.School(t, district, "丁小学", "SCHOOL_STAGE_PRIMARY")
	inst := systemtest.Str(env.MustDo(t, "POST", "/v1/districts/"+district+"/institutions",
		institution("阳光体育", "91350403MA2XYZ0001", true, systemtest.Date(2024, 1, 1), systemtest.Date(2030, 12, 31))), "institution", "institution_id")
	env.MustDo(t, "POST", "/v1/districts/"+district+"/institutions/"+inst+"/schools", map[string]any{"school_id": schoolA})
	admin := env.Mint(auth.Principal{AccountID: "acc_sa", Role: auth.RoleSchoolAdmin, DistrictID: district, SchoolID: schoolA})
	bureau := env.Mint(systemtest.Bureau(district))
	as := env.As(admin)
	staffOf := func() []any {
		out, _ := as.MustDo(t, "GET", "/v1/schools/"+schoolA+"/staff", nil)["staff"].([]any)
		return out
	}

	// The template: the layout's headers and an example row.
	code, tmpl := fetchFile(t, env, admin, "/v1/schools/"+schoolA+"/exports/staff?template=true&format=csv")
	if code != http.StatusOK || !strings.Contains(string(tmpl), strings.TrimSuffix(staffHeader, "\n")) {
		t.Fatalf("template: %d %q", code, tmpl)
	}

	file := staffHeader +
		"T001,张老师,校内教师,,语文、数学,阅读、书法,周一 社团；周三\n" +
		"I001,李教练,第三方机构人员," + inst + ",,体育,周二 社团 16:30-17:30\n" +
		"A001,王主任,admin,,,,\n"
	job := importCSV(t, env, admin, schoolA, "staff", true, file)
	if job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "new_rows") != 3.0 || systemtest.Get(job, "report", "applied") != false {
		t.Fatalf("dry run: %v", job)
	}
	if n := len(staffOf()); n != 0 {
		t.Fatalf("a dry run wrote %d people", n)
	}
	job = importCSV(t, env, admin, schoolA, "staff", false, file)
	if job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "applied") != true || job["percent"] != 100.0 {
		t.Fatalf("apply: %v", job)
	}
	byNumber := map[string]map[string]any{}
	for _, m := range staffOf() {
		mm := m.(map[string]any)
		byNumber[fmt.Sprint(mm["staff_number"])] = mm
	}
	li := byNumber["I001"]
	if len(byNumber) != 3 || li["kind"] != "STAFF_KIND_OUTSIDE_INSTRUCTOR" || li["institution_id"] != inst ||
		systemtest.Get(li, "availability", 0, "segment") != "club" || systemtest.Get(byNumber["T001"], "qualifications", 1) != "calligraphy" {
		t.Fatalf("imported staff: %v", byNumber)
	}

	// The applied import is one audit event: who, the file, the kind, the counts.
	evs := env.As(bureau).MustDo(t, "GET", "/v1/districts/"+district+"/audit/staffing?object_kind=import_staff", nil)["events"].([]any)
	if len(evs) != 1 || systemtest.Get(evs[0], "operation") != "import" || systemtest.Get(evs[0], "account_id") != "acc_sa" ||
		!strings.Contains(fmt.Sprint(systemtest.Get(evs[0], "after")), `"file_name": "roster.xlsx"`) ||
		!strings.Contains(fmt.Sprint(systemtest.Get(evs[0], "after")), `"new": 3`) {
		t.Fatalf("audit events: %v", evs)
	}

	// Re-importing is harmless; the export imports back unchanged.
	if job = importCSV(t, env, admin, schoolA, "staff", false, file); systemtest.Get(job, "report", "unchanged_rows") != 3.0 ||
		systemtest.Get(job, "report", "changed_rows") != 0.0 {
		t.Fatalf("re-import: %v", job)
	}
	code, exported := fetchFile(t, env, admin, "/v1/schools/"+schoolA+"/exports/staff?format=csv")
	if code != http.StatusOK {
		t.Fatalf("export: %d %s", code, exported)
	}
	if job = importCSV(t, env, admin, schoolA, "staff", false, string(exported)); systemtest.Get(job, "report", "unchanged_rows") != 3.0 {
		t.Fatalf("export round trip: %v\n%s", job, exported)
	}
	// One cell changed: exactly that field, and the report says so.
	edited := strings.Replace(string(exported), "周二 社团 16:30-17:30", "周四 社团 16:30-17:30", 1)
	if edited == string(exported) {
		t.Fatalf("the export lacks the availability cell: %s", exported)
	}
	job = importCSV(t, env, admin, schoolA, "staff", false, edited)
	ch := systemtest.Get(job, "report", "changes", 0)
	if systemtest.Get(job, "report", "changed_rows") != 1.0 || systemtest.Get(ch, "key") != "I001" ||
		len(systemtest.Get(ch, "fields").([]any)) != 1 || systemtest.Get(ch, "fields", 0, "column") != "可上岗时间" ||
		systemtest.Get(ch, "fields", 0, "new_value") != "周四 社团 16:30-17:30" {
		t.Fatalf("one cell: %v", job)
	}

	// A bad file is rejected whole, a line per bad row and column.
	bad := staffHeader +
		"T002,赵老师,校内教师,,,,\n" + // good, but not written
		"T003,,老师,,,,\n" + // no name, unknown kind
		"T004,钱老师,校内教师," + inst + ",,舞蹈,周八\n" + // institution for a teacher, unknown qualification, no such weekday
		"I002,孙教练,第三方机构人员,,,,\n" + // no institution
		"T002,周老师,校内教师,,,,\n" + // the same 工号 as row 2
		"T001,张老师,行政人员,,,,\n" // a kind that cannot change
	job = importCSV(t, env, admin, schoolA, "staff", false, bad)
	if job["state"] != "IMPORT_STATE_REJECTED" || systemtest.Get(job, "report", "rejected_rows") != 5.0 {
		t.Fatalf("bad file: %v", job)
	}
	got := map[string]bool{}
	for _, e := range systemtest.Get(job, "report", "errors").([]any) {
		got[fmt.Sprintf("%v %v", systemtest.Get(e, "row"), systemtest.Get(e, "column"))] = true
		if systemtest.Get(e, "reason_zh") == "" || systemtest.Get(e, "reason") == "" {
			t.Errorf("error line without both languages: %v", e)
		}
	}
	for _, want := range []string{"3 姓名", "3 类型", "4 机构编号", "4 资质", "4 可上岗时间", "5 机构编号", "6 工号", "7 类型"} {
		if !got[want] {
			t.Errorf("no error at %s: %v", want, systemtest.Get(job, "report", "errors"))
		}
	}
	if n := len(staffOf()); n != 3 {
		t.Fatalf("a rejected file wrote: %d people", n)
	}

	// Acceptance 4: a school administrator importing staff for another
	// school is refused (403; reading its export is 404, as every read out
	// of scope), and nothing is written there.
	if code, _, raw := upload(t, env, admin, schoolB, "staff", false, strings.NewReader(file), int64(len(file))); code != http.StatusForbidden {
		t.Fatalf("another school's staff: %d %s", code, raw)
	}
	if code, _ := fetchFile(t, env, admin, "/v1/schools/"+schoolB+"/exports/staff"); code != http.StatusNotFound {
		t.Fatalf("another school's export: %d", code)
	}
	if n, _ := env.As(bureau).MustDo(t, "GET", "/v1/schools/"+schoolB+"/staff", nil)["staff"].([]any); len(n) != 0 {
		t.Fatalf("the refused import wrote %d people into school B", len(n))
	}
	// The bureau may, into any school of its district.
	if job = importCSV(t, env, bureau, schoolB, "staff", false, staffHeader+"T001,吴老师,校内教师,,,,\n"); job["state"] != "IMPORT_STATE_SUCCEEDED" {
		t.Fatalf("bureau into school B: %v", job)
	}

	// While a school's staff import is being applied, a second is refused
	// clearly; a big list keeps the first running (each outside
	// instructor's institution is checked as the single-record API does).
	var big bytes.Buffer
	big.WriteString(staffHeader)
	for i := range 4000 {
		fmt.Fprintf(&big, "B%04d,教练%d,第三方机构人员,%s,,体育,周二\n", i, i, inst)
	}
	code, first, raw := upload(t, env, admin, schoolA, "staff", false, bytes.NewReader(big.Bytes()), int64(big.Len()))
	if code != http.StatusAccepted {
		t.Fatalf("big upload: %d %s", code, raw)
	}
	code, _, raw = upload(t, env, admin, schoolA, "staff", false, strings.NewReader(file), int64(len(file)))
	// Its percent moves while it runs: read between 0 and 100.
	var moving []float64
	for range 600 {
		r := as.Do(t, "GET", "/v1/schools/"+schoolA+"/imports/"+systemtest.Str(first, "import", "import_id"), nil)
		if systemtest.Get(r.Body, "import", "state") != "IMPORT_STATE_RUNNING" {
			break
		}
		if p, _ := systemtest.Get(r.Body, "import", "percent").(float64); p > 0 && p < 100 {
			moving = append(moving, p)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%d percent readings while running, distinct: %v", len(moving), slices.Compact(slices.Clone(moving)))
	firstJob := finished(t, as, schoolA, systemtest.Str(first, "import", "import_id"))
	if len(moving) == 0 || !slices.IsSorted(moving) {
		t.Errorf("percent while running: %v, want readings between 0 and 100, never going back", moving)
	}
	if code != http.StatusConflict || !strings.Contains(raw, "already running") || !strings.Contains(raw, "正在进行") {
		t.Fatalf("second import while one runs: %d %s (first: %v)", code, raw, firstJob["state"])
	}
	if firstJob["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(firstJob, "report", "new_rows") != 4000.0 {
		t.Fatalf("big import: %v", firstJob["report"])
	}
	// Once it has ended, the kind may be imported again.
	if job = importCSV(t, env, admin, schoolA, "staff", true, file); job["state"] != "IMPORT_STATE_SUCCEEDED" {
		t.Fatalf("after the big import: %v", job)
	}
}

const institutionHeader = "统一社会信用代码,机构名称,执照起始日,执照截止日,已批准,服务学校,机构编号\n"

// TestInstitutionImportOverHTTP: a district's institutions, with the
// schools each serves, through the one upload route (district_id, not
// school_id): the bureau's; matched by 统一社会信用代码; dry run, apply,
// export round trip, one changed cell, a bad file rejected whole; a
// school administrator is refused; then their instructors import as staff.
func TestInstitutionImportOverHTTP(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	district := env.District(t, "350405")
	school := env.School(t, district, "己小学", "SCHOOL_STAGE_PRIMARY")
	otherDistrict := env.District(t, "350406")
	elsewhere := env.School(t, otherDistrict, "庚小学", "SCHOOL_STAGE_PRIMARY")
	bureau := env.Mint(systemtest.Bureau(district))
	admin := env.Mint(auth.Principal{AccountID: "acc_sa", Role: auth.RoleSchoolAdmin, DistrictID: district, SchoolID: school})
	b := env.As(bureau)

	post := func(token string, dry bool, csv string) (int, map[string]any, string) {
		req, err := http.NewRequest("POST", env.Base+"/v1/imports?kind=institutions&district_id="+district+"&file_name=机构.csv&dry_run="+fmt.Sprint(dry), strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusAccepted && !strings.HasPrefix(resp.Header.Get("Location"), "/v1/districts/"+district+"/imports/simp_") {
			t.Errorf("Location %q", resp.Header.Get("Location"))
		}
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return resp.StatusCode, out, string(raw)
	}
	run := func(dry bool, csv string) map[string]any {
		t.Helper()
		code, body, raw := post(bureau, dry, csv)
		if code != http.StatusAccepted {
			t.Fatalf("upload: %d %s", code, raw)
		}
		for range 300 {
			job := b.MustDo(t, "GET", "/v1/districts/"+district+"/imports/"+systemtest.Str(body, "import", "import_id"), nil)["import"].(map[string]any)
			if job["state"] != "IMPORT_STATE_RUNNING" {
				return job
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("import did not finish")
		return nil
	}
	file := institutionHeader +
		"91350405MA2XYZ0001,阳光体育,2024-01-01,2030-12-31,是," + school + ",\n" +
		"91350405MA2XYZ0002,书香书法,2024-03-01,2029-02-28,否,,\n"
	if job := run(true, file); job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "new_rows") != 2.0 {
		t.Fatalf("dry run: %v", job)
	}
	if n, _ := b.MustDo(t, "GET", "/v1/districts/"+district+"/institutions", nil)["institutions"].([]any); len(n) != 0 {
		t.Fatalf("a dry run wrote %d institutions", len(n))
	}
	if job := run(false, file); job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "applied") != true {
		t.Fatalf("apply: %v", job)
	}
	ins := b.MustDo(t, "GET", "/v1/districts/"+district+"/institutions", nil)["institutions"].([]any)
	var sunshine string
	for _, in := range ins {
		if systemtest.Get(in, "licence_no") == "91350405MA2XYZ0001" {
			sunshine = fmt.Sprint(systemtest.Get(in, "institution_id"))
			if systemtest.Get(in, "school_ids", 0) != school || systemtest.Get(in, "approved") != true {
				t.Fatalf("imported institution: %v", in)
			}
		}
	}
	if len(ins) != 2 || sunshine == "" {
		t.Fatalf("institutions: %v", ins)
	}

	// Export → import is a no-op; one changed cell changes that field only.
	code, exported := fetchFile(t, env, bureau, "/v1/districts/"+district+"/exports/institutions?format=csv")
	if code != http.StatusOK || !strings.Contains(string(exported), sunshine) {
		t.Fatalf("export: %d %s", code, exported)
	}
	if job := run(false, string(exported)); systemtest.Get(job, "report", "unchanged_rows") != 2.0 {
		t.Fatalf("round trip: %v\n%s", job, exported)
	}
	edited := strings.Replace(string(exported), "书香书法", "书香书法学校", 1)
	job := run(false, edited)
	if systemtest.Get(job, "report", "changed_rows") != 1.0 || systemtest.Get(job, "report", "changes", 0, "fields", 0, "column") != "机构名称" ||
		len(systemtest.Get(job, "report", "changes", 0, "fields").([]any)) != 1 {
		t.Fatalf("one cell: %v", job)
	}

	// A bad file is rejected whole.
	bad := institutionHeader +
		"91350405MA2XYZ0003,新机构,2024-01-01,2030-12-31,是,,\n" + // good, but not written
		"91350405MA2XYZ0004,,2024-13-01,2030-12-31,也许,,\n" + // no name, no date, not 是/否
		"91350405MA2XYZ0005,晚到,2025-01-01,2024-01-01,是,,\n" + // until before from
		"91350405MA2XYZ0006,未批,2024-01-01,2030-12-31,否," + school + ",\n" + // not approved, yet serving
		"91350405MA2XYZ0007,外区,2024-01-01,2030-12-31,是," + elsewhere + ",\n" + // a school of another district
		"91350405MA2XYZ0003,重复,2024-01-01,2030-12-31,是,,\n" // the same licence as row 2
	job = run(false, bad)
	if job["state"] != "IMPORT_STATE_REJECTED" || systemtest.Get(job, "report", "rejected_rows") != 5.0 {
		t.Fatalf("bad file: %v", job)
	}
	got := map[string]bool{}
	for _, e := range systemtest.Get(job, "report", "errors").([]any) {
		got[fmt.Sprintf("%v %v", systemtest.Get(e, "row"), systemtest.Get(e, "column"))] = true
	}
	for _, want := range []string{"3 机构名称", "3 执照起始日", "3 已批准", "4 执照截止日", "5 服务学校", "6 服务学校", "7 统一社会信用代码"} {
		if !got[want] {
			t.Errorf("no error at %s: %v", want, systemtest.Get(job, "report", "errors"))
		}
	}
	if n := len(b.MustDo(t, "GET", "/v1/districts/"+district+"/institutions", nil)["institutions"].([]any)); n != 2 {
		t.Fatalf("a rejected file wrote: %d institutions", n)
	}

	// A school administrator may not import a district's institutions.
	if code, _, raw := post(admin, false, file); code != http.StatusForbidden {
		t.Fatalf("school admin: %d %s", code, raw)
	}
	// The imported institution's instructors import as the school's staff.
	if job := importCSV(t, env, admin, school, "staff", false, staffHeader+"I100,马教练,第三方机构人员,"+sunshine+",,体育,周二\n"); job["state"] != "IMPORT_STATE_SUCCEEDED" {
		t.Fatalf("instructor: %v", job)
	}
}
