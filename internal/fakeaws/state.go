package fakeaws

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Account is the IAM state of one fake AWS account.
type Account struct {
	// ID is the 12-digit account ID.
	ID string
	// Created is when the account (its root user) was created; a fixed
	// date in 2019 when zero.
	Created time.Time
	// Alias is the account's IAM alias (ListAccountAliases); "" for none.
	// IAM allows at most one.
	Alias string
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
	// AWSManagedPolicies are documents of AWS managed policies
	// (arn:aws:iam::aws:policy/...), by ARN, that the account sees in
	// place of the fake's own catalogue: an export's Policies list holds
	// those its principals use. The fake's catalogue answers for the rest.
	AWSManagedPolicies map[string]*ManagedPolicy
	// Resources are the account's resources beyond IAM (Lambda functions,
	// EC2 instances, S3 buckets, KMS keys) that iamsweep refs reads; nil
	// for none.
	Resources *Resources

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
	return iamARN(account, "user", u.Path, u.Name)
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
	return iamARN(account, "role", r.Path, r.Name)
}

func (a *Account) normalize() error {
	if !isAccountID(a.ID) {
		return fmt.Errorf("fakeaws: account ID %q is not 12 digits", a.ID)
	}
	seen := nameSet{}
	for i, r := range a.Roles {
		if err := seen.add(a.ID, "role", i, r.Name); err != nil {
			return err
		}
		fill(&r.Path, &r.ID, &r.Created, uniqueID("AROA", a.ID+r.Name), seedDate)
		if r.MaxSessionDuration == 0 {
			r.MaxSessionDuration = 3600
		}
		if r.TrustPolicy == "" {
			r.TrustPolicy = DefaultTrustPolicy
		}
	}
	sortByName(a.Roles)

	if a.Created.IsZero() {
		a.Created = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	seen = nameSet{}
	for i, u := range a.Users {
		if err := seen.add(a.ID, "user", i, u.Name); err != nil {
			return err
		}
		fill(&u.Path, &u.ID, &u.Created, uniqueID("AIDA", a.ID+u.Name), seedDate)
		if len(u.AccessKeys) > 2 {
			return fmt.Errorf("fakeaws: account %s: user %s has %d access keys; IAM allows 2", a.ID, u.Name, len(u.AccessKeys))
		}
		if u.Password != nil && u.Password.Created.IsZero() {
			u.Password.Created = u.Created
		}
		for j, k := range u.AccessKeys {
			normalizeKey(k, a.ID+u.Name+strconv.Itoa(j), u.Created)
		}
	}
	sortByName(a.Users)
	for j, k := range a.RootKeys {
		normalizeKey(k, a.ID+"root"+strconv.Itoa(j), a.Created)
	}
	return a.normalizeEntities()
}

// seedDate is the creation date of an entity seeded without one.
var seedDate = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// nameSet holds the names of an account's entities of one kind, in lower
// case: IAM names are unique regardless of case.
type nameSet map[string]bool

// add checks that the entity i of a kind ("role") has a name, one not seen
// yet, and adds it.
func (seen nameSet) add(account, kind string, i int, name string) error {
	if name == "" {
		return fmt.Errorf("fakeaws: account %s: %s %d has no name", account, kind, i)
	}
	key := strings.ToLower(name)
	if seen[key] {
		return fmt.Errorf("fakeaws: account %s: duplicate %s name %q", account, kind, name)
	}
	seen[key] = true
	return nil
}

// sortByName sorts entities by name regardless of case, keeping the order
// of names equal but for case.
func sortByName[T named](list []T) {
	slices.SortStableFunc(list, func(a, b T) int { return strings.Compare(strings.ToLower(a.iamName()), strings.ToLower(b.iamName())) })
}

// fill fills in what an entity was seeded without: the path "/", the ID
// given and the creation date created.
func fill(path, id *string, created *time.Time, newID string, date time.Time) {
	if *path == "" {
		*path = "/"
	}
	if *id == "" {
		*id = newID
	}
	if created.IsZero() {
		*created = date
	}
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
