package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// sampleOrgServer serves the fake's sample organization, with the CLI's
// credentials those of a user in its management account.
func sampleOrgServer(t *testing.T, extra ...fakeaws.Option) *fakeaws.Server {
	t.Helper()
	isolateAWS(t, fakeaws.SampleCallerKey, "secret")
	org, accounts := fakeaws.SampleOrganization()
	return fakeaws.New(t, append([]fakeaws.Option{
		fakeaws.WithAccounts(accounts...),
		fakeaws.WithOrganization(org),
		fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement),
		fakeaws.WithReportDelay(0),
	}, extra...)...)
}

type orgDoc struct {
	Findings []struct {
		Type        string  `json:"type"`
		AccountID   string  `json:"account_id"`
		AccountName *string `json:"account_name"`
		Name        string  `json:"name"`
		Verdict     string  `json:"verdict"`
	} `json:"findings"`
	Accounts struct {
		Scanned, Failed, Skipped int
	} `json:"accounts"`
	Errors []struct {
		AccountID   string  `json:"account_id"`
		AccountName *string `json:"account_name"`
		Stage       string  `json:"stage"`
		Code        *string `json:"code"`
		Message     string  `json:"message"`
	} `json:"errors"`
	Skipped []struct {
		AccountID string `json:"account_id"`
		Status    string `json:"status"`
	} `json:"skipped_accounts"`
}

func parseOrgDoc(t *testing.T, out string) orgDoc {
	t.Helper()
	var doc orgDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return doc
}

// accountsOf lists the accounts that have findings, in output order.
func accountsOf(doc orgDoc) []string {
	var out []string
	for _, f := range doc.Findings {
		if len(out) == 0 || out[len(out)-1] != f.AccountID {
			out = append(out, f.AccountID)
		}
	}
	return out
}

func TestScan_org(t *testing.T) {
	srv := sampleOrgServer(t)
	r := runCLI(t, nil, "", false, "scan", "--org", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json")
	if r.code != ExitPartial {
		t.Fatalf("exit %d, want %d (one account failed); stderr %q", r.code, ExitPartial, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing when it is not a terminal", r.stderr)
	}
	doc := parseOrgDoc(t, r.stdout)
	want := []string{"100000000001", "100000000002", "100000000003", "100000000004", "100000000005"}
	if diff := cmp.Diff(want, accountsOf(doc)); diff != "" {
		t.Errorf("accounts with findings (-want +got):\n%s", diff)
	}
	for _, f := range doc.Findings {
		if f.AccountName == nil || *f.AccountName == "" {
			t.Errorf("finding %s in %s carries no account name", f.Name, f.AccountID)
			break
		}
	}
	if len(doc.Errors) != 1 || doc.Errors[0].AccountID != fakeaws.SampleAudit || doc.Errors[0].Stage != "assume-role" ||
		doc.Errors[0].Code == nil || *doc.Errors[0].Code != "AccessDenied" || doc.Errors[0].AccountName == nil || *doc.Errors[0].AccountName != "audit" {
		t.Errorf("errors = %+v, want the audit account at assume-role with AccessDenied", doc.Errors)
	}
	if len(doc.Skipped) != 1 || doc.Skipped[0].AccountID != fakeaws.SampleSuspended || doc.Skipped[0].Status != "SUSPENDED" {
		t.Errorf("skipped = %+v", doc.Skipped)
	}
	if doc.Accounts.Scanned != 5 || doc.Accounts.Failed != 1 || doc.Accounts.Skipped != 1 {
		t.Errorf("accounts = %+v", doc.Accounts)
	}
	// The caller's own account is scanned with its own credentials: one
	// AssumeRole per member (5 members, the audit one refused).
	if n := srv.CallCount("AssumeRole"); n != 5 {
		t.Errorf("%d AssumeRole calls, want 5", n)
	}
	// A second run is identical, whatever order accounts finished in.
	again := runCLI(t, nil, "", false, "scan", "--org", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json")
	if again.stdout != r.stdout {
		t.Error("two runs of the same scan differ")
	}
}

func TestScan_orgTable(t *testing.T) {
	srv := sampleOrgServer(t)
	r := runCLI(t, nil, "", false, "scan", "--org", "--endpoint-url", srv.URL, "--as-of", asOf)
	if r.code != ExitPartial {
		t.Fatalf("exit %d; stderr %q", r.code, r.stderr)
	}
	golden(t, "org", r.stdout)
}

func TestScan_orgScopes(t *testing.T) {
	srv := sampleOrgServer(t)
	dir := t.TempDir()
	list := filepath.Join(dir, "accounts.txt")
	if err := os.WriteFile(list, []byte("# production\n100000000002\n100000000003, 100000000002  # twice\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("100000000002\n10000000003\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		want     []string
		wantCode int
	}{
		{"an OU, recursively", []string{"--ou", fakeaws.SampleDevOU}, []string{"100000000004", "100000000005"}, ExitUnused},
		{"two OUs", []string{"--ou", fakeaws.SampleProdOU, "--ou", fakeaws.SampleSandboxOU}, []string{"100000000002", "100000000003", "100000000005"}, ExitUnused},
		{"explicit accounts", []string{"--accounts", "100000000003,100000000002"}, []string{"100000000002", "100000000003"}, ExitUnused},
		{"accounts from a file", []string{"--accounts", "@" + list}, []string{"100000000002", "100000000003"}, ExitUnused},
		{"excluding the failing account", []string{"--org", "--exclude-accounts", "100000000006"},
			[]string{"100000000001", "100000000002", "100000000003", "100000000004", "100000000005"}, ExitUnused},
		{"nothing unused gates nothing", []string{"--accounts", "100000000002", "--fail-on", "none"}, []string{"100000000002"}, ExitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"scan", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json"}, tt.args...)
			r := runCLI(t, nil, "", false, args...)
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, tt.wantCode, r.stderr)
			}
			if diff := cmp.Diff(tt.want, accountsOf(parseOrgDoc(t, r.stdout))); diff != "" {
				t.Errorf("accounts (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("a bad ID in the list file", func(t *testing.T) {
		r := runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL, "--accounts", "@"+bad)
		if r.code != ExitUsage || !strings.Contains(r.stderr, `bad.txt:2: invalid account ID "10000000003": want 12 digits`) || r.stdout != "" {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("org and a file together", func(t *testing.T) {
		r := runCLI(t, nil, "", false, "scan", "--org", "--from-file", example)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "--org: cannot be combined with from-file") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("listed accounts get their names and statuses", func(t *testing.T) {
		r := runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json",
			"--accounts", fakeaws.SampleProdA+","+fakeaws.SampleSuspended)
		doc := parseOrgDoc(t, r.stdout)
		if r.code != ExitUnused || len(doc.Findings) == 0 {
			t.Fatalf("exit %d, %d findings; stderr %q", r.code, len(doc.Findings), r.stderr)
		}
		for _, f := range doc.Findings {
			if f.AccountID != fakeaws.SampleProdA || f.AccountName == nil || *f.AccountName != "prod-a" {
				t.Errorf("finding %s in %s named %v, want prod-a", f.Name, f.AccountID, f.AccountName)
			}
		}
		if len(doc.Skipped) != 1 || doc.Skipped[0].AccountID != fakeaws.SampleSuspended || doc.Skipped[0].Status != "SUSPENDED" {
			t.Errorf("skipped = %+v, want the suspended account listed", doc.Skipped)
		}
	})
	t.Run("a member account scans its list by ID", func(t *testing.T) {
		srv := sampleOrgServer(t, fakeaws.WithCredentials("AKIAMEMBERDEV0000001", fakeaws.SampleDev))
		isolateAWS(t, "AKIAMEMBERDEV0000001", "secret")
		r := runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json", "--accounts", fakeaws.SampleDev)
		doc := parseOrgDoc(t, r.stdout)
		if r.code != ExitUnused || len(doc.Findings) == 0 || len(doc.Errors) != 0 {
			t.Fatalf("exit %d, %d findings, errors %+v; stderr %q", r.code, len(doc.Findings), doc.Errors, r.stderr)
		}
		if f := doc.Findings[0]; f.AccountID != fakeaws.SampleDev || (f.AccountName != nil && *f.AccountName != "") {
			t.Errorf("finding in %s named %v, want no name", f.AccountID, f.AccountName)
		}
	})
	t.Run("a member account cannot list the organization", func(t *testing.T) {
		srv := sampleOrgServer(t, fakeaws.WithCredentials("AKIAMEMBERDEV0000001", fakeaws.SampleDev))
		isolateAWS(t, "AKIAMEMBERDEV0000001", "secret")
		r := runCLI(t, nil, "", false, "scan", "--org", "--endpoint-url", srv.URL)
		if r.code != ExitFailure || !strings.Contains(r.stderr, "policies/iamsweep-org.json") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func TestScan_orgThrottledAccount(t *testing.T) {
	// One account throttles every IAM call: it fails once the retries are
	// spent, and the others complete.
	srv := sampleOrgServer(t, fakeaws.WithFault(fakeaws.SampleProdB, "iam:GetAccountAuthorizationDetails", -1, 400, "Throttling", "Rate exceeded"))
	r := runCLI(t, nil, "", false, "scan", "--org", "--exclude-accounts", fakeaws.SampleAudit, "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json")
	if r.code != ExitPartial {
		t.Fatalf("exit %d; stderr %q", r.code, r.stderr)
	}
	doc := parseOrgDoc(t, r.stdout)
	if len(doc.Errors) != 1 || doc.Errors[0].AccountID != fakeaws.SampleProdB || doc.Errors[0].Code == nil || *doc.Errors[0].Code != "Throttling" {
		t.Errorf("errors = %+v, want prod-b throttled", doc.Errors)
	}
	if diff := cmp.Diff([]string{"100000000001", "100000000002", "100000000004", "100000000005"}, accountsOf(doc)); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
}

func TestScan_orgProgress(t *testing.T) {
	srv := sampleOrgServer(t)
	r := runCLI(t, nil, "", true, "scan", "--org", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json", "--concurrency", "2")
	if !strings.Contains(r.stderr, "scanning accounts: 6/6 done, 1 failed") || !strings.HasSuffix(r.stderr, "\r\x1b[K") {
		t.Errorf("stderr on a terminal = %q, want a progress line that ends cleared", r.stderr)
	}
	q := runCLI(t, nil, "", true, "scan", "--org", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json", "--quiet")
	if q.stderr != "" {
		t.Errorf("stderr with --quiet = %q", q.stderr)
	}
}

func TestScan_orgInterrupted(t *testing.T) {
	srv := sampleOrgServer(t, fakeaws.WithLatency(40*time.Millisecond), fakeaws.WithReportGenerated())
	ctx, cancel := context.WithCancel(t.Context())
	var out, errOut bytes.Buffer
	ios := IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"scan", "--org", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json", "--concurrency", "1"},
			deps{io: ios, now: time.Now, retry: awsapi.RetryOptions{NoBackoff: true}})
	}()
	// Press Ctrl-C once the third account has started: the scan goes one
	// account at a time, and each reads its (fresh) credential report once.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for srv.CallCount("GetCredentialReport") < 3 {
		select {
		case <-tick.C:
		case code := <-done:
			t.Fatalf("the scan ended (exit %d) before it could be interrupted", code)
		}
	}
	cancel()
	code := <-done
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitInterrupted, errOut.String())
	}
	doc := parseOrgDoc(t, out.String()) // a complete document of what finished
	if got := accountsOf(doc); len(got) == 0 || len(got) >= 5 {
		t.Errorf("accounts written %v, want the ones that finished before Ctrl-C", got)
	}
	if !strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("stderr = %q", errOut.String())
	}
}

// TestScan_orgAllAccountsFail: when no account could be scanned, the table
// does not claim that no unused access was found.
func TestScan_orgAllAccountsFail(t *testing.T) {
	srv := sampleOrgServer(t)
	r := runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL, "--as-of", asOf, "--accounts", fakeaws.SampleAudit)
	if r.code != ExitPartial || !strings.Contains(r.stdout, "1 account could not be scanned") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr %q", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "No unused access found") {
		t.Errorf("the table says no unused access was found although nothing was scanned:\n%s", r.stdout)
	}
}

// TestScan_orgHTML: an organization's HTML report, written to --out, holds
// what the JSON of the same scan holds: the counts, every scanned account,
// the failed one with its error and the skipped one; the exit status is
// the same.
func TestScan_orgHTML(t *testing.T) {
	srv := sampleOrgServer(t)
	args := []string{"scan", "--org", "--endpoint-url", srv.URL, "--as-of", asOf, "--no-state"}
	j := runCLI(t, nil, "", false, append(args, "-o", "json")...)
	path := filepath.Join(t.TempDir(), "report.html")
	h := runCLI(t, nil, "", false, append(args, "-o", "html", "--out", path)...)
	if h.code != ExitPartial || j.code != ExitPartial || h.stdout != "" {
		t.Fatalf("exit %d (json: %d), stdout %q, stderr %q", h.code, j.code, h.stdout, h.stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	doc := parseOrgDoc(t, j.stdout)
	counts := map[string]int{}
	for _, f := range doc.Findings {
		counts["evaluated"]++
		counts[f.Verdict]++
	}
	want := []string{
		fmt.Sprintf("Accounts: %d scanned, <strong class=\"bad\">%d not scanned</strong>, %d skipped.", doc.Accounts.Scanned, doc.Accounts.Failed, doc.Accounts.Skipped),
		fmt.Sprintf("<td>%s (audit)</td><td>%s</td><td>%s</td>", doc.Errors[0].AccountID, doc.Errors[0].Stage, *doc.Errors[0].Code),
		fmt.Sprintf(`<tr><th scope="row">%s</th><td class="text">closed-project</td><td class="text">%s</td></tr>`, doc.Skipped[0].AccountID, doc.Skipped[0].Status),
	}
	for _, k := range []string{"evaluated", "unused", "used", "exempt"} {
		want = append(want, fmt.Sprintf(`id="n-%s">%d<`, k, counts[k]))
	}
	for _, a := range accountsOf(doc) {
		want = append(want, fmt.Sprintf(`<tr><th scope="row">%s</th>`, a))
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("the page lacks %s", w)
		}
	}
	if n := strings.Count(page, "<tr class="); n != len(doc.Findings) {
		t.Errorf("%d finding rows, want %d", n, len(doc.Findings))
	}
}

// TestScan_htmlOwnerTags: --owner-tags picks the tag the report's owners
// come from.
func TestScan_htmlOwnerTags(t *testing.T) {
	both := []string{"scan", "--from-file", example, "--credential-report", exampleReport, "--as-of", asOf, "--no-state", "-o", "html"}
	for _, tt := range []struct{ keys, want string }{
		{"owner", `<tr><th scope="row">security@example.com</th><td>4</td><td>4</td>`},
		{"cost-center", `<tr><th scope="row"><em>no owner tag</em></th><td>47</td>`},
	} {
		r := runCLI(t, nil, "", false, append(both, "--owner-tags", tt.keys)...)
		if r.code != ExitUnused || !strings.Contains(r.stdout, tt.want) || !strings.Contains(r.stdout, "<code>"+tt.keys+"</code>") {
			t.Errorf("--owner-tags %s: exit %d, stderr %q; the page lacks %s", tt.keys, r.code, r.stderr, tt.want)
		}
	}
}
