package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const exampleAccountID = "111122223333"

// mutatingCalls are the IAM actions that change an account.
var mutatingCalls = []string{
	"PutRolePolicy", "DeleteRolePolicy", "AttachRolePolicy", "DetachRolePolicy", "TagRole", "UntagRole",
	"DeleteRolePermissionsBoundary", "RemoveRoleFromInstanceProfile", "DeleteInstanceProfile", "CreateRole", "DeleteRole",
	"CreateInstanceProfile", "AddRoleToInstanceProfile", "PutUserPolicy", "DeleteUserPolicy", "AttachUserPolicy",
	"DetachUserPolicy", "TagUser", "UntagUser", "DeleteLoginProfile", "CreateLoginProfile", "UpdateAccessKey",
	"DeleteAccessKey", "CreateUser", "DeleteUser", "AddUserToGroup", "RemoveUserFromGroup", "DeactivateMFADevice",
	"DeleteVirtualMFADevice", "DeleteSigningCertificate", "DeleteSSHPublicKey", "UploadSSHPublicKey",
	"UploadSigningCertificate", "DeleteServiceLinkedRole",
}

func countMutations(srv *fakeaws.Server) int {
	n := 0
	for _, a := range mutatingCalls {
		n += srv.CallCount(a)
	}
	return n
}

// session runs iamsweep commands against one fake account and one state
// database, as a user at a terminal would.
type session struct {
	t     *testing.T
	srv   *fakeaws.Server
	state string
	env   map[string]string
}

func newSession(t *testing.T) *session {
	return newSessionWith(t, func(*fakeaws.Account) {})
}

// newSessionWith is newSession with the example account changed by edit.
func newSessionWith(t *testing.T, edit func(*fakeaws.Account)) *session {
	t.Helper()
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	acct := exampleAccount(t)
	edit(acct)
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithReportDelay(0))
	return &session{t: t, srv: srv, state: filepath.Join(t.TempDir(), "state.db"), env: map[string]string{}}
}

// run runs a command with the session's state and endpoint; stdin, when
// not "", is typed at a terminal.
func (s *session) run(stdin string, args ...string) result {
	s.t.Helper()
	args = append(args, "--state", s.state)
	if takesEndpoint(args[0]) {
		args = append(args, "--endpoint-url", s.srv.URL)
	}
	var out, errOut bytes.Buffer
	ios := IO{
		In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut,
		StdinTTY: stdin != "", StderrTTY: stdin != "",
		Getenv: func(k string) string { return s.env[k] },
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
	code := run(s.t.Context(), args, deps{io: ios, now: now, retry: awsapi.RetryOptions{NoBackoff: true}})
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// scanAndPlan records a scan of the session's account as of asOf and a plan
// from it, with extra (a --config) given to both.
func (s *session) scanAndPlan(extra ...string) {
	s.t.Helper()
	if r := s.run("", append([]string{"scan", "--as-of", asOf}, extra...)...); r.code != ExitUnused {
		s.t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	if r := s.run("", append([]string{"plan"}, extra...)...); r.code != ExitOK {
		s.t.Fatalf("plan: exit %d, stderr %s", r.code, r.stderr)
	}
}

func takesEndpoint(cmd string) bool {
	switch cmd {
	case "scan", "apply", "release", "restore":
		return true
	}
	return false
}

func (s *session) role(name string) *fakeaws.Role {
	for _, r := range s.srv.Account(exampleAccountID).Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func hasInline(r *fakeaws.Role, name string) bool {
	for _, p := range r.Inline {
		if p.Name == name {
			return true
		}
	}
	return false
}

func TestRemediate_quarantineRelease(t *testing.T) {
	s := newSession(t)
	if r := s.run("", "scan", "--as-of", asOf, "-o", "json"); r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	r := s.run("", "plan", "--out", planFile)
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d, stderr %s", r.code, r.stderr)
	}
	golden(t, "plan", strings.ReplaceAll(r.stdout, planFile, "PLAN.json"))
	if countMutations(s.srv) != 0 {
		t.Fatal("scan or plan changed the account")
	}

	// Without a terminal and without --yes, apply refuses.
	r = s.run("", "apply", planFile)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "pass --yes") || countMutations(s.srv) != 0 {
		t.Fatalf("apply without confirmation: exit %d, stderr %q, %d mutations", r.code, r.stderr, countMutations(s.srv))
	}
	// At a terminal, anything but "yes" cancels.
	r = s.run("y\n", "apply", planFile)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "nothing was changed") || countMutations(s.srv) != 0 {
		t.Fatalf("apply answered y: exit %d, stderr %q", r.code, r.stderr)
	}
	// The plan shown is the plan file's, from the scan plan showed.
	if !strings.Contains(r.stderr, "from scan 1 (") {
		t.Errorf("apply shows the plan as from another scan than plan did:\n%s", r.stderr)
	}
	r = s.run("yes\n", "apply", planFile, "--as-of", asOf)
	if r.code != ExitOK {
		t.Fatalf("apply: exit %d, stdout %s stderr %s", r.code, r.stdout, r.stderr)
	}
	golden(t, "apply", r.stdout)
	old := s.role("old-etl-role")
	if !hasInline(old, "iamsweep-quarantine") {
		t.Fatalf("old-etl-role not quarantined: %+v", old.Inline)
	}
	tags := map[string]string{}
	for _, tg := range old.Tags {
		tags[tg.Key] = tg.Value
	}
	if tags["iamsweep:quarantined-at"] != "2026-11-23T12:00:00Z" || tags["iamsweep:quarantine-policy"] != "inline" ||
		!strings.HasPrefix(tags["iamsweep:quarantined-by"], "arn:aws:iam::111122223333:") {
		t.Errorf("quarantine tags = %v", tags)
	}

	// Applying again changes nothing.
	before := countMutations(s.srv)
	r = s.run("", "apply", planFile, "--yes", "--as-of", asOf, "-o", "json")
	if r.code != ExitOK || countMutations(s.srv) != before {
		t.Fatalf("second apply: exit %d, %d new mutations, stderr %s", r.code, countMutations(s.srv)-before, r.stderr)
	}
	var doc struct {
		Outcomes []struct{ Status string } `json:"outcomes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	for _, o := range doc.Outcomes {
		if o.Status != "already-applied" && o.Status != "refused" {
			t.Errorf("second apply: outcome %q, want already-applied or refused", o.Status)
		}
	}

	// Release lifts it; releasing again changes nothing.
	arn := "arn:aws:iam::111122223333:role/legacy/old-etl-role"
	r = s.run("", "release", arn, "--yes")
	if r.code != ExitOK || hasInline(s.role("old-etl-role"), "iamsweep-quarantine") {
		t.Fatalf("release: exit %d, stderr %s, inline %v", r.code, r.stderr, s.role("old-etl-role").Inline)
	}
	for _, tg := range s.role("old-etl-role").Tags {
		if strings.HasPrefix(tg.Key, "iamsweep:") {
			t.Errorf("release left tag %s", tg.Key)
		}
	}
	before = countMutations(s.srv)
	r = s.run("", "release", arn, "--yes")
	if r.code != ExitOK || !strings.Contains(r.stdout, "not quarantined") || countMutations(s.srv) != before {
		t.Errorf("second release: exit %d, stdout %q", r.code, r.stdout)
	}

	// The backups and the history are there.
	r = s.run("", "backups", arn)
	if r.code != ExitOK || !strings.Contains(r.stdout, "b-p-20261123T120000Z-") {
		t.Errorf("backups: exit %d, stdout %s", r.code, r.stdout)
	}
	// One backup in full: the document of docs/remediation.md.
	if id := regexp.MustCompile(`b-p-20261123T120000Z-\S+`).FindString(r.stdout); id != "" {
		r = s.run("", "backups", id)
		var doc struct {
			Format int    `json:"format"`
			ARN    string `json:"arn"`
			Role   struct {
				TrustPolicy    string            `json:"trust_policy"`
				InlinePolicies []json.RawMessage `json:"inline_policies"`
			} `json:"role"`
		}
		if r.code != ExitOK || json.Unmarshal([]byte(r.stdout), &doc) != nil || doc.Format != 1 || doc.ARN != arn ||
			!strings.Contains(doc.Role.TrustPolicy, "sts:AssumeRole") {
			t.Errorf("backups %s: exit %d, stdout %s", id, r.code, r.stdout)
		}
	}
	r = s.run("", "history", arn)
	if r.code != ExitOK || !strings.Contains(r.stdout, "unused") {
		t.Errorf("history: exit %d, stdout %s", r.code, r.stdout)
	}
}

// TestRemediate_applyNeedsConfirmation: without a terminal and without
// --yes, apply refuses before it calls AWS at all.
func TestRemediate_applyNeedsConfirmation(t *testing.T) {
	s := newSession(t)
	s.scanAndPlan()
	before := len(s.srv.Calls())
	r := s.run("", "apply", "--as-of", asOf)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "needs confirmation") || len(s.srv.Calls()) != before {
		t.Errorf("apply without a terminal: exit %d, %d AWS calls, stderr %q", r.code, len(s.srv.Calls())-before, r.stderr)
	}
}

// TestRemediate_confirmWithAlias: a deletion may be confirmed by typing the
// account's IAM alias instead of its ID, and the question names both.
func TestRemediate_confirmWithAlias(t *testing.T) {
	s := newSessionWith(t, func(a *fakeaws.Account) { a.Alias = "example-prod" })
	cfg := filepath.Join(t.TempDir(), "iamsweep.yaml")
	if err := os.WriteFile(cfg, []byte("remediation:\n  roles: delete\n  max-deletions-per-account: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.scanAndPlan("--config", cfg)
	r := s.run("example-staging\n", "apply", "--config", cfg, "--as-of", asOf)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "Type the account ID 111122223333 or its alias example-prod to confirm") || countMutations(s.srv) != 0 {
		t.Fatalf("apply with another alias: exit %d, mutations %d, stderr %q", r.code, countMutations(s.srv), r.stderr)
	}
	r = s.run("example-prod\n", "apply", "--config", cfg, "--as-of", asOf)
	if r.code != ExitOK || !strings.Contains(r.stdout, "DeleteRole") {
		t.Fatalf("apply confirmed with the alias: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}

func TestRemediate_deleteRestore(t *testing.T) {
	s := newSession(t)
	cfg := filepath.Join(t.TempDir(), "iamsweep.yaml")
	if err := os.WriteFile(cfg, []byte("allow: [\"/breakglass/*\"]\nremediation:\n  roles: delete\n  users: delete\n  max-deletions-per-account: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := s.run("", "scan", "--as-of", asOf, "--config", cfg); r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	r := s.run("", "plan", "--config", cfg)
	if r.code != ExitOK || !strings.Contains(r.stdout, "refused: over the limit of 3 deletions in account 111122223333") {
		t.Fatalf("plan: exit %d, stdout %s", r.code, r.stdout)
	}
	// Deletion asks for the account ID; a wrong one cancels.
	r = s.run("222233334444\n", "apply", "--config", cfg, "--as-of", asOf)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "Type the account ID 111122223333") || countMutations(s.srv) != 0 {
		t.Fatalf("apply with a wrong account: exit %d, stderr %q", r.code, r.stderr)
	}
	r = s.run("111122223333\n", "apply", "--config", cfg, "--as-of", asOf)
	if r.code != ExitOK {
		t.Fatalf("apply: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	if s.role("ec2-old-web") != nil {
		t.Fatal("ec2-old-web still exists")
	}
	if !strings.Contains(r.stdout, "RemoveRoleFromInstanceProfile ec2-old-web; DeleteInstanceProfile ec2-old-web") {
		t.Errorf("apply output does not show the instance profile removed and deleted:\n%s", r.stdout)
	}

	// Restore brings it back with its instance profile, and says what
	// cannot come back.
	arn := "arn:aws:iam::111122223333:role/legacy/ec2-old-web"
	r = s.run("", "restore", arn, "--yes")
	if r.code != ExitOK {
		t.Fatalf("restore: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"CreateRole ec2-old-web", "CreateInstanceProfile ec2-old-web", "AddRoleToInstanceProfile ec2-old-web",
		"new unique ID", "every restorable field matches the backup"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("restore output lacks %q:\n%s", want, r.stdout)
		}
	}
	back := s.role("ec2-old-web")
	if back == nil || len(back.InstanceProfiles) != 1 || back.InstanceProfiles[0].Name != "ec2-old-web" {
		t.Fatalf("restored role = %+v", back)
	}
	// Again: nothing to do, and no complaint about "someone else's" role.
	before := countMutations(s.srv)
	r = s.run("", "restore", arn, "--yes")
	if r.code != ExitOK || !strings.Contains(r.stdout, "nothing to do") || countMutations(s.srv) != before {
		t.Errorf("second restore: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}

func TestRemediate_killSwitch(t *testing.T) {
	s := newSession(t)
	s.scanAndPlan()
	s.env["IAMSWEEP_KILL_SWITCH"] = "1"
	r := s.run("", "apply", "--yes", "--as-of", asOf)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "kill switch") || countMutations(s.srv) != 0 {
		t.Fatalf("apply with the kill switch: exit %d, stderr %q, %d mutations", r.code, r.stderr, countMutations(s.srv))
	}
	if !strings.Contains(r.stdout, "stopped") {
		t.Errorf("outcomes do not say stopped:\n%s", r.stdout)
	}
	delete(s.env, "IAMSWEEP_KILL_SWITCH")
	// The file beside the state database works the same way.
	stop := filepath.Join(filepath.Dir(s.state), "STOP")
	if err := os.WriteFile(stop, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r = s.run("", "apply", "--yes", "--as-of", asOf)
	if r.code != ExitFailure || !strings.Contains(r.stderr, stop) || countMutations(s.srv) != 0 {
		t.Fatalf("apply with the kill file: exit %d, stderr %q", r.code, r.stderr)
	}
	if err := os.Remove(stop); err != nil {
		t.Fatal(err)
	}
	r = s.run("", "apply", "--yes", "--as-of", asOf)
	if r.code != ExitOK || countMutations(s.srv) == 0 {
		t.Fatalf("apply after the kill switch: exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestRemediate_inputErrors(t *testing.T) {
	s := newSession(t)
	bad := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(bad, []byte(`{"format": "iamsweep-plan/v1", "id": "p", "actions": [{"id": "a1", "kind": "nuke"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"plan without a scan", []string{"plan"}, ExitUsage, "no scan: run iamsweep scan first"},
		{"apply without a plan", []string{"apply", "--yes"}, ExitUsage, "holds no plan"},
		{"apply a bad plan file", []string{"apply", "--yes", bad}, ExitUsage, bad + ": actions[0].kind: unknown action \"nuke\""},
		{"apply a missing plan file", []string{"apply", "--yes", bad + ".missing"}, ExitUsage, "open plan: no such file"},
		{"release a bad ARN", []string{"release", "--yes", "role/x"}, ExitUsage, "invalid ARN"},
		{"release a policy ARN", []string{"release", "--yes", "arn:aws:iam::111122223333:policy/x"}, ExitUsage, "neither a role nor a user"},
		{"restore an unknown backup", []string{"restore", "--yes", "b-nope"}, ExitFailure, "no backup \"b-nope\""},
		{"history of a bad ARN", []string{"history", "x"}, ExitUsage, "invalid ARN"},
		{"plan as csv", []string{"plan", "-o", "csv"}, ExitUsage, "plan writes table or json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.run("", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d and %q", r.code, r.stderr, r.stdout, tt.code, tt.want)
			}
		})
	}
	if countMutations(s.srv) != 0 {
		t.Error("an input error changed the account")
	}
}

func TestScan_noState(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	r := runCLI(t, nil, "", false, "scan", "--from-file", example, "--as-of", asOf, "--state", state, "--no-state")
	if r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("--no-state created %s", state)
	}
	r = runCLI(t, map[string]string{"IAMSWEEP_STATE": state}, "", false, "scan", "--from-file", example, "--as-of", asOf)
	if r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	// Recorded: plan works offline from it.
	r = runCLI(t, map[string]string{"IAMSWEEP_STATE": state}, "", false, "plan")
	if r.code != ExitOK || !strings.Contains(r.stdout, "from scan 1") {
		t.Errorf("plan after a recorded scan: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}

func TestOwnerGone(t *testing.T) {
	host, _ := os.Hostname()
	if ownerGone(leaseOwner()) {
		t.Error("this process is judged gone")
	}
	if ownerGone("other-host:1:abcd") {
		t.Error("a process of another host is judged gone")
	}
	if ownerGone("garbage") {
		t.Error("an unparsable owner is judged gone")
	}
	// PID 0x7ffffffe is beyond any real PID limit.
	if !ownerGone(host + ":2147483646:abcd") {
		t.Error("a process that does not exist is not judged gone")
	}
}

// TestRemediate_org records an organization scan account by account, plans
// from it and applies across the members through the assumed role.
func TestRemediate_org(t *testing.T) {
	srv := sampleOrgServer(t)
	state := filepath.Join(t.TempDir(), "state.db")
	r := runCLI(t, nil, "", false, "scan", "--org", "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json", "--state", state)
	if r.code != ExitPartial {
		t.Fatalf("scan: exit %d, stderr %q", r.code, r.stderr)
	}
	doc := parseOrgDoc(t, r.stdout)
	unused := map[string]bool{}
	for _, f := range doc.Findings {
		if f.Verdict == "unused" {
			unused[f.AccountID] = true
		}
	}
	r = runCLI(t, nil, "", false, "plan", "--state", state, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("plan: exit %d, stderr %q", r.code, r.stderr)
	}
	var plan struct {
		Actions []struct {
			AccountID   string `json:"account_id"`
			AccountName string `json:"account_name"`
			ARN         string `json:"arn"`
			Refused     string `json:"refused"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil {
		t.Fatal(err)
	}
	planned := map[string]bool{}
	for _, a := range plan.Actions {
		planned[a.AccountID] = true
		if a.AccountName == "" {
			t.Errorf("action on %s carries no account name", a.ARN)
		}
	}
	for acct := range unused {
		if !planned[acct] {
			t.Errorf("account %s has unused findings but no action: the recorded scan lost it", acct)
		}
	}
	if len(planned) < 2 {
		t.Fatalf("actions in %d accounts, want several", len(planned))
	}
	before := srv.CallCount("AssumeRole")
	r = runCLI(t, nil, "", false, "apply", "--yes", "--state", state, "--endpoint-url", srv.URL, "--as-of", asOf)
	if r.code != ExitOK {
		t.Fatalf("apply: exit %d, stdout %s, stderr %q", r.code, r.stdout, r.stderr)
	}
	if srv.CallCount("PutRolePolicy")+srv.CallCount("PutUserPolicy") == 0 {
		t.Errorf("apply quarantined nothing:\n%s", r.stdout)
	}
	// One AssumeRole per member account with actions, not one per action.
	members := 0
	for acct := range planned {
		if acct != fakeaws.SampleManagement {
			members++
		}
	}
	if got := srv.CallCount("AssumeRole") - before; got != members {
		t.Errorf("apply made %d AssumeRole calls for %d member accounts with actions", got, members)
	}
}

// TestRemediate_editedPlanFile: a plan file edited in place (the same ID,
// another action) is bad input, exit status 2, as the README says of
// malformed plans, and changes nothing.
func TestRemediate_editedPlanFile(t *testing.T) {
	s := newSession(t)
	if r := s.run("", "scan", "--as-of", asOf); r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if r := s.run("", "plan", "--out", planFile); r.code != ExitOK {
		t.Fatalf("plan: exit %d, stderr %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), `"kind": "quarantine"`, `"kind": "delete"`, 1)
	if edited == string(data) {
		t.Fatalf("no quarantine action to edit in:\n%s", data)
	}
	if err := os.WriteFile(planFile, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	r := s.run("", "apply", "--yes", "--as-of", asOf, planFile)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "differs from the plan of this ID in the store") || countMutations(s.srv) != 0 {
		t.Errorf("apply of an edited plan: exit %d, stderr %q, %d mutations", r.code, r.stderr, countMutations(s.srv))
	}
}

// TestRemediate_planAndApplyAgree: the plan apply shows for confirmation
// does not contradict the plan command about the scan it came from.
func TestRemediate_planAndApplyAgree(t *testing.T) {
	s := newSession(t)
	if r := s.run("", "scan", "--as-of", asOf); r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	plan := s.run("", "plan")
	if plan.code != ExitOK || !strings.Contains(plan.stdout, ", from scan 1 (as of 2026-11-23T00:00:00Z") {
		t.Fatalf("plan: exit %d, stdout %s", plan.code, plan.stdout)
	}
	r := s.run("no\n", "apply", "--as-of", asOf)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "Plan p-20261123T120000Z, from scan 1 (as of 2026-11-23T00:00:00Z") {
		t.Errorf("apply: exit %d, stderr %s; want the plan shown from the scan plan named", r.code, r.stderr)
	}
}

// TestMain_helpListsOnlyAcceptedOutputs: the commands other than scan
// write table or JSON, and their help says so.
func TestMain_helpListsOnlyAcceptedOutputs(t *testing.T) {
	for _, cmd := range []string{"plan", "apply", "release", "restore", "backups", "history"} {
		r := runCLI(t, nil, "", false, cmd, "--help")
		if r.code != ExitOK || !strings.Contains(r.stdout, "output format: table or json") || strings.Contains(r.stdout, "csv") {
			t.Errorf("%s --help: exit %d, stdout:\n%s", cmd, r.code, r.stdout)
		}
	}
	if r := runCLI(t, nil, "", false, "scan", "--help"); !strings.Contains(r.stdout, "output format: table, json, csv, html or asff") {
		t.Errorf("scan --help:\n%s", r.stdout)
	}
}

// TestHistory_labels: the history table calls the as-of time of the first
// unused verdict what it is, not the time since when the principal is
// unused (that is its last use, in the reason).
func TestHistory_labels(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	for _, asOf := range []string{"2026-11-01T00:00:00Z", asOf} {
		if r := runCLI(t, nil, "", false, "scan", "--from-file", example, "--as-of", asOf, "--state", state); r.code != ExitUnused {
			t.Fatalf("scan: exit %d, stderr %q", r.code, r.stderr)
		}
	}
	r := runCLI(t, nil, "", false, "history", "arn:aws:iam::111122223333:role/legacy/old-etl-role", "--state", state)
	header, rest, _ := strings.Cut(r.stdout, "\n")
	if r.code != ExitOK || !strings.Contains(header, "FIRST SEEN UNUSED") || strings.Contains(header, "UNUSED SINCE") {
		t.Fatalf("history: exit %d, stdout:\n%s", r.code, r.stdout)
	}
	// Both rows name the first scan's as-of time in that column.
	if n := strings.Count(rest, "2026-11-01T00:00:00Z"); n != 3 {
		t.Errorf("2026-11-01T00:00:00Z appears %d times, want 3 (as-of of scan 1, first seen unused twice):\n%s", n, r.stdout)
	}
}
