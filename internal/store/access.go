package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
)

// The service last accessed reports cache (access_reports): a rerun of
// iamsweep refine within the cache's age makes no new IAM jobs.

// accessReportV1 is the stored form of an iamsweep.AccessReport.
type accessReportV1 struct {
	ARN         string            `json:"arn"`
	Granularity string            `json:"granularity"`
	Generated   time.Time         `json:"generated,omitzero"`
	Since       time.Time         `json:"since,omitzero"`
	Services    []serviceAccessV1 `json:"services"`
}

type serviceAccessV1 struct {
	Namespace    string           `json:"namespace"`
	Name         string           `json:"name"`
	LastAccessed time.Time        `json:"last_accessed,omitzero"`
	Region       string           `json:"region"`
	ActionLevel  bool             `json:"action_level"`
	Actions      []actionAccessV1 `json:"actions"`
}

type actionAccessV1 struct {
	Name         string    `json:"name"`
	LastAccessed time.Time `json:"last_accessed,omitzero"`
	Region       string    `json:"region"`
}

func toAccessReport(r iamsweep.AccessReport) accessReportV1 {
	return accessReportV1{
		ARN: r.ARN, Granularity: string(r.Granularity), Generated: utc(r.Generated), Since: utc(r.Since),
		Services: mapSlice(r.Services, func(s iamsweep.ServiceAccess) serviceAccessV1 {
			return serviceAccessV1{
				Namespace: s.Namespace, Name: s.Name, LastAccessed: utc(s.LastAccessed), Region: s.Region, ActionLevel: s.ActionLevel,
				Actions: mapSlice(s.Actions, func(a iamsweep.ActionAccess) actionAccessV1 {
					return actionAccessV1{Name: a.Name, LastAccessed: utc(a.LastAccessed), Region: a.Region}
				}),
			}
		}),
	}
}

func fromAccessReport(r accessReportV1) iamsweep.AccessReport {
	return iamsweep.AccessReport{
		ARN: r.ARN, Granularity: iamsweep.AccessGranularity(r.Granularity), Generated: r.Generated, Since: r.Since,
		Services: mapSlice(r.Services, func(s serviceAccessV1) iamsweep.ServiceAccess {
			return iamsweep.ServiceAccess{
				Namespace: s.Namespace, Name: s.Name, LastAccessed: s.LastAccessed, Region: s.Region, ActionLevel: s.ActionLevel,
				Actions: mapSlice(s.Actions, func(a actionAccessV1) iamsweep.ActionAccess {
					return iamsweep.ActionAccess{Name: a.Name, LastAccessed: a.LastAccessed, Region: a.Region}
				}),
			}
		}),
	}
}

// SaveAccessReports stores reports fetched at fetched, replacing what the
// cache held for their principals, in one transaction.
func (s *Store) SaveAccessReports(ctx context.Context, fetched time.Time, reports []iamsweep.AccessReport) error {
	if err := s.saveAccessReports(ctx, fetched, reports); err != nil {
		return fmt.Errorf("save %d service last accessed reports: %w", len(reports), err)
	}
	return nil
}

func (s *Store) saveAccessReports(ctx context.Context, fetched time.Time, reports []iamsweep.AccessReport) error {
	at, err := timeArg(fetched)
	if err != nil || at == nil {
		return fmt.Errorf("fetch time %v: %v", fetched, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	for _, r := range reports {
		if r.ARN == "" {
			return fmt.Errorf("a report without a principal ARN")
		}
		generated, err := timeArg(r.Generated)
		if err != nil || generated == nil {
			return fmt.Errorf("report of %s: generated %v: %v", r.ARN, r.Generated, err)
		}
		body, err := json.Marshal(toAccessReport(r))
		if err != nil {
			return fmt.Errorf("report of %s: %w", r.ARN, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO access_reports (arn, fetched, generated, format, report) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (arn) DO UPDATE SET fetched = excluded.fetched, generated = excluded.generated,
				format = excluded.format, report = excluded.report`,
			r.ARN, at, generated, formatV1, string(body)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// AccessReports returns the cached reports of the principals arns that
// were fetched after notBefore (a report fetched exactly at notBefore is
// stale), by ARN; principals without a fresh one are absent.
func (s *Store) AccessReports(ctx context.Context, arns []string, notBefore time.Time) (map[string]iamsweep.AccessReport, error) {
	out, err := s.accessReports(ctx, arns, notBefore)
	if err != nil {
		return nil, fmt.Errorf("read cached service last accessed reports: %w", err)
	}
	return out, nil
}

func (s *Store) accessReports(ctx context.Context, arns []string, notBefore time.Time) (map[string]iamsweep.AccessReport, error) {
	after, err := timeArg(notBefore)
	if err != nil {
		return nil, err
	}
	if after == nil {
		after = ""
	}
	out := map[string]iamsweep.AccessReport{}
	stmt, err := s.db.PrepareContext(ctx, `SELECT format, report FROM access_reports WHERE arn = ? AND fetched > ?`)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	for _, arn := range arns {
		var (
			format int
			body   string
		)
		err := stmt.QueryRowContext(ctx, arn, after).Scan(&format, &body)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, err
		}
		if format != formatV1 {
			return nil, fmt.Errorf("report of %s: format %d is newer than this iamsweep reads", arn, format)
		}
		var r accessReportV1
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			return nil, fmt.Errorf("report of %s: %w", arn, err)
		}
		out[arn] = fromAccessReport(r)
	}
	return out, nil
}
