package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// findingTypes returns the types of the findings of a JSON scan document,
// each once, in order of appearance.
func findingTypes(t *testing.T, stdout string) []string {
	t.Helper()
	var doc struct {
		Findings []struct {
			Type string `json:"type"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not a JSON document: %v\n%s", err, stdout)
	}
	var out []string
	for _, f := range doc.Findings {
		if len(out) == 0 || out[len(out)-1] != f.Type {
			out = append(out, f.Type)
		}
	}
	return out
}

func TestScan_types(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	srv := fakeaws.New(t, fakeaws.WithAccounts(exampleAccount(t)), fakeaws.WithReportGenerated())
	offline := []string{"scan", "--from-file", example, "--credential-report", exampleReport, "--as-of", asOf, "-o", "json"}
	// No --no-key-ids: the types decide whether access keys are listed.
	live := []string{"scan", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json"}
	tests := []struct {
		name    string
		types   string
		want    []string // finding types in the output
		actions []string // of the live scan
	}{
		{name: "roles only", types: "UnusedIAMRole", want: []string{"UnusedIAMRole"},
			actions: []string{"iam:GetAccountAuthorizationDetails"}},
		{name: "passwords only", types: "UnusedIAMUserPassword", want: []string{"UnusedIAMUserPassword"},
			actions: []string{"iam:GetAccountAuthorizationDetails", "iam:GetCredentialReport"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			off := runCLI(t, nil, "", false, append(offline, "--types", tt.types)...)
			if off.code != ExitUnused || off.stderr != "" {
				t.Fatalf("offline scan: exit %d, stderr %q", off.code, off.stderr)
			}
			// Findings are sorted by ARN, not type: the types repeat.
			got := findingTypes(t, off.stdout)
			for _, typ := range got {
				if typ != tt.want[0] {
					t.Errorf("offline scan with --types %s reported %s", tt.types, typ)
				}
			}
			if len(got) == 0 {
				t.Error("offline scan reported nothing")
			}

			srv.ResetCalls()
			on := runCLI(t, nil, "", false, append(live, "--types", tt.types)...)
			if on.code != ExitUnused || on.stderr != "" {
				t.Fatalf("live scan: exit %d, stderr %q", on.code, on.stderr)
			}
			if on.stdout != off.stdout {
				t.Errorf("live and offline scans differ:\nlive:\n%s\noffline:\n%s", on.stdout, off.stdout)
			}
			if diff := cmp.Diff(tt.actions, srv.Actions()); diff != "" {
				t.Errorf("AWS actions of the live scan (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("roles only, without a credential report", func(t *testing.T) {
		r := runCLI(t, nil, "", false, "scan", "--from-file", example, "--as-of", asOf, "--types", "UnusedIAMRole")
		if r.code != ExitUnused || r.stderr != "" {
			t.Errorf("exit %d, stderr %q; want unused roles and no warning about users", r.code, r.stderr)
		}
	})
	t.Run("unknown type", func(t *testing.T) {
		r := runCLI(t, nil, "", false, append(offline, "--types", "UnusedIAMRoles")...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "--types") || !strings.Contains(r.stderr, `got "UnusedIAMRoles"`) {
			t.Errorf("exit %d, stderr %q; want a usage error naming --types and the value", r.code, r.stderr)
		}
	})
}
