package lambdafn

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/configrule"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// lambdaTemplate is the SAM template that deploys the function.
const lambdaTemplate = "../../deploy/iamsweep-lambda.yaml"

// requireCfnLintVar, set to 1, turns the skip of the cfn-lint check
// without cfn-lint into a failure.
const requireCfnLintVar = "IAMSWEEP_REQUIRE_CFN_LINT"

// pendingSettings are environment variables the template sets for
// settings other branches add; until config declares them, they are
// ignored (an unknown IAMSWEEP_ variable is), and so are the calls they
// cause.
var pendingSettings = map[string]string{
	"IAMSWEEP_TO": "the Security Hub export (--to securityhub)",
}

// template is the parsed template, as generic YAML.
type template = map[string]any

func readTemplate(t *testing.T) template {
	t.Helper()
	text, err := os.ReadFile(lambdaTemplate)
	if err != nil {
		t.Fatal(err)
	}
	var tpl template
	if err := yaml.Unmarshal(text, &tpl); err != nil {
		t.Fatalf("%s: %v", lambdaTemplate, err)
	}
	return tpl
}

// at returns the value at path (map keys and list indexes) or fails.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%s: %v: want a mapping with %q", lambdaTemplate, path, k)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%s: %v: want a list with item %d", lambdaTemplate, path, k)
			}
			v = l[k]
		}
	}
	return v
}

// grant is one statement of the function's policy, with the template
// condition it is granted under ("" for always).
type grant struct {
	condition string
	sid       string
	actions   []string
	resource  any
}

// grants returns the statements of the function's policy; a statement
// under Fn::If [Condition, statement, AWS::NoValue] carries its condition.
func grants(t *testing.T, tpl template) []grant {
	t.Helper()
	var out []grant
	policies, _ := at(t, tpl, "Resources", "Function", "Properties", "Policies").([]any)
	if len(policies) != 1 {
		t.Fatalf("the function has %d policies, want one document", len(policies))
	}
	stmts, _ := at(t, policies[0], "Statement").([]any)
	for i, s := range stmts {
		cond := ""
		if m, ok := s.(map[string]any); ok && m["Fn::If"] != nil {
			branches, _ := m["Fn::If"].([]any)
			if len(branches) != 3 || !cmp.Equal(branches[2], map[string]any{"Ref": "AWS::NoValue"}) {
				t.Fatalf("statement %d: want Fn::If [condition, statement, AWS::NoValue], got %v", i, m)
			}
			cond, _ = branches[0].(string)
			s = branches[1]
		}
		m, _ := s.(map[string]any)
		if m["Effect"] != "Allow" || m["Condition"] != nil || m["NotAction"] != nil || m["NotResource"] != nil {
			t.Errorf("statement %d (%v) is not a plain Allow", i, m["Sid"])
		}
		g := grant{condition: cond, resource: m["Resource"]}
		g.sid, _ = m["Sid"].(string)
		for _, a := range m["Action"].([]any) {
			a := a.(string)
			if strings.ContainsAny(a, "*?") {
				t.Errorf("%s grants %q: name each action, without wildcards", g.sid, a)
			}
			g.actions = append(g.actions, a)
		}
		out = append(out, g)
	}
	return out
}

// granted returns the sorted actions granted under the condition.
func granted(gs []grant, condition string) []string {
	var out []string
	for _, g := range gs {
		if g.condition == condition {
			out = append(out, g.actions...)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// ownCalls returns the sorted distinct actions the function called with
// its own credentials (in its own account), leaving out
// sts:GetCallerIdentity, which no policy can deny.
func ownCalls(srv *fakeaws.Server, account string) []string {
	var out []string
	for _, c := range srv.Calls() {
		a := c.Service + ":" + c.Action
		if c.AccountID == account && a != "sts:GetCallerIdentity" {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// without returns list without the items of drop.
func without(list, drop []string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(a string) bool { return slices.Contains(drop, a) })
}

// TestTemplate_policy runs every code path of the function against the
// fake, and checks that the template's policy grants exactly what they
// call with the function's own credentials: in account scope the
// statements without a condition, in an organization scan those under
// MultiAccount besides, and the Security Hub export's under
// ExportsToSecurityHub. The calls in member accounts are made with the
// assumed role, whose policy is deploy/iamsweep-member-role.yaml's.
func TestTemplate_policy(t *testing.T) {
	tpl := readTemplate(t)
	gs := grants(t, tpl)
	defaults := config.Default()
	_, exports := defaults.Lookup("to")

	// Account scope: the Config rule's three events, and the scheduled
	// scan (with its export to Security Hub when it exists).
	fx := newFixture(t, fakeaws.WithSecurityHub("us-east-1", exampleAccount))
	fx.env["IAMSWEEP_TO"] = "securityhub"
	for _, ev := range []string{"config-scheduled.json", "config-change.json", "config-oversized.json", "config-change-deleted.json", "eventbridge-scheduled.json"} {
		if _, err := fx.invoke(t, fx.event(t, ev, nil)); err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
	}
	account := ownCalls(fx.srv, exampleAccount)
	securityHub := slices.DeleteFunc(slices.Clone(account), func(a string) bool { return !strings.HasPrefix(a, "securityhub:") })
	if diff := cmp.Diff(granted(gs, ""), without(account, securityHub)); diff != "" {
		t.Errorf("the unconditional statements grant (-) versus the calls of the Config rule and an account scan (+):\n%s", diff)
	}

	// Scans of several accounts, from the management account: the whole
	// organization, OUs, a list of accounts (a config file may give one).
	org, accounts := fakeaws.SampleOrganization()
	isolateAWS(t, fakeaws.SampleCallerKey)
	var ids []string
	for _, a := range accounts {
		ids = append(ids, a.ID)
	}
	ofx := newFixtureWith(t, fakeaws.WithAccounts(accounts...), fakeaws.WithOrganization(org),
		fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement), fakeaws.WithReportDelay(0),
		fakeaws.WithSecurityHub("us-east-1", ids...))
	for _, scope := range []map[string]string{
		{"IAMSWEEP_ORG": "true", "IAMSWEEP_EXCLUDE_ACCOUNTS": fakeaws.SampleAudit},
		{"IAMSWEEP_OU": fakeaws.SampleProdOU + "," + fakeaws.SampleDevOU},
		{"IAMSWEEP_ACCOUNTS": fakeaws.SampleProdA + "," + fakeaws.SampleDev},
	} {
		ofx.env = map[string]string{"IAMSWEEP_ENDPOINT_URL": ofx.srv.URL, "IAMSWEEP_ASSUME_ROLE": "OrganizationAccountAccessRole", "IAMSWEEP_TO": "securityhub"}
		for k, v := range scope {
			ofx.env[k] = v
		}
		if _, err := ofx.invoke(t, ofx.event(t, "eventbridge-scheduled.json", nil)); err != nil {
			t.Fatalf("%v: %v\nstderr: %s", scope, err, ofx.stderr.String())
		}
	}
	orgCalls := ownCalls(ofx.srv, fakeaws.SampleManagement)
	for _, a := range orgCalls {
		if strings.HasPrefix(a, "securityhub:") && !slices.Contains(securityHub, a) {
			securityHub = append(securityHub, a)
		}
	}
	sort.Strings(securityHub)
	multi := without(orgCalls, append(granted(gs, ""), securityHub...))
	if diff := cmp.Diff(granted(gs, "MultiAccount"), multi); diff != "" {
		t.Errorf("the MultiAccount statements grant (-) versus what an organization scan calls besides (+):\n%s", diff)
	}
	for _, g := range gs {
		if slices.Contains(g.actions, "sts:AssumeRole") &&
			!cmp.Equal(g.resource, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${AssumeRoleName}"}) {
			t.Errorf("sts:AssumeRole is granted on %v, want the member role only", g.resource)
		}
	}

	// The Security Hub export.
	if exports {
		if diff := cmp.Diff(granted(gs, "ExportsToSecurityHub"), securityHub); diff != "" {
			t.Errorf("the ExportsToSecurityHub statements grant (-) versus what the export calls (+):\n%s", diff)
		}
	} else {
		t.Logf("the to setting is not declared yet (%s): its grants %v are not checked against calls", pendingSettings["IAMSWEEP_TO"], granted(gs, "ExportsToSecurityHub"))
	}
	if len(gs) != 5 || len(granted(gs, "ExportsToSecurityHub")) == 0 {
		t.Errorf("conditions of the statements: %v", gs)
	}

	// The IAM reads are the documented scan policy's, and GetRole, but
	// for the service last accessed jobs, which only iamsweep refine runs:
	// the function never refines.
	scan := without(readPolicyActions(t, "../../policies/iamsweep-scan.json"),
		[]string{"iam:GenerateServiceLastAccessedDetails", "iam:GetServiceLastAccessedDetails"})
	var iam []string
	for _, a := range granted(gs, "") {
		if strings.HasPrefix(a, "iam:") {
			iam = append(iam, a)
		}
	}
	if diff := cmp.Diff(append(scan, "iam:GetRole"), iam, cmp.Transformer("sort", func(l []string) []string { l = slices.Clone(l); sort.Strings(l); return l })); diff != "" {
		t.Errorf("the IAM actions granted (+) versus policies/iamsweep-scan.json and iam:GetRole (-):\n%s", diff)
	}
	orgPolicy := readPolicyActions(t, "../../policies/iamsweep-org.json")
	if diff := cmp.Diff(orgPolicy, granted(gs, "MultiAccount")); diff != "" {
		t.Errorf("the MultiAccount grants (+) versus policies/iamsweep-org.json (-):\n%s", diff)
	}
}

// readPolicyActions returns the sorted actions of a policy file.
func readPolicyActions(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Action []string `json:"Action"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	for _, s := range doc.Statement {
		out = append(out, s.Action...)
	}
	sort.Strings(out)
	return out
}

// TestTemplate_shape checks what the template must say for the function
// to run and the rule to work, against the code: the runtime and build,
// the parameters, the settings the environment sets, the rule's
// parameters and triggers.
func TestTemplate_shape(t *testing.T) {
	tpl := readTemplate(t)
	fn := at(t, tpl, "Resources", "Function")
	for _, c := range []struct {
		path []any
		want any
	}{
		{[]any{"Type"}, "AWS::Serverless::Function"},
		{[]any{"Metadata", "BuildMethod"}, "go1.x"},
		{[]any{"Properties", "Runtime"}, "provided.al2023"},
		{[]any{"Properties", "Handler"}, "bootstrap"},
		{[]any{"Properties", "CodeUri"}, "../cmd/iamsweep"},
		{[]any{"Properties", "Architectures"}, []any{map[string]any{"Ref": "Architecture"}}},
		{[]any{"Properties", "LoggingConfig", "LogFormat"}, "JSON"},
	} {
		if got := at(t, fn, c.path...); !cmp.Equal(got, c.want) {
			t.Errorf("Function %v = %v, want %v", c.path, got, c.want)
		}
	}
	if _, err := os.Stat("../../cmd/iamsweep/main.go"); err != nil {
		t.Errorf("CodeUri names no main package: %v", err)
	}
	if got := at(t, tpl, "Parameters", "Architecture", "AllowedValues"); !cmp.Equal(got, []any{"arm64", "x86_64"}) {
		t.Errorf("Architecture takes %v", got)
	}
	for _, p := range []string{"MaxDaysForLastUsed", "RolePatternAllowlist", "Frequency", "Scope", "OrganizationalUnitIds", "AssumeRoleName", "ScanSchedule"} {
		if at(t, tpl, "Parameters", p) == nil {
			t.Errorf("parameter %s missing", p)
		}
	}
	if got := at(t, tpl, "Parameters", "Scope", "AllowedValues"); !cmp.Equal(got, []any{"Account", "Organization", "OrganizationalUnits"}) {
		t.Errorf("Scope takes %v", got)
	}
	if lo, hi := at(t, tpl, "Parameters", "MaxDaysForLastUsed", "MinValue"), at(t, tpl, "Parameters", "MaxDaysForLastUsed", "MaxValue"); lo != 1 || hi != 400 {
		t.Errorf("MaxDaysForLastUsed from %v to %v, want 1 to 400 as unused-days", lo, hi)
	}
	// AWS Config's periodic frequencies (MaximumExecutionFrequency).
	if got := at(t, tpl, "Parameters", "Frequency", "AllowedValues"); !cmp.Equal(got, []any{"One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"}) {
		t.Errorf("Frequency takes %v", got)
	}

	// Every variable is a setting's (or one of a setting still to come).
	envNames := map[string]bool{"IAMSWEEP_CONFIG": true}
	defaults := config.Default()
	for _, s := range defaults.Settings() {
		envNames[s.Env()] = true
	}
	vars, _ := at(t, fn, "Properties", "Environment", "Variables").(map[string]any)
	for name := range vars {
		if !envNames[name] && pendingSettings[name] == "" {
			t.Errorf("the function's environment sets %s, which is no setting's variable", name)
		}
	}

	// The rule: a custom Lambda rule on IAM roles, periodic and on change,
	// invoking the function, with parameters the function reads.
	rule := at(t, tpl, "Resources", "ConfigRule")
	if at(t, rule, "Type") != "AWS::Config::ConfigRule" || at(t, rule, "DependsOn") != "ConfigPermission" {
		t.Errorf("ConfigRule: %v", rule)
	}
	src := at(t, rule, "Properties", "Source")
	if at(t, src, "Owner") != "CUSTOM_LAMBDA" || !cmp.Equal(at(t, src, "SourceIdentifier"), map[string]any{"Fn::GetAtt": []any{"Function", "Arn"}}) {
		t.Errorf("rule source %v", src)
	}
	var types []string
	for _, d := range at(t, src, "SourceDetails").([]any) {
		mt := at(t, d, "MessageType").(string)
		types = append(types, mt)
		if at(t, d, "EventSource") != "aws.config" {
			t.Errorf("%s: event source %v", mt, at(t, d, "EventSource"))
		}
		if freq := at(t, d, "MaximumExecutionFrequency"); (mt == configrule.Scheduled) != (freq != nil) {
			t.Errorf("%s: MaximumExecutionFrequency %v", mt, freq)
		}
	}
	if !cmp.Equal(types, []string{configrule.Scheduled, configrule.ItemChanged, configrule.OversizedItemChanged}) {
		t.Errorf("the rule is triggered by %v", types)
	}
	if got := at(t, rule, "Properties", "Scope", "ComplianceResourceTypes"); !cmp.Equal(got, []any{configrule.RoleType}) {
		t.Errorf("rule scope %v", got)
	}
	// The rule's parameters, with the template's example values, are
	// what the function parses.
	branches := at(t, rule, "Properties", "InputParameters", "Fn::If").([]any)
	for _, b := range branches[1:] {
		params := map[string]string{}
		for k, v := range b.(map[string]any) {
			switch v.(map[string]any)["Ref"] {
			case "MaxDaysForLastUsed":
				params[k] = "90"
			case "RolePatternAllowlist":
				params[k] = "/breakglass-role|/security-*"
			default:
				t.Errorf("rule parameter %s = %v", k, v)
			}
		}
		text, _ := json.Marshal(params)
		p, err := configrule.ParseParams(string(text))
		if err != nil || p.MaxDays != 90 {
			t.Errorf("rule parameters %s: %+v, %v", text, p, err)
		}
	}
	perm := at(t, tpl, "Resources", "ConfigPermission", "Properties")
	if at(t, perm, "Principal") != "config.amazonaws.com" || at(t, perm, "Action") != "lambda:InvokeFunction" ||
		!cmp.Equal(at(t, perm, "FunctionName"), map[string]any{"Fn::GetAtt": []any{"Function", "Arn"}}) || at(t, perm, "SourceAccount") == nil {
		t.Errorf("the permission for AWS Config: %v", perm)
	}
	// The schedule: an EventBridge rule that sends the scheduled event.
	ev := at(t, fn, "Properties", "Events", "ScheduledScan")
	if at(t, ev, "Type") != "Schedule" || !cmp.Equal(at(t, ev, "Properties", "Schedule"), map[string]any{"Ref": "ScanSchedule"}) {
		t.Errorf("the schedule: %v", ev)
	}
}

// TestTemplate_cfnLint validates the template with cfn-lint, when it is on
// the PATH (it comes with moto's extras); IAMSWEEP_REQUIRE_CFN_LINT=1
// makes its absence a failure.
func TestTemplate_cfnLint(t *testing.T) {
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv(requireCfnLintVar) == "1" {
			t.Fatalf("cfn-lint is not on the PATH and %s=1", requireCfnLintVar)
		}
		t.Skip("cfn-lint is not on the PATH (pip install cfn-lint==1.51.0): the template's schema is not checked")
	}
	out, err := exec.Command(lint, lambdaTemplate).CombinedOutput()
	if err != nil {
		t.Errorf("cfn-lint %s: %v\n%s", lambdaTemplate, err, out)
	}
}
