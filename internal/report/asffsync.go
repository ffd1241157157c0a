package report

import (
	"slices"
	"sort"
	"time"

	"github.com/iamsweep/iamsweep"
)

// ExportScope says what a scan of one account looked at, which bounds
// what an export may archive: only findings the scan proves no longer
// hold.
type ExportScope struct {
	// Complete is true when the scan of the account finished: every role
	// and user was read. An account whose scan failed archives nothing.
	Complete bool
	// Types are the finding types the scan judged (--types); nil for all.
	// Findings of other types are left as they are.
	Types []iamsweep.FindingType
}

// covers reports whether the scope proves the absence of a finding of
// type t.
func (s ExportScope) covers(t iamsweep.FindingType) bool {
	return s.Complete && (len(s.Types) == 0 || slices.Contains(s.Types, t))
}

// ASFFFailure is a finding that did not reach Security Hub, and why.
type ASFFFailure struct {
	// ID is the finding's Id.
	ID string
	// Code is the error code: BatchImportFindings' ErrorCode, or
	// iamsweep's own (NotNewer, TooLarge).
	Code    string
	Message string
}

// The error codes of failures found before anything is sent.
const (
	// CodeNotNewer: Security Hub holds the finding updated at the same
	// time or later, and ignores an update that is not newer.
	CodeNotNewer = "NotNewer"
	// CodeTooLarge: the finding is over 240 KB.
	CodeTooLarge = "TooLarge"
)

// ASFFPlan is what an export sends to Security Hub for one account.
type ASFFPlan struct {
	// Import holds the unused findings: new ones, and updates of those
	// Security Hub holds.
	Import []ASFFFinding
	// Archive holds the active findings that no longer hold (the
	// principal is used again, exempt, or gone), closed with ASFFClose.
	Archive []ASFFFinding
	// Kept counts the active findings left as they are because the scan
	// did not cover them (it failed, or judged other types) or could not
	// judge them (a user missing from the credential report).
	Kept int
	// Unchanged counts the unused findings not sent because Security Hub
	// holds them ACTIVE from an evaluation at the same time: a rerun of
	// the same evaluation, which has nothing to change.
	Unchanged int
	// Stale are findings not sent: Security Hub holds them updated later
	// than the evaluation time (or, for an archive, at that time), so it
	// would ignore them.
	Stale []ASFFFailure
}

// PlanASFF decides what to send to Security Hub for one account, from
// the scan's findings of that account (every verdict) and the findings of
// iamsweep that Security Hub holds ACTIVE there:
//
//   - every unused finding is imported, ACTIVE (new, or updating the one
//     held: its CreatedAt is kept);
//   - an active finding with no unused finding behind it any more is
//     archived (ASFFClose), when the scope covers its type: the principal
//     is used again or exempt (the reason says which), or gone (deleted,
//     or its key or password removed);
//   - an active finding the scope does not cover, or whose principal the
//     scan could not judge (rule no-credential-data), is kept as it is.
//
// A finding whose held version is not older than the evaluation time is
// not sent, as Security Hub would ignore it: an unused finding held ACTIVE
// from the same evaluation time is Unchanged (a rerun of the evaluation),
// any other is Stale. The result is sorted by
// Id.
func PlanASFF(findings []iamsweep.Finding, active []ASFFFinding, scope ExportScope, o ASFFOptions) ASFFPlan {
	held := make(map[string]ASFFFinding, len(active))
	for _, a := range active {
		if _, ours := ASFFFindingType(a.GeneratorID); !ours || a.RecordState == ASFFArchived {
			continue // another product's, or not active: not iamsweep's to change
		}
		if prev, dup := held[a.ID]; !dup || a.UpdatedAt.After(prev.UpdatedAt) {
			held[a.ID] = a
		}
	}
	at := o.AsOf.UTC()
	var plan ASFFPlan
	send := func(to *[]ASFFFinding, f ASFFFinding) {
		if h, ok := held[f.ID]; ok && h.UpdatedAt.Equal(at) && f.RecordState != ASFFArchived {
			plan.Unchanged++ // held, active, from this same evaluation
			return
		}
		if h, ok := held[f.ID]; ok && !h.UpdatedAt.Before(at) {
			plan.Stale = append(plan.Stale, ASFFFailure{ID: f.ID, Code: CodeNotNewer,
				Message: "Security Hub holds this finding updated at " + h.UpdatedAt.UTC().Format(time.RFC3339Nano) +
					", not before this scan's evaluation time " + at.Format(time.RFC3339Nano) + "; it ignores an update that is not newer"})
			return
		}
		*to = append(*to, f)
	}

	current := make(map[string]iamsweep.Finding, len(findings))
	for _, f := range findings {
		id := ASFFID(f)
		current[id] = f
		if !f.Unused() {
			continue
		}
		rec := NewASFFFinding(f, o)
		if h, ok := held[id]; ok && !h.CreatedAt.IsZero() {
			rec.CreatedAt = h.CreatedAt.UTC()
		}
		send(&plan.Import, rec)
	}

	ids := make([]string, 0, len(held))
	for id := range held {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		h := held[id]
		f, found := current[id]
		if found && f.Unused() {
			continue // imported above
		}
		t, _ := ASFFFindingType(h.GeneratorID)
		if !scope.covers(t) || (found && f.Rule == iamsweep.RuleNoCredentialData) {
			plan.Kept++
			continue
		}
		verdict, reason := "gone", "no longer in the account (deleted, or the credential removed)"
		if found {
			verdict, reason = string(f.Verdict), "now "+string(f.Verdict)+": "+f.Reason
		}
		send(&plan.Archive, ASFFClose(h, verdict, reason, at))
	}
	sort.Slice(plan.Import, func(i, j int) bool { return plan.Import[i].ID < plan.Import[j].ID })
	sort.Slice(plan.Stale, func(i, j int) bool { return plan.Stale[i].ID < plan.Stale[j].ID })
	return plan
}
