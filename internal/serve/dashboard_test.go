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

var dashboardGets = []string{"/", "/?verdict=used", "/principal?key=" + url.QueryEscape(string(iamsweep.KeyOf(findings[0]))), "/exceptions", "/backups", "/backups/restore?id=b-1"}
var dashboardPosts = []string{"/exceptions/revoke", "/backups/restore"}

// Every dashboard route needs a sign-in: a GET goes to the sign-in page,
// anything else is refused, with no session, a tampered one, an expired
// one, or one made before the dashboard token changed.
func TestDashboard_signInRequired(t *testing.T) {
	e := newEnv(t)
	signedIn := e.browser()
	e.signIn(signedIn)
	u, _ := url.Parse(e.srv.URL)
	session := signedIn.Jar.Cookies(u)[0]

	tampered := e.browser()
	raw, _ := b64.DecodeString(session.Value)
	raw[0] ^= 1 // a later expiry
	tampered.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: b64.EncodeToString(raw)}})

	clients := map[string]*http.Client{"no session": e.browser(), "a tampered session": tampered}
	for name, c := range clients {
		for _, p := range dashboardGets {
			r := e.do(c, "GET", p, nil)
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/signin?next=") {
				t.Errorf("%s: GET %s: %d %s", name, p, r.status, r.header.Get("Location"))
			}
		}
		for _, p := range dashboardPosts {
			r := e.do(c, "POST", p, url.Values{"id": {"x"}})
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s: POST %s: %d", name, p, r.status)
			}
		}
	}
	// The session works until it expires.
	if r := e.do(signedIn, "GET", "/", nil); r.status != http.StatusOK {
		t.Fatalf("signed in: %d", r.status)
	}
	e.clock.Add(12 * time.Hour)
	if r := e.do(signedIn, "GET", "/", nil); r.status != http.StatusSeeOther {
		t.Errorf("an expired session: %d", r.status)
	}
	// A session of a service with another dashboard token does not work.
	c := e.browser()
	c.Jar.SetCookies(u, []*http.Cookie{session})
	other := newEnv(t, func(o *Options) { o.DashboardToken = "another-dashboard-token-0123456789"; o.Now = e.clock.Now })
	ou, _ := url.Parse(other.srv.URL)
	c.Jar.SetCookies(ou, []*http.Cookie{{Name: sessionCookie, Value: session.Value}})
	e.clock.Add(-12 * time.Hour)
	if r := other.do(c, "GET", "/", nil); r.status != http.StatusSeeOther {
		t.Errorf("a session under another dashboard token: %d", r.status)
	}
}

func TestDashboard_signIn(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Secure = true })
	c := e.browser()
	for _, bad := range []string{"", "wrong", dashboardToken + "x", dashboardToken[:len(dashboardToken)-1]} {
		r := e.do(c, "POST", "/signin", url.Values{"token": {bad}})
		if r.status != http.StatusUnauthorized || r.header.Get("Set-Cookie") != "" {
			t.Errorf("token %q: %d, cookie %q", bad, r.status, r.header.Get("Set-Cookie"))
		}
	}
	r := e.do(c, "POST", "/signin", url.Values{"token": {dashboardToken}}, "Origin", "https://evil.example")
	if r.status != http.StatusForbidden {
		t.Errorf("a cross-origin sign-in: %d", r.status)
	}
	r = e.do(c, "POST", "/signin", url.Values{"token": {dashboardToken}, "next": {"//evil.example/x"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Errorf("sign-in: %d to %q, want / (never another host)", r.status, r.header.Get("Location"))
	}
	sc := r.header.Get("Set-Cookie")
	r2 := e.do(e.browser(), "POST", "/signin", url.Values{"token": {dashboardToken}, "next": {"/a/../\\evil.example"}})
	if loc := r2.header.Get("Location"); r2.status != http.StatusSeeOther || loc != "/" {
		t.Errorf("sign-in with a next that cleans to /\\host: %d to %q, want /", r2.status, loc)
	}
	for _, want := range []string{sessionCookie + "=", "Path=/", "HttpOnly", "Secure", "SameSite=Strict", "Max-Age=43200"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie %q lacks %q", sc, want)
		}
	}
	if strings.Contains(e.logs.String(), dashboardToken) {
		t.Error("the dashboard token is in the log")
	}
}

func TestDashboard_signInRateLimited(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	limited := false
	for range 15 {
		if r := e.do(c, "POST", "/signin", url.Values{"token": {"guess"}}); r.status == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("15 wrong tokens in a row were all checked")
	}
}

func TestDashboard_findings(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.signIn(c)
	tests := []struct {
		query      string
		want, not  []string
		chartCount string
	}{
		{"/", []string{roleARN, userARN}, []string{usedARN}, `data-count="1"`},
		{"/?verdict=", []string{roleARN, userARN, usedARN}, nil, ""},
		{"/?verdict=used", []string{usedARN}, []string{roleARN, userARN}, ""},
		{"/?account=444455556666&verdict=", []string{usedARN}, []string{roleARN}, ""},
		{"/?owner=alice%40example.com", []string{roleARN}, []string{userARN}, ""},
		{"/?owner=-", []string{userARN}, []string{roleARN}, ""},
		{"/?type=UnusedIAMUser", []string{userARN}, []string{roleARN}, ""},
		{"/?idle=300", []string{userARN}, []string{roleARN}, ""}, // never used counts as idle forever
		{"/?idle=150", []string{roleARN, userARN}, nil, ""},
	}
	for _, tt := range tests {
		r := e.do(c, "GET", tt.query, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d", tt.query, r.status)
		}
		table := r.body[strings.Index(r.body, `id="findings"`):]
		for _, w := range tt.want {
			if !strings.Contains(table, w) {
				t.Errorf("GET %s: %s missing", tt.query, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(table, n) {
				t.Errorf("GET %s: %s listed", tt.query, n)
			}
		}
		if !strings.Contains(r.body, `<svg id="idle-chart"`) {
			t.Errorf("GET %s: no chart", tt.query)
		}
		if tt.chartCount != "" && !strings.Contains(r.body, `class="bar age1" data-count="1"`) {
			t.Errorf("GET %s: the 181–365 bar does not count the role:\n%s", tt.query, r.body)
		}
	}
}

// A filter value the dashboard cannot use is not silently ignored: the
// page says which, and lists as if it were not given.
func TestDashboard_badFilter(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.signIn(c)
	tests := []struct {
		query string
		want  string
		// listed: whether the used role is listed (the verdict filter
		// applies unless it is the bad one).
		listed bool
	}{
		{"/?idle=abc", `Idle at least &#34;abc&#34; is not a whole number of days (such as 90): findings of any idle age are listed.`, false},
		{"/?idle=-3", `Idle at least &#34;-3&#34; is not a whole number of days`, false},
		{"/?idle=1.5", `Idle at least &#34;1.5&#34; is not a whole number of days`, false},
		{"/?verdict=unsued", `Verdict &#34;unsued&#34; is not one of unused, used or exempt: findings of any verdict are listed.`, true},
		{"/?type=role", `Type &#34;role&#34; is not a finding type`, false},
	}
	for _, tt := range tests {
		r := e.do(c, "GET", tt.query, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="filter-problems"`) || !strings.Contains(r.body, tt.want) {
			t.Errorf("GET %s: %d, want 400 saying %s\n%s", tt.query, r.status, tt.want, r.body)
			continue
		}
		table := r.body[strings.Index(r.body, `id="findings"`):]
		if !strings.Contains(table, roleARN) || !strings.Contains(table, userARN) || strings.Contains(table, usedARN) != tt.listed {
			t.Errorf("GET %s: the findings listed:\n%s", tt.query, table)
		}
	}
	// Good values say nothing.
	if r := e.do(c, "GET", "/?idle=0&verdict=unused&type=UnusedIAMRole", nil); r.status != http.StatusOK || strings.Contains(r.body, "filter-problems") {
		t.Errorf("good values: %d\n%s", r.status, r.body)
	}
}

func TestDashboard_principalHistory(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	key := iamsweep.KeyOf(findings[0])
	if err := e.st.AddEvent(ctx, store.Event{Key: key, ARN: roleARN, At: start, Kind: "action", Text: "quarantined (plan p-1)"}); err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	e.signIn(c)
	r := e.do(c, "GET", "/principal?key="+url.QueryEscape(string(key)), nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, "quarantined (plan p-1)") || !strings.Contains(r.body, "last used 200 days ago") {
		t.Errorf("principal page: %d\n%s", r.status, r.body)
	}
	r = e.do(c, "GET", "/principal?key="+url.QueryEscape("1 UnusedIAMRole arn:aws:iam::1:role/nobody"), nil)
	if r.status != http.StatusNotFound {
		t.Errorf("an unknown principal: %d", r.status)
	}
}

func TestDashboard_revokeException(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	key := iamsweep.KeyOf(findings[0])
	exc := iamsweep.Exception{ID: "e-1", Key: key, ARN: roleARN, By: "alice@example.com", Reason: "DR", Created: start.Add(-time.Hour), Until: start.AddDate(0, 1, 0)}
	if err := e.st.AddException(ctx, exc); err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	e.signIn(c)
	page := e.do(c, "GET", "/exceptions", nil)
	if !strings.Contains(page.body, "e-1") || !strings.Contains(page.body, ">Revoke<") {
		t.Fatalf("exceptions page:\n%s", page.body)
	}
	// Without the form's CSRF value, or from another origin: refused.
	if r := e.do(c, "POST", "/exceptions/revoke", url.Values{"id": {"e-1"}}); r.status != http.StatusForbidden {
		t.Errorf("without csrf: %d", r.status)
	}
	token := csrf(t, page.body)
	if r := e.do(c, "POST", "/exceptions/revoke", url.Values{"id": {"e-1"}, "csrf": {token}}, "Origin", "https://evil.example"); r.status != http.StatusForbidden {
		t.Errorf("cross-origin: %d", r.status)
	}
	if act, _ := e.st.Exceptions(ctx, store.ExceptionFilter{ActiveAt: start}); len(act) != 1 {
		t.Fatal("a refused revoke revoked")
	}
	if r := e.do(c, "POST", "/exceptions/revoke", url.Values{"id": {"e-1"}, "csrf": {token}}); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if act, _ := e.st.Exceptions(ctx, store.ExceptionFilter{ActiveAt: start}); len(act) != 0 {
		t.Errorf("still active: %+v", act)
	}
	ds := e.decisions()
	if len(ds) != 1 || ds[0].Kind != iamsweep.DecisionRevoke || ds[0].By != operator {
		t.Errorf("decisions %+v", ds)
	}
	if r := e.do(c, "POST", "/exceptions/revoke", url.Values{"id": {"e-1"}, "csrf": {token}}); r.status != http.StatusNotFound {
		t.Errorf("a second revoke: %d", r.status)
	}
}

func TestDashboard_restore(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	b := iamsweep.Backup{ID: "b-p-1-a001", Created: start.Add(-time.Hour), AccountID: "111122223333", ARN: roleARN, Principal: "role",
		Role: &iamsweep.RoleState{Name: "old-etl", Path: "/app/", ID: "AROAOLD", AccountID: "111122223333", ARN: roleARN, TrustPolicy: `{"Version":"2012-10-17","Statement":[]}`}, PlanID: "p-1", ActionID: "a001"}
	if err := e.st.SaveBackup(ctx, b); err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	e.signIn(c)
	list := e.do(c, "GET", "/backups", nil)
	if !strings.Contains(list.body, b.ID) {
		t.Fatalf("backups page:\n%s", list.body)
	}
	confirm := e.do(c, "GET", "/backups/restore?id="+b.ID, nil)
	if confirm.status != http.StatusOK || !strings.Contains(confirm.body, "Restore it") || len(e.restore.calls()) != 0 {
		t.Fatalf("the confirmation: %d, calls %v", confirm.status, e.restore.calls())
	}
	if r := e.do(c, "POST", "/backups/restore", url.Values{"id": {b.ID}}); r.status != http.StatusForbidden || len(e.restore.calls()) != 0 {
		t.Errorf("restore without csrf: %d, calls %v", r.status, e.restore.calls())
	}
	r := e.do(c, "POST", "/backups/restore", url.Values{"id": {b.ID}, "csrf": {csrf(t, confirm.body)}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "AROANEW") {
		t.Errorf("restore: %d\n%s", r.status, r.body)
	}
	if calls := e.restore.calls(); len(calls) != 1 || calls[0] != b.ID {
		t.Errorf("restore calls %v", calls)
	}
	events, _ := e.st.Events(ctx, iamsweep.KeyOf(findings[0]), 10)
	if len(events) != 1 || !strings.Contains(events[0].Text, "restored from backup "+b.ID) {
		t.Errorf("events %+v", events)
	}
	if r := e.do(c, "GET", "/backups/restore?id=nope", nil); r.status != http.StatusNotFound {
		t.Errorf("unknown backup: %d", r.status)
	}
}

func TestServer_headers(t *testing.T) {
	e := newEnv(t)
	l := e.links(findings[0])
	for _, p := range []string{"/healthz", "/signin", "/", linkPath(l.Keep), "/d/bad", "/nope", "/static/style.css"} {
		r := e.do(e.browser(), "GET", p, nil)
		for h, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "same-origin",
			"Cache-Control":           "no-store",
		} {
			if got := r.header.Get(h); got != want {
				t.Errorf("GET %s: %s %q, want %q", p, h, got, want)
			}
		}
		if strings.Contains(r.body, "<script") || strings.Contains(r.body, " style=") {
			t.Errorf("GET %s: inline script or style", p)
		}
	}
	if r := e.do(e.browser(), "GET", "/healthz", nil); r.status != http.StatusOK || r.body != "ok\n" {
		t.Errorf("healthz: %d %q", r.status, r.body)
	}
	for _, p := range []string{"/nope", "/static/", "/static/nope.css", "/d/"} {
		if r := e.do(e.browser(), "GET", p, nil); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/": "/", "/exceptions": "/exceptions", "/?verdict=used": "/?verdict=used",
		"//evil.example": "/", "/\\evil.example": "/", "https://evil.example/": "/", "exceptions": "/", "javascript:alert(1)": "/",
		// http.Redirect cleans the path: "/a/../\\x" would become "/\\x",
		// which browsers read as "//x", another host.
		"/a/../\\evil.example": "/", "/./\\evil.example": "/", "/x\\y": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
