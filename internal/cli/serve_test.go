package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/links"
	"github.com/iamsweep/iamsweep/internal/serve"
	"github.com/iamsweep/iamsweep/internal/store"
	"github.com/iamsweep/iamsweep/internal/workflow"
)

// service is iamsweep serve running in the test, over the escalation's
// fake account, state database and clock, on 127.0.0.1 with a port of
// its own. The test runs the scheduler's ticks.
type service struct {
	*escalation
	base  string
	token string
	ticks chan time.Time
	// soon is the timer of a run asked for by a Remove.
	soon   chan time.Time
	runs   chan error
	stderr *syncWriter
	done   chan int
	stop   context.CancelFunc
}

type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

const testDashboardToken = "a-dashboard-token-for-the-tests"

// startService starts serve and waits for its first run (at start).
func startService(t *testing.T, e *escalation, args ...string) *service {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &service{escalation: e, base: "http://" + ln.Addr().String(), token: testDashboardToken,
		ticks: make(chan time.Time), soon: make(chan time.Time), runs: make(chan error, 10), stderr: &syncWriter{}, done: make(chan int, 1)}
	f, err := os.OpenFile(e.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("serve:\n  base-url: " + s.base + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := context.WithCancel(t.Context())
	s.stop = cancel
	ios := IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: s.stderr, Getenv: func(k string) string {
		if k == "IAMSWEEP_SERVE_DASHBOARD_TOKEN" {
			return s.token
		}
		return ""
	}}
	d := deps{io: ios, now: func() time.Time { return e.now }, retry: awsapi.RetryOptions{NoBackoff: true}}
	cmd := NewCmdServe(d, func(ctx context.Context, o *ServeOptions) error {
		o.listener = ln
		o.after = func(d time.Duration) <-chan time.Time {
			switch d {
			case o.Config.Escalation.Frequency:
				return s.ticks
			case serve.DefaultSoon:
				return s.soon
			}
			return time.After(d)
		}
		o.ran = func(_ workflow.Summary, err error) { s.runs <- err }
		return runServe(ctx, o)
	})
	cmd.SetArgs(append([]string{"--state", e.state, "--config", e.config, "--endpoint-url", e.srv.URL, "--region", "us-east-1", "--log-level", "debug"}, args...))
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	go func() { s.done <- exitStatus(cmd.ExecuteContext(ctx)) }()
	t.Cleanup(func() { s.shutdown(t) })
	s.waitRun(t)
	return s
}

// waitRun waits for the end of a run of the scheduler, which must succeed.
func (s *service) waitRun(t *testing.T) {
	t.Helper()
	select {
	case err := <-s.runs:
		if err != nil {
			t.Fatalf("the run failed: %v\n%s", err, s.stderr)
		}
	case code := <-s.done:
		s.done <- code
		t.Fatalf("serve exited %d:\n%s", code, s.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("no run:\n%s", s.stderr)
	}
}

// tick runs the scheduler once more and waits for the run to end.
func (s *service) tick(t *testing.T) {
	t.Helper()
	select {
	case s.ticks <- time.Time{}:
	case <-time.After(30 * time.Second):
		t.Fatal("the scheduler is not waiting for a tick")
	}
	s.waitRun(t)
}

// soonRun runs the scheduler's run asked for by a Remove, and waits for
// it to end.
func (s *service) soonRun(t *testing.T) {
	t.Helper()
	select {
	case s.soon <- time.Time{}:
	case <-time.After(30 * time.Second):
		t.Fatal("the scheduler is not waiting to run soon")
	}
	s.waitRun(t)
}

// shutdown stops serve as SIGTERM does and returns its exit status.
func (s *service) shutdown(t *testing.T) int {
	t.Helper()
	s.stop()
	select {
	case code := <-s.done:
		s.done <- code
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
		return -1
	}
}

func TestServe_settings(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		args  []string
		want  string
	}{
		{"no base URL", "", nil, "serve.base-url"},
		{"plain http to another host", "serve:\n  base-url: http://iamsweep.example.com\n", nil, "serve.base-url"},
		{"a bad listen address", "serve:\n  base-url: https://iamsweep.example.com\n", []string{"--listen", "nowhere"}, "iamsweep: --listen: want HOST:PORT"},
		{"a bad --base-url over a good one", "serve:\n  base-url: https://iamsweep.example.com\n", []string{"--base-url", "ftp://x"}, "iamsweep: --base-url: want an https URL"},
		{"a bad serve.listen in the file", "serve:\n  base-url: https://iamsweep.example.com\n  listen: nowhere\n", nil, ".yaml:17: serve.listen: want HOST:PORT"},
		{"a certificate without its key", "serve:\n  base-url: https://iamsweep.example.com\n", []string{"--tls-cert", "cert.pem"}, "serve.tls-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEscalation(t)
			if err := os.WriteFile(e.config, []byte(escalateConfig+tt.extra), 0o600); err != nil {
				t.Fatal(err)
			}
			r := e.run(append([]string{"serve"}, tt.args...)...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 2 naming %s:\n%s", r.code, tt.want, r.stderr)
			}
			if e.srv.CallCount("GetAccountAuthorizationDetails")+e.srv.CallCount("ListRoles") != 0 {
				t.Error("scanned before refusing its settings")
			}
		})
	}
}

// Without IAMSWEEP_SERVE_DASHBOARD_TOKEN, the first start makes a token,
// keeps it and prints it once; SIGTERM stops the service with status 0.
func TestServe_generatedTokenAndShutdown(t *testing.T) {
	e := newEscalation(t)
	if err := os.WriteFile(e.config, []byte(escalateConfig+"serve:\n  base-url: http://127.0.0.1:1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func() (int, string) {
		ctx, cancel := context.WithCancel(t.Context())
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var errOut syncWriter
		ios := IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &errOut, Getenv: func(string) string { return "" }}
		cmd := NewCmdServe(deps{io: ios, now: func() time.Time { return e.now }}, func(ctx context.Context, o *ServeOptions) error {
			o.listener = ln
			return runServe(ctx, o)
		})
		cmd.SetArgs([]string{"--state", e.state, "--config", e.config, "--no-scheduler"})
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		done := make(chan int)
		go func() { done <- exitStatus(cmd.ExecuteContext(ctx)) }()
		// Wait until it serves, then stop it as SIGTERM does.
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(errOut.String(), `"msg":"serving"`) {
			if time.Now().After(deadline) {
				t.Fatalf("serve did not start:\n%s", errOut.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		return <-done, errOut.String()
	}
	code, first := start()
	if code != ExitOK || !strings.Contains(first, "sign-in token, shown this once") || !strings.Contains(first, `"msg":"stopped"`) {
		t.Fatalf("first start: exit %d\n%s", code, first)
	}
	code, second := start()
	if code != ExitOK || strings.Contains(second, "sign-in token") {
		t.Errorf("second start: exit %d, printed the token again:\n%s", code, second)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServe_tls(t *testing.T) {
	e := newEscalation(t)
	certFile, keyFile, pool := writeCert(t, t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "https://" + ln.Addr().String()
	if err := os.WriteFile(e.config, []byte(escalateConfig+"serve:\n  base-url: "+base+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var errOut syncWriter
	ios := IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &errOut, Getenv: func(k string) string {
		if k == "IAMSWEEP_SERVE_DASHBOARD_TOKEN" {
			return testDashboardToken
		}
		return ""
	}}
	cmd := NewCmdServe(deps{io: ios, now: func() time.Time { return e.now }}, func(ctx context.Context, o *ServeOptions) error {
		o.listener = ln
		return runServe(ctx, o)
	})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"--state", e.state, "--config", e.config, "--no-scheduler", "--tls-cert", certFile, "--tls-key", keyFile})
	done := make(chan int, 1)
	go func() { done <- exitStatus(cmd.ExecuteContext(ctx)) }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var res *http.Response
	for deadline := time.Now().Add(30 * time.Second); ; {
		res, err = client.Get(base + "/healthz")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer over TLS: %v\n%s", err, errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("healthz over TLS: %d, HSTS %q", res.StatusCode, res.Header.Get("Strict-Transport-Security"))
	}
	res, err = client.PostForm(base+"/signin", url.Values{"token": {testDashboardToken}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if sc := res.Header.Get("Set-Cookie"); res.StatusCode != http.StatusSeeOther || !strings.Contains(sc, "Secure") {
		t.Errorf("sign-in over TLS: %d, cookie %q", res.StatusCode, sc)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("exit %d:\n%s", code, errOut.String())
	}

	// A key that is not the certificate's: refused before anything starts.
	_, otherKey, _ := writeCert(t, t.TempDir())
	r := e.run("serve", "--no-scheduler", "--tls-cert", certFile, "--tls-key", otherKey)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "serve.tls-cert") {
		t.Errorf("mismatched key: exit %d\n%s", r.code, r.stderr)
	}
}

// iamsweep escalate run from cron makes the same links as the service
// when serve.base-url says where one answers: signed with the key in the
// state database, so that serve --no-scheduler accepts them.
func TestEscalate_linksWhenAServiceAnswers(t *testing.T) {
	e := newEscalation(t)
	if err := os.WriteFile(e.config, []byte(escalateConfig+"serve:\n  base-url: https://iamsweep.example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.escalate()
	mail := mailTo(t, e.srv, "alice@example.com")
	m := regexp.MustCompile(`Keep:\s+https://iamsweep\.example\.com/d/([A-Za-z0-9_-]{98})\n`).FindStringSubmatch(mail.Text)
	if m == nil {
		t.Fatalf("no Keep link in the mail:\n%s", mail.Text)
	}
	e.withStore(func(st *store.Store) {
		key, err := st.Secret(t.Context(), "link-key", func() ([]byte, error) { return nil, errors.New("the link key is not in the store") })
		if err != nil {
			t.Fatal(err)
		}
		signer, err := links.NewSigner(key, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		hash, _, err := signer.Verify(m[1], e.now)
		if err != nil {
			t.Fatalf("the link does not verify under the store's key: %v", err)
		}
		tok, err := st.LinkToken(t.Context(), hash)
		if err != nil || tok.Kind != iamsweep.DecisionKeep || !strings.HasSuffix(tok.ARN, ":role/app/old-batch") || tok.Recipient != "email:alice@example.com" {
			t.Errorf("stored token %+v, %v", tok, err)
		}
	})

	// Without a base URL, notices carry no links.
	e2 := newEscalation(t)
	e2.escalate()
	if mail := mailTo(t, e2.srv, "alice@example.com"); strings.Contains(mail.Text, "/d/") {
		t.Errorf("links without serve.base-url:\n%s", mail.Text)
	}
}
