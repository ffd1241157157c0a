// Package report renders scan results for people and machines: a table,
// JSON, CSV, a self-contained HTML page, and findings in the AWS Security
// Finding Format (ASFF) with the plan of what an export to Security Hub
// sends (PlanASFF).
//
// Layer: pure. Encoders write to an io.Writer and read no clock; the
// evaluation time they print comes from the result. The HTML page's
// template, style sheet and script are embedded files under html/.
package report
