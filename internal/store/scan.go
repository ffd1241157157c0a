package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/iamsweep/iamsweep"
)

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
	if _, err := insertFindings(ctx, tx, id, 0, res.Findings); err != nil {
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

// insertFindings adds findings to scan id as chunks, numbered from seq;
// it returns the next chunk number.
func insertFindings(ctx context.Context, tx *sql.Tx, id int64, seq int, findings []iamsweep.Finding) (int, error) {
	if len(findings) == 0 {
		return seq, nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO finding_chunks (scan_id, seq, count, min_arn, max_arn, format, body)
		VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	var enc chunkEncoder
	for len(findings) > 0 {
		n := min(chunkSize, len(findings))
		c, err := enc.encode(findings[:n])
		if err != nil {
			return 0, err
		}
		if _, err := stmt.ExecContext(ctx, id, seq, c.count, c.minARN, c.maxARN, chunkFormat, c.body); err != nil {
			return 0, err
		}
		findings = findings[n:]
		seq++
	}
	return seq, nil
}

// ScanRecorder records a scan while it runs, a batch of findings at a
// time, so that a scan of many accounts is never held in memory whole.
// The scan is invisible to LatestScan and History until Finish.
type ScanRecorder struct {
	s  *Store
	id int64
	// seq is the number of the next chunk.
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
	seq, err := insertFindings(ctx, tx, r.id, r.seq, findings)
	if err != nil {
		return fmt.Errorf("record scan %d: %w", r.id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record scan %d: %w", r.id, err)
	}
	r.seq = seq
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
	if _, err := tx.ExecContext(ctx, `DELETE FROM finding_chunks WHERE scan_id = ?`, r.id); err != nil {
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
	// A scan and its findings are written in one transaction (or, for a
	// scan recorded in batches, made visible after its last), so the
	// findings of a scan that is visible are all there.
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(count), 0) FROM finding_chunks WHERE scan_id = ?`, id).Scan(&n); err != nil {
		return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan %d: %w", id, err)
	}
	if n > 0 {
		res.Findings = make([]iamsweep.Finding, 0, n)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT format, body FROM finding_chunks WHERE scan_id = ? ORDER BY seq`, id)
	if err != nil {
		return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan %d: %w", id, err)
	}
	defer rows.Close()
	var dec chunkDecoder
	for rows.Next() {
		var (
			format int
			body   []byte
		)
		if err := rows.Scan(&format, &body); err != nil {
			return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan %d: %w", id, err)
		}
		fs, err := dec.decode(format, body)
		if err != nil {
			return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan %d: %w", id, err)
		}
		res.Findings = append(res.Findings, fs...)
	}
	if err := rows.Err(); err != nil {
		return 0, iamsweep.ScanResult{}, fmt.Errorf("latest scan %d: %w", id, err)
	}
	// Recorded in that order already, unless a scan recorded in batches
	// gave them in another.
	if !slices.IsSortedFunc(res.Findings, compareFindings) {
		iamsweep.SortFindings(res.Findings)
	}
	return id, res, nil
}

// compareFindings orders findings as iamsweep.SortFindings does.
func compareFindings(a, b iamsweep.Finding) int {
	return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.Type, b.Type), cmp.Compare(a.ARN, b.ARN))
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
	// The chunks that can hold arn, in scan order; a scan's chunks in the
	// order of its findings.
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.as_of, c.format, c.body
		FROM finding_chunks c JOIN scans s ON s.id = c.scan_id
		WHERE c.min_arn <= ?1 AND c.max_arn >= ?1 AND s.complete = 1
		ORDER BY s.as_of, s.id, c.seq`, arn)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", arn, err)
	}
	defer rows.Close()
	var (
		out []iamsweep.HistoryEntry
		dec chunkDecoder
	)
	for rows.Next() {
		var (
			id     int64
			asOf   sql.NullString
			format int
			body   []byte
		)
		if err := rows.Scan(&id, &asOf, &format, &body); err != nil {
			return nil, fmt.Errorf("history of %s: %w", arn, err)
		}
		at, err := parseTime(asOf)
		if err != nil {
			return nil, fmt.Errorf("history of %s: scan %d: %w", arn, id, err)
		}
		fs, err := dec.decode(format, body)
		if err != nil {
			return nil, fmt.Errorf("history of %s: scan %d: %w", arn, id, err)
		}
		for _, f := range fs {
			if f.ARN == arn {
				out = append(out, iamsweep.HistoryEntry{ScanID: id, AsOf: at, Finding: f})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history of %s: %w", arn, err)
	}
	// Within a scan: by record type, key slot and access key ID, else in
	// the scan's order. Scans are in order already.
	slices.SortStableFunc(out, func(a, b iamsweep.HistoryEntry) int {
		return cmp.Or(
			a.AsOf.Compare(b.AsOf),
			cmp.Compare(a.ScanID, b.ScanID),
			cmp.Compare(a.Finding.Type, b.Finding.Type),
			cmp.Compare(a.Finding.KeySlot, b.Finding.KeySlot),
			cmp.Compare(a.Finding.AccessKeyID, b.Finding.AccessKeyID),
		)
	})
	type record struct {
		typ         iamsweep.FindingType
		accessKeyID string
		keySlot     int
	}
	runStart := map[record]time.Time{}
	for i := range out {
		e := &out[i]
		k := record{e.Finding.Type, e.Finding.AccessKeyID, e.Finding.KeySlot}
		if !e.Finding.Unused() {
			delete(runStart, k)
			continue
		}
		start, ok := runStart[k]
		if !ok {
			start = e.AsOf
			runStart[k] = start
		}
		e.FirstUnused = start
	}
	return out, nil
}
