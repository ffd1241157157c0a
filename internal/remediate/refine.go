package remediate

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
	"github.com/iamsweep/iamsweep/internal/refine"
)

// This file applies refine actions: a used principal's policies narrowed
// to what it used (iamsweep refine --plan). The change is the principal's
// alone: a refined managed policy is a new customer managed policy
// created for it, attached to it, and the existing policy detached from
// it, never edited (other principals may use it); an inline policy is put
// back refined under its own name, or deleted.

// RefinedPolicyPath is the path of the customer managed policies refine
// actions create.
const RefinedPolicyPath = "/iamsweep/refined/"

// TagRefinedBy is the tag of a policy a refine action created: its value
// names the plan and action ("plan=p-... action=a001").
const TagRefinedBy = TagPrefix + "refined-by"

// RefinedPolicyARN is the ARN of the refined policy named name that a
// refine action creates for the principal principalARN (in its account
// and partition, under RefinedPolicyPath).
func RefinedPolicyARN(principalARN, name string) string {
	partition, account := "aws", ""
	if a, err := iamsweep.ParseARN(principalARN); err == nil {
		partition, account = a.Partition, a.AccountID
	}
	return "arn:" + partition + ":iam::" + account + ":policy" + RefinedPolicyPath + name
}

// canonical returns a policy document in one printing (policy.Marshal of
// its parse), so that documents that say the same thing compare equal
// whatever their white space and element order; a document that does not
// parse is returned as it is.
func canonical(doc string) string {
	d, err := policy.Parse([]byte(doc))
	if err != nil {
		return doc
	}
	return string(policy.Marshal(d))
}

// docText is a managed policy's document as canonical prints it.
func docText(p iamsweep.ManagedPolicy) string { return string(policy.Marshal(p.Document)) }

// sameDocument reports whether two policy documents say the same thing.
func sameDocument(a, b string) bool { return canonical(a) == canonical(b) }

// RefineGuard returns why the refine action a must not run whatever IAM
// holds, or "" when it may: it has changes; each names its policy and
// parses; a Deny-only policy is never touched; a Deny is never removed
// (no detaching or deleting a policy that holds one, no refined document
// without each Deny statement of the existing one); and a refined document
// allows nothing its existing one does not (RefinedWithin). A plan file
// edited by hand gets no further than this.
func RefineGuard(a iamsweep.Action) string {
	if len(a.Changes) == 0 {
		return "a refine action without policy changes: the plan was edited; make a new one with iamsweep refine --plan"
	}
	for _, c := range a.Changes {
		if why := refineChangeGuard(c); why != "" {
			return "policy " + c.Policy + ": " + why
		}
	}
	return ""
}

func refineChangeGuard(c iamsweep.PolicyChange) string {
	if c.Policy == "" {
		return "names no policy"
	}
	if c.Inline == (c.RefinedName != "") && c.Refined != "" {
		return "an inline policy is refined under its own name, a managed one under a new name (refined_name): the plan was edited"
	}
	if !c.Inline && c.Refined == "" && c.RefinedName != "" {
		return "a refined name without a refined document: the plan was edited"
	}
	before, err := policy.Parse([]byte(c.Document))
	if err != nil {
		return "its planned document does not parse: " + err.Error()
	}
	denies, allows := 0, 0
	for _, s := range before.Statements {
		if strings.EqualFold(s.Effect, "Deny") {
			denies++
		} else {
			allows++
		}
	}
	if allows == 0 {
		return "it allows nothing (Deny statements only): iamsweep never changes it"
	}
	if c.Refined == "" {
		if denies > 0 {
			return "it holds Deny statements: detaching or deleting it would remove them, and iamsweep never removes a Deny"
		}
		return ""
	}
	after, err := policy.Parse([]byte(c.Refined))
	if err != nil {
		return "its refined document does not parse: " + err.Error()
	}
	for _, s := range before.Statements {
		if strings.EqualFold(s.Effect, "Deny") && !containsStatement(after.Statements, s) {
			return "its refined document lacks a Deny statement of the existing one, and iamsweep never removes a Deny"
		}
	}
	if why := RefinedWithin(before, after); why != "" {
		return "its refined document allows more than the existing one (" + why + "): the plan was edited"
	}
	return ""
}

func containsStatement(list []iamsweep.Statement, s iamsweep.Statement) bool {
	for _, o := range list {
		if reflect.DeepEqual(o, s) {
			return true
		}
	}
	return false
}

// RefinedWithin returns "" when every Allow statement of after is within
// one of before: the same Principal, Resource, NotResource and Condition,
// and actions the existing statement allows (an action it matches, or a
// wildcard that is the existing one or narrows a trailing-"*" existing
// one); a NotAction statement is within an existing "*" statement or a
// NotAction statement whose exclusions it keeps. Otherwise it names the
// first statement that is not. It is deliberately stricter than IAM's
// semantics: what refine writes passes it, and a hand-edited widening
// does not.
func RefinedWithin(before, after iamsweep.PolicyDocument) string {
	for i, s := range after.Statements {
		if strings.EqualFold(s.Effect, "Deny") {
			continue
		}
		ok := false
		for _, b := range before.Statements {
			if !strings.EqualFold(b.Effect, "Deny") && statementWithin(b, s) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Sprintf("statement %d", i+1)
		}
	}
	return ""
}

func statementWithin(b, s iamsweep.Statement) bool {
	if !reflect.DeepEqual(b.Principal, s.Principal) || !reflect.DeepEqual(b.NotPrincipal, s.NotPrincipal) ||
		!reflect.DeepEqual(b.Resources, s.Resources) || !reflect.DeepEqual(b.NotResources, s.NotResources) ||
		!reflect.DeepEqual(b.Conditions, s.Conditions) {
		return false
	}
	if s.NotActions != nil {
		if hasStar(b.Actions) {
			return true
		}
		if b.NotActions == nil {
			return false
		}
		for _, x := range b.NotActions {
			if !containsFold(s.NotActions, x) {
				return false
			}
		}
		return true
	}
	if len(s.Actions) == 0 {
		return false
	}
	for _, a := range s.Actions {
		if !actionWithin(b, a) {
			return false
		}
	}
	return true
}

func hasStar(list []string) bool { return containsFold(list, "*") }

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// actionWithin reports whether statement b allows every action pattern a
// matches.
func actionWithin(b iamsweep.Statement, a string) bool {
	wild := strings.ContainsAny(a, "*?")
	if b.NotActions != nil {
		// Within a NotAction statement: a names no excluded action.
		if wild {
			return false
		}
		for _, x := range b.NotActions {
			if refine.MatchAction(x, a) {
				return false
			}
		}
		return true
	}
	for _, p := range b.Actions {
		if globWithin(strings.ToLower(p), strings.ToLower(a)) {
			return true
		}
	}
	return false
}

// globWithin reports whether every action the pattern a matches, pattern
// p matches too (both lower case; "*" any run of characters, "?" one): a
// "*" of a can only be covered by a "*" of p, a "?" of a by a "?" or "*"
// of p, a letter by the same letter or a wildcard of p.
func globWithin(p, a string) bool {
	// memo[i][j]: p[i:] covers a[j:]; 0 unknown, 1 yes, 2 no.
	memo := make([][]byte, len(p)+1)
	for i := range memo {
		memo[i] = make([]byte, len(a)+1)
	}
	var within func(i, j int) bool
	within = func(i, j int) bool {
		if m := memo[i][j]; m != 0 {
			return m == 1
		}
		var ok bool
		switch {
		case i == len(p):
			ok = j == len(a)
		case p[i] == '*':
			ok = within(i+1, j) || (j < len(a) && within(i, j+1))
		case j == len(a) || a[j] == '*':
			ok = false
		case p[i] == '?':
			ok = within(i+1, j+1)
		default:
			ok = a[j] != '?' && p[i] == a[j] && within(i+1, j+1)
		}
		memo[i][j] = 2
		if ok {
			memo[i][j] = 1
		}
		return ok
	}
	return within(0, 0)
}

// refineOps returns the calls of the principal kind.
func refineOps(principal string) principalOps {
	if principal == "role" {
		return roleOps
	}
	return userOps
}

// RefineSteps returns the calls that bring principal p (in its current
// state) to the refinement of action a: first each refined managed policy
// is created (unless created holds it: the policies IAM has under the
// refined ARNs, by ARN) and each refined inline policy put, then the
// refined managed policies attached, then the existing ones detached and
// the inline ones to go deleted. So the principal never has less access
// during the apply than after it. Steps already done are left out, so an
// interrupted apply resumes where it stopped. A policy under a refined
// ARN with another document is not this refinement's: an error.
func RefineSteps(a iamsweep.Action, p policies, created map[string]iamsweep.ManagedPolicy, tag iamsweep.Tag) ([]iamsweep.Step, error) {
	ops := refineOps(a.Principal)
	var first, attach, remove []iamsweep.Step
	inline := map[string]string{}
	for _, d := range p.inline {
		inline[d.Name] = d.Document
	}
	attached := map[string]bool{}
	for _, arn := range p.attached {
		attached[arn] = true
	}
	for _, c := range a.Changes {
		switch {
		case c.Inline && c.Refined != "":
			if have, ok := inline[c.Policy]; !ok || !sameDocument(have, c.Refined) {
				first = append(first, iamsweep.Step{Op: ops.putPolicy, Name: p.name, Target: c.Policy, Document: c.Refined})
			}
		case c.Inline:
			if _, ok := inline[c.Policy]; ok {
				remove = append(remove, iamsweep.Step{Op: ops.deletePolicy, Name: p.name, Target: c.Policy})
			}
		default:
			if c.Refined != "" {
				arn := RefinedPolicyARN(p.arn, c.RefinedName)
				have, exists := created[arn]
				switch {
				case !exists:
					first = append(first, iamsweep.Step{Op: iamsweep.OpCreatePolicy, Target: arn, Document: c.Refined, Tags: []iamsweep.Tag{tag}})
				case !sameDocument(docText(have), c.Refined):
					return nil, fmt.Errorf("managed policy %s exists with another document than this refinement's: delete or rename it, or refine again", arn)
				}
				if !attached[arn] {
					attach = append(attach, iamsweep.Step{Op: ops.attach, Name: p.name, Target: arn})
				}
			}
			if attached[c.Policy] {
				remove = append(remove, iamsweep.Step{Op: ops.detach, Name: p.name, Target: c.Policy})
			}
		}
	}
	return append(append(first, attach...), remove...), nil
}

// refineTag is the tag of the policies the refine action a of plan
// planID creates.
func refineTag(planID string, a iamsweep.Action) iamsweep.Tag {
	return iamsweep.Tag{Key: TagRefinedBy, Value: TagValue("plan=" + planID + " action=" + a.ID)}
}

// policyReader returns m's PolicyReader.
func policyReader(m iamsweep.Mutator) (iamsweep.PolicyReader, error) {
	pr, ok := m.(iamsweep.PolicyReader)
	if !ok {
		return nil, errors.New("this account's client cannot read managed policies, which a refine action needs")
	}
	return pr, nil
}

// readCreated reads the refined policies action a creates, by ARN; those
// that do not exist are left out.
func readCreated(ctx context.Context, m iamsweep.Mutator, a iamsweep.Action) (map[string]iamsweep.ManagedPolicy, error) {
	out := map[string]iamsweep.ManagedPolicy{}
	pr, err := policyReader(m)
	if err != nil {
		return nil, err
	}
	for _, c := range a.Changes {
		if c.Inline || c.Refined == "" {
			continue
		}
		arn := RefinedPolicyARN(a.ARN, c.RefinedName)
		got, err := pr.ReadPolicy(ctx, arn)
		switch {
		case errors.Is(err, iamsweep.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("read managed policy %s: %w", arn, err)
		default:
			out[arn] = got
		}
	}
	return out, nil
}

// refineRecheck returns why the principal p no longer is as the
// refinement saw it ("" when it is): an inline policy changed or gone, a
// managed policy detached or given another default version since. The
// refinement was computed from those documents; applied to others it
// could take away what is used now.
func refineRecheck(ctx context.Context, m iamsweep.Mutator, a iamsweep.Action, p policies) (string, error) {
	pr, err := policyReader(m)
	if err != nil {
		return "", err
	}
	for _, c := range a.Changes {
		if c.Inline {
			found := false
			for _, d := range p.inline {
				if d.Name == c.Policy {
					found = true
					if !sameDocument(d.Document, c.Document) {
						return "inline policy " + c.Policy + " changed since the refinement: refine again", nil
					}
				}
			}
			if !found {
				return "inline policy " + c.Policy + " is gone since the refinement: refine again", nil
			}
			continue
		}
		if !containsString(p.attached, c.Policy) {
			return "managed policy " + c.Policy + " is no longer attached: refine again", nil
		}
		got, err := pr.ReadPolicy(ctx, c.Policy)
		if err != nil {
			return "", fmt.Errorf("read managed policy %s: %w", c.Policy, err)
		}
		if !sameDocument(docText(got), c.Document) {
			return fmt.Sprintf("managed policy %s changed since the refinement (default version %s): refine again", c.Policy, got.DefaultVersionID), nil
		}
	}
	return "", nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// refinedBy returns the ARNs of the policies the refine action that took
// backup b created (or would have), or nil when no refine action took it.
func (s *Service) refinedBy(ctx context.Context, b iamsweep.Backup) []string {
	if b.PlanID == "" {
		return nil
	}
	p, err := s.Store.LoadPlan(ctx, b.PlanID)
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range p.Actions {
		if a.ID != b.ActionID || a.Kind != iamsweep.ActionRefine {
			continue
		}
		for _, c := range a.Changes {
			if !c.Inline && c.Refined != "" {
				out = append(out, RefinedPolicyARN(a.ARN, c.RefinedName))
			}
		}
	}
	return out
}

// UnrefineSteps returns the calls a restore adds for the policies a
// refine action created: each one the principal holds and its backup did
// not is detached, then deleted when nothing else holds it (created are
// the policies as IAM has them now, by ARN; a policy another principal
// was given since stays, and a note says so).
func UnrefineSteps(principal, name string, backupAttached, attached []string, refined []string, created map[string]iamsweep.ManagedPolicy) ([]iamsweep.Step, []string) {
	ops := refineOps(principal)
	var detach, del []iamsweep.Step
	var notes []string
	for _, arn := range refined {
		if containsString(backupAttached, arn) {
			continue
		}
		holds := containsString(attached, arn)
		if holds {
			detach = append(detach, iamsweep.Step{Op: ops.detach, Name: name, Target: arn})
		}
		p, exists := created[arn]
		if !exists {
			continue
		}
		others := p.AttachmentCount
		if holds {
			others--
		}
		if others > 0 {
			notes = append(notes, fmt.Sprintf("managed policy %s, which the refinement created, is attached to %d other principals or groups: it was kept", arn, others))
			continue
		}
		del = append(del, iamsweep.Step{Op: iamsweep.OpDeletePolicy, Target: arn})
	}
	return append(detach, del...), notes
}

// RoomForAttach chooses, when attaching steps[i] (a refined policy) meets
// IAM's quota of managed policies per principal, the detachment among the
// later steps to make first: one of a policy nothing replaces (detached
// whole, as unused), else one whose refined copy is attached already, so
// that the principal never lacks what it keeps; else the detachment of
// the policy steps[i] replaces, and gap is true: for a moment the
// principal holds neither. have are the principal's managed policies
// before the steps. ok is false when no later step detaches.
func RoomForAttach(a iamsweep.Action, steps []iamsweep.Step, i int, have []string) (j int, gap, ok bool) {
	ops := refineOps(a.Principal)
	replaced := map[string]string{} // existing policy ARN -> its refined copy's ARN
	for _, c := range a.Changes {
		if !c.Inline && c.Refined != "" {
			replaced[c.Policy] = RefinedPolicyARN(a.ARN, c.RefinedName)
		}
	}
	attached := map[string]bool{}
	for _, arn := range have {
		attached[arn] = true
	}
	for _, st := range steps[:i] {
		if st.Op == ops.attach {
			attached[st.Target] = true
		}
	}
	paired := -1
	for k := i + 1; k < len(steps); k++ {
		st := steps[k]
		if st.Op != ops.detach {
			continue
		}
		copyARN, isReplaced := replaced[st.Target]
		switch {
		case !isReplaced, attached[copyARN]:
			return k, false, true
		case copyARN == steps[i].Target && paired < 0:
			paired = k
		}
	}
	if paired >= 0 {
		return paired, true, true
	}
	return 0, false, false
}
