package store

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/iamsweep/iamsweep"
)

func TestStore_Journal(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	begin := func(plan, action, step string, at time.Time) int64 {
		t.Helper()
		id, err := s.BeginStep(ctx, plan, action, step, at)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	finish := func(id int64, outcome, detail string, at time.Time) {
		t.Helper()
		if err := s.FinishStep(ctx, id, outcome, detail, at); err != nil {
			t.Fatal(err)
		}
	}
	// Two actions interleaved, as with concurrent applies; one step in
	// another plan.
	b := begin("p1", "a001", "backup", t0)
	o := begin("p1", "a002", "backup", t0)
	finish(b, "done", "backup b1", t0.Add(time.Millisecond))
	d := begin("p1", "a001", "delete-inline-policy:s3-read", t0.Add(time.Second).In(east))
	begin("p2", "a001", "backup", t0)
	finish(o, "failed", "AccessDenied", t0.Add(2*time.Second))
	finish(d, "skipped", "", t0.Add(3*time.Second))
	r := begin("p1", "a001", "delete-role", t0.Add(4*time.Second)) // never finished: the process died

	tests := []struct {
		plan, action string
		want         []iamsweep.JournalEntry
	}{
		{"p1", "a001", []iamsweep.JournalEntry{
			{ID: b, PlanID: "p1", ActionID: "a001", Step: "backup", Started: t0, Finished: t0.Add(time.Millisecond), Outcome: "done", Detail: "backup b1"},
			{ID: d, PlanID: "p1", ActionID: "a001", Step: "delete-inline-policy:s3-read", Started: t0.Add(time.Second), Finished: t0.Add(3 * time.Second), Outcome: "skipped"},
			{ID: r, PlanID: "p1", ActionID: "a001", Step: "delete-role", Started: t0.Add(4 * time.Second)},
		}},
		{"p1", "a002", []iamsweep.JournalEntry{
			{ID: o, PlanID: "p1", ActionID: "a002", Step: "backup", Started: t0, Finished: t0.Add(2 * time.Second), Outcome: "failed", Detail: "AccessDenied"},
		}},
		{"p1", "a003", nil},
	}
	for _, tt := range tests {
		t.Run(tt.plan+"/"+tt.action, func(t *testing.T) {
			got, err := s.Journal(ctx, tt.plan, tt.action)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Journal (-want +got):\n%s", diff)
			}
			for _, e := range got {
				if e.Outcome == "" && !e.Finished.IsZero() {
					t.Errorf("entry %d has no outcome but finished at %s", e.ID, e.Finished)
				}
			}
		})
	}
}

func TestStore_FinishStep_errors(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	id, err := s.BeginStep(ctx, "p1", "a001", "backup", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishStep(ctx, id, "done", "first", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}

	if err := s.FinishStep(ctx, id, "failed", "second", t0.Add(2*time.Second)); err == nil {
		t.Error("finishing an entry twice succeeded")
	}
	if err := s.FinishStep(ctx, id+100, "done", "", t0); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("finishing an unknown entry: %v, want ErrNotFound", err)
	}
	other, err := s.BeginStep(ctx, "p1", "a001", "tag", t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, outcome := range []string{"", "ok", "DONE"} {
		if err := s.FinishStep(ctx, other, outcome, "", t0); err == nil {
			t.Errorf("FinishStep with outcome %q succeeded", outcome)
		}
	}
	if err := s.FinishStep(ctx, other, "done", "", time.Time{}); err == nil {
		t.Error("FinishStep without a time succeeded")
	}
	if _, err := s.BeginStep(ctx, "p1", "a001", "x", time.Time{}); err == nil {
		t.Error("BeginStep without a time succeeded")
	}

	got, err := s.Journal(ctx, "p1", "a001")
	if err != nil {
		t.Fatal(err)
	}
	want := []iamsweep.JournalEntry{
		{ID: id, PlanID: "p1", ActionID: "a001", Step: "backup", Started: t0, Finished: t0.Add(time.Second), Outcome: "done", Detail: "first"},
		{ID: other, PlanID: "p1", ActionID: "a001", Step: "tag", Started: t0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Journal after the refused calls (-want +got):\n%s", diff)
	}
}
