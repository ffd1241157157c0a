package remediate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// ErrStopped: the kill switch stopped an apply between steps.
var ErrStopped = errors.New("stopped by the kill switch")

// Status is how an action ended in one apply.
type Status string

// The statuses of an action.
const (
	// StatusApplied: every step ran.
	StatusApplied Status = "applied"
	// StatusAlready: an earlier apply of the plan completed it.
	StatusAlready Status = "already-applied"
	// StatusRefused: a guardrail or a limit keeps it from running.
	StatusRefused Status = "refused"
	// StatusSkipped: the re-check before acting found the plan no longer
	// holds (used since, recreated, gone, held by another apply).
	StatusSkipped Status = "skipped"
	// StatusFailed: a step failed; Detail says which and what to do.
	StatusFailed Status = "failed"
	// StatusStopped: the kill switch stopped the apply before it.
	StatusStopped Status = "stopped"
)

// Outcome is the result of one action.
type Outcome struct {
	Action iamsweep.Action
	Status Status
	// Detail says why, in words.
	Detail string
	// BackupID names the backup taken before the action's first change.
	BackupID string
	// Steps are the IAM calls this apply made for the action.
	Steps []string
	// Notes tell what the user should know (what a restore cannot bring
	// back, a fallback taken).
	Notes []string
	// HeldBy names the apply that held the principal when this one was
	// skipped for it (its lease owner); "" otherwise.
	HeldBy string
}

// Event is a line of progress an apply reports as it goes.
type Event struct {
	ActionID string
	Message  string
}

// Service applies plans, releases quarantines and restores backups.
type Service struct {
	// Store keeps plans, backups, the journal and leases.
	Store iamsweep.Store
	// Open returns the Mutator of an account.
	Open func(ctx context.Context, accountID string) (iamsweep.Mutator, error)
	// Now is the clock (journal, backup and quarantine times; re-checks
	// too unless JudgeAt is set).
	Now func() time.Time
	// JudgeAt, when set, is the evaluation time of the re-checks (as scan's
	// --as-of is of its verdicts).
	JudgeAt func() time.Time
	// Policy holds the guardrails and limits, as configured now.
	Policy iamsweep.RemediationPolicy
	// Detect are the verdict options of the re-check (Now is set from the
	// clock before each re-check).
	Detect detect.Options
	// Caller is the ARN of the caller, recorded in quarantine tags.
	Caller string
	// Owner names this run in leases.
	Owner string
	// OwnerGone reports whether the holder of a lease is a process that
	// no longer runs (one killed while applying), whose lease may be
	// taken over at once rather than when it expires; may be nil.
	OwnerGone func(owner string) bool
	// LeaseTTL is how long a lease holds without renewal (default 10 min;
	// it is renewed before every step).
	LeaseTTL time.Duration
	// KillSwitch, when it returns true, stops the apply before the next
	// step; the string says where it was found.
	KillSwitch func() (string, bool)
	// Events receives progress as it happens; may be nil.
	Events func(Event)
	// Log receives diagnostics; may be nil.
	Log *slog.Logger
}

func (s *Service) emit(actionID, format string, args ...any) {
	if s.Events != nil {
		s.Events(Event{ActionID: actionID, Message: fmt.Sprintf(format, args...)})
	}
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func (s *Service) killed() (string, bool) {
	if s.KillSwitch == nil {
		return "", false
	}
	return s.KillSwitch()
}

func (s *Service) leaseTTL() time.Duration {
	if s.LeaseTTL <= 0 {
		return 10 * time.Minute
	}
	return s.LeaseTTL
}

// SavePlan stores plan p, or checks that the store's plan of the same ID
// is the same plan (a plan file applied again).
func (s *Service) SavePlan(ctx context.Context, p iamsweep.Plan) error {
	have, err := s.Store.LoadPlan(ctx, p.ID)
	switch {
	case errors.Is(err, iamsweep.ErrNotFound):
		return s.Store.SavePlan(ctx, p)
	case err != nil:
		return err
	}
	// A plan edited since it was saved is bad input (exit status 2), as a
	// malformed plan file is.
	if len(have.Actions) != len(p.Actions) {
		return iamsweep.NewInputError("plan "+p.ID, "", fmt.Errorf("the store holds a different plan with this ID (%d actions, this one %d)", len(have.Actions), len(p.Actions)))
	}
	for i := range have.Actions {
		a, b := have.Actions[i], p.Actions[i]
		if a.ID != b.ID || a.Kind != b.Kind || a.ARN != b.ARN || a.AccessKeyID != b.AccessKeyID {
			return iamsweep.NewInputError("plan "+p.ID, "", fmt.Errorf("action %s differs from the plan of this ID in the store: make a new plan instead of editing one", b.ID))
		}
	}
	return nil
}

// Apply runs plan p's actions in order. Refused actions are reported and
// skipped; the others run under the guardrails and limits of s.Policy,
// each after its principal is re-read and re-judged. Applying a plan again
// continues it: actions it completed are not run twice, an interrupted one
// is finished from the state IAM is in now. Apply returns ErrStopped when
// the kill switch stopped it; the outcomes so far are returned either way.
func (s *Service) Apply(ctx context.Context, p iamsweep.Plan) ([]Outcome, error) {
	if err := s.SavePlan(ctx, p); err != nil {
		return nil, err
	}
	var outcomes []Outcome
	deletions := 0
	perAccount := map[string]int{}
	for i, a := range p.Actions {
		if err := ctx.Err(); err != nil {
			return outcomes, err
		}
		if where, ok := s.killed(); ok {
			for _, rest := range p.Actions[i:] {
				outcomes = append(outcomes, Outcome{Action: rest, Status: StatusStopped, Detail: "kill switch engaged (" + where + ")"})
			}
			return outcomes, fmt.Errorf("%w (%s) before action %s", ErrStopped, where, a.ID)
		}
		o := s.applyAction(ctx, p, a, deletions, perAccount)
		if iamsweep.Deleting(a.Kind) && (o.Status == StatusApplied || o.Status == StatusAlready || (o.Status == StatusFailed && len(o.Steps) > 0)) {
			deletions++
			perAccount[a.AccountID]++
		}
		outcomes = append(outcomes, o)
		if o.Status == StatusStopped {
			for _, rest := range p.Actions[i+1:] {
				outcomes = append(outcomes, Outcome{Action: rest, Status: StatusStopped, Detail: o.Detail})
			}
			return outcomes, fmt.Errorf("%w: %s", ErrStopped, o.Detail)
		}
	}
	return outcomes, nil
}

func (s *Service) applyAction(ctx context.Context, p iamsweep.Plan, a iamsweep.Action, deletions int, perAccount map[string]int) Outcome {
	o := Outcome{Action: a}
	entries, err := s.Store.Journal(ctx, p.ID, a.ID)
	if err != nil {
		return s.fail(o, "read the journal: "+err.Error())
	}
	js := readJournal(entries)
	if js.completed {
		o.Status, o.Detail = StatusAlready, "completed by an earlier apply of this plan"
		return o
	}
	if a.Refused != "" {
		o.Status, o.Detail = StatusRefused, a.Refused
		return o
	}
	if why := cmp.Or(Guardrail(a, a.Finding.Tags, s.Policy), PolicyAllows(a, s.Policy)); why != "" {
		o.Status, o.Detail = StatusRefused, why
		return o
	}
	if iamsweep.Deleting(a.Kind) && !js.mutated {
		if s.Policy.MaxDeletionsPerRun >= 0 && deletions >= s.Policy.MaxDeletionsPerRun {
			o.Status, o.Detail = StatusRefused, fmt.Sprintf("over the limit of %d deletions per run (remediation max-deletions-per-run)", s.Policy.MaxDeletionsPerRun)
			return o
		}
		if s.Policy.MaxDeletionsPerAccount >= 0 && perAccount[a.AccountID] >= s.Policy.MaxDeletionsPerAccount {
			o.Status, o.Detail = StatusRefused, fmt.Sprintf("over the limit of %d deletions in account %s (remediation max-deletions-per-account)", s.Policy.MaxDeletionsPerAccount, a.AccountID)
			return o
		}
	}
	if js.interrupted != "" {
		s.emit(a.ID, "resuming: an earlier apply was interrupted during %q (it may or may not have run); reading the %s afresh", js.interrupted, a.Principal)
	} else if js.mutated {
		s.emit(a.ID, "resuming: an earlier apply made %d of its calls; reading the %s afresh", js.done, a.Principal)
	}

	if err := s.lease(ctx, a.ID, a.ARN); err != nil {
		if errors.Is(err, iamsweep.ErrLeased) {
			o.Status, o.Detail = StatusSkipped, "another apply is changing this principal right now ("+err.Error()+"): run apply again when it is done"
			o.HeldBy = "another apply"
			if holder, _, lerr := s.Store.Lease(ctx, a.ARN); lerr == nil {
				o.HeldBy = holder
			}
			return o
		}
		return s.fail(o, "take the lease: "+err.Error())
	}
	defer func() {
		// A canceled ctx must not keep the lease held until it expires.
		if err := s.Store.ReleaseLease(context.WithoutCancel(ctx), a.ARN, s.Owner); err != nil {
			s.log().Warn("release lease", "arn", a.ARN, "err", err)
		}
	}()

	m, err := s.Open(ctx, a.AccountID)
	if err != nil {
		return s.fail(o, fmt.Sprintf("open account %s: %v", a.AccountID, err))
	}
	w := &work{s: s, ctx: ctx, plan: p, action: a, m: m, js: js, out: &o}
	w.run()
	return o
}

// lease takes the principal for this run, taking over the lease of a
// process that died holding it.
func (s *Service) lease(ctx context.Context, actionID, arn string) error {
	now := s.Now()
	err := s.Store.AcquireLease(ctx, arn, s.Owner, now, now.Add(s.leaseTTL()))
	if !errors.Is(err, iamsweep.ErrLeased) || s.OwnerGone == nil {
		return err
	}
	holder, _, lerr := s.Store.Lease(ctx, arn)
	if lerr != nil || !s.OwnerGone(holder) {
		return err
	}
	if err := s.Store.ReleaseLease(ctx, arn, holder); err != nil {
		return err
	}
	s.emit(actionID, "took over the lease of %s, a process that no longer runs", holder)
	return s.Store.AcquireLease(ctx, arn, s.Owner, now, now.Add(s.leaseTTL()))
}

func (s *Service) fail(o Outcome, detail string) Outcome {
	o.Status, o.Detail = StatusFailed, detail
	return o
}

// work is one action being applied.
type work struct {
	s      *Service
	ctx    context.Context
	plan   iamsweep.Plan
	action iamsweep.Action
	m      iamsweep.Mutator
	js     journalState
	out    *Outcome

	role *iamsweep.RoleState
	user *iamsweep.UserState
}

func (w *work) finish(st Status, detail string) {
	w.out.Status, w.out.Detail = st, detail
}

func (w *work) run() {
	a := w.action
	// The backup an earlier, interrupted apply took, for the outcomes
	// that end before backup() runs.
	w.out.BackupID = w.js.backupID
	// Read the principal as it is now.
	if err := w.read(); err != nil {
		if !errors.Is(err, iamsweep.ErrNotFound) {
			w.finish(StatusFailed, fmt.Sprintf("read %s %s: %v", a.Principal, a.Name, err))
			return
		}
		if w.js.mutated && a.Kind == iamsweep.ActionDelete {
			w.complete("the " + a.Principal + " is gone: the earlier apply's last call went through")
			return
		}
		w.finish(StatusSkipped, "the "+a.Principal+" no longer exists")
		return
	}
	// The same principal the plan judged, not one recreated since? Also
	// when resuming: an interrupted apply may have deleted the principal
	// and someone created another of that name.
	id := w.currentID()
	if a.Finding.PrincipalID != "" && id != a.Finding.PrincipalID {
		w.finish(StatusSkipped, fmt.Sprintf("the %s was deleted and recreated since the scan (unique ID %s, the plan judged %s): scan again", a.Principal, id, a.Finding.PrincipalID))
		return
	}
	if a.Finding.PrincipalID == "" && w.js.backupID != "" {
		// A finding without the unique ID (a scan of a credential report
		// alone): the backup of the interrupted apply has it.
		if b, err := w.s.Store.LoadBackup(w.ctx, w.js.backupID); err == nil && principalIDOf(b) != "" && principalIDOf(b) != id {
			w.finish(StatusSkipped, fmt.Sprintf("the %s was deleted and recreated since an earlier apply began this action (unique ID %s, backed up %s)", a.Principal, id, principalIDOf(b)))
			return
		}
	}
	// Guardrails on what IAM says now (tags change).
	if why := Guardrail(a, w.currentTags(), w.s.Policy); why != "" {
		w.finish(StatusRefused, why)
		return
	}
	// A refinement: the policies must be those it was computed from.
	if a.Kind == iamsweep.ActionRefine {
		if !w.js.mutated {
			why, err := refineRecheck(w.ctx, w.m, a, w.parts())
			if err != nil {
				w.finish(StatusFailed, "re-check the policies: "+err.Error())
				return
			}
			if why != "" {
				w.finish(StatusSkipped, why)
				return
			}
		}
	} else if f, ok := w.recheck(); !ok {
		// Re-judged with the use IAM records now: used since.
		if w.js.mutated {
			w.finish(StatusSkipped, fmt.Sprintf("used since an earlier apply began this action (%s): it stopped part way; iamsweep restore %s brings back what it removed", f.Reason, a.ARN))
		} else {
			w.finish(StatusSkipped, fmt.Sprintf("no longer unused: %s (%s)", f.Reason, f.Verdict))
		}
		return
	}
	// Key and password actions: the credential must still be there.
	if msg, done := w.credentialGone(); done {
		if w.js.mutated {
			w.complete(msg + ": the earlier apply's call went through")
		} else {
			w.finish(StatusSkipped, msg)
		}
		return
	}
	// Nothing to do (a principal quarantined already, a key already
	// inactive): no backup either.
	if !w.js.mutated {
		if steps, notes, err := w.steps(iamsweep.Backup{Role: w.role, User: w.user}); err == nil && len(steps) == 0 {
			w.out.Notes = append(w.out.Notes, notes...)
			w.complete("nothing to change: it is already in the planned state")
			return
		}
	}
	// Back up before the first change.
	backup, err := w.backup()
	if err != nil {
		w.finish(StatusFailed, "back up before changing it: "+err.Error()+"; nothing was changed")
		return
	}
	w.out.BackupID = backup.ID
	steps, notes, err := w.steps(backup)
	w.out.Notes = append(w.out.Notes, notes...)
	if err != nil {
		w.finish(StatusFailed, err.Error())
		return
	}
	if len(steps) == 0 {
		w.complete("nothing to change: it is already in the planned state")
		return
	}
	for i := 0; i < len(steps); i++ {
		st := steps[i]
		if where, ok := w.s.killed(); ok {
			w.finish(StatusStopped, fmt.Sprintf("kill switch engaged (%s) before %q, after %d of %d calls; run apply again to continue", where, st.String(), i, len(steps)))
			return
		}
		err := w.do(st)
		if err != nil && w.isQuarantinePut(st) && iamsweep.ErrorCode(err) == "LimitExceeded" {
			// The inline policy did not fit after all: deny with the
			// managed AWSDenyAll policy instead.
			fallback := iamsweep.Step{Op: attachOp(a.Principal), Name: a.Name, Target: DenyAllARN(a.ARN)}
			w.out.Notes = append(w.out.Notes, "IAM refused the inline quarantine policy (LimitExceeded): attached AWSDenyAll instead")
			for j := i + 1; j < len(steps); j++ {
				for k := range steps[j].Tags {
					if steps[j].Tags[k].Key == TagQuarantinePolicy {
						steps[j].Tags[k].Value = "AWSDenyAll"
					}
				}
			}
			err = w.do(fallback)
			st = fallback
		}
		if err != nil && a.Kind == iamsweep.ActionRefine && st.Op == attachOp(a.Principal) && iamsweep.ErrorCode(err) == "LimitExceeded" {
			// The principal holds as many managed policies as IAM allows:
			// detach one that is to go first, then attach again.
			if j, gap, ok := RoomForAttach(a, steps, i, w.parts().attached); ok {
				detach := steps[j]
				steps = append(steps[:j:j], steps[j+1:]...)
				steps = slices.Insert(steps, i, detach)
				note := "IAM's quota of managed policies per " + a.Principal + " was reached (LimitExceeded): detached " + detach.Target + " before attaching " + st.Target
				if gap {
					note += ", so for a moment the " + a.Principal + " held neither"
				}
				w.out.Notes = append(w.out.Notes, note)
				i--
				continue
			}
		}
		if err != nil {
			w.finish(StatusFailed, fmt.Sprintf("%s; %d of %d calls done, backup %s holds the state before", Explain(st, err), i, len(steps), backup.ID))
			return
		}
	}
	w.complete("")
}

func attachOp(principal string) iamsweep.Op {
	if principal == "role" {
		return iamsweep.OpAttachRolePolicy
	}
	return iamsweep.OpAttachUserPolicy
}

func (w *work) isQuarantinePut(st iamsweep.Step) bool {
	return (st.Op == iamsweep.OpPutRolePolicy || st.Op == iamsweep.OpPutUserPolicy) && st.Target == QuarantinePolicyName
}

// do journals and runs one step, renewing the lease first.
func (w *work) do(st iamsweep.Step) error { return w.call(st, "") }

// call journals and runs one step, renewing the lease first; principalID,
// when not "", is journaled with it (the principal a restore removes its
// marker from). A call whose outcome is unknown returns an
// *unknownOutcome.
func (w *work) call(st iamsweep.Step, principalID string) error {
	ctx := w.ctx
	now := w.s.Now()
	if err := w.s.Store.AcquireLease(ctx, w.action.ARN, w.s.Owner, now, now.Add(w.s.leaseTTL())); err != nil {
		return fmt.Errorf("renew the lease: %w", err)
	}
	js := iamsweep.CallStep(st)
	js.PrincipalID = principalID
	id, err := w.s.Store.BeginStep(ctx, w.plan.ID, w.action.ID, js, now)
	if err != nil {
		return fmt.Errorf("journal %q: %w", st.String(), err)
	}
	callErr := w.m.Do(ctx, st)
	outcome, detail := iamsweep.OutcomeDone, ""
	switch {
	case callErr == nil:
	case errors.Is(callErr, iamsweep.ErrNotFound) && removal(st.Op):
		detail = "already gone"
		callErr = nil
	case lostAnswer(st.Op, callErr) || mayHaveRun(callErr):
		outcome, detail = iamsweep.OutcomeUnknown, callErr.Error()
		callErr = &unknownOutcome{err: callErr}
	default:
		outcome, detail = iamsweep.OutcomeFailed, callErr.Error()
	}
	// Journal the outcome even when ctx was canceled during the call.
	if err := w.s.Store.FinishStep(context.WithoutCancel(ctx), id, outcome, detail, w.s.Now()); err != nil && callErr == nil {
		return fmt.Errorf("journal the end of %q: %w", st.String(), err)
	}
	if callErr == nil {
		w.out.Steps = append(w.out.Steps, st.String())
		w.s.emit(w.action.ID, "%s", st.String())
	}
	return callErr
}

// complete journals the action completed, and finishes it with detail.
func (w *work) complete(detail string) {
	w.completeWith(iamsweep.JournalStep{Kind: iamsweep.JournalComplete}, detail)
}

func (w *work) completeWith(step iamsweep.JournalStep, detail string) {
	ctx := context.WithoutCancel(w.ctx)
	id, err := w.s.Store.BeginStep(ctx, w.plan.ID, w.action.ID, step, w.s.Now())
	if err == nil {
		err = w.s.Store.FinishStep(ctx, id, iamsweep.OutcomeDone, detail, w.s.Now())
	}
	if err != nil {
		w.finish(StatusFailed, "every call ran, but the journal could not record it: "+err.Error())
		return
	}
	w.finish(StatusApplied, detail)
}

func (w *work) read() error {
	var err error
	switch w.action.Principal {
	case "role":
		var r iamsweep.RoleState
		r, err = w.m.ReadRole(w.ctx, w.action.Name)
		w.role = &r
	default:
		var u iamsweep.UserState
		u, err = w.m.ReadUser(w.ctx, w.action.Name)
		w.user = &u
	}
	return err
}

func (w *work) currentID() string {
	if w.role != nil {
		return w.role.ID
	}
	return w.user.ID
}

// parts returns the policies and tags of the principal as read.
func (w *work) parts() policies {
	if w.role != nil {
		return roleParts(*w.role)
	}
	return userParts(*w.user)
}

func (w *work) currentTags() []iamsweep.Tag {
	if w.role != nil {
		return w.role.Tags
	}
	return w.user.Tags
}

// recheck judges the principal again as IAM records it now. It returns
// the new finding of the action's kind and whether it is still unused.
func (w *work) recheck() (iamsweep.Finding, bool) {
	o := w.s.Detect
	o.Now = w.s.Now()
	// Keeps are decisions in real time: an exception made since the plan
	// stops the action whatever the evaluation time.
	o.ExceptionsAt = o.Now
	if w.s.JudgeAt != nil {
		o.Now = w.s.JudgeAt()
	}
	// Managed roles are the guardrails' business; the verdict here is
	// about use.
	o.IncludeManaged = true
	if w.role != nil {
		f := detect.Role(RoleFromState(*w.role), o)
		return f, f.Unused()
	}
	a := w.action
	for _, f := range detect.User(UserFromState(*w.user), o) {
		if f.Type != a.Finding.Type {
			continue
		}
		if f.Type == iamsweep.TypeUnusedIAMUserAccessKey && f.AccessKeyID != a.AccessKeyID {
			continue
		}
		return f, f.Unused()
	}
	// No finding of that kind any more: the key or password is gone,
	// which credentialGone reports.
	return iamsweep.Finding{Verdict: iamsweep.VerdictUnused}, true
}

func (w *work) credentialGone() (string, bool) {
	a := w.action
	switch a.Kind {
	case iamsweep.ActionDeactivateKey, iamsweep.ActionDeleteKey:
		for _, k := range w.user.AccessKeys {
			if k.ID == a.AccessKeyID {
				return "", false
			}
		}
		return "access key " + a.AccessKeyID + " no longer exists", true
	case iamsweep.ActionDeletePassword:
		if w.user.LoginProfile == nil {
			return "the user has no console password any more", true
		}
	}
	return "", false
}

// principalIDOf returns the unique ID of the principal a backup holds.
func principalIDOf(b iamsweep.Backup) string {
	switch {
	case b.Role != nil:
		return b.Role.ID
	case b.User != nil:
		return b.User.ID
	}
	return ""
}

// BackupID is the ID of the backup an action takes: derived from the plan
// and action, so an interrupted apply finds the backup it took.
func BackupID(planID, actionID string) string { return "b-" + planID + "-" + actionID }

func (w *work) backup() (iamsweep.Backup, error) {
	ctx := w.ctx
	if w.js.backupID != "" {
		return w.s.Store.LoadBackup(ctx, w.js.backupID)
	}
	id := BackupID(w.plan.ID, w.action.ID)
	if b, err := w.s.Store.LoadBackup(ctx, id); err == nil {
		// Saved by a run that stopped before journaling it.
		return b, w.journalBackup(id)
	} else if !errors.Is(err, iamsweep.ErrNotFound) {
		return iamsweep.Backup{}, err
	}
	b := iamsweep.Backup{ID: id, Created: w.s.Now(), AccountID: w.action.AccountID, ARN: w.action.ARN,
		Principal: w.action.Principal, Role: w.role, User: w.user, PlanID: w.plan.ID, ActionID: w.action.ID}
	if w.js.mutated {
		// The state before the first change is lost only if a backup
		// was never saved; say so rather than pretend.
		return iamsweep.Backup{}, fmt.Errorf("the journal shows changes but no backup %s: refusing to continue without one", id)
	}
	if err := w.s.Store.SaveBackup(ctx, b); err != nil {
		return iamsweep.Backup{}, err
	}
	return b, w.journalBackup(id)
}

func (w *work) journalBackup(id string) error {
	ctx := w.ctx
	jid, err := w.s.Store.BeginStep(ctx, w.plan.ID, w.action.ID, iamsweep.JournalStep{Kind: iamsweep.JournalBackup, BackupID: id}, w.s.Now())
	if err != nil {
		return err
	}
	return w.s.Store.FinishStep(ctx, jid, iamsweep.OutcomeDone, "", w.s.Now())
}

func (w *work) steps(b iamsweep.Backup) ([]iamsweep.Step, []string, error) {
	a := w.action
	q := Quarantine{At: w.s.Now(), By: w.s.Caller, Reason: quarantineReason(w.plan.ID, a)}
	switch a.Kind {
	case iamsweep.ActionQuarantine:
		if w.js.mutated {
			var before []string
			if b.Role != nil {
				before = b.Role.AttachedPolicies
			} else if b.User != nil {
				before = b.User.AttachedPolicies
			}
			q.DenyAllOurs = !slices.Contains(before, DenyAllARN(a.ARN))
		}
		if w.role != nil {
			st, notes := QuarantineRoleSteps(*w.role, q)
			return st, notes, nil
		}
		st, notes := QuarantineUserSteps(*w.user, q)
		return st, notes, nil
	case iamsweep.ActionDelete:
		if w.role != nil {
			if b.Role == nil {
				return nil, nil, fmt.Errorf("backup %s holds no role", b.ID)
			}
			profiles, err := readProfiles(w.ctx, w.m, b.Role.InstanceProfiles)
			if err != nil {
				return nil, nil, err
			}
			return DeleteRoleSteps(*w.role, *b.Role, profiles), nil, nil
		}
		if b.User == nil {
			return nil, nil, fmt.Errorf("backup %s holds no user", b.ID)
		}
		return DeleteUserSteps(*w.user, *b.User), nil, nil
	case iamsweep.ActionRefine:
		created, err := readCreated(w.ctx, w.m, a)
		if err != nil {
			return nil, nil, err
		}
		st, err := RefineSteps(a, w.parts(), created, refineTag(w.plan.ID, a))
		return st, nil, err
	case iamsweep.ActionDeactivateKey:
		for _, k := range w.user.AccessKeys {
			if k.ID == a.AccessKeyID && k.Active {
				return []iamsweep.Step{{Op: iamsweep.OpUpdateAccessKey, Name: a.Name, Target: a.AccessKeyID, Active: false}}, nil, nil
			}
		}
		return nil, nil, nil
	case iamsweep.ActionDeleteKey:
		return []iamsweep.Step{{Op: iamsweep.OpDeleteAccessKey, Name: a.Name, Target: a.AccessKeyID}}, nil, nil
	case iamsweep.ActionDeletePassword:
		return []iamsweep.Step{{Op: iamsweep.OpDeleteLoginProfile, Name: a.Name}}, nil, nil
	}
	return nil, nil, fmt.Errorf("unknown action %q", a.Kind)
}

func quarantineReason(planID string, a iamsweep.Action) string {
	r := "unused rule=" + string(a.Finding.Rule)
	if a.Finding.DaysUnused != nil {
		r += fmt.Sprintf(" days-unused=%d", *a.Finding.DaysUnused)
	} else if !a.Finding.Created.IsZero() {
		r += " created=" + a.Finding.Created.UTC().Format("2006-01-02")
	}
	return r + " plan=" + planID + " action=" + a.ID
}

// RoleFromState is the role as the verdict rules see it.
func RoleFromState(s iamsweep.RoleState) iamsweep.Role {
	return iamsweep.Role{AccountID: s.AccountID, ARN: s.ARN, ID: s.ID, Name: s.Name, Path: s.Path,
		Created: s.Created, LastUsed: s.LastUsed, Tags: s.Tags, PermissionsBoundary: s.PermissionsBoundary}
}

// UserFromState is the user as the verdict rules see it, with its
// password and keys as GetUser, GetLoginProfile, ListAccessKeys and
// GetAccessKeyLastUsed report them.
func UserFromState(s iamsweep.UserState) iamsweep.User {
	u := iamsweep.User{AccountID: s.AccountID, ARN: s.ARN, ID: s.ID, Name: s.Name, Path: s.Path, Created: s.Created,
		Tags: s.Tags, Groups: s.Groups, PermissionsBoundary: s.PermissionsBoundary,
		HasDetails: true, HasCredentials: true, MFAActive: len(s.MFADevices) > 0}
	if s.LoginProfile != nil {
		u.Password = &iamsweep.Password{LastUsed: s.PasswordLastUsed, LastChanged: s.LoginProfile.Created}
	}
	keys := slices.Clone(s.AccessKeys)
	slices.SortStableFunc(keys, func(a, b iamsweep.AccessKeyState) int { return a.Created.Compare(b.Created) })
	for i, k := range keys {
		u.AccessKeys = append(u.AccessKeys, iamsweep.AccessKey{Slot: i + 1, ID: k.ID, Active: k.Active,
			Created: k.Created, LastUsed: k.LastUsed, LastUsedService: k.LastUsedService})
	}
	for _, c := range s.SigningCertificates {
		if c.Active {
			u.ActiveCertificates++
		}
	}
	return u
}
