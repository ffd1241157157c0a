package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migration is one schema change: migrations/NNNN_name.sql, and for a
// change of how data is stored, a Go step run after the SQL in the same
// transaction.
type migration struct {
	version int
	name    string
	sql     string
	step    func(ctx context.Context, tx *sql.Tx) error
}

// goSteps are the Go steps of migrations, by file name without its
// number.
var goSteps = map[string]func(ctx context.Context, tx *sql.Tx) error{
	"finding_chunks.sql": convertFindings,
	"plan_files.sql":     convertPlans,
}

// loadMigrations reads NNNN_name.sql files from fsys; their versions must
// run 1, 2, 3... without a gap.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var out []migration
	for _, name := range names {
		prefix, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{version: v, name: name, sql: string(body), step: goSteps[rest]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", m.name, i+1)
		}
	}
	return out, nil
}

// queryRower is a *sql.DB or a *sql.Tx.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion returns the highest applied migration, 0 for a new database.
func schemaVersion(ctx context.Context, q queryRower) (int, error) {
	var n int
	err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	if err != nil || n == 0 {
		return 0, err
	}
	var v int
	err = q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// migrate applies the migrations the database lacks, each in its own
// IMMEDIATE transaction that first checks again that no other process
// applied it meanwhile. A database newer than the migrations is refused.
func (s *Store) migrate(ctx context.Context, fsys fs.FS) error {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return err
	}
	have, err := schemaVersion(ctx, s.db)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > len(ms) {
		return fmt.Errorf("schema version %d is newer than this iamsweep knows (%d): upgrade iamsweep or use another --state file", have, len(ms))
	}
	for _, m := range ms[have:] {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migrate schema to version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// apply runs one migration in a transaction, unless it has been applied.
func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
) STRICT`); err != nil {
		return err
	}
	have, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if have >= m.version {
		return nil // another process got there first
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if m.step != nil {
		if err := m.step(ctx, tx); err != nil {
			return err
		}
	}
	at, err := timeArg(s.now())
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, at); err != nil {
		return err
	}
	return tx.Commit()
}
