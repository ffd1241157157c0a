package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/store"
	"github.com/iamsweep/iamsweep/internal/workflow"
)

// EscalateOptions are the inputs of the escalate command.
type EscalateOptions struct {
	deps
	Config config.Config
	// DryRun says what would happen, and changes and sends nothing.
	DryRun bool
}

// escalateSettings are the settings of escalate: the scan's scope and
// judgement, and those of the remediation it runs.
var escalateSettings = []string{
	"unused-days", "as-of", "allow", "include-managed", "output", "types", "from-file", "credential-report", "no-key-ids",
	"profile", "region", "endpoint-url", "log-level", "log-format", "org", "ou", "accounts", "exclude-accounts",
	"assume-role", "external-id", "owner-tags", "concurrency", "state", "allow-service-linked",
}

// NewCmdEscalate returns the escalate command.
func NewCmdEscalate(d deps, runF func(context.Context, *EscalateOptions) error) *cobra.Command {
	opts := &EscalateOptions{deps: d, Config: d.config()}
	cmd := &cobra.Command{
		Use:   "escalate",
		Short: "Run the owner workflow once: scan, notify owners, quarantine, delete",
		Long: `Escalate runs the owner workflow once, as iamsweep serve does on its schedule
(run it from cron when you do not run serve): it scans (as iamsweep scan
does, one account or an organization, and records the scan), sends each
owner one notice listing their unused principals, and takes the steps of the
escalation policy that are due: a warning before each step, the quarantine
after escalation.quarantine-after without a decision, the deletion after
escalation.delete-after more days quarantined and unused (with a backup).
A use, a Keep or a Snooze stops or delays it; a quarantined principal that
is used trips the tripwire (its owner and the security team are told, its
deletion stops).

Quarantines and deletions go through the remediation engine of apply: the
remediation policy, guardrails, deletion limits and the kill switch hold.
A live run reads what still references the unused roles and users once
per account, as iamsweep refs does: the notices before and of a quarantine
say what will stop working, and a principal still referenced is not
deleted unless remediation.delete-referenced is true.
Each notice is journaled: the same stage of the same finding is never sent
twice. --dry-run (or escalation.dry-run) says what would happen and changes
nothing: no AWS change, nothing sent, no state recorded but the scan.

See docs/owners.md.

Exit status: 0 the run completed (steps that failed are listed and tried
again next run); 1 failure; 2 usage or configuration error.`,
		Example: `  iamsweep escalate --config iamsweep.yaml --dry-run
  iamsweep escalate --config iamsweep.yaml -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runEscalate(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, escalateSettings...)
	setUsage(cmd, "output", "output format: table or json")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "say what would happen; change nothing in AWS, send nothing (config escalation.dry-run)")
	return cmd
}

// runEscalate runs the workflow once and prints its summary.
func runEscalate(ctx context.Context, opts *EscalateOptions) error {
	d, cfg := opts.deps, opts.Config
	if err := tableOrJSON(&cfg, "escalate"); err != nil {
		return err
	}
	dryRun := opts.DryRun || cfg.Escalation.DryRun
	st, path, err := openState(ctx, cfg, d)
	if err != nil {
		return err
	}
	defer st.Close()
	links, err := escalateLinks(ctx, d, cfg, st, dryRun)
	if err != nil {
		return err
	}
	env, err := newRunner(ctx, d, cfg, st, path, dryRun, links)
	if err != nil {
		return err
	}
	sum, err := env.Runner.RunOnce(ctx)
	if err != nil {
		return err
	}
	if cfg.Output == "json" {
		return writeJSON(d.io.Out, summaryJSON{SchemaVersion: 1, Summary: sum})
	}
	return writeSummary(d.io.Out, sum)
}

// escalateLinks returns the maker of the notices' decision links when a
// service answers them (serve.base-url is set: iamsweep serve, perhaps
// with --no-scheduler, on the same state database and link key), and nil
// otherwise: the notices then carry no links.
func escalateLinks(ctx context.Context, d deps, cfg config.Config, st *store.Store, dryRun bool) (workflow.LinkMaker, error) {
	if dryRun || cfg.Serve.BaseURL == "" {
		return nil, nil
	}
	base, err := url.Parse(cfg.Serve.BaseURL) // checked by Validate
	if err != nil {
		return nil, iamsweep.NewInputError("serve.base-url", "", err)
	}
	signer, err := linkSigner(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	return newLinkMaker(d, cfg, st, signer, base), nil
}

type summaryJSON struct {
	SchemaVersion int `json:"schema_version"`
	workflow.Summary
}

// writeSummary writes a run's summary as text.
func writeSummary(w io.Writer, s workflow.Summary) error {
	if s.DryRun {
		fmt.Fprintf(w, "Dry run (nothing changed, nothing sent): scan %d, %d findings, %d unused.\n", s.ScanID, s.Findings, s.Unused)
		fmt.Fprintf(w, "Would send %s (%s). Tripwires: %d.\n", plural(s.Notices, "notice"), plural(s.Items, "item"), s.Tripwires)
	} else {
		fmt.Fprintf(w, "Ran: scan %d, %d findings, %d unused.\n", s.ScanID, s.Findings, s.Unused)
		fmt.Fprintf(w, "Notices: %d sent (%d items), %d failed. Quarantined %d, deleted %d, released %d, %d steps not done. Tripwires: %d.\n",
			s.Notices, s.Items, s.NoticesFailed, s.Quarantined, s.Deleted, s.Released, s.ActionsFailed, s.Tripwires)
	}
	for _, step := range s.Steps {
		fmt.Fprintf(w, "  %s\n", step)
	}
	return nil
}

// plural says "1 notice", "2 notices".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
