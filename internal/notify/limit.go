package notify

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// limiter spaces a channel's messages at its rate (a token bucket of one,
// so messages go out evenly), on a clock and a sleep that tests replace.
type limiter struct {
	l     *rate.Limiter
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

func newLimiter(perSecond float64, now func() time.Time, sleep func(context.Context, time.Duration) error) *limiter {
	return &limiter{l: rate.NewLimiter(rate.Limit(perSecond), 1), now: now, sleep: sleep}
}

// wait returns when the next message may go, or with the context's error.
func (l *limiter) wait(ctx context.Context) error {
	now := l.now()
	r := l.l.ReserveN(now, 1)
	if !r.OK() {
		return fmt.Errorf("rate limit %v a second allows no message", l.l.Limit())
	}
	if d := r.DelayFrom(now); d > 0 {
		if err := l.sleep(ctx, d); err != nil {
			r.CancelAt(l.now())
			return err
		}
	}
	return nil
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Retry bounds the retries of a webhook call that failed with throttling
// (HTTP 429), a server error (5xx) or a broken connection.
type Retry struct {
	// MaxAttempts per message, the first included (default 5).
	MaxAttempts int
	// BaseDelay is the wait before the first retry (default 1 s); it
	// doubles for each further one, up to MaxDelay (default 30 s). A
	// Retry-After the webhook sends is waited instead, up to MaxDelay.
	BaseDelay, MaxDelay time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 5
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = time.Second
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = 30 * time.Second
	}
	return r
}

// delay is the wait before attempt+1, after attempt failed; retryAfter is
// what the server asked for (0 for nothing).
func (r Retry) delay(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, r.MaxDelay)
	}
	d := r.BaseDelay
	for i := 1; i < attempt && d < r.MaxDelay; i++ {
		d *= 2
	}
	return min(d, r.MaxDelay)
}
