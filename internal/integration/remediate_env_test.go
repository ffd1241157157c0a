//go:build integration

package integration

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamsweep/iamsweep/internal/cli"
)

// unusedFor is how long after the seeding the scans and applies judge:
// more than the 90 days of --unused-days, within the year ahead that
// --as-of accepts.
const unusedFor = 200 * 24 * time.Hour

// quarantinePolicy is the inline policy a quarantine adds (docs/remediation.md).
const quarantinePolicy = "iamsweep-quarantine"

// quarantineTags are the tags a quarantine sets.
var quarantineTags = []string{"iamsweep:quarantined-at", "iamsweep:quarantined-by", "iamsweep:quarantine-reason", "iamsweep:quarantine-policy"}

// remediationEnv is one moto server, the recording proxy the CLI reaches
// it through (filling in what moto does not implement: fillMotoGaps), and
// one state database shared by the commands of the test, as one operator's
// would be.
type remediationEnv struct {
	*awsEnv
	state string
	dir   string
	asOf  string
}

func newRemediationEnv(t *testing.T) *remediationEnv {
	t.Helper()
	env := newAWSEnv(t)
	env.Rec.keepLast(96)
	env.ProxyURL = env.Rec.proxyWith(t, env.Moto.URL, fillMotoGaps)
	cliEnv(t, "testing", "testing")
	dir := t.TempDir()
	return &remediationEnv{awsEnv: env, state: filepath.Join(dir, "state.db"), dir: dir}
}

// judgeLater sets the evaluation time of the scans and applies: unusedFor
// after now, which must be after the seeding.
func (e *remediationEnv) judgeLater() {
	e.asOf = time.Now().UTC().Add(unusedFor).Format(time.RFC3339)
}

// config writes a config file with this remediation section and returns
// its path.
func (e *remediationEnv) config(t *testing.T, remediation string) string {
	t.Helper()
	path := filepath.Join(e.dir, "iamsweep.yaml")
	if err := os.WriteFile(path, []byte("remediation:\n"+remediation), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs an iamsweep command with the test's state database, against
// moto through the proxy, and checks its exit status. A command that
// exits otherwise fails the test with its output and the AWS requests
// of the command that were refused.
func (e *remediationEnv) run(t *testing.T, want int, args ...string) cliResult {
	t.Helper()
	args = append(args, "--state", e.state)
	switch args[0] {
	case "scan", "apply", "release", "restore":
		args = append(args, "--endpoint-url", e.ProxyURL)
	}
	mark := e.Rec.count()
	res := runCLI(t, args...)
	if res.code != want {
		t.Fatalf("iamsweep %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s\n%s", strings.Join(args, " "), res.code, want, res.stdout, res.stderr, e.refused(mark))
	}
	return res
}

// refused shows the CLI's AWS requests after mark that were not answered
// 2xx, with their responses when they are among the last ones kept.
func (e *remediationEnv) refused(mark int) string {
	var b strings.Builder
	for _, ex := range e.Rec.since(mark) {
		if ex.via == "cli" && (ex.err != nil || ex.status >= 300) {
			ex.write(&b, 2<<10, 4<<10)
		}
	}
	if b.Len() == 0 {
		return "(every AWS request of the command among the last ones kept was answered 2xx)"
	}
	return "AWS requests of the command not answered 2xx:\n" + b.String()
}

// scan scans moto as of e.asOf, recording the scan in the state database.
func (e *remediationEnv) scan(t *testing.T, extra ...string) {
	t.Helper()
	args := append([]string{"scan", "--as-of", e.asOf, "-o", "json", "--log-format", "json"}, extra...)
	res := e.run(t, cli.ExitUnused, args...)
	checkLogs(t, res.stderr)
}

// planDoc is a plan file (iamsweep-plan/v2), the fields the tests read.
type planDoc struct {
	Format  string `json:"format"`
	ID      string `json:"id"`
	Actions []struct {
		ID          string `json:"id"`
		Kind        string `json:"kind"`
		Principal   string `json:"principal"`
		ARN         string `json:"arn"`
		Name        string `json:"name"`
		AccessKeyID string `json:"access_key_id"`
		Refused     string `json:"refused"`
		Finding     struct {
			Type        string `json:"type"`
			PrincipalID string `json:"principal_id"`
			Rule        string `json:"rule"`
		} `json:"finding"`
	} `json:"actions"`
}

// actions lists a plan's actions as "ID kind principal name [key]
// [refused]", in order.
func (p planDoc) actions() []string {
	var out []string
	for _, a := range p.Actions {
		s := a.ID + " " + a.Kind + " " + a.Principal + " " + a.Name
		if a.AccessKeyID != "" {
			s += " " + a.AccessKeyID
		}
		if a.Refused != "" {
			s += " refused"
		}
		out = append(out, s)
	}
	return out
}

// plan makes a plan from the latest scan, saves it to a file too, and
// returns the file and the plan.
func (e *remediationEnv) plan(t *testing.T, extra ...string) (string, planDoc) {
	t.Helper()
	file := filepath.Join(e.dir, fmt.Sprintf("plan-%d.json", time.Now().UnixNano()))
	res := e.run(t, cli.ExitOK, append([]string{"plan", "--out", file, "-o", "json"}, extra...)...)
	var p planDoc
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
		t.Fatalf("plan -o json: %v\n%s", err, res.stdout)
	}
	if p.Format != "iamsweep-plan/v2" || p.ID == "" {
		t.Fatalf("plan: format %q, ID %q", p.Format, p.ID)
	}
	return file, p
}

// applyDoc is apply's JSON output.
type applyDoc struct {
	Plan     string `json:"plan"`
	Outcomes []struct {
		ID       string   `json:"id"`
		Kind     string   `json:"kind"`
		ARN      string   `json:"arn"`
		Status   string   `json:"status"`
		Detail   string   `json:"detail"`
		BackupID string   `json:"backup_id"`
		Calls    []string `json:"calls"`
		Notes    []string `json:"notes"`
	} `json:"outcomes"`
}

// statuses lists the outcomes as "ID status", in order.
func (d applyDoc) statuses() []string {
	var out []string
	for _, o := range d.Outcomes {
		out = append(out, o.ID+" "+o.Status)
	}
	return out
}

// apply applies a plan file with --yes, judging at e.asOf, and returns
// its outcomes and the CLI's AWS requests.
func (e *remediationEnv) apply(t *testing.T, want int, file string, extra ...string) (applyDoc, []exchange) {
	t.Helper()
	mark := e.Rec.count()
	res := e.run(t, want, append([]string{"apply", file, "--yes", "--as-of", e.asOf, "-o", "json", "--log-format", "json"}, extra...)...)
	checkLogs(t, res.stderr)
	var d applyDoc
	if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
		t.Fatalf("apply -o json: %v\n%s", err, res.stdout)
	}
	return d, e.cliCalls(mark)
}

// restoreDoc is restore's JSON output.
type restoreDoc struct {
	BackupID        string   `json:"backup_id"`
	ARN             string   `json:"arn"`
	UniqueID        string   `json:"unique_id"`
	Calls           []string `json:"calls"`
	Notes           []string `json:"notes"`
	Differences     []string `json:"differences"`
	ConsolePassword *string  `json:"console_password"`
}

func (e *remediationEnv) restore(t *testing.T, arn string, extra ...string) (restoreDoc, []exchange) {
	t.Helper()
	mark := e.Rec.count()
	res := e.run(t, cli.ExitOK, append([]string{"restore", arn, "--yes", "-o", "json"}, extra...)...)
	var d restoreDoc
	if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
		t.Fatalf("restore -o json: %v\n%s", err, res.stdout)
	}
	if len(d.Differences) != 0 {
		t.Errorf("restore %s: the product reads back differences from the backup: %q", arn, d.Differences)
	}
	return d, e.cliCalls(mark)
}

func (e *remediationEnv) release(t *testing.T, arn string) ([]string, []exchange) {
	t.Helper()
	mark := e.Rec.count()
	res := e.run(t, cli.ExitOK, "release", arn, "--yes", "-o", "json")
	var d struct {
		ARN   string   `json:"arn"`
		Calls []string `json:"calls"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
		t.Fatalf("release -o json: %v\n%s", err, res.stdout)
	}
	if d.ARN != arn || d.Calls == nil {
		t.Errorf("release output %+v: want arn %s and a list of calls", d, arn)
	}
	return d.Calls, e.cliCalls(mark)
}

// cliCalls returns the CLI's AWS requests after mark (their responses only
// for keepResponse's actions).
func (e *remediationEnv) cliCalls(mark int) []exchange {
	var out []exchange
	for _, ex := range e.Rec.calls("cli") {
		if ex.seq > mark {
			out = append(out, ex)
		}
	}
	return out
}

// reads says whether an IAM or STS action only reads.
func reads(action string) bool {
	return strings.HasPrefix(action, "Get") || strings.HasPrefix(action, "List") || action == "GenerateCredentialReport"
}

// mutations describes the requests that change the account, in order:
// the action and the parameters that say what it changes ("DeleteRolePolicy
// RoleName=x PolicyName=y").
func mutations(calls []exchange) []string {
	var out []string
	for _, c := range calls {
		if !reads(c.action) {
			out = append(out, describeCall(c))
		}
	}
	return out
}

// subjectParams are the request parameters that say what a call changes,
// in the order describeCall writes them.
var subjectParams = []string{"RoleName", "UserName", "InstanceProfileName", "PolicyName", "PolicyArn", "PermissionsBoundary",
	"AccessKeyId", "CertificateId", "SSHPublicKeyId", "SerialNumber", "GroupName", "Status", "PasswordResetRequired", "AWSServiceName"}

func describeCall(c exchange) string {
	v, _ := url.ParseQuery(string(c.req))
	parts := []string{c.action}
	for _, p := range subjectParams {
		if v.Has(p) {
			parts = append(parts, p+"="+v.Get(p))
		}
	}
	for i := 1; v.Has(fmt.Sprintf("TagKeys.member.%d", i)); i++ {
		parts = append(parts, "TagKeys="+v.Get(fmt.Sprintf("TagKeys.member.%d", i)))
	}
	for i := 1; v.Has(fmt.Sprintf("Tags.member.%d.Key", i)); i++ {
		parts = append(parts, "Tag="+v.Get(fmt.Sprintf("Tags.member.%d.Key", i)))
	}
	if c.status != 0 && c.status != http.StatusOK {
		parts = append(parts, fmt.Sprintf("(answered %d)", c.status))
	}
	return strings.Join(parts, " ")
}

// checkAnswered fails on a call among calls that was not answered 200.
// Reads may find nothing (GetLoginProfile of a user without a password
// answers 404): only changes are checked.
func checkAnswered(t *testing.T, e *remediationEnv, calls []exchange) {
	t.Helper()
	for _, c := range calls {
		if !reads(c.action) && c.status != http.StatusOK {
			var b strings.Builder
			for _, ex := range e.Rec.since(c.seq - 1) {
				if ex.seq == c.seq {
					ex.write(&b, 2<<10, 4<<10)
				}
			}
			t.Errorf("%s answered %d:\n%s", describeCall(c), c.status, b.String())
		}
	}
}

// callerARN is the ARN the CLI's GetCallerIdentity returned, which a
// quarantine records in iamsweep:quarantined-by.
func callerARN(t *testing.T, calls []exchange) string {
	t.Helper()
	for _, c := range calls {
		if c.action != "GetCallerIdentity" {
			continue
		}
		var out struct {
			Arn string `xml:"GetCallerIdentityResult>Arn"`
		}
		if err := xml.Unmarshal(c.resp, &out); err != nil || out.Arn == "" {
			t.Fatalf("GetCallerIdentity response %q: %v", c.resp, err)
		}
		return out.Arn
	}
	t.Fatal("the command never called GetCallerIdentity")
	return ""
}

// checkNeverUsed checks what the re-check of apply reads about use: moto
// records no use of a role nobody assumed (RoleLastUsed without a date),
// no sign-in (GetUser without PasswordLastUsed) and no use of a key
// nobody signed with (GetAccessKeyLastUsed without a date, Region and
// service N/A, as IAM says of a key never used). The scan, from the
// credential report, and the re-check then agree: unused since created.
func checkNeverUsed(t *testing.T, c *iam.Client, roles []string, users []string) {
	t.Helper()
	ctx := t.Context()
	for _, name := range roles {
		out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if lu := out.Role.RoleLastUsed; lu != nil && lu.LastUsedDate != nil {
			t.Fatalf("moto records a use of role %s, never assumed: %v", name, *lu.LastUsedDate)
		}
	}
	for _, name := range users {
		out, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if out.User.PasswordLastUsed != nil {
			t.Fatalf("moto records a sign-in of user %s: %v", name, *out.User.PasswordLastUsed)
		}
		keys, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys.AccessKeyMetadata {
			lu, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId})
			if err != nil {
				t.Fatal(err)
			}
			if l := lu.AccessKeyLastUsed; l == nil || l.LastUsedDate != nil || aws.ToString(l.Region) != "N/A" || aws.ToString(l.ServiceName) != "N/A" {
				t.Fatalf("GetAccessKeyLastUsed of %s's key %s: %+v; want no date, Region and ServiceName N/A", name, aws.ToString(k.AccessKeyId), l)
			}
		}
	}
}
