package rpcclient

import (
	"context"
	"time"
)

// Peer is a provider service as one consumer's adapter calls it: its name
// (for messages) and the deadline of one call. Each adapter keeps its
// generated client beside a Peer, so every call across services bounds its
// time and reads the callee's status the same way. The request id and the
// caller's authorization travel on the connection's interceptors, not here.
type Peer struct {
	Name    string
	Timeout time.Duration
}

// Call bounds ctx by the peer's timeout; a sooner deadline the caller set
// still holds.
func (p Peer) Call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.Timeout)
}

// Stream bounds ctx for a stream, which may take longer than one call.
func (p Peer) Stream(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// Err maps a status from the peer to a fault kind (see Interpret); what
// names the call for the message.
func (p Peer) Err(err error, what string) error { return Interpret(p.Name, err, what) }
