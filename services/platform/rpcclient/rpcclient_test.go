package rpcclient

import (
	"errors"
	"testing"

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
