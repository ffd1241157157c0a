// Package fakeaws is an in-process fake of the AWS services iamsweep calls,
// speaking their real wire protocols, so that tests drive the real AWS SDK
// clients over HTTP.
//
// It routes a request on the service named in its SigV4 credential scope
// (".../us-east-1/iam/aws4_request"), then on the protocol: the Action form
// field for the query/XML protocol (IAM; STS and SNS later), X-Amz-Target for
// JSON 1.1 services, the path for REST-JSON ones. Responses carry the XML or
// JSON the real service sends, with real pagination markers and error codes.
//
// It holds per-account state, records every call, and injects latency and
// Throttling errors (per call at a chosen rate, or above a per-account
// request rate) for benchmarks and fault tests.
//
// Layer: test and dev only. Only _test.go files and cmd/fakeaws import it.
// It is a sandbox, not a reference: the AWS API reference and the SDK
// models are.
package fakeaws
