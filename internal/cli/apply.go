package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/remediate"
	"github.com/iamsweep/iamsweep/internal/store"
)

// remediationSettings are the settings of the commands that change AWS.
var remediationSettings = []string{
	"state", "allow-service-linked", "allow", "as-of", "profile", "region", "endpoint-url",
	"assume-role", "external-id", "output", "log-level", "log-format",
}

func newApplyCmd(d deps) *cobra.Command {
	var yes bool
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
action failed or the kill switch stopped the apply; 2 usage error.`,
		Example: `  iamsweep apply plan.json
  iamsweep apply --yes plan.json   # no question: for automation`,
		Args: cobra.MaximumNArgs(1),
		RunE: withConfig(d, func(cmd *cobra.Command, args []string, cfg config.Config) error {
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
			return runApply(cmd.Context(), d, cfg, file, yes)
		}),
	}
	bindSettings(cmd, remediationSettings...)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// remediationEnv is what apply, release and restore share.
type remediationEnv struct {
	store *store.Store
	svc   *remediate.Service
	log   *slog.Logger
}

// accountAlias returns a lookup of account aliases for the confirmation of
// a deletion. An alias that cannot be read (no iam:ListAccountAliases, a
// role that cannot be assumed) is logged and left out: the account ID is
// always accepted.
func (e *remediationEnv) accountAlias(ctx context.Context) func(string) string {
	return func(accountID string) string {
		m, err := e.svc.Open(ctx, accountID)
		if err != nil {
			e.log.Warn("cannot read the account alias: type the account ID", "account_id", accountID, "err", err)
			return ""
		}
		a, ok := m.(interface {
			AccountAlias(context.Context) (string, error)
		})
		if !ok {
			return ""
		}
		name, err := a.AccountAlias(ctx)
		if err != nil {
			e.log.Warn("cannot read the account alias: type the account ID", "account_id", accountID, "err", err)
			return ""
		}
		return name
	}
}

// openRemediation connects the remediation service to AWS and to the state
// database st (at path), which the caller keeps and closes.
func openRemediation(ctx context.Context, d deps, cfg config.Config, st *store.Store, path string, unusedDays int) (*remediationEnv, error) {
	log := newLogger(d.io.ErrOut, cfg.LogLevel, cfg.LogFormat)
	awsCfg, err := loadAWSConfig(ctx, cfg, d.retry)
	if err != nil {
		return nil, err
	}
	org := awsapi.NewOrg(awsCfg, log, awsapi.OrgOptions{Role: cfg.AssumeRole, ExternalID: cfg.ExternalID})
	caller, err := org.CallerARN(ctx)
	if err != nil {
		return nil, err
	}
	allow, err := detect.NewAllowlist(cfg.Allow)
	if err != nil {
		return nil, usageError{err}
	}
	svc := &remediate.Service{
		Store:      st,
		Open:       cachedMutators(org),
		Now:        func() time.Time { return d.now().UTC() },
		Policy:     remediationPolicy(cfg),
		Detect:     detect.Options{UnusedDays: unusedDays, Allowlist: allow},
		Caller:     caller,
		Owner:      leaseOwner(),
		OwnerGone:  ownerGone,
		KillSwitch: killSwitch(cfg, d, path),
		Log:        log,
	}
	if !cfg.AsOf.IsZero() {
		// --as-of is the evaluation time of the re-checks; the journal and
		// the backups keep the real time.
		asOf := cfg.AsOf
		svc.JudgeAt = func() time.Time { return asOf }
	}
	return &remediationEnv{store: st, svc: svc, log: log}, nil
}

// cachedMutators opens each account once: one AssumeRole per member
// account per run, whose credentials the SDK renews as they near expiry.
func cachedMutators(org *awsapi.Org) func(context.Context, string) (iamsweep.Mutator, error) {
	var mu sync.Mutex
	open := map[string]iamsweep.Mutator{}
	return func(ctx context.Context, accountID string) (iamsweep.Mutator, error) {
		mu.Lock()
		defer mu.Unlock()
		if m, ok := open[accountID]; ok {
			return m, nil
		}
		m, err := org.Mutator(ctx, iamsweep.Account{ID: accountID})
		if err != nil {
			return nil, err
		}
		open[accountID] = m
		return m, nil
	}
}

func leaseOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

func runApply(ctx context.Context, d deps, cfg config.Config, file string, yes bool) error {
	if cfg.Output == "csv" {
		return usageError{errors.New("--output: apply writes table or json")}
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
		if err := confirmPlan(d.io, plan, env.accountAlias(ctx)); err != nil {
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
	return nil
}

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
	if err := writePlan(ios.ErrOut, plan, plan.ScanID, ""); err != nil {
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
			return fmt.Errorf("apply canceled: %q is not account %s; nothing was changed", answer, a.AccountID)
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
