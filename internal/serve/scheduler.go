package serve

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Scheduler runs a job (a scan and a run of the escalation) at once and
// then every Every, one run at a time: a tick that comes while a run is
// still going is skipped, not queued. Trigger asks for a run Soon (after
// a Remove decision), one for a burst of triggers. It owns its goroutine:
// Start begins it, Stop ends it.
type Scheduler struct {
	// Run is the job; its error is logged, and the next tick runs it again.
	Run   func(ctx context.Context) error
	Every time.Duration
	// Soon is how long a Trigger waits before its run, so that a burst
	// of decisions makes one run (default DefaultSoon).
	Soon time.Duration
	// After is the timer (time.After by default; tests give their own).
	After func(time.Duration) <-chan time.Time
	// Grace bounds how long Stop lets a run in progress go on before its
	// context is canceled (default 2 minutes). The remediation engine
	// checks its context only between journaled steps, and its journal
	// makes a stopped run resumable.
	Grace time.Duration
	Log   *slog.Logger

	// trigger holds one pending Trigger.
	trigger chan struct{}

	mu      sync.Mutex
	running bool
	stop    chan struct{}
	done    chan struct{}
	cancel  context.CancelFunc
	runs    int
}

// Start runs the job now and then every Every, until Stop. The runs'
// context is derived from ctx without its cancellation: Stop, not ctx,
// decides when a run must give up.
func (s *Scheduler) Start(ctx context.Context) {
	if s.After == nil {
		s.After = time.After
	}
	if s.Grace <= 0 {
		s.Grace = 2 * time.Minute
	}
	if s.Soon <= 0 {
		s.Soon = DefaultSoon
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Lock()
	stop, done := make(chan struct{}), make(chan struct{})
	s.stop, s.done, s.cancel = stop, done, cancel
	s.mu.Unlock()
	go s.loop(runCtx, stop, done)
}

// DefaultSoon is how long a Trigger waits for more before its run.
const DefaultSoon = 30 * time.Second

// Trigger asks for a run Soon from now, unless one is asked for already:
// the first Trigger of a burst sets the time, the others join its run. A
// Trigger that comes while a run is going gets a run after it (the run
// may have read the state before the decision). Without Start, or after
// Stop, it does nothing.
func (s *Scheduler) Trigger() {
	select {
	case s.triggers() <- struct{}{}:
	default: // one is pending already
	}
}

func (s *Scheduler) triggers() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trigger == nil {
		s.trigger = make(chan struct{}, 1)
	}
	return s.trigger
}

func (s *Scheduler) loop(ctx context.Context, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	trigger := s.triggers()
	var soon <-chan time.Time // armed by a Trigger
	for {
		s.TryRun(ctx)
		tick := s.After(s.Every)
	wait:
		for {
			select {
			case <-stop:
				return
			case <-tick:
				// A run now covers the decisions of the pending Trigger.
				soon = nil
				break wait
			case <-trigger:
				if soon == nil {
					soon = s.After(s.Soon)
				}
			case <-soon:
				soon = nil
				s.log().Info("run asked for by a decision")
				s.TryRun(ctx)
			}
		}
	}
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// TryRun runs the job unless a run is in progress, and reports whether it
// ran.
func (s *Scheduler) TryRun(ctx context.Context) bool {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		s.log().Warn("scheduled run skipped: the previous run is still going")
		return false
	}
	s.running = true
	s.runs++
	n := s.runs
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()
	start := time.Now()
	s.log().Info("run started", "run", n)
	if err := s.Run(ctx); err != nil {
		s.log().Error("run failed", "run", n, "err", err, "duration", time.Since(start))
		return true
	}
	s.log().Info("run finished", "run", n, "duration", time.Since(start))
	return true
}

// Stop starts no new run, lets the run in progress finish for up to Grace
// (then cancels its context and waits for it to return), and returns.
// Stopping a stopped scheduler does nothing.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	stop, done, cancel := s.stop, s.done, s.cancel
	s.stop = nil // a second Stop returns at once
	s.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	select {
	case <-done:
	case <-s.After(s.Grace):
		s.log().Warn("the run in progress did not finish in time: canceling it between steps", "grace", s.Grace)
		cancel()
		<-done
	}
	cancel()
}
