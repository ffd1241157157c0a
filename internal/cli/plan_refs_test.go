package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	oldETLRole   = "arn:aws:iam::111122223333:role/legacy/old-etl-role"
	oldWebProfie = "arn:aws:iam::111122223333:instance-profile/ec2-old-web"
)

// wiredSession is the example account where two unused roles are still
// wired into compute: a Lambda function runs as old-etl-role, and a
// stopped instance with ec2-old-web's instance profile.
func wiredSession(t *testing.T) *session {
	return newSessionWith(t, func(a *fakeaws.Account) {
		a.Resources = &fakeaws.Resources{
			Functions: []fakeaws.Function{{Region: "eu-west-1", Name: "quarterly-etl", Role: oldETLRole}},
			Instances: []fakeaws.Instance{{Region: "us-east-1", ID: "i-0aaaaaaaaaaaaaaa1", State: "stopped", InstanceProfileARN: oldWebProfie}},
		}
	})
}

func writeConfig(t *testing.T, text string) string {
	path := filepath.Join(t.TempDir(), "iamsweep.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPlan_refs(t *testing.T) {
	s := wiredSession(t)
	if r := s.run("", "scan", "--as-of", asOf); r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	deletes := writeConfig(t, "remediation:\n  roles: delete\n  max-deletions-per-run: -1\n  max-deletions-per-account: -1\n")
	r := s.run("", "plan", "--refs", "--endpoint-url", s.srv.URL, "--config", deletes)
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d, stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"x a", // refused actions
		"refused: still referenced: Lambda function quarterly-etl uses this role (arn:aws:lambda:eu-west-1:111122223333:function:quarterly-etl in eu-west-1); quarantine it instead (reversible), remove the references, or set remediation.delete-referenced: true",
		"refused: still referenced: EC2 instance i-0aaaaaaaaaaaaaaa1 (stopped) runs with instance profile ec2-old-web, which holds this role",
		"- a", // the unreferenced ones are still deleted
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := strings.Count(r.stdout, "refused: still referenced"); n != 2 {
		t.Errorf("%d deletes refused for references, want 2:\n%s", n, r.stdout)
	}

	// delete-referenced lets them through, saying what breaks.
	allowed := writeConfig(t, "remediation:\n  roles: delete\n  delete-referenced: true\n  max-deletions-per-run: -1\n  max-deletions-per-account: -1\n")
	r = s.run("", "plan", "--refs", "--endpoint-url", s.srv.URL, "--config", allowed)
	if strings.Contains(r.stdout, "refused: still referenced") ||
		!strings.Contains(r.stdout, "note: deleted although still referenced (remediation.delete-referenced): these break: Lambda function quarterly-etl uses this role") {
		t.Errorf("delete-referenced plan:\n%s", r.stdout)
	}

	// A quarantine runs and says what stops working.
	r = s.run("", "plan", "--refs", "--endpoint-url", s.srv.URL)
	if !strings.Contains(r.stdout, "note: while quarantined, these stop working: Lambda function quarterly-etl uses this role") {
		t.Errorf("quarantine plan:\n%s", r.stdout)
	}
}

func TestPlan_refsFile(t *testing.T) {
	s := wiredSession(t)
	if r := s.run("", "scan", "--as-of", asOf); r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	refs := runCLI(t, nil, "", false, "refs", "--endpoint-url", s.srv.URL, "-o", "json", oldETLRole)
	if refs.code != 0 {
		t.Fatalf("refs: exit %d, stderr %s", refs.code, refs.stderr)
	}
	file := filepath.Join(t.TempDir(), "refs.json")
	if err := os.WriteFile(file, []byte(refs.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	deletes := writeConfig(t, "remediation:\n  roles: delete\n  max-deletions-per-run: -1\n  max-deletions-per-account: -1\n")
	r := s.run("", "plan", "--refs-file", file, "--config", deletes)
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d, stderr %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "refused: still referenced"); n != 1 {
		t.Errorf("%d deletes refused for references, want old-etl-role's:\n%s", n, r.stdout)
	}
	// The deletes of roles the file does not cover are refused: what
	// was not read may still point at them.
	if !strings.Contains(r.stdout, "refused: references not read for this principal: run iamsweep refs arn:aws:iam::111122223333:role/app/load-test-2026 and plan with its output, or set remediation.delete-unchecked: true") {
		t.Errorf("plan does not refuse the delete of an uncovered role:\n%s", r.stdout)
	}
	// remediation.delete-unchecked plans them, with a note.
	unchecked := writeConfig(t, "remediation:\n  roles: delete\n  delete-unchecked: true\n  max-deletions-per-run: -1\n  max-deletions-per-account: -1\n")
	r = s.run("", "plan", "--refs-file", file, "--config", unchecked)
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d, stderr %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "note: references not read for this principal: run iamsweep refs arn:aws:iam::111122223333:role/app/load-test-2026 before applying") {
		t.Errorf("with delete-unchecked, plan lacks the note on uncovered roles:\n%s", r.stdout)
	}
	if n := strings.Count(r.stdout, "refused: still referenced"); n != 1 {
		t.Errorf("with delete-unchecked, %d deletes refused for references, want old-etl-role's still:\n%s", n, r.stdout)
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"schema_version":2,"principals":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = s.run("", "plan", "--refs-file", bad)
	if r.code != ExitUsage || !strings.Contains(r.stderr, bad+": schema_version: version 2 is not 1") {
		t.Errorf("bad file: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestPlan_refsOrg: after a scan of an organization, plan --refs reads
// each account the plan acts in (through the assumed role, once each):
// the legacy role a Lambda function of prod-a runs as is not deleted, the
// legacy roles of the other accounts are.
func TestPlan_refsOrg(t *testing.T) {
	isolateAWS(t, fakeaws.SampleCallerKey, "secret")
	org, accounts := fakeaws.SampleOrganization()
	prodALegacy := "arn:aws:iam::" + fakeaws.SampleProdA + ":role/legacy/legacy-role"
	for _, a := range accounts {
		if a.ID == fakeaws.SampleProdA {
			a.Resources = &fakeaws.Resources{Functions: []fakeaws.Function{{Region: "eu-west-1", Name: "quarterly-etl", Role: prodALegacy}}}
		}
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(accounts...), fakeaws.WithOrganization(org),
		fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement), fakeaws.WithReportDelay(0))
	state := filepath.Join(t.TempDir(), "state.db")
	if r := runCLI(t, nil, "", false, "scan", "--org", "--types", "UnusedIAMRole", "--state", state, "--endpoint-url", srv.URL, "--as-of", asOf, "--log-level", "error"); r.code != ExitPartial {
		t.Fatalf("scan --org: exit %d, stderr %s", r.code, r.stderr)
	}
	deletes := writeConfig(t, "remediation:\n  roles: delete\n  max-deletions-per-run: -1\n  max-deletions-per-account: -1\n")
	srv.ResetCalls()
	r := runCLI(t, nil, "", false, "plan", "--refs", "--state", state, "--endpoint-url", srv.URL, "--config", deletes, "--log-level", "error")
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d, stderr %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "refused: still referenced: Lambda function quarterly-etl uses this role (arn:aws:lambda:eu-west-1:"+fakeaws.SampleProdA+":function:quarterly-etl in eu-west-1)") {
		t.Errorf("the referenced role of prod-a is not refused:\n%s", r.stdout)
	}
	if n := strings.Count(r.stdout, "refused: still referenced"); n != 1 {
		t.Errorf("%d deletes refused for references, want 1:\n%s", n, r.stdout)
	}
	if strings.Contains(r.stdout, "not checked: all") || strings.Contains(r.stdout, "references not checked") {
		t.Errorf("accounts left unread:\n%s", r.stdout)
	}
	// Each account with a role finding read once: its export and its
	// Regions' Lambda functions.
	if n, want := srv.CallCount("GetAccountAuthorizationDetails"), 5; n != want {
		t.Errorf("%d GetAccountAuthorizationDetails calls, want one per account acted in (%d)", n, want)
	}
	if n, want := srv.CallCount("ListFunctions"), 5*3; n != want {
		t.Errorf("%d ListFunctions calls, want %d", n, want)
	}
}

func TestPlan_refsAndRefsFile(t *testing.T) {
	r := runCLI(t, nil, "", false, "plan", "--refs", "--refs-file", "refs.json", "--state", filepath.Join(t.TempDir(), "s.db"))
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--refs and --refs-file") || r.stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q: want exit %d and the two flags named", r.code, r.stdout, r.stderr, ExitUsage)
	}
}
