package fakeaws

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// Account is the IAM state of one fake AWS account.
type Account struct {
	// ID is the 12-digit account ID.
	ID string
	// Roles are the account's roles.
	Roles []*Role
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

// InstanceProfile is an instance profile that holds the role.
type InstanceProfile struct {
	Name    string
	Path    string
	ID      string
	Created time.Time
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
		for j := range r.InstanceProfiles {
			p := &r.InstanceProfiles[j]
			if p.Path == "" {
				p.Path = "/"
			}
			if p.ID == "" {
				p.ID = uniqueID("AIPA", a.ID+p.Name)
			}
			if p.Created.IsZero() {
				p.Created = r.Created
			}
		}
		r.xml = nil
	}
	sort.SliceStable(a.Roles, func(i, j int) bool { return strings.ToLower(a.Roles[i].Name) < strings.ToLower(a.Roles[j].Name) })
	return nil
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
		fr.InstanceProfiles = append(fr.InstanceProfiles, InstanceProfile{Name: p.Name, Path: p.Path, ID: p.ID, Created: p.Created})
	}
	return fr
}
