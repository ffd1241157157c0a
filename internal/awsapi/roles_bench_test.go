package awsapi

import (
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// manyRoles builds an account of n plausible roles.
func manyRoles(account string, n int) *fakeaws.Account {
	a := &fakeaws.Account{ID: account}
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		r := &fakeaws.Role{
			Name:     fmt.Sprintf("app-%05d-role", i),
			Path:     "/app/",
			Created:  base.Add(time.Duration(i) * time.Minute),
			Inline:   []fakeaws.InlinePolicy{{Name: "inline", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bucket/*"}]}`}},
			Attached: []fakeaws.AttachedPolicy{{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			Tags:     []fakeaws.Tag{{Key: "owner", Value: "team@example.com"}},
		}
		if i%3 != 0 {
			r.LastUsed, r.LastUsedRegion = base.Add(time.Duration(i)*time.Hour), "eu-west-1"
		}
		a.Roles = append(a.Roles, r)
	}
	return a
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// The latency of the fake in the wall-time benchmarks: benchLatency for
// every call, and benchPageLatency more for a full page of
// GetAccountAuthorizationDetails (in proportion for a shorter one), which
// is about what IAM takes to build and send a page of 1,000 roles. With
// these the benchmarks show the real balance between waiting for IAM and
// decoding what it sends.
const (
	benchLatency     = 20 * time.Millisecond
	benchPageLatency = 300 * time.Millisecond
)

// BenchmarkRoles10k reads an account of 10,000 roles through the fake and
// reports the API calls against their bound, ceil(roles/1000) pages and
// nothing per role, which it enforces, and the wall time (the median of
// the runs) against the time the pages take to arrive, which it only
// reports: a wall-time figure on a shared machine informs, it does not
// gate.
func BenchmarkRoles10k(b *testing.B) {
	const roles = 10000
	srv := fakeaws.New(b, fakeaws.WithAccounts(manyRoles("123456789012", roles)),
		fakeaws.WithLatency(benchLatency), fakeaws.WithPageLatency(benchPageLatency))
	c := testClient(b, srv)
	pages := int(math.Ceil(float64(roles) / PageSize))
	bound := time.Duration(pages) * (benchLatency + benchPageLatency)
	walls := make([]time.Duration, 0, b.N)
	calls := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		srv.ResetCalls()
		start := time.Now()
		n := 0
		if err := c.Roles(b.Context(), func(iamsweep.Role) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		walls = append(walls, time.Since(start))
		if n != roles {
			b.Fatalf("read %d roles, want %d", n, roles)
		}
		calls = max(calls, len(srv.Calls()))
	}
	wall := median(walls)
	b.ReportMetric(float64(calls), "calls")
	b.ReportMetric(float64(pages), "calls-bound")
	b.ReportMetric(wall.Seconds()*1000, "wall-ms")
	b.ReportMetric(bound.Seconds()*1000, "bound-ms")
	b.ReportMetric(float64(wall)/float64(bound), "wall/bound")
	if calls > pages {
		b.Errorf("%d calls for %d roles, over the bound of %d", calls, roles, pages)
	}
}
