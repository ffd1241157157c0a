package workflow

import (
	"context"

	"github.com/iamsweep/iamsweep"
)

// LinkMaker makes the decision links of one finding in one notice: Keep,
// Remove and Snooze links whose tokens name the notice, the recipient and
// the finding. It returns an error when the links cannot be made (no base
// URL, the store refused the tokens); the notice is then not sent.
type LinkMaker interface {
	Links(ctx context.Context, noticeID, recipient string, item iamsweep.NoticeItem) (iamsweep.DecisionLinks, error)
}

// Summary says what one run of the workflow did (or, in a dry run, would
// have done).
type Summary struct {
	// DryRun is true when nothing was sent and AWS was not changed.
	DryRun bool `json:"dry_run"`
	// ScanID is the state database's ID of the run's scan.
	ScanID int64 `json:"scan_id"`
	// Findings and Unused count the scan's findings.
	Findings int `json:"findings"`
	Unused   int `json:"unused"`
	// Notices and Items count the notices sent (one per recipient) and the
	// findings they listed; NoticesFailed those that could not be sent
	// (they are tried again on the next run).
	Notices       int `json:"notices"`
	Items         int `json:"items"`
	NoticesFailed int `json:"notices_failed"`
	// Quarantined, Deleted and Released count the actions that completed;
	// ActionsFailed those refused, skipped or failed.
	Quarantined   int `json:"quarantined"`
	Deleted       int `json:"deleted"`
	Released      int `json:"released"`
	ActionsFailed int `json:"actions_failed"`
	// Tripwires counts the quarantined principals found used.
	Tripwires int `json:"tripwires"`
	// Steps describe each thing done or, in a dry run, that would be done,
	// in order ("quarantine arn:aws:iam::...: applied").
	Steps []string `json:"steps"`
}
