package timetable_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kehou/kehou/gateway"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/kehou/kehou/services/timetable"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// serveGRPC serves timetable, with the full interceptor chain, on a real
// loopback listener over a fresh migrated database and returns a client
// connection to it.
func serveGRPC(t *testing.T) *grpc.ClientConn {
	t.Helper()
	pool := pgtest.Pool(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := rpcserver.New(rpcserver.Options{Service: "timetable", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	timetable.Register(srv, pool, nil, log)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis, time.Second) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return conn
}

// httpEnv is the real gateway in front of a real timetable gRPC server on
// a real database: HTTP end to end, without the other services, so these
// tests depend on nothing but timetable.
type httpEnv struct {
	systemtest.Client
}

// startHTTP starts the gateway over serveGRPC. Staffing and billing routes
// are pointed at the same connection and unused here.
func startHTTP(t *testing.T) *httpEnv {
	t.Helper()
	conn := serveGRPC(t)
	h, err := gateway.New(context.Background(), gateway.Config{
		Backends: gateway.Backends{Timetable: conn, Staffing: conn, Billing: conn},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &httpEnv{Client: systemtest.Client{Base: srv.URL}}
}

// Short names for the shared JSON helpers of systemtest.
var (
	jGet  = systemtest.Get
	jStr  = systemtest.Str
	jDate = systemtest.Date
	jTime = systemtest.Time
)
