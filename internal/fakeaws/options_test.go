package fakeaws_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

func TestWithCredentials(t *testing.T) {
	a := &fakeaws.Account{ID: accountA, Roles: []*fakeaws.Role{{Name: "a-role"}}}
	b := &fakeaws.Account{ID: accountB, Roles: []*fakeaws.Role{{Name: "b-role"}}}
	srv := fakeaws.New(t,
		fakeaws.WithAccounts(a, b),
		fakeaws.WithCredentials(keyB, accountB),
		fakeaws.WithCredentials("AKIAGONEGONEGONEGONE", "333333333333"),
	)
	tests := []struct {
		name        string
		key         string
		wantRoles   []string
		wantAccount string
		wantCode    string
	}{
		{name: "mapped key", key: keyB, wantRoles: []string{"b-role"}, wantAccount: accountB},
		{name: "unknown key acts in the first account", key: keyA, wantRoles: []string{"a-role"}, wantAccount: accountA},
		{name: "key of an account that does not exist", key: "AKIAGONEGONEGONEGONE", wantAccount: "333333333333", wantCode: "InvalidClientTokenId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetCalls()
			out, err := iamClient(srv, tt.key).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
			if tt.wantCode != "" {
				if got := errorOf(t, err); got.Code != tt.wantCode || got.Status != 403 {
					t.Errorf("got %+v, want %s (403)", got, tt.wantCode)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.wantRoles, detailNames(out.RoleDetailList)); diff != "" {
					t.Errorf("roles (-want +got):\n%s", diff)
				}
				if arn := aws.ToString(out.RoleDetailList[0].Arn); !strings.Contains(arn, ":"+tt.wantAccount+":") {
					t.Errorf("role ARN %s is not in account %s", arn, tt.wantAccount)
				}
			}
			want := []fakeaws.Call{{Service: "iam", Action: gaad, AccountID: tt.wantAccount, ErrorCode: tt.wantCode}}
			if diff := cmp.Diff(want, srv.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("no account seeded", func(t *testing.T) {
		empty := fakeaws.New(t)
		_, err := iamClient(empty, keyA).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
		if got := errorOf(t, err); got.Code != "InvalidClientTokenId" || got.Status != 403 {
			t.Errorf("got %+v, want InvalidClientTokenId (403)", got)
		}
	})
}

func TestWithThrottleRate(t *testing.T) {
	seed := func() fakeaws.Option { return fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(1)}) }

	t.Run("every call", func(t *testing.T) {
		srv := fakeaws.New(t, seed(), fakeaws.WithThrottleRate(1))
		c := iamClient(srv, keyA)
		for i := 0; i < 5; i++ {
			_, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
			want := wireError{Code: "Throttling", Message: "Rate exceeded", Status: 400}
			if diff := cmp.Diff(want, errorOf(t, err)); diff != "" {
				t.Fatalf("call %d (-want +got):\n%s", i+1, diff)
			}
			// The SDK's retryers must see it as throttling.
			if got := (retry.ThrottleErrorCode{Codes: retry.DefaultThrottleErrorCodes}).IsErrorThrottle(err); got != aws.TrueTernary {
				t.Errorf("SDK does not classify %v as throttling", err)
			}
		}
		for _, call := range srv.Calls() {
			if call.ErrorCode != "Throttling" {
				t.Errorf("call %+v recorded, want ErrorCode Throttling", call)
			}
		}
		if n := srv.CallCount(gaad); n != 5 {
			t.Errorf("%d calls recorded, want 5 (throttled calls count)", n)
		}
	})

	t.Run("half the calls", func(t *testing.T) {
		srv := fakeaws.New(t, seed(), fakeaws.WithThrottleRate(0.5))
		c := iamClient(srv, keyA)
		throttled := 0
		const calls = 200
		for i := 0; i < calls; i++ {
			_, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
			if err != nil {
				if got := errorOf(t, err); got.Code != "Throttling" {
					t.Fatalf("call %d: %+v, want Throttling", i+1, got)
				}
				throttled++
			}
		}
		if throttled < calls*3/10 || throttled > calls*7/10 {
			t.Errorf("%d of %d calls throttled, want about half", throttled, calls)
		}
	})

	t.Run("never", func(t *testing.T) {
		srv := fakeaws.New(t, seed(), fakeaws.WithThrottleRate(0))
		for i := 0; i < 20; i++ {
			if _, err := iamClient(srv, keyA).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil)); err != nil {
				t.Fatal(err)
			}
		}
	})

	for _, bad := range []float64{-0.1, 1.5} {
		t.Run(fmt.Sprintf("rejects %v", bad), func(t *testing.T) {
			if _, err := fakeaws.NewServer(fakeaws.WithThrottleRate(bad)); err == nil {
				t.Errorf("NewServer accepted throttle rate %v", bad)
			}
		})
	}
}

func TestWithRateLimit(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	srv := fakeaws.New(t,
		fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(1)}, &fakeaws.Account{ID: accountB, Roles: numbered(1)}),
		fakeaws.WithCredentials(keyB, accountB),
		fakeaws.WithRateLimit(1, 2), // 1 request per second, bursts of 2
		fakeaws.WithClock(clock),
	)
	steps := []struct {
		advance       time.Duration
		key           string
		wantThrottled bool
	}{
		{key: keyA},                      // burst token 1
		{key: keyA},                      // burst token 2
		{key: keyA, wantThrottled: true}, // bucket empty
		{key: keyB},                      // another account has its own bucket
		{advance: 500 * time.Millisecond, key: keyA, wantThrottled: true}, // half a token
		{advance: 500 * time.Millisecond, key: keyA},                      // refilled to one
		{key: keyA, wantThrottled: true},
		{advance: time.Hour, key: keyA}, // refill is capped at the burst
		{key: keyA},
		{key: keyA, wantThrottled: true},
	}
	for i, st := range steps {
		mu.Lock()
		now = now.Add(st.advance)
		mu.Unlock()
		_, err := iamClient(srv, st.key).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
		if !st.wantThrottled {
			if err != nil {
				t.Errorf("step %d: %v, want success", i+1, err)
			}
			continue
		}
		want := wireError{Code: "Throttling", Message: "Rate exceeded", Status: 400}
		if diff := cmp.Diff(want, errorOf(t, err)); diff != "" {
			t.Errorf("step %d (-want +got):\n%s", i+1, diff)
		}
	}
}

func TestWithFault(t *testing.T) {
	accounts := func() fakeaws.Option {
		return fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(1)}, &fakeaws.Account{ID: accountB, Roles: numbered(1)})
	}
	denied := wireError{Code: "AccessDenied", Message: "User is not authorized", Status: 403}
	tests := []struct {
		name  string
		fault fakeaws.Option
		key   string
		// want is the outcome of consecutive calls: nil for success.
		want []*wireError
	}{
		{
			name:  "next two calls",
			fault: fakeaws.WithFault("", gaad, 2, 403, "AccessDenied", "User is not authorized"),
			key:   keyA,
			want:  []*wireError{&denied, &denied, nil, nil},
		},
		{
			name:  "every call",
			fault: fakeaws.WithFault("", gaad, -1, 403, "AccessDenied", "User is not authorized"),
			key:   keyA,
			want:  []*wireError{&denied, &denied, &denied, &denied},
		},
		{
			name:  "zero calls",
			fault: fakeaws.WithFault("", gaad, 0, 403, "AccessDenied", "User is not authorized"),
			key:   keyA,
			want:  []*wireError{nil, nil},
		},
		{
			name:  "in the faulty account",
			fault: fakeaws.WithFault(accountB, gaad, -1, 403, "AccessDenied", "User is not authorized"),
			key:   keyB,
			want:  []*wireError{&denied, &denied},
		},
		{
			name:  "in another account",
			fault: fakeaws.WithFault(accountB, gaad, -1, 403, "AccessDenied", "User is not authorized"),
			key:   keyA,
			want:  []*wireError{nil, nil},
		},
		{
			name:  "another action",
			fault: fakeaws.WithFault("", "ListRoles", -1, 403, "AccessDenied", "User is not authorized"),
			key:   keyA,
			want:  []*wireError{nil, nil},
		},
		{
			name:  "server error",
			fault: fakeaws.WithFault("", gaad, 1, 500, "ServiceFailure", "Internal failure"),
			key:   keyA,
			want:  []*wireError{{Code: "ServiceFailure", Message: "Internal failure", Status: 500}, nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeaws.New(t, accounts(), fakeaws.WithCredentials(keyB, accountB), tt.fault)
			c := iamClient(srv, tt.key)
			for i, want := range tt.want {
				_, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
				if want == nil {
					if err != nil {
						t.Errorf("call %d: %v, want success", i+1, err)
					}
					continue
				}
				if diff := cmp.Diff(*want, errorOf(t, err)); diff != "" {
					t.Errorf("call %d (-want +got):\n%s", i+1, diff)
				}
			}
		})
	}

	t.Run("error type follows the status", func(t *testing.T) {
		srv := fakeaws.New(t, accounts(),
			fakeaws.WithFault("", gaad, 1, 500, "ServiceFailure", "Internal failure"),
			fakeaws.WithFault("", gaad, 1, 403, "AccessDenied", "denied"))
		for _, want := range []string{"Receiver", "Sender"} {
			status, body := post(t, srv, keyA, url.Values{"Action": {gaad}, "Version": {"2010-05-08"}})
			if got := parseError(t, body); got.Type != want {
				t.Errorf("status %d: error Type %q, want %q", status, got.Type, want)
			}
		}
	})

	t.Run("modelled error", func(t *testing.T) {
		srv := fakeaws.New(t, accounts(), fakeaws.WithFault("", gaad, 1, 500, "ServiceFailure", "Internal failure"))
		_, err := iamClient(srv, keyA).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
		var sf *types.ServiceFailureException
		if !errors.As(err, &sf) {
			t.Errorf("error %v is not the SDK's ServiceFailureException", err)
		}
	})
}

func TestWithLatency(t *testing.T) {
	const latency = 50 * time.Millisecond
	srv := fakeaws.New(t,
		fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(3)}),
		fakeaws.WithLatency(latency),
		fakeaws.WithFault("", gaad, 1, 403, "AccessDenied", "denied"),
	)
	c := iamClient(srv, keyA)
	calls := []struct {
		name    string
		wantErr bool
	}{
		{name: "error response", wantErr: true},
		{name: "success"},
		{name: "another success"},
	}
	for _, call := range calls {
		start := time.Now()
		_, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
		took := time.Since(start)
		if (err != nil) != call.wantErr {
			t.Fatalf("%s: error %v", call.name, err)
		}
		// Only a lower bound: a busy machine may take any time longer.
		if took < latency {
			t.Errorf("%s took %v, want at least %v", call.name, took, latency)
		}
	}
}

func TestWithPageLatency(t *testing.T) {
	const fullPage = 200 * time.Millisecond
	srv := fakeaws.New(t,
		fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(500)}),
		fakeaws.WithPageLatency(fullPage),
	)
	start := time.Now()
	out, err := iamClient(srv, keyA).GetAccountAuthorizationDetails(t.Context(), roleInput(aws.Int32(1000), nil))
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.RoleDetailList) != 500 {
		t.Fatalf("%d roles on the page, want 500", len(out.RoleDetailList))
	}
	// Half a page takes half the latency of a full one; only a lower
	// bound, as a busy machine may take any time longer.
	if took < fullPage/2 {
		t.Errorf("a page of 500 took %v, want at least %v", took, fullPage/2)
	}
}

func TestServer_Calls(t *testing.T) {
	srv := fakeaws.New(t,
		fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(3)}, &fakeaws.Account{ID: accountB}),
		fakeaws.WithCredentials(keyB, accountB),
		fakeaws.WithFault(accountB, gaad, 1, 400, "Throttling", "Rate exceeded"),
	)
	if got := srv.Calls(); len(got) != 0 {
		t.Fatalf("calls before any request: %+v", got)
	}
	a, b := iamClient(srv, keyA), iamClient(srv, keyB)
	for _, c := range []*iam.Client{a, b, b} {
		_, _ = c.GetAccountAuthorizationDetails(t.Context(), roleInput(aws.Int32(1), nil))
	}
	want := []fakeaws.Call{
		{Service: "iam", Action: gaad, AccountID: accountA},
		{Service: "iam", Action: gaad, AccountID: accountB, ErrorCode: "Throttling"},
		{Service: "iam", Action: gaad, AccountID: accountB},
	}
	if diff := cmp.Diff(want, srv.Calls()); diff != "" {
		t.Errorf("Calls (-want +got):\n%s", diff)
	}
	post(t, srv, keyA, url.Values{"Action": {"NoSuchOperation"}, "Version": {"2010-05-08"}})

	counts := map[string]int{gaad: 3, "NoSuchOperation": 1, "ListRoles": 0}
	for action, want := range counts {
		if got := srv.CallCount(action); got != want {
			t.Errorf("CallCount(%q) = %d, want %d", action, got, want)
		}
	}
	if diff := cmp.Diff([]string{"iam:" + gaad, "iam:NoSuchOperation"}, srv.Actions()); diff != "" {
		t.Errorf("Actions (-want +got):\n%s", diff)
	}

	got := srv.Calls()
	got[0].Action = "Tampered"
	if srv.Calls()[0].Action != gaad {
		t.Error("Calls returns the fake's own slice; changing it changed the record")
	}

	srv.ResetCalls()
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls after ResetCalls", n)
	}
	if n := srv.CallCount(gaad); n != 0 {
		t.Errorf("CallCount after ResetCalls = %d", n)
	}
	if got := srv.Actions(); len(got) != 0 {
		t.Errorf("Actions after ResetCalls = %v", got)
	}
	_, _ = a.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
	if diff := cmp.Diff([]fakeaws.Call{{Service: "iam", Action: gaad, AccountID: accountA}}, srv.Calls()); diff != "" {
		t.Errorf("Calls after a reset and one call (-want +got):\n%s", diff)
	}
}

// TestHoldResponsesAfter: the n-th matching call and those after it are
// carried out and never answered while the hold lasts; other calls before
// it are answered, and StopHolding answers again.
func TestHoldResponsesAfter(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: "123456789012", Roles: []*fakeaws.Role{{Name: "a"}, {Name: "b"}}}))
	c := iam.NewFromConfig(aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	})
	holding := srv.HoldResponsesAfter(2, "TagRole")
	tag := func(ctx context.Context, role string) error {
		_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(role), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
		return err
	}
	if err := tag(t.Context(), "a"); err != nil {
		t.Fatalf("first TagRole: %v", err)
	}
	select {
	case <-holding:
		t.Fatal("holding after one call, want after two")
	default:
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if err := tag(ctx, "b"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second TagRole: %v, want no answer until the deadline", err)
	}
	<-holding
	if got := srv.Account("123456789012").Roles[1].Tags; len(got) != 1 {
		t.Errorf("role b tags %v: the held call must still be carried out", got)
	}
	srv.StopHolding()
	if err := tag(t.Context(), "a"); err != nil {
		t.Errorf("TagRole after StopHolding: %v", err)
	}
}

// TestDropResponse: the n-th matching call is carried out and its
// connection closed without an answer; the SDK's retry then meets what
// IAM says to a call made twice (EntityAlreadyExists for a create). The
// calls before and after are answered.
func TestDropResponse(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: "123456789012"}))
	client := func(attempts int) *iam.Client {
		return iam.NewFromConfig(aws.Config{
			Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""),
			BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(),
			Retryer: func() aws.Retryer {
				return retry.NewStandard(func(o *retry.StandardOptions) {
					o.MaxAttempts = attempts
					o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
				})
			},
		})
	}
	create := func(c *iam.Client, name string) error {
		_, err := c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(fakeaws.DefaultTrustPolicy)})
		return err
	}
	dropped := srv.DropResponse(2, "CreateRole")
	if err := create(client(1), "first"); err != nil {
		t.Fatalf("first CreateRole: %v", err)
	}
	// Without retries the caller sees the connection drop.
	if err := create(client(1), "second"); err == nil {
		t.Fatal("second CreateRole answered, want the connection dropped")
	}
	<-dropped
	if n := len(srv.Account("123456789012").Roles); n != 2 {
		t.Fatalf("%d roles, want the dropped call carried out", n)
	}
	if err := create(client(1), "third"); err != nil {
		t.Fatalf("third CreateRole: %v, want only the second dropped", err)
	}

	// With retries, the retry of a dropped create finds the role there.
	srv.DropResponse(1, "CreateRole")
	var ae smithy.APIError
	if err := create(client(3), "fourth"); !errors.As(err, &ae) || ae.ErrorCode() != "EntityAlreadyExists" {
		t.Fatalf("retried CreateRole: %v, want EntityAlreadyExists", err)
	}
}
