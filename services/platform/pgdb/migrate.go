package pgdb

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Migration is one forward-only SQL file, numbered by its name's prefix
// ("0001_init.sql" is version 1).
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads the numbered .sql files of dir in fsys in version
// order and rejects gaps and duplicate numbers, which would otherwise apply
// in a surprising order.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations %s: %w", dir, err)
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		prefix, _, ok := strings.Cut(e.Name(), "_")
		if !ok {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
		}
		v, err := strconv.Atoi(prefix)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: bad version prefix", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.Name, i+1)
		}
	}
	return ms, nil
}

// Migrate applies the migrations of one service schema that are not yet
// recorded in <schema>.schema_migrations. It holds a session advisory lock
// keyed by the schema name for the whole run, so any number of processes
// starting at once apply each migration exactly once; each migration runs
// in its own transaction with its bookkeeping row. It returns how many it
// applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string, ms []Migration) (int, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	return migrateConn(ctx, conn.Conn(), schema, ms)
}

func migrateConn(ctx context.Context, conn *pgx.Conn, schema string, ms []Migration) (int, error) {
	key := lockKey(schema)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return 0, fmt.Errorf("lock migrations of %s: %w", schema, err)
	}
	defer func() {
		// A failed unlock is released when the session ends; nothing to add.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key)
	}()

	ident := pgx.Identifier{schema}.Sanitize()
	setup := "CREATE SCHEMA IF NOT EXISTS " + ident + ";" +
		"CREATE TABLE IF NOT EXISTS " + ident + ".schema_migrations (" +
		"version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
	if _, err := conn.Exec(ctx, setup); err != nil {
		return 0, fmt.Errorf("prepare %s: %w", schema, err)
	}
	var current int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+ident+".schema_migrations").Scan(&current); err != nil {
		return 0, fmt.Errorf("read version of %s: %w", schema, err)
	}
	applied := 0
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		err := InTx(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+ident); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO "+ident+".schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("apply %s/%s: %w", schema, m.Name, err)
		}
		applied++
	}
	return applied, nil
}

func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("kehou-migrate:" + schema))
	return int64(h.Sum64())
}
