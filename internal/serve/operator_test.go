package serve

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/store"
)

// operatorPost opens a principal's page as a signed-in operator and posts
// one of its decision forms with the page's CSRF value.
func (e *env) operatorPost(c *http.Client, f iamsweep.Finding, kind iamsweep.DecisionKind, form url.Values) resp {
	e.t.Helper()
	key := string(iamsweep.KeyOf(f))
	page := e.do(c, "GET", "/principal?key="+url.QueryEscape(key), nil)
	if page.status != http.StatusOK {
		e.t.Fatalf("principal page: %d\n%s", page.status, page.body)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", csrf(e.t, page.body))
	form.Set("key", key)
	form.Set("kind", string(kind))
	return e.do(c, "POST", "/principal/decide", form)
}

func TestOperator_keep(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.signIn(c)
	page := e.do(c, "GET", "/principal?key="+url.QueryEscape(string(iamsweep.KeyOf(findings[0]))), nil)
	for _, id := range []string{`id="keep-form"`, `id="remove-form"`, `id="snooze-form"`, `max="2027-06-05"`} {
		if !strings.Contains(page.body, id) {
			t.Errorf("the principal page has no %s", id)
		}
	}
	r := e.operatorPost(c, findings[0], iamsweep.DecisionKeep, url.Values{"reason": {"yearly DR test"}, "until": {"2027-03-01"}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "Decision recorded") || !strings.Contains(r.body, "kept by dashboard operator until 2027-03-01") {
		t.Fatalf("Keep: %d\n%s", r.status, r.body)
	}
	ds := e.decisions()
	if len(ds) != 1 || ds[0].Kind != iamsweep.DecisionKeep || ds[0].By != operator || ds[0].Reason != "yearly DR test" ||
		!ds[0].Until.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) || !strings.HasPrefix(ds[0].From, "127.0.0.1:") {
		t.Errorf("decisions %+v", ds)
	}
	exc, err := e.st.Exceptions(t.Context(), store.ExceptionFilter{ActiveAt: start, Key: iamsweep.KeyOf(findings[0])})
	if err != nil || len(exc) != 1 || exc[0].By != operator || exc[0].Reason != "yearly DR test" {
		t.Errorf("exceptions %+v %v", exc, err)
	}
	// While it holds, the page offers no Remove nor Snooze, and a post of
	// either is refused.
	page = e.do(c, "GET", "/principal?key="+url.QueryEscape(string(iamsweep.KeyOf(findings[0]))), nil)
	if strings.Contains(page.body, `id="remove-form"`) || !strings.Contains(page.body, `id="kept-note"`) {
		t.Errorf("the page of a kept principal:\n%s", page.body)
	}
	for _, kind := range []iamsweep.DecisionKind{iamsweep.DecisionRemove, iamsweep.DecisionSnooze} {
		r := e.operatorPost(c, findings[0], kind, url.Values{"days": {"7"}})
		if r.status != http.StatusConflict || !strings.Contains(r.body, "kept by dashboard operator until 2027-03-01") ||
			!strings.Contains(r.body, "Exceptions page") {
			t.Errorf("%s while kept: %d\n%s", kind, r.status, r.body)
		}
	}
	if n := len(e.decisions()); n != 1 {
		t.Errorf("%d decisions, want the Keep alone", n)
	}
}

func TestOperator_removeAndSnooze(t *testing.T) {
	e := newEnv(t)
	e.noticed(findings[0])
	e.noticed(findings[1])
	c := e.browser()
	e.signIn(c)
	r := e.operatorPost(c, findings[0], iamsweep.DecisionRemove, url.Values{"reason": {"team disbanded"}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "will be quarantined") {
		t.Fatalf("Remove: %d\n%s", r.status, r.body)
	}
	st, err := e.st.Escalation(t.Context(), iamsweep.KeyOf(findings[0]))
	if err != nil || st.Next != iamsweep.ActionQuarantine || !st.NextAt.Equal(start) {
		t.Errorf("escalation %+v %v, want quarantine now", st, err)
	}
	r = e.operatorPost(c, findings[1], iamsweep.DecisionSnooze, url.Values{"days": {"14"}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "before 2026-12-21") {
		t.Fatalf("Snooze: %d\n%s", r.status, r.body)
	}
	st, err = e.st.Escalation(t.Context(), iamsweep.KeyOf(findings[1]))
	if err != nil || !st.SnoozedUntil.Equal(start.AddDate(0, 0, 14)) {
		t.Errorf("escalation %+v %v, want snoozed 14 days", st, err)
	}
	ds := e.decisions()
	if len(ds) != 2 || ds[0].By != operator || ds[1].By != operator {
		t.Fatalf("decisions %+v", ds)
	}
	kinds := map[iamsweep.DecisionKind]iamsweep.Decision{}
	for _, d := range ds {
		kinds[d.Kind] = d
	}
	if d := kinds[iamsweep.DecisionRemove]; d.ARN != roleARN || d.Reason != "team disbanded" {
		t.Errorf("the Remove %+v", d)
	}
	if d := kinds[iamsweep.DecisionSnooze]; d.ARN != userARN || !d.Until.Equal(start.AddDate(0, 0, 14)) {
		t.Errorf("the Snooze %+v", d)
	}
	// In the principal's history.
	page := e.do(c, "GET", "/principal?key="+url.QueryEscape(string(iamsweep.KeyOf(findings[0]))), nil)
	if !strings.Contains(page.body, "removal asked by dashboard operator: quarantine now: team disbanded") {
		t.Errorf("history:\n%s", page.body)
	}
}

func TestOperator_refused(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.signIn(c)
	key := string(iamsweep.KeyOf(findings[0]))
	page := e.do(c, "GET", "/principal?key="+url.QueryEscape(key), nil)
	token := csrf(t, page.body)
	gone := iamsweep.KeyOf(iamsweep.Finding{AccountID: "111122223333", Type: iamsweep.TypeUnusedIAMRole, ARN: "arn:aws:iam::111122223333:role/gone"})
	for _, tc := range []struct {
		name   string
		form   url.Values
		hdr    []string
		status int
		want   string
	}{
		{"no csrf", url.Values{"key": {key}, "kind": {"remove"}}, nil, http.StatusForbidden, "Request refused"},
		{"cross-origin", url.Values{"key": {key}, "kind": {"remove"}, "csrf": {token}}, []string{"Origin", "https://evil.example"}, http.StatusForbidden, "Request refused"},
		{"unknown finding", url.Values{"key": {string(gone)}, "kind": {"remove"}, "csrf": {token}}, nil, http.StatusNotFound, "no longer finds"},
		{"unknown kind", url.Values{"key": {key}, "kind": {"delete"}, "csrf": {token}}, nil, http.StatusBadRequest, "Choose Keep, Remove or Snooze"},
		{"keep without reason", url.Values{"key": {key}, "kind": {"keep"}, "until": {"2027-03-01"}, "csrf": {token}}, nil, http.StatusBadRequest, "A Keep needs a reason"},
		{"keep past keep-max", url.Values{"key": {key}, "kind": {"keep"}, "reason": {"DR"}, "until": {"2027-12-01"}, "csrf": {token}}, nil, http.StatusBadRequest, "at most 180 days"},
		{"snooze past snooze-max", url.Values{"key": {key}, "kind": {"snooze"}, "days": {"31"}, "csrf": {token}}, nil, http.StatusBadRequest, "Snooze for 1 to 30 days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(c, "POST", "/principal/decide", tc.form, tc.hdr...)
			if r.status != tc.status || !strings.Contains(r.body, tc.want) {
				t.Errorf("%d, want %d with %q\n%s", r.status, tc.status, tc.want, r.body)
			}
		})
	}
	// An invalid form comes back with what was typed.
	r := e.do(c, "POST", "/principal/decide", url.Values{"key": {key}, "kind": {"keep"}, "reason": {"DR"}, "until": {"2027-12-01"}, "csrf": {token}})
	if !strings.Contains(r.body, `id="form-error"`) || !strings.Contains(r.body, `>DR</textarea>`) || !strings.Contains(r.body, `value="2027-12-01"`) {
		t.Errorf("the form again:\n%s", r.body)
	}
	// Not signed in: refused.
	if r := e.do(e.browser(), "POST", "/principal/decide", url.Values{"key": {key}, "kind": {"remove"}, "csrf": {token}}); r.status != http.StatusUnauthorized {
		t.Errorf("not signed in: %d", r.status)
	}
	if ds := e.decisions(); len(ds) != 0 {
		t.Errorf("refusals recorded %+v", ds)
	}
}
