package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	testAccountID = "123456789012"
	gaadAction    = "GetAccountAuthorizationDetails"
)

// formRecorder is an HTTP client that records the form of every request it
// sends, so tests can see the parameters the SDK put on the wire.
type formRecorder struct {
	next aws.HTTPClient
	// sent, when not nil, is called as each request goes out.
	sent func()

	mu    sync.Mutex
	forms []url.Values
}

func (r *formRecorder) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.forms = append(r.forms, form)
	r.mu.Unlock()
	if r.sent != nil {
		r.sent()
	}
	return r.next.Do(req)
}

func (r *formRecorder) Forms() []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]url.Values(nil), r.forms...)
}

// recordingClient returns a client for srv whose requests rec sees.
func recordingClient(t *testing.T, srv *fakeaws.Server, rec *formRecorder) *Client {
	t.Helper()
	cfg := testConfig(srv)
	rec.next = cfg.HTTPClient
	cfg.HTTPClient = rec
	return New(cfg, quietLogger())
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// readRoles runs Client.Roles and returns the roles in the order fn saw
// them.
func collectRoles(ctx context.Context, c *Client) ([]iamsweep.Role, error) {
	var got []iamsweep.Role
	err := c.Roles(ctx, func(r iamsweep.Role) error {
		got = append(got, r)
		return nil
	})
	return got, err
}

func roleNames(rs []iamsweep.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func seededNames(a *fakeaws.Account) []string {
	out := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		out[i] = r.Name
	}
	return out
}

func seedAccount(roles ...*fakeaws.Role) fakeaws.Option {
	return fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID, Roles: roles})
}

func TestClient_RolesConvertsEveryField(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	rich := &fakeaws.Role{
		Name:           "deploy-role",
		Path:           "/ci/",
		ID:             "AROARICHRICHRICHRICH1",
		Created:        time.Date(2021, 2, 3, 4, 5, 6, 0, cet),
		LastUsed:       time.Date(2026, 1, 2, 4, 4, 5, 0, cet),
		LastUsedRegion: "eu-west-1",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Sid":"Trust","Effect":"Allow",` +
			`"Principal":{"AWS":["arn:aws:iam::999988887777:root"],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole",` +
			`"Condition":{"StringEquals":{"sts:ExternalId":"x+y%z"},"Bool":{"aws:MultiFactorAuthPresent":true}}}]}`,
		Inline: []fakeaws.InlinePolicy{
			{Name: "s3-read", Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}}`},
			{Name: "deny-iam", Document: "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Deny\", \"NotAction\": \"iam:Get*\", \"NotResource\": \"*\"}]\n}"},
		},
		Attached: []fakeaws.AttachedPolicy{
			{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"},
			{Name: "custom", ARN: "arn:aws:iam::123456789012:policy/team/custom"},
		},
		Boundary: "arn:aws:iam::123456789012:policy/boundary",
		Tags: []fakeaws.Tag{
			{Key: "owner", Value: "team@example.com"},
			{Key: "note", Value: "a&b <c> \"d\" 'e' — é 日本"},
			{Key: "empty", Value: ""},
		},
		InstanceProfiles: []fakeaws.InstanceProfile{{Name: "deploy-profile", Path: "/ip/", ID: "AIPARICHRICHRICHRICH1", Created: time.Date(2021, 2, 3, 5, 0, 0, 0, cet)}},
	}
	unused := &fakeaws.Role{Name: "never-used", ID: "AROANEVERNEVERNEVER01", LastUsedRegion: "us-east-1"}
	srv := fakeaws.New(t, seedAccount(rich, unused))

	got, err := collectRoles(t.Context(), testClient(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	ec2Trust := &iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{{
		Effect:    "Allow",
		Principal: &iamsweep.Principals{ByType: map[string][]string{"Service": {"ec2.amazonaws.com"}}},
		Actions:   []string{"sts:AssumeRole"},
	}}}
	want := []iamsweep.Role{
		{
			AccountID: testAccountID,
			ARN:       "arn:aws:iam::123456789012:role/ci/deploy-role",
			ID:        "AROARICHRICHRICHRICH1",
			Name:      "deploy-role",
			Path:      "/ci/",
			Created:   time.Date(2021, 2, 3, 3, 5, 6, 0, time.UTC),
			LastUsed:  iamsweep.Usage{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Region: "eu-west-1"},
			TrustPolicy: &iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{{
				Sid:    "Trust",
				Effect: "Allow",
				Principal: &iamsweep.Principals{ByType: map[string][]string{
					"AWS":     {"arn:aws:iam::999988887777:root"},
					"Service": {"ec2.amazonaws.com"},
				}},
				Actions: []string{"sts:AssumeRole"},
				Conditions: []iamsweep.Condition{
					{Operator: "Bool", Key: "aws:MultiFactorAuthPresent", Values: []string{"true"}},
					{Operator: "StringEquals", Key: "sts:ExternalId", Values: []string{"x+y%z"}},
				},
			}}},
			InlinePolicies: []iamsweep.InlinePolicy{
				{Name: "s3-read", Document: iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{{
					Effect: "Allow", Actions: []string{"s3:GetObject", "s3:ListBucket"}, Resources: []string{"arn:aws:s3:::b", "arn:aws:s3:::b/*"},
				}}}},
				{Name: "deny-iam", Document: iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{{
					Effect: "Deny", NotActions: []string{"iam:Get*"}, NotResources: []string{"*"},
				}}}},
			},
			AttachedPolicies: []iamsweep.AttachedPolicy{
				{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"},
				{Name: "custom", ARN: "arn:aws:iam::123456789012:policy/team/custom"},
			},
			PermissionsBoundary: "arn:aws:iam::123456789012:policy/boundary",
			Tags: []iamsweep.Tag{
				{Key: "owner", Value: "team@example.com"},
				{Key: "note", Value: "a&b <c> \"d\" 'e' — é 日本"},
				{Key: "empty", Value: ""},
			},
			InstanceProfiles: []iamsweep.InstanceProfile{{
				Name:    "deploy-profile",
				ID:      "AIPARICHRICHRICHRICH1",
				ARN:     "arn:aws:iam::123456789012:instance-profile/ip/deploy-profile",
				Path:    "/ip/",
				Created: time.Date(2021, 2, 3, 4, 0, 0, 0, time.UTC),
				Roles:   []string{"deploy-role"},
			}},
		},
		{
			AccountID:   testAccountID,
			ARN:         "arn:aws:iam::123456789012:role/never-used",
			ID:          "AROANEVERNEVERNEVER01",
			Name:        "never-used",
			Path:        "/",
			Created:     time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
			TrustPolicy: ec2Trust,
			// RoleLastUsed is empty: no use, and no Region either.
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	// cmp compares times with Equal, which ignores the location.
	for _, r := range got {
		times := map[string]time.Time{"Created": r.Created}
		if !r.LastUsed.IsZero() {
			times["LastUsed"] = r.LastUsed.Time
		}
		for _, p := range r.InstanceProfiles {
			times["instance profile Created"] = p.Created
		}
		for name, tm := range times {
			if tm.Location() != time.UTC {
				t.Errorf("role %s: %s %v is not in UTC", r.Name, name, tm)
			}
		}
	}
}

func TestClient_RolesBulkCalls(t *testing.T) {
	seed := manyRoles(testAccountID, 2500)
	srv := fakeaws.New(t, fakeaws.WithAccounts(seed))
	rec := &formRecorder{}
	got, err := collectRoles(t.Context(), recordingClient(t, srv, rec))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seededNames(seed), roleNames(got)); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	// One bulk call per 1,000 roles, never one per role.
	want := []fakeaws.Call{
		{Service: "iam", Action: gaadAction, AccountID: testAccountID},
		{Service: "iam", Action: gaadAction, AccountID: testAccountID},
		{Service: "iam", Action: gaadAction, AccountID: testAccountID},
	}
	if diff := cmp.Diff(want, srv.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if n := srv.CallCount(gaadAction); n != 3 {
		t.Errorf("%d GetAccountAuthorizationDetails calls, want 3", n)
	}
	forms := rec.Forms()
	if len(forms) != 3 {
		t.Fatalf("%d requests sent, want 3", len(forms))
	}
	for i, f := range forms {
		if f.Get("Action") != gaadAction || f.Get("MaxItems") != "1000" || f.Get("Filter.member.1") != "Role" || f.Has("Filter.member.2") {
			t.Errorf("request %d: Action %q MaxItems %q Filter %q/%q; want GetAccountAuthorizationDetails, 1000, Role only",
				i+1, f.Get("Action"), f.Get("MaxItems"), f.Get("Filter.member.1"), f.Get("Filter.member.2"))
		}
		if hasMarker := f.Get("Marker") != ""; hasMarker != (i > 0) {
			t.Errorf("request %d: Marker %q; want one on every request but the first", i+1, f.Get("Marker"))
		}
	}
}

func TestClient_RolesShortPages(t *testing.T) {
	seed := manyRoles(testAccountID, 50)
	srv := fakeaws.New(t, fakeaws.WithAccounts(seed), fakeaws.WithMaxPageItems(7))
	got, err := collectRoles(t.Context(), testClient(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seededNames(seed), roleNames(got)); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	if n := srv.CallCount(gaadAction); n != 8 {
		t.Errorf("%d calls, want 8 (pages of 7)", n)
	}
}

func TestClient_RolesEmptyAccount(t *testing.T) {
	srv := fakeaws.New(t, seedAccount())
	got, err := collectRoles(t.Context(), testClient(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("read %d roles from an empty account", len(got))
	}
	if n := len(srv.Calls()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func TestClient_RolesRetriesThrottling(t *testing.T) {
	seed := manyRoles(testAccountID, 200)
	srv := fakeaws.New(t, fakeaws.WithAccounts(seed), fakeaws.WithMaxPageItems(10), fakeaws.WithThrottleRate(0.3))
	got, err := collectRoles(t.Context(), testClient(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seededNames(seed), roleNames(got)); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	ok, throttled := 0, 0
	for _, c := range srv.Calls() {
		switch c.ErrorCode {
		case "":
			ok++
		case "Throttling":
			throttled++
		default:
			t.Errorf("unexpected call %+v", c)
		}
	}
	if ok != 20 || throttled == 0 {
		t.Errorf("%d successful and %d throttled calls; want 20 pages read and some throttling retried", ok, throttled)
	}
}

func TestClient_RolesErrors(t *testing.T) {
	tests := []struct {
		name      string
		opts      []fakeaws.Option
		want      error // the domain error; nil for none
		wantCode  string
		wantCalls int
	}{
		{
			name:      "throttled on every attempt",
			opts:      []fakeaws.Option{seedAccount(&fakeaws.Role{Name: "r"}), fakeaws.WithThrottleRate(1)},
			want:      iamsweep.ErrThrottled,
			wantCode:  "Throttling",
			wantCalls: 10, // RetryOptions' default MaxAttempts
		},
		{
			name:      "access denied",
			opts:      []fakeaws.Option{seedAccount(&fakeaws.Role{Name: "r"}), fakeaws.WithFault("", gaadAction, -1, 403, "AccessDenied", "User: arn:aws:iam::123456789012:user/x is not authorized to perform: iam:GetAccountAuthorizationDetails")},
			want:      iamsweep.ErrAccessDenied,
			wantCode:  "AccessDenied",
			wantCalls: 1,
		},
		{
			name:      "unknown credentials",
			opts:      nil, // no account: every key is unknown
			want:      iamsweep.ErrNoCredentials,
			wantCode:  "InvalidClientTokenId",
			wantCalls: 1,
		},
		{
			name:      "expired token",
			opts:      []fakeaws.Option{seedAccount(&fakeaws.Role{Name: "r"}), fakeaws.WithFault("", gaadAction, -1, 403, "ExpiredToken", "The security token included in the request is expired")},
			want:      iamsweep.ErrNoCredentials,
			wantCode:  "ExpiredToken",
			wantCalls: 1,
		},
		{
			name:      "service failure after every retry",
			opts:      []fakeaws.Option{seedAccount(&fakeaws.Role{Name: "r"}), fakeaws.WithFault("", gaadAction, -1, 500, "ServiceFailure", "Internal failure")},
			wantCode:  "ServiceFailure",
			wantCalls: 10,
		},
	}
	domain := []error{iamsweep.ErrAccessDenied, iamsweep.ErrNotFound, iamsweep.ErrDeleteConflict, iamsweep.ErrThrottled, iamsweep.ErrNoCredentials}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeaws.New(t, tt.opts...)
			got, err := collectRoles(t.Context(), testClient(t, srv))
			if err == nil {
				t.Fatalf("Roles succeeded with %d roles, want an error", len(got))
			}
			for _, d := range domain {
				if errors.Is(err, d) != (d == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, d, !(d == tt.want))
				}
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.wantCode {
				t.Errorf("error %v does not carry the AWS error code %s", err, tt.wantCode)
			}
			if n := srv.CallCount(gaadAction); n != tt.wantCalls {
				t.Errorf("%d calls, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestClient_RolesCallbackError(t *testing.T) {
	seed := manyRoles(testAccountID, 100)
	srv := fakeaws.New(t, fakeaws.WithAccounts(seed), fakeaws.WithMaxPageItems(1))
	errStop := errors.New("stop here")
	var seen []string
	err := testClient(t, srv).Roles(t.Context(), func(r iamsweep.Role) error {
		seen = append(seen, r.Name)
		if len(seen) == 3 {
			return errStop
		}
		return nil
	})
	if err != errStop {
		t.Errorf("Roles returned %v, want the callback's error unchanged", err)
	}
	if diff := cmp.Diff(seededNames(seed)[:3], seen); diff != "" {
		t.Errorf("roles passed to fn (-want +got):\n%s", diff)
	}
	// The scan stops: a few pages may be in flight, not the 100 of the
	// account.
	if n := srv.CallCount(gaadAction); n > 8 {
		t.Errorf("%d calls after fn failed on the third role; the scan did not stop", n)
	}
}

func TestClient_RolesContextCanceled(t *testing.T) {
	t.Run("before the scan", func(t *testing.T) {
		srv := fakeaws.New(t, seedAccount(&fakeaws.Role{Name: "r"}))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		got, err := collectRoles(ctx, testClient(t, srv))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Roles returned %v, want context.Canceled", err)
		}
		if len(got) != 0 || len(srv.Calls()) != 0 {
			t.Errorf("%d roles read and %d calls made with a canceled context", len(got), len(srv.Calls()))
		}
	})

	t.Run("during a call", func(t *testing.T) {
		// The fake would answer in an hour; only cancellation can end the
		// call.
		srv := fakeaws.New(t, seedAccount(&fakeaws.Role{Name: "r"}), fakeaws.WithLatency(time.Hour))
		sent := make(chan struct{})
		var once sync.Once
		rec := &formRecorder{sent: func() { once.Do(func() { close(sent) }) }}
		c := recordingClient(t, srv, rec)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		done := make(chan error, 1)
		go func() {
			_, err := collectRoles(ctx, c)
			done <- err
		}()
		<-sent
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Roles returned %v, want context.Canceled", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Roles did not return within 30 s of the cancellation")
		}
	})

	t.Run("between pages", func(t *testing.T) {
		seed := manyRoles(testAccountID, 20)
		srv := fakeaws.New(t, fakeaws.WithAccounts(seed), fakeaws.WithMaxPageItems(1))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		n := 0
		err := testClient(t, srv).Roles(ctx, func(iamsweep.Role) error {
			if n++; n == 1 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Roles returned %v, want context.Canceled", err)
		}
		if n == len(seed.Roles) {
			t.Errorf("all %d roles were read after the cancellation", n)
		}
	})
}

func TestClient_RolesDecodesPoliciesOnce(t *testing.T) {
	// Values that change when URL-decoded a second time, or when '+' is
	// taken for a space.
	values := []string{"a+b", "100%", "%41", "%2B", "50%+off %zz", "a%20b"}
	conds, _ := json.Marshal(map[string]any{"StringEquals": map[string]any{"aws:PrincipalTag/k": values}})
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/100%%+1","Condition":%s}]}`, conds)
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":%s}]}`, conds)
	srv := fakeaws.New(t, seedAccount(&fakeaws.Role{Name: "r", TrustPolicy: trust, Inline: []fakeaws.InlinePolicy{{Name: "p", Document: doc}}}))
	got, err := collectRoles(t.Context(), testClient(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].TrustPolicy == nil || len(got[0].InlinePolicies) != 1 {
		t.Fatalf("roles %+v, want one with a trust and an inline policy", got)
	}
	wantCond := []iamsweep.Condition{{Operator: "StringEquals", Key: "aws:PrincipalTag/k", Values: values}}
	if diff := cmp.Diff(wantCond, got[0].TrustPolicy.Statements[0].Conditions); diff != "" {
		t.Errorf("trust policy conditions (-want +got):\n%s", diff)
	}
	inline := got[0].InlinePolicies[0].Document.Statements[0]
	if diff := cmp.Diff(wantCond, inline.Conditions); diff != "" {
		t.Errorf("inline policy conditions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"arn:aws:s3:::b/100%+1"}, inline.Resources); diff != "" {
		t.Errorf("inline policy resources (-want +got):\n%s", diff)
	}
}

func TestClient_RolesUnreadablePolicy(t *testing.T) {
	srv := fakeaws.New(t, seedAccount(
		&fakeaws.Role{Name: "broken", TrustPolicy: "not json {", Inline: []fakeaws.InlinePolicy{
			{Name: "cut", Document: `{"Version": "2012-10-17", "Statement": [`},
			{Name: "fine", Document: `{"Version":"2012-10-17","Statement":[]}`},
		}},
	))
	var logs bytes.Buffer
	c := New(testConfig(srv), slog.New(slog.NewJSONHandler(&logs, nil)))
	got, err := collectRoles(t.Context(), c)
	if err != nil {
		t.Fatalf("Roles failed on an unreadable policy: %v", err)
	}
	want := []iamsweep.Role{{
		AccountID: testAccountID,
		ARN:       "arn:aws:iam::123456789012:role/broken",
		ID:        srv.Account(testAccountID).Roles[0].ID,
		Name:      "broken",
		Path:      "/",
		Created:   time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		InlinePolicies: []iamsweep.InlinePolicy{
			{Name: "cut"},
			{Name: "fine", Document: iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{}}},
		},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}

	type record struct {
		Level        string `json:"level"`
		Msg          string `json:"msg"`
		PrincipalARN string `json:"principal_arn"`
		Policy       string `json:"policy"`
		PolicyName   string `json:"policy_name"`
		Err          string `json:"err"`
	}
	var records []record
	dec := json.NewDecoder(&logs)
	for dec.More() {
		var r record
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("log output is not JSON lines: %v", err)
		}
		if r.Err == "" {
			t.Errorf("log record %+v does not say what is wrong", r)
		}
		r.Err = ""
		records = append(records, r)
	}
	wantLogs := []record{
		{Level: "WARN", Msg: "unreadable policy document", PrincipalARN: "arn:aws:iam::123456789012:role/broken", Policy: "trust policy"},
		{Level: "WARN", Msg: "unreadable policy document", PrincipalARN: "arn:aws:iam::123456789012:role/broken", Policy: "inline policy", PolicyName: "cut"},
	}
	if diff := cmp.Diff(wantLogs, records); diff != "" {
		t.Errorf("log records (-want +got):\n%s", diff)
	}
}

func TestNewRetryer(t *testing.T) {
	throttled := &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
	tests := []struct {
		name string
		opts RetryOptions
		// wantLimited: after a run of throttles the client-side rate
		// limiter holds the next attempt back.
		wantLimited bool
		wantMax     int
	}{
		{name: "default", opts: RetryOptions{}, wantLimited: true, wantMax: 10},
		{name: "no backoff", opts: RetryOptions{NoBackoff: true, MaxAttempts: 4}, wantMax: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := NewRetryer(tt.opts)().(aws.RetryerV2)
			if !ok {
				t.Fatal("retryer does not implement aws.RetryerV2")
			}
			if got := r.MaxAttempts(); got != tt.wantMax {
				t.Errorf("MaxAttempts = %d, want %d", got, tt.wantMax)
			}
			if !r.IsErrorRetryable(throttled) {
				t.Error("Throttling is not retried")
			}
			if d, err := r.RetryDelay(3, throttled); err != nil || (d == 0) == tt.wantLimited {
				t.Errorf("RetryDelay = %v, %v; want a delay %v", d, err, tt.wantLimited)
			}
			// With a canceled context, an attempt the limiter holds back
			// fails at once instead of sleeping.
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			limited := false
			for i := 0; i < 20 && !limited; i++ {
				release, err := r.GetAttemptToken(ctx)
				if err != nil {
					limited = true
					break
				}
				_ = release(throttled)
			}
			if limited != tt.wantLimited {
				t.Errorf("attempts held back after a run of throttles: %v, want %v", limited, tt.wantLimited)
			}
		})
	}
}
