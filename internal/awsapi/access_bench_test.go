package awsapi

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// BenchmarkAccessReports1k runs the service last accessed jobs of 1,000
// roles of one account against the fake answering each call in 20 ms and
// throttling the account above 10 requests per second (a token bucket of
// 10), with the default AccessOptions (10 requests per second, 20 jobs in
// flight, first read after 2 s). Each job completes by its first read, so
// a role takes exactly 2 accepted calls.
//
// It enforces the deterministic part: no failed job, and 1,000 accepted
// calls of each action. It reports the achieved rate of accepted calls
// against the throttle (target at least 0.9: the limiter, not the waits,
// bounds the run) and the calls IAM throttled; those depend on the
// machine and inform. One run takes about 200 s: run it with
// -benchtime 1x.
func BenchmarkAccessReports1k(b *testing.B) {
	const (
		roles    = 1000
		throttle = 10.0
	)
	acct := manyRoles("123456789012", roles)
	arns := make([]string, roles)
	for i, r := range acct.Roles {
		arns[i] = r.ARN(acct.ID)
	}
	srv := fakeaws.New(b, fakeaws.WithAccounts(acct), fakeaws.WithLatency(benchLatency),
		fakeaws.WithRateLimit(throttle, int(throttle)), fakeaws.WithAccessJobPolls(0))
	c := testClient(b, srv)
	b.ResetTimer()
	for range b.N {
		srv.ResetCalls()
		srv.ResetLimits()
		start := time.Now()
		reps, err := c.AccessReports(b.Context(), arns, AccessOptions{})
		wall := time.Since(start)
		failed := 0
		var ae *AccessReportsError
		if errors.As(err, &ae) {
			failed = len(ae.Failed)
		} else if err != nil {
			b.Fatal(err)
		}
		accepted, throttled := map[string]int{}, 0
		for _, call := range srv.Calls() {
			switch call.ErrorCode {
			case "":
				accepted[call.Action]++
			case "Throttling":
				throttled++
			}
		}
		total := accepted["GenerateServiceLastAccessedDetails"] + accepted["GetServiceLastAccessedDetails"]
		achieved := float64(total) / wall.Seconds()
		b.ReportMetric(float64(failed), "failed-jobs")
		b.ReportMetric(float64(total), "accepted-calls")
		b.ReportMetric(float64(throttled), "throttled-calls")
		b.ReportMetric(achieved/throttle, "rate/throttle")
		b.Logf("%d roles in %v: %d accepted calls (%.2f/s against a throttle of %.0f/s: %.2f of it, target >= 0.9), %d throttled, %d failed jobs (bound 0)",
			len(reps), wall.Round(time.Millisecond), total, achieved, throttle, achieved/throttle, throttled, failed)
		if failed != 0 || len(reps) != roles {
			b.Fatalf("%d failed jobs, %d reports; want 0 and %d", failed, len(reps), roles)
		}
		for _, action := range []string{"GenerateServiceLastAccessedDetails", "GetServiceLastAccessedDetails"} {
			if accepted[action] != roles {
				b.Errorf("%d accepted %s calls, want %d", accepted[action], action, roles)
			}
		}
	}
}

// TestAccessReports_calls is the deterministic part of the benchmark at a
// size a test run affords: no failed job and exactly one Generate and one
// Get per role when jobs complete by their first read, whatever the
// throttling.
func TestAccessReports_calls(t *testing.T) {
	const roles = 60
	acct := manyRoles("123456789012", roles)
	arns := make([]string, roles)
	for i, r := range acct.Roles {
		arns[i] = r.ARN(acct.ID)
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithRateLimit(200, 20), fakeaws.WithAccessJobPolls(0))
	c := instant(t, srv)
	reps, err := c.AccessReports(t.Context(), arns, AccessOptions{Rate: 200, Burst: 1, PollFirst: time.Millisecond})
	if err != nil || len(reps) != roles {
		t.Fatalf("%d reports, %v", len(reps), err)
	}
	accepted := map[string]int{}
	for _, call := range srv.Calls() {
		if call.ErrorCode == "" {
			accepted[call.Action]++
		}
	}
	want := map[string]int{"GenerateServiceLastAccessedDetails": roles, "GetServiceLastAccessedDetails": roles}
	if fmt.Sprint(accepted) != fmt.Sprint(want) {
		t.Errorf("accepted calls %v, want %v", accepted, want)
	}
}
