package fakeaws

import (
	"net/http"
	"strconv"
)

// The resources beyond IAM that may point at an account's principals (the
// reads of iamsweep refs): Lambda functions, EC2 instances, S3 buckets and
// KMS keys, each in a Region, with their policies. Seed them in
// Account.Resources; the services that read them are in lambda.go,
// ec2.go, s3.go and kms.go.

// Resources are an account's resources beyond IAM.
type Resources struct {
	// Regions are the account's Regions with their opt-in status
	// ("opt-in-not-required", "opted-in", "not-opted-in"). When empty,
	// DefaultRegions. A call to a Region that is not enabled fails as AWS
	// fails it: with the credentials refused.
	Regions   []Region
	Functions []Function
	Instances []Instance
	Buckets   []Bucket
	Keys      []Key
	Queues    []Queue
	Topics    []Topic
	Secrets   []Secret
	// TaskDefinitions are ECS task definition revisions.
	TaskDefinitions []TaskDefinition
	Repositories    []Repository
	// Projects, StateMachines and Rules are CodeBuild projects, Step
	// Functions state machines and EventBridge rules (compute.go).
	Projects      []Project
	StateMachines []StateMachine
	Rules         []Rule
	// Stacks are CloudFormation stacks (cloudformation.go).
	Stacks []Stack
}

// Repository is an ECR repository.
type Repository struct {
	Region, Name string
	// Policy is the repository policy (JSON); "" for none.
	Policy string
}

// Queue is an SQS queue.
type Queue struct {
	Region, Name string
	// Policy is the queue policy (JSON); "" for none.
	Policy string
}

// Topic is an SNS topic that ListTopics lists (WithSNSTopics creates the
// topics Publish accepts).
type Topic struct {
	Region, Name string
	// Policy is the topic's access policy (JSON); "" for SNS's default.
	Policy string
}

// Secret is a Secrets Manager secret.
type Secret struct {
	Region, Name string
	// Policy is the resource policy (JSON); "" for none.
	Policy string
}

// TaskDefinition is a revision of an ECS task definition.
type TaskDefinition struct {
	Region   string
	Family   string
	Revision int
	// Inactive is true for a deregistered revision.
	Inactive bool
	// TaskRole and ExecutionRole are role ARNs; "" for none.
	TaskRole, ExecutionRole string
}

// Region is a Region and its opt-in status for the account.
type Region struct {
	Name        string
	OptInStatus string
}

// DefaultRegions are the Regions of an account seeded without any: three
// enabled, one not opted in.
var DefaultRegions = []Region{
	{"eu-west-1", "opt-in-not-required"},
	{"us-east-1", "opt-in-not-required"},
	{"us-west-2", "opt-in-not-required"},
	{"af-south-1", "not-opted-in"},
}

// Function is a Lambda function.
type Function struct {
	Region string
	Name   string
	// Role is the execution role's ARN.
	Role string
	// Policy is the function's resource-based policy (JSON); "" for none.
	Policy string
}

// Instance is an EC2 instance.
type Instance struct {
	Region string
	// ID is "i-..."; Name its Name tag ("" for none).
	ID   string
	Name string
	// State is "running", "stopped", "terminated"...
	State string
	// InstanceProfileARN is the instance profile's ARN; "" for none.
	InstanceProfileARN string
}

// Bucket is an S3 bucket.
type Bucket struct {
	Region string
	Name   string
	// Policy is the bucket policy (JSON); "" for none.
	Policy string
}

// Key is a KMS key.
type Key struct {
	Region string
	// ID is the key ID (a UUID).
	ID string
	// Policy is the key policy named "default" (JSON).
	Policy string
}

// regions returns the account's Regions.
func (r *Resources) regions() []Region {
	if r == nil || len(r.Regions) == 0 {
		return DefaultRegions
	}
	return r.Regions
}

// enabled reports whether region is enabled for the account.
func (r *Resources) enabled(region string) bool {
	for _, x := range r.regions() {
		if x.Name == region {
			return x.OptInStatus != "not-opted-in"
		}
	}
	return false
}

// resourcePage returns the items of a listing from the index token names, at most
// limit (capped by WithMaxPageItems), and the token of the next page ("" at
// the end). A token that is not one the fake issued is an error.
func resourcePage[T any](s *Server, items []T, token string, limit int) ([]T, string, *apiError) {
	if s.maxPageItems > 0 && limit > s.maxPageItems {
		limit = s.maxPageItems
	}
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", errorf(400, "InvalidParameterValueException", "invalid pagination token %q", token)
		}
		start = n
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

// inRegion returns the items of a Region.
func inRegion[T any](items []T, region string, of func(T) string) []T {
	var out []T
	for _, x := range items {
		if of(x) == region {
			out = append(out, x)
		}
	}
	return out
}

// restOp answers a REST request once its operation is known: the common
// checks (credentials, faults, throttling, the Region's opt-in), then
// fn with the lock held. write writes the answer or the error in the
// service's protocol.
func (s *Server) restOp(w http.ResponseWriter, req *request, fn func(acct *Account) (any, *apiError), write func(w http.ResponseWriter, out any, e *apiError)) {
	e := s.before(req)
	var out any
	if e == nil {
		s.mu.Lock()
		acct := s.accounts[req.accountID]
		if req.service != "s3" && !acct.Resources.enabled(req.region) {
			e = req.proto.invalidToken()
		} else {
			out, e = fn(acct)
		}
		s.mu.Unlock()
	}
	s.record(req, e)
	s.wait(req)
	write(w, out, e)
}
