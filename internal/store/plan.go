package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/iamsweep/iamsweep"
)

// SavePlan stores a plan. A plan is what a person reviewed, so it is never
// changed: saving the same plan again is a no-op, saving a different plan
// under an existing ID is an error.
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
	body, err := encode(toPlan(p))
	if err != nil {
		return err
	}
	created, err := timeArg(p.Created)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	var (
		format int
		stored string
	)
	err = tx.QueryRowContext(ctx, `SELECT format, body FROM plans WHERE id = ?`, p.ID).Scan(&format, &stored)
	switch {
	case err == nil:
		if format == formatV1 && stored == body {
			return nil
		}
		return errors.New("a different plan with this ID exists; plans are never changed")
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO plans (id, created, format, body) VALUES (?, ?, ?, ?)`,
		p.ID, created, formatV1, body); err != nil {
		return err
	}
	return tx.Commit()
}

// LoadPlan returns a saved plan; ErrNotFound when there is none.
func (s *Store) LoadPlan(ctx context.Context, id string) (iamsweep.Plan, error) {
	var (
		format int
		body   string
	)
	err := s.db.QueryRowContext(ctx, `SELECT format, body FROM plans WHERE id = ?`, id).Scan(&format, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return iamsweep.Plan{}, fmt.Errorf("load plan %s: %w", id, iamsweep.ErrNotFound)
	}
	if err != nil {
		return iamsweep.Plan{}, fmt.Errorf("load plan %s: %w", id, err)
	}
	var p planV1
	if err := decode(format, body, &p); err != nil {
		return iamsweep.Plan{}, fmt.Errorf("load plan %s: %w", id, err)
	}
	return fromPlan(p), nil
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
