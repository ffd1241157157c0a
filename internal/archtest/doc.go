// Package archtest enforces iamsweep's import rules (see
// docs/development.md, "Layout"): dependencies point inward, the domain and the pure
// packages never reach I/O or the AWS SDK, only internal/awsapi imports the
// SDK's service clients, and the fake AWS endpoint is test-only.
//
// It holds only a test, which parses every package's imports with
// go/parser and fails the build when a rule is broken.
package archtest
