package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"

	// The pure-Go SQLite driver, registered as "sqlite".
	"modernc.org/sqlite"
)

// busyTimeout is how long a statement waits for another connection or
// process holding the database's write lock before it fails.
const busyTimeout = 10 * time.Second

//go:embed migrations/*.sql
var embedded embed.FS

// Store is the SQLite state store. It implements iamsweep.Store. Its
// methods are safe for concurrent use, and several Stores (in one process or
// several) may use the same file at once.
type Store struct {
	db   *sql.DB
	path string
	// now gives the time of the records the interface does not pass a time
	// for (a scan's recorded_at, a migration's applied_at).
	now func() time.Time
}

var _ iamsweep.Store = (*Store)(nil)

// Open opens the state database at path, creating it and its directory
// (mode 0700; the file 0600) when missing, and brings its schema up to date.
// It refuses a database whose schema is newer than this code knows.
func Open(ctx context.Context, path string) (*Store, error) {
	migrations, err := fs.Sub(embedded, "migrations")
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	return open(ctx, path, migrations, time.Now)
}

// open is Open with the migrations and the clock given.
func open(ctx context.Context, path string, migrations fs.FS, now func() time.Time) (*Store, error) {
	if path == "" {
		return nil, errors.New("open state: no path given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	// Create the file ourselves so that it is private: SQLite would create it
	// with the umask's default, and its -wal and -shm files copy its mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}

	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	s := &Store{db: db, path: abs, now: now}
	if err := s.setupRetrying(ctx, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	return s, nil
}

// dsn is the driver's data source name for the database file at abs. The
// pragmas run on every connection the pool opens: busy_timeout and
// foreign_keys are per connection. Transactions begin IMMEDIATE, taking the
// write lock at once, so that a read-then-write transaction can never fail
// half-way because another process wrote in between.
func dsn(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:///C:/...
	}
	u := url.URL{Scheme: "file", Path: p}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	return u.String() + "?" + q.Encode()
}

// setupRetrying runs setup, again while SQLite answers SQLITE_BUSY, for up
// to busyTimeout. The busy timeout covers waits for locks, but not a
// connection that switches a new file to WAL while another process does
// the same: SQLite then fails at once rather than risk a deadlock.
func (s *Store) setupRetrying(ctx context.Context, migrations fs.FS) error {
	deadline := time.Now().Add(busyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := s.setup(ctx, migrations)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// sqliteBusy is SQLITE_BUSY, the primary result code of a lock not taken.
const sqliteBusy = 5

// setup checks the connection's settings and migrates the schema.
func (s *Store) setup(ctx context.Context, migrations fs.FS) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not WAL (is the file on a network file system?)", mode)
	}
	return s.migrate(ctx, migrations)
}

// Close closes the database. Records already written stay on disk.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close state %s: %w", s.path, err)
	}
	return nil
}

// timeLayout is how times are stored: UTC, fixed width (so text order is
// time order), nanoseconds kept.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// timeArg returns t as a column value: NULL for the zero time, else UTC text
// in timeLayout. Years outside 0-9999 have no such text and are an error.
func timeArg(t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	u := t.UTC()
	if y := u.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("time %s out of range", t)
	}
	return u.Format(timeLayout), nil
}

// parseTime reads a column written by timeArg; NULL gives the zero time.
func parseTime(v sql.NullString) (time.Time, error) {
	if !v.Valid {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", v.String, err)
	}
	return t.UTC(), nil
}

// timeArgs converts several times, returning the first error.
func timeArgs(ts ...time.Time) ([]any, error) {
	out := make([]any, len(ts))
	for i, t := range ts {
		v, err := timeArg(t)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// rollback ends a transaction that did not commit. Its error is dropped
// because the error that made the caller give up is the one to report, and
// a rolled-back or already-committed transaction has nothing left to lose.
func rollback(tx *sql.Tx) { _ = tx.Rollback() }
