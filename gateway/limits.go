package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
)

// Limits are what the gateway allows one request and one client. A zero
// field means its default (the Default constants), except RatePerSecond,
// where zero turns rate limiting off: tests and the load command drive the
// gateway from one address far faster than people do. `kehou serve` turns
// it on by default.
type Limits struct {
	// MaxBodyBytes caps a request body; a larger one is refused with 413
	// without being read into memory.
	MaxBodyBytes int64
	// MaxUploadBytes caps the body of the routes in UploadRoutes.
	MaxUploadBytes int64
	// UploadRoutes are the routes that take uploads, as "METHOD
	// /path/template" of the OpenAPI document; only they get MaxUploadBytes.
	UploadRoutes []string
	// CallTimeout is the deadline of every API call. It travels with the
	// gRPC call, so the services (and the calls they make) stop at it too.
	CallTimeout time.Duration
	// RatePerSecond and RateBurst are each client address's token bucket:
	// RateBurst requests at once, refilled at RatePerSecond.
	RatePerSecond float64
	RateBurst     int
}

// Defaults of Limits, sized for a school district: a fee schedule or a
// class list is tens of kilobytes, so 1 MiB leaves room without letting a
// handful of requests fill the memory; a city's fee run takes under a
// minute end to end (docs/scaling.md), so two minutes lets it finish.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxUploadBytes = 16 << 20
	DefaultCallTimeout    = 2 * time.Minute
)

func (l Limits) withDefaults() Limits {
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxUploadBytes <= 0 {
		l.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if l.CallTimeout <= 0 {
		l.CallTimeout = DefaultCallTimeout
	}
	if l.RatePerSecond > 0 && l.RateBurst <= 0 {
		l.RateBurst = max(1, int(math.Ceil(l.RatePerSecond)))
	}
	return l
}

// errorJSON marshals the one error shape, google.rpc.Status as JSON, with
// the options the gateway's own error handler uses.
var errorJSON = protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}

// writeError answers with httpStatus and {"code", "message", "details"},
// for the refusals made before a request reaches the route's handler.
func writeError(w http.ResponseWriter, httpStatus int, code codes.Code, msg string) {
	buf, err := errorJSON.Marshal(&spb.Status{Code: int32(code), Message: msg})
	if err != nil { // two scalars always marshal; keep the shape regardless
		buf = []byte(`{"code":13,"message":"internal error","details":[]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_, _ = w.Write(buf)
}

// route is one path template of the OpenAPI document with its methods.
type route struct {
	template string
	re       *regexp.Regexp
	methods  []string
}

// routeTable is the API's routes, read from the OpenAPI document: it says
// which methods a path has (405's Allow) and which routes take uploads.
type routeTable []route

var templateParam = regexp.MustCompile(`\{[^}]+\}`)

// templateRegexp turns "/v1/schools/{school_id}/runs/{run_id}:verify" into
// a regexp over request paths; a parameter is one path segment.
func templateRegexp(t string) *regexp.Regexp {
	parts := templateParam.Split(t, -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, "[^/]+") + "$")
}

// newRouteTable reads the paths of an OpenAPI v2 document. Templates that
// differ only in their parameters' names are one route.
func newRouteTable(openapi []byte) (routeTable, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapi, &doc); err != nil {
		return nil, fmt.Errorf("read openapi paths: %w", err)
	}
	byShape := map[string]*route{}
	for t, ops := range doc.Paths {
		shape := templateParam.ReplaceAllString(t, "{}")
		r := byShape[shape]
		if r == nil {
			r = &route{template: t, re: templateRegexp(t)}
			byShape[shape] = r
		}
		for m := range ops {
			r.methods = append(r.methods, strings.ToUpper(m))
		}
	}
	var out routeTable
	for _, r := range byShape {
		slices.Sort(r.methods)
		r.methods = slices.Compact(r.methods)
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b route) int { return strings.Compare(a.template, b.template) })
	return out, nil
}

// allowed returns the methods of every route matching path.
func (t routeTable) allowed(path string) []string {
	var ms []string
	for _, r := range t {
		if r.re.MatchString(path) {
			ms = append(ms, r.methods...)
		}
	}
	slices.Sort(ms)
	return slices.Compact(ms)
}

// matches reports whether method and path hit one of the "METHOD /template" specs.
func matches(specs []*regexp.Regexp, methods []string, method, path string) bool {
	for i, re := range specs {
		if methods[i] == method && re.MatchString(path) {
			return true
		}
	}
	return false
}

// bodyState records, for one request, that its body hit the size limit,
// so the error handler answers 413 instead of the decoder's 400.
type bodyState struct {
	limit    int64
	exceeded bool
}

type bodyStateKey struct{}

// limitedBody marks the request's bodyState when the limit is hit.
type limitedBody struct {
	io.ReadCloser
	state *bodyState
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		b.state.exceeded = true
	}
	return n, err
}

func tooLargeMessage(limit int64) string {
	return fmt.Sprintf("request body is larger than the limit of %d bytes", limit)
}

// hasBody reports whether a request carries a body: a length above zero,
// or chunked encoding (length unknown).
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// strictRequests refuses, in the one error shape, a body larger than its
// route's limit (413, before reading it when its length is declared) and a
// body that is not declared as JSON (415); it caps the rest at the limit
// and gives every call its deadline.
func strictRequests(l Limits, uploads []*regexp.Regexp, uploadMethods []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := l.MaxBodyBytes
		if matches(uploads, uploadMethods, r.Method, r.URL.Path) {
			limit = l.MaxUploadBytes
		}
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close") // do not read the rest to keep the connection
			writeError(w, http.StatusRequestEntityTooLarge, codes.InvalidArgument, tooLargeMessage(limit))
			return
		}
		// The import routes' bodies are the spreadsheet itself, not JSON.
		if hasBody(r) && strings.HasPrefix(r.URL.Path, "/v1/") && !(r.Method == http.MethodPost && (r.URL.Path == "/v1/imports" || r.URL.Path == "/v1/billing/imports")) {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
				writeError(w, http.StatusUnsupportedMediaType, codes.InvalidArgument,
					"request body must be JSON, sent with Content-Type: application/json")
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), l.CallTimeout)
		defer cancel()
		st := &bodyState{limit: limit}
		ctx = context.WithValue(ctx, bodyStateKey{}, st)
		r = r.WithContext(ctx)
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), state: st}
		}
		next.ServeHTTP(w, r)
	})
}

// errorHandler is the mux's error handler: the default one (the one error
// shape), except that a body cut at the size limit answers 413.
func errorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if st, ok := r.Context().Value(bodyStateKey{}).(*bodyState); ok && st.exceeded {
		err = &runtime.HTTPStatusError{HTTPStatus: http.StatusRequestEntityTooLarge,
			Err: status.Error(codes.InvalidArgument, tooLargeMessage(st.limit))}
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

// routingErrorHandler answers a method a route does not have with 405 and
// the route's Allow header, in the one error shape (the default says 501).
func (t routeTable) routingErrorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	if httpStatus != http.StatusMethodNotAllowed {
		runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, httpStatus)
		return
	}
	allow := t.allowed(r.URL.Path)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	errorHandler(ctx, mux, m, w, r, &runtime.HTTPStatusError{HTTPStatus: http.StatusMethodNotAllowed,
		Err: status.Error(codes.Unimplemented, fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))})
}

// rateLimiter is a token bucket per client address. Buckets refilled to
// full are dropped by a sweep, so the map holds only recent clients.
type rateLimiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	return &rateLimiter{rate: perSecond, burst: float64(burst), now: time.Now, buckets: map[string]*bucket{}}
}

// take spends a token of addr, or says how long until one is there.
func (l *rateLimiter) take(addr string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[addr]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[addr] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// clientAddr is the request's peer address without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateLimit answers 429 with Retry-After (whole seconds, rounded up) to a
// client address over its rate. Health and readiness probes are not counted.
func (l *rateLimiter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		ok, wait := l.take(clientAddr(r))
		if !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
			writeError(w, http.StatusTooManyRequests, codes.ResourceExhausted,
				fmt.Sprintf("too many requests from %s: at most %g a second; retry after %d s", clientAddr(r), l.rate, max(1, secs)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
