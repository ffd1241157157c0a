package awsapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
)

// DefaultRole is the role assumed in member accounts unless told otherwise:
// the one AWS Organizations creates in every account it creates.
const DefaultRole = "OrganizationAccountAccessRole"

// SessionName names iamsweep's sessions in member accounts, so that
// CloudTrail shows who assumed the role.
const SessionName = "iamsweep"

// OrgOptions tune an Org.
type OrgOptions struct {
	// Role is the role to assume in member accounts: a name (with an
	// optional path, "ops/iamsweep-scan") or an ARN template with
	// "{account}" in it. Default DefaultRole.
	Role string
	// ExternalID, when set, is passed to AssumeRole.
	ExternalID string
	// Client tunes the client of each account (its inventory and
	// mutator).
	Client Options
}

// Org reaches the accounts of an AWS Organization through the SDK: it lists
// them with Organizations and opens each with credentials from an assumed
// role, refreshed before they expire. It implements iamsweep.Organization.
type Org struct {
	cfg aws.Config
	// region is the Region cfg came with, before NewOrg's default: the
	// Region Security Hub findings go to, which has no default.
	region string
	orgs   *organizations.Client
	sts    *sts.Client
	log    *slog.Logger
	opts   OrgOptions

	callerOnce sync.Once
	caller     iamsweep.Account
	callerARN  string
	partition  string
	callerErr  error
}

var _ iamsweep.Organization = (*Org)(nil)

// NewOrg returns an Org that acts with the credentials of cfg (those of the
// management account, a delegated administrator, or any account that may
// assume the role in the members).
func NewOrg(cfg aws.Config, log *slog.Logger, opts OrgOptions) *Org {
	region := cfg.Region
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if opts.Role == "" {
		opts.Role = DefaultRole
	}
	own := cfg.Copy()
	own.APIOptions = append(own.APIOptions[:len(own.APIOptions):len(own.APIOptions)], LogRetries(log))
	ownBodies(&own)
	return &Org{
		cfg:    cfg,
		region: region,
		orgs:   organizations.NewFromConfig(own),
		sts:    sts.NewFromConfig(own),
		log:    log,
		opts:   opts,
	}
}

// Caller returns the account of the caller's credentials (GetCallerIdentity,
// asked once).
func (o *Org) Caller(ctx context.Context) (iamsweep.Account, error) {
	o.callerOnce.Do(func() {
		out, err := o.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			o.callerErr = fmt.Errorf("identify the caller (GetCallerIdentity): %w", classify(err))
			return
		}
		o.caller = iamsweep.Account{ID: aws.ToString(out.Account)}
		o.callerARN = aws.ToString(out.Arn)
		o.partition = "aws"
		if a, err := iamsweep.ParseARN(o.callerARN); err == nil {
			o.partition = a.Partition
		}
	})
	return o.caller, o.callerErr
}

// Accounts lists the organization's accounts (ListAccounts), or those under
// the given OUs, walked recursively (ListAccountsForParent and
// ListOrganizationalUnitsForParent).
func (o *Org) Accounts(ctx context.Context, ous []string) ([]iamsweep.Account, error) {
	seen := map[string]iamsweep.Account{}
	if len(ous) == 0 {
		p := organizations.NewListAccountsPaginator(o.orgs, &organizations.ListAccountsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list the organization's accounts (ListAccounts): %w", classify(err))
			}
			for _, a := range page.Accounts {
				seen[aws.ToString(a.Id)] = iamsweep.Account{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), Status: string(a.Status)}
			}
		}
	}
	queue := append([]string(nil), ous...)
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		pa := organizations.NewListAccountsForParentPaginator(o.orgs, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
		for pa.HasMorePages() {
			page, err := pa.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list the accounts of %s (ListAccountsForParent): %w", parent, classify(err))
			}
			for _, a := range page.Accounts {
				seen[aws.ToString(a.Id)] = iamsweep.Account{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), Status: string(a.Status)}
			}
		}
		po := organizations.NewListOrganizationalUnitsForParentPaginator(o.orgs, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		for po.HasMorePages() {
			page, err := po.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list the organizational units of %s (ListOrganizationalUnitsForParent): %w", parent, classify(err))
			}
			for _, ou := range page.OrganizationalUnits {
				queue = append(queue, aws.ToString(ou.Id))
			}
		}
	}
	out := make([]iamsweep.Account, 0, len(seen))
	for _, a := range seen {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// describeEach is how many accounts Describe asks about one at a time
// (DescribeAccount, four at once); for more it lists the whole
// organization instead (ListAccounts, 20 accounts a page).
const describeEach = 20

// Describe returns the name and status of each account (DescribeAccount,
// or ListAccounts for long lists), in the order given. An account the
// organization does not hold comes back with its ID alone.
func (o *Org) Describe(ctx context.Context, ids []string) ([]iamsweep.Account, error) {
	out := make([]iamsweep.Account, len(ids))
	for i, id := range ids {
		out[i] = iamsweep.Account{ID: id}
	}
	if len(ids) > describeEach {
		all, err := o.Accounts(ctx, nil)
		if err != nil {
			return nil, err
		}
		byID := make(map[string]iamsweep.Account, len(all))
		for _, a := range all {
			byID[a.ID] = a
		}
		for i, id := range ids {
			if a, ok := byID[id]; ok {
				out[i] = a
			}
		}
		return out, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, id := range ids {
		g.Go(func() error {
			res, err := o.orgs.DescribeAccount(gctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
			var notFound *orgtypes.AccountNotFoundException
			switch {
			case errors.As(err, &notFound):
				return nil
			case err != nil:
				return fmt.Errorf("describe account %s (DescribeAccount): %w", id, classify(err))
			case res.Account != nil:
				out[i] = iamsweep.Account{ID: id, Name: aws.ToString(res.Account.Name), Status: string(res.Account.Status)}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// CallerARN returns the ARN of the caller's credentials (GetCallerIdentity,
// asked once, as by Caller): a user, an assumed-role session
// ("arn:aws:sts::...:assumed-role/name/session") or the root user.
func (o *Org) CallerARN(ctx context.Context) (string, error) {
	if _, err := o.Caller(ctx); err != nil {
		return "", err
	}
	return o.callerARN, nil
}

// Inventory opens acct: the caller's account with the caller's own
// credentials, any other through the role assumed in it. The assumed
// credentials are cached and renewed five minutes before they expire, so a
// long scan never holds expired ones; the first AssumeRole happens here, so
// a role that cannot be assumed fails now, at stage "assume-role".
func (o *Org) Inventory(ctx context.Context, acct iamsweep.Account) (iamsweep.Inventory, error) {
	c, err := o.client(ctx, acct)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Mutator opens acct for remediation exactly as Inventory opens it for a
// scan: the caller's account with the caller's own credentials, any other
// through the role assumed in it (which must then allow the calls in
// policies/iamsweep-remediate.json). A role that cannot be assumed fails
// now, with an error wrapping iamsweep.ErrAccessDenied.
func (o *Org) Mutator(ctx context.Context, acct iamsweep.Account) (iamsweep.Mutator, error) {
	c, err := o.client(ctx, acct)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AccessReports runs service last accessed jobs for principals of acct
// (see Client.AccessReports) through one Client opened as Inventory opens
// it: every job of the account is generated and read by the same caller,
// the role assumed in acct under the fixed session name SessionName, as a
// job ID may be read only by its creator.
func (o *Org) AccessReports(ctx context.Context, acct iamsweep.Account, arns []string, opts AccessOptions) ([]iamsweep.AccessReport, error) {
	c, err := o.client(ctx, acct)
	if err != nil {
		return nil, err
	}
	return c.AccessReports(ctx, arns, opts)
}

// Client returns the client of acct: the caller's credentials in the
// caller's account, else the role assumed there under SessionName. One
// client serves every call of an account in a run (refine reads its
// principals, its policies and its service last accessed jobs with it),
// so that each job is read by the identity that made it.
//
// Errors: iamsweep.ErrAccessDenied when the role cannot be assumed.
func (o *Org) Client(ctx context.Context, acct iamsweep.Account) (*Client, error) {
	return o.client(ctx, acct)
}

// client returns a Client for acct (see config).
func (o *Org) client(ctx context.Context, acct iamsweep.Account) (*Client, error) {
	cfg, log, err := o.config(ctx, acct)
	if err != nil {
		return nil, err
	}
	return New(cfg, log, o.opts.Client), nil
}

// SecurityHub opens Security Hub in acct, in the Region of the caller's
// configuration, as Inventory opens IAM: with the caller's credentials
// in the caller's account, else through the role assumed in acct (which
// must then allow the calls in policies/iamsweep-securityhub.json). With
// the default product ARN an account imports only its own findings, so
// each account's are imported in it; the delegated administrator of
// Security Hub sees them all.
//
// Errors: iamsweep.ErrAccessDenied (the role cannot be assumed); an
// error when the configuration names no Region.
func (o *Org) SecurityHub(ctx context.Context, acct iamsweep.Account, opts SecurityHubOptions) (*SecurityHub, error) {
	if o.region == "" {
		return nil, errors.New("no AWS Region for Security Hub: findings are imported to one Region (set --region or AWS_REGION)")
	}
	cfg, log, err := o.config(ctx, acct)
	if err != nil {
		return nil, err
	}
	cfg.Region = o.region
	return NewSecurityHub(cfg, acct.ID, o.partition, log, opts)
}

// config returns the configuration of acct: the caller's in the caller's
// account, else one with the credentials of the role assumed in acct,
// cached and renewed five minutes before they expire. It assumes the role
// once before it returns, so that a role that cannot be assumed fails
// here.
func (o *Org) config(ctx context.Context, acct iamsweep.Account) (aws.Config, *slog.Logger, error) {
	caller, err := o.Caller(ctx)
	if err != nil {
		return aws.Config{}, nil, err
	}
	log := o.log.With("account_id", acct.ID)
	if acct.ID == caller.ID {
		return o.cfg, log, nil
	}
	roleARN := o.RoleARN(acct.ID)
	provider := stscreds.NewAssumeRoleProvider(o.sts, roleARN, func(p *stscreds.AssumeRoleOptions) {
		p.RoleSessionName = SessionName
		if o.opts.ExternalID != "" {
			p.ExternalID = aws.String(o.opts.ExternalID)
		}
	})
	creds := aws.NewCredentialsCache(provider, func(c *aws.CredentialsCacheOptions) {
		c.ExpiryWindow = 5 * time.Minute
	})
	if _, err := creds.Retrieve(ctx); err != nil {
		return aws.Config{}, nil, fmt.Errorf("assume %s: %w", roleARN, classify(err))
	}
	cfg := o.cfg.Copy()
	cfg.Credentials = creds
	return cfg, log, nil
}

// RoleARN is the ARN of the role to assume in account.
func (o *Org) RoleARN(account string) string {
	if strings.Contains(o.opts.Role, "{account}") {
		return strings.ReplaceAll(o.opts.Role, "{account}", account)
	}
	partition := o.partition
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":iam::" + account + ":role/" + strings.TrimPrefix(o.opts.Role, "/")
}
