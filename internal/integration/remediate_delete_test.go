//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/cli"
)

// TestRemediateDelete_moto deletes unused roles and users with every
// dependent moto supports through scan, plan and apply, checks that IAM
// holds nothing of them and how the calls were ordered, applies the plan
// again (no change), and restores each from its backup, comparing the
// restored principal field by field with the original as the SDK reads it.
func TestRemediateDelete_moto(t *testing.T) {
	e := newRemediationEnv(t)
	ctx := t.Context()
	p := seedPolicies(t, e.IAM)
	for _, g := range []groupSpec{
		{Name: "admins", Attached: []string{awsReadOnly}},
		{Name: "devs", Path: "/eng/", Inline: []policySpec{{"queue", policyQueue}}},
	} {
		if err := seedGroup(ctx, e.IAM, g); err != nil {
			t.Fatal(err)
		}
	}
	ssh1, ssh2 := testdata(t, "ssh1.pub"), testdata(t, "ssh2.pub")
	cert1, cert2 := testdata(t, "cert1.pem"), testdata(t, "cert2.pem")
	// Every dependent a role can have: inline policies, customer and AWS
	// managed policies, a permissions boundary, tags, an instance profile
	// it alone holds, a description, a session duration and a path.
	full := fullRole("reports-job", p)
	bare := roleSpec{Name: "bare-role", Trust: trustEC2}
	// Every dependent moto supports for a user (not a permissions boundary
	// nor service-specific credentials: see TestMoto_differences).
	alice := userSpec{
		Name: "alice", Path: "/people/", Password: "Corr3ct-Horse-Battery!",
		Keys:   []iamtypes.StatusType{iamtypes.StatusTypeActive, iamtypes.StatusTypeInactive},
		Groups: []string{"admins", "devs"}, MFA: true,
		Inline:   []policySpec{{"read-reports", policyRead}, {"queue+=,.@-_", policyQueue}},
		Attached: []string{p.AppWrite, awsReadOnly},
		Tags:     []tag{{"team", "data platform"}, {"cost:center", "42/ops=+-@_.:"}},
	}
	bareUser := userSpec{Name: "former+employee@example.com"}

	var (
		roles = make([]seededRole, 2)
		users = make([]seededUser, 2)
	)
	// One call at a time: moto's IAM backend is not safe for concurrent
	// writes.
	for i, s := range []roleSpec{full, bare} {
		var err error
		if roles[i], err = seedRole(ctx, e.IAM, s); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range []userSpec{alice, bareUser} {
		var err error
		if users[i], err = seedUser(ctx, e.IAM, s); err != nil {
			t.Fatal(err)
		}
	}
	sshIDs, certIDs, err := seedUploads(ctx, e.IAM, "alice", []upload{{ssh1, true}, {ssh2, false}}, []upload{{cert1, true}, {cert2, false}})
	if err != nil {
		t.Fatal(err)
	}
	checkNeverUsed(t, e.IAM, []string{full.Name, bare.Name}, []string{alice.Name, bareUser.Name})

	origRoles := map[string]roleFull{}
	origUsers := map[string]userFull{}
	for _, r := range roles {
		st, err := readRoleFull(ctx, e.IAM, r.Spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantRole(t, r), st.Role); diff != "" {
			t.Fatalf("role %s as seeded (-want +read):\n%s", r.Spec.Name, diff)
		}
		origRoles[r.ARN] = st
	}
	for _, u := range users {
		st, err := readUserFull(ctx, e.IAM, u.Spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantUser(t, u), st.User); diff != "" {
			t.Fatalf("user %s as seeded (-want +read):\n%s", u.Spec.Name, diff)
		}
		origUsers[u.ARN] = st
	}
	if got := len(origUsers[users[0].ARN].SSHPublicKeys) + len(origUsers[users[0].ARN].SigningCertificates); got != 4 {
		t.Fatalf("alice holds %d SSH keys and certificates, want 4: %+v", got, origUsers[users[0].ARN])
	}

	e.judgeLater()
	cfg := e.config(t, "  roles: delete\n  users: delete\n")
	e.scan(t)
	file, plan := e.plan(t, "--config", cfg)
	// Deleting a user deletes its keys and password: no action of their own.
	wantPlan := []string{"delete role bare-role", "delete role reports-job", "delete user alice", "delete user " + bareUser.Name}
	if diff := cmp.Diff(wantPlan, sortedActions(plan)); diff != "" {
		t.Fatalf("plan, by kind and name (-want +got):\n%s", diff)
	}
	actionOf := map[string]string{} // ARN -> action ID
	for _, a := range plan.Actions {
		actionOf[a.ARN] = a.ID
	}

	t.Run("apply", func(t *testing.T) {
		e.Rec.watch(t)
		d, calls := e.apply(t, cli.ExitOK, file, "--config", cfg)
		for _, o := range d.Outcomes {
			if o.Status != "applied" || o.BackupID == "" {
				t.Errorf("action %s (%s): %s, backup %q: %s", o.ID, o.ARN, o.Status, o.BackupID, o.Detail)
			}
		}
		checkAnswered(t, e, calls)
		profile := full.InstanceProfiles[0].Name
		aliceKeys := users[0].Keys
		want := map[string][]string{
			full.Name: {
				"RemoveRoleFromInstanceProfile RoleName=reports-job InstanceProfileName=" + profile,
				"DeleteInstanceProfile InstanceProfileName=" + profile,
				"DeleteRolePolicy RoleName=reports-job PolicyName=queue",
				"DeleteRolePolicy RoleName=reports-job PolicyName=read-reports",
				"DetachRolePolicy RoleName=reports-job PolicyArn=" + p.AppRead,
				"DetachRolePolicy RoleName=reports-job PolicyArn=" + p.AppWrite,
				"DetachRolePolicy RoleName=reports-job PolicyArn=" + awsReadOnly,
				"DeleteRolePermissionsBoundary RoleName=reports-job",
				"DeleteRole RoleName=reports-job",
			},
			bare.Name: {"DeleteRole RoleName=bare-role"},
			alice.Name: {
				"DeleteLoginProfile UserName=alice",
				"DeleteAccessKey UserName=alice AccessKeyId=" + aliceKeys[0].ID,
				"DeleteAccessKey UserName=alice AccessKeyId=" + aliceKeys[1].ID,
				"DeleteSigningCertificate UserName=alice CertificateId=" + certIDs[0],
				"DeleteSigningCertificate UserName=alice CertificateId=" + certIDs[1],
				"DeleteSSHPublicKey UserName=alice SSHPublicKeyId=" + sshIDs[0],
				"DeleteSSHPublicKey UserName=alice SSHPublicKeyId=" + sshIDs[1],
				"DeactivateMFADevice UserName=alice SerialNumber=" + users[0].MFASerial,
				"DeleteVirtualMFADevice SerialNumber=" + users[0].MFASerial,
				"DeleteUserPolicy UserName=alice PolicyName=queue+=,.@-_",
				"DeleteUserPolicy UserName=alice PolicyName=read-reports",
				"DetachUserPolicy UserName=alice PolicyArn=" + p.AppWrite,
				"DetachUserPolicy UserName=alice PolicyArn=" + awsReadOnly,
				"RemoveUserFromGroup UserName=alice GroupName=admins",
				"RemoveUserFromGroup UserName=alice GroupName=devs",
				"DeleteUser UserName=alice",
			},
			bareUser.Name: {"DeleteUser UserName=" + bareUser.Name},
		}
		got := changesByPrincipal(t, calls)
		for name, w := range want {
			g := got[name]
			// IAM's order: the role or user itself last, a profile
			// deleted after the role left it, a virtual MFA device after
			// it was deactivated.
			checkOrder(t, name, g, []string{"DeleteRole ", "DeleteUser "})
			checkBefore(t, name, g, "RemoveRoleFromInstanceProfile ", "DeleteInstanceProfile ")
			checkBefore(t, name, g, "DeactivateMFADevice ", "DeleteVirtualMFADevice ")
			if diff := cmp.Diff(sorted(w), sorted(g)); diff != "" {
				t.Errorf("changes deleting %s (-want +got):\n%s", name, diff)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("apply changed %s: %q", name, got[name])
			}
		}

		// IAM holds nothing of them, and nothing else was deleted.
		for _, r := range roles {
			if _, err := e.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Spec.Name)}); !notFound(err) {
				t.Errorf("GetRole %s after the delete: %v, want NoSuchEntity", r.Spec.Name, err)
			}
		}
		if _, err := e.IAM.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(profile)}); !notFound(err) {
			t.Errorf("GetInstanceProfile %s after the delete: %v, want NoSuchEntity", profile, err)
		}
		for _, u := range users {
			if _, err := e.IAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(u.Spec.Name)}); !notFound(err) {
				t.Errorf("GetUser %s after the delete: %v, want NoSuchEntity", u.Spec.Name, err)
			}
		}
		mfa, err := e.IAM.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range mfa.VirtualMFADevices {
			if aws.ToString(d.SerialNumber) == users[0].MFASerial {
				t.Errorf("virtual MFA device %s still exists", users[0].MFASerial)
			}
		}
		for _, group := range alice.Groups {
			out, err := e.IAM.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(group)})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Users) != 0 {
				t.Errorf("group %s still lists %d users", group, len(out.Users))
			}
		}
		for _, arn := range []string{p.AppRead, p.AppWrite, p.Boundary, awsReadOnly} {
			if _, err := e.IAM.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)}); err != nil {
				t.Errorf("managed policy %s: %v; a delete detaches policies, never deletes them", arn, err)
			}
		}
	})
	if t.Failed() {
		return
	}

	t.Run("the same plan again changes nothing", func(t *testing.T) {
		e.Rec.watch(t)
		d, calls := e.apply(t, cli.ExitOK, file, "--config", cfg)
		for _, o := range d.Outcomes {
			if o.Status != "already-applied" {
				t.Errorf("action %s: %s (%s), want already-applied", o.ID, o.Status, o.Detail)
			}
		}
		if m := mutations(calls); len(m) != 0 {
			t.Errorf("a second apply of the plan changed the account: %q", m)
		}
	})

	t.Run("backups", func(t *testing.T) {
		e.Rec.watch(t)
		res := e.run(t, cli.ExitOK, "backups", "-o", "json")
		var rows []struct {
			ID, ARN, Principal string
			PlanID             string `json:"plan_id"`
			ActionID           string `json:"action_id"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &rows); err != nil {
			t.Fatalf("backups -o json: %v\n%s", err, res.stdout)
		}
		got := map[string]string{}
		for _, r := range rows {
			got[r.ARN] = r.PlanID + " " + r.ActionID
		}
		want := map[string]string{}
		for arn, id := range actionOf {
			want[arn] = plan.ID + " " + id
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("backups, by ARN (-want +got):\n%s", diff)
		}
	})

	for _, r := range roles {
		t.Run("restore role "+r.Spec.Name, func(t *testing.T) {
			e.Rec.watch(t)
			d, calls := e.restore(t, r.ARN)
			checkAnswered(t, e, calls)
			checkRestoreMarker(t, calls, "CreateRole", "UntagRole")
			orig := origRoles[r.ARN]
			got, err := readRoleFull(ctx, e.IAM, r.Spec.Name)
			if err != nil {
				t.Fatal(err)
			}
			if got.Role.ID == orig.Role.ID || d.UniqueID != got.Role.ID || !strings.HasPrefix(got.Role.ID, "AROA") {
				t.Errorf("unique ID: restore says %q, IAM %q, the original was %q: want a new AROA... ID, the one restore printed", d.UniqueID, got.Role.ID, orig.Role.ID)
			}
			// Everything but the unique IDs (the role's and its recreated
			// profile's) is as it was.
			want := orig
			want.Role.ID = got.Role.ID
			want.Profiles = nil
			for arn, ps := range orig.Profiles {
				gp := got.Profiles[arn]
				if gp.ID == ps.ID {
					t.Errorf("instance profile %s kept its unique ID %s: it was deleted and must be new", arn, ps.ID)
				}
				ps.ID = gp.ID
				want.Profiles = setKey(want.Profiles, arn, ps)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("role %s restored (-original +restored):\n%s\nrestore: calls %q, notes %q", r.Spec.Name, diff, d.Calls, d.Notes)
			}
			if !slices.ContainsFunc(d.Notes, func(n string) bool {
				return strings.Contains(n, "new unique ID ("+got.Role.ID+"; it was "+orig.Role.ID+")")
			}) {
				t.Errorf("restore notes %q do not name the new and the old unique ID", d.Notes)
			}
			checkRestoreAgain(t, e, r.ARN)
		})
	}

	for _, u := range users {
		t.Run("restore user "+u.Spec.Name, func(t *testing.T) {
			e.Rec.watch(t)
			var extra []string
			if u.Spec.Password != "" {
				extra = append(extra, "--reset-password")
			}
			d, calls := e.restore(t, u.ARN, extra...)
			checkAnswered(t, e, calls)
			checkRestoreMarker(t, calls, "CreateUser", "UntagUser")
			orig := origUsers[u.ARN]
			got, err := readUserFull(ctx, e.IAM, u.Spec.Name)
			if err != nil {
				t.Fatal(err)
			}
			if got.User.ID == orig.User.ID || d.UniqueID != got.User.ID {
				t.Errorf("unique ID: restore says %q, IAM %q, the original was %q: want a new ID, the one restore printed", d.UniqueID, got.User.ID, orig.User.ID)
			}
			// Everything restorable is as it was; secrets (access keys, the
			// virtual MFA device) are gone, and the password is a new one.
			want := orig
			want.User.ID = got.User.ID
			want.User.AccessKeys, want.User.MFADevices = nil, nil
			want.SSHKeyIDs, want.CertIDs = got.SSHKeyIDs, got.CertIDs
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("user %s restored (-original +restored):\n%s\nrestore: calls %q, notes %q", u.Spec.Name, diff, d.Calls, d.Notes)
			}
			for _, id := range got.SSHKeyIDs {
				if slices.Contains(orig.SSHKeyIDs, id) {
					t.Errorf("SSH public key %s: restored with its old ID", id)
				}
			}
			var wantNotes []string
			if u.Spec.Password != "" {
				// moto difference: CreateLoginProfile ignores
				// PasswordResetRequired (GetLoginProfile says false), so
				// the request is checked, not what moto holds.
				var sent []string
				for _, c := range calls {
					if c.action == "CreateLoginProfile" {
						sent = append(sent, describeCall(c))
					}
				}
				if diff := cmp.Diff([]string{"CreateLoginProfile UserName=" + u.Spec.Name + " PasswordResetRequired=true"}, sent); diff != "" {
					t.Errorf("--reset-password: CreateLoginProfile requests (-want +got):\n%s", diff)
				}
				if d.ConsolePassword == nil || len(*d.ConsolePassword) < 20 {
					t.Errorf("--reset-password: console_password %v, want the new password", d.ConsolePassword)
				}
				var ids []string
				for _, k := range u.Keys {
					ids = append(ids, k.ID)
				}
				wantNotes = append(wantNotes, fmt.Sprintf("%d access keys (%s) cannot come back", len(ids), strings.Join(ids, ", ")),
					"virtual MFA device "+u.MFASerial+" was deleted")
			}
			wantNotes = append(wantNotes, "new unique ID ("+got.User.ID+"; it was "+orig.User.ID+")")
			for _, w := range wantNotes {
				if !slices.ContainsFunc(d.Notes, func(n string) bool { return strings.Contains(n, w) }) {
					t.Errorf("restore notes %q: none says %q", d.Notes, w)
				}
			}
			checkRestoreAgain(t, e, u.ARN)
		})
	}
}

// checkRestoreMarker checks that a restore's create carried its marker
// tag, which moto accepted with the principal's own tags, and that its
// last change removed it (the comparisons of the restored principal with
// the original check that none is left).
func checkRestoreMarker(t *testing.T, calls []exchange, create, untag string) {
	t.Helper()
	var changes []string
	for _, c := range calls {
		if !reads(c.action) {
			changes = append(changes, describeCall(c))
		}
	}
	if len(changes) == 0 {
		t.Fatalf("restore made no change")
	}
	if !strings.HasPrefix(changes[0], create+" ") || !strings.Contains(changes[0], "Tag=iamsweep:restore") {
		t.Errorf("restore's first change %q: want %s with the tag iamsweep:restore", changes[0], create)
	}
	if last := changes[len(changes)-1]; !strings.HasPrefix(last, untag+" ") || !strings.HasSuffix(last, "TagKeys=iamsweep:restore") {
		t.Errorf("restore's last change %q: want %s of iamsweep:restore", last, untag)
	}
}

// sortedActions lists a plan's actions as "kind principal name
// [refused]", sorted: the plan's order is the scan's, which the test of the
// delete does not depend on.
func sortedActions(p planDoc) []string {
	var out []string
	for _, a := range p.Actions {
		s := a.Kind + " " + a.Principal + " " + a.Name
		if a.Refused != "" {
			s += " refused"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// changesByPrincipal groups the changes among calls by the role or user
// they act on: the one named in the request, else (DeleteInstanceProfile,
// DeleteVirtualMFADevice) the one the previous change named.
func changesByPrincipal(t *testing.T, calls []exchange) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	last := ""
	for _, c := range calls {
		if reads(c.action) {
			continue
		}
		v, _ := url.ParseQuery(string(c.req))
		switch {
		case v.Has("RoleName"):
			last = v.Get("RoleName")
		case v.Has("UserName"):
			last = v.Get("UserName")
		case last == "":
			t.Errorf("%s names no role or user and follows no change that does", describeCall(c))
		}
		out[last] = append(out[last], describeCall(c))
	}
	return out
}

// checkOrder checks that the change that starts with one of finals, if
// any, comes last.
func checkOrder(t *testing.T, who string, changes []string, finals []string) {
	t.Helper()
	for i, c := range changes {
		for _, f := range finals {
			if strings.HasPrefix(c, f) && i != len(changes)-1 {
				t.Errorf("%s: %q came before other changes: %q", who, c, changes)
			}
		}
	}
}

// checkBefore checks that every change starting with first comes before
// every change starting with then.
func checkBefore(t *testing.T, who string, changes []string, first, then string) {
	t.Helper()
	lastFirst, firstThen := -1, len(changes)
	for i, c := range changes {
		if strings.HasPrefix(c, first) {
			lastFirst = i
		}
		if strings.HasPrefix(c, then) && i < firstThen {
			firstThen = i
		}
	}
	if lastFirst > firstThen {
		t.Errorf("%s: %s came after %s: %q", who, strings.TrimSpace(first), strings.TrimSpace(then), changes)
	}
}

// checkRestoreAgain restores arn a second time: it already matches its
// backup, so nothing changes.
func checkRestoreAgain(t *testing.T, e *remediationEnv, arn string) {
	t.Helper()
	d, calls := e.restore(t, arn)
	if m := mutations(calls); len(m) != 0 || len(d.Calls) != 0 {
		t.Errorf("restoring %s a second time: calls %q, changes %q; want none", arn, d.Calls, m)
	}
}
