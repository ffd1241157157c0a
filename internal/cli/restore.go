package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// RestoreOptions are the inputs of the restore command.
type RestoreOptions struct {
	deps
	Config config.Config
	// Ref is the ARN of a principal (its newest backup) or a backup ID.
	Ref string
	// Yes skips the confirmation.
	Yes bool
	// ResetPassword gives a restored user that had a console password a
	// new one.
	ResetPassword bool
}

// NewCmdRestore returns the restore command.
func NewCmdRestore(d deps, runF func(context.Context, *RestoreOptions) error) *cobra.Command {
	opts := &RestoreOptions{deps: d, Config: config.Default()}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRestore(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, remediationSettings...)
	setUsage(cmd, "output", "output format: table or json")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.ResetPassword, "reset-password", false, "give a restored user that had a console password a new one, to be changed at the next sign-in")
	return cmd
}

// runRestore recreates a principal from its backup.
func runRestore(ctx context.Context, o *RestoreOptions) error {
	d, cfg, ref, yes, resetPassword := o.deps, o.Config, o.Ref, o.Yes, o.ResetPassword
	if err := tableOrJSON(&cfg, "restore"); err != nil {
		return err
	}
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
