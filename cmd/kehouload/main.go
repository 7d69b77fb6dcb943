// Command kehouload measures a district fee run end to end over the real
// API (issue 5, Must show 5): it seeds a district through the gateway's
// public HTTP API only (a fee schedule, schools, terms, classes, an item, a
// plan and enrolled, approved students), times one district fee run over
// HTTP (billing reads timetable's facts over gRPC), repeats the request to
// show idempotency, and, in the same run, times the floor: PostgreSQL
// COPYing as many statement and line rows of the same shape into scratch
// tables. It reports end to end ÷ floor.
//
//	go run ./cmd/kehouload --start --database-url postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable --students 10000
//
// Without --start it targets a system already running at --gateway (and
// still needs --database-url for the counts and the floor). Every target
// must be a loopback address: this is a load generator, never pointed at
// someone else's system.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kehouload:", err)
		os.Exit(1)
	}
}

// config is the command's flags, validated before anything starts.
type config struct {
	Gateway     string
	DatabaseURL string
	Start       bool
	Students    int
	Schools     int
	Workers     int
	District    string
	// Token and OperatorToken are the bearer tokens requests carry.
	Token, OperatorToken string
	Timeout              time.Duration
	JSON                 bool
	CPUProfile           string
	Analyze              bool
}

// Limits that keep every loop bounded whatever the flags say.
const (
	maxStudents      = 1_000_000
	maxSchools       = 10_000
	maxWorkers       = 256
	studentsPerClass = 40
)

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("kehouload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.Token, "token", os.Getenv("KEHOU_TOKEN"), "access token of the district's bureau administrator, for --gateway ($KEHOU_TOKEN)")
	fs.StringVar(&c.OperatorToken, "operator-token", os.Getenv("KEHOU_OPERATOR_TOKEN"), "the operator's access token, to create the district, for --gateway ($KEHOU_OPERATOR_TOKEN)")
	fs.StringVar(&c.Gateway, "gateway", "http://127.0.0.1:8080", "gateway URL of a running system (loopback only); ignored with --start")
	fs.StringVar(&c.DatabaseURL, "database-url", os.Getenv("KEHOU_DATABASE_URL"), "PostgreSQL URL (loopback only): the system's database, for the counts and the COPY floor; with --start the system runs on it (env KEHOU_DATABASE_URL)")
	fs.BoolVar(&c.Start, "start", false, "start the whole system in-process on --database-url (migrating it) instead of using --gateway")
	fs.IntVar(&c.Students, "students", 10_000, "students to seed and bill")
	fs.IntVar(&c.Schools, "schools", 0, "schools to spread the students over (0: one per 1,000 students)")
	fs.IntVar(&c.Workers, "workers", 16, "concurrent HTTP requests while seeding")
	fs.StringVar(&c.District, "district", "", "6-digit district id to create (default: derived from the clock, so reruns on one database do not collide)")
	fs.DurationVar(&c.Timeout, "timeout", 30*time.Minute, "the whole command's deadline")
	fs.BoolVar(&c.JSON, "json", false, "print the report as one JSON object")
	fs.BoolVar(&c.Analyze, "analyze", false, "ANALYZE the database between seeding and the fee run, as on a database that has been up a while (a freshly seeded one may have no statistics yet)")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the fee run (the first request only) to this file; with --start it covers the whole system")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.Students < 1 || c.Students > maxStudents {
		return c, fmt.Errorf("--students %d: want 1 to %d", c.Students, maxStudents)
	}
	if c.Schools == 0 {
		c.Schools = (c.Students + 999) / 1000
	}
	if c.Schools < 1 || c.Schools > maxSchools || c.Schools > c.Students {
		return c, fmt.Errorf("--schools %d: want 1 to min(%d, --students)", c.Schools, maxSchools)
	}
	if c.Workers < 1 || c.Workers > maxWorkers {
		return c, fmt.Errorf("--workers %d: want 1 to %d", c.Workers, maxWorkers)
	}
	if c.Timeout <= 0 {
		return c, fmt.Errorf("--timeout %s: want a positive duration", c.Timeout)
	}
	if c.District == "" {
		c.District = fmt.Sprintf("9%05d", time.Now().Unix()%100_000)
	}
	if len(c.District) != 6 || strings.Trim(c.District, "0123456789") != "" {
		return c, fmt.Errorf("--district %q: want 6 digits", c.District)
	}
	if c.DatabaseURL == "" {
		return c, errors.New("--database-url is required (the counts and the floor need the system's database)")
	}
	if err := checkDatabaseLoopback(c.DatabaseURL); err != nil {
		return c, err
	}
	if !c.Start {
		if err := checkGatewayLoopback(c.Gateway); err != nil {
			return c, err
		}
	}
	return c, nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkGatewayLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--gateway %q: want an http URL", raw)
	}
	if !isLoopback(u.Hostname()) {
		return fmt.Errorf("--gateway %q: only loopback targets (127.0.0.1, ::1, localhost)", raw)
	}
	return nil
}

func checkDatabaseLoopback(raw string) error {
	pc, err := pgx.ParseConfig(raw)
	if err != nil {
		return fmt.Errorf("--database-url: %w", err)
	}
	hosts := []string{pc.Host}
	for _, f := range pc.Fallbacks {
		hosts = append(hosts, f.Host)
	}
	for _, h := range hosts {
		if !strings.HasPrefix(h, "/") && !isLoopback(h) {
			return fmt.Errorf("--database-url host %q: only loopback or a local socket", h)
		}
	}
	return nil
}

// run is the whole command: flags, an optional in-process system, the
// load, the report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	if len(args) > 0 && args[0] == "reads" {
		return runReads(ctx, args[1:], stdout, stderr)
	}
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	gw := cfg.Gateway
	if cfg.Start {
		sys, serr := system.Start(ctx, system.Config{
			Parts:         system.AllParts,
			DatabaseURL:   cfg.DatabaseURL,
			DBMaxConns:    int32(min(cfg.Workers+8, 64)),
			HTTPAddr:      "127.0.0.1:0",
			TimetableAddr: "127.0.0.1:0",
			StaffingAddr:  "127.0.0.1:0",
			BillingAddr:   "127.0.0.1:0",
			ShutdownGrace: 10 * time.Second,
			Migrate:       true,
			// The load's own tokens last as long as the command may: seeding
			// a city takes longer than a user's 15 minutes.
			Auth: system.AuthConfig{AccessTokenTTL: cfg.Timeout},
			// Warnings only: the access log of tens of thousands of seeding requests is noise here.
			Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		})
		if serr != nil {
			return fmt.Errorf("start system: %w", serr)
		}
		defer func() {
			if serr := sys.Stop(); serr != nil && err == nil {
				err = fmt.Errorf("stop system: %w", serr)
			}
		}()
		gw = "http://" + sys.HTTPAddr
		// The seeding acts as the operator (the district) and as the
		// district's bureau administrator, with tokens signed in-process.
		if cfg.OperatorToken, err = sys.MintToken(auth.Principal{AccountID: "acc_operator", Role: auth.RoleOperator}); err != nil {
			return err
		}
		if cfg.Token, err = sys.MintToken(auth.Principal{AccountID: "acc_load_bureau", Role: auth.RoleBureauAdmin, DistrictID: cfg.District}); err != nil {
			return err
		}
	}
	rep, err := load(ctx, cfg, gw, stderr)
	if err != nil {
		return err
	}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.print(stdout)
	return nil
}
