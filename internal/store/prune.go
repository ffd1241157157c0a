package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/planfile"
)

// Pruned reports what Prune deleted.
type Pruned struct {
	// Scans and Findings count the scans deleted and their findings.
	Scans    int
	Findings int
	// Plans counts the plans deleted with their scans.
	Plans int
	// LinkTokens counts the decision-link tokens deleted: those expired
	// (used or not). Events counts the history events deleted: those
	// older than the retention's older-than (keep-scans alone keeps them).
	LinkTokens int
	Events     int
	// KeptForPlans counts the scans the rules let go that were kept
	// because a kept plan refers to them.
	KeptForPlans int
	// Freed is the size of the database pages the deletion freed: space
	// the next scans reuse, or that Vacuum gives back.
	Freed int64
}

// Prune deletes the scans that retention r does not keep, as of now, with
// their findings, and the plans made from them that nothing else needs.
//
// A complete scan is deleted when no rule of r keeps it: it is not one of
// the r.KeepScans most recently recorded, and its as-of time is more than
// r.OlderThan before now (a zero field is no rule; r without a rule is an
// error). Whatever the rules say, these are kept: the latest scan (plan
// reads it); scans still being recorded; and every scan a kept plan refers
// to. A plan is kept when it is the latest plan (apply runs it), when the
// journal or a backup names it (it was applied), or when not all of its
// scans are deleted; a plan made by an iamsweep that did not record its
// scan refers to the scans of its as-of time and threshold, and a plan
// none of whose scans exist is kept. Backups and the journal are never
// deleted. For the owner workflow, Prune also deletes the decision-link
// tokens that have expired (a link then answers "unknown" rather than
// "expired"), and the history events older than r.OlderThan; decisions,
// exceptions, escalation states and the notice journal (which keeps a
// notice from being sent twice) are never deleted. Prune does not shrink the file: the space it frees is reused by
// later scans, or given back by Vacuum.
func (s *Store) Prune(ctx context.Context, r iamsweep.Retention, now time.Time) (Pruned, error) {
	if r.IsZero() {
		return Pruned{}, errors.New("prune state: no retention rule (keep-scans or older-than)")
	}
	if r.KeepScans < 0 || r.OlderThan < 0 {
		return Pruned{}, fmt.Errorf("prune state: negative retention (keep-scans %d, older-than %s)", r.KeepScans, r.OlderThan)
	}
	p, err := s.prune(ctx, r, now)
	if err != nil {
		return Pruned{}, fmt.Errorf("prune state: %w", err)
	}
	return p, nil
}

func (s *Store) prune(ctx context.Context, r iamsweep.Retention, now time.Time) (Pruned, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Pruned{}, err
	}
	defer rollback(tx)
	usedBefore, err := usedBytes(ctx, tx)
	if err != nil {
		return Pruned{}, err
	}
	var out Pruned
	if out.LinkTokens, out.Events, err = pruneWorkflow(ctx, tx, r, now); err != nil {
		return Pruned{}, err
	}
	candidates, err := pruneCandidates(ctx, tx, r, now)
	if err != nil {
		return Pruned{}, err
	}
	var plans []planRef
	if len(candidates) > 0 {
		if plans, err = readPlanRefs(ctx, tx); err != nil {
			return Pruned{}, err
		}
	}
	// A plan goes with its scans only when it is neither the latest nor
	// applied, and all its scans go; the scans of a plan that stays, stay.
	// Keeping a scan can keep another plan (of the same as-of time), and
	// so on, until nothing changes.
	goes := func(p planRef) bool {
		if p.latest || p.applied || len(p.scans) == 0 {
			return false
		}
		for _, id := range p.scans {
			if !candidates[id] {
				return false
			}
		}
		return true
	}
	for changed := true; changed; {
		changed = false
		for _, p := range plans {
			if goes(p) {
				continue
			}
			for _, id := range p.scans {
				if candidates[id] {
					delete(candidates, id)
					out.KeptForPlans++
					changed = true
				}
			}
		}
	}
	var dropPlans []string
	for _, p := range plans {
		if goes(p) {
			dropPlans = append(dropPlans, p.id)
		}
	}

	for _, id := range sortedIDs(candidates) {
		var n sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT sum(count) FROM finding_chunks WHERE scan_id = ?`, id).Scan(&n); err != nil {
			return Pruned{}, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM finding_chunks WHERE scan_id = ?`, id); err != nil {
			return Pruned{}, fmt.Errorf("delete scan %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scans WHERE id = ?`, id); err != nil {
			return Pruned{}, fmt.Errorf("delete scan %d: %w", id, err)
		}
		out.Scans++
		out.Findings += int(n.Int64)
	}
	for _, id := range dropPlans {
		if _, err := tx.ExecContext(ctx, `DELETE FROM plans WHERE id = ?`, id); err != nil {
			return Pruned{}, fmt.Errorf("delete plan %s: %w", id, err)
		}
		out.Plans++
	}
	usedAfter, err := usedBytes(ctx, tx)
	if err != nil {
		return Pruned{}, err
	}
	if err := tx.Commit(); err != nil {
		return Pruned{}, err
	}
	out.Freed = usedBefore - usedAfter
	return out, nil
}

// pruneCandidates returns the complete scans no rule of r keeps, but the
// latest.
func pruneCandidates(ctx context.Context, tx *sql.Tx, r iamsweep.Retention, now time.Time) (map[int64]bool, error) {
	cutoff := any(nil)
	if r.OlderThan > 0 {
		c, err := timeArg(now.Add(-r.OlderThan))
		if err != nil {
			return nil, err
		}
		cutoff = c
	}
	// Scans by recording order, newest first: the first is the latest,
	// the first KeepScans are kept by count.
	rows, err := tx.QueryContext(ctx, `SELECT id, ?1 IS NOT NULL AND as_of < ?1 FROM scans WHERE complete = 1 ORDER BY id DESC`, cutoff)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for i := 0; rows.Next(); i++ {
		var (
			id  int64
			old bool
		)
		if err := rows.Scan(&id, &old); err != nil {
			return nil, err
		}
		keptByCount := r.KeepScans > 0 && i < r.KeepScans
		keptByAge := r.OlderThan > 0 && !old
		if i > 0 && !keptByCount && !keptByAge {
			out[id] = true
		}
	}
	return out, rows.Err()
}

// planRef is what Prune needs to know of a plan.
type planRef struct {
	id      string
	latest  bool
	applied bool
	// scans are the IDs of the scans the plan refers to.
	scans []int64
}

// readPlanRefs reads every plan's scans and whether it may go.
func readPlanRefs(ctx context.Context, tx *sql.Tx) ([]planRef, error) {
	rows, err := tx.QueryContext(ctx, `SELECT p.id, p.scan_id, p.format, p.body,
			p.rowid = (SELECT max(rowid) FROM plans),
			EXISTS (SELECT 1 FROM journal j WHERE j.plan_id = p.id) OR EXISTS (SELECT 1 FROM backups b WHERE b.plan_id = p.id)
		FROM plans p ORDER BY p.rowid`)
	if err != nil {
		return nil, err
	}
	type unknown struct {
		i    int
		plan iamsweep.Plan
	}
	var (
		out     []planRef
		unnamed []unknown
	)
	for rows.Next() {
		var (
			p      planRef
			scanID sql.NullInt64
			format int
			body   []byte
		)
		if err := rows.Scan(&p.id, &scanID, &format, &body, &p.latest, &p.applied); err != nil {
			rows.Close()
			return nil, err
		}
		if scanID.Valid {
			p.scans = []int64{scanID.Int64}
		} else {
			// Made by an iamsweep that did not record its scan: its scans
			// are those of its as-of time and threshold.
			plan, err := planfile.Parse(body, "plan "+p.id+" in the state database")
			if err != nil || format != planFormat {
				rows.Close()
				return nil, errors.Join(fmt.Errorf("plan %s: stored format %d", p.id, format), err)
			}
			unnamed = append(unnamed, unknown{len(out), plan})
		}
		out = append(out, p)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, u := range unnamed {
		ids, err := scansOf(ctx, tx, u.plan)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", u.plan.ID, err)
		}
		out[u.i].scans = ids
	}
	return out, nil
}

// scansOf returns the scans of a plan's as-of time and threshold.
func scansOf(ctx context.Context, tx *sql.Tx, p iamsweep.Plan) ([]int64, error) {
	asOf, err := timeArg(p.AsOf)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM scans WHERE as_of = ? AND unused_days = ?`, asOf, p.UnusedDays)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func sortedIDs(m map[int64]bool) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// usedBytes is the size of the database's pages that hold data, as the
// transaction sees them.
func usedBytes(ctx context.Context, tx *sql.Tx) (int64, error) {
	var pages, free, size int64
	err := tx.QueryRowContext(ctx, `SELECT p.page_count, f.freelist_count, s.page_size
		FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s`).Scan(&pages, &free, &size)
	return (pages - free) * size, err
}

// Vacuum rebuilds the database file without its free pages (SQLite's
// VACUUM) and returns the file's size before and after, write-ahead log
// included. It rewrites everything the database holds and holds the write
// lock meanwhile: other iamsweep processes wait for it (up to their busy
// timeout).
func (s *Store) Vacuum(ctx context.Context) (before, after int64, err error) {
	if before, err = s.fileSize(); err != nil {
		return 0, 0, fmt.Errorf("vacuum state %s: %w", s.path, err)
	}
	// The checkpoint after VACUUM writes the rebuilt pages into the file
	// and truncates it and the log, so that the space is given back now,
	// not when the last connection closes.
	for _, q := range []string{`VACUUM`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return 0, 0, fmt.Errorf("vacuum state %s: %w", s.path, err)
		}
	}
	if after, err = s.fileSize(); err != nil {
		return 0, 0, fmt.Errorf("vacuum state %s: %w", s.path, err)
	}
	return before, after, nil
}

// fileSize is the size of the database file and its write-ahead log.
func (s *Store) fileSize() (int64, error) {
	var n int64
	for _, p := range []string{s.path, s.path + "-wal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n += fi.Size()
	}
	return n, nil
}

// pruneWorkflow deletes the owner workflow's expired link tokens, and its
// history events older than r.OlderThan (when set), as of now.
func pruneWorkflow(ctx context.Context, tx *sql.Tx, r iamsweep.Retention, now time.Time) (tokens, events int, err error) {
	t, err := timeArg(now)
	if err != nil {
		return 0, 0, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM link_tokens WHERE expires <= ?`, t)
	if err != nil {
		return 0, 0, fmt.Errorf("delete expired link tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, 0, err
	}
	tokens = int(n)
	if r.OlderThan <= 0 {
		return tokens, 0, nil
	}
	cutoff, err := timeArg(now.Add(-r.OlderThan))
	if err != nil {
		return 0, 0, err
	}
	if res, err = tx.ExecContext(ctx, `DELETE FROM events WHERE at < ?`, cutoff); err != nil {
		return 0, 0, fmt.Errorf("delete old history events: %w", err)
	}
	if n, err = res.RowsAffected(); err != nil {
		return 0, 0, err
	}
	return tokens, int(n), nil
}
