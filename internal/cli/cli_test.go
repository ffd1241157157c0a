package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/awsapi"
	goldenfile "github.com/iamsweep/iamsweep/internal/golden"
)

// example is the export the README's first command scans.
const example = "../../examples/account-export.json"

// exampleReport is the credential report taken with it.
const exampleReport = "../../examples/credential-report.csv"

// asOf is the day the example export was taken.
const asOf = "2026-11-23T00:00:00Z"

type result struct {
	code   int
	stdout string
	stderr string
}

// runCLI runs iamsweep in process with the given environment and stdin.
func runCLI(t *testing.T, env map[string]string, stdin string, tty bool, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := IO{
		In:        strings.NewReader(stdin),
		Out:       &out,
		ErrOut:    &errOut,
		StdoutTTY: tty,
		StderrTTY: tty,
		Getenv:    func(k string) string { return env[k] },
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }
	code := run(t.Context(), args, deps{io: ios, now: now, retry: awsapi.RetryOptions{NoBackoff: true}})
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// golden compares got with testdata/<test name>/<name>.golden, rewriting it
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, name, got)
}

func TestMain_version(t *testing.T) {
	r := runCLI(t, nil, "", false, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "iamsweep ") || r.stderr != "" {
		t.Errorf("version: %+v", r)
	}
}

func TestMain_usageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"sweep"}, `unknown command "sweep"`},
		{"unknown flag", []string{"scan", "--bogus"}, "unknown flag: --bogus"},
		{"extra argument", []string{"scan", "extra"}, `unknown command "extra"`},
		{"bad int flag", []string{"scan", "--unused-days", "ninety"}, `--unused-days: want a whole number, got "ninety"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, "", false, tt.args...)
			if r.code != ExitUsage {
				t.Errorf("exit = %d, want %d; stderr: %s", r.code, ExitUsage, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if !strings.Contains(r.stderr, tt.want) || !strings.HasPrefix(r.stderr, "iamsweep: ") {
				t.Errorf("stderr = %q, want it to start with \"iamsweep: \" and contain %q", r.stderr, tt.want)
			}
		})
	}
}

func TestMain_interrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out, errOut bytes.Buffer
	ios := IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	code := run(ctx, []string{"scan", "--from-file", example}, deps{io: ios, now: time.Now})
	if code != ExitInterrupted {
		t.Errorf("exit = %d, want %d; stderr: %s", code, ExitInterrupted, errOut.String())
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", out.String())
	}
}

// TestMain_usageHint: only a mistake in the command line itself points to
// --help; other errors, input errors included, are one line.
func TestMain_usageHint(t *testing.T) {
	const hint = "Run 'iamsweep --help' for usage.\n"
	state := filepath.Join(t.TempDir(), "state.db")
	tests := []struct {
		name     string
		args     []string
		wantHint bool
	}{
		{"unknown command", []string{"sweep"}, true},
		{"unknown flag", []string{"scan", "--bogus"}, true},
		{"too many arguments", []string{"history", "a", "b"}, true},
		{"flag without its value", []string{"scan", "--out"}, true},
		{"nothing recorded yet", []string{"plan", "--state", state}, false},
		{"no plan recorded", []string{"apply", "--yes", "--state", state}, false},
		{"no such backup", []string{"backups", "b-nope", "--state", state}, false},
		{"nobody to confirm", []string{"release", "arn:aws:iam::111122223333:role/x", "--state", state}, false},
		{"bad setting value", []string{"scan", "--unused-days", "0"}, false},
		{"missing export", []string{"scan", "--from-file", "nope.json"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, "", false, tt.args...)
			if r.code != ExitUsage || !strings.HasPrefix(r.stderr, "iamsweep: ") {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if got := strings.HasSuffix(r.stderr, hint); got != tt.wantHint || strings.Count(r.stderr, "\n") != 1+btoi(tt.wantHint) {
				t.Errorf("stderr %q: hint %t, want %t", r.stderr, got, tt.wantHint)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestMain_externalID: external-id is refused where it would do nothing,
// a scan of one account, and taken by the commands that assume a role in
// the accounts of a plan.
func TestMain_externalID(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	r := runCLI(t, nil, "", false, "scan", "--from-file", example, "--external-id", "x")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--external-id: applies only to a scan of several accounts") {
		t.Errorf("scan of one account: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, args := range [][]string{
		{"apply", "--yes", "--state", state, "--external-id", "x"},
		{"release", "arn:aws:iam::111122223333:role/x", "--yes", "--state", state, "--external-id", "x"},
	} {
		r := runCLI(t, map[string]string{"IAMSWEEP_EXTERNAL_ID": "y"}, "", false, args...)
		if strings.Contains(r.stderr, "external-id") {
			t.Errorf("%s: refused its external ID: exit %d, stderr %q", args[0], r.code, r.stderr)
		}
	}
}

// TestMain_csvForScanOnly: csv or html set in the environment (or the
// config file) for scan does not stop the commands that write a table or
// JSON; given to them on the command line, it is refused.
func TestMain_csvForScanOnly(t *testing.T) {
	for _, format := range []string{"csv", "html"} {
		t.Run(format, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state.db")
			env := map[string]string{"IAMSWEEP_OUTPUT": format}
			want := map[string]string{"csv": "type,", "html": "<!DOCTYPE html>"}[format]
			if r := runCLI(t, env, "", false, "scan", "--from-file", example, "--as-of", asOf, "--state", state); r.code != ExitUnused || !strings.HasPrefix(r.stdout, want) {
				t.Fatalf("scan: exit %d, stdout %.80q, stderr %q", r.code, r.stdout, r.stderr)
			}
			for _, cmd := range []string{"plan", "backups"} {
				if r := runCLI(t, env, "", false, cmd, "--state", state); r.code != ExitOK {
					t.Errorf("%s with IAMSWEEP_OUTPUT=%s: exit %d, stderr %q", cmd, format, r.code, r.stderr)
				}
			}
			for _, args := range [][]string{
				{"plan", "-o", format},
				{"backups", "-o", format},
				{"history", "arn:aws:iam::111122223333:role/x", "-o", format},
			} {
				r := runCLI(t, nil, "", false, append(args, "--state", state)...)
				if r.code != ExitUsage || !strings.Contains(r.stderr, args[0]+" writes table or json") {
					t.Errorf("%s -o %s: exit %d, stderr %q", args[0], format, r.code, r.stderr)
				}
			}
		})
	}
}
