package iamsweep

import "time"

// Retention says how much scan history the state database keeps. A scan
// is deleted only when no rule keeps it; a zero field is no rule. The
// latest scan, a scan being recorded and every scan a kept plan refers to
// are always kept, and backups and the journal are never deleted.
type Retention struct {
	// KeepScans keeps the most recently recorded scans, this many.
	KeepScans int
	// OlderThan keeps the scans whose as-of time is within this of now.
	OlderThan time.Duration
}

// IsZero reports whether r has no rule (and so keeps everything).
func (r Retention) IsZero() bool { return r.KeepScans <= 0 && r.OlderThan <= 0 }
