package serve

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Cookie names. The session cookie is signed; the link CSRF cookie holds a
// random nonce the confirmation form's value is bound to.
const (
	sessionCookie  = "iamsweep_session"
	linkCSRFCookie = "iamsweep_link_csrf"
)

var b64 = base64.RawURLEncoding

// session is a verified session cookie's raw value.
type session []byte

// Session cookie layout: expiry (Unix seconds, 8 bytes), 16 random bytes,
// and an HMAC over both and the dashboard token's hash, so that changing
// the dashboard token signs everybody out.
const sessionPayload = 8 + 16

func (s *Server) newSession() (string, time.Time, error) {
	exp := s.now().Add(s.o.SessionTTL)
	raw := make([]byte, sessionPayload)
	binary.BigEndian.PutUint64(raw, uint64(exp.Unix()))
	if _, err := s.o.Rand.Read(raw[8:]); err != nil {
		return "", time.Time{}, err
	}
	raw = append(raw, s.o.Signer.Sum("session", raw, s.tokenSum[:])...)
	return b64.EncodeToString(raw), exp, nil
}

// session returns the request's valid session, if it has one.
func (s *Server) session(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	raw, err := b64.DecodeString(c.Value)
	if err != nil || len(raw) != sessionPayload+sha256.Size {
		return nil, false
	}
	if !hmac.Equal(raw[sessionPayload:], s.o.Signer.Sum("session", raw[:sessionPayload], s.tokenSum[:])) {
		return nil, false
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(raw[:8])&(1<<62-1)), 0)
	if !s.now().Before(exp) {
		return nil, false
	}
	return raw, true
}

// dashboardCSRF is the value every dashboard form carries: bound to the
// session, so a page elsewhere cannot make one.
func (s *Server) dashboardCSRF(sess session) string {
	return b64.EncodeToString(s.o.Signer.Sum("dashboard-csrf", sess))
}

// checkDashboardCSRF reports whether r carries the session's form value
// and comes from this service's origin.
func (s *Server) checkDashboardCSRF(r *http.Request, sess session) bool {
	got, err := b64.DecodeString(r.PostFormValue("csrf"))
	return err == nil && hmac.Equal(got, s.o.Signer.Sum("dashboard-csrf", sess)) && s.sameOrigin(r)
}

// sameOrigin reports whether a form post comes from this service: the
// browser's Sec-Fetch-Site, when sent, is same-origin, and its Origin,
// when sent, is the base URL's (or, without one, the request's own host).
// "Origin: null" (a sandboxed frame, a data: URL) is another origin.
func (s *Server) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	o, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if s.o.BaseURL != nil {
		return o.Scheme == s.o.BaseURL.Scheme && o.Host == s.o.BaseURL.Host
	}
	return o.Host == r.Host
}

func (s *Server) cookie(name, value, path string, expires time.Time) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: s.o.Secure, SameSite: http.SameSiteStrictMode}
	if !expires.IsZero() {
		c.Expires = expires
		c.MaxAge = int(expires.Sub(s.now()).Seconds())
		if c.MaxAge <= 0 {
			c.MaxAge = 1
		}
	}
	return c
}

// signedIn wraps a dashboard handler: without a valid session, a GET goes
// to the sign-in page and anything else is refused; a POST must carry the
// session's CSRF value.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.session(r)
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.o.Log.Warn("dashboard request refused: not signed in", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			s.render(w, r, http.StatusUnauthorized, "message", messagePage{Title: "Sign in first",
				Text: "This needs a signed-in operator. Nothing was changed."})
			return
		}
		if r.Method == http.MethodPost && !s.checkDashboardCSRF(r, sess) {
			s.o.Log.Warn("dashboard post refused: bad CSRF value or origin", "path", r.URL.Path, "remote", r.RemoteAddr)
			s.render(w, r, http.StatusForbidden, "message", messagePage{Title: "Request refused",
				Text: "The form was not sent from this dashboard (or it is too old). Nothing was changed: reload the page and try again."})
			return
		}
		h(w, r, sess)
	})
}

type signinView struct {
	Next  string
	Error string
}

func (signinView) title() string { return "Sign in" }

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", signinView{Next: safeNext(r.URL.Query().Get("next"))})
}

// signin checks the dashboard token (constant-time, on hashes so the
// length does not show either) and starts a session.
func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	if !s.sameOrigin(r) {
		s.o.Log.Warn("sign-in refused: cross-origin post", "remote", r.RemoteAddr)
		s.render(w, r, http.StatusForbidden, "signin", signinView{Next: next, Error: "The sign-in form was sent from another site."})
		return
	}
	client := signinClient(r, s.o.TrustedProxies)
	if ok, global := s.signins.allow(client, s.now()); !ok {
		msg := "Too many sign-in attempts from your address: wait a minute."
		if global {
			msg = "Too many sign-in attempts to this service from many addresses: wait a minute."
		}
		s.o.Log.Warn("sign-in refused: too many attempts", "client", client, "all_clients", global, "remote", r.RemoteAddr)
		w.Header().Set("Retry-After", "60")
		s.render(w, r, http.StatusTooManyRequests, "signin", signinView{Next: next, Error: msg})
		return
	}
	got := sha256.Sum256([]byte(r.PostFormValue("token")))
	if subtle.ConstantTimeCompare(got[:], s.tokenSum[:]) != 1 {
		s.o.Log.Warn("sign-in failed: wrong dashboard token", "client", client, "remote", r.RemoteAddr)
		s.render(w, r, http.StatusUnauthorized, "signin", signinView{Next: next, Error: "That is not the dashboard token."})
		return
	}
	value, exp, err := s.newSession()
	if err != nil {
		s.fail(w, r, "start a session", err)
		return
	}
	http.SetCookie(w, s.cookie(sessionCookie, value, "/", exp))
	s.o.Log.Info("operator signed in", "remote", r.RemoteAddr)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if sess, ok := s.session(r); ok && !s.checkDashboardCSRF(r, sess) {
		s.render(w, r, http.StatusForbidden, "message", messagePage{Title: "Request refused", Text: "The form was not sent from this dashboard."})
		return
	}
	c := s.cookie(sessionCookie, "", "/", time.Time{})
	c.MaxAge = -1
	http.SetCookie(w, c)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// safeNext keeps a post-sign-in redirect on this site: a path, never
// "//host" or a URL. A backslash anywhere is refused: browsers read "\\"
// as "/" in a URL, and http.Redirect cleans the path, so "/a/../\\host"
// would leave as "/\\host", that is "//host", another site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.IsAbs() || u.Host != "" || u.Opaque != "" || next[0] != '/' ||
		(len(next) > 1 && next[1] == '/') || strings.ContainsRune(next, '\\') {
		return "/"
	}
	return next
}
