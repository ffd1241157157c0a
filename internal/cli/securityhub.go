package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/refine"
	"github.com/iamsweep/iamsweep/internal/report"
)

// errExportIncomplete: the scan's report was written, but not every
// finding reached Security Hub (an account where it is not enabled,
// findings it refused, a finding it holds newer).
var errExportIncomplete = &StatusError{Code: ExitPartial, Reason: "the export to Security Hub is incomplete"}

// exportRegion settles the Region that -o asff and --to securityhub need
// (it is part of the findings' product ARN): that of the AWS
// configuration for a live scan (--region, AWS_REGION or the profile's),
// --region for files. It sets cfg.Region to it. There is no default:
// findings go to one Region, and guessing it would put them where nobody
// looks.
func exportRegion(cfg *config.Config, awsCfg aws.Config) error {
	if cfg.Output != "asff" && cfg.To == "" {
		return nil
	}
	region := awsCfg.Region
	if cfg.Offline() {
		region = cfg.Region
	}
	if region == "" {
		what := "-o asff"
		if cfg.To != "" {
			what = "--to " + cfg.To
		}
		hint := "give --region"
		if !cfg.Offline() {
			hint += ", or set AWS_REGION or a region in the profile"
		}
		return usageError{fmt.Errorf("%s needs the AWS Region the findings are for (it is part of their product ARN): %s", what, hint)}
	}
	cfg.Region = region
	return nil
}

// hubTarget is Security Hub in one account and Region (*awsapi.SecurityHub).
type hubTarget interface {
	Active(ctx context.Context) ([]report.ASFFFinding, error)
	Import(ctx context.Context, findings []report.ASFFFinding) (int, []report.ASFFFailure, error)
}

// hubExport exports a scan's findings to Security Hub, account by
// account, each in the account itself (the default product ARN takes an
// account's findings only from that account), at most a bounded number
// of accounts at once.
type hubExport struct {
	region string
	opts   report.ASFFOptions
	types  []iamsweep.FindingType
	open   func(ctx context.Context, acct iamsweep.Account) (hubTarget, error)
	log    *slog.Logger
	// run names what made the findings in messages: "scan" (the
	// default) or "refinement".
	run string
	g   errgroup.Group

	mu      sync.Mutex
	results []hubResult
}

// hubResult is the outcome of one account's export.
type hubResult struct {
	account iamsweep.Account
	// scanFailed: the account's scan failed, so nothing was exported.
	scanFailed bool
	// sent counts the findings Security Hub accepted, of planned.
	sent, planned      int
	imported, archived int
	kept               int
	// unchanged counts the unused findings Security Hub holds already
	// from the same evaluation (report.ASFFPlan.Unchanged).
	unchanged int
	failures  []report.ASFFFailure
	err       error
}

func (r hubResult) incomplete() bool { return r.scanFailed || r.err != nil || len(r.failures) > 0 }

// newHubExport returns an export of a scan evaluated with cfg at asOf,
// opening each account with open; at most concurrency accounts are
// exported at once (Start waits for a place).
func newHubExport(cfg config.Config, asOf time.Time, unusedDays int, concurrency int, log *slog.Logger,
	open func(context.Context, iamsweep.Account) (hubTarget, error)) *hubExport {
	e := &hubExport{
		region: cfg.Region,
		opts:   report.ASFFOptions{Region: cfg.Region, AsOf: asOf, UnusedDays: unusedDays, OwnerTags: cfg.OwnerTags},
		types:  cfg.Types,
		open:   open,
		log:    log,
	}
	e.g.SetLimit(max(concurrency, 1))
	return e
}

// Start exports the findings of an account whose scan finished, in the
// background.
func (e *hubExport) Start(ctx context.Context, acct iamsweep.Account, findings []iamsweep.Finding) {
	own := findings[:0:0]
	var other []report.ASFFFailure
	for _, f := range findings {
		if f.AccountID != acct.ID {
			// Never the case for a live scan; a finding of another account
			// would be refused there.
			other = append(other, report.ASFFFailure{ID: report.ASFFID(f), Code: "OtherAccount",
				Message: "the finding is about account " + f.AccountID + ", not " + acct.ID})
			continue
		}
		own = append(own, f)
	}
	// The scan of the account finished, so it is complete within its types.
	scope := report.ExportScope{Complete: true, Types: e.types}
	e.start(ctx, acct, other, func(active []report.ASFFFinding) report.ASFFPlan {
		return report.PlanASFF(own, active, scope, e.opts)
	})
}

// StartRefine exports the UnusedPermission findings of an account whose
// refinement finished (report.PlanRefineASFF), in the background.
func (e *hubExport) StartRefine(ctx context.Context, acct iamsweep.Account, results []refine.Result, scope report.RefineExportScope) {
	own := results[:0:0]
	var other []report.ASFFFailure
	for _, r := range results {
		if a, err := iamsweep.ParseARN(r.ARN); err != nil || a.AccountID != acct.ID {
			other = append(other, report.ASFFFailure{ID: r.ARN, Code: "OtherAccount",
				Message: "the principal is not in account " + acct.ID})
			continue
		}
		own = append(own, r)
	}
	e.start(ctx, acct, other, func(active []report.ASFFFinding) report.ASFFPlan {
		return report.PlanRefineASFF(own, active, scope, e.opts)
	})
}

func (e *hubExport) start(ctx context.Context, acct iamsweep.Account, failures []report.ASFFFailure, plan func([]report.ASFFFinding) report.ASFFPlan) {
	e.g.Go(func() error {
		r := e.account(ctx, acct, failures, plan)
		e.mu.Lock()
		e.results = append(e.results, r)
		e.mu.Unlock()
		return nil
	})
}

// Skip records an account whose scan failed: its findings in Security Hub
// are left as they are.
func (e *hubExport) Skip(acct iamsweep.Account) {
	e.mu.Lock()
	e.results = append(e.results, hubResult{account: acct, scanFailed: true})
	e.mu.Unlock()
}

// Wait waits for the exports started.
func (e *hubExport) Wait() { _ = e.g.Wait() }

// account exports one account: it reads what Security Hub holds of
// iamsweep's there, plans what to send from it (a report.PlanASFF of a
// scan, a report.PlanRefineASFF of a refinement) and imports. failures
// are those found before (findings of another account).
func (e *hubExport) account(ctx context.Context, acct iamsweep.Account, failures []report.ASFFFailure, planFor func([]report.ASFFFinding) report.ASFFPlan) hubResult {
	r := hubResult{account: acct, failures: failures}
	h, err := e.open(ctx, acct)
	if err != nil {
		r.err = err
		return r
	}
	active, err := h.Active(ctx)
	if err != nil {
		r.err = err
		return r
	}
	plan := planFor(active)
	r.kept = plan.Kept
	r.unchanged = plan.Unchanged
	r.failures = append(r.failures, plan.Stale...)
	send := slices.Concat(plan.Import, plan.Archive)
	r.planned = len(send)
	n, failures, err := h.Import(ctx, send)
	r.sent, r.err = n, err
	r.failures = append(r.failures, failures...)
	failed := map[string]bool{}
	for _, f := range failures {
		failed[f.ID] = true
	}
	if err == nil {
		for _, f := range plan.Import {
			if !failed[f.ID] {
				r.imported++
			}
		}
		for _, f := range plan.Archive {
			if !failed[f.ID] {
				r.archived++
			}
		}
	}
	attrs := []any{"account_id", acct.ID, "region", e.region, "imported", r.imported, "archived", r.archived, "kept", r.kept, "unchanged", r.unchanged, "failed", len(r.failures)}
	if r.err != nil {
		attrs = append(attrs, "err", r.err)
	}
	e.log.Info("Security Hub export", attrs...)
	return r
}

// maxFailuresShown bounds the failed findings listed per account.
const maxFailuresShown = 10

// Report writes what the export did to w (stderr), and reports whether
// it is incomplete: a line per account with a problem, and a total.
func (e *hubExport) Report(w io.Writer) (incomplete bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sort.Slice(e.results, func(i, j int) bool { return e.results[i].account.ID < e.results[j].account.ID })
	var imported, unchanged, archived, exported, notExported, failedFindings int
	for _, r := range e.results {
		imported += r.imported
		unchanged += r.unchanged
		archived += r.archived
		name := r.account.ID
		if r.account.Name != "" {
			name += " (" + r.account.Name + ")"
		}
		prefix := "iamsweep: Security Hub " + e.region + ": account " + name + ": "
		switch {
		case r.scanFailed:
			fmt.Fprintf(w, "%snot exported: its %s failed; its findings in Security Hub are left as they are\n", prefix, cmp.Or(e.run, "scan"))
		case errors.Is(r.err, awsapi.ErrSecurityHubDisabled):
			fmt.Fprintf(w, "%snot exported: Security Hub is not enabled there in %s (InvalidAccessException); enable it, or leave the account out\n", prefix, e.region)
		case r.err != nil && r.sent > 0:
			fmt.Fprintf(w, "%sexport stopped after %d of %d findings: %v\n", prefix, r.sent, r.planned, r.err)
		case r.err != nil:
			fmt.Fprintf(w, "%snot exported: %v\n", prefix, r.err)
		}
		if r.scanFailed || (r.err != nil && r.sent == 0) {
			notExported++
		} else {
			exported++
		}
		failedFindings += len(r.failures)
		for i, f := range r.failures {
			if i == maxFailuresShown {
				fmt.Fprintf(w, "%sand %d more findings not imported\n", prefix, len(r.failures)-i)
				break
			}
			fmt.Fprintf(w, "%sfinding %s not imported: %s: %s\n", prefix, f.ID, f.Code, f.Message)
		}
		incomplete = incomplete || r.incomplete()
	}
	fmt.Fprintf(w, "iamsweep: Security Hub %s: %s imported", e.region, count(imported, "finding"))
	if unchanged > 0 {
		fmt.Fprintf(w, " (%d more held already from this evaluation)", unchanged)
	}
	fmt.Fprintf(w, ", %s archived in %s", count(archived, "finding"), count(exported, "account"))
	if incomplete {
		fmt.Fprintf(w, "; incomplete: %s not exported, %s not imported", count(notExported, "account"), count(failedFindings, "finding"))
	}
	fmt.Fprintln(w)
	return incomplete
}

// singleAccountHub opens the export of a one-account scan: to the
// account of the credentials.
func singleAccountHub(ctx context.Context, cfg config.Config, awsCfg aws.Config, asOf time.Time, unusedDays int, log *slog.Logger) (*hubExport, iamsweep.Account, error) {
	org := awsapi.NewOrg(awsCfg, log, awsapi.OrgOptions{})
	caller, err := org.Caller(ctx)
	if err != nil {
		return nil, iamsweep.Account{}, err
	}
	return orgHub(cfg, org, asOf, unusedDays, 1, log), caller, nil
}

// orgHub returns the export of a scan whose accounts org opens.
func orgHub(cfg config.Config, org *awsapi.Org, asOf time.Time, unusedDays, concurrency int, log *slog.Logger) *hubExport {
	return newHubExport(cfg, asOf, unusedDays, concurrency, log, func(ctx context.Context, acct iamsweep.Account) (hubTarget, error) {
		return org.SecurityHub(ctx, acct, awsapi.SecurityHubOptions{})
	})
}
