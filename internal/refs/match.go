package refs

import (
	"fmt"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// Target is the principal whose references are looked for.
type Target struct {
	// ARN is the principal's ARN; Kind is "role" or "user".
	ARN  string
	Kind string
	// AccountID and Name are from the ARN.
	AccountID string
	Name      string
	// ID is the unique ID (AROA..., AIDA...); "" when unknown.
	ID string
}

// NewTarget returns the target of an IAM role or user ARN.
func NewTarget(arn string) (Target, error) {
	a, err := iamsweep.ParseARN(arn)
	if err != nil {
		return Target{}, err
	}
	for _, kind := range []string{"role", "user"} {
		if _, name, err := a.IAMResource(kind); err == nil {
			return Target{ARN: arn, Kind: kind, AccountID: a.AccountID, Name: name}, nil
		}
	}
	return Target{}, fmt.Errorf("%s is not the ARN of an IAM role or user", iamsweep.Quote(arn))
}

func (t Target) key() iamsweep.PrincipalKey {
	return iamsweep.NewPrincipalKey(t.AccountID, t.Kind, t.Name)
}

// Mention is one place in a policy document that names a principal, or a
// pattern of principals.
type Mention struct {
	// Value is the ARN, unique ID or pattern as the document has it.
	Value string
	// Match is how it names a principal: "arn", "unique-id", "wildcard",
	// "condition" or "not-principal".
	Match string
	// Effect is the statement's effect ("Allow" or "Deny"); Sid its ID.
	Effect string
	Sid    string
	// Negated is true when the statement applies to everyone but the
	// principal: a NotPrincipal, or a negated condition operator
	// (StringNotEquals, ArnNotLike...). Such a statement is an exception
	// made for the principal.
	Negated bool
	// pattern holds a wildcard pattern; arnPattern compares ARN parts
	// separately (ArnLike).
	pattern    bool
	arnPattern bool
	// userID is true for a value of aws:userid ("AROA...:*"); userName
	// for a value of aws:username (an IAM user's name, in any account).
	userID   bool
	userName bool
}

// principalConditionKeys are the global condition keys whose values name
// the calling principal.
var principalConditionKeys = map[string]bool{
	"aws:principalarn": true,
	"aws:userid":       true,
	"aws:username":     true,  // an IAM user's friendly name
	"aws:sourcearn":    false, // names a resource, not a caller
}

// Mentions returns every place in doc that names a principal: AWS
// principals of Principal and NotPrincipal elements and values of the
// condition keys aws:PrincipalArn and aws:userid. Account principals
// ("123456789012", "arn:aws:iam::123456789012:root") and "*" name no one
// in particular and are left out.
func Mentions(doc *iamsweep.PolicyDocument) []Mention {
	if doc == nil {
		return nil
	}
	var out []Mention
	for _, st := range doc.Statements {
		base := Mention{Effect: st.Effect, Sid: st.Sid}
		if st.Principal != nil {
			for _, v := range st.Principal.ByType["AWS"] {
				if m, ok := principalMention(base, v); ok {
					out = append(out, m)
				}
			}
		}
		if st.NotPrincipal != nil {
			for _, v := range st.NotPrincipal.ByType["AWS"] {
				if m, ok := principalMention(base, v); ok {
					m.Match, m.Negated = "not-principal", true
					out = append(out, m)
				}
			}
		}
		for _, c := range st.Conditions {
			if !principalConditionKeys[strings.ToLower(c.Key)] {
				continue
			}
			op := strings.ToLower(c.Operator)
			if i := strings.LastIndexByte(op, ':'); i >= 0 { // ForAnyValue:, ForAllValues:
				op = op[i+1:]
			}
			op = strings.TrimSuffix(op, "ifexists")
			if op == "null" {
				continue
			}
			m := base
			m.Match = "condition"
			m.Negated = strings.Contains(op, "not")
			like := strings.HasSuffix(op, "like")
			m.arnPattern = strings.HasPrefix(op, "arn")
			m.userID = strings.EqualFold(c.Key, "aws:userid")
			m.userName = strings.EqualFold(c.Key, "aws:username")
			for _, v := range c.Values {
				m.Value = v
				// ArnEquals takes wildcards as ArnLike does: IAM
				// compares both part by part with * and ?.
				m.pattern = like || m.arnPattern && strings.ContainsAny(v, "*?")
				if m.userID || m.userName || m.pattern || m.arnPattern || looksLikePrincipal(v) {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// principalMention classifies a value of a Principal element.
func principalMention(base Mention, v string) (Mention, bool) {
	m := base
	m.Value = v
	switch {
	case v == "*" || iamsweep.IsAccountID(v) || strings.HasSuffix(v, ":root"):
		return m, false
	case isUniqueID(v):
		m.Match = "unique-id"
	case strings.ContainsAny(v, "*?"):
		m.Match, m.pattern, m.arnPattern = "wildcard", true, true
	default:
		m.Match = "arn"
	}
	return m, true
}

func looksLikePrincipal(v string) bool { return strings.HasPrefix(v, "arn:") || isUniqueID(v) }

// isUniqueID reports whether v is an IAM unique ID of a role (AROA) or
// user (AIDA): four letters and 17 more upper-case letters or digits.
func isUniqueID(v string) bool {
	if len(v) != 21 || !(strings.HasPrefix(v, "AROA") || strings.HasPrefix(v, "AIDA")) {
		return false
	}
	for i := 4; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Matches reports whether mention m names target t. An ARN names a role by its account and name, whatever its path
// and case (IAM keeps names unique regardless of both), or through a
// session of it (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION).
func (m Mention) Matches(t Target) bool {
	switch {
	case m.userName:
		// a user of that name in any account: the condition does not
		// say which, and IAM names are unique regardless of case
		if t.Kind != "user" {
			return false
		}
		if m.pattern {
			return glob(m.Value, t.Name)
		}
		return strings.EqualFold(m.Value, t.Name)
	case m.userID:
		id, _, _ := strings.Cut(m.Value, ":")
		if t.ID == "" {
			return false
		}
		if m.pattern {
			// ROLEID:SESSION for a role, USERID for a user: a pattern
			// names the principal when its ID part matches (the
			// session part, any session's name: ROLEID:ci-*).
			return glob(id, t.ID)
		}
		return id == t.ID
	case isUniqueID(m.Value):
		return t.ID != "" && m.Value == t.ID
	case m.pattern && m.arnPattern:
		return arnGlob(m.Value, t.ARN) || arnGlob(m.Value, sessionARN(t, sessionPart(m.Value)))
	case m.pattern:
		return glob(m.Value, t.ARN) || glob(m.Value, sessionARN(t, sessionPart(m.Value)))
	}
	k, ok := principalKey(m.Value)
	return ok && k == t.key()
}

// BroadPattern reports whether the mention is a wildcard that leaves the
// principal's name open ("role/*", "role/path/*"): it matches the
// principal as one of many, and removing the principal does not break
// what the statement grants the others.
func (m Mention) BroadPattern() bool {
	if !m.pattern {
		return false
	}
	v := m.Value
	if m.userID {
		id, _, _ := strings.Cut(v, ":")
		return strings.ContainsAny(id, "*?")
	}
	if i := strings.Index(v, ":assumed-role/"); i >= 0 {
		// arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION: the role's
		// name is before the session.
		name, _, _ := strings.Cut(v[i+len(":assumed-role/"):], "/")
		return strings.Trim(name, "*?") == ""
	}
	if m.userName {
		return strings.Trim(v, "*?") == ""
	}
	name := v[strings.LastIndexByte(v, '/')+1:]
	return strings.Trim(name, "*?") == ""
}

// sessionPart returns the session part of a pattern of role sessions
// (assumed-role/NAME/SESSION), which matches itself: a session of that
// name would match, whatever it is (ci-*); "*" for any other pattern.
func sessionPart(pattern string) string {
	_, rest, ok := strings.Cut(pattern, ":assumed-role/")
	if !ok {
		return "*"
	}
	_, session, ok := strings.Cut(rest, "/")
	if !ok {
		return "*"
	}
	return session
}

func sessionARN(t Target, session string) string {
	if t.Kind != "role" {
		return ""
	}
	a, err := iamsweep.ParseARN(t.ARN)
	if err != nil {
		return ""
	}
	return "arn:" + a.Partition + ":sts::" + t.AccountID + ":assumed-role/" + t.Name + "/" + session
}

// principalKey returns the principal an IAM role or user ARN, or a role
// session ARN, names.
func principalKey(v string) (iamsweep.PrincipalKey, bool) {
	a, err := iamsweep.ParseARN(v)
	if err != nil {
		return iamsweep.PrincipalKey{}, false
	}
	if a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/") {
		name, _, _ := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
		if name == "" {
			return iamsweep.PrincipalKey{}, false
		}
		return iamsweep.NewPrincipalKey(a.AccountID, "role", name), true
	}
	for _, kind := range []string{"role", "user"} {
		if _, name, err := a.IAMResource(kind); err == nil {
			return iamsweep.NewPrincipalKey(a.AccountID, kind, name), true
		}
	}
	return iamsweep.PrincipalKey{}, false
}

// arnGlob matches an ARN against an ArnLike pattern: each of the six
// colon-separated parts separately, the last (the resource) taking the
// rest of the text, colons included. A pattern of fewer parts matches no
// ARN.
func arnGlob(pattern, arn string) bool {
	pp, ap := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return false
	}
	for i := range pp {
		if !glob(pp[i], ap[i]) {
			return false
		}
	}
	return true
}

// glob matches s against pattern, where '*' matches any run of characters
// (none included) and '?' any one character, case-sensitively, as IAM's
// StringLike does.
func glob(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}
