package fakeaws

import (
	"fmt"
	"time"
)

// The sample organization's account IDs.
const (
	SampleManagement = "100000000001"
	SampleProdA      = "100000000002"
	SampleProdB      = "100000000003"
	SampleDev        = "100000000004"
	SampleSandbox    = "100000000005"
	SampleAudit      = "100000000006" // no IAM state: its role cannot be assumed
	SampleSuspended  = "100000000009"
	// SampleCallerKey is the access key of a user in the management account.
	SampleCallerKey = "AKIASAMPLEMANAGEMENT"
	// The sample OUs.
	SampleWorkloadsOU = "ou-samp-11111111"
	SampleProdOU      = "ou-samp-22222222"
	SampleDevOU       = "ou-samp-33333333"
	SampleSandboxOU   = "ou-samp-44444444"
	SampleSecurityOU  = "ou-samp-55555555"
)

// SampleOrganization is a small organization for tests and demos: a
// management account, production and development accounts in nested OUs
// (Workloads > Prod, Workloads > Dev > Sandbox), an audit account in a
// Security OU that holds no role to assume, and a suspended account. Every
// account with IAM state holds OrganizationAccountAccessRole, two ordinary
// roles (one used, one idle since 2025) and a user with an idle access key.
// Give WithCredentials(SampleCallerKey, SampleManagement) to act as the
// management account.
func SampleOrganization() (*Organization, []*Account) {
	org := &Organization{
		ManagementAccount: SampleManagement,
		RootID:            "r-samp",
		Accounts: []OrgAccount{
			{ID: SampleManagement, Name: "management"},
			{ID: SampleSuspended, Name: "closed-project", Status: "SUSPENDED"},
		},
		OUs: []*OU{
			{ID: SampleWorkloadsOU, Name: "Workloads", OUs: []*OU{
				{ID: SampleProdOU, Name: "Prod", Accounts: []OrgAccount{{ID: SampleProdA, Name: "prod-a"}, {ID: SampleProdB, Name: "prod-b"}}},
				{ID: SampleDevOU, Name: "Dev", Accounts: []OrgAccount{{ID: SampleDev, Name: "dev"}}, OUs: []*OU{
					{ID: SampleSandboxOU, Name: "Sandbox", Accounts: []OrgAccount{{ID: SampleSandbox, Name: "sandbox"}}},
				}},
			}},
			{ID: SampleSecurityOU, Name: "Security", Accounts: []OrgAccount{{ID: SampleAudit, Name: "audit"}}},
		},
	}
	var accounts []*Account
	for _, id := range []string{SampleManagement, SampleProdA, SampleProdB, SampleDev, SampleSandbox} {
		accounts = append(accounts, SampleAccount(id))
	}
	return org, accounts
}

// SampleAccount is the IAM state of one sample account.
func SampleAccount(id string) *Account {
	base := time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)
	recent := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	idle := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	return &Account{
		ID:      id,
		Created: base,
		Roles: []*Role{
			{Name: "OrganizationAccountAccessRole", Created: base, LastUsed: recent, LastUsedRegion: "us-east-1",
				TrustPolicy: fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, SampleManagement),
				Attached:    []AttachedPolicy{{Name: "AdministratorAccess", ARN: "arn:aws:iam::aws:policy/AdministratorAccess"}}},
			{Name: "app-role", Path: "/app/", Created: base, LastUsed: recent, LastUsedRegion: "eu-west-1"},
			{Name: "legacy-role", Path: "/legacy/", Created: base, LastUsed: idle, LastUsedRegion: "eu-west-1"},
		},
		Users: []*User{
			{Name: "deployer", Path: "/ci/", Created: base, AccessKeys: []*AccessKey{{Created: base, LastUsed: idle, LastUsedRegion: "us-east-1", LastUsedService: "s3"}}},
		},
	}
}
