package remediate_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// restoreCase is a principal the restore tests delete and bring back.
type restoreCase struct {
	name string
	// seed adds the principal to an account and returns its ARN.
	seed func(u *unit) string
	// read returns the restorable part of the principal as it is.
	read func(t testing.TB, u *unit) any
	opts remediate.RestoreOptions
}

var restoreCases = []restoreCase{
	{
		name: "role with instance profiles",
		seed: func(u *unit) string {
			r := idle("web")
			r.Path, r.Description, r.PermissionsBoundary = "/svc/", "serves the web", boundaryARN
			r.InlinePolicies = append(r.InlinePolicies, iamsweep.NamedDocument{Name: "sqs-send", Document: smallDoc})
			r.AttachedPolicies = append(r.AttachedPolicies, "arn:aws:iam::"+acct+":policy/app/reports")
			r.Tags = append(r.Tags, iamsweep.Tag{Key: "env", Value: "prod"})
			r.InstanceProfiles = []iamsweep.InstanceProfileState{
				{Name: "web-a", Tags: []iamsweep.Tag{{Key: "owner", Value: "web"}}},
				{Name: "web-b", Path: "/web/"},
			}
			return u.iam.addRole(r).ARN
		},
		read: func(t testing.TB, u *unit) any {
			r, err := u.iam.readRole(t.Context(), "web")
			if err != nil {
				t.Fatalf("read role web: %v", err)
			}
			return restorableRole(r)
		},
	},
	{
		name: "user with groups, keys and certificates",
		seed: func(u *unit) string {
			return u.iam.addUser(iamsweep.UserState{
				Name: "pat", Path: "/dev/", Created: old, PermissionsBoundary: boundaryARN,
				Tags:                []iamsweep.Tag{{Key: "owner", Value: "pat@example.com"}},
				Groups:              []string{"developers", "ops"},
				InlinePolicies:      []iamsweep.NamedDocument{{Name: "kms", Document: smallDoc}},
				AttachedPolicies:    []string{readOnlyARN},
				LoginProfile:        &iamsweep.LoginProfileState{Created: old},
				AccessKeys:          []iamsweep.AccessKeyState{{ID: "AKIAPAT0000000000001", Active: true, Created: old}},
				MFADevices:          []iamsweep.MFADeviceState{{SerialNumber: "arn:aws:iam::" + acct + ":mfa/pat", Virtual: true}},
				SSHPublicKeys:       []iamsweep.SSHPublicKeyState{{ID: "APKAPAT1", Body: "ssh-ed25519 AAAAC3NzaPAT1", Active: false}},
				SigningCertificates: []iamsweep.SigningCertificateState{{ID: "CERTPAT1", Body: "-----BEGIN CERTIFICATE-----\nPAT1", Active: true}, {ID: "CERTPAT2", Body: "-----BEGIN CERTIFICATE-----\nPAT2", Active: false}},
				ServiceCredentials:  []iamsweep.ServiceCredentialState{{ID: "ACCAPAT1", ServiceName: "codecommit.amazonaws.com"}},
			}).ARN
		},
		read: func(t testing.TB, u *unit) any {
			got, err := u.iam.readUser(t.Context(), "pat")
			if err != nil {
				t.Fatalf("read user pat: %v", err)
			}
			got = restorableUser(got)
			if got.LoginProfile != nil && got.LoginProfile.PasswordResetRequired {
				got.LoginProfile.PasswordResetRequired = false // the restored password must be changed
			}
			return got
		},
		opts: remediate.RestoreOptions{Password: "N3w-Pa55word!pat"},
	},
}

const boundaryARN = "arn:aws:iam::" + acct + ":policy/boundaries/dev"

// deleted seeds cc, deletes it with apply and returns the unit, the
// principal's ARN and its restorable state before.
func deleted(t *testing.T, cc restoreCase) (*unit, string, any) {
	t.Helper()
	u := newUnit()
	arn := cc.seed(u)
	before := cc.read(t, u)
	var f iamsweep.Finding
	if strings.Contains(arn, ":role/") {
		r, _ := u.iam.readRole(t.Context(), "web")
		f = roleFinding(r)
	} else {
		usr, _ := u.iam.readUser(t.Context(), "pat")
		f = userFinding(usr)
	}
	outs, err := u.service("apply", deletePolicy).Apply(t.Context(), makePlan("p1", deletePolicy, f))
	if err != nil || len(outs) != 1 || outs[0].Status != remediate.StatusApplied {
		t.Fatalf("delete: %v\n%s", err, describe(outs))
	}
	u.iam.done = nil
	return u, arn, before
}

// restoreCalls is the calls an uninterrupted restore of cc makes.
func restoreCalls(t *testing.T, cc restoreCase) []string {
	t.Helper()
	u, arn, before := deleted(t, cc)
	res, err := u.service("restore", deletePolicy).Restore(t.Context(), arn, cc.opts)
	if err != nil {
		t.Fatalf("clean restore: %v", err)
	}
	if diff := cmp.Diff(before, cc.read(t, u), equateEmpty); diff != "" || len(res.Differences) > 0 {
		t.Fatalf("clean restore (-before +after):\n%s\ndifferences %q", diff, res.Differences)
	}
	if diff := cmp.Diff(u.iam.calls(), res.Steps); diff != "" {
		t.Fatalf("clean restore: Steps differ from the calls made (-made +steps):\n%s", diff)
	}
	return res.Steps
}

// errLost is what a client gets when the connection drops before the
// answer: nothing says whether IAM carried the call out.
var errLost = fmt.Errorf("send request: %w", io.ErrUnexpectedEOF)

// TestService_Restore_lostAnswer loses the answer to each call of the
// restore of a role (with instance profiles) and of a user (with groups,
// SSH key, certificates and a new password), in three ways, after IAM
// carried the call out: (a) the SDK retries and returns the retry's
// answer (EntityAlreadyExists for a create, DuplicateSSHPublicKey or
// DuplicateCertificate for an upload, LimitExceeded for a role added to
// its instance profile); (b) no answer comes at all; (c) the process dies
// waiting, and restore is run again by another. The same run, in (a) and
// (b), or the rerun, in (c), must finish the restore: the principal as
// backed up, no differences, every call IAM carried out reported, and the
// lost call journaled unknown, not failed.
func TestService_Restore_lostAnswer(t *testing.T) {
	t.Parallel()
	for _, cc := range restoreCases {
		t.Run(cc.name, func(t *testing.T) {
			t.Parallel()
			ref := restoreCalls(t, cc)
			if len(ref) < 8 {
				t.Fatalf("the restore makes %d calls %q; want one of each kind", len(ref), ref)
			}
			for k := 1; k <= len(ref); k++ {
				for _, way := range []string{"retried", "unanswered", "killed"} {
					t.Run(fmt.Sprintf("call %d %s %s", k, way, ref[k-1]), func(t *testing.T) {
						t.Parallel()
						lostAnswerAt(t, cc, ref, k, way)
					})
				}
			}
		})
	}
}

func lostAnswerAt(t *testing.T, cc restoreCase, ref []string, k int, way string) {
	ctx := t.Context()
	u, arn, before := deleted(t, cc)
	do := u.m.DoFn
	n := 0
	dying := &dyingStore{Store: u.store}
	u.m.DoFn = func(ctx context.Context, st iamsweep.Step) error {
		if n++; n != k {
			return do(ctx, st)
		}
		if err := do(ctx, st); err != nil {
			t.Fatalf("call %d %s failed before its answer was lost: %v", k, st, err)
		}
		switch way {
		case "retried":
			return do(ctx, st) // the SDK's retry: its answer is the one returned
		case "killed":
			dying.die()
			panic(crash{step: st.String()})
		}
		return errLost
	}
	svc := u.service("run-1", deletePolicy)
	svc.Store = dying
	res, crashed, err := restoreCatching(ctx, svc, arn, cc.opts)
	if way == "killed" {
		if crashed == nil {
			t.Fatalf("run 1 did not die: %v", err)
		}
		u.m.DoFn = do
		svc = u.service("run-2", deletePolicy)
		svc.OwnerGone = func(owner string) bool { return owner == "run-1" }
		res, err = svc.Restore(ctx, arn, cc.opts)
	}
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if diff := cmp.Diff(before, cc.read(t, u), equateEmpty); diff != "" {
		t.Errorf("restored (-before +after):\n%s", diff)
	}
	if len(res.Differences) > 0 {
		t.Errorf("differences %q", res.Differences)
	}
	if way != "killed" {
		// Every call, the lost one too, reported once.
		if diff := cmp.Diff(ref, res.Steps); diff != "" {
			t.Errorf("steps reported (-each call once +reported):\n%s", diff)
		}
	}
	if way == "killed" && strings.HasPrefix(ref[k-1], "CreateLoginProfile ") &&
		!slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "shown to nobody") }) {
		t.Errorf("notes %q: want the password set by the dead run said lost", res.Notes)
	}
	if slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "quota") }) {
		t.Errorf("notes %q blame a quota", res.Notes)
	}
	// The lost call is journaled unknown (or never finished), never
	// failed.
	var lost []iamsweep.JournalEntry
	for _, e := range u.store.journal {
		if e.Step.Kind == iamsweep.JournalCall && e.Step.String() == ref[k-1] && e.Outcome != iamsweep.OutcomeDone {
			lost = append(lost, e)
		}
	}
	want := iamsweep.OutcomeUnknown
	if way == "killed" {
		want = iamsweep.OutcomePending
	}
	retriedOK := way == "retried" && !createsOrAdds(ref[k-1])
	switch {
	case retriedOK && len(lost) > 0:
		t.Errorf("journal of an idempotent call retried: %+v, want it done", lost)
	case !retriedOK && (len(lost) == 0 || lost[0].Outcome != want):
		t.Errorf("journal of the lost call %q: %+v, want %q", ref[k-1], lost, want)
	}
	// The restore's completion records the principal it left (its marker
	// is gone: the comparison above holds the tags).
	for _, e := range u.store.journal {
		if strings.HasPrefix(e.PlanID, "restore-") && e.Step.Kind == iamsweep.JournalComplete && e.Step.PrincipalID != res.NewID {
			t.Errorf("completion records unique ID %q, want %q", e.Step.PrincipalID, res.NewID)
		}
	}
}

// createsOrAdds reports whether a retried call finds its work done and
// says so with an error.
func createsOrAdds(step string) bool {
	for _, op := range []string{"CreateRole", "CreateUser", "CreateInstanceProfile", "CreateLoginProfile", "UploadSSHPublicKey", "UploadSigningCertificate", "AddRoleToInstanceProfile"} {
		if strings.HasPrefix(step, op+" ") {
			return true
		}
	}
	return false
}

// restoreCatching runs svc.Restore, recovering a crash.
func restoreCatching(ctx context.Context, svc *remediate.Service, ref string, opts remediate.RestoreOptions) (res remediate.RestoreResult, crashed *crash, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(crash)
			if !ok {
				panic(r)
			}
			crashed = &c
		}
	}()
	res, err = svc.Restore(ctx, ref, opts)
	return res, nil, err
}

// TestService_Restore_someoneElsesCreate: the principal's name is taken
// between the restore's read and its create. EntityAlreadyExists is then
// not the restore's own lost answer: the principal carries no marker, and
// the restore refuses it, changing nothing.
func TestService_Restore_someoneElsesCreate(t *testing.T) {
	t.Parallel()
	u, arn, _ := deleted(t, restoreCases[0])
	do := u.m.DoFn
	var theirs iamsweep.RoleState
	u.m.DoFn = func(ctx context.Context, st iamsweep.Step) error {
		if st.Op == iamsweep.OpCreateRole && theirs.ID == "" {
			theirs = u.iam.addRole(iamsweep.RoleState{Name: st.Name, TrustPolicy: trustEC2})
		}
		return do(ctx, st)
	}
	_, err := u.service("restore", deletePolicy).Restore(t.Context(), arn, remediate.RestoreOptions{})
	if err == nil || !strings.Contains(err.Error(), "someone created it since") || !strings.Contains(err.Error(), theirs.ID) {
		t.Fatalf("Restore: %v; want it refused, naming %s", err, theirs.ID)
	}
	if c := u.iam.calls(); len(c) > 0 {
		t.Errorf("calls made: %q", c)
	}
	got, _ := u.iam.readRole(t.Context(), "web")
	if diff := cmp.Diff(theirs, got); diff != "" {
		t.Errorf("their role changed (-before +after):\n%s", diff)
	}
}

// TestService_Restore_answersLostAgain: when the answers keep being lost,
// the restore stops after restoreRounds tries, saying the outcome is
// unknown and to run restore again, which then finishes it.
func TestService_Restore_answersLostAgain(t *testing.T) {
	t.Parallel()
	cc := restoreCases[0]
	u, arn, before := deleted(t, cc)
	do := u.m.DoFn
	u.m.DoFn = func(ctx context.Context, st iamsweep.Step) error {
		if st.Op == iamsweep.OpAddRoleToInstanceProfile {
			return errLost // never carried out, never answered
		}
		return do(ctx, st)
	}
	_, err := u.service("restore", deletePolicy).Restore(t.Context(), arn, remediate.RestoreOptions{})
	if err == nil || !strings.Contains(err.Error(), "AddRoleToInstanceProfile web-a failed") || !strings.Contains(err.Error(), "run restore again") ||
		!strings.Contains(err.Error(), "the answer was lost 4 times") || strings.Contains(err.Error(), "quota") {
		t.Fatalf("Restore: %v; want the lost answers said, and restore to be run again", err)
	}
	u.m.DoFn = do
	res, err := u.service("restore", deletePolicy).Restore(t.Context(), arn, remediate.RestoreOptions{})
	if err != nil || len(res.Differences) > 0 {
		t.Fatalf("second Restore: %v, differences %q", err, res.Differences)
	}
	if diff := cmp.Diff(before, cc.read(t, u), equateEmpty); diff != "" {
		t.Errorf("restored (-before +after):\n%s", diff)
	}
}

// TestService_Restore_onlyQuarantined: restoring a principal that was
// quarantined, never deleted, says it exists and that release lifts the
// quarantine; it changes nothing and reports no difference.
func TestService_Restore_onlyQuarantined(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, nearLimit := range []bool{false, true} {
		t.Run(fmt.Sprintf("AWSDenyAll %t", nearLimit), func(t *testing.T) {
			t.Parallel()
			u := newUnit()
			r := idle("idle")
			if nearLimit {
				r.InlinePolicies = []iamsweep.NamedDocument{{Name: "big", Document: `{"x":"` + strings.Repeat("a", remediate.RoleInlineSizeLimit-200) + `"}`}}
			}
			role := u.iam.addRole(r)
			outs, err := u.service("apply", quarantinePolicy).Apply(ctx, makePlan("p1", quarantinePolicy, roleFinding(role)))
			if err != nil {
				t.Fatal(err)
			}
			wantStatuses(t, outs, remediate.StatusApplied)
			calls := len(u.iam.calls())
			res, err := u.service("restore", quarantinePolicy).Restore(ctx, role.ARN, remediate.RestoreOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Existed || !res.Quarantined || len(res.Steps) > 0 || len(res.Differences) > 0 || res.NewID != role.ID {
				t.Errorf("result %+v: want it found existing and quarantined, no calls, no differences", res)
			}
			if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "iamsweep release "+role.ARN) }) {
				t.Errorf("notes %q do not point to release", res.Notes)
			}
			if c := u.iam.calls()[calls:]; len(c) > 0 {
				t.Errorf("calls made: %q", c)
			}
		})
	}
}

// TestExplain_lostAnswers: a call whose answer was lost is explained as
// such, not as IAM refusing it.
func TestExplain_lostAnswers(t *testing.T) {
	add := iamsweep.Step{Op: iamsweep.OpAddRoleToInstanceProfile, Name: "web", Target: "web-a"}
	err := limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	if got := remediate.Explain(add, err); strings.Contains(got, "quota was reached") || !strings.Contains(got, "holds a role already") {
		t.Errorf("Explain(AddRoleToInstanceProfile, LimitExceeded) = %q", got)
	}
}
