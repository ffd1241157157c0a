package fakeaws

import (
	"slices"
	"strconv"
)

// The managed policy calls of refine actions and their restores:
// CreatePolicy, GetPolicy, GetPolicyVersion and DeletePolicy, with the
// shapes of the IAM API reference (Policy, PolicyVersion). A customer
// managed policy has one version, v1. AWS managed policies are read from
// the fake's catalogue (awsManaged); one it does not hold is NoSuchEntity
// for GetPolicy, though any may be attached.

// maxManagedPolicySize is IAM's quota on a managed policy document,
// white space not counted.
const maxManagedPolicySize = 6144

// findPolicy returns the policy arn names among the account's customer
// managed policies and the AWS managed ones the fake knows, as
// GetAccountAuthorizationDetails would describe it; NoSuchEntity when
// there is none.
func findPolicy(acct *Account, arn string) (policyDetail, *ManagedPolicy, *apiError) {
	if _, e := policyARN(arn); e != nil {
		return policyDetail{}, nil, e
	}
	for _, d := range managedPolicies(acct, true, true) {
		if d.arn == arn {
			for _, p := range acct.Policies {
				if p.ARN(acct.ID) == arn {
					return d, p, nil
				}
			}
			return d, nil, nil
		}
	}
	if p := awsManagedOf(acct, arn); p != nil {
		return policyDetail{name: p.name, path: p.path, id: p.id, arn: arn, document: p.document,
			versionID: p.versionID, created: p.created, updated: p.updated}, nil, nil
	}
	return policyDetail{}, nil, errorf(404, "NoSuchEntity", "Policy %s was not found.", arn)
}

// policy renders the members of the Policy shape.
func (x *xmlw) policy(d policyDetail, tags []Tag) {
	x.elem("PolicyName", d.name)
	x.elem("PolicyId", d.id)
	x.elem("Arn", d.arn)
	x.elem("Path", d.path)
	x.elem("DefaultVersionId", d.versionID)
	x.elem("AttachmentCount", strconv.Itoa(d.attachments))
	x.elem("PermissionsBoundaryUsageCount", strconv.Itoa(d.boundaries))
	x.boolean("IsAttachable", true)
	if d.description != "" {
		x.elem("Description", d.description)
	}
	x.time("CreateDate", d.created)
	x.time("UpdateDate", d.updated)
	if len(tags) > 0 {
		x.tags(tags)
	}
}

// createPolicy answers CreatePolicy: a policy name is unique in the
// account whatever its path (EntityAlreadyExists), and its document is
// checked as an identity policy and against the 6,144-character quota.
func (s *Server) createPolicy(acct *Account, req *request, x *xmlw) *apiError {
	name, path, tags, e := createParams(req, "PolicyName", 128)
	if e != nil {
		return e
	}
	doc, e := documentParam(req, "PolicyDocument", false)
	if e != nil {
		return e
	}
	if policySize(doc) > maxManagedPolicySize {
		return limitExceeded("Cannot exceed quota for PolicySize: %d", maxManagedPolicySize)
	}
	for _, p := range acct.Policies {
		if p.Name == name {
			return alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	now := s.created()
	p := &ManagedPolicy{Name: name, Path: path, ID: s.newID("ANPA", acct), Document: doc,
		Description: req.form.Get("Description"), Created: now, Updated: now, Tags: tags}
	acct.Policies = append(acct.Policies, p)
	d, _, e := findPolicy(acct, p.ARN(acct.ID))
	if e != nil {
		return e
	}
	x.in("Policy", func() { x.policy(d, p.Tags) })
	return nil
}

// getPolicy answers GetPolicy.
func (s *Server) getPolicy(acct *Account, req *request, x *xmlw) *apiError {
	arn, e := textParam(req, "PolicyArn", 20, 2048)
	if e != nil {
		return e
	}
	d, p, e := findPolicy(acct, arn)
	if e != nil {
		return e
	}
	var tags []Tag
	if p != nil {
		tags = p.Tags
	}
	x.in("Policy", func() { x.policy(d, tags) })
	return nil
}

// getPolicyVersion answers GetPolicyVersion (the document URL-encoded,
// as IAM sends it).
func (s *Server) getPolicyVersion(acct *Account, req *request, x *xmlw) *apiError {
	arn, e := textParam(req, "PolicyArn", 20, 2048)
	if e != nil {
		return e
	}
	version, e := required(req, "VersionId")
	if e != nil {
		return e
	}
	d, _, e := findPolicy(acct, arn)
	if e != nil {
		return e
	}
	if version != d.versionID {
		return errorf(404, "NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", arn, version)
	}
	x.in("PolicyVersion", func() {
		x.elem("Document", policyText(d.document))
		x.elem("VersionId", d.versionID)
		x.boolean("IsDefaultVersion", true)
		x.time("CreateDate", d.updated)
	})
	return nil
}

// deletePolicy answers DeletePolicy: only a customer managed policy that
// nothing holds (attached or as a permissions boundary) may go
// (DeleteConflict otherwise).
func (s *Server) deletePolicy(acct *Account, req *request, x *xmlw) *apiError {
	arn, e := textParam(req, "PolicyArn", 20, 2048)
	if e != nil {
		return e
	}
	d, p, e := findPolicy(acct, arn)
	if e != nil {
		return e
	}
	if p == nil {
		return errorf(403, "AccessDenied", "Access denied: AWS managed policy %s cannot be deleted.", arn)
	}
	if d.attachments > 0 || d.boundaries > 0 {
		return errorf(409, "DeleteConflict", "Cannot delete a policy attached to entities.")
	}
	acct.Policies = slices.DeleteFunc(acct.Policies, func(q *ManagedPolicy) bool { return q == p })
	return nil
}
