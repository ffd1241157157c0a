package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const hubRegion = "eu-west-1"

// hubState summarizes the findings Security Hub holds in an account: by
// Id, "RecordState Compliance Workflow UpdatedAt".
func hubState(t *testing.T, srv *fakeaws.Server, account string) map[string]string {
	t.Helper()
	docs := srv.SecurityHubFindings(account, hubRegion)
	out := map[string]string{}
	for _, d := range docs {
		id := d["Id"].(string)
		if _, dup := out[id]; dup {
			t.Errorf("account %s holds finding %s twice", account, id)
		}
		c, _ := d["Compliance"].(map[string]any)
		wf, _ := d["Workflow"].(map[string]any)
		out[id] = fmt.Sprintf("%v %v %v %v", d["RecordState"], c["Status"], wf["Status"], d["UpdatedAt"])
	}
	return out
}

// unusedCount counts the unused findings of a JSON report.
func unusedCount(t *testing.T, out string) int {
	t.Helper()
	var doc struct {
		Findings []struct {
			Verdict string `json:"verdict"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	n := 0
	for _, f := range doc.Findings {
		if f.Verdict == "unused" {
			n++
		}
	}
	return n
}

func TestScan_toSecurityHub(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	srv := fakeaws.New(t, fakeaws.WithAccounts(exampleAccount(t)), fakeaws.WithReportDelay(0), fakeaws.WithSecurityHub(hubRegion, exampleAccountID))
	scan := func(asOf string, extra ...string) result {
		return runCLI(t, nil, "", false, append([]string{"scan", "--endpoint-url", srv.URL, "--region", hubRegion, "--to", "securityhub",
			"--as-of", asOf, "-o", "json"}, extra...)...)
	}
	plain := runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL, "--region", hubRegion, "--as-of", asOf, "-o", "json")

	r := scan(asOf)
	if r.code != ExitUnused {
		t.Fatalf("exit %d, want %d; stderr %q", r.code, ExitUnused, r.stderr)
	}
	if r.stdout != plain.stdout {
		t.Error("the report differs from that of the same scan without --to")
	}
	unused := unusedCount(t, r.stdout)
	want := fmt.Sprintf("iamsweep: Security Hub eu-west-1: %d findings imported, 0 findings archived in 1 account\n", unused)
	if r.stderr != want {
		t.Errorf("stderr:\n%q\nwant\n%q", r.stderr, want)
	}
	first := hubState(t, srv, exampleAccountID)
	if len(first) != unused {
		t.Fatalf("Security Hub holds %d findings, want the %d unused ones", len(first), unused)
	}
	for id, s := range first {
		if !strings.HasPrefix(id, "iamsweep/") || s != "ACTIVE FAILED NEW 2026-11-23T00:00:00Z" {
			t.Errorf("%s: %s", id, s)
		}
	}

	// A day later: the same findings, updated, and those that crossed the
	// threshold since; none twice.
	r = scan("2026-11-24T00:00:00Z")
	unused2 := unusedCount(t, r.stdout)
	if r.code != ExitUnused || unused2 < unused || !strings.Contains(r.stderr, fmt.Sprintf(": %d findings imported, 0 findings archived in 1 account\n", unused2)) {
		t.Fatalf("rescan: exit %d, stderr %q", r.code, r.stderr)
	}
	second := hubState(t, srv, exampleAccountID)
	if len(second) != unused2 {
		t.Errorf("after a rescan Security Hub holds %d findings, want %d", len(second), unused2)
	}
	for id := range first {
		if second[id] != "ACTIVE FAILED NEW 2026-11-24T00:00:00Z" {
			t.Errorf("%s after the rescan: %s", id, second[id])
		}
	}

	// The same evaluation time again: Security Hub holds every finding
	// from it already, so nothing is sent and nothing is missing.
	calls := srv.CallCount("BatchImportFindings")
	r = scan("2026-11-24T00:00:00Z")
	if r.code != ExitUnused || srv.CallCount("BatchImportFindings") != calls ||
		!strings.Contains(r.stderr, fmt.Sprintf("0 findings imported (%d more held already from this evaluation), 0 findings archived in 1 account\n", unused2)) {
		t.Errorf("a scan as old as the findings: exit %d, stderr %q", r.code, r.stderr)
	}
	// An older evaluation than the one held: Security Hub would ignore
	// every update, and the export says so.
	r = scan("2026-11-23T12:00:00Z")
	if r.code != ExitPartial || !strings.Contains(r.stderr, "not imported: NotNewer: Security Hub holds this finding updated at 2026-11-24T00:00:00Z") ||
		!strings.Contains(r.stderr, fmt.Sprintf("; incomplete: 0 accounts not exported, %d findings not imported\n", unused2)) {
		t.Errorf("a scan older than the findings: exit %d, stderr %q", r.code, r.stderr)
	}

	// Security Hub not enabled in the Region: said, exit 3.
	r = runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL, "--region", "us-east-1", "--to", "securityhub", "--as-of", asOf, "-o", "json")
	if r.code != ExitPartial || r.stdout != plain.stdout ||
		!strings.Contains(r.stderr, "iamsweep: Security Hub us-east-1: account 111122223333: not exported: Security Hub is not enabled there in us-east-1 (InvalidAccessException)") {
		t.Errorf("Security Hub off: exit %d, stderr %q", r.code, r.stderr)
	}

	// The Region from the SDK's configuration (AWS_REGION), as the CLI's.
	t.Setenv("AWS_REGION", "us-east-1")
	r = runCLI(t, nil, "", false, "scan", "--endpoint-url", srv.URL, "--to", "securityhub", "--as-of", asOf, "-o", "json")
	if r.code != ExitPartial || !strings.Contains(r.stderr, "iamsweep: Security Hub us-east-1: account 111122223333: not exported") {
		t.Errorf("AWS_REGION=us-east-1: exit %d, stderr %q; want the export to us-east-1", r.code, r.stderr)
	}

	// The setting from the environment, as a scheduled Lambda gives it.
	env := map[string]string{"IAMSWEEP_TO": "securityhub", "IAMSWEEP_REGION": hubRegion, "IAMSWEEP_ENDPOINT_URL": srv.URL, "IAMSWEEP_AS_OF": "2026-11-25"}
	r = runCLI(t, env, "", false, "scan", "-o", "json")
	if r.code != ExitUnused || !strings.Contains(r.stderr, fmt.Sprintf(": %d findings imported", unusedCount(t, r.stdout))) {
		t.Errorf("IAMSWEEP_TO: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestScan_toSecurityHubUsage(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "secret")
	srv := fakeaws.New(t, fakeaws.WithAccounts(exampleAccount(t)), fakeaws.WithReportDelay(0))
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no Region", []string{"--endpoint-url", srv.URL, "--to", "securityhub"}, nil,
			"iamsweep: --to securityhub needs the AWS Region the findings are for (it is part of their product ARN): give --region, or set AWS_REGION or a region in the profile\n"},
		{"files", []string{"--from-file", example, "--to", "securityhub", "--region", hubRegion}, nil,
			"iamsweep: --to: exports a live scan, not files: Security Hub takes an account's findings only from that account (write them with -o asff and import them there)\n"},
		{"no key IDs", []string{"--endpoint-url", srv.URL, "--region", hubRegion, "--no-key-ids"}, map[string]string{"IAMSWEEP_TO": "securityhub"},
			"iamsweep: --no-key-ids: cannot be combined with to securityhub: findings of access keys are named by their key IDs there, so that a rescan updates them\n"},
		{"unknown target", []string{"--endpoint-url", srv.URL, "--to", "splunk"}, nil, "iamsweep: --to: want securityhub, got \"splunk\"\n"},
		{"asff offline without a Region", []string{"--from-file", example, "-o", "asff"}, nil,
			"iamsweep: -o asff needs the AWS Region the findings are for (it is part of their product ARN): give --region\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetCalls()
			r := runCLI(t, tt.env, "", false, append([]string{"scan"}, tt.args...)...)
			if r.code != ExitUsage || r.stderr != tt.want || r.stdout != "" {
				t.Errorf("exit %d, stderr:\n%q\nwant\n%q", r.code, r.stderr, tt.want)
			}
			if n := len(srv.Calls()); n != 0 {
				t.Errorf("%d AWS calls before the usage error", n)
			}
		})
	}
}

func TestScan_outputASFF(t *testing.T) {
	r := runCLI(t, nil, "", false, "scan", "--from-file", example, "--credential-report", exampleReport, "--as-of", asOf, "--region", hubRegion, "-o", "asff")
	if r.code != ExitUnused || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	golden(t, "example", r.stdout)
	var findings []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &findings); err != nil {
		t.Fatal(err)
	}
	js := runCLI(t, nil, "", false, "scan", "--from-file", example, "--credential-report", exampleReport, "--as-of", asOf, "-o", "json")
	if len(findings) != unusedCount(t, js.stdout) {
		t.Errorf("%d ASFF findings, want one per unused finding (%d)", len(findings), unusedCount(t, js.stdout))
	}
	// Other commands take asff from the environment (set for scan) as the
	// table, and refuse it as their own flag.
	if r := runCLI(t, map[string]string{"IAMSWEEP_OUTPUT": "asff"}, "", false, "history", "--state", t.TempDir()+"/none.db"); strings.Contains(r.stderr, "asff") {
		t.Errorf("history with IAMSWEEP_OUTPUT=asff: %q", r.stderr)
	}
	if r := runCLI(t, nil, "", false, "plan", "-o", "asff"); r.code != ExitUsage || !strings.Contains(r.stderr, "plan writes table or json") {
		t.Errorf("plan -o asff: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestScan_toSecurityHubRescan is the test: a rescan of an
// organization after deleting, using and exempting principals archives
// exactly the findings that no longer hold, duplicates none, and loses
// none of an account whose scan fails; the customer's workflow status is
// never touched.
func TestScan_toSecurityHubRescan(t *testing.T) {
	clock := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	isolateAWS(t, fakeaws.SampleCallerKey, "secret")
	org, accounts := fakeaws.SampleOrganization()
	byID := map[string]*fakeaws.Account{}
	for _, a := range accounts {
		byID[a.ID] = a
	}
	// An idle role in prod-b, to be exempted by the second scan's
	// allowlist.
	byID[fakeaws.SampleProdB].Roles = append(byID[fakeaws.SampleProdB].Roles, &fakeaws.Role{Name: "breakglass-old", Path: "/legacy/",
		Created: time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC), LastUsed: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), LastUsedRegion: "eu-west-1"})
	enabled := []string{fakeaws.SampleManagement, fakeaws.SampleProdA, fakeaws.SampleProdB, fakeaws.SampleDev} // not the sandbox
	srv := fakeaws.New(t,
		fakeaws.WithAccounts(accounts...),
		fakeaws.WithOrganization(org),
		fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement),
		fakeaws.WithReportDelay(0),
		fakeaws.WithClock(func() time.Time { return clock }),
		fakeaws.WithSecurityHub(hubRegion, enabled...),
	)
	scan := func(asOf string, extra ...string) result {
		return runCLI(t, nil, "", false, append([]string{"scan", "--org", "--endpoint-url", srv.URL, "--region", hubRegion,
			"--to", "securityhub", "--as-of", asOf, "-o", "json"}, extra...)...)
	}
	const (
		t1 = "2026-11-23T00:00:00Z"
		t2 = "2026-11-30T00:00:00Z"
	)
	id := func(acct, kind, rest string) string {
		return "iamsweep/" + kind + "/arn:aws:iam::" + acct + ":" + rest
	}

	// Scan 1: every enabled account gets its unused role, user and key.
	r := scan(t1)
	if r.code != ExitPartial {
		t.Fatalf("scan 1: exit %d, want %d (the audit account fails, the sandbox has Security Hub off); stderr %q", r.code, ExitPartial, r.stderr)
	}
	for _, want := range []string{
		"iamsweep: Security Hub eu-west-1: account 100000000005 (sandbox): not exported: Security Hub is not enabled there in eu-west-1 (InvalidAccessException)",
		"iamsweep: Security Hub eu-west-1: account 100000000006 (audit): not exported: its scan failed; its findings in Security Hub are left as they are",
		"iamsweep: Security Hub eu-west-1: 13 findings imported, 0 findings archived in 4 accounts; incomplete: 2 accounts not exported, 0 findings not imported\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("scan 1: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	keyID := func(acct string) string { return byID[acct].Users[0].AccessKeys[0].ID }
	active1 := "ACTIVE FAILED NEW " + t1
	for _, acct := range enabled {
		want := map[string]string{
			id(acct, "UnusedIAMRole", "role/legacy/legacy-role"):                active1,
			id(acct, "UnusedIAMUser", "user/ci/deployer"):                       active1,
			id(acct, "UnusedIAMUserAccessKey", "user/ci/deployer/"+keyID(acct)): active1,
		}
		if acct == fakeaws.SampleProdB {
			want[id(acct, "UnusedIAMRole", "role/legacy/breakglass-old")] = active1
		}
		if diff := cmp.Diff(want, hubState(t, srv, acct)); diff != "" {
			t.Errorf("scan 1, account %s (-want +got):\n%s", acct, diff)
		}
	}
	if got := srv.SecurityHubFindings(fakeaws.SampleSandbox, hubRegion); got != nil {
		t.Errorf("the sandbox holds findings: %v", got)
	}

	// The security team notifies the owner of management's idle role.
	if !srv.SetWorkflowStatus(fakeaws.SampleManagement, hubRegion, id(fakeaws.SampleManagement, "UnusedIAMRole", "role/legacy/legacy-role"), "NOTIFIED") {
		t.Fatal("no finding to notify")
	}

	// Between the scans: management deletes its idle role; prod-a uses
	// its idle role again and deletes the idle key; prod-b's breakglass
	// role is exempted (the second scan's --allow); in dev
	// IAM refuses to list (a changed SCP, say), so its scan fails after
	// its role was assumed.
	mgmt := byID[fakeaws.SampleManagement]
	mgmt.Roles = slices.DeleteFunc(mgmt.Roles, func(r *fakeaws.Role) bool { return r.Name == "legacy-role" })
	prodA := byID[fakeaws.SampleProdA]
	for _, r := range prodA.Roles {
		if r.Name == "legacy-role" {
			r.LastUsed = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
		}
	}
	prodAKey := keyID(fakeaws.SampleProdA)
	prodA.Users[0].AccessKeys = nil
	srv.InjectFault(fakeaws.SampleDev, "GetAccountAuthorizationDetails", -1, 403, "AccessDenied", "explicit deny in a service control policy")
	clock = clock.AddDate(0, 0, 7) // the credential reports are renewed

	// Scan 2.
	r = scan(t2, "--allow", "/legacy/breakglass-*")
	if r.code != ExitPartial {
		t.Fatalf("scan 2: exit %d; stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"iamsweep: Security Hub eu-west-1: account 100000000004 (dev): not exported: its scan failed; its findings in Security Hub are left as they are",
		"iamsweep: Security Hub eu-west-1: 6 findings imported, 4 findings archived in 3 accounts; incomplete: 3 accounts not exported, 0 findings not imported\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("scan 2: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	active2, archived2 := "ACTIVE FAILED NEW "+t2, "ARCHIVED PASSED NEW "+t2
	wantAfter := map[string]map[string]string{
		fakeaws.SampleManagement: {
			id(fakeaws.SampleManagement, "UnusedIAMRole", "role/legacy/legacy-role"):                                    "ARCHIVED PASSED NOTIFIED " + t2, // deleted; the workflow is the customer's
			id(fakeaws.SampleManagement, "UnusedIAMUser", "user/ci/deployer"):                                           active2,
			id(fakeaws.SampleManagement, "UnusedIAMUserAccessKey", "user/ci/deployer/"+keyID(fakeaws.SampleManagement)): active2,
		},
		fakeaws.SampleProdA: {
			id(fakeaws.SampleProdA, "UnusedIAMRole", "role/legacy/legacy-role"):             archived2, // used again
			id(fakeaws.SampleProdA, "UnusedIAMUser", "user/ci/deployer"):                    active2,   // now without credentials: still unused
			id(fakeaws.SampleProdA, "UnusedIAMUserAccessKey", "user/ci/deployer/"+prodAKey): archived2, // deleted
		},
		fakeaws.SampleProdB: {
			id(fakeaws.SampleProdB, "UnusedIAMRole", "role/legacy/legacy-role"):                               active2,
			id(fakeaws.SampleProdB, "UnusedIAMUser", "user/ci/deployer"):                                      active2,
			id(fakeaws.SampleProdB, "UnusedIAMUserAccessKey", "user/ci/deployer/"+keyID(fakeaws.SampleProdB)): active2,
			id(fakeaws.SampleProdB, "UnusedIAMRole", "role/legacy/breakglass-old"):                            archived2, // exempted
		},
		fakeaws.SampleDev: { // its scan failed: nothing lost, nothing touched
			id(fakeaws.SampleDev, "UnusedIAMRole", "role/legacy/legacy-role"):                             active1,
			id(fakeaws.SampleDev, "UnusedIAMUser", "user/ci/deployer"):                                    active1,
			id(fakeaws.SampleDev, "UnusedIAMUserAccessKey", "user/ci/deployer/"+keyID(fakeaws.SampleDev)): active1,
		},
	}
	for acct, want := range wantAfter {
		if diff := cmp.Diff(want, hubState(t, srv, acct)); diff != "" {
			t.Errorf("scan 2, account %s (-want +got):\n%s", acct, diff)
		}
	}
	// Why each was archived is in the finding.
	reasons := map[string]string{}
	for _, acct := range []string{fakeaws.SampleManagement, fakeaws.SampleProdA, fakeaws.SampleProdB} {
		for _, d := range srv.SecurityHubFindings(acct, hubRegion) {
			if d["RecordState"] == "ARCHIVED" {
				pf := d["ProductFields"].(map[string]any)
				reasons[d["Id"].(string)] = fmt.Sprint(pf["iamsweep/Verdict"])
			}
		}
	}
	wantReasons := map[string]string{
		id(fakeaws.SampleManagement, "UnusedIAMRole", "role/legacy/legacy-role"):        "gone",
		id(fakeaws.SampleProdA, "UnusedIAMRole", "role/legacy/legacy-role"):             "used",
		id(fakeaws.SampleProdA, "UnusedIAMUserAccessKey", "user/ci/deployer/"+prodAKey): "gone",
		id(fakeaws.SampleProdB, "UnusedIAMRole", "role/legacy/breakglass-old"):          "exempt",
	}
	if diff := cmp.Diff(wantReasons, reasons); diff != "" {
		t.Errorf("verdicts of the archived findings (-want +got):\n%s", diff)
	}

	// Scan 3, roles only, a day later: only role findings may be archived
	// or updated; the archived ones stay archived and nothing is added.
	clock = clock.AddDate(0, 0, 1)
	r = scan("2026-12-01T00:00:00Z", "--allow", "/legacy/breakglass-*", "--types", "UnusedIAMRole")
	if !strings.Contains(r.stderr, ": 1 finding imported, 0 findings archived in 3 accounts;") { // prod-b's idle role
		t.Errorf("scan 3: stderr %q", r.stderr)
	}
	for _, acct := range enabled {
		got := hubState(t, srv, acct)
		if len(got) != len(wantAfter[acct]) {
			t.Errorf("scan 3, account %s: %d findings, want %d", acct, len(got), len(wantAfter[acct]))
		}
	}
	if got := hubState(t, srv, fakeaws.SampleProdB)[id(fakeaws.SampleProdB, "UnusedIAMUser", "user/ci/deployer")]; got != active2 {
		t.Errorf("a scan of roles only touched a user finding: %s", got)
	}
}
