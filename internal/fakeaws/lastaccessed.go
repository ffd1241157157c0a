package fakeaws

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

// Service last accessed data (GenerateServiceLastAccessedDetails,
// GetServiceLastAccessedDetails) for roles and users.
//
// What the fake models:
//   - A job answers IN_PROGRESS to a configurable number of
//     GetServiceLastAccessedDetails calls (WithAccessJobPolls, default 1),
//     then COMPLETED, or FAILED with an Error when FailAccessJob asked for
//     it. The data is taken when the job completes.
//   - ServicesLastAccessed lists the services the principal's permissions
//     policies allow (inline and attached, and for a user those of its
//     groups; Allow statements only, as IAM's own listing applies no
//     boundary, SCP or Deny), used or not. Action and NotAction elements
//     are matched against the fake's catalogue of services (accessCatalogue)
//     with IAM's wildcards, regardless of case; a service prefix the
//     catalogue does not hold is listed by its prefix, at service level.
//   - For an ACTION_LEVEL job, a service IAM tracks at action level lists
//     its tracked actions that the policies allow, used or not, in
//     TrackedActionsLastAccessed; used ones carry their last use.
//   - Use comes from SetAccess; use older than 400 days before the job
//     completes is not reported, as IAM tracks 400 days.
//   - The job-per-principal rule: AWS says the JobId "must be used by the
//     same role within a session, or by the same user". The fake binds a
//     job to the caller that generated it (its assumed-role ARN, which
//     names the role session, or its user) and to the account; any other
//     caller reading it gets NoSuchEntity, as for an unknown job ID. The
//     error code AWS uses for this case is not documented: NoSuchEntity is
//     the fake's choice, and clients should treat both alike.
//   - Throttling and latency are the fake's usual ones (every IAM call).
//   - Group and policy ARNs, which AWS also accepts, are not modelled
//     (InvalidInput).

// AccessUse is seeded use of a service or action by a principal
// (SetAccess).
type AccessUse struct {
	// Action is "prefix:Action" ("s3:ListAllMyBuckets") or just the
	// service prefix ("s3") for use of an action IAM does not track.
	Action string
	// When is the last use.
	When time.Time
	// Region is where; "" for none.
	Region string
}

// accessService is a service of the catalogue.
type accessService struct {
	name string
	// tracked are the actions IAM reports at action level; none for a
	// service it tracks at service level only.
	tracked []string
}

// accessCatalogue is the fake's catalogue of services, by prefix: a
// sample of real ones, with real tracked actions for the services IAM
// tracks at action level (S3 management actions, EC2, IAM, Lambda).
var accessCatalogue = map[string]accessService{
	"s3": {name: "Amazon S3", tracked: []string{
		"CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "GetBucketAcl", "GetBucketLocation", "GetBucketPolicy",
		"GetBucketVersioning", "ListAllMyBuckets", "PutBucketAcl", "PutBucketPolicy", "PutBucketVersioning", "PutEncryptionConfiguration",
	}},
	"ec2": {name: "Amazon EC2", tracked: []string{
		"AuthorizeSecurityGroupIngress", "CreateSecurityGroup", "CreateTags", "DescribeInstances", "DescribeSecurityGroups",
		"RunInstances", "StartInstances", "StopInstances", "TerminateInstances",
	}},
	"iam": {name: "AWS Identity and Access Management", tracked: []string{
		"AttachRolePolicy", "CreateRole", "DeleteRole", "GetRole", "ListRoles", "PassRole", "PutRolePolicy",
	}},
	"lambda": {name: "AWS Lambda", tracked: []string{
		"CreateFunction", "DeleteFunction", "GetFunction", "InvokeFunction", "ListFunctions", "UpdateFunctionCode",
	}},
	"dynamodb":   {name: "Amazon DynamoDB"},
	"sqs":        {name: "Amazon SQS"},
	"sns":        {name: "Amazon SNS"},
	"kms":        {name: "AWS Key Management Service"},
	"logs":       {name: "Amazon CloudWatch Logs"},
	"cloudwatch": {name: "Amazon CloudWatch"},
	"sts":        {name: "AWS Security Token Service"},
	"ssm":        {name: "AWS Systems Manager"},
}

// accessJob is a service last accessed job.
type accessJob struct {
	account     string
	creator     string // the caller ARN that generated it
	arn         string // the principal it reports on
	granularity string
	created     time.Time
	polls       int // IN_PROGRESS answers left
	completed   time.Time
	failure     *accessFailure
	services    []accessEntry // taken when the job completes
}

// accessFailure is how a job fails (FailAccessJob).
type accessFailure struct{ code, message string }

// accessEntry is one service of a completed job.
type accessEntry struct {
	namespace, name string
	last            AccessUse // zero When for no use
	actions         []accessActionEntry
	actionLevel     bool
}

type accessActionEntry struct {
	name string
	last AccessUse
}

// WithAccessJobPolls makes service last accessed jobs answer IN_PROGRESS
// to n GetServiceLastAccessedDetails calls before they complete; the
// default is 1, and with 0 the first call sees the job complete.
func WithAccessJobPolls(n int) Option {
	return func(s *Server) error {
		if n < 0 {
			return fmt.Errorf("fakeaws: access job polls %d is negative", n)
		}
		s.accessPolls = n
		return nil
	}
}

// SetAccess replaces the seeded use of the principal arn (a role's or a
// user's ARN, with its path): its last use of each service and action.
// Jobs that complete after the call see it.
func (s *Server) SetAccess(arn string, uses ...AccessUse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.access == nil {
		s.access = map[string][]AccessUse{}
	}
	s.access[arn] = append([]AccessUse(nil), uses...)
}

// FailAccessJob makes the next service last accessed job for the
// principal arn end FAILED with the given error code and message.
func (s *Server) FailAccessJob(arn, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accessFailures == nil {
		s.accessFailures = map[string]*accessFailure{}
	}
	s.accessFailures[arn] = &accessFailure{code: code, message: message}
}

// accessWindow is how far back IAM's service last accessed data reaches.
const accessWindow = 400 * 24 * time.Hour

// generateServiceLastAccessedDetails answers
// GenerateServiceLastAccessedDetails: a new job for the role or user Arn.
func (s *Server) generateServiceLastAccessedDetails(acct *Account, req *request, x *xmlw) *apiError {
	arnText, e := textParam(req, "Arn", 20, 2048)
	if e != nil {
		return e
	}
	granularity := req.form.Get("Granularity")
	switch granularity {
	case "":
		granularity = "SERVICE_LEVEL"
	case "SERVICE_LEVEL", "ACTION_LEVEL":
	default:
		return validation("granularity", granularity, "Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]")
	}
	if _, _, e := s.accessPrincipal(acct, arnText); e != nil {
		return e
	}
	creator, _ := s.caller(req)
	s.jobSeq++
	id := jobUUID(fmt.Sprintf("%s|%s|%d", acct.ID, arnText, s.jobSeq))
	if s.accessJobs == nil {
		s.accessJobs = map[string]*accessJob{}
	}
	s.accessJobs[id] = &accessJob{
		account: acct.ID, creator: creator, arn: arnText, granularity: granularity,
		created: s.now().UTC(), polls: s.accessPolls,
	}
	x.elem("JobId", id)
	return nil
}

// jobUUID derives a job ID (a UUID in form, 36 characters) from a seed.
func jobUUID(seed string) string {
	sum := func(text string) uint64 {
		h := fnv.New64a()
		_, _ = h.Write([]byte(text)) // a hash never fails
		return h.Sum64()
	}
	a, b := sum("job|"+seed), sum("uuid|"+seed)
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>52&0xfff, b&0xffffffffffff)
}

// accessPrincipal finds the role or user an ARN names and the documents
// of its permissions policies.
func (s *Server) accessPrincipal(acct *Account, text string) (string, []string, *apiError) {
	a, ok := splitARN(text)
	if !ok || a.service != "iam" {
		return "", nil, errorf(400, "InvalidInput", "ARN %s is not valid.", text)
	}
	if a.account != acct.ID {
		return "", nil, errorf(404, "NoSuchEntity", "The entity %s does not exist in this account.", text)
	}
	var docs []string
	inline := func(list []InlinePolicy) {
		for _, p := range list {
			docs = append(docs, p.Document)
		}
	}
	attached := func(list []AttachedPolicy) {
		for _, p := range list {
			if m := awsManagedOf(acct, p.ARN); m != nil {
				docs = append(docs, m.document)
				continue
			}
			for _, mp := range acct.Policies {
				if mp.ARN(acct.ID) == p.ARN {
					docs = append(docs, mp.Document)
				}
			}
		}
	}
	if path, name, ok := a.iamResource("role"); ok {
		for _, r := range acct.Roles {
			if r.Path == path && equalFold(r.Name, name) {
				inline(r.Inline)
				attached(r.Attached)
				return r.ARN(acct.ID), docs, nil
			}
		}
		return "", nil, errorf(404, "NoSuchEntity", "The role with name %s cannot be found.", name)
	}
	if path, name, ok := a.iamResource("user"); ok {
		for _, u := range acct.Users {
			if u.Path == path && equalFold(u.Name, name) {
				inline(u.Inline)
				attached(u.Attached)
				for _, g := range u.Groups {
					if grp := findNamed(acct.Groups, g); grp != nil {
						inline(grp.Inline)
						attached(grp.Attached)
					}
				}
				return u.ARN(acct.ID), docs, nil
			}
		}
		return "", nil, errorf(404, "NoSuchEntity", "The user with name %s cannot be found.", name)
	}
	return "", nil, errorf(400, "InvalidInput", "fakeaws models service last accessed data of roles and users only, not %s.", text)
}

// getServiceLastAccessedDetails answers GetServiceLastAccessedDetails for
// a job the caller generated, a page of MaxItems services at a time.
func (s *Server) getServiceLastAccessedDetails(acct *Account, req *request, x *xmlw) *apiError {
	id, e := textParam(req, "JobId", 36, 36)
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
	caller, _ := s.caller(req)
	job := s.accessJobs[id]
	if job == nil || job.account != acct.ID || job.creator != caller {
		return errorf(404, "NoSuchEntity", "No service last accessed job with ID %s was found.", id)
	}
	start, e := fromMarker(req, "slad,"+id)
	if e != nil {
		return e
	}
	if job.completed.IsZero() {
		if job.polls > 0 {
			job.polls--
		} else {
			s.completeAccessJob(acct, job)
		}
	}
	status := "IN_PROGRESS"
	switch {
	case job.completed.IsZero():
	case job.failure != nil:
		status = "FAILED"
	default:
		status = "COMPLETED"
	}
	x.elem("JobStatus", status)
	x.elem("JobType", job.granularity)
	x.time("JobCreationDate", job.created)
	if status != "COMPLETED" {
		x.empty("ServicesLastAccessed")
		if !job.completed.IsZero() {
			x.time("JobCompletionDate", job.completed)
		}
		if job.failure != nil {
			x.in("Error", func() {
				x.elem("Message", job.failure.message)
				x.elem("Code", job.failure.code)
			})
		}
		x.boolean("IsTruncated", false)
		return nil
	}
	if start > len(job.services) {
		return errorf(400, "ValidationError", "Invalid Marker")
	}
	end := min(start+limit, len(job.services))
	x.list("ServicesLastAccessed", end-start, func(i int) { x.accessEntry(job, job.services[start+i]) })
	x.time("JobCompletionDate", job.completed)
	x.boolean("IsTruncated", end < len(job.services))
	if end < len(job.services) {
		x.elem("Marker", marker("slad,"+id, end))
	}
	return nil
}

// accessEntry renders the members of a ServiceLastAccessed.
func (x *xmlw) accessEntry(job *accessJob, e accessEntry) {
	x.elem("ServiceName", e.name)
	if !e.last.When.IsZero() {
		x.time("LastAuthenticated", e.last.When)
	}
	x.elem("ServiceNamespace", e.namespace)
	if !e.last.When.IsZero() {
		x.elem("LastAuthenticatedEntity", job.arn)
		if e.last.Region != "" {
			x.elem("LastAuthenticatedRegion", e.last.Region)
		}
		x.elem("TotalAuthenticatedEntities", "1")
	} else {
		x.elem("TotalAuthenticatedEntities", "0")
	}
	if !e.actionLevel {
		return
	}
	x.list("TrackedActionsLastAccessed", len(e.actions), func(i int) {
		a := e.actions[i]
		x.elem("ActionName", a.name)
		if !a.last.When.IsZero() {
			x.elem("LastAccessedEntity", job.arn)
			if a.last.Region != "" {
				x.elem("LastAccessedRegion", a.last.Region)
			}
			x.time("LastAccessedTime", a.last.When)
		}
	})
}

// completeAccessJob ends a job: FAILED when FailAccessJob asked for it,
// else COMPLETED with the principal's services and use as they are now.
func (s *Server) completeAccessJob(acct *Account, job *accessJob) {
	job.completed = s.now().UTC()
	if f := s.accessFailures[job.arn]; f != nil {
		delete(s.accessFailures, job.arn)
		job.failure = f
		return
	}
	arn, docs, e := s.accessPrincipal(acct, job.arn)
	if e != nil {
		// The principal went away while the job ran.
		job.failure = &accessFailure{code: "NoSuchEntity", message: e.message}
		return
	}
	grants := allowedGrants(docs)
	since := job.completed.Add(-accessWindow)
	used := map[string]AccessUse{} // "prefix" or "prefix:action", lower case
	for _, u := range s.access[arn] {
		if u.When.Before(since) || u.When.After(job.completed) {
			continue
		}
		key := strings.ToLower(u.Action)
		if prev, ok := used[key]; !ok || u.When.After(prev.When) {
			used[key] = u
		}
		if prefix, _, ok := strings.Cut(key, ":"); ok {
			if prev, ok := used[prefix]; !ok || u.When.After(prev.When) {
				used[prefix] = u
			}
		}
	}
	var namespaces []string
	for ns := range accessCatalogue {
		namespaces = append(namespaces, ns)
	}
	for _, g := range grants {
		if !g.not && !strings.ContainsAny(g.service, "*?") && g.service != "" {
			if _, known := accessCatalogue[g.service]; !known && !slices.Contains(namespaces, g.service) {
				namespaces = append(namespaces, g.service)
			}
		}
	}
	slices.Sort(namespaces)
	job.services = nil
	for _, ns := range namespaces {
		svc, known := accessCatalogue[ns]
		if !known {
			svc = accessService{name: ns}
		}
		if !grantsService(grants, ns, svc.tracked) {
			continue
		}
		entry := accessEntry{namespace: ns, name: svc.name, last: used[ns]}
		if job.granularity == "ACTION_LEVEL" && len(svc.tracked) > 0 {
			for _, a := range svc.tracked {
				if grantsAction(grants, ns, a) {
					entry.actions = append(entry.actions, accessActionEntry{name: a, last: used[strings.ToLower(ns+":"+a)]})
				}
			}
			entry.actionLevel = len(entry.actions) > 0
		}
		job.services = append(job.services, entry)
	}
}

// grant is one Action or NotAction pattern of an Allow statement.
type grant struct {
	not     bool   // from a NotAction element; each statement's are kept together
	stmt    int    // the statement it comes from
	service string // the prefix pattern ("s3", "*")
	action  string // the action pattern ("Get*", "*")
}

// allowedGrants reads the Action and NotAction patterns of the Allow
// statements of the documents. Documents the fake cannot read are skipped:
// the fake only stores documents it has checked.
func allowedGrants(docs []string) []grant {
	var out []grant
	n := 0
	for _, doc := range docs {
		var top struct {
			Statement json.RawMessage
		}
		if json.Unmarshal([]byte(doc), &top) != nil {
			continue
		}
		var list []map[string]json.RawMessage
		if json.Unmarshal(top.Statement, &list) != nil {
			var one map[string]json.RawMessage
			if json.Unmarshal(top.Statement, &one) != nil {
				continue
			}
			list = []map[string]json.RawMessage{one}
		}
		for _, st := range list {
			n++
			var effect string
			_ = json.Unmarshal(st["Effect"], &effect)
			if effect != "Allow" {
				continue
			}
			for _, key := range []string{"Action", "NotAction"} {
				not := key == "NotAction"
				for _, p := range stringOrList(st[key]) {
					g := grant{not: not, stmt: n}
					if p == "*" {
						g.service, g.action = "*", "*"
					} else if svc, act, ok := strings.Cut(p, ":"); ok {
						g.service, g.action = strings.ToLower(svc), act
					} else {
						continue
					}
					out = append(out, g)
				}
			}
		}
	}
	return out
}

// stringOrList reads a string or a list of strings; anything else is none.
func stringOrList(raw json.RawMessage) []string {
	if raw == nil {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var list []string
	_ = json.Unmarshal(raw, &list)
	return list
}

// grantsService reports whether the grants allow some action of the
// service: an Action pattern whose prefix matches it, or a NotAction
// statement that does not exclude the whole service (its tracked actions
// all, or "prefix:*").
func grantsService(grants []grant, ns string, tracked []string) bool {
	for _, g := range grants {
		if !g.not && wildMatch(g.service, ns) {
			return true
		}
	}
	for _, stmt := range notStatements(grants) {
		whole := false
		for _, g := range stmt {
			if wildMatch(g.service, ns) && g.action == "*" {
				whole = true
			}
		}
		if !whole {
			return true
		}
	}
	return false
}

// grantsAction reports whether the grants allow prefix:action.
func grantsAction(grants []grant, ns, action string) bool {
	for _, g := range grants {
		if !g.not && wildMatch(g.service, ns) && wildMatch(strings.ToLower(g.action), strings.ToLower(action)) {
			return true
		}
	}
	for _, stmt := range notStatements(grants) {
		excluded := false
		for _, g := range stmt {
			if wildMatch(g.service, ns) && wildMatch(strings.ToLower(g.action), strings.ToLower(action)) {
				excluded = true
			}
		}
		if !excluded {
			return true
		}
	}
	return false
}

// notStatements groups the NotAction grants by statement.
func notStatements(grants []grant) [][]grant {
	var out [][]grant
	last := -1
	for _, g := range grants {
		if !g.not {
			continue
		}
		if g.stmt != last {
			out = append(out, nil)
			last = g.stmt
		}
		out[len(out)-1] = append(out[len(out)-1], g)
	}
	return out
}

// wildMatch matches text against a pattern with IAM's wildcards: * any
// run of characters, ? any one.
func wildMatch(pattern, text string) bool {
	p, t := 0, 0
	star, mark := -1, 0
	for t < len(text) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == text[t]):
			p++
			t++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, t
			p++
		case star >= 0:
			p = star + 1
			mark++
			t = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
