package refine

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// IAM's size limits, in characters without white space
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
const (
	// MaxManagedPolicySize is the limit of one managed policy version.
	MaxManagedPolicySize = 6144
	// MaxRoleInlineSize is the limit of all inline policies of a role
	// together.
	MaxRoleInlineSize = 10240
	// MaxUserInlineSize is the limit of all inline policies of a user
	// together.
	MaxUserInlineSize = 2048
	// DefaultManagedPolicyQuota is how many managed policies a principal
	// may have attached by default.
	DefaultManagedPolicyQuota = 10
	// maxPolicyNameLength is IAM's limit on a managed policy's name.
	maxPolicyNameLength = 128
	// staleReportDays is the age from which a report's age is noted.
	staleReportDays = 7
)

// Refine recommends, for each policy of p, the step that narrows it to
// what rep shows p used in its window (see the package doc for the rules).
// It fails only on inconsistent input: a report about another principal,
// a window out of range, or a principal kind other than role or user.
func Refine(p Principal, rep iamsweep.AccessReport, o Options) (Result, error) {
	if rep.ARN != "" && rep.ARN != p.ARN {
		return Result{}, fmt.Errorf("refine %s: the access report is about %s", p.ARN, rep.ARN)
	}
	if p.Kind != "role" && p.Kind != "user" {
		return Result{}, fmt.Errorf("refine %s: kind %q, want role or user", p.ARN, p.Kind)
	}
	if p.Created.After(rep.Since) {
		rep.Since = p.Created
	}
	res := Result{ARN: p.ARN, Kind: p.Kind, Name: p.Name, EvidenceSince: rep.Since, EvidenceUntil: rep.Generated}
	res.WindowDays, res.WindowPattern = o.window(p)
	if res.WindowDays < 1 || res.WindowDays > MaxWindowDays {
		return Result{}, fmt.Errorf("refine %s: window of %d days, want 1 to %d (IAM keeps %d days of data)",
			p.ARN, res.WindowDays, MaxWindowDays, MaxWindowDays)
	}
	if reason, ok := o.exemption(p); ok {
		res.Status, res.Reason = StatusExempt, reason
		return res, nil
	}
	// The window ends where the evidence does: a report of last month
	// says nothing about use since, and no evidence is not non-use.
	end := o.Now
	if !rep.Generated.IsZero() && rep.Generated.Before(end) {
		end = rep.Generated
		if days := int(o.Now.Sub(end).Hours() / 24); days >= staleReportDays {
			res.Notes = append(res.Notes, fmt.Sprintf("the service last accessed data is %d days old: the window ends at its date, %s", days, end.UTC().Format(time.DateOnly)))
		}
	}
	cutoff := end.AddDate(0, 0, -res.WindowDays)
	coverage := describeCoverage(rep, res.WindowDays, res.WindowPattern)
	if !rep.Since.IsZero() && rep.Since.After(cutoff) {
		res.Status = StatusInsufficientEvidence
		res.Reason = fmt.Sprintf("not refined: %s; the evidence covers less than the window, and a permission not used yet may be needed later", coverage)
		return res, nil
	}
	cat := o.Catalog
	if cat == nil {
		cat = DefaultCatalog()
	}
	ev := newEvidenceCat(rep, cutoff, cat)
	r := refiner{ev: ev, cat: cat, memo: make(map[memoKey]memoResult, patternCount(p)), against: map[string]*againstCatalog{}}
	for _, s := range rep.Services {
		if s.LastAccessed.After(res.LastAccessed) {
			res.LastAccessed = s.LastAccessed
		}
	}
	if len(rep.Services) > 0 && !slices.ContainsFunc(ev.order, func(ns string) bool { return ev.services[ns].used }) {
		res.Status = StatusUnusedPrincipal
		res.Reason = fmt.Sprintf("not refined: the principal used none of the %d services its policies allow in the window, so it is unused as a whole (scan reports it; plan and apply remove it): %s",
			len(rep.Services), coverage)
		return res, nil
	}
	allows := allowStatements(p)
	res.UnusedServices, res.UnusedActions = unused(ev, allows)

	inlineLimit := MaxRoleInlineSize
	if p.Kind == "user" {
		inlineLimit = MaxUserInlineSize
	}
	for _, ip := range p.Inline {
		pr := PolicyResult{ID: ip.Name, Name: ip.Name, Inline: true, RecommendedName: refinedInlineName(ip.Name), Existing: ip.Document}
		// One inline policy longer than the limit of them all is too long
		// whatever the others; fitInline checks them together.
		pr = r.narrowed(pr, inlineLimit, fmt.Sprintf("IAM's %d for the inline policies of a %s", inlineLimit, p.Kind))
		res.Policies = append(res.Policies, pr)
	}
	for _, mp := range p.Managed {
		pr := PolicyResult{ID: mp.ARN, Name: mp.Name, AWSManaged: mp.AWSManaged(), UpdatedAt: mp.UpdatedAt,
			Existing: mp.Document, RecommendedName: recommendedName(mp.Name, p.Name)}
		pr = r.narrowed(pr, MaxManagedPolicySize, fmt.Sprintf("IAM's %d for a managed policy", MaxManagedPolicySize))
		res.Policies = append(res.Policies, pr)
	}
	r.fitInline(&res, p.Kind)
	if len(p.Managed) >= DefaultManagedPolicyQuota && slices.ContainsFunc(res.Policies, func(pr PolicyResult) bool {
		return !pr.Inline && pr.Recommended != nil
	}) {
		res.Notes = append(res.Notes, fmt.Sprintf("the principal has %d managed policies attached, IAM's default quota is %d: detach the existing policy before attaching its refined one",
			len(p.Managed), DefaultManagedPolicyQuota))
	}

	changed := 0
	for _, pr := range res.Policies {
		if pr.Changed() {
			changed++
		}
	}
	if changed == 0 {
		res.Status = StatusInUse
		res.Reason = fmt.Sprintf("nothing to remove: %s", coverage)
		return res, nil
	}
	res.Status = StatusRefined
	res.Reason = fmt.Sprintf("%d of %d policies narrowed (%d unused services, %d unused actions): %s",
		changed, len(res.Policies), len(res.UnusedServices), len(res.UnusedActions), coverage)
	return res, nil
}

// NoEvidence returns the result of a principal for which there is no
// service last accessed data (why says where it was looked for), or its
// exemption when it is exempt.
func NoEvidence(p Principal, o Options, why string) Result {
	res := Result{ARN: p.ARN, Kind: p.Kind, Name: p.Name}
	if reason, ok := o.exemption(p); ok {
		res.Status, res.Reason = StatusExempt, reason
		return res
	}
	res.Status, res.Reason = StatusNoEvidence, "not refined: no service last accessed data: "+why
	return res
}

// exemption returns why p is exempt, if it is: a tag, or a role AWS or
// the organization's control plane owns.
func (o Options) exemption(p Principal) (string, bool) {
	if tag, ok := o.exempt(p); ok {
		return fmt.Sprintf("exempt: tagged %s", tag), true
	}
	if m, ok := detect.MatchManaged(p.Path, p.Name); ok && p.Kind == "role" {
		return fmt.Sprintf("exempt: %s; its policies belong to the service that owns it", m.Reason), true
	}
	return "", false
}

// window returns the window for p and the pattern that set it.
func (o Options) window(p Principal) (int, string) {
	for _, w := range o.Windows {
		if w.Pattern.Match(p.PathName()) {
			return w.Days, w.Pattern.String()
		}
	}
	if o.WindowDays == 0 {
		return DefaultWindowDays, ""
	}
	return o.WindowDays, ""
}

// exempt returns the tag that exempts p, if any ("key=value").
func (o Options) exempt(p Principal) (string, bool) {
	for _, e := range o.ExemptTags {
		for _, t := range p.Tags {
			if strings.EqualFold(t.Key, e.Key) && (e.Value == "" || t.Value == e.Value) {
				return t.Key + "=" + t.Value, true
			}
		}
	}
	return "", false
}

// describeCoverage says how long the evidence covers, for reasons.
func describeCoverage(rep iamsweep.AccessReport, window int, pattern string) string {
	w := fmt.Sprintf("a %d-day window", window)
	if pattern != "" {
		w += fmt.Sprintf(" (set for %q)", pattern)
	}
	until := "the report's date"
	if !rep.Generated.IsZero() {
		until = rep.Generated.UTC().Format(time.DateOnly)
	}
	if rep.Since.IsZero() {
		return fmt.Sprintf("%s; service last accessed data up to %s, start of tracking not stated", w, until)
	}
	days := 0
	if !rep.Generated.IsZero() {
		days = int(rep.Generated.Sub(rep.Since).Hours() / 24)
	}
	return fmt.Sprintf("%s; service last accessed data from %s to %s (%d days)", w,
		rep.Since.UTC().Format(time.DateOnly), until, days)
}

// recommendedName is the name of a principal's refined copy of a managed
// policy: "<policy>-<principal>-refined", cut to IAM's 128 characters.
func recommendedName(policyName, principal string) string {
	name := policyName + "-" + principal + "-refined"
	if len(name) > maxPolicyNameLength {
		name = policyName + "-refined"
		if len(name) > maxPolicyNameLength {
			name = name[len(name)-maxPolicyNameLength:]
		}
	}
	return name
}

// refinedInlineName is the name of the refined copy of an inline policy:
// "<policy>-refined", cut to IAM's 128 characters. It differs from the
// existing name so that the two steps (put the refined policy, then
// delete the existing one) can be applied as they read.
func refinedInlineName(name string) string {
	n := name + "-refined"
	if len(n) > maxPolicyNameLength {
		n = n[len(n)-maxPolicyNameLength:]
	}
	return n
}

// refiner holds what the refinement of one principal's policies shares.
type refiner struct {
	ev  *evidence
	cat *Catalog
	// memo holds pattern's results by coarse flag and pattern: the same
	// patterns recur across a principal's statements and policies.
	memo map[memoKey]memoResult
	// against holds, by lower-case service prefix, the evidence of the
	// service laid against its catalogue entry, built when first needed.
	against map[string]*againstCatalog
}

// againstCatalog is a service's evidence laid against its catalogue
// entry: which of the catalogue's actions go, and the tracked actions the
// catalogue does not list.
type againstCatalog struct {
	// goes[i] says whether the catalogue's i-th action (in its order) is
	// tracked and unused.
	goes []bool
	// newer are the tracked actions the catalogue does not list, in
	// report order.
	newer []trackedAction
}

// againstCatalog returns the evidence se of the service svc, which the
// catalogue knows, laid against the catalogue's lower-case names lowers.
func (r refiner) againstCatalog(svc string, se *serviceEvidence, lowers []string) *againstCatalog {
	if a, ok := r.against[svc]; ok {
		return a
	}
	a := &againstCatalog{goes: make([]bool, len(lowers))}
	for _, t := range se.actions {
		i, found := slices.BinarySearch(lowers, t.key)
		switch {
		case !found:
			a.newer = append(a.newer, t)
		case !t.used:
			a.goes[i] = true
		}
	}
	r.against[svc] = a
	return a
}

type memoKey struct {
	pattern string
	coarse  bool
}

type memoResult struct {
	out     []string
	changed bool
	note    string
}

// level is how far a refinement may go in writing what stays: the
// narrowest document can be too long for IAM, and each level down trades
// narrowness for length.
type level int

const (
	// levelFull expands wildcards and excludes unused services and
	// actions from NotAction (and from "*").
	levelFull level = iota
	// levelServices keeps wildcards unexpanded and excludes only unused
	// services from NotAction (and from "*"): short, for an
	// AdministratorAccess whose unused tracked actions number hundreds.
	levelServices
	// levelCoarse adds nothing anywhere: the result is never longer than
	// the original, so it always fits.
	levelCoarse
)

// policy refines one policy at a level.
func (r refiner) policy(pr PolicyResult, lvl level) PolicyResult {
	out, _ := r.policyWithin(pr, lvl, 0)
	return out
}

// policyWithin is policy that gives up, returning over, as soon as the
// action lists it writes add up to more than limit characters (0: no
// limit), which no document that holds them can fit in.
func (r refiner) policyWithin(pr PolicyResult, lvl level, limit int) (PolicyResult, bool) {
	coarse := lvl >= levelServices
	doc := pr.Existing
	out := make([]iamsweep.Statement, 0, len(doc.Statements))
	written := 0
	tooLong := func(list []string) bool {
		if limit <= 0 {
			return false
		}
		for _, a := range list {
			written += len(a) + 3 // quotes and a comma
		}
		return written > limit
	}
	pr.Recommended, pr.Steps, pr.Notes, pr.Changes = nil, nil, nil, nil
	changed, allows, denies := false, 0, 0
	for i, s := range doc.Statements {
		where := stmtRef{i, s.Sid}
		switch {
		case s.Effect != "Allow":
			if s.Effect == "Deny" {
				denies++
			}
			out = append(out, s)
		case s.NotActions != nil:
			ns, ch, notes := r.notAction(s, where, lvl)
			out, changed = append(out, ns), changed || ch
			pr.Notes = append(pr.Notes, notes...)
			allows++
			if ch {
				pr.Changes = appendChange(pr.Changes, len(doc.Statements)-i, StatementChange{Index: i, Sid: s.Sid, Field: "NotAction", Before: s.NotActions, After: ns.NotActions})
			}
			if tooLong(ns.NotActions) {
				return pr, true
			}
		case s.Actions != nil && lvl < levelCoarse && slices.ContainsFunc(s.Actions, fullWildcard):
			// "*" allows everything; everything but what went unused is
			// NotAction of it: as short as the evidence, and it keeps
			// what the evidence cannot judge (services the report does
			// not cover, new ones) as "*" did.
			ns, ch, _ := r.notAction(iamsweep.Statement{NotActions: []string{}}, where, lvl)
			allows++
			if !ch {
				out = append(out, s)
				continue
			}
			changed = true
			rewritten := s
			rewritten.Actions, rewritten.NotActions = nil, ns.NotActions
			out = append(out, rewritten)
			pr.Changes = appendChange(pr.Changes, len(doc.Statements)-i, StatementChange{Index: i, Sid: s.Sid, Field: "NotAction", After: ns.NotActions})
			if tooLong(ns.NotActions) {
				return pr, true
			}
			pr.Notes = append(pr.Notes, fmt.Sprintf("%s: Action %q rewritten as NotAction of the %d unused services and actions: it allows everything else, as before", where, "*", len(ns.NotActions)))
		case s.Actions != nil:
			acts, ch, notes := r.actions(s.Actions, where, coarse)
			pr.Notes = append(pr.Notes, notes...)
			changed = changed || ch
			if ch {
				pr.Changes = appendChange(pr.Changes, len(doc.Statements)-i, StatementChange{Index: i, Sid: s.Sid, Field: "Action", Before: s.Actions, After: acts, Removed: len(acts) == 0})
			}
			if len(acts) == 0 {
				continue
			}
			ns := s
			ns.Actions = acts
			out = append(out, ns)
			allows++
			if tooLong(acts) {
				return pr, true
			}
		default:
			out = append(out, s)
		}
	}
	if !changed {
		// Only an unchanged policy is measured as it exists: a changed
		// one is measured as refined below (or detached, size 0).
		pr.Size = size(doc)
		if allows == 0 && denies > 0 {
			pr.Notes = append(pr.Notes, "allows nothing: a policy of Deny statements is never detached, since removing a Deny widens access")
		}
		return pr, false
	}
	if allows == 0 && denies == 0 {
		pr.Size = 0
		pr.Steps = []Step{{Action: DetachPolicy, ExistingPolicyID: pr.ID, PolicyUpdatedAt: pr.UpdatedAt}}
		return pr, false
	}
	if allows == 0 {
		pr.Notes = append(pr.Notes, "none of its Allow statements was used: the refined policy keeps only its Deny statements, since removing a Deny widens access")
	}
	rec := iamsweep.PolicyDocument{Version: doc.Version, ID: doc.ID, Statements: out}
	pr.Recommended = &rec
	pr.Size = size(rec)
	pr.Steps = []Step{
		{Action: CreatePolicy, ExistingPolicyID: pr.ID, PolicyUpdatedAt: pr.UpdatedAt, RecommendedPolicy: &rec},
		{Action: DetachPolicy, ExistingPolicyID: pr.ID, PolicyUpdatedAt: pr.UpdatedAt},
	}
	return pr, false
}

// appendChange appends c to changes, making room at the first for the
// room statements that are left, each of which may change once.
func appendChange(changes []StatementChange, room int, c StatementChange) []StatementChange {
	if changes == nil {
		changes = make([]StatementChange, 0, room)
	}
	return append(changes, c)
}

// narrowed refines pr at the narrowest level whose result fits in limit
// (what says whose limit), saying why when it had to step down.
func (r refiner) narrowed(pr PolicyResult, limit int, what string) PolicyResult {
	full, over := r.policyWithin(pr, levelFull, limit)
	var why string
	switch {
	case over:
		why = fmt.Sprintf("the narrowed document would have more than %d characters, over %s", limit, what)
	case full.Size > limit:
		why = fmt.Sprintf("the narrowed document has %d characters, over %s", full.Size, what)
	default:
		return full
	}
	if mid, over := r.policyWithin(pr, levelServices, limit); !over && mid.Size <= limit {
		mid.Notes = append(mid.Notes, why+": wildcards kept unexpanded and only unused services excluded, so that it fits")
		return mid
	}
	return r.fit(pr, why)
}

// fit refines pr again adding nothing (levelCoarse), after why.
func (r refiner) fit(pr PolicyResult, why string) PolicyResult {
	coarse := r.policy(pr, levelCoarse)
	coarse.Notes = append(coarse.Notes, why+": wildcards kept unexpanded, so that it fits")
	return coarse
}

// fitInline keeps the principal's inline policies together within IAM's
// limit for the kind, refining them coarsely when the narrowed documents
// are too long, and dropping their recommendations when even that does
// not fit.
func (r refiner) fitInline(res *Result, kind string) {
	limit := MaxRoleInlineSize
	if kind == "user" {
		limit = MaxUserInlineSize
	}
	total := func() int {
		n := 0
		for _, pr := range res.Policies {
			if pr.Inline {
				n += pr.Size
			}
		}
		return n
	}
	before := total()
	if before <= limit {
		return
	}
	why := fmt.Sprintf("the narrowed inline policies have %d characters together, over IAM's %d for a %s", before, limit, kind)
	for i, pr := range res.Policies {
		if pr.Inline {
			res.Policies[i] = r.fit(pr, why)
		}
	}
	if after := total(); after > limit {
		for i, pr := range res.Policies {
			if pr.Inline && pr.Changed() {
				pr.Steps, pr.Recommended = nil, nil
				pr.Size = size(pr.Existing)
				pr.Notes = append(pr.Notes, fmt.Sprintf("no recommendation: even without expanding wildcards the inline policies have %d characters together, over IAM's %d; move statements to a managed policy by hand", after, limit))
				res.Policies[i] = pr
			}
		}
	}
}

// stmtRef names a statement for notes: by its Sid, or its position.
type stmtRef struct {
	index int
	sid   string
}

func (s stmtRef) String() string {
	if s.sid != "" {
		return fmt.Sprintf("statement %q", s.sid)
	}
	return fmt.Sprintf("statement %d", s.index+1)
}

// actions narrows the Action list of an Allow statement.
func (r refiner) actions(patterns []string, where stmtRef, coarse bool) ([]string, bool, []string) {
	var notes []string
	changed := false
	// Most statements list a few patterns: their results stay on the
	// stack.
	var buf [8][]string
	results := buf[:0]
	if len(patterns) > len(buf) {
		results = make([][]string, 0, len(patterns))
	}
	results = results[:len(patterns)]
	total := 0
	for i, p := range patterns {
		got, ch, note := r.pattern(p, coarse)
		changed = changed || ch
		if note != "" {
			notes = append(notes, where.String()+": "+note)
		}
		results[i] = got
		total += len(got)
	}
	switch {
	case !changed:
		// A statement the evidence leaves alone stays as it was written.
		return patterns, false, notes
	case len(patterns) == 1:
		// One pattern's narrowing lists each action once.
		return slices.Clip(results[0]), true, notes
	}
	out := make([]string, 0, total)
	for _, got := range results {
		out = append(out, got...)
	}
	return dedupKeepOrder(out), true, notes
}

// pattern narrows one action pattern to what must stay allowed of what
// it matches. It returns the pattern itself when nothing it matches can
// go, and a note when the evidence could not be used.
func (r refiner) pattern(p string, coarse bool) ([]string, bool, string) {
	k := memoKey{p, coarse}
	if m, ok := r.memo[k]; ok {
		return m.out, m.changed, m.note
	}
	out, changed, note := r.narrow(p, coarse)
	r.memo[k] = memoResult{out, changed, note}
	return out, changed, note
}

func (r refiner) narrow(p string, coarse bool) ([]string, bool, string) {
	svc, name, ok := splitAction(p)
	if !ok || strings.Contains(name, ":") {
		if p == "" || strings.Trim(p, "*") != "" {
			return []string{p}, false, fmt.Sprintf("kept %q: not of the form service:action", p)
		}
		svc, name = "*", "*"
	}
	if !hasWildcard(svc) {
		got, ch, note := r.service(r.cat.lowerPrefix(svc), name, p, coarse)
		return got, ch, note
	}
	if coarse {
		return []string{p}, false, ""
	}
	// A wildcard over services: narrow per service the catalogue or the
	// report knows; services that exist in neither cannot have been used.
	var out []string
	changed := false
	var notes []string
	for _, s := range r.servicesMatching(svc) {
		got, ch, note := r.service(s, name, s+":"+name, coarse)
		out = append(out, got...)
		changed = changed || ch
		if note != "" {
			notes = append(notes, note)
		}
	}
	if !changed {
		return []string{p}, false, ""
	}
	return out, true, strings.Join(notes, "; ")
}

// servicesMatching returns the lower-case prefixes, of the catalogue and
// of the report, that the service pattern matches, sorted.
func (r refiner) servicesMatching(pattern string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] && globFold(pattern, s) {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range r.cat.Services() {
		add(s)
	}
	for _, s := range r.ev.order {
		add(s)
	}
	sort.Strings(out)
	return out
}

// service narrows the name pattern within service svc (lower case);
// emit is what to return when the whole pattern stays.
func (r refiner) service(svc, name, emit string, coarse bool) ([]string, bool, string) {
	se := r.ev.services[svc]
	switch {
	case se == nil || (se.used && !se.actionLevel):
		return []string{emit}, false, ""
	case !se.used:
		return nil, true, ""
	case !hasWildcard(name):
		if se.keepLower(r.cat.lowerName(svc, name)) {
			return []string{emit}, false, ""
		}
		return nil, true, ""
	case coarse:
		// Without expansion a wildcard of a used service stays whole.
		return []string{emit}, false, ""
	}
	unusedTracked := 0
	for _, t := range se.actions {
		if !t.used && globFold(name, t.key) {
			unusedTracked++
		}
	}
	if unusedTracked == 0 {
		return []string{emit}, false, ""
	}
	if _, known := r.cat.Actions(svc); !known {
		return []string{emit}, false, fmt.Sprintf("kept %q: %d actions it matches were not used, but the action catalogue does not list service %q, so the actions to keep cannot be listed", emit, unusedTracked, svc)
	}
	// What the pattern matches that IAM could judge: the catalogue's
	// actions and the tracked ones newer than the catalogue, sorted
	// without regard to case.
	// quals are the names qualified as "svc:Name", index for index.
	catNames, lowers, catQuals := r.cat.services[svc], r.cat.lowerActions(svc), r.cat.qualified[svc]
	against := r.againstCatalog(svc, se, lowers)
	from, to := candidates(lowers, name)
	var names, lows, quals []string
	if prefixPattern(name) {
		// Everything in the range starts with the prefix: no copy.
		names, lows, quals = slices.Clip(catNames[from:to]), slices.Clip(lowers[from:to]), slices.Clip(catQuals[from:to])
	} else {
		for i := from; i < to; i++ {
			if globFold(name, lowers[i]) {
				names, lows, quals = append(names, catNames[i]), append(lows, lowers[i]), append(quals, catQuals[i])
			}
		}
	}
	newer := false
	for _, t := range against.newer {
		if globFold(name, t.key) {
			names, lows, quals = append(names, t.name(svc)), append(lows, t.key), append(quals, t.qual)
			newer = true
		}
	}
	if newer {
		idx := make([]int, len(names))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return lows[idx[a]] < lows[idx[b]] })
		n2, l2, q2 := make([]string, len(idx)), make([]string, len(idx)), make([]string, len(idx))
		for i, k := range idx {
			n2[i], l2[i], q2[i] = names[k], lows[k], quals[k]
		}
		names, lows, quals = n2, l2, q2
	}
	if prefixPattern(name) {
		var goes []bool
		if !newer {
			goes = against.goes[from:to]
		}
		return compress(svc, names, lows, quals, goes, se), true, ""
	}
	var keep []string
	for i, low := range lows {
		if se.keepLower(low) {
			keep = append(keep, quals[i])
		}
	}
	return keep, true, ""
}

// prefixPattern reports whether a name pattern is a literal prefix and one
// final "*" ("Get*", "*"), which compress can narrow to longer prefixes.
func prefixPattern(name string) bool {
	return strings.HasSuffix(name, "*") && strings.IndexAny(name, "*?") == len(name)-1
}

// compress narrows a prefix pattern of service svc to patterns that match
// every name it keeps and none it drops: the common prefix and "*" of a
// run of names none of which goes ("s3:GetObject*"), a name by itself when
// it is alone in its run or the prefix of a dropped one. names are the
// names the pattern matches (lows in lower case, sorted; quals qualified
// as "svc:Name"); goes, when not nil, says which go, index for index, and
// se otherwise. Each pattern is a longer prefix of the original, so the result
// never matches more than it did; actions AWS adds later under a kept
// prefix stay allowed, as they were.
func compress(svc string, names, lows, quals []string, goes []bool, se *serviceEvidence) []string {
	var out []string
	// dropped[i] counts the names before i that go, so that a run's
	// count is one subtraction.
	dropped := make([]int32, len(lows)+1)
	for i, low := range lows {
		dropped[i+1] = dropped[i]
		if goes != nil && goes[i] || goes == nil && !se.keepLower(low) {
			dropped[i+1]++
		}
	}
	var walk func(lo, hi, depth int)
	walk = func(lo, hi, depth int) {
		n := int(dropped[hi] - dropped[lo])
		keep, drop := n < hi-lo, n > 0
		switch {
		case !keep:
			return
		case !drop && hi-lo == 1:
			// One name: by its name, which reads better than a prefix.
			out = append(out, quals[lo])
			return
		case !drop:
			// The run's longest common prefix: as narrow as it can be
			// and easier to read than the shortest distinguishing one.
			out = append(out, quals[lo][:len(svc)+1+commonPrefixLen(lows[lo:hi])]+"*")
			return
		}
		for i := lo; i < hi; {
			if len(lows[i]) == depth {
				// The name is the prefix itself: it stays by its own name,
				// since "prefix*" would match the dropped names below it.
				if dropped[i+1] == dropped[i] {
					out = append(out, quals[i])
				}
				i++
				continue
			}
			c, j := lows[i][depth], i
			for j < hi && len(lows[j]) > depth && lows[j][depth] == c {
				j++
			}
			walk(i, j, depth+1)
			i = j
		}
	}
	if len(names) > 0 {
		walk(0, len(names), commonPrefixLen(lows))
	}
	return out
}

// commonPrefixLen is the length of the prefix all of the sorted names
// share.
func commonPrefixLen(lows []string) int {
	first, last := lows[0], lows[len(lows)-1]
	n := 0
	for n < len(first) && n < len(last) && first[n] == last[n] {
		n++
	}
	return n
}

// candidates returns the range of the sorted lower-case names that can
// match the name pattern: those starting with its literal prefix (the
// text before its first wildcard).
func candidates(lowers []string, pattern string) (from, to int) {
	i := strings.IndexAny(pattern, "*?")
	if i < 0 {
		i = len(pattern)
	}
	prefix := strings.ToLower(pattern[:i])
	if prefix == "" {
		return 0, len(lowers)
	}
	from = sort.SearchStrings(lowers, prefix)
	to = from + sort.Search(len(lowers)-from, func(k int) bool { return !strings.HasPrefix(lowers[from+k], prefix) })
	return from, to
}

// notAction narrows an Allow statement with NotAction by excluding what
// the evidence shows unused: each unused service ("svc:*") and each
// unused tracked action of a used service that it still allows. The
// statement keeps allowing everything else, services IAM reports nothing
// about included; that is never more than it allowed before.
func (r refiner) notAction(s iamsweep.Statement, where stmtRef, lvl level) (iamsweep.Statement, bool, []string) {
	keptNote := where.String() + ": Allow with NotAction kept as it is"
	if lvl >= levelCoarse {
		return s, false, []string{keptNote}
	}
	var add []string
	for _, ns := range r.ev.order {
		se := r.ev.services[ns]
		if !se.used {
			if !excludedAll(s.NotActions, ns) {
				add = append(add, ns+":*")
			}
			continue
		}
		if !se.actionLevel || lvl > levelFull {
			continue
		}
		for _, t := range se.actions {
			if !t.used && !matchesAny(s.NotActions, t.qual) {
				add = append(add, t.qual)
			}
		}
	}
	if len(add) == 0 {
		return s, false, []string{keptNote + ": the evidence shows nothing unused that it allows"}
	}
	ns := s
	ns.NotActions = append(slices.Clip(s.NotActions), add...)
	return ns, true, []string{fmt.Sprintf("%s: Allow with NotAction narrowed by excluding %d unused services and actions; it still allows every other action, of services the report does not cover too", where, len(add))}
}

// fullWildcard reports whether an action pattern matches every action
// ("*", "*:*", "**").
func fullWildcard(p string) bool {
	svc, name, ok := splitAction(p)
	if !ok {
		return p != "" && strings.Trim(p, "*") == ""
	}
	return strings.Trim(svc, "*") == "" && svc != "" && strings.Trim(name, "*") == "" && name != ""
}

// excludedAll reports whether a NotAction list already excludes every
// action of the service.
func excludedAll(notActions []string, svc string) bool {
	for _, p := range notActions {
		if ps, pn, ok := splitAction(p); ok && strings.Trim(pn, "*") == "" && pn != "" && globFold(ps, svc) {
			return true
		}
		if p != "" && strings.Trim(p, "*") == "" {
			return true
		}
	}
	return false
}

func matchesAny(patterns []string, action string) bool {
	for _, p := range patterns {
		if globFold(p, action) {
			return true
		}
	}
	return false
}

// dedupKeepOrder removes later duplicates, compared without regard to
// case (as strings.ToLower compares them).
func dedupKeepOrder(list []string) []string {
	for _, s := range list {
		if !isASCII(s) {
			return dedupKeepOrderLower(list)
		}
	}
	// ASCII only: equal lower cases are equal ASCII folds, found by a
	// hash of the folded bytes without building the lower-case strings.
	first := make(map[uint64]int, len(list))
	out := list[:0]
	for _, s := range list {
		h := foldHash(s)
		if i, ok := first[h]; ok {
			if equalASCIIFold(out[i], s) || slices.ContainsFunc(out, func(o string) bool { return equalASCIIFold(o, s) }) {
				continue
			}
			// Another name with the same hash: kept, and found by the
			// scan above should it recur.
			out = append(out, s)
			continue
		}
		first[h] = len(out)
		out = append(out, s)
	}
	return out
}

// dedupKeepOrderLower is dedupKeepOrder for any text.
func dedupKeepOrderLower(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := list[:0]
	for _, s := range list {
		k := strings.ToLower(s)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// foldHash is the FNV-1a hash of s with ASCII letters lower-cased.
func foldHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(lower(s[i]))
		h *= 1099511628211
	}
	return h
}

// equalASCIIFold reports whether a and b are equal with ASCII letters
// lower-cased.
func equalASCIIFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// patternCount is how many Action patterns the principal's policies
// list: a size for the memo that spares it growing as it fills.
func patternCount(p Principal) int {
	n := 0
	for _, ip := range p.Inline {
		for _, s := range ip.Document.Statements {
			n += len(s.Actions)
		}
	}
	for _, mp := range p.Managed {
		for _, s := range mp.Document.Statements {
			n += len(s.Actions)
		}
	}
	return n
}

// allowStatements returns every Allow statement of the principal's
// policies (pointers into the documents, which are only read).
func allowStatements(p Principal) []*iamsweep.Statement {
	n := 0
	for _, ip := range p.Inline {
		n += len(ip.Document.Statements)
	}
	for _, mp := range p.Managed {
		n += len(mp.Document.Statements)
	}
	out := make([]*iamsweep.Statement, 0, n)
	add := func(doc iamsweep.PolicyDocument) {
		for i := range doc.Statements {
			if doc.Statements[i].Effect == "Allow" {
				out = append(out, &doc.Statements[i])
			}
		}
	}
	for _, ip := range p.Inline {
		add(ip.Document)
	}
	for _, mp := range p.Managed {
		add(mp.Document)
	}
	return out
}

// allowsAction reports whether some statement allows the action (ignoring
// resources and conditions).
func allowsAction(allows []*iamsweep.Statement, action string) bool {
	for _, s := range allows {
		if s.NotActions != nil {
			if !matchesAny(s.NotActions, action) {
				return true
			}
			continue
		}
		if matchesAny(s.Actions, action) {
			return true
		}
	}
	return false
}

// unused lists the unused services and tracked actions that the
// principal's Allow statements allow.
func unused(ev *evidence, allows []*iamsweep.Statement) (services, actions []string) {
	for _, ns := range ev.order {
		se := ev.services[ns]
		if !se.used {
			// The report lists only services the policies allow; check
			// anyway, with an action name no service defines.
			if allowsServiceAtAll(allows, ns) {
				services = append(services, ns)
			}
			continue
		}
		if !se.actionLevel {
			continue
		}
		for _, t := range se.actions {
			if !t.used && allowsAction(allows, t.qual) {
				actions = append(actions, t.qual)
			}
		}
	}
	sort.Strings(services)
	sort.Strings(actions)
	return services, actions
}

// allowsServiceAtAll reports whether some Allow statement may allow an
// action of the service.
func allowsServiceAtAll(allows []*iamsweep.Statement, svc string) bool {
	for _, s := range allows {
		if s.NotActions != nil {
			if !excludedAll(s.NotActions, svc) {
				return true
			}
			continue
		}
		for _, p := range s.Actions {
			ps, _, ok := splitAction(p)
			if !ok {
				ps = p
			}
			if globFold(ps, svc) {
				return true
			}
		}
	}
	return false
}
