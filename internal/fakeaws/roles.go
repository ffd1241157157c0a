package fakeaws

import (
	"slices"
	"strconv"
	"strings"
)

// The role actions (those roles share with users: principal.go). Every
// change clears the role's cached RoleDetail, so that
// GetAccountAuthorizationDetails shows it.

// isServiceLinked reports whether r is a service-linked role, which only
// its service may change.
func (r *Role) isServiceLinked() bool {
	return strings.HasPrefix(r.Path, "/aws-service-role/")
}

// changed forgets the role's rendered RoleDetail.

// getRole answers GetRole.
func (s *Server) getRole(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	x.in("Role", func() { x.role(acct, r, true) })
	return nil
}

// listInstanceProfilesForRole answers ListInstanceProfilesForRole.
func (s *Server) listInstanceProfilesForRole(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	return page(s, req, x, "profilesforrole,"+r.ID, "InstanceProfiles", r.InstanceProfiles, func(p InstanceProfile) { x.instanceProfile(acct, &p, r) })
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
	name, path, e := namePathParams(req, "RoleName", 64)
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
	if findNamed(acct.Roles, name) != nil {
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
	acct.Roles = insertSorted(acct.Roles, r)
	x.in("Role", func() { x.role(acct, r, false) })
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
