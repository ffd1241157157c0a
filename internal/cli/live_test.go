package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// isolateAWS points the SDK's default chain at the given static keys and
// nothing else: no shared files, no instance metadata.
func isolateAWS(t testing.TB, accessKey, secret string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// exampleAccount seeds a fake account with the roles and users of the
// example export and credential report.
func exampleAccount(t *testing.T) *fakeaws.Account {
	t.Helper()
	f, err := os.Open(example)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := os.Open(exampleReport)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	acct, err := fakeaws.AccountFromFiles(t.Context(), f, example, r, exampleReport)
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

// TestScan_live scans the example account through the real SDK client and
// the fake IAM endpoint: the findings must be the same as the offline scan
// of the export it was seeded from.
func TestScan_live(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	srv := fakeaws.New(t, fakeaws.WithAccounts(exampleAccount(t)), fakeaws.WithMaxPageItems(7), fakeaws.WithReportDelay(0))
	for _, format := range []string{"table", "json", "csv"} {
		t.Run(format, func(t *testing.T) {
			srv.ResetCalls()
			// Without key IDs, which the files do not hold, the live scan
			// must say exactly what the offline scan says.
			live := runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL, "--as-of", asOf, "--allow", "/breakglass/*", "-o", format, "--no-key-ids")
			offline := runCLI(t, nil, "", false, "scan", "--from-file", example, "--credential-report", exampleReport,
				"--as-of", asOf, "--allow", "/breakglass/*", "-o", format)
			if live.code != ExitUnused || live.stderr != "" {
				t.Fatalf("live scan: exit %d, stderr %q", live.code, live.stderr)
			}
			if live.stdout != offline.stdout {
				t.Errorf("live and offline scans differ:\nlive:\n%s\noffline:\n%s", live.stdout, offline.stdout)
			}
			// 30 roles at 7 per page: 5 pages; 7 users: 1 page; the report:
			// read at once (GetCredentialReport) when IAM holds a fresh one,
			// as after the first scan; before, generated and then read.
			// Nothing per role or per user.
			want := map[string]int{"GetAccountAuthorizationDetails": 6, "GenerateCredentialReport": 0, "GetCredentialReport": 1}
			if format == "table" {
				want["GenerateCredentialReport"], want["GetCredentialReport"] = 1, 2
			}
			total := 0
			for action, n := range want {
				total += n
				if got := srv.CallCount(action); got != n {
					t.Errorf("%d %s calls, want %d", got, action, n)
				}
			}
			if len(srv.Calls()) != total {
				t.Errorf("%d calls in all, want %d", len(srv.Calls()), total)
			}
		})
	}
}

// TestScan_liveKeyIDs checks that a live scan names the access keys the
// credential report leaves anonymous, with one ListAccessKeys call per user
// that holds an active key.
func TestScan_liveKeyIDs(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	acct := exampleAccount(t)
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithReportDelay(0))
	r := runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json")
	if r.code != ExitUnused {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var doc struct {
		Findings []struct {
			Type        string  `json:"type"`
			Name        string  `json:"name"`
			AccessKeyID *string `json:"access_key_id"`
			KeySlot     *int    `json:"key_slot"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // user/slot -> key ID
	withActiveKey := 0
	for _, u := range acct.Users {
		active := false
		for i, k := range u.AccessKeys {
			want[fmt.Sprintf("%s/%d", u.Name, i+1)] = k.ID
			active = active || !k.Inactive
		}
		if active {
			withActiveKey++
		}
	}
	got := map[string]string{}
	for _, f := range doc.Findings {
		if f.Type != "UnusedIAMUserAccessKey" || f.KeySlot == nil || f.AccessKeyID == nil {
			continue
		}
		got[fmt.Sprintf("%s/%d", f.Name, *f.KeySlot)] = *f.AccessKeyID
	}
	for k, id := range want {
		if got[k] != id {
			t.Errorf("key %s: ID %q, want %q", k, got[k], id)
		}
	}
	if n := srv.CallCount("ListAccessKeys"); n != withActiveKey {
		t.Errorf("%d ListAccessKeys calls, want one per user with an active key (%d)", n, withActiveKey)
	}
}

func TestScan_liveErrors(t *testing.T) {
	t.Run("no credentials", func(t *testing.T) {
		isolateAWS(t, "", "")
		r := runCLI(t, nil, "", false, "scan", "--endpoint-url", "http://127.0.0.1:9")
		if r.code != ExitFailure || !strings.Contains(r.stderr, "no valid AWS credentials") || r.stdout != "" {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("unknown profile", func(t *testing.T) {
		isolateAWS(t, "", "")
		r := runCLI(t, nil, "", false, "scan", "--profile", "nope")
		if r.code != ExitUsage || !strings.Contains(r.stderr, `AWS profile "nope" not found`) {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("access denied", func(t *testing.T) {
		isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "secret")
		srv := fakeaws.New(t, fakeaws.WithAccounts(exampleAccount(t)),
			fakeaws.WithFault("", "GetAccountAuthorizationDetails", -1, 403, "AccessDenied",
				"User: arn:aws:iam::111122223333:user/x is not authorized to perform: iam:GetAccountAuthorizationDetails"))
		r := runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL)
		if r.code != ExitFailure || !strings.Contains(r.stderr, "access denied") || r.stdout != "" {
			t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, "policies/iamsweep-scan.json") {
			t.Errorf("stderr %q does not point to the policy the scan needs", r.stderr)
		}
	})
	t.Run("invalid keys", func(t *testing.T) {
		isolateAWS(t, "AKIAUNKNOWN", "secret")
		// Keys that belong to no account the fake holds: IAM answers
		// InvalidClientTokenId.
		srv := fakeaws.New(t, fakeaws.WithCredentials("AKIAUNKNOWN", "999999999999"))
		r := runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL)
		if r.code != ExitFailure || !strings.Contains(r.stderr, "no valid AWS credentials") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}
