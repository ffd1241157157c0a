// Command iamsweep finds unused AWS IAM access and removes it safely.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/iamsweep/iamsweep/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.SystemIO())
	stop()
	os.Exit(code)
}
