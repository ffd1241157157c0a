package remediate_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// gen makes random IAM principals from a seeded generator, so that a run
// repeats exactly.
type gen struct {
	t testing.TB
	r *rand.Rand
	// seq numbers what must be unique in the account (certificates, SSH
	// keys, hardware MFA serials).
	seq int
}

func newGen(t testing.TB, seed uint64) *gen {
	return &gen{t: t, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *gen, xs ...T) T { return xs[g.r.IntN(len(xs))] }

// some returns n distinct elements of xs, n random up to upTo.
func some[T any](g *gen, upTo int, xs ...T) []T {
	n := g.r.IntN(upTo + 1)
	perm := g.r.Perm(len(xs))
	var out []T
	for _, i := range perm[:min(n, len(xs))] {
		out = append(out, xs[i])
	}
	return out
}

// name returns a name made of every character IAM allows in one.
func (g *gen) name(prefix string, i int) string {
	return fmt.Sprintf("%s%02d%s", prefix, i, pick(g, "", "-app", ".svc", "_ci", "+x=y", "@team", ",a.b-c_d+e=f@g", "-X9"))
}

func (g *gen) path() string {
	return pick(g, "/", "/", "/svc/", "/team-a/", "/a/b/c/", "/x.y_z+w=v@u-t/", "/service-role/")
}

// tags returns up to upTo tags, with the characters IAM allows in keys and
// values (letters in any script, digits, spaces and _.:/=+-@).
func (g *gen) tags(upTo int) []fakeaws.Tag {
	keys := some(g, upTo, "team", "env", "Cost Center", "owner", "app:tier", "données", "a/b=c+d@e-f_g.h", "プロジェクト")
	var out []fakeaws.Tag
	for _, k := range keys {
		out = append(out, fakeaws.Tag{Key: k, Value: pick(g, "", "prod", "payments team", "ops@example.com", "ünïcødé", "東京", "a:b/c=d+e-f_g.h@i", "42")})
	}
	return out
}

// layout writes a JSON value in one of the ways people write policies:
// compact, indented with spaces or tabs, or with spaces inside.
func (g *gen) layout(v any) string {
	var b []byte
	var err error
	switch g.r.IntN(4) {
	case 0:
		b, err = json.Marshal(v)
	case 1:
		b, err = json.MarshalIndent(v, "", "  ")
	case 2:
		b, err = json.MarshalIndent(v, "", "\t")
		b = append(b, '\n')
	default:
		b, err = json.Marshal(v)
		b = []byte(strings.ReplaceAll(strings.ReplaceAll(string(b), ",", ", "), ":{", ": {"))
	}
	if err != nil {
		g.t.Fatal(err)
	}
	return string(b)
}

type stmt = map[string]any

func (g *gen) trust() string {
	st := stmt{
		"Effect":    "Allow",
		"Principal": stmt{"Service": pick(g, "ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com")},
		"Action":    "sts:AssumeRole",
	}
	if g.chance(0.5) {
		st["Condition"] = stmt{"StringEquals": stmt{"aws:PrincipalTag/team": pick(g, "é", "日本語 チーム", "a+b c%", "ünïcødé", "plain")}}
	}
	doc := stmt{"Version": "2012-10-17", "Statement": []any{st}}
	if g.chance(0.3) {
		doc["Statement"] = append(doc["Statement"].([]any), stmt{
			"Sid": "CrossAccount", "Effect": "Allow", "Action": []any{"sts:AssumeRole", "sts:TagSession"},
			"Principal": stmt{"AWS": "arn:aws:iam::444455556666:root"},
		})
	}
	return g.layout(doc)
}

func (g *gen) document() string {
	actions := some(g, 3, "s3:GetObject", "s3:PutObject", "sqs:SendMessage", "dynamodb:Query", "kms:Decrypt")
	if len(actions) == 0 {
		actions = []string{"sts:GetCallerIdentity"}
	}
	st := stmt{"Effect": pick(g, "Allow", "Deny"), "Action": actions, "Resource": pick(g, "*", "arn:aws:s3:::bucket+1/*", "arn:aws:sqs:eu-west-1:111122223333:q-é")}
	return g.layout(stmt{"Version": "2012-10-17", "Statement": []any{st}})
}

// inline returns up to upTo inline policies.
func (g *gen) inline(prefix string, upTo int) []fakeaws.InlinePolicy {
	var out []fakeaws.InlinePolicy
	for i := range g.r.IntN(upTo + 1) {
		out = append(out, fakeaws.InlinePolicy{Name: fmt.Sprintf("%s-%d%s", prefix, i, pick(g, "", "+rw", ".read", "@x")), Document: g.document()})
	}
	return out
}

// The managed policies principals are attached to: customer managed ones
// (created by the fake when a principal names them) and AWS managed ones.
var managedPolicies = []fakeaws.AttachedPolicy{
	{Name: "app-read", ARN: "arn:aws:iam::" + acct + ":policy/app-read"},
	{Name: "deploy", ARN: "arn:aws:iam::" + acct + ":policy/team-a/deploy"},
	{Name: "audit+log", ARN: "arn:aws:iam::" + acct + ":policy/audit+log"},
	{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"},
	{Name: "AmazonS3FullAccess", ARN: "arn:aws:iam::aws:policy/AmazonS3FullAccess"},
	{Name: "AWSLambdaBasicExecutionRole", ARN: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
}

var boundaries = []string{
	"arn:aws:iam::" + acct + ":policy/boundary",
	"arn:aws:iam::" + acct + ":policy/limits/dev-boundary",
	"arn:aws:iam::aws:policy/PowerUserAccess",
}

// lastUse returns a use more than 90 days before now, or none.
func (g *gen) lastUse() time.Time {
	if g.chance(0.5) {
		return time.Time{}
	}
	return now.AddDate(0, 0, -91-g.r.IntN(500)).Add(-time.Duration(g.r.IntN(86400)) * time.Second)
}

func (g *gen) created() time.Time {
	return old.Add(time.Duration(g.r.IntN(200*24)) * time.Hour)
}

// role returns the i-th random role: unused, with a random subset of
// every attribute a restore brings back.
func (g *gen) role(i int) *fakeaws.Role {
	r := &fakeaws.Role{
		Name: g.name("role", i), Path: g.path(), Created: g.created(),
		LastUsed: g.lastUse(), TrustPolicy: g.trust(),
		Tags: g.tags(5), Inline: g.inline("inline", 3), Attached: some(g, 3, managedPolicies...),
	}
	if !r.LastUsed.IsZero() {
		r.LastUsedRegion = pick(g, "", "eu-west-1", "us-east-1")
	}
	if g.chance(0.6) {
		r.Description = pick(g, "the app's role", "déploiement - équipe «ops»", "x", strings.Repeat("long description ", 40))
	}
	if g.chance(0.5) {
		r.MaxSessionDuration = 3600 + 60*g.r.IntN(661)
	}
	if g.chance(0.4) {
		r.Boundary = pick(g, boundaries...)
	}
	for j := range g.r.IntN(3) {
		r.InstanceProfiles = append(r.InstanceProfiles, fakeaws.InstanceProfile{
			Name: fmt.Sprintf("profile-%02d-%d%s", i, j, pick(g, "", ".web", "+x")), Path: g.path(), Tags: g.tags(3),
		})
	}
	return r
}

// user returns the i-th random user: unused, with a random subset of its
// attributes and credentials.
func (g *gen) user(i int) *fakeaws.User {
	u := &fakeaws.User{
		Name: g.name("user", i), Path: g.path(), Created: g.created(),
		Tags: g.tags(5), Groups: some(g, 3, "developers", "ops", "read-only", "audit+x", "admins@corp"),
		// IAM allows 2,048 characters of inline policies per user.
		Inline: g.inline("user-inline", 2), Attached: some(g, 3, managedPolicies...),
	}
	if g.chance(0.4) {
		u.Boundary = pick(g, boundaries...)
	}
	if g.chance(0.5) {
		u.Password = &fakeaws.LoginProfile{Created: u.Created.Add(time.Hour), LastUsed: g.lastUse(), PasswordResetRequired: g.chance(0.3)}
	}
	for range g.r.IntN(3) {
		u.AccessKeys = append(u.AccessKeys, &fakeaws.AccessKey{
			Inactive: g.chance(0.4), Created: u.Created.Add(2 * time.Hour), LastUsed: g.lastUse(),
			LastUsedRegion: "eu-west-1", LastUsedService: "s3",
		})
	}
	if g.chance(0.4) {
		u.MFADevices = append(u.MFADevices, fakeaws.MFADevice{SerialNumber: fmt.Sprintf("arn:aws:iam::%s:mfa/mfa-%02d", acct, i)})
	}
	if g.chance(0.3) {
		g.seq++
		u.MFADevices = append(u.MFADevices, fakeaws.MFADevice{SerialNumber: fmt.Sprintf("GAHT%08d", g.seq)})
	}
	for range g.r.IntN(3) {
		g.seq++
		u.SSHPublicKeys = append(u.SSHPublicKeys, &fakeaws.SSHPublicKey{Body: sshKey(g.r), Inactive: g.chance(0.4)})
	}
	for range g.r.IntN(3) {
		g.seq++
		u.SigningCertificates = append(u.SigningCertificates, &fakeaws.SigningCertificate{Body: certificate(g.t, g.seq), Inactive: g.chance(0.4)})
	}
	for _, svc := range some(g, 2, "codecommit.amazonaws.com", "cassandra.amazonaws.com") {
		u.ServiceCredentials = append(u.ServiceCredentials, &fakeaws.ServiceCredential{ServiceName: svc, Inactive: g.chance(0.3)})
	}
	return u
}

// sshKey returns an ssh-rsa public key in the SSH encoding, as IAM
// returns it: a random 2048-bit modulus (nobody needs the private key).
func sshKey(r *rand.Rand) string {
	n := make([]byte, 256)
	for i := range n {
		n[i] = byte(r.Uint32())
	}
	n[0] |= 0x80
	n[255] |= 1
	var blob []byte
	field := func(p []byte) {
		blob = binary.BigEndian.AppendUint32(blob, uint32(len(p)))
		blob = append(blob, p...)
	}
	field([]byte("ssh-rsa"))
	field(big.NewInt(65537).Bytes())
	field(append([]byte{0}, n...)) // an mpint with its top bit set gets a zero byte
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob)
}

// certificate returns a self-signed X.509 certificate in PEM, the same
// for the same seed (Ed25519 signatures are deterministic).
func certificate(t testing.TB, seed int) string {
	t.Helper()
	sum := sha256.Sum256([]byte(fmt.Sprintf("iamsweep e2e certificate %d", seed)))
	key := ed25519.NewKeyFromSeed(sum[:])
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(seed) + 1),
		Subject:      pkix.Name{CommonName: fmt.Sprintf("iamsweep-e2e-%d", seed)},
		NotBefore:    old,
		NotAfter:     old.AddDate(10, 0, 0),
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
}
