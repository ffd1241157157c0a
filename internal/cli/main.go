package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/iamsweep/iamsweep"

	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/store"
)

// deps are what commands need from outside: streams and a clock. Every
// command's Options embed them.
type deps struct {
	io  IO
	now func() time.Time
	// retry tunes the AWS retryer (tests retry without waiting).
	retry awsapi.RetryOptions
	// statePath returns the state database's default path; nil means
	// there is none, and a scan without --state records nothing (a test
	// seam: tests never touch the user's data directory).
	statePath func() (string, error)
	// defaults, when not nil, changes the settings' defaults before the
	// config file, the environment and the flags apply (the Lambda
	// function's: see Entry).
	defaults func(*config.Config)
	// accessReports reads the service last accessed reports of principals
	// of the account of client, for refine's live mode (opts gives the
	// state database that caches them); nil means this build has no
	// reader, and refine works offline only.
	accessReports func(ctx context.Context, opts *RefineOptions, client *awsapi.Client, arns []string, now time.Time, log *slog.Logger) (map[string]iamsweep.AccessReport, error)
}

// config returns the settings' defaults, changed by d.defaults.
func (d deps) config() config.Config {
	c := config.Default()
	if d.defaults != nil {
		d.defaults(&c)
	}
	return c
}

// Main runs iamsweep with the given arguments and returns the exit status.
// It prints the final error, if any, once on stderr.
func Main(ctx context.Context, args []string, ios IO) int {
	return run(ctx, args, deps{io: ios, now: time.Now, statePath: func() (string, error) {
		home, _ := os.UserHomeDir()
		return store.DefaultPathFrom(ios.Getenv, home, runtime.GOOS)
	}, accessReports: liveAccessReports})
}

func run(ctx context.Context, args []string, d deps) int {
	err := execute(ctx, args, d)
	var se *StatusError
	if err != nil && !errors.As(err, &se) {
		fmt.Fprintf(d.io.ErrOut, "iamsweep: %s\n", err)
		if errors.As(err, new(flagError)) {
			fmt.Fprintln(d.io.ErrOut, "Run 'iamsweep --help' for usage.")
		}
	}
	return exitStatus(err)
}

// execute runs a command line and returns its final error, classified
// (exitStatus maps it to the exit status), without printing it. A
// *StatusError is an outcome the output has shown already.
func execute(ctx context.Context, args []string, d deps) error {
	if d.io.Getenv == nil {
		d.io.Getenv = func(string) string { return "" }
	}
	root := newRootCmd(d)
	// Cobra's own errors (an unknown command, arguments a command does not
	// take) come before any command starts.
	started := false
	root.PersistentPreRun = func(*cobra.Command, []string) { started = true }
	root.SetArgs(args)
	root.SetIn(d.io.In)
	root.SetOut(d.io.Out)
	root.SetErr(d.io.ErrOut)
	err := root.ExecuteContext(ctx)
	var se *StatusError
	if err == nil || errors.As(err, &se) {
		return err
	}
	if !started && !iamsweep.IsInputError(err) {
		err = flagError{err}
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("interrupted: %w", context.Canceled)
	}
	return err
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
  iamsweep exceptions           list the principals owners decided to keep
  iamsweep escalate             notify owners, then quarantine and delete on schedule
  iamsweep escalation           each principal's escalation timeline
  iamsweep serve                escalate on a schedule; decision links; a dashboard
  iamsweep refine --all         narrow the policies of used principals to what they used

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
	root.SetFlagErrorFunc(flagErrorFunc)
	root.AddCommand(
		NewCmdScan(d, nil),
		NewCmdPlan(d, nil),
		NewCmdApply(d, nil),
		NewCmdRelease(d, nil),
		NewCmdRestore(d, nil),
		NewCmdBackups(d, nil),
		NewCmdHistory(d, nil),
		NewCmdPrune(d, nil),
		NewCmdExceptions(d, nil),
		NewCmdEscalate(d, nil),
		NewCmdEscalation(d, nil),
		NewCmdServe(d, nil),
		NewCmdRefine(d, nil),
		NewCmdVersion(d, nil),
	)
	return root
}

// flagErrorFunc classifies cobra's flag errors. A value a setting's parser
// refuses is reported as the environment and the config file report theirs
// ("--unused-days: want a whole number, got \"ninety\""); any other flag
// error (an unknown flag, a missing value) is a mistake in the command line.
func flagErrorFunc(_ *cobra.Command, err error) error {
	var ive *pflag.InvalidValueError
	if errors.As(err, &ive) {
		return iamsweep.NewInputError("--"+ive.GetFlag().Name, "", ive.Unwrap())
	}
	return flagError{err}
}
