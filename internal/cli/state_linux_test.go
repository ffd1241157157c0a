package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// makeReadOnly makes the files and directories given unwritable for this
// process, whoever runs it: immutable (as chattr +i) for root, else
// without write permission. Cleanup undoes it.
func makeReadOnly(t *testing.T, paths ...string) {
	t.Helper()
	const fsImmutable = 0x00000010 // FS_IMMUTABLE_FL of linux/fs.h
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&^0o222); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(p, fi.Mode().Perm()) })
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
		if err == nil {
			err = unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags|fsImmutable))
		}
		f.Close()
		if err != nil {
			t.Skipf("cannot make %s immutable here: %v", p, err)
		}
		t.Cleanup(func() {
			if f, err := os.Open(p); err == nil {
				_ = unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags))
				f.Close()
			}
		})
	}
	if f, err := os.OpenFile(paths[0], os.O_RDWR, 0); err == nil {
		f.Close()
		t.Fatalf("%s is still writable", paths[0])
	}
}

// TestState_readOnly: backups and history read a state database the user
// may not write (a read-only mount, another user's directory).
func TestState_readOnly(t *testing.T) {
	s := newSession(t)
	s.scanAndPlan()
	if r := s.run("", "apply", "--yes", "--as-of", asOf); r.code != ExitOK {
		t.Fatalf("apply: exit %d, stderr %s", r.code, r.stderr)
	}
	arn := "arn:aws:iam::111122223333:role/legacy/old-etl-role"
	want := map[string]result{}
	cmds := map[string][]string{
		"backups":      {"backups"},
		"backups ARN":  {"backups", arn, "-o", "json"},
		"history":      {"history", arn},
		"history json": {"history", arn, "-o", "json"},
	}
	for name, args := range cmds {
		want[name] = s.run("", args...)
		if want[name].code != ExitOK {
			t.Fatalf("%s: exit %d, stderr %s", name, want[name].code, want[name].stderr)
		}
	}
	makeReadOnly(t, s.state, filepath.Dir(s.state))
	if r := s.run("", "plan"); r.code == ExitOK {
		t.Fatal("plan wrote to the read-only state database: the test does not make it read-only")
	}
	for name, args := range cmds {
		r := s.run("", args...)
		if r.code != ExitOK || r.stdout != want[name].stdout || r.stderr != "" {
			t.Errorf("%s on a read-only state: exit %d, stderr %q, stdout %s", name, r.code, r.stderr, r.stdout)
		}
	}
}

// TestState_missing: where nothing was recorded yet, backups and history
// say so and create no database.
func TestState_missing(t *testing.T) {
	state := filepath.Join(t.TempDir(), "data", "state.db")
	arn := "arn:aws:iam::111122223333:role/x"
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"backups"}, ExitOK, "No backups.\n"},
		{[]string{"backups", "-o", "json"}, ExitOK, "[]\n"},
		{[]string{"history", arn}, ExitOK, "No recorded scan holds " + arn + ".\n"},
		{[]string{"backups", "b-1"}, ExitUsage, ""},
	}
	for _, tt := range tests {
		r := runCLI(t, nil, "", false, append(tt.args, "--state", state)...)
		if r.code != tt.code || r.stdout != tt.want {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", strings.Join(tt.args, " "), r.code, r.stdout, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Dir(state)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a read made the state directory (stat: %v)", err)
	}
}
