package rpcclient

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/fault"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestInterpret(t *testing.T) {
	tests := []struct {
		give codes.Code
		want error
	}{
		{codes.NotFound, fault.ErrNotFound},
		{codes.FailedPrecondition, fault.ErrFailedPrecondition},
		{codes.AlreadyExists, fault.ErrAlreadyExists},
		{codes.Aborted, fault.ErrConflict},
		{codes.Unavailable, fault.ErrUnavailable},
		{codes.DeadlineExceeded, fault.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.give.String(), func(t *testing.T) {
			err := Interpret("timetable", status.Error(tt.give, "school x"), "school x")
			if !errors.Is(err, tt.want) {
				t.Fatalf("Interpret(%v) = %v, want kind %v", tt.give, err, tt.want)
			}
		})
	}
	var ve *fault.ValidationError
	if err := Interpret("staffing", status.Error(codes.InvalidArgument, "bad"), "month"); !errors.As(err, &ve) || ve.Violations[0].Field != "month" {
		t.Fatalf("InvalidArgument = %v, want a violation of month", err)
	}
	if err := Interpret("staffing", status.Error(codes.Internal, "boom"), "hours"); errors.Is(err, fault.ErrNotFound) || err == nil {
		t.Fatalf("Internal = %v, want a plain error", err)
	}
}

func TestPeerBoundsEachCall(t *testing.T) {
	p := Peer{Name: "timetable", Timeout: time.Hour}
	ctx, cancel := p.Call(context.Background())
	defer cancel()
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > time.Hour {
		t.Fatalf("deadline = %v, %v; want at most an hour away", dl, ok)
	}
	sooner, cancelSooner := context.WithTimeout(context.Background(), time.Minute)
	defer cancelSooner()
	ctx2, cancel2 := p.Call(sooner)
	defer cancel2()
	if dl, _ := ctx2.Deadline(); time.Until(dl) > time.Minute {
		t.Fatalf("the caller's sooner deadline was lost: %v", dl)
	}
	if err := p.Err(status.Error(codes.NotFound, "school x not found"), "school x"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("Err = %v, want NotFound", err)
	}
}
