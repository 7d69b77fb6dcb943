package system_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// TestClaimsExactEndToEnd is issue 11 item 4: a subsidy of 0.01 元 per served day split 1:1:1
// between city, district and province. By hand: 19 + 19 + 17 = 55 fen in all (王五 has two days
// of leave), 55/3 = 18.33 each: the claims are 0.19, 0.18, 0.18 (the spare fen to city, by key),
// rounded once. Splitting each statement on its own would give 19 → 7, 6, 6 twice and 17 → 6, 6,
// 5: city 0.20, district 0.18, province 0.17. Each statement's shares still sum to its subsidy.
func TestClaimsExactEndToEnd(t *testing.T) {
	t.Parallel()
	w := newFeeWorld(t, "351109")
	env := w.env
	s := acceptanceSchedule("三教〔2024〕60号")
	s["waivers"] = nil
	s["subsidies"] = []any{map[string]any{"rule_id": "subsidy-day", "kind": "per_student_day", "amount": "0.01",
		"payers": []any{map[string]any{"payer_id": "city", "ratio": "1"}, map[string]any{"payer_id": "district", "ratio": "1"},
			map[string]any{"payer_id": "province", "ratio": "1"}}}}
	env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-schedules", s)
	run := env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs", map[string]any{
		"request_id": "sept-claims", "school_id": w.school, "term_id": w.term, "period_kind": "term"})
	claims := env.MustDo(t, "GET", fmt.Sprintf("/v1/districts/%s/claims?from.year=2024&from.month=9&from.day=1&to.year=2024&to.month=9&to.day=30", w.district), nil)
	want := map[string]string{"city": "0.19", "district": "0.18", "province": "0.18"}
	for _, p := range claims["subsidies"].([]any) {
		id := systemtest.Str(p, "party_id")
		if got := money(t, systemtest.Get(p, "amount")).StringFixed(2); got != want[id] {
			t.Errorf("claim %s = %s, want %s", id, got, want[id])
		}
		delete(want, id)
	}
	if len(want) != 0 {
		t.Errorf("claims missing %v: %v", want, claims)
	}
	for name, served := range map[string]int64{"张三": 19, "李四": 19, "王五": 17} {
		got := env.MustDo(t, "GET", "/v1/schools/"+w.school+"/students/"+w.students[name]+"/terms/"+w.term+"/statements", nil)
		sum := decimal.Zero
		for _, sh := range systemtest.Get(got, "statements", 0, "lines", 0, "subsidies").([]any) {
			a := money(t, systemtest.Get(sh, "amount"))
			if a.Sign() < 0 || a.GreaterThan(decimal.New(served/3+1, -2)) {
				t.Errorf("%s share %v", name, sh)
			}
			sum = sum.Add(a)
		}
		if !sum.Equal(decimal.New(served, -2)) {
			t.Errorf("%s subsidy shares sum to %s, want %s", name, sum, decimal.New(served, -2))
		}
	}
	// The run verifies from its stored inputs (the replay splits the claims the same way).
	v := env.MustDo(t, "POST", "/v1/districts/"+w.district+"/fee-runs/"+systemtest.Str(run, "run", "run_id")+":verify", map[string]any{})
	if v["identical"] != true {
		t.Errorf("verify = %v", v)
	}

	// The claims as the payers' claim forms (补助申报), read back: the
	// summary rows and the detail total are the API's figures.
	x := env.Do(t, "GET", fmt.Sprintf("/v1/districts/%s/claims:export?from.year=2024&from.month=9&from.day=1&to.year=2024&to.month=9&to.day=30", w.district), nil)
	if x.Code != 200 {
		t.Fatalf("claims export: %d %.300s", x.Code, x.Raw)
	}
	f, err := excelize.OpenReader(strings.NewReader(x.Raw))
	if err != nil {
		t.Fatalf("claims export is not a workbook: %v", err)
	}
	defer f.Close()
	sum, _ := f.GetRows("汇总")
	wantRows := [][]string{{"付款方", "类别", "金额"}, {"city", "财政补助", "0.19"}, {"district", "财政补助", "0.18"},
		{"province", "财政补助", "0.18"}, {"合计", "", "0.55"}}
	if fmt.Sprint(sum) != fmt.Sprint(wantRows) {
		t.Errorf("汇总 %v, want %v", sum, wantRows)
	}
	if text := systemtest.OpenWithLibreOffice(t, []byte(x.Raw)); text != "" && (!strings.HasPrefix(text, "付款方,类别,金额") || !strings.Contains(text, "合计,,0.55")) {
		t.Errorf("LibreOffice read the claims as:\n%.400s\nwant the Chinese header and 合计 0.55", text)
	}
	detail, _ := f.GetRows("明细")
	if len(detail) < 3 || detail[len(detail)-1][0] != "合计" || detail[len(detail)-1][7] != "0.55" {
		t.Errorf("明细 %v, want rows totalling 0.55", detail)
	}
	// The school term's fee statements (收费明细): the parents' total is the
	// claims' parent figure, one row per statement.
	fs := env.Do(t, "GET", "/v1/schools/"+w.school+"/terms/"+w.term+"/statements:export", nil)
	if fs.Code != 200 {
		t.Fatalf("fee statements export: %d %.300s", fs.Code, fs.Raw)
	}
	ff, err := excelize.OpenReader(strings.NewReader(fs.Raw))
	if err != nil {
		t.Fatalf("fee statements export is not a workbook: %v", err)
	}
	defer ff.Close()
	frows, _ := ff.GetRows("收费明细")
	wantParent := money(t, claims["parent"]).StringFixed(2)
	if len(frows) != stNum(claims, "statements")+2 || frows[0][6] != "家长应缴" || frows[len(frows)-1][0] != "合计" || frows[len(frows)-1][6] != wantParent {
		t.Errorf("收费明细 %v, want %d statements and 合计 家长应缴 %s", frows, stNum(claims, "statements"), wantParent)
	}
	if text := systemtest.OpenWithLibreOffice(t, []byte(fs.Raw)); text != "" && (!strings.Contains(text, "家长应缴") || !strings.Contains(text, "\n合计,") || !strings.Contains(text, ","+wantParent)) {
		t.Errorf("LibreOffice read the fee statements as:\n%.400s\nwant 家长应缴 and 合计 %s", text, wantParent)
	}
	one := env.Do(t, "GET", fmt.Sprintf("/v1/districts/%s/claims:export?from.year=2024&from.month=9&from.day=1&to.year=2024&to.month=9&to.day=30&payer_id=city&format=csv", w.district), nil)
	if one.Code != 200 || !strings.Contains(one.Raw, "\n合计,,0.19\n") {
		t.Errorf("city's claims as CSV: %d %.400s", one.Code, one.Raw)
	}

	// Each export of the families' claims is a bulk read of personal data:
	// the audit trail (操作日志) has one read event per download.
	var exports int
	for _, e := range auditEvents(t, env.Client, w.district, "billing", "object_kind=claim") {
		if e["operation"] == "read" && e["action"] == "/kehou.billing.v1.ExportService/ExportClaims" {
			exports++
		}
	}
	if exports != 2 {
		t.Errorf("claims exports recorded in the audit trail = %d, want 2", exports)
	}
}
