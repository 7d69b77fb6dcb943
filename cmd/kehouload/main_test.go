package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/platform/pgtest"
)

// TestLoadSmall runs the whole command in-process on a fresh database: 200 students seeded
// over HTTP, one district fee run, the repeat, the counts and the floor.
func TestLoadSmall(t *testing.T) {
	var out, logs bytes.Buffer
	args := []string{"--start", "--database-url", pgtest.URL(t), "--students", "200", "--schools", "2", "--district", "350601", "--json"}
	if err := run(context.Background(), args, &out, &logs); err != nil {
		t.Fatalf("run: %v\n%s", err, logs.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report %q: %v", out.String(), err)
	}
	t.Logf("%+v", rep)
	if rep.Statements != 200 || rep.RunStatements != 200 {
		t.Errorf("statements in the database %d, reported by the run %d; want one per enrolled student, 200", rep.Statements, rep.RunStatements)
	}
	if rep.Lines < rep.Statements {
		t.Errorf("lines = %d, want at least one per statement (%d)", rep.Lines, rep.Statements)
	}
	if !(rep.Ratio > 0) || !(rep.FloorSeconds > 0) {
		t.Errorf("ratio %v over a floor of %v s, want both > 0", rep.Ratio, rep.FloorSeconds)
	}
	if !rep.RepeatSameRun {
		t.Errorf("the repeated request did not return run %s", rep.RunID)
	}
	// 200 students: 3 requests each, plus per school a school, a room and class per 40, a term,
	// an item and a plan (2 schools × (1 + 3×2 + 3)), plus the district and its schedule.
	if want := int64(200*3 + 2*(1+3*2+3) + 2); rep.SeedRequests != want {
		t.Errorf("seed requests = %d, want %d", rep.SeedRequests, want)
	}
}

func TestFlagsRefuseNonLoopbackAndUnbounded(t *testing.T) {
	db := "postgres://postgres@127.0.0.1:5432/postgres"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"remote gateway", []string{"--database-url", db, "--gateway", "http://10.1.2.3:8080"}, "only loopback"},
		{"remote database", []string{"--database-url", "postgres://postgres@db.example.cn/postgres"}, "only loopback"},
		{"no database", []string{"--database-url", ""}, "--database-url is required"},
		{"too many students", []string{"--database-url", db, "--students", "2000000"}, "--students"},
		{"no timeout", []string{"--database-url", db, "--timeout", "0s"}, "--timeout"},
		{"bad district", []string{"--database-url", db, "--district", "35x"}, "--district"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseFlags(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
	if c, err := parseFlags([]string{"--database-url", db, "--gateway", "http://localhost:8080", "--students", "2500"}, io.Discard); err != nil || c.Schools != 3 {
		t.Errorf("loopback flags: %+v, %v; want accepted with 3 schools", c, err)
	}
}

// TestReadsSmall runs `reads` in-process on a fresh database: one school of
// 40 students seeded over HTTP, every target driven briefly by two clients.
// Every target must answer without an error (a route answering 404 fast is
// no measurement); no figure is asserted.
func TestReadsSmall(t *testing.T) {
	for _, noAuth := range []bool{false, true} {
		var out, logs bytes.Buffer
		args := []string{"reads", "--database-url", pgtest.URL(t), "--students", "40", "--duration", "200ms", "--warmup", "0s",
			"--concurrency", "2", "--json"}
		if noAuth {
			args = append(args, "--no-authorization")
		}
		if err := run(context.Background(), args, &out, &logs); err != nil {
			t.Fatalf("reads %v: %v\n%s", args, err, logs.String())
		}
		var rep readsReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("report %q: %v", out.String(), err)
		}
		if rep.Authorization == noAuth {
			t.Errorf("authorization reported %v with --no-authorization=%v", rep.Authorization, noAuth)
		}
		// trivial 2 (net/http and lean client), statements 5 (HTTP/1.1 twice, h2c, gRPC, floor),
		// plan 2, staffing 2, compliance 2.
		if len(rep.Results) != 13 {
			t.Fatalf("%d results, want 13: %+v", len(rep.Results), rep.Results)
		}
		for _, r := range rep.Results {
			if r.Requests == 0 || r.Errors != 0 {
				t.Errorf("%s / %s: %d requests, %d errors (%s); want some and none", r.Route, r.Target, r.Requests, r.Errors, r.FirstError)
			}
		}
	}
}

func TestReadsFlags(t *testing.T) {
	db := "postgres://postgres@127.0.0.1:5432/postgres"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--database-url", "postgres://postgres@db.example.cn/postgres"}, "only loopback"},
		{[]string{"--database-url", db, "--concurrency", "16,0"}, "--concurrency"},
		{[]string{"--database-url", db, "--concurrency", "1000"}, "--concurrency"},
		{[]string{"--database-url", db, "--routes", "statements,bogus"}, "unknown route"},
		{[]string{"--database-url", db, "--duration", "1h"}, "--duration"},
		{[]string{}, "--database-url is required"},
	} {
		if _, err := parseReadsFlags(tt.args, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseReadsFlags(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
	c, err := parseReadsFlags([]string{"--database-url", db, "--concurrency", "16, 64", "--routes", "plan"}, io.Discard)
	if err != nil || len(c.Concurrency) != 2 || c.Concurrency[1] != 64 || len(c.Routes) != 1 {
		t.Errorf("good flags: %+v, %v", c, err)
	}
}
