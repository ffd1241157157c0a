package iamsweep

import (
	"slices"
	"sort"
	"time"
)

// ScanResult is what one scan produced: every finding, and the settings
// that decided them, so a report can say what "unused" meant.
type ScanResult struct {
	// AsOf is the evaluation time.
	AsOf time.Time
	// UnusedDays is the threshold N the verdicts used.
	UnusedDays int
	// Findings holds one record per evaluated principal or credential, in
	// SortFindings order.
	Findings []Finding
}

// Counts tallies findings by verdict.
type Counts struct {
	Evaluated int
	Unused    int
	Used      int
	Exempt    int
}

// Counts tallies the result's findings; when types are given, only findings
// of those types count.
func (r ScanResult) Counts(types ...FindingType) Counts {
	var c Counts
	for _, f := range r.Findings {
		if len(types) > 0 && !slices.Contains(types, f.Type) {
			continue
		}
		c.Evaluated++
		switch f.Verdict {
		case VerdictUnused:
			c.Unused++
		case VerdictUsed:
			c.Used++
		case VerdictExempt:
			c.Exempt++
		}
	}
	return c
}

// SortFindings sorts findings into the stable order every report uses:
// by account, then type, then ARN.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.ARN < b.ARN
	})
}
