package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kehou/kehou/services/billing/domain/imports"
)

// CreateImportJob records a job that starts running.
func (s *Store) CreateImportJob(ctx context.Context, j imports.Job) error {
	_, err := s.db.Exec(ctx, `INSERT INTO billing.import_jobs (district_id, school_id, import_id, kind, dry_run,
		file_name, state, created_by, create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		j.DistrictID, j.SchoolID, j.ID, j.Kind, j.DryRun, j.FileName, j.State, j.CreatedBy, j.CreateTime)
	return interpretError(err, "import "+j.ID)
}

// SetImportProgress moves a running job's percent.
func (s *Store) SetImportProgress(ctx context.Context, districtID, schoolID, id string, percent int) error {
	_, err := s.db.Exec(ctx, `UPDATE billing.import_jobs SET percent = $4
		WHERE district_id = $1 AND school_id = $2 AND import_id = $3 AND state = 'running'`, districtID, schoolID, id, percent)
	return interpretError(err, "import "+id)
}

// FinishImportJob records a job's end and its report.
func (s *Store) FinishImportJob(ctx context.Context, districtID, schoolID, id, state string, rep imports.Report) error {
	b, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	_, err = s.db.Exec(ctx, `UPDATE billing.import_jobs SET state = $4, percent = 100, report = $5, finish_time = now()
		WHERE district_id = $1 AND school_id = $2 AND import_id = $3`, districtID, schoolID, id, state, b)
	return interpretError(err, "import "+id)
}

// GetImportJob reads a job.
func (s *Store) GetImportJob(ctx context.Context, districtID, schoolID, id string) (imports.Job, error) {
	j := imports.Job{DistrictID: districtID, SchoolID: schoolID}
	var rep []byte
	var finish *time.Time
	err := s.db.QueryRow(ctx, `SELECT import_id, kind, dry_run, file_name, state, percent, report, created_by, create_time, finish_time
		FROM billing.import_jobs WHERE district_id = $1 AND school_id = $2 AND import_id = $3`, districtID, schoolID, id).
		Scan(&j.ID, &j.Kind, &j.DryRun, &j.FileName, &j.State, &j.Percent, &rep, &j.CreatedBy, &j.CreateTime, &finish)
	if err != nil {
		return j, interpretError(err, "import "+id)
	}
	if finish != nil {
		j.FinishTime = *finish
	}
	if rep != nil {
		j.Report = &imports.Report{}
		if err := json.Unmarshal(rep, j.Report); err != nil {
			return j, fmt.Errorf("decode report: %w", err)
		}
	}
	return j, nil
}
