package system_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/xuri/excelize/v2"
)

// upload posts a file to the import route as token and returns the status
// and body.
func upload(t *testing.T, env *systemtest.Env, token, schoolID, kind string, dry bool, body io.Reader, length int64) (int, map[string]any, string) {
	t.Helper()
	q := url.Values{"school_id": {schoolID}, "kind": {kind}, "file_name": {"roster.xlsx"}}
	if dry {
		q.Set("dry_run", "true")
	}
	req, err := http.NewRequest("POST", env.Base+"/v1/imports?"+q.Encode(), body)
	if err != nil {
		t.Fatal(err)
	}
	if length >= 0 {
		req.ContentLength = length
	}
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, string(raw)
}

// finished polls the job until it ends and returns it.
func finished(t *testing.T, c systemtest.Client, schoolID, id string) map[string]any {
	t.Helper()
	// A bound, not a speed check: on a loaded CI machine a 4,000-row import
	// can take most of a minute.
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); {
		r := c.Do(t, "GET", "/v1/schools/"+schoolID+"/imports/"+id, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("get import: %d %s", r.Code, r.Raw)
		}
		job := r.Body["import"].(map[string]any)
		if job["state"] != "IMPORT_STATE_RUNNING" {
			return job
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("import did not finish")
	return nil
}

func rosterXLSX(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	head := []any{"学籍号", "姓名", "班级", "出生日期", "困难类别", "困难已核实", "监护人1姓名", "监护人1电话", "监护人1关系"}
	for i, r := range append([][]any{head}, rows...) {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestImportOverHTTP: the upload route, the job resource and the export
// route end to end, scoped by role; and every kind of bad file a clear
// error (acceptance 4).
func TestImportOverHTTP(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	env.District(t, "350402")
	schoolA := env.School(t, "350402", "甲小学", "SCHOOL_STAGE_PRIMARY")
	schoolB := env.School(t, "350402", "乙小学", "SCHOOL_STAGE_PRIMARY")
	for _, s := range []string{schoolA, schoolB} {
		env.MustDo(t, "POST", "/v1/schools/"+s+"/classes", map[string]any{"grade": 3, "name": "三(1)班", "size": 40})
	}
	admin := env.Mint(auth.Principal{AccountID: "acc_sa", Role: auth.RoleSchoolAdmin, DistrictID: "350402", SchoolID: schoolA})
	bureau := env.Mint(systemtest.Bureau("350402"))
	teacher := env.Mint(auth.Principal{AccountID: "acc_t", Role: auth.RoleTeacher, DistrictID: "350402", SchoolID: schoolA, StaffID: "stf_t"})
	file := rosterXLSX(t,
		[]any{"G350402201601010001", "王小明", "三(1)班", "2016-01-01", "低保", "是", "王丽", "13812345678", "母亲"},
		[]any{"G350402201601010002", "李小红", "三(1)班", "", "", "否", "李强", 13912345678, "父亲"})

	// A dry run, then the apply: the school admin into her school.
	code, body, raw := upload(t, env, admin, schoolA, "students", true, bytes.NewReader(file), int64(len(file)))
	if code != http.StatusAccepted {
		t.Fatalf("dry run upload: %d %s", code, raw)
	}
	as := env.As(admin)
	job := finished(t, as, schoolA, systemtest.Str(body, "import", "import_id"))
	if job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "new_rows") != 2.0 || systemtest.Get(job, "report", "applied") != false {
		t.Fatalf("dry run: %v", job)
	}
	if n := len(as.MustDo(t, "GET", "/v1/schools/"+schoolA+"/students", nil)["students"].([]any)); n != 0 {
		t.Fatalf("a dry run wrote %d students", n)
	}
	code, body, raw = upload(t, env, admin, schoolA, "students", false, bytes.NewReader(file), int64(len(file)))
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %s", code, raw)
	}
	job = finished(t, as, schoolA, systemtest.Str(body, "import", "import_id"))
	if job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "applied") != true || job["percent"] != 100.0 {
		t.Fatalf("apply: %v", job)
	}
	students := as.MustDo(t, "GET", "/v1/schools/"+schoolA+"/students", nil)["students"].([]any)
	if len(students) != 2 {
		t.Fatalf("students after import: %v", students)
	}

	// Export → import over HTTP changes nothing.
	req, _ := http.NewRequest("GET", env.Base+"/v1/schools/"+schoolA+"/exports/students?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	exported, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "students.csv") || !strings.Contains(string(exported), "王小明") {
		t.Fatalf("export: %d %v %q", resp.StatusCode, resp.Header, exported)
	}
	_, body, _ = upload(t, env, admin, schoolA, "students", false, bytes.NewReader(exported), int64(len(exported)))
	job = finished(t, as, schoolA, systemtest.Str(body, "import", "import_id"))
	if systemtest.Get(job, "report", "unchanged_rows") != 2.0 || systemtest.Get(job, "report", "new_rows") != 0.0 || systemtest.Get(job, "report", "changed_rows") != 0.0 {
		t.Fatalf("export round trip: %v", job)
	}

	// Scope: not into another school; a teacher not at all; the bureau into any school of its district.
	if code, _, raw := upload(t, env, admin, schoolB, "students", false, bytes.NewReader(file), int64(len(file))); code != http.StatusForbidden {
		t.Errorf("school admin into another school: %d %s, want 403", code, raw)
	}
	if code, _, raw := upload(t, env, teacher, schoolA, "students", false, bytes.NewReader(file), int64(len(file))); code != http.StatusForbidden {
		t.Errorf("teacher upload: %d %s, want 403", code, raw)
	}
	if r := env.As(admin).Do(t, "GET", "/v1/schools/"+schoolB+"/exports/students", nil); r.Code != http.StatusNotFound {
		t.Errorf("school admin exporting another school: %d, want 404", r.Code)
	}
	code, body, raw = upload(t, env, bureau, schoolB, "students", false, bytes.NewReader(file), int64(len(file)))
	if code != http.StatusAccepted {
		t.Fatalf("bureau into school B: %d %s", code, raw)
	}
	if job := finished(t, env.As(bureau), schoolB, systemtest.Str(body, "import", "import_id")); systemtest.Get(job, "report", "new_rows") != 2.0 {
		t.Fatalf("bureau import: %v", job)
	}

	// Bad files: each a 400 saying why, before any job exists.
	for name, c := range map[string]struct {
		body []byte
		says string
	}{
		"not a spreadsheet": {[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"), "not a spreadsheet"},
		"empty":             {nil, "empty"},
		"wrong headers":     {[]byte("姓名,年龄\n张三,9\n"), "wrong headers: missing column(s) Student number"},
	} {
		code, _, raw := upload(t, env, admin, schoolA, "students", false, bytes.NewReader(c.body), int64(len(c.body)))
		if code != http.StatusBadRequest || !strings.Contains(raw, c.says) {
			t.Errorf("%s: %d %s, want 400 saying %q", name, code, raw, c.says)
		}
	}
	// 200 MB: refused with 413 whether declared or chunked, without being read.
	const size = 200 << 20
	code, _, raw = upload(t, env, admin, schoolA, "students", false, io.LimitReader(&endless{}, size), size)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(raw, "larger than the limit") {
		t.Errorf("declared 200 MB: %d %s, want 413", code, raw)
	}
	e := &endless{}
	code, _, raw = upload(t, env, admin, schoolA, "students", false, io.LimitReader(e, size), -1)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(raw, "larger than the limit") {
		t.Errorf("chunked 200 MB: %d %s, want 413", code, raw)
	}
	if e.sent >= size {
		t.Errorf("the gateway read the whole chunked 200 MB (%d bytes)", e.sent)
	}

	// The template downloads as .xlsx.
	req, _ = http.NewRequest("GET", env.Base+"/v1/schools/"+schoolA+"/exports/students?template=true", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(tmpl, []byte("PK")) || !strings.Contains(resp.Header.Get("Content-Disposition"), "students-template.xlsx") {
		t.Fatalf("template: %d %v", resp.StatusCode, resp.Header)
	}
}
