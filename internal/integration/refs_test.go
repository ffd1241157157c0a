//go:build integration

package integration

import (
	"archive/zip"
	"bytes"
	"log/slog"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/refs"
)

// functionZip is a deployment package of one Python handler.
func functionZip(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.Create("handler.py")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("def handler(event, context):\n    return {}\n")); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRefs_moto seeds real bindings in moto through the AWS APIs (a Lambda
// function running as a role, a stopped EC2 instance with an instance
// profile, an ECS task definition, a CodeBuild project, a Step Functions
// state machine, an EventBridge rule target, the policies of a bucket, a
// KMS key, a queue, a topic, a secret and an ECR repository, a role
// chained to another)
// and checks that iamsweep's reads and index find every one.
func TestRefs_moto(t *testing.T) {
	env := newAWSEnv(t)
	ctx := t.Context()
	etl, err := seedRole(ctx, env.IAM, roleSpec{Name: "etl-runner", Path: "/jobs/", Trust: trustLambda})
	if err != nil {
		t.Fatal(err)
	}
	web, err := seedRole(ctx, env.IAM, roleSpec{Name: "web", Trust: trustEC2, InstanceProfiles: []profileSpec{{Name: "web-profile"}}})
	if err != nil {
		t.Fatal(err)
	}
	chain := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + etl.ARN + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := seedRole(ctx, env.IAM, roleSpec{Name: "reporting", Trust: chain}); err != nil {
		t.Fatal(err)
	}

	if _, err := lambda.NewFromConfig(env.Config).CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("nightly-etl"), Role: aws.String(etl.ARN), Runtime: lambdatypes.RuntimePython312,
		Handler: aws.String("handler.handler"), Code: &lambdatypes.FunctionCode{ZipFile: functionZip(t)},
	}); err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}

	ec2c := ec2.NewFromConfig(env.Config)
	images, err := ec2c.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(images.Images) == 0 {
		t.Fatalf("DescribeImages: %v (%d images)", err, len(images.Images))
	}
	run, err := ec2c.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: images.Images[0].ImageId, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro,
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Arn: aws.String(web.Profiles[0].ARN)},
	})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	instanceID := aws.ToString(run.Instances[0].InstanceId)
	if _, err := ec2c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{instanceID}}); err != nil {
		t.Fatalf("StopInstances: %v", err)
	}

	s3c := s3.NewFromConfig(env.Config, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("etl-data")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("no-policy")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	bucketPolicy := `{"Version":"2012-10-17","Statement":[{"Sid":"Etl","Effect":"Allow","Principal":{"AWS":"` + etl.ARN + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::etl-data/*"}]}`
	if _, err := s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("etl-data"), Policy: aws.String(bucketPolicy)}); err != nil {
		t.Fatalf("PutBucketPolicy: %v", err)
	}

	keyPolicy := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + motoAccount + `:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"Web","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringLike":{"aws:userid":"` + web.ID + `:*"}}}]}`
	key, err := kms.NewFromConfig(env.Config).CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(keyPolicy)})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}

	queuePolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + etl.ARN + `"},"Action":"sqs:SendMessage","Resource":"*"}]}`
	if _, err := sqs.NewFromConfig(env.Config).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs"),
		Attributes: map[string]string{"Policy": queuePolicy}}); err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	_, err = sns.NewFromConfig(env.Config).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alerts"),
		Attributes: map[string]string{"Policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + web.ARN + `"},"Action":"sns:Publish","Resource":"*"}]}`}})
	if err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	sm := secretsmanager.NewFromConfig(env.Config)
	secret, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db-password"), SecretString: aws.String("x")})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	if _, err := sm.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: secret.ARN,
		ResourcePolicy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + etl.ARN + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)}); err != nil {
		t.Fatalf("PutResourcePolicy: %v", err)
	}
	if _, err := ecs.NewFromConfig(env.Config).RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web-task"),
		TaskRoleArn: aws.String(web.ARN), ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("nginx"), Memory: aws.Int32(128)}}}); err != nil {
		t.Fatalf("RegisterTaskDefinition: %v", err)
	}

	ecrc := ecr.NewFromConfig(env.Config)
	if _, err := ecrc.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("web-images")}); err != nil {
		t.Fatalf("CreateRepository: %v", err)
	}
	if _, err := ecrc.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("web-images"),
		PolicyText: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"` + web.ARN + `"},"Action":"ecr:BatchGetImage"}]}`)}); err != nil {
		t.Fatalf("SetRepositoryPolicy: %v", err)
	}
	if _, err := ecrc.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("no-policy")}); err != nil {
		t.Fatalf("CreateRepository: %v", err)
	}

	if _, err := codebuild.NewFromConfig(env.Config).CreateProject(ctx, &codebuild.CreateProjectInput{Name: aws.String("build-etl"),
		ServiceRole: aws.String(etl.ARN),
		Source:      &cbtypes.ProjectSource{Type: cbtypes.SourceTypeS3, Location: aws.String("etl-data/source.zip")},
		Artifacts:   &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeNoArtifacts},
		Environment: &cbtypes.ProjectEnvironment{Type: cbtypes.EnvironmentTypeLinuxContainer, Image: aws.String("aws/codebuild/standard:7.0"),
			ComputeType: cbtypes.ComputeTypeBuildGeneral1Small},
	}); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	if _, err := sfn.NewFromConfig(env.Config).CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("etl-flow"),
		RoleArn: aws.String(etl.ARN), Definition: aws.String(`{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}`)}); err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	evc := eventbridge.NewFromConfig(env.Config)
	if _, err := evc.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("nightly"), ScheduleExpression: aws.String("rate(1 day)")}); err != nil {
		t.Fatalf("PutRule: %v", err)
	}
	if _, err := evc.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("nightly"), Targets: []ebtypes.Target{{
		Id: aws.String("task"), Arn: aws.String("arn:aws:ecs:us-east-1:" + motoAccount + ":cluster/jobs"), RoleArn: aws.String(web.ARN)}}}); err != nil {
		t.Fatalf("PutTargets: %v", err)
	}

	// What iamsweep refs does: the export, then the bindings, into one index.
	log := slog.New(slog.DiscardHandler)
	idx := refs.NewIndex()
	if err := awsapi.New(env.Config, log).Roles(ctx, func(r iamsweep.Role) error { idx.AddRole(r); return nil }); err != nil {
		t.Fatal(err)
	}
	nc, err := awsapi.NewBindings(env.Config, motoAccount, log, awsapi.BindingOptions{Regions: []string{"us-east-1", "eu-west-1"}}).
		Bindings(ctx, func(b iamsweep.Binding) error { idx.AddBinding(b); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(nc) > 0 {
		t.Errorf("not checked against moto: %v", nc)
	}

	type ref struct {
		Kind   iamsweep.ReferenceKind
		Name   string
		Match  string
		Blocks bool
	}
	lookup := func(arn string) []ref {
		t.Helper()
		p, err := idx.Lookup(arn)
		if err != nil {
			t.Fatal(err)
		}
		var out []ref
		for _, r := range p.References {
			out = append(out, ref{r.Kind, r.Name, r.Match, r.BlocksDelete})
		}
		return out
	}
	for _, want := range []ref{
		{iamsweep.RefLambdaFunction, "nightly-etl", "role", true},
		{iamsweep.RefResourcePolicy, "etl-data", "arn", true},
		{iamsweep.RefTrustPolicy, "reporting", "arn", true},
		{iamsweep.RefResourcePolicy, "jobs", "arn", true},
		{iamsweep.RefResourcePolicy, "db-password", "arn", true},
		{iamsweep.RefCodeBuildProject, "build-etl", "role", true},
		{iamsweep.RefStateMachine, "etl-flow", "role", true},
	} {
		if got := lookup(etl.ARN); !slices.Contains(got, want) {
			t.Errorf("etl-runner: %+v not found in %+v", want, got)
		}
	}
	for _, want := range []ref{
		{iamsweep.RefInstanceProfile, "web-profile", "role", false},
		{iamsweep.RefEC2Instance, instanceID, "instance-profile", true},
		{iamsweep.RefResourcePolicy, aws.ToString(key.KeyMetadata.KeyId), "condition", true},
		{iamsweep.RefResourcePolicy, "alerts", "arn", true},
		{iamsweep.RefECSTaskDefinition, "web-task:1", "role", true},
		{iamsweep.RefResourcePolicy, "web-images", "arn", true},
		{iamsweep.RefEventBridgeRule, "nightly", "role", true},
	} {
		if got := lookup(web.ARN); !slices.Contains(got, want) {
			t.Errorf("web: %+v not found in %+v", want, got)
		}
	}

	// The enabled Regions come from moto's DescribeRegions.
	regions := awsapi.NewBindings(env.Config, motoAccount, log, awsapi.BindingOptions{})
	var functions int
	if _, err := regions.Bindings(ctx, func(b iamsweep.Binding) error {
		if b.Kind == iamsweep.RefLambdaFunction {
			functions++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if functions != 1 {
		t.Errorf("%d functions over moto's enabled Regions, want 1", functions)
	}
}

// TestRefs_stacks_moto: a stack created in moto from a template with a
// role is read back (DescribeStackResources by stack ID) with the role as
// an AWS::IAM::Role resource, and a stack moto does not know is gone.
func TestRefs_stacks_moto(t *testing.T) {
	env := newAWSEnv(t)
	ctx := t.Context()
	template := `{"Resources":{"AppRole":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"app-api",` +
		`"AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}}}}}`
	out, err := cloudformation.NewFromConfig(env.Config).CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("app"),
		TemplateBody: aws.String(template), Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityNamedIam}})
	if err != nil {
		t.Fatalf("CreateStack: %v", err)
	}
	id := aws.ToString(out.StackId)
	missing := "arn:aws:cloudformation:us-east-1:" + motoAccount + ":stack/never/00000000-0000-0000-0000-000000000000"
	b := awsapi.NewBindings(env.Config, motoAccount, slog.New(slog.DiscardHandler), awsapi.BindingOptions{})
	stacks, nc, err := b.Stacks(ctx, []iamsweep.StackRef{
		{AccountID: motoAccount, Region: "us-east-1", ID: id, Name: "app"},
		{AccountID: motoAccount, Region: "us-east-1", ID: missing, Name: "never"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(nc) > 0 {
		t.Errorf("not checked against moto: %v", nc)
	}
	var app, never *iamsweep.Stack
	for i := range stacks {
		switch stacks[i].ID {
		case id:
			app = &stacks[i]
		case missing:
			never = &stacks[i]
		}
	}
	if app == nil || app.Gone || !slices.ContainsFunc(app.Resources, func(r iamsweep.StackResource) bool {
		return r.LogicalID == "AppRole" && r.Type == "AWS::IAM::Role" && r.PhysicalID == "app-api" && r.Status == "CREATE_COMPLETE"
	}) {
		t.Errorf("stack app = %+v; want its role AppRole (app-api, CREATE_COMPLETE)", app)
	}
	if never == nil || !never.Gone {
		t.Errorf("stack never = %+v; want gone", never)
	}
}
