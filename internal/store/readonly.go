package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// OpenReadOnly opens an existing state database for reading only, for the
// commands that never write (backups, history). It creates nothing and
// migrates nothing, so it works on a file, or in a directory, that the
// caller may not write. A missing database is an error that wraps
// fs.ErrNotExist; a schema of another version than this code's is refused
// (a command that writes upgrades an older one).
//
// When the directory cannot hold SQLite's shared-memory file either, the
// database is opened as immutable: SQLite then takes no locks, so a write
// by another process while it reads could go unseen. Nobody who may write
// there runs this process's iamsweep, so that is the rare case it serves.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	migrations, err := fs.Sub(embedded, "migrations")
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	ms, err := loadMigrations(migrations)
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	s, err := openReadOnly(ctx, abs, len(ms), false)
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqliteCantOpen {
		// No shared-memory file, and none can be made.
		s, err = openReadOnly(ctx, abs, len(ms), true)
	}
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	return s, nil
}

// openReadOnly opens abs read-only and checks that its schema is version
// want.
func openReadOnly(ctx context.Context, abs string, want int, immutable bool) (*Store, error) {
	db, err := sql.Open("sqlite", readOnlyDSN(abs, immutable))
	if err != nil {
		return nil, err
	}
	have, err := schemaVersion(ctx, db)
	if err == nil && have != want {
		err = fmt.Errorf("schema version %d, this iamsweep reads version %d: run a command that writes (scan, plan) with this iamsweep to upgrade it, or use the iamsweep that wrote it", have, want)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{db: db, path: abs, now: time.Now}, nil
}

// sqliteCantOpen is SQLITE_CANTOPEN.
const sqliteCantOpen = 14

// readOnlyDSN is dsn for a read-only connection: no journal mode to set,
// nothing to sync, no write lock to take.
func readOnlyDSN(abs string, immutable bool) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	u := url.URL{Scheme: "file", Path: p}
	q := url.Values{}
	q.Set("mode", "ro")
	if immutable {
		q.Set("immutable", "1")
	}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "query_only(1)")
	return u.String() + "?" + q.Encode()
}
