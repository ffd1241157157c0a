package iamsweep

import "context"

// ReferenceKind names what points at a principal.
type ReferenceKind string

// The kinds of reference iamsweep finds (docs/refs.md lists what each
// covers and what it does not).
const (
	// RefTrustPolicy: another role's trust policy names the principal, so
	// the principal can assume that role (role chaining).
	RefTrustPolicy ReferenceKind = "trust-policy"
	// RefInstanceProfile: an instance profile holds the role.
	RefInstanceProfile ReferenceKind = "instance-profile"
	// RefEC2Instance: an EC2 instance (running or stopped) runs with an
	// instance profile that holds the role.
	RefEC2Instance ReferenceKind = "ec2-instance"
	// RefLambdaFunction: a Lambda function's execution role.
	RefLambdaFunction ReferenceKind = "lambda-function"
	// RefECSTaskDefinition: the task or execution role of an active ECS
	// task definition revision.
	RefECSTaskDefinition ReferenceKind = "ecs-task-definition"
	// RefCodeBuildProject: a CodeBuild project's service role.
	RefCodeBuildProject ReferenceKind = "codebuild-project"
	// RefStateMachine: a Step Functions state machine's role.
	RefStateMachine ReferenceKind = "state-machine"
	// RefEventBridgeRule: the role of an EventBridge rule or of one of
	// its targets.
	RefEventBridgeRule ReferenceKind = "eventbridge-rule"
	// RefCloudFormation: the CloudFormation stack that created the
	// principal (its aws:cloudformation:* tags).
	RefCloudFormation ReferenceKind = "cloudformation-stack"
	// RefResourcePolicy: a resource-based policy (S3 bucket, KMS key, SQS
	// queue, SNS topic, secret, Lambda function, ECR repository) names the
	// principal.
	RefResourcePolicy ReferenceKind = "resource-policy"
)

// Reference is one thing that still points at a principal: what it is,
// where it is, why it matters and whether it blocks deleting the
// principal.
type Reference struct {
	// Kind is what the reference is.
	Kind ReferenceKind
	// AccountID and Region are where the referencing resource lives;
	// Region is "" for global resources (IAM roles, instance profiles).
	AccountID string
	Region    string
	// ARN is the referencing resource's ARN (the other role, the function,
	// the bucket); Name its short name.
	ARN  string
	Name string
	// Service is the AWS service of the resource ("lambda", "s3", "iam").
	Service string
	// Match says how the principal is named: "arn", "unique-id",
	// "wildcard" (a pattern that matches its ARN), "condition" (principal
	// "*" narrowed by a condition naming it), "not-principal", "role"
	// (the resource runs as the role), "tag" (ownership tags) or
	// "stack-resource" (the stack the tags name holds it as a resource).
	Match string
	// Why says in words why it matters ("Lambda function nightly-etl
	// uses this role").
	Why string
	// BlocksDelete is true when deleting the principal breaks the
	// resource: a delete is refused unless the remediation policy says
	// otherwise. A quarantine still runs (it is reversible).
	BlocksDelete bool
}

// Binding is a resource read from an AWS service that either runs as a
// role (a Lambda function, an EC2 instance, an ECS task definition) or
// carries a resource-based policy (a bucket, a key, a queue...). Package
// internal/refs matches bindings against principals.
type Binding struct {
	// Kind is the reference a match makes.
	Kind ReferenceKind
	// Service is the AWS service ("lambda", "ec2", "s3"...).
	Service   string
	AccountID string
	// Region is where the resource lives ("" for a global one).
	Region string
	ARN    string
	Name   string
	// Type is the resource type in words ("Lambda function", "S3 bucket").
	Type string
	// RoleARNs are the roles the resource runs as.
	RoleARNs []string
	// InstanceProfileARNs are the instance profiles of an EC2 instance;
	// the account's export says which role each holds.
	InstanceProfileARNs []string
	// State qualifies the resource when it matters ("stopped").
	State string
	// Policy is the resource-based policy; nil when it has none.
	Policy *PolicyDocument
}

// NotChecked is a source of references that could not be read: a missing
// read permission, a service not enabled, a Region opted out. It is
// reported, never skipped silently.
type NotChecked struct {
	AccountID string
	// Region is "" for a global service.
	Region string
	// Service is the AWS service, or the service and resource type
	// ("s3 bucket policies").
	Service string
	// Reason says why in words ("access denied: s3:GetBucketPolicy").
	Reason string
}

// PrincipalReferences are the references to one principal.
type PrincipalReferences struct {
	// ARN, ID and AccountID name the principal; ID is "" when unknown.
	ARN       string
	ID        string
	AccountID string
	// Kind is "role" or "user"; Found is false when the account holds no
	// such principal (it was deleted, or the ARN is wrong).
	Kind  string
	Found bool
	// References are in a stable order: kind, then ARN.
	References []Reference
	// NotChecked are the sources that could not be read in the account:
	// the references are complete only when it is empty.
	NotChecked []NotChecked
}

// Blocking returns the references that block deleting the principal.
func (p PrincipalReferences) Blocking() []Reference {
	var out []Reference
	for _, r := range p.References {
		if r.BlocksDelete {
			out = append(out, r)
		}
	}
	return out
}

// BindingReader reads, once per account, the resources that may point at
// its principals: compute that runs as a role and resources with
// resource-based policies, in every enabled Region of the account.
type BindingReader interface {
	// Bindings calls fn once for every binding found. Sources that
	// cannot be read (access denied, service not enabled) are returned as
	// NotChecked, not as errors.
	//
	// Errors: the first error fn returns, the context's error when ctx
	// ends, and errors that stop every read (no credentials).
	Bindings(ctx context.Context, fn func(Binding) error) ([]NotChecked, error)
}

// StackRef names a CloudFormation stack that a principal's
// aws:cloudformation:stack-name and stack-id tags name.
type StackRef struct {
	AccountID string
	// Region is the stack's, from its ID; "" when only the name is known.
	Region string
	// ID is the stack's ARN (the stack-id tag); Name its name.
	ID, Name string
}

// Stack is what CloudFormation says of a stack (DescribeStackResources):
// the resources it manages, or that it is gone.
type Stack struct {
	StackRef
	// Gone is true when CloudFormation no longer knows the stack (deleted
	// more than 90 days ago, or never there).
	Gone bool
	// Resources are the stack's resources, at most the first 100 (the
	// call shows no more): Truncated is then true.
	Resources []StackResource
	Truncated bool
}

// StackResource is a resource of a stack.
type StackResource struct {
	// LogicalID names it in the template; PhysicalID is its own name (a
	// role's or user's name for AWS::IAM::Role and AWS::IAM::User).
	LogicalID, PhysicalID string
	// Type is "AWS::IAM::Role"...; Status "CREATE_COMPLETE",
	// "DELETE_SKIPPED" (retained)...
	Type, Status string
}
