package fakeaws

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// defaultQuotas are IAM's default quotas, by their GetAccountSummary key.
func defaultQuotas() map[string]int {
	return map[string]int{
		"UsersQuota":                      5000,
		"GroupsQuota":                     300,
		"RolesQuota":                      1000,
		"PoliciesQuota":                   1500,
		"InstanceProfilesQuota":           1000,
		"ServerCertificatesQuota":         20,
		"UserPolicySizeQuota":             2048,
		"GroupPolicySizeQuota":            5120,
		"RolePolicySizeQuota":             10240,
		"PolicySizeQuota":                 6144,
		"AssumeRolePolicySizeQuota":       2048,
		"GroupsPerUserQuota":              10,
		"SigningCertificatesPerUserQuota": 2,
		"AccessKeysPerUserQuota":          2,
		"AttachedPoliciesPerGroupQuota":   10,
		"AttachedPoliciesPerRoleQuota":    10,
		"AttachedPoliciesPerUserQuota":    10,
		"VersionsPerPolicyQuota":          5,
		"PolicyVersionsInUseQuota":        10000,
	}
}

// WithQuota sets one of the IAM quotas GetAccountSummary reports, by its
// key there ("AttachedPoliciesPerRoleQuota", "RolePolicySizeQuota", ...),
// for every account. The mutating actions enforce the quotas on
// attachments, inline policy sizes, trust policy size, access keys,
// signing certificates and group memberships.
func WithQuota(key string, value int) Option {
	return func(s *Server) error {
		if _, ok := s.quotas[key]; !ok {
			keys := make([]string, 0, len(s.quotas))
			for k := range s.quotas {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return fmt.Errorf("fakeaws: unknown quota %q; want one of %s", key, strings.Join(keys, ", "))
		}
		if value < 0 {
			return fmt.Errorf("fakeaws: quota %s = %d is negative", key, value)
		}
		s.quotas[key] = value
		return nil
	}
}

// getAccountSummary answers GetAccountSummary: the quotas and the
// account's usage.
func (s *Server) getAccountSummary(acct *Account, req *request, x *xmlw) *apiError {
	summary := map[string]int{}
	for k, v := range s.quotas {
		summary[k] = v
	}
	profiles := len(acct.InstanceProfiles)
	for _, r := range acct.Roles {
		profiles += len(r.InstanceProfiles)
	}
	mfa, mfaInUse := 0, 0
	for _, u := range acct.Users {
		mfaInUse += len(u.MFADevices)
		for _, d := range u.MFADevices {
			if acct.findVirtualMFA(d.SerialNumber) == nil {
				mfa++ // a hardware device
			}
		}
	}
	mfa += len(acct.virtualMFA)
	attached := map[string]bool{}
	for _, r := range acct.Roles {
		for _, p := range r.Attached {
			attached[p.ARN] = true
		}
	}
	for _, u := range acct.Users {
		for _, p := range u.Attached {
			attached[p.ARN] = true
		}
	}
	for _, g := range acct.Groups {
		for _, p := range g.Attached {
			attached[p.ARN] = true
		}
	}
	present := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	summary["Users"] = len(acct.Users)
	summary["Groups"] = len(acct.Groups)
	summary["Roles"] = len(acct.Roles)
	summary["Policies"] = len(acct.Policies)
	summary["InstanceProfiles"] = profiles
	summary["MFADevices"] = mfa
	summary["MFADevicesInUse"] = mfaInUse
	summary["PolicyVersionsInUse"] = len(attached)
	summary["ServerCertificates"] = 0
	summary["Providers"] = 0
	summary["GlobalEndpointTokenVersion"] = 1
	// The root user: the credential report shows it with MFA and a
	// password; it has access keys only when seeded with some.
	summary["AccountMFAEnabled"] = 1
	summary["AccountPasswordPresent"] = 1
	summary["AccountAccessKeysPresent"] = present(len(acct.RootKeys) > 0)
	summary["AccountSigningCertificatesPresent"] = 0

	keys := make([]string, 0, len(summary))
	for k := range summary {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	x.open("SummaryMap")
	for _, k := range keys {
		x.open("entry")
		x.elem("key", k)
		x.elem("value", strconv.Itoa(summary[k]))
		x.close("entry")
	}
	x.close("SummaryMap")
	return nil
}
