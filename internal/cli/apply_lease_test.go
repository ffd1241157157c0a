package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/store"
)

// TestApply_heldByAnotherApply: an action skipped because another apply
// holds its principal (a live lease in the shared state database) makes
// the exit status partial (3), and stderr says which action and who holds
// it; the others run.
func TestApply_heldByAnotherApply(t *testing.T) {
	s := newSession(t)
	s.scanAndPlan()
	r := s.run("", "plan", "-o", "json")
	var plan struct {
		ID      string `json:"id"`
		Actions []struct {
			ID      string `json:"id"`
			ARN     string `json:"arn"`
			Refused string `json:"refused"`
		} `json:"actions"`
	}
	if r.code != ExitOK || json.Unmarshal([]byte(r.stdout), &plan) != nil {
		t.Fatalf("plan: exit %d, stdout %s", r.code, r.stdout)
	}
	var heldID, heldARN string
	runnable := 0
	for _, a := range plan.Actions {
		if a.Refused == "" {
			runnable++
			if heldARN == "" {
				heldID, heldARN = a.ID, a.ARN
			}
		}
	}
	if runnable < 2 {
		t.Fatalf("plan %s has %d runnable actions, want several", plan.ID, runnable)
	}
	st, err := store.Open(t.Context(), s.state)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	const other = "other-host:4242:beef"
	if err := st.AcquireLease(context.Background(), heldARN, other, at, at.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	r = s.run("", "apply", "--yes", "--as-of", asOf)
	if r.code != ExitPartial {
		t.Fatalf("apply: exit %d, want %d (partial); stdout %s, stderr %s", r.code, ExitPartial, r.stdout, r.stderr)
	}
	for _, want := range []string{"1 of ", "another apply holds their principals", heldID + " (", heldARN, "held by " + other} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	if countMutations(s.srv) == 0 {
		t.Error("the other actions did not run")
	}
}
