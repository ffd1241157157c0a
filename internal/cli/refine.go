package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/authexport"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/lastaccess"
	"github.com/iamsweep/iamsweep/internal/refine"
	"github.com/iamsweep/iamsweep/internal/report"
	"github.com/iamsweep/iamsweep/internal/store"
)

// RefineOptions are the inputs of the refine command.
type RefineOptions struct {
	deps
	// Config holds the resolved settings.
	Config config.Config
	// ARNs are the principals to refine; All refines every role and user.
	ARNs []string
	All  bool
	// OutDir, when set, receives one file per recommended policy and
	// summary.json.
	OutDir string
	// PlanFile, when set, receives a plan of refine actions for apply
	// (also saved in the state database).
	PlanFile string
	// cache is the state database that caches service last accessed
	// reports in a live run; nil for none.
	cache *store.Store
}

// NewCmdRefine returns the refine command; runF, when not nil, runs in
// place of runRefine (a test seam).
func NewCmdRefine(d deps, runF func(context.Context, *RefineOptions) error) *cobra.Command {
	opts := &RefineOptions{deps: d, Config: d.config()}
	cmd := &cobra.Command{
		Use:   "refine [ARN... | --all]",
		Short: "Narrow the policies of used roles and users to what they used",
		Long: `Refine reads, for each role or user, which services and actions it used
(IAM's service last accessed data) and recommends, per inline and attached
managed policy, a step in the shape of IAM Access Analyzer's unused-permission
recommendations: DETACH_POLICY when nothing the policy allows was used in the
window, else CREATE_POLICY with a refined document (then DETACH_POLICY of the
existing one). It changes nothing in AWS.

The refined document keeps every Resource, NotResource and Condition, keeps
Deny statements as they are, narrows wildcards to the actions used and to
those IAM does not track, drops the statements of unused services, and never
allows anything the original did not. See docs/refine.md.

Live, it reads the account of the current AWS credentials and runs one
service last accessed job per principal, caching the reports in the state
database for a day (--no-state: no cache). Offline, it reads an export of
'aws iam get-account-authorization-details' (--from-file, with the Policies
list) and a folder of saved 'aws iam get-service-last-accessed-details'
outputs (--access-dir).

--out DIR writes one file per recommended policy
(DIR/<account>/<role|user>/<principal>/<policy>.json) and DIR/summary.json
(the JSON output); stdout still carries the table (or -o json|csv|html|asff).
-o html writes one self-contained page: per principal its status, reason,
evidence window and unused services and actions, and per policy the actions
removed and added and the recommended document.

--org, --ou and --accounts refine every account of the scope through the
role assumed in each (--assume-role, --external-id), --concurrency at a
time; an account that fails is reported and the others complete.

--to securityhub imports the UnusedPermission findings of the refined
principals into AWS Security Hub of each account (live only), and archives
the ones it imported before whose principal no longer needs a step; scan's
findings there are left alone. See docs/securityhub.md.

--plan FILE also writes the recommendations as a plan of refine actions
(and saves it in the state database) for 'iamsweep apply FILE', which
backs each principal up, re-checks its policies and changes them for that
principal alone; 'iamsweep restore ARN' undoes it. See docs/refine.md.

Exit status: 0 nothing to refine; 1 failure; 2 usage or input error;
3 some accounts could not be refined, or the export to Security Hub is
incomplete; 4 unused permissions found (some
policy has a recommended step); 130 interrupted.`,
		Example: `  # Live, every role and user of the account, the refined policies to a folder:
  iamsweep refine --all --out refined/

  # Offline, every role and user of an export:
  iamsweep refine --all --from-file examples/refine/export.json --access-dir examples/refine/access --as-of 2026-11-23

  # Two roles, the recommended policies written to a folder:
  iamsweep refine arn:aws:iam::111122223333:role/app arn:aws:iam::111122223333:role/etl \
      --from-file export.json --access-dir access/ --out refined/

  # A longer window for backup roles; leave break-glass roles alone:
  iamsweep refine --all --from-file export.json --access-dir access/ \
      --window '/backup/*=400' --exempt-tag breakglass`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ARNs = args
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRefine(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, "from-file", "access-dir", "window-days", "window", "exempt-tag", "as-of",
		"output", "profile", "region", "endpoint-url", "state", "no-state", "log-level", "log-format",
		"org", "ou", "accounts", "exclude-accounts", "assume-role", "external-id", "concurrency", "to")
	setUsage(cmd, "from-file", "refine offline the roles and users of this export of 'aws iam get-account-authorization-details', with its Policies list (- for stdin), beside --access-dir")
	setUsage(cmd, "no-state", "live: neither read nor save service last accessed reports in the state database")
	setUsage(cmd, "output", "output format: table, json, csv, html (one self-contained page) or asff (the refined principals as AWS Security Finding Format findings)")
	setUsage(cmd, "to", "also export the UnusedPermission findings: securityhub (AWS Security Hub of each account refined, in the Region of the AWS configuration; archives those that no longer hold)")
	cmd.Flags().BoolVar(&opts.All, "all", false, "refine every role and user")
	cmd.Flags().StringVar(&opts.OutDir, "out", "", "write one file per recommended policy and summary.json into this `DIR`")
	cmd.Flags().StringVar(&opts.PlanFile, "plan", "", "also write a plan of refine actions for iamsweep apply to this `FILE` (and save it in the state database)")
	return cmd
}

// refineInput is what refine works on: the principals chosen, with their
// policies' documents, and the evidence of their use.
type refineInput struct {
	principals []refine.Principal
	reports    map[string]iamsweep.AccessReport
	// evidence says where reports come from, for reasons.
	evidence func(arn string) string
	// region is the AWS configuration's Region, live, and awsCfg that
	// configuration.
	region string
	awsCfg aws.Config
	// ids are the principals' unique IDs, by ARN.
	ids map[string]string
}

func runRefine(ctx context.Context, opts *RefineOptions) error {
	cfg := opts.Config
	log := newLogger(opts.io.ErrOut, cfg.LogLevel, cfg.LogFormat)
	if err := checkRefineArgs(opts); err != nil {
		return err
	}
	if err := cfg.ValidateExport(); err != nil {
		return err
	}
	windows, _ := config.ParseWindows(cfg.Windows)      // validated
	exempt, _ := config.ParseExemptTags(cfg.ExemptTags) // validated
	now := cfg.AsOf
	if now.IsZero() {
		now = opts.now().UTC()
	}
	o := refine.Options{Now: now, WindowDays: cfg.WindowDays, ExemptTags: exempt}
	for _, w := range windows {
		o.Windows = append(o.Windows, refine.Window{Pattern: w.Pattern, Days: w.Days})
	}
	if opts.Config.Output == "asff" && cfg.FromFile != "" && cfg.Region == "" {
		return usageError{errors.New("-o asff needs the AWS Region the findings are for (it is part of their product ARN): give --region")}
	}
	if cfg.FromFile == "" {
		if opts.accessReports == nil {
			return errNoEvidenceReader
		}
		closeCache, err := openRefineCache(ctx, opts)
		if err != nil {
			return err
		}
		defer closeCache()
		if cfg.MultiAccount() {
			return runOrgRefine(ctx, opts, o, now, log)
		}
	}
	var in refineInput
	var err error
	if cfg.FromFile != "" {
		in, err = offlineRefineInput(ctx, opts, log)
	} else {
		in, err = liveRefineInput(ctx, opts, now, log)
	}
	if err != nil {
		return err
	}
	results, err := refineAll(in, o)
	if err != nil {
		return err
	}
	if opts.PlanFile != "" {
		if err := writeRefinePlan(ctx, opts, in, results, now); err != nil {
			return err
		}
	}
	region := cfg.Region
	if region == "" {
		region = in.region
	}
	err = writeRefine(opts, results, report.RefineMeta{AsOf: now, Catalog: refine.DefaultCatalog().Source}, region)
	if cfg.To == "" || (err != nil && !isUnusedFound(err)) {
		return err
	}
	cfg.Region = region
	hub, caller, herr := singleAccountHub(ctx, cfg, in.awsCfg, now, 0, log)
	if herr != nil {
		return herr
	}
	hub.run = "refinement"
	hub.StartRefine(ctx, caller, results, report.RefineExportScope{All: opts.All})
	hub.Wait()
	if hub.Report(opts.io.ErrOut) {
		return errExportIncomplete
	}
	return err
}

// openRefineCache opens the state database that caches the service last
// accessed reports of a live run, unless --no-state or there is none.
func openRefineCache(ctx context.Context, opts *RefineOptions) (func(), error) {
	if opts.Config.NoState {
		return func() {}, nil
	}
	if _, ok, err := statePath(opts.Config, opts.deps); err != nil || !ok {
		return func() {}, nil
	}
	st, _, err := openState(ctx, opts.Config, opts.deps)
	if err != nil {
		return nil, fmt.Errorf("open the state database that caches service last accessed reports (--no-state: no cache): %w", err)
	}
	opts.cache = st
	return func() { st.Close() }, nil
}

// checkRefineArgs checks the choice of principals and of the sources.
func checkRefineArgs(opts *RefineOptions) error {
	cfg := opts.Config
	switch {
	case opts.All && len(opts.ARNs) > 0:
		return flagError{errors.New("give principal ARNs or --all, not both")}
	case !opts.All && len(opts.ARNs) == 0:
		return flagError{errors.New("give the ARNs of the roles and users to refine, or --all")}
	}
	for _, arn := range opts.ARNs {
		a, err := iamsweep.ParseARN(arn)
		if err == nil && (a.Service != "iam" || !(strings.HasPrefix(a.Resource, "role/") || strings.HasPrefix(a.Resource, "user/"))) {
			err = fmt.Errorf("%s is not the ARN of an IAM role or user", iamsweep.Quote(arn))
		}
		if err != nil {
			return flagError{err}
		}
	}
	switch {
	case cfg.AccessDir != "" && cfg.FromFile == "":
		return cfg.Invalid("access-dir", errors.New("needs from-file: the export holds the principals and their policies"))
	case cfg.FromFile != "" && cfg.AccessDir == "":
		return cfg.Invalid("from-file", errors.New("refine offline needs --access-dir DIR too: the folder of saved service last accessed reports (see docs/refine.md)"))
	case cfg.FromFile != "" && (cfg.Profile != "" || cfg.EndpointURL != ""):
		return cfg.Invalid("from-file", errors.New("cannot be combined with profile or endpoint-url: offline refinement calls no AWS API"))
	}
	if opts.OutDir != "" {
		if fi, err := os.Stat(opts.OutDir); err == nil && !fi.IsDir() {
			return iamsweep.NewInputError(opts.OutDir, "", errors.New("is not a directory: --out takes a folder for refine"))
		}
	}
	return nil
}

// principalSet gathers the chosen principals and the managed policies as
// a source lists them, then joins each principal with the documents of
// its attached policies.
type principalSet struct {
	want       map[string]bool
	all        bool
	principals []refine.Principal
	attached   map[string][]iamsweep.AttachedPolicy
	policies   map[string]iamsweep.ManagedPolicy
	ids        map[string]string
}

func newPrincipalSet(opts *RefineOptions) *principalSet {
	s := &principalSet{want: map[string]bool{}, all: opts.All, attached: map[string][]iamsweep.AttachedPolicy{},
		policies: map[string]iamsweep.ManagedPolicy{}, ids: map[string]string{}}
	for _, arn := range opts.ARNs {
		s.want[arn] = true
	}
	return s
}

func (s *principalSet) role(ro iamsweep.Role) error {
	if s.all || s.want[ro.ARN] {
		s.principals = append(s.principals, refine.Principal{ARN: ro.ARN, Kind: "role", Name: ro.Name, Path: ro.Path,
			Created: ro.Created, Tags: ro.Tags, Inline: ro.InlinePolicies})
		s.attached[ro.ARN] = ro.AttachedPolicies
		s.ids[ro.ARN] = ro.ID
	}
	return nil
}

func (s *principalSet) user(u iamsweep.User) error {
	if (s.all || s.want[u.ARN]) && !u.Root {
		s.principals = append(s.principals, refine.Principal{ARN: u.ARN, Kind: "user", Name: u.Name, Path: u.Path,
			Created: u.Created, Tags: u.Tags, Inline: u.InlinePolicies})
		s.attached[u.ARN] = u.AttachedPolicies
		s.ids[u.ARN] = u.ID
	}
	return nil
}

func (s *principalSet) policy(p iamsweep.ManagedPolicy) error {
	s.policies[p.ARN] = p
	return nil
}

// join gives each principal the documents of its attached policies. A
// principal named on the command line that the source does not hold, and
// an attached policy without a document, are errors (missing returns
// them, worded for the source).
func (s *principalSet) join(missingPolicy func(policyARN, principalARN string) error, missingPrincipal func(arn string) error) error {
	found := map[string]bool{}
	for i, p := range s.principals {
		found[p.ARN] = true
		for _, ap := range s.attached[p.ARN] {
			mp, ok := s.policies[ap.ARN]
			if !ok {
				return missingPolicy(ap.ARN, p.ARN)
			}
			s.principals[i].Managed = append(s.principals[i].Managed, mp)
		}
	}
	for arn := range s.want {
		if !found[arn] {
			return missingPrincipal(arn)
		}
	}
	return nil
}

func (s *principalSet) arns() []string {
	out := make([]string, len(s.principals))
	for i, p := range s.principals {
		out[i] = p.ARN
	}
	return out
}

// offlineRefineInput reads the export and the folder of saved reports.
func offlineRefineInput(ctx context.Context, opts *RefineOptions, log *slog.Logger) (refineInput, error) {
	cfg := opts.Config
	var (
		r      io.Reader
		source string
	)
	if cfg.FromFile == "-" {
		r, source = opts.io.In, "stdin"
	} else {
		f, err := os.Open(cfg.FromFile)
		if err != nil {
			return refineInput{}, iamsweep.NewInputError(cfg.FromFile, "", fmt.Errorf("open export: %w", unwrapPathError(err)))
		}
		defer f.Close()
		r, source = f, cfg.FromFile
	}
	set := newPrincipalSet(opts)
	sum, err := authexport.Read(ctx, r, source, authexport.Handlers{Role: set.role, User: set.user, Policy: set.policy})
	if err != nil {
		return refineInput{}, err
	}
	if sum.Truncated {
		fmt.Fprintf(opts.io.ErrOut, "iamsweep: warning: %s says IsTruncated: it holds only part of the account\n", source)
	}
	err = set.join(func(policyARN, principalARN string) error {
		return iamsweep.NewInputError(source, "Policies", fmt.Errorf(
			"the export holds no document of %s, attached to %s: export the Policies list too (aws iam get-account-authorization-details without --filter, or with LocalManagedPolicy AWSManagedPolicy)",
			policyARN, principalARN))
	}, func(arn string) error {
		return iamsweep.NewInputError(source, "", fmt.Errorf("the export holds no role or user %s", arn))
	})
	if err != nil {
		return refineInput{}, err
	}
	reports, err := lastaccess.LoadAccessDir(cfg.AccessDir)
	if err != nil {
		return refineInput{}, err
	}
	if opts.All {
		held := map[string]bool{}
		for _, arn := range set.arns() {
			held[arn] = true
		}
		for arn := range reports {
			if !held[arn] {
				log.Warn("access report of a principal the export does not hold", "principal_arn", arn, "access_dir", cfg.AccessDir)
			}
		}
	}
	return refineInput{principals: set.principals, reports: reports, ids: set.ids, evidence: func(arn string) string {
		return fmt.Sprintf("%s holds no %s", cfg.AccessDir, lastaccess.FileName(arn))
	}}, nil
}

// liveRefineInput reads the account of the AWS configuration (see
// accountRefineInput).
func liveRefineInput(ctx context.Context, opts *RefineOptions, now time.Time, log *slog.Logger) (refineInput, error) {
	if opts.accessReports == nil {
		return refineInput{}, errNoEvidenceReader
	}
	awsCfg, err := loadAWSConfig(ctx, opts.Config, opts.retry, log)
	if err != nil {
		return refineInput{}, err
	}
	if (opts.Config.Output == "asff" || opts.Config.To != "") && opts.Config.Region == "" && awsCfg.Region == "" {
		return refineInput{}, usageError{errors.New("-o asff and --to securityhub need the AWS Region the findings are for (it is part of their product ARN): give --region, or set AWS_REGION or a region in the profile")}
	}
	client := awsapi.New(awsCfg, log, awsapi.Options{NoKeyIDs: true})
	in, err := accountRefineInput(ctx, opts, client, newPrincipalSet(opts), now, log)
	in.region, in.awsCfg = awsCfg.Region, awsCfg
	return in, err
}

var errNoEvidenceReader = usageError{errors.New("live refinement needs the service last accessed reader, which this build lacks: refine offline with --from-file and --access-dir (see docs/refine.md)")}

// accountRefineInput reads one account through its client: its roles and
// users and the documents of its managed policies (two listings of
// GetAccountAuthorizationDetails), then the service last accessed reports
// of the principals set chooses, through opts.accessReports with the same
// client, so that each job is read by the identity that made it.
func accountRefineInput(ctx context.Context, opts *RefineOptions, client *awsapi.Client, set *principalSet, now time.Time, log *slog.Logger) (refineInput, error) {
	if err := client.Details(ctx, set.role, set.user); err != nil {
		return refineInput{}, refineAWSError(err)
	}
	policies, err := client.ManagedPolicies(ctx)
	if err != nil {
		return refineInput{}, refineAWSError(err)
	}
	for _, p := range policies {
		_ = set.policy(p)
	}
	err = set.join(func(policyARN, principalARN string) error {
		return fmt.Errorf("IAM listed no managed policy %s, attached to %s", policyARN, principalARN)
	}, func(arn string) error {
		return usageError{fmt.Errorf("the account has no role or user %s", arn)}
	})
	if err != nil {
		return refineInput{}, err
	}
	reports, err := opts.accessReports(ctx, opts, client, set.arns(), now, log)
	if err != nil {
		return refineInput{}, refineAWSError(err)
	}
	return refineInput{principals: set.principals, reports: reports, ids: set.ids, evidence: func(string) string {
		return "IAM returned no report for it"
	}}, nil
}

// refineAWSError adds the permissions to an access denied.
func refineAWSError(err error) error {
	if errors.Is(err, iamsweep.ErrAccessDenied) {
		return fmt.Errorf("%w\n(refine needs the permissions in policies/iamsweep-scan.json; see docs/permissions.md)", err)
	}
	return err
}

// refineAll refines every principal of in, sorted by ARN.
func refineAll(in refineInput, o refine.Options) ([]refine.Result, error) {
	results := make([]refine.Result, 0, len(in.principals))
	for _, p := range in.principals {
		rep, ok := in.reports[p.ARN]
		if !ok {
			results = append(results, refine.NoEvidence(p, o, in.evidence(p.ARN)))
			continue
		}
		res, err := refine.Refine(p, rep, o)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].ARN < results[j].ARN })
	return results, nil
}

// writeRefine writes the output on stdout and, with --out, the files.
// It returns errUnusedFound when some policy has a recommended step.
func writeRefine(opts *RefineOptions, results []refine.Result, meta report.RefineMeta, region string) error {
	var files []report.PolicyFile
	if opts.OutDir != "" {
		files = report.PolicyFiles(results)
	}
	summary := report.NewRefineSummary(meta, results, files)
	var out bytes.Buffer
	var err error
	switch opts.Config.Output {
	case "json":
		err = report.WriteRefineJSON(&out, summary)
	case "csv":
		err = report.WriteRefineCSV(&out, results)
	case "html":
		err = report.WriteRefineHTML(&out, results, meta)
	case "asff":
		err = report.WriteRefineASFF(&out, results, report.ASFFOptions{Region: region, AsOf: meta.AsOf})
	default:
		err = report.WriteRefineTable(&out, results, report.RefineTableOptions{Color: opts.io.colorEnabled(), Errors: meta.Errors})
	}
	if err != nil {
		return err
	}
	if opts.OutDir != "" {
		var js bytes.Buffer
		if err := report.WriteRefineJSON(&js, summary); err != nil {
			return err
		}
		files = append(files, report.PolicyFile{Path: "summary.json", Data: js.Bytes()})
		if err := writeFiles(opts.OutDir, files); err != nil {
			return err
		}
	}
	if _, err := opts.io.Out.Write(out.Bytes()); err != nil {
		return fmt.Errorf("write the %s output: %w", opts.Config.Output, err)
	}
	for _, r := range results {
		if r.Status == refine.StatusRefined {
			return &StatusError{Code: ExitUnused, Reason: "unused permissions found"}
		}
	}
	return nil
}

// writeFiles writes each file under dir, all or nothing: first every
// file is written to a temporary file in its folder and synced, and only
// when all of them are is each renamed into place. When a folder cannot be
// made or a file cannot be written, the temporary files and the folders
// this call made are removed, and dir is left as it was.
func writeFiles(dir string, files []report.PolicyFile) (err error) {
	var made []string // folders this call created, parents first
	var tmps []string // temporary files, one per file
	defer func() {
		if err == nil {
			return
		}
		for _, t := range tmps {
			os.Remove(t)
		}
		for i := len(made) - 1; i >= 0; i-- {
			os.Remove(made[i]) // only ever empty: it held only temporary files
		}
	}()
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		missing, err := mkdirAll(filepath.Dir(path))
		made = append(made, missing...)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, unwrapPathError(err))
		}
		tmp, err := writeTemp(path, f.Data)
		if err != nil {
			return err
		}
		tmps = append(tmps, tmp)
	}
	for i, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.Rename(tmps[i], path); err != nil {
			return fmt.Errorf("write %s: %w", path, unwrapPathError(err))
		}
	}
	return nil
}

// mkdirAll makes dir and its missing parents, and returns those it made,
// parents first.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		missing = append([]string{d}, missing...)
	}
	var made []string
	for _, d := range missing {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return made, err
		} else if err == nil {
			made = append(made, d)
		}
	}
	if fi, err := os.Stat(dir); err != nil {
		return made, err
	} else if !fi.IsDir() {
		return made, &fs.PathError{Op: "mkdir", Path: dir, Err: errors.New("not a directory")}
	}
	return made, nil
}

// writeTemp writes data to a temporary file beside path, synced and with
// the mode of a new file, and returns its name.
func writeTemp(path string, data []byte) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, unwrapPathError(err))
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), newFileMode)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write %s: %w", path, unwrapPathError(err))
	}
	return tmp.Name(), nil
}
