package awsapi

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// testConfig returns an SDK config that sends every call to srv, signed
// with static test credentials, retrying without delay.
func testConfig(srv *fakeaws.Server) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKEFAKE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer:      NewRetryer(RetryOptions{NoBackoff: true}),
	}
}

func testClient(t testing.TB, srv *fakeaws.Server) *Client {
	t.Helper()
	return New(testConfig(srv), slog.New(slog.NewTextHandler(io.Discard, nil)), Options{ReportPoll: time.Millisecond})
}
