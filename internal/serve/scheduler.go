package serve

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Scheduler runs a job (a scan and a run of the escalation) at once and
// then every Every, one run at a time: a tick that comes while a run is
// still going is skipped, not queued. It owns its goroutine: Start begins
// it, Stop ends it.
type Scheduler struct {
	// Run is the job; its error is logged, and the next tick runs it again.
	Run   func(ctx context.Context) error
	Every time.Duration
	// After is the timer (time.After by default; tests give their own).
	After func(time.Duration) <-chan time.Time
	// Grace bounds how long Stop lets a run in progress go on before its
	// context is canceled (default 2 minutes). The remediation engine
	// checks its context only between journaled steps, and its journal
	// makes a stopped run resumable.
	Grace time.Duration
	Log   *slog.Logger

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
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Lock()
	s.stop, s.done, s.cancel = make(chan struct{}), make(chan struct{}), cancel
	s.mu.Unlock()
	go s.loop(runCtx)
}

func (s *Scheduler) loop(ctx context.Context) {
	defer close(s.done)
	for {
		s.TryRun(ctx)
		select {
		case <-s.stop:
			return
		case <-s.After(s.Every):
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
func (s *Scheduler) Stop() {
	s.mu.Lock()
	stop, done, cancel := s.stop, s.done, s.cancel
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
