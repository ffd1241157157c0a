package fakeaws_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

func TestNewServer_Organization(t *testing.T) {
	valid := func() *fakeaws.Organization {
		return &fakeaws.Organization{ManagementAccount: mgmt, Accounts: []fakeaws.OrgAccount{{ID: mgmt}}, OUs: []*fakeaws.OU{{Name: "a", Accounts: accountRange(1, 2, "")}}}
	}
	tests := []struct {
		name   string
		change func(o *fakeaws.Organization)
	}{
		{name: "management account not in it", change: func(o *fakeaws.Organization) { o.ManagementAccount = "100000000009" }},
		{name: "management account not 12 digits", change: func(o *fakeaws.Organization) { o.ManagementAccount = "1" }},
		{name: "account twice", change: func(o *fakeaws.Organization) {
			o.OUs[0].Accounts = append(o.OUs[0].Accounts, fakeaws.OrgAccount{ID: mgmt})
		}},
		{name: "account ID not 12 digits", change: func(o *fakeaws.Organization) { o.Accounts = append(o.Accounts, fakeaws.OrgAccount{ID: "12"}) }},
		{name: "unknown status", change: func(o *fakeaws.Organization) { o.Accounts[0].Status = "CLOSED" }},
		{name: "status in lower case", change: func(o *fakeaws.Organization) { o.Accounts[0].Status = "active" }},
		{name: "bad organization ID", change: func(o *fakeaws.Organization) { o.ID = "org-1" }},
		{name: "bad root ID", change: func(o *fakeaws.Organization) { o.RootID = "root" }},
		{name: "bad OU ID", change: func(o *fakeaws.Organization) { o.OUs[0].ID = "ou-1" }},
		{name: "OU twice", change: func(o *fakeaws.Organization) { o.OUs = append(o.OUs, o.OUs[0]) }},
		{name: "OU without a name", change: func(o *fakeaws.Organization) { o.OUs[0].OUs = []*fakeaws.OU{{}} }},
		{name: "nil OU", change: func(o *fakeaws.Organization) { o.OUs = append(o.OUs, nil) }},
	}
	if _, err := fakeaws.NewServer(fakeaws.WithOrganization(valid())); err != nil {
		t.Fatalf("valid organization: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			tt.change(o)
			if _, err := fakeaws.NewServer(fakeaws.WithOrganization(o)); err == nil {
				t.Error("NewServer accepted it")
			}
		})
	}

	t.Run("members without IAM state", func(t *testing.T) {
		// Options in any order; no account seeded: the management
		// account is the default one.
		srv := fakeaws.New(t, fakeaws.WithOrganization(valid()), fakeaws.WithAccounts(&fakeaws.Account{ID: "100000000002", Roles: numbered(1)}))
		for _, id := range []string{mgmt, "100000000001"} {
			if a := srv.Account(id); a == nil || len(a.Roles)+len(a.Users) != 0 {
				t.Errorf("account %s: %+v, want an empty account", id, a)
			}
		}
		if n := len(srv.Account("100000000002").Roles); n != 1 {
			t.Errorf("seeded member has %d roles, want 1", n)
		}
		only := fakeaws.New(t, fakeaws.WithOrganization(valid()))
		who, err := stsClient(only, static(keyA)).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(who.Account) != mgmt {
			t.Errorf("unknown keys act in %s, want the management account %s", aws.ToString(who.Account), mgmt)
		}
	})
}

// TestOrganizationScan walks an organization as iamsweep's org scan does:
// list the accounts from the management account, then assume a role in
// each active one and read its IAM.
func TestOrganizationScan(t *testing.T) {
	const roleName = "OrganizationAccountAccessRole"
	scanRole := func() *fakeaws.Role { return &fakeaws.Role{Name: roleName} }
	o := &fakeaws.Organization{
		ManagementAccount: mgmt,
		Accounts:          []fakeaws.OrgAccount{{ID: mgmt}},
		OUs: []*fakeaws.OU{
			{Name: "Prod", Accounts: accountRange(1, 2, ""), OUs: []*fakeaws.OU{{Name: "Payments", Accounts: accountRange(3, 3, "")}}},
			{Name: "Closing", Accounts: accountRange(4, 4, "SUSPENDED")},
		},
	}
	srv := fakeaws.New(t,
		fakeaws.WithAccounts(
			&fakeaws.Account{ID: mgmt, Roles: []*fakeaws.Role{scanRole()}},
			&fakeaws.Account{ID: "100000000001", Roles: []*fakeaws.Role{scanRole(), {Name: "app-1"}}},
			&fakeaws.Account{ID: "100000000003", Roles: []*fakeaws.Role{scanRole(), {Name: "pay-1"}, {Name: "pay-2"}}},
			// 100000000002 has no IAM state: its role does not exist.
		),
		fakeaws.WithOrganization(o),
		fakeaws.WithCredentials(keyMgmt, mgmt),
	)
	mgmtCfg := config(srv, static(keyMgmt))
	stsc := sts.NewFromConfig(mgmtCfg)

	got := map[string]string{} // account -> roles, or the error code
	p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(mgmtCfg), &organizations.ListAccountsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Accounts {
			id := aws.ToString(a.Id)
			if a.State != orgtypes.AccountStateActive {
				got[id] = "skipped: " + string(a.State)
				continue
			}
			cfg := mgmtCfg.Copy()
			cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsc, "arn:aws:iam::"+id+":role/"+roleName))
			out, err := iamClientWith(srv, cfg.Credentials).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
			if err != nil {
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("account %s: %v is not an API error", id, err)
				}
				got[id] = "error: " + apiErr.ErrorCode()
				continue
			}
			got[id] = strings.Join(detailNames(out.RoleDetailList), ",")
		}
	}
	want := map[string]string{
		mgmt:           roleName,
		"100000000001": "app-1," + roleName, // sorted regardless of case
		"100000000002": "error: AccessDenied",
		"100000000003": roleName + ",pay-1,pay-2",
		"100000000004": "skipped: SUSPENDED",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"iam:" + gaad, "organizations:ListAccounts", "sts:AssumeRole"}, srv.Actions()); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
}
