package migrations_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/migrations"
	"github.com/kehou/kehou/services/platform/pgtest"
)

// tenantViolations checks the distribution rule of docs/scaling.md on the
// migrated schemas: every table leads its primary key with district_id
// (then school_id where it has one) and every foreign key carries
// district_id to the referenced district_id. Bookkeeping (schema_migrations)
// and tables commented 'kehou:reference' (replicated reference tables) are
// exempt.
func tenantViolations(ctx context.Context, db *pgxpool.Pool, schemas []string) ([]string, error) {
	rows, err := db.Query(ctx, `
		SELECT n.nspname, c.relname, coalesce(obj_description(c.oid, 'pg_class'), ''),
			coalesce((SELECT array_agg(a.attname ORDER BY k.ord)
				FROM pg_constraint p, unnest(p.conkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
				WHERE p.conrelid = c.oid AND p.contype = 'p'), '{}'),
			EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'school_id' AND NOT a.attisdropped)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
		ORDER BY 1, 2`, schemas)
	if err != nil {
		return nil, err
	}
	type table struct {
		schema, name, comment string
		pk                    []string
		hasSchool             bool
	}
	var tables []table
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.schema, &t.name, &t.comment, &t.pk, &t.hasSchool); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []string
	for _, t := range tables {
		if t.name == "schema_migrations" || strings.HasPrefix(t.comment, "kehou:reference") {
			continue
		}
		full := t.schema + "." + t.name
		if len(t.pk) == 0 || t.pk[0] != "district_id" {
			out = append(out, fmt.Sprintf("%s: primary key %v does not start with district_id", full, t.pk))
		}
		if t.hasSchool && (len(t.pk) < 2 || t.pk[1] != "school_id") {
			out = append(out, fmt.Sprintf("%s: has school_id but primary key %v does not lead with (district_id, school_id)", full, t.pk))
		}
	}
	fks, err := db.Query(ctx, `
		SELECT n.nspname || '.' || c.relname, p.conname,
			(SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(p.conkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.attnum),
			(SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(p.confkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = p.confrelid AND a.attnum = k.attnum)
		FROM pg_constraint p JOIN pg_class c ON c.oid = p.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE p.contype = 'f' AND n.nspname = ANY($1) ORDER BY 1, 2`, schemas)
	if err != nil {
		return nil, err
	}
	defer fks.Close()
	for fks.Next() {
		var tbl, name string
		var cols, refs []string
		if err := fks.Scan(&tbl, &name, &cols, &refs); err != nil {
			return nil, err
		}
		i := slices.Index(cols, "district_id")
		if i < 0 || refs[i] != "district_id" {
			out = append(out, fmt.Sprintf("%s: foreign key %s (%v → %v) does not carry district_id", tbl, name, cols, refs))
		}
	}
	return out, fks.Err()
}

func TestEveryTableCarriesItsTenantKey(t *testing.T) {
	t.Parallel()
	db := pgtest.Pool(t)
	got, err := tenantViolations(context.Background(), db, migrations.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range got {
		t.Error(v)
	}
}

func TestTenantCheckCatchesViolations(t *testing.T) {
	t.Parallel()
	db := pgtest.Pool(t)
	ctx := context.Background()
	_, err := db.Exec(ctx, `CREATE SCHEMA bad;
		CREATE TABLE bad.parent (district_id text, id text, PRIMARY KEY (district_id, id), UNIQUE (id));
		CREATE TABLE bad.no_tenant (id text PRIMARY KEY);
		CREATE TABLE bad.school_late (district_id text, id text, school_id text, PRIMARY KEY (district_id, id));
		CREATE TABLE bad.child (district_id text, id text, parent_id text REFERENCES bad.parent (id), PRIMARY KEY (district_id, id));
		CREATE TABLE bad.fine (district_id text, id text, PRIMARY KEY (district_id, id),
			FOREIGN KEY (district_id, id) REFERENCES bad.parent (district_id, id));`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tenantViolations(ctx, db, []string{"bad"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bad.no_tenant: primary key", "bad.school_late: has school_id", "bad.child: foreign key"}
	if len(got) != len(want) {
		t.Fatalf("got %d violations %q, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("violation %d = %q, want prefix %q", i, got[i], w)
		}
	}
}
