package system_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/system/systemtest"
)

// TestStaffIDCardNumberHTTP: a staff member's 身份证号 is checked (18
// characters, GB 11643's check character, a birth date), stored whole,
// answered masked, and kept when an update sends it back masked or leaves
// it out.
func TestStaffIDCardNumberHTTP(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	district := env.District(t, "350408")
	school := env.School(t, district, "三明市实验小学", "SCHOOL_STAGE_PRIMARY")
	path := "/v1/schools/" + school + "/staff"
	teacher := func(card string) map[string]any {
		return map[string]any{"name": "林老师", "kind": "STAFF_KIND_TEACHER", "subjects": []string{"语文"}, "id_card_number": card}
	}
	for _, bad := range []string{"350402198506123019", "35040219850612301", "3504021985061230AX", "350402198513123012"} {
		wantField(t, env.Do(t, "POST", path, teacher(bad)), "staff_member.id_card_number")
	}
	got := env.MustDo(t, "POST", path, teacher("35040219900307102x"))
	id := systemtest.Str(got, "staff_member", "staff_id")
	if c := systemtest.Str(got, "staff_member", "id_card_number"); c != "3504**********102X" {
		t.Fatalf("created with ID card number %q, want it masked", c)
	}
	db, err := pgx.Connect(context.Background(), env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	stored := func() string {
		t.Helper()
		var c string
		if err := db.QueryRow(context.Background(), `SELECT id_card_number FROM staffing.staff WHERE staff_id = $1`, id).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := stored(); c != "35040219900307102X" {
		t.Fatalf("stored %q, want the whole number with an upper-case X", c)
	}
	for _, card := range []string{"3504**********102X", ""} {
		up := env.MustDo(t, "PATCH", path+"/"+id, teacher(card))
		if c := systemtest.Str(up, "staff_member", "id_card_number"); c != "3504**********102X" || stored() != "35040219900307102X" {
			t.Fatalf("update with %q: answered %q, stored %q; want the number kept", card, c, stored())
		}
	}
	up := env.MustDo(t, "PATCH", path+"/"+id, teacher("350402198506123018"))
	if systemtest.Str(up, "staff_member", "id_card_number") != "3504**********3018" || stored() != "350402198506123018" {
		t.Fatalf("a new number: answered %v, stored %q", up, stored())
	}
	wantField(t, env.Do(t, "PATCH", path+"/"+id, teacher("3504**********9999")), "staff_member.id_card_number")
}
