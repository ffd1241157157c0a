package awsapi

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
)

// RetryOptions tune the retryer.
type RetryOptions struct {
	// MaxAttempts per call, first attempt included (default 10).
	MaxAttempts int
	// MaxBackoff caps the delay between attempts (default 20 s).
	MaxBackoff time.Duration
	// NoBackoff retries at once; for tests against the fake endpoint.
	NoBackoff bool
}

// NewRetryer returns the retryer every client uses: the SDK's adaptive mode
// (client-side rate limiting that slows down when AWS throttles), with more
// attempts than the SDK's default 3 and without the SDK's client-wide retry
// quota, which otherwise runs dry on large accounts and turns throttling
// into hard failures ("retry quota exceeded"). Throttling, 5xx answers and
// broken connections are retried; an endpoint that cannot be reached at all
// (connection refused, a host name that does not resolve) is not: that
// fails at once, where ten attempts with backoff would take two minutes.
func NewRetryer(o RetryOptions) func() aws.Retryer {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 20 * time.Second
	}
	return func() aws.Retryer {
		return retry.NewAdaptiveMode(func(ao *retry.AdaptiveModeOptions) {
			if o.NoBackoff {
				// Adaptive mode's client-side rate limiter sleeps after a
				// throttle whatever the backoff; it engages only on errors
				// it classes as throttling. Standard mode still retries
				// them (throttle codes are among its retryables).
				ao.Throttles = nil
			}
			ao.StandardOptions = append(ao.StandardOptions, func(so *retry.StandardOptions) {
				so.MaxAttempts = o.MaxAttempts
				so.MaxBackoff = o.MaxBackoff
				so.RateLimiter = ratelimit.None
				// First: the SDK's own checks retry any error of sending.
				so.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(noRetryUnreachable)}, so.Retryables...)
				if o.NoBackoff {
					so.Backoff = noBackoff{}
				}
			})
		})
	}
}

// noRetryUnreachable says that an error of an unreachable endpoint is not
// to be retried, and leaves every other error to the SDK's checks.
func noRetryUnreachable(err error) aws.Ternary {
	if _, _, ok := unreachable(err); ok {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// warnAttempt is the attempt of a call at which LogRetries warns: the call
// has failed twice and is being retried again.
const warnAttempt = 3

// LogRetries returns an API option (for aws.Config.APIOptions) that logs
// each retry of a call at level debug and warns, once per call, when a
// call is tried a third time, so that a slow scan says why on stderr
// rather than waiting in silence. Records carry the operation ("IAM
// GetAccountAuthorizationDetails"), the attempt and the last error.
func LogRetries(log *slog.Logger) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		if _, ok := stack.Finalize.Get("iamsweepCountAttempts"); ok {
			return nil // installed already (a config that had it)
		}
		// Around the retry loop: a count of the call's attempts.
		err := stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("iamsweepCountAttempts",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				return next.HandleFinalize(context.WithValue(ctx, attemptsKey{}, &attempts{}), in)
			}), "Retry", middleware.Before)
		if err != nil {
			return err
		}
		// Inside it: each attempt.
		return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("iamsweepLogRetries",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				a, _ := ctx.Value(attemptsKey{}).(*attempts)
				if a == nil {
					return next.HandleFinalize(ctx, in)
				}
				a.n++
				if a.n > 1 {
					level := slog.LevelDebug
					if a.n == warnAttempt {
						level = slog.LevelWarn
					}
					log.Log(ctx, level, "AWS call retried",
						"op", awsmiddleware.GetServiceID(ctx)+" "+awsmiddleware.GetOperationName(ctx), "attempt", a.n, "err", a.last)
				}
				out, md, err := next.HandleFinalize(ctx, in)
				a.last = err
				return out, md, err
			}), "Retry", middleware.After)
	}
}

type attemptsKey struct{}

// attempts counts the attempts of one call; they happen one at a time.
type attempts struct {
	n    int
	last error
}
