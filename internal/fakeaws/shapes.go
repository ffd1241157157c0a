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
	x.roleBasics(acct, r)
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

// roleBasics renders the members that the Role shape and RoleDetail start
// with.
func (x *xmlw) roleBasics(acct *Account, r *Role) {
	x.elem("Path", r.Path)
	x.elem("RoleName", r.Name)
	x.elem("RoleId", r.ID)
	x.elem("Arn", r.ARN(acct.ID))
	x.time("CreateDate", r.Created)
	x.elem("AssumeRolePolicyDocument", policyText(r.TrustPolicy))
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
		x.list("Roles", 1, func(int) { x.roleBasics(acct, holder) })
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

// page answers a listing: the items of list that MaxItems and Marker
// select, each rendered by each in a <member> of the element name, then
// IsTruncated and, when the page is not the last, the Marker of the next.
// Pages are no longer than WithMaxPageItems allows.
func page[T any](s *Server, req *request, x *xmlw, listing, name string, list []T, each func(T)) *apiError {
	limit, e := maxItems(req, 100)
	if e != nil {
		return e
	}
	if s.maxPageItems > 0 && limit > s.maxPageItems {
		limit = s.maxPageItems
	}
	start, e := fromMarker(req, listing)
	if e != nil {
		return e
	}
	if start > len(list) {
		return errorf(400, "ValidationError", "Invalid Marker")
	}
	end := min(start+limit, len(list))
	x.list(name, end-start, func(i int) { each(list[start+i]) })
	x.boolean("IsTruncated", end < len(list))
	if end < len(list) {
		x.elem("Marker", marker(listing, end))
	}
	return nil
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

// namePathParams returns what a Create action starts with: the name
// parameter field (checked as nameParam checks it) and the Path.
func namePathParams(req *request, field string, maxLen int) (name, path string, e *apiError) {
	if name, e = nameParam(req, field, maxLen); e == nil {
		path, e = pathParam(req)
	}
	return name, path, e
}

// createParams returns the name, Path and Tags of a Create action.
func createParams(req *request, field string, maxLen int) (name, path string, tags []Tag, e *apiError) {
	if name, path, e = namePathParams(req, field, maxLen); e == nil {
		tags, e = tagsParam(req)
	}
	return name, path, tags, e
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

// tagChange is what a Tag or Untag action does to an entity's tags: the
// tags of an entity of kind ("Role") after the request, or an error.
type tagChange func(req *request, have []Tag, kind string) ([]Tag, *apiError)

// tagsAdded reads the Tags of a Tag action (TagRole, TagUser...), which
// must name at least one, and adds them to an entity's, replacing those
// with the same key (regardless of case). An entity holds at most 50 tags;
// kind names the quota ("Role": TagsPerRole).
func tagsAdded(req *request, have []Tag, kind string) ([]Tag, *apiError) {
	add, e := tagsParam(req)
	if e != nil {
		return nil, e
	}
	if len(add) == 0 {
		return nil, validation("tags", "null", "Member must not be null")
	}
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

// tagsRemoved reads the TagKeys of an Untag action and removes the tags
// with those keys (regardless of case); keys the entity does not have are
// ignored.
func tagsRemoved(req *request, have []Tag, _ string) ([]Tag, *apiError) {
	keys, e := tagKeysParam(req)
	if e != nil {
		return nil, e
	}
	return slices.DeleteFunc(slices.Clone(have), func(t Tag) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, t.Key) })
	}), nil
}

// Lookups.

// named is an IAM entity with a name, unique in its account regardless of
// case: a role, user, group or customer managed policy.
type named interface {
	comparable
	iamName() string
}

func (r *Role) iamName() string          { return r.Name }
func (u *User) iamName() string          { return u.Name }
func (g *Group) iamName() string         { return g.Name }
func (p *ManagedPolicy) iamName() string { return p.Name }

// findNamed finds the entity of list with the given name, regardless of
// case; nil for none.
func findNamed[T named](list []T, name string) T {
	for _, v := range list {
		if equalFold(v.iamName(), name) {
			return v
		}
	}
	var none T
	return none
}

// namedParam finds the entity of list named by the parameter field
// (RoleName...); noun words the NoSuchEntity error ("role").
func namedParam[T named](req *request, field string, maxLen int, list []T, noun string) (T, *apiError) {
	var none T
	name, e := nameParam(req, field, maxLen)
	if e != nil {
		return none, e
	}
	v := findNamed(list, name)
	if v == none {
		return none, noSuch(noun, name)
	}
	return v, nil
}

// roleParam finds the role named by the RoleName parameter.
func roleParam(acct *Account, req *request) (*Role, *apiError) {
	return namedParam(req, "RoleName", 64, acct.Roles, "role")
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
		if u := findNamed(acct.Users, callerName); u != nil {
			return u, nil
		}
		return nil, noSuch("user", callerName)
	}
	return namedParam(req, "UserName", 64, acct.Users, "user")
}

// insertSorted inserts v into a list kept sorted by name regardless of
// case, as the seeding sorts roles and users (sortByName).
func insertSorted[T named](list []T, v T) []T {
	key := strings.ToLower(v.iamName())
	i, _ := slices.BinarySearchFunc(list, key, func(e T, k string) int { return strings.Compare(strings.ToLower(e.iamName()), k) })
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

// noSuch is the error for a role, user or group (noun) that does not
// exist.
func noSuch(noun, name string) *apiError {
	return errorf(404, "NoSuchEntity", "The %s with name %s cannot be found.", noun, name)
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
