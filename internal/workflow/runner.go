package workflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/escalate"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// Store is what a run reads and records, in the escalation engine's terms
// (StoreOf adapts the state database).
type Store interface {
	// Escalations returns every stored escalation state.
	Escalations(ctx context.Context) ([]escalate.State, error)
	// PutEscalation stores a finding's state.
	PutEscalation(ctx context.Context, st escalate.State) error
	// Exceptions returns every exception, active or not.
	Exceptions(ctx context.Context) ([]iamsweep.Exception, error)
	// Decisions returns every recorded decision.
	Decisions(ctx context.Context) ([]iamsweep.Decision, error)
	// ClaimNoticeRound claims (key, stage, round) for a notice; false when
	// it was ever claimed and not released (then it is not sent again).
	ClaimNoticeRound(ctx context.Context, noticeID string, key iamsweep.FindingKey, stage iamsweep.Stage, round int, to string, at time.Time) (bool, error)
	// FinishNotice records the outcome of a notice's claims: "sent",
	// "failed" (released) or "unknown" (kept).
	FinishNotice(ctx context.Context, noticeID, outcome, messageID, errText string, at time.Time) error
	// AddEvent records a line of a principal's history.
	AddEvent(ctx context.Context, key iamsweep.FindingKey, arn string, at time.Time, e escalate.Event) error
}

// Remediator quarantines, deletes and releases (remediate.Service).
type Remediator interface {
	Apply(ctx context.Context, p iamsweep.Plan) ([]remediate.Outcome, error)
	Release(ctx context.Context, arn string) (remediate.ReleaseResult, error)
}

// ScanFunc scans what the workflow covers (one account or an
// organization, as `iamsweep scan` would), records the scan, and returns
// its ID and result. Findings under an active exception are exempt.
type ScanFunc func(ctx context.Context) (int64, iamsweep.ScanResult, error)

// Runner runs the owner workflow. Its fields are set before the first
// run and not changed after.
type Runner struct {
	Store  Store
	Scan   ScanFunc
	Remedy Remediator
	Sender iamsweep.NoticeSender
	Links  LinkMaker
	Policy escalate.Policy
	Owners escalate.Owners
	// Refuse returns why a step may not run on a finding (Refusal); nil
	// refuses nothing ahead, and the remediation service refuses when the
	// step is due.
	Refuse func(iamsweep.Finding, iamsweep.ActionKind) string
	// References, when not nil, reads what still points at the scan's
	// unused roles and users, once per run (refs.go): a delete of a
	// principal still referenced is refused unless DeleteReferenced
	// (remediation.delete-referenced), and the notices before and of a
	// quarantine say what will stop working.
	References       ReferenceReader
	DeleteReferenced bool
	// DeleteUnchecked (remediation.delete-unchecked) lets a delete run
	// although the principal's references were not all read (a source
	// not checked); it is refused otherwise.
	DeleteUnchecked bool
	// MaxDeletionsPerRun and MaxDeletionsPerAccount bound the deleting
	// steps (delete, delete-key, delete-password) of one run, as the
	// remediation policy's limits bound one apply; negative: no limit.
	// (Each step is a plan of its own, so the remediation service alone
	// would count one deletion per plan.) A step over a limit is tried
	// again on the next run.
	MaxDeletionsPerRun, MaxDeletionsPerAccount int
	// Now is the clock.
	Now func() time.Time
	// DryRun decides and says what would happen, but sends nothing,
	// changes nothing in AWS and records no state, event or notice (the
	// scan is recorded as by `iamsweep scan`).
	DryRun bool
	Log    *slog.Logger
	// NewID returns a new notice ID; nil means a random one.
	NewID func() string
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

func (r *Runner) newID() string {
	if r.NewID != nil {
		return r.NewID()
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "n-" + hex.EncodeToString(b[:])
}

// pending is a notice item waiting to be sent, with the state to store
// once it is delivered.
type pending struct {
	escalate.Addressed
	key   iamsweep.FindingKey
	claim iamsweep.Stage
	round int
	// done is stored on delivery when store is true (an item after an
	// action has its state stored already).
	done  escalate.State
	store bool
	// again is true when a later run offers the item again if this send
	// fails: its state waits for it (store), or it is a quarantined
	// notice (redeliveries).
	again bool
}

// RunOnce runs the workflow once: scan, decide, act, notify, record. An
// error is returned for what stops the run (the scan failed, the store
// cannot be read or written); failed actions and notices are counted in
// the summary and tried again on the next run.
func (r *Runner) RunOnce(ctx context.Context) (Summary, error) {
	now := r.Now().UTC()
	sum := Summary{DryRun: r.DryRun}
	scanID, res, err := r.Scan(ctx)
	if err != nil {
		return sum, fmt.Errorf("scan: %w", err)
	}
	sum.ScanID, sum.Findings, sum.Unused = scanID, len(res.Findings), res.Counts().Unused
	states, err := r.Store.Escalations(ctx)
	if err != nil {
		return sum, fmt.Errorf("read escalations: %w", err)
	}
	exceptions, err := r.Store.Exceptions(ctx)
	if err != nil {
		return sum, fmt.Errorf("read exceptions: %w", err)
	}
	decisions, err := r.Store.Decisions(ctx)
	if err != nil {
		return sum, fmt.Errorf("read decisions: %w", err)
	}
	before := map[iamsweep.FindingKey]escalate.State{}
	for _, s := range states {
		before[s.Key] = s
	}
	refs, err := r.readReferences(ctx, res.Findings)
	if err != nil {
		return sum, err
	}
	intents := escalate.Decide(escalate.Input{Now: now, Findings: res.Findings, States: states, Exceptions: exceptions, Decisions: decisions, Policy: r.Policy,
		Refuse: r.refuseReferenced(refs)})
	for i := range intents {
		noteReferences(&intents[i], refs)
	}

	var queue []pending
	dc := &deletions{perAccount: map[string]int{}}
	for _, it := range intents {
		res := r.Owners.Resolve(it.Finding)
		it.State.Owner, it.Done.Owner = res.Owner, res.Owner
		key := iamsweep.KeyOf(it.Finding)
		if it.State != before[key] {
			if err := r.put(ctx, it.State); err != nil {
				return sum, err
			}
		}
		for _, e := range it.Events {
			if err := r.event(ctx, key, it.Finding.ARN, now, e); err != nil {
				return sum, err
			}
		}
		if it.Security {
			sum.Tripwires++
		}
		delivered := true // no action: the item's state waits for its delivery
		// A tripwire's state waits for the security team's copy (it is
		// sent again until then), whatever its release did.
		storeOnDelivery := it.Action == "" || it.Security
		if it.Action != "" {
			ok, err := r.act(ctx, &sum, &it, now, dc)
			if err != nil {
				return sum, err
			}
			delivered = ok || it.Action == escalate.ActionRelease && it.Security
		}
		if it.Notice == nil || !delivered {
			continue
		}
		claim, round := escalate.JournalStage(it.State, it.Notice.Stage, false)
		copyToSecurity := it.Security && res.To != r.Owners.SecurityTeam
		store := storeOnDelivery && !copyToSecurity
		queue = append(queue, pending{Addressed: escalate.Addressed{Resolution: res, Item: *it.Notice}, key: key, claim: claim, round: round,
			done: it.Done, store: store, again: store || it.Notice.Stage == iamsweep.StageQuarantined || it.Notice.Stage == iamsweep.StageDeleted})
		if copyToSecurity {
			sec := escalate.Resolution{Owner: res.Owner, To: r.Owners.SecurityTeam,
				Fallback: fmt.Sprintf("every tripwire alert goes to the security team too (%s is told as well)", res.To)}
			claim, round := escalate.JournalStage(it.State, it.Notice.Stage, true)
			queue = append(queue, pending{Addressed: escalate.Addressed{Resolution: sec, Item: *it.Notice}, key: key, claim: claim, round: round,
				done: it.Done, store: true, again: true})
		}
	}
	queue = append(queue, r.redeliveries(states, intents, res.Findings)...)
	if err := r.notify(ctx, &sum, queue, now); err != nil {
		return sum, err
	}
	return sum, nil
}

// redeliveries are the quarantined and deleted notices to send again: of
// findings no intent of this run is about, whose state records a
// quarantine (escalate.Redeliver) or, gone from the scan, a deletion
// (escalate.RedeliverDeleted). The notice journal's claim lets through only
// those never delivered (nor perhaps delivered). None in a dry run, which
// claims nothing and so cannot tell.
func (r *Runner) redeliveries(states []escalate.State, intents []escalate.Intent, findings []iamsweep.Finding) []pending {
	if r.DryRun {
		return nil
	}
	busy := map[iamsweep.FindingKey]bool{}
	for _, it := range intents {
		busy[iamsweep.KeyOf(it.Finding)] = true
	}
	byKey := map[iamsweep.FindingKey]iamsweep.Finding{}
	for _, f := range findings {
		byKey[iamsweep.KeyOf(f)] = f
	}
	ownerTag := iamsweep.DefaultOwnerTags[0]
	if len(r.Owners.TagKeys) > 0 {
		ownerTag = r.Owners.TagKeys[0]
	}
	var out []pending
	for _, st := range states {
		if busy[st.Key] {
			continue
		}
		f, ok := byKey[st.Key]
		var item *iamsweep.NoticeItem
		if ok {
			item = escalate.Redeliver(f, st, r.Policy, r.Refuse)
		} else {
			// Gone from the scan: a deletion's notice.
			f, item = escalate.RedeliverDeleted(st, ownerTag)
		}
		if item == nil {
			continue
		}
		claim, round := escalate.JournalStage(st, item.Stage, false)
		out = append(out, pending{Addressed: escalate.Addressed{Resolution: r.Owners.Resolve(f), Item: *item}, key: st.Key,
			claim: claim, round: round, done: st, again: true})
	}
	return out
}

func (r *Runner) put(ctx context.Context, st escalate.State) error {
	if r.DryRun {
		return nil
	}
	st.Updated = r.Now().UTC()
	if err := r.Store.PutEscalation(ctx, st); err != nil {
		return fmt.Errorf("store the escalation of %s: %w", st.ARN, err)
	}
	return nil
}

func (r *Runner) event(ctx context.Context, key iamsweep.FindingKey, arn string, at time.Time, e escalate.Event) error {
	if r.DryRun {
		return nil
	}
	if err := r.Store.AddEvent(ctx, key, arn, at, e); err != nil {
		return fmt.Errorf("record an event of %s: %w", arn, err)
	}
	return nil
}

// PlanID is the ID of the one-action plan of an escalation step: the same
// for the same finding, step and cycle, so that a run that died during
// the step resumes it from the journal.
func PlanID(st escalate.State, kind iamsweep.ActionKind) string {
	h := sha256.Sum256([]byte(string(st.Key) + "\n" + string(kind) + "\n" + st.FirstNoticeAt.UTC().Format(time.RFC3339Nano)))
	return "e-" + st.FirstNoticeAt.UTC().Format("20060102") + "-" + hex.EncodeToString(h[:6])
}

// act runs the intent's action and stores its state when it succeeded.
func (r *Runner) act(ctx context.Context, sum *Summary, it *escalate.Intent, now time.Time, dc *deletions) (bool, error) {
	f := it.Finding
	key := iamsweep.KeyOf(f)
	step := fmt.Sprintf("%s %s", it.Action, describe(f))
	if iamsweep.Deleting(it.Action) {
		if why := dc.over(f.AccountID, r.MaxDeletionsPerRun, r.MaxDeletionsPerAccount); why != "" {
			sum.ActionsFailed++
			sum.Steps = append(sum.Steps, step+": not now: "+why+" (tried again next run)")
			return false, nil
		}
		dc.add(f.AccountID)
	}
	if r.DryRun {
		sum.Steps = append(sum.Steps, "would "+step)
		return true, nil
	}
	record := func(text string) error {
		sum.Steps = append(sum.Steps, step+": "+text)
		return r.event(ctx, key, f.ARN, now, escalate.Event{Kind: "action", Text: string(it.Action) + ": " + text})
	}
	if it.Action == escalate.ActionRelease {
		res, err := r.Remedy.Release(ctx, f.ARN)
		if err != nil {
			sum.ActionsFailed++
			r.log().Warn("release failed", "principal_arn", f.ARN, "err", err)
			return false, record("failed: " + err.Error())
		}
		sum.Released++
		if err := record(fmt.Sprintf("done (%d calls)", len(res.Steps))); err != nil {
			return false, err
		}
		done := it.Done
		if it.Security {
			done.Stage = it.State.Stage // a tripwire: its stage waits for the alert's delivery
		}
		return true, r.put(ctx, done)
	}
	a := actionOf(f, it.Action)
	plan := iamsweep.Plan{ID: PlanID(it.State, it.Action), Created: now, AsOf: now, Actions: []iamsweep.Action{a}}
	outcomes, err := r.Remedy.Apply(ctx, plan)
	if err != nil && len(outcomes) == 0 {
		sum.ActionsFailed++
		r.log().Warn("escalation step failed", "principal_arn", f.ARN, "op", it.Action, "err", err)
		return false, record("failed: " + err.Error())
	}
	o := outcomes[0]
	switch o.Status {
	case remediate.StatusApplied, remediate.StatusAlready:
	default:
		sum.ActionsFailed++
		r.log().Warn("escalation step not done", "principal_arn", f.ARN, "op", it.Action, "status", o.Status, "detail", o.Detail)
		return false, record(string(o.Status) + ": " + o.Detail)
	}
	if iamsweep.Deleting(it.Action) {
		sum.Deleted++
	} else {
		sum.Quarantined++
	}
	it.Done.PlanID = plan.ID
	if o.BackupID != "" {
		it.Done.BackupID = o.BackupID
	}
	text := "done"
	if o.BackupID != "" {
		text += ", backup " + o.BackupID
	}
	if err := record(text); err != nil {
		return false, err
	}
	return true, r.put(ctx, it.Done)
}

// Refusal returns why remediation policy p and the guardrails refuse a
// step of kind on f, or "": what the remediation service would say when
// the step is due, known ahead so that notices promise only what will
// happen. (The deletion limits are not known ahead: a step over them is
// tried again on the next run.)
func Refusal(p iamsweep.RemediationPolicy) func(iamsweep.Finding, iamsweep.ActionKind) string {
	return func(f iamsweep.Finding, kind iamsweep.ActionKind) string {
		a := actionOf(f, kind)
		if why := remediate.Guardrail(a, f.Tags, p); why != "" {
			return why
		}
		return remediate.PolicyAllows(a, p)
	}
}

// actionOf is the remediation action of a step on finding f.
func actionOf(f iamsweep.Finding, kind iamsweep.ActionKind) iamsweep.Action {
	a := iamsweep.Action{ID: "a001", Kind: kind, Principal: "user", AccountID: f.AccountID, AccountName: f.AccountName,
		ARN: f.ARN, Name: f.Name, Path: f.Path, AccessKeyID: f.AccessKeyID, Finding: f}
	if f.Type == iamsweep.TypeUnusedIAMRole {
		a.Principal = "role"
	}
	return a
}

// describe names a finding in the steps: "ARN (UnusedIAMUserAccessKey
// AKIA...)".
func describe(f iamsweep.Finding) string {
	what := string(f.Type)
	if f.AccessKeyID != "" {
		what += " " + f.AccessKeyID
	}
	return f.ARN + " (" + what + ")"
}

// linked reports whether a notice item of stage offers decision links:
// not once the principal is deleted (a restore is an operator's).
func linked(stage iamsweep.Stage) bool { return stage != iamsweep.StageDeleted }

// notify groups the queued items into one notice per recipient, claims
// each item in the notice journal, makes the links and sends.
func (r *Runner) notify(ctx context.Context, sum *Summary, queue []pending, now time.Time) error {
	byFinding := map[string]pending{}
	var items []escalate.Addressed
	for _, p := range queue {
		byFinding[itemKey(p.To, p.key)] = p
		items = append(items, p.Addressed)
	}
	notices := escalate.Group(items, now, func(iamsweep.Recipient) string { return r.newID() })
	for _, n := range notices {
		if r.DryRun {
			for _, it := range n.Items {
				sum.Steps = append(sum.Steps, fmt.Sprintf("would send %s about %s to %s", it.Stage, describe(it.Finding), n.To))
			}
			sum.Notices++
			sum.Items += len(n.Items)
			continue
		}
		var (
			kept []iamsweep.NoticeItem
			ps   []pending
		)
		for _, it := range n.Items {
			p := byFinding[itemKey(n.To, iamsweep.KeyOf(it.Finding))]
			ok, err := r.Store.ClaimNoticeRound(ctx, n.ID, p.key, p.claim, p.round, n.To.String(), now)
			if err != nil {
				return fmt.Errorf("claim notice %s: %w", n.ID, err)
			}
			if !ok {
				// Sent (or perhaps sent) by an earlier run: never again.
				if err := r.delivered(ctx, p); err != nil {
					return err
				}
				continue
			}
			kept = append(kept, it)
			ps = append(ps, p)
		}
		if len(kept) == 0 {
			continue
		}
		n.Items = kept
		outcome, errText := "sent", ""
		var err error
		for i := range n.Items {
			if !linked(n.Items[i].Stage) || r.Links == nil {
				continue
			}
			if n.Items[i].Links, err = r.Links.Links(ctx, n.ID, n.To.String(), n.Items[i]); err != nil {
				err = fmt.Errorf("make the links of %s: %w", n.Items[i].Finding.ARN, err)
				break
			}
		}
		if err == nil {
			err = r.Sender.SendNotice(ctx, n)
			// Throttled, or refused before anything went out: certainly
			// not delivered, so released and sent again next run. Any
			// other error may have delivered it.
			if err != nil && !errors.Is(err, iamsweep.ErrThrottled) && !errors.Is(err, iamsweep.ErrNotDelivered) {
				outcome = "unknown"
			}
		}
		if err != nil {
			errText = err.Error()
			if outcome == "sent" {
				outcome = "failed"
			}
		}
		if ferr := r.Store.FinishNotice(context.WithoutCancel(ctx), n.ID, outcome, "", errText, r.Now().UTC()); ferr != nil {
			return fmt.Errorf("record notice %s: %w", n.ID, ferr)
		}
		if outcome == "failed" {
			sum.NoticesFailed++
			// An item whose state waits for its delivery, or a quarantined
			// notice, is offered again by the next run; one whose state was
			// stored without it (a deletion done, a tripwire's owner copy)
			// is not.
			again, done := 0, 0
			for _, p := range ps {
				if p.again {
					again++
				} else {
					done++
				}
			}
			what := "tried again next run"
			switch {
			case again == 0:
				what = "not sent again: what it tells of is recorded in the principal's history"
			case done > 0:
				what = fmt.Sprintf("%d items tried again next run, %d not sent again", again, done)
			}
			sum.Steps = append(sum.Steps, fmt.Sprintf("notice to %s failed (%s): %s", n.To, what, errText))
			r.log().Warn("notice not sent", "to", n.To.String(), "err", err)
			continue
		}
		if outcome == "unknown" {
			// Possibly delivered: counted so, never resent.
			sum.Steps = append(sum.Steps, fmt.Sprintf("notice to %s may not have arrived (not resent): %s", n.To, errText))
			r.log().Warn("notice may not have been sent", "to", n.To.String(), "err", err)
		}
		sum.Notices++
		sum.Items += len(n.Items)
		for i, p := range ps {
			sum.Steps = append(sum.Steps, fmt.Sprintf("sent %s about %s to %s", n.Items[i].Stage, describe(n.Items[i].Finding), n.To))
			if err := r.event(ctx, p.key, n.Items[i].Finding.ARN, now, escalate.Event{Kind: "notice", Text: fmt.Sprintf("%s to %s (%s)", n.Items[i].Stage, n.To, outcome)}); err != nil {
				return err
			}
			if err := r.delivered(ctx, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// delivered stores the state an item's delivery leads to.
func (r *Runner) delivered(ctx context.Context, p pending) error {
	if !p.store {
		return nil
	}
	return r.put(ctx, p.done)
}

func itemKey(to iamsweep.Recipient, key iamsweep.FindingKey) string {
	return to.String() + "\n" + string(key)
}

// deletions counts the deleting steps of a run.
type deletions struct {
	run        int
	perAccount map[string]int
}

// over says which limit another deletion in account would pass, or "".
func (d *deletions) over(account string, perRun, perAccount int) string {
	switch {
	case perRun >= 0 && d.run >= perRun:
		return fmt.Sprintf("over the limit of %d deletions per run (remediation max-deletions-per-run)", perRun)
	case perAccount >= 0 && d.perAccount[account] >= perAccount:
		return fmt.Sprintf("over the limit of %d deletions in account %s (remediation max-deletions-per-account)", perAccount, account)
	}
	return ""
}

func (d *deletions) add(account string) {
	d.run++
	d.perAccount[account]++
}
