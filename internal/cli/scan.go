package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/authexport"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/credreport"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/report"
	"github.com/iamsweep/iamsweep/internal/scan"
	"github.com/iamsweep/iamsweep/internal/store"
)

// ScanOptions are the inputs of the scan command.
type ScanOptions struct {
	deps
	// Config is the configuration: the defaults and the flags given until
	// the command runs, then resolved (environment, file) and validated.
	Config config.Config
}

// NewCmdScan returns the scan command. runF, when not nil, runs in place of
// runScan (tests check what the flags and settings resolve to).
func NewCmdScan(d deps, runF func(context.Context, *ScanOptions) error) *cobra.Command {
	opts := &ScanOptions{deps: d, Config: d.config()}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Find unused IAM roles, users, access keys and passwords",
		Long: `Scan evaluates every IAM role and user, console password and access key of
the account of the current AWS credentials, or offline of an export made with
'aws iam get-account-authorization-details' (--from-file) and a credential
report (--credential-report), and gives each a verdict: unused, used or
exempt, with a reason.

Every flag can also be set in the YAML file given with --config (the key is
the flag name) or in an environment variable (IAMSWEEP_ and the flag name in
upper case, dashes as underscores). Flags win over the environment, which
wins over the file. Numbers are decimal.

--out writes a new or regular file atomically (a temporary file renamed
into place, keeping an existing file's mode); through a symbolic link it
replaces the link's target and keeps the link; a character device or a
pipe (/dev/stdout, a FIFO) is written directly; a directory is refused.

-o asff writes the unused findings in the AWS Security Finding Format, for
Security Hub. --to securityhub also imports them to AWS Security Hub of
each account scanned, in the Region of the AWS configuration, and archives
those a complete scan proves no longer hold (see docs/securityhub.md).

Exit status: 0 nothing unused found (at or above --fail-on); 1 failure;
2 usage or input error; 3 some accounts could not be scanned (the others
are reported), or the export to Security Hub is incomplete; 4 unused
access found; 130 interrupted.`,
		Example: `  # Offline, on an export and a credential report:
  iamsweep scan --from-file examples/account-export.json --credential-report examples/credential-report.csv --as-of 2026-11-23T00:00:00Z

  # Live, with a named profile, as JSON:
  iamsweep scan --profile audit -o json > findings.json

  # Exempt break-glass roles; fail a pipeline only on unused roles:
  iamsweep scan --allow '/breakglass-role|/security-*' --fail-on UnusedIAMRole

  # Roles only: no credential report or access key is read:
  iamsweep scan --types UnusedIAMRole

  # Every account of the organization, findings to Security Hub in eu-west-1:
  iamsweep scan --org --assume-role iamsweep-scan --to securityhub --region eu-west-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runScan(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, scanSettings()...)
	return cmd
}

// runScan scans one account (live or from files), or several (runOrgScan),
// writes the report and records the scan. It returns errUnusedFound when
// unused access at or above --fail-on was found.
func runScan(ctx context.Context, opts *ScanOptions) error {
	cfg := opts.Config
	if err := cfg.ValidateScanScope(); err != nil {
		return err
	}
	if err := cfg.ValidateExport(); err != nil {
		return err
	}
	log := newLogger(opts.io.ErrOut, cfg.LogLevel, cfg.LogFormat)
	now := cfg.AsOf
	if now.IsZero() {
		now = opts.now().UTC()
	}
	allow, err := detect.NewAllowlist(cfg.Allow)
	if err != nil {
		return cfg.Invalid("allow", err) // Validate has checked it; kept for safety
	}
	detectOpts := detect.Options{
		Now:            now,
		UnusedDays:     cfg.UnusedDays,
		Allowlist:      allow,
		IncludeManaged: cfg.IncludeManaged,
	}
	// Keeps are decisions in real time: judged at the clock, not as-of.
	detectOpts.ExceptionsAt = opts.now().UTC()
	if detectOpts.Exceptions, err = scanExceptions(ctx, opts, detectOpts.ExceptionsAt, log); err != nil {
		return err
	}
	if cfg.MultiAccount() {
		return runOrgScan(ctx, opts, detectOpts, log)
	}
	var awsCfg aws.Config
	if !cfg.Offline() {
		if awsCfg, err = loadAWSConfig(ctx, cfg, opts.retry, log); err != nil {
			return err
		}
	}
	if err := exportRegion(&cfg, awsCfg); err != nil {
		return err
	}
	var (
		hub    *hubExport
		caller iamsweep.Account
	)
	if cfg.To == "securityhub" {
		if hub, caller, err = singleAccountHub(ctx, cfg, awsCfg, detectOpts.Now, detectOpts.UnusedDays, log); err != nil {
			return err
		}
	}
	inv, done, err := inventory(ctx, cfg, awsCfg, opts.io, log)
	if err != nil {
		return err
	}
	defer done()
	// The output first: a path it cannot be written to is refused before
	// the scan spends any AWS calls.
	out, err := openOutput(opts.io.Out, cfg.Out)
	if err != nil {
		return err
	}
	defer out.Abort()

	start := time.Now()
	res, err := scan.Account(ctx, inv, detectOpts, log, cfg.Types...)
	if errors.Is(err, iamsweep.ErrAccessDenied) {
		return fmt.Errorf("%w\n(the scan needs the permissions in policies/iamsweep-scan.json; see docs/permissions.md)", err)
	}
	if err != nil {
		return err
	}
	log.Info("scan finished", "principals", len(res.Findings), "unused", res.Counts().Unused, "duration", time.Since(start))
	if e, ok := inv.(interface{ Empty() []string }); ok {
		// Input with nothing in it is not an account with nothing unused.
		for _, msg := range e.Empty() {
			fmt.Fprintf(opts.io.ErrOut, "iamsweep: warning: %s\n", msg)
		}
	}
	// The scan is recorded while the report is written, on another core:
	// both only read res.
	recorded := make(chan error, 1)
	go func() { recorded <- recordScan(ctx, opts, res, log) }()
	if err := writeReport(cfg, opts.io, out, res); err != nil {
		<-recorded
		return err
	}
	if err := <-recorded; err != nil {
		return err
	}
	if hub != nil {
		hub.Start(ctx, caller, res.Findings)
		hub.Wait()
		if hub.Report(opts.io.ErrOut) {
			return errExportIncomplete
		}
	}
	failOn, _ := config.ParseFailOn(cfg.FailOn) // validated
	if failOn.Fails(res) {
		return errUnusedFound
	}
	return nil
}

// writeReport writes the report of a one-account scan to out.
func writeReport(cfg config.Config, ios IO, out *output, res iamsweep.ScanResult) error {
	w := newWriter(cfg, ios, out)
	err := w.Begin(report.Meta{AsOf: res.AsOf, UnusedDays: res.UnusedDays})
	if err == nil {
		err = w.Findings(res.Findings)
	}
	if err == nil {
		err = w.End(report.Totals{})
	}
	if err == nil {
		err = out.Commit()
	}
	if err != nil {
		return fmt.Errorf("write the %s report: %w", cfg.Output, err)
	}
	return nil
}

// recording reports whether the scan is to be recorded in the state
// database.
func recording(opts *ScanOptions) bool {
	if opts.Config.NoState {
		return false
	}
	_, ok, err := statePath(opts.Config, opts.deps)
	return ok || err != nil
}

// scanExceptions reads the exceptions (owners' Keeps) active at now (the
// clock) from
// the state database the scan records in, so that the findings they keep
// are exempt; none with --no-state, which leaves the state database alone,
// or without a state database yet (this creates none: the scan records
// only once its report can be written).
func scanExceptions(ctx context.Context, opts *ScanOptions, now time.Time, log *slog.Logger) (detect.Exceptions, error) {
	if !recording(opts) {
		return nil, nil
	}
	if path, ok, err := statePath(opts.Config, opts.deps); err == nil && ok {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	st, _, err := openState(ctx, opts.Config, opts.deps)
	if err != nil {
		return nil, err
	}
	es, err := st.Exceptions(ctx, store.ExceptionFilter{ActiveAt: now})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("read the exceptions in force (--no-state scans without them): %w", err)
	}
	log.Debug("exceptions in force", "count", len(es))
	return detect.NewExceptions(es), nil
}

// recordScan saves the scan's result in the state database, where plan
// and history read it, unless --no-state.
func recordScan(ctx context.Context, opts *ScanOptions, res iamsweep.ScanResult, log *slog.Logger) error {
	if !recording(opts) {
		return nil
	}
	st, path, err := openState(ctx, opts.Config, opts.deps)
	if err == nil {
		var id int64
		id, err = st.RecordScan(ctx, res)
		if err == nil {
			pruneAfterScan(ctx, st, opts.Config.Retention, opts.now(), log)
		}
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			log.Info("scan recorded", "scan_id", id, "state", path)
			return nil
		}
	}
	return fmt.Errorf("the report was written, but the scan was not recorded in the state database (--no-state skips recording): %w", err)
}

// inventory builds the source of principals: an export file, or the live
// account of the AWS configuration awsCfg.
func inventory(ctx context.Context, cfg config.Config, awsCfg aws.Config, ios IO, log *slog.Logger) (iamsweep.Inventory, func(), error) {
	if !cfg.Offline() {
		return awsapi.New(awsCfg, log, clientOptions(cfg)), func() {}, nil
	}
	inv := &authexport.Inventory{Log: log}
	var closers []func()
	done := func() {
		for _, c := range closers {
			c()
		}
	}
	open := func(path string) (io.Reader, string, error) {
		if path == "-" {
			return ios.In, "stdin", nil
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, "", err
		}
		closers = append(closers, func() { f.Close() })
		return f, path, nil
	}
	if cfg.CredentialReport != "" {
		r, source, err := open(cfg.CredentialReport)
		if err != nil {
			done()
			return nil, nil, iamsweep.NewInputError(cfg.CredentialReport, "", fmt.Errorf("open credential report: %w", unwrapPathError(err)))
		}
		inv.ReportSource = source
		if inv.Report, err = credreport.Parse(r, source); err != nil {
			done()
			return nil, nil, err
		}
		if inv.Report == nil {
			inv.Report = []iamsweep.User{}
		}
	}
	if cfg.FromFile != "" {
		r, source, err := open(cfg.FromFile)
		if err != nil {
			done()
			return nil, nil, iamsweep.NewInputError(cfg.FromFile, "", fmt.Errorf("open export: %w", unwrapPathError(err)))
		}
		inv.R, inv.Source = r, source
	}
	return inv, done, nil
}

// clientOptions are the options of a scan's AWS client: no access key
// listing when asked, or when the finding types scanned do not need it.
func clientOptions(cfg config.Config) awsapi.Options {
	return awsapi.Options{NoKeyIDs: cfg.NoKeyIDs || !scan.NeedsKeyListing(cfg.Types)}
}

// loadAWSConfig resolves credentials and settings through the SDK's default
// chain (environment, shared config and profiles, SSO, container and
// instance metadata) and checks that credentials exist before any call.
// The SDK's own log messages go to log, at level debug.
func loadAWSConfig(ctx context.Context, cfg config.Config, retry awsapi.RetryOptions, log *slog.Logger) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRetryer(awsapi.NewRetryer(retry)),
		awsconfig.WithHTTPClient(httpClient(cfg)),
		awsconfig.WithLogger(awsapi.SDKLogger(log)),
	}
	if cfg.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(cfg.Profile))
	}
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.EndpointURL != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(cfg.EndpointURL))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var missing awsconfig.SharedConfigProfileNotExistError
		if errors.As(err, &missing) {
			return aws.Config{}, usageError{fmt.Errorf("AWS profile %s not found in the shared config or credentials files", iamsweep.Quote(cfg.Profile))}
		}
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if awsCfg.Credentials == nil {
		return aws.Config{}, fmt.Errorf("%w: none configured", iamsweep.ErrNoCredentials)
	}
	if _, err := awsCfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("%w (set AWS_PROFILE or --profile, or scan an export offline with --from-file): %v",
			iamsweep.ErrNoCredentials, err)
	}
	return awsCfg, nil
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated: debug, info, warn, error
	ho := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// unwrapPathError drops the operation and path from an *os.PathError, which
// the caller names already.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// httpClient is the SDK's default HTTP client with room to keep a
// connection open for every call in flight: every account's IAM calls go to
// the same host, and the SDK's default of 10 idle connections per host would
// make a scan of many accounts open (and, against AWS, TLS-handshake) new
// connections all the time.
func httpClient(cfg config.Config) *awshttp.BuildableClient {
	perHost := 16
	if cfg.MultiAccount() {
		// Up to four calls at once per account (AssumeRole, then the roles,
		// users and credential-report listings; key lookups add more).
		perHost = max(perHost, 4*cfg.Concurrency)
	}
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConnsPerHost = perHost
		tr.MaxIdleConns = max(tr.MaxIdleConns, 2*perHost)
	})
}

// scanSettings are the settings scan takes: every one with a flag but
// allow-service-linked, which only plan and apply use.
// notScanSettings are the top-level settings of other commands.
var notScanSettings = []string{"allow-service-linked", "access-dir", "window-days", "window", "exempt-tag"}

func scanSettings() []string {
	var (
		c     config.Config
		names []string
	)
	for _, s := range c.Settings() {
		if s.Section() == "" && !slices.Contains(notScanSettings, s.Name) {
			names = append(names, s.Name)
		}
	}
	return names
}
