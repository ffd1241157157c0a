package store

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

// The journal steps of the tests.
var (
	backupStep   = iamsweep.JournalStep{Kind: iamsweep.JournalBackup, BackupID: "b1"}
	deletePolicy = iamsweep.JournalStep{Kind: iamsweep.JournalCall, Op: iamsweep.OpDeleteRolePolicy, Subject: "s3-read"}
	deleteRole   = iamsweep.JournalStep{Kind: iamsweep.JournalCall, Op: iamsweep.OpDeleteRole, Subject: "reports"}
	completeStep = iamsweep.JournalStep{Kind: iamsweep.JournalComplete, PrincipalID: "AROANEWNEWNEWNEWNEW01"}
)

func TestStore_Journal(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	begin := func(plan, action string, step iamsweep.JournalStep, at time.Time) int64 {
		t.Helper()
		id, err := s.BeginStep(ctx, plan, action, step, at)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	finish := func(id int64, outcome iamsweep.StepOutcome, detail string, at time.Time) {
		t.Helper()
		if err := s.FinishStep(ctx, id, outcome, detail, at); err != nil {
			t.Fatal(err)
		}
	}
	// Two actions interleaved, as with concurrent applies; one step in
	// another plan.
	b := begin("p1", "a001", backupStep, t0)
	o := begin("p1", "a002", backupStep, t0)
	finish(b, iamsweep.OutcomeDone, "", t0.Add(time.Millisecond))
	d := begin("p1", "a001", deletePolicy, t0.Add(time.Second).In(east))
	begin("p2", "a001", backupStep, t0)
	finish(o, iamsweep.OutcomeFailed, "AccessDenied", t0.Add(2*time.Second))
	finish(d, iamsweep.OutcomeUnknown, "timed out", t0.Add(3*time.Second))
	r := begin("p1", "a001", deleteRole, t0.Add(4*time.Second)) // never finished: the process died
	c := begin("p1", "a003", completeStep, t0)
	finish(c, iamsweep.OutcomeSkipped, "", t0)

	tests := []struct {
		plan, action string
		want         []iamsweep.JournalEntry
	}{
		{"p1", "a001", []iamsweep.JournalEntry{
			{ID: b, PlanID: "p1", ActionID: "a001", Step: backupStep, Started: t0, Finished: t0.Add(time.Millisecond), Outcome: iamsweep.OutcomeDone},
			{ID: d, PlanID: "p1", ActionID: "a001", Step: deletePolicy, Started: t0.Add(time.Second), Finished: t0.Add(3 * time.Second), Outcome: iamsweep.OutcomeUnknown, Detail: "timed out"},
			{ID: r, PlanID: "p1", ActionID: "a001", Step: deleteRole, Started: t0.Add(4 * time.Second)},
		}},
		{"p1", "a002", []iamsweep.JournalEntry{
			{ID: o, PlanID: "p1", ActionID: "a002", Step: backupStep, Started: t0, Finished: t0.Add(2 * time.Second), Outcome: iamsweep.OutcomeFailed, Detail: "AccessDenied"},
		}},
		{"p1", "a003", []iamsweep.JournalEntry{
			{ID: c, PlanID: "p1", ActionID: "a003", Step: completeStep, Started: t0, Finished: t0, Outcome: iamsweep.OutcomeSkipped},
		}},
		{"p1", "a004", nil},
	}
	for _, tt := range tests {
		t.Run(tt.plan+"/"+tt.action, func(t *testing.T) {
			got, err := s.Journal(ctx, tt.plan, tt.action)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Journal (-want +got):\n%s", diff)
			}
			for _, e := range got {
				if e.Outcome == iamsweep.OutcomePending && !e.Finished.IsZero() {
					t.Errorf("entry %d has no outcome but finished at %s", e.ID, e.Finished)
				}
			}
		})
	}
}

// TestStore_Journal_legacy: entries written by builds whose journal was
// text (schema version 2: the step in words, the backup ID and the unique
// ID a restore left in the detail) read as typed steps.
func TestStore_Journal_legacy(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	rows := []struct{ step, outcome, detail string }{
		{"backup", "done", "b-p1-a001"},
		{"DeleteRolePolicy s3-read", "done", "already gone"},
		{"DetachRolePolicy arn:aws:iam::aws:policy/ReadOnlyAccess", "unknown", "send request: EOF"},
		{"TagRole iamsweep:quarantined-at,iamsweep:quarantine-policy", "failed", "LimitExceeded"},
		{"CreateRole reports", "", ""},
		{"complete", "done", "unique-id=AROANEWNEWNEWNEWNEW01"},
		{"complete", "done", "nothing to change: it is already in the planned state"},
	}
	started, err := timeArg(t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		var finished any
		if r.outcome != "" {
			finished = started
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO journal (plan_id, action_id, step, started, finished, outcome, detail)
			VALUES ('p1', 'a001', ?, ?, ?, ?, ?)`, r.step, started, finished, r.outcome, r.detail); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Journal(ctx, "p1", "a001")
	if err != nil {
		t.Fatal(err)
	}
	call := func(op iamsweep.Op, subject string) iamsweep.JournalStep {
		return iamsweep.JournalStep{Kind: iamsweep.JournalCall, Op: op, Subject: subject}
	}
	want := []iamsweep.JournalEntry{
		{Step: iamsweep.JournalStep{Kind: iamsweep.JournalBackup, BackupID: "b-p1-a001"}, Outcome: iamsweep.OutcomeDone},
		{Step: call(iamsweep.OpDeleteRolePolicy, "s3-read"), Outcome: iamsweep.OutcomeDone, Detail: "already gone"},
		{Step: call(iamsweep.OpDetachRolePolicy, "arn:aws:iam::aws:policy/ReadOnlyAccess"), Outcome: iamsweep.OutcomeUnknown, Detail: "send request: EOF"},
		{Step: call(iamsweep.OpTagRole, "iamsweep:quarantined-at,iamsweep:quarantine-policy"), Outcome: iamsweep.OutcomeFailed, Detail: "LimitExceeded"},
		{Step: call(iamsweep.OpCreateRole, "reports")},
		{Step: iamsweep.JournalStep{Kind: iamsweep.JournalComplete, PrincipalID: "AROANEWNEWNEWNEWNEW01"}, Outcome: iamsweep.OutcomeDone},
		{Step: iamsweep.JournalStep{Kind: iamsweep.JournalComplete}, Outcome: iamsweep.OutcomeDone, Detail: "nothing to change: it is already in the planned state"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g := got[i]
		if diff := cmp.Diff(want[i], iamsweep.JournalEntry{Step: g.Step, Outcome: g.Outcome, Detail: g.Detail}); diff != "" {
			t.Errorf("entry %d %q (-want +got):\n%s", i+1, rows[i].step, diff)
		}
	}
}

func TestStore_FinishStep_errors(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	id, err := s.BeginStep(ctx, "p1", "a001", backupStep, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishStep(ctx, id, iamsweep.OutcomeDone, "first", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}

	if err := s.FinishStep(ctx, id, iamsweep.OutcomeFailed, "second", t0.Add(2*time.Second)); err == nil {
		t.Error("finishing an entry twice succeeded")
	}
	if err := s.FinishStep(ctx, id+100, iamsweep.OutcomeDone, "", t0); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("finishing an unknown entry: %v, want ErrNotFound", err)
	}
	other, err := s.BeginStep(ctx, "p1", "a001", deletePolicy, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, outcome := range []iamsweep.StepOutcome{iamsweep.OutcomePending, "ok", "DONE"} {
		if err := s.FinishStep(ctx, other, outcome, "", t0); err == nil {
			t.Errorf("FinishStep with outcome %q succeeded", outcome)
		}
	}
	if err := s.FinishStep(ctx, other, iamsweep.OutcomeDone, "", time.Time{}); err == nil {
		t.Error("FinishStep without a time succeeded")
	}
	for _, bad := range []iamsweep.JournalStep{{}, {Kind: "check"}, {Kind: iamsweep.JournalCall}} {
		if _, err := s.BeginStep(ctx, "p1", "a001", bad, t0); err == nil {
			t.Errorf("BeginStep(%+v) succeeded", bad)
		}
	}
	if _, err := s.BeginStep(ctx, "p1", "a001", deletePolicy, time.Time{}); err == nil {
		t.Error("BeginStep without a time succeeded")
	}

	got, err := s.Journal(ctx, "p1", "a001")
	if err != nil {
		t.Fatal(err)
	}
	want := []iamsweep.JournalEntry{
		{ID: id, PlanID: "p1", ActionID: "a001", Step: backupStep, Started: t0, Finished: t0.Add(time.Second), Outcome: iamsweep.OutcomeDone, Detail: "first"},
		{ID: other, PlanID: "p1", ActionID: "a001", Step: deletePolicy, Started: t0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Journal after the refused calls (-want +got):\n%s", diff)
	}
}
