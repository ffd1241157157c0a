package remediate_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

const (
	crashRole    = "crash-role"
	crashUser    = "crash-user"
	crashVirtual = "arn:aws:iam::" + acct + ":mfa/crash-user"
)

var crashProfiles = []string{"crash-a", "crash-b"}

// crashAccount holds a role and a user with every dependent a deletion
// removes.
func crashAccount(t testing.TB) *fakeaws.Account {
	r := newGen(t, 7)
	doc := func(action string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
	}
	return &fakeaws.Account{
		ID: acct,
		Roles: []*fakeaws.Role{{
			Name: crashRole, Path: "/svc/", Created: old, Description: "a role with every dependent", MaxSessionDuration: 7200,
			LastUsed: now.AddDate(0, -6, 0), LastUsedRegion: "eu-west-1",
			Boundary: boundaries[0], Tags: []fakeaws.Tag{{Key: "team", Value: "payments"}, {Key: "env", Value: "prod"}},
			Inline:   []fakeaws.InlinePolicy{{Name: "s3-read", Document: doc("s3:GetObject")}, {Name: "sqs-send", Document: doc("sqs:SendMessage")}},
			Attached: []fakeaws.AttachedPolicy{managedPolicies[0], managedPolicies[3]},
			InstanceProfiles: []fakeaws.InstanceProfile{
				{Name: crashProfiles[0], Tags: []fakeaws.Tag{{Key: "owner", Value: "payments"}}},
				{Name: crashProfiles[1], Path: "/web/"},
			},
		}},
		Users: []*fakeaws.User{{
			Name: crashUser, Path: "/dev/", Created: old, Tags: []fakeaws.Tag{{Key: "owner", Value: "crash@example.com"}},
			Groups:   []string{"developers", "ops"},
			Inline:   []fakeaws.InlinePolicy{{Name: "kms", Document: doc("kms:Decrypt")}},
			Attached: []fakeaws.AttachedPolicy{managedPolicies[1]},
			Boundary: boundaries[2],
			Password: &fakeaws.LoginProfile{Created: old.Add(time.Hour), LastUsed: now.AddDate(0, -5, 0)},
			AccessKeys: []*fakeaws.AccessKey{
				{Created: old.Add(2 * time.Hour), LastUsed: now.AddDate(0, -4, 0), LastUsedService: "s3", LastUsedRegion: "eu-west-1"},
				{Created: old.Add(3 * time.Hour), Inactive: true},
			},
			MFADevices:          []fakeaws.MFADevice{{SerialNumber: crashVirtual}, {SerialNumber: "GAHT00CRASH1"}},
			SSHPublicKeys:       []*fakeaws.SSHPublicKey{{Body: sshKey(r.r), Inactive: true}},
			SigningCertificates: []*fakeaws.SigningCertificate{{Body: certificate(t, 1001)}},
			ServiceCredentials:  []*fakeaws.ServiceCredential{{ServiceName: "codecommit.amazonaws.com"}},
		}},
	}
}

// crashCase is a principal of crashAccount and how to read and plan it.
type crashCase struct {
	name string
	// calls is the number of IAM calls its deletion makes.
	calls int
	read  func(t testing.TB, e *env) any
	arn   func(state any) string
	plan  func(state any) iamsweep.Plan
	gone  func(t testing.TB, e *env)
	// backup returns the state a backup holds.
	backup func(b iamsweep.Backup) any
}

var crashCases = []crashCase{
	{
		name: "role",
		// 2 profiles (remove, delete), 2 inline, 2 managed, boundary, role.
		calls: 10,
		read:  func(t testing.TB, e *env) any { return e.role(t, crashRole) },
		arn:   func(s any) string { return s.(iamsweep.RoleState).ARN },
		plan: func(s any) iamsweep.Plan {
			return makePlan("p-crash", deletePolicy, roleFinding(s.(iamsweep.RoleState)))
		},
		gone:   func(t testing.TB, e *env) { e.roleGone(t, crashRole, crashProfiles...) },
		backup: func(b iamsweep.Backup) any { return *b.Role },
	},
	{
		name: "user",
		// Password, 2 keys, certificate, SSH key, service credential, 2
		// MFA devices (and the virtual one deleted), inline, managed, 2
		// groups, boundary, user.
		calls: 15,
		read:  func(t testing.TB, e *env) any { return e.user(t, crashUser) },
		arn:   func(s any) string { return s.(iamsweep.UserState).ARN },
		plan: func(s any) iamsweep.Plan {
			return makePlan("p-crash", deletePolicy, userFinding(s.(iamsweep.UserState)))
		},
		gone:   func(t testing.TB, e *env) { e.userGone(t, crashUser, crashVirtual) },
		backup: func(b iamsweep.Backup) any { return *b.User },
	},
}

// TestService_Apply_crash interrupts the deletion of a role and of a user
// at each of its IAM calls in turn, in two ways: (a) the call fails
// without being made; (b) the call goes through and the process dies
// before it can journal it (nothing it would write after reaches the
// store, its lease included). Applying the plan again from a new process
// must finish the deletion from where it stopped: the principal and what
// it held gone, the backup the one of the principal before any change,
// and no call that went through made twice.
func TestService_Apply_crash(t *testing.T) {
	t.Parallel()
	for _, cc := range crashCases {
		t.Run(cc.name, func(t *testing.T) {
			t.Parallel()
			// A run that nothing interrupts: the calls, in order.
			e := newEnv(t, crashAccount(t))
			log := &callLog{}
			outs, err := e.service("clean", deletePolicy, &spy{Mutator: e.m, log: log}).Apply(t.Context(), cc.plan(cc.read(t, e)))
			if err != nil || len(outs) != 1 || outs[0].Status != remediate.StatusApplied {
				t.Fatalf("clean run: %v\n%s", err, describe(outs))
			}
			var ref []string
			for _, c := range log.all() {
				if c.err != nil {
					t.Fatalf("clean run: %s: %v", c.step, c.err)
				}
				ref = append(ref, c.step)
			}
			if len(ref) != cc.calls {
				t.Fatalf("clean run made %d calls, want %d: %q", len(ref), cc.calls, ref)
			}
			for k := 1; k <= len(ref); k++ {
				for _, variant := range []string{"fails", "crashes"} {
					t.Run(fmt.Sprintf("call %d %s %s", k, variant, ref[k-1]), func(t *testing.T) {
						t.Parallel()
						crashAt(t, cc, ref, k, variant == "crashes")
					})
				}
			}
		})
	}
}

// crashAt interrupts the deletion of cc at its k-th call and applies the
// plan again.
func crashAt(t *testing.T, cc crashCase, ref []string, k int, crashes bool) {
	ctx := t.Context()
	e := newEnv(t, crashAccount(t))
	before := cc.read(t, e)
	arn := cc.arn(before)
	p := cc.plan(before)
	log := &callLog{}

	// The first run.
	first := &spy{Mutator: e.m, log: log}
	svc1 := e.service("run-1", deletePolicy, first)
	dying := &dyingStore{Store: e.store}
	if crashes {
		first.crashAt, first.onCrash = k, dying.die
		svc1.Store = dying
	} else {
		first.failAt = k
	}
	outs, crashed, err := applyCatching(ctx, svc1, p)
	switch {
	case crashes && crashed == nil:
		t.Fatalf("run 1 did not crash: %v\n%s", err, describe(outs))
	case crashes && crashed.step != ref[k-1]:
		t.Fatalf("run 1 crashed at %q, want %q", crashed.step, ref[k-1])
	case !crashes:
		if err != nil || len(outs) != 1 || outs[0].Status != remediate.StatusFailed {
			t.Fatalf("run 1: err %v, want one failed outcome:\n%s", err, describe(outs))
		}
		d := outs[0].Detail
		if !strings.Contains(d, ref[k-1]+" failed") || !strings.Contains(d, errInjected.Error()) ||
			!strings.Contains(d, fmt.Sprintf("%d of %d calls done", k-1, len(ref))) {
			t.Errorf("run 1 detail %q: want it to name the call, the error and %d of %d calls done", d, k-1, len(ref))
		}
	}

	// The journal says where the first run stopped.
	entries, err := e.store.Journal(ctx, p.ID, "a001")
	if err != nil {
		t.Fatal(err)
	}
	var calls []iamsweep.JournalEntry
	backupJournaled := false
	for _, j := range entries {
		switch j.Step.Kind {
		case iamsweep.JournalBackup:
			backupJournaled = j.Outcome == iamsweep.OutcomeDone && j.Step.BackupID == remediate.BackupID(p.ID, "a001")
		case iamsweep.JournalCall:
			calls = append(calls, j)
		}
	}
	if !backupJournaled {
		t.Errorf("journal %+v: no backup entry", entries)
	}
	var journaled []string
	for _, j := range calls {
		journaled = append(journaled, j.Step.String())
	}
	if diff := cmp.Diff(ref[:k], journaled); diff != "" {
		t.Fatalf("journal of run 1 (-want +got):\n%s", diff)
	}
	for i, j := range calls[:k-1] {
		if j.Outcome != iamsweep.OutcomeDone {
			t.Errorf("journal entry %d %q: outcome %q, want done", i+1, j.Step, j.Outcome)
		}
	}
	last := calls[k-1]
	switch {
	case crashes && (last.Outcome != iamsweep.OutcomePending || !last.Finished.IsZero()):
		t.Errorf("journal entry of the call run 1 died in: %+v, want it begun and never finished", last)
	case !crashes && (last.Outcome != iamsweep.OutcomeFailed || !strings.Contains(last.Detail, errInjected.Error())):
		t.Errorf("journal entry of the failed call: %+v, want failed with the error", last)
	}
	if crashes {
		// A dead process keeps its lease until it expires.
		if owner, _, err := e.store.Lease(ctx, arn); err != nil || owner != "run-1" {
			t.Errorf("lease after the crash: %q, %v; want run-1's", owner, err)
		}
	}

	// The second run, by a new process that knows run 1 is gone.
	var events []string
	var mu sync.Mutex
	svc2 := e.service("run-2", deletePolicy, &spy{Mutator: e.m, log: log})
	svc2.OwnerGone = func(owner string) bool { return owner == "run-1" }
	svc2.Events = func(ev remediate.Event) {
		mu.Lock()
		events = append(events, ev.Message)
		mu.Unlock()
	}
	outs, err = svc2.Apply(ctx, p)
	if err != nil || len(outs) != 1 || outs[0].Status != remediate.StatusApplied {
		t.Fatalf("run 2: err %v, want one applied outcome:\n%s", err, describe(outs))
	}
	if id := remediate.BackupID(p.ID, "a001"); outs[0].BackupID != id {
		t.Errorf("run 2 backup %q, want %q (run 1's)", outs[0].BackupID, id)
	}
	said := strings.Join(events, "\n")
	switch {
	case crashes && !strings.Contains(said, fmt.Sprintf("interrupted during %q", ref[k-1])):
		t.Errorf("run 2 events do not say where run 1 was interrupted:\n%s", said)
	case crashes && !strings.Contains(said, "took over the lease of run-1"):
		t.Errorf("run 2 events do not say it took over the dead run's lease:\n%s", said)
	case !crashes && k > 1 && !strings.Contains(said, fmt.Sprintf("made %d of its calls", k-1)):
		t.Errorf("run 2 events do not say how far run 1 got:\n%s", said)
	}

	// No call that went through was made twice; a call repeated finds its
	// work done (NoSuchEntity).
	okCalls := log.succeeded()
	var made []string
	for step, n := range okCalls {
		for range n {
			made = append(made, step)
		}
	}
	slices.Sort(made)
	want := slices.Clone(ref)
	slices.Sort(want)
	if diff := cmp.Diff(want, made); diff != "" {
		t.Errorf("calls that went through, over both runs (-each call once +made):\n%s", diff)
	}
	attempts := map[string]int{}
	for _, c := range log.all() {
		if c.injected {
			continue
		}
		attempts[c.step]++
		if attempts[c.step] > 1 && !errors.Is(c.err, iamsweep.ErrNotFound) {
			t.Errorf("%s made again: %v; a repeated call must find its work done", c.step, c.err)
		}
		if c.err != nil && !errors.Is(c.err, iamsweep.ErrNotFound) {
			t.Errorf("%s: %v", c.step, c.err)
		}
	}
	if n := fakeMutations(e); n != len(ref) {
		t.Errorf("the fake answered %d mutating calls without error, want %d: %v", n, len(ref), e.mutations())
	}

	// The end state, and the backup: the principal before any change.
	cc.gone(t, e)
	bs := e.backups(t, arn)
	if len(bs) != 1 {
		t.Fatalf("%d backups of %s, want 1", len(bs), arn)
	}
	if diff := cmp.Diff(before, cc.backup(bs[0])); diff != "" {
		t.Errorf("backup (-before the first run +backup):\n%s", diff)
	}

	// A third run has nothing left to do.
	third := &spy{Mutator: e.m, log: &callLog{}}
	outs, err = e.service("run-3", deletePolicy, third).Apply(ctx, p)
	if err != nil || len(outs) != 1 || outs[0].Status != remediate.StatusAlready || len(third.log.all()) > 0 {
		t.Errorf("run 3: err %v, %d calls, want already-applied and none:\n%s", err, len(third.log.all()), describe(outs))
	}
}

// fakeMutations counts the mutating calls the fake answered without an
// error.
func fakeMutations(e *env) int {
	n := 0
	for _, m := range e.mutations() {
		if !strings.Contains(m, " ") {
			n++
		}
	}
	return n
}

// TestService_Apply_resumeAfterRecreated: the first run deleted the role
// and died before it could journal it; someone has since created a role
// of the same name, and the plan is applied again months later, when the
// new role is old enough to be judged unused. The second run must leave
// the new role alone: it is not the principal the plan judged (nor the
// one the backup holds).
func TestService_Apply_resumeAfterRecreated(t *testing.T) {
	t.Parallel()
	for _, withID := range []bool{true, false} {
		t.Run(fmt.Sprintf("finding with unique ID %t", withID), func(t *testing.T) {
			t.Parallel()
			resumeAfterRecreated(t, withID)
		})
	}
}

// resumeAfterRecreated runs TestService_Apply_resumeAfterRecreated with a
// finding that carries the unique ID or not (the backup then has it).
func resumeAfterRecreated(t *testing.T, withID bool) {
	ctx := t.Context()
	e := newEnv(t, crashAccount(t))
	before := e.role(t, crashRole)
	f := roleFinding(before)
	if !withID {
		f.PrincipalID = ""
	}
	p := makePlan("p-crash", deletePolicy, f)
	log := &callLog{}
	dying := &dyingStore{Store: e.store}
	first := &spy{Mutator: e.m, log: log, crashAt: crashCases[0].calls, onCrash: dying.die}
	svc1 := e.service("run-1", deletePolicy, first)
	svc1.Store = dying
	if _, crashed, err := applyCatching(ctx, svc1, p); crashed == nil || crashed.step != "DeleteRole "+crashRole {
		t.Fatalf("run 1 did not crash at DeleteRole: %v, %v", crashed, err)
	}

	// Someone creates a role of that name.
	newcomer := iamsweep.RoleState{Name: crashRole, Path: "/other/", TrustPolicy: fakeaws.DefaultTrustPolicy,
		Tags: []iamsweep.Tag{{Key: "owner", Value: "someone else"}}}
	if err := e.m.Do(ctx, iamsweep.Step{Op: iamsweep.OpCreateRole, Name: crashRole, Role: &newcomer}); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Do(ctx, iamsweep.Step{Op: iamsweep.OpPutRolePolicy, Name: crashRole, Target: "theirs", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	theirs := e.role(t, crashRole)

	svc2 := e.service("run-2", deletePolicy, &spy{Mutator: e.m, log: log})
	svc2.Now = func() time.Time { return now.AddDate(0, 0, 100) }
	outs, err := svc2.Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.m.ReadRole(ctx, crashRole)
	switch {
	case err != nil:
		t.Errorf("the new role after run 2: %v\noutcomes:\n%s", err, describe(outs))
	case !cmp.Equal(theirs, got):
		t.Errorf("the new role was changed by run 2 (-before +after):\n%s\noutcomes:\n%s", cmp.Diff(theirs, got), describe(outs))
	}
	if len(outs) != 1 || outs[0].Status == remediate.StatusFailed || !strings.Contains(outs[0].Detail, theirs.ID) {
		t.Errorf("run 2 outcome: want it to say the role was recreated (unique ID %s):\n%s", theirs.ID, describe(outs))
	}
}

// TestService_Apply_resumeQuarantine: the first run added the quarantine
// policy and died before it could tag the role; the second run finishes
// the quarantine, so that it is recorded on the role as the docs say.
func TestService_Apply_resumeQuarantine(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, nearLimit := range []bool{false, true} {
		t.Run(fmt.Sprintf("near the size limit %t", nearLimit), func(t *testing.T) {
			a := &fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{{Name: "idle", Created: old}}}
			if nearLimit {
				a.Roles[0].Inline = bigInline(t)
			}
			e := newEnv(t, a)
			before := e.role(t, "idle")
			p := makePlan("p-quarantine", quarantinePolicy, roleFinding(before))
			dying := &dyingStore{Store: e.store}
			svc1 := e.service("run-1", quarantinePolicy, &spy{Mutator: e.m, log: &callLog{}, crashAt: 1, onCrash: dying.die})
			svc1.Store = dying
			if _, crashed, err := applyCatching(ctx, svc1, p); crashed == nil {
				t.Fatalf("run 1 did not crash: %v", err)
			}
			svc2 := e.service("run-2", quarantinePolicy)
			svc2.OwnerGone = func(owner string) bool { return owner == "run-1" }
			outs, err := svc2.Apply(ctx, p)
			if err != nil || len(outs) != 1 || outs[0].Status != remediate.StatusApplied {
				t.Fatalf("run 2: %v\n%s", err, describe(outs))
			}
			got := e.role(t, "idle")
			how, ok := iamsweep.Tag{}, false
			for _, tag := range got.Tags {
				if tag.Key == remediate.TagQuarantinePolicy {
					how, ok = tag, true
				}
			}
			want := "inline"
			if nearLimit {
				want = "AWSDenyAll"
			}
			if !ok || how.Value != want {
				t.Errorf("tags after run 2: %v; want %s=%s\n%s", got.Tags, remediate.TagQuarantinePolicy, want, describe(outs))
			}

			// Release undoes it all.
			if _, err := e.service("release", quarantinePolicy).Release(ctx, before.ARN); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, e.role(t, "idle")); diff != "" {
				t.Errorf("released role (-before the quarantine +after the release):\n%s", diff)
			}
		})
	}
}

// bigInline returns inline policies whose size is just under a role's
// 10,240-character quota, so that the quarantine policy does not fit.
func bigInline(t testing.TB) []fakeaws.InlinePolicy {
	t.Helper()
	doc := func(i, n int) string {
		var res []string
		for j := range n {
			res = append(res, fmt.Sprintf(`"arn:aws:s3:::bucket-%d-%03d/*"`, i, j))
		}
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":[` + strings.Join(res, ", ") + `]}]}`
	}
	// Two policies; the second grows until both are within 100
	// characters of the quota.
	out := []fakeaws.InlinePolicy{{Name: "big-0", Document: doc(0, 160)}, {Name: "big-1"}}
	size := 0
	for n := 1; ; n++ {
		next := remediate.PolicySize(out[0].Document) + remediate.PolicySize(doc(1, n))
		if next > remediate.RoleInlineSizeLimit-100 {
			break
		}
		out[1].Document, size = doc(1, n), next
	}
	if size > remediate.RoleInlineSizeLimit || size+remediate.PolicySize(remediate.QuarantineDocument(now)) <= remediate.RoleInlineSizeLimit {
		t.Fatalf("inline policies of %d characters: want them to fit, and the quarantine policy not", size)
	}
	return out
}
