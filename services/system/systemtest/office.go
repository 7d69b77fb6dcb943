package systemtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// OpenWithLibreOffice opens an .xlsx with LibreOffice headless and returns
// its first sheet as CSV (UTF-8, comma-separated), so a real office program
// must read what an export wrote. `make test` installs LibreOffice when it
// can (scripts/office.sh) and then sets KEHOU_REQUIRE_OFFICE, which makes a
// missing soffice a failure; elsewhere the check is logged and "" returned.
func OpenWithLibreOffice(t testing.TB, xlsx []byte) string {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("KEHOU_REQUIRE_OFFICE") != "" {
			t.Fatalf("LibreOffice (soffice) not found, and KEHOU_REQUIRE_OFFICE is set: %v", err)
		}
		t.Log("LibreOffice not installed: the workbook was read back with excelize only")
		return ""
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "export.xlsx")
	if err := os.WriteFile(in, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+dir+"/profile",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("LibreOffice could not open the workbook: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "export.csv"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no CSV of the workbook: %v", err)
	}
	return string(got)
}
