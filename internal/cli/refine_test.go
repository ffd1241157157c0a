package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep/internal/policy"
)

// The offline refine example of docs/refine.md.
const (
	refineExport = "../../examples/refine/export.json"
	refineAccess = "../../examples/refine/access"
)

func refineArgs(extra ...string) []string {
	return append([]string{"refine", "--from-file", refineExport, "--access-dir", refineAccess, "--as-of", asOf,
		"--window", "/backup/*=400", "--exempt-tag", "breakglass"}, extra...)
}

func TestRefine_golden(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		tty  bool
	}{
		{"table", refineArgs("--all"), false},
		{"table-tty", refineArgs("--all"), true},
		{"json", refineArgs("--all", "-o", "json"), false},
		{"csv", refineArgs("--all", "-o", "csv"), false},
		{"one-role", refineArgs("arn:aws:iam::111122223333:role/data/etl"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, "", tt.tty, tt.args...)
			if r.code != ExitUnused || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			golden(t, tt.name, r.stdout)
		})
	}
}

func TestRefine_outDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "refined")
	r := runCLI(t, nil, "", false, refineArgs("--all", "--out", dir)...)
	if r.code != ExitUnused {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	golden(t, "files", strings.Join(files, "\n")+"\n")
	// Every policy file is a policy document IAM takes, and summary.json
	// names them.
	var summary struct {
		Files []string `json:"files"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &summary); err != nil {
		t.Fatal(err)
	}
	if len(summary.Files) != len(files)-1 {
		t.Errorf("summary names %d files, %d written besides it", len(summary.Files), len(files)-1)
	}
	for _, f := range summary.Files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := policy.Parse(data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestRefine_outputFromEnvironment(t *testing.T) {
	r := runCLI(t, map[string]string{"IAMSWEEP_OUTPUT": "html"}, "", false, refineArgs("arn:aws:iam::111122223333:role/data/etl")...)
	if r.code != ExitUnused || !strings.Contains(r.stdout, "etl-glue (customer-managed)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestRefine_errors(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"neither ARNs nor all", refineArgs(), ExitUsage, "give the ARNs of the roles and users to refine, or --all"},
		{"both", refineArgs("--all", "arn:aws:iam::111122223333:role/data/etl"), ExitUsage, "not both"},
		{"not a principal ARN", refineArgs("arn:aws:s3:::bucket"), ExitUsage, "is not the ARN of an IAM role or user"},
		{"unknown principal", refineArgs("arn:aws:iam::111122223333:role/nope"), ExitUsage, "the export holds no role or user arn:aws:iam::111122223333:role/nope"},
		{"access dir alone", []string{"refine", "--all", "--access-dir", refineAccess}, ExitUsage, "access-dir"},
		{"export alone", []string{"refine", "--all", "--from-file", refineExport}, ExitUsage, "refine offline needs access-dir too"},
		{"missing access dir", []string{"refine", "--all", "--from-file", refineExport, "--access-dir", "/nonexistent"}, ExitUsage, "/nonexistent"},
		{"html", refineArgs("--all", "-o", "html"), ExitUsage, "refine writes table, json or csv"},
		{"out is a file", refineArgs("--all", "--out", notDir), ExitUsage, "is not a directory"},
		{"bad window", refineArgs("--all", "--window", "/x"), ExitUsage, "PATTERN=DAYS"},
		{"export without policies", []string{"refine", "--all", "--from-file", example, "--access-dir", refineAccess}, ExitUsage, "export the Policies list too"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, "", false, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d with %q", r.code, r.stdout, r.stderr, tt.code, tt.want)
			}
		})
	}
}
