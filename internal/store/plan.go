package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/planfile"
)

// planFormat is the plans table's format of a body that is a plan file
// (internal/planfile), compact; the file says its own version. Format 1,
// the store's own encoding before, is rewritten by migration plan_files.
const planFormat = 2

// SavePlan stores a plan, as its plan file: what LoadPlan returns is what
// apply reads from the file plan --out writes. A plan is what a person
// reviewed, so it is never changed: saving the same plan again is a no-op,
// saving a different plan under an existing ID is an error, and so is a
// plan its plan file could not hold.
func (s *Store) SavePlan(ctx context.Context, p iamsweep.Plan) error {
	if p.ID == "" {
		return errors.New("save plan: no plan ID")
	}
	if err := s.savePlan(ctx, p); err != nil {
		return fmt.Errorf("save plan %s: %w", p.ID, err)
	}
	return nil
}

func (s *Store) savePlan(ctx context.Context, p iamsweep.Plan) error {
	body, err := planfile.Marshal(p)
	if err != nil {
		return err
	}
	if _, err := planfile.Parse(body, "the plan"); err != nil {
		return err
	}
	created, err := timeArg(p.Created)
	if err != nil {
		return err
	}
	var scanID any
	if p.ScanID > 0 {
		scanID = p.ScanID
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	var (
		format int
		stored []byte
	)
	err = tx.QueryRowContext(ctx, `SELECT format, body FROM plans WHERE id = ?`, p.ID).Scan(&format, &stored)
	switch {
	case err == nil:
		if same, err := samePlan(format, stored, body); err != nil || !same {
			return errors.Join(errors.New("a different plan with this ID exists; plans are never changed"), err)
		}
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO plans (id, created, format, body, scan_id) VALUES (?, ?, ?, ?, ?)`,
		p.ID, created, planFormat, string(body), scanID); err != nil {
		return err
	}
	return tx.Commit()
}

// samePlan reports whether a stored plan is the plan of the plan file
// body, as this iamsweep writes it.
func samePlan(format int, stored, body []byte) (bool, error) {
	if format != planFormat {
		return false, nil
	}
	p, err := planfile.Parse(stored, "the stored plan")
	if err != nil {
		return false, err
	}
	again, err := planfile.Marshal(p)
	return bytes.Equal(again, body), err
}

// LoadPlan returns a saved plan; ErrNotFound when there is none.
func (s *Store) LoadPlan(ctx context.Context, id string) (iamsweep.Plan, error) {
	var (
		format int
		body   []byte
	)
	err := s.db.QueryRowContext(ctx, `SELECT format, body FROM plans WHERE id = ?`, id).Scan(&format, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return iamsweep.Plan{}, fmt.Errorf("load plan %s: %w", id, iamsweep.ErrNotFound)
	}
	if err != nil {
		return iamsweep.Plan{}, fmt.Errorf("load plan %s: %w", id, err)
	}
	if format != planFormat {
		return iamsweep.Plan{}, fmt.Errorf("load plan %s: stored format version %d is unknown to this iamsweep (it reads %d): upgrade iamsweep", id, format, planFormat)
	}
	p, err := planfile.Parse(body, "plan "+id+" in the state database")
	if err != nil {
		return iamsweep.Plan{}, fmt.Errorf("load plan %s: %w", id, err)
	}
	return p, nil
}

// LatestPlan returns the plan saved last; ErrNotFound when none was.
func (s *Store) LatestPlan(ctx context.Context) (iamsweep.Plan, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM plans ORDER BY rowid DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return iamsweep.Plan{}, fmt.Errorf("latest plan: %w", iamsweep.ErrNotFound)
	}
	if err != nil {
		return iamsweep.Plan{}, fmt.Errorf("latest plan: %w", err)
	}
	return s.LoadPlan(ctx, id)
}
