// Package rpcserver builds the gRPC server every service runs: one
// interceptor chain (request id, logging, metrics, panic recovery, fault
// injection for tests, token verification, authorization, the audit
// caller, validation), plus health, reflection and a bounded graceful shutdown.
package rpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"buf.build/go/protovalidate"
	"github.com/fullstorydev/grpchan/inprocgrpc"
	"github.com/kehou/kehou/services/platform/audit"
	"github.com/kehou/kehou/services/platform/auth/token"
	"github.com/kehou/kehou/services/platform/authz"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
)

// Options configures a service's gRPC server.
type Options struct {
	// Service names the service in logs and metrics, e.g. "timetable".
	Service string
	// Logger receives one line per call.
	Logger *slog.Logger
	// Metrics is the registry the call metrics are registered in; nil skips metrics.
	Metrics *Metrics
	// FaultInjection honours the x-kehou-fault header (tests only).
	FaultInjection bool
	// Verifier checks the bearer token of each call and puts the verified
	// caller in its context (auth.FromContext); a bad token is refused with
	// Unauthenticated. Nil serves every call as anonymous.
	Verifier *token.Verifier
	// Services checks the calling service's credential (ServiceKey) when a
	// call carries one and puts the service in its context (auth.ServiceFrom);
	// a bad one is refused with Unauthenticated. Nil ignores the credential.
	Services *token.ServiceVerifier
	// Policy says who may call each method (with Verifier); every method
	// registered must have a rule or Serve refuses to start.
	Policy authz.Policy
	// Schools resolves a school's district for Policy's scope checks.
	Schools authz.Schools
	// Unenforced checks no token and no rule: Policy then only says which
	// methods write (for the audit's caller, see mutating). Only kehouload
	// sets it, to measure what authorization costs with everything else
	// (the audit above all) doing the same work.
	Unenforced bool
	// Ready reports whether the service's dependencies (its database) are
	// reachable; the health service answers NOT_SERVING when it fails.
	Ready func(context.Context) error
	// AuditReads names the methods that read personal data in bulk
	// (rosters, account lists, exports) with the object kind the audit
	// trail records them as; each such call is recorded through AuditLog
	// before it is served.
	AuditReads map[string]string
	// AuditLog writes an audit event to the service's audit_log
	// (audit.Record with its pool and schema).
	AuditLog func(context.Context, audit.Event) error
	// AfterChange, if set, is called when a call that may change data has
	// returned and before its answer is sent (changes.Feed.Sync for a
	// service that keeps reads in memory), so the caller's next read sees
	// what the call committed.
	AfterChange func(context.Context)
	// Creds are the listener's transport credentials (TLS between hosts);
	// nil serves plaintext, for one host or a private network.
	Creds credentials.TransportCredentials
}

// Server is a gRPC server with its health service, and the same service
// reachable in process (Local) for callers in the same binary.
type Server struct {
	*grpc.Server
	opts  Options
	local *local
}

// New builds the server with the full interceptor chain. Register the
// service's handlers on the returned server before Serve.
func New(opts Options) (*Server, error) {
	if opts.Service == "" {
		return nil, errors.New("rpcserver: service name is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	validator, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("build validator: %w", err)
	}
	chain := []grpc.UnaryServerInterceptor{
		requestIDUnary,
		logUnary(opts.Logger, opts.Service),
	}
	if opts.Metrics != nil {
		chain = append(chain, opts.Metrics.unary(opts.Service))
	}
	chain = append(chain, recoverUnary(opts.Logger))
	if opts.FaultInjection {
		chain = append(chain, faultUnary)
	}
	if opts.Verifier != nil && !opts.Unenforced {
		chain = append(chain, authUnary(opts.Verifier, opts.Services))
	}
	if opts.Policy != nil && !opts.Unenforced {
		if opts.Verifier == nil || opts.Schools == nil {
			return nil, errors.New("rpcserver: a policy needs a verifier and a school resolver")
		}
		chain = append(chain, authz.Unary(opts.Policy, opts.Schools))
	}
	chain = append(chain, validateUnary(validator), auditUnary(opts))
	if opts.AfterChange != nil {
		chain = append(chain, settleUnary(opts.Policy, opts.AfterChange))
	}
	streamChain := []grpc.StreamServerInterceptor{
		requestIDStream,
		logStream(opts.Logger, opts.Service),
		recoverStream(opts.Logger),
	}
	if opts.Verifier != nil && !opts.Unenforced {
		streamChain = append(streamChain, authStream(opts.Verifier, opts.Services))
	}
	if opts.Policy != nil && !opts.Unenforced {
		streamChain = append(streamChain, authz.Stream(opts.Policy, opts.Schools))
	}
	streamChain = append(streamChain, validateStream(validator), auditStream(opts))
	if opts.AfterChange != nil {
		streamChain = append(streamChain, settleStream(opts.Policy, opts.AfterChange))
	}
	serverOpts := []grpc.ServerOption{grpc.ChainUnaryInterceptor(chain...), grpc.ChainStreamInterceptor(streamChain...)}
	if opts.Creds != nil {
		serverOpts = append(serverOpts, grpc.Creds(opts.Creds))
	}
	gs := grpc.NewServer(serverOpts...)
	local := &local{unary: map[string]localMethod{}, chain: chainUnary(chain),
		streams: (&inprocgrpc.Channel{}).WithServerStreamInterceptor(chainStream(streamChain))}
	s := &Server{Server: gs, opts: opts, local: local}
	healthpb.RegisterHealthServer(s, &healthServer{Server: health.NewServer(), ready: opts.Ready})
	reflection.Register(gs)
	return s, nil
}

// RegisterService registers a service's handlers on the network server and
// on the in-process channel, so both answer the same calls.
func (s *Server) RegisterService(desc *grpc.ServiceDesc, impl any) {
	s.Server.RegisterService(desc, impl)
	s.local.register(desc, impl)
}

// Local is the service as a connection for callers in the same process: a
// call runs the very interceptor chain a network call runs (token
// verification, authorization, audit, validation) without encoding the
// messages or crossing a socket. The caller's metadata and per-call
// credentials arrive as they would over the network; the peer address is
// "inproc". See local.Invoke for what is copied and what is shared.
func (s *Server) Local() grpc.ClientConnInterface { return s.local }

// chainUnary folds the interceptors into one, outermost first, as
// grpc.ChainUnaryInterceptor does for the network server.
func chainUnary(ints []grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		var next func(i int) grpc.UnaryHandler
		next = func(i int) grpc.UnaryHandler {
			if i == len(ints) {
				return handler
			}
			return func(ctx context.Context, req any) (any, error) { return ints[i](ctx, req, info, next(i+1)) }
		}
		return next(0)(ctx, req)
	}
}

// chainStream is chainUnary for streaming calls.
func chainStream(ints []grpc.StreamServerInterceptor) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		var next func(i int) grpc.StreamHandler
		next = func(i int) grpc.StreamHandler {
			if i == len(ints) {
				return handler
			}
			return func(srv any, ss grpc.ServerStream) error { return ints[i](srv, ss, info, next(i+1)) }
		}
		return next(0)(srv, ss)
	}
}

// Serve serves on lis until ctx is cancelled, then stops gracefully: calls
// in flight get up to grace to finish before the rest are cut off. It
// returns nil after a shutdown asked for by ctx.
func (s *Server) Serve(ctx context.Context, lis net.Listener, grace time.Duration) error {
	if s.opts.Policy != nil {
		if missing := authz.Missing(s.opts.Policy, s.GetServiceInfo()); len(missing) > 0 {
			return fmt.Errorf("serve %s: methods without an authorization rule: %v", s.opts.Service, missing)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Server.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", s.opts.Service, err)
	case <-ctx.Done():
	}
	s.opts.Logger.Info("shutting down", "service", s.opts.Service, "grace", grace.String())
	done := make(chan struct{})
	go func() {
		s.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		s.opts.Logger.Warn("grace period over, closing remaining calls", "service", s.opts.Service)
		s.Stop()
		<-done
	}
	<-errc
	return nil
}

// healthServer answers Check by asking Ready, so /readyz sees a service
// whose database is down as not ready.
type healthServer struct {
	*health.Server
	ready func(context.Context) error
}

// Check reports SERVING only when the service's dependencies answer.
func (h *healthServer) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if h.ready != nil {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := h.ready(ctx); err != nil {
			return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_NOT_SERVING}, nil
		}
	}
	return h.Server.Check(ctx, req)
}

// Metrics counts calls and their latency by service, method and code.
type Metrics struct {
	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// NewMetrics registers the call metrics in reg. One Metrics serves every
// service of a process; the service label tells them apart.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kehou_grpc_server_calls_total",
			Help: "gRPC calls handled, by service, method and status code.",
		}, []string{"service", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kehou_grpc_server_duration_seconds",
			Help:    "gRPC call latency, by service and method.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
		}, []string{"service", "method"}),
	}
	for _, c := range []prometheus.Collector{m.calls, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}
