// Package authexport reads the output of
// "aws iam get-account-authorization-details" (AWS CLI v1 or v2, with or
// without --filter) and streams the principals it holds as domain types.
//
// Layer: pure. It reads from an io.Reader and decodes as it goes, so memory
// stays bounded by one principal, not the whole file.
package authexport
