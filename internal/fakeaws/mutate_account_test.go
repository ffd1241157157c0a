package fakeaws_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// gaadAll reads every page of GetAccountAuthorizationDetails.
func gaadAll(t *testing.T, c *iam.Client, filter ...types.EntityType) *iam.GetAccountAuthorizationDetailsOutput {
	t.Helper()
	all := &iam.GetAccountAuthorizationDetailsOutput{}
	p := iam.NewGetAccountAuthorizationDetailsPaginator(c, &iam.GetAccountAuthorizationDetailsInput{Filter: filter, MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page := must[*iam.GetAccountAuthorizationDetailsOutput](t)(p.NextPage(t.Context()))
		all.UserDetailList = append(all.UserDetailList, page.UserDetailList...)
		all.GroupDetailList = append(all.GroupDetailList, page.GroupDetailList...)
		all.RoleDetailList = append(all.RoleDetailList, page.RoleDetailList...)
		all.Policies = append(all.Policies, page.Policies...)
	}
	return all
}

func TestServer_MutationsInAuthorizationDetails(t *testing.T) {
	acct := mutableAccount()
	acct.Roles = []*fakeaws.Role{{Name: "seeded", Inline: []fakeaws.InlinePolicy{{Name: "old", Document: allowS3}}}}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithClock(func() time.Time { return mutateNow }))
	c := iamClient(srv, keyA)
	ctx := t.Context()

	// Read once, so that the seeded role's RoleDetail is cached.
	before := gaadAll(t, c, types.EntityTypeRole)
	if len(before.RoleDetailList) != 1 || len(before.RoleDetailList[0].RolePolicyList) != 1 {
		t.Fatalf("seeded roles %+v", before.RoleDetailList)
	}

	// Quarantine the seeded role, create a role and a user.
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("seeded"), PolicyName: aws.String("quarantine"), PolicyDocument: aws.String(denyAll)}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("seeded"), PolicyArn: aws.String(denyAllMP)}))
	must[*iam.TagRoleOutput](t)(c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("seeded"), Tags: tagList("iamsweep:quarantined", "2026-05-04")}))
	must[*iam.UpdateAssumeRolePolicyOutput](t)(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("seeded"), PolicyDocument: aws.String(ec2Trust)}))
	must[*iam.CreateInstanceProfileOutput](t)(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("seeded-profile")}))
	must[*iam.AddRoleToInstanceProfileOutput](t)(c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("seeded-profile"), RoleName: aws.String("seeded")}))
	must[*iam.TagInstanceProfileOutput](t)(c.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("seeded-profile"), Tags: tagList("k", "v")}))
	if err := createRole(t, c, "new-role"); err != nil {
		t.Fatal(err)
	}
	must[*iam.PutRolePermissionsBoundaryOutput](t)(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("new-role"), PermissionsBoundary: aws.String(boundary)}))
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dave")}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops"), Path: aws.String("/teams/")}))
	must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("ops"), UserName: aws.String("dave")}))
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dave"), PolicyName: aws.String("q"), PolicyDocument: aws.String(denyAll)}))
	must[*iam.AttachUserPolicyOutput](t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("dave"), PolicyArn: aws.String(customer)}))

	all := gaadAll(t, c)
	if diff := cmp.Diff([]string{"new-role", "seeded"}, detailNames(all.RoleDetailList)); diff != "" {
		t.Fatalf("roles (-want +got):\n%s", diff)
	}
	seeded := all.RoleDetailList[1]
	var inline []string
	for _, p := range seeded.RolePolicyList {
		inline = append(inline, aws.ToString(p.PolicyName)+"="+decoded(t, p.PolicyDocument))
	}
	if diff := cmp.Diff([]string{"old=" + allowS3, "quarantine=" + denyAll}, inline); diff != "" {
		t.Errorf("seeded role's inline policies (-want +got):\n%s", diff)
	}
	if len(seeded.AttachedManagedPolicies) != 1 || aws.ToString(seeded.AttachedManagedPolicies[0].PolicyArn) != denyAllMP ||
		cmp.Diff(tagList("iamsweep:quarantined", "2026-05-04"), seeded.Tags, ignoreIAM) != "" || decoded(t, seeded.AssumeRolePolicyDocument) != ec2Trust {
		t.Errorf("seeded role after quarantine: attached %+v, tags %+v, trust %s", seeded.AttachedManagedPolicies, seeded.Tags, decoded(t, seeded.AssumeRolePolicyDocument))
	}
	if len(seeded.InstanceProfileList) != 1 || aws.ToString(seeded.InstanceProfileList[0].InstanceProfileName) != "seeded-profile" ||
		len(seeded.InstanceProfileList[0].Roles) != 1 || cmp.Diff(tagList("k", "v"), seeded.InstanceProfileList[0].Tags, ignoreIAM) != "" {
		t.Errorf("seeded role's instance profiles %+v", seeded.InstanceProfileList)
	}
	if b := all.RoleDetailList[0].PermissionsBoundary; b == nil || aws.ToString(b.PermissionsBoundaryArn) != boundary {
		t.Errorf("new role's boundary %+v", b)
	}
	if len(all.UserDetailList) != 1 || aws.ToString(all.UserDetailList[0].UserName) != "dave" {
		t.Fatalf("users %+v", all.UserDetailList)
	}
	dave := all.UserDetailList[0]
	if cmp.Diff([]string{"ops"}, dave.GroupList) != "" || len(dave.UserPolicyList) != 1 || len(dave.AttachedManagedPolicies) != 1 {
		t.Errorf("dave: groups %v, inline %d, attached %d", dave.GroupList, len(dave.UserPolicyList), len(dave.AttachedManagedPolicies))
	}
	if len(all.GroupDetailList) != 1 || aws.ToString(all.GroupDetailList[0].Arn) != "arn:aws:iam::"+accountA+":group/teams/ops" {
		t.Errorf("groups %+v", all.GroupDetailList)
	}
	// Policies: the account's customer managed ones, then the AWS managed
	// ones in use.
	type usage struct {
		ARN                     string
		Attachments, Boundaries int32
		Document                string
	}
	var policies []usage
	for _, p := range all.Policies {
		if len(p.PolicyVersionList) != 1 || !p.PolicyVersionList[0].IsDefaultVersion || aws.ToString(p.DefaultVersionId) != "v1" {
			t.Errorf("policy %s versions %+v", aws.ToString(p.Arn), p.PolicyVersionList)
			continue
		}
		policies = append(policies, usage{aws.ToString(p.Arn), aws.ToInt32(p.AttachmentCount), aws.ToInt32(p.PermissionsBoundaryUsageCount), decoded(t, p.PolicyVersionList[0].Document)})
	}
	want := []usage{{customer, 1, 0, allowS3}, {boundary, 0, 1, allowS3}, {denyAllMP, 1, 0,
		`{"Version":"2012-10-17","Statement":[{"Sid":"DenyAll","Effect":"Deny","Action":["*"],"Resource":"*"}]}`}}
	if diff := cmp.Diff(want, policies); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	local := gaadAll(t, c, types.EntityTypeLocalManagedPolicy)
	if len(local.Policies) != 2 || len(local.RoleDetailList)+len(local.UserDetailList)+len(local.GroupDetailList) != 0 {
		t.Errorf("LocalManagedPolicy filter: %d policies, %d other entities", len(local.Policies), len(local.RoleDetailList)+len(local.UserDetailList)+len(local.GroupDetailList))
	}

	// And the other way: removing shows too.
	must[*iam.RemoveRoleFromInstanceProfileOutput](t)(c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("seeded-profile"), RoleName: aws.String("seeded")}))
	must[*iam.DetachRolePolicyOutput](t)(c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("seeded"), PolicyArn: aws.String(denyAllMP)}))
	must[*iam.DeleteRolePolicyOutput](t)(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("seeded"), PolicyName: aws.String("quarantine")}))
	must[*iam.UntagRoleOutput](t)(c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("seeded"), TagKeys: []string{"iamsweep:quarantined"}}))
	after := gaadAll(t, c, types.EntityTypeRole, types.EntityTypeAWSManagedPolicy)
	seeded = after.RoleDetailList[1]
	if len(seeded.RolePolicyList) != 1 || len(seeded.AttachedManagedPolicies) != 0 || len(seeded.Tags) != 0 || len(seeded.InstanceProfileList) != 0 || len(after.Policies) != 0 {
		t.Errorf("after release: inline %d, attached %d, tags %d, profiles %d, AWS policies in use %d",
			len(seeded.RolePolicyList), len(seeded.AttachedManagedPolicies), len(seeded.Tags), len(seeded.InstanceProfileList), len(after.Policies))
	}
}

func TestServer_MutationsInCredentialReport(t *testing.T) {
	clock := &testClock{now: mutateNow}
	acct := mutableAccount()
	acct.Users = []*fakeaws.User{{Name: "bob", AccessKeys: []*fakeaws.AccessKey{{ID: "AKIABOBBOBBOBBOBBOB1"}}}}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithClock(clock.Now), fakeaws.WithReportDelay(0))
	c := iamClient(srv, keyA)
	ctx := t.Context()
	report := func() map[string]map[string]string {
		t.Helper()
		must[*iam.GenerateCredentialReportOutput](t)(c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}))
		out := must[*iam.GetCredentialReportOutput](t)(c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{}))
		rows, err := csv.NewReader(bytes.NewReader(out.Content)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		byUser := map[string]map[string]string{}
		for _, row := range rows[1:] {
			m := map[string]string{}
			for i, h := range rows[0] {
				m[h] = row[i]
			}
			byUser[row[0]] = m
		}
		return byUser
	}
	first := report()
	if _, ok := first["carol"]; ok || first["bob"]["access_key_1_active"] != "true" {
		t.Fatalf("first report %v", first)
	}

	must[*iam.UpdateAccessKeyOutput](t)(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String("AKIABOBBOBBOBBOBBOB1"), Status: types.StatusTypeInactive}))
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}))
	equipUser(t, c, "carol")

	// The report is a snapshot: the changes are in the next one, which
	// IAM generates once the last is four hours old.
	if second := report(); second["carol"] != nil || second["bob"]["access_key_1_active"] != "true" {
		t.Errorf("a report within four hours changed: %v", second)
	}
	clock.Advance(4*time.Hour + time.Minute)
	third := report()
	if got := third["bob"]["access_key_1_active"]; got != "false" {
		t.Errorf("bob's deactivated key: access_key_1_active %q", got)
	}
	carol := third["carol"]
	stamp := mutateNow.Format("2006-01-02T15:04:05+00:00")
	want := map[string]string{
		"user": "carol", "arn": "arn:aws:iam::" + accountA + ":user/carol", "user_creation_time": stamp,
		"password_enabled": "true", "password_last_used": "no_information", "password_last_changed": stamp, "mfa_active": "true",
		"access_key_1_active": "true", "access_key_1_last_rotated": stamp, "access_key_2_active": "false",
		"cert_1_active": "true", "cert_1_last_rotated": stamp, "cert_2_active": "false",
	}
	for k, v := range want {
		if carol[k] != v {
			t.Errorf("carol's %s = %q, want %q", k, carol[k], v)
		}
	}
}

func TestServer_ServiceLinkedRoleDeletion(t *testing.T) {
	taskID := regexp.MustCompile(`^task/aws-service-role/([a-z0-9.-]+)/([\w+=,.@-]+)/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	usage := fakeaws.RoleUsage{Region: "eu-west-1", Resources: []string{"arn:aws:autoscaling:eu-west-1:" + accountA + ":autoScalingGroup:x:autoScalingGroupName/web"}}
	tests := []struct {
		name       string
		opts       []fakeaws.Option
		wantStatus []types.DeletionTaskStatusType
		wantReason *types.DeletionTaskFailureReasonType
		wantGone   bool
	}{
		{
			name:       "default: one poll in progress",
			wantStatus: []types.DeletionTaskStatusType{"IN_PROGRESS", "SUCCEEDED", "SUCCEEDED"},
			wantGone:   true,
		},
		{
			name:       "three polls in progress",
			opts:       []fakeaws.Option{fakeaws.WithServiceLinkedRoleDeletionPolls(3)},
			wantStatus: []types.DeletionTaskStatusType{"IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"},
			wantGone:   true,
		},
		{
			name:       "no poll in progress",
			opts:       []fakeaws.Option{fakeaws.WithServiceLinkedRoleDeletionPolls(0)},
			wantStatus: []types.DeletionTaskStatusType{"SUCCEEDED"},
			wantGone:   true,
		},
		{
			name:       "role in use",
			opts:       []fakeaws.Option{fakeaws.WithServiceLinkedRoleInUse("", "AWSServiceRoleForAutoScaling", "the role is used by an Auto Scaling group", usage)},
			wantStatus: []types.DeletionTaskStatusType{"IN_PROGRESS", "FAILED", "FAILED"},
			wantReason: &types.DeletionTaskFailureReasonType{
				Reason:        aws.String("the role is used by an Auto Scaling group"),
				RoleUsageList: []types.RoleUsageType{{Region: aws.String("eu-west-1"), Resources: usage.Resources}},
			},
		},
		{
			name:       "role in use in another account",
			opts:       []fakeaws.Option{fakeaws.WithServiceLinkedRoleInUse(accountB, "AWSServiceRoleForAutoScaling", "in use")},
			wantStatus: []types.DeletionTaskStatusType{"IN_PROGRESS", "SUCCEEDED"},
			wantGone:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := mutableServer(t, tt.opts...)
			ctx := t.Context()
			slr := must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com")}))
			if name, path := aws.ToString(slr.Role.RoleName), aws.ToString(slr.Role.Path); name != "AWSServiceRoleForAutoScaling" || path != "/aws-service-role/autoscaling.amazonaws.com/" {
				t.Fatalf("service-linked role %s at %s", name, path)
			}
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: slr.Role.RoleName})
			wantError(t, err, "UnmodifiableEntity", 400, "")

			task := must[*iam.DeleteServiceLinkedRoleOutput](t)(c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: slr.Role.RoleName}))
			m := taskID.FindStringSubmatch(aws.ToString(task.DeletionTaskId))
			if m == nil || m[1] != "autoscaling.amazonaws.com" || m[2] != "AWSServiceRoleForAutoScaling" {
				t.Fatalf("DeletionTaskId %q", aws.ToString(task.DeletionTaskId))
			}
			var statuses []types.DeletionTaskStatusType
			var last *iam.GetServiceLinkedRoleDeletionStatusOutput
			for range tt.wantStatus {
				last = must[*iam.GetServiceLinkedRoleDeletionStatusOutput](t)(c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: task.DeletionTaskId}))
				statuses = append(statuses, last.Status)
			}
			if diff := cmp.Diff(tt.wantStatus, statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantReason, last.Reason, ignoreIAM); diff != "" {
				t.Errorf("Reason (-want +got):\n%s", diff)
			}
			_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: slr.Role.RoleName})
			if tt.wantGone {
				wantError(t, err, "NoSuchEntity", 404, "")
			} else if err != nil {
				t.Errorf("role gone after a failed deletion: %v", err)
			}
		})
	}

	t.Run("unknown task", func(t *testing.T) {
		_, c := mutableServer(t)
		_, err := c.GetServiceLinkedRoleDeletionStatus(t.Context(), &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String("task/aws-service-role/x.amazonaws.com/AWSServiceRoleForX/00000000-0000-4000-a000-000000000000")})
		wantError(t, err, "NoSuchEntity", 404, "")
	})
	t.Run("name taken", func(t *testing.T) {
		_, c := mutableServer(t)
		for i, want := range []string{"", "InvalidInput"} {
			_, err := c.CreateServiceLinkedRole(t.Context(), &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("support.amazonaws.com")})
			if want == "" && err != nil {
				t.Fatalf("call %d: %v", i+1, err)
			}
			if want != "" {
				wantError(t, err, want, 400, "Service role name AWSServiceRoleForSupport has been taken in this account, please try a different suffix.")
			}
		}
		out := must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(t.Context(), &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("support.amazonaws.com"), CustomSuffix: aws.String("two")}))
		if aws.ToString(out.Role.RoleName) != "AWSServiceRoleForSupport_two" {
			t.Errorf("role with a suffix %s", aws.ToString(out.Role.RoleName))
		}
	})
	t.Run("not a service-linked role", func(t *testing.T) {
		_, c := mutableServer(t)
		if err := createRole(t, c, "plain", "/service-role/"); err != nil {
			t.Fatal(err)
		}
		_, err := c.DeleteServiceLinkedRole(t.Context(), &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("plain")})
		wantError(t, err, "InvalidInput", 400, "")
	})
	t.Run("bad options", func(t *testing.T) {
		if _, err := fakeaws.NewServer(fakeaws.WithServiceLinkedRoleDeletionPolls(-1)); err == nil {
			t.Error("negative polls accepted")
		}
		if _, err := fakeaws.NewServer(fakeaws.WithServiceLinkedRoleInUse("", "", "x")); err == nil {
			t.Error("in-use role without a name accepted")
		}
	})
}

func TestServer_GetAccountSummary(t *testing.T) {
	acct := mutableAccount()
	acct.Roles = []*fakeaws.Role{{Name: "r", Attached: []fakeaws.AttachedPolicy{{Name: "AWSDenyAll", ARN: denyAllMP}}, InstanceProfiles: []fakeaws.InstanceProfile{{Name: "p"}}}}
	acct.Users = []*fakeaws.User{{Name: "u", MFA: true, Groups: []string{"g"}}}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithQuota("AttachedPoliciesPerRoleQuota", 20))
	c := iamClient(srv, keyA)
	out := must[*iam.GetAccountSummaryOutput](t)(c.GetAccountSummary(t.Context(), &iam.GetAccountSummaryInput{}))
	want := map[string]int32{
		"RolePolicySizeQuota": 10240, "UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120, "PolicySizeQuota": 6144,
		"AttachedPoliciesPerRoleQuota": 20, "AttachedPoliciesPerUserQuota": 10, "AttachedPoliciesPerGroupQuota": 10,
		"AssumeRolePolicySizeQuota": 2048, "AccessKeysPerUserQuota": 2, "VersionsPerPolicyQuota": 5,
		"Roles": 1, "Users": 1, "Groups": 1, "Policies": 2, "InstanceProfiles": 1, "MFADevices": 1, "MFADevicesInUse": 1,
		"PolicyVersionsInUse": 1, "AccountAccessKeysPresent": 0,
	}
	for k, v := range want {
		got, ok := out.SummaryMap[k]
		if !ok || got != v {
			t.Errorf("SummaryMap[%s] = %d (present %v), want %d", k, got, ok, v)
		}
	}
	for k := range out.SummaryMap {
		known := false
		for _, v := range types.SummaryKeyType("").Values() {
			known = known || string(v) == k
		}
		if !known {
			t.Errorf("SummaryMap key %s is not in the model's SummaryKeyType", k)
		}
	}
	if _, err := fakeaws.NewServer(fakeaws.WithQuota("NoSuchQuota", 1)); err == nil {
		t.Error("unknown quota accepted")
	}
}

func TestServer_ListAccountAliases(t *testing.T) {
	for _, tc := range []struct {
		alias string
		want  []string
	}{
		{"", []string{}},
		{"example-prod", []string{"example-prod"}},
	} {
		acct := mutableAccount()
		acct.Alias = tc.alias
		srv := fakeaws.New(t, fakeaws.WithAccounts(acct))
		c := iamClient(srv, keyA)
		out := must[*iam.ListAccountAliasesOutput](t)(c.ListAccountAliases(t.Context(), &iam.ListAccountAliasesInput{}))
		if diff := cmp.Diff(tc.want, out.AccountAliases); diff != "" || out.IsTruncated || out.Marker != nil {
			t.Errorf("alias %q: AccountAliases (-want +got):\n%s (IsTruncated %v, Marker %v)", tc.alias, diff, out.IsTruncated, out.Marker)
		}
		// MaxItems outside 1-1000 is IAM's ValidationError.
		var apiErr smithy.APIError
		if _, err := c.ListAccountAliases(t.Context(), &iam.ListAccountAliasesInput{MaxItems: aws.Int32(0)}); !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationError" {
			t.Errorf("MaxItems 0: err = %v, want ValidationError", err)
		}
	}
}

// TestServer_ListAccessKeysPages: ListAccessKeys pages like every IAM list
// call, also when WithMaxPageItems makes pages shorter than MaxItems.
func TestServer_ListAccessKeysPages(t *testing.T) {
	acct := mutableAccount()
	acct.Users = []*fakeaws.User{{Name: "two-keys", AccessKeys: []*fakeaws.AccessKey{{ID: "AKIAAAAAAAAAAAAAAAA1"}, {ID: "AKIAAAAAAAAAAAAAAAA2", Inactive: true}}}}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithMaxPageItems(1))
	c := iamClient(srv, keyA)
	var ids []string
	pages := 0
	p := iam.NewListAccessKeysPaginator(c, &iam.ListAccessKeysInput{UserName: aws.String("two-keys")})
	for p.HasMorePages() {
		page := must[*iam.ListAccessKeysOutput](t)(p.NextPage(t.Context()))
		pages++
		for _, k := range page.AccessKeyMetadata {
			ids = append(ids, aws.ToString(k.AccessKeyId)+" "+string(k.Status))
		}
	}
	if diff := cmp.Diff([]string{"AKIAAAAAAAAAAAAAAAA1 Active", "AKIAAAAAAAAAAAAAAAA2 Inactive"}, ids); diff != "" || pages != 2 {
		t.Errorf("%d pages; keys (-want +got):\n%s", pages, diff)
	}
}
