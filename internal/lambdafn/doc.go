// Package lambdafn runs iamsweep as an AWS Lambda function, from the same
// binary as the command line (cmd/iamsweep starts it when Detect says the
// process is a Lambda function: the provided.al2023 runtime with the
// executable named bootstrap).
//
// One handler takes two kinds of event:
//   - AWS Config custom rule events (ScheduledNotification,
//     ConfigurationItemChangeNotification,
//     OversizedConfigurationItemChangeNotification): it evaluates the
//     account's IAM roles, or the one role of a change, with iamsweep's
//     verdicts and records the evaluations with PutEvaluations;
//   - EventBridge scheduled events: it runs the scan command, configured
//     by the IAMSWEEP_* environment and the config file IAMSWEEP_CONFIG
//     names, as the command line would.
//
// It logs JSON on stderr and returns errors as the Lambda runtime expects
// (an error type and message). See docs/lambda.md.
//
// Layer: entry point. It builds the adapters (internal/awsapi) and runs
// the services; it is the only package besides internal/cli that cmd/
// imports.
package lambdafn
