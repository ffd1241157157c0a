// Command fakeaws serves iamsweep's fake AWS endpoint on 127.0.0.1, seeded
// from an export (by default the example export and credential report,
// built in), so that the live scan can be tried without an AWS account. It
// is a development and demo tool, not a test double of record:
//
//	go run ./cmd/fakeaws &
//	AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
//	  go run ./cmd/iamsweep scan --endpoint-url http://127.0.0.1:4599
//
// The example account also runs a few resources that still reference its
// unused roles (a Lambda function, a stopped EC2 instance, a bucket and a
// key policy: resources.go), for iamsweep refs and plan --refs to show.
//
// The example account also has Amazon SES, out of the sandbox, with the
// domain example.com verified in every Region, so that iamsweep's
// notices can be sent from iamsweep@example.com; --outbox DIR writes each
// mail SES accepts to a file there (its subject, addresses, text and HTML
// parts), to read a notice and follow its links.
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
	"path/filepath"
	"strings"
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
	outbox := flag.String("outbox", "", "write each mail SES accepts to a file in this directory (the example account; created if missing)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stderr, *addr, *export, *report, *latency, *throttle, *sampleOrg, *outbox); err != nil {
		fmt.Fprintln(os.Stderr, "fakeaws:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends; it says on stderr what it serves where once it
// listens.
func run(ctx context.Context, stderr io.Writer, addr, export, report string, latency time.Duration, throttle float64, sampleOrg bool, outbox string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to listen on %s: the fake serves loopback only", addr)
	}
	opts := []fakeaws.Option{fakeaws.WithLatency(latency), fakeaws.WithThrottleRate(throttle), fakeaws.WithReportDelay(0)}
	if sampleOrg {
		if outbox != "" {
			return errors.New("--outbox serves the example account, not --sample-org")
		}
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
	if export == "" {
		acct.Resources = exampleResources(acct.ID)
	}
	opts = append(opts, fakeaws.WithAccounts(acct))
	for _, region := range sesRegions {
		opts = append(opts, fakeaws.WithSES(region, acct.ID, fakeaws.SES{Identities: []string{"example.com"}, Production: true}))
	}
	if outbox != "" {
		if err := os.MkdirAll(outbox, 0o755); err != nil {
			return fmt.Errorf("--outbox: %w", err)
		}
		opts = append(opts, fakeaws.WithOutbox(writeOutbox(outbox, stderr)))
	}
	return serve(ctx, stderr, addr, opts,
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

// sesRegions are the Regions where the example account has SES.
var sesRegions = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1",
	"ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3"}

// writeOutbox returns the hook that writes each accepted mail to dir as
// NNNN.txt (headers and the text part) and NNNN.html (the HTML part), and
// says so on stderr.
func writeOutbox(dir string, stderr io.Writer) func(fakeaws.SentEmail) {
	n := 0
	return func(m fakeaws.SentEmail) {
		n++
		base := filepath.Join(dir, fmt.Sprintf("%04d", n))
		text := fmt.Sprintf("Message-Id: %s\nFrom: %s\nTo: %s\nSubject: %s\n\n%s", m.MessageID, m.From,
			strings.Join(m.To, ", "), m.Subject, m.Text)
		if err := os.WriteFile(base+".txt", []byte(text), 0o644); err != nil {
			fmt.Fprintf(stderr, "fakeaws: outbox: %v\n", err)
			return
		}
		if m.HTML != "" {
			if err := os.WriteFile(base+".html", []byte(m.HTML), 0o644); err != nil {
				fmt.Fprintf(stderr, "fakeaws: outbox: %v\n", err)
			}
		}
		fmt.Fprintf(stderr, "fakeaws: mail to %s: %q (%s.txt)\n", strings.Join(m.To, ", "), m.Subject, base)
	}
}
