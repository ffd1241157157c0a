package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/planfile"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// PlanOptions are the inputs of the plan command.
type PlanOptions struct {
	deps
	Config config.Config
	// Out is a file to save the plan to as JSON too, "" for none.
	Out string
	// Refs reads the references of the plan's roles and users live (in
	// the account of the AWS credentials) before deciding on them.
	Refs bool
	// RefsFile reads them from a file written by iamsweep refs -o json.
	RefsFile string
}

// NewCmdPlan returns the plan command.
func NewCmdPlan(d deps, runF func(context.Context, *PlanOptions) error) *cobra.Command {
	opts := &PlanOptions{deps: d, Config: config.Default()}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Decide what to do about the latest scan's unused access (changes nothing)",
		Long: `Plan turns the findings of the latest scan recorded in the state database into
actions, by the remediation policy of the config file (see
docs/remediation.md): quarantine or delete unused roles and users, deactivate or
delete unused access keys, delete unused console passwords. Each action
shows why; those a guardrail or a limit stops are listed as refused, with
the reason. Nothing in AWS changes.

The plan is saved in the state database (apply runs the latest one), and
with --out as a JSON file to review, keep or pass to apply (written as scan
writes --out: see iamsweep scan --help).

With --refs (live) or --refs-file (the JSON of iamsweep refs -o json), plan
first reads what still points at each role and user it acts on (see
docs/refs.md). Live, it reads each account the plan acts in once: the
account of the AWS credentials with them, the others of an organization's
scan through the role --assume-role names (as scan --org does). A delete of a principal
still referenced by compute, a trust chain or a resource policy is refused
with the references as the reason, unless remediation.delete-referenced is
true; a quarantine runs and the plan says what stops working.`,
		Example: `  iamsweep scan
  iamsweep plan --out plan.json
  iamsweep apply plan.json

  # Refuse deletes of roles that something still uses:
  iamsweep plan --refs --profile audit`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Refs && opts.RefsFile != "" {
				return flagError{errors.New("--refs and --refs-file: give one (--refs reads the references live, --refs-file from a file)")}
			}
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPlan(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, "state", "allow-service-linked", "output", "log-level", "log-format", "profile", "region", "endpoint-url",
		"assume-role", "external-id", "concurrency")
	setUsage(cmd, "output", "output format: table or json")
	cmd.Flags().StringVar(&opts.Out, "out", "", "also save the plan as JSON to this file (written atomically)")
	cmd.Flags().BoolVar(&opts.Refs, "refs", false, "read what still references each role and user live first; refuse deleting the referenced ones")
	cmd.Flags().StringVar(&opts.RefsFile, "refs-file", "", "read the references from this output of 'iamsweep refs -o json' instead")
	return cmd
}

// runPlan makes a plan from the latest recorded scan, saves it in the state
// database (and to opts.Out) and shows it.
func runPlan(ctx context.Context, opts *PlanOptions) error {
	cfg := opts.Config
	if err := tableOrJSON(&cfg, "plan"); err != nil {
		return err
	}
	st, _, err := openState(ctx, cfg, opts.deps)
	if err != nil {
		return err
	}
	defer st.Close()
	scanID, res, err := st.LatestScan(ctx)
	if errors.Is(err, iamsweep.ErrNotFound) {
		return usageError{errors.New("the state database holds no scan: run iamsweep scan first")}
	}
	if err != nil {
		return err
	}
	policy := remediationPolicy(cfg)
	references, err := planReferences(ctx, opts, res)
	if err != nil {
		return err
	}
	now := opts.now().UTC()
	id, err := freePlanID(ctx, st, now)
	if err != nil {
		return err
	}
	plan := remediate.MakePlan(remediate.PlanInput{ID: id, Created: now, Scan: res, References: references}, policy)
	plan.ScanID = scanID
	if opts.Out != "" {
		o, err := openOutput(nil, opts.Out)
		if err != nil {
			return err
		}
		defer o.Abort()
		if err := planfile.Write(o, plan); err != nil {
			return fmt.Errorf("write %s: %w", opts.Out, err)
		}
		if err := o.Commit(); err != nil {
			return err
		}
	}
	if err := st.SavePlan(ctx, plan); err != nil {
		return err
	}
	if cfg.Output == "json" {
		return planfile.Write(opts.io.Out, plan)
	}
	return writePlan(opts.io.Out, plan, opts.Out)
}

// freePlanID returns "p-<time>", with a suffix when a plan of that second
// exists.
func freePlanID(ctx context.Context, st iamsweep.Store, now time.Time) (string, error) {
	base := "p-" + now.Format("20060102T150405Z")
	for n := 1; ; n++ {
		id := base
		if n > 1 {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		_, err := st.LoadPlan(ctx, id)
		if errors.Is(err, iamsweep.ErrNotFound) {
			return id, nil
		}
		if err != nil {
			return "", err
		}
	}
}

// actionSymbol marks an action's effect, as terraform plan does.
func actionSymbol(a iamsweep.Action) string {
	switch {
	case a.Refused != "":
		return "x"
	case a.Kind == iamsweep.ActionDelete, a.Kind == iamsweep.ActionDeleteKey, a.Kind == iamsweep.ActionDeletePassword:
		return "-"
	default:
		return "~"
	}
}

func principalLabel(a iamsweep.Action) string {
	label := a.Principal + " " + iamsweep.JoinPathName(a.Path, a.Name)
	if a.AccessKeyID != "" {
		label += " key " + a.AccessKeyID
	}
	if a.Finding.Type == iamsweep.TypeRootAccessKey {
		label = fmt.Sprintf("root user access key %d", a.Finding.KeySlot)
		if a.AccessKeyID != "" {
			label += " (" + a.AccessKeyID + ")"
		}
	}
	return label
}

func accountLabel(a iamsweep.Action) string {
	if a.AccountName != "" {
		return a.AccountID + " (" + a.AccountName + ")"
	}
	return a.AccountID
}

// writePlan shows a plan for a person to review, with the recorded scan it
// was made from when the plan names one (plans of older builds do not).
func writePlan(w io.Writer, p iamsweep.Plan, file string) error {
	var b strings.Builder
	from := ""
	if p.ScanID > 0 {
		from = fmt.Sprintf(", from scan %d", p.ScanID)
	}
	window := fmt.Sprintf("unused for more than %d days", p.UnusedDays)
	if len(p.Actions) > 0 && !slices.ContainsFunc(p.Actions, func(a iamsweep.Action) bool { return a.Kind != iamsweep.ActionRefine }) {
		window = fmt.Sprintf("refined to what was used in a %d-day window, unless set otherwise", p.UnusedDays)
	}
	fmt.Fprintf(&b, "Plan %s%s (as of %s, %s).\n", p.ID, from, p.AsOf.UTC().Format(time.RFC3339), window)
	if len(p.Actions) == 0 {
		b.WriteString("\nNo action: the scan found nothing the remediation policy acts on.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("\n  ~ reversible change   - deletion   x refused (will not run)\n\n")
	counts := map[iamsweep.ActionKind]int{}
	refused := 0
	var notes []string
	var noteKinds []iamsweep.ActionKind
	for _, a := range p.Actions {
		fmt.Fprintf(&b, "  %s %s %s %s in %s\n", actionSymbol(a), a.ID, a.Kind, principalLabel(a), accountLabel(a))
		if a.Finding.Reason != "" {
			fmt.Fprintf(&b, "        why: %s\n", a.Finding.Reason)
		}
		if a.Refused != "" {
			fmt.Fprintf(&b, "        refused: %s\n", a.Refused)
			refused++
			continue
		}
		counts[a.Kind]++
		for _, c := range a.Changes {
			fmt.Fprintf(&b, "        %s\n", describeChange(a, c))
		}
		if a.Irreversible {
			b.WriteString("        IRREVERSIBLE\n")
		}
		kindNotes := remediate.KindNotes(a.Principal, a.Kind)
		for _, n := range a.Notes {
			if !slices.Contains(kindNotes, n) {
				fmt.Fprintf(&b, "        note: %s\n", n) // this action's own (references)
				continue
			}
			if !slices.Contains(notes, n) {
				notes = append(notes, n)
				noteKinds = append(noteKinds, a.Kind)
			}
		}
	}
	var parts []string
	for _, k := range []iamsweep.ActionKind{iamsweep.ActionQuarantine, iamsweep.ActionDelete, iamsweep.ActionDeactivateKey, iamsweep.ActionDeleteKey, iamsweep.ActionDeletePassword, iamsweep.ActionRefine} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	if refused > 0 {
		parts = append(parts, fmt.Sprintf("%d refused", refused))
	}
	if len(notes) > 0 {
		b.WriteString("\nNotes:\n")
		for i, n := range notes {
			fmt.Fprintf(&b, "  %s: %s\n", noteKinds[i], n)
		}
	}
	fmt.Fprintf(&b, "\nPlan: %s.\n", strings.Join(parts, ", "))
	if file != "" {
		fmt.Fprintf(&b, "Saved to %s. Apply it with: iamsweep apply %s\n", file, file)
	} else {
		fmt.Fprintf(&b, "Saved in the state database. Apply it with: iamsweep apply\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// describeChange says what a refine action does to one policy.
func describeChange(a iamsweep.Action, c iamsweep.PolicyChange) string {
	switch {
	case c.Inline && c.Refined != "":
		return fmt.Sprintf("inline %s: put back refined (%d characters)", c.Policy, remediate.PolicySize(c.Refined))
	case c.Inline:
		return fmt.Sprintf("inline %s: delete (nothing it allows was used)", c.Policy)
	case c.Refined != "":
		return fmt.Sprintf("managed %s: create %s (%d characters) for this %s, attach it, detach %s",
			c.Policy, remediate.RefinedPolicyARN(a.ARN, c.RefinedName), remediate.PolicySize(c.Refined), a.Principal, c.Policy)
	}
	return fmt.Sprintf("managed %s: detach (nothing it allows was used)", c.Policy)
}
