package awsapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptrace"
	"runtime"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"golang.org/x/sync/errgroup"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// PageSize is the MaxItems of every bulk IAM listing: the largest IAM
// allows, so a large account takes the fewest round trips.
const PageSize = 1000

// Client reads and changes one AWS account through the AWS SDK. It
// implements iamsweep.Inventory and iamsweep.Mutator.
type Client struct {
	iam  *iam.Client
	log  *slog.Logger
	opts Options

	docsMu sync.Mutex
	docs   map[string]*iamsweep.PolicyDocument // parsed documents by encoded text
}

// Options tune a Client.
type Options struct {
	// NoKeyIDs skips ListAccessKeys: access key findings then carry their
	// credential report slot but no key ID.
	NoKeyIDs bool
	// KeyConcurrency bounds the ListAccessKeys calls in flight (default 8).
	KeyConcurrency int
	// ReportPoll is the first wait between GenerateCredentialReport calls
	// while IAM builds the report (default 2 s; it doubles up to 30 s).
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

var _ iamsweep.ConcurrentInventory = (*Client)(nil)

// Concurrent reports true: Roles and Users read independent listings and
// may run at once.
func (c *Client) Concurrent() bool { return true }

// New returns a client for the account of cfg's credentials. cfg carries
// the region, endpoint, HTTP client and retryer (see NewRetryer); options,
// when given, tune the user scan and the remediation waits.
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
		opts.ReportPoll = 2 * time.Second
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
	return &Client{iam: iam.NewFromConfig(cfg), log: log, opts: opts}
}

// Roles reads every role with GetAccountAuthorizationDetails (Filter Role,
// MaxItems 1000), which returns each role's last use, tags, policies and
// instance profiles in bulk: one call per 1,000 roles, never one per role.
func (c *Client) Roles(ctx context.Context, fn func(iamsweep.Role) error) error {
	return c.listGAAD(ctx, "roles", iamtypes.EntityTypeRole, gaadHandlers{role: fn})
}

// listGAAD pages through GetAccountAuthorizationDetails for one entity
// type, MaxItems 1000 at a time, until IsTruncated is false, handing the
// principals of each page to h. what names them in errors ("roles").
//
// The calls are strictly sequential (each needs the previous Marker), so
// the page bodies are decoded on another goroutine while the next page is
// in flight: the time a scan takes is the round trips, not the decoding.
func (c *Client) listGAAD(ctx context.Context, what string, entity iamtypes.EntityType, h gaadHandlers) error {
	g, ctx := errgroup.WithContext(ctx)
	type fetched struct {
		body []byte
		page gaadPage
		// sent is closed once the request for the next page is on the
		// wire (nil after the last page).
		sent *signal
	}
	bodies := make(chan fetched, 2)
	g.Go(func() error {
		defer close(bodies)
		in := &iam.GetAccountAuthorizationDetailsInput{
			Filter:   []iamtypes.EntityType{entity},
			MaxItems: aws.Int32(PageSize),
		}
		callCtx, sent := ctx, (*signal)(nil)
		for page := 1; ; page++ {
			out, err := c.iam.GetAccountAuthorizationDetails(callCtx, in, withFastGAAD)
			if sent != nil {
				sent.fire() // also when the call failed before writing
			}
			if err != nil {
				return fmt.Errorf("read %s (GetAccountAuthorizationDetails page %d): %w", what, page, classify(err))
			}
			body, ok := out.ResultMetadata.Get(rawBodyKey{}).([]byte)
			if !ok {
				return fmt.Errorf("read %s (GetAccountAuthorizationDetails page %d): response body missing", what, page)
			}
			f := fetched{body: body, page: gaadPage{truncated: out.IsTruncated, marker: aws.ToString(out.Marker)}}
			if out.IsTruncated {
				sent = newSignal()
				callCtx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
					WroteRequest: func(httptrace.WroteRequestInfo) { sent.fire() },
				})
				f.sent = sent
			}
			select {
			case bodies <- f:
			case <-ctx.Done():
				return ctx.Err()
			}
			if !out.IsTruncated {
				return nil
			}
			if aws.ToString(out.Marker) == "" {
				return fmt.Errorf("read %s (GetAccountAuthorizationDetails page %d): IAM says the list is truncated but sent no Marker", what, page)
			}
			in.Marker = out.Marker
		}
	})
	g.Go(func() error {
		page := 0
		n := 0
		// Decoding is CPU-bound; yielding now and then lets the goroutines
		// that fetch the next page run at once when its response arrives,
		// instead of after a preemption.
		yield := func() {
			if n++; n%16 == 0 {
				runtime.Gosched()
			}
		}
		var paced gaadHandlers
		if h.role != nil {
			paced.role = func(r iamsweep.Role) error { yield(); return h.role(r) }
		}
		if h.user != nil {
			paced.user = func(u iamsweep.User) error { yield(); return h.user(u) }
		}
		for f := range bodies {
			page++
			// Decoding takes the CPU; let the request for the next page
			// get out first, so its round trip starts without delay.
			if f.sent != nil {
				select {
				case <-f.sent.done:
				case <-ctx.Done():
					return ctx.Err()
				}
				if err := pause(ctx, requestHandoff); err != nil {
					return err
				}
			}
			got, err := scanGAADWith(f.body, paced, c.document)
			// Every string of the principals is a copy, so the buffer is
			// free again.
			putBody(f.body)
			var fnErr callbackError
			if errors.As(err, &fnErr) {
				return fnErr.err
			}
			if err != nil {
				return fmt.Errorf("read %s (GetAccountAuthorizationDetails page %d): decode response: %w", what, page, err)
			}
			if got != f.page {
				return fmt.Errorf("read %s (GetAccountAuthorizationDetails page %d): decode response: pagination fields disagree (document %+v, first read %+v)", what, page, got, f.page)
			}
		}
		return nil
	})
	return g.Wait()
}

// requestHandoff is how long decoding waits after the request for the next
// page is written. With the endpoint on the same machine (moto, LocalStack,
// the fake of the tests and the sandbox), a decoder that takes a CPU at
// once delays the endpoint's reading of that request, and with it the
// whole round trip: the Go scheduler finds the endpoint's connection ready
// only at its next poll of the network, which a goroutine that stays
// runnable postpones by up to a few milliseconds. Parking for a moment lets
// it poll. Against a remote endpoint the wait costs nothing: a page takes
// about 5 ms to decode and a round trip tens of milliseconds, so decoding
// still ends long before the next page arrives. (BenchmarkRoles10k: 1.20 x
// the bound without the wait, 1.09 x with it.)
const requestHandoff = time.Millisecond

// pause waits for d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// callbackError carries an error returned by the caller's function through
// the decoder unchanged.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

// document decodes a URL-encoded policy document. IAM only stores valid
// documents, so a failure means an endpoint that is not quite IAM; the role
// is still evaluated (verdicts do not depend on policies) and the problem is
// logged.
//
// Documents repeat: most roles of an account trust the same few services,
// many carry the same inline policy. Each distinct text is parsed once per
// client and the parsed document shared (documents are never modified
// after parsing), which saves the time and the memory of the copies.
func (c *Client) document(arn, kind, name string, encoded []byte) *iamsweep.PolicyDocument {
	c.docsMu.Lock()
	doc, ok := c.docs[string(encoded)]
	c.docsMu.Unlock()
	if ok {
		return doc
	}
	parsed, err := policy.DecodeBytes(encoded)
	if err != nil {
		c.log.Warn("unreadable policy document", "principal_arn", arn, "policy", kind, "policy_name", name, "err", err)
		return nil
	}
	doc = &parsed
	c.docsMu.Lock()
	if c.docs == nil || len(c.docs) >= maxCachedDocs {
		c.docs = make(map[string]*iamsweep.PolicyDocument)
	}
	c.docs[string(encoded)] = doc
	c.docsMu.Unlock()
	return doc
}

// maxCachedDocs bounds the parsed documents a client keeps; past it the
// cache starts over.
const maxCachedDocs = 4096

// signal is a one-shot event that may be fired more than once.
type signal struct {
	once sync.Once
	done chan struct{}
}

func newSignal() *signal { return &signal{done: make(chan struct{})} }

func (s *signal) fire() { s.once.Do(func() { close(s.done) }) }
