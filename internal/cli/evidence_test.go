package cli

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/lastaccess"
	"github.com/iamsweep/iamsweep/internal/store"
)

func TestCachedAccessReports(t *testing.T) {
	const acct = "123456789012"
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`
	var roles []*fakeaws.Role
	var arns []string
	for _, n := range []string{"a", "b", "c"} {
		roles = append(roles, &fakeaws.Role{Name: n, Inline: []fakeaws.InlinePolicy{{Name: "p", Document: doc}}})
		arns = append(arns, "arn:aws:iam::"+acct+":role/"+n)
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: acct, Roles: roles}), fakeaws.WithAccessJobPolls(0))
	client := awsapi.New(aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKEFAKE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), Retryer: awsapi.NewRetryer(awsapi.RetryOptions{NoBackoff: true}),
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opts := awsapi.AccessOptions{Rate: 1000, PollFirst: time.Millisecond, PollMax: time.Millisecond}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	jobs := func() int { return srv.CallCount("GenerateServiceLastAccessedDetails") }

	steps := []struct {
		name   string
		arns   []string
		at     time.Time
		maxAge time.Duration
		jobs   int // new jobs
	}{
		{"first run: every principal", arns[:2], now, 0, 2},
		{"rerun within a day: none", arns[:2], now.Add(23 * time.Hour), 0, 0},
		{"a new principal: its job only", arns, now.Add(time.Hour), 0, 1},
		{"a day after the last fetch: all again", arns, now.Add(25 * time.Hour), 0, 3},
		{"a shorter max age", arns, now.Add(26 * time.Hour), time.Hour, 3},
		{"no cache", arns[:1], now.Add(26 * time.Hour), -1, 1},
	}
	for _, s := range steps {
		before := jobs()
		got, err := cachedAccessReports(t.Context(), st, client, s.arns, s.maxAge, s.at, opts)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if len(got) != len(s.arns) {
			t.Errorf("%s: %d reports, want %d", s.name, len(got), len(s.arns))
		}
		if n := jobs() - before; n != s.jobs {
			t.Errorf("%s: %d new jobs, want %d", s.name, n, s.jobs)
		}
	}

	t.Run("partial failure: the others are cached", func(t *testing.T) {
		gone := "arn:aws:iam::" + acct + ":role/gone"
		later := now.Add(100 * time.Hour)
		got, err := cachedAccessReports(t.Context(), st, client, []string{arns[0], gone}, 0, later, opts)
		var partial *awsapi.AccessReportsError
		if !errors.As(err, &partial) || len(got) != 1 {
			t.Fatalf("got %d reports, %v; want one and an AccessReportsError", len(got), err)
		}
		cached, err := st.AccessReports(t.Context(), arns[:1], later.Add(-time.Minute))
		if err != nil || len(cached) != 1 {
			t.Errorf("cached after a partial failure: %v, %v", cached, err)
		}
	})
}

// TestAccessEvidence_offlineMatchesLive reads the same job twice: through
// the job runner, and as the AWS CLI saves it (the output's members as
// JSON) in a folder that lastaccess reads. The two reports must be equal,
// so that refine decides the same online and offline.
func TestAccessEvidence_offlineMatchesLive(t *testing.T) {
	const acct = "123456789012"
	arn := "arn:aws:iam::" + acct + ":role/ops/app"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","ec2:Describe*","dynamodb:GetItem"],"Resource":"*"}]}`
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: acct, Roles: []*fakeaws.Role{
		{Name: "app", Path: "/ops/", Inline: []fakeaws.InlinePolicy{{Name: "p", Document: doc}}},
	}}), fakeaws.WithAccessJobPolls(0), fakeaws.WithClock(func() time.Time { return now }))
	srv.SetAccess(arn,
		fakeaws.AccessUse{Action: "s3:ListAllMyBuckets", When: now.Add(-30 * time.Hour), Region: "eu-west-1"},
		fakeaws.AccessUse{Action: "ec2:DescribeInstances", When: now.Add(-3 * time.Hour), Region: "us-east-2"})
	cfg := aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKEFAKE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), Retryer: awsapi.NewRetryer(awsapi.RetryOptions{NoBackoff: true}),
	}
	live, err := awsapi.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil))).AccessReports(t.Context(), []string{arn},
		awsapi.AccessOptions{Rate: 1000, PollFirst: time.Millisecond, PollMax: time.Millisecond})
	if err != nil || len(live) != 1 {
		t.Fatalf("live: %v, %v", live, err)
	}

	// What "aws iam get-service-last-accessed-details --job-id ... --max-items 1000" prints.
	c := iam.NewFromConfig(cfg)
	gen, err := c.GenerateServiceLastAccessedDetails(t.Context(), &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(arn), Granularity: iamtypes.AccessAdvisorUsageGranularityTypeActionLevel})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.GetServiceLastAccessedDetails(t.Context(), &iam.GetServiceLastAccessedDetailsInput{JobId: gen.JobId, MaxItems: aws.Int32(1000)})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, lastaccess.FileName(arn)), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	offline, err := lastaccess.LoadAccessDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]iamsweep.AccessReport{arn: live[0]}, offline); diff != "" {
		t.Errorf("offline report (+) versus the live one (-):\n%s", diff)
	}
	if !live[0].Services[1].ActionLevel || live[0].Services[1].Namespace != "ec2" {
		t.Errorf("the test's data lost its action-level service: %+v", live[0].Services)
	}
}
