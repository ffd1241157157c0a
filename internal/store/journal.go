package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
)

// BeginStep journals a step about to run and returns its entry ID. The
// entry is on disk (synchronous=FULL) when BeginStep returns.
func (s *Store) BeginStep(ctx context.Context, planID, actionID, step string, at time.Time) (int64, error) {
	if at.IsZero() {
		return 0, fmt.Errorf("begin step %s of %s/%s: no start time", step, planID, actionID)
	}
	started, err := timeArg(at)
	if err != nil {
		return 0, fmt.Errorf("begin step %s of %s/%s: %w", step, planID, actionID, err)
	}
	r, err := s.db.ExecContext(ctx, `INSERT INTO journal (plan_id, action_id, step, started) VALUES (?, ?, ?, ?)`,
		planID, actionID, step, started)
	if err != nil {
		return 0, fmt.Errorf("begin step %s of %s/%s: %w", step, planID, actionID, err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("begin step %s of %s/%s: %w", step, planID, actionID, err)
	}
	return id, nil
}

// FinishStep completes a journal entry with outcome "done", "failed",
// "unknown" (the call failed without telling whether IAM carried it out) or
// "skipped". An entry is finished once: finishing it again is an error, and
// so is an unknown ID (ErrNotFound).
func (s *Store) FinishStep(ctx context.Context, id int64, outcome, detail string, at time.Time) error {
	switch outcome {
	case "done", "failed", "unknown", "skipped":
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
		WHERE id = ? AND finished IS NULL`, finished, outcome, detail, id)
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
func (s *Store) Journal(ctx context.Context, planID, actionID string) ([]iamsweep.JournalEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, plan_id, action_id, step, started, finished, outcome, detail
		FROM journal WHERE plan_id = ? AND action_id = ? ORDER BY id`, planID, actionID)
	if err != nil {
		return nil, fmt.Errorf("journal of %s/%s: %w", planID, actionID, err)
	}
	defer rows.Close()
	var out []iamsweep.JournalEntry
	for rows.Next() {
		var (
			e                 iamsweep.JournalEntry
			started, finished sql.NullString
		)
		if err := rows.Scan(&e.ID, &e.PlanID, &e.ActionID, &e.Step, &started, &finished, &e.Outcome, &e.Detail); err != nil {
			return nil, fmt.Errorf("journal of %s/%s: %w", planID, actionID, err)
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
