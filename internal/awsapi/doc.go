// Package awsapi is iamsweep's adapter to AWS: the only package that
// imports the AWS SDK's service clients. It reads IAM in bulk and converts
// what AWS returns into domain types at its edge; no SDK type leaves it.
//
// Layer: adapter. It imports the root package and the pure policy parser,
// never the services.
package awsapi
