package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/iamsweep/iamsweep"
)

// pruneScan is a scan a Prune test records: its as-of day (relative to
// t0) and whether it is finished.
type pruneScan struct {
	asOf       int
	unfinished bool
}

// prunePlan is a plan a Prune test saves: made from scan (an index into
// the test's scans; -1 for none), or, when legacy, naming no scan but
// having that scan's as-of time and threshold; and whether it was applied
// (a journal entry) or backed a principal up (a backup).
type prunePlan struct {
	id      string
	scan    int
	legacy  bool
	missing bool // names a scan ID that does not exist
	applied bool
	backup  bool
}

func TestStore_Prune(t *testing.T) {
	const week, perScan = 7 * 24 * time.Hour, 300 // more than a chunk
	five := []pruneScan{{asOf: -90}, {asOf: -60}, {asOf: -40}, {asOf: -10}, {asOf: 0}}
	fs := benchFindings(perScan)
	tests := []struct {
		name  string
		scans []pruneScan
		plans []prunePlan
		r     iamsweep.Retention
		// The scans (indexes) and plans deleted, and how many scans a
		// plan kept.
		wantScans    []int
		wantPlans    []string
		wantForPlans int
	}{
		{name: "keep the last scans", scans: five, r: iamsweep.Retention{KeepScans: 2}, wantScans: []int{0, 1, 2}},
		{name: "keep more scans than there are", scans: five, r: iamsweep.Retention{KeepScans: 10}},
		{name: "older than", scans: five, r: iamsweep.Retention{OlderThan: 30 * 24 * time.Hour}, wantScans: []int{0, 1, 2}},
		{name: "exactly as old as the cutoff is kept", scans: five, r: iamsweep.Retention{OlderThan: 40 * 24 * time.Hour}, wantScans: []int{0, 1}},
		{name: "a scan is deleted only when both rules let it go", scans: five,
			r: iamsweep.Retention{KeepScans: 4, OlderThan: 30 * 24 * time.Hour}, wantScans: []int{0}},
		{name: "a scan is kept when either rule keeps it", scans: five,
			r: iamsweep.Retention{KeepScans: 1, OlderThan: 50 * 24 * time.Hour}, wantScans: []int{0, 1}},
		{name: "every old scan goes", scans: five, r: iamsweep.Retention{OlderThan: week}, wantScans: []int{0, 1, 2, 3}},
		{name: "the latest scan is kept whatever its age", scans: []pruneScan{{asOf: -90}, {asOf: -60}},
			r: iamsweep.Retention{OlderThan: week}, wantScans: []int{0}},
		{name: "the latest is the scan recorded last, not the newest as-of time",
			scans: []pruneScan{{asOf: 0}, {asOf: -100}}, r: iamsweep.Retention{OlderThan: week}},
		{name: "a scan being recorded is kept", scans: []pruneScan{{asOf: -90, unfinished: true}, {asOf: -60}, {asOf: 0}},
			r: iamsweep.Retention{KeepScans: 1}, wantScans: []int{1}},
		{name: "an unapplied plan goes with its scan", scans: five,
			plans: []prunePlan{{id: "p1", scan: 1}, {id: "p2", scan: 4}},
			r:     iamsweep.Retention{KeepScans: 2}, wantScans: []int{0, 1, 2}, wantPlans: []string{"p1"}},
		{name: "the latest plan keeps its scan", scans: five,
			plans: []prunePlan{{id: "p1", scan: 1}},
			r:     iamsweep.Retention{KeepScans: 1}, wantScans: []int{0, 2, 3}, wantForPlans: 1},
		{name: "an applied plan keeps its scan", scans: five,
			plans: []prunePlan{{id: "p1", scan: 0, applied: true}, {id: "p2", scan: 4}},
			r:     iamsweep.Retention{KeepScans: 1}, wantScans: []int{1, 2, 3}, wantForPlans: 1},
		{name: "a plan that took a backup keeps its scan", scans: five,
			plans: []prunePlan{{id: "p1", scan: 2, backup: true}, {id: "p2", scan: 4}},
			r:     iamsweep.Retention{KeepScans: 1}, wantScans: []int{0, 1, 3}, wantForPlans: 1},
		{name: "a plan of an older iamsweep refers to the scans of its as-of time",
			scans: []pruneScan{{asOf: -60}, {asOf: -60}, {asOf: -30}, {asOf: 0}},
			plans: []prunePlan{{id: "p1", scan: 0, legacy: true, applied: true}, {id: "p2", scan: 2, legacy: true}, {id: "p3", scan: 3}},
			r:     iamsweep.Retention{KeepScans: 1}, wantScans: []int{2}, wantPlans: []string{"p2"}, wantForPlans: 2},
		{name: "a plan whose scan does not exist is kept", scans: five,
			plans: []prunePlan{{id: "p1", missing: true}, {id: "p2", scan: 4}},
			r:     iamsweep.Retention{KeepScans: 1}, wantScans: []int{0, 1, 2, 3}},
		{name: "nothing to delete", scans: []pruneScan{{asOf: 0}}, r: iamsweep.Retention{KeepScans: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := openTest(t)
			ctx := t.Context()
			ids := make([]int64, len(tt.scans))
			for i, sc := range tt.scans {
				res := iamsweep.ScanResult{AsOf: day(sc.asOf), UnusedDays: 90, Findings: fs}
				if sc.unfinished {
					rec, err := s.BeginScan(ctx, res.AsOf, res.UnusedDays)
					if err != nil {
						t.Fatal(err)
					}
					if err := rec.Add(ctx, fs); err != nil {
						t.Fatal(err)
					}
					ids[i] = rec.id
					continue
				}
				id, err := s.RecordScan(ctx, res)
				if err != nil {
					t.Fatal(err)
				}
				ids[i] = id
			}
			for _, p := range tt.plans {
				plan := iamsweep.Plan{ID: p.id, Created: t0, UnusedDays: 90}
				switch {
				case p.missing:
					plan.ScanID = 999
				case p.legacy:
					plan.AsOf = day(tt.scans[p.scan].asOf)
				default:
					plan.ScanID, plan.AsOf = ids[p.scan], day(tt.scans[p.scan].asOf)
				}
				if err := s.SavePlan(ctx, plan); err != nil {
					t.Fatal(err)
				}
				if p.applied {
					if _, err := s.BeginStep(ctx, p.id, "a001", iamsweep.JournalStep{Kind: iamsweep.JournalBackup, BackupID: "b-" + p.id}, t0); err != nil {
						t.Fatal(err)
					}
				}
				if p.backup {
					b := roleBackup("b-" + p.id)
					b.PlanID = p.id
					if err := s.SaveBackup(ctx, b); err != nil {
						t.Fatal(err)
					}
				}
			}
			journal, backups := countRows(t, s, "journal"), countRows(t, s, "backups")

			got, err := s.Prune(ctx, tt.r, t0)
			if err != nil {
				t.Fatal(err)
			}

			var wantIDs []int64
			findings := 0
			for _, i := range tt.wantScans {
				wantIDs = append(wantIDs, ids[i])
				findings += perScan
			}
			var gone []int64
			for _, id := range ids {
				var n int
				if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM scans WHERE id = ?`, id).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					gone = append(gone, id)
				}
			}
			if diff := cmp.Diff(wantIDs, gone); diff != "" {
				t.Errorf("scans deleted (-want +got):\n%s", diff)
			}
			var goneChunks int
			if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM finding_chunks WHERE scan_id NOT IN (SELECT id FROM scans)`).Scan(&goneChunks); err != nil {
				t.Fatal(err)
			}
			if goneChunks != 0 {
				t.Errorf("%d chunks of findings outlive their scan", goneChunks)
			}
			var plansGone []string
			for _, p := range tt.plans {
				if _, err := s.LoadPlan(ctx, p.id); errors.Is(err, iamsweep.ErrNotFound) {
					plansGone = append(plansGone, p.id)
				} else if err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.wantPlans, plansGone); diff != "" {
				t.Errorf("plans deleted (-want +got):\n%s", diff)
			}
			want := Pruned{Scans: len(tt.wantScans), Findings: findings, Plans: len(tt.wantPlans), KeptForPlans: tt.wantForPlans}
			if diff := cmp.Diff(want, got, cmpIgnoreFreed); diff != "" {
				t.Errorf("Prune's report (-want +got):\n%s", diff)
			}
			if (got.Scans > 0) != (got.Freed > 0) || got.Freed < 0 {
				t.Errorf("Prune deleted %d scans and reports %d bytes freed", got.Scans, got.Freed)
			}
			if j, b := countRows(t, s, "journal"), countRows(t, s, "backups"); j != journal || b != backups {
				t.Errorf("journal %d → %d entries, backups %d → %d: Prune deleted them", journal, j, backups, b)
			}
			// What is left still reads.
			if _, _, err := s.LatestScan(ctx); err != nil {
				t.Errorf("LatestScan after Prune: %v", err)
			}
		})
	}
}

var cmpIgnoreFreed = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Freed" }, cmp.Ignore())

func countRows(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRowContext(t.Context(), fmt.Sprintf(`SELECT count(*) FROM %s`, table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStore_Prune_rejectsNoRule(t *testing.T) {
	s, _ := openTest(t)
	for _, r := range []iamsweep.Retention{{}, {KeepScans: -1, OlderThan: time.Hour}, {KeepScans: 1, OlderThan: -time.Hour}} {
		if _, err := s.Prune(t.Context(), r, t0); err == nil {
			t.Errorf("Prune(%+v) succeeded", r)
		}
	}
}

// History and the latest scan read the same after pruning scans of
// another time: what Prune keeps is untouched.
func TestStore_Prune_keepsWhatItKeeps(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	f := fullFinding()
	for d := -5; d <= 0; d++ {
		if _, err := s.RecordScan(ctx, iamsweep.ScanResult{AsOf: day(d), UnusedDays: 90, Findings: []iamsweep.Finding{f}}); err != nil {
			t.Fatal(err)
		}
	}
	before, err := s.History(ctx, f.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(ctx, iamsweep.Retention{KeepScans: 3}, t0); err != nil {
		t.Fatal(err)
	}
	after, err := s.History(ctx, f.ARN)
	if err != nil {
		t.Fatal(err)
	}
	// The run of unused verdicts now starts at the oldest scan kept.
	want := slices.Clone(before[3:])
	for i := range want {
		want[i].FirstUnused = day(-2)
	}
	if diff := cmp.Diff(want, after); diff != "" {
		t.Errorf("History after Prune (-want +got):\n%s", diff)
	}
}

// Vacuum gives the space Prune freed back to the file system.
func TestStore_Vacuum(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	fs := benchFindings(1000)
	for d := -9; d <= 0; d++ {
		if _, err := s.RecordScan(ctx, iamsweep.ScanResult{AsOf: day(d), UnusedDays: 90, Findings: fs}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.Prune(ctx, iamsweep.Retention{KeepScans: 1}, t0)
	if err != nil {
		t.Fatal(err)
	}
	before, after, err := s.Vacuum(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if before-after < p.Freed*8/10 {
		t.Errorf("Vacuum shrank the file from %d to %d bytes; Prune freed %d", before, after, p.Freed)
	}
	if _, res, err := s.LatestScan(ctx); err != nil || len(res.Findings) != 1000 {
		t.Errorf("LatestScan after Vacuum: %d findings, %v", len(res.Findings), err)
	}
}
