package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// exampleRole is a role of the example export, in every scan of it.
const exampleRole = "arn:aws:iam::111122223333:role/service-role/aws-codestar-service-role"

// scansOf returns the IDs of the scans history shows for exampleRole.
func scansOf(t *testing.T, state string) []int64 {
	t.Helper()
	r := runCLI(t, nil, "", false, "history", exampleRole, "--state", state, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("history: exit %d, stderr %s", r.code, r.stderr)
	}
	var rows []struct {
		ScanID int64 `json:"scan_id"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("history -o json: %v\n%s", err, r.stdout)
	}
	var ids []int64
	for _, row := range rows {
		if !slices.Contains(ids, row.ScanID) {
			ids = append(ids, row.ScanID)
		}
	}
	return ids
}

// scanExample records a scan of the example export as of the given date
// (the tests' clock is 2026-11-23).
func scanExample(t *testing.T, state, asOf string, extra ...string) {
	t.Helper()
	args := append([]string{"scan", "--from-file", example, "--as-of", asOf, "--state", state, "-o", "json"}, extra...)
	if r := runCLI(t, nil, "", false, args...); r.code != ExitUnused {
		t.Fatalf("scan as of %s: exit %d, stderr %s", asOf, r.code, r.stderr)
	}
}

func TestPrune(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantScans []int64
		stdout    string
	}{
		{"keep the last scans", []string{"--keep-scans", "2"}, []int64{3, 4},
			"Deleted 2 scans (60 findings) and 0 plans.\nFreed "},
		{"older than days", []string{"--older-than", "60d"}, []int64{2, 3, 4},
			"Deleted 1 scan (30 findings) and 0 plans.\nFreed "},
		{"older than a Go duration", []string{"--older-than", "1h"}, []int64{4},
			"Deleted 3 scans (90 findings) and 0 plans.\nFreed "},
		{"a scan goes only when both rules let it", []string{"--keep-scans", "3", "--older-than", "1h"}, []int64{2, 3, 4},
			"Deleted 1 scan (30 findings) and 0 plans.\nFreed "},
		{"nothing to delete", []string{"--keep-scans", "10"}, []int64{1, 2, 3, 4},
			"Nothing to delete: every scan is kept.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state.db")
			for _, asOf := range []string{"2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-11-23T00:00:00Z"} {
				scanExample(t, state, asOf)
			}
			r := runCLI(t, nil, "", false, append([]string{"prune", "--state", state}, tt.args...)...)
			if r.code != ExitOK || !strings.HasPrefix(r.stdout, tt.stdout) || r.stderr != "" {
				t.Fatalf("prune: exit %d, stdout %q (want it to start %q), stderr %q", r.code, r.stdout, tt.stdout, r.stderr)
			}
			if got := scansOf(t, state); !slices.Equal(got, tt.wantScans) {
				t.Errorf("scans left %v, want %v", got, tt.wantScans)
			}
		})
	}
}

// A plan's scan stays while the plan is the latest; the space freed is
// reported, and the file shrinks.
func TestPrune_planKeepsItsScan(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	scanExample(t, state, "2026-10-01T00:00:00Z")
	if r := runCLI(t, nil, "", false, "plan", "--state", state); r.code != ExitOK {
		t.Fatalf("plan: exit %d, stderr %s", r.code, r.stderr)
	}
	for _, asOf := range []string{"2026-11-01T00:00:00Z", "2026-11-23T00:00:00Z"} {
		scanExample(t, state, asOf)
	}
	r := runCLI(t, nil, "", false, "prune", "--state", state, "--keep-scans", "1")
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "Deleted 1 scan (30 findings) and 0 plans; kept 1 scan that plans refer to.\nFreed ") {
		t.Fatalf("prune: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if got := scansOf(t, state); !slices.Equal(got, []int64{1, 3}) {
		t.Errorf("scans left %v, want the plan's (1) and the latest (3)", got)
	}
	r = runCLI(t, nil, "", false, "prune", "--state", state, "--older-than", "1h")
	if want := "Nothing to delete: the rules let 1 scan go, but a kept plan refers to it.\n"; r.code != ExitOK || r.stdout != want {
		t.Errorf("prune again: exit %d, stdout %q, want %q", r.code, r.stdout, want)
	}
}

func TestPrune_usageErrors(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	scanExample(t, state, asOf)
	tests := []struct {
		args []string
		msg  string
	}{
		{nil, "iamsweep: prune needs --keep-scans, --older-than, or a retention section in the config file\n"},
		{[]string{"--keep-scans", "0"}, "iamsweep: --keep-scans: want 1 or more scans (the latest scan is always kept), got 0\n"},
		{[]string{"--keep-scans", "0x10"}, `iamsweep: --keep-scans: want a whole number of scans, got "0x10"` + "\n"},
		{[]string{"--older-than", "90"}, `iamsweep: --older-than: want a duration such as 90d or 720h, got "90"` + "\n"},
		{[]string{"--older-than", "1.5d"}, `iamsweep: --older-than: want a duration such as 90d or 720h, got "1.5d"` + "\n"},
		{[]string{"--keep-scans", "1", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		r := runCLI(t, nil, "", false, append([]string{"prune", "--state", state}, tt.args...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tt.msg) || r.stdout != "" {
			t.Errorf("prune %v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, r.code, r.stdout, r.stderr, tt.msg)
		}
	}
	if got := scansOf(t, state); len(got) != 1 {
		t.Errorf("refused prunes left %v scans", got)
	}
}

// The config file's retention section prunes after every recorded scan,
// and is what prune uses without flags.
func TestPrune_retentionSetting(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	cfg := filepath.Join(dir, "iamsweep.yaml")
	if err := os.WriteFile(cfg, []byte("retention:\n  keep-scans: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, asOf := range []string{"2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"} {
		scanExample(t, state, asOf, "--config", cfg)
	}
	if got := scansOf(t, state); !slices.Equal(got, []int64{2, 3}) {
		t.Errorf("after three scans with keep-scans 2: scans %v, want [2 3]", got)
	}
	// Without the setting, scans accumulate; prune applies it when asked.
	scanExample(t, state, "2026-11-23T00:00:00Z")
	if got := scansOf(t, state); !slices.Equal(got, []int64{2, 3, 4}) {
		t.Errorf("after a scan without the setting: scans %v, want [2 3 4]", got)
	}
	r := runCLI(t, nil, "", false, "prune", "--state", state, "--config", cfg)
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "Deleted 1 scan") {
		t.Fatalf("prune with the config's retention: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// Flags replace the section.
	r = runCLI(t, nil, "", false, "prune", "--state", state, "--config", cfg, "--keep-scans", "1")
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "Deleted 1 scan") {
		t.Fatalf("prune --keep-scans 1 over the config's 2: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if got := scansOf(t, state); !slices.Equal(got, []int64{4}) {
		t.Errorf("scans %v, want [4]", got)
	}
}

// An organization scan, recorded account by account, is pruned after it
// finishes too.
func TestPrune_retentionAfterOrgScan(t *testing.T) {
	srv := sampleOrgServer(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	cfg := filepath.Join(dir, "iamsweep.yaml")
	if err := os.WriteFile(cfg, []byte("retention:\n  keep-scans: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var arn string
	for _, at := range []string{"2026-11-01T00:00:00Z", asOf} {
		r := runCLI(t, nil, "", false, "scan", "--org", "--endpoint-url", srv.URL, "--as-of", at, "-o", "json", "--state", state, "--config", cfg)
		if r.code != ExitPartial {
			t.Fatalf("scan: exit %d, stderr %q", r.code, r.stderr)
		}
		var doc struct {
			Findings []struct {
				ARN string `json:"arn"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Findings) == 0 {
			t.Fatalf("scan output: %v\n%s", err, r.stdout)
		}
		arn = doc.Findings[0].ARN
	}
	r := runCLI(t, nil, "", false, "history", arn, "--state", state, "-o", "json")
	var rows []struct {
		ScanID int64 `json:"scan_id"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || r.code != ExitOK {
		t.Fatalf("history: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	for _, row := range rows {
		if row.ScanID != 2 {
			t.Errorf("history holds scan %d; keep-scans 1 keeps only scan 2", row.ScanID)
		}
	}
}
