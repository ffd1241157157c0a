package remediate_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// memIAM is one account's roles and users in memory, changed by the steps
// of iamsweep.Step with IAM's preconditions as far as the Service relies
// on them: NoSuchEntity for what is not there, EntityAlreadyExists for a
// name taken, DeleteConflict for a principal that still holds something,
// LimitExceeded for the inline policy size, tag and instance profile
// quotas. Its mutator() is the Mutator the unit tests give the Service;
// a test changes one of its function fields to inject a fault.
type memIAM struct {
	mu       sync.Mutex
	account  string
	roles    map[string]*iamsweep.RoleState
	users    map[string]*iamsweep.UserState
	profiles map[string]*iamsweep.InstanceProfileState
	// missing are the managed policies and groups that do not exist (all
	// others do).
	missing map[string]bool
	seq     int
	// done are the calls that changed something, in order.
	done []string
}

func newMemIAM(account string) *memIAM {
	return &memIAM{account: account, roles: map[string]*iamsweep.RoleState{}, users: map[string]*iamsweep.UserState{},
		profiles: map[string]*iamsweep.InstanceProfileState{}, missing: map[string]bool{}}
}

// addRole seeds a role; its instance profiles are created (or joined).
func (m *memIAM) addRole(r iamsweep.RoleState) iamsweep.RoleState {
	m.mu.Lock()
	defer m.mu.Unlock()
	r = cloneRole(r)
	r.AccountID = m.account
	r.Path = cmpOr(r.Path, "/")
	r.ARN = "arn:aws:iam::" + m.account + ":role" + r.Path + r.Name
	if r.ID == "" {
		r.ID = m.newID("AROA")
	}
	for _, p := range r.InstanceProfiles {
		have := m.profiles[p.Name]
		if have == nil {
			p := p
			p.Path = cmpOr(p.Path, "/")
			p.ID = cmpOr(p.ID, m.newID("AIPA"))
			p.ARN = "arn:aws:iam::" + m.account + ":instance-profile" + p.Path + p.Name
			p.Roles = nil
			have = &p
			m.profiles[p.Name] = have
		}
		have.Roles = append(have.Roles, r.Name)
	}
	r.InstanceProfiles = nil
	slices.Sort(r.AttachedPolicies)
	m.roles[r.Name] = &r
	return m.roleState(&r)
}

// addUser seeds a user.
func (m *memIAM) addUser(u iamsweep.UserState) iamsweep.UserState {
	m.mu.Lock()
	defer m.mu.Unlock()
	u = cloneUser(u)
	u.AccountID = m.account
	u.Path = cmpOr(u.Path, "/")
	u.ARN = "arn:aws:iam::" + m.account + ":user" + u.Path + u.Name
	if u.ID == "" {
		u.ID = m.newID("AIDA")
	}
	slices.Sort(u.AttachedPolicies)
	m.users[u.Name] = &u
	return cloneUser(u)
}

func (m *memIAM) newID(prefix string) string {
	m.seq++
	return fmt.Sprintf("%s%017d", prefix, m.seq)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// mutator returns a Mutator on m.
func (m *memIAM) mutator() *mutator {
	return &mutator{ReadRoleFn: m.readRole, ReadUserFn: m.readUser, ReadInstanceProfileFn: m.readProfile, DoFn: m.do}
}

// calls returns the calls that changed something.
func (m *memIAM) calls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.done)
}

func (m *memIAM) readRole(_ context.Context, name string) (iamsweep.RoleState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.roles[name]
	if r == nil {
		return iamsweep.RoleState{}, noSuchEntity("The role with name %s cannot be found.", name)
	}
	return m.roleState(r), nil
}

// roleState is a copy of r with the instance profiles that hold it.
func (m *memIAM) roleState(r *iamsweep.RoleState) iamsweep.RoleState {
	out := cloneRole(*r)
	out.InstanceProfiles = nil
	for _, p := range m.profiles {
		if slices.Contains(p.Roles, r.Name) {
			out.InstanceProfiles = append(out.InstanceProfiles, cloneProfile(*p))
		}
	}
	slices.SortFunc(out.InstanceProfiles, byName(func(p iamsweep.InstanceProfileState) string { return p.Name }))
	return out
}

func (m *memIAM) readUser(_ context.Context, name string) (iamsweep.UserState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users[name]
	if u == nil {
		return iamsweep.UserState{}, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return cloneUser(*u), nil
}

func (m *memIAM) readProfile(_ context.Context, name string) (iamsweep.InstanceProfileState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.profiles[name]
	if p == nil {
		return iamsweep.InstanceProfileState{}, noSuchEntity("Instance Profile %s cannot be found.", name)
	}
	return cloneProfile(*p), nil
}

func apiError(status int, code string, kind error, format string, args ...any) error {
	return &iamsweep.APIError{Code: code, Message: fmt.Sprintf(format, args...), HTTPStatus: status, Kind: kind}
}

func noSuchEntity(format string, args ...any) error {
	return apiError(404, "NoSuchEntity", iamsweep.ErrNotFound, format, args...)
}

func alreadyExists(format string, args ...any) error {
	return apiError(409, "EntityAlreadyExists", nil, format, args...)
}

func deleteConflict(what string) error {
	return apiError(409, "DeleteConflict", iamsweep.ErrDeleteConflict, "Cannot delete entity, must %s first.", what)
}

func limitExceeded(format string, args ...any) error {
	return apiError(409, "LimitExceeded", nil, format, args...)
}

// do makes step s, as IAM would.
func (m *memIAM) do(_ context.Context, s iamsweep.Step) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	err := m.apply(s)
	if err == nil {
		m.done = append(m.done, s.String())
	}
	return err
}

func (m *memIAM) apply(s iamsweep.Step) error {
	switch s.Op {
	case iamsweep.OpCreateRole:
		if m.roles[s.Name] != nil {
			return alreadyExists("Role with name %s already exists.", s.Name)
		}
		r := cloneRole(*s.Role)
		r.Name, r.Created, r.LastUsed, r.InlinePolicies, r.AttachedPolicies, r.InstanceProfiles = s.Name, now, iamsweep.Usage{}, nil, nil, nil
		r.ID = m.newID("AROA")
		r.Path = cmpOr(r.Path, "/")
		r.AccountID, r.ARN = m.account, "arn:aws:iam::"+m.account+":role"+r.Path+s.Name
		if len(r.Tags) > remediate.MaxTags {
			return limitExceeded("Cannot exceed quota for TagsPerRole: 50")
		}
		m.roles[s.Name] = &r
		return nil
	case iamsweep.OpCreateUser:
		if m.users[s.Name] != nil {
			return alreadyExists("User with name %s already exists.", s.Name)
		}
		u := iamsweep.UserState{Name: s.Name, Path: cmpOr(s.User.Path, "/"), PermissionsBoundary: s.User.PermissionsBoundary,
			Tags: slices.Clone(s.User.Tags), ID: m.newID("AIDA"), AccountID: m.account, Created: now}
		u.ARN = "arn:aws:iam::" + m.account + ":user" + u.Path + s.Name
		if len(u.Tags) > remediate.MaxTags {
			return limitExceeded("Cannot exceed quota for TagsPerUser: 50")
		}
		m.users[s.Name] = &u
		return nil
	case iamsweep.OpCreateInstanceProfile:
		if m.profiles[s.Target] != nil {
			return alreadyExists("Instance Profile %s already exists.", s.Target)
		}
		p := cloneProfile(*s.Profile)
		p.Name, p.Path, p.ID, p.Roles = s.Target, cmpOr(p.Path, "/"), m.newID("AIPA"), nil
		p.ARN = "arn:aws:iam::" + m.account + ":instance-profile" + p.Path + p.Name
		m.profiles[s.Target] = &p
		return nil
	case iamsweep.OpDeleteInstanceProfile:
		p := m.profiles[s.Target]
		if p == nil {
			return noSuchEntity("Instance Profile %s cannot be found.", s.Target)
		}
		if len(p.Roles) > 0 {
			return deleteConflict("remove roles from instance profile")
		}
		delete(m.profiles, s.Target)
		return nil
	case iamsweep.OpDeleteVirtualMFADevice:
		return nil
	}
	if strings.Contains(string(s.Op), "Role") {
		r := m.roles[s.Name]
		if r == nil {
			return noSuchEntity("The role with name %s cannot be found.", s.Name)
		}
		return m.applyRole(r, s)
	}
	u := m.users[s.Name]
	if u == nil {
		return noSuchEntity("The user with name %s cannot be found.", s.Name)
	}
	return m.applyUser(u, s)
}

func (m *memIAM) applyRole(r *iamsweep.RoleState, s iamsweep.Step) error {
	switch s.Op {
	case iamsweep.OpPutRolePolicy:
		return putInline(&r.InlinePolicies, s, remediate.RoleInlineSizeLimit)
	case iamsweep.OpDeleteRolePolicy:
		return deleteInline(&r.InlinePolicies, s.Target)
	case iamsweep.OpAttachRolePolicy:
		return m.attach(&r.AttachedPolicies, s.Target)
	case iamsweep.OpDetachRolePolicy:
		return detach(&r.AttachedPolicies, s.Target)
	case iamsweep.OpTagRole:
		return tag(&r.Tags, s.Tags)
	case iamsweep.OpUntagRole:
		untag(&r.Tags, s.TagKeys)
		return nil
	case iamsweep.OpPutRolePermissionsBoundary:
		r.PermissionsBoundary = s.Target
		return nil
	case iamsweep.OpDeleteRolePermissionsBoundary:
		r.PermissionsBoundary = ""
		return nil
	case iamsweep.OpAddRoleToInstanceProfile:
		p := m.profiles[s.Target]
		switch {
		case p == nil:
			return noSuchEntity("Instance Profile %s cannot be found.", s.Target)
		case len(p.Roles) > 0:
			return limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
		}
		p.Roles = []string{r.Name}
		return nil
	case iamsweep.OpRemoveRoleFromInstanceProfile:
		p := m.profiles[s.Target]
		if p == nil || !slices.Contains(p.Roles, r.Name) {
			return noSuchEntity("Role %s in Instance Profile %s cannot be found.", r.Name, s.Target)
		}
		p.Roles = slices.DeleteFunc(p.Roles, func(n string) bool { return n == r.Name })
		return nil
	case iamsweep.OpDeleteRole, iamsweep.OpDeleteServiceLinkedRole:
		for _, p := range m.profiles {
			if slices.Contains(p.Roles, r.Name) {
				return deleteConflict("remove roles from instance profile")
			}
		}
		switch {
		case len(r.InlinePolicies) > 0:
			return deleteConflict("delete policies")
		case len(r.AttachedPolicies) > 0:
			return deleteConflict("detach all policies")
		}
		delete(m.roles, r.Name)
		return nil
	}
	return fmt.Errorf("memIAM: %s is not a role operation", s.Op)
}

func (m *memIAM) applyUser(u *iamsweep.UserState, s iamsweep.Step) error {
	switch s.Op {
	case iamsweep.OpPutUserPolicy:
		return putInline(&u.InlinePolicies, s, remediate.UserInlineSizeLimit)
	case iamsweep.OpDeleteUserPolicy:
		return deleteInline(&u.InlinePolicies, s.Target)
	case iamsweep.OpAttachUserPolicy:
		return m.attach(&u.AttachedPolicies, s.Target)
	case iamsweep.OpDetachUserPolicy:
		return detach(&u.AttachedPolicies, s.Target)
	case iamsweep.OpTagUser:
		return tag(&u.Tags, s.Tags)
	case iamsweep.OpUntagUser:
		untag(&u.Tags, s.TagKeys)
		return nil
	case iamsweep.OpPutUserPermissionsBoundary:
		u.PermissionsBoundary = s.Target
		return nil
	case iamsweep.OpDeleteUserPermissionsBoundary:
		u.PermissionsBoundary = ""
		return nil
	case iamsweep.OpCreateLoginProfile:
		if u.LoginProfile != nil {
			return alreadyExists("Login Profile for user %s already exists.", u.Name)
		}
		u.LoginProfile = &iamsweep.LoginProfileState{Created: now, PasswordResetRequired: s.PasswordResetRequired}
		return nil
	case iamsweep.OpDeleteLoginProfile:
		if u.LoginProfile == nil {
			return noSuchEntity("Login Profile for User %s cannot be found.", u.Name)
		}
		u.LoginProfile = nil
		return nil
	case iamsweep.OpUpdateAccessKey, iamsweep.OpDeleteAccessKey:
		i := slices.IndexFunc(u.AccessKeys, func(k iamsweep.AccessKeyState) bool { return k.ID == s.Target })
		if i < 0 {
			return noSuchEntity("The Access Key with id %s cannot be found.", s.Target)
		}
		if s.Op == iamsweep.OpDeleteAccessKey {
			u.AccessKeys = slices.Delete(u.AccessKeys, i, i+1)
		} else {
			u.AccessKeys[i].Active = s.Active
		}
		return nil
	case iamsweep.OpUploadSSHPublicKey:
		if slices.ContainsFunc(u.SSHPublicKeys, func(k iamsweep.SSHPublicKeyState) bool { return k.Body == s.Document }) {
			return apiError(400, "DuplicateSSHPublicKey", nil, "The SSH public key is already associated with the specified IAM user.")
		}
		u.SSHPublicKeys = append(u.SSHPublicKeys, iamsweep.SSHPublicKeyState{ID: m.newID("APKA"), Body: s.Document, Active: s.Active})
		return nil
	case iamsweep.OpUpdateSSHPublicKey, iamsweep.OpDeleteSSHPublicKey:
		i := slices.IndexFunc(u.SSHPublicKeys, func(k iamsweep.SSHPublicKeyState) bool { return k.ID == s.Target })
		if i < 0 {
			return noSuchEntity("The Public Key with id %s cannot be found.", s.Target)
		}
		if s.Op == iamsweep.OpDeleteSSHPublicKey {
			u.SSHPublicKeys = slices.Delete(u.SSHPublicKeys, i, i+1)
		} else {
			u.SSHPublicKeys[i].Active = s.Active
		}
		return nil
	case iamsweep.OpUploadSigningCertificate:
		if slices.ContainsFunc(u.SigningCertificates, func(c iamsweep.SigningCertificateState) bool { return c.Body == s.Document }) {
			return apiError(409, "DuplicateCertificate", nil, "The certificate already exists in this account.")
		}
		u.SigningCertificates = append(u.SigningCertificates, iamsweep.SigningCertificateState{ID: m.newID("CERT"), Body: s.Document, Active: s.Active})
		return nil
	case iamsweep.OpUpdateSigningCertificate, iamsweep.OpDeleteSigningCertificate:
		i := slices.IndexFunc(u.SigningCertificates, func(c iamsweep.SigningCertificateState) bool { return c.ID == s.Target })
		if i < 0 {
			return noSuchEntity("The Certificate with id %s cannot be found.", s.Target)
		}
		if s.Op == iamsweep.OpDeleteSigningCertificate {
			u.SigningCertificates = slices.Delete(u.SigningCertificates, i, i+1)
		} else {
			u.SigningCertificates[i].Active = s.Active
		}
		return nil
	case iamsweep.OpDeleteServiceSpecificCredential:
		n := len(u.ServiceCredentials)
		u.ServiceCredentials = slices.DeleteFunc(u.ServiceCredentials, func(c iamsweep.ServiceCredentialState) bool { return c.ID == s.Target })
		if len(u.ServiceCredentials) == n {
			return noSuchEntity("No such credential %s.", s.Target)
		}
		return nil
	case iamsweep.OpDeactivateMFADevice:
		n := len(u.MFADevices)
		u.MFADevices = slices.DeleteFunc(u.MFADevices, func(d iamsweep.MFADeviceState) bool { return d.SerialNumber == s.Target })
		if len(u.MFADevices) == n {
			return noSuchEntity("MFA device %s cannot be found.", s.Target)
		}
		return nil
	case iamsweep.OpAddUserToGroup:
		if m.missing[s.Target] {
			return noSuchEntity("The group with name %s cannot be found.", s.Target)
		}
		if !slices.Contains(u.Groups, s.Target) {
			u.Groups = append(u.Groups, s.Target)
		}
		return nil
	case iamsweep.OpRemoveUserFromGroup:
		if !slices.Contains(u.Groups, s.Target) {
			return noSuchEntity("The user %s is not in group %s.", u.Name, s.Target)
		}
		u.Groups = slices.DeleteFunc(u.Groups, func(g string) bool { return g == s.Target })
		return nil
	case iamsweep.OpDeleteUser:
		switch {
		case u.LoginProfile != nil:
			return deleteConflict("delete login profile")
		case len(u.AccessKeys) > 0:
			return deleteConflict("delete access keys")
		case len(u.SigningCertificates)+len(u.SSHPublicKeys)+len(u.ServiceCredentials)+len(u.MFADevices) > 0:
			return deleteConflict("delete credentials")
		case len(u.InlinePolicies)+len(u.AttachedPolicies)+len(u.Groups) > 0:
			return deleteConflict("delete policies and group memberships")
		}
		delete(m.users, u.Name)
		return nil
	}
	return fmt.Errorf("memIAM: %s is not a user operation", s.Op)
}

func putInline(ps *[]iamsweep.NamedDocument, s iamsweep.Step, limit int) error {
	size := remediate.PolicySize(s.Document)
	for _, p := range *ps {
		if p.Name != s.Target {
			size += remediate.PolicySize(p.Document)
		}
	}
	if size > limit {
		return limitExceeded("Maximum policy size of %d bytes exceeded.", limit)
	}
	*ps = slices.DeleteFunc(*ps, func(p iamsweep.NamedDocument) bool { return p.Name == s.Target })
	*ps = append(*ps, iamsweep.NamedDocument{Name: s.Target, Document: s.Document})
	slices.SortFunc(*ps, byName(func(p iamsweep.NamedDocument) string { return p.Name }))
	return nil
}

func deleteInline(ps *[]iamsweep.NamedDocument, name string) error {
	n := len(*ps)
	*ps = slices.DeleteFunc(*ps, func(p iamsweep.NamedDocument) bool { return p.Name == name })
	if len(*ps) == n {
		return noSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return nil
}

func (m *memIAM) attach(attached *[]string, arn string) error {
	if m.missing[arn] {
		return noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	if !slices.Contains(*attached, arn) {
		*attached = append(*attached, arn)
		slices.Sort(*attached)
	}
	return nil
}

func detach(attached *[]string, arn string) error {
	if !slices.Contains(*attached, arn) {
		return noSuchEntity("Policy %s was not found.", arn)
	}
	*attached = slices.DeleteFunc(*attached, func(a string) bool { return a == arn })
	return nil
}

func tag(tags *[]iamsweep.Tag, add []iamsweep.Tag) error {
	out := slices.Clone(*tags)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(h iamsweep.Tag) bool { return h.Key == t.Key }); i >= 0 {
			out[i] = t
		} else {
			out = append(out, t)
		}
	}
	if len(out) > remediate.MaxTags {
		return limitExceeded("Cannot exceed quota for TagsPerEntity: 50")
	}
	*tags = out
	return nil
}

func untag(tags *[]iamsweep.Tag, keys []string) {
	*tags = slices.DeleteFunc(*tags, func(t iamsweep.Tag) bool { return slices.Contains(keys, t.Key) })
}

func cloneRole(r iamsweep.RoleState) iamsweep.RoleState {
	r.Tags = slices.Clone(r.Tags)
	r.InlinePolicies = slices.Clone(r.InlinePolicies)
	r.AttachedPolicies = slices.Clone(r.AttachedPolicies)
	r.InstanceProfiles = slices.Clone(r.InstanceProfiles)
	for i, p := range r.InstanceProfiles {
		r.InstanceProfiles[i] = cloneProfile(p)
	}
	return r
}

func cloneProfile(p iamsweep.InstanceProfileState) iamsweep.InstanceProfileState {
	p.Tags = slices.Clone(p.Tags)
	p.Roles = slices.Clone(p.Roles)
	return p
}

func cloneUser(u iamsweep.UserState) iamsweep.UserState {
	u.Tags = slices.Clone(u.Tags)
	u.InlinePolicies = slices.Clone(u.InlinePolicies)
	u.AttachedPolicies = slices.Clone(u.AttachedPolicies)
	u.Groups = slices.Clone(u.Groups)
	if u.LoginProfile != nil {
		lp := *u.LoginProfile
		u.LoginProfile = &lp
	}
	u.AccessKeys = slices.Clone(u.AccessKeys)
	u.MFADevices = slices.Clone(u.MFADevices)
	u.SSHPublicKeys = slices.Clone(u.SSHPublicKeys)
	u.SigningCertificates = slices.Clone(u.SigningCertificates)
	u.ServiceCredentials = slices.Clone(u.ServiceCredentials)
	return u
}
