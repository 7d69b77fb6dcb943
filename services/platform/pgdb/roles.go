package pgdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// OwnerRole owns every service schema and runs the migrations. No service
// connects as it: a service that owned its tables could drop their
// triggers, and the append-only guard would be a suggestion.
const OwnerRole = "kehou_owner"

// SetupVersion changes whenever Setup grants differently, so a migrated
// test template built by an older Setup is not reused.
const SetupVersion = "roles-1"

// Schema is one service's schema and the login role the service connects
// as. The role may use its own schema's tables and nothing else: no
// ownership, no superuser, no rights on another service's schema.
type Schema struct {
	Name string
	Role string
}

// appendOnlyGuard is the trigger function of the append-only tables
// (billing's ledger, money records and statements): a service's role gets
// no UPDATE, DELETE or TRUNCATE on a table it guards, so the database
// refuses the change twice, by privilege and by trigger.
const appendOnlyGuard = "reject_change"

// Setup makes the database ready for the services: it creates the owner
// and service roles when the connected user may create roles (a superuser,
// as with make run, make test and a fresh `kehou migrate`), hands schemas
// a superuser created before to the owner, applies each schema's
// migrations as the owner, and grants each service's role its rights. It
// returns how many migrations it applied per schema. On a database where
// the connected user is the owner itself (an outside DATABASE_URL whose
// roles an administrator created, docs/operations.md) it only migrates
// and grants.
func Setup(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, schemas []Schema) (map[string]int, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	c := conn.Conn()
	// Replicas starting together set up one after the other: concurrent
	// GRANTs on the same tables fail ("tuple concurrently updated").
	key := lockKey("setup")
	if _, err := c.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return nil, fmt.Errorf("lock set-up: %w", err)
	}
	defer func() { _, _ = c.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key) }()
	var me string
	var super, createRole bool
	if err := c.QueryRow(ctx, `SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user`).
		Scan(&me, &super, &createRole); err != nil {
		return nil, fmt.Errorf("read the connected role: %w", err)
	}
	if super || createRole {
		if err := createRoles(ctx, c, schemas, super); err != nil {
			return nil, err
		}
	}
	var ownerExists bool
	if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, OwnerRole).Scan(&ownerExists); err != nil {
		return nil, err
	}
	if ownerExists && me != OwnerRole {
		if _, err := c.Exec(ctx, "SET ROLE "+OwnerRole); err != nil {
			return nil, fmt.Errorf("migrate as %s: %w", OwnerRole, err)
		}
		// The connection goes back to the pool as the user it logged in as.
		defer func() { _, _ = c.Exec(context.WithoutCancel(ctx), "RESET ROLE") }()
	}
	applied := map[string]int{}
	for _, s := range schemas {
		ms, err := LoadMigrations(fsys, s.Name)
		if err != nil {
			return applied, err
		}
		n, err := migrateConn(ctx, c, s.Name, ms)
		applied[s.Name] = n
		if err != nil {
			return applied, err
		}
		if err := grant(ctx, c, s); err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// createRoles creates the owner (no login: it is taken with SET ROLE, or
// given a login by an administrator) and the services' login roles, lets
// the owner create schemas and trusted extensions in this database, and,
// as a superuser, hands it the schemas and objects a superuser created
// before roles existed. Roles are cluster-wide and databases share them
// (tests clone many databases from one template), so every step is
// idempotent and runs under one advisory lock.
func createRoles(ctx context.Context, c *pgx.Conn, schemas []Schema, super bool) error {
	key := lockKey("roles")
	if _, err := c.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("lock role set-up: %w", err)
	}
	defer func() { _, _ = c.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key) }()
	create := func(role, options string) error {
		var exists bool
		if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		_, err := c.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" "+options)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505") {
			return nil // another process created it meanwhile (its lock is another server's)
		}
		if err != nil {
			return fmt.Errorf("create role %s: %w", role, err)
		}
		return nil
	}
	if err := create(OwnerRole, "NOLOGIN"); err != nil {
		return err
	}
	for _, s := range schemas {
		if err := create(s.Role, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"); err != nil {
			return err
		}
	}
	owner := pgx.Identifier{OwnerRole}.Sanitize()
	if !super { // a CREATEROLE user needs membership to SET ROLE
		if _, err := c.Exec(ctx, "GRANT "+owner+" TO current_user"); err != nil {
			return fmt.Errorf("grant %s to the migrating user: %w", OwnerRole, err)
		}
	}
	var db string
	if err := c.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, "GRANT CREATE ON DATABASE "+pgx.Identifier{db}.Sanitize()+" TO "+owner); err != nil {
		return fmt.Errorf("let %s create schemas: %w", OwnerRole, err)
	}
	if !super {
		return nil
	}
	for _, s := range schemas {
		if err := handOver(ctx, c, s.Name); err != nil {
			return err
		}
	}
	return nil
}

// handOver makes the owner role own schema and everything in it, for a
// database migrated by a superuser before the roles existed.
func handOver(ctx context.Context, c *pgx.Conn, schema string) error {
	rows, err := c.Query(ctx, `
		SELECT 'ALTER SCHEMA ' || quote_ident(n.nspname) || ' OWNER TO ' || quote_ident($2)
		FROM pg_namespace n WHERE n.nspname = $1 AND pg_get_userbyid(n.nspowner) <> $2
		UNION ALL
		SELECT 'ALTER ' || CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END
			|| ' ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' OWNER TO ' || quote_ident($2)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND pg_get_userbyid(c.relowner) <> $2
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
		UNION ALL
		SELECT 'ALTER FUNCTION ' || p.oid::regprocedure::text || ' OWNER TO ' || quote_ident($2)
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = $1 AND pg_get_userbyid(p.proowner) <> $2
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`,
		schema, OwnerRole)
	if err != nil {
		return fmt.Errorf("list objects of %s: %w", schema, err)
	}
	stmts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list objects of %s: %w", schema, err)
	}
	for _, q := range stmts {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("hand %s to %s: %s: %w", schema, OwnerRole, q, err)
		}
	}
	return nil
}

// grant is the one place that says what a service's role may do: use its
// schema, read and write its tables and sequences, except changing or
// removing rows of an append-only table, and nothing on the migrations'
// bookkeeping. A role that does not exist (roles not set up) is skipped.
func grant(ctx context.Context, c *pgx.Conn, s Schema) error {
	var exists bool
	if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, s.Role).Scan(&exists); err != nil || !exists {
		return err
	}
	schema, role := pgx.Identifier{s.Name}.Sanitize(), pgx.Identifier{s.Role}.Sanitize()
	stmts := []string{
		"REVOKE ALL ON SCHEMA " + schema + " FROM PUBLIC",
		"GRANT USAGE ON SCHEMA " + schema + " TO " + role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
		"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role,
		"REVOKE ALL ON " + schema + ".schema_migrations FROM " + role,
	}
	rows, err := c.Query(ctx, `SELECT DISTINCT quote_ident(n.nspname) || '.' || quote_ident(t.relname)
		FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
		JOIN pg_proc p ON p.oid = g.tgfoid
		WHERE n.nspname = $1 AND p.proname = $2 AND NOT g.tgisinternal`, s.Name, appendOnlyGuard)
	if err != nil {
		return fmt.Errorf("list append-only tables of %s: %w", s.Name, err)
	}
	guarded, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list append-only tables of %s: %w", s.Name, err)
	}
	for _, t := range guarded {
		stmts = append(stmts, "REVOKE UPDATE, DELETE, TRUNCATE ON "+t+" FROM "+role)
	}
	for _, q := range stmts {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("grant %s on %s: %s: %w", s.Role, s.Name, q, err)
		}
	}
	return nil
}

// RoleURL returns databaseURL with its user replaced by role and its
// password removed, the URL a service connects with when it is not given
// one of its own: on a local cluster with trust or peer authentication
// (make run, make test) that is all it takes; elsewhere each service gets
// its own URL with its role's password (docs/operations.md).
func RoleURL(databaseURL, role string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("database url must be postgres://user@host/db to derive the %s role's", role)
	}
	u.User = url.User(role)
	return u.String(), nil
}
