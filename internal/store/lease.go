package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
)

// AcquireLease takes the principal arn for owner until expiry. It succeeds
// when nobody holds the principal, when owner holds it already (the lease
// then runs until the new expiry), or when the holder's lease has expired
// (its expiry is not after now). Otherwise it returns an error wrapping
// ErrLeased that names the holder and its expiry.
//
// It is atomic across processes: it reads and writes the lease in one
// IMMEDIATE transaction, which holds the database's write lock throughout.
func (s *Store) AcquireLease(ctx context.Context, arn, owner string, now, expiry time.Time) error {
	if err := s.acquireLease(ctx, arn, owner, now, expiry); err != nil {
		return fmt.Errorf("acquire lease on %s for %s: %w", arn, owner, err)
	}
	return nil
}

func (s *Store) acquireLease(ctx context.Context, arn, owner string, now, expiry time.Time) error {
	if arn == "" || owner == "" {
		return errors.New("no principal or no owner")
	}
	if !expiry.After(now) {
		return fmt.Errorf("expiry %s is not after now %s", expiry.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	until, err := timeArg(expiry)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see dsn)
	if err != nil {
		return err
	}
	defer rollback(tx)
	var (
		holder string
		held   sql.NullString
	)
	err = tx.QueryRowContext(ctx, `SELECT owner, expiry FROM leases WHERE arn = ?`, arn).Scan(&holder, &held)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	case holder != owner:
		t, err := parseTime(held)
		if err != nil {
			return err
		}
		if t.After(now) {
			return fmt.Errorf("%w: %s holds it until %s", iamsweep.ErrLeased, holder, t.Format(time.RFC3339Nano))
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO leases (arn, owner, expiry) VALUES (?, ?, ?)
		ON CONFLICT (arn) DO UPDATE SET owner = excluded.owner, expiry = excluded.expiry`,
		arn, owner, until); err != nil {
		return err
	}
	return tx.Commit()
}

// ReleaseLease gives back owner's lease on arn. Releasing a lease owner
// does not hold (never taken, released already, or expired and taken over)
// does nothing and is not an error, so a deferred release is always safe.
func (s *Store) ReleaseLease(ctx context.Context, arn, owner string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE arn = ? AND owner = ?`, arn, owner); err != nil {
		return fmt.Errorf("release lease on %s for %s: %w", arn, owner, err)
	}
	return nil
}

// Lease returns who holds the lease on arn and until when; ErrNotFound
// when nobody does (an expired lease is still returned until it is taken
// over or released).
func (s *Store) Lease(ctx context.Context, arn string) (string, time.Time, error) {
	var (
		owner string
		until sql.NullString
	)
	err := s.db.QueryRowContext(ctx, `SELECT owner, expiry FROM leases WHERE arn = ?`, arn).Scan(&owner, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, fmt.Errorf("lease on %s: %w", arn, iamsweep.ErrNotFound)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("lease on %s: %w", arn, err)
	}
	t, err := parseTime(until)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("lease on %s: %w", arn, err)
	}
	return owner, t, nil
}
