package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// principalsAccount is an account of roles and users; every fifth user
// holds an active access key. It returns the number of those users.
func principalsAccount(roles, users int) (*fakeaws.Account, int) {
	acct := manyRoles(testAccountID, roles)
	withKey := 0
	for i := 0; i < users; i++ {
		u := &fakeaws.User{Name: fmt.Sprintf("user-%05d", i), Created: usersBase, Groups: []string{"staff"}}
		if i%5 == 0 {
			u.AccessKeys = []*fakeaws.AccessKey{{Created: usersBase}}
			withKey++
		}
		acct.Users = append(acct.Users, u)
	}
	return acct, withKey
}

// TestClient_Calls pins the API calls of a scan, the figure CI gates on:
// ceil(N/1000) GetAccountAuthorizationDetails pages for the N principals
// read (roles and users in one listing), one credential report read when
// IAM holds a fresh one, one ListAccessKeys per user with an active key
// (none with NoKeyIDs), and nothing per role.
func TestClient_Calls(t *testing.T) {
	const roles, users = 1100, 150
	acct, withKey := principalsAccount(roles, users)
	pages := func(n int) int { return int(math.Ceil(float64(n) / PageSize)) }
	tests := []struct {
		name       string
		read       func(context.Context, *Client) error
		noKeyIDs   bool
		wantFilter string // of every GetAccountAuthorizationDetails request
		want       map[string]int
	}{
		{
			name:       "roles and users",
			read:       func(ctx context.Context, c *Client) error { return c.Principals(ctx, discardRole, discardUser) },
			wantFilter: "Role,User",
			want:       map[string]int{gaadAction: pages(roles + users), "GetCredentialReport": 1, "ListAccessKeys": withKey},
		},
		{
			name:       "roles and users without key IDs",
			read:       func(ctx context.Context, c *Client) error { return c.Principals(ctx, discardRole, discardUser) },
			noKeyIDs:   true,
			wantFilter: "Role,User",
			want:       map[string]int{gaadAction: pages(roles + users), "GetCredentialReport": 1},
		},
		{
			// No credential report, no access keys.
			name:       "roles alone",
			read:       func(ctx context.Context, c *Client) error { return c.Principals(ctx, discardRole, nil) },
			wantFilter: "Role",
			want:       map[string]int{gaadAction: pages(roles)},
		},
		{
			name:       "users alone",
			read:       func(ctx context.Context, c *Client) error { return c.Users(ctx, discardUser) },
			wantFilter: "User",
			want:       map[string]int{gaadAction: pages(users), "GetCredentialReport": 1, "ListAccessKeys": withKey},
		},
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithReportGenerated())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetCalls()
			rec := &formRecorder{}
			cfg := testConfig(srv)
			rec.next = cfg.HTTPClient
			cfg.HTTPClient = rec
			c := New(cfg, quietLogger(), Options{NoKeyIDs: tt.noKeyIDs})
			if err := tt.read(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, call := range srv.Calls() {
				got[call.Action]++
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			for _, f := range rec.Forms() {
				if f.Get("Action") != gaadAction {
					continue
				}
				filter := f.Get("Filter.member.1")
				if f.Has("Filter.member.2") {
					filter += "," + f.Get("Filter.member.2")
				}
				if filter != tt.wantFilter || f.Has("Filter.member.3") || f.Get("MaxItems") != "1000" {
					t.Errorf("GetAccountAuthorizationDetails with Filter %s MaxItems %s; want Filter %s, MaxItems 1000", filter, f.Get("MaxItems"), tt.wantFilter)
				}
			}
		})
	}
}

func discardRole(iamsweep.Role) error { return nil }
func discardUser(iamsweep.User) error { return nil }

// TestClient_PrincipalsReadsBoth checks that one listing gives every role
// and every user, joined with the credential report, and shares the
// parsed documents of equal texts.
func TestClient_PrincipalsReadsBoth(t *testing.T) {
	acct, _ := principalsAccount(30, 12)
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithMaxPageItems(7), fakeaws.WithReportDelay(0))
	var roles []iamsweep.Role
	var users []iamsweep.User
	err := testClient(t, srv).Principals(t.Context(),
		func(r iamsweep.Role) error { roles = append(roles, r); return nil },
		func(u iamsweep.User) error { users = append(users, u); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 30 || len(users) != 13 { // and the root user
		t.Fatalf("%d roles and %d users, want 30 and 13", len(roles), len(users))
	}
	for _, u := range users {
		if !u.Root && (!u.HasDetails || !u.HasCredentials || u.ID == "" || len(u.Groups) != 1) {
			t.Errorf("user %s not joined from both sources: %+v", u.Name, u)
		}
	}
	if roles[0].TrustPolicy == nil || roles[0].TrustPolicy != roles[1].TrustPolicy {
		t.Error("two roles with the same trust policy text do not share its parsed document")
	}
	if n := srv.CallCount(gaadAction); n != int(math.Ceil(42.0/7)) {
		t.Errorf("%d GetAccountAuthorizationDetails calls, want 6 (42 principals, 7 a page)", n)
	}
}

// completions is an HTTP client that closes done once n responses to
// GetAccountAuthorizationDetails have arrived.
type completions struct {
	next aws.HTTPClient
	n    int
	done chan struct{}

	mu   sync.Mutex
	seen int
}

func (c *completions) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := c.next.Do(req)
	if err == nil && bytes.Contains(body, []byte("Action="+gaadAction)) {
		c.mu.Lock()
		if c.seen++; c.seen == c.n {
			close(c.done)
		}
		c.mu.Unlock()
	}
	return resp, err
}

// TestClient_ColdReportOverlaps checks that the first scan of an account,
// which finds no credential report, has IAM build it while the roles and
// users are read, polling from a short first wait. The clock is the test's:
// the first wait lasts until every page of the listing has arrived, so the
// order of the calls shows the overlap without timing anything.
func TestClient_ColdReportOverlaps(t *testing.T) {
	acct, _ := principalsAccount(30, 10) // 40 principals: 4 pages of 10
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithMaxPageItems(10), fakeaws.WithReportDelay(2))
	cfg := testConfig(srv)
	listed := &completions{next: cfg.HTTPClient, n: 4, done: make(chan struct{})}
	cfg.HTTPClient = listed
	c := New(cfg, quietLogger()) // the default first wait
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		select {
		case <-listed.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := c.Principals(ctx, discardRole, discardUser); err != nil {
		t.Fatal(err)
	}
	// No report: GetCredentialReport fails, GenerateCredentialReport
	// starts one (STARTED), then answers INPROGRESS once and COMPLETE.
	if diff := cmp.Diff([]time.Duration{500 * time.Millisecond, time.Second}, waits); diff != "" {
		t.Errorf("waits between polls (-want +got):\n%s", diff)
	}
	var order []string
	for _, call := range srv.Calls() {
		if call.Action != "ListAccessKeys" {
			order = append(order, call.Action+" "+call.ErrorCode)
		}
	}
	// The report is asked for and started, the listing runs while IAM
	// builds it, and the report is read once it is complete.
	want := []string{"GetCredentialReport ReportNotPresent", "GenerateCredentialReport ", gaadAction + " ", gaadAction + " ", gaadAction + " ", gaadAction + " ",
		"GenerateCredentialReport ", "GenerateCredentialReport ", "GetCredentialReport "}
	// (Had the listing waited for the report, the first wait would never
	// end; the test's deadline would.)
	if diff := cmp.Diff(want, normalizeStart(order)); diff != "" {
		t.Errorf("calls in order (-want +got):\n%s", diff)
	}
}

// normalizeStart moves listing pages that went out before the report was
// started (GetCredentialReport, GenerateCredentialReport) after it: the
// first requests of the two leave at the same time, in either order.
func normalizeStart(order []string) []string {
	var head, pages []string
	rest := order
	for len(rest) > 0 && len(head) < 2 {
		if strings.HasPrefix(rest[0], gaadAction) {
			pages = append(pages, rest[0])
		} else {
			head = append(head, rest[0])
		}
		rest = rest[1:]
	}
	return append(append(head, pages...), rest...)
}

// closedPort returns the address of a port on 127.0.0.1 that nothing
// listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// dialCounter is an HTTP client whose connections are dialled by dial,
// counted.
func dialCounter(dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*http.Client, *atomic.Int64) {
	var n atomic.Int64
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		return dial(ctx, network, addr)
	}}
	return &http.Client{Transport: tr}, &n
}

// TestClient_Unreachable checks that an endpoint that cannot be reached
// fails the first call at once, with an error that names the endpoint,
// where ten attempts with backoff used to take two minutes.
func TestClient_Unreachable(t *testing.T) {
	refused := closedPort(t)
	notFound := func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "iam.example.invalid", IsNotFound: true}}
	}
	serverFailure := func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", Name: "iam.example.invalid", IsTemporary: true}}
	}
	var d net.Dialer
	tests := []struct {
		name     string
		endpoint string
		dial     func(ctx context.Context, network, addr string) (net.Conn, error)
		want     string
		wantIs   error
	}{
		{name: "connection refused", endpoint: "http://" + refused, dial: d.DialContext,
			want: "cannot reach http://" + refused + ": connection refused (nothing listens there)", wantIs: syscall.ECONNREFUSED},
		// No real DNS lookup: the dialer answers as the resolver would.
		{name: "host name not found", endpoint: "http://iam.example.invalid", dial: notFound,
			want: "cannot reach http://iam.example.invalid: host name iam.example.invalid does not resolve"},
		{name: "name server failure", endpoint: "http://iam.example.invalid", dial: serverFailure,
			want: "cannot reach http://iam.example.invalid: host name iam.example.invalid could not be resolved: server misbehaving"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc, dials := dialCounter(tt.dial)
			c := New(aws.Config{
				Region:       "us-east-1",
				Credentials:  credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKEFAKE", "secret", ""),
				BaseEndpoint: aws.String(tt.endpoint),
				HTTPClient:   hc,
				// Backoff as in production, but short: a retried error
				// shows as more dials, not as a slow test.
				Retryer: NewRetryer(RetryOptions{MaxBackoff: time.Millisecond}),
			}, quietLogger())
			err := c.Roles(t.Context(), discardRole)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err %v does not wrap %v", err, tt.wantIs)
			}
			if n := dials.Load(); n != 1 {
				t.Errorf("%d dials, want 1: an unreachable endpoint is not retried", n)
			}
			// The whole scan: each of its first calls fails once.
			dials.Store(0)
			if err := c.Principals(t.Context(), discardRole, discardUser); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Principals: err = %v, want one containing %q", err, tt.want)
			}
			if n := dials.Load(); n > 2 {
				t.Errorf("Principals: %d dials, want at most 2 (the listing and the credential report, once each)", n)
			}
		})
	}
}

// TestLogRetries checks that a call retried again and again says so on
// the log: each retry at level debug, and once at level warn when the
// third attempt starts.
func TestLogRetries(t *testing.T) {
	type record struct {
		Level, Msg, Op string
		Attempt        int
		Err            string
	}
	for _, failures := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d failures", failures), func(t *testing.T) {
			srv := fakeaws.New(t, seedAccount(&fakeaws.Role{Name: "r"}),
				fakeaws.WithFault("", gaadAction, failures, 500, "ServiceFailure", "Internal failure"))
			var logs bytes.Buffer
			c := New(testConfig(srv), slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
			if err := c.Roles(t.Context(), discardRole); err != nil {
				t.Fatal(err)
			}
			var got []record
			dec := json.NewDecoder(&logs)
			for dec.More() {
				var r record
				if err := dec.Decode(&r); err != nil {
					t.Fatal(err)
				}
				if r.Msg != "AWS call retried" {
					continue
				}
				if !strings.Contains(r.Err, "ServiceFailure") {
					t.Errorf("record %+v does not carry the last error", r)
				}
				r.Err = ""
				got = append(got, r)
			}
			var want []record
			for attempt := 2; attempt <= failures+1; attempt++ {
				level := "DEBUG"
				if attempt == 3 {
					level = "WARN"
				}
				want = append(want, record{Level: level, Msg: "AWS call retried", Op: "IAM GetAccountAuthorizationDetails", Attempt: attempt})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("retry records (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClient_OwnBodies checks that a client's calls to an endpoint on the
// same machine are answered on the first attempt, through a plain HTTP
// client (not the fake's, which hands net/http bodies of its own too).
func TestClient_OwnBodies(t *testing.T) {
	// Pages of 50 roles (55 KB): the race is lost while a response is read.
	srv := fakeaws.New(t, fakeaws.WithAccounts(manyRoles(testAccountID, 200)), fakeaws.WithMaxPageItems(50))
	cfg := testConfig(srv)
	cfg.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	cfg.Retryer = NewRetryer(RetryOptions{MaxAttempts: 1})
	c := New(cfg, quietLogger())
	for i := 0; i < 10; i++ {
		if err := c.Roles(t.Context(), discardRole); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
}
