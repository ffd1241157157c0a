package awsapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
)

// DefaultMaxTaskDefinitions is BindingOptions.MaxTaskDefinitions' default.
const DefaultMaxTaskDefinitions = 1000

// policies reads, with at most Concurrency calls in flight, the policy of
// each resource with get, and emits it. The first failure of a kind other
// than "no policy" (get returns "" and nil) marks the source not checked
// in the Region; the other resources are still read.
func (b *Bindings) policies(ctx context.Context, region, service, call, typ string, owners []iamsweep.Binding,
	get func(context.Context, iamsweep.Binding) (string, error), emit func(iamsweep.Binding) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Concurrency)
	var failed sync.Once
	for _, o := range owners {
		g.Go(func() error {
			text, err := get(gctx, o)
			if err != nil {
				var skipErr error
				failed.Do(func() { skipErr = b.skip(gctx, region, service, call, err) })
				return skipErr
			}
			return b.policyBinding(o, typ, text, emit)
		})
	}
	return unwrapCallback(g.Wait())
}

// queues reads the SQS queues of a Region (ListQueues, 1,000 a page) and
// the policy of each (GetQueueAttributes Policy).
func (b *Bindings) queues(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	client := sqs.NewFromConfig(b.regional(region))
	var queues []iamsweep.Binding
	p := sqs.NewListQueuesPaginator(client, &sqs.ListQueuesInput{MaxResults: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, region, "sqs queue policies", "sqs:ListQueues", err)
		}
		for _, url := range page.QueueUrls {
			name := url[strings.LastIndexByte(url, '/')+1:]
			queues = append(queues, iamsweep.Binding{Service: "sqs", AccountID: b.accountID, Region: region, Name: name,
				ARN: "arn:" + partition(region) + ":sqs:" + region + ":" + b.accountID + ":" + name, State: url})
		}
	}
	return b.policies(ctx, region, "sqs queue policies", "sqs:GetQueueAttributes", "SQS queue", queues,
		func(ctx context.Context, q iamsweep.Binding) (string, error) {
			out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q.State),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}})
			if err != nil {
				return "", err
			}
			return out.Attributes[string(sqstypes.QueueAttributeNamePolicy)], nil
		}, func(x iamsweep.Binding) error { x.State = ""; return emit(x) })
}

// topics reads the SNS topics of a Region (ListTopics, 100 a page) and the
// access policy of each (GetTopicAttributes).
func (b *Bindings) topics(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	client := sns.NewFromConfig(b.regional(region))
	var topics []iamsweep.Binding
	p := sns.NewListTopicsPaginator(client, &sns.ListTopicsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, region, "sns topic policies", "sns:ListTopics", err)
		}
		for _, t := range page.Topics {
			arn := aws.ToString(t.TopicArn)
			topics = append(topics, iamsweep.Binding{Service: "sns", AccountID: b.accountID, Region: region, ARN: arn,
				Name: arn[strings.LastIndexByte(arn, ':')+1:]})
		}
	}
	return b.policies(ctx, region, "sns topic policies", "sns:GetTopicAttributes", "SNS topic", topics,
		func(ctx context.Context, t iamsweep.Binding) (string, error) {
			out, err := client.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(t.ARN)})
			if err != nil {
				return "", err
			}
			return out.Attributes["Policy"], nil
		}, emit)
}

// secrets reads the Secrets Manager secrets of a Region (ListSecrets, 100
// a page) and the resource policy of each (GetResourcePolicy).
func (b *Bindings) secrets(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	client := secretsmanager.NewFromConfig(b.regional(region))
	var secrets []iamsweep.Binding
	p := secretsmanager.NewListSecretsPaginator(client, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, region, "secretsmanager secret policies", "secretsmanager:ListSecrets", err)
		}
		for _, x := range page.SecretList {
			secrets = append(secrets, iamsweep.Binding{Service: "secretsmanager", AccountID: b.accountID, Region: region,
				ARN: aws.ToString(x.ARN), Name: aws.ToString(x.Name)})
		}
	}
	return b.policies(ctx, region, "secretsmanager secret policies", "secretsmanager:GetResourcePolicy", "secret", secrets,
		func(ctx context.Context, x iamsweep.Binding) (string, error) {
			out, err := client.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(x.ARN)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.ResourcePolicy), nil
		}, emit)
}

// taskDefinitions reads the active ECS task definition revisions of a
// Region (ListTaskDefinitions, 100 a page) and the task and execution
// roles of each (DescribeTaskDefinition: one call per revision, at most
// MaxTaskDefinitions; the rest is reported not checked).
func (b *Bindings) taskDefinitions(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	client := ecs.NewFromConfig(b.regional(region))
	var arns []string
	p := ecs.NewListTaskDefinitionsPaginator(client, &ecs.ListTaskDefinitionsInput{Status: ecstypes.TaskDefinitionStatusActive, MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, region, "ecs task definitions", "ecs:ListTaskDefinitions", err)
		}
		arns = append(arns, page.TaskDefinitionArns...)
	}
	if limit := b.opts.MaxTaskDefinitions; len(arns) > limit {
		b.mu.Lock()
		b.notChecked = append(b.notChecked, iamsweep.NotChecked{AccountID: b.accountID, Region: region, Service: "ecs task definitions",
			Reason: fmt.Sprintf("%d active revisions, only the first %d described (one call each)", len(arns), limit)})
		b.mu.Unlock()
		arns = arns[:limit]
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Concurrency)
	var failed sync.Once
	for _, arn := range arns {
		g.Go(func() error {
			out, err := client.DescribeTaskDefinition(gctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
			if err != nil {
				var skipErr error
				failed.Do(func() { skipErr = b.skip(gctx, region, "ecs task definitions", "ecs:DescribeTaskDefinition", err) })
				return skipErr
			}
			td := out.TaskDefinition
			if td == nil {
				return nil
			}
			x := iamsweep.Binding{Kind: iamsweep.RefECSTaskDefinition, Service: "ecs", AccountID: b.accountID, Region: region,
				ARN: arn, Name: fmt.Sprintf("%s:%d", aws.ToString(td.Family), td.Revision), Type: "ECS task definition"}
			for _, role := range []*string{td.TaskRoleArn, td.ExecutionRoleArn} {
				if r := aws.ToString(role); r != "" {
					x.RoleARNs = append(x.RoleARNs, r)
				}
			}
			if len(x.RoleARNs) == 0 {
				return nil
			}
			if err := emit(x); err != nil {
				return &callbackError{err}
			}
			return nil
		})
	}
	return unwrapCallback(g.Wait())
}

// repositories reads the ECR repositories of a Region
// (DescribeRepositories, 1,000 a page) and the policy of each
// (GetRepositoryPolicy).
func (b *Bindings) repositories(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	client := ecr.NewFromConfig(b.regional(region))
	var repos []iamsweep.Binding
	p := ecr.NewDescribeRepositoriesPaginator(client, &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, region, "ecr repository policies", "ecr:DescribeRepositories", err)
		}
		for _, r := range page.Repositories {
			repos = append(repos, iamsweep.Binding{Service: "ecr", AccountID: b.accountID, Region: region,
				ARN: aws.ToString(r.RepositoryArn), Name: aws.ToString(r.RepositoryName)})
		}
	}
	return b.policies(ctx, region, "ecr repository policies", "ecr:GetRepositoryPolicy", "ECR repository", repos,
		func(ctx context.Context, r iamsweep.Binding) (string, error) {
			out, err := client.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String(r.Name)})
			var apiErr smithy.APIError
			if errors.As(err, &apiErr) && apiErr.ErrorCode() == "RepositoryPolicyNotFoundException" {
				return "", nil
			}
			if err != nil {
				return "", err
			}
			return aws.ToString(out.PolicyText), nil
		}, emit)
}
