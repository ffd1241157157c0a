package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"golang.org/x/time/rate"

	"github.com/iamsweep/iamsweep/internal/report"
)

// ErrSecurityHubDisabled is wrapped by the errors of a Security Hub
// client whose account has not enabled Security Hub in its Region
// (InvalidAccessException).
var ErrSecurityHubDisabled = errors.New("not enabled in this account and Region (InvalidAccessException)")

// The rates Security Hub allows per account and Region, from the SDK's
// service documentation: BatchImportFindings 10 requests a second with a
// burst of 30, GetFindings 3 with a burst of 6.
const (
	importRate  = 10
	importBurst = 30
	readRate    = 3
	readBurst   = 6
)

// SecurityHubOptions tune a SecurityHub client.
type SecurityHubOptions struct {
	// MaxAttempts bounds the tries of a finding that BatchImportFindings
	// returns in FailedFindings with an error that may pass (default 4).
	// Invalid input and access errors are not retried.
	MaxAttempts int
	// RetryDelay is the wait before the first retry of failed findings
	// (default 1 s); it doubles for each further try.
	RetryDelay time.Duration
}

// SecurityHub imports findings to Security Hub in one account and Region
// with the account's default product, at most at the rates Security Hub
// allows (a client per account and Region, so each has its own bounds).
type SecurityHub struct {
	client    *securityhub.Client
	account   string
	partition string
	region    string
	log       *slog.Logger
	opts      SecurityHubOptions
	imports   *rate.Limiter
	reads     *rate.Limiter
	// sleep waits between retries of failed findings; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewSecurityHub returns a client that imports findings of account
// (whose ARNs are in partition) to Security Hub in cfg's Region. The
// Region is where findings go: there is no default.
func NewSecurityHub(cfg aws.Config, account, partition string, log *slog.Logger, opts SecurityHubOptions) (*SecurityHub, error) {
	if cfg.Region == "" {
		return nil, errors.New("no AWS Region for Security Hub: findings are imported to one Region (set --region or AWS_REGION)")
	}
	if partition == "" {
		partition = "aws"
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 4
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = time.Second
	}
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], LogRetries(log))
	ownBodies(&cfg)
	return &SecurityHub{
		client:    securityhub.NewFromConfig(cfg),
		account:   account,
		partition: partition,
		region:    cfg.Region,
		log:       log,
		opts:      opts,
		imports:   rate.NewLimiter(importRate, importBurst),
		reads:     rate.NewLimiter(readRate, readBurst),
		sleep:     sleep,
	}, nil
}

// Region returns the Region findings are imported to.
func (h *SecurityHub) Region() string { return h.region }

// ProductARN returns the account's default product ARN in the Region.
func (h *SecurityHub) ProductARN() string {
	return report.ASFFProductARN(h.partition, h.region, h.account)
}

// wrap adds what failed and where to a Security Hub error.
func (h *SecurityHub) wrap(op string, err error) error {
	var ia *shtypes.InvalidAccessException
	if errors.As(err, &ia) {
		return fmt.Errorf("%s in account %s, %s: %w: %w", op, h.account, h.region, ErrSecurityHubDisabled, classify(err))
	}
	return fmt.Errorf("%s in account %s, %s: %w", op, h.account, h.region, classify(err))
}

// Active returns the findings iamsweep imported that Security Hub holds
// ACTIVE in the account and Region: GetFindings filtered on the default
// product ARN, the account, GeneratorId "iamsweep/..." and RecordState
// ACTIVE, every page. It keeps no state of its own, so a lost state
// database loses nothing. What comes back is filtered again, so that a
// service that ignored a filter cannot make iamsweep change another
// product's findings; a finding that cannot be read is left out (and so
// left as it is) with a warning.
//
// Errors: ErrSecurityHubDisabled, iamsweep.ErrAccessDenied.
func (h *SecurityHub) Active(ctx context.Context) ([]report.ASFFFinding, error) {
	eq := func(v string) []shtypes.StringFilter {
		return []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(v)}}
	}
	product := h.ProductARN()
	in := &securityhub.GetFindingsInput{
		Filters: &shtypes.AwsSecurityFindingFilters{
			ProductArn:   eq(product),
			AwsAccountId: eq(h.account),
			GeneratorId:  []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonPrefix, Value: aws.String(report.ASFFIDPrefix)}},
			RecordState:  eq(string(shtypes.RecordStateActive)),
		},
		MaxResults: aws.Int32(100),
	}
	var out []report.ASFFFinding
	p := securityhub.NewGetFindingsPaginator(h.client, in)
	for p.HasMorePages() {
		if err := h.reads.Wait(ctx); err != nil {
			return nil, err
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, h.wrap("read the findings iamsweep imported (GetFindings)", err)
		}
		for _, f := range page.Findings {
			if aws.ToString(f.ProductArn) != product || aws.ToString(f.AwsAccountId) != h.account ||
				f.RecordState != shtypes.RecordStateActive || !strings.HasPrefix(aws.ToString(f.GeneratorId), report.ASFFIDPrefix) {
				continue
			}
			a, err := fromSDK(f)
			if err != nil {
				h.log.Warn("a finding in Security Hub cannot be read; it is left as it is", "account_id", h.account, "region", h.region, "err", err)
				continue
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// importItem is one finding on its way to Security Hub.
type importItem struct {
	id    string
	sdk   shtypes.AwsSecurityFinding
	bytes int
}

// Import sends findings with BatchImportFindings: batches of at most 100
// findings and 6 MB, at most 10 calls a second (burst 30). A finding over
// 240 KB is not sent (code TooLarge). Findings returned in FailedFindings
// are sent again, after RetryDelay and then twice as long each time, up to
// MaxAttempts tries, unless their error cannot pass (InvalidInput,
// InvalidAccess, AccessDenied...). It returns how many findings Security
// Hub accepted and the failures, each with its error code. A call that
// fails as a whole (after the SDK's own retries) stops the import: its
// error comes back with the failures so far, and the findings not sent
// are not counted as failures.
//
// Errors: ErrSecurityHubDisabled, iamsweep.ErrAccessDenied,
// iamsweep.ErrThrottled, the context's error.
func (h *SecurityHub) Import(ctx context.Context, findings []report.ASFFFinding) (int, []report.ASFFFailure, error) {
	var (
		items    []importItem
		failures []report.ASFFFailure
		accepted int
	)
	for _, a := range findings {
		b, err := json.Marshal(a)
		if err != nil {
			return 0, nil, fmt.Errorf("encode finding %s: %w", a.ID, err)
		}
		if len(b) > report.ASFFMaxFindingBytes {
			failures = append(failures, report.ASFFFailure{ID: a.ID, Code: report.CodeTooLarge,
				Message: fmt.Sprintf("the finding takes %d bytes, over the %d Security Hub takes", len(b), report.ASFFMaxFindingBytes)})
			continue
		}
		items = append(items, importItem{id: a.ID, sdk: toSDK(a), bytes: len(b)})
	}
	for attempt := 1; len(items) > 0; attempt++ {
		var retry []importItem
		for _, batch := range batches(items) {
			if err := h.imports.Wait(ctx); err != nil {
				return accepted, failures, err
			}
			in := &securityhub.BatchImportFindingsInput{Findings: make([]shtypes.AwsSecurityFinding, len(batch))}
			byID := make(map[string]importItem, len(batch))
			for i, it := range batch {
				in.Findings[i] = it.sdk
				byID[it.id] = it
			}
			out, err := h.client.BatchImportFindings(ctx, in)
			if err != nil {
				return accepted, failures, h.wrap("import findings (BatchImportFindings)", err)
			}
			failed := 0
			for _, ff := range out.FailedFindings {
				failed++
				id, code, msg := aws.ToString(ff.Id), aws.ToString(ff.ErrorCode), aws.ToString(ff.ErrorMessage)
				if it, ok := byID[id]; ok && attempt < h.opts.MaxAttempts && retryable(code) {
					retry = append(retry, it)
					delete(byID, id)
					continue
				}
				failures = append(failures, report.ASFFFailure{ID: id, Code: code, Message: msg})
			}
			accepted += len(batch) - failed
		}
		if len(retry) == 0 {
			break
		}
		delay := h.opts.RetryDelay << (attempt - 1)
		h.log.Info("Security Hub did not take some findings; trying them again", "account_id", h.account, "region", h.region,
			"findings", len(retry), "attempt", attempt+1, "delay", delay)
		if err := h.sleep(ctx, delay); err != nil {
			return accepted, failures, err
		}
		items = retry
	}
	return accepted, failures, nil
}

// retryable reports whether a FailedFindings error code may pass on a
// later try: anything but invalid input and refused access.
func retryable(code string) bool {
	for _, p := range []string{"InvalidInput", "InvalidAccess", "AccessDenied"} {
		if strings.HasPrefix(code, p) {
			return false
		}
	}
	return true
}

// batches cuts items into BatchImportFindings calls of at most 100
// findings and 6 MB (less a margin for the request's own JSON).
func batches(items []importItem) [][]importItem {
	const room = report.ASFFMaxBatchBytes - 16<<10
	var out [][]importItem
	var cur []importItem
	size := 0
	for _, it := range items {
		if len(cur) == report.ASFFMaxBatch || (len(cur) > 0 && size+it.bytes+1 > room) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, it)
		size += it.bytes + 1
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
