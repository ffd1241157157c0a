package awsapi

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
)

// stackResourcesShown is how many resources DescribeStackResources
// returns at most.
const stackResourcesShown = 100

// Stacks reads the resources of CloudFormation stacks of the account
// (DescribeStackResources by stack ID, in the stack's Region: one call per
// stack, at most Concurrency in flight): the stacks that the tags of the
// principals looked up name (refs.Index.StacksOf). A stack CloudFormation
// no longer knows is returned Gone; one that cannot be read is NotChecked,
// and the ownership then rests on the principal's tags.
func (b *Bindings) Stacks(ctx context.Context, refs []iamsweep.StackRef) ([]iamsweep.Stack, []iamsweep.NotChecked, error) {
	var (
		mu  sync.Mutex
		out []iamsweep.Stack
	)
	before := len(b.notChecked)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Concurrency)
	for _, ref := range refs {
		if ref.Region == "" || ref.AccountID != b.accountID {
			continue
		}
		g.Go(func() error {
			s, err := b.stack(gctx, ref)
			if err != nil {
				return b.skip(gctx, ref.Region, "cloudformation stack "+ref.Name, "cloudformation:DescribeStackResources", err)
			}
			mu.Lock()
			out = append(out, s)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	b.mu.Lock()
	nc := append([]iamsweep.NotChecked(nil), b.notChecked[before:]...)
	b.mu.Unlock()
	return out, nc, nil
}

// stack reads one stack's resources.
func (b *Bindings) stack(ctx context.Context, ref iamsweep.StackRef) (iamsweep.Stack, error) {
	s := iamsweep.Stack{StackRef: ref}
	out, err := cloudformation.NewFromConfig(b.regional(ref.Region)).DescribeStackResources(ctx,
		&cloudformation.DescribeStackResourcesInput{StackName: aws.String(ref.ID)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" && strings.Contains(apiErr.ErrorMessage(), "does not exist") {
		s.Gone = true
		return s, nil
	}
	if err != nil {
		return s, err
	}
	for _, r := range out.StackResources {
		s.Resources = append(s.Resources, iamsweep.StackResource{LogicalID: aws.ToString(r.LogicalResourceId),
			PhysicalID: aws.ToString(r.PhysicalResourceId), Type: aws.ToString(r.ResourceType), Status: string(r.ResourceStatus)})
	}
	s.Truncated = len(s.Resources) >= stackResourcesShown
	return s, nil
}
