package timetable_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// ttSchool is a school set up over HTTP for the timetable tests.
type ttSchool struct {
	env    *httpEnv
	id     string
	termID string
}

// num reads a JSON number (int32 fields arrive as numbers).
func num(v any, path ...any) int {
	f, _ := jGet(v, path...).(float64)
	return int(f)
}

func window(weekday, h1, m1, h2, m2 int) map[string]any {
	return map[string]any{"weekday": weekday, "start": jTime(h1, m1), "end": jTime(h2, m2)}
}

// weekWindows is the same window Monday to Friday.
func weekWindows(h1, m1, h2, m2 int) []any {
	var out []any
	for w := 1; w <= 5; w++ {
		out = append(out, window(w, h1, m1, h2, m2))
	}
	return out
}

func (s ttSchool) path(format string, args ...any) string {
	return fmt.Sprintf("/v1/schools/%s"+format, append([]any{s.id}, args...)...)
}

func (s ttSchool) termPath(format string, args ...any) string {
	return fmt.Sprintf("/v1/schools/%s/terms/%s"+format, append([]any{s.id, s.termID}, args...)...)
}

func (s ttSchool) room(t *testing.T, name, kind string, capacity int) string {
	t.Helper()
	b := s.env.MustDo(t, "POST", s.path("/rooms"), map[string]any{"name": name, "kind": kind, "capacity": capacity})
	return jStr(b, "room", "room_id")
}

func (s ttSchool) class(t *testing.T, grade int, name string, size int, homeRoom string) string {
	t.Helper()
	b := s.env.MustDo(t, "POST", s.path("/classes"), map[string]any{"grade": grade, "name": name, "size": size, "home_room_id": homeRoom})
	return jStr(b, "class", "class_id")
}

func (s ttSchool) student(t *testing.T, classID, name string) string {
	t.Helper()
	b := s.env.MustDo(t, "POST", s.path("/students"), map[string]any{"class_id": classID, "name": name,
		"guardians": []any{map[string]any{"name": name + "妈妈", "phone": "13800000000", "relation": "母亲"}}})
	return jStr(b, "student", "student_id")
}

func (s ttSchool) item(t *testing.T, kind, name string, segment int, windows []any) string {
	t.Helper()
	b := s.env.MustDo(t, "POST", s.termPath("/items"), map[string]any{"kind": kind, "name": name, "segment": segment, "windows": windows})
	return jStr(b, "item", "item_id")
}

func (s ttSchool) club(t *testing.T, name, activity, roomKind string, capacity, meetings int, grades ...int) string {
	t.Helper()
	b := s.env.MustDo(t, "POST", s.termPath("/clubs"), map[string]any{"name": name, "activity_kind": activity,
		"provider_kind": "PROVIDER_KIND_SCHOOL", "capacity": capacity, "grades": grades, "room_kind": roomKind,
		"meetings_per_week": meetings})
	return jStr(b, "club", "club_id")
}

// ttTerm is the autumn term used throughout: 2026-09-21 (Mon) to
// 2026-10-16 (Fri), 20 weekdays; National Day holidays on five weekdays
// (Oct 1, 2, 5, 6, 7) and the Saturday Oct 3; two working Saturdays (调休):
// Sep 26 following Monday, Oct 10 following Friday; Friday Oct 9 swapped off.
// School days: 20 − 5 − 1 + 2 = 16.
func ttTerm() map[string]any {
	return map[string]any{
		"name":       "2026-2027学年第一学期",
		"start_date": jDate(2026, 9, 21),
		"end_date":   jDate(2026, 10, 16),
		"holidays": []any{
			map[string]any{"date": jDate(2026, 10, 1), "name": "国庆节"},
			map[string]any{"date": jDate(2026, 10, 2), "name": "国庆节"},
			map[string]any{"date": jDate(2026, 10, 3), "name": "国庆节"},
			map[string]any{"date": jDate(2026, 10, 5), "name": "国庆节"},
			map[string]any{"date": jDate(2026, 10, 6), "name": "国庆节"},
			map[string]any{"date": jDate(2026, 10, 7), "name": "国庆节"},
		},
		"swaps": []any{
			map[string]any{"date": jDate(2026, 9, 26), "working": true, "name": "国庆调休"},
			map[string]any{"date": jDate(2026, 10, 10), "working": true, "follows_weekday": 5, "name": "国庆调休"},
			map[string]any{"date": jDate(2026, 10, 9), "working": false, "name": "调休放假"},
		},
	}
}

const ttSchoolDays = 16

// newTTSchool creates a school of the given stage with the autumn term.
func newTTSchool(t *testing.T, env *httpEnv, districtID, name, stage string) ttSchool {
	t.Helper()
	s := ttSchool{env: env, id: env.School(t, districtID, name, stage)}
	b := env.MustDo(t, "POST", s.path("/terms"), ttTerm())
	s.termID = jStr(b, "term", "term_id")
	if got := num(b, "school_days"); got != ttSchoolDays {
		t.Fatalf("school_days = %d, want %d", got, ttSchoolDays)
	}
	return s
}

func dateKey(v any) string {
	return fmt.Sprintf("%04d-%02d-%02d", num(v, "year"), num(v, "month"), num(v, "day"))
}

func occurrences(t *testing.T, s ttSchool) (all []map[string]any, scheduled, cancelled int) {
	t.Helper()
	b := s.env.MustDo(t, "GET", s.termPath("/occurrences"), nil)
	for _, o := range b["occurrences"].([]any) {
		all = append(all, o.(map[string]any))
	}
	return all, num(b, "scheduled"), num(b, "cancelled")
}

// TestTimetableBadInput is issue 3's fifth acceptance test: each bad input
// gets a 400 that names its field.
func TestTimetableBadInput(t *testing.T) {
	t.Parallel()
	env := startHTTP(t)
	d := env.District(t, "350423")
	s := newTTSchool(t, env, d, "校验小学", "SCHOOL_STAGE_PRIMARY")
	other := newTTSchool(t, env, d, "隔壁小学", "SCHOOL_STAGE_PRIMARY")
	r := s.room(t, "教室", "ROOM_KIND_CLASSROOM", 50)
	c := s.class(t, 3, "三年级1班", 40, r)
	st := s.student(t, c, "王小明")
	basic := s.item(t, "ITEM_KIND_BASIC_CARE", "课后基础托管", 1, weekWindows(15, 30, 17, 30))
	or := other.room(t, "教室", "ROOM_KIND_CLASSROOM", 50)
	stranger := other.student(t, other.class(t, 3, "三年级1班", 40, or), "外校学生")
	enr := env.MustDo(t, "POST", s.path("/enrolments"), map[string]any{"student_id": st, "item_id": basic, "start_date": jDate(2026, 9, 28)})
	enrID := jStr(enr, "enrolment", "enrolment_id")
	env.MustDo(t, "POST", s.path("/enrolments/%s:approve", enrID), map[string]any{})

	term := ttTerm()
	term["name"] = "倒序学期"
	term["start_date"], term["end_date"] = jDate(2027, 1, 20), jDate(2026, 9, 1)
	term["holidays"], term["swaps"] = nil, nil

	tests := []struct {
		name      string
		method    string
		path      string
		give      any
		wantField string
	}{
		{"term ends before it starts", "POST", s.path("/terms"), term, "term.end_date"},
		{"closure ends before it starts", "POST", "/v1/districts/" + d + "/closures", map[string]any{"start_date": jDate(2026, 10, 2),
			"end_date": jDate(2026, 10, 1), "reason": "CLOSURE_REASON_WEATHER"}, "closure.end_date"},
		{"window ends before it starts", "POST", s.termPath("/items"), map[string]any{"kind": "ITEM_KIND_LUNCH_CARE", "name": "午托", "segment": 2,
			"windows": []any{window(1, 13, 0, 12, 0)}}, "item.windows[0].end"},
		{"leave ends before it starts", "POST", s.path("/students/%s/leaves", st), map[string]any{"start_date": jDate(2026, 10, 2),
			"end_date": jDate(2026, 10, 1)}, "leave.end_date"},
		{"session cancelled outside the term", "POST", s.termPath("/cancellations"), map[string]any{"date": jDate(2026, 11, 2), "reason": "x"}, "date"},
		{"delivery outside the term", "POST", s.termPath("/deliveries"), map[string]any{"date": jDate(2026, 9, 1), "class_id": c, "segment": 1, "minutes": 30}, "date"},
		{"occurrences from outside the term", "GET", s.termPath("/occurrences?from.year=2026&from.month=8&from.day=1"), nil, "from"},
		{"cancellation of a session that does not exist", "POST", s.termPath("/cancellations"), map[string]any{"date": jDate(2026, 9, 21), "segment": 5, "reason": "x"}, "segment"},
		{"cancellation on a holiday", "POST", s.termPath("/cancellations"), map[string]any{"date": jDate(2026, 10, 1), "reason": "x"}, "date"},
		{"club in a room kind the school lacks", "POST", s.termPath("/clubs"), map[string]any{"name": "机器人", "activity_kind": "ACTIVITY_KIND_SCIENCE",
			"provider_kind": "PROVIDER_KIND_SCHOOL", "capacity": 20, "grades": []int{3}, "room_kind": "ROOM_KIND_LAB", "meetings_per_week": 1}, "club.room_kind"},
		{"evening study in a primary school", "POST", s.termPath("/items"), map[string]any{"kind": "ITEM_KIND_EVENING_STUDY", "name": "晚自习", "segment": 3,
			"windows": []any{window(1, 19, 0, 20, 30)}}, "item.kind"},
		{"enrolment for a student of another school", "POST", s.path("/enrolments"), map[string]any{"student_id": stranger, "item_id": basic,
			"start_date": jDate(2026, 9, 21)}, "enrolment.student_id"},
		{"enrolment starting outside the term", "POST", s.path("/enrolments"), map[string]any{"student_id": st, "item_id": basic,
			"start_date": jDate(2026, 12, 1)}, "enrolment.start_date"},
		{"withdrawal before the start", "POST", s.path("/enrolments/%s:withdraw", enrID), map[string]any{"end_date": jDate(2026, 9, 25)}, "end_date"},
		{"class of a grade the school does not teach", "POST", s.path("/classes"), map[string]any{"grade": 8, "name": "初二1班", "size": 40}, "class.grade"},
		{"student in a class of another school", "POST", s.path("/students"), map[string]any{"class_id": "cls_nope", "name": "x",
			"guardians": []any{map[string]any{"name": "y", "phone": "13800000000"}}}, "student.class_id"},
		{"locked placement of an unknown club", "POST", s.termPath("/plan:generate"), map[string]any{"locked": []any{map[string]any{"club_id": "club_x",
			"weekday": 1, "segment": 1, "room_id": r}}}, "locked[0].club_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := env.Do(t, tt.method, tt.path, tt.give)
			if got.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400: %s", got.Code, got.Raw)
			}
			if !strings.Contains(got.Raw, `"field":"`+tt.wantField+`"`) {
				t.Errorf("field %s not named in %s", tt.wantField, got.Raw)
			}
		})
	}
	// Nothing was half-written: the enrolment is still approved, with no end.
	list := env.MustDo(t, "GET", s.termPath("/enrolments"), nil)
	if es := list["enrolments"].([]any); len(es) != 1 || jStr(es[0], "status") != "ENROLMENT_STATUS_APPROVED" || jGet(es[0], "end_date") != nil {
		t.Errorf("enrolments after bad input = %v", list)
	}
}
