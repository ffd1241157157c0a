package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/iamsweep/iamsweep"
)

// MakeReadOnly makes the files and directories given unwritable for this
// process, whoever runs it: immutable (as chattr +i) when it runs as root,
// else without write permission. Cleanup undoes it.
func makeReadOnly(t *testing.T, paths ...string) {
	t.Helper()
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
			f, err := os.Open(p)
			if err != nil {
				return
			}
			defer f.Close()
			_ = unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags))
		})
	}
	// Check that it worked.
	if f, err := os.OpenFile(paths[0], os.O_RDWR, 0); err == nil {
		f.Close()
		t.Fatalf("%s is still writable", paths[0])
	}
}

// TestOpenReadOnly reads a database in a directory nobody may write, as a
// read-only mount or another user's data directory is.
func TestOpenReadOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "state.db")
	st, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	b := iamsweep.Backup{ID: "b-1", ARN: "arn:aws:iam::111122223333:role/r", Principal: "role", AccountID: "111122223333",
		Created: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), PlanID: "p-1", ActionID: "a001",
		Role: &iamsweep.RoleState{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/r", Name: "r", Path: "/", TrustPolicy: "{}"}}
	if err := st.SaveBackup(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	makeReadOnly(t, path, dir)

	if _, err := Open(t.Context(), path); err == nil {
		t.Fatal("Open of a read-only database succeeded: the test does not make it read-only")
	}
	ro, err := OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	defer ro.Close()
	bs, err := ro.Backups(t.Context(), "")
	if err != nil || len(bs) != 1 || bs[0].ID != "b-1" {
		t.Errorf("Backups = %v, %v; want b-1", bs, err)
	}
	if _, err := ro.History(t.Context(), b.ARN); err != nil {
		t.Errorf("History: %v", err)
	}
	if err := ro.SaveBackup(t.Context(), iamsweep.Backup{ID: "b-2"}); err == nil {
		t.Error("a read-only store saved a backup")
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Errorf("the directory held %d entries, now %d", len(before), len(after))
	}
}

func TestOpenReadOnly_missing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none", "state.db")
	if _, err := OpenReadOnly(t.Context(), path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("OpenReadOnly created the directory")
	}
}

// fsImmutable is FS_IMMUTABLE_FL of linux/fs.h, which x/sys/unix does not
// define.
const fsImmutable = 0x00000010
