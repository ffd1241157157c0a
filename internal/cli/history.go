package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
)

// HistoryOptions are the inputs of the history command.
type HistoryOptions struct {
	deps
	Config config.Config
	// ARN is the principal whose verdicts to show.
	ARN string
}

// NewCmdHistory returns the history command.
func NewCmdHistory(d deps, runF func(context.Context, *HistoryOptions) error) *cobra.Command {
	opts := &HistoryOptions{deps: d, Config: config.Default()}
	cmd := &cobra.Command{
		Use:   "history ARN",
		Short: "Show a principal's verdicts over the recorded scans",
		Long: `History shows every recorded scan's verdict on a principal (and its password
and access keys), oldest first, with the as-of time of the first scan that
found it unused in the current run of unused verdicts (FIRST SEEN UNUSED;
the last use itself is in the reason).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			opts.ARN = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runHistory(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, "state", "output", "log-level", "log-format")
	setUsage(cmd, "output", "output format: table or json")
	return cmd
}

// runHistory shows a principal's recorded verdicts.
func runHistory(ctx context.Context, opts *HistoryOptions) error {
	d, cfg, arn := opts.deps, opts.Config, opts.ARN
	if err := tableOrJSON(&cfg, "history"); err != nil {
		return err
	}
	if _, err := iamsweep.ParseARN(arn); err != nil {
		return iamsweep.NewInputError("ARN", "", err)
	}
	st, err := readState(ctx, cfg, d)
	if err != nil {
		return err
	}
	defer st.Close()
	hs, err := st.History(ctx, arn)
	if err != nil {
		return err
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	if cfg.Output == "json" {
		type row struct {
			ScanID      int64   `json:"scan_id"`
			AsOf        string  `json:"as_of"`
			Type        string  `json:"type"`
			AccessKeyID string  `json:"access_key_id,omitempty"`
			Verdict     string  `json:"verdict"`
			Rule        string  `json:"rule"`
			Reason      string  `json:"reason"`
			FirstUnused *string `json:"first_unused"`
		}
		rows := []row{}
		for _, h := range hs {
			r := row{ScanID: h.ScanID, AsOf: stamp(h.AsOf), Type: string(h.Finding.Type), AccessKeyID: h.Finding.AccessKeyID,
				Verdict: string(h.Finding.Verdict), Rule: string(h.Finding.Rule), Reason: h.Finding.Reason}
			if !h.FirstUnused.IsZero() {
				s := stamp(h.FirstUnused)
				r.FirstUnused = &s
			}
			rows = append(rows, r)
		}
		return writeJSON(d.io.Out, rows)
	}
	if len(hs) == 0 {
		_, err := fmt.Fprintf(d.io.Out, "No recorded scan holds %s.\n", arn)
		return err
	}
	tw := tabwriter.NewWriter(d.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCAN\tAS OF\tRECORD\tVERDICT\tFIRST SEEN UNUSED\tREASON")
	for _, h := range hs {
		record := string(h.Finding.Type)
		if h.Finding.AccessKeyID != "" {
			record += " " + h.Finding.AccessKeyID
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", h.ScanID, stamp(h.AsOf), record, h.Finding.Verdict, stamp(h.FirstUnused), h.Finding.Reason)
	}
	return tw.Flush()
}
