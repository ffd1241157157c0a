package iamsweep

import (
	"strings"
	"time"
)

// Role is an IAM role as the scan sees it, with everything
// GetAccountAuthorizationDetails returns for it. Policy documents are held
// parsed, never URL-encoded.
type Role struct {
	// AccountID is the 12-digit account that owns the role (from its ARN).
	AccountID string
	// ARN is the role's ARN, path included.
	ARN string
	// ID is the role's unique ID (AROA...).
	ID string
	// Name is the role name without its path.
	Name string
	// Path is the role's path, "/" for most roles; it always starts and ends
	// with "/".
	Path string
	// Created is CreateDate; the zero time when the source did not carry it.
	Created time.Time
	// LastUsed is RoleLastUsed; zero when IAM holds no record of use in its
	// tracking period.
	LastUsed Usage
	// TrustPolicy is the AssumeRolePolicyDocument; nil when the source did not
	// carry it. Roles with the same trust policy may share one document:
	// treat it as read-only.
	TrustPolicy *PolicyDocument
	// InlinePolicies are the role's embedded policies (RolePolicyList).
	InlinePolicies []InlinePolicy
	// AttachedPolicies are the managed policies attached to the role.
	AttachedPolicies []AttachedPolicy
	// PermissionsBoundary is the ARN of the boundary policy, or "".
	PermissionsBoundary string
	// Tags are the role's tags in the order IAM returned them.
	Tags []Tag
	// InstanceProfiles are the instance profiles that hold the role.
	InstanceProfiles []InstanceProfile
}

// PathName returns the role's path joined with its name
// ("/service-role/my-role"), the string allowlist patterns match against.
func (r Role) PathName() string { return JoinPathName(r.Path, r.Name) }

// JoinPathName joins an IAM path and a name the way IAM builds the resource
// part of an ARN: "/" + "name" gives "/name", "/a/b/" + "name" gives
// "/a/b/name". An empty path counts as "/".
func JoinPathName(path, name string) string {
	if path == "" {
		path = "/"
	}
	if path[len(path)-1] != '/' {
		path += "/"
	}
	return path + name
}

// PrincipalKey identifies a principal the way IAM keeps principals unique:
// by account, kind and name, regardless of the name's case and of the
// path. Two records with the same key describe one principal.
type PrincipalKey struct {
	AccountID string
	// Kind is "role" or "user".
	Kind string
	// Name is the principal's name in lower case.
	Name string
}

// NewPrincipalKey returns the key of the principal of the given account,
// kind and name.
func NewPrincipalKey(accountID, kind, name string) PrincipalKey {
	return PrincipalKey{AccountID: accountID, Kind: kind, Name: strings.ToLower(name)}
}

// Tag returns the value of the tag with the given key and whether it exists.
// IAM tag keys are case-insensitive for uniqueness but case-preserving; the
// lookup is exact.
func (r Role) Tag(key string) (string, bool) {
	for _, t := range r.Tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return "", false
}

// Usage records the last recorded use of a principal or credential.
type Usage struct {
	// Time is when the use happened; zero when there is no record.
	Time time.Time
	// Region is where it happened, when IAM reports it ("" otherwise).
	Region string
}

// IsZero reports whether no use is recorded.
func (u Usage) IsZero() bool { return u.Time.IsZero() }

// Tag is an IAM tag.
type Tag struct {
	Key   string
	Value string
}

// InlinePolicy is a policy embedded in a principal.
type InlinePolicy struct {
	Name     string
	Document PolicyDocument
}

// AttachedPolicy is a managed policy attached to a principal.
type AttachedPolicy struct {
	Name string
	ARN  string
}

// InstanceProfile is an EC2 instance profile that holds a role.
type InstanceProfile struct {
	Name    string
	ID      string
	ARN     string
	Path    string
	Created time.Time
	// Roles are the names of the roles the profile holds (at most one today).
	Roles []string
	Tags  []Tag
}

// ManagedPolicy is a managed policy (customer or AWS managed) with the
// document of its default version, as GetAccountAuthorizationDetails
// lists it under Policies.
type ManagedPolicy struct {
	ARN  string
	Name string
	Path string
	// DefaultVersionID is the version in force ("v3").
	DefaultVersionID string
	// UpdatedAt is the policy's UpdateDate: when its default version was
	// last set; zero when unknown.
	UpdatedAt time.Time
	// AttachmentCount is how many roles, users and groups it is attached
	// to; -1 when unknown.
	AttachmentCount int
	// Document is the default version's document.
	Document PolicyDocument
}

// AWSManaged reports whether the policy is AWS managed (its ARN is in the
// "aws" account: arn:aws:iam::aws:policy/...), which nobody can edit.
func (m ManagedPolicy) AWSManaged() bool {
	a, err := ParseARN(m.ARN)
	return err == nil && a.AccountID == "aws"
}
