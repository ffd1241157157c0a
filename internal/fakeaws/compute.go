package fakeaws

import (
	"cmp"
	"slices"
	"strings"
)

// CodeBuild, Step Functions and EventBridge, as far as iamsweep refs reads
// them (the roles they run as):
//
//   - CodeBuild over JSON 1.1 (X-Amz-Target CodeBuild_20161006.<Action>):
//     ListProjects, the project names of the Region called, 100 a page,
//     with nextToken; BatchGetProjects, 1 to 100 names, each project's
//     arn, name and serviceRole, unknown names in projectsNotFound.
//   - Step Functions over JSON 1.0 (AWSStepFunctions.<Action>):
//     ListStateMachines with maxResults (0 to 1000, 0 meaning 100) and
//     nextToken; DescribeStateMachine by ARN, with roleArn; an unknown one
//     is StateMachineDoesNotExist.
//   - EventBridge over JSON 1.1 (AWSEvents.<Action>): ListEventBuses,
//     ListRules (of EventBusName, "default" when absent) and
//     ListTargetsByRule, each with Limit (1 to 100) and NextToken; a rule
//     carries RoleArn, and so does each target; an unknown bus or rule is
//     ResourceNotFoundException.

// Project is a CodeBuild project.
type Project struct {
	Region, Name string
	// ServiceRole is the service role's ARN.
	ServiceRole string
}

// StateMachine is a Step Functions state machine.
type StateMachine struct {
	Region, Name string
	// Role is the execution role's ARN.
	Role string
}

// Rule is an EventBridge rule.
type Rule struct {
	Region string
	// Bus is the event bus's name; "" for "default".
	Bus  string
	Name string
	// Role is the rule's RoleArn ("" for none).
	Role    string
	Targets []RuleTarget
}

// RuleTarget is a target of an EventBridge rule.
type RuleTarget struct {
	ID, ARN string
	// Role is the target's RoleArn ("" for none).
	Role string
}

const (
	codebuildTargetPrefix = "CodeBuild_20161006"
	sfnTargetPrefix       = "AWSStepFunctions"
	eventsTargetPrefix    = "AWSEvents"
)

var codebuildActions = map[string]jsonAction{
	"ListProjects":     listProjects,
	"BatchGetProjects": batchGetProjects,
}

var sfnActions = map[string]jsonAction{
	"ListStateMachines":    listStateMachines,
	"DescribeStateMachine": describeStateMachine,
}

var eventsActions = map[string]jsonAction{
	"ListEventBuses":    listEventBuses,
	"ListRules":         listRules,
	"ListTargetsByRule": listTargetsByRule,
}

func listProjects(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		NextToken string `json:"nextToken"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	var projects []Project
	if acct.Resources != nil {
		projects = inRegion(acct.Resources.Projects, req.region, func(p Project) string { return p.Region })
	}
	items, next, e := resourcePage(s, projects, in.NextToken, 100)
	if e != nil {
		e.code = "InvalidInputException"
		return nil, e
	}
	out := struct {
		Projects  []string `json:"projects"`
		NextToken string   `json:"nextToken,omitempty"`
	}{Projects: []string{}, NextToken: next}
	for _, p := range items {
		out.Projects = append(out.Projects, p.Name)
	}
	return out, nil
}

func projectARN(acct *Account, p Project) string {
	return "arn:aws:codebuild:" + p.Region + ":" + acct.ID + ":project/" + p.Name
}

func batchGetProjects(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		Names []string `json:"names"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	if len(in.Names) < 1 || len(in.Names) > 100 {
		return nil, errorf(400, "InvalidInputException", "names must hold 1 to 100 project names")
	}
	type project struct {
		Name        string `json:"name"`
		ARN         string `json:"arn"`
		ServiceRole string `json:"serviceRole,omitempty"`
	}
	out := struct {
		Projects         []project `json:"projects"`
		ProjectsNotFound []string  `json:"projectsNotFound"`
	}{Projects: []project{}, ProjectsNotFound: []string{}}
	for _, name := range in.Names {
		i := -1
		if acct.Resources != nil {
			i = slices.IndexFunc(acct.Resources.Projects, func(p Project) bool {
				return p.Region == req.region && (p.Name == name || projectARN(acct, p) == name)
			})
		}
		if i < 0 {
			out.ProjectsNotFound = append(out.ProjectsNotFound, name)
			continue
		}
		p := acct.Resources.Projects[i]
		out.Projects = append(out.Projects, project{Name: p.Name, ARN: projectARN(acct, p), ServiceRole: p.ServiceRole})
	}
	return out, nil
}

func stateMachineARN(acct *Account, m StateMachine) string {
	return "arn:aws:states:" + m.Region + ":" + acct.ID + ":stateMachine:" + m.Name
}

// sfnCreationDate is every state machine's creationDate (epoch seconds).
const sfnCreationDate = 1.7e9

func listStateMachines(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, errorf(400, "ValidationException", "maxResults must be between 0 and 1000")
	}
	limit := cmp.Or(in.MaxResults, 100)
	var machines []StateMachine
	if acct.Resources != nil {
		machines = inRegion(acct.Resources.StateMachines, req.region, func(m StateMachine) string { return m.Region })
	}
	items, next, e := resourcePage(s, machines, in.NextToken, limit)
	if e != nil {
		e.code = "InvalidToken"
		return nil, e
	}
	type entry struct {
		StateMachineArn string  `json:"stateMachineArn"`
		Name            string  `json:"name"`
		Type            string  `json:"type"`
		CreationDate    float64 `json:"creationDate"`
	}
	out := struct {
		StateMachines []entry `json:"stateMachines"`
		NextToken     string  `json:"nextToken,omitempty"`
	}{StateMachines: []entry{}, NextToken: next}
	for _, m := range items {
		out.StateMachines = append(out.StateMachines, entry{stateMachineARN(acct, m), m.Name, "STANDARD", sfnCreationDate})
	}
	return out, nil
}

func describeStateMachine(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	if acct.Resources != nil {
		for _, m := range acct.Resources.StateMachines {
			if m.Region == req.region && stateMachineARN(acct, m) == in.StateMachineArn {
				return map[string]any{
					"stateMachineArn": stateMachineARN(acct, m), "name": m.Name, "status": "ACTIVE", "type": "STANDARD",
					"definition": `{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}`, "roleArn": m.Role,
					"creationDate": sfnCreationDate,
				}, nil
			}
		}
	}
	return nil, errorf(400, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", in.StateMachineArn)
}

// eventsLimit reads an EventBridge Limit (1 to 100; 100 when absent).
func eventsLimit(limit *int) (int, *apiError) {
	if limit == nil {
		return 100, nil
	}
	if *limit < 1 || *limit > 100 {
		return 0, errorf(400, "ValidationException", "Limit must be between 1 and 100")
	}
	return *limit, nil
}

// buses returns the event bus names of a Region: "default" first, then
// those the rules name.
func buses(acct *Account, region string) []string {
	out := []string{"default"}
	if acct.Resources != nil {
		for _, r := range acct.Resources.Rules {
			if b := cmp.Or(r.Bus, "default"); r.Region == region && !slices.Contains(out, b) {
				out = append(out, b)
			}
		}
	}
	return out
}

func busARN(acct *Account, region, name string) string {
	return "arn:aws:events:" + region + ":" + acct.ID + ":event-bus/" + name
}

// busName returns the bus an EventBusName (a name or an ARN) names.
func busName(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 && strings.HasPrefix(s, "arn:") {
		return s[i+1:]
	}
	return cmp.Or(s, "default")
}

func listEventBuses(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		Limit     *int
		NextToken string
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	limit, e := eventsLimit(in.Limit)
	if e != nil {
		return nil, e
	}
	items, next, e := resourcePage(s, buses(acct, req.region), in.NextToken, limit)
	if e != nil {
		e.code = "ValidationException"
		return nil, e
	}
	type bus struct{ Name, Arn string }
	out := struct {
		EventBuses []bus
		NextToken  string `json:",omitempty"`
	}{EventBuses: []bus{}, NextToken: next}
	for _, b := range items {
		out.EventBuses = append(out.EventBuses, bus{b, busARN(acct, req.region, b)})
	}
	return out, nil
}

func ruleARN(acct *Account, r Rule) string {
	bus := cmp.Or(r.Bus, "default")
	if bus == "default" {
		return "arn:aws:events:" + r.Region + ":" + acct.ID + ":rule/" + r.Name
	}
	return "arn:aws:events:" + r.Region + ":" + acct.ID + ":rule/" + bus + "/" + r.Name
}

// busRules returns the rules of a bus of a Region, or an error when the
// bus does not exist.
func busRules(acct *Account, region, bus string) ([]Rule, *apiError) {
	if !slices.Contains(buses(acct, region), bus) {
		return nil, errorf(400, "ResourceNotFoundException", "Event bus %s does not exist.", bus)
	}
	var out []Rule
	if acct.Resources != nil {
		for _, r := range acct.Resources.Rules {
			if r.Region == region && cmp.Or(r.Bus, "default") == bus {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func listRules(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		EventBusName string
		Limit        *int
		NextToken    string
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	limit, e := eventsLimit(in.Limit)
	if e != nil {
		return nil, e
	}
	rules, e := busRules(acct, req.region, busName(in.EventBusName))
	if e != nil {
		return nil, e
	}
	items, next, e := resourcePage(s, rules, in.NextToken, limit)
	if e != nil {
		e.code = "ValidationException"
		return nil, e
	}
	type rule struct {
		Name, Arn, State, EventBusName string
		ScheduleExpression             string
		RoleArn                        string `json:",omitempty"`
	}
	out := struct {
		Rules     []rule
		NextToken string `json:",omitempty"`
	}{Rules: []rule{}, NextToken: next}
	for _, r := range items {
		out.Rules = append(out.Rules, rule{Name: r.Name, Arn: ruleARN(acct, r), State: "ENABLED", EventBusName: cmp.Or(r.Bus, "default"),
			ScheduleExpression: "rate(1 day)", RoleArn: r.Role})
	}
	return out, nil
}

func listTargetsByRule(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		Rule, EventBusName string
		Limit              *int
		NextToken          string
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	limit, e := eventsLimit(in.Limit)
	if e != nil {
		return nil, e
	}
	rules, e := busRules(acct, req.region, busName(in.EventBusName))
	if e != nil {
		return nil, e
	}
	i := slices.IndexFunc(rules, func(r Rule) bool { return r.Name == in.Rule })
	if i < 0 {
		return nil, errorf(400, "ResourceNotFoundException", "Rule %s does not exist on EventBus %s.", in.Rule, busName(in.EventBusName))
	}
	items, next, e := resourcePage(s, rules[i].Targets, in.NextToken, limit)
	if e != nil {
		e.code = "ValidationException"
		return nil, e
	}
	type target struct {
		Id, Arn string
		RoleArn string `json:",omitempty"`
	}
	out := struct {
		Targets   []target
		NextToken string `json:",omitempty"`
	}{Targets: []target{}, NextToken: next}
	for _, t := range items {
		out.Targets = append(out.Targets, target{t.ID, t.ARN, t.Role})
	}
	return out, nil
}
