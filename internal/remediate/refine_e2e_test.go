package remediate_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/policy"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// The refine actions, end to end: the real SDK client against the fake.

const (
	refineRole = "app"
	adminARN   = "arn:aws:iam::aws:policy/AdministratorAccess"
	sharedARN  = "arn:aws:iam::" + acct + ":policy/ops/shared-ops"
)

func allow(actions ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
}

const denyIAM = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`

// refineAccount holds role app, refined below, and role other, which
// shares the customer managed policy shared-ops with it.
func refineAccount() *fakeaws.Account {
	return &fakeaws.Account{
		ID: acct,
		Policies: []*fakeaws.ManagedPolicy{{Name: "shared-ops", Path: "/ops/", Created: old,
			Document: allow("ec2:Describe*", "logs:*")}},
		Roles: []*fakeaws.Role{
			{
				Name: refineRole, Created: old, LastUsed: now.AddDate(0, 0, -1), LastUsedRegion: "eu-west-1",
				Tags: []fakeaws.Tag{{Key: "team", Value: "web"}},
				Inline: []fakeaws.InlinePolicy{
					{Name: "deny-iam", Document: denyIAM},
					{Name: "s3-rw", Document: allow("s3:*")},
					{Name: "sqs-all", Document: allow("sqs:*")},
				},
				Attached: []fakeaws.AttachedPolicy{{Name: "shared-ops", ARN: sharedARN}, {Name: "AdministratorAccess", ARN: adminARN}},
			},
			{Name: "other", Created: old, Attached: []fakeaws.AttachedPolicy{{Name: "shared-ops", ARN: sharedARN}}},
		},
	}
}

// refineChanges are what iamsweep refine recommends for role app: its
// inline s3-rw narrowed, sqs-all deleted, and refined copies of the
// shared customer managed policy and of AdministratorAccess.
func refineChanges() []iamsweep.PolicyChange {
	return []iamsweep.PolicyChange{
		{Policy: "s3-rw", Inline: true, Document: allow("s3:*"), Refined: allow("s3:GetObject")},
		{Policy: "sqs-all", Inline: true, Document: allow("sqs:*")},
		{Policy: sharedARN, Document: allow("ec2:Describe*", "logs:*"), Refined: allow("ec2:DescribeInstances"), RefinedName: "shared-ops-app-refined"},
		{Policy: adminARN, Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			Refined: allow("s3:GetObject", "ec2:DescribeInstances"), RefinedName: "AdministratorAccess-app-refined"},
	}
}

var (
	refinedShared = "arn:aws:iam::" + acct + ":policy/iamsweep/refined/shared-ops-app-refined"
	refinedAdmin  = "arn:aws:iam::" + acct + ":policy/iamsweep/refined/AdministratorAccess-app-refined"
)

// refineCalls are the calls of the refinement of app: the new documents
// first, then the attachments, then the removals.
var refineCalls = []string{
	"PutRolePolicy s3-rw",
	"CreatePolicy " + refinedShared,
	"CreatePolicy " + refinedAdmin,
	"AttachRolePolicy " + refinedShared,
	"AttachRolePolicy " + refinedAdmin,
	"DeleteRolePolicy sqs-all",
	"DetachRolePolicy " + sharedARN,
	"DetachRolePolicy " + adminARN,
}

// refinePlan is a plan of one refine action on role r.
func refinePlan(id string, r iamsweep.RoleState, changes []iamsweep.PolicyChange) iamsweep.Plan {
	return iamsweep.Plan{ID: id, Created: now, AsOf: now, Actions: []iamsweep.Action{{
		ID: "a001", Kind: iamsweep.ActionRefine, Principal: "role", AccountID: acct, ARN: r.ARN, Name: r.Name, Path: r.Path,
		Changes: changes,
		Finding: iamsweep.Finding{Type: iamsweep.TypeUnusedPermission, AccountID: acct, ARN: r.ARN, PrincipalID: r.ID,
			Name: r.Name, Path: r.Path, Tags: r.Tags},
	}}}
}

// readingSpy is a spy that also reads managed policies, as the adapter
// does.
type readingSpy struct {
	*spy
	pr iamsweep.PolicyReader
}

func (r readingSpy) ReadPolicy(ctx context.Context, arn string) (iamsweep.ManagedPolicy, error) {
	return r.pr.ReadPolicy(ctx, arn)
}

func (e *env) readingSpy(s *spy) readingSpy {
	s.Mutator = e.m
	return readingSpy{spy: s, pr: e.m.(iamsweep.PolicyReader)}
}

func (e *env) policy(t testing.TB, arn string) (iamsweep.ManagedPolicy, error) {
	t.Helper()
	return e.m.(iamsweep.PolicyReader).ReadPolicy(t.Context(), arn)
}

func canon(t testing.TB, doc string) string {
	t.Helper()
	d, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return string(policy.Marshal(d))
}

// wantRefined checks role app as the refinement leaves it, and that the
// shared policy was neither edited nor detached from role other.
func wantRefined(t testing.TB, e *env, before iamsweep.RoleState) {
	t.Helper()
	got := e.role(t, refineRole)
	if got.ID != before.ID {
		t.Errorf("unique ID %s, was %s", got.ID, before.ID)
	}
	var inline []string
	for _, d := range got.InlinePolicies {
		inline = append(inline, d.Name+" "+canon(t, d.Document))
	}
	wantInline := []string{"deny-iam " + canon(t, denyIAM), "s3-rw " + canon(t, allow("s3:GetObject"))}
	if diff := cmp.Diff(wantInline, inline); diff != "" {
		t.Errorf("inline policies (-want +got):\n%s", diff)
	}
	wantAttached := []string{refinedAdmin, refinedShared}
	if diff := cmp.Diff(wantAttached, got.AttachedPolicies); diff != "" {
		t.Errorf("attached policies (-want +got):\n%s", diff)
	}
	for arn, doc := range map[string]string{refinedShared: allow("ec2:DescribeInstances"), refinedAdmin: allow("s3:GetObject", "ec2:DescribeInstances")} {
		p, err := e.policy(t, arn)
		if err != nil {
			t.Fatalf("the refined policy: %v", err)
		}
		if string(policy.Marshal(p.Document)) != canon(t, doc) || p.AttachmentCount != 1 {
			t.Errorf("refined policy %s: %s attached %d times, want %s once", arn, policy.Marshal(p.Document), p.AttachmentCount, doc)
		}
	}
	wantShared(t, e)
}

// wantShared checks that the shared customer managed policy is as it was
// and still attached to role other.
func wantShared(t testing.TB, e *env) {
	t.Helper()
	shared, err := e.policy(t, sharedARN)
	if err != nil {
		t.Fatal(err)
	}
	if shared.DefaultVersionID != "v1" || string(policy.Marshal(shared.Document)) != canon(t, allow("ec2:Describe*", "logs:*")) {
		t.Errorf("the shared policy was edited: %s %s", shared.DefaultVersionID, policy.Marshal(shared.Document))
	}
	if other := e.role(t, "other"); !slices.Equal(other.AttachedPolicies, []string{sharedARN}) {
		t.Errorf("role other holds %v, want the shared policy still", other.AttachedPolicies)
	}
}

// TestService_Apply_refine applies a refinement and restores the role:
// the backup first, the change the role's own (the shared policy is
// neither edited nor detached from the other role), the Deny-only policy
// untouched; restore puts every policy back and deletes the refined
// copies.
func TestService_Apply_refine(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, refineAccount())
	before := e.role(t, refineRole)
	p := refinePlan("p-refine", before, refineChanges())
	log := &callLog{}
	outs, err := e.service("apply", quarantinePolicy, e.readingSpy(&spy{log: log})).Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied)
	if diff := cmp.Diff(refineCalls, outs[0].Steps); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	wantRefined(t, e, before)
	created, err := e.policy(t, refinedShared)
	if err != nil {
		t.Fatal(err)
	}
	if created.Path != remediate.RefinedPolicyPath {
		t.Errorf("refined policy path %q, want %q", created.Path, remediate.RefinedPolicyPath)
	}

	// The backup, taken first, is the role before.
	bs := e.backups(t, before.ARN)
	if len(bs) != 1 || bs[0].ID != outs[0].BackupID {
		t.Fatalf("backups %v, want the one of the outcome %s", bs, outs[0].BackupID)
	}
	if diff := cmp.Diff(before, *bs[0].Role); diff != "" {
		t.Errorf("backup (-before +backup):\n%s", diff)
	}
	entries, err := e.store.Journal(ctx, p.ID, "a001")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[0].Step.Kind != iamsweep.JournalBackup {
		t.Errorf("journal %+v: want the backup first", entries)
	}

	// Applying the plan again changes nothing.
	e.srv.ResetCalls()
	outs, err = e.service("again", quarantinePolicy).Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusAlready)
	if m := e.mutations(); len(m) > 0 {
		t.Errorf("second apply made calls: %v", m)
	}

	// Restore brings every policy back and deletes the refined copies.
	res, err := e.service("restore", quarantinePolicy).Restore(ctx, before.ARN, remediate.RestoreOptions{})
	if err != nil {
		t.Fatalf("restore: %v (%+v)", err, res)
	}
	if len(res.Differences) > 0 || !res.Existed || res.NewID != before.ID {
		t.Errorf("restore: %+v", res)
	}
	after := e.role(t, refineRole)
	if diff := cmp.Diff(restorableRole(before), restorableRole(after), equateEmpty); diff != "" {
		t.Errorf("restored role (-before +after):\n%s", diff)
	}
	for _, arn := range []string{refinedShared, refinedAdmin} {
		if _, err := e.policy(t, arn); !errors.Is(err, iamsweep.ErrNotFound) {
			t.Errorf("refined policy %s after the restore: %v, want it deleted", arn, err)
		}
	}
	wantShared(t, e)
}

// A refined policy another principal was given since is detached from the
// restored one and kept.
func TestService_Restore_refinedPolicyInUse(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, refineAccount())
	before := e.role(t, refineRole)
	if _, err := e.service("apply", quarantinePolicy).Apply(ctx, refinePlan("p-refine", before, refineChanges())); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Do(ctx, iamsweep.Step{Op: iamsweep.OpAttachRolePolicy, Name: "other", Target: refinedShared}); err != nil {
		t.Fatal(err)
	}
	res, err := e.service("restore", quarantinePolicy).Restore(ctx, before.ARN, remediate.RestoreOptions{})
	if err != nil || len(res.Differences) > 0 {
		t.Fatalf("restore: %v %+v", err, res)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, refinedShared) && strings.Contains(n, "kept") }) {
		t.Errorf("notes %q: want one saying %s was kept", res.Notes, refinedShared)
	}
	if _, err := e.policy(t, refinedShared); err != nil {
		t.Errorf("the refined policy another role holds: %v, want it kept", err)
	}
	if _, err := e.policy(t, refinedAdmin); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("the refined policy nobody holds: %v, want it deleted", err)
	}
}

// The re-check right before acting: a policy changed since the refinement
// skips the action, and nothing changes.
func TestService_Apply_refineRecheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(e *env) error
		detail string
	}{
		{"inline changed", func(e *env) error {
			return e.m.Do(context.Background(), iamsweep.Step{Op: iamsweep.OpPutRolePolicy, Name: refineRole, Target: "s3-rw", Document: allow("s3:*", "kms:Decrypt")})
		}, "inline policy s3-rw changed since the refinement"},
		{"inline gone", func(e *env) error {
			return e.m.Do(context.Background(), iamsweep.Step{Op: iamsweep.OpDeleteRolePolicy, Name: refineRole, Target: "sqs-all"})
		}, "inline policy sqs-all is gone"},
		{"managed detached", func(e *env) error {
			return e.m.Do(context.Background(), iamsweep.Step{Op: iamsweep.OpDetachRolePolicy, Name: refineRole, Target: sharedARN})
		}, "no longer attached"},
		{"recreated", func(e *env) error {
			ctx := context.Background()
			r := e.role(nilT{}, refineRole)
			for _, st := range remediate.DeleteRoleSteps(r, r, nil) {
				if err := e.m.Do(ctx, st); err != nil {
					return err
				}
			}
			r.Tags = nil
			return e.m.Do(ctx, iamsweep.Step{Op: iamsweep.OpCreateRole, Name: refineRole, Role: &r})
		}, "deleted and recreated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, refineAccount())
			p := refinePlan("p-refine", e.role(t, refineRole), refineChanges())
			if err := tt.change(e); err != nil {
				t.Fatal(err)
			}
			e.srv.ResetCalls()
			outs, err := e.service("apply", quarantinePolicy).Apply(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			wantDetail(t, outs[0], remediate.StatusSkipped, tt.detail)
			if m := e.mutations(); len(m) > 0 {
				t.Errorf("a skipped refinement made calls: %v", m)
			}
		})
	}
}

// nilT is a testing.TB for helpers called where no test is at hand; a
// failure panics.
type nilT struct{ testing.TB }

func (nilT) Helper()                   {}
func (nilT) Context() context.Context  { return context.Background() }
func (nilT) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

// The guardrails of refine actions hold at apply, for a plan edited by
// hand as for one made under other settings.
func TestService_Apply_refineRefused(t *testing.T) {
	t.Parallel()
	edit := func(f func(c []iamsweep.PolicyChange) []iamsweep.PolicyChange) []iamsweep.PolicyChange {
		return f(refineChanges())
	}
	tests := []struct {
		name    string
		changes []iamsweep.PolicyChange
		policy  func(p *iamsweep.RemediationPolicy)
		detail  string
	}{
		{"Deny-only policy", edit(func(c []iamsweep.PolicyChange) []iamsweep.PolicyChange {
			return append(c, iamsweep.PolicyChange{Policy: "deny-iam", Inline: true, Document: denyIAM})
		}), nil, "Deny statements only"},
		{"removes a Deny", edit(func(c []iamsweep.PolicyChange) []iamsweep.PolicyChange {
			mixed := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`
			c[1].Document = mixed
			return c
		}), nil, "never removes a Deny"},
		{"refined widens", edit(func(c []iamsweep.PolicyChange) []iamsweep.PolicyChange {
			c[0].Refined = allow("s3:GetObject", "iam:PassRole")
			return c
		}), nil, "allows more than the existing one"},
		{"refined drops a condition", edit(func(c []iamsweep.PolicyChange) []iamsweep.PolicyChange {
			c[2].Document = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`
			return c
		}), nil, "allows more than the existing one"},
		{"protected account", refineChanges(), func(p *iamsweep.RemediationPolicy) { p.ProtectedAccounts = []string{acct} }, "is protected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, refineAccount())
			pol := quarantinePolicy
			if tt.policy != nil {
				tt.policy(&pol)
			}
			e.srv.ResetCalls()
			outs, err := e.service("apply", pol).Apply(t.Context(), refinePlan("p-refine", e.role(t, refineRole), tt.changes))
			if err != nil {
				t.Fatal(err)
			}
			wantDetail(t, outs[0], remediate.StatusRefused, tt.detail)
			if m := e.mutations(); len(m) > 0 {
				t.Errorf("a refused refinement made calls: %v", m)
			}
		})
	}
}

// A refine action without changes is refused when the plan is saved.
func TestService_Apply_refineWithoutChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, refineAccount())
	_, err := e.service("apply", quarantinePolicy).Apply(t.Context(), refinePlan("p-refine", e.role(t, refineRole), nil))
	var ie *iamsweep.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "at least one policy change") {
		t.Errorf("err %v, want an input error naming the missing changes", err)
	}
	if why := remediate.RefineGuard(iamsweep.Action{Kind: iamsweep.ActionRefine}); !strings.Contains(why, "without policy changes") {
		t.Errorf("RefineGuard of no changes: %q", why)
	}
}

// The kill switch stops a refinement between two calls; apply again
// finishes it.
func TestService_Apply_refineKillSwitch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, refineAccount())
	before := e.role(t, refineRole)
	p := refinePlan("p-refine", before, refineChanges())
	engaged := false
	s := &spy{log: &callLog{}, before: func(n int) { engaged = engaged || n == 3 }}
	svc := e.service("apply", quarantinePolicy, e.readingSpy(s))
	svc.KillSwitch = func() (string, bool) { return "test switch", engaged }
	outs, err := svc.Apply(ctx, p)
	if !errors.Is(err, remediate.ErrStopped) {
		t.Fatalf("err %v, want the kill switch", err)
	}
	wantDetail(t, outs[0], remediate.StatusStopped, "kill switch engaged (test switch)", "after 3 of 8 calls")
	outs, err = e.service("apply-2", quarantinePolicy).Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied)
	if diff := cmp.Diff(refineCalls[3:], outs[0].Steps); diff != "" {
		t.Errorf("calls of the second apply (-want +got):\n%s", diff)
	}
	wantRefined(t, e, before)
}

// TestService_Apply_refineCrash interrupts the refinement at each of its
// calls in turn, the call failing without being made or going through
// before the process dies; applying the plan again finishes it with each
// call made once, and a restore from the one backup gives the role back.
func TestService_Apply_refineCrash(t *testing.T) {
	t.Parallel()
	for k := 1; k <= len(refineCalls); k++ {
		for _, crashes := range []bool{false, true} {
			t.Run(fmt.Sprintf("call %d crashes %t %s", k, crashes, refineCalls[k-1]), func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				e := newEnv(t, refineAccount())
				before := e.role(t, refineRole)
				p := refinePlan("p-refine", before, refineChanges())
				log := &callLog{}
				first := &spy{log: log}
				svc1 := e.service("run-1", quarantinePolicy, e.readingSpy(first))
				if crashes {
					dying := &dyingStore{Store: e.store}
					first.crashAt, first.onCrash = k, dying.die
					svc1.Store = dying
				} else {
					first.failAt = k
				}
				outs, crashed, err := applyCatching(ctx, svc1, p)
				switch {
				case crashes && (crashed == nil || crashed.step != refineCalls[k-1]):
					t.Fatalf("run 1 crashed at %v, want %q: %v\n%s", crashed, refineCalls[k-1], err, describe(outs))
				case !crashes && (len(outs) != 1 || outs[0].Status != remediate.StatusFailed):
					t.Fatalf("run 1: %v, want one failed outcome:\n%s", err, describe(outs))
				}
				svc2 := e.service("run-2", quarantinePolicy, e.readingSpy(&spy{log: log}))
				svc2.OwnerGone = func(owner string) bool { return owner == "run-1" }
				outs, err = svc2.Apply(ctx, p)
				if err != nil || len(outs) != 1 || outs[0].Status != remediate.StatusApplied {
					t.Fatalf("run 2: %v\n%s", err, describe(outs))
				}
				var made []string
				for step, n := range log.succeeded() {
					for range n {
						made = append(made, step)
					}
				}
				slices.Sort(made)
				want := slices.Clone(refineCalls)
				slices.Sort(want)
				if diff := cmp.Diff(want, made); diff != "" {
					t.Errorf("calls that went through over both runs (-each once +made):\n%s", diff)
				}
				wantRefined(t, e, before)
				bs := e.backups(t, before.ARN)
				if len(bs) != 1 {
					t.Fatalf("%d backups, want 1", len(bs))
				}
				if diff := cmp.Diff(before, *bs[0].Role); diff != "" {
					t.Errorf("backup (-before +backup):\n%s", diff)
				}
				res, err := e.service("restore", quarantinePolicy).Restore(ctx, before.ARN, remediate.RestoreOptions{})
				if err != nil || len(res.Differences) > 0 {
					t.Fatalf("restore: %v %+v", err, res)
				}
				if diff := cmp.Diff(restorableRole(before), restorableRole(e.role(t, refineRole)), equateEmpty); diff != "" {
					t.Errorf("restored role (-before +after):\n%s", diff)
				}
			})
		}
	}
}

// A principal at IAM's quota of managed policies: each refined copy is
// attached once room is made, the existing policy it replaces detached
// first, and a note says so.
func TestService_Apply_refineAtQuota(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, refineAccount(), fakeaws.WithQuota("AttachedPoliciesPerRoleQuota", 2))
	before := e.role(t, refineRole)
	outs, err := e.service("apply", quarantinePolicy).Apply(ctx, refinePlan("p-refine", before, refineChanges()))
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied)
	wantRefined(t, e, before)
	want := []string{
		"PutRolePolicy s3-rw",
		"CreatePolicy " + refinedShared,
		"CreatePolicy " + refinedAdmin,
		"DetachRolePolicy " + sharedARN,
		"AttachRolePolicy " + refinedShared,
		"DetachRolePolicy " + adminARN,
		"AttachRolePolicy " + refinedAdmin,
		"DeleteRolePolicy sqs-all",
	}
	if diff := cmp.Diff(want, outs[0].Steps); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if len(outs[0].Notes) != 2 || !strings.Contains(outs[0].Notes[0], "detached "+sharedARN+" before attaching "+refinedShared+", so for a moment") {
		t.Errorf("notes %q: want one per detachment made first", outs[0].Notes)
	}
	res, err := e.service("restore", quarantinePolicy).Restore(ctx, before.ARN, remediate.RestoreOptions{})
	if err != nil || len(res.Differences) > 0 {
		t.Fatalf("restore: %v %+v", err, res)
	}
	if diff := cmp.Diff(restorableRole(before), restorableRole(e.role(t, refineRole)), equateEmpty); diff != "" {
		t.Errorf("restored role (-before +after):\n%s", diff)
	}
}

// RoomForAttach prefers a detachment that leaves no gap.
func TestRoomForAttach(t *testing.T) {
	a := iamsweep.Action{Principal: "role", ARN: "arn:aws:iam::" + acct + ":role/app", Changes: refineChanges()}
	a.Changes = append(a.Changes, iamsweep.PolicyChange{Policy: "arn:aws:iam::" + acct + ":policy/unused", Document: allow("kms:*")})
	steps := []iamsweep.Step{
		{Op: iamsweep.OpAttachRolePolicy, Target: refinedShared},
		{Op: iamsweep.OpAttachRolePolicy, Target: refinedAdmin},
		{Op: iamsweep.OpDetachRolePolicy, Target: sharedARN},
		{Op: iamsweep.OpDetachRolePolicy, Target: adminARN},
		{Op: iamsweep.OpDetachRolePolicy, Target: "arn:aws:iam::" + acct + ":policy/unused"},
	}
	if j, gap, ok := remediate.RoomForAttach(a, steps, 0, nil); !ok || gap || j != 4 {
		t.Errorf("first attach: %d %t %t, want the unused policy's detachment (4) without a gap", j, gap, ok)
	}
	if j, gap, ok := remediate.RoomForAttach(a, steps[:4], 1, nil); !ok || gap || j != 2 {
		t.Errorf("second attach: %d %t %t, want the detachment of the policy already replaced (2)", j, gap, ok)
	}
	if j, gap, ok := remediate.RoomForAttach(a, steps[:4], 0, nil); !ok || !gap || j != 2 {
		t.Errorf("first attach, no unused policy: %d %t %t, want its own policy's detachment (2) with a gap", j, gap, ok)
	}
	if _, _, ok := remediate.RoomForAttach(a, steps[:2], 0, nil); ok {
		t.Error("no detachment left: ok")
	}
}

// A user is refined and restored as a role is, with the user's calls.
func TestService_Apply_refineUser(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	acctState := refineAccount()
	acctState.Users = []*fakeaws.User{{Name: "dev", Path: "/people/", Created: old,
		Inline:   []fakeaws.InlinePolicy{{Name: "s3-rw", Document: allow("s3:*")}, {Name: "sqs-all", Document: allow("sqs:*")}},
		Attached: []fakeaws.AttachedPolicy{{Name: "shared-ops", ARN: sharedARN}}}}
	e := newEnv(t, acctState)
	before := e.user(t, "dev")
	p := iamsweep.Plan{ID: "p-user", Created: now, AsOf: now, Actions: []iamsweep.Action{{
		ID: "a001", Kind: iamsweep.ActionRefine, Principal: "user", AccountID: acct, ARN: before.ARN, Name: "dev", Path: "/people/",
		Changes: refineChanges()[:3],
		Finding: iamsweep.Finding{Type: iamsweep.TypeUnusedPermission, AccountID: acct, ARN: before.ARN, PrincipalID: before.ID, Name: "dev", Path: "/people/"},
	}}}
	p.Actions[0].Changes[2].RefinedName = "shared-ops-dev-refined"
	outs, err := e.service("apply", quarantinePolicy).Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, outs, remediate.StatusApplied)
	refined := "arn:aws:iam::" + acct + ":policy/iamsweep/refined/shared-ops-dev-refined"
	want := []string{"PutUserPolicy s3-rw", "CreatePolicy " + refined, "AttachUserPolicy " + refined, "DeleteUserPolicy sqs-all", "DetachUserPolicy " + sharedARN}
	if diff := cmp.Diff(want, outs[0].Steps); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if got := e.user(t, "dev"); !slices.Equal(got.AttachedPolicies, []string{refined}) || len(got.InlinePolicies) != 1 {
		t.Errorf("user after apply: %v %v", got.AttachedPolicies, got.InlinePolicies)
	}
	wantShared(t, e)
	res, err := e.service("restore", quarantinePolicy).Restore(ctx, before.ARN, remediate.RestoreOptions{})
	if err != nil || len(res.Differences) > 0 {
		t.Fatalf("restore: %v %+v", err, res)
	}
	if diff := cmp.Diff(restorableUser(before), restorableUser(e.user(t, "dev")), equateEmpty); diff != "" {
		t.Errorf("restored user (-before +after):\n%s", diff)
	}
	if _, err := e.policy(t, refined); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("the refined policy after restore: %v", err)
	}
}
