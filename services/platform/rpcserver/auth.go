package rpcserver

import (
	"context"
	"strings"

	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/auth/token"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// AuthorizationKey is the gRPC metadata key of the bearer token; the
// gateway copies the HTTP Authorization header into it.
const AuthorizationKey = "authorization"

// ServiceKey is the gRPC metadata key of the calling service's own
// credential (a service token), sent beside the end user's token.
const ServiceKey = "x-kehou-service"

// errUnauthenticated is the one status a bad token gets.
var errUnauthenticated = status.Error(codes.Unauthenticated, token.ErrBadToken.Error())

// errBadService is the status of a bad service credential.
var errBadService = status.Error(codes.Unauthenticated, token.ErrBadServiceToken.Error())

// authenticateService verifies the calling service's credential when one
// came with the call; a bad one is refused, never ignored.
func authenticateService(ctx context.Context, sv *token.ServiceVerifier) (context.Context, error) {
	if sv == nil {
		return ctx, nil
	}
	vals := metadata.ValueFromIncomingContext(ctx, ServiceKey)
	if len(vals) == 0 {
		return ctx, nil
	}
	if len(vals) > 1 {
		return nil, errBadService
	}
	name, err := sv.Verify(vals[0])
	if err != nil {
		return nil, errBadService
	}
	return auth.WithService(ctx, name), nil
}

// ServiceCredentials are the per-call credentials of a service's client
// connections: every call carries the service's own token (ServiceKey).
type ServiceCredentials struct{ Signer *token.ServiceSigner }

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (c ServiceCredentials) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	tok, err := c.Signer.Token()
	if err != nil {
		return nil, err
	}
	return map[string]string{ServiceKey: tok}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials: the
// parts may talk plaintext on one host or a private network.
func (ServiceCredentials) RequireTransportSecurity() bool { return false }

// authenticate verifies the bearer token of an incoming call. A call
// without one is anonymous (each method decides whether that is enough);
// a call with a bad one is refused outright, never served as anonymous.
func authenticate(ctx context.Context, v *token.Verifier) (context.Context, error) {
	vals := metadata.ValueFromIncomingContext(ctx, AuthorizationKey)
	if len(vals) == 0 {
		return ctx, nil
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	if len(vals) > 1 || !ok || !strings.EqualFold(scheme, "bearer") || tok == "" {
		return nil, errUnauthenticated
	}
	p, err := v.Verify(strings.TrimSpace(tok))
	if err != nil {
		return nil, errUnauthenticated
	}
	return auth.WithPrincipal(ctx, p), nil
}

// authUnary puts the verified caller of each unary call in
// its context (see auth.FromContext).
func authUnary(v *token.Verifier, sv *token.ServiceVerifier) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := authenticate(ctx, v)
		if err == nil {
			ctx, err = authenticateService(ctx, sv)
		}
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// authStream is authUnary for streams.
func authStream(v *token.Verifier, sv *token.ServiceVerifier) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := authenticate(ss.Context(), v)
		if err == nil {
			ctx, err = authenticateService(ctx, sv)
		}
		if err != nil {
			return err
		}
		return handler(srv, &authedStream{ServerStream: ss, ctx: ctx})
	}
}

type authedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *authedStream) Context() context.Context { return s.ctx }

// ForwardAuthorization is a client interceptor that passes the end user's
// bearer token of the call being served on to the calls it makes, so the
// callee scopes its answer to the same person.
func ForwardAuthorization(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if v := metadata.ValueFromIncomingContext(ctx, AuthorizationKey); len(v) == 1 {
		ctx = metadata.AppendToOutgoingContext(ctx, AuthorizationKey, v[0])
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// ForwardAuthorizationStream is ForwardAuthorization for streaming calls
// (the feeds billing and staffing read from timetable and staffing).
func ForwardAuthorizationStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	if v := metadata.ValueFromIncomingContext(ctx, AuthorizationKey); len(v) == 1 {
		ctx = metadata.AppendToOutgoingContext(ctx, AuthorizationKey, v[0])
	}
	return streamer(ctx, desc, cc, method, opts...)
}
