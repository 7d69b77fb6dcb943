// Package importjob is what every service's spreadsheet import shares: the
// report and job (package report, re-exported here), the jobs table (one
// per service, in the service's own schema), the background run with its
// progress, and the upload's spooling and protobuf shape. What a kind's
// rows mean stays in the service that owns them.
package importjob

import (
	"errors"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/importjob/report"
	"github.com/kehou/kehou/services/platform/sheet"
)

// The shapes of package report, under the names the services use.
type (
	Report      = report.Report
	RowError    = report.RowError
	RowChange   = report.RowChange
	FieldChange = report.FieldChange
	Job         = report.Job
	Scope       = report.Scope
)

// Job states (see package report).
const (
	Running   = report.Running
	Succeeded = report.Succeeded
	Rejected  = report.Rejected
	Failed    = report.Failed
)

// MaxReportLines caps the errors and changes a report lists.
const MaxReportLines = report.MaxReportLines

// NewID returns prefix_ and 12 random hex digits.
func NewID(prefix string) string { return report.NewID(prefix) }

// Diff lists the cells that differ between a record's old and new cells,
// under the layout's Chinese headers.
func Diff(cols []sheet.Field, old, new []string) []FieldChange {
	var out []FieldChange
	for i := range old {
		if i < len(new) && old[i] != new[i] {
			out = append(out, FieldChange{Column: cols[i].Chinese, Old: old[i], New: new[i]})
		}
	}
	return out
}

// FileError turns a file the reader refuses into the one validation error
// (InvalidArgument naming "file"), with both languages.
func FileError(err error) error {
	var se *sheet.Error
	if errors.As(err, &se) {
		return fault.Invalid("file", se.Reason+" ("+se.ReasonZh+")")
	}
	return err
}
