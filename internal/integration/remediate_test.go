//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/cli"
)

// The remediation commands (plan, apply, release, restore) end to end
// against moto: issue #6's cases. moto cannot backdate a creation or a
// last use, so the scans and the applies judge at --as-of, two years after
// the seeding: every seeded principal is then unused, and the re-check
// apply makes before acting agrees with the scan (moto records no use of a
// role, a password or a key the tests do not use: see checkNeverUsed).

// unusedFor is how long after the seeding the scans and applies judge.
const unusedFor = 2 * 365 * 24 * time.Hour

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

// planDoc is a plan file (iamsweep-plan/v1), the fields the tests read.
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
	if p.Format != "iamsweep-plan/v1" || p.ID == "" {
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

// TestRemediateQuarantine_moto quarantines an unused role and user (and
// deactivates the user's key, the default policy's action for it) through
// scan, plan and apply, checks what IAM holds then, applies the plan again
// and a new plan of the quarantined account (no change either time), and
// releases both back to what they were.
func TestRemediateQuarantine_moto(t *testing.T) {
	e := newRemediationEnv(t)
	ctx := t.Context()
	p := seedPolicies(t, e.IAM)
	if err := seedGroup(ctx, e.IAM, groupSpec{Name: "devs", Path: "/eng/", Attached: []string{awsReadOnly}}); err != nil {
		t.Fatal(err)
	}
	role, err := seedRole(ctx, e.IAM, fullRole("etl-runner", p))
	if err != nil {
		t.Fatal(err)
	}
	user, err := seedUser(ctx, e.IAM, userSpec{
		Name: "bob", Path: "/people/", Password: "Corr3ct-Horse-Battery!", Keys: []iamtypes.StatusType{iamtypes.StatusTypeActive},
		Groups: []string{"devs"}, Inline: []policySpec{{"read-reports", policyRead}}, Attached: []string{p.AppRead},
		Tags: []tag{{"team", "data platform"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkNeverUsed(t, e.IAM, []string{"etl-runner"}, []string{"bob"})
	origRole, err := readRole(ctx, e.IAM, "etl-runner")
	if err != nil {
		t.Fatal(err)
	}
	origUser, err := readUser(ctx, e.IAM, "bob")
	if err != nil {
		t.Fatal(err)
	}
	e.judgeLater()
	e.scan(t)
	// The default remediation policy: quarantine roles and users,
	// deactivate keys.
	file, plan := e.plan(t)
	key := user.Keys[0].ID
	if diff := cmp.Diff([]string{"a001 quarantine role etl-runner", "a002 quarantine user bob", "a003 deactivate-key user bob " + key}, plan.actions()); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}

	// quarantinedAt is when apply quarantined each principal, by name.
	quarantinedAt := map[string]time.Time{}
	t.Run("apply", func(t *testing.T) {
		e.Rec.watch(t)
		before := time.Now().UTC().Truncate(time.Second)
		d, calls := e.apply(t, cli.ExitOK, file)
		after := time.Now().UTC()
		if diff := cmp.Diff([]string{"a001 applied", "a002 applied", "a003 applied"}, d.statuses()); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s\n%+v", diff, d.Outcomes)
		}
		checkAnswered(t, e, calls)
		wantCalls := []string{
			"PutRolePolicy RoleName=etl-runner PolicyName=" + quarantinePolicy,
			"TagRole RoleName=etl-runner Tag=" + strings.Join(quarantineTags, " Tag="),
			"PutUserPolicy UserName=bob PolicyName=" + quarantinePolicy,
			"TagUser UserName=bob Tag=" + strings.Join(quarantineTags, " Tag="),
			"UpdateAccessKey UserName=bob AccessKeyId=" + key + " Status=Inactive",
		}
		if diff := cmp.Diff(wantCalls, mutations(calls)); diff != "" {
			t.Errorf("changes apply made, in order (-want +got):\n%s", diff)
		}
		caller := callerARN(t, calls)

		// What IAM holds now, read with the SDK: the deny-all policy and
		// the tags, next to everything the principals held before.
		for _, q := range []struct {
			principal, name, action string
			// tags are those the principal had before.
			tags map[string]string
			read func() (map[string]any, map[string]string, error)
		}{
			{"role", "etl-runner", "a001", origRole.Tags, func() (map[string]any, map[string]string, error) {
				st, err := readRole(ctx, e.IAM, "etl-runner")
				return st.InlinePolicies, st.Tags, err
			}},
			{"user", "bob", "a002", origUser.Tags, func() (map[string]any, map[string]string, error) {
				st, err := readUser(ctx, e.IAM, "bob")
				return st.InlinePolicies, st.Tags, err
			}},
		} {
			inline, tags, err := q.read()
			if err != nil {
				t.Fatal(err)
			}
			doc, ok := inline[quarantinePolicy]
			if !ok {
				t.Errorf("%s %s has no inline policy %s: %v\n%s", q.principal, q.name, quarantinePolicy, inline, e.Rec.excerpt(quarantinePolicy))
				continue
			}
			at := checkQuarantineDoc(t, q.principal+" "+q.name, doc, before, after)
			quarantinedAt[q.name] = at
			want := map[string]string{
				"iamsweep:quarantined-at": at.Format(time.RFC3339),
				"iamsweep:quarantined-by": caller,
				// The plan ID is the plan's creation time: checked by shape.
				"iamsweep:quarantine-reason": reasonLike(tags["iamsweep:quarantine-reason"], q.action),
				"iamsweep:quarantine-policy": "inline",
			}
			for k, v := range q.tags {
				want[k] = v
			}
			if diff := cmp.Diff(want, tags); diff != "" {
				t.Errorf("tags of %s %s (-want +got):\n%s", q.principal, q.name, diff)
			}
		}
		// Nothing else changed but the key's status.
		gotRole, err := readRole(ctx, e.IAM, "etl-runner")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(origRole, unquarantinedRole(gotRole)); diff != "" {
			t.Errorf("role etl-runner, but for the quarantine (-before +after):\n%s", diff)
		}
		gotUser, err := readUser(ctx, e.IAM, "bob")
		if err != nil {
			t.Fatal(err)
		}
		wantUser := origUser
		wantUser.AccessKeys = map[string]string{key: "Inactive"}
		if diff := cmp.Diff(wantUser, unquarantinedUser(gotUser)); diff != "" {
			t.Errorf("user bob, but for the quarantine (-before +after):\n%s", diff)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("the same plan again changes nothing", func(t *testing.T) {
		e.Rec.watch(t)
		d, calls := e.apply(t, cli.ExitOK, file)
		if diff := cmp.Diff([]string{"a001 already-applied", "a002 already-applied", "a003 already-applied"}, d.statuses()); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		if m := mutations(calls); len(m) != 0 {
			t.Errorf("a second apply of the plan changed the account: %q", m)
		}
	})

	t.Run("a new plan of the quarantined account changes nothing", func(t *testing.T) {
		e.Rec.watch(t)
		e.scan(t)
		file, plan := e.plan(t)
		// The key is inactive now: exempt, no action.
		if diff := cmp.Diff([]string{"a001 quarantine role etl-runner", "a002 quarantine user bob"}, plan.actions()); diff != "" {
			t.Fatalf("plan (-want +got):\n%s", diff)
		}
		d, calls := e.apply(t, cli.ExitOK, file)
		if diff := cmp.Diff([]string{"a001 applied", "a002 applied"}, d.statuses()); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		for _, o := range d.Outcomes {
			if !strings.Contains(o.Detail, "nothing to change") || len(o.Calls) != 0 {
				t.Errorf("outcome %s: detail %q, calls %q; want nothing to change", o.ID, o.Detail, o.Calls)
			}
		}
		if m := mutations(calls); len(m) != 0 {
			t.Errorf("quarantining quarantined principals changed the account: %q", m)
		}
		// The quarantines kept their time.
		role, err := readRole(ctx, e.IAM, "etl-runner")
		if err != nil {
			t.Fatal(err)
		}
		user, err := readUser(ctx, e.IAM, "bob")
		if err != nil {
			t.Fatal(err)
		}
		for name, tags := range map[string]map[string]string{"etl-runner": role.Tags, "bob": user.Tags} {
			if got, want := tags["iamsweep:quarantined-at"], quarantinedAt[name].Format(time.RFC3339); got != want {
				t.Errorf("%s: iamsweep:quarantined-at %q, want the first quarantine's %s", name, got, want)
			}
		}
	})

	t.Run("release", func(t *testing.T) {
		e.Rec.watch(t)
		for _, r := range []struct {
			arn       string
			wantCalls []string
		}{
			{role.ARN, []string{
				"DeleteRolePolicy RoleName=etl-runner PolicyName=" + quarantinePolicy,
				"UntagRole RoleName=etl-runner TagKeys=" + strings.Join(sorted(quarantineTags), " TagKeys="),
			}},
			{user.ARN, []string{
				"DeleteUserPolicy UserName=bob PolicyName=" + quarantinePolicy,
				"UntagUser UserName=bob TagKeys=" + strings.Join(sorted(quarantineTags), " TagKeys="),
			}},
		} {
			steps, calls := e.release(t, r.arn)
			checkAnswered(t, e, calls)
			if diff := cmp.Diff(r.wantCalls, mutations(calls)); diff != "" {
				t.Errorf("release %s: changes (-want +got):\n%s", r.arn, diff)
			}
			if len(steps) != len(r.wantCalls) {
				t.Errorf("release %s reports calls %q", r.arn, steps)
			}
		}
		// Back to what they were before the quarantine (the key stays
		// inactive: release lifts only the quarantine).
		gotRole, err := readRole(ctx, e.IAM, "etl-runner")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(origRole, gotRole); diff != "" {
			t.Errorf("role etl-runner after release (-before the quarantine +after):\n%s", diff)
		}
		gotUser, err := readUser(ctx, e.IAM, "bob")
		if err != nil {
			t.Fatal(err)
		}
		wantUser := origUser
		wantUser.AccessKeys = map[string]string{key: "Inactive"}
		if diff := cmp.Diff(wantUser, gotUser); diff != "" {
			t.Errorf("user bob after release (-before the quarantine +after):\n%s", diff)
		}
		// Releasing again: nothing to release.
		for _, arn := range []string{role.ARN, user.ARN} {
			steps, calls := e.release(t, arn)
			if m := mutations(calls); len(m) != 0 || len(steps) != 0 {
				t.Errorf("releasing %s a second time: calls %q, changes %q; want none", arn, steps, m)
			}
		}
	})
}

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

// TestRemediateServiceLinked_moto deletes an unused service-linked role:
// refused without --allow-service-linked, at plan time and again at apply
// time, and with it deleted through DeleteServiceLinkedRole, following
// the deletion task with GetServiceLinkedRoleDeletionStatus.
func TestRemediateServiceLinked_moto(t *testing.T) {
	e := newRemediationEnv(t)
	ctx := t.Context()
	slr, err := seedServiceLinkedRole(ctx, e.IAM, "autoscaling.amazonaws.com", "fleet")
	if err != nil {
		t.Fatal(err)
	}
	checkNeverUsed(t, e.IAM, []string{slr.Spec.Name}, nil)
	e.judgeLater()
	cfg := e.config(t, "  roles: delete\n  users: delete\n")
	// Service-linked roles are exempt unless the scan evaluates them.
	e.scan(t, "--include-managed")
	wantAction := "a001 delete role " + slr.Spec.Name

	t.Run("refused without --allow-service-linked", func(t *testing.T) {
		e.Rec.watch(t)
		file, plan := e.plan(t, "--config", cfg)
		if diff := cmp.Diff([]string{wantAction + " refused"}, plan.actions()); diff != "" {
			t.Fatalf("plan (-want +got):\n%s", diff)
		}
		if r := plan.Actions[0].Refused; !strings.Contains(r, "--allow-service-linked") {
			t.Errorf("refusal %q does not name --allow-service-linked", r)
		}
		mark := e.Rec.count()
		res := e.run(t, cli.ExitOK, "apply", file, "--yes", "--config", cfg, "--as-of", e.asOf)
		if !strings.Contains(res.stdout, "has no action to run") {
			t.Errorf("apply of a plan whose only action is refused: %q", res.stdout)
		}
		if m := mutations(e.cliCalls(mark)); len(m) != 0 {
			t.Errorf("the apply changed the account: %q", m)
		}

		// Planned with the flag, applied without it: apply's own
		// configuration refuses it again.
		file, plan = e.plan(t, "--config", cfg, "--allow-service-linked")
		if diff := cmp.Diff([]string{wantAction}, plan.actions()); diff != "" {
			t.Fatalf("plan with --allow-service-linked (-want +got):\n%s", diff)
		}
		d, calls := e.apply(t, cli.ExitOK, file, "--config", cfg)
		if diff := cmp.Diff([]string{"a001 refused"}, d.statuses()); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		if m := mutations(calls); len(m) != 0 {
			t.Errorf("the apply changed the account: %q", m)
		}
		if _, err := e.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(slr.Spec.Name)}); err != nil {
			t.Errorf("GetRole %s: %v; the role must still exist", slr.Spec.Name, err)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("deleted with --allow-service-linked", func(t *testing.T) {
		e.Rec.watch(t)
		file, plan := e.plan(t, "--config", cfg, "--allow-service-linked")
		if diff := cmp.Diff([]string{wantAction}, plan.actions()); diff != "" {
			t.Fatalf("plan (-want +got):\n%s", diff)
		}
		mark := e.Rec.count()
		d, calls := e.apply(t, cli.ExitOK, file, "--config", cfg, "--allow-service-linked")
		if diff := cmp.Diff([]string{"a001 applied"}, d.statuses()); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s\n%+v", diff, d.Outcomes)
		}
		checkAnswered(t, e, calls)
		if diff := cmp.Diff([]string{"DeleteServiceLinkedRole RoleName=" + slr.Spec.Name}, mutations(calls)); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		// The deletion task the answer named is the one followed, after it
		// was started, until it ended.
		var task string
		var polled []string
		for _, ex := range e.Rec.since(mark) {
			switch {
			case ex.via != "cli":
			case ex.action == "DeleteServiceLinkedRole":
				var out struct {
					Task string `xml:"DeleteServiceLinkedRoleResult>DeletionTaskId"`
				}
				if err := xml.Unmarshal(ex.resp, &out); err != nil || out.Task == "" {
					t.Fatalf("DeleteServiceLinkedRole answered %q: %v", ex.resp, err)
				}
				task = out.Task
			case ex.action == "GetServiceLinkedRoleDeletionStatus":
				v, _ := url.ParseQuery(string(ex.req))
				if task == "" {
					t.Errorf("GetServiceLinkedRoleDeletionStatus before DeleteServiceLinkedRole answered")
				}
				polled = append(polled, v.Get("DeletionTaskId"))
				if !bytes.Contains(ex.resp, []byte("<Status>SUCCEEDED</Status>")) {
					t.Errorf("GetServiceLinkedRoleDeletionStatus answered %s", ex.resp)
				}
			}
		}
		if task == "" || !slices.Equal(polled, []string{task}) {
			t.Errorf("deletion task %q, polled %q: want it polled once (moto ends the task at once)", task, polled)
		}
		if _, err := e.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(slr.Spec.Name)}); !notFound(err) {
			t.Errorf("GetRole %s after the delete: %v, want NoSuchEntity", slr.Spec.Name, err)
		}
	})
}

// fillMotoGaps answers, as IAM does, the calls of the remediation commands
// that moto 5.2.1 does not implement (it answers them HTTP 500 with an
// HTML page, which the product rightly takes as a failure: a backup must
// be complete), from moto's own state:
//
//   - ListInstanceProfileTags: the tags moto's GetInstanceProfile shows;
//   - ListServiceSpecificCredentials: none (moto has no way to make one).
//
// Every other request, and these once moto answers them otherwise, go to
// moto unchanged. TestMoto_differences checks that moto still lacks them.
func fillMotoGaps(next http.RoundTripper) http.RoundTripper { return motoGaps{next} }

type motoGaps struct{ next http.RoundTripper }

// filledRequestID marks the responses fillMotoGaps made, in the recording.
const filledRequestID = "filled-in-by-the-test-proxy-moto-lacks-this-call"

func (g motoGaps) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	act := action(req, body)
	if act != "ListInstanceProfileTags" && act != "ListServiceSpecificCredentials" {
		return g.next.RoundTrip(req)
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	form, _ := url.ParseQuery(string(body))
	if act == "ListServiceSpecificCredentials" {
		return iamResponse(req, act, "<ServiceSpecificCredentials/><IsTruncated>false</IsTruncated>"), nil
	}
	get := url.Values{"Action": {"GetInstanceProfile"}, "Version": {"2010-05-08"}, "InstanceProfileName": {form.Get("InstanceProfileName")}}
	greq, err := http.NewRequestWithContext(req.Context(), http.MethodPost, req.URL.String(), strings.NewReader(get.Encode()))
	if err != nil {
		return nil, err
	}
	greq.Host = req.Host
	greq.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	// The same credentials: moto picks the account by the access key.
	// (moto checks no signature here: TestScan_motoAuth alone turns that
	// on, and it runs no remediation.)
	greq.Header.Set("Authorization", req.Header.Get("Authorization"))
	greq.Header.Set("X-Amz-Date", req.Header.Get("X-Amz-Date"))
	gresp, err := g.next.RoundTrip(greq)
	if err != nil || gresp.StatusCode != http.StatusOK {
		// NoSuchEntity, as ListInstanceProfileTags answers it.
		return gresp, err
	}
	data, err := io.ReadAll(gresp.Body)
	gresp.Body.Close()
	if err != nil {
		return nil, err
	}
	var out struct {
		Tags []struct{ Key, Value string } `xml:"GetInstanceProfileResult>InstanceProfile>Tags>member"`
	}
	if err := xml.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("fill in ListInstanceProfileTags: GetInstanceProfile answered %q: %w", data, err)
	}
	var b strings.Builder
	b.WriteString("<Tags>")
	for _, tg := range out.Tags {
		b.WriteString("<member><Key>")
		xml.EscapeText(&b, []byte(tg.Key))
		b.WriteString("</Key><Value>")
		xml.EscapeText(&b, []byte(tg.Value))
		b.WriteString("</Value></member>")
	}
	b.WriteString("</Tags><IsTruncated>false</IsTruncated>")
	return iamResponse(req, act, b.String()), nil
}

// iamResponse is IAM's answer to action with this result.
func iamResponse(req *http.Request, action, result string) *http.Response {
	body := `<` + action + `Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><` + action + `Result>` + result + `</` + action +
		`Result><ResponseMetadata><RequestId>` + filledRequestID + `</RequestId></ResponseMetadata></` + action + `Response>`
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/xml"}, "Content-Length": {strconv.Itoa(len(body))}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// remediateDifferences are where moto differs from AWS in the calls of
// plan, apply, release and restore.
func remediateDifferences(env *awsEnv) []difference {
	status := func(t *testing.T, fn func() error) (int, []byte) {
		t.Helper()
		before := env.Rec.count()
		err := fn()
		calls := env.Rec.since(before)
		if len(calls) == 0 {
			t.Fatalf("no request recorded (%v)", err)
		}
		last := calls[len(calls)-1]
		return last.status, last.resp
	}
	return []difference{
		{
			name: "ListInstanceProfileTags and ListServiceSpecificCredentials are not implemented",
			aws: "IAM lists an instance profile's tags and a user's service-specific credentials (CodeCommit, Keyspaces...). " +
				"moto implements neither and answers HTTP 500 with an HTML page. The product reads both for a backup and fails " +
				"rather than back up less; the remediation tests' proxy (fillMotoGaps) answers them as IAM does from moto's state: " +
				"the tags GetInstanceProfile shows, and no service-specific credentials (moto cannot make any).",
			check: func(t *testing.T) {
				ctx := t.Context()
				if _, err := env.IAM.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("diff-profile-tags"),
					Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("x")}}}); err != nil {
					t.Fatal(err)
				}
				if code, body := status(t, func() error {
					_, err := env.IAM.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("diff-profile-tags")})
					return err
				}); code != http.StatusInternalServerError {
					t.Errorf("ListInstanceProfileTags answered %d %s; moto used to answer 500", code, clip(body, 1<<10))
				}
				if _, err := seedUser(ctx, env.IAM, userSpec{Name: "diff-service-credentials"}); err != nil {
					t.Fatal(err)
				}
				if code, body := status(t, func() error {
					_, err := env.IAM.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("diff-service-credentials")})
					return err
				}); code != http.StatusInternalServerError {
					t.Errorf("ListServiceSpecificCredentials answered %d %s; moto used to answer 500", code, clip(body, 1<<10))
				}
			},
		},
		{
			name: "users have no permissions boundary",
			aws: "IAM sets a user's permissions boundary with CreateUser or PutUserPermissionsBoundary and shows it in GetUser. " +
				"moto ignores CreateUser's and answers PutUserPermissionsBoundary and DeleteUserPermissionsBoundary HTTP 500: " +
				"backing up, deleting and restoring a user's boundary is tested against internal/fakeaws only.",
			check: func(t *testing.T) {
				ctx := t.Context()
				arn, err := seedPolicy(ctx, env.IAM, "/boundaries/", "diff-user-boundary", policyBoundary)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := env.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("diff-bounded"), PermissionsBoundary: aws.String(arn)}); err != nil {
					t.Fatal(err)
				}
				out, err := env.IAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("diff-bounded")})
				if err != nil {
					t.Fatal(err)
				}
				if out.User.PermissionsBoundary != nil {
					t.Errorf("GetUser shows boundary %s; moto used to ignore CreateUser's", aws.ToString(out.User.PermissionsBoundary.PermissionsBoundaryArn))
				}
				if code, body := status(t, func() error {
					_, err := env.IAM.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("diff-bounded"), PermissionsBoundary: aws.String(arn)})
					return err
				}); code != http.StatusInternalServerError {
					t.Errorf("PutUserPermissionsBoundary answered %d %s; moto used to answer 500", code, clip(body, 1<<10))
				}
				if code, body := status(t, func() error {
					_, err := env.IAM.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("diff-bounded")})
					return err
				}); code != http.StatusInternalServerError {
					t.Errorf("DeleteUserPermissionsBoundary answered %d %s; moto used to answer 500", code, clip(body, 1<<10))
				}
			},
		},
		{
			name: "DeleteUser does not check what the user still has",
			aws: "IAM refuses DeleteUser (DeleteConflict) while the user has a console password, access keys, signing " +
				"certificates, SSH public keys, service-specific credentials, MFA devices or groups. moto checks only inline and " +
				"attached policies, and its groups keep listing the deleted user. The product removes everything first either " +
				"way; against moto the delete test checks the order of the calls the recording proxy saw.",
			check: func(t *testing.T) {
				ctx := t.Context()
				if err := seedGroup(ctx, env.IAM, groupSpec{Name: "diff-delete-group"}); err != nil {
					t.Fatal(err)
				}
				if _, err := seedUser(ctx, env.IAM, userSpec{Name: "diff-delete", Password: "Corr3ct-Horse-Battery!",
					Keys: []iamtypes.StatusType{iamtypes.StatusTypeActive}, Groups: []string{"diff-delete-group"}}); err != nil {
					t.Fatal(err)
				}
				if _, err := env.IAM.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("diff-delete")}); err != nil {
					t.Errorf("DeleteUser of a user with a password, a key and a group: %v; moto used to delete it", err)
				}
				out, err := env.IAM.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("diff-delete-group")})
				if err != nil {
					t.Fatal(err)
				}
				if len(out.Users) != 1 {
					t.Errorf("the group lists %d users after its member was deleted; moto used to list the deleted user", len(out.Users))
				}
			},
		},
		{
			name: "CreateLoginProfile ignores PasswordResetRequired",
			aws: "IAM records PasswordResetRequired (GetLoginProfile says true after CreateLoginProfile with it). moto " +
				"always says false; the restore test checks that restore --reset-password sends it.",
			check: func(t *testing.T) {
				ctx := t.Context()
				if _, err := seedUser(ctx, env.IAM, userSpec{Name: "diff-reset"}); err != nil {
					t.Fatal(err)
				}
				if _, err := env.IAM.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("diff-reset"),
					Password: aws.String("Corr3ct-Horse-Battery!"), PasswordResetRequired: true}); err != nil {
					t.Fatal(err)
				}
				out, err := env.IAM.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("diff-reset")})
				if err != nil {
					t.Fatal(err)
				}
				if out.LoginProfile.PasswordResetRequired {
					t.Error("GetLoginProfile says PasswordResetRequired; moto used to say false")
				}
			},
		},
		{
			name: "service-linked roles are deleted at once",
			aws: "IAM deletes a service-linked role in a task that GetServiceLinkedRoleDeletionStatus reports IN_PROGRESS, " +
				"then SUCCEEDED, or FAILED with the resources that still use the role. moto deletes the role within " +
				"DeleteServiceLinkedRole and answers SUCCEEDED for any task ID, even one it never issued. The product polls " +
				"until the task ends; its waiting, timeout and failure paths are tested against internal/fakeaws.",
			check: func(t *testing.T) {
				ctx := t.Context()
				r, err := seedServiceLinkedRole(ctx, env.IAM, "elasticbeanstalk.amazonaws.com", "diff")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := env.IAM.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String(r.Spec.Name)}); err != nil {
					t.Fatal(err)
				}
				if _, err := env.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Spec.Name)}); !notFound(err) {
					t.Errorf("GetRole right after DeleteServiceLinkedRole: %v; moto used to have deleted it (NoSuchEntity)", err)
				}
				out, err := env.IAM.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{
					DeletionTaskId: aws.String("task/aws-service-role/elasticbeanstalk.amazonaws.com/never-issued/00000000-0000-0000-0000-000000000000")})
				if err != nil || out.Status != iamtypes.DeletionTaskStatusTypeSucceeded {
					t.Errorf("GetServiceLinkedRoleDeletionStatus of a task never issued: %v, %v; moto used to answer SUCCEEDED", err, out)
				}
			},
		},
	}
}

// reasonLike returns got when it is the reason tag of a never-used
// principal quarantined by some plan's action, else what it should be.
func reasonLike(got, action string) string {
	want := regexp.MustCompile(`^unused rule=no-recorded-use created=\d{4}-\d\d-\d\d plan=p-\d{8}T\d{6}Z(-\d+)? action=` + regexp.QuoteMeta(action) + `$`)
	if want.MatchString(got) {
		return got
	}
	return want.String()
}
