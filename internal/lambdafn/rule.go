package lambdafn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/configrule"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/scan"
)

// TestModeToken is the result token that asks for a test run: the
// evaluations go to PutEvaluations with TestMode, which checks them and
// records nothing. A test event of the Lambda console or of `sam local
// invoke` carries it (the AWS Config RDK's convention).
const TestModeToken = "TESTMODE"

// configRule acts as the AWS Config custom rule: it evaluates every role
// of the account (a periodic invocation) or the one role of a change, and
// records the evaluations with the invocation's result token.
//
// The settings apply as for a scan (unused-days, allow, include-managed,
// as-of, the AWS ones); the rule's parameters max_days_for_last_used and
// role_pattern_allowlist, when given, take the place of unused-days and
// allow.
func (h *Handler) configRule(ctx context.Context, ev events.ConfigEvent) (Result, error) {
	inv, err := configrule.ParseInvocation(ev.InvokingEvent)
	if err != nil {
		return Result{}, err
	}
	if inv.AccountID == "" {
		inv.AccountID = ev.AccountID // the rule's account
	}
	r := Result{Event: inv.MessageType, ConfigRule: ev.ConfigRuleName, TestMode: ev.ResultToken == TestModeToken}
	params, err := configrule.ParseParams(ev.RuleParameters)
	if err != nil {
		return r, err
	}
	if ev.ResultToken == "" {
		return r, iamsweep.NewInputError("event", "resultToken", errors.New("missing: AWS Config puts one in every rule event (TESTMODE for a test run)"))
	}
	cfg, entry, err := h.settings()
	if err != nil {
		return r, err
	}
	if params.MaxDays > 0 {
		cfg.UnusedDays = params.MaxDays
	}
	if params.Allow != nil {
		cfg.Allow = params.Allow
	}
	allow, err := detect.NewAllowlist(cfg.Allow)
	if err != nil {
		return r, iamsweep.NewInputError("allow", "", err) // validated by ParseParams and Resolve
	}
	now := cfg.AsOf
	if now.IsZero() {
		now = h.now().UTC()
	}
	o := detect.Options{Now: now, UnusedDays: cfg.UnusedDays, Allowlist: allow, IncludeManaged: cfg.IncludeManaged}
	log := entry.Logger(cfg).With("config_rule", ev.ConfigRuleName, "message_type", inv.MessageType)

	awsCfg, err := entry.AWSConfig(ctx, cfg, log)
	if err != nil {
		return r, err
	}
	rules, err := awsapi.NewConfigRules(awsCfg, log, h.ConfigRules)
	if err != nil {
		return r, err
	}
	iam := awsapi.New(awsCfg, log, awsapi.Options{NoKeyIDs: true})

	var evals []configrule.Evaluation
	if inv.Item == nil {
		evals, r.Deleted, err = evaluateAccount(ctx, iam, rules, ev.ConfigRuleName, inv, o, log)
	} else {
		evals, err = evaluateItem(ctx, iam, ev, inv, o)
	}
	if err != nil {
		return r, err
	}
	if err := rules.PutEvaluations(ctx, ev.ResultToken, evals, r.TestMode); err != nil {
		return r, err
	}
	r.Evaluations = map[string]int{}
	for c, n := range configrule.Counts(evals) {
		r.Evaluations[string(c)] = n
	}
	log.Info("evaluations recorded", "compliant", r.Evaluations[string(configrule.Compliant)],
		"non_compliant", r.Evaluations[string(configrule.NonCompliant)], "not_applicable", r.Evaluations[string(configrule.NotApplicable)],
		"deleted", r.Deleted, "test_mode", r.TestMode, "unused_days", cfg.UnusedDays)
	return r, nil
}

// evaluateAccount evaluates every role of the account, the scan's way (the
// role findings alone: no credential report is read), and marks
// NOT_APPLICABLE the roles AWS Config holds a result for that no longer
// exist. It returns the evaluations and how many of them are of deleted
// roles.
func evaluateAccount(ctx context.Context, inv iamsweep.Inventory, rules *awsapi.ConfigRules, rule string, ev configrule.Invocation,
	o detect.Options, log *slog.Logger) ([]configrule.Evaluation, int, error) {
	res, err := scan.Account(ctx, inv, o, log, iamsweep.TypeUnusedIAMRole)
	if errors.Is(err, iamsweep.ErrAccessDenied) {
		return nil, 0, fmt.Errorf("%w\n(the function needs the permissions of its policy in deploy/iamsweep-lambda.yaml; see docs/lambda.md)", err)
	}
	if err != nil {
		return nil, 0, err
	}
	for _, f := range res.Findings {
		if err := sameAccount(ev.AccountID, f.AccountID); err != nil {
			return nil, 0, err
		}
	}
	current := configrule.FromFindings(res.Findings, ev.Time)
	if rule == "" {
		log.Warn("the event names no rule: the results of deleted roles are left as they are")
		return current, 0, nil
	}
	var previous []configrule.Evaluation
	if err := rules.Results(ctx, rule, func(e configrule.Evaluation) error {
		previous = append(previous, e)
		return nil
	}); err != nil {
		return nil, 0, err
	}
	stale := configrule.Stale(previous, current, ev.Time)
	return append(current, stale...), len(stale), nil
}

// evaluateItem evaluates the one resource of a change notification. A
// role that exists is read from IAM (GetRole: the configuration item, and
// an oversized one's summary, hold no reliable last use) and judged; a
// deleted role, one that left the rule's scope, and a resource that is not
// a role are NOT_APPLICABLE.
func evaluateItem(ctx context.Context, iam *awsapi.Client, ev events.ConfigEvent, inv configrule.Invocation, o detect.Options) ([]configrule.Evaluation, error) {
	item := *inv.Item
	gone := func(reason string) ([]configrule.Evaluation, error) {
		return []configrule.Evaluation{configrule.Gone(item.ResourceType, item.ResourceID, reason, inv.Time)}, nil
	}
	switch {
	case item.ResourceType != configrule.RoleType:
		return gone("iamsweep's rule evaluates IAM roles only: scope the rule to " + configrule.RoleType)
	case ev.EventLeftScope:
		return gone("the role left the rule's scope")
	case item.Deleted():
		return gone("the role was deleted")
	}
	name := item.RoleName()
	if name == "" {
		return nil, iamsweep.NewInputError("invokingEvent", "configurationItem", fmt.Errorf("the role %s has neither a resourceName nor a role ARN", item.ResourceID))
	}
	role, err := iam.Role(ctx, name)
	if errors.Is(err, iamsweep.ErrNotFound) {
		return gone("the role was deleted after the change")
	}
	if err != nil {
		return nil, err
	}
	if err := sameAccount(inv.AccountID, role.AccountID); err != nil {
		return nil, err
	}
	if role.ID != item.ResourceID {
		return gone(fmt.Sprintf("the role was deleted; the role named %s now is another, with unique ID %s", name, role.ID))
	}
	return configrule.FromFindings([]iamsweep.Finding{detect.Role(role, o)}, inv.Time), nil
}

// sameAccount checks that the roles read are those of the account the
// event is about: AWS Config invokes a rule's function in the rule's
// account, and the function reads IAM with its own credentials.
func sameAccount(event, read string) error {
	if event == "" || read == "" || event == read {
		return nil
	}
	return fmt.Errorf("the event is about account %s, but the function's credentials read account %s: deploy the function in the rule's account", event, read)
}
