package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/store"
)

// escalation is an owner workflow over one fake account, a state
// database and a clock the test moves a day at a time.
type escalation struct {
	t      *testing.T
	srv    *fakeaws.Server
	state  string
	config string
	day0   time.Time
	now    time.Time
	mails  int // mails seen so far
}

const escalateConfig = `
owner-tags: owner
unused-days: 90
types: UnusedIAMRole
owners:
  security-team: security@example.com
notify:
  from: iamsweep@example.com
escalation:
  quarantine-after: 14d
  delete-after: 30d
  warn-before: 3d
remediation:
  roles: delete
`

func newEscalation(t *testing.T) *escalation {
	t.Helper()
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	e := &escalation{t: t, day0: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	e.now = e.day0
	acct := &fakeaws.Account{ID: exampleAccountID, Roles: []*fakeaws.Role{
		{Name: "old-batch", Path: "/app/", Created: e.day0.AddDate(-1, 0, 0), LastUsed: e.day0.AddDate(0, 0, -200), LastUsedRegion: "us-east-1",
			Tags: []fakeaws.Tag{{Key: "owner", Value: "alice@example.com"}}},
		{Name: "orphan", Created: e.day0.AddDate(-1, 0, 0), LastUsed: e.day0.AddDate(0, 0, -300), LastUsedRegion: "us-east-1"},
		{Name: "busy", Created: e.day0.AddDate(-1, 0, 0), LastUsed: e.day0.Add(-time.Hour), LastUsedRegion: "us-east-1",
			Tags: []fakeaws.Tag{{Key: "owner", Value: "alice@example.com"}}},
	}}
	e.srv = fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithClock(func() time.Time { return e.now }),
		fakeaws.WithSES("us-east-1", exampleAccountID, fakeaws.SES{Identities: []string{"example.com"}}))
	dir := t.TempDir()
	e.state = filepath.Join(dir, "state.db")
	e.config = filepath.Join(dir, "iamsweep.yaml")
	if err := os.WriteFile(e.config, []byte(escalateConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// at moves the clock to day n.
func (e *escalation) at(n int) { e.now = e.day0.AddDate(0, 0, n) }

// run runs a command with the state, config, endpoint and clock.
func (e *escalation) run(args ...string) result {
	e.t.Helper()
	args = append(args, "--state", e.state, "--config", e.config)
	if args[0] != "escalation" && !slices.Contains(args, "--from-file") {
		args = append(args, "--endpoint-url", e.srv.URL, "--region", "us-east-1")
	}
	var out, errOut bytes.Buffer
	ios := IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	code := run(e.t.Context(), args, deps{io: ios, now: func() time.Time { return e.now }, retry: awsapi.RetryOptions{NoBackoff: true}})
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// escalate runs iamsweep escalate, which must succeed, and returns the
// mails it sent as "to: subject" lines.
func (e *escalation) escalate() []string {
	e.t.Helper()
	r := e.run("escalate")
	if r.code != ExitOK {
		e.t.Fatalf("escalate on %s: exit %d\nstdout: %s\nstderr: %s", e.now.Format("2006-01-02"), r.code, r.stdout, r.stderr)
	}
	sent := e.srv.SentEmails()
	var out []string
	for _, m := range sent[e.mails:] {
		out = append(out, strings.Join(m.To, ",")+": "+m.Text)
	}
	e.mails = len(sent)
	return out
}

func (e *escalation) role(name string) *fakeaws.Role {
	for _, r := range e.srv.Account(exampleAccountID).Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func (e *escalation) quarantined(name string) bool {
	r := e.role(name)
	return r != nil && hasInline(r, "iamsweep-quarantine")
}

func (e *escalation) withStore(fn func(st *store.Store)) {
	e.t.Helper()
	st, err := store.Open(e.t.Context(), e.state)
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	fn(st)
}

// expectMails checks that the mails went to exactly these recipients,
// each mentioning its words.
func expectMails(t *testing.T, when string, got []string, want map[string][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d mails; want %d:\n%s", when, len(got), len(want), strings.Join(got, "\n---\n"))
	}
	for _, m := range got {
		to, text, _ := strings.Cut(m, ": ")
		words, ok := want[to]
		if !ok {
			t.Errorf("%s: a mail to %s; want none", when, to)
			continue
		}
		for _, w := range words {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the mail to %s does not say %q:\n%s", when, to, w, text)
			}
		}
	}
}

// TestEscalate_timeline runs the whole escalation with a moving clock over
// the fake AWS endpoint: notice, no answer, warning, quarantine, tripwire,
// Keep (which releases), expiry and a new notice; for the other role
// deletion and restore.
func TestEscalate_timeline(t *testing.T) {
	e := newEscalation(t)
	oldBatch := "arn:aws:iam::111122223333:role/app/old-batch"
	orphan := "arn:aws:iam::111122223333:role/orphan"

	// Day 0: the first notices, one per recipient; the used role gets none.
	expectMails(t, "day 0", e.escalate(), map[string][]string{
		"alice@example.com":    {"old-batch", "2026-12-15"},
		"security@example.com": {"orphan", "no owner tag"},
	})
	// The same day again: nothing twice.
	expectMails(t, "day 0 again", e.escalate(), nil)

	// Day 10: nobody answered; nothing due yet.
	e.at(10)
	expectMails(t, "day 10", e.escalate(), nil)

	// Day 11: the warnings, three days ahead.
	e.at(11)
	expectMails(t, "day 11", e.escalate(), map[string][]string{
		"alice@example.com":    {"old-batch", "2026-12-15"},
		"security@example.com": {"orphan"},
	})

	// Day 14: quarantined, after a backup.
	e.at(14)
	expectMails(t, "day 14", e.escalate(), map[string][]string{
		"alice@example.com":    {"old-batch", "2027-01-14"},
		"security@example.com": {"orphan"},
	})
	if !e.quarantined("old-batch") || !e.quarantined("orphan") {
		t.Fatalf("day 14: not quarantined")
	}

	// Day 20: old-batch is used while quarantined: the tripwire tells its
	// owner and the security team at once, and it stays quarantined.
	e.at(20)
	e.role("old-batch").LastUsed = e.day0.AddDate(0, 0, 19)
	expectMails(t, "day 20", e.escalate(), map[string][]string{
		"alice@example.com":    {"old-batch", "2026-12-20"},
		"security@example.com": {"old-batch", "2026-12-20", "every tripwire alert goes to the security team too"},
	})
	if !e.quarantined("old-batch") {
		t.Errorf("day 20: the tripwire released the quarantine without tripwire-release")
	}

	// Day 21: alice keeps it (through the store, as a link would), until
	// day 130: the next run releases the quarantine.
	e.at(21)
	e.withStore(func(st *store.Store) {
		key := iamsweep.FindingKey(exampleAccountID + " UnusedIAMRole " + oldBatch)
		until := e.day0.AddDate(0, 0, 130)
		d := iamsweep.Decision{ID: "d1", Key: key, ARN: oldBatch, Kind: iamsweep.DecisionKeep, By: "alice@example.com", From: "192.0.2.1",
			At: e.now, Reason: "disaster recovery path", Until: until}
		ex := iamsweep.Exception{ID: "x1", Key: key, ARN: oldBatch, By: "alice@example.com", Reason: "disaster recovery path", Created: e.now, Until: until}
		if err := st.KeepException(t.Context(), d, ex); err != nil {
			t.Fatal(err)
		}
	})
	expectMails(t, "day 21", e.escalate(), nil)
	if e.quarantined("old-batch") {
		t.Errorf("day 21: the Keep did not release the quarantine")
	}

	// Day 41 and 44: the orphan, warned and deleted; its backup kept.
	e.at(41)
	expectMails(t, "day 41", e.escalate(), map[string][]string{"security@example.com": {"orphan", "2027-01-14"}})
	e.at(44)
	expectMails(t, "day 44", e.escalate(), map[string][]string{"security@example.com": {"orphan"}})
	if e.role("orphan") != nil {
		t.Fatalf("day 44: orphan not deleted")
	}

	// Day 130: the Keep expires; old-batch (unused since day 19) is judged
	// again and alice asked again.
	e.at(130)
	// busy, unused for 90 days by now, comes in the same mail: one notice
	// per recipient per run.
	expectMails(t, "day 130", e.escalate(), map[string][]string{"alice@example.com": {"old-batch", "expired", "busy"}})

	// Day 131: the orphan is restored; the next run starts it over.
	e.at(131)
	if r := e.run("restore", orphan, "--yes"); r.code != ExitOK {
		t.Fatalf("restore: exit %d, %s", r.code, r.stderr)
	}
	e.escalate()

	r := e.run("escalation", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("escalation: exit %d, %s", r.code, r.stderr)
	}
	var got struct {
		SchemaVersion int `json:"schema_version"`
		Principals    []struct {
			ARN     string `json:"arn"`
			Stage   string `json:"stage"`
			Round   int    `json:"round"`
			Stopped string `json:"stopped"`
			History []struct{ Kind, Text string }
			Planned []struct{ Step string }
		} `json:"principals"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("escalation -o json: %v\n%s", err, r.stdout)
	}
	if len(got.Principals) != 3 {
		t.Fatalf("escalation: %d principals; want 3:\n%s", len(got.Principals), r.stdout)
	}
	ob, busy, or := got.Principals[0], got.Principals[1], got.Principals[2]
	if busy.Stage != "notice" || busy.Round != 1 {
		t.Errorf("busy = %+v", busy)
	}
	if ob.ARN != oldBatch || ob.Stage != "exception-expired" || ob.Round != 2 || len(ob.Planned) == 0 {
		t.Errorf("old-batch = %+v", ob)
	}
	kinds := map[string]bool{}
	for _, h := range ob.History {
		kinds[h.Kind] = true
	}
	for _, k := range []string{"notice", "action", "tripwire", "exception"} {
		if !kinds[k] {
			t.Errorf("old-batch's history has no %s event: %+v", k, ob.History)
		}
	}
	if or.ARN != orphan || !strings.HasPrefix(or.Stopped, "restored") {
		t.Errorf("orphan = %+v", or)
	}
	table := e.run("escalation", oldBatch)
	for _, want := range []string{oldBatch, "owner alice@example.com", "done", "planned", "tripwire"} {
		if !strings.Contains(table.stdout, want) {
			t.Errorf("escalation table lacks %q:\n%s", want, table.stdout)
		}
	}
}

func TestEscalate_dryRun(t *testing.T) {
	e := newEscalation(t)
	e.at(0)
	r := e.run("escalate", "--dry-run", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("escalate --dry-run: exit %d, %s", r.code, r.stderr)
	}
	var sum struct {
		SchemaVersion int      `json:"schema_version"`
		DryRun        bool     `json:"dry_run"`
		Notices       int      `json:"notices"`
		Steps         []string `json:"steps"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	want := []string{
		"would send notice about arn:aws:iam::111122223333:role/app/old-batch (UnusedIAMRole) to email:alice@example.com",
		"would send notice about arn:aws:iam::111122223333:role/orphan (UnusedIAMRole) to email:security@example.com",
	}
	if sum.SchemaVersion != 1 || !sum.DryRun || sum.Notices != 2 || strings.Join(sum.Steps, "\n") != strings.Join(want, "\n") {
		t.Errorf("dry run summary = %+v", sum)
	}
	if n := len(e.srv.SentEmails()); n != 0 || countMutations(e.srv) != 0 {
		t.Errorf("the dry run sent %d mails and made %d changes", n, countMutations(e.srv))
	}
	// Nothing was recorded: a real run does it all.
	if got := e.escalate(); len(got) != 2 {
		t.Errorf("the run after the dry run sent %d mails; want 2", len(got))
	}
	if r := e.run("escalate", "--dry-run"); r.code != ExitOK || !strings.HasPrefix(r.stdout, "Dry run (nothing changed, nothing sent)") {
		t.Errorf("escalate --dry-run as text: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestEscalate_usage(t *testing.T) {
	e := newEscalation(t)
	noTeam := strings.Replace(escalateConfig, "  security-team: security@example.com\n", "", 1)
	if err := os.WriteFile(e.config, []byte(noTeam), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run("escalate")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "owners.security-team: not set") {
		t.Errorf("no security team: exit %d, stderr %s", r.code, r.stderr)
	}
	if err := os.WriteFile(e.config, []byte(escalateConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.run("escalate", "--from-file", "../../examples/account-export.json")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--dry-run") {
		t.Errorf("offline without --dry-run: exit %d, stderr %s", r.code, r.stderr)
	}
	if countMutations(e.srv) != 0 || len(e.srv.SentEmails()) != 0 {
		t.Error("a refused run changed or sent something")
	}
	r = e.run("escalation", "arn:aws:iam::111122223333:role/none")
	if r.code != ExitOK || !strings.Contains(r.stdout, "No escalation of arn:aws:iam::111122223333:role/none is recorded") {
		t.Errorf("escalation of nothing: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := e.run("escalation", "not-an-arn"); r.code != ExitUsage {
		t.Errorf("escalation not-an-arn: exit %d", r.code)
	}
}

// TestEscalate_org: an organization's unused principals, across accounts,
// come to each recipient in one notice; an account that cannot be scanned
// is logged and waits.
func TestEscalate_org(t *testing.T) {
	srv := sampleOrgServer(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "iamsweep.yaml")
	if err := os.WriteFile(cfg, []byte("owners:\n  security-team: security@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", false, "escalate", "--org", "--dry-run", "-o", "json", "--endpoint-url", srv.URL, "--as-of", asOf,
		"--config", cfg, "--state", filepath.Join(dir, "state.db"))
	if r.code != ExitOK {
		t.Fatalf("escalate --org: exit %d\n%s", r.code, r.stderr)
	}
	var sum struct {
		Notices, Items, Unused int
		Steps                  []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	accounts := map[string]bool{}
	for _, s := range sum.Steps {
		if arn, ok := strings.CutPrefix(s, "would send notice about "); ok {
			a, err := iamsweep.ParseARN(strings.Fields(arn)[0])
			if err != nil {
				t.Fatal(err)
			}
			accounts[a.AccountID] = true
		}
	}
	if sum.Notices != 1 || sum.Items != sum.Unused || len(accounts) < 2 {
		t.Errorf("one notice for every unused finding of several accounts: %+v", sum)
	}
	if !strings.Contains(r.stderr, "account not scanned: its escalations wait") {
		t.Errorf("the account that cannot be scanned is not logged:\n%s", r.stderr)
	}
}

// TestEscalation_plansNoDeletionThePolicyRefuses: with the default
// remediation policy (roles: quarantine) the escalation never deletes a
// role, and its notices say so; the timeline must not plan a deletion.
func TestEscalation_plansNoDeletionThePolicyRefuses(t *testing.T) {
	e := newEscalation(t)
	cfg := strings.Replace(escalateConfig, "remediation:\n  roles: delete\n", "", 1)
	if err := os.WriteFile(e.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	e.at(0)
	e.escalate()
	r := e.run("escalation", "arn:aws:iam::"+exampleAccountID+":role/app/old-batch")
	if r.code != ExitOK {
		t.Fatalf("escalation: exit %d, %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "quarantine on 2026-12-15") {
		t.Errorf("no quarantine planned:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "delete") {
		t.Errorf("a deletion the remediation policy refuses is planned:\n%s", r.stdout)
	}
}

// TestEscalate_references: the owner workflow reads what still
// references the unused roles, live, once per run: the notices before and
// of the quarantine say what will break, the quarantine runs, and the
// delete of the role a Lambda function still runs as is refused while
// the other role is deleted.
func TestEscalate_references(t *testing.T) {
	e := newEscalation(t)
	orphan := "arn:aws:iam::111122223333:role/orphan"
	e.srv.Account(exampleAccountID).Resources = &fakeaws.Resources{
		Functions: []fakeaws.Function{{Region: "us-east-1", Name: "quarterly-etl", Role: orphan}},
	}
	expectMails(t, "day 0", e.escalate(), map[string][]string{
		"alice@example.com":    {"old-batch"},
		"security@example.com": {"orphan", "Once it is quarantined, these stop working: Lambda function quarterly-etl uses this role"},
	})
	if n := e.srv.CallCount("ListFunctions"); n != 3 {
		t.Errorf("day 0: %d ListFunctions calls; want one per Region (3), once for the run", n)
	}
	e.at(11)
	expectMails(t, "day 11", e.escalate(), map[string][]string{
		"alice@example.com":    {"old-batch"},
		"security@example.com": {"orphan", "Once it is quarantined, these stop working: Lambda function quarterly-etl"},
	})
	e.at(14)
	expectMails(t, "day 14", e.escalate(), map[string][]string{
		"alice@example.com": {"old-batch"},
		"security@example.com": {"orphan", "While it is quarantined, these stop working: Lambda function quarterly-etl",
			"iamsweep will not delete it (still referenced"},
	})
	if !e.quarantined("orphan") || !e.quarantined("old-batch") {
		t.Fatalf("day 14: the quarantines did not run")
	}
	e.at(41)
	e.escalate()
	e.at(44)
	e.escalate()
	if e.role("orphan") == nil {
		t.Fatalf("day 44: orphan deleted while quarterly-etl still runs as it")
	}
	if e.role("old-batch") != nil {
		t.Errorf("day 44: old-batch, not referenced, not deleted")
	}
}
