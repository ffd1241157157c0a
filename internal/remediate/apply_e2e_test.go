package remediate_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
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
