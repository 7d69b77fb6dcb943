package staff

import (
	"strings"
	"time"
)

// The resident identity card number (居民身份证号码) of GB 11643-1999: six
// digits of the issuing area, the birth date YYYYMMDD, a three-digit
// sequence and a check character computed over the first seventeen by ISO
// 7064 MOD 11-2, written 0-9 or X.
var (
	idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	idChecks  = "10X98765432"
)

// NormalizeIDCard upper-cases a trailing x and trims spaces, so a number is
// stored one way.
func NormalizeIDCard(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// CheckIDCard returns why s is not a valid 18-character ID card number, or
// "" when it is.
func CheckIDCard(s string) string {
	if len(s) != 18 {
		return "must be 18 characters (GB 11643)"
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return "the first 17 characters must be digits"
		}
		sum += int(c-'0') * idWeights[i]
	}
	if last := s[17]; last != idChecks[sum%11] {
		if (last < '0' || last > '9') && last != 'X' {
			return "the last character must be a digit or X"
		}
		return "check character does not match (GB 11643 MOD 11-2)"
	}
	if _, err := time.Parse("20060102", s[6:14]); err != nil {
		return "characters 7–14 must be a birth date YYYYMMDD"
	}
	return ""
}

// MaskIDCard shows an ID card number as its first four and last four
// characters around ten stars (3301**********1234), which is how it is
// shown everywhere but the pay sheet a finance office exports.
func MaskIDCard(s string) string {
	if s == "" {
		return ""
	}
	if len(s) != 18 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", 10) + s[14:]
}
