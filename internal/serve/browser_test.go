package serve

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/browsertest"
)

// The decision pages and the dashboard in a real browser: Debian's
// chromium, driven over the DevTools protocol (internal/browsertest). The
// test skips when Chromium is not installed, unless
// IAMSWEEP_REQUIRE_CHROMIUM=1 (as in .ci/run). Screenshots for review go
// under testdata/TestBrowser/ with -update (commit them), else to the
// test's artifact directory.

// newBrowserTab starts a headless Chromium with one tab, which collects
// what the page says on its console (a CSP violation, an error); the
// refusal pages answer 4xx on purpose, so network entries do not count.
func newBrowserTab(t *testing.T) *browsertest.Tab {
	t.Helper()
	return browsertest.NewTab(t, browsertest.Start(t, browsertest.Options{Width: 1200, Height: 900, Timeout: 2 * time.Minute}), browsertest.Watch{})
}

func TestBrowser(t *testing.T) {
	b := newBrowserTab(t)
	e := newEnv(t)
	ctx := t.Context()
	b.Do(chromedp.Navigate(e.srv.URL + "/exceptions"))
	if loc := b.Location(); !strings.Contains(loc, "/signin?next=%2Fexceptions") {
		t.Fatalf("not sent to the sign-in: %s", loc)
	}
	b.Screenshot("signin.png")
	b.Do(chromedp.SendKeys(chromedp.CSS("#token"), dashboardToken), chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#exceptions")))

	// The findings, with the chart.
	b.Do(chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#idle-chart")))
	if got := b.Text("#findings"); !strings.Contains(got, roleARN) || !strings.Contains(got, userARN) {
		t.Errorf("findings table:\n%s", got)
	}
	b.Screenshot("findings.png")

	// A Keep link from a notice: the page, the form, the decision.
	links := e.links(findings[0])
	b.Do(chromedp.Navigate(links.Keep), chromedp.WaitVisible(chromedp.CSS("#decision-form")))
	if got := b.Text("#principal-arn"); got != roleARN {
		t.Errorf("the page is about %q", got)
	}
	if !e.token(links.Keep).Used.IsZero() {
		t.Fatal("opening the link used it")
	}
	b.Do(chromedp.SendKeys(chromedp.CSS("#reason"), "quarterly disaster recovery test"),
		chromedp.SetValue(chromedp.CSS("#until"), "2027-03-01"))
	b.Screenshot("keep-confirm.png")
	b.Do(chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := b.Text("#message"); !strings.Contains(got, "Decision recorded") || !strings.Contains(got, "kept until 2027-03-01") {
		t.Errorf("after Keep:\n%s", got)
	}
	b.Screenshot("keep-done.png")
	b.Do(chromedp.Navigate(e.srv.URL+"/exceptions"), chromedp.WaitVisible(chromedp.CSS("#exceptions")))
	if got := b.Text("#exceptions"); !strings.Contains(got, "active") || !strings.Contains(got, "quarterly disaster recovery test") {
		t.Errorf("exceptions:\n%s", got)
	}
	b.Screenshot("exceptions.png")

	// The same link again says it was used.
	b.Do(chromedp.Navigate(links.Keep), chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := b.Text("#message"); !strings.Contains(got, "used already") {
		t.Errorf("a used link:\n%s", got)
	}

	// Remove: in the principal's history.
	e.noticed(findings[1])
	userLinks := e.links(findings[1])
	b.Do(chromedp.Navigate(userLinks.Remove), chromedp.WaitVisible(chromedp.CSS("#decision-form")),
		chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS("#message")))
	b.Do(chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#findings")),
		chromedp.Click(chromedp.CSS(`tr[data-key="`+string(iamsweep.KeyOf(findings[1]))+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS("#events")))
	if got := b.Text("#events"); !strings.Contains(got, "removal asked by alice@example.com") {
		t.Errorf("history:\n%s", got)
	}
	if got := b.Text("#next"); !strings.HasPrefix(got, "quarantine on 2026-12-07") {
		t.Errorf("next step %q", got)
	}
	b.Screenshot("principal.png")

	// Restore from a backup, behind its confirmation.
	bk := iamsweep.Backup{ID: "b-p-1-a001", Created: start.Add(-time.Hour), AccountID: "111122223333", ARN: roleARN, Principal: "role",
		Role: &iamsweep.RoleState{AccountID: "111122223333", ARN: roleARN, ID: "AROAOLD", Name: "old-etl", Path: "/app/"}, PlanID: "p-1", ActionID: "a001"}
	if err := e.st.SaveBackup(ctx, bk); err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.Navigate(e.srv.URL+"/backups"), chromedp.WaitVisible(chromedp.CSS("#backups")),
		chromedp.Click(chromedp.CSS("a.restore")), chromedp.WaitVisible(chromedp.CSS("#confirm-restore")))
	if n := len(e.restore.calls()); n != 0 {
		t.Fatalf("the confirmation page restored (%d calls)", n)
	}
	b.Screenshot("restore-confirm.png")
	b.Do(chromedp.Click(chromedp.CSS("#confirm-restore")), chromedp.WaitVisible(chromedp.CSS("#restored")))
	if calls := e.restore.calls(); len(calls) != 1 || calls[0] != bk.ID {
		t.Errorf("restore calls %v", calls)
	}
	b.Screenshot("restored.png")

	// An operator's Snooze from the principal's page.
	b.Do(chromedp.Navigate(e.srv.URL+"/principal?key="+url.QueryEscape(string(iamsweep.KeyOf(findings[1])))),
		chromedp.WaitVisible(chromedp.CSS("#snooze-form")), chromedp.SetValue(chromedp.CSS("#snooze-days"), "14"),
		chromedp.SendKeys(chromedp.CSS("#snooze-reason"), "owner on leave"))
	b.Screenshot("operator-snooze.png")
	b.Do(chromedp.Click(chromedp.CSS("#snooze-button")), chromedp.WaitVisible(chromedp.CSS("#message")))
	if got := b.Text("#message"); !strings.Contains(got, "Decision recorded") || !strings.Contains(got, "before 2026-12-21") {
		t.Errorf("after the operator's Snooze:\n%s", got)
	}
	if ds, err := e.st.Decisions(ctx, iamsweep.KeyOf(findings[1])); err != nil || len(ds) != 2 || ds[1].Kind != iamsweep.DecisionSnooze || ds[1].By != operator {
		t.Errorf("decisions %+v %v", ds, err)
	}
	b.Screenshot("operator-snoozed.png")

	// Sign out: the dashboard asks for the sign-in again.
	b.Do(chromedp.Click(chromedp.CSS("form.signout button")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	b.Do(chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#signin")))
	b.CheckQuiet()
}
