package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	region     = "eu-west-1"
	topicARN   = "arn:aws:sns:eu-west-1:" + account + ":iamsweep-notices"
	secretPath = "/services/T0000/B0000/SECRETTOKEN"
	webhookEnv = "IAMSWEEP_TEST_SLACK_SECURITY"
)

// fakeClock is the clock of the rate limits and retries: a sleep moves
// it forward at once and is recorded.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return ctx.Err()
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// awsConfig sends SDK calls to the fake, retrying without delay.
func awsConfig(srv *fakeaws.Server) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKEFAKE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer:      awsapi.NewRetryer(awsapi.RetryOptions{NoBackoff: true}),
	}
}

// reply is a scripted answer of the Slack test server.
type reply struct {
	status     int
	body       string
	retryAfter string
}

// slackServer is a Slack-compatible incoming webhook that records what it
// is sent and answers as scripted (then 200 "ok").
type slackServer struct {
	*httptest.Server
	mu      sync.Mutex
	posts   []SlackMessage
	paths   []string
	replies []reply
}

func newSlackServer(t *testing.T, replies ...reply) *slackServer {
	s := &slackServer{replies: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m SlackMessage
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &m) != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.posts = append(s.posts, m)
		s.paths = append(s.paths, r.URL.Path)
		rep := reply{status: http.StatusOK, body: "ok"}
		if len(s.replies) > 0 {
			rep, s.replies = s.replies[0], s.replies[1:]
		}
		s.mu.Unlock()
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *slackServer) received() []SlackMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SlackMessage(nil), s.posts...)
}

// env is a Router's world: the fake AWS endpoint, a webhook, a clock and
// the log.
type env struct {
	aws    *fakeaws.Server
	slack  *slackServer
	clock  *fakeClock
	log    *bytes.Buffer
	router *Router
}

func newEnv(t *testing.T, c config.Notify, replies ...reply) *env {
	t.Helper()
	e := &env{
		aws: fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: account}), fakeaws.WithSNSTopics(topicARN),
			fakeaws.WithSES(region, account, fakeaws.SES{Identities: []string{"example.com", "alice@example.com"}})),
		slack: newSlackServer(t, replies...),
		clock: &fakeClock{t: asOf},
		log:   &bytes.Buffer{},
	}
	log := slog.New(slog.NewJSONHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ses, err := awsapi.NewSES(awsConfig(e.aws), region, log)
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == webhookEnv {
			return e.slack.URL + secretPath
		}
		return ""
	}
	e.router, err = New(c, Deps{Mailer: ses, Publisher: awsapi.NewSNS(awsConfig(e.aws), log), Getenv: getenv, Log: log,
		Now: e.clock.now, Sleep: e.clock.sleep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if strings.Contains(e.log.String(), "SECRETTOKEN") {
			t.Errorf("the log shows the webhook's URL:\n%s", e.log)
		}
	})
	return e
}

func notifyConfig() config.Notify {
	c := config.DefaultNotify()
	c.From = "iamsweep <iamsweep@example.com>"
	c.SlackWebhooks = []string{"security=" + webhookEnv}
	return c
}

// TestRouter_email sends a notice by mail through the fake SES, reads the
// captured mail and follows its Keep link.
func TestRouter_email(t *testing.T) {
	var (
		mu     sync.Mutex
		visits []string
	)
	decisions := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		visits = append(visits, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		_, _ = io.WriteString(w, "confirm?")
	}))
	defer decisions.Close()
	e := newEnv(t, notifyConfig())
	n := ownerNotice()
	for i := range n.Items {
		n.Items[i].Links.Keep = fmt.Sprintf("%s/d/keep-%d?n=%s&i=%d", decisions.URL, i+1, n.ID, i+1)
	}
	if err := e.router.SendNotice(t.Context(), n); err != nil {
		t.Fatal(err)
	}
	sent := e.aws.SentEmails()
	if len(sent) != 1 {
		t.Fatalf("%d mails sent", len(sent))
	}
	m := sent[0]
	want, _ := RenderEmail(n)
	if diff := cmp.Diff([]string{"iamsweep <iamsweep@example.com>", "alice@example.com", want.Subject, want.Text, want.HTML},
		[]string{m.From, strings.Join(m.To, ","), m.Subject, m.Text, m.HTML}); diff != "" {
		t.Errorf("the mail sent (-want +got):\n%s", diff)
	}
	// Follow the second item's Keep link, as a reader would.
	keeps := regexp.MustCompile(`<a [^>]*href="([^"]+)"[^>]*>Keep</a>`).FindAllStringSubmatch(m.HTML, -1)
	if len(keeps) != 3 {
		t.Fatalf("%d Keep links in the mail", len(keeps))
	}
	resp, err := http.Get(html.UnescapeString(keeps[1][1]))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if diff := cmp.Diff([]string{"GET /d/keep-2?n=n-20261123-0001&i=2"}, visits); diff != "" {
		t.Errorf("the link led to (-want +got):\n%s", diff)
	}
	if !strings.Contains(e.log.String(), `"msg":"notice sent","notice_id":"n-20261123-0001","recipient":"email:alice@example.com","items":3`) {
		t.Errorf("no record of the notice sent:\n%s", e.log)
	}
}

// TestRouter_sender: the sender goes to SES as configured; a display name
// outside ASCII as an RFC 2047 encoded word, which SES requires.
func TestRouter_sender(t *testing.T) {
	for _, tt := range []struct{ from, want string }{
		{"iamsweep@example.com", "iamsweep@example.com"},
		{"iamsweep <iamsweep@example.com>", "iamsweep <iamsweep@example.com>"},
		{"Sécurité <iamsweep@example.com>", "=?utf-8?q?S=C3=A9curit=C3=A9?= <iamsweep@example.com>"},
	} {
		c := notifyConfig()
		c.From = tt.from
		e := newEnv(t, c)
		if err := e.router.SendNotice(t.Context(), ownerNotice()); err != nil {
			t.Fatal(err)
		}
		if got := e.aws.SentEmails()[0].From; got != tt.want {
			t.Errorf("from %q: sent as %q, want %q", tt.from, got, tt.want)
		}
	}
	c := notifyConfig()
	c.From = "not an address"
	if _, err := New(c, Deps{Getenv: func(string) string { return "https://hooks.example.com/x" }}); err == nil || !strings.Contains(err.Error(), `notify.from: "not an address" is not an email address`) {
		t.Errorf("a bad sender: %v", err)
	}
}

// TestRouter_concurrent: notices sent at once, through every channel, all
// arrive (run with -race).
func TestRouter_concurrent(t *testing.T) {
	c := notifyConfig()
	c.EmailRate, c.SNSRate, c.SlackRate = 1000, 1000, 1000
	e := newEnv(t, c)
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := range 10 {
		for _, to := range []iamsweep.Recipient{
			{Kind: iamsweep.RecipientEmail, Address: "alice@example.com"},
			{Kind: iamsweep.RecipientSNS, Address: topicARN},
			{Kind: iamsweep.RecipientSlack, Address: "security"},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := ownerNotice()
				n.ID, n.To = fmt.Sprintf("n-%d", i), to
				errs <- e.router.SendNotice(t.Context(), n)
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if m, p, s := len(e.aws.SentEmails()), len(e.aws.PublishedMessages()), len(e.slack.received()); m != 10 || p != 10 || s != 10 {
		t.Errorf("%d mails, %d SNS messages, %d Slack messages; want 10 each", m, p, s)
	}
}

// TestRouter_rateLimit: mail goes out at the configured rate.
func TestRouter_rateLimit(t *testing.T) {
	tests := []struct {
		name string
		rate float64
		want []time.Duration
	}{
		{"the sandbox's 1 a second", 1, []time.Duration{time.Second, time.Second, time.Second}},
		{"14 a second", 14, []time.Duration{71428571, 71428571, 71428572}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := notifyConfig()
			c.EmailRate = tt.rate
			e := newEnv(t, c)
			for range 4 {
				if err := e.router.SendNotice(t.Context(), ownerNotice()); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.want, e.clock.slept()); diff != "" {
				t.Errorf("waits between mails (-want +got):\n%s", diff)
			}
			if n := len(e.aws.SentEmails()); n != 4 {
				t.Errorf("%d mails sent", n)
			}
		})
	}
}

func TestRouter_sns(t *testing.T) {
	e := newEnv(t, notifyConfig())
	n := fallbackNotice()
	n.To = iamsweep.Recipient{Kind: iamsweep.RecipientSNS, Address: topicARN}
	if err := e.router.SendNotice(t.Context(), n); err != nil {
		t.Fatal(err)
	}
	got := e.aws.PublishedMessages()
	subject, text, _ := RenderSNS(n)
	if len(got) != 1 || got[0].TopicARN != topicARN || got[0].Subject != subject || got[0].Message != text {
		t.Fatalf("published %+v", got)
	}
	// Too long with the key's name (106 characters), so without it.
	if want := "iamsweep: 1 unused IAM credential without an owner will be deactivated on 2026-12-21"; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
}

func TestRouter_slack(t *testing.T) {
	e := newEnv(t, notifyConfig())
	n := ownerNotice()
	n.To = iamsweep.Recipient{Kind: iamsweep.RecipientSlack, Address: "security"}
	if err := e.router.SendNotice(t.Context(), n); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(RenderSlack(n), e.slack.received()); diff != "" {
		t.Errorf("posted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{secretPath}, e.slack.paths); diff != "" {
		t.Errorf("posted to (-want +got):\n%s", diff)
	}

	// A large notice goes in several messages, in order, at the webhook's
	// rate.
	for i := 3; i < 120; i++ {
		n.Items = append(n.Items, iamsweep.NoticeItem{Finding: idleRole(fmt.Sprintf("r%03d", i), 100), Stage: iamsweep.StageNotice, Links: links(i)})
	}
	if err := e.router.SendNotice(t.Context(), n); err != nil {
		t.Fatal(err)
	}
	want := RenderSlack(n)
	got := e.slack.received()[1:]
	if len(want) < 2 || !cmp.Equal(want, got) {
		t.Errorf("%d messages posted, want %d, in order", len(got), len(want))
	}
	if waits := e.clock.slept(); len(waits) != len(want) {
		t.Errorf("waits %v: want one second before each message after the first", waits)
	}
}

// TestRouter_slackRetries: throttling, server errors and broken
// connections are retried with backoff (or Slack's Retry-After), within
// bounds; a refusal is not retried.
func TestRouter_slackRetries(t *testing.T) {
	s := time.Second
	tests := []struct {
		name      string
		replies   []reply
		wantPosts int
		wantWaits []time.Duration
		wantErr   string
		throttled bool
	}{
		{"retry-after", []reply{{429, "rate_limited", "3"}, {429, "rate_limited", "3"}}, 3, []time.Duration{3 * s, 3 * s}, "", false},
		{"a long retry-after is capped", []reply{{429, "rate_limited", "3600"}}, 2, []time.Duration{30 * s}, "", false},
		{"throttled to the end", []reply{{429, "", ""}, {429, "", ""}, {429, "", ""}, {429, "", ""}, {429, "rate_limited", ""}}, 5,
			[]time.Duration{s, 2 * s, 4 * s, 8 * s}, "send notice n-20261123-0001 to slack:security: post to Slack webhook security: HTTP 429 rate_limited: throttled (after 5 attempts)", true},
		{"a server error", []reply{{503, "", ""}}, 2, []time.Duration{s}, "", false},
		{"server errors to the end", []reply{{500, "rollup_error", ""}, {502, "", ""}, {500, "", ""}, {500, "", ""}, {500, "rollup_error", ""}}, 5,
			[]time.Duration{s, 2 * s, 4 * s, 8 * s}, "post to Slack webhook security: HTTP 500 rollup_error (after 5 attempts)", false},
		{"removed", []reply{{404, "no_service", ""}}, 1, nil,
			"post to Slack webhook security: refused: HTTP 404 no_service (the webhook was removed, its channel archived, or the URL in " + webhookEnv + " is wrong)", false},
		{"archived", []reply{{410, "channel_is_archived", ""}}, 1, nil, "HTTP 410 channel_is_archived", false},
		{"a bad payload", []reply{{400, "invalid_blocks", ""}}, 1, nil, "HTTP 400 invalid_blocks (Slack did not take the message's format)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, notifyConfig(), tt.replies...)
			n := ownerNotice()
			n.To = iamsweep.Recipient{Kind: iamsweep.RecipientSlack, Address: "security"}
			err := e.router.SendNotice(t.Context(), n)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if errors.Is(err, iamsweep.ErrThrottled) != tt.throttled {
				t.Errorf("errors.Is(ErrThrottled) = %v", !tt.throttled)
			}
			if err != nil && strings.Contains(err.Error(), "SECRETTOKEN") {
				t.Errorf("the error shows the webhook's URL: %v", err)
			}
			if n := len(e.slack.received()); n != tt.wantPosts {
				t.Errorf("%d posts, want %d", n, tt.wantPosts)
			}
			if diff := cmp.Diff(tt.wantWaits, e.clock.slept()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRouter_slackUnreachable: a webhook that cannot be reached is retried,
// and neither the error nor the log shows its URL.
func TestRouter_slackUnreachable(t *testing.T) {
	e := newEnv(t, notifyConfig())
	e.slack.Close() // nothing listens there any more
	n := ownerNotice()
	n.To = iamsweep.Recipient{Kind: iamsweep.RecipientSlack, Address: "security"}
	err := e.router.SendNotice(t.Context(), n)
	if err == nil || !strings.Contains(err.Error(), "post to Slack webhook security:") || !strings.Contains(err.Error(), "(after 5 attempts)") {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(err.Error(), "SECRETTOKEN") || strings.Contains(err.Error(), "/services/") {
		t.Errorf("the error shows the webhook's URL: %v", err)
	}
	if !strings.Contains(e.log.String(), "Slack webhook call retried") {
		t.Errorf("no retry logged:\n%s", e.log)
	}
}

func TestNew_webhooks(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		wantErr string
	}{
		{"https", "https://hooks.slack.com/services/T0/B0/SECRETTOKEN", ""},
		{"loopback http", "http://127.0.0.1:8080/hook/SECRETTOKEN", ""},
		{"localhost http", "http://localhost:8080/hook/SECRETTOKEN", ""},
		{"not set", "", "notify.slack-webhooks: webhook security: the environment variable " + webhookEnv + ", which holds its URL, is not set"},
		{"plain http", "http://hooks.example.com/SECRETTOKEN", "notify.slack-webhooks: webhook security: the value of " + webhookEnv + " is not an https URL"},
		{"not a URL", "SECRETTOKEN", "the value of " + webhookEnv + " is not a URL"},
		{"another scheme", "ftp://hooks.example.com/SECRETTOKEN", "is not an https URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(notifyConfig(), Deps{Getenv: func(k string) string {
				if k == webhookEnv {
					return tt.value
				}
				return ""
			}})
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "SECRETTOKEN") {
				t.Errorf("the error shows the URL: %v", err)
			}
		})
	}
}

func TestRouter_errors(t *testing.T) {
	tests := []struct {
		name    string
		config  func(*config.Notify)
		fault   func(*fakeaws.Server)
		notice  func(*iamsweep.Notice)
		wantErr string
		is      error
		code    string
	}{
		{name: "unknown kind", notice: func(n *iamsweep.Notice) { n.To = iamsweep.Recipient{Kind: "pager", Address: "x"} },
			wantErr: `send notice n-20261123-0001 to pager:x: unknown recipient kind "pager" (want email, sns or slack)`},
		{name: "nothing to say", notice: func(n *iamsweep.Notice) { n.Items = nil }, wantErr: "send notice n-20261123-0001 to email:alice@example.com: the notice lists nothing"},
		{name: "no sender", config: func(c *config.Notify) { c.From = "" },
			wantErr: "send notice n-20261123-0001 to email:alice@example.com: mail is not set up: set notify.from to an address verified in Amazon SES"},
		{name: "not an address", notice: func(n *iamsweep.Notice) { n.To.Address = "alice at example" }, wantErr: `"alice at example" is not an email address`},
		{name: "unknown webhook", notice: func(n *iamsweep.Notice) { n.To = iamsweep.Recipient{Kind: iamsweep.RecipientSlack, Address: "ops"} },
			wantErr: `send notice n-20261123-0001 to slack:ops: no Slack webhook named "ops" in notify.slack-webhooks`},
		{name: "sandbox: an unverified recipient", notice: func(n *iamsweep.Notice) { n.To.Address = "bob@example.org" },
			wantErr: "send notice n-20261123-0001 to email:bob@example.org: send email to bob@example.org through Amazon SES in eu-west-1: SESv2 SendEmail: MessageRejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: bob@example.org",
			code:    "MessageRejected"},
		{name: "an unverified sender", config: func(c *config.Notify) { c.From = "iamsweep@elsewhere.example" },
			wantErr: "failed the check in region EU-WEST-1: iamsweep@elsewhere.example", code: "MessageRejected"},
		{name: "no such configuration set", config: func(c *config.Notify) { c.ConfigurationSet = "gone" }, is: iamsweep.ErrNotFound,
			wantErr: "Configuration set <gone> does not exist"},
		{name: "SES throttles to the end", fault: func(s *fakeaws.Server) {
			s.InjectFault("", "ses:SendEmail", -1, 429, "TooManyRequestsException", "Maximum sending rate exceeded.")
		}, is: iamsweep.ErrThrottled, wantErr: "send email to alice@example.com"},
		{name: "no such topic", notice: func(n *iamsweep.Notice) {
			n.To = iamsweep.Recipient{Kind: iamsweep.RecipientSNS, Address: topicARN + "-gone"}
		}, is: iamsweep.ErrNotFound, wantErr: "publish to SNS topic " + topicARN + "-gone"},
		{name: "SNS throttles to the end", fault: func(s *fakeaws.Server) { s.InjectFault("", "sns:Publish", -1, 400, "Throttling", "Rate exceeded") },
			notice: func(n *iamsweep.Notice) { n.To = iamsweep.Recipient{Kind: iamsweep.RecipientSNS, Address: topicARN} },
			is:     iamsweep.ErrThrottled, wantErr: "publish to SNS topic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := notifyConfig()
			if tt.config != nil {
				tt.config(&c)
			}
			e := newEnv(t, c)
			if tt.fault != nil {
				tt.fault(e.aws)
			}
			n := ownerNotice()
			if tt.notice != nil {
				tt.notice(&n)
			}
			err := e.router.SendNotice(t.Context(), n)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if got := iamsweep.ErrorCode(err); tt.code != "" && got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
			if len(e.aws.SentEmails())+len(e.aws.PublishedMessages())+len(e.slack.received()) != 0 {
				t.Error("something was sent")
			}
			// Nothing went out: the error must say so, or the notice
			// journal keeps it as "perhaps delivered" and never sends it.
			if !errors.Is(err, iamsweep.ErrNotDelivered) && !errors.Is(err, iamsweep.ErrThrottled) {
				t.Errorf("error %v is neither ErrNotDelivered nor ErrThrottled", err)
			}
		})
	}
}

// TestRouter_canceled: a canceled context stops a send waiting for its
// turn.
func TestRouter_canceled(t *testing.T) {
	e := newEnv(t, notifyConfig())
	ctx, cancel := context.WithCancel(t.Context())
	if err := e.router.SendNotice(ctx, ownerNotice()); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := e.router.SendNotice(ctx, ownerNotice()); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if n := len(e.aws.SentEmails()); n != 1 {
		t.Errorf("%d mails sent", n)
	}
}
