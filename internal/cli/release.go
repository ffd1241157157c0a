package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep/internal/config"
)

// ReleaseOptions are the inputs of the release command.
type ReleaseOptions struct {
	deps
	Config config.Config
	// ARN is the role or user to release.
	ARN string
	// Yes skips the confirmation.
	Yes bool
}

// NewCmdRelease returns the release command.
func NewCmdRelease(d deps, runF func(context.Context, *ReleaseOptions) error) *cobra.Command {
	opts := &ReleaseOptions{deps: d, Config: config.Default()}
	cmd := &cobra.Command{
		Use:   "release ARN",
		Short: "Lift iamsweep's quarantine of a role or user",
		Long: `Release undoes a quarantine: it deletes the iamsweep-quarantine inline policy,
detaches AWSDenyAll when iamsweep attached it (never one attached by someone
else), and removes the iamsweep:quarantine* tags. Releasing a principal that
is not quarantined changes nothing. Every call is journaled.

On a terminal it asks for confirmation; without one, pass --yes.`,
		Example: `  iamsweep release arn:aws:iam::111122223333:role/app/ci-deployer`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			opts.ARN = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRelease(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, remediationSettings...)
	setUsage(cmd, "output", "output format: table or json")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// runRelease lifts the quarantine of opts.ARN.
func runRelease(ctx context.Context, opts *ReleaseOptions) error {
	d, cfg, arn, yes := opts.deps, opts.Config, opts.ARN, opts.Yes
	if err := tableOrJSON(&cfg, "release"); err != nil {
		return err
	}
	env, err := confirmedChange(ctx, d, cfg, arn, "Release the quarantine of "+arn+"?", yes)
	if err != nil {
		return err
	}
	defer env.store.Close()
	res, err := env.svc.Release(ctx, arn)
	if err != nil {
		return err
	}
	if cfg.Output == "json" {
		return writeJSON(d.io.Out, map[string]any{"arn": arn, "calls": nonNil(res.Steps)})
	}
	if len(res.Steps) == 0 {
		_, err = fmt.Fprintf(d.io.Out, "%s is not quarantined by iamsweep: nothing to release.\n", arn)
		return err
	}
	_, err = fmt.Fprintf(d.io.Out, "Released %s.\n  calls: %s\n", arn, strings.Join(res.Steps, "; "))
	return err
}
