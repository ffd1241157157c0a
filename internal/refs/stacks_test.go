package refs

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestIndex_StacksOf(t *testing.T) {
	x := account(t)
	// Tagged with a name but no ID: no Region to read it in.
	x.AddUser(iamsweep.User{AccountID: acct, ARN: "arn:aws:iam::111122223333:user/ci", Name: "ci",
		Tags: []iamsweep.Tag{{Key: "aws:cloudformation:stack-name", Value: "ci"}}})
	got := x.StacksOf([]string{etlARN, etlARN, deployARN, "arn:aws:iam::111122223333:user/ci", "not an arn"})
	want := []iamsweep.StackRef{{AccountID: acct, Region: "eu-west-1", ID: stackID, Name: "etl"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StacksOf (-want +got):\n%s", diff)
	}
}

// TestIndex_stackOwnership: the ownership reference of nightly-etl (whose
// tags name stack etl) as each answer of DescribeStackResources makes it.
func TestIndex_stackOwnership(t *testing.T) {
	role := func(logical, name, status string) iamsweep.StackResource {
		return iamsweep.StackResource{LogicalID: logical, PhysicalID: name, Type: "AWS::IAM::Role", Status: status}
	}
	ref := iamsweep.StackRef{AccountID: acct, Region: "eu-west-1", ID: stackID, Name: "etl"}
	tests := []struct {
		name       string
		stack      *iamsweep.Stack
		wantBlocks bool
		wantMatch  string
		wantWhy    string
	}{
		{"not read: the tags alone", nil, true, "tag", "CloudFormation stack etl created this role: removing it outside the stack makes the stack drift"},
		{"managed", &iamsweep.Stack{StackRef: ref, Resources: []iamsweep.StackResource{role("Bucket", "etl-data", "CREATE_COMPLETE"), role("EtlRole", "nightly-etl", "UPDATE_COMPLETE")}},
			true, "stack-resource", "CloudFormation stack etl manages this role as resource EtlRole (AWS::IAM::Role, UPDATE_COMPLETE): deleting it outside the stack makes the stack drift, and the stack's next update of EtlRole fails"},
		{"managed, another case", &iamsweep.Stack{StackRef: ref, Resources: []iamsweep.StackResource{role("EtlRole", "Nightly-ETL", "CREATE_COMPLETE")}},
			true, "stack-resource", "as resource EtlRole"},
		{"a user of the same name is not the role", &iamsweep.Stack{StackRef: ref, Resources: []iamsweep.StackResource{{LogicalID: "U", PhysicalID: "nightly-etl", Type: "AWS::IAM::User", Status: "CREATE_COMPLETE"}}},
			false, "tag", "does not manage it"},
		{"retained", &iamsweep.Stack{StackRef: ref, Resources: []iamsweep.StackResource{role("EtlRole", "nightly-etl", "DELETE_SKIPPED")}},
			false, "stack-resource", "no longer manages this role (resource EtlRole is DELETE_SKIPPED"},
		{"not in the stack", &iamsweep.Stack{StackRef: ref, Resources: []iamsweep.StackResource{role("Other", "other", "CREATE_COMPLETE")}},
			false, "tag", "CloudFormation stack etl, whose tags this role carries, does not manage it"},
		{"not among the first 100", &iamsweep.Stack{StackRef: ref, Truncated: true, Resources: []iamsweep.StackResource{role("Other", "other", "CREATE_COMPLETE")}},
			true, "tag", "(not confirmed: stack etl has more than the 100 resources DescribeStackResources shows)"},
		{"gone", &iamsweep.Stack{StackRef: ref, Gone: true}, false, "tag", "CloudFormation stack etl, whose tags this role carries, no longer exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := account(t)
			if tt.stack != nil {
				x.AddStack(*tt.stack)
			}
			p, err := x.Lookup(etlARN)
			if err != nil {
				t.Fatal(err)
			}
			var got []iamsweep.Reference
			for _, r := range p.References {
				if r.Kind == iamsweep.RefCloudFormation {
					got = append(got, r)
				}
			}
			if len(got) != 1 {
				t.Fatalf("ownership references %+v; want 1", got)
			}
			r := got[0]
			if r.BlocksDelete != tt.wantBlocks || r.Match != tt.wantMatch || !strings.Contains(r.Why, tt.wantWhy) || r.ARN != stackID {
				t.Errorf("reference = %+v; want blocks %v, match %s, why containing %q", r, tt.wantBlocks, tt.wantMatch, tt.wantWhy)
			}
		})
	}
}
