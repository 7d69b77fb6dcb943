package system_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/system/systemtest"
)

// The audit's machinery: the OpenAPI document it walks, a world of real
// ids, generated bodies, the hostile probes and how an answer is judged.

// swaggerDoc is the part of the OpenAPI v2 document the audit reads.
type swaggerDoc struct {
	Paths       map[string]map[string]swaggerOp `json:"paths"`
	Definitions map[string]*swaggerSchema       `json:"definitions"`
}

type swaggerOp struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name   string         `json:"name"`
		In     string         `json:"in"`
		Schema *swaggerSchema `json:"schema"`
	} `json:"parameters"`
}

type swaggerSchema struct {
	Ref                  string                    `json:"$ref"`
	Type                 string                    `json:"type"`
	Format               string                    `json:"format"`
	Enum                 []string                  `json:"enum"`
	Properties           map[string]*swaggerSchema `json:"properties"`
	Items                *swaggerSchema            `json:"items"`
	AdditionalProperties json.RawMessage           `json:"additionalProperties"`
}

func loadSwagger(t *testing.T) swaggerDoc {
	t.Helper()
	raw, err := os.ReadFile("../../gateway/openapi/kehou.swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	var d swaggerDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d swaggerDoc) resolve(s *swaggerSchema) (*swaggerSchema, string) {
	name := ""
	for s != nil && s.Ref != "" {
		name = s.Ref[strings.LastIndex(s.Ref, "/")+1:]
		s = d.Definitions[name]
	}
	return s, name
}

// robustWorld is a small valid world: a school with staff, clubs, a plan,
// a student enrolled, a solved week with an hour record, a fee schedule
// and a fee run; and a second school (another district) for foreign ids.
type robustWorld struct {
	ids   map[string]string // path/field name → a valid id
	other map[string]string // the same names → ids of another school
}

func newRobustWorld(t *testing.T, env *systemtest.Env) robustWorld {
	t.Helper()
	s := newStaffingSchool(t, env, "350471")
	st := env.MustDo(t, "POST", s.path("/students"), map[string]any{"class_id": s.c1, "name": "张三",
		"guardians": []any{map[string]any{"name": "张三家长", "phone": "13800000000", "relation": "母亲"}}})
	student := systemtest.Str(st, "student", "student_id")
	items := env.MustDo(t, "GET", s.path("/terms/%s/items", s.term), nil)
	item := systemtest.Str(items, "items", 0, "item_id")
	en := env.MustDo(t, "POST", s.path("/enrolments"), map[string]any{"student_id": student, "item_id": item, "start_date": date(2026, 9, 7)})
	enrolment := systemtest.Str(en, "enrolment", "enrolment_id")
	env.MustDo(t, "POST", s.path("/enrolments/%s:approve", enrolment), map[string]any{})
	clubs := env.MustDo(t, "GET", s.path("/terms/%s/clubs", s.term), nil)
	club := systemtest.Str(clubs, "clubs", 0, "club_id")
	occ := env.MustDo(t, "GET", s.path("/terms/%s/occurrences?from.year=2026&from.month=9&from.day=7&to.year=2026&to.month=9&to.day=7", s.term), nil)
	occurrence := systemtest.Str(occ, "occurrences", 0, "occurrence_id")
	g := s.solve(t, "1")
	asg := systemtest.Str(g, "assignments", 0, "assignment_id")
	demand := systemtest.Str(g, "assignments", 0, "demand_id")
	staffID := systemtest.Str(g, "assignments", 0, "staff_id")
	rec := systemtest.Str(env.MustDo(t, "POST", s.path("/assignments/%s:checkIn", asg), map[string]any{"time": stAt(7, 15, 30)}), "record", "record_id")
	env.MustDo(t, "POST", "/v1/districts/"+s.district+"/fee-schedules", schedule2026("sy-2026", "三教〔2026〕1号"))
	run := env.MustDo(t, "POST", "/v1/districts/"+s.district+"/fee-runs", map[string]any{
		"request_id": "robust-1", "school_id": s.id, "term_id": s.term, "period_kind": "term"})
	runID := systemtest.Str(run, "run", "run_id")
	sts := env.MustDo(t, "GET", s.path("/students/%s/terms/%s/statements", student, s.term), nil)
	statement := systemtest.Str(sts, "statements", 0, "statement_id")
	w := robustWorld{ids: map[string]string{
		"district_id": s.district, "school_id": s.id, "term_id": s.term, "student_id": student, "class_id": s.c1,
		"item_id": item, "enrolment_id": enrolment, "club_id": club, "occurrence_id": occurrence, "staff_id": staffID,
		"institution_id": s.institution, "assignment_id": asg, "demand_id": demand, "record_id": rec,
		"run_id": runID, "schedule_id": "sy-2026", "statement_id": statement, "request_id": "robust-2",
	}}
	if statement != "" {
		p := env.MustDo(t, "POST", s.path("/payments"), payment(statement, "1.00", "PAYMENT_CHANNEL_CASH", "robust-pay", "2026-09-08T02:00:00Z"))
		w.ids["payment_id"] = systemtest.Str(p, "payment", "payment_id")
	}

	// Another district's school with a term, a student and a staff member.
	od := env.District(t, "350472")
	oc := env.As(env.Mint(systemtest.Bureau(od))) // that district's own bureau sets it up
	osc := env.School(t, od, "他区小学", "SCHOOL_STAGE_PRIMARY")
	ocl := oc.MustDo(t, "POST", "/v1/schools/"+osc+"/classes", map[string]any{"grade": 3, "name": "三年级1班", "size": 30})
	ost := oc.MustDo(t, "POST", "/v1/schools/"+osc+"/students", map[string]any{"class_id": systemtest.Str(ocl, "class", "class_id"), "name": "李四",
		"guardians": []any{map[string]any{"name": "李四家长", "phone": "13800000001", "relation": "父亲"}}})
	otm := oc.MustDo(t, "POST", "/v1/schools/"+osc+"/terms", map[string]any{"name": "秋季", "start_date": date(2026, 9, 7), "end_date": date(2026, 9, 30)})
	ostaff := oc.MustDo(t, "POST", "/v1/schools/"+osc+"/staff", map[string]any{"name": "外校老师", "kind": "STAFF_KIND_TEACHER"})
	w.other = map[string]string{"district_id": od, "school_id": osc, "term_id": systemtest.Str(otm, "term", "term_id"),
		"student_id": systemtest.Str(ost, "student", "student_id"), "class_id": systemtest.Str(ocl, "class", "class_id"),
		"staff_id": systemtest.Str(ostaff, "staff_member", "staff_id")}
	for k, v := range w.ids {
		if v == "" {
			t.Fatalf("world has no %s", k)
		}
	}
	return w
}

// schedule2026 is acceptanceSchedule in force for the 2026 autumn term.
func schedule2026(id, doc string) map[string]any {
	s := acceptanceSchedule(doc)
	s["schedule_id"], s["effective_from"], s["effective_to"] = id, date(2026, 9, 1), date(2027, 1, 31)
	return s
}

// id returns the world's id for a path or field name such as
// "district.district_id" or "staff_member.staff_id".
func (w robustWorld) id(name string) (string, bool) {
	name = name[strings.LastIndex(name, ".")+1:]
	v, ok := w.ids[name]
	return v, ok
}

// baseBodies are valid bodies for the routes where a generated one would
// stop at the first check, so that mutations reach the domain.
func (w robustWorld) baseBodies() map[string]any {
	id := w.ids
	return map[string]any{
		"TimetableService_CreateDistrict": map[string]any{"district_id": "350479", "name": "新区", "policy": systemtest.Policy()},
		"TimetableService_UpdateDistrict": map[string]any{"name": "三元区", "policy": systemtest.Policy()},
		"TimetableService_CreateSchool":   map[string]any{"district_id": id["district_id"], "name": "新小学", "stage": "SCHOOL_STAGE_PRIMARY"},
		"TimetableService_UpdateSchool":   map[string]any{"district_id": id["district_id"], "name": "新小学", "stage": "SCHOOL_STAGE_PRIMARY"},
		"TimetableService_CreateClosure": map[string]any{"school_id": id["school_id"], "start_date": date(2026, 9, 28),
			"end_date": date(2026, 9, 28), "reason": "台风"},
		"TimetableService_CreateRoom":  map[string]any{"name": "新教室", "kind": "ROOM_KIND_CLASSROOM", "capacity": 40},
		"TimetableService_CreateClass": map[string]any{"grade": 3, "name": "三年级9班", "size": 30},
		"TimetableService_CreateStudent": map[string]any{"class_id": id["class_id"], "name": "王五",
			"guardians": []any{map[string]any{"name": "王五家长", "phone": "13800000002", "relation": "母亲"}}},
		"TimetableService_CreateTerm": map[string]any{"name": "新学期", "start_date": date(2027, 2, 15), "end_date": date(2027, 6, 30),
			"holidays": []any{map[string]any{"date": date(2027, 5, 3), "name": "劳动节"}}},
		"TimetableService_CreateServiceItem": map[string]any{"kind": "ITEM_KIND_ENRICHMENT", "name": "新项目", "segment": 4,
			"windows": stWindows(18, 20, 18, 50)},
		"TimetableService_CreateClub": map[string]any{"name": "围棋", "activity_kind": "ACTIVITY_KIND_CALLIGRAPHY",
			"provider_kind": "PROVIDER_KIND_SCHOOL", "capacity": 20, "grades": []int{3}, "room_kind": "ROOM_KIND_ART_ROOM", "meetings_per_week": 1},
		"TimetableService_CreateEnrolment": map[string]any{"student_id": id["student_id"], "item_id": id["item_id"], "start_date": date(2026, 9, 8)},
		"TimetableService_CreateLeave":     map[string]any{"start_date": date(2026, 9, 9), "end_date": date(2026, 9, 9), "reason": "病假"},
		"TimetableService_GeneratePlan":    map[string]any{"seed": "1"},
		"TimetableService_CancelSessions":  map[string]any{"date": date(2026, 9, 29), "reason": "教师培训"},
		"TimetableService_RecordDelivery":  map[string]any{"date": date(2026, 9, 8), "class_id": id["class_id"], "segment": 1, "minutes": 30},
		"TimetableService_RecordAttendance": map[string]any{"occurrence_id": id["occurrence_id"], "marks": []any{
			map[string]any{"student_id": id["student_id"], "status": "ATTENDANCE_STATUS_PRESENT"}}},
		"TimetableService_SubmitClubChoices":        map[string]any{"student_id": id["student_id"], "club_ids": []string{id["club_id"]}},
		"TimetableService_AllocateClubs":            map[string]any{"seed": "1"},
		"TimetableService_JoinClub":                 map[string]any{"student_id": id["student_id"]},
		"StaffingService_CreateStaffMember":         map[string]any{"name": "新老师", "kind": "STAFF_KIND_TEACHER", "subjects": []string{"语文"}},
		"StaffingService_UpdateStaffMember":         map[string]any{"name": "新老师", "kind": "STAFF_KIND_TEACHER"},
		"StaffingService_SetTermParticipation":      map[string]any{"term_id": id["term_id"], "opted_in": true},
		"StaffingService_CreateInstitution":         institution("新机构", "JY-3504-0099", true, systemtest.Date(2024, 1, 1), systemtest.Date(2030, 12, 31)),
		"StaffingService_AddInstitutionSchool":      map[string]any{"school_id": id["school_id"]},
		"StaffingService_SetDistrictStaffingPolicy": map[string]any{"max_schools_per_institution": 3},
		"StaffingService_SolveWeek":                 map[string]any{"term_id": id["term_id"], "week_start": date(2026, 9, 14), "seed": "2"},
		"StaffingService_AssignStaff":               map[string]any{"demand_id": id["demand_id"], "staff_id": id["staff_id"]},
		"StaffingService_ReportAbsence":             map[string]any{"absence": map[string]any{"staff_id": id["staff_id"], "from": date(2026, 9, 15), "reason": "病假"}},
		"StaffingService_CheckIn":                   map[string]any{"time": stAt(7, 15, 30)},
		"StaffingService_CheckOut":                  map[string]any{"time": stAt(7, 16, 30), "duty": "taught"},
		"StaffingService_AmendHourRecord":           map[string]any{"check_in": stAt(7, 15, 30), "check_out": stAt(7, 16, 30)},
		"StaffingService_CorrectHourRecord":         map[string]any{"check_in": stAt(7, 15, 30), "check_out": stAt(7, 16, 30), "duty": "taught", "reason": "更正"},
		"StaffingService_ApproveHourRecord":         map[string]any{"approved_by": "周主任"},
		"BillingService_CreateFeeSchedule":          acceptanceSchedule("三教〔2026〕2号"),
		"BillingService_CreatePriceCeiling": map[string]any{"ceiling_id": "robust-ceiling", "document_no": "闽价〔2026〕1号",
			"effective_from": date(2026, 9, 1), "limits": []any{map[string]any{"unit": "per_period", "max": "5"}}},
		"BillingService_CreateFeeRun":  map[string]any{"request_id": "robust-3", "school_id": id["school_id"], "term_id": id["term_id"], "period_kind": "term"},
		"BillingService_PreviewFeeRun": map[string]any{"run": map[string]any{"school_id": id["school_id"], "term_id": id["term_id"], "period_kind": "term"}},
		"PaymentService_RecordPayment": payment(id["statement_id"], "1.00", "PAYMENT_CHANNEL_CASH", "robust-pay-2", "2026-09-08T02:00:00Z"),
		"PaymentService_CreateRefund": map[string]any{"payment_id": id["payment_id"], "amount": map[string]any{"amount": "0.50"},
			"method": "REFUND_METHOD_ORIGINAL", "idempotency_key": "robust-ref", "refunded_on": date(2026, 9, 9)},
		"PaymentService_CreateWriteOff": map[string]any{"student_id": id["student_id"], "term_id": id["term_id"],
			"amount": map[string]any{"amount": "0.10"}, "reason": "特困", "idempotency_key": "robust-wo"},
	}
}

// generate makes a plausible value for a schema: world ids for id fields,
// the first real enum value, valid dates, times and money.
func (w robustWorld) generate(d swaggerDoc, s *swaggerSchema, field string, depth int) any {
	s, name := d.resolve(s)
	if s == nil {
		return nil
	}
	switch name {
	case "v1Date":
		return date(2026, 9, 8)
	case "v1TimeOfDay":
		return systemtest.Time(16, 0)
	case "v1Money":
		return map[string]any{"amount": "1.00"}
	}
	switch {
	case len(s.Enum) > 0:
		for _, e := range s.Enum {
			if !strings.HasSuffix(e, "_UNSPECIFIED") {
				return e
			}
		}
		return s.Enum[0]
	case s.Type == "object" && s.Properties != nil:
		if depth > 3 {
			return map[string]any{}
		}
		out := map[string]any{}
		for k, p := range s.Properties {
			out[k] = w.generate(d, p, k, depth+1)
		}
		return out
	case s.Type == "object":
		return map[string]any{}
	case s.Type == "array":
		return []any{w.generate(d, s.Items, field, depth+1)}
	case s.Type == "boolean":
		return true
	case s.Type == "integer":
		return 1
	case s.Format == "date-time":
		return stAt(8, 16, 0)
	case s.Format == "int64" || s.Format == "uint64":
		return "1"
	}
	if v, ok := w.id(field); ok {
		return v
	}
	return "x"
}

// hostile values, as raw JSON.
var hostileValues = []string{
	`""`, `"abc"`, `"` + strings.Repeat("长", 10000) + `"`, `-1`, `0`, `99999999999999999999`, `1e308`, `-2147483649`,
	`{"a":1}`, `[1]`, `null`, `true`, `"1e9"`, `"-0.001"`, `"12.345"`, `"UNKNOWN_ENUM_VALUE"`, `"2026-02-30"`,
	`"2026-02-30T25:61:00Z"`, `"\u0000"`,
}

// hostileDates are whole-object replacements for Date fields.
var hostileDates = []string{
	`{"year":2026,"month":2,"day":30}`, `{"year":0,"month":1,"day":1}`, `{"year":0,"month":0,"day":0}`,
	`{"year":-1,"month":1,"day":1}`, `{"year":2026,"month":13,"day":1}`, `{"year":99999,"month":1,"day":1}`, `{}`,
}

var hostileQuery = []string{"-1", "0", "100000", "abc", "", strings.Repeat("x", 10000), "99999999999999999999",
	"2026-02-30", "1e9", "-0.001", "12.345", "UNKNOWN_ENUM_VALUE", "!!!", "eyJ4IjoxfQ", "%00"}

// leaf is a place in a body: its path and, for dates, a marker.
type leaf struct {
	path []any // string keys and int indexes
	date bool
}

func (d swaggerDoc) leaves(s *swaggerSchema, prefix []any, depth int) []leaf {
	s, name := d.resolve(s)
	if s == nil {
		return nil
	}
	here := leaf{path: append([]any(nil), prefix...), date: name == "v1Date"}
	if name == "v1Date" || name == "v1TimeOfDay" || depth > 3 {
		if name == "v1TimeOfDay" {
			return []leaf{here, {path: append(append([]any(nil), prefix...), "hours")}}
		}
		return []leaf{here}
	}
	switch {
	case s.Type == "object" && s.Properties != nil:
		var out []leaf
		if len(prefix) > 0 {
			out = append(out, here)
		}
		keys := make([]string, 0, len(s.Properties))
		for k := range s.Properties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, d.leaves(s.Properties[k], append(append([]any(nil), prefix...), k), depth+1)...)
		}
		return out
	case s.Type == "array":
		return append([]leaf{here}, d.leaves(s.Items, append(append([]any(nil), prefix...), 0), depth+1)...)
	}
	return []leaf{here}
}

// deepCopy copies a JSON value made of maps, slices and scalars.
func deepCopy(v any) any {
	raw, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(raw, &out)
	return out
}

// set puts raw at path in v (a copy), creating maps and slices as needed.
func set(v any, path []any, raw json.RawMessage) any {
	if len(path) == 0 {
		return raw
	}
	switch k := path[0].(type) {
	case string:
		m, _ := v.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		m[k] = set(m[k], path[1:], raw)
		return m
	case int:
		a, _ := v.([]any)
		if len(a) <= k {
			a = append(a, make([]any, k+1-len(a))...)
		}
		a[k] = set(a[k], path[1:], raw)
		return a
	}
	return v
}

type probe struct {
	method, path, body string
	what               string // the mutated input, for the log
	malformed          bool
	// contentType is the request's Content-Type ("" means application/json,
	// "-" none at all); wantCode, when set, is the only right answer.
	contentType string
	wantCode    int
}

type probeResult struct {
	probe
	code int
	raw  string
	err  error
}

func send(client *http.Client, base string, p probe) probeResult {
	var rd io.Reader
	if p.body != "" {
		rd = strings.NewReader(p.body)
	}
	req, err := http.NewRequest(p.method, base+p.path, rd)
	if err != nil {
		return probeResult{probe: p, err: err}
	}
	switch p.contentType {
	case "":
		req.Header.Set("Content-Type", "application/json")
	case "-":
	default:
		req.Header.Set("Content-Type", p.contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return probeResult{probe: p, err: err}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return probeResult{probe: p, code: resp.StatusCode, raw: string(raw)}
}

// namesField matches the gateway's "invalid JSON for field x.y[0]" message.
var namesField = regexp.MustCompile(`field [a-z_]+`)

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// probes builds every hostile request for one route.
func (w robustWorld) probes(d swaggerDoc, method, tmpl string, op swaggerOp, bases map[string]any) []probe {
	method = strings.ToUpper(method)
	var query []string
	var bodySchema *swaggerSchema
	for _, p := range op.Parameters {
		switch p.In {
		case "query":
			query = append(query, p.Name)
		case "body":
			bodySchema = p.Schema
		}
	}
	fill := func(over map[string]string) string {
		return pathParam.ReplaceAllStringFunc(tmpl, func(m string) string {
			name := m[1 : len(m)-1]
			if v, ok := over[name]; ok {
				return v
			}
			v, _ := w.id(name)
			return url.PathEscape(v)
		})
	}
	baseQuery := func() url.Values {
		q := url.Values{}
		for _, n := range query {
			last := n[strings.LastIndex(n, ".")+1:]
			switch {
			case last == "year":
				q.Set(n, "2026")
			case last == "month":
				q.Set(n, "9")
			case last == "day":
				q.Set(n, "7")
			case last == "page_size":
				q.Set(n, "10")
			case last == "page_token":
			default:
				if v, ok := w.id(n); ok {
					q.Set(n, v)
				}
			}
		}
		return q
	}
	var base any
	if bodySchema != nil {
		if b, ok := bases[op.OperationID]; ok {
			base = deepCopy(b)
		} else {
			base = deepCopy(w.generate(d, bodySchema, "", 0))
		}
	}
	enc := func(v any) string {
		if bodySchema == nil {
			return ""
		}
		raw, _ := json.Marshal(v)
		return string(raw)
	}
	withQuery := func(p string, q url.Values) string {
		if e := q.Encode(); e != "" {
			return p + "?" + e
		}
		return p
	}
	var out []probe
	add := func(path, body, what string, malformed bool) {
		out = append(out, probe{method: method, path: path, body: body, what: what, malformed: malformed})
	}
	okPath := withQuery(fill(nil), baseQuery())
	add(okPath, enc(base), "base request", false)

	// Path ids: unknown of the right shape, garbage, another school's.
	for _, m := range pathParam.FindAllStringSubmatch(tmpl, -1) {
		name := m[1]
		valid, _ := w.id(name)
		shape := valid
		if i := strings.LastIndex(valid, "_"); i >= 0 {
			shape = valid[:i+1] + strings.Repeat("0", len(valid)-i-1)
		} else {
			shape = strings.Repeat("9", len(valid))
		}
		variants := []string{shape, "zz", "-1", "%20", strings.Repeat("x", 10000), "%E4%B8%AD%E6%96%87", "..%2F..%2Fetc", "%27%20OR%201%3D1--"}
		if o, ok := w.other[name[strings.LastIndex(name, ".")+1:]]; ok {
			variants = append(variants, o)
		}
		for _, v := range variants {
			add(withQuery(fill(map[string]string{name: v}), baseQuery()), enc(base), fmt.Sprintf("path %s=%.40s", name, v), false)
		}
	}
	// Query parameters.
	for _, n := range query {
		for _, v := range hostileQuery {
			q := baseQuery()
			q.Set(n, v)
			add(withQuery(fill(nil), q), enc(base), fmt.Sprintf("query %s=%.40s", n, v), false)
		}
		if o, ok := w.other[n[strings.LastIndex(n, ".")+1:]]; ok {
			q := baseQuery()
			q.Set(n, o)
			add(withQuery(fill(nil), q), enc(base), fmt.Sprintf("query %s=%s (another school's)", n, o), false)
		}
		if strings.HasSuffix(n, ".day") {
			prefix := strings.TrimSuffix(n, "day")
			for _, ymd := range [][3]string{{"2026", "2", "30"}, {"0", "1", "1"}, {"0", "0", "0"}, {"2026", "13", "1"}, {"99999", "1", "1"}} {
				q := baseQuery()
				q.Set(prefix+"year", ymd[0])
				q.Set(prefix+"month", ymd[1])
				q.Set(prefix+"day", ymd[2])
				add(withQuery(fill(nil), q), enc(base), fmt.Sprintf("query %s=%v", prefix, ymd), false)
			}
		}
	}
	// The import routes' bodies are the spreadsheet itself, under the upload
	// limit: their sizes, media types and bad files are TestImportOverHTTP's
	// and TestFeeScheduleImportOverHTTP's, so the JSON body probes below do
	// not apply to them.
	if method == http.MethodPost && (strings.HasPrefix(okPath, "/v1/imports") || strings.HasPrefix(okPath, "/v1/billing/imports")) {
		return out
	}
	// A body past the gateway's limit (1 MiB by default), on every route:
	// 413 before the route's handler reads it.
	out = append(out, probe{method: method, path: okPath, body: `{"x": "` + strings.Repeat("a", 1<<20) + `"}`,
		what: "body over the size limit", malformed: true, wantCode: http.StatusRequestEntityTooLarge})
	if bodySchema == nil {
		return out
	}
	// A valid body declared as something other than JSON: 415.
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "-"} {
		out = append(out, probe{method: method, path: okPath, body: enc(base), what: "content type " + ct, malformed: true,
			contentType: ct, wantCode: http.StatusUnsupportedMediaType})
	}
	// Bodies: empty, malformed, wrong top-level types, then every leaf.
	add(okPath, `{}`, "body {}", false)
	for _, b := range []string{`{"x": `, `not json`, `[]`, `"str"`, `{"a":1}{"b":2}`, `nu`} {
		add(okPath, b, "body "+b, true)
	}
	for _, l := range d.leaves(bodySchema, nil, 0) {
		if len(l.path) == 0 {
			continue
		}
		values := hostileValues
		if l.date {
			values = append(append([]string(nil), hostileDates...), hostileValues...)
		}
		last := l.path[len(l.path)-1]
		if k, ok := last.(string); ok {
			if _, isID := w.id(k); isID {
				if o, ok := w.other[k]; ok {
					values = append(append([]string(nil), values...), `"`+o+`"`)
				}
			}
		}
		for _, v := range values {
			body := set(deepCopy(base), l.path, json.RawMessage(v))
			add(okPath, enc(body), fmt.Sprintf("body %v=%.40s", l.path, v), false)
		}
	}
	return out
}

// fieldNames is every property name the document knows, to recognise a
// message that names a field.
func (d swaggerDoc) fieldNames() []string {
	seen := map[string]bool{}
	for _, s := range d.Definitions {
		for k := range s.Properties {
			seen[k] = true
		}
	}
	for _, ops := range d.Paths {
		for _, op := range ops {
			for _, p := range op.Parameters {
				seen[p.Name[strings.LastIndex(p.Name, ".")+1:]] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		if len(k) > 2 {
			out = append(out, k)
		}
	}
	return out
}

// checkError says what is wrong with an error response, or "".
func checkError(r probeResult, fields []string) string {
	if r.err != nil {
		return "transport: " + r.err.Error()
	}
	if r.code >= 500 {
		return fmt.Sprintf("status %d", r.code)
	}
	if r.wantCode != 0 && r.code != r.wantCode {
		return fmt.Sprintf("status %d, want %d", r.code, r.wantCode)
	}
	if r.code < 400 {
		return ""
	}
	// Streaming routes included: one shape, no {"error": ...} wrapper.
	var body struct {
		Code    *int              `json:"code"`
		Message *string           `json:"message"`
		Details []json.RawMessage `json:"details"`
	}
	if err := json.Unmarshal([]byte(r.raw), &body); err != nil {
		return "body is not JSON"
	}
	if body.Code == nil || body.Message == nil || body.Details == nil {
		return `body lacks "code", "message" or "details"`
	}
	if r.code != http.StatusBadRequest || r.malformed || *body.Code != 3 {
		return ""
	}
	// InvalidArgument must name a field: a field violation or the message.
	for _, det := range body.Details {
		var bad struct {
			FieldViolations []struct {
				Field string `json:"field"`
			} `json:"field_violations"`
		}
		_ = json.Unmarshal(det, &bad)
		for _, fv := range bad.FieldViolations {
			if fv.Field != "" {
				return ""
			}
		}
	}
	if namesField.MatchString(*body.Message) {
		return ""
	}
	for _, f := range fields {
		if strings.Contains(*body.Message, f) {
			return ""
		}
	}
	return "400 names no field"
}
