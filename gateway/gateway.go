// Package gateway is the thin HTTP front: REST/JSON routes translated to
// gRPC calls on the services over real connections (so every service
// interceptor runs), one JSON error shape, health and readiness, metrics,
// the OpenAPI document, request ids, access logs and CORS, and the web
// pages (package web) at /. No business rules live here.
package gateway

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/kehou/kehou/gateway/web"
	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	identityv1 "github.com/kehou/kehou/proto/gen/kehou/identity/v1"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/encoding/protojson"
)

//go:embed openapi/kehou.swagger.json
var openapiFS embed.FS

// OpenAPIPath is the stable URL of the OpenAPI document.
const OpenAPIPath = "/openapi.json"

// Backends are the gRPC connections to the services. Identity may be nil
// (a gateway started without it serves no sign-in routes).
type Backends struct {
	Timetable grpc.ClientConnInterface
	Staffing  grpc.ClientConnInterface
	Billing   grpc.ClientConnInterface
	Identity  grpc.ClientConnInterface
}

// Config configures the gateway.
type Config struct {
	Backends Backends
	// CORSOrigins lists the browser origins allowed to call the API.
	CORSOrigins []string
	// FaultInjection forwards the x-kehou-fault header (tests only).
	FaultInjection bool
	Logger         *slog.Logger
	// Registry is where HTTP metrics are registered and what /metrics serves.
	Registry *prometheus.Registry
	// Limits bound request bodies, call durations and each client's rate.
	Limits Limits
}

// New builds the gateway's handler.
func New(ctx context.Context, cfg Config) (http.Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		return nil, errors.New("gateway: a metrics registry is required")
	}
	limits := cfg.Limits.withDefaults()
	openapi, err := openapiFS.ReadFile("openapi/kehou.swagger.json")
	if err != nil {
		return nil, fmt.Errorf("read openapi document: %w", err)
	}
	table, err := newRouteTable(openapi)
	if err != nil {
		return nil, err
	}
	var uploads []*regexp.Regexp
	var uploadMethods []string
	for _, spec := range append([]string{ImportRoute, BillingImportRoute}, limits.UploadRoutes...) {
		method, tmpl, ok := strings.Cut(strings.TrimSpace(spec), " ")
		if !ok || !strings.HasPrefix(tmpl, "/") {
			return nil, fmt.Errorf("gateway: upload route %q must be \"METHOD /path/template\"", spec)
		}
		uploads, uploadMethods = append(uploads, templateRegexp(tmpl)), append(uploadMethods, strings.ToUpper(method))
	}
	forwarded := map[string]bool{rpcserver.RequestIDKey: true}
	if cfg.FaultInjection {
		forwarded[rpcserver.FaultKey] = true
	}
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, fieldNamingJSONPb{&runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
		runtime.WithIncomingHeaderMatcher(func(key string) (string, bool) {
			k := strings.ToLower(key)
			if forwarded[k] {
				return k, true
			}
			return runtime.DefaultHeaderMatcher(key)
		}),
		// One error shape, google.rpc.Status as JSON: {"code", "message",
		// "details"}; a body over its limit answers 413 and a method a
		// route lacks 405 with Allow, both in that shape.
		runtime.WithErrorHandler(errorHandler),
		runtime.WithRoutingErrorHandler(table.routingErrorHandler),
		// A unary answer is written whole, so it says its length: one
		// write with its header instead of chunked encoding past 2 KB.
		runtime.WithWriteContentLength(),
	)
	b := cfg.Backends
	tt := timetablev1.NewTimetableServiceClient(b.Timetable)
	if err := timetablev1.RegisterTimetableServiceHandlerClient(ctx, mux, tt); err != nil {
		return nil, fmt.Errorf("register timetable routes: %w", err)
	}
	st := staffingv1.NewStaffingServiceClient(b.Staffing)
	if err := staffingv1.RegisterStaffingServiceHandlerClient(ctx, mux, st); err != nil {
		return nil, fmt.Errorf("register staffing routes: %w", err)
	}
	if err := billingv1.RegisterBillingServiceHandlerClient(ctx, mux, billingv1.NewBillingServiceClient(b.Billing)); err != nil {
		return nil, fmt.Errorf("register billing routes: %w", err)
	}
	if err := billingFileRoutes(mux, billingv1.NewBillingServiceClient(b.Billing)); err != nil {
		return nil, fmt.Errorf("register billing file routes: %w", err)
	}
	if err := billingv1.RegisterRemunerationServiceHandlerClient(ctx, mux, billingv1.NewRemunerationServiceClient(b.Billing)); err != nil {
		return nil, fmt.Errorf("register remuneration routes: %w", err)
	}
	if err := billingv1.RegisterPaymentServiceHandlerClient(ctx, mux, billingv1.NewPaymentServiceClient(b.Billing)); err != nil {
		return nil, fmt.Errorf("register payment routes: %w", err)
	}
	if err := billingv1.RegisterReconciliationServiceHandlerClient(ctx, mux, billingv1.NewReconciliationServiceClient(b.Billing)); err != nil {
		return nil, fmt.Errorf("register reconciliation routes: %w", err)
	}
	// Imports and exports route by kind (importKinds) or job id to the
	// owning service, over the generated and billing's routes of the same
	// patterns: registered last, so these win.
	bc := billingv1.NewBillingServiceClient(b.Billing)
	if err := fileRoutes(mux, tt, st, bc); err != nil {
		return nil, fmt.Errorf("register file routes: %w", err)
	}
	if err := importRoutes(mux, map[string]importer{"timetable": timetableImporter(tt), "staffing": staffingImporter(st),
		"billing": billingImporter(bc)}); err != nil {
		return nil, fmt.Errorf("register import routes: %w", err)
	}
	// The export routes (file downloads) are served by handleDownloads.
	backends := map[string]grpc.ClientConnInterface{"timetable": b.Timetable, "staffing": b.Staffing, "billing": b.Billing}
	if b.Identity != nil {
		if err := identityv1.RegisterIdentityServiceHandlerClient(ctx, mux, identityv1.NewIdentityServiceClient(b.Identity)); err != nil {
			return nil, fmt.Errorf("register identity routes: %w", err)
		}
		backends["identity"] = b.Identity
	}

	m, err := newHTTPMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}

	root := http.NewServeMux()
	// The web pages: index at / only (every other path is the API's), assets under /web/.
	pages := web.Handler()
	root.Handle("GET /{$}", pages)
	root.Handle("GET "+web.AssetPrefix, pages)
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	root.Handle("GET /readyz", readiness(backends))
	root.Handle("GET /metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))
	root.HandleFunc("GET "+OpenAPIPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi)
	})
	handleDownloads(root, mux, b.Billing)
	root.Handle("/", mux)

	var h http.Handler = root
	h = strictRequests(limits, uploads, uploadMethods, h)
	if limits.RatePerSecond > 0 {
		h = newRateLimiter(limits.RatePerSecond, limits.RateBurst).middleware(h)
	}
	h = cors(cfg.CORSOrigins, h)
	h = m.middleware(h)
	h = accessLog(cfg.Logger, h)
	h = requestID(h)
	return h, nil
}

func readiness(backends map[string]grpc.ClientConnInterface) http.Handler {
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	slices.Sort(names)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		result := map[string]string{}
		ready := true
		for _, n := range names {
			resp, err := healthpb.NewHealthClient(backends[n]).Check(ctx, &healthpb.HealthCheckRequest{})
			switch {
			case err != nil:
				result[n] = "unreachable"
				ready = false
			case resp.GetStatus() != healthpb.HealthCheckResponse_SERVING:
				result[n] = "not serving (database unreachable)"
				ready = false
			default:
				result[n] = "ok"
			}
		}
		code, st := http.StatusOK, "ready"
		if !ready {
			code, st = http.StatusServiceUnavailable, "not ready"
		}
		writeJSON(w, code, map[string]any{"status": st, "services": result})
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// requestID gives every request an id (keeping a sane one the client sent)
// and echoes it, so one id ties the access log to every service's log.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = rpcserver.NewRequestID()
			r.Header.Set("X-Request-Id", id)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.LogAttrs(r.Context(), slog.LevelInfo, "http request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.code),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", r.Header.Get("X-Request-Id")))
	})
}

// cors answers browsers from the allow-list only; other origins get no
// CORS headers, so their browsers refuse the response.
func cors(origins []string, next http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && (allowed[origin] || allowed["*"]) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "X-Request-Id")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Request-Id")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kehou_http_requests_total",
			Help: "HTTP requests served by the gateway, by method and status.",
		}, []string{"method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kehou_http_request_duration_seconds",
			Help:    "HTTP request latency at the gateway, by method.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
		}, []string{"method"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register http metrics: %w", err)
		}
	}
	return m, nil
}

func (m *httpMetrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		m.requests.WithLabelValues(r.Method, fmt.Sprint(rec.code)).Inc()
		m.latency.WithLabelValues(r.Method).Observe(time.Since(start).Seconds())
	})
}
