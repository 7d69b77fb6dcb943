// Package rpcclient holds what every service's client adapter does the same
// way when it calls another service: turning the callee's status codes back
// into the shared error kinds of package fault, so the caller reports
// "school not found" as its own NotFound and an unreachable peer as
// Unavailable, never as an internal error.
package rpcclient

import (
	"fmt"

	"github.com/kehou/kehou/services/platform/fault"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Interpret maps a status from the service named peer to a fault kind;
// what names the call for the message.
func Interpret(peer string, err error, what string) error {
	st := status.Convert(err)
	switch st.Code() {
	case codes.NotFound:
		return fault.NotFound(st.Message())
	case codes.InvalidArgument:
		return fault.Invalid(what, st.Message())
	case codes.FailedPrecondition:
		return fault.Precondition(st.Message())
	case codes.AlreadyExists:
		return fault.AlreadyExists(st.Message())
	case codes.Aborted:
		return fmt.Errorf("%s: %s: %w", peer, st.Message(), fault.ErrConflict)
	case codes.Unavailable, codes.DeadlineExceeded:
		return fmt.Errorf("%s: %s: %w", peer, st.Message(), fault.ErrUnavailable)
	}
	return fmt.Errorf("%s %s: %w", peer, what, err)
}
