package remediate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// Target is a principal named by its ARN.
type Target struct {
	ARN       string
	AccountID string
	// Principal is "role" or "user".
	Principal string
	Name      string
	Path      string
}

// ParseTarget reads a role or user ARN.
func ParseTarget(arn string) (Target, error) {
	a, err := iamsweep.ParseARN(arn)
	if err != nil {
		return Target{}, err
	}
	if a.Service != "iam" || !iamsweep.IsAccountID(a.AccountID) {
		return Target{}, fmt.Errorf("%s is not the ARN of an IAM role or user", arn)
	}
	for _, kind := range []string{"role", "user"} {
		if strings.HasPrefix(a.Resource, kind+"/") {
			path, name, err := a.IAMResource(kind)
			if err != nil {
				return Target{}, err
			}
			return Target{ARN: arn, AccountID: a.AccountID, Principal: kind, Name: name, Path: path}, nil
		}
	}
	return Target{}, fmt.Errorf("%s names neither a role nor a user", arn)
}

// single runs one action outside a plan (a release or a restore): journaled
// under its own plan ID, under a lease. verb names the command, for the
// explanations of failed calls. fn makes the calls through c, and returns
// the unique ID of the principal it left, recorded in the journal's
// completion entry ("" for none). single returns the calls IAM carried
// out.
func (s *Service) single(ctx context.Context, planID, verb string, t Target, fn func(m iamsweep.Mutator, c *calls) (string, error)) ([]string, error) {
	if err := s.lease(ctx, "a001", t.ARN); err != nil {
		if errors.Is(err, iamsweep.ErrLeased) {
			return nil, fmt.Errorf("%s: another apply is changing it right now; try again when it is done", t.ARN)
		}
		return nil, fmt.Errorf("take the lease on %s: %w", t.ARN, err)
	}
	defer func() { _ = s.Store.ReleaseLease(context.WithoutCancel(ctx), t.ARN, s.Owner) }()
	m, err := s.Open(ctx, t.AccountID)
	if err != nil {
		return nil, fmt.Errorf("open account %s: %w", t.AccountID, err)
	}
	w := &work{s: s, ctx: ctx, plan: iamsweep.Plan{ID: planID}, action: iamsweep.Action{ID: "a001", ARN: t.ARN}, m: m, out: &Outcome{}}
	c := &calls{w: w, verb: verb}
	principalID, err := fn(m, c)
	if err == nil {
		w.completeWith(iamsweep.JournalStep{Kind: iamsweep.JournalComplete, PrincipalID: principalID}, "")
	}
	return c.made, err
}

// calls makes the IAM calls of a single action, journaled, and lists those
// IAM carried out.
type calls struct {
	w    *work
	verb string
	made []string
}

// do makes call st, checking the kill switch first. principalID, when not
// "", is journaled with it. A failed call's error is explained in words
// (and still wraps the error, an *unknownOutcome when the outcome is
// unknown).
func (c *calls) do(st iamsweep.Step, principalID string) error {
	if where, ok := c.w.s.killed(); ok {
		return fmt.Errorf("%w (%s) before %q", ErrStopped, where, st.String())
	}
	if err := c.w.call(st, principalID); err != nil {
		return explained{msg: explain(c.verb, st, err), err: err}
	}
	c.made = append(c.made, st.String())
	return nil
}

// carriedOut lists st among the calls IAM carried out: one whose answer
// was lost, which reading the principal again found done.
func (c *calls) carriedOut(st iamsweep.Step) { c.made = append(c.made, st.String()) }

// explained is a failed step's error in words (explain), still wrapping
// the error it explains so that callers can tell its kind.
type explained struct {
	msg string
	err error
}

func (e explained) Error() string { return e.msg }
func (e explained) Unwrap() error { return e.err }

// ReleaseResult says what a release did.
type ReleaseResult struct {
	Target Target
	// Steps are the IAM calls made; none when it was not quarantined.
	Steps []string
}

// Release undoes the quarantine of the principal arn: it deletes the
// iamsweep-quarantine policy, detaches AWSDenyAll when iamsweep attached
// it, and removes the quarantine tags. Releasing what is not quarantined
// changes nothing.
func (s *Service) Release(ctx context.Context, arn string) (ReleaseResult, error) {
	t, err := ParseTarget(arn)
	if err != nil {
		return ReleaseResult{}, err
	}
	if slices.Contains(s.Policy.ProtectedAccounts, t.AccountID) {
		return ReleaseResult{}, fmt.Errorf("account %s is protected (remediation protected-accounts): iamsweep changes nothing in it", t.AccountID)
	}
	res := ReleaseResult{Target: t}
	planID := "release-" + s.Now().UTC().Format("20060102T150405.000000000Z")
	res.Steps, err = s.single(ctx, planID, "release", t, func(m iamsweep.Mutator, c *calls) (string, error) {
		var steps []iamsweep.Step
		switch t.Principal {
		case "role":
			r, err := m.ReadRole(ctx, t.Name)
			if err != nil {
				return "", fmt.Errorf("read role %s: %w", t.Name, err)
			}
			steps = ReleaseRoleSteps(r, s.denyAllAttachedByUs(ctx, t.ARN, r.AttachedPolicies, r.Tags))
		default:
			u, err := m.ReadUser(ctx, t.Name)
			if err != nil {
				return "", fmt.Errorf("read user %s: %w", t.Name, err)
			}
			steps = ReleaseUserSteps(u, s.denyAllAttachedByUs(ctx, t.ARN, u.AttachedPolicies, u.Tags))
		}
		for _, st := range steps {
			if err := c.do(st, ""); err != nil {
				return "", err
			}
		}
		return "", nil
	})
	return res, err
}

// denyAllAttachedByUs reports whether iamsweep attached the AWSDenyAll a
// principal holds when no tag says so (its tags were full): the backup
// taken before its quarantine did not hold it.
func (s *Service) denyAllAttachedByUs(ctx context.Context, arn string, attached []string, tags []iamsweep.Tag) bool {
	denyAll := DenyAllARN(arn)
	if !slices.Contains(attached, denyAll) || hasTag(tags, TagQuarantinePolicy) {
		return false
	}
	backups, err := s.Store.Backups(ctx, arn)
	if err != nil {
		return false
	}
	for _, b := range backups { // newest first
		p, err := s.Store.LoadPlan(ctx, b.PlanID)
		if err != nil {
			continue
		}
		for _, a := range p.Actions {
			if a.ID != b.ActionID || a.Kind != iamsweep.ActionQuarantine {
				continue
			}
			var before []string
			if b.Role != nil {
				before = b.Role.AttachedPolicies
			} else if b.User != nil {
				before = b.User.AttachedPolicies
			}
			return !slices.Contains(before, denyAll)
		}
	}
	return false
}
