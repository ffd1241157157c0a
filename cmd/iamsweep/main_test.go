package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// mainEnv, set to 1, makes the test binary run main() instead of the
// tests: the tests start it as a child process to run the real binary's
// entry.
const mainEnv = "IAMSWEEP_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// runtimeAPI plays the Lambda Runtime API
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) for a
// function process: it hands out the queued events one per GET
// .../invocation/next, collects what the function POSTs to
// .../invocation/{id}/response or .../error, and holds the next GET after
// the last event until the test ends, as Lambda holds an idle function.
type runtimeAPI struct {
	*httptest.Server
	events  chan []byte
	replies chan reply
	done    chan struct{}

	mu sync.Mutex
	n  int
}

// reply is what the function answered to one invocation.
type reply struct {
	requestID string
	kind      string // "response" or "error"
	body      []byte
}

func newRuntimeAPI(t *testing.T, events ...[]byte) *runtimeAPI {
	t.Helper()
	rt := &runtimeAPI{events: make(chan []byte, len(events)), replies: make(chan reply, len(events)), done: make(chan struct{})}
	for _, e := range events {
		rt.events <- e
	}
	rt.Server = httptest.NewServer(http.HandlerFunc(rt.serve))
	t.Cleanup(func() {
		close(rt.done)
		rt.Close()
	})
	return rt
}

func (rt *runtimeAPI) serve(w http.ResponseWriter, r *http.Request) {
	const prefix = "/2018-06-01/runtime/invocation/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	switch {
	case ok && rest == "next" && r.Method == http.MethodGet:
		var event []byte
		select {
		case event = <-rt.events:
		case <-rt.done:
			http.Error(w, "the test is over", http.StatusGone)
			return
		case <-r.Context().Done():
			return
		}
		rt.mu.Lock()
		rt.n++
		id := fmt.Sprintf("request-%d", rt.n)
		rt.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(2*time.Minute).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:111122223333:function:iamsweep")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-5e1b4151-5ac6c58f2b8f3ef1d2a6e3c9;Parent=0123456789abcdef;Sampled=0")
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(event)
	case ok && r.Method == http.MethodPost:
		id, kind, found := strings.Cut(rest, "/")
		if !found || (kind != "response" && kind != "error") {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		rt.replies <- reply{requestID: id, kind: kind, body: body}
	default:
		http.NotFound(w, r)
	}
}

// await returns the next reply, or fails when none comes in time or the
// function's process ends.
func (rt *runtimeAPI) await(t *testing.T, p *proc) reply {
	t.Helper()
	timer := time.NewTimer(90 * time.Second)
	defer timer.Stop()
	select {
	case r := <-rt.replies:
		return r
	case <-p.exited:
		t.Fatalf("the process ended (%v) before it answered; stdout %.300q, stderr:\n%s", p.err, p.stdout.String(), p.stderr.String())
	case <-timer.C:
		t.Fatalf("the function answered no invocation; its stderr:\n%s", p.stderr.String())
	}
	return reply{}
}

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

// exampleAccount seeds a fake account from the example export.
func exampleAccount(t *testing.T) *fakeaws.Account {
	t.Helper()
	f, err := os.Open("../../examples/account-export.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := os.Open("../../examples/credential-report.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	acct, err := fakeaws.AccountFromFiles(t.Context(), f, "account-export.json", r, "credential-report.csv")
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

// proc is the binary's main running in a child process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	// exited is closed when the process has ended; err is then its
	// Wait's error.
	exited chan struct{}
	err    error
}

// start runs the binary's main in a child process with the given
// arguments and environment (added to a clean one), its stdout and
// stderr captured. The process is killed when the test ends.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	home := t.TempDir()
	cmd.Env = append([]string{
		mainEnv + "=1",
		"HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"PATH=" + os.Getenv("PATH"),
	}, env...)
	p := &proc{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// wait waits for the process to end, and fails when it does not in time.
func (p *proc) wait(t *testing.T) error {
	t.Helper()
	timer := time.NewTimer(60 * time.Second)
	defer timer.Stop()
	select {
	case <-p.exited:
		return p.err
	case <-timer.C:
		t.Fatalf("the process did not exit; stderr %q", p.stderr.String())
		return nil
	}
}

// TestLambda_runtimeAPI runs the binary as Lambda runs it (no arguments,
// AWS_LAMBDA_RUNTIME_API set) against a Runtime API played by the test and
// the fake AWS endpoint: an AWS Config change event is evaluated and
// recorded, and an event the function does not handle fails with an
// InputError, after which the function keeps serving.
func TestLambda_runtimeAPI(t *testing.T) {
	const rule = "iamsweep-unused-iam-roles"
	srv := fakeaws.New(t, fakeaws.WithAccounts(exampleAccount(t)), fakeaws.WithConfigRule("111122223333", fakeaws.ConfigRule{Name: rule}))
	change, err := os.ReadFile("../../internal/lambdafn/testdata/config-change.json")
	if err != nil {
		t.Fatal(err)
	}
	change = bytes.Replace(change, []byte("RESULT_TOKEN"), []byte(srv.ResultToken("111122223333", rule)), 1)
	rt := newRuntimeAPI(t, []byte(`{"hello":"world"}`), change)

	p := start(t, []string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(rt.URL, "http://"),
		"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_REGION=us-east-1",
		"IAMSWEEP_ENDPOINT_URL=" + srv.URL,
		"IAMSWEEP_AS_OF=2026-11-23T00:00:00Z",
	})

	bad := rt.await(t, p)
	var doc struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}
	if err := json.Unmarshal(bad.body, &doc); err != nil || bad.kind != "error" || doc.Type != "iamsweep.InputError" ||
		!strings.Contains(doc.Message, "not an event iamsweep handles") {
		t.Errorf("unknown event: %s %s (%v)", bad.kind, bad.body, err)
	}

	good := rt.await(t, p)
	var res struct {
		Event       string         `json:"event"`
		ConfigRule  string         `json:"config_rule"`
		Evaluations map[string]int `json:"evaluations"`
	}
	if err := json.Unmarshal(good.body, &res); err != nil || good.kind != "response" || good.requestID != "request-2" ||
		res.Event != "ConfigurationItemChangeNotification" || res.ConfigRule != rule || res.Evaluations["NON_COMPLIANT"] != 1 {
		t.Errorf("change event: %s %s %s (%v)", good.requestID, good.kind, good.body, err)
	}
	results := srv.ConfigResults("111122223333", rule)
	if len(results) != 1 || results[0].ResourceID != "AROAZNC6TVW53DKLUSZAF" || results[0].ComplianceType != "NON_COMPLIANT" {
		t.Errorf("results %+v", results)
	}

	// Logs: JSON records only, on stderr; nothing on stdout.
	for _, line := range strings.Split(strings.TrimSpace(p.stderr.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("stderr line is not JSON: %q", line)
		}
	}
	if p.stdout.String() != "" {
		t.Errorf("stdout: %q", p.stdout.String())
	}
}

// TestLambda_detection: with arguments, or without the Lambda runtime's
// variable, the binary is the command line.
func TestLambda_detection(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"a command in the Lambda runtime", []string{"AWS_LAMBDA_RUNTIME_API=127.0.0.1:1"}, []string{"version"}, "iamsweep"},
		{"no runtime, no arguments", nil, nil, "Usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, tt.env, tt.args...)
			if err := p.wait(t); err != nil || !strings.Contains(p.stdout.String(), tt.want) {
				t.Errorf("exit %v, stdout %q, stderr %q; want %q", err, p.stdout.String(), p.stderr.String(), tt.want)
			}
		})
	}
}
