package serve

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// signinFrom posts a sign-in to the handler as if from remote, with an
// X-Forwarded-For header when xff is not "".
func signinFrom(h http.Handler, remote, xff, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/signin", strings.NewReader(url.Values{"token": {token}, "next": {"/"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// One client guessing does not lock the others out; it gets its
// attempts back with time.
func TestSignin_limitPerClient(t *testing.T) {
	e := newEnv(t)
	h := e.server.Handler()
	limited := 0
	for range 15 {
		if r := signinFrom(h, "198.51.100.7:5000", "", "guess"); r.Code == http.StatusTooManyRequests {
			limited++
			if !strings.Contains(r.Body.String(), "from your address") || r.Header().Get("Retry-After") == "" {
				t.Errorf("the refusal:\n%s", r.Body)
			}
		}
	}
	if limited != 5 {
		t.Errorf("%d of 15 wrong tokens refused, want 5 (10 a burst)", limited)
	}
	if r := signinFrom(h, "198.51.100.7:5001", "", dashboardToken); r.Code != http.StatusTooManyRequests {
		t.Errorf("the guessing client with the right token: %d, want still limited", r.Code)
	}
	// Another client signs in at once.
	if r := signinFrom(h, "203.0.113.9:4000", "", dashboardToken); r.Code != http.StatusSeeOther {
		t.Errorf("another client: %d\n%s", r.Code, r.Body)
	}
	// An IPv6 client is its /64.
	for range 10 {
		signinFrom(h, "[2001:db8:1:2::1]:5000", "", "guess")
	}
	if r := signinFrom(h, "[2001:db8:1:2::ffff]:5000", "", dashboardToken); r.Code != http.StatusTooManyRequests {
		t.Errorf("another address of the same /64: %d, want limited", r.Code)
	}
	e.clock.Add(12 * time.Second) // two attempts back
	if r := signinFrom(h, "198.51.100.7:5002", "", dashboardToken); r.Code != http.StatusSeeOther {
		t.Errorf("after a wait: %d", r.Code)
	}
	if !strings.Contains(e.logs.String(), "client=198.51.100.7") {
		t.Errorf("the log does not name the client:\n%s", e.logs)
	}
}

// Without serve.trusted-proxies, X-Forwarded-For is anyone's word: it
// does not make a client.
func TestSignin_forwardedForNotTrusted(t *testing.T) {
	e := newEnv(t)
	h := e.server.Handler()
	for i := range 10 {
		signinFrom(h, "127.0.0.1:5000", fmt.Sprintf("192.0.2.%d", i), "guess")
	}
	if r := signinFrom(h, "127.0.0.1:5000", "192.0.2.200", dashboardToken); r.Code != http.StatusTooManyRequests {
		t.Errorf("a new X-Forwarded-For from the same peer: %d, want limited", r.Code)
	}
}

// Behind a trusted proxy, the client is the address the proxy appended,
// not what the client wrote in its own X-Forwarded-For.
func TestSignin_trustedProxy(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	})
	h := e.server.Handler()
	for i := range 12 {
		// The guesser varies a forged first entry; the proxies append
		// the address it came from.
		signinFrom(h, "127.0.0.1:5000", fmt.Sprintf("192.0.2.%d, 198.51.100.7, 10.1.2.3", i), "guess")
	}
	if r := signinFrom(h, "127.0.0.1:5000", "192.0.2.99, 198.51.100.7", dashboardToken); r.Code != http.StatusTooManyRequests {
		t.Errorf("the guesser behind the proxy: %d, want limited", r.Code)
	}
	if r := signinFrom(h, "127.0.0.1:5000", "203.0.113.9", dashboardToken); r.Code != http.StatusSeeOther {
		t.Errorf("another client behind the proxy: %d\n%s", r.Code, r.Body)
	}
	// A peer that is not a trusted proxy is the client, whatever it says.
	for range 10 {
		signinFrom(h, "198.51.100.50:5000", "203.0.113.9", "guess")
	}
	if r := signinFrom(h, "198.51.100.50:5000", "203.0.113.10", dashboardToken); r.Code != http.StatusTooManyRequests {
		t.Errorf("an untrusted peer: %d, want limited", r.Code)
	}
}

// Many clients together meet the global ceiling.
func TestSignin_globalCeiling(t *testing.T) {
	e := newEnv(t)
	h := e.server.Handler()
	refused := 0
	for i := range 2 * globalSigninBurst {
		r := signinFrom(h, fmt.Sprintf("198.51.%d.%d:5000", i/200, i%200), "", "guess")
		if r.Code == http.StatusTooManyRequests {
			refused++
			if !strings.Contains(r.Body.String(), "from many addresses") {
				t.Fatalf("the refusal:\n%s", r.Body)
			}
		}
	}
	if refused != globalSigninBurst {
		t.Errorf("%d refused, want %d over the ceiling's burst", refused, globalSigninBurst)
	}
	e.clock.Add(time.Minute)
	if r := signinFrom(h, "203.0.113.9:4000", "", dashboardToken); r.Code != http.StatusSeeOther {
		t.Errorf("a minute later: %d", r.Code)
	}
}

func TestSigninClient(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, tc := range []struct{ remote, xff, want string }{
		{"198.51.100.7:1", "", "198.51.100.7"},
		{"198.51.100.7:1", "203.0.113.9", "198.51.100.7"},
		{"10.0.0.1:1", "", "10.0.0.1"},
		{"10.0.0.1:1", "203.0.113.9", "203.0.113.9"},
		{"10.0.0.1:1", "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"},
		{"10.0.0.1:1", "203.0.113.9:4711", "203.0.113.9"},
		{"10.0.0.1:1", "garbage, 10.9.9.9", "10.9.9.9"},
		{"[fd00::1]:1", "2001:db8:1:2::7", "2001:db8:1:2::/64"},
		{"[::ffff:10.0.0.1]:1", "203.0.113.9", "203.0.113.9"},
	} {
		req := httptest.NewRequest("POST", "/signin", nil)
		req.RemoteAddr = tc.remote
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := signinClient(req, proxies); got != tc.want {
			t.Errorf("%s, X-Forwarded-For %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}
