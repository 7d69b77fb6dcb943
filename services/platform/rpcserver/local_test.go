package rpcserver_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/auth/token"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// TestLocalRunsTheChain: a call in process meets the interceptors a network
// call meets — a bad token is refused, an injected panic is recovered — and
// both answer alike.
func TestLocalRunsTheChain(t *testing.T) {
	pemText, err := token.NewPrivateKeyPEM("k1")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.LoadKeys("", string(pemText), "k1")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := rpcserver.New(rpcserver.Options{Service: "test", FaultInjection: true, Verifier: token.NewVerifier(keys, time.Now)})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis, time.Second) }()
	t.Cleanup(func() { cancel(); <-done })
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })

	for name, cc := range map[string]grpc.ClientConnInterface{"network": conn, "in process": srv.Local()} {
		health := healthpb.NewHealthClient(cc)
		call := func(kv ...string) codes.Code {
			ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), kv...), 5*time.Second)
			defer cancel()
			_, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
			return status.Code(err)
		}
		if got := call(); got != codes.OK {
			t.Errorf("%s: plain call: %v", name, got)
		}
		if got := call(rpcserver.AuthorizationKey, "Bearer not-a-token"); got != codes.Unauthenticated {
			t.Errorf("%s: bad token: %v, want Unauthenticated", name, got)
		}
		if got := call(rpcserver.FaultKey, "panic"); got != codes.Internal {
			t.Errorf("%s: injected panic: %v, want Internal (recovered)", name, got)
		}
	}
}
