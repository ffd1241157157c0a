package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/store"
)

const keptRole = "arn:aws:iam::111122223333:role/breakglass/breakglass-admin"

// verdictOf returns the verdict, rule and reason of arn's role finding in
// a JSON scan report.
func verdictOf(t *testing.T, report, arn string) (verdict, rule, reason string) {
	t.Helper()
	var r struct {
		Findings []struct {
			Type, ARN, Verdict, Rule, Reason string
		}
	}
	if err := json.Unmarshal([]byte(report), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, report)
	}
	for _, f := range r.Findings {
		if f.ARN == arn && f.Type == string(iamsweep.TypeUnusedIAMRole) {
			return f.Verdict, f.Rule, f.Reason
		}
	}
	t.Fatalf("no finding of %s", arn)
	return
}

func scanJSON(t *testing.T, state string) string {
	t.Helper()
	r := runCLI(t, nil, "", false, "scan", "--from-file", example, "--as-of", asOf, "--state", state, "-o", "json")
	if r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	return r.stdout
}

// An exception added from the CLI makes the role exempt in the next scan
// (offline), is listed, and once revoked the role is judged again; both
// are recorded as decisions from "cli".
func TestExceptions_addListRevoke(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	if v, _, _ := verdictOf(t, scanJSON(t, state), keptRole); v != "unused" {
		t.Fatalf("before: %s, want unused", v)
	}
	env := map[string]string{"USER": "carol"}
	r := runCLI(t, env, "", false, "exceptions", "add", keptRole, "--for", "90d", "--reason", "DR drill each quarter", "--state", state)
	if r.code != 0 {
		t.Fatalf("exceptions add: exit %d, stderr %s", r.code, r.stderr)
	}
	want := regexp.MustCompile(`^Exception (x-[0-9a-f]{16}): UnusedIAMRole ` + regexp.QuoteMeta(keptRole) + ` is kept by carol until 2027-02-21: DR drill each quarter\.\n$`)
	m := want.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("exceptions add said %q", r.stdout)
	}
	id := m[1]

	v, rule, reason := verdictOf(t, scanJSON(t, state), keptRole)
	if v != "exempt" || rule != "exception" || reason != "kept by carol until 2027-02-21: DR drill each quarter" {
		t.Errorf("after the keep: %s %s %q", v, rule, reason)
	}

	r = runCLI(t, nil, "", false, "exceptions", "--state", state)
	if r.code != 0 || !strings.Contains(r.stdout, id+"  active  2027-02-21T00:00:00Z  carol  UnusedIAMRole  "+keptRole+"  DR drill each quarter") {
		t.Errorf("exceptions: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "", false, "exceptions", "list", "-o", "json", "--state", state)
	var rows []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 || rows[0]["id"] != id || rows[0]["state"] != "active" ||
		rows[0]["until"] != "2027-02-21T00:00:00Z" || rows[0]["by"] != "carol" || rows[0]["type"] != "UnusedIAMRole" {
		t.Errorf("exceptions list -o json: %v\n%s", err, r.stdout)
	}

	r = runCLI(t, nil, "", false, "exceptions", "revoke", id, "--by", "dave", "--state", state)
	if r.code != 0 || r.stdout != "Revoked exception "+id+": UnusedIAMRole "+keptRole+" is judged again from the next scan.\n" {
		t.Errorf("exceptions revoke: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if v, _, _ := verdictOf(t, scanJSON(t, state), keptRole); v != "unused" {
		t.Errorf("after the revocation: %s, want unused", v)
	}
	if r = runCLI(t, nil, "", false, "exceptions", "--state", state); r.stdout != "No exception is in force.\n" {
		t.Errorf("exceptions after the revocation: %q", r.stdout)
	}
	if r = runCLI(t, nil, "", false, "exceptions", "list", "--all", "--state", state); !strings.Contains(r.stdout, id+"  revoked") {
		t.Errorf("exceptions list --all: %q", r.stdout)
	}
	r = runCLI(t, nil, "", false, "exceptions", "revoke", id, "--by", "dave", "--state", state)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "exception "+id+" is revoked already") {
		t.Errorf("revoking twice: exit %d, stderr %s", r.code, r.stderr)
	}

	st, err := store.Open(t.Context(), state)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds, err := st.Decisions(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Kind != iamsweep.DecisionKeep || ds[0].By != "carol" || ds[0].From != "cli" ||
		ds[1].Kind != iamsweep.DecisionRevoke || ds[1].By != "dave" || ds[1].From != "cli" || ds[0].Key != ds[1].Key {
		t.Errorf("decisions: %+v", ds)
	}
	evs, err := st.Events(t.Context(), ds[0].Key, 0)
	if err != nil || len(evs) != 2 || evs[0].Kind != store.EventException {
		t.Errorf("events: %+v, %v", evs, err)
	}
}

func TestExceptions_addErrors(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	user := "arn:aws:iam::111122223333:user/dev/alice"
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"longer than keep-max", []string{keptRole, "--for", "181d", "--reason", "r"}, ExitUsage, "--for: 181d is longer than escalation.keep-max, 180 days"},
		{"until beyond keep-max", []string{keptRole, "--until", "2027-06-01", "--reason", "r"}, ExitUsage,
			"--until: 2027-06-01T00:00:00Z is further than escalation.keep-max (180 days) from now: at most 2027-05-22T00:00:00Z"},
		{"until in the past", []string{keptRole, "--until", "2026-11-01", "--reason", "r"}, ExitUsage, "--until: 2026-11-01T00:00:00Z is not in the future"},
		{"until not a date", []string{keptRole, "--until", "soon", "--reason", "r"}, ExitUsage, "--until: want an RFC 3339 time"},
		{"no end", []string{keptRole, "--reason", "r"}, ExitUsage, "give the end of the exception: --until DATE or --for DURATION"},
		{"both ends", []string{keptRole, "--for", "9d", "--until", "2027-01-01", "--reason", "r"}, ExitUsage, "give --until or --for, not both"},
		{"no reason", []string{keptRole, "--for", "9d"}, ExitUsage, "give the reason the principal must stay: --reason TEXT"},
		{"blank reason", []string{keptRole, "--for", "9d", "--reason", "  "}, ExitUsage, "--reason TEXT"},
		{"key of a role", []string{keptRole, "--for", "9d", "--reason", "r", "--key-id", "AKIAIOSFODNN7EXAMPLE"}, ExitUsage, "is a role"},
		{"bad key ID", []string{user, "--for", "9d", "--reason", "r", "--key-id", "akia"}, ExitUsage, "--key-id: want an access key ID"},
		{"key and password", []string{user, "--for", "9d", "--reason", "r", "--key-id", "AKIAIOSFODNN7EXAMPLE", "--password"}, ExitUsage, "cannot be combined"},
		{"root", []string{"arn:aws:iam::111122223333:root", "--for", "9d", "--reason", "r"}, ExitUsage, "the root user cannot be kept"},
		{"not IAM", []string{"arn:aws:s3:::bucket", "--for", "9d", "--reason", "r"}, ExitUsage, "has no account ID"},
		{"a policy", []string{"arn:aws:iam::111122223333:policy/p", "--for", "9d", "--reason", "r"}, ExitUsage, "is neither an IAM role nor an IAM user ARN"},
		{"not an ARN", []string{"breakglass-admin", "--for", "9d", "--reason", "r"}, ExitUsage, "ARN: invalid ARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"exceptions", "add"}, tt.args...)
			r := runCLI(t, nil, "", false, append(args, "--state", state, "--by", "ops")...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", r.code, r.stdout, r.stderr, tt.code, tt.want)
			}
		})
	}
	// keep-max comes from the config file.
	cfg := filepath.Join(t.TempDir(), "iamsweep.yaml")
	if err := os.WriteFile(cfg, []byte("escalation:\n  keep-max: 30d\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", false, "exceptions", "add", keptRole, "--for", "31d", "--reason", "r", "--by", "ops", "--state", state, "--config", cfg)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "longer than escalation.keep-max, 30 days") {
		t.Errorf("keep-max 30d from the file: exit %d, stderr %s", r.code, r.stderr)
	}
	// Nothing of the refused adds was recorded.
	r = runCLI(t, nil, "", false, "exceptions", "list", "--all", "--state", state)
	if r.stdout != "No exception was ever made.\n" {
		t.Errorf("after refused adds: %q", r.stdout)
	}
	r = runCLI(t, nil, "", false, "exceptions", "revoke", "x-nope", "--by", "ops", "--state", state)
	if r.code != ExitUsage || !strings.Contains(r.stderr, `ID: no exception "x-nope"`) {
		t.Errorf("revoke of an unknown ID: exit %d, stderr %s", r.code, r.stderr)
	}
}

// A Keep of a user's key names the key; of its password, the password.
func TestExceptions_credentials(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	user := "arn:aws:iam::111122223333:user/dev/alice"
	for _, args := range [][]string{{"--key-id", "AKIAIOSFODNN7EXAMPLE"}, {"--password"}, {}} {
		r := runCLI(t, nil, "", false, append([]string{"exceptions", "add", user, "--until", "2027-01-01", "--reason", "r", "--by", "ops", "--state", state}, args...)...)
		if r.code != 0 {
			t.Fatalf("add %v: exit %d, stderr %s", args, r.code, r.stderr)
		}
	}
	r := runCLI(t, nil, "", false, "exceptions", "-o", "json", "--state", state)
	var rows []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("list: %v\n%s", err, r.stdout)
	}
	var got []string // made at the same time: in the order of their random IDs
	for _, row := range rows {
		got = append(got, row["key"])
	}
	sort.Strings(got)
	want := []string{
		"111122223333 UnusedIAMUser " + user,
		"111122223333 UnusedIAMUserAccessKey " + user + " AKIAIOSFODNN7EXAMPLE",
		"111122223333 UnusedIAMUserPassword " + user,
	}
	if !slices.Equal(got, want) {
		t.Errorf("keys = %q, want %q", got, want)
	}
}

func TestWritePruned_workflow(t *testing.T) {
	tests := []struct {
		p    store.Pruned
		want string
	}{
		{store.Pruned{}, "Nothing to delete: every scan is kept.\n"},
		{store.Pruned{LinkTokens: 3}, "Deleted 3 expired decision links and 0 old history events.\nEvery scan is kept.\n"},
		{store.Pruned{Events: 1, KeptForPlans: 2}, "Deleted 0 expired decision links and 1 old history event.\nNo scan deleted: the rules let 2 scans go, but kept plans refer to them.\n"},
		{store.Pruned{Scans: 1, Findings: 4, LinkTokens: 1, Events: 2, Freed: 2000},
			"Deleted 1 scan (4 findings) and 0 plans.\nDeleted 1 expired decision link and 2 old history events.\nFreed 2.0 kB: the state database went from 10.0 kB to 8.0 kB.\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := writePruned(&b, tt.p, 10000, 8000); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("writePruned(%+v) =\n%q\nwant\n%q", tt.p, b.String(), tt.want)
		}
	}
}
