package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/escalate"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// memStore is an in-memory Store with the journal's rules.
type memStore struct {
	mu         sync.Mutex
	states     map[iamsweep.FindingKey]escalate.State
	exceptions []iamsweep.Exception
	decisions  []iamsweep.Decision
	claims     map[string]string // key+stage -> notice ID
	outcomes   map[string]string // notice ID -> outcome
	events     []string
}

func newMemStore() *memStore {
	return &memStore{states: map[iamsweep.FindingKey]escalate.State{}, claims: map[string]string{}, outcomes: map[string]string{}}
}

func (m *memStore) Escalations(context.Context) ([]escalate.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []escalate.State
	for _, s := range m.states {
		out = append(out, s)
	}
	return out, nil
}

func (m *memStore) PutEscalation(_ context.Context, st escalate.State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[st.Key] = st
	return nil
}

func (m *memStore) Exceptions(context.Context) ([]iamsweep.Exception, error) {
	return m.exceptions, nil
}
func (m *memStore) Decisions(context.Context) ([]iamsweep.Decision, error) { return m.decisions, nil }

func (m *memStore) ClaimNoticeRound(_ context.Context, id string, key iamsweep.FindingKey, stage iamsweep.Stage, round int, to string, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := fmt.Sprintf("%s|%s|%d", key, stage, round)
	if _, ok := m.claims[k]; ok {
		return false, nil
	}
	m.claims[k] = id
	return true, nil
}

func (m *memStore) FinishNotice(_ context.Context, id, outcome, _, _ string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outcomes[id] = outcome
	if outcome == "failed" {
		for k, v := range m.claims {
			if v == id {
				delete(m.claims, k)
			}
		}
	}
	return nil
}

func (m *memStore) AddEvent(_ context.Context, _ iamsweep.FindingKey, arn string, _ time.Time, e escalate.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e.Kind+": "+e.Text)
	return nil
}

type fakeRemedy struct {
	applied  []string
	released []string
	status   remediate.Status
}

func (f *fakeRemedy) Apply(_ context.Context, p iamsweep.Plan) ([]remediate.Outcome, error) {
	a := p.Actions[0]
	f.applied = append(f.applied, string(a.Kind)+" "+a.ARN+" "+p.ID)
	st := f.status
	if st == "" {
		st = remediate.StatusApplied
	}
	o := remediate.Outcome{Action: a, Status: st}
	if st == remediate.StatusApplied {
		o.BackupID = remediate.BackupID(p.ID, a.ID)
	}
	return []remediate.Outcome{o}, nil
}

func (f *fakeRemedy) Release(_ context.Context, arn string) (remediate.ReleaseResult, error) {
	f.released = append(f.released, arn)
	return remediate.ReleaseResult{Steps: []string{"DeleteRolePolicy iamsweep-quarantine"}}, nil
}

type fakeSender struct {
	sent []iamsweep.Notice
	err  error
}

func (f *fakeSender) SendNotice(_ context.Context, n iamsweep.Notice) error {
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, n)
	return nil
}

type fakeLinks struct{}

func (fakeLinks) Links(_ context.Context, noticeID, to string, it iamsweep.NoticeItem) (iamsweep.DecisionLinks, error) {
	base := "https://iamsweep.example/d/" + noticeID + "/" + it.Finding.Name
	return iamsweep.DecisionLinks{Keep: base + "/keep", Remove: base + "/remove", Snooze: base + "/snooze"}, nil
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

func finding(name, owner string, lastUsed time.Time, v iamsweep.Verdict) iamsweep.Finding {
	f := iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/" + name,
		Name: name, Path: "/", Verdict: v, LastUsed: iamsweep.Usage{Time: lastUsed}}
	if owner != "" {
		f.Tags = []iamsweep.Tag{{Key: "owner", Value: owner}}
	}
	return f
}

type env struct {
	store  *memStore
	remedy *fakeRemedy
	sender *fakeSender
	now    time.Time
	scan   []iamsweep.Finding
	runner *Runner
	ids    int
}

func newEnv() *env {
	e := &env{store: newMemStore(), remedy: &fakeRemedy{}, sender: &fakeSender{}, now: t0}
	e.runner = &Runner{
		Store: e.store, Remedy: e.remedy, Sender: e.sender, Links: fakeLinks{},
		Scan: func(context.Context) (int64, iamsweep.ScanResult, error) {
			return 7, iamsweep.ScanResult{AsOf: e.now, Findings: e.scan}, nil
		},
		Policy: escalate.Policy{Types: map[iamsweep.FindingType]escalate.Steps{
			iamsweep.TypeUnusedIAMRole: {Quarantine: iamsweep.ActionQuarantine, QuarantineAfter: 14 * 24 * time.Hour, Delete: iamsweep.ActionDelete, DeleteAfter: 30 * 24 * time.Hour},
		}, WarnBefore: 3 * 24 * time.Hour},
		Owners:             escalate.Owners{SecurityTeam: iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "security@example.com"}},
		Now:                func() time.Time { return e.now },
		NewID:              func() string { e.ids++; return fmt.Sprintf("n%d", e.ids) },
		MaxDeletionsPerRun: -1, MaxDeletionsPerAccount: -1,
	}
	return e
}

func (e *env) run(t *testing.T) Summary {
	t.Helper()
	sum, err := e.runner.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return sum
}

func TestRunner_RunOnce_grouping(t *testing.T) {
	e := newEnv()
	old := day(-200)
	e.scan = []iamsweep.Finding{
		finding("a1", "alice@example.com", old, iamsweep.VerdictUnused),
		finding("a2", "alice@example.com", old, iamsweep.VerdictUnused),
		finding("b", "", old, iamsweep.VerdictUnused),
		finding("used", "alice@example.com", day(-1), iamsweep.VerdictUsed),
	}
	sum := e.run(t)
	if sum.Notices != 2 || sum.Items != 3 || sum.Unused != 3 || sum.Findings != 4 || sum.ScanID != 7 {
		t.Errorf("summary = %+v", sum)
	}
	if len(e.sender.sent) != 2 {
		t.Fatalf("sent %d notices; want 2", len(e.sender.sent))
	}
	alice := e.sender.sent[0]
	if alice.To.Address != "alice@example.com" || len(alice.Items) != 2 || alice.Owner != "alice@example.com" {
		t.Errorf("alice's notice = %+v", alice)
	}
	it := alice.Items[0]
	if it.Stage != iamsweep.StageNotice || it.Next != iamsweep.ActionQuarantine || !it.NextAt.Equal(day(14)) || it.Links.Keep != "https://iamsweep.example/d/n1/a1/keep" {
		t.Errorf("alice's first item = %+v", it)
	}
	sec := e.sender.sent[1]
	if sec.To.Address != "security@example.com" || sec.Fallback != "no owner tag (owner)" {
		t.Errorf("security notice = %+v", sec)
	}
	st := e.store.states[iamsweep.KeyOf(e.scan[0])]
	if st.Stage != iamsweep.StageNotice || st.Owner != "alice@example.com" || !st.FirstNoticeAt.Equal(t0) {
		t.Errorf("state = %+v", st)
	}
	// The same run again: nothing more is sent.
	e.sender.sent = nil
	if sum := e.run(t); sum.Notices != 0 || len(e.sender.sent) != 0 {
		t.Errorf("second run sent %+v", e.sender.sent)
	}
}

func TestRunner_RunOnce_sendErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantResent bool
		wantStage  iamsweep.Stage
	}{
		{"throttled: released, sent next run", fmt.Errorf("send: %w", iamsweep.ErrThrottled), true, ""},
		{"refused outright (MessageRejected): released, sent next run", fmt.Errorf("send: %w", iamsweep.ErrNotDelivered), true, ""},
		{"other error: possibly delivered, never resent", errors.New("connection reset"), false, iamsweep.StageNotice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv()
			e.scan = []iamsweep.Finding{finding("a1", "alice@example.com", day(-200), iamsweep.VerdictUnused)}
			e.sender.err = tt.err
			sum := e.run(t)
			if st := e.store.states[iamsweep.KeyOf(e.scan[0])]; st.Stage != tt.wantStage {
				t.Errorf("stage after the error = %q; want %q", st.Stage, tt.wantStage)
			}
			if tt.wantResent != (sum.NoticesFailed == 1) {
				t.Errorf("summary = %+v", sum)
			}
			e.sender.err = nil
			e.now = day(1)
			e.run(t)
			if got := len(e.sender.sent) == 1; got != tt.wantResent {
				t.Errorf("resent = %v; want %v", got, tt.wantResent)
			}
			if tt.wantResent && e.store.states[iamsweep.KeyOf(e.scan[0])].Stage != iamsweep.StageNotice {
				t.Errorf("stage after the resend = %q", e.store.states[iamsweep.KeyOf(e.scan[0])].Stage)
			}
		})
	}
}

func TestRunner_RunOnce_escalation(t *testing.T) {
	e := newEnv()
	f := finding("a1", "alice@example.com", day(-200), iamsweep.VerdictUnused)
	key := iamsweep.KeyOf(f)
	e.scan = []iamsweep.Finding{f}
	e.run(t)
	e.now = day(11)
	e.run(t)
	if got := e.sender.sent[len(e.sender.sent)-1].Items[0]; got.Stage != iamsweep.StageQuarantineWarning || !got.NextAt.Equal(day(14)) {
		t.Errorf("warning = %+v", got)
	}
	e.now = day(14)
	sum := e.run(t)
	if sum.Quarantined != 1 || len(e.remedy.applied) != 1 {
		t.Fatalf("summary = %+v, applied %v", sum, e.remedy.applied)
	}
	st := e.store.states[key]
	if st.Stage != iamsweep.StageQuarantined || !st.QuarantinedAt.Equal(day(14)) || st.PlanID == "" || st.Next != iamsweep.ActionDelete {
		t.Errorf("state after the quarantine = %+v", st)
	}
	if got := e.sender.sent[len(e.sender.sent)-1].Items[0]; got.Stage != iamsweep.StageQuarantined || !got.NextAt.Equal(day(44)) {
		t.Errorf("quarantined notice = %+v", got)
	}
	// The tripwire: used after the quarantine.
	e.now = day(20)
	e.scan = []iamsweep.Finding{finding("a1", "alice@example.com", day(19), iamsweep.VerdictUsed)}
	n := len(e.sender.sent)
	sum = e.run(t)
	if sum.Tripwires != 1 {
		t.Errorf("summary = %+v", sum)
	}
	var tos []string
	for _, s := range e.sender.sent[n:] {
		tos = append(tos, s.To.Address+" "+string(s.Items[0].Stage))
	}
	if diff := cmp.Diff([]string{"alice@example.com tripwire", "security@example.com tripwire"}, tos); diff != "" {
		t.Errorf("tripwire notices (-want +got):\n%s", diff)
	}
	if sec := e.sender.sent[len(e.sender.sent)-1]; sec.Fallback != "every tripwire alert goes to the security team too (email:alice@example.com is told as well)" {
		t.Errorf("the security team's tripwire notice says %q", sec.Fallback)
	}
	// Unused again long after: still stopped (quarantined, tripped), no deletion.
	e.now = day(60)
	e.scan = []iamsweep.Finding{finding("a1", "alice@example.com", day(19), iamsweep.VerdictUnused)}
	e.run(t)
	if len(e.remedy.applied) != 1 {
		t.Errorf("applied %v after the tripwire; want the quarantine only", e.remedy.applied)
	}
}

func TestRunner_RunOnce_dryRun(t *testing.T) {
	e := newEnv()
	e.runner.DryRun = true
	f := finding("a1", "alice@example.com", day(-200), iamsweep.VerdictUnused)
	e.scan = []iamsweep.Finding{f}
	// A warned principal due for quarantine.
	e.store.states[iamsweep.KeyOf(f)] = escalate.State{Key: iamsweep.KeyOf(f), ARN: f.ARN, AccountID: f.AccountID, Type: f.Type, Owner: "alice@example.com",
		Stage: iamsweep.StageQuarantineWarning, FirstNoticeAt: t0, Next: iamsweep.ActionQuarantine, NextAt: day(14)}
	before := e.store.states[iamsweep.KeyOf(f)]
	e.now = day(14)
	sum := e.run(t)
	want := []string{
		"would quarantine arn:aws:iam::111122223333:role/a1 (UnusedIAMRole)",
		"would send quarantined about arn:aws:iam::111122223333:role/a1 (UnusedIAMRole) to email:alice@example.com",
	}
	if diff := cmp.Diff(want, sum.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if len(e.sender.sent) != 0 || len(e.remedy.applied) != 0 || len(e.store.events) != 0 || len(e.store.claims) != 0 || e.store.states[iamsweep.KeyOf(f)] != before {
		t.Errorf("the dry run changed something: sent %v applied %v events %v claims %v", e.sender.sent, e.remedy.applied, e.store.events, e.store.claims)
	}
}

func TestRunner_RunOnce_refusedStepIsRetried(t *testing.T) {
	e := newEnv()
	e.remedy.status = remediate.StatusRefused
	f := finding("a1", "alice@example.com", day(-200), iamsweep.VerdictUnused)
	e.scan = []iamsweep.Finding{f}
	e.store.states[iamsweep.KeyOf(f)] = escalate.State{Key: iamsweep.KeyOf(f), ARN: f.ARN, AccountID: f.AccountID, Type: f.Type, Owner: "alice@example.com",
		Stage: iamsweep.StageQuarantineWarning, FirstNoticeAt: t0, Next: iamsweep.ActionQuarantine, NextAt: day(14)}
	e.now = day(14)
	sum := e.run(t)
	if sum.ActionsFailed != 1 || len(e.sender.sent) != 0 || e.store.states[iamsweep.KeyOf(f)].Stage != iamsweep.StageQuarantineWarning {
		t.Errorf("summary %+v, sent %v, state %+v", sum, e.sender.sent, e.store.states[iamsweep.KeyOf(f)])
	}
	e.remedy.status = ""
	e.now = day(15)
	if sum := e.run(t); sum.Quarantined != 1 {
		t.Errorf("second run: %+v", sum)
	}
	if e.remedy.applied[0] != e.remedy.applied[1] {
		t.Errorf("the retry used another plan: %v", e.remedy.applied)
	}
}

func TestRefusal(t *testing.T) {
	p := iamsweep.DefaultRemediationPolicy() // roles: quarantine
	refuse := Refusal(p)
	f := finding("a1", "alice@example.com", day(-200), iamsweep.VerdictUnused)
	if why := refuse(f, iamsweep.ActionQuarantine); why != "" {
		t.Errorf("quarantine refused: %s", why)
	}
	if why := refuse(f, iamsweep.ActionDelete); !strings.Contains(why, "does more than the remediation policy allows") {
		t.Errorf("delete under roles: quarantine = %q", why)
	}
	f.Tags = append(f.Tags, iamsweep.Tag{Key: "aws:cloudformation:stack-name", Value: "app"})
	if why := refuse(f, iamsweep.ActionQuarantine); !strings.Contains(why, "CloudFormation stack app") {
		t.Errorf("stack-owned role = %q", why)
	}
}

func TestRunner_RunOnce_deletionLimits(t *testing.T) {
	e := newEnv()
	e.runner.MaxDeletionsPerRun, e.runner.MaxDeletionsPerAccount = 3, 2
	var scan []iamsweep.Finding
	for i, acct := range []string{"111122223333", "111122223333", "111122223333", "444455556666", "444455556666"} {
		f := finding(fmt.Sprintf("r%d", i), "alice@example.com", day(-200), iamsweep.VerdictUnused)
		f.AccountID, f.ARN = acct, "arn:aws:iam::"+acct+":role/"+f.Name
		f.Tags = append(f.Tags, iamsweep.Tag{Key: "iamsweep:quarantined-at", Value: "2026-12-15T09:00:00Z"})
		scan = append(scan, f)
		e.store.states[iamsweep.KeyOf(f)] = escalate.State{Key: iamsweep.KeyOf(f), ARN: f.ARN, AccountID: f.AccountID, Type: f.Type, Round: 1,
			Stage: iamsweep.StageDeleteWarning, FirstNoticeAt: t0, QuarantinedAt: day(14), Next: iamsweep.ActionDelete, NextAt: day(44)}
	}
	e.scan = scan
	e.now = day(44)
	sum := e.run(t)
	// Two in the first account (its limit), one in the second (the run's).
	if sum.Deleted != 3 || sum.ActionsFailed != 2 || len(e.remedy.applied) != 3 {
		t.Errorf("summary %+v, applied %v", sum, e.remedy.applied)
	}
	e.now = day(45)
	if sum := e.run(t); sum.Deleted != 2 {
		t.Errorf("next run deleted %d; want the 2 left", sum.Deleted)
	}
}

func TestRunner_RunOnce_tripwireAlertRetried(t *testing.T) {
	e := newEnv()
	f := finding("a1", "alice@example.com", day(19), iamsweep.VerdictUsed)
	f.Tags = append(f.Tags, iamsweep.Tag{Key: "iamsweep:quarantined-at", Value: "x"})
	e.scan = []iamsweep.Finding{f}
	e.store.states[iamsweep.KeyOf(f)] = escalate.State{Key: iamsweep.KeyOf(f), ARN: f.ARN, AccountID: f.AccountID, Type: f.Type, Round: 1,
		Owner: "alice@example.com", Stage: iamsweep.StageQuarantined, FirstNoticeAt: t0, QuarantinedAt: day(14), LastUsedAtQuarantine: day(-200),
		Next: iamsweep.ActionDelete, NextAt: day(44)}
	e.now = day(20)
	e.sender.err = fmt.Errorf("send: %w", iamsweep.ErrThrottled)
	if sum := e.run(t); sum.Tripwires != 1 || sum.NoticesFailed != 2 {
		t.Fatalf("throttled tripwire run: %+v", sum)
	}
	e.sender.err = nil
	e.now = day(21)
	e.run(t)
	if len(e.sender.sent) != 2 || e.sender.sent[0].Items[0].Stage != iamsweep.StageTripwire {
		t.Fatalf("the alert was not sent again: %+v", e.sender.sent)
	}
	if st := e.store.states[iamsweep.KeyOf(f)]; st.Stage != iamsweep.StageTripwire || st.Next != "" {
		t.Errorf("state after the alert = %+v", st)
	}
	e.now = day(60)
	e.run(t)
	if len(e.sender.sent) != 2 || len(e.remedy.applied) != 0 {
		t.Errorf("after the alert: sent %d, applied %v", len(e.sender.sent), e.remedy.applied)
	}
}

// TestRunner_RunOnce_failedNoticeOfADoneStep: the notice of a step
// taken is queued with the step, whose state is stored at once. A
// quarantined notice that failed is offered again by the next runs until
// the journal holds its delivery; a deletion's is not (the principal is
// gone from the scan), and the run says so.
func TestRunner_RunOnce_failedNoticeOfADoneStep(t *testing.T) {
	e := newEnv()
	f := finding("a1", "alice@example.com", day(-200), iamsweep.VerdictUnused)
	e.scan = []iamsweep.Finding{f}
	e.run(t)
	e.now = day(11)
	e.run(t)
	e.now = day(14)
	e.sender.err = fmt.Errorf("send: %w", iamsweep.ErrNotDelivered)
	sum := e.run(t)
	if sum.Quarantined != 1 || sum.NoticesFailed != 1 || !strings.Contains(strings.Join(sum.Steps, "\n"), "failed (tried again next run)") {
		t.Fatalf("summary = %+v", sum)
	}
	// As IAM now shows it: quarantined.
	f.Tags = append(f.Tags, iamsweep.Tag{Key: "iamsweep:quarantined-at", Value: day(14).Format(time.RFC3339)})
	e.scan = []iamsweep.Finding{f}
	e.now = day(15) // failing again
	if sum := e.run(t); sum.NoticesFailed != 1 {
		t.Errorf("day 15: summary = %+v, want the quarantined notice tried again", sum)
	}
	e.sender.err = nil
	n := len(e.sender.sent)
	e.now = day(16)
	e.run(t)
	if got := e.sender.sent[n:]; len(got) != 1 || got[0].Items[0].Stage != iamsweep.StageQuarantined || !got[0].Items[0].NextAt.Equal(day(44)) {
		t.Fatalf("day 16: sent %+v, want the quarantined notice, deletion on day 44", got)
	}
	e.now = day(17)
	e.run(t)
	if len(e.sender.sent) != n+1 {
		t.Errorf("the quarantined notice went out again: %+v", e.sender.sent[n+1:])
	}

	// The deletion: its notice failed, and the principal is gone. The
	// next runs offer the deleted notice again until it goes out.
	e.now = day(41)
	e.run(t)
	e.now = day(44)
	e.sender.err = fmt.Errorf("send: %w", iamsweep.ErrNotDelivered)
	sum = e.run(t)
	if sum.Deleted != 1 || sum.NoticesFailed != 1 || !strings.Contains(strings.Join(sum.Steps, "\n"), "failed (tried again next run)") {
		t.Errorf("day 44: summary = %+v", sum)
	}
	e.scan = nil // as IAM now shows it: gone
	e.now = day(45)
	if sum := e.run(t); sum.NoticesFailed != 1 {
		t.Errorf("day 45: summary = %+v, want the deleted notice tried again", sum)
	}
	e.sender.err = nil
	n = len(e.sender.sent)
	e.now = day(46)
	e.run(t)
	got := e.sender.sent[n:]
	if len(got) != 1 || len(got[0].Items) != 1 || got[0].To.Address != "alice@example.com" {
		t.Fatalf("day 46: sent %+v, want the deleted notice to alice", got)
	}
	it := got[0].Items[0]
	if it.Stage != iamsweep.StageDeleted || it.Finding.ARN != f.ARN || it.Finding.Name != "a1" || iamsweep.KeyOf(it.Finding) != iamsweep.KeyOf(f) ||
		!strings.HasPrefix(it.Note, "Deleted on "+day(44).Format(time.DateOnly)+"; its backup is b-") || it.Links != (iamsweep.DecisionLinks{}) {
		t.Errorf("day 46: the item %+v", it)
	}
	e.now = day(47)
	e.run(t)
	if len(e.sender.sent) != n+1 {
		t.Errorf("the deleted notice went out again: %+v", e.sender.sent[n+1:])
	}
}
