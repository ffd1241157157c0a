package fakeaws

import (
	"slices"
)

// The user actions other than credentials (credentials.go, mfa.go). Every
// change clears the user's cached UserDetail, so that
// GetAccountAuthorizationDetails shows it; the credential report shows it
// from the next report generated.

// changed forgets the user's rendered UserDetail.
func (u *User) changed() { u.xml = nil }

// getUser answers GetUser.
func (s *Server) getUser(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	x.open("User")
	x.user(acct, u, true)
	x.close("User")
	return nil
}

// createUser answers CreateUser: the name must be new in the account
// regardless of case.
func (s *Server) createUser(acct *Account, req *request, x *xmlw) *apiError {
	name, e := nameParam(req, "UserName", 64)
	if e != nil {
		return e
	}
	path, e := pathParam(req)
	if e != nil {
		return e
	}
	tags, e := tagsParam(req)
	if e != nil {
		return e
	}
	if findUser(acct, name) != nil {
		return alreadyExists("User with name %s already exists.", name)
	}
	boundary, e := boundaryParam(acct, req, false)
	if e != nil {
		return e
	}
	u := &User{Name: name, Path: path, ID: s.newID("AIDA", acct), Created: s.created(), Boundary: boundary, Tags: tags}
	acct.Users = insertSorted(acct.Users, u, func(u *User) string { return u.Name })
	x.open("User")
	x.user(acct, u, true)
	x.close("User")
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
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	if u.Password == nil {
		return errorf(404, "NoSuchEntity", "Login Profile for User %s cannot be found.", u.Name)
	}
	x.loginProfile(u)
	return nil
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
	u.changed()
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
		return errorf(404, "NoSuchEntity", "Login Profile for User %s cannot be found.", u.Name)
	}
	if req.form.Has("PasswordResetRequired") {
		u.Password.PasswordResetRequired = reset
	}
	u.changed()
	return nil
}

// deleteLoginProfile answers DeleteLoginProfile. The user keeps its
// PasswordLastUsed.
func (s *Server) deleteLoginProfile(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	if u.Password == nil {
		return errorf(404, "NoSuchEntity", "Login Profile for User %s cannot be found.", u.Name)
	}
	if !u.Password.LastUsed.IsZero() {
		u.passwordLastUsed = u.Password.LastUsed
	}
	u.Password = nil
	u.changed()
	return nil
}

// listUserPolicies answers ListUserPolicies.
func (s *Server) listUserPolicies(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	return s.inlinePage(req, "userpolicies,"+u.ID, u.Inline, x)
}

// getUserPolicy answers GetUserPolicy.
func (s *Server) getUserPolicy(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	name, e := policyNameParam(req)
	if e != nil {
		return e
	}
	p, ok := findInline(u.Inline, name)
	if !ok {
		return errorf(404, "NoSuchEntity", "The user policy with name %s cannot be found.", name)
	}
	x.elem("UserName", u.Name)
	x.elem("PolicyName", p.Name)
	x.elem("PolicyDocument", policyText(p.Document))
	return nil
}

// putUserPolicy answers PutUserPolicy: the user's inline policies together
// may hold UserPolicySizeQuota characters, white space not counted.
func (s *Server) putUserPolicy(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	name, e := policyNameParam(req)
	if e != nil {
		return e
	}
	doc, e := documentParam(req, "PolicyDocument", false)
	if e != nil {
		return e
	}
	if quota := s.quotas["UserPolicySizeQuota"]; inlineSize(u.Inline, name)+policySize(doc) > quota {
		return limitExceeded("Maximum policy size of %d bytes exceeded for user %s", quota, u.Name)
	}
	u.Inline = putInline(u.Inline, name, doc)
	u.changed()
	return nil
}

// deleteUserPolicy answers DeleteUserPolicy.
func (s *Server) deleteUserPolicy(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	name, e := policyNameParam(req)
	if e != nil {
		return e
	}
	list, ok := deleteInline(u.Inline, name)
	if !ok {
		return errorf(404, "NoSuchEntity", "The user policy with name %s cannot be found.", name)
	}
	u.Inline = list
	u.changed()
	return nil
}

// listAttachedUserPolicies answers ListAttachedUserPolicies.
func (s *Server) listAttachedUserPolicies(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	return s.attachedPage(req, "attacheduser,"+u.ID, u.Attached, x)
}

// attachUserPolicy answers AttachUserPolicy: the policy must exist, and a
// user holds at most AttachedPoliciesPerUserQuota.
func (s *Server) attachUserPolicy(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	arn, e := policyArnParam(acct, req)
	if e != nil {
		return e
	}
	list, e := attach(u.Attached, arn, s.quotas["AttachedPoliciesPerUserQuota"], "User")
	if e != nil {
		return e
	}
	u.Attached = list
	u.changed()
	return nil
}

// detachUserPolicy answers DetachUserPolicy.
func (s *Server) detachUserPolicy(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	arn, e := textParam(req, "PolicyArn", 20, 2048)
	if e != nil {
		return e
	}
	list, e := detach(u.Attached, arn)
	if e != nil {
		return e
	}
	u.Attached = list
	u.changed()
	return nil
}

// putUserPermissionsBoundary answers PutUserPermissionsBoundary.
func (s *Server) putUserPermissionsBoundary(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	arn, e := boundaryParam(acct, req, true)
	if e != nil {
		return e
	}
	u.Boundary = arn
	u.changed()
	return nil
}

// deleteUserPermissionsBoundary answers DeleteUserPermissionsBoundary.
func (s *Server) deleteUserPermissionsBoundary(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	u.Boundary = ""
	u.changed()
	return nil
}

// tagUser answers TagUser.
func (s *Server) tagUser(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	add, e := tagsParam(req)
	if e != nil {
		return e
	}
	if len(add) == 0 {
		return validation("tags", "null", "Member must not be null")
	}
	tags, e := mergeTags(u.Tags, add, "User")
	if e != nil {
		return e
	}
	u.Tags = tags
	u.changed()
	return nil
}

// untagUser answers UntagUser.
func (s *Server) untagUser(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	keys, e := tagKeysParam(req)
	if e != nil {
		return e
	}
	u.Tags = removeTags(u.Tags, keys)
	u.changed()
	return nil
}

// listUserTags answers ListUserTags.
func (s *Server) listUserTags(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	return s.tagsPage(req, "usertags,"+u.ID, u.Tags, x)
}

// Groups.

// groupParam finds the group named by GroupName.
func groupParam(acct *Account, req *request) (*Group, *apiError) {
	name, e := nameParam(req, "GroupName", 128)
	if e != nil {
		return nil, e
	}
	g := findGroup(acct, name)
	if g == nil {
		return nil, errorf(404, "NoSuchEntity", "The group with name %s cannot be found.", name)
	}
	return g, nil
}

// createGroup answers CreateGroup.
func (s *Server) createGroup(acct *Account, req *request, x *xmlw) *apiError {
	name, e := nameParam(req, "GroupName", 128)
	if e != nil {
		return e
	}
	path, e := pathParam(req)
	if e != nil {
		return e
	}
	if findGroup(acct, name) != nil {
		return alreadyExists("Group with name %s already exists.", name)
	}
	g := &Group{Name: name, Path: path, ID: s.newID("AGPA", acct), Created: s.created()}
	acct.Groups = insertSorted(acct.Groups, g, func(g *Group) string { return g.Name })
	x.open("Group")
	x.group(acct, g)
	x.close("Group")
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
	listing := "groupusers," + g.ID
	start, end, e := s.window(req, listing, len(members))
	if e != nil {
		return e
	}
	x.open("Group")
	x.group(acct, g)
	x.close("Group")
	x.list("Users", end-start, func(i int) { x.user(acct, members[start+i], false) })
	x.more(listing, end, len(members))
	return nil
}

// listGroupsForUser answers ListGroupsForUser.
func (s *Server) listGroupsForUser(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	var groups []*Group
	for _, name := range u.Groups {
		if g := findGroup(acct, name); g != nil {
			groups = append(groups, g)
		}
	}
	listing := "groupsforuser," + u.ID
	start, end, e := s.window(req, listing, len(groups))
	if e != nil {
		return e
	}
	x.list("Groups", end-start, func(i int) { x.group(acct, groups[start+i]) })
	x.more(listing, end, len(groups))
	return nil
}

// addUserToGroup answers AddUserToGroup: a no-op for a member; a user is
// in at most GroupsPerUserQuota groups.
func (s *Server) addUserToGroup(acct *Account, req *request, x *xmlw) *apiError {
	g, e := groupParam(acct, req)
	if e != nil {
		return e
	}
	u, e := s.userParam(acct, req)
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
	u.changed()
	return nil
}

// removeUserFromGroup answers RemoveUserFromGroup.
func (s *Server) removeUserFromGroup(acct *Account, req *request, x *xmlw) *apiError {
	g, e := groupParam(acct, req)
	if e != nil {
		return e
	}
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	if !u.inGroup(g) {
		return errorf(404, "NoSuchEntity", "The user with name %s cannot be found in group %s.", u.Name, g.Name)
	}
	u.Groups = slices.DeleteFunc(slices.Clone(u.Groups), func(n string) bool { return equalFold(n, g.Name) })
	u.changed()
	return nil
}
