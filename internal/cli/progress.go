package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/iamsweep/iamsweep/internal/scan"
)

// progress draws one line on a terminal's stderr while accounts are
// scanned: accounts done of the total, principals evaluated, failures and
// an estimate of the time left. It draws nothing when stderr is not a
// terminal or with --quiet, so logs of pipelines and CI stay clean.
type progress struct {
	w     io.Writer
	now   func() time.Time
	start time.Time

	mu    sync.Mutex
	last  time.Time
	shown bool
}

func newProgress(ios IO, quiet bool, now func() time.Time) *progress {
	if quiet || !ios.StderrTTY {
		return nil
	}
	return &progress{w: ios.ErrOut, now: now, start: now()}
}

// Update redraws the line, at most ten times a second, and always for the
// last account.
func (p *progress) Update(s scan.Progress) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	if t.Sub(p.last) < 100*time.Millisecond && s.Done < s.Total {
		return
	}
	p.last = t
	eta := "--"
	if s.Done > 0 && s.Done < s.Total {
		left := time.Duration(float64(t.Sub(p.start)) / float64(s.Done) * float64(s.Total-s.Done))
		eta = left.Round(time.Second).String()
	} else if s.Done == s.Total {
		eta = "0s"
	}
	fmt.Fprintf(p.w, "\r\x1b[Kscanning accounts: %d/%d done, %d failed · %d principals · ETA %s", s.Done, s.Total, s.Failed, s.Principals, eta)
	p.shown = true
}

// Done clears the line.
func (p *progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
