package fakeaws

import (
	"slices"
)

// The user actions other than credentials (credentials.go, mfa.go) and
// those users share with roles (principal.go). Every change clears the user's cached UserDetail, so that
// GetAccountAuthorizationDetails shows it; the credential report shows it
// from the next report generated.

// changed forgets the user's rendered UserDetail.

// getUser answers GetUser.
func (s *Server) getUser(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	x.in("User", func() { x.user(acct, u, true) })
	return nil
}

// createUser answers CreateUser: the name must be new in the account
// regardless of case.
func (s *Server) createUser(acct *Account, req *request, x *xmlw) *apiError {
	name, path, tags, e := createParams(req, "UserName", 64)
	if e != nil {
		return e
	}
	if findNamed(acct.Users, name) != nil {
		return alreadyExists("User with name %s already exists.", name)
	}
	boundary, e := boundaryParam(acct, req, false)
	if e != nil {
		return e
	}
	u := &User{Name: name, Path: path, ID: s.newID("AIDA", acct), Created: s.created(), Boundary: boundary, Tags: tags}
	acct.Users = insertSorted(acct.Users, u)
	x.in("User", func() { x.user(acct, u, true) })
	return nil
}

// deleteUser answers DeleteUser with IAM's preconditions: everything the
// user holds must be removed first, checked in the order of the DeleteUser
// API reference: password, access keys, signing certificates, SSH public
// keys, service-specific credentials, MFA devices, inline policies,
// attached managed policies, group memberships.
func (s *Server) deleteUser(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	switch {
	case u.Password != nil:
		return deleteConflict("delete login profile")
	case len(u.AccessKeys) > 0:
		return deleteConflict("delete access keys")
	case len(u.SigningCertificates) > 0:
		return deleteConflict("delete signing certificates")
	case len(u.SSHPublicKeys) > 0:
		return deleteConflict("delete SSH public keys")
	case len(u.ServiceCredentials) > 0:
		return deleteConflict("delete service specific credentials")
	case len(u.MFADevices) > 0:
		return deleteConflict("delete MFA device")
	case len(u.Inline) > 0:
		return deleteConflict("delete policies")
	case len(u.Attached) > 0:
		return deleteConflict("detach all policies")
	case len(u.Groups) > 0:
		return deleteConflict("remove users from group")
	}
	acct.Users = slices.DeleteFunc(acct.Users, func(x *User) bool { return x == u })
	return nil
}

// getLoginProfile answers GetLoginProfile: NoSuchEntity for a user
// without a password.
func (s *Server) getLoginProfile(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.passwordUser(acct, req)
	if e != nil {
		return e
	}
	x.loginProfile(u)
	return nil
}

// passwordUser finds the user named by the request, which must have a
// password.
func (s *Server) passwordUser(acct *Account, req *request) (*User, *apiError) {
	u, e := s.userParam(acct, req)
	if e == nil && u.Password == nil {
		e = noLoginProfile(u)
	}
	return u, e
}

// noLoginProfile is the error for a user without a password.
func noLoginProfile(u *User) *apiError {
	return errorf(404, "NoSuchEntity", "Login Profile for User %s cannot be found.", u.Name)
}

func (x *xmlw) loginProfile(u *User) {
	x.open("LoginProfile")
	x.elem("UserName", u.Name)
	x.time("CreateDate", u.Password.Created)
	x.boolean("PasswordResetRequired", u.Password.PasswordResetRequired)
	x.close("LoginProfile")
}

// createLoginProfile answers CreateLoginProfile: a user has at most one.
// The password is not kept.
func (s *Server) createLoginProfile(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	if v, ok := req.form["Password"]; ok && (len(v[0]) < 1 || len(v[0]) > 128) {
		return validation("password", "*****", "Member must have length between 1 and 128")
	}
	reset, e := boolParam(req, "PasswordResetRequired")
	if e != nil {
		return e
	}
	if u.Password != nil {
		return alreadyExists("Login Profile for user %s already exists.", u.Name)
	}
	u.Password = &LoginProfile{Created: s.created(), PasswordResetRequired: reset}
	x.loginProfile(u)
	return nil
}

// updateLoginProfile answers UpdateLoginProfile.
func (s *Server) updateLoginProfile(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	reset, e := boolParam(req, "PasswordResetRequired")
	if e != nil {
		return e
	}
	if u.Password == nil {
		return noLoginProfile(u)
	}
	if req.form.Has("PasswordResetRequired") {
		u.Password.PasswordResetRequired = reset
	}
	return nil
}

// deleteLoginProfile answers DeleteLoginProfile. The user keeps its
// PasswordLastUsed.
func (s *Server) deleteLoginProfile(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.passwordUser(acct, req)
	if e != nil {
		return e
	}
	if !u.Password.LastUsed.IsZero() {
		u.passwordLastUsed = u.Password.LastUsed
	}
	u.Password = nil
	return nil
}

// Groups.

// groupParam finds the group named by GroupName.
func groupParam(acct *Account, req *request) (*Group, *apiError) {
	return namedParam(req, "GroupName", 128, acct.Groups, "group")
}

// createGroup answers CreateGroup.
func (s *Server) createGroup(acct *Account, req *request, x *xmlw) *apiError {
	name, path, e := namePathParams(req, "GroupName", 128)
	if e != nil {
		return e
	}
	if findNamed(acct.Groups, name) != nil {
		return alreadyExists("Group with name %s already exists.", name)
	}
	g := &Group{Name: name, Path: path, ID: s.newID("AGPA", acct), Created: s.created()}
	acct.Groups = insertSorted(acct.Groups, g)
	x.in("Group", func() { x.group(acct, g) })
	return nil
}

// inGroup reports whether u is a member of g.
func (u *User) inGroup(g *Group) bool {
	return slices.ContainsFunc(u.Groups, func(n string) bool { return equalFold(n, g.Name) })
}

// getGroup answers GetGroup: the group and its users.
func (s *Server) getGroup(acct *Account, req *request, x *xmlw) *apiError {
	g, e := groupParam(acct, req)
	if e != nil {
		return e
	}
	var members []*User
	for _, u := range acct.Users {
		if u.inGroup(g) {
			members = append(members, u)
		}
	}
	x.in("Group", func() { x.group(acct, g) })
	return page(s, req, x, "groupusers,"+g.ID, "Users", members, func(u *User) { x.user(acct, u, false) })
}

// listGroupsForUser answers ListGroupsForUser.
func (s *Server) listGroupsForUser(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	var groups []*Group
	for _, name := range u.Groups {
		if g := findNamed(acct.Groups, name); g != nil {
			groups = append(groups, g)
		}
	}
	return page(s, req, x, "groupsforuser,"+u.ID, "Groups", groups, func(g *Group) { x.group(acct, g) })
}

// groupUserParams finds the group named by GroupName and the user named
// by UserName.
func (s *Server) groupUserParams(acct *Account, req *request) (g *Group, u *User, e *apiError) {
	if g, e = groupParam(acct, req); e == nil {
		u, e = s.userParam(acct, req)
	}
	return g, u, e
}

// addUserToGroup answers AddUserToGroup: a no-op for a member; a user is
// in at most GroupsPerUserQuota groups.
func (s *Server) addUserToGroup(acct *Account, req *request, x *xmlw) *apiError {
	g, u, e := s.groupUserParams(acct, req)
	if e != nil {
		return e
	}
	if u.inGroup(g) {
		return nil
	}
	if quota := s.quotas["GroupsPerUserQuota"]; len(u.Groups) >= quota {
		return limitExceeded("Cannot exceed quota for GroupsPerUser: %d", quota)
	}
	u.Groups = append(slices.Clone(u.Groups), g.Name)
	return nil
}

// removeUserFromGroup answers RemoveUserFromGroup.
func (s *Server) removeUserFromGroup(acct *Account, req *request, x *xmlw) *apiError {
	g, u, e := s.groupUserParams(acct, req)
	if e != nil {
		return e
	}
	if !u.inGroup(g) {
		return errorf(404, "NoSuchEntity", "The user with name %s cannot be found in group %s.", u.Name, g.Name)
	}
	u.Groups = slices.DeleteFunc(slices.Clone(u.Groups), func(n string) bool { return equalFold(n, g.Name) })
	return nil
}
