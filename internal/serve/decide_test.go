package serve

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/links"
	"github.com/iamsweep/iamsweep/internal/store"
)

func TestLinkMaker_Links(t *testing.T) {
	e := newEnv(t)
	l := e.links(findings[0])
	seen := map[string]bool{}
	for kind, link := range map[iamsweep.DecisionKind]string{iamsweep.DecisionKeep: l.Keep, iamsweep.DecisionRemove: l.Remove, iamsweep.DecisionSnooze: l.Snooze} {
		if !strings.HasPrefix(link, e.srv.URL+"/d/") {
			t.Errorf("%s link %q is not under the base URL", kind, link)
		}
		if seen[link] {
			t.Errorf("two links are equal: %q", link)
		}
		seen[link] = true
		tok := e.token(link)
		want := store.LinkToken{NoticeID: "n-1", Key: iamsweep.KeyOf(findings[0]), ARN: roleARN, Kind: kind, Recipient: "email:alice@example.com",
			Created: start, Expires: start.Add(14 * 24 * time.Hour)}
		tok.Hash = nil
		if tok.NoticeID != want.NoticeID || tok.Key != want.Key || tok.ARN != want.ARN || tok.Kind != want.Kind ||
			tok.Recipient != want.Recipient || !tok.Created.Equal(want.Created) || !tok.Expires.Equal(want.Expires) || !tok.Used.IsZero() {
			t.Errorf("stored token %+v, want %+v", tok, want)
		}
	}
	deleted, err := e.lm.Links(t.Context(), "n-2", "email:alice@example.com", iamsweep.NoticeItem{Finding: findings[0], Stage: iamsweep.StageDeleted})
	if err != nil || deleted != (iamsweep.DecisionLinks{}) {
		t.Errorf("links of a deleted principal: %+v, %v; want none", deleted, err)
	}
	e.lm.BaseURL = nil
	if _, err := e.lm.Links(t.Context(), "n-3", "x", iamsweep.NoticeItem{Finding: findings[0]}); err == nil {
		t.Error("links without a base URL")
	}
}

// A GET or a HEAD, however often, shows the page and changes nothing:
// mail scanners fetch every link.
func TestDecision_getAndHeadNeverAct(t *testing.T) {
	e := newEnv(t)
	l := e.links(findings[0])
	c := e.browser()
	for _, link := range []string{l.Keep, l.Remove, l.Snooze} {
		for range 3 {
			r := e.do(c, "GET", link, nil)
			if r.status != http.StatusOK || !strings.Contains(r.body, roleARN) || !strings.Contains(r.body, `id="decision-form"`) {
				t.Fatalf("GET %s: %d\n%s", linkPath(link), r.status, r.body)
			}
			if h := e.do(c, "HEAD", link, nil); h.status != http.StatusOK || h.body != "" {
				t.Fatalf("HEAD: %d %q", h.status, h.body)
			}
		}
		if !e.token(link).Used.IsZero() {
			t.Errorf("a GET used the token of %s", linkPath(link))
		}
	}
	if ds := e.decisions(); len(ds) != 0 {
		t.Errorf("decisions recorded by GET/HEAD: %+v", ds)
	}
	if events, _ := e.st.Events(t.Context(), iamsweep.KeyOf(findings[0]), 10); len(events) != 0 {
		t.Errorf("a GET left events: %+v", events)
	}
}

// confirm opens a link in a browser and posts its form with extra values.
func (e *env) confirm(c *http.Client, link string, form url.Values) resp {
	e.t.Helper()
	page := e.do(c, "GET", link, nil)
	if page.status != http.StatusOK {
		e.t.Fatalf("GET %s: %d\n%s", linkPath(link), page.status, page.body)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", csrf(e.t, page.body))
	return e.do(c, "POST", link, form)
}

func TestDecision_keep(t *testing.T) {
	e := newEnv(t)
	l := e.links(findings[0])
	c := e.browser()
	r := e.confirm(c, l.Keep, url.Values{"reason": {"yearly DR test"}, "until": {"2027-03-01"}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "Decision recorded") {
		t.Fatalf("POST: %d\n%s", r.status, r.body)
	}
	ds := e.decisions()
	if len(ds) != 1 {
		t.Fatalf("decisions %+v, want 1", ds)
	}
	d := ds[0]
	until := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	if d.Kind != iamsweep.DecisionKeep || d.By != "alice@example.com" || d.Reason != "yearly DR test" || !d.Until.Equal(until) ||
		!d.At.Equal(start) || !strings.HasPrefix(d.From, "127.0.0.1:") || d.Key != iamsweep.KeyOf(findings[0]) {
		t.Errorf("decision %+v", d)
	}
	exc, err := e.st.Exceptions(t.Context(), store.ExceptionFilter{ActiveAt: start.Add(time.Hour)})
	if err != nil || len(exc) != 1 || exc[0].Reason != "yearly DR test" || !exc[0].Until.Equal(until) || exc[0].By != "alice@example.com" {
		t.Fatalf("exceptions %+v, %v", exc, err)
	}
	if e.token(l.Keep).Used.IsZero() {
		t.Error("the token is not marked used")
	}
	// The same link again: refused, nothing more recorded.
	again := e.do(c, "GET", l.Keep, nil)
	if again.status != http.StatusConflict || !strings.Contains(again.body, "used already") {
		t.Errorf("GET after use: %d\n%s", again.status, again.body)
	}
	if n := len(e.decisions()); n != 1 {
		t.Errorf("%d decisions after a reuse", n)
	}
	events, _ := e.st.Events(t.Context(), iamsweep.KeyOf(findings[0]), 10)
	if len(events) != 1 || !strings.Contains(events[0].Text, "kept by alice@example.com until 2027-03-01: yearly DR test") {
		t.Errorf("events %+v", events)
	}
}

func TestDecision_reusedPost(t *testing.T) {
	e := newEnv(t)
	l := e.links(findings[0])
	c := e.browser()
	page := e.do(c, "GET", l.Remove, nil)
	form := url.Values{"csrf": {csrf(t, page.body)}}
	if r := e.do(c, "POST", l.Remove, form); r.status != http.StatusOK {
		t.Fatalf("first POST: %d\n%s", r.status, r.body)
	}
	r := e.do(c, "POST", l.Remove, form)
	if r.status != http.StatusConflict || !strings.Contains(r.body, "used already") {
		t.Errorf("second POST: %d\n%s", r.status, r.body)
	}
	if n := len(e.decisions()); n != 1 {
		t.Errorf("%d decisions, want 1", n)
	}
	if _, err := e.st.Escalation(t.Context(), iamsweep.KeyOf(findings[0])); err == nil {
		t.Error("a Remove made up an escalation state for a finding without one")
	}
	if !strings.Contains(e.logs.String(), "why=reused") {
		t.Errorf("the reuse is not logged:\n%s", e.logs)
	}
}

// noticed gives a finding the escalation state of its first notice.
func (e *env) noticed(f iamsweep.Finding) store.EscalationState {
	e.t.Helper()
	st := store.EscalationState{Key: iamsweep.KeyOf(f), ARN: f.ARN, AccountID: f.AccountID, Owner: f.Owner([]string{"owner"}), Type: f.Type,
		Stage: iamsweep.StageNotice, FirstNoticeAt: start.AddDate(0, 0, -1), Next: iamsweep.ActionQuarantine, NextAt: start.AddDate(0, 0, 29),
		Updated: start.AddDate(0, 0, -1)}
	if err := e.st.PutEscalation(e.t.Context(), st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

func TestDecision_remove(t *testing.T) {
	e := newEnv(t)
	e.noticed(findings[0])
	l := e.links(findings[0])
	if r := e.confirm(e.browser(), l.Remove, nil); r.status != http.StatusOK {
		t.Fatalf("POST: %d\n%s", r.status, r.body)
	}
	st, err := e.st.Escalation(t.Context(), iamsweep.KeyOf(findings[0]))
	if err != nil {
		t.Fatal(err)
	}
	if st.Next != iamsweep.ActionQuarantine || !st.NextAt.Equal(start) || st.ARN != roleARN || st.AccountID != "111122223333" || st.Owner != "alice@example.com" {
		t.Errorf("escalation %+v, want quarantine now", st)
	}
	ds := e.decisions()
	if len(ds) != 1 || ds[0].Kind != iamsweep.DecisionRemove {
		t.Errorf("decisions %+v", ds)
	}
}

func TestDecision_removeKeepsAQuarantinesSchedule(t *testing.T) {
	e := newEnv(t)
	key := iamsweep.KeyOf(findings[0])
	q := store.EscalationState{Key: key, ARN: roleARN, AccountID: "111122223333", Type: iamsweep.TypeUnusedIAMRole, Stage: iamsweep.StageQuarantined,
		QuarantinedAt: start.AddDate(0, 0, -3), Next: iamsweep.ActionDelete, NextAt: start.AddDate(0, 0, 27), Updated: start.AddDate(0, 0, -3)}
	if err := e.st.PutEscalation(t.Context(), q); err != nil {
		t.Fatal(err)
	}
	l := e.links(findings[0])
	if r := e.confirm(e.browser(), l.Remove, nil); r.status != http.StatusOK {
		t.Fatalf("POST: %d\n%s", r.status, r.body)
	}
	st, _ := e.st.Escalation(t.Context(), key)
	if st.Next != iamsweep.ActionDelete || !st.NextAt.Equal(q.NextAt) {
		t.Errorf("escalation %+v: a Remove moved the deletion", st)
	}
}

func TestDecision_snooze(t *testing.T) {
	e := newEnv(t)
	e.noticed(findings[1])
	l := e.links(findings[1])
	if r := e.confirm(e.browser(), l.Snooze, url.Values{"days": {"14"}}); r.status != http.StatusOK {
		t.Fatalf("POST: %d\n%s", r.status, r.body)
	}
	st, err := e.st.Escalation(t.Context(), iamsweep.KeyOf(findings[1]))
	if err != nil {
		t.Fatal(err)
	}
	if !st.SnoozedUntil.Equal(start.AddDate(0, 0, 14)) {
		t.Errorf("snoozed until %v", st.SnoozedUntil)
	}
	ds := e.decisions()
	if len(ds) != 1 || ds[0].Kind != iamsweep.DecisionSnooze || !ds[0].Until.Equal(start.AddDate(0, 0, 14)) {
		t.Errorf("decisions %+v", ds)
	}
}

// Bad input shows the form again with the reason, and leaves the link
// unused.
func TestDecision_invalidInput(t *testing.T) {
	tests := []struct {
		name string
		kind iamsweep.DecisionKind
		form url.Values
		want string
	}{
		{"keep without a reason", iamsweep.DecisionKeep, url.Values{"until": {"2027-01-01"}}, "needs a reason"},
		{"keep with a blank reason", iamsweep.DecisionKeep, url.Values{"reason": {"   "}, "until": {"2027-01-01"}}, "needs a reason"},
		{"keep past keep-max", iamsweep.DecisionKeep, url.Values{"reason": {"r"}, "until": {"2027-06-06"}}, "at most 180 days"},
		{"keep until today", iamsweep.DecisionKeep, url.Values{"reason": {"r"}, "until": {"2026-12-07"}}, "after today"},
		{"keep with a bad date", iamsweep.DecisionKeep, url.Values{"reason": {"r"}, "until": {"01/03/2027"}}, "YYYY-MM-DD"},
		{"keep with a two-line reason", iamsweep.DecisionKeep, url.Values{"reason": {"a\nKeep: https://evil"}, "until": {"2027-01-01"}}, "one line"},
		{"keep with a long reason", iamsweep.DecisionKeep, url.Values{"reason": {strings.Repeat("x", 501)}, "until": {"2027-01-01"}}, "longer than 500"},
		{"snooze past snooze-max", iamsweep.DecisionSnooze, url.Values{"days": {"31"}}, "1 to 30 days"},
		{"snooze zero days", iamsweep.DecisionSnooze, url.Values{"days": {"0"}}, "1 to 30 days"},
		{"snooze no days", iamsweep.DecisionSnooze, url.Values{}, "1 to 30 days"},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := e.links(findings[0])
			link := l.Keep
			if tt.kind == iamsweep.DecisionSnooze {
				link = l.Snooze
			}
			r := e.confirm(e.browser(), link, tt.form)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, tt.want) || !strings.Contains(r.body, `id="decision-form"`) {
				t.Errorf("POST: %d, want 400 with %q\n%s", r.status, tt.want, r.body)
			}
			if !e.token(link).Used.IsZero() {
				t.Error("the token was used")
			}
		})
	}
	if ds := e.decisions(); len(ds) != 0 {
		t.Errorf("decisions %+v", ds)
	}
}

// Forged, expired, unknown, malformed and wrong-method requests get a page
// that says so, change nothing, and are logged without the token.
func TestDecision_refused(t *testing.T) {
	e := newEnv(t)
	l := e.links(findings[0])
	text := l.Keep[strings.LastIndex(l.Keep, "/")+1:]

	other, _ := links.NewSigner(key32("other"), rand.Reader)
	forged, _ := other.Issue(start.Add(time.Hour))
	unstored, _ := e.signer.Issue(start.Add(time.Hour))
	// A link to a finding the latest scan does not hold.
	gone := findings[0]
	gone.ARN = "arn:aws:iam::111122223333:role/app/deleted-since"
	goneLinks := e.links(gone)

	tests := []struct {
		name   string
		method string
		path   string
		status int
		want   string
	}{
		{"malformed", "GET", "/d/not-a-token", http.StatusBadRequest, "not valid"},
		{"truncated", "GET", "/d/" + text[:60], http.StatusBadRequest, "not valid"},
		{"forged", "GET", "/d/" + forged.Text, http.StatusForbidden, "signature does not match"},
		{"forged post", "POST", "/d/" + forged.Text, http.StatusForbidden, "signature does not match"},
		{"signed but not stored", "GET", "/d/" + unstored.Text, http.StatusNotFound, "not known"},
		{"unknown finding", "GET", linkPath(goneLinks.Keep), http.StatusNotFound, "no longer finds"},
		{"unknown finding post", "POST", linkPath(goneLinks.Remove), http.StatusNotFound, "no longer finds"},
		{"put", "PUT", "/d/" + text, http.StatusMethodNotAllowed, "Method not allowed"},
		{"delete", "DELETE", "/d/" + text, http.StatusMethodNotAllowed, "Method not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(e.browser(), tt.method, tt.path, url.Values{"csrf": {"x"}, "reason": {"r"}, "until": {"2027-01-01"}})
			if r.status != tt.status || !strings.Contains(r.body, tt.want) {
				t.Errorf("%s %s: %d, want %d with %q\n%s", tt.method, tt.path, r.status, tt.status, tt.want, r.body)
			}
			if !strings.Contains(r.body, "Nothing was changed") {
				t.Errorf("the page does not say nothing changed:\n%s", r.body)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		c := e.browser()
		page := e.do(c, "GET", l.Remove, nil)
		e.clock.Add(14 * 24 * time.Hour)
		defer e.clock.Add(-14 * 24 * time.Hour)
		for _, m := range []string{"GET", "POST"} {
			r := e.do(c, m, l.Remove, url.Values{"csrf": {csrf(t, page.body)}})
			if r.status != http.StatusGone || !strings.Contains(r.body, "expired") {
				t.Errorf("%s: %d\n%s", m, r.status, r.body)
			}
		}
	})
	if ds := e.decisions(); len(ds) != 0 {
		t.Errorf("decisions %+v", ds)
	}
	logs := e.logs.String()
	for _, why := range []string{"malformed", "forged", "unknown", "unknown-finding", "method", "expired"} {
		if !strings.Contains(logs, "why="+why) {
			t.Errorf("no log of a %s link:\n%s", why, logs)
		}
	}
	if strings.Contains(logs, text) || strings.Contains(logs, forged.Text) {
		t.Error("a token is in the log")
	}
}

// The POST must come from the link's page in the same browser.
func TestDecision_csrf(t *testing.T) {
	e := newEnv(t)
	l := e.links(findings[0])
	l2 := e.links(findings[1])
	c := e.browser()
	page := e.do(c, "GET", l.Remove, nil)
	good := csrf(t, page.body)
	page2 := e.do(c, "GET", l2.Remove, nil)
	otherLinks := csrf(t, page2.body)
	// Another browser's page: another cookie.
	c3 := e.browser()
	otherBrowser := csrf(t, e.do(c3, "GET", l.Remove, nil).body)

	tests := []struct {
		name   string
		client *http.Client
		csrf   string
		hdr    []string
	}{
		{"no cookie", e.browser(), good, nil},
		{"no value", c, "", nil},
		{"a wrong value", c, "AAAA", nil},
		{"another link's value", c, otherLinks, nil},
		{"another browser's value", c, otherBrowser, nil},
		{"a cross-origin post", c, good, []string{"Origin", "https://evil.example"}},
		{"a cross-site fetch", c, good, []string{"Sec-Fetch-Site", "cross-site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.client, "POST", l.Remove, url.Values{"csrf": {tt.csrf}}, tt.hdr...)
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "Request refused") {
				t.Errorf("POST: %d\n%s", r.status, r.body)
			}
		})
	}
	if !e.token(l.Remove).Used.IsZero() || len(e.decisions()) != 0 {
		t.Fatal("a refused POST acted")
	}
	// The right value, from the right origin, acts.
	r := e.do(c, "POST", l.Remove, url.Values{"csrf": {good}}, "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin")
	if r.status != http.StatusOK {
		t.Fatalf("good POST: %d\n%s", r.status, r.body)
	}
}

func TestDecision_cookieAttributes(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Secure = true })
	l := e.links(findings[0])
	r := e.do(e.browser(), "GET", l.Keep, nil)
	sc := r.header.Get("Set-Cookie")
	for _, want := range []string{linkCSRFCookie + "=", "Path=/d/", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
	if r.header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS when secure")
	}
}
