package awsapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// BindingCalls are the read calls Bindings and Stacks make, as IAM actions: the
// scan policy (policies/iamsweep-scan.json) and the member-role template
// grant each of them (a test keeps them equal).
var BindingCalls = []string{
	"ec2:DescribeRegions",
	"ec2:DescribeInstances",
	"lambda:ListFunctions",
	"lambda:GetPolicy",
	"s3:ListAllMyBuckets",
	"s3:GetBucketPolicy",
	"kms:ListKeys",
	"kms:GetKeyPolicy",
	"sqs:ListQueues",
	"sqs:GetQueueAttributes",
	"sns:ListTopics",
	"sns:GetTopicAttributes",
	"secretsmanager:ListSecrets",
	"secretsmanager:GetResourcePolicy",
	"ecs:ListTaskDefinitions",
	"ecs:DescribeTaskDefinition",
	"ecr:DescribeRepositories",
	"ecr:GetRepositoryPolicy",
	"codebuild:ListProjects",
	"codebuild:BatchGetProjects",
	"states:ListStateMachines",
	"states:DescribeStateMachine",
	"events:ListEventBuses",
	"events:ListRules",
	"events:ListTargetsByRule",
	// Stacks: the stacks the principals' CloudFormation tags name.
	"cloudformation:DescribeStackResources",
}

// BindingOptions tune a Bindings reader.
type BindingOptions struct {
	// Regions are the Regions read; when empty, the Regions enabled in
	// the account (ec2:DescribeRegions, opted-out Regions left out).
	Regions []string
	// Concurrency bounds the Regions read at once, and the per-resource
	// calls (policies) in flight in each (default 4).
	Concurrency int
	// MaxTaskDefinitions bounds the ECS task definition revisions
	// described per Region, one call each (default
	// DefaultMaxTaskDefinitions); those beyond are reported not checked.
	MaxTaskDefinitions int
}

// Bindings reads, once per account, the resources that may point at its
// principals: Lambda functions (execution role and function policy), EC2
// instances (instance profile, running and stopped), ECS task definitions
// (task and execution roles of active revisions), CodeBuild projects
// (service role), Step Functions state machines (role), EventBridge rules
// (the rule's role and its targets'), and the policies of S3
// buckets, KMS keys, SQS queues, SNS topics, Secrets Manager secrets and
// ECR repositories, in every enabled Region. It implements iamsweep.BindingReader.
type Bindings struct {
	cfg       aws.Config
	accountID string
	log       *slog.Logger
	opts      BindingOptions

	mu         sync.Mutex // guards notChecked and calls of fn
	notChecked []iamsweep.NotChecked
}

var _ iamsweep.BindingReader = (*Bindings)(nil)

// NewBindings returns a reader of the account accountID of cfg's
// credentials. cfg's Region is where the account's Regions are listed
// (us-east-1 when empty).
func NewBindings(cfg aws.Config, accountID string, log *slog.Logger, opts BindingOptions) *Bindings {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MaxTaskDefinitions <= 0 {
		opts.MaxTaskDefinitions = DefaultMaxTaskDefinitions
	}
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], LogRetries(log))
	ownBodies(&cfg)
	return &Bindings{cfg: cfg, accountID: accountID, log: log, opts: opts}
}

// Bindings reads every source and calls fn (never concurrently) for each
// binding found. A source that cannot be read (access denied, a Region
// not enabled, a service not available) is returned as NotChecked, and the
// others are still read; the calls are per account and Region, plus one
// per resource that carries a policy, never per principal.
func (b *Bindings) Bindings(ctx context.Context, fn func(iamsweep.Binding) error) ([]iamsweep.NotChecked, error) {
	b.notChecked = nil
	var fnMu sync.Mutex
	emit := func(x iamsweep.Binding) error {
		fnMu.Lock()
		defer fnMu.Unlock()
		return fn(x)
	}
	regions, err := b.regions(ctx)
	if err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return b.buckets(gctx, emit) })
	regional := new(errgroup.Group)
	regional.SetLimit(b.opts.Concurrency)
	for _, r := range regions {
		regional.Go(func() error {
			rg, rctx := errgroup.WithContext(gctx)
			rg.Go(func() error { return b.functions(rctx, r, emit) })
			rg.Go(func() error { return b.instances(rctx, r, emit) })
			rg.Go(func() error { return b.keys(rctx, r, emit) })
			rg.Go(func() error { return b.queues(rctx, r, emit) })
			rg.Go(func() error { return b.topics(rctx, r, emit) })
			rg.Go(func() error { return b.secrets(rctx, r, emit) })
			rg.Go(func() error { return b.taskDefinitions(rctx, r, emit) })
			rg.Go(func() error { return b.repositories(rctx, r, emit) })
			rg.Go(func() error { return b.projects(rctx, r, emit) })
			rg.Go(func() error { return b.stateMachines(rctx, r, emit) })
			rg.Go(func() error { return b.rules(rctx, r, emit) })
			return rg.Wait()
		})
	}
	g.Go(regional.Wait)
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := slices.Clone(b.notChecked)
	slices.SortFunc(out, func(x, y iamsweep.NotChecked) int {
		return cmp.Or(cmp.Compare(x.Region, y.Region), cmp.Compare(x.Service, y.Service), cmp.Compare(x.Reason, y.Reason))
	})
	return out, nil
}

// skip records a source not read because of err, and returns nil, or err
// itself when it is the context's or fn's (which stop the whole read).
func (b *Bindings) skip(ctx context.Context, region, service, call string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var fnErr *callbackError
	if errors.As(err, &fnErr) {
		return fnErr.err
	}
	err = classify(err)
	reason := err.Error()
	var apiErr smithy.APIError
	switch {
	case errors.Is(err, iamsweep.ErrAccessDenied):
		reason = "access denied: " + call
	case errors.As(err, &apiErr) && (apiErr.ErrorCode() == "OptInRequired" || apiErr.ErrorCode() == "SubscriptionRequiredException"):
		reason = "the service is not enabled in the account (" + apiErr.ErrorCode() + ")"
	case errors.Is(err, iamsweep.ErrNoCredentials):
		reason = "the Region does not accept the account's credentials (not enabled?): " + call
	}
	b.log.Warn("reference source not checked", "account_id", b.accountID, "region", region, "service", service, "reason", reason)
	b.mu.Lock()
	b.notChecked = append(b.notChecked, iamsweep.NotChecked{AccountID: b.accountID, Region: region, Service: service, Reason: reason})
	b.mu.Unlock()
	return nil
}

// callbackError carries an error of fn through the SDK-reading code, so
// that skip returns it instead of recording it.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }

// regions returns the Regions to read: those given, or the account's
// enabled Regions (DescribeRegions without AllRegions lists the Regions
// enabled for the account; opted-out ones are left out). When the list
// cannot be read, only the Region of the configuration is, and the rest
// is NotChecked.
func (b *Bindings) regions(ctx context.Context) ([]string, error) {
	if len(b.opts.Regions) > 0 {
		return b.opts.Regions, nil
	}
	out, err := ec2.NewFromConfig(b.cfg).DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(false)})
	if err != nil {
		if err := b.skip(ctx, "", "ec2 regions (only "+b.cfg.Region+" was read)", "ec2:DescribeRegions", err); err != nil {
			return nil, err
		}
		return []string{b.cfg.Region}, nil
	}
	var regions []string
	for _, r := range out.Regions {
		switch aws.ToString(r.OptInStatus) {
		case "", "opt-in-not-required", "opted-in":
			regions = append(regions, aws.ToString(r.RegionName))
		}
	}
	slices.Sort(regions)
	return regions, nil
}

func (b *Bindings) regional(region string) aws.Config {
	cfg := b.cfg.Copy()
	cfg.Region = region
	return cfg
}

// functions reads the Lambda functions of a Region (ListFunctions, 50 a
// page) and the policy of each (GetPolicy).
func (b *Bindings) functions(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	client := lambda.NewFromConfig(b.regional(region))
	var fns []iamsweep.Binding
	p := lambda.NewListFunctionsPaginator(client, &lambda.ListFunctionsInput{MaxItems: aws.Int32(50)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, region, "lambda functions", "lambda:ListFunctions", err)
		}
		for _, f := range page.Functions {
			x := iamsweep.Binding{
				Kind: iamsweep.RefLambdaFunction, Service: "lambda", AccountID: b.accountID, Region: region,
				ARN: aws.ToString(f.FunctionArn), Name: aws.ToString(f.FunctionName), Type: "Lambda function",
			}
			if role := aws.ToString(f.Role); role != "" {
				x.RoleARNs = []string{role}
			}
			fns = append(fns, x)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Concurrency)
	var denied sync.Once
	for _, f := range fns {
		g.Go(func() error {
			if err := emit(f); err != nil {
				return &callbackError{err}
			}
			out, err := client.GetPolicy(gctx, &lambda.GetPolicyInput{FunctionName: aws.String(f.ARN)})
			if err != nil {
				if errors.Is(classify(err), iamsweep.ErrNotFound) {
					return nil // no function policy
				}
				var skipErr error
				denied.Do(func() { skipErr = b.skip(gctx, region, "lambda function policies", "lambda:GetPolicy", err) })
				return skipErr
			}
			return b.policyBinding(f, "Lambda function", aws.ToString(out.Policy), emit)
		})
	}
	return unwrapCallback(g.Wait())
}

// policyBinding emits the resource policy of a resource as a binding of
// its own.
func (b *Bindings) policyBinding(owner iamsweep.Binding, typ, text string, emit func(iamsweep.Binding) error) error {
	if text == "" {
		return nil
	}
	doc, err := policy.Parse([]byte(text))
	if err != nil {
		b.log.Warn("resource policy not parsed", "arn", owner.ARN, "err", err)
		b.mu.Lock()
		b.notChecked = append(b.notChecked, iamsweep.NotChecked{AccountID: b.accountID, Region: owner.Region, Service: owner.Service,
			Reason: fmt.Sprintf("the policy of %s %s does not parse: %v", typ, owner.Name, err)})
		b.mu.Unlock()
		return nil
	}
	x := iamsweep.Binding{Kind: iamsweep.RefResourcePolicy, Service: owner.Service, AccountID: owner.AccountID, Region: owner.Region,
		ARN: owner.ARN, Name: owner.Name, Type: typ, Policy: &doc}
	if err := emit(x); err != nil {
		return &callbackError{err}
	}
	return nil
}

func unwrapCallback(err error) error {
	var fnErr *callbackError
	if errors.As(err, &fnErr) {
		return fnErr.err
	}
	return err
}

// instances reads the EC2 instances of a Region that are not terminated
// (DescribeInstances, 1,000 a page) and their instance profiles.
func (b *Bindings) instances(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	client := ec2.NewFromConfig(b.regional(region))
	p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{
		MaxResults: aws.Int32(1000),
		Filters: []ec2types.Filter{{Name: aws.String("instance-state-name"),
			Values: []string{"pending", "running", "shutting-down", "stopping", "stopped"}}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, region, "ec2 instances", "ec2:DescribeInstances", err)
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				if in.IamInstanceProfile == nil || aws.ToString(in.IamInstanceProfile.Arn) == "" {
					continue
				}
				id := aws.ToString(in.InstanceId)
				name := id
				for _, t := range in.Tags {
					if aws.ToString(t.Key) == "Name" && aws.ToString(t.Value) != "" {
						name = aws.ToString(t.Value) + " (" + id + ")"
					}
				}
				x := iamsweep.Binding{
					Kind: iamsweep.RefEC2Instance, Service: "ec2", AccountID: b.accountID, Region: region,
					ARN:  "arn:" + partition(region) + ":ec2:" + region + ":" + b.accountID + ":instance/" + id,
					Name: name, Type: "EC2 instance", InstanceProfileARNs: []string{aws.ToString(in.IamInstanceProfile.Arn)},
				}
				if in.State != nil {
					x.State = string(in.State.Name)
				}
				if err := emit(x); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// keys reads the KMS keys of a Region (ListKeys, 1,000 a page) and the
// default policy of each (GetKeyPolicy).
func (b *Bindings) keys(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	client := kms.NewFromConfig(b.regional(region))
	var keys []iamsweep.Binding
	p := kms.NewListKeysPaginator(client, &kms.ListKeysInput{Limit: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, region, "kms key policies", "kms:ListKeys", err)
		}
		for _, k := range page.Keys {
			keys = append(keys, iamsweep.Binding{Service: "kms", AccountID: b.accountID, Region: region,
				ARN: aws.ToString(k.KeyArn), Name: aws.ToString(k.KeyId)})
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Concurrency)
	var denied sync.Once
	for _, k := range keys {
		g.Go(func() error {
			out, err := client.GetKeyPolicy(gctx, &kms.GetKeyPolicyInput{KeyId: aws.String(k.ARN), PolicyName: aws.String("default")})
			if err != nil {
				var skipErr error
				denied.Do(func() { skipErr = b.skip(gctx, region, "kms key policies", "kms:GetKeyPolicy", err) })
				return skipErr
			}
			return b.policyBinding(k, "KMS key", aws.ToString(out.Policy), emit)
		})
	}
	return unwrapCallback(g.Wait())
}

// buckets reads the account's S3 buckets (ListBuckets, global, 1,000 a
// page) and the policy of each in its own Region (GetBucketPolicy).
func (b *Bindings) buckets(ctx context.Context, emit func(iamsweep.Binding) error) error {
	pathStyle := func(o *s3.Options) { o.UsePathStyle = b.cfg.BaseEndpoint != nil }
	client := s3.NewFromConfig(b.cfg, pathStyle)
	var buckets []iamsweep.Binding
	p := s3.NewListBucketsPaginator(client, &s3.ListBucketsInput{MaxBuckets: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, "", "s3 bucket policies", "s3:ListAllMyBuckets", err)
		}
		for _, bk := range page.Buckets {
			name := aws.ToString(bk.Name)
			buckets = append(buckets, iamsweep.Binding{Service: "s3", AccountID: b.accountID,
				Region: cmp.Or(aws.ToString(bk.BucketRegion), b.cfg.Region),
				ARN:    "arn:" + partition(b.cfg.Region) + ":s3:::" + name, Name: name})
		}
	}
	clients := map[string]*s3.Client{}
	for _, bk := range buckets {
		if clients[bk.Region] == nil {
			clients[bk.Region] = s3.NewFromConfig(b.regional(bk.Region), pathStyle)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Concurrency)
	var deniedMu sync.Mutex
	denied := map[string]bool{}
	for _, bk := range buckets {
		g.Go(func() error {
			out, err := clients[bk.Region].GetBucketPolicy(gctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bk.Name)})
			if err != nil {
				var apiErr smithy.APIError
				if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchBucketPolicy" {
					return nil
				}
				deniedMu.Lock()
				first := !denied[bk.Region]
				denied[bk.Region] = true
				deniedMu.Unlock()
				if first {
					return b.skip(gctx, bk.Region, "s3 bucket policies (first: "+bk.Name+")", "s3:GetBucketPolicy", err)
				}
				return nil
			}
			return b.policyBinding(bk, "S3 bucket", aws.ToString(out.Policy), emit)
		})
	}
	return unwrapCallback(g.Wait())
}

// partition returns the ARN partition of a Region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
