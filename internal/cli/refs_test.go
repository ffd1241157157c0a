package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	webRole    = "arn:aws:iam::111122223333:role/app/web-ec2-role"
	webRoleID  = "AROANHP4GYVGXPIJPRMFO"
	webProfile = "arn:aws:iam::111122223333:instance-profile/web-ec2-role"
	oldWebRole = "arn:aws:iam::111122223333:role/legacy/ec2-old-web"
)

// wiredAccount is the example account with web-ec2-role wired into
// compute, a bucket policy, a KMS key policy and another role's trust.
func wiredAccount(t *testing.T) *fakeaws.Account {
	acct := exampleAccount(t)
	acct.Roles = append(acct.Roles, &fakeaws.Role{Name: "web-deployer",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + webRole + `"},"Action":"sts:AssumeRole"}]}`})
	acct.Resources = &fakeaws.Resources{
		Instances: []fakeaws.Instance{{Region: "eu-west-1", ID: "i-0123456789abcdef0", Name: "web-1", State: "stopped", InstanceProfileARN: webProfile}},
		Functions: []fakeaws.Function{{Region: "us-east-1", Name: "nightly-etl", Role: webRole}},
		Buckets: []fakeaws.Bucket{{Region: "eu-west-1", Name: "web-assets",
			Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"Web","Effect":"Allow","Principal":{"AWS":"` + webRoleID + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::web-assets/*"}]}`}},
		Keys: []fakeaws.Key{{Region: "us-west-2", ID: "1234abcd-12ab-34cd-56ef-1234567890ab",
			Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app/web-*"}}}]}`}},
	}
	return acct
}

type refsDoc struct {
	SchemaVersion int `json:"schema_version"`
	Principals    []struct {
		ARN        string `json:"arn"`
		Found      bool   `json:"found"`
		References []struct {
			Kind         string `json:"kind"`
			Region       string `json:"region"`
			Name         string `json:"name"`
			Match        string `json:"match"`
			BlocksDelete bool   `json:"blocks_delete"`
		} `json:"references"`
		NotChecked []struct {
			Service string `json:"service"`
			Reason  string `json:"reason"`
		} `json:"not_checked"`
	} `json:"principals"`
}

func TestRefs_live(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	srv := fakeaws.New(t, fakeaws.WithAccounts(wiredAccount(t)), fakeaws.WithMaxPageItems(7))
	r := runCLI(t, nil, "", false, "refs", "--endpoint-url", srv.URL, "-o", "json", webRole, oldWebRole)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var doc refsDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	type ref struct {
		Kind, Region, Name, Match string
		Blocks                    bool
	}
	var got []ref
	for _, x := range doc.Principals[0].References {
		got = append(got, ref{x.Kind, x.Region, x.Name, x.Match, x.BlocksDelete})
	}
	want := []ref{
		{"ec2-instance", "eu-west-1", "web-1 (i-0123456789abcdef0)", "instance-profile", true},
		{"instance-profile", "", "web-ec2-role", "role", false},
		{"lambda-function", "us-east-1", "nightly-etl", "role", true},
		{"resource-policy", "eu-west-1", "web-assets", "unique-id", true},
		{"resource-policy", "us-west-2", "1234abcd-12ab-34cd-56ef-1234567890ab", "condition", true},
		{"trust-policy", "", "web-deployer", "arn", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("references of web-ec2-role (-want +got):\n%s", diff)
	}
	if !doc.Principals[0].Found || len(doc.Principals[0].NotChecked) != 0 {
		t.Errorf("principal: found %v, not checked %v", doc.Principals[0].Found, doc.Principals[0].NotChecked)
	}
	if n := len(doc.Principals[1].References); n != 1 {
		t.Errorf("ec2-old-web: %d references, want its instance profile", n)
	}
	// Once per account and Region, whatever the number of ARNs: the IAM
	// export in pages of 7, then each Region's listings.
	for action, want := range map[string]int{
		"GetAccountAuthorizationDetails": 5, "GenerateCredentialReport": 0,
		"DescribeRegions": 1, "ListFunctions": 3, "DescribeInstances": 3, "ListKeys": 3, "ListBuckets": 1,
		"GetPolicy": 1, "GetKeyPolicy": 1, "GetBucketPolicy": 1,
	} {
		if got := srv.CallCount(action); got != want {
			t.Errorf("%s calls = %d, want %d", action, got, want)
		}
	}

	table := runCLI(t, nil, "", false, "refs", "--endpoint-url", srv.URL, webRole)
	for _, line := range []string{
		"role " + webRole + ": 6 references, 5 block a delete",
		"Lambda function nightly-etl uses this role",
		"EC2 instance web-1 (i-0123456789abcdef0) (stopped) runs with instance profile web-ec2-role, which holds this role",
		"role web-deployer trusts this principal (by ARN)",
	} {
		if !strings.Contains(table.stdout, line) {
			t.Errorf("table lacks %q:\n%s", line, table.stdout)
		}
	}
}

func TestRefs_liveNotChecked(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	srv := fakeaws.New(t, fakeaws.WithAccounts(wiredAccount(t)),
		fakeaws.WithFault("", "lambda:ListFunctions", -1, 403, "AccessDeniedException", "denied"))
	r := runCLI(t, nil, "", false, "refs", "--endpoint-url", srv.URL, "--log-level", "error", webRole, "arn:aws:iam::444455556666:role/elsewhere")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, line := range []string{
		"not checked: lambda functions (us-east-1): access denied: lambda:ListFunctions",
		"role arn:aws:iam::444455556666:role/elsewhere: 0 references (not in the account's IAM export)",
		"not checked: all (global): the credentials are of account 111122223333: read this account with its own credentials",
	} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("output lacks %q:\n%s", line, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "Lambda function nightly-etl") {
		t.Error("a function was found though the listing was denied")
	}
}

func TestRefs_offline(t *testing.T) {
	r := runCLI(t, nil, "", false, "refs", "--from-file", example, webRole)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	want := "role " + webRole + ": 1 reference\n" +
		"    instance-profile  -  " + webProfile + "  instance profile web-ec2-role holds this role: EC2 instances, launch templates and Auto Scaling groups that name the profile run as it\n" +
		"  not checked: lambda, ec2, ecs, codebuild, states, events, s3, kms, sqs, sns, secretsmanager, ecr, cloudformation (global): read from files: compute and resource policies are read only from a live account\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
}

func TestRefs_badInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"not a principal", []string{"refs", "--from-file", example, webRole, "arn:aws:s3:::bucket"},
			`iamsweep: argument 2: "arn:aws:s3:::bucket" is not the ARN of an IAM role or user`},
		{"not an ARN", []string{"refs", "--from-file", example, "web-ec2-role"},
			`iamsweep: argument 1: invalid ARN "web-ec2-role"`},
		{"no ARN", []string{"refs", "--from-file", example}, "iamsweep: requires at least 1 arg(s), only received 0"},
		{"csv", []string{"refs", "--from-file", example, "-o", "csv", webRole}, "iamsweep: --output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, "", false, tt.args...)
			if r.code != 2 || r.stdout != "" || !strings.HasPrefix(r.stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
}

func TestRefs_org(t *testing.T) {
	isolateAWS(t, fakeaws.SampleCallerKey, "secret")
	org, accounts := fakeaws.SampleOrganization()
	legacy := "arn:aws:iam::" + fakeaws.SampleManagement + ":role/legacy/legacy-role"
	for _, a := range accounts {
		switch a.ID {
		case fakeaws.SampleProdA: // chains into prod-a from the management account
			a.Roles = append(a.Roles, &fakeaws.Role{Name: "cross-account-deploy",
				TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + legacy + `"},"Action":"sts:AssumeRole"}]}`})
		case fakeaws.SampleProdB: // a bucket policy in prod-b names it
			a.Resources = &fakeaws.Resources{Buckets: []fakeaws.Bucket{{Region: "us-east-1", Name: "shared-artifacts",
				Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + legacy + `"},"Action":"s3:GetObject","Resource":"*"}]}`}}}
		}
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(accounts...), fakeaws.WithOrganization(org),
		fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement))
	r := runCLI(t, nil, "", false, "refs", "--org", "--endpoint-url", srv.URL, "--log-level", "error", "-o", "json", legacy)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var doc refsDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range doc.Principals[0].References {
		got = append(got, x.Kind+" "+x.Name)
	}
	want := []string{"resource-policy shared-artifacts", "trust-policy cross-account-deploy"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("references across the organization (-want +got):\n%s", diff)
	}
	if !doc.Principals[0].Found {
		t.Error("the management account's role was not found")
	}
	// Every ACTIVE account was read: GAAD once in each of the five seeded
	// ones, and the audit account, which has no role to assume, is not
	// checked (it is another account than the principal's: not listed).
	if n := srv.CallCount("GetAccountAuthorizationDetails"); n != 5 {
		t.Errorf("GetAccountAuthorizationDetails calls = %d, want 5", n)
	}
	if len(doc.Principals[0].NotChecked) != 0 {
		t.Errorf("not checked in the management account: %v", doc.Principals[0].NotChecked)
	}
	audit := runCLI(t, nil, "", false, "refs", "--org", "--endpoint-url", srv.URL, "--log-level", "error",
		"arn:aws:iam::"+fakeaws.SampleAudit+":role/x")
	if !strings.Contains(audit.stdout, "not checked: all (global): the account could not be read: ") {
		t.Errorf("the unreadable account is not reported:\n%s", audit.stdout)
	}
}

// TestRefs_stack: the ownership of a role tagged by CloudFormation is
// judged by the stack's resources (one DescribeStackResources per stack):
// the role the stack manages blocks a delete, with the drift in the
// reason; the one it retained does not.
func TestRefs_stack(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	acct := exampleAccount(t)
	app := fakeaws.Stack{Region: "eu-west-1", Name: "app", UUID: "1f2e", Resources: []fakeaws.StackResource{
		{LogicalID: "ApiRole", PhysicalID: "app-api", Type: "AWS::IAM::Role"},
		{LogicalID: "KeptRole", PhysicalID: "app-kept", Type: "AWS::IAM::Role", Status: "DELETE_SKIPPED"},
	}}
	tags := func(logical string) []fakeaws.Tag {
		return []fakeaws.Tag{{Key: "aws:cloudformation:stack-name", Value: "app"},
			{Key: "aws:cloudformation:stack-id", Value: fakeaws.StackID(acct.ID, app)},
			{Key: "aws:cloudformation:logical-id", Value: logical}}
	}
	acct.Roles = append(acct.Roles, &fakeaws.Role{Name: "app-api", Tags: tags("ApiRole")}, &fakeaws.Role{Name: "app-kept", Tags: tags("KeptRole")})
	acct.Resources = &fakeaws.Resources{Stacks: []fakeaws.Stack{app}}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct))
	api, kept := "arn:aws:iam::111122223333:role/app-api", "arn:aws:iam::111122223333:role/app-kept"
	r := runCLI(t, nil, "", false, "refs", "--endpoint-url", srv.URL, api, kept)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, line := range []string{
		"role " + api + ": 1 reference, 1 blocks a delete",
		"! cloudformation-stack",
		"CloudFormation stack app manages this role as resource ApiRole (AWS::IAM::Role, CREATE_COMPLETE): deleting it outside the stack makes the stack drift",
		"role " + kept + ": 1 reference\n",
		"CloudFormation stack app no longer manages this role (resource KeptRole is DELETE_SKIPPED",
	} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("output lacks %q:\n%s", line, r.stdout)
		}
	}
	if n := srv.CallCount("DescribeStackResources"); n != 1 {
		t.Errorf("%d DescribeStackResources calls for two roles of one stack; want 1", n)
	}
}
