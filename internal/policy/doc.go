// Package policy parses and prints IAM policy documents (identity, trust and
// resource policies) into the domain type iamsweep.PolicyDocument.
//
// Layer: pure. No I/O; the caller hands in bytes.
package policy
