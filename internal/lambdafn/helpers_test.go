package lambdafn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/cli"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	exampleExport  = "../../examples/account-export.json"
	exampleReport  = "../../examples/credential-report.csv"
	exampleAccount = "111122223333"
	ruleName       = "iamsweep-unused-iam-roles"
)

// asOf is the time the tests evaluate at, the README demo's.
var asOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// isolateAWS points the SDK's default chain at static keys and the
// Region Lambda sets, and at nothing else: no shared files, no instance
// metadata. Tests that call it cannot run in parallel.
func isolateAWS(t *testing.T, accessKey string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_REGION", "us-east-1")
	// A default state database would land here; the function has none.
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// exampleAccountState seeds a fake account with the roles and users of the
// example export and credential report.
func exampleAccountState(t *testing.T) *fakeaws.Account {
	t.Helper()
	f, err := os.Open(exampleExport)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := os.Open(exampleReport)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	acct, err := fakeaws.AccountFromFiles(t.Context(), f, exampleExport, r, exampleReport)
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

// syncBuffer is a bytes.Buffer safe for concurrent writes (the scan logs
// from several goroutines).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is a handler wired to a fake endpoint, with its environment.
type fixture struct {
	srv    *fakeaws.Server
	h      *Handler
	env    map[string]string
	stdout *syncBuffer
	stderr *syncBuffer
}

// newFixture serves the example account (with the Config rule) and
// returns a handler whose settings send every AWS call there.
func newFixture(t *testing.T, opts ...fakeaws.Option) *fixture {
	t.Helper()
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE")
	base := []fakeaws.Option{
		fakeaws.WithAccounts(exampleAccountState(t)),
		fakeaws.WithConfigRule(exampleAccount, fakeaws.ConfigRule{Name: ruleName}),
		fakeaws.WithReportDelay(0),
		fakeaws.WithClock(func() time.Time { return asOf.Add(6 * time.Hour) }),
	}
	return newFixtureWith(t, append(base, opts...)...)
}

func newFixtureWith(t *testing.T, opts ...fakeaws.Option) *fixture {
	t.Helper()
	srv := fakeaws.New(t, opts...)
	fx := &fixture{srv: srv, env: map[string]string{"IAMSWEEP_ENDPOINT_URL": srv.URL}, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	fx.h = &Handler{
		Entry: cli.Entry{
			IO:    cli.IO{In: strings.NewReader(""), Out: fx.stdout, ErrOut: fx.stderr, Getenv: func(k string) string { return fx.env[k] }},
			Now:   func() time.Time { return asOf },
			Retry: awsapi.RetryOptions{NoBackoff: true, MaxAttempts: 3},
		},
		ConfigRules: awsapi.ConfigRulesOptions{Wait: time.Nanosecond},
	}
	return fx
}

// event reads a payload of testdata, with edit applied to it as a JSON
// object, and the result token the fake issued for the rule in place of
// RESULT_TOKEN.
func (fx *fixture) event(t *testing.T, name string, edit func(map[string]any)) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if ev["resultToken"] == "RESULT_TOKEN" {
		ev["resultToken"] = fx.srv.ResultToken(exampleAccount, ruleName)
	}
	if edit != nil {
		edit(ev)
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// invoke runs the handler on an event, as the Lambda runtime would.
func (fx *fixture) invoke(t *testing.T, event json.RawMessage) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	return fx.h.Invoke(ctx, event)
}

// checkJSONLogs fails unless every line of the function's stderr is a
// JSON object.
func (fx *fixture) checkJSONLogs(t *testing.T) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(fx.stderr.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["level"] == nil || rec["msg"] == nil {
			t.Errorf("log line is not a JSON record: %q", line)
		}
	}
}

// lambdaError returns the error type of an invocation's error, "" for
// none; it fails when the error is not the runtime's error document.
func lambdaError(t *testing.T, err error) (typ, msg string) {
	t.Helper()
	if err == nil {
		return "", ""
	}
	var ie messages.InvokeResponse_Error
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not a messages.InvokeResponse_Error", err, err)
	}
	return ie.Type, ie.Message
}
