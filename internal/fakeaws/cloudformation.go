package fakeaws

import (
	"slices"
	"time"
)

// CloudFormation, as far as iamsweep refs reads it, over the query
// protocol (version 2010-05-15): DescribeStackResources by StackName (a
// stack's name or ID) with an optional LogicalResourceId filter, the first
// 100 resources as the service returns them. A deleted stack is found by
// its ID only (CloudFormation keeps it 90 days), by name it does not
// exist: ValidationError, as for an unknown stack. PhysicalResourceId is
// refused (iamsweep does not use it).

// cloudFormationNamespace is the XML namespace of CloudFormation's
// responses.
const cloudFormationNamespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

// Stack is a CloudFormation stack.
type Stack struct {
	Region, Name string
	// UUID ends the stack's ID (arn:aws:cloudformation:REGION:ACCOUNT:
	// stack/NAME/UUID).
	UUID string
	// Deleted is true for a deleted stack (its resources DELETE_COMPLETE
	// or DELETE_SKIPPED).
	Deleted   bool
	Resources []StackResource
}

// StackResource is a resource of a stack.
type StackResource struct {
	LogicalID, PhysicalID, Type string
	// Status is "CREATE_COMPLETE" when empty.
	Status string
}

var cloudFormationActions = map[string]queryAction{
	"DescribeStackResources": (*Server).describeStackResources,
}

// StackID returns the ID of a stack of acct.
func StackID(accountID string, s Stack) string {
	return "arn:aws:cloudformation:" + s.Region + ":" + accountID + ":stack/" + s.Name + "/" + s.UUID
}

// stackCreated is every resource's Timestamp.
var stackCreated = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func (s *Server) describeStackResources(acct *Account, req *request, x *xmlw) *apiError {
	if !acct.Resources.enabled(req.region) {
		return req.proto.invalidToken()
	}
	name := req.form.Get("StackName")
	if req.form.Get("PhysicalResourceId") != "" {
		if name != "" {
			return errorf(400, "ValidationError", "Cannot specify both StackName and PhysicalResourceId")
		}
		return errorf(400, "ValidationError", "fakeaws does not look stacks up by PhysicalResourceId")
	}
	i := -1
	if acct.Resources != nil {
		i = slices.IndexFunc(acct.Resources.Stacks, func(st Stack) bool {
			return st.Region == req.region && (StackID(acct.ID, st) == name || !st.Deleted && st.Name == name)
		})
	}
	if i < 0 {
		return errorf(400, "ValidationError", "Stack with id %s does not exist", name)
	}
	st := acct.Resources.Stacks[i]
	logical := req.form.Get("LogicalResourceId")
	var resources []StackResource
	for _, r := range st.Resources {
		if logical == "" || r.LogicalID == logical {
			resources = append(resources, r)
		}
	}
	if len(resources) > 100 {
		resources = resources[:100]
	}
	x.in("StackResources", func() {
		for _, r := range resources {
			status := r.Status
			if status == "" {
				status = "CREATE_COMPLETE"
			}
			x.in("member", func() {
				x.elem("StackName", st.Name)
				x.elem("StackId", StackID(acct.ID, st))
				x.elem("LogicalResourceId", r.LogicalID)
				x.elem("PhysicalResourceId", r.PhysicalID)
				x.elem("ResourceType", r.Type)
				x.time("Timestamp", stackCreated)
				x.elem("ResourceStatus", status)
			})
		}
	})
	return nil
}
