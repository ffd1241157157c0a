// Package lastaccess reads saved IAM service last accessed reports: the
// JSON that "aws iam get-service-last-accessed-details" prints, one file
// per principal in a folder, so that iamsweep refine can run offline
// beside an export (--from-file EXPORT --access-dir DIR) without
// credentials.
//
// File naming: each file is named after the principal's ARN, percent-
// encoded as jq's @uri encodes it (every byte but A-Z a-z 0-9 - _ . ~
// encoded), with ".json" after it:
//
//	arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fservice-role%2Fbuild.json
//
// See docs/refine.md ("Evidence") for the shell loop that saves them.
//
// Layer: adapter (it reads files); Parse itself reads from an io.Reader.
package lastaccess
