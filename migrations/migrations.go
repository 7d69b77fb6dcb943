// Package migrations embeds each service's forward-only SQL migrations.
// Every service owns one PostgreSQL schema named after it; the files of
// directory <service>/ run with search_path set to that schema.
package migrations

import "embed"

// FS holds timetable/, staffing/, billing/ and identity/, each with NNNN_name.sql files.
//
//go:embed timetable/*.sql staffing/*.sql billing/*.sql identity/*.sql
var FS embed.FS

// Schemas lists the service schemas in the order they are migrated.
var Schemas = []string{"timetable", "staffing", "billing", "identity"}
