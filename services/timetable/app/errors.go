package app

import (
	"errors"
	"strings"

	"github.com/kehou/kehou/services/platform/fault"
)

func isNotFound(err error) bool { return errors.Is(err, fault.ErrNotFound) }

// translate turns the engines' validation error into the shared kind,
// with field paths under prefix.
func translate(err error, prefix string) error {
	var ve *fault.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var c fault.Collector
	for _, fe := range ve.Violations {
		c.Add(strings.TrimPrefix(prefix+"."+fe.Field, "."), fe.Reason)
	}
	return c.Err()
}
