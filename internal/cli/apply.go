package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/planfile"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// ApplyOptions are the inputs of the apply command.
type ApplyOptions struct {
	deps
	Config config.Config
	// File is the plan file to run; "" runs the latest plan in the state
	// database.
	File string
	// Yes skips the confirmation.
	Yes bool
}

// NewCmdApply returns the apply command.
func NewCmdApply(d deps, runF func(context.Context, *ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{deps: d, Config: config.Default()}
	cmd := &cobra.Command{
		Use:   "apply [PLAN.json]",
		Short: "Run a plan: quarantine or delete, after a backup and a last re-check",
		Long: `Apply runs a plan: the file given, else the latest plan saved in the state
database. Before each action it re-reads the principal and judges it again
(last use, tags, allowlist, guardrails); if the verdict changed since the
plan it skips the action and says why. Before the first change of a
principal it saves a complete backup in the state database, and it journals
every IAM call before and after it runs.

On a terminal it asks for confirmation: for deletions, type the ID (or name)
of each account being changed. --yes skips the question, for automation.

Applying a plan again continues it: completed actions are not repeated and
an interrupted one is finished from the state IAM is in. The kill switch
(IAMSWEEP_KILL_SWITCH set, or the kill-switch file existing) stops apply
before its next step.

Exit status: 0 every action applied, skipped or refused as shown; 1 an
action failed or the kill switch stopped the apply; 2 usage or input error
(a malformed plan file, or one edited since it was saved); 3 some actions
were not run because another apply holds their principals (run apply again
when it is done).`,
		Example: `  iamsweep apply plan.json
  iamsweep apply --yes plan.json   # no question: for automation`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			if len(args) == 1 {
				opts.File = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runApply(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, remediationSettings...)
	setUsage(cmd, "output", "output format: table or json")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// runApply runs a plan (see NewCmdApply).
func runApply(ctx context.Context, opts *ApplyOptions) error {
	d, cfg, file, yes := opts.deps, opts.Config, opts.File, opts.Yes
	if err := tableOrJSON(&cfg, "apply"); err != nil {
		return err
	}
	var plan iamsweep.Plan
	if file != "" {
		var err error
		if plan, err = readPlanFile(file); err != nil {
			return err
		}
	}
	// The state first: without it nothing may change.
	st, path, err := openState(ctx, cfg, d)
	if err != nil {
		return err
	}
	defer st.Close()
	if file == "" {
		plan, err = st.LatestPlan(ctx)
		if errors.Is(err, iamsweep.ErrNotFound) {
			return usageError{errors.New("the state database holds no plan: run iamsweep plan first, or give a plan file")}
		}
		if err != nil {
			return err
		}
	}
	runnable := 0
	for _, a := range plan.Actions {
		if a.Refused == "" {
			runnable++
		}
	}
	if runnable == 0 {
		_, err := fmt.Fprintf(d.io.Out, "Plan %s has no action to run.\n", plan.ID)
		return err
	}
	if !yes && !d.io.canPrompt() {
		return errNeedsConfirmation
	}
	env, err := openRemediation(ctx, d, cfg, st, path, plan.UnusedDays)
	if err != nil {
		return err
	}
	if !yes {
		// Shown as the configuration now lets it run: refused where it
		// would be, each action described by its kind.
		shown := remediate.Bound(plan, env.svc.Policy)
		if err := confirmPlan(d.io, shown, env.accountAlias(ctx)); err != nil {
			return err
		}
	}
	if cfg.Output != "json" {
		env.svc.Events = func(e remediate.Event) { fmt.Fprintf(d.io.ErrOut, "%s: %s\n", e.ActionID, e.Message) }
	}
	outcomes, applyErr := env.svc.Apply(ctx, plan)
	if err := writeOutcomes(d.io.Out, cfg.Output, plan, outcomes); err != nil {
		return err
	}
	if applyErr != nil {
		if errors.Is(applyErr, context.Canceled) {
			return fmt.Errorf("interrupted: run apply again to continue: %w", applyErr)
		}
		return applyErr
	}
	failed := 0
	for _, o := range outcomes {
		if o.Status == remediate.StatusFailed {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d actions failed (see above); run apply again once fixed: it continues where it stopped", failed, len(outcomes))
	}
	return heldElsewhere(d.io.ErrOut, outcomes)
}

// heldElsewhere makes the exit status partial (3) when actions were
// skipped because another apply holds their principals, and says which.
func heldElsewhere(w io.Writer, outcomes []remediate.Outcome) error {
	var held []string
	for _, o := range outcomes {
		if o.HeldBy != "" {
			held = append(held, fmt.Sprintf("%s (%s %s, held by %s)", o.Action.ID, o.Action.Principal, o.Action.ARN, o.HeldBy))
		}
	}
	if len(held) == 0 {
		return nil
	}
	if _, err := fmt.Fprintf(w, "iamsweep: %d of %d actions not run: another apply holds their principals: %s; run apply again when it is done\n",
		len(held), len(outcomes), strings.Join(held, "; ")); err != nil {
		return err
	}
	return errHeldElsewhere
}

// errHeldElsewhere: some actions were not run because another apply holds
// their principals; heldElsewhere has said which.
var errHeldElsewhere = &StatusError{Code: ExitPartial, Reason: "some actions are held by another apply"}

// errNeedsConfirmation: apply without --yes where nobody can answer.
var errNeedsConfirmation = usageError{errors.New("apply changes AWS and needs confirmation: run it on a terminal, or pass --yes")}

// confirmPlan shows the plan on stderr and asks a person to confirm it:
// for deletions, by typing each account's ID, alias or name.
//
// alias returns an account's IAM alias ("" for none or unknown): a person
// may type it in place of the account ID.
func confirmPlan(ios IO, plan iamsweep.Plan, alias func(accountID string) string) error {
	if !ios.canPrompt() {
		return errNeedsConfirmation
	}
	if err := writePlan(ios.ErrOut, plan, ""); err != nil {
		return err
	}
	var deleting []iamsweep.Action
	for _, a := range plan.Actions {
		if a.Refused == "" && iamsweep.Deleting(a.Kind) {
			deleting = append(deleting, a)
		}
	}
	in := bufio.NewReader(ios.In)
	ask := func(question string) (string, error) {
		fmt.Fprint(ios.ErrOut, question)
		line, err := in.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", fmt.Errorf("read the confirmation: %w", err)
		}
		return strings.TrimSpace(line), nil
	}
	if len(deleting) == 0 {
		answer, err := ask("\nApply these changes? Only 'yes' is accepted: ")
		if err != nil {
			return err
		}
		if answer != "yes" {
			return errors.New("apply canceled: nothing was changed")
		}
		return nil
	}
	var accounts []iamsweep.Action
	for _, a := range deleting {
		if !slices.ContainsFunc(accounts, func(b iamsweep.Action) bool { return b.AccountID == a.AccountID }) {
			accounts = append(accounts, a)
		}
	}
	for _, a := range accounts {
		n := 0
		for _, b := range deleting {
			if b.AccountID == a.AccountID {
				n++
			}
		}
		accepted := []string{a.AccountID}
		what := "account ID " + a.AccountID
		if name := alias(a.AccountID); name != "" {
			accepted = append(accepted, name)
			what += " or its alias " + name
		}
		if a.AccountName != "" {
			accepted = append(accepted, a.AccountName)
			what += " or its name " + a.AccountName
		}
		answer, err := ask(fmt.Sprintf("\nThis deletes %d item(s) in account %s.\nType the %s to confirm: ", n, accountLabel(a), what))
		if err != nil {
			return err
		}
		if !slices.Contains(accepted, answer) {
			return fmt.Errorf("apply canceled: %s is not account %s; nothing was changed", iamsweep.Quote(answer), a.AccountID)
		}
	}
	return nil
}

type outcomeJSON struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Principal string   `json:"principal"`
	AccountID string   `json:"account_id"`
	ARN       string   `json:"arn"`
	AccessKey string   `json:"access_key_id,omitempty"`
	Status    string   `json:"status"`
	Detail    string   `json:"detail,omitempty"`
	BackupID  string   `json:"backup_id,omitempty"`
	Calls     []string `json:"calls"`
	Notes     []string `json:"notes,omitempty"`
}

func writeOutcomes(w io.Writer, format string, plan iamsweep.Plan, outcomes []remediate.Outcome) error {
	if format == "json" {
		doc := struct {
			Plan     string        `json:"plan"`
			Outcomes []outcomeJSON `json:"outcomes"`
		}{Plan: plan.ID, Outcomes: []outcomeJSON{}}
		for _, o := range outcomes {
			calls := o.Steps
			if calls == nil {
				calls = []string{}
			}
			doc.Outcomes = append(doc.Outcomes, outcomeJSON{ID: o.Action.ID, Kind: string(o.Action.Kind), Principal: o.Action.Principal,
				AccountID: o.Action.AccountID, ARN: o.Action.ARN, AccessKey: o.Action.AccessKeyID, Status: string(o.Status),
				Detail: o.Detail, BackupID: o.BackupID, Calls: calls, Notes: o.Notes})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	var b strings.Builder
	counts := map[remediate.Status]int{}
	fmt.Fprintf(&b, "Plan %s:\n", plan.ID)
	for _, o := range outcomes {
		counts[o.Status]++
		fmt.Fprintf(&b, "  %s %-15s %s %s in %s\n", o.Action.ID, o.Status, o.Action.Kind, principalLabel(o.Action), accountLabel(o.Action))
		if o.Detail != "" {
			fmt.Fprintf(&b, "        %s\n", o.Detail)
		}
		if len(o.Steps) > 0 {
			fmt.Fprintf(&b, "        calls: %s\n", strings.Join(o.Steps, "; "))
		}
		if o.BackupID != "" && len(o.Steps) > 0 {
			fmt.Fprintf(&b, "        backup: %s\n", o.BackupID)
		}
		for _, n := range o.Notes {
			fmt.Fprintf(&b, "        note: %s\n", n)
		}
	}
	var parts []string
	for _, s := range []remediate.Status{remediate.StatusApplied, remediate.StatusAlready, remediate.StatusSkipped, remediate.StatusRefused, remediate.StatusFailed, remediate.StatusStopped} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(&b, "\nApply: %s.\n", strings.Join(parts, ", "))
	_, err := io.WriteString(w, b.String())
	return err
}

// readPlanFile reads a plan file given to apply.
func readPlanFile(path string) (iamsweep.Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return iamsweep.Plan{}, iamsweep.NewInputError(path, "", fmt.Errorf("open plan: %w", unwrapPathError(err)))
	}
	defer f.Close()
	return planfile.Read(f, path)
}
