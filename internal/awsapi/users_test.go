package awsapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

var usersBase = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

// userAccount is an account with users in every credential state.
func userAccount() *fakeaws.Account {
	return &fakeaws.Account{
		ID:      testAccountID,
		Created: usersBase.AddDate(-2, 0, 0),
		RootKeys: []*fakeaws.AccessKey{{ID: "AKIAROOTKEY000000001", Created: usersBase.AddDate(-1, 0, 0),
			LastUsed: usersBase.AddDate(0, 1, 0), LastUsedRegion: "us-east-1", LastUsedService: "iam"}},
		Users: []*fakeaws.User{
			{Name: "alice", Path: "/dev/", Created: usersBase, Groups: []string{"developers"},
				Tags:     []fakeaws.Tag{{Key: "owner", Value: "alice@example.com"}},
				Inline:   []fakeaws.InlinePolicy{{Name: "s3", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`}},
				Attached: []fakeaws.AttachedPolicy{{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
				Boundary: "arn:aws:iam::123456789012:policy/boundary",
				Password: &fakeaws.LoginProfile{Created: usersBase, LastUsed: usersBase.AddDate(0, 2, 0)},
				MFA:      true,
				AccessKeys: []*fakeaws.AccessKey{
					{ID: "AKIAALICE00000000001", Created: usersBase.Add(time.Hour), LastUsed: usersBase.AddDate(0, 3, 0), LastUsedRegion: "eu-west-1", LastUsedService: "s3"},
					{ID: "AKIAALICE00000000002", Inactive: true, Created: usersBase.Add(2 * time.Hour)},
				}},
			{Name: "bob", Created: usersBase, Password: &fakeaws.LoginProfile{Created: usersBase}},
			{Name: "carol", Created: usersBase, AccessKeys: []*fakeaws.AccessKey{{ID: "AKIACAROL00000000001", Inactive: true, Created: usersBase}}},
		},
	}
}

func collectUsers(ctx context.Context, c *Client) ([]iamsweep.User, error) {
	var out []iamsweep.User
	err := c.Users(ctx, func(u iamsweep.User) error {
		out = append(out, u)
		return nil
	})
	return out, err
}

func TestClient_Users(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(userAccount()), fakeaws.WithReportDelay(3))
	got, err := collectUsers(t.Context(), testClient(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	acct := "arn:aws:iam::" + testAccountID
	want := []iamsweep.User{
		{AccountID: testAccountID, ARN: acct + ":root", Name: "<root_account>", Root: true, Created: usersBase.AddDate(-2, 0, 0),
			HasCredentials: true, MFAActive: true,
			AccessKeys: []iamsweep.AccessKey{{Slot: 1, Active: true, Created: usersBase.AddDate(-1, 0, 0),
				LastUsed: iamsweep.Usage{Time: usersBase.AddDate(0, 1, 0), Region: "us-east-1"}, LastUsedService: "iam"}}},
		{AccountID: testAccountID, ARN: acct + ":user/dev/alice", ID: userID(srv, "alice"), Name: "alice", Path: "/dev/",
			Created: usersBase, HasDetails: true, HasCredentials: true, MFAActive: true,
			Groups:              []string{"developers"},
			Tags:                []iamsweep.Tag{{Key: "owner", Value: "alice@example.com"}},
			InlinePolicies:      []iamsweep.InlinePolicy{{Name: "s3", Document: iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"*"}}}}}},
			AttachedPolicies:    []iamsweep.AttachedPolicy{{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			PermissionsBoundary: "arn:aws:iam::123456789012:policy/boundary",
			Password:            &iamsweep.Password{LastChanged: usersBase, LastUsed: usersBase.AddDate(0, 2, 0)},
			AccessKeys: []iamsweep.AccessKey{
				{Slot: 1, ID: "AKIAALICE00000000001", Active: true, Created: usersBase.Add(time.Hour),
					LastUsed: iamsweep.Usage{Time: usersBase.AddDate(0, 3, 0), Region: "eu-west-1"}, LastUsedService: "s3"},
				{Slot: 2, ID: "AKIAALICE00000000002", Created: usersBase.Add(2 * time.Hour)},
			}},
		{AccountID: testAccountID, ARN: acct + ":user/bob", ID: userID(srv, "bob"), Name: "bob", Path: "/", Created: usersBase,
			HasDetails: true, HasCredentials: true, Password: &iamsweep.Password{LastChanged: usersBase}},
		// Only inactive keys: no lookup, so no ID.
		{AccountID: testAccountID, ARN: acct + ":user/carol", ID: userID(srv, "carol"), Name: "carol", Path: "/", Created: usersBase,
			HasDetails: true, HasCredentials: true, AccessKeys: []iamsweep.AccessKey{{Slot: 1, Created: usersBase}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Users mismatch (-want +got):\n%s", diff)
	}
	// No report at first (GetCredentialReport: ReportNotPresent), so one is
	// generated: STARTED, then 3 more GenerateCredentialReport calls to
	// COMPLETE, then read. One ListAccessKeys for alice, the only user with
	// an active key.
	for action, n := range map[string]int{"GenerateCredentialReport": 4, "GetCredentialReport": 2, "GetAccountAuthorizationDetails": 1, "ListAccessKeys": 1} {
		if got := srv.CallCount(action); got != n {
			t.Errorf("%d %s calls, want %d", got, action, n)
		}
	}
}

// userID is the ID the fake gave a user.
func userID(srv *fakeaws.Server, name string) string {
	for _, u := range srv.Account(testAccountID).Users {
		if u.Name == name {
			return u.ID
		}
	}
	return ""
}

func TestClient_UsersNoKeyIDs(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(userAccount()), fakeaws.WithReportDelay(0))
	c := New(testConfig(srv), quietLogger(), Options{NoKeyIDs: true})
	got, err := collectUsers(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range got {
		for _, k := range u.AccessKeys {
			if k.ID != "" {
				t.Errorf("%s slot %d has ID %s with NoKeyIDs", u.Name, k.Slot, k.ID)
			}
		}
	}
	if n := srv.CallCount("ListAccessKeys"); n != 0 {
		t.Errorf("%d ListAccessKeys calls with NoKeyIDs, want 0", n)
	}
}

func TestClient_UsersReport(t *testing.T) {
	tests := []struct {
		name    string
		opts    []fakeaws.Option
		want    string // error substring; "" for success
		wantGen int    // GenerateCredentialReport calls
		wantGet int    // GetCredentialReport calls
	}{
		{name: "no report yet: generated at once", opts: []fakeaws.Option{fakeaws.WithReportDelay(0)}, wantGen: 1, wantGet: 2},
		{name: "a fresh report: read at once", opts: []fakeaws.Option{fakeaws.WithReportDelay(0), withFreshReport()}, wantGen: 0, wantGet: 1},
		{name: "report gone after generating", opts: []fakeaws.Option{fakeaws.WithReportDelay(0),
			fakeaws.WithFault("", "GetCredentialReport", 2, 410, "ReportNotPresent", "Credential report not present.")}, wantGen: 2, wantGet: 3},
		{name: "report expired", opts: []fakeaws.Option{fakeaws.WithReportDelay(0),
			fakeaws.WithFault("", "GetCredentialReport", 1, 410, "ReportExpired", "Credential report is expired.")}, wantGen: 1, wantGet: 2},
		{name: "report still building on read", opts: []fakeaws.Option{fakeaws.WithReportDelay(0),
			fakeaws.WithFault("", "GetCredentialReport", 2, 404, "ReportInProgress", "Credential report is still being generated.")}, wantGen: 2, wantGet: 3},
		{name: "access denied", opts: []fakeaws.Option{fakeaws.WithFault("", "GenerateCredentialReport", -1, 403, "AccessDenied", "not authorized")},
			want: "read credential report (GenerateCredentialReport): access denied"},
		{name: "keys listing denied", opts: []fakeaws.Option{fakeaws.WithReportDelay(0), fakeaws.WithFault("", "ListAccessKeys", -1, 403, "AccessDenied", "not authorized")},
			want: "grant iam:ListAccessKeys, or scan with --no-key-ids"},
		{name: "user deleted since the report", opts: []fakeaws.Option{fakeaws.WithReportDelay(0),
			fakeaws.WithFault("", "ListAccessKeys", -1, 404, "NoSuchEntity", "The user with name alice cannot be found.")}, wantGen: 1, wantGet: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeaws.New(t, append([]fakeaws.Option{fakeaws.WithAccounts(userAccount())}, tt.opts...)...)
			users, err := collectUsers(t.Context(), testClient(t, srv))
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(users) != 4 {
				t.Errorf("%d users, want 4", len(users))
			}
			if n := srv.CallCount("GenerateCredentialReport"); n != tt.wantGen {
				t.Errorf("%d GenerateCredentialReport calls, want %d", n, tt.wantGen)
			}
			if n := srv.CallCount("GetCredentialReport"); n != tt.wantGet {
				t.Errorf("%d GetCredentialReport calls, want %d", n, tt.wantGet)
			}
		})
	}
}

func TestClient_UsersReportTimeout(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(userAccount()), fakeaws.WithReportDelay(1_000_000))
	c := New(testConfig(srv), quietLogger(), Options{ReportPoll: time.Millisecond, ReportTimeout: 50 * time.Millisecond})
	_, err := collectUsers(t.Context(), c)
	if err == nil || !strings.Contains(err.Error(), "IAM had not finished it after 50ms") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a timeout naming the wait", err)
	}
}

func TestClient_UsersCallbackError(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(userAccount()), fakeaws.WithReportDelay(0))
	stop := errors.New("stop")
	n := 0
	err := testClient(t, srv).Users(t.Context(), func(iamsweep.User) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err = %v after %d users, want the callback's error after 1", err, n)
	}
}

func TestClient_UsersManyPages(t *testing.T) {
	acct := &fakeaws.Account{ID: testAccountID}
	for i := 0; i < 2300; i++ {
		u := &fakeaws.User{Name: fmt.Sprintf("user-%04d", i), Created: usersBase}
		if i%10 == 0 {
			u.AccessKeys = []*fakeaws.AccessKey{{Created: usersBase}}
		}
		acct.Users = append(acct.Users, u)
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithReportDelay(0))
	users, err := collectUsers(t.Context(), testClient(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2301 { // and the root user
		t.Fatalf("%d users, want 2301", len(users))
	}
	keys := 0
	for _, u := range users {
		for _, k := range u.AccessKeys {
			if k.ID == "" {
				t.Fatalf("%s: key without ID", u.Name)
			}
			keys++
		}
	}
	if keys != 230 {
		t.Errorf("%d keys, want 230", keys)
	}
	for action, n := range map[string]int{"GetAccountAuthorizationDetails": 3, "ListAccessKeys": 230, "GenerateCredentialReport": 1, "GetCredentialReport": 2} {
		if got := srv.CallCount(action); got != n {
			t.Errorf("%d %s calls, want %d", got, action, n)
		}
	}
}

// withFreshReport seeds the account's credential report as if generated a
// minute before: the scan then reads it without generating one.
func withFreshReport() fakeaws.Option { return fakeaws.WithReportGenerated() }
