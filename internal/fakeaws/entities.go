package fakeaws

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Group is a fake IAM group. Its members are the users whose Groups name
// it.
type Group struct {
	Name     string
	Path     string // "/" when empty
	ID       string // generated when empty
	Created  time.Time
	Inline   []InlinePolicy
	Attached []AttachedPolicy
}

// ARN returns the group's ARN in account.
func (g *Group) ARN(account string) string {
	return iamARN(account, "group", g.Path, g.Name)
}

// ManagedPolicy is a customer managed policy with one version, v1, the
// default.
type ManagedPolicy struct {
	Name        string
	Path        string // "/" when empty
	ID          string // generated when empty
	Document    string // JSON; PlaceholderPolicy when empty
	Description string
	Created     time.Time
	Updated     time.Time // Created when zero
	// Tags are the policy's tags (CreatePolicy's Tags).
	Tags []Tag
}

// ARN returns the policy's ARN in account.
func (p *ManagedPolicy) ARN(account string) string {
	return iamARN(account, "policy", p.Path, p.Name)
}

// PlaceholderPolicy is the document of a customer managed policy seeded
// without one (and of those created because a principal refers to them).
const PlaceholderPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"fakeaws:Placeholder","Resource":"*"}]}`

// MFADevice is an MFA device enabled for a user: a virtual device, whose
// serial number is its ARN (arn:aws:iam::<account>:mfa/<path><name>), or
// a hardware device with its own serial number.
type MFADevice struct {
	SerialNumber string
	Enabled      time.Time // the user's Created when zero
}

// SigningCertificate is an X.509 signing certificate of a user.
type SigningCertificate struct {
	ID       string // generated when empty
	Body     string // PEM
	Inactive bool
	Uploaded time.Time
}

// SSHPublicKey is an SSH public key of a user.
type SSHPublicKey struct {
	ID       string // generated when empty ("APKA...")
	Body     string // "ssh-rsa AAAA..." (the SSH encoding)
	Inactive bool
	Uploaded time.Time
}

// ServiceCredential is a service-specific credential of a user. Its
// password is shown once, when it is created, and not kept.
type ServiceCredential struct {
	ID              string // generated when empty ("ACCA...")
	ServiceName     string // "codecommit.amazonaws.com"
	ServiceUserName string // "<user>-at-<account>" when empty
	Inactive        bool
	Created         time.Time
}

// virtualMFADevice is a virtual MFA device of the account.
type virtualMFADevice struct {
	serial  string
	created time.Time
	tags    []Tag
	seed    string // the Base32StringSeed
	user    *User  // nil when unassigned
	enabled time.Time
}

// normalizeEntities fills in the defaults of the account-level entities
// (instance profiles, groups, managed policies, MFA devices and the users'
// other credentials) and checks that names are unique. It runs after the
// roles and users are normalized.
func (a *Account) normalizeEntities() error {
	// Instance profiles. In IAM a name is used once per account and a
	// profile holds one role; seeds that name a profile in two roles are
	// taken as they are (older tests seed random names), and the profile
	// actions then see the first.
	profile := func(p *InstanceProfile, created time.Time) error {
		if p.Name == "" {
			return fmt.Errorf("fakeaws: account %s: an instance profile has no name", a.ID)
		}
		fill(&p.Path, &p.ID, &p.Created, uniqueID("AIPA", a.ID+p.Name), created)
		return nil
	}
	for _, r := range a.Roles {
		for j := range r.InstanceProfiles {
			if err := profile(&r.InstanceProfiles[j], r.Created); err != nil {
				return err
			}
		}
	}
	for j := range a.InstanceProfiles {
		if err := profile(&a.InstanceProfiles[j], seedDate); err != nil {
			return err
		}
	}

	// Groups, seeded and named by users.
	seen := nameSet{}
	for i, g := range a.Groups {
		if err := seen.add(a.ID, "group", i, g.Name); err != nil {
			return err
		}
	}
	for _, u := range a.Users {
		for _, name := range u.Groups {
			if key := strings.ToLower(name); !seen[key] {
				seen[key] = true
				a.Groups = append(a.Groups, &Group{Name: name})
			}
		}
	}
	for _, g := range a.Groups {
		fill(&g.Path, &g.ID, &g.Created, uniqueID("AGPA", a.ID+g.Name), seedDate)
	}
	sortByName(a.Groups)

	// Customer managed policies, seeded and referred to.
	seen = nameSet{}
	for i, p := range a.Policies {
		if err := seen.add(a.ID, "policy", i, p.Name); err != nil {
			return err
		}
	}
	refer := func(arn string) {
		path, name, ok := customerPolicy(a.ID, arn)
		if !ok || seen[strings.ToLower(name)] {
			return
		}
		seen[strings.ToLower(name)] = true
		a.Policies = append(a.Policies, &ManagedPolicy{Name: name, Path: path})
	}
	for _, r := range a.Roles {
		for _, p := range r.Attached {
			refer(p.ARN)
		}
		refer(r.Boundary)
	}
	for _, u := range a.Users {
		for _, p := range u.Attached {
			refer(p.ARN)
		}
		refer(u.Boundary)
	}
	for _, g := range a.Groups {
		for _, p := range g.Attached {
			refer(p.ARN)
		}
	}
	for _, p := range a.Policies {
		fill(&p.Path, &p.ID, &p.Created, uniqueID("ANPA", a.ID+p.Name), seedDate)
		if p.Document == "" {
			p.Document = PlaceholderPolicy
		}
		if p.Updated.IsZero() {
			p.Updated = p.Created
		}
	}
	sortByName(a.Policies)

	// The users' credentials other than access keys.
	a.virtualMFA = nil
	for _, u := range a.Users {
		if u.MFA && len(u.MFADevices) == 0 {
			u.MFADevices = []MFADevice{{SerialNumber: iamARN(a.ID, "mfa", "/", u.Name)}}
		}
		for j := range u.MFADevices {
			d := &u.MFADevices[j]
			if d.Enabled.IsZero() {
				d.Enabled = u.Created
			}
			if strings.HasPrefix(d.SerialNumber, "arn:aws:iam::"+a.ID+":mfa/") {
				if a.findVirtualMFA(d.SerialNumber) != nil {
					return fmt.Errorf("fakeaws: account %s: MFA device %s is enabled for two users", a.ID, d.SerialNumber)
				}
				a.virtualMFA = append(a.virtualMFA, &virtualMFADevice{serial: d.SerialNumber, created: d.Enabled, user: u, enabled: d.Enabled,
					seed: uniqueID("", d.SerialNumber) + uniqueID("", "seed"+d.SerialNumber)})
			}
		}
		u.MFA = len(u.MFADevices) > 0
		for j, c := range u.SigningCertificates {
			if c.ID == "" {
				c.ID = uniqueID("", a.ID+u.Name+"cert"+strconv.Itoa(j)) + uniqueID("", "cert"+strconv.Itoa(j)+u.Name)[:11]
			}
			if c.Uploaded.IsZero() {
				c.Uploaded = u.Created
			}
		}
		for j, k := range u.SSHPublicKeys {
			if k.ID == "" {
				k.ID = uniqueID("APKA", a.ID+u.Name+"ssh"+strconv.Itoa(j))[:20]
			}
			if k.Uploaded.IsZero() {
				k.Uploaded = u.Created
			}
		}
		for j, c := range u.ServiceCredentials {
			if c.ID == "" {
				c.ID = uniqueID("ACCA", a.ID+u.Name+"svc"+strconv.Itoa(j))
			}
			if c.ServiceUserName == "" {
				c.ServiceUserName = u.Name + "-at-" + a.ID
			}
			if c.Created.IsZero() {
				c.Created = u.Created
			}
		}
	}
	return nil
}

// customerPolicy splits the ARN of a customer managed policy of account
// into its path and name; ok is false for any other ARN.
func customerPolicy(account, s string) (path, name string, ok bool) {
	a, ok := splitARN(s)
	if !ok || a.partition != "aws" || a.account != account {
		return "", "", false
	}
	return a.iamResource("policy")
}

// iamARN is the ARN of an IAM resource of account: its type ("role"),
// path and name. A virtual MFA device's ("mfa") is its serial number.
func iamARN(account, resource, path, name string) string {
	return "arn:aws:iam::" + account + ":" + resource + pathName(path, name)
}

func (a *Account) findVirtualMFA(serial string) *virtualMFADevice {
	for _, d := range a.virtualMFA {
		if d.serial == serial {
			return d
		}
	}
	return nil
}
