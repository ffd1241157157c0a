package serve

import (
	"context"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/links"
	"github.com/iamsweep/iamsweep/internal/remediate"
	"github.com/iamsweep/iamsweep/internal/store"
)

// Store is what the service reads and writes in the state database
// (*store.Store). Each method returns errors wrapping
// iamsweep.ErrNotFound for what is not there; UseLinkToken returns
// iamsweep.ErrTokenUsed, iamsweep.ErrTokenExpired or ErrNotFound and then
// records nothing.
type Store interface {
	LatestScan(ctx context.Context) (int64, iamsweep.ScanResult, error)
	History(ctx context.Context, arn string) ([]iamsweep.HistoryEntry, error)
	Backups(ctx context.Context, arn string) ([]iamsweep.Backup, error)
	LoadBackup(ctx context.Context, id string) (iamsweep.Backup, error)

	PutLinkTokens(ctx context.Context, ts []store.LinkToken) error
	LinkToken(ctx context.Context, hash []byte) (store.LinkToken, error)
	UseLinkToken(ctx context.Context, hash []byte, at time.Time, d iamsweep.Decision, e *iamsweep.Exception) error

	Exceptions(ctx context.Context, f store.ExceptionFilter) ([]iamsweep.Exception, error)
	RevokeException(ctx context.Context, id string, at time.Time, by string) error
	RecordDecision(ctx context.Context, d iamsweep.Decision) error
	// KeepException records a Keep decision and its exception at once.
	KeepException(ctx context.Context, d iamsweep.Decision, e iamsweep.Exception) error
	Decisions(ctx context.Context, key iamsweep.FindingKey) ([]iamsweep.Decision, error)
	Notices(ctx context.Context, key iamsweep.FindingKey) ([]store.NoticeRecord, error)
	Escalation(ctx context.Context, key iamsweep.FindingKey) (store.EscalationState, error)
	// UpdateEscalation changes a finding's escalation state atomically
	// (fn's error, returned, stores nothing).
	UpdateEscalation(ctx context.Context, key iamsweep.FindingKey, fn func(st *store.EscalationState, found bool) error) error
	AddEvent(ctx context.Context, e store.Event) error
	Events(ctx context.Context, key iamsweep.FindingKey, limit int) ([]store.Event, error)
}

// RestoreFunc recreates a principal from a backup (remediate.Service's
// Restore, the code path of iamsweep restore).
type RestoreFunc func(ctx context.Context, backupID string) (remediate.RestoreResult, error)

// Options configure a Server.
type Options struct {
	Store Store
	// Signer signs and verifies link tokens, and derives the CSRF values
	// and session cookies, under the link key.
	Signer *links.Signer
	// DashboardToken is what an operator types to sign in.
	DashboardToken string
	// BaseURL is the public URL of the service (the links' prefix); its
	// origin is the only one a form may be posted from. nil: the
	// request's own host.
	BaseURL *url.URL
	// Secure marks the cookies Secure and sends Strict-Transport-Security:
	// set when the service is reached over HTTPS (TLS here, or an https
	// base URL behind a proxy).
	Secure bool
	// KeepMax bounds a Keep's expiry; SnoozeMax a Snooze.
	KeepMax, SnoozeMax time.Duration
	// OwnerTags are the tag keys naming a principal's owner.
	OwnerTags []string
	// Restore restores a backup; nil hides the Restore buttons.
	Restore RestoreFunc
	// RunSoon asks for a run of the escalation soon (the scheduler's
	// Trigger), after a Remove; nil when this service runs none
	// (--no-scheduler), and the pages say so.
	RunSoon func()
	// RunSoonAfter is how long after RunSoon that run starts (the
	// scheduler's Soon), for the pages.
	RunSoonAfter time.Duration
	// DryRun tells the pages that the service's runs change nothing.
	DryRun bool
	// TrustedProxies are the reverse proxies in front of the service
	// (serve.trusted-proxies): a request from one is limited as the
	// client its X-Forwarded-For names.
	TrustedProxies []netip.Prefix
	// SessionTTL is how long a sign-in lasts (default 12 hours).
	SessionTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Rand is the source of random IDs and nonces (crypto/rand.Reader).
	Rand io.Reader
	Log  *slog.Logger
}

// Server serves the decision pages and the dashboard.
type Server struct {
	o        Options
	pages    map[string]*template.Template
	tokenSum [sha256.Size]byte
	// signins bounds sign-in attempts, per client and in all, so the
	// dashboard token cannot be guessed at the speed of the network.
	signins *signinLimiter
}

// New returns a Server. It fails when a required option is missing.
func New(o Options) (*Server, error) {
	switch {
	case o.Store == nil:
		return nil, errors.New("serve: no store")
	case o.Signer == nil:
		return nil, errors.New("serve: no link signer")
	case len(o.DashboardToken) < 16:
		return nil, errors.New("serve: the dashboard token needs at least 16 characters")
	case o.KeepMax <= 0 || o.SnoozeMax <= 0:
		return nil, errors.New("serve: keep-max and snooze-max must be positive")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Rand == nil {
		return nil, errors.New("serve: no random source")
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Server{
		o:        o,
		pages:    pages,
		tokenSum: sha256.Sum256([]byte(o.DashboardToken)),
		signins:  newSigninLimiter(),
	}, nil
}

func (s *Server) now() time.Time { return s.o.Now().UTC() }

// Handler returns the service's routes, wrapped in the security headers
// and the request log.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	// The style sheet and the icon; no directory listing.
	mux.Handle("GET /static/{file}", http.StripPrefix("/static/", http.FileServerFS(staticFS())))

	// Decision links. GET also answers HEAD; any other method gets the
	// page that says so.
	mux.HandleFunc("GET /d/{token}", s.decisionPage)
	mux.HandleFunc("POST /d/{token}", s.decide)
	mux.HandleFunc("/d/{token}", s.wrongMethod)

	mux.HandleFunc("GET /signin", s.signinPage)
	mux.HandleFunc("POST /signin", s.signin)
	mux.HandleFunc("POST /signout", s.signout)

	// The dashboard: every route behind the sign-in.
	mux.Handle("GET /{$}", s.signedIn(s.findingsPage))
	mux.Handle("GET /principal", s.signedIn(s.principalPage))
	mux.Handle("POST /principal/decide", s.signedIn(s.operatorDecide))
	mux.Handle("GET /exceptions", s.signedIn(s.exceptionsPage))
	mux.Handle("POST /exceptions/revoke", s.signedIn(s.revokeException))
	mux.Handle("GET /backups", s.signedIn(s.backupsPage))
	mux.Handle("GET /backups/restore", s.signedIn(s.restorePage))
	mux.Handle("POST /backups/restore", s.signedIn(s.restore))
	mux.HandleFunc("/", s.notFound)
	return s.headers(mux)
}

// contentSecurityPolicy allows the service's own style sheet and forms
// and nothing else: no script runs on any page, and no page can be
// framed.
const contentSecurityPolicy = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// headers sets the security headers of every answer and logs it.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Links carry tokens in their paths: never send them to another
		// site. (Not no-referrer: browsers then send "Origin: null" with
		// the service's own forms, and the origin check needs it.)
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cache-Control", "no-store")
		if s.o.Secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r)
		s.o.Log.Debug("request", "method", r.Method, "path", redactPath(r.URL.Path), "status", rec.status,
			"remote", r.RemoteAddr, "duration", time.Since(start))
	})
}

// redactPath hides a link token in a logged path.
func redactPath(p string) string {
	if rest, ok := strings.CutPrefix(p, "/d/"); ok && rest != "" {
		return "/d/" + tokenRef(rest)
	}
	return p
}

// tokenRef names a link token in logs and pages: the first 12 hex digits
// of its hash (the store's key), never the token.
func tokenRef(text string) string {
	h := links.HashOf(text)
	if h == nil {
		return "(not a token)"
	}
	return fmt.Sprintf("h:%x", h[:6])
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "message", messagePage{Title: "Not found", Text: "There is no page at this address."})
}

//go:embed templates static
var files embed.FS

func staticFS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return sub
}
