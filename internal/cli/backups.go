package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/store"
)

// BackupsOptions are the inputs of the backups command.
type BackupsOptions struct {
	deps
	Config config.Config
	// Ref is "" (every backup), an ARN (its backups) or a backup ID (that
	// backup in full).
	Ref string
}

// NewCmdBackups returns the backups command.
func NewCmdBackups(d deps, runF func(context.Context, *BackupsOptions) error) *cobra.Command {
	opts := &BackupsOptions{deps: d, Config: config.Default()}
	cmd := &cobra.Command{
		Use:   "backups [ARN|BACKUP-ID]",
		Short: "List the backups iamsweep took before changing principals",
		Long: `Backups lists the backups in the state database, newest first: all of them, or
those of one principal (ARN). Given a backup ID, it prints that backup in
full as JSON. iamsweep never deletes a backup.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			if len(args) == 1 {
				opts.Ref = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runBackups(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, "state", "output", "log-level", "log-format")
	setUsage(cmd, "output", "output format: table or json")
	return cmd
}

// runBackups lists backups, or prints one.
func runBackups(ctx context.Context, opts *BackupsOptions) error {
	d, cfg, ref := opts.deps, opts.Config, opts.Ref
	if err := tableOrJSON(&cfg, "backups"); err != nil {
		return err
	}
	st, err := readState(ctx, cfg, d)
	if err != nil {
		return err
	}
	defer st.Close()
	if ref != "" && !strings.HasPrefix(ref, "arn:") {
		b, err := st.LoadBackup(ctx, ref)
		if errors.Is(err, iamsweep.ErrNotFound) {
			return usageError{fmt.Errorf("no backup %s in the state database", iamsweep.Quote(ref))}
		}
		if err != nil {
			return err
		}
		return writeJSON(d.io.Out, store.BackupDocument(b, true))
	}
	bs, err := st.Backups(ctx, ref)
	if err != nil {
		return err
	}
	if cfg.Output == "json" {
		rows := []any{}
		for _, b := range bs {
			rows = append(rows, store.BackupDocument(b, false))
		}
		return writeJSON(d.io.Out, rows)
	}
	if len(bs) == 0 {
		_, err := fmt.Fprintln(d.io.Out, "No backups.")
		return err
	}
	tw := tabwriter.NewWriter(d.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BACKUP\tTAKEN\tPRINCIPAL\tBY")
	for _, b := range bs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", b.ID, b.Created.UTC().Format(time.RFC3339), b.ARN, b.PlanID+" "+b.ActionID)
	}
	return tw.Flush()
}
