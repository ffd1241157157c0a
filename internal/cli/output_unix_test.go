//go:build unix

package cli

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// device makes a character device like the system one at sys (1,3 is
// /dev/null, 1,7 is /dev/full) in dir, so that a broken --out could only
// ever replace the test's own node. Without the right to make device nodes
// it returns the system's, which such a user cannot replace either.
func device(t *testing.T, dir, sys string, minor int) string {
	t.Helper()
	p := filepath.Join(dir, filepath.Base(sys))
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|minor); err == nil {
		return p
	}
	return sys
}

func isCharDevice(t *testing.T, p string) bool {
	t.Helper()
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode()&fs.ModeCharDevice != 0
}

func mode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

// scanTo runs a JSON scan of the example export with --out path.
func scanTo(t *testing.T, path string) result {
	t.Helper()
	return runCLI(t, nil, "", false, "scan", "--from-file", example, "--credential-report", exampleReport, "--as-of", asOf, "-o", "json", "--out", path)
}

func isReport(t *testing.T, p string) bool {
	t.Helper()
	data, err := os.ReadFile(p)
	return err == nil && json.Valid(data) && strings.Contains(string(data), `"schema_version"`)
}

// TestScan_outFiles: --out replaces a regular file atomically and keeps its
// mode, and gives a new file the default mode.
func TestScan_outFiles(t *testing.T) {
	for _, perm := range []fs.FileMode{0o444, 0o600, 0o640} {
		t.Run(perm.String(), func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "findings.json")
			if err := os.WriteFile(p, []byte("old"), perm); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, perm); err != nil { // past the umask
				t.Fatal(err)
			}
			if r := scanTo(t, p); r.code != ExitUnused || r.stdout != "" || r.stderr != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			if !isReport(t, p) {
				t.Error("the file does not hold the report")
			}
			if got := mode(t, p); got != perm {
				t.Errorf("mode %v after --out, want %v kept", got, perm)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("directory holds %d entries, want only the report", len(entries))
			}
		})
	}
	t.Run("new file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "new.json")
		if r := scanTo(t, p); r.code != ExitUnused {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		if got := mode(t, p); got != newFileMode {
			t.Errorf("mode %v, want %v", got, newFileMode)
		}
	})
}

// TestScan_outSymlink: through a symbolic link, --out replaces the target
// atomically (keeping its mode) and the link stays a link.
func TestScan_outSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "reports", "findings.json")
	if err := os.Mkdir(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("reports/findings.json", link); err != nil {
		t.Fatal(err)
	}
	// A chain of two links ends at the same target.
	link2 := filepath.Join(dir, "link2.json")
	if err := os.Symlink(link, link2); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{link, link2} {
		if r := scanTo(t, l); r.code != ExitUnused {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		if mode(t, l)&fs.ModeSymlink == 0 {
			t.Fatalf("%s is no longer a symbolic link", l)
		}
		if !isReport(t, target) || mode(t, target) != 0o600 {
			t.Errorf("target: report %t, mode %v; want the report, mode 0600 kept", isReport(t, target), mode(t, target))
		}
	}
	// A dangling link creates its target.
	dangling := filepath.Join(dir, "dangling.json")
	if err := os.Symlink("reports/later.json", dangling); err != nil {
		t.Fatal(err)
	}
	if r := scanTo(t, dangling); r.code != ExitUnused {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if mode(t, dangling)&fs.ModeSymlink == 0 || !isReport(t, filepath.Join(dir, "reports", "later.json")) {
		t.Error("a dangling link did not get its target written")
	}
}

// TestScan_outDevices: character devices and pipes are written through,
// never replaced, and a write error is reported.
func TestScan_outDevices(t *testing.T) {
	dir := t.TempDir()
	t.Run("null device", func(t *testing.T) {
		null := device(t, dir, "/dev/null", 3)
		if r := scanTo(t, null); r.code != ExitUnused || r.stderr != "" {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		if !isCharDevice(t, null) {
			t.Errorf("%s is no longer a character device: %v", null, mode(t, null))
		}
	})
	t.Run("full device", func(t *testing.T) {
		full := device(t, dir, "/dev/full", 7)
		r := scanTo(t, full)
		if r.code != ExitFailure || !strings.Contains(r.stderr, "no space left on device") {
			t.Errorf("exit %d, stderr %q; want exit 1 and the write error", r.code, r.stderr)
		}
		if !isCharDevice(t, full) {
			t.Errorf("%s is no longer a character device: %v", full, mode(t, full))
		}
	})
	t.Run("FIFO, and a link to it", func(t *testing.T) {
		fifo := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("cannot make a FIFO here: %v", err)
		}
		link := filepath.Join(dir, "stdout") // as /dev/stdout links to a pipe
		if err := os.Symlink(fifo, link); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{fifo, link} {
			// The test's end is open for reading and writing, so that neither
			// its open nor iamsweep's blocks, and so that it can end what it
			// reads itself: after the scan it writes a JSON value of its own,
			// which the reader decodes only if iamsweep wrote nothing.
			end, err := os.OpenFile(fifo, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := make(chan map[string]any, 1)
			go func() {
				var doc map[string]any
				_ = json.NewDecoder(end).Decode(&doc)
				got <- doc
			}()
			r := scanTo(t, p)
			if _, err := end.WriteString(`{"written_by": "the test"}` + "\n"); err != nil {
				t.Fatal(err)
			}
			doc := <-got
			end.Close()
			if r.code != ExitUnused || doc["schema_version"] == nil {
				t.Errorf("--out %s: exit %d, stderr %q; the reader got %v", p, r.code, r.stderr, doc)
			}
			if mode(t, fifo)&fs.ModeNamedPipe == 0 || mode(t, link)&fs.ModeSymlink == 0 {
				t.Errorf("--out %s replaced a node: fifo %v, link %v", p, mode(t, fifo), mode(t, link))
			}
		}
	})
}

// TestScan_outDirectory: a directory is refused as an input error, and
// the plan's --out follows the same rules.
func TestScan_outDirectory(t *testing.T) {
	dir := t.TempDir()
	r := scanTo(t, dir)
	if r.code != ExitUsage || r.stdout != "" || r.stderr != "iamsweep: "+dir+": is a directory: the output must be a file\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the directory holds %d entries, want none", len(entries))
	}

	state := filepath.Join(t.TempDir(), "state.db")
	if r := runCLI(t, nil, "", false, "scan", "--from-file", example, "--as-of", asOf, "--state", state); r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, nil, "", false, "plan", "--state", state, "--out", dir)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "is a directory") {
		t.Errorf("plan --out DIR: exit %d, stderr %q", r.code, r.stderr)
	}
	plan := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(plan, []byte("old"), 0o400); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "", false, "plan", "--state", state, "--out", plan)
	if r.code != ExitOK || mode(t, plan) != 0o400 {
		t.Errorf("plan --out over a 0400 file: exit %d, mode %v, stderr %q", r.code, mode(t, plan), r.stderr)
	}
}
