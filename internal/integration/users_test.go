//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/cli"
)

// finding is one record of the JSON output, with every field the README
// documents.
type finding struct {
	Type           string  `json:"type"`
	AccountID      string  `json:"account_id"`
	AccountName    *string `json:"account_name"`
	ARN            string  `json:"arn"`
	PrincipalID    string  `json:"principal_id"`
	Name           string  `json:"name"`
	Path           string  `json:"path"`
	Verdict        string  `json:"verdict"`
	Rule           string  `json:"rule"`
	Reason         string  `json:"reason"`
	Created        *string `json:"created"`
	LastUsed       *string `json:"last_used"`
	LastUsedRegion *string `json:"last_used_region"`
	DaysUnused     *int    `json:"days_unused"`
	AccessKeyID    *string `json:"access_key_id"`
	KeySlot        *int    `json:"key_slot"`
}

// key identifies a finding in a scan: its type, principal and key slot.
func (f finding) key() string {
	k := f.Type + " " + f.ARN
	if f.KeySlot != nil {
		k += " key " + strconv.Itoa(*f.KeySlot)
	}
	return k
}

// scanDoc is the JSON document of a scan, of one account or many.
type scanDoc struct {
	SchemaVersion int    `json:"schema_version"`
	AsOf          string `json:"as_of"`
	UnusedDays    int    `json:"unused_days"`
	Summary       struct {
		Evaluated, Unused, Used, Exempt int
	} `json:"summary"`
	Accounts struct {
		Scanned, Failed, Skipped int
	} `json:"accounts"`
	Findings []finding `json:"findings"`
	Errors   []struct {
		AccountID   string  `json:"account_id"`
		AccountName *string `json:"account_name"`
		Stage       string  `json:"stage"`
		Code        *string `json:"code"`
		Message     string  `json:"message"`
	} `json:"errors"`
	Skipped []struct {
		AccountID   string  `json:"account_id"`
		AccountName *string `json:"account_name"`
		Status      string  `json:"status"`
	} `json:"skipped_accounts"`
}

func parseScanDoc(t *testing.T, out string) scanDoc {
	t.Helper()
	var doc scanDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not a JSON document: %v\n%s", err, out)
	}
	s := doc.Summary
	if s.Evaluated != len(doc.Findings) || s.Unused+s.Used+s.Exempt != s.Evaluated {
		t.Errorf("summary %+v does not add up to the %d findings", s, len(doc.Findings))
	}
	return doc
}

// isUserType says whether a finding is about a user or its credentials.
func isUserType(typ string) bool {
	switch iamsweep.FindingType(typ) {
	case iamsweep.TypeUnusedIAMUser, iamsweep.TypeUnusedIAMUserPassword, iamsweep.TypeUnusedIAMUserAccessKey, iamsweep.TypeRootAccessKey:
		return true
	}
	return false
}

// verdict is what the README's rules give a record: verdict, rule, reason.
type verdict struct{ Verdict, Rule, Reason string }

// The verdicts of credentials that were never used, 200 days after they
// were created (the README's "Verdicts", N = 90).
var (
	neverUsedKey      = verdict{"unused", "no-recorded-use", "no recorded use since it was created 200 days ago"}
	neverUsedPassword = verdict{"unused", "no-recorded-use", "no recorded sign-in since it was set 200 days ago"}
	inactiveKey       = verdict{"exempt", "inactive-key", "inactive key"}
)

// userCase is a user TestScanUsers_moto seeds and the verdicts its records
// must get.
type userCase struct {
	spec userSpec
	// use is the slot (1 or 2) of the key that makes one IAM call before
	// the scan, 200 days before the evaluation time; 0 for none.
	use            int
	user, password verdict
	keys           []verdict // by slot
}

// usersSeeded is what seedUsers made: the users and, for each used key,
// when IAM says it was last used.
type usersSeeded struct {
	cases  []userCase
	users  []seededUser
	usedAt map[string]time.Time // access key ID -> last use
}

func userCases() []userCase {
	active, inactive := iamtypes.StatusTypeActive, iamtypes.StatusTypeInactive
	return []userCase{
		{
			spec: userSpec{Name: "former", Path: "/former/"},
			user: verdict{"unused", "no-credentials", "no credentials"},
		},
		{
			spec:     userSpec{Name: "console-only", Password: "Corr3ct-Horse-Battery!"},
			user:     verdict{"unused", "no-recorded-use", "no recorded use of its console password"},
			password: neverUsedPassword,
		},
		{
			// Every kind of credential, a group and an MFA device.
			spec: userSpec{Name: "alice", Path: "/people/", Password: "An0ther-Passw0rd!", Keys: []iamtypes.StatusType{active, inactive},
				Groups: []string{"devs"}, MFA: true},
			user:     verdict{"unused", "no-recorded-use", "no recorded use of its console password and 1 access key"},
			password: neverUsedPassword,
			keys:     []verdict{neverUsedKey, inactiveKey},
		},
		{
			// moto difference: the credential report has no Region and no
			// service for a key's last use (AWS: "... in us-east-1 (iam)").
			spec: userSpec{Name: "bob", Keys: []iamtypes.StatusType{active, active}, Groups: []string{"devs"}},
			use:  1,
			user: verdict{"unused", "last-used", "no credential used within the threshold; access key 1 last used 200 days ago"},
			keys: []verdict{{"unused", "last-used", "last used 200 days ago"}, neverUsedKey},
		},
		{
			spec: userSpec{Name: "ci-bot", Path: "/service/", Keys: []iamtypes.StatusType{inactive}},
			user: verdict{"unused", "no-credentials", "no active credentials (1 inactive access key)"},
			keys: []verdict{inactiveKey},
		},
		{
			spec: userSpec{Name: "deploy-keep", Path: "/service/", Keys: []iamtypes.StatusType{active}},
			user: verdict{"exempt", "allowlist", "matches allowlist pattern *-keep"},
			keys: []verdict{{"exempt", "allowlist", "user matches allowlist pattern *-keep"}},
		},
	}
}

func seedUsers(t *testing.T, env *awsEnv) usersSeeded {
	t.Helper()
	ctx := t.Context()
	if err := seedGroup(ctx, env.IAM, groupSpec{Name: "devs", Path: "/eng/", Attached: []string{awsReadOnly}}); err != nil {
		t.Fatal(err)
	}
	s := usersSeeded{cases: userCases(), usedAt: map[string]time.Time{}}
	for _, c := range s.cases {
		u, err := seedUser(ctx, env.IAM, c.spec)
		if err != nil {
			t.Fatal(err)
		}
		s.users = append(s.users, u)
		if c.use == 0 {
			continue
		}
		k := u.Keys[c.use-1]
		if err := useKey(ctx, env, k); err != nil {
			t.Fatal(err)
		}
		out, err := env.IAM.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(k.ID)})
		if err != nil {
			t.Fatal(err)
		}
		if out.AccessKeyLastUsed == nil || out.AccessKeyLastUsed.LastUsedDate == nil {
			t.Fatalf("moto records no use of access key %s of %s after a call signed with it", k.ID, u.Spec.Name)
		}
		s.usedAt[k.ID] = *out.AccessKeyLastUsed.LastUsedDate
	}
	return s
}

// useKey makes one IAM call signed with an access key: IAM records the
// key's last use.
func useKey(ctx context.Context, env *awsEnv, k accessKey) error {
	c := iam.NewFromConfig(env.with(k.ID, k.Secret, ""))
	if _, err := c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(1)}); err != nil {
		return fmt.Errorf("call IAM with access key %s: %w", k.ID, err)
	}
	return nil
}

// want returns the user, password and key records the scan must make, by
// finding key. keyIDs says whether the scan looked key IDs up: it does so
// (ListAccessKeys) only for users that hold an active key.
func (s usersSeeded) want(account string, accountName *string, keyIDs bool) map[string]finding {
	out := map[string]finding{}
	for i, c := range s.cases {
		u := s.users[i]
		path := orDefault(c.spec.Path, "/")
		base := func(typ iamsweep.FindingType, v verdict, created time.Time) finding {
			return finding{
				Type: string(typ), AccountID: account, AccountName: accountName, ARN: u.ARN, PrincipalID: u.ID,
				Name: c.spec.Name, Path: path, Verdict: v.Verdict, Rule: v.Rule, Reason: v.Reason, Created: stamp(created),
			}
		}
		hasActive := slices.ContainsFunc(u.Keys, func(k accessKey) bool { return k.Status == iamtypes.StatusTypeActive })
		user := base(iamsweep.TypeUnusedIAMUser, c.user, u.Created)
		for slot, k := range u.Keys {
			f := base(iamsweep.TypeUnusedIAMUserAccessKey, c.keys[slot], k.Created)
			f.KeySlot = ptr(slot + 1)
			if keyIDs && hasActive {
				f.AccessKeyID = ptr(k.ID)
			}
			if at, ok := s.usedAt[k.ID]; ok {
				f.LastUsed, f.DaysUnused = stamp(at), ptr(200)
				user.LastUsed, user.DaysUnused = stamp(at), ptr(200)
			}
			out[f.key()] = f
		}
		out[user.key()] = user
		if c.spec.Password != "" {
			// moto difference: the report's password_last_changed is the
			// user's creation time (AWS: when the password was set).
			f := base(iamsweep.TypeUnusedIAMUserPassword, c.password, u.Created)
			out[f.key()] = f
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// TestScanUsers_moto scans users with every kind of credential, seeded
// into moto through the AWS APIs, end to end through cli.Main: the
// credential report path, with and without the ListAccessKeys calls that
// name the keys.
func TestScanUsers_moto(t *testing.T) {
	env := newAWSEnv(t)
	env.Rec.keepLast(64)
	seeded := seedUsers(t, env)
	// After the seeding, so that every user and key is 200 days and a few
	// seconds old: 200 whole days.
	asOf := time.Now().UTC().Add(age)
	cliEnv(t, "testing", "testing")
	withActiveKey := []string{"alice", "bob", "deploy-keep"}

	tests := []struct {
		name string
		args []string
		// keyIDs: the scan names the keys (ListAccessKeys).
		keyIDs bool
		// fresh: the scan finds no credential report and has IAM build one.
		fresh bool
	}{
		{"with key IDs", nil, true, true},
		{"--no-key-ids", []string{"--no-key-ids"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Rec.watch(t)
			before := len(env.Rec.calls("cli"))
			res := runCLI(t, scanArgs(env, asOf, append([]string{"-o", "json"}, tt.args...)...)...)
			checkLogs(t, res.stderr)
			if res.code != cli.ExitUnused {
				t.Fatalf("exit %d, want %d (unused users found); stderr:\n%s", res.code, cli.ExitUnused, res.stderr)
			}
			calls := env.Rec.calls("cli")[before:]
			checkCalls(t, calls)
			checkReportCalls(t, calls, tt.fresh)

			// ListAccessKeys: once per user with an active key, or never.
			var listed []string
			for _, c := range calls {
				if c.action == "ListAccessKeys" {
					v, _ := url.ParseQuery(string(c.req))
					listed = append(listed, v.Get("UserName"))
				}
			}
			slices.Sort(listed)
			want := withActiveKey
			if !tt.keyIDs {
				want = nil
			}
			if diff := cmp.Diff(want, listed); diff != "" {
				t.Errorf("ListAccessKeys calls, by UserName (-want +got):\n%s", diff)
			}

			doc := parseScanDoc(t, res.stdout)
			if len(doc.Errors) != 0 {
				t.Errorf("errors %+v, want none", doc.Errors)
			}
			wantRecs := seeded.want(motoAccount, nil, tt.keyIDs)
			got := map[string]finding{}
			for _, f := range doc.Findings {
				if !isUserType(f.Type) {
					continue
				}
				if f.Type == string(iamsweep.TypeRootAccessKey) {
					// moto difference: the report has no root row, so
					// there is nothing to make a RootAccessKey from.
					t.Errorf("a RootAccessKey record %+v: moto's credential report has no root row", f)
					continue
				}
				if _, dup := got[f.key()]; dup {
					t.Errorf("%s reported twice", f.key())
				}
				got[f.key()] = f
			}
			for k, w := range wantRecs {
				g, ok := got[k]
				if !ok {
					t.Errorf("%s missing from the findings\n%s", k, userEvidence(env.Rec, w.Name))
					continue
				}
				if diff := cmp.Diff(w, g); diff != "" {
					t.Errorf("%s (-want +got):\n%s\n%s", k, diff, userEvidence(env.Rec, w.Name))
				}
			}
			for k, g := range got {
				if _, ok := wantRecs[k]; !ok {
					t.Errorf("unexpected record %s: %+v\n%s", k, g, userEvidence(env.Rec, g.Name))
				}
			}
		})
	}

	// What the scan was built from, as moto holds it: the seeding helpers
	// and the verdicts above assume it.
	t.Run("moto's credential report and ListAccessKeys", func(t *testing.T) {
		env.Rec.watch(t)
		ctx := t.Context()
		for _, u := range seeded.users {
			got, err := readUser(ctx, env.IAM, u.Spec.Name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantUser(t, u), got); diff != "" {
				t.Errorf("user %s read back (-seeded +read):\n%s", u.Spec.Name, diff)
			}
		}
		rep, err := readCredentialReport(ctx, env.IAM)
		if err != nil {
			t.Fatal(err)
		}
		const reportTime = "2006-01-02T15:04:05+00:00"
		for _, u := range seeded.users {
			row, ok := rep.rows[u.Spec.Name]
			if !ok {
				t.Errorf("user %s missing from the credential report:\n%s", u.Spec.Name, rep.raw)
				continue
			}
			want := map[string]string{
				"arn":                u.ARN,
				"user_creation_time": u.Created.UTC().Format(reportTime),
				"password_enabled":   strconv.FormatBool(u.Spec.Password != ""),
				"mfa_active":         strconv.FormatBool(u.Spec.MFA),
			}
			if u.Spec.Password != "" {
				want["password_last_used"] = "no_information"
			}
			for slot := 1; slot <= 2; slot++ {
				p := fmt.Sprintf("access_key_%d_", slot)
				want[p+"active"], want[p+"last_rotated"], want[p+"last_used_date"] = "false", "N/A", "N/A"
				if slot <= len(u.Keys) {
					k := u.Keys[slot-1]
					want[p+"active"] = strconv.FormatBool(k.Status == iamtypes.StatusTypeActive)
					want[p+"last_rotated"] = k.Created.UTC().Format(reportTime)
					if at, ok := seeded.usedAt[k.ID]; ok {
						want[p+"last_used_date"] = at.UTC().Format(reportTime)
					}
				}
			}
			gotRow := map[string]string{}
			for c := range want {
				gotRow[c] = row[c]
			}
			if diff := cmp.Diff(want, gotRow); diff != "" {
				t.Errorf("credential report row of %s (-want +got):\n%s\nheader: %s\nrow: %s", u.Spec.Name, diff, rep.header, row)
			}
		}
	})
}

// checkReportCalls checks how a scan read the credential report: when IAM
// holds none (fresh), GetCredentialReport answered ReportNotPresent (410)
// and GenerateCredentialReport built one before it was read; when IAM
// holds one, one GetCredentialReport call read it.
func checkReportCalls(t *testing.T, calls []exchange, fresh bool) {
	t.Helper()
	var seq []string
	var report []exchange
	for _, c := range calls {
		if c.action == "GetCredentialReport" || c.action == "GenerateCredentialReport" {
			report = append(report, c)
			seq = append(seq, fmt.Sprintf("%s %d", c.action, c.status))
		}
	}
	switch {
	case len(report) == 0:
		t.Error("the scan never read the credential report")
	case report[len(report)-1].action != "GetCredentialReport" || report[len(report)-1].status != 200:
		t.Errorf("credential report calls %q: want them to end with GetCredentialReport 200", seq)
	case !fresh && len(report) != 1:
		t.Errorf("credential report calls %q: want one GetCredentialReport, IAM holding a report", seq)
	case fresh && (report[0].action != "GetCredentialReport" || report[0].status != 410 ||
		!slices.ContainsFunc(report, func(c exchange) bool { return c.action == "GenerateCredentialReport" && c.status == 200 })):
		t.Errorf("credential report calls %q: want GetCredentialReport 410 (ReportNotPresent), then GenerateCredentialReport, "+
			"then GetCredentialReport 200", seq)
	}
}

// credentialReport is a credential report as moto sends it.
type credentialReport struct {
	raw    []byte
	header []string
	rows   map[string]map[string]string // user -> column -> value
	users  []string                     // in the report's order
}

// readCredentialReport has IAM build the credential report and reads it.
func readCredentialReport(ctx context.Context, c *iam.Client) (credentialReport, error) {
	for i := 0; ; i++ {
		out, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			return credentialReport{}, err
		}
		if out.State == iamtypes.ReportStateTypeComplete {
			break
		}
		if i == 20 {
			return credentialReport{}, fmt.Errorf("credential report still %s", out.State)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return credentialReport{}, ctx.Err()
		}
	}
	out, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		return credentialReport{}, err
	}
	return parseCredentialReport(out.Content)
}

func parseCredentialReport(content []byte) (credentialReport, error) {
	rep := credentialReport{raw: content, rows: map[string]map[string]string{}}
	records, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	if err != nil {
		return rep, fmt.Errorf("credential report is not CSV: %w\n%s", err, content)
	}
	if len(records) == 0 {
		return rep, fmt.Errorf("empty credential report")
	}
	rep.header = records[0]
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, c := range rep.header {
			if i < len(rec) {
				row[c] = rec[i]
			}
		}
		rep.rows[row["user"]] = row
		rep.users = append(rep.users, row["user"])
	}
	return rep, nil
}

// userEvidence shows what AWS told the CLI about a user: its row of the
// last credential report the CLI read, and its last ListAccessKeys call.
func userEvidence(r *recorder, user string) string {
	var b strings.Builder
	report, list := r.newest("cli", "GetCredentialReport", "", 200), r.newest("cli", "ListAccessKeys", "UserName="+url.QueryEscape(user), 0)
	if report == nil {
		b.WriteString("(no GetCredentialReport response among the last AWS requests)\n")
	} else {
		var out struct {
			Content string `xml:"GetCredentialReportResult>Content"`
		}
		content, err := []byte(nil), xml.Unmarshal(report.resp, &out)
		if err == nil {
			content, err = base64.StdEncoding.DecodeString(out.Content)
		}
		rep, perr := parseCredentialReport(content)
		switch {
		case err != nil:
			fmt.Fprintf(&b, "GetCredentialReport response #%d cannot be read (%v):\n%s\n", report.seq, err, clip(report.resp, 2<<10))
		case perr != nil:
			fmt.Fprintf(&b, "GetCredentialReport response #%d: %v\n", report.seq, perr)
		default:
			fmt.Fprintf(&b, "credential report of GetCredentialReport response #%d, decoded:\n%s\n", report.seq, strings.Join(rep.header, ","))
			for _, u := range rep.users {
				if u == user {
					var cells []string
					for _, c := range rep.header {
						cells = append(cells, rep.rows[u][c])
					}
					fmt.Fprintf(&b, "%s\n", strings.Join(cells, ","))
				}
			}
		}
	}
	if list == nil {
		fmt.Fprintf(&b, "(no ListAccessKeys call for %s among the last AWS requests)\n", user)
	} else {
		list.write(&b, 1<<10, 4<<10)
	}
	return b.String()
}

// newest returns the newest exchange among the last ones kept that went
// through via, called action, with needle in its request, and (unless 0)
// answered status.
func (r *recorder) newest(via, action, needle string, status int) *exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.last) - 1; i >= 0; i-- {
		ex := r.last[i]
		if ex.via == via && ex.action == action && bytes.Contains(ex.req, []byte(needle)) && (status == 0 || ex.status == status) {
			return &ex
		}
	}
	return nil
}

// reportDifferences are where moto's credential report differs from AWS's.
func reportDifferences(env *awsEnv) []difference {
	// prepare seeds a user with one access key, used once, and no
	// password, and reads the credential report.
	var (
		seeded  seededUser
		usedAt  *iam.GetAccessKeyLastUsedOutput
		rep     credentialReport
		prepare = func(t *testing.T) {
			t.Helper()
			if seeded.ARN != "" {
				return
			}
			var err error
			if seeded, err = seedUser(t.Context(), env.IAM, userSpec{Name: "diff-report-key", Keys: []iamtypes.StatusType{iamtypes.StatusTypeActive}}); err != nil {
				t.Fatal(err)
			}
			if err := useKey(t.Context(), env, seeded.Keys[0]); err != nil {
				t.Fatal(err)
			}
			if usedAt, err = env.IAM.GetAccessKeyLastUsed(t.Context(), &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(seeded.Keys[0].ID)}); err != nil {
				t.Fatal(err)
			}
			if rep, err = readCredentialReport(t.Context(), env.IAM); err != nil {
				t.Fatal(err)
			}
		}
	)
	return []difference{
		{
			name: "the credential report has no root row",
			aws: "IAM's credential report always starts with the root user's row (user <root_account>), with the root " +
				"password's and access keys' use. moto's has one row per IAM user and none for root; the product takes the " +
				"root row as optional, so against moto it finds no RootAccessKey (those are tested against internal/fakeaws).",
			check: func(t *testing.T) {
				prepare(t)
				if _, ok := rep.rows["<root_account>"]; ok || len(rep.users) == 0 || rep.users[0] == "<root_account>" {
					t.Errorf("rows %q; moto used to send no <root_account> row", rep.users)
				}
			},
		},
		{
			name: "the credential report says not_supported where AWS names a Region and a service, or says N/A",
			aws: "IAM's report gives a used key's access_key_N_last_used_region and _service (us-east-1, iam), and N/A for " +
				"password_last_used and password_next_rotation of a user without a password. moto always sends not_supported " +
				"in those columns, although GetAccessKeyLastUsed knows the Region and service. The product reads every " +
				"sentinel as unknown: against moto a used key's reason names no Region and no service.",
			check: func(t *testing.T) {
				prepare(t)
				lu := usedAt.AccessKeyLastUsed
				if aws.ToString(lu.Region) != "us-east-1" || aws.ToString(lu.ServiceName) != "iam" {
					t.Errorf("GetAccessKeyLastUsed: Region %q, ServiceName %q; moto used to say us-east-1, iam", aws.ToString(lu.Region), aws.ToString(lu.ServiceName))
				}
				row := rep.rows[seeded.Spec.Name]
				want := map[string]string{
					"access_key_1_last_used_date":    aws.ToTime(lu.LastUsedDate).UTC().Format("2006-01-02T15:04:05+00:00"),
					"access_key_1_last_used_region":  "not_supported",
					"access_key_1_last_used_service": "not_supported",
					"password_enabled":               "false",
					"password_last_used":             "not_supported",
					"password_next_rotation":         "not_supported",
				}
				got := map[string]string{}
				for c := range want {
					got[c] = row[c]
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("report row of %s (-moto used to send +sent):\n%s\n%s", seeded.Spec.Name, diff, rep.raw)
				}
			},
		},
		{
			name: "a password is dated by its user's creation",
			aws: "IAM dates a console password by when it was set: CreateLoginProfile's and GetLoginProfile's CreateDate, " +
				"and the report's password_last_changed (N/A without a password). moto gives the user's creation time in all " +
				"three, password or not. The product counts a password's age from password_last_changed, as AWS means it; " +
				"against moto that is the user's age.",
			check: func(t *testing.T) {
				prepare(t)
				ctx := t.Context()
				u, err := seedUser(ctx, env.IAM, userSpec{Name: "diff-report-password"})
				if err != nil {
					t.Fatal(err)
				}
				// Set the password in a later second than the user's creation.
				time.Sleep(time.Until(u.Created.Truncate(time.Second).Add(1100 * time.Millisecond)))
				setAt := time.Now().Truncate(time.Second)
				lp, err := env.IAM.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(u.Spec.Name), Password: aws.String("Corr3ct-Horse-Battery!")})
				if err != nil {
					t.Fatal(err)
				}
				if !u.Created.Before(setAt) {
					t.Fatalf("the password was set in the user's second of creation, %s: nothing to tell apart", setAt)
				}
				if got := aws.ToTime(lp.LoginProfile.CreateDate); !got.Equal(u.Created) {
					t.Errorf("CreateLoginProfile's CreateDate %s (password set at %s or later); moto used to send the user's creation time %s",
						got, setAt, u.Created)
				}
				rep, err := readCredentialReport(ctx, env.IAM)
				if err != nil {
					t.Fatal(err)
				}
				const f = "2006-01-02T15:04:05+00:00"
				for _, c := range []struct{ user, want string }{{u.Spec.Name, u.Created.UTC().Format(f)}, {seeded.Spec.Name, seeded.Created.UTC().Format(f)}} {
					if got := rep.rows[c.user]["password_last_changed"]; got != c.want {
						t.Errorf("password_last_changed of %s: %q; moto used to send the user's creation time %q (a password set at %s)",
							c.user, got, c.want, setAt.UTC().Format(f))
					}
				}
			},
		},
	}
}
