package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// The scan is recorded while its report is written, but only once the
// report's file is open: a report that cannot be written from the start
// records nothing.
func TestScan_recordsOnlyWithAReport(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	out := filepath.Join(t.TempDir(), "missing", "report.json")
	r := runCLI(t, nil, "", false, "scan", "--from-file", example, "--as-of", asOf, "--state", state, "--out", out)
	if r.code != ExitFailure {
		t.Fatalf("scan --out into a missing directory: exit %d, want %d; stderr %s", r.code, ExitFailure, r.stderr)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("the scan was recorded (%s exists, %v) although its report could not be written", state, err)
	}
	// With a report, it is.
	scanExample(t, state, asOf)
	if got := scansOf(t, state); len(got) != 1 {
		t.Errorf("scans %v after a scan with a report, want one", got)
	}
}
