// Package pgtest gives each test its own real PostgreSQL database, cloned
// from a template migrated once per test binary, so tests are isolated and
// run in parallel. The server comes from KEHOU_TEST_DATABASE_URL, which
// `make test` sets after starting a throwaway cluster.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/migrations"
	"github.com/kehou/kehou/services/platform/pgdb"
)

// adminURL returns the server's URL, or fails (under make test) or skips
// (elsewhere) the test when none is configured.
func adminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("KEHOU_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("KEHOU_REQUIRE_DB") != "" {
			t.Fatal("KEHOU_TEST_DATABASE_URL is not set; run `make test`")
		}
		t.Skip("no test database: run `make test` (or set KEHOU_TEST_DATABASE_URL)")
	}
	return u
}

// withDatabase returns base with its database name replaced.
func withDatabase(t testing.TB, base, name string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse KEHOU_TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// migrationsHash names the template after the migrations' content and the
// set-up's version, so a changed migration or grant gets a fresh template.
func migrationsHash() (string, error) {
	h := sha256.New()
	h.Write([]byte(pgdb.SetupVersion))
	err := fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

func ensureTemplate(ctx context.Context, admin string, t testing.TB) (string, error) {
	templateOnce.Do(func() {
		hash, err := migrationsHash()
		if err != nil {
			templateErr = err
			return
		}
		name := "kehou_tpl_" + hash
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			templateErr = fmt.Errorf("connect to test server: %w", err)
			return
		}
		defer conn.Close(ctx)
		// Test binaries of several packages run at once; one builds the template.
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(4242)"); err != nil {
			templateErr = err
			return
		}
		defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(4242)") //nolint:errcheck
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
			templateErr = err
			return
		}
		if !exists {
			building := name + "_building"
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)")
			if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
				templateErr = err
				return
			}
			pool, err := pgdb.Open(ctx, withDatabase(t, admin, building), 2)
			if err != nil {
				templateErr = err
				return
			}
			// The same set-up as production: roles, migrations as the owner,
			// each service's grants. Roles are cluster-wide; clones share them.
			services, err := migrations.For(migrations.Schemas)
			if err == nil {
				_, err = pgdb.Setup(ctx, pool, migrations.FS, services)
			}
			pool.Close()
			if err != nil {
				templateErr = err
				return
			}
			if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
				templateErr = err
				return
			}
		}
		templateName = name
	})
	return templateName, templateErr
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func createDatabase(t testing.TB, admin, name, template string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer conn.Close(ctx)
	q := "CREATE DATABASE " + name
	if template != "" {
		q += " TEMPLATE " + template
	}
	// Cloning a template fails while another clone of it is starting; retry.
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, q)
		if err == nil || attempt == 20 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(t, admin, name)
}

// URL returns the URL of a fresh, fully migrated database for this test.
func URL(t testing.TB) string {
	t.Helper()
	admin := adminURL(t)
	tpl, err := ensureTemplate(context.Background(), admin, t)
	if err != nil {
		t.Fatalf("prepare template database: %v", err)
	}
	return createDatabase(t, admin, randomName("kehou_t_"), tpl)
}

// EmptyURL returns the URL of a fresh database with no migrations applied.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return createDatabase(t, adminURL(t), randomName("kehou_e_"), "")
}

// Pool returns a pool on a fresh, fully migrated database for this test.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgdb.Open(context.Background(), URL(t), 8)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
