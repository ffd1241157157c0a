package awsapi

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
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

// BenchmarkRoles10k reads an account of 10,000 roles through the fake
// endpoint at 20 ms per call and reports API calls per role and wall time
// (the median of the runs) against the lower bound (pages x latency).
// Targets: calls <= ceil(roles/1000)+1; wall <= 1.2 x bound. Run it with
// -benchtime=10x or more.
func BenchmarkRoles10k(b *testing.B) {
	const roles, latency = 10000, 20 * time.Millisecond
	srv := fakeaws.New(b, fakeaws.WithAccounts(manyRoles("123456789012", roles)), fakeaws.WithLatency(latency))
	c := testClient(b, srv)
	pages := int(math.Ceil(float64(roles) / PageSize))
	bound := time.Duration(pages) * latency
	// One unmeasured run opens the connection and warms the heap, as the
	// first call of any long-lived client does once.
	if err := c.Roles(b.Context(), func(iamsweep.Role) error { return nil }); err != nil {
		b.Fatal(err)
	}
	walls := make([]time.Duration, 0, b.N)
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
	}
	calls := len(srv.Calls())
	// The median run: a shared two-core machine stalls a run now and then,
	// and one stall should not decide the figure.
	wall := median(walls)
	b.ReportMetric(float64(calls)/roles, "calls/role")
	b.ReportMetric(float64(calls), "calls")
	b.ReportMetric(float64(pages+1), "calls-bound")
	b.ReportMetric(wall.Seconds()*1000, "wall-ms")
	b.ReportMetric(bound.Seconds()*1000, "bound-ms")
	b.ReportMetric(float64(wall)/float64(bound), "wall/bound")
	if b.N < 5 {
		return // a probe run (testing starts with b.N = 1): too few runs to judge
	}
	if calls > pages+1 {
		b.Errorf("%d calls for %d roles, over the bound of %d", calls, roles, pages+1)
	}
	if limit := 1.2 * benchSlack(b); float64(wall) > limit*float64(bound) {
		b.Errorf("wall time %v, over %.3g x the %v bound", wall, limit, bound)
	}
}

// benchSlack is the factor in IAMSWEEP_BENCH_SLACK (default 1) by which a
// gate widens the wall-time target, for a machine slower than the one the
// targets were set on; the figure printed is the same. CI does not set it
// (the figure is 1.08-1.13 x there and here; it was 1.17 to 1.42 x before
// decoding let the request for the next page leave first).
func benchSlack(b *testing.B) float64 {
	v := os.Getenv("IAMSWEEP_BENCH_SLACK")
	if v == "" {
		return 1
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 1 {
		b.Fatalf("IAMSWEEP_BENCH_SLACK=%q: want a factor of 1 or more", v)
	}
	return f
}
