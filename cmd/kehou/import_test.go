package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system/systemtest"
)

// TestImportCommand: `kehou import` against a running system, through the
// gateway's upload route, with its progress bar and report.
func TestImportCommand(t *testing.T) {
	env := systemtest.Start(t)
	env.District(t, "350402")
	sch := env.School(t, "350402", "甲小学", "SCHOOL_STAGE_PRIMARY")
	env.MustDo(t, "POST", "/v1/schools/"+sch+"/classes", map[string]any{"grade": 3, "name": "三(1)班", "size": 40})
	tok := env.Mint(auth.Principal{AccountID: "acc_sa", Role: auth.RoleSchoolAdmin, DistrictID: "350402", SchoolID: sch})
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := "学籍号,姓名,班级,监护人1姓名,监护人1电话\n"
	good := write("good.csv", head+"G350402201601010001,王小明,三(1)班,王丽,13812345678\nG350402201601010002,李小红,三(1)班,李强,13912345678\n")
	bad := write("bad.csv", head+"G350402201601010003,张三,三(1)班,张父,13812345678\nG350402201601010003,张四,三(1)班,张父,1381234abcd\n")
	kehou := func(args ...string) (string, string, error) {
		var out, errs bytes.Buffer
		err := run(context.Background(), append([]string{"import"}, args...), func(string) string { return "" }, &out, &errs)
		return out.String(), errs.String(), err
	}
	out, progress, err := kehou("students", good, "--school", sch, "--url", env.Base, "--token", tok, "--dry-run")
	if err != nil || !strings.Contains(out, "2 rows: 2 new, 0 changed, 0 unchanged, 0 rejected") || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if !strings.Contains(progress, "[####################] 100%") {
		t.Errorf("no progress bar on stderr: %q", progress)
	}
	if out, _, err := kehou("students", good, "--school", sch, "--url", env.Base, "--token", tok); err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	out, _, err = kehou("students", bad, "--school", sch, "--url", env.Base, "--token", tok)
	if err == nil || !strings.Contains(err.Error(), "1 rows rejected") || !strings.Contains(out, "row 3, 监护人1电话 \"1381234abcd\"") {
		t.Fatalf("bad file: %v\n%s", err, out)
	}
	other := env.School(t, "350402", "乙小学", "SCHOOL_STAGE_PRIMARY")
	if _, _, err := kehou("students", good, "--school", other, "--url", env.Base, "--token", tok); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("another school: %v, want 403", err)
	}
}

// TestImportCommandFeeSchedules: billing's kinds into a district, through
// billing's upload route, polled at the job's Location.
func TestImportCommandFeeSchedules(t *testing.T) {
	env := systemtest.Start(t)
	env.District(t, "350402")
	tok := env.Mint(auth.Principal{AccountID: "acc_f", Role: auth.RoleFinanceOfficer, DistrictID: "350402"})
	r := env.As(tok).Do(t, "GET", "/v1/districts/350402/exports/fee_schedules?template=true&format=csv", nil)
	if r.Code != 200 {
		t.Fatalf("template: %d %s", r.Code, r.Raw)
	}
	path := filepath.Join(t.TempDir(), "fees.csv")
	if err := os.WriteFile(path, []byte(r.Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	kehou := func(args ...string) (string, error) {
		var out, errs bytes.Buffer
		err := run(context.Background(), append([]string{"import"}, args...), func(string) string { return "" }, &out, &errs)
		return out.String(), err
	}
	if _, err := kehou("fee_schedules", path, "--url", env.Base, "--token", tok); err == nil || !strings.Contains(err.Error(), "--district") {
		t.Fatalf("without --district: %v", err)
	}
	if out, err := kehou("fee_schedules", path, "--district", "350402", "--url", env.Base, "--token", tok); err != nil ||
		!strings.Contains(out, "3 rows: 3 new") || !strings.Contains(out, "applied") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if out, err := kehou("fee_schedules", path, "--district", "350402", "--url", env.Base, "--token", tok); err != nil ||
		!strings.Contains(out, "3 rows: 0 new, 0 changed, 3 unchanged, 0 rejected") {
		t.Fatalf("again: %v\n%s", err, out)
	}
}
