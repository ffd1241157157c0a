package refs

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// StacksOf returns the CloudFormation stacks whose tags the principals of
// arns carry, once each, in a stable order: the stacks to read
// (DescribeStackResources, one call per stack) before looking them up.
// Only stacks with an ID (and so a Region) are returned.
func (x *Index) StacksOf(arns []string) []iamsweep.StackRef {
	var out []iamsweep.StackRef
	for _, arn := range arns {
		t, err := NewTarget(arn)
		if err != nil {
			continue
		}
		for _, r := range x.exact[t.key()] {
			if r.Kind != iamsweep.RefCloudFormation || r.Region == "" {
				continue
			}
			s := iamsweep.StackRef{AccountID: r.AccountID, Region: r.Region, ID: r.ARN, Name: r.Name}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.SortFunc(out, func(a, b iamsweep.StackRef) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.Region, b.Region), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// AddStack records what CloudFormation says of a stack: the ownership
// references that name it are then judged by the stack's resources, not
// by the principal's tags alone.
func (x *Index) AddStack(s iamsweep.Stack) { x.stacks[s.ID] = s }

// resourceType is the CloudFormation type of a principal kind.
func resourceType(kind string) string {
	if kind == "user" {
		return "AWS::IAM::User"
	}
	return "AWS::IAM::Role"
}

// stackOwnership judges a reference built from the principal's tags by
// the stack they name, when it was read:
//
//   - the stack manages the principal (a resource of its type and name,
//     not deleted): it blocks, and the reason names the resource and the
//     drift a delete outside the stack causes;
//   - the stack is gone, retained the principal (DELETE_SKIPPED: a
//     DeletionPolicy Retain) or does not hold it: nothing drifts, the
//     reference is shown but does not block;
//   - the principal is not among the first 100 resources of a larger
//     stack: not confirmed, it still blocks.
func (x *Index) stackOwnership(ref iamsweep.Reference, t Target) iamsweep.Reference {
	s, ok := x.stacks[ref.ARN]
	if !ok {
		return ref
	}
	stack := cmp.Or(s.Name, ref.Name, ref.ARN)
	if s.Gone {
		ref.BlocksDelete = false
		ref.Why = fmt.Sprintf("CloudFormation stack %s, whose tags this %s carries, no longer exists: deleting the %s makes no stack drift", stack, t.Kind, t.Kind)
		return ref
	}
	typ := resourceType(t.Kind)
	i := slices.IndexFunc(s.Resources, func(r iamsweep.StackResource) bool {
		return r.Type == typ && strings.EqualFold(r.PhysicalID, t.Name)
	})
	if i < 0 {
		if s.Truncated {
			ref.Why += fmt.Sprintf(" (not confirmed: stack %s has more than the 100 resources DescribeStackResources shows)", stack)
			return ref
		}
		ref.BlocksDelete = false
		ref.Why = fmt.Sprintf("CloudFormation stack %s, whose tags this %s carries, does not manage it (removed from the template and retained, or tagged by hand): deleting it makes no stack drift", stack, t.Kind)
		return ref
	}
	r := s.Resources[i]
	ref.Match = "stack-resource"
	if strings.HasPrefix(r.Status, "DELETE_") {
		ref.BlocksDelete = false
		ref.Why = fmt.Sprintf("CloudFormation stack %s no longer manages this %s (resource %s is %s: retained by a DeletionPolicy): deleting it makes no stack drift", stack, t.Kind, r.LogicalID, r.Status)
		return ref
	}
	ref.BlocksDelete = true
	ref.Why = fmt.Sprintf("CloudFormation stack %s manages this %s as resource %s (%s, %s): deleting it outside the stack makes the stack drift, and the stack's next update of %s fails; remove %s from the template or delete the stack instead",
		stack, t.Kind, r.LogicalID, r.Type, r.Status, r.LogicalID, r.LogicalID)
	return ref
}
