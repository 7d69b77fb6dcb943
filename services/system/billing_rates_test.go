package system_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
)

// payTable is the remuneration standard the pay tests use: 1.7 元/min in the
// first hour of after-school care (15:30–16:30), 2 元/min after, 2.5 元/min in
// that first hour at weekends; clubs 50 元 a period (80 at weekends) up to
// 30 students, +1 元 per extra student per period; outside instructors 80 元 a
// period as a labour fee (劳务费); patrol 30 元 a day as a separate increment;
// supervision only ×0.5; a 班主任 allowance of 100 元 + 2 元/student; 5%
// management share; teachers capped at 500 元 a month.
func payTable(doc string) map[string]any {
	return map[string]any{
		"rate_table_id": "kc-2026", "name": "课后服务课酬标准", "document_no": doc,
		"effective_from": date(2026, 9, 1), "effective_to": date(2027, 1, 31),
		"rules": []any{
			map[string]any{"rule_id": "outside", "staff_kinds": []any{"outside_instructor"}, "unit": "per_period", "rate": "80",
				"weekend_holiday_rate": "100", "treatment": "labour_fee"},
			map[string]any{"rule_id": "club", "roles": []any{"instructor"}, "unit": "per_period", "rate": "50", "weekend_holiday_rate": "80",
				"class_size_threshold": 30, "extra_per_student": "1", "treatment": "outside_performance_total"},
			map[string]any{"rule_id": "care", "roles": []any{"supervisor", "extra_adult"}, "unit": "per_minute", "window_start": "15:30", "window_end": "18:30",
				"blocks": []any{
					map[string]any{"start": "15:30", "end": "16:30", "rate": "1.7", "weekend_holiday_rate": "2.5"},
					map[string]any{"start": "16:30", "end": "18:30", "rate": "2"},
				}, "treatment": "outside_performance_total"},
			map[string]any{"rule_id": "patrol", "roles": []any{"patrol"}, "unit": "per_day", "rate": "30", "treatment": "separate_increment"},
		},
		"multipliers":   map[string]any{"supervision_only": "0.5", "substitute_cover": "1", "patrol": "1"},
		"class_teacher": map[string]any{"rule_id": "bzr", "per_month": "100", "per_student": "2", "treatment": "outside_performance_total"},
		"management":    map[string]any{"rule_id": "mgmt", "share": "0.05", "treatment": "outside_performance_total"},
		"caps":          []any{map[string]any{"rule_id": "cap-teacher", "staff_kind": "teacher", "per_month": "500"}},
	}
}

func TestRateTablesHTTP(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	env.MustDo(t, "POST", "/v1/districts", map[string]any{"district_id": "350427", "name": "沙县区",
		"policy": map[string]any{"off_work_time": map[string]any{"hours": 17, "minutes": 30}, "min_minutes_per_day": 80,
			"service_days_per_week": 5, "period_minutes_primary": 40, "period_minutes_junior_middle": 45, "max_periods_per_day": 3}})
	path := "/v1/districts/350427/rate-tables"
	created := env.MustDo(t, "POST", path, payTable("沙教〔2026〕7号"))
	if systemtest.Get(created, "rate_table", "version") != float64(1) || systemtest.Str(created, "rate_table", "rules", 2, "blocks", 1, "start") != "16:30" {
		t.Fatalf("created = %v, want version 1 with the 16:30 block", created)
	}
	got := env.MustDo(t, "GET", path+"/kc-2026", nil)
	if systemtest.Str(got, "rate_table", "document_no") != "沙教〔2026〕7号" || systemtest.Str(got, "rate_table", "multipliers", "supervision_only") != "0.5" {
		t.Errorf("get = %v", got)
	}
	// A new version of the same table supersedes it, no overlap.
	v2 := env.MustDo(t, "POST", path, payTable("沙教〔2026〕9号"))
	if systemtest.Get(v2, "rate_table", "version") != float64(2) {
		t.Errorf("second version = %v, want version 2", v2)
	}
	list := env.MustDo(t, "GET", path, nil)
	if n := len(systemtest.Get(list, "rate_tables").([]any)); n != 2 {
		t.Errorf("list = %d versions, want 2", n)
	}

	other := func(edit func(m map[string]any)) map[string]any {
		m := payTable("沙教〔2027〕1号")
		m["rate_table_id"] = "kc-2027"
		m["effective_from"], m["effective_to"] = date(2027, 2, 1), date(2027, 7, 31)
		edit(m)
		return m
	}
	rule := func(m map[string]any, i int) map[string]any { return m["rules"].([]any)[i].(map[string]any) }
	block := func(m map[string]any, i int) map[string]any { return rule(m, 2)["blocks"].([]any)[i].(map[string]any) }
	tests := []struct {
		name        string
		give        map[string]any
		field, rule string
	}{
		{"overlapping versions", other(func(m map[string]any) { m["effective_from"] = date(2027, 1, 1) }), "effective_from", "overlaps rate table kc-2026"},
		{"negative rate", other(func(m map[string]any) { rule(m, 1)["rate"] = "-50" }), "rules[1].rate", "must not be negative"},
		{"negative multiplier", other(func(m map[string]any) { m["multipliers"].(map[string]any)["supervision_only"] = "-0.5" }), "multipliers.supervision_only", "must not be negative"},
		{"overlapping blocks", other(func(m map[string]any) { block(m, 1)["start"] = "16:00" }), "rules[2].blocks", "overlap"},
		{"gap inside the window", other(func(m map[string]any) { block(m, 1)["start"] = "16:45" }), "rules[2].blocks", "gap 16:30–16:45"},
		{"cap below one session", other(func(m map[string]any) {
			m["caps"].([]any)[0].(map[string]any)["per_month"] = "300"
		}), "caps[0].per_month", "below one session's pay 390.00 under rule care"},
		{"bad clock", other(func(m map[string]any) { block(m, 0)["end"] = "16:75" }), "rules[2].blocks[0].end", "clock time"},
		{"unknown treatment", other(func(m map[string]any) { rule(m, 0)["treatment"] = "bonus" }), "rules[0].treatment", "labour_fee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do(t, "POST", path, tt.give)
			if r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, `"field":"`+tt.field+`"`) || !strings.Contains(r.Raw, tt.rule) {
				t.Errorf("status %d body %s, want 400 naming %q and %q", r.Code, r.Raw, tt.field, tt.rule)
			}
		})
	}
	// Nothing was written by the refused requests.
	if n := len(systemtest.Get(env.MustDo(t, "GET", path, nil), "rate_tables").([]any)); n != 2 {
		t.Errorf("after bad input: %d versions, want 2", n)
	}
	if r := env.Do(t, "GET", path+"/nope", nil); r.Code != http.StatusNotFound {
		t.Errorf("unknown table: %d, want 404", r.Code)
	}
}
