//go:build integration

package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// motoVersion is the moto release the suite is written against; the README
// and CI install this one.
const motoVersion = "5.2.1"

// requireMotoVar, set to 1, turns the skip without moto_server into a
// failure, so that CI cannot pass without running the suite.
const requireMotoVar = "IAMSWEEP_REQUIRE_MOTO"

// motoAccount is the account moto puts every resource in when the access
// key of the request is not one it issued.
const motoAccount = "123456789012"

// motoEnv is the environment moto_server runs with.
var motoEnv = []string{
	// AWS managed policies (arn:aws:iam::aws:policy/...) exist in every AWS
	// account; moto_server knows them only when asked to load them.
	"MOTO_IAM_LOAD_MANAGED_POLICIES=true",
}

// running holds the process groups of the moto servers alive, so that
// TestMain can kill them when the tests end or a signal arrives, whatever
// the state of the tests. (When the test binary dies without running
// TestMain's code, a test timeout, the kernel kills them: see Pdeathsig.)
var running = struct {
	sync.Mutex
	groups map[int]bool
}{groups: map[int]bool{}}

func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

func killRunning() {
	running.Lock()
	defer running.Unlock()
	for pgid := range running.groups {
		killGroup(pgid)
		delete(running.groups, pgid)
	}
}

func TestMain(m *testing.M) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		killRunning()
		fmt.Fprintf(os.Stderr, "integration: %v: killed every moto_server\n", s)
		os.Exit(128 + int(s.(syscall.Signal)))
	}()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	defer killRunning()
	return m.Run()
}

// moto is one moto_server process.
type moto struct {
	// URL is where it listens, http://127.0.0.1:PORT.
	URL  string
	pgid int
	out  *tail
	// done is closed once the process has exited; err is then Wait's error.
	done     chan struct{}
	err      error
	stopOnce sync.Once
}

var errMotoMissing = errors.New("moto_server cannot run")

// startMoto starts moto_server on a free port of 127.0.0.1, waits until it
// answers, and stops it when the test ends. Without moto_server it skips the
// test, or fails it when IAMSWEEP_REQUIRE_MOTO=1.
func startMoto(t *testing.T) *moto {
	t.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		motoMissing(t, "moto_server is not on the PATH")
	}
	var errs []error
	// Another process may take the port between freePort and moto's bind:
	// moto then exits, and a new port is tried.
	for range 3 {
		m, err := launchMoto(t.Context(), path)
		if err == nil {
			t.Cleanup(func() {
				m.stop()
				if t.Failed() {
					t.Logf("moto_server output (its last %d KiB):\n%s", m.out.max>>10, m.out)
				}
			})
			return m
		}
		if errors.Is(err, errMotoMissing) {
			motoMissing(t, err.Error())
		}
		errs = append(errs, err)
	}
	t.Fatalf("start moto_server: %v", errors.Join(errs...))
	return nil
}

func motoMissing(t *testing.T, why string) {
	t.Helper()
	install := fmt.Sprintf("pip install 'moto[server]==%s'", motoVersion)
	if os.Getenv(requireMotoVar) == "1" {
		t.Fatalf("%s and %s=1: install moto with %s", why, requireMotoVar, install)
	}
	t.Skipf("%s: install moto with %s to run the integration tests (%s=1 makes this skip a failure)", why, install, requireMotoVar)
}

func launchMoto(ctx context.Context, path string) (*moto, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), motoEnv...)
	out := &tail{max: 32 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that one kill stops moto and anything it
	// starts, and a Ctrl-C in the terminal reaches only the test binary,
	// which then kills the group. Pdeathsig kills moto if the test binary
	// dies first (a test timeout exits without running deferred calls or
	// cleanups); it survives the exec chain of a pyenv shim.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %v", errMotoMissing, err)
	}
	m := &moto{URL: "http://127.0.0.1:" + strconv.Itoa(port), pgid: cmd.Process.Pid, out: out, done: make(chan struct{})}
	running.Lock()
	running.groups[m.pgid] = true
	running.Unlock()
	go func() {
		m.err = cmd.Wait()
		running.Lock()
		delete(running.groups, m.pgid)
		running.Unlock()
		close(m.done)
	}()
	if err := m.waitReady(ctx, 30*time.Second); err != nil {
		m.stop()
		return nil, err
	}
	return m, nil
}

// waitReady polls moto until it answers HTTP, it exits, or the time is up.
func (m *moto) waitReady(ctx context.Context, within time.Duration) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL+"/moto-api/data.json", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-tick.C:
		case <-m.done:
			var ee *exec.ExitError
			if errors.As(m.err, &ee) && ee.ExitCode() == 127 {
				// A shell wrapper (a pyenv shim) that finds no moto_server.
				return fmt.Errorf("%w: %s", errMotoMissing, strings.TrimSpace(m.out.String()))
			}
			return fmt.Errorf("moto_server exited before answering (%v):\n%s", m.err, m.out)
		case <-deadline.C:
			return fmt.Errorf("moto_server did not answer at %s within %v:\n%s", m.URL, within, m.out)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stop kills moto's process group and waits for moto to exit.
func (m *moto) stop() {
	m.stopOnce.Do(func() {
		select {
		case <-m.done: // exited by itself
		default:
			killGroup(m.pgid)
		}
		<-m.done
	})
}

// enableAuth makes moto check every later request's signature and IAM
// permissions, as AWS does (moto accepts any request until then). It goes
// through moto's own control API, the one call of the suite that is not an
// AWS API: there is no AWS API for it.
func (m *moto) enableAuth(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL+"/moto-api/reset-auth", strings.NewReader("0"))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("enable moto's IAM authentication: %s: %s", resp.Status, body)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 2*t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b[max(0, len(t.b)-t.max):])
}

// exchange is one HTTP request to AWS and its response.
type exchange struct {
	seq    int
	via    string // "sdk" (the seeding client) or "cli" (through the proxy)
	action string // the query protocol's Action
	method string
	url    string
	req    []byte
	status int
	resp   []byte
	err    error
	// key is the access key ID that signed the request (SigV4's
	// Credential), service the service it was signed for ("iam", "sts",
	// "organizations").
	key, service string
}

// recorder keeps the requests the tests send to AWS, and their responses,
// and prints them when a test fails: the request and the response that
// disagreed are among them.
type recorder struct {
	mu      sync.Mutex
	keep    int
	n       int
	last    []exchange // the last keep exchanges, with their bodies, oldest first
	actions []exchange // every exchange, with its request body only
	dumped  bool
}

// maxBody caps the bytes kept of one request or response body.
const maxBody = 8 << 20

// keepResponse are the actions whose (small) responses every exchange keeps,
// not only the last ones: the credentials AssumeRole issued tell which
// account a later request was made in.
var keepResponse = map[string]bool{"AssumeRole": true, "GetCallerIdentity": true}

func newRecorder(keep int) *recorder { return &recorder{keep: keep} }

// keepLast makes the recorder keep the last n exchanges with their bodies
// (and print them when a test fails): for tests whose scans make more calls.
func (r *recorder) keepLast(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keep = n
}

// watch prints the exchanges of the test (from now on) if it fails: the
// last ones, with their bodies. A test that fails after one of its
// subtests printed its own prints nothing more.
func (r *recorder) watch(t *testing.T) {
	r.mu.Lock()
	mark := r.n
	r.mu.Unlock()
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.dumped && mark == 0 {
			return
		}
		r.dumped = true
		t.Log(r.dumpSince(mark))
	})
}

func (r *recorder) add(ex exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	ex.seq = r.n
	kept := exchange{seq: ex.seq, via: ex.via, action: ex.action, key: ex.key, service: ex.service, status: ex.status, req: ex.req}
	if keepResponse[ex.action] {
		kept.resp = ex.resp
	}
	r.actions = append(r.actions, kept)
	r.last = append(r.last, ex)
	if len(r.last) > r.keep {
		r.last = r.last[1:]
	}
}

// calls returns the exchanges made through via (with their request bodies
// but not their responses, except those of keepResponse), in order.
func (r *recorder) calls(via string) []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []exchange
	for _, ex := range r.actions {
		if ex.via == via {
			out = append(out, ex)
		}
	}
	return out
}

// since returns the exchanges after the first n, with their responses when
// they are among the last ones kept.
func (r *recorder) since(n int) []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []exchange
	for _, ex := range r.last {
		if ex.seq > n {
			out = append(out, ex)
		}
	}
	return out
}

// count is the number of exchanges so far.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

func (r *recorder) dumpSince(mark int) string {
	var b strings.Builder
	var shown []exchange
	for _, ex := range r.last {
		if ex.seq > mark {
			shown = append(shown, ex)
		}
	}
	fmt.Fprintf(&b, "the last %d of the %d AWS requests of the test, oldest first:\n", len(shown), r.n-mark)
	for _, ex := range shown {
		ex.write(&b, 2<<10, 6<<10)
	}
	return b.String()
}

// excerpt shows the newest response that holds needle, around it: the
// AWS answer about one principal, in a response about hundreds.
func (r *recorder) excerpt(needle string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.last) - 1; i >= 0; i-- {
		ex := r.last[i]
		at := bytes.Index(ex.resp, []byte(needle))
		if at < 0 {
			continue
		}
		from, to := max(0, at-1500), min(len(ex.resp), at+len(needle)+1500)
		return fmt.Sprintf("AWS request #%d (%s %s): %s\nits response (%d bytes), bytes %d to %d:\n%s",
			ex.seq, ex.via, ex.action, clip(ex.req, 1<<10), len(ex.resp), from, to, ex.resp[from:to])
	}
	return fmt.Sprintf("(no response among the last %d AWS requests holds %q)", len(r.last), needle)
}

func (ex exchange) write(w io.Writer, maxReq, maxResp int) {
	fmt.Fprintf(w, "--- #%d %s %s %s %s (signed by %s for %s)\n> %s\n", ex.seq, ex.via, ex.action, ex.method, ex.url, ex.key, ex.service, clip(ex.req, maxReq))
	if ex.err != nil {
		fmt.Fprintf(w, "< error: %v\n", ex.err)
		return
	}
	fmt.Fprintf(w, "< %d (%d bytes) %s\n", ex.status, len(ex.resp), clip(ex.resp, maxResp))
}

func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return fmt.Sprintf("%s… (%d more bytes)", b[:n], len(b)-n)
}

// transport returns an http.RoundTripper that sends requests through next
// and records them.
func (r *recorder) transport(via string, next http.RoundTripper) http.RoundTripper {
	return &recordingTransport{rec: r, via: via, next: next}
}

type recordingTransport struct {
	rec  *recorder
	via  string
	next http.RoundTripper
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	ex := exchange{via: rt.via, method: req.Method, url: req.URL.String(), req: capBody(reqBody), action: action(req, reqBody)}
	if m := sigv4Credential.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
		ex.key, ex.service = m[1], m[2]
	}
	resp, err := rt.next.RoundTrip(req)
	if err != nil {
		ex.err = err
		rt.rec.add(ex)
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	ex.status, ex.resp, ex.err = resp.StatusCode, capBody(body), err
	rt.rec.add(ex)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func capBody(b []byte) []byte { return b[:min(len(b), maxBody)] }

// sigv4Credential finds the access key ID and the service in a SigV4
// Authorization header: Credential=KEY/DATE/REGION/SERVICE/aws4_request.
var sigv4Credential = regexp.MustCompile(`Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/aws4_request`)

// action names the operation of a request: the Action of the query
// protocol (IAM, STS), or the operation of the X-Amz-Target of the JSON
// protocols (Organizations: AWSOrganizationsV20161128.ListAccounts is
// ListAccounts).
func action(req *http.Request, body []byte) string {
	if t := req.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndex(t, ".")+1:]
	}
	if v, err := url.ParseQuery(string(body)); err == nil && v.Get("Action") != "" {
		return v.Get("Action")
	}
	return req.Method + " " + req.URL.Path
}

// proxy starts a recording reverse proxy to target on 127.0.0.1 and returns
// its URL. The CLI builds its own SDK configuration from the environment, so
// its requests are recorded here, on their way to moto (--endpoint-url).
func (r *recorder) proxy(t *testing.T, target string) string {
	t.Helper()
	return r.proxyWith(t, target, nil)
}

// proxyWith is proxy with wrap, when not nil, between the recorder and
// moto: what wrap answers is what the CLI gets and the recorder records.
func (r *recorder) proxyWith(t *testing.T, target string, wrap func(http.RoundTripper) http.RoundTripper) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTransport()
	next := http.RoundTripper(tr)
	if wrap != nil {
		next = wrap(tr)
	}
	srv := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			// SigV4 signs the Host header: keep the one the client signed,
			// or moto (with authentication on) rejects the signature.
			pr.Out.Host = pr.In.Host
		},
		Transport: r.transport("cli", next),
	})
	t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
	})
	return srv.URL
}

func newTransport() *http.Transport {
	return &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
}

// awsEnv is one moto server with everything a test needs to talk to it.
type awsEnv struct {
	Moto *moto
	Rec  *recorder
	// Config is the SDK configuration the tests seed moto with: static test
	// credentials, region us-east-1, moto's URL, a recording HTTP client,
	// and no retries (one call is one request).
	Config aws.Config
	IAM    *iam.Client
	// ProxyURL is the recording proxy to moto, for the CLI's --endpoint-url.
	ProxyURL string
}

func newAWSEnv(t *testing.T) *awsEnv {
	t.Helper()
	m := startMoto(t)
	rec := newRecorder(8)
	rec.watch(t)
	tr := newTransport()
	t.Cleanup(tr.CloseIdleConnections)
	cfg := sdkConfig(m.URL, &http.Client{Transport: rec.transport("sdk", tr)}, "testing", "testing", "")
	return &awsEnv{Moto: m, Rec: rec, Config: cfg, IAM: iam.NewFromConfig(cfg), ProxyURL: rec.proxy(t, m.URL)}
}

func sdkConfig(endpoint string, client aws.HTTPClient, key, secret, token string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, token),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   client,
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// with returns a copy of the environment's SDK configuration with other
// credentials.
func (e *awsEnv) with(key, secret, token string) aws.Config {
	return sdkConfig(*e.Config.BaseEndpoint, e.Config.HTTPClient, key, secret, token)
}

// Seeding. Everything the tests put in moto goes through the AWS APIs, with
// the SDK, as a user (or a later restore) would create it.

type tag struct{ Key, Value string }

func iamTags(tags []tag) []iamtypes.Tag {
	var out []iamtypes.Tag
	for _, t := range tags {
		out = append(out, iamtypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	return out
}

// policySpec is an inline policy: its name and its document as JSON text.
type policySpec struct{ Name, Doc string }

// roleSpec is a role as the tests create it: every attribute iamsweep reads
// or will restore.
type roleSpec struct {
	Name string
	// Path is "" for IAM's default, "/".
	Path string
	// Trust is the trust policy (AssumeRolePolicyDocument) as JSON text.
	Trust       string
	Description string
	// MaxSessionDuration is in seconds; 0 for IAM's default, 3600.
	MaxSessionDuration int32
	// Boundary is the ARN of the permissions boundary, or "".
	Boundary string
	Tags     []tag
	Inline   []policySpec
	// Attached are the ARNs of the managed policies attached to the role.
	Attached         []string
	InstanceProfiles []profileSpec
}

type profileSpec struct {
	Name, Path string
	Tags       []tag
}

// seededRole is a role as created: its spec and what IAM assigned.
type seededRole struct {
	Spec     roleSpec
	ARN, ID  string
	Created  time.Time
	Profiles []seededProfile
}

type seededProfile struct {
	Spec    profileSpec
	ARN, ID string
	Created time.Time
}

func (r seededRole) path() string { return orDefault(r.Spec.Path, "/") }

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// seedRole creates a role with everything its spec holds, with the calls a
// restore would make: CreateRole (with the path, trust policy, description,
// session duration, boundary and tags), PutRolePolicy, AttachRolePolicy,
// CreateInstanceProfile and AddRoleToInstanceProfile.
func seedRole(ctx context.Context, c *iam.Client, s roleSpec) (seededRole, error) {
	in := &iam.CreateRoleInput{
		RoleName:                 aws.String(s.Name),
		AssumeRolePolicyDocument: aws.String(s.Trust),
		Tags:                     iamTags(s.Tags),
	}
	if s.Path != "" {
		in.Path = aws.String(s.Path)
	}
	if s.Description != "" {
		in.Description = aws.String(s.Description)
	}
	if s.MaxSessionDuration != 0 {
		in.MaxSessionDuration = aws.Int32(s.MaxSessionDuration)
	}
	if s.Boundary != "" {
		in.PermissionsBoundary = aws.String(s.Boundary)
	}
	out, err := c.CreateRole(ctx, in)
	if err != nil {
		return seededRole{}, fmt.Errorf("create role %s: %w", s.Name, err)
	}
	r := seededRole{Spec: s, ARN: aws.ToString(out.Role.Arn), ID: aws.ToString(out.Role.RoleId), Created: aws.ToTime(out.Role.CreateDate)}
	for _, p := range s.Inline {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: in.RoleName, PolicyName: aws.String(p.Name), PolicyDocument: aws.String(p.Doc)}); err != nil {
			return r, fmt.Errorf("put policy %s on role %s: %w", p.Name, s.Name, err)
		}
	}
	for _, arn := range s.Attached {
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: in.RoleName, PolicyArn: aws.String(arn)}); err != nil {
			return r, fmt.Errorf("attach %s to role %s: %w", arn, s.Name, err)
		}
	}
	for _, p := range s.InstanceProfiles {
		pin := &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(p.Name), Tags: iamTags(p.Tags)}
		if p.Path != "" {
			pin.Path = aws.String(p.Path)
		}
		out, err := c.CreateInstanceProfile(ctx, pin)
		if err != nil {
			return r, fmt.Errorf("create instance profile %s: %w", p.Name, err)
		}
		if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: pin.InstanceProfileName, RoleName: in.RoleName}); err != nil {
			return r, fmt.Errorf("add role %s to instance profile %s: %w", s.Name, p.Name, err)
		}
		ip := out.InstanceProfile
		r.Profiles = append(r.Profiles, seededProfile{Spec: p, ARN: aws.ToString(ip.Arn), ID: aws.ToString(ip.InstanceProfileId), Created: aws.ToTime(ip.CreateDate)})
	}
	return r, nil
}

// seedServiceLinkedRole creates a service-linked role with
// CreateServiceLinkedRole; IAM chooses its name, path and trust policy.
func seedServiceLinkedRole(ctx context.Context, c *iam.Client, service, suffix string) (seededRole, error) {
	in := &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(service), Description: aws.String("service-linked role of " + service)}
	if suffix != "" {
		in.CustomSuffix = aws.String(suffix)
	}
	out, err := c.CreateServiceLinkedRole(ctx, in)
	if err != nil {
		return seededRole{}, fmt.Errorf("create service-linked role for %s: %w", service, err)
	}
	r := out.Role
	trust, err := url.PathUnescape(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil {
		return seededRole{}, fmt.Errorf("service-linked role for %s: trust policy: %w", service, err)
	}
	return seededRole{
		Spec: roleSpec{
			Name: aws.ToString(r.RoleName), Path: aws.ToString(r.Path), Trust: trust,
			Description: aws.ToString(r.Description), MaxSessionDuration: aws.ToInt32(r.MaxSessionDuration),
		},
		ARN: aws.ToString(r.Arn), ID: aws.ToString(r.RoleId), Created: aws.ToTime(r.CreateDate),
	}, nil
}

// seedPolicy creates a customer managed policy and returns its ARN.
func seedPolicy(ctx context.Context, c *iam.Client, path, name, doc string) (string, error) {
	out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{Path: aws.String(path), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
	if err != nil {
		return "", fmt.Errorf("create policy %s: %w", name, err)
	}
	return aws.ToString(out.Policy.Arn), nil
}

// groupSpec is an IAM group as the tests create it.
type groupSpec struct {
	Name, Path string
	Inline     []policySpec
	Attached   []string
}

func seedGroup(ctx context.Context, c *iam.Client, g groupSpec) error {
	in := &iam.CreateGroupInput{GroupName: aws.String(g.Name)}
	if g.Path != "" {
		in.Path = aws.String(g.Path)
	}
	if _, err := c.CreateGroup(ctx, in); err != nil {
		return fmt.Errorf("create group %s: %w", g.Name, err)
	}
	for _, p := range g.Inline {
		if _, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: in.GroupName, PolicyName: aws.String(p.Name), PolicyDocument: aws.String(p.Doc)}); err != nil {
			return fmt.Errorf("put policy %s on group %s: %w", p.Name, g.Name, err)
		}
	}
	for _, arn := range g.Attached {
		if _, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: in.GroupName, PolicyArn: aws.String(arn)}); err != nil {
			return fmt.Errorf("attach %s to group %s: %w", arn, g.Name, err)
		}
	}
	return nil
}

// userSpec is an IAM user as the tests create it, with its credentials.
type userSpec struct {
	Name, Path string
	// Password is the console password (a login profile); "" for none.
	Password string
	// Keys are the access keys to create, by status.
	Keys []iamtypes.StatusType
	// Groups the user is added to; seed them first.
	Groups []string
	// MFA gives the user a virtual MFA device.
	MFA      bool
	Inline   []policySpec
	Attached []string
	Tags     []tag
}

type seededUser struct {
	Spec      userSpec
	ARN, ID   string
	Created   time.Time
	Keys      []accessKey
	MFASerial string
}

type accessKey struct {
	ID, Secret string
	Status     iamtypes.StatusType
	// Created is the CreateDate CreateAccessKey returned.
	Created time.Time
}

func seedUser(ctx context.Context, c *iam.Client, s userSpec) (seededUser, error) {
	in := &iam.CreateUserInput{UserName: aws.String(s.Name), Tags: iamTags(s.Tags)}
	if s.Path != "" {
		in.Path = aws.String(s.Path)
	}
	out, err := c.CreateUser(ctx, in)
	if err != nil {
		return seededUser{}, fmt.Errorf("create user %s: %w", s.Name, err)
	}
	u := seededUser{Spec: s, ARN: aws.ToString(out.User.Arn), ID: aws.ToString(out.User.UserId), Created: aws.ToTime(out.User.CreateDate)}
	if s.Password != "" {
		if _, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: in.UserName, Password: aws.String(s.Password)}); err != nil {
			return u, fmt.Errorf("create login profile of %s: %w", s.Name, err)
		}
	}
	for _, status := range s.Keys {
		out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: in.UserName})
		if err != nil {
			return u, fmt.Errorf("create access key of %s: %w", s.Name, err)
		}
		k := accessKey{ID: aws.ToString(out.AccessKey.AccessKeyId), Secret: aws.ToString(out.AccessKey.SecretAccessKey), Status: out.AccessKey.Status,
			Created: aws.ToTime(out.AccessKey.CreateDate)}
		if status != k.Status {
			if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: in.UserName, AccessKeyId: aws.String(k.ID), Status: status}); err != nil {
				return u, fmt.Errorf("make access key of %s %s: %w", s.Name, status, err)
			}
			k.Status = status
		}
		u.Keys = append(u.Keys, k)
	}
	for _, g := range s.Groups {
		if _, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: in.UserName, GroupName: aws.String(g)}); err != nil {
			return u, fmt.Errorf("add %s to group %s: %w", s.Name, g, err)
		}
	}
	if s.MFA {
		out, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(s.Name + "-mfa")})
		if err != nil {
			return u, fmt.Errorf("create MFA device of %s: %w", s.Name, err)
		}
		u.MFASerial = aws.ToString(out.VirtualMFADevice.SerialNumber)
		if _, err := c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{
			UserName: in.UserName, SerialNumber: aws.String(u.MFASerial),
			AuthenticationCode1: aws.String("123456"), AuthenticationCode2: aws.String("654321"),
		}); err != nil {
			return u, fmt.Errorf("enable MFA device of %s: %w", s.Name, err)
		}
	}
	for _, p := range s.Inline {
		if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: in.UserName, PolicyName: aws.String(p.Name), PolicyDocument: aws.String(p.Doc)}); err != nil {
			return u, fmt.Errorf("put policy %s on user %s: %w", p.Name, s.Name, err)
		}
	}
	for _, arn := range s.Attached {
		if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: in.UserName, PolicyArn: aws.String(arn)}); err != nil {
			return u, fmt.Errorf("attach %s to user %s: %w", arn, s.Name, err)
		}
	}
	return u, nil
}

// useRole makes moto record a use of the role (RoleLastUsed): it assumes
// the role with STS and calls IAM with the role's credentials.
//
// AssumeRole goes over STS's query protocol by hand, signed with the SDK's
// SigV4 signer. (The organization tests use service/sts and stscreds.)
func (e *awsEnv) useRole(ctx context.Context, roleARN string) error {
	form := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {roleARN}, "RoleSessionName": {"iamsweep-integration"}}
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Moto.URL+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	creds, err := e.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sts", e.Config.Region, time.Now()); err != nil {
		return fmt.Errorf("sign AssumeRole: %w", err)
	}
	resp, err := e.Config.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("assume role %s: %w", roleARN, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("assume role %s: %w", roleARN, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("assume role %s: %s: %s", roleARN, resp.Status, data)
	}
	var out struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
		} `xml:"AssumeRoleResult>Credentials"`
	}
	if err := xml.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("assume role %s: decode response: %w", roleARN, err)
	}
	c := out.Credentials
	if c.AccessKeyID == "" {
		return fmt.Errorf("assume role %s: no credentials in the response: %s", roleARN, data)
	}
	role := iam.NewFromConfig(e.with(c.AccessKeyID, c.SecretAccessKey, c.SessionToken))
	if _, err := role.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(1)}); err != nil {
		return fmt.Errorf("call IAM as role %s: %w", roleARN, err)
	}
	return nil
}

// Reading back. readRole reads a role the way an auditor (or a test of a
// restore) would, one attribute per API, and roleState is what it finds in
// a form cmp.Diff compares field by field with wantRole.

// roleState is everything IAM holds about a role that iamsweep reads or
// restores. Policy documents are decoded JSON; lists whose order means
// nothing are sorted.
type roleState struct {
	ARN, ID, Name, Path string
	Description         string
	MaxSessionDuration  int32
	TrustPolicy         any
	PermissionsBoundary string
	Tags                map[string]string
	InlinePolicies      map[string]any
	// AttachedPolicies are ARNs.
	AttachedPolicies []string
	// InstanceProfiles are their ARNs.
	InstanceProfiles []string
}

// pager is an SDK paginator.
type pager[T any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*iam.Options)) (T, error)
}

// eachPage calls fn with every page of p.
func eachPage[T any](ctx context.Context, p pager[T], fn func(T)) error {
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		fn(page)
	}
	return nil
}

// readRole reads a role with GetRole, ListRoleTags, ListRolePolicies,
// GetRolePolicy, ListAttachedRolePolicies and ListInstanceProfilesForRole.
func readRole(ctx context.Context, c *iam.Client, name string) (roleState, error) {
	n := aws.String(name)
	out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: n})
	if err != nil {
		return roleState{}, fmt.Errorf("get role %s: %w", name, err)
	}
	r := out.Role
	st := roleState{
		ARN: aws.ToString(r.Arn), ID: aws.ToString(r.RoleId), Name: aws.ToString(r.RoleName), Path: aws.ToString(r.Path),
		Description: aws.ToString(r.Description), MaxSessionDuration: aws.ToInt32(r.MaxSessionDuration),
	}
	if st.TrustPolicy, err = policyJSON(aws.ToString(r.AssumeRolePolicyDocument)); err != nil {
		return st, fmt.Errorf("role %s: trust policy: %w", name, err)
	}
	if b := r.PermissionsBoundary; b != nil {
		st.PermissionsBoundary = aws.ToString(b.PermissionsBoundaryArn)
	}
	err = eachPage(ctx, iam.NewListRoleTagsPaginator(c, &iam.ListRoleTagsInput{RoleName: n}), func(p *iam.ListRoleTagsOutput) {
		for _, t := range p.Tags {
			st.Tags = setKey(st.Tags, aws.ToString(t.Key), aws.ToString(t.Value))
		}
	})
	if err != nil {
		return st, fmt.Errorf("list tags of role %s: %w", name, err)
	}
	var inline []string
	err = eachPage(ctx, iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: n}), func(p *iam.ListRolePoliciesOutput) {
		inline = append(inline, p.PolicyNames...)
	})
	if err != nil {
		return st, fmt.Errorf("list policies of role %s: %w", name, err)
	}
	for _, pn := range inline {
		out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: n, PolicyName: aws.String(pn)})
		if err != nil {
			return st, fmt.Errorf("get policy %s of role %s: %w", pn, name, err)
		}
		doc, err := policyJSON(aws.ToString(out.PolicyDocument))
		if err != nil {
			return st, fmt.Errorf("role %s: policy %s: %w", name, pn, err)
		}
		st.InlinePolicies = setKey(st.InlinePolicies, pn, doc)
	}
	err = eachPage(ctx, iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: n}), func(p *iam.ListAttachedRolePoliciesOutput) {
		for _, ap := range p.AttachedPolicies {
			st.AttachedPolicies = append(st.AttachedPolicies, aws.ToString(ap.PolicyArn))
		}
	})
	if err != nil {
		return st, fmt.Errorf("list attached policies of role %s: %w", name, err)
	}
	err = eachPage(ctx, iam.NewListInstanceProfilesForRolePaginator(c, &iam.ListInstanceProfilesForRoleInput{RoleName: n}), func(p *iam.ListInstanceProfilesForRoleOutput) {
		for _, ip := range p.InstanceProfiles {
			st.InstanceProfiles = append(st.InstanceProfiles, aws.ToString(ip.Arn))
		}
	})
	if err != nil {
		return st, fmt.Errorf("list instance profiles of role %s: %w", name, err)
	}
	slices.Sort(st.AttachedPolicies)
	slices.Sort(st.InstanceProfiles)
	return st, nil
}

// wantRole is the state a role seeded from r's spec must be in.
func wantRole(t testing.TB, r seededRole) roleState {
	t.Helper()
	s := r.Spec
	st := roleState{
		ARN: r.ARN, ID: r.ID, Name: s.Name, Path: r.path(), Description: s.Description,
		MaxSessionDuration: orDefault(s.MaxSessionDuration, 3600), TrustPolicy: mustJSON(t, s.Trust),
		PermissionsBoundary: s.Boundary, AttachedPolicies: slices.Sorted(slices.Values(s.Attached)),
	}
	for _, tg := range s.Tags {
		st.Tags = setKey(st.Tags, tg.Key, tg.Value)
	}
	for _, p := range s.Inline {
		st.InlinePolicies = setKey(st.InlinePolicies, p.Name, mustJSON(t, p.Doc))
	}
	for _, p := range r.Profiles {
		st.InstanceProfiles = append(st.InstanceProfiles, p.ARN)
	}
	slices.Sort(st.InstanceProfiles)
	return st
}

// userState is what IAM holds about a user and its credentials.
type userState struct {
	ARN, ID, Name, Path string
	LoginProfile        bool
	// AccessKeys maps key IDs to their status.
	AccessKeys       map[string]string
	Groups           []string
	MFADevices       []string
	InlinePolicies   map[string]any
	AttachedPolicies []string
	Tags             map[string]string
}

// readUser reads a user with GetUser, GetLoginProfile, ListAccessKeys,
// ListGroupsForUser, ListMFADevices, ListUserPolicies, GetUserPolicy,
// ListAttachedUserPolicies and ListUserTags.
func readUser(ctx context.Context, c *iam.Client, name string) (userState, error) {
	n := aws.String(name)
	out, err := c.GetUser(ctx, &iam.GetUserInput{UserName: n})
	if err != nil {
		return userState{}, fmt.Errorf("get user %s: %w", name, err)
	}
	u := out.User
	st := userState{ARN: aws.ToString(u.Arn), ID: aws.ToString(u.UserId), Name: aws.ToString(u.UserName), Path: aws.ToString(u.Path)}
	_, err = c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: n})
	var missing *iamtypes.NoSuchEntityException
	switch {
	case err == nil:
		st.LoginProfile = true
	case !errors.As(err, &missing):
		return st, fmt.Errorf("get login profile of %s: %w", name, err)
	}
	var inline []string
	steps := []struct {
		what string
		err  error
	}{
		{"access keys", eachPage(ctx, iam.NewListAccessKeysPaginator(c, &iam.ListAccessKeysInput{UserName: n}), func(p *iam.ListAccessKeysOutput) {
			for _, k := range p.AccessKeyMetadata {
				st.AccessKeys = setKey(st.AccessKeys, aws.ToString(k.AccessKeyId), string(k.Status))
			}
		})},
		{"groups", eachPage(ctx, iam.NewListGroupsForUserPaginator(c, &iam.ListGroupsForUserInput{UserName: n}), func(p *iam.ListGroupsForUserOutput) {
			for _, g := range p.Groups {
				st.Groups = append(st.Groups, aws.ToString(g.GroupName))
			}
		})},
		{"MFA devices", eachPage(ctx, iam.NewListMFADevicesPaginator(c, &iam.ListMFADevicesInput{UserName: n}), func(p *iam.ListMFADevicesOutput) {
			for _, d := range p.MFADevices {
				st.MFADevices = append(st.MFADevices, aws.ToString(d.SerialNumber))
			}
		})},
		{"policies", eachPage(ctx, iam.NewListUserPoliciesPaginator(c, &iam.ListUserPoliciesInput{UserName: n}), func(p *iam.ListUserPoliciesOutput) {
			inline = append(inline, p.PolicyNames...)
		})},
		{"attached policies", eachPage(ctx, iam.NewListAttachedUserPoliciesPaginator(c, &iam.ListAttachedUserPoliciesInput{UserName: n}), func(p *iam.ListAttachedUserPoliciesOutput) {
			for _, ap := range p.AttachedPolicies {
				st.AttachedPolicies = append(st.AttachedPolicies, aws.ToString(ap.PolicyArn))
			}
		})},
		{"tags", eachPage(ctx, iam.NewListUserTagsPaginator(c, &iam.ListUserTagsInput{UserName: n}), func(p *iam.ListUserTagsOutput) {
			for _, t := range p.Tags {
				st.Tags = setKey(st.Tags, aws.ToString(t.Key), aws.ToString(t.Value))
			}
		})},
	}
	for _, s := range steps {
		if s.err != nil {
			return st, fmt.Errorf("list %s of user %s: %w", s.what, name, s.err)
		}
	}
	for _, pn := range inline {
		out, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: n, PolicyName: aws.String(pn)})
		if err != nil {
			return st, fmt.Errorf("get policy %s of user %s: %w", pn, name, err)
		}
		doc, err := policyJSON(aws.ToString(out.PolicyDocument))
		if err != nil {
			return st, fmt.Errorf("user %s: policy %s: %w", name, pn, err)
		}
		st.InlinePolicies = setKey(st.InlinePolicies, pn, doc)
	}
	slices.Sort(st.Groups)
	slices.Sort(st.MFADevices)
	slices.Sort(st.AttachedPolicies)
	return st, nil
}

// wantUser is the state a user seeded from u's spec must be in.
func wantUser(t testing.TB, u seededUser) userState {
	t.Helper()
	s := u.Spec
	st := userState{
		ARN: u.ARN, ID: u.ID, Name: s.Name, Path: orDefault(s.Path, "/"), LoginProfile: s.Password != "",
		Groups: slices.Sorted(slices.Values(s.Groups)), AttachedPolicies: slices.Sorted(slices.Values(s.Attached)),
	}
	for _, k := range u.Keys {
		st.AccessKeys = setKey(st.AccessKeys, k.ID, string(k.Status))
	}
	if u.MFASerial != "" {
		st.MFADevices = []string{u.MFASerial}
	}
	for _, p := range s.Inline {
		st.InlinePolicies = setKey(st.InlinePolicies, p.Name, mustJSON(t, p.Doc))
	}
	for _, tg := range s.Tags {
		st.Tags = setKey(st.Tags, tg.Key, tg.Value)
	}
	return st
}

func setKey[V any](m map[string]V, k string, v V) map[string]V {
	if m == nil {
		m = map[string]V{}
	}
	m[k] = v
	return m
}

// policyJSON decodes a policy document as IAM's API returns it:
// URL-encoded (RFC 3986: a "+" is a plus sign), then JSON. It decodes
// exactly once: a document may hold a literal "%41", which a second
// decoding would turn into "A".
func policyJSON(encoded string) (any, error) {
	text, err := url.PathUnescape(encoded)
	if err != nil {
		return nil, fmt.Errorf("URL-decode: %w", err)
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("decode JSON %q: %w", text, err)
	}
	return v, nil
}

func mustJSON(t testing.TB, text string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("seed policy %q: %v", text, err)
	}
	return v
}

// Documents the tests seed. Their strings hold what the XML and URL
// encodings of the wire must carry intact: & < > " ' % + and a literal %41.
const (
	trustEC2    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	trustLambda = `{"Version":"2012-10-17","Statement":[{"Sid":"Lambda","Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	trustRoot   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + motoAccount + `:root"},"Action":"sts:AssumeRole"}]}`
	trustVendor = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + motoAccount + `:root"},"Action":"sts:AssumeRole",` +
		`"Condition":{"StringEquals":{"sts:ExternalId":"a&b<c>\"d'e%41+f g"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	policyRead     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/100%/*"]}]}`
	policyWrite    = `{"Version":"2012-10-17","Statement":[{"Sid":"Write","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::reports/a&b<c>/*"}]}`
	policyQueue    = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:` + motoAccount + `:jobs+%41","Condition":{"NumericLessThanEquals":{"aws:MultiFactorAuthAge":"3600"}}}}`
	policyBoundary = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`
)

// awsReadOnly is an AWS managed policy.
const awsReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess"

// policies are the customer managed policies the tests attach, by ARN.
type policies struct{ AppRead, AppWrite, Boundary string }

func seedPolicies(t *testing.T, c *iam.Client) policies {
	t.Helper()
	var p policies
	var err error
	for _, s := range []struct {
		arn              *string
		path, name, text string
	}{
		{&p.AppRead, "/app/", "app-read", policyRead},
		{&p.AppWrite, "/app/", "app-write", policyWrite},
		{&p.Boundary, "/boundaries/", "dev-boundary", policyBoundary},
	} {
		if *s.arn, err = seedPolicy(t.Context(), c, s.path, s.name, s.text); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// fullRole is a role with every attribute iamsweep reads or restores.
func fullRole(name string, p policies) roleSpec {
	return roleSpec{
		Name: name, Path: "/app/team-a/", Trust: trustVendor,
		Description:        `Reports job <prod> & "friends": 100% done`,
		MaxSessionDuration: 43200, Boundary: p.Boundary,
		Tags:     []tag{{"team", "data platform"}, {"cost:center", "42/ops=+-@_.:"}, {"city", "Zürich"}},
		Inline:   []policySpec{{"read-reports", policyRead}, {"queue", policyQueue}},
		Attached: []string{p.AppRead, p.AppWrite, awsReadOnly},
		InstanceProfiles: []profileSpec{
			{Name: name + "-profile", Path: "/ip/", Tags: []tag{{"team", "data platform"}}},
		},
	}
}

// TestSeed_roundTrip checks the seeding helpers and the comparison the
// restore tests rely on: what seedRole and seedUser create, readRole and
// readUser read back the same, attribute by attribute.
func TestSeed_roundTrip(t *testing.T) {
	env := newAWSEnv(t)
	ctx := t.Context()
	p := seedPolicies(t, env.IAM)
	roles := []struct {
		name string
		spec roleSpec
	}{
		{"every attribute", fullRole("reports-job", p)},
		{"defaults only", roleSpec{Name: "bare", Trust: trustEC2}},
		{"odd characters", roleSpec{
			Name: "=sum+1@team,x.y_z-0", Path: "/odd&path/<x>/%41/", Trust: trustLambda, Description: "tab\there",
			Tags: []tag{{"k+=.:/@-_", "v a l u e"}}, Inline: []policySpec{{"p+=,.@-_", policyWrite}},
		}},
	}
	for _, tt := range roles {
		t.Run("role with "+tt.name, func(t *testing.T) {
			r, err := seedRole(ctx, env.IAM, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readRole(ctx, env.IAM, tt.spec.Name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantRole(t, r), got); diff != "" {
				t.Errorf("role %s read back (-seeded +read):\n%s", tt.spec.Name, diff)
			}
		})
	}
	t.Run("service-linked role", func(t *testing.T) {
		r, err := seedServiceLinkedRole(ctx, env.IAM, "autoscaling.amazonaws.com", "fleet")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.Spec.Path, "/aws-service-role/") {
			t.Errorf("service-linked role %s has path %q, want /aws-service-role/...", r.Spec.Name, r.Spec.Path)
		}
		got, err := readRole(ctx, env.IAM, r.Spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantRole(t, r), got); diff != "" {
			t.Errorf("role %s read back (-seeded +read):\n%s", r.Spec.Name, diff)
		}
	})

	for _, g := range []groupSpec{
		{Name: "admins", Attached: []string{awsReadOnly}},
		{Name: "devs", Path: "/eng/", Inline: []policySpec{{"queue", policyQueue}}, Attached: []string{p.AppRead}},
	} {
		if err := seedGroup(ctx, env.IAM, g); err != nil {
			t.Fatal(err)
		}
	}
	users := []struct {
		name string
		spec userSpec
	}{
		{"every attribute", userSpec{
			Name: "alice", Path: "/people/", Password: "Corr3ct-Horse-Battery!",
			Keys:   []iamtypes.StatusType{iamtypes.StatusTypeActive, iamtypes.StatusTypeInactive},
			Groups: []string{"admins", "devs"}, MFA: true,
			Inline: []policySpec{{"read-reports", policyRead}}, Attached: []string{p.AppWrite},
			Tags: []tag{{"team", "data platform"}},
		}},
		{"no credentials", userSpec{Name: "former+employee@example.com"}},
		{"an inactive key only", userSpec{Name: "ci-bot", Path: "/service/", Keys: []iamtypes.StatusType{iamtypes.StatusTypeInactive}}},
	}
	for _, tt := range users {
		t.Run("user with "+tt.name, func(t *testing.T) {
			u, err := seedUser(ctx, env.IAM, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readUser(ctx, env.IAM, tt.spec.Name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantUser(t, u), got); diff != "" {
				t.Errorf("user %s read back (-seeded +read):\n%s", tt.spec.Name, diff)
			}
		})
	}
}

// TestMoto_differences writes down where moto 5.2.1 and AWS differ in ways
// that touch iamsweep, and checks that moto still behaves so: when one of
// these fails after a moto upgrade, update the list in the README
// (Development) and the tests that work around the difference. The product
// follows AWS everywhere; each case says how it copes with moto.
func TestMoto_differences(t *testing.T) {
	env := newAWSEnv(t)
	ctx := t.Context()
	for _, name := range []string{"diff-a", "diff-b", "diff-c"} {
		if _, err := seedRole(ctx, env.IAM, roleSpec{Name: name, Trust: trustEC2, Inline: []policySpec{{"read", policyRead}}}); err != nil {
			t.Fatal(err)
		}
	}
	// lastResponse calls fn and returns the body of the last response of
	// the calls it made.
	lastResponse := func(t *testing.T, fn func() error) []byte {
		t.Helper()
		before := env.Rec.count()
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		calls := env.Rec.since(before)
		if len(calls) == 0 {
			t.Fatal("no request recorded")
		}
		return calls[len(calls)-1].resp
	}
	apiCode := func(err error) string {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return apiErr.ErrorCode()
		}
		return fmt.Sprint(err)
	}
	lowerID := regexp.MustCompile(`^[a-z0-9]{20}$`)

	tests := []difference{
		{
			name: "GetAccountAuthorizationDetails ignores MaxItems and Marker",
			aws: "IAM returns at most MaxItems entities with IsTruncated and a Marker. " +
				"moto returns every role in one page, so the product's pagination is tested against internal/fakeaws only.",
			check: func(t *testing.T) {
				out, err := env.IAM.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{
					Filter: []iamtypes.EntityType{iamtypes.EntityTypeRole}, MaxItems: aws.Int32(1),
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(out.RoleDetailList) != 3 || out.IsTruncated || out.Marker != nil {
					t.Errorf("MaxItems 1: %d roles, IsTruncated %v, Marker %v; moto used to return all 3, untruncated",
						len(out.RoleDetailList), out.IsTruncated, aws.ToString(out.Marker))
				}
			},
		},
		{
			name: "GetAccountAuthorizationDetails sends trust policies as plain JSON",
			aws: "IAM URL-encodes every policy document in its responses. moto encodes inline policies but not " +
				"AssumeRolePolicyDocument; the product decodes a document that starts with '{' as JSON and any other by URL-decoding first.",
			check: func(t *testing.T) {
				body := lastResponse(t, func() error {
					_, err := env.IAM.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []iamtypes.EntityType{iamtypes.EntityTypeRole}})
					return err
				})
				if !bytes.Contains(body, []byte("<AssumeRolePolicyDocument>{")) || !bytes.Contains(body, []byte("<PolicyDocument>%7B")) {
					t.Errorf("want a plain trust policy and an encoded inline policy in:\n%s", clip(body, 2<<10))
				}
			},
		},
		{
			name: "RoleLastUsed has no Region",
			aws: "IAM reports the Region of the last use with every LastUsedDate. moto records the date alone " +
				"(and only for calls made with credentials from STS AssumeRole); the product then names no Region in the reason.",
			check: func(t *testing.T) {
				r, err := seedRole(ctx, env.IAM, roleSpec{Name: "diff-used", Trust: trustRoot})
				if err != nil {
					t.Fatal(err)
				}
				if err := env.useRole(ctx, r.ARN); err != nil {
					t.Fatal(err)
				}
				out, err := env.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Spec.Name)})
				if err != nil {
					t.Fatal(err)
				}
				if lu := out.Role.RoleLastUsed; lu == nil || lu.LastUsedDate == nil || lu.Region != nil {
					t.Errorf("RoleLastUsed %+v; moto used to send a LastUsedDate and no Region", lu)
				}
			},
		},
		{
			name: "times have microseconds",
			aws: "IAM sends whole seconds (2019-05-22T16:37:13Z). moto sends microseconds; the product reads both " +
				"and prints whole seconds.",
			check: func(t *testing.T) {
				body := lastResponse(t, func() error {
					_, err := env.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("diff-a")})
					return err
				})
				if !regexp.MustCompile(`<CreateDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z</CreateDate>`).Match(body) {
					t.Errorf("no CreateDate with microseconds in:\n%s", clip(body, 2<<10))
				}
			},
		},
		{
			name: "service-linked roles: names and policies",
			aws: "IAM names the role after the service (AWSServiceRoleForElasticLoadBalancing) and attaches its " +
				"service-linked policy. moto builds the name from the service principal and attaches nothing; " +
				"the product knows service-linked roles by their path, /aws-service-role/, so either way they are exempt.",
			check: func(t *testing.T) {
				r, err := seedServiceLinkedRole(ctx, env.IAM, "elasticloadbalancing.amazonaws.com", "")
				if err != nil {
					t.Fatal(err)
				}
				got, err := readRole(ctx, env.IAM, r.Spec.Name)
				if err != nil {
					t.Fatal(err)
				}
				if got.Name != "AWSServiceRoleForelasticloadbalancing" || got.Path != "/aws-service-role/elasticloadbalancing.amazonaws.com/" || len(got.AttachedPolicies) != 0 {
					t.Errorf("service-linked role %s%s with policies %v", got.Path, got.Name, got.AttachedPolicies)
				}
			},
		},
		{
			name: "signatures are not checked",
			aws: "IAM refuses a request signed with the wrong secret (SignatureDoesNotMatch), an unknown or inactive key " +
				"(InvalidClientTokenId) or without permission (AccessDenied). moto checks nothing until its authentication is " +
				"turned on (TestScan_motoAuth), and even then accepts inactive keys and answers refusals in an envelope " +
				"the SDK cannot decode (UnknownError).",
			check: func(t *testing.T) {
				c := iam.NewFromConfig(env.with("AKIAIOSFODNN7EXAMPLE", "wrong", ""))
				if _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("diff-a")}); err != nil {
					t.Errorf("a request signed with unknown keys: %v; moto used to accept it", err)
				}
			},
		},
		{
			name: "numeric condition values are malformed",
			aws: `IAM accepts JSON numbers and booleans as condition values ("quotation marks are optional for numeric and ` +
				`Boolean values"). moto rejects numbers (in identity policies and in UpdateAssumeRolePolicy), so the seeded ` +
				`policies quote them.`,
			check: func(t *testing.T) {
				doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}]}`
				_, err := env.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("diff-a"), PolicyName: aws.String("numeric"), PolicyDocument: aws.String(doc)})
				if code := apiCode(err); code != "MalformedPolicyDocument" {
					t.Errorf("PutRolePolicy with a numeric condition value: %s; moto used to answer MalformedPolicyDocument", code)
				}
				trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + motoAccount + `:root"},"Action":"sts:AssumeRole","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}]}`
				_, err = env.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("diff-b"), PolicyDocument: aws.String(trust)})
				if code := apiCode(err); code != "MalformedPolicyDocument" {
					t.Errorf("UpdateAssumeRolePolicy with a numeric condition value: %s; moto used to answer MalformedPolicyDocument", code)
				}
			},
		},
		{
			name: "CreateRole does not check the trust policy",
			aws: "IAM refuses a malformed trust policy (MalformedPolicyDocument), in CreateRole as in UpdateAssumeRolePolicy. " +
				"moto's CreateRole stores any text: a restore tested against moto cannot learn that a trust policy it wrote is malformed.",
			check: func(t *testing.T) {
				_, err := env.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("diff-malformed"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17"}`)})
				if err != nil {
					t.Errorf("CreateRole with a trust policy without statements: %v; moto used to accept it", err)
				}
			},
		},
		{
			name: "unique IDs of users, groups and instance profiles",
			aws: "IAM's IDs start with their kind (AIDA users, AGPA groups, AIPA instance profiles) followed by 17 " +
				"upper-case letters and digits; moto's are 20 random lower-case ones (its role IDs, AROA..., are right). " +
				"The product passes IDs through (principal_id) and judges nothing by them.",
			check: func(t *testing.T) {
				u, err := seedUser(ctx, env.IAM, userSpec{Name: "diff-user"})
				if err != nil {
					t.Fatal(err)
				}
				r, err := seedRole(ctx, env.IAM, roleSpec{Name: "diff-profiled", Trust: trustEC2, InstanceProfiles: []profileSpec{{Name: "diff-profile"}}})
				if err != nil {
					t.Fatal(err)
				}
				if !lowerID.MatchString(u.ID) || !lowerID.MatchString(r.Profiles[0].ID) || !strings.HasPrefix(r.ID, "AROA") {
					t.Errorf("user ID %q, instance profile ID %q, role ID %q", u.ID, r.Profiles[0].ID, r.ID)
				}
			},
		},
		{
			name: "the credential report is dated 2015",
			aws: "GetCredentialReport's GeneratedTime is when IAM built the report (at most 4 hours old unless asked " +
				"again). moto always says 2015-02-02T20:02:02Z: anything that judges the report's age must not run against moto.",
			check: func(t *testing.T) {
				// moto answers STARTED, then COMPLETE: no wait needed.
				for i := 0; ; i++ {
					out, err := env.IAM.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
					if err != nil {
						t.Fatal(err)
					}
					if out.State == iamtypes.ReportStateTypeComplete {
						break
					}
					if i == 3 {
						t.Fatalf("credential report still %s", out.State)
					}
				}
				out, err := env.IAM.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
				if err != nil {
					t.Fatal(err)
				}
				if want := time.Date(2015, 2, 2, 20, 2, 2, 0, time.UTC); !aws.ToTime(out.GeneratedTime).Equal(want) {
					t.Errorf("GeneratedTime %v; moto used to say %v", aws.ToTime(out.GeneratedTime), want)
				}
			},
		},
	}
	// The credential report's (users_test.go) and Organizations' and STS's
	// (org_test.go).
	tests = append(tests, reportDifferences(env)...)
	tests = append(tests, orgDifferences(env)...)
	// The remediation calls' (remediate_test.go).
	tests = append(tests, remediateDifferences(env)...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Rec.watch(t)
			tt.check(t)
			if t.Failed() {
				t.Logf("AWS: %s", tt.aws)
			}
		})
	}
}

// difference is one way moto differs from AWS, checked against moto.
type difference struct {
	name string
	// aws is what AWS does, and how the product copes with moto.
	aws   string
	check func(t *testing.T)
}
