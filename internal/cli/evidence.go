package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
)

// The evidence of iamsweep refine, live: service last accessed reports
// from the state database's cache when they are fresh, else from IAM jobs
// (awsapi.Client.AccessReports), which are then cached. Offline, the
// reports come from a folder (lastaccess.LoadAccessDir) and neither the
// cache nor IAM is used.

// DefaultAccessMaxAge is how old a cached report may be and still be used:
// IAM's data lags use by up to about four hours and covers 400 days, so a
// day-old report says nearly what a new one would.
const DefaultAccessMaxAge = 24 * time.Hour

// accessCache is the part of the state store that caches reports
// (*store.Store).
type accessCache interface {
	AccessReports(ctx context.Context, arns []string, notBefore time.Time) (map[string]iamsweep.AccessReport, error)
	SaveAccessReports(ctx context.Context, fetched time.Time, reports []iamsweep.AccessReport) error
}

// accessFetcher runs the jobs of one account (*awsapi.Client).
type accessFetcher interface {
	AccessReports(ctx context.Context, arns []string, opts awsapi.AccessOptions) ([]iamsweep.AccessReport, error)
}

// cachedAccessReports returns the reports of arns by ARN: those the cache
// holds from within maxAge before now (DefaultAccessMaxAge when 0; a
// negative maxAge uses no cached report), and the others fetched, saved
// in the cache at now. When some principals fail, the reports of the
// others come with the fetcher's error (an *awsapi.AccessReportsError), and
// the fetched ones are cached all the same. cache may be nil: everything
// is fetched.
func cachedAccessReports(ctx context.Context, cache accessCache, fetch accessFetcher, arns []string, maxAge time.Duration, now time.Time, opts awsapi.AccessOptions) (map[string]iamsweep.AccessReport, error) {
	if maxAge == 0 {
		maxAge = DefaultAccessMaxAge
	}
	out := map[string]iamsweep.AccessReport{}
	if cache != nil && maxAge > 0 {
		cached, err := cache.AccessReports(ctx, arns, now.Add(-maxAge))
		if err != nil {
			return nil, err
		}
		out = cached
	}
	var missing []string
	for _, arn := range arns {
		if _, ok := out[arn]; !ok {
			missing = append(missing, arn)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	fetched, ferr := fetch.AccessReports(ctx, missing, opts)
	var partial *awsapi.AccessReportsError
	if ferr != nil && !errors.As(ferr, &partial) {
		return nil, ferr
	}
	if cache != nil && len(fetched) > 0 {
		if err := cache.SaveAccessReports(ctx, now, fetched); err != nil {
			return nil, fmt.Errorf("%w (after fetching %d reports)", err, len(fetched))
		}
	}
	for _, r := range fetched {
		out[r.ARN] = r
	}
	return out, ferr
}

// liveAccessReports is refine's live evidence (deps.accessReports): the
// reports of arns through the state database's cache (opts.cache: none
// with --no-state, or without a state database) and the jobs of client, the
// account's one client, so that every job is read by the identity that
// made it. A principal whose job failed is left out and said so on
// stderr; refine reports it as having no evidence.
func liveAccessReports(ctx context.Context, opts *RefineOptions, client *awsapi.Client, arns []string, now time.Time, log *slog.Logger) (map[string]iamsweep.AccessReport, error) {
	var cache accessCache
	if opts.cache != nil {
		cache = opts.cache
	}
	var ao awsapi.AccessOptions
	if opts.retry.NoBackoff {
		// Tests against the fake: no waiting between a job's reads.
		ao.PollFirst, ao.PollMax, ao.Rate = time.Millisecond, time.Millisecond, 1000
	}
	reports, err := cachedAccessReports(ctx, cache, client, arns, 0, now, ao)
	var partial *awsapi.AccessReportsError
	if errors.As(err, &partial) {
		for _, arn := range arns {
			if ferr, failed := partial.Failed[arn]; failed {
				fmt.Fprintf(opts.io.ErrOut, "iamsweep: warning: no service last accessed data for %s: %v\n", arn, ferr)
			}
		}
		log.Warn("service last accessed jobs failed", "failed", len(partial.Failed), "reports", len(reports))
		return reports, nil
	}
	return reports, err
}
