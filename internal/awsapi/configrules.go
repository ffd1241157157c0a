package awsapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/configrule"
)

// This file is the AWS side of iamsweep's AWS Config custom rule: the one
// role a change notification names (GetRole), and AWS Config's record of
// the rule's evaluations (PutEvaluations, GetComplianceDetailsByConfigRule).

// Role reads one role with GetRole: its path, unique ID, creation date,
// last use, tags and trust policy, what a verdict needs, without the
// policies and instance profiles the bulk listing also returns. A role
// that does not exist is an error wrapping iamsweep.ErrNotFound.
func (c *Client) Role(ctx context.Context, name string) (iamsweep.Role, error) {
	out, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return iamsweep.Role{}, fmt.Errorf("read role %s (GetRole): %w", name, classify(err))
	}
	if out.Role == nil {
		return iamsweep.Role{}, fmt.Errorf("read role %s (GetRole): the answer holds no role", name)
	}
	d := out.Role
	r := iamsweep.Role{
		ARN:                 aws.ToString(d.Arn),
		ID:                  aws.ToString(d.RoleId),
		Name:                aws.ToString(d.RoleName),
		Path:                aws.ToString(d.Path),
		Created:             utc(d.CreateDate),
		PermissionsBoundary: permissionsBoundary(d.PermissionsBoundary),
		Tags:                tags(d.Tags),
	}
	r.AccountID = accountOf(r.ARN)
	if u := d.RoleLastUsed; u != nil && u.LastUsedDate != nil {
		r.LastUsed = iamsweep.Usage{Time: u.LastUsedDate.UTC(), Region: aws.ToString(u.Region)}
	}
	if d.AssumeRolePolicyDocument != nil {
		r.TrustPolicy = c.document(r.ARN, "trust policy", "", *d.AssumeRolePolicyDocument)
	}
	return r, nil
}

// ConfigRules records a custom rule's evaluations in AWS Config and reads
// those it holds. AWS Config is regional: the client acts in the Region of
// its aws.Config, which must be the rule's.
type ConfigRules struct {
	config *configservice.Client
	log    *slog.Logger
	opts   ConfigRulesOptions
	sleep  func(ctx context.Context, d time.Duration) error
}

// ConfigRulesOptions tune a ConfigRules.
type ConfigRulesOptions struct {
	// Attempts is how many times evaluations AWS Config reports as failed
	// (FailedEvaluations) are sent, the first time included (default 3).
	Attempts int
	// Wait is the pause before the second attempt; it doubles for each
	// attempt after (default 1 s; tests set a nanosecond).
	Wait time.Duration
}

// NewConfigRules returns a client of AWS Config in cfg's Region; it fails
// when cfg has none.
func NewConfigRules(cfg aws.Config, log *slog.Logger, opts ConfigRulesOptions) (*ConfigRules, error) {
	if cfg.Region == "" {
		return nil, errors.New("AWS Config needs a Region: the rule's (set AWS_REGION, as Lambda does, or --region)")
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 3
	}
	if opts.Wait <= 0 {
		opts.Wait = time.Second
	}
	own := cfg.Copy()
	own.APIOptions = append(own.APIOptions[:len(own.APIOptions):len(own.APIOptions)], LogRetries(log))
	ownBodies(&own)
	return &ConfigRules{config: configservice.NewFromConfig(own), log: log, opts: opts, sleep: sleep}, nil
}

// PutEvaluations records evals with the result token of the invocation
// that asked for them (PutEvaluations), in batches of
// configrule.MaxBatch, in order. Evaluations AWS Config reports as failed
// are sent again (see ConfigRulesOptions); those still failing after the
// last attempt make the error, which names how many and which. In test
// mode AWS Config checks the evaluations and records nothing, and takes
// any token that is not empty. Nothing to record makes no call.
func (c *ConfigRules) PutEvaluations(ctx context.Context, token string, evals []configrule.Evaluation, testMode bool) error {
	for i, batch := range configrule.Batches(evals) {
		pending := batch
		wait := c.opts.Wait
		for attempt := 1; len(pending) > 0; attempt++ {
			if attempt > 1 {
				if err := c.sleep(ctx, wait); err != nil {
					return fmt.Errorf("put evaluations (batch %d): %w", i+1, err)
				}
				wait *= 2
			}
			in := &configservice.PutEvaluationsInput{ResultToken: aws.String(token), TestMode: testMode, Evaluations: make([]cfgtypes.Evaluation, len(pending))}
			for j, e := range pending {
				in.Evaluations[j] = toConfig(e)
			}
			out, err := c.config.PutEvaluations(ctx, in)
			if err != nil {
				return fmt.Errorf("put evaluations (batch %d of %d evaluations): %w", i+1, len(pending), classify(err))
			}
			failed := failedOf(pending, out.FailedEvaluations)
			if len(failed) > 0 && attempt >= c.opts.Attempts {
				return fmt.Errorf("put evaluations: AWS Config did not record %d of %d evaluations after %d attempts: %s",
					len(failed), len(evals), attempt, describe(failed))
			}
			if len(failed) > 0 {
				c.log.Warn("AWS Config did not record some evaluations; sending them again", "failed", len(failed), "attempt", attempt)
			}
			pending = failed
		}
	}
	return nil
}

// toConfig converts an evaluation to the SDK's; an empty annotation is
// left out (AWS Config takes 1 to 256 characters).
func toConfig(e configrule.Evaluation) cfgtypes.Evaluation {
	out := cfgtypes.Evaluation{
		ComplianceResourceType: aws.String(e.ResourceType),
		ComplianceResourceId:   aws.String(e.ResourceID),
		ComplianceType:         cfgtypes.ComplianceType(e.Compliance),
		OrderingTimestamp:      aws.Time(e.OrderingTime),
	}
	if e.Annotation != "" {
		out.Annotation = aws.String(e.Annotation)
	}
	return out
}

// failedOf returns the evaluations of sent that AWS Config reported as
// failed, matched by resource type and ID.
func failedOf(sent []configrule.Evaluation, failed []cfgtypes.Evaluation) []configrule.Evaluation {
	if len(failed) == 0 {
		return nil
	}
	bad := map[[2]string]bool{}
	for _, f := range failed {
		bad[[2]string{aws.ToString(f.ComplianceResourceType), aws.ToString(f.ComplianceResourceId)}] = true
	}
	var out []configrule.Evaluation
	for _, e := range sent {
		if bad[[2]string{e.ResourceType, e.ResourceID}] {
			out = append(out, e)
		}
	}
	return out
}

// describe names the first few evaluations of a list.
func describe(evals []configrule.Evaluation) string {
	const shown = 5
	var parts []string
	for i, e := range evals {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(evals)-shown))
			break
		}
		parts = append(parts, e.ResourceType+" "+e.ResourceID)
	}
	return strings.Join(parts, ", ")
}

// Results calls fn with every COMPLIANT and NON_COMPLIANT result AWS
// Config holds for the rule (GetComplianceDetailsByConfigRule, 100 a
// page), and stops at the first error fn returns. A rule that does not
// exist in the Region is an error with the code NoSuchConfigRuleException.
func (c *ConfigRules) Results(ctx context.Context, rule string, fn func(configrule.Evaluation) error) error {
	p := configservice.NewGetComplianceDetailsByConfigRulePaginator(c.config, &configservice.GetComplianceDetailsByConfigRuleInput{
		ConfigRuleName:  aws.String(rule),
		ComplianceTypes: []cfgtypes.ComplianceType{cfgtypes.ComplianceTypeCompliant, cfgtypes.ComplianceTypeNonCompliant},
		Limit:           configrule.MaxBatch,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("read the results of rule %s (GetComplianceDetailsByConfigRule): %w", rule, classify(err))
		}
		for _, r := range page.EvaluationResults {
			e := configrule.Evaluation{Compliance: configrule.Compliance(r.ComplianceType), Annotation: aws.ToString(r.Annotation)}
			if id := r.EvaluationResultIdentifier; id != nil {
				e.OrderingTime = utc(id.OrderingTimestamp)
				if q := id.EvaluationResultQualifier; q != nil {
					e.ResourceType, e.ResourceID = aws.ToString(q.ResourceType), aws.ToString(q.ResourceId)
				}
			}
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}
