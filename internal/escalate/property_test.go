package escalate

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
)

// TestDecide_safety drives the engine through many random histories, a
// day at a time (uses, Keeps, revocations, Snoozes, Removes, failed
// deliveries and failed steps), as the workflow would apply its intents,
// and checks what must hold whatever happens:
//
//   - nothing is quarantined or deleted while a Keep holds, nor when the
//     scan judges the principal used;
//   - a quarantine comes after a delivered quarantine warning at least
//     warn-before earlier, or after a Remove of its round;
//   - a deletion comes after a delivered delete warning at least
//     warn-before earlier, of a principal quarantined at least
//     delete-after earlier and not used since;
//   - a tripwire's principal is never deleted afterwards in its round.
func TestDecide_safety(t *testing.T) {
	p := policy() // quarantine after 14d, delete 30d later, warn 3d before
	seen := map[iamsweep.ActionKind]int{}
	for seed := uint64(1); seed <= 300; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			simulate(t, rand.New(rand.NewPCG(seed, 42)), p, seen)
		})
	}
	// The histories reach every step, or the checks above prove little.
	for _, k := range []iamsweep.ActionKind{iamsweep.ActionQuarantine, iamsweep.ActionDelete, ActionRelease} {
		if seen[k] < 10 {
			t.Errorf("only %d %s steps in all histories: %v", seen[k], k, seen)
		}
	}
}

func simulate(t *testing.T, rng *rand.Rand, p Policy, seen map[iamsweep.ActionKind]int) {
	var (
		st         State
		exceptions []iamsweep.Exception
		decisions  []iamsweep.Decision
		lastUsed   = t0.Add(-days(200))
		deleted    bool
		warnedAt   = map[iamsweep.Stage]time.Time{} // delivery of the warnings of this round
		round      int
		tripped    bool
	)
	for n := 0; n < 200; n++ {
		now := at(n)
		// The world changes.
		switch r := rng.IntN(100); {
		case r < 3 && !deleted:
			lastUsed = now.Add(-time.Hour) // used
		case r < 5:
			exceptions = append(exceptions, iamsweep.Exception{ID: fmt.Sprint("x", n), Key: roleKey, By: "alice", Reason: "r",
				Created: now, Until: now.Add(days(1 + rng.IntN(60)))})
		case r < 6 && len(exceptions) > 0:
			e := &exceptions[rng.IntN(len(exceptions))]
			if e.Revoked.IsZero() {
				e.Revoked = now
			}
		case r < 9:
			decisions = append(decisions, iamsweep.Decision{Key: roleKey, Kind: iamsweep.DecisionSnooze, By: "alice", At: now,
				Until: now.Add(days(1 + rng.IntN(20)))})
		case r < 11:
			decisions = append(decisions, iamsweep.Decision{Key: roleKey, Kind: iamsweep.DecisionRemove, By: "alice", At: now})
		case r < 12 && deleted:
			deleted = false // restored: a new principal, never used
			lastUsed = time.Time{}
		}
		if deleted {
			continue // the scan finds nothing: the engine is not asked
		}
		f := role(iamsweep.VerdictUnused, lastUsed)
		if !lastUsed.IsZero() && now.Sub(lastUsed) < days(90) {
			f.Verdict = iamsweep.VerdictUsed
		}
		if !st.QuarantinedAt.IsZero() {
			f.Tags = []iamsweep.Tag{{Key: quarantineTag, Value: "x"}}
		}
		var states []State
		if st.Key != "" {
			states = []State{st}
		}
		its := Decide(Input{Now: now, Findings: []iamsweep.Finding{f}, States: states, Exceptions: exceptions, Decisions: decisions, Policy: p})
		if len(its) == 0 {
			continue
		}
		it := its[0]
		if it.State.Round != round {
			round, warnedAt, tripped = it.State.Round, map[iamsweep.Stage]time.Time{}, false
		}
		if it.Notice != nil && it.Notice.Stage == iamsweep.StageTripwire {
			tripped = true
		}
		kept := false
		for _, e := range exceptions {
			kept = kept || e.Active(now)
		}
		removed := false
		for _, d := range decisions {
			removed = removed || d.Kind == iamsweep.DecisionRemove && !d.At.Before(it.State.FirstNoticeAt)
		}
		switch it.Action {
		case iamsweep.ActionQuarantine, iamsweep.ActionDelete:
			if kept {
				t.Fatalf("day %d: %s under a Keep", n, it.Action)
			}
			if f.Verdict != iamsweep.VerdictUnused {
				t.Fatalf("day %d: %s of a used principal", n, it.Action)
			}
		}
		switch it.Action {
		case iamsweep.ActionQuarantine:
			w, ok := warnedAt[iamsweep.StageQuarantineWarning]
			if !removed && (!ok || now.Sub(w) < p.WarnBefore) {
				t.Fatalf("day %d: quarantine without a warning %s ahead (warned %v) or a Remove", n, p.WarnBefore, w)
			}
		case iamsweep.ActionDelete:
			w, ok := warnedAt[iamsweep.StageDeleteWarning]
			if !ok || now.Sub(w) < p.WarnBefore {
				t.Fatalf("day %d: deletion without a warning %s ahead (warned %v)", n, p.WarnBefore, w)
			}
			if now.Sub(st.QuarantinedAt) < days(30) || st.QuarantinedAt.IsZero() {
				t.Fatalf("day %d: deletion of a principal quarantined on %v", n, st.QuarantinedAt)
			}
			if lastUsed.After(st.QuarantinedAt) {
				t.Fatalf("day %d: deletion of a principal used since its quarantine", n)
			}
			if tripped {
				t.Fatalf("day %d: deletion after a tripwire", n)
			}
		}
		seen[it.Action]++
		// The workflow applies the intent: a notice is delivered or not, a
		// step succeeds or not.
		st = it.State
		switch {
		case it.Action != "":
			if rng.IntN(10) > 0 || it.Action == ActionRelease {
				st = it.Done
				if it.Action == iamsweep.ActionDelete {
					deleted = true
				}
			}
		case it.Notice != nil:
			if rng.IntN(5) > 0 {
				st = it.Done
				warnedAt[it.Notice.Stage] = now
			}
		}
	}
}
