//go:build integration

package integration

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/cli"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// ordinaryRoles is how many roles (besides the service-linked ones and the
// one the test uses) TestScan_moto seeds: more than IAM's default page of
// 100, far fewer than the product's MaxItems of 1000, which is slow to seed.
const ordinaryRoles = 120

// age is how old the seeded roles are at the evaluation time: --as-of is
// this long after the seeding. moto cannot backdate a role's creation or
// last use, so the verdicts that turn on exact ages stay in the unit tests;
// this one exercises the verdict path end to end.
const age = 200 * 24 * time.Hour

// allow are the --allow patterns of the scans.
var allow = []string{"/breakglass/*", "*-keep"}

// accountRoles returns n roles that between them use every attribute,
// several paths (/service-role/ among them, an ordinary path), names and
// paths with every character IAM allows that an encoding could mangle, and
// roles the allowlist exempts.
func accountRoles(n int, p policies) []roleSpec {
	paths := []string{"/", "/app/", "/app/team-a/", "/service-role/", "/legacy/deep/nested/path/", "/breakglass/"}
	trusts := []string{trustEC2, trustLambda, trustVendor, trustRoot}
	tags := []tag{{"team", "data platform"}, {"cost:center", "42/ops=+-@_.:"}, {"city", "Zürich"}}
	attached := [][]string{nil, {p.AppRead}, {p.AppRead, p.AppWrite}, {awsReadOnly}}
	var specs []roleSpec
	for i := range n {
		s := roleSpec{
			Name:               fmt.Sprintf("app-%03d", i),
			Path:               paths[i%len(paths)],
			Trust:              trusts[i%len(trusts)],
			MaxSessionDuration: int32(3600 * (1 + i%12)),
			Tags:               tags[:i%4],
			Attached:           attached[i%len(attached)],
		}
		if i%2 == 0 {
			s.Description = fmt.Sprintf("role %d of the <app> & its \"friends\"", i)
		}
		if i%5 == 0 {
			s.Boundary = p.Boundary
		}
		switch i % 3 {
		case 1:
			s.Inline = []policySpec{{"read-reports", policyRead}}
		case 2:
			s.Inline = []policySpec{{"read-reports", policyRead}, {"queue+=,.@-_", policyQueue}}
		}
		if i%7 == 0 {
			s.InstanceProfiles = []profileSpec{{Name: s.Name + "-profile", Path: "/ip/", Tags: tags[:1]}}
		}
		if i%10 == 7 && s.Path != "/breakglass/" {
			s.Name += "-keep"
		}
		switch i {
		case 0:
			s.Name = "=sum+1@team" // a spreadsheet formula in CSV; '+' and '=' on the wire
		case 1:
			s.Name = strings.Repeat("n", 60) + "-max" // IAM's longest name, 64 characters
		case 2:
			s.Path = "/odd&path/<x>/%41/" // IAM allows any printable ASCII in a path
		case 4:
			s.Name = "svc.deploy,prod_eu-west@corp"
		}
		specs = append(specs, s)
	}
	return specs
}

// account is what TestScan_moto seeds.
type account struct {
	// Roles are every role, ordinary and service-linked.
	Roles []seededRole
	// Used is the role used through STS; UsedAt is its RoleLastUsed.
	Used   seededRole
	UsedAt time.Time
	Users  []seededUser
}

func seedAccount(t *testing.T, env *awsEnv) account {
	t.Helper()
	ctx := t.Context()
	p := seedPolicies(t, env.IAM)
	specs := accountRoles(ordinaryRoles, p)
	roles := make([]seededRole, len(specs))
	// One call at a time: moto's IAM backend is not safe for concurrent
	// writes (a CreateRole while AddRoleToInstanceProfile walks the roles
	// fails with a 500 now and then).
	var err error
	for i, s := range specs {
		if roles[i], err = seedRole(ctx, env.IAM, s); err != nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	var a account
	a.Roles = roles
	for _, slr := range []struct{ service, suffix string }{
		{"elasticbeanstalk.amazonaws.com", ""},
		{"autoscaling.amazonaws.com", "fleet"},
		{"elasticloadbalancing.amazonaws.com", ""},
	} {
		r, err := seedServiceLinkedRole(ctx, env.IAM, slr.service, slr.suffix)
		if err != nil {
			t.Fatal(err)
		}
		a.Roles = append(a.Roles, r)
	}

	used, err := seedRole(ctx, env.IAM, roleSpec{Name: "used-role", Path: "/app/", Trust: trustRoot})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.useRole(ctx, used.ARN); err != nil {
		t.Fatal(err)
	}
	out, err := env.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(used.Spec.Name)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Role.RoleLastUsed == nil || out.Role.RoleLastUsed.LastUsedDate == nil {
		t.Fatalf("moto records no use of role %s after it was assumed and used", used.ARN)
	}
	a.Used, a.UsedAt = used, *out.Role.RoleLastUsed.LastUsedDate
	a.Roles = append(a.Roles, used)

	// Users and their credentials: the role scan must read past them.
	for _, gs := range []groupSpec{
		{Name: "admins", Attached: []string{awsReadOnly}},
		{Name: "devs", Path: "/eng/", Inline: []policySpec{{"queue", policyQueue}}},
	} {
		if err := seedGroup(ctx, env.IAM, gs); err != nil {
			t.Fatal(err)
		}
	}
	for _, us := range []userSpec{
		{Name: "alice", Path: "/people/", Password: "Corr3ct-Horse-Battery!", MFA: true, Groups: []string{"admins", "devs"},
			Keys: []iamtypes.StatusType{iamtypes.StatusTypeActive, iamtypes.StatusTypeInactive}},
		{Name: "bob", Keys: []iamtypes.StatusType{iamtypes.StatusTypeActive}, Groups: []string{"devs"}},
		{Name: "ci-bot", Path: "/service/", Keys: []iamtypes.StatusType{iamtypes.StatusTypeInactive}},
		{Name: "carol", Password: "An0ther-Passw0rd!"},
	} {
		u, err := seedUser(ctx, env.IAM, us)
		if err != nil {
			t.Fatal(err)
		}
		a.Users = append(a.Users, u)
	}
	return a
}

type document struct {
	SchemaVersion int    `json:"schema_version"`
	AsOf          string `json:"as_of"`
	UnusedDays    int    `json:"unused_days"`
	Summary       struct {
		Evaluated, Unused, Used, Exempt int
	} `json:"summary"`
	Findings []finding        `json:"findings"`
	Errors   []map[string]any `json:"errors"`
}

// want returns the finding each role must get, by ARN: the rules of the
// README's "Verdicts", applied to roles 200 days old.
func (a account) want(includeManaged bool) map[string]finding {
	out := map[string]finding{}
	for _, r := range a.Roles {
		pathName := r.path() + r.Spec.Name
		rec := finding{
			Type: string(iamsweep.TypeUnusedIAMRole), AccountID: motoAccount, ARN: r.ARN, PrincipalID: r.ID,
			Name: r.Spec.Name, Path: r.path(), Created: stamp(r.Created),
			Verdict: "unused", Rule: "no-recorded-use", Reason: "no recorded use since it was created 200 days ago",
		}
		switch {
		case strings.HasPrefix(pathName, "/breakglass/"):
			rec.Verdict, rec.Rule, rec.Reason = "exempt", "allowlist", "matches allowlist pattern /breakglass/*"
		case strings.HasSuffix(pathName, "-keep"):
			rec.Verdict, rec.Rule, rec.Reason = "exempt", "allowlist", "matches allowlist pattern *-keep"
		case strings.HasPrefix(pathName, "/aws-service-role/") && !includeManaged:
			rec.Verdict, rec.Rule, rec.Reason = "exempt", "service-linked", "service-linked role: owned by its AWS service, which alone can delete it"
		case r.ARN == a.Used.ARN:
			// moto difference: RoleLastUsed carries no Region (AWS always
			// sends one with LastUsedDate), so the reason names none.
			days := 200
			rec.Rule, rec.Reason = "last-used", "last used 200 days ago"
			rec.LastUsed, rec.DaysUnused = stamp(a.UsedAt), &days
		}
		out[r.ARN] = rec
	}
	return out
}

func stamp(t time.Time) *string {
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// cliEnv points the AWS SDK's default chain, which the CLI uses, at the
// given keys and nothing else: no profile, no shared files, no instance
// metadata, no endpoint or region from the environment.
func cliEnv(t *testing.T, key, secret string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", key)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs iamsweep in process, as its main does, with no IAMSWEEP_
// settings from the environment and the default state database in a
// temporary directory (never the user's).
func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	dataHome := t.TempDir()
	code := cli.Main(t.Context(), args, cli.IO{
		In: strings.NewReader(""), Out: &out, ErrOut: &errOut,
		Getenv: func(k string) string {
			if k == "XDG_DATA_HOME" {
				return dataHome
			}
			return ""
		},
	})
	return cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// scanArgs are the arguments of a scan of moto, through the recording
// proxy, as of asOf.
func scanArgs(env *awsEnv, asOf time.Time, extra ...string) []string {
	args := []string{"scan", "--endpoint-url", env.ProxyURL, "--as-of", asOf.Format(time.RFC3339Nano), "--log-format", "json"}
	for _, a := range allow {
		args = append(args, "--allow", a)
	}
	return append(args, extra...)
}

// checkLogs fails on any log record on stderr: a scan of a healthy
// account warns about nothing.
func checkLogs(t *testing.T, stderr string) {
	t.Helper()
	for line := range strings.Lines(stderr) {
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr: not a JSON log record: %q", line)
			continue
		}
		t.Errorf("stderr: unexpected log record: %s", line)
	}
}

// checkCalls checks the AWS requests of one scan: read-only, and the roles
// and users in one GetAccountAuthorizationDetails call (moto difference:
// moto ignores MaxItems and Marker and returns every principal in one
// page, so the product's pagination is covered against internal/fakeaws,
// not here).
func checkCalls(t *testing.T, calls []exchange) {
	t.Helper()
	var listings []url.Values
	for _, c := range calls {
		if !strings.HasPrefix(c.action, "Get") && !strings.HasPrefix(c.action, "List") && c.action != "GenerateCredentialReport" {
			t.Errorf("the scan called %s: a scan only reads", c.action)
		}
		if v, _ := url.ParseQuery(string(c.req)); c.action == "GetAccountAuthorizationDetails" {
			listings = append(listings, v)
		}
	}
	if len(listings) != 1 {
		t.Fatalf("%d GetAccountAuthorizationDetails calls, want 1", len(listings))
	}
	got := listings[0]
	filter := []string{got.Get("Filter.member.1"), got.Get("Filter.member.2")}
	slices.Sort(filter)
	if filter[0] != "Role" || filter[1] != "User" || got.Has("Filter.member.3") || got.Get("MaxItems") != "1000" || got.Has("Marker") {
		t.Errorf("GetAccountAuthorizationDetails request %v: want Filter Role and User, MaxItems 1000, no Marker", got)
	}
}

// xmlName is how a role's name appears in IAM's XML, to find it in a
// recorded response.
func xmlName(name string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(name))
	return "<RoleName>" + b.String() + "</RoleName>"
}

// TestScan_moto scans an account of 124 roles (120 ordinary ones with every
// attribute, 3 service-linked, 1 used through STS) and a few users, seeded
// into moto through the AWS APIs, end to end through cli.Main.
func TestScan_moto(t *testing.T) {
	env := newAWSEnv(t)
	acct := seedAccount(t, env)
	// After the seeding, so that every role is 200 days and a few seconds
	// old: 200 whole days.
	asOf := time.Now().UTC().Add(age)
	cliEnv(t, "testing", "testing")
	names := map[string]string{} // ARN -> name, to find a role in a response
	for _, r := range acct.Roles {
		names[r.ARN] = r.Spec.Name
	}
	users := map[string]bool{}
	for _, u := range acct.Users {
		users[u.ARN] = true
	}

	t.Run("json", func(t *testing.T) {
		tests := []struct {
			name           string
			args           []string
			includeManaged bool
		}{
			{"default", nil, false},
			{"include managed", []string{"--include-managed"}, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				env.Rec.watch(t)
				before := len(env.Rec.calls("cli"))
				res := runCLI(t, scanArgs(env, asOf, append([]string{"-o", "json"}, tt.args...)...)...)
				checkLogs(t, res.stderr)
				if res.code != cli.ExitUnused {
					t.Fatalf("exit %d, want %d (unused roles found); stderr:\n%s", res.code, cli.ExitUnused, res.stderr)
				}
				checkCalls(t, env.Rec.calls("cli")[before:])
				var doc document
				if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
					t.Fatalf("stdout is not a JSON document: %v\n%s", err, res.stdout)
				}
				if doc.SchemaVersion != 1 || doc.AsOf != asOf.Truncate(time.Second).Format(time.RFC3339) || doc.UnusedDays != 90 || len(doc.Errors) != 0 {
					t.Errorf("schema_version %d, as_of %q, unused_days %d, errors %v; want 1, %q, 90, none",
						doc.SchemaVersion, doc.AsOf, doc.UnusedDays, doc.Errors, asOf.Truncate(time.Second).Format(time.RFC3339))
				}
				s := doc.Summary
				if s.Evaluated != len(doc.Findings) || s.Unused+s.Used+s.Exempt != s.Evaluated {
					t.Errorf("summary %+v does not add up to the %d findings", s, len(doc.Findings))
				}

				want := acct.want(tt.includeManaged)
				got := map[string]finding{}
				verdicts := map[string]int{}
				for _, f := range doc.Findings {
					if f.Type != string(iamsweep.TypeUnusedIAMRole) {
						continue // users and keys: not in the live scan yet
					}
					if _, dup := got[f.ARN]; dup {
						t.Errorf("role %s reported twice", f.ARN)
					}
					got[f.ARN] = f
					verdicts[f.Verdict]++
				}
				for arn, w := range want {
					g, ok := got[arn]
					if !ok {
						t.Errorf("role %s missing from the findings\n%s", arn, env.Rec.excerpt(xmlName(names[arn])))
						continue
					}
					if diff := cmp.Diff(w, g); diff != "" {
						t.Errorf("role %s (-want +got):\n%s\n%s", arn, diff, env.Rec.excerpt(xmlName(names[arn])))
					}
				}
				for arn := range got {
					if _, ok := want[arn]; !ok {
						t.Errorf("finding for %s, a role never seeded", arn)
					}
				}
				// Findings of other types (users, passwords, keys) are about
				// the seeded users.
				for _, f := range doc.Findings {
					if f.Type != string(iamsweep.TypeUnusedIAMRole) && !users[f.ARN] {
						t.Errorf("%s finding for %s, a user never seeded", f.Type, f.ARN)
					}
				}
				wantVerdicts := map[string]int{}
				for _, w := range want {
					wantVerdicts[w.Verdict]++
				}
				if diff := cmp.Diff(wantVerdicts, verdicts); diff != "" {
					t.Errorf("role verdicts (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("table", func(t *testing.T) {
		all := map[string]string{} // path and name -> verdict
		unused := map[string]string{}
		for _, w := range acct.want(false) {
			all[w.Path+w.Name] = w.Verdict
			if w.Verdict == "unused" {
				unused[w.Path+w.Name] = w.Verdict
			}
		}
		tests := []struct {
			name string
			args []string
			want map[string]string
		}{
			{"unused roles", nil, unused},
			{"every role with --all", []string{"--all"}, all},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				env.Rec.watch(t)
				res := runCLI(t, scanArgs(env, asOf, tt.args...)...)
				checkLogs(t, res.stderr)
				if res.code != cli.ExitUnused {
					t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, cli.ExitUnused, res.stderr)
				}
				lines := strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
				if !strings.HasPrefix(lines[0], "VERDICT") {
					t.Fatalf("table starts with %q, want its header", lines[0])
				}
				got := map[string]string{}
				for _, line := range lines[1:] {
					if line == "" {
						break // the line of counts follows
					}
					f := strings.Fields(line)
					if len(f) < 3 || f[1] != "role" {
						continue
					}
					if _, dup := got[f[2]]; dup {
						t.Errorf("role %s listed twice", f[2])
					}
					got[f[2]] = f[0]
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("roles in the table (-want +got):\n%s\ntable:\n%s", diff, res.stdout)
				}
				last := lines[len(lines)-1]
				if wantCounts := fmt.Sprintf("%d roles", len(all)); !strings.Contains(last, wantCounts) {
					t.Errorf("last line %q does not count %s", last, wantCounts)
				}
			})
		}
	})

	t.Run("csv", func(t *testing.T) {
		env.Rec.watch(t)
		res := runCLI(t, scanArgs(env, asOf, "-o", "csv")...)
		checkLogs(t, res.stderr)
		if res.code != cli.ExitUnused {
			t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, cli.ExitUnused, res.stderr)
		}
		rows, err := csv.NewReader(strings.NewReader(res.stdout)).ReadAll()
		if err != nil {
			t.Fatalf("stdout is not CSV: %v", err)
		}
		// The columns of the JSON records, found by name: later releases add
		// columns.
		columns := []string{"type", "account_id", "arn", "principal_id", "name", "path", "verdict", "rule", "reason",
			"created", "last_used", "last_used_region", "days_unused"}
		index := map[string]int{}
		for i, c := range rows[0] {
			index[c] = i
		}
		for _, c := range columns {
			if _, ok := index[c]; !ok {
				t.Fatalf("CSV header %q has no column %s", rows[0], c)
			}
		}
		want := map[string][]string{}
		for arn, w := range acct.want(false) {
			name := w.Name
			if strings.ContainsAny(name[:1], "=+-@") {
				name = "'" + name // not a formula to a spreadsheet
			}
			days := ""
			if w.DaysUnused != nil {
				days = strconv.Itoa(*w.DaysUnused)
			}
			want[arn] = []string{w.Type, w.AccountID, w.ARN, w.PrincipalID, name, w.Path, w.Verdict, w.Rule, w.Reason,
				deref(w.Created), deref(w.LastUsed), deref(w.LastUsedRegion), days}
		}
		got := map[string][]string{}
		for _, row := range rows[1:] {
			if row[index["type"]] != string(iamsweep.TypeUnusedIAMRole) {
				continue
			}
			var cells []string
			for _, c := range columns {
				cells = append(cells, row[index[c]])
			}
			got[row[index["arn"]]] = cells
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CSV rows of roles (-want +got):\n%s", diff)
		}
	})

	t.Run("fail-on", func(t *testing.T) {
		env.Rec.watch(t)
		base := runCLI(t, scanArgs(env, asOf, "-o", "json")...)
		if base.code != cli.ExitUnused {
			t.Fatalf("exit %d, want %d; stderr:\n%s", base.code, cli.ExitUnused, base.stderr)
		}
		tests := []struct {
			failOn string
			want   int
		}{
			{"any", cli.ExitUnused},
			{"none", cli.ExitOK},
			{"UnusedIAMRole", cli.ExitUnused},
		}
		for _, tt := range tests {
			t.Run(tt.failOn, func(t *testing.T) {
				res := runCLI(t, scanArgs(env, asOf, "-o", "json", "--fail-on", tt.failOn)...)
				checkLogs(t, res.stderr)
				if res.code != tt.want {
					t.Errorf("--fail-on %s: exit %d, want %d; stderr:\n%s", tt.failOn, res.code, tt.want, res.stderr)
				}
				if res.stdout != base.stdout {
					t.Errorf("--fail-on %s changed the output", tt.failOn)
				}
			})
		}
	})

	// The JSON output shows a few of the attributes the product reads; its
	// IAM client reads them all. Each must arrive as it was seeded.
	t.Run("every attribute through the product's IAM client", func(t *testing.T) {
		env.Rec.watch(t)
		var logs bytes.Buffer
		cfg := env.Config.Copy()
		cfg.Retryer = awsapi.NewRetryer(awsapi.RetryOptions{NoBackoff: true})
		client := awsapi.New(cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
		got := map[string]iamsweep.Role{}
		err := client.Roles(t.Context(), func(r iamsweep.Role) error {
			got[r.ARN] = normalize(r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if logs.Len() > 0 {
			t.Errorf("the client logged:\n%s", logs.String())
		}
		if len(got) != len(acct.Roles) {
			t.Errorf("read %d roles, want %d", len(got), len(acct.Roles))
		}
		for _, r := range acct.Roles {
			var used iamsweep.Usage
			if r.ARN == acct.Used.ARN {
				used.Time = acct.UsedAt
			}
			if diff := cmp.Diff(productRole(t, r, used), got[r.ARN], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("role %s (-seeded +read):\n%s\n%s", r.ARN, diff, env.Rec.excerpt(xmlName(r.Spec.Name)))
			}
		}
	})
}

// TestMoto_accountAlias: apply accepts the account's IAM alias in place of
// its ID when a person confirms a deletion; the product's client must read
// it as IAM lists it.
func TestMoto_accountAlias(t *testing.T) {
	env := newAWSEnv(t)
	cfg := env.Config.Copy()
	cfg.Retryer = awsapi.NewRetryer(awsapi.RetryOptions{NoBackoff: true})
	client := awsapi.New(cfg, slog.New(slog.DiscardHandler))
	if alias, err := client.AccountAlias(t.Context()); err != nil || alias != "" {
		t.Fatalf("AccountAlias without one = %q, %v; want \"\"", alias, err)
	}
	if _, err := env.IAM.CreateAccountAlias(t.Context(), &iam.CreateAccountAliasInput{AccountAlias: aws.String("iamsweep-moto")}); err != nil {
		t.Fatal(err)
	}
	if alias, err := client.AccountAlias(t.Context()); err != nil || alias != "iamsweep-moto" {
		t.Errorf("AccountAlias = %q, %v; want iamsweep-moto", alias, err)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// productRole is the iamsweep.Role the product must read for a seeded role.
func productRole(t *testing.T, r seededRole, lastUsed iamsweep.Usage) iamsweep.Role {
	t.Helper()
	parse := func(text string) iamsweep.PolicyDocument {
		doc, err := policy.Parse([]byte(text))
		if err != nil {
			t.Fatalf("role %s: seeded policy %s: %v", r.Spec.Name, text, err)
		}
		return doc
	}
	trust := parse(r.Spec.Trust)
	want := iamsweep.Role{
		AccountID: motoAccount, ARN: r.ARN, ID: r.ID, Name: r.Spec.Name, Path: r.path(),
		Created: r.Created, LastUsed: lastUsed, TrustPolicy: &trust, PermissionsBoundary: r.Spec.Boundary,
	}
	for _, p := range r.Spec.Inline {
		want.InlinePolicies = append(want.InlinePolicies, iamsweep.InlinePolicy{Name: p.Name, Document: parse(p.Doc)})
	}
	for _, arn := range r.Spec.Attached {
		want.AttachedPolicies = append(want.AttachedPolicies, iamsweep.AttachedPolicy{Name: arn[strings.LastIndex(arn, "/")+1:], ARN: arn})
	}
	for _, tg := range r.Spec.Tags {
		want.Tags = append(want.Tags, iamsweep.Tag{Key: tg.Key, Value: tg.Value})
	}
	for _, p := range r.Profiles {
		ip := iamsweep.InstanceProfile{Name: p.Spec.Name, ID: p.ID, ARN: p.ARN, Path: orDefault(p.Spec.Path, "/"), Created: p.Created, Roles: []string{r.Spec.Name}}
		for _, tg := range p.Spec.Tags {
			ip.Tags = append(ip.Tags, iamsweep.Tag{Key: tg.Key, Value: tg.Value})
		}
		want.InstanceProfiles = append(want.InstanceProfiles, ip)
	}
	return normalize(want)
}

// normalize sorts the lists of a role whose order IAM does not define.
func normalize(r iamsweep.Role) iamsweep.Role {
	slices.SortFunc(r.InlinePolicies, func(a, b iamsweep.InlinePolicy) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(r.AttachedPolicies, func(a, b iamsweep.AttachedPolicy) int { return strings.Compare(a.ARN, b.ARN) })
	slices.SortFunc(r.Tags, func(a, b iamsweep.Tag) int { return strings.Compare(a.Key, b.Key) })
	slices.SortFunc(r.InstanceProfiles, func(a, b iamsweep.InstanceProfile) int { return strings.Compare(a.ARN, b.ARN) })
	return r
}

// TestScan_motoAuth scans with moto checking signatures and permissions as
// AWS does: with the keys of a user who holds the policy the README ships,
// of one who holds nothing, and with keys that are no good.
func TestScan_motoAuth(t *testing.T) {
	env := newAWSEnv(t)
	ctx := t.Context()
	for _, s := range []roleSpec{{Name: "old-etl", Trust: trustEC2}, {Name: "old-web", Path: "/legacy/", Trust: trustLambda}} {
		if _, err := seedRole(ctx, env.IAM, s); err != nil {
			t.Fatal(err)
		}
	}
	scanPolicy, err := os.ReadFile("../../policies/iamsweep-scan.json")
	if err != nil {
		t.Fatal(err)
	}
	seed := func(s userSpec) accessKey {
		t.Helper()
		u, err := seedUser(ctx, env.IAM, s)
		if err != nil {
			t.Fatal(err)
		}
		return u.Keys[0]
	}
	active := []iamtypes.StatusType{iamtypes.StatusTypeActive}
	scanner := seed(userSpec{Name: "iamsweep-scanner", Keys: active, Inline: []policySpec{{"iamsweep-scan", string(scanPolicy)}}})
	nobody := seed(userSpec{Name: "no-permissions", Keys: active})
	inactive := seed(userSpec{Name: "inactive-scanner", Keys: []iamtypes.StatusType{iamtypes.StatusTypeInactive},
		Inline: []policySpec{{"iamsweep-scan", string(scanPolicy)}}})
	// From here on, the seeding credentials are no good either.
	if err := env.Moto.enableAuth(ctx); err != nil {
		t.Fatal(err)
	}
	asOf := time.Now().UTC().Add(age)

	// moto difference: with authentication on, moto answers a request it
	// refuses with <ErrorResponse><Errors><Error><Code>... (an EC2-style
	// envelope, as text/html); IAM sends <ErrorResponse><Error><Code>...,
	// the only form the SDK's query protocol decodes. So against moto the
	// SDK reports UnknownError and the product fails without naming the
	// cause (exit 1, nothing on stdout): the test checks moto's code on the
	// wire and that the scan fails closed. The product's messages for
	// AccessDenied and InvalidClientTokenId are checked against
	// internal/fakeaws, which answers as IAM does.
	tests := []struct {
		name        string
		key, secret string
		code        int
		motoCode    string // the error code moto answers with
	}{
		{"the shipped scan policy is enough", scanner.ID, scanner.Secret, cli.ExitUnused, ""},
		{"no permissions", nobody.ID, nobody.Secret, cli.ExitFailure, "AccessDenied"},
		{"unknown access key", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", cli.ExitFailure, "InvalidClientTokenId"},
		{"wrong secret", scanner.ID, "not-" + scanner.Secret, cli.ExitFailure, "SignatureDoesNotMatch"},
		// moto difference: moto accepts a request signed with an inactive
		// key; AWS rejects it with InvalidClientTokenId.
		{"inactive key (moto accepts it; AWS does not)", inactive.ID, inactive.Secret, cli.ExitUnused, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Rec.watch(t)
			cliEnv(t, tt.key, tt.secret)
			before := env.Rec.count()
			res := runCLI(t, scanArgs(env, asOf, "-o", "json")...)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, tt.code, res.stderr)
			}
			if tt.code != cli.ExitUnused {
				if res.stdout != "" {
					t.Errorf("a failed scan wrote %q to stdout", res.stdout)
				}
				if !strings.HasPrefix(res.stderr, "iamsweep: ") || !strings.Contains(res.stderr, "HTTP 403") {
					t.Errorf("stderr %q: want one line naming the 403 answer", res.stderr)
				}
				// This case's requests: one the previous case cancelled may
				// still be answered, and recorded, after this one began.
				var calls []exchange
				for _, c := range env.Rec.since(before) {
					if c.key == tt.key {
						calls = append(calls, c)
					}
				}
				if len(calls) == 0 {
					t.Error("no request reached moto")
				}
				// The roles and users listings run at once: the first refusal
				// cancels the other call, which may then never get an answer.
				for _, c := range calls {
					if c.status == 0 {
						continue
					}
					if c.status != http.StatusForbidden || !bytes.Contains(c.resp, []byte("<Code>"+tt.motoCode+"</Code>")) {
						t.Errorf("%s answered %d, want 403 %s", c.action, c.status, tt.motoCode)
					}
				}
				return
			}
			checkLogs(t, res.stderr)
			var doc document
			if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
				t.Fatalf("stdout is not a JSON document: %v\n%s", err, res.stdout)
			}
			var names []string
			for _, f := range doc.Findings {
				if f.Type == string(iamsweep.TypeUnusedIAMRole) {
					names = append(names, f.Path+f.Name)
				}
			}
			if diff := cmp.Diff([]string{"/legacy/old-web", "/old-etl"}, names); diff != "" {
				t.Errorf("roles found (-want +got):\n%s", diff)
			}
		})
	}
}
