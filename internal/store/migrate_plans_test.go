package store

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

// A plan saved by an iamsweep whose store had its own plan encoding
// (format 1; testdata/plan-format1.json was written by that code) loads
// as the same plan after the migration to plan files, naming no scan.
func TestOpen_migratesPlansToPlanFiles(t *testing.T) {
	body, err := os.ReadFile("testdata/plan-format1.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.db")
	old, err := open(t.Context(), path, migrationsBefore(t, "_plan_files.sql"), clock(t0))
	if err != nil {
		t.Fatal(err)
	}
	want := fullPlan()
	want.ScanID = 0
	// Format 1 knew no refine actions.
	want.Actions = slices.DeleteFunc(want.Actions, func(a iamsweep.Action) bool { return a.Kind == iamsweep.ActionRefine })
	if _, err := old.db.ExecContext(t.Context(), `INSERT INTO plans (id, created, format, body) VALUES (?, ?, 1, ?)`,
		want.ID, "2026-11-23T10:30:00.123456789Z", strings.TrimSpace(string(body))); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	got, err := s.LoadPlan(t.Context(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan after the migration (-want +got):\n%s", diff)
	}
	// Saving it again (apply of its plan file) is the same plan.
	if err := s.SavePlan(t.Context(), want); err != nil {
		t.Errorf("saving the migrated plan again: %v", err)
	}
}
