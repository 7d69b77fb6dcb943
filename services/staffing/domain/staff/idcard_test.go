package staff

import "testing"

// withCheck appends the GB 11643 check character to 17 digits, computed
// here independently of CheckIDCard's tables.
func withCheck(first17 string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * w[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

func TestCheckIDCard(t *testing.T) {
	for in, want := range map[string]string{
		"11010519491231002X":                    "", // the standard's own example
		withCheck("33010219900307123"):          "",
		"110105194912310021":                    "check character does not match (GB 11643 MOD 11-2)",
		"11010519491231002":                     "must be 18 characters (GB 11643)",
		"1101051949123100X2":                    "the first 17 characters must be digits",
		"11010519491231002Y":                    "the last character must be a digit or X",
		withCheck("11010519491331002"):          "characters 7–14 must be a birth date YYYYMMDD",
		NormalizeIDCard(" 11010519491231002x "): "",
	} {
		if got := CheckIDCard(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	if got := MaskIDCard("11010519491231002X"); got != "1101**********002X" {
		t.Errorf("mask %q", got)
	}
}
