// Package examples holds the example export and credential report that the
// README's demo scans, embedded so that tools (cmd/fakeaws) serve them from
// any directory.
//
// Layer: data. It imports nothing but embed.
package examples

import _ "embed"

// AccountExport is account-export.json: the output of
// "aws iam get-account-authorization-details" for the example account.
//
//go:embed account-export.json
var AccountExport []byte

// CredentialReport is credential-report.csv: the example account's IAM
// credential report, taken with the export.
//
//go:embed credential-report.csv
var CredentialReport []byte

// AccountExportName and CredentialReportName name the files in messages.
const (
	AccountExportName    = "examples/account-export.json"
	CredentialReportName = "examples/credential-report.csv"
)
