package cli

import (
	"context"
	"errors"

	"github.com/iamsweep/iamsweep"
)

// Exit statuses. Pipelines gate on them; keep them stable.
const (
	// ExitOK: the command ran and found nothing unused (at or above --fail-on).
	ExitOK = 0
	// ExitFailure: anything else went wrong (AWS errors, credentials, I/O).
	ExitFailure = 1
	// ExitUsage: bad flags, config, patterns or input files.
	ExitUsage = 2
	// ExitPartial: some accounts failed; results for the rest were written.
	ExitPartial = 3
	// ExitUnused: unused access was found (see --fail-on).
	ExitUnused = 4
	// ExitInterrupted: stopped by Ctrl-C or SIGTERM.
	ExitInterrupted = 130
)

// usageError marks a mistake in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitStatus maps an error to the exit status it stands for.
func exitStatus(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue), iamsweep.IsInputError(err):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	default:
		return ExitFailure
	}
}
