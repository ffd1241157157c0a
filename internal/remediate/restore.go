package remediate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// RestoreOptions tune a restore.
type RestoreOptions struct {
	// Password, when set, is the new console password of a restored user
	// whose backup had one; it must be changed at the next sign-in.
	Password string
}

// RestoreResult says what a restore did and what it could not do.
type RestoreResult struct {
	Backup iamsweep.Backup
	// Steps are the IAM calls IAM carried out (a call whose answer was
	// lost among them, once reading the principal again found it done).
	Steps []string
	// Notes name what could not come back and what to do about it.
	Notes []string
	// NewID is the principal's unique ID after the restore.
	NewID string
	// Existed is true when the principal existed, with the backup's unique
	// ID, before the restore: it was never deleted (only quarantined, or a
	// deletion stopped part way).
	Existed bool
	// Quarantined is true when the principal is quarantined by iamsweep
	// and its backup was not: a restore does not lift a quarantine (release
	// does), and the quarantine is not listed among the Differences.
	Quarantined bool
	// Differences are fields where the principal read back after the
	// restore still differs from its backup; empty when it matches.
	Differences []string
}

// Restore recreates a principal from a backup: ref is a backup ID, or an
// ARN whose newest backup is used. A principal that still exists is only
// completed (what the backup has and it lacks is added back) when it is
// the same principal (same unique ID) or one a restore of this backup
// created; iamsweep never restores over a principal someone else created.
//
// A restore converges when an answer is lost: the principal it creates
// carries the TagRestoreMarker of this restore from the CreateRole or
// CreateUser call on, until its last call removes it, so a create whose
// answer never arrived (and whose retry meets EntityAlreadyExists) is known
// for its own; a call whose outcome is unknown is journaled so, and the
// restore reads the principal again and goes on from what IAM holds, in
// the same run (up to restoreRounds times) or the next.
func (s *Service) Restore(ctx context.Context, ref string, opts RestoreOptions) (RestoreResult, error) {
	b, err := s.findBackup(ctx, ref)
	if err != nil {
		return RestoreResult{}, err
	}
	t, err := ParseTarget(b.ARN)
	if err != nil {
		return RestoreResult{}, fmt.Errorf("backup %s: %w", b.ID, err)
	}
	if slices.Contains(s.Policy.ProtectedAccounts, t.AccountID) {
		return RestoreResult{}, fmt.Errorf("account %s is protected (remediation protected-accounts): iamsweep changes nothing in it", t.AccountID)
	}
	res := RestoreResult{Backup: b}
	planID, ours, err := s.restorePlanID(ctx, b.ID)
	if err != nil {
		return res, err
	}
	r := &restoring{s: s, ctx: ctx, ours: ours, marker: RestoreMarker(planID), res: &res, refined: s.refinedBy(ctx, b)}
	res.Steps, err = s.single(ctx, planID, "restore", t, func(m iamsweep.Mutator, c *calls) (string, error) {
		r.m, r.c = m, c
		var err error
		switch {
		case b.Role != nil:
			err = r.role(*b.Role)
		case b.User != nil:
			err = r.user(*b.User, opts)
		default:
			err = fmt.Errorf("backup %s holds neither a role nor a user", b.ID)
		}
		return res.NewID, err
	})
	return res, err
}

func (s *Service) findBackup(ctx context.Context, ref string) (iamsweep.Backup, error) {
	if strings.HasPrefix(ref, "arn:") {
		bs, err := s.Store.Backups(ctx, ref)
		if err != nil {
			return iamsweep.Backup{}, err
		}
		if len(bs) == 0 {
			return iamsweep.Backup{}, fmt.Errorf("no backup of %s in the store (iamsweep backups lists them): %w", ref, iamsweep.ErrNotFound)
		}
		return bs[0], nil
	}
	b, err := s.Store.LoadBackup(ctx, ref)
	if errors.Is(err, iamsweep.ErrNotFound) {
		return b, fmt.Errorf("no backup %q in the store (iamsweep backups lists them): %w", ref, err)
	}
	return b, err
}

// ownership says which principals found under a backup's name a restore
// may complete, besides the backed-up one itself and one that carries the
// restore's marker: those earlier restores of the backup left, and one an
// unfinished restore removed its marker from.
type ownership struct {
	ids []string
	// passwordLost is true when an unfinished restore set a console
	// password and died before it could show it.
	passwordLost bool
}

// restorePlanID returns the journal ID of the restore of a backup, reusing
// an unfinished one, and which principals restores of the backup made.
func (s *Service) restorePlanID(ctx context.Context, backupID string) (string, ownership, error) {
	var o ownership
	for n := 1; ; n++ {
		id := "restore-" + backupID
		if n > 1 {
			id += fmt.Sprintf("-%d", n)
		}
		entries, err := s.Store.Journal(ctx, id, "a001")
		if err != nil {
			return "", o, err
		}
		if len(entries) == 0 {
			return id, o, nil
		}
		completed := readJournal(entries).completed
		for _, e := range entries {
			if !completed && e.Step.Kind == iamsweep.JournalCall && e.Step.Op == iamsweep.OpCreateLoginProfile && e.Outcome != iamsweep.OutcomeFailed {
				o.passwordLost = true
			}
			switch {
			case e.Step.PrincipalID == "":
			case e.Step.Kind == iamsweep.JournalComplete && completed:
				o.ids = append(o.ids, e.Step.PrincipalID)
			case unmarks(e.Step) && e.Outcome != iamsweep.OutcomeFailed:
				// Done, or it may have run: the principal then carries
				// the marker no more, and is this restore's all the same.
				o.ids = append(o.ids, e.Step.PrincipalID)
			}
		}
		if !completed {
			return id, o, nil
		}
	}
}

// unmarks reports whether a journaled call removes a restore's marker.
func unmarks(j iamsweep.JournalStep) bool {
	return j.Kind == iamsweep.JournalCall && (j.Op == iamsweep.OpUntagRole || j.Op == iamsweep.OpUntagUser) && j.Subject == TagRestoreMarker
}

// restoreRounds bounds how often one restore reads the principal again
// after a call whose outcome is unknown.
const restoreRounds = 3

// restoring is one restore under way.
type restoring struct {
	s      *Service
	ctx    context.Context
	m      iamsweep.Mutator
	c      *calls
	ours   ownership
	marker iamsweep.Tag
	res    *RestoreResult
	// gone are the notes of what the backup names that IAM no longer has.
	gone []string
	// refined are the ARNs of the policies the refine action that took
	// the backup created: the restore detaches and deletes them.
	refined []string
}

// unrefine returns the calls that take away the policies the refine
// action that took the backup created, with notes on those it keeps.
func (r *restoring) unrefine(principal, name string, backupAttached, attached []string) ([]iamsweep.Step, []string, error) {
	if len(r.refined) == 0 {
		return nil, nil, nil
	}
	pr, err := policyReader(r.m)
	if err != nil {
		return nil, nil, err
	}
	created := map[string]iamsweep.ManagedPolicy{}
	for _, arn := range r.refined {
		got, err := pr.ReadPolicy(r.ctx, arn)
		switch {
		case errors.Is(err, iamsweep.ErrNotFound):
		case err != nil:
			return nil, nil, fmt.Errorf("read managed policy %s: %w", arn, err)
		default:
			created[arn] = got
		}
	}
	steps, notes := UnrefineSteps(principal, name, backupAttached, attached, r.refined, created)
	return steps, notes, nil
}

// state is a principal as one round of a restore finds it, and the calls
// that remain.
type state struct {
	exists bool
	id     string
	tags   []iamsweep.Tag
	steps  []iamsweep.Step
	notes  []string
	// holds reports whether a call whose answer was lost shows in the
	// principal (the steps no longer include it); nil when every call
	// that is no longer needed was done.
	holds func(iamsweep.Step) bool
}

// converge runs the rounds of a restore of the principal of unique ID
// backedUp: read reads the principal and
// computes the calls still missing; they run in order. A round ends early
// after a create (the next reads the new principal's unique ID, with which
// the marker's removal is journaled) and after a call whose outcome is
// unknown (the next reads what IAM did). A call that attaches a policy or
// a group gone since the backup is noted and passed over, so the rest of
// the principal still comes back, with less access than it had, never
// more; any other failure stops the restore (a permissions boundary that
// cannot be set among them: without it the principal could do more than
// before).
func (r *restoring) converge(kind, name, backedUp string, read func() (state, error)) error {
	var lost *iamsweep.Step
	unknown := 0
	for round := 1; ; round++ {
		st, err := read()
		if err != nil {
			return err
		}
		if st.exists && st.id != backedUp && !slices.Contains(r.ours.ids, st.id) && !r.marked(st.tags) {
			return fmt.Errorf("%s %s exists with unique ID %s, not the backed-up %s: someone created it since; iamsweep does not restore over it (delete or rename it first)", kind, name, st.id, backedUp)
		}
		if round == 1 && st.exists && st.id == backedUp {
			r.res.Existed = true
		}
		if lost != nil && !slices.ContainsFunc(st.steps, sameStep(*lost)) && (st.holds == nil || st.holds(*lost)) {
			r.c.carriedOut(*lost)
		}
		lost = nil
		r.res.Notes = st.notes
		again := false
		steps := st.steps
	calls:
		for i := 0; i < len(steps); i++ {
			step := steps[i]
			principalID := ""
			if unmarksStep(step) {
				// Journaled with the unique ID, and known for this
				// restore's once the marker may be gone.
				principalID = st.id
				r.ours.ids = append(r.ours.ids, st.id)
			}
			err := r.c.do(step, principalID)
			switch {
			case err == nil:
				if step.Op == iamsweep.OpCreateRole || step.Op == iamsweep.OpCreateUser {
					again = true
					break calls
				}
			case outcomeUnknown(err):
				if unknown++; unknown > restoreRounds {
					return fmt.Errorf("%w (the answer was lost %d times in this run)", err, unknown)
				}
				lost, again = &step, true
				break calls
			case (step.Op == iamsweep.OpAttachRolePolicy || step.Op == iamsweep.OpAttachUserPolicy) && iamsweep.ErrorCode(err) == "LimitExceeded" && laterDetach(steps, i) > i:
				// At IAM's quota of managed policies: detach a refined
				// copy the restore takes away first, then attach again.
				j := laterDetach(steps, i)
				detach := steps[j]
				steps = slices.Insert(append(steps[:j:j], steps[j+1:]...), i, detach)
				r.res.Notes = append(r.res.Notes, "IAM's quota of managed policies was reached: detached "+detach.Target+" before attaching "+step.Target)
				i--
			default:
				why, ok := goneDependency(step, err)
				if !ok {
					return err
				}
				if !slices.Contains(r.gone, why) {
					r.gone = append(r.gone, why)
				}
			}
		}
		if !again {
			r.res.Notes = append(r.res.Notes, r.gone...)
			return nil
		}
	}
}

// marked reports whether tags hold this restore's marker.
func (r *restoring) marked(tags []iamsweep.Tag) bool {
	v, ok := tagValue(tags, r.marker.Key)
	return ok && v == r.marker.Value
}

// sameStep matches a step with the same call and arguments as st.
func sameStep(st iamsweep.Step) func(iamsweep.Step) bool {
	return func(o iamsweep.Step) bool {
		return o.Op == st.Op && o.Name == st.Name && o.Target == st.Target && o.Document == st.Document && o.Active == st.Active
	}
}

// unmarksStep reports whether a step removes a restore's marker.
func unmarksStep(st iamsweep.Step) bool { return unmarks(iamsweep.CallStep(st)) }

func (r *restoring) role(b iamsweep.RoleState) error {
	read := func() (state, error) {
		var current *iamsweep.RoleState
		got, err := r.m.ReadRole(r.ctx, b.Name)
		switch {
		case errors.Is(err, iamsweep.ErrNotFound):
		case err != nil:
			return state{}, fmt.Errorf("read role %s: %w", b.Name, err)
		default:
			current = &got
		}
		profiles, err := readProfiles(r.ctx, r.m, b.InstanceProfiles)
		if err != nil {
			return state{}, err
		}
		steps, notes := RestoreRoleSteps(b, current, profiles, r.marker)
		more, moreNotes, err := r.unrefine("role", b.Name, b.AttachedPolicies, got.AttachedPolicies)
		if err != nil {
			return state{}, err
		}
		steps, notes = append(steps, more...), append(notes, moreNotes...)
		holds := func(st iamsweep.Step) bool {
			// A profile the role was not added back to (it holds
			// another) is not a lost answer that went through.
			return st.Op != iamsweep.OpAddRoleToInstanceProfile || slices.Contains(profiles[st.Target].Roles, b.Name)
		}
		return state{exists: current != nil, id: got.ID, tags: got.Tags, steps: steps, notes: notes, holds: holds}, nil
	}
	if err := r.converge("role", b.Name, b.ID, read); err != nil {
		return err
	}
	after, err := r.m.ReadRole(r.ctx, b.Name)
	if err != nil {
		return fmt.Errorf("read role %s back: %w", b.Name, err)
	}
	r.res.NewID = after.ID
	if after.ID != b.ID {
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("the role has a new unique ID (%s; it was %s): trust and resource policies that named the old role now show %s and must name the role again", after.ID, b.ID, b.ID))
	}
	r.quarantine(b.ARN, "role", Quarantined(b.InlinePolicies, b.Tags), &after.InlinePolicies, &after.AttachedPolicies, &after.Tags)
	afterProfiles, err := readProfiles(r.ctx, r.m, b.InstanceProfiles)
	if err != nil {
		return err
	}
	after.InstanceProfiles = nil
	for _, p := range b.InstanceProfiles {
		if ap, ok := afterProfiles[p.Name]; ok {
			after.InstanceProfiles = append(after.InstanceProfiles, ap)
		}
	}
	r.res.Differences = CompareRoles(b, after)
	return nil
}

func (r *restoring) user(b iamsweep.UserState, opts RestoreOptions) error {
	read := func() (state, error) {
		var current *iamsweep.UserState
		got, err := r.m.ReadUser(r.ctx, b.Name)
		switch {
		case errors.Is(err, iamsweep.ErrNotFound):
		case err != nil:
			return state{}, fmt.Errorf("read user %s: %w", b.Name, err)
		default:
			current = &got
		}
		steps, notes := RestoreUserSteps(b, current, opts.Password, r.marker)
		more, moreNotes, err := r.unrefine("user", b.Name, b.AttachedPolicies, got.AttachedPolicies)
		if err != nil {
			return state{}, err
		}
		steps, notes = append(steps, more...), append(notes, moreNotes...)
		return state{exists: current != nil, id: got.ID, tags: got.Tags, steps: steps, notes: notes}, nil
	}
	if err := r.converge("user", b.Name, b.ID, read); err != nil {
		return err
	}
	after, err := r.m.ReadUser(r.ctx, b.Name)
	if err != nil {
		return fmt.Errorf("read user %s back: %w", b.Name, err)
	}
	r.res.NewID = after.ID
	if after.ID != b.ID {
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("the user has a new unique ID (%s; it was %s): resource policies that named the old user now show %s and must name the user again", after.ID, b.ID, b.ID))
	}
	if r.ours.passwordLost && after.LoginProfile != nil && !slices.ContainsFunc(r.c.made, func(s string) bool { return strings.HasPrefix(s, string(iamsweep.OpCreateLoginProfile)+" ") }) {
		r.res.Notes = append(r.res.Notes, "an interrupted run of this restore set a console password and was shown to nobody: set a new one (aws iam update-login-profile --user-name "+b.Name+" --password-reset-required --password ...)")
	}
	r.quarantine(b.ARN, "user", Quarantined(b.InlinePolicies, b.Tags), &after.InlinePolicies, &after.AttachedPolicies, &after.Tags)
	r.res.Differences = CompareUsers(b, after)
	return nil
}

// quarantine notes a quarantine the principal read back is under, and
// when its backup was not quarantined, takes the quarantine out of what
// is compared with the backup: a restore does not lift a quarantine,
// release does.
func (r *restoring) quarantine(arn, kind string, backedUp bool, inline *[]iamsweep.NamedDocument, attached *[]string, tags *[]iamsweep.Tag) {
	if !Quarantined(*inline, *tags) {
		return
	}
	if backedUp {
		r.res.Notes = append(r.res.Notes, "the "+kind+" was quarantined when it was backed up, and is again: iamsweep release "+arn+" lifts it")
		return
	}
	r.res.Quarantined = true
	r.res.Notes = append(r.res.Notes, "the "+kind+" is quarantined by iamsweep, as it was not when backed up: restore does not lift a quarantine; iamsweep release "+arn+" does")
	how, _ := tagValue(*tags, TagQuarantinePolicy)
	*inline = slices.DeleteFunc(slices.Clone(*inline), func(d iamsweep.NamedDocument) bool { return d.Name == QuarantinePolicyName })
	if how == "AWSDenyAll" {
		*attached = slices.DeleteFunc(slices.Clone(*attached), func(a string) bool { return a == DenyAllARN(arn) })
	}
	*tags = slices.DeleteFunc(slices.Clone(*tags), func(t iamsweep.Tag) bool { return strings.HasPrefix(t.Key, "iamsweep:quarantine") })
}

// goneDependency reports whether a restore step failed because what it
// attaches no longer exists: a customer managed policy or a group deleted
// since the backup, or an AWS managed policy AWS has deprecated since
// (deprecated policies stay on the principals that have them but cannot
// be attached again). IAM names the missing policy or group in its
// message, which tells this from the principal itself being gone.
func goneDependency(st iamsweep.Step, err error) (string, bool) {
	if !errors.Is(err, iamsweep.ErrNotFound) {
		return "", false
	}
	msg := err.Error()
	switch st.Op {
	case iamsweep.OpAttachRolePolicy, iamsweep.OpAttachUserPolicy:
		if strings.Contains(msg, st.Target) {
			return fmt.Sprintf("managed policy %s was not attached: IAM says it does not exist or is not attachable (deleted since the backup, or an AWS managed policy AWS has deprecated); attach its replacement by hand", st.Target), true
		}
	case iamsweep.OpAddUserToGroup:
		if strings.Contains(msg, "group with name "+st.Target) {
			return fmt.Sprintf("the user was not added back to group %s: the group no longer exists", st.Target), true
		}
	}
	return "", false
}

// readProfiles reads the current state of instance profiles; absent ones
// are left out of the map.
func readProfiles(ctx context.Context, m iamsweep.Mutator, ps []iamsweep.InstanceProfileState) (map[string]iamsweep.InstanceProfileState, error) {
	out := map[string]iamsweep.InstanceProfileState{}
	for _, p := range ps {
		got, err := m.ReadInstanceProfile(ctx, p.Name)
		switch {
		case errors.Is(err, iamsweep.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("read instance profile %s: %w", p.Name, err)
		default:
			out[p.Name] = got
		}
	}
	return out, nil
}

// laterDetach returns the index of the first step after i that detaches a
// managed policy, or -1.
func laterDetach(steps []iamsweep.Step, i int) int {
	for j := i + 1; j < len(steps); j++ {
		if steps[j].Op == iamsweep.OpDetachRolePolicy || steps[j].Op == iamsweep.OpDetachUserPolicy {
			return j
		}
	}
	return -1
}
