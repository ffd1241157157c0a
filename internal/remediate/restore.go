package remediate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// Target is a principal named by its ARN.
type Target struct {
	ARN       string
	AccountID string
	// Principal is "role" or "user".
	Principal string
	Name      string
	Path      string
}

// ParseTarget reads a role or user ARN.
func ParseTarget(arn string) (Target, error) {
	a, err := iamsweep.ParseARN(arn)
	if err != nil {
		return Target{}, err
	}
	if a.Service != "iam" || !iamsweep.IsAccountID(a.AccountID) {
		return Target{}, fmt.Errorf("%s is not the ARN of an IAM role or user", arn)
	}
	for _, kind := range []string{"role", "user"} {
		if strings.HasPrefix(a.Resource, kind+"/") {
			path, name, err := a.IAMResource(kind)
			if err != nil {
				return Target{}, err
			}
			return Target{ARN: arn, AccountID: a.AccountID, Principal: kind, Name: name, Path: path}, nil
		}
	}
	return Target{}, fmt.Errorf("%s names neither a role nor a user", arn)
}

// single runs one action outside a plan (a release or a restore): journaled
// under its own plan ID, under a lease.
//
// fn returns the unique ID of the principal it left, recorded in the
// journal's completion entry ("" for none).
func (s *Service) single(ctx context.Context, planID string, t Target, fn func(m iamsweep.Mutator, do func(iamsweep.Step) error) (string, error)) ([]string, error) {
	if err := s.lease(ctx, "a001", t.ARN); err != nil {
		if errors.Is(err, iamsweep.ErrLeased) {
			return nil, fmt.Errorf("%s: another apply is changing it right now; try again when it is done", t.ARN)
		}
		return nil, fmt.Errorf("take the lease on %s: %w", t.ARN, err)
	}
	defer func() { _ = s.Store.ReleaseLease(context.WithoutCancel(ctx), t.ARN, s.Owner) }()
	m, err := s.Open(ctx, t.AccountID)
	if err != nil {
		return nil, fmt.Errorf("open account %s: %w", t.AccountID, err)
	}
	var done []string
	w := &work{s: s, ctx: ctx, plan: iamsweep.Plan{ID: planID}, action: iamsweep.Action{ID: "a001", ARN: t.ARN}, m: m, out: &Outcome{}}
	do := func(st iamsweep.Step) error {
		if where, ok := s.killed(); ok {
			return fmt.Errorf("%w (%s) before %q", ErrStopped, where, st.String())
		}
		if err := w.do(st); err != nil {
			return explained{msg: Explain(st, err), err: err}
		}
		done = append(done, st.String())
		return nil
	}
	principalID, err := fn(m, do)
	if err == nil {
		w.completeWith(iamsweep.JournalStep{Kind: iamsweep.JournalComplete, PrincipalID: principalID}, "")
	}
	return done, err
}

// explained is a failed step's error in words (Explain), still wrapping the
// error it explains so that callers can tell its kind.
type explained struct {
	msg string
	err error
}

func (e explained) Error() string { return e.msg }
func (e explained) Unwrap() error { return e.err }

// ReleaseResult says what a release did.
type ReleaseResult struct {
	Target Target
	// Steps are the IAM calls made; none when it was not quarantined.
	Steps []string
}

// Release undoes the quarantine of the principal arn: it deletes the
// iamsweep-quarantine policy, detaches AWSDenyAll when iamsweep attached
// it, and removes the quarantine tags. Releasing what is not quarantined
// changes nothing.
func (s *Service) Release(ctx context.Context, arn string) (ReleaseResult, error) {
	t, err := ParseTarget(arn)
	if err != nil {
		return ReleaseResult{}, err
	}
	if slices.Contains(s.Policy.ProtectedAccounts, t.AccountID) {
		return ReleaseResult{}, fmt.Errorf("account %s is protected (remediation protected-accounts): iamsweep changes nothing in it", t.AccountID)
	}
	res := ReleaseResult{Target: t}
	planID := "release-" + s.Now().UTC().Format("20060102T150405.000000000Z")
	res.Steps, err = s.single(ctx, planID, t, func(m iamsweep.Mutator, do func(iamsweep.Step) error) (string, error) {
		var steps []iamsweep.Step
		switch t.Principal {
		case "role":
			r, err := m.ReadRole(ctx, t.Name)
			if err != nil {
				return "", fmt.Errorf("read role %s: %w", t.Name, err)
			}
			steps = ReleaseRoleSteps(r, s.denyAllAttachedByUs(ctx, t.ARN, r.AttachedPolicies, r.Tags))
		default:
			u, err := m.ReadUser(ctx, t.Name)
			if err != nil {
				return "", fmt.Errorf("read user %s: %w", t.Name, err)
			}
			steps = ReleaseUserSteps(u, s.denyAllAttachedByUs(ctx, t.ARN, u.AttachedPolicies, u.Tags))
		}
		for _, st := range steps {
			if err := do(st); err != nil {
				return "", err
			}
		}
		return "", nil
	})
	return res, err
}

// denyAllAttachedByUs reports whether iamsweep attached the AWSDenyAll a
// principal holds when no tag says so (its tags were full): the backup
// taken before its quarantine did not hold it.
func (s *Service) denyAllAttachedByUs(ctx context.Context, arn string, attached []string, tags []iamsweep.Tag) bool {
	denyAll := DenyAllARN(arn)
	if !slices.Contains(attached, denyAll) || hasTag(tags, TagQuarantinePolicy) {
		return false
	}
	backups, err := s.Store.Backups(ctx, arn)
	if err != nil {
		return false
	}
	for _, b := range backups { // newest first
		p, err := s.Store.LoadPlan(ctx, b.PlanID)
		if err != nil {
			continue
		}
		for _, a := range p.Actions {
			if a.ID != b.ActionID || a.Kind != iamsweep.ActionQuarantine {
				continue
			}
			var before []string
			if b.Role != nil {
				before = b.Role.AttachedPolicies
			} else if b.User != nil {
				before = b.User.AttachedPolicies
			}
			return !slices.Contains(before, denyAll)
		}
	}
	return false
}

// RestoreOptions tune a restore.
type RestoreOptions struct {
	// Password, when set, is the new console password of a restored user
	// whose backup had one; it must be changed at the next sign-in.
	Password string
}

// RestoreResult says what a restore did and what it could not do.
type RestoreResult struct {
	Backup iamsweep.Backup
	// Steps are the IAM calls made.
	Steps []string
	// Notes name what could not come back and what to do about it.
	Notes []string
	// NewID is the principal's unique ID after the restore.
	NewID string
	// Differences are fields where the principal read back after the
	// restore still differs from its backup; empty when it matches.
	Differences []string
}

// Restore recreates a principal from a backup: ref is a backup ID, or an
// ARN whose newest backup is used. A principal that still exists is only
// completed (what the backup has and it lacks is added back) when it is
// the same principal (same unique ID) or one this restore created;
// iamsweep never restores over a principal someone else created.
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
	res.Steps, err = s.single(ctx, planID, t, func(m iamsweep.Mutator, do func(iamsweep.Step) error) (string, error) {
		var err error
		switch {
		case b.Role != nil:
			err = s.restoreRole(ctx, m, do, *b.Role, ours, &res)
		case b.User != nil:
			err = s.restoreUser(ctx, m, do, *b.User, ours, opts, &res)
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
// may complete: one an unfinished restore of the backup may have created,
// and those earlier restores of it left.
type ownership struct {
	created bool
	ids     []string
}

func (o ownership) owns(id string) bool { return o.created || slices.Contains(o.ids, id) }

// restorePlanID returns the journal ID of the restore of a backup, reusing
// an unfinished one, and which principals earlier restores of the backup
// made.
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
		if readJournal(entries).completed {
			for _, e := range entries {
				if e.Step.Kind == iamsweep.JournalComplete && e.Step.PrincipalID != "" {
					o.ids = append(o.ids, e.Step.PrincipalID)
				}
			}
			continue
		}
		for _, e := range entries {
			if e.Step.Kind == iamsweep.JournalCall && (e.Step.Op == iamsweep.OpCreateRole || e.Step.Op == iamsweep.OpCreateUser) && e.Outcome != iamsweep.OutcomeFailed {
				// Done, or interrupted: it may have run, and a principal
				// found now is then this restore's.
				o.created = true
			}
		}
		return id, o, nil
	}
}

func (s *Service) restoreRole(ctx context.Context, m iamsweep.Mutator, do func(iamsweep.Step) error, b iamsweep.RoleState, ours ownership, res *RestoreResult) error {
	var current *iamsweep.RoleState
	r, err := m.ReadRole(ctx, b.Name)
	switch {
	case errors.Is(err, iamsweep.ErrNotFound):
	case err != nil:
		return fmt.Errorf("read role %s: %w", b.Name, err)
	case r.ID != b.ID && !ours.owns(r.ID):
		return fmt.Errorf("role %s exists with unique ID %s, not the backed-up %s: someone created it since; iamsweep does not restore over it (delete or rename it first)", b.Name, r.ID, b.ID)
	default:
		current = &r
	}
	profiles, err := readProfiles(ctx, m, b.InstanceProfiles)
	if err != nil {
		return err
	}
	steps, notes := RestoreRoleSteps(b, current, profiles)
	res.Notes = append(res.Notes, notes...)
	if err := restoreSteps(do, steps, res); err != nil {
		return err
	}
	after, err := m.ReadRole(ctx, b.Name)
	if err != nil {
		return fmt.Errorf("read role %s back: %w", b.Name, err)
	}
	res.NewID = after.ID
	if after.ID != b.ID {
		res.Notes = append(res.Notes, fmt.Sprintf("the role has a new unique ID (%s; it was %s): trust and resource policies that named the old role now show %s and must name the role again", after.ID, b.ID, b.ID))
	}
	if Quarantined(after.InlinePolicies, after.Tags) {
		res.Notes = append(res.Notes, "the role was quarantined when it was backed up, and is again: iamsweep release "+b.ARN+" lifts it")
	}
	afterProfiles, err := readProfiles(ctx, m, b.InstanceProfiles)
	if err != nil {
		return err
	}
	after.InstanceProfiles = nil
	for _, p := range b.InstanceProfiles {
		if ap, ok := afterProfiles[p.Name]; ok {
			after.InstanceProfiles = append(after.InstanceProfiles, ap)
		}
	}
	res.Differences = CompareRoles(b, after)
	return nil
}

// restoreSteps runs a restore's steps. A step that attaches a policy or a
// group gone since the backup is noted and passed over, so the rest of the
// principal still comes back, with less access than it had, never more;
// any other failure stops the restore (a permissions boundary that cannot
// be set among them: without it the principal could do more than before).
func restoreSteps(do func(iamsweep.Step) error, steps []iamsweep.Step, res *RestoreResult) error {
	for _, st := range steps {
		err := do(st)
		if err == nil {
			continue
		}
		if why, ok := goneDependency(st, err); ok {
			res.Notes = append(res.Notes, why)
			continue
		}
		return err
	}
	return nil
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

func (s *Service) restoreUser(ctx context.Context, m iamsweep.Mutator, do func(iamsweep.Step) error, b iamsweep.UserState, ours ownership, opts RestoreOptions, res *RestoreResult) error {
	var current *iamsweep.UserState
	u, err := m.ReadUser(ctx, b.Name)
	switch {
	case errors.Is(err, iamsweep.ErrNotFound):
	case err != nil:
		return fmt.Errorf("read user %s: %w", b.Name, err)
	case u.ID != b.ID && !ours.owns(u.ID):
		return fmt.Errorf("user %s exists with unique ID %s, not the backed-up %s: someone created it since; iamsweep does not restore over it (delete or rename it first)", b.Name, u.ID, b.ID)
	default:
		current = &u
	}
	steps, notes := RestoreUserSteps(b, current, opts.Password)
	res.Notes = append(res.Notes, notes...)
	if err := restoreSteps(do, steps, res); err != nil {
		return err
	}
	after, err := m.ReadUser(ctx, b.Name)
	if err != nil {
		return fmt.Errorf("read user %s back: %w", b.Name, err)
	}
	res.NewID = after.ID
	if after.ID != b.ID {
		res.Notes = append(res.Notes, fmt.Sprintf("the user has a new unique ID (%s; it was %s): resource policies that named the old user now show %s and must name the user again", after.ID, b.ID, b.ID))
	}
	if Quarantined(after.InlinePolicies, after.Tags) {
		res.Notes = append(res.Notes, "the user was quarantined when it was backed up, and is again: iamsweep release "+b.ARN+" lifts it")
	}
	res.Differences = CompareUsers(b, after)
	return nil
}

// CompareRoles lists the restorable fields where role got differs from
// backup want: everything but the unique ID, creation time and last use.
func CompareRoles(want, got iamsweep.RoleState) []string {
	var d diffs
	d.str("path", want.Path, got.Path)
	d.str("description", want.Description, got.Description)
	d.num("max session duration", want.MaxSessionDuration, got.MaxSessionDuration)
	d.json("trust policy", want.TrustPolicy, got.TrustPolicy)
	d.str("permissions boundary", want.PermissionsBoundary, got.PermissionsBoundary)
	d.tags(want.Tags, got.Tags)
	d.docs(want.InlinePolicies, got.InlinePolicies)
	d.set("attached policies", want.AttachedPolicies, got.AttachedPolicies)
	var wp, gp []string
	for _, p := range want.InstanceProfiles {
		wp = append(wp, p.Path+p.Name+" "+tagString(p.Tags))
	}
	for _, p := range got.InstanceProfiles {
		gp = append(gp, p.Path+p.Name+" "+tagString(p.Tags))
	}
	d.set("instance profiles", wp, gp)
	return d.out
}

// CompareUsers lists the restorable fields where user got differs from
// backup want: path, boundary, tags, policies, groups, SSH keys and
// signing certificates (secrets cannot be restored and are not compared).
func CompareUsers(want, got iamsweep.UserState) []string {
	var d diffs
	d.str("path", want.Path, got.Path)
	d.str("permissions boundary", want.PermissionsBoundary, got.PermissionsBoundary)
	d.tags(want.Tags, got.Tags)
	d.docs(want.InlinePolicies, got.InlinePolicies)
	d.set("attached policies", want.AttachedPolicies, got.AttachedPolicies)
	d.set("groups", want.Groups, got.Groups)
	var ws, gs []string
	for _, k := range want.SSHPublicKeys {
		ws = append(ws, strings.TrimSpace(k.Body)+fmt.Sprintf(" active=%t", k.Active))
	}
	for _, k := range got.SSHPublicKeys {
		gs = append(gs, strings.TrimSpace(k.Body)+fmt.Sprintf(" active=%t", k.Active))
	}
	d.set("SSH public keys", ws, gs)
	var wc, gc []string
	for _, c := range want.SigningCertificates {
		wc = append(wc, strings.TrimSpace(c.Body)+fmt.Sprintf(" active=%t", c.Active))
	}
	for _, c := range got.SigningCertificates {
		gc = append(gc, strings.TrimSpace(c.Body)+fmt.Sprintf(" active=%t", c.Active))
	}
	d.set("signing certificates", wc, gc)
	return d.out
}

type diffs struct{ out []string }

func (d *diffs) str(field, want, got string) {
	if want != got {
		d.out = append(d.out, fmt.Sprintf("%s: backup %q, now %q", field, want, got))
	}
}

func (d *diffs) num(field string, want, got int) {
	if want != got {
		d.out = append(d.out, fmt.Sprintf("%s: backup %d, now %d", field, want, got))
	}
}

func (d *diffs) json(field, want, got string) {
	if !SameJSON(want, got) {
		d.out = append(d.out, fmt.Sprintf("%s: backup %s, now %s", field, want, got))
	}
}

func (d *diffs) tags(want, got []iamsweep.Tag) {
	d.set("tags", tagStrings(want), tagStrings(got))
}

func (d *diffs) docs(want, got []iamsweep.NamedDocument) {
	var w, g []string
	for _, p := range want {
		w = append(w, p.Name+"="+CompactJSON(p.Document))
	}
	for _, p := range got {
		g = append(g, p.Name+"="+CompactJSON(p.Document))
	}
	d.set("inline policies", w, g)
}

func (d *diffs) set(field string, want, got []string) {
	w, g := slices.Clone(want), slices.Clone(got)
	slices.Sort(w)
	slices.Sort(g)
	if !slices.Equal(w, g) {
		d.out = append(d.out, fmt.Sprintf("%s: backup %q, now %q", field, w, g))
	}
}

func tagStrings(tags []iamsweep.Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Key + "=" + t.Value
	}
	return out
}

func tagString(tags []iamsweep.Tag) string {
	s := tagStrings(tags)
	slices.Sort(s)
	return strings.Join(s, ",")
}
