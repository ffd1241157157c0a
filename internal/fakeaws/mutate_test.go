package fakeaws_test

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"regexp"
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
	steps := []struct {
		wantMessage string
		remove      func() error
	}{
		{"Cannot delete entity, must delete policies first.", func() error {
			_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("Deployer"), PolicyName: aws.String("quarantine")})
			return err
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
			_, err := c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("deployer-profile"), RoleName: aws.String("Deployer")})
			return err
		}},
	}
	for _, st := range steps {
		_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("Deployer")})
		wantError(t, err, "DeleteConflict", 409, st.wantMessage)
		if err := st.remove(); err != nil {
			t.Fatal(err)
		}
	}
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
	bigPolicy := func(size int) string {
		// A document of exactly size characters, white space excluded,
		// with white space around that IAM does not count.
		head := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::`
		tail := `"}]}`
		return strings.ReplaceAll(head, ",", ",\n    ") + strings.Repeat("b", size-len(head)-len(tail)) + tail
	}
	tests := []struct {
		name        string
		opts        []fakeaws.Option
		call        func(t *testing.T, c *iam.Client) error
		wantCode    string
		wantStatus  int
		wantMessage string
	}{
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
			name: "max session below an hour",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(ec2Trust), MaxSessionDuration: aws.Int32(3599)})
				return err
			},
			wantCode: "ValidationError", wantStatus: 400,
		},
		{
			name: "max session above twelve hours",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.UpdateRole(t.Context(), &iam.UpdateRoleInput{RoleName: aws.String("existing"), MaxSessionDuration: aws.Int32(43201)})
				return err
			},
			wantCode: "ValidationError", wantStatus: 400,
		},
		{
			name: "trust policy that is not JSON",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(`{"Version":`)})
				return err
			},
			wantCode: "MalformedPolicyDocument", wantStatus: 400, wantMessage: "Syntax errors in policy.",
		},
		{
			name: "trust policy without a principal",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.UpdateAssumeRolePolicy(t.Context(), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("existing"), PolicyDocument: aws.String(allowS3)})
				return err
			},
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
			name: "boundary that does not exist",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.PutRolePermissionsBoundary(t.Context(), &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("existing"), PermissionsBoundary: aws.String("arn:aws:iam::" + accountA + ":policy/gone")})
				return err
			},
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "Scope ARN: arn:aws:iam::" + accountA + ":policy/gone does not exist or is not attachable.",
		},
		{
			name:     "inline policy that is not JSON",
			call:     func(t *testing.T, c *iam.Client) error { return putRolePolicy(t, c, "p", `{"Statement": [}`) },
			wantCode: "MalformedPolicyDocument", wantStatus: 400, wantMessage: "Syntax errors in policy.",
		},
		{
			name:     "inline policy with a principal",
			call:     func(t *testing.T, c *iam.Client) error { return putRolePolicy(t, c, "p", ec2Trust) },
			wantCode: "MalformedPolicyDocument", wantStatus: 400, wantMessage: "Policy document should not specify a principal.",
		},
		{
			name: "inline policy with an unknown effect",
			call: func(t *testing.T, c *iam.Client) error {
				return putRolePolicy(t, c, "p", strings.Replace(allowS3, "Allow", "Permit", 1))
			},
			wantCode: "MalformedPolicyDocument", wantStatus: 400,
		},
		{
			name: "inline policies of exactly 10,240 characters",
			call: func(t *testing.T, c *iam.Client) error { return putRolePolicy(t, c, "p", bigPolicy(10240)) },
		},
		{
			name:     "inline policies over 10,240 characters",
			call:     func(t *testing.T, c *iam.Client) error { return putRolePolicy(t, c, "p", bigPolicy(10241)) },
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Maximum policy size of 10240 bytes exceeded for role existing",
		},
		{
			name: "inline policies over 10,240 characters together",
			call: func(t *testing.T, c *iam.Client) error {
				if err := putRolePolicy(t, c, "a", bigPolicy(6000)); err != nil {
					return err
				}
				return putRolePolicy(t, c, "b", bigPolicy(4300))
			},
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Maximum policy size of 10240 bytes exceeded for role existing",
		},
		{
			name: "replacing an inline policy counts the new document only",
			call: func(t *testing.T, c *iam.Client) error {
				if err := putRolePolicy(t, c, "a", bigPolicy(6000)); err != nil {
					return err
				}
				return putRolePolicy(t, c, "a", bigPolicy(10000))
			},
		},
		{
			name:     "role policy size quota from WithQuota",
			opts:     []fakeaws.Option{fakeaws.WithQuota("RolePolicySizeQuota", 200)},
			call:     func(t *testing.T, c *iam.Client) error { return putRolePolicy(t, c, "p", bigPolicy(201)) },
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Maximum policy size of 200 bytes exceeded for role existing",
		},
		{
			name: "delete an inline policy the role does not have",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.DeleteRolePolicy(t.Context(), &iam.DeleteRolePolicyInput{RoleName: aws.String("existing"), PolicyName: aws.String("nope")})
				return err
			},
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "The role policy with name nope cannot be found.",
		},
		{
			name: "get an inline policy the role does not have",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.GetRolePolicy(t.Context(), &iam.GetRolePolicyInput{RoleName: aws.String("existing"), PolicyName: aws.String("nope")})
				return err
			},
			wantCode: "NoSuchEntity", wantStatus: 404,
		},
		{
			name:     "attach an eleventh policy",
			call:     func(t *testing.T, c *iam.Client) error { return attachMany(t, c, 11) },
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Cannot exceed quota for PoliciesPerRole: 10",
		},
		{
			name: "attach an eleventh policy with the quota raised",
			opts: []fakeaws.Option{fakeaws.WithQuota("AttachedPoliciesPerRoleQuota", 20)},
			call: func(t *testing.T, c *iam.Client) error { return attachMany(t, c, 11) },
		},
		{
			name: "attach a policy twice",
			call: func(t *testing.T, c *iam.Client) error {
				if err := attachRole(t, c, denyAllMP); err != nil {
					return err
				}
				return attachRole(t, c, denyAllMP)
			},
		},
		{
			name: "attach a customer managed policy that does not exist",
			call: func(t *testing.T, c *iam.Client) error {
				return attachRole(t, c, "arn:aws:iam::"+accountA+":policy/gone")
			},
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "Policy arn:aws:iam::" + accountA + ":policy/gone does not exist or is not attachable.",
		},
		{
			name: "attach a policy of another account",
			call: func(t *testing.T, c *iam.Client) error {
				return attachRole(t, c, "arn:aws:iam::"+accountB+":policy/app-read")
			},
			wantCode: "NoSuchEntity", wantStatus: 404,
		},
		{
			name:     "attach something that is not a policy ARN",
			call:     func(t *testing.T, c *iam.Client) error { return attachRole(t, c, "arn:aws:s3:::some-bucket/key") },
			wantCode: "InvalidInput", wantStatus: 400,
		},
		{
			name: "detach a policy that is not attached",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.DetachRolePolicy(t.Context(), &iam.DetachRolePolicyInput{RoleName: aws.String("existing"), PolicyArn: aws.String(readOnly)})
				return err
			},
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "Policy " + readOnly + " was not found.",
		},
		{
			name: "tag a role to 51 tags",
			call: func(t *testing.T, c *iam.Client) error {
				for i := 0; i < 51; i += 10 {
					var kv []string
					for j := i; j < min(i+10, 51); j++ {
						kv = append(kv, fmt.Sprintf("k%02d", j), "v")
					}
					if _, err := c.TagRole(t.Context(), &iam.TagRoleInput{RoleName: aws.String("existing"), Tags: tagList(kv...)}); err != nil {
						return err
					}
				}
				return nil
			},
			wantCode: "LimitExceeded", wantStatus: 409,
		},
		{
			name: "tag keys repeated in another case",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.TagRole(t.Context(), &iam.TagRoleInput{RoleName: aws.String("existing"), Tags: tagList("a", "1", "A", "2")})
				return err
			},
			wantCode: "InvalidInput", wantStatus: 400,
		},
		{
			name: "a role that does not exist",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.GetRole(t.Context(), &iam.GetRoleInput{RoleName: aws.String("ghost")})
				return err
			},
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "The role with name ghost cannot be found.",
		},
		{
			name: "delete a role that does not exist",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.DeleteRole(t.Context(), &iam.DeleteRoleInput{RoleName: aws.String("ghost")})
				return err
			},
			wantCode: "NoSuchEntity", wantStatus: 404,
		},
		{
			name: "a second role for an instance profile",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.AddRoleToInstanceProfile(t.Context(), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("existing")})
				return err
			},
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
		},
		{
			name: "delete an instance profile that holds a role",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.DeleteInstanceProfile(t.Context(), &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("WEB")})
				return err
			},
			wantCode: "DeleteConflict", wantStatus: 409, wantMessage: "Cannot delete entity, must remove roles from instance profile first.",
		},
		{
			name: "create an instance profile whose name exists",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.CreateInstanceProfile(t.Context(), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("Web")})
				return err
			},
			wantCode: "EntityAlreadyExists", wantStatus: 409,
		},
		{
			name: "delete a service-linked role",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.DeleteRole(t.Context(), &iam.DeleteRoleInput{RoleName: aws.String("AWSServiceRoleForSupport")})
				return err
			},
			wantCode: "UnmodifiableEntity", wantStatus: 400,
			wantMessage: "Cannot perform the operation on the protected role 'AWSServiceRoleForSupport' - this role is only modifiable by AWS",
		},
		{
			name: "quarantine a service-linked role",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.PutRolePolicy(t.Context(), &iam.PutRolePolicyInput{RoleName: aws.String("AWSServiceRoleForSupport"), PolicyName: aws.String("q"), PolicyDocument: aws.String(denyAll)})
				return err
			},
			wantCode: "UnmodifiableEntity", wantStatus: 400,
		},
		{
			name: "attach to a service-linked role",
			call: func(t *testing.T, c *iam.Client) error {
				_, err := c.AttachRolePolicy(t.Context(), &iam.AttachRolePolicyInput{RoleName: aws.String("AWSServiceRoleForSupport"), PolicyArn: aws.String(denyAllMP)})
				return err
			},
			wantCode: "UnmodifiableEntity", wantStatus: 400,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct := mutableAccount()
			acct.Roles = []*fakeaws.Role{
				{Name: "existing", InstanceProfiles: []fakeaws.InstanceProfile{{Name: "web"}}},
				{Name: "AWSServiceRoleForSupport", Path: "/aws-service-role/support.amazonaws.com/"},
			}
			srv := fakeaws.New(t, append([]fakeaws.Option{fakeaws.WithAccounts(acct)}, tt.opts...)...)
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

func createRole(t *testing.T, c *iam.Client, name string, path ...string) error {
	in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(ec2Trust)}
	if len(path) > 0 {
		in.Path = aws.String(path[0])
	}
	_, err := c.CreateRole(t.Context(), in)
	return err
}

func putRolePolicy(t *testing.T, c *iam.Client, name, doc string) error {
	_, err := c.PutRolePolicy(t.Context(), &iam.PutRolePolicyInput{RoleName: aws.String("existing"), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
	return err
}

func attachRole(t *testing.T, c *iam.Client, arn string) error {
	_, err := c.AttachRolePolicy(t.Context(), &iam.AttachRolePolicyInput{RoleName: aws.String("existing"), PolicyArn: aws.String(arn)})
	return err
}

// attachMany attaches n distinct AWS managed policies to the role
// "existing".
func attachMany(t *testing.T, c *iam.Client, n int) error {
	for i := 0; i < n; i++ {
		if err := attachRole(t, c, fmt.Sprintf("arn:aws:iam::aws:policy/Policy%02d", i)); err != nil {
			return err
		}
	}
	return nil
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
