//go:build integration

package integration

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

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
