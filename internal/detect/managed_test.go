package detect

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

type managedEntry struct {
	Rule   iamsweep.Rule
	Match  string
	Reason string
}

func managedEntries(ms []ManagedRole) []managedEntry {
	out := make([]managedEntry, len(ms))
	for i, m := range ms {
		out[i] = managedEntry{m.Rule, m.Match, m.Reason}
	}
	return out
}

func TestManagedRoles(t *testing.T) {
	const (
		controlTower = "AWS Control Tower role: protected by Control Tower's mandatory controls"
	)
	want := []managedEntry{
		{iamsweep.RuleServiceLinked, "path /aws-service-role/*", "service-linked role: owned by its AWS service, which alone can delete it"},
		{iamsweep.RuleIdentityCenter, "path /aws-reserved/sso.amazonaws.com/*", "IAM Identity Center role: managed through permission sets, not IAM"},
		{iamsweep.RuleOrganization, "name OrganizationAccountAccessRole", "AWS Organizations account access role: the organization's way into this account"},
		{iamsweep.RuleOrganization, "name *AWSControlTower*", controlTower},
		{iamsweep.RuleOrganization, "name aws-controltower-*", controlTower},
		{iamsweep.RuleOrganization, "name stacksets-exec-*", "CloudFormation StackSets execution role (service-managed StackSets)"},
		{iamsweep.RuleOrganization, "name AWSCloudFormationStackSetExecutionRole", "CloudFormation StackSets execution role (self-managed StackSets)"},
		{iamsweep.RuleOrganization, "name AWSCloudFormationStackSetAdministrationRole", "CloudFormation StackSets administration role (self-managed StackSets)"},
	}
	if diff := cmp.Diff(want, managedEntries(ManagedRoles())); diff != "" {
		t.Errorf("ManagedRoles mismatch (-want +got):\n%s", diff)
	}
}

func TestManagedRoles_returnsACopy(t *testing.T) {
	ms := ManagedRoles()
	ms[0].Reason = "changed"
	ms[0] = ManagedRole{}
	if got := ManagedRoles()[0]; got.Rule != iamsweep.RuleServiceLinked || got.Reason == "changed" {
		t.Errorf("changing the returned slice changed the built-in list: %+v", got)
	}
	if m, ok := matchManaged("/aws-service-role/x/", "r"); !ok || m.Rule != iamsweep.RuleServiceLinked {
		t.Errorf("matchManaged after changing the copy = %+v, %v; want service-linked", m, ok)
	}
}

// TestManagedRoles_docs keeps docs/managed-roles.md, the user-facing copy
// of the built-in list, in step with the code.
func TestManagedRoles_docs(t *testing.T) {
	data, err := os.ReadFile("../../docs/managed-roles.md")
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	for _, m := range ManagedRoles() {
		if !strings.Contains(page, "`"+m.Match+"`") {
			t.Errorf("docs/managed-roles.md does not show the family %q (as `%s`)", m.Match, m.Match)
		}
		if !strings.Contains(page, m.Reason) {
			t.Errorf("docs/managed-roles.md does not show the reason %q of %q", m.Reason, m.Match)
		}
		if !strings.Contains(page, "`"+string(m.Rule)+"`") {
			t.Errorf("docs/managed-roles.md does not show the rule code %q of %q", m.Rule, m.Match)
		}
	}
	for _, s := range []string{"--include-managed", "/service-role/"} {
		if !strings.Contains(page, s) {
			t.Errorf("docs/managed-roles.md does not mention %s", s)
		}
	}
}

func TestMatchManaged(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		role   string
		want   iamsweep.Rule
		wantOK bool
	}{
		{name: "service-linked", path: "/aws-service-role/elasticloadbalancing.amazonaws.com/", role: "AWSServiceRoleForElasticLoadBalancing", want: iamsweep.RuleServiceLinked, wantOK: true},
		{name: "service-linked prefix only", path: "/aws-service-role/", role: "x", want: iamsweep.RuleServiceLinked, wantOK: true},
		{name: "service-linked prefix must start the path", path: "/x/aws-service-role/", role: "x"},
		{name: "service-linked path without its slash", path: "/aws-service-role", role: "x"},
		{name: "service-linked path is case-sensitive", path: "/AWS-Service-Role/x/", role: "x"},
		{name: "service-linked name under an ordinary path", path: "/", role: "AWSServiceRoleForSupport"},
		{name: "Identity Center", path: "/aws-reserved/sso.amazonaws.com/", role: "AWSReservedSSO_Admin_0123", want: iamsweep.RuleIdentityCenter, wantOK: true},
		{name: "Identity Center with a Region", path: "/aws-reserved/sso.amazonaws.com/ap-south-2/", role: "AWSReservedSSO_Admin_0123", want: iamsweep.RuleIdentityCenter, wantOK: true},
		{name: "other aws-reserved path", path: "/aws-reserved/other.amazonaws.com/", role: "AWSReservedSSO_Admin_0123"},
		{name: "service-role path is ordinary", path: "/service-role/", role: "aws-codestar-service-role"},
		{name: "organization access role", path: "/", role: "OrganizationAccountAccessRole", want: iamsweep.RuleOrganization, wantOK: true},
		{name: "organization access role is exact", path: "/", role: "OrganizationAccountAccessRole2"},
		{name: "organization access role is case-sensitive", path: "/", role: "organizationaccountaccessrole"},
		{name: "Control Tower execution", path: "/", role: "AWSControlTowerExecution", want: iamsweep.RuleOrganization, wantOK: true},
		{name: "Control Tower anywhere in the name", path: "/x/", role: "prefix-AWSControlTower-suffix", want: iamsweep.RuleOrganization, wantOK: true},
		{name: "aws-controltower prefix", path: "/", role: "aws-controltower-ReadOnlyExecutionRole", want: iamsweep.RuleOrganization, wantOK: true},
		{name: "aws-controltower must prefix", path: "/", role: "my-aws-controltower-role"},
		{name: "StackSets service-managed", path: "/", role: "stacksets-exec-0123456789abcdef", want: iamsweep.RuleOrganization, wantOK: true},
		{name: "StackSets needs the dash", path: "/", role: "stacksets-exec"},
		{name: "StackSets self-managed execution", path: "/", role: "AWSCloudFormationStackSetExecutionRole", want: iamsweep.RuleOrganization, wantOK: true},
		{name: "StackSets self-managed administration", path: "/", role: "AWSCloudFormationStackSetAdministrationRole", want: iamsweep.RuleOrganization, wantOK: true},
		{name: "ordinary role", path: "/", role: "deployer"},
		{name: "empty", path: "", role: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := matchManaged(tt.path, tt.role)
			if ok != tt.wantOK || m.Rule != tt.want {
				t.Errorf("matchManaged(%q, %q) = %q, %v; want %q, %v", tt.path, tt.role, m.Rule, ok, tt.want, tt.wantOK)
			}
		})
	}
}
