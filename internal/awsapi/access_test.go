package awsapi

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const accessAccount = "123456789012"

// accessDoc allows S3 wholly and DynamoDB reads.
const accessDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}`

// accessServer seeds n roles and a user with accessDoc, and use of S3 by
// role r0.
func accessServer(t testing.TB, n int, opts ...fakeaws.Option) (*fakeaws.Server, []string) {
	t.Helper()
	acct := &fakeaws.Account{ID: accessAccount}
	var arns []string
	for i := range n {
		acct.Roles = append(acct.Roles, &fakeaws.Role{Name: fmt.Sprintf("r%d", i), Inline: []fakeaws.InlinePolicy{{Name: "p", Document: accessDoc}}})
		arns = append(arns, fmt.Sprintf("arn:aws:iam::%s:role/r%d", accessAccount, i))
	}
	acct.Users = []*fakeaws.User{{Name: "alice", Path: "/people/", Inline: []fakeaws.InlinePolicy{{Name: "p", Document: accessDoc}}}}
	arns = append(arns, "arn:aws:iam::"+accessAccount+":user/people/alice")
	srv := fakeaws.New(t, append([]fakeaws.Option{fakeaws.WithAccounts(acct)}, opts...)...)
	return srv, arns
}

// fastAccess are options for tests: no real waits, a high rate.
var fastAccess = AccessOptions{Rate: 1000, Burst: 10, PollFirst: time.Millisecond, PollMax: time.Millisecond}

func instant(t testing.TB, srv *fakeaws.Server) *Client {
	c := testClient(t, srv)
	c.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	return c
}

func TestClient_AccessReports(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	srv, arns := accessServer(t, 3, fakeaws.WithAccessJobPolls(2), fakeaws.WithClock(func() time.Time { return now }))
	srv.SetAccess(arns[0],
		fakeaws.AccessUse{Action: "s3:ListAllMyBuckets", When: now.Add(-48 * time.Hour), Region: "eu-west-1"},
		fakeaws.AccessUse{Action: "s3", When: now.Add(-time.Hour), Region: "eu-west-1"})
	c := instant(t, srv)

	got, err := c.AccessReports(t.Context(), append(arns, arns[0]), fastAccess) // a duplicate is asked for once
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(arns) {
		t.Fatalf("%d reports, want %d", len(got), len(arns))
	}
	var tracked []iamsweep.ActionAccess
	for _, a := range []string{"CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "GetBucketAcl", "GetBucketLocation", "GetBucketPolicy",
		"GetBucketVersioning", "ListAllMyBuckets", "PutBucketAcl", "PutBucketPolicy", "PutBucketVersioning", "PutEncryptionConfiguration"} {
		tracked = append(tracked, iamsweep.ActionAccess{Name: a})
	}
	tracked[7] = iamsweep.ActionAccess{Name: "ListAllMyBuckets", LastAccessed: now.Add(-48 * time.Hour), Region: "eu-west-1"}
	want := iamsweep.AccessReport{
		ARN: arns[0], Granularity: iamsweep.GranularityAction, Generated: now, Since: now.Add(-400 * 24 * time.Hour),
		Services: []iamsweep.ServiceAccess{
			{Namespace: "dynamodb", Name: "Amazon DynamoDB"},
			{Namespace: "s3", Name: "Amazon S3", LastAccessed: now.Add(-time.Hour), Region: "eu-west-1", ActionLevel: true, Actions: tracked},
		},
	}
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("report of r0 (-want +got):\n%s", diff)
	}
	if got[3].ARN != arns[3] || len(got[3].Services) != 2 {
		t.Errorf("report of the user: %+v", got[3])
	}
	// One job per principal, read three times (IN_PROGRESS twice).
	if g, w := srv.CallCount("GenerateServiceLastAccessedDetails"), len(arns); g != w {
		t.Errorf("%d Generate calls, want %d", g, w)
	}
	if g, w := srv.CallCount("GetServiceLastAccessedDetails"), 3*len(arns); g != w {
		t.Errorf("%d Get calls, want %d", g, w)
	}

	t.Run("service level, in pages", func(t *testing.T) {
		srv, arns := accessServer(t, 1, fakeaws.WithMaxPageItems(1))
		opts := fastAccess
		opts.Granularity = iamsweep.GranularityService
		got, err := instant(t, srv).AccessReports(t.Context(), arns[:1], opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Granularity != iamsweep.GranularityService || len(got[0].Services) != 2 || got[0].Services[1].ActionLevel {
			t.Errorf("reports %+v; want one SERVICE_LEVEL report of 2 services without actions", got)
		}
		// Generate, IN_PROGRESS, then two pages.
		if g := srv.CallCount("GetServiceLastAccessedDetails"); g != 3 {
			t.Errorf("%d Get calls, want 3", g)
		}
	})
}

func TestClient_AccessReports_failures(t *testing.T) {
	srv, arns := accessServer(t, 3, fakeaws.WithAccessJobPolls(0))
	c := instant(t, srv)
	// r0's first job fails: a second one is made. r1's both fail.
	srv.FailAccessJob(arns[0], "InternalFailure", "try again")
	srv.FailAccessJob(arns[1], "InternalFailure", "broken")
	gone := "arn:aws:iam::" + accessAccount + ":role/gone"
	// The fake fails only the next job of a principal: with one job per
	// principal, r1 fails.
	opts := fastAccess
	opts.JobAttempts = 1
	got, err := c.AccessReports(t.Context(), []string{arns[1], arns[2], gone}, opts)
	var ae *AccessReportsError
	if !errors.As(err, &ae) {
		t.Fatalf("AccessReports: %v; want an *AccessReportsError", err)
	}
	if len(got) != 1 || got[0].ARN != arns[2] {
		t.Errorf("reports of %v; want only %s", got, arns[2])
	}
	if !errors.Is(ae.Failed[arns[1]], ErrAccessJobFailed) {
		t.Errorf("r1: %v; want ErrAccessJobFailed", ae.Failed[arns[1]])
	}
	if !errors.Is(ae.Failed[gone], iamsweep.ErrNotFound) {
		t.Errorf("gone: %v; want ErrNotFound", ae.Failed[gone])
	}
	if len(ae.Failed) != 2 || !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("failed %v; want r1 and gone, and the error to unwrap to them", ae.Failed)
	}

	t.Run("a FAILED job is made again", func(t *testing.T) {
		srv.ResetCalls()
		got, err := c.AccessReports(t.Context(), arns[:1], fastAccess)
		if err != nil || len(got) != 1 {
			t.Fatalf("AccessReports: %v, %v", got, err)
		}
		if g := srv.CallCount("GenerateServiceLastAccessedDetails"); g != 2 {
			t.Errorf("%d Generate calls, want 2", g)
		}
	})
	t.Run("a lost job is made again", func(t *testing.T) {
		srv.ResetCalls()
		srv.InjectFault("", "GetServiceLastAccessedDetails", 1, 404, "NoSuchEntity", "no such job")
		got, err := c.AccessReports(t.Context(), arns[:1], fastAccess)
		if err != nil || len(got) != 1 {
			t.Fatalf("AccessReports: %v, %v", got, err)
		}
		if g := srv.CallCount("GenerateServiceLastAccessedDetails"); g != 2 {
			t.Errorf("%d Generate calls, want 2", g)
		}
	})
	t.Run("errors on the way are retried", func(t *testing.T) {
		srv.ResetCalls()
		srv.InjectFault("", "GenerateServiceLastAccessedDetails", 2, 500, "ServiceFailure", "oops")
		srv.InjectFault("", "GetServiceLastAccessedDetails", 1, 503, "ServiceUnavailable", "busy")
		got, err := c.AccessReports(t.Context(), arns[:1], fastAccess)
		if err != nil || len(got) != 1 {
			t.Fatalf("AccessReports: %v, %v", got, err)
		}
		if g := srv.CallCount("GenerateServiceLastAccessedDetails"); g != 3 {
			t.Errorf("%d Generate calls, want 3", g)
		}
	})
	t.Run("errors on the way: CallAttempts tries in all", func(t *testing.T) {
		srv.ResetCalls()
		srv.InjectFault("", "GenerateServiceLastAccessedDetails", 3, 500, "ServiceFailure", "oops")
		opts := fastAccess
		opts.CallAttempts = 3
		_, err := c.AccessReports(t.Context(), arns[:1], opts)
		if err == nil {
			t.Fatal("AccessReports succeeded after 3 failed tries of 3")
		}
		if g := srv.CallCount("GenerateServiceLastAccessedDetails"); g != 3 {
			t.Errorf("%d Generate calls, want 3", g)
		}
	})
	t.Run("access denied is not retried", func(t *testing.T) {
		srv.ResetCalls()
		srv.InjectFault("", "GenerateServiceLastAccessedDetails", 1, 403, "AccessDenied", "not allowed")
		opts := fastAccess
		opts.Concurrency = 1
		_, err := c.AccessReports(t.Context(), arns[:2], opts)
		if !errors.Is(err, iamsweep.ErrAccessDenied) {
			t.Fatalf("AccessReports: %v; want ErrAccessDenied", err)
		}
		var ae *AccessReportsError
		if errors.As(err, &ae) {
			t.Errorf("AccessReports: %v; want the refusal itself, not a list of principals", err)
		}
		if g := srv.CallCount("GenerateServiceLastAccessedDetails"); g != 1 {
			t.Errorf("%d Generate calls, want 1: the first refusal stops the run", g)
		}

	})
}

func TestClient_AccessReports_deadline(t *testing.T) {
	srv, arns := accessServer(t, 2, fakeaws.WithAccessJobPolls(1_000_000))
	c := testClient(t, srv) // real waits: the deadline ends them
	opts := fastAccess
	opts.Timeout = 50 * time.Millisecond
	opts.Concurrency = 1
	got, err := c.AccessReports(t.Context(), arns, opts)
	var ae *AccessReportsError
	if !errors.As(err, &ae) || len(ae.Failed) != len(arns) || len(got) != 0 {
		t.Fatalf("AccessReports: %v, %v; want every principal failed", got, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v; want it to say the deadline passed", err)
	}

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := c.AccessReports(ctx, arns, fastAccess)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("AccessReports: %v; want context.Canceled", err)
		}
	})
}

func TestClient_AccessReports_throttled(t *testing.T) {
	// IAM allows 40 calls per second in bursts of 2; the client starts at
	// 400 and must come down without failing a job.
	srv, arns := accessServer(t, 12, fakeaws.WithAccessJobPolls(0), fakeaws.WithRateLimit(40, 2))
	c := instant(t, srv)
	opts := fastAccess
	opts.Rate, opts.Burst = 400, 1
	got, err := c.AccessReports(t.Context(), arns, opts)
	if err != nil || len(got) != len(arns) {
		t.Fatalf("AccessReports: %d reports, %v", len(got), err)
	}
	throttled := 0
	for _, call := range srv.Calls() {
		if call.ErrorCode == "Throttling" {
			throttled++
		}
	}
	if throttled == 0 {
		t.Error("no call was throttled: the test does not test the adaptive limiter")
	}
}

func TestOrg_AccessReports_renewedSession(t *testing.T) {
	// Credentials that last two minutes are renewed during the run (the
	// credentials cache renews them 5 minutes early: at every call), and the
	// jobs made with the first ones are still read: the session name is
	// the same.
	_, accounts := fakeaws.SampleOrganization()
	var member iamsweep.Account
	var arn string
	for _, a := range accounts {
		if a.ID != fakeaws.SampleManagement && len(a.Roles) > 0 {
			member = iamsweep.Account{ID: a.ID}
			arn = a.Roles[0].ARN(a.ID)
			break
		}
	}
	srv, org := sampleOrg(t, fakeaws.WithAccessJobPolls(2), fakeaws.WithSessionLifetime(2*time.Minute))
	got, err := org.AccessReports(t.Context(), member, []string{arn}, fastAccess)
	if err != nil || len(got) != 1 {
		t.Fatalf("AccessReports: %v, %v", got, err)
	}
	if n := srv.CallCount("AssumeRole"); n < 2 {
		t.Errorf("%d AssumeRole calls; want the credentials renewed during the run", n)
	}
	if g := srv.CallCount("GenerateServiceLastAccessedDetails"); g != 1 {
		t.Errorf("%d Generate calls, want 1: the job was read by its creator", g)
	}
}

func TestAdaptiveLimiter(t *testing.T) {
	a := newAdaptiveLimiter(10, 1)
	rateNow := func() float64 { return float64(a.lim.Limit()) }
	approx := func(got, want float64) bool { return got > want-1e-9 && got < want+1e-9 }

	a.succeeded() // at the cap: stays
	if !approx(rateNow(), 10) {
		t.Fatalf("rate %v after a success at the cap, want 10", rateNow())
	}
	a.throttled(0)
	if !approx(rateNow(), 7) || a.ceiling != 10 {
		t.Fatalf("after a throttle: rate %v ceiling %v, want 7 and 10", rateNow(), a.ceiling)
	}
	a.throttled(0) // let through before the cut: no second cut
	if !approx(rateNow(), 7) || a.throttles != 2 {
		t.Fatalf("after a stale throttle: rate %v (%d throttles), want 7 (2)", rateNow(), a.throttles)
	}
	for range 60 {
		a.succeeded()
	}
	if !approx(rateNow(), 10) {
		t.Errorf("after 60 successes: rate %v, want back at 10 (0.5%% of the ceiling each)", rateNow())
	}
	a.throttled(1)
	a.throttled(2) // at 7, well below the ceiling: the ceiling comes down gently
	if !approx(float64(a.ceiling), 9.5) || !approx(rateNow(), 4.9) {
		t.Errorf("after two throttles: ceiling %v rate %v, want 9.5 and 4.9", a.ceiling, rateNow())
	}
	for range 1000 {
		a.throttled(a.epoch)
	}
	if rateNow() < minAccessRate {
		t.Errorf("rate %v below the floor %v", rateNow(), minAccessRate)
	}
}
