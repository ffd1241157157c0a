package awsapi

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// manyUsers builds an account of n users: every fifth holds an active
// access key, every third has a console password, some hold only an
// inactive key.
func manyUsers(account string, n int) (*fakeaws.Account, int) {
	a := &fakeaws.Account{ID: account}
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	withActive := 0
	for i := 0; i < n; i++ {
		u := &fakeaws.User{
			Name:    fmt.Sprintf("user-%05d", i),
			Path:    "/staff/",
			Created: base.Add(time.Duration(i) * time.Minute),
			Tags:    []fakeaws.Tag{{Key: "owner", Value: "team@example.com"}},
			Groups:  []string{"staff"},
		}
		switch {
		case i%5 == 0:
			u.AccessKeys = []*fakeaws.AccessKey{{Created: u.Created, LastUsed: base.AddDate(1, 0, 0), LastUsedRegion: "us-east-1", LastUsedService: "s3"}}
			withActive++
		case i%7 == 0:
			u.AccessKeys = []*fakeaws.AccessKey{{Created: u.Created, Inactive: true}}
		}
		if i%3 == 0 {
			u.Password = &fakeaws.LoginProfile{Created: u.Created, LastUsed: base.AddDate(1, 1, 0)}
		}
		a.Users = append(a.Users, u)
	}
	return a, withActive
}

// BenchmarkUsers5k reads an account of 5,000 users and reports the API
// calls, which it holds to exactly the user pages, one credential report
// read (the account holds a fresh report) and one ListAccessKeys per user
// with an active key (none with NoKeyIDs): they grow with the users that
// hold a key, not with all users. It reports the wall time (the median
// run) against the longer of the two chains that run at once, the pages
// and the report followed by the key lookups (KeyConcurrency at a time),
// without gating on it.
func BenchmarkUsers5k(b *testing.B) {
	for _, noKeyIDs := range []bool{false, true} {
		b.Run(fmt.Sprintf("NoKeyIDs=%v", noKeyIDs), func(b *testing.B) {
			const users = 5000
			acct, withActive := manyUsers("123456789012", users)
			srv := fakeaws.New(b, fakeaws.WithAccounts(acct), fakeaws.WithReportGenerated(),
				fakeaws.WithLatency(benchLatency), fakeaws.WithPageLatency(benchPageLatency))
			c := New(testConfig(srv), quietLogger(), Options{NoKeyIDs: noKeyIDs})

			pages := int(math.Ceil(float64(users) / PageSize))
			reportChain := 1 // GetCredentialReport: IAM holds a fresh report
			lookups := 0
			if !noKeyIDs {
				lookups = withActive
				reportChain += int(math.Ceil(float64(withActive) / float64(c.opts.KeyConcurrency)))
			}
			bound := max(time.Duration(pages)*(benchLatency+benchPageLatency), time.Duration(reportChain)*benchLatency)
			wantCalls := pages + 1 + lookups

			walls := make([]time.Duration, 0, b.N)
			calls := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				srv.ResetCalls()
				start := time.Now()
				n := 0
				if err := c.Users(b.Context(), func(iamsweep.User) error { n++; return nil }); err != nil {
					b.Fatal(err)
				}
				walls = append(walls, time.Since(start))
				if n != users+1 {
					b.Fatalf("read %d users, want %d and the root user", n, users)
				}
				calls = max(calls, len(srv.Calls()))
			}
			wall := median(walls)
			b.ReportMetric(float64(calls), "calls")
			b.ReportMetric(float64(wantCalls), "calls-bound")
			b.ReportMetric(wall.Seconds()*1000, "wall-ms")
			b.ReportMetric(bound.Seconds()*1000, "bound-ms")
			b.ReportMetric(float64(wall)/float64(bound), "wall/bound")
			if calls != wantCalls {
				b.Errorf("%d calls for %d users (%d with an active key), want %d: pages + the report + one per user with an active key",
					calls, users, withActive, wantCalls)
			}
		})
	}
}
