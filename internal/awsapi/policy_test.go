package awsapi

import (
	"context"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// scanPolicyFile is the read-only policy the README tells users to grant
// the scan.
const scanPolicyFile = "../../policies/iamsweep-scan.json"

func readScanPolicy(t *testing.T) iamsweep.PolicyDocument {
	t.Helper()
	data, err := os.ReadFile(scanPolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := policy.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", scanPolicyFile, err)
	}
	return doc
}

func TestScanPolicy_Valid(t *testing.T) {
	doc := readScanPolicy(t)
	if doc.Version != "2012-10-17" {
		t.Errorf("Version %q, want 2012-10-17", doc.Version)
	}
	if len(doc.Statements) == 0 {
		t.Fatal("no statements")
	}
	for i, s := range doc.Statements {
		// An identity policy of plain grants: no principals, no negations.
		if s.Effect != "Allow" || s.Principal != nil || s.NotPrincipal != nil || s.NotActions != nil || s.NotResources != nil {
			t.Errorf("statement %d (%s) is not a plain Allow: %+v", i, s.Sid, s)
		}
		if len(s.Actions) == 0 || len(s.Resources) == 0 {
			t.Errorf("statement %d (%s) names no action or no resource", i, s.Sid)
		}
		if s.Sid == "IamsweepRefsReadOnly" {
			// iamsweep refs: the reads of Bindings, and nothing else.
			if !equalSets(s.Actions, BindingCalls) {
				t.Errorf("statement %d (%s) grants %v, want BindingCalls %v", i, s.Sid, s.Actions, BindingCalls)
			}
			continue
		}
		for _, a := range s.Actions {
			if !strings.HasPrefix(a, "iam:") {
				t.Errorf("statement %d: action %q is not an IAM action", i, a)
			}
		}
	}
}

// actionMatches reports whether an IAM action pattern (with * and ?
// wildcards, case-insensitive as IAM compares actions) matches action.
func actionMatches(pattern, action string) bool {
	p, a := strings.ToLower(pattern), strings.ToLower(action)
	if p == "" {
		return a == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(a); i++ {
			if actionMatches(p[1:], a[i:]) {
				return true
			}
		}
		return false
	case '?':
		return a != "" && actionMatches(p[1:], a[1:])
	default:
		return a != "" && p[0] == a[0] && actionMatches(p[1:], a[1:])
	}
}

func TestActionMatches(t *testing.T) {
	tests := []struct {
		pattern, action string
		want            bool
	}{
		{"iam:GetAccountAuthorizationDetails", "iam:GetAccountAuthorizationDetails", true},
		{"IAM:getaccountauthorizationdetails", "iam:GetAccountAuthorizationDetails", true},
		{"iam:Get*", "iam:GetAccountAuthorizationDetails", true},
		{"iam:*", "iam:GetRole", true},
		{"*", "iam:GetRole", true},
		{"iam:Get?ole", "iam:GetRole", true},
		{"iam:List*", "iam:GetRole", false},
		{"iam:GetRole", "iam:GetRolePolicy", false},
		{"s3:*", "iam:GetRole", false},
	}
	for _, tt := range tests {
		if got := actionMatches(tt.pattern, tt.action); got != tt.want {
			t.Errorf("actionMatches(%q, %q) = %v, want %v", tt.pattern, tt.action, got, tt.want)
		}
	}
}

// exerciseClient calls every method of c that reads the account (every
// method shaped like Roles: a context and callbacks), so that the fake
// records each AWS action the code can call. Errors are ignored: a call
// the fake does not implement is recorded all the same. Any other method
// taking a context fails the test until this function learns to call it.
// The iamsweep.Mutator methods are the remediation's, not the scan's: the
// calls they make are checked against policies/iamsweep-remediate.json by
// TestRemediatePolicy_CoversEveryCall.
func exerciseClient(t *testing.T, ctx context.Context, c *Client) []string {
	t.Helper()
	ctxType := reflect.TypeFor[context.Context]()
	errType := reflect.TypeFor[error]()
	mutator := reflect.TypeFor[iamsweep.Mutator]()
	v := reflect.ValueOf(c)
	var called []string
	for i := 0; i < v.NumMethod(); i++ {
		m, mt := v.Method(i), v.Type().Method(i)
		if _, ok := mutator.MethodByName(mt.Name); ok || slices.Contains(mutatorRoots, mt.Name) {
			continue // the remediation's: TestRemediatePolicy_CoversEveryCall
		}
		if slices.Contains(configRuleMethods, mt.Name) {
			continue // the Config rule's: checked against deploy/iamsweep-lambda.yaml in internal/lambdafn
		}
		if mt.Name == "AccessReports" {
			// The evidence of refine, read with the scan's identity: one
			// job for the account's first role, read to its end.
			_, _ = c.AccessReports(ctx, []string{"arn:aws:iam::" + testAccountID + ":role/app/app-00000-role"},
				AccessOptions{Rate: 1000, PollFirst: time.Millisecond, PollMax: time.Millisecond, Timeout: 5 * time.Second})
			called = append(called, mt.Name)
			continue
		}
		if mt.Name == "ManagedPolicies" {
			// The documents refine needs, read with the scan's identity.
			_, _ = c.ManagedPolicies(ctx)
			called = append(called, mt.Name)
			continue
		}
		ft := m.Type()
		// A scan method takes a context and callbacks (Roles, Users:
		// one; Principals: one per kind) and returns an error.
		isScan := ft.NumIn() >= 2 && ft.In(0) == ctxType && ft.NumOut() == 1 && ft.Out(0) == errType
		for j := 1; isScan && j < ft.NumIn(); j++ {
			in := ft.In(j)
			isScan = in.Kind() == reflect.Func && in.NumIn() == 1 && in.NumOut() == 1 && in.Out(0) == errType
		}
		if !isScan {
			if ft.NumIn() > 0 && ft.In(0) == ctxType {
				// It does I/O, so it may call AWS.
				t.Errorf("Client.%s is not a scan method this test knows how to call; extend it, so that the scan policy covers the method's calls", mt.Name)
			}
			continue
		}
		args := []reflect.Value{reflect.ValueOf(ctx)}
		for j := 1; j < ft.NumIn(); j++ {
			args = append(args, reflect.MakeFunc(ft.In(j), func([]reflect.Value) []reflect.Value {
				return []reflect.Value{reflect.Zero(errType)}
			}))
		}
		m.Call(args)
		called = append(called, mt.Name)
	}
	return called
}

func TestScanPolicy_CoversEveryCall(t *testing.T) {
	doc := readScanPolicy(t)
	acct := manyRoles(testAccountID, 25)
	acct.Users = []*fakeaws.User{
		{Name: "with-key", AccessKeys: []*fakeaws.AccessKey{{}}},
		{Name: "with-password", Password: &fakeaws.LoginProfile{}},
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithMaxPageItems(10))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	methods := exerciseClient(t, ctx, testClient(t, srv))
	if !slices.Contains(methods, "Roles") {
		t.Fatalf("methods called %v; Roles missing", methods)
	}
	// Actions are "iam:GetAccountAuthorizationDetails"; calls the fake
	// refused (an action it does not implement) count too.
	called := srv.Actions()
	// iamsweep refs reads more (Bindings), granted by the same policy:
	// every call it makes is one of BindingCalls, and every one of those
	// is made.
	refsSrv := fakeaws.New(t, fakeaws.WithAccounts(resourceAccount()))
	refsReader := NewBindings(testConfig(refsSrv), testAccountID, discardLog(), BindingOptions{})
	if _, err := refsReader.Bindings(ctx, func(iamsweep.Binding) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := refsReader.Stacks(ctx, []iamsweep.StackRef{{AccountID: testAccountID, Region: "eu-west-1", ID: etlStackID, Name: "etl"}}); err != nil {
		t.Fatal(err)
	}
	var refsCalled []string
	for _, a := range refsSrv.Actions() {
		if iamAction, ok := operationAction[a]; ok {
			a = iamAction
		}
		refsCalled = append(refsCalled, a)
	}
	if !equalSets(refsCalled, BindingCalls) {
		t.Errorf("Bindings calls %v, BindingCalls says %v", refsCalled, BindingCalls)
	}
	called = append(called, refsCalled...)
	if !slices.Contains(called, "iam:GetAccountAuthorizationDetails") {
		t.Fatalf("recorded actions %v; want at least the roles listing", called)
	}

	for _, action := range called {
		allowed := false
		for _, s := range doc.Statements {
			if s.Effect != "Allow" || !slices.Contains(s.Resources, "*") {
				continue
			}
			for _, p := range s.Actions {
				allowed = allowed || actionMatches(p, action)
			}
		}
		if !allowed {
			t.Errorf("the code calls %s, which %s does not allow", action, scanPolicyFile)
		}
	}

	// Least privilege: every action granted is one the code calls, named
	// exactly (a wildcard would grant actions added to IAM later).
	var granted []string
	for _, s := range doc.Statements {
		granted = append(granted, s.Actions...)
	}
	sort.Strings(granted)
	for _, g := range granted {
		if strings.ContainsAny(g, "*?") {
			t.Errorf("%s grants %q: name each action, without wildcards", scanPolicyFile, g)
			continue
		}
		used := false
		for _, action := range called {
			used = used || strings.EqualFold(g, action)
		}
		if !used {
			t.Errorf("%s grants %s, which the code never calls (called: %v)", scanPolicyFile, g, called)
		}
	}
}

// operationAction maps the API operations whose IAM action has another
// name to that action.
var operationAction = map[string]string{"s3:ListBuckets": "s3:ListAllMyBuckets"}

// equalSets reports whether a and b hold the same strings, in any order.
func equalSets(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
