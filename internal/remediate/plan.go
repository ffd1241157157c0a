package remediate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// PlanInput is what a plan is made from.
type PlanInput struct {
	ID      string
	Created time.Time
	// Scan is the scan whose findings the plan acts on.
	Scan iamsweep.ScanResult
	// References are what still points at principals (iamsweep refs), by
	// principal ARN; nil when they were not read. A delete of a principal
	// with blocking references is refused unless the policy's
	// DeleteReferenced says otherwise; every role and user action notes
	// what will break.
	References map[string]iamsweep.PrincipalReferences
}

// MakePlan turns a scan's unused findings into actions by policy p. Every
// unused finding the policy acts on gets an action; those a guardrail
// stops carry the reason in Refused. Key and password actions of a user
// the plan deletes are left out: deleting the user removes them.
func MakePlan(in PlanInput, p iamsweep.RemediationPolicy) iamsweep.Plan {
	plan := iamsweep.Plan{ID: in.ID, Created: in.Created, AsOf: in.Scan.AsOf, UnusedDays: in.Scan.UnusedDays}
	deletedUsers := map[string]bool{}
	for _, f := range in.Scan.Findings {
		if f.Unused() && f.Type == iamsweep.TypeUnusedIAMUser && p.Users == iamsweep.ActionDelete {
			deletedUsers[f.ARN] = true
		}
	}
	for _, f := range in.Scan.Findings {
		if !f.Unused() {
			continue
		}
		kind := actionFor(f, p)
		if kind == "" {
			continue
		}
		if (f.Type == iamsweep.TypeUnusedIAMUserAccessKey || f.Type == iamsweep.TypeUnusedIAMUserPassword) && deletedUsers[f.ARN] {
			continue
		}
		a := newAction(f, kind)
		a.Refused = Guardrail(a, f.Tags, p)
		if in.References != nil {
			applyReferences(&a, in.References, p)
		}
		plan.Actions = append(plan.Actions, a)
	}
	ApplyLimits(plan.Actions, p)
	for i := range plan.Actions {
		plan.Actions[i].ID = fmt.Sprintf("a%03d", i+1)
	}
	return plan
}

func actionFor(f iamsweep.Finding, p iamsweep.RemediationPolicy) iamsweep.ActionKind {
	switch f.Type {
	case iamsweep.TypeUnusedIAMRole:
		return p.Roles
	case iamsweep.TypeUnusedIAMUser:
		return p.Users
	case iamsweep.TypeUnusedIAMUserAccessKey:
		return p.AccessKeys
	case iamsweep.TypeUnusedIAMUserPassword:
		return p.Passwords
	case iamsweep.TypeRootAccessKey:
		// Planned so the reviewer sees it, and always refused.
		return iamsweep.ActionDeleteKey
	}
	return ""
}

func newAction(f iamsweep.Finding, kind iamsweep.ActionKind) iamsweep.Action {
	a := iamsweep.Action{
		Kind:        kind,
		Principal:   "user",
		AccountID:   f.AccountID,
		AccountName: f.AccountName,
		ARN:         f.ARN,
		Name:        f.Name,
		Path:        f.Path,
		AccessKeyID: f.AccessKeyID,
		Finding:     f,
	}
	if f.Type == iamsweep.TypeUnusedIAMRole {
		a.Principal = "role"
	}
	a.Notes, a.Irreversible = describeKind(a.Principal, kind)
	return a
}

// describeKind returns what the reviewer of an action of kind on a role or
// user should know, and whether what it removes cannot be brought back.
func describeKind(principal string, kind iamsweep.ActionKind) (notes []string, irreversible bool) {
	switch kind {
	case iamsweep.ActionDelete:
		if principal == "role" {
			return []string{"a deleted role can be restored from its backup, but with a new unique ID: resource policies and trust policies that named it must be granted again"}, false
		}
		return []string{"a deleted user can be restored from its backup without its secrets: access keys, passwords and MFA devices are gone for good"}, true
	case iamsweep.ActionDeleteKey:
		return []string{"a deleted access key cannot come back: its secret is gone"}, true
	case iamsweep.ActionDeletePassword:
		return []string{"a console password cannot be disabled, only deleted: the user needs a new one to sign in again"}, true
	case iamsweep.ActionQuarantine:
		return []string{"reversible with iamsweep release; a denied attempt still counts as use in IAM's last-used data"}, false
	case iamsweep.ActionDeactivateKey:
		return []string{"reversible: the key can be made active again"}, false
	case iamsweep.ActionRefine:
		return []string{"reversible with iamsweep restore: the " + principal + "'s policies come back as they were and the refined policies created for it are deleted; a refined managed policy is a new one for this " + principal + " alone, the existing one is only detached from it"}, false
	}
	return nil, false
}

// policySettings are, per finding type, the remediation setting that
// chooses its action and the actions each value of it allows, mildest
// first: a setting allows its own action and the milder ones for the same
// finding, so that a plan made under a stricter policy still runs where
// it does less.
var policySettings = map[iamsweep.FindingType]struct {
	name, noun string
	get        func(iamsweep.RemediationPolicy) iamsweep.ActionKind
	actions    []iamsweep.ActionKind
}{
	iamsweep.TypeUnusedIAMRole: {"roles", "roles", func(p iamsweep.RemediationPolicy) iamsweep.ActionKind { return p.Roles },
		[]iamsweep.ActionKind{iamsweep.ActionQuarantine, iamsweep.ActionDelete}},
	iamsweep.TypeUnusedIAMUser: {"users", "users", func(p iamsweep.RemediationPolicy) iamsweep.ActionKind { return p.Users },
		[]iamsweep.ActionKind{iamsweep.ActionQuarantine, iamsweep.ActionDelete}},
	iamsweep.TypeUnusedIAMUserAccessKey: {"access-keys", "access keys", func(p iamsweep.RemediationPolicy) iamsweep.ActionKind { return p.AccessKeys },
		[]iamsweep.ActionKind{iamsweep.ActionDeactivateKey, iamsweep.ActionDeleteKey}},
	iamsweep.TypeUnusedIAMUserPassword: {"passwords", "console passwords", func(p iamsweep.RemediationPolicy) iamsweep.ActionKind { return p.Passwords },
		[]iamsweep.ActionKind{iamsweep.ActionDeletePassword}},
}

// PolicyAllows returns why remediation policy p does not allow action a,
// or "" when it does. The action must fit its finding (a role action for
// a role, a key action for a key...) and do no more than the policy's
// setting for that kind of finding: where remediation.roles says
// quarantine, a delete is refused; where it says delete, a quarantine
// still runs; where it says none, nothing does. A plan file edited by hand
// gets no further than the configuration at apply time lets it.
func PolicyAllows(a iamsweep.Action, p iamsweep.RemediationPolicy) string {
	if a.Finding.Type == iamsweep.TypeRootAccessKey {
		return "" // always refused by Guardrail
	}
	if a.Kind == iamsweep.ActionRefine || a.Finding.Type == iamsweep.TypeUnusedPermission {
		if a.Kind != iamsweep.ActionRefine || a.Finding.Type != iamsweep.TypeUnusedPermission || (a.Principal != "role" && a.Principal != "user") {
			return fmt.Sprintf("%s on a %s does not answer a finding of type %s: the plan was edited; make a new plan with iamsweep refine --plan", a.Kind, a.Principal, a.Finding.Type)
		}
		return RefineGuard(a)
	}
	ps, ok := policySettings[a.Finding.Type]
	if !ok {
		return fmt.Sprintf("no remediation acts on a finding of type %s: the plan was edited; make a new plan with iamsweep plan", a.Finding.Type)
	}
	wantPrincipal := "user"
	if a.Finding.Type == iamsweep.TypeUnusedIAMRole {
		wantPrincipal = "role"
	}
	at := slices.Index(ps.actions, a.Kind)
	if at < 0 || a.Principal != wantPrincipal {
		return fmt.Sprintf("%s on a %s does not answer a finding of type %s: the plan was edited; make a new plan with iamsweep plan", a.Kind, a.Principal, a.Finding.Type)
	}
	set := ps.get(p)
	setting := "remediation." + ps.name + ": " + string(cmp.Or(set, "none"))
	if set == "" {
		return fmt.Sprintf("the remediation policy acts on no unused %s (%s): %s is not run", ps.noun, setting, a.Kind)
	}
	if at > slices.Index(ps.actions, set) {
		return fmt.Sprintf("%s does more than the remediation policy allows (%s): make a new plan with iamsweep plan, or change the setting", a.Kind, setting)
	}
	return ""
}

// Bound returns plan p as policy lets it run now, for a person to review
// before apply: an action a guardrail or the policy refuses carries the
// reason in Refused, and every action's notes and irreversibility are
// those of its kind, whatever the plan file says. (The deletion limits
// are applied by Apply as it goes, counting what earlier applies did.)
func Bound(p iamsweep.Plan, policy iamsweep.RemediationPolicy) iamsweep.Plan {
	p.Actions = slices.Clone(p.Actions)
	for i := range p.Actions {
		a := &p.Actions[i]
		a.Notes, a.Irreversible = describeKind(a.Principal, a.Kind)
		if a.Refused == "" {
			a.Refused = cmp.Or(Guardrail(*a, a.Finding.Tags, policy), PolicyAllows(*a, policy))
		}
	}
	return p
}

// Guardrail returns why action a must not run, or "" when it may: the
// refusals that hold whatever the policy says (root keys, Identity
// Center, Control Tower, StackSets and Organizations roles, roles owned by
// a CloudFormation stack, service-linked roles without the explicit flag)
// and those of the policy (protected accounts). tags are the principal's
// tags as last read.
func Guardrail(a iamsweep.Action, tags []iamsweep.Tag, p iamsweep.RemediationPolicy) string {
	if slices.Contains(p.ProtectedAccounts, a.AccountID) {
		return "account " + a.AccountID + " is protected (remediation protected-accounts): it is never changed"
	}
	if a.Finding.Type == iamsweep.TypeRootAccessKey {
		return "a root user's access key can be deleted only by the root user: sign in as root and delete it under Security credentials"
	}
	if (a.Kind == iamsweep.ActionDeactivateKey || a.Kind == iamsweep.ActionDeleteKey) && a.AccessKeyID == "" {
		return "the access key's ID is unknown: a scan from files (an export, a credential report) cannot name access keys, nor a live scan with --no-key-ids; plan from a live scan that names them"
	}
	if v, ok := tagValue(tags, "aws:cloudformation:stack-name"); ok {
		return "owned by CloudFormation stack " + v + ": remove it from the stack's template instead (a change outside CloudFormation makes the stack drift and fail its next update)"
	}
	if a.Principal != "role" {
		return ""
	}
	if strings.HasPrefix(a.Name, identityCenterPrefix) {
		// Identity Center names its roles so, under its own path; one of
		// that name elsewhere is refused all the same.
		return identityCenterRefusal
	}
	if m, ok := detect.MatchManaged(a.Path, a.Name); ok {
		switch {
		case m.Rule == iamsweep.RuleServiceLinked && a.Kind == iamsweep.ActionQuarantine:
			return "service-linked role: only its service may change it, so it cannot be quarantined (delete it with --allow-service-linked, or through the service)"
		case m.Rule == iamsweep.RuleServiceLinked && a.Kind == iamsweep.ActionRefine:
			return "service-linked role: only its service may change its policies"
		case m.Rule == iamsweep.RuleServiceLinked && !p.AllowServiceLinked:
			return "service-linked role: deleted only with --allow-service-linked (or allow-service-linked: true in the config file), through DeleteServiceLinkedRole, which fails while the service still uses it"
		case m.Rule == iamsweep.RuleServiceLinked:
		case m.Rule == iamsweep.RuleIdentityCenter:
			return identityCenterRefusal
		default:
			return m.Reason + ": never changed by iamsweep"
		}
	}
	return ""
}

// identityCenterPrefix starts the names of the roles IAM Identity Center
// provisions for permission sets.
const identityCenterPrefix = "AWSReservedSSO_"

const identityCenterRefusal = "IAM Identity Center role: remove the permission set's assignment in Identity Center instead, which deletes the role"

// ApplyLimits refuses the deleting actions over the policy's limits, in
// order: the first ones keep their place.
func ApplyLimits(actions []iamsweep.Action, p iamsweep.RemediationPolicy) {
	run := 0
	perAccount := map[string]int{}
	for i := range actions {
		a := &actions[i]
		if a.Refused != "" || !iamsweep.Deleting(a.Kind) {
			continue
		}
		if p.MaxDeletionsPerRun >= 0 && run >= p.MaxDeletionsPerRun {
			a.Refused = fmt.Sprintf("over the limit of %d deletions per run (remediation max-deletions-per-run)", p.MaxDeletionsPerRun)
			continue
		}
		if p.MaxDeletionsPerAccount >= 0 && perAccount[a.AccountID] >= p.MaxDeletionsPerAccount {
			a.Refused = fmt.Sprintf("over the limit of %d deletions in account %s (remediation max-deletions-per-account)", p.MaxDeletionsPerAccount, a.AccountID)
			continue
		}
		run++
		perAccount[a.AccountID]++
	}
}
