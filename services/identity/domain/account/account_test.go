package account

import (
	"testing"

	"github.com/kehou/kehou/services/platform/auth"
)

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	tests := []struct{ give, want string }{
		{"13812341234", "138****1234"},
		{"", ""},
		{"12345", "****"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.give); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestCanCreate(t *testing.T) {
	t.Parallel()
	bureau := auth.Principal{AccountID: "b", Role: auth.RoleBureauAdmin, DistrictID: "d1"}
	school := auth.Principal{AccountID: "s", Role: auth.RoleSchoolAdmin, DistrictID: "d1", SchoolID: "sch_a"}
	op := auth.Principal{AccountID: "o", Role: auth.RoleOperator}
	parent := func(schools ...string) Account {
		a := Account{DistrictID: "d1", Role: auth.RoleParent}
		for _, s := range schools {
			a.Students = append(a.Students, auth.StudentRef{SchoolID: s, StudentID: "x"})
		}
		return a
	}
	tests := []struct {
		name   string
		caller auth.Principal
		give   Account
		wantOK bool
	}{
		{"operator → bureau", op, Account{DistrictID: "d9", Role: auth.RoleBureauAdmin}, true},
		{"operator → school admin", op, Account{DistrictID: "d1", Role: auth.RoleSchoolAdmin}, false},
		{"bureau → finance", bureau, Account{DistrictID: "d1", Role: auth.RoleFinanceOfficer}, true},
		{"bureau → other district", bureau, Account{DistrictID: "d2", Role: auth.RoleSchoolAdmin}, false},
		{"bureau → parent", bureau, parent("sch_a"), false},
		{"school → parent of its school", school, parent("sch_a"), true},
		{"school → parent of two schools", school, parent("sch_a", "sch_b"), false},
		{"school → teacher elsewhere", school, Account{DistrictID: "d1", Role: auth.RoleTeacher, SchoolID: "sch_b"}, false},
		{"school → bureau", school, Account{DistrictID: "d1", Role: auth.RoleBureauAdmin}, false},
		{"parent → parent", auth.Principal{Role: auth.RoleParent, DistrictID: "d1"}, parent("sch_a"), false},
	}
	for _, tt := range tests {
		if err := CanCreate(tt.caller, tt.give); (err == nil) != tt.wantOK {
			t.Errorf("%s: %v, want ok=%v", tt.name, err, tt.wantOK)
		}
	}
}
