package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/escalate"
	"github.com/iamsweep/iamsweep/internal/remediate"
	"github.com/iamsweep/iamsweep/internal/store"
)

// EscalationOptions are the inputs of the escalation command.
type EscalationOptions struct {
	deps
	Config config.Config
	// ARNs limit the output to these principals; none means all.
	ARNs []string
}

// NewCmdEscalation returns the escalation command.
func NewCmdEscalation(d deps, runF func(context.Context, *EscalationOptions) error) *cobra.Command {
	opts := &EscalationOptions{deps: d, Config: d.config()}
	cmd := &cobra.Command{
		Use:   "escalation [ARN...]",
		Short: "Show each principal's escalation: what was done and what is planned, with dates",
		Long: `Escalation shows, for each principal the owner workflow (iamsweep escalate or
iamsweep serve) has escalated, or for the ARNs given, its timeline: the steps
done (notices, decisions, quarantine, tripwire, deletion; from the state
database) and the steps planned, with their dates, as the escalation policy
of the configuration schedules them now. A decision, a use or a snooze
changes the plan. It reads the state database only.`,
		Example: `  iamsweep escalation
  iamsweep escalation arn:aws:iam::111122223333:role/app/old-role -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			opts.ARNs = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runEscalation(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, "state", "output", "as-of", "log-level", "log-format")
	setUsage(cmd, "output", "output format: table or json")
	return cmd
}

// timeline is one principal's escalation, as the command shows it.
type timeline struct {
	State   escalate.State
	Events  []store.Event
	Planned []escalate.Planned
}

func runEscalation(ctx context.Context, opts *EscalationOptions) error {
	d, cfg := opts.deps, opts.Config
	if err := tableOrJSON(&cfg, "escalation"); err != nil {
		return err
	}
	for _, arn := range opts.ARNs {
		if _, err := iamsweep.ParseARN(arn); err != nil {
			return iamsweep.NewInputError("ARN", "", err)
		}
	}
	now := cfg.AsOf
	if now.IsZero() {
		now = d.now().UTC()
	}
	tls, err := readTimelines(ctx, cfg, d, opts.ARNs, now)
	if err != nil {
		return err
	}
	if cfg.Output == "json" {
		return writeTimelinesJSON(d.io.Out, tls)
	}
	return writeTimelines(d.io.Out, tls, opts.ARNs)
}

// readTimelines reads the escalations of arns (all when none) and their
// history from the state database, read-only.
func readTimelines(ctx context.Context, cfg config.Config, d deps, arns []string, now time.Time) ([]timeline, error) {
	path, ok, err := statePath(cfg, d)
	if err != nil {
		return nil, usageError{fmt.Errorf("%w: give the state database with --state", err)}
	}
	if !ok {
		return nil, usageError{errors.New("no state database: give one with --state")}
	}
	st, err := store.OpenReadOnly(ctx, path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // nothing recorded yet
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	states, err := st.Escalations(ctx)
	if err != nil {
		return nil, err
	}
	policy := timelinePolicy(cfg)
	var out []timeline
	for _, s := range states {
		if len(arns) > 0 && !slices.Contains(arns, s.ARN) {
			continue
		}
		events, err := st.Events(ctx, s.Key, 0)
		if err != nil {
			return nil, err
		}
		es := escalate.State(s)
		out = append(out, timeline{State: es, Events: events, Planned: escalate.Plan(es, policy, now)})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].State, out[j].State
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.ARN != b.ARN {
			return a.ARN < b.ARN
		}
		return a.Key < b.Key
	})
	return out, nil
}

func dayOf(t time.Time) string { return t.UTC().Format("2006-01-02") }

func writeTimelines(w io.Writer, tls []timeline, arns []string) error {
	if len(tls) == 0 {
		if len(arns) > 0 {
			_, err := fmt.Fprintf(w, "No escalation of %s is recorded.\n", strings.Join(arns, ", "))
			return err
		}
		_, err := fmt.Fprintln(w, "No escalation is recorded: run iamsweep escalate (or serve) first.")
		return err
	}
	for i, tl := range tls {
		s := tl.State
		if i > 0 {
			fmt.Fprintln(w)
		}
		what := string(s.Type)
		if _, id, ok := strings.Cut(strings.TrimPrefix(string(s.Key), s.AccountID+" "+string(s.Type)+" "+s.ARN), " "); ok && id != "" {
			what += " " + id
		}
		fmt.Fprintf(w, "%s (%s, account %s, owner %s)\n", s.ARN, what, s.AccountID, cmpOr(s.Owner, "none"))
		status := "stage " + cmpOr(string(s.Stage), "none yet")
		if s.Round > 1 {
			status += fmt.Sprintf(", round %d", s.Round)
		}
		if s.Stopped != "" {
			status += "; stopped: " + s.Stopped
		}
		if !s.SnoozedUntil.IsZero() {
			status += "; snoozed until " + dayOf(s.SnoozedUntil)
		}
		if s.BackupID != "" {
			status += "; backup " + s.BackupID
		}
		fmt.Fprintf(w, "  %s\n", status)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, e := range tl.Events {
			fmt.Fprintf(tw, "  %s\tdone\t%s\t%s\n", dayOf(e.At), e.Kind, e.Text)
		}
		for _, p := range tl.Planned {
			fmt.Fprintf(tw, "  %s\tplanned\tstep\t%s\n", dayOf(p.At), p.What)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func writeTimelinesJSON(w io.Writer, tls []timeline) error {
	stamp := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.UTC().Format(time.RFC3339)
		return &s
	}
	type event struct {
		At   *string `json:"at"`
		Kind string  `json:"kind"`
		Text string  `json:"text"`
	}
	type planned struct {
		At   *string `json:"at"`
		Step string  `json:"step"`
	}
	type principal struct {
		Key           string    `json:"key"`
		ARN           string    `json:"arn"`
		AccountID     string    `json:"account_id"`
		Type          string    `json:"type"`
		Owner         string    `json:"owner"`
		Stage         string    `json:"stage"`
		Round         int       `json:"round"`
		Stopped       string    `json:"stopped"`
		FirstNoticeAt *string   `json:"first_notice_at"`
		QuarantinedAt *string   `json:"quarantined_at"`
		DeletedAt     *string   `json:"deleted_at"`
		SnoozedUntil  *string   `json:"snoozed_until"`
		Next          string    `json:"next"`
		NextAt        *string   `json:"next_at"`
		PlanID        string    `json:"plan_id"`
		BackupID      string    `json:"backup_id"`
		History       []event   `json:"history"`
		Planned       []planned `json:"planned"`
	}
	out := struct {
		SchemaVersion int         `json:"schema_version"`
		Principals    []principal `json:"principals"`
	}{SchemaVersion: 1, Principals: []principal{}}
	for _, tl := range tls {
		s := tl.State
		p := principal{Key: string(s.Key), ARN: s.ARN, AccountID: s.AccountID, Type: string(s.Type), Owner: s.Owner, Stage: string(s.Stage),
			Round: s.Round, Stopped: s.Stopped, FirstNoticeAt: stamp(s.FirstNoticeAt), QuarantinedAt: stamp(s.QuarantinedAt),
			DeletedAt: stamp(s.DeletedAt), SnoozedUntil: stamp(s.SnoozedUntil), Next: string(s.Next), NextAt: stamp(s.NextAt),
			PlanID: s.PlanID, BackupID: s.BackupID, History: []event{}, Planned: []planned{}}
		for _, e := range tl.Events {
			p.History = append(p.History, event{At: stamp(e.At), Kind: e.Kind, Text: e.Text})
		}
		for _, pl := range tl.Planned {
			p.Planned = append(p.Planned, planned{At: stamp(pl.At), Step: pl.What})
		}
		out.Principals = append(out.Principals, p)
	}
	return writeJSON(w, out)
}

// timelinePolicy is the escalation policy as far as the remediation policy
// lets it go: a deletion that remediation.roles (users, access-keys,
// passwords) does not allow is never run, and its notices say so, so the
// timeline plans none.
func timelinePolicy(cfg config.Config) escalate.Policy {
	p := escalationPolicy(cfg.Escalation)
	rp := remediationPolicy(cfg)
	for t, steps := range p.Types {
		if steps.Delete == "" {
			continue
		}
		principal := "user"
		if t == iamsweep.TypeUnusedIAMRole {
			principal = "role"
		}
		a := iamsweep.Action{Kind: steps.Delete, Principal: principal, Finding: iamsweep.Finding{Type: t}}
		if remediate.PolicyAllows(a, rp) != "" {
			steps.Delete, steps.DeleteAfter = "", 0
			p.Types[t] = steps
		}
	}
	return p
}
