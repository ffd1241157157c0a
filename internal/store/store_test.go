package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/iamsweep/iamsweep"
)

func TestOpen_createsPrivateDirectoryAndFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "iamsweep", "state.db")
	s := openAt(t, path)
	if s.path != path {
		t.Errorf("path = %q, want %q", s.path, path)
	}
	if runtime.GOOS == "windows" {
		return // no Unix modes
	}
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %v, want %v", p, got, want)
		}
	}
}

func TestOpen_settings(t *testing.T) {
	s, _ := openTest(t)
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "2"}, // FULL
		{"busy_timeout", "10000"},
	}
	for _, tt := range tests {
		var got string
		if err := s.db.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
		}
	}
}

func TestOpen_pathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?#%", "state.db")
	s := openAt(t, path)
	if _, err := s.BeginStep(t.Context(), "p", "a", deletePolicy, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not at %s: %v", path, err)
	}
}

func TestOpen_rejectsNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), path)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded on a text file")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}

// migrationsWith returns the embedded migrations plus extra files.
func migrationsWith(t *testing.T, extra map[string]string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(embedded, "migrations", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(embedded, p)
		m[filepath.Base(p)] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range extra {
		m[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return m
}

// known is the number of embedded migrations: the schema version Open
// brings a database to.
func known(t *testing.T) int {
	t.Helper()
	ms, err := loadMigrations(migrationsWith(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// next names a migration file of the version after the embedded ones.
func next(t *testing.T, name string) string {
	return fmt.Sprintf("%04d_%s.sql", known(t)+1, name)
}

// allVersions maps every version from 1 to n to at.
func allVersions(n int, at string) map[int]string {
	m := map[int]string{}
	for v := 1; v <= n; v++ {
		m[v] = at
	}
	return m
}

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func appliedMigrations(t *testing.T, s *Store) map[int]string {
	t.Helper()
	rows, err := s.db.QueryContext(t.Context(), `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int]string{}
	for rows.Next() {
		var (
			v  int
			at string
		)
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		got[v] = at
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestOpen_migrationsRunOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	ms := migrationsWith(t, map[string]string{
		next(t, "counter"): "CREATE TABLE counter (n INTEGER);\nINSERT INTO counter VALUES (1);",
	})
	for i, now := range []time.Time{t0, day(1), day(2)} {
		s, err := open(t.Context(), path, ms, clock(now))
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		var n int
		if err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM counter`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("open #%d: counter has %d rows; a migration ran again", i+1, n)
		}
		want := allVersions(known(t)+1, "2026-11-23T10:30:00.123456789Z")
		if diff := cmp.Diff(want, appliedMigrations(t, s)); diff != "" {
			t.Errorf("open #%d: schema_migrations (-want +got):\n%s", i+1, diff)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpen_concurrentFirstOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	stores := make([]*Store, 4)
	for i := range errs {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if got := appliedMigrations(t, stores[0]); len(got) != known(t) {
		t.Errorf("schema_migrations = %v, want versions 1 to %d once", got, known(t))
	}
}

func TestOpen_refusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	newer := migrationsWith(t, map[string]string{next(t, "next"): "CREATE TABLE next (x INTEGER);"})
	s, err := open(t.Context(), path, newer, clock(t0))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(t.Context(), path)
	if err == nil {
		s.Close()
		t.Fatalf("Open accepted a database of schema version %d; this code knows %d", known(t)+1, known(t))
	}
	for _, want := range []string{path, fmt.Sprintf("schema version %d", known(t)+1), fmt.Sprintf("knows (%d)", known(t))} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestOpen_failedMigrationRollsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	openAt(t, path) // the current version
	badName := next(t, "bad")
	bad := migrationsWith(t, map[string]string{
		badName: "CREATE TABLE half (x INTEGER);\nINSERT INTO nosuch VALUES (1);",
	})
	if s, err := open(t.Context(), path, bad, clock(t0)); err == nil {
		s.Close()
		t.Fatal("open succeeded with a failing migration")
	} else if !strings.Contains(err.Error(), badName) {
		t.Errorf("error %q does not name the migration", err)
	}
	s := openAt(t, path)
	if got := appliedMigrations(t, s); len(got) != known(t) {
		t.Errorf("schema_migrations = %v, want only versions 1 to %d", got, known(t))
	}
	var n int
	if err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM sqlite_schema WHERE name = 'half'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("table half exists: the failed migration was not rolled back")
	}
}

func TestLoadMigrations_rejectsBadSets(t *testing.T) {
	tests := []struct {
		name  string
		files []string
	}{
		{"gap", []string{"0001_a.sql", "0003_c.sql"}},
		{"duplicate version", []string{"0001_a.sql", "0001_b.sql"}},
		{"no number", []string{"init.sql"}},
		{"zero", []string{"0000_a.sql"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := fstest.MapFS{}
			for _, f := range tt.files {
				m[f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			if _, err := loadMigrations(m); err == nil {
				t.Errorf("loadMigrations(%v) succeeded", tt.files)
			}
		})
	}
}

// A second Store on the same file (another iamsweep process) sees what the
// first wrote while the first is still open.
func TestStore_secondStoreReadsWhileFirstIsOpen(t *testing.T) {
	s1, path := openTest(t)
	ctx := t.Context()
	scanID, err := s1.RecordScan(ctx, iamsweep.ScanResult{AsOf: t0, UnusedDays: 90, Findings: []iamsweep.Finding{fullFinding()}})
	if err != nil {
		t.Fatal(err)
	}
	b := iamsweep.Backup{ID: "b1", Created: t0, ARN: "arn:aws:iam::111122223333:role/app/reports", Principal: "role", Role: new(fullRoleState())}
	if err := s1.SaveBackup(ctx, b); err != nil {
		t.Fatal(err)
	}
	step, err := s1.BeginStep(ctx, "p1", "a001", backupStep, t0)
	if err != nil {
		t.Fatal(err)
	}

	s2 := openAt(t, path)
	id, res, err := s2.LatestScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id != scanID || len(res.Findings) != 1 {
		t.Errorf("LatestScan through the second store = %d with %d findings, want %d with 1", id, len(res.Findings), scanID)
	}
	if _, err := s2.LoadBackup(ctx, "b1"); err != nil {
		t.Errorf("LoadBackup through the second store: %v", err)
	}
	j, err := s2.Journal(ctx, "p1", "a001")
	if err != nil {
		t.Fatal(err)
	}
	if len(j) != 1 || j[0].ID != step || !j[0].Finished.IsZero() {
		t.Errorf("Journal through the second store = %+v, want entry %d unfinished", j, step)
	}
	// And the other way round.
	if err := s2.FinishStep(ctx, step, iamsweep.OutcomeDone, "", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	j, err = s1.Journal(ctx, "p1", "a001")
	if err != nil {
		t.Fatal(err)
	}
	if len(j) != 1 || j[0].Outcome != iamsweep.OutcomeDone {
		t.Errorf("Journal through the first store = %+v, want the entry done", j)
	}
}

// crashEnv names the database the helper process writes before it kills
// itself.
const crashEnv = "IAMSWEEP_STORE_TEST_CRASH_DB"

// A process killed (SIGKILL on Unix) right after BeginStep and FinishStep
// returned loses none of what they wrote: the next process reads the
// finished step and the one that was running.
func TestStore_journalSurvivesKill(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashHelper(t.Context(), path)
		return
	}
	path := filepath.Join(t.TempDir(), "state.db")
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestStore_journalSurvivesKill$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Success() {
		t.Fatalf("helper process: err %v, want killed; output:\n%s", err, out)
	}
	if len(out) > 0 {
		t.Fatalf("helper process failed before the kill:\n%s", out)
	}

	s := openAt(t, path)
	got, err := s.Journal(t.Context(), "p1", "a001")
	if err != nil {
		t.Fatal(err)
	}
	want := []iamsweep.JournalEntry{
		{ID: 1, PlanID: "p1", ActionID: "a001", Step: backupStep, Started: t0, Finished: t0.Add(time.Second), Outcome: iamsweep.OutcomeDone},
		{ID: 2, PlanID: "p1", ActionID: "a001", Step: deletePolicy, Started: t0.Add(2 * time.Second)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("journal after the kill (-want +got):\n%s", diff)
	}
}

// crashHelper writes two journal steps, the second left running, and kills
// its own process without closing the store. Errors go to stderr, which the
// parent test reports.
func crashHelper(ctx context.Context, path string) {
	fail := func(err error) {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(3)
	}
	s, err := Open(ctx, path)
	if err != nil {
		fail(err)
	}
	id, err := s.BeginStep(ctx, "p1", "a001", backupStep, t0)
	if err != nil {
		fail(err)
	}
	if err := s.FinishStep(ctx, id, iamsweep.OutcomeDone, "", t0.Add(time.Second)); err != nil {
		fail(err)
	}
	if _, err := s.BeginStep(ctx, "p1", "a001", deletePolicy, t0.Add(2*time.Second)); err != nil {
		fail(err)
	}
	p, err := os.FindProcess(os.Getpid())
	if err != nil {
		fail(err)
	}
	if err := p.Kill(); err != nil {
		fail(err)
	}
	select {} // until the signal lands
}
