package rpcserver_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	"github.com/kehou/kehou/services/platform/auth/token"
	"github.com/kehou/kehou/services/platform/authz"
	"github.com/kehou/kehou/services/platform/rpcserver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// TestLocalRunsTheChain: a call in process meets the interceptors a network
// call meets — a bad token is refused, an injected panic is recovered — and
// both answer alike.
func TestLocalRunsTheChain(t *testing.T) {
	keys := testKeys(t)
	srv, err := rpcserver.New(rpcserver.Options{Service: "test", FaultInjection: true, Verifier: token.NewVerifier(keys, time.Now)})
	if err != nil {
		t.Fatal(err)
	}
	conn := serve(t, srv)

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

// statementsServer answers ListStudentStatements with a nested answer and
// records what its handler saw.
type statementsServer struct {
	billingv1.UnimplementedBillingServiceServer
	seen chan seenCall
}

type seenCall struct {
	incoming, outgoing metadata.MD
	value              any
	peer               string
}

type ctxKey struct{}

func (s *statementsServer) ListStudentStatements(ctx context.Context, req *billingv1.ListStudentStatementsRequest) (*billingv1.ListStudentStatementsResponse, error) {
	in, _ := metadata.FromIncomingContext(ctx)
	out, _ := metadata.FromOutgoingContext(ctx)
	p, _ := peer.FromContext(ctx)
	s.seen <- seenCall{incoming: in, outgoing: out, value: ctx.Value(ctxKey{}), peer: p.Addr.String()}
	switch req.StudentId {
	case "cancelled":
		<-ctx.Done()
		return nil, ctx.Err()
	case "plain-error":
		return nil, errors.New("a plain error")
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs("x-header", "h1"))
	_ = grpc.SetTrailer(ctx, metadata.Pairs("x-trailer", "t1"))
	req.StudentId = "changed by the handler"
	line := &billingv1.StatementLine{LineNo: 1, Name: "课后服务费"}
	return &billingv1.ListStudentStatementsResponse{
		Statements:  []*billingv1.Statement{{StatementId: "st-1", Lines: []*billingv1.StatementLine{line}}, {StatementId: "st-2"}},
		ParentTotal: &commonv1.Money{Amount: "300.00"},
	}, nil
}

// TestLocalAnswersAsTheNetworkDoes: an in-process unary call gives the
// caller what a network call gives — the same answer, headers and trailers,
// error codes — and the handler what a network call gives it: the caller's
// metadata and credentials as incoming metadata, no outgoing metadata and
// none of the caller's context values, and a request of its own.
func TestLocalAnswersAsTheNetworkDoes(t *testing.T) {
	srv, err := rpcserver.New(rpcserver.Options{Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	impl := &statementsServer{seen: make(chan seenCall, 1)}
	srv.RegisterService(&billingv1.BillingService_ServiceDesc, impl)
	conn := serve(t, srv)

	type answer struct {
		resp             *billingv1.ListStudentStatementsResponse
		header, trailer  metadata.MD
		code             codes.Code
		seen             seenCall
		requestAfterCall string
	}
	calls := func(cc grpc.ClientConnInterface, student string, ctx context.Context) answer {
		ctx = context.WithValue(metadata.AppendToOutgoingContext(ctx, "x-from-caller", "c1"), ctxKey{}, "caller's value")
		req := &billingv1.ListStudentStatementsRequest{SchoolId: "s", StudentId: student, TermId: "t"}
		var a answer
		var err error
		a.resp, err = billingv1.NewBillingServiceClient(cc).ListStudentStatements(ctx, req,
			grpc.Header(&a.header), grpc.Trailer(&a.trailer), grpc.PerRPCCredentials(staticCreds{"x-kehou-service": "svc"}))
		a.code = status.Code(err)
		a.seen = <-impl.seen
		a.requestAfterCall = req.StudentId
		return a
	}
	network := calls(conn, "st", context.Background())
	if network.code != codes.OK {
		t.Fatalf("network call: %v", network.code)
	}
	inproc := calls(srv.Local(), "st", context.Background())
	if inproc.code != codes.OK {
		t.Fatalf("in-process call: %v", inproc.code)
	}
	if !proto.Equal(inproc.resp, network.resp) || len(inproc.resp.Statements[0].Lines) != 1 {
		t.Errorf("in process answered %v, the network %v", inproc.resp, network.resp)
	}
	for _, k := range []string{"x-header"} {
		if got, want := inproc.header.Get(k), network.header.Get(k); len(got) != 1 || got[0] != want[0] {
			t.Errorf("header %s: in process %v, network %v", k, got, want)
		}
	}
	if got, want := inproc.trailer.Get("x-trailer"), network.trailer.Get("x-trailer"); len(got) != 1 || got[0] != want[0] {
		t.Errorf("trailer: in process %v, network %v", got, want)
	}
	for name, a := range map[string]answer{"network": network, "in process": inproc} {
		if v := a.seen.incoming.Get("x-from-caller"); len(v) != 1 || v[0] != "c1" {
			t.Errorf("%s: the handler saw caller metadata %v", name, v)
		}
		if v := a.seen.incoming.Get("x-kehou-service"); len(v) != 1 || v[0] != "svc" {
			t.Errorf("%s: the handler saw per-call credentials %v", name, v)
		}
		if len(a.seen.outgoing) != 0 || a.seen.value != nil {
			t.Errorf("%s: the caller's context leaked into the handler's: outgoing %v, value %v", name, a.seen.outgoing, a.seen.value)
		}
		if a.requestAfterCall != "st" {
			t.Errorf("%s: the handler's change to its request reached the caller's: %q", name, a.requestAfterCall)
		}
	}
	if inproc.seen.peer != "inproc" {
		t.Errorf("in-process peer %q, want inproc", inproc.seen.peer)
	}

	if got := calls(srv.Local(), "plain-error", context.Background()).code; got != codes.Unknown {
		t.Errorf("plain error in process: %v, want Unknown as over the network", got)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, ccancel)
	if got := calls(srv.Local(), "cancelled", cctx).code; got != codes.Canceled {
		t.Errorf("cancelled call in process: %v, want Canceled", got)
	}
	err = srv.Local().Invoke(context.Background(), "/kehou.billing.v1.BillingService/NoSuchMethod", &billingv1.ListStudentStatementsRequest{}, &billingv1.ListStudentStatementsResponse{})
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("unknown method in process: %v, want Unimplemented", err)
	}
}

// staticCreds are per-call credentials of fixed metadata.
type staticCreds map[string]string

func (c staticCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return c, nil
}

func (staticCreds) RequireTransportSecurity() bool { return false }

// TestUnenforcedChecksNothing: with Unenforced a server keeps its policy
// (for the audit's write classification) but refuses no token and no caller,
// which the same server enforcing it does.
func TestUnenforcedChecksNothing(t *testing.T) {
	keys := testKeys(t)
	policy := authz.Policy{"/grpc.health.v1.Health/Check": {Write: true}}
	for _, unenforced := range []bool{false, true} {
		srv, err := rpcserver.New(rpcserver.Options{Service: "test", Verifier: token.NewVerifier(keys, time.Now), Policy: policy,
			Schools: func(context.Context, string) (string, error) { return "", nil }, Unenforced: unenforced})
		if err != nil {
			t.Fatal(err)
		}
		ctx := metadata.AppendToOutgoingContext(context.Background(), rpcserver.AuthorizationKey, "Bearer not-a-token")
		_, err = healthpb.NewHealthClient(srv.Local()).Check(ctx, &healthpb.HealthCheckRequest{})
		if got, want := status.Code(err), map[bool]codes.Code{false: codes.Unauthenticated, true: codes.OK}[unenforced]; got != want {
			t.Errorf("unenforced %v, bad token: %v, want %v", unenforced, got, want)
		}
	}
}

// testKeys is a key set of one fresh signing key.
func testKeys(t *testing.T) *token.KeySet {
	t.Helper()
	pemText, err := token.NewPrivateKeyPEM("k1")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.LoadKeys("", string(pemText), "k1")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// serve serves srv on a loopback port for the test's life and returns a
// network connection to it.
func serve(t *testing.T, srv *rpcserver.Server) *grpc.ClientConn {
	t.Helper()
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
	return conn
}
