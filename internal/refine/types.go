package refine

import (
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// Principal is what Refine needs of a role or user: its identity, its
// tags (for exemptions) and every permission policy with its document.
type Principal struct {
	ARN string
	// Kind is "role" or "user": IAM's inline size limit depends on it.
	Kind string
	Name string
	Path string
	// Created is when the principal was created; zero when unknown. IAM
	// holds no data from before it, so the evidence starts there at the
	// earliest.
	Created time.Time
	Tags    []iamsweep.Tag
	// Inline are the principal's inline policies.
	Inline []iamsweep.InlinePolicy
	// Managed are the managed policies attached to it, AWS managed ones
	// included, each with its default version's document.
	Managed []ManagedPolicy
}

// PathName returns the principal's path joined with its name, the string
// window patterns match.
func (p Principal) PathName() string { return iamsweep.JoinPathName(p.Path, p.Name) }

// ManagedPolicy is a managed policy attached to a principal, with the
// document of its default version.
type ManagedPolicy = iamsweep.ManagedPolicy

// Options are the settings of a refinement.
type Options struct {
	// Now is the time the window ends at.
	Now time.Time
	// WindowDays is the default tracking window: an action not used for
	// this many days is unused. 90 when zero.
	WindowDays int
	// Windows set other windows for principals whose path and name match
	// a pattern (a rarely used backup or disaster-recovery role); the
	// first match wins.
	Windows []Window
	// ExemptTags exempt the principals that carry one of these tags; a
	// tag with an empty Value matches any value.
	ExemptTags []iamsweep.Tag
	// Catalog lists the actions of each service, for wildcard expansion;
	// DefaultCatalog() when nil.
	Catalog *Catalog
}

// DefaultWindowDays is the window when Options.WindowDays is zero.
const DefaultWindowDays = 90

// MaxWindowDays is the longest window: IAM keeps at most 400 days of
// last accessed data.
const MaxWindowDays = 400

// Window is a tracking window for the principals a pattern matches.
type Window struct {
	Pattern detect.Pattern
	Days    int
}

// Status is the outcome of refining one principal.
type Status string

// The statuses.
const (
	// StatusRefined: at least one policy has a recommended step.
	StatusRefined Status = "refined"
	// StatusInUse: every permission the evidence can judge was used.
	StatusInUse Status = "in-use"
	// StatusExempt: a tag exempts the principal.
	StatusExempt Status = "exempt"
	// StatusInsufficientEvidence: the evidence covers less than the window.
	StatusInsufficientEvidence Status = "insufficient-evidence"
	// StatusNoEvidence: there is no service last accessed data for the
	// principal.
	StatusNoEvidence Status = "no-evidence"
	// StatusUnusedPrincipal: the principal used no service in the window;
	// it is unused as a whole, which scan, plan and apply deal with.
	StatusUnusedPrincipal Status = "unused-principal"
)

// StepAction is the action of a recommended step, as IAM Access Analyzer
// names it.
type StepAction string

// The step actions.
const (
	// CreatePolicy: create the recommended policy (managed) or put it
	// (inline) in place of the existing one.
	CreatePolicy StepAction = "CREATE_POLICY"
	// DetachPolicy: detach the existing managed policy, or delete the
	// existing inline one.
	DetachPolicy StepAction = "DETACH_POLICY"
)

// Step is one recommended step, in the shape of Access Analyzer's
// unusedPermissionsRecommendedStep.
type Step struct {
	Action StepAction
	// ExistingPolicyID is the managed policy's ARN or the inline policy's
	// name, as Access Analyzer gives it.
	ExistingPolicyID string
	// PolicyUpdatedAt is the existing managed policy's UpdatedAt; zero for
	// inline policies.
	PolicyUpdatedAt time.Time
	// RecommendedPolicy is the refined document of a CREATE_POLICY step.
	RecommendedPolicy *iamsweep.PolicyDocument
}

// Result is the refinement of one principal.
type Result struct {
	ARN    string
	Kind   string
	Name   string
	Status Status
	// Reason says in words what was decided and how long the evidence
	// covers.
	Reason string
	// WindowDays is the window applied; WindowPattern the pattern that set
	// it ("" for the default).
	WindowDays    int
	WindowPattern string
	// EvidenceSince and EvidenceUntil bound the evidence: the start of
	// IAM's tracking for the principal and the report's completion.
	EvidenceSince time.Time
	EvidenceUntil time.Time
	// UnusedServices are the namespaces the policies allow and the
	// principal did not use in the window, sorted.
	UnusedServices []string
	// UnusedActions are the tracked actions ("s3:PutBucketPolicy") of
	// used services that the policies allow and the principal did not use
	// in the window, sorted.
	UnusedActions []string
	// LastAccessed is the principal's most recent use of any service in
	// the report; zero when none.
	LastAccessed time.Time
	// Policies are the results per policy: inline policies first, then
	// managed ones, in the principal's order.
	Policies []PolicyResult
	// Notes are principal-level remarks (quotas, sizes).
	Notes []string
}

// PolicyResult is the refinement of one policy of a principal.
type PolicyResult struct {
	// ID is the existing policy's ID as Access Analyzer gives it: the ARN
	// of a managed policy, the name of an inline one.
	ID         string
	Name       string
	Inline     bool
	AWSManaged bool
	UpdatedAt  time.Time
	Existing   iamsweep.PolicyDocument
	// Recommended is the refined document; nil when the policy stays as
	// it is or is to be detached whole.
	Recommended *iamsweep.PolicyDocument
	// RecommendedName is the name to create the refined policy under,
	// never the existing one: a customer managed policy may be attached to
	// other principals, and an inline policy's steps put the refined one
	// and then delete the existing one, as Access Analyzer's do.
	RecommendedName string
	// Steps are the recommended steps, in order; none when the policy
	// stays.
	Steps []Step
	// Size is the refined (or, without steps, the existing) document's
	// length in characters without white space, as IAM counts it.
	Size int
	// Notes say what was kept that the evidence could not judge, and why.
	Notes []string
	// Changes are the Allow statements the refinement changed or removed,
	// in document order (for a readable diff).
	Changes []StatementChange
}

// StatementChange is what the refinement did to one Allow statement of
// an existing policy; its Resource, NotResource and Condition stay.
type StatementChange struct {
	// Index is the statement's position in the existing document, from 0.
	Index int
	Sid   string
	// Field is "Action" or "NotAction": the list that changed.
	Field string
	// Removed is true when the statement goes: none of its actions stays.
	Removed bool
	// Before and After are the list before and after.
	Before, After []string
}

// Changed reports whether the policy has recommended steps.
func (p PolicyResult) Changed() bool { return len(p.Steps) > 0 }
