package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/escalate"
	"github.com/iamsweep/iamsweep/internal/notify"
	"github.com/iamsweep/iamsweep/internal/scan"
	"github.com/iamsweep/iamsweep/internal/store"
	"github.com/iamsweep/iamsweep/internal/workflow"
)

// escalationPolicy is the escalation section as the engine takes it: each
// finding type's steps as actions. A password has no reversible step: it
// is deleted QuarantineAfter+DeleteAfter after the first notice, when
// both are set (and remediation.passwords allows it). Root access keys
// are notified only: only the root user can delete them.
func escalationPolicy(c config.Escalation) escalate.Policy {
	p := escalate.Policy{Types: map[iamsweep.FindingType]escalate.Steps{}, WarnBefore: c.WarnBefore, TripwireRelease: c.TripwireRelease}
	kinds := []struct {
		t                  iamsweep.FindingType
		quarantine, delete iamsweep.ActionKind
	}{
		{iamsweep.TypeUnusedIAMRole, iamsweep.ActionQuarantine, iamsweep.ActionDelete},
		{iamsweep.TypeUnusedIAMUser, iamsweep.ActionQuarantine, iamsweep.ActionDelete},
		{iamsweep.TypeUnusedIAMUserAccessKey, iamsweep.ActionDeactivateKey, iamsweep.ActionDeleteKey},
		{iamsweep.TypeUnusedIAMUserPassword, "", iamsweep.ActionDeletePassword},
	}
	for _, k := range kinds {
		s := c.For(k.t)
		if s.QuarantineAfter <= 0 {
			continue // never: notices only
		}
		steps := escalate.Steps{Quarantine: k.quarantine, QuarantineAfter: s.QuarantineAfter}
		if s.DeleteAfter > 0 {
			steps.Delete, steps.DeleteAfter = k.delete, s.DeleteAfter
		}
		if steps.Quarantine == "" && steps.Delete == "" {
			continue
		}
		p.Types[k.t] = steps
	}
	return p
}

// owners is the owners section as the engine takes it.
func owners(cfg config.Config) escalate.Owners {
	o := escalate.Owners{TagKeys: cfg.OwnerTags, SecurityTeam: cfg.Owners.SecurityTeam, Map: map[string]iamsweep.Recipient{}}
	for _, r := range cfg.Owners.Map {
		o.Map[r.Owner] = r.To
	}
	return o
}

// workflowStore adapts the state database to workflow.Store.
type workflowStore struct{ st *store.Store }

var _ workflow.Store = workflowStore{}

func (w workflowStore) Escalations(ctx context.Context) ([]escalate.State, error) {
	ss, err := w.st.Escalations(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]escalate.State, len(ss))
	for i, s := range ss {
		out[i] = escalate.State(s)
	}
	return out, nil
}

func (w workflowStore) PutEscalation(ctx context.Context, s escalate.State) error {
	return w.st.PutEscalation(ctx, store.EscalationState(s))
}

func (w workflowStore) Exceptions(ctx context.Context) ([]iamsweep.Exception, error) {
	return w.st.Exceptions(ctx, store.ExceptionFilter{})
}

func (w workflowStore) Decisions(ctx context.Context) ([]iamsweep.Decision, error) {
	return w.st.Decisions(ctx, "")
}

func (w workflowStore) ClaimNoticeRound(ctx context.Context, noticeID string, key iamsweep.FindingKey, stage iamsweep.Stage, round int, to string, at time.Time) (bool, error) {
	return w.st.ClaimNoticeRound(ctx, noticeID, key, stage, round, to, at)
}

func (w workflowStore) FinishNotice(ctx context.Context, noticeID, outcome, messageID, errText string, at time.Time) error {
	return w.st.FinishNotice(ctx, noticeID, outcome, messageID, errText, at)
}

func (w workflowStore) AddEvent(ctx context.Context, key iamsweep.FindingKey, arn string, at time.Time, e escalate.Event) error {
	return w.st.AddEvent(ctx, store.Event{Key: key, ARN: arn, At: at, Kind: e.Kind, Text: e.Text})
}

// runnerEnv is a workflow runner with what it holds open.
type runnerEnv struct {
	Runner *workflow.Runner
	log    *slog.Logger
}

// newRunner builds the workflow runner of the configuration cfg on the
// state database st (at path): the scan `iamsweep scan` makes (one
// account, or an organization), the remediation service `apply` uses, and
// the notify section's channels. links makes the decision links; nil
// sends notices without links. A dry run opens no remediation and no
// channel.
func newRunner(ctx context.Context, d deps, cfg config.Config, st *store.Store, path string, dryRun bool, links workflow.LinkMaker) (*runnerEnv, error) {
	log := newLogger(d.io.ErrOut, cfg.LogLevel, cfg.LogFormat)
	if cfg.Owners.SecurityTeam == (iamsweep.Recipient{}) {
		return nil, cfg.Invalid("owners.security-team", errors.New("not set: the notices of principals without a valid owner, and tripwire alerts, go there (an email address, sns:TOPIC-ARN or slack:WEBHOOK)"))
	}
	if cfg.Offline() && !dryRun {
		return nil, usageError{errors.New("escalation changes AWS and sends notices: scan live (no --from-file, --credential-report), or pass --dry-run")}
	}
	var awsCfg aws.Config
	if !cfg.Offline() {
		var err error
		if awsCfg, err = loadAWSConfig(ctx, cfg, d.retry, log); err != nil {
			return nil, err
		}
	}
	r := &workflow.Runner{
		Store:  workflowStore{st},
		Scan:   workflowScan(d, cfg, awsCfg, st, log),
		Links:  links,
		Policy: escalationPolicy(cfg.Escalation),
		Owners: owners(cfg),
		Refuse: workflow.Refusal(remediationPolicy(cfg)),
		// What still references the unused roles and users, read live
		// once per run (each account once): docs/refs.md.
		References:       workflowReferences(d, cfg, log),
		DeleteReferenced: cfg.Remediation.DeleteReferenced,
		DeleteUnchecked:  cfg.Remediation.DeleteUnchecked,
		// The remediation policy's limits, per run of the escalation.
		MaxDeletionsPerRun:     cfg.Remediation.MaxDeletionsPerRun,
		MaxDeletionsPerAccount: cfg.Remediation.MaxDeletionsPerAccount,
		Now:                    func() time.Time { return d.now().UTC() },
		DryRun:                 dryRun,
		Log:                    log,
	}
	if !cfg.AsOf.IsZero() {
		asOf := cfg.AsOf
		r.Now = func() time.Time { return asOf }
	}
	if !dryRun {
		env, err := openRemediation(ctx, d, cfg, st, path, cfg.UnusedDays)
		if err != nil {
			return nil, err
		}
		r.Remedy = env.svc
		deps := notify.Deps{Getenv: d.io.Getenv, Log: log}
		if cfg.Notify.From != "" {
			if deps.Mailer, err = awsapi.NewSES(awsCfg, cfg.Notify.SESRegion, log); err != nil {
				return nil, err
			}
		}
		deps.Publisher = awsapi.NewSNS(awsCfg, log)
		sender, err := notify.New(cfg.Notify, deps)
		if err != nil {
			return nil, iamsweep.NewInputError("notify", "", err)
		}
		r.Sender = sender
	}
	return &runnerEnv{Runner: r, log: log}, nil
}

// workflowScan scans as `iamsweep scan` does, with the configuration's
// scope (one account, live or from files, or several), judges findings
// under an active exception exempt, and records the scan. An account that
// fails is logged and left out: its escalations wait for a scan that
// reads it.
func workflowScan(d deps, cfg config.Config, awsCfg aws.Config, st *store.Store, log *slog.Logger) workflow.ScanFunc {
	return func(ctx context.Context) (int64, iamsweep.ScanResult, error) {
		now := cfg.AsOf
		if now.IsZero() {
			now = d.now().UTC()
		}
		allow, err := detect.NewAllowlist(cfg.Allow)
		if err != nil {
			return 0, iamsweep.ScanResult{}, cfg.Invalid("allow", err)
		}
		exceptions, err := st.Exceptions(ctx, store.ExceptionFilter{ActiveAt: now})
		if err != nil {
			return 0, iamsweep.ScanResult{}, err
		}
		opts := detect.Options{Now: now, UnusedDays: cfg.UnusedDays, Allowlist: allow, IncludeManaged: cfg.IncludeManaged, Exceptions: detect.NewExceptions(exceptions)}
		var res iamsweep.ScanResult
		if cfg.MultiAccount() {
			res, err = orgFindings(ctx, cfg, awsCfg, opts, log)
		} else {
			inv, done, ierr := inventory(ctx, cfg, awsCfg, d.io, log)
			if ierr != nil {
				return 0, iamsweep.ScanResult{}, ierr
			}
			res, err = scan.Account(ctx, inv, opts, log, cfg.Types...)
			done()
		}
		if err != nil {
			return 0, iamsweep.ScanResult{}, err
		}
		id, err := st.RecordScan(ctx, res)
		if err != nil {
			return 0, iamsweep.ScanResult{}, fmt.Errorf("record the scan: %w", err)
		}
		return id, res, nil
	}
}

// orgFindings scans the accounts in the configuration's scope and returns
// the findings of those that could be scanned.
func orgFindings(ctx context.Context, cfg config.Config, awsCfg aws.Config, opts detect.Options, log *slog.Logger) (iamsweep.ScanResult, error) {
	org := awsapi.NewOrg(awsCfg, log, awsapi.OrgOptions{Role: cfg.AssumeRole, ExternalID: cfg.ExternalID, Client: clientOptions(cfg)})
	accounts, err := scope(ctx, cfg, org, log)
	if err != nil {
		return iamsweep.ScanResult{}, err
	}
	var active []iamsweep.Account
	for _, a := range accounts {
		if a.Active() {
			active = append(active, a)
		}
	}
	res := iamsweep.ScanResult{AsOf: opts.Now, UnusedDays: opts.UnusedDays}
	err = scan.Accounts(ctx, org, active, scan.OrgOptions{Detect: opts, Types: cfg.Types, Concurrency: cfg.Concurrency, Log: log},
		func(r scan.AccountResult) error {
			if r.Err != nil {
				log.Warn("account not scanned: its escalations wait", "account_id", r.Account.ID, "stage", r.Err.Stage, "err", r.Err.Message)
				return nil
			}
			res.Findings = append(res.Findings, r.Findings...)
			return nil
		})
	iamsweep.SortFindings(res.Findings)
	return res, err
}
