package remediate

import (
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
	"github.com/iamsweep/iamsweep/internal/refine"
)

// RefinePlanInput is what a plan of refine actions is made from.
type RefinePlanInput struct {
	ID      string
	Created time.Time
	// AsOf is when the refinement's windows end; WindowDays its default
	// window (the plan's UnusedDays).
	AsOf       time.Time
	WindowDays int
	// Results are the refinements (iamsweep refine), one per principal.
	Results []refine.Result
	// Principals are what the refinements were made from, by ARN: their
	// unique ID (the re-check compares it), account name and tags (the
	// guardrails read them).
	Principals map[string]RefinedPrincipal
}

// RefinedPrincipal is what a refine action needs to know of its principal
// beyond the refinement.
type RefinedPrincipal struct {
	ID          string
	AccountName string
	Tags        []iamsweep.Tag
}

// MakeRefinePlan turns refinements into a plan: one refine action per
// principal with at least one recommended step, its changes in the
// refinement's policy order. Actions a guardrail or RefineGuard stops
// carry the reason in Refused.
func MakeRefinePlan(in RefinePlanInput, p iamsweep.RemediationPolicy) iamsweep.Plan {
	plan := iamsweep.Plan{ID: in.ID, Created: in.Created, AsOf: in.AsOf, UnusedDays: in.WindowDays}
	for _, r := range in.Results {
		if r.Status != refine.StatusRefined {
			continue
		}
		t, err := ParseTarget(r.ARN)
		if err != nil {
			continue // refine reads only role and user ARNs
		}
		pr := in.Principals[r.ARN]
		a := iamsweep.Action{Kind: iamsweep.ActionRefine, Principal: t.Principal, AccountID: t.AccountID, AccountName: pr.AccountName,
			ARN: r.ARN, Name: t.Name, Path: t.Path,
			Finding: iamsweep.Finding{Type: iamsweep.TypeUnusedPermission, AccountID: t.AccountID, AccountName: pr.AccountName,
				ARN: r.ARN, PrincipalID: pr.ID, Name: t.Name, Path: t.Path, Reason: r.Reason, Tags: pr.Tags}}
		for _, pol := range r.Policies {
			if c, ok := policyChange(pol); ok {
				a.Changes = append(a.Changes, c)
			}
		}
		if len(a.Changes) == 0 {
			continue
		}
		a.Notes, a.Irreversible = describeKind(a.Principal, a.Kind)
		a.Refused = Guardrail(a, pr.Tags, p)
		if a.Refused == "" {
			a.Refused = PolicyAllows(a, p)
		}
		plan.Actions = append(plan.Actions, a)
	}
	for i := range plan.Actions {
		plan.Actions[i].ID = fmt.Sprintf("a%03d", i+1)
	}
	return plan
}

// policyChange is the change a policy's recommended steps make; false
// when it has none.
func policyChange(pr refine.PolicyResult) (iamsweep.PolicyChange, bool) {
	if !pr.Changed() {
		return iamsweep.PolicyChange{}, false
	}
	c := iamsweep.PolicyChange{Policy: pr.ID, Inline: pr.Inline, Document: string(policy.Marshal(pr.Existing))}
	for _, st := range pr.Steps {
		if st.Action == refine.CreatePolicy && st.RecommendedPolicy != nil {
			c.Refined = string(policy.Marshal(*st.RecommendedPolicy))
			if !pr.Inline {
				c.RefinedName = pr.RecommendedName
			}
		}
	}
	return c, true
}
