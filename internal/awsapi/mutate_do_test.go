package awsapi

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// TestClient_DoRole runs steps on role app and compares the role read back
// with the state read before, changed as the steps should change it.
func TestClient_DoRole(t *testing.T) {
	tests := []struct {
		name  string
		steps []iamsweep.Step
		want  func(*iamsweep.RoleState)
	}{
		{
			name:  "PutRolePolicy adds an inline policy, kept as written",
			steps: []iamsweep.Step{{Op: iamsweep.OpPutRolePolicy, Name: "app", Target: "iamsweep-quarantine", Document: denyDoc}},
			want: func(r *iamsweep.RoleState) {
				r.InlinePolicies = []iamsweep.NamedDocument{r.InlinePolicies[0], {Name: "iamsweep-quarantine", Document: denyDoc}, r.InlinePolicies[1]}
			},
		},
		{
			name:  "PutRolePolicy replaces a policy of that name",
			steps: []iamsweep.Step{{Op: iamsweep.OpPutRolePolicy, Name: "app", Target: "a-read", Document: denyDoc}},
			want:  func(r *iamsweep.RoleState) { r.InlinePolicies[0].Document = denyDoc },
		},
		{
			name:  "DeleteRolePolicy",
			steps: []iamsweep.Step{{Op: iamsweep.OpDeleteRolePolicy, Name: "app", Target: "z-write"}},
			want:  func(r *iamsweep.RoleState) { r.InlinePolicies = r.InlinePolicies[:1] },
		},
		{
			name:  "AttachRolePolicy",
			steps: []iamsweep.Step{{Op: iamsweep.OpAttachRolePolicy, Name: "app", Target: denyAllARN}},
			want:  func(r *iamsweep.RoleState) { r.AttachedPolicies = []string{denyAllARN, adminARN, readOnlyARN} },
		},
		{
			name:  "DetachRolePolicy",
			steps: []iamsweep.Step{{Op: iamsweep.OpDetachRolePolicy, Name: "app", Target: adminARN}},
			want:  func(r *iamsweep.RoleState) { r.AttachedPolicies = []string{readOnlyARN} },
		},
		{
			name: "TagRole adds and replaces",
			steps: []iamsweep.Step{{Op: iamsweep.OpTagRole, Name: "app", Tags: []iamsweep.Tag{
				{Key: "iamsweep:quarantined-at", Value: "2026-06-01T12:00:00Z"}, {Key: "team", Value: "core"}}}},
			want: func(r *iamsweep.RoleState) {
				r.Tags = []iamsweep.Tag{{Key: "env", Value: "prod"}, {Key: "iamsweep:quarantined-at", Value: "2026-06-01T12:00:00Z"}, {Key: "team", Value: "core"}}
			},
		},
		{
			name:  "UntagRole",
			steps: []iamsweep.Step{{Op: iamsweep.OpUntagRole, Name: "app", TagKeys: []string{"env", "team"}}},
			want:  func(r *iamsweep.RoleState) { r.Tags = nil },
		},
		{
			name:  "PutRolePermissionsBoundary replaces the boundary",
			steps: []iamsweep.Step{{Op: iamsweep.OpPutRolePermissionsBoundary, Name: "app", Target: powerARN}},
			want:  func(r *iamsweep.RoleState) { r.PermissionsBoundary = powerARN },
		},
		{
			name:  "DeleteRolePermissionsBoundary",
			steps: []iamsweep.Step{{Op: iamsweep.OpDeleteRolePermissionsBoundary, Name: "app"}},
			want:  func(r *iamsweep.RoleState) { r.PermissionsBoundary = "" },
		},
		{
			name:  "RemoveRoleFromInstanceProfile",
			steps: []iamsweep.Step{{Op: iamsweep.OpRemoveRoleFromInstanceProfile, Name: "app", Target: "app-profile"}},
			want:  func(r *iamsweep.RoleState) { r.InstanceProfiles = nil },
		},
		{
			name: "a profile moved to another: Remove, then Add (named by Profile)",
			steps: []iamsweep.Step{
				{Op: iamsweep.OpRemoveRoleFromInstanceProfile, Name: "app", Target: "app-profile"},
				{Op: iamsweep.OpAddRoleToInstanceProfile, Name: "app", Profile: &iamsweep.InstanceProfileState{Name: "spare"}},
			},
			want: func(r *iamsweep.RoleState) {
				r.InstanceProfiles = []iamsweep.InstanceProfileState{{Name: "spare", Path: "/", ID: "AIPASPARESPARESPARESP",
					ARN: "arn:aws:iam::" + testAccountID + ":instance-profile/spare", Roles: []string{"app"},
					Tags: []iamsweep.Tag{{Key: "purpose", Value: "restore"}}}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newMutateEnv(t)
			want := env.role(t, "app")
			env.do(t, tt.steps...)
			tt.want(&want)
			if diff := cmp.Diff(want, env.role(t, "app")); diff != "" {
				t.Errorf("role after %v (-want +got):\n%s", tt.steps, diff)
			}
		})
	}
}

// TestClient_DoUser runs steps on user alice and compares the user read
// back with the state read before, changed as the steps should change it.
func TestClient_DoUser(t *testing.T) {
	tests := []struct {
		name  string
		steps []iamsweep.Step
		// want changes the state read before; got is the state read after,
		// for the IDs IAM generates.
		want func(w *iamsweep.UserState, got iamsweep.UserState)
	}{
		{
			name:  "PutUserPolicy",
			steps: []iamsweep.Step{{Op: iamsweep.OpPutUserPolicy, Name: "alice", Target: "iamsweep-quarantine", Document: denyDoc}},
			want: func(w *iamsweep.UserState, _ iamsweep.UserState) {
				w.InlinePolicies = append([]iamsweep.NamedDocument{{Name: "iamsweep-quarantine", Document: denyDoc}}, w.InlinePolicies...)
			},
		},
		{
			name:  "DeleteUserPolicy",
			steps: []iamsweep.Step{{Op: iamsweep.OpDeleteUserPolicy, Name: "alice", Target: "s3"}},
			want:  func(w *iamsweep.UserState, _ iamsweep.UserState) { w.InlinePolicies = nil },
		},
		{
			name:  "AttachUserPolicy",
			steps: []iamsweep.Step{{Op: iamsweep.OpAttachUserPolicy, Name: "alice", Target: denyAllARN}},
			want: func(w *iamsweep.UserState, _ iamsweep.UserState) {
				w.AttachedPolicies = []string{denyAllARN, readOnlyARN}
			},
		},
		{
			name:  "DetachUserPolicy",
			steps: []iamsweep.Step{{Op: iamsweep.OpDetachUserPolicy, Name: "alice", Target: readOnlyARN}},
			want:  func(w *iamsweep.UserState, _ iamsweep.UserState) { w.AttachedPolicies = nil },
		},
		{
			name: "TagUser and UntagUser",
			steps: []iamsweep.Step{
				{Op: iamsweep.OpTagUser, Name: "alice", Tags: []iamsweep.Tag{{Key: "iamsweep:quarantined-by", Value: "arn:aws:iam::123456789012:user/ops"}}},
				{Op: iamsweep.OpUntagUser, Name: "alice", TagKeys: []string{"owner"}},
			},
			want: func(w *iamsweep.UserState, _ iamsweep.UserState) {
				w.Tags = []iamsweep.Tag{{Key: "cost-center", Value: "42"}, {Key: "iamsweep:quarantined-by", Value: "arn:aws:iam::123456789012:user/ops"}}
			},
		},
		{
			name:  "PutUserPermissionsBoundary",
			steps: []iamsweep.Step{{Op: iamsweep.OpPutUserPermissionsBoundary, Name: "alice", Target: powerARN}},
			want:  func(w *iamsweep.UserState, _ iamsweep.UserState) { w.PermissionsBoundary = powerARN },
		},
		{
			name:  "DeleteUserPermissionsBoundary",
			steps: []iamsweep.Step{{Op: iamsweep.OpDeleteUserPermissionsBoundary, Name: "alice"}},
			want:  func(w *iamsweep.UserState, _ iamsweep.UserState) { w.PermissionsBoundary = "" },
		},
		{
			name: "DeleteLoginProfile, then CreateLoginProfile",
			steps: []iamsweep.Step{
				{Op: iamsweep.OpDeleteLoginProfile, Name: "alice"},
				{Op: iamsweep.OpCreateLoginProfile, Name: "alice", Password: "Correct-Horse-9!", PasswordResetRequired: false},
			},
			want: func(w *iamsweep.UserState, _ iamsweep.UserState) {
				w.LoginProfile = &iamsweep.LoginProfileState{Created: mutateNow}
			},
		},
		{
			name: "UpdateAccessKey both ways",
			steps: []iamsweep.Step{
				{Op: iamsweep.OpUpdateAccessKey, Name: "alice", Target: aliceKey1, Active: false},
				{Op: iamsweep.OpUpdateAccessKey, Name: "alice", Target: aliceKey2, Active: true},
			},
			want: func(w *iamsweep.UserState, _ iamsweep.UserState) {
				w.AccessKeys[0].Active, w.AccessKeys[1].Active = false, true
			},
		},
		{
			name:  "DeleteAccessKey",
			steps: []iamsweep.Step{{Op: iamsweep.OpDeleteAccessKey, Name: "alice", Target: aliceKey1}},
			want:  func(w *iamsweep.UserState, _ iamsweep.UserState) { w.AccessKeys = w.AccessKeys[1:] },
		},
		{
			name: "UpdateSigningCertificate, then DeleteSigningCertificate",
			steps: []iamsweep.Step{
				{Op: iamsweep.OpUpdateSigningCertificate, Name: "alice", Target: aliceCert, Active: false},
				{Op: iamsweep.OpDeleteSigningCertificate, Name: "alice", Target: aliceCert},
			},
			want: func(w *iamsweep.UserState, _ iamsweep.UserState) { w.SigningCertificates = nil },
		},
		{
			name:  "UpdateSigningCertificate",
			steps: []iamsweep.Step{{Op: iamsweep.OpUpdateSigningCertificate, Name: "alice", Target: aliceCert, Active: false}},
			want:  func(w *iamsweep.UserState, _ iamsweep.UserState) { w.SigningCertificates[0].Active = false },
		},
		{
			name: "UploadSigningCertificate active and inactive",
			steps: []iamsweep.Step{
				{Op: iamsweep.OpDeleteSigningCertificate, Name: "alice", Target: aliceCert},
				{Op: iamsweep.OpUploadSigningCertificate, Name: "alice", Document: fixture(t, "cert1.pem"), Active: true},
				{Op: iamsweep.OpUploadSigningCertificate, Name: "alice", Document: fixture(t, "cert2.pem"), Active: false},
			},
			want: func(w *iamsweep.UserState, got iamsweep.UserState) {
				w.SigningCertificates = []iamsweep.SigningCertificateState{
					{ID: certID(got, fixture(t, "cert1.pem")), Body: fixture(t, "cert1.pem"), Active: true},
					{ID: certID(got, fixture(t, "cert2.pem")), Body: fixture(t, "cert2.pem")},
				}
			},
		},
		{
			name:  "UpdateSSHPublicKey",
			steps: []iamsweep.Step{{Op: iamsweep.OpUpdateSSHPublicKey, Name: "alice", Target: aliceSSH, Active: true}},
			want:  func(w *iamsweep.UserState, _ iamsweep.UserState) { w.SSHPublicKeys[0].Active = true },
		},
		{
			name: "DeleteSSHPublicKey, UploadSSHPublicKey active and inactive",
			steps: []iamsweep.Step{
				{Op: iamsweep.OpDeleteSSHPublicKey, Name: "alice", Target: aliceSSH},
				{Op: iamsweep.OpUploadSSHPublicKey, Name: "alice", Document: fixture(t, "ssh1.pub"), Active: true},
				{Op: iamsweep.OpUploadSSHPublicKey, Name: "alice", Document: fixture(t, "ssh2.pub"), Active: false},
			},
			want: func(w *iamsweep.UserState, got iamsweep.UserState) {
				w.SSHPublicKeys = []iamsweep.SSHPublicKeyState{
					{ID: sshID(got, fixture(t, "ssh1.pub")), Body: fixture(t, "ssh1.pub"), Active: true},
					{ID: sshID(got, fixture(t, "ssh2.pub")), Body: fixture(t, "ssh2.pub")},
				}
			},
		},
		{
			name:  "DeleteServiceSpecificCredential",
			steps: []iamsweep.Step{{Op: iamsweep.OpDeleteServiceSpecificCredential, Name: "alice", Target: aliceGit}},
			want:  func(w *iamsweep.UserState, _ iamsweep.UserState) { w.ServiceCredentials = w.ServiceCredentials[1:] },
		},
		{
			name: "DeactivateMFADevice, then DeleteVirtualMFADevice",
			steps: []iamsweep.Step{
				{Op: iamsweep.OpDeactivateMFADevice, Name: "alice", Target: aliceMFA},
				{Op: iamsweep.OpDeleteVirtualMFADevice, Target: aliceMFA},
				{Op: iamsweep.OpDeactivateMFADevice, Name: "alice", Target: hardwareMFA},
			},
			want: func(w *iamsweep.UserState, _ iamsweep.UserState) { w.MFADevices = nil },
		},
		{
			name: "RemoveUserFromGroup and AddUserToGroup",
			steps: []iamsweep.Step{
				{Op: iamsweep.OpRemoveUserFromGroup, Name: "alice", Target: "admins"},
				{Op: iamsweep.OpAddUserToGroup, Name: "alice", Target: "ops"},
			},
			want: func(w *iamsweep.UserState, _ iamsweep.UserState) { w.Groups = []string{"developers", "ops"} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newMutateEnv(t)
			want := env.user(t, "alice")
			env.do(t, tt.steps...)
			got := env.user(t, "alice")
			tt.want(&want, got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("user after %v (-want +got):\n%s", tt.steps, diff)
			}
		})
	}
}

func certID(u iamsweep.UserState, body string) string {
	for _, c := range u.SigningCertificates {
		if c.Body == body {
			return c.ID
		}
	}
	return "(no certificate with that body)"
}

func sshID(u iamsweep.UserState, body string) string {
	for _, k := range u.SSHPublicKeys {
		if k.Body == body {
			return k.ID
		}
	}
	return "(no key with that body)"
}

// TestClient_DoDeleteAndRestoreRole deletes role app the way IAM requires
// and creates it again from its state: the role read back is the one read
// first, but for what IAM generates (ID, creation, last use).
func TestClient_DoDeleteAndRestoreRole(t *testing.T) {
	env := newMutateEnv(t)
	before := env.role(t, "app")
	profile := before.InstanceProfiles[0]
	env.do(t,
		iamsweep.Step{Op: iamsweep.OpDeleteRolePolicy, Name: "app", Target: "a-read"},
		iamsweep.Step{Op: iamsweep.OpDeleteRolePolicy, Name: "app", Target: "z-write"},
		iamsweep.Step{Op: iamsweep.OpDetachRolePolicy, Name: "app", Target: adminARN},
		iamsweep.Step{Op: iamsweep.OpDetachRolePolicy, Name: "app", Target: readOnlyARN},
		iamsweep.Step{Op: iamsweep.OpRemoveRoleFromInstanceProfile, Name: "app", Target: "app-profile"},
		iamsweep.Step{Op: iamsweep.OpDeleteInstanceProfile, Target: "app-profile"},
		iamsweep.Step{Op: iamsweep.OpDeleteRole, Name: "app"},
	)
	if _, err := env.c.ReadRole(t.Context(), "app"); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Fatalf("ReadRole after DeleteRole: err %v, want ErrNotFound", err)
	}
	if _, err := env.c.ReadInstanceProfile(t.Context(), "app-profile"); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Fatalf("ReadInstanceProfile after DeleteInstanceProfile: err %v, want ErrNotFound", err)
	}

	env.do(t,
		iamsweep.Step{Op: iamsweep.OpCreateRole, Role: &before},
		iamsweep.Step{Op: iamsweep.OpPutRolePolicy, Name: "app", Target: "a-read", Document: before.InlinePolicies[0].Document},
		iamsweep.Step{Op: iamsweep.OpPutRolePolicy, Name: "app", Target: "z-write", Document: before.InlinePolicies[1].Document},
		iamsweep.Step{Op: iamsweep.OpAttachRolePolicy, Name: "app", Target: adminARN},
		iamsweep.Step{Op: iamsweep.OpAttachRolePolicy, Name: "app", Target: readOnlyARN},
		iamsweep.Step{Op: iamsweep.OpCreateInstanceProfile, Profile: &profile},
		iamsweep.Step{Op: iamsweep.OpAddRoleToInstanceProfile, Name: "app", Target: "app-profile"},
	)
	got := env.role(t, "app")
	want := before
	want.ID, want.Created, want.LastUsed = got.ID, mutateNow, iamsweep.Usage{}
	want.InstanceProfiles = []iamsweep.InstanceProfileState{profile}
	want.InstanceProfiles[0].ID = got.InstanceProfiles[0].ID
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("restored role (-want +got):\n%s", diff)
	}
	if got.ID == before.ID || got.InstanceProfiles[0].ID == profile.ID {
		t.Errorf("restored IDs %s, %s: IAM gives new ones", got.ID, got.InstanceProfiles[0].ID)
	}

	// What CreateRole sent: the optional members only when set.
	sent := env.rec.sent("CreateRole")
	if len(sent) != 1 {
		t.Fatalf("%d CreateRole calls", len(sent))
	}
	for key, want := range map[string]string{
		"RoleName": "app", "Path": "/svc/", "AssumeRolePolicyDocument": trustDoc, "Description": "the app's role",
		"MaxSessionDuration": "7200", "PermissionsBoundary": boundaryARN,
		"Tags.member.1.Key": "env", "Tags.member.2.Value": "payments",
	} {
		if got := sent[0].Get(key); got != want {
			t.Errorf("CreateRole %s = %q, want %q", key, got, want)
		}
	}
}

func TestClient_DoCreateMinimal(t *testing.T) {
	env := newMutateEnv(t)
	env.do(t,
		iamsweep.Step{Op: iamsweep.OpCreateRole, Name: "fresh", Role: &iamsweep.RoleState{TrustPolicy: fakeaws.DefaultTrustPolicy}},
		iamsweep.Step{Op: iamsweep.OpCreateUser, Name: "newbie", User: &iamsweep.UserState{}},
		iamsweep.Step{Op: iamsweep.OpCreateInstanceProfile, Target: "lonely"},
	)
	role := env.rec.sent("CreateRole")[0]
	for _, key := range []string{"Path", "Description", "MaxSessionDuration", "PermissionsBoundary", "Tags.member.1.Key"} {
		if role.Has(key) {
			t.Errorf("CreateRole sent %s=%q for a role without it", key, role.Get(key))
		}
	}
	user := env.rec.sent("CreateUser")[0]
	for _, key := range []string{"Path", "PermissionsBoundary", "Tags.member.1.Key"} {
		if user.Has(key) {
			t.Errorf("CreateUser sent %s=%q for a user without it", key, user.Get(key))
		}
	}
	if got := env.role(t, "fresh"); got.Path != "/" || got.MaxSessionDuration != 3600 || got.Description != "" {
		t.Errorf("created role %+v", got)
	}
	if got := env.user(t, "newbie"); got.Path != "/" || got.ID == "" {
		t.Errorf("created user %+v", got)
	}
	got, err := env.c.ReadInstanceProfile(t.Context(), "lonely")
	if err != nil || got.Path != "/" || got.Roles != nil {
		t.Errorf("created profile %+v, %v", got, err)
	}
}

// TestClient_DoDeleteAndRestoreUser deletes user alice in the order IAM
// documents and creates it again from its state.
func TestClient_DoDeleteAndRestoreUser(t *testing.T) {
	env := newMutateEnv(t)
	before := env.user(t, "alice")
	env.do(t,
		iamsweep.Step{Op: iamsweep.OpDeleteLoginProfile, Name: "alice"},
		iamsweep.Step{Op: iamsweep.OpDeleteAccessKey, Name: "alice", Target: aliceKey1},
		iamsweep.Step{Op: iamsweep.OpDeleteAccessKey, Name: "alice", Target: aliceKey2},
		iamsweep.Step{Op: iamsweep.OpDeleteSigningCertificate, Name: "alice", Target: aliceCert},
		iamsweep.Step{Op: iamsweep.OpDeleteSSHPublicKey, Name: "alice", Target: aliceSSH},
		iamsweep.Step{Op: iamsweep.OpDeleteServiceSpecificCredential, Name: "alice", Target: aliceGit},
		iamsweep.Step{Op: iamsweep.OpDeleteServiceSpecificCredential, Name: "alice", Target: aliceCQL},
		iamsweep.Step{Op: iamsweep.OpDeactivateMFADevice, Name: "alice", Target: aliceMFA},
		iamsweep.Step{Op: iamsweep.OpDeleteVirtualMFADevice, Target: aliceMFA},
		iamsweep.Step{Op: iamsweep.OpDeactivateMFADevice, Name: "alice", Target: hardwareMFA},
		iamsweep.Step{Op: iamsweep.OpDeleteUserPolicy, Name: "alice", Target: "s3"},
		iamsweep.Step{Op: iamsweep.OpDetachUserPolicy, Name: "alice", Target: readOnlyARN},
		iamsweep.Step{Op: iamsweep.OpRemoveUserFromGroup, Name: "alice", Target: "admins"},
		iamsweep.Step{Op: iamsweep.OpRemoveUserFromGroup, Name: "alice", Target: "developers"},
		iamsweep.Step{Op: iamsweep.OpDeleteUser, Name: "alice"},
	)
	if _, err := env.c.ReadUser(t.Context(), "alice"); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Fatalf("ReadUser after DeleteUser: err %v, want ErrNotFound", err)
	}

	// What a restore can bring back: not the keys, MFA devices or service
	// credentials, whose secrets are gone.
	const password = "Restored-Pa55word!"
	env.do(t,
		iamsweep.Step{Op: iamsweep.OpCreateUser, User: &before},
		iamsweep.Step{Op: iamsweep.OpPutUserPolicy, Name: "alice", Target: "s3", Document: before.InlinePolicies[0].Document},
		iamsweep.Step{Op: iamsweep.OpAttachUserPolicy, Name: "alice", Target: readOnlyARN},
		iamsweep.Step{Op: iamsweep.OpAddUserToGroup, Name: "alice", Target: "admins"},
		iamsweep.Step{Op: iamsweep.OpAddUserToGroup, Name: "alice", Target: "developers"},
		iamsweep.Step{Op: iamsweep.OpCreateLoginProfile, Name: "alice", Password: password, PasswordResetRequired: true},
		iamsweep.Step{Op: iamsweep.OpUploadSSHPublicKey, Name: "alice", Document: before.SSHPublicKeys[0].Body, Active: before.SSHPublicKeys[0].Active},
		iamsweep.Step{Op: iamsweep.OpUploadSigningCertificate, Name: "alice", Document: before.SigningCertificates[0].Body, Active: before.SigningCertificates[0].Active},
	)
	got := env.user(t, "alice")
	want := before
	want.ID, want.Created = got.ID, mutateNow
	want.LoginProfile = &iamsweep.LoginProfileState{Created: mutateNow, PasswordResetRequired: true}
	want.PasswordLastUsed = time.Time{}
	want.AccessKeys, want.MFADevices, want.ServiceCredentials = nil, nil, nil
	want.SSHPublicKeys[0].ID = got.SSHPublicKeys[0].ID
	want.SigningCertificates[0].ID = got.SigningCertificates[0].ID
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("restored user (-want +got):\n%s", diff)
	}

	// The password goes to IAM and nowhere else.
	if sent := env.rec.sent("CreateLoginProfile"); len(sent) != 1 || sent[0].Get("Password") != password {
		t.Errorf("CreateLoginProfile sent %v", sent)
	}
	if strings.Contains(env.log.String(), password) {
		t.Errorf("the password is in the log:\n%s", env.log.String())
	}
	err := env.c.Do(t.Context(), iamsweep.Step{Op: iamsweep.OpCreateLoginProfile, Name: "alice", Password: password})
	if err == nil || iamsweep.ErrorCode(err) != "EntityAlreadyExists" || strings.Contains(err.Error(), password) {
		t.Errorf("second CreateLoginProfile: err %v (code %q), want EntityAlreadyExists without the password", err, iamsweep.ErrorCode(err))
	}
	// The key was inactive: its upload is followed by an update; the
	// certificate was active: its upload is all.
	if sent := env.rec.sent("UpdateSSHPublicKey"); len(sent) != 1 || sent[0].Get("Status") != "Inactive" ||
		sent[0].Get("UserName") != "alice" || sent[0].Get("SSHPublicKeyId") != got.SSHPublicKeys[0].ID {
		t.Errorf("the inactive key's upload was followed by %v, want one update to Inactive", sent)
	}
	if sent := env.rec.sent("UpdateSigningCertificate"); len(sent) != 0 {
		t.Errorf("the active certificate's upload was followed by %v", sent)
	}
}

// TestClient_DoUpdateAccessKeyNamesTheUser checks that UpdateAccessKey
// always sends UserName: without it, IAM changes a key of the caller.
func TestClient_DoUpdateAccessKeyNamesTheUser(t *testing.T) {
	env := newMutateEnv(t)
	env.do(t, iamsweep.Step{Op: iamsweep.OpUpdateAccessKey, Name: "bob", Target: "AKIABOB0000000000001"})
	sent := env.rec.sent("UpdateAccessKey")
	if len(sent) != 1 || sent[0].Get("UserName") != "bob" || sent[0].Get("AccessKeyId") != "AKIABOB0000000000001" || sent[0].Get("Status") != "Inactive" {
		t.Errorf("UpdateAccessKey sent %v", sent)
	}

	env.rec.reset()
	err := env.c.Do(t.Context(), iamsweep.Step{Op: iamsweep.OpUpdateAccessKey, Target: "AKIABOB0000000000001"})
	if err == nil || len(env.rec.sent("UpdateAccessKey")) != 0 {
		t.Errorf("a step without a user name: err %v, %d calls; want an error and no call", err, len(env.rec.sent("UpdateAccessKey")))
	}
}

func TestClient_DoErrors(t *testing.T) {
	tests := []struct {
		name     string
		opts     []fakeaws.Option
		step     iamsweep.Step
		wantKind error  // nil: no domain error
		wantCode string // "": not an AWS error
		wantMsg  string
	}{
		{name: "DeleteRole with an inline policy left", step: iamsweep.Step{Op: iamsweep.OpDeleteRole, Name: "app"},
			wantKind: iamsweep.ErrDeleteConflict, wantCode: "DeleteConflict", wantMsg: "DeleteRole app: "},
		{name: "DeleteUser with credentials left", step: iamsweep.Step{Op: iamsweep.OpDeleteUser, Name: "alice"},
			wantKind: iamsweep.ErrDeleteConflict, wantCode: "DeleteConflict", wantMsg: "DeleteUser alice: "},
		{name: "DeleteVirtualMFADevice still enabled", step: iamsweep.Step{Op: iamsweep.OpDeleteVirtualMFADevice, Target: aliceMFA},
			wantKind: iamsweep.ErrDeleteConflict, wantCode: "DeleteConflict", wantMsg: "DeleteVirtualMFADevice " + aliceMFA + ": "},
		{name: "DeleteRolePolicy already done", step: iamsweep.Step{Op: iamsweep.OpDeleteRolePolicy, Name: "app", Target: "gone"},
			wantKind: iamsweep.ErrNotFound, wantCode: "NoSuchEntity", wantMsg: "DeleteRolePolicy gone: "},
		{name: "DeleteAccessKey already done", step: iamsweep.Step{Op: iamsweep.OpDeleteAccessKey, Name: "alice", Target: "AKIAGONE000000000001"},
			wantKind: iamsweep.ErrNotFound, wantCode: "NoSuchEntity", wantMsg: "DeleteAccessKey AKIAGONE000000000001: "},
		{name: "DeleteLoginProfile of a user without one", step: iamsweep.Step{Op: iamsweep.OpDeleteLoginProfile, Name: "bob"},
			wantKind: iamsweep.ErrNotFound, wantCode: "NoSuchEntity", wantMsg: "DeleteLoginProfile bob: "},
		{name: "DeleteRole of a missing role", step: iamsweep.Step{Op: iamsweep.OpDeleteRole, Name: "ghost"},
			wantKind: iamsweep.ErrNotFound, wantCode: "NoSuchEntity"},
		{name: "CreateRole over an existing one", step: iamsweep.Step{Op: iamsweep.OpCreateRole, Role: &iamsweep.RoleState{Name: "app", TrustPolicy: fakeaws.DefaultTrustPolicy}},
			wantCode: "EntityAlreadyExists", wantMsg: "CreateRole app: "},
		{name: "CreateInstanceProfile over an existing one", step: iamsweep.Step{Op: iamsweep.OpCreateInstanceProfile, Target: "spare"},
			wantCode: "EntityAlreadyExists"},
		{name: "AttachRolePolicy past the quota", opts: []fakeaws.Option{fakeaws.WithQuota("AttachedPoliciesPerRoleQuota", 2)},
			step: iamsweep.Step{Op: iamsweep.OpAttachRolePolicy, Name: "app", Target: denyAllARN}, wantCode: "LimitExceeded"},
		{name: "CreateRole without a role", step: iamsweep.Step{Op: iamsweep.OpCreateRole, Name: "x"}, wantMsg: "CreateRole x: the step holds no role"},
		{name: "CreateUser without a user", step: iamsweep.Step{Op: iamsweep.OpCreateUser, Name: "x"}, wantMsg: "CreateUser x: the step holds no user"},
		{name: "no name", step: iamsweep.Step{Op: iamsweep.OpDeleteRolePolicy, Target: "a-read"}, wantMsg: "DeleteRolePolicy a-read: the step names no role or user"},
		{name: "unknown op", step: iamsweep.Step{Op: "UpdateRole", Name: "app"}, wantMsg: `UpdateRole app: unknown operation "UpdateRole"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newMutateEnv(t, tt.opts...)
			err := env.c.Do(t.Context(), tt.step)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantKind != nil && !errors.Is(err, tt.wantKind) {
				t.Errorf("err = %v, want it to wrap %v", err, tt.wantKind)
			}
			if got := iamsweep.ErrorCode(err); got != tt.wantCode {
				t.Errorf("code %q, want %q (err %v)", got, tt.wantCode, err)
			}
			if !strings.HasPrefix(err.Error(), tt.wantMsg) {
				t.Errorf("err = %q, want it to start with %q", err, tt.wantMsg)
			}
		})
	}
}

func TestClient_DoDeleteServiceLinkedRole(t *testing.T) {
	usage := []fakeaws.RoleUsage{
		{Region: "eu-west-1", Resources: []string{"arn:aws:busy:eu-west-1:123456789012:thing/a", "arn:aws:busy:eu-west-1:123456789012:thing/b"}},
		{Region: "us-east-1", Resources: []string{"arn:aws:busy:us-east-1:123456789012:thing/c"}},
	}
	inUse := fakeaws.WithServiceLinkedRoleInUse(testAccountID, "AWSServiceRoleForBusy", "the service still uses the role", usage...)
	tests := []struct {
		name       string
		role       string
		polls      int
		timeout    time.Duration
		wantErr    error
		wantMsg    []string
		wantStatus int // GetServiceLinkedRoleDeletionStatus calls
	}{
		{name: "succeeds at once", role: "AWSServiceRoleForExample", wantStatus: 1},
		{name: "succeeds after polls", role: "AWSServiceRoleForExample", polls: 3, wantStatus: 4},
		{name: "fails: the service uses it", role: "AWSServiceRoleForBusy", polls: 1, wantStatus: 2, wantErr: iamsweep.ErrDeleteConflict,
			wantMsg: []string{"DeleteServiceLinkedRole AWSServiceRoleForBusy: deletion task task/aws-service-role/busy.amazonaws.com/AWSServiceRoleForBusy/",
				"the service still uses the role",
				"eu-west-1: arn:aws:busy:eu-west-1:123456789012:thing/a, arn:aws:busy:eu-west-1:123456789012:thing/b",
				"us-east-1: arn:aws:busy:us-east-1:123456789012:thing/c"}},
		{name: "times out", role: "AWSServiceRoleForExample", polls: 1 << 20, timeout: 20 * time.Millisecond, wantErr: context.DeadlineExceeded,
			wantMsg: []string{"had not ended after 20ms"}, wantStatus: -1},
		{name: "not service-linked", role: "bare", wantMsg: []string{"DeleteServiceLinkedRole bare: "}},
		{name: "missing", role: "AWSServiceRoleForGhost", wantErr: iamsweep.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newMutateEnv(t, inUse, fakeaws.WithServiceLinkedRoleDeletionPolls(tt.polls))
			if tt.timeout > 0 {
				env.c.opts.SLRTimeout = tt.timeout
			}
			err := env.c.Do(t.Context(), iamsweep.Step{Op: iamsweep.OpDeleteServiceLinkedRole, Name: tt.role})
			_, readErr := env.c.ReadRole(t.Context(), tt.role)
			if tt.wantErr == nil && tt.wantMsg == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !errors.Is(readErr, iamsweep.ErrNotFound) {
					t.Errorf("the role is still there (%v)", readErr)
				}
			} else {
				if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				for _, m := range tt.wantMsg {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("err = %q, want it to say %q", err, m)
					}
				}
			}
			if n := env.srv.CallCount("GetServiceLinkedRoleDeletionStatus"); tt.wantStatus >= 0 && n != tt.wantStatus {
				t.Errorf("%d status calls, want %d", n, tt.wantStatus)
			}
		})
	}

	t.Run("canceled", func(t *testing.T) {
		env := newMutateEnv(t, fakeaws.WithServiceLinkedRoleDeletionPolls(1<<20))
		env.c.opts.SLRPoll = time.Hour
		ctx, cancel := context.WithCancel(t.Context())
		// Cancel once the first status call has answered IN_PROGRESS: Do
		// is then waiting for the next poll.
		var once sync.Once
		env.rec.answered = func(f url.Values) {
			if f.Get("Action") == "GetServiceLinkedRoleDeletionStatus" {
				once.Do(cancel)
			}
		}
		err := env.c.Do(ctx, iamsweep.Step{Op: iamsweep.OpDeleteServiceLinkedRole, Name: "AWSServiceRoleForExample"})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// TestClient_DoCoversEveryOp checks that the tests in this file run Do
// with every Op remediation.go declares, so a new Op without a test fails.
func TestClient_DoCoversEveryOp(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "mutate_do_test.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "iamsweep" {
				used[sel.Sel.Name] = true
			}
		}
		return true
	})
	var names []string
	for name := range opConstants(t) {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !used[name] {
			t.Errorf("no test in mutate_do_test.go runs Do with iamsweep.%s", name)
		}
	}
}

// TestClient_DoManagedPolicy creates a refined policy (CreatePolicy with
// its path, name, document and tag, as the wire shows), reads it back
// (GetPolicy, GetPolicyVersion of the default version), and deletes it;
// deleting it again finds it gone, and a policy still attached is a
// DeleteConflict.
func TestClient_DoManagedPolicy(t *testing.T) {
	env := newMutateEnv(t)
	ctx := t.Context()
	arn := "arn:aws:iam::" + testAccountID + ":policy/iamsweep/refined/app-refined"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	tag := iamsweep.Tag{Key: "iamsweep:refined-by", Value: "plan=p1 action=a001"}
	env.do(t, iamsweep.Step{Op: iamsweep.OpCreatePolicy, Target: arn, Document: doc, Tags: []iamsweep.Tag{tag}})
	sent := env.rec.sent("CreatePolicy")
	if len(sent) != 1 {
		t.Fatalf("%d CreatePolicy requests", len(sent))
	}
	for k, v := range map[string]string{"PolicyName": "app-refined", "Path": "/iamsweep/refined/", "PolicyDocument": doc,
		"Tags.member.1.Key": tag.Key, "Tags.member.1.Value": tag.Value} {
		if got := sent[0].Get(k); got != v {
			t.Errorf("CreatePolicy %s = %q, want %q", k, got, v)
		}
	}
	got, err := env.c.ReadPolicy(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	want := iamsweep.ManagedPolicy{ARN: arn, Name: "app-refined", Path: "/iamsweep/refined/", DefaultVersionID: "v1",
		UpdatedAt: mutateNow.Truncate(time.Second), Document: mustDoc(t, doc)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadPolicy (-want +got):\n%s", diff)
	}
	if _, err := env.c.ReadPolicy(ctx, "arn:aws:iam::"+testAccountID+":policy/nope"); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("ReadPolicy of a missing policy: %v, want ErrNotFound", err)
	}

	env.do(t, iamsweep.Step{Op: iamsweep.OpAttachRolePolicy, Name: "app", Target: arn})
	err = env.c.Do(ctx, iamsweep.Step{Op: iamsweep.OpDeletePolicy, Target: arn})
	if !errors.Is(err, iamsweep.ErrDeleteConflict) {
		t.Errorf("DeletePolicy of an attached policy: %v, want DeleteConflict", err)
	}
	if got, _ := env.c.ReadPolicy(ctx, arn); got.AttachmentCount != 1 {
		t.Errorf("AttachmentCount %d, want 1", got.AttachmentCount)
	}
	env.do(t, iamsweep.Step{Op: iamsweep.OpDetachRolePolicy, Name: "app", Target: arn},
		iamsweep.Step{Op: iamsweep.OpDeletePolicy, Target: arn})
	if err := env.c.Do(ctx, iamsweep.Step{Op: iamsweep.OpDeletePolicy, Target: arn}); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("DeletePolicy again: %v, want ErrNotFound", err)
	}
	if err := env.c.Do(ctx, iamsweep.Step{Op: iamsweep.OpCreatePolicy, Target: "arn:aws:iam::" + testAccountID + ":role/app", Document: doc}); err == nil {
		t.Error("CreatePolicy with a role's ARN: no error")
	}
}

func mustDoc(t *testing.T, doc string) iamsweep.PolicyDocument {
	t.Helper()
	d, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
