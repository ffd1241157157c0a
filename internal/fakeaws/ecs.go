package fakeaws

import (
	"slices"
	"strconv"
	"strings"
)

// Amazon ECS, as far as iamsweep refs reads it, over JSON 1.1 (X-Amz-Target
// AmazonEC2ContainerServiceV20141113.<Action>):
//
//   - ListTaskDefinitions: the task definition ARNs of the Region called,
//     with status (ACTIVE, the default, or INACTIVE), maxResults (1 to
//     100) and nextToken.
//   - DescribeTaskDefinition: a revision by ARN or "family:revision", with
//     its taskRoleArn and executionRoleArn; an unknown one is a
//     ClientException.

const ecsTargetPrefix = "AmazonEC2ContainerServiceV20141113"

var ecsActions = map[string]jsonAction{
	"ListTaskDefinitions":    listTaskDefinitions,
	"DescribeTaskDefinition": describeTaskDefinition,
}

func taskDefinitionARN(acct *Account, td TaskDefinition) string {
	return "arn:aws:ecs:" + td.Region + ":" + acct.ID + ":task-definition/" + td.Family + ":" + strconv.Itoa(td.Revision)
}

func listTaskDefinitions(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		Status     string `json:"status"`
		MaxResults *int   `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	if in.Status == "" {
		in.Status = "ACTIVE"
	}
	if in.Status != "ACTIVE" && in.Status != "INACTIVE" {
		return nil, errorf(400, "InvalidParameterException", "status must be ACTIVE or INACTIVE")
	}
	limit := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 100 {
			return nil, errorf(400, "InvalidParameterException", "maxResults must be between 1 and 100")
		}
		limit = *in.MaxResults
	}
	var tds []TaskDefinition
	if acct.Resources != nil {
		for _, td := range inRegion(acct.Resources.TaskDefinitions, req.region, func(td TaskDefinition) string { return td.Region }) {
			if td.Inactive == (in.Status == "INACTIVE") {
				tds = append(tds, td)
			}
		}
	}
	items, next, e := resourcePage(s, tds, in.NextToken, limit)
	if e != nil {
		e.code = "InvalidParameterException"
		return nil, e
	}
	out := struct {
		TaskDefinitionArns []string `json:"taskDefinitionArns"`
		NextToken          string   `json:"nextToken,omitempty"`
	}{TaskDefinitionArns: []string{}, NextToken: next}
	for _, td := range items {
		out.TaskDefinitionArns = append(out.TaskDefinitionArns, taskDefinitionARN(acct, td))
	}
	return out, nil
}

func describeTaskDefinition(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		TaskDefinition string `json:"taskDefinition"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	if acct.Resources != nil {
		i := slices.IndexFunc(acct.Resources.TaskDefinitions, func(td TaskDefinition) bool {
			return td.Region == req.region && (taskDefinitionARN(acct, td) == in.TaskDefinition ||
				td.Family+":"+strconv.Itoa(td.Revision) == in.TaskDefinition)
		})
		if i >= 0 {
			td := acct.Resources.TaskDefinitions[i]
			doc := map[string]any{
				"taskDefinitionArn": taskDefinitionARN(acct, td), "family": td.Family, "revision": td.Revision,
				"status": map[bool]string{false: "ACTIVE", true: "INACTIVE"}[td.Inactive], "containerDefinitions": []any{},
			}
			if td.TaskRole != "" {
				doc["taskRoleArn"] = td.TaskRole
			}
			if td.ExecutionRole != "" {
				doc["executionRoleArn"] = td.ExecutionRole
			}
			return map[string]any{"taskDefinition": doc}, nil
		}
	}
	return nil, errorf(400, "ClientException", "Unable to describe task definition %s.", strings.TrimSpace(in.TaskDefinition))
}
