package serve

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
	"github.com/iamsweep/iamsweep/internal/golden"
)

// The decision pages and the dashboard in a real browser: Debian's
// chromium, driven over the DevTools protocol. The test skips when
// Chromium is not installed, unless IAMSWEEP_REQUIRE_CHROMIUM=1 (as in
// .ci/run). Screenshots for review go under testdata/TestBrowser/ with
// -update (commit them), else to the test's artifact directory.

func chromiumPath(t *testing.T) string {
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

// browserTab starts a headless Chromium with one tab, and collects what
// the page says on its console (a CSP violation, an error).
type browserTab struct {
	t        *testing.T
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowserTab(t *testing.T) *browserTab {
	t.Helper()
	path := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1200, 900),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	b := &browserTab{t: t, ctx: bctx}
	if err := chromedp.Listen(bctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+ev.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			// The refusal pages answer 4xx on purpose; anything else
			// (a CSP violation, a script error) is a problem.
			if ev.Entry.Source == cdplog.EntrySourceNetwork || ev.Entry.Level == cdplog.EntryLevelVerbose {
				return
			}
			b.problems = append(b.problems, fmt.Sprintf("%s %s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text))
		}
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browserTab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browserTab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browserTab) location() string {
	b.t.Helper()
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// screenshot keeps a PNG of the whole page for review.
func (b *browserTab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	dir := b.t.ArtifactDir()
	if golden.Updating() {
		dir = filepath.Join("testdata", "TestBrowser")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browserTab) checkQuiet() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("on the console: %s", p)
	}
}

func TestBrowser(t *testing.T) {
	b := newBrowserTab(t)
	e := newEnv(t)
	ctx := t.Context()
	b.do(chromedp.Navigate(e.srv.URL + "/exceptions"))
	if loc := b.location(); !strings.Contains(loc, "/signin?next=%2Fexceptions") {
		t.Fatalf("not sent to the sign-in: %s", loc)
	}
	b.screenshot("signin.png")
	b.do(chromedp.SendKeys(chromedp.CSS("#token"), dashboardToken), chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#exceptions")))

	// The findings, with the chart.
	b.do(chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#idle-chart")))
	if got := b.text("#findings"); !strings.Contains(got, roleARN) || !strings.Contains(got, userARN) {
		t.Errorf("findings table:\n%s", got)
	}
	b.screenshot("findings.png")

	// A Keep link from a notice: the page, the form, the decision.
	links := e.links(findings[0])
	b.do(chromedp.Navigate(links.Keep), chromedp.WaitVisible(chromedp.CSS("#decision-form")))
	if got := b.text("#principal-arn"); got != roleARN {
		t.Errorf("the page is about %q", got)
	}
	if !e.token(links.Keep).Used.IsZero() {
		t.Fatal("opening the link used it")
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#reason"), "quarterly disaster recovery test"),
		chromedp.SetValue(chromedp.CSS("#until"), "2027-03-01"))
	b.screenshot("keep-confirm.png")
	b.do(chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := b.text("#message"); !strings.Contains(got, "Decision recorded") || !strings.Contains(got, "kept until 2027-03-01") {
		t.Errorf("after Keep:\n%s", got)
	}
	b.screenshot("keep-done.png")
	b.do(chromedp.Navigate(e.srv.URL+"/exceptions"), chromedp.WaitVisible(chromedp.CSS("#exceptions")))
	if got := b.text("#exceptions"); !strings.Contains(got, "active") || !strings.Contains(got, "quarterly disaster recovery test") {
		t.Errorf("exceptions:\n%s", got)
	}
	b.screenshot("exceptions.png")

	// The same link again says it was used.
	b.do(chromedp.Navigate(links.Keep), chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := b.text("#message"); !strings.Contains(got, "used already") {
		t.Errorf("a used link:\n%s", got)
	}

	// Remove: in the principal's history.
	e.noticed(findings[1])
	userLinks := e.links(findings[1])
	b.do(chromedp.Navigate(userLinks.Remove), chromedp.WaitVisible(chromedp.CSS("#decision-form")),
		chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS("#message")))
	b.do(chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#findings")),
		chromedp.Click(chromedp.CSS(`tr[data-key="`+string(iamsweep.KeyOf(findings[1]))+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS("#events")))
	if got := b.text("#events"); !strings.Contains(got, "removal asked by alice@example.com") {
		t.Errorf("history:\n%s", got)
	}
	if got := b.text("#next"); !strings.HasPrefix(got, "quarantine on 2026-12-07") {
		t.Errorf("next step %q", got)
	}
	b.screenshot("principal.png")

	// Restore from a backup, behind its confirmation.
	bk := iamsweep.Backup{ID: "b-p-1-a001", Created: start.Add(-time.Hour), AccountID: "111122223333", ARN: roleARN, Principal: "role",
		Role: &iamsweep.RoleState{AccountID: "111122223333", ARN: roleARN, ID: "AROAOLD", Name: "old-etl", Path: "/app/"}, PlanID: "p-1", ActionID: "a001"}
	if err := e.st.SaveBackup(ctx, bk); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(e.srv.URL+"/backups"), chromedp.WaitVisible(chromedp.CSS("#backups")),
		chromedp.Click(chromedp.CSS("a.restore")), chromedp.WaitVisible(chromedp.CSS("#confirm-restore")))
	if n := len(e.restore.calls()); n != 0 {
		t.Fatalf("the confirmation page restored (%d calls)", n)
	}
	b.screenshot("restore-confirm.png")
	b.do(chromedp.Click(chromedp.CSS("#confirm-restore")), chromedp.WaitVisible(chromedp.CSS("#restored")))
	if calls := e.restore.calls(); len(calls) != 1 || calls[0] != bk.ID {
		t.Errorf("restore calls %v", calls)
	}
	b.screenshot("restored.png")

	// An operator's Snooze from the principal's page.
	b.do(chromedp.Navigate(e.srv.URL+"/principal?key="+url.QueryEscape(string(iamsweep.KeyOf(findings[1])))),
		chromedp.WaitVisible(chromedp.CSS("#snooze-form")), chromedp.SetValue(chromedp.CSS("#snooze-days"), "14"),
		chromedp.SendKeys(chromedp.CSS("#snooze-reason"), "owner on leave"))
	b.screenshot("operator-snooze.png")
	b.do(chromedp.Click(chromedp.CSS("#snooze-button")), chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := b.text("#message"); !strings.Contains(got, "Decision recorded") || !strings.Contains(got, "before 2026-12-21") {
		t.Errorf("after the operator's Snooze:\n%s", got)
	}
	if ds, err := e.st.Decisions(ctx, iamsweep.KeyOf(findings[1])); err != nil || len(ds) != 2 || ds[1].Kind != iamsweep.DecisionSnooze || ds[1].By != operator {
		t.Errorf("decisions %+v %v", ds, err)
	}
	b.screenshot("operator-snoozed.png")

	// Sign out: the dashboard asks for the sign-in again.
	b.do(chromedp.Click(chromedp.CSS("form.signout button")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	b.do(chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#signin")))
	b.checkQuiet()
}
