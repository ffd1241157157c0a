package awsapi

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
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
// into hard failures ("retry quota exceeded").
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
				if o.NoBackoff {
					so.Backoff = noBackoff{}
				}
			})
		})
	}
}

type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }
