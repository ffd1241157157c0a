package scan

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// AccountResult is the outcome of one account of a multi-account scan:
// its findings, or why it failed.
type AccountResult struct {
	Account  iamsweep.Account
	Findings []iamsweep.Finding
	// Err is set when the account failed; Findings is then empty.
	Err *iamsweep.AccountError
}

// Progress counts a multi-account scan's work so far.
type Progress struct {
	Total      int // accounts to scan
	Done       int // accounts finished, failed ones included
	Failed     int
	Principals int // findings so far
}

// OrgOptions tune a multi-account scan.
type OrgOptions struct {
	Detect detect.Options
	// Types limits the scan to these finding types (see Account); none
	// scans all.
	Types []iamsweep.FindingType
	// Concurrency bounds the accounts scanned at once (default 16).
	Concurrency int
	Log         *slog.Logger
	// Progress, when set, is called after each account (from one goroutine
	// at a time).
	Progress func(Progress)
}

// Accounts scans accounts through org, at most Concurrency at once, and
// passes each result to sink in the order of accounts (sorted by ID by the
// caller), so output is the same from run to run whatever order accounts
// finish in. A result waits only for the accounts before it; the raw data
// of an account is gone once its findings are made.
//
// One account failing (its role cannot be assumed, IAM refuses a call) is
// a result, not an error: the others go on. Accounts returns an error only
// when sink fails or ctx ends; then the results of the accounts that did
// finish have still been passed to sink, in order.
func Accounts(ctx context.Context, org iamsweep.Organization, accounts []iamsweep.Account, opts OrgOptions, sink func(AccountResult) error) error {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	e := &emitter{sink: sink, results: make([]*AccountResult, len(accounts)), progress: opts.Progress}
	e.state.Total = len(accounts)

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Concurrency)
	for i, acct := range accounts {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			res, ok := scanOne(gctx, org, acct, opts)
			if !ok {
				return nil // interrupted: not a result
			}
			return e.put(i, res)
		})
	}
	err := g.Wait()
	if flushErr := e.flush(); err == nil {
		err = flushErr
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// scanOne scans one account. ok is false when ctx ended before it could
// finish.
func scanOne(ctx context.Context, org iamsweep.Organization, acct iamsweep.Account, opts OrgOptions) (AccountResult, bool) {
	log := opts.Log.With("account_id", acct.ID)
	res := AccountResult{Account: acct}
	start := time.Now()
	fail := func(stage string, err error) (AccountResult, bool) {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return res, false
		}
		// The report lists failed accounts; the log says more at level info.
		log.Info("account failed", "stage", stage, "err", err)
		res.Err = &iamsweep.AccountError{Account: acct, Stage: stage, Code: iamsweep.ErrorCode(err), Message: err.Error()}
		return res, true
	}
	inv, err := org.Inventory(ctx, acct)
	if err != nil {
		return fail("assume-role", err)
	}
	log.Debug("account opened", "duration", time.Since(start))
	out, stage, err := account(ctx, inv, opts.Detect, opts.Types, log)
	if err != nil {
		return fail(stage, err)
	}
	for i := range out.Findings {
		out.Findings[i].AccountName = acct.Name
	}
	res.Findings = out.Findings
	log.Debug("account scanned", "duration", time.Since(start), "findings", len(out.Findings))
	return res, true
}

// emitter passes results to the sink in account order.
type emitter struct {
	mu       sync.Mutex
	sink     func(AccountResult) error
	results  []*AccountResult // finished, not yet passed on
	next     int              // the next index to pass on
	state    Progress
	progress func(Progress)
	err      error
}

func (e *emitter) put(i int, res AccountResult) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.results[i] = &res
	e.state.Done++
	if res.Err != nil {
		e.state.Failed++
	}
	e.state.Principals += len(res.Findings)
	if e.progress != nil {
		e.progress(e.state)
	}
	for e.err == nil && e.next < len(e.results) && e.results[e.next] != nil {
		e.err = e.sink(*e.results[e.next])
		e.results[e.next] = nil
		e.next++
	}
	return e.err
}

// flush passes on the results still waiting (after an interruption, the
// accounts that did finish), in order.
func (e *emitter) flush() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for ; e.err == nil && e.next < len(e.results); e.next++ {
		if r := e.results[e.next]; r != nil {
			e.err = e.sink(*r)
			e.results[e.next] = nil
		}
	}
	return e.err
}
