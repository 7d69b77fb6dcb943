package rpcserver

import (
	"context"

	"github.com/kehou/kehou/services/platform/authz"
	"google.golang.org/grpc"
)

// settleUnary calls after when a call of a method that may change data
// (mutating) has returned, before its answer goes back: a service that
// keeps reads in memory catches up there with what the call committed,
// so the caller's next read sees it (Options.AfterChange).
func settleUnary(policy authz.Policy, after func(context.Context)) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if mutating(policy, info.FullMethod) {
			after(ctx)
		}
		return resp, err
	}
}

// settleStream is settleUnary for streams (uploads).
func settleStream(policy authz.Policy, after func(context.Context)) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		err := handler(srv, ss)
		if mutating(policy, info.FullMethod) {
			after(ss.Context())
		}
		return err
	}
}
