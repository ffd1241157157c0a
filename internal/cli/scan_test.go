package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep/internal/report"
)

func TestScan_golden(t *testing.T) {
	both := []string{"--from-file", example, "--credential-report", exampleReport}
	tests := []struct {
		name       string
		args       []string
		tty        bool
		env        map[string]string
		wantStderr string
	}{
		{name: "table", args: append(both, "--allow", "/breakglass/*")},
		{name: "table-all", args: append(both, "--allow", "/breakglass/*", "--all")},
		{name: "table-tty", args: append(both, "--allow", "/breakglass/*"), tty: true},
		{name: "table-tty-no-color", args: append(both, "--allow", "/breakglass/*"), tty: true, env: map[string]string{"NO_COLOR": "1"}},
		{name: "json", args: append(both, "--allow", "/breakglass/*", "-o", "json")},
		{name: "csv", args: append(both, "--allow", "/breakglass/*", "--output", "csv")},
		{name: "html", args: append(both, "-o", "html")},
		{name: "include-managed", args: append(both, "--include-managed", "--all")},
		{name: "unused-days-30", args: append(both, "--unused-days", "30")},
		{name: "export-only", args: []string{"--from-file", example, "--all"},
			wantStderr: "users, console passwords and access keys not judged"},
		{name: "report-only", args: []string{"--credential-report", exampleReport, "--all"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"scan", "--as-of", asOf}, tt.args...)
			r := runCLI(t, tt.env, "", tt.tty, args...)
			if r.code != ExitUnused {
				t.Errorf("exit = %d, want %d (unused access found); stderr: %s", r.code, ExitUnused, r.stderr)
			}
			if (tt.wantStderr == "" && r.stderr != "") || !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want %q", r.stderr, tt.wantStderr)
			}
			golden(t, tt.name, r.stdout)
		})
	}
}

func TestScan_jsonContract(t *testing.T) {
	r := runCLI(t, nil, "", false, "scan", "--from-file", example, "--credential-report", exampleReport, "--as-of", asOf, "-o", "json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	findings, _ := doc["findings"].([]any)
	if len(findings) != 47 {
		t.Fatalf("%d findings, want 47 (30 roles, 7 users, 4 passwords, 5 keys, 1 root key)", len(findings))
	}
	// The field names are a contract that every record type shares.
	for _, key := range []string{"type", "arn", "account_id", "name", "path", "verdict", "reason", "created", "last_used", "last_used_region", "days_unused", "access_key_id", "key_slot"} {
		for i, f := range findings {
			if _, ok := f.(map[string]any)[key]; !ok {
				t.Errorf("finding %d has no %q", i, key)
			}
		}
	}
	if doc["schema_version"] != float64(report.SchemaVersion) {
		t.Errorf("schema_version = %v", doc["schema_version"])
	}
}

func TestScan_exitStatus(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"unused found", nil, ExitUnused},
		{"fail-on none", []string{"--fail-on", "none"}, ExitOK},
		{"fail-on role type", []string{"--fail-on", "UnusedIAMRole"}, ExitUnused},
		{"nothing unused", []string{"--allow", "*"}, ExitOK},
		{"fail-on a type with nothing unused", []string{"--fail-on", "UnusedIAMUserPassword"}, ExitOK},
		{"threshold above every idle period", []string{"--unused-days", "400"}, ExitUnused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"scan", "--from-file", example, "--as-of", asOf}, tt.args...)
			if r := runCLI(t, nil, "", false, args...); r.code != tt.want {
				t.Errorf("exit = %d, want %d; stderr: %s", r.code, tt.want, r.stderr)
			}
		})
	}
}

func TestScan_badInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.json", "")
	truncated := write("truncated.json", `{"RoleDetailList": [{"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a"`)
	notJSON := write("not.json", "RoleName,Arn\n")
	notExport := write("roles.json", `{"Roles": []}`)
	badDate := write("date.json", `{"RoleDetailList": [{"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a", "CreateDate": "yesterday"}]}`)
	badConfig := write("config.yaml", "unused_days: 30\n")

	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"missing file", []string{"--from-file", filepath.Join(dir, "nope.json")}, nil, "nope.json: open export: no such file or directory"},
		{"empty file", []string{"--from-file", empty}, nil, "empty.json: file is empty"},
		{"truncated file", []string{"--from-file", truncated}, nil, "truncated.json: byte"},
		{"not JSON", []string{"--from-file", notJSON}, nil, "not.json: byte 0"},
		{"not an export", []string{"--from-file", notExport}, nil, "not an authorization-details export"},
		{"bad date", []string{"--from-file", badDate}, nil, `RoleDetailList[0].CreateDate: invalid timestamp "yesterday"`},
		{"bad pattern", []string{"--from-file", example, "--allow", "/team-[a"}, nil, `--allow: invalid pattern "/team-[a": unclosed '['`},
		{"bad as-of", []string{"--from-file", example, "--as-of", "tomorrow"}, nil, `--as-of: want an RFC 3339 time`},
		{"unused-days out of range", []string{"--from-file", example, "--unused-days", "0"}, nil, "--unused-days: must be between 1 and 400"},
		{"bad output", []string{"--from-file", example, "-o", "xml"}, nil, `--output: want table, json, csv, html or asff, got "xml"`},
		{"bad fail-on", []string{"--from-file", example, "--fail-on", "UnusedThing"}, nil, `--fail-on: want any, none or finding types`},
		{"fail-on none in a list", []string{"--from-file", example, "--fail-on", "none,UnusedIAMRole"}, nil,
			`--fail-on: got "none" in a list: none cannot be combined with finding types; give it alone, or list only finding types`},
		{"bad env", []string{"--from-file", example}, map[string]string{"IAMSWEEP_UNUSED_DAYS": "many"}, "IAMSWEEP_UNUSED_DAYS: want a whole number"},
		{"bad config key", []string{"--from-file", example, "--config", badConfig}, nil, `config.yaml:1: unknown key "unused_days" (did you mean "unused-days"?)`},
		{"missing config", []string{"--from-file", example, "--config", filepath.Join(dir, "none.yaml")}, nil, "none.yaml: open config file: no such file or directory"},
		{"from-file with endpoint", []string{"--from-file", example, "--endpoint-url", "http://127.0.0.1:1"}, nil, "--endpoint-url: cannot be combined with from-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".out")
			args := append([]string{"scan", "--out", out}, tt.args...)
			r := runCLI(t, tt.env, "", false, args...)
			if r.code != ExitUsage {
				t.Errorf("exit = %d, want %d", r.code, ExitUsage)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if lines := strings.Count(r.stderr, "\n"); lines != 1 || !strings.HasPrefix(r.stderr, "iamsweep: ") || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr = %q, want one line starting \"iamsweep: \" containing %q", r.stderr, tt.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("--out file exists after an input error (stat: %v)", err)
			}
		})
	}
}

func TestScan_out(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "findings.json")
	if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", true, "scan", "--from-file", example, "--as-of", asOf, "-o", "json", "--out", out)
	if r.code != ExitUnused || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil || !json.Valid(data) {
		t.Fatalf("--out file: %v, valid JSON %v", err, json.Valid(data))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the output (no temporary files left)", len(entries))
	}
}

func TestScan_stdin(t *testing.T) {
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, string(data), false, "scan", "--from-file", "-", "--as-of", asOf, "--allow", "/breakglass/*")
	want := runCLI(t, nil, "", false, "scan", "--from-file", example, "--as-of", asOf, "--allow", "/breakglass/*")
	if r.code != want.code || r.stdout != want.stdout {
		t.Errorf("stdin scan differs from file scan:\n%s\nvs\n%s", r.stdout, want.stdout)
	}
}

func TestScan_configPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "iamsweep.yaml")
	content := "unused-days: 30\noutput: json\nallow:\n  - /breakglass/*\nfrom-file: " + example + "\nas-of: " + asOf + "\n"
	if err := os.WriteFile(cfg, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	days := func(r result) float64 {
		t.Helper()
		var doc struct {
			UnusedDays float64 `json:"unused_days"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("not JSON (%v): %s %s", err, r.stdout, r.stderr)
		}
		return doc.UnusedDays
	}
	if got := days(runCLI(t, nil, "", false, "scan", "--config", cfg)); got != 30 {
		t.Errorf("from file: unused_days = %v, want 30", got)
	}
	env := map[string]string{"IAMSWEEP_UNUSED_DAYS": "60"}
	if got := days(runCLI(t, env, "", false, "scan", "--config", cfg)); got != 60 {
		t.Errorf("env over file: unused_days = %v, want 60", got)
	}
	if got := days(runCLI(t, env, "", false, "scan", "--config", cfg, "--unused-days", "120")); got != 120 {
		t.Errorf("flag over env: unused_days = %v, want 120", got)
	}
	env = map[string]string{"IAMSWEEP_CONFIG": cfg}
	if got := days(runCLI(t, env, "", false, "scan")); got != 30 {
		t.Errorf("IAMSWEEP_CONFIG: unused_days = %v, want 30", got)
	}
}

func TestScan_truncatedExportWarns(t *testing.T) {
	p := filepath.Join(t.TempDir(), "page.json")
	content := `{"RoleDetailList": [{"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a", "CreateDate": "2020-01-01T00:00:00Z"}], "IsTruncated": true, "Marker": "abc"}`
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", false, "scan", "--from-file", p, "--as-of", asOf)
	if r.code != ExitUnused || !strings.Contains(r.stderr, "export is truncated") {
		t.Errorf("exit %d, stderr %q: want exit 4 and a warning about the truncated export", r.code, r.stderr)
	}
}

// TestScan_emptyInputWarns covers issue 9: input without principals said
// only "No unused access found".
func TestScan_emptyInputWarns(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "empty.json")
	report := filepath.Join(dir, "header.csv")
	data, err := os.ReadFile(exampleReport)
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(string(data), "\n")
	if err := os.WriteFile(export, []byte(`{"RoleDetailList": [], "UserDetailList": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(report, []byte(header+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", false, "scan", "--no-state", "--from-file", export, "--credential-report", report, "--as-of", asOf)
	want := "iamsweep: warning: " + export + ": the export holds no roles and no users (RoleDetailList and UserDetailList are empty or missing)\n" +
		"iamsweep: warning: " + report + ": the credential report holds no users, only its header row\n"
	if r.code != ExitOK || r.stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 0 and\n%s", r.code, r.stderr, want)
	}
	if r := runCLI(t, nil, "", false, "scan", "--no-state", "--from-file", example, "--credential-report", exampleReport, "--as-of", asOf); strings.Contains(r.stderr, "warning") {
		t.Errorf("the example export warns: %q", r.stderr)
	}
}

func TestScan_exampleConfig(t *testing.T) {
	r := runCLI(t, nil, "", false, "scan", "--config", "../../examples/iamsweep.yaml", "--from-file", example, "--credential-report", exampleReport, "--as-of", asOf)
	if r.code != ExitUnused || r.stderr != "" || !strings.Contains(r.stdout, ": 15 unused, 17 used, 15 exempt") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", r.code, r.stderr, r.stdout)
	}
}

// TestScan_decimalNumbers: numbers are decimal from every source: a
// leading zero is not octal, 0x is not hexadecimal, and a value that is not
// a whole number gets iamsweep's message, not strconv's.
func TestScan_decimalNumbers(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "iamsweep.yaml")
	if err := os.WriteFile(cfg, []byte("unused-days: 030\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	days := func(t *testing.T, r result) float64 {
		t.Helper()
		var doc struct {
			UnusedDays float64 `json:"unused_days"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("not JSON (%v): exit %d, stdout %q, stderr %q", err, r.code, r.stdout, r.stderr)
		}
		return doc.UnusedDays
	}
	scan := []string{"scan", "--from-file", example, "--as-of", asOf, "-o", "json"}
	t.Run("leading zero", func(t *testing.T) {
		for _, r := range []result{
			runCLI(t, nil, "", false, append(scan, "--unused-days", "030")...),
			runCLI(t, nil, "", false, append(scan, "--unused-days=030")...),
			runCLI(t, map[string]string{"IAMSWEEP_UNUSED_DAYS": "030"}, "", false, scan...),
			runCLI(t, nil, "", false, append(scan, "--config", cfg)...),
			runCLI(t, nil, "", false, append(scan, "--concurrency", "010", "--unused-days", "30")...),
		} {
			if got := days(t, r); got != 30 {
				t.Errorf("unused_days = %v, want 30 (decimal)", got)
			}
		}
	})
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"hexadecimal flag", []string{"--unused-days", "0x10"}, nil, `iamsweep: --unused-days: want a whole number, got "0x10"`},
		{"octal prefix flag", []string{"--unused-days", "0o30"}, nil, `iamsweep: --unused-days: want a whole number, got "0o30"`},
		{"word flag", []string{"--unused-days", "abc"}, nil, `iamsweep: --unused-days: want a whole number, got "abc"`},
		{"fraction flag", []string{"--unused-days", "90.5"}, nil, `iamsweep: --unused-days: want a whole number, got "90.5"`},
		{"fraction concurrency", []string{"--org", "--concurrency", "1.5"}, nil, `iamsweep: --concurrency: want a whole number, got "1.5"`},
		{"hexadecimal env", nil, map[string]string{"IAMSWEEP_UNUSED_DAYS": "0x10"}, `iamsweep: IAMSWEEP_UNUSED_DAYS: want a whole number, got "0x10"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, "", false, append(scan, tt.args...)...)
			if r.code != ExitUsage || r.stdout != "" || r.stderr != tt.want+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", r.code, r.stdout, r.stderr, tt.want)
			}
			if strings.Contains(r.stderr, "strconv") {
				t.Errorf("stderr %q quotes strconv", r.stderr)
			}
		})
	}
}

// TestScan_asOfRange: --as-of takes a time from 2006-01-01 (AWS IAM's
// start) to a year after now; anything else is refused, never taken as
// "now" (the zero time) or overflowed into absurd idle periods.
func TestScan_asOfRange(t *testing.T) {
	tests := []struct {
		asOf string
		env  bool // IAMSWEEP_AS_OF rather than the flag
		want string
	}{
		{asOf: "0001-01-01T00:00:00Z", want: "iamsweep: --as-of: want a time from 2006-01-01 (when AWS IAM started) to 2027-11-23 (a year from now), got 0001-01-01T00:00:00Z"},
		{asOf: "9999-12-31T23:59:59Z", want: "iamsweep: --as-of: want a time from 2006-01-01 (when AWS IAM started) to 2027-11-23 (a year from now), got 9999-12-31T23:59:59Z"},
		{asOf: "2005-12-31T23:59:59Z", want: "iamsweep: --as-of: want a time from 2006-01-01"},
		{asOf: "2027-11-23T00:00:01Z", want: "iamsweep: --as-of: want a time from 2006-01-01"},
		{asOf: "0001-01-01", env: true, want: "iamsweep: IAMSWEEP_AS_OF: as-of: want a time from 2006-01-01"},
		{asOf: "2006-01-01"},
		{asOf: "2027-11-23T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.asOf, func(t *testing.T) {
			args := []string{"scan", "--from-file", example, "-o", "json"}
			var env map[string]string
			if tt.env {
				env = map[string]string{"IAMSWEEP_AS_OF": tt.asOf}
			} else {
				args = append(args, "--as-of", tt.asOf)
			}
			r := runCLI(t, env, "", false, args...)
			if tt.want == "" {
				if r.code != ExitOK && r.code != ExitUnused {
					t.Errorf("exit %d, stderr %q; want the scan to run", r.code, r.stderr)
				}
				return
			}
			if r.code != ExitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
}

// TestScan_configNotAFile: a --config that cannot be read is an input
// error (exit 2) said once.
func TestScan_configNotAFile(t *testing.T) {
	dir := t.TempDir()
	for _, env := range []bool{false, true} {
		args := []string{"scan", "--from-file", example}
		var vars map[string]string
		if env {
			vars = map[string]string{"IAMSWEEP_CONFIG": dir}
		} else {
			args = append(args, "--config", dir)
		}
		r := runCLI(t, vars, "", false, args...)
		want := "iamsweep: " + dir + ": read config file: is a directory\n"
		if r.code != ExitUsage || r.stdout != "" || r.stderr != want {
			t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", r.code, r.stdout, r.stderr, want)
		}
	}
}
