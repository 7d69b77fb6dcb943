package system_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kehou/kehou/migrations"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
)

// TestServicesConnectWithLeastPrivilege: the running system's connections
// are the three service roles, and each role, connected on its own, can
// neither touch another service's schema, nor switch the append-only
// triggers off, nor alter its own tables, nor (billing) change or delete a
// statement, posting, entry or payment.
func TestServicesConnectWithLeastPrivilege(t *testing.T) {
	t.Parallel()
	env := systemtest.Start(t)
	district := env.District(t, "350496")
	env.School(t, district, "权限小学", "SCHOOL_STAGE_PRIMARY")
	env.MustDo(t, "GET", "/v1/districts/"+district+"/institutions", nil)
	env.MustDo(t, "GET", "/v1/districts/"+district+"/fee-schedules", nil)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, env.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	rows, err := admin.Query(ctx, `SELECT DISTINCT usename::text FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"kehou_billing", "kehou_identity", "kehou_staffing", "kehou_timetable"}; !slices.Equal(users, want) {
		t.Errorf("the system is connected as %v, want only %v", users, want)
	}
	// One table of each schema to aim at.
	table := map[string]string{}
	for _, s := range migrations.Schemas {
		var name string
		if err := admin.QueryRow(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'
			ORDER BY tablename LIMIT 1`, s).Scan(&name); err != nil {
			t.Fatalf("a table of %s: %v", s, err)
		}
		table[s] = s + "." + name
	}
	denied := func(t *testing.T, c *pgx.Conn, q string) {
		t.Helper()
		_, err := c.Exec(ctx, q)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: err = %v, want insufficient privilege (42501)", q, err)
		}
	}
	for _, own := range migrations.Schemas {
		role := migrations.Roles[own]
		t.Run(role, func(t *testing.T) {
			u, err := pgdb.RoleURL(env.DatabaseURL, role)
			if err != nil {
				t.Fatal(err)
			}
			c, err := pgx.Connect(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ctx)
			var super, createRole, createDB bool
			var owned int
			if err := c.QueryRow(ctx, `SELECT rolsuper, rolcreaterole, rolcreatedb,
				(SELECT count(*) FROM pg_class WHERE relowner = r.oid) + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)
				FROM pg_roles r WHERE rolname = current_user`).Scan(&super, &createRole, &createDB, &owned); err != nil {
				t.Fatal(err)
			}
			if super || createRole || createDB || owned != 0 {
				t.Errorf("%s: superuser %v, createrole %v, createdb %v, owns %d objects; want none", role, super, createRole, createDB, owned)
			}
			// The append-only triggers cannot be switched off: not per session, not per table.
			denied(t, c, `SET session_replication_role = replica`)
			denied(t, c, `ALTER TABLE `+table[own]+` DISABLE TRIGGER ALL`)
			denied(t, c, `ALTER TABLE `+table[own]+` ADD COLUMN intruder int`)
			denied(t, c, `CREATE TABLE `+own+`.intruder (a int)`)
			denied(t, c, `CREATE SCHEMA intruder`)
			denied(t, c, `SELECT * FROM `+own+`.schema_migrations`)
			if _, err := c.Exec(ctx, `SELECT count(*) FROM `+table[own]); err != nil {
				t.Errorf("%s cannot read its own %s: %v", role, table[own], err)
			}
			for _, other := range migrations.Schemas {
				if other == own {
					continue
				}
				denied(t, c, `SELECT count(*) FROM `+table[other])
				denied(t, c, `DELETE FROM `+table[other])
				denied(t, c, `ALTER TABLE `+table[other]+` ADD COLUMN intruder int`)
				denied(t, c, `CREATE TABLE `+other+`.intruder (a int)`)
			}
			if own != "billing" {
				return
			}
			for _, tbl := range []string{"statements", "statement_lines", "postings", "entries", "payments", "refunds", "run_inputs"} {
				denied(t, c, `UPDATE billing.`+tbl+` SET district_id = district_id`)
				denied(t, c, `DELETE FROM billing.`+tbl)
				denied(t, c, `TRUNCATE billing.`+tbl)
			}
		})
	}
}

// TestSetupTakesOverASuperuserMigratedDatabase: a database migrated by a
// superuser before the roles existed (an older make run's data) is handed
// to the owner role by the next migrate, and the services can use it.
func TestSetupTakesOverASuperuserMigratedDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.EmptyURL(t)
	pool, err := pgdb.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, s := range migrations.Schemas { // the old way: everything owned by the superuser
		ms, err := pgdb.LoadMigrations(migrations.FS, s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pgdb.Migrate(ctx, pool, s, ms); err != nil {
			t.Fatal(err)
		}
	}
	if err := system.Migrate(ctx, pool, migrations.Schemas, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate a superuser's database: %v", err)
	}
	var foreign int
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM pg_namespace WHERE nspname = ANY($1) AND pg_get_userbyid(nspowner) <> $2) +
		(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'S') AND pg_get_userbyid(c.relowner) <> $2)`,
		migrations.Schemas, pgdb.OwnerRole).Scan(&foreign); err != nil {
		t.Fatal(err)
	}
	if foreign != 0 {
		t.Errorf("%d schemas, tables or sequences not owned by %s after the take-over", foreign, pgdb.OwnerRole)
	}
	u, err := pgdb.RoleURL(url, migrations.Roles["billing"])
	if err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, `SELECT count(*) FROM billing.statements`); err != nil {
		t.Errorf("billing reads its statements after the take-over: %v", err)
	}
	if _, err := c.Exec(ctx, `SELECT billing.analyze_run_tables()`); err != nil {
		t.Errorf("billing analyzes its run tables through the owner's function: %v", err)
	}
}
