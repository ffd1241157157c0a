package awsapi

import (
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// memberRoleTemplate is the CloudFormation template of iamsweep's role in
// member accounts.
const memberRoleTemplate = "../../deploy/iamsweep-member-role.yaml"

// TestMemberRoleTemplate checks the template against the policies the code
// is tested to need: its scan policy is policies/iamsweep-scan.json, its
// optional remediation policy policies/iamsweep-remediate.json and its
// optional Security Hub policy policies/iamsweep-securityhub.json, exactly,
// so the template cannot drift from them. When cfn-lint is on the PATH (it
// comes with moto's server extras), the template must also pass it.
func TestMemberRoleTemplate(t *testing.T) {
	text, err := os.ReadFile(memberRoleTemplate)
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := yaml.Unmarshal(text, &tpl); err != nil {
		t.Fatalf("%s: %v", memberRoleTemplate, err)
	}
	at := func(v any, path ...any) any {
		t.Helper()
		for _, p := range path {
			switch k := p.(type) {
			case string:
				m, ok := v.(map[string]any)
				if !ok {
					t.Fatalf("%s: %v: want a mapping with %q", memberRoleTemplate, path, k)
				}
				v = m[k]
			case int:
				l, ok := v.([]any)
				if !ok || k >= len(l) {
					t.Fatalf("%s: %v: want a list with item %d", memberRoleTemplate, path, k)
				}
				v = l[k]
			}
		}
		return v
	}
	sameDoc := func(what string, got any, file string) {
		t.Helper()
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		// Compare as JSON values: YAML and JSON agree on these types.
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var gotJSON any
		if err := json.Unmarshal(b, &gotJSON); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(want, gotJSON) {
			t.Errorf("%s in %s differs from %s: update the template from the policy file", what, memberRoleTemplate, file)
		}
	}

	role := at(tpl, "Resources", "Role")
	if typ := at(role, "Type"); typ != "AWS::IAM::Role" {
		t.Fatalf("Resources.Role is a %v, want AWS::IAM::Role", typ)
	}
	for _, p := range []string{"ScannerAccountId", "ScannerRoleName", "ExternalId", "RoleName", "AllowRemediation", "AllowSecurityHubExport"} {
		if at(tpl, "Parameters", p) == nil {
			t.Errorf("parameter %s missing", p)
		}
	}
	if d := at(tpl, "Parameters", "AllowRemediation", "Default"); d != "false" {
		t.Errorf("AllowRemediation defaults to %v: a scanning role must not be able to delete unless asked", d)
	}
	sameDoc("the scan policy", at(role, "Properties", "Policies", 0, "PolicyDocument"), scanPolicyFile)
	sameDoc("the remediation policy", at(role, "Properties", "Policies", 1, "Fn::If", 1, "PolicyDocument"), remediatePolicyFile)
	if c := at(role, "Properties", "Policies", 1, "Fn::If", 0); c != "Remediates" {
		t.Errorf("the remediation policy is granted under condition %v, want Remediates", c)
	}
	if d := at(tpl, "Parameters", "AllowSecurityHubExport", "Default"); d != "false" {
		t.Errorf("AllowSecurityHubExport defaults to %v: the scanning role grants only reads unless asked", d)
	}
	sameDoc("the Security Hub policy", at(role, "Properties", "Policies", 2, "Fn::If", 1, "PolicyDocument"), securityHubPolicyFile)
	if c := at(role, "Properties", "Policies", 2, "Fn::If", 0); c != "ExportsToSecurityHub" {
		t.Errorf("the Security Hub policy is granted under condition %v, want ExportsToSecurityHub", c)
	}
	trust := at(role, "Properties", "AssumeRolePolicyDocument", "Statement", 0)
	if a := at(trust, "Action"); a != "sts:AssumeRole" {
		t.Errorf("trust action %v", a)
	}
	if p, _ := at(trust, "Principal", "AWS", "Fn::Sub").(string); !strings.Contains(p, ":iam::${ScannerAccountId}:root") {
		t.Errorf("trust principal %q does not name the scanner account", p)
	}

	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv("IAMSWEEP_REQUIRE_CFN_LINT") == "1" {
			t.Fatal("cfn-lint is not on the PATH and IAMSWEEP_REQUIRE_CFN_LINT=1")
		}
		t.Log("cfn-lint is not on the PATH (pip install cfn-lint): the template's CloudFormation schema is not checked")
		return
	}
	out, err := exec.Command(lint, memberRoleTemplate).CombinedOutput()
	if err != nil {
		t.Errorf("cfn-lint %s: %v\n%s", memberRoleTemplate, err, out)
	}
}
