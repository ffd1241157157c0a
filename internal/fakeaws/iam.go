package fakeaws

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// iamActions are the IAM actions the fake answers.
var iamActions = map[string]queryAction{
	"GetAccountAuthorizationDetails": (*Server).getAccountAuthorizationDetails,
	"GenerateCredentialReport":       (*Server).generateCredentialReport,
	"GetCredentialReport":            (*Server).getCredentialReport,
	"GetAccountSummary":              (*Server).getAccountSummary,

	// Service last accessed data (lastaccessed.go).
	"GenerateServiceLastAccessedDetails": (*Server).generateServiceLastAccessedDetails,
	"GetServiceLastAccessedDetails":      (*Server).getServiceLastAccessedDetails,

	// Roles (roles.go; what roles and users share: principal.go).
	"GetRole":                       (*Server).getRole,
	"ListRolePolicies":              on(anyRole, (*Server).listInlinePolicies),
	"GetRolePolicy":                 on(anyRole, (*Server).getInlinePolicy),
	"ListAttachedRolePolicies":      on(anyRole, (*Server).listAttachedPolicies),
	"ListInstanceProfilesForRole":   (*Server).listInstanceProfilesForRole,
	"ListRoleTags":                  on(anyRole, (*Server).listTags),
	"CreateRole":                    (*Server).createRole,
	"UpdateRole":                    (*Server).updateRole,
	"UpdateAssumeRolePolicy":        (*Server).updateAssumeRolePolicy,
	"PutRolePolicy":                 on(unlinkedRole, (*Server).putInlinePolicy),
	"DeleteRolePolicy":              on(unlinkedRole, (*Server).deleteInlinePolicy),
	"AttachRolePolicy":              on(unlinkedRole, (*Server).attachPolicy),
	"DetachRolePolicy":              on(unlinkedRole, (*Server).detachPolicy),
	"PutRolePermissionsBoundary":    on(unlinkedRole, (*Server).putBoundary),
	"DeleteRolePermissionsBoundary": on(unlinkedRole, (*Server).deleteBoundary),
	"TagRole":                       on(anyRole, retag(tagsAdded)),
	"UntagRole":                     on(anyRole, retag(tagsRemoved)),
	"DeleteRole":                    (*Server).deleteRole,

	// Instance profiles (profiles.go).
	"CreateInstanceProfile":         (*Server).createInstanceProfile,
	"GetInstanceProfile":            (*Server).getInstanceProfile,
	"AddRoleToInstanceProfile":      (*Server).addRoleToInstanceProfile,
	"RemoveRoleFromInstanceProfile": (*Server).removeRoleFromInstanceProfile,
	"DeleteInstanceProfile":         (*Server).deleteInstanceProfile,
	"TagInstanceProfile":            retagProfile(tagsAdded),
	"UntagInstanceProfile":          retagProfile(tagsRemoved),
	"ListInstanceProfileTags":       (*Server).listInstanceProfileTags,

	// Service-linked roles (slr.go).
	"CreateServiceLinkedRole":            (*Server).createServiceLinkedRole,
	"DeleteServiceLinkedRole":            (*Server).deleteServiceLinkedRole,
	"GetServiceLinkedRoleDeletionStatus": (*Server).getServiceLinkedRoleDeletionStatus,

	// Users and groups (userops.go, principal.go).
	"GetUser":                       (*Server).getUser,
	"CreateUser":                    (*Server).createUser,
	"DeleteUser":                    (*Server).deleteUser,
	"GetLoginProfile":               (*Server).getLoginProfile,
	"CreateLoginProfile":            (*Server).createLoginProfile,
	"UpdateLoginProfile":            (*Server).updateLoginProfile,
	"DeleteLoginProfile":            (*Server).deleteLoginProfile,
	"ListUserPolicies":              on(anyUser, (*Server).listInlinePolicies),
	"GetUserPolicy":                 on(anyUser, (*Server).getInlinePolicy),
	"PutUserPolicy":                 on(anyUser, (*Server).putInlinePolicy),
	"DeleteUserPolicy":              on(anyUser, (*Server).deleteInlinePolicy),
	"ListAttachedUserPolicies":      on(anyUser, (*Server).listAttachedPolicies),
	"AttachUserPolicy":              on(anyUser, (*Server).attachPolicy),
	"DetachUserPolicy":              on(anyUser, (*Server).detachPolicy),
	"PutUserPermissionsBoundary":    on(anyUser, (*Server).putBoundary),
	"DeleteUserPermissionsBoundary": on(anyUser, (*Server).deleteBoundary),
	"TagUser":                       on(anyUser, retag(tagsAdded)),
	"UntagUser":                     on(anyUser, retag(tagsRemoved)),
	"ListUserTags":                  on(anyUser, (*Server).listTags),
	"CreatePolicy":                  (*Server).createPolicy,
	"GetPolicy":                     (*Server).getPolicy,
	"GetPolicyVersion":              (*Server).getPolicyVersion,
	"DeletePolicy":                  (*Server).deletePolicy,
	"CreateGroup":                   (*Server).createGroup,
	"GetGroup":                      (*Server).getGroup,
	"ListGroupsForUser":             (*Server).listGroupsForUser,
	"AddUserToGroup":                (*Server).addUserToGroup,
	"RemoveUserFromGroup":           (*Server).removeUserFromGroup,

	// Credentials (users.go, credentials.go, mfa.go).
	"ListAccessKeys":                  (*Server).listAccessKeys,
	"ListAccountAliases":              (*Server).listAccountAliases,
	"CreateAccessKey":                 (*Server).createAccessKey,
	"UpdateAccessKey":                 accessKeys.update,
	"DeleteAccessKey":                 accessKeys.delete,
	"GetAccessKeyLastUsed":            (*Server).getAccessKeyLastUsed,
	"UploadSigningCertificate":        (*Server).uploadSigningCertificate,
	"UpdateSigningCertificate":        signingCertificates.update,
	"DeleteSigningCertificate":        signingCertificates.delete,
	"ListSigningCertificates":         (*Server).listSigningCertificates,
	"UploadSSHPublicKey":              (*Server).uploadSSHPublicKey,
	"GetSSHPublicKey":                 (*Server).getSSHPublicKey,
	"UpdateSSHPublicKey":              sshPublicKeys.update,
	"DeleteSSHPublicKey":              sshPublicKeys.delete,
	"ListSSHPublicKeys":               (*Server).listSSHPublicKeys,
	"CreateServiceSpecificCredential": (*Server).createServiceSpecificCredential,
	"ListServiceSpecificCredentials":  (*Server).listServiceSpecificCredentials,
	"UpdateServiceSpecificCredential": serviceCredentials.update,
	"DeleteServiceSpecificCredential": serviceCredentials.delete,
	"CreateVirtualMFADevice":          (*Server).createVirtualMFADevice,
	"EnableMFADevice":                 (*Server).enableMFADevice,
	"DeactivateMFADevice":             (*Server).deactivateMFADevice,
	"DeleteVirtualMFADevice":          (*Server).deleteVirtualMFADevice,
	"ListMFADevices":                  (*Server).listMFADevices,
	"ListVirtualMFADevices":           (*Server).listVirtualMFADevices,
}

// maxItems reads MaxItems: default def, allowed 1..1000 as in the model.
func maxItems(req *request, def int) (int, *apiError) {
	v := req.form.Get("MaxItems")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, errorf(400, "ValidationError", "1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", v)
	}
	return n, nil
}

// marker encodes a list position as an opaque marker bound to the listing
// it came from.
func marker(listing string, offset int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("fakeaws|%s|%d", listing, offset)))
}

// fromMarker decodes a marker made by marker for the same listing.
func fromMarker(req *request, listing string) (int, *apiError) {
	m := req.form.Get("Marker")
	if m == "" {
		return 0, nil
	}
	raw, err := base64.StdEncoding.DecodeString(m)
	parts := strings.Split(string(raw), "|")
	if err != nil || len(parts) != 3 || parts[0] != "fakeaws" || parts[1] != listing {
		return 0, errorf(400, "ValidationError", "Invalid Marker")
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 0 {
		return 0, errorf(400, "ValidationError", "Invalid Marker")
	}
	return n, nil
}

// entityFilter reads Filter.member.N; no filter means every entity type.
func entityFilter(req *request) (map[string]bool, *apiError) {
	valid := map[string]bool{"User": true, "Role": true, "Group": true, "LocalManagedPolicy": true, "AWSManagedPolicy": true}
	f := map[string]bool{}
	for i := 1; ; i++ {
		v, ok := req.form["Filter.member."+strconv.Itoa(i)]
		if !ok {
			break
		}
		if !valid[v[0]] {
			return nil, errorf(400, "ValidationError", "1 validation error detected: Value '[%s]' at 'filter' failed to satisfy constraint: Member must satisfy enum value set: [LocalManagedPolicy, User, Role, Group, AWSManagedPolicy]", v[0])
		}
		f[v[0]] = true
	}
	if len(f) == 0 {
		for k := range valid {
			f[k] = true
		}
	}
	return f, nil
}

// getAccountAuthorizationDetails pages through users, groups, roles and
// policies, in that order, MaxItems at a time.
func (s *Server) getAccountAuthorizationDetails(acct *Account, req *request, x *xmlw) *apiError {
	filter, e := entityFilter(req)
	if e != nil {
		return e
	}
	limit, e := maxItems(req, 100)
	if e != nil {
		return e
	}
	if s.maxPageItems > 0 && limit > s.maxPageItems {
		limit = s.maxPageItems
	}
	listing := "gaad"
	for _, k := range []string{"User", "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy"} {
		if filter[k] {
			listing += "," + k
		}
	}
	start, e := fromMarker(req, listing)
	if e != nil {
		return e
	}

	// One listing over users, groups, roles and policies, in that order.
	var users []*User
	var groups []*Group
	var roles []*Role
	var policies []policyDetail
	if filter["User"] {
		users = acct.Users
	}
	if filter["Group"] {
		groups = acct.Groups
	}
	if filter["Role"] {
		roles = acct.Roles
	}
	if filter["LocalManagedPolicy"] || filter["AWSManagedPolicy"] {
		policies = managedPolicies(acct, filter["LocalManagedPolicy"], filter["AWSManagedPolicy"])
	}
	total := len(users) + len(groups) + len(roles) + len(policies)
	if start > total {
		return errorf(400, "ValidationError", "Invalid Marker")
	}
	end := min(start+limit, total)
	truncated := end < total
	// segment returns the part of the page [start, end) that falls in a
	// list starting at offset with n items.
	segment := func(offset, n int) (int, int) {
		return min(max(start-offset, 0), n), min(max(end-offset, 0), n)
	}
	ua, ub := segment(0, len(users))
	ga, gb := segment(len(users), len(groups))
	ra, rb := segment(len(users)+len(groups), len(roles))
	pa, pb := segment(len(users)+len(groups)+len(roles), len(policies))
	pageUsers, pageGroups, pageRoles, pagePolicies := users[ua:ub], groups[ga:gb], roles[ra:rb], policies[pa:pb]

	req.latency = s.fullPage * time.Duration(end-start) / 1000
	x.boolean("IsTruncated", truncated)
	if len(pageUsers) > 0 {
		x.open("UserDetailList")
		for _, u := range pageUsers {
			x.in("member", func() { x.userDetail(acct, u) })
		}
		x.close("UserDetailList")
	} else {
		x.empty("UserDetailList")
	}
	x.list("GroupDetailList", len(pageGroups), func(i int) { x.groupDetail(acct, pageGroups[i]) })
	if len(pageRoles) > 0 {
		x.open("RoleDetailList")
		for _, r := range pageRoles {
			x.in("member", func() { x.roleDetail(acct, r) })
		}
		x.close("RoleDetailList")
	} else {
		x.empty("RoleDetailList")
	}
	x.list("Policies", len(pagePolicies), func(i int) { x.policyDetail(pagePolicies[i]) })
	if truncated {
		x.elem("Marker", marker(listing, end))
	}
	return nil
}

// roleDetail renders the members of a RoleDetail.
func (x *xmlw) roleDetail(acct *Account, r *Role) {
	x.roleBasics(acct, r)
	x.list("InstanceProfileList", len(r.InstanceProfiles), func(i int) { x.instanceProfile(acct, &r.InstanceProfiles[i], r) })
	x.inlinePolicies("RolePolicyList", r.Inline)
	x.attachedPolicies(r.Attached)
	x.boundary(r.Boundary)
	x.tags(r.Tags)
	x.roleLastUsed(r)
}

// inlinePolicies renders a RolePolicyList or UserPolicyList.
func (x *xmlw) inlinePolicies(list string, policies []InlinePolicy) {
	x.list(list, len(policies), func(i int) {
		x.elem("PolicyName", policies[i].Name)
		x.elem("PolicyDocument", policyText(policies[i].Document))
	})
}

// attachedPolicies renders an AttachedManagedPolicies list.
func (x *xmlw) attachedPolicies(policies []AttachedPolicy) {
	x.list("AttachedManagedPolicies", len(policies), func(i int) { x.attachedPolicy(policies[i]) })
}

// attachedPolicy renders the members of the AttachedPolicy shape.
func (x *xmlw) attachedPolicy(p AttachedPolicy) {
	x.elem("PolicyName", p.Name)
	x.elem("PolicyArn", p.ARN)
}

// boundary renders a PermissionsBoundary, when there is one.
func (x *xmlw) boundary(arn string) {
	if arn == "" {
		return
	}
	x.open("PermissionsBoundary")
	x.elem("PermissionsBoundaryType", "PermissionsBoundaryPolicy") // the model's only enum value
	x.elem("PermissionsBoundaryArn", arn)
	x.close("PermissionsBoundary")
}

// tags renders a Tags list.
func (x *xmlw) tags(tags []Tag) {
	x.list("Tags", len(tags), func(i int) { x.tag(tags[i]) })
}

// tag renders the members of the Tag shape.
func (x *xmlw) tag(t Tag) {
	x.elem("Key", t.Key)
	x.elem("Value", t.Value)
}
