package fakeaws_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	accountA = "111111111111"
	accountB = "222222222222"
	// keyA is not known to the fake: it acts in the default account.
	keyA = "AKIAAAAAAAAAAAAAAAAA"
	keyB = "AKIABBBBBBBBBBBBBBBB"
	gaad = "GetAccountAuthorizationDetails"
)

// iamClient returns the real SDK IAM client, sending to srv, signed with
// accessKeyID, and making exactly one attempt per call so that tests see the
// fake's errors as they are.
func iamClient(srv *fakeaws.Server, accessKeyID string) *iam.Client {
	return iam.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 1 })
		},
	})
}

// numbered returns n roles named role-0000, role-0001, ...
func numbered(n int) []*fakeaws.Role {
	rs := make([]*fakeaws.Role, n)
	for i := range rs {
		rs[i] = &fakeaws.Role{Name: fmt.Sprintf("role-%04d", i)}
	}
	return rs
}

func names(rs []*fakeaws.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

// wireError is what a client learns from an AWS error response.
type wireError struct {
	Code, Message string
	Status        int
}

func errorOf(t *testing.T, err error) wireError {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded, want an error")
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not an AWS API error", err)
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) {
		t.Fatalf("error %v carries no HTTP response", err)
	}
	return wireError{Code: apiErr.ErrorCode(), Message: apiErr.ErrorMessage(), Status: respErr.HTTPStatusCode()}
}

// post sends a form to the fake, SigV4-signed for IAM with accessKeyID, and
// returns the response status and body.
func post(t *testing.T, srv *fakeaws.Server, accessKeyID string, form url.Values) (int, []byte) {
	t.Helper()
	body := form.Encode()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: "secret"}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return do(t, srv, req)
}

func do(t *testing.T, srv *fakeaws.Server, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q, want text/xml", ct)
	}
	return resp.StatusCode, b
}

// errorDocument is the query protocol's error response.
type errorDocument struct {
	XMLName xml.Name `xml:"https://iam.amazonaws.com/doc/2010-05-08/ ErrorResponse"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
}

func parseError(t *testing.T, body []byte) errorDocument {
	t.Helper()
	var e errorDocument
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("error response is not an IAM ErrorResponse document: %v\n%s", err, body)
	}
	return e
}

func TestServer_Unsigned(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(1)}))
	form := url.Values{"Action": {gaad}, "Version": {"2010-05-08"}}.Encode()
	tests := []struct {
		name          string
		authorization string
	}{
		{name: "no Authorization header"},
		{name: "not SigV4", authorization: "Bearer abc"},
		{name: "SigV4 without a credential scope", authorization: "AWS4-HMAC-SHA256 Credential=AKIAX, SignedHeaders=host, Signature=00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader(form))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.authorization != "" {
				req.Header.Set("Authorization", tt.authorization)
			}
			status, body := do(t, srv, req)
			got := parseError(t, body)
			if status != 403 || got.Code != "MissingAuthenticationToken" || got.Type != "Sender" {
				t.Errorf("status %d, error %+v; want 403 MissingAuthenticationToken from the Sender", status, got)
			}
		})
	}

	t.Run("plain http.Post", func(t *testing.T) {
		resp, err := srv.Client().Post(srv.URL, "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got := parseError(t, body); resp.StatusCode != 403 || got.Code != "MissingAuthenticationToken" {
			t.Errorf("status %d, code %q; want 403 MissingAuthenticationToken", resp.StatusCode, got.Code)
		}
	})
}

func TestServer_InvalidAction(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(1)}))
	tests := []struct {
		name       string
		form       url.Values
		wantAction string
	}{
		{name: "unknown action", form: url.Values{"Action": {"NoSuchOperation"}, "Version": {"2010-05-08"}}, wantAction: "NoSuchOperation"},
		{name: "wrong API version", form: url.Values{"Action": {gaad}, "Version": {"2011-01-01"}}, wantAction: gaad},
		{name: "no version", form: url.Values{"Action": {gaad}}, wantAction: gaad},
		{name: "no action", form: url.Values{"Version": {"2010-05-08"}}, wantAction: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetCalls()
			status, body := post(t, srv, keyA, tt.form)
			if got := parseError(t, body); status != 400 || got.Code != "InvalidAction" {
				t.Errorf("status %d, code %q; want 400 InvalidAction", status, got.Code)
			}
			calls := srv.Calls()
			if len(calls) != 1 || calls[0].Action != tt.wantAction || calls[0].ErrorCode != "InvalidAction" || calls[0].Service != "iam" {
				t.Errorf("calls %+v, want one iam %q call that failed with InvalidAction", calls, tt.wantAction)
			}
		})
	}
}

func TestNewServer_Seeding(t *testing.T) {
	tests := []struct {
		name     string
		accounts []*fakeaws.Account
		wantErr  bool
	}{
		{name: "valid", accounts: []*fakeaws.Account{{ID: accountA, Roles: []*fakeaws.Role{{Name: "deploy"}, {Name: "admin"}}}}},
		{name: "same name in two accounts", accounts: []*fakeaws.Account{{ID: accountA, Roles: []*fakeaws.Role{{Name: "deploy"}}}, {ID: accountB, Roles: []*fakeaws.Role{{Name: "deploy"}}}}},
		{name: "duplicate role name", accounts: []*fakeaws.Account{{ID: accountA, Roles: []*fakeaws.Role{{Name: "deploy"}, {Name: "deploy"}}}}, wantErr: true},
		{name: "duplicate role name in another case", accounts: []*fakeaws.Account{{ID: accountA, Roles: []*fakeaws.Role{{Name: "Deploy"}, {Name: "admin"}, {Name: "DEPLOY"}}}}, wantErr: true},
		{name: "duplicate name on another path", accounts: []*fakeaws.Account{{ID: accountA, Roles: []*fakeaws.Role{{Name: "deploy", Path: "/a/"}, {Name: "Deploy", Path: "/b/"}}}}, wantErr: true},
		{name: "role without a name", accounts: []*fakeaws.Account{{ID: accountA, Roles: []*fakeaws.Role{{Path: "/x/"}}}}, wantErr: true},
		{name: "account seeded twice", accounts: []*fakeaws.Account{{ID: accountA}, {ID: accountA}}, wantErr: true},
		{name: "short account ID", accounts: []*fakeaws.Account{{ID: "12345"}}, wantErr: true},
		{name: "account ID not digits", accounts: []*fakeaws.Account{{ID: "abcdefghijkl"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fakeaws.NewServer(fakeaws.WithAccounts(tt.accounts...))
			if (err != nil) != tt.wantErr {
				t.Errorf("NewServer: error %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewServer_SeedDefaults(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: []*fakeaws.Role{
		{Name: "b-role"},
		{Name: "A-role", InstanceProfiles: []fakeaws.InstanceProfile{{Name: "prof"}}},
		{Name: "c-role", Path: "/x/", ID: "AROAFIXEDFIXEDFIXED01"},
	}}))
	roles := srv.Account(accountA).Roles
	if diff := cmp.Diff([]string{"A-role", "b-role", "c-role"}, names(roles)); diff != "" {
		t.Errorf("roles are not sorted by name, case-insensitively (-want +got):\n%s", diff)
	}
	idForm := regexp.MustCompile(`^AROA[A-Z2-7]{17}$`)
	for _, r := range roles[:2] {
		if r.Path != "/" || !idForm.MatchString(r.ID) || r.MaxSessionDuration != 3600 || r.TrustPolicy != fakeaws.DefaultTrustPolicy ||
			!r.Created.Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("role %s seeded with path %q, ID %q, max session %d, created %v, trust %q; want the defaults",
				r.Name, r.Path, r.ID, r.MaxSessionDuration, r.Created, r.TrustPolicy)
		}
	}
	if roles[0].ID == roles[1].ID {
		t.Errorf("two roles got the same ID %s", roles[0].ID)
	}
	if r := roles[2]; r.Path != "/x/" || r.ID != "AROAFIXEDFIXEDFIXED01" {
		t.Errorf("seeded path and ID were overwritten: %q %q", r.Path, r.ID)
	}
	p := roles[0].InstanceProfiles[0]
	if p.Path != "/" || !regexp.MustCompile(`^AIPA[A-Z2-7]{17}$`).MatchString(p.ID) || !p.Created.Equal(roles[0].Created) {
		t.Errorf("instance profile seeded as %+v; want path /, an AIPA ID and the role's creation time", p)
	}

	// IDs are stable: the same seed gives the same IDs.
	again := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: []*fakeaws.Role{{Name: "b-role"}}}))
	if got := again.Account(accountA).Roles[0].ID; got != roles[1].ID {
		t.Errorf("role ID %s on a second seeding, %s on the first", got, roles[1].ID)
	}
}
