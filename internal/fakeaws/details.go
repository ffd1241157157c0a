package fakeaws

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// The GroupDetail and ManagedPolicyDetail members of
// GetAccountAuthorizationDetails (RoleDetail and UserDetail: iam.go,
// users.go). They are few and not cached.

// groupDetail renders the members of a GroupDetail.
func (x *xmlw) groupDetail(acct *Account, g *Group) {
	x.group(acct, g)
	x.inlinePolicies("GroupPolicyList", g.Inline)
	x.attachedPolicies(g.Attached)
}

// policyDetail is a managed policy as GetAccountAuthorizationDetails
// describes it.
type policyDetail struct {
	name, path, id, arn     string
	document, description   string
	versionID               string
	created, updated        time.Time
	attachments, boundaries int
}

// managedPolicies returns the account's customer managed policies (local)
// and the AWS managed policies it uses that the fake knows (aws): local
// ones first, each kind by name.
func managedPolicies(acct *Account, local, aws bool) []policyDetail {
	attachments, boundaries := map[string]int{}, map[string]int{}
	count := func(attached []AttachedPolicy, boundary string) {
		for _, p := range attached {
			attachments[p.ARN]++
		}
		if boundary != "" {
			boundaries[boundary]++
		}
	}
	for _, r := range acct.Roles {
		count(r.Attached, r.Boundary)
	}
	for _, u := range acct.Users {
		count(u.Attached, u.Boundary)
	}
	for _, g := range acct.Groups {
		count(g.Attached, "")
	}
	var out []policyDetail
	if local {
		for _, p := range acct.Policies {
			arn := p.ARN(acct.ID)
			out = append(out, policyDetail{
				name: p.Name, path: p.Path, id: p.ID, arn: arn, document: p.Document, description: p.Description,
				versionID: "v1", created: p.Created, updated: p.Updated,
				attachments: attachments[arn], boundaries: boundaries[arn],
			})
		}
	}
	if aws {
		var used []policyDetail
		for _, arn := range awsManagedARNs(acct) {
			if attachments[arn]+boundaries[arn] == 0 {
				continue
			}
			p := awsManagedOf(acct, arn)
			used = append(used, policyDetail{
				name: p.name, path: p.path, id: p.id, arn: arn, document: p.document,
				versionID: p.versionID, created: p.created, updated: p.updated,
				attachments: attachments[arn], boundaries: boundaries[arn],
			})
		}
		sort.Slice(used, func(i, j int) bool { return strings.ToLower(used[i].name) < strings.ToLower(used[j].name) })
		out = append(out, used...)
	}
	return out
}

// policyDetail renders the members of a ManagedPolicyDetail with its one
// version.
func (x *xmlw) policyDetail(p policyDetail) {
	x.elem("PolicyName", p.name)
	x.elem("PolicyId", p.id)
	x.elem("Arn", p.arn)
	x.elem("Path", p.path)
	x.elem("DefaultVersionId", p.versionID)
	x.elem("AttachmentCount", strconv.Itoa(p.attachments))
	x.elem("PermissionsBoundaryUsageCount", strconv.Itoa(p.boundaries))
	x.boolean("IsAttachable", true)
	if p.description != "" {
		x.elem("Description", p.description)
	}
	x.time("CreateDate", p.created)
	x.time("UpdateDate", p.updated)
	x.open("PolicyVersionList")
	x.open("member")
	x.elem("Document", policyText(p.document))
	x.elem("VersionId", p.versionID)
	x.boolean("IsDefaultVersion", true)
	x.time("CreateDate", p.updated)
	x.close("member")
	x.close("PolicyVersionList")
}
