package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/escalate"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// ReferenceReader reads what still points at principals (iamsweep refs):
// each account the ARNs name is read once, whatever their number. The
// result holds an entry for every ARN asked.
type ReferenceReader func(ctx context.Context, arns []string) (map[string]iamsweep.PrincipalReferences, error)

// principalStep reports whether a finding is of a role or a user, the
// principals whose quarantine or delete references make matter (an
// access key's steps leave the user in place).
func principalStep(f iamsweep.Finding) bool {
	return f.Type == iamsweep.TypeUnusedIAMRole || f.Type == iamsweep.TypeUnusedIAMUser
}

// readReferences reads, once for the run, the references of the unused
// roles and users of the scan: the principals the run may quarantine or
// delete. It returns nil when the runner reads none.
func (r *Runner) readReferences(ctx context.Context, findings []iamsweep.Finding) (map[string]iamsweep.PrincipalReferences, error) {
	if r.References == nil {
		return nil, nil
	}
	var arns []string
	for _, f := range findings {
		if principalStep(f) && f.Unused() && !slices.Contains(arns, f.ARN) {
			arns = append(arns, f.ARN)
		}
	}
	if len(arns) == 0 {
		return nil, nil
	}
	refs, err := r.References(ctx, arns)
	if err != nil {
		return nil, fmt.Errorf("read what still references the unused principals: %w", err)
	}
	return refs, nil
}

// refuseReferenced returns r.Refuse, with a delete of a principal still
// referenced (unless DeleteReferenced), or whose references were not all
// read (unless DeleteUnchecked), refused as plan --refs refuses it:
// the escalation then schedules no delete, and its notice says why.
func (r *Runner) refuseReferenced(refs map[string]iamsweep.PrincipalReferences) func(iamsweep.Finding, iamsweep.ActionKind) string {
	if refs == nil {
		return r.Refuse
	}
	return func(f iamsweep.Finding, kind iamsweep.ActionKind) string {
		if r.Refuse != nil {
			if why := r.Refuse(f, kind); why != "" {
				return why
			}
		}
		if kind != iamsweep.ActionDelete || !principalStep(f) {
			return ""
		}
		ref, ok := refs[f.ARN]
		if !ok {
			if r.DeleteUnchecked {
				return ""
			}
			return "references not read for this principal; set remediation.delete-unchecked: true to delete it anyway"
		}
		if what := remediate.Breaks(ref); what != "" && !r.DeleteReferenced {
			return "still referenced: " + what + "; remove the references, or set remediation.delete-referenced: true"
		}
		if len(ref.NotChecked) > 0 && !r.DeleteUnchecked {
			return "references not all checked: " + notCheckedText(ref.NotChecked) + "; grant the reads, or set remediation.delete-unchecked: true"
		}
		return ""
	}
}

// noteReferences adds to the notice of an intent what will stop working
// when the principal is quarantined: on the warning before the
// quarantine and on the notice of the quarantine itself.
func noteReferences(it *escalate.Intent, refs map[string]iamsweep.PrincipalReferences) {
	n := it.Notice
	if n == nil || !principalStep(it.Finding) {
		return
	}
	var lead string
	switch {
	case it.Action == iamsweep.ActionQuarantine || n.Stage == iamsweep.StageQuarantined:
		lead = "While it is quarantined, these stop working: "
	case n.Next == iamsweep.ActionQuarantine:
		lead = "Once it is quarantined, these stop working: "
	default:
		return
	}
	r, ok := refs[it.Finding.ARN]
	if !ok {
		return
	}
	var parts []string
	if what := remediate.Breaks(r); what != "" {
		parts = append(parts, lead+what+".")
	}
	if len(r.NotChecked) > 0 {
		var srcs []string
		for _, nc := range r.NotChecked {
			srcs = append(srcs, nc.Service)
		}
		slices.Sort(srcs)
		parts = append(parts, "Not checked for references: "+strings.Join(slices.Compact(srcs), ", ")+".")
	}
	if len(parts) == 0 {
		return
	}
	if n.Note != "" {
		parts = append([]string{n.Note}, parts...)
	}
	n.Note = strings.Join(parts, " ")
}

// notCheckedText names the sources of a principal's references that
// could not be read, each once, sorted ("kms key policies (eu-west-1),
// lambda functions (us-east-1)").
func notCheckedText(ncs []iamsweep.NotChecked) string {
	var srcs []string
	for _, nc := range ncs {
		where := nc.Region
		if where == "" {
			where = "global"
		}
		srcs = append(srcs, nc.Service+" ("+where+")")
	}
	slices.Sort(srcs)
	return strings.Join(slices.Compact(srcs), ", ")
}
