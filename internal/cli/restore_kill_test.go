package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// restoreMutations are the IAM actions a restore makes that change the
// account: those of apply and the status updates of uploaded keys and
// certificates.
var restoreMutations = append(slices.Clone(mutatingCalls), "UpdateSSHPublicKey", "UpdateSigningCertificate")

func restoreMutationCount(srv *fakeaws.Server) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.ErrorCode == "" && slices.Contains(restoreMutations, c.Action) {
			n++
		}
	}
	return n
}

// The principals the restore kill test deletes and restores: a role with
// two instance profiles, and a user with groups, an inactive SSH key, an
// active and an inactive certificate, a console password and an access
// key; nothing else in the account.
const (
	killRoleARN = "arn:aws:iam::" + exampleAccountID + ":role/svc/kill-web"
	killUserARN = "arn:aws:iam::" + exampleAccountID + ":user/dev/kill-pat"
)

var killCreated = time.Date(2024, 1, 15, 8, 0, 0, 0, time.UTC)

func killRestoreAccount(t *testing.T) func(*fakeaws.Account) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	return func(a *fakeaws.Account) {
		a.Roles = []*fakeaws.Role{{
			Name: "kill-web", Path: "/svc/", Created: killCreated, Description: "killed while restored",
			Tags:     []fakeaws.Tag{{Key: "team", Value: "web"}},
			Inline:   []fakeaws.InlinePolicy{{Name: "s3-read", Document: doc}},
			Attached: []fakeaws.AttachedPolicy{{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			InstanceProfiles: []fakeaws.InstanceProfile{
				{Name: "kill-web-a", Tags: []fakeaws.Tag{{Key: "owner", Value: "web"}}},
				{Name: "kill-web-b", Path: "/web/"},
			},
		}}
		a.Users = []*fakeaws.User{{
			Name: "kill-pat", Path: "/dev/", Created: killCreated, Groups: []string{"developers", "ops"},
			Tags:       []fakeaws.Tag{{Key: "owner", Value: "pat@example.com"}},
			Inline:     []fakeaws.InlinePolicy{{Name: "kms", Document: doc}},
			Password:   &fakeaws.LoginProfile{Created: killCreated},
			AccessKeys: []*fakeaws.AccessKey{{Created: killCreated}},
			SSHPublicKeys: []*fakeaws.SSHPublicKey{
				{Body: testSSHKey(1), Inactive: true},
			},
			SigningCertificates: []*fakeaws.SigningCertificate{
				{Body: testCertificate(t, 1)},
				{Body: testCertificate(t, 2), Inactive: true},
			},
		}}
	}
}

// killRestoreSession is a session whose two principals were deleted by
// apply, with the config that deleted them.
func killRestoreSession(t *testing.T) *session {
	t.Helper()
	s := newSessionWith(t, killRestoreAccount(t))
	cfg := filepath.Join(t.TempDir(), "iamsweep.yaml")
	if err := os.WriteFile(cfg, []byte("remediation:\n  roles: delete\n  users: delete\n  max-deletions-per-account: -1\n  max-deletions-per-run: -1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.scanAndPlan("--config", cfg)
	if r := s.run("", "apply", "--yes", "--config", cfg, "--as-of", asOf); r.code != ExitOK {
		t.Fatalf("apply: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	if s.role("kill-web") != nil || len(s.srv.Account(exampleAccountID).Users) != 0 {
		t.Fatal("apply did not delete the role and the user")
	}
	return s
}

// TestRestore_killedAndRerun kills a restore process with SIGKILL after
// its k-th mutating call reached IAM and before the answer came back (the
// fake holds it), for every call of the restore of a role with instance
// profiles and of a user with groups, an SSH key and certificates, and
// runs restore again. The rerun must finish the restore (every restorable
// field matches the backup), with exactly the calls an uninterrupted
// restore makes in all, and must not take the principal the killed run
// created for someone else's.
func TestRestore_killedAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs restore in a child process")
	}
	for _, tc := range []struct {
		name string
		arn  string
		args []string
	}{
		{"role", killRoleARN, nil},
		{"user", killUserARN, []string{"--reset-password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// An uninterrupted restore, for the number of calls it takes.
			control := killRestoreSession(t)
			before := restoreMutationCount(control.srv)
			r := control.run("", append([]string{"restore", tc.arn, "--yes"}, tc.args...)...)
			if r.code != ExitOK || !strings.Contains(r.stdout, "every restorable field matches the backup") {
				t.Fatalf("control restore: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
			}
			want := restoreMutationCount(control.srv) - before
			if want < 8 {
				t.Fatalf("the control restore made %d calls; want one of each kind", want)
			}
			for k := 1; k <= want; k++ {
				t.Run(fmt.Sprintf("killed after call %d of %d", k, want), func(t *testing.T) {
					killRestoreAt(t, tc.arn, tc.args, k, want)
				})
			}
		})
	}
}

func killRestoreAt(t *testing.T, arn string, args []string, k, want int) {
	s := killRestoreSession(t)
	before := restoreMutationCount(s.srv)
	holding := s.srv.HoldResponsesAfter(k, restoreMutations...)
	var stderr bytes.Buffer
	child := exec.Command(os.Args[0], append([]string{"restore", arn, "--yes", "--state", s.state, "--endpoint-url", s.srv.URL}, args...)...)
	child.Env = append(os.Environ(), childEnv+"=1")
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-holding:
	case <-time.After(60 * time.Second):
		_ = child.Process.Kill()
		t.Fatalf("the child made %d calls in 60 s; stderr:\n%s", restoreMutationCount(s.srv)-before, stderr.String())
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	s.srv.StopHolding()
	if got := restoreMutationCount(s.srv) - before; got != k {
		t.Fatalf("%d calls went through before the kill, want %d", got, k)
	}

	r := s.run("", append([]string{"restore", arn, "--yes"}, args...)...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "every restorable field matches the backup") {
		t.Fatalf("restore after the kill: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	if got := restoreMutationCount(s.srv) - before; got != want {
		t.Errorf("%d calls in all, want %d as without the kill", got, want)
	}
	if strings.Contains(arn, ":user/") && !strings.Contains(r.stdout, "console password (shown once") && !strings.Contains(r.stdout, "shown to nobody") {
		t.Errorf("the rerun neither shows the new console password nor says the killed run's was lost:\n%s", r.stdout)
	}
}

// testSSHKey returns an ssh-rsa public key, the same for the same seed.
func testSSHKey(seed int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("iamsweep cli ssh key %d", seed)))
	n := bytes.Repeat(sum[:], 8) // a 2048-bit modulus
	n[0] |= 0x80
	n[len(n)-1] |= 1
	var blob []byte
	field := func(p []byte) {
		blob = binary.BigEndian.AppendUint32(blob, uint32(len(p)))
		blob = append(blob, p...)
	}
	field([]byte("ssh-rsa"))
	field(big.NewInt(65537).Bytes())
	field(append([]byte{0}, n...))
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob)
}

// testCertificate returns a self-signed X.509 certificate in PEM, the same
// for the same seed.
func testCertificate(t *testing.T, seed int) string {
	t.Helper()
	sum := sha256.Sum256([]byte(fmt.Sprintf("iamsweep cli certificate %d", seed)))
	key := ed25519.NewKeyFromSeed(sum[:])
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(seed)),
		Subject:      pkix.Name{CommonName: fmt.Sprintf("iamsweep-cli-%d", seed)},
		NotBefore:    killCreated,
		NotAfter:     killCreated.AddDate(10, 0, 0),
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
}
