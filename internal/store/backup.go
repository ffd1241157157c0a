package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
)

// SaveBackup stores a backup. Backups are never overwritten: a backup
// whose ID exists is an error, whatever it holds. A backup needs an ID, an
// ARN, a creation time, and its principal's state: Role for "role", User
// for "user", never both.
func (s *Store) SaveBackup(ctx context.Context, b iamsweep.Backup) error {
	if b.ID == "" {
		return fmt.Errorf("save backup of %s: no backup ID", b.ARN)
	}
	if err := s.saveBackup(ctx, b); err != nil {
		return fmt.Errorf("save backup %s: %w", b.ID, err)
	}
	return nil
}

func (s *Store) saveBackup(ctx context.Context, b iamsweep.Backup) error {
	if b.ARN == "" {
		return errors.New("no ARN")
	}
	if b.Created.IsZero() {
		return errors.New("no creation time")
	}
	var state any
	switch {
	case b.Principal == "role" && b.Role != nil && b.User == nil:
		state = toRoleState(*b.Role)
	case b.Principal == "user" && b.User != nil && b.Role == nil:
		state = toUserState(*b.User)
	default:
		return fmt.Errorf("principal %q with role state %t and user state %t: want a role with only Role set or a user with only User set",
			b.Principal, b.Role != nil, b.User != nil)
	}
	body, err := encode(state)
	if err != nil {
		return err
	}
	created, err := timeArg(b.Created)
	if err != nil {
		return err
	}
	r, err := s.db.ExecContext(ctx, `INSERT INTO backups
		(id, created, account_id, arn, principal, plan_id, action_id, format, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		b.ID, created, b.AccountID, b.ARN, b.Principal, b.PlanID, b.ActionID, formatV1, body)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errors.New("a backup with this ID exists; backups are never overwritten")
	}
	return nil
}

// backupColumns are the columns readBackup reads, in its order.
const backupColumns = `id, created, account_id, arn, principal, plan_id, action_id, format, state`

// LoadBackup returns a backup by ID; ErrNotFound when there is none.
func (s *Store) LoadBackup(ctx context.Context, id string) (iamsweep.Backup, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+backupColumns+` FROM backups WHERE id = ?`, id)
	if err != nil {
		return iamsweep.Backup{}, fmt.Errorf("load backup %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return iamsweep.Backup{}, fmt.Errorf("load backup %s: %w", id, err)
		}
		return iamsweep.Backup{}, fmt.Errorf("load backup %s: %w", id, iamsweep.ErrNotFound)
	}
	b, err := readBackup(rows)
	if err != nil {
		return iamsweep.Backup{}, fmt.Errorf("load backup %s: %w", id, err)
	}
	return b, nil
}

// Backups lists backups, newest first (by creation time, then the most
// recently saved first); of one principal when arn is not "".
func (s *Store) Backups(ctx context.Context, arn string) ([]iamsweep.Backup, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+backupColumns+` FROM backups
		WHERE ?1 = '' OR arn = ?1
		ORDER BY created DESC, rowid DESC`, arn)
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	defer rows.Close()
	var out []iamsweep.Backup
	for rows.Next() {
		b, err := readBackup(rows)
		if err != nil {
			return nil, fmt.Errorf("list backups: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	return out, nil
}

// readBackup reads a row of backupColumns.
func readBackup(rows *sql.Rows) (iamsweep.Backup, error) {
	var (
		b       iamsweep.Backup
		created sql.NullString
		format  int
		state   string
	)
	if err := rows.Scan(&b.ID, &created, &b.AccountID, &b.ARN, &b.Principal, &b.PlanID, &b.ActionID, &format, &state); err != nil {
		return iamsweep.Backup{}, err
	}
	var err error
	if b.Created, err = parseTime(created); err != nil {
		return iamsweep.Backup{}, fmt.Errorf("backup %s: %w", b.ID, err)
	}
	switch b.Principal {
	case "role":
		var r roleStateV1
		if err := decode(format, state, &r); err != nil {
			return iamsweep.Backup{}, fmt.Errorf("backup %s: %w", b.ID, err)
		}
		rs := fromRoleState(r)
		b.Role = &rs
	case "user":
		var u userStateV1
		if err := decode(format, state, &u); err != nil {
			return iamsweep.Backup{}, fmt.Errorf("backup %s: %w", b.ID, err)
		}
		us := fromUserState(u)
		b.User = &us
	default:
		return iamsweep.Backup{}, fmt.Errorf("backup %s: unknown principal %q", b.ID, b.Principal)
	}
	return b, nil
}

// backupDocV1 is a backup as a document for people and scripts: its
// identity and the principal's state, with the field names the store
// keeps it under.
type backupDocV1 struct {
	Format    int          `json:"format"`
	ID        string       `json:"id"`
	Created   time.Time    `json:"created"`
	AccountID string       `json:"account_id"`
	ARN       string       `json:"arn"`
	Principal string       `json:"principal"`
	PlanID    string       `json:"plan_id"`
	ActionID  string       `json:"action_id"`
	Role      *roleStateV1 `json:"role,omitempty"`
	User      *userStateV1 `json:"user,omitempty"`
}

// BackupDocument returns b as the JSON document `iamsweep backups ID`
// prints: format 1, the fields of the stored backup in snake_case and,
// withState, exactly one of "role" and "user" (without, the row of a
// listing).
func BackupDocument(b iamsweep.Backup, withState bool) any {
	doc := backupDocV1{
		Format: formatV1, ID: b.ID, Created: utc(b.Created), AccountID: b.AccountID, ARN: b.ARN,
		Principal: b.Principal, PlanID: b.PlanID, ActionID: b.ActionID,
	}
	if !withState {
		return doc
	}
	if b.Role != nil {
		r := toRoleState(*b.Role)
		doc.Role = &r
	}
	if b.User != nil {
		u := toUserState(*b.User)
		doc.User = &u
	}
	return doc
}
