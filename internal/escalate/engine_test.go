package escalate

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

var (
	t0   = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	days = func(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
	at   = func(n int) time.Time { return t0.Add(days(n)) }
)

const roleARN = "arn:aws:iam::111122223333:role/app/old"

func role(v iamsweep.Verdict, lastUsed time.Time) iamsweep.Finding {
	return iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: roleARN, Name: "old", Path: "/app/",
		Verdict: v, Reason: "no use in 90 days", LastUsed: iamsweep.Usage{Time: lastUsed}}
}

var roleKey = iamsweep.KeyOf(role(iamsweep.VerdictUnused, time.Time{}))

func policy() Policy {
	return Policy{
		Types: map[iamsweep.FindingType]Steps{
			iamsweep.TypeUnusedIAMRole: {Quarantine: iamsweep.ActionQuarantine, QuarantineAfter: days(14), Delete: iamsweep.ActionDelete, DeleteAfter: days(30)},
		},
		WarnBefore: days(3),
	}
}

func base() State {
	return State{Key: roleKey, ARN: roleARN, AccountID: "111122223333", Type: iamsweep.TypeUnusedIAMRole, Round: 1}
}

// with returns base() changed by fn.
func with(fn func(*State)) State {
	s := base()
	fn(&s)
	return s
}

// outcome is the part of an intent the tests compare.
type outcome struct {
	Action   iamsweep.ActionKind
	Stage    iamsweep.Stage // of the notice, "" when none
	NextAt   time.Time      // of the notice
	State    State
	Done     State
	Security bool
	Events   []Event
}

func summarize(its []Intent) *outcome {
	if len(its) == 0 {
		return nil
	}
	it := its[0]
	o := &outcome{Action: it.Action, State: it.State, Done: it.Done, Security: it.Security, Events: it.Events}
	if it.Notice != nil {
		o.Stage, o.NextAt = it.Notice.Stage, it.Notice.NextAt
	}
	return o
}

func TestDecide(t *testing.T) {
	unused := role(iamsweep.VerdictUnused, t0.Add(-days(200)))
	noticed := with(func(s *State) {
		s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = iamsweep.StageNotice, t0, iamsweep.ActionQuarantine, at(14)
	})
	warned := with(func(s *State) {
		s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = iamsweep.StageQuarantineWarning, t0, iamsweep.ActionQuarantine, at(14)
	})
	quarantined := with(func(s *State) {
		s.Stage, s.FirstNoticeAt, s.QuarantinedAt, s.LastUsedAtQuarantine = iamsweep.StageQuarantined, t0, at(14), t0.Add(-days(200))
		s.Next, s.NextAt = iamsweep.ActionDelete, at(44)
	})
	deleteWarned := quarantined
	deleteWarned.Stage = iamsweep.StageDeleteWarning
	keep := iamsweep.Exception{ID: "e1", Key: roleKey, ARN: roleARN, By: "alice@example.com", Reason: "disaster recovery", Created: at(5), Until: at(95)}
	tests := []struct {
		name       string
		now        time.Time
		finding    iamsweep.Finding
		state      *State
		exceptions []iamsweep.Exception
		decisions  []iamsweep.Decision
		policy     func(*Policy)
		want       *outcome
	}{
		{
			name: "used and never escalated: nothing", now: t0,
			finding: role(iamsweep.VerdictUsed, t0.Add(-days(1))),
		},
		{
			name: "unused, new: the first notice, quarantine in 14 days", now: t0, finding: unused,
			want: &outcome{
				Stage: iamsweep.StageNotice, NextAt: at(14),
				State: with(func(s *State) { s.FirstNoticeAt, s.Next, s.NextAt = t0, iamsweep.ActionQuarantine, at(14) }),
				Done: with(func(s *State) {
					s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = iamsweep.StageNotice, t0, iamsweep.ActionQuarantine, at(14)
				}),
			},
		},
		{
			name: "first notice not delivered: sent again", now: at(1), finding: unused,
			state: ptr(with(func(s *State) { s.FirstNoticeAt, s.Next, s.NextAt = t0, iamsweep.ActionQuarantine, at(14) })),
			want: &outcome{
				Stage: iamsweep.StageNotice, NextAt: at(14),
				State: with(func(s *State) { s.FirstNoticeAt, s.Next, s.NextAt = t0, iamsweep.ActionQuarantine, at(14) }),
				Done:  noticed,
			},
		},
		{
			name: "noticed, a second before the warning: nothing", now: at(11).Add(-time.Second), finding: unused, state: &noticed,
		},
		{
			name: "noticed, exactly warn-before ahead: the warning", now: at(11), finding: unused, state: &noticed,
			want: &outcome{Stage: iamsweep.StageQuarantineWarning, NextAt: at(14), State: noticed, Done: warned},
		},
		{
			name: "noticed, warning late: the step moves to give warn-before", now: at(20), finding: unused, state: &noticed,
			want: &outcome{Stage: iamsweep.StageQuarantineWarning, NextAt: at(23), State: noticed,
				Done: with(func(s *State) { *s = warned; s.NextAt = at(23) })},
		},
		{
			name: "warned, a second before the date: nothing", now: at(14).Add(-time.Second), finding: unused, state: &warned,
		},
		{
			name: "warned, on the date: quarantine, deletion in 30 days", now: at(14), finding: unused, state: &warned,
			want: &outcome{Action: iamsweep.ActionQuarantine, Stage: iamsweep.StageQuarantined, NextAt: at(44), State: warned, Done: quarantined},
		},
		{
			name: "quarantined, delete warning at warn-before", now: at(41), finding: unused, state: &quarantined,
			want: &outcome{Stage: iamsweep.StageDeleteWarning, NextAt: at(44), State: quarantined, Done: deleteWarned},
		},
		{
			name: "delete-warned, on the date and unused: delete", now: at(44), finding: unused, state: &deleteWarned,
			want: &outcome{Action: iamsweep.ActionDelete, Stage: iamsweep.StageDeleted, State: deleteWarned,
				Done: with(func(s *State) {
					*s = deleteWarned
					s.Stage, s.DeletedAt, s.Next, s.NextAt = iamsweep.StageDeleted, at(44), "", time.Time{}
				})},
		},
		{
			name: "used before the quarantine: stopped, with the date", now: at(5), finding: role(iamsweep.VerdictUsed, at(4)), state: &noticed,
			want: &outcome{
				State: with(func(s *State) {
					*s = noticed
					s.Stopped, s.Next, s.NextAt = "stopped: used on 2026-12-05", "", time.Time{}
				}),
				Done: with(func(s *State) {
					*s = noticed
					s.Stopped, s.Next, s.NextAt = "stopped: used on 2026-12-05", "", time.Time{}
				}),
				Events: []Event{{"scan", "stopped: used on 2026-12-05"}},
			},
		},
		{
			name: "stopped by use, unused again: a new cycle", now: at(200), finding: unused,
			state: ptr(with(func(s *State) {
				*s = noticed
				s.Stopped, s.Next, s.NextAt = "stopped: used on 2026-12-05", "", time.Time{}
			})),
			want: &outcome{
				Stage: iamsweep.StageNotice, NextAt: at(214),
				State: with(func(s *State) {
					s.Round, s.FirstNoticeAt, s.Next, s.NextAt = 2, at(200), iamsweep.ActionQuarantine, at(214)
				}),
				Done: with(func(s *State) {
					s.Round, s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = 2, iamsweep.StageNotice, at(200), iamsweep.ActionQuarantine, at(214)
				}),
			},
		},
		{
			name: "tripwire: used after the quarantine, owner and security team told, deletion stopped", now: at(20),
			finding: role(iamsweep.VerdictUsed, at(19)), state: &quarantined,
			want: func() *outcome {
				s := quarantined
				s.Next, s.NextAt = "", time.Time{}
				s.Stopped = "tripwire: used on 2026-12-20 while quarantined (since 2026-12-15)"
				d := s
				d.Stage = iamsweep.StageTripwire
				return &outcome{Stage: iamsweep.StageTripwire, State: s, Done: d, Security: true,
					Events: []Event{{"tripwire", "used on 2026-12-20 while quarantined (since 2026-12-15)"}}}
			}(),
		},
		{
			name: "tripwire with release configured", now: at(20), finding: role(iamsweep.VerdictUsed, at(19)), state: &quarantined,
			policy: func(p *Policy) { p.TripwireRelease = true },
			want: func() *outcome {
				s := quarantined
				s.Next, s.NextAt = "", time.Time{}
				s.Stopped = "tripwire: used on 2026-12-20 while quarantined (since 2026-12-15)"
				d := s
				d.Stage = iamsweep.StageTripwire
				d.QuarantinedAt, d.LastUsedAtQuarantine = time.Time{}, time.Time{}
				return &outcome{Action: ActionRelease, Stage: iamsweep.StageTripwire, State: s, Done: d, Security: true,
					Events: []Event{{"tripwire", "used on 2026-12-20 while quarantined (since 2026-12-15)"}}}
			}(),
		},
		{
			name: "quarantined, last use exactly at the quarantine: no tripwire", now: at(20),
			finding: role(iamsweep.VerdictUnused, at(14)), state: &quarantined,
		},
		{
			name: "tripwire alert not delivered: sent again", now: at(21), finding: role(iamsweep.VerdictUsed, at(19)),
			state: ptr(with(func(s *State) {
				*s = quarantined
				s.Stopped, s.Next, s.NextAt = "tripwire: used on 2026-12-20 while quarantined (since 2026-12-15)", "", time.Time{}
			})),
			want: func() *outcome {
				s := quarantined
				s.Stopped, s.Next, s.NextAt = "tripwire: used on 2026-12-20 while quarantined (since 2026-12-15)", "", time.Time{}
				d := s
				d.Stage = iamsweep.StageTripwire
				return &outcome{Stage: iamsweep.StageTripwire, State: s, Done: d, Security: true}
			}(),
		},
		{
			name: "tripped and still quarantined: stays stopped", now: at(60), finding: unused,
			state: ptr(with(func(s *State) {
				*s = quarantined
				s.Stage, s.Stopped, s.Next, s.NextAt = iamsweep.StageTripwire, "tripwire: x", "", time.Time{}
			})),
		},
		{
			name: "keep before the quarantine: stopped with the reason", now: at(6), finding: unused, state: &noticed,
			exceptions: []iamsweep.Exception{keep},
			want: func() *outcome {
				s := noticed
				s.Stopped, s.Next, s.NextAt = "kept by alice@example.com until 2027-03-06: disaster recovery", "", time.Time{}
				return &outcome{State: s, Done: s, Events: []Event{{"exception", s.Stopped}}}
			}(),
		},
		{
			name: "keep of a quarantined principal: released", now: at(20), finding: unused, state: &quarantined,
			exceptions: []iamsweep.Exception{keep},
			want: func() *outcome {
				s := quarantined
				s.Stopped, s.Next, s.NextAt = "kept by alice@example.com until 2027-03-06: disaster recovery", "", time.Time{}
				d := s
				d.QuarantinedAt, d.LastUsedAtQuarantine = time.Time{}, time.Time{}
				return &outcome{Action: ActionRelease, State: s, Done: d, Events: []Event{{"exception", s.Stopped}}}
			}(),
		},
		{
			name: "keep expired at exactly Until: the owner is asked again", now: at(95), finding: unused,
			state: ptr(with(func(s *State) {
				*s = noticed
				s.Stopped = "kept by alice@example.com until 2027-03-06: disaster recovery"
			})),
			exceptions: []iamsweep.Exception{keep},
			want: &outcome{
				Stage: iamsweep.StageExceptionExpired, NextAt: at(109),
				State: with(func(s *State) {
					s.Round, s.FirstNoticeAt, s.Next, s.NextAt = 2, at(95), iamsweep.ActionQuarantine, at(109)
				}),
				Done: with(func(s *State) {
					s.Round, s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = 2, iamsweep.StageExceptionExpired, at(95), iamsweep.ActionQuarantine, at(109)
				}),
				Events: []Event{{"exception", "the exception (kept by alice@example.com) expired on 2027-03-06: judged again"}},
			},
		},
		{
			name: "keep revoked, principal used since: stopped stays off, nothing sent", now: at(30),
			finding: role(iamsweep.VerdictUsed, at(29)),
			state: ptr(with(func(s *State) {
				*s = noticed
				s.Stopped = "kept by alice@example.com until 2027-03-06: disaster recovery"
			})),
			exceptions: []iamsweep.Exception{func() iamsweep.Exception { e := keep; e.Revoked = at(25); return e }()},
			want: &outcome{
				State: with(func(s *State) {
					*s = noticed
					s.Stopped, s.Next, s.NextAt = "stopped: used on 2026-12-30", "", time.Time{}
				}),
				Done: with(func(s *State) {
					*s = noticed
					s.Stopped, s.Next, s.NextAt = "stopped: used on 2026-12-30", "", time.Time{}
				}),
				Events: []Event{{"exception", "the exception (kept by alice@example.com) was revoked on 2026-12-26: judged again"}, {"scan", "stopped: used on 2026-12-30"}},
			},
		},
		{
			name: "snooze pushes the quarantine to its end, to be warned of again", now: at(13), finding: unused, state: &warned,
			decisions: []iamsweep.Decision{{Key: roleKey, Kind: iamsweep.DecisionSnooze, By: "alice@example.com", At: at(12), Until: at(30)}},
			want: func() *outcome {
				s := warned
				s.SnoozedUntil, s.NextAt, s.Stage = at(30), at(30), iamsweep.StageNotice
				return &outcome{State: s, Done: s, Events: []Event{{"decision", "next step delayed to 2026-12-31: snoozed by alice@example.com"}}}
			}(),
		},
		{
			name: "snoozed until exactly now: the step runs", now: at(30), finding: unused,
			state:     ptr(with(func(s *State) { *s = warned; s.SnoozedUntil, s.NextAt = at(30), at(30) })),
			decisions: []iamsweep.Decision{{Key: roleKey, Kind: iamsweep.DecisionSnooze, By: "alice@example.com", At: at(12), Until: at(30)}},
			want: func() *outcome {
				s := warned
				s.SnoozedUntil, s.NextAt = at(30), at(30)
				d := s
				d.Stage, d.QuarantinedAt, d.LastUsedAtQuarantine, d.Next, d.NextAt = iamsweep.StageQuarantined, at(30), t0.Add(-days(200)), iamsweep.ActionDelete, at(60)
				return &outcome{Action: iamsweep.ActionQuarantine, Stage: iamsweep.StageQuarantined, NextAt: at(60), State: s, Done: d}
			}(),
		},
		{
			name: "snooze from an earlier cycle does not count", now: at(11), finding: unused, state: &noticed,
			decisions: []iamsweep.Decision{{Key: roleKey, Kind: iamsweep.DecisionSnooze, By: "a", At: t0.Add(-time.Hour), Until: at(30)}},
			want:      &outcome{Stage: iamsweep.StageQuarantineWarning, NextAt: at(14), State: noticed, Done: warned},
		},
		{
			name: "remove requested: quarantine now, without a warning", now: at(2), finding: unused, state: &noticed,
			decisions: []iamsweep.Decision{{Key: roleKey, Kind: iamsweep.DecisionRemove, By: "alice@example.com", At: at(1)}},
			want: func() *outcome {
				d := noticed
				d.Stage, d.QuarantinedAt, d.LastUsedAtQuarantine, d.Next, d.NextAt = iamsweep.StageQuarantined, at(2), t0.Add(-days(200)), iamsweep.ActionDelete, at(32)
				return &outcome{Action: iamsweep.ActionQuarantine, Stage: iamsweep.StageQuarantined, NextAt: at(32), State: noticed, Done: d,
					Events: []Event{{"decision", "quarantine now: removal asked by alice@example.com"}}}
			}(),
		},
		{
			name: "notice-only type: a notice with nothing next", now: t0, policy: func(p *Policy) { p.Types = nil }, finding: unused,
			want: &outcome{Stage: iamsweep.StageNotice,
				State: with(func(s *State) { s.FirstNoticeAt = t0 }),
				Done:  with(func(s *State) { s.Stage, s.FirstNoticeAt = iamsweep.StageNotice, t0 })},
		},
		{
			name: "notice-only type noticed: nothing more", now: at(100), policy: func(p *Policy) { p.Types = nil }, finding: unused,
			state: ptr(with(func(s *State) { s.Stage, s.FirstNoticeAt = iamsweep.StageNotice, t0 })),
		},
		{
			name: "no quarantine step: the deletion is warned of and comes after both delays", now: t0, finding: unused,
			policy: func(p *Policy) {
				p.Types[iamsweep.TypeUnusedIAMRole] = Steps{Delete: iamsweep.ActionDelete, QuarantineAfter: days(14), DeleteAfter: days(30)}
			},
			want: &outcome{Stage: iamsweep.StageNotice, NextAt: at(44),
				State: with(func(s *State) { s.FirstNoticeAt, s.Next, s.NextAt = t0, iamsweep.ActionDelete, at(44) }),
				Done: with(func(s *State) {
					s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = iamsweep.StageNotice, t0, iamsweep.ActionDelete, at(44)
				})},
		},
		{
			name: "deleted and found again: restored, starts over with a notice", now: at(60), finding: unused,
			state: ptr(with(func(s *State) { *s = deleteWarned; s.Stage, s.DeletedAt = iamsweep.StageDeleted, at(44) })),
			want: &outcome{Stage: iamsweep.StageNotice, NextAt: at(74),
				State: with(func(s *State) {
					s.Round, s.FirstNoticeAt, s.Next, s.NextAt = 2, at(60), iamsweep.ActionQuarantine, at(74)
				}),
				Done: with(func(s *State) {
					s.Round, s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = 2, iamsweep.StageNotice, at(60), iamsweep.ActionQuarantine, at(74)
				}),
				Events: []Event{{"scan", "restored after its deletion on 2027-01-14: the escalation starts over"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy()
			if tt.policy != nil {
				tt.policy(&p)
			}
			in := Input{Now: tt.now, Findings: []iamsweep.Finding{tt.finding}, Exceptions: tt.exceptions, Decisions: tt.decisions, Policy: p}
			if tt.state != nil {
				in.States = []State{*tt.state}
			}
			got := summarize(Decide(in))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decide (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestDecide_leavesFindingsTheScanLacks(t *testing.T) {
	// An account that failed to scan holds no findings: its escalations
	// wait, they are not stopped or advanced.
	st := with(func(s *State) {
		s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = iamsweep.StageQuarantineWarning, t0, iamsweep.ActionQuarantine, at(14)
	})
	if got := Decide(Input{Now: at(30), States: []State{st}, Policy: policy()}); len(got) != 0 {
		t.Errorf("Decide = %+v; want nothing", got)
	}
}

func TestJournalStage(t *testing.T) {
	st := with(func(s *State) { s.Round = 2 })
	tests := []struct {
		stage    iamsweep.Stage
		security bool
		want     iamsweep.Stage
	}{
		{iamsweep.StageNotice, false, "notice"},
		{iamsweep.StageExceptionExpired, false, "notice"},
		{iamsweep.StageDeleteWarning, false, "delete-warning"},
		{iamsweep.StageTripwire, true, "tripwire-security"},
	}
	for _, tt := range tests {
		if got, round := JournalStage(st, tt.stage, tt.security); got != tt.want || round != 2 {
			t.Errorf("JournalStage(%s) = %s, %d; want %s, 2", tt.stage, got, round, tt.want)
		}
	}
}

func TestDecide_userKeepKeepsItsKeys(t *testing.T) {
	key := iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserAccessKey, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/bob",
		AccessKeyID: "AKIAEXAMPLE", Verdict: iamsweep.VerdictUnused}
	userKey := iamsweep.KeyOf(iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUser, AccountID: "111122223333", ARN: key.ARN})
	st := State{Key: iamsweep.KeyOf(key), ARN: key.ARN, AccountID: key.AccountID, Type: key.Type, Round: 1,
		Stage: iamsweep.StageNotice, FirstNoticeAt: t0, Next: iamsweep.ActionDeactivateKey, NextAt: at(14)}
	got := Decide(Input{Now: at(3), Findings: []iamsweep.Finding{key}, States: []State{st}, Policy: policy(),
		Exceptions: []iamsweep.Exception{{ID: "e", Key: userKey, By: "bob@example.com", Reason: "batch", Created: at(2), Until: at(60)}}})
	if len(got) != 1 || got[0].State.Stopped != "kept by bob@example.com until 2027-01-30: batch" {
		t.Errorf("Decide = %+v; want the key kept by its user's Keep", got)
	}
}

func TestDecide_keys(t *testing.T) {
	p := policy()
	p.Types[iamsweep.TypeUnusedIAMUserAccessKey] = Steps{Quarantine: iamsweep.ActionDeactivateKey, QuarantineAfter: days(14),
		Delete: iamsweep.ActionDeleteKey, DeleteAfter: days(30)}
	key := func(rule iamsweep.Rule, v iamsweep.Verdict) iamsweep.Finding {
		return iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserAccessKey, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/bob",
			AccessKeyID: "AKIAEXAMPLE", Verdict: v, Rule: rule}
	}
	f := key(iamsweep.RuleLastUsed, iamsweep.VerdictUnused)
	deactivated := State{Key: iamsweep.KeyOf(f), ARN: f.ARN, AccountID: f.AccountID, Type: f.Type, Round: 1, Stage: iamsweep.StageDeleteWarning,
		FirstNoticeAt: t0, QuarantinedAt: at(14), Next: iamsweep.ActionDeleteKey, NextAt: at(44)}
	// Deactivated by the escalation, the key is judged exempt (inactive):
	// it goes on to its deletion.
	got := Decide(Input{Now: at(44), Findings: []iamsweep.Finding{key(iamsweep.RuleInactiveKey, iamsweep.VerdictExempt)}, States: []State{deactivated}, Policy: p})
	if len(got) != 1 || got[0].Action != iamsweep.ActionDeleteKey {
		t.Errorf("deactivated key on its date: %+v; want delete-key", got)
	}
	// Active again (someone reactivated it): stopped, never deleted.
	got = Decide(Input{Now: at(44), Findings: []iamsweep.Finding{f}, States: []State{deactivated}, Policy: p})
	if len(got) != 1 || got[0].Action != "" || !strings.Contains(got[0].State.Stopped, "released outside the escalation") {
		t.Errorf("reactivated key: %+v; want stopped", got)
	}
}

func TestDecide_releasedOutside(t *testing.T) {
	quarantined := with(func(s *State) {
		s.Stage, s.FirstNoticeAt, s.QuarantinedAt = iamsweep.StageDeleteWarning, t0, at(14)
		s.Next, s.NextAt = iamsweep.ActionDelete, at(44)
	})
	tests := []struct {
		name     string
		tags     []iamsweep.Tag
		wantStop bool
	}{
		{"still tagged: deleted on its date", []iamsweep.Tag{{Key: "owner", Value: "a"}, {Key: "iamsweep:quarantined-at", Value: "x"}}, false},
		{"tags not read: deleted on its date", nil, false},
		{"tags read, no quarantine tag: released by someone, stopped", []iamsweep.Tag{{Key: "owner", Value: "a"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := role(iamsweep.VerdictUnused, t0.Add(-days(200)))
			f.Tags = tt.tags
			got := Decide(Input{Now: at(44), Findings: []iamsweep.Finding{f}, States: []State{quarantined}, Policy: policy()})
			if len(got) != 1 {
				t.Fatalf("Decide = %+v", got)
			}
			stopped := got[0].Action == "" && strings.HasPrefix(got[0].State.Stopped, "stopped: released outside the escalation")
			if stopped != tt.wantStop || (!tt.wantStop && got[0].Action != iamsweep.ActionDelete) {
				t.Errorf("Decide = action %q, stopped %q", got[0].Action, got[0].State.Stopped)
			}
		})
	}
}

func TestDecide_refused(t *testing.T) {
	refuse := func(kinds ...iamsweep.ActionKind) func(iamsweep.Finding, iamsweep.ActionKind) string {
		return func(_ iamsweep.Finding, k iamsweep.ActionKind) string {
			if slices.Contains(kinds, k) {
				return "owned by CloudFormation stack app"
			}
			return ""
		}
	}
	unused := role(iamsweep.VerdictUnused, t0.Add(-days(200)))
	// The first step refused: a notice that says so, nothing scheduled.
	got := Decide(Input{Now: t0, Findings: []iamsweep.Finding{unused}, Policy: policy(), Refuse: refuse(iamsweep.ActionQuarantine)})
	if len(got) != 1 || got[0].Notice == nil || got[0].Notice.Next != "" || got[0].Notice.Note != "iamsweep will not quarantine it: owned by CloudFormation stack app." {
		t.Errorf("refused quarantine: %+v", got)
	}
	// The deletion refused (remediation.roles: quarantine): quarantined,
	// and the notice says it stays so.
	warned := with(func(s *State) {
		s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = iamsweep.StageQuarantineWarning, t0, iamsweep.ActionQuarantine, at(14)
	})
	got = Decide(Input{Now: at(14), Findings: []iamsweep.Finding{unused}, States: []State{warned}, Policy: policy(), Refuse: refuse(iamsweep.ActionDelete)})
	if len(got) != 1 || got[0].Action != iamsweep.ActionQuarantine || got[0].Done.Next != "" ||
		got[0].Notice.Note != "It stays quarantined: iamsweep will not delete it (owned by CloudFormation stack app)." {
		t.Errorf("refused deletion: %+v", got)
	}
	// Refused when due (the policy changed since): stopped, with the reason.
	got = Decide(Input{Now: at(14), Findings: []iamsweep.Finding{unused}, States: []State{warned}, Policy: policy(), Refuse: refuse(iamsweep.ActionQuarantine)})
	if len(got) != 1 || got[0].Action != "" || got[0].State.Stopped != "stopped: quarantine refused: owned by CloudFormation stack app" {
		t.Errorf("refused when due: %+v", got)
	}
}

func TestDecide_latestDecisionHolds(t *testing.T) {
	unused := role(iamsweep.VerdictUnused, t0.Add(-days(200)))
	warned := with(func(s *State) {
		s.Stage, s.FirstNoticeAt, s.Next, s.NextAt, s.SnoozedUntil = iamsweep.StageQuarantineWarning, t0, iamsweep.ActionQuarantine, at(30), at(30)
	})
	snooze := iamsweep.Decision{Key: roleKey, Kind: iamsweep.DecisionSnooze, By: "alice@example.com", At: at(12), Until: at(30)}
	remove := iamsweep.Decision{Key: roleKey, Kind: iamsweep.DecisionRemove, By: "bob@example.com", At: at(13)}
	// A Remove after a Snooze: quarantined now.
	got := Decide(Input{Now: at(14), Findings: []iamsweep.Finding{unused}, States: []State{warned}, Decisions: []iamsweep.Decision{snooze, remove}, Policy: policy()})
	if len(got) != 1 || got[0].Action != iamsweep.ActionQuarantine || !got[0].Done.SnoozedUntil.IsZero() {
		t.Errorf("remove after snooze: %+v", got)
	}
	// A Snooze after a Remove: still snoozed.
	remove.At, snooze.At = at(12), at(13)
	got = Decide(Input{Now: at(14), Findings: []iamsweep.Finding{unused}, States: []State{warned}, Decisions: []iamsweep.Decision{snooze, remove}, Policy: policy()})
	if len(got) != 0 {
		t.Errorf("snooze after remove: %+v; want nothing before day 30", got)
	}
	// A Snooze serve wrote into the state already (SnoozedUntil set,
	// NextAt not): the step moves, once.
	served := with(func(s *State) {
		s.Stage, s.FirstNoticeAt, s.Next, s.NextAt, s.SnoozedUntil = iamsweep.StageQuarantineWarning, t0, iamsweep.ActionQuarantine, at(14), at(30)
	})
	got = Decide(Input{Now: at(13), Findings: []iamsweep.Finding{unused}, States: []State{served}, Decisions: []iamsweep.Decision{snooze}, Policy: policy()})
	if len(got) != 1 || !got[0].State.NextAt.Equal(at(30)) || len(got[0].Events) != 1 {
		t.Errorf("snooze written by serve: %+v", got)
	}
	// A Remove of an access key deactivates it, whatever Next says.
	p := policy()
	p.Types[iamsweep.TypeUnusedIAMUserAccessKey] = Steps{Quarantine: iamsweep.ActionDeactivateKey, QuarantineAfter: days(14)}
	key := iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserAccessKey, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/bob",
		AccessKeyID: "AKIAEXAMPLE", Verdict: iamsweep.VerdictUnused}
	st := State{Key: iamsweep.KeyOf(key), ARN: key.ARN, AccountID: key.AccountID, Type: key.Type, Round: 1, Stage: iamsweep.StageNotice,
		FirstNoticeAt: t0, Next: iamsweep.ActionQuarantine, NextAt: at(2)}
	rm := iamsweep.Decision{Key: st.Key, Kind: iamsweep.DecisionRemove, By: "bob@example.com", At: at(2)}
	got = Decide(Input{Now: at(2), Findings: []iamsweep.Finding{key}, States: []State{st}, Decisions: []iamsweep.Decision{rm}, Policy: p})
	if len(got) != 1 || got[0].Action != iamsweep.ActionDeactivateKey {
		t.Errorf("remove of a key: %+v", got)
	}
}

// TestDecide_snoozeAfterAWarningWarnsAgain: a Snooze that moves a step
// its owner was already warned of gets a new warning before the new
// date (the page and the docs promise "you will be told before each
// step"), journaled apart from the first warning so that the journal
// does not take it for a resend.
func TestDecide_snoozeAfterAWarningWarnsAgain(t *testing.T) {
	unused := role(iamsweep.VerdictUnused, t0.Add(-days(200)))
	for _, tt := range []struct {
		name    string
		warned  State
		stage   iamsweep.Stage // of the warning
		action  iamsweep.ActionKind
		restage iamsweep.Stage // after the snooze
	}{
		{"quarantine", with(func(s *State) {
			s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = iamsweep.StageQuarantineWarning, t0, iamsweep.ActionQuarantine, at(14)
		}), iamsweep.StageQuarantineWarning, iamsweep.ActionQuarantine, iamsweep.StageNotice},
		{"deletion", with(func(s *State) {
			s.Stage, s.FirstNoticeAt, s.QuarantinedAt, s.LastUsedAtQuarantine = iamsweep.StageDeleteWarning, t0, at(1), t0.Add(-days(200))
			s.Next, s.NextAt = iamsweep.ActionDelete, at(14)
		}), iamsweep.StageDeleteWarning, iamsweep.ActionDelete, iamsweep.StageQuarantined},
	} {
		t.Run(tt.name, func(t *testing.T) {
			snooze := iamsweep.Decision{Key: roleKey, Kind: iamsweep.DecisionSnooze, By: "alice@example.com", At: at(12), Until: at(30)}
			in := Input{Findings: []iamsweep.Finding{unused}, Decisions: []iamsweep.Decision{snooze}, Policy: policy()}
			first, _ := JournalStage(tt.warned, tt.stage, false)

			in.Now, in.States = at(12), []State{tt.warned}
			got := Decide(in)
			if len(got) != 1 || got[0].Notice != nil || got[0].Action != "" || !got[0].State.NextAt.Equal(at(30)) || got[0].State.Stage != tt.restage {
				t.Fatalf("day 12, snoozed to day 30: %+v", got)
			}
			st := got[0].Done

			in.Now, in.States = at(27), []State{st}
			if got := Decide(in); len(got) != 0 {
				t.Fatalf("day 27, snoozed: %+v, want nothing", got)
			}
			// The snooze ends: the warning, warn-before ahead of the step.
			in.Now = at(30)
			got = Decide(in)
			if len(got) != 1 || got[0].Notice == nil || got[0].Notice.Stage != tt.stage || !got[0].Notice.NextAt.Equal(at(33)) || got[0].Action != "" {
				t.Fatalf("day 30: %+v, want a new %s for day 33", got, tt.stage)
			}
			if again, _ := JournalStage(got[0].State, tt.stage, false); again == first {
				t.Errorf("the new warning is journaled as %q, as the first one: the journal would not send it", again)
			}
			in.Now, in.States = at(33), []State{got[0].Done}
			got = Decide(in)
			if len(got) != 1 || got[0].Action != tt.action {
				t.Errorf("day 33: %+v, want %s", got, tt.action)
			}
		})
	}
}

func TestRedeliver(t *testing.T) {
	unused := role(iamsweep.VerdictUnused, t0.Add(-days(200)))
	quarantined := with(func(s *State) {
		s.Stage, s.FirstNoticeAt, s.QuarantinedAt, s.Next, s.NextAt = iamsweep.StageQuarantined, t0, at(14), iamsweep.ActionDelete, at(44)
	})
	if it := Redeliver(unused, quarantined, policy(), nil); it == nil || it.Stage != iamsweep.StageQuarantined || it.Next != iamsweep.ActionDelete ||
		!it.NextAt.Equal(at(44)) || it.Note != "" {
		t.Errorf("quarantined: %+v", it)
	}
	// No deletion, as the policy refuses it: the notice says so again.
	stays := quarantined
	stays.Next, stays.NextAt = "", time.Time{}
	refuse := func(iamsweep.Finding, iamsweep.ActionKind) string { return "remediation.roles: quarantine" }
	if it := Redeliver(unused, stays, policy(), refuse); it == nil || !strings.Contains(it.Note, "It stays quarantined: iamsweep will not delete it (remediation.roles: quarantine)") {
		t.Errorf("quarantined for good: %+v", it)
	}
	for name, st := range map[string]State{
		"delete warned": with(func(s *State) { *s = quarantined; s.Stage = iamsweep.StageDeleteWarning }),
		"kept":          with(func(s *State) { *s = quarantined; s.Stopped = "kept by a until 2027-01-01: x" }),
		"tripwire":      with(func(s *State) { *s = quarantined; s.Stopped = "tripwire: used on 2026-12-20" }),
		"deleted":       with(func(s *State) { *s = quarantined; s.DeletedAt = at(44) }),
		"noticed":       with(func(s *State) { s.Stage, s.FirstNoticeAt = iamsweep.StageNotice, t0 }),
	} {
		if it := Redeliver(unused, st, policy(), nil); it != nil {
			t.Errorf("%s: %+v, want nothing", name, it)
		}
	}
}

func TestRedeliverDeleted(t *testing.T) {
	key := iamsweep.FindingKey("111122223333 UnusedIAMUserAccessKey arn:aws:iam::111122223333:user/ops/bob AKIAEXAMPLEKEY123456")
	deleted := State{Key: key, ARN: "arn:aws:iam::111122223333:user/ops/bob", AccountID: "111122223333", Owner: "alice@example.com",
		Type: iamsweep.TypeUnusedIAMUserAccessKey, Stage: iamsweep.StageDeleted, QuarantinedAt: at(14), DeletedAt: at(44),
		LastUsedAtQuarantine: t0.Add(-days(200)), BackupID: "b-1"}
	f, it := RedeliverDeleted(deleted, "team-owner")
	if it == nil || it.Stage != iamsweep.StageDeleted || it.Note != "Deleted on "+day(at(44))+"; its backup is b-1 (iamsweep restore b-1)." {
		t.Fatalf("deleted: %+v", it)
	}
	if iamsweep.KeyOf(f) != key || f.Name != "bob" || f.AccessKeyID != "AKIAEXAMPLEKEY123456" || f.Owner([]string{"team-owner"}) != "alice@example.com" ||
		!f.LastUsed.Time.Equal(t0.Add(-days(200))) || it.Finding.ARN != f.ARN {
		t.Errorf("the finding rebuilt: %+v", f)
	}
	for name, st := range map[string]State{
		"quarantined": func() State { s := deleted; s.Stage, s.DeletedAt = iamsweep.StageQuarantined, time.Time{}; return s }(),
		"no date":     func() State { s := deleted; s.DeletedAt = time.Time{}; return s }(),
		"another key": func() State {
			s := deleted
			s.Key = "111122223333 UnusedIAMRole arn:aws:iam::111122223333:role/x"
			return s
		}(),
	} {
		if _, it := RedeliverDeleted(st, "owner"); it != nil {
			t.Errorf("%s: %+v, want nothing", name, it)
		}
	}
}
