package lambdafn

import (
	"bytes"
	"context"
	"fmt"

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

	var report bytes.Buffer
	run := *entry
	run.IO.Out = &report
	run.IO.ErrOut = newLineLogger(entry.IO.ErrOut, log)
	code, err := run.Run(ctx, "scan")
	r.ExitStatus = &code
	r.Summary, r.Accounts, r.FailedAccounts = readCounts(report.Bytes())

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
