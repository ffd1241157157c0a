package fakeaws_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	ruleAcct  = "111122223333"
	otherAcct = "444455556666"
	ruleKey   = "AKIARULERULERULERULE"
	otherKey  = "AKIAOTHEROTHEROTHERO"
	ruleName  = "iamsweep-unused-iam-roles"
)

var (
	orderAt  = time.Date(2026, 11, 23, 6, 0, 0, 373e6, time.UTC)
	recorded = time.Date(2026, 11, 23, 6, 1, 0, 0, time.UTC)
)

// configServer serves two accounts, the first with the rule, on a clock
// that stands still.
func configServer(t *testing.T, opts ...fakeaws.Option) *fakeaws.Server {
	t.Helper()
	base := []fakeaws.Option{
		fakeaws.WithAccounts(&fakeaws.Account{ID: ruleAcct}, &fakeaws.Account{ID: otherAcct}),
		fakeaws.WithCredentials(ruleKey, ruleAcct),
		fakeaws.WithCredentials(otherKey, otherAcct),
		fakeaws.WithConfigRule(ruleAcct, fakeaws.ConfigRule{Name: ruleName}),
		fakeaws.WithClock(func() time.Time { return recorded }),
	}
	return fakeaws.New(t, append(base, opts...)...)
}

func configClient(srv *fakeaws.Server, key string) *configservice.Client {
	return configservice.NewFromConfig(config(srv, static(key)))
}

func eval(id, compliance, annotation string, at time.Time) cfgtypes.Evaluation {
	e := cfgtypes.Evaluation{
		ComplianceResourceType: aws.String("AWS::IAM::Role"),
		ComplianceResourceId:   aws.String(id),
		ComplianceType:         cfgtypes.ComplianceType(compliance),
		OrderingTimestamp:      aws.Time(at),
	}
	if annotation != "" {
		e.Annotation = aws.String(annotation)
	}
	return e
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return fmt.Sprint(err)
}

func TestServer_PutEvaluations(t *testing.T) {
	srv := configServer(t)
	c := configClient(srv, ruleKey)
	ctx := t.Context()
	put := func(token string, testMode bool, evals ...cfgtypes.Evaluation) (*configservice.PutEvaluationsOutput, error) {
		return c.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: aws.String(token), TestMode: testMode, Evaluations: evals})
	}

	out, err := put(srv.ResultToken(ruleAcct, ruleName), false,
		eval("AROAIDLE", "NON_COMPLIANT", "no recorded use since it was created 200 days ago", orderAt),
		eval("AROABUSY", "COMPLIANT", "last used 1 day ago in eu-west-1", orderAt),
		eval("AROAEXEMPT", "NOT_APPLICABLE", "", orderAt))
	if err != nil || len(out.FailedEvaluations) != 0 {
		t.Fatalf("PutEvaluations: %+v, %v", out, err)
	}
	// An older evaluation of a resource does not replace a newer one; a
	// newer one does.
	if _, err := put(srv.ResultToken(ruleAcct, ruleName), false,
		eval("AROAIDLE", "COMPLIANT", "stale", orderAt.Add(-time.Hour)),
		eval("AROABUSY", "NON_COMPLIANT", "later", orderAt.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	// Test mode: any token, nothing recorded.
	if _, err := put("anything", true, eval("AROATEST", "COMPLIANT", "test", orderAt)); err != nil {
		t.Fatalf("test mode: %v", err)
	}
	want := []fakeaws.ConfigResult{
		{ResourceType: "AWS::IAM::Role", ResourceID: "AROABUSY", ComplianceType: "NON_COMPLIANT", Annotation: "later", OrderingTimestamp: orderAt.Add(time.Hour), Recorded: recorded},
		{ResourceType: "AWS::IAM::Role", ResourceID: "AROAEXEMPT", ComplianceType: "NOT_APPLICABLE", OrderingTimestamp: orderAt, Recorded: recorded},
		{ResourceType: "AWS::IAM::Role", ResourceID: "AROAIDLE", ComplianceType: "NON_COMPLIANT", Annotation: "no recorded use since it was created 200 days ago", OrderingTimestamp: orderAt, Recorded: recorded},
	}
	if diff := cmp.Diff(want, srv.ConfigResults(ruleAcct, ruleName)); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}

	// Failed evaluations come back and are not recorded.
	srv.FailEvaluations(1)
	out, err = put(srv.ResultToken(ruleAcct, ruleName), false, eval("AROANEW1", "COMPLIANT", "x", orderAt), eval("AROANEW2", "COMPLIANT", "y", orderAt))
	if err != nil || len(out.FailedEvaluations) != 1 || aws.ToString(out.FailedEvaluations[0].ComplianceResourceId) != "AROANEW1" {
		t.Fatalf("FailEvaluations(1): %+v, %v", out, err)
	}
	if n := len(srv.ConfigResults(ruleAcct, ruleName)); n != 4 {
		t.Errorf("%d results after a failed and a recorded evaluation, want 4", n)
	}
}

func TestServer_PutEvaluations_refused(t *testing.T) {
	many := make([]cfgtypes.Evaluation, 101)
	for i := range many {
		many[i] = eval(fmt.Sprintf("AROA%03d", i), "COMPLIANT", "ok", orderAt)
	}
	tests := []struct {
		name     string
		key      string
		token    func(*fakeaws.Server) *string
		testMode bool
		evals    []cfgtypes.Evaluation
		wantCode string
		wantMsg  string
	}{
		{name: "101 evaluations", evals: many, wantCode: "ValidationException", wantMsg: "Member must have length less than or equal to 100"},
		{name: "annotation of 257 characters", evals: []cfgtypes.Evaluation{eval("AROA1", "COMPLIANT", strings.Repeat("é", 257), orderAt)},
			wantCode: "ValidationException", wantMsg: "evaluations.1.member.annotation"},
		{name: "empty annotation", evals: []cfgtypes.Evaluation{{ComplianceResourceType: aws.String("AWS::IAM::Role"), ComplianceResourceId: aws.String("AROA1"),
			ComplianceType: "COMPLIANT", OrderingTimestamp: aws.Time(orderAt), Annotation: aws.String("")}}, wantCode: "ValidationException", wantMsg: "between 1 and 256"},
		{name: "resource ID of 769 characters", evals: []cfgtypes.Evaluation{eval(strings.Repeat("A", 769), "COMPLIANT", "", orderAt)},
			wantCode: "ValidationException", wantMsg: "complianceResourceId"},
		{name: "unknown compliance type", evals: []cfgtypes.Evaluation{eval("AROA1", "UNUSED", "", orderAt)}, wantCode: "ValidationException", wantMsg: "enum value set"},
		{name: "INSUFFICIENT_DATA", evals: []cfgtypes.Evaluation{eval("AROA1", "INSUFFICIENT_DATA", "", orderAt)}, wantCode: "InvalidParameterValueException"},
		{name: "a token the fake did not issue", token: func(*fakeaws.Server) *string { return aws.String("myResultToken") }, wantCode: "InvalidResultTokenException"},
		{name: "a token of another account", key: otherKey, wantCode: "InvalidResultTokenException"},
		{name: "an empty token in test mode", token: func(*fakeaws.Server) *string { return aws.String("") }, testMode: true, wantCode: "InvalidResultTokenException"},
		{name: "a token of a rule that is gone", token: func(s *fakeaws.Server) *string { return aws.String(s.ResultToken(ruleAcct, "deleted-rule")) }, wantCode: "NoSuchConfigRuleException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := configServer(t)
			key := tt.key
			if key == "" {
				key = ruleKey
			}
			token := aws.String(srv.ResultToken(ruleAcct, ruleName))
			if tt.token != nil {
				token = tt.token(srv)
			}
			evals := tt.evals
			if evals == nil {
				evals = []cfgtypes.Evaluation{eval("AROA1", "COMPLIANT", "ok", orderAt)}
			}
			_, err := configClient(srv, key).PutEvaluations(t.Context(), &configservice.PutEvaluationsInput{ResultToken: token, TestMode: tt.testMode, Evaluations: evals})
			if got := errorCode(err); got != tt.wantCode || !strings.Contains(fmt.Sprint(err), tt.wantMsg) {
				t.Errorf("PutEvaluations: %v; want %s with %q", err, tt.wantCode, tt.wantMsg)
			}
			if n := len(srv.ConfigResults(ruleAcct, ruleName)); n != 0 {
				t.Errorf("%d results recorded by a refused call", n)
			}
		})
	}
}

func TestServer_GetComplianceDetailsByConfigRule(t *testing.T) {
	var seeded []fakeaws.ConfigResult
	for i := 0; i < 25; i++ {
		compliance := []string{"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"}[i%3]
		seeded = append(seeded, fakeaws.ConfigResult{ResourceType: "AWS::IAM::Role", ResourceID: fmt.Sprintf("AROA%02d", i), ComplianceType: compliance,
			Annotation: "why " + compliance, OrderingTimestamp: orderAt, Recorded: recorded})
	}
	srv := configServer(t, fakeaws.WithConfigRule(ruleAcct, fakeaws.ConfigRule{Name: "seeded", Results: seeded}))
	c := configClient(srv, ruleKey)

	list := func(t *testing.T, in *configservice.GetComplianceDetailsByConfigRuleInput) (ids []string, pages int) {
		t.Helper()
		p := configservice.NewGetComplianceDetailsByConfigRulePaginator(c, in)
		for p.HasMorePages() {
			out, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, r := range out.EvaluationResults {
				q := r.EvaluationResultIdentifier.EvaluationResultQualifier
				if aws.ToString(q.ConfigRuleName) != "seeded" || aws.ToString(q.ResourceType) != "AWS::IAM::Role" ||
					!aws.ToTime(r.EvaluationResultIdentifier.OrderingTimestamp).Equal(orderAt) || aws.ToString(r.Annotation) != "why "+string(r.ComplianceType) {
					t.Errorf("result %+v", r)
				}
				ids = append(ids, aws.ToString(q.ResourceId)+"="+string(r.ComplianceType))
			}
		}
		return ids, pages
	}
	t.Run("filtered, 100 a page", func(t *testing.T) {
		ids, pages := list(t, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("seeded"), Limit: 100,
			ComplianceTypes: []cfgtypes.ComplianceType{cfgtypes.ComplianceTypeNonCompliant, cfgtypes.ComplianceTypeCompliant}})
		if len(ids) != 17 || pages != 1 {
			t.Errorf("%d results in %d pages, want 17 in 1: %v", len(ids), pages, ids)
		}
		for _, id := range ids {
			if strings.HasSuffix(id, "NOT_APPLICABLE") {
				t.Errorf("filtered out %s came back", id)
			}
		}
	})
	t.Run("default limit 10", func(t *testing.T) {
		ids, pages := list(t, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("seeded"),
			ComplianceTypes: []cfgtypes.ComplianceType{cfgtypes.ComplianceTypeNotApplicable}})
		if len(ids) != 8 || pages != 1 {
			t.Errorf("%d results in %d pages, want 8 in 1", len(ids), pages)
		}
		ids, pages = list(t, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("seeded"),
			ComplianceTypes: []cfgtypes.ComplianceType{cfgtypes.ComplianceTypeNotApplicable, cfgtypes.ComplianceTypeCompliant, cfgtypes.ComplianceTypeNonCompliant}})
		if len(ids) != 25 || pages != 3 {
			t.Errorf("%d results in %d pages, want 25 in 3", len(ids), pages)
		}
	})

	for _, tt := range []struct {
		name string
		in   configservice.GetComplianceDetailsByConfigRuleInput
		code string
	}{
		{"unknown rule", configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("nope")}, "NoSuchConfigRuleException"},
		{"limit 101", configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("seeded"), Limit: 101}, "ValidationException"},
		{"INSUFFICIENT_DATA filter", configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("seeded"),
			ComplianceTypes: []cfgtypes.ComplianceType{cfgtypes.ComplianceTypeInsufficientData}}, "InvalidParameterValueException"},
		{"bad next token", configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("seeded"), NextToken: aws.String("xyz")}, "InvalidNextTokenException"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.GetComplianceDetailsByConfigRule(t.Context(), &tt.in)
			if got := errorCode(err); got != tt.code {
				t.Errorf("err %v, want %s", err, tt.code)
			}
		})
	}

	// The rule is the caller's account's: another account has none.
	_, err := configClient(srv, otherKey).GetComplianceDetailsByConfigRule(t.Context(), &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("seeded")})
	if got := errorCode(err); got != "NoSuchConfigRuleException" {
		t.Errorf("another account's rule: %v", err)
	}
	if got := srv.CallCount("GetComplianceDetailsByConfigRule"); got == 0 {
		t.Error("calls not recorded")
	}
	if acts := srv.Actions(); !strings.Contains(strings.Join(acts, " "), "config:GetComplianceDetailsByConfigRule") {
		t.Errorf("actions %v", acts)
	}
}
