package remediate_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/iamsweep/iamsweep"
)

// The Service's two seams, iamsweep.Mutator and iamsweep.Store, as test
// doubles for the fast unit tests (the *_e2e_test.go files drive the real
// adapter and store instead): mutator has a function field per method (as
// litestream's mock package does), memStore keeps state in memory.

// mutator is an iamsweep.Mutator whose methods call its function fields.
type mutator struct {
	ReadRoleFn            func(ctx context.Context, name string) (iamsweep.RoleState, error)
	ReadUserFn            func(ctx context.Context, name string) (iamsweep.UserState, error)
	ReadInstanceProfileFn func(ctx context.Context, name string) (iamsweep.InstanceProfileState, error)
	DoFn                  func(ctx context.Context, s iamsweep.Step) error
}

func (m *mutator) ReadRole(ctx context.Context, name string) (iamsweep.RoleState, error) {
	return m.ReadRoleFn(ctx, name)
}

func (m *mutator) ReadUser(ctx context.Context, name string) (iamsweep.UserState, error) {
	return m.ReadUserFn(ctx, name)
}

func (m *mutator) ReadInstanceProfile(ctx context.Context, name string) (iamsweep.InstanceProfileState, error) {
	return m.ReadInstanceProfileFn(ctx, name)
}

func (m *mutator) Do(ctx context.Context, s iamsweep.Step) error { return m.DoFn(ctx, s) }

// memStore is an iamsweep.Store in memory: plans, backups, the journal and
// leases (scans are the scan's business; it holds none).
type memStore struct {
	mu      sync.Mutex
	plans   []iamsweep.Plan
	backups []iamsweep.Backup
	journal []iamsweep.JournalEntry
	leases  map[string]lease
}

type lease struct {
	owner  string
	expiry time.Time
}

var _ iamsweep.Store = (*memStore)(nil)

func (s *memStore) RecordScan(context.Context, iamsweep.ScanResult) (int64, error) {
	return 0, errors.New("memStore holds no scans")
}

func (s *memStore) LatestScan(context.Context) (int64, iamsweep.ScanResult, error) {
	return 0, iamsweep.ScanResult{}, iamsweep.ErrNotFound
}

func (s *memStore) History(context.Context, string) ([]iamsweep.HistoryEntry, error) { return nil, nil }

func (s *memStore) SavePlan(_ context.Context, p iamsweep.Plan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.ContainsFunc(s.plans, func(q iamsweep.Plan) bool { return q.ID == p.ID }) {
		return fmt.Errorf("plan %s exists", p.ID)
	}
	s.plans = append(s.plans, p)
	return nil
}

func (s *memStore) LoadPlan(_ context.Context, id string) (iamsweep.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.plans {
		if p.ID == id {
			return p, nil
		}
	}
	return iamsweep.Plan{}, iamsweep.ErrNotFound
}

func (s *memStore) LatestPlan(context.Context) (iamsweep.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.plans) == 0 {
		return iamsweep.Plan{}, iamsweep.ErrNotFound
	}
	return s.plans[len(s.plans)-1], nil
}

func (s *memStore) SaveBackup(_ context.Context, b iamsweep.Backup) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.ContainsFunc(s.backups, func(c iamsweep.Backup) bool { return c.ID == b.ID }) {
		return fmt.Errorf("backup %s exists", b.ID)
	}
	s.backups = append(s.backups, b)
	return nil
}

func (s *memStore) LoadBackup(_ context.Context, id string) (iamsweep.Backup, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.backups {
		if b.ID == id {
			return b, nil
		}
	}
	return iamsweep.Backup{}, iamsweep.ErrNotFound
}

func (s *memStore) Backups(_ context.Context, arn string) ([]iamsweep.Backup, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []iamsweep.Backup
	for i := len(s.backups) - 1; i >= 0; i-- { // newest first
		if arn == "" || s.backups[i].ARN == arn {
			out = append(out, s.backups[i])
		}
	}
	return out, nil
}

func (s *memStore) BeginStep(_ context.Context, planID, actionID string, step iamsweep.JournalStep, at time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := int64(len(s.journal) + 1)
	s.journal = append(s.journal, iamsweep.JournalEntry{ID: id, PlanID: planID, ActionID: actionID, Step: step, Started: at})
	return id, nil
}

func (s *memStore) FinishStep(_ context.Context, id int64, outcome iamsweep.StepOutcome, detail string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || int(id) > len(s.journal) {
		return iamsweep.ErrNotFound
	}
	e := &s.journal[id-1]
	if !e.Finished.IsZero() {
		return fmt.Errorf("journal entry %d already finished", id)
	}
	e.Outcome, e.Detail, e.Finished = outcome, detail, at
	return nil
}

func (s *memStore) Journal(_ context.Context, planID, actionID string) ([]iamsweep.JournalEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []iamsweep.JournalEntry
	for _, e := range s.journal {
		if e.PlanID == planID && e.ActionID == actionID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *memStore) AcquireLease(_ context.Context, arn, owner string, now, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.leases == nil {
		s.leases = map[string]lease{}
	}
	if l, ok := s.leases[arn]; ok && l.owner != owner && l.expiry.After(now) {
		return fmt.Errorf("%w: %s holds it", iamsweep.ErrLeased, l.owner)
	}
	s.leases[arn] = lease{owner, expiry}
	return nil
}

func (s *memStore) ReleaseLease(_ context.Context, arn, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[arn]; ok && l.owner == owner {
		delete(s.leases, arn)
	}
	return nil
}

func (s *memStore) Lease(_ context.Context, arn string) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leases[arn]
	if !ok {
		return "", time.Time{}, iamsweep.ErrNotFound
	}
	return l.owner, l.expiry, nil
}

// byName orders named things.
func byName[T any](name func(T) string) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(name(a), name(b)) }
}
