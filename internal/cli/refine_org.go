package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/refine"
	"github.com/iamsweep/iamsweep/internal/report"
)

// runOrgRefine refines the principals of several accounts (--org, --ou,
// --accounts), --concurrency at a time. Each account is read through the
// role assumed in it, with one client for its principals, its policies
// and its service last accessed jobs. An account that fails is reported
// (exit status 3) and the others complete.
func runOrgRefine(ctx context.Context, opts *RefineOptions, o refine.Options, now time.Time, log *slog.Logger) error {
	cfg := opts.Config
	awsCfg, err := loadAWSConfig(ctx, cfg, opts.retry, log)
	if err != nil {
		return err
	}
	region := cfg.Region
	if region == "" {
		region = awsCfg.Region
	}
	if (cfg.Output == "asff" || cfg.To != "") && region == "" {
		return usageError{errors.New("-o asff and --to securityhub need the AWS Region the findings are for (it is part of their product ARN): give --region, or set AWS_REGION or a region in the profile")}
	}
	org := awsapi.NewOrg(awsCfg, log, awsapi.OrgOptions{Role: cfg.AssumeRole, ExternalID: cfg.ExternalID,
		Client: awsapi.Options{NoKeyIDs: true}})
	if _, err := org.Caller(ctx); err != nil {
		return err
	}
	accounts, err := scope(ctx, cfg, org, log)
	if err != nil {
		return err
	}
	// Named principals choose their accounts; each must be in scope.
	byAccount := map[string][]string{}
	for _, arn := range opts.ARNs {
		a, _ := iamsweep.ParseARN(arn) // checked by checkRefineArgs
		byAccount[a.AccountID] = append(byAccount[a.AccountID], arn)
	}
	var active []iamsweep.Account
	for _, a := range accounts {
		if !a.Active() {
			log.Info("account not ACTIVE: skipped", "account_id", a.ID, "status", a.Status)
			continue
		}
		if opts.All || len(byAccount[a.ID]) > 0 {
			active = append(active, a)
		}
		delete(byAccount, a.ID)
	}
	for id, arns := range byAccount {
		return flagError{fmt.Errorf("%s: account %s is not an ACTIVE account in scope", arns[0], id)}
	}
	if len(active) == 0 {
		return usageError{errors.New("no ACTIVE account in scope")}
	}
	log.Info("refining accounts", "accounts", len(active), "concurrency", cfg.Concurrency)
	var hub *hubExport
	if cfg.To == "securityhub" {
		hubCfg := cfg
		hubCfg.Region = region
		hub = orgHub(hubCfg, org, now, 0, cfg.Concurrency, log)
		hub.run = "refinement"
	}

	var (
		mu      sync.Mutex
		results []refine.Result
		failed  []iamsweep.AccountError
		// all is every account's input, for --plan.
		all = refineInput{ids: map[string]string{}}
	)
	fail := func(acct iamsweep.Account, stage string, err error) {
		if hub != nil {
			hub.Skip(acct) // its findings in Security Hub stay as they are
		}
		mu.Lock()
		defer mu.Unlock()
		failed = append(failed, iamsweep.AccountError{Account: acct, Stage: stage, Code: iamsweep.ErrorCode(err), Message: err.Error()})
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.Concurrency)
	for _, acct := range active {
		g.Go(func() error {
			// A failed account is data, not an abort: the others go on.
			client, err := org.Client(gctx, acct)
			if err != nil {
				fail(acct, "assume-role", err)
				return nil
			}
			set := newPrincipalSet(opts)
			if !opts.All {
				set.want = map[string]bool{}
				for _, arn := range opts.ARNs {
					if a, _ := iamsweep.ParseARN(arn); a.AccountID == acct.ID {
						set.want[arn] = true
					}
				}
			}
			in, err := accountRefineInput(gctx, opts, client, set, now, log)
			if err != nil {
				fail(acct, "refine", err)
				return nil
			}
			res, err := refineAll(in, o)
			if err != nil {
				fail(acct, "refine", err)
				return nil
			}
			if hub != nil {
				hub.StartRefine(ctx, acct, res, report.RefineExportScope{All: opts.All})
			}
			mu.Lock()
			results = append(results, res...)
			all.principals = append(all.principals, in.principals...)
			for arn, id := range in.ids {
				all.ids[arn] = id
			}
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait() // the goroutines record their errors and return nil
	if hub != nil {
		hub.Wait()
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].ARN < results[j].ARN })
	sort.Slice(failed, func(i, j int) bool { return failed[i].Account.ID < failed[j].Account.ID })
	if opts.PlanFile != "" {
		if err := writeRefinePlan(ctx, opts, all, results, now); err != nil {
			return err
		}
	}
	err = writeRefine(opts, results, report.RefineMeta{AsOf: now, Catalog: refine.DefaultCatalog().Source, Errors: failed}, region)
	if hub != nil && (err == nil || isUnusedFound(err)) && hub.Report(opts.io.ErrOut) && len(failed) == 0 {
		return errExportIncomplete
	}
	if len(failed) > 0 && (err == nil || isUnusedFound(err)) {
		for _, e := range failed {
			fmt.Fprintf(opts.io.ErrOut, "iamsweep: account %s not refined (%s): %s\n", e.Account.ID, e.Stage, e.Message)
		}
		return errPartial
	}
	return err
}

// isUnusedFound reports whether err is refine's "unused permissions
// found" outcome.
func isUnusedFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == ExitUnused
}
