package refine

import (
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// evidence answers "was this action used in the window?" from an
// AccessReport, with three answers: used, unused, and unknown (no data),
// which Refine treats as used: an evidence gap is not evidence of non-use.
type evidence struct {
	services map[string]*serviceEvidence // by lower-case namespace
	order    []string                    // namespaces in report order, lower case
}

type serviceEvidence struct {
	namespace   string // as the report spells it
	used        bool   // last accessed within the window
	actionLevel bool
	// actions are the actions IAM tracks for the service, in report
	// order, and tracked their indexes by lower-case name; an action
	// absent from it is not tracked, not unused.
	actions []trackedAction
	tracked map[string]int32
}

type trackedAction struct {
	key string // the name in lower case
	// qual is "namespace:Name", the namespace in lower case and the name
	// as the report first spells it.
	qual string
	used bool
}

// name is the action's name as the report first spells it; ns is the
// lower-case namespace it is tracked under.
func (t trackedAction) name(ns string) string { return t.qual[len(ns)+1:] }

// newEvidence reads rep, counting a use as a use when it happened at or
// after cutoff.
func newEvidence(rep iamsweep.AccessReport, cutoff time.Time) *evidence {
	return newEvidenceCat(rep, cutoff, nil)
}

// newEvidenceCat is newEvidence that lower-cases the names cat knows from
// cat's table rather than allocating (nil: none).
func newEvidenceCat(rep iamsweep.AccessReport, cutoff time.Time, cat *Catalog) *evidence {
	ev := &evidence{services: make(map[string]*serviceEvidence, len(rep.Services))}
	inWindow := func(t time.Time) bool { return !t.IsZero() && !t.Before(cutoff) }
	for _, s := range rep.Services {
		ns := cat.lowerPrefix(s.Namespace)
		se := ev.services[ns]
		if se == nil {
			se = &serviceEvidence{namespace: s.Namespace, tracked: make(map[string]int32, len(s.Actions)), actions: make([]trackedAction, 0, len(s.Actions))}
			ev.services[ns] = se
			ev.order = append(ev.order, ns)
		}
		se.used = se.used || inWindow(s.LastAccessed)
		se.actionLevel = se.actionLevel || (s.ActionLevel && rep.Granularity != iamsweep.GranularityService)
		index, lowers, quals := cat.nameIndex(ns)
		for _, a := range s.Actions {
			i, known := index[a.Name]
			var key string
			if known {
				key = lowers[i]
			} else {
				key = strings.ToLower(a.Name)
			}
			j, seen := se.tracked[key]
			if !seen {
				t := trackedAction{key: key}
				if known {
					t.qual = quals[i]
				} else {
					t.qual = ns + ":" + a.Name
				}
				j = int32(len(se.actions))
				se.tracked[key] = j
				se.actions = append(se.actions, t)
			}
			t := &se.actions[j]
			t.used = t.used || inWindow(a.LastAccessed)
			// A tracked action used in the window means its service was.
			se.used = se.used || t.used
		}
	}
	return ev
}

// keep reports whether the action service:name must stay allowed: its
// service is not in the report (no data), was used and is tracked at
// service level only, or was used and the action is untracked or used.
func (ev *evidence) keep(service, name string) bool {
	se := ev.services[strings.ToLower(service)]
	switch {
	case se == nil:
		return true
	case !se.used:
		return false
	case !se.actionLevel:
		return true
	}
	return se.keepLower(strings.ToLower(name))
}

// keepLower is keep for a used, action-level service and a lower-case
// action name.
func (se *serviceEvidence) keepLower(name string) bool {
	i, tracked := se.tracked[name]
	return !tracked || se.actions[i].used
}
