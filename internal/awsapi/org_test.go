package awsapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// sampleOrg serves the fake's sample organization, called as a user of its
// management account.
func sampleOrg(t *testing.T, extra ...fakeaws.Option) (*fakeaws.Server, *Org) {
	t.Helper()
	org, accounts := fakeaws.SampleOrganization()
	opts := append([]fakeaws.Option{
		fakeaws.WithAccounts(accounts...),
		fakeaws.WithOrganization(org),
		fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement),
		fakeaws.WithReportDelay(0),
	}, extra...)
	srv := fakeaws.New(t, opts...)
	cfg := testConfig(srv)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(fakeaws.SampleCallerKey, "secret", "")
	return srv, NewOrg(cfg, quietLogger(), OrgOptions{Client: Options{ReportPoll: time.Millisecond}})
}

func TestOrg_Accounts(t *testing.T) {
	_, org := sampleOrg(t)
	tests := []struct {
		name string
		ous  []string
		want []string
	}{
		{"every account", nil, []string{"100000000001", "100000000002", "100000000003", "100000000004", "100000000005", "100000000006", "100000000009"}},
		{"an OU and its children", []string{fakeaws.SampleWorkloadsOU}, []string{"100000000002", "100000000003", "100000000004", "100000000005"}},
		{"nested OU", []string{fakeaws.SampleDevOU}, []string{"100000000004", "100000000005"}},
		{"overlapping OUs counted once", []string{fakeaws.SampleDevOU, fakeaws.SampleSandboxOU, fakeaws.SampleSecurityOU}, []string{"100000000004", "100000000005", "100000000006"}},
		{"the root", []string{"r-samp"}, []string{"100000000001", "100000000002", "100000000003", "100000000004", "100000000005", "100000000006", "100000000009"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accts, err := org.Accounts(t.Context(), tt.ous)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, a := range accts {
				ids = append(ids, a.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("accounts (-want +got):\n%s", diff)
			}
		})
	}
	accts, _ := org.Accounts(t.Context(), nil)
	if accts[1] != (iamsweep.Account{ID: "100000000002", Name: "prod-a", Status: "ACTIVE"}) || accts[6].Status != "SUSPENDED" {
		t.Errorf("names and statuses: %+v", accts)
	}
	if _, err := org.Accounts(t.Context(), []string{"ou-samp-99999999"}); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("unknown OU: err %v, want ErrNotFound", err)
	}
}

func TestOrg_AccountsNotManagement(t *testing.T) {
	srv, _ := sampleOrg(t, fakeaws.WithCredentials("AKIAMEMBERDEV0000001", fakeaws.SampleDev))
	cfg := testConfig(srv)
	cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIAMEMBERDEV0000001", "secret", "")
	_, err := NewOrg(cfg, quietLogger(), OrgOptions{}).Accounts(t.Context(), nil)
	if !errors.Is(err, iamsweep.ErrAccessDenied) || iamsweep.ErrorCode(err) != "AccessDeniedException" {
		t.Errorf("err = %v (code %q), want access denied", err, iamsweep.ErrorCode(err))
	}
}

// TestOrg_Describe: the accounts of an explicit list, described in the
// order given, with DescribeAccount for a short list and ListAccounts for
// a long one; an account outside the organization keeps its ID alone.
func TestOrg_Describe(t *testing.T) {
	srv, org := sampleOrg(t)
	ids := []string{fakeaws.SampleSuspended, fakeaws.SampleProdA, "999999999999"}
	want := []iamsweep.Account{
		{ID: fakeaws.SampleSuspended, Name: "closed-project", Status: "SUSPENDED"},
		{ID: fakeaws.SampleProdA, Name: "prod-a", Status: "ACTIVE"},
		{ID: "999999999999"},
	}
	srv.ResetCalls()
	got, err := org.Describe(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("short list (-want +got):\n%s", diff)
	}
	if n := srv.CallCount("DescribeAccount"); n != 3 || srv.CallCount("ListAccounts") != 0 {
		t.Errorf("short list: %d DescribeAccount and %d ListAccounts calls, want 3 and 0", n, srv.CallCount("ListAccounts"))
	}

	// More than describeEach: one listing of the organization instead.
	long := append([]string(nil), ids...)
	for i := len(long); i <= describeEach; i++ {
		long = append(long, fmt.Sprintf("9999999999%02d", i))
	}
	srv.ResetCalls()
	got, err = org.Describe(t.Context(), long)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got[:3]); diff != "" || len(got) != len(long) || got[len(got)-1] != (iamsweep.Account{ID: long[len(long)-1]}) {
		t.Errorf("long list (-want +got):\n%s\n%+v", diff, got)
	}
	if srv.CallCount("DescribeAccount") != 0 || srv.CallCount("ListAccounts") == 0 {
		t.Errorf("long list: %d DescribeAccount, %d ListAccounts calls", srv.CallCount("DescribeAccount"), srv.CallCount("ListAccounts"))
	}

	// A member account may not read the organization.
	srv2, _ := sampleOrg(t, fakeaws.WithCredentials("AKIAMEMBERDEV0000001", fakeaws.SampleDev))
	member := testConfig(srv2)
	member.Credentials = credentials.NewStaticCredentialsProvider("AKIAMEMBERDEV0000001", "secret", "")
	if _, err := NewOrg(member, quietLogger(), OrgOptions{}).Describe(t.Context(), ids); !errors.Is(err, iamsweep.ErrAccessDenied) {
		t.Errorf("a member's Describe: err %v, want access denied", err)
	}
}

func TestOrg_Inventory(t *testing.T) {
	srv, org := sampleOrg(t)
	ctx := t.Context()
	caller, err := org.Caller(ctx)
	if err != nil || caller.ID != fakeaws.SampleManagement {
		t.Fatalf("caller %+v, %v", caller, err)
	}

	// The caller's own account: its own credentials, no AssumeRole.
	srv.ResetCalls()
	inv, err := org.Inventory(ctx, iamsweep.Account{ID: fakeaws.SampleManagement})
	if err != nil {
		t.Fatal(err)
	}
	roles, err := collectRoles(ctx, inv.(*Client))
	if err != nil || len(roles) != 3 || roles[0].AccountID != fakeaws.SampleManagement {
		t.Errorf("management roles %v, %v", roleNames(roles), err)
	}
	if n := srv.CallCount("AssumeRole"); n != 0 {
		t.Errorf("%d AssumeRole calls for the caller's own account", n)
	}

	// A member: the assumed role's credentials act in that account.
	inv, err = org.Inventory(ctx, iamsweep.Account{ID: fakeaws.SampleProdA})
	if err != nil {
		t.Fatal(err)
	}
	roles, err = collectRoles(ctx, inv.(*Client))
	if err != nil || len(roles) != 3 || roles[0].AccountID != fakeaws.SampleProdA {
		t.Errorf("member roles %v, %v", roleNames(roles), err)
	}
	users, err := collectUsers(ctx, inv.(*Client))
	if err != nil || len(users) != 2 {
		t.Errorf("member users %d, %v", len(users), err)
	}
	if n := srv.CallCount("AssumeRole"); n != 1 {
		t.Errorf("%d AssumeRole calls for one member, want 1 (credentials are cached)", n)
	}

	// The audit account has no role to assume.
	_, err = org.Inventory(ctx, iamsweep.Account{ID: fakeaws.SampleAudit})
	if !errors.Is(err, iamsweep.ErrAccessDenied) || iamsweep.ErrorCode(err) != "AccessDenied" ||
		!strings.Contains(err.Error(), "arn:aws:iam::100000000006:role/OrganizationAccountAccessRole") {
		t.Errorf("audit: err %v, want AccessDenied naming the role", err)
	}
}

func TestOrg_ExternalIDAndTemplate(t *testing.T) {
	org, accounts := fakeaws.SampleOrganization()
	accounts[1].Roles = append(accounts[1].Roles, &fakeaws.Role{Name: "iamsweep-scan", Path: "/security/",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::100000000001:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cret"}}}]}`})
	srv := fakeaws.New(t, fakeaws.WithAccounts(accounts...), fakeaws.WithOrganization(org),
		fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement))
	cfg := testConfig(srv)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(fakeaws.SampleCallerKey, "secret", "")
	for _, tt := range []struct {
		role, externalID string
		ok               bool
	}{
		{"security/iamsweep-scan", "s3cret", true},
		{"arn:aws:iam::{account}:role/security/iamsweep-scan", "s3cret", true},
		{"security/iamsweep-scan", "wrong", false},
		{"security/iamsweep-scan", "", false},
	} {
		o := NewOrg(cfg, quietLogger(), OrgOptions{Role: tt.role, ExternalID: tt.externalID})
		_, err := o.Inventory(t.Context(), iamsweep.Account{ID: fakeaws.SampleProdA})
		if (err == nil) != tt.ok {
			t.Errorf("role %q, external ID %q: err %v, want ok %v", tt.role, tt.externalID, err, tt.ok)
		}
		if got := o.RoleARN("100000000002"); got != "arn:aws:iam::100000000002:role/security/iamsweep-scan" {
			t.Errorf("RoleARN = %s", got)
		}
	}
}

// TestOrgPolicy_CoversEveryCall checks that policies/iamsweep-org.json
// allows every Organizations and STS call an organization scan makes from
// the central account (GetCallerIdentity needs no permission), and no more.
func TestOrgPolicy_CoversEveryCall(t *testing.T) {
	srv, org := sampleOrg(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := org.Accounts(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := org.Accounts(ctx, []string{fakeaws.SampleWorkloadsOU}); err != nil {
		t.Fatal(err)
	}
	if _, err := org.Inventory(ctx, iamsweep.Account{ID: fakeaws.SampleProdA}); err != nil {
		t.Fatal(err)
	}
	if _, err := org.Describe(ctx, []string{fakeaws.SampleProdA}); err != nil {
		t.Fatal(err)
	}
	doc, err := readPolicyFile("../../policies/iamsweep-org.json")
	if err != nil {
		t.Fatal(err)
	}
	var called []string
	for _, a := range srv.Actions() {
		if strings.HasPrefix(a, "iam:") || a == "sts:GetCallerIdentity" {
			continue
		}
		called = append(called, a)
	}
	var granted []string
	for _, s := range doc.Statements {
		granted = append(granted, s.Actions...)
	}
	slices.Sort(granted)
	if diff := cmp.Diff(granted, called); diff != "" {
		t.Errorf("policies/iamsweep-org.json grants (-) versus the calls an organization scan makes (+):\n%s", diff)
	}
}

func readPolicyFile(path string) (iamsweep.PolicyDocument, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return iamsweep.PolicyDocument{}, err
	}
	return policy.Parse(data)
}

func TestOrg_Mutator(t *testing.T) {
	srv, org := sampleOrg(t)
	ctx := t.Context()
	arn, err := org.CallerARN(ctx)
	if err != nil || arn != "arn:aws:iam::"+fakeaws.SampleManagement+":user/fakeaws-caller" {
		t.Errorf("CallerARN = %q, %v", arn, err)
	}

	// The caller's own account: its own credentials, no AssumeRole.
	srv.ResetCalls()
	m, err := org.Mutator(ctx, iamsweep.Account{ID: fakeaws.SampleManagement})
	if err != nil {
		t.Fatal(err)
	}
	role, err := m.ReadRole(ctx, "app-role")
	if err != nil || role.AccountID != fakeaws.SampleManagement {
		t.Errorf("management role %+v, %v", role, err)
	}
	if n := srv.CallCount("AssumeRole"); n != 0 {
		t.Errorf("%d AssumeRole calls for the caller's own account", n)
	}

	// A member: changes land in that account, through the assumed role.
	m, err = org.Mutator(ctx, iamsweep.Account{ID: fakeaws.SampleProdA})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Do(ctx, iamsweep.Step{Op: iamsweep.OpTagRole, Name: "legacy-role", Tags: []iamsweep.Tag{{Key: "k", Value: "v"}}}); err != nil {
		t.Fatal(err)
	}
	role, err = m.ReadRole(ctx, "legacy-role")
	if err != nil || role.AccountID != fakeaws.SampleProdA || len(role.Tags) != 1 {
		t.Errorf("member role %+v, %v", role, err)
	}
	if roles := srv.Account(fakeaws.SampleManagement).Roles; len(roles) == 0 {
		t.Fatal("management account has no roles")
	}
	for _, r := range srv.Account(fakeaws.SampleManagement).Roles {
		if len(r.Tags) > 0 {
			t.Errorf("management role %s was tagged: %v", r.Name, r.Tags)
		}
	}
	if n := srv.CallCount("AssumeRole"); n != 1 {
		t.Errorf("%d AssumeRole calls for one member, want 1", n)
	}

	// The audit account has no role to assume.
	_, err = org.Mutator(ctx, iamsweep.Account{ID: fakeaws.SampleAudit})
	if !errors.Is(err, iamsweep.ErrAccessDenied) {
		t.Errorf("audit: err %v, want access denied", err)
	}
}

func TestOrg_CallerARNFails(t *testing.T) {
	_, org := sampleOrg(t, fakeaws.WithFault("", "sts:GetCallerIdentity", -1, 403, "InvalidClientTokenId", "bad key"))
	arn, err := org.CallerARN(t.Context())
	if !errors.Is(err, iamsweep.ErrNoCredentials) || arn != "" {
		t.Errorf("CallerARN = %q, %v; want no credentials", arn, err)
	}
	if _, err := org.Mutator(t.Context(), iamsweep.Account{ID: fakeaws.SampleProdA}); !errors.Is(err, iamsweep.ErrNoCredentials) {
		t.Errorf("Mutator: err %v, want no credentials", err)
	}
}
