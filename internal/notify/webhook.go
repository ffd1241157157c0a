package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/iamsweep/iamsweep"
)

// webhook is a Slack-compatible incoming webhook. Its URL is a secret
// (whoever holds it may post to the channel): it is never logged nor put
// in an error.
type webhook struct {
	name string
	// env is the environment variable its URL came from, which errors
	// name instead.
	env string
	url string
	lim *limiter
}

// slackChannel posts notices to webhooks.
type slackChannel struct {
	hooks  map[string]*webhook
	client *http.Client
	retry  Retry
	sleep  func(context.Context, time.Duration) error
	log    *slog.Logger
}

// webhookURL checks the URL of a webhook: https, or http to the loopback
// interface (a test server, a local relay). Its errors never show the
// URL.
func webhookURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return errors.New("is not a URL")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); (ip != nil && ip.IsLoopback()) || u.Hostname() == "localhost" {
			return nil
		}
	}
	return errors.New("is not an https URL")
}

// send posts every message of n to the webhook n.To names, in order. A
// webhook gives no message ID: it returns "".
func (c *slackChannel) send(ctx context.Context, n iamsweep.Notice) (string, error) {
	h := c.hooks[n.To.Address]
	if h == nil {
		return "", notSent(fmt.Errorf("no Slack webhook named %s in notify.slack-webhooks", iamsweep.Quote(n.To.Address)))
	}
	msgs := RenderSlack(n)
	for i, m := range msgs {
		body, err := m.encode()
		if err != nil {
			err = fmt.Errorf("encode Slack message: %w", err)
			if i == 0 {
				err = notSent(err)
			}
			return "", err
		}
		if err := c.post(ctx, h, body); err != nil {
			if i > 0 {
				// The earlier messages went out: perhaps delivered.
				return "", fmt.Errorf("message %d of %d: %w", i+1, len(msgs), err)
			}
			var refused *webhookRefusal
			if errors.As(err, &refused) || errors.Is(err, iamsweep.ErrThrottled) {
				return "", err
			}
			if ctx.Err() == nil && errors.Is(err, syscall.ECONNREFUSED) {
				return "", notSent(err)
			}
			return "", err
		}
	}
	return "", nil
}

// webhookRefusal is a webhook's refusal of a message (an HTTP answer
// that is neither a success, 429 nor 5xx): the message was not posted.
type webhookRefusal struct{ err error }

func (w *webhookRefusal) Error() string   { return w.err.Error() }
func (w *webhookRefusal) Unwrap() []error { return []error{w.err, iamsweep.ErrNotDelivered} }

// post sends one message, at the webhook's rate, retrying throttling,
// server errors and broken connections with backoff.
func (c *slackChannel) post(ctx context.Context, h *webhook, body []byte) error {
	for attempt := 1; ; attempt++ {
		if err := h.lim.wait(ctx); err != nil {
			return err
		}
		status, retryAfter, text, err := c.do(ctx, h, body)
		if err == nil && status >= 200 && status < 300 {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		transient := err != nil || status == http.StatusTooManyRequests || status >= 500
		if !transient {
			return &webhookRefusal{fmt.Errorf("post to Slack webhook %s: refused: HTTP %d %s%s", h.name, status, text, hint(status, h.env))}
		}
		var cause error
		switch {
		case err != nil:
			cause = fmt.Errorf("post to Slack webhook %s: %w", h.name, err)
		case status == http.StatusTooManyRequests:
			cause = fmt.Errorf("post to Slack webhook %s: HTTP 429 %s: %w", h.name, text, iamsweep.ErrThrottled)
		default:
			cause = fmt.Errorf("post to Slack webhook %s: HTTP %d %s", h.name, status, text)
		}
		if attempt >= c.retry.MaxAttempts {
			return fmt.Errorf("%w (after %d attempts)", cause, attempt)
		}
		d := c.retry.delay(attempt, retryAfter)
		c.log.Debug("Slack webhook call retried", "webhook", h.name, "attempt", attempt+1, "delay", d, "err", cause)
		if err := c.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// do posts body once: the status, the Retry-After asked for, the start of
// the response's text, or an error without the URL.
func (c *slackChannel) do(ctx context.Context, h *webhook, body []byte) (int, time.Duration, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, "", errors.New("cannot make the request: check the URL in " + h.env)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error's text holds the URL, a secret
		}
		return 0, 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // reuse the connection
	var retryAfter time.Duration
	if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	return resp.StatusCode, retryAfter, clean(string(b), 200), nil
}

// hint says what a refusal means, by Slack's documented answers.
func hint(status int, env string) string {
	switch status {
	case http.StatusNotFound, http.StatusGone, http.StatusForbidden:
		return " (the webhook was removed, its channel archived, or the URL in " + env + " is wrong)"
	case http.StatusBadRequest:
		return " (Slack did not take the message's format)"
	}
	return ""
}

// newHTTPClient is the client for webhooks when none is given: a
// 10-second timeout, and no redirects (a webhook that redirects would
// send the message somewhere else).
func newHTTPClient() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
