// Package migrations embeds each service's forward-only SQL migrations.
// Every service owns one PostgreSQL schema named after it; the files of
// directory <service>/ run with search_path set to that schema.
package migrations

import (
	"embed"
	"fmt"

	"github.com/kehou/kehou/services/platform/pgdb"
)

// FS holds timetable/, staffing/, billing/ and identity/, each with NNNN_name.sql files.
//
//go:embed timetable/*.sql staffing/*.sql billing/*.sql identity/*.sql
var FS embed.FS

// Schemas lists the service schemas in the order they are migrated.
var Schemas = []string{"timetable", "staffing", "billing", "identity"}

// Roles is the login role each schema's service connects as; what a role
// may do is granted in one place, pgdb.Setup. A new service adds its line.
var Roles = map[string]string{
	"timetable": "kehou_timetable",
	"staffing":  "kehou_staffing",
	"billing":   "kehou_billing",
	"identity":  "kehou_identity",
}

// For returns the schemas with their services' roles, in migration order.
func For(schemas []string) ([]pgdb.Schema, error) {
	out := make([]pgdb.Schema, 0, len(schemas))
	for _, s := range schemas {
		role, ok := Roles[s]
		if !ok {
			return nil, fmt.Errorf("schema %s has no login role in migrations.Roles", s)
		}
		out = append(out, pgdb.Schema{Name: s, Role: role})
	}
	return out, nil
}
