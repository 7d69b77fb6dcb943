package system_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/xuri/excelize/v2"
)

// billingUpload posts a file to billing's import route as token.
func billingUpload(t *testing.T, env *systemtest.Env, token string, q url.Values, file []byte) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest("POST", env.Base+"/v1/billing/imports?"+q.Encode(), bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/csv")
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

// billingImport uploads and waits for the job's end; it fails the test
// unless the upload is accepted.
func billingImport(t *testing.T, env *systemtest.Env, token string, q url.Values, file []byte) map[string]any {
	t.Helper()
	code, body, raw := billingUpload(t, env, token, q, file)
	if code != http.StatusAccepted {
		t.Fatalf("upload %v: %d %s", q, code, raw)
	}
	c := env.As(token)
	path := "/v1/districts/" + q.Get("district_id") + "/imports/" + systemtest.Str(body, "import", "import_id") + "?school_id=" + q.Get("school_id")
	for range 300 {
		r := c.Do(t, "GET", path, nil)
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

func download(t *testing.T, c systemtest.Client, path string) []byte {
	t.Helper()
	r := c.Do(t, "GET", path, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Code, r.Raw)
	}
	return []byte(r.Raw)
}

func csvRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	rd := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	rd.FieldsPerRecord = -1
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func csvFile(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// setCell sets the cell of a row whose column header is col.
func setCell(rows [][]string, row int, col, v string) {
	rows[row][slices.Index(rows[0], col)] = v
}

func count(t *testing.T, db *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rowErrors is a report's errors as "row column" lines.
func rowErrors(job map[string]any) []string {
	var out []string
	errs, _ := systemtest.Get(job, "report", "errors").([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		out = append(out, fmt.Sprintf("%v %v", m["row"], m["column"]))
	}
	return out
}

func errorAt(job map[string]any, row int, column string) map[string]any {
	errs, _ := systemtest.Get(job, "report", "errors").([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		if m["row"] == float64(row) && m["column"] == column {
			return m
		}
	}
	return nil
}

// TestFeeScheduleImportOverHTTP: the template imports as a new schedule;
// importing it again, or the export, changes nothing; an export with one
// cell changed writes a new version differing in exactly that field and
// the report says so; a file with bad rows is rejected whole, one line
// per bad row, nothing written; an overlapping version is refused with the
// reason the single-record API gives; scope by role.
func TestFeeScheduleImportOverHTTP(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	env.District(t, "350402")
	env.District(t, "350403")
	schoolA := env.School(t, "350402", "甲小学", "SCHOOL_STAGE_PRIMARY")
	schoolB := env.School(t, "350402", "乙小学", "SCHOOL_STAGE_PRIMARY")
	db, err := pgxpool.New(context.Background(), env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schedules := func() int { return count(t, db, `SELECT count(*) FROM billing.schedules WHERE district_id = '350402'`) }
	bureau := env.Mint(systemtest.Bureau("350402"))
	finance := env.Mint(auth.Principal{AccountID: "acc_f", Role: auth.RoleFinanceOfficer, DistrictID: "350402"})
	as := env.As(finance)
	q := func(kind string, dry bool, extra ...string) url.Values {
		v := url.Values{"district_id": {"350402"}, "kind": {kind}, "file_name": {"fees.csv"}}
		if dry {
			v.Set("dry_run", "true")
		}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}

	// The template: headers, example rows of each type, the allowed values.
	tmpl := download(t, as, "/v1/districts/350402/exports/fee_schedules?template=true")
	x, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		t.Fatalf("template is not a workbook: %v", err)
	}
	if sheets := x.GetSheetList(); len(sheets) != 2 || sheets[1] != "说明" {
		t.Errorf("template sheets %v, want the data and 说明", sheets)
	}
	help, _ := x.GetRows("说明")
	if len(help) < 40 || !strings.Contains(strings.Join(help[21], " "), "基础托管") {
		t.Errorf("说明 sheet lacks the allowed service kinds: %v", help[21])
	}
	file := download(t, as, "/v1/districts/350402/exports/fee_schedules?template=true&format=csv")
	rows := csvRows(t, file)
	if len(rows) != 4 || rows[0][0] != "记录类型" || rows[1][0] != "收费项目" || rows[2][0] != "补助" || rows[3][0] != "减免" {
		t.Fatalf("csv template rows %q", rows)
	}

	// A dry run writes nothing; the apply writes the schedule, audited.
	job := billingImport(t, env, finance, q("fee_schedules", true), file)
	if job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "new_rows") != 3.0 || systemtest.Get(job, "report", "applied") != false {
		t.Fatalf("dry run: %v", job)
	}
	if n := schedules(); n != 0 {
		t.Fatalf("a dry run wrote %d schedules", n)
	}
	job = billingImport(t, env, finance, q("fee_schedules", false), file)
	if job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "applied") != true || job["percent"] != 100.0 {
		t.Fatalf("apply: %v", job)
	}
	got := as.MustDo(t, "GET", "/v1/districts/350402/fee-schedules/fs-2026-autumn", nil)
	if systemtest.Str(got, "schedule", "items", 0, "rate") != "2.5" || systemtest.Str(got, "schedule", "subsidies", 0, "payers", 1, "payer_id") != "district-finance" ||
		systemtest.Str(got, "schedule", "waivers", 0, "category") != "dibao" || systemtest.Str(got, "schedule", "document_no") != "X价〔2026〕12号" {
		t.Fatalf("imported schedule: %v", got)
	}
	if n := count(t, db, `SELECT count(*) FROM billing.audit_log WHERE object_kind = 'fee_schedule' AND operation = 'insert' AND account_id = 'acc_f'`); n != 1 {
		t.Errorf("audit trail has %d inserts of a fee schedule by the importer, want 1", n)
	}
	if n := count(t, db, `SELECT count(*) FROM billing.audit_log WHERE operation = 'import' AND object_kind = 'import_fee_schedules' AND account_id = 'acc_f'`); n != 1 {
		t.Errorf("audit trail has %d import events by the importer, want the one applied import", n)
	}

	// Importing the same file again is harmless.
	job = billingImport(t, env, finance, q("fee_schedules", false), file)
	if systemtest.Get(job, "report", "unchanged_rows") != 3.0 || systemtest.Get(job, "report", "changed_rows") != 0.0 || schedules() != 1 {
		t.Fatalf("re-import: %v, %d versions", job, schedules())
	}
	// Export → import is a no-op, in either format.
	for _, format := range []string{"xlsx", "csv", "csv-gb18030"} {
		exp := download(t, as, "/v1/districts/350402/exports/fee_schedules?format="+format)
		job = billingImport(t, env, finance, q("fee_schedules", false), exp)
		if job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "unchanged_rows") != 3.0 || systemtest.Get(job, "report", "new_rows") != 0.0 || schedules() != 1 {
			t.Fatalf("%s export → import: %v", format, job)
		}
		if enc := systemtest.Str(job, "report", "encoding"); enc != map[string]string{"xlsx": "xlsx", "csv": "utf-8", "csv-gb18030": "gb18030"}[format] {
			t.Errorf("%s export read as %q", format, enc)
		}
	}
	// Export → change one cell → import: a new version, exactly that field.
	exp := csvRows(t, download(t, as, "/v1/districts/350402/exports/fee_schedules?format=csv"))
	setCell(exp, 1, "单价", "3")
	job = billingImport(t, env, finance, q("fee_schedules", false), csvFile(t, exp))
	changes, _ := systemtest.Get(job, "report", "changes").([]any)
	if job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "changed_rows") != 1.0 || systemtest.Get(job, "report", "unchanged_rows") != 2.0 || len(changes) != 1 {
		t.Fatalf("one cell changed: %v", job)
	}
	fields := systemtest.Get(changes[0], "fields").([]any)
	if len(fields) != 1 || systemtest.Str(fields[0], "column") != "单价" || systemtest.Str(fields[0], "old_value") != "2.5" ||
		systemtest.Str(fields[0], "new_value") != "3" || systemtest.Get(changes[0], "row") != 2.0 {
		t.Fatalf("change reported as %v, want row 2 单价 2.5 → 3", changes)
	}
	v2 := as.MustDo(t, "GET", "/v1/districts/350402/fee-schedules/fs-2026-autumn", nil)
	v1 := as.MustDo(t, "GET", "/v1/districts/350402/fee-schedules/fs-2026-autumn?version=1", nil)
	if systemtest.Get(v2, "schedule", "version") != 2.0 || systemtest.Str(v2, "schedule", "items", 0, "rate") != "3" {
		t.Fatalf("after the change: %v", v2)
	}
	s1, s2 := v1["schedule"].(map[string]any), v2["schedule"].(map[string]any)
	s1["version"], s1["items"], s2["version"], s2["items"] = nil, nil, nil, nil
	if a, b := fmt.Sprint(s1), fmt.Sprint(s2); a != b {
		t.Errorf("a field other than the rate changed:\n%s\n%s", a, b)
	}

	// What the single-record API answers for an overlapping version.
	overlap := as.Do(t, "POST", "/v1/districts/350402/fee-schedules", map[string]any{"schedule_id": "fs-other", "document_no": "X价〔2026〕13号",
		"effective_from": systemtest.Date(2026, 10, 1), "billing_mode": "prepaid_term",
		"calendar":  map[string]any{"days_per_month": "22", "months_per_term": "4.5"},
		"proration": map[string]any{"rule_id": "proration", "kind": "half_month"},
		"items":     []any{map[string]any{"rule_id": "basic", "kind": "basic_care", "unit": "per_period", "rate": "2"}}})
	if overlap.Code != http.StatusBadRequest {
		t.Fatalf("API overlap: %d %s", overlap.Code, overlap.Raw)
	}
	apiReason := systemtest.Str(overlap.Body, "details", 0, "field_violations", 0, "description")

	// A bad file: rejected whole, one line per bad row, nothing written.
	before := schedules()
	bad := csvRows(t, file)
	other := slices.Clone(bad[1])
	setCell(bad, 1, "服务类型", "托管班")         // row 2: not a service kind
	setCell(bad, 2, "金额", "一百")            // row 3: not a number
	bad = append(bad, slices.Clone(other)) // row 5: a new schedule with a date that is none
	setCell(bad, 4, "标准编号", "fs-date")
	setCell(bad, 4, "文号", "X价〔2026〕14号")
	setCell(bad, 4, "生效日期", "2026-13-01")
	bad = append(bad, other) // row 6: a new schedule overlapping the imported one
	setCell(bad, 5, "标准编号", "fs-other")
	setCell(bad, 5, "文号", "X价〔2026〕13号")
	setCell(bad, 5, "生效日期", "2026-10-01")
	setCell(bad, 5, "失效日期", "")
	bad = append(bad, slices.Clone(other)) // row 7: a cap below one charge, in school B's own schedule
	setCell(bad, 6, "标准编号", "fs-cap")
	setCell(bad, 6, "学校编号", schoolB)
	setCell(bad, 6, "每月上限", "1")
	bad = append(bad, slices.Clone(other)) // row 8: an unknown row type
	setCell(bad, 7, "记录类型", "附加")
	setCell(bad, 7, "标准编号", "fs-x")
	setCell(bad, 7, "文号", "X价〔2026〕99号")
	job = billingImport(t, env, finance, q("fee_schedules", false), csvFile(t, bad))
	if job["state"] != "IMPORT_STATE_REJECTED" || systemtest.Get(job, "report", "applied") != false {
		t.Fatalf("bad file: %v", job)
	}
	want := []string{"2 服务类型", "3 金额", "5 生效日期", "6 生效日期", "7 每月上限", "8 记录类型"}
	if got := rowErrors(job); !slices.Equal(got, want) {
		t.Errorf("report lines %v, want %v", got, want)
	}
	if e := errorAt(job, 6, "生效日期"); e == nil || e["reason"] != apiReason || !strings.Contains(e["reason_zh"].(string), "重叠") {
		t.Errorf("overlap line %v, want the API's reason %q and the Chinese", e, apiReason)
	}
	if e := errorAt(job, 2, "服务类型"); e == nil || e["value"] != "托管班" || e["reason_zh"] == "" {
		t.Errorf("service kind line %v", e)
	}
	if systemtest.Get(job, "report", "rejected_rows") != 6.0 || schedules() != before {
		t.Errorf("rejected %v rows, versions %d → %d, want 6 rejected and nothing written", systemtest.Get(job, "report", "rejected_rows"), before, schedules())
	}

	// Scope: a school administrator may not import fee schedules, for
	// another school or her own; a school's finance officer only her
	// school's own versions; another district's finance officer nothing here.
	admin := env.Mint(auth.Principal{AccountID: "acc_sa", Role: auth.RoleSchoolAdmin, DistrictID: "350402", SchoolID: schoolA})
	for _, s := range []string{schoolB, schoolA} {
		if code, _, raw := billingUpload(t, env, admin, q("fee_schedules", false, "school_id", s), file); code != http.StatusForbidden {
			t.Errorf("school admin importing %s's schedule: %d %s, want 403", s, code, raw)
		}
	}
	schoolFinance := env.Mint(auth.Principal{AccountID: "acc_fa", Role: auth.RoleFinanceOfficer, DistrictID: "350402", SchoolID: schoolA})
	if code, _, raw := billingUpload(t, env, schoolFinance, q("fee_schedules", false, "school_id", schoolB), file); code != http.StatusForbidden {
		t.Errorf("school A's finance officer importing into school B: %d %s, want 403", code, raw)
	}
	if code, _, raw := billingUpload(t, env, schoolFinance, q("fee_schedules", false), file); code != http.StatusForbidden {
		t.Errorf("school A's finance officer importing district-wide: %d %s, want 403", code, raw)
	}
	own := csvRows(t, file)
	for i := 1; i < len(own); i++ {
		setCell(own, i, "标准编号", "fs-a")
	}
	setCell(own, 1, "学校编号", schoolB)
	job = billingImport(t, env, schoolFinance, q("fee_schedules", false, "school_id", schoolA), csvFile(t, own))
	if e := errorAt(job, 2, "学校编号"); job["state"] != "IMPORT_STATE_REJECTED" || e == nil {
		t.Errorf("school A's upload naming school B: %v", job)
	}
	setCell(own, 1, "学校编号", "")
	job = billingImport(t, env, schoolFinance, q("fee_schedules", false, "school_id", schoolA), csvFile(t, own))
	if job["state"] != "IMPORT_STATE_SUCCEEDED" || count(t, db, `SELECT count(*) FROM billing.schedules WHERE school_id = $1`, schoolA) != 1 {
		t.Errorf("school A's own schedule: %v", job)
	}
	outsider := env.Mint(auth.Principal{AccountID: "acc_f3", Role: auth.RoleFinanceOfficer, DistrictID: "350403"})
	if code, _, raw := billingUpload(t, env, outsider, q("fee_schedules", false), file); code != http.StatusForbidden {
		t.Errorf("another district's finance officer: %d %s, want 403", code, raw)
	}
	_ = bureau

	// A body past the upload limit (16 MiB): 413 before it is read.
	if code, _, raw := billingUpload(t, env, finance, q("fee_schedules", false), bytes.Repeat([]byte("a,"), 9<<20)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("an 18 MiB upload: %d %.200s, want 413", code, raw)
	}
	// Files that are no fee schedule file: a clear 400 naming the file.
	for name, f := range map[string][]byte{
		"not a spreadsheet": {0x00, 0x01, 0x02, 0xff, 0xfe},
		"empty":             {},
		"wrong headers":     []byte("学籍号,姓名\nG1,王小明\n"),
	} {
		code, body, raw := billingUpload(t, env, finance, q("fee_schedules", false), f)
		if code != http.StatusBadRequest || systemtest.Str(body, "details", 0, "field_violations", 0, "field") != "file" {
			t.Errorf("%s: %d %s, want 400 naming the file", name, code, raw)
		}
	}
}

// TestRateTableImportOverHTTP: the rate table template imports, round
// trips, one changed block rate changes exactly that, and a block gap is
// refused on its row as CreateRateTable refuses it.
func TestRateTableImportOverHTTP(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	env.District(t, "350402")
	finance := env.Mint(auth.Principal{AccountID: "acc_f", Role: auth.RoleFinanceOfficer, DistrictID: "350402"})
	as := env.As(finance)
	q := url.Values{"district_id": {"350402"}, "kind": {"rate_tables"}}
	file := download(t, as, "/v1/districts/350402/exports/rate_tables?template=true&format=csv")
	rows := csvRows(t, file)
	if len(rows) != 9 || rows[3][0] != "时段" {
		t.Fatalf("rate template %q", rows)
	}
	job := billingImport(t, env, finance, q, file)
	if job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "new_rows") != 8.0 {
		t.Fatalf("apply: %v", job)
	}
	got := as.MustDo(t, "GET", "/v1/districts/350402/rate-tables/rt-2026", nil)
	if systemtest.Str(got, "rate_table", "rules", 1, "blocks", 1, "start") != "17:30" || systemtest.Str(got, "rate_table", "multipliers", "supervision_only") != "0.8" ||
		systemtest.Str(got, "rate_table", "caps", 0, "per_month") != "3000" {
		t.Fatalf("imported table: %v", got)
	}
	exp := download(t, as, "/v1/districts/350402/exports/rate_tables")
	job = billingImport(t, env, finance, q, exp)
	if systemtest.Get(job, "report", "unchanged_rows") != 8.0 || systemtest.Get(job, "report", "changed_rows") != 0.0 {
		t.Fatalf("export → import: %v", job)
	}
	edit := csvRows(t, download(t, as, "/v1/districts/350402/exports/rate_tables?format=csv"))
	setCell(edit, 4, "单价", "1.2") // the 17:30 block
	job = billingImport(t, env, finance, q, csvFile(t, edit))
	changes, _ := systemtest.Get(job, "report", "changes").([]any)
	if systemtest.Get(job, "report", "changed_rows") != 1.0 || len(changes) != 1 || systemtest.Get(changes[0], "row") != 5.0 ||
		len(systemtest.Get(changes[0], "fields").([]any)) != 1 || systemtest.Str(changes[0], "fields", 0, "new_value") != "1.2" {
		t.Fatalf("one block rate changed: %v", job)
	}
	if v := as.MustDo(t, "GET", "/v1/districts/350402/rate-tables/rt-2026", nil); systemtest.Get(v, "rate_table", "version") != 2.0 ||
		systemtest.Str(v, "rate_table", "rules", 1, "blocks", 1, "rate") != "1.2" {
		t.Fatalf("after the change: %v", v)
	}
	// A gap between the blocks: reported on the rule's row (the window's
	// start, where the blocks are checked), nothing written.
	setCell(edit, 4, "开始时间", "17:40")
	job = billingImport(t, env, finance, q, csvFile(t, edit))
	if e := errorAt(job, 3, "开始时间"); job["state"] != "IMPORT_STATE_REJECTED" || e == nil || !strings.Contains(e["reason"].(string), "gap") {
		t.Fatalf("block gap: %v", job)
	}
	if v := as.MustDo(t, "GET", "/v1/districts/350402/rate-tables/rt-2026", nil); systemtest.Get(v, "rate_table", "version") != 2.0 {
		t.Errorf("a rejected file wrote version %v", systemtest.Get(v, "rate_table", "version"))
	}
}

// TestImportVersionMatching: both versioned imports (fee schedules and
// rate tables) find the stored version a file's version continues by its
// id, or without one by scope, start date and 文号; and refuse, on the
// row and column at fault, a new version without an id, one id given to
// two versions of one file, and a version moved to another scope.
func TestImportVersionMatching(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	env.District(t, "350402")
	school := env.School(t, "350402", "甲小学", "SCHOOL_STAGE_PRIMARY")
	finance := env.Mint(auth.Principal{AccountID: "acc_f", Role: auth.RoleFinanceOfficer, DistrictID: "350402"})
	as := env.As(finance)
	for _, kind := range []string{"fee_schedules", "rate_tables"} {
		t.Run(kind, func(t *testing.T) {
			q := url.Values{"district_id": {"350402"}, "kind": {kind}}
			tmpl := csvRows(t, download(t, as, "/v1/districts/350402/exports/"+kind+"?template=true&format=csv"))
			if job := billingImport(t, env, finance, q, csvFile(t, tmpl)); job["state"] != "IMPORT_STATE_SUCCEEDED" {
				t.Fatalf("template: %v", job)
			}
			stored := csvRows(t, download(t, as, "/v1/districts/350402/exports/"+kind+"?format=csv"))
			n := len(stored) - 1 // one version: every data row belongs to it
			id := stored[1][slices.Index(stored[0], "标准编号")]
			each := func(rows [][]string, col, v string) [][]string {
				out := make([][]string, len(rows))
				for i, r := range rows {
					out[i] = slices.Clone(r)
					if i > 0 {
						setCell(out, i, col, v)
					}
				}
				return out
			}

			// Without its id the stored version is found by scope, start and 文号.
			job := billingImport(t, env, finance, q, csvFile(t, each(stored, "标准编号", "")))
			if job["state"] != "IMPORT_STATE_SUCCEEDED" || systemtest.Get(job, "report", "unchanged_rows") != float64(n) {
				t.Errorf("the export without ids: %v, want %d rows unchanged", job, n)
			}
			for _, tt := range []struct {
				name   string
				rows   [][]string
				row    int
				column string
				reason string
			}{{
				name: "a new version without an id",
				rows: each(each(stored, "标准编号", ""), "文号", "X〔2027〕1号"),
				row:  2, column: "标准编号", reason: "is required for a new",
			}, {
				name: "one id for two versions of the file",
				rows: append(slices.Clone(stored), each(stored, "文号", "X〔2027〕2号")[1:]...),
				row:  2 + n, column: "标准编号", reason: "is already the version on row 2",
			}, {
				name: "a district-wide version moved to a school",
				rows: each(stored, "学校编号", school),
				row:  2, column: "学校编号", reason: "a new version keeps its scope",
			}} {
				job := billingImport(t, env, finance, q, csvFile(t, tt.rows))
				e := errorAt(job, tt.row, tt.column)
				if job["state"] != "IMPORT_STATE_REJECTED" || e == nil || !strings.Contains(e["reason"].(string), tt.reason) || e["reason_zh"] == "" {
					t.Errorf("%s: %v, want row %d %s: %q", tt.name, job, tt.row, tt.column, tt.reason)
				}
			}
			route, key := map[string]string{"fee_schedules": "fee-schedules", "rate_tables": "rate-tables"}[kind], map[string]string{"fee_schedules": "schedule", "rate_tables": "rate_table"}[kind]
			if v := as.MustDo(t, "GET", "/v1/districts/350402/"+route+"/"+id, nil); systemtest.Get(v, key, "version") != 1.0 {
				t.Errorf("%s is at version %v after files that should write nothing, want 1", id, systemtest.Get(v, key, "version"))
			}
		})
	}
}
