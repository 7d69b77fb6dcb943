package rpcserver

import (
	"context"
	"errors"
	"log/slog"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// StatusFromFault maps the shared error kinds to gRPC status codes; each
// service's own toStatus handles its domain's special errors first and
// falls back to this. Unknown errors become Internal with a generic
// message, the cause going only to the log.
func StatusFromFault(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		// Already a status (e.g. from a downstream service): pass it on, but
		// never a downstream Internal's text, which could leak causes.
		if s := status.Convert(err); s.Code() != codes.Internal && s.Code() != codes.Unknown {
			return err
		}
	}
	var verr *fault.ValidationError
	switch {
	case errors.As(err, &verr):
		return InvalidArgument(verr.Violations...)
	case errors.Is(err, fault.ErrNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, fault.ErrAlreadyExists):
		return status.Error(codes.AlreadyExists, err.Error())
	case errors.Is(err, fault.ErrFailedPrecondition):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, fault.ErrConflict):
		return status.Error(codes.Aborted, err.Error())
	case errors.Is(err, fault.ErrUnavailable):
		return status.Error(codes.Unavailable, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "canceled")
	case pgdb.IsUnavailable(err):
		// PostgreSQL down or restarting: retryable, like /readyz says; the
		// pool reconnects by itself when the server is back.
		log.WarnContext(ctx, "database unavailable", "err", err.Error(), "request_id", RequestID(ctx))
		return status.Error(codes.Unavailable, "database unavailable, retry later")
	}
	log.ErrorContext(ctx, "internal error", "err", err.Error(), "request_id", RequestID(ctx))
	return status.Error(codes.Internal, "internal error")
}
