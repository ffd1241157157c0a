package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
)

const leasedARN = "arn:aws:iam::111122223333:role/old"

func TestStore_AcquireLease(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	acquire := func(owner string, now, expiry time.Time) error {
		return s.AcquireLease(ctx, leasedARN, owner, now, expiry)
	}
	if err := acquire("apply-a", t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	// Held: another owner is refused, and told who holds it until when.
	err := acquire("apply-b", t0.Add(30*time.Second), t0.Add(2*time.Minute))
	if !errors.Is(err, iamsweep.ErrLeased) {
		t.Fatalf("acquire while held: %v, want ErrLeased", err)
	}
	for _, want := range []string{leasedARN, "apply-a", "2026-11-23T10:31:00.123456789Z"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	// One nanosecond before expiry it is still held.
	if err := acquire("apply-b", t0.Add(time.Minute-1), t0.Add(2*time.Minute)); !errors.Is(err, iamsweep.ErrLeased) {
		t.Errorf("acquire just before expiry: %v, want ErrLeased", err)
	}

	// Same owner: renewal extends the lease.
	if err := acquire("apply-a", t0.Add(50*time.Second), t0.Add(3*time.Minute)); err != nil {
		t.Fatalf("renewal by the holder: %v", err)
	}
	if err := acquire("apply-b", t0.Add(2*time.Minute), t0.Add(4*time.Minute)); !errors.Is(err, iamsweep.ErrLeased) {
		t.Errorf("acquire after the old expiry but before the renewed one: %v, want ErrLeased", err)
	}

	// Expired (expiry not after now): taken over.
	if err := acquire("apply-b", t0.Add(3*time.Minute), t0.Add(5*time.Minute)); err != nil {
		t.Fatalf("takeover at expiry: %v", err)
	}
	if err := acquire("apply-a", t0.Add(3*time.Minute), t0.Add(10*time.Minute)); !errors.Is(err, iamsweep.ErrLeased) {
		t.Errorf("the former holder after a takeover: %v, want ErrLeased", err)
	}

	// Leases are per principal.
	if err := s.AcquireLease(ctx, leasedARN+"-2", "apply-a", t0, t0.Add(time.Minute)); err != nil {
		t.Errorf("acquire another principal: %v", err)
	}
}

func TestStore_AcquireLease_rejectsBadArguments(t *testing.T) {
	s, _ := openTest(t)
	tests := []struct {
		name        string
		arn, owner  string
		now, expiry time.Time
	}{
		{"expiry equals now", leasedARN, "a", t0, t0},
		{"expiry before now", leasedARN, "a", t0, t0.Add(-time.Second)},
		{"no owner", leasedARN, "", t0, t0.Add(time.Minute)},
		{"no ARN", "", "a", t0, t0.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AcquireLease(t.Context(), tt.arn, tt.owner, tt.now, tt.expiry)
			if err == nil || errors.Is(err, iamsweep.ErrLeased) {
				t.Errorf("AcquireLease: %v, want an argument error", err)
			}
		})
	}
}

func TestStore_ReleaseLease(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if err := s.AcquireLease(ctx, leasedARN, "apply-a", t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// A non-owner's release does nothing.
	if err := s.ReleaseLease(ctx, leasedARN, "apply-b"); err != nil {
		t.Fatalf("release by a non-owner: %v, want nil", err)
	}
	if err := s.AcquireLease(ctx, leasedARN, "apply-b", t0, t0.Add(time.Hour)); !errors.Is(err, iamsweep.ErrLeased) {
		t.Fatalf("acquire after a non-owner's release: %v, want ErrLeased", err)
	}
	// The owner's release frees it.
	if err := s.ReleaseLease(ctx, leasedARN, "apply-a"); err != nil {
		t.Fatal(err)
	}
	if err := s.AcquireLease(ctx, leasedARN, "apply-b", t0, t0.Add(time.Hour)); err != nil {
		t.Fatalf("acquire after the owner's release: %v", err)
	}
	// Releasing again, or what was never held, is harmless.
	for _, arn := range []string{leasedARN, "arn:aws:iam::111122223333:role/never-leased"} {
		if err := s.ReleaseLease(ctx, arn, "apply-a"); err != nil {
			t.Errorf("ReleaseLease(%s): %v, want nil", arn, err)
		}
	}
	if err := s.AcquireLease(ctx, leasedARN, "apply-a", t0, t0.Add(time.Hour)); !errors.Is(err, iamsweep.ErrLeased) {
		t.Errorf("apply-b's lease did not survive apply-a's releases: %v", err)
	}
}

// Two Stores on one file stand for two iamsweep processes. For each of many
// principals both try at the same moment: exactly one gets it.
func TestStore_AcquireLease_oneWinnerAcrossStores(t *testing.T) {
	s1, path := openTest(t)
	s2 := openAt(t, path)
	ctx := t.Context()
	const n = 100
	var wins [n]atomic.Int32
	var wg sync.WaitGroup
	for i, s := range []*Store{s1, s2} {
		owner := fmt.Sprintf("apply-%d", i)
		wg.Go(func() {
			for p := range n {
				err := s.AcquireLease(ctx, fmt.Sprintf("%s-%d", leasedARN, p), owner, t0, t0.Add(time.Hour))
				switch {
				case err == nil:
					wins[p].Add(1)
				case !errors.Is(err, iamsweep.ErrLeased):
					t.Errorf("%s: principal %d: %v", owner, p, err)
				}
			}
		})
	}
	wg.Wait()
	for p := range n {
		if got := wins[p].Load(); got != 1 {
			t.Errorf("principal %d: %d winners, want 1", p, got)
		}
	}
}

// Two Stores on one file take and give back the same principal over and
// over: never do both hold it at once.
func TestStore_AcquireLease_mutualExclusionAcrossStores(t *testing.T) {
	s1, path := openTest(t)
	s2 := openAt(t, path)
	ctx := t.Context()
	var (
		holder atomic.Value // the owner that holds the lease, or ""
		wins   atomic.Int32
		wg     sync.WaitGroup
	)
	holder.Store("")
	for i, s := range []*Store{s1, s2} {
		owner := fmt.Sprintf("apply-%d", i)
		wg.Go(func() {
			for range 50 {
				err := s.AcquireLease(ctx, leasedARN, owner, t0, t0.Add(time.Hour))
				if errors.Is(err, iamsweep.ErrLeased) {
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", owner, err)
					return
				}
				wins.Add(1)
				if !holder.CompareAndSwap("", owner) {
					t.Errorf("%s acquired the lease while %s held it", owner, holder.Load())
					return
				}
				// Hold it for a while: renew it, as a long action would.
				if err := s.AcquireLease(ctx, leasedARN, owner, t0, t0.Add(2*time.Hour)); err != nil {
					t.Errorf("%s: renewal: %v", owner, err)
					return
				}
				// Mark it free before the release, so a winner that comes
				// after the release always finds it free.
				holder.Store("")
				if err := s.ReleaseLease(ctx, leasedARN, owner); err != nil {
					t.Errorf("%s: %v", owner, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if wins.Load() < 1 {
		t.Error("nobody ever acquired the lease")
	}
}

func TestStore_Lease(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if _, _, err := s.Lease(ctx, leasedARN); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("Lease with none held: %v, want ErrNotFound", err)
	}
	if err := s.AcquireLease(ctx, leasedARN, "apply-a", t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	owner, until, err := s.Lease(ctx, leasedARN)
	if err != nil || owner != "apply-a" || !until.Equal(t0.Add(time.Minute)) {
		t.Errorf("Lease = %q, %v, %v; want apply-a until %v", owner, until, err, t0.Add(time.Minute))
	}
	if err := s.ReleaseLease(ctx, leasedARN, "apply-a"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Lease(ctx, leasedARN); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("Lease after release: %v, want ErrNotFound", err)
	}
}
