package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/examples"
	"github.com/iamsweep/iamsweep/internal/authexport"
	"github.com/iamsweep/iamsweep/internal/browsertest"
	"github.com/iamsweep/iamsweep/internal/credreport"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/scan"
)

// The HTML report in a real browser: Debian's chromium, driven over the
// DevTools protocol (internal/browsertest). The test skips when Chromium
// is not installed, unless IAMSWEEP_REQUIRE_CHROMIUM=1 (as in .ci/run).
// It keeps screenshots for people to review: under
// testdata/TestHTML_browser/ with -update (commit them), else in the
// test's artifact directory (go test -artifacts).
// TestRefineHTML_browser does the same for refine's page.

// newBrowser starts a headless Chromium for the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.Start(t, browsertest.Options{Width: 1100, Height: 800, Timeout: 2 * time.Minute})
}

// tab is one page of the browser, with what it asked of the network and
// what it complained of on its console (console calls and every log
// entry count: the report answers no request with an error).
type tab struct {
	*browsertest.Tab
	url string
}

// open writes page to a file and opens it in a new tab of browser, with
// script execution off when noScript.
func open(t *testing.T, browser context.Context, name string, page []byte, noScript bool) *tab {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // attach the tab
		t.Fatal(err)
	}
	tb := &tab{Tab: browsertest.NewTab(t, ctx, browsertest.Watch{ConsoleAPI: true, NetworkLog: true}),
		url: (&url.URL{Scheme: "file", Path: path}).String()}
	if noScript {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(tb.url)); err != nil {
		t.Fatalf("open the report: %v", err)
	}
	return tb
}

// eval runs a JavaScript expression in the page and decodes its value.
func eval[T any](tb *tab, js string) T {
	tb.T.Helper()
	v, err := chromedp.Run(tb.Ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.T.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// checkQuiet fails the test when the page loaded anything but itself, or
// wrote to its console (a Content Security Policy violation, an error).
func (tb *tab) checkQuiet() {
	tb.T.Helper()
	for _, u := range tb.Requests() {
		if u != tb.url {
			tb.T.Errorf("the page requested %s", u)
		}
	}
	tb.CheckQuiet()
}

// screenshot keeps a PNG for review.
func (tb *tab) screenshot(name string, png []byte) {
	tb.T.Helper()
	browsertest.SaveScreenshot(tb.T, name, png)
}

// The page's findings table and chart, as a browser shows them.
const (
	jsRows     = `[...document.querySelectorAll("#findings-table tbody tr")]`
	jsVisible  = jsRows + `.filter(r => r.getClientRects().length > 0)`
	jsCells    = jsVisible + `.map(r => [...r.cells].map(c => c.innerText))`
	jsBars     = `[...document.querySelectorAll("#idle-chart .bar")].map(g => ({label: g.querySelector(".label").textContent, count: +g.querySelector(".count").textContent, data: +g.dataset.count, width: +g.querySelector("rect").getAttribute("width")}))`
	jsShown    = `(e => e.getClientRects().length > 0)(document.getElementById("controls"))`
	jsShowText = `document.getElementById("shown").textContent`
)

type bar struct {
	Label string `json:"label"`
	Count int    `json:"count"`
	Data  int    `json:"data"`
	Width int    `json:"width"`
}

// exampleResult scans the README's example export and credential report,
// as "iamsweep scan --from-file ... --as-of 2026-11-23T00:00:00Z" does.
func exampleResult(t *testing.T) iamsweep.ScanResult {
	t.Helper()
	users, err := credreport.Parse(bytes.NewReader(examples.CredentialReport), examples.CredentialReportName)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	inv := &authexport.Inventory{R: bytes.NewReader(examples.AccountExport), Source: examples.AccountExportName,
		Report: users, ReportSource: examples.CredentialReportName, Log: log}
	res, err := scan.Account(t.Context(), inv, detect.Options{Now: htmlAsOf, UnusedDays: 90}, log)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestHTML_browser(t *testing.T) {
	browser := newBrowser(t)
	res := exampleResult(t)
	owners := []string{"owner"}
	var page bytes.Buffer
	if err := write(NewHTML(&page, HTMLOptions{OwnerTags: owners}), res, Totals{}); err != nil {
		t.Fatal(err)
	}
	counts := res.Counts()
	if counts.Evaluated != 47 || counts.Unused == 0 || counts.Used == 0 || counts.Exempt == 0 {
		t.Fatalf("the example scans to %+v; the checks below want every verdict", counts)
	}

	t.Run("counts", func(t *testing.T) {
		tb := open(t, browser, "report.html", page.Bytes(), false)
		got := eval[map[string]string](tb, `Object.fromEntries(["evaluated","unused","used","exempt"].map(k => [k, document.getElementById("n-"+k).textContent]))`)
		want := map[string]string{"evaluated": fmt.Sprint(counts.Evaluated), "unused": fmt.Sprint(counts.Unused), "used": fmt.Sprint(counts.Used), "exempt": fmt.Sprint(counts.Exempt)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("summary counts (-want +got):\n%s", diff)
		}
		if got := eval[[]string](tb, `[...document.querySelectorAll("#by-type tfoot td")].map(c => c.textContent)`); !slices.Equal(got, []string{want["evaluated"], want["unused"], want["used"], want["exempt"]}) {
			t.Errorf("by-type totals = %v", got)
		}
		if got := eval[[]int](tb, `["#by-owner", "#by-account"].map(t => [...document.querySelectorAll(t+" tbody tr")].reduce((n, r) => n + +r.cells[1+(t=="#by-account")].textContent, 0))`); !slices.Equal(got, []int{counts.Evaluated, counts.Evaluated}) {
			t.Errorf("the owner and account tables count %v findings, want %d", got, counts.Evaluated)
		}

		// Every finding is a row, with its verdict.
		rows := eval[[][]string](tb, jsCells)
		if len(rows) != len(res.Findings) {
			t.Fatalf("%d rows shown, want %d", len(rows), len(res.Findings))
		}
		var gotRows, wantRows []string
		for i, f := range res.Findings {
			wantRows = append(wantRows, string(f.Verdict)+" "+principal(f)+" "+f.Owner(owners)+" "+f.Reason)
			r := rows[i]
			gotRows = append(gotRows, r[0]+" "+r[3]+" "+r[4]+" "+r[7])
		}
		slices.Sort(wantRows)
		slices.Sort(gotRows)
		if diff := cmp.Diff(wantRows, gotRows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}

		// The chart: one bar for each range of idle age, counted here
		// independently of the writer.
		wantBars := []bar{{Label: "91–180 days"}, {Label: "181–365 days"}, {Label: "over 365 days"}, {Label: "no recorded use"}}
		for _, f := range res.Findings {
			if !f.Unused() {
				continue
			}
			i := 3
			switch d := f.DaysUnused; {
			case d == nil:
			case *d <= 90:
				t.Fatalf("%s: unused within the threshold; the example has none", f.ARN)
			case *d <= 180:
				i = 0
			case *d <= 365:
				i = 1
			default:
				i = 2
			}
			wantBars[i].Count++
			wantBars[i].Data++
		}
		most := 0
		for _, b := range wantBars {
			most = max(most, b.Count)
		}
		for i := range wantBars {
			wantBars[i].Width = wantBars[i].Count * 420 / most
		}
		if diff := cmp.Diff(wantBars, eval[[]bar](tb, jsBars)); diff != "" {
			t.Errorf("chart bars (-want +got):\n%s", diff)
		}
		if desc := eval[string](tb, `document.getElementById("idle-desc").textContent`); !strings.Contains(desc, fmt.Sprintf("no recorded use: %d", wantBars[3].Count)) {
			t.Errorf("the chart's description for screen readers: %q", desc)
		}
		// The style sheet applies (its CSP hash matches).
		if d := eval[string](tb, `getComputedStyle(document.querySelector("ul.counts")).display`); d != "flex" {
			t.Errorf("summary list display = %q: the style sheet did not apply", d)
		}
		png, err := chromedp.Run(tb.Ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		tb.screenshot("report.png", png)
		tb.checkQuiet()
	})

	t.Run("sort and filter", func(t *testing.T) {
		tb := open(t, browser, "report.html", page.Bytes(), false)
		if !eval[bool](tb, jsShown) {
			t.Fatal("the filter controls are hidden: the script did not run")
		}
		all := fmt.Sprintf("Showing %d of %d findings", len(res.Findings), len(res.Findings))
		if got := eval[string](tb, jsShowText); got != all {
			t.Errorf("status = %q, want %q", got, all)
		}

		column := func(i int) []string {
			var out []string
			for _, r := range eval[[][]string](tb, jsCells) {
				out = append(out, r[i])
			}
			return out
		}
		days := func(s string) int { // no recorded use: the longest idle
			if s == "" {
				return 1 << 30
			}
			var n int
			fmt.Sscan(s, &n)
			return n
		}
		clickHeader := func(n int) {
			tb.Do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#findings-table thead th:nth-child(%d) button", n))))
		}
		clickHeader(7) // days since use
		got := column(6)
		if !slices.IsSortedFunc(got, func(a, b string) int { return days(a) - days(b) }) || got[0] != "0" || got[len(got)-1] != "" {
			t.Errorf("days since use, ascending: %q", got)
		}
		if s := eval[string](tb, `document.querySelector("#findings-table thead th:nth-child(7)").getAttribute("aria-sort")`); s != "ascending" {
			t.Errorf("aria-sort = %q", s)
		}
		clickHeader(7)
		got = column(6)
		if !slices.IsSortedFunc(got, func(a, b string) int { return days(b) - days(a) }) || got[0] != "" {
			t.Errorf("days since use, descending: %q", got)
		}
		clickHeader(4) // principal
		got = column(3)
		if !slices.IsSortedFunc(got, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
			t.Errorf("principal, ascending: %q", got)
		}

		// Filter by text, then by verdict too.
		const q = "platform"
		var want, wantUnused []string
		for _, f := range res.Findings {
			if strings.Contains(strings.ToLower(principal(f)+" "+f.Owner(owners)+" "+f.Reason), q) {
				want = append(want, principal(f))
				if f.Unused() {
					wantUnused = append(wantUnused, principal(f))
				}
			}
		}
		slices.Sort(want) // sorted by principal above
		slices.Sort(wantUnused)
		if len(want) == 0 || len(want) == len(wantUnused) {
			t.Fatalf("the example has %d findings matching %q, %d unused: the check below wants some of both", len(want), q, len(wantUnused))
		}
		tb.Do(chromedp.SendKeys(chromedp.ID("filter"), q))
		if diff := cmp.Diff(want, column(3)); diff != "" {
			t.Errorf("rows matching %q (-want +got):\n%s", q, diff)
		}
		tb.Do(chromedp.Evaluate[chromedp.Void](`(s => { s.value = "u"; s.dispatchEvent(new Event("change")); })(document.getElementById("verdict"))`))
		if diff := cmp.Diff(wantUnused, column(3)); diff != "" {
			t.Errorf("unused rows matching %q (-want +got):\n%s", q, diff)
		}
		if got, want := eval[string](tb, jsShowText), fmt.Sprintf("Showing %d of %d findings", len(wantUnused), len(res.Findings)); got != want {
			t.Errorf("status = %q, want %q", got, want)
		}
		png, err := chromedp.Run(tb.Ctx, chromedp.Screenshot(chromedp.CSS("#findings")))
		if err != nil {
			t.Fatal(err)
		}
		tb.screenshot("filtered.png", png)

		// Printed, the controls go.
		if _, err := chromedp.Call(tb.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		if eval[bool](tb, jsShown) {
			t.Error("the filter controls print")
		}
		tb.checkQuiet()
	})

	t.Run("without script", func(t *testing.T) {
		tb := open(t, browser, "report.html", page.Bytes(), true)
		if got := eval[int](tb, `document.querySelectorAll("noscript p").length`); got != 1 {
			t.Fatalf("the noscript note was not parsed (%d): is script execution off?", got)
		}
		if eval[bool](tb, jsShown) {
			t.Error("the filter controls show, and cannot work")
		}
		if n := eval[int](tb, `document.querySelectorAll("th button").length`); n != 0 {
			t.Errorf("%d sort buttons without script", n)
		}
		if got := eval[int](tb, jsVisible+`.length`); got != len(res.Findings) {
			t.Errorf("%d rows shown, want %d", got, len(res.Findings))
		}
		if got := eval[string](tb, `document.getElementById("n-unused").textContent`); got != fmt.Sprint(counts.Unused) {
			t.Errorf("unused count = %q", got)
		}
		if got := eval[int](tb, `document.querySelectorAll("#idle-chart .bar").length`); got != 4 {
			t.Errorf("%d chart bars, want 4", got)
		}
		tb.checkQuiet()
	})

	t.Run("hostile names", func(t *testing.T) {
		fs, totals := hostile()
		var b bytes.Buffer
		if err := write(NewHTML(&b, HTMLOptions{OwnerTags: owners}), iamsweep.ScanResult{AsOf: htmlAsOf, UnusedDays: 90, Findings: fs}, totals); err != nil {
			t.Fatal(err)
		}
		tb := open(t, browser, "hostile.html", b.Bytes(), false)
		if got := eval[string](tb, `String(window.__pwned)`); got != "undefined" {
			t.Fatalf("injected script ran: window.__pwned = %s", got)
		}
		if got := eval[[]int](tb, `["script", "img", "iframe", "object", "style", "svg", "b"].map(t => document.getElementsByTagName(t).length)`); !slices.Equal(got, []int{1, 0, 0, 0, 1, 1, 0}) {
			t.Errorf("elements script, img, iframe, object, style, svg, b: %v, want the page's own only", got)
		}
		rows := eval[[][]string](tb, jsCells)
		if len(rows) != len(fs) {
			t.Fatalf("%d rows, want %d", len(rows), len(fs))
		}
		// The text reads as it is in IAM.
		for i, f := range fs {
			if got := []string{rows[i][3], rows[i][4], rows[i][7]}; !slices.Equal(got, []string{principal(f), f.Owner(owners), f.Reason}) {
				t.Errorf("row %d = %q, want %q", i, got, []string{principal(f), f.Owner(owners), f.Reason})
			}
		}
		if got := eval[string](tb, `document.querySelector("#failed tbody tr").cells[3].textContent`); got != totals.Errors[0].Message {
			t.Errorf("error message = %q", got)
		}
		if d := eval[string](tb, `getComputedStyle(document.body).display`); d != "block" {
			t.Errorf("body display = %q", d)
		}
		tb.checkQuiet()
	})
}
