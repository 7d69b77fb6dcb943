// Package report is the pure part of every service's spreadsheet import
// (platform/importjob): the report (counts, a line per bad row, the
// changes) and the job with its states, so domain packages can name them
// without depending on the database or the wire.
package report

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"time"
)

// Report is what an import found in a file and did with it: the counts, a
// line per bad row and what each changed row changes. Lists are capped at
// MaxReportLines; the counts are exact.
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

// MaxReportLines caps the errors and changes a report lists, so a report
// of a 50,000-row file stays small; the counts still cover every row.
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

// SortErrors puts the error lines in row order (checks that run after the
// rows, such as duplicates found by SQL, add theirs at the end).
func (r *Report) SortErrors() {
	slices.SortStableFunc(r.Errors, func(x, y RowError) int { return x.Row - y.Row })
}

// Job states. A job is running until it ends in one of the other three;
// only a running job's percent moves.
const (
	Running   = "running"
	Succeeded = "succeeded"
	Rejected  = "rejected"
	Failed    = "failed"
)

// Scope is the tenant a job imports into: a school, or a district for
// district-wide kinds (SchoolID "").
type Scope struct {
	DistrictID string
	SchoolID   string
}

// Job is one uploaded file's import.
type Job struct {
	Scope
	ID         string
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

// NewID returns prefix_ and 12 random hex digits. The prefix says which
// service's job it is (the gateway routes GetImport by it).
func NewID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return prefix + "_" + hex.EncodeToString(b)
}
