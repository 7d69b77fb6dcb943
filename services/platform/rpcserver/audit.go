package rpcserver

import (
	"context"
	"net"
	"strings"

	"github.com/kehou/kehou/services/platform/audit"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/authz"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// ClientAddress is the address a request came from: the last hop the
// gateway recorded in x-forwarded-for, else the connection's peer.
func ClientAddress(ctx context.Context) string {
	if v := metadata.ValueFromIncomingContext(ctx, "x-forwarded-for"); len(v) > 0 {
		hops := strings.Split(v[len(v)-1], ",")
		if a := strings.TrimSpace(hops[len(hops)-1]); a != "" {
			return a
		}
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		if host, _, err := net.SplitHostPort(p.Addr.String()); err == nil {
			return host
		}
		return p.Addr.String()
	}
	return ""
}

// mutating reports whether a method may change data, so its database
// connections carry the caller for the audit triggers: a change, or a
// public or any-signed-in method (sign-in, account routes) whose rule does
// not say. Without a policy every method counts.
func mutating(policy authz.Policy, method string) bool {
	if policy == nil {
		return true
	}
	r := policy[method]
	return r.Write || r.Public || r.AnySignedIn
}

func withCaller(ctx context.Context, policy authz.Policy, method string) context.Context {
	p, ok := auth.FromContext(ctx)
	return audit.WithCaller(ctx, audit.CallerOf(p, ok, ClientAddress(ctx), RequestID(ctx), method, mutating(policy, method)))
}

// errAuditUnavailable answers a bulk read whose audit record could not be
// written: personal data is not handed out unrecorded.
var errAuditUnavailable = status.Error(codes.Unavailable, "the audit trail is unavailable; try again")

// auditUnary puts the audit caller in the context of every call, and
// records a bulk read of personal data (Options.AuditReads) before serving it.
func auditUnary(opts Options) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx = withCaller(ctx, opts.Policy, info.FullMethod)
		if kind, ok := opts.AuditReads[info.FullMethod]; ok && opts.AuditLog != nil {
			if err := recordRead(ctx, opts, kind, req); err != nil {
				opts.Logger.ErrorContext(ctx, "audit record failed", "method", info.FullMethod, "request_id", RequestID(ctx), "error", err)
				return nil, errAuditUnavailable
			}
		}
		return handler(ctx, req)
	}
}

// recordRead writes one read event: the scope the request names and the
// request itself as what was asked.
func recordRead(ctx context.Context, opts Options, kind string, req any) error {
	msg, ok := req.(proto.Message)
	if !ok {
		return nil
	}
	s := authz.ScopeOf(msg)
	ev := audit.Event{DistrictID: s.DistrictID, SchoolID: s.SchoolID, Operation: "read", ObjectKind: kind}
	if ev.DistrictID == "" {
		if p, ok := auth.FromContext(ctx); ok {
			ev.DistrictID = p.DistrictID
		}
	}
	b, err := protojson.Marshal(msg)
	if err != nil {
		return err
	}
	ev.After = b
	return opts.AuditLog(ctx, ev)
}

// auditStream is auditUnary for streams: the caller in the context, and a
// bulk read (an export streamed to the caller) recorded when its request
// arrives, before the handler can send a byte of it.
func auditStream(opts Options) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		w := &wrappedStream{ServerStream: ss, ctx: withCaller(ss.Context(), opts.Policy, info.FullMethod)}
		kind, ok := opts.AuditReads[info.FullMethod]
		if !ok || opts.AuditLog == nil || !info.IsServerStream || info.IsClientStream {
			return handler(srv, w)
		}
		return handler(srv, &auditedRead{wrappedStream: w, opts: opts, kind: kind, method: info.FullMethod})
	}
}

// auditedRead records the read on the stream's one request message.
type auditedRead struct {
	*wrappedStream
	opts         Options
	kind, method string
	done         bool
}

func (a *auditedRead) RecvMsg(m any) error {
	if err := a.wrappedStream.RecvMsg(m); err != nil {
		return err
	}
	if a.done {
		return nil
	}
	a.done = true
	if err := recordRead(a.ctx, a.opts, a.kind, m); err != nil {
		a.opts.Logger.ErrorContext(a.ctx, "audit record failed", "method", a.method, "request_id", RequestID(a.ctx), "error", err)
		return errAuditUnavailable
	}
	return nil
}
