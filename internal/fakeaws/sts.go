package fakeaws

import (
	"crypto/subtle"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// stsActions are the STS actions the fake answers.
var stsActions = map[string]queryAction{
	"AssumeRole":        (*Server).assumeRole,
	"GetCallerIdentity": (*Server).getCallerIdentity,
}

// callerName is the name of the IAM user that static credentials act as:
// GetCallerIdentity answers arn:aws:iam::<account>:user/fakeaws-caller.
const callerName = "fakeaws-caller"

// WithSessionLifetime caps the lifetime of the credentials AssumeRole
// issues at d, whatever DurationSeconds asks for, so that tests can see
// clients refresh short-lived credentials. Expiry is measured on the clock
// set with WithClock.
func WithSessionLifetime(d time.Duration) Option {
	return func(s *Server) error {
		if d <= 0 {
			return fmt.Errorf("fakeaws: session lifetime %v is not positive", d)
		}
		s.sessionLifetime = d
		return nil
	}
}

// session is a set of temporary credentials AssumeRole issued.
type session struct {
	account  string // the role's account, where the credentials act
	roleName string
	roleID   string
	name     string // RoleSessionName
	token    string
	expires  time.Time
}

// arn is the assumed-role ARN of the session (without the role's path, as
// STS writes it).
func (ss *session) arn() string {
	return "arn:aws:sts::" + ss.account + ":assumed-role/" + ss.roleName + "/" + ss.name
}

// checkSession rejects temporary credentials used without their session
// token or after they expired. Other keys pass. It runs with the server
// lock held.
func (s *Server) checkSession(req *request) *apiError {
	ss := s.sessions[req.accessKey]
	if ss == nil {
		return nil
	}
	token := req.http.Header.Get("X-Amz-Security-Token")
	if subtle.ConstantTimeCompare([]byte(token), []byte(ss.token)) != 1 {
		return req.proto.invalidToken()
	}
	if !s.now().Before(ss.expires) {
		return req.proto.expiredToken()
	}
	return nil
}

// caller returns the ARN and unique ID of the principal that signed req:
// the assumed role for issued credentials, else the account's
// fakeaws-caller user.
func (s *Server) caller(req *request) (arn, userID string) {
	if ss := s.sessions[req.accessKey]; ss != nil {
		return ss.arn(), ss.roleID + ":" + ss.name
	}
	return "arn:aws:iam::" + req.accountID + ":user/" + callerName, uniqueID("AIDA", req.accountID+callerName)
}

// getCallerIdentity answers GetCallerIdentity.
func (s *Server) getCallerIdentity(acct *Account, req *request, x *xmlw) *apiError {
	arn, userID := s.caller(req)
	x.elem("Arn", arn)
	x.elem("UserId", userID)
	x.elem("Account", acct.ID)
	return nil
}

var (
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalIDPattern  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
)

// Session durations STS allows, in seconds.
const (
	minSessionSeconds     = 900
	maxSessionSeconds     = 43200
	defaultSessionSeconds = 3600
	chainedSessionSeconds = 3600 // the most for role chaining
)

// assumeRole answers AssumeRole: it checks the input, that the role exists
// and that its trust policy's external ID (if any) matches, then issues
// credentials that act in the role's account.
func (s *Server) assumeRole(_ *Account, req *request, x *xmlw) *apiError {
	roleARN := req.form.Get("RoleArn")
	if roleARN == "" {
		return validation("roleArn", "null", "Member must not be null")
	}
	name := req.form.Get("RoleSessionName")
	if name == "" {
		return validation("roleSessionName", "null", "Member must not be null")
	}
	if !sessionNamePattern.MatchString(name) {
		if len(name) < 2 || len(name) > 64 {
			return validation("roleSessionName", name, "Member must have length between 2 and 64")
		}
		return validation("roleSessionName", name, `Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	seconds := defaultSessionSeconds
	if v := req.form.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			return validation("durationSeconds", v, "Member must be an integer")
		case n < minSessionSeconds:
			return validation("durationSeconds", v, "Member must have value greater than or equal to 900")
		case n > maxSessionSeconds:
			return validation("durationSeconds", v, "Member must have value less than or equal to 43200")
		}
		seconds = n
	}
	externalID, hasExternalID := req.form.Get("ExternalId"), req.form.Has("ExternalId")
	if hasExternalID && (len(externalID) < 2 || len(externalID) > 1224) {
		return validation("externalId", externalID, "Member must have length between 2 and 1224")
	}
	if hasExternalID && !externalIDPattern.MatchString(externalID) {
		return validation("externalId", externalID, `Member must satisfy regular expression pattern: [\w+=,.@:\/-]*`)
	}
	if len(roleARN) < 20 {
		return validation("roleArn", roleARN, "Member must have length greater than or equal to 20")
	}
	a, ok := splitARN(roleARN)
	var path, roleName string
	if ok {
		path, roleName, ok = a.iamResource("role")
	}
	if !ok || a.account == "" {
		return errorf(400, "ValidationError", "%s is not a valid role ARN", roleARN)
	}

	callerARN, _ := s.caller(req)
	denied := errorf(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", callerARN, roleARN)
	target := s.accounts[a.account]
	if target == nil || a.partition != "aws" {
		return denied
	}
	role := findRole(target, path, roleName)
	if role == nil || !externalIDAllowed(role.TrustPolicy, externalID, hasExternalID) {
		return denied
	}
	if seconds > role.MaxSessionDuration {
		return errorf(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if s.sessions[req.accessKey] != nil && seconds > chainedSessionSeconds {
		return errorf(400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}

	lifetime := time.Duration(seconds) * time.Second
	if s.sessionLifetime > 0 && s.sessionLifetime < lifetime {
		lifetime = s.sessionLifetime
	}
	ss := &session{
		account:  target.ID,
		roleName: role.Name,
		roleID:   role.ID,
		name:     name,
		token:    s.randomString(sessionTokenLength, base64Alphabet),
		// The wire carries whole seconds: expire when the client is told.
		expires: s.now().Add(lifetime).Truncate(time.Second),
	}
	keyID := s.newSessionKeyID()
	secret := s.randomString(40, base64Alphabet)
	s.keys[keyID] = target.ID
	s.sessions[keyID] = ss

	// Members in the order of the API reference's sample response.
	x.open("AssumedRoleUser")
	x.elem("Arn", ss.arn())
	x.elem("AssumedRoleId", ss.roleID+":"+ss.name)
	x.close("AssumedRoleUser")
	x.open("Credentials")
	x.elem("AccessKeyId", keyID)
	x.elem("SecretAccessKey", secret)
	x.elem("SessionToken", ss.token)
	x.time("Expiration", ss.expires)
	x.close("Credentials")
	return nil
}

// validation is STS's error for an input that breaks a model constraint.
func validation(member, value, constraint string) *apiError {
	if value != "null" {
		value = "'" + value + "'"
	}
	return errorf(400, "ValidationError", "1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

// findRole finds the role with the given path and name (the name
// regardless of case, as IAM compares it).
func findRole(acct *Account, path, name string) *Role {
	for _, r := range acct.Roles {
		if r.Path == path && equalFold(r.Name, name) {
			return r
		}
	}
	return nil
}

// externalIDAllowed reports whether the external ID given to AssumeRole
// satisfies the role's trust policy. When an Allow statement has a
// StringEquals condition on sts:ExternalId, the ID must equal one of its
// values; a policy without such a condition accepts any. The fake does not
// evaluate principals or other conditions, and a trust policy it cannot
// parse allows nothing.
func externalIDAllowed(trustPolicy, externalID string, given bool) bool {
	sts, err := statements(trustPolicy)
	if err != nil {
		return false
	}
	var want []string
	for _, st := range sts {
		if st.effect != "Allow" {
			continue
		}
		for key, values := range st.conditions["StringEquals"] {
			if equalFold(key, "sts:ExternalId") {
				want = append(want, values...)
			}
		}
	}
	if len(want) == 0 {
		return true
	}
	ok := false
	for _, w := range want {
		if subtle.ConstantTimeCompare([]byte(w), []byte(externalID)) == 1 {
			ok = true
		}
	}
	return given && ok
}

// Temporary credentials: key IDs are "ASIA" and 16 characters of the IAM
// ID alphabet; secrets and tokens are base64 text.
const (
	keyIDAlphabet      = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	base64Alphabet     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	sessionTokenLength = 356
)

// newSessionKeyID returns an access key ID no one holds yet.
func (s *Server) newSessionKeyID() string {
	for {
		id := "ASIA" + s.randomString(16, keyIDAlphabet)
		if _, taken := s.keys[id]; !taken {
			return id
		}
	}
}

// randomString draws n characters of alphabet from the credentials'
// seeded generator.
func (s *Server) randomString(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[s.credRNG.IntN(len(alphabet))]
	}
	return string(b)
}
