package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

var htmlAsOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func TestIdleBuckets(t *testing.T) {
	tests := []struct {
		n    int
		want []string
	}{
		{90, []string{"91–180 days", "181–365 days", "over 365 days", "no recorded use"}},
		{1, []string{"2–180 days", "181–365 days", "over 365 days", "no recorded use"}},
		{30, []string{"31–180 days", "181–365 days", "over 365 days", "no recorded use"}},
		{179, []string{"180 days", "181–365 days", "over 365 days", "no recorded use"}},
		{180, []string{"181–365 days", "over 365 days", "no recorded use"}},
		{200, []string{"201–365 days", "over 365 days", "no recorded use"}},
		{364, []string{"365 days", "over 365 days", "no recorded use"}},
		{365, []string{"over 365 days", "no recorded use"}},
		{400, []string{"over 400 days", "no recorded use"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			var got []string
			for _, b := range idleBuckets(tt.n) {
				got = append(got, b.Label)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("idleBuckets(%d) labels (-want +got):\n%s", tt.n, diff)
			}
		})
	}
}

func TestCountIdle(t *testing.T) {
	day := func(d int) *int { return &d }
	tests := []struct {
		name string
		n    int
		days []*int
		want map[string]int
	}{
		{"boundaries at 90", 90, []*int{day(91), day(180), day(181), day(365), day(366), day(5000), nil},
			map[string]int{"91–180 days": 2, "181–365 days": 2, "over 365 days": 2, "no recorded use": 1}},
		{"boundaries at 200", 200, []*int{day(201), day(365), day(366)},
			map[string]int{"201–365 days": 2, "over 365 days": 1}},
		{"unused within the threshold (an inactive root key)", 90, []*int{day(0), day(90), day(91)},
			map[string]int{"90 days or fewer": 2, "91–180 days": 1}},
		{"nothing", 90, nil, map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := idleBuckets(tt.n)
			for _, d := range tt.days {
				bs = countIdle(bs, d, tt.n)
			}
			got := map[string]int{}
			total := 0
			for _, b := range bs {
				if b.Count > 0 {
					got[b.Label] = b.Count
				}
				total += b.Count
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			if total != len(tt.days) {
				t.Errorf("counted %d of %d", total, len(tt.days))
			}
			if len(tt.days) > 0 && tt.days[0] != nil && *tt.days[0] <= tt.n && bs[0].Label != fmt.Sprintf("%d days or fewer", tt.n) {
				t.Errorf("the range within the threshold is not first: %q", bs[0].Label)
			}
		})
	}
}

// hostile are findings whose names, tags, account names and reasons try to
// break out of the page; IAM allows + = , . @ _ - in names and almost
// anything in tag values, and an export file may hold anything at all.
func hostile() ([]iamsweep.Finding, Totals) {
	d := 200
	fs := []iamsweep.Finding{
		{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", AccountName: `prod</title><script>window.__pwned=1</script>`,
			ARN: "arn:aws:iam::111122223333:role/x", Path: `/"><img src=x onerror="window.__pwned=2">/`, Name: `<script>window.__pwned=3</script>`,
			Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed, Reason: `last used 200 days ago in </td></tr></tbody></table><script>window.__pwned=4</script>`,
			DaysUnused: &d, LastUsed: iamsweep.Usage{Time: htmlAsOf.AddDate(0, 0, -200)},
			Tags: []iamsweep.Tag{{Key: "owner", Value: `'><svg onload=window.__pwned=5>&amp;"`}}},
		{Type: iamsweep.TypeUnusedIAMUser, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/y", Path: "/", Name: `x" onmouseover="window.__pwned=6`,
			Verdict: iamsweep.VerdictExempt, Rule: iamsweep.RuleAllowlist, Reason: `matches allowlist pattern <b>*</b>`,
			Tags: []iamsweep.Tag{{Key: "Owner", Value: `</style><style>body{display:none}</style>`}}},
	}
	totals := Totals{
		Errors:  []iamsweep.AccountError{{Account: iamsweep.Account{ID: "444455556666", Name: `<iframe src="https://evil.example">`}, Stage: "assume-role", Code: `AccessDenied"><script>window.__pwned=7</script>`, Message: `User: <script>window.__pwned=8</script> is not authorized`}},
		Skipped: []iamsweep.Account{{ID: "777788889999", Name: `<object data=x>`, Status: "SUSPENDED"}},
	}
	return fs, totals
}

// TestHTML_escapes: untrusted text reaches the page as text, never as
// markup.
func TestHTML_escapes(t *testing.T) {
	fs, totals := hostile()
	var b bytes.Buffer
	if err := write(NewHTML(&b, HTMLOptions{OwnerTags: []string{"owner"}}), iamsweep.ScanResult{AsOf: htmlAsOf, UnusedDays: 90, Findings: fs}, totals); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// The hostile text as markup: each holds a < or a quote, which
	// escaped text cannot.
	for _, bad := range []string{"<img", "<iframe", "<object", "<svg onload", "<b>", `onerror="`, `onmouseover="`, "<script>window", "</title><script", "</style><style>"} {
		if i := strings.Index(page, bad); i >= 0 {
			t.Errorf("%q reaches the page as markup: ...%s...", bad, page[max(i-80, 0):min(i+80, len(page))])
		}
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d script elements, want 1 (the page's own)", n)
	}
	if n := strings.Count(page, "<style"); n != 1 {
		t.Errorf("%d style elements, want 1 (the page's own)", n)
	}
	for _, want := range []string{
		`&lt;script&gt;window.__pwned=3&lt;/script&gt;`,
		`&#39;&gt;&lt;svg onload=window.__pwned=5&gt;&amp;amp;&#34;`,
		`&lt;/style&gt;&lt;style&gt;body{display:none}&lt;/style&gt;`,
		`User: &lt;script&gt;window.__pwned=8&lt;/script&gt; is not authorized`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks the escaped text %s", want)
		}
	}
}

// TestHTML_selfContained: nothing is loaded from anywhere, and the page's
// Content Security Policy allows exactly its own script and style sheet.
func TestHTML_selfContained(t *testing.T) {
	totals := Totals{
		Errors:  []iamsweep.AccountError{{Account: iamsweep.Account{ID: "444455556666"}, Stage: "assume-role", Code: "AccessDenied", Message: "denied"}},
		Skipped: []iamsweep.Account{{ID: "777788889999", Status: "SUSPENDED"}},
	}
	var b bytes.Buffer
	if err := write(NewHTML(&b, HTMLOptions{OwnerTags: []string{"owner"}}), iamsweep.ScanResult{AsOf: htmlAsOf, UnusedDays: 90, Findings: orgFindings(500)}, totals); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// Attributes and CSS that load something.
	loads := regexp.MustCompile(`(?i)\s(src|href|srcset|action|data|poster|background)\s*=|url\(|@import|@font-face`)
	if m := loads.FindString(page); m != "" {
		t.Errorf("the page may load something: %q", m)
	}
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no Content-Security-Policy")
	}
	policy := strings.NewReplacer("&#39;", "'", "&#43;", "+").Replace(csp[1])
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	script := between(t, page, "<script>", "</script>")
	style := between(t, page, "<style>", "</style>")
	want := "default-src 'none'; style-src " + hash(style) + "; script-src " + hash(script) + "; img-src data:; base-uri 'none'; form-action 'none'"
	if policy != want {
		t.Errorf("Content-Security-Policy\n got %s\nwant %s", policy, want)
	}
}

func between(t *testing.T, s, open, close string) string {
	t.Helper()
	_, after, ok := strings.Cut(s, open)
	inner, _, ok2 := strings.Cut(after, close)
	if !ok || !ok2 {
		t.Fatalf("no %s...%s", open, close)
	}
	return inner
}

// TestHTML_totals: accounts that failed or were skipped are on the page,
// with the counts of those scanned.
func TestHTML_totals(t *testing.T) {
	d := 400
	fs := []iamsweep.Finding{
		{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", AccountName: "prod", ARN: "arn:aws:iam::111122223333:role/a", Path: "/", Name: "a",
			Verdict: iamsweep.VerdictUnused, Reason: "last used 400 days ago", DaysUnused: &d},
		{Type: iamsweep.TypeUnusedIAMRole, AccountID: "222233334444", ARN: "arn:aws:iam::222233334444:role/b", Path: "/", Name: "b",
			Verdict: iamsweep.VerdictUsed, Reason: "created 3 days ago: too new to judge"},
	}
	totals := Totals{
		Errors:  []iamsweep.AccountError{{Account: iamsweep.Account{ID: "444455556666", Name: "dev"}, Stage: "assume-role", Code: "AccessDenied", Message: "not authorized to perform sts:AssumeRole"}},
		Skipped: []iamsweep.Account{{ID: "777788889999", Name: "old", Status: "SUSPENDED"}},
	}
	var b bytes.Buffer
	if err := write(NewHTML(&b, HTMLOptions{}), iamsweep.ScanResult{AsOf: htmlAsOf, UnusedDays: 90, Findings: fs}, totals); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"Accounts: 2 scanned, <strong class=\"bad\">1 not scanned</strong>, 1 skipped.",
		"This report is incomplete: 1 account could not be scanned",
		"<tr><td>444455556666 (dev)</td><td>assume-role</td><td>AccessDenied</td><td>not authorized to perform sts:AssumeRole</td></tr>",
		"<tr><th scope=\"row\">777788889999</th><td class=\"text\">old</td><td class=\"text\">SUSPENDED</td></tr>",
		"<tr><th scope=\"row\">111122223333</th><td class=\"text\">prod</td><td>1</td><td>1</td><td>0</td><td>0</td></tr>",
		"<tr><th scope=\"row\">222233334444</th><td class=\"text\">–</td><td>1</td><td>0</td><td>1</td><td>0</td></tr>",
		`<g class="bar age2" data-count="1"><text class="label" x="140" y="91" text-anchor="end">over 365 days</text>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, `id="owners"`) {
		t.Error("an owner table without owner tags")
	}
}

// TestHTML_empty: a scan that found nothing (an empty export) still makes
// a whole page, which says so.
func TestHTML_empty(t *testing.T) {
	var b bytes.Buffer
	if err := write(NewHTML(&b, HTMLOptions{OwnerTags: []string{"owner"}}), iamsweep.ScanResult{AsOf: htmlAsOf, UnusedDays: 30}, Totals{}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{`id="n-evaluated">0<`, "<p>No unused findings.</p>", `data-count="0"><text class="label" x="140" y="23" text-anchor="end">31–180 days</text>`, "</tbody>\n</table>\n</section>\n</main>", "</html>\n"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestHTML_deterministic: the same findings make the same page, whatever
// order the maps behind the tables iterate in.
func TestHTML_deterministic(t *testing.T) {
	res := iamsweep.ScanResult{AsOf: htmlAsOf, UnusedDays: 90, Findings: orgFindings(1000)}
	var first []byte
	for range 3 {
		var b bytes.Buffer
		if err := write(NewHTML(&b, HTMLOptions{OwnerTags: []string{"owner"}}), res, Totals{}); err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b.Bytes()
		} else if !bytes.Equal(first, b.Bytes()) {
			t.Fatal("two renderings of one result differ")
		}
	}
}

// maxHTMLBytes10k bounds the page of 10,000 findings: small enough to mail.
const maxHTMLBytes10k = 2 << 20

// TestHTML_size10k: the page of an organization scan with 10,000 findings
// stays under 2 MB.
func TestHTML_size10k(t *testing.T) {
	fs := orgFindings(10000)
	var cw countingWriter
	if err := write(NewHTML(&cw, HTMLOptions{OwnerTags: []string{"owner"}}), iamsweep.ScanResult{AsOf: htmlAsOf, UnusedDays: 90, Findings: fs}, Totals{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 findings: %d bytes (%.0f a finding), bound %d", cw.n, float64(cw.n)/1e4, maxHTMLBytes10k)
	if cw.n >= maxHTMLBytes10k {
		t.Errorf("the page of 10,000 findings is %d bytes, want under %d", cw.n, maxHTMLBytes10k)
	}
}

// BenchmarkHTML10k writes the page of 10,000 findings. Beside time and
// allocations it reports the page's size and the heap the writer holds
// after the findings, before End: the rendered rows and the counts.
func BenchmarkHTML10k(b *testing.B) {
	fs := orgFindings(10000)
	res := iamsweep.ScanResult{AsOf: htmlAsOf, UnusedDays: 90, Findings: fs}
	held := heldBytes(b, fs)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		var cw countingWriter
		if err := write(NewHTML(&cw, HTMLOptions{OwnerTags: []string{"owner"}}), res, Totals{}); err != nil {
			b.Fatal(err)
		}
		n = cw.n
	}
	b.ReportMetric(float64(held), "held-bytes")
	b.ReportMetric(float64(n), "page-bytes")
	b.ReportMetric(float64(maxHTMLBytes10k), "page-bytes-bound")
}

// heldBytes is the heap an HTML writer holds once it has seen fs.
func heldBytes(b *testing.B, fs []iamsweep.Finding) uint64 {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	w := NewHTML(io.Discard, HTMLOptions{OwnerTags: []string{"owner"}})
	if err := w.Begin(Meta{AsOf: htmlAsOf, UnusedDays: 90}); err != nil {
		b.Fatal(err)
	}
	for chunk := range slices.Chunk(fs, 500) { // accounts of 500
		if err := w.Findings(chunk); err != nil {
			b.Fatal(err)
		}
	}
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	goruntime.KeepAlive(w)
	return after.HeapAlloc - before.HeapAlloc
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

// orgFindings returns n findings like an organization scan's: 20
// accounts; mostly roles with application, Identity Center and
// service-linked names, then users, keys and passwords; four in ten
// unused; owners from 40 teams, a quarter untagged. Names and reasons are
// those detect writes, at their usual lengths.
func orgFindings(n int) []iamsweep.Finding {
	teams := []string{"payments", "orders", "search", "identity", "platform", "data", "ml", "web", "mobile", "billing"}
	services := []string{"api", "worker", "batch-settlement", "stream-consumer", "etl", "lambda-exec", "ecs-task", "glue-crawler"}
	regions := []string{"eu-west-1", "us-east-1", "ap-southeast-2"}
	fs := make([]iamsweep.Finding, 0, n)
	perAccount := (n + 19) / 20
	for i := range n {
		acct := fmt.Sprintf("%012d", 100000000000+(i/perAccount)*7919)
		team := teams[i%len(teams)]
		f := iamsweep.Finding{AccountID: acct, AccountName: fmt.Sprintf("%s-%s", team, []string{"prod", "staging", "dev"}[i%3]),
			Created: htmlAsOf.AddDate(0, 0, -700)}
		if i%4 != 0 {
			f.Tags = []iamsweep.Tag{{Key: "owner", Value: fmt.Sprintf("%s-team-%d@example.com", team, i%40)}}
		}
		days := (i * 37) % 500
		use := func(what string) {
			f.LastUsed = iamsweep.Usage{Time: htmlAsOf.AddDate(0, 0, -days), Region: regions[i%3]}
			f.DaysUnused = &days
			f.Reason = fmt.Sprintf("%slast used %d days ago in %s", what, days, regions[i%3])
			f.Verdict = iamsweep.VerdictUsed
			if days > 90 {
				f.Verdict = iamsweep.VerdictUnused
			}
		}
		switch k := i % 20; {
		case k < 9: // application roles
			f.Type, f.Path, f.Name = iamsweep.TypeUnusedIAMRole, "/app/"+team+"/", fmt.Sprintf("%s-%s-role-%04d", team, services[i%len(services)], i%10000)
			if i%7 == 0 {
				f.Verdict, f.Reason = iamsweep.VerdictUnused, "no recorded use in IAM's 400-day tracking period; created 700 days ago"
			} else {
				use("")
			}
		case k < 11: // Identity Center
			f.Type, f.Path = iamsweep.TypeUnusedIAMRole, "/aws-reserved/sso.amazonaws.com/eu-west-1/"
			f.Name = fmt.Sprintf("AWSReservedSSO_%sAccess_%016x", []string{"Administrator", "ReadOnly", "PowerUser"}[i%3], i*2654435761)
			f.Verdict, f.Reason = iamsweep.VerdictExempt, "IAM Identity Center role: managed through permission sets, not IAM"
		case k < 12: // service-linked
			f.Type, f.Path = iamsweep.TypeUnusedIAMRole, "/aws-service-role/elasticloadbalancing.amazonaws.com/"
			f.Name = "AWSServiceRoleForElasticLoadBalancing"
			f.Verdict, f.Reason = iamsweep.VerdictExempt, "service-linked role: owned by its AWS service, which alone can delete it"
		case k < 15: // users
			f.Type, f.Path, f.Name = iamsweep.TypeUnusedIAMUser, "/people/", fmt.Sprintf("%s.engineer%04d", team, i%10000)
			use("access key 1 ")
		case k < 18: // access keys
			f.Type, f.Path, f.Name = iamsweep.TypeUnusedIAMUserAccessKey, "/service/", fmt.Sprintf("svc-%s-%04d", team, i%10000)
			f.AccessKeyID, f.KeySlot = fmt.Sprintf("AKIA%016X", i*2654435761), 1
			use("")
			f.Reason += " (s3)"
		default: // passwords
			f.Type, f.Path, f.Name = iamsweep.TypeUnusedIAMUserPassword, "/people/", fmt.Sprintf("%s.engineer%04d", team, i%10000)
			f.Verdict, f.Reason = iamsweep.VerdictUnused, "no recorded sign-in since it was set 700 days ago"
		}
		f.ARN = fmt.Sprintf("arn:aws:iam::%s:%s%s%s", acct, map[bool]string{true: "role", false: "user"}[f.Type == iamsweep.TypeUnusedIAMRole], f.Path, f.Name)
		f.PrincipalID = fmt.Sprintf("AROA%017d", i)
		fs = append(fs, f)
	}
	iamsweep.SortFindings(fs)
	return fs
}
