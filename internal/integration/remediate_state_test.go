//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
)

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// checkQuarantineDoc checks the quarantine policy a principal holds: deny
// every action, and deny every session issued before the quarantine
// (aws:TokenIssueTime), a time between before and after. It returns that
// time.
func checkQuarantineDoc(t *testing.T, who string, doc any, before, after time.Time) time.Time {
	t.Helper()
	var at time.Time
	stmts, _ := doc.(map[string]any)["Statement"].([]any)
	if len(stmts) == 2 {
		cond, _ := stmts[1].(map[string]any)["Condition"].(map[string]any)
		lt, _ := cond["DateLessThan"].(map[string]any)
		s, _ := lt["aws:TokenIssueTime"].(string)
		var err error
		if at, err = time.Parse(time.RFC3339, s); err != nil || at.Before(before) || at.After(after) {
			t.Errorf("%s: aws:TokenIssueTime %q, want the time of the apply (%s to %s)", who, s, before.Format(time.RFC3339), after.Format(time.RFC3339))
		}
	}
	want := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{"Sid": "IamsweepQuarantineDenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"},
			map[string]any{"Sid": "IamsweepRevokeOlderSessions", "Effect": "Deny", "Action": "*", "Resource": "*",
				"Condition": map[string]any{"DateLessThan": map[string]any{"aws:TokenIssueTime": at.UTC().Format(time.RFC3339)}}},
		},
	}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("%s: policy %s (-want +got):\n%s", who, quarantinePolicy, diff)
	}
	return at
}

// unquarantinedRole is a role's state without iamsweep's quarantine
// policy and tags.
func unquarantinedRole(st roleState) roleState {
	st.InlinePolicies = withoutKeys(st.InlinePolicies, quarantinePolicy)
	st.Tags = withoutKeys(st.Tags, quarantineTags...)
	return st
}

func unquarantinedUser(st userState) userState {
	st.InlinePolicies = withoutKeys(st.InlinePolicies, quarantinePolicy)
	st.Tags = withoutKeys(st.Tags, quarantineTags...)
	return st
}

// withoutKeys returns a copy of m without keys; nil when nothing is left,
// as the read helpers leave a map nothing was added to.
func withoutKeys[V any](m map[string]V, keys ...string) map[string]V {
	var out map[string]V
	for k, v := range m {
		if !slices.Contains(keys, k) {
			out = setKey(out, k, v)
		}
	}
	return out
}

// upload is an SSH public key or a signing certificate of a user.
type upload struct {
	Body   string
	Active bool
}

// seedUploads gives a user SSH public keys and signing certificates, as a
// restore would: UploadSSHPublicKey and UploadSigningCertificate, then
// UpdateSSHPublicKey and UpdateSigningCertificate for those inactive. It
// returns their IDs.
func seedUploads(ctx context.Context, c *iam.Client, user string, ssh, certs []upload) (sshIDs, certIDs []string, err error) {
	status := func(active bool) iamtypes.StatusType {
		if active {
			return iamtypes.StatusTypeActive
		}
		return iamtypes.StatusTypeInactive
	}
	for _, k := range ssh {
		out, err := c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String(user), SSHPublicKeyBody: aws.String(k.Body)})
		if err != nil {
			return nil, nil, fmt.Errorf("upload an SSH public key for %s: %w", user, err)
		}
		id := out.SSHPublicKey.SSHPublicKeyId
		if !k.Active {
			if _, err := c.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String(user), SSHPublicKeyId: id, Status: status(false)}); err != nil {
				return nil, nil, fmt.Errorf("make SSH public key %s of %s inactive: %w", aws.ToString(id), user, err)
			}
		}
		sshIDs = append(sshIDs, aws.ToString(id))
	}
	for _, cert := range certs {
		out, err := c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String(user), CertificateBody: aws.String(cert.Body)})
		if err != nil {
			return nil, nil, fmt.Errorf("upload a signing certificate for %s: %w", user, err)
		}
		id := out.Certificate.CertificateId
		if !cert.Active {
			if _, err := c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: aws.String(user), CertificateId: id, Status: status(false)}); err != nil {
				return nil, nil, fmt.Errorf("make signing certificate %s of %s inactive: %w", aws.ToString(id), user, err)
			}
		}
		certIDs = append(certIDs, aws.ToString(id))
	}
	return sshIDs, certIDs, nil
}

// testdata reads a file of internal/awsapi's test data: SSH public keys
// and X.509 certificates (moto checks that a certificate parses).
func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "awsapi", "testdata", "mutate", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// roleFull is a role as readRole reads it, with its instance profiles'
// IDs, paths, tags and roles (GetInstanceProfile).
type roleFull struct {
	Role roleState
	// Profiles are by ARN.
	Profiles map[string]profileState
}

type profileState struct {
	ID    string
	Tags  map[string]string
	Roles []string
}

func readRoleFull(ctx context.Context, c *iam.Client, name string) (roleFull, error) {
	st, err := readRole(ctx, c, name)
	if err != nil {
		return roleFull{}, err
	}
	r := roleFull{Role: st}
	for _, arn := range st.InstanceProfiles {
		pname := arn[strings.LastIndex(arn, "/")+1:]
		out, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(pname)})
		if err != nil {
			return r, fmt.Errorf("get instance profile %s of role %s: %w", pname, name, err)
		}
		ip := out.InstanceProfile
		ps := profileState{ID: aws.ToString(ip.InstanceProfileId)}
		for _, tg := range ip.Tags {
			ps.Tags = setKey(ps.Tags, aws.ToString(tg.Key), aws.ToString(tg.Value))
		}
		for _, role := range ip.Roles {
			ps.Roles = append(ps.Roles, aws.ToString(role.RoleName))
		}
		r.Profiles = setKey(r.Profiles, aws.ToString(ip.Arn), ps)
	}
	return r, nil
}

// userFull is a user as readUser reads it, with its permissions boundary
// (GetUser), SSH public keys (ListSSHPublicKeys, GetSSHPublicKey) and
// signing certificates (ListSigningCertificates), each as its body and
// status, and their IDs.
type userFull struct {
	User                userState
	PermissionsBoundary string
	SSHPublicKeys       []string
	SigningCertificates []string
	SSHKeyIDs, CertIDs  []string
}

func readUserFull(ctx context.Context, c *iam.Client, name string) (userFull, error) {
	st, err := readUser(ctx, c, name)
	if err != nil {
		return userFull{}, err
	}
	u := userFull{User: st}
	n := aws.String(name)
	out, err := c.GetUser(ctx, &iam.GetUserInput{UserName: n})
	if err != nil {
		return u, fmt.Errorf("get user %s: %w", name, err)
	}
	if b := out.User.PermissionsBoundary; b != nil {
		u.PermissionsBoundary = aws.ToString(b.PermissionsBoundaryArn)
	}
	err = eachPage(ctx, iam.NewListSSHPublicKeysPaginator(c, &iam.ListSSHPublicKeysInput{UserName: n}), func(p *iam.ListSSHPublicKeysOutput) {
		for _, k := range p.SSHPublicKeys {
			u.SSHKeyIDs = append(u.SSHKeyIDs, aws.ToString(k.SSHPublicKeyId))
		}
	})
	if err != nil {
		return u, fmt.Errorf("list SSH public keys of %s: %w", name, err)
	}
	for _, id := range u.SSHKeyIDs {
		out, err := c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: n, SSHPublicKeyId: aws.String(id), Encoding: iamtypes.EncodingTypeSsh})
		if err != nil {
			return u, fmt.Errorf("get SSH public key %s of %s: %w", id, name, err)
		}
		k := out.SSHPublicKey
		u.SSHPublicKeys = append(u.SSHPublicKeys, strings.TrimSpace(aws.ToString(k.SSHPublicKeyBody))+" "+string(k.Status))
	}
	err = eachPage(ctx, iam.NewListSigningCertificatesPaginator(c, &iam.ListSigningCertificatesInput{UserName: n}), func(p *iam.ListSigningCertificatesOutput) {
		for _, cert := range p.Certificates {
			u.CertIDs = append(u.CertIDs, aws.ToString(cert.CertificateId))
			u.SigningCertificates = append(u.SigningCertificates, strings.TrimSpace(aws.ToString(cert.CertificateBody))+" "+string(cert.Status))
		}
	})
	if err != nil {
		return u, fmt.Errorf("list signing certificates of %s: %w", name, err)
	}
	slices.Sort(u.SSHPublicKeys)
	slices.Sort(u.SigningCertificates)
	slices.Sort(u.SSHKeyIDs)
	slices.Sort(u.CertIDs)
	return u, nil
}

// notFound reports whether err is IAM's NoSuchEntity.
func notFound(err error) bool {
	var nse *iamtypes.NoSuchEntityException
	return errors.As(err, &nse)
}
