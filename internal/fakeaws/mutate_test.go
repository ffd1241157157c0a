package fakeaws_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// mutateNow is the fake's clock in the mutation tests.
var mutateNow = time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)

// Policies the mutation tests use.
const (
	allowS3   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	denyAll   = `{"Version":"2012-10-17","Statement":[{"Sid":"Quarantine","Effect":"Deny","Action":"*","Resource":"*"}]}`
	ec2Trust  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	boundary  = "arn:aws:iam::" + accountA + ":policy/boundaries/dev-boundary"
	customer  = "arn:aws:iam::" + accountA + ":policy/app-read"
	readOnly  = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	denyAllMP = "arn:aws:iam::aws:policy/AWSDenyAll"
)

// mutableAccount is accountA with the customer managed policies the tests
// attach.
func mutableAccount() *fakeaws.Account {
	return &fakeaws.Account{ID: accountA, Policies: []*fakeaws.ManagedPolicy{
		{Name: "dev-boundary", Path: "/boundaries/", Document: allowS3},
		{Name: "app-read", Document: allowS3, Description: "read the app bucket"},
	}}
}

// mutableServer is a fake holding mutableAccount, on a fixed clock.
func mutableServer(t *testing.T, opts ...fakeaws.Option) (*fakeaws.Server, *iam.Client) {
	t.Helper()
	srv := fakeaws.New(t, append([]fakeaws.Option{fakeaws.WithAccounts(mutableAccount()), fakeaws.WithClock(func() time.Time { return mutateNow })}, opts...)...)
	return srv, iamClient(srv, keyA)
}

// must fails the test on an error.
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantError checks that a call failed with the AWS error code, HTTP status
// and (when not "") message.
func wantError(t *testing.T, err error, code string, status int, message string) {
	t.Helper()
	got := errorOf(t, err)
	if got.Code != code || got.Status != status || (message != "" && got.Message != message) {
		t.Errorf("got %+v, want %s (%d) %q", got, code, status, message)
	}
}

// decoded URL-decodes a policy document once, as a client of IAM's query
// API must.
func decoded(t *testing.T, s *string) string {
	t.Helper()
	doc, err := url.PathUnescape(aws.ToString(s))
	if err != nil {
		t.Fatalf("policy %q is not URL-encoded: %v", aws.ToString(s), err)
	}
	return doc
}

// tagList builds SDK tags from key, value pairs.
func tagList(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

var ignoreIAM = cmpopts.IgnoreUnexported(types.Role{}, types.Tag{}, types.AttachedPermissionsBoundary{}, types.RoleLastUsed{},
	types.AttachedPolicy{}, types.InstanceProfile{}, types.User{}, types.Group{}, types.LoginProfile{}, types.MFADevice{},
	types.SigningCertificate{}, types.SSHPublicKeyMetadata{}, types.ServiceSpecificCredentialMetadata{}, types.AccessKeyMetadata{},
	types.PolicyDetail{}, types.RoleDetail{}, types.UserDetail{}, types.GroupDetail{}, types.ManagedPolicyDetail{}, types.PolicyVersion{},
	types.VirtualMFADevice{}, types.AccessKeyLastUsed{}, types.DeletionTaskFailureReasonType{}, types.RoleUsageType{})

// removal is a step of emptying a role or user before it is deleted: the
// DeleteConflict message while the step is not done, and the step.
type removal struct {
	wantMessage string
	remove      func() error
}

// deleteInOrder checks that del is refused with each step's message until
// the step is done.
func deleteInOrder(t *testing.T, del func() error, steps []removal) {
	t.Helper()
	for _, st := range steps {
		wantError(t, del(), "DeleteConflict", 409, st.wantMessage)
		if err := st.remove(); err != nil {
			t.Fatal(err)
		}
	}
}

// errorCase is a call of an error table and the error it must get; it
// must succeed when wantCode is "".
type errorCase struct {
	name        string
	opts        []fakeaws.Option
	call        func(t *testing.T, c *iam.Client) error
	wantCode    string
	wantStatus  int
	wantMessage string
}

// runErrorCases runs each case against a fake holding seed().
func runErrorCases(t *testing.T, seed func() *fakeaws.Account, tests []errorCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeaws.New(t, append([]fakeaws.Option{fakeaws.WithAccounts(seed())}, tt.opts...)...)
			err := tt.call(t, iamClient(srv, keyA))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			wantError(t, err, tt.wantCode, tt.wantStatus, tt.wantMessage)
		})
	}
}

// sdk is the call of an error case that makes one SDK call.
func sdk[In, Out any](op func(*iam.Client, context.Context, In, ...func(*iam.Options)) (Out, error), in In) func(*testing.T, *iam.Client) error {
	return func(t *testing.T, c *iam.Client) error {
		_, err := op(c, t.Context(), in)
		return err
	}
}

// ignore drops the output of an SDK call.
func ignore[T any](_ T, err error) error { return err }

func TestServer_RoleLifecycle(t *testing.T) {
	srv, c := mutableServer(t)
	ctx := t.Context()
	arn := "arn:aws:iam::" + accountA + ":role/app/Deployer"

	created := must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("Deployer"),
		Path:                     aws.String("/app/"),
		AssumeRolePolicyDocument: aws.String(ec2Trust),
		Description:              aws.String("deploys the app"),
		MaxSessionDuration:       aws.Int32(7200),
		PermissionsBoundary:      aws.String(boundary),
		Tags:                     tagList("team", "app", "cost-center", "42"),
	}))
	id := aws.ToString(created.Role.RoleId)
	if !regexp.MustCompile(`^AROA[A-Z2-7]{17}$`).MatchString(id) {
		t.Errorf("RoleId %q is not an AROA unique ID", id)
	}
	wantRole := &types.Role{
		Path: aws.String("/app/"), RoleName: aws.String("Deployer"), RoleId: aws.String(id), Arn: aws.String(arn),
		CreateDate: aws.Time(mutateNow), AssumeRolePolicyDocument: aws.String(rfc3986(ec2Trust)),
		Description: aws.String("deploys the app"), MaxSessionDuration: aws.Int32(7200),
		PermissionsBoundary: &types.AttachedPermissionsBoundary{PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy, PermissionsBoundaryArn: aws.String(boundary)},
		Tags:                tagList("team", "app", "cost-center", "42"),
	}
	if diff := cmp.Diff(wantRole, created.Role, ignoreIAM); diff != "" {
		t.Errorf("CreateRole's Role (-want +got):\n%s", diff)
	}

	// Give it one of everything DeleteRole wants removed first.
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("quarantine"), PolicyDocument: aws.String(denyAll)}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("Deployer"), PolicyArn: aws.String(denyAllMP)}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("Deployer"), PolicyArn: aws.String(customer)}))
	profile := must[*iam.CreateInstanceProfileOutput](t)(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{
		InstanceProfileName: aws.String("deployer-profile"), Path: aws.String("/ip/"), Tags: tagList("env", "prod")}))
	if n := len(profile.InstanceProfile.Roles); n != 0 {
		t.Errorf("new profile holds %d roles", n)
	}
	must[*iam.AddRoleToInstanceProfileOutput](t)(c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("deployer-profile"), RoleName: aws.String("Deployer")}))
	must[*iam.UpdateRoleOutput](t)(c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("Deployer"), MaxSessionDuration: aws.Int32(3600)}))
	must[*iam.UntagRoleOutput](t)(c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("Deployer"), TagKeys: []string{"COST-CENTER"}}))
	must[*iam.TagRoleOutput](t)(c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("Deployer"), Tags: tagList("Team", "platform", "quarantined", "2026-05-04")}))

	// Read it back.
	got := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("DEPLOYER")}))
	wantRole.MaxSessionDuration = aws.Int32(3600)
	wantRole.Tags = tagList("Team", "platform", "quarantined", "2026-05-04")
	wantRole.RoleLastUsed = &types.RoleLastUsed{}
	if diff := cmp.Diff(wantRole, got.Role, ignoreIAM); diff != "" {
		t.Errorf("GetRole (-want +got):\n%s", diff)
	}
	policies := must[*iam.ListRolePoliciesOutput](t)(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("Deployer")}))
	if diff := cmp.Diff([]string{"quarantine"}, policies.PolicyNames); diff != "" || policies.IsTruncated {
		t.Errorf("ListRolePolicies (-want +got):\n%s (truncated %v)", diff, policies.IsTruncated)
	}
	inline := must[*iam.GetRolePolicyOutput](t)(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("Deployer"), PolicyName: aws.String("quarantine")}))
	if aws.ToString(inline.RoleName) != "Deployer" || aws.ToString(inline.PolicyName) != "quarantine" || decoded(t, inline.PolicyDocument) != denyAll {
		t.Errorf("GetRolePolicy = %s %s %s", aws.ToString(inline.RoleName), aws.ToString(inline.PolicyName), aws.ToString(inline.PolicyDocument))
	}
	attached := must[*iam.ListAttachedRolePoliciesOutput](t)(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("Deployer")}))
	wantAttached := []types.AttachedPolicy{{PolicyName: aws.String("AWSDenyAll"), PolicyArn: aws.String(denyAllMP)}, {PolicyName: aws.String("app-read"), PolicyArn: aws.String(customer)}}
	if diff := cmp.Diff(wantAttached, attached.AttachedPolicies, ignoreIAM); diff != "" {
		t.Errorf("ListAttachedRolePolicies (-want +got):\n%s", diff)
	}
	profiles := must[*iam.ListInstanceProfilesForRoleOutput](t)(c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("Deployer")}))
	if len(profiles.InstanceProfiles) != 1 {
		t.Fatalf("%d instance profiles, want 1", len(profiles.InstanceProfiles))
	}
	ip := profiles.InstanceProfiles[0]
	if aws.ToString(ip.Arn) != "arn:aws:iam::"+accountA+":instance-profile/ip/deployer-profile" || len(ip.Roles) != 1 ||
		aws.ToString(ip.Roles[0].RoleId) != id || cmp.Diff(tagList("env", "prod"), ip.Tags, ignoreIAM) != "" {
		t.Errorf("instance profile %+v", ip)
	}
	tags := must[*iam.ListRoleTagsOutput](t)(c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("Deployer")}))
	if diff := cmp.Diff(tagList("Team", "platform", "quarantined", "2026-05-04"), tags.Tags, ignoreIAM); diff != "" {
		t.Errorf("ListRoleTags (-want +got):\n%s", diff)
	}

	// Delete it in IAM's order; each step before the last is refused.
	steps := []removal{
		{"Cannot delete entity, must delete policies first.", func() error {
			return ignore(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("Deployer"), PolicyName: aws.String("quarantine")}))
		}},
		{"Cannot delete entity, must detach all policies first.", func() error {
			for _, p := range []string{denyAllMP, customer} {
				if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("Deployer"), PolicyArn: aws.String(p)}); err != nil {
					return err
				}
			}
			return nil
		}},
		{"Cannot delete entity, must remove roles from instance profile first.", func() error {
			return ignore(c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("deployer-profile"), RoleName: aws.String("Deployer")}))
		}},
	}
	deleteInOrder(t, func() error { return ignore(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("Deployer")})) }, steps)
	must[*iam.DeleteInstanceProfileOutput](t)(c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("deployer-profile")}))
	must[*iam.DeleteRoleOutput](t)(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("Deployer")}))

	_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Deployer")})
	wantError(t, err, "NoSuchEntity", 404, "The role with name Deployer cannot be found.")
	_, err = c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("deployer-profile")})
	wantError(t, err, "NoSuchEntity", 404, "")
	_, err = c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("Deployer")})
	wantError(t, err, "NoSuchEntity", 404, "")
	if names := roleNames(t, c); len(names) != 0 {
		t.Errorf("GetAccountAuthorizationDetails still lists %v", names)
	}

	// The same name again is a new role.
	again := must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deployer"), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
	if newID := aws.ToString(again.Role.RoleId); newID == id || !strings.HasPrefix(newID, "AROA") {
		t.Errorf("re-created role has RoleId %s; the deleted one had %s", newID, id)
	}
	if aws.ToString(again.Role.Path) != "/" || aws.ToInt32(again.Role.MaxSessionDuration) != 3600 || again.Role.Description != nil || again.Role.Tags != nil {
		t.Errorf("re-created role with defaults = %+v", again.Role)
	}

	// Every call is recorded, the refused ones with their code.
	conflicts := 0
	for _, call := range srv.Calls() {
		if call.Action == "DeleteRole" && call.ErrorCode == "DeleteConflict" {
			conflicts++
		}
	}
	if conflicts != 3 || srv.CallCount("DeleteRole") != 4 || srv.CallCount("CreateRole") != 2 {
		t.Errorf("calls: %d DeleteConflict of %d DeleteRole, %d CreateRole; want 3 of 4, and 2", conflicts, srv.CallCount("DeleteRole"), srv.CallCount("CreateRole"))
	}
}

func TestServer_RoleErrors(t *testing.T) {
	tests := []errorCase{
		{
			name:     "create a role whose name exists in another case",
			call:     func(t *testing.T, c *iam.Client) error { return createRole(t, c, "EXISTING") },
			wantCode: "EntityAlreadyExists", wantStatus: 409, wantMessage: "Role with name EXISTING already exists.",
		},
		{
			name:     "create a role whose name exists on another path",
			call:     func(t *testing.T, c *iam.Client) error { return createRole(t, c, "existing", "/other/") },
			wantCode: "EntityAlreadyExists", wantStatus: 409,
		},
		{
			name:     "max session below an hour",
			call:     sdk((*iam.Client).CreateRole, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ec2Trust), MaxSessionDuration: aws.Int32(3599)}),
			wantCode: "ValidationError", wantStatus: 400,
		},
		{
			name:     "max session above twelve hours",
			call:     sdk((*iam.Client).UpdateRole, &iam.UpdateRoleInput{RoleName: aws.String("existing"), MaxSessionDuration: aws.Int32(43201)}),
			wantCode: "ValidationError", wantStatus: 400,
		},
		{
			name:     "trust policy that is not JSON",
			call:     sdk((*iam.Client).CreateRole, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(`{"Version":`)}),
			wantCode: "MalformedPolicyDocument", wantStatus: 400, wantMessage: "Syntax errors in policy.",
		},
		{
			name:     "trust policy without a principal",
			call:     sdk((*iam.Client).UpdateAssumeRolePolicy, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("existing"), PolicyDocument: aws.String(allowS3)}),
			wantCode: "MalformedPolicyDocument", wantStatus: 400,
		},
		{
			name: "trust policy over 2,048 characters",
			call: func(t *testing.T, c *iam.Client) error {
				trust := strings.Replace(ec2Trust, "ec2.amazonaws.com", strings.Repeat("a", 2000)+".amazonaws.com", 1)
				_, err := c.UpdateAssumeRolePolicy(t.Context(), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("existing"), PolicyDocument: aws.String(trust)})
				return err
			},
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Cannot exceed quota for ACLSizePerRole: 2048",
		},
		{
			name:     "a role that does not exist",
			call:     sdk((*iam.Client).GetRole, &iam.GetRoleInput{RoleName: aws.String("ghost")}),
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "The role with name ghost cannot be found.",
		},
		{
			name:     "delete a role that does not exist",
			call:     sdk((*iam.Client).DeleteRole, &iam.DeleteRoleInput{RoleName: aws.String("ghost")}),
			wantCode: "NoSuchEntity", wantStatus: 404,
		},
		{
			name:     "a second role for an instance profile",
			call:     sdk((*iam.Client).AddRoleToInstanceProfile, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("existing")}),
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
		},
		{
			name:     "delete an instance profile that holds a role",
			call:     sdk((*iam.Client).DeleteInstanceProfile, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("WEB")}),
			wantCode: "DeleteConflict", wantStatus: 409, wantMessage: "Cannot delete entity, must remove roles from instance profile first.",
		},
		{
			name:     "create an instance profile whose name exists",
			call:     sdk((*iam.Client).CreateInstanceProfile, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("Web")}),
			wantCode: "EntityAlreadyExists", wantStatus: 409,
		},
		{
			name:     "delete a service-linked role",
			call:     sdk((*iam.Client).DeleteRole, &iam.DeleteRoleInput{RoleName: aws.String("AWSServiceRoleForSupport")}),
			wantCode: "UnmodifiableEntity", wantStatus: 400,
			wantMessage: "Cannot perform the operation on the protected role 'AWSServiceRoleForSupport' - this role is only modifiable by AWS",
		},
		{
			name:     "quarantine a service-linked role",
			call:     sdk((*iam.Client).PutRolePolicy, &iam.PutRolePolicyInput{RoleName: aws.String("AWSServiceRoleForSupport"), PolicyName: aws.String("q"), PolicyDocument: aws.String(denyAll)}),
			wantCode: "UnmodifiableEntity", wantStatus: 400,
		},
		{
			name:     "attach to a service-linked role",
			call:     sdk((*iam.Client).AttachRolePolicy, &iam.AttachRolePolicyInput{RoleName: aws.String("AWSServiceRoleForSupport"), PolicyArn: aws.String(denyAllMP)}),
			wantCode: "UnmodifiableEntity", wantStatus: 400,
		},
	}
	runErrorCases(t, func() *fakeaws.Account {
		acct := mutableAccount()
		acct.Roles = []*fakeaws.Role{
			{Name: "existing", InstanceProfiles: []fakeaws.InstanceProfile{{Name: "web"}}},
			{Name: "AWSServiceRoleForSupport", Path: "/aws-service-role/support.amazonaws.com/"},
		}
		return acct
	}, tests)
}

func createRole(t *testing.T, c *iam.Client, name string, path ...string) error {
	in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ec2Trust)}
	if len(path) > 0 {
		in.Path = aws.String(path[0])
	}
	_, err := c.CreateRole(t.Context(), in)
	return err
}

// principalCalls make the SDK calls that roles and users share, on one
// principal of TestServer_PrincipalErrors: the role "existing" or the
// user "bob".
type principalCalls struct {
	kind, name   string // "Role", "existing"
	quota        int    // the default RolePolicySizeQuota or UserPolicySizeQuota
	putPolicy    func(ctx context.Context, c *iam.Client, name, doc string) error
	getPolicy    func(ctx context.Context, c *iam.Client, name string) error
	deletePolicy func(ctx context.Context, c *iam.Client, name string) error
	attach       func(ctx context.Context, c *iam.Client, arn string) error
	detach       func(ctx context.Context, c *iam.Client, arn string) error
	putBoundary  func(ctx context.Context, c *iam.Client, arn string) error
	tag          func(ctx context.Context, c *iam.Client, tags []types.Tag) error
}

var (
	roleCalls = principalCalls{
		kind: "Role", name: "existing", quota: 10240,
		putPolicy: func(ctx context.Context, c *iam.Client, name, doc string) error {
			return ignore(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("existing"), PolicyName: &name, PolicyDocument: &doc}))
		},
		getPolicy: func(ctx context.Context, c *iam.Client, name string) error {
			return ignore(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("existing"), PolicyName: &name}))
		},
		deletePolicy: func(ctx context.Context, c *iam.Client, name string) error {
			return ignore(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("existing"), PolicyName: &name}))
		},
		attach: func(ctx context.Context, c *iam.Client, arn string) error {
			return ignore(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("existing"), PolicyArn: &arn}))
		},
		detach: func(ctx context.Context, c *iam.Client, arn string) error {
			return ignore(c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("existing"), PolicyArn: &arn}))
		},
		putBoundary: func(ctx context.Context, c *iam.Client, arn string) error {
			return ignore(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("existing"), PermissionsBoundary: &arn}))
		},
		tag: func(ctx context.Context, c *iam.Client, tags []types.Tag) error {
			return ignore(c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("existing"), Tags: tags}))
		},
	}
	userCalls = principalCalls{
		kind: "User", name: "bob", quota: 2048,
		putPolicy: func(ctx context.Context, c *iam.Client, name, doc string) error {
			return ignore(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: &name, PolicyDocument: &doc}))
		},
		getPolicy: func(ctx context.Context, c *iam.Client, name string) error {
			return ignore(c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("bob"), PolicyName: &name}))
		},
		deletePolicy: func(ctx context.Context, c *iam.Client, name string) error {
			return ignore(c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("bob"), PolicyName: &name}))
		},
		attach: func(ctx context.Context, c *iam.Client, arn string) error {
			return ignore(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: &arn}))
		},
		detach: func(ctx context.Context, c *iam.Client, arn string) error {
			return ignore(c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: &arn}))
		},
		putBoundary: func(ctx context.Context, c *iam.Client, arn string) error {
			return ignore(c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("bob"), PermissionsBoundary: &arn}))
		},
		tag: func(ctx context.Context, c *iam.Client, tags []types.Tag) error {
			return ignore(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("bob"), Tags: tags}))
		},
	}
)

// bigPolicy is a policy document of exactly size characters, white space
// excluded, with white space around that IAM does not count.
func bigPolicy(size int) string {
	head := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::`
	tail := `"}]}`
	return strings.ReplaceAll(head, ",", ",\n    ") + strings.Repeat("b", size-len(head)-len(tail)) + tail
}

// TestServer_PrincipalErrors checks the rules roles and users share:
// inline policies, attached policies, the permissions boundary and tags.
// In the expected messages {kind} stands for "role" or "user", {Kind} for
// "Role" or "User", {name} for the principal's name and {quota} for its
// default inline policy size quota.
func TestServer_PrincipalErrors(t *testing.T) {
	tests := []struct {
		name        string
		opts        func(kind string) []fakeaws.Option
		call        func(ctx context.Context, c *iam.Client, p principalCalls) error
		wantCode    string
		wantStatus  int
		wantMessage string
	}{
		{
			name: "boundary that does not exist",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.putBoundary(ctx, c, "arn:aws:iam::"+accountA+":policy/gone")
			},
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "Scope ARN: arn:aws:iam::" + accountA + ":policy/gone does not exist or is not attachable.",
		},
		{
			name: "inline policy that is not JSON",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.putPolicy(ctx, c, "p", `{"Statement": [}`)
			},
			wantCode: "MalformedPolicyDocument", wantStatus: 400, wantMessage: "Syntax errors in policy.",
		},
		{
			name: "inline policy that is not JSON at all",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.putPolicy(ctx, c, "p", "Statement: []")
			},
			wantCode: "MalformedPolicyDocument", wantStatus: 400,
		},
		{
			name: "inline policy with a principal",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.putPolicy(ctx, c, "p", ec2Trust)
			},
			wantCode: "MalformedPolicyDocument", wantStatus: 400, wantMessage: "Policy document should not specify a principal.",
		},
		{
			name: "inline policy with an unknown effect",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.putPolicy(ctx, c, "p", strings.Replace(allowS3, "Allow", "Permit", 1))
			},
			wantCode: "MalformedPolicyDocument", wantStatus: 400,
		},
		{
			name: "inline policies of exactly the size quota",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.putPolicy(ctx, c, "p", bigPolicy(p.quota))
			},
		},
		{
			name: "inline policies over the size quota",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.putPolicy(ctx, c, "p", bigPolicy(p.quota+1))
			},
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Maximum policy size of {quota} bytes exceeded for {kind} {name}",
		},
		{
			name: "inline policies over the size quota together",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				first := p.quota * 6 / 10
				if err := p.putPolicy(ctx, c, "a", bigPolicy(first)); err != nil {
					return err
				}
				return p.putPolicy(ctx, c, "b", bigPolicy(p.quota-first+60))
			},
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Maximum policy size of {quota} bytes exceeded for {kind} {name}",
		},
		{
			name: "replacing an inline policy counts the new document only",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				if err := p.putPolicy(ctx, c, "a", bigPolicy(p.quota*6/10)); err != nil {
					return err
				}
				return p.putPolicy(ctx, c, "a", bigPolicy(p.quota-200))
			},
		},
		{
			name: "policy size quota from WithQuota",
			opts: func(kind string) []fakeaws.Option {
				return []fakeaws.Option{fakeaws.WithQuota(kind+"PolicySizeQuota", 200)}
			},
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.putPolicy(ctx, c, "p", bigPolicy(201))
			},
			wantCode:    "LimitExceeded",
			wantStatus:  409,
			wantMessage: "Maximum policy size of 200 bytes exceeded for {kind} {name}",
		},
		{
			name: "delete an inline policy the principal does not have",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.deletePolicy(ctx, c, "nope")
			},
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "The {kind} policy with name nope cannot be found.",
		},
		{
			name:     "get an inline policy the principal does not have",
			call:     func(ctx context.Context, c *iam.Client, p principalCalls) error { return p.getPolicy(ctx, c, "nope") },
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "The {kind} policy with name nope cannot be found.",
		},
		{
			name:     "attach an eleventh policy",
			call:     attachMany(11),
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Cannot exceed quota for PoliciesPer{Kind}: 10",
		},
		{
			name: "attach an eleventh policy with the quota raised",
			opts: func(kind string) []fakeaws.Option {
				return []fakeaws.Option{fakeaws.WithQuota("AttachedPoliciesPer"+kind+"Quota", 20)}
			},
			call: attachMany(11),
		},
		{
			name: "attach a policy twice",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				if err := p.attach(ctx, c, denyAllMP); err != nil {
					return err
				}
				return p.attach(ctx, c, denyAllMP)
			},
		},
		{
			name: "attach a customer managed policy that does not exist",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.attach(ctx, c, "arn:aws:iam::"+accountA+":policy/gone")
			},
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "Policy arn:aws:iam::" + accountA + ":policy/gone does not exist or is not attachable.",
		},
		{
			name: "attach a policy of another account",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.attach(ctx, c, "arn:aws:iam::"+accountB+":policy/app-read")
			},
			wantCode: "NoSuchEntity", wantStatus: 404,
		},
		{
			name: "attach something that is not a policy ARN",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.attach(ctx, c, "arn:aws:s3:::some-bucket/key")
			},
			wantCode: "InvalidInput", wantStatus: 400,
		},
		{
			name: "detach something that is not a policy ARN",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.detach(ctx, c, "arn:aws:iam::"+accountA+":role/app")
			},
			wantCode: "InvalidInput", wantStatus: 400, wantMessage: "ARN arn:aws:iam::" + accountA + ":role/app is not valid.",
		},
		{
			name:     "detach a policy that is not attached",
			call:     func(ctx context.Context, c *iam.Client, p principalCalls) error { return p.detach(ctx, c, readOnly) },
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "Policy " + readOnly + " was not found.",
		},
		{
			name: "tag to 51 tags",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				for i := 0; i < 51; i += 10 {
					var kv []string
					for j := i; j < min(i+10, 51); j++ {
						kv = append(kv, fmt.Sprintf("k%02d", j), "v")
					}
					if err := p.tag(ctx, c, tagList(kv...)); err != nil {
						return err
					}
				}
				return nil
			},
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Cannot exceed quota for TagsPer{Kind}: 50",
		},
		{
			name: "tag to 51 tags one at a time",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				for i := 0; i < 51; i++ {
					if err := p.tag(ctx, c, tagList(strings.Repeat("k", i+1), "v")); err != nil {
						return err
					}
				}
				return nil
			},
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Cannot exceed quota for TagsPer{Kind}: 50",
		},
		{
			name: "tag keys repeated in another case",
			call: func(ctx context.Context, c *iam.Client, p principalCalls) error {
				return p.tag(ctx, c, tagList("a", "1", "A", "2"))
			},
			wantCode: "InvalidInput", wantStatus: 400,
		},
	}
	for _, p := range []principalCalls{roleCalls, userCalls} {
		expand := strings.NewReplacer("{kind}", strings.ToLower(p.kind), "{Kind}", p.kind, "{name}", p.name, "{quota}", strconv.Itoa(p.quota)).Replace
		cases := make([]errorCase, len(tests))
		for i, tt := range tests {
			cases[i] = errorCase{
				name:     tt.name,
				call:     func(t *testing.T, c *iam.Client) error { return tt.call(t.Context(), c, p) },
				wantCode: tt.wantCode, wantStatus: tt.wantStatus, wantMessage: expand(tt.wantMessage),
			}
			if tt.opts != nil {
				cases[i].opts = tt.opts(p.kind)
			}
		}
		t.Run(p.kind, func(t *testing.T) {
			runErrorCases(t, func() *fakeaws.Account {
				acct := mutableAccount()
				acct.Roles = []*fakeaws.Role{{Name: "existing"}}
				acct.Users = []*fakeaws.User{{Name: "bob"}}
				return acct
			}, cases)
		})
	}
}

// attachMany attaches n distinct AWS managed policies to the principal.
func attachMany(n int) func(ctx context.Context, c *iam.Client, p principalCalls) error {
	return func(ctx context.Context, c *iam.Client, p principalCalls) error {
		for i := 0; i < n; i++ {
			if err := p.attach(ctx, c, fmt.Sprintf("arn:aws:iam::aws:policy/Policy%02d", i)); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestServer_RoleListPagination(t *testing.T) {
	srv, c := mutableServer(t, fakeaws.WithMaxPageItems(3))
	ctx := t.Context()
	if err := createRole(t, c, "paged"); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 0; i < 7; i++ {
		want = append(want, fmt.Sprintf("k%d", i))
		must[*iam.TagRoleOutput](t)(c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("paged"), Tags: tagList(fmt.Sprintf("k%d", i), "v")}))
	}
	var got []string
	p := iam.NewListRoleTagsPaginator(c, &iam.ListRoleTagsInput{RoleName: aws.String("paged"), MaxItems: aws.Int32(1000)})
	for p.HasMorePages() {
		page := must[*iam.ListRoleTagsOutput](t)(p.NextPage(ctx))
		if len(page.Tags) > 3 || page.IsTruncated != (page.Marker != nil) {
			t.Errorf("page of %d tags, IsTruncated %v, Marker %v", len(page.Tags), page.IsTruncated, page.Marker)
		}
		for _, tag := range page.Tags {
			got = append(got, aws.ToString(tag.Key))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tags over all pages (-want +got):\n%s", diff)
	}
	if n := srv.CallCount("ListRoleTags"); n != 3 {
		t.Errorf("%d ListRoleTags calls for 7 tags at 3 a page, want 3", n)
	}

	page := must[*iam.ListRoleTagsOutput](t)(c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("paged"), MaxItems: aws.Int32(2)}))
	_, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("paged"), Marker: page.Marker})
	wantError(t, err, "ValidationError", 400, "Invalid Marker")
	_, err = c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("paged"), MaxItems: aws.Int32(0)})
	wantError(t, err, "ValidationError", 400, "")
}

// The members of the Role shape, in the model's order.
var roleMembers = []string{"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument", "Description",
	"MaxSessionDuration", "PermissionsBoundary", "Tags", "RoleLastUsed"}

func TestServer_MutationXML(t *testing.T) {
	acct := mutableAccount()
	acct.Roles = []*fakeaws.Role{{Name: "r", Description: "d", Boundary: boundary, Tags: []fakeaws.Tag{{Key: "k", Value: "v"}}, LastUsed: mutateNow}}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct))
	call := func(form url.Values) node {
		t.Helper()
		form.Set("Version", "2010-05-08")
		status, body := post(t, srv, keyA, form)
		if status != 200 {
			t.Fatalf("%s: status %d: %s", form.Get("Action"), status, body)
		}
		var doc node
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s: response is not well-formed XML: %v", form.Get("Action"), err)
		}
		return doc
	}

	doc := call(url.Values{"Action": {"GetRole"}, "RoleName": {"r"}})
	if diff := cmp.Diff(roleMembers, doc.child("GetRoleResult").child("Role").childNames()); diff != "" {
		t.Errorf("GetRole's Role members (-want +got):\n%s", diff)
	}
	if id := doc.child("ResponseMetadata").child("RequestId").Text; id == "" {
		t.Error("no RequestId")
	}

	// An action without output members answers with ResponseMetadata
	// only, as IAM does.
	doc = call(url.Values{"Action": {"TagRole"}, "RoleName": {"r"}, "Tags.member.1.Key": {"a"}, "Tags.member.1.Value": {"b"}})
	if diff := cmp.Diff([]string{"ResponseMetadata"}, doc.childNames()); diff != "" || doc.XMLName.Local != "TagRoleResponse" {
		t.Errorf("TagRole response %s members (-want +got):\n%s", doc.XMLName.Local, diff)
	}

	// Policy documents go in as plain form values and come back
	// URL-encoded (RFC 3986).
	call(url.Values{"Action": {"PutRolePolicy"}, "RoleName": {"r"}, "PolicyName": {"p"}, "PolicyDocument": {denyAll}})
	doc = call(url.Values{"Action": {"GetRolePolicy"}, "RoleName": {"r"}, "PolicyName": {"p"}})
	if got := doc.child("GetRolePolicyResult").child("PolicyDocument").Text; got != rfc3986(denyAll) {
		t.Errorf("PolicyDocument on the wire %q, want %q", got, rfc3986(denyAll))
	}

	doc = call(url.Values{"Action": {"GetAccountSummary"}})
	entry := doc.child("GetAccountSummaryResult").child("SummaryMap").child("entry")
	if diff := cmp.Diff([]string{"key", "value"}, entry.childNames()); diff != "" {
		t.Errorf("SummaryMap entry members (-want +got):\n%s", diff)
	}
}

func TestServer_MutationIDsAreDeterministic(t *testing.T) {
	run := func() []string {
		_, c := mutableServer(t)
		var ids []string
		for _, name := range []string{"a", "b"} {
			out := must[*iam.CreateRoleOutput](t)(c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ec2Trust)}))
			ids = append(ids, aws.ToString(out.Role.RoleId))
		}
		u := must[*iam.CreateUserOutput](t)(c.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("u")}))
		k := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(t.Context(), &iam.CreateAccessKeyInput{UserName: aws.String("u")}))
		return append(ids, aws.ToString(u.User.UserId), aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
	}
	first, second := run(), run()
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("IDs differ between runs of the same calls (-first +second):\n%s", diff)
	}
	if first[0] == first[1] {
		t.Errorf("two roles got the same ID %s", first[0])
	}
	if !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(first[3]) || len(first[4]) != 40 {
		t.Errorf("access key %q with a %d-character secret", first[3], len(first[4]))
	}
}
