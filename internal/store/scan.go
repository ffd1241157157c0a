package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
)

// findingColumns are the findings table's columns after scan_id and seq,
// in the order scanFinding reads them.
const findingColumns = `type, account_id, account_name, arn, principal_id, name, path, verdict, rule,
	reason, created, last_used, last_used_region, days_unused, access_key_id, key_slot, tags`

// RecordScan saves a scan's findings, in one transaction, and returns the
// scan's ID. IDs increase in the order scans are recorded. A scan without an
// as-of time is an error.
func (s *Store) RecordScan(ctx context.Context, res iamsweep.ScanResult) (int64, error) {
	if res.AsOf.IsZero() {
		return 0, errors.New("record scan: no as-of time")
	}
	id, err := s.recordScan(ctx, res)
	if err != nil {
		return 0, fmt.Errorf("record scan as of %s: %w", res.AsOf.UTC().Format(time.RFC3339), err)
	}
	return id, nil
}

func (s *Store) recordScan(ctx context.Context, res iamsweep.ScanResult) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer rollback(tx)
	id, err := s.insertScan(ctx, tx, res.AsOf, res.UnusedDays, true)
	if err != nil {
		return 0, err
	}
	if err := insertFindings(ctx, tx, id, 0, res.Findings); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return id, nil
}

// insertScan adds a scan's row.
func (s *Store) insertScan(ctx context.Context, tx *sql.Tx, asOf time.Time, unusedDays int, complete bool) (int64, error) {
	times, err := timeArgs(asOf, s.now())
	if err != nil {
		return 0, err
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO scans (as_of, unused_days, recorded_at, complete) VALUES (?, ?, ?, ?)`,
		times[0], unusedDays, times[1], complete)
	if err != nil {
		return 0, err
	}
	return r.LastInsertId()
}

// insertFindings adds findings to scan id, numbered from seq.
func insertFindings(ctx context.Context, tx *sql.Tx, id int64, seq int, findings []iamsweep.Finding) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO findings (scan_id, seq, `+findingColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i, f := range findings {
		ts, err := timeArgs(f.Created, f.LastUsed.Time)
		if err != nil {
			return fmt.Errorf("finding %s: %w", f.ARN, err)
		}
		var days, tags any
		if f.DaysUnused != nil {
			days = *f.DaysUnused
		}
		if f.Tags != nil {
			if tags, err = encode(mapSlice(f.Tags, toTag)); err != nil {
				return fmt.Errorf("finding %s: %w", f.ARN, err)
			}
		}
		if _, err := stmt.ExecContext(ctx, id, seq+i,
			string(f.Type), f.AccountID, f.AccountName, f.ARN, f.PrincipalID, f.Name, f.Path,
			string(f.Verdict), string(f.Rule), f.Reason, ts[0], ts[1], f.LastUsed.Region, days,
			f.AccessKeyID, f.KeySlot, tags); err != nil {
			return fmt.Errorf("finding %s: %w", f.ARN, err)
		}
	}
	return nil
}

// ScanRecorder records a scan while it runs, a batch of findings at a
// time, so that a scan of many accounts is never held in memory whole.
// The scan is invisible to LatestScan and History until Finish.
type ScanRecorder struct {
	s    *Store
	id   int64
	seq  int
	asOf time.Time
}

// BeginScan starts recording a scan.
func (s *Store) BeginScan(ctx context.Context, asOf time.Time, unusedDays int) (*ScanRecorder, error) {
	if asOf.IsZero() {
		return nil, errors.New("record scan: no as-of time")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record scan: %w", err)
	}
	defer rollback(tx)
	id, err := s.insertScan(ctx, tx, asOf, unusedDays, false)
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return nil, fmt.Errorf("record scan: %w", err)
	}
	return &ScanRecorder{s: s, id: id, asOf: asOf}, nil
}

// Add records a batch of findings, in one short transaction.
func (r *ScanRecorder) Add(ctx context.Context, findings []iamsweep.Finding) error {
	tx, err := r.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record scan %d: %w", r.id, err)
	}
	defer rollback(tx)
	if err := insertFindings(ctx, tx, r.id, r.seq, findings); err != nil {
		return fmt.Errorf("record scan %d: %w", r.id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record scan %d: %w", r.id, err)
	}
	r.seq += len(findings)
	return nil
}

// Finish makes the scan visible and returns its ID.
func (r *ScanRecorder) Finish(ctx context.Context) (int64, error) {
	if _, err := r.s.db.ExecContext(ctx, `UPDATE scans SET complete = 1 WHERE id = ?`, r.id); err != nil {
		return 0, fmt.Errorf("record scan %d: %w", r.id, err)
	}
	return r.id, nil
}

// Abort drops a scan that will not finish, and its findings.
func (r *ScanRecorder) Abort(ctx context.Context) error {
	tx, err := r.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("drop scan %d: %w", r.id, err)
	}
	defer rollback(tx)
	if _, err := tx.ExecContext(ctx, `DELETE FROM findings WHERE scan_id = ?`, r.id); err != nil {
		return fmt.Errorf("drop scan %d: %w", r.id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM scans WHERE id = ? AND complete = 0`, r.id); err != nil {
		return fmt.Errorf("drop scan %d: %w", r.id, err)
	}
	return tx.Commit()
}

// LatestScan returns the most recently recorded scan (the highest ID, which
// is not always the latest as-of time: an old export may be scanned last)
// with its findings in iamsweep.SortFindings order; ErrNotFound when no scan
// was recorded.
func (s *Store) LatestScan(ctx context.Context) (int64, iamsweep.ScanResult, error) {
	var (
		id   int64
		asOf sql.NullString
		res  iamsweep.ScanResult
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, as_of, unused_days FROM scans WHERE complete = 1 ORDER BY id DESC LIMIT 1`).
		Scan(&id, &asOf, &res.UnusedDays)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan: %w", iamsweep.ErrNotFound)
	}
	if err != nil {
		return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan: %w", err)
	}
	if res.AsOf, err = parseTime(asOf); err != nil {
		return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan %d: %w", id, err)
	}
	// A scan and its findings are written in one transaction, so the
	// findings of a scan that is visible are all there.
	rows, err := s.db.QueryContext(ctx, `SELECT `+findingColumns+` FROM findings WHERE scan_id = ? ORDER BY seq`, id)
	if err != nil {
		return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan %d: %w", id, err)
		}
		res.Findings = append(res.Findings, f)
	}
	if err := rows.Err(); err != nil {
		return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan %d: %w", id, err)
	}
	iamsweep.SortFindings(res.Findings)
	return id, res, nil
}

// History returns every finding recorded for arn (the role; or the user,
// its password and its access keys), ordered by scan (as-of time, then
// ID: oldest first), then record type, key slot and access key ID. An ARN
// never recorded gives no entries and no error.
//
// A record is identified by its ARN, type, access key ID and key slot. Its
// FirstUnused is the as-of time of the first scan of the unbroken run of
// unused verdicts that ends at the entry; any other verdict breaks the run,
// and a scan that does not hold the record does not.
func (s *Store) History(ctx context.Context, arn string) ([]iamsweep.HistoryEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.as_of, `+findingColumns+`
		FROM findings f JOIN scans s ON s.id = f.scan_id
		WHERE f.arn = ? AND s.complete = 1
		ORDER BY s.as_of, s.id, f.type, f.key_slot, f.access_key_id, f.seq`, arn)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", arn, err)
	}
	defer rows.Close()
	type record struct {
		typ         iamsweep.FindingType
		accessKeyID string
		keySlot     int
	}
	runStart := map[record]time.Time{}
	var out []iamsweep.HistoryEntry
	for rows.Next() {
		var (
			e    iamsweep.HistoryEntry
			asOf sql.NullString
		)
		f, err := scanFinding(rows, &e.ScanID, &asOf)
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", arn, err)
		}
		if e.AsOf, err = parseTime(asOf); err != nil {
			return nil, fmt.Errorf("history of %s: scan %d: %w", arn, e.ScanID, err)
		}
		e.Finding = f
		k := record{f.Type, f.AccessKeyID, f.KeySlot}
		if f.Unused() {
			start, ok := runStart[k]
			if !ok {
				start = e.AsOf
				runStart[k] = start
			}
			e.FirstUnused = start
		} else {
			delete(runStart, k)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history of %s: %w", arn, err)
	}
	return out, nil
}

// scanFinding reads a row holding head's columns and then findingColumns
// (whose names no other table uses, so a join needs no qualifiers).
func scanFinding(rows *sql.Rows, head ...any) (iamsweep.Finding, error) {
	var (
		f                       iamsweep.Finding
		typ, verdict, rule      string
		created, lastUsed, tags sql.NullString
		days                    sql.NullInt64
	)
	dest := append(head, &typ, &f.AccountID, &f.AccountName, &f.ARN, &f.PrincipalID, &f.Name, &f.Path,
		&verdict, &rule, &f.Reason, &created, &lastUsed, &f.LastUsed.Region, &days,
		&f.AccessKeyID, &f.KeySlot, &tags)
	if err := rows.Scan(dest...); err != nil {
		return iamsweep.Finding{}, err
	}
	f.Type, f.Verdict, f.Rule = iamsweep.FindingType(typ), iamsweep.Verdict(verdict), iamsweep.Rule(rule)
	var err error
	if f.Created, err = parseTime(created); err != nil {
		return iamsweep.Finding{}, fmt.Errorf("finding %s: %w", f.ARN, err)
	}
	if f.LastUsed.Time, err = parseTime(lastUsed); err != nil {
		return iamsweep.Finding{}, fmt.Errorf("finding %s: %w", f.ARN, err)
	}
	if days.Valid {
		d := int(days.Int64)
		f.DaysUnused = &d
	}
	if tags.Valid {
		var ts []tagV1
		if err := decode(formatV1, tags.String, &ts); err != nil {
			return iamsweep.Finding{}, fmt.Errorf("finding %s: tags: %w", f.ARN, err)
		}
		f.Tags = mapSlice(ts, fromTag)
	}
	return f, nil
}
