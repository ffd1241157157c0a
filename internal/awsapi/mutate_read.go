package awsapi

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// This file reads one principal in full for a backup: the read half of
// iamsweep.Mutator. Unlike the scan, which reads in bulk, it asks IAM about
// one role or user with the per-entity calls, so that a backup holds what
// IAM holds at the moment it is taken.

var _ iamsweep.Mutator = (*Client)(nil)

// ReadRole reads a role with everything a restore needs: GetRole, then its
// tags (ListRoleTags), inline policies (ListRolePolicies, GetRolePolicy),
// attached managed policies (ListAttachedRolePolicies) and instance
// profiles (ListInstanceProfilesForRole, ListInstanceProfileTags). Policy
// documents are URL-decoded once and otherwise kept as IAM returned them.
// A role that does not exist is an error wrapping iamsweep.ErrNotFound.
func (c *Client) ReadRole(ctx context.Context, name string) (iamsweep.RoleState, error) {
	fail := func(api string, err error) (iamsweep.RoleState, error) {
		return iamsweep.RoleState{}, fmt.Errorf("read role %s (%s): %w", name, api, classify(err))
	}
	out, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return fail("GetRole", err)
	}
	if out.Role == nil {
		return iamsweep.RoleState{}, fmt.Errorf("read role %s (GetRole): the answer holds no role", name)
	}
	r := out.Role
	st := iamsweep.RoleState{
		ARN:                aws.ToString(r.Arn),
		ID:                 aws.ToString(r.RoleId),
		Name:               aws.ToString(r.RoleName),
		Path:               aws.ToString(r.Path),
		Created:            aws.ToTime(r.CreateDate).UTC(),
		Description:        aws.ToString(r.Description),
		MaxSessionDuration: int(aws.ToInt32(r.MaxSessionDuration)),
	}
	st.AccountID = accountOf(st.ARN)
	if st.TrustPolicy, err = policy.Unescape(aws.ToString(r.AssumeRolePolicyDocument)); err != nil {
		return iamsweep.RoleState{}, fmt.Errorf("read role %s (GetRole): trust policy: %w", name, err)
	}
	if r.PermissionsBoundary != nil {
		st.PermissionsBoundary = aws.ToString(r.PermissionsBoundary.PermissionsBoundaryArn)
	}
	if u := r.RoleLastUsed; u != nil && u.LastUsedDate != nil {
		st.LastUsed = iamsweep.Usage{Time: u.LastUsedDate.UTC(), Region: aws.ToString(u.Region)}
	}

	tags := iam.NewListRoleTagsPaginator(c.iam, &iam.ListRoleTagsInput{RoleName: aws.String(name), MaxItems: aws.Int32(PageSize)})
	for tags.HasMorePages() {
		page, err := tags.NextPage(ctx)
		if err != nil {
			return fail("ListRoleTags", err)
		}
		st.Tags = append(st.Tags, convertTags(page.Tags)...)
	}
	sortTags(st.Tags)

	var inline []string
	names := iam.NewListRolePoliciesPaginator(c.iam, &iam.ListRolePoliciesInput{RoleName: aws.String(name), MaxItems: aws.Int32(PageSize)})
	for names.HasMorePages() {
		page, err := names.NextPage(ctx)
		if err != nil {
			return fail("ListRolePolicies", err)
		}
		inline = append(inline, page.PolicyNames...)
	}
	sort.Strings(inline)
	for _, p := range inline {
		got, err := c.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)})
		if err != nil {
			return fail("GetRolePolicy "+p, err)
		}
		doc, err := policy.Unescape(aws.ToString(got.PolicyDocument))
		if err != nil {
			return iamsweep.RoleState{}, fmt.Errorf("read role %s (GetRolePolicy %s): %w", name, p, err)
		}
		st.InlinePolicies = append(st.InlinePolicies, iamsweep.NamedDocument{Name: p, Document: doc})
	}

	attached := iam.NewListAttachedRolePoliciesPaginator(c.iam, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name), MaxItems: aws.Int32(PageSize)})
	for attached.HasMorePages() {
		page, err := attached.NextPage(ctx)
		if err != nil {
			return fail("ListAttachedRolePolicies", err)
		}
		for _, p := range page.AttachedPolicies {
			st.AttachedPolicies = append(st.AttachedPolicies, aws.ToString(p.PolicyArn))
		}
	}
	sort.Strings(st.AttachedPolicies)

	profiles := iam.NewListInstanceProfilesForRolePaginator(c.iam, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String(name), MaxItems: aws.Int32(PageSize)})
	for profiles.HasMorePages() {
		page, err := profiles.NextPage(ctx)
		if err != nil {
			return fail("ListInstanceProfilesForRole", err)
		}
		for _, p := range page.InstanceProfiles {
			ps := convertInstanceProfile(p)
			if ps.Tags, err = c.instanceProfileTags(ctx, ps.Name); err != nil {
				return iamsweep.RoleState{}, fmt.Errorf("read role %s: instance profile %s: %w", name, ps.Name, err)
			}
			st.InstanceProfiles = append(st.InstanceProfiles, ps)
		}
	}
	sort.Slice(st.InstanceProfiles, func(i, j int) bool { return st.InstanceProfiles[i].Name < st.InstanceProfiles[j].Name })
	return st, nil
}

// ReadInstanceProfile reads an instance profile (GetInstanceProfile) and
// its tags (ListInstanceProfileTags). One that does not exist is an error
// wrapping iamsweep.ErrNotFound.
func (c *Client) ReadInstanceProfile(ctx context.Context, name string) (iamsweep.InstanceProfileState, error) {
	out, err := c.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err != nil {
		return iamsweep.InstanceProfileState{}, fmt.Errorf("read instance profile %s (GetInstanceProfile): %w", name, classify(err))
	}
	if out.InstanceProfile == nil {
		return iamsweep.InstanceProfileState{}, fmt.Errorf("read instance profile %s (GetInstanceProfile): the answer holds no instance profile", name)
	}
	ps := convertInstanceProfile(*out.InstanceProfile)
	if ps.Tags, err = c.instanceProfileTags(ctx, name); err != nil {
		return iamsweep.InstanceProfileState{}, fmt.Errorf("read instance profile %s: %w", name, err)
	}
	return ps, nil
}

// AccountAlias returns the account's IAM alias (ListAccountAliases), or ""
// when it has none. An account has at most one; apply accepts it in place
// of the account ID when a person confirms a deletion.
func (c *Client) AccountAlias(ctx context.Context) (string, error) {
	p := iam.NewListAccountAliasesPaginator(c.iam, &iam.ListAccountAliasesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("read the account alias (ListAccountAliases): %w", classify(err))
		}
		if len(out.AccountAliases) > 0 {
			return out.AccountAliases[0], nil
		}
	}
	return "", nil
}

// instanceProfileTags lists an instance profile's tags, sorted by key.
func (c *Client) instanceProfileTags(ctx context.Context, name string) ([]iamsweep.Tag, error) {
	var tags []iamsweep.Tag
	p := iam.NewListInstanceProfileTagsPaginator(c.iam, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String(name), MaxItems: aws.Int32(PageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListInstanceProfileTags: %w", classify(err))
		}
		tags = append(tags, convertTags(page.Tags)...)
	}
	sortTags(tags)
	return tags, nil
}

// convertInstanceProfile converts a profile without its tags (which the
// listings that return profiles may not include).
func convertInstanceProfile(p iamtypes.InstanceProfile) iamsweep.InstanceProfileState {
	ps := iamsweep.InstanceProfileState{
		Name: aws.ToString(p.InstanceProfileName),
		Path: aws.ToString(p.Path),
		ID:   aws.ToString(p.InstanceProfileId),
		ARN:  aws.ToString(p.Arn),
	}
	for _, r := range p.Roles {
		ps.Roles = append(ps.Roles, aws.ToString(r.RoleName))
	}
	sort.Strings(ps.Roles)
	return ps
}

// ReadUser reads a user with everything a restore needs and what it cannot
// restore: GetUser, its tags (ListUserTags), inline and attached policies
// (ListUserPolicies, GetUserPolicy, ListAttachedUserPolicies), groups
// (ListGroupsForUser), console password (GetLoginProfile), access keys and
// their last use (ListAccessKeys, GetAccessKeyLastUsed), MFA devices
// (ListMFADevices), SSH public keys (ListSSHPublicKeys, GetSSHPublicKey),
// signing certificates (ListSigningCertificates) and service-specific
// credentials (ListServiceSpecificCredentials). A user that does not exist
// is an error wrapping iamsweep.ErrNotFound.
func (c *Client) ReadUser(ctx context.Context, name string) (iamsweep.UserState, error) {
	fail := func(api string, err error) (iamsweep.UserState, error) {
		return iamsweep.UserState{}, fmt.Errorf("read user %s (%s): %w", name, api, classify(err))
	}
	user := aws.String(name)
	out, err := c.iam.GetUser(ctx, &iam.GetUserInput{UserName: user})
	if err != nil {
		return fail("GetUser", err)
	}
	if out.User == nil {
		return iamsweep.UserState{}, fmt.Errorf("read user %s (GetUser): the answer holds no user", name)
	}
	u := out.User
	st := iamsweep.UserState{
		ARN:              aws.ToString(u.Arn),
		ID:               aws.ToString(u.UserId),
		Name:             aws.ToString(u.UserName),
		Path:             aws.ToString(u.Path),
		Created:          aws.ToTime(u.CreateDate).UTC(),
		PasswordLastUsed: aws.ToTime(u.PasswordLastUsed).UTC(),
	}
	st.AccountID = accountOf(st.ARN)
	if u.PermissionsBoundary != nil {
		st.PermissionsBoundary = aws.ToString(u.PermissionsBoundary.PermissionsBoundaryArn)
	}

	tags := iam.NewListUserTagsPaginator(c.iam, &iam.ListUserTagsInput{UserName: user, MaxItems: aws.Int32(PageSize)})
	for tags.HasMorePages() {
		page, err := tags.NextPage(ctx)
		if err != nil {
			return fail("ListUserTags", err)
		}
		st.Tags = append(st.Tags, convertTags(page.Tags)...)
	}
	sortTags(st.Tags)

	var inline []string
	names := iam.NewListUserPoliciesPaginator(c.iam, &iam.ListUserPoliciesInput{UserName: user, MaxItems: aws.Int32(PageSize)})
	for names.HasMorePages() {
		page, err := names.NextPage(ctx)
		if err != nil {
			return fail("ListUserPolicies", err)
		}
		inline = append(inline, page.PolicyNames...)
	}
	sort.Strings(inline)
	for _, p := range inline {
		got, err := c.iam.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: user, PolicyName: aws.String(p)})
		if err != nil {
			return fail("GetUserPolicy "+p, err)
		}
		doc, err := policy.Unescape(aws.ToString(got.PolicyDocument))
		if err != nil {
			return iamsweep.UserState{}, fmt.Errorf("read user %s (GetUserPolicy %s): %w", name, p, err)
		}
		st.InlinePolicies = append(st.InlinePolicies, iamsweep.NamedDocument{Name: p, Document: doc})
	}

	attached := iam.NewListAttachedUserPoliciesPaginator(c.iam, &iam.ListAttachedUserPoliciesInput{UserName: user, MaxItems: aws.Int32(PageSize)})
	for attached.HasMorePages() {
		page, err := attached.NextPage(ctx)
		if err != nil {
			return fail("ListAttachedUserPolicies", err)
		}
		for _, p := range page.AttachedPolicies {
			st.AttachedPolicies = append(st.AttachedPolicies, aws.ToString(p.PolicyArn))
		}
	}
	sort.Strings(st.AttachedPolicies)

	groups := iam.NewListGroupsForUserPaginator(c.iam, &iam.ListGroupsForUserInput{UserName: user, MaxItems: aws.Int32(PageSize)})
	for groups.HasMorePages() {
		page, err := groups.NextPage(ctx)
		if err != nil {
			return fail("ListGroupsForUser", err)
		}
		for _, g := range page.Groups {
			st.Groups = append(st.Groups, aws.ToString(g.GroupName))
		}
	}
	sort.Strings(st.Groups)

	lp, err := c.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: user})
	switch err := classify(err); {
	case errors.Is(err, iamsweep.ErrNotFound):
		// No console password. (The user exists: GetUser found it.)
	case err != nil:
		return iamsweep.UserState{}, fmt.Errorf("read user %s (GetLoginProfile): %w", name, err)
	case lp.LoginProfile != nil:
		st.LoginProfile = &iamsweep.LoginProfileState{
			Created:               aws.ToTime(lp.LoginProfile.CreateDate).UTC(),
			PasswordResetRequired: lp.LoginProfile.PasswordResetRequired,
		}
	}

	keys := iam.NewListAccessKeysPaginator(c.iam, &iam.ListAccessKeysInput{UserName: user, MaxItems: aws.Int32(PageSize)})
	for keys.HasMorePages() {
		page, err := keys.NextPage(ctx)
		if err != nil {
			return fail("ListAccessKeys", err)
		}
		for _, k := range page.AccessKeyMetadata {
			ks := iamsweep.AccessKeyState{
				ID:      aws.ToString(k.AccessKeyId),
				Active:  k.Status == iamtypes.StatusTypeActive,
				Created: aws.ToTime(k.CreateDate).UTC(),
			}
			used, err := c.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId})
			if err != nil {
				return fail("GetAccessKeyLastUsed "+ks.ID, err)
			}
			if l := used.AccessKeyLastUsed; l != nil && l.LastUsedDate != nil {
				ks.LastUsed = iamsweep.Usage{Time: l.LastUsedDate.UTC(), Region: notApplicable(aws.ToString(l.Region))}
				ks.LastUsedService = notApplicable(aws.ToString(l.ServiceName))
			}
			st.AccessKeys = append(st.AccessKeys, ks)
		}
	}
	sort.SliceStable(st.AccessKeys, func(i, j int) bool { return st.AccessKeys[i].Created.Before(st.AccessKeys[j].Created) })

	mfa := iam.NewListMFADevicesPaginator(c.iam, &iam.ListMFADevicesInput{UserName: user, MaxItems: aws.Int32(PageSize)})
	for mfa.HasMorePages() {
		page, err := mfa.NextPage(ctx)
		if err != nil {
			return fail("ListMFADevices", err)
		}
		for _, d := range page.MFADevices {
			serial := aws.ToString(d.SerialNumber)
			st.MFADevices = append(st.MFADevices, iamsweep.MFADeviceState{SerialNumber: serial, Virtual: isVirtualMFA(serial)})
		}
	}

	ssh := iam.NewListSSHPublicKeysPaginator(c.iam, &iam.ListSSHPublicKeysInput{UserName: user, MaxItems: aws.Int32(PageSize)})
	for ssh.HasMorePages() {
		page, err := ssh.NextPage(ctx)
		if err != nil {
			return fail("ListSSHPublicKeys", err)
		}
		for _, k := range page.SSHPublicKeys {
			id := aws.ToString(k.SSHPublicKeyId)
			got, err := c.iam.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: user, SSHPublicKeyId: k.SSHPublicKeyId, Encoding: iamtypes.EncodingTypeSsh})
			if err != nil {
				return fail("GetSSHPublicKey "+id, err)
			}
			ks := iamsweep.SSHPublicKeyState{ID: id, Active: k.Status == iamtypes.StatusTypeActive}
			if got.SSHPublicKey != nil {
				ks.Body = aws.ToString(got.SSHPublicKey.SSHPublicKeyBody)
			}
			st.SSHPublicKeys = append(st.SSHPublicKeys, ks)
		}
	}

	certs := iam.NewListSigningCertificatesPaginator(c.iam, &iam.ListSigningCertificatesInput{UserName: user, MaxItems: aws.Int32(PageSize)})
	for certs.HasMorePages() {
		page, err := certs.NextPage(ctx)
		if err != nil {
			return fail("ListSigningCertificates", err)
		}
		for _, cert := range page.Certificates {
			st.SigningCertificates = append(st.SigningCertificates, iamsweep.SigningCertificateState{
				ID:     aws.ToString(cert.CertificateId),
				Body:   aws.ToString(cert.CertificateBody),
				Active: cert.Status == iamtypes.StatusTypeActive,
			})
		}
	}

	// ListServiceSpecificCredentials pages with Marker like the others, but
	// the SDK has no paginator for it.
	in := &iam.ListServiceSpecificCredentialsInput{UserName: user, MaxItems: aws.Int32(PageSize)}
	for {
		page, err := c.iam.ListServiceSpecificCredentials(ctx, in)
		if err != nil {
			return fail("ListServiceSpecificCredentials", err)
		}
		for _, sc := range page.ServiceSpecificCredentials {
			st.ServiceCredentials = append(st.ServiceCredentials, iamsweep.ServiceCredentialState{
				ID:          aws.ToString(sc.ServiceSpecificCredentialId),
				ServiceName: aws.ToString(sc.ServiceName),
				UserName:    aws.ToString(sc.ServiceUserName),
				Active:      sc.Status == iamtypes.StatusTypeActive,
			})
		}
		if !page.IsTruncated {
			break
		}
		if aws.ToString(page.Marker) == "" || aws.ToString(page.Marker) == aws.ToString(in.Marker) {
			return iamsweep.UserState{}, fmt.Errorf("read user %s (ListServiceSpecificCredentials): IAM says the list is truncated but sent no new Marker", name)
		}
		in.Marker = page.Marker
	}
	return st, nil
}

func convertTags(tags []iamtypes.Tag) []iamsweep.Tag {
	out := make([]iamsweep.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, iamsweep.Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	return out
}

// sortTags orders tags by key, so a state read twice compares equal.
func sortTags(tags []iamsweep.Tag) {
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
}

// notApplicable maps IAM's "N/A" (a key used before IAM tracked where) to
// "".
func notApplicable(s string) string {
	if s == "N/A" {
		return ""
	}
	return s
}

// isVirtualMFA reports whether an MFA serial number names a virtual device:
// "arn:aws:iam::123456789012:mfa/name". Hardware tokens have plain serials
// ("GAHT12345678") and FIDO security keys ARNs with ":u2f/".
func isVirtualMFA(serial string) bool {
	return strings.HasPrefix(serial, "arn:") && strings.Contains(serial, ":mfa/")
}

var _ iamsweep.PolicyReader = (*Client)(nil)

// ReadPolicy reads a managed policy (GetPolicy) with its default version's
// document (GetPolicyVersion, URL-decoded once). A policy that does not
// exist is an error wrapping iamsweep.ErrNotFound.
func (c *Client) ReadPolicy(ctx context.Context, arn string) (iamsweep.ManagedPolicy, error) {
	fail := func(api string, err error) (iamsweep.ManagedPolicy, error) {
		return iamsweep.ManagedPolicy{}, fmt.Errorf("read managed policy %s (%s): %w", arn, api, classify(err))
	}
	out, err := c.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return fail("GetPolicy", err)
	}
	p := out.Policy
	if p == nil {
		return iamsweep.ManagedPolicy{}, fmt.Errorf("read managed policy %s (GetPolicy): the answer holds no policy", arn)
	}
	mp := iamsweep.ManagedPolicy{ARN: aws.ToString(p.Arn), Name: aws.ToString(p.PolicyName), Path: aws.ToString(p.Path),
		DefaultVersionID: aws.ToString(p.DefaultVersionId), AttachmentCount: int(aws.ToInt32(p.AttachmentCount))}
	if p.UpdateDate != nil {
		mp.UpdatedAt = p.UpdateDate.UTC()
	}
	v, err := c.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.DefaultVersionId})
	if err != nil {
		return fail("GetPolicyVersion", err)
	}
	if v.PolicyVersion == nil || v.PolicyVersion.Document == nil {
		return iamsweep.ManagedPolicy{}, fmt.Errorf("read managed policy %s (GetPolicyVersion): the answer holds no document", arn)
	}
	if mp.Document, err = policy.Decode(aws.ToString(v.PolicyVersion.Document)); err != nil {
		return iamsweep.ManagedPolicy{}, fmt.Errorf("read managed policy %s (GetPolicyVersion): document: %w", arn, err)
	}
	return mp, nil
}
