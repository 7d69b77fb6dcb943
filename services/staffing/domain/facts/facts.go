// Package facts holds what staffing reads from the services that own it, in
// staffing's own vocabulary (timetable's dated sessions and district policy
// are demand.Occurrence and demand.Policy). The adapter
// (staffing/timetablefeed) fills them from the generated contract, so
// neither the use cases nor the store see proto or another service's Go
// packages.
package facts

// School is what staffing needs to know about a school.
type School struct {
	ID         string
	DistrictID string
	Name       string
	Stage      string // primary, junior_middle or nine_year
	// Category is the school's 学校类别 (urban, county, rural or empty).
	Category string
}
