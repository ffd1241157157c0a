package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/iamsweep/iamsweep"
)

// convertFindings is the Go step of migration finding_chunks: it copies
// the findings table of the schema before (a row per finding) into
// chunks, a scan's findings in their recorded order, one scan at a time,
// then drops the table.
func convertFindings(ctx context.Context, tx *sql.Tx) error {
	var scans []int64
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT scan_id FROM findings ORDER BY scan_id`)
	if err != nil {
		return fmt.Errorf("read findings: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("read findings: %w", err)
		}
		scans = append(scans, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read findings: %w", err)
	}
	for _, id := range scans {
		fs, err := legacyFindings(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("read findings of scan %d: %w", id, err)
		}
		if _, err := insertFindings(ctx, tx, id, 0, fs); err != nil {
			return fmt.Errorf("convert findings of scan %d: %w", id, err)
		}
	}
	_, err = tx.ExecContext(ctx, `DROP TABLE findings`)
	return err
}

// legacyFindings reads the rows of one scan from the findings table.
func legacyFindings(ctx context.Context, tx *sql.Tx, scan int64) ([]iamsweep.Finding, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+legacyFindingColumns+` FROM findings WHERE scan_id = ? ORDER BY seq`, scan)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []iamsweep.Finding
	for rows.Next() {
		f, err := scanLegacyFinding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// legacyFindingColumns are the columns of the findings table before
// migration finding_chunks, after scan_id and seq.
const legacyFindingColumns = `type, account_id, account_name, arn, principal_id, name, path, verdict, rule,
	reason, created, last_used, last_used_region, days_unused, access_key_id, key_slot, tags`

// scanLegacyFinding reads a row of legacyFindingColumns.
func scanLegacyFinding(rows *sql.Rows) (iamsweep.Finding, error) {
	var (
		f                       iamsweep.Finding
		typ, verdict, rule      string
		created, lastUsed, tags sql.NullString
		days                    sql.NullInt64
	)
	dest := []any{&typ, &f.AccountID, &f.AccountName, &f.ARN, &f.PrincipalID, &f.Name, &f.Path,
		&verdict, &rule, &f.Reason, &created, &lastUsed, &f.LastUsed.Region, &days,
		&f.AccessKeyID, &f.KeySlot, &tags}
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
