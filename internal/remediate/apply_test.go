package remediate_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// The unit tests of the Service: its decisions over the in-memory seams
// (memIAM, memStore). What needs the wire (the SDK adapter, IAM's own
// answers) is in the *_e2e_test.go files.

const readOnlyARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"

// unit is one in-memory account and store.
type unit struct {
	iam   *memIAM
	store *memStore
	// m is the Mutator the services get; a test may change its fields.
	m *mutator
}

func newUnit() *unit {
	iam := newMemIAM(acct)
	return &unit{iam: iam, store: &memStore{}, m: iam.mutator()}
}

// service is env.service on the unit's seams.
func (u *unit) service(owner string, p iamsweep.RemediationPolicy) *remediate.Service {
	return &remediate.Service{
		Store: u.store,
		Open: func(_ context.Context, accountID string) (iamsweep.Mutator, error) {
			if accountID != acct {
				return nil, fmt.Errorf("no account %s", accountID)
			}
			return u.m, nil
		},
		Now:    func() time.Time { return now },
		Policy: p,
		Detect: detect.Options{UnusedDays: 90},
		Caller: caller,
		Owner:  owner,
	}
}

// idle is a role created long ago and never used, with an inline policy,
// a managed policy and a tag.
func idle(name string) iamsweep.RoleState {
	return iamsweep.RoleState{
		Name: name, Created: old, TrustPolicy: trustEC2, MaxSessionDuration: 3600,
		InlinePolicies:   []iamsweep.NamedDocument{{Name: "s3-read", Document: smallDoc}},
		AttachedPolicies: []string{readOnlyARN},
		Tags:             []iamsweep.Tag{{Key: "team", Value: "ops"}},
	}
}

const trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// noChange checks that no call changed the account and that the store
// holds no backup.
func (u *unit) noChange(t testing.TB) {
	t.Helper()
	if c := u.iam.calls(); len(c) > 0 {
		t.Errorf("calls made: %v", c)
	}
	if bs, _ := u.store.Backups(t.Context(), ""); len(bs) > 0 {
		t.Errorf("%d backups, want none", len(bs))
	}
}

// TestService_Apply_recheck: apply re-reads and re-judges each principal
// and skips, changing nothing, one that no longer is what the plan judged.
func TestService_Apply_recheck(t *testing.T) {
	t.Parallel()
	busy := idle("busy")
	busy.LastUsed = iamsweep.Usage{Time: now.AddDate(0, 0, -2), Region: "eu-west-1"}
	tests := []struct {
		name    string
		role    *iamsweep.RoleState
		finding func(iamsweep.RoleState) iamsweep.Finding
		allow   []string // allowlist at apply time
		keep    bool     // an exception keeps the role at apply time
		want    []string
	}{
		{name: "kept since the plan", role: new(idle("kept")), finding: roleFinding, keep: true,
			want: []string{"no longer unused", "kept by alice@example.com until 2026-07-01: disaster recovery", "(exempt)"}},
		{name: "used since the plan", role: &busy, finding: roleFinding,
			want: []string{"no longer unused", "last used 2 days ago in eu-west-1", "(used)"}},
		{name: "recreated since the plan", role: new(idle("reborn")),
			finding: func(r iamsweep.RoleState) iamsweep.Finding {
				f := roleFinding(r)
				f.PrincipalID = "AROAOLDOLDOLDOLDOLDOL"
				return f
			},
			want: []string{"deleted and recreated since the scan", "AROAOLDOLDOLDOLDOLDOL"}},
		{name: "allowlisted since the plan", role: new(idle("keep-me")), finding: roleFinding, allow: []string{"/keep-*"},
			want: []string{"no longer unused", "allowlist pattern /keep-*", "(exempt)"}},
		{name: "deleted since the plan",
			finding: func(iamsweep.RoleState) iamsweep.Finding {
				return roleFinding(iamsweep.RoleState{AccountID: acct, ARN: roleARN("ghost"), ID: "AROAGHOSTGHOSTGHOSTGH", Name: "ghost", Path: "/"})
			},
			want: []string{"no longer exists"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUnit()
			var before iamsweep.RoleState
			if tt.role != nil {
				before = u.iam.addRole(*tt.role)
			}
			svc := u.service("apply", deletePolicy)
			allow, err := detect.NewAllowlist(tt.allow)
			if err != nil {
				t.Fatal(err)
			}
			svc.Detect.Allowlist = allow
			f := tt.finding(before)
			if tt.keep {
				svc.Detect.Exceptions = detect.NewExceptions([]iamsweep.Exception{{ID: "x1", Key: iamsweep.KeyOf(f), ARN: f.ARN,
					By: "alice@example.com", Reason: "disaster recovery", Created: now.AddDate(0, 0, -1), Until: now.AddDate(0, 0, 30).Truncate(24 * time.Hour)}})
			}
			outs, err := svc.Apply(t.Context(), makePlan("p1", deletePolicy, f))
			if err != nil || len(outs) != 1 {
				t.Fatalf("Apply: %v\n%s", err, describe(outs))
			}
			wantDetail(t, outs[0], remediate.StatusSkipped, tt.want...)
			u.noChange(t)
		})
	}
}

// TestService_Apply_guardrails: the guardrails and the policy of the
// apply count, not those of the plan: a principal that became
// CloudFormation's, an account protected, service-linked roles no longer
// allowed, an action the policy no longer allows are refused, and nothing
// changes.
func TestService_Apply_guardrails(t *testing.T) {
	t.Parallel()
	slr := iamsweep.RoleState{Name: "AWSServiceRoleForExample", Path: "/aws-service-role/example.amazonaws.com/", Created: old}
	stacked := idle("stacked")
	stacked.Tags = append(stacked.Tags, iamsweep.Tag{Key: "aws:cloudformation:stack-name", Value: "web-prod"})
	tests := []struct {
		name string
		role iamsweep.RoleState
		// plan is the policy of the plan; policy changes it into that of
		// the apply (which never protects the account nor allows
		// service-linked roles unless it says so).
		plan   iamsweep.RemediationPolicy
		policy func(*iamsweep.RemediationPolicy)
		// planRefuses: the plan refuses the action too.
		planRefuses bool
		want        string
	}{
		{name: "a CloudFormation stack took the role after the plan", role: stacked, plan: deletePolicy,
			want: "owned by CloudFormation stack web-prod"},
		{name: "the account was protected after the plan", role: idle("idle"), plan: deletePolicy,
			policy: func(p *iamsweep.RemediationPolicy) { p.ProtectedAccounts = []string{"444455556666", acct} },
			want:   "account " + acct + " is protected"},
		{name: "service-linked roles no longer allowed", role: slr,
			plan: iamsweep.RemediationPolicy{Roles: iamsweep.ActionDelete, AllowServiceLinked: true, MaxDeletionsPerRun: -1, MaxDeletionsPerAccount: -1},
			want: "service-linked role: deleted only with --allow-service-linked"},
		{name: "service-linked roles are never quarantined", role: slr, plan: iamsweep.RemediationPolicy{Roles: iamsweep.ActionQuarantine},
			policy: func(p *iamsweep.RemediationPolicy) { p.AllowServiceLinked = true }, planRefuses: true,
			want: "service-linked role: only its service may change it"},
		{name: "the policy quarantines where the plan deletes", role: idle("idle"), plan: deletePolicy,
			policy: func(p *iamsweep.RemediationPolicy) { p.Roles = iamsweep.ActionQuarantine },
			want:   "delete does more than the remediation policy allows (remediation.roles: quarantine)"},
		{name: "the policy acts on no role", role: idle("idle"), plan: quarantinePolicy,
			policy: func(p *iamsweep.RemediationPolicy) { p.Roles = "" },
			want:   "remediation.roles: none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUnit()
			before := u.iam.addRole(tt.role)
			f := roleFinding(before)
			f.Tags = nil // the scan saw none
			p := makePlan("p1", tt.plan, f)
			if len(p.Actions) != 1 || (p.Actions[0].Refused != "") != tt.planRefuses {
				t.Fatalf("plan %+v: want one action, refused %t", p.Actions, tt.planRefuses)
			}
			p.Actions[0].Refused = "" // a plan file edited by hand
			policy := tt.plan
			policy.ProtectedAccounts = nil
			policy.AllowServiceLinked = false
			if tt.policy != nil {
				tt.policy(&policy)
			}
			outs, err := u.service("apply", policy).Apply(t.Context(), p)
			if err != nil || len(outs) != 1 {
				t.Fatalf("Apply: %v\n%s", err, describe(outs))
			}
			wantDetail(t, outs[0], remediate.StatusRefused, tt.want)
			u.noChange(t)
		})
	}

	t.Run("release in a protected account", func(t *testing.T) {
		t.Parallel()
		u := newUnit()
		u.iam.addRole(idle("idle"))
		svc := u.service("release", iamsweep.RemediationPolicy{ProtectedAccounts: []string{acct}})
		if _, err := svc.Release(t.Context(), roleARN("idle")); err == nil || !strings.Contains(err.Error(), "is protected") {
			t.Errorf("Release: err %v, want the account protected", err)
		}
		u.noChange(t)
	})
}

// TestService_Apply_deletionLimits: the deletion limits of the apply hold
// even when the plan refused nothing.
func TestService_Apply_deletionLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		run    int
		acct   int
		want   []remediate.Status
		again  []remediate.Status
		detail string
	}{
		{name: "per run", run: 1, acct: -1,
			want:   []remediate.Status{remediate.StatusApplied, remediate.StatusRefused, remediate.StatusRefused},
			again:  []remediate.Status{remediate.StatusAlready, remediate.StatusRefused, remediate.StatusRefused},
			detail: "over the limit of 1 deletions per run (remediation max-deletions-per-run)"},
		{name: "per account", run: -1, acct: 2,
			want:   []remediate.Status{remediate.StatusApplied, remediate.StatusApplied, remediate.StatusRefused},
			again:  []remediate.Status{remediate.StatusAlready, remediate.StatusAlready, remediate.StatusRefused},
			detail: "over the limit of 2 deletions in account " + acct + " (remediation max-deletions-per-account)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUnit()
			var fs []iamsweep.Finding
			for _, n := range []string{"r1", "r2", "r3"} {
				fs = append(fs, roleFinding(u.iam.addRole(idle(n))))
			}
			p := makePlan("p1", deletePolicy, fs...)
			policy := deletePolicy
			policy.MaxDeletionsPerRun, policy.MaxDeletionsPerAccount = tt.run, tt.acct
			svc := u.service("apply", policy)
			outs, err := svc.Apply(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			wantStatuses(t, outs, tt.want...)
			wantDetail(t, outs[len(outs)-1], remediate.StatusRefused, tt.detail)
			// The deletions an earlier apply made count.
			outs, err = svc.Apply(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			wantStatuses(t, outs, tt.again...)
			if _, err := u.iam.readRole(t.Context(), "r3"); err != nil {
				t.Errorf("r3: %v, want it kept", err)
			}
		})
	}
}

// TestService_Apply_killSwitch: the kill switch stops an apply before an
// action or between two calls; applying the plan again continues it.
func TestService_Apply_killSwitch(t *testing.T) {
	t.Parallel()
	setup := func() (*unit, iamsweep.Plan) {
		u := newUnit()
		p := makePlan("p1", deletePolicy, roleFinding(u.iam.addRole(idle("r1"))), roleFinding(u.iam.addRole(idle("r2"))))
		return u, p
	}
	t.Run("before the first action", func(t *testing.T) {
		t.Parallel()
		u, p := setup()
		svc := u.service("apply", deletePolicy)
		svc.KillSwitch = func() (string, bool) { return "environment variable IAMSWEEP_KILL_SWITCH", true }
		outs, err := svc.Apply(t.Context(), p)
		if !errors.Is(err, remediate.ErrStopped) {
			t.Errorf("err %v, want ErrStopped", err)
		}
		wantStatuses(t, outs, remediate.StatusStopped, remediate.StatusStopped)
		for _, o := range outs {
			wantDetail(t, o, remediate.StatusStopped, "IAMSWEEP_KILL_SWITCH")
		}
		u.noChange(t)

		svc.KillSwitch = nil
		outs, err = svc.Apply(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		wantStatuses(t, outs, remediate.StatusApplied, remediate.StatusApplied)
	})

	t.Run("between two calls", func(t *testing.T) {
		t.Parallel()
		u, p := setup()
		var engaged atomic.Bool
		n := 0
		do := u.m.DoFn
		// Engaged while the second call runs: the apply stops before the
		// third.
		u.m.DoFn = func(ctx context.Context, s iamsweep.Step) error {
			if n++; n == 2 {
				engaged.Store(true)
			}
			return do(ctx, s)
		}
		svc := u.service("apply", deletePolicy)
		svc.KillSwitch = func() (string, bool) { return "file /run/iamsweep/STOP", engaged.Load() }
		outs, err := svc.Apply(t.Context(), p)
		if !errors.Is(err, remediate.ErrStopped) {
			t.Errorf("err %v, want ErrStopped", err)
		}
		wantStatuses(t, outs, remediate.StatusStopped, remediate.StatusStopped)
		wantDetail(t, outs[0], remediate.StatusStopped, "/run/iamsweep/STOP", `before "DeleteRole r1"`, "after 2 of 3 calls")
		if c := u.iam.calls(); len(c) != 2 {
			t.Errorf("calls %v, want 2", c)
		}

		engaged.Store(false)
		outs, err = svc.Apply(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		wantStatuses(t, outs, remediate.StatusApplied, remediate.StatusApplied)
		want := []string{"DeleteRolePolicy s3-read", "DetachRolePolicy " + readOnlyARN, "DeleteRole r1",
			"DeleteRolePolicy s3-read", "DetachRolePolicy " + readOnlyARN, "DeleteRole r2"}
		if diff := cmp.Diff(want, u.iam.calls()); diff != "" {
			t.Errorf("calls over both applies, each once (-want +got):\n%s", diff)
		}
	})
}

// TestService_Apply_lease: a principal another live apply holds is
// skipped; one whose holder is gone is taken over.
func TestService_Apply_lease(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	u := newUnit()
	before := u.iam.addRole(idle("idle"))
	if err := u.store.AcquireLease(ctx, before.ARN, "host-b:4242", now, now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	p := makePlan("p1", deletePolicy, roleFinding(before))
	svc := u.service("host-a:1", deletePolicy)
	svc.OwnerGone = func(string) bool { return false }
	outs, err := svc.Apply(ctx, p)
	if err != nil || len(outs) != 1 {
		t.Fatalf("Apply: %v\n%s", err, describe(outs))
	}
	wantDetail(t, outs[0], remediate.StatusSkipped, "another apply is changing this principal", "host-b:4242")
	if outs[0].HeldBy != "host-b:4242" {
		t.Errorf("HeldBy %q, want host-b:4242", outs[0].HeldBy)
	}
	u.noChange(t)
	if owner, _, err := u.store.Lease(ctx, before.ARN); err != nil || owner != "host-b:4242" {
		t.Errorf("lease %q, %v: want host-b's untouched", owner, err)
	}

	// host-b has died: its lease is taken over, and given back after.
	var events []string
	svc.OwnerGone = func(owner string) bool { return owner == "host-b:4242" }
	svc.Events = func(ev remediate.Event) { events = append(events, ev.Message) }
	outs, err = svc.Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied)
	if !slices.ContainsFunc(events, func(s string) bool { return strings.Contains(s, "took over the lease of host-b:4242") }) {
		t.Errorf("events %q: want the takeover said", events)
	}
	if _, _, err := u.store.Lease(ctx, before.ARN); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("lease after the apply: %v, want none", err)
	}
}

// TestService_Restore_refusesAnotherPrincipal: a restore does not touch a
// principal someone created under the backed-up name.
func TestService_Restore_refusesAnotherPrincipal(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	u := newUnit()
	role := u.iam.addRole(idle("idle"))
	user := u.iam.addUser(iamsweep.UserState{Name: "gone", Created: old, Groups: []string{"ops"}})
	outs, err := u.service("apply", deletePolicy).Apply(ctx, makePlan("p1", deletePolicy, roleFinding(role), userFinding(user)))
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied, remediate.StatusApplied)

	theirRole := u.iam.addRole(iamsweep.RoleState{Name: "idle", TrustPolicy: trustEC2, Description: "someone else's"})
	theirUser := u.iam.addUser(iamsweep.UserState{Name: "gone", Path: "/new/"})
	calls := len(u.iam.calls())
	svc := u.service("restore", deletePolicy)
	for _, tc := range []struct{ arn, newID, oldID string }{
		{role.ARN, theirRole.ID, role.ID},
		{user.ARN, theirUser.ID, user.ID},
	} {
		_, err := svc.Restore(ctx, tc.arn, remediate.RestoreOptions{})
		if err == nil || !strings.Contains(err.Error(), "someone created it since") || !strings.Contains(err.Error(), tc.newID) || !strings.Contains(err.Error(), tc.oldID) {
			t.Errorf("Restore(%s): err %v; want it refused, naming both unique IDs", tc.arn, err)
		}
	}
	if c := u.iam.calls()[calls:]; len(c) > 0 {
		t.Errorf("the refused restores made calls: %v", c)
	}
}

// TestService_Restore_password: a restored user gets a console password
// only when asked, one it must change at the next sign-in; the password
// is journaled nowhere.
func TestService_Restore_password(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	const password = "N3w-Pa55word!restore"
	u := newUnit()
	pat := u.iam.addUser(iamsweep.UserState{Name: "pat", Created: old, LoginProfile: &iamsweep.LoginProfileState{Created: old}})
	quinn := u.iam.addUser(iamsweep.UserState{Name: "quinn", Created: old, LoginProfile: &iamsweep.LoginProfileState{Created: old}})
	outs, err := u.service("apply", deletePolicy).Apply(ctx, makePlan("p1", deletePolicy, userFinding(pat), userFinding(quinn)))
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied, remediate.StatusApplied)

	svc := u.service("restore", deletePolicy)
	res, err := svc.Restore(ctx, pat.ARN, remediate.RestoreOptions{Password: password})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := u.iam.readUser(ctx, "pat")
	if got.LoginProfile == nil || !got.LoginProfile.PasswordResetRequired {
		t.Errorf("restored login profile %+v, want one that must be reset", got.LoginProfile)
	}
	if !slices.Contains(res.Steps, "CreateLoginProfile pat") {
		t.Errorf("restore steps %q: no CreateLoginProfile", res.Steps)
	}
	if strings.Contains(fmt.Sprintf("%+v", u.store.journal), password) {
		t.Errorf("the journal holds the password")
	}

	res, err = svc.Restore(ctx, quinn.ARN, remediate.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := u.iam.readUser(ctx, "quinn"); got.LoginProfile != nil {
		t.Errorf("restored without a password: login profile %+v", got.LoginProfile)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "--reset-password") }) {
		t.Errorf("notes %q: want --reset-password suggested", res.Notes)
	}
}
