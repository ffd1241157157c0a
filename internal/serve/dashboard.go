package serve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/report"
	"github.com/iamsweep/iamsweep/internal/store"
)

// maxRows bounds the findings one page lists; the filters narrow them.
const maxRows = 1000

// noOwner is the owner filter's value for findings without an owner tag.
const noOwner = "-"

// findingsFilter is the dashboard's query: each field "" for any.
type findingsFilter struct {
	Account, Owner, Type, Verdict string
	// MinIdle lists only findings idle at least this many days (never
	// used counts as idle forever); 0 for any.
	MinIdle int
}

// readFilter reads the dashboard's query. A value it cannot use (an idle
// age that is not a whole number of days, an unknown verdict or type) is
// not applied, and problems says so, one sentence each.
func readFilter(q url.Values) (f findingsFilter, problems []string) {
	f = findingsFilter{Account: q.Get("account"), Owner: q.Get("owner"), Type: q.Get("type"), Verdict: q.Get("verdict")}
	if !q.Has("verdict") {
		f.Verdict = string(iamsweep.VerdictUnused)
	}
	switch iamsweep.Verdict(f.Verdict) {
	case "", iamsweep.VerdictUnused, iamsweep.VerdictUsed, iamsweep.VerdictExempt:
	default:
		problems = append(problems, fmt.Sprintf("Verdict %s is not one of unused, used or exempt: findings of any verdict are listed.", iamsweep.Quote(f.Verdict)))
		f.Verdict = ""
	}
	switch iamsweep.FindingType(f.Type) {
	case "", iamsweep.TypeUnusedIAMRole, iamsweep.TypeUnusedIAMUser, iamsweep.TypeUnusedIAMUserPassword, iamsweep.TypeUnusedIAMUserAccessKey, iamsweep.TypeRootAccessKey:
	default:
		problems = append(problems, fmt.Sprintf("Type %s is not a finding type (UnusedIAMRole, UnusedIAMUser, UnusedIAMUserPassword, UnusedIAMUserAccessKey, RootAccessKey): findings of any type are listed.", iamsweep.Quote(f.Type)))
		f.Type = ""
	}
	if idle := strings.TrimSpace(q.Get("idle")); idle != "" {
		n, err := strconv.Atoi(idle)
		switch {
		case err != nil || n < 0:
			problems = append(problems, fmt.Sprintf("Idle at least %s is not a whole number of days (such as 90): findings of any idle age are listed.", iamsweep.Quote(idle)))
		default:
			f.MinIdle = n
		}
	}
	return f, problems
}

func (f findingsFilter) match(x iamsweep.Finding, owner string) bool {
	switch {
	case f.Account != "" && x.AccountID != f.Account,
		f.Owner == noOwner && owner != "",
		f.Owner != "" && f.Owner != noOwner && owner != f.Owner,
		f.Type != "" && string(x.Type) != f.Type,
		f.Verdict != "" && string(x.Verdict) != f.Verdict:
		return false
	case f.MinIdle > 0:
		return x.DaysUnused == nil && x.Verdict == iamsweep.VerdictUnused || x.DaysUnused != nil && *x.DaysUnused >= f.MinIdle
	}
	return true
}

type findingRow struct {
	iamsweep.Finding
	Owner string
	Key   iamsweep.FindingKey
}

type findingsView struct {
	Scanned    bool
	AsOf       time.Time
	UnusedDays int
	Filter     findingsFilter
	Accounts   []string
	Owners     []string
	Types      []iamsweep.FindingType
	Rows       []findingRow
	Matched    int
	Total      int
	Chart      report.IdleChart
	// Problems say which filter values were not applied, and why.
	Problems []string
}

func (findingsView) title() string { return "Findings" }

// findingsPage lists the latest scan's findings, filtered, with the chart
// of idle age of the unused ones that pass the filters.
func (s *Server) findingsPage(w http.ResponseWriter, r *http.Request, _ session) {
	_, res, err := s.o.Store.LatestScan(r.Context())
	if err != nil && !errors.Is(err, iamsweep.ErrNotFound) {
		s.fail(w, r, "read the latest scan", err)
		return
	}
	filter, problems := readFilter(r.URL.Query())
	v := findingsView{Scanned: err == nil, AsOf: res.AsOf, UnusedDays: res.UnusedDays, Filter: filter, Problems: problems, Total: len(res.Findings)}
	accounts, owners, types := map[string]bool{}, map[string]bool{}, map[iamsweep.FindingType]bool{}
	var matched []iamsweep.Finding
	for _, f := range res.Findings {
		owner := f.Owner(s.o.OwnerTags)
		accounts[f.AccountID], owners[owner], types[f.Type] = true, true, true
		if !v.Filter.match(f, owner) {
			continue
		}
		matched = append(matched, f)
		if len(v.Rows) < maxRows {
			v.Rows = append(v.Rows, findingRow{Finding: f, Owner: owner, Key: iamsweep.KeyOf(f)})
		}
	}
	v.Matched = len(matched)
	v.Chart = report.NewIdleChart(matched, max(res.UnusedDays, 1))
	v.Accounts, v.Owners = sortedKeys(accounts), sortedKeys(owners)
	for t := range types {
		v.Types = append(v.Types, t)
	}
	slices.Sort(v.Types)
	// Longest idle first: who has waited longest to be reviewed.
	slices.SortStableFunc(v.Rows, func(a, b findingRow) int { return cmp.Compare(idleRank(b.Finding), idleRank(a.Finding)) })
	status := http.StatusOK
	if len(v.Problems) > 0 {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "findings", v)
}

func idleRank(f iamsweep.Finding) int {
	if f.DaysUnused == nil {
		if f.Verdict == iamsweep.VerdictUnused {
			return 1 << 30
		}
		return -1
	}
	return *f.DaysUnused
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// arnOfKey returns the ARN a finding key names ("ACCOUNT TYPE ARN [KEY]").
func arnOfKey(k iamsweep.FindingKey) string {
	fields := strings.Fields(string(k))
	if len(fields) < 3 {
		return ""
	}
	return fields[2]
}

type principalView struct {
	Key        iamsweep.FindingKey
	ARN        string
	Finding    *iamsweep.Finding
	Owner      string
	Escalation *store.EscalationState
	Events     []store.Event
	Notices    []store.NoticeRecord
	Decisions  []iamsweep.Decision
	Exceptions []iamsweep.Exception
	History    []iamsweep.HistoryEntry
	Backups    []iamsweep.Backup
	CanRestore bool
	Now        time.Time
	// Decide holds the operator's decision forms, for a principal of the
	// latest scan; nil for one it no longer holds.
	Decide *operatorForms
}

func (v principalView) title() string { return v.ARN }

// principalPage shows one finding's history: its escalation, events,
// notices, decisions, exceptions, scans and backups; and, for a finding
// of the latest scan, the operator's Keep, Remove and Snooze forms.
func (s *Server) principalPage(w http.ResponseWriter, r *http.Request, _ session) {
	key := iamsweep.FindingKey(r.URL.Query().Get("key"))
	v, ok, err := s.principalView(r.Context(), key)
	switch {
	case err != nil:
		s.fail(w, r, "read the principal's history", err)
	case !ok:
		s.notRecorded(w, r, key)
	default:
		s.render(w, r, http.StatusOK, "principal", v)
	}
}

func (s *Server) notRecorded(w http.ResponseWriter, r *http.Request, key iamsweep.FindingKey) {
	if arn := arnOfKey(key); arn != "" {
		s.render(w, r, http.StatusNotFound, "message", messagePage{Title: "Not found", Text: "iamsweep has recorded nothing about " + arn + "."})
		return
	}
	s.render(w, r, http.StatusNotFound, "message", messagePage{Title: "Not found", Text: "No finding is named by this address."})
}

// principalView reads what the principal page shows; ok is false when
// key names nothing iamsweep has recorded.
func (s *Server) principalView(ctx context.Context, key iamsweep.FindingKey) (v principalView, ok bool, err error) {
	arn := arnOfKey(key)
	if arn == "" {
		return v, false, nil
	}
	v = principalView{Key: key, ARN: arn, CanRestore: s.o.Restore != nil, Now: s.now()}
	if f, found, err := s.latestFinding(ctx, key); err != nil {
		return v, false, err
	} else if found {
		v.Finding = &f
		v.Owner = f.Owner(s.o.OwnerTags)
		if v.Decide, err = s.operatorForms(ctx, f); err != nil {
			return v, false, err
		}
	}
	st, err := s.o.Store.Escalation(ctx, key)
	switch {
	case err == nil:
		v.Escalation = &st
	case !errors.Is(err, iamsweep.ErrNotFound):
		return v, false, fmt.Errorf("read the escalation: %w", err)
	}
	steps := []func() error{
		func() (err error) { v.Events, err = s.o.Store.Events(ctx, key, 200); return },
		func() (err error) { v.Notices, err = s.o.Store.Notices(ctx, key); return },
		func() (err error) { v.Decisions, err = s.o.Store.Decisions(ctx, key); return },
		func() (err error) {
			v.Exceptions, err = s.o.Store.Exceptions(ctx, store.ExceptionFilter{Key: key})
			return
		},
		func() (err error) { v.History, err = s.o.Store.History(ctx, arn); return },
		func() (err error) { v.Backups, err = s.o.Store.Backups(ctx, arn); return },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return v, false, err
		}
	}
	if v.Finding == nil && v.Escalation == nil && len(v.History) == 0 && len(v.Backups) == 0 && len(v.Events) == 0 {
		return v, false, nil
	}
	return v, true, nil
}

// latestFinding returns the finding key names in the latest scan.
func (s *Server) latestFinding(ctx context.Context, key iamsweep.FindingKey) (iamsweep.Finding, bool, error) {
	_, res, err := s.o.Store.LatestScan(ctx)
	if err != nil && !errors.Is(err, iamsweep.ErrNotFound) {
		return iamsweep.Finding{}, false, fmt.Errorf("read the latest scan: %w", err)
	}
	for _, f := range res.Findings {
		if iamsweep.KeyOf(f) == key {
			return f, true, nil
		}
	}
	return iamsweep.Finding{}, false, nil
}

type exceptionRow struct {
	iamsweep.Exception
	Status string
}

type exceptionsView struct {
	Rows []exceptionRow
	Now  time.Time
}

func (exceptionsView) title() string { return "Exceptions" }

func exceptionStatus(e iamsweep.Exception, now time.Time) string {
	switch {
	case !e.Revoked.IsZero() && !now.Before(e.Revoked):
		return "revoked"
	case e.Active(now):
		return "active"
	case now.Before(e.Created):
		return "future"
	}
	return "expired"
}

func (s *Server) exceptionsPage(w http.ResponseWriter, r *http.Request, _ session) {
	all, err := s.o.Store.Exceptions(r.Context(), store.ExceptionFilter{})
	if err != nil {
		s.fail(w, r, "list the exceptions", err)
		return
	}
	now := s.now()
	v := exceptionsView{Now: now}
	for _, e := range all {
		v.Rows = append(v.Rows, exceptionRow{Exception: e, Status: exceptionStatus(e, now)})
	}
	// Active first, soonest to expire first.
	slices.SortStableFunc(v.Rows, func(a, b exceptionRow) int {
		rank := func(r exceptionRow) int {
			if r.Status == "active" {
				return 0
			}
			return 1
		}
		return cmp.Or(cmp.Compare(rank(a), rank(b)), a.Until.Compare(b.Until))
	})
	s.render(w, r, http.StatusOK, "exceptions", v)
}

// operator is who a dashboard decision is recorded as: the dashboard has
// one shared token, so one name.
const operator = "dashboard operator"

// revokeException ends an exception now, and records who and why.
func (s *Server) revokeException(w http.ResponseWriter, r *http.Request, _ session) {
	id := r.PostFormValue("id")
	ctx := r.Context()
	all, err := s.o.Store.Exceptions(ctx, store.ExceptionFilter{})
	if err != nil {
		s.fail(w, r, "list the exceptions", err)
		return
	}
	i := slices.IndexFunc(all, func(e iamsweep.Exception) bool { return e.ID == id })
	now := s.now()
	if i < 0 || !all[i].Active(now) {
		s.render(w, r, http.StatusNotFound, "message", messagePage{Title: "No such active exception",
			Text: "The exception " + id + " does not exist or is no longer active. Nothing was changed."})
		return
	}
	e := all[i]
	if err := s.o.Store.RevokeException(ctx, id, now, operator); err != nil {
		s.fail(w, r, "revoke the exception", err)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if msg := checkText(reason, "The reason"); msg != "" {
		reason = ""
	}
	d := iamsweep.Decision{Key: e.Key, ARN: e.ARN, Kind: iamsweep.DecisionRevoke, By: operator, From: clientAddr(r), At: now, Reason: reason}
	if d.ID, err = s.randomID("d-"); err == nil {
		err = s.o.Store.RecordDecision(ctx, d)
	}
	if err != nil {
		s.o.Log.Error("record the revocation", "exception", id, "err", err)
	}
	ev := store.Event{Key: e.Key, ARN: e.ARN, At: now, Kind: "exception", Text: fmt.Sprintf("exception %s (kept by %s until %s) revoked by the %s", id, e.By, e.Until.Format(time.DateOnly), operator)}
	if err := s.o.Store.AddEvent(ctx, ev); err != nil {
		s.o.Log.Error("record the revocation's event", "exception", id, "err", err)
	}
	s.o.Log.Info("exception revoked", "exception", id, "principal_arn", e.ARN, "from", d.From)
	http.Redirect(w, r, "/exceptions", http.StatusSeeOther)
}

type backupsView struct {
	Backups    []iamsweep.Backup
	CanRestore bool
}

func (backupsView) title() string { return "Backups" }

func (s *Server) backupsPage(w http.ResponseWriter, r *http.Request, _ session) {
	bs, err := s.o.Store.Backups(r.Context(), "")
	if err != nil {
		s.fail(w, r, "list the backups", err)
		return
	}
	s.render(w, r, http.StatusOK, "backups", backupsView{Backups: bs, CanRestore: s.o.Restore != nil})
}

type restoreView struct {
	Backup iamsweep.Backup
	// Done is set after a restore, with its result.
	Done        bool
	NewID       string
	Steps       []string
	Notes       []string
	Differences []string
	Existed     bool
}

func (v restoreView) title() string { return "Restore " + v.Backup.ARN }

// restorePage is the confirmation before a restore.
func (s *Server) restorePage(w http.ResponseWriter, r *http.Request, _ session) {
	b, ok := s.backupFor(w, r, r.URL.Query().Get("id"))
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "restore", restoreView{Backup: b})
}

func (s *Server) backupFor(w http.ResponseWriter, r *http.Request, id string) (iamsweep.Backup, bool) {
	if s.o.Restore == nil {
		s.render(w, r, http.StatusNotFound, "message", messagePage{Title: "Restore is off", Text: "This service was started without AWS access for restores."})
		return iamsweep.Backup{}, false
	}
	b, err := s.o.Store.LoadBackup(r.Context(), id)
	if errors.Is(err, iamsweep.ErrNotFound) {
		s.render(w, r, http.StatusNotFound, "message", messagePage{Title: "No such backup", Text: "There is no backup " + id + "."})
		return b, false
	}
	if err != nil {
		s.fail(w, r, "read the backup", err)
		return b, false
	}
	return b, true
}

// restore recreates a principal from its backup, through the code path of
// iamsweep restore (its journal, leases and read-back).
func (s *Server) restore(w http.ResponseWriter, r *http.Request, _ session) {
	b, ok := s.backupFor(w, r, r.PostFormValue("id"))
	if !ok {
		return
	}
	res, err := s.o.Restore(r.Context(), b.ID)
	if err != nil {
		s.o.Log.Error("restore failed", "backup", b.ID, "principal_arn", b.ARN, "err", err)
		s.render(w, r, http.StatusBadGateway, "message", messagePage{Title: "Restore failed",
			Text: "Restoring " + b.ARN + " from " + b.ID + " failed: " + err.Error(), Detail: "The journal keeps what was done; restoring again goes on from there."})
		return
	}
	ev := store.Event{Key: backupKey(b), ARN: b.ARN, At: s.now(), Kind: "action",
		Text: fmt.Sprintf("restored from backup %s by the %s (%d calls)", b.ID, operator, len(res.Steps))}
	if err := s.o.Store.AddEvent(r.Context(), ev); err != nil {
		s.o.Log.Error("record the restore's event", "backup", b.ID, "err", err)
	}
	s.o.Log.Info("restored", "backup", b.ID, "principal_arn", b.ARN, "calls", len(res.Steps), "from", clientAddr(r))
	s.render(w, r, http.StatusOK, "restore", restoreView{Backup: b, Done: true, NewID: res.NewID, Steps: res.Steps, Notes: res.Notes,
		Differences: res.Differences, Existed: res.Existed})
}

// backupKey is the finding key of a backed-up principal (a role or a
// user as a whole).
func backupKey(b iamsweep.Backup) iamsweep.FindingKey {
	t := iamsweep.TypeUnusedIAMRole
	if b.Principal == "user" {
		t = iamsweep.TypeUnusedIAMUser
	}
	return iamsweep.KeyOf(iamsweep.Finding{AccountID: b.AccountID, Type: t, ARN: b.ARN})
}
