// Command iamsweep finds unused AWS IAM access and removes it safely.
//
// The same binary runs as an AWS Lambda function: started by the Lambda
// runtime (AWS_LAMBDA_RUNTIME_API set) without arguments, as the
// provided.al2023 runtime starts its bootstrap executable, it serves the
// function's invocations (see internal/lambdafn and docs/lambda.md).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/iamsweep/iamsweep/internal/cli"
	"github.com/iamsweep/iamsweep/internal/lambdafn"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if lambdafn.Detect(os.Getenv, os.Args[1:]) {
		lambdafn.Start(ctx) // serves invocations until the process ends
	}
	code := cli.Main(ctx, os.Args[1:], cli.SystemIO())
	stop()
	os.Exit(code)
}
