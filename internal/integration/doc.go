// Package integration runs iamsweep against moto (moto_server), an AWS
// emulator written independently of the product and of internal/fakeaws, as
// a second opinion on how the AWS APIs behave on the wire.
//
// Layer: tests only. Every test is behind the build tag "integration":
//
//	go test -tags integration ./internal/integration/...
//
// The tests start moto_server on 127.0.0.1 (one process group per test,
// killed when the test ends), seed it only through the AWS APIs with the AWS
// SDK for Go v2, and drive the product end to end through cli.Main. Without
// moto_server on the PATH they skip, unless IAMSWEEP_REQUIRE_MOTO=1 (as in
// CI), which makes its absence a failure. A failing test prints the last AWS
// requests and responses it saw.
//
// Where moto and AWS differ in a way that matters to the product, the
// difference is written down in TestMoto_differences and in
// docs/development.md; the product follows AWS and still works on what moto
// sends. The few calls of the remediation commands that moto does not
// implement at all are answered, as IAM does, by the remediation tests'
// proxy (fillMotoGaps) from moto's own state.
package integration
