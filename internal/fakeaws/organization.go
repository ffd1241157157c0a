package fakeaws

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Organization is a fake AWS Organization: a root holding accounts and
// organizational units, which hold accounts and further units.
type Organization struct {
	// ID is "o-" and 10 characters; generated when empty.
	ID string
	// ManagementAccount is the 12-digit ID of the management account; it
	// must be one of the organization's accounts.
	ManagementAccount string
	// RootID is "r-" and 4 characters; generated when empty.
	RootID string
	// Accounts are the accounts directly under the root.
	Accounts []OrgAccount
	// OUs are the organizational units directly under the root.
	OUs []*OU
}

// OU is an organizational unit.
type OU struct {
	// ID is "ou-<root suffix>-<8 characters>"; generated when empty.
	ID   string
	Name string
	// Accounts are the accounts directly in the unit.
	Accounts []OrgAccount
	// OUs are the units directly under this one.
	OUs []*OU
}

// OrgAccount is an account's membership of an organization. The account
// needs no IAM state of its own (WithAccounts): one without is empty, so
// no role can be assumed in it.
type OrgAccount struct {
	// ID is the 12-digit account ID.
	ID string
	// Name is "account-<ID>" when empty.
	Name string
	// Email is "account-<ID>@example.com" when empty.
	Email string
	// Status is ACTIVE (when empty), SUSPENDED or PENDING_CLOSURE; the
	// account's State is the same.
	Status string
	// Joined is when the account joined; a fixed date in 2020 when zero.
	Joined time.Time
}

// WithOrganization configures the organization. Only callers in its
// management account may list or describe its accounts and units; any
// member may describe the organization. IDs left empty are generated
// (stable for the same seed) and written back into o.
//
// Members not seeded with WithAccounts get an empty account, and when no
// account is seeded the management account is the default one.
func WithOrganization(o *Organization) Option {
	return func(s *Server) error {
		idx, err := o.normalize()
		if err != nil {
			return err
		}
		s.org = idx
		return nil
	}
}

// orgIndex is the normalized organization with its lookups.
type orgIndex struct {
	org *Organization
	// accounts holds every account, depth first in seeding order: the
	// order ListAccounts answers.
	accounts []*orgMember
	byID     map[string]*orgMember
	// parents maps the root's and every OU's ID to its direct children.
	parents map[string]*orgParent
}

// orgMember is an account and the path of the parent it is in.
type orgMember struct {
	acct       *OrgAccount
	parentPath string // "o-.../r-.../ou-.../"
}

// orgParent is the root or an OU.
type orgParent struct {
	path     string // "o-.../r-.../" for the root
	accounts []*orgMember
	ous      []*OU
}

var (
	orgIDPattern  = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	rootIDPattern = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	ouIDPattern   = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
)

// accountStatuses are the Status values an account may be seeded with.
var accountStatuses = map[string]bool{"ACTIVE": true, "SUSPENDED": true, "PENDING_CLOSURE": true}

// normalize fills in defaults, checks the organization and indexes it.
func (o *Organization) normalize() (*orgIndex, error) {
	if !isAccountID(o.ManagementAccount) {
		return nil, fmt.Errorf("fakeaws: organization: management account %q is not 12 digits", o.ManagementAccount)
	}
	if o.ID == "" {
		o.ID = "o-" + lowerID("org"+o.ManagementAccount, 10)
	}
	if !orgIDPattern.MatchString(o.ID) {
		return nil, fmt.Errorf("fakeaws: organization ID %q does not match %s", o.ID, orgIDPattern)
	}
	if o.RootID == "" {
		o.RootID = "r-" + lowerID("root"+o.ID, 4)
	}
	if !rootIDPattern.MatchString(o.RootID) {
		return nil, fmt.Errorf("fakeaws: organization root ID %q does not match %s", o.RootID, rootIDPattern)
	}
	idx := &orgIndex{org: o, byID: map[string]*orgMember{}, parents: map[string]*orgParent{}}
	if err := idx.add(o.RootID, o.ID+"/"+o.RootID+"/", o.Accounts, o.OUs); err != nil {
		return nil, err
	}
	if idx.byID[o.ManagementAccount] == nil {
		return nil, fmt.Errorf("fakeaws: organization: management account %s is not one of its accounts", o.ManagementAccount)
	}
	return idx, nil
}

// add indexes a parent and, depth first, everything under it.
func (idx *orgIndex) add(id, path string, accounts []OrgAccount, ous []*OU) error {
	if _, dup := idx.parents[id]; dup {
		return fmt.Errorf("fakeaws: organization: parent ID %s used twice", id)
	}
	p := &orgParent{path: path, ous: ous}
	idx.parents[id] = p
	for i := range accounts {
		a := &accounts[i]
		if !isAccountID(a.ID) {
			return fmt.Errorf("fakeaws: organization: account ID %q under %s is not 12 digits", a.ID, id)
		}
		if idx.byID[a.ID] != nil {
			return fmt.Errorf("fakeaws: organization: account %s is in it twice", a.ID)
		}
		if a.Name == "" {
			a.Name = "account-" + a.ID
		}
		if a.Email == "" {
			a.Email = "account-" + a.ID + "@example.com"
		}
		if a.Status == "" {
			a.Status = "ACTIVE"
		}
		if !accountStatuses[a.Status] {
			return fmt.Errorf("fakeaws: organization: account %s has status %q; want ACTIVE, SUSPENDED or PENDING_CLOSURE", a.ID, a.Status)
		}
		if a.Joined.IsZero() {
			a.Joined = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		m := &orgMember{acct: a, parentPath: path}
		idx.byID[a.ID] = m
		idx.accounts = append(idx.accounts, m)
		p.accounts = append(p.accounts, m)
	}
	rootSuffix := strings.TrimPrefix(idx.org.RootID, "r-")
	for i, ou := range ous {
		if ou == nil {
			return fmt.Errorf("fakeaws: organization: OU %d under %s is nil", i, id)
		}
		if ou.Name == "" {
			return fmt.Errorf("fakeaws: organization: OU %d under %s has no name", i, id)
		}
		if ou.ID == "" {
			ou.ID = "ou-" + rootSuffix + "-" + lowerID(fmt.Sprintf("ou|%s|%d|%s", path, i, ou.Name), 8)
		}
		if !ouIDPattern.MatchString(ou.ID) {
			return fmt.Errorf("fakeaws: organization: OU ID %q does not match %s", ou.ID, ouIDPattern)
		}
		if err := idx.add(ou.ID, path+ou.ID+"/", ou.Accounts, ou.OUs); err != nil {
			return err
		}
	}
	return nil
}

// lowerID derives n (at most 21) stable lower-case characters from seed,
// as Organizations IDs are written.
func lowerID(seed string, n int) string {
	return strings.ToLower(uniqueID("", seed))[:n]
}

// seedOrganization gives every member account that was not seeded an
// empty one, and makes the management account the default when no account
// was seeded. NewServer runs it after every option, so that options may
// come in any order.
func (s *Server) seedOrganization() error {
	if s.org == nil {
		return nil
	}
	for _, m := range s.org.accounts {
		if s.accounts[m.acct.ID] != nil {
			continue
		}
		a := &Account{ID: m.acct.ID}
		if err := a.normalize(); err != nil {
			return err
		}
		s.accounts[a.ID] = a
	}
	if s.defaultAccount == "" {
		s.defaultAccount = s.org.org.ManagementAccount
	}
	return nil
}
