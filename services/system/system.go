// Package system starts Kehou's processes: any of the four services and
// the gateway, alone or all together in one process. Each part talks to
// the others over real gRPC connections, so the same build deploys as one
// process or as many.
package system

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/fullstorydev/grpchan"
	idstaffingfeed "github.com/kehou/kehou/services/identity/staffingfeed"
	idtimetablefeed "github.com/kehou/kehou/services/identity/timetablefeed"
	"github.com/kehou/kehou/services/platform/audit"
	"github.com/kehou/kehou/services/platform/changes"
	"github.com/kehou/kehou/services/platform/importjob"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/gateway"
	"github.com/kehou/kehou/migrations"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/billing"
	blrpc "github.com/kehou/kehou/services/billing/rpc"
	"github.com/kehou/kehou/services/identity"
	identityapp "github.com/kehou/kehou/services/identity/app"
	"github.com/kehou/kehou/services/identity/password"
	idrpc "github.com/kehou/kehou/services/identity/rpc"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/auth/token"
	"github.com/kehou/kehou/services/platform/authz"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/platform/rpcclient"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"github.com/kehou/kehou/services/staffing"
	stapp "github.com/kehou/kehou/services/staffing/app"
	strpc "github.com/kehou/kehou/services/staffing/rpc"
	"github.com/kehou/kehou/services/timetable"
	ttapp "github.com/kehou/kehou/services/timetable/app"
	ttrpc "github.com/kehou/kehou/services/timetable/rpc"
	ttstore "github.com/kehou/kehou/services/timetable/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Part names a process role.
type Part string

// The parts of the system.
const (
	Timetable Part = "timetable"
	Staffing  Part = "staffing"
	Billing   Part = "billing"
	Identity  Part = "identity"
	Gateway   Part = "gateway"
)

// AllParts is what `kehou serve` runs by default.
var AllParts = []Part{Timetable, Staffing, Billing, Identity, Gateway}

// services are the parts that own a schema and serve gRPC, in migration order.
var services = []Part{Timetable, Staffing, Billing, Identity}

// AuthConfig says where the token keys are and how identity signs in.
type AuthConfig struct {
	// KeysDir holds the Ed25519 keys as *.pem files (see docs/operations.md).
	KeysDir string
	// KeysPEM holds keys as PEM text with Kid headers (from the environment).
	KeysPEM string
	// SigningKeyID names the key identity signs with; empty: the greatest kid.
	SigningKeyID string
	// AccessTokenTTL is how long an access token is accepted (default 15m).
	AccessTokenTTL time.Duration
	// Hashing is the argon2id cost of new password hashes (default password.Default).
	Hashing password.Params
	// OperatorUserName and OperatorPassword create the platform operator
	// account on the first start; empty skips it.
	OperatorUserName string
	OperatorPassword string
	// ServiceKeysDir holds each service's own Ed25519 key as <service>.pem
	// (its private key for the services run here; a public key is enough
	// for the others), and ServiceKeysPEM the same as PEM text with Kid
	// headers naming the services. With neither, this process makes
	// ephemeral keys for the services it runs (one process only).
	ServiceKeysDir string
	ServiceKeysPEM string
}

// Config is what Start needs; cmd/kehou fills it from flags and env.
type Config struct {
	Parts []Part
	// DatabaseURL is where migrations run (as the owner role) and, with its
	// user replaced by a service's role, where each service connects unless
	// ServiceDatabaseURLs names its own URL.
	DatabaseURL         string
	ServiceDatabaseURLs map[Part]string
	DBMaxConns          int32
	HTTPAddr            string
	TimetableAddr       string
	StaffingAddr        string
	BillingAddr         string
	// IdentityAddr is identity's gRPC address; empty means a loopback port
	// chosen at start when identity runs here.
	IdentityAddr   string
	Auth           AuthConfig
	ShutdownGrace  time.Duration
	CORSOrigins    []string
	Migrate        bool
	FaultInjection bool
	// WithoutAuthorization starts the services with neither token
	// verification nor policy checks (rpcserver.Options.Unenforced): only
	// for kehouload's before/after comparison of what authorization costs.
	// cmd/kehou never sets it.
	WithoutAuthorization bool
	// InProcess makes calls between parts of this process (the gateway's to
	// the services, billing's to timetable …) run in process, through the
	// callee's full interceptor chain but without a socket or encoding
	// (rpcserver.Server.Local). Parts in other processes are always dialed.
	// Every gRPC port still listens for callers outside.
	InProcess bool
	Logger    *slog.Logger
	// Billing are the billing service's settings (prepayment maximum).
	Billing billing.Options
	// HTTP is the gateway's limits and its HTTP server's timeouts; the zero
	// value means the defaults, without a rate limit.
	HTTP HTTPLimits
	// TLS is optional TLS for the gateway and for gRPC between the parts.
	TLS TLS
}

// HTTPLimits bound what one HTTP request and one client may take of the
// gateway. Zero durations mean the defaults.
type HTTPLimits struct {
	Gateway gateway.Limits
	// ReadTimeout is the time to read a whole request, body included, so a
	// client trickling a body cannot hold a connection (default 30s).
	ReadTimeout time.Duration
	// WriteTimeout is the time to write a response (default: the call
	// timeout plus 30s, so a call that runs to its deadline still answers).
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long (default 2m).
	IdleTimeout time.Duration
}

// server returns the gateway's HTTP server with the timeouts filled in.
func (l HTTPLimits) server(h http.Handler) *http.Server {
	read, write, idle := l.ReadTimeout, l.WriteTimeout, l.IdleTimeout
	if read <= 0 {
		read = 30 * time.Second
	}
	if write <= 0 {
		call := l.Gateway.CallTimeout
		if call <= 0 {
			call = gateway.DefaultCallTimeout
		}
		write = call + 30*time.Second
	}
	if idle <= 0 {
		idle = 2 * time.Minute
	}
	// HTTP/1.1, HTTP/2 over TLS, and HTTP/2 in clear (h2c with prior
	// knowledge, as a proxy in front or the load command speaks it): one
	// connection carries many calls at once instead of one each.
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Server{Handler: h, ReadHeaderTimeout: min(read, 10*time.Second), ReadTimeout: read, WriteTimeout: write, IdleTimeout: idle,
		Protocols: &protocols}
}

// Has reports whether the config runs part p.
func (c Config) Has(p Part) bool { return slices.Contains(c.Parts, p) }

// Running is a started system.
type Running struct {
	clientCreds credentials.TransportCredentials

	// Addresses where each part actually listens (useful with port 0).
	HTTPAddr, TimetableAddr, StaffingAddr, BillingAddr, IdentityAddr string
	// SigningKeyID is the kid identity signs with ("" when identity does not run here).
	SigningKeyID string
	// OperatorCreated reports that this start created the operator account.
	OperatorCreated bool
	// MintToken signs an access token with identity's key, for loaders
	// running in this process (the demo); nil when identity runs elsewhere.
	MintToken func(auth.Principal) (string, error)
	// serviceSigners are the service credentials of the services run here.
	serviceSigners map[Part]*token.ServiceSigner

	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// ServiceCredentials returns the per-call credentials of a service run in
// this process, for a client that calls as that service (tests of feeds).
func (r *Running) ServiceCredentials(p Part) (rpcserver.ServiceCredentials, bool) {
	s, ok := r.serviceSigners[p]
	return rpcserver.ServiceCredentials{Signer: s}, ok
}

// Wait blocks until every part has stopped and returns the first error.
func (r *Running) Wait() error {
	<-r.done
	return r.err
}

// Stop asks every part to shut down gracefully and waits.
func (r *Running) Stop() error {
	r.cancel()
	return r.Wait()
}

// Migrate sets up the roles (when the connected user may), applies the
// migrations of the given service schemas as the owner role and grants each
// service's login role its rights (pgdb.Setup).
func Migrate(ctx context.Context, pool *pgxpool.Pool, schemas []string, log *slog.Logger) error {
	services, err := migrations.For(schemas)
	if err != nil {
		return err
	}
	applied, err := pgdb.Setup(ctx, pool, migrations.FS, services)
	for _, s := range services {
		if n, ok := applied[s.Name]; ok {
			log.Info("migrations applied", "schema", s.Name, "applied", n, "role", s.Role)
		}
	}
	return err
}

// Start listens on every configured address, migrates when asked, and
// serves until ctx is cancelled or Stop is called. Listening happens
// before Start returns, so callers may connect at once.
func Start(ctx context.Context, cfg Config) (_ *Running, err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.TLS.validate(); err != nil {
		return nil, err
	}
	serverCreds, err := cfg.TLS.serverCreds()
	if err != nil {
		return nil, err
	}
	clientCreds, err := cfg.TLS.clientCreds()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var closers []func()
	defer func() {
		if err != nil {
			cancel()
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := rpcserver.NewMetrics(reg)
	if err != nil {
		return nil, err
	}

	var schemas []string
	for _, p := range services {
		if cfg.Has(p) {
			schemas = append(schemas, string(p))
		}
	}
	if len(schemas) > 0 && cfg.Migrate {
		mpool, err := pgdb.Open(ctx, cfg.DatabaseURL, 2)
		if err != nil {
			return nil, err
		}
		err = Migrate(ctx, mpool, schemas, log)
		mpool.Close()
		if err != nil {
			return nil, err
		}
	}
	// Each service connects as its own login role (least privilege: no
	// ownership, no other service's schema), with its own URL or one derived
	// from DatabaseURL.
	pools := map[Part]*pgxpool.Pool{}
	for _, schema := range schemas {
		p := Part(schema)
		u := cfg.ServiceDatabaseURLs[p]
		if u == "" {
			if u, err = pgdb.RoleURL(cfg.DatabaseURL, migrations.Roles[schema]); err != nil {
				return nil, err
			}
		}
		pool, err := pgdb.Open(ctx, u, cfg.DBMaxConns)
		if err != nil {
			return nil, fmt.Errorf("%s connects as role %s: %w (the roles are created by kehou migrate as a superuser, or by hand: docs/operations.md)",
				p, migrations.Roles[schema], err)
		}
		closers = append(closers, pool.Close)
		pools[p] = pool
	}

	run := &Running{cancel: cancel, done: make(chan struct{}), clientCreds: clientCreds}
	// Parts stop in order, front to back: the gateway drains first, then
	// billing, then staffing, then timetable, so a request in flight can still
	// make the calls it needs while the process shuts down.
	stages := newStages(ctx, 4)
	var tasks []task

	listen := func(addr string) (net.Listener, error) {
		lis, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		closers = append(closers, func() { _ = lis.Close() })
		return lis, nil
	}
	// dial connects to addr; the calls of a service carry its own
	// credential (as is nil for the gateway, which only passes the end
	// user's token on).
	dial := func(addr string, as *token.ServiceSigner) (*grpc.ClientConn, error) {
		opts := []grpc.DialOption{
			grpc.WithTransportCredentials(clientCreds),
			grpc.WithChainUnaryInterceptor(rpcserver.OutgoingRequestID, rpcserver.ForwardAuthorization),
			grpc.WithChainStreamInterceptor(rpcserver.ForwardAuthorizationStream),
		}
		if as != nil {
			opts = append(opts, grpc.WithPerRPCCredentials(rpcserver.ServiceCredentials{Signer: as}))
		}
		conn, err := grpc.NewClient(addr, opts...)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		closers = append(closers, func() { _ = conn.Close() })
		return conn, nil
	}

	// Listen first so that parts in one process can dial each other's real
	// addresses (port 0 resolves here).
	if cfg.IdentityAddr == "" && cfg.Has(Identity) {
		cfg.IdentityAddr = "127.0.0.1:0"
	}
	addrs := map[Part]*string{Timetable: &cfg.TimetableAddr, Staffing: &cfg.StaffingAddr, Billing: &cfg.BillingAddr, Identity: &cfg.IdentityAddr}
	listeners := map[Part]net.Listener{}
	for _, p := range services {
		if !cfg.Has(p) {
			continue
		}
		lis, err := listen(*addrs[p])
		if err != nil {
			return nil, err
		}
		listeners[p] = lis
		*addrs[p] = lis.Addr().String()
	}
	run.TimetableAddr, run.StaffingAddr, run.BillingAddr = cfg.TimetableAddr, cfg.StaffingAddr, cfg.BillingAddr
	if cfg.Has(Identity) {
		run.IdentityAddr = cfg.IdentityAddr
	}

	// Every service verifies tokens itself; identity also signs them.
	var keys *token.KeySet
	if len(listeners) > 0 {
		if keys, err = loadKeys(cfg.Auth, log); err != nil {
			return nil, err
		}
	}

	// Each service's calls to another carry its own service credential,
	// checked by the callee, beside the end user's token.
	var svcKeys *token.KeySet
	run.serviceSigners = map[Part]*token.ServiceSigner{}
	if len(listeners) > 0 {
		if svcKeys, err = loadServiceKeys(cfg, log); err != nil {
			return nil, err
		}
		for p := range listeners {
			if p == Timetable {
				continue // it calls no other service
			}
			if run.serviceSigners[p], err = token.NewServiceSigner(svcKeys, string(p), time.Now); err != nil {
				return nil, err
			}
		}
	}
	// Connections per caller: staffing's and billing's to timetable, billing's
	// to staffing, and the gateway's (no service credential) to all. A
	// callee in this process is reached in process when cfg.InProcess (its
	// server is built before its callers: services lists callees first).
	servers := map[Part]*rpcserver.Server{}
	connect := func(callee, caller Part) (grpc.ClientConnInterface, error) {
		if srv, ok := servers[callee]; ok && cfg.InProcess {
			return localConn(srv, run.serviceSigners[caller]), nil
		}
		return dial(*addrs[callee], run.serviceSigners[caller])
	}
	ttConns, stConns := map[Part]grpc.ClientConnInterface{}, map[Part]grpc.ClientConnInterface{}
	connectPeers := func(p Part) error {
		var err error
		if p != Timetable {
			if ttConns[p], err = connect(Timetable, p); err != nil {
				return err
			}
		}
		if p != Timetable && p != Staffing {
			if stConns[p], err = connect(Staffing, p); err != nil {
				return err
			}
		}
		return nil
	}
	var svcVerifier *token.ServiceVerifier
	if svcKeys != nil {
		svcVerifier = token.NewServiceVerifier(svcKeys, time.Now)
	}
	for _, p := range services {
		lis, ok := listeners[p]
		if !ok {
			continue
		}
		if err := connectPeers(p); err != nil {
			return nil, err
		}
		pool := pools[p]
		ready := func(ctx context.Context) error { return pool.Ping(ctx) }
		opts := rpcserver.Options{
			Service: string(p), Logger: log, Metrics: metrics,
			FaultInjection: cfg.FaultInjection, Ready: ready, Creds: serverCreds,
			AuditReads: auditedReads[p],
			AuditLog: func(ctx context.Context, ev audit.Event) error {
				return audit.Record(ctx, pool, string(p), ev)
			},
		}
		opts.Verifier = token.NewVerifier(keys, time.Now)
		opts.Services = svcVerifier
		opts.Policy, opts.Schools = authorization(p, pool, ttConns[p])
		opts.Unenforced = cfg.WithoutAuthorization
		// Timetable keeps terms' facts and staffing its grids in memory
		// while their change feed says they are current; a call that changes
		// data returns once the feed has caught up with it.
		var feed *changes.Feed
		if ch, ok := changesChannels[p]; ok {
			feed = changes.New(pool, ch, log)
			opts.AfterChange = feed.Sync
		}
		srv, err := rpcserver.New(opts)
		if err != nil {
			return nil, err
		}
		servers[p] = srv
		// The part's import jobs, failed as interrupted when it stops.
		var jobs *importjob.Runner
		switch p {
		case Timetable:
			jobs = timetable.Register(srv, pool, feed, log)
		case Staffing:
			jobs = staffing.Register(srv, pool, ttConns[p], feed, log)
		case Billing:
			jobs = billing.Register(srv, pool, ttConns[p], stConns[p], log, cfg.Billing)
		case Identity:
			feeds := identityapp.Config{Timetable: idtimetablefeed.New(ttConns[p]), Staffing: idstaffingfeed.New(stConns[p])}
			if err := startIdentity(ctx, srv, pool, keys, feeds, cfg.Auth, log, run); err != nil {
				return nil, err
			}
		}
		// Callers stop before what they call: billing calls staffing, both call timetable.
		stage := map[Part]int{Billing: 1, Identity: 1, Staffing: 2, Timetable: 3}[p]
		sctx := stages.ctx(stage)
		if feed != nil {
			tasks = append(tasks, task{stage, func() error { feed.Run(sctx); return nil }})
		}
		tasks = append(tasks, task{stage, func() error {
			err := srv.Serve(sctx, lis, cfg.ShutdownGrace)
			if jobs != nil { // before the pool closes
				jctx, cancel := context.WithTimeout(context.WithoutCancel(sctx), cfg.ShutdownGrace)
				defer cancel()
				if jerr := jobs.Shutdown(jctx); jerr != nil {
					log.Error("fail interrupted imports", "service", string(p), "err", jerr)
				}
			}
			return err
		}})
	}

	if cfg.Has(Gateway) {
		if err := connectPeers(Gateway); err != nil {
			return nil, err
		}
		blConn, err := connect(Billing, Gateway)
		if err != nil {
			return nil, err
		}
		backends := gateway.Backends{Timetable: ttConns[Gateway], Staffing: stConns[Gateway], Billing: blConn}
		if cfg.IdentityAddr != "" {
			if backends.Identity, err = connect(Identity, Gateway); err != nil {
				return nil, err
			}
		}
		h, err := gateway.New(ctx, gateway.Config{
			Backends:       backends,
			CORSOrigins:    cfg.CORSOrigins,
			FaultInjection: cfg.FaultInjection,
			Logger:         log,
			Registry:       reg,
			Limits:         cfg.HTTP.Gateway,
		})
		if err != nil {
			return nil, err
		}
		lis, err := listen(cfg.HTTPAddr)
		if err != nil {
			return nil, err
		}
		run.HTTPAddr = lis.Addr().String()
		hs := cfg.HTTP.server(h)
		if cfg.TLS.HTTPCertFile != "" {
			cert, err := tls.LoadX509KeyPair(cfg.TLS.HTTPCertFile, cfg.TLS.HTTPKeyFile)
			if err != nil {
				return nil, fmt.Errorf("tls: load gateway certificate: %w", err)
			}
			hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
			lis = tls.NewListener(lis, hs.TLSConfig)
		}
		gctx := stages.ctx(0)
		tasks = append(tasks, task{0, func() error { return serveHTTP(gctx, hs, lis, cfg.ShutdownGrace, log) }})
	}

	// Every part runs until ctx ends; the first failure stops the others.
	var wg sync.WaitGroup
	var once sync.Once
	for _, t := range tasks {
		wg.Add(1)
		stages.add(t.stage)
		go func() {
			defer wg.Done()
			defer stages.done(t.stage)
			if err := t.run(); err != nil {
				once.Do(func() { run.err = err })
				cancel()
			}
		}()
	}
	go stages.cascade()
	go func() {
		wg.Wait()
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		close(run.done)
	}()
	return run, nil
}

func serveHTTP(ctx context.Context, hs *http.Server, lis net.Listener, grace time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "service", "gateway", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
		log.Warn("grace period over, closing remaining requests", "service", "gateway")
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

type task struct {
	stage int
	run   func() error
}

// stages cancels stage i+1's context only after every task of stages 0..i
// has finished, once the parent context is done.
type stages struct {
	parent  context.Context
	ctxs    []context.Context
	cancels []context.CancelFunc
	wgs     []sync.WaitGroup
}

func newStages(parent context.Context, n int) *stages {
	s := &stages{parent: parent, wgs: make([]sync.WaitGroup, n)}
	for range n {
		c, cancel := context.WithCancel(context.WithoutCancel(parent))
		s.ctxs = append(s.ctxs, c)
		s.cancels = append(s.cancels, cancel)
	}
	return s
}

func (s *stages) ctx(i int) context.Context { return s.ctxs[i] }
func (s *stages) add(i int)                 { s.wgs[i].Add(1) }
func (s *stages) done(i int)                { s.wgs[i].Done() }

func (s *stages) cascade() {
	<-s.parent.Done()
	for i := range s.ctxs {
		s.cancels[i]()
		s.wgs[i].Wait()
	}
}

// localConn reaches srv in process with what dial adds to a network
// connection: the request id, the end user's token and, for a service, its
// own credential.
func localConn(srv *rpcserver.Server, as *token.ServiceSigner) grpc.ClientConnInterface {
	unary := []grpc.UnaryClientInterceptor{rpcserver.OutgoingRequestID, rpcserver.ForwardAuthorization}
	stream := []grpc.StreamClientInterceptor{rpcserver.ForwardAuthorizationStream}
	if as != nil {
		creds := grpc.PerRPCCredentials(rpcserver.ServiceCredentials{Signer: as})
		unary = append(unary, func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			return invoker(ctx, method, req, reply, cc, append(opts, creds)...)
		})
		stream = append(stream, func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			return streamer(ctx, desc, cc, method, append(opts, creds)...)
		})
	}
	return grpchan.InterceptClientConnStream(grpchan.InterceptClientConnUnary(srv.Local(), unary...), stream...)
}

// loadKeys reads the token keys. Without any configured it makes one
// ephemeral key for this process (tests, or a quick start without
// `make run`): tokens then do not survive a restart and parts in other
// processes cannot verify them, which the warning says.
func loadKeys(c AuthConfig, log *slog.Logger) (*token.KeySet, error) {
	if c.KeysDir == "" && c.KeysPEM == "" {
		pem, err := token.NewPrivateKeyPEM("ephemeral")
		if err != nil {
			return nil, err
		}
		log.Warn("no token keys configured: using an ephemeral key; tokens end with this process")
		return token.LoadKeys("", string(pem), "")
	}
	keys, err := token.LoadKeys(c.KeysDir, c.KeysPEM, c.SigningKeyID)
	if err != nil {
		return nil, fmt.Errorf("load token keys: %w", err)
	}
	log.Info("token keys loaded", "kids", fmt.Sprint(keys.KIDs()), "signing", keys.ActiveKID())
	return keys, nil
}

// loadServiceKeys loads the services' own keys; without any configured it
// makes ephemeral ones for the services run here, which only this process
// knows (fine for one process, refused by the others).
func loadServiceKeys(cfg Config, log *slog.Logger) (*token.KeySet, error) {
	c := cfg.Auth
	if c.ServiceKeysDir == "" && c.ServiceKeysPEM == "" {
		var pems []byte
		for _, p := range services {
			if !cfg.Has(p) {
				continue
			}
			pem, err := token.NewPrivateKeyPEM(string(p))
			if err != nil {
				return nil, err
			}
			pems = append(pems, pem...)
		}
		log.Warn("no service keys configured: using ephemeral ones; parts in other processes cannot verify them")
		return token.LoadKeys("", string(pems), "")
	}
	keys, err := token.LoadKeys(c.ServiceKeysDir, c.ServiceKeysPEM, "")
	if err != nil {
		return nil, fmt.Errorf("load service keys: %w", err)
	}
	log.Info("service keys loaded", "services", fmt.Sprint(keys.KIDs()))
	return keys, nil
}

// startIdentity registers identity on srv and creates the operator account
// on the first start.
func startIdentity(ctx context.Context, srv *rpcserver.Server, pool *pgxpool.Pool, keys *token.KeySet, feeds identityapp.Config, c AuthConfig, log *slog.Logger, run *Running) error {
	ttl := c.AccessTokenTTL
	if ttl == 0 {
		ttl = 15 * time.Minute
	}
	signer, err := token.NewSigner(keys, ttl, time.Now)
	if err != nil {
		return err
	}
	a, err := identity.Register(srv, pool, signer, identityapp.Config{Hashing: c.Hashing, Timetable: feeds.Timetable, Staffing: feeds.Staffing}, log)
	if err != nil {
		return err
	}
	run.SigningKeyID = keys.ActiveKID()
	run.MintToken = func(p auth.Principal) (string, error) {
		tok, _, err := signer.Sign(p)
		return tok, err
	}
	if c.OperatorUserName == "" || c.OperatorPassword == "" {
		return nil
	}
	created, err := a.EnsureOperator(ctx, c.OperatorUserName, c.OperatorPassword)
	if err != nil {
		return fmt.Errorf("create the operator account: %w", err)
	}
	run.OperatorCreated = created
	if created {
		log.Info("operator account created", "user_name", c.OperatorUserName)
	}
	return nil
}

// changesChannels are the parts that keep reads in memory under a change
// feed (services/platform/changes), with the channel their triggers notify.
var changesChannels = map[Part]string{Timetable: ttapp.ChangesChannel, Staffing: stapp.ChangesChannel}

// authorization is each service's policy and how it learns a school's
// district: timetable from its own directory, the others by asking
// timetable (with the caller's token), remembered per school.
// auditedReads are each service's bulk reads of personal data, recorded in
// its audit trail.
var auditedReads = map[Part]map[string]string{
	Timetable: ttrpc.AuditedReads, Staffing: strpc.AuditedReads, Billing: blrpc.AuditedReads, Identity: idrpc.AuditedReads,
}

func authorization(p Part, pool *pgxpool.Pool, ttConn grpc.ClientConnInterface) (authz.Policy, authz.Schools) {
	var schools authz.Schools
	if p == Timetable {
		schools = ttstore.New(pool).SchoolDistrict
	} else if ttConn != nil {
		tt, peer := timetablev1.NewTimetableServiceClient(ttConn), rpcclient.Peer{Name: "timetable", Timeout: 3 * time.Second}
		schools = func(ctx context.Context, id string) (string, error) {
			ctx, cancel := peer.Call(ctx)
			defer cancel()
			resp, err := tt.GetSchool(ctx, &timetablev1.GetSchoolRequest{SchoolId: id})
			if err != nil {
				return "", peer.Err(err, "school "+id)
			}
			return resp.GetSchool().GetDistrictId(), nil
		}
	} else {
		schools = func(context.Context, string) (string, error) { return "", fault.ErrUnavailable }
	}
	schools = authz.Cached(schools, 100_000)
	switch p {
	case Timetable:
		return ttrpc.Policy, schools
	case Staffing:
		return strpc.Policy, schools
	case Billing:
		return blrpc.Policy, schools
	}
	return idrpc.Policy, schools
}
