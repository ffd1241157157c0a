package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
)

// Mailer sends one mail: awsapi.SES.
type Mailer interface {
	SendEmail(ctx context.Context, m awsapi.Email) (messageID string, err error)
}

// Publisher publishes one message to an SNS topic: awsapi.SNS.
type Publisher interface {
	Publish(ctx context.Context, topicARN, subject, message string) (messageID string, err error)
}

var (
	_ Mailer                = (*awsapi.SES)(nil)
	_ Publisher             = (*awsapi.SNS)(nil)
	_ iamsweep.NoticeSender = (*Router)(nil)
)

// Deps are what a Router sends through; the zero value of each optional
// one is right for the service.
type Deps struct {
	// Mailer sends mail (awsapi.NewSES); nil when notices go by mail to
	// no one.
	Mailer Mailer
	// Publisher publishes to SNS topics (awsapi.NewSNS); nil when no
	// notice goes to a topic.
	Publisher Publisher
	// HTTPClient posts to Slack webhooks; nil for a client with a
	// 10-second timeout that follows no redirect.
	HTTPClient *http.Client
	// Getenv reads the environment variables that hold the webhooks'
	// URLs; nil for os.Getenv.
	Getenv func(string) string
	// Log receives a record per notice sent and per webhook retry; nil
	// for none.
	Log *slog.Logger
	// Retry bounds the retries of webhook calls (the AWS channels are
	// retried by the AWS SDK's retryer); zero for its defaults.
	Retry Retry
	// Now and Sleep are the clock of the rate limits and the wait between
	// retries; nil for the real ones (tests replace them).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Router is an iamsweep.NoticeSender: it renders each notice for the
// channel of its recipient (Recipient.Kind) and delivers it, within the
// channel's rate. It is safe for concurrent use.
type Router struct {
	from, configSet string
	mailer          Mailer
	publisher       Publisher
	mailLimit       *limiter
	topicLimit      *limiter
	slack           *slackChannel
	log             *slog.Logger
}

// New returns a Router for the notify section c. It reads the URL of each
// Slack webhook c names from its environment variable now, so that a
// missing or malformed one fails at start, naming the variable (never
// the URL).
func New(c config.Notify, d Deps) (*Router, error) {
	if d.Getenv == nil {
		d.Getenv = os.Getenv
	}
	if d.HTTPClient == nil {
		d.HTTPClient = newHTTPClient()
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Sleep == nil {
		d.Sleep = sleep
	}
	def := config.DefaultNotify()
	rateOr := func(r, fallback float64) float64 {
		if r > 0 {
			return r
		}
		return fallback
	}
	from := c.From
	if from != "" {
		a, err := mail.ParseAddress(from)
		if err != nil {
			return nil, fmt.Errorf("notify.from: %s is not an email address", iamsweep.Quote(from))
		}
		if !ascii(from) {
			// SES takes a display name outside ASCII only as an RFC 2047
			// encoded word, which String makes.
			from = a.String()
		}
	}
	r := &Router{
		from:       from,
		configSet:  c.ConfigurationSet,
		mailer:     d.Mailer,
		publisher:  d.Publisher,
		mailLimit:  newLimiter(rateOr(c.EmailRate, def.EmailRate), d.Now, d.Sleep),
		topicLimit: newLimiter(rateOr(c.SNSRate, def.SNSRate), d.Now, d.Sleep),
		slack: &slackChannel{hooks: map[string]*webhook{}, client: d.HTTPClient, retry: d.Retry.withDefaults(),
			sleep: d.Sleep, log: d.Log},
		log: d.Log,
	}
	hooks := c.Webhooks()
	names := make([]string, 0, len(hooks))
	for name := range hooks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		env := hooks[name]
		u := d.Getenv(env)
		if u == "" {
			return nil, fmt.Errorf("notify.slack-webhooks: webhook %s: the environment variable %s, which holds its URL, is not set", name, env)
		}
		if err := webhookURL(u); err != nil {
			return nil, fmt.Errorf("notify.slack-webhooks: webhook %s: the value of %s %w", name, env, err)
		}
		r.slack.hooks[name] = &webhook{name: name, env: env, url: u, lim: newLimiter(rateOr(c.SlackRate, def.SlackRate), d.Now, d.Sleep)}
	}
	return r, nil
}

// SendNotice renders n for its recipient's channel and delivers it:
// mail through SES, a message to an SNS topic, or messages to a Slack
// webhook. Errors name the notice and the recipient.
//
// Errors: iamsweep.ErrThrottled when the channel kept throttling after
// the retries (send again later); iamsweep.ErrNotDelivered besides any
// other error when nothing certainly went out (refused before the call,
// or with an HTTP 4xx answer: safe to send again); iamsweep.ErrAccessDenied,
// iamsweep.ErrNotFound (no such topic or configuration set), an
// *iamsweep.APIError with code MessageRejected (an unverified sender, or
// recipient in the SES sandbox), a refused webhook call, an invalid
// recipient or a channel not set up are final; the context's error.
func (r *Router) SendNotice(ctx context.Context, n iamsweep.Notice) error {
	var (
		id  string
		err error
	)
	switch {
	case len(n.Items) == 0:
		err = notSent(errors.New("the notice lists nothing"))
	case n.To.Kind == iamsweep.RecipientEmail:
		id, err = r.sendMail(ctx, n)
	case n.To.Kind == iamsweep.RecipientSNS:
		id, err = r.publish(ctx, n)
	case n.To.Kind == iamsweep.RecipientSlack:
		id, err = r.slack.send(ctx, n)
	default:
		err = notSent(fmt.Errorf("unknown recipient kind %s (want email, sns or slack)", iamsweep.Quote(string(n.To.Kind))))
	}
	if err != nil {
		if refusedOutright(err) {
			err = undelivered{err}
		}
		return fmt.Errorf("send notice %s to %s: %w", n.ID, n.To, err)
	}
	attrs := []any{"notice_id", n.ID, "recipient", n.To.String(), "items", len(n.Items)}
	if id != "" {
		attrs = append(attrs, "message_id", id)
	}
	r.log.Info("notice sent", attrs...)
	return nil
}

// undelivered marks an error after which the notice certainly was not
// delivered: iamsweep.ErrNotDelivered.
type undelivered struct{ err error }

func (u undelivered) Error() string   { return u.err.Error() }
func (u undelivered) Unwrap() []error { return []error{u.err, iamsweep.ErrNotDelivered} }

// notSent marks an error that happened before anything was sent.
func notSent(err error) error {
	if err == nil {
		return nil
	}
	return undelivered{err}
}

// refusedOutright reports whether err is an AWS service's refusal of the
// request (an HTTP 4xx answer: nothing was accepted), or a connection
// that was refused: either way nothing went out. A timeout, a broken
// connection or a 5xx answer may have delivered it.
func refusedOutright(err error) bool {
	var ae *iamsweep.APIError
	if errors.As(err, &ae) && ae.HTTPStatus >= 400 && ae.HTTPStatus < 500 {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func (r *Router) sendMail(ctx context.Context, n iamsweep.Notice) (string, error) {
	if r.mailer == nil || r.from == "" {
		return "", notSent(errors.New("mail is not set up: set notify.from to an address verified in Amazon SES"))
	}
	to, err := mail.ParseAddress(n.To.Address)
	if err != nil {
		return "", notSent(fmt.Errorf("%s is not an email address", iamsweep.Quote(n.To.Address)))
	}
	m, err := RenderEmail(n)
	if err != nil {
		return "", notSent(err)
	}
	if err := r.mailLimit.wait(ctx); err != nil {
		return "", notSent(err)
	}
	return r.mailer.SendEmail(ctx, awsapi.Email{From: r.from, To: to.Address, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		ConfigurationSet: r.configSet})
}

func (r *Router) publish(ctx context.Context, n iamsweep.Notice) (string, error) {
	if r.publisher == nil {
		return "", notSent(errors.New("SNS is not set up"))
	}
	subject, text, err := RenderSNS(n)
	if err != nil {
		return "", notSent(err)
	}
	if err := r.topicLimit.wait(ctx); err != nil {
		return "", notSent(err)
	}
	return r.publisher.Publish(ctx, n.To.Address, subject, text)
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
