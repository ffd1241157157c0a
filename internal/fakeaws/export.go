package fakeaws

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// The export and credential report a fake account can be seeded from are
// read here with encoding/json and encoding/csv, not with iamsweep's
// readers (internal/authexport, internal/credreport): the sandbox stays
// independent of the code it serves.

// AccountFromExport builds a fake account from an export of
// "aws iam get-account-authorization-details": the same roles, with their
// policies, tags and last use. The account ID comes from the roles' ARNs.
func AccountFromExport(ctx context.Context, r io.Reader, source string) (*Account, error) {
	return AccountFromFiles(ctx, r, source, nil, "")
}

// AccountFromFiles builds a fake account from an export and, when report
// is not nil, a credential report taken with it: roles from the export,
// users joined by name from both (details from the export, passwords,
// access keys, MFA and signing certificates from the report), and the
// root user's keys. ctx is not used; it is kept for the callers.
func AccountFromFiles(_ context.Context, export io.Reader, exportSource string, report io.Reader, reportSource string) (*Account, error) {
	acct := &Account{}
	setID := func(arnText, source string) error {
		a, ok := splitARN(arnText)
		if !ok || !isAccountID(a.account) {
			return fmt.Errorf("%s: %q is not an ARN of an account's principal", source, arnText)
		}
		if acct.ID == "" {
			acct.ID = a.account
		}
		if a.account != acct.ID {
			return fmt.Errorf("%s: principals of two accounts (%s, %s)", source, acct.ID, a.account)
		}
		return nil
	}
	var doc exportDocument
	if err := json.NewDecoder(export).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: read export: %w", exportSource, err)
	}
	for _, r := range doc.RoleDetailList {
		if err := setID(r.Arn, exportSource); err != nil {
			return nil, err
		}
		role, err := r.role()
		if err != nil {
			return nil, fmt.Errorf("%s: role %s: %w", exportSource, r.RoleName, err)
		}
		acct.Roles = append(acct.Roles, role)
	}
	byName := map[string]*User{}
	for _, u := range doc.UserDetailList {
		if err := setID(u.Arn, exportSource); err != nil {
			return nil, err
		}
		user, err := u.user()
		if err != nil {
			return nil, fmt.Errorf("%s: user %s: %w", exportSource, u.UserName, err)
		}
		acct.Users = append(acct.Users, user)
		byName[user.Name] = user
	}
	if err := readPolicies(acct, doc.Policies); err != nil {
		return nil, fmt.Errorf("%s: %w", exportSource, err)
	}
	if report != nil {
		if err := readReport(acct, byName, report, reportSource, setID); err != nil {
			return nil, err
		}
	}
	if acct.ID == "" {
		return nil, fmt.Errorf("%s: no principals, so no account ID", exportSource)
	}
	return acct, nil
}

// exportDocument is the part of an export the fake reads.
type exportDocument struct {
	UserDetailList []exportUser
	RoleDetailList []exportRole
	Policies       []exportManagedPolicy
}

// exportManagedPolicy is a ManagedPolicyDetail of an export's Policies.
type exportManagedPolicy struct {
	PolicyName, PolicyId, Arn, Path, DefaultVersionId string
	CreateDate, UpdateDate                            time.Time
	PolicyVersionList                                 []struct {
		VersionId        string
		IsDefaultVersion bool
		Document         json.RawMessage
	}
}

// readPolicies takes the documents of the export's managed policies, the
// default version of each: the account's own as its customer managed
// policies, AWS managed ones in place of the fake's catalogue. Without
// them the fake would serve placeholder documents, and iamsweep refine
// could not read what the principals are allowed.
func readPolicies(acct *Account, list []exportManagedPolicy) error {
	for _, p := range list {
		var doc string
		for _, v := range p.PolicyVersionList {
			if v.IsDefaultVersion || (p.DefaultVersionId != "" && v.VersionId == p.DefaultVersionId) {
				d, err := documentText(v.Document)
				if err != nil {
					return fmt.Errorf("managed policy %s: %w", p.Arn, err)
				}
				doc = d
				break
			}
		}
		mp := &ManagedPolicy{Name: p.PolicyName, Path: p.Path, ID: p.PolicyId, Document: doc,
			Created: p.CreateDate, Updated: p.UpdateDate}
		a, ok := splitARN(p.Arn)
		switch {
		case !ok:
			return fmt.Errorf("managed policy %q: not an ARN", p.Arn)
		case a.account == "aws":
			if acct.AWSManagedPolicies == nil {
				acct.AWSManagedPolicies = map[string]*ManagedPolicy{}
			}
			acct.AWSManagedPolicies[p.Arn] = mp
		case a.account == acct.ID || acct.ID == "":
			acct.Policies = append(acct.Policies, mp)
		default:
			return fmt.Errorf("managed policy %s: of another account than %s", p.Arn, acct.ID)
		}
	}
	return nil
}

type exportRole struct {
	Path, RoleName, RoleID, Arn string
	CreateDate                  time.Time
	AssumeRolePolicyDocument    json.RawMessage
	InstanceProfileList         []struct {
		Path, InstanceProfileName, InstanceProfileID string
		CreateDate                                   time.Time
		Tags                                         []Tag
	}
	RolePolicyList          []exportPolicy
	AttachedManagedPolicies []exportAttached
	PermissionsBoundary     *struct{ PermissionsBoundaryArn string }
	Tags                    []Tag
	RoleLastUsed            *struct {
		LastUsedDate *time.Time
		Region       string
	}
}

type exportUser struct {
	Path, UserName, UserID, Arn string
	CreateDate                  time.Time
	UserPolicyList              []exportPolicy
	GroupList                   []string
	AttachedManagedPolicies     []exportAttached
	PermissionsBoundary         *struct{ PermissionsBoundaryArn string }
	Tags                        []Tag
}

type exportPolicy struct {
	PolicyName     string
	PolicyDocument json.RawMessage
}

type exportAttached struct{ PolicyName, PolicyArn string }

func (r exportRole) role() (*Role, error) {
	role := &Role{Name: r.RoleName, Path: r.Path, ID: r.RoleID, Created: r.CreateDate.UTC(), Tags: r.Tags}
	var err error
	if role.TrustPolicy, err = documentText(r.AssumeRolePolicyDocument); err != nil {
		return nil, fmt.Errorf("AssumeRolePolicyDocument: %w", err)
	}
	if role.Inline, err = inlinePolicies(r.RolePolicyList); err != nil {
		return nil, err
	}
	role.Attached = attached(r.AttachedManagedPolicies)
	if r.PermissionsBoundary != nil {
		role.Boundary = r.PermissionsBoundary.PermissionsBoundaryArn
	}
	if u := r.RoleLastUsed; u != nil && u.LastUsedDate != nil {
		role.LastUsed, role.LastUsedRegion = u.LastUsedDate.UTC(), u.Region
	}
	for _, p := range r.InstanceProfileList {
		role.InstanceProfiles = append(role.InstanceProfiles, InstanceProfile{
			Name: p.InstanceProfileName, Path: p.Path, ID: p.InstanceProfileID, Created: p.CreateDate.UTC(), Tags: p.Tags,
		})
	}
	return role, nil
}

func (u exportUser) user() (*User, error) {
	user := &User{Name: u.UserName, Path: u.Path, ID: u.UserID, Created: u.CreateDate.UTC(), Groups: u.GroupList, Tags: u.Tags}
	var err error
	if user.Inline, err = inlinePolicies(u.UserPolicyList); err != nil {
		return nil, err
	}
	user.Attached = attached(u.AttachedManagedPolicies)
	if u.PermissionsBoundary != nil {
		user.Boundary = u.PermissionsBoundary.PermissionsBoundaryArn
	}
	return user, nil
}

func inlinePolicies(list []exportPolicy) ([]InlinePolicy, error) {
	var out []InlinePolicy
	for _, p := range list {
		doc, err := documentText(p.PolicyDocument)
		if err != nil {
			return nil, fmt.Errorf("inline policy %s: %w", p.PolicyName, err)
		}
		out = append(out, InlinePolicy{Name: p.PolicyName, Document: doc})
	}
	return out, nil
}

func attached(list []exportAttached) []AttachedPolicy {
	var out []AttachedPolicy
	for _, p := range list {
		out = append(out, AttachedPolicy{Name: p.PolicyName, ARN: p.PolicyArn})
	}
	return out
}

// documentText returns a policy document of an export as JSON text. The
// AWS CLI prints documents decoded, as JSON objects; an export written by
// other tools may hold them as strings, URL-encoded as IAM sends them or
// not. An absent document is "".
func documentText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		if strings.HasPrefix(strings.TrimSpace(s), "{") {
			return s, nil
		}
		return url.PathUnescape(s)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	return b.String(), nil
}

// rootUser is the credential report's name for the root user.
const rootUser = "<root_account>"

// readReport joins a credential report into acct: the credentials of the
// users of the export (by name), users the report alone holds, and the
// root user's.
func readReport(acct *Account, byName map[string]*User, r io.Reader, source string, setID func(arn, source string) error) error {
	records, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return fmt.Errorf("%s: read credential report: %w", source, err)
	}
	if len(records) == 0 {
		return fmt.Errorf("%s: empty credential report", source)
	}
	col := map[string]int{}
	for i, name := range records[0] {
		col[strings.TrimSpace(name)] = i
	}
	for _, want := range []string{"user", "arn"} {
		if _, ok := col[want]; !ok {
			return fmt.Errorf("%s: credential report without a %q column", source, want)
		}
	}
	for n, rec := range records[1:] {
		row := reportRow{rec: rec, col: col}
		line := fmt.Sprintf("%s:%d", source, n+2)
		if err := setID(row.get("arn"), line); err != nil {
			return err
		}
		if err := row.apply(acct, byName); err != nil {
			return fmt.Errorf("%s: %w", line, err)
		}
	}
	return nil
}

// reportRow reads one row of a credential report by column name.
type reportRow struct {
	rec []string
	col map[string]int
}

func (r reportRow) get(name string) string {
	i, ok := r.col[name]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

// time reads a timestamp column; the report's sentinels ("N/A",
// "no_information", "not_supported") are the zero time.
func (r reportRow) time(name string) (time.Time, error) {
	switch v := r.get(name); v {
	case "", "N/A", "no_information", "not_supported":
		return time.Time{}, nil
	default:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s: %w", name, err)
		}
		return t.UTC(), nil
	}
}

func (r reportRow) bool(name string) bool { return strings.EqualFold(r.get(name), "true") }

// text reads a text column, "N/A" as "".
func (r reportRow) text(name string) string {
	if v := r.get(name); v != "N/A" {
		return v
	}
	return ""
}

// apply puts the row's credentials on their user.
func (r reportRow) apply(acct *Account, byName map[string]*User) error {
	created, err := r.time("user_creation_time")
	if err != nil {
		return err
	}
	keys, err := r.keys()
	if err != nil {
		return err
	}
	name := r.get("user")
	if name == rootUser {
		acct.Created, acct.RootKeys = created, keys
		acct.RootPasswordLastUsed, err = r.time("password_last_used")
		return err
	}
	u := byName[name]
	if u == nil {
		a, _ := splitARN(r.get("arn"))
		path, _, ok := a.iamResource("user")
		if !ok {
			return fmt.Errorf("arn %q is not a user's", r.get("arn"))
		}
		u = &User{Name: name, Path: path, Created: created}
		acct.Users = append(acct.Users, u)
		byName[name] = u
	}
	u.AccessKeys, u.MFA = keys, r.bool("mfa_active")
	if r.bool("password_enabled") {
		u.Password = &LoginProfile{}
		if u.Password.Created, err = r.time("password_last_changed"); err != nil {
			return err
		}
		if u.Password.LastUsed, err = r.time("password_last_used"); err != nil {
			return err
		}
	}
	for slot := 1; slot <= 2; slot++ {
		prefix := fmt.Sprintf("cert_%d_", slot)
		uploaded, err := r.time(prefix + "last_rotated")
		if err != nil {
			return err
		}
		if active := r.bool(prefix + "active"); active || !uploaded.IsZero() {
			u.SigningCertificates = append(u.SigningCertificates, &SigningCertificate{Inactive: !active, Uploaded: uploaded})
		}
	}
	return nil
}

// keys reads the two access key slots of the row: a slot holds a key when
// it is active or has a creation (last_rotated) time.
func (r reportRow) keys() ([]*AccessKey, error) {
	var out []*AccessKey
	for slot := 1; slot <= 2; slot++ {
		prefix := fmt.Sprintf("access_key_%d_", slot)
		created, err := r.time(prefix + "last_rotated")
		if err != nil {
			return nil, err
		}
		active := r.bool(prefix + "active")
		if !active && created.IsZero() {
			continue
		}
		k := &AccessKey{Inactive: !active, Created: created}
		if k.LastUsed, err = r.time(prefix + "last_used_date"); err != nil {
			return nil, err
		}
		if !k.LastUsed.IsZero() {
			k.LastUsedRegion, k.LastUsedService = r.text(prefix+"last_used_region"), r.text(prefix+"last_used_service")
		}
		out = append(out, k)
	}
	return out, nil
}
