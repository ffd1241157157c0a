package refs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

const (
	etlID      = "AROAEXAMPLEETL0000001"
	deployARN  = "arn:aws:iam::111122223333:role/deploy"
	profileARN = "arn:aws:iam::111122223333:instance-profile/web"
	stackID    = "arn:aws:cloudformation:eu-west-1:111122223333:stack/etl/0a1b"
)

// account is an export of three roles and a user, and the bindings read
// from its services.
func account(t *testing.T) *Index {
	x := NewIndex()
	x.AddRole(iamsweep.Role{
		AccountID: acct, ARN: etlARN, ID: etlID, Name: "nightly-etl", Path: "/jobs/",
		// its own trust policy names itself: no chain
		TrustPolicy:      mustParse(t, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+etlARN+`","Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`),
		Tags:             []iamsweep.Tag{{Key: "aws:cloudformation:stack-name", Value: "etl"}, {Key: "aws:cloudformation:stack-id", Value: stackID}},
		InstanceProfiles: []iamsweep.InstanceProfile{{Name: "web", ARN: profileARN, Roles: []string{"nightly-etl"}}},
	})
	x.AddRole(iamsweep.Role{
		AccountID: acct, ARN: deployARN, ID: "AROAEXAMPLEDEPLOY0001", Name: "deploy", Path: "/",
		TrustPolicy: mustParse(t, `{"Statement":[
			{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/nightly-etl"},"Action":"sts:AssumeRole"},
			{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}`),
	})
	x.AddRole(iamsweep.Role{
		AccountID: "444455556666", ARN: "arn:aws:iam::444455556666:role/audit", Name: "audit", Path: "/",
		TrustPolicy: mustParse(t, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}}}`),
	})
	x.AddUser(iamsweep.User{AccountID: acct, ARN: "arn:aws:iam::111122223333:user/alice", ID: "AIDAEXAMPLEALICE00001", Name: "alice"})
	x.AddUser(iamsweep.User{AccountID: acct, Root: true, Name: "<root_account>"})
	x.AddBinding(iamsweep.Binding{Kind: iamsweep.RefLambdaFunction, Service: "lambda", AccountID: acct, Region: "eu-west-1",
		ARN: "arn:aws:lambda:eu-west-1:111122223333:function:nightly-etl", Name: "nightly-etl", Type: "Lambda function", RoleARNs: []string{etlARN}})
	x.AddBinding(iamsweep.Binding{Kind: iamsweep.RefEC2Instance, Service: "ec2", AccountID: acct, Region: "us-east-1",
		ARN: "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", Name: "i-0abc", Type: "EC2 instance", State: "stopped", InstanceProfileARNs: []string{profileARN}})
	x.AddBinding(iamsweep.Binding{Kind: iamsweep.RefResourcePolicy, Service: "s3", AccountID: acct, ARN: "arn:aws:s3:::etl-data", Name: "etl-data", Type: "S3 bucket",
		Policy: mustParse(t, `{"Statement":[
			{"Sid":"Etl","Effect":"Allow","Principal":{"AWS":"`+etlID+`"},"Action":"s3:*","Resource":"*"},
			{"Sid":"All","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"s3:List*","Resource":"*"},
			{"Sid":"NoAlice","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"*","Resource":"*"}]}`)})
	x.AddBinding(iamsweep.Binding{Kind: iamsweep.RefResourcePolicy, Service: "kms", AccountID: acct, Region: "eu-west-1", ARN: "arn:aws:kms:eu-west-1:111122223333:key/k1", Name: "k1", Type: "KMS key",
		Policy: mustParse(t, `{"Statement":{"Sid":"OnlyEtl","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotLike":{"aws:userid":"`+etlID+`:*"}}}}`)})
	x.AddNotChecked(
		iamsweep.NotChecked{AccountID: acct, Region: "eu-west-1", Service: "sqs", Reason: "access denied"},
		iamsweep.NotChecked{AccountID: "444455556666", Service: "s3", Reason: "access denied"},
	)
	return x
}

func TestIndex_Lookup(t *testing.T) {
	tests := []struct {
		name string
		arn  string
		want iamsweep.PrincipalReferences
	}{
		{
			name: "a role wired into everything",
			arn:  etlARN,
			want: iamsweep.PrincipalReferences{ARN: etlARN, ID: etlID, AccountID: acct, Kind: "role", Found: true,
				References: []iamsweep.Reference{
					{Kind: iamsweep.RefCloudFormation, AccountID: acct, Region: "eu-west-1", ARN: stackID, Name: "etl", Service: "cloudformation", Match: "tag", BlocksDelete: true,
						Why: "CloudFormation stack etl created this role: removing it outside the stack makes the stack drift, and its next update or delete fails"},
					{Kind: iamsweep.RefEC2Instance, AccountID: acct, Region: "us-east-1", ARN: "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", Name: "i-0abc", Service: "ec2", Match: "instance-profile", BlocksDelete: true,
						Why: "EC2 instance i-0abc (stopped) runs with instance profile web, which holds this role"},
					{Kind: iamsweep.RefInstanceProfile, AccountID: acct, ARN: profileARN, Name: "web", Service: "iam", Match: "role",
						Why: "instance profile web holds this role: EC2 instances, launch templates and Auto Scaling groups that name the profile run as it"},
					{Kind: iamsweep.RefLambdaFunction, AccountID: acct, Region: "eu-west-1", ARN: "arn:aws:lambda:eu-west-1:111122223333:function:nightly-etl", Name: "nightly-etl", Service: "lambda", Match: "role", BlocksDelete: true,
						Why: "Lambda function nightly-etl uses this role"},
					{Kind: iamsweep.RefResourcePolicy, AccountID: acct, ARN: "arn:aws:s3:::etl-data", Name: "etl-data", Service: "s3", Match: "unique-id", BlocksDelete: true,
						Why: "the resource policy of S3 bucket etl-data allows this principal (by unique ID " + etlID + ", statement Etl)"},
					{Kind: iamsweep.RefResourcePolicy, AccountID: acct, ARN: "arn:aws:s3:::etl-data", Name: "etl-data", Service: "s3", Match: "wildcard",
						Why: "the resource policy of S3 bucket etl-data allows this principal (through the pattern arn:aws:iam::111122223333:role/*, statement All)"},
					{Kind: iamsweep.RefResourcePolicy, AccountID: acct, Region: "eu-west-1", ARN: "arn:aws:kms:eu-west-1:111122223333:key/k1", Name: "k1", Service: "kms", Match: "condition", BlocksDelete: true,
						Why: "the resource policy of KMS key k1 makes an exception for this principal (in a condition on " + etlID + ":*, statement OnlyEtl)"},
					{Kind: iamsweep.RefTrustPolicy, AccountID: acct, ARN: deployARN, Name: "deploy", Service: "iam", Match: "arn", BlocksDelete: true,
						Why: "role deploy trusts this principal (by ARN): it can assume deploy, and a new principal of the same name would not be trusted"},
					{Kind: iamsweep.RefTrustPolicy, AccountID: "444455556666", ARN: "arn:aws:iam::444455556666:role/audit", Name: "audit", Service: "iam", Match: "condition",
						Why: "role audit trusts this principal (in a condition on arn:aws:iam::111122223333:role/*): it can assume audit, and a new principal of the same name would not be trusted"},
				},
				NotChecked: []iamsweep.NotChecked{{AccountID: acct, Region: "eu-west-1", Service: "sqs", Reason: "access denied"}},
			},
		},
		{
			name: "a denied user: a Deny blocks nothing, a trust-policy Deny is no chain",
			arn:  "arn:aws:iam::111122223333:user/alice",
			want: iamsweep.PrincipalReferences{ARN: "arn:aws:iam::111122223333:user/alice", ID: "AIDAEXAMPLEALICE00001", AccountID: acct, Kind: "user", Found: true,
				References: []iamsweep.Reference{
					{Kind: iamsweep.RefResourcePolicy, AccountID: acct, ARN: "arn:aws:s3:::etl-data", Name: "etl-data", Service: "s3", Match: "arn",
						Why: "the resource policy of S3 bucket etl-data denies this principal (by ARN, statement NoAlice)"},
				},
				NotChecked: []iamsweep.NotChecked{{AccountID: acct, Region: "eu-west-1", Service: "sqs", Reason: "access denied"}},
			},
		},
		{
			name: "a role nothing names but a broad pattern",
			arn:  deployARN,
			want: iamsweep.PrincipalReferences{ARN: deployARN, ID: "AROAEXAMPLEDEPLOY0001", AccountID: acct, Kind: "role", Found: true,
				References: []iamsweep.Reference{
					{Kind: iamsweep.RefResourcePolicy, AccountID: acct, ARN: "arn:aws:s3:::etl-data", Name: "etl-data", Service: "s3", Match: "wildcard",
						Why: "the resource policy of S3 bucket etl-data allows this principal (through the pattern arn:aws:iam::111122223333:role/*, statement All)"},
					{Kind: iamsweep.RefTrustPolicy, AccountID: "444455556666", ARN: "arn:aws:iam::444455556666:role/audit", Name: "audit", Service: "iam", Match: "condition",
						Why: "role audit trusts this principal (in a condition on arn:aws:iam::111122223333:role/*): it can assume audit, and a new principal of the same name would not be trusted"},
				},
				NotChecked: []iamsweep.NotChecked{{AccountID: acct, Region: "eu-west-1", Service: "sqs", Reason: "access denied"}},
			},
		},
		{
			name: "a role not in the export: references by name still found",
			arn:  "arn:aws:iam::444455556666:role/gone",
			want: iamsweep.PrincipalReferences{ARN: "arn:aws:iam::444455556666:role/gone", AccountID: "444455556666", Kind: "role",
				NotChecked: []iamsweep.NotChecked{{AccountID: "444455556666", Service: "s3", Reason: "access denied"}},
			},
		},
	}
	x := account(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := x.Lookup(tt.arn)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%s) (-want +got):\n%s", tt.arn, diff)
			}
		})
	}
}

func TestIndex_LookupBadARN(t *testing.T) {
	if _, err := NewIndex().Lookup("arn:aws:s3:::bucket"); err == nil {
		t.Fatal("Lookup of a bucket ARN: no error")
	}
}

func TestPrincipalReferences_Blocking(t *testing.T) {
	got, err := account(t).Lookup(deployARN)
	if err != nil {
		t.Fatal(err)
	}
	if b := got.Blocking(); len(b) != 0 {
		t.Errorf("Blocking() = %v, want none (broad patterns only)", b)
	}
	got, err = account(t).Lookup(etlARN)
	if err != nil {
		t.Fatal(err)
	}
	if b := got.Blocking(); len(b) != 6 {
		t.Errorf("Blocking() = %d references, want 6", len(b))
	}
}

func TestIndex_UserSameNameAsRole(t *testing.T) {
	x := NewIndex()
	x.AddBinding(iamsweep.Binding{Kind: iamsweep.RefLambdaFunction, Service: "lambda", AccountID: acct, Name: "f", Type: "Lambda function",
		RoleARNs: []string{"arn:aws:iam::111122223333:role/alice"}})
	got, err := x.Lookup("arn:aws:iam::111122223333:user/alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.References) != 0 {
		t.Errorf("a user is referenced by a function's role of its name: %v", got.References)
	}
}

func roleWithTrust(name string, trust *iamsweep.PolicyDocument) iamsweep.Role {
	return iamsweep.Role{AccountID: acct, ARN: "arn:aws:iam::111122223333:role/" + name, ID: "AROAEXAMPLE" + strings.ToUpper(fmt.Sprintf("%010s", name)),
		Name: name, Path: "/", TrustPolicy: trust}
}

// An ARN typed without the role's path, or in another case, still names
// it; the patterns that name it must be matched against its real ARN.
func TestIndex_LookupPatternsUseTheRealARN(t *testing.T) {
	x := NewIndex()
	x.AddRole(iamsweep.Role{AccountID: acct, ARN: etlARN, ID: etlID, Name: "nightly-etl", Path: "/jobs/"})
	x.AddBinding(iamsweep.Binding{Kind: iamsweep.RefResourcePolicy, Service: "kms", AccountID: acct, Region: "eu-west-1", ARN: "arn:aws:kms:eu-west-1:111122223333:key/k1", Name: "k1", Type: "KMS key",
		Policy: mustParse(t, `{"Statement":{"Sid":"Jobs","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/jobs/nightly-*"}}}}`)})
	for _, arn := range []string{etlARN, "arn:aws:iam::111122223333:role/nightly-etl", "arn:aws:iam::111122223333:role/Nightly-ETL"} {
		got, err := x.Lookup(arn)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.References) != 1 || !got.References[0].BlocksDelete {
			t.Errorf("Lookup(%s) = %v, want the key policy's blocking reference", arn, got.References)
		}
		if got.ARN != arn {
			t.Errorf("Lookup(%s).ARN = %s, want the ARN asked for", arn, got.ARN)
		}
	}
}

func TestIndex_LookupUserName(t *testing.T) {
	x := NewIndex()
	x.AddUser(iamsweep.User{AccountID: acct, ARN: "arn:aws:iam::111122223333:user/dev/bob", ID: "AIDAEXAMPLEBOB0000001", Name: "bob"})
	x.AddBinding(iamsweep.Binding{Kind: iamsweep.RefResourcePolicy, Service: "s3", AccountID: acct, ARN: "arn:aws:s3:::home", Name: "home", Type: "S3 bucket",
		Policy: mustParse(t, `{"Statement":{"Sid":"Bob","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"bob"}}}}`)})
	got, err := x.Lookup("arn:aws:iam::111122223333:user/bob")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.References) != 1 || !got.References[0].BlocksDelete {
		t.Errorf("references = %v, want the bucket policy's, blocking", got.References)
	}
}

// ECS keeps a task role given by its short name as the name: it is a
// role of the task definition's account.
func TestIndex_BindingRoleByName(t *testing.T) {
	x := NewIndex()
	x.AddRole(iamsweep.Role{AccountID: acct, ARN: etlARN, ID: etlID, Name: "nightly-etl", Path: "/jobs/"})
	x.AddBinding(iamsweep.Binding{Kind: iamsweep.RefECSTaskDefinition, Service: "ecs", AccountID: acct, Region: "eu-west-1",
		ARN: "arn:aws:ecs:eu-west-1:111122223333:task-definition/etl:3", Name: "etl:3", Type: "ECS task definition", RoleARNs: []string{"nightly-etl"}})
	x.AddBinding(iamsweep.Binding{Kind: iamsweep.RefECSTaskDefinition, Service: "ecs", AccountID: "444455556666", Region: "eu-west-1",
		ARN: "arn:aws:ecs:eu-west-1:444455556666:task-definition/etl:1", Name: "etl:1", Type: "ECS task definition", RoleARNs: []string{"nightly-etl"}})
	got, err := x.Lookup(etlARN)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.References) != 1 || got.References[0].AccountID != acct || !got.References[0].BlocksDelete {
		t.Errorf("references = %v, want the task definition of its own account, blocking", got.References)
	}
}
