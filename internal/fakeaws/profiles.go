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
	name, e := nameParam(req, "InstanceProfileName", 128)
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
	if p, _ := findProfile(acct, name); p != nil {
		return alreadyExists("Instance Profile %s already exists.", name)
	}
	p := InstanceProfile{Name: name, Path: path, ID: s.newID("AIPA", acct), Created: s.created(), Tags: tags}
	acct.InstanceProfiles = append(acct.InstanceProfiles, p)
	x.open("InstanceProfile")
	x.instanceProfile(acct, &p, nil)
	x.close("InstanceProfile")
	return nil
}

// getInstanceProfile answers GetInstanceProfile.
func (s *Server) getInstanceProfile(acct *Account, req *request, x *xmlw) *apiError {
	p, holder, e := profileParam(acct, req)
	if e != nil {
		return e
	}
	x.open("InstanceProfile")
	x.instanceProfile(acct, p, holder)
	x.close("InstanceProfile")
	return nil
}

// addRoleToInstanceProfile answers AddRoleToInstanceProfile: a profile
// that holds a role takes no other (LimitExceeded).
func (s *Server) addRoleToInstanceProfile(acct *Account, req *request, x *xmlw) *apiError {
	p, holder, e := profileParam(acct, req)
	if e != nil {
		return e
	}
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	if holder != nil {
		return limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	}
	moved := *p
	acct.InstanceProfiles = without(acct.InstanceProfiles, p)
	r.InstanceProfiles = append(r.InstanceProfiles, moved)
	r.changed()
	return nil
}

// removeRoleFromInstanceProfile answers RemoveRoleFromInstanceProfile.
func (s *Server) removeRoleFromInstanceProfile(acct *Account, req *request, x *xmlw) *apiError {
	p, holder, e := profileParam(acct, req)
	if e != nil {
		return e
	}
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	if holder != r {
		return errorf(404, "NoSuchEntity", "The role with name %s cannot be found in instance profile %s.", r.Name, p.Name)
	}
	moved := *p
	r.InstanceProfiles = without(r.InstanceProfiles, p)
	acct.InstanceProfiles = append(acct.InstanceProfiles, moved)
	r.changed()
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

// tagInstanceProfile answers TagInstanceProfile.
func (s *Server) tagInstanceProfile(acct *Account, req *request, x *xmlw) *apiError {
	p, holder, e := profileParam(acct, req)
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
	tags, e := mergeTags(p.Tags, add, "InstanceProfile")
	if e != nil {
		return e
	}
	p.Tags = tags
	if holder != nil {
		holder.changed()
	}
	return nil
}

// untagInstanceProfile answers UntagInstanceProfile.
func (s *Server) untagInstanceProfile(acct *Account, req *request, x *xmlw) *apiError {
	p, holder, e := profileParam(acct, req)
	if e != nil {
		return e
	}
	keys, e := tagKeysParam(req)
	if e != nil {
		return e
	}
	p.Tags = removeTags(p.Tags, keys)
	if holder != nil {
		holder.changed()
	}
	return nil
}

// listInstanceProfileTags answers ListInstanceProfileTags.
func (s *Server) listInstanceProfileTags(acct *Account, req *request, x *xmlw) *apiError {
	p, _, e := profileParam(acct, req)
	if e != nil {
		return e
	}
	return s.tagsPage(req, "profiletags,"+p.ID, p.Tags, x)
}
