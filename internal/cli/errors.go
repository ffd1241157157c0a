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

// StatusError is an outcome that is not a failure but has an exit status
// of its own: unused access found (4), some accounts not scanned (3). The
// command's output has said so already, so Main prints nothing for it.
type StatusError struct {
	Code   int
	Reason string
}

func (e *StatusError) Error() string { return e.Reason }

var (
	// errUnusedFound: the scan found unused access at or above --fail-on.
	errUnusedFound = &StatusError{Code: ExitUnused, Reason: "unused access found"}
	// errPartial: some accounts failed; the report lists them.
	errPartial = &StatusError{Code: ExitPartial, Reason: "some accounts could not be scanned"}
)

// flagError is a mistake in the command line itself: an unknown command
// or flag, a flag value of the wrong type, the wrong number of arguments,
// a flag the command does not take. Main points to --help after it.
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }
func (e flagError) Unwrap() error { return e.err }

// usageError is a problem the user must fix before the command can run
// (no state database, nothing recorded yet, nobody at a terminal to
// confirm): exit status 2, like an *iamsweep.InputError, but with no file
// or setting to name.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitStatus maps an error to the exit status it stands for.
func exitStatus(err error) int {
	var (
		se *StatusError
		fe flagError
		ue usageError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &se):
		return se.Code
	case errors.As(err, &fe), errors.As(err, &ue), iamsweep.IsInputError(err):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	default:
		return ExitFailure
	}
}
