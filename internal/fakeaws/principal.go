package fakeaws

import (
	"slices"
	"strings"
)

// The actions a role and a user share: inline policies, attached managed
// policies, the permissions boundary and tags. Each is written once, over
// a principal; the action table pairs it with the lookup of a role or a
// user.

// principal is a role or a user as the shared actions see it: the fields
// they read and change, and the kind that IAM's names and messages use.
type principal struct {
	kind     string // "Role" or "User": RoleName, RolePolicySizeQuota, PoliciesPerRole...
	name, id string
	inline   *[]InlinePolicy
	attached *[]AttachedPolicy
	boundary *string
	tags     *[]Tag
}

func (r *Role) principal() *principal {
	return &principal{kind: "Role", name: r.Name, id: r.ID, inline: &r.Inline, attached: &r.Attached, boundary: &r.Boundary, tags: &r.Tags}
}

func (u *User) principal() *principal {
	return &principal{kind: "User", name: u.Name, id: u.ID, inline: &u.Inline, attached: &u.Attached, boundary: &u.Boundary, tags: &u.Tags}
}

// noun is the kind in messages and listings: "role".
func (p *principal) noun() string { return strings.ToLower(p.kind) }

// principalAction is an action on the principal a request names.
type principalAction func(s *Server, acct *Account, p *principal, req *request, x *xmlw) *apiError

// principalLookup finds the principal a request names.
type principalLookup func(s *Server, acct *Account, req *request) (*principal, *apiError)

// The lookups: any role (to read or tag it), a role that is not
// service-linked (to change its permissions), a user.
var (
	anyRole      = lookupOf(func(_ *Server, acct *Account, req *request) (*Role, *apiError) { return roleParam(acct, req) })
	unlinkedRole = lookupOf(func(_ *Server, acct *Account, req *request) (*Role, *apiError) { return modifiableRole(acct, req) })
	anyUser      = lookupOf((*Server).userParam)
)

// lookupOf makes a principal lookup of a role or user lookup.
func lookupOf[T interface{ principal() *principal }](find func(*Server, *Account, *request) (T, *apiError)) principalLookup {
	return func(s *Server, acct *Account, req *request) (*principal, *apiError) {
		v, e := find(s, acct, req)
		if e != nil {
			return nil, e
		}
		return v.principal(), nil
	}
}

// on answers an action on the principal that find gives.
func on(find principalLookup, act principalAction) queryAction {
	return func(s *Server, acct *Account, req *request, x *xmlw) *apiError {
		p, e := find(s, acct, req)
		if e != nil {
			return e
		}
		return act(s, acct, p, req, x)
	}
}

// listInlinePolicies answers ListRolePolicies and ListUserPolicies.
func (s *Server) listInlinePolicies(acct *Account, p *principal, req *request, x *xmlw) *apiError {
	return page(s, req, x, p.noun()+"policies,"+p.id, "PolicyNames", *p.inline, func(policy InlinePolicy) { x.text(policy.Name) })
}

// inlineParam finds the principal's inline policy named by PolicyName:
// its index.
func (p *principal) inlineParam(req *request) (int, *apiError) {
	name, e := policyNameParam(req)
	if e != nil {
		return 0, e
	}
	i := slices.IndexFunc(*p.inline, func(policy InlinePolicy) bool { return policy.Name == name })
	if i < 0 {
		return 0, errorf(404, "NoSuchEntity", "The %s policy with name %s cannot be found.", p.noun(), name)
	}
	return i, nil
}

// getInlinePolicy answers GetRolePolicy and GetUserPolicy.
func (s *Server) getInlinePolicy(acct *Account, p *principal, req *request, x *xmlw) *apiError {
	i, e := p.inlineParam(req)
	if e != nil {
		return e
	}
	found := (*p.inline)[i]
	x.elem(p.kind+"Name", p.name)
	x.elem("PolicyName", found.Name)
	x.elem("PolicyDocument", policyText(found.Document))
	return nil
}

// putInlinePolicy answers PutRolePolicy and PutUserPolicy: the inline
// policies together may hold RolePolicySizeQuota (UserPolicySizeQuota)
// characters, white space not counted.
func (s *Server) putInlinePolicy(acct *Account, p *principal, req *request, x *xmlw) *apiError {
	name, e := policyNameParam(req)
	if e != nil {
		return e
	}
	doc, e := documentParam(req, "PolicyDocument", false)
	if e != nil {
		return e
	}
	if quota := s.quotas[p.kind+"PolicySizeQuota"]; inlineSize(*p.inline, name)+policySize(doc) > quota {
		return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", quota, p.noun(), p.name)
	}
	*p.inline = putInline(*p.inline, name, doc)
	return nil
}

// deleteInlinePolicy answers DeleteRolePolicy and DeleteUserPolicy.
func (s *Server) deleteInlinePolicy(acct *Account, p *principal, req *request, x *xmlw) *apiError {
	i, e := p.inlineParam(req)
	if e != nil {
		return e
	}
	*p.inline = slices.Delete(slices.Clone(*p.inline), i, i+1)
	return nil
}

// listAttachedPolicies answers ListAttachedRolePolicies and
// ListAttachedUserPolicies.
func (s *Server) listAttachedPolicies(acct *Account, p *principal, req *request, x *xmlw) *apiError {
	return s.attachedPage(req, "attached"+p.noun()+","+p.id, *p.attached, x)
}

// attachPolicy answers AttachRolePolicy and AttachUserPolicy: the policy
// must exist, and a principal holds at most AttachedPoliciesPerRoleQuota
// (AttachedPoliciesPerUserQuota).
func (s *Server) attachPolicy(acct *Account, p *principal, req *request, x *xmlw) *apiError {
	arn, e := policyArnParam(acct, req)
	if e != nil {
		return e
	}
	list, e := attach(*p.attached, arn, s.quotas["AttachedPoliciesPer"+p.kind+"Quota"], p.kind)
	if e != nil {
		return e
	}
	*p.attached = list
	return nil
}

// detachPolicy answers DetachRolePolicy and DetachUserPolicy.
func (s *Server) detachPolicy(acct *Account, p *principal, req *request, x *xmlw) *apiError {
	arn, e := textParam(req, "PolicyArn", 20, 2048)
	if e != nil {
		return e
	}
	if _, e := policyARN(arn); e != nil {
		return e
	}
	list, e := detach(*p.attached, arn)
	if e != nil {
		return e
	}
	*p.attached = list
	return nil
}

// putBoundary answers PutRolePermissionsBoundary and
// PutUserPermissionsBoundary.
func (s *Server) putBoundary(acct *Account, p *principal, req *request, x *xmlw) *apiError {
	arn, e := boundaryParam(acct, req, true)
	if e != nil {
		return e
	}
	*p.boundary = arn
	return nil
}

// deleteBoundary answers DeleteRolePermissionsBoundary and
// DeleteUserPermissionsBoundary; a principal without a boundary is left as
// it is.
func (s *Server) deleteBoundary(acct *Account, p *principal, req *request, x *xmlw) *apiError {
	*p.boundary = ""
	return nil
}

// retag answers TagRole (service-linked roles may be tagged), TagUser,
// UntagRole and UntagUser: the tags become what change makes of them.
func retag(change tagChange) principalAction {
	return func(s *Server, acct *Account, p *principal, req *request, x *xmlw) *apiError {
		tags, e := change(req, *p.tags, p.kind)
		if e != nil {
			return e
		}
		*p.tags = tags
		return nil
	}
}

// listTags answers ListRoleTags and ListUserTags.
func (s *Server) listTags(acct *Account, p *principal, req *request, x *xmlw) *apiError {
	return page(s, req, x, p.noun()+"tags,"+p.id, "Tags", *p.tags, x.tag)
}
