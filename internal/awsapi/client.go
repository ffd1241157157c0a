package awsapi

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamsweep/iamsweep"
)

// PageSize is the MaxItems of every bulk IAM listing: the largest IAM
// allows, so a large account takes the fewest round trips.
const PageSize = 1000

// Client reads and changes one AWS account through the AWS SDK. It
// implements iamsweep.Inventory (and iamsweep.PrincipalReader) and
// iamsweep.Mutator.
type Client struct {
	iam  *iam.Client
	log  *slog.Logger
	opts Options

	docsMu sync.Mutex
	docs   map[string]*iamsweep.PolicyDocument // parsed documents by their text as IAM sent it

	// sleep waits d, or until ctx ends, between credential report polls;
	// tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// Options tune a Client.
type Options struct {
	// NoKeyIDs skips ListAccessKeys: access key findings then carry their
	// credential report slot but no key ID.
	NoKeyIDs bool
	// KeyConcurrency bounds the ListAccessKeys calls in flight (default 8).
	KeyConcurrency int
	// ReportPoll is the first wait between GenerateCredentialReport calls
	// while IAM builds the report (default 500 ms; it doubles up to 30 s).
	// IAM usually needs a few seconds.
	ReportPoll time.Duration
	// ReportTimeout bounds the wait for the report (default 5 minutes).
	ReportTimeout time.Duration
	// SLRPoll is the wait between GetServiceLinkedRoleDeletionStatus calls
	// while IAM deletes a service-linked role (default 5 s).
	SLRPoll time.Duration
	// SLRTimeout bounds the wait for a service-linked role's deletion
	// (default 10 minutes).
	SLRTimeout time.Duration
}

// defaultReportPoll is Options.ReportPoll's default.
const defaultReportPoll = 500 * time.Millisecond

var _ iamsweep.PrincipalReader = (*Client)(nil)

// New returns a client for the account of cfg's credentials. cfg carries
// the region, endpoint, HTTP client and retryer (see NewRetryer); options,
// when given, tune the user scan and the remediation waits. Calls that are
// retried again and again are logged to log (see LogRetries). Requests go
// out with bodies of their own (see ownedBodies).
func New(cfg aws.Config, log *slog.Logger, options ...Options) *Client {
	var opts Options
	if len(options) > 0 {
		opts = options[0]
	}
	if cfg.Region == "" {
		// IAM is global; its endpoint in the aws partition signs for
		// us-east-1, and the SDK needs some region to resolve it.
		cfg.Region = "us-east-1"
	}
	if opts.KeyConcurrency <= 0 {
		opts.KeyConcurrency = 8
	}
	if opts.ReportPoll <= 0 {
		opts.ReportPoll = defaultReportPoll
	}
	if opts.ReportTimeout <= 0 {
		opts.ReportTimeout = 5 * time.Minute
	}
	if opts.SLRPoll <= 0 {
		opts.SLRPoll = 5 * time.Second
	}
	if opts.SLRTimeout <= 0 {
		opts.SLRTimeout = 10 * time.Minute
	}
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], LogRetries(log))
	ownBodies(&cfg)
	return &Client{iam: iam.NewFromConfig(cfg), log: log, opts: opts, sleep: sleep}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Roles reads every role with GetAccountAuthorizationDetails (Filter Role,
// MaxItems 1000), which returns each role's last use, tags, policies and
// instance profiles in bulk: one call per 1,000 roles, never one per role.
func (c *Client) Roles(ctx context.Context, fn func(iamsweep.Role) error) error {
	return c.Principals(ctx, fn, nil)
}

// Users reads every IAM user with its credentials (see Principals).
func (c *Client) Users(ctx context.Context, fn func(iamsweep.User) error) error {
	return c.Principals(ctx, nil, fn)
}
