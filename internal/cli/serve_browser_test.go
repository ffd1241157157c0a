package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	goldenfile "github.com/iamsweep/iamsweep/internal/golden"
	"github.com/iamsweep/iamsweep/internal/store"
)

// The owner workflow end to end in headless Chromium (Debian's chromium,
// driven over the DevTools protocol), against iamsweep serve over the fake
// AWS endpoint: the notice mails the service sends are opened as a reader
// would, their links followed, and the dashboard checked. Skips when
// Chromium is not installed, unless IAMSWEEP_REQUIRE_CHROMIUM=1 (as in
// .ci/run). Screenshots for review go under testdata/TestServe_browser/
// with -update, else to the test's artifact directory.

func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("IAMSWEEP_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("IAMSWEEP_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("IAMSWEEP_REQUIRE_CHROMIUM=1, but chromium is not installed (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); IAMSWEEP_REQUIRE_CHROMIUM=1 makes this a failure")
	return ""
}

type browser struct {
	t        *testing.T
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("hide-scrollbars", true), chromedp.WindowSize(1200, 900))
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	b := &browser{t: t, ctx: bctx}
	if err := chromedp.Listen(bctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+ev.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if ev.Entry.Source == cdplog.EntrySourceNetwork || ev.Entry.Level == cdplog.EntryLevelVerbose {
				return // refusal pages answer 4xx on purpose
			}
			b.problems = append(b.problems, fmt.Sprintf("%s %s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text))
		}
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	dir := b.t.ArtifactDir()
	if goldenfile.Updating() {
		dir = filepath.Join("testdata", "TestServe_browser")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// signIn signs in to the dashboard (again, after the clock moved past the
// session).
func (b *browser) signIn(s *service) {
	b.t.Helper()
	b.do(chromedp.Navigate(s.base+"/signin"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), s.token), chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#filters")))
}

// openMail shows a captured mail's HTML part in the browser, as a mail
// reader would, from a file.
func (b *browser) openMail(m fakeaws.SentEmail) {
	b.t.Helper()
	path := filepath.Join(b.t.TempDir(), "mail.html")
	if err := os.WriteFile(path, []byte(m.HTML), 0o600); err != nil {
		b.t.Fatal(err)
	}
	b.do(chromedp.Navigate((&url.URL{Scheme: "file", Path: path}).String()), chromedp.WaitVisible(chromedp.CSS("a.keep")))
}

// mailTo returns the newest mail to addr.
func mailTo(t *testing.T, srv *fakeaws.Server, addr string) fakeaws.SentEmail {
	t.Helper()
	sent := srv.SentEmails()
	for i := len(sent) - 1; i >= 0; i-- {
		for _, to := range sent[i].To {
			if to == addr {
				return sent[i]
			}
		}
	}
	t.Fatalf("no mail to %s among %d", addr, len(sent))
	return fakeaws.SentEmail{}
}

// verdict returns the finding of a role in the latest scan.
func (s *service) finding(t *testing.T, name string) iamsweep.Finding {
	t.Helper()
	var out iamsweep.Finding
	s.withStore(func(st *store.Store) {
		_, res, err := st.LatestScan(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			if f.Name == name && f.Type == iamsweep.TypeUnusedIAMRole {
				out = f
				return
			}
		}
		t.Fatalf("no finding of %s", name)
	})
	return out
}

func TestServe_browser(t *testing.T) {
	b := newBrowser(t)
	e := newEscalation(t)
	s := startService(t, e) // the first run: a scan, a notice to alice and one to the security team
	b.signIn(s)
	b.screenshot("dashboard.png")

	// Alice keeps old-batch from the link in her mail.
	mail := mailTo(t, e.srv, "alice@example.com")
	b.openMail(mail)
	b.screenshot("mail.png")
	b.do(chromedp.Click(chromedp.CSS("a.keep")), chromedp.WaitVisible(chromedp.CSS("#decision-form")))
	if got := b.text("#principal-arn"); !strings.HasSuffix(got, ":role/app/old-batch") {
		t.Fatalf("the Keep link is about %s", got)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#reason"), "restores the batch archive once a year"),
		chromedp.SetValue(chromedp.CSS("#until"), e.now.AddDate(0, 0, 120).Format(time.DateOnly)))
	b.screenshot("keep.png")
	b.do(chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := b.text("#message"); !strings.Contains(got, "Decision recorded") {
		t.Fatalf("after Keep: %s", got)
	}

	// The next run's scan judges it exempt, and the dashboard says so.
	e.at(1)
	s.tick(t)
	until := e.now.AddDate(0, 0, 119).Format(time.DateOnly)
	f := s.finding(t, "old-batch")
	wantReason := "kept by alice@example.com until " + until + ": restores the batch archive once a year"
	if f.Verdict != iamsweep.VerdictExempt || !strings.Contains(f.Reason, wantReason) {
		t.Errorf("old-batch in the next scan: %s, %q; want exempt, %q", f.Verdict, f.Reason, wantReason)
	}
	b.signIn(s) // the clock moved past the session
	b.do(chromedp.Navigate(s.base+"/?verdict=exempt"), chromedp.WaitVisible(chromedp.CSS("#findings")))
	if got := b.text("#findings"); !strings.Contains(got, "old-batch") || !strings.Contains(got, "kept by alice@example.com") {
		t.Errorf("exempt findings on the dashboard:\n%s", got)
	}
	b.screenshot("exempt.png")

	// The security team removes the orphan from its notice's link: the run
	// the Remove asks for (no waiting for the next tick) quarantines it,
	// and its history says so.
	e.at(2)
	b.openMail(mailTo(t, e.srv, "security@example.com"))
	b.do(chromedp.Click(chromedp.CSS("a.remove")), chromedp.WaitVisible(chromedp.CSS("#decision-form")),
		chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := b.text("#message"); !strings.Contains(got, "The next run starts in about a minute") {
		t.Errorf("after Remove: %s", got)
	}
	s.soonRun(t)
	if !e.quarantined("orphan") {
		t.Fatalf("orphan is not quarantined after Remove:\n%s", s.stderr)
	}
	key := iamsweep.KeyOf(s.finding(t, "orphan"))
	b.signIn(s)
	b.do(chromedp.Navigate(s.base+"/principal?key="+url.QueryEscape(string(key))), chromedp.WaitVisible(chromedp.CSS("#events")))
	if got := b.text("#events"); !strings.Contains(got, "removal asked by security@example.com") || !strings.Contains(got, "quarantine") {
		t.Errorf("orphan's history:\n%s", got)
	}
	b.screenshot("quarantined.png")

	// 30 days of quarantine later, unused, it is deleted (after a warning);
	// the dashboard restores it from its backup.
	e.at(2 + 27)
	s.tick(t)
	e.at(2 + 31)
	s.tick(t)
	if e.role("orphan") != nil {
		t.Fatalf("orphan was not deleted:\n%s", s.stderr)
	}
	b.signIn(s)
	b.do(chromedp.Navigate(s.base+"/backups"), chromedp.WaitVisible(chromedp.CSS("#backups")),
		chromedp.Click(chromedp.CSS("a.restore")), chromedp.WaitVisible(chromedp.CSS("#confirm-restore")))
	b.screenshot("restore.png")
	b.do(chromedp.Click(chromedp.CSS("#confirm-restore")), chromedp.WaitVisible(chromedp.CSS("#restored")))
	if got := b.text("#restored"); !strings.Contains(got, "Restored") || !strings.Contains(got, "orphan") {
		t.Errorf("after the restore:\n%s", got)
	}
	b.screenshot("restored.png")
	if e.role("orphan") == nil {
		t.Error("orphan was not recreated")
	}
	if code := s.shutdown(t); code != ExitOK {
		t.Errorf("serve exited %d on SIGTERM", code)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("on the console: %s", p)
	}
}
