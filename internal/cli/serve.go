package cli

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/links"
	"github.com/iamsweep/iamsweep/internal/remediate"
	"github.com/iamsweep/iamsweep/internal/serve"
	"github.com/iamsweep/iamsweep/internal/store"
	"github.com/iamsweep/iamsweep/internal/workflow"
)

// ServeOptions are the inputs of the serve command.
type ServeOptions struct {
	deps
	Config config.Config
	// DryRun runs the escalation without changing AWS or sending anything.
	DryRun bool
	// Listen, BaseURL, TLSCert and TLSKey override the serve section.
	Listen, BaseURL, TLSCert, TLSKey string
	// NoScheduler serves the pages only: no scan or escalation runs.
	NoScheduler bool

	// listener, when set, is used instead of listening on serve.listen
	// (tests listen on 127.0.0.1:0 before they know the base URL).
	listener net.Listener
	// after replaces the scheduler's timer, and ran is told the end of
	// each run (tests).
	after func(time.Duration) <-chan time.Time
	ran   func(workflow.Summary, error)
}

// serveSettings are the settings of serve: those of escalate (the scan,
// the remediation) and the state database.
var serveSettings = escalateSettings

// shutdownGrace bounds how long serve waits, after SIGTERM, for requests
// in flight.
const shutdownGrace = 20 * time.Second

// NewCmdServe returns the serve command.
func NewCmdServe(d deps, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{deps: d, Config: d.config()}
	// A service logs for machines.
	opts.Config.LogFormat, opts.Config.LogLevel = "json", "info"
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the owner workflow as a service: scheduler, decision links, dashboard",
		Long: `Serve runs the owner workflow as one long-running service on the state
database the CLI uses:

  - a scheduler that scans and escalates every escalation.frequency (as
    iamsweep escalate does once), one run at a time;
  - the decision links of the notices (/d/TOKEN): a page that shows what the
    link would do and changes nothing until the person confirms it;
  - a dashboard (sign-in with the dashboard token): findings filtered by
    account, owner, type, verdict and idle age, the idle-age chart, each
    principal's history, exceptions (with Revoke) and backups (with
    Restore);
  - /healthz.

It listens on 127.0.0.1:8080 unless --listen (serve.listen) says otherwise,
and serves HTTPS with --tls-cert and --tls-key, or plain HTTP behind a
reverse proxy that terminates TLS. --base-url (serve.base-url) is the public
URL the links in notices start with.

The dashboard token comes from IAMSWEEP_SERVE_DASHBOARD_TOKEN; without it,
serve generates one on its first start, keeps it in the state database and
prints it once on stderr. The key that signs links comes from
IAMSWEEP_SERVE_LINK_KEY, or is generated and kept in the state database.

On SIGTERM or SIGINT it stops taking work, lets requests and the run in
progress finish (a run is canceled between steps after 2 minutes; the
journal makes it resumable) and exits 0.

See docs/serve.md.`,
		Example: `  IAMSWEEP_CONFIG=iamsweep.yaml iamsweep serve
  iamsweep serve --config iamsweep.yaml --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem --base-url https://iamsweep.example.com:8443
  iamsweep serve --config iamsweep.yaml --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			if err := serveOverrides(cmd, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runServe(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, serveSettings...)
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "escalate without changing AWS or sending anything; say what would happen (config escalation.dry-run)")
	cmd.Flags().StringVar(&opts.Listen, "listen", "", "listen on HOST:PORT (config serve.listen; default 127.0.0.1:8080)")
	cmd.Flags().StringVar(&opts.BaseURL, "base-url", "", "public URL the links in notices start with (config serve.base-url)")
	cmd.Flags().StringVar(&opts.TLSCert, "tls-cert", "", "serve HTTPS with this PEM certificate file (config serve.tls-cert)")
	cmd.Flags().StringVar(&opts.TLSKey, "tls-key", "", "serve HTTPS with this PEM key file (config serve.tls-key)")
	cmd.Flags().BoolVar(&opts.NoScheduler, "no-scheduler", false, "serve the links and the dashboard only: run no scan or escalation")
	return cmd
}

// serveOverrides applies the serve flags over the serve section and
// checks the result: what serve needs to run.
func serveOverrides(cmd *cobra.Command, o *ServeOptions) error {
	sv, fs := &o.Config.Serve, cmd.Flags()
	for _, f := range []struct {
		flag  string
		value string
		to    *string
	}{{"listen", o.Listen, &sv.Listen}, {"base-url", o.BaseURL, &sv.BaseURL}, {"tls-cert", o.TLSCert, &sv.TLSCert}, {"tls-key", o.TLSKey, &sv.TLSKey}} {
		if fs.Changed(f.flag) {
			*f.to = f.value
			o.Config.Override("serve."+f.flag, f.flag)
		}
	}
	if err := o.Config.Validate(); err != nil {
		return err
	}
	if o.NoScheduler {
		// Links and the dashboard only: no notices to send.
		if sv.BaseURL == "" {
			return iamsweep.NewInputError("serve.base-url", "", errors.New("not set: the links in notices start with it (--base-url)"))
		}
		return nil
	}
	return o.Config.ValidateWorkflow()
}

// runServe runs the service until ctx ends.
func runServe(ctx context.Context, o *ServeOptions) error {
	d, cfg := o.deps, o.Config
	log := newLogger(d.io.ErrOut, cfg.LogLevel, cfg.LogFormat)
	dryRun := o.DryRun || cfg.Escalation.DryRun
	base, err := url.Parse(cfg.Serve.BaseURL) // checked by serveOverrides
	if err != nil {
		return iamsweep.NewInputError("serve.base-url", "", err)
	}
	var tlsConfig *tls.Config
	if cfg.Serve.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.Serve.TLSCert, cfg.Serve.TLSKey)
		if err != nil {
			return iamsweep.NewInputError("serve.tls-cert", "", fmt.Errorf("load %s and %s: %w", cfg.Serve.TLSCert, cfg.Serve.TLSKey, err))
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	st, path, err := openState(ctx, cfg, d)
	if err != nil {
		return err
	}
	defer st.Close()
	signer, err := linkSigner(ctx, cfg, st)
	if err != nil {
		return err
	}
	token, err := dashboardToken(ctx, cfg, st, d)
	if err != nil {
		return err
	}
	lm := newLinkMaker(d, cfg, st, signer, base)

	var sched *serve.Scheduler
	if !o.NoScheduler {
		env, err := newRunner(ctx, d, cfg, st, path, dryRun, lm)
		if err != nil {
			return err
		}
		sched = &serve.Scheduler{Every: cfg.Escalation.Frequency, Soon: serve.DefaultSoon, After: o.after, Log: log.With("component", "scheduler"),
			Run: func(ctx context.Context) error {
				sum, err := env.Runner.RunOnce(ctx)
				if o.ran != nil {
					defer o.ran(sum, err)
				}
				if err != nil {
					return err
				}
				for _, step := range sum.Steps {
					log.Info("escalation step", "dry_run", sum.DryRun, "step", step)
				}
				log.Info("escalation run", "dry_run", sum.DryRun, "scan_id", sum.ScanID, "findings", sum.Findings, "unused", sum.Unused,
					"notices", sum.Notices, "notices_failed", sum.NoticesFailed, "quarantined", sum.Quarantined, "deleted", sum.Deleted,
					"released", sum.Released, "actions_failed", sum.ActionsFailed, "tripwires", sum.Tripwires)
				return nil
			}}
	}
	var restore serve.RestoreFunc
	if !dryRun && !cfg.Offline() {
		restore = lazyRestore(d, cfg, st, path)
	}
	var runSoon func()
	if sched != nil {
		runSoon = sched.Trigger
	}
	srv, err := serve.New(serve.Options{
		Store: st, Signer: signer, DashboardToken: token, BaseURL: base,
		RunSoon: runSoon, RunSoonAfter: serve.DefaultSoon, DryRun: dryRun,
		Secure:  base.Scheme == "https" || cfg.Serve.TLSCert != "",
		KeepMax: cfg.Escalation.KeepMax, SnoozeMax: cfg.Escalation.SnoozeMax, OwnerTags: cfg.OwnerTags,
		Restore: restore, TrustedProxies: cfg.Serve.TrustedProxies, Now: d.now, Rand: rand.Reader, Log: log.With("component", "http"),
	})
	if err != nil {
		return err
	}
	ln := o.listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Serve.Listen); err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.Serve.Listen, err)
		}
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // a restore makes many IAM calls
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		TLSConfig:         tlsConfig,
	}
	served := make(chan error, 1)
	go func() {
		if hs.TLSConfig != nil {
			served <- hs.ServeTLS(ln, "", "")
		} else {
			served <- hs.Serve(ln)
		}
	}()
	log.Info("serving", "addr", ln.Addr().String(), "base_url", base.String(), "tls", cfg.Serve.TLSCert != "", "dry_run", dryRun, "scheduler", sched != nil)
	if sched != nil {
		sched.Start(ctx)
	}
	select {
	case err := <-served:
		if sched != nil {
			sched.Stop()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("stopping: no new work; finishing what is in flight")
	// Stop taking requests and let those in flight finish (bounded), and
	// let the run in progress finish (bounded by the scheduler's grace).
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	shutErr := hs.Shutdown(shutCtx)
	if sched != nil {
		sched.Stop()
	}
	if shutErr != nil {
		log.Warn("requests still in flight at shutdown were cut", "err", shutErr)
		_ = hs.Close()
	}
	log.Info("stopped")
	return nil
}

// lazyRestore returns the dashboard's restore: the code path of iamsweep
// restore, connected to AWS on the first restore (and again after a
// failure to connect), so that serving needs no AWS call of its own.
func lazyRestore(d deps, cfg config.Config, st *store.Store, path string) serve.RestoreFunc {
	var (
		mu  sync.Mutex
		svc *remediate.Service
	)
	return func(ctx context.Context, id string) (remediate.RestoreResult, error) {
		mu.Lock()
		if svc == nil {
			env, err := openRemediation(ctx, d, cfg, st, path, cfg.UnusedDays)
			if err != nil {
				mu.Unlock()
				return remediate.RestoreResult{}, err
			}
			svc = env.svc
		}
		s := svc
		mu.Unlock()
		return s.Restore(ctx, id, remediate.RestoreOptions{})
	}
}

// newLinkMaker returns the maker of the notices' decision links.
func newLinkMaker(d deps, cfg config.Config, st *store.Store, signer *links.Signer, base *url.URL) *serve.LinkMaker {
	return &serve.LinkMaker{Store: st, Signer: signer, BaseURL: base, TTL: cfg.Serve.LinkTTL, Now: func() time.Time { return d.now().UTC() }}
}

// linkSigner returns the signer of decision links: the key from
// serve.link-key (IAMSWEEP_SERVE_LINK_KEY), else the one kept in the
// state database (generated on first use).
func linkSigner(ctx context.Context, cfg config.Config, st *store.Store) (*links.Signer, error) {
	key := []byte(cfg.Serve.LinkKey)
	if len(key) == 0 {
		var err error
		key, err = st.Secret(ctx, "link-key", func() ([]byte, error) {
			k := make([]byte, 32)
			_, err := rand.Read(k)
			return k, err
		})
		if err != nil {
			return nil, fmt.Errorf("read the link key: %w", err)
		}
	}
	s, err := links.NewSigner(key, rand.Reader)
	if err != nil {
		return nil, iamsweep.NewInputError("serve.link-key", "", err)
	}
	return s, nil
}

// dashboardToken returns the dashboard's sign-in token: from
// serve.dashboard-token (IAMSWEEP_SERVE_DASHBOARD_TOKEN), else the one
// kept in the state database, generated and printed on stderr the first
// time.
func dashboardToken(ctx context.Context, cfg config.Config, st *store.Store, d deps) (string, error) {
	if cfg.Serve.DashboardToken != "" {
		return cfg.Serve.DashboardToken, nil
	}
	made := false
	tok, err := st.Secret(ctx, "dashboard-token", func() ([]byte, error) {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		made = true
		return []byte(base64.RawURLEncoding.EncodeToString(b)), nil
	})
	if err != nil {
		return "", fmt.Errorf("read the dashboard token: %w", err)
	}
	if made {
		fmt.Fprintf(d.io.ErrOut, "iamsweep serve: the dashboard's sign-in token, shown this once (kept in the state database; set IAMSWEEP_SERVE_DASHBOARD_TOKEN to choose your own):\n  %s\n", tok)
	}
	return string(tok), nil
}
