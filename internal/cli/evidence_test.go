package cli

import (
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
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
