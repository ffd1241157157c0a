package authexport

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// wireRole is a RoleDetail as the AWS CLI prints it.
type wireRole struct {
	Path                     string                `json:"Path"`
	RoleName                 string                `json:"RoleName"`
	RoleID                   string                `json:"RoleId"`
	Arn                      string                `json:"Arn"`
	CreateDate               timeValue             `json:"CreateDate"`
	AssumeRolePolicyDocument policyValue           `json:"AssumeRolePolicyDocument"`
	InstanceProfileList      []wireInstanceProfile `json:"InstanceProfileList"`
	RolePolicyList           []wirePolicy          `json:"RolePolicyList"`
	AttachedManagedPolicies  []wireAttached        `json:"AttachedManagedPolicies"`
	PermissionsBoundary      *wireBoundary         `json:"PermissionsBoundary"`
	Tags                     []wireTag             `json:"Tags"`
	RoleLastUsed             *wireLastUsed         `json:"RoleLastUsed"`
}

type wireInstanceProfile struct {
	Path                string      `json:"Path"`
	InstanceProfileName string      `json:"InstanceProfileName"`
	InstanceProfileID   string      `json:"InstanceProfileId"`
	Arn                 string      `json:"Arn"`
	CreateDate          timeValue   `json:"CreateDate"`
	Roles               []wireNamed `json:"Roles"`
	Tags                []wireTag   `json:"Tags"`
}

type wireNamed struct {
	RoleName string `json:"RoleName"`
}

type wirePolicy struct {
	PolicyName     string      `json:"PolicyName"`
	PolicyDocument policyValue `json:"PolicyDocument"`
}

type wireAttached struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

type wireBoundary struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn"`
}

type wireTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type wireLastUsed struct {
	LastUsedDate timeValue `json:"LastUsedDate"`
	Region       string    `json:"Region"`
}

// wireManagedPolicy is a ManagedPolicyDetail (a member of Policies) as
// the AWS CLI prints it.
type wireManagedPolicy struct {
	PolicyName        string        `json:"PolicyName"`
	Arn               string        `json:"Arn"`
	Path              string        `json:"Path"`
	DefaultVersionID  string        `json:"DefaultVersionId"`
	AttachmentCount   *int          `json:"AttachmentCount"`
	UpdateDate        timeValue     `json:"UpdateDate"`
	PolicyVersionList []wireVersion `json:"PolicyVersionList"`
}

type wireVersion struct {
	Document         policyValue `json:"Document"`
	VersionID        string      `json:"VersionId"`
	IsDefaultVersion bool        `json:"IsDefaultVersion"`
}

// policy converts a managed policy, keeping the document of its default
// version (IsDefaultVersion, else the version DefaultVersionId names).
func (w *wireManagedPolicy) policy() (iamsweep.ManagedPolicy, error) {
	if w.PolicyName == "" {
		return iamsweep.ManagedPolicy{}, errors.New("policy has no PolicyName")
	}
	if w.Arn == "" {
		return iamsweep.ManagedPolicy{}, fmt.Errorf("policy %s has no Arn", bounded(w.PolicyName))
	}
	arn, err := iamsweep.ParseARN(w.Arn)
	if err != nil {
		return iamsweep.ManagedPolicy{}, fmt.Errorf("field Arn: %w", err)
	}
	if arn.Service != "iam" || !strings.HasPrefix(arn.Resource, "policy/") {
		return iamsweep.ManagedPolicy{}, fmt.Errorf("field Arn: %s is not the ARN of a managed policy", iamsweep.Quote(w.Arn))
	}
	p := iamsweep.ManagedPolicy{ARN: w.Arn, Name: w.PolicyName, Path: w.Path, DefaultVersionID: w.DefaultVersionID,
		UpdatedAt: w.UpdateDate.t, AttachmentCount: -1}
	if w.AttachmentCount != nil {
		p.AttachmentCount = *w.AttachmentCount
	}
	var def *wireVersion
	for i := range w.PolicyVersionList {
		v := &w.PolicyVersionList[i]
		if v.IsDefaultVersion || (def == nil && v.VersionID != "" && v.VersionID == w.DefaultVersionID) {
			def = v
			if v.IsDefaultVersion {
				break
			}
		}
	}
	if def == nil || def.Document.doc == nil {
		return iamsweep.ManagedPolicy{}, fmt.Errorf("policy %s: PolicyVersionList holds no document of the default version %s",
			iamsweep.Quote(w.Arn), iamsweep.Quote(w.DefaultVersionID))
	}
	if p.DefaultVersionID == "" {
		p.DefaultVersionID = def.VersionID
	}
	p.Document = *def.Document.doc
	return p, nil
}

// wireUser is a UserDetail as the AWS CLI prints it.
type wireUser struct {
	Path                    string         `json:"Path"`
	UserName                string         `json:"UserName"`
	UserID                  string         `json:"UserId"`
	Arn                     string         `json:"Arn"`
	CreateDate              timeValue      `json:"CreateDate"`
	UserPolicyList          []wirePolicy   `json:"UserPolicyList"`
	GroupList               []string       `json:"GroupList"`
	AttachedManagedPolicies []wireAttached `json:"AttachedManagedPolicies"`
	PermissionsBoundary     *wireBoundary  `json:"PermissionsBoundary"`
	Tags                    []wireTag      `json:"Tags"`
}

func (w *wireUser) user() (iamsweep.User, error) {
	if w.UserName == "" {
		return iamsweep.User{}, errors.New("user has no UserName")
	}
	if w.Arn == "" {
		return iamsweep.User{}, fmt.Errorf("user %s has no Arn", bounded(w.UserName))
	}
	arn, err := iamsweep.ParseARN(w.Arn)
	if err != nil {
		return iamsweep.User{}, fmt.Errorf("field Arn: %w", err)
	}
	arnPath, _, err := arn.IAMResource("user")
	if err != nil {
		return iamsweep.User{}, fmt.Errorf("field Arn: %w", err)
	}
	u := iamsweep.User{
		AccountID:        arn.AccountID,
		ARN:              w.Arn,
		ID:               w.UserID,
		Name:             w.UserName,
		Path:             w.Path,
		Created:          w.CreateDate.t,
		HasDetails:       true,
		Groups:           w.GroupList,
		InlinePolicies:   inlinePolicies(w.UserPolicyList),
		AttachedPolicies: attachedPolicies(w.AttachedManagedPolicies),
		Tags:             tags(w.Tags),
	}
	switch {
	case u.Path == "":
		u.Path = arnPath
	case u.Path != arnPath:
		return iamsweep.User{}, fmt.Errorf("field Path %s does not match the path of the Arn %s", iamsweep.Quote(u.Path), iamsweep.Quote(w.Arn))
	}
	if w.PermissionsBoundary != nil {
		u.PermissionsBoundary = w.PermissionsBoundary.PermissionsBoundaryArn
	}
	return u, nil
}

func inlinePolicies(ws []wirePolicy) []iamsweep.InlinePolicy {
	if len(ws) == 0 {
		return nil
	}
	out := make([]iamsweep.InlinePolicy, 0, len(ws))
	for _, p := range ws {
		ip := iamsweep.InlinePolicy{Name: p.PolicyName}
		if p.PolicyDocument.doc != nil {
			ip.Document = *p.PolicyDocument.doc
		}
		out = append(out, ip)
	}
	return out
}

func attachedPolicies(ws []wireAttached) []iamsweep.AttachedPolicy {
	if len(ws) == 0 {
		return nil
	}
	out := make([]iamsweep.AttachedPolicy, 0, len(ws))
	for _, p := range ws {
		out = append(out, iamsweep.AttachedPolicy{Name: p.PolicyName, ARN: p.PolicyArn})
	}
	return out
}

func (w *wireRole) role() (iamsweep.Role, error) {
	if w.RoleName == "" {
		return iamsweep.Role{}, errors.New("role has no RoleName")
	}
	if w.Arn == "" {
		return iamsweep.Role{}, fmt.Errorf("role %s has no Arn", bounded(w.RoleName))
	}
	arn, err := iamsweep.ParseARN(w.Arn)
	if err != nil {
		return iamsweep.Role{}, fmt.Errorf("field Arn: %w", err)
	}
	arnPath, _, err := arn.IAMResource("role")
	if err != nil {
		return iamsweep.Role{}, fmt.Errorf("field Arn: %w", err)
	}
	r := iamsweep.Role{
		AccountID:   arn.AccountID,
		ARN:         w.Arn,
		ID:          w.RoleID,
		Name:        w.RoleName,
		Path:        w.Path,
		Created:     w.CreateDate.t,
		TrustPolicy: w.AssumeRolePolicyDocument.doc,
	}
	switch {
	case r.Path == "":
		r.Path = arnPath
	case r.Path != arnPath:
		return iamsweep.Role{}, fmt.Errorf("field Path %s does not match the path of the Arn %s", iamsweep.Quote(r.Path), iamsweep.Quote(w.Arn))
	}
	if w.RoleLastUsed != nil {
		r.LastUsed = iamsweep.Usage{Time: w.RoleLastUsed.LastUsedDate.t, Region: w.RoleLastUsed.Region}
		if r.LastUsed.Time.IsZero() {
			// No date means no recorded use; a Region alone says nothing.
			r.LastUsed.Region = ""
		}
	}
	if w.PermissionsBoundary != nil {
		r.PermissionsBoundary = w.PermissionsBoundary.PermissionsBoundaryArn
	}
	r.InlinePolicies = inlinePolicies(w.RolePolicyList)
	r.AttachedPolicies = attachedPolicies(w.AttachedManagedPolicies)
	r.Tags = tags(w.Tags)
	if len(w.InstanceProfileList) > 0 {
		r.InstanceProfiles = make([]iamsweep.InstanceProfile, 0, len(w.InstanceProfileList))
		for _, p := range w.InstanceProfileList {
			ip := iamsweep.InstanceProfile{
				Name: p.InstanceProfileName, ID: p.InstanceProfileID, ARN: p.Arn,
				Path: p.Path, Created: p.CreateDate.t, Tags: tags(p.Tags),
			}
			for _, rr := range p.Roles {
				ip.Roles = append(ip.Roles, rr.RoleName)
			}
			r.InstanceProfiles = append(r.InstanceProfiles, ip)
		}
	}
	return r, nil
}

func tags(ws []wireTag) []iamsweep.Tag {
	if len(ws) == 0 {
		return nil
	}
	out := make([]iamsweep.Tag, len(ws))
	for i, t := range ws {
		out[i] = iamsweep.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// timeValue decodes a timestamp in every form AWS tooling writes into an
// export: AWS CLI v2's ISO 8601 with offset ("2019-05-22T16:37:13+00:00"),
// CLI v1's wire form ("2019-05-22T16:37:13Z", fractional seconds allowed),
// Python's str(datetime) ("2019-05-22 16:37:13+00:00"), a zone-less form
// taken as UTC, and epoch seconds as a number (cli_timestamp_format=wire on
// JSON services).
type timeValue struct{ t time.Time }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z0700",
}

// unmarshalers decode the values of a role or user whose forms the JSON
// decoder does not know: timestamps and policy documents. Each rejects a
// value the limiter cut (longString does so for plain strings).
func (l *limiter) unmarshalers() *json.Unmarshalers {
	return json.JoinUnmarshalers(
		json.UnmarshalFromFunc(l.unmarshalTime),
		json.UnmarshalFromFunc(l.unmarshalPolicy),
	)
}

// longString returns the path (after prefix, in JSON names) and the value
// of the first string in v, a wire type, that is at least limit bytes
// long: a value the limiter cut. Call it only when there is a cut in the
// element decoded into v (see limiter.cutIn); it uses reflection.
func longString(v reflect.Value, prefix string, limit int) (path, value string, ok bool) {
	switch v.Kind() {
	case reflect.String:
		return prefix, v.String(), v.Len() >= limit
	case reflect.Pointer:
		if !v.IsNil() {
			return longString(v.Elem(), prefix, limit)
		}
	case reflect.Slice:
		for i := range v.Len() {
			if path, value, ok := longString(v.Index(i), fmt.Sprintf("%s[%d]", prefix, i), limit); ok {
				return path, value, true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "" {
				continue
			}
			if path, value, ok := longString(v.Field(i), prefix+"."+name, limit); ok {
				return path, value, true
			}
		}
	}
	return "", "", false
}

func (l *limiter) unmarshalTime(dec *jsontext.Decoder, v *timeValue) error {
	start := decoderOffset(dec)
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if c, ok := l.cutAt(start); ok {
		return tooLong(c.size, tok.String())
	}
	switch tok.Kind() {
	case 'n':
		v.t = time.Time{}
		return nil
	case '0':
		f := tok.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) || f < 0 || f > 1e11 {
			return fmt.Errorf("invalid timestamp %s: want epoch seconds", bounded(tok.String()))
		}
		sec, frac := math.Modf(f)
		v.t = time.Unix(int64(sec), int64(frac*1e9)).UTC()
		return nil
	case '"':
		t, err := ParseTime(tok.String())
		if err != nil {
			return err
		}
		v.t = t
		return nil
	default:
		return fmt.Errorf("want a timestamp string, got %s", kindName(tok.Kind()))
	}
}

// ParseTime parses a timestamp in any of the forms an export may hold (see
// timeValue) and returns it in UTC. An empty string is the zero time.
func ParseTime(s string) (time.Time, error) {
	switch {
	case s == "":
		return time.Time{}, nil
	case len(s) > 64: // longer than any form, and not worth six parses
		return time.Time{}, invalidTime(s)
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if sec, err := strconv.ParseFloat(s, 64); err == nil && sec >= 0 && sec < 1e11 {
		whole, frac := math.Modf(sec)
		return time.Unix(int64(whole), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, invalidTime(s)
}

// bounded returns s as it is when it is at most 80 bytes long, else a
// quoted excerpt (see iamsweep.Quote).
func bounded(s string) string {
	if len(s) <= 80 {
		return s
	}
	return iamsweep.Quote(s)
}

func invalidTime(s string) error {
	return fmt.Errorf("invalid timestamp %s: want ISO 8601 such as 2019-05-22T16:37:13Z", iamsweep.Quote(s))
}

// policyValue decodes a policy document as the CLI prints it (a JSON object)
// or as an SDK returns it (a URL-encoded JSON string, decoded exactly once).
type policyValue struct{ doc *iamsweep.PolicyDocument }

func (l *limiter) unmarshalPolicy(dec *jsontext.Decoder, v *policyValue) error {
	start := decoderOffset(dec)
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		v.doc = nil
		return err
	case '{':
		doc, err := policy.Read(dec)
		if err != nil {
			return err
		}
		if c, ok := l.cutIn(start, dec.InputOffset()); ok {
			return fmt.Errorf("policy document: %w", tooLong(c.size, ""))
		}
		v.doc = &doc
		return nil
	case '"':
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		text := tok.String()
		if c, ok := l.cutAt(start); ok {
			return tooLong(c.size, text)
		}
		// URL-encoded by IAM's API, exactly once; "+" stays "+" (path, not
		// query, unescaping). A document the CLI decoded is JSON already.
		if text, err = policy.Unescape(text); err != nil {
			return err
		}
		doc, err := policy.Parse([]byte(text))
		if err != nil {
			return err
		}
		v.doc = &doc
		return nil
	default:
		return fmt.Errorf("want a policy document (an object or a URL-encoded string), got %s", kindName(dec.PeekKind()))
	}
}
