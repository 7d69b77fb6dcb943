package store

import (
	"github.com/kehou/kehou/services/platform/importjob"
)

// ImportJobs implements the app's ImportStore: billing's import jobs, in
// billing's own import_jobs table, kept by the machinery every service
// shares (one running import per scope and kind, shutdown, audit event).
func (s *Store) ImportJobs() *importjob.Store { return importjob.NewStore(s.db, "billing") }
