package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/report"
	"github.com/iamsweep/iamsweep/internal/scan"
	"github.com/iamsweep/iamsweep/internal/store"
)

// runOrgScan scans several accounts from one place: every account of the
// organization (--org), those under OUs (--ou), or a list (--accounts).
// Results are written as accounts finish; an account that fails is
// reported and the others go on.
func runOrgScan(ctx context.Context, opts *ScanOptions, detectOpts detect.Options, log *slog.Logger) error {
	cfg := opts.Config
	awsCfg, err := loadAWSConfig(ctx, cfg, opts.retry, log)
	if err != nil {
		return err
	}
	if err := exportRegion(&cfg, awsCfg); err != nil {
		return err
	}
	org := awsapi.NewOrg(awsCfg, log, awsapi.OrgOptions{
		Role:       cfg.AssumeRole,
		ExternalID: cfg.ExternalID,
		Client:     clientOptions(cfg),
	})
	if _, err := org.Caller(ctx); err != nil {
		return err
	}
	accounts, err := scope(ctx, cfg, org, log)
	if err != nil {
		return err
	}
	var active, skipped []iamsweep.Account
	for _, a := range accounts {
		if a.Active() {
			active = append(active, a)
		} else {
			skipped = append(skipped, a)
		}
	}
	if len(active) == 0 {
		return usageError{errors.New("no ACTIVE account in scope")}
	}
	log.Info("scanning accounts", "accounts", len(active), "skipped", len(skipped), "concurrency", cfg.Concurrency)

	out, err := openOutput(opts.io.Out, cfg.Out)
	if err != nil {
		return err
	}
	w := newWriter(cfg, opts.io, out)
	if err := w.Begin(report.Meta{AsOf: detectOpts.Now, UnusedDays: detectOpts.UnusedDays}); err != nil {
		out.Abort()
		return fmt.Errorf("write the %s report: %w", cfg.Output, err)
	}
	failOn, _ := config.ParseFailOn(cfg.FailOn) // validated
	unused := false
	// The findings are recorded account by account, never held whole.
	var (
		st  *store.Store
		rec *store.ScanRecorder
	)
	if recording(opts) {
		st, _, err = openState(ctx, cfg, opts.deps)
		if err != nil {
			out.Abort()
			return fmt.Errorf("open the state database to record the scan (--no-state skips recording): %w", err)
		}
		defer st.Close()
		if rec, err = st.BeginScan(ctx, detectOpts.Now, detectOpts.UnusedDays); err != nil {
			out.Abort()
			return err
		}
		defer func() {
			if rec != nil {
				if err := rec.Abort(context.WithoutCancel(ctx)); err != nil {
					log.Warn("drop the unfinished scan from the state database", "err", err)
				}
			}
		}()
	}
	var failed []iamsweep.AccountError
	var hub *hubExport
	if cfg.To == "securityhub" {
		hub = orgHub(cfg, org, detectOpts.Now, detectOpts.UnusedDays, cfg.Concurrency, log)
	}
	bar := newProgress(opts.io, cfg.Quiet, opts.now)
	err = scan.Accounts(ctx, org, active, scan.OrgOptions{
		Detect:      detectOpts,
		Types:       cfg.Types,
		Concurrency: cfg.Concurrency,
		Log:         log,
		Progress:    bar.Update,
	}, func(r scan.AccountResult) error {
		if r.Err != nil {
			failed = append(failed, *r.Err)
			if hub != nil {
				hub.Skip(r.Account)
			}
			return nil
		}
		if hub != nil {
			// In the background; it waits here while as many accounts as
			// are scanned at once are being exported.
			hub.Start(ctx, r.Account, r.Findings)
		}
		unused = unused || failOn.Fails(iamsweep.ScanResult{Findings: r.Findings})
		if rec != nil {
			if err := rec.Add(ctx, r.Findings); err != nil {
				return err
			}
		}
		return w.Findings(r.Findings)
	})
	bar.Done()
	incomplete := false
	if hub != nil {
		hub.Wait()
		incomplete = hub.Report(opts.io.ErrOut)
	}
	interrupted := errors.Is(err, context.Canceled)
	if err != nil && !interrupted {
		out.Abort()
		return fmt.Errorf("write the %s report: %w", cfg.Output, err)
	}
	// What finished is written, interrupted or not.
	if werr := w.End(report.Totals{Errors: failed, Skipped: skipped}); werr != nil {
		out.Abort()
		return fmt.Errorf("write the %s report: %w", cfg.Output, werr)
	}
	if cerr := out.Commit(); cerr != nil {
		return cerr
	}
	if cfg.Output == "csv" || cfg.Output == "asff" {
		for _, e := range failed {
			log.Warn("account not scanned", "account_id", e.Account.ID, "stage", e.Stage, "code", e.Code, "err", e.Message)
		}
	}
	if interrupted {
		return fmt.Errorf("interrupted: the report holds the accounts that finished: %w", err)
	}
	if rec != nil {
		id, err := rec.Finish(ctx)
		if err != nil {
			return fmt.Errorf("the report was written, but the scan was not recorded in the state database: %w", err)
		}
		rec = nil
		log.Info("scan recorded", "scan_id", id)
		pruneAfterScan(ctx, st, cfg.Retention, opts.now(), log)
	}
	switch {
	case len(failed) > 0:
		return errPartial
	case incomplete:
		return errExportIncomplete
	case unused:
		return errUnusedFound
	}
	return nil
}

// scope lists the accounts to scan, sorted by ID: the organization's, those
// under OUs, or an explicit list, less the excluded ones.
//
// The accounts of an explicit list are described by the organization when
// the caller may read it, for their names and statuses (so a suspended one
// is skipped, as with --org); when it may not, they are scanned by ID.
func scope(ctx context.Context, cfg config.Config, org iamsweep.Organization, log *slog.Logger) ([]iamsweep.Account, error) {
	var accounts []iamsweep.Account
	if cfg.Accounts != "" {
		ids, err := accountList(cfg.Accounts, "--accounts")
		if err != nil {
			return nil, err
		}
		accounts, err = org.Describe(ctx, ids)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			log.Info("account names and statuses unknown: scanning the listed accounts by ID", "err", err)
			accounts = accounts[:0]
			for _, id := range ids {
				accounts = append(accounts, iamsweep.Account{ID: id})
			}
		}
	} else {
		var err error
		accounts, err = org.Accounts(ctx, cfg.OUs)
		if err != nil {
			if errors.Is(err, iamsweep.ErrAccessDenied) {
				return nil, fmt.Errorf("%w\n(listing accounts needs the management account or a delegated administrator, and the permissions in policies/iamsweep-org.json)", err)
			}
			return nil, err
		}
	}
	if cfg.ExcludeAccounts != "" {
		ids, err := accountList(cfg.ExcludeAccounts, "--exclude-accounts")
		if err != nil {
			return nil, err
		}
		drop := map[string]bool{}
		for _, id := range ids {
			drop[id] = true
		}
		kept := accounts[:0]
		for _, a := range accounts {
			if !drop[a.ID] {
				kept = append(kept, a)
			}
		}
		accounts = kept
	}
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].ID < accounts[j].ID })
	return accounts, nil
}

// accountList parses a list of account IDs: comma- or space-separated, or
// "@file" for a file of them, one or more a line, "#" starting a comment.
// Each must be 12 digits; duplicates are dropped.
func accountList(value, flag string) ([]string, error) {
	var (
		r      io.Reader = strings.NewReader(value)
		source           = flag
	)
	if path, ok := strings.CutPrefix(value, "@"); ok {
		f, err := os.Open(path)
		if err != nil {
			return nil, iamsweep.NewInputError(path, "", fmt.Errorf("open account list: %w", unwrapPathError(err)))
		}
		defer f.Close()
		r, source = f, path
	}
	seen := map[string]bool{}
	var ids []string
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		for _, id := range strings.FieldsFunc(text, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' || c == '\r' }) {
			if !iamsweep.IsAccountID(id) {
				ie := &iamsweep.InputError{Source: source, Offset: -1, Err: fmt.Errorf("invalid account ID %s: want 12 digits", iamsweep.Quote(id))}
				if source != flag {
					ie.Line = line
				}
				return nil, ie
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, iamsweep.NewInputError(source, "", fmt.Errorf("read account list: %w", err))
	}
	if len(ids) == 0 {
		return nil, iamsweep.NewInputError(source, "", errors.New("no account IDs"))
	}
	return ids, nil
}
