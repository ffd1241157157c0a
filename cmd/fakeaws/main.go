// Command fakeaws serves iamsweep's fake AWS endpoint on 127.0.0.1, seeded
// from an export (by default the example export and credential report,
// built in), so that the live scan can be tried without an AWS account. It
// is a development and demo tool, not a test double of record:
//
//	go run ./cmd/fakeaws &
//	AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
//	  go run ./cmd/iamsweep scan --endpoint-url http://127.0.0.1:4599
package main

import (
	"bytes"
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

	"github.com/iamsweep/iamsweep/examples"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4599", "address to listen on (loopback only)")
	export := flag.String("export", "", "export of aws iam get-account-authorization-details to serve (default: the example export, built in)")
	report := flag.String("credential-report", "", "credential report taken with the export (default: none, or the example's with the example export)")
	latency := flag.Duration("latency", 0, "delay every response by this long")
	throttle := flag.Float64("throttle-rate", 0, "answer this fraction of calls (0-1) with Throttling")
	sampleOrg := flag.Bool("sample-org", false, "serve the sample AWS Organization instead (sign with access key "+fakeaws.SampleCallerKey+")")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stderr, *addr, *export, *report, *latency, *throttle, *sampleOrg); err != nil {
		fmt.Fprintln(os.Stderr, "fakeaws:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends; it says on stderr what it serves where once it
// listens.
func run(ctx context.Context, stderr io.Writer, addr, export, report string, latency time.Duration, throttle float64, sampleOrg bool) error {
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
		return serve(ctx, stderr, addr, opts, "the sample organization (management account "+fakeaws.SampleManagement+")")
	}
	exportReader, reportReader := io.Reader(bytes.NewReader(examples.AccountExport)), io.Reader(nil)
	exportName, reportName := examples.AccountExportName, report
	if export == "" {
		reportReader, reportName = bytes.NewReader(examples.CredentialReport), examples.CredentialReportName
	} else {
		f, err := os.Open(export)
		if err != nil {
			return err
		}
		defer f.Close()
		exportReader, exportName = f, export
	}
	if report != "" {
		f, err := os.Open(report)
		if err != nil {
			return err
		}
		defer f.Close()
		reportReader, reportName = f, report
	}
	acct, err := fakeaws.AccountFromFiles(ctx, exportReader, exportName, reportReader, reportName)
	if err != nil {
		return err
	}
	return serve(ctx, stderr, addr, append(opts, fakeaws.WithAccounts(acct)),
		fmt.Sprintf("account %s (%d roles, %d users)", acct.ID, len(acct.Roles), len(acct.Users)))
}

// serve listens on addr, says what it serves there (what) once it listens,
// and serves until ctx ends.
func serve(ctx context.Context, stderr io.Writer, addr string, opts []fakeaws.Option, what string) error {
	srv, err := fakeaws.NewServer(opts...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "fakeaws: %s on http://%s\n", what, ln.Addr())
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdown)
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
