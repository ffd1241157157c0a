package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/store"
)

// version is set at build time with -ldflags "-X .../internal/cli.version=v1.2.3".
var version = ""

// Version returns the version of this build: the one set at link time, else
// the module version from the build info, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// deps are what commands need from outside: streams and a clock.
type deps struct {
	io  IO
	now func() time.Time
	// retry tunes the AWS retryer (tests retry without waiting).
	retry awsapi.RetryOptions
	// statePath returns the state database's default path; nil means
	// there is none, and a scan without --state records nothing (a test
	// seam: tests never touch the user's data directory).
	statePath func() (string, error)
}

// Main runs iamsweep with the given arguments and returns the exit status.
// It prints the final error, if any, once on stderr.
func Main(ctx context.Context, args []string, ios IO) int {
	return run(ctx, args, deps{io: ios, now: time.Now, statePath: func() (string, error) {
		home, _ := os.UserHomeDir()
		return store.DefaultPathFrom(ios.Getenv, home, runtime.GOOS)
	}})
}

func run(ctx context.Context, args []string, d deps) int {
	if d.io.Getenv == nil {
		d.io.Getenv = func(string) string { return "" }
	}
	root := newRootCmd(d)
	root.SetArgs(args)
	root.SetIn(d.io.In)
	root.SetOut(d.io.Out)
	root.SetErr(d.io.ErrOut)
	st := &status{code: ExitOK}
	err := root.ExecuteContext(context.WithValue(ctx, statusKey{}, st))
	if err != nil {
		if !st.started {
			// Cobra failed before any command ran: an unknown command or
			// flag, or arguments a command does not take.
			err = usageError{err}
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", context.Canceled)
		}
		fmt.Fprintf(d.io.ErrOut, "iamsweep: %s\n", err)
		if errors.As(err, new(usageError)) {
			fmt.Fprintln(d.io.ErrOut, "Run 'iamsweep --help' for usage.")
		}
		return exitStatus(err)
	}
	return st.code
}

type statusKey struct{}

// status is shared between run and the command that runs.
type status struct {
	// started is set once a command's RunE begins.
	started bool
	// code is the exit status of a command that succeeded (4 when unused
	// access was found).
	code int
}

func statusOf(ctx context.Context) *status {
	if st, ok := ctx.Value(statusKey{}).(*status); ok {
		return st
	}
	return &status{}
}

func newRootCmd(d deps) *cobra.Command {
	root := &cobra.Command{
		Use:   "iamsweep",
		Short: "Find unused AWS IAM access and remove it safely",
		Long: `iamsweep finds the IAM roles, users, access keys and passwords nobody uses
in an AWS account or organization, from the live API or offline from an
export, and explains every verdict. It removes them safely: plan shows what
would change, apply quarantines or deletes after a backup and a last
re-check, release and restore undo it.

A typical run:
  iamsweep scan                 find unused access; records it in the state database
  iamsweep plan --out plan.json decide what to do about it (changes nothing)
  iamsweep apply plan.json      do it, after confirmation
  iamsweep release ARN          lift a quarantine
  iamsweep restore ARN          recreate a deleted role or user from its backup
  iamsweep prune --keep-scans 30  delete old scans from the state database

Exit status:
  0    ran and found nothing unused (at or above --fail-on)
  1    failed (AWS error, missing credentials, I/O)
  2    usage or input error (bad flag, config, pattern or file)
  3    some accounts failed; results for the others were written
  4    unused access found
  130  interrupted`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       Version(),
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newScanCmd(d, nil), newPlanCmd(d), newApplyCmd(d), newReleaseCmd(d), newRestoreCmd(d),
		newBackupsCmd(d), newHistoryCmd(d), NewCmdPrune(d, nil), newVersionCmd(d))
	return root
}

func newVersionCmd(d deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			statusOf(cmd.Context()).started = true
			_, err := fmt.Fprintln(d.io.Out, "iamsweep", Version())
			return err
		},
	}
}
