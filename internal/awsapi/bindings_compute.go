package awsapi

import (
	"context"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
)

// projects reads the CodeBuild projects of a Region (ListProjects, 100
// names a page) and their service roles (BatchGetProjects, 100 names a
// call): two calls per 100 projects.
func (b *Bindings) projects(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	client := codebuild.NewFromConfig(b.regional(region))
	var names []string
	p := codebuild.NewListProjectsPaginator(client, &codebuild.ListProjectsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, region, "codebuild projects", "codebuild:ListProjects", err)
		}
		names = append(names, page.Projects...)
	}
	for batch := range slices.Chunk(names, 100) {
		out, err := client.BatchGetProjects(ctx, &codebuild.BatchGetProjectsInput{Names: batch})
		if err != nil {
			return b.skip(ctx, region, "codebuild projects", "codebuild:BatchGetProjects", err)
		}
		for _, pr := range out.Projects {
			role := aws.ToString(pr.ServiceRole)
			if role == "" {
				continue
			}
			x := iamsweep.Binding{Kind: iamsweep.RefCodeBuildProject, Service: "codebuild", AccountID: b.accountID, Region: region,
				ARN: aws.ToString(pr.Arn), Name: aws.ToString(pr.Name), Type: "CodeBuild project", RoleARNs: []string{role}}
			if err := emit(x); err != nil {
				return err
			}
		}
	}
	return nil
}

// stateMachines reads the Step Functions state machines of a Region
// (ListStateMachines, 1,000 a page) and the role of each
// (DescribeStateMachine, one call per state machine).
func (b *Bindings) stateMachines(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	client := sfn.NewFromConfig(b.regional(region))
	var arns []string
	p := sfn.NewListStateMachinesPaginator(client, &sfn.ListStateMachinesInput{MaxResults: 1000})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return b.skip(ctx, region, "step functions state machines", "states:ListStateMachines", err)
		}
		for _, m := range page.StateMachines {
			arns = append(arns, aws.ToString(m.StateMachineArn))
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Concurrency)
	var failed sync.Once
	for _, arn := range arns {
		g.Go(func() error {
			out, err := client.DescribeStateMachine(gctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
			if err != nil {
				var skipErr error
				failed.Do(func() {
					skipErr = b.skip(gctx, region, "step functions state machines", "states:DescribeStateMachine", err)
				})
				return skipErr
			}
			role := aws.ToString(out.RoleArn)
			if role == "" {
				return nil
			}
			x := iamsweep.Binding{Kind: iamsweep.RefStateMachine, Service: "states", AccountID: b.accountID, Region: region,
				ARN: arn, Name: aws.ToString(out.Name), Type: "Step Functions state machine", RoleARNs: []string{role}}
			if err := emit(x); err != nil {
				return &callbackError{err}
			}
			return nil
		})
	}
	return unwrapCallback(g.Wait())
}

// rules reads the EventBridge rules of a Region on every event bus
// (ListEventBuses, then ListRules per bus, 100 a page) and the targets of
// each (ListTargetsByRule, one call per rule): the role of the rule and
// the roles of its targets.
func (b *Bindings) rules(ctx context.Context, region string, emit func(iamsweep.Binding) error) error {
	const service = "eventbridge rules"
	client := eventbridge.NewFromConfig(b.regional(region))
	var busNames []string
	for token := (*string)(nil); ; {
		out, err := client.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{Limit: aws.Int32(100), NextToken: token})
		if err != nil {
			return b.skip(ctx, region, service, "events:ListEventBuses", err)
		}
		for _, bus := range out.EventBuses {
			busNames = append(busNames, aws.ToString(bus.Name))
		}
		if token = out.NextToken; aws.ToString(token) == "" {
			break
		}
	}
	type rule struct {
		bus, name string
		x         iamsweep.Binding
	}
	var rules []rule
	for _, bus := range busNames {
		for token := (*string)(nil); ; {
			out, err := client.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String(bus), Limit: aws.Int32(100), NextToken: token})
			if err != nil {
				return b.skip(ctx, region, service, "events:ListRules", err)
			}
			for _, r := range out.Rules {
				name := aws.ToString(r.Name)
				x := iamsweep.Binding{Kind: iamsweep.RefEventBridgeRule, Service: "events", AccountID: b.accountID, Region: region,
					ARN: aws.ToString(r.Arn), Name: name, Type: "EventBridge rule"}
				if bus != "default" {
					x.Name = bus + "/" + name
				}
				if role := aws.ToString(r.RoleArn); role != "" {
					x.RoleARNs = []string{role}
				}
				rules = append(rules, rule{bus, name, x})
			}
			if token = out.NextToken; aws.ToString(token) == "" {
				break
			}
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Concurrency)
	var failed sync.Once
	for _, r := range rules {
		g.Go(func() error {
			x := r.x
			for token := (*string)(nil); ; {
				out, err := client.ListTargetsByRule(gctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(r.name),
					EventBusName: aws.String(r.bus), Limit: aws.Int32(100), NextToken: token})
				if err != nil {
					var skipErr error
					failed.Do(func() { skipErr = b.skip(gctx, region, service, "events:ListTargetsByRule", err) })
					return skipErr
				}
				for _, t := range out.Targets {
					if role := aws.ToString(t.RoleArn); role != "" && !slices.Contains(x.RoleARNs, role) {
						x.RoleARNs = append(x.RoleARNs, role)
					}
				}
				if token = out.NextToken; aws.ToString(token) == "" {
					break
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
