package remediate

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func finding(t iamsweep.FindingType, account, path, name string, v iamsweep.Verdict) iamsweep.Finding {
	kind := "role"
	if t != iamsweep.TypeUnusedIAMRole {
		kind = "user"
	}
	return iamsweep.Finding{Type: t, AccountID: account, ARN: "arn:aws:iam::" + account + ":" + kind + path + name,
		Name: name, Path: path, Verdict: v, Rule: iamsweep.RuleNoRecordedUse}
}

func TestGuardrail(t *testing.T) {
	p := iamsweep.DefaultRemediationPolicy()
	p.ProtectedAccounts = []string{"999999999999"}
	role := func(path, name string, kind iamsweep.ActionKind) iamsweep.Action {
		return newAction(finding(iamsweep.TypeUnusedIAMRole, "111122223333", path, name, iamsweep.VerdictUnused), kind)
	}
	tests := []struct {
		name   string
		action iamsweep.Action
		tags   []iamsweep.Tag
		policy func(*iamsweep.RemediationPolicy)
		want   string // substring of the refusal; "" = allowed
	}{
		{name: "plain role", action: role("/", "old", iamsweep.ActionDelete)},
		{name: "service role path is not service-linked", action: role("/service-role/", "x", iamsweep.ActionDelete)},
		{name: "protected account", action: newAction(finding(iamsweep.TypeUnusedIAMRole, "999999999999", "/", "x", iamsweep.VerdictUnused), iamsweep.ActionQuarantine), want: "protected"},
		{name: "service-linked delete without flag", action: role("/aws-service-role/x.amazonaws.com/", "AWSServiceRoleForX", iamsweep.ActionDelete), want: "--allow-service-linked"},
		{name: "service-linked delete with flag", action: role("/aws-service-role/x.amazonaws.com/", "AWSServiceRoleForX", iamsweep.ActionDelete), policy: func(p *iamsweep.RemediationPolicy) { p.AllowServiceLinked = true }},
		{name: "service-linked quarantine, even with flag", action: role("/aws-service-role/x.amazonaws.com/", "AWSServiceRoleForX", iamsweep.ActionQuarantine), policy: func(p *iamsweep.RemediationPolicy) { p.AllowServiceLinked = true }, want: "cannot be quarantined"},
		{name: "Identity Center", action: role("/aws-reserved/sso.amazonaws.com/", "AWSReservedSSO_Admin_1234", iamsweep.ActionDelete), want: "permission set"},
		{name: "Identity Center path, another name", action: role("/aws-reserved/sso.amazonaws.com/eu-west-1/", "custom", iamsweep.ActionQuarantine), want: "permission set"},
		{name: "Identity Center name, another path", action: role("/", "AWSReservedSSO_Admin_5678", iamsweep.ActionDelete), want: "permission set"},
		{name: "a user named like an Identity Center role is a user", action: newAction(finding(iamsweep.TypeUnusedIAMUser, "111122223333", "/", "AWSReservedSSO_x", iamsweep.VerdictUnused), iamsweep.ActionQuarantine)},
		{name: "Control Tower", action: role("/", "aws-controltower-AdministratorExecutionRole", iamsweep.ActionQuarantine), want: "Control Tower"},
		{name: "StackSets", action: role("/", "stacksets-exec-0123", iamsweep.ActionDelete), want: "StackSets"},
		{name: "Organizations", action: role("/", "OrganizationAccountAccessRole", iamsweep.ActionDelete), want: "Organizations"},
		{name: "CloudFormation stack", action: role("/", "app-role", iamsweep.ActionDelete), tags: []iamsweep.Tag{{Key: "aws:cloudformation:stack-name", Value: "app-prod"}}, want: "stack app-prod"},
		{name: "CloudFormation stack on a user", action: newAction(finding(iamsweep.TypeUnusedIAMUser, "111122223333", "/", "bot", iamsweep.VerdictUnused), iamsweep.ActionQuarantine), tags: []iamsweep.Tag{{Key: "aws:cloudformation:stack-name", Value: "bots"}}, want: "stack bots"},
		{name: "user named like a Control Tower role is a user", action: newAction(finding(iamsweep.TypeUnusedIAMUser, "111122223333", "/", "aws-controltower-x", iamsweep.VerdictUnused), iamsweep.ActionQuarantine)},
		{name: "root key", action: newAction(iamsweep.Finding{Type: iamsweep.TypeRootAccessKey, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:root", AccessKeyID: "AKIA1"}, iamsweep.ActionDeleteKey), want: "root user"},
		{name: "key without ID", action: newAction(finding(iamsweep.TypeUnusedIAMUserAccessKey, "111122223333", "/", "bob", iamsweep.VerdictUnused), iamsweep.ActionDeactivateKey), want: "a scan from files (an export, a credential report) cannot name access keys, nor a live scan with --no-key-ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := p
			if tt.policy != nil {
				tt.policy(&pol)
			}
			got := Guardrail(tt.action, tt.tags, pol)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("Guardrail = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMakePlan(t *testing.T) {
	key := finding(iamsweep.TypeUnusedIAMUserAccessKey, "111122223333", "/", "bob", iamsweep.VerdictUnused)
	key.AccessKeyID = "AKIABOB"
	gonePwd := finding(iamsweep.TypeUnusedIAMUserPassword, "111122223333", "/", "carol", iamsweep.VerdictUnused)
	carolKey := finding(iamsweep.TypeUnusedIAMUserAccessKey, "111122223333", "/", "carol", iamsweep.VerdictUnused)
	carolKey.AccessKeyID = "AKIACAROL"
	scan := iamsweep.ScanResult{UnusedDays: 90, Findings: []iamsweep.Finding{
		finding(iamsweep.TypeUnusedIAMRole, "111122223333", "/", "old-1", iamsweep.VerdictUnused),
		finding(iamsweep.TypeUnusedIAMRole, "111122223333", "/", "used", iamsweep.VerdictUsed),
		finding(iamsweep.TypeUnusedIAMRole, "111122223333", "/", "exempt", iamsweep.VerdictExempt),
		finding(iamsweep.TypeUnusedIAMRole, "111122223333", "/", "old-2", iamsweep.VerdictUnused),
		finding(iamsweep.TypeUnusedIAMRole, "444455556666", "/", "old-3", iamsweep.VerdictUnused),
		key,
		finding(iamsweep.TypeUnusedIAMUser, "111122223333", "/", "carol", iamsweep.VerdictUnused),
		gonePwd, carolKey,
	}}

	t.Run("default policy: reversible only", func(t *testing.T) {
		plan := MakePlan(PlanInput{ID: "p1", Scan: scan}, iamsweep.DefaultRemediationPolicy())
		want := []string{
			"a001 quarantine old-1", "a002 quarantine old-2", "a003 quarantine old-3",
			"a004 deactivate-key bob AKIABOB", "a005 quarantine carol", "a006 deactivate-key carol AKIACAROL",
		}
		if diff := cmp.Diff(want, summary(plan)); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
	})
	t.Run("deletes with limits; a deleted user's credentials are not planned", func(t *testing.T) {
		p := iamsweep.RemediationPolicy{Roles: iamsweep.ActionDelete, Users: iamsweep.ActionDelete, AccessKeys: iamsweep.ActionDeleteKey,
			Passwords: iamsweep.ActionDeletePassword, MaxDeletionsPerRun: 3, MaxDeletionsPerAccount: 2}
		plan := MakePlan(PlanInput{ID: "p1", Scan: scan}, p)
		want := []string{
			"a001 delete old-1", "a002 delete old-2",
			"a003 delete old-3",
			"a004 delete-key bob AKIABOB refused: over the limit of 3 deletions per run",
			"a005 delete carol refused: over the limit of 3 deletions per run",
		}
		if diff := cmp.Diff(want, summary(plan)); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
		for _, a := range plan.Actions {
			if a.Kind == iamsweep.ActionDeleteKey && !a.Irreversible {
				t.Errorf("%s: delete-key not marked irreversible", a.ID)
			}
		}
	})
	t.Run("per-account limit", func(t *testing.T) {
		p := iamsweep.RemediationPolicy{Roles: iamsweep.ActionDelete, MaxDeletionsPerRun: -1, MaxDeletionsPerAccount: 1}
		plan := MakePlan(PlanInput{ID: "p1", Scan: scan}, p)
		want := []string{"a001 delete old-1", "a002 delete old-2 refused: over the limit of 1 deletions in account 111122223333", "a003 delete old-3"}
		if diff := cmp.Diff(want, summary(plan)); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
	})
	t.Run("zero forbids deletions, not quarantines", func(t *testing.T) {
		p := iamsweep.DefaultRemediationPolicy()
		p.Users = iamsweep.ActionDelete
		p.MaxDeletionsPerRun = 0
		plan := MakePlan(PlanInput{ID: "p1", Scan: scan}, p)
		for _, a := range plan.Actions {
			if (a.Refused != "") != iamsweep.Deleting(a.Kind) {
				t.Errorf("%s %s: refused %q", a.ID, a.Kind, a.Refused)
			}
		}
	})
}

func summary(p iamsweep.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		s := a.ID + " " + string(a.Kind) + " " + a.Name
		if a.AccessKeyID != "" {
			s += " " + a.AccessKeyID
		}
		if a.Refused != "" {
			s += " refused: " + strings.SplitN(a.Refused, " (", 2)[0]
		}
		out = append(out, s)
	}
	return out
}

func TestPolicy_Validate(t *testing.T) {
	tests := []struct {
		name string
		p    iamsweep.RemediationPolicy
		want string
	}{
		{"default", iamsweep.DefaultRemediationPolicy(), ""},
		{"delete-key for roles", iamsweep.RemediationPolicy{Roles: iamsweep.ActionDeleteKey}, `roles: "delete-key" is not an action for it`},
		{"quarantine for keys", iamsweep.RemediationPolicy{AccessKeys: iamsweep.ActionQuarantine}, "access-keys"},
		{"delete for passwords", iamsweep.RemediationPolicy{Passwords: iamsweep.ActionDelete}, "passwords"},
		{"bad account", iamsweep.RemediationPolicy{ProtectedAccounts: []string{"12345"}}, "not a 12-digit account ID"},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestPolicyAllows(t *testing.T) {
	const acct = "111122223333"
	role := newAction(finding(iamsweep.TypeUnusedIAMRole, acct, "/", "r", iamsweep.VerdictUnused), iamsweep.ActionQuarantine)
	user := newAction(finding(iamsweep.TypeUnusedIAMUser, acct, "/", "u", iamsweep.VerdictUnused), iamsweep.ActionQuarantine)
	key := newAction(finding(iamsweep.TypeUnusedIAMUserAccessKey, acct, "/", "u", iamsweep.VerdictUnused), iamsweep.ActionDeactivateKey)
	password := newAction(finding(iamsweep.TypeUnusedIAMUserPassword, acct, "/", "u", iamsweep.VerdictUnused), iamsweep.ActionDeletePassword)
	root := newAction(iamsweep.Finding{Type: iamsweep.TypeRootAccessKey, AccountID: acct}, iamsweep.ActionDeleteKey)
	as := func(a iamsweep.Action, kind iamsweep.ActionKind) iamsweep.Action {
		a.Kind = kind
		return a
	}
	def := iamsweep.DefaultRemediationPolicy()
	deleting := iamsweep.RemediationPolicy{Roles: iamsweep.ActionDelete, Users: iamsweep.ActionDelete,
		AccessKeys: iamsweep.ActionDeleteKey, Passwords: iamsweep.ActionDeletePassword}
	tests := []struct {
		name   string
		action iamsweep.Action
		policy iamsweep.RemediationPolicy
		want   string // substring of the refusal; "" = allowed
	}{
		{"quarantine where the policy quarantines", role, def, ""},
		{"delete where the policy quarantines", as(role, iamsweep.ActionDelete), def, "delete does more than the remediation policy allows (remediation.roles: quarantine)"},
		{"quarantine where the policy deletes", role, deleting, ""},
		{"delete where the policy deletes", as(role, iamsweep.ActionDelete), deleting, ""},
		{"a role where the policy acts on none", role, iamsweep.RemediationPolicy{Users: iamsweep.ActionDelete}, "acts on no unused roles (remediation.roles: none)"},
		{"a user delete where the policy quarantines", as(user, iamsweep.ActionDelete), def, "(remediation.users: quarantine)"},
		{"delete-key where the policy deactivates", as(key, iamsweep.ActionDeleteKey), def, "(remediation.access-keys: deactivate-key)"},
		{"deactivate-key where the policy deletes keys", key, deleting, ""},
		{"a password where the policy leaves them", password, def, "acts on no unused console passwords (remediation.passwords: none)"},
		{"a password where the policy deletes them", password, deleting, ""},
		{"a key action on a role finding", as(role, iamsweep.ActionDeleteKey), deleting, "delete-key on a role does not answer a finding of type UnusedIAMRole"},
		{"a role finding acted on as a user", func() iamsweep.Action { a := role; a.Principal = "user"; return a }(), deleting, "quarantine on a user does not answer"},
		{"a root key, which Guardrail refuses", root, def, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PolicyAllows(tt.action, tt.policy)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("PolicyAllows = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBound: the plan shown before apply says what the configuration at
// apply time lets run, and describes each action by its kind: a plan file
// whose quarantine was edited into a delete is shown refused, without the
// quarantine's "reversible" note.
func TestBound(t *testing.T) {
	policy := iamsweep.DefaultRemediationPolicy()
	plan := MakePlan(PlanInput{ID: "p1", Scan: iamsweep.ScanResult{Findings: []iamsweep.Finding{
		finding(iamsweep.TypeUnusedIAMRole, "111122223333", "/", "edited", iamsweep.VerdictUnused),
		finding(iamsweep.TypeUnusedIAMRole, "111122223333", "/", "kept", iamsweep.VerdictUnused),
	}}}, policy)
	plan.Actions[0].Kind = iamsweep.ActionDelete // the notes still say "reversible"
	allowing := policy
	allowing.Roles = iamsweep.ActionDelete
	for _, tt := range []struct {
		name    string
		policy  iamsweep.RemediationPolicy
		refused string
	}{
		{"the policy quarantines", policy, "remediation.roles: quarantine"},
		{"the policy deletes", allowing, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Bound(plan, tt.policy)
			edited, kept := got.Actions[0], got.Actions[1]
			if tt.refused == "" && edited.Refused != "" || !strings.Contains(edited.Refused, tt.refused) {
				t.Errorf("edited action refused %q, want %q", edited.Refused, tt.refused)
			}
			if strings.Contains(strings.Join(edited.Notes, " "), "reversible") || !strings.Contains(strings.Join(edited.Notes, " "), "a deleted role") {
				t.Errorf("edited action's notes %q: want those of a delete", edited.Notes)
			}
			if kept.Refused != "" || !cmp.Equal(kept, plan.Actions[1]) {
				t.Errorf("the action as planned changed: %+v", kept)
			}
			if plan.Actions[0].Refused != "" || !strings.Contains(plan.Actions[0].Notes[0], "reversible") {
				t.Errorf("Bound changed the plan it was given: %+v", plan.Actions[0])
			}
		})
	}
}
