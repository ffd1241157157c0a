package lambdafn

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// The roles of the example account the tests name.
const (
	jenkinsID   = "AROAZNC6TVW53DKLUSZAF" // legacy/jenkins-deploy-role: unused (last used 2025-10-20)
	jenkinsName = "jenkins-deploy-role"
	breakglass  = "AROAVIVAMKVUEOGFHIHIR" // breakglass/breakglass-admin: unused, but allowlisted by the rule
	slrID       = "AROAXIEKZ5PUZIRFNCYUD" // the ELB service-linked role: exempt
	ordersID    = "AROANUI33LFSTJYCQEO5R" // app/orders-api-role: used
)

var (
	periodicAt = time.Date(2026, 11, 23, 6, 0, 0, 373e6, time.UTC)  // config-scheduled.json
	changeAt   = time.Date(2026, 11, 22, 17, 4, 5, 123e6, time.UTC) // config-change.json, config-oversized.json
)

// byID indexes results by resource ID.
func byID(results []fakeaws.ConfigResult) map[string]fakeaws.ConfigResult {
	m := map[string]fakeaws.ConfigResult{}
	for _, r := range results {
		m[r.ResourceID] = r
	}
	return m
}

// TestHandler_periodic feeds the periodic rule event through the handler:
// every role of the account is evaluated with iamsweep's verdicts and
// recorded under its unique ID; a later run marks the roles deleted in
// between NOT_APPLICABLE.
func TestHandler_periodic(t *testing.T) {
	// A result of the blog post's rule, which keyed roles by name, lingers.
	fx := newFixture(t, fakeaws.WithConfigRule(exampleAccount, fakeaws.ConfigRule{Name: ruleName, Results: []fakeaws.ConfigResult{
		{ResourceType: "AWS::IAM::Role", ResourceID: "jenkins-deploy-role", ComplianceType: "NON_COMPLIANT", OrderingTimestamp: periodicAt.Add(-72 * time.Hour)},
	}}))
	r, err := fx.invoke(t, fx.event(t, "config-scheduled.json", nil))
	if err != nil {
		t.Fatal(err)
	}
	// 30 roles: 10 used, 8 unused, 10 managed by AWS (exempt), 2 unused
	// but allowlisted by the rule; and the name-keyed result of the
	// blog's rule.
	want := Result{Event: "ScheduledNotification", ConfigRule: ruleName, Deleted: 1,
		Evaluations: map[string]int{"COMPLIANT": 10, "NON_COMPLIANT": 8, "NOT_APPLICABLE": 13}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	results := byID(fx.srv.ConfigResults(exampleAccount, ruleName))
	if len(results) != 31 {
		t.Errorf("%d results, want 31", len(results))
	}
	for id, res := range results {
		if id != "jenkins-deploy-role" && !strings.HasPrefix(id, "AROA") {
			t.Errorf("result keyed %q, not by the role's unique ID", id)
		}
		if res.ResourceType != "AWS::IAM::Role" || !res.OrderingTimestamp.Equal(periodicAt) || res.Annotation == "" || utf8.RuneCountInString(res.Annotation) > 256 {
			t.Errorf("result %+v", res)
		}
	}
	for _, tt := range []struct{ id, compliance, annotation string }{
		{jenkinsID, "NON_COMPLIANT", "last used 398 days ago in us-east-1"},
		{ordersID, "COMPLIANT", ""},
		{breakglass, "NOT_APPLICABLE", "matches allowlist pattern /breakglass/*"},
		{slrID, "NOT_APPLICABLE", "service-linked role"},
		{"jenkins-deploy-role", "NOT_APPLICABLE", "no role with this unique ID exists"},
	} {
		got := results[tt.id]
		if got.ComplianceType != tt.compliance || !strings.Contains(got.Annotation, tt.annotation) {
			t.Errorf("%s: %s %q, want %s with %q", tt.id, got.ComplianceType, got.Annotation, tt.compliance, tt.annotation)
		}
	}
	// Roles only, in bulk: no credential report, no key listing, nothing
	// per role; the previous results once; one PutEvaluations of 31.
	wantCalls := []string{"config:GetComplianceDetailsByConfigRule", "config:PutEvaluations", "iam:GetAccountAuthorizationDetails"}
	if got := fx.srv.Actions(); !slices.Equal(got, wantCalls) {
		t.Errorf("actions %v, want %v", got, wantCalls)
	}
	if n := fx.srv.CallCount("PutEvaluations"); n != 1 {
		t.Errorf("%d PutEvaluations calls for 31 evaluations", n)
	}
	fx.checkJSONLogs(t)
	if !strings.Contains(fx.stderr.String(), `"msg":"evaluations recorded"`) {
		t.Errorf("no log of the evaluations: %s", fx.stderr.String())
	}

	// The role is deleted; the next run marks it NOT_APPLICABLE, once.
	acct := fx.srv.Account(exampleAccount)
	acct.Roles = slices.DeleteFunc(acct.Roles, func(r *fakeaws.Role) bool { return r.Name == jenkinsName })
	next := periodicAt.Add(24 * time.Hour)
	later := func(ev map[string]any) {
		ev["invokingEvent"] = strings.Replace(ev["invokingEvent"].(string), "2026-11-23T06:00:00.373Z", next.Format(time.RFC3339Nano), 1)
	}
	r, err = fx.invoke(t, fx.event(t, "config-scheduled.json", later))
	if err != nil {
		t.Fatal(err)
	}
	if r.Deleted != 1 || r.Evaluations["NOT_APPLICABLE"] != 13 || r.Evaluations["NON_COMPLIANT"] != 7 {
		t.Errorf("after deleting a role: %+v", r)
	}
	got := byID(fx.srv.ConfigResults(exampleAccount, ruleName))[jenkinsID]
	if got.ComplianceType != "NOT_APPLICABLE" || !got.OrderingTimestamp.Equal(next) || !strings.Contains(got.Annotation, "no role with this unique ID exists") {
		t.Errorf("deleted role's result %+v", got)
	}
	r, err = fx.invoke(t, fx.event(t, "config-scheduled.json", later))
	if err != nil || r.Deleted != 0 {
		t.Errorf("a third run: %+v, %v; the deleted role is NOT_APPLICABLE already", r, err)
	}
}

// TestHandler_periodicBatches: more than 100 roles go in batches of 100.
func TestHandler_periodicBatches(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE")
	acct := &fakeaws.Account{ID: exampleAccount}
	for i := 0; i < 250; i++ {
		acct.Roles = append(acct.Roles, &fakeaws.Role{Name: fmt.Sprintf("role-%03d", i), Created: asOf.AddDate(-1, 0, 0)})
	}
	fx := newFixtureWith(t, fakeaws.WithAccounts(acct), fakeaws.WithConfigRule(exampleAccount, fakeaws.ConfigRule{Name: ruleName}), fakeaws.WithMaxPageItems(40))
	r, err := fx.invoke(t, fx.event(t, "config-scheduled.json", nil))
	if err != nil {
		t.Fatal(err)
	}
	if r.Evaluations["NON_COMPLIANT"] != 250 {
		t.Errorf("evaluations %v", r.Evaluations)
	}
	if n := fx.srv.CallCount("PutEvaluations"); n != 3 {
		t.Errorf("%d PutEvaluations calls for 250 roles, want 3", n)
	}
	if n := len(fx.srv.ConfigResults(exampleAccount, ruleName)); n != 250 {
		t.Errorf("%d results", n)
	}
}

// TestHandler_change feeds change notifications through the handler: the
// one role of the event is evaluated, read from IAM, and nothing else.
func TestHandler_change(t *testing.T) {
	tests := []struct {
		name  string
		event string
		edit  func(map[string]any)
		// setup changes the fake before the invocation.
		setup          func(*fakeaws.Account)
		wantID         string
		wantCompliance string
		wantAnnotation string
		// wantAt is the ordering time, the item's capture time (default
		// changeAt).
		wantAt    time.Time
		wantCalls []string
	}{
		{name: "a role changed", event: "config-change.json",
			wantID: jenkinsID, wantCompliance: "NON_COMPLIANT", wantAnnotation: "last used 398 days ago in us-east-1",
			wantCalls: []string{"config:PutEvaluations", "iam:GetRole"}},
		{name: "an oversized change", event: "config-oversized.json",
			wantID: jenkinsID, wantCompliance: "NON_COMPLIANT", wantAnnotation: "last used 398 days ago",
			wantCalls: []string{"config:PutEvaluations", "iam:GetRole"}},
		{name: "a role deleted", event: "config-change-deleted.json",
			wantID: jenkinsID, wantCompliance: "NOT_APPLICABLE", wantAnnotation: "the role was deleted",
			wantAt: time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC), wantCalls: []string{"config:PutEvaluations"}},
		{name: "a role that left the rule's scope", event: "config-change.json", edit: func(ev map[string]any) { ev["eventLeftScope"] = true },
			wantID: jenkinsID, wantCompliance: "NOT_APPLICABLE", wantAnnotation: "left the rule's scope",
			wantCalls: []string{"config:PutEvaluations"}},
		{name: "a role deleted after the change", event: "config-change.json",
			setup: func(a *fakeaws.Account) {
				a.Roles = slices.DeleteFunc(a.Roles, func(r *fakeaws.Role) bool { return r.Name == jenkinsName })
			},
			wantID: jenkinsID, wantCompliance: "NOT_APPLICABLE", wantAnnotation: "deleted after the change",
			wantCalls: []string{"config:PutEvaluations", "iam:GetRole"}},
		{name: "a role deleted and created again under the same name", event: "config-change.json",
			setup: func(a *fakeaws.Account) {
				for _, r := range a.Roles {
					if r.Name == jenkinsName {
						r.ID = "AROANEWNEWNEWNEWNEW01"
					}
				}
			},
			wantID: jenkinsID, wantCompliance: "NOT_APPLICABLE", wantAnnotation: "now is another, with unique ID AROANEWNEWNEWNEWNEW01",
			wantCalls: []string{"config:PutEvaluations", "iam:GetRole"}},
		{name: "a resource that is not a role", event: "config-change.json",
			edit: func(ev map[string]any) {
				ev["invokingEvent"] = strings.ReplaceAll(ev["invokingEvent"].(string), `"resourceType":"AWS::IAM::Role"`, `"resourceType":"AWS::IAM::User"`)
			},
			wantID: jenkinsID, wantCompliance: "NOT_APPLICABLE", wantAnnotation: "evaluates IAM roles only",
			wantCalls: []string{"config:PutEvaluations"}},
		{name: "the rule's threshold", event: "config-change.json",
			edit: func(ev map[string]any) { ev["ruleParameters"] = `{"max_days_for_last_used":"400"}` },
			// Last used 398 days before the evaluation: used under 400.
			wantID: jenkinsID, wantCompliance: "COMPLIANT", wantAnnotation: "last used 398 days ago",
			wantCalls: []string{"config:PutEvaluations", "iam:GetRole"}},
		{name: "the rule's allowlist", event: "config-change.json",
			edit:   func(ev map[string]any) { ev["ruleParameters"] = `{"role_whitelist":"/legacy/jenkins-*"}` },
			wantID: jenkinsID, wantCompliance: "NOT_APPLICABLE", wantAnnotation: "matches allowlist pattern /legacy/jenkins-*",
			wantCalls: []string{"config:PutEvaluations", "iam:GetRole"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			if tt.setup != nil {
				tt.setup(fx.srv.Account(exampleAccount))
			}
			r, err := fx.invoke(t, fx.event(t, tt.event, tt.edit))
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Evaluations[tt.wantCompliance]; got != 1 || len(r.Evaluations) != 1 {
				t.Errorf("evaluations %v, want one %s", r.Evaluations, tt.wantCompliance)
			}
			results := fx.srv.ConfigResults(exampleAccount, ruleName)
			if len(results) != 1 {
				t.Fatalf("results %+v, want the one role's", results)
			}
			got := results[0]
			at := tt.wantAt
			if at.IsZero() {
				at = changeAt
			}
			if got.ResourceID != tt.wantID || got.ComplianceType != tt.wantCompliance || !strings.Contains(got.Annotation, tt.wantAnnotation) || !got.OrderingTimestamp.Equal(at) {
				t.Errorf("result %+v; want %s %s with %q at %s", got, tt.wantID, tt.wantCompliance, tt.wantAnnotation, at)
			}
			if calls := fx.srv.Actions(); !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("actions %v, want %v", calls, tt.wantCalls)
			}
			fx.checkJSONLogs(t)
		})
	}
}

// TestHandler_testMode: the TESTMODE result token checks the evaluations
// with AWS Config and records nothing.
func TestHandler_testMode(t *testing.T) {
	fx := newFixture(t)
	r, err := fx.invoke(t, fx.event(t, "config-scheduled.json", func(ev map[string]any) { ev["resultToken"] = TestModeToken }))
	if err != nil {
		t.Fatal(err)
	}
	if !r.TestMode || r.Evaluations["NON_COMPLIANT"] != 8 {
		t.Errorf("Result %+v", r)
	}
	if n := len(fx.srv.ConfigResults(exampleAccount, ruleName)); n != 0 || fx.srv.CallCount("PutEvaluations") != 1 {
		t.Errorf("test mode recorded %d results in %d calls", n, fx.srv.CallCount("PutEvaluations"))
	}
}

// TestHandler_refused: events, parameters and settings that cannot be
// evaluated fail with one clear error, before any evaluation is recorded.
func TestHandler_refused(t *testing.T) {
	tests := []struct {
		name     string
		event    string // a testdata file, or the payload itself
		edit     func(map[string]any)
		env      map[string]string
		wantType string
		wantMsg  string
		noCalls  bool
	}{
		{name: "not JSON", event: `[1,2]`, wantType: ErrorInput, wantMsg: "event: want a JSON object", noCalls: true},
		{name: "an event of something else", event: `{"Records":[{"eventSource":"aws:s3"}]}`, wantType: ErrorInput, wantMsg: "not an event iamsweep handles", noCalls: true},
		{name: "an EventBridge event that is not a schedule", event: `{"source":"aws.iam","detail-type":"AWS API Call via CloudTrail"}`, wantType: ErrorInput, noCalls: true},
		{name: "a bad threshold", event: "config-scheduled.json", edit: func(ev map[string]any) { ev["ruleParameters"] = `{"max_days_for_last_used":"ninety"}` },
			wantType: ErrorInput, wantMsg: `ruleParameters: max_days_for_last_used: want a whole number of days from 1 to 400 (IAM records use for 400 days), got "ninety"`, noCalls: true},
		{name: "an unknown parameter", event: "config-scheduled.json", edit: func(ev map[string]any) { ev["ruleParameters"] = `{"MaxDaysForLastUsed":"60"}` },
			wantType: ErrorInput, wantMsg: "ruleParameters: MaxDaysForLastUsed: unknown rule parameter", noCalls: true},
		{name: "a bad pattern", event: "config-scheduled.json", edit: func(ev map[string]any) { ev["ruleParameters"] = `{"role_pattern_allowlist":"/a|[z-a]"}` },
			wantType: ErrorInput, wantMsg: "role_pattern_allowlist: pattern 2: invalid pattern", noCalls: true},
		{name: "no result token", event: "config-scheduled.json", edit: func(ev map[string]any) { delete(ev, "resultToken") },
			wantType: ErrorInput, wantMsg: "event: resultToken: missing", noCalls: true},
		{name: "an unknown message type", event: "config-scheduled.json",
			edit: func(ev map[string]any) {
				ev["invokingEvent"] = strings.Replace(ev["invokingEvent"].(string), "ScheduledNotification", "ConfigurationSnapshotDeliveryCompleted", 1)
			},
			wantType: ErrorInput, wantMsg: "invokingEvent: messageType", noCalls: true},
		{name: "a bad setting", event: "config-scheduled.json", env: map[string]string{"IAMSWEEP_UNUSED_DAYS": "0"},
			wantType: ErrorInput, wantMsg: "IAMSWEEP_UNUSED_DAYS: unused-days: must be between 1 and 400", noCalls: true},
		{name: "a token AWS Config does not know", event: "config-scheduled.json", edit: func(ev map[string]any) { ev["resultToken"] = "myResultToken" },
			wantType: ErrorFailed, wantMsg: "InvalidResultTokenException"},
		{name: "an event of another account", event: "config-scheduled.json",
			edit: func(ev map[string]any) {
				ev["invokingEvent"] = strings.Replace(ev["invokingEvent"].(string), exampleAccount, "999988887777", 1)
			},
			wantType: ErrorFailed, wantMsg: "the event is about account 999988887777, but the function's credentials read account 111122223333"},
		{name: "a rule of another account", event: "config-change.json",
			edit: func(ev map[string]any) {
				ev["invokingEvent"] = strings.ReplaceAll(ev["invokingEvent"].(string), `"awsAccountId":"111122223333",`, "")
				ev["accountId"] = "999988887777"
			},
			wantType: ErrorFailed, wantMsg: "the event is about account 999988887777"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			for k, v := range tt.env {
				fx.env[k] = v
			}
			event := []byte(tt.event)
			if strings.HasSuffix(tt.event, ".json") {
				event = fx.event(t, tt.event, tt.edit)
			}
			_, err := fx.invoke(t, event)
			typ, msg := lambdaError(t, err)
			if typ != tt.wantType || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error %s %q; want %s with %q", typ, msg, tt.wantType, tt.wantMsg)
			}
			if n := len(fx.srv.ConfigResults(exampleAccount, ruleName)); n != 0 {
				t.Errorf("%d results recorded", n)
			}
			if tt.noCalls && len(fx.srv.Calls()) != 0 {
				t.Errorf("calls %v before the input was checked", fx.srv.Actions())
			}
		})
	}
}

// TestHandler_failedEvaluations: evaluations AWS Config does not record
// are sent again; those it never records fail the invocation.
func TestHandler_failedEvaluations(t *testing.T) {
	fx := newFixture(t)
	fx.srv.FailEvaluations(3)
	if _, err := fx.invoke(t, fx.event(t, "config-scheduled.json", nil)); err != nil {
		t.Fatalf("3 failed evaluations, sent again: %v", err)
	}
	if n := len(fx.srv.ConfigResults(exampleAccount, ruleName)); n != 30 {
		t.Errorf("%d results after the retry, want 30", n)
	}
	fx.srv.FailEvaluations(1 << 20)
	_, err := fx.invoke(t, fx.event(t, "config-change.json", nil))
	typ, msg := lambdaError(t, err)
	if typ != ErrorFailed || !strings.Contains(msg, "AWS Config did not record 1 of 1 evaluations after 3 attempts: AWS::IAM::Role "+jenkinsID) {
		t.Errorf("error %s %q", typ, msg)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want bool
	}{
		{"the Lambda runtime, no arguments", map[string]string{RuntimeAPIEnv: "127.0.0.1:9001"}, nil, true},
		{"the Lambda runtime, a command", map[string]string{RuntimeAPIEnv: "127.0.0.1:9001"}, []string{"scan"}, false},
		{"a terminal", map[string]string{}, nil, false},
		{"a terminal, a command", map[string]string{"_HANDLER": "bootstrap"}, []string{"scan"}, false},
		{"an empty runtime address", map[string]string{RuntimeAPIEnv: ""}, nil, false},
	}
	for _, tt := range tests {
		if got := Detect(func(k string) string { return tt.env[k] }, tt.args); got != tt.want {
			t.Errorf("%s: Detect = %v, want %v", tt.name, got, tt.want)
		}
	}
}
