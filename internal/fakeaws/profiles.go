package fakeaws

// The instance profile actions. A profile holds at most one role: one that
// holds a role lives in the role's InstanceProfiles, one that holds none in
// the account's.

// findProfile finds an instance profile by name, regardless of case, and
// the role that holds it (nil for none).
func findProfile(acct *Account, name string) (*InstanceProfile, *Role) {
	for _, r := range acct.Roles {
		for i := range r.InstanceProfiles {
			if equalFold(r.InstanceProfiles[i].Name, name) {
				return &r.InstanceProfiles[i], r
			}
		}
	}
	for i := range acct.InstanceProfiles {
		if equalFold(acct.InstanceProfiles[i].Name, name) {
			return &acct.InstanceProfiles[i], nil
		}
	}
	return nil, nil
}

// without returns a copy of list without the element p points to.
func without(list []InstanceProfile, p *InstanceProfile) []InstanceProfile {
	out := make([]InstanceProfile, 0, len(list))
	for i := range list {
		if &list[i] != p {
			out = append(out, list[i])
		}
	}
	return out
}

// move moves the profile p points to from one list to the end of another.
func move(p *InstanceProfile, from, to *[]InstanceProfile) {
	moved := *p
	*from = without(*from, p)
	*to = append(*to, moved)
}

// profileParam finds the profile named by InstanceProfileName.
func profileParam(acct *Account, req *request) (*InstanceProfile, *Role, *apiError) {
	name, e := nameParam(req, "InstanceProfileName", 128)
	if e != nil {
		return nil, nil, e
	}
	p, holder := findProfile(acct, name)
	if p == nil {
		return nil, nil, errorf(404, "NoSuchEntity", "Instance Profile %s cannot be found.", name)
	}
	return p, holder, nil
}

// createInstanceProfile answers CreateInstanceProfile.
func (s *Server) createInstanceProfile(acct *Account, req *request, x *xmlw) *apiError {
	name, path, tags, e := createParams(req, "InstanceProfileName", 128)
	if e != nil {
		return e
	}
	if p, _ := findProfile(acct, name); p != nil {
		return alreadyExists("Instance Profile %s already exists.", name)
	}
	p := InstanceProfile{Name: name, Path: path, ID: s.newID("AIPA", acct), Created: s.created(), Tags: tags}
	acct.InstanceProfiles = append(acct.InstanceProfiles, p)
	x.in("InstanceProfile", func() { x.instanceProfile(acct, &p, nil) })
	return nil
}

// getInstanceProfile answers GetInstanceProfile.
func (s *Server) getInstanceProfile(acct *Account, req *request, x *xmlw) *apiError {
	p, holder, e := profileParam(acct, req)
	if e != nil {
		return e
	}
	x.in("InstanceProfile", func() { x.instanceProfile(acct, p, holder) })
	return nil
}

// profileRoleParams finds the profile named by InstanceProfileName, the
// role that holds it (nil for none) and the role named by RoleName.
func profileRoleParams(acct *Account, req *request) (p *InstanceProfile, holder, r *Role, e *apiError) {
	if p, holder, e = profileParam(acct, req); e == nil {
		r, e = roleParam(acct, req)
	}
	return p, holder, r, e
}

// addRoleToInstanceProfile answers AddRoleToInstanceProfile: a profile
// that holds a role takes no other (LimitExceeded).
func (s *Server) addRoleToInstanceProfile(acct *Account, req *request, x *xmlw) *apiError {
	p, holder, r, e := profileRoleParams(acct, req)
	if e != nil {
		return e
	}
	if holder != nil {
		return limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	}
	move(p, &acct.InstanceProfiles, &r.InstanceProfiles)
	return nil
}

// removeRoleFromInstanceProfile answers RemoveRoleFromInstanceProfile.
func (s *Server) removeRoleFromInstanceProfile(acct *Account, req *request, x *xmlw) *apiError {
	p, holder, r, e := profileRoleParams(acct, req)
	if e != nil {
		return e
	}
	if holder != r {
		return errorf(404, "NoSuchEntity", "The role with name %s cannot be found in instance profile %s.", r.Name, p.Name)
	}
	move(p, &r.InstanceProfiles, &acct.InstanceProfiles)
	return nil
}

// deleteInstanceProfile answers DeleteInstanceProfile: a profile that
// holds a role cannot be deleted (DeleteConflict).
func (s *Server) deleteInstanceProfile(acct *Account, req *request, x *xmlw) *apiError {
	p, holder, e := profileParam(acct, req)
	if e != nil {
		return e
	}
	if holder != nil {
		return deleteConflict("remove roles from instance profile")
	}
	acct.InstanceProfiles = without(acct.InstanceProfiles, p)
	return nil
}

// retagProfile answers TagInstanceProfile and UntagInstanceProfile: the
// tags become what change makes of them.
func retagProfile(change tagChange) queryAction {
	return func(s *Server, acct *Account, req *request, x *xmlw) *apiError {
		p, _, e := profileParam(acct, req)
		if e != nil {
			return e
		}
		tags, e := change(req, p.Tags, "InstanceProfile")
		if e != nil {
			return e
		}
		p.Tags = tags
		return nil
	}
}

// listInstanceProfileTags answers ListInstanceProfileTags.
func (s *Server) listInstanceProfileTags(acct *Account, req *request, x *xmlw) *apiError {
	p, _, e := profileParam(acct, req)
	if e != nil {
		return e
	}
	return page(s, req, x, "profiletags,"+p.ID, "Tags", p.Tags, x.tag)
}
