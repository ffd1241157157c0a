package serve

import (
	"context"
	"net/http"
	"time"

	"github.com/iamsweep/iamsweep"
)

// operatorForms are the Keep, Remove and Snooze forms on a principal's
// page: the same decisions as a notice's links, recorded as the signed-in
// operator's.
type operatorForms struct {
	// Kept is the Keep that holds now (its own, or its user's), when one
	// does: Remove and Snooze are refused while it holds.
	Kept *iamsweep.Exception
	// MaxUntil and DefaultUntil are a Keep's latest and proposed end
	// dates (YYYY-MM-DD); KeepMaxDays the maximum in days.
	MaxUntil, DefaultUntil string
	KeepMaxDays            int
	SnoozeDays             []int
	// RunNote says when the escalation's next run acts on a Remove.
	RunNote string
	// After a refused form: which one, what was wrong, what was typed.
	Kind   iamsweep.DecisionKind
	Error  string
	Reason string
}

func (s *Server) operatorForms(ctx context.Context, f iamsweep.Finding) (*operatorForms, error) {
	now := s.now()
	maxUntil := now.Add(s.o.KeepMax)
	def := now.AddDate(0, 0, 90)
	if def.After(maxUntil) {
		def = maxUntil
	}
	o := &operatorForms{MaxUntil: maxUntil.Format(time.DateOnly), DefaultUntil: def.Format(time.DateOnly),
		KeepMaxDays: int(s.o.KeepMax / (24 * time.Hour)), SnoozeDays: s.snoozeDays(), RunNote: s.nextRunText()}
	e, err := s.keptBy(ctx, f, now)
	if err != nil {
		return nil, err
	}
	o.Kept = e
	return o, nil
}

// operatorDecide records a Keep, a Remove or a Snooze from the dashboard
// (signedIn has checked the session and the CSRF value): the link's code
// path, with the operator as who decided and no token to use up.
func (s *Server) operatorDecide(w http.ResponseWriter, r *http.Request, _ session) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	ctx := r.Context()
	key := iamsweep.FindingKey(r.PostFormValue("key"))
	kind := iamsweep.DecisionKind(r.PostFormValue("kind"))
	f, found, err := s.latestFinding(ctx, key)
	if err != nil {
		s.fail(w, r, "read the latest scan", err)
		return
	}
	if !found {
		s.operatorRefused(w, r, key, kind, refused(http.StatusNotFound, "unknown-finding", "iamsweep no longer finds this principal",
			"The latest scan does not hold "+orUnnamed(arnOfKey(key))+": it was deleted or renamed, or the scan no longer covers its account. There is nothing to decide."))
		return
	}
	now := s.now()
	if kind == iamsweep.DecisionRemove || kind == iamsweep.DecisionSnooze {
		rf, err := s.keptRefusal(ctx, f, now, true)
		if err != nil {
			s.fail(w, r, "read the exceptions", err)
			return
		}
		if rf != nil {
			s.operatorRefused(w, r, key, kind, rf)
			return
		}
	}
	d := iamsweep.Decision{Key: key, ARN: f.ARN, Kind: kind, By: operator, From: clientAddr(r), At: now}
	exc, msg, err := s.readDecision(r, &d)
	if err != nil {
		s.fail(w, r, "record the decision", err)
		return
	}
	if msg != "" {
		s.operatorInvalid(w, r, key, kind, msg)
		return
	}
	if exc != nil {
		err = s.o.Store.KeepException(ctx, d, *exc)
	} else {
		err = s.o.Store.RecordDecision(ctx, d)
	}
	if err != nil {
		s.fail(w, r, "record the decision", err)
		return
	}
	s.decided(w, r, d, f)
}

func orUnnamed(arn string) string {
	if arn == "" {
		return "the principal named"
	}
	return arn
}

func (s *Server) operatorRefused(w http.ResponseWriter, r *http.Request, key iamsweep.FindingKey, kind iamsweep.DecisionKind, rf *refusal) {
	s.o.Log.Warn("operator decision refused", "why", rf.why, "kind", kind, "principal_arn", arnOfKey(key), "remote", r.RemoteAddr)
	rf.page.Detail = "Nothing was changed."
	s.render(w, r, rf.status, "message", rf.page)
}

// operatorInvalid shows the principal's page again with what was wrong
// with the form, and what was typed in it.
func (s *Server) operatorInvalid(w http.ResponseWriter, r *http.Request, key iamsweep.FindingKey, kind iamsweep.DecisionKind, msg string) {
	v, ok, err := s.principalView(r.Context(), key)
	switch {
	case err != nil:
		s.fail(w, r, "read the principal's history", err)
		return
	case !ok || v.Decide == nil:
		s.notRecorded(w, r, key)
		return
	}
	v.Decide.Kind, v.Decide.Error, v.Decide.Reason = kind, msg, r.PostFormValue("reason")
	if u := r.PostFormValue("until"); u != "" && kind == iamsweep.DecisionKeep {
		v.Decide.DefaultUntil = u
	}
	s.render(w, r, http.StatusBadRequest, "principal", v)
}
