package remediate

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const roleARN = "arn:aws:iam::111122223333:role/app/ci-deployer"

func fullRole() iamsweep.RoleState {
	return iamsweep.RoleState{
		AccountID: "111122223333", ARN: roleARN, ID: "AROAEXAMPLE000000001", Name: "ci-deployer", Path: "/app/",
		Description: "deploys", MaxSessionDuration: 7200,
		TrustPolicy:         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		PermissionsBoundary: "arn:aws:iam::111122223333:policy/boundary",
		Tags:                []iamsweep.Tag{{Key: "team", Value: "ops"}},
		InlinePolicies:      []iamsweep.NamedDocument{{Name: "s3-read", Document: `{"Version":"2012-10-17","Statement":[]}`}},
		AttachedPolicies:    []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		InstanceProfiles: []iamsweep.InstanceProfileState{
			{Name: "ci-deployer", Path: "/", ID: "AIPA1", Roles: []string{"ci-deployer"}},
			{Name: "shared", Path: "/", ID: "AIPA2", Roles: []string{"other-role"}},
		},
	}
}

func ops(steps []iamsweep.Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.String()
	}
	return out
}

func TestDeleteRoleSteps(t *testing.T) {
	r := fullRole()
	// The shared profile names another role: a profile IAM lists for this
	// role always holds it, so hold both to test the "other role" rule.
	r.InstanceProfiles[1].Roles = []string{"ci-deployer", "other-role"}
	tests := []struct {
		name     string
		current  iamsweep.RoleState
		backup   iamsweep.RoleState
		profiles map[string]iamsweep.InstanceProfileState
		want     []string
	}{
		{
			name: "everything, in IAM's order", current: r, backup: r,
			want: []string{
				"RemoveRoleFromInstanceProfile ci-deployer",
				"DeleteInstanceProfile ci-deployer",
				"RemoveRoleFromInstanceProfile shared",
				"DeleteRolePolicy s3-read",
				"DetachRolePolicy arn:aws:iam::aws:policy/ReadOnlyAccess",
				"DeleteRolePermissionsBoundary ci-deployer",
				"DeleteRole ci-deployer",
			},
		},
		{
			name:    "a profile the backup does not hold is not deleted",
			current: r, backup: iamsweep.RoleState{Name: "ci-deployer"},
			want: []string{
				"RemoveRoleFromInstanceProfile ci-deployer",
				"RemoveRoleFromInstanceProfile shared",
				"DeleteRolePolicy s3-read",
				"DetachRolePolicy arn:aws:iam::aws:policy/ReadOnlyAccess",
				"DeleteRolePermissionsBoundary ci-deployer",
				"DeleteRole ci-deployer",
			},
		},
		{
			name:    "rerun: the emptied profile is deleted, the rest is gone",
			current: iamsweep.RoleState{Name: "ci-deployer", Path: "/app/"}, backup: r,
			profiles: map[string]iamsweep.InstanceProfileState{"ci-deployer": {Name: "ci-deployer", ID: "AIPA1"}},
			want:     []string{"DeleteInstanceProfile ci-deployer", "DeleteRole ci-deployer"},
		},
		{
			name:    "rerun: a profile recreated by someone else (new ID) is left alone",
			current: iamsweep.RoleState{Name: "ci-deployer", Path: "/app/"}, backup: r,
			profiles: map[string]iamsweep.InstanceProfileState{"ci-deployer": {Name: "ci-deployer", ID: "AIPA9"}},
			want:     []string{"DeleteRole ci-deployer"},
		},
		{
			name:    "rerun: a profile that holds a role again is left alone",
			current: iamsweep.RoleState{Name: "ci-deployer", Path: "/app/"}, backup: r,
			profiles: map[string]iamsweep.InstanceProfileState{"ci-deployer": {Name: "ci-deployer", ID: "AIPA1", Roles: []string{"x"}}},
			want:     []string{"DeleteRole ci-deployer"},
		},
		{
			name:    "service-linked: one call, the service does the rest",
			current: iamsweep.RoleState{Name: "AWSServiceRoleForX", Path: "/aws-service-role/x.amazonaws.com/", InlinePolicies: r.InlinePolicies},
			want:    []string{"DeleteServiceLinkedRole AWSServiceRoleForX"},
		},
		{
			name: "bare role", current: iamsweep.RoleState{Name: "b", Path: "/"},
			want: []string{"DeleteRole b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ops(DeleteRoleSteps(tt.current, tt.backup, tt.profiles))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}

func fullUser() iamsweep.UserState {
	return iamsweep.UserState{
		AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice", ID: "AIDAEXAMPLE", Name: "alice", Path: "/",
		PermissionsBoundary: "arn:aws:iam::111122223333:policy/boundary",
		Tags:                []iamsweep.Tag{{Key: "owner", Value: "alice@example.com"}},
		InlinePolicies:      []iamsweep.NamedDocument{{Name: "p", Document: `{}`}},
		AttachedPolicies:    []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		Groups:              []string{"devs"},
		LoginProfile:        &iamsweep.LoginProfileState{Created: t0},
		AccessKeys:          []iamsweep.AccessKeyState{{ID: "AKIA1", Active: true}, {ID: "AKIA2"}},
		MFADevices: []iamsweep.MFADeviceState{
			{SerialNumber: "arn:aws:iam::111122223333:mfa/alice", Virtual: true},
			{SerialNumber: "GAHT12345678"},
		},
		SSHPublicKeys:       []iamsweep.SSHPublicKeyState{{ID: "APKA1", Body: "ssh-rsa AAAA", Active: true}},
		SigningCertificates: []iamsweep.SigningCertificateState{{ID: "CERT1", Body: "-----BEGIN CERTIFICATE-----", Active: false}},
		ServiceCredentials:  []iamsweep.ServiceCredentialState{{ID: "ACCA1", ServiceName: "codecommit.amazonaws.com"}},
	}
}

func TestDeleteUserSteps(t *testing.T) {
	u := fullUser()
	want := []string{
		"DeleteLoginProfile alice",
		"DeleteAccessKey AKIA1",
		"DeleteAccessKey AKIA2",
		"DeleteSigningCertificate CERT1",
		"DeleteSSHPublicKey APKA1",
		"DeleteServiceSpecificCredential ACCA1",
		"DeactivateMFADevice arn:aws:iam::111122223333:mfa/alice",
		"DeleteVirtualMFADevice arn:aws:iam::111122223333:mfa/alice",
		"DeactivateMFADevice GAHT12345678",
		"DeleteUserPolicy p",
		"DetachUserPolicy arn:aws:iam::aws:policy/ReadOnlyAccess",
		"RemoveUserFromGroup devs",
		"DeleteUserPermissionsBoundary alice",
		"DeleteUser alice",
	}
	if diff := cmp.Diff(want, ops(DeleteUserSteps(u, u))); diff != "" {
		t.Errorf("full user (-want +got):\n%s", diff)
	}
	// A rerun after the virtual device was deactivated (IAM no longer
	// lists it for the user) still deletes it.
	rest := iamsweep.UserState{Name: "alice"}
	want = []string{"DeleteVirtualMFADevice arn:aws:iam::111122223333:mfa/alice", "DeleteUser alice"}
	if diff := cmp.Diff(want, ops(DeleteUserSteps(rest, u))); diff != "" {
		t.Errorf("rerun (-want +got):\n%s", diff)
	}
}

func TestQuarantineSteps(t *testing.T) {
	q := Quarantine{At: t0, By: "arn:aws:sts::111122223333:assumed-role/admin/jo", Reason: "unused (no-recorded-use)"}
	r := fullRole()
	steps, notes := QuarantineRoleSteps(r, q)
	if len(notes) != 0 {
		t.Errorf("notes = %q, want none", notes)
	}
	if len(steps) != 2 || steps[0].Op != iamsweep.OpPutRolePolicy || steps[0].Target != QuarantinePolicyName || steps[1].Op != iamsweep.OpTagRole {
		t.Fatalf("steps = %q, want PutRolePolicy iamsweep-quarantine then TagRole", ops(steps))
	}
	if !strings.Contains(steps[0].Document, `"aws:TokenIssueTime":"2026-11-23T12:00:00Z"`) || !strings.Contains(steps[0].Document, `"Effect":"Deny","Action":"*","Resource":"*"}`) {
		t.Errorf("document %s lacks the deny-all or the session revocation", steps[0].Document)
	}
	wantTags := []iamsweep.Tag{
		{Key: TagQuarantinedAt, Value: "2026-11-23T12:00:00Z"},
		{Key: TagQuarantinedBy, Value: "arn:aws:sts::111122223333:assumed-role/admin/jo"},
		{Key: TagQuarantineReason, Value: "unused  no-recorded-use"},
		{Key: TagQuarantinePolicy, Value: "inline"},
	}
	if diff := cmp.Diff(wantTags, steps[1].Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}

	// Twice: nothing to do.
	r.InlinePolicies = append(r.InlinePolicies, iamsweep.NamedDocument{Name: QuarantinePolicyName, Document: steps[0].Document})
	r.Tags = append(r.Tags, wantTags...)
	if again, _ := QuarantineRoleSteps(r, q); len(again) != 0 {
		t.Errorf("second quarantine = %q, want no steps", ops(again))
	}

	// Release undoes exactly that.
	rel := ReleaseRoleSteps(r, false)
	want := []string{"DeleteRolePolicy iamsweep-quarantine", "UntagRole " + strings.Join([]string{TagQuarantinePolicy, TagQuarantineReason, TagQuarantinedAt, TagQuarantinedBy}, ",")}
	if diff := cmp.Diff(want, ops(rel)); diff != "" {
		t.Errorf("release (-want +got):\n%s", diff)
	}
	if got := ReleaseRoleSteps(fullRole(), false); len(got) != 0 {
		t.Errorf("release of an unquarantined role = %q, want none", ops(got))
	}
}

func TestQuarantineSteps_limits(t *testing.T) {
	q := Quarantine{At: t0, By: "me", Reason: "r"}
	denyAll := "arn:aws:iam::aws:policy/AWSDenyAll"
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + strings.Repeat("x", RoleInlineSizeLimit-200) + `"}]}`

	t.Run("inline size limit: AWSDenyAll instead", func(t *testing.T) {
		r := fullRole()
		r.InlinePolicies = []iamsweep.NamedDocument{{Name: "big", Document: big}}
		steps, notes := QuarantineRoleSteps(r, q)
		if len(steps) != 2 || steps[0].Op != iamsweep.OpAttachRolePolicy || steps[0].Target != denyAll {
			t.Fatalf("steps = %q, want AttachRolePolicy AWSDenyAll", ops(steps))
		}
		if v, _ := tagValue(steps[1].Tags, TagQuarantinePolicy); v != "AWSDenyAll" {
			t.Errorf("policy tag = %q, want AWSDenyAll", v)
		}
		if len(notes) == 0 {
			t.Error("no note explains the fallback")
		}
		// Release detaches it, because the tag says iamsweep attached it.
		r.AttachedPolicies = append(r.AttachedPolicies, denyAll)
		r.Tags = append(r.Tags, steps[1].Tags...)
		if got := ops(ReleaseRoleSteps(r, false)); len(got) != 2 || got[0] != "DetachRolePolicy "+denyAll {
			t.Errorf("release = %q, want DetachRolePolicy AWSDenyAll first", got)
		}
	})
	t.Run("white space is not counted", func(t *testing.T) {
		r := fullRole()
		spaced := strings.Repeat(" \n\t", RoleInlineSizeLimit)
		r.InlinePolicies = []iamsweep.NamedDocument{{Name: "spaced", Document: "{" + spaced + "}"}}
		if steps, _ := QuarantineRoleSteps(r, q); steps[0].Op != iamsweep.OpPutRolePolicy {
			t.Errorf("steps = %q, want the inline policy", ops(steps))
		}
	})
	t.Run("user limit is 2048", func(t *testing.T) {
		u := fullUser()
		u.InlinePolicies = []iamsweep.NamedDocument{{Name: "p", Document: strings.Repeat("x", UserInlineSizeLimit-PolicySize(QuarantineDocument(t0)))}}
		if steps, _ := QuarantineUserSteps(u, q); steps[0].Op != iamsweep.OpPutUserPolicy {
			t.Errorf("at exactly the limit: steps = %q, want the inline policy", ops(steps))
		}
		u.InlinePolicies[0].Document += "x"
		if steps, _ := QuarantineUserSteps(u, q); steps[0].Op != iamsweep.OpAttachUserPolicy {
			t.Errorf("one over the limit: steps = %q, want AWSDenyAll", ops(steps))
		}
	})
	t.Run("AWSDenyAll someone attached is kept on release", func(t *testing.T) {
		r := fullRole()
		r.InlinePolicies = []iamsweep.NamedDocument{{Name: "big", Document: big}}
		r.AttachedPolicies = append(r.AttachedPolicies, denyAll)
		steps, _ := QuarantineRoleSteps(r, q)
		if len(steps) != 1 || steps[0].Op != iamsweep.OpTagRole {
			t.Fatalf("steps = %q, want only TagRole", ops(steps))
		}
		r.Tags = append(r.Tags, steps[0].Tags...)
		for _, s := range ReleaseRoleSteps(r, false) {
			if s.Op == iamsweep.OpDetachRolePolicy {
				t.Errorf("release detaches the AWSDenyAll iamsweep did not attach")
			}
		}
	})
	t.Run("no room for tags", func(t *testing.T) {
		r := fullRole()
		for i := len(r.Tags); i < MaxTags-3; i++ {
			r.Tags = append(r.Tags, iamsweep.Tag{Key: "k" + strings.Repeat("x", i)})
		}
		steps, notes := QuarantineRoleSteps(r, q)
		if len(steps) != 1 || steps[0].Op != iamsweep.OpPutRolePolicy || len(notes) != 1 {
			t.Errorf("steps = %q notes = %q, want the policy alone and a note", ops(steps), notes)
		}
	})
	t.Run("resumed after the policy, before the tags", func(t *testing.T) {
		r := fullRole()
		r.InlinePolicies = append(r.InlinePolicies, iamsweep.NamedDocument{Name: QuarantinePolicyName, Document: QuarantineDocument(t0)})
		steps, _ := QuarantineRoleSteps(r, q)
		if len(steps) != 1 || steps[0].Op != iamsweep.OpTagRole {
			t.Fatalf("steps = %q, want only TagRole", ops(steps))
		}
		if v, _ := tagValue(steps[0].Tags, TagQuarantinePolicy); v != "inline" {
			t.Errorf("policy tag = %q, want inline", v)
		}
	})
	t.Run("resumed after AWSDenyAll, before the tags", func(t *testing.T) {
		r := fullRole()
		r.InlinePolicies = []iamsweep.NamedDocument{{Name: "big", Document: big}}
		r.AttachedPolicies = append(r.AttachedPolicies, denyAll)
		resumed := q
		resumed.DenyAllOurs = true
		steps, _ := QuarantineRoleSteps(r, resumed)
		if len(steps) != 1 || steps[0].Op != iamsweep.OpTagRole {
			t.Fatalf("steps = %q, want only TagRole", ops(steps))
		}
		if v, _ := tagValue(steps[0].Tags, TagQuarantinePolicy); v != "AWSDenyAll" {
			t.Errorf("policy tag = %q, want AWSDenyAll (release detaches it)", v)
		}
	})
	t.Run("partition", func(t *testing.T) {
		if got := DenyAllARN("arn:aws-cn:iam::111122223333:role/x"); got != "arn:aws-cn:iam::aws:policy/AWSDenyAll" {
			t.Errorf("DenyAllARN = %s", got)
		}
	})
}

func TestTagValue(t *testing.T) {
	tests := map[string]string{
		"last used 120 days ago (2026-07-01) in us-east-1": "last used 120 days ago  2026-07-01  in us-east-1",
		"a+b=c@d:e/f_g.h-i":      "a+b=c@d:e/f_g.h-i",
		"ünïcödé ok":             "ünïcödé ok",
		strings.Repeat("x", 300): strings.Repeat("x", 256),
		"  padded, with comma  ": "padded  with comma",
	}
	for in, want := range tests {
		if got := TagValue(in); got != want {
			t.Errorf("TagValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRestoreRoleSteps(t *testing.T) {
	b := fullRole()
	steps, notes := RestoreRoleSteps(b, nil, map[string]iamsweep.InstanceProfileState{
		"shared": {Name: "shared", Roles: []string{"other-role"}},
	}, iamsweep.Tag{})
	want := []string{
		"CreateRole ci-deployer",
		"PutRolePolicy s3-read",
		"AttachRolePolicy arn:aws:iam::aws:policy/ReadOnlyAccess",
		"CreateInstanceProfile ci-deployer",
		"AddRoleToInstanceProfile ci-deployer",
	}
	if diff := cmp.Diff(want, ops(steps)); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "shared") {
		t.Errorf("notes = %q, want one about the profile that holds another role", notes)
	}
	if steps[0].Role.TrustPolicy != b.TrustPolicy || steps[0].Role.PermissionsBoundary != b.PermissionsBoundary {
		t.Errorf("CreateRole does not carry the trust policy and boundary")
	}

	// A rerun after CreateRole and the policy: only the rest.
	cur := iamsweep.RoleState{Name: b.Name, Path: b.Path, Tags: b.Tags, PermissionsBoundary: b.PermissionsBoundary,
		InlinePolicies: []iamsweep.NamedDocument{{Name: "s3-read", Document: `{ "Version": "2012-10-17", "Statement": [] }`}}}
	steps, _ = RestoreRoleSteps(b, &cur, map[string]iamsweep.InstanceProfileState{
		"ci-deployer": {Name: "ci-deployer"},
		"shared":      {Name: "shared", Roles: []string{"ci-deployer"}},
	}, iamsweep.Tag{})
	want = []string{"AttachRolePolicy arn:aws:iam::aws:policy/ReadOnlyAccess", "AddRoleToInstanceProfile ci-deployer"}
	if diff := cmp.Diff(want, ops(steps)); diff != "" {
		t.Errorf("rerun steps (-want +got):\n%s", diff)
	}
}

func TestRestoreUserSteps(t *testing.T) {
	b := fullUser()
	steps, notes := RestoreUserSteps(b, nil, "", iamsweep.Tag{})
	want := []string{
		"CreateUser alice",
		"PutUserPolicy p",
		"AttachUserPolicy arn:aws:iam::aws:policy/ReadOnlyAccess",
		"AddUserToGroup devs",
		"UploadSSHPublicKey alice",
		"UploadSigningCertificate alice",
	}
	if diff := cmp.Diff(want, ops(steps)); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	joined := strings.Join(notes, "\n")
	for _, must := range []string{"console password", "AKIA1, AKIA2", "enroll", "EnableMFADevice", "ACCA1"} {
		if !strings.Contains(joined, must) {
			t.Errorf("notes do not mention %q:\n%s", must, joined)
		}
	}
	steps, _ = RestoreUserSteps(b, nil, "N3w-Pass!word", iamsweep.Tag{})
	last := steps[len(steps)-1]
	if last.Op != iamsweep.OpCreateLoginProfile || !last.PasswordResetRequired || last.Password != "N3w-Pass!word" {
		t.Errorf("with a password: last step %+v, want CreateLoginProfile requiring a reset", last)
	}
}

func TestSameJSON(t *testing.T) {
	if !SameJSON(`{"a":1,"b":[1,2]}`, "{ \"b\": [1, 2],\n \"a\": 1 }") {
		t.Error("reordered, spaced JSON differs")
	}
	if SameJSON(`{"a":1}`, `{"a":2}`) || SameJSON(`not json`, `not  json`) {
		t.Error("different documents are the same")
	}
}

func TestRestoreUserSteps_inactiveUploadResumed(t *testing.T) {
	b := fullUser()
	// An interrupted restore uploaded the certificate (inactive in the
	// backup) but did not set its status.
	cur := iamsweep.UserState{Name: b.Name, Path: b.Path, PermissionsBoundary: b.PermissionsBoundary, Tags: b.Tags,
		InlinePolicies: b.InlinePolicies, AttachedPolicies: b.AttachedPolicies, Groups: b.Groups,
		SSHPublicKeys:       []iamsweep.SSHPublicKeyState{{ID: "APKA9", Body: "ssh-rsa AAAA\n", Active: true}},
		SigningCertificates: []iamsweep.SigningCertificateState{{ID: "CERT9", Body: "-----BEGIN CERTIFICATE-----", Active: true}}}
	steps, _ := RestoreUserSteps(b, &cur, "", iamsweep.Tag{})
	want := []string{"UpdateSigningCertificate CERT9"}
	if diff := cmp.Diff(want, ops(steps)); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if steps[0].Active {
		t.Error("the certificate is set active; the backup has it inactive")
	}
}

// TestRestoreSteps_marker: the principal a restore creates carries the
// restore's marker from its create on; the last call removes it, and a
// tag that had no room beside it (a backup at IAM's 50-tag quota) is
// added after.
func TestRestoreSteps_marker(t *testing.T) {
	marker := RestoreMarker("restore-b-p1-a001")
	if marker != (iamsweep.Tag{Key: "iamsweep:restore", Value: "restore-b-p1-a001"}) {
		t.Fatalf("RestoreMarker = %+v", marker)
	}
	b := fullRole()
	b.InstanceProfiles = nil
	steps, _ := RestoreRoleSteps(b, nil, nil, marker)
	want := []string{"CreateRole ci-deployer", "PutRolePolicy s3-read", "AttachRolePolicy arn:aws:iam::aws:policy/ReadOnlyAccess", "UntagRole iamsweep:restore"}
	if diff := cmp.Diff(want, ops(steps)); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(append(slices.Clone(b.Tags), marker), steps[0].Role.Tags); diff != "" {
		t.Errorf("CreateRole tags (-want +got):\n%s", diff)
	}

	// At the quota: the last tag waits for the marker's removal.
	var full []iamsweep.Tag
	for i := range MaxTags {
		full = append(full, iamsweep.Tag{Key: fmt.Sprintf("k%02d", i), Value: "v"})
	}
	u := iamsweep.UserState{Name: "alice", Path: "/", Tags: full}
	steps, _ = RestoreUserSteps(u, nil, "", marker)
	if diff := cmp.Diff([]string{"CreateUser alice", "UntagUser iamsweep:restore", "TagUser k49"}, ops(steps)); diff != "" {
		t.Errorf("steps of a user with 50 tags (-want +got):\n%s", diff)
	}
	if got := steps[0].User.Tags; len(got) != MaxTags || got[MaxTags-1] != marker {
		t.Errorf("CreateUser tags %v: want 49 of the backup's and the marker", got)
	}

	// Rerun after the create: the rest, then the marker goes.
	cur := iamsweep.UserState{Name: "alice", Path: "/", Tags: steps[0].User.Tags}
	steps, _ = RestoreUserSteps(u, &cur, "", marker)
	if diff := cmp.Diff([]string{"UntagUser iamsweep:restore", "TagUser k49"}, ops(steps)); diff != "" {
		t.Errorf("rerun steps (-want +got):\n%s", diff)
	}
	// Rerun after the marker's removal: the last tag.
	cur.Tags = full[:MaxTags-1]
	steps, _ = RestoreUserSteps(u, &cur, "", marker)
	if diff := cmp.Diff([]string{"TagUser k49"}, ops(steps)); diff != "" {
		t.Errorf("steps after the marker's removal (-want +got):\n%s", diff)
	}
	// Without a marker (a principal that was never deleted), no tag call.
	cur.Tags = full
	if steps, _ := RestoreUserSteps(u, &cur, "", marker); len(steps) > 0 {
		t.Errorf("steps for a complete user: %q", ops(steps))
	}
}
