package iamsweep

import (
	"strings"
	"time"
)

// Verdict is the outcome of evaluating one principal or credential.
type Verdict string

// The verdicts. Every evaluated principal gets exactly one.
const (
	// VerdictUnused: no recorded use within the threshold.
	VerdictUnused Verdict = "unused"
	// VerdictUsed: used within the threshold, or too new to judge.
	VerdictUsed Verdict = "used"
	// VerdictExempt: not judged, because an allowlist pattern, a built-in
	// rule (service-linked, Identity Center, organization roles) or an
	// owner's exception exempts it.
	VerdictExempt Verdict = "exempt"
)

// FindingType names the kind of record; the names follow IAM Access
// Analyzer's unused-access finding types so users can map between the two.
type FindingType string

// The finding types.
const (
	// TypeUnusedIAMRole is the record type of an IAM role.
	TypeUnusedIAMRole FindingType = "UnusedIAMRole"
	// TypeUnusedIAMUser is the record type of an IAM user as a whole.
	TypeUnusedIAMUser FindingType = "UnusedIAMUser"
	// TypeUnusedIAMUserPassword is the record type of a console password.
	TypeUnusedIAMUserPassword FindingType = "UnusedIAMUserPassword"
	// TypeUnusedIAMUserAccessKey is the record type of an access key.
	TypeUnusedIAMUserAccessKey FindingType = "UnusedIAMUserAccessKey"
	// TypeRootAccessKey is the record type of an access key of the root
	// user, which should not exist at all.
	TypeRootAccessKey FindingType = "RootAccessKey"
	// TypeUnusedPermission is the record type of a used role or user whose
	// policies allow services or actions it did not use (iamsweep refine;
	// scans do not make it).
	TypeUnusedPermission FindingType = "UnusedPermission"
)

// Rule is a stable, machine-readable code for the rule that decided a
// verdict. Reason carries the same decision in words.
type Rule string

// The rules, in the order they are applied to a role.
const (
	RuleAllowlist      Rule = "allowlist"
	RuleServiceLinked  Rule = "service-linked"
	RuleIdentityCenter Rule = "identity-center"
	RuleOrganization   Rule = "organization-managed"
	RuleGracePeriod    Rule = "grace-period"
	RuleNoRecordedUse  Rule = "no-recorded-use"
	RuleLastUsed       Rule = "last-used"
	// RuleNoCredentials: a user without any active password or access key.
	RuleNoCredentials Rule = "no-credentials"
	// RuleInactiveKey: an access key that is not active.
	RuleInactiveKey Rule = "inactive-key"
	// RuleNoCredentialData: a user the credential report does not hold.
	RuleNoCredentialData Rule = "no-credential-data"
	// RuleException: an owner's Keep (an Exception) holds: "kept by OWNER
	// until DATE: REASON".
	RuleException Rule = "exception"
)

// Finding is the evaluation of one principal: its identity, the verdict, and
// the evidence behind it.
type Finding struct {
	Type      FindingType
	AccountID string
	// AccountName is the account's name in AWS Organizations, when known.
	AccountName string
	ARN         string
	// PrincipalID is the unique ID of the principal (AROA... for roles).
	PrincipalID string
	Name        string
	Path        string
	Verdict     Verdict
	Rule        Rule
	// Reason explains the verdict in words a person can check against IAM.
	Reason string
	// Created is the principal's creation time; zero when unknown.
	Created time.Time
	// LastUsed is the last recorded use; zero when none is recorded.
	LastUsed Usage
	// DaysUnused is the number of whole days since LastUsed; nil when no use
	// is recorded.
	DaysUnused *int
	// AccessKeyID is the key of an access key record when known, else "".
	AccessKeyID string
	// KeySlot is the credential report slot (1 or 2) of an access key
	// record, else 0.
	KeySlot int
	// Tags are the principal's tags when the scan read them (remediation
	// guardrails look for CloudFormation's; reports do not show them).
	Tags []Tag
}

// Unused reports whether the finding's verdict is VerdictUnused.
func (f Finding) Unused() bool { return f.Verdict == VerdictUnused }

// DefaultOwnerTags are the tag keys Owner tries when none are configured.
var DefaultOwnerTags = []string{"owner"}

// Owner returns the value of the first of keys that the principal is
// tagged with (tag keys compared without regard to case, as IAM keeps
// them unique that way), and "" when it has none of them or the scan did
// not read its tags.
func (f Finding) Owner(keys []string) string {
	for _, k := range keys {
		for _, t := range f.Tags {
			if strings.EqualFold(t.Key, k) && strings.TrimSpace(t.Value) != "" {
				return strings.TrimSpace(t.Value)
			}
		}
	}
	return ""
}
