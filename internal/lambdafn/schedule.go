package lambdafn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-lambda-go/events"

	"github.com/iamsweep/iamsweep/internal/cli"
)

// scheduledScan runs the scan command for an EventBridge scheduled event,
// with the settings of the environment and the config file (over
// Defaults), exactly as `iamsweep scan` runs them: the scope (the
// account, org, ou, accounts), the verdict settings and the exports.
//
// Lambda keeps no state between invocations: unless the state setting
// names a database (on a mounted file system), nothing is recorded. The
// report goes to the file the out setting names; without one the handler
// reads its counts and logs them.
//
// Exit status 0 and 4 (unused access found: the scan's normal outcome)
// succeed; 3 (some accounts failed) and every failure fail the invocation,
// so that the function's Errors metric and alarms see them.
func (h *Handler) scheduledScan(ctx context.Context, ev events.EventBridgeEvent) (Result, error) {
	r := Result{Event: "Scheduled Event"}
	cfg, entry, err := h.settings()
	if err != nil {
		return r, err
	}
	log := entry.Logger(cfg).With("event_id", ev.ID, "schedule", firstOf(ev.Resources))

	// The report streams through a reader of its counts: the findings
	// are read and dropped, never held (an organization's report can be
	// larger than the function's memory allows twice over).
	pr, pw := io.Pipe()
	counted := make(chan reportCounts, 1)
	go func() { counted <- readCounts(pr) }()
	run := *entry
	run.IO.Out = pw
	run.IO.ErrOut = newLineLogger(entry.IO.ErrOut, log)
	code, err := run.Run(ctx, "scan")
	pw.Close()
	c := <-counted
	r.ExitStatus = &code
	r.Summary, r.Accounts, r.FailedAccounts = c.summary, c.accounts, c.failed

	attrs := []any{"exit_status", code}
	if r.Summary != nil {
		attrs = append(attrs, "evaluated", (*r.Summary)["evaluated"], "unused", (*r.Summary)["unused"])
	}
	if r.Accounts != nil {
		attrs = append(attrs, "accounts_scanned", (*r.Accounts)["scanned"], "accounts_failed", (*r.Accounts)["failed"])
	}
	switch code {
	case cli.ExitOK, cli.ExitUnused:
		log.Info("scheduled scan finished", attrs...)
		return r, nil
	case cli.ExitPartial:
		if len(r.FailedAccounts) == 0 {
			// Every account was scanned: the export was incomplete.
			log.Warn("scheduled scan finished; the export to Security Hub was incomplete", attrs...)
			return r, errors.New("the export to Security Hub was incomplete: see the function's log for the accounts and findings not exported")
		}
		log.Warn("scheduled scan finished; some accounts could not be scanned", append(attrs, "failed_accounts", r.FailedAccounts)...)
		return r, fmt.Errorf("some accounts could not be scanned: %v (the others were)", r.FailedAccounts)
	default:
		return r, fmt.Errorf("scan: %w", err)
	}
}

func firstOf(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// reportCounts are the counts of a JSON report.
type reportCounts struct {
	summary, accounts *Counts
	failed            []string
}

// readCounts reads a JSON report from r and returns its counts (summary,
// accounts) and the accounts that failed; the findings are decoded one at
// a time and dropped. Anything but a JSON report (the out setting names a
// file, or the output is a table) gives no counts. It reads r to its end.
func readCounts(r io.Reader) reportCounts {
	defer io.Copy(io.Discard, r) // drained whatever happens: the writer must not block
	var c reportCounts
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return reportCounts{}
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return reportCounts{}
		}
		switch tok {
		case "summary":
			err = dec.Decode(&c.summary)
		case "accounts":
			err = dec.Decode(&c.accounts)
		case "errors":
			var errs []struct {
				AccountID string `json:"account_id"`
			}
			err = dec.Decode(&errs)
			for _, e := range errs {
				c.failed = append(c.failed, e.AccountID)
			}
		case "findings":
			err = skipArray(dec)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return reportCounts{}
		}
	}
	return c
}

// skipArray reads a JSON array one element at a time, keeping none.
func skipArray(dec *json.Decoder) error {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return fmt.Errorf("want an array: %v", err)
	}
	for dec.More() {
		var skip struct{}
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}
