package awsapi

import (
	"bytes"
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
)

// elemReader walks the element tree of an XML document.
type elemReader struct {
	s   xmlScanner
	buf []byte
}

// child advances to the next child element of the current element and
// returns its name; ok is false when the current element's end tag comes
// first (it is consumed).
func (r *elemReader) child() (name []byte, ok bool, err error) {
	for {
		t, err := r.s.next()
		if err != nil {
			return nil, false, err
		}
		switch t.kind {
		case xmlStart:
			return t.name, true, nil
		case xmlEnd:
			return nil, false, nil
		case xmlEOF:
			return nil, false, r.s.syntax("document ends early")
		}
	}
}

// text reads the character data of the current element through its end
// tag.
func (r *elemReader) text() (string, error) {
	// The common case, one run of text with nothing to unescape, is copied
	// once.
	t, err := r.s.next()
	if err != nil {
		return "", err
	}
	switch t.kind {
	case xmlEnd:
		return "", nil
	case xmlText:
		if !t.cdata && bytes.IndexByte(t.text, '&') < 0 && bytes.IndexByte(t.text, '\r') < 0 {
			if r.s.pos < len(r.s.data) && r.s.data[r.s.pos] == '<' && r.s.pos+1 < len(r.s.data) && r.s.data[r.s.pos+1] == '/' {
				end, err := r.s.next()
				if err != nil {
					return "", err
				}
				if end.kind == xmlEnd {
					return string(t.text), nil
				}
			}
		}
	}
	r.buf = r.buf[:0]
	if t.kind == xmlText {
		if r.buf, err = unescape(r.buf, t); err != nil {
			return "", err
		}
	} else if t.kind == xmlStart {
		return "", r.s.syntax("unexpected element <%s> inside a text value", t.name)
	} else {
		return "", r.s.syntax("document ends early")
	}
	for {
		t, err := r.s.next()
		if err != nil {
			return "", err
		}
		switch t.kind {
		case xmlText:
			if r.buf, err = unescape(r.buf, t); err != nil {
				return "", err
			}
		case xmlEnd:
			return string(r.buf), nil
		case xmlStart:
			return "", r.s.syntax("unexpected element <%s> inside a text value", t.name)
		default:
			return "", r.s.syntax("document ends early")
		}
	}
}

// textBytes is text without the copy when it can be avoided: the result
// may be a slice of the document, valid as long as the document is.
func (r *elemReader) textBytes() ([]byte, error) {
	s := &r.s
	// After a self-closing tag the element's end is pending and the bytes
	// at pos belong to its parent: leave that case to text.
	if i := bytes.IndexByte(s.data[s.pos:], '<'); i >= 0 && s.pendingEnd == nil {
		raw := s.data[s.pos : s.pos+i]
		if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 && s.pos+i+1 < len(s.data) && s.data[s.pos+i+1] == '/' {
			save := s.pos
			s.pos += i
			if t, err := s.next(); err == nil && t.kind == xmlEnd {
				return raw, nil
			}
			s.pos = save
		}
	}
	v, err := r.text()
	return []byte(v), err
}

// time reads an ISO 8601 timestamp element.
func (r *elemReader) time() (time.Time, error) {
	b, err := r.textBytes()
	if err != nil || len(b) == 0 {
		return time.Time{}, err
	}
	if t, ok := parseUTCSeconds(b); ok {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid timestamp %q: %w", b, err)
	}
	return t.UTC(), nil
}

// parseUTCSeconds parses the form IAM sends, "2006-01-02T15:04:05Z",
// without allocating; ok is false for any other form, which time.Parse
// then reads.
func parseUTCSeconds(b []byte) (time.Time, bool) {
	if len(b) != 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // 31 April and the like: let time.Parse reject it
		return time.Time{}, false
	}
	return t, true
}

// accountOf returns the account ID field of an ARN, when it is 12 digits.
func accountOf(arn string) string {
	field := 0
	start := 0
	for i := 0; i < len(arn); i++ {
		if arn[i] != ':' {
			continue
		}
		field++
		if field == 4 {
			start = i + 1
		} else if field == 5 {
			if id := arn[start:i]; iamsweep.IsAccountID(id) {
				return id
			}
			return ""
		}
	}
	return ""
}

// skip consumes the rest of the current element.
func (r *elemReader) skip() error {
	for depth := 1; depth > 0; {
		t, err := r.s.next()
		if err != nil {
			return err
		}
		switch t.kind {
		case xmlStart:
			depth++
		case xmlEnd:
			depth--
		case xmlEOF:
			return r.s.syntax("document ends early")
		}
	}
	return nil
}

// members calls fn for each <member> child of the current element.
func (r *elemReader) members(fn func() error) error {
	for {
		name, ok, err := r.child()
		if err != nil || !ok {
			return err
		}
		if string(name) != "member" {
			if err := r.skip(); err != nil {
				return err
			}
			continue
		}
		if err := fn(); err != nil {
			return err
		}
	}
}

// gaadPage is the pagination state of one GetAccountAuthorizationDetails
// response.
type gaadPage struct {
	truncated bool
	marker    string
}

// policyDecoder turns a URL-encoded policy document into a parsed one.
// kind and name say which document it is ("inline policy", "s3-access").
type policyDecoder func(principalARN, kind, name string, encoded []byte) *iamsweep.PolicyDocument

// gaadPagination finds IsTruncated and Marker in a
// GetAccountAuthorizationDetails response without decoding the rest. No
// other element of the response bears those names and character data
// cannot hold a '<', so a search for the tags finds the result's own
// fields; scanGAAD later decodes the whole document and Client.Roles checks
// that both agree.
func gaadPagination(body []byte) (gaadPage, error) {
	var page gaadPage
	if !bytes.Contains(body[:min(len(body), 512)], []byte("<GetAccountAuthorizationDetailsResponse")) {
		return page, fmt.Errorf("%w: not a GetAccountAuthorizationDetailsResponse document", errXMLSyntax)
	}
	field := func(name string) (string, bool, error) {
		// A name in angle brackets can only be an element (text escapes
		// "<"), so the first match is the field.
		open := []byte("<" + name + ">")
		i := findTag(body, open)
		if i < 0 {
			return "", false, nil
		}
		r := &elemReader{s: xmlScanner{data: body, pos: i + len(open), open: [][]byte{[]byte(name)}}}
		v, err := r.text()
		return v, true, err
	}
	v, _, err := field("IsTruncated")
	if err != nil {
		return page, err
	}
	page.truncated = v == "true"
	page.marker, _, err = field("Marker")
	return page, err
}

// findTag returns the offset of tag in body, or -1. IAM writes IsTruncated
// before the lists and Marker after them, at either end of a megabyte of
// XML, so the ends are searched first; a search of the whole body (about
// 2 ms backwards) would delay the request for the next page by as much.
func findTag(body, tag []byte) int {
	const window = 4096
	if i := bytes.Index(body[:min(len(body), window)], tag); i >= 0 {
		return i
	}
	tail := max(0, len(body)-window)
	if i := bytes.Index(body[tail:], tag); i >= 0 {
		return tail + i
	}
	return bytes.Index(body, tag)
}

// scanGAAD reads a GetAccountAuthorizationDetails response document. It
// returns the pagination state and, when onRole is not nil, decodes every
// RoleDetail and passes it on.
func scanGAAD(body []byte, onRole func(iamsweep.Role) error, doc policyDecoder) (gaadPage, error) {
	return scanGAADWith(body, gaadHandlers{role: onRole}, doc)
}

// gaadHandlers receive the principals of a page; a nil handler skips its
// list.
type gaadHandlers struct {
	role func(iamsweep.Role) error
	user func(iamsweep.User) error
}

// scanGAADWith is scanGAAD for roles and users.
func scanGAADWith(body []byte, h gaadHandlers, doc policyDecoder) (gaadPage, error) {
	onRole := h.role
	var page gaadPage
	r := &elemReader{s: xmlScanner{data: body}}
	root, ok, err := r.child()
	if err != nil {
		return page, err
	}
	if !ok || string(root) != "GetAccountAuthorizationDetailsResponse" {
		return page, fmt.Errorf("%w: root element is <%s>, want <GetAccountAuthorizationDetailsResponse>", errXMLSyntax, root)
	}
	for {
		name, ok, err := r.child()
		if err != nil {
			return page, err
		}
		if !ok {
			break
		}
		if string(name) != "GetAccountAuthorizationDetailsResult" {
			if err := r.skip(); err != nil {
				return page, err
			}
			continue
		}
		for {
			name, ok, err := r.child()
			if err != nil {
				return page, err
			}
			if !ok {
				break
			}
			switch string(name) {
			case "IsTruncated":
				v, err := r.text()
				if err != nil {
					return page, err
				}
				page.truncated = v == "true"
			case "Marker":
				if page.marker, err = r.text(); err != nil {
					return page, err
				}
			case "RoleDetailList":
				if onRole == nil {
					err = r.skip()
				} else {
					err = r.members(func() error {
						role, err := r.roleDetail(doc)
						if err != nil {
							return err
						}
						if err := onRole(role); err != nil {
							return callbackError{err}
						}
						return nil
					})
				}
				if err != nil {
					return page, err
				}
			case "UserDetailList":
				if h.user == nil {
					err = r.skip()
				} else {
					err = r.members(func() error {
						user, err := r.userDetail(doc)
						if err != nil {
							return err
						}
						if err := h.user(user); err != nil {
							return callbackError{err}
						}
						return nil
					})
				}
				if err != nil {
					return page, err
				}
			default:
				if err := r.skip(); err != nil {
					return page, err
				}
			}
		}
	}
	// Whitespace, comments and processing instructions may follow the root
	// element (XML's Misc*), such as the newline a pretty-printed document
	// ends with.
	for {
		t, err := r.s.next()
		if err != nil {
			return page, err
		}
		switch {
		case t.kind == xmlEOF:
			return page, nil
		case t.kind == xmlText && !t.cdata && len(bytes.Trim(t.text, " \t\r\n")) == 0:
		default:
			return page, r.s.syntax("content after the root element")
		}
	}
}

// roleDetail decodes one RoleDetail member into a role.
func (r *elemReader) roleDetail(doc policyDecoder) (iamsweep.Role, error) {
	var role iamsweep.Role
	var trust []byte
	var hasTrust bool
	var inline []encodedPolicy
	for {
		name, ok, err := r.child()
		if err != nil {
			return role, err
		}
		if !ok {
			break
		}
		switch string(name) {
		case "Path":
			role.Path, err = r.text()
		case "RoleName":
			role.Name, err = r.text()
		case "RoleId":
			role.ID, err = r.text()
		case "Arn":
			role.ARN, err = r.text()
		case "CreateDate":
			role.Created, err = r.time()
		case "AssumeRolePolicyDocument":
			trust, err = r.textBytes()
			hasTrust = true
		case "InstanceProfileList":
			err = r.members(func() error {
				p, err := r.instanceProfile()
				role.InstanceProfiles = append(role.InstanceProfiles, p)
				return err
			})
		case "RolePolicyList":
			inline, err = r.inlinePolicies()
		case "AttachedManagedPolicies":
			role.AttachedPolicies, err = r.attachedPolicies()
		case "PermissionsBoundary":
			role.PermissionsBoundary, err = r.boundary()
		case "Tags":
			role.Tags, err = r.tags()
		case "RoleLastUsed":
			err = r.fields(func(field []byte) (err error) {
				switch string(field) {
				case "LastUsedDate":
					role.LastUsed.Time, err = r.time()
				case "Region":
					role.LastUsed.Region, err = r.text()
				default:
					err = r.skip()
				}
				return err
			})
		default:
			err = r.skip()
		}
		if err != nil {
			return role, fmt.Errorf("RoleDetail %q: %s: %w", role.Name, name, err)
		}
	}
	if role.LastUsed.Time.IsZero() {
		role.LastUsed = iamsweep.Usage{}
	}
	role.AccountID = accountOf(role.ARN)
	if hasTrust {
		role.TrustPolicy = doc(role.ARN, "trust policy", "", trust)
	}
	role.InlinePolicies = decodeInline(role.ARN, inline, doc)
	return role, nil
}

// encodedPolicy is an inline policy as read: its document still encoded.
type encodedPolicy struct {
	name string
	doc  []byte
}

// inlinePolicies reads a RolePolicyList or UserPolicyList.
func (r *elemReader) inlinePolicies() ([]encodedPolicy, error) {
	var out []encodedPolicy
	err := r.members(func() error {
		var p encodedPolicy
		err := r.fields(func(field []byte) (err error) {
			switch string(field) {
			case "PolicyName":
				p.name, err = r.text()
			case "PolicyDocument":
				p.doc, err = r.textBytes()
			default:
				err = r.skip()
			}
			return err
		})
		out = append(out, p)
		return err
	})
	return out, err
}

// decodeInline parses the documents of inline policies.
func decodeInline(arn string, inline []encodedPolicy, doc policyDecoder) []iamsweep.InlinePolicy {
	var out []iamsweep.InlinePolicy
	for _, p := range inline {
		ip := iamsweep.InlinePolicy{Name: p.name}
		if d := doc(arn, "inline policy", p.name, p.doc); d != nil {
			ip.Document = *d
		}
		out = append(out, ip)
	}
	return out
}

// attachedPolicies reads an AttachedManagedPolicies list.
func (r *elemReader) attachedPolicies() ([]iamsweep.AttachedPolicy, error) {
	var out []iamsweep.AttachedPolicy
	err := r.textPairs("PolicyName", "PolicyArn", func(name, arn string) {
		out = append(out, iamsweep.AttachedPolicy{Name: name, ARN: arn})
	})
	return out, err
}

// textPairs reads a list of members of two text fields, first and second
// (others are skipped), and passes each member's two values to add.
func (r *elemReader) textPairs(first, second string, add func(a, b string)) error {
	return r.members(func() error {
		var a, b string
		err := r.fields(func(field []byte) (err error) {
			switch string(field) {
			case first:
				a, err = r.text()
			case second:
				b, err = r.text()
			default:
				err = r.skip()
			}
			return err
		})
		add(a, b)
		return err
	})
}

// boundary reads a PermissionsBoundary and returns its policy ARN.
func (r *elemReader) boundary() (string, error) {
	var arn string
	err := r.fields(func(field []byte) (err error) {
		if string(field) == "PermissionsBoundaryArn" {
			arn, err = r.text()
			return err
		}
		return r.skip()
	})
	return arn, err
}

// fields calls fn with the name of each child of the current element; fn
// must consume the child (read its text or skip it).
func (r *elemReader) fields(fn func(name []byte) error) error {
	for {
		name, ok, err := r.child()
		if err != nil || !ok {
			return err
		}
		if err := fn(name); err != nil {
			return err
		}
	}
}

func (r *elemReader) tags() ([]iamsweep.Tag, error) {
	var out []iamsweep.Tag
	err := r.textPairs("Key", "Value", func(k, v string) {
		out = append(out, iamsweep.Tag{Key: k, Value: v})
	})
	return out, err
}

func (r *elemReader) instanceProfile() (iamsweep.InstanceProfile, error) {
	var p iamsweep.InstanceProfile
	err := r.fields(func(field []byte) (err error) {
		switch string(field) {
		case "Path":
			p.Path, err = r.text()
		case "InstanceProfileName":
			p.Name, err = r.text()
		case "InstanceProfileId":
			p.ID, err = r.text()
		case "Arn":
			p.ARN, err = r.text()
		case "CreateDate":
			p.Created, err = r.time()
		case "Tags":
			p.Tags, err = r.tags()
		case "Roles":
			err = r.members(func() error {
				return r.fields(func(field []byte) (err error) {
					if string(field) == "RoleName" {
						var n string
						n, err = r.text()
						p.Roles = append(p.Roles, n)
						return err
					}
					return r.skip()
				})
			})
		default:
			err = r.skip()
		}
		return err
	})
	return p, err
}

// userDetail decodes one UserDetail member into a user (details only:
// HasDetails set, credentials left to the credential report).
func (r *elemReader) userDetail(doc policyDecoder) (iamsweep.User, error) {
	u := iamsweep.User{HasDetails: true}
	var inline []encodedPolicy
	for {
		name, ok, err := r.child()
		if err != nil {
			return u, err
		}
		if !ok {
			break
		}
		switch string(name) {
		case "Path":
			u.Path, err = r.text()
		case "UserName":
			u.Name, err = r.text()
		case "UserId":
			u.ID, err = r.text()
		case "Arn":
			u.ARN, err = r.text()
		case "CreateDate":
			u.Created, err = r.time()
		case "UserPolicyList":
			inline, err = r.inlinePolicies()
		case "GroupList":
			for {
				_, ok, err := r.child()
				if err != nil {
					return u, err
				}
				if !ok {
					break
				}
				g, err := r.text()
				if err != nil {
					return u, err
				}
				u.Groups = append(u.Groups, g)
			}
		case "AttachedManagedPolicies":
			u.AttachedPolicies, err = r.attachedPolicies()
		case "PermissionsBoundary":
			u.PermissionsBoundary, err = r.boundary()
		case "Tags":
			u.Tags, err = r.tags()
		default:
			err = r.skip()
		}
		if err != nil {
			return u, fmt.Errorf("UserDetail %q: %s: %w", u.Name, name, err)
		}
	}
	u.AccountID = accountOf(u.ARN)
	u.InlinePolicies = decodeInline(u.ARN, inline, doc)
	return u, nil
}
