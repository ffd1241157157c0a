package remediate_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

const smallDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

// idleRole is a role created long ago and never used, with an inline
// policy, a managed policy and a tag.
func idleRole(name string) *fakeaws.Role {
	return &fakeaws.Role{
		Name: name, Created: old,
		Inline:   []fakeaws.InlinePolicy{{Name: "s3-read", Document: smallDoc}},
		Attached: []fakeaws.AttachedPolicy{managedPolicies[3]},
		Tags:     []fakeaws.Tag{{Key: "team", Value: "ops"}},
	}
}

func roleARN(name string) string { return "arn:aws:iam::" + acct + ":role/" + name }

// wantDetail checks that outcome o has status st and a detail holding
// each of parts.
func wantDetail(t testing.TB, o remediate.Outcome, st remediate.Status, parts ...string) {
	t.Helper()
	if o.Status != st {
		t.Errorf("status %s, want %s:\n%s", o.Status, st, describe([]remediate.Outcome{o}))
		return
	}
	for _, p := range parts {
		if !strings.Contains(o.Detail, p) {
			t.Errorf("detail %q: want it to say %q", o.Detail, p)
		}
	}
}

// TestService_Apply_recheck: apply re-reads and re-judges each principal
// and skips, changing nothing, one that no longer is what the plan judged.
func TestService_Apply_recheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		role    *fakeaws.Role
		finding func(iamsweep.RoleState) iamsweep.Finding
		detect  []string // allowlist at apply time
		want    []string
	}{
		{
			name: "used since the plan",
			role: &fakeaws.Role{Name: "busy", Created: old, LastUsed: now.AddDate(0, 0, -2), LastUsedRegion: "eu-west-1",
				Inline: []fakeaws.InlinePolicy{{Name: "s3-read", Document: smallDoc}}},
			finding: roleFinding,
			want:    []string{"no longer unused", "last used 2 days ago in eu-west-1", "(used)"},
		},
		{
			name: "recreated since the plan",
			role: idleRole("reborn"),
			finding: func(r iamsweep.RoleState) iamsweep.Finding {
				f := roleFinding(r)
				f.PrincipalID = "AROAOLDOLDOLDOLDOLDOL"
				return f
			},
			want: []string{"deleted and recreated since the scan", "AROAOLDOLDOLDOLDOLDOL"},
		},
		{
			name:    "allowlisted since the plan",
			role:    idleRole("keep-me"),
			finding: roleFinding,
			detect:  []string{"/keep-*"},
			want:    []string{"no longer unused", "allowlist pattern /keep-*", "(exempt)"},
		},
		{
			name: "deleted since the plan",
			finding: func(iamsweep.RoleState) iamsweep.Finding {
				return roleFinding(iamsweep.RoleState{AccountID: acct, ARN: roleARN("ghost"), ID: "AROAGHOSTGHOSTGHOSTGH", Name: "ghost", Path: "/"})
			},
			want: []string{"no longer exists"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &fakeaws.Account{ID: acct}
			if tt.role != nil {
				a.Roles = append(a.Roles, tt.role)
			}
			e := newEnv(t, a)
			var before iamsweep.RoleState
			if tt.role != nil {
				before = e.role(t, tt.role.Name)
			}
			f := tt.finding(before)
			e.srv.ResetCalls()
			svc := e.service("apply", deletePolicy)
			allow, err := detect.NewAllowlist(tt.detect)
			if err != nil {
				t.Fatal(err)
			}
			svc.Detect.Allowlist = allow
			outs, err := svc.Apply(t.Context(), makePlan("p1", deletePolicy, f))
			if err != nil || len(outs) != 1 {
				t.Fatalf("Apply: %v\n%s", err, describe(outs))
			}
			wantDetail(t, outs[0], remediate.StatusSkipped, tt.want...)
			e.noChange(t, f.ARN)
			if tt.role != nil {
				if diff := cmp.Diff(before, e.role(t, tt.role.Name)); diff != "" {
					t.Errorf("role changed (-before +after):\n%s", diff)
				}
			}
		})
	}
}

// TestService_Apply_guardrails: the guardrails and the policy of the
// apply count, not those of the plan: a principal that became
// CloudFormation's, an account protected, service-linked roles no longer
// allowed are refused, and nothing changes.
func TestService_Apply_guardrails(t *testing.T) {
	t.Parallel()
	// Each case seeds its own role: the fake fills in what a seed lacks,
	// and the cases run in parallel.
	slr := func() *fakeaws.Role {
		return &fakeaws.Role{Name: "AWSServiceRoleForExample", Path: "/aws-service-role/example.amazonaws.com/", Created: old}
	}
	stacked := idleRole("stacked")
	stacked.Tags = append(stacked.Tags, fakeaws.Tag{Key: "aws:cloudformation:stack-name", Value: "web-prod"})
	tests := []struct {
		name string
		role *fakeaws.Role
		// plan is the policy of the plan; policy changes it into that of
		// the apply (which never protects the account nor allows
		// service-linked roles unless it says so).
		plan   iamsweep.RemediationPolicy
		policy func(*iamsweep.RemediationPolicy)
		// planRefuses: the plan refuses the action too.
		planRefuses bool
		want        string
	}{
		{
			name: "a CloudFormation stack took the role after the plan",
			role: stacked, plan: deletePolicy,
			want: "owned by CloudFormation stack web-prod",
		},
		{
			name: "the account was protected after the plan",
			role: idleRole("idle"), plan: deletePolicy,
			policy: func(p *iamsweep.RemediationPolicy) { p.ProtectedAccounts = []string{"444455556666", acct} },
			want:   "account " + acct + " is protected",
		},
		{
			name: "service-linked roles no longer allowed",
			role: slr(), plan: iamsweep.RemediationPolicy{Roles: iamsweep.ActionDelete, AllowServiceLinked: true, MaxDeletionsPerRun: -1, MaxDeletionsPerAccount: -1},
			want: "service-linked role: deleted only with --allow-service-linked",
		},
		{
			name: "service-linked roles are never quarantined",
			role: slr(), plan: iamsweep.RemediationPolicy{Roles: iamsweep.ActionQuarantine},
			policy:      func(p *iamsweep.RemediationPolicy) { p.AllowServiceLinked = true },
			planRefuses: true,
			want:        "service-linked role: only its service may change it",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{tt.role}})
			before := e.role(t, tt.role.Name)
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
			e.srv.ResetCalls()
			outs, err := e.service("apply", policy).Apply(t.Context(), p)
			if err != nil || len(outs) != 1 {
				t.Fatalf("Apply: %v\n%s", err, describe(outs))
			}
			wantDetail(t, outs[0], remediate.StatusRefused, tt.want)
			e.noChange(t, before.ARN)
			if diff := cmp.Diff(before, e.role(t, tt.role.Name)); diff != "" {
				t.Errorf("role changed (-before +after):\n%s", diff)
			}
		})
	}

	t.Run("release in a protected account", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{idleRole("idle")}})
		svc := e.service("release", iamsweep.RemediationPolicy{ProtectedAccounts: []string{acct}})
		if _, err := svc.Release(t.Context(), roleARN("idle")); err == nil || !strings.Contains(err.Error(), "is protected") {
			t.Errorf("Release: err %v, want the account protected", err)
		}
		if m := e.mutations(); len(m) > 0 {
			t.Errorf("mutating calls: %v", m)
		}
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
			e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{idleRole("r1"), idleRole("r2"), idleRole("r3")}})
			var fs []iamsweep.Finding
			for _, n := range []string{"r1", "r2", "r3"} {
				fs = append(fs, roleFinding(e.role(t, n)))
			}
			p := makePlan("p1", deletePolicy, fs...)
			policy := deletePolicy
			policy.MaxDeletionsPerRun, policy.MaxDeletionsPerAccount = tt.run, tt.acct
			svc := e.service("apply", policy)
			outs, err := svc.Apply(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			wantStatuses(t, outs, tt.want...)
			last := outs[len(outs)-1]
			wantDetail(t, last, remediate.StatusRefused, tt.detail)
			e.roleGone(t, "r1")
			e.role(t, "r3")
			// The deletions an earlier apply made count.
			outs, err = svc.Apply(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			wantStatuses(t, outs, tt.again...)
			e.role(t, "r3")
		})
	}
}

// TestService_Apply_killSwitch: the kill switch stops an apply before an
// action or between two calls; applying the plan again continues it.
func TestService_Apply_killSwitch(t *testing.T) {
	t.Parallel()
	t.Run("before the first action", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{idleRole("r1"), idleRole("r2")}})
		p := makePlan("p1", deletePolicy, roleFinding(e.role(t, "r1")), roleFinding(e.role(t, "r2")))
		e.srv.ResetCalls()
		svc := e.service("apply", deletePolicy)
		svc.KillSwitch = func() (string, bool) { return "environment variable IAMSWEEP_KILL_SWITCH", true }
		outs, err := svc.Apply(t.Context(), p)
		if !errors.Is(err, remediate.ErrStopped) {
			t.Errorf("err %v, want ErrStopped", err)
		}
		wantStatuses(t, outs, remediate.StatusStopped, remediate.StatusStopped)
		for _, o := range outs {
			wantDetail(t, o, remediate.StatusStopped, "IAMSWEEP_KILL_SWITCH")
		}
		e.noChange(t, roleARN("r1"))
		if len(e.srv.Calls()) > 0 {
			t.Errorf("calls made: %v", e.srv.Calls())
		}

		svc.KillSwitch = nil
		outs, err = svc.Apply(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		wantStatuses(t, outs, remediate.StatusApplied, remediate.StatusApplied)
		e.roleGone(t, "r1")
		e.roleGone(t, "r2")
	})

	t.Run("between two calls", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{idleRole("r1"), idleRole("r2")}})
		p := makePlan("p1", deletePolicy, roleFinding(e.role(t, "r1")), roleFinding(e.role(t, "r2")))
		var engaged atomic.Bool
		log := &callLog{}
		// Engaged while the second call runs: the apply stops before the
		// third.
		svc := e.service("apply", deletePolicy, &spy{Mutator: e.m, log: log, before: func(n int) {
			if n == 2 {
				engaged.Store(true)
			}
		}})
		svc.KillSwitch = func() (string, bool) { return "file /run/iamsweep/STOP", engaged.Load() }
		outs, err := svc.Apply(t.Context(), p)
		if !errors.Is(err, remediate.ErrStopped) {
			t.Errorf("err %v, want ErrStopped", err)
		}
		wantStatuses(t, outs, remediate.StatusStopped, remediate.StatusStopped)
		wantDetail(t, outs[0], remediate.StatusStopped, "/run/iamsweep/STOP", `before "DeleteRole r1"`, "after 2 of 3 calls")
		if len(log.all()) != 2 {
			t.Errorf("calls %v, want 2", log.all())
		}

		engaged.Store(false)
		outs, err = svc.Apply(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		wantStatuses(t, outs, remediate.StatusApplied, remediate.StatusApplied)
		e.roleGone(t, "r1")
		e.roleGone(t, "r2")
		made := map[string]int{}
		for _, c := range log.all() {
			if c.err != nil {
				t.Errorf("%s %s: %v", c.principal, c.step, c.err)
			}
			if made[c.principal+" "+c.step]++; made[c.principal+" "+c.step] > 1 {
				t.Errorf("%s %s made twice", c.principal, c.step)
			}
		}
		if n := len(log.all()); n != 6 {
			t.Errorf("%d calls over both applies, want 6: %v", n, log.all())
		}
	})
}

// TestService_Apply_lease: a principal another live apply holds is
// skipped; one whose holder is gone is taken over.
func TestService_Apply_lease(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{idleRole("idle")}})
	before := e.role(t, "idle")
	if err := e.store.AcquireLease(ctx, before.ARN, "host-b:4242", now, now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	p := makePlan("p1", deletePolicy, roleFinding(before))
	e.srv.ResetCalls()
	svc := e.service("host-a:1", deletePolicy)
	svc.OwnerGone = func(string) bool { return false }
	outs, err := svc.Apply(ctx, p)
	if err != nil || len(outs) != 1 {
		t.Fatalf("Apply: %v\n%s", err, describe(outs))
	}
	wantDetail(t, outs[0], remediate.StatusSkipped, "another apply is changing this principal", "host-b:4242")
	e.noChange(t, before.ARN)
	if owner, _, err := e.store.Lease(ctx, before.ARN); err != nil || owner != "host-b:4242" {
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
	if _, _, err := e.store.Lease(ctx, before.ARN); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("lease after the apply: %v, want none", err)
	}
}

// quarantineTags returns the iamsweep tags of a principal, by key.
func quarantineTags(tags []iamsweep.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		if strings.HasPrefix(t.Key, remediate.TagPrefix) {
			out[t.Key] = t.Value
		}
	}
	return out
}

// TestService_Apply_quarantineTwice: a quarantine adds the deny policy and
// the tags, and a second quarantine, of a new plan, changes nothing.
func TestService_Apply_quarantineTwice(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{idleRole("idle")},
		Users: []*fakeaws.User{{Name: "dormant", Created: old, Password: &fakeaws.LoginProfile{LastUsed: now.AddDate(-1, 0, 0)}}}})
	role, user := e.role(t, "idle"), e.user(t, "dormant")
	outs, err := e.service("apply-1", quarantinePolicy).Apply(ctx, makePlan("p1", quarantinePolicy, roleFinding(role), userFinding(user)))
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied, remediate.StatusApplied)

	wantTags := func(planned string) map[string]string {
		return map[string]string{
			remediate.TagQuarantinedAt:    "2026-06-01T12:00:00Z",
			remediate.TagQuarantinedBy:    caller,
			remediate.TagQuarantineReason: "unused rule=no-recorded-use created=2024-01-15 plan=p1 action=" + planned,
			remediate.TagQuarantinePolicy: "inline",
		}
	}
	deny := iamsweep.NamedDocument{Name: remediate.QuarantinePolicyName, Document: remediate.QuarantineDocument(now)}
	gotRole := e.role(t, "idle")
	want := role
	want.InlinePolicies = append([]iamsweep.NamedDocument{deny}, role.InlinePolicies...)
	want.Tags, gotRole.Tags = nil, nil
	if diff := cmp.Diff(want, gotRole); diff != "" {
		t.Errorf("quarantined role, tags aside (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantTags("a001"), quarantineTags(e.role(t, "idle").Tags)); diff != "" {
		t.Errorf("quarantine tags of the role (-want +got):\n%s", diff)
	}
	gotUser := e.user(t, "dormant")
	if !slices.Contains(gotUser.InlinePolicies, deny) {
		t.Errorf("user's inline policies %v: no quarantine policy", gotUser.InlinePolicies)
	}
	if diff := cmp.Diff(wantTags("a002"), quarantineTags(gotUser.Tags)); diff != "" {
		t.Errorf("quarantine tags of the user (-want +got):\n%s", diff)
	}

	// A later scan, a new plan: nothing to change.
	e.srv.ResetCalls()
	outs, err = e.service("apply-2", quarantinePolicy).Apply(ctx, makePlan("p2", quarantinePolicy, roleFinding(e.role(t, "idle")), userFinding(gotUser)))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		wantDetail(t, o, remediate.StatusApplied, "nothing to change")
		if len(o.Steps) > 0 || !slices.Contains(o.Notes, "already quarantined") {
			t.Errorf("second quarantine: %s", describe([]remediate.Outcome{o}))
		}
	}
	if m := e.mutations(); len(m) > 0 {
		t.Errorf("second quarantine made calls: %v", m)
	}

	// Release lifts both.
	for _, arn := range []string{role.ARN, user.ARN} {
		if _, err := e.service("release", quarantinePolicy).Release(ctx, arn); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(role, e.role(t, "idle")); diff != "" {
		t.Errorf("released role (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(user, e.user(t, "dormant")); diff != "" {
		t.Errorf("released user (-before +after):\n%s", diff)
	}
}

// TestService_quarantineDenyAll: a role whose inline policies leave no
// room for the quarantine policy gets AWSDenyAll; release detaches it only
// when iamsweep attached it.
func TestService_quarantineDenyAll(t *testing.T) {
	t.Parallel()
	manyTags := func() []fakeaws.Tag {
		var out []fakeaws.Tag
		for i := range remediate.MaxTags - 3 {
			out = append(out, fakeaws.Tag{Key: "k" + string(rune('a'+i/26)) + string(rune('a'+i%26)), Value: "v"})
		}
		return out
	}
	tests := []struct {
		name string
		// denyAll: AWSDenyAll attached before the quarantine.
		denyAll bool
		// fullTags: too many tags for the quarantine's.
		fullTags bool
		// attachAfter: someone attaches AWSDenyAll after the quarantine.
		attachAfter bool
		how         string // the quarantine-policy tag; "" for none
		keepDenyAll bool
	}{
		{name: "attached by iamsweep", how: "AWSDenyAll"},
		{name: "attached before", denyAll: true, how: "preexisting AWSDenyAll", keepDenyAll: true},
		{name: "attached by iamsweep, no room for the tags", fullTags: true},
		{name: "attached before, no room for the tags", denyAll: true, fullTags: true, keepDenyAll: true},
		{name: "attached by someone during the quarantine", attachAfter: true, how: "AWSDenyAll"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			r := &fakeaws.Role{Name: "big", Created: old, Inline: bigInline(t)}
			if tt.denyAll {
				r.Attached = []fakeaws.AttachedPolicy{{Name: "AWSDenyAll", ARN: fakeaws.AWSDenyAllARN}}
			}
			if tt.fullTags {
				r.Tags = manyTags()
			}
			e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{r}})
			before := e.role(t, "big")
			outs, err := e.service("apply", quarantinePolicy).Apply(ctx, makePlan("p1", quarantinePolicy, roleFinding(before)))
			if err != nil {
				t.Fatal(err)
			}
			wantStatuses(t, outs, remediate.StatusApplied)
			if !slices.ContainsFunc(outs[0].Notes, func(n string) bool { return strings.Contains(n, "AWSDenyAll") }) {
				t.Errorf("notes %q: want AWSDenyAll named", outs[0].Notes)
			}
			q := e.role(t, "big")
			if !slices.Contains(q.AttachedPolicies, fakeaws.AWSDenyAllARN) || slices.ContainsFunc(q.InlinePolicies, func(d iamsweep.NamedDocument) bool { return d.Name == remediate.QuarantinePolicyName }) {
				t.Errorf("quarantined role: attached %v, inline %d: want AWSDenyAll and no quarantine policy", q.AttachedPolicies, len(q.InlinePolicies))
			}
			if got := quarantineTags(q.Tags)[remediate.TagQuarantinePolicy]; got != tt.how {
				t.Errorf("%s = %q, want %q", remediate.TagQuarantinePolicy, got, tt.how)
			}
			if tt.attachAfter {
				// The quarantine's attachment is iamsweep's, whoever
				// attaches it again (IAM does nothing).
				if err := e.m.Do(ctx, iamsweep.Step{Op: iamsweep.OpAttachRolePolicy, Name: "big", Target: fakeaws.AWSDenyAllARN}); err != nil {
					t.Fatal(err)
				}
			}

			res, err := e.service("release", quarantinePolicy).Release(ctx, before.ARN)
			if err != nil {
				t.Fatal(err)
			}
			after := e.role(t, "big")
			if got := slices.Contains(after.AttachedPolicies, fakeaws.AWSDenyAllARN); got != tt.keepDenyAll {
				t.Errorf("after release: AWSDenyAll attached %t, want %t (release steps %q)", got, tt.keepDenyAll, res.Steps)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("released role (-before the quarantine +after the release):\n%s", diff)
			}
			// Releasing again changes nothing.
			e.srv.ResetCalls()
			if res, err := e.service("release", quarantinePolicy).Release(ctx, before.ARN); err != nil || len(res.Steps) > 0 {
				t.Errorf("second release: %q, %v; want no steps", res.Steps, err)
			}
			if m := e.mutations(); len(m) > 0 {
				t.Errorf("second release made calls: %v", m)
			}
		})
	}

	t.Run("someone else attached AWSDenyAll to a quarantined role", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{idleRole("idle")}})
		before := e.role(t, "idle")
		outs, err := e.service("apply", quarantinePolicy).Apply(ctx, makePlan("p1", quarantinePolicy, roleFinding(before)))
		if err != nil {
			t.Fatal(err)
		}
		wantStatuses(t, outs, remediate.StatusApplied)
		if err := e.m.Do(ctx, iamsweep.Step{Op: iamsweep.OpAttachRolePolicy, Name: "idle", Target: fakeaws.AWSDenyAllARN}); err != nil {
			t.Fatal(err)
		}
		res, err := e.service("release", quarantinePolicy).Release(ctx, before.ARN)
		if err != nil {
			t.Fatal(err)
		}
		want := before
		want.AttachedPolicies = []string{fakeaws.AWSDenyAllARN, before.AttachedPolicies[0]}
		if diff := cmp.Diff(want, e.role(t, "idle")); diff != "" {
			t.Errorf("released role (-want +got), release steps %q:\n%s", res.Steps, diff)
		}
	})
}

// TestService_Restore_refusesAnotherPrincipal: a restore does not touch a
// principal someone created under the backed-up name.
func TestService_Restore_refusesAnotherPrincipal(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{idleRole("idle")},
		Users: []*fakeaws.User{{Name: "gone", Created: old, Groups: []string{"ops"}}}})
	role, user := e.role(t, "idle"), e.user(t, "gone")
	outs, err := e.service("apply", deletePolicy).Apply(ctx, makePlan("p1", deletePolicy, roleFinding(role), userFinding(user)))
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied, remediate.StatusApplied)

	newRole := iamsweep.RoleState{TrustPolicy: fakeaws.DefaultTrustPolicy, Description: "someone else's"}
	if err := e.m.Do(ctx, iamsweep.Step{Op: iamsweep.OpCreateRole, Name: "idle", Role: &newRole}); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Do(ctx, iamsweep.Step{Op: iamsweep.OpCreateUser, Name: "gone", User: &iamsweep.UserState{Path: "/new/"}}); err != nil {
		t.Fatal(err)
	}
	theirRole, theirUser := e.role(t, "idle"), e.user(t, "gone")
	e.srv.ResetCalls()
	svc := e.service("restore", deletePolicy)
	for _, tc := range []struct{ arn, newID, oldID string }{
		{role.ARN, theirRole.ID, role.ID},
		{user.ARN, theirUser.ID, user.ID},
	} {
		_, err := svc.Restore(ctx, tc.arn, remediate.RestoreOptions{})
		if err == nil || !strings.Contains(err.Error(), "someone created it since") || !strings.Contains(err.Error(), tc.newID) || !strings.Contains(err.Error(), tc.oldID) {
			t.Errorf("Restore(%s): err %v; want it refused, naming both unique IDs", tc.arn, err)
		}
	}
	if m := e.mutations(); len(m) > 0 {
		t.Errorf("the refused restores made calls: %v", m)
	}
	if diff := cmp.Diff(theirRole, e.role(t, "idle")); diff != "" {
		t.Errorf("their role changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(theirUser, e.user(t, "gone")); diff != "" {
		t.Errorf("their user changed (-before +after):\n%s", diff)
	}
}

// TestService_Restore_password: a restored user gets a console password
// only when asked, one it must change at the next sign-in; the password
// is journaled nowhere.
func TestService_Restore_password(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	const password = "N3w-Pa55word!restore"
	e := newEnv(t, &fakeaws.Account{ID: acct, Users: []*fakeaws.User{
		{Name: "pat", Created: old, Password: &fakeaws.LoginProfile{LastUsed: now.AddDate(0, -7, 0)}},
		{Name: "quinn", Created: old, Password: &fakeaws.LoginProfile{}},
	}})
	pat, quinn := e.user(t, "pat"), e.user(t, "quinn")
	outs, err := e.service("apply", deletePolicy).Apply(ctx, makePlan("p1", deletePolicy, userFinding(pat), userFinding(quinn)))
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied, remediate.StatusApplied)

	svc := e.service("restore", deletePolicy)
	res, err := svc.Restore(ctx, pat.ARN, remediate.RestoreOptions{Password: password})
	if err != nil {
		t.Fatal(err)
	}
	got := e.user(t, "pat")
	if got.LoginProfile == nil || !got.LoginProfile.PasswordResetRequired {
		t.Errorf("restored login profile %+v, want one that must be reset", got.LoginProfile)
	}
	if !slices.Contains(res.Steps, "CreateLoginProfile pat") {
		t.Errorf("restore steps %q: no CreateLoginProfile", res.Steps)
	}
	entries, err := e.store.Journal(ctx, "restore-"+res.Backup.ID, "a001")
	if err != nil || len(entries) == 0 {
		t.Fatalf("restore journal: %d entries, %v", len(entries), err)
	}
	for _, j := range entries {
		if strings.Contains(fmt.Sprintf("%+v", j), password) {
			t.Errorf("journal entry %+v holds the password", j)
		}
	}

	res, err = svc.Restore(ctx, quinn.ARN, remediate.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.user(t, "quinn"); got.LoginProfile != nil {
		t.Errorf("restored without a password: login profile %+v", got.LoginProfile)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "--reset-password") }) {
		t.Errorf("notes %q: want --reset-password suggested", res.Notes)
	}
}

// TestService_Apply_credentials: the key and password actions change the
// credential named and nothing else.
func TestService_Apply_credentials(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	const unusedKey, oldKey = "AKIAKATE000000000001", "AKIAKATE000000000002"
	e := newEnv(t, &fakeaws.Account{ID: acct, Users: []*fakeaws.User{{
		Name: "kate", Created: old, Groups: []string{"ops"},
		Password: &fakeaws.LoginProfile{LastUsed: now.AddDate(0, -5, 0)},
		AccessKeys: []*fakeaws.AccessKey{
			{ID: unusedKey, Created: old},
			{ID: oldKey, Created: old, LastUsed: now.AddDate(0, 0, -200), LastUsedService: "s3", LastUsedRegion: "eu-west-1"},
		},
	}}})
	before := e.user(t, "kate")
	policy := iamsweep.RemediationPolicy{AccessKeys: iamsweep.ActionDeactivateKey, MaxDeletionsPerRun: -1, MaxDeletionsPerAccount: -1}

	run := func(id string, p iamsweep.RemediationPolicy, f iamsweep.Finding) remediate.Outcome {
		t.Helper()
		plan := makePlan(id, p, f)
		if len(plan.Actions) != 1 {
			t.Fatalf("plan %s: %+v", id, plan.Actions)
		}
		outs, err := e.service("apply", p).Apply(ctx, plan)
		if err != nil || len(outs) != 1 {
			t.Fatalf("Apply %s: %v\n%s", id, err, describe(outs))
		}
		return outs[0]
	}

	// deactivate-key
	o := run("p-deactivate", policy, keyFinding(before, unusedKey))
	wantDetail(t, o, remediate.StatusApplied)
	want := before
	want.AccessKeys = slices.Clone(before.AccessKeys)
	want.AccessKeys[0].Active = false
	if diff := cmp.Diff(want, e.user(t, "kate")); diff != "" {
		t.Errorf("after deactivate-key (-want +got):\n%s", diff)
	}

	// delete-key
	policy.AccessKeys = iamsweep.ActionDeleteKey
	o = run("p-delete-key", policy, keyFinding(before, oldKey))
	wantDetail(t, o, remediate.StatusApplied)
	want.AccessKeys = want.AccessKeys[:1]
	if diff := cmp.Diff(want, e.user(t, "kate")); diff != "" {
		t.Errorf("after delete-key (-want +got):\n%s", diff)
	}
	// A plan made before: the key is gone.
	o = run("p-delete-key-again", policy, keyFinding(before, oldKey))
	wantDetail(t, o, remediate.StatusSkipped, "access key "+oldKey+" no longer exists")

	// delete-password
	o = run("p-delete-password", iamsweep.RemediationPolicy{Passwords: iamsweep.ActionDeletePassword, MaxDeletionsPerRun: -1, MaxDeletionsPerAccount: -1}, passwordFinding(before))
	wantDetail(t, o, remediate.StatusApplied)
	want.LoginProfile = nil
	if diff := cmp.Diff(want, e.user(t, "kate")); diff != "" {
		t.Errorf("after delete-password (-want +got):\n%s", diff)
	}

	// Each action applied took a backup of the user as it was before it.
	bs := e.backups(t, before.ARN)
	if len(bs) != 3 {
		t.Errorf("%d backups, want 3 (one per action applied)", len(bs))
	}
	for _, b := range bs {
		if b.User == nil || b.User.ID != before.ID {
			t.Errorf("backup %s: %+v", b.ID, b.User)
		}
	}
}

// TestService_Apply_serviceLinkedRole: with allow-service-linked, a
// service-linked role is deleted by its service; when the service still
// uses it, the failure names the resources.
func TestService_Apply_serviceLinkedRole(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	usage := []fakeaws.RoleUsage{
		{Region: "eu-west-1", Resources: []string{"arn:aws:busy:eu-west-1:" + acct + ":thing/a", "arn:aws:busy:eu-west-1:" + acct + ":thing/b"}},
		{Region: "us-east-1", Resources: []string{"arn:aws:busy:us-east-1:" + acct + ":thing/c"}},
	}
	e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{
		{Name: "AWSServiceRoleForExample", Path: "/aws-service-role/example.amazonaws.com/", Created: old},
		{Name: "AWSServiceRoleForBusy", Path: "/aws-service-role/busy.amazonaws.com/", Created: old, LastUsed: now.AddDate(-1, 0, 0)},
	}}, fakeaws.WithServiceLinkedRoleInUse(acct, "AWSServiceRoleForBusy", "the service still uses the role", usage...),
		fakeaws.WithServiceLinkedRoleDeletionPolls(2))
	example, busy := e.role(t, "AWSServiceRoleForExample"), e.role(t, "AWSServiceRoleForBusy")

	// Not allowed: the plan refuses them.
	p := makePlan("p-refused", deletePolicy, roleFinding(example), roleFinding(busy))
	for _, a := range p.Actions {
		if !strings.Contains(a.Refused, "--allow-service-linked") {
			t.Errorf("action %s refused %q, want --allow-service-linked named", a.ID, a.Refused)
		}
	}

	policy := deletePolicy
	policy.AllowServiceLinked = true
	p = makePlan("p1", policy, roleFinding(example), roleFinding(busy))
	outs, err := e.service("apply", policy).Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied, remediate.StatusFailed)
	if diff := cmp.Diff([]string{"DeleteServiceLinkedRole AWSServiceRoleForExample"}, outs[0].Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	e.roleGone(t, "AWSServiceRoleForExample")
	wantDetail(t, outs[1], remediate.StatusFailed,
		"DeleteServiceLinkedRole AWSServiceRoleForBusy failed",
		"the service still uses the role",
		"eu-west-1: arn:aws:busy:eu-west-1:"+acct+":thing/a, arn:aws:busy:eu-west-1:"+acct+":thing/b",
		"us-east-1: arn:aws:busy:us-east-1:"+acct+":thing/c",
		"the service that owns the role still uses it",
		"0 of 1 calls done, backup "+remediate.BackupID("p1", "a002"))
	if diff := cmp.Diff(busy, e.role(t, "AWSServiceRoleForBusy")); diff != "" {
		t.Errorf("the busy role changed (-before +after):\n%s", diff)
	}
	for _, r := range []iamsweep.RoleState{example, busy} {
		if bs := e.backups(t, r.ARN); len(bs) != 1 || bs[0].Role == nil || bs[0].Role.ID != r.ID {
			t.Errorf("backups of %s: %+v", r.ARN, bs)
		}
	}
}

// TestService_Apply_serviceLinkedRoleTimeout: a deletion task that has
// not ended when the wait does is not explained as a role in use; when it
// ends later, the next apply finds the role gone and reports the action
// applied (its own call did it), not skipped.
func TestService_Apply_serviceLinkedRoleTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{
		{Name: "AWSServiceRoleForExample", Path: "/aws-service-role/example.amazonaws.com/", Created: old},
	}}, fakeaws.WithServiceLinkedRoleDeletionPolls(1<<20))
	slow := e.client(awsapi.Options{SLRPoll: time.Millisecond, SLRTimeout: 20 * time.Millisecond})
	policy := deletePolicy
	policy.AllowServiceLinked = true
	plan := makePlan("p1", policy, roleFinding(e.role(t, "AWSServiceRoleForExample")))
	outs, err := e.service("apply", policy, slow).Apply(t.Context(), plan)
	if err != nil || len(outs) != 1 {
		t.Fatalf("Apply: %v\n%s", err, describe(outs))
	}
	wantDetail(t, outs[0], remediate.StatusFailed, "had not ended after 20ms", "run apply again")
	if strings.Contains(outs[0].Detail, "still uses it") {
		t.Errorf("detail %q: the role is not known to be in use", outs[0].Detail)
	}

	// The task ends on its own, later.
	e.srv.FinishServiceLinkedRoleDeletions()
	if _, err := e.m.ReadRole(t.Context(), "AWSServiceRoleForExample"); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Fatalf("the role is still there after its deletion task ended: %v", err)
	}

	outs, err = e.service("apply", policy).Apply(t.Context(), plan)
	if err != nil || len(outs) != 1 {
		t.Fatalf("second Apply: %v\n%s", err, describe(outs))
	}
	wantDetail(t, outs[0], remediate.StatusApplied, "is gone")
	if got := e.mutations(); len(got) != 1 {
		t.Errorf("mutations %v, want the one DeleteServiceLinkedRole", got)
	}
}
