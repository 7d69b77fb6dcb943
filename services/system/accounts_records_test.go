package system_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system/systemtest"
)

// TestAccountsNameRealRecords: an account is created only for records that
// exist — its school in its district, its staff record in that school, its
// institution, its children — asked of timetable and staffing over gRPC;
// and a school administrator links parents from her roster's guardian
// phone numbers, creating the missing accounts, harmlessly when repeated.
func TestAccountsNameRealRecords(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	district := env.District(t, "350441")
	school := env.School(t, district, "账号小学", "SCHOOL_STAGE_PRIMARY")
	other := env.School(t, district, "别的小学", "SCHOOL_STAGE_PRIMARY")
	accounts := "/v1/districts/" + district + "/accounts"
	const otp = "one-Time-7788"
	create := func(c systemtest.Client, body map[string]any) systemtest.Response {
		body["one_time_password"] = otp
		return c.Do(t, "POST", accounts, body)
	}
	want400 := func(what string, r systemtest.Response, field string) {
		t.Helper()
		if r.Code != http.StatusBadRequest || !strings.Contains(r.Raw, field) {
			t.Errorf("%s: %d %s, want 400 naming %s", what, r.Code, r.Raw, field)
		}
	}

	want400("school admin of no school", create(env.Client, map[string]any{"role": "ROLE_SCHOOL_ADMIN", "user_name": "sa.none",
		"display_name": "无校", "school_id": "sch_nope"}), "school_id")
	if r := create(env.Client, map[string]any{"role": "ROLE_SCHOOL_ADMIN", "user_name": "sa.real", "display_name": "校管",
		"school_id": school}); r.Code != http.StatusOK {
		t.Fatalf("school admin of a real school: %d %s", r.Code, r.Raw)
	}
	want400("institution manager of no institution", create(env.Client, map[string]any{"role": "ROLE_INSTITUTION_MANAGER",
		"user_name": "im.none", "display_name": "机构", "institution_id": "inst_nope"}), "institution_id")

	admin := env.As(env.Minter.Token(auth.Principal{AccountID: "acc_sa_rec", Role: auth.RoleSchoolAdmin, DistrictID: district, SchoolID: school}))
	staff := systemtest.Str(admin.MustDo(t, "POST", "/v1/schools/"+school+"/staff", map[string]any{"name": "周老师", "kind": "STAFF_KIND_TEACHER"}),
		"staff_member", "staff_id")
	want400("teacher of no staff record", create(admin, map[string]any{"role": "ROLE_TEACHER", "user_name": "t.none",
		"display_name": "无人", "school_id": school, "staff_id": "stf_nope"}), "staff_id")
	if r := create(admin, map[string]any{"role": "ROLE_TEACHER", "user_name": "t.real", "display_name": "周老师",
		"school_id": school, "staff_id": staff}); r.Code != http.StatusOK {
		t.Fatalf("teacher of a real staff record: %d %s", r.Code, r.Raw)
	}

	// The roster: 小明 and 小红 share a mother, 小刚's father has a landline
	// (no sign-in by it), and 小丽's guardian is the school administrator's
	// own phone (not a parent account: left alone).
	class := systemtest.Str(admin.MustDo(t, "POST", "/v1/schools/"+school+"/classes", map[string]any{"grade": 1, "name": "一(1)班", "size": 30}), "class", "class_id")
	student := func(name string, guardians ...[2]string) string {
		var gs []any
		for _, g := range guardians {
			gs = append(gs, map[string]any{"name": g[0], "phone": g[1], "relation": "监护人"})
		}
		return systemtest.Str(admin.MustDo(t, "POST", "/v1/schools/"+school+"/students", map[string]any{"class_id": class, "name": name, "guardians": gs}),
			"student", "student_id")
	}
	ming := student("小明", [2]string{"王妈妈", "13700001111"}, [2]string{"王爸爸", "13700002222"})
	hong := student("小红", [2]string{"王妈妈", "13700001111"})
	student("小刚", [2]string{"李爸爸", "0598-8221234"})
	create(env.Client, map[string]any{"role": "ROLE_SCHOOL_ADMIN", "phone": "13700009999", "display_name": "校管二", "school_id": school})
	student("小丽", [2]string{"校管二", "13700009999"})

	want400("parent of no such child", create(admin, map[string]any{"role": "ROLE_PARENT", "phone": "13700003333", "display_name": "无子",
		"students": []any{map[string]any{"school_id": school, "student_id": "stu_nope"}}}), "students")

	link := "/v1/districts/" + district + "/schools/" + school + "/accounts:linkGuardians"
	got := admin.MustDo(t, "POST", link, map[string]any{"one_time_password": otp})
	if got["created"] != 2.0 || got["linked"] != 3.0 || got["skipped"] != 2.0 {
		t.Fatalf("link guardians = %v, want 2 created (王妈妈, 王爸爸), 3 linked, 2 skipped (a landline, an administrator)", got)
	}
	// 王妈妈 signs in with the one-time password, must change it, and then
	// sees both her children.
	first := env.As("").Do(t, "POST", "/v1/auth/sign-in", map[string]any{"login": "13700001111", "password": otp})
	if first.Code != http.StatusOK || first.Body["must_change_password"] != true {
		t.Fatalf("first sign-in: %d %s", first.Code, first.Raw)
	}
	ch := env.As("").MustDo(t, "POST", "/v1/auth/password", map[string]any{"login": "13700001111", "current_password": otp, "new_password": "mama-Secret-1"})
	kids := map[string]bool{}
	me := env.As(systemtest.Str(ch, "tokens", "access_token")).MustDo(t, "GET", "/v1/me", nil)
	for _, s := range systemtest.Get(me, "account", "students").([]any) {
		kids[systemtest.Str(s, "student_id")] = true
	}
	if len(kids) != 2 || !kids[ming] || !kids[hong] {
		t.Errorf("王妈妈's children = %v, want 小明 and 小红", kids)
	}
	// Again: nothing new.
	again := admin.MustDo(t, "POST", link, map[string]any{"one_time_password": otp})
	if again["created"] != 0.0 || again["linked"] != 0.0 || again["skipped"] != 2.0 {
		t.Errorf("second run = %v, want nothing created or linked", again)
	}
	// Only for her own school. (Refused as 404: identity resolves the other
	// school's district with her token, and timetable does not show it to her.)
	if r := admin.Do(t, "POST", "/v1/districts/"+district+"/schools/"+other+"/accounts:linkGuardians", map[string]any{"one_time_password": otp}); r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
		t.Errorf("another school's roster: %d, want refused: %s", r.Code, r.Raw)
	}
}
