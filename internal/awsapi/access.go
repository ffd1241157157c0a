package awsapi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/iamsweep/iamsweep"
)

// Service last accessed jobs: GenerateServiceLastAccessedDetails, then
// GetServiceLastAccessedDetails until the job is COMPLETED, for many
// principals of one account at once.
//
// A job ID may be read only by the principal that generated it ("the same
// role within a session, or the same user"). Every call of AccessReports
// goes through this Client's one SDK client and so through its one
// credentials provider: static keys are one user; an assumed role
// (ForAccount) is one role whose session name is fixed (SessionName), so
// that even when the credentials cache renews the credentials mid-run the
// caller stays the same assumed-role ARN. Jobs are never handed to
// another Client. Should a job still be unknown to its reader
// (NoSuchEntity on Get: a session that changed after all, or a job IAM
// dropped), the principal's job is generated anew, within JobAttempts.

// AccessOptions tune AccessReports. Zero values take the defaults.
type AccessOptions struct {
	// Granularity of the jobs (default ACTION_LEVEL).
	Granularity iamsweep.AccessGranularity
	// Rate caps the account's Generate and Get calls per second (default
	// 10); Burst is the bucket's size (default 1). The rate drops when IAM
	// throttles and climbs back towards Rate as calls succeed (see
	// adaptiveLimiter).
	Rate  float64
	Burst int
	// Concurrency bounds the jobs in flight (default 20).
	Concurrency int
	// PollFirst is the wait between a job's creation and its first read
	// (default 2 s); the wait doubles while it is IN_PROGRESS, up to
	// PollMax (default 30 s).
	PollFirst, PollMax time.Duration
	// Timeout bounds the whole run (default 15 minutes): jobs not done by
	// then fail.
	Timeout time.Duration
	// JobAttempts is how many jobs a principal gets when one ends FAILED
	// or its ID is lost (default 2).
	JobAttempts int
	// CallAttempts is how many times one call is tried when it fails on
	// the way: a 5xx answer, a broken connection (default 8). Throttled
	// tries do not count: they are paced by the limiter, up to 50.
	CallAttempts int
}

func (o *AccessOptions) defaults() {
	if o.Granularity == "" {
		o.Granularity = iamsweep.GranularityAction
	}
	if o.Rate <= 0 {
		o.Rate = 10
	}
	if o.Burst <= 0 {
		o.Burst = 1
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 20
	}
	if o.PollFirst <= 0 {
		o.PollFirst = 2 * time.Second
	}
	if o.PollMax <= 0 {
		o.PollMax = 30 * time.Second
	}
	if o.PollMax < o.PollFirst {
		o.PollMax = o.PollFirst
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Minute
	}
	if o.JobAttempts <= 0 {
		o.JobAttempts = 2
	}
	if o.CallAttempts <= 0 {
		o.CallAttempts = 8
	}
}

// AccessReportsError lists the principals whose reports could not be had;
// AccessReports returns it beside the reports of the others.
type AccessReportsError struct {
	// Failed are the errors by principal ARN.
	Failed map[string]error
}

func (e *AccessReportsError) Error() string {
	arns := make([]string, 0, len(e.Failed))
	for a := range e.Failed {
		arns = append(arns, a)
	}
	sort.Strings(arns)
	first := arns[0]
	msg := fmt.Sprintf("service last accessed data of %s: %v", first, e.Failed[first])
	if len(arns) > 1 {
		msg += fmt.Sprintf(" (and %d more principals)", len(arns)-1)
	}
	return msg
}

// Unwrap returns the errors of the principals, in ARN order.
func (e *AccessReportsError) Unwrap() []error {
	arns := make([]string, 0, len(e.Failed))
	for a := range e.Failed {
		arns = append(arns, a)
	}
	sort.Strings(arns)
	out := make([]error, len(arns))
	for i, a := range arns {
		out[i] = e.Failed[a]
	}
	return out
}

// ErrAccessJobFailed is the error of a principal whose jobs all ended
// FAILED.
var ErrAccessJobFailed = errors.New("service last accessed job FAILED")

// AccessReports runs a service last accessed job for each principal ARN
// (roles and users of this client's account) and returns their reports,
// sorted by ARN. Jobs run Concurrency at a time under one rate limiter for
// the account (see AccessOptions), each polled with a doubling wait until
// COMPLETED. When some principals fail (a job FAILED twice, the
// principal is gone, the deadline passed) the reports of the others come
// with an *AccessReportsError; a cancelled ctx returns its error; access
// denied (or credentials IAM refuses) stops the run at the first refusal
// and returns that error, wrapping iamsweep.ErrAccessDenied
// (ErrNoCredentials).
func (c *Client) AccessReports(ctx context.Context, arns []string, opts AccessOptions) ([]iamsweep.AccessReport, error) {
	opts.defaults()
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	// An identity IAM refuses is refused for every principal: the first
	// refusal stops the run.
	ctx, refuse := context.WithCancelCause(ctx)
	defer refuse(nil)
	r := &accessRun{c: c, opts: opts, lim: newAdaptiveLimiter(opts.Rate, opts.Burst)}
	var (
		mu      sync.Mutex
		reports []iamsweep.AccessReport
		failed  = map[string]error{}
		seen    = map[string]bool{}
	)
	g := &errgroup.Group{}
	g.SetLimit(opts.Concurrency)
	for _, arn := range arns {
		if seen[arn] {
			continue
		}
		seen[arn] = true
		if ctx.Err() != nil {
			// The deadline passed while earlier jobs ran.
			mu.Lock()
			failed[arn] = fmt.Errorf("no job started before the deadline (%v): %w", opts.Timeout, ctx.Err())
			mu.Unlock()
			continue
		}
		g.Go(func() error {
			rep, err := r.report(ctx, arn)
			mu.Lock()
			defer mu.Unlock()
			if errors.Is(err, iamsweep.ErrAccessDenied) || errors.Is(err, iamsweep.ErrNoCredentials) {
				refuse(err)
			}
			if err != nil {
				failed[arn] = err
			} else {
				reports = append(reports, rep)
			}
			return nil // each job records its own error
		})
	}
	_ = g.Wait()
	sort.Slice(reports, func(i, j int) bool { return reports[i].ARN < reports[j].ARN })
	if err := parent.Err(); err != nil {
		return reports, err
	}
	if err := context.Cause(ctx); errors.Is(err, iamsweep.ErrAccessDenied) || errors.Is(err, iamsweep.ErrNoCredentials) {
		return reports, fmt.Errorf("service last accessed jobs (see policies/iamsweep-scan.json): %w", err)
	}
	if len(failed) > 0 {
		return reports, &AccessReportsError{Failed: failed}
	}
	return reports, nil
}

// accessRun is one AccessReports call.
type accessRun struct {
	c    *Client
	opts AccessOptions
	lim  *adaptiveLimiter
}

// noSDKRetries leaves retries to accessRun.call, so that every attempt
// goes through the account's limiter and a throttle slows it.
func noSDKRetries(o *iam.Options) { o.Retryer = aws.NopRetryer{} }

// report gets the report of one principal: a job, polled to its end; a
// new job when one FAILED or went missing, up to JobAttempts.
func (r *accessRun) report(ctx context.Context, arn string) (iamsweep.AccessReport, error) {
	var last error
	for range r.opts.JobAttempts {
		rep, err := r.job(ctx, arn)
		if err == nil {
			return rep, nil
		}
		last = err
		if !errors.Is(err, ErrAccessJobFailed) && !errors.Is(err, errJobLost) {
			return rep, err
		}
		r.c.log.Warn("service last accessed job did not complete; starting another", "principal_arn", arn, "err", err)
	}
	return iamsweep.AccessReport{}, last
}

// errJobLost is a Get of a job IAM does not know (to this caller).
var errJobLost = errors.New("job ID unknown to its reader")

// job generates one job and reads it to its end.
func (r *accessRun) job(ctx context.Context, arn string) (iamsweep.AccessReport, error) {
	var gen *iam.GenerateServiceLastAccessedDetailsOutput
	err := r.call(ctx, func(ctx context.Context) (err error) {
		gen, err = r.c.iam.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{
			Arn: aws.String(arn), Granularity: iamtypes.AccessAdvisorUsageGranularityType(r.opts.Granularity),
		}, noSDKRetries)
		return err
	})
	if err != nil {
		return iamsweep.AccessReport{}, fmt.Errorf("generate service last accessed details: %w", classify(err))
	}
	id := aws.ToString(gen.JobId)
	wait := r.opts.PollFirst
	for {
		if err := r.c.sleep(ctx, wait); err != nil {
			return iamsweep.AccessReport{}, fmt.Errorf("job %s still IN_PROGRESS: %w", id, err)
		}
		wait = min(2*wait, r.opts.PollMax)
		rep, done, err := r.read(ctx, arn, id)
		if err != nil || done {
			return rep, err
		}
	}
}

// read reads a job, all its pages once it is COMPLETED; done is false
// while it is IN_PROGRESS.
func (r *accessRun) read(ctx context.Context, arn, id string) (rep iamsweep.AccessReport, done bool, err error) {
	rep = iamsweep.AccessReport{ARN: arn}
	var marker *string
	for {
		var out *iam.GetServiceLastAccessedDetailsOutput
		err := r.call(ctx, func(ctx context.Context) (err error) {
			out, err = r.c.iam.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{
				JobId: aws.String(id), MaxItems: aws.Int32(PageSize), Marker: marker,
			}, noSDKRetries)
			return err
		})
		if err != nil {
			err = classify(err)
			if errors.Is(err, iamsweep.ErrNotFound) {
				return rep, false, fmt.Errorf("get service last accessed details of job %s: %w: %w", id, errJobLost, err)
			}
			return rep, false, fmt.Errorf("get service last accessed details of job %s: %w", id, err)
		}
		switch out.JobStatus {
		case iamtypes.JobStatusTypeInProgress:
			return rep, false, nil
		case iamtypes.JobStatusTypeFailed:
			reason := "no reason given"
			if out.Error != nil {
				reason = strings.TrimSpace(aws.ToString(out.Error.Code) + ": " + aws.ToString(out.Error.Message))
			}
			return rep, false, fmt.Errorf("job %s: %w: %s", id, ErrAccessJobFailed, reason)
		case iamtypes.JobStatusTypeCompleted:
		default:
			return rep, false, fmt.Errorf("job %s: unknown JobStatus %q", id, out.JobStatus)
		}
		if marker == nil {
			rep.Granularity = iamsweep.AccessGranularity(out.JobType)
			if rep.Granularity == "" {
				rep.Granularity = r.opts.Granularity
			}
			rep.Generated = aws.ToTime(out.JobCompletionDate).UTC()
			rep.Since = rep.Generated.Add(-accessWindow)
		}
		for _, s := range out.ServicesLastAccessed {
			rep.Services = append(rep.Services, serviceAccess(s))
		}
		if !out.IsTruncated || aws.ToString(out.Marker) == "" {
			sort.Slice(rep.Services, func(i, j int) bool { return rep.Services[i].Namespace < rep.Services[j].Namespace })
			return rep, true, nil
		}
		marker = out.Marker
	}
}

// accessWindow is how far back IAM's service last accessed data reaches.
const accessWindow = 400 * 24 * time.Hour

// serviceAccess converts an SDK ServiceLastAccessed.
func serviceAccess(s iamtypes.ServiceLastAccessed) iamsweep.ServiceAccess {
	out := iamsweep.ServiceAccess{
		Namespace:    aws.ToString(s.ServiceNamespace),
		Name:         aws.ToString(s.ServiceName),
		LastAccessed: aws.ToTime(s.LastAuthenticated).UTC(),
		Region:       aws.ToString(s.LastAuthenticatedRegion),
		ActionLevel:  len(s.TrackedActionsLastAccessed) > 0,
	}
	if s.LastAuthenticated == nil {
		out.LastAccessed = time.Time{}
	}
	for _, a := range s.TrackedActionsLastAccessed {
		act := iamsweep.ActionAccess{Name: aws.ToString(a.ActionName), Region: aws.ToString(a.LastAccessedRegion)}
		if a.LastAccessedTime != nil {
			act.LastAccessed = a.LastAccessedTime.UTC()
		}
		out.Actions = append(out.Actions, act)
	}
	sort.Slice(out.Actions, func(i, j int) bool { return out.Actions[i].Name < out.Actions[j].Name })
	return out
}

// retryables are the SDK's own checks of errors worth another attempt
// (throttles, 5xx answers, broken connections), but for an endpoint that
// cannot be reached at all.
var retryables = retry.IsErrorRetryables(append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(noRetryUnreachable)}, retry.DefaultRetryables...))

// call makes one API call through the account's limiter, trying it again
// when it fails on the way (CallAttempts tries in all) or is throttled
// (up to maxThrottled times: a throttle is pacing, not failure; each one
// also slows the limiter, which spaces the next try).
func (r *accessRun) call(ctx context.Context, do func(context.Context) error) error {
	var err error
	failures, throttles := 0, 0
	for {
		epoch, werr := r.lim.wait(ctx)
		if werr != nil {
			// The limiter refuses a wait that would pass the deadline
			// with an error of its own.
			if ctx.Err() != nil {
				werr = ctx.Err()
			} else {
				werr = fmt.Errorf("%w (the account's rate limit would pass it)", context.DeadlineExceeded)
			}
			if err != nil {
				return fmt.Errorf("%w (then: %w)", err, werr)
			}
			return werr
		}
		err = do(ctx)
		if err == nil {
			r.lim.succeeded()
			return nil
		}
		if errors.Is(classify(err), iamsweep.ErrThrottled) {
			r.lim.throttled(epoch)
			if throttles++; throttles == maxThrottled {
				return err
			}
			continue
		}
		if retryables.IsErrorRetryable(err) != aws.TrueTernary {
			return err
		}
		if failures++; failures >= r.opts.CallAttempts {
			return err
		}
		// Full jitter over a doubling base: 100 ms, 200 ms... up to 5 s.
		backoff := time.Duration(rand.Int64N(int64(min(100*time.Millisecond<<(failures-1), 5*time.Second)) + 1))
		if serr := r.c.sleep(ctx, backoff); serr != nil {
			return fmt.Errorf("%w (then: %w)", err, serr)
		}
	}
}

// maxThrottled bounds the throttled tries of one call.
const maxThrottled = 50

// adaptiveLimiter is the account's rate limiter, at most max calls per
// second, probing for the rate IAM allows. When IAM throttles a call let
// through at the current rate (calls let through before the last cut do
// not count again: a burst of throttled calls in flight is one signal) it
// remembers that rate as the ceiling and drops to 70% of it. Each call
// that succeeds raises the rate: by 5% while no ceiling is known, by 0.5%
// of the ceiling once one is (from 70% back to the ceiling in 60 calls),
// so the rate spends its time just below the ceiling rather than
// bouncing off it. Going a fifth past the ceiling without a throttle
// forgets it.
type adaptiveLimiter struct {
	lim       *rate.Limiter
	max       rate.Limit
	mu        sync.Mutex
	epoch     int        // cuts so far
	ceiling   rate.Limit // the rate last throttled at; 0 for none
	throttles int        // throttled calls
}

// minAccessRate is the floor of the adaptive rate.
const minAccessRate = 0.5

func newAdaptiveLimiter(perSecond float64, burst int) *adaptiveLimiter {
	return &adaptiveLimiter{lim: rate.NewLimiter(rate.Limit(perSecond), burst), max: rate.Limit(perSecond)}
}

// wait takes a token; it returns the limiter's epoch, which throttled
// takes back.
func (a *adaptiveLimiter) wait(ctx context.Context) (int, error) {
	a.mu.Lock()
	epoch := a.epoch
	a.mu.Unlock()
	return epoch, a.lim.Wait(ctx)
}

// throttled lowers the rate for a call throttled that was let through in
// the given epoch.
func (a *adaptiveLimiter) throttled(epoch int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.throttles++
	if epoch != a.epoch {
		return
	}
	a.epoch++
	l := a.lim.Limit()
	if a.ceiling == 0 || l >= a.ceiling*0.9 {
		a.ceiling = l
	} else {
		// Throttled well below the ceiling: it may have come down (or a
		// burst was unlucky); lower it gently.
		a.ceiling *= 0.95
	}
	a.lim.SetLimit(max(l*0.7, min(minAccessRate, a.max)))
}

// succeeded raises the rate after a call that went through.
func (a *adaptiveLimiter) succeeded() {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.lim.Limit()
	if l >= a.max {
		return
	}
	step := l * 0.05
	if a.ceiling > 0 {
		if l >= a.ceiling*1.2 {
			a.ceiling = 0
		} else {
			step = a.ceiling * 0.005
		}
	}
	a.lim.SetLimit(min(l+step, a.max))
}
