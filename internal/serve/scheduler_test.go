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
