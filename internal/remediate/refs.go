package remediate

import (
	"fmt"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// maxReasons bounds the references a refusal or note names; the rest are
// counted ("and 3 more: iamsweep refs ARN").
const maxReasons = 3

// applyReferences refuses a delete of a principal that is still
// referenced (unless policy p's DeleteReferenced allows it), or whose
// references were not all read (unless its DeleteUnchecked allows it),
// and notes, on every role and user action, what will break and what
// could not be checked.
func applyReferences(a *iamsweep.Action, all map[string]iamsweep.PrincipalReferences, p iamsweep.RemediationPolicy) {
	if a.Kind != iamsweep.ActionDelete && a.Kind != iamsweep.ActionQuarantine {
		return
	}
	r, ok := referencesOf(all, a.ARN)
	if !ok {
		if a.Kind == iamsweep.ActionDelete && !p.DeleteUnchecked {
			if a.Refused == "" {
				a.Refused = "references not read for this principal: run iamsweep refs " + a.ARN + " and plan with its output, or set remediation.delete-unchecked: true"
			}
			return
		}
		a.Notes = append(a.Notes, "references not read for this principal: run iamsweep refs "+a.ARN+" before applying")
		return
	}
	blocking := r.Blocking()
	if len(blocking) > 0 {
		what := summarize(blocking, a.ARN)
		switch {
		case a.Kind == iamsweep.ActionQuarantine:
			a.Notes = append(a.Notes, "while quarantined, these stop working: "+what)
		case !p.DeleteReferenced:
			if a.Refused == "" {
				a.Refused = "still referenced: " + what + "; quarantine it instead (reversible), remove the references, or set remediation.delete-referenced: true"
			}
		default:
			a.Notes = append(a.Notes, "deleted although still referenced (remediation.delete-referenced): these break: "+what)
		}
	}
	if len(r.NotChecked) > 0 {
		var parts []string
		for _, n := range r.NotChecked {
			where := n.Region
			if where == "" {
				where = "global"
			}
			parts = append(parts, fmt.Sprintf("%s (%s): %s", n.Service, where, n.Reason))
		}
		unchecked := strings.Join(parts, "; ")
		if a.Kind == iamsweep.ActionDelete && !p.DeleteUnchecked {
			// What was not read may still point at the principal: a
			// delete cannot be undone by releasing a quarantine.
			if a.Refused == "" {
				a.Refused = "references not all checked: " + unchecked + "; grant the reads, quarantine it instead (reversible), or set remediation.delete-unchecked: true"
			}
			return
		}
		a.Notes = append(a.Notes, "references not checked: "+unchecked)
	}
}

// referencesOf returns the references read for the principal of arn:
// under that ARN, or under another ARN of the same principal (refs takes
// a role's ARN with any path and in any case, so a --refs-file may name
// role/old-etl-role for the plan's role/legacy/old-etl-role).
func referencesOf(all map[string]iamsweep.PrincipalReferences, arn string) (iamsweep.PrincipalReferences, bool) {
	if r, ok := all[arn]; ok {
		return r, true
	}
	want, ok := principalKeyOf(arn)
	if !ok {
		return iamsweep.PrincipalReferences{}, false
	}
	found := ""
	for other := range all {
		if k, ok := principalKeyOf(other); ok && k == want && (found == "" || other < found) {
			found = other // the least, so that the plan does not depend on the map's order
		}
	}
	r, ok := all[found]
	return r, ok && found != ""
}

// principalKeyOf returns the account, kind and name of an IAM role or
// user ARN.
func principalKeyOf(arn string) (iamsweep.PrincipalKey, bool) {
	a, err := iamsweep.ParseARN(arn)
	if err != nil {
		return iamsweep.PrincipalKey{}, false
	}
	for _, kind := range []string{"role", "user"} {
		if _, name, err := a.IAMResource(kind); err == nil {
			return iamsweep.NewPrincipalKey(a.AccountID, kind, name), true
		}
	}
	return iamsweep.PrincipalKey{}, false
}

// summarize names the first references and counts the others.
func summarize(refs []iamsweep.Reference, arn string) string {
	var parts []string
	for i, r := range refs {
		if i == maxReasons {
			parts = append(parts, fmt.Sprintf("and %d more (iamsweep refs %s)", len(refs)-maxReasons, arn))
			break
		}
		where := r.ARN
		if r.Region != "" {
			where += " in " + r.Region
		}
		parts = append(parts, r.Why+" ("+where+")")
	}
	return strings.Join(parts, "; ")
}

// KindNotes returns the notes every action of kind on a principal ("role"
// or "user") carries, so that a display can tell them from the notes of
// one action.
func KindNotes(principal string, kind iamsweep.ActionKind) []string {
	notes, _ := describeKind(principal, kind)
	return notes
}

// Breaks says what stops working when the principal of r is quarantined
// or deleted: its blocking references, the first few named and the others
// counted; "" when none blocks.
func Breaks(r iamsweep.PrincipalReferences) string {
	blocking := r.Blocking()
	if len(blocking) == 0 {
		return ""
	}
	return summarize(blocking, r.ARN)
}
