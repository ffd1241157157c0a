package lambdafn

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// TestHandler_scheduledScan feeds the EventBridge scheduled event through
// the handler: it runs the scan command over the account, configured by
// the environment, records nothing, and returns and logs the report's
// counts.
func TestHandler_scheduledScan(t *testing.T) {
	fx := newFixture(t)
	fx.env["IAMSWEEP_ALLOW"] = "/breakglass/*"
	r, err := fx.invoke(t, fx.event(t, "eventbridge-scheduled.json", nil))
	if err != nil {
		t.Fatal(err)
	}
	status := 4
	want := Result{Event: "Scheduled Event", ExitStatus: &status,
		Summary:  &Counts{"evaluated": 47, "unused": 15, "used": 17, "exempt": 15},
		Accounts: &Counts{"scanned": 1, "failed": 0, "skipped": 0}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	// The scan's own calls: the bulk listing, the credential report, the
	// key listings; no AWS Config.
	for _, a := range fx.srv.Actions() {
		if strings.HasPrefix(a, "config:") {
			t.Errorf("the scheduled scan called %s", a)
		}
	}
	if fx.srv.CallCount("GetAccountAuthorizationDetails") == 0 || fx.srv.CallCount("GetCredentialReport") == 0 {
		t.Errorf("actions %v", fx.srv.Actions())
	}
	if fx.stdout.String() != "" {
		t.Errorf("the report went to the function's stdout: %.200q", fx.stdout.String())
	}
	fx.checkJSONLogs(t)
	logs := fx.stderr.String()
	for _, want := range []string{`"msg":"scan finished"`, `"msg":"scheduled scan finished"`, `"exit_status":4`, `"unused":15`, `"event_id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("XDG_DATA_HOME"), "iamsweep", "state.db")); !os.IsNotExist(err) {
		t.Errorf("the scan was recorded in a default state database (stat: %v)", err)
	}
}

// TestHandler_scheduledScanSettings: the settings of the environment and
// the config file reach the scan as they reach `iamsweep scan`.
func TestHandler_scheduledScanSettings(t *testing.T) {
	t.Run("a config file, with out and state", func(t *testing.T) {
		fx := newFixture(t)
		dir := t.TempDir()
		file := filepath.Join(dir, "iamsweep.yaml")
		out, state := filepath.Join(dir, "report.csv"), filepath.Join(dir, "state.db")
		if err := os.WriteFile(file, []byte("types: UnusedIAMRole\noutput: csv\nout: "+out+"\nstate: "+state+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		fx.env["IAMSWEEP_CONFIG"] = file
		r, err := fx.invoke(t, fx.event(t, "eventbridge-scheduled.json", nil))
		if err != nil || *r.ExitStatus != 4 || r.Summary != nil {
			t.Fatalf("Result %+v, %v; want exit 4 and no counts (the report is a file)", r, err)
		}
		report, err := os.ReadFile(out)
		if err != nil || !bytes.HasPrefix(report, []byte("type,account_id")) || bytes.Contains(report, []byte("UnusedIAMUser")) {
			t.Errorf("report %.200q, %v", report, err)
		}
		if _, err := os.Stat(state); err != nil {
			t.Errorf("not recorded in the state setting's database: %v", err)
		}
		// Roles only: no credential report.
		if n := fx.srv.CallCount("GetCredentialReport") + fx.srv.CallCount("GenerateCredentialReport"); n != 0 {
			t.Errorf("%d credential report calls for a roles-only scan", n)
		}
	})
	t.Run("a bad setting", func(t *testing.T) {
		fx := newFixture(t)
		fx.env["IAMSWEEP_OUTPUT"] = "xml"
		r, err := fx.invoke(t, fx.event(t, "eventbridge-scheduled.json", nil))
		typ, msg := lambdaError(t, err)
		if typ != ErrorInput || !strings.Contains(msg, "IAMSWEEP_OUTPUT: output: want table, json, csv, html or asff") || len(fx.srv.Calls()) != 0 {
			t.Errorf("error %s %q, result %+v, calls %v", typ, msg, r, fx.srv.Actions())
		}
	})
}

// TestHandler_scheduledOrgScan: the organization scope of the
// TestHandler_scheduledExportIncomplete: an export to Security Hub that
// misses an account is a PartialScan that says so, not one that blames
// the scan.
func TestHandler_scheduledExportIncomplete(t *testing.T) {
	fx := newFixture(t) // Security Hub is not enabled in the account
	fx.env["IAMSWEEP_TO"] = "securityhub"
	_, err := fx.invoke(t, fx.event(t, "eventbridge-scheduled.json", nil))
	typ, msg := lambdaError(t, err)
	if typ != ErrorPartial || !strings.Contains(msg, "the export to Security Hub was incomplete") {
		t.Errorf("error %s %q", typ, msg)
	}
}

// environment; an account that cannot be scanned fails the invocation
// (PartialScan) after the others are scanned.
func TestHandler_scheduledOrgScan(t *testing.T) {
	org, accounts := fakeaws.SampleOrganization()
	setup := func(t *testing.T) *fixture {
		isolateAWS(t, fakeaws.SampleCallerKey)
		return newFixtureWith(t, fakeaws.WithAccounts(accounts...), fakeaws.WithOrganization(org),
			fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement), fakeaws.WithReportDelay(0))
	}
	t.Run("the organization, one account failing", func(t *testing.T) {
		fx := setup(t)
		fx.env["IAMSWEEP_ORG"] = "true"
		r, err := fx.invoke(t, fx.event(t, "eventbridge-scheduled.json", nil))
		typ, msg := lambdaError(t, err)
		if typ != ErrorPartial || !strings.Contains(msg, fakeaws.SampleAudit) {
			t.Errorf("error %s %q", typ, msg)
		}
		if r.ExitStatus == nil || *r.ExitStatus != 3 || (*r.Accounts)["scanned"] != 5 || (*r.Accounts)["failed"] != 1 ||
			!cmp.Equal(r.FailedAccounts, []string{fakeaws.SampleAudit}) {
			t.Errorf("Result %+v, accounts %v", r, r.Accounts)
		}
		fx.checkJSONLogs(t)
	})
	t.Run("two OUs in one variable", func(t *testing.T) {
		fx := setup(t)
		fx.env["IAMSWEEP_OU"] = fakeaws.SampleProdOU + "," + fakeaws.SampleSandboxOU
		r, err := fx.invoke(t, fx.event(t, "eventbridge-scheduled.json", nil))
		if err != nil || *r.ExitStatus != 4 || (*r.Accounts)["scanned"] != 3 {
			t.Errorf("Result %+v (accounts %v), %v; want 3 accounts scanned", r, r.Accounts, err)
		}
	})
}

func TestLineLogger(t *testing.T) {
	var out, logged bytes.Buffer
	l := newLineLogger(&out, slog.New(slog.NewJSONHandler(&logged, nil)))
	for _, chunk := range []string{`{"level":"INFO","msg":"scan fin`, "ished\"}\n", "iamsweep: warning: the export holds no roles\n\n", "plain\r\n", "tail without newline"} {
		if n, err := io.WriteString(l, chunk); err != nil || n != len(chunk) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if out.String() != `{"level":"INFO","msg":"scan finished"}`+"\n" {
		t.Errorf("JSON lines passed through as %q", out.String())
	}
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(logged.String()), "\n") {
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Level != "WARN" {
			t.Errorf("record %q: %v", line, err)
		}
		msgs = append(msgs, rec.Msg)
	}
	if diff := cmp.Diff([]string{"the export holds no roles", "plain"}, msgs); diff != "" {
		t.Errorf("text lines logged (-want +got):\n%s", diff)
	}
}

func TestReadCounts(t *testing.T) {
	var big strings.Builder
	big.WriteString(`{"schema_version":1,"as_of":"2026-11-23T00:00:00Z","unused_days":90,"findings":[`)
	for i := 0; i < 5000; i++ {
		if i > 0 {
			big.WriteString(",")
		}
		big.WriteString(`{"type":"UnusedIAMRole","reason":"last used {\"x\"] 3 days ago","tags":[[],{}]}`)
	}
	big.WriteString(`],"summary":{"evaluated":5000,"unused":1,"used":4999,"exempt":0},"accounts":{"scanned":2,"failed":1,"skipped":0},` +
		`"errors":[{"account_id":"100000000006","stage":"assume-role","code":"AccessDenied","message":"no"}],"skipped_accounts":[]}`)
	tests := []struct {
		name   string
		report string
		want   reportCounts
	}{
		{"a JSON report", big.String(), reportCounts{summary: &Counts{"evaluated": 5000, "unused": 1, "used": 4999, "exempt": 0},
			accounts: &Counts{"scanned": 2, "failed": 1, "skipped": 0}, failed: []string{"100000000006"}}},
		{"a CSV report", "type,account_id\nUnusedIAMRole,1\n", reportCounts{}},
		{"nothing (written to a file)", "", reportCounts{}},
		{"cut short", big.String()[:1000], reportCounts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &countingReader{r: strings.NewReader(tt.report)}
			got := readCounts(r)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(reportCounts{})); diff != "" {
				t.Errorf("readCounts (-want +got):\n%s", diff)
			}
			if r.n != len(tt.report) {
				t.Errorf("read %d of %d bytes: the writer would block", r.n, len(tt.report))
			}
		})
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
