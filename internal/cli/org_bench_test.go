package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// benchOrg builds n member accounts of roles roles each (every role with a
// trust policy and a tag; a third of them used recently) and the central
// account that scans them.
func benchOrg(n, roles int) ([]*fakeaws.Account, []string) {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var accounts []*fakeaws.Account
	var ids []string
	accounts = append(accounts, &fakeaws.Account{ID: "900000000000"})
	for a := 0; a < n; a++ {
		id := fmt.Sprintf("9%011d", a+1)
		acct := &fakeaws.Account{ID: id, Roles: []*fakeaws.Role{{Name: "OrganizationAccountAccessRole", Created: base}}}
		for i := 0; i < roles-1; i++ {
			r := &fakeaws.Role{Name: fmt.Sprintf("app-%04d", i), Path: "/app/", Created: base,
				Tags: []fakeaws.Tag{{Key: "owner", Value: "team@example.com"}}}
			if i%3 == 0 {
				r.LastUsed, r.LastUsedRegion = base.AddDate(2, 10, 0), "eu-west-1"
			}
			acct.Roles = append(acct.Roles, r)
		}
		accounts = append(accounts, acct)
		ids = append(ids, id)
	}
	return accounts, ids
}

// BenchmarkOrgScan scans 200 accounts of 500 roles through the CLI, at
// 20 ms per call and 300 ms more for a full page of
// GetAccountAuthorizationDetails (150 ms for a page of 500), each
// account's IAM throttled above 10 requests a second (a bucket of 5), 16
// accounts at a time. It holds the API calls to exactly the caller-identity
// call and three an account (AssumeRole, one listing page of roles and
// users, the credential report, which IAM holds), and the heap the scan
// adds (measured in an untimed run) flat as accounts are added: reported
// for 50 and 200 accounts, it may not more than double (findings stream
// out; an account's raw data is dropped once it is judged). It reports the
// wall time, without gating on it, against the lower bound: the larger of
// the slowest account's sequential minimum and the sum of all accounts'
// sequential minimums over the concurrency, plus the caller-identity call
// that comes first; and against the tighter bound of an account's
// critical path (AssumeRole, then the listing, which the credential report
// overlaps): what it adds beyond that is CPU (decoding, judging and
// writing 100,000 roles) on two cores it shares with the fake.
func BenchmarkOrgScan(b *testing.B) {
	const roles, latency, pageLatency, concurrency = 500, 20 * time.Millisecond, 300 * time.Millisecond, 16
	peaks := map[int]float64{}
	for _, n := range []int{50, 200} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			accounts, ids := benchOrg(n, roles)
			isolateAWS(b, "AKIABENCHCALLER00001", "secret")
			srv := fakeaws.New(b, fakeaws.WithAccounts(accounts...), fakeaws.WithCredentials("AKIABENCHCALLER00001", "900000000000"),
				fakeaws.WithLatency(latency), fakeaws.WithPageLatency(pageLatency), fakeaws.WithRateLimit(10, 5), fakeaws.WithReportGenerated())
			list := filepath.Join(b.TempDir(), "accounts.txt")
			if err := os.WriteFile(list, []byte(strings.Join(ids, "\n")), 0o644); err != nil {
				b.Fatal(err)
			}
			args := []string{"scan", "--accounts", "@" + list, "--endpoint-url", srv.URL, "--as-of", asOf, "-o", "json",
				"--concurrency", fmt.Sprint(concurrency)}
			// An account's calls: AssumeRole, the page of roles and users
			// (roles/1000 of a full page's latency), the credential report
			// (IAM holds a fresh one).
			page := latency + pageLatency*roles/1000
			sequential := latency + page + latency
			bound := latency + max(sequential, time.Duration(n)*sequential/concurrency)
			// Its critical path, as iamsweep reads the report during the
			// listing.
			critical := latency + page
			criticalBound := latency + max(critical, time.Duration(n)*critical/concurrency)
			wantCalls := 1 + 3*n

			scanOnce := func() {
				code := run(context.Background(), args, deps{
					io:    IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, Getenv: func(string) string { return "" }},
					now:   time.Now,
					retry: awsapi.RetryOptions{},
				})
				if code != ExitUnused {
					b.Fatalf("exit %d, want %d", code, ExitUnused)
				}
			}
			var walls []time.Duration
			calls, throttled := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				srv.ResetCalls()
				srv.ResetLimits()
				start := time.Now()
				scanOnce()
				walls = append(walls, time.Since(start))
				ok, limited := 0, 0
				for _, c := range srv.Calls() {
					switch c.ErrorCode {
					case "":
						ok++
					case "Throttling":
						limited++
					}
				}
				calls, throttled = max(calls, ok), max(throttled, limited)
			}
			b.StopTimer()
			// One more run, untimed, for memory: the sampler collects
			// garbage as it goes, so it sees what the scan holds.
			runtime.GC()
			runtime.GC() // the second empties sync.Pool's victim cache too
			var peak uint64
			stop := sampleHeap(liveHeap(), &peak)
			scanOnce()
			stop()
			sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
			wall := walls[len(walls)/2]
			peaks[n] = float64(peak) / (1 << 20)
			b.ReportMetric(wall.Seconds()*1000, "wall-ms")
			b.ReportMetric(bound.Seconds()*1000, "bound-ms")
			b.ReportMetric(float64(wall)/float64(bound), "wall/bound")
			b.ReportMetric(criticalBound.Seconds()*1000, "critical-bound-ms")
			b.ReportMetric(float64(wall)/float64(criticalBound), "wall/critical")
			b.ReportMetric(float64(calls), "calls")
			b.ReportMetric(float64(wantCalls), "calls-bound")
			b.ReportMetric(float64(throttled), "throttled")
			b.ReportMetric(peaks[n], "scan-heap-MB")
			if calls != wantCalls {
				b.Errorf("%d successful calls for %d accounts, want %d: the caller's identity, then AssumeRole, one listing page and the credential report an account",
					calls, n, wantCalls)
			}
		})
	}
	if small, large := peaks[50], peaks[200]; small > 0 && large > 2*small+16 {
		b.Errorf("the scan's heap grew from %.0f MB for 50 accounts to %.0f MB for 200: it should stay flat", small, large)
	}
}

// liveHeap is the heap that survived the last garbage collection: what the
// program holds, not the garbage it has yet to collect.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap collects garbage every 20 ms and keeps the largest growth of
// the live heap over the lowest seen (baseline at first) in *peak until
// stop is called.
func sampleHeap(baseline uint64, peak *uint64) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.GC()
			h := liveHeap()
			baseline = min(baseline, h) // pools emptied since the baseline
			if h-baseline > *peak {
				*peak = h - baseline
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
