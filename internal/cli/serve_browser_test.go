package cli

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/browsertest"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/store"
)

// The owner workflow end to end in headless Chromium (Debian's chromium,
// driven over the DevTools protocol, internal/browsertest), against
// iamsweep serve over the fake AWS endpoint: the notice mails the service
// sends are opened as a reader would, their links followed, and the
// dashboard checked. Skips when Chromium is not installed, unless
// IAMSWEEP_REQUIRE_CHROMIUM=1 (as in .ci/run). Screenshots for review go
// under testdata/TestServe_browser/ with -update, else to the test's
// artifact directory.

// browser is a headless Chromium with one tab, which collects what the
// page says on its console; the refusal pages answer 4xx on purpose, so
// network entries do not count.
type browser struct{ *browsertest.Tab }

func newBrowser(t *testing.T) *browser {
	t.Helper()
	return &browser{browsertest.NewTab(t, browsertest.Start(t, browsertest.Options{Width: 1200, Height: 900, Timeout: 3 * time.Minute}), browsertest.Watch{})}
}

// signIn signs in to the dashboard (again, after the clock moved past the
// session).
func (b *browser) signIn(s *service) {
	b.T.Helper()
	b.Do(chromedp.Navigate(s.base+"/signin"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), s.token), chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#filters")))
}

// openMail shows a captured mail's HTML part in the browser, as a mail
// reader would, from a file.
func (b *browser) openMail(m fakeaws.SentEmail) {
	b.T.Helper()
	path := filepath.Join(b.T.TempDir(), "mail.html")
	if err := os.WriteFile(path, []byte(m.HTML), 0o600); err != nil {
		b.T.Fatal(err)
	}
	b.Do(chromedp.Navigate((&url.URL{Scheme: "file", Path: path}).String()), chromedp.WaitVisible(chromedp.CSS("a.keep")))
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
	b.Screenshot("dashboard.png")

	// Alice keeps old-batch from the link in her mail.
	mail := mailTo(t, e.srv, "alice@example.com")
	b.openMail(mail)
	b.Screenshot("mail.png")
	b.Do(chromedp.Click(chromedp.CSS("a.keep")), chromedp.WaitVisible(chromedp.CSS("#decision-form")))
	if got := b.Text("#principal-arn"); !strings.HasSuffix(got, ":role/app/old-batch") {
		t.Fatalf("the Keep link is about %s", got)
	}
	b.Do(chromedp.SendKeys(chromedp.CSS("#reason"), "restores the batch archive once a year"),
		chromedp.SetValue(chromedp.CSS("#until"), e.now.AddDate(0, 0, 120).Format(time.DateOnly)))
	b.Screenshot("keep.png")
	b.Do(chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := b.Text("#message"); !strings.Contains(got, "Decision recorded") {
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
	b.Do(chromedp.Navigate(s.base+"/?verdict=exempt"), chromedp.WaitVisible(chromedp.CSS("#findings")))
	if got := b.Text("#findings"); !strings.Contains(got, "old-batch") || !strings.Contains(got, "kept by alice@example.com") {
		t.Errorf("exempt findings on the dashboard:\n%s", got)
	}
	b.Screenshot("exempt.png")

	// The security team removes the orphan from its notice's link: the run
	// the Remove asks for (no waiting for the next tick) quarantines it,
	// and its history says so.
	e.at(2)
	b.openMail(mailTo(t, e.srv, "security@example.com"))
	b.Do(chromedp.Click(chromedp.CSS("a.remove")), chromedp.WaitVisible(chromedp.CSS("#decision-form")),
		chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := b.Text("#message"); !strings.Contains(got, "The next run starts in about a minute") {
		t.Errorf("after Remove: %s", got)
	}
	s.soonRun(t)
	if !e.quarantined("orphan") {
		t.Fatalf("orphan is not quarantined after Remove:\n%s", s.stderr)
	}
	key := iamsweep.KeyOf(s.finding(t, "orphan"))
	b.signIn(s)
	b.Do(chromedp.Navigate(s.base+"/principal?key="+url.QueryEscape(string(key))), chromedp.WaitVisible(chromedp.CSS("#events")))
	if got := b.Text("#events"); !strings.Contains(got, "removal asked by security@example.com") || !strings.Contains(got, "quarantine") {
		t.Errorf("orphan's history:\n%s", got)
	}
	b.Screenshot("quarantined.png")

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
	b.Do(chromedp.Navigate(s.base+"/backups"), chromedp.WaitVisible(chromedp.CSS("#backups")),
		chromedp.Click(chromedp.CSS("a.restore")), chromedp.WaitVisible(chromedp.CSS("#confirm-restore")))
	b.Screenshot("restore.png")
	b.Do(chromedp.Click(chromedp.CSS("#confirm-restore")), chromedp.WaitVisible(chromedp.CSS("#restored")))
	if got := b.Text("#restored"); !strings.Contains(got, "Restored") || !strings.Contains(got, "orphan") {
		t.Errorf("after the restore:\n%s", got)
	}
	b.Screenshot("restored.png")
	if e.role("orphan") == nil {
		t.Error("orphan was not recreated")
	}
	if code := s.shutdown(t); code != ExitOK {
		t.Errorf("serve exited %d on SIGTERM", code)
	}
	b.CheckQuiet()
}
