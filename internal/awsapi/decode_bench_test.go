package awsapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// pageBody fetches one raw GetAccountAuthorizationDetails page of n roles
// from the fake.
func pageBody(tb testing.TB, n int) []byte {
	tb.Helper()
	srv := fakeaws.New(tb, fakeaws.WithAccounts(manyRoles("123456789012", n)))
	form := url.Values{"Action": {"GetAccountAuthorizationDetails"}, "Version": {"2010-05-08"}, "Filter.member.1": {"Role"}, "MaxItems": {"1000"}}
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: "AKIAFAKE", SecretAccessKey: "x"}
	if err := signer.SignHTTP(tb.Context(), creds, req, v4EmptyPayload(form.Encode()), "iam", "us-east-1", nowUTC()); err != nil {
		tb.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		tb.Fatalf("status %d err %v: %s", resp.StatusCode, err, b)
	}
	return b
}

func BenchmarkDecodePage(b *testing.B) {
	body := pageBody(b, 1000)
	c := New(aws.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if _, err := scanGAAD(body, func(iamsweep.Role) error { n++; return nil }, c.document); err != nil || n != 1000 {
			b.Fatal(err, n)
		}
	}
}
