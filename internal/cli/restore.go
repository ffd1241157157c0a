package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/remediate"
	"github.com/iamsweep/iamsweep/internal/store"
)

// confirm asks a yes/no question on a terminal.
func confirm(ios IO, question string) error {
	if !ios.canPrompt() {
		return usageError{errors.New("this changes AWS and needs confirmation: run it on a terminal, or pass --yes")}
	}
	fmt.Fprint(ios.ErrOut, question+" Only 'yes' is accepted: ")
	line, err := bufio.NewReader(ios.In).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return fmt.Errorf("read the confirmation: %w", err)
	}
	if strings.TrimSpace(line) != "yes" {
		return errors.New("canceled: nothing was changed")
	}
	return nil
}

// confirmedChange checks the ARN (when not ""), asks the question unless
// yes, and opens what a change needs.
func confirmedChange(ctx context.Context, d deps, cfg config.Config, arn, question string, yes bool) (*remediationEnv, error) {
	if arn != "" {
		if _, err := remediate.ParseTarget(arn); err != nil {
			return nil, iamsweep.NewInputError("ARN", "", err)
		}
	}
	if !yes {
		if err := confirm(d.io, question); err != nil {
			return nil, err
		}
	}
	st, path, err := openState(ctx, cfg, d)
	if err != nil {
		return nil, err
	}
	env, err := openRemediation(ctx, d, cfg, st, path, cfg.UnusedDays)
	if err != nil {
		st.Close()
		return nil, err
	}
	return env, nil
}

func newReleaseCmd(d deps) *cobra.Command {
	var yes bool
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
		RunE: withConfig(d, func(cmd *cobra.Command, args []string, cfg config.Config) error {
			return runRelease(cmd.Context(), d, cfg, args[0], yes)
		}),
	}
	bindSettings(cmd, remediationSettings...)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func runRelease(ctx context.Context, d deps, cfg config.Config, arn string, yes bool) error {
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

func newRestoreCmd(d deps) *cobra.Command {
	var yes, resetPassword bool
	cmd := &cobra.Command{
		Use:   "restore ARN|BACKUP-ID",
		Short: "Recreate a role or user from its backup",
		Long: `Restore recreates a principal from a backup in the state database: the newest
backup of the ARN given, or the backup named. A role comes back with its
name, path, trust policy, description, maximum session duration, permissions
boundary, tags, inline and managed policies and instance profiles; a user
with its path, boundary, tags, policies, groups, SSH public keys and signing
certificates.

What cannot come back is said plainly: the new principal has a new unique
ID, so trust and resource policies that named the old one must name it
again; access key secrets, console passwords, service-specific credentials
and virtual MFA devices are gone (--reset-password sets a new console
password that must be changed at the next sign-in, and prints it once).

Restore never overwrites a principal someone else created under the same
name. It reads the principal back afterwards and lists any field that
differs from the backup.

On a terminal it asks for confirmation; without one, pass --yes.`,
		Example: `  iamsweep backups
  iamsweep restore arn:aws:iam::111122223333:role/app/ci-deployer
  iamsweep restore b-p-20261123T120000Z-a003 --reset-password`,
		Args: cobra.ExactArgs(1),
		RunE: withConfig(d, func(cmd *cobra.Command, args []string, cfg config.Config) error {
			return runRestore(cmd.Context(), d, cfg, args[0], yes, resetPassword)
		}),
	}
	bindSettings(cmd, remediationSettings...)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&resetPassword, "reset-password", false, "give a restored user that had a console password a new one, to be changed at the next sign-in")
	return cmd
}

func runRestore(ctx context.Context, d deps, cfg config.Config, ref string, yes, resetPassword bool) error {
	arn := ""
	if strings.HasPrefix(ref, "arn:") {
		arn = ref
	}
	env, err := confirmedChange(ctx, d, cfg, arn, "Restore "+ref+" from its backup?", yes)
	if err != nil {
		return err
	}
	defer env.store.Close()
	var opts remediate.RestoreOptions
	if resetPassword {
		if opts.Password, err = newPassword(); err != nil {
			return err
		}
	}
	res, err := env.svc.Restore(ctx, ref, opts)
	if err != nil {
		return err
	}
	passwordSet := false
	for _, s := range res.Steps {
		passwordSet = passwordSet || strings.HasPrefix(s, string(iamsweep.OpCreateLoginProfile))
	}
	if cfg.Output == "json" {
		doc := map[string]any{"backup_id": res.Backup.ID, "arn": res.Backup.ARN, "unique_id": res.NewID, "existed": res.Existed, "quarantined": res.Quarantined,
			"calls": nonNil(res.Steps), "notes": nonNil(res.Notes), "differences": nonNil(res.Differences)}
		if passwordSet {
			doc["console_password"] = opts.Password
		}
		return writeJSON(d.io.Out, doc)
	}
	var b strings.Builder
	taken := res.Backup.Created.UTC().Format(time.RFC3339)
	switch {
	case res.Existed && len(res.Steps) == 0:
		// Never deleted (a quarantine took the backup): nothing to bring back.
		fmt.Fprintf(&b, "%s exists with the unique ID of its backup %s (taken %s): it was never deleted; nothing to restore.\n", res.Backup.ARN, res.Backup.ID, taken)
	default:
		fmt.Fprintf(&b, "Restored %s from backup %s (taken %s).\n", res.Backup.ARN, res.Backup.ID, taken)
	}
	fmt.Fprintf(&b, "  unique ID: %s\n", res.NewID)
	switch {
	case len(res.Steps) > 0:
		fmt.Fprintf(&b, "  calls: %s\n", strings.Join(res.Steps, "; "))
	case !res.Existed:
		b.WriteString("  nothing to do: it already matches its backup\n")
	}
	if passwordSet {
		fmt.Fprintf(&b, "  console password (shown once; must be changed at the next sign-in): %s\n", opts.Password)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "  cannot restore / note: %s\n", n)
	}
	if len(res.Differences) == 0 {
		b.WriteString("  read back: every restorable field matches the backup\n")
	}
	for _, diff := range res.Differences {
		fmt.Fprintf(&b, "  DIFFERS: %s\n", diff)
	}
	_, err = io.WriteString(d.io.Out, b.String())
	if err == nil && len(res.Differences) > 0 {
		err = fmt.Errorf("the restored principal differs from its backup in %d field(s) (listed above)", len(res.Differences))
	}
	return err
}

// newPassword returns a random 24-character password with upper- and
// lower-case letters, digits and symbols, which meets any IAM password
// policy's character rules.
func newPassword() (string, error) {
	sets := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!@#$%^&*()-_=+[]{}"}
	all := strings.Join(sets, "")
	pick := func(s string) (byte, error) {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(s))))
		if err != nil {
			return 0, fmt.Errorf("generate a password: %w", err)
		}
		return s[n.Int64()], nil
	}
	out := make([]byte, 0, 24)
	for len(out) < 24 {
		set := all
		if len(out) < len(sets) {
			set = sets[len(out)]
		}
		c, err := pick(set)
		if err != nil {
			return "", err
		}
		out = append(out, c)
	}
	// Shuffle so the classes are not in a fixed order.
	for i := len(out) - 1; i > 0; i-- {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", fmt.Errorf("generate a password: %w", err)
		}
		j := n.Int64()
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newBackupsCmd(d deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backups [ARN|BACKUP-ID]",
		Short: "List the backups iamsweep took before changing principals",
		Long: `Backups lists the backups in the state database, newest first: all of them, or
those of one principal (ARN). Given a backup ID, it prints that backup in
full as JSON. iamsweep never deletes a backup.`,
		Args: cobra.MaximumNArgs(1),
		RunE: withConfig(d, func(cmd *cobra.Command, args []string, cfg config.Config) error {
			ref := ""
			if len(args) == 1 {
				ref = args[0]
			}
			return runBackups(cmd.Context(), d, cfg, ref)
		}),
	}
	bindSettings(cmd, "state", "output", "log-level", "log-format")
	return cmd
}

func runBackups(ctx context.Context, d deps, cfg config.Config, ref string) error {
	st, _, err := openState(ctx, cfg, d)
	if err != nil {
		return err
	}
	defer st.Close()
	if ref != "" && !strings.HasPrefix(ref, "arn:") {
		b, err := st.LoadBackup(ctx, ref)
		if errors.Is(err, iamsweep.ErrNotFound) {
			return usageError{fmt.Errorf("no backup %q in the state database", ref)}
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

func newHistoryCmd(d deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history ARN",
		Short: "Show a principal's verdicts over the recorded scans",
		Long: `History shows every recorded scan's verdict on a principal (and its password
and access keys), oldest first, with when it was first seen unused in the
current run of unused verdicts.`,
		Args: cobra.ExactArgs(1),
		RunE: withConfig(d, func(cmd *cobra.Command, args []string, cfg config.Config) error {
			return runHistory(cmd.Context(), d, cfg, args[0])
		}),
	}
	bindSettings(cmd, "state", "output", "log-level", "log-format")
	return cmd
}

func runHistory(ctx context.Context, d deps, cfg config.Config, arn string) error {
	if _, err := iamsweep.ParseARN(arn); err != nil {
		return iamsweep.NewInputError("ARN", "", err)
	}
	st, _, err := openState(ctx, cfg, d)
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
	fmt.Fprintln(tw, "SCAN\tAS OF\tRECORD\tVERDICT\tUNUSED SINCE\tREASON")
	for _, h := range hs {
		record := string(h.Finding.Type)
		if h.Finding.AccessKeyID != "" {
			record += " " + h.Finding.AccessKeyID
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", h.ScanID, stamp(h.AsOf), record, h.Finding.Verdict, stamp(h.FirstUnused), h.Finding.Reason)
	}
	return tw.Flush()
}
