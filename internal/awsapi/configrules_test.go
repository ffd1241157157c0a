package awsapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/configrule"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// configRuleMethods are the Client methods only the AWS Config rule
// calls: their calls are checked against the Lambda function's policy in
// deploy/iamsweep-lambda.yaml (internal/lambdafn), not the scan policy.
var configRuleMethods = []string{"Role"}

const testRule = "iamsweep-unused-iam-roles"

var orderAt = time.Date(2026, 11, 23, 6, 0, 0, 373e6, time.UTC)

func testConfigRules(t *testing.T, srv *fakeaws.Server) *ConfigRules {
	t.Helper()
	c, err := NewConfigRules(testConfig(srv), quietLogger(), ConfigRulesOptions{Wait: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClient_Role(t *testing.T) {
	created := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	used := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID, Roles: []*fakeaws.Role{
		{Name: "app", Path: "/svc/", ID: "AROAAPPAPPAPPAPPAPP01", Created: created, LastUsed: used, LastUsedRegion: "eu-west-1",
			Tags: []fakeaws.Tag{{Key: "owner", Value: "team@example.com"}}},
	}}))
	c := testClient(t, srv)
	r, err := c.Role(t.Context(), "app")
	if err != nil {
		t.Fatal(err)
	}
	if r.TrustPolicy == nil {
		t.Error("no trust policy")
	}
	r.TrustPolicy = nil
	want := iamsweep.Role{AccountID: testAccountID, ARN: "arn:aws:iam::" + testAccountID + ":role/svc/app", ID: "AROAAPPAPPAPPAPPAPP01", Name: "app", Path: "/svc/",
		Created: created, LastUsed: iamsweep.Usage{Time: used, Region: "eu-west-1"}, Tags: []iamsweep.Tag{{Key: "owner", Value: "team@example.com"}}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Role (-want +got):\n%s", diff)
	}
	if got := srv.Actions(); !cmp.Equal(got, []string{"iam:GetRole"}) {
		t.Errorf("actions %v, want one GetRole", got)
	}

	_, err = c.Role(t.Context(), "gone")
	if !errors.Is(err, iamsweep.ErrNotFound) || !strings.Contains(err.Error(), "read role gone (GetRole)") {
		t.Errorf("missing role: %v", err)
	}
}

func evaluations(n int, compliance configrule.Compliance) []configrule.Evaluation {
	out := make([]configrule.Evaluation, n)
	for i := range out {
		out[i] = configrule.Evaluation{ResourceType: configrule.RoleType, ResourceID: fmt.Sprintf("AROA%05d", i), Compliance: compliance,
			Annotation: fmt.Sprintf("reason %d", i), OrderingTime: orderAt}
	}
	return out
}

func TestConfigRules_PutEvaluations(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}),
		fakeaws.WithConfigRule(testAccountID, fakeaws.ConfigRule{Name: testRule}))
	c := testConfigRules(t, srv)
	ctx := t.Context()

	evals := evaluations(250, configrule.NonCompliant)
	evals[7].Annotation = "" // sent without one
	if err := c.PutEvaluations(ctx, srv.ResultToken(testAccountID, testRule), evals, false); err != nil {
		t.Fatal(err)
	}
	if n := srv.CallCount("PutEvaluations"); n != 3 {
		t.Errorf("%d PutEvaluations calls for 250 evaluations, want 3", n)
	}
	results := srv.ConfigResults(testAccountID, testRule)
	if len(results) != 250 {
		t.Fatalf("%d results recorded, want 250", len(results))
	}
	if r := results[7]; r.ResourceID != "AROA00007" || r.Annotation != "" || r.ComplianceType != "NON_COMPLIANT" || !r.OrderingTimestamp.Equal(orderAt) {
		t.Errorf("result %+v", r)
	}

	// Nothing to record: no call.
	srv.ResetCalls()
	if err := c.PutEvaluations(ctx, srv.ResultToken(testAccountID, testRule), nil, false); err != nil || srv.CallCount("PutEvaluations") != 0 {
		t.Errorf("no evaluations: %v, %d calls", err, srv.CallCount("PutEvaluations"))
	}

	// Failed evaluations are sent again, alone.
	srv.ResetCalls()
	srv.FailEvaluations(2)
	later := evaluations(3, configrule.Compliant)
	for i := range later {
		later[i].OrderingTime = orderAt.Add(time.Hour)
	}
	if err := c.PutEvaluations(ctx, srv.ResultToken(testAccountID, testRule), later, false); err != nil {
		t.Fatal(err)
	}
	if n := srv.CallCount("PutEvaluations"); n != 2 {
		t.Errorf("%d calls with 2 failed evaluations, want 2", n)
	}
	for _, r := range srv.ConfigResults(testAccountID, testRule)[:3] {
		if r.ComplianceType != "COMPLIANT" {
			t.Errorf("after the retry: %+v", r)
		}
	}

	// Failing every attempt: an error naming them.
	srv.ResetCalls()
	srv.FailEvaluations(1000)
	err := c.PutEvaluations(ctx, srv.ResultToken(testAccountID, testRule), evaluations(2, configrule.Compliant), false)
	if err == nil || !strings.Contains(err.Error(), "did not record 2 of 2 evaluations after 3 attempts: AWS::IAM::Role AROA00000, AWS::IAM::Role AROA00001") {
		t.Errorf("failing evaluations: %v", err)
	}
	if n := srv.CallCount("PutEvaluations"); n != 3 {
		t.Errorf("%d calls, want 3 attempts", n)
	}
	srv.FailEvaluations(0)

	// Test mode: checked, not recorded.
	before := srv.ConfigResults(testAccountID, testRule)
	if err := c.PutEvaluations(ctx, "TESTMODE", evaluations(5, configrule.NotApplicable), true); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, srv.ConfigResults(testAccountID, testRule)); diff != "" {
		t.Errorf("test mode changed the results:\n%s", diff)
	}

	// A token AWS Config does not know.
	err = c.PutEvaluations(ctx, "myResultToken", evaluations(1, configrule.Compliant), false)
	var apiErr *iamsweep.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "InvalidResultTokenException" {
		t.Errorf("bad token: %v", err)
	}
}

func TestConfigRules_Results(t *testing.T) {
	var seeded []fakeaws.ConfigResult
	for i, c := range []string{"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"} {
		for j := 0; j < 90; j++ {
			seeded = append(seeded, fakeaws.ConfigResult{ResourceType: "AWS::IAM::Role", ResourceID: fmt.Sprintf("AROA%d%03d", i, j), ComplianceType: c, OrderingTimestamp: orderAt})
		}
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}),
		fakeaws.WithConfigRule(testAccountID, fakeaws.ConfigRule{Name: testRule, Results: seeded}))
	c := testConfigRules(t, srv)
	var got []configrule.Evaluation
	if err := c.Results(t.Context(), testRule, func(e configrule.Evaluation) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 180 {
		t.Fatalf("%d results, want the 180 COMPLIANT and NON_COMPLIANT", len(got))
	}
	if n := srv.CallCount("GetComplianceDetailsByConfigRule"); n != 2 {
		t.Errorf("%d pages for 180 results, want 2 of 100", n)
	}
	want := configrule.Evaluation{ResourceType: configrule.RoleType, ResourceID: "AROA0000", Compliance: configrule.Compliant, OrderingTime: orderAt}
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("first result (-want +got):\n%s", diff)
	}

	err := c.Results(t.Context(), "no-such-rule", func(configrule.Evaluation) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "NoSuchConfigRuleException") {
		t.Errorf("unknown rule: %v", err)
	}
	stop := errors.New("stop")
	if err := c.Results(t.Context(), testRule, func(configrule.Evaluation) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("fn's error: %v", err)
	}
}

func TestNewConfigRules_needsRegion(t *testing.T) {
	cfg := testConfig(fakeaws.New(t))
	cfg.Region = ""
	if _, err := NewConfigRules(cfg, quietLogger(), ConfigRulesOptions{}); err == nil || !strings.Contains(err.Error(), "Region") {
		t.Errorf("no region: %v", err)
	}
}
