package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// BeginStep journals a step about to run and returns its entry ID. The
// entry is on disk (synchronous=FULL) when BeginStep returns.
func (s *Store) BeginStep(ctx context.Context, planID, actionID string, step iamsweep.JournalStep, at time.Time) (int64, error) {
	fail := func(err error) (int64, error) {
		return 0, fmt.Errorf("begin step %s of %s/%s: %w", step, planID, actionID, err)
	}
	switch {
	case at.IsZero():
		return fail(errors.New("no start time"))
	case step.Kind == iamsweep.JournalCall && step.Op == "":
		return fail(errors.New("a call without an operation"))
	case step.Kind != iamsweep.JournalCall && step.Kind != iamsweep.JournalBackup && step.Kind != iamsweep.JournalComplete:
		return fail(fmt.Errorf("unknown kind %q", step.Kind))
	}
	started, err := timeArg(at)
	if err != nil {
		return fail(err)
	}
	// step keeps the entry in words for whoever reads the table itself.
	r, err := s.db.ExecContext(ctx, `INSERT INTO journal (plan_id, action_id, step, started, kind, op, subject, backup_id, principal_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		planID, actionID, step.String(), started, string(step.Kind), string(step.Op), step.Subject, step.BackupID, step.PrincipalID)
	if err != nil {
		return fail(err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return fail(err)
	}
	return id, nil
}

// FinishStep completes a journal entry with an outcome other than pending.
// An entry is finished once: finishing it again is an error, and so is an
// unknown ID (ErrNotFound).
func (s *Store) FinishStep(ctx context.Context, id int64, outcome iamsweep.StepOutcome, detail string, at time.Time) error {
	switch outcome {
	case iamsweep.OutcomeDone, iamsweep.OutcomeFailed, iamsweep.OutcomeUnknown, iamsweep.OutcomeSkipped:
	default:
		return fmt.Errorf("finish journal entry %d: outcome %q is not done, failed, unknown or skipped", id, outcome)
	}
	if at.IsZero() {
		return fmt.Errorf("finish journal entry %d: no finish time", id)
	}
	finished, err := timeArg(at)
	if err != nil {
		return fmt.Errorf("finish journal entry %d: %w", id, err)
	}
	r, err := s.db.ExecContext(ctx, `UPDATE journal SET finished = ?, outcome = ?, detail = ?
		WHERE id = ? AND finished IS NULL`, finished, string(outcome), detail, id)
	if err != nil {
		return fmt.Errorf("finish journal entry %d: %w", id, err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return fmt.Errorf("finish journal entry %d: %w", id, err)
	}
	if n == 1 {
		return nil
	}
	var prev string
	err = s.db.QueryRowContext(ctx, `SELECT outcome FROM journal WHERE id = ?`, id).Scan(&prev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("finish journal entry %d: %w", id, iamsweep.ErrNotFound)
	case err != nil:
		return fmt.Errorf("finish journal entry %d: %w", id, err)
	}
	return fmt.Errorf("finish journal entry %d: already finished (%s)", id, prev)
}

// Journal returns an action's journal, oldest first (in the order the steps
// began). Entries that never finished have a zero Finished and no Outcome.
// Entries written before the journal was typed (schema version 2) are read
// from their text.
func (s *Store) Journal(ctx context.Context, planID, actionID string) ([]iamsweep.JournalEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, plan_id, action_id, step, started, finished, outcome, detail,
			kind, op, subject, backup_id, principal_id
		FROM journal WHERE plan_id = ? AND action_id = ? ORDER BY id`, planID, actionID)
	if err != nil {
		return nil, fmt.Errorf("journal of %s/%s: %w", planID, actionID, err)
	}
	defer rows.Close()
	var out []iamsweep.JournalEntry
	for rows.Next() {
		var (
			e                     iamsweep.JournalEntry
			text, outcome, kind   string
			op                    string
			started, finished     sql.NullString
			subject, backup, prin string
		)
		if err := rows.Scan(&e.ID, &e.PlanID, &e.ActionID, &text, &started, &finished, &outcome, &e.Detail,
			&kind, &op, &subject, &backup, &prin); err != nil {
			return nil, fmt.Errorf("journal of %s/%s: %w", planID, actionID, err)
		}
		e.Outcome = iamsweep.StepOutcome(outcome)
		if kind == "" {
			e.Step, e.Detail = legacyStep(text, e.Detail)
		} else {
			e.Step = iamsweep.JournalStep{Kind: iamsweep.JournalKind(kind), Op: iamsweep.Op(op), Subject: subject,
				BackupID: backup, PrincipalID: prin}
		}
		if e.Started, err = parseTime(started); err != nil {
			return nil, fmt.Errorf("journal of %s/%s: entry %d: %w", planID, actionID, e.ID, err)
		}
		if e.Finished, err = parseTime(finished); err != nil {
			return nil, fmt.Errorf("journal of %s/%s: entry %d: %w", planID, actionID, e.ID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal of %s/%s: %w", planID, actionID, err)
	}
	return out, nil
}

// legacyUniqueID starts the detail of the "complete" entry of a restore in
// journals written before they were typed.
const legacyUniqueID = "unique-id="

// legacyStep reads an entry written before the journal was typed, when its
// step was text: "backup" (the detail held the backup ID), "complete" (for
// a restore, the detail held "unique-id=" and the unique ID), or an IAM
// call as "<Op> <subject>". It returns the step and what remains of the
// detail.
func legacyStep(text, detail string) (iamsweep.JournalStep, string) {
	switch text {
	case "backup":
		return iamsweep.JournalStep{Kind: iamsweep.JournalBackup, BackupID: detail}, ""
	case "complete":
		if id, ok := strings.CutPrefix(detail, legacyUniqueID); ok {
			return iamsweep.JournalStep{Kind: iamsweep.JournalComplete, PrincipalID: id}, ""
		}
		return iamsweep.JournalStep{Kind: iamsweep.JournalComplete}, detail
	}
	op, subject, _ := strings.Cut(text, " ")
	return iamsweep.JournalStep{Kind: iamsweep.JournalCall, Op: iamsweep.Op(op), Subject: subject}, detail
}
