package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/lastaccess"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// The offline refine example of docs/refine.md.
const (
	refineExport = "../../examples/refine/export.json"
	refineAccess = "../../examples/refine/access"
)

func refineArgs(extra ...string) []string {
	return append([]string{"refine", "--from-file", refineExport, "--access-dir", refineAccess, "--as-of", asOf,
		"--window", "/backup/*=400", "--exempt-tag", "breakglass"}, extra...)
}

func TestRefine_golden(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		tty  bool
	}{
		{"table", refineArgs("--all"), false},
		{"table-tty", refineArgs("--all"), true},
		{"json", refineArgs("--all", "-o", "json"), false},
		{"csv", refineArgs("--all", "-o", "csv"), false},
		{"html", refineArgs("--all", "-o", "html"), false},
		{"asff", refineArgs("--all", "-o", "asff", "--region", "eu-west-1"), false},
		{"one-role", refineArgs("arn:aws:iam::111122223333:role/data/etl"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, "", tt.tty, tt.args...)
			if r.code != ExitUnused || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			golden(t, tt.name, r.stdout)
		})
	}
}

func TestRefine_outDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "refined")
	r := runCLI(t, nil, "", false, refineArgs("--all", "--out", dir)...)
	if r.code != ExitUnused {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	golden(t, "files", strings.Join(files, "\n")+"\n")
	// Every policy file is a policy document IAM takes, and summary.json
	// names them.
	var summary struct {
		Files []string `json:"files"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &summary); err != nil {
		t.Fatal(err)
	}
	if len(summary.Files) != len(files)-1 {
		t.Errorf("summary names %d files, %d written besides it", len(summary.Files), len(files)-1)
	}
	for _, f := range summary.Files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := policy.Parse(data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestRefine_outputFromEnvironment(t *testing.T) {
	r := runCLI(t, map[string]string{"IAMSWEEP_OUTPUT": "html"}, "", false, refineArgs("arn:aws:iam::111122223333:role/data/etl")...)
	if r.code != ExitUnused || !strings.HasPrefix(r.stdout, "<!DOCTYPE html>") || !strings.Contains(r.stdout, "etl-glue") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestRefine_errors(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"neither ARNs nor all", refineArgs(), ExitUsage, "give the ARNs of the roles and users to refine, or --all"},
		{"both", refineArgs("--all", "arn:aws:iam::111122223333:role/data/etl"), ExitUsage, "not both"},
		{"not a principal ARN", refineArgs("arn:aws:s3:::bucket"), ExitUsage, "is not the ARN of an IAM role or user"},
		{"unknown principal", refineArgs("arn:aws:iam::111122223333:role/nope"), ExitUsage, "the export holds no role or user arn:aws:iam::111122223333:role/nope"},
		{"access dir alone", []string{"refine", "--all", "--access-dir", refineAccess}, ExitUsage, "access-dir"},
		{"export alone", []string{"refine", "--all", "--from-file", refineExport}, ExitUsage, "refine offline needs --access-dir DIR too"},
		{"missing access dir", []string{"refine", "--all", "--from-file", refineExport, "--access-dir", "/nonexistent"}, ExitUsage, "/nonexistent"},
		{"unknown output", refineArgs("--all", "-o", "yaml"), ExitUsage, "want table, json, csv, html or asff"},
		{"asff without a Region", refineArgs("--all", "-o", "asff"), ExitUsage, "-o asff needs the AWS Region"},
		{"out is a file", refineArgs("--all", "--out", notDir), ExitUsage, "is not a directory"},
		{"bad window", refineArgs("--all", "--window", "/x"), ExitUsage, "PATTERN=DAYS"},
		{"export without policies", []string{"refine", "--all", "--from-file", example, "--access-dir", refineAccess}, ExitUsage, "export the Policies list too"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, "", false, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d with %q", r.code, r.stdout, r.stderr, tt.code, tt.want)
			}
		})
	}
}

// TestRefine_live refines through the real SDK client and the fake IAM
// endpoint: principals and managed policy documents from two
// GetAccountAuthorizationDetails listings, the reports from the evidence
// reader the build wires in (here canned: the saved reports of the
// offline example, and one made up).
func TestRefine_live(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	const acct = "111122223333"
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: acct,
		Policies: []*fakeaws.ManagedPolicy{
			{Name: "etl-queue", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:111122223333:etl-*"},{"Effect":"Deny","Action":"sqs:DeleteQueue","Resource":"*"}]}`},
			{Name: "etl-glue", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:StartJobRun","glue:GetJobRun","glue:GetJob*"],"Resource":"*"}]}`},
		},
		Roles: []*fakeaws.Role{
			{Name: "etl", Path: "/data/", Created: time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC), Attached: []fakeaws.AttachedPolicy{
				{Name: "etl-queue", ARN: "arn:aws:iam::111122223333:policy/etl-queue"}, {Name: "etl-glue", ARN: "arn:aws:iam::111122223333:policy/etl-glue"}}},
			{Name: "ci", Path: "/", Created: time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC), Attached: []fakeaws.AttachedPolicy{
				{Name: "AdministratorAccess", ARN: "arn:aws:iam::aws:policy/AdministratorAccess"}}},
		},
	}))
	saved, err := lastaccess.LoadAccessDir(refineAccess)
	if err != nil {
		t.Fatal(err)
	}
	generated := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)
	reports := map[string]iamsweep.AccessReport{
		"arn:aws:iam::111122223333:role/data/etl": saved["arn:aws:iam::111122223333:role/data/etl"],
		"arn:aws:iam::111122223333:role/ci": {ARN: "arn:aws:iam::111122223333:role/ci", Granularity: iamsweep.GranularityAction,
			Generated: generated, Since: generated.AddDate(-1, 0, 0), Services: []iamsweep.ServiceAccess{
				{Namespace: "cloudformation", LastAccessed: generated.AddDate(0, 0, -1)}, {Namespace: "ec2"}}},
	}
	var asked []string
	var out, errOut bytes.Buffer
	d := deps{io: IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }},
		now: func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }, retry: awsapi.RetryOptions{NoBackoff: true},
		accessReports: func(_ context.Context, _ *RefineOptions, _ *awsapi.Client, arns []string, _ time.Time, _ *slog.Logger) (map[string]iamsweep.AccessReport, error) {
			asked = arns
			return reports, nil
		}}
	code := run(t.Context(), []string{"refine", "--all", "--endpoint-url", srv.URL, "--region", "us-east-1"}, d)
	if code != ExitUnused {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	sort.Strings(asked)
	if diff := cmp.Diff([]string{"arn:aws:iam::111122223333:role/ci", "arn:aws:iam::111122223333:role/data/etl"}, asked); diff != "" {
		t.Errorf("reports asked for (-want +got):\n%s", diff)
	}
	if n := srv.CallCount("GetAccountAuthorizationDetails"); n != 2 {
		t.Errorf("%d GetAccountAuthorizationDetails calls, want 2 (principals, then policies)", n)
	}
	golden(t, "table", out.String())

	// Without a reader, live refinement says how to refine offline.
	r := runCLI(t, nil, "", false, "refine", "--all", "--endpoint-url", srv.URL)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "refine offline with --from-file and --access-dir") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestRefine_liveJobs runs refine as a user does, live: IAM's service
// last accessed jobs in the fake, the reports cached in the state
// database, so that a second run within a day makes no job.
func TestRefine_liveJobs(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	const acct = "111122223333"
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{
		{Name: "deployer", Path: "/ci/", Created: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Inline: []fakeaws.InlinePolicy{{Name: "deploy",
			Document: `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:Get*","s3:List*","ec2:Describe*"],"Resource":"*"},{"Sid":"Tables","Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:111122223333:table/app-*"}]}`}}},
	}}), fakeaws.WithAccessJobPolls(1), fakeaws.WithClock(func() time.Time { return now }))
	arn := "arn:aws:iam::" + acct + ":role/ci/deployer"
	srv.SetAccess(arn,
		fakeaws.AccessUse{Action: "s3:ListAllMyBuckets", When: now.AddDate(0, 0, -2), Region: "us-east-1"},
		fakeaws.AccessUse{Action: "s3:GetBucketLocation", When: now.AddDate(0, 0, -2), Region: "us-east-1"},
		fakeaws.AccessUse{Action: "ec2:DescribeInstances", When: now.AddDate(0, 0, -1), Region: "us-east-1"})
	state := filepath.Join(t.TempDir(), "state.db")
	refineLive := func() (int, string, string) {
		var out, errOut bytes.Buffer
		d := deps{io: IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }},
			now: func() time.Time { return now }, retry: awsapi.RetryOptions{NoBackoff: true}, accessReports: liveAccessReports}
		code := run(t.Context(), []string{"refine", "--all", "--endpoint-url", srv.URL, "--region", "us-east-1", "--state", state}, d)
		return code, out.String(), errOut.String()
	}
	code, first, stderr := refineLive()
	if code != ExitUnused {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden(t, "table", first)
	if n := srv.CallCount("GenerateServiceLastAccessedDetails"); n != 1 {
		t.Errorf("%d jobs, want 1 (one principal)", n)
	}
	srv.ResetCalls()
	code, second, stderr := refineLive()
	if code != ExitUnused || second != first {
		t.Errorf("second run: exit %d, stderr %q, output differs: %v", code, stderr, second != first)
	}
	if n := srv.CallCount("GenerateServiceLastAccessedDetails"); n != 0 {
		t.Errorf("the second run made %d jobs, want 0 (cached within a day)", n)
	}
}

// TestRefine_org refines two accounts of the fake's sample organization
// through the role assumed in each; one fails its listing and is
// reported, the other is refined (exit status 3).
func TestRefine_org(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	org, accounts := fakeaws.SampleOrganization()
	for _, a := range accounts {
		if a.ID == fakeaws.SampleProdA {
			for _, r := range a.Roles {
				if r.Name == "app-role" {
					r.Inline = []fakeaws.InlinePolicy{{Name: "app", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sqs:SendMessage"],"Resource":"*"}]}`}}
				}
			}
		}
	}
	isolateAWS(t, fakeaws.SampleCallerKey, "secret")
	srv := fakeaws.New(t, fakeaws.WithAccounts(accounts...), fakeaws.WithOrganization(org),
		fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement), fakeaws.WithReportDelay(0),
		fakeaws.WithAccessJobPolls(0), fakeaws.WithClock(func() time.Time { return now }),
		fakeaws.WithFault(fakeaws.SampleProdB, "GetAccountAuthorizationDetails", -1, 500, "ServiceFailure", "try later"))
	appRole := "arn:aws:iam::" + fakeaws.SampleProdA + ":role/app/app-role"
	srv.SetAccess(appRole, fakeaws.AccessUse{Action: "s3:ListAllMyBuckets", When: now.AddDate(0, 0, -1)})
	var out, errOut bytes.Buffer
	d := deps{io: IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }},
		now: func() time.Time { return now }, retry: awsapi.RetryOptions{NoBackoff: true, MaxAttempts: 1}, accessReports: liveAccessReports}
	code := run(t.Context(), []string{"refine", "--all", "--accounts", fakeaws.SampleProdA + "," + fakeaws.SampleProdB,
		"--endpoint-url", srv.URL, "--region", "us-east-1", "--no-state", "-o", "json"}, d)
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d: %s", code, ExitPartial, errOut.String())
	}
	var doc struct {
		Principals []struct {
			ARN       string `json:"arn"`
			AccountID string `json:"account_id"`
			Status    string `json:"status"`
			Policies  []struct {
				RecommendedPolicy json.RawMessage `json:"recommended_policy"`
			} `json:"policies"`
		} `json:"principals"`
		Errors []struct {
			AccountID string `json:"account_id"`
			Stage     string `json:"stage"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(doc.Errors) != 1 || doc.Errors[0].AccountID != fakeaws.SampleProdB || doc.Errors[0].Stage != "refine" {
		t.Errorf("errors %+v", doc.Errors)
	}
	found := false
	for _, p := range doc.Principals {
		if p.AccountID != fakeaws.SampleProdA {
			t.Errorf("a principal of account %s", p.AccountID)
		}
		if p.ARN == appRole {
			found = true
			if p.Status != "refined" || len(p.Policies) != 1 {
				t.Fatalf("app-role: %+v", p)
			}
			// sqs went unused; s3 was used, so what it does not track stays.
			rec, err := policy.Parse(p.Policies[0].RecommendedPolicy)
			if err != nil {
				t.Fatal(err)
			}
			acts := strings.Join(rec.Statements[0].Actions, " ")
			if strings.Contains(acts, "sqs:") || !strings.Contains(acts, "s3:GetObject*") || !strings.Contains(acts, "s3:ListAllMyBuckets") && !strings.Contains(acts, "s3:List*") {
				t.Errorf("app-role's refined actions: %s", acts)
			}
		}
	}
	if !found {
		t.Errorf("app-role not refined: %s", out.String())
	}
	if !strings.Contains(errOut.String(), "account "+fakeaws.SampleProdB+" not refined (refine)") {
		t.Errorf("stderr %q", errOut.String())
	}
}

// refine --to securityhub imports the refined principals' findings,
// archives them when the principal no longer needs a step, and a scan's
// export leaves them alone.
func TestRefine_toSecurityHub(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	const acct = "111122223333"
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{
		{Name: "deployer", Path: "/ci/", Created: created, LastUsed: now.AddDate(0, 0, -1), LastUsedRegion: "us-east-1",
			Tags: []fakeaws.Tag{{Key: "team", Value: "ci"}}, Inline: []fakeaws.InlinePolicy{{Name: "deploy",
				Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","ec2:Describe*"],"Resource":"*"},{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`}}},
		{Name: "old", Path: "/", Created: created},
	}}), fakeaws.WithAccessJobPolls(1), fakeaws.WithReportDelay(0), fakeaws.WithSecurityHub(hubRegion, acct),
		fakeaws.WithClock(func() time.Time { return now }))
	deployer := "arn:aws:iam::" + acct + ":role/ci/deployer"
	srv.SetAccess(deployer,
		fakeaws.AccessUse{Action: "s3:ListAllMyBuckets", When: now.AddDate(0, 0, -2), Region: "us-east-1"},
		fakeaws.AccessUse{Action: "ec2:DescribeInstances", When: now.AddDate(0, 0, -1), Region: "us-east-1"})
	refineTo := func(asOf time.Time, extra ...string) (int, string) {
		var out, errOut bytes.Buffer
		d := deps{io: IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }},
			now: func() time.Time { return asOf }, retry: awsapi.RetryOptions{NoBackoff: true}, accessReports: liveAccessReports}
		code := run(t.Context(), append([]string{"refine", "--all", "--endpoint-url", srv.URL, "--region", hubRegion, "--no-state",
			"--to", "securityhub", "-o", "json"}, extra...), d)
		return code, errOut.String()
	}
	refineID := "iamsweep/UnusedPermission/" + deployer

	code, stderr := refineTo(now)
	if code != ExitUnused || !strings.HasSuffix(stderr, "iamsweep: Security Hub eu-west-1: 1 finding imported, 0 findings archived in 1 account\n") {
		t.Fatalf("refine: exit %d, stderr %q", code, stderr)
	}
	if got := hubState(t, srv, acct); len(got) != 1 || got[refineID] != "ACTIVE FAILED NEW 2026-11-23T00:00:00Z" {
		t.Fatalf("after refine Security Hub holds %v", got)
	}

	// A complete scan's export, a day later, archives none of refine's.
	r := runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL, "--region", hubRegion, "--to", "securityhub", "--as-of", "2026-11-24T00:00:00Z", "-o", "json")
	if r.code != ExitUnused || !strings.Contains(r.stderr, "1 finding imported, 0 findings archived") {
		t.Fatalf("scan: exit %d, stderr %q", r.code, r.stderr)
	}
	held := hubState(t, srv, acct)
	if len(held) != 2 || held[refineID] != "ACTIVE FAILED NEW 2026-11-23T00:00:00Z" {
		t.Fatalf("after the scan Security Hub holds %v", held)
	}

	// Refined again two days later with the role exempt: no step any
	// more, so its finding is archived; scan's is left as it is.
	code, stderr = refineTo(now.AddDate(0, 0, 2), "--exempt-tag", "team")
	if code != 0 || !strings.HasSuffix(stderr, "0 findings imported, 1 finding archived in 1 account\n") {
		t.Fatalf("refine, exempt: exit %d, stderr %q", code, stderr)
	}
	after := hubState(t, srv, acct)
	if after[refineID] != "ARCHIVED PASSED NEW 2026-11-25T00:00:00Z" {
		t.Errorf("refine's finding: %s", after[refineID])
	}
	for id, s := range after {
		if id != refineID && s != held[id] {
			t.Errorf("scan's finding %s changed: %s, was %s", id, s, held[id])
		}
	}

	// Offline, there is no Security Hub to export to.
	r = runCLI(t, nil, "", false, append(refineArgs("--all"), "--to", "securityhub")...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "exports a live scan, not files") {
		t.Errorf("offline: exit %d, stderr %q", r.code, r.stderr)
	}
}

// refine --org --to securityhub exports each account refined into that
// account, and leaves an account whose refinement failed as it is.
func TestRefine_orgToSecurityHub(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	org, accounts := fakeaws.SampleOrganization()
	for _, a := range accounts {
		for _, r := range a.Roles {
			if a.ID == fakeaws.SampleProdA && r.Name == "app-role" {
				r.Inline = []fakeaws.InlinePolicy{{Name: "app", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sqs:SendMessage"],"Resource":"*"}]}`}}
			}
		}
	}
	isolateAWS(t, fakeaws.SampleCallerKey, "secret")
	srv := fakeaws.New(t, fakeaws.WithAccounts(accounts...), fakeaws.WithOrganization(org),
		fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement), fakeaws.WithReportDelay(0),
		fakeaws.WithAccessJobPolls(0), fakeaws.WithClock(func() time.Time { return now }),
		fakeaws.WithSecurityHub(hubRegion, fakeaws.SampleProdA, fakeaws.SampleProdB),
		fakeaws.WithFault(fakeaws.SampleProdB, "GetAccountAuthorizationDetails", -1, 500, "ServiceFailure", "try later"))
	appRole := "arn:aws:iam::" + fakeaws.SampleProdA + ":role/app/app-role"
	srv.SetAccess(appRole, fakeaws.AccessUse{Action: "s3:ListAllMyBuckets", When: now.AddDate(0, 0, -1)})
	var out, errOut bytes.Buffer
	d := deps{io: IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }},
		now: func() time.Time { return now }, retry: awsapi.RetryOptions{NoBackoff: true, MaxAttempts: 1}, accessReports: liveAccessReports}
	code := run(t.Context(), []string{"refine", "--all", "--accounts", fakeaws.SampleProdA + "," + fakeaws.SampleProdB,
		"--endpoint-url", srv.URL, "--region", hubRegion, "--no-state", "--to", "securityhub", "-o", "json"}, d)
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d: %s", code, ExitPartial, errOut.String())
	}
	held := hubState(t, srv, fakeaws.SampleProdA)
	if held["iamsweep/UnusedPermission/"+appRole] != "ACTIVE FAILED NEW 2026-11-23T00:00:00Z" {
		t.Errorf("account %s holds %v", fakeaws.SampleProdA, held)
	}
	for id := range held {
		if !strings.HasPrefix(id, "iamsweep/UnusedPermission/arn:aws:iam::"+fakeaws.SampleProdA+":") {
			t.Errorf("account %s holds %s", fakeaws.SampleProdA, id)
		}
	}
	if got := hubState(t, srv, fakeaws.SampleProdB); len(got) != 0 {
		t.Errorf("account %s, whose refinement failed, holds %v", fakeaws.SampleProdB, got)
	}
	stderr := errOut.String()
	if !strings.Contains(stderr, "account "+fakeaws.SampleProdB+" (prod-b): not exported: its refinement failed") ||
		!strings.Contains(stderr, fmt.Sprintf("%s imported, 0 findings archived in 1 account; incomplete: 1 account not exported", count(len(held), "finding"))) {
		t.Errorf("stderr %q", stderr)
	}
}

// A --out folder that cannot take every file is left as it was: no file
// of the run, no folder it made, no temporary file (reported as a
// half-written refined/ when one principal's folder was a file).
func TestRefine_outDirAllOrNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "refined")
	// etl's files come after reports-role's and deployer's: the old code had
	// written those before it failed.
	block := filepath.Join(dir, "111122223333", "role", "etl")
	if err := os.MkdirAll(filepath.Dir(block), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(block, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", false, refineArgs("--all", "--out", dir)...)
	if r.code == 0 || r.code == ExitUnused {
		t.Fatalf("exit %d, want a failure", r.code)
	}
	if !strings.Contains(r.stderr, block) {
		t.Errorf("stderr %q does not name %s", r.stderr, block)
	}
	if r.stdout != "" {
		t.Errorf("stdout written after a failure: %q", r.stdout)
	}
	var got []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil {
			rel, _ := filepath.Rel(dir, path)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".", "111122223333", "111122223333/role", "111122223333/role/etl"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("--out folder after a failed write (-want +got):\n%s", diff)
	}
}
