package rpcserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"buf.build/go/protovalidate"
	"github.com/kehou/kehou/services/platform/fault"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// RequestIDKey is the metadata key (and, at the gateway, the header) that
// carries a request's id through every hop.
const RequestIDKey = "x-request-id"

// FaultKey is the metadata key tests use to make a call panic ("panic") or
// pause ("delay=500ms") when fault injection is on.
const FaultKey = "x-kehou-fault"

type requestIDCtxKey struct{}

// RequestID returns the id of the call being served, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDCtxKey{}).(string)
	return id
}

// NewRequestID returns a fresh random id.
func NewRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func withRequestID(ctx context.Context) context.Context {
	id := ""
	if v := metadata.ValueFromIncomingContext(ctx, RequestIDKey); len(v) > 0 && len(v[0]) <= 64 {
		id = v[0]
	}
	if id == "" {
		id = NewRequestID()
	}
	return context.WithValue(ctx, requestIDCtxKey{}, id)
}

// OutgoingRequestID is a client interceptor that passes the id of the call
// being served on to the calls it makes, so one id follows a request from
// the gateway through every service.
func OutgoingRequestID(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if id := RequestID(ctx); id != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, RequestIDKey, id)
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

func requestIDUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	return handler(withRequestID(ctx), req)
}

func requestIDStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return handler(srv, &wrappedStream{ServerStream: ss, ctx: withRequestID(ss.Context())})
}

type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w *wrappedStream) Context() context.Context { return w.ctx }

func logUnary(log *slog.Logger, service string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		logCall(ctx, log, service, info.FullMethod, err, time.Since(start))
		return resp, err
	}
}

func logStream(log *slog.Logger, service string) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		err := handler(srv, ss)
		logCall(ss.Context(), log, service, info.FullMethod, err, time.Since(start))
		return err
	}
}

func logCall(ctx context.Context, log *slog.Logger, service, method string, err error, d time.Duration) {
	code := status.Code(err)
	level := slog.LevelInfo
	if code == codes.Internal || code == codes.Unknown || code == codes.DataLoss {
		level = slog.LevelError
	}
	log.LogAttrs(ctx, level, "grpc call",
		slog.String("service", service),
		slog.String("method", method),
		slog.String("code", code.String()),
		slog.Duration("duration", d),
		slog.String("request_id", RequestID(ctx)))
}

func (m *Metrics) unary(service string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		m.calls.WithLabelValues(service, info.FullMethod, status.Code(err).String()).Inc()
		m.latency.WithLabelValues(service, info.FullMethod).Observe(time.Since(start).Seconds())
		return resp, err
	}
}

// errPanic is what a client sees after a handler panicked: a generic
// Internal error; the value and the stack go to the log only.
var errPanic = status.Error(codes.Internal, "internal error")

func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				logPanic(ctx, log, info.FullMethod, r)
				resp, err = nil, errPanic
			}
		}()
		return handler(ctx, req)
	}
}

func recoverStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				logPanic(ss.Context(), log, info.FullMethod, r)
				err = errPanic
			}
		}()
		return handler(srv, ss)
	}
}

func logPanic(ctx context.Context, log *slog.Logger, method string, r any) {
	log.ErrorContext(ctx, "panic in handler",
		"method", method,
		"panic", fmt.Sprint(r),
		"request_id", RequestID(ctx),
		"stack", string(debug.Stack()))
}

// faultUnary lets tests provoke a panic or a slow call through the real
// chain. It is only installed when Options.FaultInjection is set.
func faultUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	for _, f := range metadata.ValueFromIncomingContext(ctx, FaultKey) {
		switch {
		case f == "panic":
			panic("injected fault")
		case strings.HasPrefix(f, "delay="):
			d, err := time.ParseDuration(strings.TrimPrefix(f, "delay="))
			if err != nil || d > time.Minute {
				return nil, status.Error(codes.InvalidArgument, "bad fault delay")
			}
			time.Sleep(d) // deliberately ignores ctx: it models a slow handler
		}
	}
	return handler(ctx, req)
}

func validateUnary(v protovalidate.Validator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if msg, ok := req.(proto.Message); ok {
			if err := v.Validate(msg); err != nil {
				return nil, validationStatus(err)
			}
			if fvs := stringViolations(msg.ProtoReflect()); len(fvs) > 0 {
				return nil, InvalidArgument(fvs...)
			}
		}
		return handler(ctx, req)
	}
}

func validateStream(v protovalidate.Validator) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &validatingStream{ServerStream: ss, v: v})
	}
}

type validatingStream struct {
	grpc.ServerStream
	v protovalidate.Validator
}

func (s *validatingStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if msg, ok := m.(proto.Message); ok {
		if err := s.v.Validate(msg); err != nil {
			return validationStatus(err)
		}
		if fvs := stringViolations(msg.ProtoReflect()); len(fvs) > 0 {
			return InvalidArgument(fvs...)
		}
	}
	return nil
}

// validationStatus turns a protovalidate error into InvalidArgument with a
// BadRequest detail naming each offending field.
func validationStatus(err error) error {
	var verr *protovalidate.ValidationError
	if !errors.As(err, &verr) {
		return status.Error(codes.InvalidArgument, "invalid request")
	}
	var fvs []fault.Violation
	for _, v := range verr.Violations {
		fvs = append(fvs, fault.Violation{
			Field:  protovalidate.FieldPathString(v.Proto.GetField()),
			Reason: v.Proto.GetMessage(),
		})
	}
	return InvalidArgument(fvs...)
}

// InvalidArgument builds the one InvalidArgument status shape every
// service returns: a summary message plus a BadRequest detail listing the
// fields, which the gateway turns into a 400 JSON body.
func InvalidArgument(fvs ...fault.Violation) error {
	msgs := make([]string, 0, len(fvs))
	br := &errdetails.BadRequest{}
	for _, fv := range fvs {
		msgs = append(msgs, fv.Field+": "+fv.Reason)
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: fv.Field, Description: fv.Reason})
	}
	st := status.New(codes.InvalidArgument, "invalid request: "+strings.Join(msgs, "; "))
	if withDetails, err := st.WithDetails(br); err == nil {
		st = withDetails
	}
	return st.Err()
}
