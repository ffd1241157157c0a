package fakeaws

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode"
)

// awsManagedPolicy is an AWS managed policy the fake knows the document
// of. Any arn:aws:iam::aws:policy/... ARN may be attached (they all exist
// as far as the fake is concerned); those listed here also appear in
// GetAccountAuthorizationDetails' Policies while something uses them.
type awsManagedPolicy struct {
	name, path, id, document string
	versionID                string
	created, updated         time.Time
}

// AWSDenyAllARN is the AWS managed policy that denies every action.
const AWSDenyAllARN = "arn:aws:iam::aws:policy/AWSDenyAll"

// awsManaged is the catalogue of AWS managed policies, by ARN.
var awsManaged = map[string]*awsManagedPolicy{
	AWSDenyAllARN: {
		name: "AWSDenyAll", path: "/", id: "ANPAYSCHG4IJQ3SYFZW3E", versionID: "v1",
		document: `{"Version":"2012-10-17","Statement":[{"Sid":"DenyAll","Effect":"Deny","Action":["*"],"Resource":"*"}]}`,
		created:  time.Date(2019, 5, 1, 18, 7, 28, 0, time.UTC), updated: time.Date(2019, 5, 1, 18, 7, 28, 0, time.UTC),
	},
	"arn:aws:iam::aws:policy/AdministratorAccess": {
		name: "AdministratorAccess", path: "/", id: "ANPAIWMBCKSKIEE64ZLYK", versionID: "v1",
		document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		created:  time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC), updated: time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC),
	},
}

// awsManagedOf returns the AWS managed policy arn as acct sees it: its own
// copy (Account.AWSManagedPolicies) first, else the fake's catalogue; nil
// when neither holds it.
func awsManagedOf(acct *Account, arn string) *awsManagedPolicy {
	if p := acct.AWSManagedPolicies[arn]; p != nil {
		updated := p.Updated
		if updated.IsZero() {
			updated = p.Created
		}
		path := p.Path
		if path == "" {
			path = "/"
		}
		return &awsManagedPolicy{name: p.Name, path: path, id: p.ID, document: p.Document,
			versionID: "v1", created: p.Created, updated: updated}
	}
	return awsManaged[arn]
}

// awsManagedARNs returns the ARNs of the AWS managed policies acct sees.
func awsManagedARNs(acct *Account) []string {
	var out []string
	for arn := range awsManaged {
		out = append(out, arn)
	}
	for arn := range acct.AWSManagedPolicies {
		if awsManaged[arn] == nil {
			out = append(out, arn)
		}
	}
	return out
}

// policyName is the name of a managed policy: the last part of its ARN.
func policyName(arn string) string {
	return arn[strings.LastIndexByte(arn, '/')+1:]
}

// managedPolicyExists checks that a managed policy ARN names a policy
// that exists: any AWS managed policy, or a customer managed policy of the
// account. notFound words the error ("Policy %s does not exist or is not
// attachable.").
func managedPolicyExists(acct *Account, arn, notFound string) *apiError {
	a, e := policyARN(arn)
	if e != nil {
		return e
	}
	if a.partition == "aws" && a.account == "aws" {
		return nil
	}
	for _, p := range acct.Policies {
		if p.ARN(acct.ID) == arn {
			return nil
		}
	}
	return errorf(404, "NoSuchEntity", notFound, arn)
}

// policyARN parses a managed policy ARN; anything else (a role's ARN, an
// S3 ARN, no ARN at all) is IAM's InvalidInput "ARN ... is not valid.".
func policyARN(s string) (arn, *apiError) {
	a, ok := splitARN(s)
	if !ok || a.service != "iam" || !strings.HasPrefix(a.resource, "policy/") {
		return arn{}, errorf(400, "InvalidInput", "ARN %s is not valid.", s)
	}
	return a, nil
}

// policyArnParam returns the PolicyArn parameter, naming a policy that
// exists.
func policyArnParam(acct *Account, req *request) (string, *apiError) {
	arn, e := textParam(req, "PolicyArn", 20, 2048)
	if e != nil {
		return "", e
	}
	return arn, managedPolicyExists(acct, arn, "Policy %s does not exist or is not attachable.")
}

// boundaryParam returns the PermissionsBoundary parameter ("" when absent
// and not required), naming a policy that exists.
func boundaryParam(acct *Account, req *request, need bool) (string, *apiError) {
	if !need && !req.form.Has("PermissionsBoundary") {
		return "", nil
	}
	arn, e := textParam(req, "PermissionsBoundary", 20, 2048)
	if e != nil {
		return "", e
	}
	return arn, managedPolicyExists(acct, arn, "Scope ARN: %s does not exist or is not attachable.")
}

// maxDocumentLength is the model's limit on a PolicyDocument parameter.
const maxDocumentLength = 131072

// documentParam returns a policy document parameter, checked as IAM
// checks an identity policy (trust false) or a role trust policy.
func documentParam(req *request, field string, trust bool) (string, *apiError) {
	doc, e := textParam(req, field, 1, maxDocumentLength)
	if e != nil {
		return "", e
	}
	return doc, checkDocument(doc, trust)
}

// checkDocument answers MalformedPolicyDocument for a document that is not
// a JSON policy: not JSON, no statements, an Effect other than Allow or
// Deny, a principal in an identity policy or none in a trust policy. IAM
// checks far more (action and resource syntax, condition operators); the
// fake does not.
func checkDocument(doc string, trust bool) *apiError {
	if !json.Valid([]byte(doc)) {
		return errorf(400, "MalformedPolicyDocument", "Syntax errors in policy.")
	}
	sts, err := statements(doc)
	if err != nil || len(sts) == 0 {
		return errorf(400, "MalformedPolicyDocument", "Syntax errors in policy.")
	}
	for _, st := range sts {
		if st.effect != "Allow" && st.effect != "Deny" {
			return errorf(400, "MalformedPolicyDocument", "Invalid effect: %s", st.effect)
		}
		if trust && !st.hasPrincipal {
			return errorf(400, "MalformedPolicyDocument", "Missing required field Principal")
		}
		if !trust && st.hasPrincipal {
			return errorf(400, "MalformedPolicyDocument", "Policy document should not specify a principal.")
		}
	}
	return nil
}

// policySize is the size IAM counts against its policy size quotas: the
// characters of the document, white space excluded.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// inlineSize is the total size of an entity's inline policies, leaving out
// the one named except (which a put replaces).
func inlineSize(list []InlinePolicy, except string) int {
	n := 0
	for _, p := range list {
		if p.Name != except {
			n += policySize(p.Document)
		}
	}
	return n
}

// putInline adds an inline policy or replaces the one with its name.
func putInline(list []InlinePolicy, name, doc string) []InlinePolicy {
	out := slices.Clone(list)
	if i := slices.IndexFunc(out, func(p InlinePolicy) bool { return p.Name == name }); i >= 0 {
		out[i].Document = doc
		return out
	}
	return append(out, InlinePolicy{Name: name, Document: doc})
}

// attach attaches a managed policy (a no-op when it is attached already,
// as in IAM) unless the entity holds quota policies; kind names the quota
// in the error ("Role": PoliciesPerRole).
func attach(list []AttachedPolicy, arn string, quota int, kind string) ([]AttachedPolicy, *apiError) {
	if slices.ContainsFunc(list, func(p AttachedPolicy) bool { return p.ARN == arn }) {
		return list, nil
	}
	if len(list) >= quota {
		return nil, limitExceeded("Cannot exceed quota for PoliciesPer%s: %d", kind, quota)
	}
	return append(slices.Clone(list), AttachedPolicy{Name: policyName(arn), ARN: arn}), nil
}

// detach detaches a managed policy; NoSuchEntity when it is not attached.
func detach(list []AttachedPolicy, arn string) ([]AttachedPolicy, *apiError) {
	i := slices.IndexFunc(list, func(p AttachedPolicy) bool { return p.ARN == arn })
	if i < 0 {
		return nil, errorf(404, "NoSuchEntity", "Policy %s was not found.", arn)
	}
	return slices.Delete(slices.Clone(list), i, i+1), nil
}

// attachedPage renders a page of ListAttached*Policies: AttachedPolicies
// whose path starts with the PathPrefix parameter, if any.
func (s *Server) attachedPage(req *request, listing string, all []AttachedPolicy, x *xmlw) *apiError {
	list := all
	if prefix := req.form.Get("PathPrefix"); prefix != "" {
		list = nil
		for _, p := range all {
			if strings.HasPrefix(policyPath(p.ARN), prefix) {
				list = append(list, p)
			}
		}
		listing += "," + prefix
	}
	return page(s, req, x, listing, "AttachedPolicies", list, x.attachedPolicy)
}

// policyPath is the path of a managed policy ARN ("/job-function/").
func policyPath(arn string) string {
	_, res, _ := strings.Cut(arn, ":policy")
	return res[:strings.LastIndexByte(res, '/')+1]
}

// policyNameParam returns the PolicyName parameter.
func policyNameParam(req *request) (string, *apiError) {
	return nameParam(req, "PolicyName", 128)
}
