package serve

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/links"
	"github.com/iamsweep/iamsweep/internal/store"
)

// refusal is why a link cannot be used: the page to show and its status.
type refusal struct {
	status int
	page   messagePage
	// why is the log's word for it.
	why string
}

func refused(status int, why, title, text string) *refusal {
	return &refusal{status: status, why: why, page: messagePage{Title: title, Text: text,
		Detail: "Nothing was changed. If you still need to decide, ask your security team for a new link."}}
}

// link is a verified, unused link and the finding it is about.
type link struct {
	text    string
	hash    []byte
	rec     store.LinkToken
	finding iamsweep.Finding
}

// checkLink verifies a link token: its form, signature and expiry, then
// the store (known, unused, not expired), then that its finding is in the
// latest scan. It changes nothing.
func (s *Server) checkLink(ctx context.Context, text string) (link, *refusal, error) {
	now := s.now()
	hash, _, err := s.o.Signer.Verify(text, now)
	switch {
	case errors.Is(err, links.ErrMalformed):
		return link{}, refused(http.StatusBadRequest, "malformed", "This link is not valid",
			"The link is incomplete or was changed (a mail program may have cut it). Copy the whole link from the notice."), nil
	case errors.Is(err, links.ErrForged):
		return link{}, refused(http.StatusForbidden, "forged", "This link is not valid",
			"The link's signature does not match: it was not issued by this iamsweep service."), nil
	case errors.Is(err, links.ErrExpired):
		return link{}, refused(http.StatusGone, "expired", "This link has expired",
			"Decision links work for a limited time."), nil
	case err != nil:
		return link{}, nil, err
	}
	rec, err := s.o.Store.LinkToken(ctx, hash)
	if errors.Is(err, iamsweep.ErrNotFound) {
		return link{}, refused(http.StatusNotFound, "unknown", "This link is not known",
			"The link is signed by this service, but its state database does not hold it (it was pruned, or the database was replaced)."), nil
	}
	if err != nil {
		return link{}, nil, err
	}
	if r := usedOrExpired(rec, now); r != nil {
		return link{}, r, nil
	}
	l := link{text: text, hash: hash, rec: rec}
	_, res, err := s.o.Store.LatestScan(ctx)
	if err != nil && !errors.Is(err, iamsweep.ErrNotFound) {
		return link{}, nil, err
	}
	for _, f := range res.Findings {
		if iamsweep.KeyOf(f) == rec.Key {
			l.finding = f
			if rec.Kind == iamsweep.DecisionRemove || rec.Kind == iamsweep.DecisionSnooze {
				if r, err := s.keptRefusal(ctx, f, now, false); r != nil || err != nil {
					return link{}, r, err
				}
			}
			return l, nil, nil
		}
	}
	return link{}, refused(http.StatusNotFound, "unknown-finding", "iamsweep no longer finds this principal",
		"The latest scan does not hold "+rec.ARN+": it was deleted or renamed, or the scan no longer covers its account. There is nothing to decide."), nil
}

// keptRefusal refuses a Remove or a Snooze of a finding that a Keep
// holds now (its own, or its user's for a password or a key): the
// escalation ignores them while the Keep holds, so confirming one would
// promise what will not happen.
func (s *Server) keptRefusal(ctx context.Context, f iamsweep.Finding, now time.Time, operator bool) (*refusal, error) {
	e, err := s.keptBy(ctx, f, now)
	if err != nil || e == nil {
		return nil, err
	}
	what, then := "this link cannot act", "ask your security team to revoke the exception first"
	if operator {
		what, then = "this decision cannot act", "revoke the exception on the Exceptions page first"
	}
	rf := refused(http.StatusConflict, "kept", "This principal is kept",
		fmt.Sprintf("%s is kept by %s until %s: %s. While the exception holds, iamsweep neither quarantines nor deletes it, so %s. To remove it now, %s.",
			f.ARN, e.By, e.Until.UTC().Format(time.DateOnly), e.Reason, what, then))
	return rf, nil
}

// keptBy returns the Keep that holds f now: its own, or its user's for a
// password or a key; nil when none does.
func (s *Server) keptBy(ctx context.Context, f iamsweep.Finding, now time.Time) (*iamsweep.Exception, error) {
	keys := []iamsweep.FindingKey{iamsweep.KeyOf(f)}
	if f.Type == iamsweep.TypeUnusedIAMUserPassword || f.Type == iamsweep.TypeUnusedIAMUserAccessKey {
		keys = append(keys, iamsweep.KeyOf(iamsweep.Finding{AccountID: f.AccountID, Type: iamsweep.TypeUnusedIAMUser, ARN: f.ARN}))
	}
	for _, k := range keys {
		exc, err := s.o.Store.Exceptions(ctx, store.ExceptionFilter{ActiveAt: now, Key: k})
		if err != nil {
			return nil, err
		}
		if len(exc) > 0 {
			return &exc[len(exc)-1], nil
		}
	}
	return nil, nil
}

func usedOrExpired(rec store.LinkToken, now time.Time) *refusal {
	if !rec.Used.IsZero() {
		return refused(http.StatusConflict, "reused", "This link was used already",
			"It was used on "+rec.Used.UTC().Format("2006-01-02 15:04 UTC")+"; each link works once. The decision made then stands.")
	}
	if !now.Before(rec.Expires) {
		return refused(http.StatusGone, "expired", "This link has expired", "Decision links work for a limited time.")
	}
	return nil
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, text string, rf *refusal) {
	s.o.Log.Warn("decision link refused", "why", rf.why, "method", r.Method, "token", tokenRef(text), "remote", r.RemoteAddr)
	s.render(w, r, rf.status, "message", rf.page)
}

// decisionView is the confirmation page of a link.
type decisionView struct {
	Kind    iamsweep.DecisionKind
	Finding iamsweep.Finding
	Owner   string
	// By is who the link was sent to.
	By      string
	Action  string
	CSRF    string
	Expires time.Time
	// Keep: the latest and the proposed expiry (YYYY-MM-DD), the maximum
	// in days.
	MaxUntil, DefaultUntil string
	KeepMaxDays            int
	// Snooze: the choices of days.
	SnoozeDays []int
	Escalation store.EscalationState
	Reason     string
	Error      string
	// RunNote says when the escalation's next run acts on a Remove.
	RunNote string
}

func (v decisionView) title() string {
	switch v.Kind {
	case iamsweep.DecisionKeep:
		return "Keep " + v.Finding.Name
	case iamsweep.DecisionRemove:
		return "Remove " + v.Finding.Name
	}
	return "Snooze " + v.Finding.Name
}

// decisionPage shows what a link would do, and the form that does it.
// It changes nothing (a GET or a HEAD), whatever fetches it.
func (s *Server) decisionPage(w http.ResponseWriter, r *http.Request) {
	text := r.PathValue("token")
	l, rf, err := s.checkLink(r.Context(), text)
	if err != nil {
		s.fail(w, r, "read the link", err)
		return
	}
	if rf != nil {
		s.refuse(w, r, text, rf)
		return
	}
	nonce, err := s.linkNonce(w, r)
	if err != nil {
		s.fail(w, r, "make the form", err)
		return
	}
	s.render(w, r, http.StatusOK, "decision", s.decisionView(r.Context(), l, nonce))
}

func (s *Server) decisionView(ctx context.Context, l link, nonce []byte) decisionView {
	now := s.now()
	maxUntil := now.Add(s.o.KeepMax)
	def := now.AddDate(0, 0, 90)
	if def.After(maxUntil) {
		def = maxUntil
	}
	v := decisionView{
		Kind: l.rec.Kind, Finding: l.finding, Owner: l.finding.Owner(s.o.OwnerTags), By: decider(l.rec.Recipient),
		Action: "/d/" + l.text, CSRF: b64.EncodeToString(s.linkCSRF(nonce, l.hash)), Expires: l.rec.Expires,
		MaxUntil: maxUntil.Format(time.DateOnly), DefaultUntil: def.Format(time.DateOnly), KeepMaxDays: int(s.o.KeepMax / (24 * time.Hour)),
		RunNote: s.nextRunText(),
	}
	v.SnoozeDays = s.snoozeDays()
	if st, err := s.o.Store.Escalation(ctx, l.rec.Key); err == nil {
		v.Escalation = st
	}
	return v
}

// snoozeDays are the choices of a Snooze's days, up to snooze-max.
func (s *Server) snoozeDays() []int {
	var out []int
	for _, d := range []int{7, 14, 30, 60, 90} {
		if time.Duration(d)*24*time.Hour <= s.o.SnoozeMax {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		out = []int{int(s.o.SnoozeMax / (24 * time.Hour))}
	}
	return out
}

// linkNonce returns the request's link CSRF nonce, setting a new cookie
// when it has none (a link opened from a mail arrives without cookies).
// The cookie's path is the link's own: a link followed from a webmail
// arrives without the SameSite=Strict cookie, so each opening sets a new
// one, and with one path for every link, opening a second link in
// another tab would void the first tab's form.
func (s *Server) linkNonce(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if n := linkNonces(r); len(n) > 0 {
		return n[0], nil
	}
	n := make([]byte, 16)
	if _, err := s.o.Rand.Read(n); err != nil {
		return nil, err
	}
	http.SetCookie(w, s.cookie(linkCSRFCookie, b64.EncodeToString(n), "/d/"+r.PathValue("token"), time.Time{}))
	return n, nil
}

// linkNonces returns the valid link CSRF nonces the request carries, the
// link's own first (browsers send the cookie of the longest path first).
func linkNonces(r *http.Request) [][]byte {
	var out [][]byte
	for _, c := range r.CookiesNamed(linkCSRFCookie) {
		if n, err := b64.DecodeString(c.Value); err == nil && len(n) == 16 {
			out = append(out, n)
		}
	}
	return out
}

// linkCSRF is the confirmation form's value: bound to the cookie's nonce
// and to the link token, so a form made for one link or one browser does
// not work for another.
func (s *Server) linkCSRF(nonce, hash []byte) []byte {
	return s.o.Signer.Sum("link-csrf", nonce, hash)
}

// decide acts on a confirmed link, once.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	text := r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	l, rf, err := s.checkLink(r.Context(), text)
	if err != nil {
		s.fail(w, r, "read the link", err)
		return
	}
	if rf != nil {
		s.refuse(w, r, text, rf)
		return
	}
	if !s.checkLinkCSRF(r, l.hash) {
		s.refuse(w, r, text, refused(http.StatusForbidden, "csrf", "Request refused",
			"The confirmation was not sent from this link's page in this browser (or cookies are off). Open the link again and confirm there."))
		return
	}
	d := iamsweep.Decision{Key: l.rec.Key, ARN: l.rec.ARN, Kind: l.rec.Kind, By: decider(l.rec.Recipient), From: clientAddr(r), At: s.now()}
	exc, msg, err := s.readDecision(r, &d)
	if err != nil {
		s.fail(w, r, "record the decision", err)
		return
	}
	if msg != "" {
		s.invalid(w, r, l, msg)
		return
	}
	err = s.o.Store.UseLinkToken(r.Context(), l.hash, d.At, d, exc)
	switch {
	case errors.Is(err, iamsweep.ErrTokenUsed):
		s.refuse(w, r, text, refused(http.StatusConflict, "reused", "This link was used already",
			"Each link works once; the decision made with it first stands."))
		return
	case errors.Is(err, iamsweep.ErrTokenExpired):
		s.refuse(w, r, text, refused(http.StatusGone, "expired", "This link has expired", "Decision links work for a limited time."))
		return
	case errors.Is(err, iamsweep.ErrNotFound):
		s.refuse(w, r, text, refused(http.StatusNotFound, "unknown", "This link is not known", "The state database does not hold it."))
		return
	case err != nil:
		s.fail(w, r, "record the decision", err)
		return
	}
	s.decided(w, r, d, l.finding, "token", tokenRef(text))
}

// readDecision reads a decision's form into d (whose Key, ARN, Kind, By,
// From and At are set): a Keep's reason and end date, with the exception
// it records; a Snooze's days; a Remove's or a Snooze's optional note.
// msg, when not "", says what is wrong with the form. The links and the
// dashboard both decide through it.
func (s *Server) readDecision(r *http.Request, d *iamsweep.Decision) (exc *iamsweep.Exception, msg string, err error) {
	switch d.Kind {
	case iamsweep.DecisionKeep:
		reason, until, msg := s.keepInput(r, d.At)
		if msg != "" {
			return nil, msg, nil
		}
		d.Reason, d.Until = reason, until
		exc = &iamsweep.Exception{Key: d.Key, ARN: d.ARN, By: d.By, Reason: reason, Created: d.At, Until: until}
		if exc.ID, err = s.randomID("e-"); err != nil {
			return nil, "", err
		}
	case iamsweep.DecisionSnooze:
		days, msg := s.snoozeInput(r)
		if msg != "" {
			return nil, msg, nil
		}
		d.Until = d.At.AddDate(0, 0, days)
		d.Reason = strings.TrimSpace(r.PostFormValue("reason"))
	case iamsweep.DecisionRemove:
		d.Reason = strings.TrimSpace(r.PostFormValue("reason"))
	default:
		return nil, "Choose Keep, Remove or Snooze.", nil
	}
	if msg := checkText(d.Reason, "The reason"); msg != "" {
		return nil, msg, nil
	}
	if d.ID, err = s.randomID("d-"); err != nil {
		return nil, "", err
	}
	return exc, "", nil
}

// decided finishes a recorded decision, from a link or the dashboard: it
// logs it, tells the escalation (afterDecision), and shows what it does.
func (s *Server) decided(w http.ResponseWriter, r *http.Request, d iamsweep.Decision, f iamsweep.Finding, logArgs ...any) {
	s.o.Log.Info("decision recorded", append([]any{"kind", d.Kind, "principal_arn", d.ARN, "by", d.By, "from", d.From}, logArgs...)...)
	s.afterDecision(r.Context(), d)
	st, err := s.o.Store.Escalation(r.Context(), d.Key)
	quarantined := err == nil && !st.QuarantinedAt.IsZero() && st.DeletedAt.IsZero()
	s.render(w, r, http.StatusOK, "message", messagePage{Title: "Decision recorded", Text: s.decidedText(d, f, quarantined)})
}

// afterDecision tells the escalation about a recorded decision at once,
// as well as leaving an event in the principal's history: a Remove asks
// for the quarantine now (NextAt = now: the next run of the escalation
// does it, through the remediation engine), a Snooze delays the next step.
// The escalation reads the decisions too, so a failure here (logged) loses
// nothing; and a finding with no escalation yet gets none from here.
func (s *Server) afterDecision(ctx context.Context, d iamsweep.Decision) {
	// One read-modify-write under the store's write lock: a run of the
	// escalation cannot overwrite the change, nor this one the run's.
	err := s.o.Store.UpdateEscalation(ctx, d.Key, func(st *store.EscalationState, found bool) error {
		switch {
		case !found:
			return errUnchanged
		case d.Kind == iamsweep.DecisionRemove && st.QuarantinedAt.IsZero() && st.DeletedAt.IsZero():
			// (Quarantined already: the deletion keeps its schedule.)
			st.Next, st.NextAt, st.SnoozedUntil = iamsweep.ActionQuarantine, d.At, time.Time{}
		case d.Kind == iamsweep.DecisionSnooze && d.Until.After(st.SnoozedUntil):
			st.SnoozedUntil = d.Until
		default:
			return errUnchanged
		}
		st.Updated = d.At
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		s.o.Log.Error("update the escalation after a decision", "principal_arn", d.ARN, "err", err)
	}
	if d.Kind == iamsweep.DecisionRemove && s.o.RunSoon != nil {
		// Not up to escalation.frequency later: the scheduler runs soon,
		// one run for a burst of decisions.
		s.o.RunSoon()
	}
	ev := store.Event{Key: d.Key, ARN: d.ARN, At: d.At, Kind: "decision", Text: decisionEvent(d)}
	if err := s.o.Store.AddEvent(ctx, ev); err != nil {
		s.o.Log.Error("record the decision's event", "principal_arn", d.ARN, "err", err)
	}
}

// errUnchanged leaves an escalation state as it is.
var errUnchanged = errors.New("unchanged")

func decisionEvent(d iamsweep.Decision) string {
	var b strings.Builder
	switch d.Kind {
	case iamsweep.DecisionKeep:
		fmt.Fprintf(&b, "kept by %s until %s: %s", d.By, d.Until.Format(time.DateOnly), d.Reason)
	case iamsweep.DecisionSnooze:
		fmt.Fprintf(&b, "snoozed by %s until %s", d.By, d.Until.Format(time.DateOnly))
	case iamsweep.DecisionRemove:
		fmt.Fprintf(&b, "removal asked by %s: quarantine now", d.By)
	default:
		fmt.Fprintf(&b, "%s by %s", d.Kind, d.By)
	}
	if d.Kind != iamsweep.DecisionKeep && d.Reason != "" {
		b.WriteString(": " + d.Reason)
	}
	b.WriteString(" (from " + d.From + ")")
	return b.String()
}

// decidedText says what a recorded decision does; quarantined tells
// whether the escalation holds the principal quarantined now.
func (s *Server) decidedText(d iamsweep.Decision, f iamsweep.Finding, quarantined bool) string {
	switch d.Kind {
	case iamsweep.DecisionKeep:
		text := fmt.Sprintf("%s is kept until %s. Later scans judge it exempt (\"kept by %s until %s: %s\"); then you will be asked again.",
			f.ARN, d.Until.Format(time.DateOnly), d.By, d.Until.Format(time.DateOnly), d.Reason)
		if quarantined {
			text += " Its quarantine is lifted at the next run of the escalation."
		}
		return text
	case iamsweep.DecisionSnooze:
		return fmt.Sprintf("Nothing will happen to %s before %s; then the escalation resumes and you will be told before each step.", f.ARN, d.Until.Format(time.DateOnly))
	}
	if quarantined {
		return fmt.Sprintf("%s is already quarantined, so nothing more happens now; a deletion, where the policy schedules one, keeps its date and is announced before it.", f.ARN)
	}
	return fmt.Sprintf("%s will be quarantined (a deny-all policy, after a backup) at the next run of the escalation, then deleted on the schedule if it stays unused. Its backup is kept. %s", f.ARN, s.nextRunText())
}

// nextRunText says when the escalation's next run acts on a Remove: soon
// (the scheduler's run after a Remove), only in words (--dry-run), or at
// a run elsewhere (--no-scheduler).
func (s *Server) nextRunText() string {
	switch {
	case s.o.RunSoon == nil:
		return "This service runs no escalation (it was started with --no-scheduler): the quarantine happens at the next run of iamsweep escalate, or of an iamsweep serve with its scheduler, on this state database."
	case s.o.DryRun:
		return fmt.Sprintf("This service runs in dry-run mode: its next run, %s, only says what it would do. Nothing is quarantined until the escalation runs without --dry-run.", soonText(s.o.RunSoonAfter))
	}
	return fmt.Sprintf("The next run starts %s.", soonText(s.o.RunSoonAfter))
}

// soonText says how soon a run starts ("in about a minute").
func soonText(d time.Duration) string {
	switch {
	case d <= 0:
		return "at once"
	case d < 90*time.Second:
		return "in about a minute"
	case d < time.Hour:
		return fmt.Sprintf("in about %d minutes", int(d.Round(time.Minute)/time.Minute))
	}
	return "in about " + d.Round(time.Minute).String()
}

func (s *Server) invalid(w http.ResponseWriter, r *http.Request, l link, msg string) {
	nonce, err := s.linkNonce(w, r)
	if err != nil {
		s.fail(w, r, "make the form", err)
		return
	}
	v := s.decisionView(r.Context(), l, nonce)
	v.Error, v.Reason = msg, r.PostFormValue("reason")
	if u := r.PostFormValue("until"); u != "" {
		v.DefaultUntil = u
	}
	s.render(w, r, http.StatusBadRequest, "decision", v)
}

// checkLinkCSRF checks the confirmation's CSRF value against the cookie's
// nonce and the link, and that the post came from this service.
func (s *Server) checkLinkCSRF(r *http.Request, hash []byte) bool {
	got, err := b64.DecodeString(r.PostFormValue("csrf"))
	if err != nil || !s.sameOrigin(r) {
		return false
	}
	for _, nonce := range linkNonces(r) {
		if hmac.Equal(got, s.linkCSRF(nonce, hash)) {
			return true
		}
	}
	return false
}

// keepInput reads a Keep's reason and expiry date. The exception lasts
// until the start (00:00 UTC) of the date given, which must be after
// today and at most keep-max from now.
func (s *Server) keepInput(r *http.Request, now time.Time) (string, time.Time, string) {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		return "", time.Time{}, "A Keep needs a reason: say why the principal must stay (who uses it, and for what)."
	}
	until, err := time.Parse(time.DateOnly, strings.TrimSpace(r.PostFormValue("until")))
	if err != nil {
		return "", time.Time{}, "Give the date the exception ends, as YYYY-MM-DD."
	}
	if !until.After(now) {
		return "", time.Time{}, "The exception must end after today."
	}
	maxUntil := now.Add(s.o.KeepMax)
	if until.After(maxUntil) {
		return "", time.Time{}, fmt.Sprintf("An exception lasts at most %d days: until %s at the latest.", int(s.o.KeepMax/(24*time.Hour)), maxUntil.Format(time.DateOnly))
	}
	return reason, until, ""
}

// snoozeInput reads a Snooze's days: 1 to snooze-max.
func (s *Server) snoozeInput(r *http.Request) (int, string) {
	days, err := strconv.Atoi(r.PostFormValue("days"))
	maxDays := int(s.o.SnoozeMax / (24 * time.Hour))
	if err != nil || days < 1 || days > maxDays {
		return 0, fmt.Sprintf("Snooze for 1 to %d days.", maxDays)
	}
	return days, ""
}

// checkText refuses a reason too long or with control characters (it
// goes into mails, logs and the dashboard).
func checkText(s, what string) string {
	if len(s) > 500 {
		return what + " is longer than 500 characters."
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return what + " must be one line of text."
		}
	}
	return ""
}

func (s *Server) wrongMethod(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD, POST")
	s.o.Log.Warn("decision link refused", "why", "method", "method", r.Method, "token", tokenRef(r.PathValue("token")), "remote", r.RemoteAddr)
	s.render(w, r, http.StatusMethodNotAllowed, "message", messagePage{Title: "Method not allowed",
		Text: "Open the link in a browser and confirm on its page. Nothing was changed."})
}

// decider is who a link's decision is recorded as: the recipient it was
// sent to, an email address as itself ("alice@example.com", so that a
// Keep reads "kept by alice@example.com"), a topic or a webhook with its
// channel ("slack:team-a").
func decider(recipient string) string {
	return strings.TrimPrefix(recipient, string(iamsweep.RecipientEmail)+":")
}

// clientAddr is where a request came from, for the decision's record: the
// peer's address, and what a proxy says it forwarded for (recorded, not
// trusted).
func clientAddr(r *http.Request) string {
	from := r.RemoteAddr
	if f := r.Header.Get("X-Forwarded-For"); f != "" {
		if len(f) > 200 {
			f = f[:200]
		}
		from += " (forwarded for " + f + ")"
	}
	return from
}

func (s *Server) randomID(prefix string) (string, error) {
	b := make([]byte, 12)
	if _, err := s.o.Rand.Read(b); err != nil {
		return "", fmt.Errorf("draw an ID: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}
