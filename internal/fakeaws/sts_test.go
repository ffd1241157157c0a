package fakeaws_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
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
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	// scannerARN is the role iamsweep assumes in accountB; it has a path
	// and allows two-hour sessions.
	scannerARN = "arn:aws:iam::" + accountB + ":role/iamsweep/scanner"
	scannerID  = "AROASCANNERSCANNER001"
	// vendorARN is a role whose trust policy demands an external ID.
	vendorARN  = "arn:aws:iam::" + accountB + ":role/vendor"
	externalID = "iamsweep-7f3a"
	// callerA is who static credentials in accountA are.
	callerA = "arn:aws:iam::" + accountA + ":user/fakeaws-caller"
)

// vendorTrust allows AssumeRole only with the external ID.
const vendorTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},` +
	`"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` + externalID + `"}}}]}`

// t0 is when the fake's clock starts in these tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// stsAccounts seeds accountA, where the static keys act, and accountB with
// the roles to assume.
func stsAccounts() fakeaws.Option {
	return fakeaws.WithAccounts(
		&fakeaws.Account{ID: accountA, Roles: []*fakeaws.Role{{Name: "a-role"}}},
		&fakeaws.Account{ID: accountB, Roles: []*fakeaws.Role{
			{Name: "scanner", Path: "/iamsweep/", ID: scannerID, MaxSessionDuration: 7200},
			{Name: "vendor", TrustPolicy: vendorTrust},
			{Name: "app"},
		}},
	)
}

// config returns an aws.Config for the real SDK clients, sending to srv
// with creds and making exactly one attempt per call.
func config(srv *fakeaws.Server, creds aws.CredentialsProvider) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  creds,
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 1 })
		},
	}
}

func static(accessKeyID string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(accessKeyID, "secret", "")
}

// issued returns a provider of the credentials AssumeRole issued.
func issued(c *ststypes.Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func stsClient(srv *fakeaws.Server, creds aws.CredentialsProvider) *sts.Client {
	return sts.NewFromConfig(config(srv, creds))
}

func iamClientWith(srv *fakeaws.Server, creds aws.CredentialsProvider) *iam.Client {
	return iam.NewFromConfig(config(srv, creds))
}

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func assumeInput(roleARN, session string, seconds int32) *sts.AssumeRoleInput {
	in := &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session)}
	if seconds != 0 {
		in.DurationSeconds = aws.Int32(seconds)
	}
	return in
}

// roleNames lists the roles an IAM client sees in its account.
func roleNames(t *testing.T, c *iam.Client) []string {
	t.Helper()
	out, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	return detailNames(out.RoleDetailList)
}

var ignoreSTS = cmpopts.IgnoreUnexported(ststypes.AssumedRoleUser{})

func TestServer_AssumeRole(t *testing.T) {
	clock := &testClock{now: t0}
	srv := fakeaws.New(t, stsAccounts(), fakeaws.WithClock(clock.Now))
	c := stsClient(srv, static(keyA))

	out, err := c.AssumeRole(t.Context(), assumeInput(scannerARN, "iamsweep-scan", 1800))
	if err != nil {
		t.Fatal(err)
	}
	want := &ststypes.AssumedRoleUser{
		Arn:           aws.String("arn:aws:sts::" + accountB + ":assumed-role/scanner/iamsweep-scan"),
		AssumedRoleId: aws.String(scannerID + ":iamsweep-scan"),
	}
	if diff := cmp.Diff(want, out.AssumedRoleUser, ignoreSTS); diff != "" {
		t.Errorf("AssumedRoleUser (-want +got):\n%s", diff)
	}
	creds := out.Credentials
	if creds == nil {
		t.Fatal("no Credentials")
	}
	if id := aws.ToString(creds.AccessKeyId); !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(id) {
		t.Errorf("AccessKeyId %q, want ASIA and 16 characters", id)
	}
	if n := len(aws.ToString(creds.SecretAccessKey)); n != 40 {
		t.Errorf("SecretAccessKey of %d characters, want 40", n)
	}
	if aws.ToString(creds.SessionToken) == "" {
		t.Error("no SessionToken")
	}
	if got, want := aws.ToTime(creds.Expiration), t0.Add(30*time.Minute); !got.Equal(want) {
		t.Errorf("Expiration %v, want the fake's clock plus DurationSeconds, %v", got, want)
	}

	t.Run("IAM calls act in the role's account", func(t *testing.T) {
		srv.ResetCalls()
		if diff := cmp.Diff([]string{"app", "scanner", "vendor"}, roleNames(t, iamClientWith(srv, issued(creds)))); diff != "" {
			t.Errorf("roles seen with the assumed credentials (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"a-role"}, roleNames(t, iamClient(srv, keyA))); diff != "" {
			t.Errorf("roles seen with the static key (-want +got):\n%s", diff)
		}
		want := []fakeaws.Call{
			{Service: "iam", Action: gaad, AccountID: accountB},
			{Service: "iam", Action: gaad, AccountID: accountA},
		}
		if diff := cmp.Diff(want, srv.Calls()); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})

	t.Run("each call issues new credentials", func(t *testing.T) {
		again, err := c.AssumeRole(t.Context(), assumeInput(scannerARN, "iamsweep-scan", 0))
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(again.Credentials.AccessKeyId) == aws.ToString(creds.AccessKeyId) {
			t.Errorf("two AssumeRole calls issued the same key %s", aws.ToString(creds.AccessKeyId))
		}
		if got, want := aws.ToTime(again.Credentials.Expiration), t0.Add(time.Hour); !got.Equal(want) {
			t.Errorf("Expiration %v without DurationSeconds, want an hour on, %v", got, want)
		}
	})

	t.Run("role name in another case", func(t *testing.T) {
		out, err := c.AssumeRole(t.Context(), assumeInput("arn:aws:iam::"+accountB+":role/iamsweep/SCANNER", "s1", 0))
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::"+accountB+":assumed-role/scanner/s1" {
			t.Errorf("assumed-role ARN %s, want the role's own name", got)
		}
	})

	t.Run("same seed, same credentials", func(t *testing.T) {
		other := fakeaws.New(t, stsAccounts(), fakeaws.WithClock(clock.Now))
		out2, err := stsClient(other, static(keyA)).AssumeRole(t.Context(), assumeInput(scannerARN, "iamsweep-scan", 1800))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(creds, out2.Credentials, cmpopts.IgnoreUnexported(ststypes.Credentials{})); diff != "" {
			t.Errorf("credentials of a second fake seeded alike (-first +second):\n%s", diff)
		}
	})

	srv.ResetCalls()
	if _, err := c.AssumeRole(t.Context(), assumeInput(scannerARN, "x1", 0)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]fakeaws.Call{{Service: "sts", Action: "AssumeRole", AccountID: accountA}}, srv.Calls()); diff != "" {
		t.Errorf("AssumeRole recorded (-want +got):\n%s", diff)
	}
}

func TestServer_GetCallerIdentity(t *testing.T) {
	srv := fakeaws.New(t, stsAccounts(), fakeaws.WithCredentials(keyB, accountB))
	out, err := stsClient(srv, static(keyA)).AssumeRole(t.Context(), assumeInput(scannerARN, "who-am-i", 0))
	if err != nil {
		t.Fatal(err)
	}
	userID := regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`)
	tests := []struct {
		name        string
		creds       aws.CredentialsProvider
		wantAccount string
		wantARN     string
		wantUserID  string // "" to match userID
	}{
		{name: "unknown static key in the default account", creds: static(keyA), wantAccount: accountA, wantARN: callerA},
		{name: "static key mapped to an account", creds: static(keyB), wantAccount: accountB, wantARN: "arn:aws:iam::" + accountB + ":user/fakeaws-caller"},
		{
			name: "assumed role", creds: issued(out.Credentials), wantAccount: accountB,
			wantARN: "arn:aws:sts::" + accountB + ":assumed-role/scanner/who-am-i", wantUserID: scannerID + ":who-am-i",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stsClient(srv, tt.creds).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(got.Account) != tt.wantAccount || aws.ToString(got.Arn) != tt.wantARN {
				t.Errorf("Account %s, Arn %s; want %s, %s", aws.ToString(got.Account), aws.ToString(got.Arn), tt.wantAccount, tt.wantARN)
			}
			id := aws.ToString(got.UserId)
			if (tt.wantUserID == "" && !userID.MatchString(id)) || (tt.wantUserID != "" && id != tt.wantUserID) {
				t.Errorf("UserId %q, want %q (or an AIDA ID)", id, tt.wantUserID)
			}
		})
	}
}

func TestServer_AssumeRoleErrors(t *testing.T) {
	srv := fakeaws.New(t, stsAccounts())
	c := stsClient(srv, static(keyA))
	denied := func(roleARN string) *wireError {
		return &wireError{Code: "AccessDenied", Status: 403,
			Message: "User: " + callerA + " is not authorized to perform: sts:AssumeRole on resource: " + roleARN}
	}
	invalid := &wireError{Code: "ValidationError", Status: 400} // any message
	tests := []struct {
		name string
		in   *sts.AssumeRoleInput
		want *wireError // nil for success
	}{
		{name: "role that does not exist", in: assumeInput("arn:aws:iam::"+accountB+":role/nope", "s1", 0), want: denied("arn:aws:iam::" + accountB + ":role/nope")},
		{name: "role without its path", in: assumeInput("arn:aws:iam::"+accountB+":role/scanner", "s1", 0), want: denied("arn:aws:iam::" + accountB + ":role/scanner")},
		{name: "role in an account with no state", in: assumeInput("arn:aws:iam::333333333333:role/scanner", "s1", 0), want: denied("arn:aws:iam::333333333333:role/scanner")},
		{name: "another partition", in: assumeInput("arn:aws-cn:iam::"+accountB+":role/app", "s1", 0), want: denied("arn:aws-cn:iam::" + accountB + ":role/app")},
		{name: "external ID missing", in: assumeInput(vendorARN, "s1", 0), want: denied(vendorARN)},
		{name: "external ID wrong", in: withExternalID(assumeInput(vendorARN, "s1", 0), "iamsweep-0000"), want: denied(vendorARN)},
		{name: "external ID right", in: withExternalID(assumeInput(vendorARN, "s1", 0), externalID)},
		{name: "external ID given where none is needed", in: withExternalID(assumeInput(scannerARN, "s1", 0), externalID)},
		{name: "external ID too short", in: withExternalID(assumeInput(vendorARN, "s1", 0), "x"), want: invalid},
		{name: "session name of one character", in: assumeInput(scannerARN, "s", 0), want: invalid},
		{name: "session name of 64 characters", in: assumeInput(scannerARN, strings.Repeat("s", 64), 0)},
		{name: "session name of 65 characters", in: assumeInput(scannerARN, strings.Repeat("s", 65), 0), want: invalid},
		{name: "session name with a space", in: assumeInput(scannerARN, "iamsweep scan", 0), want: invalid},
		{name: "session name with a slash", in: assumeInput(scannerARN, "iamsweep/scan", 0), want: invalid},
		{name: "session name with every allowed symbol", in: assumeInput(scannerARN, "a_Z9+=,.@-", 0)},
		{name: "duration below 900", in: assumeInput(scannerARN, "s1", 899), want: invalid},
		{name: "duration 900", in: assumeInput(scannerARN, "s1", 900)},
		{name: "duration above the default maximum", in: assumeInput("arn:aws:iam::"+accountB+":role/app", "s1", 3601), want: invalid},
		{name: "duration at the default maximum", in: assumeInput("arn:aws:iam::"+accountB+":role/app", "s1", 3600)},
		{name: "duration at the role's maximum", in: assumeInput(scannerARN, "s1", 7200)},
		{name: "duration above the role's maximum", in: assumeInput(scannerARN, "s1", 7201), want: invalid},
		{name: "duration above 12 hours", in: assumeInput(scannerARN, "s1", 43201), want: invalid},
		{name: "user ARN", in: assumeInput("arn:aws:iam::"+accountB+":user/bob", "s1", 0), want: invalid},
		{name: "not an ARN", in: assumeInput("role/iamsweep/scanner-not-an-arn", "s1", 0), want: invalid},
		{name: "short ARN", in: assumeInput("arn:aws:iam::1:role", "s1", 0), want: invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AssumeRole(t.Context(), tt.in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("AssumeRole: %v, want success", err)
				}
				return
			}
			got := errorOf(t, err)
			if tt.want.Message == "" {
				got.Message = ""
			}
			if diff := cmp.Diff(*tt.want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("duration message", func(t *testing.T) {
		_, err := c.AssumeRole(t.Context(), assumeInput(scannerARN, "s1", 7201))
		if got := errorOf(t, err); got.Message != "The requested DurationSeconds exceeds the MaxSessionDuration set for this role." {
			t.Errorf("message %q", got.Message)
		}
	})
}

func withExternalID(in *sts.AssumeRoleInput, id string) *sts.AssumeRoleInput {
	in.ExternalId = aws.String(id)
	return in
}

func TestServer_AssumeRoleChaining(t *testing.T) {
	srv := fakeaws.New(t, stsAccounts())
	first, err := stsClient(srv, static(keyA)).AssumeRole(t.Context(), assumeInput(scannerARN, "hop-1", 0))
	if err != nil {
		t.Fatal(err)
	}
	chained := stsClient(srv, issued(first.Credentials))

	second, err := chained.AssumeRole(t.Context(), assumeInput("arn:aws:iam::"+accountB+":role/app", "hop-2", 3600))
	if err != nil {
		t.Fatalf("role chaining for an hour: %v", err)
	}
	who, err := stsClient(srv, issued(second.Credentials)).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(who.Arn); got != "arn:aws:sts::"+accountB+":assumed-role/app/hop-2" {
		t.Errorf("identity after two hops %s", got)
	}

	// The scanner role allows two hours, but not to a chained session.
	_, err = chained.AssumeRole(t.Context(), assumeInput(scannerARN, "hop-2", 7200))
	if got := errorOf(t, err); got.Code != "ValidationError" || !strings.Contains(got.Message, "role chaining") {
		t.Errorf("chained two-hour session: %+v, want a ValidationError about role chaining", got)
	}

	// A denial names the assumed role as the caller.
	_, err = chained.AssumeRole(t.Context(), assumeInput("arn:aws:iam::"+accountB+":role/nope", "hop-2", 0))
	want := "User: arn:aws:sts::" + accountB + ":assumed-role/scanner/hop-1 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + accountB + ":role/nope"
	if got := errorOf(t, err); got.Message != want {
		t.Errorf("message %q, want %q", got.Message, want)
	}
}

func TestServer_SessionExpiry(t *testing.T) {
	clock := &testClock{now: t0}
	srv := fakeaws.New(t, stsAccounts(), fakeaws.WithClock(clock.Now), fakeaws.WithSessionLifetime(15*time.Minute))
	out, err := stsClient(srv, static(keyA)).AssumeRole(t.Context(), assumeInput(scannerARN, "short", 3600))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToTime(out.Credentials.Expiration), t0.Add(15*time.Minute); !got.Equal(want) {
		t.Errorf("Expiration %v, want the lifetime cap, %v", got, want)
	}
	assumedIAM, assumedSTS := iamClientWith(srv, issued(out.Credentials)), stsClient(srv, issued(out.Credentials))

	clock.Advance(15*time.Minute - time.Second)
	if _, err := assumedIAM.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil)); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}

	clock.Advance(time.Second)
	srv.ResetCalls()
	expired := wireError{Code: "ExpiredToken", Message: "The security token included in the request is expired", Status: 403}
	_, err = assumedIAM.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
	if diff := cmp.Diff(expired, errorOf(t, err)); diff != "" {
		t.Errorf("IAM at expiry (-want +got):\n%s", diff)
	}
	_, err = assumedSTS.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if diff := cmp.Diff(expired, errorOf(t, err)); diff != "" {
		t.Errorf("STS at expiry (-want +got):\n%s", diff)
	}
	wantCalls := []fakeaws.Call{
		{Service: "iam", Action: gaad, AccountID: accountB, ErrorCode: "ExpiredToken"},
		{Service: "sts", Action: "GetCallerIdentity", AccountID: accountB, ErrorCode: "ExpiredToken"},
	}
	if diff := cmp.Diff(wantCalls, srv.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}

	// The static key that assumed the role goes on working.
	if _, err := stsClient(srv, static(keyA)).AssumeRole(t.Context(), assumeInput(scannerARN, "again", 0)); err != nil {
		t.Errorf("AssumeRole after the first session expired: %v", err)
	}

	t.Run("session token must match", func(t *testing.T) {
		fresh, err := stsClient(srv, static(keyA)).AssumeRole(t.Context(), assumeInput(scannerARN, "tokens", 0))
		if err != nil {
			t.Fatal(err)
		}
		invalidToken := wireError{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: 403}
		for name, token := range map[string]string{"no token": "", "another token": "not-the-token"} {
			creds := credentials.NewStaticCredentialsProvider(aws.ToString(fresh.Credentials.AccessKeyId), "secret", token)
			_, err := iamClientWith(srv, creds).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
			if diff := cmp.Diff(invalidToken, errorOf(t, err)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
		}
	})

	t.Run("lifetime must be positive", func(t *testing.T) {
		if _, err := fakeaws.NewServer(fakeaws.WithSessionLifetime(0)); err == nil {
			t.Error("NewServer accepted a session lifetime of 0")
		}
	})
}

// recordingSTS records the credentials AssumeRole issues to a credentials
// provider.
type recordingSTS struct {
	next   stscreds.AssumeRoleAPIClient
	mu     sync.Mutex
	issued []*ststypes.Credentials
}

func (r *recordingSTS) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	out, err := r.next.AssumeRole(ctx, in, opts...)
	if err == nil {
		r.mu.Lock()
		r.issued = append(r.issued, out.Credentials)
		r.mu.Unlock()
	}
	return out, err
}

// keys returns the access key IDs issued so far, in order.
func (r *recordingSTS) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for _, c := range r.issued {
		ids = append(ids, aws.ToString(c.AccessKeyId))
	}
	return ids
}

// TestAssumeRoleProvider drives the SDK's own assumed-role credentials,
// aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(...)), as iamsweep
// reaches member accounts. The cache judges expiry by the real clock (the
// SDK offers no other), and the fake by its own: the subtests pin the
// fake's clock in the past or the future of the real one to see each
// side.
func TestAssumeRoleProvider(t *testing.T) {
	setup := func(t *testing.T, start time.Time) (*testClock, *fakeaws.Server, *recordingSTS, *iam.Client) {
		clock := &testClock{now: start}
		srv := fakeaws.New(t, stsAccounts(), fakeaws.WithClock(clock.Now), fakeaws.WithSessionLifetime(15*time.Minute))
		rec := &recordingSTS{next: stsClient(srv, static(keyA))}
		cache := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(rec, scannerARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "iamsweep"
			o.Duration = time.Hour
		}), func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = time.Minute })
		return clock, srv, rec, iamClientWith(srv, cache)
	}

	t.Run("refreshes expired credentials", func(t *testing.T) {
		// Credentials issued in 2020 are long expired to the cache, so
		// each call assumes the role afresh.
		clock, srv, rec, c := setup(t, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
		if diff := cmp.Diff([]string{"app", "scanner", "vendor"}, roleNames(t, c)); diff != "" {
			t.Errorf("roles (-want +got):\n%s", diff)
		}
		first := rec.issued[0]
		if got, want := aws.ToTime(first.Expiration), time.Date(2020, 1, 1, 0, 15, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("Expiration %v, want the fake's clock plus the 15-minute lifetime, %v", got, want)
		}

		clock.Advance(20 * time.Minute) // past the lifetime on the fake's clock too
		_, err := iamClientWith(srv, issued(first)).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
		if got := errorOf(t, err); got.Code != "ExpiredToken" {
			t.Errorf("first credentials after expiry: %+v, want ExpiredToken", got)
		}
		srv.ResetCalls()
		if diff := cmp.Diff([]string{"app", "scanner", "vendor"}, roleNames(t, c)); diff != "" {
			t.Errorf("roles after the refresh (-want +got):\n%s", diff)
		}
		keys := rec.keys()
		if len(keys) != 2 || keys[0] == keys[1] {
			t.Errorf("keys issued %v, want a second, new one: the cache refreshes expired credentials", keys)
		}
		want := []fakeaws.Call{
			{Service: "sts", Action: "AssumeRole", AccountID: accountA},
			{Service: "iam", Action: gaad, AccountID: accountB},
		}
		if diff := cmp.Diff(want, srv.Calls()); diff != "" {
			t.Errorf("calls of the refreshing IAM call (-want +got):\n%s", diff)
		}
	})

	t.Run("keeps fresh credentials", func(t *testing.T) {
		// Credentials issued in 2100 are fresh to the cache for a long
		// time; the fake alone sees them expire.
		clock, srv, rec, c := setup(t, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
		for i := 0; i < 3; i++ {
			roleNames(t, c)
		}
		if n := len(rec.keys()); n != 1 || srv.CallCount("AssumeRole") != 1 {
			t.Errorf("%d AssumeRole calls for 3 IAM calls, want 1", n)
		}
		// When the service's clock is past the expiration and the
		// client's is not, the cached credentials fail: the SDK does not
		// refresh on ExpiredToken.
		clock.Advance(20 * time.Minute)
		_, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
		if got := errorOf(t, err); got.Code != "ExpiredToken" {
			t.Errorf("cached credentials the fake has expired: %+v, want ExpiredToken", got)
		}
	})
}

func TestServer_STSThrottlingAndFaults(t *testing.T) {
	t.Run("throttled with the query protocol's code", func(t *testing.T) {
		srv := fakeaws.New(t, stsAccounts(), fakeaws.WithThrottleRate(1))
		_, err := stsClient(srv, static(keyA)).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		want := wireError{Code: "Throttling", Message: "Rate exceeded", Status: 400}
		if diff := cmp.Diff(want, errorOf(t, err)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if got := (retry.ThrottleErrorCode{Codes: retry.DefaultThrottleErrorCodes}).IsErrorThrottle(err); got != aws.TrueTernary {
			t.Errorf("SDK does not classify %v as throttling", err)
		}
	})

	t.Run("faults by action and by service:action", func(t *testing.T) {
		srv := fakeaws.New(t, stsAccounts(),
			fakeaws.WithFault("", "sts:AssumeRole", 1, 403, "RegionDisabledException", "STS is not activated in this region"),
			fakeaws.WithFault("", "GetCallerIdentity", 1, 500, "InternalFailure", "oops"),
			fakeaws.WithFault("", "iam:AssumeRole", -1, 500, "InternalFailure", "never: IAM has no AssumeRole"),
		)
		c := stsClient(srv, static(keyA))
		_, err := c.AssumeRole(t.Context(), assumeInput(scannerARN, "s1", 0))
		var disabled *ststypes.RegionDisabledException
		if !errors.As(err, &disabled) {
			t.Errorf("AssumeRole: %v, want the SDK's RegionDisabledException", err)
		}
		if _, err := c.AssumeRole(t.Context(), assumeInput(scannerARN, "s1", 0)); err != nil {
			t.Errorf("second AssumeRole: %v", err)
		}
		_, err = c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if diff := cmp.Diff(wireError{Code: "InternalFailure", Message: "oops", Status: 500}, errorOf(t, err)); diff != "" {
			t.Errorf("GetCallerIdentity (-want +got):\n%s", diff)
		}
	})

	t.Run("IAM rate limit per account the credentials act in", func(t *testing.T) {
		srv := fakeaws.New(t, stsAccounts(), fakeaws.WithClock(func() time.Time { return t0 }), fakeaws.WithRateLimit(1, 1))
		out, err := stsClient(srv, static(keyA)).AssumeRole(t.Context(), assumeInput(scannerARN, "s1", 0)) // accountA's token
		if err != nil {
			t.Fatal(err)
		}
		b := iamClientWith(srv, issued(out.Credentials))
		if _, err := b.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil)); err != nil {
			t.Errorf("first call in accountB: %v", err) // accountB's token
		}
		steps := []struct {
			name string
			call func() error
		}{
			{"second call in accountB", func() error {
				_, err := b.GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
				return err
			}},
		}
		for _, st := range steps {
			if got := errorOf(t, st.call()); got.Code != "Throttling" {
				t.Errorf("%s: %+v, want Throttling", st.name, got)
			}
		}
		// STS is not limited: its quotas are the caller's and far higher.
		for i := 0; i < 3; i++ {
			if _, err := stsClient(srv, static(keyA)).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
				t.Errorf("STS call %d: %v", i, err)
			}
		}
	})
}

// signed sends body to the fake as a SigV4-signed POST for service, with
// the given headers, and returns the response and its body.
func signed(t *testing.T, srv *fakeaws.Server, service, accessKeyID, sessionToken string, header map[string]string, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: "secret", SessionToken: sessionToken}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestServer_STSWire(t *testing.T) {
	srv := fakeaws.New(t, stsAccounts())
	form := func(v url.Values) string { return v.Encode() }
	header := map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
	const ns = "https://sts.amazonaws.com/doc/2011-06-15/"

	resp, body := signed(t, srv, "sts", keyA, "", header, form(url.Values{
		"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {scannerARN}, "RoleSessionName": {"wire"},
	}))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/xml" {
		t.Fatalf("status %d, Content-Type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var doc node
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if want := (xml.Name{Space: ns, Local: "AssumeRoleResponse"}); doc.XMLName != want {
		t.Errorf("root element %v, want %v", doc.XMLName, want)
	}
	result := doc.child("AssumeRoleResult")
	// The members the SDK reads, in the order of the API reference's
	// sample response (XML order does not matter to the SDK).
	for _, m := range []struct {
		shape string
		got   node
		want  []string
	}{
		{"AssumeRoleResult", result, []string{"AssumedRoleUser", "Credentials"}},
		{"AssumedRoleUser", result.child("AssumedRoleUser"), []string{"Arn", "AssumedRoleId"}},
		{"Credentials", result.child("Credentials"), []string{"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}},
	} {
		if diff := cmp.Diff(m.want, m.got.childNames()); diff != "" {
			t.Errorf("%s members (-want +got):\n%s", m.shape, diff)
		}
	}
	if ts := result.child("Credentials").child("Expiration").Text; !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(ts) {
		t.Errorf("Expiration %q is not ISO 8601 in UTC", ts)
	}
	if doc.child("ResponseMetadata").child("RequestId").Text == "" {
		t.Error("no RequestId")
	}
	key, token := result.child("Credentials").child("AccessKeyId").Text, result.child("Credentials").child("SessionToken").Text

	resp, body = signed(t, srv, "sts", key, token, header, form(url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	doc = node{}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Arn", "UserId", "Account"}, doc.child("GetCallerIdentityResult").childNames()); diff != "" {
		t.Errorf("GetCallerIdentityResult members (-want +got):\n%s", diff)
	}

	for name, v := range map[string]url.Values{
		"denied":        {"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {vendorARN}, "RoleSessionName": {"wire"}},
		"wrong version": {"Action": {"GetCallerIdentity"}, "Version": {"2010-05-08"}},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := signed(t, srv, "sts", keyA, "", header, form(v))
			var e struct {
				XMLName xml.Name
				Type    string `xml:"Error>Type"`
				Code    string `xml:"Error>Code"`
			}
			if err := xml.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			if want := (xml.Name{Space: ns, Local: "ErrorResponse"}); e.XMLName != want || e.Type != "Sender" || resp.StatusCode/100 != 4 {
				t.Errorf("status %d, %+v; want a Sender ErrorResponse in the STS namespace", resp.StatusCode, e)
			}
		})
	}
}
