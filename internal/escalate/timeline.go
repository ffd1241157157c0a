package escalate

import (
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
)

// Planned is a step of an escalation still to come, as the policy
// schedules it now; a decision, a use or a snooze may change it.
type Planned struct {
	At   time.Time
	What string
}

// Plan returns the steps still planned for st after now, in time order:
// the warnings, the quarantine, the deletion. A stopped, deleted or
// notice-only escalation has none.
func Plan(st State, p Policy, now time.Time) []Planned {
	if st.Stopped != "" || !st.DeletedAt.IsZero() || st.Next == "" {
		return nil
	}
	steps := p.Types[st.Type]
	var out []Planned
	at := st.NextAt
	warned := st.Stage == iamsweep.StageQuarantineWarning || st.Stage == iamsweep.StageDeleteWarning
	if st.SnoozedUntil.After(at) {
		// The snooze moves the step: its owner is warned again (Decide).
		at, warned = st.SnoozedUntil, false
	}
	warn := func(next iamsweep.ActionKind, on time.Time) {
		w := on.Add(-p.WarnBefore)
		if w.Before(now) {
			w = now
		}
		stage := iamsweep.StageQuarantineWarning
		if iamsweep.Deleting(next) {
			stage = iamsweep.StageDeleteWarning
		}
		out = append(out, Planned{At: w, What: fmt.Sprintf("%s notice: %s on %s", stage, next, on.UTC().Format("2006-01-02"))})
	}
	if !warned {
		// A step whose warning is late moves to give the owner WarnBefore;
		// no warning goes out while a snooze holds.
		if min := now.Add(p.WarnBefore); at.Before(min) {
			at = min
		}
		if min := st.SnoozedUntil.Add(p.WarnBefore); st.SnoozedUntil.After(now) && at.Before(min) {
			at = min
		}
		warn(st.Next, at)
	}
	out = append(out, Planned{At: at, What: string(st.Next)})
	if !iamsweep.Deleting(st.Next) && steps.Delete != "" {
		del := at.Add(steps.DeleteAfter)
		warn(steps.Delete, del)
		out = append(out, Planned{At: del, What: string(steps.Delete) + " (if still unused; the backup is kept)"})
	}
	return out
}
