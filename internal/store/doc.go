// Package store is iamsweep's state store: an SQLite database, through the
// pure-Go driver modernc.org/sqlite (no cgo), that holds scans and their
// findings (so a principal's history says since when it has been unused;
// the findings compressed in chunks, see findings.go), saved plans (as
// their plan files, internal/planfile), backups of principals taken before
// they were changed, the journal of remediation steps, and the leases that
// keep two apply runs off the same principal. For the owner workflow
// (iamsweep serve, workflow.go) it also holds named secrets, exceptions,
// decisions, decision-link tokens (hashed), the notice journal (each
// finding's notice at each stage sent at most once), escalation states and
// each finding's history events. Prune deletes the scans a retention does
// not keep.
//
// The database runs in WAL mode with synchronous=FULL, so a journal entry
// is on disk when BeginStep or FinishStep returns and survives the process
// being killed at any moment. Its schema is versioned: the SQL files under
// migrations/ are applied in order, each in its own transaction (with, for
// a change of how data is stored, a Go step in the same transaction), and
// a database written by a newer iamsweep is refused. Backups are never
// updated or deleted, not even by the store (triggers refuse it).
//
// Layer: adapter. It imports the root package, the pure packages,
// database/sql, its driver modernc.org/sqlite and the standard library;
// never the services, the entry points or other adapters.
package store
