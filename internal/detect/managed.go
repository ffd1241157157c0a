package detect

import (
	"strings"

	"github.com/iamsweep/iamsweep"
)

// ManagedRole describes one family of roles that AWS or an organization's
// control plane creates and owns. Such roles are often legitimately idle
// (break-glass and provisioning roles) and deleting them breaks the service
// that owns them, so by default their verdict is exempt.
//
// This table is the one place the built-in list lives; docs/managed-roles.md
// shows it to users and a test keeps the two in step.
type ManagedRole struct {
	// Rule is the rule code findings carry for this family.
	Rule iamsweep.Rule
	// Match is how the family is recognised, as documented: a path prefix
	// ("path /aws-service-role/...") or a name pattern ("name aws-controltower-*").
	Match string
	// Reason is the verdict reason findings carry.
	Reason string

	pathPrefix string
	name       Pattern
}

func (m ManagedRole) matches(path, name string) bool {
	if m.pathPrefix != "" {
		return strings.HasPrefix(path, m.pathPrefix)
	}
	return m.name.Match(name)
}

func byPath(rule iamsweep.Rule, prefix, reason string) ManagedRole {
	return ManagedRole{Rule: rule, Match: "path " + prefix + "*", Reason: reason, pathPrefix: prefix}
}

func byName(rule iamsweep.Rule, pattern, reason string) ManagedRole {
	p, err := CompilePattern(pattern)
	if err != nil {
		panic("detect: bad built-in pattern " + pattern + ": " + err.Error())
	}
	return ManagedRole{Rule: rule, Match: "name " + pattern, Reason: reason, name: p}
}

// managedRoles is the built-in list, most specific first.
var managedRoles = []ManagedRole{
	byPath(iamsweep.RuleServiceLinked, "/aws-service-role/",
		"service-linked role: owned by its AWS service, which alone can delete it"),
	byPath(iamsweep.RuleIdentityCenter, "/aws-reserved/sso.amazonaws.com/",
		"IAM Identity Center role: managed through permission sets, not IAM"),
	byName(iamsweep.RuleOrganization, "OrganizationAccountAccessRole",
		"AWS Organizations account access role: the organization's way into this account"),
	byName(iamsweep.RuleOrganization, "*AWSControlTower*",
		"AWS Control Tower role: protected by Control Tower's mandatory controls"),
	byName(iamsweep.RuleOrganization, "aws-controltower-*",
		"AWS Control Tower role: protected by Control Tower's mandatory controls"),
	byName(iamsweep.RuleOrganization, "stacksets-exec-*",
		"CloudFormation StackSets execution role (service-managed StackSets)"),
	byName(iamsweep.RuleOrganization, "AWSCloudFormationStackSetExecutionRole",
		"CloudFormation StackSets execution role (self-managed StackSets)"),
	byName(iamsweep.RuleOrganization, "AWSCloudFormationStackSetAdministrationRole",
		"CloudFormation StackSets administration role (self-managed StackSets)"),
}

// ManagedRoles returns the built-in list of managed role families.
func ManagedRoles() []ManagedRole { return append([]ManagedRole(nil), managedRoles...) }

// MatchManaged returns the managed family a role with this path and name
// belongs to, if any.
func MatchManaged(path, name string) (ManagedRole, bool) { return matchManaged(path, name) }

// matchManaged returns the managed family the role belongs to, if any.
func matchManaged(path, name string) (ManagedRole, bool) {
	for _, m := range managedRoles {
		if m.matches(path, name) {
			return m, true
		}
	}
	return ManagedRole{}, false
}
