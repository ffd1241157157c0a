package configrule

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iamsweep/iamsweep"
)

// RoleType is the AWS Config resource type of an IAM role.
const RoleType = "AWS::IAM::Role"

// MaxAnnotation is the longest annotation PutEvaluations accepts, in
// characters.
const MaxAnnotation = 256

// MaxBatch is the most evaluations one PutEvaluations call takes.
const MaxBatch = 100

// Compliance is a rule's verdict on one resource, as AWS Config names it.
type Compliance string

// The verdicts a custom rule may report (AWS Config refuses
// INSUFFICIENT_DATA from a rule).
const (
	Compliant     Compliance = "COMPLIANT"
	NonCompliant  Compliance = "NON_COMPLIANT"
	NotApplicable Compliance = "NOT_APPLICABLE"
)

// Evaluation is one evaluation of a resource by the rule: what
// PutEvaluations records, and what GetComplianceDetailsByConfigRule
// returns of the results recorded before.
type Evaluation struct {
	// ResourceType is the AWS Config resource type (RoleType).
	ResourceType string
	// ResourceID is the resource's ID in AWS Config: for an IAM role its
	// unique ID (AROA...), not its name.
	ResourceID string
	Compliance Compliance
	// Annotation says why, in at most MaxAnnotation characters.
	Annotation string
	// OrderingTime is the time of the event that triggered the
	// evaluation: AWS Config keeps, per resource, the evaluation with the
	// latest one.
	OrderingTime time.Time
}

// ComplianceOf returns the compliance of a verdict: an unused role is
// NON_COMPLIANT, a used one COMPLIANT, an exempt one (allowlisted or
// managed by AWS) NOT_APPLICABLE.
func ComplianceOf(v iamsweep.Verdict) Compliance {
	switch v {
	case iamsweep.VerdictUnused:
		return NonCompliant
	case iamsweep.VerdictExempt:
		return NotApplicable
	default:
		return Compliant
	}
}

// FromFindings returns the evaluations of the role findings among
// findings, at the event time at, in the order of findings. Findings of
// other types, and role findings without a unique ID (which AWS Config
// could not match to a resource), are left out.
func FromFindings(findings []iamsweep.Finding, at time.Time) []Evaluation {
	out := make([]Evaluation, 0, len(findings))
	for _, f := range findings {
		if f.Type != iamsweep.TypeUnusedIAMRole || f.PrincipalID == "" {
			continue
		}
		out = append(out, Evaluation{
			ResourceType: RoleType,
			ResourceID:   f.PrincipalID,
			Compliance:   ComplianceOf(f.Verdict),
			Annotation:   Annotation(f.Reason),
			OrderingTime: at,
		})
	}
	return out
}

// Gone returns the NOT_APPLICABLE evaluation of a resource that no longer
// exists or no longer is in the rule's scope, with the reason why.
func Gone(resourceType, resourceID, reason string, at time.Time) Evaluation {
	return Evaluation{ResourceType: resourceType, ResourceID: resourceID, Compliance: NotApplicable, Annotation: Annotation(reason), OrderingTime: at}
}

// Stale returns a NOT_APPLICABLE evaluation, at time at, for every role
// that previous (the results AWS Config holds for the rule) judges
// COMPLIANT or NON_COMPLIANT and that current (the evaluation of every
// role of the account) does not hold: roles deleted since the rule last
// ran, whose results would otherwise stay in AWS Config for ever. Results
// of other resource types are left alone. The order is that of previous,
// each resource once.
func Stale(previous, current []Evaluation, at time.Time) []Evaluation {
	present := make(map[string]bool, len(current))
	for _, e := range current {
		if e.ResourceType == RoleType {
			present[e.ResourceID] = true
		}
	}
	var out []Evaluation
	for _, p := range previous {
		if p.ResourceType != RoleType || p.Compliance == NotApplicable || present[p.ResourceID] {
			continue
		}
		present[p.ResourceID] = true // once
		out = append(out, Gone(RoleType, p.ResourceID, "no role with this unique ID exists in the account any more", at))
	}
	return out
}

// Counts counts evaluations by compliance.
func Counts(evals []Evaluation) map[Compliance]int {
	n := map[Compliance]int{}
	for _, e := range evals {
		n[e.Compliance]++
	}
	return n
}

// Annotation returns s fit for an evaluation's annotation: invalid UTF-8
// replaced, and cut to MaxAnnotation characters, the last of them an
// ellipsis when it was longer.
func Annotation(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= MaxAnnotation {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxAnnotation-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// Batches splits evals into runs of at most MaxBatch, in order.
func Batches(evals []Evaluation) [][]Evaluation {
	var out [][]Evaluation
	for len(evals) > 0 {
		n := min(len(evals), MaxBatch)
		out = append(out, evals[:n:n])
		evals = evals[n:]
	}
	return out
}
