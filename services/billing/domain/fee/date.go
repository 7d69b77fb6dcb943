package fee

import (
	"time"

	"github.com/kehou/kehou/services/platform/civil"
)

// Date is the house's civil date (platform/civil): fee rules speak of school
// days, effective dates and leave in whole days. The zero Date means "not
// set" (an open end, a missing date).
type Date = civil.Date

// NewDate returns civil.New(year, month, day), normalised like time.Date.
func NewDate(year int, month time.Month, day int) Date { return civil.New(year, month, day) }

// ParseDate parses an ISO 8601 calendar date ("2024-09-02") strictly.
func ParseDate(s string) (Date, error) { return civil.Parse(s) }
