package fakeaws

import (
	"slices"
	"strconv"
	"strings"
)

// The role actions. Every change clears the role's cached RoleDetail, so
// that GetAccountAuthorizationDetails shows it.

// isServiceLinked reports whether r is a service-linked role, which only
// its service may change.
func (r *Role) isServiceLinked() bool {
	return strings.HasPrefix(r.Path, "/aws-service-role/")
}

// changed forgets the role's rendered RoleDetail.
func (r *Role) changed() { r.xml = nil }

// getRole answers GetRole.
func (s *Server) getRole(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	x.open("Role")
	x.role(acct, r, true)
	x.close("Role")
	return nil
}

// listRolePolicies answers ListRolePolicies.
func (s *Server) listRolePolicies(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	return s.inlinePage(req, "rolepolicies,"+r.ID, r.Inline, x)
}

// getRolePolicy answers GetRolePolicy.
func (s *Server) getRolePolicy(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	name, e := policyNameParam(req)
	if e != nil {
		return e
	}
	p, ok := findInline(r.Inline, name)
	if !ok {
		return errorf(404, "NoSuchEntity", "The role policy with name %s cannot be found.", name)
	}
	x.elem("RoleName", r.Name)
	x.elem("PolicyName", p.Name)
	x.elem("PolicyDocument", policyText(p.Document))
	return nil
}

// listAttachedRolePolicies answers ListAttachedRolePolicies.
func (s *Server) listAttachedRolePolicies(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	return s.attachedPage(req, "attachedrole,"+r.ID, r.Attached, x)
}

// listInstanceProfilesForRole answers ListInstanceProfilesForRole.
func (s *Server) listInstanceProfilesForRole(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	listing := "profilesforrole," + r.ID
	start, end, e := s.window(req, listing, len(r.InstanceProfiles))
	if e != nil {
		return e
	}
	x.list("InstanceProfiles", end-start, func(i int) { x.instanceProfile(acct, &r.InstanceProfiles[start+i], r) })
	x.more(listing, end, len(r.InstanceProfiles))
	return nil
}

// listRoleTags answers ListRoleTags.
func (s *Server) listRoleTags(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	return s.tagsPage(req, "roletags,"+r.ID, r.Tags, x)
}

// sessionParam returns the MaxSessionDuration parameter; ok is false when
// it is absent.
func sessionParam(req *request) (seconds int, ok bool, e *apiError) {
	v, ok := req.form["MaxSessionDuration"]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v[0])
	switch {
	case err != nil:
		return 0, false, validation("maxSessionDuration", v[0], "Member must be an integer")
	case n < 3600:
		return 0, false, validation("maxSessionDuration", v[0], "Member must have value greater than or equal to 3600")
	case n > 43200:
		return 0, false, validation("maxSessionDuration", v[0], "Member must have value less than or equal to 43200")
	}
	return n, true, nil
}

// descriptionParam returns the Description parameter; ok is false when it
// is absent.
func descriptionParam(req *request) (string, bool, *apiError) {
	v, ok := req.form["Description"]
	if !ok {
		return "", false, nil
	}
	if len([]rune(v[0])) > 1000 {
		return "", false, validation("description", v[0], "Member must have length less than or equal to 1000")
	}
	return v[0], true, nil
}

// trustParam returns a trust policy parameter, checked and within the
// AssumeRolePolicySizeQuota.
func (s *Server) trustParam(req *request, field string) (string, *apiError) {
	doc, e := documentParam(req, field, true)
	if e != nil {
		return "", e
	}
	if quota := s.quotas["AssumeRolePolicySizeQuota"]; policySize(doc) > quota {
		return "", limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", quota)
	}
	return doc, nil
}

// createRole answers CreateRole: the name must be new in the account
// regardless of case, and the role gets a new RoleId even when it has the
// name of a deleted one.
func (s *Server) createRole(acct *Account, req *request, x *xmlw) *apiError {
	name, e := nameParam(req, "RoleName", 64)
	if e != nil {
		return e
	}
	path, e := pathParam(req)
	if e != nil {
		return e
	}
	if _, e := required(req, "AssumeRolePolicyDocument"); e != nil {
		return e
	}
	description, _, e := descriptionParam(req)
	if e != nil {
		return e
	}
	seconds, ok, e := sessionParam(req)
	if e != nil {
		return e
	}
	if !ok {
		seconds = 3600
	}
	tags, e := tagsParam(req)
	if e != nil {
		return e
	}
	if findRoleByName(acct, name) != nil {
		return alreadyExists("Role with name %s already exists.", name)
	}
	trust, e := s.trustParam(req, "AssumeRolePolicyDocument")
	if e != nil {
		return e
	}
	boundary, e := boundaryParam(acct, req, false)
	if e != nil {
		return e
	}
	r := &Role{
		Name: name, Path: path, ID: s.newID("AROA", acct), Created: s.created(),
		Description: description, MaxSessionDuration: seconds, TrustPolicy: trust, Boundary: boundary, Tags: tags,
	}
	acct.Roles = insertSorted(acct.Roles, r, func(r *Role) string { return r.Name })
	x.open("Role")
	x.role(acct, r, false)
	x.close("Role")
	return nil
}

// modifiableRole finds the role named by RoleName, which must not be
// service-linked.
func modifiableRole(acct *Account, req *request) (*Role, *apiError) {
	r, e := roleParam(acct, req)
	if e != nil {
		return nil, e
	}
	if r.isServiceLinked() {
		return nil, unmodifiable(r)
	}
	return r, nil
}

// updateRole answers UpdateRole: Description and MaxSessionDuration. A
// service-linked role's description may change; nothing else may.
func (s *Server) updateRole(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	description, setDescription, e := descriptionParam(req)
	if e != nil {
		return e
	}
	seconds, setSeconds, e := sessionParam(req)
	if e != nil {
		return e
	}
	if setSeconds && r.isServiceLinked() {
		return unmodifiable(r)
	}
	if setDescription {
		r.Description = description
	}
	if setSeconds {
		r.MaxSessionDuration = seconds
	}
	r.changed()
	return nil
}

// updateAssumeRolePolicy answers UpdateAssumeRolePolicy.
func (s *Server) updateAssumeRolePolicy(acct *Account, req *request, x *xmlw) *apiError {
	r, e := modifiableRole(acct, req)
	if e != nil {
		return e
	}
	trust, e := s.trustParam(req, "PolicyDocument")
	if e != nil {
		return e
	}
	r.TrustPolicy = trust
	r.changed()
	return nil
}

// putRolePolicy answers PutRolePolicy: the role's inline policies together
// may hold RolePolicySizeQuota characters, white space not counted.
func (s *Server) putRolePolicy(acct *Account, req *request, x *xmlw) *apiError {
	r, e := modifiableRole(acct, req)
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
	if quota := s.quotas["RolePolicySizeQuota"]; inlineSize(r.Inline, name)+policySize(doc) > quota {
		return limitExceeded("Maximum policy size of %d bytes exceeded for role %s", quota, r.Name)
	}
	r.Inline = putInline(r.Inline, name, doc)
	r.changed()
	return nil
}

// deleteRolePolicy answers DeleteRolePolicy.
func (s *Server) deleteRolePolicy(acct *Account, req *request, x *xmlw) *apiError {
	r, e := modifiableRole(acct, req)
	if e != nil {
		return e
	}
	name, e := policyNameParam(req)
	if e != nil {
		return e
	}
	list, ok := deleteInline(r.Inline, name)
	if !ok {
		return errorf(404, "NoSuchEntity", "The role policy with name %s cannot be found.", name)
	}
	r.Inline = list
	r.changed()
	return nil
}

// attachRolePolicy answers AttachRolePolicy: the policy must exist, and a
// role holds at most AttachedPoliciesPerRoleQuota.
func (s *Server) attachRolePolicy(acct *Account, req *request, x *xmlw) *apiError {
	r, e := modifiableRole(acct, req)
	if e != nil {
		return e
	}
	arn, e := policyArnParam(acct, req)
	if e != nil {
		return e
	}
	list, e := attach(r.Attached, arn, s.quotas["AttachedPoliciesPerRoleQuota"], "Role")
	if e != nil {
		return e
	}
	r.Attached = list
	r.changed()
	return nil
}

// detachRolePolicy answers DetachRolePolicy.
func (s *Server) detachRolePolicy(acct *Account, req *request, x *xmlw) *apiError {
	r, e := modifiableRole(acct, req)
	if e != nil {
		return e
	}
	arn, e := textParam(req, "PolicyArn", 20, 2048)
	if e != nil {
		return e
	}
	list, e := detach(r.Attached, arn)
	if e != nil {
		return e
	}
	r.Attached = list
	r.changed()
	return nil
}

// putRolePermissionsBoundary answers PutRolePermissionsBoundary.
func (s *Server) putRolePermissionsBoundary(acct *Account, req *request, x *xmlw) *apiError {
	r, e := modifiableRole(acct, req)
	if e != nil {
		return e
	}
	arn, e := boundaryParam(acct, req, true)
	if e != nil {
		return e
	}
	r.Boundary = arn
	r.changed()
	return nil
}

// deleteRolePermissionsBoundary answers DeleteRolePermissionsBoundary; a
// role without a boundary is left as it is.
func (s *Server) deleteRolePermissionsBoundary(acct *Account, req *request, x *xmlw) *apiError {
	r, e := modifiableRole(acct, req)
	if e != nil {
		return e
	}
	r.Boundary = ""
	r.changed()
	return nil
}

// tagRole answers TagRole (service-linked roles may be tagged).
func (s *Server) tagRole(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
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
	tags, e := mergeTags(r.Tags, add, "Role")
	if e != nil {
		return e
	}
	r.Tags = tags
	r.changed()
	return nil
}

// untagRole answers UntagRole.
func (s *Server) untagRole(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	keys, e := tagKeysParam(req)
	if e != nil {
		return e
	}
	r.Tags = removeTags(r.Tags, keys)
	r.changed()
	return nil
}

// deleteRole answers DeleteRole with IAM's preconditions: nothing may be
// left attached to the role (inline policies, managed policies, instance
// profiles, checked in the order the API reference lists them), and a
// service-linked role is deleted only through DeleteServiceLinkedRole.
func (s *Server) deleteRole(acct *Account, req *request, x *xmlw) *apiError {
	r, e := modifiableRole(acct, req)
	if e != nil {
		return e
	}
	switch {
	case len(r.Inline) > 0:
		return deleteConflict("delete policies")
	case len(r.Attached) > 0:
		return deleteConflict("detach all policies")
	case len(r.InstanceProfiles) > 0:
		return deleteConflict("remove roles from instance profile")
	}
	removeRole(acct, r)
	return nil
}

// removeRole takes a role out of its account.
func removeRole(acct *Account, r *Role) {
	acct.Roles = slices.DeleteFunc(acct.Roles, func(x *Role) bool { return x == r })
}
