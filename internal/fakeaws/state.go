package fakeaws

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// Account is the IAM state of one fake AWS account.
type Account struct {
	// ID is the 12-digit account ID.
	ID string
	// Created is when the account (its root user) was created; a fixed
	// date in 2019 when zero.
	Created time.Time
	// Roles are the account's roles.
	Roles []*Role
	// Users are the account's IAM users.
	Users []*User
	// RootKeys are access keys of the root user (which should not exist).
	RootKeys []*AccessKey
	// RootPasswordLastUsed is the root user's last sign-in; zero for none.
	RootPasswordLastUsed time.Time
	// Groups are the account's IAM groups. A group that a user is seeded
	// in (User.Groups) and that is not listed here is created.
	Groups []*Group
	// Policies are the account's customer managed policies. A policy of
	// this account that a role, user or group is seeded with (attached or
	// as its permissions boundary) and that is not listed here is created
	// with a placeholder document.
	Policies []*ManagedPolicy
	// InstanceProfiles are the instance profiles that hold no role. A
	// profile that holds a role is seeded in the role's InstanceProfiles.
	InstanceProfiles []InstanceProfile

	report *credentialReport
	// virtualMFA are the account's virtual MFA devices, assigned or not.
	virtualMFA []*virtualMFADevice
}

// User is a fake IAM user with its credentials.
type User struct {
	Name     string
	Path     string // "/" when empty
	ID       string // generated when empty
	Created  time.Time
	Tags     []Tag
	Groups   []string
	Inline   []InlinePolicy
	Attached []AttachedPolicy
	Boundary string
	// Password is the login profile; nil when the user has none.
	Password *LoginProfile
	// AccessKeys are the user's keys, oldest first (report slot 1 first).
	AccessKeys []*AccessKey
	// MFA is true when an MFA device is enabled. A user seeded with MFA
	// and no MFADevices gets a virtual device named after the user; the
	// fake keeps MFA in step with MFADevices from then on.
	MFA bool
	// MFADevices are the user's enabled MFA devices.
	MFADevices []MFADevice
	// SigningCertificates are the user's X.509 signing certificates.
	SigningCertificates []*SigningCertificate
	// SSHPublicKeys are the user's SSH public keys (for CodeCommit).
	SSHPublicKeys []*SSHPublicKey
	// ServiceCredentials are the user's service-specific credentials
	// (CodeCommit Git credentials, Keyspaces, ...).
	ServiceCredentials []*ServiceCredential

	// passwordLastUsed keeps the last sign-in of a deleted login profile:
	// PasswordLastUsed is an attribute of the user, not of the profile.
	passwordLastUsed time.Time
	xml              []byte // rendered UserDetail member, cached
}

// LoginProfile is a console password.
type LoginProfile struct {
	Created time.Time
	// LastUsed is the last sign-in; zero for none.
	LastUsed time.Time
	// PasswordResetRequired makes the user set a new password at the next
	// sign-in.
	PasswordResetRequired bool
}

// AccessKey is an access key and its last use.
type AccessKey struct {
	ID       string // generated when empty
	Inactive bool
	Created  time.Time
	// LastUsed is the last use; zero for none.
	LastUsed        time.Time
	LastUsedRegion  string
	LastUsedService string
}

// ARN returns the user's ARN in account.
func (u *User) ARN(account string) string {
	return "arn:aws:iam::" + account + ":user" + iamsweep.JoinPathName(u.Path, u.Name)
}

// Role is a fake IAM role. Policy documents are JSON text, as a user writes
// them; the fake URL-encodes them on the wire as IAM does.
type Role struct {
	Name               string
	Path               string // "/" when empty
	ID                 string // generated when empty
	Created            time.Time
	Description        string
	MaxSessionDuration int // seconds; 3600 when zero
	// LastUsed is RoleLastUsed.LastUsedDate; zero for no recorded use.
	LastUsed       time.Time
	LastUsedRegion string
	TrustPolicy    string // JSON; a default EC2 trust policy when empty
	Inline         []InlinePolicy
	Attached       []AttachedPolicy
	Boundary       string // permissions boundary policy ARN
	Tags           []Tag
	// InstanceProfiles names instance profiles that hold this role.
	InstanceProfiles []InstanceProfile

	xml []byte // rendered RoleDetail member, cached
}

// InlinePolicy is an inline policy: a name and its JSON document.
type InlinePolicy struct {
	Name     string
	Document string
}

// AttachedPolicy is an attached managed policy.
type AttachedPolicy struct {
	Name string
	ARN  string
}

// Tag is an IAM tag.
type Tag struct {
	Key   string
	Value string
}

// InstanceProfile is an instance profile: one that holds the role in
// Role.InstanceProfiles, one that holds none in Account.InstanceProfiles.
type InstanceProfile struct {
	Name    string
	Path    string
	ID      string
	Created time.Time
	Tags    []Tag
}

// DefaultTrustPolicy is the trust policy of a role seeded without one.
const DefaultTrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// ARN returns the role's ARN in account.
func (r *Role) ARN(account string) string {
	return "arn:aws:iam::" + account + ":role" + iamsweep.JoinPathName(r.Path, r.Name)
}

func (a *Account) normalize() error {
	if !iamsweep.IsAccountID(a.ID) {
		return fmt.Errorf("fakeaws: account ID %q is not 12 digits", a.ID)
	}
	seen := map[string]bool{}
	for i, r := range a.Roles {
		if r.Name == "" {
			return fmt.Errorf("fakeaws: account %s: role %d has no name", a.ID, i)
		}
		// IAM names are unique regardless of case.
		key := strings.ToLower(r.Name)
		if seen[key] {
			return fmt.Errorf("fakeaws: account %s: duplicate role name %q", a.ID, r.Name)
		}
		seen[key] = true
		if r.Path == "" {
			r.Path = "/"
		}
		if r.ID == "" {
			r.ID = uniqueID("AROA", a.ID+r.Name)
		}
		if r.Created.IsZero() {
			r.Created = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if r.MaxSessionDuration == 0 {
			r.MaxSessionDuration = 3600
		}
		if r.TrustPolicy == "" {
			r.TrustPolicy = DefaultTrustPolicy
		}
		r.xml = nil
	}
	sort.SliceStable(a.Roles, func(i, j int) bool { return strings.ToLower(a.Roles[i].Name) < strings.ToLower(a.Roles[j].Name) })

	if a.Created.IsZero() {
		a.Created = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	seen = map[string]bool{}
	for i, u := range a.Users {
		if u.Name == "" {
			return fmt.Errorf("fakeaws: account %s: user %d has no name", a.ID, i)
		}
		key := strings.ToLower(u.Name)
		if seen[key] {
			return fmt.Errorf("fakeaws: account %s: duplicate user name %q", a.ID, u.Name)
		}
		seen[key] = true
		if u.Path == "" {
			u.Path = "/"
		}
		if u.ID == "" {
			u.ID = uniqueID("AIDA", a.ID+u.Name)
		}
		if u.Created.IsZero() {
			u.Created = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if len(u.AccessKeys) > 2 {
			return fmt.Errorf("fakeaws: account %s: user %s has %d access keys; IAM allows 2", a.ID, u.Name, len(u.AccessKeys))
		}
		if u.Password != nil && u.Password.Created.IsZero() {
			u.Password.Created = u.Created
		}
		for j, k := range u.AccessKeys {
			normalizeKey(k, a.ID+u.Name+strconv.Itoa(j), u.Created)
		}
		u.xml = nil
	}
	sort.SliceStable(a.Users, func(i, j int) bool { return strings.ToLower(a.Users[i].Name) < strings.ToLower(a.Users[j].Name) })
	for j, k := range a.RootKeys {
		normalizeKey(k, a.ID+"root"+strconv.Itoa(j), a.Created)
	}
	return a.normalizeEntities()
}

func normalizeKey(k *AccessKey, seed string, created time.Time) {
	if k.ID == "" {
		k.ID = uniqueID("AKIA", seed)[:20]
	}
	if k.Created.IsZero() {
		k.Created = created
	}
}

// uniqueID derives a stable 21-character IAM unique ID from a seed.
func uniqueID(prefix, seed string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var h uint64 = 14695981039346656037
	for i := 0; i < len(seed); i++ {
		h ^= uint64(seed[i])
		h *= 1099511628211
	}
	b := []byte(prefix)
	for len(b) < 21 {
		b = append(b, alphabet[h%32])
		h = h/32 ^ (h * 31)
	}
	return string(b)
}

// RoleFrom converts a domain role into a fake role, printing its policy
// documents back to JSON.
func RoleFrom(r iamsweep.Role) *Role {
	fr := &Role{
		Name: r.Name, Path: r.Path, ID: r.ID, Created: r.Created,
		LastUsed: r.LastUsed.Time, LastUsedRegion: r.LastUsed.Region,
		Boundary: r.PermissionsBoundary,
	}
	if r.TrustPolicy != nil {
		fr.TrustPolicy = string(policy.Marshal(*r.TrustPolicy))
	}
	for _, p := range r.InlinePolicies {
		fr.Inline = append(fr.Inline, InlinePolicy{Name: p.Name, Document: string(policy.Marshal(p.Document))})
	}
	for _, p := range r.AttachedPolicies {
		fr.Attached = append(fr.Attached, AttachedPolicy(p))
	}
	for _, t := range r.Tags {
		fr.Tags = append(fr.Tags, Tag(t))
	}
	for _, p := range r.InstanceProfiles {
		ip := InstanceProfile{Name: p.Name, Path: p.Path, ID: p.ID, Created: p.Created}
		for _, t := range p.Tags {
			ip.Tags = append(ip.Tags, Tag(t))
		}
		fr.InstanceProfiles = append(fr.InstanceProfiles, ip)
	}
	return fr
}

// UserFrom converts a domain user (details and credentials, as
// credreport.Join gives them) into a fake user.
func UserFrom(u iamsweep.User) *User {
	fu := &User{Name: u.Name, Path: u.Path, ID: u.ID, Created: u.Created, Groups: u.Groups, Boundary: u.PermissionsBoundary, MFA: u.MFAActive}
	for _, p := range u.InlinePolicies {
		fu.Inline = append(fu.Inline, InlinePolicy{Name: p.Name, Document: string(policy.Marshal(p.Document))})
	}
	for _, p := range u.AttachedPolicies {
		fu.Attached = append(fu.Attached, AttachedPolicy(p))
	}
	for _, t := range u.Tags {
		fu.Tags = append(fu.Tags, Tag(t))
	}
	if u.Password != nil {
		fu.Password = &LoginProfile{Created: u.Password.LastChanged, LastUsed: u.Password.LastUsed}
	}
	fu.AccessKeys = keysFrom(u.AccessKeys)
	return fu
}

func keysFrom(keys []iamsweep.AccessKey) []*AccessKey {
	var out []*AccessKey
	for _, k := range keys {
		out = append(out, &AccessKey{
			ID: k.ID, Inactive: !k.Active, Created: k.Created,
			LastUsed: k.LastUsed.Time, LastUsedRegion: k.LastUsed.Region, LastUsedService: k.LastUsedService,
		})
	}
	return out
}
