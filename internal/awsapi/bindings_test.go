package awsapi

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	etlRole    = "arn:aws:iam::" + testAccountID + ":role/jobs/nightly-etl"
	webProfile = "arn:aws:iam::" + testAccountID + ":instance-profile/web"
	etlStackID = "arn:aws:cloudformation:eu-west-1:" + testAccountID + ":stack/etl/0a1b"
	etlPolicy  = `{"Version":"2012-10-17","Statement":[{"Sid":"Etl","Effect":"Allow","Principal":{"AWS":"` + etlRole + `"},"Action":"*","Resource":"*"}]}`
)

// resourceAccount is an account with compute and policies in two of its
// three enabled Regions.
func resourceAccount() *fakeaws.Account {
	return &fakeaws.Account{ID: testAccountID, Resources: &fakeaws.Resources{
		Functions: []fakeaws.Function{
			{Region: "eu-west-1", Name: "nightly-etl", Role: etlRole, Policy: etlPolicy},
			{Region: "eu-west-1", Name: "other", Role: "arn:aws:iam::" + testAccountID + ":role/other"},
			{Region: "us-east-1", Name: "api", Role: "arn:aws:iam::" + testAccountID + ":role/api"},
			{Region: "af-south-1", Name: "opted-out", Role: etlRole},
		},
		Instances: []fakeaws.Instance{
			{Region: "us-east-1", ID: "i-0abc", Name: "web-1", State: "stopped", InstanceProfileARN: webProfile},
			{Region: "us-east-1", ID: "i-0def", State: "terminated", InstanceProfileARN: webProfile},
			{Region: "us-east-1", ID: "i-0nop", State: "running"},
		},
		Buckets: []fakeaws.Bucket{
			{Region: "eu-west-1", Name: "etl-data", Policy: etlPolicy},
			{Region: "us-west-2", Name: "logs"},
		},
		Keys:         []fakeaws.Key{{Region: "us-west-2", ID: "1234abcd-12ab-34cd-56ef-1234567890ab", Policy: etlPolicy}},
		Queues:       []fakeaws.Queue{{Region: "us-east-1", Name: "jobs", Policy: etlPolicy}, {Region: "us-east-1", Name: "plain"}},
		Topics:       []fakeaws.Topic{{Region: "eu-west-1", Name: "alerts", Policy: etlPolicy}, {Region: "eu-west-1", Name: "default-policy"}},
		Secrets:      []fakeaws.Secret{{Region: "us-west-2", Name: "db-password", Policy: etlPolicy}, {Region: "us-west-2", Name: "no-policy"}},
		Repositories: []fakeaws.Repository{{Region: "us-east-1", Name: "web", Policy: etlPolicy}, {Region: "us-east-1", Name: "no-policy"}},
		TaskDefinitions: []fakeaws.TaskDefinition{
			{Region: "eu-west-1", Family: "web", Revision: 3, TaskRole: etlRole, ExecutionRole: "arn:aws:iam::" + testAccountID + ":role/ecsTaskExecutionRole"},
			{Region: "eu-west-1", Family: "web", Revision: 2, Inactive: true, TaskRole: etlRole},
			{Region: "eu-west-1", Family: "no-roles", Revision: 1},
		},
		Stacks: []fakeaws.Stack{
			{Region: "eu-west-1", Name: "etl", UUID: "0a1b", Resources: []fakeaws.StackResource{
				{LogicalID: "EtlRole", PhysicalID: "nightly-etl", Type: "AWS::IAM::Role"},
				{LogicalID: "Data", PhysicalID: "etl-data", Type: "AWS::S3::Bucket"},
			}},
			{Region: "eu-west-1", Name: "old", UUID: "dead", Deleted: true, Resources: []fakeaws.StackResource{
				{LogicalID: "Kept", PhysicalID: "kept", Type: "AWS::IAM::Role", Status: "DELETE_SKIPPED"},
			}},
		},
		Projects: []fakeaws.Project{
			{Region: "us-west-2", Name: "build-web", ServiceRole: etlRole},
			{Region: "us-west-2", Name: "build-api", ServiceRole: "arn:aws:iam::" + testAccountID + ":role/codebuild-api"},
		},
		StateMachines: []fakeaws.StateMachine{
			{Region: "eu-west-1", Name: "etl-flow", Role: etlRole},
			{Region: "eu-west-1", Name: "other-flow", Role: "arn:aws:iam::" + testAccountID + ":role/sfn-other"},
		},
		Rules: []fakeaws.Rule{
			{Region: "us-east-1", Name: "nightly", Targets: []fakeaws.RuleTarget{
				{ID: "ecs", ARN: "arn:aws:ecs:us-east-1:" + testAccountID + ":cluster/jobs", Role: etlRole},
				{ID: "fn", ARN: "arn:aws:lambda:us-east-1:" + testAccountID + ":function:api"},
			}},
			{Region: "us-east-1", Bus: "orders", Name: "forward", Role: "arn:aws:iam::" + testAccountID + ":role/events-forward",
				Targets: []fakeaws.RuleTarget{{ID: "bus", ARN: "arn:aws:events:us-west-2:" + testAccountID + ":event-bus/default", Role: etlRole}}},
			{Region: "us-east-1", Name: "no-roles", Targets: []fakeaws.RuleTarget{{ID: "q", ARN: "arn:aws:sqs:us-east-1:" + testAccountID + ":jobs"}}},
		},
	}}
}

func readBindings(t *testing.T, srv *fakeaws.Server, opts BindingOptions) ([]iamsweep.Binding, []iamsweep.NotChecked) {
	t.Helper()
	r := NewBindings(testConfig(srv), testAccountID, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	var got []iamsweep.Binding
	nc, err := r.Bindings(t.Context(), func(b iamsweep.Binding) error {
		b.Policy = nil // compared by ARN and kind; the policy is checked apart
		got = append(got, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sortBindings(got)
	return got, nc
}

// sortBindings sorts bindings by ARN, then kind.
func sortBindings(got []iamsweep.Binding) {
	slices.SortFunc(got, func(a, b iamsweep.Binding) int {
		if a.ARN != b.ARN {
			if a.ARN < b.ARN {
				return -1
			}
			return 1
		}
		if a.Kind < b.Kind {
			return -1
		}
		if a.Kind > b.Kind {
			return 1
		}
		return 0
	})
}

func TestBindings_Read(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(resourceAccount()), fakeaws.WithMaxPageItems(1))
	got, nc := readBindings(t, srv, BindingOptions{})
	want := []iamsweep.Binding{
		{Kind: iamsweep.RefEC2Instance, Service: "ec2", AccountID: testAccountID, Region: "us-east-1", ARN: "arn:aws:ec2:us-east-1:" + testAccountID + ":instance/i-0abc",
			Name: "web-1 (i-0abc)", Type: "EC2 instance", State: "stopped", InstanceProfileARNs: []string{webProfile}},
		{Kind: iamsweep.RefResourcePolicy, Service: "kms", AccountID: testAccountID, Region: "us-west-2", ARN: "arn:aws:kms:us-west-2:" + testAccountID + ":key/1234abcd-12ab-34cd-56ef-1234567890ab",
			Name: "1234abcd-12ab-34cd-56ef-1234567890ab", Type: "KMS key"},
		{Kind: iamsweep.RefResourcePolicy, Service: "ecr", AccountID: testAccountID, Region: "us-east-1", ARN: "arn:aws:ecr:us-east-1:" + testAccountID + ":repository/web",
			Name: "web", Type: "ECR repository"},
		{Kind: iamsweep.RefLambdaFunction, Service: "lambda", AccountID: testAccountID, Region: "eu-west-1", ARN: "arn:aws:lambda:eu-west-1:" + testAccountID + ":function:nightly-etl",
			Name: "nightly-etl", Type: "Lambda function", RoleARNs: []string{etlRole}},
		{Kind: iamsweep.RefResourcePolicy, Service: "lambda", AccountID: testAccountID, Region: "eu-west-1", ARN: "arn:aws:lambda:eu-west-1:" + testAccountID + ":function:nightly-etl",
			Name: "nightly-etl", Type: "Lambda function"},
		{Kind: iamsweep.RefLambdaFunction, Service: "lambda", AccountID: testAccountID, Region: "eu-west-1", ARN: "arn:aws:lambda:eu-west-1:" + testAccountID + ":function:other",
			Name: "other", Type: "Lambda function", RoleARNs: []string{"arn:aws:iam::" + testAccountID + ":role/other"}},
		{Kind: iamsweep.RefLambdaFunction, Service: "lambda", AccountID: testAccountID, Region: "us-east-1", ARN: "arn:aws:lambda:us-east-1:" + testAccountID + ":function:api",
			Name: "api", Type: "Lambda function", RoleARNs: []string{"arn:aws:iam::" + testAccountID + ":role/api"}},
		{Kind: iamsweep.RefResourcePolicy, Service: "s3", AccountID: testAccountID, Region: "eu-west-1", ARN: "arn:aws:s3:::etl-data", Name: "etl-data", Type: "S3 bucket"},
		{Kind: iamsweep.RefResourcePolicy, Service: "secretsmanager", AccountID: testAccountID, Region: "us-west-2", ARN: "arn:aws:secretsmanager:us-west-2:" + testAccountID + ":secret:db-password-AbCdEf",
			Name: "db-password", Type: "secret"},
		{Kind: iamsweep.RefResourcePolicy, Service: "sns", AccountID: testAccountID, Region: "eu-west-1", ARN: "arn:aws:sns:eu-west-1:" + testAccountID + ":alerts", Name: "alerts", Type: "SNS topic"},
		{Kind: iamsweep.RefResourcePolicy, Service: "sns", AccountID: testAccountID, Region: "eu-west-1", ARN: "arn:aws:sns:eu-west-1:" + testAccountID + ":default-policy", Name: "default-policy", Type: "SNS topic"},
		{Kind: iamsweep.RefResourcePolicy, Service: "sqs", AccountID: testAccountID, Region: "us-east-1", ARN: "arn:aws:sqs:us-east-1:" + testAccountID + ":jobs", Name: "jobs", Type: "SQS queue"},
	}
	want = append(want, []iamsweep.Binding{{Kind: iamsweep.RefECSTaskDefinition, Service: "ecs", AccountID: testAccountID, Region: "eu-west-1",
		ARN: "arn:aws:ecs:eu-west-1:" + testAccountID + ":task-definition/web:3", Name: "web:3", Type: "ECS task definition",
		RoleARNs: []string{etlRole, "arn:aws:iam::" + testAccountID + ":role/ecsTaskExecutionRole"}}}...)
	want = append(want, []iamsweep.Binding{
		{Kind: iamsweep.RefCodeBuildProject, Service: "codebuild", AccountID: testAccountID, Region: "us-west-2",
			ARN: "arn:aws:codebuild:us-west-2:" + testAccountID + ":project/build-web", Name: "build-web", Type: "CodeBuild project", RoleARNs: []string{etlRole}},
		{Kind: iamsweep.RefCodeBuildProject, Service: "codebuild", AccountID: testAccountID, Region: "us-west-2",
			ARN: "arn:aws:codebuild:us-west-2:" + testAccountID + ":project/build-api", Name: "build-api", Type: "CodeBuild project",
			RoleARNs: []string{"arn:aws:iam::" + testAccountID + ":role/codebuild-api"}},
		{Kind: iamsweep.RefStateMachine, Service: "states", AccountID: testAccountID, Region: "eu-west-1",
			ARN: "arn:aws:states:eu-west-1:" + testAccountID + ":stateMachine:etl-flow", Name: "etl-flow", Type: "Step Functions state machine", RoleARNs: []string{etlRole}},
		{Kind: iamsweep.RefStateMachine, Service: "states", AccountID: testAccountID, Region: "eu-west-1",
			ARN: "arn:aws:states:eu-west-1:" + testAccountID + ":stateMachine:other-flow", Name: "other-flow", Type: "Step Functions state machine",
			RoleARNs: []string{"arn:aws:iam::" + testAccountID + ":role/sfn-other"}},
		{Kind: iamsweep.RefEventBridgeRule, Service: "events", AccountID: testAccountID, Region: "us-east-1",
			ARN: "arn:aws:events:us-east-1:" + testAccountID + ":rule/nightly", Name: "nightly", Type: "EventBridge rule", RoleARNs: []string{etlRole}},
		{Kind: iamsweep.RefEventBridgeRule, Service: "events", AccountID: testAccountID, Region: "us-east-1",
			ARN: "arn:aws:events:us-east-1:" + testAccountID + ":rule/orders/forward", Name: "orders/forward", Type: "EventBridge rule",
			RoleARNs: []string{"arn:aws:iam::" + testAccountID + ":role/events-forward", etlRole}},
	}...)
	sortBindings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
	if len(nc) != 0 {
		t.Errorf("not checked: %v", nc)
	}
	// Per account and Region, plus one call per resource with a policy:
	// never per principal. Pages of one item make every listing paginate.
	for action, want := range map[string]int{
		"DescribeRegions":   1,
		"ListFunctions":     3 + 1, // eu-west-1 has two pages; the other Regions one each (empty included)
		"GetPolicy":         3,
		"DescribeInstances": 3 + 1, // us-east-1 has two non-terminated instances
		"ListKeys":          3,
		"GetKeyPolicy":      1,
		"ListBuckets":       2,
		"GetBucketPolicy":   2,
		// Pages of one: a Region with n items takes n pages, an empty
		// one 1.
		"ListQueues": 1 + 2 + 1, "GetQueueAttributes": 2,
		"ListTopics": 2 + 1 + 1, "GetTopicAttributes": 2,
		"ListSecrets": 1 + 1 + 2, "GetResourcePolicy": 2,
		"ListTaskDefinitions": 2 + 1 + 1, "DescribeTaskDefinition": 2,
		"DescribeRepositories": 1 + 2 + 1, "GetRepositoryPolicy": 2,
		// Two projects in one Region: two pages of names there, then
		// one batch per 100 names; state machines described one by one;
		// the targets of each rule listed per rule, per page.
		"ListProjects": 1 + 1 + 2, "BatchGetProjects": 1,
		"ListStateMachines": 2 + 1 + 1, "DescribeStateMachine": 2,
		"ListEventBuses": 1 + 2 + 1, "ListRules": 1 + (2 + 1) + 1, "ListTargetsByRule": 2 + 1 + 1,
	} {
		if got := srv.CallCount(action); got != want {
			t.Errorf("%s calls = %d, want %d", action, got, want)
		}
	}
	for _, c := range srv.Calls() {
		switch c.ErrorCode {
		case "", "ResourceNotFoundException", "NoSuchBucketPolicy", "RepositoryPolicyNotFoundException": // no policy
		default:
			t.Errorf("call %s failed with %s", c.Action, c.ErrorCode)
		}
	}
}

func TestBindings_Policies(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(resourceAccount()))
	r := NewBindings(testConfig(srv), testAccountID, slog.New(slog.NewTextHandler(io.Discard, nil)), BindingOptions{Regions: []string{"eu-west-1"}})
	var policies []string
	if _, err := r.Bindings(t.Context(), func(b iamsweep.Binding) error {
		if b.Policy != nil {
			policies = append(policies, b.Service+" "+b.Policy.Statements[0].Principal.ByType["AWS"][0])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(policies)
	// The topic without a policy of its own has SNS's default, for "*".
	if diff := cmp.Diff([]string{"lambda " + etlRole, "s3 " + etlRole, "sns *", "sns " + etlRole}, policies); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
}

func TestBindings_NotChecked(t *testing.T) {
	tests := []struct {
		name   string
		fault  string
		code   string
		status int
		want   []iamsweep.NotChecked
	}{
		{name: "Lambda listing denied", fault: "lambda:ListFunctions", code: "AccessDeniedException", status: 403, want: []iamsweep.NotChecked{
			{AccountID: testAccountID, Region: "eu-west-1", Service: "lambda functions", Reason: "access denied: lambda:ListFunctions"},
			{AccountID: testAccountID, Region: "us-east-1", Service: "lambda functions", Reason: "access denied: lambda:ListFunctions"},
			{AccountID: testAccountID, Region: "us-west-2", Service: "lambda functions", Reason: "access denied: lambda:ListFunctions"},
		}},
		{name: "bucket policies denied", fault: "s3:GetBucketPolicy", code: "AccessDenied", status: 403, want: []iamsweep.NotChecked{
			{AccountID: testAccountID, Region: "eu-west-1", Service: "s3 bucket policies (first: etl-data)", Reason: "access denied: s3:GetBucketPolicy"},
			{AccountID: testAccountID, Region: "us-west-2", Service: "s3 bucket policies (first: logs)", Reason: "access denied: s3:GetBucketPolicy"},
		}},
		{name: "Regions not listed: the configured one only", fault: "ec2:DescribeRegions", code: "UnauthorizedOperation", status: 403, want: []iamsweep.NotChecked{
			{AccountID: testAccountID, Service: "ec2 regions (only us-east-1 was read)", Reason: "access denied: ec2:DescribeRegions"},
		}},
		{name: "task definitions denied", fault: "ecs:DescribeTaskDefinition", code: "AccessDeniedException", status: 400, want: []iamsweep.NotChecked{
			{AccountID: testAccountID, Region: "eu-west-1", Service: "ecs task definitions", Reason: "access denied: ecs:DescribeTaskDefinition"},
		}},
		{name: "KMS denied", fault: "kms:ListKeys", code: "AccessDeniedException", status: 400, want: []iamsweep.NotChecked{
			{AccountID: testAccountID, Region: "eu-west-1", Service: "kms key policies", Reason: "access denied: kms:ListKeys"},
			{AccountID: testAccountID, Region: "us-east-1", Service: "kms key policies", Reason: "access denied: kms:ListKeys"},
			{AccountID: testAccountID, Region: "us-west-2", Service: "kms key policies", Reason: "access denied: kms:ListKeys"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeaws.New(t, fakeaws.WithAccounts(resourceAccount()), fakeaws.WithFault("", tt.fault, -1, tt.status, tt.code, "denied"))
			got, nc := readBindings(t, srv, BindingOptions{})
			if diff := cmp.Diff(tt.want, nc); diff != "" {
				t.Errorf("not checked (-want +got):\n%s", diff)
			}
			if len(got) == 0 {
				t.Error("nothing else was read")
			}
		})
	}
}

func TestBindings_OptedOutRegion(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(resourceAccount()))
	_, nc := readBindings(t, srv, BindingOptions{Regions: []string{"af-south-1"}})
	if len(nc) != 11 {
		t.Fatalf("not checked = %v, want Lambda, EC2, KMS, SQS, SNS, Secrets Manager, ECS, ECR, CodeBuild, Step Functions and EventBridge in af-south-1", nc)
	}
	for _, n := range nc {
		if n.Region != "af-south-1" || n.Reason == "" {
			t.Errorf("not checked %+v", n)
		}
	}
}

func TestBindings_CallbackError(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(resourceAccount()))
	r := NewBindings(testConfig(srv), testAccountID, slog.New(slog.NewTextHandler(io.Discard, nil)), BindingOptions{})
	stop := errors.New("stop")
	_, err := r.Bindings(t.Context(), func(iamsweep.Binding) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the callback's", err)
	}
}

func TestBindings_MaxTaskDefinitions(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(resourceAccount()))
	acct := srv.Account(testAccountID)
	acct.Resources.TaskDefinitions = append(acct.Resources.TaskDefinitions,
		fakeaws.TaskDefinition{Region: "eu-west-1", Family: "web", Revision: 4, TaskRole: etlRole})
	_, nc := readBindings(t, srv, BindingOptions{Regions: []string{"eu-west-1"}, MaxTaskDefinitions: 2})
	want := []iamsweep.NotChecked{{AccountID: testAccountID, Region: "eu-west-1", Service: "ecs task definitions",
		Reason: "3 active revisions, only the first 2 described (one call each)"}}
	if diff := cmp.Diff(want, nc); diff != "" {
		t.Errorf("not checked (-want +got):\n%s", diff)
	}
	if got := srv.CallCount("DescribeTaskDefinition"); got != 2 {
		t.Errorf("DescribeTaskDefinition calls = %d, want 2", got)
	}
}

func TestBindings_Stacks(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(resourceAccount()))
	r := NewBindings(testConfig(srv), testAccountID, discardLog(), BindingOptions{})
	oldID := "arn:aws:cloudformation:eu-west-1:" + testAccountID + ":stack/old/dead"
	got, nc, err := r.Stacks(t.Context(), []iamsweep.StackRef{
		{AccountID: testAccountID, Region: "eu-west-1", ID: etlStackID, Name: "etl"},
		{AccountID: testAccountID, Region: "eu-west-1", ID: oldID, Name: "old"},
		{AccountID: testAccountID, Region: "eu-west-1", ID: "arn:aws:cloudformation:eu-west-1:" + testAccountID + ":stack/never/0000", Name: "never"},
		{AccountID: testAccountID, Region: "af-south-1", ID: "arn:aws:cloudformation:af-south-1:" + testAccountID + ":stack/optout/1111", Name: "optout"},
		{AccountID: "444455556666", Region: "eu-west-1", ID: "arn:aws:cloudformation:eu-west-1:444455556666:stack/other/2222", Name: "other"},
		{AccountID: testAccountID, Name: "no-id"},
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b iamsweep.Stack) int { return strings.Compare(a.Name, b.Name) })
	want := []iamsweep.Stack{
		{StackRef: iamsweep.StackRef{AccountID: testAccountID, Region: "eu-west-1", ID: etlStackID, Name: "etl"}, Resources: []iamsweep.StackResource{
			{LogicalID: "EtlRole", PhysicalID: "nightly-etl", Type: "AWS::IAM::Role", Status: "CREATE_COMPLETE"},
			{LogicalID: "Data", PhysicalID: "etl-data", Type: "AWS::S3::Bucket", Status: "CREATE_COMPLETE"}}},
		{StackRef: iamsweep.StackRef{AccountID: testAccountID, Region: "eu-west-1", ID: "arn:aws:cloudformation:eu-west-1:" + testAccountID + ":stack/never/0000", Name: "never"}, Gone: true},
		{StackRef: iamsweep.StackRef{AccountID: testAccountID, Region: "eu-west-1", ID: oldID, Name: "old"}, Resources: []iamsweep.StackResource{
			{LogicalID: "Kept", PhysicalID: "kept", Type: "AWS::IAM::Role", Status: "DELETE_SKIPPED"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stacks (-want +got):\n%s", diff)
	}
	if len(nc) != 1 || nc[0].Region != "af-south-1" || !strings.Contains(nc[0].Reason, "cloudformation:DescribeStackResources") {
		t.Errorf("not checked = %+v; want the opted-out Region's stack", nc)
	}
	// One call per stack of the account with a Region.
	if n := srv.CallCount("DescribeStackResources"); n != 4 {
		t.Errorf("%d DescribeStackResources calls; want 4", n)
	}
}
