// Package browsertest drives a headless Chromium (Debian's chromium) over
// the DevTools protocol for the tests of pages: the HTML report, the
// service's decision pages and dashboard, the owner workflow end to end.
// A test that calls Start skips when Chromium is not installed, unless
// IAMSWEEP_REQUIRE_CHROMIUM=1 (as in .ci/run), which makes it a failure.
// Screenshots for review go under testdata/<test name>/ with -update (the
// golden files' flag; commit them), else to the test's artifact directory
// (go test -artifacts).
//
// Layer: test support. Only _test.go files import it (internal/archtest
// checks), so neither chromedp nor the -update flag reaches a binary.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/iamsweep/iamsweep/internal/golden"
)

// ChromiumPath returns the browser to drive: $IAMSWEEP_CHROMIUM, else
// Debian's /usr/bin/chromium, else chromium on the PATH. It skips the
// test when there is none, or fails it under IAMSWEEP_REQUIRE_CHROMIUM=1.
func ChromiumPath(t testing.TB) string {
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

// Options size the browser's window and bound its life.
type Options struct {
	Width, Height int
	// Timeout bounds the whole browser session (default 2 minutes).
	Timeout time.Duration
}

// Start starts a headless Chromium for the test, with the flags that work
// on a CI machine (root, no GPU, no network of its own beyond the pages)
// and an empty profile of its own, which chromedp makes and removes; the
// test's cleanup stops it. It returns the context of the browser's first
// tab: run actions in it, or open more tabs with chromedp.NewContext.
func Start(t testing.TB, o Options) context.Context {
	t.Helper()
	path := ChromiumPath(t)
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(t.Context(), o.Timeout)
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
		chromedp.WindowSize(o.Width, o.Height),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return bctx
}

// Watch says what a Tab counts as a problem of its page.
type Watch struct {
	// ConsoleAPI counts each console.* call of the page's script.
	ConsoleAPI bool
	// NetworkLog counts the log entries of the network (a 4xx answer)
	// and the verbose ones too; leave it off for pages that answer 4xx
	// on purpose (a refused link).
	NetworkLog bool
}

// Tab is one tab of the browser, with the URLs its pages asked for and
// what they complained of on the console: an exception, a Content
// Security Policy violation, an error.
type Tab struct {
	T   testing.TB
	Ctx context.Context

	mu       sync.Mutex
	requests []string
	problems []string
}

// NewTab watches the tab of ctx (attached already: Start's, or a
// chromedp.NewContext of it after chromedp.Do) for the test t.
func NewTab(t testing.TB, ctx context.Context, w Watch) *Tab {
	t.Helper()
	tb := &Tab{T: t, Ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			tb.requests = append(tb.requests, ev.Request.URL)
		case *runtime.EventExceptionThrown:
			tb.problems = append(tb.problems, "exception: "+ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if w.ConsoleAPI {
				tb.problems = append(tb.problems, "console."+string(ev.Type))
			}
		case *cdplog.EventEntryAdded:
			if !w.NetworkLog && (ev.Entry.Source == cdplog.EntrySourceNetwork || ev.Entry.Level == cdplog.EntryLevelVerbose) {
				return
			}
			tb.problems = append(tb.problems, fmt.Sprintf("%s %s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// Do runs actions in the tab, failing the test on an error.
func (tb *Tab) Do(actions ...chromedp.Action[chromedp.Void]) {
	tb.T.Helper()
	if err := chromedp.Do(tb.Ctx, actions...); err != nil {
		tb.T.Fatal(err)
	}
}

// Text returns the text of the element sel selects.
func (tb *Tab) Text(sel string) string {
	tb.T.Helper()
	s, err := chromedp.Run(tb.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.T.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// Location returns the URL of the tab's page.
func (tb *Tab) Location() string {
	tb.T.Helper()
	u, err := chromedp.Run(tb.Ctx, chromedp.Location())
	if err != nil {
		tb.T.Fatal(err)
	}
	return u
}

// Requests returns the URLs the tab's pages asked for so far.
func (tb *Tab) Requests() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.requests...)
}

// CheckQuiet fails the test for each problem on the tab's console.
func (tb *Tab) CheckQuiet() {
	tb.T.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		tb.T.Errorf("on the console: %s", p)
	}
}

// Screenshot captures the whole page and saves it (SaveScreenshot).
func (tb *Tab) Screenshot(name string) {
	tb.T.Helper()
	png, err := chromedp.Run(tb.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.T.Fatal(err)
	}
	SaveScreenshot(tb.T, name, png)
}

// SaveScreenshot keeps a PNG for people to review: under
// testdata/<top-level test name>/ with -update, else in the test's
// artifact directory.
func SaveScreenshot(t testing.TB, name string, png []byte) {
	t.Helper()
	dir := t.ArtifactDir()
	if golden.Updating() {
		test, _, _ := strings.Cut(t.Name(), "/")
		dir = filepath.Join("testdata", test)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d KB)", path, len(png)>>10)
}
