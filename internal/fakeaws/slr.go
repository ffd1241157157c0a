package fakeaws

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
)

// Service-linked roles: created and deleted only through their own
// actions, deleted asynchronously by a task that the caller polls.

// RoleUsage is where a service still uses a service-linked role: the
// RoleUsageList of a failed deletion.
type RoleUsage struct {
	Region    string
	Resources []string // resource ARNs
}

// slrInUse is a service-linked role whose deletion fails.
type slrInUse struct {
	account, role string
	reason        string
	usage         []RoleUsage
}

// slrTask is a service-linked role deletion task.
type slrTask struct {
	account string
	role    *Role
	// polls is how many more status calls answer IN_PROGRESS.
	polls  int
	status string // "" while in progress, then SUCCEEDED or FAILED
	fail   *slrInUse
}

// WithServiceLinkedRoleDeletionPolls makes a service-linked role deletion
// task answer IN_PROGRESS to n GetServiceLinkedRoleDeletionStatus calls
// before it ends. The default is 1; with 0 the first call sees the end.
func WithServiceLinkedRoleDeletionPolls(n int) Option {
	return func(s *Server) error {
		if n < 0 {
			return fmt.Errorf("fakeaws: service-linked role deletion polls %d is negative", n)
		}
		s.slrPolls = n
		return nil
	}
}

// WithServiceLinkedRoleInUse makes the deletion of the service-linked role
// roleName (in accountID, or in any account when it is "") fail, as it
// does while the linked service still uses the role: the task ends FAILED
// with reason and the resources that use it, and the role stays.
func WithServiceLinkedRoleInUse(accountID, roleName, reason string, usage ...RoleUsage) Option {
	return func(s *Server) error {
		if roleName == "" {
			return fmt.Errorf("fakeaws: WithServiceLinkedRoleInUse needs a role name")
		}
		s.slrInUse = append(s.slrInUse, slrInUse{account: accountID, role: roleName, reason: reason, usage: usage})
		return nil
	}
}

// serviceNamePattern is what AWSServiceName looks like:
// "<service>.amazonaws.com".
var serviceNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$`)

// serviceRoleSuffixes are the role name suffixes of well-known services,
// where the suffix is not the service's prefix with its first letter in
// upper case.
var serviceRoleSuffixes = map[string]string{
	"autoscaling": "AutoScaling", "elasticbeanstalk": "ElasticBeanstalk", "ecs": "ECS", "rds": "RDS",
	"elasticloadbalancing": "ElasticLoadBalancing", "trustedadvisor": "TrustedAdvisor", "sso": "SSO",
	"cloudtrail": "CloudTrail", "guardduty": "AmazonGuardDuty", "securityhub": "SecurityHub",
	"access-analyzer": "AccessAnalyzer", "config": "Config", "organizations": "Organizations", "support": "Support",
	"eks": "AmazonEKS", "elasticache": "ElastiCache", "dynamodb": "DynamoDBReplication",
}

// serviceRoleName is the name of the service-linked role of a service:
// AWSServiceRoleFor<Service>, with "_<suffix>" when one is given.
func serviceRoleName(service, suffix string) string {
	prefix, _, _ := strings.Cut(service, ".")
	name, ok := serviceRoleSuffixes[prefix]
	if !ok {
		var b strings.Builder
		for _, part := range strings.FieldsFunc(prefix, func(r rune) bool { return r == '-' || r == '.' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
		name = b.String()
	}
	name = "AWSServiceRoleFor" + name
	if suffix != "" {
		name += "_" + suffix
	}
	return name
}

// createServiceLinkedRole answers CreateServiceLinkedRole: a role under
// /aws-service-role/<service>/ that trusts the service.
func (s *Server) createServiceLinkedRole(acct *Account, req *request, x *xmlw) *apiError {
	service, e := textParam(req, "AWSServiceName", 1, 128)
	if e != nil {
		return e
	}
	if !serviceNamePattern.MatchString(service) {
		return errorf(400, "InvalidInput", "Invalid service name: %s", service)
	}
	suffix := req.form.Get("CustomSuffix")
	if suffix != "" && (len(suffix) > 64 || !namePattern.MatchString(suffix)) {
		return validation("customSuffix", suffix, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	description, _, e := descriptionParam(req)
	if e != nil {
		return e
	}
	name := serviceRoleName(service, suffix)
	if findNamed(acct.Roles, name) != nil {
		return errorf(400, "InvalidInput", "Service role name %s has been taken in this account, please try a different suffix.", name)
	}
	r := &Role{
		Name: name, Path: "/aws-service-role/" + service + "/", ID: s.newID("AROA", acct), Created: s.created(),
		Description: description, MaxSessionDuration: 3600,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`,
	}
	acct.Roles = insertSorted(acct.Roles, r)
	x.in("Role", func() { x.role(acct, r, false) })
	return nil
}

// deleteServiceLinkedRole answers DeleteServiceLinkedRole: it starts a
// deletion task ("task/aws-service-role/<service>/<role>/<uuid>"); the
// role goes when the task succeeds. Another request while a task runs
// gets that task.
func (s *Server) deleteServiceLinkedRole(acct *Account, req *request, x *xmlw) *apiError {
	r, e := roleParam(acct, req)
	if e != nil {
		return e
	}
	if !r.isServiceLinked() {
		return errorf(400, "InvalidInput", "Role %s is not a service-linked role.", r.Name)
	}
	for id, t := range s.tasks {
		if t.role == r && t.status == "" {
			x.elem("DeletionTaskId", id)
			return nil
		}
	}
	service := strings.TrimSuffix(strings.TrimPrefix(r.Path, "/aws-service-role/"), "/")
	id := "task/aws-service-role/" + service + "/" + r.Name + "/" + s.newUUID(acct)
	t := &slrTask{account: acct.ID, role: r, polls: s.slrPolls}
	for i := range s.slrInUse {
		u := &s.slrInUse[i]
		if (u.account == "" || u.account == acct.ID) && equalFold(u.role, r.Name) {
			t.fail = u
		}
	}
	s.tasks[id] = t
	x.elem("DeletionTaskId", id)
	return nil
}

// newUUID returns a fresh UUID (version 4 in form), the same on every run
// of the same calls.
func (s *Server) newUUID(acct *Account) string {
	seed := s.newID("task", acct)
	sum := func(text string) uint64 {
		h := fnv.New64a()
		_, _ = h.Write([]byte(text)) // a hash never fails
		return h.Sum64()
	}
	a, b := sum(seed), sum("uuid|"+seed)
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>52&0xfff, b&0xffffffffffff)
}

// getServiceLinkedRoleDeletionStatus answers
// GetServiceLinkedRoleDeletionStatus: IN_PROGRESS for the configured number
// of calls, then SUCCEEDED (and the role is gone) or, for a role in use,
// FAILED with the reason.
// endTask ends a deletion task: FAILED when the service still uses the
// role, else SUCCEEDED with the role removed.
func endTask(acct *Account, t *slrTask) {
	if t.fail != nil {
		t.status = "FAILED"
		return
	}
	t.status = "SUCCEEDED"
	removeRole(acct, t.role)
}

// FinishServiceLinkedRoleDeletions ends every deletion task still in
// progress, as IAM's tasks end by themselves whether or not anyone asks
// for their status.
func (s *Server) FinishServiceLinkedRoleDeletions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tasks {
		if t.status == "" {
			endTask(s.accounts[t.account], t)
		}
	}
}

func (s *Server) getServiceLinkedRoleDeletionStatus(acct *Account, req *request, x *xmlw) *apiError {
	id, e := textParam(req, "DeletionTaskId", 1, 1000)
	if e != nil {
		return e
	}
	t := s.tasks[id]
	if t == nil || t.account != acct.ID {
		if !strings.HasPrefix(id, "task/aws-service-role/") {
			return errorf(400, "InvalidInput", "Invalid deletion task id: %s", id)
		}
		return errorf(404, "NoSuchEntity", "Deletion task %s cannot be found.", id)
	}
	if t.status == "" {
		if t.polls > 0 {
			t.polls--
			x.elem("Status", "IN_PROGRESS")
			return nil
		}
		endTask(acct, t)
	}
	x.elem("Status", t.status)
	if t.status == "FAILED" {
		x.open("Reason")
		if t.fail.reason != "" {
			x.elem("Reason", t.fail.reason)
		}
		x.list("RoleUsageList", len(t.fail.usage), func(i int) {
			u := t.fail.usage[i]
			x.elem("Region", u.Region)
			x.open("Resources")
			for _, r := range u.Resources {
				x.elem("member", r)
			}
			x.close("Resources")
		})
		x.close("Reason")
	}
	return nil
}
