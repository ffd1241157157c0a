//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/smithy-go"

	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/cli"
	"github.com/iamsweep/iamsweep/internal/configrule"
	"github.com/iamsweep/iamsweep/internal/lambdafn"
)

// TestConfigRule_moto is the second opinion on the AWS Config rule's
// wire: moto 5.2.1 implements PutEvaluations in test mode only (see
// configRuleDifferences), so the rule's evaluations go to it with the
// TESTMODE result token, through the adapter in batches and through the
// Lambda handler for a change notification (GetRole, then
// PutEvaluations).
func TestConfigRule_moto(t *testing.T) {
	env := newAWSEnv(t)
	ctx := t.Context()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Run("PutEvaluations in batches of 100", func(t *testing.T) {
		rules, err := awsapi.NewConfigRules(env.with("testing", "testing", ""), log, awsapi.ConfigRulesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var evals []configrule.Evaluation
		at := time.Date(2026, 11, 23, 6, 0, 0, 373e6, time.UTC)
		for i := range 250 {
			evals = append(evals, configrule.Evaluation{ResourceType: configrule.RoleType, ResourceID: fmt.Sprintf("AROAEXAMPLE%09d", i),
				Compliance: []configrule.Compliance{configrule.Compliant, configrule.NonCompliant, configrule.NotApplicable}[i%3],
				Annotation: configrule.Annotation(strings.Repeat("é", 300)), OrderingTime: at})
		}
		mark := env.Rec.count()
		if err := rules.PutEvaluations(ctx, lambdafn.TestModeToken, evals, true); err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for _, ex := range env.Rec.since(mark) {
			if ex.action != "PutEvaluations" {
				continue
			}
			var in struct {
				Evaluations []map[string]any
				ResultToken string
				TestMode    bool
			}
			if err := json.Unmarshal(ex.req, &in); err != nil || ex.status != 200 || in.ResultToken != "TESTMODE" || !in.TestMode {
				t.Errorf("request %s: %v, status %d", clip(ex.req, 300), err, ex.status)
			}
			sizes = append(sizes, len(in.Evaluations))
		}
		if fmt.Sprint(sizes) != "[100 100 50]" {
			t.Errorf("batches of %v, want [100 100 50]", sizes)
		}
	})

	t.Run("a change notification through the handler", func(t *testing.T) {
		role, err := seedRole(ctx, env.IAM, roleSpec{Name: "jenkins-deploy-role", Path: "/legacy/", Trust: trustEC2})
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile("../lambdafn/testdata/config-change.json")
		if err != nil {
			t.Fatal(err)
		}
		// The event of moto's role, in moto's account.
		var ev map[string]any
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		inv := ev["invokingEvent"].(string)
		inv = strings.ReplaceAll(inv, "AROAZNC6TVW53DKLUSZAF", role.ID)
		inv = strings.ReplaceAll(inv, "111122223333", motoAccount)
		ev["invokingEvent"], ev["resultToken"] = inv, lambdafn.TestModeToken
		event, _ := json.Marshal(ev)

		cliEnv(t, "testing", "testing")
		t.Setenv("AWS_REGION", "us-east-1")
		var errOut bytes.Buffer
		h := &lambdafn.Handler{Entry: cli.Entry{IO: cli.IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: &errOut,
			Getenv: func(k string) string { return map[string]string{"IAMSWEEP_ENDPOINT_URL": env.ProxyURL}[k] }}}}
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		mark := env.Rec.count()
		r, err := h.Invoke(ctx, event)
		if err != nil {
			t.Fatalf("Invoke: %v\n%s", err, errOut.String())
		}
		// Just created: too new to judge, so used (COMPLIANT).
		if !r.TestMode || r.Evaluations["COMPLIANT"] != 1 || len(r.Evaluations) != 1 {
			t.Errorf("Result %+v", r)
		}
		var actions []string
		for _, ex := range env.Rec.since(mark) {
			actions = append(actions, ex.action)
			if ex.action == "PutEvaluations" && !bytes.Contains(ex.req, []byte(`"ComplianceResourceId":"`+role.ID+`"`)) {
				t.Errorf("PutEvaluations %s does not name the role's unique ID %s", clip(ex.req, 400), role.ID)
			}
		}
		if fmt.Sprint(actions) != "[GetRole PutEvaluations]" {
			t.Errorf("calls %v, want GetRole then PutEvaluations", actions)
		}
	})
}

// configRuleDifferences are where moto's AWS Config differs from AWS in
// what the rule calls (checked by TestMoto_configRuleDifferences).
func configRuleDifferences(env *awsEnv) []difference {
	cfg := configservice.NewFromConfig(env.Config)
	eval := func(annotation string) cfgtypes.Evaluation {
		return cfgtypes.Evaluation{ComplianceResourceType: aws.String("AWS::IAM::Role"), ComplianceResourceId: aws.String("AROAEXAMPLE000000001"),
			ComplianceType: cfgtypes.ComplianceTypeCompliant, OrderingTimestamp: aws.Time(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)), Annotation: aws.String(annotation)}
	}
	put := func(t *testing.T, in *configservice.PutEvaluationsInput) error {
		_, err := cfg.PutEvaluations(t.Context(), in)
		return err
	}
	return []difference{
		{
			name: "PutEvaluations works in test mode only",
			aws: "AWS Config records evaluations sent with the result token of a rule's invocation. moto answers HTTP 500 " +
				"(NotImplementedError) without TestMode, so the suite sends the TESTMODE token, with which the function uses test mode; " +
				"recording, result tokens and the latest ordering timestamp are tested against internal/fakeaws.",
			check: func(t *testing.T) {
				err := put(t, &configservice.PutEvaluationsInput{ResultToken: aws.String("token"), Evaluations: []cfgtypes.Evaluation{eval("x")}})
				if err == nil {
					t.Error("moto recorded an evaluation without TestMode")
				}
			},
		},
		{
			name: "PutEvaluations refuses an empty list",
			aws: "AWS takes 0 to 100 evaluations. moto refuses none with InvalidParameterValueException; " +
				"the function never sends an empty call.",
			check: func(t *testing.T) {
				err := put(t, &configservice.PutEvaluationsInput{ResultToken: aws.String("token"), TestMode: true})
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidParameterValueException" {
					t.Errorf("empty list: %v", err)
				}
			},
		},
		{
			name: "PutEvaluations checks neither the 100 evaluations nor the 256-character annotation",
			aws: "AWS refuses more than 100 evaluations and annotations over 256 characters (ValidationException). " +
				"moto accepts both: the limits are tested against internal/fakeaws.",
			check: func(t *testing.T) {
				many := make([]cfgtypes.Evaluation, 101)
				for i := range many {
					many[i] = eval(strings.Repeat("a", 300))
				}
				if err := put(t, &configservice.PutEvaluationsInput{ResultToken: aws.String("token"), TestMode: true, Evaluations: many}); err != nil {
					t.Errorf("moto now checks the limits: %v", err)
				}
			},
		},
		{
			name: "GetComplianceDetailsByConfigRule is not implemented",
			aws: "AWS returns the rule's results, which a periodic run reads to mark deleted roles NOT_APPLICABLE. " +
				"moto does not implement the action (and has no rule to ask about): the periodic run is tested against internal/fakeaws only.",
			check: func(t *testing.T) {
				_, err := cfg.GetComplianceDetailsByConfigRule(t.Context(), &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("iamsweep-unused-iam-roles")})
				if err == nil {
					t.Error("moto now answers GetComplianceDetailsByConfigRule")
				}
			},
		},
	}
}

// TestMoto_configRuleDifferences checks that moto still differs from AWS
// as configRuleDifferences says; when one fails after a moto upgrade,
// update the list in docs/lambda.md and the tests that work around it.
func TestMoto_configRuleDifferences(t *testing.T) {
	env := newAWSEnv(t)
	for _, tt := range configRuleDifferences(env) {
		t.Run(tt.name, func(t *testing.T) {
			env.Rec.watch(t)
			tt.check(t)
			if t.Failed() {
				t.Logf("AWS: %s", tt.aws)
			}
		})
	}
}
