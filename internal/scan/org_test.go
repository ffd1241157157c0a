package scan

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// stubOrg serves a stub inventory per account, with per-account delays
// and failures.
type stubOrg struct {
	invs     map[string]*stubInventory
	assume   map[string]error
	delay    map[string]time.Duration
	mu       sync.Mutex
	inFlight int
	maxSeen  int
}

func (o *stubOrg) Caller(context.Context) (iamsweep.Account, error) {
	return iamsweep.Account{ID: "000000000000"}, nil
}

func (o *stubOrg) Accounts(context.Context, []string) ([]iamsweep.Account, error) { return nil, nil }
func (o *stubOrg) Describe(context.Context, []string) ([]iamsweep.Account, error) { return nil, nil }

func (o *stubOrg) Inventory(ctx context.Context, acct iamsweep.Account) (iamsweep.Inventory, error) {
	o.mu.Lock()
	o.inFlight++
	o.maxSeen = max(o.maxSeen, o.inFlight)
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		o.inFlight--
		o.mu.Unlock()
	}()
	if d := o.delay[acct.ID]; d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := o.assume[acct.ID]; err != nil {
		return nil, err
	}
	return o.invs[acct.ID], nil
}

func accountOf(id string, n int) *stubInventory {
	inv := &stubInventory{}
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("role-%d", i)
		inv.roles = append(inv.roles, iamsweep.Role{AccountID: id, ARN: "arn:aws:iam::" + id + ":role/" + name, Name: name, Path: "/", Created: old})
	}
	return inv
}

func TestAccounts(t *testing.T) {
	denied := &iamsweep.APIError{Code: "AccessDenied", Message: "not authorized", Kind: iamsweep.ErrAccessDenied, Err: errors.New("AccessDenied: not authorized")}
	org := &stubOrg{
		invs: map[string]*stubInventory{
			"111111111111": accountOf("111111111111", 2),
			"222222222222": accountOf("222222222222", 1),
			"444444444444": {rolesErr: &iamsweep.APIError{Code: "Throttling", Kind: iamsweep.ErrThrottled, Err: errors.New("Rate exceeded")}},
			"555555555555": accountOf("555555555555", 3),
		},
		assume: map[string]error{"333333333333": denied},
		// The first account finishes last: results still come in order.
		delay: map[string]time.Duration{"111111111111": 30 * time.Millisecond},
	}
	accounts := []iamsweep.Account{
		{ID: "111111111111", Name: "prod"}, {ID: "222222222222", Name: "dev"}, {ID: "333333333333", Name: "locked"},
		{ID: "444444444444"}, {ID: "555555555555"},
	}
	var got []string
	var progress []Progress
	err := Accounts(t.Context(), org, accounts, OrgOptions{
		Detect:      detect.Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), UnusedDays: 90},
		Concurrency: 3,
		Progress:    func(p Progress) { progress = append(progress, p) },
	}, func(r AccountResult) error {
		line := r.Account.ID + ":"
		if r.Err != nil {
			line += " failed at " + r.Err.Stage + " (" + r.Err.Code + ")"
		}
		for _, f := range r.Findings {
			line += " " + f.Name + "@" + f.AccountName
		}
		got = append(got, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"111111111111: role-0@prod role-1@prod",
		"222222222222: role-0@dev",
		"333333333333: failed at assume-role (AccessDenied)",
		"444444444444: failed at scan-roles (Throttling)",
		"555555555555: role-0@ role-1@ role-2@",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if last := progress[len(progress)-1]; last != (Progress{Total: 5, Done: 5, Failed: 2, Principals: 6}) {
		t.Errorf("final progress %+v", last)
	}
	if org.maxSeen > 3 {
		t.Errorf("%d accounts at once, want at most 3", org.maxSeen)
	}
}

func TestAccounts_interrupted(t *testing.T) {
	org := &stubOrg{
		invs:  map[string]*stubInventory{"111111111111": accountOf("111111111111", 1), "222222222222": accountOf("222222222222", 1), "333333333333": accountOf("333333333333", 1)},
		delay: map[string]time.Duration{"111111111111": time.Hour, "222222222222": time.Hour},
	}
	ctx, cancel := context.WithCancel(t.Context())
	var got []string
	// Ctrl-C once the third account has finished; the first two never do.
	opts := OrgOptions{Concurrency: 3, Progress: func(p Progress) {
		if p.Done == 1 {
			cancel()
		}
	}}
	err := Accounts(ctx, org, []iamsweep.Account{{ID: "111111111111"}, {ID: "222222222222"}, {ID: "333333333333"}}, opts,
		func(r AccountResult) error {
			got = append(got, r.Account.ID)
			if r.Err != nil {
				t.Errorf("interrupted account reported as failed: %+v", r.Err)
			}
			return nil
		})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	// The finished account is passed on although accounts before it never
	// finish; the interrupted ones are not results.
	if diff := cmp.Diff([]string{"333333333333"}, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func TestAccounts_sinkError(t *testing.T) {
	org := &stubOrg{invs: map[string]*stubInventory{"111111111111": accountOf("111111111111", 1), "222222222222": accountOf("222222222222", 1)}}
	stop := errors.New("disk full")
	n := 0
	err := Accounts(t.Context(), org, []iamsweep.Account{{ID: "111111111111"}, {ID: "222222222222"}}, OrgOptions{Concurrency: 1},
		func(AccountResult) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err = %v after %d results, want the sink's error after 1", err, n)
	}
}
