package store

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/iamsweep/iamsweep"
)

// migrationsBefore returns the embedded migrations that come before the
// one whose file name ends in suffix ("_plan_files.sql").
func migrationsBefore(t *testing.T, suffix string) fs.FS {
	t.Helper()
	all, err := loadMigrations(migrationsWith(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for _, mg := range all {
		if strings.HasSuffix(mg.name, suffix) {
			return m
		}
		m[mg.name] = &fstest.MapFile{Data: []byte(mg.sql)}
	}
	t.Fatalf("no migration named *%s", suffix)
	return nil
}

// insertLegacyScan writes a scan as schema 2 stored it: a row per finding.
func insertLegacyScan(t *testing.T, s *Store, asOf string, complete bool, findings []iamsweep.Finding) int64 {
	t.Helper()
	ctx := t.Context()
	r, err := s.db.ExecContext(ctx, `INSERT INTO scans (as_of, unused_days, recorded_at, complete) VALUES (?, 90, ?, ?)`, asOf, asOf, complete)
	if err != nil {
		t.Fatal(err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range findings {
		ts, err := timeArgs(f.Created, f.LastUsed.Time)
		if err != nil {
			t.Fatal(err)
		}
		var days, tags any
		if f.DaysUnused != nil {
			days = *f.DaysUnused
		}
		if f.Tags != nil {
			if tags, err = encode(mapSlice(f.Tags, toTag)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO findings (scan_id, seq, `+legacyFindingColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, i,
			string(f.Type), f.AccountID, f.AccountName, f.ARN, f.PrincipalID, f.Name, f.Path,
			string(f.Verdict), string(f.Rule), f.Reason, ts[0], ts[1], f.LastUsed.Region, days,
			f.AccessKeyID, f.KeySlot, tags); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// A database of schema 2 keeps its findings through the migration to
// chunks: the latest scan and every history read as they did.
func TestOpen_migratesFindingsToChunks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	old, err := open(t.Context(), path, migrationsBefore(t, "_finding_chunks.sql"), clock(t0))
	if err != nil {
		t.Fatal(err)
	}
	many := benchFindings(300) // more than a chunk
	many[7] = fullFinding()
	latest := codecFindings()[:5] // all but the empty finding, which schema 2 could hold but no scan makes
	latest = append(latest, fullFinding())
	latest[5].Verdict = iamsweep.VerdictUsed
	first := insertLegacyScan(t, old, "2026-11-01T00:00:00.000000000Z", true, many)
	second := insertLegacyScan(t, old, "2026-11-02T00:00:00.000000000Z", true, latest)
	insertLegacyScan(t, old, "2026-11-03T00:00:00.000000000Z", false, many[:1]) // being recorded
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	id, res, err := s.LatestScan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(latest)
	iamsweep.SortFindings(want)
	if id != second || res.AsOf.Format(timeLayout) != "2026-11-02T00:00:00.000000000Z" {
		t.Errorf("LatestScan = scan %d as of %s, want scan %d as of 2026-11-02", id, res.AsOf, second)
	}
	if diff := cmp.Diff(want, res.Findings); diff != "" {
		t.Errorf("latest scan's findings after the migration (-want +got):\n%s", diff)
	}
	h, err := s.History(t.Context(), fullFinding().ARN)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, e := range h {
		got = append(got, e.ScanID)
		if e.Finding.ARN != fullFinding().ARN {
			t.Errorf("history of %s holds %s", fullFinding().ARN, e.Finding.ARN)
		}
	}
	// fullFinding's ARN once in the first scan; four times in the second
	// (itself, the one used today, the one used in the future, the used
	// one); never in the scan being recorded.
	if want := []int64{first, second, second, second, second}; !slices.Equal(got, want) {
		t.Errorf("history's scans = %v, want %v", got, want)
	}
	var chunks, tables int
	if err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM finding_chunks`).Scan(&chunks); err != nil {
		t.Fatal(err)
	}
	if chunks != 4 { // 300 findings: 2; 6: 1; the scan being recorded: 1
		t.Errorf("%d chunks after the migration, want 4", chunks)
	}
	if err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM sqlite_schema WHERE name = 'findings'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Error("the findings table is still there")
	}
}
