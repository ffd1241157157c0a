package serve

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// manualTimer hands out timers the test fires.
type manualTimer struct {
	mu   sync.Mutex
	reqs chan time.Duration
	fire map[time.Duration][]chan time.Time
}

func newManualTimer() *manualTimer {
	return &manualTimer{reqs: make(chan time.Duration, 16), fire: map[time.Duration][]chan time.Time{}}
}

func (m *manualTimer) After(d time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	m.mu.Lock()
	m.fire[d] = append(m.fire[d], c)
	m.mu.Unlock()
	m.reqs <- d
	return c
}

// wait blocks until a timer of d is asked for, then fires it.
func (m *manualTimer) fireNext(t *testing.T, d time.Duration) {
	t.Helper()
	for {
		select {
		case got := <-m.reqs:
			if got != d {
				continue
			}
			m.mu.Lock()
			c := m.fire[d][0]
			m.fire[d] = m.fire[d][1:]
			m.mu.Unlock()
			c <- time.Time{}
			return
		case <-t.Context().Done():
			t.Fatal("no timer")
		}
	}
}

func TestScheduler_runsAtStartAndEveryTick(t *testing.T) {
	timer := newManualTimer()
	runs := make(chan struct{}, 10)
	s := &Scheduler{Every: time.Hour, After: timer.After, Run: func(context.Context) error {
		runs <- struct{}{}
		return errors.New("a failed run is logged, and the next tick runs again")
	}}
	s.Start(t.Context())
	<-runs // at once
	timer.fireNext(t, time.Hour)
	<-runs
	timer.fireNext(t, time.Hour)
	<-runs
	s.Stop()
	select {
	case <-runs:
		t.Error("a run after Stop")
	default:
	}
}

// A run that outlasts its interval is not run twice at once.
func TestScheduler_singleFlight(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	s := &Scheduler{Every: time.Hour, Run: func(context.Context) error {
		started <- struct{}{}
		<-release
		return nil
	}}
	go s.TryRun(t.Context())
	<-started
	if s.TryRun(t.Context()) {
		t.Error("a second run started while the first was going")
	}
	close(release)
	// Once the first returns, the next may run.
	deadline := time.After(10 * time.Second)
	for {
		ran := make(chan bool, 1)
		go func() { ran <- s.TryRun(t.Context()) }()
		select {
		case <-started:
			if !<-ran {
				t.Fatal("started but did not run")
			}
			return
		case r := <-ran:
			if r {
				return
			}
		case <-deadline:
			t.Fatal("the next run never ran")
		}
	}
}

// Stop lets the run in progress finish within the grace, and cancels it
// after.
func TestScheduler_stopWaitsThenCancels(t *testing.T) {
	timer := newManualTimer()
	started := make(chan struct{})
	canceled := make(chan struct{})
	s := &Scheduler{Every: time.Hour, Grace: time.Minute, After: timer.After, Run: func(ctx context.Context) error {
		close(started)
		<-ctx.Done() // a run that only ends when canceled
		close(canceled)
		return ctx.Err()
	}}
	ctx, cancel := context.WithCancel(t.Context())
	s.Start(ctx)
	<-started
	cancel() // the service's context ending does not cancel the run
	stopped := make(chan struct{})
	go func() { s.Stop(); close(stopped) }()
	select {
	case <-canceled:
		t.Fatal("canceled before the grace ran out")
	case <-stopped:
		t.Fatal("Stop returned with the run going")
	default:
	}
	timer.fireNext(t, time.Minute) // the grace runs out
	<-canceled
	<-stopped
}

// firePending fires the oldest timer of d handed out and not fired yet.
func (m *manualTimer) firePending(t *testing.T, d time.Duration) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.fire[d]) == 0 {
		t.Fatalf("no timer of %s handed out", d)
	}
	m.fire[d][0] <- time.Time{}
	m.fire[d] = m.fire[d][1:]
}

// waitFor blocks until a timer of d is asked for, and fires nothing.
func (m *manualTimer) waitFor(t *testing.T, d time.Duration) {
	t.Helper()
	for {
		select {
		case got := <-m.reqs:
			if got == d {
				return
			}
		case <-t.Context().Done():
			t.Fatalf("no timer of %s", d)
		}
	}
}

// pending counts the timers of d handed out and not fired.
func (m *manualTimer) pending(d time.Duration) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.fire[d])
}

func TestScheduler_triggerRunsSoonOnceForABurst(t *testing.T) {
	timer := newManualTimer()
	runs := make(chan struct{}, 10)
	s := &Scheduler{Every: 24 * time.Hour, Soon: time.Minute, Grace: 5 * time.Minute, After: timer.After, Run: func(context.Context) error {
		runs <- struct{}{}
		return nil
	}}
	s.Start(t.Context())
	<-runs // at once
	s.Trigger()
	s.Trigger()
	s.Trigger()
	timer.waitFor(t, time.Minute)
	s.Trigger() // joins the pending run
	timer.firePending(t, time.Minute)
	<-runs
	s.Stop()
	if n := timer.pending(time.Minute); n != 0 {
		t.Errorf("%d more timers for a burst of triggers, want 1 in all", n)
	}
	if len(runs) != 0 {
		t.Errorf("%d runs more, want one run for the burst", len(runs))
	}
}

// A Trigger during a run gets a run after it: the run may have read the
// state before the decision.
func TestScheduler_triggerDuringARun(t *testing.T) {
	timer := newManualTimer()
	runs := make(chan struct{}, 10)
	hold := make(chan struct{})
	s := &Scheduler{Every: 24 * time.Hour, Soon: time.Minute, Grace: 5 * time.Minute, After: timer.After, Run: func(context.Context) error {
		runs <- struct{}{}
		<-hold
		return nil
	}}
	s.Start(t.Context())
	<-runs // the first run, held
	s.Trigger()
	close(hold)
	timer.fireNext(t, time.Minute)
	<-runs
	s.Stop()
}

// A scheduled run that starts while a Trigger waits is the Trigger's run.
func TestScheduler_tickTakesThePendingTrigger(t *testing.T) {
	timer := newManualTimer()
	runs := make(chan struct{}, 10)
	s := &Scheduler{Every: 24 * time.Hour, Soon: time.Minute, Grace: 5 * time.Minute, After: timer.After, Run: func(context.Context) error {
		runs <- struct{}{}
		return nil
	}}
	s.Start(t.Context())
	<-runs
	s.Trigger()
	timer.waitFor(t, time.Minute)
	timer.firePending(t, 24*time.Hour)
	<-runs
	timer.firePending(t, time.Minute) // no longer waited on
	timer.waitFor(t, 24*time.Hour)    // the loop is waiting for its next tick
	s.Stop()
	if len(runs) != 0 {
		t.Errorf("%d runs more, want the tick's run alone", len(runs))
	}
}

// A Trigger without a started scheduler does nothing and does not block.
func TestScheduler_triggerNotStarted(t *testing.T) {
	s := &Scheduler{Every: time.Hour, Run: func(context.Context) error { t.Error("ran"); return nil }}
	s.Trigger()
	s.Trigger()
}
