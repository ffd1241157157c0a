// Package credreport reads IAM credential reports: the CSV that
// GetCredentialReport returns (and "aws iam get-credential-report" prints
// base64-encoded), one row per user plus the root user.
//
// Columns are found by their header names, never by position: AWS adds
// columns (additional_credentials_info is recent). Every sentinel value the
// report uses is understood: N/A, no_information, not_supported, true and
// false.
//
// Layer: pure. It reads from an io.Reader.
package credreport
