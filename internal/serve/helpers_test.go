package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/links"
	"github.com/iamsweep/iamsweep/internal/remediate"
	"github.com/iamsweep/iamsweep/internal/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a log sink the handlers may write from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var start = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

const dashboardToken = "dashboard-token-for-tests-0123456789"

func days(n int) *int { return &n }

// The latest scan of the tests: an unused role with an owner, an unused
// user without one, a used role.
var (
	roleARN  = "arn:aws:iam::111122223333:role/app/old-etl"
	userARN  = "arn:aws:iam::111122223333:user/bob"
	usedARN  = "arn:aws:iam::444455556666:role/ci"
	findings = []iamsweep.Finding{
		{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: roleARN, Name: "old-etl", Path: "/app/",
			Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed, Reason: "last used 200 days ago",
			LastUsed: iamsweep.Usage{Time: start.AddDate(0, 0, -200)}, DaysUnused: days(200),
			Tags: []iamsweep.Tag{{Key: "owner", Value: "alice@example.com"}}},
		{Type: iamsweep.TypeUnusedIAMUser, AccountID: "111122223333", ARN: userARN, Name: "bob", Path: "/",
			Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse, Reason: "no recorded use in IAM's 400-day tracking period"},
		{Type: iamsweep.TypeUnusedIAMRole, AccountID: "444455556666", ARN: usedARN, Name: "ci", Path: "/",
			Verdict: iamsweep.VerdictUsed, Rule: iamsweep.RuleLastUsed, Reason: "last used 2 days ago",
			LastUsed: iamsweep.Usage{Time: start.AddDate(0, 0, -2)}, DaysUnused: days(2)},
	}
)

type env struct {
	t       *testing.T
	st      *store.Store
	clock   *clock
	signer  *links.Signer
	server  *Server
	srv     *httptest.Server
	lm      *LinkMaker
	logs    *syncBuffer
	restore *restoreCalls
}

type restoreCalls struct {
	mu  sync.Mutex
	ids []string
}

func (r *restoreCalls) Restore(_ context.Context, id string) (remediate.RestoreResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, id)
	return remediate.RestoreResult{Backup: iamsweep.Backup{ID: id}, NewID: "AROANEW", Steps: []string{"CreateRole old-etl"}}, nil
}

func (r *restoreCalls) calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...)
}

func key32(s string) []byte { return []byte(strings.Repeat(s, 32)[:32]) }

// newEnv starts the service on 127.0.0.1 over a fresh state database
// holding the test scan.
func newEnv(t *testing.T, tweak ...func(*Options)) *env {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.RecordScan(ctx, iamsweep.ScanResult{AsOf: start, UnusedDays: 90, Findings: findings}); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, clock: &clock{t: start}, logs: &syncBuffer{}, restore: &restoreCalls{}}
	e.signer, err = links.NewSigner(key32("k"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		Store: st, Signer: e.signer, DashboardToken: dashboardToken,
		KeepMax: 180 * 24 * time.Hour, SnoozeMax: 30 * 24 * time.Hour,
		OwnerTags: []string{"owner"}, Restore: e.restore.Restore,
		Now: e.clock.Now, Rand: rand.Reader,
		Log: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range tweak {
		f(&o)
	}
	e.server, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.server.Handler())
	t.Cleanup(e.srv.Close)
	base, _ := url.Parse(e.srv.URL)
	e.lm = &LinkMaker{Store: st, Signer: e.signer, BaseURL: base, TTL: 14 * 24 * time.Hour, Now: e.clock.Now}
	return e
}

// links makes the three links of a finding in a notice to alice.
func (e *env) links(f iamsweep.Finding) iamsweep.DecisionLinks {
	e.t.Helper()
	l, err := e.lm.Links(e.t.Context(), "n-1", "email:alice@example.com",
		iamsweep.NoticeItem{Finding: f, Stage: iamsweep.StageNotice, Next: iamsweep.ActionQuarantine, NextAt: start.AddDate(0, 0, 14)})
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// browser is an HTTP client with its own cookies that does not follow
// redirects.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type resp struct {
	status int
	body   string
	header http.Header
}

func (e *env) do(c *http.Client, method, target string, form url.Values, hdr ...string) resp {
	e.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = e.srv.URL + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, target, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, body: string(b), header: res.Header}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF value of the first form on a page.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in the page:\n%s", page)
	}
	return m[1]
}

// signIn signs a browser in.
func (e *env) signIn(c *http.Client) {
	e.t.Helper()
	r := e.do(c, "POST", "/signin", url.Values{"token": {dashboardToken}, "next": {"/"}})
	if r.status != http.StatusSeeOther {
		e.t.Fatalf("sign-in: status %d\n%s", r.status, r.body)
	}
}

// decisions returns every recorded decision.
func (e *env) decisions() []iamsweep.Decision {
	e.t.Helper()
	ds, err := e.st.Decisions(e.t.Context(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func (e *env) token(link string) store.LinkToken {
	e.t.Helper()
	text := link[strings.LastIndex(link, "/")+1:]
	tok, err := e.st.LinkToken(e.t.Context(), links.HashOf(text))
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func linkPath(link string) string {
	u, _ := url.Parse(link)
	return u.Path
}
