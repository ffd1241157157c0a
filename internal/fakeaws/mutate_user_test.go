package fakeaws_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// sshKey is a 2048-bit RSA public key in the SSH encoding and its MD5
// fingerprint (ssh-keygen -l -E md5).
const (
	sshKey            = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCuEV0HbNvlIlKz6r2HcduJCaKrmS5oUNWir76u90/zKkF6dZFiwChh6EJ2PhaQKfyifkk8Mf/DnUN9udu+CTLmUdtMTEsB8lWMEEmB24IGPzg0U9Lw/kT0q+TERhBFCMDGGyp8O1CCM0XluXZ3DYPgUSrKIGLO1tBfHthHZoyU7o4l14P76YFta8NWPrm1fIwaGVsqkfV6GsPejAXWrocpdvVlAE8OU8SB4cM0qrKKy8RUwwll3jxdpaGLQr7yd2U81KPQ9p7DtPrF+MoJtruYf99h9njwD32rXMy3rvsnMGB0q7gHh/12p3gmL1drpm3gavNkNurvmrsI41PFOVTJ"
	sshKeyFingerprint = "d9:27:20:70:94:2d:ab:ec:a0:79:cf:ad:35:a9:6e:3a"
)

// certificatePEM returns a new self-signed X.509 certificate in PEM.
func certificatePEM(t *testing.T) string {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "signing"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// equipUser gives the user one of every dependent DeleteUser wants
// removed first, and returns the virtual MFA device's serial number.
func equipUser(t *testing.T, c *iam.Client, name string) string {
	t.Helper()
	ctx := t.Context()
	user := aws.String(name)
	must[*iam.CreateLoginProfileOutput](t)(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: user, Password: aws.String("Correct-Horse-1"), PasswordResetRequired: true}))
	must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: user}))
	must[*iam.UploadSigningCertificateOutput](t)(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: user, CertificateBody: aws.String(certificatePEM(t))}))
	must[*iam.UploadSSHPublicKeyOutput](t)(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: user, SSHPublicKeyBody: aws.String(sshKey + " alice@laptop")}))
	must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: user, ServiceName: aws.String("codecommit.amazonaws.com")}))
	device := must[*iam.CreateVirtualMFADeviceOutput](t)(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(name + "-phone")}))
	serial := aws.ToString(device.VirtualMFADevice.SerialNumber)
	if seed := string(device.VirtualMFADevice.Base32StringSeed); !regexp.MustCompile(`^[A-Z2-7]{32,}$`).MatchString(seed) ||
		!strings.HasPrefix(string(device.VirtualMFADevice.QRCodePNG), "\x89PNG") {
		t.Errorf("virtual MFA device seed %q, QR code %q", seed, device.VirtualMFADevice.QRCodePNG)
	}
	must[*iam.EnableMFADeviceOutput](t)(c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: user, SerialNumber: aws.String(serial), AuthenticationCode1: aws.String("123456"), AuthenticationCode2: aws.String("654321")}))
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: user, PolicyName: aws.String("quarantine"), PolicyDocument: aws.String(denyAll)}))
	must[*iam.AttachUserPolicyOutput](t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: user, PolicyArn: aws.String(customer)}))
	if _, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("developers")}); err != nil && errorOf(t, err).Code != "EntityAlreadyExists" {
		t.Fatal(err)
	}
	must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: user, GroupName: aws.String("Developers")}))
	return serial
}

func TestServer_UserLifecycle(t *testing.T) {
	srv, c := mutableServer(t)
	ctx := t.Context()
	user := aws.String("alice")
	arn := "arn:aws:iam::" + accountA + ":user/staff/alice"

	created := must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{
		UserName: user, Path: aws.String("/staff/"), PermissionsBoundary: aws.String(boundary), Tags: tagList("team", "app"),
	}))
	id := aws.ToString(created.User.UserId)
	if !regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`).MatchString(id) {
		t.Errorf("UserId %q is not an AIDA unique ID", id)
	}
	serial := equipUser(t, c, "alice")
	if want := "arn:aws:iam::" + accountA + ":mfa/alice-phone"; serial != want {
		t.Errorf("virtual MFA serial %s, want %s", serial, want)
	}
	must[*iam.TagUserOutput](t)(c.TagUser(ctx, &iam.TagUserInput{UserName: user, Tags: tagList("quarantined", "yes")}))

	// Read it back.
	got := must[*iam.GetUserOutput](t)(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ALICE")}))
	wantUser := &types.User{
		Path: aws.String("/staff/"), UserName: aws.String("alice"), UserId: aws.String(id), Arn: aws.String(arn), CreateDate: aws.Time(mutateNow),
		PermissionsBoundary: &types.AttachedPermissionsBoundary{PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy, PermissionsBoundaryArn: aws.String(boundary)},
		Tags:                tagList("team", "app", "quarantined", "yes"),
	}
	if diff := cmp.Diff(wantUser, got.User, ignoreIAM); diff != "" {
		t.Errorf("GetUser (-want +got):\n%s", diff)
	}
	login := must[*iam.GetLoginProfileOutput](t)(c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: user}))
	if diff := cmp.Diff(&types.LoginProfile{UserName: user, CreateDate: aws.Time(mutateNow), PasswordResetRequired: true}, login.LoginProfile, ignoreIAM); diff != "" {
		t.Errorf("GetLoginProfile (-want +got):\n%s", diff)
	}
	keys := must[*iam.ListAccessKeysOutput](t)(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: user}))
	if len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].Status != types.StatusTypeActive {
		t.Fatalf("ListAccessKeys = %+v", keys.AccessKeyMetadata)
	}
	keyID := keys.AccessKeyMetadata[0].AccessKeyId
	lastUsed := must[*iam.GetAccessKeyLastUsedOutput](t)(c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: keyID}))
	if diff := cmp.Diff(&types.AccessKeyLastUsed{ServiceName: aws.String("N/A"), Region: aws.String("N/A")}, lastUsed.AccessKeyLastUsed, ignoreIAM); diff != "" || aws.ToString(lastUsed.UserName) != "alice" {
		t.Errorf("GetAccessKeyLastUsed of a new key for %s (-want +got):\n%s", aws.ToString(lastUsed.UserName), diff)
	}
	certs := must[*iam.ListSigningCertificatesOutput](t)(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: user}))
	if len(certs.Certificates) != 1 || len(aws.ToString(certs.Certificates[0].CertificateId)) < 24 || !strings.HasPrefix(aws.ToString(certs.Certificates[0].CertificateBody), "-----BEGIN CERTIFICATE-----") {
		t.Errorf("ListSigningCertificates = %+v", certs.Certificates)
	}
	sshKeys := must[*iam.ListSSHPublicKeysOutput](t)(c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: user}))
	if len(sshKeys.SSHPublicKeys) != 1 || !strings.HasPrefix(aws.ToString(sshKeys.SSHPublicKeys[0].SSHPublicKeyId), "APKA") {
		t.Fatalf("ListSSHPublicKeys = %+v", sshKeys.SSHPublicKeys)
	}
	keyIDs := sshKeys.SSHPublicKeys[0].SSHPublicKeyId
	ssh := must[*iam.GetSSHPublicKeyOutput](t)(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: user, SSHPublicKeyId: keyIDs, Encoding: types.EncodingTypeSsh}))
	if aws.ToString(ssh.SSHPublicKey.SSHPublicKeyBody) != sshKey || aws.ToString(ssh.SSHPublicKey.Fingerprint) != sshKeyFingerprint {
		t.Errorf("GetSSHPublicKey (SSH) = %q, fingerprint %q", aws.ToString(ssh.SSHPublicKey.SSHPublicKeyBody), aws.ToString(ssh.SSHPublicKey.Fingerprint))
	}
	pemKey := must[*iam.GetSSHPublicKeyOutput](t)(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: user, SSHPublicKeyId: keyIDs, Encoding: types.EncodingTypePem}))
	if block, _ := pem.Decode([]byte(aws.ToString(pemKey.SSHPublicKey.SSHPublicKeyBody))); block == nil || block.Type != "PUBLIC KEY" {
		t.Errorf("GetSSHPublicKey (PEM) = %q", aws.ToString(pemKey.SSHPublicKey.SSHPublicKeyBody))
	}
	creds := must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: user}))
	if len(creds.ServiceSpecificCredentials) != 1 || aws.ToString(creds.ServiceSpecificCredentials[0].ServiceUserName) != "alice-at-"+accountA {
		t.Errorf("ListServiceSpecificCredentials = %+v", creds.ServiceSpecificCredentials)
	}
	mfa := must[*iam.ListMFADevicesOutput](t)(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: user}))
	if diff := cmp.Diff([]types.MFADevice{{UserName: user, SerialNumber: aws.String(serial), EnableDate: aws.Time(mutateNow)}}, mfa.MFADevices, ignoreIAM); diff != "" {
		t.Errorf("ListMFADevices (-want +got):\n%s", diff)
	}
	virtual := must[*iam.ListVirtualMFADevicesOutput](t)(c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: types.AssignmentStatusTypeAssigned}))
	if len(virtual.VirtualMFADevices) != 1 || aws.ToString(virtual.VirtualMFADevices[0].User.UserName) != "alice" {
		t.Errorf("ListVirtualMFADevices (Assigned) = %+v", virtual.VirtualMFADevices)
	}
	policies := must[*iam.ListUserPoliciesOutput](t)(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: user}))
	inline := must[*iam.GetUserPolicyOutput](t)(c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: user, PolicyName: aws.String("quarantine")}))
	if cmp.Diff([]string{"quarantine"}, policies.PolicyNames) != "" || decoded(t, inline.PolicyDocument) != denyAll {
		t.Errorf("inline policies %v, document %q", policies.PolicyNames, aws.ToString(inline.PolicyDocument))
	}
	attached := must[*iam.ListAttachedUserPoliciesOutput](t)(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: user}))
	if diff := cmp.Diff([]types.AttachedPolicy{{PolicyName: aws.String("app-read"), PolicyArn: aws.String(customer)}}, attached.AttachedPolicies, ignoreIAM); diff != "" {
		t.Errorf("ListAttachedUserPolicies (-want +got):\n%s", diff)
	}
	groups := must[*iam.ListGroupsForUserOutput](t)(c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: user}))
	if len(groups.Groups) != 1 || aws.ToString(groups.Groups[0].GroupName) != "developers" || !strings.HasPrefix(aws.ToString(groups.Groups[0].GroupId), "AGPA") {
		t.Errorf("ListGroupsForUser = %+v", groups.Groups)
	}
	tags := must[*iam.ListUserTagsOutput](t)(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: user}))
	if diff := cmp.Diff(tagList("team", "app", "quarantined", "yes"), tags.Tags, ignoreIAM); diff != "" {
		t.Errorf("ListUserTags (-want +got):\n%s", diff)
	}

	// A virtual MFA device cannot go while it is enabled.
	_, err := c.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	wantError(t, err, "DeleteConflict", 409, "")

	// Delete the user in the order of the DeleteUser reference, each
	// dependent refused until it is gone.
	steps := []removal{
		{"Cannot delete entity, must delete login profile first.", func() error { return ignore(c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: user})) }},
		{"Cannot delete entity, must delete access keys first.", func() error {
			return ignore(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: user, AccessKeyId: keyID}))
		}},
		{"Cannot delete entity, must delete signing certificates first.", func() error {
			return ignore(c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: user, CertificateId: certs.Certificates[0].CertificateId}))
		}},
		{"Cannot delete entity, must delete SSH public keys first.", func() error {
			return ignore(c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: user, SSHPublicKeyId: keyIDs}))
		}},
		{"Cannot delete entity, must delete service specific credentials first.", func() error {
			return ignore(c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: user, ServiceSpecificCredentialId: creds.ServiceSpecificCredentials[0].ServiceSpecificCredentialId}))
		}},
		{"Cannot delete entity, must delete MFA device first.", func() error {
			return ignore(c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: user, SerialNumber: aws.String(serial)}))
		}},
		{"Cannot delete entity, must delete policies first.", func() error {
			return ignore(c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: user, PolicyName: aws.String("quarantine")}))
		}},
		{"Cannot delete entity, must detach all policies first.", func() error {
			return ignore(c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: user, PolicyArn: aws.String(customer)}))
		}},
		{"Cannot delete entity, must remove users from group first.", func() error {
			return ignore(c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{UserName: user, GroupName: aws.String("developers")}))
		}},
	}
	deleteInOrder(t, func() error { return ignore(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: user})) }, steps)
	// Deactivated, the virtual device is unassigned and may go.
	unassigned := must[*iam.ListVirtualMFADevicesOutput](t)(c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: types.AssignmentStatusTypeUnassigned}))
	if len(unassigned.VirtualMFADevices) != 1 || unassigned.VirtualMFADevices[0].User != nil {
		t.Errorf("unassigned virtual MFA devices = %+v", unassigned.VirtualMFADevices)
	}
	must[*iam.DeleteVirtualMFADeviceOutput](t)(c.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)}))
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: user}))

	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: user})
	wantError(t, err, "NoSuchEntity", 404, "The user with name alice cannot be found.")
	_, err = c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: user})
	wantError(t, err, "NoSuchEntity", 404, "")
	if n := len(srv.Account(accountA).Users); n != 0 {
		t.Errorf("%d users left", n)
	}
	again := must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Alice")}))
	if aws.ToString(again.User.UserId) == id {
		t.Errorf("re-created user has the deleted one's UserId %s", id)
	}
}

func TestServer_UserErrors(t *testing.T) {
	tests := []errorCase{
		{
			name:     "create a user whose name exists in another case",
			call:     sdk((*iam.Client).CreateUser, &iam.CreateUserInput{UserName: aws.String("BOB")}),
			wantCode: "EntityAlreadyExists", wantStatus: 409, wantMessage: "User with name BOB already exists.",
		},
		{
			name:     "a user that does not exist",
			call:     sdk((*iam.Client).GetUser, &iam.GetUserInput{UserName: aws.String("ghost")}),
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "The user with name ghost cannot be found.",
		},
		{
			name:     "a user without a password",
			call:     sdk((*iam.Client).GetLoginProfile, &iam.GetLoginProfileInput{UserName: aws.String("bob")}),
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "Login Profile for User bob cannot be found.",
		},
		{
			name:     "delete a password the user does not have",
			call:     sdk((*iam.Client).DeleteLoginProfile, &iam.DeleteLoginProfileInput{UserName: aws.String("bob")}),
			wantCode: "NoSuchEntity", wantStatus: 404,
		},
		{
			name:     "a second password",
			call:     sdk((*iam.Client).CreateLoginProfile, &iam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("x")}),
			wantCode: "EntityAlreadyExists", wantStatus: 409,
		},
		{
			name: "a third access key",
			call: func(t *testing.T, c *iam.Client) error {
				for i := 0; i < 3; i++ {
					if _, err := c.CreateAccessKey(t.Context(), &iam.CreateAccessKeyInput{UserName: aws.String("bob")}); err != nil {
						return err
					}
				}
				return nil
			},
			wantCode: "LimitExceeded", wantStatus: 409, wantMessage: "Cannot exceed quota for AccessKeysPerUser: 2",
		},
		{
			name:     "deactivate a key of another user",
			call:     sdk((*iam.Client).UpdateAccessKey, &iam.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String("AKIACAROLCAROLCAROL1"), Status: types.StatusTypeInactive}),
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "The Access Key with id AKIACAROLCAROLCAROL1 cannot be found.",
		},
		{
			name: "deactivate a key without naming its user",
			call: sdk((*iam.Client).UpdateAccessKey, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String("AKIACAROLCAROLCAROL1"), Status: types.StatusTypeInactive}),
			// The caller's own user is meant, and the fake's caller is
			// no user of the account.
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "The user with name fakeaws-caller cannot be found.",
		},
		{
			name:     "an access key status that is not one",
			call:     sdk((*iam.Client).UpdateAccessKey, &iam.UpdateAccessKeyInput{UserName: aws.String("carol"), AccessKeyId: aws.String("AKIACAROLCAROLCAROL1"), Status: "Disabled"}),
			wantCode: "ValidationError", wantStatus: 400,
		},
		{
			name:     "add a user to a group that does not exist",
			call:     sdk((*iam.Client).AddUserToGroup, &iam.AddUserToGroupInput{UserName: aws.String("bob"), GroupName: aws.String("nobody")}),
			wantCode: "NoSuchEntity", wantStatus: 404, wantMessage: "The group with name nobody cannot be found.",
		},
		{
			name:     "create a group whose name exists",
			call:     sdk((*iam.Client).CreateGroup, &iam.CreateGroupInput{GroupName: aws.String("ADMINS")}),
			wantCode: "EntityAlreadyExists", wantStatus: 409,
		},
		{
			name:     "remove a user from a group it is not in",
			call:     sdk((*iam.Client).RemoveUserFromGroup, &iam.RemoveUserFromGroupInput{UserName: aws.String("bob"), GroupName: aws.String("admins")}),
			wantCode: "NoSuchEntity", wantStatus: 404,
		},
		{
			name:     "delete an MFA device still enabled",
			call:     sdk((*iam.Client).DeleteVirtualMFADevice, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String("arn:aws:iam::" + accountA + ":mfa/carol")}),
			wantCode: "DeleteConflict", wantStatus: 409,
		},
		{
			name:     "enable an MFA device with the same code twice",
			call:     sdk((*iam.Client).EnableMFADevice, &iam.EnableMFADeviceInput{UserName: aws.String("bob"), SerialNumber: aws.String("GAHT12345678"), AuthenticationCode1: aws.String("111111"), AuthenticationCode2: aws.String("111111")}),
			wantCode: "InvalidAuthenticationCode", wantStatus: 403,
		},
		{
			name:     "enable a virtual MFA device another user holds",
			call:     sdk((*iam.Client).EnableMFADevice, &iam.EnableMFADeviceInput{UserName: aws.String("bob"), SerialNumber: aws.String("arn:aws:iam::" + accountA + ":mfa/carol"), AuthenticationCode1: aws.String("111111"), AuthenticationCode2: aws.String("222222")}),
			wantCode: "EntityAlreadyExists", wantStatus: 409,
		},
		{
			name:     "a second virtual MFA device of the same name",
			call:     sdk((*iam.Client).CreateVirtualMFADevice, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("carol")}),
			wantCode: "EntityAlreadyExists", wantStatus: 409, wantMessage: "MFADevice entity at the same path and name already exists.",
		},
		{
			name:     "a signing certificate that is not one",
			call:     sdk((*iam.Client).UploadSigningCertificate, &iam.UploadSigningCertificateInput{UserName: aws.String("bob"), CertificateBody: aws.String("not a certificate")}),
			wantCode: "MalformedCertificate", wantStatus: 400,
		},
		{
			name: "a third signing certificate",
			call: func(t *testing.T, c *iam.Client) error {
				for i := 0; i < 3; i++ {
					if _, err := c.UploadSigningCertificate(t.Context(), &iam.UploadSigningCertificateInput{UserName: aws.String("bob"), CertificateBody: aws.String(certificatePEM(t))}); err != nil {
						return err
					}
				}
				return nil
			},
			wantCode: "LimitExceeded", wantStatus: 409,
		},
		{
			name:     "an SSH key that is not one",
			call:     sdk((*iam.Client).UploadSSHPublicKey, &iam.UploadSSHPublicKeyInput{UserName: aws.String("bob"), SSHPublicKeyBody: aws.String("ssh-dss AAAA")}),
			wantCode: "InvalidPublicKey", wantStatus: 400,
		},
		{
			name: "the same SSH key twice",
			call: func(t *testing.T, c *iam.Client) error {
				for i := 0; i < 2; i++ {
					if _, err := c.UploadSSHPublicKey(t.Context(), &iam.UploadSSHPublicKeyInput{UserName: aws.String("bob"), SSHPublicKeyBody: aws.String(sshKey)}); err != nil {
						return err
					}
				}
				return nil
			},
			wantCode: "DuplicateSSHPublicKey", wantStatus: 400,
		},
		{
			name:     "a service-specific credential for a service without them",
			call:     sdk((*iam.Client).CreateServiceSpecificCredential, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("bob"), ServiceName: aws.String("s3.amazonaws.com")}),
			wantCode: "NotSupportedService", wantStatus: 404,
		},
		{
			name:     "delete a service-specific credential that does not exist",
			call:     sdk((*iam.Client).DeleteServiceSpecificCredential, &iam.DeleteServiceSpecificCredentialInput{UserName: aws.String("bob"), ServiceSpecificCredentialId: aws.String("ACCANOSUCHCREDENTIAL1")}),
			wantCode: "NoSuchEntity", wantStatus: 404,
		},
		{
			name:     "a boundary that does not exist",
			call:     sdk((*iam.Client).CreateUser, &iam.CreateUserInput{UserName: aws.String("dave"), PermissionsBoundary: aws.String("arn:aws:iam::" + accountA + ":policy/gone")}),
			wantCode: "NoSuchEntity", wantStatus: 404,
		},
	}
	runErrorCases(t, func() *fakeaws.Account {
		acct := mutableAccount()
		acct.Groups = []*fakeaws.Group{{Name: "admins"}}
		acct.Users = []*fakeaws.User{
			{Name: "bob"},
			{Name: "carol", Password: &fakeaws.LoginProfile{}, MFA: true, AccessKeys: []*fakeaws.AccessKey{{ID: "AKIACAROLCAROLCAROL1"}}},
		}
		return acct
	}, tests)
}

func TestServer_SeededUserCredentials(t *testing.T) {
	// A user seeded with MFA holds a virtual device named after it, which
	// DeleteUser wants deactivated first, as IAM does.
	acct := &fakeaws.Account{ID: accountA, Users: []*fakeaws.User{{Name: "carol", MFA: true}}}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct))
	c := iamClient(srv, keyA)
	ctx := t.Context()
	mfa := must[*iam.ListMFADevicesOutput](t)(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("carol")}))
	if len(mfa.MFADevices) != 1 || aws.ToString(mfa.MFADevices[0].SerialNumber) != "arn:aws:iam::"+accountA+":mfa/carol" {
		t.Fatalf("seeded MFA devices %+v", mfa.MFADevices)
	}
	_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("carol")})
	wantError(t, err, "DeleteConflict", 409, "Cannot delete entity, must delete MFA device first.")
	must[*iam.DeactivateMFADeviceOutput](t)(c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{SerialNumber: mfa.MFADevices[0].SerialNumber}))
	if u := srv.Account(accountA).Users[0]; u.MFA || len(u.MFADevices) != 0 {
		t.Errorf("after deactivation: MFA %v, devices %v", u.MFA, u.MFADevices)
	}
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("carol")}))
}
