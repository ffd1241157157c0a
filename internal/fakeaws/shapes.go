package fakeaws

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds what the IAM actions share: the XML of the model's
// shapes (member names and order as in the SDK's deserializers), the
// request parameters and their model constraints, pagination, lookups and
// the common errors.

// role renders the members of the Role shape (GetRole, CreateRole,
// CreateServiceLinkedRole). RoleLastUsed is sent by GetRole only.
func (x *xmlw) role(acct *Account, r *Role, lastUsed bool) {
	x.elem("Path", r.Path)
	x.elem("RoleName", r.Name)
	x.elem("RoleId", r.ID)
	x.elem("Arn", r.ARN(acct.ID))
	x.time("CreateDate", r.Created)
	x.elem("AssumeRolePolicyDocument", policyText(r.TrustPolicy))
	if r.Description != "" {
		x.elem("Description", r.Description)
	}
	x.elem("MaxSessionDuration", strconv.Itoa(r.MaxSessionDuration))
	x.boundary(r.Boundary)
	if len(r.Tags) > 0 {
		x.tags(r.Tags)
	}
	if lastUsed {
		x.roleLastUsed(r)
	}
}

// roleLastUsed renders RoleLastUsed: empty for a role with no recorded
// use.
func (x *xmlw) roleLastUsed(r *Role) {
	if r.LastUsed.IsZero() {
		x.empty("RoleLastUsed")
		return
	}
	x.open("RoleLastUsed")
	x.time("LastUsedDate", r.LastUsed)
	if r.LastUsedRegion != "" {
		x.elem("Region", r.LastUsedRegion)
	}
	x.close("RoleLastUsed")
}

// instanceProfile renders the members of the InstanceProfile shape; holder
// is the role it holds, nil for none.
func (x *xmlw) instanceProfile(acct *Account, p *InstanceProfile, holder *Role) {
	x.elem("Path", p.Path)
	x.elem("InstanceProfileName", p.Name)
	x.elem("InstanceProfileId", p.ID)
	x.elem("Arn", profileARN(acct.ID, p))
	x.time("CreateDate", p.Created)
	if holder == nil {
		x.empty("Roles")
	} else {
		x.open("Roles")
		x.open("member")
		x.elem("Path", holder.Path)
		x.elem("RoleName", holder.Name)
		x.elem("RoleId", holder.ID)
		x.elem("Arn", holder.ARN(acct.ID))
		x.time("CreateDate", holder.Created)
		x.elem("AssumeRolePolicyDocument", policyText(holder.TrustPolicy))
		x.close("member")
		x.close("Roles")
	}
	if len(p.Tags) > 0 {
		x.tags(p.Tags)
	}
}

func profileARN(account string, p *InstanceProfile) string {
	return "arn:aws:iam::" + account + ":instance-profile" + p.Path + p.Name
}

// user renders the members of the User shape. full adds what GetUser
// sends beyond the basics: PasswordLastUsed, PermissionsBoundary and Tags.
func (x *xmlw) user(acct *Account, u *User, full bool) {
	x.elem("Path", u.Path)
	x.elem("UserName", u.Name)
	x.elem("UserId", u.ID)
	x.elem("Arn", u.ARN(acct.ID))
	x.time("CreateDate", u.Created)
	if !full {
		return
	}
	if t := u.lastSignIn(); !t.IsZero() {
		x.time("PasswordLastUsed", t)
	}
	x.boundary(u.Boundary)
	if len(u.Tags) > 0 {
		x.tags(u.Tags)
	}
}

// lastSignIn is the user's PasswordLastUsed.
func (u *User) lastSignIn() time.Time {
	if u.Password != nil && !u.Password.LastUsed.IsZero() {
		return u.Password.LastUsed
	}
	return u.passwordLastUsed
}

// group renders the members of the Group shape.
func (x *xmlw) group(acct *Account, g *Group) {
	x.elem("Path", g.Path)
	x.elem("GroupName", g.Name)
	x.elem("GroupId", g.ID)
	x.elem("Arn", g.ARN(acct.ID))
	x.time("CreateDate", g.Created)
}

// status renders an Active/Inactive Status member.
func (x *xmlw) status(inactive bool) {
	if inactive {
		x.elem("Status", "Inactive")
	} else {
		x.elem("Status", "Active")
	}
}

// list renders a list member: n <member> elements, or an empty element.
func (x *xmlw) list(name string, n int, each func(i int)) {
	if n == 0 {
		x.empty(name)
		return
	}
	x.open(name)
	for i := 0; i < n; i++ {
		x.open("member")
		each(i)
		x.close("member")
	}
	x.close(name)
}

// window reads MaxItems and Marker for a listing of n items and returns
// the bounds of the page to send. Pages are no longer than
// WithMaxPageItems allows.
func (s *Server) window(req *request, listing string, n int) (start, end int, e *apiError) {
	limit, e := maxItems(req, 100)
	if e != nil {
		return 0, 0, e
	}
	if s.maxPageItems > 0 && limit > s.maxPageItems {
		limit = s.maxPageItems
	}
	start, e = fromMarker(req, listing)
	if e != nil {
		return 0, 0, e
	}
	if start > n {
		return 0, 0, errorf(400, "ValidationError", "Invalid Marker")
	}
	return start, min(start+limit, n), nil
}

// more renders IsTruncated and, when the page is not the last, the Marker
// of the next.
func (x *xmlw) more(listing string, end, n int) {
	x.boolean("IsTruncated", end < n)
	if end < n {
		x.elem("Marker", marker(listing, end))
	}
}

// Parameters.

var (
	namePattern   = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern   = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	tagKeyPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// member is the name of a request parameter in validation messages:
// "RoleName" is 'roleName'.
func member(field string) string {
	if field == "" {
		return field
	}
	return strings.ToLower(field[:1]) + field[1:]
}

// required returns a parameter that must be present.
func required(req *request, field string) (string, *apiError) {
	v, ok := req.form[field]
	if !ok {
		return "", validation(member(field), "null", "Member must not be null")
	}
	return v[0], nil
}

// nameParam returns a required name parameter (RoleName, UserName...),
// checked against the model's pattern and length.
func nameParam(req *request, field string, maxLen int) (string, *apiError) {
	v, e := required(req, field)
	if e != nil {
		return "", e
	}
	if n := utf8.RuneCountInString(v); n < 1 || n > maxLen {
		return "", validation(member(field), v, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	}
	if !namePattern.MatchString(v) {
		return "", validation(member(field), v, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	return v, nil
}

// textParam returns a required parameter with a length limit.
func textParam(req *request, field string, minLen, maxLen int) (string, *apiError) {
	v, e := required(req, field)
	if e != nil {
		return "", e
	}
	if n := utf8.RuneCountInString(v); n < minLen || n > maxLen {
		return "", validation(member(field), v, fmt.Sprintf("Member must have length between %d and %d", minLen, maxLen))
	}
	return v, nil
}

// pathParam returns the Path parameter, "/" when absent.
func pathParam(req *request) (string, *apiError) {
	v, ok := req.form["Path"]
	if !ok {
		return "/", nil
	}
	if len(v[0]) > 512 || !pathPattern.MatchString(v[0]) {
		return "", validation("path", v[0], `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	return v[0], nil
}

// statusParam returns a required Active/Inactive Status as inactive.
func statusParam(req *request) (inactive bool, e *apiError) {
	v, e := required(req, "Status")
	if e != nil {
		return false, e
	}
	switch v {
	case "Active":
		return false, nil
	case "Inactive":
		return true, nil
	}
	return false, validation("status", v, "Member must satisfy enum value set: [Active, Inactive, Expired]")
}

// boolParam returns an optional boolean parameter, false when absent.
func boolParam(req *request, field string) (bool, *apiError) {
	v, ok := req.form[field]
	if !ok {
		return false, nil
	}
	b, err := strconv.ParseBool(v[0])
	if err != nil {
		return false, validation(member(field), v[0], "Member must be a boolean")
	}
	return b, nil
}

// tagsParam reads Tags.member.N.Key and .Value. A request carries at most
// 50 tags, with unique keys regardless of case.
func tagsParam(req *request) ([]Tag, *apiError) {
	var tags []Tag
	seen := map[string]bool{}
	for i := 1; ; i++ {
		prefix := "Tags.member." + strconv.Itoa(i) + "."
		key, ok := req.form[prefix+"Key"]
		if !ok {
			break
		}
		value := req.form.Get(prefix + "Value")
		if n := utf8.RuneCountInString(key[0]); n < 1 || n > 128 || !tagKeyPattern.MatchString(key[0]) {
			return nil, validation("tags."+strconv.Itoa(i)+".member.key", key[0], `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		}
		if utf8.RuneCountInString(value) > 256 || !tagValPattern.MatchString(value) {
			return nil, validation("tags."+strconv.Itoa(i)+".member.value", value, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
		lower := strings.ToLower(key[0])
		if seen[lower] {
			return nil, errorf(400, "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[lower] = true
		tags = append(tags, Tag{Key: key[0], Value: value})
	}
	if len(tags) > 50 {
		return nil, errorf(400, "ValidationError", "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	return tags, nil
}

// tagKeysParam reads TagKeys.member.N, which must name at least one key.
func tagKeysParam(req *request) ([]string, *apiError) {
	var keys []string
	for i := 1; ; i++ {
		v, ok := req.form["TagKeys.member."+strconv.Itoa(i)]
		if !ok {
			break
		}
		keys = append(keys, v[0])
	}
	if len(keys) == 0 {
		return nil, validation("tagKeys", "null", "Member must not be null")
	}
	if len(keys) > 50 {
		return nil, errorf(400, "ValidationError", "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	return keys, nil
}

// mergeTags adds tags to an entity's, replacing those with the same key
// (regardless of case), as TagRole and TagUser do. An entity holds at most
// 50 tags; kind names the quota ("Role": TagsPerRole).
func mergeTags(have, add []Tag, kind string) ([]Tag, *apiError) {
	out := slices.Clone(have)
	for _, t := range add {
		i := slices.IndexFunc(out, func(h Tag) bool { return strings.EqualFold(h.Key, t.Key) })
		if i >= 0 {
			out[i] = t
			continue
		}
		out = append(out, t)
	}
	if len(out) > 50 {
		return nil, errorf(409, "LimitExceeded", "Cannot exceed quota for TagsPer%s: 50", kind)
	}
	return out, nil
}

// removeTags removes the tags with the given keys (regardless of case);
// keys the entity does not have are ignored.
func removeTags(have []Tag, keys []string) []Tag {
	return slices.DeleteFunc(slices.Clone(have), func(t Tag) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, t.Key) })
	})
}

// Lookups. IAM names are unique regardless of case.

func findRoleByName(acct *Account, name string) *Role {
	for _, r := range acct.Roles {
		if equalFold(r.Name, name) {
			return r
		}
	}
	return nil
}

func findGroup(acct *Account, name string) *Group {
	for _, g := range acct.Groups {
		if equalFold(g.Name, name) {
			return g
		}
	}
	return nil
}

// roleParam finds the role named by the RoleName parameter.
func roleParam(acct *Account, req *request) (*Role, *apiError) {
	name, e := nameParam(req, "RoleName", 64)
	if e != nil {
		return nil, e
	}
	r := findRoleByName(acct, name)
	if r == nil {
		return nil, noSuchRole(name)
	}
	return r, nil
}

// userParam finds the user named by the UserName parameter. Without it,
// IAM acts on the caller's own user: for static credentials the fake's
// caller is the user fakeaws-caller (which the account does not hold
// unless seeded), and temporary credentials have no user at all.
func (s *Server) userParam(acct *Account, req *request) (*User, *apiError) {
	if !req.form.Has("UserName") {
		if s.sessions[req.accessKey] != nil {
			return nil, errorf(400, "ValidationError", "Must specify userName when calling with non-User credentials")
		}
		if u := findUser(acct, callerName); u != nil {
			return u, nil
		}
		return nil, noSuchUser(callerName)
	}
	name, e := nameParam(req, "UserName", 64)
	if e != nil {
		return nil, e
	}
	u := findUser(acct, name)
	if u == nil {
		return nil, noSuchUser(name)
	}
	return u, nil
}

// insertSorted inserts v into a list kept sorted by name regardless of
// case, as the seeding sorts roles and users.
func insertSorted[T any](list []T, v T, name func(T) string) []T {
	key := strings.ToLower(name(v))
	i, _ := slices.BinarySearchFunc(list, key, func(e T, k string) int { return strings.Compare(strings.ToLower(name(e)), k) })
	return slices.Insert(list, i, v)
}

// newID returns a fresh unique ID with the given prefix ("AROA"), the
// same on every run of the same calls.
func (s *Server) newID(prefix string, acct *Account) string {
	s.idSeq++
	return uniqueID(prefix, fmt.Sprintf("%s|%s|new|%d", acct.ID, prefix, s.idSeq))
}

// created is the creation time of a new entity: the fake's clock, in
// whole seconds as the wire carries it.
func (s *Server) created() time.Time {
	return s.now().UTC().Truncate(time.Second)
}

// Errors.

func noSuchRole(name string) *apiError {
	return errorf(404, "NoSuchEntity", "The role with name %s cannot be found.", name)
}

func noSuchUser(name string) *apiError {
	return errorf(404, "NoSuchEntity", "The user with name %s cannot be found.", name)
}

func deleteConflict(what string) *apiError {
	return errorf(409, "DeleteConflict", "Cannot delete entity, must %s first.", what)
}

func limitExceeded(format string, args ...any) *apiError {
	return errorf(409, "LimitExceeded", format, args...)
}

func alreadyExists(format string, args ...any) *apiError {
	return errorf(409, "EntityAlreadyExists", format, args...)
}

// unmodifiable is the error for changing a service-linked role.
func unmodifiable(r *Role) *apiError {
	return errorf(400, "UnmodifiableEntity", "Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", r.Name)
}
