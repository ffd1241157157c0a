package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
	"github.com/iamsweep/iamsweep/internal/refine"
)

// refine -o html in a real browser (see html_browser_test.go): what a
// reader sees matches the results, the page loads and runs nothing, and
// text from the accounts stays text.
func TestRefineHTML_browser(t *testing.T) {
	browser := newBrowser(t)
	results := refineResults(t) // app refined, bob exempt
	// A principal whose reason, notes and documents carry markup.
	evil := results[0]
	evil.ARN, evil.Name = "arn:aws:iam::111122223333:role/evil", "evil"
	evil.Reason = `narrowed </p></article><script>window.__pwned=1</script>`
	evil.Notes = []string{`<img src=x onerror="window.__pwned=2">`}
	evil.Policies = slices.Clone(evil.Policies)
	doc := mustDoc(t, `{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/x":"</pre><script>window.__pwned=3</script>"}}}]}`)
	evil.Policies[0].Recommended = &doc
	results = append(results, evil)
	meta := RefineMeta{AsOf: refineNow, Catalog: "test catalogue",
		Errors: []iamsweep.AccountError{{Account: iamsweep.Account{ID: "444455556666"}, Stage: "assume-role", Message: `<b>denied</b>`}}}
	var page bytes.Buffer
	if err := WriteRefineHTML(&page, results, meta); err != nil {
		t.Fatal(err)
	}
	tb := open(t, browser, "refine.html", page.Bytes(), false)

	if got := eval[string](tb, `String(window.__pwned)`); got != "undefined" {
		t.Fatalf("injected script ran: window.__pwned = %s", got)
	}
	if got := eval[[]int](tb, `["script", "img", "b", "style"].map(t => document.getElementsByTagName(t).length)`); !slices.Equal(got, []int{0, 0, 0, 1}) {
		t.Errorf("elements script, img, b, style: %v, want the page's style sheet only", got)
	}
	if d := eval[string](tb, `getComputedStyle(document.querySelector("ul.counts")).display`); d != "flex" {
		t.Errorf("summary list display = %q: the style sheet did not apply", d)
	}
	counts := eval[map[string]string](tb, `Object.fromEntries([...document.querySelectorAll("ul.counts .n")].map(e => [e.id, e.textContent]))`)
	if counts["n-principals"] != "3" || counts["n-refined"] != "2" || counts["n-exempt"] != "1" || counts["n-in-use"] != "0" {
		t.Errorf("counts %v", counts)
	}
	if got := eval[string](tb, `document.querySelector("#failed tbody td:last-child").textContent`); got != "<b>denied</b>" {
		t.Errorf("error message = %q", got)
	}

	// Each principal: its status, reason, evidence, unused services, and
	// per changed policy the diff and the recommended document.
	type shown struct {
		ARN, Status, Reason, Evidence, Services string
		Policies                                []struct {
			Step, Recommended string
			Removed, Added    []string
		}
	}
	got := eval[[]shown](tb, `[...document.querySelectorAll("article.principal")].map(a => ({
		ARN: a.querySelector("h3").firstChild.textContent.trim(),
		Status: a.querySelector("h3 .st").textContent,
		Reason: a.querySelector(".reason").textContent,
		Evidence: [...a.querySelectorAll("dt")].find(d => d.textContent == "Evidence").nextElementSibling.textContent,
		Services: (a.querySelector(".unused-services") || {textContent: ""}).textContent,
		Policies: [...a.querySelectorAll(".policy.changed")].map(p => ({
			Step: p.querySelector(".step").textContent,
			Recommended: (p.querySelector(".recommended pre") || {textContent: ""}).textContent,
			Removed: [...p.querySelectorAll(".diff .rm")].map(l => l.textContent),
			Added: [...p.querySelectorAll(".diff .add")].map(l => l.textContent)}))}))`)
	if len(got) != len(results) {
		t.Fatalf("%d principals shown, want %d", len(got), len(results))
	}
	for i, r := range results {
		g := got[i]
		evidence := "none"
		if !r.EvidenceSince.IsZero() {
			evidence = fmt.Sprintf("%s to %s", r.EvidenceSince.Format("2006-01-02"), r.EvidenceUntil.Format("2006-01-02"))
		}
		if g.ARN != r.ARN || g.Status != string(r.Status) || g.Reason != r.Reason || !strings.HasPrefix(g.Evidence, evidence) ||
			g.Services != strings.Join(r.UnusedServices, ", ") {
			t.Errorf("principal %d shows %+v, want %s %s %q, evidence %s, services %v", i, g, r.ARN, r.Status, r.Reason, evidence, r.UnusedServices)
		}
		var changed []refine.PolicyResult
		for _, p := range r.Policies {
			if p.Changed() {
				changed = append(changed, p)
			}
		}
		if len(g.Policies) != len(changed) {
			t.Fatalf("%s: %d changed policies shown, want %d", r.ARN, len(g.Policies), len(changed))
		}
		for j, p := range changed {
			gp := g.Policies[j]
			var removed, added []string
			if p.Recommended == nil {
				removed, added = changeSets(p)
			} else {
				for _, c := range p.Changes {
					rm, ad := listDiff(c.Before, c.After)
					removed, added = append(removed, rm...), append(added, ad...)
				}
			}
			if !slices.Equal(removed, gp.Removed) || !slices.Equal(added, gp.Added) || len(removed)+len(added) == 0 {
				t.Errorf("%s %s: removed %v added %v, want %v and %v", r.ARN, p.Name, gp.Removed, gp.Added, removed, added)
			}
			if p.Recommended == nil {
				if gp.Recommended != "" || !strings.HasPrefix(gp.Step, "DETACH_POLICY") && !strings.HasPrefix(gp.Step, "DELETE") {
					t.Errorf("%s %s: step %q, document %q", r.ARN, p.Name, gp.Step, gp.Recommended)
				}
				continue
			}
			d, err := policy.Parse([]byte(gp.Recommended))
			if err != nil {
				t.Fatalf("%s %s: the recommended document shown is not a policy: %v\n%s", r.ARN, p.Name, err, gp.Recommended)
			}
			if string(policy.Marshal(d)) != string(policy.Marshal(*p.Recommended)) || !strings.HasPrefix(gp.Step, "CREATE_POLICY "+p.RecommendedName) {
				t.Errorf("%s %s: step %q, document %s", r.ARN, p.Name, gp.Step, policy.Marshal(d))
			}
		}
	}
	png, err := chromedp.Run(tb.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	tb.screenshot("refine.png", png)
	if png, err = chromedp.Run(tb.Ctx, chromedp.Screenshot(chromedp.ID("p-1"))); err != nil {
		t.Fatal(err)
	}
	tb.screenshot("principal.png", png)
	tb.checkQuiet()
}
