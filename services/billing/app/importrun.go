package app

import (
	"context"
	"errors"
	"log/slog"
	"os"

	imports "github.com/kehou/kehou/services/platform/importjob"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
)

// maxImportRows bounds a fee schedule or rate table file: a district has a
// few dozen versions of a few dozen rules each.
const maxImportRows = 5000

// ImportStore is what billing's imports need beyond the fee and rate stores:
// each kind's versions merged in one transaction.
type ImportStore interface {
	// MergeSchedules stores each schedule as CreateSchedule does (the same
	// scope and ceiling locks, fee.CheckCeilings for categories[i],
	// fee.CheckOverlap against every version of the scope, the previous
	// ones of the file included, the next version number) in one
	// transaction; errs[i] is schedule i's refusal. It commits when commit,
	// called with them, says so, and rolls back otherwise.
	MergeSchedules(ctx context.Context, ss []fee.Schedule, categories []string, commit func(errs []error) bool) ([]fee.Schedule, error)
	// MergeRateTables does the same for rate tables (pay.CheckOverlap).
	MergeRateTables(ctx context.Context, ts []pay.RateTable, commit func(errs []error) bool) ([]pay.RateTable, error)

	// ImportJobs is billing's table of import jobs (importjob.Store on the billing schema).
	ImportJobs() *imports.Store
}

// Imports is billing's bulk import (导入) and export of fee schedules and
// rate tables: files in the template's layout, checked with the
// single-record API's rules, written in one transaction or not at all.
type Imports struct {
	store ImportStore
	fees  *Fees
	rates *Remuneration
	jobs  *imports.Runner
}

// ImportPrefix begins billing's import job ids (the gateway routes a
// district's job to the service whose prefix it has).
const ImportPrefix = "bimp"

// NewImports returns the import use cases over the fee and remuneration ones.
func NewImports(store ImportStore, fees *Fees, rates *Remuneration) *Imports {
	return &Imports{store: store, fees: fees, rates: rates, jobs: imports.NewRunner(store.ImportJobs(), ImportPrefix)}
}

// Jobs is the runner of import jobs: Recover at start, Shutdown at stop.
func (im *Imports) Jobs() *imports.Runner { return im.jobs }

// ImportOptions are what the uploader chose.
type ImportOptions struct {
	Kind       string
	DryRun     bool
	FileName   string
	Encoding   string // a CSV's declared encoding; "" detects
	DistrictID string
	// SchoolID, when set, limits the upload to that school's own versions
	// (a school's finance officer); empty lets rows name any school of the
	// district, or none for district-wide versions.
	SchoolID string
	By       string // account id, for the job and the audit trail
}

// fileError turns a file the reader refuses into the one validation error
// (InvalidArgument naming "file"), with both languages.
func fileError(err error) error {
	var se *sheet.Error
	if errors.As(err, &se) {
		return fault.Invalid("file", se.Reason+" ("+se.ReasonZh+")")
	}
	return err
}

// StartImport opens the uploaded file at path (which the job then owns and
// removes), refuses it at once when it is not a spreadsheet of the kind,
// and runs the import in the background: the job's percent moves while
// rows are read and checked, and its report is there when it ends.
func (im *Imports) StartImport(ctx context.Context, path string, o ImportOptions, log *slog.Logger) (imports.Job, error) {
	remove := true
	defer func() {
		if remove {
			_ = os.Remove(path)
		}
	}()
	cols, err := ImportColumns(o.Kind)
	if err != nil {
		return imports.Job{}, err
	}
	if err := im.fees.CheckDistrict(ctx, o.DistrictID); err != nil {
		return imports.Job{}, err
	}
	rd, err := sheet.Open(path, cols, sheet.ReadOptions{Encoding: o.Encoding})
	if err != nil {
		return imports.Job{}, fileError(err)
	}
	job := imports.Job{Scope: imports.Scope{DistrictID: o.DistrictID, SchoolID: o.SchoolID}, Kind: o.Kind, DryRun: o.DryRun,
		FileName: o.FileName, CreatedBy: o.By}
	job, err = im.jobs.Start(ctx, log, job, func(bg context.Context, progress func(float64)) (imports.Report, error) {
		defer os.Remove(path)
		defer rd.Close()
		return im.importRows(bg, rd, o, progress)
	})
	if err != nil {
		_ = rd.Close()
		return imports.Job{}, err
	}
	remove = false
	return job, nil
}

// GetImport reads a job of the district (and school, when the upload was limited to one).
func (im *Imports) GetImport(ctx context.Context, districtID, schoolID, id string) (imports.Job, error) {
	return im.store.ImportJobs().Get(ctx, imports.Scope{DistrictID: districtID, SchoolID: schoolID}, id)
}

// Import runs an import of the file at path to the end in the caller's
// goroutine (StartImport runs it in the background).
func (im *Imports) Import(ctx context.Context, path string, o ImportOptions, progress func(float64)) (imports.Report, error) {
	cols, err := ImportColumns(o.Kind)
	if err != nil {
		return imports.Report{}, err
	}
	if err := im.fees.CheckDistrict(ctx, o.DistrictID); err != nil {
		return imports.Report{}, err
	}
	rd, err := sheet.Open(path, cols, sheet.ReadOptions{Encoding: o.Encoding})
	if err != nil {
		return imports.Report{}, fileError(err)
	}
	defer rd.Close()
	if progress == nil {
		progress = func(float64) {}
	}
	return im.importRows(ctx, rd, o, progress)
}

func (im *Imports) importRows(ctx context.Context, rd *sheet.Reader, o ImportOptions, progress func(float64)) (imports.Report, error) {
	rep := imports.Report{Encoding: rd.Encoding}
	if rd.Format == "xlsx" {
		rep.Encoding = "xlsx"
	}
	var err error
	switch o.Kind {
	case KindFeeSchedules:
		err = im.importFees(ctx, rd, o, &rep, progress)
	case KindRateTables:
		err = im.importRates(ctx, rd, o, &rep, progress)
	}
	if err == nil {
		progress(1)
	}
	return rep, err
}
