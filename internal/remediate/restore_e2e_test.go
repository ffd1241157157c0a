package remediate_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// TestService_deleteThenRestore is a property test: for many random roles
// and users, each with a random subset of every attribute a restore brings
// back, deleting it (Apply) and restoring it (Restore) gives back what it
// was, but for what IAM generates and the secrets. What was restored is
// checked both with CompareRoles/CompareUsers and independently of them.
func TestService_deleteThenRestore(t *testing.T) {
	t.Parallel()
	// Shards of 10 roles and 10 users, each in its own account, run in
	// parallel.
	const shards, perShard = 4, 10
	g := newGen(t, 20260601)
	var accounts []*fakeaws.Account
	for s := range shards {
		// Instance profiles that hold no role: deleting the roles must
		// leave them.
		a := &fakeaws.Account{ID: acct, InstanceProfiles: []fakeaws.InstanceProfile{
			{Name: "spare-profile", Tags: []fakeaws.Tag{{Key: "purpose", Value: "spare"}}},
			{Name: "spare-web", Path: "/web/"},
		}}
		for i := range perShard {
			a.Roles = append(a.Roles, g.role(s*perShard+i))
		}
		for i := range perShard {
			a.Users = append(a.Users, g.user(s*perShard+i))
		}
		accounts = append(accounts, a)
	}
	coverage(t, accounts)
	for s, a := range accounts {
		t.Run(fmt.Sprintf("shard %d", s), func(t *testing.T) {
			t.Parallel()
			deleteThenRestore(t, a)
		})
	}
}

// deleteThenRestore deletes every role and user of account a with one
// plan, checks they are gone and backed up as they were, then restores
// each and checks it is what it was.
func deleteThenRestore(t *testing.T, a *fakeaws.Account) {
	// Read the seed before the fake serves it.
	var roleNames, userNames, spareProfiles []string
	for _, p := range a.InstanceProfiles {
		spareProfiles = append(spareProfiles, p.Name)
	}
	for _, r := range a.Roles {
		roleNames = append(roleNames, r.Name)
	}
	for _, u := range a.Users {
		userNames = append(userNames, u.Name)
	}
	e := newEnv(t, a)
	ctx := t.Context()

	// The principals as they were, and the plan that deletes them all.
	var (
		roles    []iamsweep.RoleState
		users    []iamsweep.UserState
		findings []iamsweep.Finding
	)
	for _, name := range roleNames {
		r := e.role(t, name)
		roles = append(roles, r)
		findings = append(findings, roleFinding(r))
	}
	for _, name := range userNames {
		u := e.user(t, name)
		users = append(users, u)
		findings = append(findings, userFinding(u))
	}
	p := makePlan("p-delete-all", deletePolicy, findings...)
	for _, a := range p.Actions {
		if a.Kind != iamsweep.ActionDelete || a.Refused != "" {
			t.Fatalf("action %s %s on %s (refused %q): want an unrefused delete", a.ID, a.Kind, a.ARN, a.Refused)
		}
	}

	outs, err := e.service("apply-1", deletePolicy).Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if o.Status != remediate.StatusApplied {
			t.Fatalf("not applied:\n%s", describe([]remediate.Outcome{o}))
		}
	}

	// Gone, with their instance profiles and virtual MFA devices; the
	// store holds each as it was. The profiles that held no role are
	// still there.
	for _, name := range spareProfiles {
		if _, err := e.m.ReadInstanceProfile(ctx, name); err != nil {
			t.Errorf("instance profile %s, which held no role: %v", name, err)
		}
	}
	for _, r := range roles {
		var profiles []string
		for _, ip := range r.InstanceProfiles {
			profiles = append(profiles, ip.Name)
		}
		e.roleGone(t, r.Name, profiles...)
		bs := e.backups(t, r.ARN)
		if len(bs) != 1 || bs[0].Role == nil || bs[0].User != nil {
			t.Fatalf("backups of %s: %+v, want one of a role", r.ARN, bs)
		}
		if diff := cmp.Diff(r, *bs[0].Role); diff != "" {
			t.Errorf("backup of %s differs from the role read before (-before +backup):\n%s", r.ARN, diff)
		}
	}
	for _, u := range users {
		var virtual []string
		for _, d := range u.MFADevices {
			if d.Virtual {
				virtual = append(virtual, d.SerialNumber)
			}
		}
		e.userGone(t, u.Name, virtual...)
		bs := e.backups(t, u.ARN)
		if len(bs) != 1 || bs[0].User == nil || bs[0].Role != nil {
			t.Fatalf("backups of %s: %+v, want one of a user", u.ARN, bs)
		}
		if diff := cmp.Diff(u, *bs[0].User); diff != "" {
			t.Errorf("backup of %s differs from the user read before (-before +backup):\n%s", u.ARN, diff)
		}
	}

	// Restored by ARN, each is what it was.
	svc := e.service("restore-1", deletePolicy)
	for _, want := range roles {
		t.Run(want.Name, func(t *testing.T) {
			res, err := svc.Restore(ctx, want.ARN, remediate.RestoreOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := e.role(t, want.Name)
			if len(res.Differences) > 0 {
				t.Errorf("Restore reports differences: %q", res.Differences)
			}
			if d := remediate.CompareRoles(want, got); len(d) > 0 {
				t.Errorf("CompareRoles: %q", d)
			}
			if diff := cmp.Diff(restorableRole(want), restorableRole(got), equateEmpty); diff != "" {
				t.Errorf("restored role (-before +after):\n%s", diff)
			}
			if res.NewID != got.ID || got.ID == want.ID || got.ID == "" {
				t.Errorf("NewID %q, role ID %q, old ID %q: want the role's new ID", res.NewID, got.ID, want.ID)
			}
		})
	}
	for i, want := range users {
		t.Run(want.Name, func(t *testing.T) {
			// Every other user with a password gets a new one.
			var opts remediate.RestoreOptions
			if want.LoginProfile != nil && i%2 == 0 {
				opts.Password = "Restored-Pa55word!" + want.Name
			}
			res, err := svc.Restore(ctx, want.ARN, opts)
			if err != nil {
				t.Fatal(err)
			}
			got := e.user(t, want.Name)
			if len(res.Differences) > 0 {
				t.Errorf("Restore reports differences: %q", res.Differences)
			}
			if d := remediate.CompareUsers(want, got); len(d) > 0 {
				t.Errorf("CompareUsers: %q", d)
			}
			w := restorableUser(want)
			w.LoginProfile = nil
			if opts.Password != "" {
				w.LoginProfile = &iamsweep.LoginProfileState{PasswordResetRequired: true}
			}
			if diff := cmp.Diff(w, restorableUser(got), equateEmpty); diff != "" {
				t.Errorf("restored user (-want +after):\n%s", diff)
			}
			if res.NewID != got.ID || got.ID == want.ID {
				t.Errorf("NewID %q, user ID %q, old ID %q: want the user's new ID", res.NewID, got.ID, want.ID)
			}
			// What cannot come back is named.
			notes := strings.Join(res.Notes, "\n")
			for _, k := range want.AccessKeys {
				if !strings.Contains(notes, k.ID) {
					t.Errorf("the notes do not name access key %s:\n%s", k.ID, notes)
				}
			}
			for _, d := range want.MFADevices {
				if !strings.Contains(notes, d.SerialNumber) {
					t.Errorf("the notes do not name MFA device %s:\n%s", d.SerialNumber, notes)
				}
			}
			if want.LoginProfile != nil && opts.Password == "" && !strings.Contains(notes, "--reset-password") {
				t.Errorf("the notes do not say the password is gone:\n%s", notes)
			}
		})
	}
}

// coverage fails the test when the generated principals leave out an
// attribute, so that a change to the generator cannot make the property
// test vacuous.
func coverage(t *testing.T, accounts []*fakeaws.Account) {
	t.Helper()
	has := map[string]bool{}
	see := func(what string, ok bool) { has[what] = has[what] || ok }
	for _, a := range accounts {
		for _, r := range a.Roles {
			see("role path", r.Path != "/")
			see("description", r.Description != "")
			see("max session", r.MaxSessionDuration > 3600)
			see("role boundary", r.Boundary != "")
			see("role tags", len(r.Tags) > 1)
			see("role inline", len(r.Inline) > 1)
			see("role attached", len(r.Attached) > 1)
			see("multi-line trust", strings.Contains(r.TrustPolicy, "\n"))
			see("non-ASCII trust", strings.ContainsFunc(r.TrustPolicy, func(c rune) bool { return c > 127 }))
			see("recorded use", !r.LastUsed.IsZero())
			see("two profiles", len(r.InstanceProfiles) > 1)
			for _, p := range r.InstanceProfiles {
				see("profile tags", len(p.Tags) > 0)
				see("profile path", p.Path != "/")
			}
			for _, p := range r.Attached {
				see("AWS managed", strings.HasPrefix(p.ARN, "arn:aws:iam::aws:"))
				see("customer managed", strings.HasPrefix(p.ARN, "arn:aws:iam::"+acct+":"))
			}
		}
		for _, u := range a.Users {
			see("user path", u.Path != "/")
			see("user boundary", u.Boundary != "")
			see("user tags", len(u.Tags) > 1)
			see("user inline", len(u.Inline) > 1)
			see("user attached", len(u.Attached) > 1)
			see("groups", len(u.Groups) > 1)
			see("password", u.Password != nil)
			see("password reset", u.Password != nil && u.Password.PasswordResetRequired)
			see("two keys", len(u.AccessKeys) == 2)
			for _, k := range u.AccessKeys {
				see("active key", !k.Inactive)
				see("inactive key", k.Inactive)
			}
			for _, d := range u.MFADevices {
				see("virtual MFA", strings.HasPrefix(d.SerialNumber, "arn:"))
				see("hardware MFA", !strings.HasPrefix(d.SerialNumber, "arn:"))
			}
			for _, k := range u.SSHPublicKeys {
				see("active SSH key", !k.Inactive)
				see("inactive SSH key", k.Inactive)
			}
			for _, c := range u.SigningCertificates {
				see("active certificate", !c.Inactive)
				see("inactive certificate", c.Inactive)
			}
			see("two certificates", len(u.SigningCertificates) == 2)
			see("service credentials", len(u.ServiceCredentials) > 1)
		}
	}
	var missing []string
	for _, k := range []string{
		"role path", "description", "max session", "role boundary", "role tags", "role inline", "role attached",
		"multi-line trust", "non-ASCII trust", "recorded use", "two profiles", "profile tags", "profile path", "AWS managed",
		"customer managed", "user path", "user boundary", "user tags", "user inline", "user attached", "groups", "password",
		"password reset", "two keys", "active key", "inactive key", "virtual MFA", "hardware MFA", "active SSH key",
		"inactive SSH key", "active certificate", "inactive certificate", "two certificates", "service credentials",
	} {
		if !has[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("no generated principal has: %s", strings.Join(missing, ", "))
	}
}

// TestService_Restore_goneDependencies: a managed policy and a group the
// backup names that no longer exist (deleted since, or an AWS managed
// policy AWS has deprecated) are noted and passed over; the rest of the
// principal comes back, and the comparison lists what is missing.
func TestService_Restore_goneDependencies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &fakeaws.Account{ID: acct, Groups: []*fakeaws.Group{{Name: "developers"}}})
	ctx := t.Context()
	const readOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	gone := "arn:aws:iam::" + acct + ":policy/app/gone"
	role := iamsweep.RoleState{
		AccountID: acct, ARN: "arn:aws:iam::" + acct + ":role/app/restored", ID: "AROAOLDOLDOLDOLDOLD01", Name: "restored", Path: "/app/",
		Created: old, MaxSessionDuration: 3600,
		TrustPolicy:      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		AttachedPolicies: []string{gone, readOnly},
	}
	user := iamsweep.UserState{
		AccountID: acct, ARN: "arn:aws:iam::" + acct + ":user/restored-user", ID: "AIDAOLDOLDOLDOLDOLD01", Name: "restored-user", Path: "/",
		Created: old, Groups: []string{"developers", "disbanded"},
	}
	for _, b := range []iamsweep.Backup{
		{ID: "b-role", Created: now, AccountID: acct, ARN: role.ARN, Principal: "role", Role: &role, PlanID: "p0", ActionID: "a001"},
		{ID: "b-user", Created: now, AccountID: acct, ARN: user.ARN, Principal: "user", User: &user, PlanID: "p0", ActionID: "a002"},
	} {
		if err := e.store.SaveBackup(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	svc := e.service("restore", deletePolicy)

	res, err := svc.Restore(ctx, "b-role", remediate.RestoreOptions{})
	if err != nil {
		t.Fatalf("Restore role: %v", err)
	}
	if got := e.role(t, "restored"); !slices.Equal(got.AttachedPolicies, []string{readOnly}) {
		t.Errorf("restored role's policies %v, want the one that exists", got.AttachedPolicies)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "managed policy "+gone+" was not attached") {
		t.Errorf("notes %q do not name the missing policy", res.Notes)
	}
	if len(res.Differences) != 1 || !strings.Contains(res.Differences[0], "attached policies") {
		t.Errorf("differences %q, want the missing policy", res.Differences)
	}

	res, err = svc.Restore(ctx, "b-user", remediate.RestoreOptions{})
	if err != nil {
		t.Fatalf("Restore user: %v", err)
	}
	if got := e.user(t, "restored-user"); !slices.Equal(got.Groups, []string{"developers"}) {
		t.Errorf("restored user's groups %v, want the one that exists", got.Groups)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "not added back to group disbanded: the group no longer exists") {
		t.Errorf("notes %q do not name the missing group", res.Notes)
	}
}

// TestService_Restore_droppedAnswer drops, in turn, the connection of each
// IAM call a restore makes once IAM carried it out, over the wire: the
// SDK retries the call and gets IAM's answer to a call made twice
// (EntityAlreadyExists, DuplicateSSHPublicKey, DuplicateCertificate,
// LimitExceeded for a role already in its instance profile). The same run
// must finish the restore of a role with instance profiles and of a user
// with groups, an SSH key and certificates, as an undisturbed one does.
// (restore_test.go loses every answer in more ways over the in-memory
// seams; this checks the SDK and IAM's answers.)
func TestService_Restore_droppedAnswer(t *testing.T) {
	t.Parallel()
	for _, cc := range crashCases {
		t.Run(cc.name, func(t *testing.T) {
			t.Parallel()
			// An undisturbed restore: its mutating calls.
			e, arn, want := deletedForRestore(t, cc)
			e.srv.ResetCalls()
			if _, err := e.service("restore", deletePolicy).Restore(t.Context(), arn, restoreOpts); err != nil {
				t.Fatal(err)
			}
			calls := e.mutations()
			actions := map[string]bool{}
			for _, c := range calls {
				actions[c] = true
			}
			var set []string
			for a := range actions {
				set = append(set, a)
			}
			for k := 1; k <= len(calls); k++ {
				t.Run(fmt.Sprintf("call %d %s", k, calls[k-1]), func(t *testing.T) {
					t.Parallel()
					e, arn, _ := deletedForRestore(t, cc)
					dropped := e.srv.DropResponse(k, set...)
					res, err := e.service("restore", deletePolicy).Restore(t.Context(), arn, restoreOpts)
					select {
					case <-dropped:
					default:
						t.Fatalf("call %d was not dropped", k)
					}
					if err != nil {
						t.Fatalf("Restore: %v", err)
					}
					if len(res.Differences) > 0 {
						t.Errorf("differences %q", res.Differences)
					}
					if diff := cmp.Diff(want, restorable(t, e, cc), equateEmpty); diff != "" {
						t.Errorf("restored (-undisturbed +got):\n%s", diff)
					}
				})
			}
		})
	}
}

// restoreOpts gives a restored user a new console password.
var restoreOpts = remediate.RestoreOptions{Password: "Dr0pped-Answer!pass"}

// deletedForRestore deletes the principal of cc from a new crash account,
// and returns the environment, its ARN and its restorable state before.
func deletedForRestore(t *testing.T, cc crashCase) (*env, string, any) {
	t.Helper()
	e := newEnv(t, crashAccount(t))
	state := cc.read(t, e)
	want := restorable(t, e, cc)
	outs, err := e.service("apply", deletePolicy).Apply(t.Context(), cc.plan(state))
	if err != nil || len(outs) != 1 || outs[0].Status != remediate.StatusApplied {
		t.Fatalf("delete: %v\n%s", err, describe(outs))
	}
	return e, cc.arn(state), want
}

// restorable is the restorable part of the principal of cc as it is now,
// a restored password's reset flag aside.
func restorable(t *testing.T, e *env, cc crashCase) any {
	t.Helper()
	switch s := cc.read(t, e).(type) {
	case iamsweep.RoleState:
		return restorableRole(s)
	case iamsweep.UserState:
		u := restorableUser(s)
		if u.LoginProfile != nil {
			u.LoginProfile.PasswordResetRequired = false
		}
		return u
	}
	t.Fatal("unknown principal")
	return nil
}
