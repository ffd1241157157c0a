package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/refs"
	"github.com/iamsweep/iamsweep/internal/workflow"
)

// RefsOptions are the inputs of the refs command.
type RefsOptions struct {
	deps
	Config config.Config
	// ARNs are the principals whose references to show.
	ARNs []string
}

// refsSettings are the settings of the refs command.
var refsSettings = []string{"from-file", "credential-report", "profile", "region", "endpoint-url", "output", "out", "log-level", "log-format",
	"org", "ou", "accounts", "exclude-accounts", "assume-role", "external-id", "concurrency"}

// NewCmdRefs returns the refs command.
func NewCmdRefs(d deps, runF func(context.Context, *RefsOptions) error) *cobra.Command {
	opts := &RefsOptions{deps: d, Config: d.config()}
	cmd := &cobra.Command{
		Use:   "refs ARN...",
		Short: "Show what still points at roles and users (their blast radius)",
		Long: `Refs shows, for each role or user ARN, what still references it and would
break if it were deleted: other roles whose trust policy names it (role
chaining), the CloudFormation stack that created it, its instance profiles,
EC2 instances (running or stopped) that run with them, Lambda functions,
active ECS task definitions, CodeBuild projects, Step Functions state
machines and EventBridge rules and targets that run as it, and the policies of S3
buckets, KMS keys, Lambda functions, SQS queues, SNS topics, Secrets
Manager secrets and ECR repositories that name it (by ARN, unique ID, a
matching wildcard, or in a condition). A reference marked "!" blocks a
delete in iamsweep plan --refs.

Live, it reads the account of the current AWS credentials once, in every
Region enabled for it: the IAM export (GetAccountAuthorizationDetails),
then those services, whatever the number of ARNs. A source it cannot read
(a missing permission, a Region not enabled) is listed as not checked,
with the reason: the references are complete only when nothing is. With --from-file it reads only the export: trust chains, instance
profiles and CloudFormation ownership (see docs/refs.md).

With --org, --ou or --accounts it reads every account in scope (through
the role of --assume-role, as scan does) into one index: trust chains
across accounts are found, and each principal is looked up whatever its
account. An account that cannot be read is listed as not checked.

Exit status: 0 shown; 1 failure; 2 usage or input error.`,
		Example: `  iamsweep refs arn:aws:iam::111122223333:role/jobs/nightly-etl
  iamsweep refs --from-file examples/account-export.json arn:aws:iam::111122223333:role/app/web-ec2-role
  iamsweep refs -o json arn:aws:iam::111122223333:role/a arn:aws:iam::111122223333:user/b`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			opts.ARNs = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRefs(cmd.Context(), opts)
		},
	}
	bindSettings(cmd, &opts.Config, refsSettings...)
	setUsage(cmd, "output", "output format: table or json")
	return cmd
}

// runRefs reads the references of opts.ARNs and writes them.
func runRefs(ctx context.Context, opts *RefsOptions) error {
	cfg := opts.Config
	if err := tableOrJSON(&cfg, "refs"); err != nil {
		return err
	}
	if err := checkPrincipalARNs(opts.ARNs); err != nil {
		return err
	}
	log := newLogger(opts.io.ErrOut, cfg.LogLevel, cfg.LogFormat)
	out, err := openOutput(opts.io.Out, cfg.Out)
	if err != nil {
		return err
	}
	defer out.Abort()
	got, err := readReferences(ctx, cfg, opts.deps, opts.ARNs, log)
	if err != nil {
		return err
	}
	if cfg.Output == "json" {
		err = writeRefsJSON(out, got)
	} else {
		err = writeRefsTable(out, got)
	}
	if err != nil {
		return err
	}
	return out.Commit()
}

// checkPrincipalARNs checks that every argument is the ARN of an IAM role
// or user, before any call.
func checkPrincipalARNs(arns []string) error {
	for i, a := range arns {
		if _, err := refs.NewTarget(a); err != nil {
			return iamsweep.NewInputError("argument "+strconv.Itoa(i+1), "", err)
		}
	}
	return nil
}

// readReferences builds the index of one account, from the export
// (cfg.FromFile) or live, and looks up each ARN in it.
func readReferences(ctx context.Context, cfg config.Config, d deps, arns []string, log *slog.Logger) ([]iamsweep.PrincipalReferences, error) {
	idx := refs.NewIndex()
	wantUsers := slices.ContainsFunc(arns, func(a string) bool { t, _ := refs.NewTarget(a); return t.Kind == "user" })
	addRole := func(r iamsweep.Role) error { idx.AddRole(r); return nil }
	addUser := func(u iamsweep.User) error { idx.AddUser(u); return nil }
	switch {
	case cfg.MultiAccount():
		if err := readOrgReferences(ctx, cfg, d, idx, arns, wantUsers, log); err != nil {
			return nil, err
		}
	case cfg.Offline():
		inv, done, err := inventory(ctx, cfg, aws.Config{}, d.io, log)
		if err != nil {
			return nil, err
		}
		defer done()
		if cfg.FromFile != "" {
			if err := inv.Roles(ctx, addRole); err != nil {
				return nil, err
			}
		}
		if wantUsers {
			if err := inv.Users(ctx, addUser); err != nil && !errors.Is(err, iamsweep.ErrNoCredentialReport) {
				return nil, err
			}
		}
		idx.AddNotChecked(iamsweep.NotChecked{Service: "lambda, ec2, ecs, codebuild, states, events, s3, kms, sqs, sns, secretsmanager, ecr, cloudformation",
			Reason: "read from files: compute and resource policies are read only from a live account"})
	default:
		awsCfg, err := loadAWSConfig(ctx, cfg, d.retry, log)
		if err != nil {
			return nil, err
		}
		caller, err := awsapi.NewOrg(awsCfg, log, awsapi.OrgOptions{}).Caller(ctx)
		if err != nil {
			return nil, err
		}
		client := awsapi.New(awsCfg, log, awsapi.Options{NoKeyIDs: true})
		var userFn func(iamsweep.User) error
		if wantUsers {
			userFn = addUser
		}
		if err := client.Principals(ctx, addRole, userFn); err != nil {
			var ue *iamsweep.UsersError
			if !errors.As(err, &ue) {
				return nil, fmt.Errorf("read the IAM export of account %s: %w", caller.ID, err)
			}
			idx.AddNotChecked(iamsweep.NotChecked{AccountID: caller.ID, Service: "iam users", Reason: ue.Error()})
		}
		bindings := awsapi.NewBindings(awsCfg, caller.ID, log, awsapi.BindingOptions{})
		nc, err := bindings.Bindings(ctx, func(b iamsweep.Binding) error {
			idx.AddBinding(b)
			return nil
		})
		if err != nil {
			return nil, err
		}
		idx.AddNotChecked(nc...)
		if err := readStacks(ctx, bindings, idx, nil, arns); err != nil {
			return nil, err
		}
		for _, a := range arns {
			if t, _ := refs.NewTarget(a); t.AccountID != caller.ID {
				idx.AddNotChecked(iamsweep.NotChecked{AccountID: t.AccountID, Service: "all",
					Reason: "the credentials are of account " + caller.ID + ": read this account with its own credentials"})
			}
		}
	}
	out := make([]iamsweep.PrincipalReferences, 0, len(arns))
	for _, a := range arns {
		r, err := idx.Lookup(a)
		if err != nil {
			return nil, err // checked before
		}
		out = append(out, r)
	}
	return out, nil
}

// readOrgReferences reads every account in scope into idx, Concurrency
// accounts at once: the IAM export and the bindings of each. An account
// that cannot be read (its role cannot be assumed) is recorded not
// checked, and the others are read.
func readOrgReferences(ctx context.Context, cfg config.Config, d deps, idx *refs.Index, arns []string, wantUsers bool, log *slog.Logger) error {
	awsCfg, err := loadAWSConfig(ctx, cfg, d.retry, log)
	if err != nil {
		return err
	}
	org := awsapi.NewOrg(awsCfg, log, awsapi.OrgOptions{Role: cfg.AssumeRole, ExternalID: cfg.ExternalID, Client: awsapi.Options{NoKeyIDs: true}})
	if _, err := org.Caller(ctx); err != nil {
		return err
	}
	accounts, err := scope(ctx, cfg, org, log)
	if err != nil {
		return err
	}
	var mu sync.Mutex // guards idx
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.Concurrency)
	for _, acct := range accounts {
		if !acct.Active() {
			continue
		}
		g.Go(func() error {
			err := readAccountReferences(gctx, org, acct, idx, &mu, arns, wantUsers)
			if err == nil || gctx.Err() != nil {
				return gctx.Err()
			}
			log.Warn("account not read", "account_id", acct.ID, "err", err)
			mu.Lock()
			idx.AddNotChecked(iamsweep.NotChecked{AccountID: acct.ID, Service: "all", Reason: "the account could not be read: " + err.Error()})
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

// readAccountReferences reads one account of an organization into idx.
func readAccountReferences(ctx context.Context, org *awsapi.Org, acct iamsweep.Account, idx *refs.Index, mu *sync.Mutex, arns []string, wantUsers bool) error {
	inv, err := org.Inventory(ctx, acct)
	if err != nil {
		return err
	}
	locked := func(f func()) { mu.Lock(); f(); mu.Unlock() }
	roleFn := func(r iamsweep.Role) error { locked(func() { idx.AddRole(r) }); return nil }
	var userFn func(iamsweep.User) error
	if wantUsers {
		userFn = func(u iamsweep.User) error { locked(func() { idx.AddUser(u) }); return nil }
	}
	if pr, ok := inv.(iamsweep.PrincipalReader); ok {
		err = pr.Principals(ctx, roleFn, userFn)
	} else {
		err = inv.Roles(ctx, roleFn)
	}
	var ue *iamsweep.UsersError
	if errors.As(err, &ue) {
		locked(func() {
			idx.AddNotChecked(iamsweep.NotChecked{AccountID: acct.ID, Service: "iam users", Reason: ue.Error()})
		})
	} else if err != nil {
		return fmt.Errorf("read the IAM export: %w", err)
	}
	b, err := org.Bindings(ctx, acct, awsapi.BindingOptions{})
	if err != nil {
		return err
	}
	nc, err := b.Bindings(ctx, func(x iamsweep.Binding) error { locked(func() { idx.AddBinding(x) }); return nil })
	if err != nil {
		return err
	}
	locked(func() { idx.AddNotChecked(nc...) })
	return readStacks(ctx, b, idx, mu, arns)
}

// readStacks reads the CloudFormation stacks of b's account that the
// tags of the principals of arns name (one call per stack) into idx,
// under mu when not nil.
func readStacks(ctx context.Context, b *awsapi.Bindings, idx *refs.Index, mu *sync.Mutex, arns []string) error {
	locked := func(f func()) {
		if mu != nil {
			mu.Lock()
			defer mu.Unlock()
		}
		f()
	}
	var stacks []iamsweep.StackRef
	locked(func() { stacks = idx.StacksOf(arns) })
	if len(stacks) == 0 {
		return nil
	}
	read, nc, err := b.Stacks(ctx, stacks)
	if err != nil {
		return err
	}
	locked(func() {
		for _, s := range read {
			idx.AddStack(s)
		}
		idx.AddNotChecked(nc...)
	})
	return nil
}

// refsJSON is the JSON form of refs' output.
type refsJSON struct {
	SchemaVersion int             `json:"schema_version"`
	Principals    []principalJSON `json:"principals"`
}

type principalJSON struct {
	ARN        string           `json:"arn"`
	ID         string           `json:"id,omitempty"`
	AccountID  string           `json:"account_id"`
	Kind       string           `json:"kind"`
	Found      bool             `json:"found"`
	References []referenceJSON  `json:"references"`
	NotChecked []notCheckedJSON `json:"not_checked"`
}

type referenceJSON struct {
	Kind         string `json:"kind"`
	AccountID    string `json:"account_id"`
	Region       string `json:"region,omitempty"`
	ARN          string `json:"arn,omitempty"`
	Name         string `json:"name,omitempty"`
	Service      string `json:"service"`
	Match        string `json:"match"`
	Why          string `json:"why"`
	BlocksDelete bool   `json:"blocks_delete"`
}

type notCheckedJSON struct {
	AccountID string `json:"account_id,omitempty"`
	Region    string `json:"region,omitempty"`
	Service   string `json:"service"`
	Reason    string `json:"reason"`
}

func writeRefsJSON(w io.Writer, ps []iamsweep.PrincipalReferences) error {
	doc := refsJSON{SchemaVersion: 1, Principals: []principalJSON{}}
	for _, p := range ps {
		pj := principalJSON{ARN: p.ARN, ID: p.ID, AccountID: p.AccountID, Kind: p.Kind, Found: p.Found,
			References: []referenceJSON{}, NotChecked: []notCheckedJSON{}}
		for _, r := range p.References {
			pj.References = append(pj.References, referenceJSON{Kind: string(r.Kind), AccountID: r.AccountID, Region: r.Region, ARN: r.ARN,
				Name: r.Name, Service: r.Service, Match: r.Match, Why: r.Why, BlocksDelete: r.BlocksDelete})
		}
		for _, n := range p.NotChecked {
			pj.NotChecked = append(pj.NotChecked, notCheckedJSON(n))
		}
		doc.Principals = append(doc.Principals, pj)
	}
	return writeJSON(w, doc)
}

func writeRefsTable(w io.Writer, ps []iamsweep.PrincipalReferences) error {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString("\n")
		}
		blocking := len(p.Blocking())
		fmt.Fprintf(&b, "%s %s: %s", p.Kind, p.ARN, plural(len(p.References), "reference"))
		if blocking > 0 {
			fmt.Fprintf(&b, ", %d %s a delete", blocking, map[bool]string{true: "blocks", false: "block"}[blocking == 1])
		}
		if !p.Found {
			b.WriteString(" (not in the account's IAM export)")
		}
		b.WriteString("\n")
		if len(p.References) > 0 {
			tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
			for _, r := range p.References {
				mark := " "
				if r.BlocksDelete {
					mark = "!"
				}
				fmt.Fprintf(tw, "  %s %s\t%s\t%s\t%s\n", mark, r.Kind, orDash(r.Region), orDash(r.ARN), r.Why)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		for _, n := range p.NotChecked {
			where := n.Region
			if where == "" {
				where = "global"
			}
			fmt.Fprintf(&b, "  not checked: %s (%s): %s\n", n.Service, where, n.Reason)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// planReferences reads the references of the roles and users the latest
// scan found unused, for plan: live with --refs, from a file with
// --refs-file; nil (not read) with neither.
func planReferences(ctx context.Context, opts *PlanOptions, res iamsweep.ScanResult) (map[string]iamsweep.PrincipalReferences, error) {
	if opts.RefsFile != "" {
		return readRefsFile(opts.RefsFile)
	}
	if !opts.Refs {
		return nil, nil
	}
	var arns []string
	for _, f := range res.Findings {
		if f.Unused() && (f.Type == iamsweep.TypeUnusedIAMRole || f.Type == iamsweep.TypeUnusedIAMUser) && !slices.Contains(arns, f.ARN) {
			arns = append(arns, f.ARN)
		}
	}
	out := map[string]iamsweep.PrincipalReferences{}
	if len(arns) == 0 {
		return out, nil
	}
	log := newLogger(opts.io.ErrOut, opts.Config.LogLevel, opts.Config.LogFormat)
	cfg, err := planScope(ctx, opts.Config, opts.deps, arns, log)
	if err != nil {
		return nil, fmt.Errorf("read references: %w", err)
	}
	list, err := readReferences(ctx, cfg, opts.deps, arns, log)
	if err != nil {
		return nil, fmt.Errorf("read references: %w", err)
	}
	for _, r := range list {
		out[r.ARN] = r
	}
	return out, nil
}

// planScope returns the configuration plan --refs reads the references
// with: a multi-account configuration (--org, --ou, --accounts in the
// config file) reads its scope, as refs does; otherwise, when the plan acts
// in accounts other than the credentials' (the latest scan was of an
// organization), each account the plan acts in is read (--accounts of
// them, through the role --assume-role names), and only the credentials'
// own account otherwise.
func planScope(ctx context.Context, cfg config.Config, d deps, arns []string, log *slog.Logger) (config.Config, error) {
	if cfg.MultiAccount() || cfg.Offline() {
		return cfg, nil
	}
	var accounts []string
	for _, a := range arns {
		if t, err := refs.NewTarget(a); err == nil && !slices.Contains(accounts, t.AccountID) {
			accounts = append(accounts, t.AccountID)
		}
	}
	slices.Sort(accounts)
	if len(accounts) == 1 {
		awsCfg, err := loadAWSConfig(ctx, cfg, d.retry, log)
		if err != nil {
			return cfg, err
		}
		caller, err := awsapi.NewOrg(awsCfg, log, awsapi.OrgOptions{}).Caller(ctx)
		if err != nil {
			return cfg, err
		}
		if accounts[0] == caller.ID {
			return cfg, nil
		}
	}
	if len(accounts) > 0 {
		cfg.Accounts = strings.Join(accounts, ",")
	}
	return cfg, nil
}

// readRefsFile reads the output of iamsweep refs -o json.
func readRefsFile(path string) (map[string]iamsweep.PrincipalReferences, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, iamsweep.NewInputError(path, "", fmt.Errorf("read references: %w", unwrapPathError(err)))
	}
	var doc refsJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, iamsweep.NewInputError(path, "", fmt.Errorf("not the output of iamsweep refs -o json: %w", err))
	}
	if doc.SchemaVersion != 1 {
		return nil, iamsweep.NewInputError(path, "schema_version", fmt.Errorf("version %d is not 1", doc.SchemaVersion))
	}
	out := map[string]iamsweep.PrincipalReferences{}
	for i, p := range doc.Principals {
		if _, err := refs.NewTarget(p.ARN); err != nil {
			return nil, iamsweep.NewInputError(path, fmt.Sprintf("principals[%d].arn", i), err)
		}
		r := iamsweep.PrincipalReferences{ARN: p.ARN, ID: p.ID, AccountID: p.AccountID, Kind: p.Kind, Found: p.Found}
		for _, x := range p.References {
			r.References = append(r.References, iamsweep.Reference{Kind: iamsweep.ReferenceKind(x.Kind), AccountID: x.AccountID, Region: x.Region,
				ARN: x.ARN, Name: x.Name, Service: x.Service, Match: x.Match, Why: x.Why, BlocksDelete: x.BlocksDelete})
		}
		for _, n := range p.NotChecked {
			r.NotChecked = append(r.NotChecked, iamsweep.NotChecked(n))
		}
		out[p.ARN] = r
	}
	return out, nil
}

// workflowReferences returns the owner workflow's reader of references:
// live, each account of the configuration's scope read once per run, as
// iamsweep refs reads it; nil when the scan is read from files (the
// workflow then only dry-runs, and reads none).
func workflowReferences(d deps, cfg config.Config, log *slog.Logger) workflow.ReferenceReader {
	if cfg.Offline() {
		return nil
	}
	return func(ctx context.Context, arns []string) (map[string]iamsweep.PrincipalReferences, error) {
		list, err := readReferences(ctx, cfg, d, arns, log)
		if err != nil {
			return nil, err
		}
		out := make(map[string]iamsweep.PrincipalReferences, len(list))
		for _, r := range list {
			out[r.ARN] = r
		}
		return out, nil
	}
}
