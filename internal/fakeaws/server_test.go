package fakeaws_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/policy"
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

func detailNames(ds []types.RoleDetail) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = aws.ToString(d.RoleName)
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

func roleInput(maxItems *int32, marker *string) *iam.GetAccountAuthorizationDetailsInput {
	return &iam.GetAccountAuthorizationDetailsInput{
		Filter:   []types.EntityType{types.EntityTypeRole},
		MaxItems: maxItems,
		Marker:   marker,
	}
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

func TestServer_GetAccountAuthorizationDetailsPagination(t *testing.T) {
	tests := []struct {
		name      string
		roles     int
		maxItems  *int32 // nil sends no MaxItems
		pageItems int    // WithMaxPageItems; 0 for none
		wantPages []int
	}{
		{name: "MaxItems 1", roles: 3, maxItems: aws.Int32(1), wantPages: []int{1, 1, 1}},
		{name: "MaxItems 2", roles: 5, maxItems: aws.Int32(2), wantPages: []int{2, 2, 1}},
		{name: "MaxItems 2 with an exact multiple", roles: 4, maxItems: aws.Int32(2), wantPages: []int{2, 2}},
		{name: "MaxItems 1000", roles: 2500, maxItems: aws.Int32(1000), wantPages: []int{1000, 1000, 500}},
		{name: "default MaxItems is 100", roles: 250, wantPages: []int{100, 100, 50}},
		{name: "fewer roles than a page", roles: 7, wantPages: []int{7}},
		{name: "empty account", roles: 0, maxItems: aws.Int32(1000), wantPages: []int{0}},
		{name: "short pages below MaxItems", roles: 10, maxItems: aws.Int32(1000), pageItems: 3, wantPages: []int{3, 3, 3, 1}},
		{name: "short pages above MaxItems", roles: 5, maxItems: aws.Int32(2), pageItems: 3, wantPages: []int{2, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := numbered(tt.roles)
			opts := []fakeaws.Option{fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: seed})}
			if tt.pageItems > 0 {
				opts = append(opts, fakeaws.WithMaxPageItems(tt.pageItems))
			}
			srv := fakeaws.New(t, opts...)
			c := iamClient(srv, keyA)

			var pages []int
			var got []string
			var marker *string
			for i := 0; i <= len(tt.wantPages); i++ {
				out, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(tt.maxItems, marker))
				if err != nil {
					t.Fatalf("page %d: %v", i+1, err)
				}
				pages = append(pages, len(out.RoleDetailList))
				got = append(got, detailNames(out.RoleDetailList)...)
				if out.IsTruncated != (aws.ToString(out.Marker) != "") {
					t.Errorf("page %d: IsTruncated %v with Marker %q; want a Marker exactly when truncated", i+1, out.IsTruncated, aws.ToString(out.Marker))
				}
				if !out.IsTruncated {
					break
				}
				marker = out.Marker
			}
			if diff := cmp.Diff(tt.wantPages, pages); diff != "" {
				t.Errorf("page sizes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(names(seed), got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("roles over all pages (-want +got):\n%s", diff)
			}
			if n := srv.CallCount(gaad); n != len(tt.wantPages) {
				t.Errorf("%d calls recorded, want %d", n, len(tt.wantPages))
			}
		})
	}
}

func TestServer_GetAccountAuthorizationDetailsPaginator(t *testing.T) {
	seed := numbered(50)
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: seed}), fakeaws.WithMaxPageItems(7))
	p := iam.NewGetAccountAuthorizationDetailsPaginator(iamClient(srv, keyA), roleInput(aws.Int32(1000), nil))
	var got []string
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(out.RoleDetailList) > 7 {
			t.Errorf("page of %d roles, want at most 7", len(out.RoleDetailList))
		}
		got = append(got, detailNames(out.RoleDetailList)...)
	}
	if diff := cmp.Diff(names(seed), got); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	if n := srv.CallCount(gaad); n != 8 {
		t.Errorf("%d calls, want 8 (ceil(50/7))", n)
	}
}

func TestServer_GetAccountAuthorizationDetailsMarker(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(3)}))
	c := iamClient(srv, keyA)

	// A marker from the unfiltered listing (every entity type).
	out, err := c.GetAccountAuthorizationDetails(t.Context(), &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	unfiltered := aws.ToString(out.Marker)
	// A marker from the Role listing.
	out, err = c.GetAccountAuthorizationDetails(t.Context(), roleInput(aws.Int32(1), nil))
	if err != nil {
		t.Fatal(err)
	}
	roleMarker := aws.ToString(out.Marker)
	if unfiltered == "" || roleMarker == "" {
		t.Fatalf("no markers (%q, %q) from truncated pages", unfiltered, roleMarker)
	}

	t.Run("same listing with another MaxItems", func(t *testing.T) {
		out, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(aws.Int32(1000), aws.String(roleMarker)))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"role-0001", "role-0002"}, detailNames(out.RoleDetailList)); diff != "" {
			t.Errorf("roles after the marker (-want +got):\n%s", diff)
		}
		if out.IsTruncated || out.Marker != nil {
			t.Errorf("last page: IsTruncated %v, Marker %v", out.IsTruncated, out.Marker)
		}
	})

	invalid := []struct {
		name   string
		filter []types.EntityType
		marker string
	}{
		{name: "garbage", filter: []types.EntityType{types.EntityTypeRole}, marker: "not-a-marker"},
		{name: "base64 garbage", filter: []types.EntityType{types.EntityTypeRole}, marker: base64.StdEncoding.EncodeToString([]byte("hello"))},
		{name: "from the unfiltered listing", filter: []types.EntityType{types.EntityTypeRole}, marker: unfiltered},
		{name: "from the Role listing used unfiltered", marker: roleMarker},
		{name: "from the Role listing used for users", filter: []types.EntityType{types.EntityTypeUser}, marker: roleMarker},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.GetAccountAuthorizationDetails(t.Context(), &iam.GetAccountAuthorizationDetailsInput{Filter: tt.filter, Marker: aws.String(tt.marker)})
			got := errorOf(t, err)
			if got.Code != "ValidationError" || got.Status != 400 {
				t.Errorf("got %+v, want ValidationError (400)", got)
			}
		})
	}
}

func TestServer_GetAccountAuthorizationDetailsFilter(t *testing.T) {
	seed := numbered(3)
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: seed}))
	c := iamClient(srv, keyA)
	tests := []struct {
		name      string
		filter    []types.EntityType
		wantRoles []string
		wantCode  string
	}{
		{name: "no filter means every type", wantRoles: names(seed)},
		{name: "Role", filter: []types.EntityType{"Role"}, wantRoles: names(seed)},
		{name: "Role among others", filter: []types.EntityType{"User", "Role"}, wantRoles: names(seed)},
		{name: "User only", filter: []types.EntityType{"User"}},
		{name: "every type but Role", filter: []types.EntityType{"User", "Group", "LocalManagedPolicy", "AWSManagedPolicy"}},
		{name: "unknown type", filter: []types.EntityType{"Bogus"}, wantCode: "ValidationError"},
		{name: "wrong case", filter: []types.EntityType{"role"}, wantCode: "ValidationError"},
		{name: "unknown type after a valid one", filter: []types.EntityType{"Role", "Bogus"}, wantCode: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.GetAccountAuthorizationDetails(t.Context(), &iam.GetAccountAuthorizationDetailsInput{Filter: tt.filter})
			if tt.wantCode != "" {
				if got := errorOf(t, err); got.Code != tt.wantCode || got.Status != 400 {
					t.Errorf("got %+v, want %s (400)", got, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantRoles, detailNames(out.RoleDetailList), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("roles (-want +got):\n%s", diff)
			}
			if out.IsTruncated || out.Marker != nil {
				t.Errorf("IsTruncated %v, Marker %v; want one complete page", out.IsTruncated, out.Marker)
			}
		})
	}
}

func TestServer_GetAccountAuthorizationDetailsMaxItems(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(2)}))
	c := iamClient(srv, keyA)
	for _, n := range []int32{0, -1, 1001, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			_, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(aws.Int32(n), nil))
			if got := errorOf(t, err); got.Code != "ValidationError" || got.Status != 400 || !strings.Contains(got.Message, "maxItems") {
				t.Errorf("got %+v, want ValidationError (400) naming maxItems", got)
			}
		})
	}
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

// richRole is a role with every field set, with the characters that need
// escaping in XML and in URLs.
func richRole() *fakeaws.Role {
	created := time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)
	return &fakeaws.Role{
		Name:           "deploy-role",
		Path:           "/ci/",
		ID:             "AROARICHRICHRICHRICH1",
		Created:        created,
		LastUsed:       time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)),
		LastUsedRegion: "eu-west-1",
		TrustPolicy:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"a+b %41 &<>\"' é"}}}]}`,
		Inline: []fakeaws.InlinePolicy{
			{Name: "s3-read", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}]}`},
			{Name: "logs", Document: "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"logs:*\", \"Resource\": \"*\"}\n}"},
		},
		Attached: []fakeaws.AttachedPolicy{{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
		Boundary: "arn:aws:iam::111111111111:policy/boundary",
		Tags: []fakeaws.Tag{
			{Key: "owner", Value: "team@example.com"},
			{Key: "note", Value: "a&b <c> \"d\" 'e' — é 日本\r\nline2\ttab"},
			{Key: "empty", Value: ""},
		},
		InstanceProfiles: []fakeaws.InstanceProfile{{Name: "deploy-profile", Path: "/ip/", ID: "AIPARICHRICHRICHRICH1", Created: created.Add(time.Hour)}},
	}
}

// node is a generic XML element.
type node struct {
	XMLName xml.Name
	Nodes   []node `xml:",any"`
	Text    string `xml:",chardata"`
}

func (n node) child(name string) node {
	for _, c := range n.Nodes {
		if c.XMLName.Local == name {
			return c
		}
	}
	return node{}
}

func (n node) childNames() []string {
	var out []string
	for _, c := range n.Nodes {
		out = append(out, c.XMLName.Local)
	}
	return out
}

// inModelOrder checks that got names members of a shape in the order the
// model lists them, with every required member present.
func inModelOrder(t *testing.T, what string, got, model, required []string) {
	t.Helper()
	i := 0
	for _, g := range got {
		for i < len(model) && model[i] != g {
			i++
		}
		if i == len(model) {
			t.Errorf("%s: member %s is unknown or out of the model's order %v (got %v)", what, g, model, got)
			return
		}
		i++
	}
	present := map[string]bool{}
	for _, g := range got {
		present[g] = true
	}
	for _, r := range required {
		if !present[r] {
			t.Errorf("%s: required member %s missing (got %v)", what, r, got)
		}
	}
}

// The RoleDetail members, in the order of the model (and of the AWS API
// reference).
var roleDetailMembers = []string{"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument",
	"InstanceProfileList", "RolePolicyList", "AttachedManagedPolicies", "PermissionsBoundary", "Tags", "RoleLastUsed"}

func TestServer_RoleDetailXML(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: []*fakeaws.Role{richRole(), {Name: "z-plain"}}}))
	status, body := post(t, srv, keyA, url.Values{"Action": {gaad}, "Version": {"2010-05-08"}, "Filter.member.1": {"Role"}, "MaxItems": {"1"}})
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var doc node
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("response is not well-formed XML: %v", err)
	}
	if want := (xml.Name{Space: "https://iam.amazonaws.com/doc/2010-05-08/", Local: "GetAccountAuthorizationDetailsResponse"}); doc.XMLName != want {
		t.Errorf("root element %v, want %v", doc.XMLName, want)
	}
	if diff := cmp.Diff([]string{"GetAccountAuthorizationDetailsResult", "ResponseMetadata"}, doc.childNames()); diff != "" {
		t.Errorf("root members (-want +got):\n%s", diff)
	}
	if id := doc.child("ResponseMetadata").child("RequestId").Text; !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id) {
		t.Errorf("RequestId %q is not a UUID", id)
	}
	result := doc.child("GetAccountAuthorizationDetailsResult")
	got := result.childNames()
	// The model's output members; the fake sends IsTruncated first, as
	// IAM's own example responses do, so only the set is checked here.
	outputMembers := map[string]bool{"UserDetailList": true, "GroupDetailList": true, "RoleDetailList": true, "Policies": true, "IsTruncated": true, "Marker": true}
	for _, name := range got {
		if !outputMembers[name] {
			t.Errorf("result member %s is not in the GetAccountAuthorizationDetails output shape", name)
		}
		delete(outputMembers, name)
	}
	if len(outputMembers) != 0 {
		t.Errorf("result members %v missing or repeated (got %v)", outputMembers, got)
	}

	members := result.child("RoleDetailList").Nodes
	if len(members) != 1 || members[0].XMLName.Local != "member" {
		t.Fatalf("RoleDetailList holds %v, want one <member>", result.child("RoleDetailList").childNames())
	}
	role := members[0]
	if diff := cmp.Diff(roleDetailMembers, role.childNames()); diff != "" {
		t.Errorf("RoleDetail members of a role with every field (-want +got):\n%s", diff)
	}
	profile := role.child("InstanceProfileList").child("member")
	inModelOrder(t, "InstanceProfile", profile.childNames(),
		[]string{"Path", "InstanceProfileName", "InstanceProfileId", "Arn", "CreateDate", "Roles", "Tags"},
		[]string{"Path", "InstanceProfileName", "InstanceProfileId", "Arn", "CreateDate", "Roles"})
	inModelOrder(t, "InstanceProfile.Roles member (Role)", profile.child("Roles").child("member").childNames(),
		[]string{"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument", "Description", "MaxSessionDuration", "PermissionsBoundary", "Tags", "RoleLastUsed"},
		[]string{"Path", "RoleName", "RoleId", "Arn", "CreateDate"})
	inModelOrder(t, "PolicyDetail", role.child("RolePolicyList").child("member").childNames(), []string{"PolicyName", "PolicyDocument"}, nil)
	inModelOrder(t, "AttachedPolicy", role.child("AttachedManagedPolicies").child("member").childNames(), []string{"PolicyName", "PolicyArn"}, nil)
	inModelOrder(t, "AttachedPermissionsBoundary", role.child("PermissionsBoundary").childNames(), []string{"PermissionsBoundaryType", "PermissionsBoundaryArn"}, nil)
	inModelOrder(t, "Tag", role.child("Tags").child("member").childNames(), []string{"Key", "Value"}, []string{"Key", "Value"})
	inModelOrder(t, "RoleLastUsed", role.child("RoleLastUsed").childNames(), []string{"LastUsedDate", "Region"}, nil)
	for _, ts := range []string{role.child("CreateDate").Text, role.child("RoleLastUsed").child("LastUsedDate").Text} {
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(ts) {
			t.Errorf("timestamp %q is not ISO 8601 in UTC as IAM writes it", ts)
		}
	}
}

// ignoreSDK lets cmp compare SDK shapes, which carry an unexported marker
// field.
var ignoreSDK = cmpopts.IgnoreUnexported(types.RoleDetail{}, types.InstanceProfile{}, types.Role{}, types.PolicyDetail{},
	types.AttachedPolicy{}, types.AttachedPermissionsBoundary{}, types.Tag{}, types.RoleLastUsed{})

func TestServer_RoleDetailSDK(t *testing.T) {
	rich := richRole()
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: []*fakeaws.Role{rich, {Name: "z-plain"}}}))
	out, err := iamClient(srv, keyA).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	enc := func(s string) *string { return aws.String(rfc3986(s)) }
	created := time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)
	arn := "arn:aws:iam::" + accountA + ":role/ci/deploy-role"
	plain := srv.Account(accountA).Roles[1]
	want := []types.RoleDetail{
		{
			Path:                     aws.String("/ci/"),
			RoleName:                 aws.String("deploy-role"),
			RoleId:                   aws.String("AROARICHRICHRICHRICH1"),
			Arn:                      aws.String(arn),
			CreateDate:               aws.Time(created),
			AssumeRolePolicyDocument: enc(rich.TrustPolicy),
			InstanceProfileList: []types.InstanceProfile{{
				Path:                aws.String("/ip/"),
				InstanceProfileName: aws.String("deploy-profile"),
				InstanceProfileId:   aws.String("AIPARICHRICHRICHRICH1"),
				Arn:                 aws.String("arn:aws:iam::" + accountA + ":instance-profile/ip/deploy-profile"),
				CreateDate:          aws.Time(created.Add(time.Hour)),
				Roles: []types.Role{{
					Path: aws.String("/ci/"), RoleName: aws.String("deploy-role"), RoleId: aws.String("AROARICHRICHRICHRICH1"),
					Arn: aws.String(arn), CreateDate: aws.Time(created), AssumeRolePolicyDocument: enc(rich.TrustPolicy),
				}},
			}},
			RolePolicyList: []types.PolicyDetail{
				{PolicyName: aws.String("s3-read"), PolicyDocument: enc(rich.Inline[0].Document)},
				{PolicyName: aws.String("logs"), PolicyDocument: enc(rich.Inline[1].Document)},
			},
			AttachedManagedPolicies: []types.AttachedPolicy{{PolicyName: aws.String("ReadOnlyAccess"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
			PermissionsBoundary: &types.AttachedPermissionsBoundary{
				PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy,
				PermissionsBoundaryArn:  aws.String("arn:aws:iam::111111111111:policy/boundary"),
			},
			Tags: []types.Tag{
				{Key: aws.String("owner"), Value: aws.String("team@example.com")},
				{Key: aws.String("note"), Value: aws.String("a&b <c> \"d\" 'e' — é 日本\r\nline2\ttab")},
				{Key: aws.String("empty"), Value: aws.String("")},
			},
			RoleLastUsed: &types.RoleLastUsed{LastUsedDate: aws.Time(time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)), Region: aws.String("eu-west-1")},
		},
		{
			Path:                     aws.String("/"),
			RoleName:                 aws.String("z-plain"),
			RoleId:                   aws.String(plain.ID),
			Arn:                      aws.String("arn:aws:iam::" + accountA + ":role/z-plain"),
			CreateDate:               aws.Time(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)),
			AssumeRolePolicyDocument: enc(fakeaws.DefaultTrustPolicy),
			InstanceProfileList:      []types.InstanceProfile{},
			RolePolicyList:           []types.PolicyDetail{},
			AttachedManagedPolicies:  []types.AttachedPolicy{},
			Tags:                     []types.Tag{},
			// A role with no recorded use has an empty RoleLastUsed.
			RoleLastUsed: &types.RoleLastUsed{},
		},
	}
	if diff := cmp.Diff(want, out.RoleDetailList, ignoreSDK); diff != "" {
		t.Errorf("RoleDetailList as the SDK decodes it (-want +got):\n%s", diff)
	}
	if out.UserDetailList == nil || out.GroupDetailList == nil || out.Policies == nil || len(out.UserDetailList)+len(out.GroupDetailList)+len(out.Policies) != 0 {
		t.Errorf("the other lists should be present and empty: users %v, groups %v, policies %v", out.UserDetailList, out.GroupDetailList, out.Policies)
	}

	// Decoding a document once gives back the JSON it was seeded with.
	d := out.RoleDetailList[0]
	docs := map[string]*string{rich.TrustPolicy: d.AssumeRolePolicyDocument, rich.Inline[0].Document: d.RolePolicyList[0].PolicyDocument, rich.Inline[1].Document: d.RolePolicyList[1].PolicyDocument}
	for seeded, wire := range docs {
		got, err := url.PathUnescape(aws.ToString(wire))
		if err != nil || got != seeded {
			t.Errorf("url.PathUnescape(%q) = %q, %v; want %q", aws.ToString(wire), got, err, seeded)
		}
		// Every reserved byte is percent-encoded (RFC 3986).
		if strings.ContainsAny(aws.ToString(wire), "{}\":+ \n") {
			t.Errorf("policy on the wire holds reserved characters unencoded: %q", aws.ToString(wire))
		}
	}
}

// rfc3986 percent-encodes every byte but the unreserved characters, as IAM
// encodes policy documents.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func mustParse(t *testing.T, doc string) *iamsweep.PolicyDocument {
	t.Helper()
	d, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return &d
}

func TestRoleFrom(t *testing.T) {
	trust := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole","Condition":{"StringLike":{"aws:SourceArn":"arn:aws:*:*:111111111111:*+%x"}}}]}`)
	inline := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]},{"Effect":"Deny","NotAction":"iam:*","NotResource":"*"}]}`)
	created := time.Date(2022, 5, 6, 7, 8, 9, 0, time.UTC)
	domain := iamsweep.Role{
		AccountID:           accountA,
		ARN:                 "arn:aws:iam::" + accountA + ":role/svc/app-role",
		ID:                  "AROAAPPAPPAPPAPPAPP01",
		Name:                "app-role",
		Path:                "/svc/",
		Created:             created,
		LastUsed:            iamsweep.Usage{Time: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Region: "us-east-2"},
		TrustPolicy:         trust,
		InlinePolicies:      []iamsweep.InlinePolicy{{Name: "s3", Document: *inline}},
		AttachedPolicies:    []iamsweep.AttachedPolicy{{Name: "ViewOnlyAccess", ARN: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}},
		PermissionsBoundary: "arn:aws:iam::" + accountA + ":policy/b",
		Tags:                []iamsweep.Tag{{Key: "team", Value: "app & co"}},
		InstanceProfiles: []iamsweep.InstanceProfile{{
			Name: "app-profile", ID: "AIPAAPPAPPAPPAPPAPP01", ARN: "arn:aws:iam::" + accountA + ":instance-profile/app-profile",
			Path: "/", Created: created, Roles: []string{"app-role"},
		}},
	}

	fr := fakeaws.RoleFrom(domain)
	want := &fakeaws.Role{
		Name: "app-role", Path: "/svc/", ID: "AROAAPPAPPAPPAPPAPP01", Created: created,
		LastUsed: domain.LastUsed.Time, LastUsedRegion: "us-east-2",
		TrustPolicy:      string(policy.Marshal(*trust)),
		Inline:           []fakeaws.InlinePolicy{{Name: "s3", Document: string(policy.Marshal(*inline))}},
		Attached:         []fakeaws.AttachedPolicy{{Name: "ViewOnlyAccess", ARN: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}},
		Boundary:         "arn:aws:iam::" + accountA + ":policy/b",
		Tags:             []fakeaws.Tag{{Key: "team", Value: "app & co"}},
		InstanceProfiles: []fakeaws.InstanceProfile{{Name: "app-profile", Path: "/", ID: "AIPAAPPAPPAPPAPPAPP01", Created: created}},
	}
	if diff := cmp.Diff(want, fr, cmpopts.IgnoreUnexported(fakeaws.Role{})); diff != "" {
		t.Errorf("RoleFrom (-want +got):\n%s", diff)
	}

	// And back, over the wire: the SDK's view of the seeded role is the
	// domain role again.
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: []*fakeaws.Role{fr}}))
	out, err := iamClient(srv, keyA).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.RoleDetailList) != 1 {
		t.Fatalf("%d roles, want 1", len(out.RoleDetailList))
	}
	if diff := cmp.Diff(domain, toDomain(t, out.RoleDetailList[0])); diff != "" {
		t.Errorf("round trip through the fake (-want +got):\n%s", diff)
	}

	t.Run("no trust policy", func(t *testing.T) {
		fr := fakeaws.RoleFrom(iamsweep.Role{Name: "bare"})
		if fr.TrustPolicy != "" || fr.Inline != nil || fr.Tags != nil {
			t.Errorf("RoleFrom of a bare role = %+v, want nothing but the name", fr)
		}
		srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: []*fakeaws.Role{fr}}))
		if got := srv.Account(accountA).Roles[0].TrustPolicy; got != fakeaws.DefaultTrustPolicy {
			t.Errorf("seeded trust policy %q, want the default", got)
		}
	})
}

// toDomain converts what the SDK decoded back into a domain role: documents
// are URL-decoded once and parsed.
func toDomain(t *testing.T, d types.RoleDetail) iamsweep.Role {
	t.Helper()
	doc := func(s *string) *iamsweep.PolicyDocument {
		text, err := url.PathUnescape(aws.ToString(s))
		if err != nil {
			t.Fatalf("policy %q is not URL-encoded: %v", aws.ToString(s), err)
		}
		return mustParse(t, text)
	}
	a, err := iamsweep.ParseARN(aws.ToString(d.Arn))
	if err != nil {
		t.Fatal(err)
	}
	r := iamsweep.Role{
		AccountID: a.AccountID, ARN: aws.ToString(d.Arn), ID: aws.ToString(d.RoleId), Name: aws.ToString(d.RoleName),
		Path: aws.ToString(d.Path), Created: aws.ToTime(d.CreateDate), TrustPolicy: doc(d.AssumeRolePolicyDocument),
	}
	if d.RoleLastUsed != nil && d.RoleLastUsed.LastUsedDate != nil {
		r.LastUsed = iamsweep.Usage{Time: aws.ToTime(d.RoleLastUsed.LastUsedDate), Region: aws.ToString(d.RoleLastUsed.Region)}
	}
	for _, p := range d.RolePolicyList {
		r.InlinePolicies = append(r.InlinePolicies, iamsweep.InlinePolicy{Name: aws.ToString(p.PolicyName), Document: *doc(p.PolicyDocument)})
	}
	for _, p := range d.AttachedManagedPolicies {
		r.AttachedPolicies = append(r.AttachedPolicies, iamsweep.AttachedPolicy{Name: aws.ToString(p.PolicyName), ARN: aws.ToString(p.PolicyArn)})
	}
	if d.PermissionsBoundary != nil {
		r.PermissionsBoundary = aws.ToString(d.PermissionsBoundary.PermissionsBoundaryArn)
	}
	for _, tag := range d.Tags {
		r.Tags = append(r.Tags, iamsweep.Tag{Key: aws.ToString(tag.Key), Value: aws.ToString(tag.Value)})
	}
	for _, p := range d.InstanceProfileList {
		ip := iamsweep.InstanceProfile{Name: aws.ToString(p.InstanceProfileName), ID: aws.ToString(p.InstanceProfileId),
			ARN: aws.ToString(p.Arn), Path: aws.ToString(p.Path), Created: aws.ToTime(p.CreateDate)}
		for _, pr := range p.Roles {
			ip.Roles = append(ip.Roles, aws.ToString(pr.RoleName))
		}
		r.InstanceProfiles = append(r.InstanceProfiles, ip)
	}
	return r
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
