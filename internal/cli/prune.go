package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/store"
)

// PruneOptions are the inputs of the prune command.
type PruneOptions struct {
	deps
	// Config is the resolved configuration; its Retention applies when
	// neither KeepScans nor OlderThan is given.
	Config config.Config
	// KeepScans and OlderThan are the flags as given; "" when not given.
	KeepScans string
	OlderThan string
}

// NewCmdPrune returns the prune command; runF, when not nil, runs in
// place of runPrune (a test seam).
func NewCmdPrune(d deps, runF func(context.Context, *PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{deps: d, Config: config.Default()}
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Delete old scans from the state database and free their space",
		Long: `Prune deletes old scans and their findings from the state database, with
the plans made from them that were never applied, then compacts the file
and says how much space it freed.

A scan is deleted only when no rule keeps it:
  --keep-scans N         keeps the N most recently recorded scans
  --older-than DURATION  keeps the scans whose as-of time is within DURATION
                         of now: whole days (90d) or a Go duration (720h)
Given both, a scan goes when it is neither among the last N nor newer than
DURATION. Without either flag, the config file's retention section is used.

Always kept: the latest scan (plan reads it), a scan being recorded, and
every scan a kept plan refers to. Kept plans are the latest plan, plans
that were applied and plans whose scans are kept. Backups and the journal
of IAM calls are never deleted.

For the owner workflow (iamsweep serve), prune also deletes expired
decision links, and the history events older than --older-than (--keep-scans
alone keeps them). Decisions, exceptions, escalation states and the notice
journal are never deleted.

The config file's retention section also prunes after every recorded scan
(without compacting: the next scans reuse the space):

  retention:
    keep-scans: 30
    older-than: 180d

Exit status: 0 done (also when nothing was deleted); 1 failure; 2 usage or
input error.`,
		Example: `  iamsweep prune --keep-scans 30
  iamsweep prune --older-than 90d
  iamsweep prune --keep-scans 10 --older-than 180d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPrune(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, "state", "log-level", "log-format")
	cmd.Flags().StringVar(&opts.KeepScans, "keep-scans", "", "keep the `N` most recently recorded scans (1 or more)")
	cmd.Flags().StringVar(&opts.OlderThan, "older-than", "", "delete scans whose as-of time is older than `DURATION`: 90d (days) or a Go duration such as 720h")
	return cmd
}

func runPrune(ctx context.Context, opts *PruneOptions) error {
	r, err := pruneRetention(opts)
	if err != nil {
		return err
	}
	st, _, err := openState(ctx, opts.Config, opts.deps)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.Prune(ctx, r, opts.now())
	if err != nil {
		return err
	}
	var before, after int64
	if p.Scans > 0 || p.Plans > 0 || p.Events > 0 {
		// Asked for, the space goes back to the file system: VACUUM
		// rewrites only what is kept.
		if before, after, err = st.Vacuum(ctx); err != nil {
			return fmt.Errorf("%d scans were deleted, but the file was not compacted: %w", p.Scans, err)
		}
	}
	return writePruned(opts.io.Out, p, before, after)
}

// pruneRetention is the retention the flags give, else the config file's.
func pruneRetention(opts *PruneOptions) (iamsweep.Retention, error) {
	if opts.KeepScans == "" && opts.OlderThan == "" {
		if opts.Config.Retention.IsZero() {
			return iamsweep.Retention{}, usageError{errors.New("prune needs --keep-scans, --older-than, or a retention section in the config file")}
		}
		return opts.Config.Retention, nil
	}
	var r iamsweep.Retention
	var err error
	if opts.KeepScans != "" {
		if r.KeepScans, err = config.ParseKeepScans(opts.KeepScans); err != nil {
			return r, iamsweep.NewInputError("--keep-scans", "", err)
		}
	}
	if opts.OlderThan != "" {
		if r.OlderThan, err = config.ParseDuration(opts.OlderThan); err != nil {
			return r, iamsweep.NewInputError("--older-than", "", err)
		}
	}
	return r, nil
}

// writePruned says what prune deleted and the space it gave back.
func writePruned(w io.Writer, p store.Pruned, before, after int64) error {
	workflow := ""
	if p.LinkTokens > 0 || p.Events > 0 {
		workflow = fmt.Sprintf("Deleted %s and %s.\n", count(p.LinkTokens, "expired decision link"), count(p.Events, "old history event"))
	}
	if p.Scans == 0 && p.Plans == 0 {
		msg := "Nothing to delete: every scan is kept.\n"
		switch {
		case p.KeptForPlans == 1:
			msg = "Nothing to delete: the rules let 1 scan go, but a kept plan refers to it.\n"
		case p.KeptForPlans > 1:
			msg = fmt.Sprintf("Nothing to delete: the rules let %d scans go, but kept plans refer to them.\n", p.KeptForPlans)
		}
		if workflow != "" {
			msg = strings.Replace(msg, "Nothing to delete: every scan is kept.", "Every scan is kept.", 1)
			msg = strings.Replace(msg, "Nothing to delete: ", "No scan deleted: ", 1)
			msg = workflow + msg
		}
		_, err := io.WriteString(w, msg)
		return err
	}
	msg := fmt.Sprintf("Deleted %s (%s) and %s", count(p.Scans, "scan"), count(p.Findings, "finding"), count(p.Plans, "plan"))
	if p.KeptForPlans > 0 {
		msg += fmt.Sprintf("; kept %s that plans refer to", count(p.KeptForPlans, "scan"))
	}
	msg += fmt.Sprintf(".\n%sFreed %s: the state database went from %s to %s.\n", workflow, byteSize(p.Freed), byteSize(before), byteSize(after))
	_, err := io.WriteString(w, msg)
	return err
}

// count says "1 scan", "3 scans".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// byteSize says a size in bytes, kB or MB (powers of 1000).
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1000/1000)
	}
}

// pruneAfterScan applies the configured retention once a scan is
// recorded. Pruning is housekeeping: a failure is logged, and the scan,
// recorded already, stands.
func pruneAfterScan(ctx context.Context, st *store.Store, r iamsweep.Retention, now time.Time, log *slog.Logger) {
	if r.IsZero() {
		return
	}
	p, err := st.Prune(ctx, r, now)
	if err != nil {
		log.Warn("the scan was recorded, but the state database was not pruned", "err", err)
		return
	}
	if p.Scans > 0 || p.Plans > 0 || p.LinkTokens > 0 || p.Events > 0 {
		log.Info("state database pruned", "scans", p.Scans, "findings", p.Findings, "plans", p.Plans,
			"link_tokens", p.LinkTokens, "events", p.Events, "freed_bytes", p.Freed)
	}
}
