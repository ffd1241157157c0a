package report

import (
	"io"
	"time"

	"github.com/iamsweep/iamsweep"
)

// Meta describes the scan a report is about.
type Meta struct {
	AsOf       time.Time
	UnusedDays int
}

// Totals closes a report: what could not be scanned.
type Totals struct {
	// Errors are the accounts that failed.
	Errors []iamsweep.AccountError
	// Skipped are the accounts left out because they are not ACTIVE.
	Skipped []iamsweep.Account
}

// Writer renders a report as findings arrive, one account at a time, so a
// scan of many accounts need not hold them all. Call Begin once, Findings
// any number of times, End once.
type Writer interface {
	Begin(Meta) error
	// Findings adds findings (one account's, sorted).
	Findings([]iamsweep.Finding) error
	End(Totals) error
}

// tally counts what a writer has seen.
type tally struct {
	all      iamsweep.Counts
	byType   map[iamsweep.FindingType]int
	accounts map[string]bool
}

func (t *tally) add(f iamsweep.Finding) {
	if t.byType == nil {
		t.byType = map[iamsweep.FindingType]int{}
		t.accounts = map[string]bool{}
	}
	t.all.Evaluated++
	switch f.Verdict {
	case iamsweep.VerdictUnused:
		t.all.Unused++
	case iamsweep.VerdictUsed:
		t.all.Used++
	case iamsweep.VerdictExempt:
		t.all.Exempt++
	}
	t.byType[f.Type]++
	t.accounts[f.AccountID] = true
}

// write renders a whole result with w.
func write(w Writer, res iamsweep.ScanResult, totals Totals) error {
	if err := w.Begin(Meta{AsOf: res.AsOf, UnusedDays: res.UnusedDays}); err != nil {
		return err
	}
	if err := w.Findings(res.Findings); err != nil {
		return err
	}
	return w.End(totals)
}

// JSON writes a result as one indented JSON document.
func JSON(w io.Writer, res iamsweep.ScanResult) error { return write(NewJSON(w), res, Totals{}) }

// CSV writes a result as CSV (see NewCSV).
func CSV(w io.Writer, res iamsweep.ScanResult) error { return write(NewCSV(w), res, Totals{}) }

// Table writes a result as a table (see NewTable).
func Table(w io.Writer, res iamsweep.ScanResult, o TableOptions) error {
	return write(NewTable(w, o), res, Totals{})
}
