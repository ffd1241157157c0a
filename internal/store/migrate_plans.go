package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/planfile"
)

// convertPlans is the Go step of migration plan_files: it rewrites the
// plans of format 1, the store's own JSON encoding of a plan, as plan
// files (format 2). They name no scan: format 1 did not record it.
func convertPlans(ctx context.Context, tx *sql.Tx) error {
	type row struct{ id, body string }
	var old []row
	rows, err := tx.QueryContext(ctx, `SELECT id, body FROM plans WHERE format = 1`)
	if err != nil {
		return fmt.Errorf("read plans: %w", err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.body); err != nil {
			rows.Close()
			return fmt.Errorf("read plans: %w", err)
		}
		old = append(old, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read plans: %w", err)
	}
	for _, r := range old {
		var p planV1
		if err := decode(formatV1, r.body, &p); err != nil {
			return fmt.Errorf("convert plan %s: %w", r.id, err)
		}
		body, err := planfile.Marshal(fromPlanV1(p))
		if err != nil {
			return fmt.Errorf("convert plan %s: %w", r.id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET format = ?, body = ? WHERE id = ?`, planFormat, string(body), r.id); err != nil {
			return fmt.Errorf("convert plan %s: %w", r.id, err)
		}
	}
	return nil
}

// planV1 and the types below are plans as stored in format 1 (before
// migration plan_files), read only by convertPlans.
type planV1 struct {
	ID         string     `json:"id"`
	Created    time.Time  `json:"created,omitzero"`
	AsOf       time.Time  `json:"as_of,omitzero"`
	UnusedDays int        `json:"unused_days"`
	Actions    []actionV1 `json:"actions"`
}

type actionV1 struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	Principal    string    `json:"principal"`
	AccountID    string    `json:"account_id"`
	AccountName  string    `json:"account_name"`
	ARN          string    `json:"arn"`
	Name         string    `json:"name"`
	Path         string    `json:"path"`
	AccessKeyID  string    `json:"access_key_id"`
	Finding      findingV1 `json:"finding"`
	Refused      string    `json:"refused"`
	Irreversible bool      `json:"irreversible"`
	Notes        []string  `json:"notes"`
}

type findingV1 struct {
	Type        string    `json:"type"`
	AccountID   string    `json:"account_id"`
	AccountName string    `json:"account_name"`
	ARN         string    `json:"arn"`
	PrincipalID string    `json:"principal_id"`
	Name        string    `json:"name"`
	Path        string    `json:"path"`
	Verdict     string    `json:"verdict"`
	Rule        string    `json:"rule"`
	Reason      string    `json:"reason"`
	Created     time.Time `json:"created,omitzero"`
	LastUsed    usageV1   `json:"last_used"`
	DaysUnused  *int      `json:"days_unused"`
	AccessKeyID string    `json:"access_key_id"`
	KeySlot     int       `json:"key_slot"`
	Tags        []tagV1   `json:"tags"`
}

func fromPlanV1(p planV1) iamsweep.Plan {
	return iamsweep.Plan{
		ID: p.ID, Created: p.Created, AsOf: p.AsOf, UnusedDays: p.UnusedDays,
		Actions: mapSlice(p.Actions, func(a actionV1) iamsweep.Action {
			f := a.Finding
			return iamsweep.Action{
				ID: a.ID, Kind: iamsweep.ActionKind(a.Kind), Principal: a.Principal, AccountID: a.AccountID,
				AccountName: a.AccountName, ARN: a.ARN, Name: a.Name, Path: a.Path,
				AccessKeyID: a.AccessKeyID, Refused: a.Refused, Irreversible: a.Irreversible, Notes: a.Notes,
				Finding: iamsweep.Finding{
					Type: iamsweep.FindingType(f.Type), AccountID: f.AccountID, AccountName: f.AccountName, ARN: f.ARN,
					PrincipalID: f.PrincipalID, Name: f.Name, Path: f.Path, Verdict: iamsweep.Verdict(f.Verdict),
					Rule: iamsweep.Rule(f.Rule), Reason: f.Reason, Created: f.Created, LastUsed: fromUsage(f.LastUsed),
					DaysUnused: f.DaysUnused, AccessKeyID: f.AccessKeyID, KeySlot: f.KeySlot,
					Tags: mapSlice(f.Tags, fromTag),
				},
			}
		}),
	}
}
