package rpcserver

import (
	"context"

	"github.com/fullstorydev/grpchan/inprocgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// local is a Server reached in process. A unary call runs the handler and
// the server's interceptor chain on the caller's goroutine: it is the hot
// path (every gateway request in the one-process deployment), and a
// goroutine, two channel hand-offs and a deep copy of each answer per call
// were a fifth of the gateway's own cost. Streams, which are few and long,
// go through grpchan's in-process channel.
type local struct {
	unary   map[string]localMethod
	chain   grpc.UnaryServerInterceptor
	streams *inprocgrpc.Channel
}

// localMethod is one registered unary method and its service.
type localMethod struct {
	impl    any
	handler grpc.MethodHandler
}

// inprocPeer is the peer of an in-process call (grpchan's, for streams, is
// alike).
var inprocPeer = peer.Peer{Addr: inprocAddr{}}

type inprocAddr struct{}

func (inprocAddr) Network() string { return "inproc" }
func (inprocAddr) String() string  { return "inproc" }

// register adds a service's unary methods.
func (l *local) register(desc *grpc.ServiceDesc, impl any) {
	for _, m := range desc.Methods {
		l.unary["/"+desc.ServiceName+"/"+m.MethodName] = localMethod{impl: impl, handler: m.Handler}
	}
	l.streams.RegisterService(desc, impl)
}

// Invoke implements grpc.ClientConnInterface.
//
// What the handler sees is what a network call gives it: the caller's
// outgoing metadata (plus per-call credentials) as incoming metadata, the
// in-process peer, none of the caller's context values, and a request of its
// own (a copy: requests are small). The answer is not copied: its top-level
// fields are moved into reply, so reply shares the answer's sub-messages.
// That is safe because a handler builds its answer for the one call and
// keeps no reference to it; no service caches the messages it returns.
func (l *local) Invoke(ctx context.Context, method string, req, reply any, opts ...grpc.CallOption) error {
	m, ok := l.unary[method]
	if !ok {
		return status.Errorf(codes.Unimplemented, "method %s not implemented", method)
	}
	in, ok := req.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "request %T is not a protocol buffer", req)
	}
	out, ok := reply.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "reply %T is not a protocol buffer", reply)
	}
	md, _ := metadata.FromOutgoingContext(ctx)
	var header, trailer *metadata.MD
	for _, o := range opts {
		switch o := o.(type) {
		case grpc.PerRPCCredsCallOption:
			kv, err := o.Creds.GetRequestMetadata(ctx, "inproc:0"+method)
			if err != nil {
				return status.Errorf(codes.Unauthenticated, "per-call credentials: %v", err)
			}
			md = md.Copy()
			for k, v := range kv {
				md.Append(k, v)
			}
		case grpc.HeaderCallOption:
			header = o.HeaderAddr
		case grpc.TrailerCallOption:
			trailer = o.TrailerAddr
		case grpc.PeerCallOption:
			*o.PeerAddr = inprocPeer
		}
	}
	sts := &localStream{method: method}
	sctx := metadata.NewIncomingContext(peer.NewContext(noValues{ctx}, &inprocPeer), md)
	sctx = grpc.NewContextWithServerTransportStream(sctx, sts)
	dec := func(v any) error {
		proto.Merge(v.(proto.Message), in)
		return nil
	}
	resp, err := m.handler(m.impl, sctx, dec, l.chain)
	if header != nil {
		*header = sts.header
	}
	if trailer != nil {
		*trailer = sts.trailer
	}
	if err != nil {
		// As the network server does: a status as it is, a context's end
		// as Canceled or DeadlineExceeded, anything else as Unknown.
		if s, ok := status.FromError(err); ok {
			return s.Err()
		}
		return status.FromContextError(err).Err()
	}
	r, ok := resp.(proto.Message)
	if !ok || r == nil {
		return status.Error(codes.Internal, "handler returned neither an error nor an answer")
	}
	moveFields(out, r)
	return nil
}

// NewStream implements grpc.ClientConnInterface.
func (l *local) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return l.streams.NewStream(ctx, desc, method, opts...)
}

// moveFields sets every populated field of src on dst, which must be a new
// message of the same type: a shallow copy through the protobuf API.
func moveFields(dst, src proto.Message) {
	d := dst.ProtoReflect()
	src.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		d.Set(fd, v)
		return true
	})
	if u := src.ProtoReflect().GetUnknown(); len(u) > 0 {
		d.SetUnknown(u)
	}
}

// noValues passes on a context's deadline and cancellation but none of its
// values, so nothing of the caller's context (its outgoing metadata above
// all) leaks into the handler's.
type noValues struct{ context.Context }

func (noValues) Value(any) any { return nil }

// localStream is the grpc.ServerTransportStream of an in-process unary
// call: it keeps the headers and trailers the handler sets for the caller.
type localStream struct {
	method          string
	header, trailer metadata.MD
}

func (s *localStream) Method() string { return s.method }

func (s *localStream) SetHeader(md metadata.MD) error {
	s.header = metadata.Join(s.header, md)
	return nil
}

func (s *localStream) SendHeader(md metadata.MD) error { return s.SetHeader(md) }

func (s *localStream) SetTrailer(md metadata.MD) error {
	s.trailer = metadata.Join(s.trailer, md)
	return nil
}
