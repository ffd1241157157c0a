package awsapi

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// listDetails pages through GetAccountAuthorizationDetails, MaxItems 1000
// at a time, for roles (when role is not nil) and users (when user is not
// nil) in one listing, and passes each principal to its function as its
// page arrives. The users are details only: HasDetails set, credentials
// left to the credential report. An error of role or user is returned
// unchanged.
func (c *Client) listDetails(ctx context.Context, role func(iamsweep.Role) error, user func(iamsweep.User) error) error {
	var filter []iamtypes.EntityType
	what := ""
	switch {
	case role != nil && user != nil:
		filter, what = []iamtypes.EntityType{iamtypes.EntityTypeRole, iamtypes.EntityTypeUser}, "roles and users"
	case role != nil:
		filter, what = []iamtypes.EntityType{iamtypes.EntityTypeRole}, "roles"
	case user != nil:
		filter, what = []iamtypes.EntityType{iamtypes.EntityTypeUser}, "users"
	default:
		return nil
	}
	p := iam.NewGetAccountAuthorizationDetailsPaginator(c.iam, &iam.GetAccountAuthorizationDetailsInput{
		Filter:   filter,
		MaxItems: aws.Int32(PageSize),
	})
	for page := 1; p.HasMorePages(); page++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("read %s (GetAccountAuthorizationDetails page %d): %w", what, page, classify(err))
		}
		if out.IsTruncated && aws.ToString(out.Marker) == "" {
			// The paginator would stop here, and the rest of the account
			// would go unread without a word.
			return fmt.Errorf("read %s (GetAccountAuthorizationDetails page %d): IAM says the list is truncated but sent no Marker", what, page)
		}
		if user != nil {
			for _, d := range out.UserDetailList {
				if err := user(c.userDetail(d)); err != nil {
					return err
				}
			}
		}
		if role != nil {
			for _, d := range out.RoleDetailList {
				if err := role(c.role(d)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// role converts a RoleDetail into a role. A RoleLastUsed without a date is
// no recorded use.
func (c *Client) role(d iamtypes.RoleDetail) iamsweep.Role {
	r := iamsweep.Role{
		ARN:                 aws.ToString(d.Arn),
		ID:                  aws.ToString(d.RoleId),
		Name:                aws.ToString(d.RoleName),
		Path:                aws.ToString(d.Path),
		Created:             utc(d.CreateDate),
		AttachedPolicies:    attachedPolicies(d.AttachedManagedPolicies),
		PermissionsBoundary: permissionsBoundary(d.PermissionsBoundary),
		Tags:                tags(d.Tags),
	}
	r.AccountID = accountOf(r.ARN)
	if u := d.RoleLastUsed; u != nil && u.LastUsedDate != nil {
		r.LastUsed = iamsweep.Usage{Time: u.LastUsedDate.UTC(), Region: aws.ToString(u.Region)}
	}
	if d.AssumeRolePolicyDocument != nil {
		r.TrustPolicy = c.document(r.ARN, "trust policy", "", *d.AssumeRolePolicyDocument)
	}
	for _, p := range d.RolePolicyList {
		r.InlinePolicies = append(r.InlinePolicies, c.inlinePolicy(r.ARN, aws.ToString(p.PolicyName), aws.ToString(p.PolicyDocument)))
	}
	for _, p := range d.InstanceProfileList {
		ip := iamsweep.InstanceProfile{
			Name:    aws.ToString(p.InstanceProfileName),
			ID:      aws.ToString(p.InstanceProfileId),
			ARN:     aws.ToString(p.Arn),
			Path:    aws.ToString(p.Path),
			Created: utc(p.CreateDate),
			Tags:    tags(p.Tags),
		}
		for _, holder := range p.Roles {
			ip.Roles = append(ip.Roles, aws.ToString(holder.RoleName))
		}
		r.InstanceProfiles = append(r.InstanceProfiles, ip)
	}
	return r
}

// userDetail converts a UserDetail into a user with its details only:
// HasDetails set, credentials left to the credential report.
func (c *Client) userDetail(d iamtypes.UserDetail) iamsweep.User {
	u := iamsweep.User{
		ARN:                 aws.ToString(d.Arn),
		ID:                  aws.ToString(d.UserId),
		Name:                aws.ToString(d.UserName),
		Path:                aws.ToString(d.Path),
		Created:             utc(d.CreateDate),
		AttachedPolicies:    attachedPolicies(d.AttachedManagedPolicies),
		PermissionsBoundary: permissionsBoundary(d.PermissionsBoundary),
		Tags:                tags(d.Tags),
		HasDetails:          true,
	}
	u.AccountID = accountOf(u.ARN)
	u.Groups = append(u.Groups, d.GroupList...)
	for _, p := range d.UserPolicyList {
		u.InlinePolicies = append(u.InlinePolicies, c.inlinePolicy(u.ARN, aws.ToString(p.PolicyName), aws.ToString(p.PolicyDocument)))
	}
	return u
}

// inlinePolicy converts an inline policy; an unreadable document leaves it
// empty (document says why).
func (c *Client) inlinePolicy(principalARN, name, encoded string) iamsweep.InlinePolicy {
	p := iamsweep.InlinePolicy{Name: name}
	if d := c.document(principalARN, "inline policy", name, encoded); d != nil {
		p.Document = *d
	}
	return p
}

// document decodes a policy document as IAM sends it: URL-encoded JSON,
// decoded exactly once (policy.Unescape). IAM only stores valid
// documents, so a failure means an endpoint that is not quite IAM; the
// principal is still evaluated (verdicts do not depend on policies) and
// the problem is logged.
//
// Documents repeat: most roles of an account trust the same few services,
// many carry the same inline policy. Each distinct text is parsed once per
// client and the parsed document shared (documents are never modified
// after parsing), which saves the time and the memory of the copies.
func (c *Client) document(principalARN, kind, name, encoded string) *iamsweep.PolicyDocument {
	c.docsMu.Lock()
	doc, ok := c.docs[encoded]
	c.docsMu.Unlock()
	if ok {
		return doc
	}
	text, err := policy.Unescape(encoded)
	var parsed iamsweep.PolicyDocument
	if err == nil {
		parsed, err = policy.Parse([]byte(text))
	}
	if err != nil {
		c.log.Warn("unreadable policy document", "principal_arn", principalARN, "policy", kind, "policy_name", name, "err", err)
		return nil
	}
	doc = &parsed
	c.docsMu.Lock()
	if c.docs == nil || len(c.docs) >= maxCachedDocs {
		c.docs = make(map[string]*iamsweep.PolicyDocument)
	}
	c.docs[encoded] = doc
	c.docsMu.Unlock()
	return doc
}

// maxCachedDocs bounds the parsed documents a client keeps; past it the
// cache starts over.
const maxCachedDocs = 4096

func attachedPolicies(list []iamtypes.AttachedPolicy) []iamsweep.AttachedPolicy {
	var out []iamsweep.AttachedPolicy
	for _, p := range list {
		out = append(out, iamsweep.AttachedPolicy{Name: aws.ToString(p.PolicyName), ARN: aws.ToString(p.PolicyArn)})
	}
	return out
}

func permissionsBoundary(b *iamtypes.AttachedPermissionsBoundary) string {
	if b == nil {
		return ""
	}
	return aws.ToString(b.PermissionsBoundaryArn)
}

func tags(list []iamtypes.Tag) []iamsweep.Tag {
	var out []iamsweep.Tag
	for _, t := range list {
		out = append(out, iamsweep.Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	return out
}

// utc returns *t in UTC, or the zero time for nil.
func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// accountOf returns the account ID field of an ARN, when it is 12 digits.
func accountOf(arn string) string {
	a, err := iamsweep.ParseARN(arn)
	if err != nil || !iamsweep.IsAccountID(a.AccountID) {
		return ""
	}
	return a.AccountID
}

// Details reads roles (when role is not nil) and users (when user is not
// nil) as GetAccountAuthorizationDetails lists them, with their policies
// and tags, in one listing: no credential report and no access key calls
// (a user's credentials are left unknown; HasDetails is set). iamsweep
// refine needs no more. An error of role or user is returned unchanged.
func (c *Client) Details(ctx context.Context, role func(iamsweep.Role) error, user func(iamsweep.User) error) error {
	return c.listDetails(ctx, role, user)
}
