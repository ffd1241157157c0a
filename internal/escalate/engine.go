package escalate

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// State is one finding's escalation, as the store keeps it (field for
// field store.EscalationState, so that each converts to the other).
type State struct {
	Key       iamsweep.FindingKey
	ARN       string
	AccountID string
	// Owner is the owner the principal's tags name ("" when none).
	Owner string
	Type  iamsweep.FindingType
	// Stage is the last stage notified (or acted on).
	Stage iamsweep.Stage
	// Round counts the escalation's cycles: a new one starts with each
	// first notice (after a use, an expired Keep, a restore). Notices are
	// journaled once per stage and round.
	Round                                   int
	FirstNoticeAt, QuarantinedAt, DeletedAt time.Time
	SnoozedUntil                            time.Time
	// Next is the step due at NextAt; "" and zero when none is.
	NextAt time.Time
	Next   iamsweep.ActionKind
	// PlanID and BackupID name the plan and backup of the last step.
	PlanID, BackupID string
	// LastUsedAtQuarantine is the last use when it was quarantined.
	LastUsedAtQuarantine time.Time
	// Stopped, when not "", says why the escalation stopped.
	Stopped string
	Updated time.Time
}

// Steps are the escalation steps of one finding type.
type Steps struct {
	// Quarantine is the reversible first step (quarantine,
	// deactivate-key), "" for none; it comes QuarantineAfter the first
	// notice.
	Quarantine      iamsweep.ActionKind
	QuarantineAfter time.Duration
	// Delete is the deletion (delete, delete-key), "" for none; it comes
	// DeleteAfter the quarantine (or after the first notice, when there is
	// no quarantine step).
	Delete      iamsweep.ActionKind
	DeleteAfter time.Duration
}

// Policy is the escalation policy.
type Policy struct {
	// Types holds the steps of each finding type; a type without steps
	// gets notices only.
	Types map[iamsweep.FindingType]Steps
	// WarnBefore is how long before each step its warning goes out at the
	// least: a step whose warning went out late is put back to give the
	// owner that long.
	WarnBefore time.Duration
	// TripwireRelease releases the quarantine of a principal found used
	// while quarantined.
	TripwireRelease bool
}

// ActionRelease is the intent to lift a quarantine (not a remediation of
// a plan: remediate.Service.Release).
const ActionRelease iamsweep.ActionKind = "release"

// Event is a line of a principal's history the run records.
type Event struct {
	// Kind is one of decision, notice, action, tripwire, exception, scan.
	Kind string
	Text string
}

// Intent is what a run is to do about one finding.
type Intent struct {
	Finding iamsweep.Finding
	// State is the state to store now, whatever happens next.
	State State
	// Action, when not "", is the remediation to run now: quarantine,
	// deactivate-key, delete, delete-key, or ActionRelease.
	Action iamsweep.ActionKind
	// Notice, when not nil, is the item to send (after Action, when there
	// is one, and only when it succeeded, but for a tripwire's notice,
	// which goes out whatever the release did).
	Notice *iamsweep.NoticeItem
	// Done is the state to store once Action succeeded, or, without an
	// action, once Notice was delivered (or may have been).
	Done State
	// Security is true when the security team gets the notice as well as
	// the owner (a tripwire).
	Security bool
	// Events are the history lines of what was decided.
	Events []Event
}

// Changed reports whether the intent asks for anything: a state change,
// an action or a notice.
func (in Intent) Changed(before State) bool {
	return in.Action != "" || in.Notice != nil || in.State != before
}

// Input is what Decide decides on.
type Input struct {
	Now time.Time
	// Findings are the latest scan's findings, every verdict: a used one
	// stops its escalation. A finding the scan does not hold (its account
	// failed, or it is gone) is left alone.
	Findings []iamsweep.Finding
	// States are the stored escalation states.
	States []State
	// Exceptions are the exceptions of the findings, active or not (an
	// expired one starts its finding over).
	Exceptions []iamsweep.Exception
	// Decisions are the recorded decisions (snoozes and removals count
	// here; a Keep works through its exception).
	Decisions []iamsweep.Decision
	Policy    Policy
	// Refuse, when not nil, returns why a step of kind may not run on
	// finding f ("" when it may): the remediation guardrails and policy.
	// A refused step is not scheduled, and the notice says why.
	Refuse func(f iamsweep.Finding, kind iamsweep.ActionKind) string
}

// Prefixes of State.Stopped, saying why an escalation stopped.
const (
	stoppedKept     = "kept by "
	stoppedUsed     = "stopped: "
	stoppedTripwire = "tripwire: "
	restoredPrefix  = "restored"
)

// Decide returns the intents of one run, one per finding that needs
// anything, in the findings' order.
func Decide(in Input) []Intent {
	states := map[iamsweep.FindingKey]State{}
	for _, s := range in.States {
		states[s.Key] = s
	}
	exceptions := map[iamsweep.FindingKey][]iamsweep.Exception{}
	for _, e := range in.Exceptions {
		exceptions[e.Key] = append(exceptions[e.Key], e)
	}
	decisions := map[iamsweep.FindingKey][]iamsweep.Decision{}
	for _, d := range in.Decisions {
		decisions[d.Key] = append(decisions[d.Key], d)
	}
	var out []Intent
	for _, f := range in.Findings {
		key := iamsweep.KeyOf(f)
		before := states[key]
		ex := exceptions[key]
		if f.Type == iamsweep.TypeUnusedIAMUserPassword || f.Type == iamsweep.TypeUnusedIAMUserAccessKey {
			// A Keep of a user keeps its password and keys (as the scan
			// judges them).
			user := iamsweep.KeyOf(iamsweep.Finding{AccountID: f.AccountID, Type: iamsweep.TypeUnusedIAMUser, ARN: f.ARN})
			ex = append(slices.Clone(ex), exceptions[user]...)
		}
		d := decider{now: in.Now.UTC(), f: f, p: in.Policy, steps: in.Policy.Types[f.Type], exceptions: ex, decisions: decisions[key], refuse: in.Refuse}
		it := d.decide(before)
		if it.Changed(before) {
			out = append(out, it)
		}
	}
	return out
}

type decider struct {
	now        time.Time
	f          iamsweep.Finding
	p          Policy
	steps      Steps
	exceptions []iamsweep.Exception
	decisions  []iamsweep.Decision
	refuse     func(iamsweep.Finding, iamsweep.ActionKind) string
}

// refused returns why a step of kind may not run, or "".
func (d *decider) refused(kind iamsweep.ActionKind) string {
	if kind == "" || d.refuse == nil {
		return ""
	}
	return d.refuse(d.f, kind)
}

// unused reports whether the finding is unused for the escalation: an
// access key the escalation deactivated is judged exempt (inactive key),
// and goes on to its deletion.
func (d *decider) unused(quarantined bool) bool {
	return d.f.Unused() || quarantined && d.f.Rule == iamsweep.RuleInactiveKey
}

// quarantineTag is the tag every quarantine of a role or user carries
// (remediate.TagQuarantinedAt).
const quarantineTag = "iamsweep:quarantined-at"

// releasedOutside reports whether a principal the escalation quarantined
// is no longer quarantined in IAM (someone ran iamsweep release, or
// reactivated the key), as far as the scan tells: a role or user whose
// tags were read and hold no quarantine tag, a key that is active again.
func (d *decider) releasedOutside() bool {
	f := d.f
	switch f.Type {
	case iamsweep.TypeUnusedIAMUserAccessKey:
		return f.Rule != iamsweep.RuleInactiveKey
	case iamsweep.TypeUnusedIAMRole, iamsweep.TypeUnusedIAMUser:
		if len(f.Tags) == 0 {
			return false // tags not read: unknown
		}
		for _, t := range f.Tags {
			if t.Key == quarantineTag {
				return false
			}
		}
		return true
	}
	return false
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func (d *decider) decide(st State) Intent {
	f := d.f
	if st.Key == "" {
		if !f.Unused() {
			return Intent{} // nothing to escalate, nothing to stop
		}
		st = State{Key: iamsweep.KeyOf(f), Type: f.Type}
	}
	st.ARN, st.AccountID = f.ARN, f.AccountID
	it := Intent{Finding: f}
	finish := func() Intent {
		if it.Done == (State{}) {
			it.Done = it.State
		}
		return it
	}
	event := func(kind, format string, args ...any) {
		it.Events = append(it.Events, Event{Kind: kind, Text: fmt.Sprintf(format, args...)})
	}

	// A deleted principal the scan finds again was restored: it starts
	// over.
	if !st.DeletedAt.IsZero() {
		event("scan", "restored after its deletion on %s: the escalation starts over", day(st.DeletedAt))
		st = State{Key: st.Key, ARN: st.ARN, AccountID: st.AccountID, Owner: st.Owner, Type: st.Type, Round: st.Round, Stopped: restoredPrefix + " on " + day(d.now)}
	}

	quarantined := !st.QuarantinedAt.IsZero()
	// The tripwire: a quarantined principal used after its quarantine.
	if quarantined && !strings.HasPrefix(st.Stopped, stoppedTripwire) {
		since := st.QuarantinedAt
		if st.LastUsedAtQuarantine.After(since) {
			since = st.LastUsedAtQuarantine
		}
		if used := f.LastUsed.Time; used.After(since) {
			// Stage becomes tripwire once the alert is delivered (Done):
			// until then each run sends it again.
			st.Next, st.NextAt = "", time.Time{}
			st.Stopped = fmt.Sprintf("%sused on %s while quarantined (since %s)", stoppedTripwire, day(used), day(st.QuarantinedAt))
			note := fmt.Sprintf("Used on %s, after its quarantine on %s: its deletion is stopped.", day(used), day(st.QuarantinedAt))
			if d.p.TripwireRelease {
				it.Action = ActionRelease
				note += " Its quarantine is being released."
			} else {
				note += " It stays quarantined: if it is needed, keep it (a Keep releases the quarantine)."
			}
			event("tripwire", "%s", strings.TrimPrefix(st.Stopped, stoppedTripwire))
			it.State = st
			it.Done = st
			it.Done.Stage = iamsweep.StageTripwire
			if d.p.TripwireRelease {
				it.Done.QuarantinedAt, it.Done.LastUsedAtQuarantine = time.Time{}, time.Time{}
			}
			it.Notice = &iamsweep.NoticeItem{Finding: f, Stage: iamsweep.StageTripwire, Note: note}
			it.Security = true
			return finish()
		}
	}
	// A tripwire alert not delivered yet: again, before anything else.
	if strings.HasPrefix(st.Stopped, stoppedTripwire) && st.Stage != iamsweep.StageTripwire {
		it.State = st
		it.Done = st
		it.Done.Stage = iamsweep.StageTripwire
		it.Notice = &iamsweep.NoticeItem{Finding: f, Stage: iamsweep.StageTripwire,
			Note: "It was " + strings.TrimPrefix(st.Stopped, stoppedTripwire) + ": its deletion is stopped."}
		it.Security = true
		return finish()
	}

	// A Keep holds.
	if e, ok := d.activeException(); ok {
		kept := fmt.Sprintf("%s%s until %s: %s", stoppedKept, e.By, day(e.Until), e.Reason)
		if st.Stopped != kept {
			event("exception", "%s", kept)
			st.Stopped, st.Next, st.NextAt = kept, "", time.Time{}
		}
		it.State = st
		if quarantined {
			// Kept: its quarantine goes (tried again until it went).
			it.Action = ActionRelease
			st.QuarantinedAt, st.LastUsedAtQuarantine = time.Time{}, time.Time{}
			it.Done = st
		}
		return finish()
	}
	expired := ""
	if strings.HasPrefix(st.Stopped, stoppedKept) {
		expired = d.expiredWhy()
		event("exception", "%s: judged again", expired)
		st.Stopped = ""
	}

	// Released by someone else: the escalation stops (it never deletes
	// what a person took out of quarantine).
	if quarantined && st.Stopped == "" && d.releasedOutside() {
		st.Stopped = stoppedUsed + "released outside the escalation (found no longer quarantined on " + day(d.now) + ")"
		st.Next, st.NextAt = "", time.Time{}
		st.QuarantinedAt, st.LastUsedAtQuarantine = time.Time{}, time.Time{}
		event("scan", "%s", st.Stopped)
		it.State = st
		return finish()
	}

	if !d.unused(quarantined) {
		if st.Stopped == "" && (!st.FirstNoticeAt.IsZero() || quarantined) {
			why := stoppedUsed + string(f.Verdict) + ": " + f.Reason
			if f.Verdict == iamsweep.VerdictUsed && !f.LastUsed.Time.IsZero() {
				why = stoppedUsed + "used on " + day(f.LastUsed.Time)
			}
			st.Stopped, st.Next, st.NextAt = why, "", time.Time{}
			event("scan", "%s", why)
		}
		it.State = st
		return finish()
	}

	// Unused from here on. A tripwire stays, while the principal is
	// quarantined, until a person decides.
	if quarantined && strings.HasPrefix(st.Stopped, stoppedTripwire) {
		it.State = st
		return finish()
	}
	if st.Stopped != "" || expired != "" || (st.FirstNoticeAt.IsZero() && !quarantined) {
		// A new cycle: the first notice.
		stage := iamsweep.StageNotice
		note := ""
		if expired != "" {
			stage, note = iamsweep.StageExceptionExpired, expired+": it is judged again."
		}
		st = State{Key: st.Key, ARN: st.ARN, AccountID: st.AccountID, Owner: st.Owner, Type: st.Type, Round: st.Round + 1, FirstNoticeAt: d.now,
			QuarantinedAt: st.QuarantinedAt, LastUsedAtQuarantine: st.LastUsedAtQuarantine, PlanID: st.PlanID, BackupID: st.BackupID}
		var why string
		st.Next, st.NextAt, why = d.first(quarantined)
		if why != "" {
			note = strings.TrimSpace(note + " " + why)
		}
		it.State = st
		it.Notice = d.item(stage, st, note)
		it.Done = st
		it.Done.Stage = stage
		return finish()
	}

	// A cycle in progress: the latest of its Snooze and Remove decisions
	// holds. A Remove quarantines now (the deletion keeps to its schedule
	// after that); a Snooze delays the next step to its end.
	latest, decided := d.latestDecision(st)
	if decided && latest.Kind == iamsweep.DecisionRemove && !quarantined {
		if kind, _, _ := d.first(false); kind != "" {
			event("decision", "%s now: removal asked by %s", kind, latest.By)
			st.SnoozedUntil = time.Time{}
			return d.act(it, st, kind)
		}
	}
	if decided && latest.Kind == iamsweep.DecisionSnooze &&
		(latest.Until.After(st.SnoozedUntil) || st.Next != "" && st.NextAt.Before(latest.Until)) {
		st.SnoozedUntil = latest.Until
		if st.Next != "" && st.NextAt.Before(latest.Until) {
			st.NextAt = latest.Until
			// The owner was warned of the old date: back to the stage
			// before the warning, so that a new one goes out before the
			// new date (JournalStage keeps it apart from the first).
			switch st.Stage {
			case iamsweep.StageQuarantineWarning, iamsweep.StageDeleteWarning:
				st.Stage = iamsweep.StageNotice
				if quarantined {
					st.Stage = iamsweep.StageQuarantined
				}
			}
		}
		event("decision", "next step delayed to %s: snoozed by %s", day(latest.Until), latest.By)
	}
	it.State = st
	if d.now.Before(st.SnoozedUntil) {
		return finish()
	}
	if st.Stage == "" {
		// The first notice was not delivered: again.
		it.Notice = d.item(iamsweep.StageNotice, st, "")
		it.Done = st
		it.Done.Stage = iamsweep.StageNotice
		return finish()
	}
	if st.Next == "" {
		return finish()
	}
	switch st.Stage {
	case iamsweep.StageNotice, iamsweep.StageExceptionExpired, iamsweep.StageQuarantined:
		if !d.now.Before(st.NextAt.Add(-d.p.WarnBefore)) {
			warned := st
			if min := d.now.Add(d.p.WarnBefore); warned.NextAt.Before(min) {
				warned.NextAt = min
			}
			stage := iamsweep.StageQuarantineWarning
			if iamsweep.Deleting(st.Next) {
				stage = iamsweep.StageDeleteWarning
			}
			warned.Stage = stage
			it.Notice = d.item(stage, warned, "")
			it.Done = warned
		}
	case iamsweep.StageQuarantineWarning, iamsweep.StageDeleteWarning:
		if !d.now.Before(st.NextAt) {
			return d.act(it, st, st.Next)
		}
	}
	return finish()
}

// act is the intent to take the next step of st now.
func (d *decider) act(it Intent, st State, kind iamsweep.ActionKind) Intent {
	it.State = st
	if why := d.refused(kind); why != "" {
		// Refused now (the policy or a guardrail changed): nothing is
		// scheduled; a person decides.
		st.Stopped = fmt.Sprintf("%s%s refused: %s", stoppedUsed, kind, why)
		st.Next, st.NextAt = "", time.Time{}
		it.Events = append(it.Events, Event{Kind: "action", Text: st.Stopped})
		it.State, it.Done = st, st
		return it
	}
	it.Action = kind
	done := st
	note := ""
	if iamsweep.Deleting(kind) {
		done.Stage, done.DeletedAt, done.Next, done.NextAt = iamsweep.StageDeleted, d.now, "", time.Time{}
	} else {
		done.Stage, done.QuarantinedAt, done.LastUsedAtQuarantine = iamsweep.StageQuarantined, d.now, d.f.LastUsed.Time
		done.Next, done.NextAt = "", time.Time{}
		if d.steps.Delete != "" {
			if why := d.refused(d.steps.Delete); why != "" {
				note = "It stays quarantined: iamsweep will not " + Verb(d.steps.Delete) + " (" + why + ")."
			} else {
				done.Next, done.NextAt = d.steps.Delete, d.now.Add(d.steps.DeleteAfter)
			}
		}
	}
	it.Notice = d.item(done.Stage, done, note)
	it.Done = done
	return it
}

// Redeliver returns the notice item of the quarantine st records, for a
// run to send again when the notice journal holds no delivery of it (the
// send failed, or was throttled: a step's state is stored with the step,
// before its notice goes out, so Decide does not offer it again). It is
// nil unless st is quarantined by this cycle and nothing stopped it. The
// item says what the quarantined notice said: the next step and its date,
// or why there is none.
func Redeliver(f iamsweep.Finding, st State, p Policy, refuse func(iamsweep.Finding, iamsweep.ActionKind) string) *iamsweep.NoticeItem {
	if st.Stage != iamsweep.StageQuarantined || st.QuarantinedAt.IsZero() || !st.DeletedAt.IsZero() || st.Stopped != "" || iamsweep.KeyOf(f) != st.Key {
		return nil
	}
	d := decider{f: f, p: p, steps: p.Types[f.Type], refuse: refuse}
	note := ""
	if st.Next == "" && d.steps.Delete != "" {
		if why := d.refused(d.steps.Delete); why != "" {
			note = "It stays quarantined: iamsweep will not " + Verb(d.steps.Delete) + " (" + why + ")."
		}
	}
	return d.item(iamsweep.StageQuarantined, st, note)
}

// RedeliverDeleted returns the deleted notice of the deletion st records,
// for a run to send again when the notice journal holds no delivery of
// it, as Redeliver does for a quarantine. The principal is gone from the
// scan, so its finding is rebuilt from st: its account, type and ARN (and
// access key ID), its name, its owner under ownerTag, and its last use
// when it was quarantined. nil unless st records a deletion.
func RedeliverDeleted(st State, ownerTag string) (iamsweep.Finding, *iamsweep.NoticeItem) {
	if st.Stage != iamsweep.StageDeleted || st.DeletedAt.IsZero() || st.ARN == "" {
		return iamsweep.Finding{}, nil
	}
	f := iamsweep.Finding{AccountID: st.AccountID, Type: st.Type, ARN: st.ARN, Name: st.ARN[strings.LastIndexAny(st.ARN, "/:")+1:],
		LastUsed: iamsweep.Usage{Time: st.LastUsedAtQuarantine}, Verdict: iamsweep.VerdictUnused}
	if fields := strings.Fields(string(st.Key)); len(fields) == 4 {
		f.AccessKeyID = fields[3]
	}
	if st.Owner != "" && ownerTag != "" {
		f.Tags = []iamsweep.Tag{{Key: ownerTag, Value: st.Owner}}
	}
	if iamsweep.KeyOf(f) != st.Key {
		return iamsweep.Finding{}, nil // not a key this rebuilds: send nothing rather than about another
	}
	note := "Deleted on " + day(st.DeletedAt)
	if st.BackupID != "" {
		note += "; its backup is " + st.BackupID + " (iamsweep restore " + st.BackupID + ")"
	}
	return f, &iamsweep.NoticeItem{Finding: f, Stage: iamsweep.StageDeleted, Note: note + "."}
}

// first is the first step of a new cycle and when it comes, or why there
// is none though the policy has one. A principal still quarantined from
// an earlier cycle goes on to its deletion.
func (d *decider) first(quarantined bool) (iamsweep.ActionKind, time.Time, string) {
	var (
		kind iamsweep.ActionKind
		at   time.Time
	)
	switch {
	case quarantined && d.steps.Delete != "":
		kind, at = d.steps.Delete, d.now.Add(d.steps.DeleteAfter)
	case quarantined:
	case d.steps.Quarantine != "":
		kind, at = d.steps.Quarantine, d.now.Add(d.steps.QuarantineAfter)
	case d.steps.Delete != "":
		kind, at = d.steps.Delete, d.now.Add(d.steps.QuarantineAfter+d.steps.DeleteAfter)
	}
	if why := d.refused(kind); why != "" {
		return "", time.Time{}, "iamsweep will not " + Verb(kind) + ": " + why + "."
	}
	return kind, at, ""
}

func (d *decider) item(stage iamsweep.Stage, st State, note string) *iamsweep.NoticeItem {
	return &iamsweep.NoticeItem{Finding: d.f, Stage: stage, Next: st.Next, NextAt: st.NextAt, Note: note}
}

// activeException returns the exception that holds now, the one lasting
// longest when several do.
func (d *decider) activeException() (iamsweep.Exception, bool) {
	var best iamsweep.Exception
	found := false
	for _, e := range d.exceptions {
		if e.Active(d.now) && (!found || e.Until.After(best.Until)) {
			best, found = e, true
		}
	}
	return best, found
}

// expiredWhy says how the last exception ended.
func (d *decider) expiredWhy() string {
	var last iamsweep.Exception
	for _, e := range d.exceptions {
		if end := endOf(e); end.After(endOf(last)) {
			last = e
		}
	}
	switch {
	case last.ID == "":
		return "the exception is gone"
	case !last.Revoked.IsZero() && last.Revoked.Before(last.Until):
		return fmt.Sprintf("the exception (kept by %s) was revoked on %s", last.By, day(last.Revoked))
	}
	return fmt.Sprintf("the exception (kept by %s) expired on %s", last.By, day(last.Until))
}

func endOf(e iamsweep.Exception) time.Time {
	if !e.Revoked.IsZero() && e.Revoked.Before(e.Until) {
		return e.Revoked
	}
	return e.Until
}

// latestDecision returns the latest Snooze or Remove decided in st's
// cycle.
func (d *decider) latestDecision(st State) (iamsweep.Decision, bool) {
	var (
		latest iamsweep.Decision
		found  bool
	)
	for _, dec := range d.decisions {
		if (dec.Kind == iamsweep.DecisionSnooze || dec.Kind == iamsweep.DecisionRemove) && !dec.At.Before(st.FirstNoticeAt) &&
			(!found || !dec.At.Before(latest.At)) {
			latest, found = dec, true
		}
	}
	return latest, found
}

// JournalStage is the stage and round under which the store's notice
// journal claims a notice item of st at stage: each stage once per round,
// so that a finding that starts over (used, then unused again; a Keep that
// expired; a restore) is told again. The first notice of a round is one
// stage whatever it says; a warning after a Snooze is claimed apart from
// the warning before it; security is the security team's copy of a
// tripwire, claimed apart from the owner's.
func JournalStage(st State, stage iamsweep.Stage, security bool) (iamsweep.Stage, int) {
	if stage == iamsweep.StageExceptionExpired {
		stage = iamsweep.StageNotice
	}
	if (stage == iamsweep.StageQuarantineWarning || stage == iamsweep.StageDeleteWarning) && !st.SnoozedUntil.IsZero() {
		// A warning after a Snooze: another warning than the one before
		// it (the step moved), once per snooze.
		stage += iamsweep.Stage("-after-snooze-" + day(st.SnoozedUntil))
	}
	if security {
		stage += "-security"
	}
	return stage, st.Round
}

// SortIntents sorts intents by account, type and ARN (the findings'
// order).
func SortIntents(its []Intent) {
	sort.SliceStable(its, func(i, j int) bool {
		a, b := its[i].Finding, its[j].Finding
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.ARN < b.ARN
	})
}

// Verb says what a step does, in words: "quarantine it", "delete this
// key".
func Verb(kind iamsweep.ActionKind) string {
	switch kind {
	case iamsweep.ActionQuarantine:
		return "quarantine it"
	case iamsweep.ActionDelete:
		return "delete it"
	case iamsweep.ActionDeactivateKey:
		return "deactivate this key"
	case iamsweep.ActionDeleteKey:
		return "delete this key"
	case iamsweep.ActionDeletePassword:
		return "delete this password"
	case ActionRelease:
		return "release it"
	}
	return string(kind) + " it"
}
