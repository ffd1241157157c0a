package store

import (
	"bytes"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/planfile"
)

func TestStore_SavePlan_roundTrip(t *testing.T) {
	want := fullPlan()
	checkAllSet(t, want)
	s, _ := openTest(t)
	ctx := t.Context()
	if err := s.SavePlan(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadPlan(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	// cmp.Diff tells a nil DaysUnused from a pointer to 0.
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadPlan (-want +got):\n%s", diff)
	}
	var scanID sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT scan_id FROM plans WHERE id = ?`, want.ID).Scan(&scanID); err != nil {
		t.Fatal(err)
	}
	if scanID.Int64 != want.ScanID {
		t.Errorf("plans.scan_id = %v, want %d", scanID, want.ScanID)
	}
}

// The store keeps a plan as its plan file: apply runs the same plan from
// the state database as from the file plan --out wrote.
func TestStore_SavePlan_asItsPlanFile(t *testing.T) {
	p := fullPlan()
	p.Actions[1].Notes = []string{} // empty lists read back as nil
	p.Actions[0].Finding.Tags = []iamsweep.Tag{}
	p.ScanID = 0 // unknown
	s, _ := openTest(t)
	if err := s.SavePlan(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadPlan(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := planfile.Write(&file, p); err != nil {
		t.Fatal(err)
	}
	want, err := planfile.Read(&file, "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadPlan differs from the plan file (-file +store):\n%s", diff)
	}
}

// A plan its plan file could not hold (apply would refuse the file) is
// not saved.
func TestStore_SavePlan_refusesInvalidPlans(t *testing.T) {
	p := fullPlan()
	p.Actions[1].AccountID = "444455556666"
	s, _ := openTest(t)
	err := s.SavePlan(t.Context(), p)
	if err == nil || !strings.Contains(err.Error(), "actions[1].account_id") {
		t.Errorf("SavePlan of a plan whose account is not its ARN's: %v, want an error naming actions[1].account_id", err)
	}
	if _, err := s.LoadPlan(t.Context(), p.ID); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("LoadPlan after the refusal: %v, want ErrNotFound", err)
	}
}

func TestStore_SavePlan_emptyPlan(t *testing.T) {
	s, _ := openTest(t)
	for _, p := range []iamsweep.Plan{{ID: "nil-actions"}, {ID: "no-actions", Actions: []iamsweep.Action{}}} {
		if err := s.SavePlan(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		got, err := s.LoadPlan(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("LoadPlan(%s) (-want +got):\n%s", p.ID, diff)
		}
	}
}

func TestStore_SavePlan_neverChanges(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	p := fullPlan()
	if err := s.SavePlan(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePlan(ctx, fullPlan()); err != nil {
		t.Errorf("saving the same plan again: %v, want nil", err)
	}
	changed := fullPlan()
	changed.Actions = changed.Actions[:1]
	if err := s.SavePlan(ctx, changed); err == nil {
		t.Error("saving a different plan under the same ID succeeded")
	}
	got, err := s.LoadPlan(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("LoadPlan after a refused overwrite (-want +got):\n%s", diff)
	}
	if err := s.SavePlan(ctx, iamsweep.Plan{}); err == nil {
		t.Error("saving a plan without an ID succeeded")
	}
}

func TestStore_LoadPlan_notFound(t *testing.T) {
	s, _ := openTest(t)
	_, err := s.LoadPlan(t.Context(), "nope")
	if !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("LoadPlan of a missing plan: %v, want ErrNotFound", err)
	}
}

func TestStore_LatestPlan(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if _, err := s.LatestPlan(ctx); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("LatestPlan of an empty store: %v, want ErrNotFound", err)
	}
	// The plan saved last wins, whatever its ID or creation time.
	for _, id := range []string{"p-b", "p-a"} {
		if err := s.SavePlan(ctx, iamsweep.Plan{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	// Saving an existing plan again does not make it the latest.
	if err := s.SavePlan(ctx, iamsweep.Plan{ID: "p-b"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.LatestPlan(ctx)
	if err != nil || got.ID != "p-a" {
		t.Errorf("LatestPlan = %q, %v; want p-a", got.ID, err)
	}
}
