// Command kehou runs Kehou: `kehou serve` runs every service and the
// gateway in one process; `kehou serve timetable|staffing|billing|gateway`
// runs one part alone; `kehou migrate` applies the database migrations.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kehou/kehou/migrations"
	"github.com/kehou/kehou/services/billing"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/platform/auth/token"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/system"
	"github.com/shopspring/decimal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kehou:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  kehou serve [timetable|staffing|billing|identity|gateway ...] [flags]   run all parts (default) or the named ones
  kehou migrate [flags]                                          apply database migrations and exit
  kehou demo [flags]                                             start everything, load the demo district (idempotent), report and exit
  kehou import <students|classes> <file> --school ID [--dry-run]  import a roster into a running system
  kehou help

Every flag can also be set by its KEHOU_* environment variable (shown in each flag's help).`

// Config is kehou's one configuration, read from flags and KEHOU_*
// environment variables in main only and validated before anything starts.
type Config struct {
	DatabaseURL   string
	DBMaxConns    int
	HTTPAddr      string
	TimetableAddr string
	StaffingAddr  string
	BillingAddr   string
	IdentityAddr  string
	// AuthKeysDir, AuthKeys and AuthSigningKey say where the token keys
	// are (docs/operations.md); DevSecretsDir, when set, generates a
	// development key and operator password there on first start.
	AuthKeysDir    string
	AuthKeys       string
	AuthSigningKey string
	// ServiceKeysDir and ServiceKeys hold each service's own key for its
	// calls to the others (<service>.pem; docs/operations.md).
	ServiceKeysDir   string
	ServiceKeys      string
	AccessTokenTTL   time.Duration
	DevSecretsDir    string
	OperatorUserName string
	// OperatorPasswordFile holds the operator's password (first start only).
	OperatorPasswordFile string
	ShutdownGrace        time.Duration
	CORSOrigins          string
	Migrate              bool
	Demo                 bool
	FaultInjection       bool
	InProcess            bool
	LogFormat            string
	LogLevel             string
	MaxPrepayment        decimal.Decimal
	// HTTP is the gateway's limits and its server's timeouts.
	HTTP system.HTTPLimits
	// TLS is optional TLS for the gateway and between the parts.
	TLS system.TLS
	// ServiceDatabaseURLs are the services' own URLs (their login roles);
	// a service without one connects as its role on DatabaseURL's server.
	ServiceDatabaseURLs map[system.Part]string
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	if cmd == "import" {
		return importCmd(ctx, rest, getenv, stdout, stderr)
	}
	var parts []system.Part
	for len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		parts = append(parts, system.Part(rest[0]))
		rest = rest[1:]
	}
	fs := flag.NewFlagSet("kehou "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := parseConfig(fs, rest, getenv)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	switch cmd {
	case "migrate":
		if len(parts) > 0 {
			return fmt.Errorf("migrate takes no part names, got %v", parts)
		}
		return migrate(ctx, cfg, log)
	case "serve":
		if len(parts) == 0 {
			parts = system.AllParts
		}
		return serve(ctx, cfg, parts, log, stdout, false)
	case "demo":
		if len(parts) > 0 {
			return fmt.Errorf("demo takes no part names, got %v", parts)
		}
		cfg.Demo = true
		return serve(ctx, cfg, system.AllParts, log, stdout, true)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func parseConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	var c Config
	var problems []string
	str := func(p *string, name, env, def, help string) {
		fs.StringVar(p, name, envOr(getenv, env, def), help+" ($"+env+")")
	}
	boolean := func(p *bool, name, env string, def bool, help string) {
		v := def
		if s := getenv(env); s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q is not a boolean", env, s))
			}
			v = b
		}
		fs.BoolVar(p, name, v, help+" ($"+env+")")
	}
	str(&c.DatabaseURL, "database-url", "KEHOU_DATABASE_URL", getenv("DATABASE_URL"), "PostgreSQL URL (falls back to $DATABASE_URL)")
	c.ServiceDatabaseURLs = map[system.Part]string{}
	serviceURLs := map[system.Part]*string{}
	for _, p := range []system.Part{system.Timetable, system.Staffing, system.Billing, system.Identity} {
		v := new(string)
		serviceURLs[p] = v
		env := "KEHOU_" + strings.ToUpper(string(p)) + "_DATABASE_URL"
		str(v, string(p)+"-database-url", env, "", "PostgreSQL URL "+string(p)+" connects with, as its role "+migrations.Roles[string(p)]+
			" (default: database-url with that user and no password)")
	}
	maxConns := envOr(getenv, "KEHOU_DB_MAX_CONNS", "10")
	str(&maxConns, "db-max-conns", "KEHOU_DB_MAX_CONNS", maxConns, "largest number of database connections per process")
	str(&c.HTTPAddr, "http-addr", "KEHOU_HTTP_ADDR", "127.0.0.1:8080", "gateway HTTP listen address")
	str(&c.TimetableAddr, "timetable-addr", "KEHOU_TIMETABLE_ADDR", "127.0.0.1:9101", "timetable gRPC address (listen or dial)")
	str(&c.StaffingAddr, "staffing-addr", "KEHOU_STAFFING_ADDR", "127.0.0.1:9102", "staffing gRPC address (listen or dial)")
	str(&c.BillingAddr, "billing-addr", "KEHOU_BILLING_ADDR", "127.0.0.1:9103", "billing gRPC address (listen or dial)")
	str(&c.IdentityAddr, "identity-addr", "KEHOU_IDENTITY_ADDR", "127.0.0.1:9104", "identity gRPC address (listen or dial)")
	str(&c.AuthKeysDir, "auth-keys-dir", "KEHOU_AUTH_KEYS_DIR", "", "directory of Ed25519 token keys (*.pem)")
	// Key PEM text comes from the environment only, never a flag (flags show in ps).
	c.AuthKeys = getenv("KEHOU_AUTH_KEYS")
	str(&c.ServiceKeysDir, "service-keys-dir", "KEHOU_SERVICE_KEYS_DIR", "", "directory of the services' own Ed25519 keys (<service>.pem)")
	c.ServiceKeys = getenv("KEHOU_SERVICE_KEYS")
	str(&c.AuthSigningKey, "auth-signing-key", "KEHOU_AUTH_SIGNING_KEY", "", "key id identity signs with (default: the greatest)")
	ttl := envOr(getenv, "KEHOU_ACCESS_TOKEN_TTL", "15m")
	str(&ttl, "access-token-ttl", "KEHOU_ACCESS_TOKEN_TTL", ttl, "how long an access token is accepted")
	str(&c.DevSecretsDir, "dev-secrets-dir", "KEHOU_DEV_SECRETS_DIR", "", "generate a development token key and operator password here on first start (make run)")
	str(&c.OperatorUserName, "operator-user", "KEHOU_OPERATOR_USER", "operator", "user name of the platform operator account")
	str(&c.OperatorPasswordFile, "operator-password-file", "KEHOU_OPERATOR_PASSWORD_FILE", "", "file holding the operator's password, used on the first start")
	grace := envOr(getenv, "KEHOU_SHUTDOWN_GRACE", "15s")
	str(&grace, "shutdown-grace", "KEHOU_SHUTDOWN_GRACE", grace, "how long requests in flight may take to finish at shutdown")
	str(&c.CORSOrigins, "cors-origins", "KEHOU_CORS_ORIGINS", "", "comma-separated browser origins allowed to call the API")
	boolean(&c.Migrate, "migrate", "KEHOU_MIGRATE", true, "apply migrations at start-up")
	boolean(&c.Demo, "demo", "KEHOU_DEMO", false, "load the demo district at start-up (idempotent)")
	boolean(&c.InProcess, "in-process", "KEHOU_IN_PROCESS", true, "parts started in this process call each other in process (through the callee's whole interceptor chain, without a socket); false dials their gRPC ports")
	boolean(&c.FaultInjection, "fault-injection", "KEHOU_FAULT_INJECTION", false, "honour the x-kehou-fault header (tests only)")
	str(&c.LogFormat, "log-format", "KEHOU_LOG_FORMAT", "json", "log format: json or text")
	str(&c.LogLevel, "log-level", "KEHOU_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	httpVals := map[string]*string{}
	for _, f := range []struct{ name, env, def, help string }{
		{"max-body-bytes", "KEHOU_MAX_BODY_BYTES", "1048576", "largest request body the gateway reads (larger: 413)"},
		{"max-upload-bytes", "KEHOU_MAX_UPLOAD_BYTES", "16777216", "largest body of an upload route (--upload-routes)"},
		{"upload-routes", "KEHOU_UPLOAD_ROUTES", "", "comma-separated \"METHOD /path/template\" routes that take uploads"},
		{"call-timeout", "KEHOU_CALL_TIMEOUT", "2m", "deadline of every API call, passed on to the services"},
		{"rate-limit", "KEHOU_RATE_LIMIT", "50", "requests a second each client address may make on average (0: no limit)"},
		{"rate-burst", "KEHOU_RATE_BURST", "200", "requests a client address may make at once"},
		{"http-read-timeout", "KEHOU_HTTP_READ_TIMEOUT", "30s", "time to read a whole request, body included (slow bodies are cut off)"},
		{"http-write-timeout", "KEHOU_HTTP_WRITE_TIMEOUT", "0", "time to write a response (0: the call timeout plus 30s)"},
		{"http-idle-timeout", "KEHOU_HTTP_IDLE_TIMEOUT", "2m", "how long an idle keep-alive connection stays open"},
	} {
		v := envOr(getenv, f.env, f.def)
		httpVals[f.name] = &v
		str(&v, f.name, f.env, v, f.help)
	}
	str(&c.TLS.HTTPCertFile, "tls-cert", "KEHOU_TLS_CERT", "", "PEM certificate file: the gateway serves HTTPS")
	str(&c.TLS.HTTPKeyFile, "tls-key", "KEHOU_TLS_KEY", "", "PEM key file of --tls-cert")
	str(&c.TLS.GRPCCertFile, "grpc-tls-cert", "KEHOU_GRPC_TLS_CERT", "", "PEM certificate file: gRPC listeners serve TLS and calls present it")
	str(&c.TLS.GRPCKeyFile, "grpc-tls-key", "KEHOU_GRPC_TLS_KEY", "", "PEM key file of --grpc-tls-cert")
	str(&c.TLS.GRPCCAFile, "grpc-tls-ca", "KEHOU_GRPC_TLS_CA", "", "PEM CA file: calls to other parts use TLS verified against it; listeners require client certificates it signed")
	maxPrepay := envOr(getenv, "KEHOU_MAX_PREPAYMENT", app.DefaultMaxPrepayment.StringFixed(2))
	str(&maxPrepay, "max-prepayment", "KEHOU_MAX_PREPAYMENT", maxPrepay, "how far above what a family owes a payment marked as a prepayment may go, in yuan")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %v", fs.Args()))
	}
	for p, v := range serviceURLs {
		if *v != "" {
			c.ServiceDatabaseURLs[p] = *v
		}
	}
	n, err := strconv.Atoi(maxConns)
	if err != nil || n < 1 || n > 1000 {
		problems = append(problems, fmt.Sprintf("db-max-conns %q must be a number from 1 to 1000", maxConns))
	}
	c.DBMaxConns = n
	d, err := time.ParseDuration(grace)
	if err != nil || d <= 0 || d > 10*time.Minute {
		problems = append(problems, fmt.Sprintf("shutdown-grace %q must be a duration between 0s and 10m", grace))
	}
	c.ShutdownGrace = d
	if t, err := time.ParseDuration(ttl); err != nil || t < 30*time.Second || t > 24*time.Hour {
		problems = append(problems, fmt.Sprintf("access-token-ttl %q must be a duration between 30s and 24h", ttl))
	} else {
		c.AccessTokenTTL = t
	}
	for name, addr := range map[string]string{"http-addr": c.HTTPAddr, "timetable-addr": c.TimetableAddr, "staffing-addr": c.StaffingAddr, "billing-addr": c.BillingAddr, "identity-addr": c.IdentityAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			problems = append(problems, fmt.Sprintf("%s %q must be host:port", name, addr))
		}
	}
	var hl system.HTTPLimits
	for name, dst := range map[string]*int64{"max-body-bytes": &hl.Gateway.MaxBodyBytes, "max-upload-bytes": &hl.Gateway.MaxUploadBytes} {
		n, err := strconv.ParseInt(*httpVals[name], 10, 64)
		if err != nil || n < 1024 || n > 1<<30 {
			problems = append(problems, fmt.Sprintf("%s %q must be a number of bytes from 1024 to 1073741824", name, *httpVals[name]))
		}
		*dst = n
	}
	for _, r := range strings.Split(*httpVals["upload-routes"], ",") {
		if r = strings.TrimSpace(r); r != "" {
			hl.Gateway.UploadRoutes = append(hl.Gateway.UploadRoutes, r)
		}
	}
	for name, dst := range map[string]*time.Duration{"call-timeout": &hl.Gateway.CallTimeout, "http-read-timeout": &hl.ReadTimeout,
		"http-write-timeout": &hl.WriteTimeout, "http-idle-timeout": &hl.IdleTimeout} {
		d, err := time.ParseDuration(*httpVals[name])
		if err != nil || d < 0 || d > time.Hour || (d == 0 && name != "http-write-timeout") {
			problems = append(problems, fmt.Sprintf("%s %q must be a duration up to 1h", name, *httpVals[name]))
		}
		*dst = d
	}
	if r, err := strconv.ParseFloat(*httpVals["rate-limit"], 64); err != nil || r < 0 || r > 1e6 {
		problems = append(problems, fmt.Sprintf("rate-limit %q must be requests a second from 0 (off) to 1000000", *httpVals["rate-limit"]))
	} else {
		hl.Gateway.RatePerSecond = r
	}
	if b, err := strconv.Atoi(*httpVals["rate-burst"]); err != nil || b < 1 || b > 1e6 {
		problems = append(problems, fmt.Sprintf("rate-burst %q must be a number from 1 to 1000000", *httpVals["rate-burst"]))
	} else {
		hl.Gateway.RateBurst = b
	}
	c.HTTP = hl
	if d, err := decimal.NewFromString(maxPrepay); err != nil || d.IsNegative() || pbconv.CheckMoney(d) != "" {
		problems = append(problems, fmt.Sprintf("max-prepayment %q must be an amount in yuan from 0 to %s", maxPrepay, pbconv.MaxMoney.StringFixed(2)))
	} else {
		c.MaxPrepayment = d
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		problems = append(problems, fmt.Sprintf("log-format %q must be json or text", c.LogFormat))
	}
	if len(problems) > 0 {
		return Config{}, errors.New("bad configuration: " + strings.Join(problems, "; "))
	}
	return c, nil
}

func newLogger(c Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("bad configuration: log-level %q must be debug, info, warn or error", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}

func migrate(ctx context.Context, c Config, log *slog.Logger) error {
	if c.DatabaseURL == "" {
		return errors.New("bad configuration: database-url (or KEHOU_DATABASE_URL / DATABASE_URL) is required")
	}
	pool, err := pgdb.Open(ctx, c.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	return system.Migrate(ctx, pool, migrations.Schemas, log)
}

// serve runs parts until ctx ends; with demoOnly (kehou demo) it loads the
// demo district, reports how long that took and stops.
func serve(ctx context.Context, c Config, parts []system.Part, log *slog.Logger, stdout io.Writer, demoOnly bool) error {
	needDB := false
	for _, p := range parts {
		switch p {
		case system.Timetable, system.Staffing, system.Billing, system.Identity:
			needDB = true
		case system.Gateway:
		default:
			return fmt.Errorf("unknown part %q: want timetable, staffing, billing, identity or gateway", p)
		}
	}
	if needDB && c.DatabaseURL == "" {
		return errors.New("bad configuration: database-url (or KEHOU_DATABASE_URL / DATABASE_URL) is required")
	}
	var origins []string
	for _, o := range strings.Split(c.CORSOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	authCfg, operatorFile, err := authConfig(c, log)
	if err != nil {
		return err
	}
	r, err := system.Start(ctx, system.Config{
		Parts: parts, DatabaseURL: c.DatabaseURL, ServiceDatabaseURLs: c.ServiceDatabaseURLs, DBMaxConns: int32(c.DBMaxConns),
		HTTPAddr: c.HTTPAddr, TimetableAddr: c.TimetableAddr, StaffingAddr: c.StaffingAddr, BillingAddr: c.BillingAddr,
		IdentityAddr: c.IdentityAddr, Auth: authCfg,
		ShutdownGrace: c.ShutdownGrace, CORSOrigins: origins, Migrate: c.Migrate,
		FaultInjection: c.FaultInjection, InProcess: c.InProcess, Logger: log, Billing: billing.Options{MaxPrepayment: &c.MaxPrepayment},
		HTTP: c.HTTP, TLS: c.TLS,
	})
	if err != nil {
		return err
	}
	log.Info("started", "parts", fmt.Sprint(parts), "http", r.HTTPAddr, "timetable", r.TimetableAddr, "staffing", r.StaffingAddr, "billing", r.BillingAddr, "identity", r.IdentityAddr)
	var demo demoResult
	if c.Demo && r.TimetableAddr != "" {
		began := time.Now()
		if demo, err = loadDemo(ctx, r, log); err != nil {
			_ = r.Stop()
			return fmt.Errorf("load demo data: %w", err)
		}
		if demoOnly {
			fmt.Fprintf(stdout, "Demo district %s loaded in %.1f s (%d API calls); sign-ins (password %s):\n",
				DemoDistrictID, time.Since(began).Seconds(), demo.Calls, demoPassword)
			for _, a := range demo.Accounts {
				fmt.Fprintf(stdout, "  %-34s %s\n", a.Role, a.Login)
			}
			return r.Stop()
		}
	}
	if r.HTTPAddr != "" {
		scheme := "http://"
		if c.TLS.HTTPCertFile != "" {
			scheme = "https://"
		}
		printURLs(stdout, scheme+r.HTTPAddr, demo)
		if r.IdentityAddr != "" && authCfg.OperatorPassword != "" {
			fmt.Fprintf(stdout, "Sign in as the operator (user name %q, password in %s):\n  curl -X POST http://%s/v1/auth/sign-in -H 'Content-Type: application/json' -d '{\"login\":\"%s\",\"password\":\"'\"$(cat %s)\"'\"}'\n",
				c.OperatorUserName, operatorFile, r.HTTPAddr, c.OperatorUserName, operatorFile)
		}
	}
	return r.Wait()
}

func printURLs(w io.Writer, base string, d demoResult) {
	demo := ""
	if len(d.Accounts) > 0 {
		demo += fmt.Sprintf("Demo sign-ins (password %s):\n", demoPassword)
		for _, a := range d.Accounts {
			demo += fmt.Sprintf("  %-34s %s\n", a.Role, a.Login)
		}
		demo += fmt.Sprintf("  TOKEN=$(curl -s -X POST %s/v1/auth/sign-in -H 'Content-Type: application/json' -d '{\"login\":\"demo.bureau\",\"password\":\"%s\"}' | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n", base, demoPassword)
	}
	for _, p := range d.Paths {
		demo += fmt.Sprintf("  curl -H \"Authorization: Bearer $TOKEN\" '%s%s'\n", base, p)
	}
	fmt.Fprintf(w, `
Kehou is running.
  Web pages         %[1]s/
  API (REST/JSON)   %[1]s/v1/...
  OpenAPI document  %[1]s/openapi.json
  Liveness          %[1]s/healthz
  Readiness         %[1]s/readyz
  Metrics           %[1]s/metrics
%[2]sPress Ctrl-C to stop.
`, base, demo)
}

// authConfig resolves where the token keys and the operator's password
// come from. With a development secrets directory (make run) both are
// generated there on the first start and reused afterwards, so a restart
// keeps everyone signed in. It returns the operator password file used.
func authConfig(c Config, log *slog.Logger) (system.AuthConfig, string, error) {
	a := system.AuthConfig{KeysDir: c.AuthKeysDir, KeysPEM: c.AuthKeys, SigningKeyID: c.AuthSigningKey,
		AccessTokenTTL: c.AccessTokenTTL, OperatorUserName: c.OperatorUserName,
		ServiceKeysDir: c.ServiceKeysDir, ServiceKeysPEM: c.ServiceKeys}
	pwFile := c.OperatorPasswordFile
	if c.DevSecretsDir != "" {
		if a.KeysDir == "" && a.KeysPEM == "" {
			a.KeysDir = filepath.Join(c.DevSecretsDir, "keys")
			wrote, err := token.EnsureDevKey(a.KeysDir, time.Now())
			if err != nil {
				return a, "", err
			}
			if wrote {
				log.Info("generated a development token key", "dir", a.KeysDir)
			}
		}
		if a.ServiceKeysDir == "" && a.ServiceKeysPEM == "" {
			a.ServiceKeysDir = filepath.Join(c.DevSecretsDir, "service-keys")
			wrote, err := token.EnsureServiceKeys(a.ServiceKeysDir, []string{"timetable", "staffing", "billing", "identity"})
			if err != nil {
				return a, "", err
			}
			if len(wrote) > 0 {
				log.Info("generated development service keys", "dir", a.ServiceKeysDir, "services", fmt.Sprint(wrote))
			}
		}
		if pwFile == "" {
			pwFile = filepath.Join(c.DevSecretsDir, "operator-password")
			if _, err := os.Stat(pwFile); errors.Is(err, os.ErrNotExist) {
				b := make([]byte, 12)
				_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
				if err := os.WriteFile(pwFile, []byte("op-"+hex.EncodeToString(b)+"\n"), 0o600); err != nil {
					return a, "", fmt.Errorf("write operator password: %w", err)
				}
				log.Info("generated the operator password", "file", pwFile)
			}
		}
	}
	if pwFile != "" {
		b, err := os.ReadFile(pwFile)
		if err != nil {
			return a, "", fmt.Errorf("read operator password: %w", err)
		}
		a.OperatorPassword = strings.TrimSpace(string(b))
	}
	return a, pwFile, nil
}
