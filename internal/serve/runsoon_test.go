package serve

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
)

// A Remove, from a link or from the dashboard, asks the scheduler for a
// run soon; a burst of them makes one run; Keep and Snooze ask for none.
func TestRemove_runsTheEscalationSoon(t *testing.T) {
	timer := newManualTimer()
	runs := make(chan struct{}, 10)
	sched := &Scheduler{Every: 24 * time.Hour, Soon: time.Minute, Grace: 5 * time.Minute, After: timer.After,
		Run: func(context.Context) error { runs <- struct{}{}; return nil }}
	var triggers atomic.Int32
	e := newEnv(t, func(o *Options) {
		o.RunSoon = func() { triggers.Add(1); sched.Trigger() }
		o.RunSoonAfter = time.Minute
	})
	sched.Start(t.Context())
	t.Cleanup(sched.Stop)
	<-runs // at start
	e.noticed(findings[0])
	e.noticed(findings[1])

	c := e.browser()
	l := e.links(findings[0])
	r := e.confirm(c, l.Keep, url.Values{"reason": {"DR"}, "until": {"2027-03-01"}})
	if r.status != http.StatusOK || triggers.Load() != 0 {
		t.Fatalf("Keep: %d, %d triggers", r.status, triggers.Load())
	}
	r = e.confirm(c, e.links(findings[1]).Snooze, url.Values{"days": {"7"}})
	if r.status != http.StatusOK || triggers.Load() != 0 {
		t.Fatalf("Snooze: %d, %d triggers", r.status, triggers.Load())
	}
	page := e.do(c, "GET", e.links(findings[1]).Remove, nil)
	if !strings.Contains(page.body, "The next run starts in about a minute.") {
		t.Errorf("the Remove page does not say when the run acts:\n%s", page.body)
	}
	// Snoozed: a Remove overrides the Snooze (as before).
	r = e.confirm(c, e.links(findings[1]).Remove, nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, "The next run starts in about a minute.") {
		t.Fatalf("Remove by link: %d\n%s", r.status, r.body)
	}
	if n := triggers.Load(); n != 1 {
		t.Fatalf("%d triggers after the Remove, want 1", n)
	}
	timer.waitFor(t, time.Minute)
	// A second Remove, from the dashboard, before the run: the same run.
	op := e.browser()
	e.signIn(op)
	e.noticed(findings[2])
	if r := e.operatorPost(op, findings[2], iamsweep.DecisionRemove, nil); r.status != http.StatusOK {
		t.Fatalf("Remove on the dashboard: %d\n%s", r.status, r.body)
	}
	if n := triggers.Load(); n != 2 {
		t.Errorf("%d triggers, want 2 (one per Remove)", n)
	}
	timer.firePending(t, time.Minute)
	<-runs
	sched.Stop()
	if n := timer.pending(time.Minute); n != 0 || len(runs) != 0 {
		t.Errorf("%d more soon timers and %d more runs; want one run for both Removes", n, len(runs))
	}
}

// Without a scheduler (--no-scheduler), or in a dry run, the pages say
// when a Remove is acted on.
func TestRemove_whenTheRunActs(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    func(*Options)
		want string
	}{
		{"no scheduler", func(*Options) {}, "This service runs no escalation (it was started with --no-scheduler): the quarantine happens at the next run of iamsweep escalate"},
		{"dry run", func(o *Options) { o.RunSoon, o.RunSoonAfter, o.DryRun = func() {}, 30*time.Second, true },
			"This service runs in dry-run mode: its next run, in about a minute, only says what it would do."},
		{"soon", func(o *Options) { o.RunSoon, o.RunSoonAfter = func() {}, 5*time.Minute }, "The next run starts in about 5 minutes."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.o)
			c := e.browser()
			l := e.links(findings[0])
			if page := e.do(c, "GET", l.Remove, nil); !strings.Contains(page.body, tc.want) {
				t.Errorf("the link's page:\n%s", page.body)
			}
			if r := e.confirm(c, l.Remove, nil); !strings.Contains(r.body, tc.want) {
				t.Errorf("the confirmation:\n%s", r.body)
			}
			op := e.browser()
			e.signIn(op)
			page := e.do(op, "GET", "/principal?key="+url.QueryEscape(string(iamsweep.KeyOf(findings[1]))), nil)
			if !strings.Contains(page.body, tc.want) {
				t.Errorf("the principal's page:\n%s", page.body)
			}
		})
	}
}
