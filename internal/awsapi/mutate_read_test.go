package awsapi

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

var mutateBase = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

// mutateNow is the fake's clock: the creation time of what the tests
// create.
var mutateNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// trustDoc has white space, a '+', a '%' and non-ASCII text, which must
// come back exactly as written.
const trustDoc = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"ec2.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\",\n    \"Condition\": {\"StringLike\": {\"aws:PrincipalTag/team\": \"a+b c% é\"}}}]\n}"

const (
	readDoc  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	writeDoc = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::bucket+1/*"}]}`
	denyDoc  = `{"Version":"2012-10-17","Statement":[{"Sid":"IamsweepQuarantineDenyAll","Effect":"Deny","Action":"*","Resource":"*"}]}`

	adminARN    = "arn:aws:iam::aws:policy/AdministratorAccess"
	readOnlyARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	denyAllARN  = "arn:aws:iam::aws:policy/AWSDenyAll"
	boundaryARN = "arn:aws:iam::" + testAccountID + ":policy/boundary"
	powerARN    = "arn:aws:iam::aws:policy/PowerUserAccess"
	aliceMFA    = "arn:aws:iam::" + testAccountID + ":mfa/alice"
	hardwareMFA = "GAHT12345678"
	aliceKey1   = "AKIAALICE00000000001"
	aliceKey2   = "AKIAALICE00000000002"
	aliceSSH    = "APKAALICE00000000001"
	aliceCert   = "ALICECERT0000000000000001"
	aliceGit    = "ACCAALICECODECOMMIT01"
	aliceCQL    = "ACCAALICECASSANDRA001"
)

// fixture reads a file of testdata/mutate, without its final newline.
func fixture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/mutate/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// mutateAccount holds principals with every attribute ReadRole and
// ReadUser return, and a few to change.
func mutateAccount(t *testing.T) *fakeaws.Account {
	return &fakeaws.Account{
		ID: testAccountID,
		Roles: []*fakeaws.Role{
			{Name: "app", Path: "/svc/", ID: "AROAAPPAPPAPPAPPAPPAP", Created: mutateBase, Description: "the app's role",
				MaxSessionDuration: 7200, LastUsed: mutateBase.AddDate(0, 1, 0), LastUsedRegion: "eu-west-1",
				TrustPolicy: trustDoc, Boundary: boundaryARN,
				Tags:     []fakeaws.Tag{{Key: "team", Value: "payments"}, {Key: "env", Value: "prod"}},
				Inline:   []fakeaws.InlinePolicy{{Name: "z-write", Document: writeDoc}, {Name: "a-read", Document: readDoc}},
				Attached: []fakeaws.AttachedPolicy{{Name: "ReadOnlyAccess", ARN: readOnlyARN}, {Name: "AdministratorAccess", ARN: adminARN}},
				InstanceProfiles: []fakeaws.InstanceProfile{{Name: "app-profile", Path: "/svc/", ID: "AIPAAPPAPPAPPAPPAPPAP", Created: mutateBase,
					Tags: []fakeaws.Tag{{Key: "owner", Value: "payments"}}}}},
			{Name: "bare", ID: "AROABAREBAREBAREBAREB", Created: mutateBase},
			{Name: "AWSServiceRoleForExample", Path: "/aws-service-role/example.amazonaws.com/", Created: mutateBase},
			{Name: "AWSServiceRoleForBusy", Path: "/aws-service-role/busy.amazonaws.com/", Created: mutateBase},
		},
		InstanceProfiles: []fakeaws.InstanceProfile{{Name: "spare", ID: "AIPASPARESPARESPARESP", Created: mutateBase,
			Tags: []fakeaws.Tag{{Key: "purpose", Value: "restore"}}}},
		Groups: []*fakeaws.Group{{Name: "ops"}},
		Users: []*fakeaws.User{
			{Name: "alice", Path: "/dev/", ID: "AIDAALICEALICEALICEAL", Created: mutateBase,
				Tags:     []fakeaws.Tag{{Key: "owner", Value: "alice@example.com"}, {Key: "cost-center", Value: "42"}},
				Groups:   []string{"developers", "admins"},
				Inline:   []fakeaws.InlinePolicy{{Name: "s3", Document: readDoc}},
				Attached: []fakeaws.AttachedPolicy{{Name: "ReadOnlyAccess", ARN: readOnlyARN}},
				Boundary: boundaryARN,
				Password: &fakeaws.LoginProfile{Created: mutateBase.Add(time.Hour), LastUsed: mutateBase.AddDate(0, 2, 0), PasswordResetRequired: true},
				AccessKeys: []*fakeaws.AccessKey{
					{ID: aliceKey1, Created: mutateBase.Add(2 * time.Hour), LastUsed: mutateBase.AddDate(0, 3, 0), LastUsedRegion: "eu-west-1", LastUsedService: "s3"},
					// Used, but IAM knows neither where nor what: "N/A".
					{ID: aliceKey2, Inactive: true, Created: mutateBase.Add(3 * time.Hour), LastUsed: mutateBase.AddDate(0, 1, 0)},
				},
				MFADevices:          []fakeaws.MFADevice{{SerialNumber: aliceMFA}, {SerialNumber: hardwareMFA}},
				SSHPublicKeys:       []*fakeaws.SSHPublicKey{{ID: aliceSSH, Body: fixture(t, "ssh1.pub"), Inactive: true}},
				SigningCertificates: []*fakeaws.SigningCertificate{{ID: aliceCert, Body: fixture(t, "cert1.pem")}},
				ServiceCredentials: []*fakeaws.ServiceCredential{
					{ID: aliceGit, ServiceName: "codecommit.amazonaws.com"},
					{ID: aliceCQL, ServiceName: "cassandra.amazonaws.com", ServiceUserName: "alice-cql", Inactive: true},
				}},
			{Name: "bob", ID: "AIDABOBBOBBOBBOBBOBBO", Created: mutateBase,
				AccessKeys: []*fakeaws.AccessKey{{ID: "AKIABOB0000000000001", Created: mutateBase}}},
		},
	}
}

// appState is role app as ReadRole returns it.
func appState() iamsweep.RoleState {
	return iamsweep.RoleState{
		AccountID: testAccountID, ARN: "arn:aws:iam::" + testAccountID + ":role/svc/app", ID: "AROAAPPAPPAPPAPPAPPAP",
		Name: "app", Path: "/svc/", Created: mutateBase, Description: "the app's role", MaxSessionDuration: 7200,
		TrustPolicy: trustDoc, PermissionsBoundary: boundaryARN,
		Tags:             []iamsweep.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "payments"}},
		InlinePolicies:   []iamsweep.NamedDocument{{Name: "a-read", Document: readDoc}, {Name: "z-write", Document: writeDoc}},
		AttachedPolicies: []string{adminARN, readOnlyARN},
		InstanceProfiles: []iamsweep.InstanceProfileState{{Name: "app-profile", Path: "/svc/", ID: "AIPAAPPAPPAPPAPPAPPAP",
			ARN: "arn:aws:iam::" + testAccountID + ":instance-profile/svc/app-profile", Roles: []string{"app"},
			Tags: []iamsweep.Tag{{Key: "owner", Value: "payments"}}}},
		LastUsed: iamsweep.Usage{Time: mutateBase.AddDate(0, 1, 0), Region: "eu-west-1"},
	}
}

// aliceState is user alice as ReadUser returns it.
func aliceState(t *testing.T) iamsweep.UserState {
	return iamsweep.UserState{
		AccountID: testAccountID, ARN: "arn:aws:iam::" + testAccountID + ":user/dev/alice", ID: "AIDAALICEALICEALICEAL",
		Name: "alice", Path: "/dev/", Created: mutateBase, PermissionsBoundary: boundaryARN,
		Tags:             []iamsweep.Tag{{Key: "cost-center", Value: "42"}, {Key: "owner", Value: "alice@example.com"}},
		InlinePolicies:   []iamsweep.NamedDocument{{Name: "s3", Document: readDoc}},
		AttachedPolicies: []string{readOnlyARN},
		Groups:           []string{"admins", "developers"},
		LoginProfile:     &iamsweep.LoginProfileState{Created: mutateBase.Add(time.Hour), PasswordResetRequired: true},
		PasswordLastUsed: mutateBase.AddDate(0, 2, 0),
		AccessKeys: []iamsweep.AccessKeyState{
			{ID: aliceKey1, Active: true, Created: mutateBase.Add(2 * time.Hour), LastUsed: iamsweep.Usage{Time: mutateBase.AddDate(0, 3, 0), Region: "eu-west-1"}, LastUsedService: "s3"},
			{ID: aliceKey2, Created: mutateBase.Add(3 * time.Hour), LastUsed: iamsweep.Usage{Time: mutateBase.AddDate(0, 1, 0)}},
		},
		MFADevices:          []iamsweep.MFADeviceState{{SerialNumber: aliceMFA, Virtual: true}, {SerialNumber: hardwareMFA}},
		SSHPublicKeys:       []iamsweep.SSHPublicKeyState{{ID: aliceSSH, Body: fixture(t, "ssh1.pub")}},
		SigningCertificates: []iamsweep.SigningCertificateState{{ID: aliceCert, Body: fixture(t, "cert1.pem"), Active: true}},
		ServiceCredentials: []iamsweep.ServiceCredentialState{
			{ID: aliceGit, ServiceName: "codecommit.amazonaws.com", UserName: "alice-at-" + testAccountID, Active: true},
			{ID: aliceCQL, ServiceName: "cassandra.amazonaws.com", UserName: "alice-cql"},
		},
	}
}

// recorder keeps the form of every request the SDK sends.
type recorder struct {
	base http.RoundTripper
	// answered, when set, is called with the form of each request once
	// its response has arrived.
	answered func(url.Values)

	mu    sync.Mutex
	forms []url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var form url.Values
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		_ = req.Body.Close() // an in-memory body
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err = url.ParseQuery(string(body)); err == nil {
			r.mu.Lock()
			r.forms = append(r.forms, form)
			r.mu.Unlock()
		}
	}
	resp, err := r.base.RoundTrip(req)
	if err == nil && r.answered != nil {
		r.answered(form)
	}
	return resp, err
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.forms = nil
	r.mu.Unlock()
}

// sent returns the forms of the requests of action.
func (r *recorder) sent(action string) []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []url.Values
	for _, f := range r.forms {
		if f.Get("Action") == action {
			out = append(out, f)
		}
	}
	return out
}

type mutateEnv struct {
	srv *fakeaws.Server
	c   *Client
	rec *recorder
	log *bytes.Buffer
}

// newMutateEnv serves mutateAccount (and opts) and returns a client for it
// that records its requests and logs at debug level into a buffer.
func newMutateEnv(t *testing.T, opts ...fakeaws.Option) *mutateEnv {
	t.Helper()
	opts = append([]fakeaws.Option{
		fakeaws.WithAccounts(mutateAccount(t)),
		fakeaws.WithClock(func() time.Time { return mutateNow }),
	}, opts...)
	srv := fakeaws.New(t, opts...)
	rec := &recorder{base: srv.Client().Transport}
	cfg := testConfig(srv)
	cfg.HTTPClient = &http.Client{Transport: rec}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := New(cfg, log, Options{SLRPoll: time.Millisecond})
	return &mutateEnv{srv: srv, c: c, rec: rec, log: &logs}
}

func (e *mutateEnv) do(t *testing.T, steps ...iamsweep.Step) {
	t.Helper()
	for _, s := range steps {
		if err := e.c.Do(t.Context(), s); err != nil {
			t.Fatalf("Do(%s): %v", s, err)
		}
	}
}

func (e *mutateEnv) role(t *testing.T, name string) iamsweep.RoleState {
	t.Helper()
	st, err := e.c.ReadRole(t.Context(), name)
	if err != nil {
		t.Fatalf("ReadRole(%s): %v", name, err)
	}
	return st
}

func (e *mutateEnv) user(t *testing.T, name string) iamsweep.UserState {
	t.Helper()
	st, err := e.c.ReadUser(t.Context(), name)
	if err != nil {
		t.Fatalf("ReadUser(%s): %v", name, err)
	}
	return st
}

func TestClient_ReadRole(t *testing.T) {
	tests := []struct {
		name    string
		role    string
		want    iamsweep.RoleState
		wantErr error
	}{
		{name: "every attribute", role: "app", want: appState()},
		{name: "nothing but the defaults", role: "bare", want: iamsweep.RoleState{
			AccountID: testAccountID, ARN: "arn:aws:iam::" + testAccountID + ":role/bare", ID: "AROABAREBAREBAREBAREB",
			Name: "bare", Path: "/", Created: mutateBase, MaxSessionDuration: 3600, TrustPolicy: fakeaws.DefaultTrustPolicy,
		}},
		{name: "names are case-insensitive", role: "APP", want: appState()},
		{name: "missing", role: "ghost", wantErr: iamsweep.ErrNotFound},
	}
	// One item per page: every listing has to follow its Marker.
	env := newMutateEnv(t, fakeaws.WithMaxPageItems(1))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := env.c.ReadRole(t.Context(), tt.role)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || iamsweep.ErrorCode(err) != "NoSuchEntity" {
					t.Fatalf("err = %v (code %q), want %v", err, iamsweep.ErrorCode(err), tt.wantErr)
				}
				if !strings.Contains(err.Error(), "read role "+tt.role+" (GetRole)") {
					t.Errorf("err = %v; want it to name the role and the call", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadRole(%s) (-want +got):\n%s", tt.role, diff)
			}
		})
	}
}

func TestClient_ReadUser(t *testing.T) {
	tests := []struct {
		name    string
		user    string
		want    iamsweep.UserState
		wantErr error
	}{
		{name: "every attribute", user: "alice", want: aliceState(t)},
		{name: "no password, an unused key", user: "bob", want: iamsweep.UserState{
			AccountID: testAccountID, ARN: "arn:aws:iam::" + testAccountID + ":user/bob", ID: "AIDABOBBOBBOBBOBBOBBO",
			Name: "bob", Path: "/", Created: mutateBase,
			AccessKeys: []iamsweep.AccessKeyState{{ID: "AKIABOB0000000000001", Active: true, Created: mutateBase}},
		}},
		{name: "missing", user: "ghost", wantErr: iamsweep.ErrNotFound},
	}
	env := newMutateEnv(t, fakeaws.WithMaxPageItems(1))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := env.c.ReadUser(t.Context(), tt.user)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || iamsweep.ErrorCode(err) != "NoSuchEntity" {
					t.Fatalf("err = %v (code %q), want %v", err, iamsweep.ErrorCode(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadUser(%s) (-want +got):\n%s", tt.user, diff)
			}
		})
	}
	// The SSH key body is asked for in the SSH encoding.
	for _, f := range env.rec.sent("GetSSHPublicKey") {
		if f.Get("Encoding") != "SSH" || f.Get("UserName") != "alice" {
			t.Errorf("GetSSHPublicKey sent %v", f)
		}
	}
}

func TestClient_ReadInstanceProfile(t *testing.T) {
	arn := "arn:aws:iam::" + testAccountID + ":instance-profile/"
	tests := []struct {
		name    string
		profile string
		want    iamsweep.InstanceProfileState
		wantErr error
	}{
		{name: "holds a role", profile: "app-profile", want: appState().InstanceProfiles[0]},
		{name: "holds none", profile: "spare", want: iamsweep.InstanceProfileState{Name: "spare", Path: "/", ID: "AIPASPARESPARESPARESP",
			ARN: arn + "spare", Tags: []iamsweep.Tag{{Key: "purpose", Value: "restore"}}}},
		{name: "missing", profile: "ghost", wantErr: iamsweep.ErrNotFound},
	}
	env := newMutateEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := env.c.ReadInstanceProfile(t.Context(), tt.profile)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadInstanceProfile(%s) (-want +got):\n%s", tt.profile, diff)
			}
		})
	}
}
