// Command fakeaws serves iamsweep's fake AWS endpoint on 127.0.0.1, seeded
// from an export, so that the live scan can be tried without an AWS
// account. It is a development and demo tool, not a test double of record:
//
//	go run ./cmd/fakeaws &
//	AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
//	  go run ./cmd/iamsweep scan --endpoint-url http://127.0.0.1:4599
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4599", "address to listen on (loopback only)")
	export := flag.String("export", "examples/account-export.json", "export of aws iam get-account-authorization-details to serve")
	report := flag.String("credential-report", "examples/credential-report.csv", "credential report taken with the export (empty: none)")
	latency := flag.Duration("latency", 0, "delay every response by this long")
	throttle := flag.Float64("throttle-rate", 0, "answer this fraction of calls (0-1) with Throttling")
	sampleOrg := flag.Bool("sample-org", false, "serve the sample AWS Organization instead (sign with access key "+fakeaws.SampleCallerKey+")")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *export, *report, *latency, *throttle, *sampleOrg); err != nil {
		fmt.Fprintln(os.Stderr, "fakeaws:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, export, report string, latency time.Duration, throttle float64, sampleOrg bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to listen on %s: the fake serves loopback only", addr)
	}
	opts := []fakeaws.Option{fakeaws.WithLatency(latency), fakeaws.WithThrottleRate(throttle), fakeaws.WithReportDelay(0)}
	if sampleOrg {
		org, accounts := fakeaws.SampleOrganization()
		opts = append(opts, fakeaws.WithAccounts(accounts...), fakeaws.WithOrganization(org),
			fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement))
		fmt.Fprintf(os.Stderr, "fakeaws: the sample organization (management account %s) on http://%s\n", fakeaws.SampleManagement, addr)
		return serve(ctx, addr, opts)
	}
	f, err := os.Open(export)
	if err != nil {
		return err
	}
	defer f.Close()
	var rf *os.File
	if report != "" {
		if rf, err = os.Open(report); err != nil {
			return err
		}
		defer rf.Close()
	}
	var reportReader io.Reader
	if rf != nil {
		reportReader = rf
	}
	acct, err := fakeaws.AccountFromFiles(ctx, f, export, reportReader, report)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "fakeaws: account %s (%d roles, %d users) on http://%s\n", acct.ID, len(acct.Roles), len(acct.Users), addr)
	return serve(ctx, addr, append(opts, fakeaws.WithAccounts(acct)))
}

func serve(ctx context.Context, addr string, opts []fakeaws.Option) error {
	srv, err := fakeaws.NewServer(opts...)
	if err != nil {
		return err
	}
	hs := &http.Server{Addr: addr, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdown)
	}()
	if err := hs.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
