// Package imports holds the shape of billing's import jobs and their
// reports, shared by the use cases and the store.
package imports

import "time"

// Report is what an import found in a file and did with it: the
// counts, a line per bad row and what each changed row changes. Lists are
// capped at MaxReportLines; the counts are exact.
type Report struct {
	Rows      int          `json:"rows"`
	New       int          `json:"new"`
	Changed   int          `json:"changed"`
	Unchanged int          `json:"unchanged"`
	Rejected  int          `json:"rejected"`
	Applied   bool         `json:"applied"`
	Errors    []RowError   `json:"errors,omitempty"`
	Changes   []RowChange  `json:"changes,omitempty"`
	Failure   string       `json:"failure,omitempty"`
	FailureZh string       `json:"failure_zh,omitempty"`
	Encoding  string       `json:"encoding,omitempty"`
	rejected  map[int]bool // rows with at least one error
}

// MaxReportLines caps the errors and changes a report lists.
const MaxReportLines = 1000

// RowError is one thing wrong with one row.
type RowError struct {
	Row      int    `json:"row"`
	Column   string `json:"column"`
	Value    string `json:"value"`
	Reason   string `json:"reason"`
	ReasonZh string `json:"reason_zh"`
}

// RowChange is a row that changes an existing record, field by field.
type RowChange struct {
	Row    int           `json:"row"`
	Key    string        `json:"key"`
	Fields []FieldChange `json:"fields"`
}

// FieldChange is one changed field, by its column header.
type FieldChange struct {
	Column string `json:"column"`
	Old    string `json:"old"`
	New    string `json:"new"`
}

// Reject records an error of a row; a row counts as rejected once however
// many errors it has.
func (r *Report) Reject(e RowError) {
	if r.rejected == nil {
		r.rejected = map[int]bool{}
	}
	if !r.rejected[e.Row] {
		r.rejected[e.Row] = true
		r.Rejected++
	}
	if len(r.Errors) < MaxReportLines {
		r.Errors = append(r.Errors, e)
	}
}

// RowRejected reports whether row already has an error.
func (r *Report) RowRejected(row int) bool { return r.rejected[row] }

// Change records a changed row.
func (r *Report) Change(c RowChange) {
	r.Changed++
	if len(r.Changes) < MaxReportLines {
		r.Changes = append(r.Changes, c)
	}
}

// Import job states.
const (
	Running   = "running"
	Succeeded = "succeeded"
	Rejected  = "rejected"
	Failed    = "failed"
)

// Job is one uploaded file's import.
type Job struct {
	ID         string
	DistrictID string
	SchoolID   string
	Kind       string
	DryRun     bool
	FileName   string
	State      string
	Percent    int
	Report     *Report
	CreatedBy  string
	CreateTime time.Time
	FinishTime time.Time
}
