package awsapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamsweep/iamsweep"
)

// ManagedPolicies reads the managed policies of the account that iamsweep
// refine needs the documents of: every customer managed policy and the AWS
// managed policies attached in the account, each with its default
// version's document, from one GetAccountAuthorizationDetails listing
// (Filter LocalManagedPolicy and AWSManagedPolicy, MaxItems 1000 a page).
// A run reads each document once, however many principals use it.
//
// Errors: ErrAccessDenied without iam:GetAccountAuthorizationDetails,
// ErrThrottled when throttling outlasted every retry; a policy whose
// default version IAM does not send, or sends unreadable, is an error
// naming it.
func (c *Client) ManagedPolicies(ctx context.Context) ([]iamsweep.ManagedPolicy, error) {
	p := iam.NewGetAccountAuthorizationDetailsPaginator(c.iam, &iam.GetAccountAuthorizationDetailsInput{
		Filter:   []iamtypes.EntityType{iamtypes.EntityTypeLocalManagedPolicy, iamtypes.EntityTypeAWSManagedPolicy},
		MaxItems: aws.Int32(PageSize),
	})
	var out []iamsweep.ManagedPolicy
	for page := 1; p.HasMorePages(); page++ {
		resp, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read managed policies (GetAccountAuthorizationDetails page %d): %w", page, classify(err))
		}
		if resp.IsTruncated && aws.ToString(resp.Marker) == "" {
			return nil, fmt.Errorf("read managed policies (GetAccountAuthorizationDetails page %d): IAM says the list is truncated but sent no Marker", page)
		}
		for _, d := range resp.Policies {
			mp, err := c.managedPolicy(d)
			if err != nil {
				return nil, err
			}
			out = append(out, mp)
		}
	}
	return out, nil
}

// managedPolicy converts a ManagedPolicyDetail, keeping the document of
// its default version.
func (c *Client) managedPolicy(d iamtypes.ManagedPolicyDetail) (iamsweep.ManagedPolicy, error) {
	arn := aws.ToString(d.Arn)
	mp := iamsweep.ManagedPolicy{
		ARN: arn, Name: aws.ToString(d.PolicyName), Path: aws.ToString(d.Path),
		DefaultVersionID: aws.ToString(d.DefaultVersionId), UpdatedAt: aws.ToTime(d.UpdateDate), AttachmentCount: -1,
	}
	if d.AttachmentCount != nil {
		mp.AttachmentCount = int(*d.AttachmentCount)
	}
	for _, v := range d.PolicyVersionList {
		if !v.IsDefaultVersion && aws.ToString(v.VersionId) != mp.DefaultVersionID {
			continue
		}
		doc := c.document(arn, "managed policy", mp.Name, aws.ToString(v.Document))
		if doc == nil {
			return mp, fmt.Errorf("read managed policy %s: its default version's document is unreadable", arn)
		}
		mp.Document = *doc
		return mp, nil
	}
	return mp, fmt.Errorf("read managed policy %s: IAM sent no document of its default version %s", arn, iamsweep.Quote(mp.DefaultVersionID))
}
