//go:build integration

package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
)

// awsEnv is one moto server with everything a test needs to talk to it.
type awsEnv struct {
	Moto *moto
	Rec  *recorder
	// Config is the SDK configuration the tests seed moto with: static test
	// credentials, region us-east-1, moto's URL, a recording HTTP client,
	// and no retries (one call is one request).
	Config aws.Config
	IAM    *iam.Client
	// ProxyURL is the recording proxy to moto, for the CLI's --endpoint-url.
	ProxyURL string
}

func newAWSEnv(t *testing.T) *awsEnv {
	t.Helper()
	m := startMoto(t)
	rec := newRecorder(8)
	rec.watch(t)
	tr := newTransport()
	t.Cleanup(tr.CloseIdleConnections)
	cfg := sdkConfig(m.URL, &http.Client{Transport: rec.transport("sdk", tr)}, "testing", "testing", "")
	return &awsEnv{Moto: m, Rec: rec, Config: cfg, IAM: iam.NewFromConfig(cfg), ProxyURL: rec.proxy(t, m.URL)}
}

func sdkConfig(endpoint string, client aws.HTTPClient, key, secret, token string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, token),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   client,
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// with returns a copy of the environment's SDK configuration with other
// credentials.
func (e *awsEnv) with(key, secret, token string) aws.Config {
	return sdkConfig(*e.Config.BaseEndpoint, e.Config.HTTPClient, key, secret, token)
}

// Seeding. Everything the tests put in moto goes through the AWS APIs, with
// the SDK, as a user (or a later restore) would create it.

type tag struct{ Key, Value string }

func iamTags(tags []tag) []iamtypes.Tag {
	var out []iamtypes.Tag
	for _, t := range tags {
		out = append(out, iamtypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	return out
}

// policySpec is an inline policy: its name and its document as JSON text.
type policySpec struct{ Name, Doc string }

// roleSpec is a role as the tests create it: every attribute iamsweep reads
// or will restore.
type roleSpec struct {
	Name string
	// Path is "" for IAM's default, "/".
	Path string
	// Trust is the trust policy (AssumeRolePolicyDocument) as JSON text.
	Trust       string
	Description string
	// MaxSessionDuration is in seconds; 0 for IAM's default, 3600.
	MaxSessionDuration int32
	// Boundary is the ARN of the permissions boundary, or "".
	Boundary string
	Tags     []tag
	Inline   []policySpec
	// Attached are the ARNs of the managed policies attached to the role.
	Attached         []string
	InstanceProfiles []profileSpec
}

type profileSpec struct {
	Name, Path string
	Tags       []tag
}

// seededRole is a role as created: its spec and what IAM assigned.
type seededRole struct {
	Spec     roleSpec
	ARN, ID  string
	Created  time.Time
	Profiles []seededProfile
}

type seededProfile struct {
	Spec    profileSpec
	ARN, ID string
	Created time.Time
}

func (r seededRole) path() string { return orDefault(r.Spec.Path, "/") }

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// seedRole creates a role with everything its spec holds, with the calls a
// restore would make: CreateRole (with the path, trust policy, description,
// session duration, boundary and tags), PutRolePolicy, AttachRolePolicy,
// CreateInstanceProfile and AddRoleToInstanceProfile.
func seedRole(ctx context.Context, c *iam.Client, s roleSpec) (seededRole, error) {
	in := &iam.CreateRoleInput{
		RoleName:                 aws.String(s.Name),
		AssumeRolePolicyDocument: aws.String(s.Trust),
		Tags:                     iamTags(s.Tags),
	}
	if s.Path != "" {
		in.Path = aws.String(s.Path)
	}
	if s.Description != "" {
		in.Description = aws.String(s.Description)
	}
	if s.MaxSessionDuration != 0 {
		in.MaxSessionDuration = aws.Int32(s.MaxSessionDuration)
	}
	if s.Boundary != "" {
		in.PermissionsBoundary = aws.String(s.Boundary)
	}
	out, err := c.CreateRole(ctx, in)
	if err != nil {
		return seededRole{}, fmt.Errorf("create role %s: %w", s.Name, err)
	}
	r := seededRole{Spec: s, ARN: aws.ToString(out.Role.Arn), ID: aws.ToString(out.Role.RoleId), Created: aws.ToTime(out.Role.CreateDate)}
	for _, p := range s.Inline {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: in.RoleName, PolicyName: aws.String(p.Name), PolicyDocument: aws.String(p.Doc)}); err != nil {
			return r, fmt.Errorf("put policy %s on role %s: %w", p.Name, s.Name, err)
		}
	}
	for _, arn := range s.Attached {
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: in.RoleName, PolicyArn: aws.String(arn)}); err != nil {
			return r, fmt.Errorf("attach %s to role %s: %w", arn, s.Name, err)
		}
	}
	for _, p := range s.InstanceProfiles {
		pin := &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(p.Name), Tags: iamTags(p.Tags)}
		if p.Path != "" {
			pin.Path = aws.String(p.Path)
		}
		out, err := c.CreateInstanceProfile(ctx, pin)
		if err != nil {
			return r, fmt.Errorf("create instance profile %s: %w", p.Name, err)
		}
		if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: pin.InstanceProfileName, RoleName: in.RoleName}); err != nil {
			return r, fmt.Errorf("add role %s to instance profile %s: %w", s.Name, p.Name, err)
		}
		ip := out.InstanceProfile
		r.Profiles = append(r.Profiles, seededProfile{Spec: p, ARN: aws.ToString(ip.Arn), ID: aws.ToString(ip.InstanceProfileId), Created: aws.ToTime(ip.CreateDate)})
	}
	return r, nil
}

// seedServiceLinkedRole creates a service-linked role with
// CreateServiceLinkedRole; IAM chooses its name, path and trust policy.
func seedServiceLinkedRole(ctx context.Context, c *iam.Client, service, suffix string) (seededRole, error) {
	in := &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(service), Description: aws.String("service-linked role of " + service)}
	if suffix != "" {
		in.CustomSuffix = aws.String(suffix)
	}
	out, err := c.CreateServiceLinkedRole(ctx, in)
	if err != nil {
		return seededRole{}, fmt.Errorf("create service-linked role for %s: %w", service, err)
	}
	r := out.Role
	trust, err := url.PathUnescape(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil {
		return seededRole{}, fmt.Errorf("service-linked role for %s: trust policy: %w", service, err)
	}
	return seededRole{
		Spec: roleSpec{
			Name: aws.ToString(r.RoleName), Path: aws.ToString(r.Path), Trust: trust,
			Description: aws.ToString(r.Description), MaxSessionDuration: aws.ToInt32(r.MaxSessionDuration),
		},
		ARN: aws.ToString(r.Arn), ID: aws.ToString(r.RoleId), Created: aws.ToTime(r.CreateDate),
	}, nil
}

// seedPolicy creates a customer managed policy and returns its ARN.
func seedPolicy(ctx context.Context, c *iam.Client, path, name, doc string) (string, error) {
	out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{Path: aws.String(path), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
	if err != nil {
		return "", fmt.Errorf("create policy %s: %w", name, err)
	}
	return aws.ToString(out.Policy.Arn), nil
}

// groupSpec is an IAM group as the tests create it.
type groupSpec struct {
	Name, Path string
	Inline     []policySpec
	Attached   []string
}

func seedGroup(ctx context.Context, c *iam.Client, g groupSpec) error {
	in := &iam.CreateGroupInput{GroupName: aws.String(g.Name)}
	if g.Path != "" {
		in.Path = aws.String(g.Path)
	}
	if _, err := c.CreateGroup(ctx, in); err != nil {
		return fmt.Errorf("create group %s: %w", g.Name, err)
	}
	for _, p := range g.Inline {
		if _, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: in.GroupName, PolicyName: aws.String(p.Name), PolicyDocument: aws.String(p.Doc)}); err != nil {
			return fmt.Errorf("put policy %s on group %s: %w", p.Name, g.Name, err)
		}
	}
	for _, arn := range g.Attached {
		if _, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: in.GroupName, PolicyArn: aws.String(arn)}); err != nil {
			return fmt.Errorf("attach %s to group %s: %w", arn, g.Name, err)
		}
	}
	return nil
}

// userSpec is an IAM user as the tests create it, with its credentials.
type userSpec struct {
	Name, Path string
	// Password is the console password (a login profile); "" for none.
	Password string
	// Keys are the access keys to create, by status.
	Keys []iamtypes.StatusType
	// Groups the user is added to; seed them first.
	Groups []string
	// MFA gives the user a virtual MFA device.
	MFA      bool
	Inline   []policySpec
	Attached []string
	Tags     []tag
}

type seededUser struct {
	Spec      userSpec
	ARN, ID   string
	Created   time.Time
	Keys      []accessKey
	MFASerial string
}

type accessKey struct {
	ID, Secret string
	Status     iamtypes.StatusType
	// Created is the CreateDate CreateAccessKey returned.
	Created time.Time
}

func seedUser(ctx context.Context, c *iam.Client, s userSpec) (seededUser, error) {
	in := &iam.CreateUserInput{UserName: aws.String(s.Name), Tags: iamTags(s.Tags)}
	if s.Path != "" {
		in.Path = aws.String(s.Path)
	}
	out, err := c.CreateUser(ctx, in)
	if err != nil {
		return seededUser{}, fmt.Errorf("create user %s: %w", s.Name, err)
	}
	u := seededUser{Spec: s, ARN: aws.ToString(out.User.Arn), ID: aws.ToString(out.User.UserId), Created: aws.ToTime(out.User.CreateDate)}
	if s.Password != "" {
		if _, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: in.UserName, Password: aws.String(s.Password)}); err != nil {
			return u, fmt.Errorf("create login profile of %s: %w", s.Name, err)
		}
	}
	for _, status := range s.Keys {
		out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: in.UserName})
		if err != nil {
			return u, fmt.Errorf("create access key of %s: %w", s.Name, err)
		}
		k := accessKey{ID: aws.ToString(out.AccessKey.AccessKeyId), Secret: aws.ToString(out.AccessKey.SecretAccessKey), Status: out.AccessKey.Status,
			Created: aws.ToTime(out.AccessKey.CreateDate)}
		if status != k.Status {
			if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: in.UserName, AccessKeyId: aws.String(k.ID), Status: status}); err != nil {
				return u, fmt.Errorf("make access key of %s %s: %w", s.Name, status, err)
			}
			k.Status = status
		}
		u.Keys = append(u.Keys, k)
	}
	for _, g := range s.Groups {
		if _, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: in.UserName, GroupName: aws.String(g)}); err != nil {
			return u, fmt.Errorf("add %s to group %s: %w", s.Name, g, err)
		}
	}
	if s.MFA {
		out, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(s.Name + "-mfa")})
		if err != nil {
			return u, fmt.Errorf("create MFA device of %s: %w", s.Name, err)
		}
		u.MFASerial = aws.ToString(out.VirtualMFADevice.SerialNumber)
		if _, err := c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{
			UserName: in.UserName, SerialNumber: aws.String(u.MFASerial),
			AuthenticationCode1: aws.String("123456"), AuthenticationCode2: aws.String("654321"),
		}); err != nil {
			return u, fmt.Errorf("enable MFA device of %s: %w", s.Name, err)
		}
	}
	for _, p := range s.Inline {
		if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: in.UserName, PolicyName: aws.String(p.Name), PolicyDocument: aws.String(p.Doc)}); err != nil {
			return u, fmt.Errorf("put policy %s on user %s: %w", p.Name, s.Name, err)
		}
	}
	for _, arn := range s.Attached {
		if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: in.UserName, PolicyArn: aws.String(arn)}); err != nil {
			return u, fmt.Errorf("attach %s to user %s: %w", arn, s.Name, err)
		}
	}
	return u, nil
}

// useRole makes moto record a use of the role (RoleLastUsed): it assumes
// the role with STS and calls IAM with the role's credentials.
//
// AssumeRole goes over STS's query protocol by hand, signed with the SDK's
// SigV4 signer. (The organization tests use service/sts and stscreds.)
func (e *awsEnv) useRole(ctx context.Context, roleARN string) error {
	form := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {roleARN}, "RoleSessionName": {"iamsweep-integration"}}
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Moto.URL+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	creds, err := e.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sts", e.Config.Region, time.Now()); err != nil {
		return fmt.Errorf("sign AssumeRole: %w", err)
	}
	resp, err := e.Config.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("assume role %s: %w", roleARN, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("assume role %s: %w", roleARN, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("assume role %s: %s: %s", roleARN, resp.Status, data)
	}
	var out struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
		} `xml:"AssumeRoleResult>Credentials"`
	}
	if err := xml.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("assume role %s: decode response: %w", roleARN, err)
	}
	c := out.Credentials
	if c.AccessKeyID == "" {
		return fmt.Errorf("assume role %s: no credentials in the response: %s", roleARN, data)
	}
	role := iam.NewFromConfig(e.with(c.AccessKeyID, c.SecretAccessKey, c.SessionToken))
	if _, err := role.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(1)}); err != nil {
		return fmt.Errorf("call IAM as role %s: %w", roleARN, err)
	}
	return nil
}

// Reading back. readRole reads a role the way an auditor (or a test of a
// restore) would, one attribute per API, and roleState is what it finds in
// a form cmp.Diff compares field by field with wantRole.

// roleState is everything IAM holds about a role that iamsweep reads or
// restores. Policy documents are decoded JSON; lists whose order means
// nothing are sorted.
type roleState struct {
	ARN, ID, Name, Path string
	Description         string
	MaxSessionDuration  int32
	TrustPolicy         any
	PermissionsBoundary string
	Tags                map[string]string
	InlinePolicies      map[string]any
	// AttachedPolicies are ARNs.
	AttachedPolicies []string
	// InstanceProfiles are their ARNs.
	InstanceProfiles []string
}

// pager is an SDK paginator.
type pager[T any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*iam.Options)) (T, error)
}

// eachPage calls fn with every page of p.
func eachPage[T any](ctx context.Context, p pager[T], fn func(T)) error {
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		fn(page)
	}
	return nil
}

// readRole reads a role with GetRole, ListRoleTags, ListRolePolicies,
// GetRolePolicy, ListAttachedRolePolicies and ListInstanceProfilesForRole.
func readRole(ctx context.Context, c *iam.Client, name string) (roleState, error) {
	n := aws.String(name)
	out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: n})
	if err != nil {
		return roleState{}, fmt.Errorf("get role %s: %w", name, err)
	}
	r := out.Role
	st := roleState{
		ARN: aws.ToString(r.Arn), ID: aws.ToString(r.RoleId), Name: aws.ToString(r.RoleName), Path: aws.ToString(r.Path),
		Description: aws.ToString(r.Description), MaxSessionDuration: aws.ToInt32(r.MaxSessionDuration),
	}
	if st.TrustPolicy, err = policyJSON(aws.ToString(r.AssumeRolePolicyDocument)); err != nil {
		return st, fmt.Errorf("role %s: trust policy: %w", name, err)
	}
	if b := r.PermissionsBoundary; b != nil {
		st.PermissionsBoundary = aws.ToString(b.PermissionsBoundaryArn)
	}
	err = eachPage(ctx, iam.NewListRoleTagsPaginator(c, &iam.ListRoleTagsInput{RoleName: n}), func(p *iam.ListRoleTagsOutput) {
		for _, t := range p.Tags {
			st.Tags = setKey(st.Tags, aws.ToString(t.Key), aws.ToString(t.Value))
		}
	})
	if err != nil {
		return st, fmt.Errorf("list tags of role %s: %w", name, err)
	}
	var inline []string
	err = eachPage(ctx, iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: n}), func(p *iam.ListRolePoliciesOutput) {
		inline = append(inline, p.PolicyNames...)
	})
	if err != nil {
		return st, fmt.Errorf("list policies of role %s: %w", name, err)
	}
	for _, pn := range inline {
		out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: n, PolicyName: aws.String(pn)})
		if err != nil {
			return st, fmt.Errorf("get policy %s of role %s: %w", pn, name, err)
		}
		doc, err := policyJSON(aws.ToString(out.PolicyDocument))
		if err != nil {
			return st, fmt.Errorf("role %s: policy %s: %w", name, pn, err)
		}
		st.InlinePolicies = setKey(st.InlinePolicies, pn, doc)
	}
	err = eachPage(ctx, iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: n}), func(p *iam.ListAttachedRolePoliciesOutput) {
		for _, ap := range p.AttachedPolicies {
			st.AttachedPolicies = append(st.AttachedPolicies, aws.ToString(ap.PolicyArn))
		}
	})
	if err != nil {
		return st, fmt.Errorf("list attached policies of role %s: %w", name, err)
	}
	err = eachPage(ctx, iam.NewListInstanceProfilesForRolePaginator(c, &iam.ListInstanceProfilesForRoleInput{RoleName: n}), func(p *iam.ListInstanceProfilesForRoleOutput) {
		for _, ip := range p.InstanceProfiles {
			st.InstanceProfiles = append(st.InstanceProfiles, aws.ToString(ip.Arn))
		}
	})
	if err != nil {
		return st, fmt.Errorf("list instance profiles of role %s: %w", name, err)
	}
	slices.Sort(st.AttachedPolicies)
	slices.Sort(st.InstanceProfiles)
	return st, nil
}

// wantRole is the state a role seeded from r's spec must be in.
func wantRole(t testing.TB, r seededRole) roleState {
	t.Helper()
	s := r.Spec
	st := roleState{
		ARN: r.ARN, ID: r.ID, Name: s.Name, Path: r.path(), Description: s.Description,
		MaxSessionDuration: orDefault(s.MaxSessionDuration, 3600), TrustPolicy: mustJSON(t, s.Trust),
		PermissionsBoundary: s.Boundary, AttachedPolicies: slices.Sorted(slices.Values(s.Attached)),
	}
	for _, tg := range s.Tags {
		st.Tags = setKey(st.Tags, tg.Key, tg.Value)
	}
	for _, p := range s.Inline {
		st.InlinePolicies = setKey(st.InlinePolicies, p.Name, mustJSON(t, p.Doc))
	}
	for _, p := range r.Profiles {
		st.InstanceProfiles = append(st.InstanceProfiles, p.ARN)
	}
	slices.Sort(st.InstanceProfiles)
	return st
}

// userState is what IAM holds about a user and its credentials.
type userState struct {
	ARN, ID, Name, Path string
	LoginProfile        bool
	// AccessKeys maps key IDs to their status.
	AccessKeys       map[string]string
	Groups           []string
	MFADevices       []string
	InlinePolicies   map[string]any
	AttachedPolicies []string
	Tags             map[string]string
}

// readUser reads a user with GetUser, GetLoginProfile, ListAccessKeys,
// ListGroupsForUser, ListMFADevices, ListUserPolicies, GetUserPolicy,
// ListAttachedUserPolicies and ListUserTags.
func readUser(ctx context.Context, c *iam.Client, name string) (userState, error) {
	n := aws.String(name)
	out, err := c.GetUser(ctx, &iam.GetUserInput{UserName: n})
	if err != nil {
		return userState{}, fmt.Errorf("get user %s: %w", name, err)
	}
	u := out.User
	st := userState{ARN: aws.ToString(u.Arn), ID: aws.ToString(u.UserId), Name: aws.ToString(u.UserName), Path: aws.ToString(u.Path)}
	_, err = c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: n})
	var missing *iamtypes.NoSuchEntityException
	switch {
	case err == nil:
		st.LoginProfile = true
	case !errors.As(err, &missing):
		return st, fmt.Errorf("get login profile of %s: %w", name, err)
	}
	var inline []string
	steps := []struct {
		what string
		err  error
	}{
		{"access keys", eachPage(ctx, iam.NewListAccessKeysPaginator(c, &iam.ListAccessKeysInput{UserName: n}), func(p *iam.ListAccessKeysOutput) {
			for _, k := range p.AccessKeyMetadata {
				st.AccessKeys = setKey(st.AccessKeys, aws.ToString(k.AccessKeyId), string(k.Status))
			}
		})},
		{"groups", eachPage(ctx, iam.NewListGroupsForUserPaginator(c, &iam.ListGroupsForUserInput{UserName: n}), func(p *iam.ListGroupsForUserOutput) {
			for _, g := range p.Groups {
				st.Groups = append(st.Groups, aws.ToString(g.GroupName))
			}
		})},
		{"MFA devices", eachPage(ctx, iam.NewListMFADevicesPaginator(c, &iam.ListMFADevicesInput{UserName: n}), func(p *iam.ListMFADevicesOutput) {
			for _, d := range p.MFADevices {
				st.MFADevices = append(st.MFADevices, aws.ToString(d.SerialNumber))
			}
		})},
		{"policies", eachPage(ctx, iam.NewListUserPoliciesPaginator(c, &iam.ListUserPoliciesInput{UserName: n}), func(p *iam.ListUserPoliciesOutput) {
			inline = append(inline, p.PolicyNames...)
		})},
		{"attached policies", eachPage(ctx, iam.NewListAttachedUserPoliciesPaginator(c, &iam.ListAttachedUserPoliciesInput{UserName: n}), func(p *iam.ListAttachedUserPoliciesOutput) {
			for _, ap := range p.AttachedPolicies {
				st.AttachedPolicies = append(st.AttachedPolicies, aws.ToString(ap.PolicyArn))
			}
		})},
		{"tags", eachPage(ctx, iam.NewListUserTagsPaginator(c, &iam.ListUserTagsInput{UserName: n}), func(p *iam.ListUserTagsOutput) {
			for _, t := range p.Tags {
				st.Tags = setKey(st.Tags, aws.ToString(t.Key), aws.ToString(t.Value))
			}
		})},
	}
	for _, s := range steps {
		if s.err != nil {
			return st, fmt.Errorf("list %s of user %s: %w", s.what, name, s.err)
		}
	}
	for _, pn := range inline {
		out, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: n, PolicyName: aws.String(pn)})
		if err != nil {
			return st, fmt.Errorf("get policy %s of user %s: %w", pn, name, err)
		}
		doc, err := policyJSON(aws.ToString(out.PolicyDocument))
		if err != nil {
			return st, fmt.Errorf("user %s: policy %s: %w", name, pn, err)
		}
		st.InlinePolicies = setKey(st.InlinePolicies, pn, doc)
	}
	slices.Sort(st.Groups)
	slices.Sort(st.MFADevices)
	slices.Sort(st.AttachedPolicies)
	return st, nil
}

// wantUser is the state a user seeded from u's spec must be in.
func wantUser(t testing.TB, u seededUser) userState {
	t.Helper()
	s := u.Spec
	st := userState{
		ARN: u.ARN, ID: u.ID, Name: s.Name, Path: orDefault(s.Path, "/"), LoginProfile: s.Password != "",
		Groups: slices.Sorted(slices.Values(s.Groups)), AttachedPolicies: slices.Sorted(slices.Values(s.Attached)),
	}
	for _, k := range u.Keys {
		st.AccessKeys = setKey(st.AccessKeys, k.ID, string(k.Status))
	}
	if u.MFASerial != "" {
		st.MFADevices = []string{u.MFASerial}
	}
	for _, p := range s.Inline {
		st.InlinePolicies = setKey(st.InlinePolicies, p.Name, mustJSON(t, p.Doc))
	}
	for _, tg := range s.Tags {
		st.Tags = setKey(st.Tags, tg.Key, tg.Value)
	}
	return st
}

func setKey[V any](m map[string]V, k string, v V) map[string]V {
	if m == nil {
		m = map[string]V{}
	}
	m[k] = v
	return m
}

// policyJSON decodes a policy document as IAM's API returns it:
// URL-encoded (RFC 3986: a "+" is a plus sign), then JSON. It decodes
// exactly once: a document may hold a literal "%41", which a second
// decoding would turn into "A".
func policyJSON(encoded string) (any, error) {
	text, err := url.PathUnescape(encoded)
	if err != nil {
		return nil, fmt.Errorf("URL-decode: %w", err)
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("decode JSON %q: %w", text, err)
	}
	return v, nil
}

func mustJSON(t testing.TB, text string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("seed policy %q: %v", text, err)
	}
	return v
}

// Documents the tests seed. Their strings hold what the XML and URL
// encodings of the wire must carry intact: & < > " ' % + and a literal %41.
const (
	trustEC2    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	trustLambda = `{"Version":"2012-10-17","Statement":[{"Sid":"Lambda","Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	trustRoot   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + motoAccount + `:root"},"Action":"sts:AssumeRole"}]}`
	trustVendor = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + motoAccount + `:root"},"Action":"sts:AssumeRole",` +
		`"Condition":{"StringEquals":{"sts:ExternalId":"a&b<c>\"d'e%41+f g"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	policyRead     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/100%/*"]}]}`
	policyWrite    = `{"Version":"2012-10-17","Statement":[{"Sid":"Write","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::reports/a&b<c>/*"}]}`
	policyQueue    = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:` + motoAccount + `:jobs+%41","Condition":{"NumericLessThanEquals":{"aws:MultiFactorAuthAge":"3600"}}}}`
	policyBoundary = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`
)

// awsReadOnly is an AWS managed policy.
const awsReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess"

// policies are the customer managed policies the tests attach, by ARN.
type policies struct{ AppRead, AppWrite, Boundary string }

func seedPolicies(t *testing.T, c *iam.Client) policies {
	t.Helper()
	var p policies
	var err error
	for _, s := range []struct {
		arn              *string
		path, name, text string
	}{
		{&p.AppRead, "/app/", "app-read", policyRead},
		{&p.AppWrite, "/app/", "app-write", policyWrite},
		{&p.Boundary, "/boundaries/", "dev-boundary", policyBoundary},
	} {
		if *s.arn, err = seedPolicy(t.Context(), c, s.path, s.name, s.text); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// fullRole is a role with every attribute iamsweep reads or restores.
func fullRole(name string, p policies) roleSpec {
	return roleSpec{
		Name: name, Path: "/app/team-a/", Trust: trustVendor,
		Description:        `Reports job <prod> & "friends": 100% done`,
		MaxSessionDuration: 43200, Boundary: p.Boundary,
		Tags:     []tag{{"team", "data platform"}, {"cost:center", "42/ops=+-@_.:"}, {"city", "Zürich"}},
		Inline:   []policySpec{{"read-reports", policyRead}, {"queue", policyQueue}},
		Attached: []string{p.AppRead, p.AppWrite, awsReadOnly},
		InstanceProfiles: []profileSpec{
			{Name: name + "-profile", Path: "/ip/", Tags: []tag{{"team", "data platform"}}},
		},
	}
}

// TestSeed_roundTrip checks the seeding helpers and the comparison the
// restore tests rely on: what seedRole and seedUser create, readRole and
// readUser read back the same, attribute by attribute.
func TestSeed_roundTrip(t *testing.T) {
	env := newAWSEnv(t)
	ctx := t.Context()
	p := seedPolicies(t, env.IAM)
	roles := []struct {
		name string
		spec roleSpec
	}{
		{"every attribute", fullRole("reports-job", p)},
		{"defaults only", roleSpec{Name: "bare", Trust: trustEC2}},
		{"odd characters", roleSpec{
			Name: "=sum+1@team,x.y_z-0", Path: "/odd&path/<x>/%41/", Trust: trustLambda, Description: "tab\there",
			Tags: []tag{{"k+=.:/@-_", "v a l u e"}}, Inline: []policySpec{{"p+=,.@-_", policyWrite}},
		}},
	}
	for _, tt := range roles {
		t.Run("role with "+tt.name, func(t *testing.T) {
			r, err := seedRole(ctx, env.IAM, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readRole(ctx, env.IAM, tt.spec.Name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantRole(t, r), got); diff != "" {
				t.Errorf("role %s read back (-seeded +read):\n%s", tt.spec.Name, diff)
			}
		})
	}
	t.Run("service-linked role", func(t *testing.T) {
		r, err := seedServiceLinkedRole(ctx, env.IAM, "autoscaling.amazonaws.com", "fleet")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.Spec.Path, "/aws-service-role/") {
			t.Errorf("service-linked role %s has path %q, want /aws-service-role/...", r.Spec.Name, r.Spec.Path)
		}
		got, err := readRole(ctx, env.IAM, r.Spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantRole(t, r), got); diff != "" {
			t.Errorf("role %s read back (-seeded +read):\n%s", r.Spec.Name, diff)
		}
	})

	for _, g := range []groupSpec{
		{Name: "admins", Attached: []string{awsReadOnly}},
		{Name: "devs", Path: "/eng/", Inline: []policySpec{{"queue", policyQueue}}, Attached: []string{p.AppRead}},
	} {
		if err := seedGroup(ctx, env.IAM, g); err != nil {
			t.Fatal(err)
		}
	}
	users := []struct {
		name string
		spec userSpec
	}{
		{"every attribute", userSpec{
			Name: "alice", Path: "/people/", Password: "Corr3ct-Horse-Battery!",
			Keys:   []iamtypes.StatusType{iamtypes.StatusTypeActive, iamtypes.StatusTypeInactive},
			Groups: []string{"admins", "devs"}, MFA: true,
			Inline: []policySpec{{"read-reports", policyRead}}, Attached: []string{p.AppWrite},
			Tags: []tag{{"team", "data platform"}},
		}},
		{"no credentials", userSpec{Name: "former+employee@example.com"}},
		{"an inactive key only", userSpec{Name: "ci-bot", Path: "/service/", Keys: []iamtypes.StatusType{iamtypes.StatusTypeInactive}}},
	}
	for _, tt := range users {
		t.Run("user with "+tt.name, func(t *testing.T) {
			u, err := seedUser(ctx, env.IAM, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readUser(ctx, env.IAM, tt.spec.Name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantUser(t, u), got); diff != "" {
				t.Errorf("user %s read back (-seeded +read):\n%s", tt.spec.Name, diff)
			}
		})
	}
}
